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
pub mod secrets;
pub mod suspect;
pub mod tables;
pub mod verify;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::detect::shape::{self, Encoded};
use crate::detect::{ChunkView, Engine, Finding, Matcher, RuleId, ScanOptions};
use crate::rules::{Category, Decode};

pub use key::Key;
pub use pseudo::Pseudonymizer;
pub use secrets::FoundSecrets;

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
    /// A chunk's redacted bytes before they are written.
    buf: Vec<u8>,
    /// Where masks were written into `buf` (see [`Redactor::settle`]).
    masks: Vec<(usize, usize)>,
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
    /// Credentials masked where a rule with context found them, to be
    /// searched everywhere else ([`secrets`]).
    found_secrets: FoundSecrets,
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
            found_secrets: FoundSecrets::default(),
        }
    }

    /// The pseudonymizer back, with every pseudonym it gave (to redact
    /// again with more rules and the same names).
    pub fn into_pseudonymizer(self) -> Pseudonymizer {
        self.pseudo
    }

    /// Credentials masked beside a key, flag or prompt so far (see
    /// [`secrets`]).
    pub fn found_secrets(&self) -> &FoundSecrets {
        &self.found_secrets
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
        if let Some(decode) = info.decode {
            return Some(self.decoded_replacement(&info.id, decode, value));
        }
        let text = String::from_utf8_lossy(value);
        if info.category == Category::Credential || info.kind == "encoded" {
            if info.context && info.category == Category::Credential {
                self.found_secrets.note(rule, value);
            }
            return Some(self.mask_lines(&info.id, value));
        }
        let p = self
            .pseudo
            .pseudonym(&info.kind, &text)
            .unwrap_or_else(|| self.pseudo.generic(&info.kind, &text));
        Some(p.into_bytes())
    }

    /// A credential's mask, once per line of it: PEM blocks keep their line
    /// count, and each line its indentation (a key in a YAML block scalar
    /// stays inside its block) and a `\r` before its line feed.
    fn mask_lines(&self, rule: &str, value: &[u8]) -> Vec<u8> {
        let mask = self.pseudo.mask(rule, value);
        if !value.contains(&b'\n') {
            return mask.into_bytes();
        }
        let mut out = Vec::with_capacity(mask.len());
        for (i, line) in value.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
            let lead = line.iter().take_while(|b| blank(b)).count();
            let trail = line[lead..].iter().rev().take_while(|b| blank(b)).count();
            out.extend_from_slice(&line[..lead]);
            if lead + trail < line.len() {
                out.extend_from_slice(mask.as_bytes());
                out.extend_from_slice(&line[line.len() - trail..]);
            } else {
                out.extend_from_slice(&line[lead..]);
            }
        }
        out
    }

    /// The replacement of an encoded value: what it encodes, redacted and
    /// encoded again the same way (so a Kubernetes Secret still parses and
    /// names its keys). A value that does not decode to text is masked
    /// whole; one that decodes to text with nothing to hide (a CA
    /// certificate) is kept.
    fn decoded_replacement(&self, rule: &str, decode: Decode, value: &[u8]) -> Vec<u8> {
        let whole = || self.mask_lines(rule, value);
        let Some(enc) = Encoded::parse(value) else {
            return whole();
        };
        let Some(plain) = enc.decode() else {
            return whole();
        };
        if !shape::is_text(&plain) {
            return whole();
        }
        let redacted = match decode {
            Decode::Base64 => self.redact_decoded(rule, &plain),
            Decode::BasicAuth => match plain.iter().position(|b| *b == b':') {
                Some(i) => {
                    let (user, pass) = (&plain[..i], &plain[i + 1..]);
                    let mut out = self.user_in_credentials(user);
                    out.push(b':');
                    let pass_text = String::from_utf8_lossy(pass);
                    if pass.is_empty() || pseudo::is_mask(&pass_text) {
                        out.extend_from_slice(pass);
                    } else {
                        out.extend_from_slice(self.pseudo.mask(rule, pass).as_bytes());
                    }
                    out
                }
                None => self.redact_decoded(rule, &plain),
            },
        };
        if redacted == plain {
            return value.to_vec();
        }
        enc.encode_like(&redacted)
    }

    /// Decoded text, redacted with every rule. One value on one line that
    /// no rule recognises (a Secret's `password`, a bare token) is what was
    /// encoded to keep it secret: it is masked whole.
    fn redact_decoded(&self, rule: &str, plain: &[u8]) -> Vec<u8> {
        let mut counts = Counts::default();
        let out = self.redact_bytes(None, plain, &mut counts);
        if out != plain {
            return out;
        }
        let core = trim_line_end(plain);
        if core.contains(&b'\n') || core.is_empty() || is_own_text(core) {
            return out;
        }
        let mut masked = self.pseudo.mask(rule, core).into_bytes();
        masked.extend_from_slice(&plain[core.len()..]);
        masked
    }

    /// The user of a `user:password` pair: its pseudonym, unless it is a
    /// role every instance has (`gitlab-ci-token`, `oauth2`) or already
    /// airlock's own.
    fn user_in_credentials(&self, user: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(user);
        if user.is_empty() || !learn::is_learnable_user(&text) || is_own_text(user) {
            return user.to_vec();
        }
        self.pseudo
            .pseudonym("username", &text)
            .unwrap_or_else(|| self.pseudo.generic("username", &text))
            .into_bytes()
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
        matcher: &Matcher<'_>,
        chunk: &ChunkView<'_>,
        out: &mut dyn Write,
        pass: &mut Pass,
    ) -> io::Result<()> {
        let mut buf = std::mem::take(&mut pass.buf);
        let mut masks = std::mem::take(&mut pass.masks);
        buf.clear();
        masks.clear();
        self.replace_findings(chunk.bytes, chunk.findings, &mut buf, &mut masks, pass);
        if !masks.is_empty() {
            self.settle(matcher, &mut buf, &masks, pass);
        }
        let res = out.write_all(&buf);
        pass.buf = buf;
        pass.masks = masks;
        res
    }

    /// Append `bytes` to `out` with `findings` (sorted, relative to
    /// `bytes`) replaced; record where masks went.
    fn replace_findings(
        &self,
        bytes: &[u8],
        findings: &[Finding],
        out: &mut Vec<u8>,
        masks: &mut Vec<(usize, usize)>,
        pass: &mut Pass,
    ) {
        // Masks around a finding change what it is (see `is_own_at`); in a
        // chunk without any, the value alone decides, and the decision is
        // cached.
        let masks_here = memchr::memmem::find(bytes, MASK_OPEN).is_some();
        let mut pos = 0;
        // A closing quote still to write, at this input offset (a YAML
        // scalar quoted around a mask goes on after it).
        let mut close: Option<(usize, u8)> = None;
        let copy = |out: &mut Vec<u8>, from: usize, to: usize, close: &mut Option<(usize, u8)>| {
            match *close {
                Some((at, q)) if at <= to => {
                    out.extend_from_slice(&bytes[from..at]);
                    out.push(q);
                    out.extend_from_slice(&bytes[at..to]);
                    *close = None;
                }
                _ => out.extend_from_slice(&bytes[from..to]),
            }
        };
        for f in findings {
            let (mut s, e) = escape_safe_span(bytes, f.start, f.end);
            s = s.max(pos);
            if e <= s {
                continue;
            }
            copy(out, pos, s, &mut close);
            let value = &bytes[s..e];
            let own_by_context = masks_here && is_own_at(&self.engine, f.rule, bytes, s, e);
            let replaced = if own_by_context {
                None
            } else {
                pass.replacement(f.rule, value, || self.replacement_unless_own(f.rule, value))
                    .filter(|r| *r != value)
            };
            match replaced {
                Some(r) => {
                    let is_mask = memchr::memmem::find(r, MASK_OPEN).is_some();
                    // Quote the plain YAML scalar around a mask where `[`
                    // would change what it is (see `yaml_scalar_to_quote`),
                    // unless a quote opened for an earlier finding is still
                    // to close.
                    let quote = if is_mask && close.is_none() {
                        yaml_scalar_to_quote(bytes, s, e).filter(|(qs, _, _)| *qs >= pos)
                    } else {
                        None
                    };
                    if let Some((qs, _, q)) = quote {
                        out.insert(out.len() - (s - qs), q);
                    }
                    let at = out.len();
                    out.extend_from_slice(r);
                    if let Some((_, qe, q)) = quote {
                        if qe == e {
                            out.push(q);
                        } else {
                            close = Some((qe, q));
                        }
                    }
                    if is_mask {
                        masks.push((at, out.len()));
                    }
                    pass.count(f.rule);
                }
                None => out.extend_from_slice(value),
            }
            pos = e;
        }
        copy(out, pos, bytes.len(), &mut close);
    }

    /// Search the lines of `buf` that got a mask again, and redact what the
    /// rules find there now, until nothing is left.
    ///
    /// A mask changes the text around it, and a rule that lost to another
    /// at that place may match now: in `https://gitlab-ci-token:glcbt-…@host`
    /// the URL rule took the token, but once it is masked the URL rule no
    /// longer matches and `token:` + value does. Verification, which reads
    /// the output, would then refuse the whole bundle for a value airlock
    /// can mask. So the finding that overlaps a mask is redacted with it,
    /// here, before anything is written. Lines without a mask read as
    /// they did, so only those are searched again.
    fn settle(
        &self,
        matcher: &Matcher<'_>,
        buf: &mut Vec<u8>,
        masks: &[(usize, usize)],
        pass: &mut Pass,
    ) {
        // Lines holding a mask, merged, in order.
        let mut lines: Vec<(usize, usize)> = Vec::new();
        for &(ms, me) in masks {
            // Masks come in order: one inside the last line found is on
            // that line (looking for its ends again would make a line of
            // many masks quadratic).
            if lines.last().is_some_and(|last| ms < last.1) {
                continue;
            }
            let ls = memchr::memrchr(b'\n', &buf[..ms]).map_or(0, |i| i + 1);
            let le = memchr::memchr(b'\n', &buf[me..]).map_or(buf.len(), |i| me + i);
            match lines.last_mut() {
                Some(last) if ls <= last.1 => last.1 = last.1.max(le),
                _ => lines.push((ls, le)),
            }
        }
        let mut rebuilt: Option<Vec<u8>> = None;
        let mut pos = 0;
        for (ls, le) in lines {
            let Some(line) = self.settle_line(matcher, &buf[ls..le], pass) else {
                continue;
            };
            let out = rebuilt.get_or_insert_with(|| Vec::with_capacity(buf.len() + 64));
            out.extend_from_slice(&buf[pos..ls]);
            out.extend_from_slice(&line);
            pos = le;
        }
        if let Some(mut out) = rebuilt {
            out.extend_from_slice(&buf[pos..]);
            *buf = out;
        }
    }

    /// One line of [`Redactor::settle`]: `None` when nothing is left to
    /// redact in it.
    fn settle_line(&self, matcher: &Matcher<'_>, line: &[u8], pass: &mut Pass) -> Option<Vec<u8>> {
        // Each round masks what is left; masks are airlock's own, so two or
        // three rounds settle any line. A line that does not settle is left
        // to verification, which refuses it.
        const ROUNDS: usize = 4;
        let mut current: Option<Vec<u8>> = None;
        for _ in 0..ROUNDS {
            let text = current.as_deref().unwrap_or(line);
            let mut left: Vec<Finding> = Vec::new();
            let _ = matcher.scan_slice(text, &ScanOptions::default(), |chunk| {
                for f in chunk.findings {
                    let (s, e) = (
                        f.start + chunk.offset as usize,
                        f.end + chunk.offset as usize,
                    );
                    if !is_own_at(&self.engine, f.rule, text, s, e) {
                        left.push(Finding {
                            start: s,
                            end: e,
                            ..*f
                        });
                    }
                }
                Ok::<(), std::convert::Infallible>(())
            });
            if left.is_empty() {
                break;
            }
            let mut next = Vec::with_capacity(text.len() + 32);
            let mut masks = Vec::new();
            self.replace_findings(text, &left, &mut next, &mut masks, pass);
            if next == text {
                break;
            }
            current = Some(next);
        }
        current
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
                self.write_chunk(&matcher, &chunk, &mut buf, &mut local)
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
                self.write_chunk(&matcher, &chunk, out, &mut pass)
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
                self.write_chunk(&matcher, &chunk, &mut out, &mut pass)
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
    if pseudo::is_own(&info.kind, &text) || pseudo::is_generic_own(&info.kind, &text) {
        return true;
    }
    match info.decode {
        Some(decode) => decoded_is_own(decode, value, |plain| {
            engine
                .find_all(None, plain)
                .iter()
                .all(|f| is_own_at(engine, f.rule, plain, f.start, f.end))
        }),
        None => false,
    }
}

/// Is the encoded `value` of a rule with `decode` airlock's own output:
/// what it encodes holds nothing `inner_clean` objects to, and, when it is
/// one value on one line, is a mask or a pseudonym or holds one (redaction
/// masks a lone value no rule recognises: left as it was, it is a leak).
/// A value that does not decode to text is own only as a mask.
pub fn decoded_is_own(decode: Decode, value: &[u8], inner_clean: impl Fn(&[u8]) -> bool) -> bool {
    let Some(plain) = Encoded::parse(value).and_then(|e| e.decode()) else {
        return false;
    };
    if !shape::is_text(&plain) {
        return false;
    }
    if decode == Decode::BasicAuth {
        if let Some(i) = plain.iter().position(|b| *b == b':') {
            let pass = &plain[i + 1..];
            return pass.is_empty() || pseudo::is_mask(&String::from_utf8_lossy(pass));
        }
    }
    if !inner_clean(&plain) {
        return false;
    }
    let core = trim_line_end(&plain);
    core.contains(&b'\n') || core.is_empty() || holds_own(core)
}

/// `value` without one trailing line break (`echo secret | base64` adds
/// one).
fn trim_line_end(value: &[u8]) -> &[u8] {
    let v = value.strip_suffix(b"\n").unwrap_or(value);
    v.strip_suffix(b"\r").unwrap_or(v)
}

/// Is `text` as a whole a mask or a pseudonym of any kind?
fn is_own_text(text: &[u8]) -> bool {
    let t = String::from_utf8_lossy(text);
    pseudo::is_mask(&t) || pseudo::is_own_any(&t)
}

/// Does `text` hold a mask, or is any blank-separated word of it a
/// pseudonym?
fn holds_own(text: &[u8]) -> bool {
    memchr::memmem::find(text, MASK_OPEN).is_some()
        || text
            .split(|b| {
                b.is_ascii_whitespace()
                    || matches!(b, b':' | b'"' | b'\'' | b',' | b'<' | b'>' | b'=' | b'@')
            })
            .any(|w| !w.is_empty() && is_own_text(w))
}

/// The plain (unquoted) YAML scalar around `bytes[s..e]` that a mask there
/// would change, as `(start, end, quote)`: the span to put in `quote`s.
///
/// * In block context (after `key: ` or `- ` at the start of its line), a
///   scalar the finding starts and that runs to the end of the line (or a
///   comment): `[` first would start a list.
/// * In a flow collection (`{user: u, password: p}`, `[a, b]`), any scalar
///   holding the mask, from its start to the next `,`, `}` or `]`: there
///   `[` and `]` end a plain scalar wherever they are.
///
/// The quote is `'` unless the scalar holds one, then `"` unless it holds
/// a `"` or a backslash; otherwise nothing is quoted.
fn yaml_scalar_to_quote(bytes: &[u8], s: usize, e: usize) -> Option<(usize, usize, u8)> {
    // A YAML line is short; on a line of megabytes (one JSON document, a
    // minified file) walking from the line's start for every mask would
    // make redaction quadratic. Such a line is not a YAML plain scalar.
    const LINE_MAX: usize = 16 << 10;
    let back = s.saturating_sub(LINE_MAX);
    let ls = match memchr::memrchr(b'\n', &bytes[back..s]) {
        Some(i) => back + i + 1,
        None if back == 0 => 0,
        None => return None,
    };
    let ahead = bytes.len().min(e + LINE_MAX);
    let le = match memchr::memchr(b'\n', &bytes[e..ahead]) {
        Some(i) => e + i,
        None if ahead == bytes.len() => bytes.len(),
        None => return None,
    };
    let le = if le > e && bytes[le - 1] == b'\r' {
        le - 1
    } else {
        le
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    // Where a scalar may start: after the indentation and any `- `.
    let mut i = ls;
    while i < s && blank(bytes[i]) {
        i += 1;
    }
    let mut start: Option<usize> = None;
    while i + 1 < s && bytes[i] == b'-' && blank(bytes[i + 1]) {
        i += 2;
        while i < s && blank(bytes[i]) {
            i += 1;
        }
        start = Some(i);
    }
    let key_from = i;
    // Walk to the finding: quotes, flow collections, `key: ` separators.
    let mut depth = 0usize;
    let mut at_start = true;
    while i < s {
        let c = bytes[i];
        if at_start && blank(c) {
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' if at_start => {
                // A quoted scalar: skip to its end (`''` and `\"` escapes).
                let mut j = i + 1;
                loop {
                    if j >= le {
                        return None;
                    }
                    if bytes[j] == c {
                        if c == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    if c == b'"' && bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                if j >= s {
                    return None;
                }
                i = j + 1;
                at_start = false;
                continue;
            }
            b'{' | b'[' if at_start => {
                depth += 1;
                start = Some(i + 1);
                i += 1;
                continue;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                start = None;
            }
            b',' if depth > 0 => {
                start = Some(i + 1);
                at_start = true;
                i += 1;
                continue;
            }
            b':' if bytes.get(i + 1).is_some_and(|b| blank(*b))
                || (depth > 0
                    && (matches!(bytes.get(i + 1), Some(b',' | b'}' | b']'))
                        || (i > ls && matches!(bytes[i - 1], b'"' | b'\'')))) =>
            {
                // In block context only a one-word key (`Unseal Key 1: x`
                // is prose, not YAML).
                if depth == 0 && bytes[key_from..i].iter().any(|b| blank(*b)) {
                    return None;
                }
                start = Some(i + 1);
                at_start = true;
                i += 1;
                continue;
            }
            b'#' if i > ls && blank(bytes[i - 1]) => return None,
            _ => {}
        }
        at_start = false;
        i += 1;
    }
    let mut qs = start?;
    loop {
        while qs < s && blank(bytes[qs]) {
            qs += 1;
        }
        // Node properties before the scalar (`&anchor`, `!!str`): the
        // quotes go after them, around the scalar alone.
        if qs < s && matches!(bytes[qs], b'&' | b'!') {
            match bytes[qs..s].iter().position(|b| blank(*b)) {
                Some(k) => {
                    qs += k;
                    continue;
                }
                None => return None,
            }
        }
        break;
    }
    if qs < s && matches!(bytes[qs], b'\'' | b'"' | b'|' | b'>' | b'&' | b'*' | b'!') {
        return None;
    }
    let qe = if depth > 0 {
        let end = bytes[e..le]
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b']'))
            .map_or(le, |k| e + k);
        let mut end = end;
        while end > e && blank(bytes[end - 1]) {
            end -= 1;
        }
        end
    } else {
        // Block context: only a scalar the finding starts, running to the
        // end of the line or a comment.
        if qs != s {
            return None;
        }
        let after = &bytes[e..le];
        let rest_ok = after.iter().all(|b| blank(*b))
            || after
                .iter()
                .position(|b| *b == b'#')
                .is_some_and(|k| k > 0 && after[..k].iter().all(|b| blank(*b)));
        if !rest_ok {
            return None;
        }
        e
    };
    let around = bytes[qs..s].iter().chain(&bytes[e..qe]);
    // A control character (a NUL, an escape) cannot stand in a YAML
    // scalar: such bytes are not YAML, and quotes added there would only
    // change them (binary data behind the quote).
    if around
        .clone()
        .any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f)
    {
        return None;
    }
    let q = if !around.clone().any(|b| *b == b'\'') {
        b'\''
    } else if !around.clone().any(|b| *b == b'"' || *b == b'\\') {
        b'"'
    } else {
        return None;
    };
    Some((qs, qe, q))
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

/// Bytes a backslash escapes in JSON strings, and Ruby's and the shell's
/// quotes, hex and NUL. (`\n` in `KRAERO\nancy` is still taken for an
/// escape: a log's text cannot tell them apart.)
fn is_escaped_byte(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'\'' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' | b'u' | b'x' | b'0'
    )
}

/// Widen `start..end` so it never splits a backslash escape: a span starting
/// right after an escaping backslash takes the backslash, and a span ending
/// in an escaping backslash takes the escaped byte (never a line feed).
///
/// A backslash before a byte no string syntax escapes is not an escape but
/// a separator, and stays: `C:\Users\soconnell`, `KRAERO\jdoe`.
pub fn escape_safe_span(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let run_before = |i: usize| bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
    let mut s = start;
    if s > 0 && run_before(s) % 2 == 1 && bytes.get(s).is_some_and(|b| is_escaped_byte(*b)) {
        s -= 1;
    }
    let mut e = end;
    if e > s && run_before(e) % 2 == 1 && e < bytes.len() && bytes[e] != b'\n' {
        e += 1;
    }
    (s, e)
}
