//! `airlock completions SHELL` and `airlock man`: generated from the clap
//! definitions, so these tests check that what comes out is usable (bash can
//! parse the script, every command is in it, man pages are roff with the
//! flags in them), not its exact text.

use std::process::Command;

use super::util::{airlock, run, TempDir};

/// Subcommands every completion script and the man page must know.
const COMMANDS: &[&str] = &["scan", "rules", "brief", "checks", "completions", "man"];

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

// ------------------------------------------------------------- README

fn readme() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
}

/// Fenced code blocks of `text`: (info string, body, line of the opening
/// fence). Panics on a fence left open, naming its line: an unclosed block
/// swallows everything after it when rendered.
fn fenced_blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None if fence.starts_with("```") => {
                open = Some((fence[3..].trim().to_string(), String::new(), i + 1));
            }
            None => {}
            Some(_) if fence.starts_with("```") => {
                assert!(
                    fence.trim_end() == "```",
                    "line {}: a fence opens inside the block opened on line {} (`{fence}`)",
                    i + 1,
                    open.as_ref().unwrap().2
                );
                out.push(open.take().unwrap());
            }
            Some((_, body, _)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    if let Some((_, _, at)) = open {
        panic!("the code block opened on line {at} is never closed");
    }
    out
}

#[test]
fn fence_checker_finds_an_unclosed_block() {
    let bad = "# x\n```sh\nairlock scan x\n\n## Commands\n```sh\nmore\n```\n";
    let r = std::panic::catch_unwind(|| fenced_blocks(bad));
    assert!(r.is_err(), "an unclosed block passed");
    let good = fenced_blocks("a\n```toml\nx = 1\n```\nb\n```\ny\n```\n");
    assert_eq!(good.len(), 2);
    assert_eq!(good[0].0, "toml");
    assert_eq!(good[0].1, "x = 1\n");
}

/// Every fenced block in the README is closed, and every section heading is
/// outside a block (a renderer would otherwise swallow the rest).
#[test]
fn readme_code_blocks_are_balanced() {
    let text = readme();
    let blocks = fenced_blocks(&text);
    assert!(blocks.len() >= 10, "{} blocks", blocks.len());
    for (info, body, at) in &blocks {
        assert!(
            !body.lines().any(|l| l.starts_with("## ")),
            "the {info} block on line {at} holds a section heading"
        );
    }
}

/// The quick start: its prerequisites are stated, and it has exactly two
/// set-up commands, both `--locked`: one redacts the bundled example, one
/// runs the tests.
#[test]
fn readme_quick_start_states_prerequisites_and_locks() {
    let text = readme();
    let start = text.find("## Quick start").expect("a quick start");
    let section = &text[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    for needed in ["Rust toolchain", "1.85", "crates registry", "few minutes"] {
        assert!(
            section.contains(needed),
            "the quick start does not say {needed:?}"
        );
    }
    let (info, body, _) = fenced_blocks(section)
        .into_iter()
        .next()
        .expect("a command block");
    assert_eq!(info, "sh");
    let commands: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(
        commands
            .iter()
            .all(|c| c.starts_with("cargo ") && c.contains(" --locked")),
        "{commands:?}"
    );
    let redact = commands[0];
    assert!(redact.contains(" -- redact "), "{redact}");
    let example = redact
        .split_whitespace()
        .find(|w| w.starts_with("fixtures/"))
        .expect("redacts the bundled example");
    assert!(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(example)
            .is_dir(),
        "{example} is not in the repository"
    );
    assert_eq!(commands[1].trim(), "cargo test --locked");
}

/// The custom-rule example, as a reader would copy it: it loads, `rules
/// check` passes its examples, `disable` switches the built-in rule off and
/// `allow` keeps its value.
#[test]
fn readme_custom_rule_example_works_when_copied() {
    let text = readme();
    let rules_at = text.find("\n## Rules").expect("a Rules section");
    let (_, toml, _) = fenced_blocks(&text[rules_at..])
        .into_iter()
        .find(|(info, _, _)| info == "toml")
        .expect("a toml example in Rules");
    assert!(
        toml.contains("[[rules]]") && toml.contains("disable"),
        "{toml}"
    );
    let dir = TempDir::new("readme-rule");
    dir.write("acme.toml", &toml);
    let check = run(
        &dir,
        airlock(&dir).args(["rules", "check", "--rules", "acme.toml"]),
        None,
    )
    .expect_code(0);
    assert!(check.stderr.starts_with("ok: "), "{}", check.describe());
    let list = run(
        &dir,
        airlock(&dir).args(["rules", "list", "--rules", "acme.toml", "--json"]),
        None,
    )
    .expect_code(0);
    let rules: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme_api_key"), "{ids:?}");
    assert!(
        !ids.contains(&"fqdn"),
        "disable = [\"fqdn\"] had no effect: {ids:?}"
    );
    let builtin = run(&dir, airlock(&dir).args(["rules", "list", "--json"]), None).expect_code(0);
    assert!(
        builtin.stdout.contains("\"fqdn\""),
        "the built-in packs have no fqdn rule any more"
    );
    // The rule finds a key in a .log, except the allowed one.
    dir.write(
        "app.log",
        "key=acme_0123456789abcdef0123456789abcdef\nkey=acme_00000000000000000000000000000000\n",
    );
    let scan = run(
        &dir,
        airlock(&dir).args([
            "scan",
            "app.log",
            "--rules",
            "acme.toml",
            "--format",
            "json",
        ]),
        None,
    )
    .expect_code(1);
    let found: serde_json::Value = serde_json::from_str(&scan.stdout).unwrap();
    let acme: Vec<u64> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "acme_api_key")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(acme, [1], "{}", scan.describe());
}

/// The codes an "Exit status: 0 …, 1 …, 2 …" sentence names.
fn codes_in(sentence: &str) -> Vec<u8> {
    let mut codes: Vec<u8> = sentence
        .split([',', ':', ';'])
        .filter_map(|p| p.split_whitespace().next()?.parse().ok())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Every page has EXIT STATUS and EXAMPLES; a page's statuses are the ones
/// its command's help states, and its examples run the command it is for.
#[test]
fn man_pages_have_exit_status_and_examples_that_agree_with_help() {
    let dir = TempDir::new("man-sections");
    run(&dir, airlock(&dir).args(["man", "--dir", "pages"]), None).expect_code(0);
    let mut pages: Vec<_> = std::fs::read_dir(dir.path().join("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() >= 14, "{pages:?}");
    for page in &pages {
        let name = page.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(page).unwrap();
        let status_at = text
            .find(".SH \"EXIT STATUS\"")
            .unwrap_or_else(|| panic!("{name}: no EXIT STATUS"));
        let examples_at = text
            .find(".SH EXAMPLES")
            .unwrap_or_else(|| panic!("{name}: no EXAMPLES"));
        let status = &text[status_at..examples_at];
        let mut page_codes: Vec<u8> = status
            .lines()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] == ".TP")
            .filter_map(|w| w[1].parse().ok())
            .collect();
        page_codes.sort();
        assert!(
            page_codes.contains(&0) && page_codes.contains(&2),
            "{name}: {page_codes:?}"
        );
        // The command line of every example runs this page's command.
        let words: Vec<&str> = name.split('-').collect();
        let examples = &text[examples_at..];
        let lines: Vec<&str> = examples
            .lines()
            .filter_map(|l| l.strip_prefix("\\fB"))
            .collect();
        assert!(!lines.is_empty(), "{name}: no example");
        for l in lines {
            let l = l.replace("\\-", "-");
            assert!(
                l.contains(&words.join(" ")),
                "{name}: example `{l}` does not run {}",
                words.join(" ")
            );
        }
        // What `--help` says of the exit status, the page says too.
        if words.len() > 1 {
            let mut args: Vec<&str> = words[1..].to_vec();
            args.push("--help");
            let help = run(&dir, airlock(&dir).args(&args), None).expect_code(0);
            let flat = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(i) = flat.find("Exit status:") {
                let sentence = &flat[i + 12..];
                let sentence = &sentence[..sentence.find('.').unwrap_or(sentence.len())];
                assert_eq!(
                    codes_in(sentence),
                    page_codes,
                    "{name}: help says {sentence:?}"
                );
            }
        }
    }
    // It renders: man(1) shows the sections.
    let page = dir.path().join("pages/airlock-summary.1");
    if let Ok(out) = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
    {
        if out.status.success() {
            let shown = String::from_utf8_lossy(&out.stdout);
            assert!(
                shown.contains("EXIT STATUS") && shown.contains("EXAMPLES"),
                "{shown}"
            );
        }
    }
}
