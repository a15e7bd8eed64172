//! Progress bars: drawn on a terminal (a pseudo-terminal made by
//! `script(1)`), never when stderr is a pipe or a file, never with `-q`.

use std::process::{Command, Stdio};

use super::util::{airlock, run, skip, wait_child, TempDir};

/// Run `args` in `dir` with stdin, stdout and stderr on a pseudo-terminal
/// (`script -qec`); what the terminal showed. `None` without script(1).
fn on_a_terminal(dir: &TempDir, args: &str) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_airlock");
    // script(1) present and able to make a pseudo-terminal here.
    let has_script = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        return None;
    }
    let child = Command::new("script")
        .args(["-qec", &format!("'{bin}' {args}"), "/dev/null"])
        .env_clear()
        .env("TERM", "xterm")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, stdout, stderr) = wait_child(child, 120);
    assert!(
        code == 0 || code == 1,
        "{args}: exit {code}\n{stdout}\n{stderr}"
    );
    Some(stdout)
}

fn big_log(dir: &TempDir) {
    let text: String = (0..40_000)
        .map(|i| {
            format!(
                "2026-11-20 line {i} from 10.1.{}.{} glpat-{i:020}\n",
                i % 200,
                i % 250
            )
        })
        .collect();
    dir.write("big.log", text);
}

#[test]
fn progress_is_drawn_per_pass_on_a_terminal_and_nowhere_else() {
    let dir = TempDir::new("progress");
    big_log(&dir);
    let Some(shown) = on_a_terminal(&dir, "redact big.log -o out.log -j 1") else {
        skip(
            "progress_is_drawn_per_pass_on_a_terminal_and_nowhere_else",
            "script(1) is not installed or cannot make a pseudo-terminal",
        );
        return;
    };
    for pass in ["learn [", "redact [", "verify ["] {
        assert!(shown.contains(pass), "no {pass:?} bar:\n{shown}");
    }
    // Bytes, rate and time left.
    assert!(
        shown.contains("MiB/") && shown.contains("MiB/s") && shown.contains("ETA"),
        "{shown}"
    );
    let shown = on_a_terminal(&dir, "verify out.log").unwrap();
    assert!(
        shown.contains("verify [") && shown.contains("ETA"),
        "{shown}"
    );
    let shown = on_a_terminal(&dir, "scan big.log > findings.txt").unwrap();
    assert!(shown.contains("scan [") && shown.contains("ETA"), "{shown}");
    // -q on every command: nothing drawn.
    for args in [
        "-q redact big.log -o q.log -j 1",
        "verify -q out.log",
        "scan --quiet big.log > q.txt",
    ] {
        let shown = on_a_terminal(&dir, args).unwrap();
        assert!(
            !shown.contains("ETA") && !shown.contains(" ["),
            "{args}: {shown}"
        );
    }
    // stderr to a pipe: no bar and no escape sequence.
    for args in [
        vec!["redact", "big.log", "-o", "p.log"],
        vec!["verify", "p.log"],
        vec!["scan", "big.log"],
    ] {
        let r = run(&dir, airlock(&dir).args(&args), None);
        assert!(
            !r.stderr.contains("ETA") && !r.stderr.contains('\x1b'),
            "{args:?}: {}",
            r.describe()
        );
    }
}
