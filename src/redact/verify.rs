//! Verification: an independent pass over an output that reports every
//! finding that is not a mask or a pseudonym, and every member it could not
//! read.
//!
//! It shares nothing with the redaction pass but the rules: a fresh engine,
//! fresh reading of what was written. With a map (or the originals of the run
//! that just wrote the output), every original value is also searched for as
//! a literal, so an identifier that no rule would recognise still cannot
//! survive unnoticed.

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use super::pseudo::{self, Assignment};
use super::secrets::Capped;
use super::suspect;
use super::{is_own_at, is_own_by_masks, is_own_value, learn, lock, MASK_OPEN};
use crate::bundle::{LeftOut, Member, Transform};
use crate::detect::{Boundary, ChunkView, Engine, Finding, LearnedValue, RuleId, ScanOptions};
use crate::rules::{Category, RuleError, RuleSet};
use crate::scan::{self, Located};

/// Something that should not be in a redacted bundle. Holds no value: the
/// member name is masked and the preview is the scan preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    pub member: String,
    pub line: u64,
    pub col: usize,
    pub rule: String,
    pub category: String,
    pub preview: String,
}

/// The verification pass as a bundle transform (with a null sink).
pub struct Verifier {
    engine: Engine,
    /// Every rule's allowed values, lower case: an original found inside
    /// one (`google.com` in an allowed `accounts.google.com`) is no leak.
    allowed: std::collections::HashSet<String>,
    /// Threads for the chunks of one member (see
    /// [`crate::detect::Matcher::scan_reader_parallel_map`]).
    jobs: usize,
    /// Also run the independent detector ([`suspect`]).
    suspicious: bool,
    leaks: Mutex<Vec<Leak>>,
    unreadable: Mutex<Vec<(String, String)>>,
    /// The values the independent detector flagged, for a second redaction
    /// to mask (see [`Verifier::suspicious_values`]). Never shown.
    suspicious_values: Capped<Vec<u8>>,
    /// How member names are shown (see [`Verifier::with_names`]).
    namer: Option<Namer>,
}

/// Suspicious values remembered for a second redaction; past it, none.
const SUSPICIOUS_VALUES_MAX: usize = 10_000;

/// Shows a member name without what it holds (a redactor's pseudonyms).
pub type Namer = Box<dyn Fn(&[u8]) -> String + Send + Sync>;

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// Every rule's allowed values, lower case.
fn allowed_values(set: &RuleSet) -> std::collections::HashSet<String> {
    set.rules()
        .iter()
        .flat_map(|r| r.allow.iter().map(|a| a.to_ascii_lowercase()))
        .collect()
}

/// The host-like token around `hay[s..e]` (letters, digits, `.`, `-`).
fn enclosing_token(hay: &[u8], s: usize, e: usize) -> &[u8] {
    let part = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let start = hay[..s].iter().rposition(|b| !part(b)).map_or(0, |i| i + 1);
    let end = hay[e..]
        .iter()
        .position(|b| !part(b))
        .map_or(hay.len(), |i| e + i);
    &hay[start..end]
}

/// See [`originals_as_literals`].
pub const ADDRESS_LITERALS_MAX: usize = 10_000;

/// Literals for every original in `entries` that can be searched as text
/// (the same policy as learning: no service words, nothing too short).
///
/// Addresses (IPv4, IPv6, MAC) are left out when there are more than
/// [`ADDRESS_LITERALS_MAX`]: the address rules find every one of them by
/// shape anyway (only pseudonym ranges are exempt), and a literal automaton
/// of millions of addresses would cost more memory than the whole run.
///
/// Values some rule of `set` allows are left out too: a host under a public
/// domain (`jira.gitlab.com`) gives that domain a pseudonym, while the
/// domain itself (`https://gitlab.com/…`) is allowed and stays; it is not a
/// leak.
pub fn originals_as_literals(entries: &[Assignment], set: &RuleSet) -> Vec<LearnedValue> {
    let is_address = |a: &Assignment| matches!(a.kind.as_str(), "ipv4" | "ipv6" | "mac");
    let addresses = entries.iter().filter(|a| is_address(a)).count() <= ADDRESS_LITERALS_MAX;
    let allowed = allowed_values(set);
    entries
        .iter()
        .filter(|a| !allowed.contains(&a.original.to_ascii_lowercase()))
        // A public provider's domain (`amazonaws.com` of a customer's
        // `bucket.s3.amazonaws.com`) gets a pseudonym inside that host, but
        // stays in hosts the allow list keeps (`sts.amazonaws.com`).
        .filter(|a| match a.kind.as_str() {
            "domain" => !set.allow().is_provider_host(&a.original),
            "hostname" => !set.allow().keeps_host(&a.original),
            _ => true,
        })
        .flat_map(|a| {
            let o = a.original.as_str();
            let (category, kind, boundary) = match a.kind.as_str() {
                "ipv4" | "ipv6" | "mac" if addresses => {
                    (Category::Network, a.kind.as_str(), Boundary::Alnum)
                }
                // Whole host names and domains; single labels (`user` of
                // `x.user.isp.com.br`) are too common to search for alone.
                "hostname" | "domain" => (Category::Network, "hostname", Boundary::Alnum),
                "username" if learn::is_learnable_user(o) => {
                    (Category::Identity, "username", Boundary::Alnum)
                }
                "name" if learn::is_learnable_name(o) => {
                    (Category::Identity, "name", Boundary::Word)
                }
                _ => return Vec::new(),
            };
            // The map holds names and users lower case; the output may
            // hold them in any case (the literals fold ASCII case only).
            learn::case_forms(o)
                .into_iter()
                .map(|f| LearnedValue {
                    value: f.into_bytes(),
                    rule: format!("original_{}", a.kind),
                    category: category.clone(),
                    kind: kind.to_string(),
                    boundary,
                })
                .collect()
        })
        .collect()
}

impl Verifier {
    pub fn new(set: &RuleSet, originals: &[LearnedValue]) -> Result<Verifier, RuleError> {
        Ok(Verifier::with_engine(
            Engine::with_learned(set, originals)?,
            set,
        ))
    }

    /// [`Verifier::new`], reusing the compiled automata of `like` (the
    /// redactor's engine) when it runs the same rules: see
    /// [`Engine::with_learned_like`]. What is verified does not change.
    pub fn new_like(
        set: &RuleSet,
        originals: &[LearnedValue],
        like: &Engine,
    ) -> Result<Verifier, RuleError> {
        Ok(Verifier::with_engine(
            Engine::with_learned_like(set, originals, like)?,
            set,
        ))
    }

    fn with_engine(engine: Engine, set: &RuleSet) -> Verifier {
        Verifier {
            engine,
            allowed: allowed_values(set),
            jobs: 1,
            suspicious: true,
            leaks: Mutex::new(Vec::new()),
            unreadable: Mutex::new(Vec::new()),
            suspicious_values: Capped::new(SUSPICIOUS_VALUES_MAX),
            namer: None,
        }
    }

    /// Show member names through `namer` (a redactor: pseudonyms a reader
    /// can find with `unmask`) instead of with each leak replaced by its
    /// rule's id.
    pub fn with_names(mut self, namer: Namer) -> Verifier {
        self.namer = Some(namer);
        self
    }

    /// Verify the chunks of one member on `jobs` threads.
    pub fn with_jobs(mut self, jobs: usize) -> Verifier {
        self.jobs = jobs.max(1);
        self
    }

    /// Run the independent detector of random-looking strings in
    /// secret-ish context ([`suspect`]) besides the rules (the default).
    pub fn with_suspicious(mut self, on: bool) -> Verifier {
        self.suspicious = on;
        self
    }

    pub fn leaks(&self) -> Vec<Leak> {
        self.leaks.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The values behind the `suspicious` leaks, in order (none past
    /// [`SUSPICIOUS_VALUES_MAX`] distinct ones). Redaction masks them in a
    /// second attempt rather than refuse the bundle: the detector saw them
    /// in airlock's own output, so airlock can mask them. Held in memory
    /// only; never printed.
    pub fn suspicious_values(&self) -> Vec<Vec<u8>> {
        self.suspicious_values.values()
    }

    /// Members that could not be verified (not scannable), with the reason.
    pub fn unreadable(&self) -> Vec<(String, String)> {
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn is_clean(&self) -> bool {
        self.leaks().is_empty() && self.unreadable().is_empty()
    }

    fn is_leak(&self, rule: crate::detect::RuleId, hay: &[u8], s: usize, e: usize) -> bool {
        // Originals from a map are leaks whatever their shape.
        if self.engine.rule(rule).source == "learned" {
            return true;
        }
        !is_own_at(&self.engine, rule, hay, s, e)
    }

    /// The member name with anything that is a leak masked, for display.
    fn shown_name(&self, name: &[u8]) -> (String, Vec<(String, String)>) {
        let found = self.engine.find_all(None, name);
        let mut shown = Vec::new();
        let mut hits = Vec::new();
        let mut pos = 0;
        for f in &found {
            if !self.is_leak(f.rule, name, f.start, f.end) {
                continue;
            }
            let info = self.engine.rule(f.rule);
            shown.extend_from_slice(&name[pos..f.start]);
            shown.extend_from_slice(format!("[{}]", info.id).as_bytes());
            hits.push((info.id.clone(), info.category.to_string()));
            pos = f.end;
        }
        shown.extend_from_slice(&name[pos..]);
        if let Some(namer) = &self.namer {
            return (namer(name), hits);
        }
        (String::from_utf8_lossy(&shown).into_owned(), hits)
    }
}

/// Whether a value is a pseudonym depends on the value alone: decided once
/// per value and rule (an output holds the same pseudonyms thousands of
/// times). Bounded like the redactor's cache.
#[derive(Default)]
struct OwnCache(foldhash::HashMap<Box<[u8]>, Vec<(u32, bool)>>);

impl OwnCache {
    fn is_own_value(&mut self, engine: &Engine, rule: RuleId, value: &[u8]) -> bool {
        let cached = self
            .0
            .get(value)
            .and_then(|v| v.iter().find(|(r, _)| *r == rule.0))
            .map(|(_, b)| *b);
        cached.unwrap_or_else(|| {
            if self.0.len() >= 1 << 16 {
                self.0.clear();
            }
            let b = is_own_value(engine, rule, value);
            self.0.entry(value.into()).or_default().push((rule.0, b));
            b
        })
    }
}

/// The rule id of a leak found by the independent detector.
use suspect::SUSPICIOUS;

/// A leak with its line and column (`f` relative to `chunk`, in order).
fn located(
    lines: &mut scan::LineTracker,
    chunk: &ChunkView<'_>,
    f: &Finding,
    preview: String,
) -> Located {
    let (line, col, end_line, end_col) = lines.locate(chunk, f);
    Located {
        rule: f.rule,
        offset: chunk.offset + f.start as u64,
        len: f.len(),
        line,
        col,
        end_line,
        end_col,
        preview,
    }
}

impl Verifier {
    /// The findings of one chunk that are leaks, with their previews.
    fn chunk_leaks(&self, chunk: &ChunkView<'_>, own: &mut OwnCache) -> Vec<(Finding, String)> {
        let masks_here = memchr::memmem::find(chunk.bytes, MASK_OPEN).is_some();
        let mut out = Vec::new();
        for f in chunk.findings {
            let value = &chunk.bytes[f.start..f.end];
            let leak = if self.engine.rule(f.rule).source == "learned" {
                // Originals are leaks whatever their shape, unless inside a
                // value the rules allow (and so left as it was).
                // Nor inside one of airlock's own host names (an original
                // user `example` in `support.d-abc.example`).
                let token = String::from_utf8_lossy(enclosing_token(chunk.bytes, f.start, f.end))
                    .to_ascii_lowercase();
                let value = String::from_utf8_lossy(&chunk.bytes[f.start..f.end]);
                !(self.allowed.contains(&token)
                    || (token.len() > value.len() && pseudo::is_own("hostname", &token)))
            } else {
                !(own.is_own_value(&self.engine, f.rule, value)
                    || (masks_here && is_own_by_masks(&self.engine, chunk.bytes, f.start, f.end)))
            };
            if leak {
                let before = &chunk.bytes[f.start.saturating_sub(32)..f.start];
                let preview = scan::preview(&self.engine, f.rule, before, value);
                out.push((*f, preview));
            }
        }
        if self.suspicious {
            // Candidates of the independent detector, where no rule leak is
            // reported already (a rule found it, or it is inside a value a
            // rule judged).
            let covered =
                |s: usize, e: usize| chunk.findings.iter().any(|f| f.start < e && s < f.end);
            for c in suspect::find(chunk.bytes) {
                if covered(c.start, c.end) {
                    continue;
                }
                self.suspicious_values
                    .insert(chunk.bytes[c.start..c.end].to_vec());
                out.push((
                    Finding {
                        rule: SUSPICIOUS,
                        start: c.start,
                        end: c.end,
                    },
                    suspect::describe(&c, chunk.bytes),
                ));
            }
            out.sort_by_key(|(f, _)| f.start);
        }
        out
    }
}

impl Transform for Verifier {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        let (shown, hits) = self.shown_name(name);
        let mut leaks = self.leaks.lock().unwrap_or_else(|p| p.into_inner());
        for (rule, category) in hits {
            leaks.push(Leak {
                member: shown.clone(),
                line: 0,
                col: 0,
                rule,
                category,
                preview: "(in the member name)".into(),
            });
        }
        name.to_vec()
    }

    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn Read,
        _output: &mut dyn Write,
    ) -> io::Result<()> {
        let (name, outer) = (member.name, member.outer);
        let path = String::from_utf8_lossy(name).into_owned();
        let matcher = self.engine.matcher(if name.is_empty() {
            None
        } else {
            Some(Path::new(&path))
        });
        let opts = ScanOptions::default();
        let mut found: Vec<Located> = Vec::new();
        let jobs = member.jobs.min(self.jobs);
        // Leaks per chunk on workers; lines located here, in order.
        let caches: Mutex<Vec<OwnCache>> = Mutex::new(Vec::new());
        let work = |chunk: ChunkView<'_>| {
            let mut own = lock(&caches).pop().unwrap_or_default();
            let leaks = self.chunk_leaks(&chunk, &mut own);
            lock(&caches).push(own);
            leaks
        };
        let mut lines = scan::LineTracker::default();
        matcher.scan_reader_parallel_map(input, &opts, jobs, work, |offset, bytes, leaks| {
            let chunk = ChunkView {
                offset,
                bytes,
                findings: &[],
            };
            for (f, preview) in leaks {
                found.push(located(&mut lines, &chunk, &f, preview));
            }
            lines.finish_chunk(&chunk);
            Ok(())
        })?;
        if !found.is_empty() {
            let full = [outer, name].concat();
            let (shown, _) = self.shown_name(&full);
            let mut leaks = self.leaks.lock().unwrap_or_else(|p| p.into_inner());
            for l in found {
                let (rule, category) = if l.rule == SUSPICIOUS {
                    (
                        suspect::SUSPICIOUS_RULE.to_string(),
                        "credential".to_string(),
                    )
                } else {
                    let info = self.engine.rule(l.rule);
                    (info.id.clone(), info.category.to_string())
                };
                leaks.push(Leak {
                    member: shown.clone(),
                    line: l.line,
                    col: l.col,
                    rule,
                    category,
                    preview: l.preview,
                });
            }
        }
        Ok(())
    }

    fn left_out(&self, name: &[u8], why: &LeftOut) {
        let (shown, _) = self.shown_name(name);
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((shown, why.to_string()));
    }

    /// Verification reads everything it can, binary included.
    fn keep_binary(&self) -> bool {
        true
    }
}
