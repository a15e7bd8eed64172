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

use super::analyze::{Map, TraceHit};

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
/// Slowest requests kept in all (one per section and endpoint; each a
/// line of up to [`MAX_RAW`] bytes).
pub const MAX_SLOWEST: usize = 20_000;
/// Lines of followed requests kept in all (see [`TraceSample`]; each a few
/// hundred bytes: messages are cut, raw lines not kept).
pub const MAX_TRACED_LINES: usize = 30_000;
/// Lines kept per followed request (a long job logs more; its first ones
/// tell the path).
pub const MAX_LINES_PER_ID: usize = 200;

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

impl LineHit {
    /// The text of the regex's group `name`, when it took part.
    pub fn group(&self, name: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
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
    /// The first failures of each shape (endpoint, class, code): evidence.
    pub samples: Vec<Sample>,
    /// Per shape, the failure whose request id hashes lowest (see
    /// [`TraceSample`]): the one most likely to have been followed, so a
    /// finding can show a whole request without a second read.
    pub traceable: Vec<(u64, Sample)>,
}

/// A request id's place in the trace sample: a fixed, well-mixed hash
/// (FNV-1a, then the SplitMix64 finalizer), the same on every run and
/// machine, so a raw bundle and its redaction (ids survive redaction)
/// follow the same requests.
pub fn id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Every line of a sample of request ids, collected in the main pass so
/// that `brief` can follow a failing request across the logs without
/// reading the bundle again (the ids worth following are known only at
/// the end).
///
/// Which ids: those whose [`id_hash`] is lowest (a bottom-k sample), as
/// many as [`MAX_TRACED_LINES`] allows. The choice depends on the id
/// alone, never on the order files are read in, so every line of a kept
/// id is kept, whichever log it is in and whether it came before or after
/// the failure. When the budget is full the id with the highest hash is
/// dropped and no id hashing at or above it is taken again. A bundle with
/// fewer lines than the budget keeps every request; a large one keeps a
/// uniform sample, and [`FailMinute::traceable`] remembers the failures
/// most likely to be in it.
#[derive(Clone)]
pub struct TraceSample {
    /// Lines kept at most ([`MAX_TRACED_LINES`]).
    budget: usize,
    /// Ids hashing at or above this are not kept (`None`: no id dropped).
    threshold: Option<u64>,
    by_hash: BTreeMap<u64, Vec<(String, Vec<TraceHit>)>>,
    lines: usize,
    /// Lines of kept ids beyond [`MAX_LINES_PER_ID`].
    pub overflow: u64,
}

impl Default for TraceSample {
    fn default() -> TraceSample {
        TraceSample::with_budget(MAX_TRACED_LINES)
    }
}

impl TraceSample {
    /// A sample keeping at most `budget` lines.
    pub fn with_budget(budget: usize) -> TraceSample {
        TraceSample {
            budget,
            threshold: None,
            by_hash: BTreeMap::new(),
            lines: 0,
            overflow: 0,
        }
    }

    fn admits(&self, h: u64) -> bool {
        self.threshold.is_none_or(|t| h < t)
    }

    /// One line of request `id`, built only when the id is kept.
    pub fn offer(&mut self, id: &str, hit: impl FnOnce() -> TraceHit) {
        let h = id_hash(id);
        if !self.admits(h) {
            return;
        }
        let ids = self.by_hash.entry(h).or_default();
        let hits = match ids.iter().position(|(x, _)| x == id) {
            Some(i) => &mut ids[i].1,
            None => {
                ids.push((id.to_string(), Vec::new()));
                &mut ids.last_mut().expect("just pushed").1
            }
        };
        if hits.len() >= MAX_LINES_PER_ID {
            self.overflow += 1;
            return;
        }
        hits.push(hit());
        self.lines += 1;
        while self.lines > self.budget {
            let Some((h, dropped)) = self.by_hash.pop_last() else {
                break;
            };
            self.lines -= dropped.iter().map(|(_, v)| v.len()).sum::<usize>();
            self.threshold = Some(h);
        }
    }

    /// Whether every line of `id` was kept.
    pub fn contains(&self, id: &str) -> bool {
        let h = id_hash(id);
        self.by_hash
            .get(&h)
            .is_some_and(|ids| ids.iter().any(|(x, _)| x == id))
    }

    /// The lines of `id`, in reading order (empty when it was not kept).
    pub fn take(&mut self, id: &str) -> Vec<TraceHit> {
        let h = id_hash(id);
        let Some(ids) = self.by_hash.get_mut(&h) else {
            return Vec::new();
        };
        match ids.iter().position(|(x, _)| x == id) {
            Some(i) => {
                let (_, hits) = ids.swap_remove(i);
                self.lines -= hits.len();
                hits
            }
            None => Vec::new(),
        }
    }

    /// Requests kept.
    pub fn ids(&self) -> usize {
        self.by_hash.values().map(Vec::len).sum()
    }
}

fn bump(m: &mut Map<String, u64>, v: &str) {
    if let Some(n) = m.get_mut(v) {
        *n += 1;
    } else if m.len() < MAX_GROUPS {
        m.insert(v.to_string(), 1);
    }
}

/// The slowest request seen on one endpoint: what a `slow` finding shows
/// as its `file:line` evidence.
#[derive(Clone)]
pub struct Slowest {
    pub duration_ms: f64,
    pub file: String,
    pub line_no: u64,
    pub quote: String,
}

/// A request of `key` that took `duration_ms`, into `slowest` (one
/// section's, endpoint → slowest request) when it is the slowest of its
/// endpoint so far; `total` bounds the kept requests over all sections
/// ([`MAX_SLOWEST`]).
pub fn keep_slowest(
    slowest: &mut std::collections::HashMap<Box<str>, Slowest>,
    total: &mut usize,
    key: &str,
    duration_ms: f64,
    (file, line_no, raw): (&str, u64, &[u8]),
) {
    let keep = || Slowest {
        duration_ms,
        file: file.to_string(),
        line_no,
        quote: quote(raw),
    };
    match slowest.get_mut(key) {
        Some(s) if duration_ms > s.duration_ms => *s = keep(),
        Some(_) => {}
        None if *total < MAX_SLOWEST => {
            slowest.insert(key.into(), keep());
            *total += 1;
        }
        None => {}
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
    /// Slowest requests kept in all sections (see [`keep_slowest`]).
    pub slowest_total: usize,
    /// Traceable samples kept in all cells (bounded as `samples_total`).
    pub traceable_total: usize,
    /// Every line of a sample of requests, to follow one per finding.
    pub traces: TraceSample,
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
            // Most lines match no probe: a plain match test (prefilter, no
            // capture slots to allocate) rules them out first.
            if !re.is_match(line) {
                continue;
            }
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
        let sample_bare = || Sample {
            file: f.file.to_string(),
            line_no: f.line_no,
            time: f.time,
            key: f.key.map(str::to_string),
            class: f.class.map(str::to_string),
            code: f.code.map(str::to_string),
            status: f.status,
            correlation_id: f.correlation_id.map(str::to_string),
            quote: String::new(),
        };
        let sample = || Sample {
            quote: quote(f.raw),
            ..sample_bare()
        };
        if let Some(id) = f.correlation_id {
            let h = id_hash(id);
            let same = |s: &Sample| {
                s.key.as_deref() == f.key
                    && s.class.as_deref() == f.class
                    && s.code.as_deref() == f.code
            };
            match cell.traceable.iter().position(|(_, s)| same(s)) {
                Some(i) if h < cell.traceable[i].0 => cell.traceable[i] = (h, sample_bare()),
                Some(_) => {}
                None if cell.traceable.len() < MAX_SAMPLES
                    && self.traceable_total < MAX_TOTAL_SAMPLES =>
                {
                    // Only the request matters here, not the line.
                    cell.traceable.push((h, sample_bare()));
                    self.traceable_total += 1;
                }
                None => {}
            }
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
                cell.samples.push(sample());
                self.samples_total += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hit(id: &str, line_no: u64) -> TraceHit {
        TraceHit::bare(id, "f", line_no, String::new())
    }

    proptest! {
        /// Whatever the order lines come in: a kept request has every one
        /// of its lines, the kept requests are those with the lowest
        /// hashes, the budget holds, and nothing is dropped that fits.
        #[test]
        fn trace_sample_keeps_whole_requests_with_the_lowest_hashes(
            offers in proptest::collection::vec(0u8..60, 0..600),
            budget in 1usize..200,
        ) {
            let mut sample = TraceSample::with_budget(budget);
            let mut all: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for (n, id) in offers.iter().enumerate() {
                let id = format!("req-{id}");
                all.entry(id.clone()).or_default().push(n as u64);
                sample.offer(&id, || hit(&id, n as u64));
            }
            prop_assert!(sample.lines <= budget);
            let (kept, dropped): (Vec<&String>, Vec<&String>) =
                all.keys().partition(|id| sample.contains(id));
            let total: usize = all.values().map(Vec::len).sum();
            if total <= budget {
                prop_assert!(dropped.is_empty());
            }
            if let (Some(hi), Some(lo)) = (
                kept.iter().map(|id| id_hash(id)).max(),
                dropped.iter().map(|id| id_hash(id)).min(),
            ) {
                prop_assert!(hi < lo, "a kept request hashes above a dropped one");
            }
            for id in kept {
                let lines: Vec<u64> = sample.take(id).iter().map(|h| h.line_no).collect();
                prop_assert_eq!(&lines, &all[id], "request {} lost lines", id);
            }
        }
    }
}
