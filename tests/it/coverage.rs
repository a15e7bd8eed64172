//! What the reports read: every error line of every log kind, failures
//! counted one way in %FAIL and in Errors, every duration field, a line's
//! kind from what it says (and its file's kind when it says nothing).
//! Lines are written here, one shape per documented log, so each
//! expectation is counted by hand.

use std::collections::BTreeMap;

use serde_json::Value;

use super::util::{airlock, run, TempDir};

const T: &str = "2026-11-20T13:00:00.000Z";

fn json_of(dir: &TempDir, args: &[&str], stdin: Option<&[u8]>) -> Value {
    let r = run(dir, airlock(dir).args(args), stdin).expect_code(0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.describe()))
}

/// (path, lines, kind, the distinctive text of its error line).
fn error_lines() -> Vec<(&'static str, String, &'static str, &'static str)> {
    vec![
        (
            "gitlab-workhorse/current",
            format!(
                r#"{{"correlation_id":"c1","error":"handleReceivePack: copy output: rpc error: code = Unavailable desc = transport is closing","level":"error","method":"POST","msg":"","time":"{T}","uri":"/g/p.git/git-receive-pack"}}"#
            ),
            "workhorse",
            "handleReceivePack",
        ),
        (
            "gitaly/current",
            format!(
                r#"{{"correlation_id":"c2","error":"exit status 1","grpc.method":"PostReceivePack","grpc.service":"gitaly.SSHService","level":"error","msg":"error executing git hook","time":"{T}"}}"#
            ),
            "gitaly",
            "error executing git hook: exit status N",
        ),
        (
            "praefect/current",
            format!(
                r#"{{"level":"error","msg":"replication job failed","error":"context deadline exceeded","time":"{T}"}}"#
            ),
            "praefect",
            "replication job failed",
        ),
        (
            "gitlab-shell/gitlab-shell.log",
            format!(
                r#"{{"level":"error","msg":"ssh: could not read key","error":"EOF","time":"{T}"}}"#
            ),
            "gitlab_shell",
            "could not read key",
        ),
        (
            "sidekiq/current",
            format!(
                r#"{{"severity":"ERROR","time":"{T}","message":"Sidekiq redis connection lost"}}"#
            ),
            "sidekiq",
            "redis connection lost",
        ),
        (
            "gitlab-rails/production_json.log",
            format!(
                r#"{{"severity":"ERROR","time":"{T}","message":"Rack timeout while writing session"}}"#
            ),
            "production_json",
            "Rack timeout",
        ),
        (
            "gitlab-rails/application_json.log",
            format!(
                r#"{{"severity":"ERROR","time":"{T}","message":"Cannot obtain an exclusive lease for ci_builds"}}"#
            ),
            "application_json",
            "exclusive lease",
        ),
        (
            "gitlab-rails/integrations_json.log",
            format!(
                r#"{{"severity":"ERROR","time":"{T}","service_class":"Integrations::Jira","message":"Error sending message","error":"execution expired"}}"#
            ),
            "integrations_json",
            "Error sending message",
        ),
        (
            "gitlab-rails/auth_json.log",
            format!(
                r#"{{"severity":"ERROR","time":"{T}","message":"Rack_Attack","env":"blocklist","remote_ip":"10.9.8.7","request_method":"GET","path":"/g/p.git/info/refs"}}"#
            ),
            "auth_json",
            "Rack_Attack",
        ),
        (
            "registry/current",
            format!(r#"time="{T}" level=error msg="unknown blob" err.code="blob unknown""#),
            "registry",
            "unknown blob",
        ),
        (
            "gitlab-pages/current",
            format!(r#"{{"level":"error","msg":"failed to read domain config","time":"{T}"}}"#),
            "gitlab_pages",
            "failed to read domain config",
        ),
        (
            "mailroom/current",
            format!(
                r#"2026-11-20_13:00:00.00000 {{"severity":"ERROR","time":"{T}","message":"IMAP connection refused"}}"#
            ),
            "mailroom",
            "IMAP connection refused",
        ),
        (
            "postgresql/current",
            "2026-11-20_13:00:00.00000 ERROR:  deadlock detected".to_string(),
            "postgresql",
            "deadlock detected",
        ),
    ]
}

/// Every `level: error` / `severity: ERROR` line of every kind appears in
/// `errors`, grouped (the same line twice: one group of two).
#[test]
fn every_error_line_of_every_kind_is_in_errors() {
    let dir = TempDir::new("coverage-errors");
    let cases = error_lines();
    for (path, line, _, _) in &cases {
        dir.write(
            &format!("b/var/log/gitlab/{path}"),
            format!("{line}\n{line}\n"),
        );
    }
    let v = json_of(
        &dir,
        &["errors", "b", "--format", "json", "--limit", "0", "--raw"],
        None,
    );
    let groups = v["errors"]["groups"].as_array().unwrap();
    for (path, _, kind, text) in &cases {
        let hits: Vec<&Value> = groups
            .iter()
            .filter(|g| g["kind"] == *kind && g["message"].as_str().unwrap().contains(text))
            .collect();
        assert_eq!(hits.len(), 1, "{path}: {kind} {text:?} in {groups:#?}");
        assert_eq!(hits[0]["count"], 2, "{path}");
    }
    assert_eq!(groups.len(), cases.len(), "{groups:#?}");
}

/// A section's %FAIL and the Errors table count the same lines: failed
/// requests (5xx, gRPC code, job fail) and requests logged at error level.
#[test]
fn fail_percent_and_errors_count_the_same_failures() {
    let dir = TempDir::new("coverage-fail");
    let auth = |sev: &str, env: &str| {
        format!(
            r#"{{"severity":"{sev}","time":"{T}","message":"Rack_Attack","env":"{env}","remote_ip":"10.9.8.7","path":"/x"}}"#
        )
    };
    // auth_json: 3 of 5 at ERROR.
    let lines = [
        auth("ERROR", "blocklist"),
        auth("ERROR", "blocklist"),
        auth("ERROR", "throttle"),
        auth("INFO", "track"),
        auth("INFO", "track"),
    ];
    dir.write("b/gitlab-rails/auth_json.log", lines.join("\n"));
    // api_json: 1 of 4 is a 500, 1 more is logged at ERROR with a 200.
    let api = |sev: &str, status: u16| {
        format!(
            r#"{{"time":"{T}","severity":"{sev}","duration_s":0.1,"status":{status},"method":"GET","path":"/api/v4/x","route":"/api/:version/x"}}"#
        )
    };
    let lines = [
        api("INFO", 500),
        api("ERROR", 200),
        api("INFO", 200),
        api("INFO", 200),
    ];
    dir.write("b/gitlab-rails/api_json.log", lines.join("\n"));
    let v = json_of(
        &dir,
        &["summary", "b", "--format", "json", "--limit", "0", "--raw"],
        None,
    );
    let mut from_sections: BTreeMap<String, u64> = BTreeMap::new();
    for s in v["sections"].as_array().unwrap() {
        let t = &s["total"];
        let fails =
            (t["count"].as_f64().unwrap() * t["fail_pct"].as_f64().unwrap() / 100.0).round();
        *from_sections
            .entry(s["kind"].as_str().unwrap().into())
            .or_default() += fails as u64;
    }
    let mut from_errors: BTreeMap<String, u64> = BTreeMap::new();
    for g in v["errors"]["groups"].as_array().unwrap() {
        *from_errors
            .entry(g["kind"].as_str().unwrap().into())
            .or_default() += g["count"].as_u64().unwrap();
    }
    assert_eq!(from_sections["auth_json"], 3);
    assert_eq!(from_sections["api_json"], 2);
    assert_eq!(from_sections, from_errors);
}

/// Every duration field GitLab writes is read, each in its unit.
#[test]
fn every_duration_field_is_read() {
    let dir = TempDir::new("coverage-durations");
    let cases: &[(&str, String, &str, f64)] = &[
        (
            "gitaly/current",
            format!(
                r#"{{"duration_ms":74.104,"level":"info","method":"POST","msg":"Finished HTTP request","time":"{T}","url":"http://127.0.0.1:8080/api/v4/internal/allowed"}}"#
            ),
            "POST /api/v4/internal/allowed",
            74.104,
        ),
        (
            "gitaly/current",
            format!(
                r#"{{"method":"POST","url":"http://127.0.0.1:8080/api/v4/internal/pre_receive","duration":0.031022552,"level":"info","msg":"finished HTTP request","time":"{T}"}}"#
            ),
            "POST /api/v4/internal/pre_receive",
            31.022552,
        ),
        (
            "gitaly/current",
            format!(
                r#"{{"grpc.code":"OK","grpc.method":"FindCommit","grpc.time_ms":1.5,"level":"info","msg":"finished","time":"{T}"}}"#
            ),
            "FindCommit",
            1.5,
        ),
        (
            "gitlab-rails/api_json.log",
            format!(
                r#"{{"time":"{T}","duration":709.08,"status":200,"method":"GET","path":"/api/v4/projects","route":"/api/:version/projects"}}"#
            ),
            "/api/:version/projects",
            709.08,
        ),
        (
            "gitlab-rails/production_json.log",
            format!(
                r#"{{"time":"{T}","controller":"A","action":"b","status":200,"duration_s":0.25}}"#
            ),
            "A#b",
            250.0,
        ),
        (
            "sidekiq/current",
            format!(
                r#"{{"time":"{T}","class":"W","job_status":"done","duration":0.139,"jid":"06aeaa3b0aadacf9981f368e"}}"#
            ),
            "W",
            139.0,
        ),
        (
            "gitlab-workhorse/current",
            format!(
                r#"{{"duration_ms":12.5,"level":"info","method":"GET","msg":"access","status":200,"time":"{T}","uri":"/x","route":"^/x"}}"#
            ),
            "^/x",
            12.5,
        ),
        (
            "gitlab-shell/gitlab-shell.log",
            format!(
                r#"{{"duration_ms":8.25,"level":"info","method":"POST","msg":"Finished HTTP request","status":200,"time":"{T}","url":"http://127.0.0.1:8080/api/v4/internal/allowed"}}"#
            ),
            "POST /api/v4/internal/allowed",
            8.25,
        ),
        (
            "gitlab-rails/graphql_json.log",
            format!(r#"{{"severity":"INFO","time":"{T}","message":"graphql","duration_s":0.5}}"#),
            "graphql",
            500.0,
        ),
    ];
    let mut by_file: BTreeMap<&str, String> = BTreeMap::new();
    for (path, line, _, _) in cases {
        let f = by_file.entry(path).or_default();
        f.push_str(line);
        f.push('\n');
    }
    for (path, text) in &by_file {
        dir.write(&format!("b/{path}"), text);
    }
    let v = json_of(
        &dir,
        &["summary", "b", "--format", "json", "--limit", "0", "--raw"],
        None,
    );
    for (path, _, key, ms) in cases {
        let row = v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["log"] == format!("b/{path}").as_str() || s["log"] == *path)
            .flat_map(|s| s["rows"].as_array().unwrap())
            .find(|r| r["key"] == *key)
            .unwrap_or_else(|| panic!("{path}: no row {key} in {:#}", v["sections"]));
        let got = row["max_ms"]
            .as_f64()
            .unwrap_or_else(|| panic!("{path} {key}: no duration"));
        assert!((got - ms).abs() < 1e-3, "{path} {key}: {got} vs {ms}");
    }
}

fn production_lines() -> String {
    let mut s = String::new();
    for i in 0..6 {
        s.push_str(&format!(
            r#"{{"method":"GET","path":"/g/p/-/issues/{i}","controller":"Projects::IssuesController","action":"show","status":200,"time":"{T}","duration_s":0.1}}"#
        ));
        s.push('\n');
    }
    // Requests that never reached a controller.
    for _ in 0..2 {
        s.push_str(&format!(
            r#"{{"method":"GET","path":"/favicon.ico","controller":null,"action":null,"status":404,"time":"{T}","duration_s":0.01}}"#
        ));
        s.push('\n');
    }
    s
}

/// production_json from stdin or under another name: a `controller: null`
/// line joins the file's kind (most of its lines), not a section of its own.
#[test]
fn a_line_that_says_nothing_joins_its_files_kind() {
    let dir = TempDir::new("coverage-kind");
    let text = production_lines();
    let from_stdin = json_of(
        &dir,
        &["summary", "-", "--format", "json", "--limit", "0", "--raw"],
        Some(text.as_bytes()),
    );
    dir.write("renamed.txt", &text);
    let renamed = json_of(
        &dir,
        &[
            "summary",
            "renamed.txt",
            "--format",
            "json",
            "--limit",
            "0",
            "--raw",
        ],
        None,
    );
    for v in [&from_stdin, &renamed] {
        let sections = v["sections"].as_array().unwrap();
        let kinds: Vec<&str> = sections
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["production_json"], "{v:#}");
        assert_eq!(sections[0]["total"]["count"], 8);
        assert!(sections[0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "/favicon.ico" && r["count"] == 2));
    }
    // kubesos pod logs mix kinds in one file, told apart by `subcomponent`;
    // a line there that tells nothing joins the file's majority.
    let pod = "gitlab-webservice-default-7d9f-x2v9q";
    let mut kube = String::new();
    for i in 0..5 {
        kube.push_str(&format!(
            r#"{pod} {{"component":"gitlab","subcomponent":"api_json","time":"{T}","severity":"INFO","duration_s":0.2,"status":200,"method":"GET","path":"/api/v4/projects","route":"/api/:version/projects","n":{i}}}"#
        ));
        kube.push('\n');
    }
    kube.push_str(&format!(
        r#"{pod} {{"component":"gitlab","subcomponent":"production_json","time":"{T}","controller":"A","action":"b","status":200,"duration_s":0.1}}"#
    ));
    kube.push('\n');
    kube.push_str(&format!(
        r#"{pod} {{"time":"{T}","method":"GET","path":"/api/v4/version","status":200,"duration_s":0.05}}"#
    ));
    kube.push('\n');
    dir.write("kubesos/webservice.log", &kube);
    let v = json_of(
        &dir,
        &[
            "summary", "kubesos", "--format", "json", "--limit", "0", "--raw",
        ],
        None,
    );
    let counts: BTreeMap<&str, u64> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap(),
                s["total"]["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([("api_json", 6), ("production_json", 1)]),
        "{v:#}"
    );
}
