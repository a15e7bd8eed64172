//! The edges of the report commands: several inputs, outputs that must not
//! be left half-written, inputs without a GitLab log, exit statuses.

use serde_json::Value;

use super::util::{airlock, run, TempDir};

const T: &str = "2026-11-20T13:00:00.000Z";

fn gitaly(method: &str, n: usize, cid: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"correlation_id":"{cid}","grpc.code":"OK","grpc.method":"{method}","grpc.time_ms":{},"level":"info","msg":"finished","time":"{T}"}}"#,
                i + 1
            ) + "\n"
        })
        .collect()
}

/// Two bundles with the same relative paths: one report each, labelled
/// with its input, never one merged section.
#[test]
fn several_inputs_are_reported_per_input() {
    let dir = TempDir::new("multi");
    dir.write(
        "node1/var/log/gitlab/gitaly/current",
        gitaly("FindCommit", 3, "c-one"),
    );
    dir.write(
        "node2/var/log/gitlab/gitaly/current",
        gitaly("FindCommit", 5, "c-two"),
    );
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "node1", "node2", "--format", "json", "--raw"]),
        None,
    )
    .expect_code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let reports = v["reports"].as_array().expect("one report per input");
    assert_eq!(reports.len(), 2);
    for (rep, (input, count)) in reports.iter().zip([("node1", 3), ("node2", 5)]) {
        assert_eq!(rep["inputs"], serde_json::json!([input]));
        let sections = rep["sections"].as_array().unwrap();
        assert_eq!(sections.len(), 1, "{rep:#}");
        assert_eq!(sections[0]["total"]["count"], count);
    }
    let text = run(
        &dir,
        airlock(&dir).args(["top", "node1", "node2", "--raw"]),
        None,
    );
    assert!(
        text.stdout.contains("Input: node1.") && text.stdout.contains("Input: node2."),
        "{}",
        text.describe()
    );
    // One input: the report itself, as before.
    let one = run(
        &dir,
        airlock(&dir).args(["summary", "node1", "--format", "json"]),
        None,
    )
    .expect_code(0);
    let v: Value = serde_json::from_str(&one.stdout).unwrap();
    assert!(v.get("reports").is_none() && v["sections"].is_array());
    // trace follows a request across inputs: one table, lines labelled.
    dir.write(
        "node2/var/log/gitlab/gitaly/current",
        gitaly("FindCommit", 2, "c-one"),
    );
    let t = run(
        &dir,
        airlock(&dir).args([
            "trace", "c-one", "node1", "node2", "--format", "json", "--raw",
        ]),
        None,
    )
    .expect_code(0);
    let v: Value = serde_json::from_str(&t.stdout).unwrap();
    let files: Vec<&str> = v["trace"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert_eq!(files.iter().filter(|f| f.starts_with("node1: ")).count(), 3);
    assert_eq!(files.iter().filter(|f| f.starts_with("node2: ")).count(), 2);
}

/// `summary nope/ -o r.html` failed with an empty report left behind. A
/// failed report leaves no file; an existing one is kept without --force.
#[test]
fn a_failed_report_leaves_no_file() {
    let dir = TempDir::new("no-file");
    dir.write("b/gitaly/current", gitaly("FindCommit", 2, "c"));
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "nope/", "-o", "r.html", "--format", "html"]),
        None,
    )
    .expect_code(2);
    assert!(!dir.path().join("r.html").exists(), "{}", r.describe());
    assert!(!r.stderr.contains("wrote"), "{}", r.describe());
    assert!(r.stderr.contains("nope"), "{}", r.describe());
    // One good input and one missing: still a failure, still nothing.
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "b", "nope", "-o", "r.txt"]),
        None,
    )
    .expect_code(2);
    assert!(!dir.path().join("r.txt").exists(), "{}", r.describe());
    assert!(r.stdout.is_empty(), "{}", r.describe());
    // A truncated gzip member fails the report too.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, gitaly("GetBlobs", 500, "c").as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    dir.write(
        "broken/gitaly/@4000000068e1a2b30c1d2e3f.s",
        &gz[..gz.len() / 2],
    );
    let r = run(
        &dir,
        airlock(&dir).args(["errors", "broken", "-o", "e.md"]),
        None,
    )
    .expect_code(2);
    assert!(!dir.path().join("e.md").exists(), "{}", r.describe());
    // Written whole; an existing file is not replaced without --force.
    run(
        &dir,
        airlock(&dir).args(["summary", "b", "-o", "r.txt"]),
        None,
    )
    .expect_code(0);
    let first = std::fs::read_to_string(dir.path().join("r.txt")).unwrap();
    assert!(first.contains("FindCommit"));
    dir.write("r.txt", "mine");
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "b", "-o", "r.txt"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("--force"), "{}", r.describe());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.txt")).unwrap(),
        "mine"
    );
    run(
        &dir,
        airlock(&dir).args(["summary", "b", "-o", "r.txt", "--force"]),
        None,
    )
    .expect_code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.txt")).unwrap(),
        first
    );
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".airlock"))
        .collect();
    assert!(left.is_empty(), "{}", dir.listing());
}

/// `summary` of a file that is no GitLab log printed an empty report with
/// exit 0. It says so, and exits 1.
#[test]
fn input_without_a_gitlab_log_says_so_and_exits_1() {
    let dir = TempDir::new("no-log");
    dir.write("notes.txt", "shopping list\nmilk\neggs\n");
    dir.write("only-outputs/free_m", "Mem: 100 50 50 0 0 50\n");
    for cmd in [
        vec!["summary", "notes.txt"],
        vec!["errors", "notes.txt"],
        vec!["top", "only-outputs"],
        vec!["trace", "abcdef", "notes.txt"],
    ] {
        let r = run(&dir, airlock(&dir).args(&cmd), None).expect_code(1);
        assert!(
            r.stdout.contains("No GitLab log found in"),
            "{cmd:?}\n{}",
            r.describe()
        );
    }
    let mut args = vec!["summary", "notes.txt", "--format", "json"];
    let r = run(&dir, airlock(&dir).args(&args), None).expect_code(1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["alerts"][0]
        .as_str()
        .unwrap()
        .starts_with("No GitLab log found"));
    // Said under the header, before anything else.
    let text = run(&dir, airlock(&dir).args(["summary", "notes.txt"]), None).expect_code(1);
    let third = text.stdout.lines().nth(3).unwrap_or("");
    assert!(
        third.starts_with("(!) No GitLab log found in notes.txt"),
        "{}",
        text.describe()
    );
    // With a log beside it, the command still exits 1: one input had none.
    dir.write("b/gitaly/current", gitaly("FindCommit", 1, "c"));
    args[1] = "b";
    run(&dir, airlock(&dir).args(&args), None).expect_code(0);
    run(
        &dir,
        airlock(&dir).args(["summary", "b", "notes.txt"]),
        None,
    )
    .expect_code(1);
    run(
        &dir,
        airlock(&dir).args(["compare", "b", "notes.txt"]),
        None,
    )
    .expect_code(1);
    run(&dir, airlock(&dir).args(["compare", "b", "b"]), None).expect_code(0);
}

/// Rule errors say their cause once (a missing file printed `No such file
/// or directory (os error 2)` twice), and a pattern that does not compile
/// makes the file invalid: exit 2 as the help says, not 1.
#[test]
fn rule_errors_name_one_cause_and_a_bad_pattern_exits_2() {
    let dir = TempDir::new("rule-errors");
    for cmd in [
        vec!["rules", "check", "--rules", "nope.toml"],
        vec!["rules", "list", "--rules", "nope.toml"],
        vec!["scan", "--rules", "nope.toml", "-"],
        vec!["summary", "--rules", "nope.toml", "-"],
    ] {
        let r = run(&dir, airlock(&dir).args(&cmd), Some(b"x\n")).expect_code(2);
        assert_eq!(
            r.stderr.matches("No such file or directory").count(),
            1,
            "{cmd:?}\n{}",
            r.describe()
        );
        assert!(r.stderr.contains("nope.toml"), "{}", r.describe());
    }
    dir.write(
        "bad.toml",
        "[[rules]]\nid = \"x\"\ndescription = \"d\"\ncategory = \"credential\"\npattern = \"(unclosed\"\nexamples = [\"a\"]\n",
    );
    let r = run(
        &dir,
        airlock(&dir).args(["rules", "check", "--rules", "bad.toml"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("bad.toml:5:"), "{}", r.describe());
    assert_eq!(
        r.stderr.matches("bad.toml:5:").count(),
        1,
        "{}",
        r.describe()
    );
    let help = run(&dir, airlock(&dir).args(["rules", "check", "--help"]), None).expect_code(0);
    assert!(
        help.stdout.contains("2 a rules file is invalid"),
        "{}",
        help.describe()
    );
    // A rule that compiles but misses its example is a failed check: 1.
    dir.write(
        "miss.toml",
        "[[rules]]\nid = \"y\"\ndescription = \"d\"\ncategory = \"credential\"\npattern = \"zz[0-9]{4}\"\nexamples = [\"zz12\"]\n",
    );
    run(
        &dir,
        airlock(&dir).args(["rules", "check", "--rules", "miss.toml"]),
        None,
    )
    .expect_code(1);
}

/// `unmask --map m.json` with nothing to look up exited 0 in silence: a
/// usage error now, before the map is read.
#[test]
fn unmask_with_nothing_to_do_is_a_usage_error() {
    let dir = TempDir::new("unmask-nothing");
    let r = run(
        &dir,
        airlock(&dir).args(["unmask", "--map", "m.json"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("PSEUDONYM"), "{}", r.describe());
    assert!(r.stdout.is_empty());
}

/// `trace` cut FILE:LINE at 80 characters, so the line number was lost. A
/// long place loses its start instead; the file name and line stay.
#[test]
fn trace_never_cuts_the_location() {
    let dir = TempDir::new("trace-place");
    let deep = format!(
        "gitlabsos.gitlab01_20261120134410/{}/var/log/gitlab/gitaly/current",
        ["a-rather-long-directory-name"; 4].join("/")
    );
    let mut text = gitaly("FindCommit", 40, "other");
    text.push_str(&gitaly("GetBlobs", 1, "c-deep"));
    dir.write(&deep, &text);
    let r = run(
        &dir,
        airlock(&dir).args([
            "trace",
            "c-deep",
            "gitlabsos.gitlab01_20261120134410",
            "--raw",
        ]),
        None,
    )
    .expect_code(0);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("GetBlobs"))
        .unwrap_or_else(|| panic!("{}", r.describe()));
    assert!(row.contains("/gitaly/current:41 "), "{row}");
    assert!(deep.len() > 100, "the test needs a long path");
}

/// What a report prints on stderr (a member that cannot be read) passes
/// through the same sanitizer as the report: the bundle's host name in the
/// member's path is replaced, unless --raw.
#[test]
fn read_errors_are_sanitized_like_the_report() {
    let dir = TempDir::new("errors-sanitized");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, gitaly("GetBlobs", 500, "c").as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let root = "gitlabsos.gitlab01.acme-gov.us_20261120134410";
    dir.write(
        &format!("bundles/{root}/var/log/gitlab/gitaly/@4000000068e1a2b30c1d2e3f.s"),
        &gz[..gz.len() / 2],
    );
    let r = run(&dir, airlock(&dir).args(["summary", "bundles"]), None).expect_code(2);
    assert!(
        r.stderr.contains("@4000000068e1a2b30c1d2e3f.s"),
        "{}",
        r.describe()
    );
    assert!(
        !r.stderr.contains("gitlab01") && !r.stderr.contains("acme-gov"),
        "{}",
        r.describe()
    );
    let raw = run(
        &dir,
        airlock(&dir).args(["summary", "bundles", "--raw"]),
        None,
    )
    .expect_code(2);
    assert!(raw.stderr.contains("gitlab01"), "{}", raw.describe());
}
