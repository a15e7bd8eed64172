//! Temporaries that are owner-only and removed on every exit path, even an
//! interrupted one.
//!
//! Everything airlock writes before it is verified — the output's sibling,
//! the report's and the map's, the spool of a stdin or FIFO input — is a
//! [`Temp`]:
//!
//! * **Owner-only whatever the umask.** Directories are created 0700 and
//!   files 0600 with the mode given at creation (a umask can only take bits
//!   away), and keep those modes until the final rename. A run killed by
//!   SIGKILL, which nothing can catch, leaves nothing another user can read.
//! * **Recognisable.** Names are `.airlock-<what>-<pid>-<random>`, so a later
//!   run writing to the same directory finds the leftovers of a killed one
//!   (its process is gone) and removes them, saying so ([`sweep`]).
//! * **Registered.** Every temporary is listed in one process-wide registry.
//!   [`install_signal_handlers`] starts a thread that, on SIGINT, SIGTERM or
//!   SIGHUP, removes everything listed and exits with 128 + the signal's
//!   number (130, 143, 129) and a one-line message.
//!
//! # Why one lock
//!
//! Creating a temporary, creating a file inside a temporary directory
//! ([`hold`]) and committing (renaming into place) all happen under the
//! registry's lock, and the signal thread keeps that lock from the moment it
//! starts cleaning until the process exits. So nothing is created after the
//! cleanup looked, and a commit is never cut in half: it finishes first, or
//! it never starts. Holding a lock while blocked on a slow read would delay
//! the cleanup, so the lock is only ever held around file-system calls.
//!
//! Signals are caught by `signal-hook`, whose safe API needs no `unsafe`
//! here (the project denies it); the handler itself only writes to a pipe,
//! and the work happens on an ordinary thread.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Temporaries to remove if the process is interrupted.
static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The signal being handled (0: none).
static SIGNALLED: AtomicI32 = AtomicI32::new(0);

/// The prefix of every temporary's name.
pub const PREFIX: &str = ".airlock-";

fn registry() -> MutexGuard<'static, Vec<PathBuf>> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// The error of anything attempted after an interruption began.
fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted by a signal")
}

/// The registry's lock, held around file-system calls that must not race
/// the signal cleanup (creating a file inside a temporary directory,
/// renaming outputs into place). Fails once an interruption has begun.
///
/// Never drop or [`Temp::keep`] a [`Temp`] while holding it (the lock is
/// not reentrant): use [`Guard::keep`].
pub struct Guard {
    lock: MutexGuard<'static, Vec<PathBuf>>,
}

impl Guard {
    /// [`Temp::keep`] under the held lock.
    pub fn keep(&mut self, mut t: Temp) -> PathBuf {
        t.armed = false;
        if let Some(i) = self.lock.iter().rposition(|p| p == &t.path) {
            self.lock.swap_remove(i);
        }
        std::mem::take(&mut t.path)
    }
}

/// Take the registry's lock (see [`Guard`]).
pub fn hold() -> io::Result<Guard> {
    let lock = registry();
    if SIGNALLED.load(Ordering::SeqCst) != 0 {
        return Err(interrupted());
    }
    Ok(Guard { lock })
}

/// A short random suffix for names.
fn random_suffix() -> String {
    let mut b = [0u8; 5];
    // Without OS randomness, the time still makes names distinct enough:
    // creation is exclusive and retried.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        b[..4].copy_from_slice(&t.to_le_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether a temporary is a directory or a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
}

/// A registered, owner-only temporary; removed (and unregistered) on drop
/// unless [`Temp::keep`] is called after it was renamed away.
#[derive(Debug)]
pub struct Temp {
    path: PathBuf,
    kind: Kind,
    armed: bool,
}

impl Temp {
    /// A new directory (mode 0700) in `parent`, named
    /// `.airlock-<what>-<pid>-<random>`.
    pub fn dir_in(parent: &Path, what: &str) -> io::Result<Temp> {
        Temp::create(parent, what, Kind::Dir).map(|(t, _)| t)
    }

    /// A new file (mode 0600) in `parent`, open for writing.
    pub fn file_in(parent: &Path, what: &str) -> io::Result<(Temp, fs::File)> {
        let (t, f) = Temp::create(parent, what, Kind::File)?;
        Ok((t, f.expect("a file temporary has a file")))
    }

    fn create(parent: &Path, what: &str, kind: Kind) -> io::Result<(Temp, Option<fs::File>)> {
        let mut reg = registry();
        if SIGNALLED.load(Ordering::SeqCst) != 0 {
            return Err(interrupted());
        }
        for _ in 0..16 {
            let name = format!("{PREFIX}{what}-{}-{}", std::process::id(), random_suffix());
            let path = parent.join(name);
            let made = match kind {
                Kind::Dir => create_dir_private(&path).map(|()| None),
                Kind::File => create_file_private(&path).map(Some),
            };
            match made {
                Ok(f) => {
                    reg.push(path.clone());
                    return Ok((
                        Temp {
                            path,
                            kind,
                            armed: true,
                        },
                        f,
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "could not find a free temporary name",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Forget the temporary: it was renamed into place. Nothing is removed.
    /// (Under [`hold`], use [`Guard::keep`].)
    pub fn keep(mut self) -> PathBuf {
        self.armed = false;
        unregister(&self.path);
        std::mem::take(&mut self.path)
    }

    /// Remove the temporary now, reporting a failure (drop ignores it).
    pub fn remove(mut self) -> io::Result<()> {
        self.armed = false;
        let r = remove_any(&self.path);
        unregister(&self.path);
        r
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.armed {
            let _ = remove_any(&self.path);
            unregister(&self.path);
        }
    }
}

fn unregister(path: &Path) {
    let mut reg = registry();
    if let Some(i) = reg.iter().rposition(|p| p == path) {
        reg.swap_remove(i);
    }
}

/// Create a directory, owner-only (0700), failing if it exists.
pub fn create_dir_private(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Create `path` and its missing parents, owner-only (0700).
pub fn create_dir_all_private(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Create a new file readable and writable by its owner only (0600);
/// fails if it exists.
pub fn create_file_private(path: &Path) -> io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Remove a file, link or directory tree. Directories whose mode forbids
/// removing their entries (a read-only directory of a bundle) are made
/// owner-writable first.
pub fn remove_any(path: &Path) -> io::Result<()> {
    let md = match fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !md.is_dir() {
        return fs::remove_file(path);
    }
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            make_writable(path);
            fs::remove_dir_all(path)
        }
    }
}

/// Give every directory under `path` mode 0700 (best effort).
fn make_writable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o700));
    }
    if let Ok(rd) = fs::read_dir(path) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&e.path());
            }
        }
    }
}

/// Remove every registered temporary (what the signal thread does). Returns
/// how many there were. The registry stays locked by the caller's guard.
fn clean_registered(reg: &mut Vec<PathBuf>) -> usize {
    let n = reg.len();
    for p in reg.drain(..) {
        let _ = remove_any(&p);
    }
    n
}

/// Paths registered now (for tests and diagnostics).
pub fn registered() -> Vec<PathBuf> {
    registry().clone()
}

/// The name of a signal airlock handles.
fn signal_name(sig: i32) -> &'static str {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// On SIGINT, SIGTERM and SIGHUP: remove every registered temporary, say so
/// in one line on stderr, and exit with 128 + the signal. Idempotent; the
/// commands that make temporaries call it before the first one (the others
/// keep the default: a signal ends them).
pub fn install_signal_handlers() -> io::Result<()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("airlock-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Wait for a commit in progress, then keep the lock: nothing
                // is created or renamed from here on.
                let mut reg = registry();
                SIGNALLED.store(sig, Ordering::SeqCst);
                let n = clean_registered(&mut reg);
                use std::io::{IsTerminal, Write};
                let mut err = io::stderr();
                // A progress bar may hold the terminal's current line.
                let nl = if err.is_terminal() { "\n" } else { "" };
                let _ = writeln!(
                    err,
                    "{nl}airlock: interrupted by {}: removed {n} temporary file(s) and directory(ies); nothing was written",
                    signal_name(sig)
                );
                std::process::exit(128 + sig);
            }
        })?;
    let _ = INSTALLED.set(());
    Ok(())
}

/// The user id owning this process, from `/proc/self` (no libc call).
#[cfg(unix)]
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Whether a process with this id runs (`/proc/<pid>` exists).
fn alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// The process id in a temporary's name: `.airlock-<what>-<pid>-<random>`
/// (or `.airlock-map-<pid>.tmp`, the map's own temporary).
fn pid_of(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (what, rest) = rest.split_once('-')?;
    if !matches!(what, "tmp" | "old" | "report" | "map" | "spool") {
        return None;
    }
    let pid = rest
        .split(['-', '.'])
        .next()
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
    pid.parse().ok()
}

/// Remove the leftovers of earlier airlock runs that were killed in `dir`:
/// temporaries owned by this user whose process no longer runs. Returns
/// their names. Without `/proc` nothing can be told apart, and nothing is
/// removed.
pub fn sweep(dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Some(uid) = own_uid() else {
            return removed;
        };
        let Ok(rd) = fs::read_dir(dir) else {
            return removed;
        };
        let me = std::process::id();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = pid_of(&name) else {
                continue;
            };
            let Ok(md) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if pid == me || md.uid() != uid || alive(pid) {
                continue;
            }
            if remove_any(&e.path()).is_ok() {
                removed.push(name);
            }
        }
    }
    let _ = dir;
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_temporaries_give_their_process() {
        assert_eq!(pid_of(".airlock-tmp-123-0a1b2c3d4e"), Some(123));
        assert_eq!(pid_of(".airlock-map-77.tmp"), Some(77));
        assert_eq!(pid_of(".airlock-spool-9-ff"), Some(9));
        assert_eq!(pid_of(".airlock-other-9-ff"), None);
        assert_eq!(pid_of("airlock-tmp-9-ff"), None);
        assert_eq!(pid_of(".airlock-tmp-x9-ff"), None);
    }
}
