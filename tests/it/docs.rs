//! `airlock completions SHELL` and `airlock man`: generated from the clap
//! definitions, so these tests check that what comes out is usable (bash can
//! parse the script, every command is in it, man pages are roff with the
//! flags in them), not its exact text.

use std::process::Command;

use super::util::{airlock, run, TempDir};

/// Subcommands every completion script and the man page must know.
const COMMANDS: &[&str] = &["scan", "rules", "completions", "man"];

#[test]
fn bash_completion_parses_and_knows_every_command_and_flag() {
    let dir = TempDir::new("completions-bash");
    let r = run(&dir, airlock(&dir).args(["completions", "bash"]), None).expect_code(0);
    assert!(r.stdout.contains("_airlock()"), "{}", r.describe());
    assert!(
        r.stdout.contains("complete -F _airlock"),
        "{}",
        r.describe()
    );
    for c in COMMANDS {
        assert!(r.stdout.contains(c), "bash completion lacks {c}");
    }
    for flag in ["--rules", "--no-builtin", "--format", "--dir"] {
        assert!(r.stdout.contains(flag), "bash completion lacks {flag}");
    }
    // `bash -n` parses without running: a generator bug that produces a
    // broken script fails here.
    let script = dir.write("airlock.bash", &r.stdout);
    let out = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zsh_fish_elvish_powershell_completions_are_generated() {
    let dir = TempDir::new("completions-other");
    for (shell, marker) in [
        ("zsh", "#compdef airlock"),
        ("fish", "complete -c airlock"),
        ("elvish", "edit:completion:arg-completer[airlock]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(&dir, airlock(&dir).args(["completions", shell]), None).expect_code(0);
        assert!(r.stdout.contains(marker), "{shell}: {}", r.describe());
        assert!(r.stdout.contains("scan"), "{shell}: no scan");
    }
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let dir = TempDir::new("completions-bad");
    let r = run(&dir, airlock(&dir).args(["completions", "tcsh"]), None).expect_code(2);
    assert!(r.stderr.contains("tcsh"), "{}", r.describe());
}

#[test]
fn man_prints_a_roff_page_with_commands_and_version() {
    let dir = TempDir::new("man");
    let r = run(&dir, airlock(&dir).arg("man"), None).expect_code(0);
    assert!(r.stdout.contains(".TH airlock 1"), "{}", r.describe());
    assert!(r.stdout.contains(".SH SYNOPSIS"), "{}", r.describe());
    assert!(
        r.stdout
            .contains(&format!("airlock {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        r.describe()
    );
    for c in COMMANDS {
        assert!(r.stdout.contains(c), "man page lacks {c}");
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = TempDir::new("man-dir");
    run(&dir, airlock(&dir).args(["man", "--dir", "pages"]), None).expect_code(0);
    for (page, flag) in [
        ("airlock.1", "scan"),
        ("airlock-scan.1", "format"),
        ("airlock-rules.1", "check"),
        ("airlock-rules-check.1", "no\\-builtin"),
        ("airlock-rules-list.1", "json"),
        ("airlock-completions.1", "shell"),
        ("airlock-man.1", "dir"),
    ] {
        let path = dir.path().join("pages").join(page);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{page}: {e}\n{}", dir.listing()));
        let title = page.trim_end_matches(".1");
        assert!(
            text.contains(&format!(".TH {title} 1")),
            "{page} has no title:\n{text}"
        );
        assert!(text.contains(flag), "{page} lacks {flag}:\n{text}");
    }
    // No page for clap's built-in `help` pseudo-command.
    assert!(!dir.path().join("pages/airlock-help.1").exists());
}

#[test]
fn man_dir_that_cannot_be_created_is_an_error_naming_it() {
    let dir = TempDir::new("man-dir-bad");
    dir.write("taken", "a file, not a directory");
    let r = run(&dir, airlock(&dir).args(["man", "--dir", "taken"]), None).expect_code(2);
    assert!(r.stderr.contains("taken"), "{}", r.describe());
}
