//! Putting verified temporaries in place: all of them or none, and at every
//! instant each path holds either its old whole content or its new one.
//!
//! A new entry is renamed into place refusing to replace anything that
//! appeared meanwhile. An existing one is swapped with its replacement in
//! one system call (Linux's `renameat2(RENAME_EXCHANGE)`, through `rustix`,
//! which needs no `unsafe` here): the new output is in place and the old one
//! sits at the temporary's name, from where it is removed once everything
//! is in place. If any step fails, the steps before it are undone in
//! reverse (swapped back, renamed back) and nothing changed. Where the file
//! system cannot swap (some network file systems), the old entry is moved
//! aside first and back on failure; only there is the path briefly empty.
//!
//! All of it runs under the temporaries' lock ([`crate::temp::hold`]): an
//! interruption waits for the commit to finish or finds it not started.

use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::{renameat_with, RenameFlags, CWD};

use crate::temp::{self, Temp};

/// A finished temporary and where it goes.
pub struct Move {
    pub temp: Temp,
    pub to: PathBuf,
    /// May an existing entry at `to` be replaced?
    pub replace: bool,
}

enum Step {
    /// `to` did not exist: the temporary was renamed to it.
    Renamed,
    /// Swapped: the old entry is at the temporary's path.
    Exchanged,
    /// The old entry was moved to `aside`, then the temporary renamed in.
    Aside(PathBuf),
}

fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

fn rename_new(from: &Path, to: &Path) -> io::Result<()> {
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        // No renameat2 here: a plain rename (the existence check was made
        // just before, under the lock).
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            std::fs::rename(from, to)
        }
        Err(e) => Err(e.into()),
    }
}

fn unsupported(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == rustix::io::Errno::INVAL.raw_os_error()
            || code == rustix::io::Errno::NOSYS.raw_os_error()
            || code == rustix::io::Errno::OPNOTSUPP.raw_os_error()
    )
}

/// Put every move in place, in order, all or nothing. The old entries that
/// were replaced are removed afterwards (a failure to remove one is
/// returned as a warning: the commit itself is done).
pub fn commit(moves: Vec<Move>) -> io::Result<Vec<String>> {
    let mut guard = temp::hold()?;
    let mut done: Vec<(usize, Step)> = Vec::new();
    let mut failure = None;
    for (i, m) in moves.iter().enumerate() {
        let exists = std::fs::symlink_metadata(&m.to).is_ok();
        let step = if !exists {
            rename_new(m.temp.path(), &m.to).map(|()| Step::Renamed)
        } else if !m.replace {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{}: appeared while redacting; use --force to replace it",
                    m.to.display()
                ),
            ))
        } else {
            match exchange(m.temp.path(), &m.to) {
                Ok(()) => Ok(Step::Exchanged),
                Err(e) if unsupported(&e) => {
                    let aside = m.temp.path().with_file_name(format!(
                        "{}old-{}-{}",
                        temp::PREFIX,
                        std::process::id(),
                        i
                    ));
                    std::fs::rename(&m.to, &aside).and_then(|()| {
                        std::fs::rename(m.temp.path(), &m.to)
                            .map(|()| Step::Aside(aside.clone()))
                            .inspect_err(|_| {
                                let _ = std::fs::rename(&aside, &m.to);
                            })
                    })
                }
                Err(e) => Err(e),
            }
        };
        match step {
            Ok(s) => done.push((i, s)),
            Err(e) => {
                failure = Some(io::Error::new(
                    e.kind(),
                    format!("moving {} into place: {e}", m.to.display()),
                ));
                break;
            }
        }
    }
    if let Some(e) = failure {
        // Undo in reverse; the temporaries are then removed by their drop.
        for (i, s) in done.into_iter().rev() {
            let m = &moves[i];
            let _ = match s {
                Step::Renamed => std::fs::rename(&m.to, m.temp.path()),
                Step::Exchanged => exchange(m.temp.path(), &m.to),
                Step::Aside(aside) => std::fs::rename(&m.to, m.temp.path())
                    .and_then(|()| std::fs::rename(&aside, &m.to)),
            };
        }
        drop(guard);
        return Err(e);
    }
    // Everything is in place. What remains at a temporary's path is an old
    // entry (or nothing), removed below, outside the lock.
    let mut old: Vec<Old> = Vec::new();
    let mut moves: Vec<Option<Move>> = moves.into_iter().map(Some).collect();
    for (i, s) in done {
        let Some(m) = moves[i].take() else {
            continue;
        };
        match s {
            Step::Renamed => {
                guard.keep(m.temp);
            }
            Step::Exchanged => old.push(Old::AtTemp(m.temp)),
            Step::Aside(aside) => {
                guard.keep(m.temp);
                old.push(Old::Aside(aside));
            }
        }
    }
    drop(guard);
    let mut warnings = Vec::new();
    for o in old {
        let r = match o {
            Old::AtTemp(t) => t.remove(),
            Old::Aside(a) => temp::remove_any(&a),
        };
        if let Err(e) = r {
            warnings.push(format!("could not remove the replaced old copy: {e}"));
        }
    }
    Ok(warnings)
}

/// A replaced entry, to remove once the commit is done.
enum Old {
    /// Swapped to the temporary's path (still registered).
    AtTemp(Temp),
    /// Moved aside where the file system cannot swap (not registered: a
    /// signal here leaves it, named as a leftover the next run removes).
    Aside(PathBuf),
}
