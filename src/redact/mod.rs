//! Redaction: findings replaced by masks and keyed pseudonyms, without
//! breaking the structure support needs.
//!
//! * **Credentials** become `[REDACTED:<rule>/<fingerprint>]`; the rule's
//!   non-secret prefix (`glpat-`) is outside the finding and stays.
//! * **Identifiers** (network, identity and custom categories) become keyed
//!   pseudonyms of the same shape ([`pseudo`]).
//! * **Structure stays**: replacements contain no quote, backslash or line
//!   feed, a span never splits a backslash escape (so JSON strings stay valid
//!   and `\"` is never half-removed), and a multi-line secret is masked line by
//!   line so line counts do not change.
//! * **Idempotent**: a value that already is a mask or a pseudonym (decided by
//!   shape, [`pseudo::is_own`]) is left as it is, so redacting redacted output
//!   changes nothing.

pub mod key;
pub mod learn;
pub mod map;
pub mod pseudo;
pub mod report;
pub mod verify;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::detect::{ChunkView, Engine, RuleId, ScanOptions};
use crate::rules::Category;

pub use key::Key;
pub use pseudo::Pseudonymizer;

/// Replacements made, by rule id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub by_rule: BTreeMap<String, u64>,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.by_rule.values().sum()
    }

    pub fn add(&mut self, other: &Counts) {
        for (k, v) in &other.by_rule {
            *self.by_rule.entry(k.clone()).or_default() += v;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How every mask starts.
pub const MASK_OPEN: &[u8] = b"[REDACTED:";

/// A value's replacement for one rule (`None`: it is airlock's own).
type Replacement = (RuleId, Option<Box<[u8]>>);

/// Per-input state of a redaction: replacements already worked out (an
/// address or a user name recurs thousands of times in one log) and counts
/// by rule.
///
/// # Performance
///
/// Looked up by the raw bytes, without allocating; about a tenth of the cost
/// of working a pseudonym out again. Bounded: cleared at [`Pass::MAX`]
/// entries.
#[derive(Default)]
struct Pass {
    cache: foldhash::HashMap<Box<[u8]>, Vec<Replacement>>,
    by_rule: Vec<u64>,
}

impl Pass {
    const MAX: usize = 1 << 16;

    fn replacement(
        &mut self,
        rule: RuleId,
        value: &[u8],
        make: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Option<&[u8]> {
        let hit = self
            .cache
            .get(value)
            .and_then(|v| v.iter().position(|(r, _)| *r == rule));
        let entry = match hit {
            Some(i) => i,
            None => {
                if self.cache.len() >= Self::MAX {
                    self.cache.clear();
                }
                let made = make().map(Vec::into_boxed_slice);
                let v = self.cache.entry(value.into()).or_default();
                v.push((rule, made));
                v.len() - 1
            }
        };
        self.cache.get(value).and_then(|v| v[entry].1.as_deref())
    }

    fn add_counts(&mut self, by_rule: &[u64]) {
        if self.by_rule.len() < by_rule.len() {
            self.by_rule.resize(by_rule.len(), 0);
        }
        for (a, b) in self.by_rule.iter_mut().zip(by_rule) {
            *a += b;
        }
    }

    fn count(&mut self, rule: RuleId) {
        let i = rule.0 as usize;
        if self.by_rule.len() <= i {
            self.by_rule.resize(i + 1, 0);
        }
        self.by_rule[i] += 1;
    }

    fn add_to(&self, engine: &Engine, counts: &mut Counts) {
        for (i, n) in self.by_rule.iter().enumerate() {
            if *n > 0 {
                *counts
                    .by_rule
                    .entry(engine.rule(RuleId(i as u32)).id.clone())
                    .or_default() += n;
            }
        }
    }
}

/// Rules and pseudonyms, ready to rewrite any number of inputs.
pub struct Redactor {
    engine: Engine,
    pseudo: Pseudonymizer,
    opts: ScanOptions,
    /// Threads for the chunks of one input (see
    /// [`crate::detect::Matcher::scan_reader_parallel_map`]).
    jobs: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("engine", &self.engine)
            .field("pseudo", &self.pseudo)
            .finish()
    }
}

impl Redactor {
    pub fn new(engine: Engine, pseudo: Pseudonymizer) -> Redactor {
        Redactor {
            engine,
            pseudo,
            opts: ScanOptions::default(),
            jobs: 1,
        }
    }

    pub fn with_options(mut self, opts: ScanOptions) -> Redactor {
        self.opts = opts;
        self
    }

    /// Redact the chunks of one input on `jobs` threads (the output does not
    /// depend on it).
    pub fn with_jobs(mut self, jobs: usize) -> Redactor {
        self.jobs = jobs.max(1);
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn pseudonymizer(&self) -> &Pseudonymizer {
        &self.pseudo
    }

    /// What replaces `value`, found by `rule`; `None` keeps it (it is already
    /// a mask or a pseudonym).
    pub fn replacement(&self, rule: RuleId, value: &[u8]) -> Option<Vec<u8>> {
        let info = self.engine.rule(rule);
        let text = String::from_utf8_lossy(value);
        if info.category == Category::Credential || info.kind == "encoded" {
            return Some(self.mask_lines(&info.id, value));
        }
        let p = self
            .pseudo
            .pseudonym(&info.kind, &text)
            .unwrap_or_else(|| self.pseudo.generic(&info.kind, &text));
        Some(p.into_bytes())
    }

    /// A credential's mask, once per line of it (PEM blocks keep their line
    /// count; a `\r` before a line feed stays).
    fn mask_lines(&self, rule: &str, value: &[u8]) -> Vec<u8> {
        let mask = self.pseudo.mask(rule, value);
        let mut out = Vec::with_capacity(mask.len());
        for (i, line) in value.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            let (body, cr) = match line.strip_suffix(b"\r") {
                Some(b) => (b, true),
                None => (line, false),
            };
            if !body.is_empty() {
                out.extend_from_slice(mask.as_bytes());
            }
            if cr {
                out.push(b'\r');
            }
        }
        out
    }

    /// What replaces `value` unless airlock wrote it (a mask or a pseudonym
    /// of the rule's kind, judged by the value alone).
    fn replacement_unless_own(&self, rule: RuleId, value: &[u8]) -> Option<Vec<u8>> {
        let info = self.engine.rule(rule);
        let text = String::from_utf8_lossy(value);
        if pseudo::is_own(&info.kind, &text) || pseudo::is_generic_own(&info.kind, &text) {
            return None;
        }
        self.replacement(rule, value)
    }

    /// Write one chunk with its findings replaced.
    fn write_chunk(
        &self,
        chunk: &ChunkView<'_>,
        out: &mut dyn Write,
        pass: &mut Pass,
    ) -> io::Result<()> {
        let bytes = chunk.bytes;
        // Masks around a finding change what it is (see `is_own_at`); in a
        // chunk without any, the value alone decides, and the decision is
        // cached.
        let masks_here = memchr::memmem::find(bytes, MASK_OPEN).is_some();
        let mut pos = 0;
        for f in chunk.findings {
            let (mut s, e) = escape_safe_span(bytes, f.start, f.end);
            s = s.max(pos);
            if e <= s {
                continue;
            }
            out.write_all(&bytes[pos..s])?;
            let value = &bytes[s..e];
            let own_by_context = masks_here && is_own_at(&self.engine, f.rule, bytes, s, e);
            let replaced = if own_by_context {
                None
            } else {
                pass.replacement(f.rule, value, || self.replacement_unless_own(f.rule, value))
            };
            match replaced {
                Some(r) => {
                    out.write_all(r)?;
                    pass.count(f.rule);
                }
                None => out.write_all(value)?,
            }
            pos = e;
        }
        out.write_all(&bytes[pos..])
    }

    /// Redact a stream. `path` selects path-limited rules (`None`: all).
    pub fn redact_stream(
        &self,
        path: Option<&Path>,
        input: &mut dyn Read,
        out: &mut dyn Write,
        counts: &mut Counts,
    ) -> io::Result<()> {
        self.redact_stream_jobs(path, input, out, counts, self.jobs)
    }

    /// [`Redactor::redact_stream`] on `jobs` threads (at most the
    /// redactor's own).
    pub fn redact_stream_jobs(
        &self,
        path: Option<&Path>,
        input: &mut dyn Read,
        out: &mut dyn Write,
        counts: &mut Counts,
        jobs: usize,
    ) -> io::Result<()> {
        let jobs = jobs.min(self.jobs);
        let matcher = self.engine.matcher(path);
        let mut pass = Pass::default();
        if jobs > 1 {
            // Each chunk redacted on a worker, written here in order.
            // Caches are reused from chunk to chunk (one per worker at a
            // time): a fresh one per chunk would work every recurring
            // pseudonym out again for each megabyte.
            let caches: Mutex<Vec<Pass>> = Mutex::new(Vec::new());
            let work = |chunk: ChunkView<'_>| {
                let mut local = lock(&caches).pop().unwrap_or_default();
                let mut buf = Vec::with_capacity(chunk.bytes.len() + chunk.bytes.len() / 8);
                self.write_chunk(&chunk, &mut buf, &mut local)
                    .expect("writing to a Vec cannot fail");
                let by_rule = std::mem::take(&mut local.by_rule);
                lock(&caches).push(local);
                (buf, by_rule)
            };
            matcher.scan_reader_parallel_map(
                input,
                &self.opts,
                jobs,
                work,
                |_, _, (buf, by_rule)| {
                    pass.add_counts(&by_rule);
                    out.write_all(&buf)
                },
            )?;
        } else {
            matcher.scan_reader(input, &self.opts, |chunk| {
                self.write_chunk(&chunk, out, &mut pass)
            })?;
        }
        pass.add_to(&self.engine, counts);
        Ok(())
    }

    /// Redact bytes held in memory.
    pub fn redact_bytes(&self, path: Option<&Path>, data: &[u8], counts: &mut Counts) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        let matcher = self.engine.matcher(path);
        let mut pass = Pass::default();
        matcher
            .scan_slice(data, &self.opts, |chunk| {
                self.write_chunk(&chunk, &mut out, &mut pass)
            })
            .expect("writing to a Vec cannot fail");
        pass.add_to(&self.engine, counts);
        out
    }

    /// Redact a short text (a member name, a line for a report).
    pub fn redact_text(&self, text: &str) -> String {
        let mut counts = Counts::default();
        String::from_utf8_lossy(&self.redact_bytes(None, text.as_bytes(), &mut counts)).into_owned()
    }
}

/// Is the finding `hay[s..e]` of `rule` airlock's own output? A pseudonym
/// of the rule's kind, or masks: once every complete mask around the finding
/// is taken away, nothing may be left but a rule keyword directly before a
/// mask (the public prefix of a token, `glft-`). Decided against the
/// haystack, because another rule's span may start or end inside a mask
/// (`feed_token=glft-[REDACTED:…/03c26a` without its `]`).
pub fn is_own_at(engine: &Engine, rule: RuleId, hay: &[u8], s: usize, e: usize) -> bool {
    is_own_value(engine, rule, &hay[s..e]) || is_own_by_masks(engine, hay, s, e)
}

/// Is `value` a pseudonym of `rule`'s kind, or a mask (judged by the value
/// alone, so the answer can be cached per value)?
pub fn is_own_value(engine: &Engine, rule: RuleId, value: &[u8]) -> bool {
    let info = engine.rule(rule);
    let text = String::from_utf8_lossy(value);
    pseudo::is_own(&info.kind, &text) || pseudo::is_generic_own(&info.kind, &text)
}

/// Do masks around `hay[s..e]` account for all of it (see [`is_own_at`])?
pub fn is_own_by_masks(engine: &Engine, hay: &[u8], s: usize, e: usize) -> bool {
    let masks = masks_near(hay, s, e);
    if masks.is_empty() {
        return false;
    }
    let is_keyword = |p: &[u8]| {
        engine.rules().iter().any(|r| {
            r.keywords
                .iter()
                .any(|k| k.as_bytes().eq_ignore_ascii_case(p))
        })
    };
    // What of s..e no mask covers.
    let mut left = Vec::new();
    let mut at = s;
    for &(ms, me) in &masks {
        if me <= at || ms >= e {
            continue;
        }
        if ms > at {
            left.push((at, ms));
        }
        at = at.max(me);
    }
    if at < e {
        left.push((at, e));
    }
    match left.as_slice() {
        [] => true,
        [(ps, pe)] => masks.iter().any(|&(ms, _)| ms == *pe) && is_keyword(&hay[*ps..*pe]),
        _ => false,
    }
}

/// Complete masks (`[REDACTED:<rule>/<hex>]`) that overlap or touch
/// `s..e`, in order.
fn masks_near(hay: &[u8], s: usize, e: usize) -> Vec<(usize, usize)> {
    const OPEN: &[u8] = b"[REDACTED:";
    // Masks are short: a rule id and six hex digits.
    const LONGEST: usize = 160;
    let from = s.saturating_sub(LONGEST);
    let to = (e + LONGEST).min(hay.len());
    let mut out = Vec::new();
    for i in memchr::memmem::find_iter(&hay[from..to], OPEN) {
        let ms = from + i;
        let Some(len) = memchr::memchr(b']', &hay[ms..to]) else {
            continue;
        };
        let me = ms + len + 1;
        if me >= s && ms <= e && pseudo::is_mask(&String::from_utf8_lossy(&hay[ms..me])) {
            out.push((ms, me));
        }
    }
    out
}

/// Widen `start..end` so it never splits a backslash escape: a span starting
/// right after an escaping backslash takes the backslash, and a span ending
/// in an escaping backslash takes the escaped byte (never a line feed).
pub fn escape_safe_span(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let run_before = |i: usize| bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
    let mut s = start;
    if s > 0 && run_before(s) % 2 == 1 {
        s -= 1;
    }
    let mut e = end;
    if e > s && run_before(e) % 2 == 1 && e < bytes.len() && bytes[e] != b'\n' {
        e += 1;
    }
    (s, e)
}
