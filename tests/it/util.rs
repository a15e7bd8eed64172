//! Test helpers: a temporary directory that can hold files, and a command
//! runner whose failures show everything needed to debug them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("airlock-test-{}-{name}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `contents` at `rel`, creating parent directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, contents).unwrap();
        p
    }

    /// Every path below the directory, for failure messages.
    pub fn listing(&self) -> String {
        fn walk(p: &Path, out: &mut Vec<String>) {
            if let Ok(rd) = fs::read_dir(p) {
                let mut v: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
                v.sort();
                for e in v {
                    out.push(e.display().to_string());
                    if e.is_dir() {
                        walk(&e, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.path, &mut out);
        out.join("\n")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// The airlock binary with a clean environment, run in `dir`.
pub fn airlock(dir: &TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_airlock"));
    c.env_clear().current_dir(dir.path());
    c
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    desc: String,
}

impl Run {
    /// Panic with the whole story unless the exit status is `code`.
    pub fn expect_code(self, code: i32) -> Run {
        if self.code != code {
            panic!("expected exit {code}, got {}\n{}", self.code, self.desc);
        }
        self
    }

    pub fn describe(&self) -> &str {
        &self.desc
    }
}

/// Run `cmd` (with `stdin` fed to it) and capture everything.
pub fn run(dir: &TempDir, cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn airlock");
    if let Some(data) = stdin {
        use std::io::Write;
        let mut s = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = s.write_all(&data);
        });
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let desc = format!(
        "command: {cmd:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- files ---\n{}",
        dir.listing()
    );
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
        desc,
    }
}

/// Panic if any of `secrets` appears in `text` (used on everything airlock
/// prints).
pub fn assert_no_secret(text: &str, secrets: &[String], context: &str) {
    for s in secrets {
        assert!(!s.is_empty());
        if text.contains(s.as_str()) {
            panic!("secret {s:?} leaked into {context}:\n{text}");
        }
    }
}

/// Say on the real stderr (not the harness's captured one) that a test is
/// skipped, so a skip is seen even when the test passes. With
/// `AIRLOCK_REQUIRE_CORPORA` set (CI, where `../shared` is present), a skip
/// is a failure instead: CI proves the corpus tests ran.
pub fn skip(test: &str, why: &str) {
    if std::env::var_os("AIRLOCK_REQUIRE_CORPORA").is_some() {
        panic!("{test} would be skipped ({why}) but AIRLOCK_REQUIRE_CORPORA is set");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Names in `dir` (not below), sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// airlock's temporaries in `dir` (`.airlock-…`).
pub fn temporaries_in(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.starts_with(".airlock-"))
        .collect()
}

/// Wait until `ready` holds, polling; panic with `what` after `secs`. For
/// states a child reaches on its own (a temporary appears), never for
/// timing.
pub fn wait_until(secs: u64, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !ready() {
        if std::time::Instant::now() > deadline {
            panic!("timed out after {secs} s waiting for {what}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Wait for `child` to exit within `secs` (killed and a panic otherwise);
/// its exit code, stdout and stderr.
pub fn wait_child(mut child: std::process::Child, secs: u64) -> (i32, String, String) {
    use std::io::Read;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let o = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not exit within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let code = {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
        }
        #[cfg(not(unix))]
        {
            status.code().unwrap_or(-1)
        }
    };
    let stdout = String::from_utf8_lossy(&o.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&e.join().unwrap()).into_owned();
    (code, stdout, stderr)
}

/// The permission bits of `p` (not following a link).
#[cfg(unix)]
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Every path below `root` (not following links), for mode checks.
pub fn tree(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let p = out[i].clone();
        if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            let mut v: Vec<PathBuf> = fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            v.sort();
            out.extend(v);
        }
        i += 1;
    }
    out
}

/// A FIFO at `p` (with mkfifo(1)).
pub fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo(1)");
    assert!(st.success(), "mkfifo {}", p.display());
}

/// Send signal `sig` (`TERM`, `INT`, `HUP`) to process `pid` (kill(1)).
pub fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args(["-s", sig, &pid.to_string()])
        .status()
        .expect("kill(1)");
    assert!(st.success(), "kill -s {sig} {pid}");
}
