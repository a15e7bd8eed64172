//! Failing safe on ordinary operations (issue 14), as an operator meets
//! them: interrupted runs, killed runs, a umask of 000, paths that alias,
//! `--force`, a full disk, a FIFO or `<(…)` as input, error messages.
//!
//! A run is held at a known point without sleeping: standard input (or a
//! FIFO given as `--key-file`) that the test has not finished writing
//! blocks the child where the test wants it, and the test waits for the
//! state it can see (a temporary appears) before acting.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::util::{
    airlock, assert_no_secret, mkfifo, names_in, run, signal, temporaries_in, tree, wait_child,
    wait_until, TempDir,
};

/// A log with a token and addresses on every line.
fn log(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "2026-11-20T13:44:{:02} user=jdoe{} ip=10.20.{}.{} private_token=glpat-{:020}\n",
                i % 60,
                i % 7,
                i % 200,
                i % 250,
                i
            )
        })
        .collect()
}

/// `airlock` started in `dir` through `sh -c 'umask 000; exec …'`, stdin
/// piped, so every mode it creates shows what it asked for.
fn spawn_umask0(dir: &TempDir, args: &[&str]) -> std::process::Child {
    let bin = env!("CARGO_BIN_EXE_airlock");
    let mut script = format!("umask 000; exec '{bin}'");
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    Command::new("sh")
        .args(["-c", &script])
        .env_clear()
        .env("TMPDIR", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh")
}

/// Temporaries of process `pid` in `dir`.
fn temporaries_of(dir: &Path, pid: u32) -> Vec<String> {
    temporaries_in(dir)
        .into_iter()
        .filter(|n| n.contains(&format!("-{pid}-")))
        .collect()
}

#[test]
fn signals_remove_every_temporary_and_exit_128_plus_the_signal() {
    for (sig, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = TempDir::new(&format!("signal-{sig}"));
        let mut child = spawn_umask0(&dir, &["redact", "-", "-o", "out.log"]);
        let pid = child.id();
        let mut stdin = child.stdin.take().unwrap();
        // Part of the input: the run is now blocked reading the rest.
        stdin.write_all(log(50).as_bytes()).unwrap();
        stdin.flush().unwrap();
        wait_until(60, "the output's temporary and the stdin spool", || {
            let t = temporaries_of(dir.path(), pid);
            t.iter().any(|n| n.starts_with(".airlock-tmp-"))
                && t.iter().any(|n| n.starts_with(".airlock-spool-"))
        });
        // Owner-only whatever the umask: a spool holds the unredacted input.
        #[cfg(unix)]
        for n in temporaries_of(dir.path(), pid) {
            assert_eq!(super::util::mode(&dir.path().join(&n)), 0o600, "{n}");
        }
        signal(pid, sig);
        let (got, _, stderr) = wait_child(child, 60);
        drop(stdin);
        assert_eq!(got, code, "SIG{sig}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted by SIG{sig}")) && stderr.lines().count() == 1,
            "SIG{sig}: {stderr}"
        );
        assert_eq!(names_in(dir.path()), Vec::<String>::new(), "SIG{sig}");
    }
}

#[test]
fn a_killed_run_leaves_only_owner_only_leftovers_that_the_next_run_removes() {
    let dir = TempDir::new("sigkill");
    dir.write("other.log", log(3));
    let mut child = spawn_umask0(&dir, &["redact", "-", "-o", "out.log"]);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(log(50).as_bytes()).unwrap();
    stdin.flush().unwrap();
    wait_until(60, "the temporaries", || {
        temporaries_of(dir.path(), pid).len() == 2
    });
    child.kill().unwrap();
    let _ = child.wait();
    drop(stdin);
    let left = temporaries_of(dir.path(), pid);
    assert_eq!(left.len(), 2, "{left:?}");
    #[cfg(unix)]
    for n in &left {
        assert_eq!(super::util::mode(&dir.path().join(n)), 0o600, "{n}");
    }
    // The next run writing here names them and removes them.
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "other.log", "-o", "other.out"]),
        None,
    )
    .expect_code(0);
    for n in &left {
        assert!(
            r.stderr.contains(n.as_str()) && r.stderr.contains("left by an interrupted run"),
            "{n}\n{}",
            r.describe()
        );
    }
    assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
}

#[test]
fn temporary_directories_are_0700_whatever_the_umask() {
    let dir = TempDir::new("umask-dir");
    dir.write("in/a/b.log", log(5));
    let key = dir.path().join("k.fifo");
    mkfifo(&key);
    // Reading the key blocks until the test writes it: the output's
    // temporary directory exists by then.
    let child = spawn_umask0(&dir, &["redact", "in", "-o", "out", "--key-file", "k.fifo"]);
    let pid = child.id();
    wait_until(60, "the temporary directory", || {
        !temporaries_of(dir.path(), pid).is_empty()
    });
    let t = temporaries_of(dir.path(), pid);
    #[cfg(unix)]
    assert_eq!(super::util::mode(&dir.path().join(&t[0])), 0o700, "{t:?}");
    let mut f = fs::OpenOptions::new().write(true).open(&key).unwrap();
    writeln!(f, "{}", "ab".repeat(32)).unwrap();
    drop(f);
    let (code, _, stderr) = wait_child(child, 120);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("out/a/b.log").is_file());
    assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
}

#[test]
fn paths_that_alias_the_input_are_refused_before_any_work() {
    let dir = TempDir::new("alias");
    dir.write("outer/in/x.log", log(3));
    dir.write(
        "b.tar.gz",
        super::bundle_gen::tar_gz(&[("x.log".into(), log(3).into_bytes())]),
    );
    fs::create_dir(dir.path().join("other")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("outer/in", dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("self")).unwrap();
    }
    let before_outer = super::bundle_gen::flatten_dir(&dir.path().join("outer"));
    let before_b = fs::read(dir.path().join("b.tar.gz")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["outer/in", "-o", "other/../outer/in/clean"],
            "inside the input",
        ),
        (&["outer/in", "-o", "link/clean"], "inside the input"),
        (
            &["outer/in", "-o", "other/../outer", "--force"],
            "inside the output",
        ),
        (
            &["b.tar.gz", "-o", "self/b.tar.gz", "--force"],
            "is the input",
        ),
        (
            &["outer/in", "-o", "o1", "--report", "outer/in/x.log"],
            "--report",
        ),
        (
            &["b.tar.gz", "-o", "o2.tar.gz", "--report", "self/b.tar.gz"],
            "--report",
        ),
        (&["outer/in", "-o", "o3", "--map", "link/m.json"], "--map"),
        (
            &["outer/in", "-o", "o4", "--key-file", "outer/in/k"],
            "--key-file",
        ),
        (
            &["outer/in", "-o", "o5", "--map", "o5/m.json"],
            "inside the output",
        ),
        (
            &[
                "outer/in",
                "-o",
                "o6",
                "--report",
                "r.json",
                "--map",
                "self/r.json",
            ],
            "same file",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["redact"];
        all.extend_from_slice(args);
        let r = run(&dir, airlock(&dir).args(&all), None).expect_code(2);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.describe());
        // Nothing was written: no output, no temporaries, input unchanged.
        for o in [
            "o1",
            "o2.tar.gz",
            "o3",
            "o4",
            "o5",
            "o6",
            "r.json",
            "other/clean",
        ] {
            assert!(!dir.path().join(o).exists(), "{args:?} wrote {o}");
        }
        assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
        assert_eq!(
            super::bundle_gen::flatten_dir(&dir.path().join("outer")),
            before_outer,
            "{args:?} changed the input"
        );
        assert_eq!(fs::read(dir.path().join("b.tar.gz")).unwrap(), before_b);
    }
}

#[test]
fn force_swaps_the_old_output_for_the_new_one_atomically() {
    let dir = TempDir::new("force-atomic");
    dir.write("in/a.log", log(2000));
    // An old output large enough that removing it takes a while: replaced
    // by removing it first, the path would hold neither output for all
    // that time.
    dir.write("out/OLD-MARKER", "old output\n");
    for i in 0..3000 {
        dir.write(&format!("out/filler/{i}"), "x");
    }
    let out = dir.path().join("out");
    // Whole old output (checked first) or whole new output, at every look.
    let whole = move || {
        let old = out.join("OLD-MARKER").exists()
            && out.join("filler/0").exists()
            && out.join("filler/2999").exists();
        old || out.join("a.log").is_file()
    };
    assert!(whole());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (stop, whole) = (stop.clone(), whole.clone());
        std::thread::spawn(move || {
            let (mut looks, mut broken) = (0u64, 0u64);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if !whole() {
                    broken += 1;
                }
                looks += 1;
            }
            (looks, broken)
        })
    };
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--force"]),
        None,
    )
    .expect_code(0);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (looks, broken) = watcher.join().unwrap();
    assert!(looks > 10, "the watcher never ran");
    assert_eq!(
        broken,
        0,
        "the output path held neither output at {broken} of {looks} looks\n{}",
        r.describe()
    );
    assert!(!dir.path().join("out/OLD-MARKER").exists());
    assert!(!dir.path().join("out/filler").exists());
    let new = fs::read_to_string(dir.path().join("out/a.log")).unwrap();
    assert_eq!(new.lines().count(), 2000);
    assert!(!new.contains("glpat-0"));
    assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
}

/// `sh -c 'trap "" XFSZ; ulimit -f BLOCKS; exec airlock ARGS'` in `dir`:
/// every file airlock writes past BLOCKS × 512 bytes fails with EFBIG, as
/// a full disk fails a write (the signal that would kill it is ignored).
fn airlock_with_file_limit(dir: &TempDir, blocks: u32, args: &[&str]) -> (i32, String, String) {
    let bin = env!("CARGO_BIN_EXE_airlock");
    let mut script = format!("trap '' XFSZ; ulimit -f {blocks}; exec '{bin}'");
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    let child = Command::new("sh")
        .args(["-c", &script])
        .env_clear()
        .env("TMPDIR", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_child(child, 120)
}

#[test]
fn a_full_disk_leaves_nothing_at_the_output_report_or_map() {
    let dir = TempDir::new("full-disk");
    dir.write("big.log", log(20_000));
    dir.write("small.log", log(1));
    let secrets: Vec<String> = vec!["glpat-00000000000000000000".into(), "10.20.0.0".into()];
    // The output cannot be written (1 MiB limit, a 2 MiB log).
    let (code, _, stderr) = airlock_with_file_limit(
        &dir,
        2048,
        &[
            "redact", "big.log", "-o", "out.log", "--report", "r.json", "--map", "m.json",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("File too large") || stderr.contains("space"),
        "{stderr}"
    );
    assert_no_secret(&stderr, &secrets, "stderr");
    // The output can, the report cannot (a 1 KiB limit; the report is
    // larger): nothing at all is left, not even the output.
    let (code, _, stderr) = airlock_with_file_limit(
        &dir,
        2,
        &[
            "redact",
            "small.log",
            "-o",
            "out.log",
            "--report",
            "r.json",
            "--map",
            "m.json",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("report"), "{stderr}");
    assert_eq!(names_in(dir.path()), vec!["big.log", "small.log"]);
    // Standard output on a full device: /dev/full.
    if Path::new("/dev/full").exists() {
        let child = airlock(&dir)
            .args(["redact", "small.log", "-o", "-", "--report", "r.json"])
            .env("TMPDIR", dir.path())
            .stdout(fs::File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (code, _, stderr) = wait_child(child, 60);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("No space left"), "{stderr}");
        assert_eq!(names_in(dir.path()), vec!["big.log", "small.log"]);
    }
}

#[test]
fn a_fifo_and_process_substitution_are_read_once_and_spooled_owner_only() {
    let dir = TempDir::new("fifo");
    let text = log(300);
    dir.write("in.log", &text);
    let fifo = dir.path().join("in.fifo");
    mkfifo(&fifo);
    let child = airlock(&dir)
        .args(["redact", "in.fifo", "-o", "out.log"])
        .env("TMPDIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Fed slowly, in pieces, then closed.
    let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    for piece in text.as_bytes().chunks(997) {
        w.write_all(piece).unwrap();
    }
    drop(w);
    let (code, _, stderr) = wait_child(child, 60);
    assert_eq!(code, 0, "{stderr}");
    let out = fs::read_to_string(dir.path().join("out.log")).unwrap();
    assert_eq!(out.lines().count(), 300);
    assert!(
        !out.contains("glpat-0") && !out.contains("10.20.1.1 "),
        "{out}"
    );
    assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());

    // `<(…)`: a pipe under /dev/fd, through bash.
    if Command::new("bash").arg("-c").arg("true").status().is_ok() {
        let bin = env!("CARGO_BIN_EXE_airlock");
        for (args, expect) in [
            (format!("'{bin}' redact <(cat in.log) -o sub.log"), 0),
            (format!("'{bin}' verify <(cat sub.log)"), 0),
        ] {
            let child = Command::new("bash")
                .args(["-c", &args])
                .env_clear()
                .env("TMPDIR", dir.path())
                .current_dir(dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let (code, _, stderr) = wait_child(child, 60);
            assert_eq!(code, expect, "{args}: {stderr}");
        }
        let sub = fs::read_to_string(dir.path().join("sub.log")).unwrap();
        assert_eq!(sub.lines().count(), 300, "the output of <(…) is complete");
        assert!(!sub.contains("glpat-0"));
        assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
    } else {
        super::util::skip(
            "a_fifo_and_process_substitution_are_read_once_and_spooled_owner_only (<(…) part)",
            "bash is not installed",
        );
    }
}

#[test]
fn messages_never_print_values_from_paths_arguments_or_learning() {
    let dir = TempDir::new("messages");
    let token = "glpat-Zq8Rk2Lm4Np6Vx0Ty3Wb";
    // A rules file named after a token, missing.
    let r = run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in",
            "-o",
            "out",
            "--rules",
            &format!("/nowhere/{token}.toml"),
        ]),
        None,
    )
    .expect_code(2);
    assert_no_secret(&r.stderr, &[token.to_string()], "missing --rules");
    assert!(r.stderr.contains("glpat-"), "{}", r.describe());
    // clap's own value error.
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--level", token]),
        None,
    )
    .expect_code(2);
    assert_no_secret(&r.stderr, &[token.to_string()], "clap value error");
    assert!(r.stderr.contains("--level"), "{}", r.describe());
    // A single file under gitlabsos.<host>_<timestamp>/ that is broken.
    let host = "glprd77.acmezq-gov.us";
    let top = format!("gitlabsos.{host}_20261120134410");
    dir.write(
        &format!("{top}/var/log/x.log.gz"),
        b"\x1f\x8b\x08\x00broken",
    );
    let r = run(
        &dir,
        airlock(&dir).args(["redact", &format!("{top}/var/log/x.log.gz"), "-o", "x.gz"]),
        None,
    )
    .expect_code(2);
    assert_no_secret(
        &r.stderr,
        &["glprd77".into(), "acmezq".into()],
        "a single file under the bundle directory",
    );
    // A learning failure, whatever thread fails first: the host (learned
    // from the hostname file) is never in the message.
    dir.write("b/hostname", format!("{host}\n"));
    dir.write(
        &format!("b/var/log/glprd77/a-{}.log", "x".repeat(5)),
        log(200),
    );
    dir.write("b/var/log/glprd77/broken.log.gz", b"\x1f\x8b\x08\x00broken");
    for jobs in ["1", "2", "4"] {
        for _ in 0..3 {
            let r = run(
                &dir,
                airlock(&dir).args(["redact", "b", "-o", "b.out", "--jobs", jobs]),
                None,
            )
            .expect_code(2);
            assert!(r.stderr.contains("broken.log.gz"), "{}", r.describe());
            assert_no_secret(&r.stderr, &["glprd77".into()], "a learning failure");
        }
    }
}

#[test]
fn temporary_files_inside_the_output_directory_are_owner_only_until_the_end() {
    // Checked through the library, when verification starts: the whole
    // temporary tree is still 0700/0600; the members' modes come after.
    use airlock::pipeline::{Config, Job};
    use airlock::progress::{Pass, Progress};
    struct AtVerify<'a>(&'a Path, std::sync::Mutex<Vec<(String, u32)>>);
    impl Progress for AtVerify<'_> {
        fn start(&self, pass: Pass, _: Option<u64>) {
            if pass != Pass::Verify {
                return;
            }
            let mut seen = self.1.lock().unwrap();
            for t in temporaries_in(self.0) {
                for p in tree(&self.0.join(t)) {
                    #[cfg(unix)]
                    seen.push((p.display().to_string(), super::util::mode(&p)));
                }
            }
        }
    }
    let dir = TempDir::new("owner-only-tree");
    dir.write("in/a/b/c.log", log(3));
    dir.write("in/d.log", log(3));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.path().join("in/d.log"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        fs::set_permissions(dir.path().join("in/a"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let set = airlock::rules::RuleSet::builtin().unwrap();
    let watch = AtVerify(dir.path(), Default::default());
    let mut config = Config::new(dir.path().join("in"), dir.path().join("out"));
    config.jobs = 2;
    Job::new(config, &set).run(&watch, &|_| {}).unwrap();
    let seen = watch.1.into_inner().unwrap();
    assert_eq!(seen.len(), 5, "{seen:?}");
    for (p, m) in &seen {
        let is_dir = !p.ends_with(".log");
        assert_eq!(*m, if is_dir { 0o700 } else { 0o600 }, "{p}");
    }
    // And the output has the members' modes.
    #[cfg(unix)]
    {
        assert_eq!(super::util::mode(&dir.path().join("out/d.log")), 0o644);
        assert_eq!(super::util::mode(&dir.path().join("out/a")), 0o755);
    }
}

#[test]
fn verify_names_members_with_pseudonyms_and_with_the_maps_when_given() {
    let dir = TempDir::new("verify-names");
    let host = "glprd51.acmeqx-gov.us";
    let top = format!("gitlabsos.{host}_20261120134410");
    dir.write(&format!("in/{top}/hostname"), format!("{host}\n"));
    dir.write(&format!("in/{top}/var/log/app.log"), "ok\n");
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--map", "m.json"]),
        None,
    )
    .expect_code(0);
    // Put a leak back into the redacted copy.
    let shown_top = names_in(&dir.path().join("out")).remove(0);
    assert!(shown_top.starts_with("gitlabsos.h-"), "{shown_top}");
    let app = dir.path().join(format!("out/{shown_top}/var/log/app.log"));
    fs::write(&app, "token glpat-Zq8Rk2Lm4Np6Vx0Ty3Wb\n").unwrap();
    // Verifying the original bundle: every member named without the host.
    let r = run(&dir, airlock(&dir).args(["verify", "in"]), None).expect_code(1);
    assert_no_secret(
        &r.stdout,
        &["glprd51".into(), "acmeqx".into()],
        "verify stdout",
    );
    assert!(r.stdout.contains("gitlabsos.h-"), "{}", r.describe());
    // With the map, the leak in the redacted copy is named as the copy
    // names it, which `unmask` turns back.
    let r = run(
        &dir,
        airlock(&dir).args(["verify", "out", "--map", "m.json"]),
        None,
    )
    .expect_code(1);
    assert!(
        r.stdout
            .contains(&format!("{shown_top}/var/log/app.log:1:")),
        "{}",
        r.describe()
    );
    assert!(
        r.stderr.contains("airlock unmask --map"),
        "{}",
        r.describe()
    );
}

#[test]
fn an_interrupted_verify_removes_its_spool_of_stdin() {
    let dir = TempDir::new("verify-signal");
    let mut child = spawn_umask0(&dir, &["verify", "-"]);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(log(20).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // TMPDIR is the test's directory.
    wait_until(60, "the stdin spool", || {
        temporaries_of(dir.path(), pid)
            .iter()
            .any(|n| n.starts_with(".airlock-spool-"))
    });
    #[cfg(unix)]
    for n in temporaries_of(dir.path(), pid) {
        assert_eq!(super::util::mode(&dir.path().join(&n)), 0o600, "{n}");
    }
    signal(pid, "TERM");
    let (code, _, stderr) = wait_child(child, 60);
    drop(stdin);
    assert_eq!(code, 143, "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}
