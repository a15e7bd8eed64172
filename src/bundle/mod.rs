//! Bundles as they arrive: directory trees, single files, tar, gzip, nested
//! archives, stdin — read in one traversal that redaction, verification and
//! the learning pass all share.
//!
//! The traversal hands each member to a [`Transform`] (which may rename it and
//! rewrite its content) and writes the result to a [`Sink`] of the same form
//! as the input: a directory, a tar stream, one file, or nothing at all
//! ([`NullSink`], for passes that only read). Forms are recognised by magic
//! bytes at every level, so logrotate's `x.log.1.gz`, svlogd's `@….s` (gzip
//! despite the name) and a `.tar.gz` inside a directory are all opened, and
//! re-encoded the same way on output.
//!
//! # Failing closed
//!
//! * Streams airlock cannot scan (zip, xz, bzip2, zstd, 7-zip, binary data)
//!   are **left out** and reported through [`Transform::left_out`], never
//!   copied unscanned. With `keep_binary`, binary data is scanned as bytes.
//! * Archive entries with absolute names are made relative; entries with
//!   `..`, links that point outside the archive, device files and FIFOs are
//!   left out and reported. Nothing is ever written outside the sink.
//! * Broken input (truncated gzip, corrupt tar, expansion past
//!   [`Limits::max_member_bytes`], nesting past [`Limits::max_depth`]) is an
//!   error naming the member; callers discard the whole output.
//!
//! Errors name the input and the member path, with `!` between archive
//! levels: `bundle.tar.gz!gitlabsos.x/var/log/gitlab/x.log.1.gz`.

mod pargz;
mod readahead;
mod sink;
pub mod sniff;

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};

pub use sink::{DirSink, NullSink, Sink, StreamSink, TarSink};
pub use sniff::{sniff, Sniffed};

/// Metadata kept from input to output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits (setuid, setgid and sticky are dropped on output).
    pub mode: u32,
    /// Seconds since the epoch.
    pub mtime: u64,
    pub uid: u64,
    pub gid: u64,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            mode: 0o644,
            mtime: 0,
            uid: 0,
            gid: 0,
        }
    }
}

/// Why a member was left out of the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeftOut {
    /// A stream airlock cannot scan.
    Unsupported(Sniffed),
    /// A symbolic link (not followed; reproduced only inside an archive and
    /// only when it points inside it).
    Symlink,
    /// A hard link to a member that was not written before it.
    Hardlink,
    /// A device file, FIFO, socket or unknown entry type.
    Special(&'static str),
    /// A name with `..` or nothing left after making it relative.
    UnsafeName,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOut::Unsupported(s) => write!(f, "{}", s.describe()),
            LeftOut::Symlink => f.write_str("symbolic link (not followed, not reproduced)"),
            LeftOut::Hardlink => f.write_str("hard link to a member not in the output"),
            LeftOut::Special(what) => write!(f, "{what}"),
            LeftOut::UnsafeName => f.write_str("unsafe name (`..` or empty)"),
        }
    }
}

/// Limits against hostile input.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Archive and compression layers allowed inside the input (a `.tar.gz`
    /// member of a `.tar.gz` is depth 4: gzip, tar, gzip, tar).
    pub max_depth: usize,
    /// Largest decompressed size of one member, against gzip bombs.
    pub max_member_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            // Bundles carry logs of up to tens of GB uncompressed; a bomb is
            // far beyond that.
            max_member_bytes: 64 << 30,
        }
    }
}

/// A member whose content a transform rewrites.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The member's original name inside its archive (empty for stdin).
    pub name: &'a [u8],
    /// The enclosing archive members, each followed by `!` (empty at the
    /// top level).
    pub outer: &'a [u8],
    /// The content was gzip-compressed (and is written back compressed).
    pub gzip: bool,
    /// Threads the transform may use for this member's content: `--jobs`
    /// when members come one at a time (an archive, a single file), 1 when
    /// the files of a directory are already spread over the threads (each
    /// thread then holds one member, and memory stays bounded).
    pub jobs: usize,
}

/// What a traversal does with members.
pub trait Transform: Sync {
    /// The output name of a member (names may carry identifiers).
    fn name(&self, name: &[u8]) -> Vec<u8>;
    /// Rewrite the content of a text member (or binary, with `keep_binary`).
    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn Read,
        output: &mut dyn Write,
    ) -> io::Result<()>;
    /// A member was left out; `name` is its *output* name.
    fn left_out(&self, name: &[u8], why: &LeftOut);
    /// Scan binary members as bytes and keep them.
    fn keep_binary(&self) -> bool {
        false
    }
}

/// An error reading or writing a bundle, naming the member.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{member}: {source}")]
    Io {
        member: String,
        #[source]
        source: io::Error,
    },
    #[error("{member}: {msg}")]
    Invalid { member: String, msg: String },
}

/// Whether a member made it into the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Written,
    LeftOut(LeftOut),
}

/// Where a traversal reads from.
#[derive(Debug, Clone)]
pub enum Input {
    /// Standard input, read once.
    Stdin,
    Path(PathBuf),
    /// Standard input saved to a file, so several passes can read it; it is
    /// named and matched as stdin.
    Spooled(PathBuf),
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::Stdin | Input::Spooled(_) => "<stdin>".into(),
            Input::Path(p) => p.display().to_string(),
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self, Input::Path(p) if p.is_dir())
    }
}

/// Options of one traversal.
pub struct Traversal<'a> {
    pub transform: &'a dyn Transform,
    pub limits: Limits,
    /// Where large archive members are spooled (owner-only temporary files);
    /// the output's directory. `None`: the system temporary directory.
    pub spool_dir: Option<PathBuf>,
    /// gzip level for re-compressed members.
    pub level: Compression,
    /// Threads for the files of a directory input (1: sequential).
    pub jobs: usize,
}

impl Traversal<'_> {
    /// Read `input` and write each member, transformed, to `sink`. A
    /// directory input expects a directory-shaped sink; anything else is one
    /// stream (which may be an archive).
    pub fn run(&self, input: &Input, sink: &mut dyn Sink) -> Result<(), BundleError> {
        match input {
            Input::Stdin => {
                let stdin = io::stdin();
                let mut lock = stdin.lock();
                self.member(
                    &"<stdin>".into(),
                    b"",
                    b"",
                    false,
                    &Meta::default(),
                    &mut lock,
                    sink,
                    0,
                )
            }
            Input::Spooled(p) => {
                let mut f = fs::File::open(p).map_err(|source| BundleError::Io {
                    member: "<stdin>".into(),
                    source,
                })?;
                self.member(
                    &"<stdin>".into(),
                    b"",
                    b"",
                    false,
                    &Meta::default(),
                    &mut f,
                    sink,
                    0,
                )
            }
            Input::Path(p) if p.is_dir() => self.dir(p, sink),
            Input::Path(p) => {
                let label = p.display().to_string();
                let io = |source| BundleError::Io {
                    member: label.clone(),
                    source,
                };
                let mut f = fs::File::open(p).map_err(io)?;
                let meta = meta_of(&f.metadata().map_err(io)?);
                let name = p.file_name().map(os_bytes).unwrap_or_default();
                self.member(&label, &name, b"", false, &meta, &mut f, sink, 0)
            }
        }
    }

    /// Read one stream (a log, a `.gz`, a tar, a `.tar.gz`…) named `name`
    /// and write it, transformed, to `sink` — what [`Self::run`] does for a
    /// single file, for bytes from anywhere.
    pub fn run_reader(
        &self,
        name: &[u8],
        reader: &mut dyn Read,
        sink: &mut dyn Sink,
    ) -> Result<(), BundleError> {
        let label = String::from_utf8_lossy(name).into_owned();
        self.member(&label, name, b"", false, &Meta::default(), reader, sink, 0)
    }

    fn dir(&self, root: &Path, sink: &mut dyn Sink) -> Result<(), BundleError> {
        // Walk first (directories made and links reported in order), then
        // read the files, in parallel when the sink allows it.
        let mut files: Vec<(PathBuf, Vec<u8>, Meta)> = Vec::new();
        // Rough cost of each file, for the order in which threads take them.
        let mut costs: Vec<u64> = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let dir = root.join(&rel);
            let label = dir.display().to_string();
            let io = |source| BundleError::Io {
                member: label.clone(),
                source,
            };
            let mut entries: Vec<fs::DirEntry> = fs::read_dir(&dir)
                .map_err(io)?
                .collect::<Result<_, _>>()
                .map_err(io)?;
            entries.sort_by_key(|e| e.file_name());
            // Depth-first in name order; push in reverse so the smallest
            // name is handled first.
            let mut subdirs = Vec::new();
            for e in entries {
                let rel_path = rel.join(e.file_name());
                let name = os_bytes(rel_path.as_os_str());
                let path = e.path();
                let md = fs::symlink_metadata(&path).map_err(|source| BundleError::Io {
                    member: path.display().to_string(),
                    source,
                })?;
                let ft = md.file_type();
                if ft.is_dir() {
                    sink.dir(&self.transform.name(&name), &meta_of(&md))
                        .map_err(|source| BundleError::Io {
                            member: path.display().to_string(),
                            source,
                        })?;
                    subdirs.push(rel_path);
                } else if ft.is_file() {
                    costs.push(read_cost(&name, md.len()));
                    files.push((path, name, meta_of(&md)));
                } else if ft.is_symlink() {
                    self.transform
                        .left_out(&self.transform.name(&name), &LeftOut::Symlink);
                } else {
                    self.transform.left_out(
                        &self.transform.name(&name),
                        &LeftOut::Special(special_kind(&ft)),
                    );
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        let one = |t: &Traversal<'_>,
                   (path, name, meta): &(PathBuf, Vec<u8>, Meta),
                   sink: &mut dyn Sink| {
            let plabel = path.display().to_string();
            let mut f = fs::File::open(path).map_err(|source| BundleError::Io {
                member: plabel.clone(),
                source,
            })?;
            t.member(&plabel, name, b"", true, meta, &mut f, sink, 0)
        };
        let jobs = self.jobs.clamp(1, files.len().max(1));
        let forks: Option<Vec<Box<dyn Sink + Send>>> = (jobs > 1)
            .then(|| (0..jobs).map(|_| sink.fork()).collect())
            .flatten();
        let Some(forks) = forks else {
            for f in &files {
                one(self, f, sink)?;
            }
            return Ok(());
        };
        // Files are spread over the threads: each member gets one.
        let per_file = Traversal {
            transform: self.transform,
            limits: self.limits.clone(),
            spool_dir: self.spool_dir.clone(),
            level: self.level,
            jobs: 1,
        };
        // Workers take the costliest files first, so that the last files
        // to finish are small ones and no thread waits long on another
        // (with name order, one thread could still be on a large log while
        // the other had nothing left). Each file is written whole by one
        // thread, so the order changes no output. The first error by file
        // order wins, and the others stop at their next file.
        let mut order: Vec<usize> = (0..files.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(costs[i]), i));
        let next = std::sync::atomic::AtomicUsize::new(0);
        let failed = std::sync::Mutex::new(None::<(usize, BundleError)>);
        std::thread::scope(|scope| {
            for mut fork in forks {
                let (next, failed, files, one, per_file, order) =
                    (&next, &failed, &files, &one, &per_file, &order);
                scope.spawn(move || loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k >= files.len() || failed.lock().is_ok_and(|f| f.is_some()) {
                        break;
                    }
                    let i = order[k];
                    if let Err(e) = one(per_file, &files[i], fork.as_mut()) {
                        let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
                        if f.as_ref().is_none_or(|(j, _)| i < *j) {
                            *f = Some((i, e));
                        }
                    }
                });
            }
        });
        match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// One member: its content goes through [`Self::encode`] into the sink.
    /// `nest` is false only for the input itself (see [`Self::encode`]).
    #[allow(clippy::too_many_arguments)]
    fn member(
        &self,
        label: &String,
        name: &[u8],
        outer: &[u8],
        nest: bool,
        meta: &Meta,
        reader: &mut dyn Read,
        sink: &mut dyn Sink,
        depth: usize,
    ) -> Result<(), BundleError> {
        let out_name = self.transform.name(name);
        let done = sink.file(&out_name, meta, &mut |w| {
            self.encode(label, name, outer, nest, false, reader, w, depth)
        })?;
        if let Done::LeftOut(why) = done {
            self.transform.left_out(&out_name, &why);
        }
        Ok(())
    }

    /// Decode one layer (gzip, tar) or rewrite content, writing the same
    /// layers to `w`.
    /// `nest`: members of an archive found here are named after this member
    /// (false for the input itself, whose members are the bundle's top level).
    #[allow(clippy::too_many_arguments)]
    fn encode(
        &self,
        label: &String,
        name: &[u8],
        outer: &[u8],
        nest: bool,
        gzip: bool,
        reader: &mut dyn Read,
        w: &mut dyn Write,
        depth: usize,
    ) -> Result<Done, BundleError> {
        let io = |source| BundleError::Io {
            member: label.clone(),
            source,
        };
        if depth > self.limits.max_depth {
            return Err(BundleError::Invalid {
                member: label.clone(),
                msg: format!(
                    "nested deeper than {} archive or compression layers",
                    self.limits.max_depth
                ),
            });
        }
        let mut r = Peek::new(reader).map_err(io)?;
        match sniff(r.head()) {
            Sniffed::Gzip => {
                let mtime = gzip_mtime(r.head());
                // With a thread to spare, inflating runs ahead on it.
                let inflate: Box<dyn Read + '_> = if self.jobs > 1 {
                    Box::new(readahead::GzReadAhead::new(&mut r))
                } else {
                    Box::new(MultiGzDecoder::new(&mut r))
                };
                let mut dec = Limited::new(inflate, self.limits.max_member_bytes);
                // The output header keeps the time but not the original file
                // name, which could name a host.
                // The input itself (a .tar.gz bundle) is compressed on
                // several threads, always, so the bytes do not depend on
                // --jobs; gzip members inside it on this thread.
                let mut enc = if depth == 0 && !nest {
                    GzOut::Parallel(pargz::ParGzWriter::new(w, self.level, mtime, self.jobs))
                } else {
                    GzOut::Single(FixedWrites::new(
                        GzBuilder::new().mtime(mtime).write(w, self.level),
                    ))
                };
                let done = self.encode(
                    label,
                    name,
                    outer,
                    nest,
                    true,
                    &mut dec,
                    &mut enc,
                    depth + 1,
                )?;
                if done == Done::Written {
                    enc.finish().map_err(io)?;
                }
                Ok(done)
            }
            Sniffed::Tar => {
                let mut ts = TarSink::new(w, self.spool_dir.clone());
                // Members inside are named after this one, unless this is the
                // input itself (its members are the bundle's top level).
                let mut inner = outer.to_vec();
                if !name.is_empty() && nest {
                    inner.extend_from_slice(name);
                    inner.push(b'!');
                }
                self.tar(label, &inner, &mut r, &mut ts, depth + 1)?;
                ts.finish().map_err(io)?;
                Ok(Done::Written)
            }
            Sniffed::Text => {
                let m = Member {
                    name,
                    outer,
                    gzip,
                    jobs: self.jobs,
                };
                self.transform.content(&m, &mut r, w).map_err(io)?;
                Ok(Done::Written)
            }
            Sniffed::Binary if self.transform.keep_binary() => {
                let m = Member {
                    name,
                    outer,
                    gzip,
                    jobs: self.jobs,
                };
                self.transform.content(&m, &mut r, w).map_err(io)?;
                Ok(Done::Written)
            }
            other => Ok(Done::LeftOut(LeftOut::Unsupported(other))),
        }
    }

    fn tar(
        &self,
        label: &String,
        outer: &[u8],
        r: &mut dyn Read,
        sink: &mut dyn Sink,
        depth: usize,
    ) -> Result<(), BundleError> {
        let invalid = |e: io::Error| BundleError::Invalid {
            member: label.clone(),
            msg: format!("invalid tar archive: {e}"),
        };
        let mut ar = tar::Archive::new(r);
        let mut written: HashSet<Vec<u8>> = HashSet::new();
        for entry in ar.entries().map_err(invalid)? {
            let mut entry = entry.map_err(invalid)?;
            let raw = entry.path_bytes().into_owned();
            let hdr = entry.header();
            let meta = Meta {
                mode: hdr.mode().unwrap_or(0o644),
                mtime: hdr.mtime().unwrap_or(0),
                uid: hdr.uid().unwrap_or(0),
                gid: hdr.gid().unwrap_or(0),
            };
            let kind = hdr.entry_type();
            let Some(name) = safe_name(&raw) else {
                self.transform
                    .left_out(&self.transform.name(&raw), &LeftOut::UnsafeName);
                continue;
            };
            let mlabel = format!("{label}!{}", String::from_utf8_lossy(&name));
            let sink_io = |source| BundleError::Io {
                member: mlabel.clone(),
                source,
            };
            use tar::EntryType as E;
            match kind {
                E::Regular | E::Continuous | E::GNUSparse => {
                    self.member(&mlabel, &name, outer, true, &meta, &mut entry, sink, depth)?;
                    written.insert(name);
                }
                E::Directory => {
                    sink.dir(&self.transform.name(&name), &meta)
                        .map_err(sink_io)?;
                    written.insert(name);
                }
                E::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    if link_stays_inside(&name, &target) {
                        sink.symlink(
                            &self.transform.name(&name),
                            &meta,
                            &self.transform.name(&target),
                        )
                        .map_err(sink_io)?;
                        written.insert(name);
                    } else {
                        self.transform
                            .left_out(&self.transform.name(&name), &LeftOut::Symlink);
                    }
                }
                E::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    match safe_name(&target) {
                        Some(t) if written.contains(&t) => {
                            sink.hardlink(
                                &self.transform.name(&name),
                                &meta,
                                &self.transform.name(&t),
                            )
                            .map_err(sink_io)?;
                            written.insert(name);
                        }
                        _ => self
                            .transform
                            .left_out(&self.transform.name(&name), &LeftOut::Hardlink),
                    }
                }
                E::XGlobalHeader | E::XHeader | E::GNULongName | E::GNULongLink => {}
                E::Char => self.transform.left_out(
                    &self.transform.name(&name),
                    &LeftOut::Special("character device"),
                ),
                E::Block => self.transform.left_out(
                    &self.transform.name(&name),
                    &LeftOut::Special("block device"),
                ),
                E::Fifo => self
                    .transform
                    .left_out(&self.transform.name(&name), &LeftOut::Special("FIFO")),
                _ => self.transform.left_out(
                    &self.transform.name(&name),
                    &LeftOut::Special("unknown entry type"),
                ),
            }
        }
        Ok(())
    }
}

/// A member name made safe: relative, `/`-separated, no `.` or empty
/// components; `None` if it has `..` or nothing is left.
pub fn safe_name(raw: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in raw.split(|b| *b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => return None,
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join(&b'/'))
}

/// Does a symbolic link at `name` pointing to `target` stay inside the
/// archive root?
fn link_stays_inside(name: &[u8], target: &[u8]) -> bool {
    if target.is_empty() || target.starts_with(b"/") {
        return false;
    }
    // Start from the link's directory.
    let mut depth: i64 = name.split(|b| *b == b'/').count() as i64 - 1;
    for comp in target.split(|b| *b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

fn gzip_mtime(head: &[u8]) -> u32 {
    head.get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

fn special_kind(ft: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() {
            return "block device";
        }
        if ft.is_char_device() {
            return "character device";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// The work a file of `len` bytes named `name` is likely to be: gzip files
/// (by name; their content is told by its magic bytes when read) are read
/// as several times their size.
fn read_cost(name: &[u8], len: u64) -> u64 {
    let compressed = [&b".gz"[..], b".tgz"].iter().any(|ext| name.ends_with(ext));
    if compressed {
        len.saturating_mul(8)
    } else {
        len
    }
}

pub(crate) fn meta_of(md: &fs::Metadata) -> Meta {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Meta {
            mode: md.mode() & 0o7777,
            mtime: md.mtime().max(0) as u64,
            uid: md.uid() as u64,
            gid: md.gid() as u64,
        }
    }
    #[cfg(not(unix))]
    {
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        Meta {
            mode: if md.permissions().readonly() {
                0o444
            } else {
                0o644
            },
            mtime,
            uid: 0,
            gid: 0,
        }
    }
}

/// The bytes of an OS string (names are bytes inside archives).
pub(crate) fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().into_owned().into_bytes()
    }
}

/// A reader that holds its first [`sniff::HEAD`] bytes for inspection and
/// then replays them.
struct Peek<'a> {
    head: Vec<u8>,
    pos: usize,
    inner: &'a mut dyn Read,
}

impl<'a> Peek<'a> {
    fn new(inner: &'a mut dyn Read) -> io::Result<Peek<'a>> {
        let mut head = vec![0u8; sniff::HEAD];
        let mut n = 0;
        while n < head.len() {
            match inner.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        head.truncate(n);
        Ok(Peek {
            head,
            pos: 0,
            inner,
        })
    }

    fn head(&self) -> &[u8] {
        &self.head
    }
}

impl Read for Peek<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Fails a read once more than `limit` bytes came out (gzip bombs).
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Limited<R> {
    fn new(inner: R, limit: u64) -> Self {
        Limited {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(format!(
                "decompresses to more than {} bytes (raise the limit if this is a real log)",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Where a gzip layer is written back.
enum GzOut<'w> {
    Parallel(pargz::ParGzWriter<&'w mut dyn Write>),
    Single(FixedWrites<flate2::write::GzEncoder<&'w mut dyn Write>>),
}

impl GzOut<'_> {
    fn finish(self) -> io::Result<()> {
        match self {
            GzOut::Parallel(enc) => enc.finish().map(|_| ()),
            GzOut::Single(mut enc) => {
                enc.flush_block()?;
                enc.inner.try_finish()
            }
        }
    }
}

impl Write for GzOut<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            GzOut::Parallel(enc) => enc.write(data),
            GzOut::Single(enc) => enc.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that hands its inner writer blocks of exactly [`FixedWrites::BLOCK`]
/// bytes (the last one shorter). zlib-rs's deflate output depends on how its
/// input is cut into writes, and the redactor cuts differently with
/// `--jobs`; fixed blocks keep recompressed members byte-identical.
struct FixedWrites<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> FixedWrites<W> {
    const BLOCK: usize = 64 << 10;

    fn new(inner: W) -> Self {
        FixedWrites {
            inner,
            buf: Vec::with_capacity(Self::BLOCK),
        }
    }

    /// Write what is buffered (call once, at the end).
    fn flush_block(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

impl<W: Write> Write for FixedWrites<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(Self::BLOCK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == Self::BLOCK {
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(n)
    }

    /// Blocks stay whole: a flush passes nothing partial on.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
