//! Where rewritten members go: a directory, a tar stream, one stream, or
//! nowhere.

use std::fs;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{safe_name, BundleError, Done, Meta};

/// Permission bits written to output: setuid, setgid and sticky are dropped.
const MODE_MASK: u32 = 0o777;

/// A destination for members, in traversal order.
pub trait Sink {
    fn dir(&mut self, name: &[u8], meta: &Meta) -> io::Result<()>;
    /// Write one member whose content `produce` writes. If `produce` says
    /// the member is left out, whatever it wrote is discarded.
    fn file(
        &mut self,
        name: &[u8],
        meta: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError>;
    fn symlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()>;
    fn hardlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()>;
    /// Another sink writing to the same destination from another thread,
    /// where the destination allows it (a directory does; a stream does not).
    fn fork(&self) -> Option<Box<dyn Sink + Send>> {
        None
    }
}

#[cfg(unix)]
fn os_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn os_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn unsafe_name() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "refusing to write a member with an unsafe name",
    )
}

/// Members as files under a root directory (the output's temporary
/// directory). Every name is checked again here: nothing is written outside
/// the root, whatever a transform returns.
///
/// Until [`DirSink::finish`], everything is owner-only whatever the umask:
/// directories 0700, files 0600 (each created under the temporaries' lock,
/// see [`crate::temp`], so an interruption never races a creation). The
/// members' own modes and times are applied by `finish`, after the output
/// was verified and just before it is renamed into place; a member whose
/// mode forbids reading it (0200) can still be verified.
pub struct DirSink {
    root: PathBuf,
    /// Modes and times to apply at the end, shared by the forks of this
    /// sink (files and directories: a read-only directory must stay
    /// writable until its files are in).
    pending: std::sync::Arc<std::sync::Mutex<Vec<(PathBuf, Meta, bool)>>>,
}

impl DirSink {
    pub fn new(root: PathBuf) -> DirSink {
        DirSink {
            root,
            pending: Default::default(),
        }
    }

    fn path(&self, name: &[u8]) -> io::Result<PathBuf> {
        let safe = safe_name(name).ok_or_else(unsafe_name)?;
        Ok(self.root.join(os_path(&safe)))
    }

    fn defer(&self, path: PathBuf, meta: &Meta, is_dir: bool) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path, meta.clone(), is_dir));
    }

    /// Apply the members' modes and times: files first, then directories,
    /// deepest first.
    pub fn finish(self) -> io::Result<()> {
        let mut pending =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        pending.sort_by_key(|(p, _, is_dir)| (*is_dir, std::cmp::Reverse(p.components().count())));
        for (p, meta, _) in &pending {
            set_meta(p, meta)?;
        }
        Ok(())
    }
}

fn set_meta(path: &Path, meta: &Meta) -> io::Result<()> {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(meta.mtime);
    // Times are best effort (some systems cannot open a directory to set
    // them), and set before the mode, which may forbid opening.
    if let Ok(f) = fs::File::options().read(true).open(path) {
        let _ = f.set_modified(t);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(meta.mode & MODE_MASK))?;
    }
    Ok(())
}

impl Sink for DirSink {
    fn dir(&mut self, name: &[u8], meta: &Meta) -> io::Result<()> {
        let p = self.path(name)?;
        {
            let _g = crate::temp::hold()?;
            crate::temp::create_dir_all_private(&p)?;
        }
        self.defer(p, meta, true);
        Ok(())
    }

    fn file(
        &mut self,
        name: &[u8],
        meta: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError> {
        let member = String::from_utf8_lossy(name).into_owned();
        let io = |source| BundleError::Io {
            member: member.clone(),
            source,
        };
        let p = self.path(name).map_err(io)?;
        let f = {
            let _g = crate::temp::hold().map_err(io)?;
            if let Some(parent) = p.parent() {
                crate::temp::create_dir_all_private(parent).map_err(io)?;
            }
            crate::temp::create_file_private(&p)
                .or_else(|e| {
                    // A duplicate name (a later member with the same name, as
                    // tar allows): the later one wins, as tar extraction would.
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        fs::remove_file(&p)?;
                        crate::temp::create_file_private(&p)
                    } else {
                        Err(e)
                    }
                })
                .map_err(io)?
        };
        let mut w = BufWriter::with_capacity(256 << 10, f);
        let done = produce(&mut w);
        let done = match done {
            Ok(Done::Written) => {
                w.flush().map_err(io)?;
                drop(w);
                self.defer(p, meta, false);
                Done::Written
            }
            Ok(left) => {
                drop(w);
                fs::remove_file(&p).map_err(io)?;
                left
            }
            Err(e) => {
                drop(w);
                let _ = fs::remove_file(&p);
                return Err(e);
            }
        };
        Ok(done)
    }

    fn symlink(&mut self, name: &[u8], _meta: &Meta, target: &[u8]) -> io::Result<()> {
        let p = self.path(name)?;
        let _g = crate::temp::hold()?;
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(os_path(target), p)
        }
        #[cfg(not(unix))]
        {
            let _ = (p, target);
            Err(io::Error::other("symbolic links are not supported here"))
        }
    }

    fn hardlink(&mut self, name: &[u8], _meta: &Meta, target: &[u8]) -> io::Result<()> {
        let p = self.path(name)?;
        let t = self.path(target)?;
        let _g = crate::temp::hold()?;
        fs::hard_link(t, p)
    }

    fn fork(&self) -> Option<Box<dyn Sink + Send>> {
        Some(Box::new(DirSink {
            root: self.root.clone(),
            pending: self.pending.clone(),
        }))
    }
}

/// Members as entries of a tar stream. Entry sizes must be known before the
/// content, so each rewritten member is spooled first: in memory up to
/// `SPOOL_MEMORY` bytes, then in an owner-only temporary file.
pub struct TarSink<'a> {
    builder: tar::Builder<&'a mut dyn Write>,
    spool_dir: Option<PathBuf>,
}

/// Members up to this size are spooled in memory. Larger ones go to a file,
/// which costs a copy through the page cache but no resident memory: at
/// 32 MiB this spool was the largest single allocation of a `.tar.gz` run.
const SPOOL_MEMORY: usize = 8 << 20;

impl<'a> TarSink<'a> {
    pub fn new(w: &'a mut dyn Write, spool_dir: Option<PathBuf>) -> TarSink<'a> {
        let mut builder = tar::Builder::new(w);
        builder.mode(tar::HeaderMode::Complete);
        TarSink { builder, spool_dir }
    }

    /// Write the end-of-archive blocks.
    pub fn finish(self) -> io::Result<()> {
        self.builder.into_inner().map(|_| ())
    }

    fn header(meta: &Meta, kind: tar::EntryType, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(meta.mode & MODE_MASK);
        h.set_mtime(meta.mtime);
        h.set_uid(meta.uid);
        h.set_gid(meta.gid);
        h.set_size(size);
        h
    }
}

impl Sink for TarSink<'_> {
    fn dir(&mut self, name: &[u8], meta: &Meta) -> io::Result<()> {
        let mut h = Self::header(meta, tar::EntryType::Directory, 0);
        let mut path = os_path(name);
        path.push("");
        self.builder.append_data(&mut h, path, io::empty())
    }

    fn file(
        &mut self,
        name: &[u8],
        meta: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError> {
        let member = String::from_utf8_lossy(name).into_owned();
        let io = |source| BundleError::Io {
            member: member.clone(),
            source,
        };
        let mut spool = Spool::new(self.spool_dir.clone());
        let done = produce(&mut spool)?;
        if done != Done::Written {
            return Ok(done);
        }
        let (len, reader) = spool.into_reader().map_err(io)?;
        let mut h = Self::header(meta, tar::EntryType::Regular, len);
        self.builder
            .append_data(&mut h, os_path(name), reader)
            .map_err(io)?;
        Ok(Done::Written)
    }

    fn symlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()> {
        let mut h = Self::header(meta, tar::EntryType::Symlink, 0);
        self.builder
            .append_link(&mut h, os_path(name), os_path(target))
    }

    fn hardlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()> {
        let mut h = Self::header(meta, tar::EntryType::Link, 0);
        self.builder
            .append_link(&mut h, os_path(name), os_path(target))
    }
}

/// Bytes held in memory, then in an unlinked temporary file.
struct Spool {
    mem: Vec<u8>,
    file: Option<fs::File>,
    dir: Option<PathBuf>,
    len: u64,
}

impl Spool {
    fn new(dir: Option<PathBuf>) -> Spool {
        Spool {
            mem: Vec::new(),
            file: None,
            dir,
            len: 0,
        }
    }

    fn into_reader(self) -> io::Result<(u64, Box<dyn Read>)> {
        match self.file {
            None => Ok((self.len, Box::new(io::Cursor::new(self.mem)))),
            Some(mut f) => {
                f.flush()?;
                f.seek(SeekFrom::Start(0))?;
                Ok((
                    self.len,
                    Box::new(io::BufReader::with_capacity(256 << 10, f)),
                ))
            }
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.mem.len() + buf.len() > SPOOL_MEMORY {
            // tempfile creates the file owner-only and unlinks it at once.
            let mut f = match &self.dir {
                Some(d) => tempfile::tempfile_in(d)?,
                None => tempfile::tempfile()?,
            };
            f.write_all(&self.mem)?;
            self.mem = Vec::new();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(buf)?,
            None => self.mem.extend_from_slice(buf),
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// The one member of a single-stream input (a file, a `.gz`, a tar as a
/// whole) written to one stream.
pub struct StreamSink<'a> {
    w: &'a mut dyn Write,
}

impl<'a> StreamSink<'a> {
    pub fn new(w: &'a mut dyn Write) -> StreamSink<'a> {
        StreamSink { w }
    }
}

fn not_a_dir() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "a single-stream output cannot hold directories or links",
    )
}

impl Sink for StreamSink<'_> {
    fn dir(&mut self, _: &[u8], _: &Meta) -> io::Result<()> {
        Err(not_a_dir())
    }

    fn file(
        &mut self,
        _name: &[u8],
        _meta: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError> {
        produce(self.w)
    }

    fn symlink(&mut self, _: &[u8], _: &Meta, _: &[u8]) -> io::Result<()> {
        Err(not_a_dir())
    }

    fn hardlink(&mut self, _: &[u8], _: &Meta, _: &[u8]) -> io::Result<()> {
        Err(not_a_dir())
    }
}

/// Reads everything, writes nothing: for verification and learning.
#[derive(Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn fork(&self) -> Option<Box<dyn Sink + Send>> {
        Some(Box::new(NullSink))
    }

    fn dir(&mut self, _: &[u8], _: &Meta) -> io::Result<()> {
        Ok(())
    }

    fn file(
        &mut self,
        _: &[u8],
        _: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError> {
        produce(&mut io::sink())
    }

    fn symlink(&mut self, _: &[u8], _: &Meta, _: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn hardlink(&mut self, _: &[u8], _: &Meta, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(pieces: &[&[u8]]) -> (bool, u64, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(Some(dir.path().to_path_buf()));
        for p in pieces {
            spool.write_all(p).unwrap();
        }
        let on_disk = spool.file.is_some();
        let (len, mut r) = spool.into_reader().unwrap();
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        (on_disk, len, back)
    }

    #[test]
    fn a_spool_moves_to_a_file_past_its_memory_limit_and_keeps_every_byte() {
        let head: Vec<u8> = (0..SPOOL_MEMORY - 10).map(|i| (i % 251) as u8).collect();
        let tail: Vec<u8> = (0..100u8).collect();
        let (on_disk, len, back) = spooled(&[&head, &tail[..10]]);
        assert!(!on_disk, "exactly at the limit stays in memory");
        assert_eq!(len as usize, SPOOL_MEMORY);
        assert_eq!(back.len(), SPOOL_MEMORY);

        let (on_disk, len, back) = spooled(&[&head, &tail[..50], &tail[50..]]);
        assert!(on_disk, "past the limit goes to a file");
        assert_eq!(len as usize, head.len() + tail.len());
        assert_eq!(&back[..head.len()], &head[..]);
        assert_eq!(&back[head.len()..], &tail[..]);
    }
}
