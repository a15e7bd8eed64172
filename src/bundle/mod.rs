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
//! re-encoded the same way on output; UTF-16 text is decoded for the
//! transform and encoded back ([`utf16`]). The input's own layers may be
//! written in another [`Form`] (`-o x.tar.gz` for a directory): see
//! [`RunOptions`], which also carries progress and a [`Tally`] of what was
//! met, counted here rather than by the transform, so a report can be
//! checked to account for every member.
//!
//! # Failing closed
//!
//! * Streams airlock cannot scan (zip, xz, bzip2, zstd, 7-zip, binary data)
//!   are **left out** and reported through [`Transform::left_out`], never
//!   copied unscanned. With `keep_binary`, binary data is scanned as bytes.
//! * Archive entries with absolute names are made relative; entries with
//!   `..`, links that point outside the archive, device files and FIFOs are
//!   left out and reported. Nothing is ever written outside the sink.
//! * Broken input (truncated gzip, corrupt tar, data after a tar's end,
//!   expansion past [`Limits::max_member_bytes`], nesting past
//!   [`Limits::max_depth`]) is an error naming the member; callers discard
//!   the whole output.
//! * Text is not judged by its first bytes alone: leading zeros are skipped
//!   before sniffing, and NUL runs between text are padding ([`sniff()`]).
//!
//! Errors name the input and the member path, with `!` between archive
//! levels: `bundle.tar.gz!gitlabsos.x/var/log/gitlab/x.log.1.gz`.

mod pargz;
mod readahead;
mod sink;
pub mod sniff;
pub mod utf16;

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};

pub use sink::{DirSink, NullSink, Sink, StreamSink, TarSink};
pub use sniff::{sniff, Sniffed};

use crate::progress::{Counting, Progress, Silent};

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
    /// The content came from inside an archive (false for the input itself
    /// and for the files of a directory).
    pub archived: bool,
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
    /// A stream that can be read once (stdin, a FIFO, `<(…)`) saved to a
    /// file so several passes can read it. It is named and matched as
    /// `name` (stdin when `None`).
    Spooled {
        path: PathBuf,
        name: Option<PathBuf>,
    },
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::Stdin | Input::Spooled { name: None, .. } => "<stdin>".into(),
            Input::Spooled { name: Some(p), .. } | Input::Path(p) => p.display().to_string(),
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

/// The form of the output when it is not the input's: what `-o x.tar.gz`
/// asks for. Applies to the input's own layers only, never to members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Form {
    /// `Some(true)`: gzip-compressed (added if the input is not);
    /// `Some(false)`: not compressed (a gzip input is written inflated);
    /// `None`: as the input.
    pub gzip: Option<bool>,
    /// A tar archive: a directory's tree, or a single stream as its one
    /// member (named after the input).
    pub tar: bool,
}

/// An output name asks for a form airlock cannot write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: airlock cannot write {what}; name the output .tar.gz, .tgz, .tar or .gz, or give no such extension to keep the input's form")]
pub struct UnwritableForm {
    pub name: String,
    pub what: &'static str,
}

impl Form {
    /// The form an output file name asks for: `.tar.gz`/`.tgz`, `.tar`,
    /// `.gz`; other compressed or archive extensions (`.zip`, `.xz`, …) are
    /// refused; any other name keeps the input's form.
    pub fn for_output_name(name: &str) -> Result<Form, UnwritableForm> {
        let lower = name.to_ascii_lowercase();
        let refuse = |what| {
            Err(UnwritableForm {
                name: name.to_string(),
                what,
            })
        };
        const REFUSED: &[(&str, &str)] = &[
            (".zip", "zip archives"),
            (".xz", "xz compression"),
            (".txz", "xz compression"),
            (".bz2", "bzip2 compression"),
            (".tbz", "bzip2 compression"),
            (".tbz2", "bzip2 compression"),
            (".zst", "zstd compression"),
            (".tzst", "zstd compression"),
            (".7z", "7-zip archives"),
            (".rar", "rar archives"),
            (".lz4", "lz4 compression"),
            (".lz", "lzip compression"),
            (".lzma", "lzma compression"),
            (".z", "compress(1) files"),
            (".cpio", "cpio archives"),
        ];
        for (ext, what) in REFUSED {
            if lower.ends_with(ext) {
                return refuse(what);
            }
        }
        Ok(if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Form {
                gzip: Some(true),
                tar: true,
            }
        } else if lower.ends_with(".tar") {
            Form {
                gzip: Some(false),
                tar: true,
            }
        } else if lower.ends_with(".gz") {
            Form {
                gzip: Some(true),
                tar: false,
            }
        } else {
            Form::default()
        })
    }

    /// Whether a directory input is written as one stream.
    pub fn is_stream(self) -> bool {
        self.tar
    }
}

/// What a traversal met, counted where members are dispatched (not by the
/// transform), so that a report's counts can be checked against it: every
/// entry ends as a file written, an archive opened, a link reproduced or a
/// member left out.
#[derive(Debug, Default)]
pub struct Tally {
    /// Entries met: the input itself (unless a directory), every file of a
    /// directory, every entry of every archive (directories excepted).
    pub entries: AtomicU64,
    /// Entries that were archives, opened and written back.
    pub archives: AtomicU64,
    /// Links reproduced inside an archive.
    pub links: AtomicU64,
}

impl Tally {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn entries(&self) -> u64 {
        self.entries.load(Ordering::Relaxed)
    }

    pub fn archives(&self) -> u64 {
        self.archives.load(Ordering::Relaxed)
    }

    pub fn links(&self) -> u64 {
        self.links.load(Ordering::Relaxed)
    }
}

/// What else a traversal does besides its transform: report progress, write
/// another form, count what it met.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    pub progress: &'a dyn Progress,
    pub form: Form,
    pub tally: Option<&'a Tally>,
    /// Go on after a member fails, and return the first error (by member
    /// name) at the end: the learning pass uses it so that what it learned
    /// is everything readable, whatever order threads failed in.
    pub keep_going: bool,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            progress: &Silent,
            form: Form::default(),
            tally: None,
            keep_going: false,
        }
    }
}

/// The bytes a traversal of `input` reads from disk (files of a directory,
/// the file, the spool), for progress; `None` for stdin.
pub fn input_size(input: &Input) -> Option<u64> {
    match input {
        Input::Stdin => None,
        Input::Spooled { path, .. } => fs::metadata(path).ok().map(|m| m.len()),
        Input::Path(p) => {
            let md = fs::metadata(p).ok()?;
            if !md.is_dir() {
                return Some(md.len());
            }
            let mut total = 0;
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                for e in fs::read_dir(&d).ok()?.flatten() {
                    let Ok(md) = e.path().symlink_metadata() else {
                        continue;
                    };
                    if md.is_dir() {
                        stack.push(e.path());
                    } else if md.is_file() {
                        total += md.len();
                    }
                }
            }
            Some(total)
        }
    }
}

impl Traversal<'_> {
    /// Read `input` and write each member, transformed, to `sink`. A
    /// directory input expects a directory-shaped sink; anything else is one
    /// stream (which may be an archive).
    pub fn run(&self, input: &Input, sink: &mut dyn Sink) -> Result<(), BundleError> {
        self.run_with(input, sink, &RunOptions::default())
    }

    /// [`Self::run`] with progress, another output form, a tally. With
    /// `opts.form.tar`, a directory input is written as one tar stream to
    /// `sink` (a stream sink), its members under the directory's name.
    pub fn run_with(
        &self,
        input: &Input,
        sink: &mut dyn Sink,
        opts: &RunOptions<'_>,
    ) -> Result<(), BundleError> {
        let held = std::sync::Mutex::new(None);
        let w = Walk {
            t: self,
            opts,
            held: &held,
        };
        w.finish(w.run(input, sink))
    }

    /// Read one stream labelled `label` in messages and named `name` (for
    /// path rules), as [`Self::run_with`] reads a single file.
    pub fn run_named(
        &self,
        label: &str,
        name: &[u8],
        reader: &mut dyn Read,
        sink: &mut dyn Sink,
        opts: &RunOptions<'_>,
    ) -> Result<(), BundleError> {
        let held = std::sync::Mutex::new(None);
        let w = Walk {
            t: self,
            opts,
            held: &held,
        };
        let mut r = Counting::new(reader, opts.progress);
        let r = w.member(
            &label.to_string(),
            name,
            b"",
            false,
            &Meta::default(),
            &mut r,
            sink,
            0,
        );
        w.finish(r)
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
        self.run_reader_with(name, reader, sink, &RunOptions::default())
    }

    /// [`Self::run_reader`] with [`RunOptions`] (progress counts what
    /// `reader` gives).
    pub fn run_reader_with(
        &self,
        name: &[u8],
        reader: &mut dyn Read,
        sink: &mut dyn Sink,
        opts: &RunOptions<'_>,
    ) -> Result<(), BundleError> {
        let label = String::from_utf8_lossy(name).into_owned();
        self.run_named(&label, name, reader, sink, opts)
    }
}

impl Walk<'_> {
    /// The result of a run: its own, or the first error held back.
    fn finish(&self, r: Result<(), BundleError>) -> Result<(), BundleError> {
        r?;
        match self.held.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn run(&self, input: &Input, sink: &mut dyn Sink) -> Result<(), BundleError> {
        let (w, opts) = (self, self.opts);
        match input {
            Input::Stdin => {
                let stdin = io::stdin();
                let mut lock = Counting::new(stdin.lock(), opts.progress);
                w.member(
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
            Input::Spooled { path, name } => {
                let label = input.display();
                let mut f = fs::File::open(path).map_err(|source| BundleError::Io {
                    member: label.clone(),
                    source,
                })?;
                let meta = f.metadata().map(|m| meta_of(&m)).unwrap_or_default();
                let member = name
                    .as_ref()
                    .and_then(|n| n.file_name())
                    .map(os_bytes)
                    .unwrap_or_default();
                let mut f = Counting::new(&mut f, opts.progress);
                w.member(&label, &member, b"", false, &meta, &mut f, sink, 0)
            }
            Input::Path(p) if p.is_dir() && opts.form.tar => w.dir_as_tar(p, sink),
            Input::Path(p) if p.is_dir() => w.dir(p, sink),
            Input::Path(p) => {
                let label = p.display().to_string();
                let io = |source| BundleError::Io {
                    member: label.clone(),
                    source,
                };
                let mut f = fs::File::open(p).map_err(io)?;
                let meta = meta_of(&f.metadata().map_err(io)?);
                let name = p.file_name().map(os_bytes).unwrap_or_default();
                let mut f = Counting::new(&mut f, opts.progress);
                w.member(&label, &name, b"", false, &meta, &mut f, sink, 0)
            }
        }
    }
}

/// One traversal under way: the options and what else it does.
struct Walk<'w> {
    t: &'w Traversal<'w>,
    opts: &'w RunOptions<'w>,
    /// The first error of a member, held back with `keep_going`.
    held: &'w std::sync::Mutex<Option<BundleError>>,
}

impl Walk<'_> {
    fn tally(&self, pick: impl Fn(&Tally) -> &AtomicU64) {
        if let Some(t) = self.opts.tally {
            Tally::add(pick(t));
        }
    }

    /// A directory written as one tar stream (gzip-compressed if the form
    /// says so), its members under the directory's own (transformed) name.
    fn dir_as_tar(&self, root: &Path, sink: &mut dyn Sink) -> Result<(), BundleError> {
        let label = root.display().to_string();
        let io = |source| BundleError::Io {
            member: label.clone(),
            source,
        };
        let meta = meta_of(&fs::metadata(root).map_err(io)?);
        let name = root
            .file_name()
            .map(os_bytes)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| b"bundle".to_vec());
        let top = self.t.transform.name(&name);
        let gzip = self.opts.form.gzip == Some(true);
        let done = sink.file(&top, &meta, &mut |w| {
            let mut out = if gzip {
                TopOut::Gz(pargz::ParGzWriter::new(
                    w,
                    self.t.level,
                    meta.mtime.min(u64::from(u32::MAX)) as u32,
                    self.t.jobs,
                ))
            } else {
                TopOut::Plain(w)
            };
            let mut ts = TarSink::new(&mut out, self.t.spool_dir.clone());
            ts.dir(&top, &meta).map_err(io)?;
            let mut prefix = top.clone();
            prefix.push(b'/');
            self.dir(
                root,
                &mut Prefixed {
                    inner: &mut ts,
                    prefix,
                },
            )?;
            ts.finish().map_err(io)?;
            out.finish().map_err(io)?;
            Ok(Done::Written)
        })?;
        debug_assert_eq!(done, Done::Written);
        Ok(())
    }

    fn dir(&self, root: &Path, sink: &mut dyn Sink) -> Result<(), BundleError> {
        let transform = self.t.transform;
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
                    sink.dir(&transform.name(&name), &meta_of(&md))
                        .map_err(|source| BundleError::Io {
                            member: path.display().to_string(),
                            source,
                        })?;
                    subdirs.push(rel_path);
                } else if ft.is_file() {
                    costs.push(read_cost(&name, md.len()));
                    files.push((path, name, meta_of(&md)));
                } else if ft.is_symlink() {
                    self.tally(|t| &t.entries);
                    transform.left_out(&transform.name(&name), &LeftOut::Symlink);
                } else {
                    self.tally(|t| &t.entries);
                    transform
                        .left_out(&transform.name(&name), &LeftOut::Special(special_kind(&ft)));
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        let one =
            |w: &Walk<'_>, (path, name, meta): &(PathBuf, Vec<u8>, Meta), sink: &mut dyn Sink| {
                let plabel = path.display().to_string();
                let mut f = fs::File::open(path).map_err(|source| BundleError::Io {
                    member: plabel.clone(),
                    source,
                })?;
                let mut f = Counting::new(&mut f, w.opts.progress);
                w.member(&plabel, name, b"", true, meta, &mut f, sink, 0)
            };
        let jobs = self.t.jobs.clamp(1, files.len().max(1));
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
            transform,
            limits: self.t.limits.clone(),
            spool_dir: self.t.spool_dir.clone(),
            level: self.t.level,
            jobs: 1,
        };
        let per_file = Walk {
            t: &per_file,
            opts: self.opts,
            held: self.held,
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
                    let k = next.fetch_add(1, Ordering::Relaxed);
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
        let r = self.member_inner(label, name, outer, nest, meta, reader, sink, depth);
        match r {
            Err(e) if self.opts.keep_going => {
                let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
                let first = match &*held {
                    Some(h) => member_of(&e) < member_of(h),
                    None => true,
                };
                if first {
                    *held = Some(e);
                }
                Ok(())
            }
            r => r,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn member_inner(
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
        self.tally(|t| &t.entries);
        let transform = self.t.transform;
        let out_name = transform.name(name);
        // The output's form applies to the input's own layers only.
        let form = if nest {
            Form::default()
        } else {
            self.opts.form
        };
        let l = Layer {
            label,
            name,
            outer,
            nest,
            meta,
            archived: !outer.is_empty() || nest && depth > 0,
        };
        let done = sink.file(&out_name, meta, &mut |w| {
            self.encode(&l, false, form, reader, w, depth)
        })?;
        if let Done::LeftOut(why) = done {
            transform.left_out(&out_name, &why);
        }
        Ok(())
    }

    /// Decode one layer (gzip, tar) or rewrite content, writing the same
    /// layers to `w` (or those `form` asks for).
    /// `l.nest`: members of an archive found here are named after this member
    /// (false for the input itself, whose members are the bundle's top level).
    fn encode(
        &self,
        l: &Layer<'_>,
        gzip: bool,
        form: Form,
        reader: &mut dyn Read,
        w: &mut dyn Write,
        depth: usize,
    ) -> Result<Done, BundleError> {
        let label = l.label;
        let io = |source| BundleError::Io {
            member: label.clone(),
            source,
        };
        if depth > self.t.limits.max_depth {
            return Err(BundleError::Invalid {
                member: label.clone(),
                msg: format!(
                    "nested deeper than {} archive or compression layers",
                    self.t.limits.max_depth
                ),
            });
        }
        let mut r = Peek::new(reader).map_err(io)?;
        let sniffed = r.sniff();
        // Another form than the input's: add a gzip layer, or a tar around
        // a single stream, then carry on with this same layer.
        if form.gzip == Some(true) && sniffed != Sniffed::Gzip {
            let mut enc = pargz::ParGzWriter::new(
                w,
                self.t.level,
                l.meta.mtime.min(u64::from(u32::MAX)) as u32,
                self.t.jobs,
            );
            let inner = Form { gzip: None, ..form };
            let done = self.encode(l, gzip, inner, &mut r, &mut enc, depth)?;
            if done == Done::Written {
                enc.finish().map_err(io)?;
            }
            return Ok(done);
        }
        if form.tar && !matches!(sniffed, Sniffed::Gzip | Sniffed::Tar) {
            let mut ts = TarSink::new(w, self.t.spool_dir.clone());
            let name = if l.name.is_empty() {
                b"stdin".to_vec()
            } else {
                self.t.transform.name(l.name)
            };
            let done = ts.file(&name, l.meta, &mut |tw| {
                self.encode(l, gzip, Form::default(), &mut r, tw, depth)
            })?;
            if done == Done::Written {
                ts.finish().map_err(io)?;
            }
            return Ok(done);
        }
        match sniffed {
            Sniffed::Gzip => {
                let mtime = gzip_mtime(r.head());
                // With a thread to spare, inflating runs ahead on it.
                let inflate: Box<dyn Read + '_> = if self.t.jobs > 1 {
                    Box::new(readahead::GzReadAhead::new(&mut r))
                } else {
                    Box::new(MultiGzDecoder::new(&mut r))
                };
                let mut dec = Limited::new(inflate, self.t.limits.max_member_bytes);
                let inner = Form { gzip: None, ..form };
                if form.gzip == Some(false) {
                    // Written inflated.
                    return self.encode(l, true, inner, &mut dec, w, depth + 1);
                }
                // The output header keeps the time but not the original file
                // name, which could name a host.
                // The input itself (a .tar.gz bundle) is compressed on
                // several threads, always, so the bytes do not depend on
                // --jobs; gzip members inside it on this thread.
                let mut enc = if depth == 0 && !l.nest {
                    GzOut::Parallel(pargz::ParGzWriter::new(w, self.t.level, mtime, self.t.jobs))
                } else {
                    GzOut::Single(FixedWrites::new(
                        GzBuilder::new().mtime(mtime).write(w, self.t.level),
                    ))
                };
                let done = self.encode(l, true, inner, &mut dec, &mut enc, depth + 1)?;
                if done == Done::Written {
                    enc.finish().map_err(io)?;
                }
                Ok(done)
            }
            Sniffed::Tar => {
                self.tally(|t| &t.archives);
                let mut ts = TarSink::new(w, self.t.spool_dir.clone());
                // Members inside are named after this one, unless this is the
                // input itself (its members are the bundle's top level).
                let mut inner = l.outer.to_vec();
                if !l.name.is_empty() && l.nest {
                    inner.extend_from_slice(l.name);
                    inner.push(b'!');
                }
                self.tar(label, &inner, &mut r, &mut ts, depth + 1)?;
                // An archive ends with zero blocks. Anything else after them
                // (a second archive appended, another stream) would be lost
                // without a word: fail instead.
                if !rest_is_zeros(&mut r).map_err(io)? {
                    return Err(BundleError::Invalid {
                        member: label.clone(),
                        msg: "data after the end of the tar archive (appended archives are not supported)".into(),
                    });
                }
                ts.finish().map_err(io)?;
                Ok(Done::Written)
            }
            Sniffed::Text => {
                let m = l.member(gzip, self.t.jobs);
                self.t.transform.content(&m, &mut r, w).map_err(io)?;
                Ok(Done::Written)
            }
            Sniffed::Utf16 { big_endian, bom } => {
                // Decoded for the transform, encoded back as it was.
                let m = l.member(gzip, self.t.jobs);
                let mut dec = utf16::Decoder::new(&mut r, big_endian, bom);
                let mut enc = utf16::Encoder::new(w, big_endian, bom);
                self.t
                    .transform
                    .content(&m, &mut dec, &mut enc)
                    .map_err(io)?;
                enc.finish(dec.odd_tail()).map_err(io)?;
                Ok(Done::Written)
            }
            Sniffed::Binary if self.t.transform.keep_binary() => {
                let m = l.member(gzip, self.t.jobs);
                self.t.transform.content(&m, &mut r, w).map_err(io)?;
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
        let transform = self.t.transform;
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
            use tar::EntryType as E;
            let is_entry = !matches!(
                kind,
                E::Directory | E::XGlobalHeader | E::XHeader | E::GNULongName | E::GNULongLink
            );
            let Some(name) = safe_name(&raw) else {
                if is_entry {
                    self.tally(|t| &t.entries);
                }
                transform.left_out(&transform.name(&raw), &LeftOut::UnsafeName);
                continue;
            };
            let mlabel = format!("{label}!{}", String::from_utf8_lossy(&name));
            let sink_io = |source| BundleError::Io {
                member: mlabel.clone(),
                source,
            };
            // Regular members are counted by `member`.
            if is_entry && !matches!(kind, E::Regular | E::Continuous | E::GNUSparse) {
                self.tally(|t| &t.entries);
            }
            match kind {
                E::Regular | E::Continuous | E::GNUSparse => {
                    self.member(&mlabel, &name, outer, true, &meta, &mut entry, sink, depth)?;
                    written.insert(name);
                }
                E::Directory => {
                    sink.dir(&transform.name(&name), &meta).map_err(sink_io)?;
                    written.insert(name);
                }
                E::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    if link_stays_inside(&name, &target) {
                        sink.symlink(&transform.name(&name), &meta, &transform.name(&target))
                            .map_err(sink_io)?;
                        self.tally(|t| &t.links);
                        written.insert(name);
                    } else {
                        transform.left_out(&transform.name(&name), &LeftOut::Symlink);
                    }
                }
                E::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    match safe_name(&target) {
                        Some(t) if written.contains(&t) => {
                            sink.hardlink(&transform.name(&name), &meta, &transform.name(&t))
                                .map_err(sink_io)?;
                            self.tally(|t| &t.links);
                            written.insert(name);
                        }
                        _ => transform.left_out(&transform.name(&name), &LeftOut::Hardlink),
                    }
                }
                E::XGlobalHeader | E::XHeader | E::GNULongName | E::GNULongLink => {}
                E::Char => transform.left_out(
                    &transform.name(&name),
                    &LeftOut::Special("character device"),
                ),
                E::Block => {
                    transform.left_out(&transform.name(&name), &LeftOut::Special("block device"))
                }
                E::Fifo => transform.left_out(&transform.name(&name), &LeftOut::Special("FIFO")),
                _ => transform.left_out(
                    &transform.name(&name),
                    &LeftOut::Special("unknown entry type"),
                ),
            }
        }
        Ok(())
    }
}

/// The member being read, as [`Walk::encode`] sees it.
struct Layer<'l> {
    label: &'l String,
    name: &'l [u8],
    outer: &'l [u8],
    nest: bool,
    meta: &'l Meta,
    /// Inside an archive (not the input itself, nor a file of a directory).
    archived: bool,
}

impl Layer<'_> {
    fn member(&self, gzip: bool, jobs: usize) -> Member<'_> {
        Member {
            name: self.name,
            outer: self.outer,
            gzip,
            jobs,
            archived: self.archived,
        }
    }
}

/// The member an error names (to pick one of several deterministically).
fn member_of(e: &BundleError) -> &str {
    match e {
        BundleError::Io { member, .. } | BundleError::Invalid { member, .. } => member,
    }
}

/// Does the rest of `r` hold only zero bytes (the padding of a tar
/// archive's last record)?
fn rest_is_zeros(r: &mut dyn Read) -> io::Result<bool> {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                if buf[..n].iter().any(|b| *b != 0) {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A sink that puts every name under a prefix (a directory written as a
/// tar, under the directory's name).
struct Prefixed<'s> {
    inner: &'s mut dyn Sink,
    prefix: Vec<u8>,
}

impl Prefixed<'_> {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        [&self.prefix[..], name].concat()
    }
}

impl Sink for Prefixed<'_> {
    fn dir(&mut self, name: &[u8], meta: &Meta) -> io::Result<()> {
        let n = self.name(name);
        self.inner.dir(&n, meta)
    }

    fn file(
        &mut self,
        name: &[u8],
        meta: &Meta,
        produce: &mut dyn FnMut(&mut dyn Write) -> Result<Done, BundleError>,
    ) -> Result<Done, BundleError> {
        let n = self.name(name);
        self.inner.file(&n, meta, produce)
    }

    fn symlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()> {
        let n = self.name(name);
        self.inner.symlink(&n, meta, target)
    }

    fn hardlink(&mut self, name: &[u8], meta: &Meta, target: &[u8]) -> io::Result<()> {
        let (n, t) = (self.name(name), self.name(target));
        self.inner.hardlink(&n, meta, &t)
    }
}

/// The output's outermost layer when the form adds one.
enum TopOut<'w> {
    Plain(&'w mut dyn Write),
    Gz(pargz::ParGzWriter<&'w mut dyn Write>),
}

impl TopOut<'_> {
    fn finish(self) -> io::Result<()> {
        match self {
            TopOut::Plain(w) => w.flush(),
            TopOut::Gz(enc) => enc.finish().map(|_| ()),
        }
    }
}

impl Write for TopOut<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            TopOut::Plain(w) => w.write(data),
            TopOut::Gz(enc) => enc.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
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
/// then replays them. Leading zero bytes (a log whose first blocks were
/// never written, a sparse region, a zero-filled file) are counted, not
/// held, and the head is taken after them: what follows the padding decides
/// what the stream is, however long the padding.
struct Peek<'a> {
    /// Zero bytes before `head`, replayed first.
    zeros: u64,
    head: Vec<u8>,
    pos: usize,
    inner: &'a mut dyn Read,
}

/// Read until `buf` is full or the stream ends; the bytes read.
fn fill(inner: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match inner.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<'a> Peek<'a> {
    fn new(inner: &'a mut dyn Read) -> io::Result<Peek<'a>> {
        let mut head = vec![0u8; sniff::HEAD];
        let mut n = fill(inner, &mut head)?;
        let mut zeros = 0u64;
        // Skip zero bytes, a head at a time, until something else shows.
        while n > 0 {
            match head[..n].iter().position(|b| *b != 0) {
                Some(0) => break,
                Some(i) => {
                    zeros += i as u64;
                    head.copy_within(i..n, 0);
                    n -= i;
                    n += fill(inner, &mut head[n..])?;
                    break;
                }
                None => {
                    zeros += n as u64;
                    n = fill(inner, &mut head)?;
                }
            }
        }
        head.truncate(n);
        Ok(Peek {
            zeros,
            head,
            pos: 0,
            inner,
        })
    }

    /// The first bytes after any leading zeros.
    fn head(&self) -> &[u8] {
        &self.head
    }

    /// What the stream is. After leading zeros no magic applies: it is
    /// text (also when nothing but zeros), UTF-16 text or binary data.
    fn sniff(&self) -> Sniffed {
        if self.zeros > 0 {
            sniff::after_padding(&self.head, self.zeros)
        } else {
            sniff(&self.head)
        }
    }
}

impl Read for Peek<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.zeros > 0 {
            let n = (buf.len() as u64).min(self.zeros) as usize;
            buf[..n].fill(0);
            self.zeros -= n as u64;
            return Ok(n);
        }
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
