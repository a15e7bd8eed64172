//! Evidence for `airlock brief`, collected in the same single pass as the
//! statistics: lines that match a probe (`file:line`, its time, a short
//! quote) and, per log and minute, the failures with the endpoints, error
//! classes and gRPC codes in them plus a few sample lines.
//!
//! This module knows nothing of checks: a [`Probe`] is a list of
//! (file globs, regex) pairs that [`crate::brief`] builds from its checks;
//! what the hits mean is decided there, after the pass.
//!
//! # Bounds
//!
//! [`MAX_LINE_HITS`] kept hits per probe (the rest counted),
//! [`MAX_FAIL_MINUTES`] (log, minute) cells, [`MAX_GROUPS`] distinct
//! endpoints / classes / codes per cell, [`MAX_SAMPLES`] sample lines per
//! cell and [`MAX_TOTAL_SAMPLES`] in all (each up to [`MAX_RAW`] bytes):
//! samples stay under ~50 MB whatever the input, and a cell without them is
//! a few hundred bytes of counts.
//!
//! # Performance
//!
//! Nothing here runs unless `Want::probe` is set (only `brief` sets it). A
//! probe's regexes run only on lines of files its globs name (command
//! outputs and the PostgreSQL log), and failure cells are touched only by
//! failed events, which are a small share of any log.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::GlobSet;
use regex_automata::meta::Regex;

use super::analyze::Map;

/// Hits kept per probe.
pub const MAX_LINE_HITS: usize = 200;
/// (log, minute) cells with failures.
pub const MAX_FAIL_MINUTES: usize = 200_000;
/// Distinct values per dimension and cell.
pub const MAX_GROUPS: usize = 50;
/// Sample lines per cell; at most [`SAMPLES_PER_SHAPE`] per (endpoint,
/// class, code), so a minute that mixes failures keeps one of each.
pub const MAX_SAMPLES: usize = 12;
pub const SAMPLES_PER_SHAPE: usize = 2;
/// Raw lines are kept up to this many bytes: enough that a secret near
/// the start of a line is whole when the report sanitizes it. The shown
/// quote is cut to [`MAX_QUOTE`] only after sanitizing, so a cut never
/// halves a secret into something no rule recognises.
pub const MAX_RAW: usize = 2_000;
/// Quotes are shown up to this many bytes (after sanitizing).
pub const MAX_QUOTE: usize = 240;
/// Sample lines kept in all (memory: at most this × [`MAX_RAW`]).
pub const MAX_TOTAL_SAMPLES: usize = 25_000;

/// What to look for in lines, by file.
pub struct Probe {
    pub items: Vec<ProbeItem>,
}

/// One regex, on the lines of the files its globs match.
pub struct ProbeItem {
    pub files: GlobSet,
    pub regex: Regex,
}

// Regexes and globs print as their count only (keeps `Want` Debug small).
impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("items", &self.items.len())
            .finish()
    }
}

impl Probe {
    /// Indices of the items whose globs match `path` (a member's path
    /// inside the bundle, `/`-separated).
    pub fn applicable(&self, path: &str) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.files.is_match(path))
            .map(|(i, _)| i)
            .collect()
    }
}

pub type SharedProbe = Arc<Probe>;

/// A line a probe matched.
#[derive(Clone)]
pub struct LineHit {
    pub item: usize,
    pub file: String,
    pub line_no: u64,
    pub time: Option<i64>,
    /// Named groups of the regex (`item`, `n`, `of`, …) → their text.
    pub groups: Vec<(String, String)>,
    pub quote: String,
}

/// A failed event kept as an example.
#[derive(Clone)]
pub struct Sample {
    pub file: String,
    pub line_no: u64,
    pub time: i64,
    pub key: Option<String>,
    pub class: Option<String>,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub correlation_id: Option<String>,
    pub quote: String,
}

/// The failures of one log in one minute.
#[derive(Clone, Default)]
pub struct FailMinute {
    pub fails: u64,
    pub keys: Map<String, u64>,
    pub classes: Map<String, u64>,
    pub codes: Map<String, u64>,
    pub samples: Vec<Sample>,
}

fn bump(m: &mut Map<String, u64>, v: &str) {
    if let Some(n) = m.get_mut(v) {
        *n += 1;
    } else if m.len() < MAX_GROUPS {
        m.insert(v.to_string(), 1);
    }
}

/// Everything collected for `brief`. Holds raw log text: `Debug` prints
/// counts only.
#[derive(Clone, Default)]
pub struct Evidence {
    pub hits: Vec<LineHit>,
    /// Matches per probe item (kept or not).
    pub hit_counts: Vec<u64>,
    /// First and last time of the matches per probe item (kept or not).
    pub hit_spans: Vec<(Option<i64>, Option<i64>)>,
    /// Files per probe item whose path its globs matched (read or not): an
    /// item with none had no input, which `brief` reports as such.
    pub files_per_item: Vec<u64>,
    /// (log kind name, minute since the epoch) → failures.
    pub fail_minutes: BTreeMap<(String, i64), FailMinute>,
    pub fail_overflow: u64,
    /// Samples kept in all cells.
    pub samples_total: usize,
}

impl std::fmt::Debug for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evidence")
            .field("hits", &self.hits.len())
            .field("fail_minutes", &self.fail_minutes.len())
            .finish_non_exhaustive()
    }
}

/// A raw line as kept (trimmed, cut at [`MAX_RAW`]).
pub fn quote(raw: &[u8]) -> String {
    cut(String::from_utf8_lossy(raw).trim(), MAX_RAW)
}

/// `s` cut to `max` bytes at a character boundary, with `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A failed event as the brief sees it.
pub struct Failure<'a> {
    pub kind: &'a str,
    pub file: &'a str,
    pub line_no: u64,
    pub time: i64,
    pub key: Option<&'a str>,
    pub class: Option<&'a str>,
    pub code: Option<&'a str>,
    pub status: Option<u16>,
    pub correlation_id: Option<&'a str>,
    pub raw: &'a [u8],
}

impl Evidence {
    /// Note that a file matched the globs of `items`.
    pub fn saw_file(&mut self, items: &[usize], n_items: usize) {
        if self.files_per_item.len() < n_items {
            self.files_per_item.resize(n_items, 0);
            self.hit_counts.resize(n_items, 0);
            self.hit_spans.resize(n_items, (None, None));
        }
        for &i in items {
            self.files_per_item[i] += 1;
        }
    }

    /// Run the probe `items` on one line.
    pub fn probe_line(
        &mut self,
        probe: &Probe,
        items: &[usize],
        file: &str,
        line_no: u64,
        time: Option<i64>,
        line: &[u8],
    ) {
        for &i in items {
            let re = &probe.items[i].regex;
            let mut caps = re.create_captures();
            re.captures(line, &mut caps);
            if !caps.is_match() {
                continue;
            }
            self.hit_counts[i] += 1;
            if let Some(t) = time {
                let (a, b) = &mut self.hit_spans[i];
                *a = Some(a.map_or(t, |a| a.min(t)));
                *b = Some(b.map_or(t, |b| b.max(t)));
            }
            if self.hit_counts[i] as usize > MAX_LINE_HITS {
                continue;
            }
            let mut groups = Vec::new();
            for (gi, name) in re
                .group_info()
                .pattern_names(regex_automata::PatternID::ZERO)
                .enumerate()
            {
                if let (Some(name), Some(span)) = (name, caps.get_group(gi)) {
                    groups.push((
                        name.to_string(),
                        String::from_utf8_lossy(&line[span.range()]).into_owned(),
                    ));
                }
            }
            self.hits.push(LineHit {
                item: i,
                file: file.to_string(),
                line_no,
                time,
                groups,
                quote: quote(line),
            });
        }
    }

    /// Count one failed event in its (log, minute) cell.
    pub fn failure(&mut self, f: Failure<'_>) {
        let minute = f.time.div_euclid(60_000);
        let n = self.fail_minutes.len();
        let cell_key = (f.kind.to_string(), minute);
        let cell = match self.fail_minutes.get_mut(&cell_key) {
            Some(c) => c,
            None if n < MAX_FAIL_MINUTES => self.fail_minutes.entry(cell_key).or_default(),
            None => {
                self.fail_overflow += 1;
                return;
            }
        };
        cell.fails += 1;
        if let Some(k) = f.key {
            bump(&mut cell.keys, k);
        }
        if let Some(c) = f.class {
            bump(&mut cell.classes, c);
        }
        if let Some(c) = f.code {
            bump(&mut cell.codes, c);
        }
        if cell.samples.len() < MAX_SAMPLES && self.samples_total < MAX_TOTAL_SAMPLES {
            let same = cell
                .samples
                .iter()
                .filter(|s| {
                    s.key.as_deref() == f.key
                        && s.class.as_deref() == f.class
                        && s.code.as_deref() == f.code
                })
                .count();
            if same < SAMPLES_PER_SHAPE {
                cell.samples.push(Sample {
                    file: f.file.to_string(),
                    line_no: f.line_no,
                    time: f.time,
                    key: f.key.map(str::to_string),
                    class: f.class.map(str::to_string),
                    code: f.code.map(str::to_string),
                    status: f.status,
                    correlation_id: f.correlation_id.map(str::to_string),
                    quote: quote(f.raw),
                });
                self.samples_total += 1;
            }
        }
    }
}
