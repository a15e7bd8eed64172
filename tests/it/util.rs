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
