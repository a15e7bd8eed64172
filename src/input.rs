//! Plain inputs: files, directory trees and stdin, walked in a stable order.

use std::fs;
use std::path::{Path, PathBuf};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// The name to show and to match rule `paths` against.
    pub fn display_path(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Stdin => None,
            Source::File(p) => Some(p),
        }
    }
}

/// Something under a walked directory that was not read, and why.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Expand `paths` (`-` is stdin) into files, depth-first in name order.
/// Symbolic links are not followed (a link can point anywhere, including at
/// the output); special files (FIFOs, devices, sockets) met while walking
/// are skipped. Both are returned as skipped so callers can say so. A FIFO
/// or `<(…)` named in `paths` is read like a file.
pub fn walk(paths: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(Source::Stdin);
            continue;
        }
        walk_one(p, true, &mut files, &mut skipped);
    }
    (files, skipped)
}

fn walk_one(path: &Path, top: bool, files: &mut Vec<Source>, skipped: &mut Vec<Skipped>) {
    // Follow a link given explicitly on the command line, never one found
    // while walking.
    let meta = if top {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
            return;
        }
    };
    let ft = meta.file_type();
    if ft.is_file() || (top && reads_once(&ft)) {
        // A FIFO or `<(…)` named on the command line is read, once.
        files.push(Source::File(path.to_path_buf()));
    } else if ft.is_dir() {
        let mut entries: Vec<PathBuf> = match fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                skipped.push(Skipped {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                });
                return;
            }
        };
        entries.sort();
        for e in entries {
            walk_one(&e, false, files, skipped);
        }
    } else if ft.is_symlink() {
        skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: "symbolic link (not followed)".into(),
        });
    } else {
        skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        });
    }
}

/// A FIFO or a character device: something read as a stream, once.
fn reads_once(ft: &fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        ft.is_fifo() || ft.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = ft;
        false
    }
}

/// The bytes of a file, memory-mapped when that is allowed and worthwhile.
pub enum FileBytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

/// Files smaller than this are read: a map costs more than a read for them.
const MMAP_MIN: u64 = 1 << 20;

impl FileBytes {
    /// Read or map `path`.
    pub fn open(path: &Path, mmap: bool) -> std::io::Result<FileBytes> {
        let file = fs::File::open(path)?;
        let len = file.metadata()?.len();
        if mmap && len >= MMAP_MIN {
            if let Some(m) = map(&file) {
                return Ok(FileBytes::Mapped(m));
            }
        }
        let mut v = Vec::with_capacity(len as usize);
        use std::io::Read;
        (&file).read_to_end(&mut v)?;
        Ok(FileBytes::Read(v))
    }
}

/// Map a file read-only.
///
/// # Safety
///
/// A memory map is only sound while no one changes the file. airlock reads
/// bundles that sit still on disk (and only maps for `scan`, which writes
/// nothing); if the file is truncated while mapped the process may receive
/// SIGBUS, the same trade-off ripgrep makes. `--no-mmap` avoids it. If the
/// map fails we fall back to reading.
#[allow(unsafe_code)]
fn map(file: &fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: see the function documentation.
    unsafe { memmap2::Mmap::map(file) }.ok()
}
