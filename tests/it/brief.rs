//! `airlock brief`: planted incidents are named with their window and
//! evidence, most severe first; a bundle without them gets none of them;
//! raw and redacted bundles give the same findings and the brief holds no
//! planted value; checks are data, checked against their own examples.
//!
//! Expected values come from the generator's own record of what it
//! planted ([`incident_bundle`]), never from running the code under test.

use serde_json::Value;

use super::bundle_gen::{incident_bundle, IncidentBundle};
use super::util::{airlock, assert_no_secret, run, TempDir};

/// Write the bundle as a directory tree; returns its top directory.
fn write(dir: &TempDir, b: &IncidentBundle) -> std::path::PathBuf {
    for (name, data) in &b.bundle.files {
        dir.write(&format!("{}/{name}", b.bundle.top), data);
    }
    dir.path().join(&b.bundle.top)
}

fn brief(dir: &TempDir, input: &std::path::Path, extra: &[&str]) -> String {
    let mut c = airlock(dir);
    c.arg("brief").arg(input).args(extra);
    run(dir, &mut c, None).expect_code(0).stdout
}

fn brief_json(dir: &TempDir, input: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = brief(dir, input, &args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("brief JSON: {e}\n{out}"))
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings array")
}

fn rank(sev: &str) -> u8 {
    match sev {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        other => panic!("unknown severity {other}"),
    }
}

/// The evidence path inside the bundle: a `gitlabsos.<host>_…` top
/// directory (a pseudonym in a redacting report) cut off when present.
fn inner(file: &str) -> &str {
    match file.split_once('/') {
        Some((top, rest)) if top.starts_with("gitlabsos.") || top.starts_with("h-") => rest,
        _ => file,
    }
}

#[test]
fn brief_names_each_planted_incident_with_window_and_evidence() {
    let b = incident_bundle(18, true);
    assert_eq!(b.incidents.len(), 9, "the generator plants nine incidents");
    let dir = TempDir::new("brief-incidents");
    let top = write(&dir, &b);
    let v = brief_json(&dir, &top, &[]);
    let fs = findings(&v);
    for inc in &b.incidents {
        let f = fs
            .iter()
            .find(|f| {
                f["check"] == inc.check
                    && inc.window.as_ref().is_none_or(|(s, e)| {
                        f["window"]["start"] == s.as_str() && f["window"]["end"] == e.as_str()
                    })
            })
            .unwrap_or_else(|| {
                panic!(
                    "no {} finding with window {:?}:\n{}",
                    inc.check,
                    inc.window,
                    serde_json::to_string_pretty(fs).unwrap()
                )
            });
        let ev = f["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "{}: no evidence", inc.check);
        for e in ev {
            let file = e["file"].as_str().unwrap();
            let line = e["line"].as_u64().expect("evidence has a line");
            assert_eq!(
                inner(file),
                inc.file,
                "{}: evidence in another file",
                inc.check
            );
            assert!(
                inc.lines.contains(&line),
                "{}: evidence line {line} is not a planted line ({:?})",
                inc.check,
                &inc.lines[..inc.lines.len().min(10)]
            );
            assert!(!e["quote"].as_str().unwrap().is_empty());
        }
        let sentence = f["sentence"].as_str().unwrap();
        for w in &inc.words {
            assert!(
                sentence.contains(w.as_str()),
                "{}: sentence {sentence:?} lacks {w:?}",
                inc.check
            );
        }
    }
    assert_traced(&b, fs);
    // The environment says what the bundle states (and no more).
    let env = v["environment"].as_array().unwrap();
    for (label, want) in &b.environment {
        let line = env
            .iter()
            .find(|e| e[0] == *label)
            .unwrap_or_else(|| panic!("no {label} line: {env:?}"));
        assert!(
            line[1].as_str().unwrap().contains(want),
            "{label}: {line} lacks {want}"
        );
    }
    let praefect = env
        .iter()
        .any(|e| e[1].as_str().unwrap().contains("Praefect"));
    assert!(!praefect, "a commented-out setting is no topology");
    // Most severe first.
    let ranks: Vec<u8> = fs
        .iter()
        .map(|f| rank(f["severity"].as_str().unwrap()))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "findings not most severe first: {ranks:?}"
    );
}

#[test]
fn brief_of_the_same_bundle_without_incidents_has_none_of_them() {
    let b = incident_bundle(18, false);
    assert!(b.incidents.is_empty());
    let dir = TempDir::new("brief-quiet");
    let top = write(&dir, &b);
    let v = brief_json(&dir, &top, &[]);
    for f in findings(&v) {
        let check = f["check"].as_str().unwrap();
        assert!(
            !b.incident_checks.contains(&check),
            "quiet bundle has a {check} finding: {f}"
        );
    }
    // Honest: the checks that ran and found nothing are listed, and a check
    // whose input the bundle lacks (no gitlab_migrations) is said to be so.
    let quiet: Vec<&str> = v["quiet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    for c in &b.incident_checks {
        assert!(quiet.contains(c), "{c} not listed as checked: {quiet:?}");
    }
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["check"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"migrations-pending"), "{missing:?}");
    let md = brief(&dir, &top, &[]);
    assert!(md.contains("## Checked, nothing found"), "{md}");
    assert!(md.contains("gitlab_migrations"), "{md}");
}

/// (check, severity, count, window, evidence as (path under the top, line)).
fn shape(v: &Value) -> Vec<String> {
    findings(v)
        .iter()
        .map(|f| {
            let ev: Vec<String> = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| format!("{}:{}", inner(e["file"].as_str().unwrap()), e["line"]))
                .collect();
            format!(
                "{} {} {} {} {}",
                f["check"],
                f["severity"],
                f["count"],
                f["window"],
                ev.join(",")
            )
        })
        .collect()
}

#[test]
fn brief_of_raw_and_redacted_bundle_agree_and_hold_no_planted_value() {
    let b = incident_bundle(7, true);
    let dir = TempDir::new("brief-redacted");
    let top = write(&dir, &b);
    let key = dir.path().join("key");
    let red = dir.path().join("red");
    let mut c = airlock(&dir);
    c.arg("redact")
        .arg(&top)
        .arg("-o")
        .arg(&red)
        .arg("--key-file")
        .arg(&key);
    run(&dir, &mut c, None).expect_code(0);
    let k = key.to_str().unwrap();
    let raw = brief_json(&dir, &top, &["--key-file", k]);
    let redacted = brief_json(&dir, &red, &["--key-file", k]);
    assert!(!findings(&raw).is_empty());
    assert_eq!(
        shape(&raw),
        shape(&redacted),
        "raw and redacted briefs differ"
    );
    // The same bundle as a .tar.gz reads the same.
    let tgz = dir.write("bundle.tar.gz", b.bundle.tar_gz());
    let packed = brief_json(&dir, &tgz, &["--key-file", k]);
    assert_eq!(
        shape(&raw),
        shape(&packed),
        "directory and .tar.gz briefs differ"
    );
    // Nothing printed from the raw bundle holds a planted value, in any
    // format (the test's own byte search).
    let secrets = b.bundle.secrets();
    assert!(secrets.len() > 10);
    for format in ["markdown", "html", "json"] {
        let out = brief(&dir, &top, &["--format", format, "--limit", "0"]);
        assert_no_secret(&out, &secrets, &format!("brief --format {format}"));
    }
    // `--raw` prints them (the check above can fail).
    let out = brief(&dir, &top, &["--format", "json", "--raw"]);
    assert!(
        secrets.iter().any(|s| out.contains(s.as_str())),
        "--raw shows originals"
    );
}

#[test]
fn brief_markdown_fits_a_ticket_and_html_is_self_contained() {
    let b = incident_bundle(18, true);
    let dir = TempDir::new("brief-render");
    let top = write(&dir, &b);
    let md = brief(&dir, &top, &[]);
    assert!(md.lines().count() <= 150, "{} lines", md.lines().count());
    assert!(
        md.contains("## Environment") && md.contains("17.5.1-ee"),
        "{md}"
    );
    let short = brief(&dir, &top, &["--limit", "45"]);
    assert!(short.lines().count() <= 45, "{short}");
    assert!(short.contains("more lines of findings"), "{short}");
    let html = brief(&dir, &top, &["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("<svg") && html.contains("<title>finding "),
        "no spike marked"
    );
    assert!(html.contains("href=\"#f1-ev\"") && html.contains("id=\"f1-ev\""));
    for bad in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(bad), "external or active content: {bad}");
    }
    // No attribute points outside the page (quoted log lines may name a
    // URL as text).
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("=\"http") && !without_ns.contains("='http"));
}

#[test]
fn checks_check_passes_for_the_built_in_checks() {
    let dir = TempDir::new("checks-builtin");
    let mut c = airlock(&dir);
    c.args(["checks", "check"]);
    let r = run(&dir, &mut c, None).expect_code(0);
    assert!(r.stderr.contains("ok: "), "{}", r.describe());
    let mut c = airlock(&dir);
    c.args(["checks", "list"]);
    let out = run(&dir, &mut c, None).expect_code(0).stdout;
    for id in incident_bundle(1, false).incident_checks {
        assert!(out.contains(id), "{id} not listed");
    }
}

#[test]
fn checks_check_fails_an_example_that_does_not_hold() {
    let dir = TempDir::new("checks-example");
    let text = r#"[[check]]
id = "disk-nearly-full"
title = "Disk nearly full"
severity = "high"
reads = "lines"
files = ["df_hT"]
pattern = '^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(?P<n>\d+)%\s+(?P<item>\S.*)$'
at_least = 80
sentence = "{count} disks at {value}%"

[[check.example]]
file = "df_hT"
text = "/dev/vda1 ext4 50G 21G 27G 44% /\n"
findings = 1
"#;
    let p = dir.write("team.toml", text);
    let mut c = airlock(&dir);
    c.args(["checks", "check"]).arg(&p);
    let r = run(&dir, &mut c, None).expect_code(1);
    let line = text[..text.find("[[check.example]]").unwrap()]
        .lines()
        .count()
        + 1;
    assert!(
        r.stderr.contains(&format!(
            "team.toml:{line}:1: check disk-nearly-full: example 1"
        )),
        "{}",
        r.describe()
    );
}

/// 1-based line and column of the first `needle` in `text` (past line 1).
fn place(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap();
    let line = text[..offset].lines().count();
    let col = offset - text[..offset].rfind('\n').unwrap();
    (line, col)
}

#[test]
fn malformed_checks_file_is_reported_at_file_line_col() {
    let dir = TempDir::new("checks-malformed");
    let text = "[[check]]\nid = \"x\"\ntitle = \"t\"\nreads = \"lines\"\nfiles = [\"df_hT\"]\npattern = 'x'\nseverity = \"urgent\"\nsentence = \"s\"\n[[check.example]]\nfile = \"df_hT\"\ntext = \"x\"\nfindings = 1\n";
    let p = dir.write("bad.toml", text);
    let (line, col) = place(text, "\"urgent\"");
    let expect = format!("bad.toml:{line}:{col}: check x: unknown severity");
    for args in [vec!["checks", "check"], vec!["checks", "list", "--checks"]] {
        let mut c = airlock(&dir);
        c.args(&args).arg(&p);
        let r = run(&dir, &mut c, None).expect_code(2);
        assert!(
            r.stderr.contains(&expect),
            "want {expect}\n{}",
            r.describe()
        );
    }
    // And brief refuses to run with it.
    let b = incident_bundle(1, false);
    let top = write(&dir, &b);
    let mut c = airlock(&dir);
    c.arg("brief").arg(&top).arg("--checks").arg(&p);
    let r = run(&dir, &mut c, None).expect_code(2);
    assert!(r.stderr.contains(&expect), "{}", r.describe());
    // Syntax errors have a place too.
    let p = dir.write("syntax.toml", "[[check]]\nid = \"x\"\ntitle = = \"t\"\n");
    let mut c = airlock(&dir);
    c.args(["checks", "check"]).arg(&p);
    let r = run(&dir, &mut c, None).expect_code(2);
    assert!(r.stderr.contains("syntax.toml:3:9:"), "{}", r.describe());
    // A date condition needs the date: its error points at the pattern.
    let text = "[[check]]\nid = \"d\"\ntitle = \"t\"\nreads = \"lines\"\nfiles = [\"license_info\"]\npattern = 'to (?P<item>\\S+)'\nwithin_days = 30\nseverity = \"high\"\nsentence = \"s\"\n";
    let p = dir.write("dates.toml", text);
    let (line, col) = place(text, "'to");
    let expect = format!("dates.toml:{line}:{col}: check d: `within_days` needs");
    let mut c = airlock(&dir);
    c.args(["checks", "check"]).arg(&p);
    let r = run(&dir, &mut c, None).expect_code(2);
    assert!(
        r.stderr.contains(&expect),
        "want {expect}\n{}",
        r.describe()
    );
}

/// The checks file shown in the README passes `checks check` as copied.
#[test]
fn readme_checks_example_works_when_copied() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme
        .find("```toml\n[[check]]")
        .expect("a checks example in the README");
    let body = &readme[at + "```toml\n".len()..];
    let body = &body[..body.find("```").unwrap()];
    let dir = TempDir::new("checks-readme");
    let p = dir.write("team.toml", body);
    let mut c = airlock(&dir);
    c.args(["checks", "check"]).arg(&p);
    run(&dir, &mut c, None).expect_code(0);
}

/// The representative failing request of each incident is followed into
/// every log the generator sent it through, and more than one finding is
/// traced.
fn assert_traced(b: &IncidentBundle, fs: &[Value]) {
    for inc in b.incidents.iter().filter(|i| !i.traced_in.is_empty()) {
        let f = fs.iter().find(|f| f["check"] == inc.check).unwrap();
        let files: Vec<&str> = f["trace"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no trace: {f}", inc.check))
            .iter()
            .map(|t| inner(t["file"].as_str().unwrap()))
            .collect();
        for want in &inc.traced_in {
            assert!(
                files.contains(&want.as_str()),
                "{}: trace misses {want}: {files:?}",
                inc.check
            );
        }
    }
    // Each of the top failures gets its own request followed, not only the
    // first: the Gitaly calls' request is followed into Gitaly's log.
    let gitaly = fs.iter().find(|f| f["check"] == "gitaly-errors").unwrap();
    let traced: Vec<&str> = gitaly["trace"]
        .as_array()
        .unwrap_or_else(|| panic!("gitaly-errors: no trace: {gitaly}"))
        .iter()
        .map(|t| inner(t["file"].as_str().unwrap()))
        .collect();
    assert!(
        traced.contains(&"var/log/gitlab/gitaly/current"),
        "gitaly-errors: trace misses Gitaly's log: {traced:?}"
    );
    let with_trace = fs
        .iter()
        .filter(|f| f["trace"].as_array().is_some_and(|t| !t.is_empty()))
        .count();
    assert!(with_trace >= 2, "only {with_trace} finding(s) traced");
}

/// `brief` reads its input once: piped on stdin, where a second read would
/// find nothing, the top failures are still followed across the logs.
#[test]
fn brief_follows_failing_requests_within_its_one_read_of_stdin() {
    let b = incident_bundle(18, true);
    let dir = TempDir::new("brief-stdin");
    let mut c = airlock(&dir);
    c.args(["brief", "-", "--format", "json"]);
    let out = run(&dir, &mut c, Some(&b.bundle.tar_gz()))
        .expect_code(0)
        .stdout;
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("brief JSON: {e}\n{out}"));
    assert_traced(&b, findings(&v));
}
