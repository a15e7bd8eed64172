//! Reports: what the commands print, built from an [`Analysis`] through one
//! [`Sanitize`] hook. Every string in a report has passed through it; the
//! renderers (text, Markdown, JSON, HTML) see nothing else.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::analyze::{Analysis, Bucket, Counter, Map, SectionAcc};
use super::overview::{Disk, Service};
use super::sanitize::{Sanitize, ValueKind};
use super::stats::KeyStats;
use crate::logs::time::{format_ms, format_ms_precise};
use crate::logs::LogKind;

/// Column to sort per-key tables by (descending, except `key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortBy {
    Count,
    Rps,
    P99,
    P95,
    Median,
    Max,
    Min,
    Stddev,
    #[default]
    Score,
    Fail,
    Key,
}

/// A statistics column (`--print-fields`), in fast-stats' order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Count,
    Rps,
    P99,
    P95,
    Median,
    Max,
    Min,
    Stddev,
    Score,
    Fail,
}

impl Field {
    /// Every column, in the order fast-stats prints them.
    pub const ALL: [Field; 10] = [
        Field::Count,
        Field::Rps,
        Field::P99,
        Field::P95,
        Field::Median,
        Field::Max,
        Field::Min,
        Field::Stddev,
        Field::Score,
        Field::Fail,
    ];

    /// The table header.
    pub fn header(self) -> &'static str {
        match self {
            Field::Count => "COUNT",
            Field::Rps => "RPS",
            Field::P99 => "P99_ms",
            Field::P95 => "P95_ms",
            Field::Median => "MEDIAN_ms",
            Field::Max => "MAX_ms",
            Field::Min => "MIN_ms",
            Field::Stddev => "STDDEV",
            Field::Score => "SCORE",
            Field::Fail => "%FAIL",
        }
    }

    /// The name of the field in a JSON [`Row`].
    pub fn json_name(self) -> &'static str {
        match self {
            Field::Count => "count",
            Field::Rps => "rps",
            Field::P99 => "p99_ms",
            Field::P95 => "p95_ms",
            Field::Median => "median_ms",
            Field::Max => "max_ms",
            Field::Min => "min_ms",
            Field::Stddev => "stddev_ms",
            Field::Score => "score",
            Field::Fail => "fail_pct",
        }
    }

    /// The value of this column in `r` (`None`: not defined there).
    pub fn value(self, r: &Row) -> Option<f64> {
        match self {
            Field::Count => Some(r.count as f64),
            Field::Rps => r.rps,
            Field::P99 => r.p99_ms,
            Field::P95 => r.p95_ms,
            Field::Median => r.median_ms,
            Field::Max => r.max_ms,
            Field::Min => r.min_ms,
            Field::Stddev => r.stddev_ms,
            Field::Score => r.score,
            Field::Fail => Some(r.fail_pct),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// Rows per table; 0 = all.
    pub limit: usize,
    pub sort_by: SortBy,
    /// Columns of the statistics tables, in order (`--print-fields`);
    /// empty: the command's default.
    pub fields: Vec<Field>,
    /// Timeline bucket size; `None` picks one from the time span.
    pub interval_s: Option<u64>,
    pub inputs: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Report {
    pub tool: String,
    pub version: String,
    pub command: String,
    /// False with `--raw`.
    pub redacted: bool,
    pub inputs: Vec<String>,
    /// Whose names the input holds: airlock's pseudonyms (a redacted
    /// bundle, shown as they are) or others.
    pub input_names: InputNames,
    /// Columns the statistics tables show, in order (JSON rows keep every
    /// field).
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<Overview>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// Failures of all logs over time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorsReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top: Vec<TopSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareReport>,
    /// What the reader must know first (an input without a GitLab log).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
    pub notes: Vec<String>,
}

/// The user names, hosts and addresses of the input, by who wrote them.
#[derive(Clone, Debug, Serialize, Default, PartialEq, Eq)]
pub struct InputNames {
    /// Distinct names that are airlock's own pseudonyms.
    pub pseudonyms: usize,
    /// Distinct other names (originals).
    pub other: usize,
    /// The input is a bundle airlock redacted: nine names in ten, or more,
    /// are its pseudonyms.
    pub redacted_bundle: bool,
}

impl InputNames {
    pub fn of(analyses: &[&Analysis]) -> InputNames {
        let (mut own, mut other) = (0, 0);
        for a in analyses {
            let (o, x) = a.names();
            own += o;
            other += x;
        }
        InputNames {
            pseudonyms: own,
            other,
            redacted_bundle: own > 0 && own >= 9 * other,
        }
    }
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Overview {
    pub gitlab_version: Option<String>,
    pub services: Vec<Service>,
    pub host: Host,
    pub first: Option<String>,
    pub last: Option<String>,
    pub files: Vec<FileRow>,
    /// Files that are not logs (command outputs, configs): how many.
    pub other_files: usize,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Host {
    pub cpus: Option<u32>,
    pub cpu_model: Option<String>,
    pub mem_total_mb: Option<u64>,
    pub mem_used_mb: Option<u64>,
    pub mem_available_mb: Option<u64>,
    pub swap_total_mb: Option<u64>,
    pub swap_used_mb: Option<u64>,
    pub disks: Vec<Disk>,
    pub os: Option<String>,
    pub kernel: Option<String>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct FileRow {
    pub name: String,
    pub kinds: Vec<String>,
    pub size: u64,
    pub bytes: u64,
    pub lines: u64,
    pub unparsed: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub compressed: bool,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Default, PartialEq)]
pub struct Row {
    pub key: String,
    pub count: u64,
    /// COUNT / the log's span in seconds; null when the span is zero.
    pub rps: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub median_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub stddev_ms: Option<f64>,
    /// COUNT × P99 (ms); null without durations.
    pub score: Option<f64>,
    /// Failed share in percent (0–100).
    pub fail_pct: f64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Section {
    pub log: String,
    pub kind: String,
    pub key_label: String,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Seconds the RPS column divides by (first to last event of the log);
    /// null when they are the same instant.
    pub span_s: Option<f64>,
    pub total: Row,
    pub rows: Vec<Row>,
    /// Rows left out by `--limit`.
    pub more: usize,
    pub timeline: Timeline,
    /// One table per interval (`--interval`), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<IntervalTable>,
    /// Events in no interval table (past the cap, or without a time).
    #[serde(skip_serializing_if = "is_zero")]
    pub intervals_left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The statistics of one interval of a log (fast-stats' `--interval`).
#[derive(Clone, Debug, Serialize, Default)]
pub struct IntervalTable {
    pub start: String,
    pub end: String,
    pub start_ms: i64,
    /// Seconds RPS divides by: the interval clipped to the log's first and
    /// last event; null when that is no time at all.
    pub span_s: Option<f64>,
    pub total: Row,
    pub rows: Vec<Row>,
    pub more: usize,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Timeline {
    pub interval_s: u64,
    pub buckets: Vec<TimeBucket>,
    /// Buckets with the most failures, most first.
    pub spikes: Vec<TimeBucket>,
    /// Failures per bucket as a Unicode sparkline.
    pub sparkline: String,
    pub max_fails: u64,
    pub total_fails: u64,
}

#[derive(Clone, Debug, Serialize, Default, PartialEq)]
pub struct TimeBucket {
    pub start: String,
    pub start_ms: i64,
    pub events: u64,
    pub fails: u64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct ErrorsReport {
    pub groups: Vec<ErrorRow>,
    pub more: usize,
    /// Failures not grouped because the group table was full.
    pub ungrouped: u64,
    pub grpc_codes: Vec<CodeCount>,
    pub grpc_failures: Vec<MethodCode>,
    pub sidekiq_failures: Vec<WorkerFailures>,
    pub http_statuses: Vec<StatusCount>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct ErrorRow {
    pub kind: String,
    pub class: String,
    pub message: String,
    pub example: String,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub correlation_id: Option<String>,
    pub key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct CodeCount {
    pub code: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct MethodCode {
    pub method: String,
    pub code: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct WorkerFailures {
    pub class: String,
    pub count: u64,
    pub error_class: Option<String>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct StatusCount {
    pub kind: String,
    pub status: u16,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct TopSection {
    pub log: String,
    pub kind: String,
    pub users: TopTable,
    pub projects: TopTable,
    pub ips: TopTable,
    pub agents: TopTable,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct TopTable {
    pub distinct: usize,
    pub by_count: Vec<TopRow>,
    pub by_duration: Vec<TopRow>,
}

#[derive(Clone, Debug, Serialize, Default, PartialEq)]
pub struct TopRow {
    pub value: String,
    pub count: u64,
    pub total_ms: f64,
    pub pct: f64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct TraceReport {
    pub id: String,
    pub hits: Vec<TraceRow>,
    pub files: usize,
    pub dropped: u64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct TraceRow {
    pub time: Option<String>,
    pub file: String,
    pub line: u64,
    pub kind: Option<String>,
    pub key: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: Option<f64>,
    pub severity: Option<String>,
    pub message: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct CompareReport {
    pub a: String,
    pub b: String,
    pub sections: Vec<CompareSection>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct CompareSection {
    pub kind: String,
    pub key_label: String,
    pub rows: Vec<CompareRow>,
    pub more: usize,
}

/// One key of a comparison. A key absent on one side has no row there
/// (`null`), and no deltas.
#[derive(Clone, Debug, Serialize, Default)]
pub struct CompareRow {
    pub key: String,
    pub a: Option<Row>,
    pub b: Option<Row>,
    /// B − A per column (named as in [`Row`]); `null` where either side
    /// is absent or the column is not defined on it.
    pub delta: BTreeMap<&'static str, Option<f64>>,
}

fn s(sz: &dyn Sanitize, v: &str) -> String {
    sz.text(v).into_owned()
}

fn opt(sz: &dyn Sanitize, v: &Option<String>) -> Option<String> {
    v.as_deref().map(|x| s(sz, x))
}

fn round(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

/// A table row from the statistics of one key.
pub fn row(key: String, st: &mut KeyStats, span_s: Option<f64>) -> Row {
    let p99 = st.percentile(99.0);
    Row {
        key,
        count: st.count,
        rps: span_s
            .filter(|s| *s > 0.0)
            .map(|s| round(st.count as f64 / s, 4)),
        p99_ms: p99.map(|v| round(v, 3)),
        p95_ms: st.percentile(95.0).map(|v| round(v, 3)),
        median_ms: st.percentile(50.0).map(|v| round(v, 3)),
        max_ms: (st.timed > 0).then(|| round(st.max, 3)),
        min_ms: (st.timed > 0).then(|| round(st.min, 3)),
        stddev_ms: st.stddev().map(|v| round(v, 3)),
        score: p99.map(|p| round(p * st.count as f64, 1)),
        fail_pct: round(st.fail_pct(), 2),
    }
}

impl SortBy {
    /// The column sorted by (`None` for the key).
    pub fn field(self) -> Option<Field> {
        Some(match self {
            SortBy::Count => Field::Count,
            SortBy::Rps => Field::Rps,
            SortBy::P99 => Field::P99,
            SortBy::P95 => Field::P95,
            SortBy::Median => Field::Median,
            SortBy::Max => Field::Max,
            SortBy::Min => Field::Min,
            SortBy::Stddev => Field::Stddev,
            SortBy::Score => Field::Score,
            SortBy::Fail => Field::Fail,
            SortBy::Key => return None,
        })
    }
}

fn metric(r: &Row, by: SortBy) -> f64 {
    match by.field() {
        // Without durations, SCORE falls back to COUNT.
        Some(Field::Score) => r.score.unwrap_or(r.count as f64),
        Some(f) => f.value(r).unwrap_or(-1.0),
        None => 0.0,
    }
}

fn sort_rows(rows: &mut [Row], by: SortBy) {
    if by == SortBy::Key {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        rows.sort_by(|a, b| {
            metric(b, by)
                .total_cmp(&metric(a, by))
                .then(b.count.cmp(&a.count))
                .then(a.key.cmp(&b.key))
        });
    }
}

fn limit<T>(v: &mut Vec<T>, n: usize) -> usize {
    if n == 0 || v.len() <= n {
        0
    } else {
        let more = v.len() - n;
        v.truncate(n);
        more
    }
}

/// Pick a bucket size giving at most ~120 buckets over `span_ms`.
pub fn auto_interval(span_ms: i64) -> u64 {
    const STEPS: [u64; 9] = [60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400];
    let span_s = (span_ms.max(0) / 1000) as u64;
    STEPS
        .iter()
        .copied()
        .find(|&s| span_s / s <= 120)
        .unwrap_or(86_400 * (span_s / 86_400 / 120 + 1))
}

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Failures per bucket as a sparkline: `▁` for none, then seven levels
/// scaled to the largest bucket.
pub fn sparkline(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                SPARK[0]
            } else {
                let lvl = ((v as f64 / max as f64) * 7.0).ceil() as usize;
                SPARK[lvl.clamp(1, 7)]
            }
        })
        .collect()
}

/// Most buckets a timeline shows; a longer span gets a wider interval.
const MAX_BUCKETS: i64 = 2_000;

fn timeline(minutes: &BTreeMap<i64, Bucket>, interval_s: u64) -> Timeline {
    let (Some((&first, _)), Some((&last, _))) =
        (minutes.first_key_value(), minutes.last_key_value())
    else {
        return Timeline {
            interval_s,
            ..Timeline::default()
        };
    };
    let mut step = (interval_s / 60).max(1) as i64;
    while (last - first) / step + 1 > MAX_BUCKETS {
        step *= 2;
    }
    let start = first.div_euclid(step) * step;
    let n = ((last - start) / step + 1) as usize;
    let mut buckets: Vec<TimeBucket> = (0..n)
        .map(|i| {
            let ms = (start + i as i64 * step) * 60_000;
            TimeBucket {
                start: format_ms(ms),
                start_ms: ms,
                events: 0,
                fails: 0,
            }
        })
        .collect();
    for (&m, b) in minutes {
        let i = ((m - start) / step) as usize;
        buckets[i].events += b.events;
        buckets[i].fails += b.fails;
    }
    let fails: Vec<u64> = buckets.iter().map(|b| b.fails).collect();
    let mut spikes: Vec<TimeBucket> = buckets.iter().filter(|b| b.fails > 0).cloned().collect();
    spikes.sort_by(|a, b| b.fails.cmp(&a.fails).then(a.start_ms.cmp(&b.start_ms)));
    spikes.truncate(5);
    Timeline {
        interval_s: step as u64 * 60,
        sparkline: sparkline(&fails),
        max_fails: fails.iter().copied().max().unwrap_or(0),
        total_fails: fails.iter().sum(),
        buckets,
        spikes,
    }
}

impl Report {
    fn new(
        command: &str,
        sz: &dyn Sanitize,
        opts: &ReportOptions,
        analyses: &[&Analysis],
    ) -> Report {
        Report {
            tool: "airlock".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            redacted: sz.redacting(),
            inputs: opts.inputs.iter().map(|i| s(sz, i)).collect(),
            input_names: InputNames::of(analyses),
            fields: if !opts.fields.is_empty() {
                opts.fields.clone()
            } else if command == "compare" {
                // Side by side, three columns already make nine.
                vec![Field::Count, Field::P95, Field::Fail]
            } else {
                Field::ALL.to_vec()
            },
            ..Report::default()
        }
    }

    /// `airlock summary`: overview, per-key tables, failures over time and
    /// the main error groups.
    pub fn summary(a: &mut Analysis, sz: &dyn Sanitize, opts: &ReportOptions) -> Report {
        let mut r = Report::new("summary", sz, opts, &[&*a]);
        r.overview = Some(overview(a, sz));
        let interval = opts.interval_s.unwrap_or_else(|| {
            let (f, l) = a.span();
            auto_interval(l.unwrap_or(0) - f.unwrap_or(0))
        });
        let mut all_minutes: BTreeMap<i64, Bucket> = BTreeMap::new();
        for sec in &mut a.sections {
            for (m, b) in &sec.minutes {
                let e = all_minutes.entry(*m).or_default();
                e.events += b.events;
                e.fails += b.fails;
            }
            if sec.total.count == 0 && sec.minutes.is_empty() {
                continue;
            }
            r.sections.push(section(sec, sz, opts, interval));
        }
        r.timeline = Some(timeline(&all_minutes, interval));
        r.errors = Some(errors(a, sz, opts.limit));
        r.notes.push(percentile_note());
        r
    }

    /// `airlock errors`.
    pub fn errors(a: &mut Analysis, sz: &dyn Sanitize, opts: &ReportOptions) -> Report {
        let mut r = Report::new("errors", sz, opts, &[&*a]);
        let (f, l) = a.span();
        let interval = opts
            .interval_s
            .unwrap_or_else(|| auto_interval(l.unwrap_or(0) - f.unwrap_or(0)));
        let mut all: BTreeMap<i64, Bucket> = BTreeMap::new();
        for sec in &a.sections {
            for (m, b) in &sec.minutes {
                let e = all.entry(*m).or_default();
                e.events += b.events;
                e.fails += b.fails;
            }
        }
        r.timeline = Some(timeline(&all, interval));
        r.errors = Some(errors(a, sz, opts.limit));
        r
    }

    /// `airlock top`.
    pub fn top(a: &mut Analysis, sz: &dyn Sanitize, opts: &ReportOptions) -> Report {
        let mut r = Report::new("top", sz, opts, &[&*a]);
        for sec in &a.sections {
            let t = &sec.top;
            if t.users.map.is_empty()
                && t.projects.map.is_empty()
                && t.ips.map.is_empty()
                && t.agents.map.is_empty()
            {
                continue;
            }
            r.top.push(TopSection {
                log: s(sz, &sec.log),
                kind: sec.kind.name().to_string(),
                users: top_table(&t.users, opts.limit, |v| {
                    sz.value(ValueKind::User, v).into_owned()
                }),
                projects: top_table(&t.projects, opts.limit, |v| {
                    sz.value(ValueKind::Project, v).into_owned()
                }),
                ips: top_table(&t.ips, opts.limit, |v| {
                    sz.value(ValueKind::Ip, v).into_owned()
                }),
                agents: top_table(&t.agents, opts.limit, |v| s(sz, v)),
            });
        }
        r
    }

    /// `airlock trace`.
    pub fn trace(a: &mut Analysis, id: &str, sz: &dyn Sanitize, opts: &ReportOptions) -> Report {
        let mut r = Report::new("trace", sz, opts, &[&*a]);
        // This id's lines; those of other ids followed in the same read
        // stay for their own reports.
        let (mut hits, others): (Vec<_>, Vec<_>) = std::mem::take(&mut a.trace)
            .into_iter()
            .partition(|h| h.id == id);
        a.trace = others;
        // Time order; lines without a time keep their place after the
        // timed line before them in the same file (stable sort on the
        // last known time).
        let mut last_t: HashMap<String, i64> = HashMap::new();
        let mut keyed: Vec<(i64, usize, _)> = Vec::new();
        for (i, h) in hits.drain(..).enumerate() {
            let t = match h.time {
                Some(t) => {
                    last_t.insert(h.file.clone(), t);
                    t
                }
                None => *last_t.get(&h.file).unwrap_or(&i64::MIN),
            };
            keyed.push((t, i, h));
        }
        keyed.sort_by_key(|(t, i, _)| (*t, *i));
        let mut files: Vec<&str> = keyed.iter().map(|(_, _, h)| h.file.as_str()).collect();
        files.sort();
        files.dedup();
        let nfiles = files.len();
        let rows = keyed
            .into_iter()
            .map(|(_, _, h)| TraceRow {
                time: h.time.map(format_ms_precise),
                file: s(sz, &h.file),
                line: h.line_no,
                kind: h.kind,
                key: opt(sz, &h.key),
                status: h.status,
                duration_ms: h.duration_ms.map(|d| round(d, 3)),
                severity: opt(sz, &h.severity),
                message: opt(sz, &h.message),
                text: s(sz, &h.raw),
            })
            .collect();
        r.trace = Some(TraceReport {
            id: s(sz, id),
            hits: rows,
            files: nfiles,
            dropped: a.trace_overflow,
        });
        r
    }

    /// `airlock compare A B`: per kind, every key of either side.
    pub fn compare(
        a: &mut Analysis,
        b: &mut Analysis,
        sz: &dyn Sanitize,
        opts: &ReportOptions,
    ) -> Report {
        let mut r = Report::new("compare", sz, opts, &[&*a, &*b]);
        let ka = by_kind(a);
        let kb = by_kind(b);
        let mut kinds: Vec<&LogKind> = ka.keys().chain(kb.keys()).collect();
        kinds.sort();
        kinds.dedup();
        let mut sections = Vec::new();
        for kind in kinds {
            let empty = (Map::default(), None);
            let (ma, span_a) = ka.get(kind).unwrap_or(&empty);
            let (mb, span_b) = kb.get(kind).unwrap_or(&empty);
            let mut keys: Vec<&Box<str>> = ma.keys().chain(mb.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut rows: Vec<CompareRow> = keys
                .into_iter()
                .map(|k| {
                    let ra = ma.get(k).map(|st| row(s(sz, k), &mut st.clone(), *span_a));
                    let rb = mb.get(k).map(|st| row(s(sz, k), &mut st.clone(), *span_b));
                    let delta = Field::ALL
                        .iter()
                        .map(|f| {
                            let d = match (&ra, &rb) {
                                (Some(x), Some(y)) => match (f.value(x), f.value(y)) {
                                    (Some(x), Some(y)) => Some(round(y - x, 4)),
                                    _ => None,
                                },
                                _ => None,
                            };
                            (f.json_name(), d)
                        })
                        .collect();
                    CompareRow {
                        key: s(sz, k),
                        a: ra,
                        b: rb,
                        delta,
                    }
                })
                .collect();
            // Sort by the chosen column on whichever side is larger, so
            // what got worse and what disappeared both rise.
            let by = opts.sort_by;
            let m = |r: &CompareRow| {
                let x = r.a.as_ref().map_or(-1.0, |r| metric(r, by));
                let y = r.b.as_ref().map_or(-1.0, |r| metric(r, by));
                x.max(y)
            };
            if by == SortBy::Key {
                rows.sort_by(|x, y| x.key.cmp(&y.key));
            } else {
                rows.sort_by(|x, y| m(y).total_cmp(&m(x)).then(x.key.cmp(&y.key)));
            }
            let mut sorted = rows;
            let more = limit(&mut sorted, opts.limit);
            sections.push(CompareSection {
                kind: kind.name().to_string(),
                key_label: kind.key_label().to_string(),
                rows: sorted,
                more,
            });
        }
        r.compare = Some(CompareReport {
            a: opts.inputs.first().map(|i| s(sz, i)).unwrap_or_default(),
            b: opts.inputs.get(1).map(|i| s(sz, i)).unwrap_or_default(),
            sections,
        });
        r.notes.push(percentile_note());
        r
    }
}

fn percentile_note() -> String {
    format!(
        "Percentiles are interpolated linearly between the closest ranks (as fast-stats); exact for keys with up to {} timed values, within {}% of the true value above that (log-bucket sketch). STDDEV is the population standard deviation; SCORE is COUNT × P99; RPS is COUNT divided by the seconds between the log's first and last event (- when they are the same instant).",
        super::stats::EXACT_MAX,
        super::stats::ALPHA * 100.0
    )
}

/// A kind's keys merged over its logs, and the longest span.
type KindKeys = (Map<Box<str>, KeyStats>, Option<f64>);

/// Per kind: keys merged over all logs of the kind, and the longest span.
fn by_kind(a: &Analysis) -> HashMap<LogKind, KindKeys> {
    let mut out: HashMap<LogKind, KindKeys> = HashMap::new();
    for sec in &a.sections {
        if sec.total.count == 0 {
            continue;
        }
        let e = out.entry(sec.kind.clone()).or_default();
        e.1 = match (e.1, sec.span_s()) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        for (k, st) in &sec.keys {
            e.0.entry(k.clone()).or_default().merge(st);
        }
        if sec.other_keys.count > 0 {
            e.0.entry("(other keys)".into())
                .or_default()
                .merge(&sec.other_keys);
        }
    }
    out
}

fn section(
    sec: &mut SectionAcc,
    sz: &dyn Sanitize,
    opts: &ReportOptions,
    interval: u64,
) -> Section {
    let span = sec.span_s();
    let mut rows: Vec<Row> = sec
        .keys
        .iter_mut()
        .map(|(k, st)| row(s(sz, k), st, span))
        .collect();
    if sec.other_keys.count > 0 {
        rows.push(row("(other keys)".into(), &mut sec.other_keys, span));
    }
    sort_rows(&mut rows, opts.sort_by);
    let more = limit(&mut rows, opts.limit);
    let intervals = match opts.interval_s {
        Some(size_s) => interval_tables(sec, sz, opts, size_s as i64 * 1000),
        None => Vec::new(),
    };
    Section {
        log: s(sz, &sec.log),
        kind: sec.kind.name().to_string(),
        key_label: sec.kind.key_label().to_string(),
        first: sec.first.map(format_ms),
        last: sec.last.map(format_ms),
        span_s: span,
        total: row("(all)".into(), &mut sec.total, span),
        rows,
        more,
        timeline: timeline(&sec.minutes, interval),
        intervals,
        intervals_left_out: sec.intervals.left_out,
    }
}

/// One table per interval of `sec`: RPS over the part of the interval
/// between the log's first and last event.
fn interval_tables(
    sec: &mut SectionAcc,
    sz: &dyn Sanitize,
    opts: &ReportOptions,
    size_ms: i64,
) -> Vec<IntervalTable> {
    let (first, last) = (sec.first, sec.last);
    sec.intervals
        .by_start
        .iter_mut()
        .map(|(&start, iv)| {
            let end = start + size_ms;
            let span_s = match (first, last) {
                (Some(f), Some(l)) => {
                    let (a, b) = (start.max(f), end.min(l));
                    (b > a).then(|| (b - a) as f64 / 1000.0)
                }
                _ => None,
            };
            let mut rows: Vec<Row> = iv
                .keys
                .iter_mut()
                .map(|(k, st)| row(s(sz, k), st, span_s))
                .collect();
            if iv.other_keys.count > 0 {
                rows.push(row("(other keys)".into(), &mut iv.other_keys, span_s));
            }
            sort_rows(&mut rows, opts.sort_by);
            let more = limit(&mut rows, opts.limit);
            IntervalTable {
                start: format_ms(start),
                end: format_ms(end),
                start_ms: start,
                span_s,
                total: row("(all)".into(), &mut iv.total, span_s),
                rows,
                more,
            }
        })
        .collect()
}

fn overview(a: &Analysis, sz: &dyn Sanitize) -> Overview {
    let f = &a.facts;
    let (first, last) = a.span();
    Overview {
        gitlab_version: opt(sz, &f.gitlab_version),
        services: f
            .services
            .iter()
            .map(|sv| Service {
                name: s(sz, &sv.name),
                state: s(sz, &sv.state),
                uptime_s: sv.uptime_s,
                note: opt(sz, &sv.note),
            })
            .collect(),
        host: Host {
            cpus: f.cpus,
            cpu_model: opt(sz, &f.cpu_model),
            mem_total_mb: f.mem_total_mb,
            mem_used_mb: f.mem_used_mb,
            mem_available_mb: f.mem_available_mb,
            swap_total_mb: f.swap_total_mb,
            swap_used_mb: f.swap_used_mb,
            disks: f
                .disks
                .iter()
                .map(|d| Disk {
                    filesystem: s(sz, &d.filesystem),
                    fstype: s(sz, &d.fstype),
                    size: d.size.clone(),
                    used: d.used.clone(),
                    avail: d.avail.clone(),
                    use_pct: d.use_pct,
                    mount: s(sz, &d.mount),
                })
                .collect(),
            os: opt(sz, &f.os),
            kernel: opt(sz, &f.kernel),
        },
        first: first.map(format_ms),
        last: last.map(format_ms),
        files: a
            .files
            .iter()
            .filter(|fi| !fi.not_a_log)
            .map(|fi| FileRow {
                name: s(sz, &fi.name),
                kinds: fi.kinds.keys().cloned().collect(),
                size: fi.size,
                bytes: fi.bytes,
                lines: fi.lines,
                unparsed: fi.unparsed,
                first: fi.first.map(format_ms),
                last: fi.last.map(format_ms),
                compressed: fi.compressed,
                error: opt(sz, &fi.error),
            })
            .collect(),
        other_files: a.files.iter().filter(|fi| fi.not_a_log).count(),
    }
}

fn errors(a: &Analysis, sz: &dyn Sanitize, lim: usize) -> ErrorsReport {
    let e = &a.errors;
    let mut groups: Vec<ErrorRow> = e
        .groups
        .iter()
        .map(|((kind, class, norm), g)| ErrorRow {
            kind: kind.clone(),
            class: s(sz, class),
            message: s(sz, norm),
            example: s(sz, &g.example),
            count: g.count,
            first: g.first.map(format_ms),
            last: g.last.map(format_ms),
            correlation_id: opt(sz, &g.correlation_id),
            key: opt(sz, &g.key),
        })
        .collect();
    groups.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then(x.kind.cmp(&y.kind))
            .then(x.class.cmp(&y.class))
            .then(x.message.cmp(&y.message))
    });
    let more = limit(&mut groups, lim);
    let mut grpc_codes: Vec<CodeCount> = e
        .grpc_codes
        .iter()
        .map(|(c, n)| CodeCount {
            code: s(sz, c),
            count: *n,
        })
        .collect();
    grpc_codes.sort_by(|x, y| y.count.cmp(&x.count).then(x.code.cmp(&y.code)));
    let mut grpc_failures: Vec<MethodCode> = e
        .grpc_failures
        .iter()
        .map(|((m, c), n)| MethodCode {
            method: s(sz, m),
            code: s(sz, c),
            count: *n,
        })
        .collect();
    grpc_failures.sort_by(|x, y| y.count.cmp(&x.count).then(x.method.cmp(&y.method)));
    limit(&mut grpc_failures, lim);
    let mut sidekiq_failures: Vec<WorkerFailures> = e
        .sidekiq_failures
        .iter()
        .map(|(c, (n, ec))| WorkerFailures {
            class: s(sz, c),
            count: *n,
            error_class: opt(sz, ec),
        })
        .collect();
    sidekiq_failures.sort_by(|x, y| y.count.cmp(&x.count).then(x.class.cmp(&y.class)));
    limit(&mut sidekiq_failures, lim);
    let mut http_statuses: Vec<StatusCount> = e
        .statuses
        .iter()
        .filter(|((_, st), _)| *st >= 400)
        .map(|((k, st), n)| StatusCount {
            kind: k.name().to_string(),
            status: *st,
            count: *n,
        })
        .collect();
    http_statuses.sort_by(|x, y| (&x.kind, x.status).cmp(&(&y.kind, y.status)));
    ErrorsReport {
        groups,
        more,
        ungrouped: e.overflow,
        grpc_codes,
        grpc_failures,
        sidekiq_failures,
        http_statuses,
    }
}

fn top_table(c: &Counter, lim: usize, name: impl Fn(&str) -> String) -> TopTable {
    let total: u64 = c.map.values().map(|v| v.0).sum::<u64>() + c.overflow.0;
    let mk = |k: &str, v: &(u64, f64)| TopRow {
        value: name(k),
        count: v.0,
        total_ms: round(v.1, 3),
        pct: if total == 0 {
            0.0
        } else {
            round(100.0 * v.0 as f64 / total as f64, 2)
        },
    };
    // Sort raw entries first (ties by raw value, so the order does not
    // depend on the pseudonyms), then name only the rows shown.
    let mut entries: Vec<(&Box<str>, &(u64, f64))> = c.map.iter().collect();
    entries.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let n = if lim == 0 { entries.len() } else { lim };
    let by_count = entries.iter().take(n).map(|(k, v)| mk(k, v)).collect();
    entries.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1).then(a.0.cmp(b.0)));
    let by_duration = entries.iter().take(n).map(|(k, v)| mk(k, v)).collect();
    TopTable {
        distinct: c.map.len(),
        by_count,
        by_duration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_levels() {
        assert_eq!(sparkline(&[0, 1, 7, 0]), "▁▂█▁");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(auto_interval(3_600_000), 60);
        assert_eq!(auto_interval(12 * 3_600_000), 900);
    }
}
