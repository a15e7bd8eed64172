//! Claims of the README's "Commands" section that no other test held
//! (`tests/README.md` maps every claim to its tests): `trace` by a Sidekiq
//! jid, Δ%FAIL in `compare`, user agents in `top`, every field of
//! `scan --format json`, and a man page for every command. Inputs are
//! written here, line by line, so the expected figures are the test's own.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use super::util::{airlock, run, TempDir};

fn json_of(dir: &TempDir, args: &[&str], code: i32) -> Value {
    let r = run(dir, airlock(dir).args(args), None).expect_code(code);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON: {e}\n{}", r.describe()))
}

/// A Sidekiq JSON line.
fn sidekiq(time: &str, class: &str, jid: &str, cid: &str, status: &str, secs: f64) -> String {
    format!(
        r#"{{"severity":"INFO","time":"{time}","class":"{class}","jid":"{jid}","correlation_id":"{cid}","job_status":"{status}","duration_s":{secs}}}"#
    ) + "\n"
}

#[test]
fn trace_follows_a_sidekiq_job_by_its_jid() {
    let dir = TempDir::new("trace-jid");
    let jid = "3f2a9c1e7b6d5a4f8e0c1b2a";
    let other = "0c1b2a3f2a9c1e7b6d5a4f8e";
    // The job's lines carry a correlation id of their own: only the jid
    // ties them together, in JSON on one node and in Sidekiq's text format
    // on another; lines of another job must not be listed.
    let mut a = String::new();
    a += &sidekiq(
        "2026-11-20T13:44:12.000Z",
        "PostReceive",
        jid,
        "cidA",
        "start",
        0.0,
    );
    a += &sidekiq(
        "2026-11-20T13:44:11.000Z",
        "PostReceive",
        other,
        "cidB",
        "done",
        0.5,
    );
    a += &sidekiq(
        "2026-11-20T13:44:14.000Z",
        "PostReceive",
        jid,
        "cidA",
        "done",
        2.0,
    );
    dir.write("n1/sidekiq/current", &a);
    dir.write(
        "n2/sidekiq/current",
        format!(
            "2026-11-20T13:44:13.000Z pid=1 tid=7p7d class=PostReceive jid={jid} INFO: start\n\
             2026-11-20T13:44:10.000Z pid=1 tid=7p7d class=PostReceive jid={other} INFO: start\n"
        ),
    );
    let v = json_of(
        &dir,
        &["trace", jid, "n1", "n2", "--format", "json", "--raw"],
        0,
    );
    let hits = v["trace"]["hits"].as_array().unwrap();
    let got: Vec<(String, String)> = hits
        .iter()
        .map(|h| {
            (
                h["time"].as_str().unwrap().to_string(),
                h["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Shown as `2026-11-20 13:44:12.000Z` or with a `T`.
    let times: Vec<String> = got.iter().map(|(t, _)| t[..19].replace('T', " ")).collect();
    assert_eq!(
        times,
        [
            "2026-11-20 13:44:12",
            "2026-11-20 13:44:13",
            "2026-11-20 13:44:14"
        ],
        "{got:?}"
    );
    assert!(got[1].1.contains("n2"), "{got:?}");
    let text = run(
        &dir,
        airlock(&dir).args(["trace", jid, "n1", "n2", "--raw"]),
        None,
    )
    .expect_code(0)
    .stdout;
    assert!(!text.contains(other), "{text}");
    run(
        &dir,
        airlock(&dir).args(["trace", "ffffffffffffffffffffffff", "n1", "n2"]),
        None,
    )
    .expect_code(1);
}

#[test]
fn compare_shows_the_change_of_percent_fail() {
    let dir = TempDir::new("compare-fail");
    // Per side, 10 runs of one worker: 2 failed in A (20%), 5 in B (50%);
    // another worker only in B.
    for (side, failed) in [("a", 2), ("b", 5)] {
        let mut text = String::new();
        for i in 0..10 {
            let status = if i < failed { "fail" } else { "done" };
            text += &sidekiq(
                &format!("2026-11-20T13:44:{:02}.000Z", 10 + i),
                "ExportWorker",
                &format!("{side}{i:023}"),
                &format!("c{side}{i}"),
                status,
                0.1 * (i + 1) as f64,
            );
        }
        if side == "b" {
            text += &sidekiq(
                "2026-11-20T13:45:00.000Z",
                "OnlyInB",
                "b9",
                "cb9",
                "fail",
                1.0,
            );
        }
        dir.write(&format!("{side}/sidekiq/current"), &text);
    }
    let v = json_of(&dir, &["compare", "a", "b", "--format", "json"], 0);
    let rows = v["compare"]["sections"][0]["rows"].as_array().unwrap();
    let row = |k: &str| rows.iter().find(|r| r["key"] == k).unwrap();
    let w = row("ExportWorker");
    assert_eq!(w["a"]["fail_pct"].as_f64(), Some(20.0), "{w}");
    assert_eq!(w["b"]["fail_pct"].as_f64(), Some(50.0), "{w}");
    assert_eq!(w["delta"]["fail_pct"].as_f64(), Some(30.0), "{w}");
    assert_eq!(w["delta"]["count"].as_f64(), Some(0.0), "{w}");
    let only = row("OnlyInB");
    assert!(only["a"].is_null(), "{only}");
    assert!(only["delta"]["fail_pct"].is_null(), "{only}");
    // The text table has the A, B and Δ columns of %FAIL.
    let text = run(&dir, airlock(&dir).args(["compare", "a", "b"]), None)
        .expect_code(0)
        .stdout;
    for h in ["%FAIL_A", "%FAIL_B", "Δ%FAIL"] {
        assert!(text.contains(h), "no {h}:\n{text}");
    }
    let line = text.lines().find(|l| l.contains("ExportWorker")).unwrap();
    assert!(line.contains("30"), "{line}");
}

#[test]
fn top_lists_user_agents_by_count_and_by_duration() {
    let dir = TempDir::new("top-agents");
    // curl: 3 requests of 10 ms; Firefox: 1 request of 500 ms.
    let mut text = String::new();
    for (i, (ua, ms)) in [
        ("curl/8.4.0", 10),
        ("curl/8.4.0", 10),
        ("Mozilla/5.0 Firefox/121.0", 500),
        ("curl/8.4.0", 10),
    ]
    .iter()
    .enumerate()
    {
        text += &format!(
            r#"{{"method":"GET","path":"/api/v4/projects","status":200,"duration_ms":{ms},"ua":"{ua}","time":"2026-11-20T13:44:1{i}.000Z","correlation_id":"c{i}"}}"#
        );
        text.push('\n');
    }
    dir.write("gitlab-rails/api_json.log", &text);
    let v = json_of(&dir, &["top", ".", "--format", "json", "--raw"], 0);
    let agents = &v["top"][0]["agents"];
    assert_eq!(agents["distinct"].as_u64(), Some(2), "{agents}");
    let first = |by: &str| {
        (
            agents[by][0]["value"].as_str().unwrap().to_string(),
            agents[by][0]["count"].as_u64().unwrap(),
        )
    };
    assert_eq!(first("by_count"), ("curl/8.4.0".into(), 3));
    assert_eq!(
        first("by_duration"),
        ("Mozilla/5.0 Firefox/121.0".into(), 1)
    );
    let text = run(&dir, airlock(&dir).args(["top", ".", "--raw"]), None)
        .expect_code(0)
        .stdout;
    assert!(
        text.contains("User agents") && text.contains("curl/8.4.0"),
        "{text}"
    );
}

#[test]
fn scan_json_has_every_documented_field() {
    let dir = TempDir::new("scan-json-fields");
    let body = [
        "MIIEowIBAAKCAQEAzR8yqp1Nf3bYxWq7sLk2T9cVhZ0aJmE4uGrX6iKoPdQw8lBn",
        "c5TfYvHj2NsR7eK1xMzA0bLpQ9wUoI3yEg6hDkVt8nCqZr4aWmJs1FlOuXiB7GdS",
    ]
    .join("\n");
    let token = "glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn";
    let text = format!(
        "first line\nx token {token} y\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    );
    dir.write("a.log", &text);
    let v = json_of(&dir, &["scan", "a.log", "--format", "json"], 1);
    let found: BTreeMap<String, &Value> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f))
        .collect();
    let bytes = text.as_bytes();
    for (rule, line, end_line, value) in [
        ("gitlab_pat", 2, 2, &token["glpat-".len()..]),
        ("pem_private_key", 4, 5, body.as_str()),
    ] {
        let f = found
            .get(rule)
            .unwrap_or_else(|| panic!("{rule} not found: {v:#}"));
        for key in [
            "path", "line", "start", "end", "end_line", "offset", "length", "rule", "category",
            "kind", "preview",
        ] {
            assert!(!f[key].is_null(), "{rule}: no {key}: {f}");
        }
        assert_eq!(f["path"], "a.log");
        assert_eq!(f["line"].as_u64(), Some(line), "{f}");
        assert_eq!(f["end_line"].as_u64(), Some(end_line), "{f}");
        // offset and length are bytes of the file: they point at the value.
        let (o, n) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        assert_eq!(&bytes[o..o + n], value.as_bytes(), "{f}");
        // start and end: 1-based byte columns on the first line, end
        // exclusive.
        let line_start = text[..o].rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(
            f["start"].as_u64(),
            Some((o - line_start + 1) as u64),
            "{f}"
        );
        if line == end_line {
            assert_eq!(
                f["end"].as_u64(),
                Some((o + n - line_start + 1) as u64),
                "{f}"
            );
        }
        assert!(!f["kind"].as_str().unwrap().is_empty(), "{f}");
        assert!(!f["category"].as_str().unwrap().is_empty(), "{f}");
        // The preview never holds the value.
        assert!(
            !f["preview"].as_str().unwrap().contains(&value[..12]),
            "{f}"
        );
    }
}

/// The commands of the README's Commands table (`airlock X …` rows).
pub fn readme_commands() -> Vec<String> {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme
        .split("## Commands")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let mut out = Vec::new();
    for line in table.lines().filter(|l| l.starts_with("| `airlock ")) {
        let cell = line.split('|').nth(1).unwrap();
        // `airlock errors` / `top` / `trace ID` / `compare A B`: every
        // command named in the cell.
        for part in cell.split('`').skip(1).step_by(2) {
            let word = part
                .trim_start_matches("airlock ")
                .split_whitespace()
                .next()
                .unwrap();
            if !out.iter().any(|c| c == word) {
                out.push(word.to_string());
            }
        }
    }
    out
}

#[test]
fn man_has_a_page_for_every_command() {
    let commands = readme_commands();
    // Means something: the table's commands, as the README lists them.
    for c in [
        "redact",
        "verify",
        "unmask",
        "scan",
        "summary",
        "errors",
        "top",
        "trace",
        "compare",
        "rules",
        "completions",
        "man",
    ] {
        assert!(
            commands.iter().any(|x| x == c),
            "{c} not read from the README: {commands:?}"
        );
    }
    let dir = TempDir::new("man-every");
    run(&dir, airlock(&dir).args(["man", "--dir", "pages"]), None).expect_code(0);
    let main = fs::read_to_string(dir.path().join("pages/airlock.1")).unwrap();
    for c in &commands {
        let page = dir.path().join(format!("pages/airlock-{c}.1"));
        let text = fs::read_to_string(&page)
            .unwrap_or_else(|e| panic!("no page for {c}: {e}\n{}", dir.listing()));
        assert!(text.contains(&format!(".TH airlock-{c} 1")), "{c}:\n{text}");
        assert!(text.contains(".SH SYNOPSIS"), "{c}:\n{text}");
        assert!(
            main.contains(&format!("airlock\\-{c}(1)")) || main.contains(c.as_str()),
            "airlock.1 lacks {c}"
        );
    }
}

#[test]
fn quiet_drops_the_notes_and_keeps_the_errors() {
    let dir = TempDir::new("quiet");
    dir.write(
        "b.tar.gz",
        super::bundle_gen::tar_gz(&[
            ("b/a.zip".into(), b"PK\x03\x04rest".to_vec()),
            ("b/ok.log".into(), b"user from 10.1.2.3\n".to_vec()),
        ]),
    );
    // Without -q, the member left out is a note on stderr.
    let loud = run(
        &dir,
        airlock(&dir).args(["redact", "b.tar.gz", "-o", "o1.tar.gz"]),
        None,
    )
    .expect_code(0);
    assert!(loud.stderr.contains("a.zip"), "{}", loud.describe());
    for args in [
        &["-q", "redact", "b.tar.gz", "-o", "o2.tar.gz"][..],
        &["redact", "--quiet", "b.tar.gz", "-o", "o3.tar.gz"][..],
    ] {
        let r = run(&dir, airlock(&dir).args(args), None).expect_code(0);
        assert_eq!(r.stderr, "", "{args:?}: {}", r.describe());
        assert!(dir.path().join(args[args.len() - 1]).exists());
    }
    // An error is still printed.
    let r = run(
        &dir,
        airlock(&dir).args(["-q", "redact", "missing.tar.gz", "-o", "o4.tar.gz"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("missing.tar.gz"), "{}", r.describe());
}
