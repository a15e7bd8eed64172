//! An input that changes while it is read fails the run.
//!
//! Learning reads the input, then redaction reads it again: a file
//! rewritten in between (a host name changed right after learning) would be
//! redacted with an identity that does not know it, and verification might
//! not know it either. Every entry of the input is stamped before learning
//! (device, inode, size, modification and change times, type) and stamped
//! again after the last pass; any difference — a file changed, added,
//! removed or replaced — fails the run with nothing written. The change
//! time cannot be set back by the writer, so even a rewrite that keeps the
//! size and restores the modification time is seen.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    kind: u8,
}

fn stamp(md: &fs::Metadata) -> Stamp {
    let kind = if md.is_dir() {
        1
    } else if md.is_file() {
        2
    } else if md.file_type().is_symlink() {
        3
    } else {
        4
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: md.dev(),
            ino: md.ino(),
            len: md.len(),
            mtime: (md.mtime(), md.mtime_nsec()),
            ctime: (md.ctime(), md.ctime_nsec()),
            kind,
        }
    }
    #[cfg(not(unix))]
    {
        let t = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos() as i64));
        Stamp {
            dev: 0,
            ino: 0,
            len: md.len(),
            mtime: t,
            ctime: t,
            kind,
        }
    }
}

/// Stamps of every entry of an input, by path relative to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, Stamp>);

impl Snapshot {
    /// Stamp `root` and, for a directory, everything under it (links are
    /// stamped, not followed).
    pub fn take(root: &Path) -> io::Result<Snapshot> {
        let mut map = BTreeMap::new();
        let md = fs::metadata(root)?;
        map.insert(PathBuf::new(), stamp(&md));
        if md.is_dir() {
            let mut stack = vec![PathBuf::new()];
            while let Some(rel) = stack.pop() {
                for e in fs::read_dir(root.join(&rel))? {
                    let e = e?;
                    let r = rel.join(e.file_name());
                    let md = fs::symlink_metadata(e.path())?;
                    if md.is_dir() {
                        stack.push(r.clone());
                    }
                    map.insert(r, stamp(&md));
                }
            }
        }
        Ok(Snapshot(map))
    }

    /// What changed since `self`, in words (the first difference, by path),
    /// or `None`.
    pub fn changed_since(&self, root: &Path) -> Option<String> {
        let now = match Snapshot::take(root) {
            Ok(s) => s,
            Err(e) => return Some(format!("{} cannot be read again: {e}", root.display())),
        };
        let name = |p: &Path| {
            if p.as_os_str().is_empty() {
                root.display().to_string()
            } else {
                root.join(p).display().to_string()
            }
        };
        for (p, before) in &self.0 {
            match now.0.get(p) {
                None => return Some(format!("{} was removed", name(p))),
                Some(after) if after != before => return Some(format!("{} was changed", name(p))),
                Some(_) => {}
            }
        }
        now.0
            .keys()
            .find(|p| !self.0.contains_key(*p))
            .map(|p| format!("{} was added", name(p)))
    }
}
