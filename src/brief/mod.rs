//! `airlock brief`: the escalation note a support engineer would write,
//! drafted from one pass over a bundle — the environment in a few lines,
//! then findings, most severe first, each with `file:line` evidence.
//!
//! * [`checks`]: checks as data (TOML), built-ins embedded, validated
//!   against their own examples;
//! * this module: the evaluation of checks over an
//!   [`Analysis`] that collected
//!   [`evidence`](crate::summary::evidence) in the same pass as `summary`;
//! * [`render`]: Markdown for a ticket, one self-contained HTML page, JSON.
//!
//! Every string in a [`Brief`] went through the report's
//! [`Sanitize`] hook when it was built: the brief
//! holds nothing the other reports would not print. Numbers and times are
//! not identifying and are kept as they are.

pub mod checks;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::logs::time::format_ms;
use crate::summary::evidence::{LineHit, Sample, Slowest};
use crate::summary::{Analysis, Raw, Sanitize, Want};

pub use checks::{Check, CheckError, CheckSet, Dim, Reads, Severity};

/// Evidence lines shown per finding.
pub const EVIDENCE_PER_FINDING: usize = 5;
/// Findings one `by` check makes at most (its largest groups).
pub const MAX_GROUPS_PER_CHECK: usize = 3;

/// One line of evidence: where, and a short quote.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceLine {
    pub file: String,
    /// 1-based; `None` for evidence that is a statistic, not a line.
    pub line: Option<u64>,
    pub quote: String,
}

/// A time window, `[start, end)`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    pub start: String,
    pub end: String,
}

impl Window {
    fn new(start_ms: i64, end_ms: i64) -> Window {
        Window {
            start_ms,
            end_ms,
            start: format_ms(start_ms),
            end: format_ms(end_ms),
        }
    }

    /// `2026-11-20 13:10:00Z – 13:20:00Z` (the date once when it is the same).
    pub fn text(&self) -> String {
        if self.start == self.end {
            self.start.clone()
        } else if self.start[..10] == self.end[..10] {
            format!("{} – {}", self.start, &self.end[11..])
        } else {
            format!("{} – {}", self.start, self.end)
        }
    }
}

/// One step of a traced request (as `airlock trace` prints it).
#[derive(Clone, Debug, Serialize)]
pub struct TraceStep {
    pub time: Option<String>,
    pub file: String,
    pub line: u64,
    pub kind: Option<String>,
    pub key: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: Option<f64>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub check: String,
    pub title: String,
    pub severity: Severity,
    pub sentence: String,
    pub count: u64,
    pub window: Option<Window>,
    pub evidence: Vec<EvidenceLine>,
    /// A representative failing request's correlation id (sanitized).
    pub correlation_id: Option<String>,
    /// That request across the logs, when it was traced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    /// The raw correlation id, to trace it: never rendered or serialized.
    #[serde(skip)]
    pub trace_id: Option<String>,
}

impl Finding {
    /// A finding of check `c`: its sentence filled with `vars`.
    fn of(
        c: &Check,
        vars: &[(&str, String)],
        count: u64,
        window: Option<Window>,
        evidence: Vec<EvidenceLine>,
    ) -> Finding {
        Finding {
            check: c.id.clone(),
            title: c.title.clone(),
            severity: c.severity,
            sentence: fill(&c.sentence, vars),
            count,
            window,
            evidence,
            correlation_id: None,
            trace: Vec::new(),
            trace_id: None,
        }
    }

    /// With the correlation id of `rep`, a representative failing request
    /// (shown sanitized; kept raw only to trace it).
    fn with_request(mut self, rep: Option<&Sample>, sz: &dyn Sanitize) -> Finding {
        let id = rep.and_then(|s| s.correlation_id.as_deref());
        self.correlation_id = id.map(|id| sz.text(id).into_owned());
        self.trace_id = id.map(str::to_string);
        self
    }
}

/// A check that could not run, and what it needed.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    pub check: String,
    pub needs: String,
}

/// Failures over time, for the HTML chart.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Chart {
    /// (bucket start ms, events, failures)
    pub buckets: Vec<(i64, u64, u64)>,
    pub bucket_ms: i64,
    /// Windows of the findings (number in the list, window), shaded on
    /// the chart: spikes and bursts longer than an instant.
    pub marks: Vec<(usize, Window)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Brief {
    pub input: String,
    pub redacted: bool,
    /// (label, value) lines.
    pub environment: Vec<(String, String)>,
    pub findings: Vec<Finding>,
    /// Checks that ran and found nothing.
    pub quiet: Vec<String>,
    /// Checks that could not run (no input).
    pub missing: Vec<Missing>,
    /// What did not make a finding of its own (groups past
    /// [`MAX_GROUPS_PER_CHECK`]).
    pub notes: Vec<String>,
    pub chart: Chart,
}

/// The `Want` of a brief's pass: what `summary` reads, plus the probe.
pub fn want(set: &CheckSet) -> (Want, Vec<Option<usize>>) {
    let (probe, of_check) = set.probe();
    (
        Want {
            stats: true,
            errors: true,
            brief: Some(Arc::new(probe)),
            ..Want::default()
        },
        of_check,
    )
}

/// Findings of `set` on one text as if it were the file `file` of a bundle
/// (the check examples; raw values).
pub fn run_on_text(set: &CheckSet, file: &str, text: &str) -> Vec<Finding> {
    let (w, of_check) = want(set);
    let mut a = Analysis::default();
    a.read_named(file, file, false, &mut text.as_bytes(), &w);
    a.finish();
    evaluate(&mut a, set, &of_check, &Raw, file).findings
}

fn in_kinds(kinds: &[String], k: &str) -> bool {
    kinds.iter().any(|x| x == k)
}

/// Counts by value, most first (ties by value), as `a (3), b (1)`.
fn top_list(m: &BTreeMap<String, u64>, n: usize, sz: &dyn Sanitize) -> String {
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(n)
        .map(|(k, c)| format!("{} ({c})", sz.text(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fill(sentence: &str, vars: &[(&str, String)]) -> String {
    let mut s = sentence.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A kept raw line as printed: sanitized whole, then cut.
fn shown(sz: &dyn Sanitize, raw: &str) -> String {
    crate::summary::evidence::cut(&sz.text(raw), crate::summary::evidence::MAX_QUOTE)
}

fn sample_line(s: &Sample, sz: &dyn Sanitize) -> EvidenceLine {
    EvidenceLine {
        file: sz.text(&s.file).into_owned(),
        line: Some(s.line_no),
        quote: shown(sz, &s.quote),
    }
}

fn hit_line(h: &LineHit, sz: &dyn Sanitize) -> EvidenceLine {
    EvidenceLine {
        file: sz.text(&h.file).into_owned(),
        line: Some(h.line_no),
        quote: shown(sz, &h.quote),
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Evaluate every check over one analysis. `of_check` maps checks to their
/// probe items (from [`want`]).
pub fn evaluate(
    a: &mut Analysis,
    set: &CheckSet,
    of_check: &[Option<usize>],
    sz: &dyn Sanitize,
    input: &str,
) -> Brief {
    let mut findings = Vec::new();
    let mut quiet = Vec::new();
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    for (ci, c) in set.checks.iter().enumerate() {
        let found = match &c.reads {
            Reads::Lines {
                files,
                at_least,
                at_most,
                within_days,
                ..
            } => {
                let item = of_check[ci].expect("lines checks have a probe item");
                if a.evidence.files_per_item.get(item).copied().unwrap_or(0) == 0 {
                    missing.push(Missing {
                        check: c.id.clone(),
                        needs: files.join(", "),
                    });
                    continue;
                }
                match within_days {
                    Some(days) => eval_dates(a, c, item, *days, sz),
                    None => eval_lines(a, c, item, *at_least, *at_most, sz),
                }
            }
            Reads::Window {
                kinds,
                per_minute,
                factor,
            } => match eval_window(a, c, kinds, *per_minute, *factor, sz) {
                None => {
                    missing.push(Missing {
                        check: c.id.clone(),
                        needs: format!("a log of kind {}", kinds.join(", ")),
                    });
                    continue;
                }
                Some(f) => f,
            },
            Reads::By { kinds, .. } => {
                if !a.sections.iter().any(|s| in_kinds(kinds, s.kind.name())) {
                    missing.push(Missing {
                        check: c.id.clone(),
                        needs: format!("a log of kind {}", kinds.join(", ")),
                    });
                    continue;
                }
                eval_by(a, c, sz, &mut notes)
            }
            Reads::Slow {
                kinds,
                p95_ms,
                min_count,
            } => {
                if !a.sections.iter().any(|s| in_kinds(kinds, s.kind.name())) {
                    missing.push(Missing {
                        check: c.id.clone(),
                        needs: format!("a log of kind {}", kinds.join(", ")),
                    });
                    continue;
                }
                eval_slow(a, c, kinds, *p95_ms, *min_count, sz)
            }
        };
        if found.is_empty() {
            quiet.push(c.id.clone());
        }
        findings.extend(found);
    }
    // Most severe first; then the larger; then the earlier.
    findings.sort_by(|x, y| {
        y.severity
            .cmp(&x.severity)
            .then(y.count.cmp(&x.count))
            .then(
                x.window
                    .as_ref()
                    .map(|w| w.start_ms)
                    .cmp(&y.window.as_ref().map(|w| w.start_ms)),
            )
    });
    let marks = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.window.clone().map(|w| (i + 1, w)))
        .filter(|(_, w)| w.end_ms > w.start_ms)
        .collect();
    Brief {
        input: sz.text(input).into_owned(),
        redacted: sz.redacting(),
        environment: environment(a, sz),
        findings,
        quiet,
        missing,
        notes,
        chart: Chart { marks, ..chart(a) },
    }
}

fn eval_lines(
    a: &Analysis,
    c: &Check,
    item: usize,
    at_least: Option<f64>,
    at_most: Option<f64>,
    sz: &dyn Sanitize,
) -> Vec<Finding> {
    let conditional = at_least.is_some() || at_most.is_some();
    let mut hits = Vec::new();
    let mut max_n: Option<f64> = None;
    for h in a.evidence.hits.iter().filter(|h| h.item == item) {
        if conditional {
            let parse = |v: Option<&str>| {
                v.and_then(|s| s.trim().trim_end_matches('%').parse::<f64>().ok())
            };
            let Some(mut n) = parse(h.group("n")) else {
                continue;
            };
            if let Some(of) = parse(h.group("of")) {
                if of <= 0.0 {
                    continue;
                }
                n = n / of * 100.0;
            }
            if at_least.is_some_and(|m| n < m) || at_most.is_some_and(|m| n > m) {
                continue;
            }
            max_n = Some(max_n.map_or(n, |m: f64| m.max(n)));
        }
        hits.push(h);
    }
    if hits.is_empty() {
        return Vec::new();
    }
    let count = if conditional {
        hits.len() as u64
    } else {
        a.evidence.hit_counts[item]
    };
    let items: BTreeSet<String> = hits
        .iter()
        .filter_map(|h| h.group("item"))
        .map(|v| sz.text(v.trim()).into_owned())
        .collect();
    // Without a condition every match counts, kept or not (the span too);
    // with one, only the kept matches could be tested
    // ([`crate::summary::evidence::MAX_LINE_HITS`]).
    let times: Vec<i64> = hits.iter().filter_map(|h| h.time).collect();
    let span = if conditional {
        (times.iter().min().copied(), times.iter().max().copied())
    } else {
        a.evidence.hit_spans[item]
    };
    let window = match span {
        (Some(s), Some(e)) => Some(Window::new(s, e)),
        _ => None,
    };
    let n = EVIDENCE_PER_FINDING.min(hits.len());
    let mut idx: Vec<usize> = (0..n)
        .map(|i| {
            if n == 1 {
                0
            } else {
                i * (hits.len() - 1) / (n - 1)
            }
        })
        .collect();
    idx.dedup();
    let evidence = idx.into_iter().map(|i| hit_line(hits[i], sz)).collect();
    let vars = [
        ("count", count.to_string()),
        ("items", items.into_iter().collect::<Vec<_>>().join(", ")),
        ("value", max_n.map(num).unwrap_or_default()),
        (
            "window",
            window.as_ref().map(Window::text).unwrap_or_default(),
        ),
    ];
    vec![Finding::of(c, &vars, count, window, evidence)]
}

/// `YYYY-MM-DD` at the start of `v` (a time may follow), as days since the
/// epoch.
fn parse_day(v: &str) -> Option<i64> {
    let v = v.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = v.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(d).ok()?.parse().ok())?
    };
    if v.get(4) != Some(&b'-') || v.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(crate::logs::time::days_from_civil(y, m as u32, d as u32))
}

/// A `lines` check with `within_days`: each matched date (`n` group) that
/// is at most `within` days after the time the output was taken. That time
/// is the latest `now` group of the check's matched lines (`Today's Date:`
/// of the same command output), else the last time any log covers; with
/// neither, nothing can be said and nothing is found.
fn eval_dates(
    a: &Analysis,
    c: &Check,
    item: usize,
    within: f64,
    sz: &dyn Sanitize,
) -> Vec<Finding> {
    let day = |h: &LineHit, g: &str| h.group(g).and_then(parse_day);
    let hits: Vec<_> = a.evidence.hits.iter().filter(|h| h.item == item).collect();
    let logs_end = a
        .files
        .iter()
        .filter_map(|f| f.last)
        .max()
        .map(|ms| ms.div_euclid(86_400_000));
    let Some(now) = hits.iter().filter_map(|h| day(h, "now")).max().or(logs_end) else {
        return Vec::new();
    };
    let due: Vec<(i64, _)> = hits
        .iter()
        .filter_map(|h| day(h, "n").map(|d| (d - now, *h)))
        .filter(|(left, _)| *left as f64 <= within)
        .collect();
    let Some(soonest) = due.iter().map(|(left, _)| *left).min() else {
        return Vec::new();
    };
    let items: BTreeSet<String> = due
        .iter()
        .filter_map(|(_, h)| h.group("item"))
        .map(|v| sz.text(v.trim()).into_owned())
        .collect();
    let evidence = due
        .iter()
        .take(EVIDENCE_PER_FINDING)
        .map(|(_, h)| hit_line(h, sz))
        .collect();
    let (y, m, d) = crate::logs::time::civil_from_days(now);
    let vars = [
        ("count", due.len().to_string()),
        ("items", items.into_iter().collect::<Vec<_>>().join(", ")),
        ("value", soonest.to_string()),
        ("days", soonest.abs().to_string()),
        (
            "when",
            if soonest < 0 { "before" } else { "after" }.to_string(),
        ),
        ("now", format!("{y:04}-{m:02}-{d:02}")),
        ("window", String::new()),
    ];
    vec![Finding::of(c, &vars, due.len() as u64, None, evidence)]
}

/// Failures per minute of the logs of `kinds`, and every minute of their
/// span: `None` when there is no such log.
fn minutes_of(a: &Analysis, kinds: &[String]) -> Option<BTreeMap<i64, u64>> {
    let mut m: BTreeMap<i64, u64> = BTreeMap::new();
    let mut any = false;
    for s in a.sections.iter().filter(|s| in_kinds(kinds, s.kind.name())) {
        any = true;
        for (k, b) in &s.minutes {
            *m.entry(*k).or_default() += b.fails;
        }
    }
    any.then_some(m)
}

/// Median failures per minute over the whole span (minutes without any
/// event count as 0): the baseline a spike stands above.
fn median(m: &BTreeMap<i64, u64>) -> f64 {
    let (Some((&first, _)), Some((&last, _))) = (m.first_key_value(), m.last_key_value()) else {
        return 0.0;
    };
    let span = (last - first + 1) as usize;
    let mut vals: Vec<u64> = m.values().copied().filter(|v| *v > 0).collect();
    vals.sort_unstable();
    let zeros = span.saturating_sub(vals.len());
    let mid = span / 2;
    if mid < zeros {
        0.0
    } else {
        vals.get(mid - zeros).copied().unwrap_or(0) as f64
    }
}

/// Samples of the cells of `kinds` in minutes `[m0, m1]` that pass `keep`,
/// in time order.
fn samples<'a>(
    a: &'a Analysis,
    kinds: &[String],
    m0: i64,
    m1: i64,
    keep: impl Fn(&Sample) -> bool,
) -> Vec<&'a Sample> {
    let mut v: Vec<&Sample> = a
        .evidence
        .fail_minutes
        .iter()
        .filter(|((k, m), _)| in_kinds(kinds, k) && *m >= m0 && *m <= m1)
        .flat_map(|(_, c)| c.samples.iter())
        .filter(|s| keep(s))
        .collect();
    v.sort_by(|x, y| (x.time, &x.file, x.line_no).cmp(&(y.time, &y.file, y.line_no)));
    v
}

/// The representative failing request of a finding whose evidence is
/// `ss` (failures that pass `keep`, in minutes `m0..=m1` of `kinds`): one
/// whose every line the pass kept ([`TraceSample`]), so it can be followed
/// without reading the bundle again; among those, one `prefer` likes (the
/// top endpoint), the lowest hash first (stable across runs). Else the
/// first in `ss` with an id, shown but not followed.
///
/// [`TraceSample`]: crate::summary::evidence::TraceSample
fn representative<'a>(
    a: &'a Analysis,
    (kinds, m0, m1): (&[String], i64, i64),
    keep: impl Fn(&Sample) -> bool,
    prefer: impl Fn(&Sample) -> bool,
    ss: &[&'a Sample],
) -> Option<&'a Sample> {
    let mut kept: Vec<(u64, &Sample)> = a
        .evidence
        .fail_minutes
        .iter()
        .filter(|((k, m), _)| in_kinds(kinds, k) && *m >= m0 && *m <= m1)
        .flat_map(|(_, c)| c.traceable.iter())
        .filter(|(_, s)| keep(s))
        .filter(|(_, s)| {
            s.correlation_id
                .as_deref()
                .is_some_and(|id| a.evidence.traces.contains(id))
        })
        .map(|(h, s)| (*h, s))
        .collect();
    kept.sort_by_key(|(h, s)| (*h, s.time, s.line_no));
    kept.iter()
        .find(|(_, s)| prefer(s))
        .or_else(|| kept.first())
        .map(|(_, s)| *s)
        .or_else(|| {
            ss.iter()
                .copied()
                .find(|s| s.correlation_id.is_some() && prefer(s))
        })
        .or_else(|| ss.iter().copied().find(|s| s.correlation_id.is_some()))
}

fn eval_window(
    a: &Analysis,
    c: &Check,
    kinds: &[String],
    per_minute: f64,
    factor: f64,
    sz: &dyn Sanitize,
) -> Option<Vec<Finding>> {
    let m = minutes_of(a, kinds)?;
    let base = median(&m);
    let threshold = per_minute.max(factor * base.max(1.0));
    // Runs of minutes at or above the threshold; a gap of up to two quiet
    // minutes does not split a spike (a burst that dips is one incident).
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for (&k, &v) in &m {
        if (v as f64) < threshold {
            continue;
        }
        match windows.last_mut() {
            Some(w) if k - w.1 <= 3 => w.1 = k,
            _ => windows.push((k, k)),
        }
    }
    let mut out = Vec::new();
    for (m0, m1) in windows {
        let count: u64 = m.range(m0..=m1).map(|(_, v)| v).sum();
        let peak = m.range(m0..=m1).map(|(_, v)| *v).max().unwrap_or(0);
        let mut keys: BTreeMap<String, u64> = BTreeMap::new();
        let mut classes: BTreeMap<String, u64> = BTreeMap::new();
        for ((k, mm), cell) in &a.evidence.fail_minutes {
            if !in_kinds(kinds, k) || *mm < m0 || *mm > m1 {
                continue;
            }
            for (x, n) in &cell.keys {
                *keys.entry(x.clone()).or_default() += n;
            }
            for (x, n) in &cell.classes {
                *classes.entry(x.clone()).or_default() += n;
            }
        }
        let top = |m: &BTreeMap<String, u64>| {
            m.iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(k, _)| k.clone())
        };
        let (top_key, top_class) = (top(&keys), top(&classes));
        // Evidence from what the spike is made of: the top endpoint with
        // the top error class (an ordinary failure that happens to fall in
        // the window is not the spike), else the top endpoint, else any.
        let all = samples(a, kinds, m0, m1, |_| true);
        let main: Vec<&Sample> = all
            .iter()
            .copied()
            .filter(|s| s.key == top_key && s.class == top_class)
            .collect();
        let is_main = |s: &Sample| s.key == top_key && s.class == top_class;
        let whole = main.is_empty();
        let ss = if whole { all } else { main };
        // The representative request: one of what the spike is made of,
        // on the top endpoint, with an id.
        let rep = representative(
            a,
            (kinds, m0, m1),
            |s| whole || is_main(s),
            |s| s.key == top_key,
            &ss,
        );
        let window = Window::new(m0 * 60_000, (m1 + 1) * 60_000);
        let vars = [
            ("count", count.to_string()),
            ("window", window.text()),
            ("endpoints", top_list(&keys, 3, sz)),
            ("classes", top_list(&classes, 3, sz)),
            ("baseline", num(base)),
            ("peak", peak.to_string()),
        ];
        out.push(Finding::of(c, &vars, count, Some(window), spread(&ss, sz)).with_request(rep, sz));
    }
    Some(out)
}

/// Up to [`EVIDENCE_PER_FINDING`] samples spread evenly over `ss` (time
/// order), so the evidence shows the start, the middle and the end.
fn spread(ss: &[&Sample], sz: &dyn Sanitize) -> Vec<EvidenceLine> {
    let n = EVIDENCE_PER_FINDING.min(ss.len());
    if n == 0 {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..n)
        .map(|i| {
            if n == 1 {
                0
            } else {
                i * (ss.len() - 1) / (n - 1)
            }
        })
        .collect();
    idx.dedup();
    idx.into_iter().map(|i| sample_line(ss[i], sz)).collect()
}

/// Up to [`EVIDENCE_PER_FINDING`] samples, one per (endpoint, class) first.
fn pick(ss: &[&Sample], sz: &dyn Sanitize) -> Vec<EvidenceLine> {
    let mut seen = BTreeSet::new();
    let mut chosen: Vec<&Sample> = Vec::new();
    for s in ss {
        if seen.insert((&s.key, &s.class, &s.code)) {
            chosen.push(s);
        }
    }
    for s in ss {
        if chosen.len() >= EVIDENCE_PER_FINDING {
            break;
        }
        if !chosen.iter().any(|c| std::ptr::eq(*c, *s)) {
            chosen.push(s);
        }
    }
    chosen.truncate(EVIDENCE_PER_FINDING);
    chosen.sort_by(|x, y| (x.time, &x.file, x.line_no).cmp(&(y.time, &y.file, y.line_no)));
    chosen.into_iter().map(|s| sample_line(s, sz)).collect()
}

fn eval_by(a: &Analysis, c: &Check, sz: &dyn Sanitize, notes: &mut Vec<String>) -> Vec<Finding> {
    let Reads::By {
        kinds,
        dim,
        only,
        at_least,
    } = &c.reads
    else {
        return Vec::new();
    };
    let (dim, at_least) = (*dim, *at_least);
    // value → (count, first minute, last minute)
    let mut by: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
    for ((k, m), cell) in &a.evidence.fail_minutes {
        if !in_kinds(kinds, k) {
            continue;
        }
        let map = match dim {
            Dim::Code => &cell.codes,
            Dim::Key => &cell.keys,
            Dim::Class => &cell.classes,
        };
        for (v, n) in map {
            if !only.is_empty() && !only.iter().any(|o| o == v) {
                continue;
            }
            let e = by.entry(v.clone()).or_insert((0, *m, *m));
            e.0 += n;
            e.1 = e.1.min(*m);
            e.2 = e.2.max(*m);
        }
    }
    let mut groups: Vec<(String, (u64, i64, i64))> =
        by.into_iter().filter(|(_, x)| x.0 >= at_least).collect();
    // The largest groups are findings; the rest are a note, so that one
    // check cannot fill the ticket (forty failing workers are one story).
    groups.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(&y.0)));
    if groups.len() > MAX_GROUPS_PER_CHECK {
        let rest = groups.split_off(MAX_GROUPS_PER_CHECK);
        let total: u64 = rest.iter().map(|(_, x)| x.0).sum();
        let names: Vec<String> = rest
            .iter()
            .take(5)
            .map(|(v, x)| format!("{} ({})", sz.text(v), x.0))
            .collect();
        notes.push(format!(
            "{}: {} more groups with {total} failures: {}{}",
            c.id,
            rest.len(),
            names.join(", "),
            if rest.len() > 5 { ", …" } else { "" }
        ));
    }
    let mut out = Vec::new();
    for (v, (count, m0, m1)) in groups {
        let of = |s: &Sample| match dim {
            Dim::Code => s.code.as_deref(),
            Dim::Key => s.key.as_deref(),
            Dim::Class => s.class.as_deref(),
        } == Some(v.as_str());
        let ss = samples(a, kinds, m0, m1, of);
        let mut keys: BTreeMap<String, u64> = BTreeMap::new();
        let mut classes: BTreeMap<String, u64> = BTreeMap::new();
        for s in &ss {
            if let Some(k) = &s.key {
                *keys.entry(k.clone()).or_default() += 1;
            }
            if let Some(k) = s.class.as_ref().or(s.code.as_ref()) {
                *classes.entry(k.clone()).or_default() += 1;
            }
        }
        let rep = representative(a, (kinds, m0, m1), of, |_| true, &ss);
        let window = Window::new(m0 * 60_000, (m1 + 1) * 60_000);
        let list = |m: &BTreeMap<String, u64>| {
            m.keys()
                .take(3)
                .map(|k| sz.text(k).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let vars = [
            ("count", count.to_string()),
            ("value", sz.text(&v).into_owned()),
            ("window", window.text()),
            ("endpoints", list(&keys)),
            ("classes", list(&classes)),
        ];
        out.push(Finding::of(c, &vars, count, Some(window), pick(&ss, sz)).with_request(rep, sz));
    }
    out
}

fn eval_slow(
    a: &mut Analysis,
    c: &Check,
    kinds: &[String],
    p95_ms: f64,
    min_count: u64,
    sz: &dyn Sanitize,
) -> Vec<Finding> {
    let mut slow: Vec<(String, String, u64, f64, Option<Slowest>)> = Vec::new();
    for s in a
        .sections
        .iter_mut()
        .filter(|s| in_kinds(kinds, s.kind.name()))
    {
        for (k, st) in s.keys.iter_mut() {
            if st.count < min_count {
                continue;
            }
            if let Some(p) = st.q.percentile(95.0).filter(|p| *p >= p95_ms) {
                let slowest = s.slowest.get(k).cloned();
                slow.push((s.log.clone(), k.to_string(), st.count, p, slowest));
            }
        }
    }
    if slow.is_empty() {
        return Vec::new();
    }
    slow.sort_by(|x, y| y.3.total_cmp(&x.3).then(x.1.cmp(&y.1)));
    let count = slow.len() as u64;
    let endpoints = slow
        .iter()
        .take(3)
        .map(|(_, k, _, p, _)| format!("{} (P95 {:.1} s)", sz.text(k), p / 1000.0))
        .collect::<Vec<_>>()
        .join(", ");
    // Each endpoint's slowest request, as a line of the log (the
    // statistic when the pass kept none: past its bounds).
    let evidence = slow
        .iter()
        .take(EVIDENCE_PER_FINDING)
        .map(|(log, k, n, p, slowest)| {
            let stat = format!("{}: {n} requests, P95 {:.0} ms", sz.text(k), p);
            match slowest {
                Some(x) => EvidenceLine {
                    file: sz.text(&x.file).into_owned(),
                    line: Some(x.line_no),
                    quote: shown(
                        sz,
                        &format!("{stat}; slowest {:.0} ms: {}", x.duration_ms, x.quote),
                    ),
                },
                None => EvidenceLine {
                    file: sz.text(log).into_owned(),
                    line: None,
                    quote: stat,
                },
            }
        })
        .collect();
    let vars = [
        ("count", count.to_string()),
        ("endpoints", endpoints),
        ("value", num(p95_ms)),
    ];
    vec![Finding::of(c, &vars, count, None, evidence)]
}

/// The host in a few lines, from what `summary`'s overview reads
/// ([`crate::summary::overview`]); what the bundle does not say is said.
fn environment(a: &Analysis, sz: &dyn Sanitize) -> Vec<(String, String)> {
    let f = &a.facts;
    let unknown = || "not in the bundle".to_string();
    let mut v = Vec::new();
    let t = |s: &str| sz.text(s).into_owned();
    v.push((
        "GitLab".into(),
        f.gitlab_version.as_deref().map_or_else(unknown, t),
    ));
    let names: Vec<&str> = a.files.iter().map(|x| x.name.as_str()).collect();
    let install = if names
        .iter()
        .any(|n| n.contains("kubesos") || n.contains("kubectl"))
    {
        "Kubernetes (kubesos)"
    } else if names.iter().any(|n| n.ends_with("gitlab_status")) {
        "Omnibus (gitlab-ctl status present)"
    } else {
        "unknown"
    };
    v.push(("Install".into(), install.to_string()));
    let os = match (&f.os, &f.kernel) {
        (Some(o), Some(k)) => format!("{}, {}", t(o), t(k)),
        (Some(o), None) => t(o),
        (None, Some(k)) => t(k),
        (None, None) => unknown(),
    };
    v.push(("OS".into(), os));
    let cpu = match (f.cpus, &f.cpu_model) {
        (Some(n), Some(m)) => format!("{n} × {}", t(m)),
        (Some(n), None) => n.to_string(),
        _ => unknown(),
    };
    v.push(("CPUs".into(), cpu));
    let mem = match (f.mem_total_mb, f.mem_available_mb) {
        (Some(tot), Some(av)) => format!("{tot} MB total, {av} MB available"),
        (Some(tot), None) => format!("{tot} MB total"),
        _ => unknown(),
    };
    v.push(("Memory".into(), mem));
    let pg = if f.postgresql.is_empty() {
        unknown()
    } else {
        format!("bundled {}", t(&f.postgresql.join(", ")))
    };
    let pg = if f.topology.contains(&"external PostgreSQL") {
        format!("external (gitlab.rb); {pg}")
    } else {
        pg
    };
    let pg = match &f.postgresql_running {
        Some((ver, file, line)) => format!("running {} ({}:{line}); {pg}", t(ver), t(file)),
        None => pg,
    };
    v.push(("PostgreSQL".into(), pg));
    v.push((
        "Host uptime".into(),
        f.uptime.as_deref().map_or_else(unknown, t),
    ));
    if !f.services.is_empty() {
        let up = f.services.iter().filter(|s| s.state == "run").count();
        let oldest = f.services.iter().filter_map(|s| s.uptime_s).max();
        let mut s = format!("{up} of {} running", f.services.len());
        if let Some(u) = oldest {
            s.push_str(&format!(", longest uptime {:.1} d", u as f64 / 86_400.0));
        }
        v.push(("Services".into(), s));
    }
    if let Some(d) = f.disks.iter().max_by_key(|d| d.use_pct.unwrap_or(0)) {
        v.push((
            "Disks".into(),
            format!(
                "{} filesystems; fullest {} at {}%",
                f.disks.len(),
                t(&d.mount),
                d.use_pct.unwrap_or(0)
            ),
        ));
    }
    v.push((
        "Topology".into(),
        if f.topology.is_empty() {
            if names.iter().any(|n| n.ends_with("gitlab.rb")) {
                "single node (nothing in gitlab.rb says otherwise)".to_string()
            } else {
                "gitlab.rb not in the bundle".to_string()
            }
        } else {
            f.topology.join(", ")
        },
    ));
    let logs = a.files.iter().filter(|x| !x.kinds.is_empty()).count();
    let span = match a.span() {
        (Some(s), Some(e)) => format!("{} – {} ({logs} log files)", format_ms(s), format_ms(e)),
        _ => format!("no timed log lines ({logs} log files)"),
    };
    v.push(("Logs".into(), span));
    v
}

/// Events and failures of all logs over time, in at most ~120 buckets.
fn chart(a: &Analysis) -> Chart {
    let mut m: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for s in &a.sections {
        for (k, b) in &s.minutes {
            let e = m.entry(*k).or_default();
            e.0 += b.events;
            e.1 += b.fails;
        }
    }
    let (Some((&first, _)), Some((&last, _))) = (m.first_key_value(), m.last_key_value()) else {
        return Chart::default();
    };
    let span = last - first + 1;
    let per = [1i64, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440]
        .into_iter()
        .find(|p| span / p <= 120)
        .unwrap_or((span / 120).max(1));
    let start = first.div_euclid(per) * per;
    let n = ((last - start) / per + 1) as usize;
    let mut buckets: Vec<(i64, u64, u64)> = (0..n)
        .map(|i| ((start + i as i64 * per) * 60_000, 0, 0))
        .collect();
    for (k, (e, f)) in m {
        let i = ((k - start) / per) as usize;
        buckets[i].1 += e;
        buckets[i].2 += f;
    }
    Chart {
        buckets,
        bucket_ms: per * 60_000,
        marks: Vec::new(),
    }
}
