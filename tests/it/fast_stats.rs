//! fast-stats' definitions, checked against its own published output and
//! against computations written here: percentiles interpolated between the
//! closest ranks, population STDDEV, SCORE = COUNT × P99, RPS not defined
//! over a zero-length span, per-interval tables, `--print-fields`.

use serde_json::Value;

use super::util::{airlock, run, TempDir};

/// One Gitaly line per duration, all for `method`, one second apart.
fn gitaly_log(method: &str, durations: &[f64]) -> String {
    durations
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!(
                r#"{{"grpc.code":"OK","grpc.method":"{method}","grpc.service":"gitaly.RepositoryService","grpc.time_ms":{d},"level":"info","msg":"finished unary call with code OK","time":"2026-11-20T13:00:{:02}.000Z"}}"#,
                i % 60
            ) + "\n"
        })
        .collect()
}

fn summary_json(dir: &TempDir, file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["summary", file, "--format", "json", "--limit", "0"];
    args.extend(extra);
    let r = run(dir, airlock(dir).args(&args), None).expect_code(0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.describe()))
}

/// omnibus-gitlab MR 8618 shows fast-stats' output for a Gitaly log: `Fsck`,
/// COUNT 4, P99 591534.8, P95 518360.3, MEDIAN 27.9, STDDEV 264053.5,
/// SCORE 2366139.2. The four durations are not shown; they follow from the
/// figures if percentiles are interpolated at rank (n − 1)·p:
/// P99 = x₂ + 0.97·(x₃ − x₂), P95 = x₂ + 0.85·(x₃ − x₂), MEDIAN = (x₁ + x₂)/2,
/// and the population STDDEV fixes x₀ (a quadratic with one root in
/// [0, x₁]). That such durations exist, sorted and non-negative, is the
/// consistency check; airlock must then print the published figures.
#[test]
fn mr_8618_gitaly_fsck_figures() {
    let (p99, p95, median, stddev) = (591_534.8_f64, 518_360.3_f64, 27.9_f64, 264_053.5_f64);
    let span = (p99 - p95) / (0.97 - 0.85);
    let x2 = p95 - 0.85 * span;
    let x3 = x2 + span;
    let x1 = 2.0 * median - x2;
    // 16·Var = 4·Σx² − (Σx)², with x₀ unknown: 3x₀² − 2·S1·x₀ + (4·S2 − S1² − 16·Var) = 0.
    let (s1, s2) = (x1 + x2 + x3, x1 * x1 + x2 * x2 + x3 * x3);
    let (a, b, c) = (3.0, -2.0 * s1, 4.0 * s2 - s1 * s1 - 16.0 * stddev * stddev);
    let disc = b * b - 4.0 * a * c;
    assert!(disc >= 0.0, "no x0 gives that STDDEV");
    let roots = [
        (-b - disc.sqrt()) / (2.0 * a),
        (-b + disc.sqrt()) / (2.0 * a),
    ];
    let in_range: Vec<f64> = roots
        .into_iter()
        .filter(|r| (0.0..=x1).contains(r))
        .collect();
    assert_eq!(in_range.len(), 1, "roots {roots:?}, x1 {x1}");
    let x0 = in_range[0];
    // Gitaly logs grpc.time_ms with three decimals.
    let xs: Vec<f64> = [x0, x1, x2, x3]
        .iter()
        .map(|v| (v * 1000.0).round() / 1000.0)
        .collect();
    assert!(
        xs.windows(2).all(|w| w[0] <= w[1]) && xs[0] >= 0.0,
        "{xs:?}"
    );
    assert_eq!(xs, [13.165, 14.875, 40.925, 609_828.425]);

    let dir = TempDir::new("mr8618");
    // Shuffled: the order of lines must not matter.
    dir.write(
        "gitaly/current",
        gitaly_log("Fsck", &[xs[2], xs[0], xs[3], xs[1]]),
    );
    let v = summary_json(&dir, "gitaly/current", &[]);
    let row = &v["sections"][0]["rows"][0];
    assert_eq!(row["key"], "Fsck");
    assert_eq!(row["count"], 4);
    let one = |f: &str| format!("{:.1}", row[f].as_f64().unwrap());
    assert_eq!(one("p99_ms"), "591534.8");
    assert_eq!(one("p95_ms"), "518360.3");
    assert_eq!(one("median_ms"), "27.9");
    assert_eq!(one("stddev_ms"), "264053.5");
    assert_eq!(one("score"), "2366139.2");
    // The text table prints them as fast-stats does.
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "gitaly/current"]),
        None,
    )
    .expect_code(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Fsck "))
        .unwrap_or_else(|| panic!("{}", r.describe()));
    let cells: Vec<&str> = line.split_whitespace().collect();
    // KEY COUNT RPS P99 P95 MEDIAN MAX MIN STDDEV SCORE %FAIL
    assert_eq!(
        [cells[3], cells[4], cells[5], cells[8], cells[9]],
        ["591534.8", "518360.3", "27.9", "264053.5", "2366139.2"],
        "{line}"
    );
}

/// The same source's two-value row: 85.4 and 110.5 ms printed as P99 110.2
/// and P95 109.2, where nearest rank gives 110.5 for both. (Its MEDIAN, 97.9,
/// is 97.95 rounded: the durations are themselves shown rounded to 0.1 ms;
/// 85.43 and 110.46 print as 85.4 and 110.5 and give all three figures.)
#[test]
fn two_values_interpolate_not_nearest_rank() {
    let dir = TempDir::new("two-values");
    dir.write("gitaly/current", gitaly_log("FindCommit", &[110.46, 85.43]));
    let v = summary_json(&dir, "gitaly/current", &[]);
    let row = &v["sections"][0]["rows"][0];
    let one = |f: &str| format!("{:.1}", row[f].as_f64().unwrap());
    assert_eq!(
        [
            one("p99_ms"),
            one("p95_ms"),
            one("median_ms"),
            one("min_ms"),
            one("max_ms")
        ],
        ["110.2", "109.2", "97.9", "85.4", "110.5"]
    );
}

/// RPS is COUNT over the seconds between the log's first and last event;
/// when they are the same instant it is not defined (null, `-`), not COUNT.
#[test]
fn rps_over_a_zero_length_span_is_not_defined() {
    let dir = TempDir::new("rps-zero");
    let same_second: String = (0..3)
        .map(|_| {
            r#"{"time":"2026-11-20T13:00:00.000Z","severity":"INFO","duration_s":0.1,"status":200,"method":"GET","path":"/api/v4/projects","route":"/api/:version/projects"}"#
                .to_string()
                + "\n"
        })
        .collect();
    dir.write("api_json.log", &same_second);
    let v = summary_json(&dir, "api_json.log", &[]);
    let sec = &v["sections"][0];
    assert!(sec["span_s"].is_null(), "{sec}");
    assert!(sec["rows"][0]["rps"].is_null(), "{sec}");
    assert_eq!(sec["rows"][0]["count"], 3);
    let r = run(&dir, airlock(&dir).args(["summary", "api_json.log"]), None).expect_code(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("/api/:version/projects"))
        .unwrap();
    assert_eq!(line.split_whitespace().nth(2), Some("-"), "{line}");
    // Ten seconds apart: 3 / 10.
    let spread = same_second.replacen("13:00:00.000Z", "13:00:10.000Z", 1);
    dir.write("api_json.log", &spread);
    let v = summary_json(&dir, "api_json.log", &[]);
    assert_eq!(v["sections"][0]["rows"][0]["rps"].as_f64(), Some(0.3));
}

/// `--print-fields` chooses the columns and their order; KEY stays first.
#[test]
fn print_fields_select_and_order_columns() {
    let dir = TempDir::new("print-fields");
    dir.write("gitaly/current", gitaly_log("Fsck", &[1.0, 2.0, 3.0, 4.0]));
    let r = run(
        &dir,
        airlock(&dir).args([
            "summary",
            "gitaly/current",
            "--print-fields",
            "score,count,p99",
        ]),
        None,
    )
    .expect_code(0);
    let header = r
        .stdout
        .lines()
        .find(|l| l.starts_with("KEY "))
        .unwrap_or_else(|| panic!("{}", r.describe()));
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["KEY", "SCORE", "COUNT", "P99_ms"]
    );
    let row = r.stdout.lines().find(|l| l.starts_with("Fsck ")).unwrap();
    // P99 of 1..4: 3 + 0.97 = 3.97; SCORE 4 × 3.97.
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["Fsck", "15.9", "4", "4.0"]
    );
    let md = run(
        &dir,
        airlock(&dir).args([
            "summary",
            "gitaly/current",
            "--print-fields",
            "median",
            "--format",
            "markdown",
        ]),
        None,
    )
    .expect_code(0);
    assert!(
        md.stdout.contains("| KEY | MEDIAN\\_ms |"),
        "{}",
        md.describe()
    );
    let bad = run(
        &dir,
        airlock(&dir).args(["summary", "gitaly/current", "--print-fields", "p98"]),
        None,
    )
    .expect_code(2);
    assert!(bad.stderr.contains("p98"), "{}", bad.describe());
}

/// `compare`: a key on one side only is absent on the other, not zero; its
/// deltas are not defined. Every column of both sides is in the JSON and
/// can be shown.
#[test]
fn compare_shows_absent_keys_as_absent() {
    let dir = TempDir::new("compare-absent");
    dir.write(
        "a/gitaly/current",
        gitaly_log("FindCommit", &[10.0, 20.0]) + &gitaly_log("Gone", &[5.0]),
    );
    dir.write(
        "b/gitaly/current",
        gitaly_log("FindCommit", &[30.0, 40.0, 50.0]) + &gitaly_log("New", &[7.0]),
    );
    let r = run(
        &dir,
        airlock(&dir).args(["compare", "a", "b", "--format", "json", "--limit", "0"]),
        None,
    )
    .expect_code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v["compare"]["sections"][0]["rows"].as_array().unwrap();
    let row = |k: &str| rows.iter().find(|r| r["key"] == k).unwrap();
    assert!(row("Gone")["b"].is_null() && row("Gone")["a"]["count"] == 1);
    assert!(row("New")["a"].is_null() && row("New")["b"]["count"] == 1);
    for k in ["Gone", "New"] {
        for (f, d) in row(k)["delta"].as_object().unwrap() {
            assert!(d.is_null(), "{k} {f}: {d}");
        }
    }
    let fc = row("FindCommit");
    // Medians 15 and 40; P99 19.9 and 49.8; counts 2 and 3.
    assert_eq!(fc["delta"]["count"].as_f64(), Some(1.0));
    assert_eq!(fc["delta"]["median_ms"].as_f64(), Some(25.0));
    assert!((fc["delta"]["p99_ms"].as_f64().unwrap() - 29.9).abs() < 1e-9);
    assert_eq!(fc["delta"]["fail_pct"].as_f64(), Some(0.0));
    let t = run(
        &dir,
        airlock(&dir).args(["compare", "a", "b", "--print-fields", "median,count"]),
        None,
    )
    .expect_code(0);
    let header = t.stdout.lines().find(|l| l.starts_with("KEY ")).unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "KEY",
            "MEDIAN_ms_A",
            "MEDIAN_ms_B",
            "ΔMEDIAN_ms",
            "COUNT_A",
            "COUNT_B",
            "ΔCOUNT"
        ]
    );
    let gone = t.stdout.lines().find(|l| l.starts_with("Gone ")).unwrap();
    assert_eq!(
        gone.split_whitespace().collect::<Vec<_>>(),
        ["Gone", "5.0", "absent", "-", "1", "absent", "-"]
    );
    let fc = t
        .stdout
        .lines()
        .find(|l| l.starts_with("FindCommit "))
        .unwrap();
    assert_eq!(
        fc.split_whitespace().collect::<Vec<_>>(),
        ["FindCommit", "15.0", "40.0", "+25.0", "2", "3", "+1"]
    );
}

/// `--interval 1h` prints one table per hour (aligned to UTC), checked
/// against a computation written here: per hour and key, COUNT, %FAIL,
/// interpolated percentiles, RPS over the part of the hour between the
/// log's first and last event.
#[test]
fn interval_tables_match_an_independent_computation() {
    // 400 requests from 13:20:00 to 16:39:00, every 30 s, two routes;
    // durations and failures from the index.
    let routes = ["/api/:version/projects", "/api/:version/jobs/request"];
    let mut lines = String::new();
    // (hour, route) → (count, fails, durations)
    let mut want: std::collections::BTreeMap<(u32, &str), (u64, u64, Vec<f64>)> =
        Default::default();
    let (mut first, mut last) = (u32::MAX, 0u32);
    for i in 0..400u32 {
        let t = 13 * 3600 + 20 * 60 + i * 30; // seconds of the day
        let route = routes[(i % 3 == 0) as usize];
        let ms = ((i * 37) % 500) as f64 + 0.25;
        let status = if i % 11 == 0 { 500 } else { 200 };
        lines.push_str(&format!(
            r#"{{"time":"2026-11-20T{:02}:{:02}:{:02}.000Z","severity":"INFO","duration_s":{},"status":{status},"method":"GET","path":"/x","route":"{route}"}}"#,
            t / 3600,
            t / 60 % 60,
            t % 60,
            ms / 1000.0
        ));
        lines.push('\n');
        let e = want.entry((t / 3600, route)).or_default();
        e.0 += 1;
        e.1 += (status >= 500) as u64;
        e.2.push(ms);
        first = first.min(t);
        last = last.max(t);
    }
    let dir = TempDir::new("interval");
    dir.write("api_json.log", &lines);
    let v = summary_json(&dir, "api_json.log", &["--interval", "1h"]);
    let tables = v["sections"][0]["intervals"].as_array().unwrap();
    let hours: Vec<u32> = (first / 3600..=last / 3600).collect();
    assert_eq!(hours, [13, 14, 15, 16]);
    assert_eq!(tables.len(), hours.len());
    for (table, hour) in tables.iter().zip(&hours) {
        assert_eq!(
            table["start"],
            format!("2026-11-20 {hour:02}:00:00Z"),
            "{table}"
        );
        let (a, b) = ((hour * 3600).max(first), ((hour + 1) * 3600).min(last));
        let span = (b - a) as f64;
        assert_eq!(table["span_s"].as_f64(), Some(span), "{hour}");
        let rows = table["rows"].as_array().unwrap();
        let mine: Vec<_> = want.iter().filter(|((h, _), _)| h == hour).collect();
        assert_eq!(rows.len(), mine.len(), "{hour}");
        for ((_, route), (count, fails, durs)) in mine {
            let r = rows.iter().find(|r| r["key"] == *route).unwrap();
            let ctx = format!("{hour}h {route}");
            assert_eq!(r["count"].as_u64(), Some(*count), "{ctx}");
            let fail = (10_000.0 * *fails as f64 / *count as f64).round() / 100.0;
            assert_eq!(r["fail_pct"].as_f64(), Some(fail), "{ctx}");
            let rps = (*count as f64 / span * 1e4).round() / 1e4;
            assert_eq!(r["rps"].as_f64(), Some(rps), "{ctx}");
            let mut d = durs.clone();
            d.sort_by(f64::total_cmp);
            for (f, p) in [("p99_ms", 99.0), ("p95_ms", 95.0), ("median_ms", 50.0)] {
                let want = super::analytics::percentile(&d, p);
                let got = r[f].as_f64().unwrap();
                assert!((got - want).abs() < 1e-3, "{ctx} {f}: {got} vs {want}");
            }
        }
    }
    // The text report has a table per hour, after the log's own table.
    let r = run(
        &dir,
        airlock(&dir).args(["summary", "api_json.log", "--interval", "1h"]),
        None,
    )
    .expect_code(0);
    for hour in hours {
        assert!(
            r.stdout
                .contains(&format!("2026-11-20 {hour:02}:00:00Z → ")),
            "{}",
            r.describe()
        );
    }
    // Without --interval, no interval tables.
    let v = summary_json(&dir, "api_json.log", &[]);
    assert!(v["sections"][0].get("intervals").is_none());
}
