//! `summary`, `errors`, `top`, `trace`, `compare` on a generated bundle
//! (`airlock::corpus::logs`) whose ground truth the tests turn into expected
//! figures on their own: counts and %FAIL exactly, percentiles interpolated
//! linearly between the closest ranks (numpy's default, as fast-stats),
//! population standard deviation.

use std::collections::{BTreeMap, HashMap};

use airlock::corpus::logs::{gitlab_bundle, Bundle, Truth};
use serde_json::Value;

use super::util::{airlock, assert_no_secret, run, TempDir};

const ROOT: &str = "gitlabsos.gitlab01_20261120134410";

fn write_bundle(dir: &TempDir, b: &Bundle) -> std::path::PathBuf {
    for (p, bytes) in &b.files {
        dir.write(&format!("{ROOT}/{p}"), bytes);
    }
    dir.path().join(ROOT)
}

fn json_of(dir: &TempDir, args: &[&str]) -> Value {
    let r = run(dir, airlock(dir).args(args), None).expect_code(0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON: {e}\n{}", r.describe()))
}

/// The p-th percentile of sorted values: rank h = (n − 1)·p/100, linear
/// between the values at ⌊h⌋ and ⌈h⌉.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Per key: (count, failures, durations).
type Keys = BTreeMap<String, (u64, u64, Vec<f64>)>;

/// Expected rows per (log, kind) → key.
fn expected(truth: &[Truth]) -> BTreeMap<(String, String), Keys> {
    let mut m: BTreeMap<(String, String), Keys> = BTreeMap::new();
    for t in truth {
        let e = m
            .entry((t.log.clone(), t.kind.to_string()))
            .or_default()
            .entry(t.key.clone())
            .or_default();
        e.0 += 1;
        e.1 += t.failed as u64;
        if let Some(d) = t.duration_ms {
            e.2.push(d);
        }
    }
    m
}

#[test]
fn summary_json_matches_ground_truth() {
    let dir = TempDir::new("summary-truth");
    let b = gitlab_bundle(11, 1500);
    let root = write_bundle(&dir, &b);
    let v = json_of(
        &dir,
        &[
            "summary",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "0",
        ],
    );
    let sections = v["sections"].as_array().expect("sections");
    let want = expected(&b.truth);
    assert!(
        want.len() >= 13,
        "generator covers the kinds: {:?}",
        want.keys()
    );
    let mut sketched = 0;
    for ((log, kind), keys) in &want {
        let sec = sections
            .iter()
            .find(|s| s["log"] == log.as_str() && s["kind"] == kind.as_str())
            .unwrap_or_else(|| panic!("no section {log} {kind} in {:#}", v["sections"]));
        let rows = sec["rows"].as_array().unwrap();
        assert_eq!(
            rows.len(),
            keys.len(),
            "{log} {kind}: keys {:?}",
            rows.iter().map(|r| &r["key"]).collect::<Vec<_>>()
        );
        for (key, (count, fails, durs)) in keys {
            let row = rows
                .iter()
                .find(|r| r["key"] == key.as_str())
                .unwrap_or_else(|| panic!("{log} {kind}: no row {key}"));
            let ctx = format!("{log} {kind} {key}");
            assert_eq!(row["count"].as_u64(), Some(*count), "{ctx}");
            let fail_pct = (100.0 * *fails as f64 / *count as f64 * 100.0).round() / 100.0;
            assert_eq!(num(&row["fail_pct"]), Some(fail_pct), "{ctx}");
            if durs.is_empty() {
                assert!(row["p99_ms"].is_null() && row["score"].is_null(), "{ctx}");
                continue;
            }
            let mut s = durs.clone();
            s.sort_by(f64::total_cmp);
            // Exact up to 1,024 values per key; above, the sketch's stated
            // bound: within 1 % of the true value.
            let exact = s.len() <= airlock::summary::stats::EXACT_MAX;
            let tol = |want: f64| {
                if exact {
                    1e-3
                } else {
                    want * airlock::summary::stats::ALPHA + 1e-3
                }
            };
            for (field, p) in [("p99_ms", 99.0), ("p95_ms", 95.0), ("median_ms", 50.0)] {
                let got = num(&row[field]).unwrap();
                let want = percentile(&s, p);
                assert!(
                    close(got, want, tol(want)),
                    "{ctx} {field}: {got} vs {want} (exact: {exact})"
                );
            }
            assert!(
                close(num(&row["max_ms"]).unwrap(), *s.last().unwrap(), 1e-3),
                "{ctx} max"
            );
            assert!(close(num(&row["min_ms"]).unwrap(), s[0], 1e-3), "{ctx} min");
            let mean = s.iter().sum::<f64>() / s.len() as f64;
            let sd = (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
            assert!(
                close(num(&row["stddev_ms"]).unwrap(), sd, 1e-3 + sd * 1e-9),
                "{ctx} stddev"
            );
            let score = *count as f64 * percentile(&s, 99.0);
            assert!(
                close(num(&row["score"]).unwrap(), score, 0.1 + tol(score)),
                "{ctx} score"
            );
            if !exact {
                sketched += 1;
            }
        }
        // Default order: SCORE descending (COUNT where there are no durations).
        let scores: Vec<f64> = rows
            .iter()
            .map(|r| num(&r["score"]).unwrap_or(r["count"].as_f64().unwrap()))
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{log} {kind} not sorted by score: {scores:?}"
        );
    }
    assert!(sketched > 0, "no key exercised the sketch");
    // RPS of production_json: count over the seconds between first and last
    // event of the log (both files of the rotated log together).
    let pj = sections
        .iter()
        .find(|s| {
            s["kind"] == "production_json"
                && s["log"].as_str().unwrap().ends_with("production_json.log")
        })
        .unwrap();
    let span = num(&pj["span_s"]).unwrap();
    // Means something: zero rows would pass the loop.
    assert!(pj["rows"].as_array().unwrap().len() > 1, "{pj}");
    for row in pj["rows"].as_array().unwrap() {
        let rps = row["count"].as_f64().unwrap() / span;
        assert!(close(num(&row["rps"]).unwrap(), rps, 1e-4), "rps {row}");
    }
    assert!(span > 30_000.0 && span < 36_001.0, "span {span}");
    // Overview from the command outputs.
    let o = &v["overview"];
    assert_eq!(o["gitlab_version"], "gitlab-ee 16.11.2");
    assert_eq!(o["host"]["cpus"], 2);
    assert_eq!(o["host"]["mem_total_mb"], 15987);
    assert_eq!(o["services"].as_array().unwrap().len(), 3);
    assert_eq!(o["services"][2]["state"], "down");
    let gz = o["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().ends_with(".1.gz"))
        .expect("rotated gzip listed");
    assert_eq!(gz["compressed"], true);
    assert!(gz["lines"].as_u64().unwrap() >= 150);
}

#[test]
fn limit_sort_and_interval_flags() {
    let dir = TempDir::new("summary-flags");
    let b = gitlab_bundle(12, 300);
    let root = write_bundle(&dir, &b);
    let root = root.to_str().unwrap();
    let v = json_of(
        &dir,
        &[
            "summary",
            root,
            "--format",
            "json",
            "--limit",
            "2",
            "--sort-by",
            "count",
            "--interval",
            "1h",
        ],
    );
    let sections = v["sections"].as_array().unwrap();
    // Means something: sections with more keys than the limit were cut.
    assert!(
        sections
            .iter()
            .filter(|s| s["more"].as_u64() > Some(0))
            .count()
            > 1,
        "no section was cut by --limit 2"
    );
    for s in sections {
        let rows = s["rows"].as_array().unwrap();
        assert!(rows.len() <= 2);
        let counts: Vec<u64> = rows.iter().map(|r| r["count"].as_u64().unwrap()).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
        assert_eq!(s["timeline"]["interval_s"], 3600);
    }
    // Failures over time add up to the failures of all logs.
    let total: u64 = b.truth.iter().filter(|t| t.failed).count() as u64;
    let tl = &v["timeline"];
    let fails_in_tl: u64 = tl["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["fails"].as_u64().unwrap())
        .sum();
    // Non-request failures (postgres ERROR lines, production.log exception
    // lines) are failures too but have no truth row.
    let extra = b
        .error_classes
        .iter()
        .filter(|(k, _)| *k == "postgresql" || *k == "production_log")
        .count() as u64;
    assert_eq!(fails_in_tl, total + extra);
    assert!(tl["sparkline"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| ('▁'..='█').contains(&c)));
    let bad = run(
        &dir,
        airlock(&dir).args(["summary", root, "--interval", "5x"]),
        None,
    )
    .expect_code(2);
    assert!(bad.stderr.contains("--interval"), "{}", bad.describe());
}

#[test]
fn reports_print_no_planted_identifier_or_credential() {
    let dir = TempDir::new("summary-private");
    let b = gitlab_bundle(13, 400);
    let root = write_bundle(&dir, &b);
    let root_s = root.to_str().unwrap();
    let parent = dir.path().to_str().unwrap();
    for cmd in [
        vec!["summary", parent],
        vec!["errors", root_s],
        vec!["top", root_s],
        vec!["trace", &b.trace_id, root_s],
    ] {
        for format in ["text", "markdown", "json", "html"] {
            let mut args = cmd.clone();
            args.extend(["--format", format, "--limit", "0"]);
            let r = run(&dir, airlock(&dir).args(&args), None).expect_code(0);
            assert_no_secret(&r.stdout, &b.secrets, &format!("{args:?}"));
            assert!(r.stdout.len() > 200, "{}", r.describe());
        }
    }
    // Pseudonyms are consistent: the same user has the same name in the top
    // table of every log.
    let v = json_of(&dir, &["top", root_s, "--format", "json", "--limit", "0"]);
    let users: Vec<&str> = v["top"][0]["users"]["by_count"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert!(
        users
            .iter()
            .all(|u| u.starts_with("user-") && u.len() == 13),
        "{users:?}"
    );
    // --raw shows originals (for the customer's side).
    let raw = run(&dir, airlock(&dir).args(["top", root_s, "--raw"]), None).expect_code(0);
    assert!(
        b.secrets
            .iter()
            .take(6)
            .all(|u| raw.stdout.contains(u.as_str())),
        "{}",
        raw.describe()
    );
}

#[test]
fn top_counts_per_user_project_and_ip() {
    let dir = TempDir::new("top");
    let b = gitlab_bundle(14, 600);
    let root = write_bundle(&dir, &b);
    let v = json_of(
        &dir,
        &[
            "top",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "0",
            "--raw",
        ],
    );
    let sec = v["top"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "api_json" && s["log"].as_str().unwrap().contains("gitlab-rails"))
        .unwrap();
    let mut users: HashMap<String, (u64, f64)> = HashMap::new();
    let mut projects: HashMap<String, u64> = HashMap::new();
    for t in b
        .truth
        .iter()
        .filter(|t| t.kind == "api_json" && t.log.contains("gitlab-rails"))
    {
        let e = users.entry(t.user.clone().unwrap()).or_default();
        e.0 += 1;
        e.1 += t.duration_ms.unwrap();
        *projects.entry(t.project.clone().unwrap()).or_default() += 1;
    }
    let rows = sec["users"]["by_count"].as_array().unwrap();
    assert_eq!(rows.len(), users.len());
    for r in rows {
        let (c, ms) = users[r["value"].as_str().unwrap()];
        assert_eq!(r["count"].as_u64(), Some(c));
        assert!(close(r["total_ms"].as_f64().unwrap(), ms, 0.01), "{r}");
    }
    let counts: Vec<u64> = rows.iter().map(|r| r["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
    let d: Vec<f64> = sec["users"]["by_duration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["total_ms"].as_f64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] >= w[1]));
    assert!(!projects.is_empty());
    assert_eq!(
        sec["projects"]["by_count"].as_array().unwrap().len(),
        projects.len()
    );
    for r in sec["projects"]["by_count"].as_array().unwrap() {
        assert_eq!(
            r["count"].as_u64(),
            Some(projects[r["value"].as_str().unwrap()]),
            "{r}"
        );
    }
    // remote_ip "a, 127.0.0.1": the first address is the client.
    assert!(sec["ips"]["by_count"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| !r["value"].as_str().unwrap().contains(',')));
}

#[test]
fn errors_group_by_class_and_message() {
    let dir = TempDir::new("errors");
    let b = gitlab_bundle(15, 500);
    let root = write_bundle(&dir, &b);
    let v = json_of(
        &dir,
        &[
            "errors",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "0",
        ],
    );
    let groups = v["errors"]["groups"].as_array().unwrap();
    let mut want: HashMap<(String, String), u64> = HashMap::new();
    for (k, c) in &b.error_classes {
        *want.entry((k.to_string(), c.clone())).or_default() += 1;
    }
    for ((kind, class), n) in &want {
        let got: u64 = groups
            .iter()
            .filter(|g| g["kind"] == kind.as_str() && g["class"] == class.as_str())
            .map(|g| g["count"].as_u64().unwrap())
            .sum();
        assert_eq!(got, *n, "{kind} {class}");
    }
    // Messages that differ only in ids, users and IPs fold into one group.
    let blocked: Vec<&Value> = groups
        .iter()
        .filter(|g| g["class"] == "Gitlab::HTTP::BlockedUrlError")
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(blocked[0]["correlation_id"].is_string());
    // gRPC codes add up to the gitaly calls; Sidekiq failures by worker.
    let calls = b.truth.iter().filter(|t| t.kind == "gitaly").count() as u64;
    let codes: u64 = v["errors"]["grpc_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(codes, calls);
    let sk_fail = b
        .truth
        .iter()
        .filter(|t| t.kind == "sidekiq" && t.failed)
        .count() as u64;
    let got: u64 = v["errors"]["sidekiq_failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(got, sk_fail);
}

#[test]
fn trace_follows_one_request_across_logs() {
    let dir = TempDir::new("trace");
    let b = gitlab_bundle(16, 200);
    let root = write_bundle(&dir, &b);
    let v = json_of(
        &dir,
        &[
            "trace",
            &b.trace_id,
            root.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let hits = v["trace"]["hits"].as_array().unwrap();
    assert_eq!(hits.len(), b.trace_lines, "{hits:#?}");
    let files: Vec<&str> = hits.iter().map(|h| h["file"].as_str().unwrap()).collect();
    for f in [
        "gitlab-workhorse/current",
        "api_json.log",
        "gitaly/current",
        "sidekiq/current",
        "production_json.log.1.gz",
    ] {
        assert!(files.iter().any(|x| x.ends_with(f)), "{f} not in {files:?}");
    }
    let times: Vec<&str> = hits.iter().map(|h| h["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let none = run(
        &dir,
        airlock(&dir).args(["trace", "NoSuchCorrelationId", root.to_str().unwrap()]),
        None,
    );
    assert_eq!(none.code, 1, "{}", none.describe());
}

#[test]
fn compare_shows_changes() {
    let dir = TempDir::new("compare");
    let a = gitlab_bundle(17, 300);
    let b = gitlab_bundle(18, 600);
    for (p, bytes) in &a.files {
        dir.write(&format!("a/{p}"), bytes);
    }
    for (p, bytes) in &b.files {
        dir.write(&format!("b/{p}"), bytes);
    }
    let (pa, pb) = (dir.path().join("a"), dir.path().join("b"));
    let v = json_of(
        &dir,
        &[
            "compare",
            pa.to_str().unwrap(),
            pb.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "0",
        ],
    );
    let sec = v["compare"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "sidekiq")
        .unwrap();
    let count = |bun: &Bundle, key: &str| {
        bun.truth
            .iter()
            .filter(|t| t.kind == "sidekiq" && t.key == key)
            .count() as i64
    };
    // Means something: zero rows would pass the loop.
    assert!(sec["rows"].as_array().unwrap().len() > 1, "{sec}");
    for row in sec["rows"].as_array().unwrap() {
        let k = row["key"].as_str().unwrap();
        assert_eq!(
            row["delta"]["count"].as_f64(),
            Some((count(&b, k) - count(&a, k)) as f64),
            "{row}"
        );
        let p95 = |bun: &Bundle| {
            let mut d: Vec<f64> = bun
                .truth
                .iter()
                .filter(|t| t.kind == "sidekiq" && t.key == k)
                .filter_map(|t| t.duration_ms)
                .collect();
            d.sort_by(f64::total_cmp);
            percentile(&d, 95.0)
        };
        assert!(
            close(
                row["delta"]["p95_ms"].as_f64().unwrap(),
                p95(&b) - p95(&a),
                2e-3
            ),
            "{row}"
        );
    }
    let same = json_of(
        &dir,
        &[
            "compare",
            pa.to_str().unwrap(),
            pa.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "0",
        ],
    );
    let mut rows = 0;
    for s in same["compare"]["sections"].as_array().unwrap() {
        for r in s["rows"].as_array().unwrap() {
            rows += 1;
            for (field, d) in r["delta"].as_object().unwrap() {
                assert!(d.is_null() || d.as_f64() == Some(0.0), "{field} {r}");
            }
            assert_eq!(r["delta"]["count"].as_f64(), Some(0.0), "{r}");
        }
    }
    assert!(rows > 10, "{rows} rows compared");
}

#[test]
fn stdin_and_gzip_give_the_same_figures() {
    let dir = TempDir::new("stdin");
    let b = gitlab_bundle(19, 300);
    let (_, api) = b
        .files
        .iter()
        .find(|(p, _)| p.ends_with("api_json.log"))
        .unwrap();
    let from_stdin = run(
        &dir,
        airlock(&dir).args(["summary", "-", "--format", "json", "--limit", "0"]),
        Some(api),
    )
    .expect_code(0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, api).unwrap();
    dir.write("svlogd/@4000000068e1a2b30c1d2e3f.s", gz.finish().unwrap());
    let from_gz = json_of(
        &dir,
        &["summary", "svlogd", "--format", "json", "--limit", "0"],
    );
    let a: Value = serde_json::from_str(&from_stdin.stdout).unwrap();
    assert_eq!(a["sections"][0]["kind"], "api_json");
    assert_eq!(a["sections"][0]["rows"], from_gz["sections"][0]["rows"]);
    let n = b
        .truth
        .iter()
        .filter(|t| t.kind == "api_json" && t.log.contains("gitlab-rails"))
        .count() as u64;
    assert_eq!(a["sections"][0]["total"]["count"].as_u64(), Some(n));
}

#[test]
fn html_report_is_self_contained() {
    let dir = TempDir::new("html");
    let b = gitlab_bundle(20, 300);
    let root = write_bundle(&dir, &b);
    let out = dir.path().join("report.html");
    run(
        &dir,
        airlock(&dir).args([
            "summary",
            root.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
        ]),
        None,
    )
    .expect_code(0);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in [
        "<table class=\"sortable\"",
        "<svg",
        "<script>",
        "Content-Security-Policy",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // No network: no external resources of any kind; links only to
    // anchors of the page itself.
    for bad in ["src=", "<link", "@import", "url(", "<iframe", "<object"] {
        assert!(!html.contains(bad), "found {bad}");
    }
    for (i, _) in html.match_indices("href=") {
        assert!(
            html[i..].starts_with("href=\"#"),
            "external link: {}",
            &html[i..i + 40]
        );
    }
    assert_no_secret(&html, &b.secrets, "html report");
    check_html_shape(&html);
}

/// The page's navigation and charts: a table of contents that links every
/// section, honest scales, wrapping at separators, down services marked.
fn check_html_shape(html: &str) {
    // Table of contents: one link per <h2>, each to an id that exists.
    let h2_ids: Vec<&str> = html
        .match_indices("<h2 id=\"")
        .map(|(i, _)| {
            let rest = &html[i + 8..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert!(h2_ids.len() >= 10, "{h2_ids:?}");
    let nav = &html[html
        .find("<nav class=\"toc\">")
        .expect("a table of contents")..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    for id in &h2_ids {
        assert!(nav.contains(&format!("href=\"#{id}\"")), "no link to {id}");
    }
    // Charts: each bucket's failure bar is its share of the events bar (one
    // scale): red height / blue height = failed / events.
    let mut checked = 0;
    for svg in html.split("<svg").skip(1) {
        let svg = &svg[..svg.find("</svg>").unwrap()];
        let rects: Vec<(f64, &str, &str)> = svg
            .split("<rect ")
            .skip(1)
            .map(|r| {
                let attr = |name: &str| {
                    let i = r.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                    &r[i..i + r[i..].find('"').unwrap()]
                };
                let title = &r[r.find("<title>").unwrap() + 7..r.find("</title>").unwrap()];
                (attr("height").parse::<f64>().unwrap(), attr("fill"), title)
            })
            .collect();
        for pair in rects.windows(2) {
            let ((eh, blue, title), (fh, red, t2)) = (pair[0], pair[1]);
            if blue != "#c9d7f2" || red != "#d1242f" || title != t2 {
                continue;
            }
            // "<start>: E events, F failed (P%)"
            let nums: Vec<f64> = title
                .split(": ")
                .nth(1)
                .unwrap()
                .split(' ')
                .filter_map(|w| w.parse().ok())
                .collect();
            let (events, failed) = (nums[0], nums[1]);
            assert!(
                (fh / eh - failed / events).abs() < 0.02,
                "{title}: red {fh} / blue {eh} is not {failed}/{events}"
            );
            checked += 1;
        }
    }
    assert!(checked > 5, "no bucket with failures checked");
    assert!(html.contains("same scale"));
    // Long names wrap at separators, never anywhere in a word.
    assert!(!html.contains("overflow-wrap:anywhere"));
    assert!(html.contains("/<wbr>"));
    // The generated bundle's sidekiq is down: said, and its row marked.
    assert!(html.contains("<p class=\"alert\">Not running: sidekiq (down).</p>"));
    let marked = &html[html.find("<tr class=\"down\">").expect("a marked row")..];
    assert!(marked[..marked.find("</tr>").unwrap()].contains("<td>sidekiq</td>"));
}

/// GitLab's documented example lines (../shared/corpora), one file per
/// `### <file>` heading: every kind is recognised, and every line that is a
/// log line parses.
#[test]
fn documented_examples_are_recognised() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora/gitlab-docs/examples_raw.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        super::util::skip(
            "documented_examples_are_recognised",
            &format!(
                "{} not found (corpora are outside the repository)",
                path.display()
            ),
        );
        return;
    };
    let dir = TempDir::new("examples");
    let mut names = Vec::new();
    for part in text.split("\n### ").map(|p| p.trim_start_matches("### ")) {
        let (head, body) = part.split_once('\n').unwrap_or((part, ""));
        let name = head
            .split_whitespace()
            .find(|w| w.contains(".log") || w.contains("/current"))
            .unwrap_or(head);
        let sub = if head.contains("(json)") {
            "json/"
        } else if head.contains("(text)") {
            "text/"
        } else {
            ""
        };
        let rel = format!("{sub}{name}");
        dir.write(&format!("tree/{rel}"), body);
        names.push(rel);
    }
    assert!(names.len() >= 25, "{names:?}");
    let v = json_of(
        &dir,
        &["summary", "tree", "--format", "json", "--limit", "0"],
    );
    let files = v["overview"]["files"].as_array().unwrap();
    let mut unrecognised = Vec::new();
    for n in &names {
        let f = files
            .iter()
            .find(|f| f["name"] == n.as_str())
            .unwrap_or_else(|| panic!("{n} not read"));
        if f["kinds"].as_array().unwrap().is_empty() || f["unparsed"].as_u64() != Some(0) {
            unrecognised.push(n.as_str());
        }
    }
    // The nginx heading holds the log_format template, not a log line.
    assert_eq!(unrecognised, ["gitlab_access.log"]);
}

#[test]
fn a_tar_gz_bundle_reads_like_its_directory() {
    let dir = TempDir::new("summary-targz");
    let b = super::bundle_gen::gitlabsos(21);
    for (n, d) in b.entries() {
        dir.write(&format!("tree/{n}"), d);
    }
    dir.write("bundle.tar.gz", b.tar_gz());
    let tree = json_of(
        &dir,
        &[
            "summary", "tree", "--format", "json", "--raw", "--limit", "0",
        ],
    );
    let tgz = json_of(
        &dir,
        &[
            "summary",
            "bundle.tar.gz",
            "--format",
            "json",
            "--raw",
            "--limit",
            "0",
        ],
    );
    assert!(!tree["sections"].as_array().unwrap().is_empty());
    assert_eq!(tree["sections"], tgz["sections"]);
    // The rotated member inside the archive is read (decompressed) too.
    let files = tgz["overview"]["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["name"]
        .as_str()
        .unwrap()
        .ends_with("production_json.log.1.gz")
        && f["compressed"] == true));
    assert!(files.iter().any(|f| f["name"]
        .as_str()
        .unwrap()
        .contains("kubesos-20261120.tar.gz!kubesos/webservice.log")));
}
