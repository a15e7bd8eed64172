//! The one-pass detection engine.
//!
//! # How a search works
//!
//! All rule patterns (and the synthesized `json_keys` patterns) are compiled
//! into **one** leftmost-first multi-pattern automaton, ordered by priority
//! (kept as two automata searched as one, for speed: see "Two unions
//! searched as one" below). A search walks the bytes once with it; each
//! match names the rule variant that produced it. Only then, on the few
//! bytes of that match, does the variant's own regex run to locate its
//! `secret` group. Values learned from
//! elsewhere in a bundle (host names, user names) are found by a separate
//! Aho-Corasick automaton in the same chunk, and the two lists are merged.
//! Rules limited to some files by `paths` (every string of
//! `gitlab-secrets.json`) are left out of that union: where they apply, a
//! small union of just them searches the same chunk and its findings are
//! merged the same way, so every kind of file shares one warm automaton.
//!
//! Three details make the single pass safe rather than merely fast:
//!
//! * **Resume at the end of the secret, not of the match.** A rule like
//!   `(?:^|[^0-9.])(?P<secret>IPv4)(?:[^0-9.]|$)` consumes one byte of context
//!   on each side; resuming after the secret lets the next address in
//!   `10.0.0.1,10.0.0.2` use that comma as its own context. A match that is
//!   not the rule's (no keyword, a value of the wrong `shape`, an ignored
//!   key) claims no bytes (an allowed value does): the search goes on right after its start, so a
//!   rule that lost to it there (the e-mail address in `AUTHOR_EMAIL=…` that
//!   a rule about random values looked at and let go) still finds its value.
//! * **Context before a secret is searched again.** In
//!   `10.1.2.3 - jdoe [20/Nov/2026…` a rule that used the IP as context for the
//!   user name would otherwise hide the IP. The bytes of a match before its
//!   secret are searched again on their own.
//! * **Specific beats generic for the same bytes.** When a context rule
//!   (`password=…`, `PRIVATE-TOKEN: …`) captures a value that a
//!   higher-priority rule (a `glpat-` token) matches exactly, the finding is
//!   reported as the specific rule, with its span (so `glpat-` stays readable).
//!
//! Findings never overlap. Where a learned literal and a rule finding overlap,
//! the longer span wins, then the higher priority; partial overlaps are merged
//! into one span so no part of either value is left out.
//!
//! Keywords are checked on every match (a match of a rule with keywords must
//! contain one of them, ASCII case-insensitively). Because a keyword must lie
//! inside the match, gating on keywords can never depend on how a file is
//! split into chunks.
//!
//! # Performance
//!
//! The union automaton is a lazy DFA: linear in the input, no backtracking.
//! Its cost grows with the number of matches (a reverse scan finds each match
//! start) rather than the number of rules. Captures run only on matched bytes,
//! and not at all for patterns whose secret is the match minus boundary
//! context ([`compile::Trim`]: addresses, host names).
//!
//! A lazy DFA walk waits on memory at every byte (each table look-up needs
//! the previous one's result), and the union's states do not fit in L1. So a
//! chunk is cut at line starts into up to four stretches whose walks advance
//! in lockstep, letting the CPU overlap their look-ups (see `streams`; the
//! learned literals' Aho-Corasick walk is interleaved the same way). This
//! took the single-thread engine from ~220 to ~480 MB/s on generated GitLab
//! logs with a finding every ~240 bytes.
//!
//! Lazy DFA states are built on first use and kept in a cache; a search takes
//! one cache from the union for a whole input and gives it back (see
//! `Union::caches`), so threads never start cold on every file. Large inputs
//! can be searched by several threads in line-aligned segments
//! ([`Matcher::scan_slice_parallel`]) with the same findings.
//!
//! **Two unions searched as one.** Building lazy DFA states was most of a
//! first pass: every state of a union of ~400 rules carries the start of
//! every rule. The rules whose matches all begin with a literal of at least
//! five bytes (`glpat-`, `sk_live_`, `password`; see `UnionKey`) have a
//! union of their own, the *peer*, and the main union is smaller. The two
//! are searched so that the findings are those of one union of both: the
//! peer's leftmost-first match from a place and the main union's are
//! compared (earlier start, then earlier variant, as leftmost-first picks
//! in one union), and the peer's answers are kept while the search moves
//! forward, so each byte is walked once by each. A property test compares
//! them with [`Engine::with_one_union`] on every rule's examples mixed.
//! Measured (redaction of the 10 MB bundle, `--jobs 1`): 7.27 → 6.56 G
//! instructions, 0.90 → 0.72 s; of the 171 MB bench tree, 4.53 → 4.30 s.
//! The peer's walk costs most of a walk of the main union whatever it
//! holds, so a warm pass over data already seen is slower (the engine
//! alone, third pass over the tree: 250 → 160 MB/s); redaction's passes
//! are mostly first passes over new text. (Issue 5 measured a split behind
//! an Aho-Corasick pass over the prefixes, which took 2.2× longer warm.)
//! `airlock scan --profile-rules` times each rule alone.

mod chunk;
pub mod compile;
mod folded;
pub mod profile;
pub mod shape;
mod streams;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::util::captures::Captures;
use regex_automata::{meta, Anchored, Input};
use regex_syntax::hir::Hir;

use crate::rules::allow::AllowList;
use crate::rules::{Category, Decode, Location, Rule, RuleError, RuleSet, Shape};

pub use chunk::{ChunkView, ScanOptions, LOOKAHEAD, MAX_SEGMENT};
pub use folded::FoldedStarts;

/// Index of a rule in an [`Engine`] (rules of the set first, then learned
/// pseudo-rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// One thing found: the bytes `start..end` are the sensitive value (the
/// rule's `secret` group, or its whole match). Offsets are relative to what
/// was searched. Holds no bytes, so it is safe to print with `{:?}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    pub rule: RuleId,
    pub start: usize,
    pub end: usize,
}

impl Finding {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// What consumers need to know about a rule behind a finding.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub id: String,
    pub description: String,
    pub category: Category,
    pub kind: String,
    pub priority: i32,
    /// Keywords of the rule, lower-cased (used for masked previews).
    pub keywords: Vec<String>,
    /// `builtin:gitlab.toml`, a path, or `learned`.
    pub source: String,
    pub at: Option<Location>,
    /// How the value is encoded (redaction and verification decode it).
    pub decode: Option<Decode>,
    /// Does every match hold bytes besides the value (a key, a flag, a
    /// prompt)? The value of such a rule is found only beside them, so
    /// redaction searches it everywhere else too (see
    /// [`crate::redact::Redactor::found_secrets`]); a prefixed token's rule
    /// finds it anywhere by itself.
    pub context: bool,
}

/// A value discovered elsewhere (a bundle's host name, a user name) to be
/// found everywhere as a literal.
#[derive(Clone)]
pub struct LearnedValue {
    pub value: Vec<u8>,
    /// Pseudo-rule id, e.g. `learned_hostname`.
    pub rule: String,
    pub category: Category,
    pub kind: String,
    /// Which neighbouring bytes make an occurrence part of a longer word
    /// (and so not an occurrence).
    pub boundary: Boundary,
}

/// Bytes that may not touch a learned literal on either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Boundary {
    /// Letters, digits and `_` (user names may contain `_`).
    #[default]
    Word,
    /// Letters and digits only: a host name ends at `_`, as in the gitlabsos
    /// directory `gitlabsos.<host>_<timestamp>`.
    Alnum,
}

impl Boundary {
    /// Does the byte at `i` join a literal to a longer word? A percent escape
    /// before the literal (`%40host`, `%2Fuser`) is a separator, not a word.
    fn touches(self, hay: &[u8], i: usize) -> bool {
        let Some(b) = hay.get(i) else {
            return false;
        };
        let wordy = b.is_ascii_alphanumeric() || (*b == b'_' && self == Boundary::Word);
        let escape_tail =
            i >= 2 && hay[i - 2] == b'%' && hay[i - 1].is_ascii_hexdigit() && b.is_ascii_hexdigit();
        wordy && !escape_tail
    }
}

impl std::fmt::Debug for LearnedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the value itself.
        f.debug_struct("LearnedValue")
            .field("value", &format_args!("[{} bytes]", self.value.len()))
            .field("rule", &self.rule)
            .finish()
    }
}

struct Variant {
    rule: RuleId,
    /// Index of the first variant cut from the same pattern (see
    /// [`compile::split_prefix`]); its own index if the pattern is whole.
    family: usize,
    hir: Hir,
    /// Finds the `secret` group inside a union match.
    /// The variant alone, for its capture engine.
    nfa: regex_automata::nfa::thompson::NFA,
    /// Built on first use: most variants never need one (their secret is
    /// trimmed out of the match, or they never match), and building one
    /// for each of a few hundred rules was a large part of compiling an
    /// engine.
    captor: std::sync::OnceLock<Option<compile::Captor>>,
    /// Finds the `secret` group without a capture engine, when the
    /// pattern's shape allows (see [`compile::Trim`]).
    trim: Option<compile::Trim>,
    /// Capture group index of `secret`, if the pattern has one.
    secret: Option<usize>,
    /// Capture group index of `key`, when `ignore_keys` look at it.
    key: Option<usize>,
    /// A match whose `key` group contains one of these is not a finding.
    ignore_keys: Option<AhoCorasick>,
    /// What the secret must look like.
    shape: Shape,
    /// Match must contain one of these (ASCII case-insensitive).
    keywords: Option<AhoCorasick>,
    allow: Arc<Vec<Vec<u8>>>,
    /// What the pack allow lists keep of this rule's values.
    keep: Keep,
    priority: i32,
    /// Synthesized from `json_keys`: the secret is the string value, found
    /// from the match's structure without a capture search.
    json: bool,
    /// Bytes that can start a match of a variant with higher priority (to
    /// skip the stronger-rule check where none can start).
    stronger_first: Box<[bool; 256]>,
    /// The pattern may match across lines.
    multiline: bool,
}

/// The union automaton for one set of variants (all rules, or all rules that
/// apply to one kind of path).
struct Union {
    re: meta::Regex,
    /// Pattern id in `re` → index into `Engine::variants`.
    variant_of: Vec<u32>,
    /// Search caches (lazy DFA states) not in use: a search takes one for a
    /// whole input and gives it back, so that states built for one file or
    /// segment serve the next, whichever thread runs it. (The regex's own
    /// pool hands threads other than the first fresh, cold caches when it is
    /// contended; measured: `--jobs 2` used 60% more CPU than `--jobs 1`.)
    caches: Mutex<Vec<UnionCache>>,
    /// The single-line variants for interleaved searches (see
    /// [`streams`]), when there are enough variants for it to pay.
    streamed: Option<streams::Streamed>,
    /// The multi-line variants alone: a chunk where one can start is
    /// searched without streams.
    multiline: Option<meta::Regex>,
    /// Where a multi-line variant can start (their prefixes), when these
    /// are few: each place is then tried with an anchored search instead
    /// of searching the chunk with the regex's own prefilter, which for
    /// case-insensitive words (`(?i)name`, `token`) is slow.
    multiline_starts: Option<FoldedStarts>,
    /// Which multi-line variants can match in a chunk at all, so that the
    /// starts of only those are looked for.
    multiline_gate: Option<MultilineGate>,
}

/// Which multi-line variants can match in a stretch of text.
///
/// # Why
///
/// The multi-line rules' prefixes include words that are everywhere in
/// GitLab's logs (`name`, `key`, `"value":`, `token`): looking for their
/// starts in every chunk took a tenth of a redaction, and the chunk was
/// almost never one where a multi-line rule matched. Every match of a rule
/// with keywords holds one of them (otherwise it is not the rule's), and
/// every match of a variant starts with one of its prefixes; these
/// literals are far rarer than the prefixes of all variants together
/// (`"sensitive"`, `: |`, `PRIVATE KEY`). One search for them says which
/// variants can have a match the rule would take; only the prefixes of
/// those are then looked for. A match of a variant whose keyword is
/// absent is not the rule's anyway: the single-line automaton searches
/// those bytes.
struct MultilineGate {
    /// Every variant's gate literals (its rule's keywords, or its prefixes
    /// when the rule has none), lower-cased, with the bit mask of the
    /// variants (by index in the union's multi-line list) each stands for.
    gate: Vec<(Vec<u8>, u64)>,
    /// Variants without gate literals (no finite set of prefixes): always
    /// possible.
    always: u64,
    /// Every variant's bit.
    all: u64,
    /// Each variant's prefixes (`None`: it can start almost anywhere).
    prefixes: Vec<Option<Vec<Vec<u8>>>>,
    /// Searchers of the gate literals of the variants not yet known to be
    /// possible, by the mask of those that are: once `value` has been seen
    /// its rules are possible, and the rest of the chunk is searched for
    /// rarer literals only.
    searches: Mutex<HashMap<u64, Option<Arc<GateSearch>>>>,
    /// Start searchers of the sets of possible variants met so far (`None`:
    /// some variant in the set has no prefixes).
    starts: Mutex<HashMap<u64, Option<Arc<FoldedStarts>>>>,
}

/// A search for some of a [`MultilineGate`]'s literals.
struct GateSearch {
    literals: FoldedStarts,
    /// Literal (index in `literals`) → the variants it stands for.
    mask_of: Vec<u64>,
}

impl MultilineGate {
    /// `literals_of(variant)`: the rule's keywords (if it has any) and the
    /// variant's prefixes. `None` when there are more variants than bits.
    #[allow(clippy::type_complexity)]
    fn new(
        variants: &[usize],
        literals_of: impl Fn(usize) -> (Option<Vec<Vec<u8>>>, Option<Vec<Vec<u8>>>),
    ) -> Option<MultilineGate> {
        if variants.is_empty() || variants.len() > 64 {
            return None;
        }
        let mut gate: Vec<(Vec<u8>, u64)> = Vec::new();
        let (mut always, mut prefixes) = (0u64, Vec::new());
        for (i, &vi) in variants.iter().enumerate() {
            let (keywords, pre) = literals_of(vi);
            match keywords.or_else(|| pre.clone()) {
                Some(lits) if !lits.iter().any(Vec::is_empty) && !lits.is_empty() => {
                    gate.extend(lits.into_iter().map(|l| (l.to_ascii_lowercase(), 1 << i)))
                }
                _ => always |= 1 << i,
            }
            prefixes.push(pre);
        }
        let all = u64::MAX >> (64 - variants.len());
        Some(MultilineGate {
            gate,
            always,
            all,
            prefixes,
            searches: Mutex::new(HashMap::new()),
            starts: Mutex::new(HashMap::new()),
        })
    }

    /// The search for the literals of the variants not in `done` (`None`
    /// if the packed searcher cannot take them; some always remain while a
    /// variant with literals is not in `done`).
    fn search(&self, done: u64) -> Option<Arc<GateSearch>> {
        let mut searches = self.searches.lock().unwrap_or_else(|p| p.into_inner());
        searches
            .entry(done)
            .or_insert_with(|| {
                let wanted: Vec<&(Vec<u8>, u64)> =
                    self.gate.iter().filter(|g| g.1 & !done != 0).collect();
                let literals = FoldedStarts::new(&wanted.iter().map(|g| &g.0).collect::<Vec<_>>())?;
                let lits = literals.literals();
                let mask_of = lits
                    .iter()
                    .map(|l| wanted.iter().filter(|g| g.0 == *l).fold(0, |m, g| m | g.1))
                    .collect();
                Some(Arc::new(GateSearch { literals, mask_of }))
            })
            .clone()
    }

    /// The variants that can have a match their rule takes in
    /// `hay[from..to]` (every such match lies inside it).
    fn possible(&self, hay: &[u8], from: usize, to: usize) -> u64 {
        let mut mask = self.always;
        let mut at = from;
        while mask != self.all && at < to {
            // No searcher: the packed searcher could not take the
            // literals (custom rules with very many keywords). Every
            // variant is then possible, as without a gate.
            let Some(search) = self.search(mask) else {
                return self.all;
            };
            let before = mask;
            let found = search.literals.find_literals(hay, at, to, |_, here| {
                for &i in here {
                    mask |= search.mask_of[i];
                }
                mask != before
            });
            match found {
                Some(p) => at = p + 1,
                None => break,
            }
        }
        mask
    }

    /// Where the variants of `mask` can start, if each has prefixes.
    fn starts(&self, mask: u64) -> Option<Arc<FoldedStarts>> {
        let mut starts = self.starts.lock().unwrap_or_else(|p| p.into_inner());
        starts
            .entry(mask)
            .or_insert_with(|| {
                let mut lits = Vec::new();
                for (i, p) in self.prefixes.iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        lits.extend(p.as_ref()?.iter().cloned());
                    }
                }
                FoldedStarts::new(&lits).map(Arc::new)
            })
            .clone()
    }
}

/// Search state of a [`Union`] for one input at a time.
pub(crate) struct UnionCache {
    re: meta::Cache,
    streamed: Option<streams::StreamedCache>,
    multiline: Option<meta::Cache>,
}

impl UnionCache {
    /// Heap bytes of the lazy DFA states built so far.
    fn memory_usage(&self) -> usize {
        self.re.memory_usage()
            + self.streamed.as_ref().map_or(0, |s| s.memory_usage())
            + self.multiline.as_ref().map_or(0, |m| m.memory_usage())
    }
}

/// Fewest variants for which the union is searched in interleaved streams:
/// below it the union has few states and a literal prefilter may apply,
/// which only the ordinary search uses.
const MIN_STREAMED_VARIANTS: usize = 8;

impl Union {
    /// The warmest idle cache (most states built), or a new one. Taking
    /// the warmest keeps a few caches warm rather than warming every one a
    /// nested search ever made.
    fn take_cache(&self) -> UnionCache {
        let mut idle = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        let warmest = (0..idle.len()).max_by_key(|&i| idle[i].memory_usage());
        warmest
            .map(|i| idle.swap_remove(i))
            .unwrap_or_else(|| UnionCache {
                re: self.re.create_cache(),
                streamed: self.streamed.as_ref().map(|s| s.create_cache()),
                multiline: self.multiline.as_ref().map(|m| m.create_cache()),
            })
    }

    /// The leftmost-first match in `input`: (variant, start, end). With
    /// `single_line` (no multi-line variant can match in `input`), the
    /// streamed automaton answers when its cache is not in use by a walk
    /// around this search; otherwise the whole union's regex does. Both
    /// give the same match there; using one automaton spares building the
    /// same states twice.
    fn find(
        &self,
        cache: &mut UnionCache,
        input: &Input<'_>,
        single_line: bool,
    ) -> Option<(usize, usize, usize)> {
        if let (true, Some(st), Some(c)) = (single_line, &self.streamed, cache.streamed.as_mut()) {
            if let Ok(m) = st.find(c, input) {
                return m.map(|m| (st.variant_of[m.pattern.as_usize()] as usize, m.start, m.end));
            }
        }
        self.re.search_with(&mut cache.re, input).map(|m| {
            (
                self.variant_of[m.pattern().as_usize()] as usize,
                m.start(),
                m.end(),
            )
        })
    }

    fn put_cache(&self, cache: UnionCache) {
        self.caches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(cache);
    }
}

struct Learned {
    ac: aho_corasick::dfa::DFA,
    rule_of: Vec<RuleId>,
    boundary_of: Vec<Boundary>,
    max_len: usize,
}

/// Which rules a union automaton holds. Every input is searched by the
/// `Main` and `Prefixed` unions as if they were one (see
/// [`Matcher::union_search`]); where path-limited rules apply, the
/// `Limited` union of those searches it too and its findings are merged
/// (see [`Matcher::search`]).
///
/// # Why two unions for the rules of every file
///
/// A lazy DFA builds its states as it meets them, and each new state costs
/// work in proportion to the NFA states it stands for: in one union of
/// ~400 rules, every state carries the start of every rule. Building them
/// took about two thirds of a first pass over the 171 MB bench tree
/// (68.8 MB/s first, 187 MB/s warm). Most vendor tokens and many keyed
/// rules begin with a literal of at least [`PREFIXED_MIN`] bytes (`glpat-`,
/// `sk_live_`, `password`): a union of only those builds few states, and
/// the union of the rest is smaller (17.1 → 13.1 MB of states over the
/// tree). They are searched as one union would be (see
/// [`Matcher::union_search`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum UnionKey {
    /// Every rule without `paths` and without a rare literal prefix.
    Main,
    /// Every rule without `paths` whose matches all start with one of a
    /// few literals of at least [`PREFIXED_MIN`] bytes (ASCII case aside)
    /// and cannot span lines.
    Prefixed,
    /// These path-limited rules (those that apply to one kind of file).
    Limited(Vec<RuleId>),
}

/// Shortest literal prefix that puts a rule in the [`UnionKey::Prefixed`]
/// union. Measured on the bench tree with each union searched alone: with
/// 3, the main union kept 128 rules and warm passes of both took 0.96 s;
/// with 5, 223 rules and 0.83 s (the peer's matches of short prefixes such
/// as `pw=` are many, and each costs a restart of its walk).
const PREFIXED_MIN: usize = 5;

/// Fewest variants with rare prefixes worth a union of their own: the
/// peer union's walk costs most of what the main union's does, whatever
/// it holds, and only a large share of the rules taken out of the main
/// union saves more than that (the learner's few rules stay in one).
const MIN_PREFIXED_VARIANTS: usize = 64;

/// Compiled rules, ready to search any number of inputs from any number of
/// threads.
pub struct Engine {
    rules: Vec<RuleInfo>,
    /// How many of `rules` come from the rule set (the rest are learned).
    set_rules: usize,
    /// Digest of the rule set compiled (see [`rules_digest`]): engines of
    /// the same rules share their compiled variants and automata.
    digest: u64,
    /// Shared between engines compiled from the same rules.
    variants: Arc<[Variant]>,
    /// Length of the shortest possible match of any variant.
    min_len: usize,
    /// Rules limited by `paths`, with their globs.
    path_rules: Arc<[(RuleId, GlobSet)]>,
    /// By rule: searched in the union of rules with rare literal prefixes
    /// (see [`UnionKey::Prefixed`]).
    prefixed: Arc<[bool]>,
    /// Union automata by the rules they hold (see [`UnionKey`]).
    unions: Mutex<HashMap<UnionKey, Arc<Union>>>,
    learned: Option<Learned>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .field("variants", &self.variants.len())
            .finish()
    }
}

impl Engine {
    /// Compile every rule of `set`.
    pub fn new(set: &RuleSet) -> Result<Engine, RuleError> {
        Engine::with_learned(set, &[])
    }

    /// Compile `set` plus literals learned from the input.
    pub fn with_learned(set: &RuleSet, learned: &[LearnedValue]) -> Result<Engine, RuleError> {
        let engine = Engine::compile(set, learned)?;
        engine.build_union()?;
        Ok(engine)
    }

    /// Every rule of every file in one union, as before the prefixed rules
    /// had one of their own (see [`UnionKey`]): what the two unions must
    /// find, for tests and measurements.
    #[doc(hidden)]
    pub fn with_one_union(set: &RuleSet) -> Result<Engine, RuleError> {
        let mut engine = Engine::compile(set, &[])?;
        engine.prefixed = vec![false; engine.rules.len()].into();
        engine.build_union()?;
        Ok(engine)
    }

    /// Rules and learned values compiled; union automata built on demand.
    fn compile(set: &RuleSet, learned: &[LearnedValue]) -> Result<Engine, RuleError> {
        let mut rules = Vec::new();
        let mut variants = Vec::new();
        let mut path_rules = Vec::new();
        for (i, rule) in set.rules().iter().enumerate() {
            let id = RuleId(i as u32);
            rules.push(RuleInfo {
                id: rule.id.clone(),
                description: rule.description.clone(),
                category: rule.category.clone(),
                kind: rule.kind.clone(),
                priority: rule.priority,
                keywords: rule
                    .keywords
                    .iter()
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
                source: rule.pack.source.clone(),
                at: Some(rule.at.clone()),
                decode: rule.decode,
                context: false,
            });
            rules[i].context = compile_rule(rule, id, set.allow(), &mut variants)?;
            if !rule.paths.is_empty() {
                let mut b = GlobSetBuilder::new();
                for g in &rule.paths {
                    // Checked when the rules were loaded.
                    let glob = Glob::new(g).map_err(|e| {
                        RuleError::invalid(rule.at.clone(), Some(&rule.id), e.to_string())
                    })?;
                    b.add(glob);
                }
                let set = b.build().map_err(|e| {
                    RuleError::invalid(rule.at.clone(), Some(&rule.id), e.to_string())
                })?;
                path_rules.push((id, set));
            }
        }
        let mut prefixed = vec![true; rules.len()];
        for (id, _) in &path_rules {
            prefixed[id.0 as usize] = false;
        }
        for v in &variants {
            let rare = !v.multiline
                && compile::folded_prefixes(std::slice::from_ref(&v.hir))
                    .is_some_and(|l| l.iter().all(|p| p.len() >= PREFIXED_MIN));
            if !rare {
                prefixed[v.rule.0 as usize] = false;
            }
        }
        let moved = variants
            .iter()
            .filter(|v| prefixed[v.rule.0 as usize])
            .count();
        if moved < MIN_PREFIXED_VARIANTS {
            prefixed.iter_mut().for_each(|p| *p = false);
        }
        // Leftmost-first: at one start, the earlier pattern wins. Order by
        // priority, then by rule order (stable sort).
        variants.sort_by_key(|v| std::cmp::Reverse(v.priority));
        let firsts: Vec<([bool; 256], bool)> = variants
            .iter()
            .map(|v| compile::first_bytes(&v.hir))
            .collect();
        for i in 0..variants.len() {
            let mut set = [false; 256];
            for (j, (first, nullable)) in firsts.iter().enumerate() {
                if variants[j].priority > variants[i].priority {
                    for b in 0..256 {
                        set[b] |= first[b] || *nullable;
                    }
                }
            }
            *variants[i].stronger_first = set;
        }
        // No match is shorter than this: context shorter than it needs no
        // second search.
        let min_len = variants
            .iter()
            .filter_map(|v| v.hir.properties().minimum_len())
            .min()
            .unwrap_or(1)
            .max(1);

        let set_rules = rules.len();
        let learned = build_learned(learned, &mut rules)?;
        let engine = Engine {
            rules,
            set_rules,
            digest: rules_digest(set),
            variants: variants.into(),
            min_len,
            path_rules: path_rules.into(),
            prefixed: prefixed.into(),
            unions: Mutex::new(HashMap::new()),
            learned,
        };
        Ok(engine)
    }

    /// Build the unions now (every rule without `paths`, and every rule
    /// with them) so that a set too large to compile is a load-time error,
    /// not a failure in the middle of a bundle.
    fn build_union(&self) -> Result<(), RuleError> {
        let all_limited: Vec<RuleId> = self.path_rules.iter().map(|(id, _)| *id).collect();
        let mut keys = vec![UnionKey::Main];
        if self.prefixed.contains(&true) {
            keys.push(UnionKey::Prefixed);
        }
        if !all_limited.is_empty() {
            keys.push(UnionKey::Limited(all_limited));
        }
        for key in keys {
            self.union_for(key).map_err(|msg| {
                RuleError::invalid(
                    Location {
                        file: "<rules>".into(),
                        line: 0,
                        col: 0,
                    },
                    None,
                    format!("the rules together do not compile: {msg}"),
                )
            })?;
        }
        Ok(())
    }

    /// [`Engine::with_learned`], sharing `like`'s compiled union automata
    /// and their search caches when `like` was compiled from the same rules.
    /// Verification runs the rules redaction ran, over the same kind of
    /// text: it then starts with the lazy DFA states redaction built
    /// (about a tenth of a pass over 200 MB) instead of building them again.
    /// The automata are the same either way; only work is saved.
    ///
    /// The compiled rules themselves are shared too: compiling a few
    /// hundred rules (parsing, capture engines, literal analysis) was a
    /// large part of starting a pass.
    pub fn with_learned_like(
        set: &RuleSet,
        learned: &[LearnedValue],
        like: &Engine,
    ) -> Result<Engine, RuleError> {
        if rules_digest(set) != like.digest {
            return Engine::with_learned(set, learned);
        }
        let mut rules = like.rules[..like.set_rules].to_vec();
        let learned = build_learned(learned, &mut rules)?;
        let theirs = like
            .unions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let engine = Engine {
            rules,
            set_rules: like.set_rules,
            digest: like.digest,
            variants: Arc::clone(&like.variants),
            min_len: like.min_len,
            path_rules: Arc::clone(&like.path_rules),
            prefixed: Arc::clone(&like.prefixed),
            unions: Mutex::new(theirs),
            learned,
        };
        engine.build_union()?;
        Ok(engine)
    }

    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// Bytes of lazy DFA states the union automata have built so far, over
    /// the search caches not in use (all of them between passes). A
    /// diagnostic: unlike time, it does not depend on the machine, so it
    /// shows which rules make the automaton large (`examples/rule-cost.rs`).
    pub fn dfa_memory(&self) -> usize {
        let unions = self.unions.lock().unwrap_or_else(|p| p.into_inner());
        unions
            .values()
            .map(|u| {
                let caches = u.caches.lock().unwrap_or_else(|p| p.into_inner());
                caches.iter().map(UnionCache::memory_usage).sum::<usize>()
            })
            .sum()
    }

    pub fn rule(&self, id: RuleId) -> &RuleInfo {
        &self.rules[id.0 as usize]
    }

    /// A matcher for the file at `path` (rules whose `paths` do not match it
    /// are left out). `None` (stdin, a text of unknown origin) leaves out
    /// every rule limited by `paths`: such a rule is written for one kind of
    /// file (every string value of `gitlab-secrets.json` is a secret) and
    /// would take anything elsewhere.
    ///
    /// The rules that do apply are searched by an automaton of their own,
    /// beside the one of every rule without `paths` (see
    /// [`Matcher::search`]). One union per kind of file, as before, meant
    /// compiling and warming a whole new automaton of several hundred rules
    /// for each: on a 10 MB bundle, a fifth of the time.
    pub fn matcher(&self, path: Option<&Path>) -> Matcher<'_> {
        let included: Vec<RuleId> = match path {
            None => Vec::new(),
            Some(p) => self
                .path_rules
                .iter()
                .filter(|(_, globs)| path_matches(globs, p))
                .map(|(id, _)| *id)
                .collect(),
        };
        let compiled = "unions of compiled rules compile";
        let union = self.union_for(UnionKey::Main).expect(compiled);
        let prefixed = if self.prefixed.contains(&true) {
            Some(self.union_for(UnionKey::Prefixed).expect(compiled))
        } else {
            None
        };
        let limited = if included.is_empty() {
            None
        } else {
            Some(self.union_for(UnionKey::Limited(included)).expect(compiled))
        };
        Matcher {
            engine: self,
            union,
            peer: prefixed,
            limited,
        }
    }

    /// Every finding in `hay`, searched as one file (convenience for tests and
    /// small inputs).
    pub fn find_all(&self, path: Option<&Path>, hay: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.matcher(path)
            .scan_slice(hay, &ScanOptions::default(), |chunk| {
                out.extend(chunk.findings.iter().map(|f| Finding {
                    start: f.start + chunk.offset as usize,
                    end: f.end + chunk.offset as usize,
                    ..*f
                }));
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap_or_else(|e| match e {});
        out
    }

    /// The union of the rules `key` names.
    fn union_for(&self, key: UnionKey) -> Result<Arc<Union>, String> {
        let mut cache = self.unions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(u) = cache.get(&key) {
            return Ok(Arc::clone(u));
        }
        let is_limited = |id: RuleId| self.path_rules.iter().any(|(r, _)| *r == id);
        let mut hirs = Vec::new();
        let mut variant_of = Vec::new();
        for (i, v) in self.variants.iter().enumerate() {
            let prefixed = self.prefixed[v.rule.0 as usize];
            let wanted = match &key {
                UnionKey::Main => !is_limited(v.rule) && !prefixed,
                UnionKey::Prefixed => prefixed,
                UnionKey::Limited(rules) => rules.contains(&v.rule),
            };
            if wanted {
                hirs.push(v.hir.clone());
                variant_of.push(i as u32);
            }
        }
        let re = if hirs.is_empty() {
            compile::union(&[Hir::fail()])?
        } else {
            compile::union(&hirs)?
        };
        let (mut single, mut single_of, mut multi) = (Vec::new(), Vec::new(), Vec::new());
        let mut multi_of = Vec::new();
        for (h, &vi) in hirs.iter().zip(&variant_of) {
            if self.variants[vi as usize].multiline {
                multi.push(h.clone());
                multi_of.push(vi as usize);
            } else {
                single.push(h.clone());
                single_of.push(vi);
            }
        }
        let streamed = if single.len() >= MIN_STREAMED_VARIANTS {
            Some(streams::Streamed::new(&single, single_of)?)
        } else {
            None
        };
        let multiline = if multi.is_empty() || streamed.is_none() {
            None
        } else {
            Some(compile::union(&multi)?)
        };
        let multiline_starts = multiline
            .as_ref()
            .and_then(|_| compile::folded_prefixes(&multi))
            .and_then(|l| FoldedStarts::new(&l));
        let multiline_gate = match (&multiline, &multiline_starts) {
            (Some(_), Some(_)) => MultilineGate::new(&multi_of, |vi| {
                let v = &self.variants[vi];
                let keywords = v.keywords.as_ref().map(|_| {
                    let rule = &self.rules[v.rule.0 as usize];
                    rule.keywords
                        .iter()
                        .map(|k| k.as_bytes().to_vec())
                        .collect()
                });
                (
                    keywords,
                    compile::folded_prefixes(std::slice::from_ref(&v.hir)),
                )
            }),
            _ => None,
        };
        let u = Arc::new(Union {
            re,
            variant_of,
            caches: Mutex::new(Vec::new()),
            streamed,
            multiline,
            multiline_starts,
            multiline_gate,
        });
        cache.insert(key, Arc::clone(&u));
        Ok(u)
    }

    fn priority(&self, id: RuleId) -> i32 {
        self.rules[id.0 as usize].priority
    }
}

/// A digest of everything in `set` that compiling reads (the rules'
/// complete description, in order): equal digests, equal engines.
fn rules_digest(set: &RuleSet) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", set.rules()).hash(&mut h);
    h.finish()
}

fn path_matches(globs: &GlobSet, path: &Path) -> bool {
    // Match the full path and the bare file name, so `gitlab.rb` as a glob
    // finds `etc/gitlab/gitlab.rb` inside a bundle.
    globs.is_match(path)
        || path
            .file_name()
            .is_some_and(|n| globs.is_match(Path::new(n)))
}

/// Compile `rule`'s patterns into `out`; says whether every match of it
/// holds context besides the value (see [`RuleInfo::context`]).
fn compile_rule(
    rule: &Rule,
    id: RuleId,
    allow_list: &Arc<AllowList>,
    out: &mut Vec<Variant>,
) -> Result<bool, RuleError> {
    let err = |msg: String| RuleError::invalid(rule.pattern_at.clone(), Some(&rule.id), msg);
    // The allow list speaks of host names and of dotted versions only.
    let keep = match rule.kind.as_str() {
        "hostname" => Keep::Hosts(Arc::clone(allow_list)),
        "ipv4" => Keep::Versions(Arc::clone(allow_list)),
        _ if rule.category == Category::Credential && rule.decode.is_none() => Keep::References,
        _ => Keep::Nothing,
    };
    let allow: Arc<Vec<Vec<u8>>> =
        Arc::new(rule.allow.iter().map(|a| a.as_bytes().to_vec()).collect());
    let mut sources: Vec<(String, Vec<String>, bool)> = Vec::new();
    if let Some(p) = &rule.pattern {
        sources.push((p.clone(), rule.keywords.clone(), false));
    }
    if !rule.json_keys.is_empty() {
        // A JSON key is its own keyword: the key is literally in the match.
        sources.push((
            compile::json_keys_pattern(&rule.json_keys),
            Vec::new(),
            true,
        ));
    }
    let mut context = true;
    for (pattern, keywords, json) in sources {
        let hir = compile::parse(&pattern, rule.multiline).map_err(&err)?;
        context &= compile::has_context(&hir);
        let keywords = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&keywords)
                    .map_err(|e| err(e.to_string()))?,
            )
        };
        // A pattern whose secret cannot be trimmed out of its matches may
        // become trimmable cut by its leading alternatives: `fqdn`'s
        // `(?:^|[^…%…]|%[0-9a-f]{2})` costs a capture search per host name
        // whole, and only on the rare `%2F` cut.
        let parts = match compile::Trim::new(&hir) {
            Some(_) => vec![hir],
            None => match compile::split_prefix(&hir) {
                Some(parts) if parts.iter().any(|h| compile::Trim::new(h).is_some()) => parts,
                _ => vec![hir],
            },
        };
        let ignore_keys = if rule.ignore_keys.is_empty() || json {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&rule.ignore_keys)
                    .map_err(|e| err(e.to_string()))?,
            )
        };
        let family = out.len();
        for hir in parts {
            let nfa = compile::nfa(&hir).map_err(&err)?;
            let groups = nfa.group_info();
            let secret = groups.to_index(regex_automata::PatternID::ZERO, "secret");
            let key = groups.to_index(regex_automata::PatternID::ZERO, "key");
            if ignore_keys.is_some() && key.is_none() {
                return Err(err(
                    "`ignore_keys` needs a `(?P<key>…)` group in the pattern".into(),
                ));
            }
            // The key group is read from captures: no trimming.
            let trim = if ignore_keys.is_some() {
                None
            } else {
                compile::Trim::new(&hir)
            };
            out.push(Variant {
                rule: id,
                family,
                multiline: rule.multiline,
                hir,
                nfa,
                captor: std::sync::OnceLock::new(),
                trim,
                secret,
                key: if ignore_keys.is_some() { key } else { None },
                ignore_keys: ignore_keys.clone(),
                shape: rule.shape,
                keywords: keywords.clone(),
                allow: Arc::clone(&allow),
                keep: keep.clone(),
                priority: rule.priority,
                json,
                stronger_first: Box::new([false; 256]),
            });
        }
    }
    Ok(context)
}

fn build_learned(
    values: &[LearnedValue],
    rules: &mut Vec<RuleInfo>,
) -> Result<Option<Learned>, RuleError> {
    let values: Vec<&LearnedValue> = values
        .iter()
        .filter(|v| !v.value.is_empty() && !v.value.contains(&b'\n'))
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    let mut rule_of = Vec::with_capacity(values.len());
    for v in &values {
        let id = match rules.iter().position(|r| r.id == v.rule) {
            Some(i) => RuleId(i as u32),
            None => {
                rules.push(RuleInfo {
                    id: v.rule.clone(),
                    description: format!("{} learned from the input", v.kind),
                    // Learned values are known to be this bundle's own: they
                    // beat a generic shape match of the same bytes.
                    priority: v.category.default_priority() + 50,
                    category: v.category.clone(),
                    kind: v.kind.clone(),
                    keywords: Vec::new(),
                    source: "learned".into(),
                    at: None,
                    decode: None,
                    context: false,
                });
                RuleId(rules.len() as u32 - 1)
            }
        };
        rule_of.push(id);
    }
    // A full DFA: one look-up per byte. Case-insensitive patterns get no
    // SIMD prefilter, so the automaton walks every byte; the DFA walks them
    // fastest, and its states can be stepped by hand (see
    // `streams::learned_walks`).
    let ac = aho_corasick::dfa::DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(AcMatchKind::LeftmostLongest)
        .build(values.iter().map(|v| &v.value))
        .map_err(|e| {
            RuleError::invalid(
                Location {
                    file: "<learned>".into(),
                    line: 0,
                    col: 0,
                },
                None,
                e.to_string(),
            )
        })?;
    let max_len = values.iter().map(|v| v.value.len()).max().unwrap_or(0);
    let boundary_of = values.iter().map(|v| v.boundary).collect();
    Ok(Some(Learned {
        ac,
        rule_of,
        boundary_of,
        max_len,
    }))
}

/// Per-search scratch space (capture buffers), reused across chunks.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Capture buffers and engine caches, by variant.
    caps: Vec<Option<(Captures, compile::CaptorCache)>>,
    regex: Vec<Finding>,
    learned: Vec<Finding>,
    /// Context regions still to search: (start, end, variant whose context
    /// it is).
    stack: Vec<(usize, usize, usize)>,
    /// The union's search state, taken for the whole input.
    pub(crate) cache: Option<UnionCache>,
    /// The peer union's search state (see [`Matcher::peer`]).
    peer: Option<UnionCache>,
    /// The peer union's last answer to the main search, and to each
    /// interleaved stream's (see [`PeerMemo`]).
    peer_memo: PeerMemo,
    stream_memos: [PeerMemo; streams::MAX_STREAMS],
    /// Every place in each interleaved stream's stretch where a match of
    /// the peer starts, with its match there (found by interleaved walks
    /// of the peer before the main union's), and how far each stream has
    /// read its list. `None` when those walks gave up (the memos serve).
    peer_starts: Option<[Vec<(usize, usize, usize)>; streams::MAX_STREAMS]>,
    peer_read: [usize; streams::MAX_STREAMS],
    /// The stretches `peer_starts` is for, while an interleaved search is
    /// under way (empty otherwise).
    peer_stretches: Vec<(usize, usize)>,
    /// The scratch space of the path-limited rules' search.
    limited: Option<Box<Scratch>>,
    /// Interleaved searches gave up once on this input (the DFA cache was
    /// cleared): search the rest the ordinary way.
    no_streams: bool,
    /// Where no multi-line variant can start a match, as found by the
    /// search under way (`start..end`): there the union is searched with
    /// the single-line automaton.
    single_line: (usize, usize),
}

/// The peer union's leftmost match in `from..end`, kept: it is also its
/// leftmost match from any later position up to its start (no match of
/// the peer starts in between), so a search that moves forward asks the
/// peer again only after passing its match. Without it each step of the
/// main search would search the peer up to its next match again.
#[derive(Clone, Copy, Default)]
struct PeerMemo {
    /// `None`: nothing asked yet.
    asked: Option<(usize, usize)>,
    found: Option<(usize, usize, usize)>,
}

impl PeerMemo {
    /// The answer for `pos..end`, if the kept one is it.
    fn answer(&self, pos: usize, end: usize) -> Option<Option<(usize, usize, usize)>> {
        let (from, e) = self.asked?;
        (e == end && from <= pos && self.found.is_none_or(|m| m.1 >= pos)).then_some(self.found)
    }
}

/// Which kept answer of the peer union a search may use.
#[derive(Clone, Copy)]
enum PeerAsk {
    /// The search of a whole chunk, moving forward.
    Main,
    /// The walk of one interleaved stream, moving forward in its stretch.
    Stream(usize),
    /// Anything else (anchored, context, a search that jumps back): ask.
    Direct,
}

/// Of two unions' leftmost-first matches from one place, the one a single
/// union of both would report: the earlier start, then the earlier
/// variant (a union's patterns are in variant order, and at one start
/// leftmost-first prefers the earlier pattern).
fn earlier(
    a: Option<(usize, usize, usize)>,
    b: Option<(usize, usize, usize)>,
) -> Option<(usize, usize, usize)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if (y.1, y.0) < (x.1, x.0) { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// The engine bound to one input's rule selection.
pub struct Matcher<'e> {
    engine: &'e Engine,
    /// Every rule without `paths` and without a rare literal prefix.
    union: Arc<Union>,
    /// The rules with rare literal prefixes (see [`UnionKey::Prefixed`]),
    /// if any: searched with `union` as if the two were one automaton
    /// (see [`Matcher::union_search`]).
    peer: Option<Arc<Union>>,
    /// The path-limited rules that apply to this input, if any.
    limited: Option<Arc<Union>>,
}

impl Matcher<'_> {
    pub fn engine(&self) -> &Engine {
        self.engine
    }

    /// Take a search cache for one input (see [`Union::caches`]).
    pub(crate) fn begin(&self, scratch: &mut Scratch) {
        if scratch.cache.is_none() {
            scratch.cache = Some(self.union.take_cache());
        }
        if let Some(p) = &self.peer {
            if scratch.peer.is_none() {
                scratch.peer = Some(p.take_cache());
            }
        }
        if let Some((sub, ss)) = self.limited(scratch) {
            if ss.cache.is_none() {
                ss.cache = Some(sub.union.take_cache());
            }
        }
    }

    /// Give the search caches back.
    pub(crate) fn end(&self, scratch: &mut Scratch) {
        if let Some(c) = scratch.cache.take() {
            self.union.put_cache(c);
        }
        if let (Some(p), Some(c)) = (&self.peer, scratch.peer.take()) {
            p.put_cache(c);
        }
        if let Some((sub, ss)) = self.limited(scratch) {
            if let Some(c) = ss.cache.take() {
                sub.union.put_cache(c);
            }
        }
    }

    /// The search of the path-limited rules alone, with its own scratch
    /// space.
    fn limited<'s>(&self, scratch: &'s mut Scratch) -> Option<(Matcher<'_>, &'s mut Scratch)> {
        let u = self.limited.as_ref()?;
        let sub = Matcher {
            engine: self.engine,
            union: Arc::clone(u),
            peer: None,
            limited: None,
        };
        Some((sub, scratch.limited.get_or_insert_with(Default::default)))
    }

    fn cache<'s>(&self, scratch: &'s mut Scratch) -> &'s mut UnionCache {
        scratch.cache.get_or_insert_with(|| self.union.take_cache())
    }

    /// This matcher's union's leftmost-first match in `input` (see
    /// [`Union::find`]; `Scratch::single_line` says where no multi-line
    /// variant can match).
    fn own_search(
        &self,
        scratch: &mut Scratch,
        input: &Input<'_>,
    ) -> Option<(usize, usize, usize)> {
        let (from, to) = scratch.single_line;
        let single_line = !scratch.no_streams && input.start() >= from && input.end() <= to;
        self.union.find(self.cache(scratch), input, single_line)
    }

    /// The leftmost-first match in `input` of this matcher's union and its
    /// peer's together, as one union of both would find it (see
    /// [`earlier`]). `ask` says which kept answer of the peer's may serve
    /// (see [`PeerMemo`]).
    fn union_search(
        &self,
        scratch: &mut Scratch,
        input: &Input<'_>,
        ask: PeerAsk,
    ) -> Option<(usize, usize, usize)> {
        let own = self.own_search(scratch, input);
        if self.peer.is_none() {
            return own;
        }
        let theirs = self.peer_next(scratch, input, ask);
        earlier(own, theirs)
    }

    /// The peer union's leftmost-first match in `input`, from the answer
    /// kept for `ask` where it serves.
    fn peer_next(
        &self,
        scratch: &mut Scratch,
        input: &Input<'_>,
        ask: PeerAsk,
    ) -> Option<(usize, usize, usize)> {
        let slot = match ask {
            PeerAsk::Direct => return self.peer_search(scratch, input),
            PeerAsk::Main => None,
            PeerAsk::Stream(k) => Some(k),
        };
        fn memo(scratch: &mut Scratch, slot: Option<usize>) -> &mut PeerMemo {
            match slot {
                Some(k) => &mut scratch.stream_memos[k],
                None => &mut scratch.peer_memo,
            }
        }
        let (pos, end) = (input.start(), input.end());
        if let Some(kept) = memo(scratch, slot).answer(pos, end) {
            return kept;
        }
        let found = self.peer_search(scratch, input);
        *memo(scratch, slot) = PeerMemo {
            asked: Some((pos, end)),
            found,
        };
        found
    }

    /// The peer's leftmost-first match in `from..hay_end` if it starts
    /// before `before` (otherwise any answer or none: the caller looks at
    /// matches that start before it only).
    ///
    /// A plain search would run to the peer's next match, which in a long
    /// line can be the end of the chunk, for every key a rule reads (one
    /// 200 MB line of JSON redacted 25% slower). In interleaved streams the
    /// peer's starts are listed (its matches do not cross lines, and each
    /// stretch holds whole lines); elsewhere the main search's kept answer
    /// serves, as that search moves forward past `from`.
    fn peer_before(
        &self,
        hay: &[u8],
        from: usize,
        before: usize,
        hay_end: usize,
        scratch: &mut Scratch,
    ) -> Option<(usize, usize, usize)> {
        self.peer.as_ref()?;
        if let (Some(starts), Some(k)) = (
            &scratch.peer_starts,
            scratch
                .peer_stretches
                .iter()
                .position(|&(a, b)| a <= from && from < b),
        ) {
            let list = &starts[k];
            let i = list.partition_point(|m| m.1 < from);
            return list.get(i).copied().filter(|m| m.1 < before);
        }
        let input = Input::new(hay).range(from..hay_end);
        self.peer_next(scratch, &input, PeerAsk::Main)
    }

    /// The peer union's leftmost-first match in `input` (`None` without a
    /// peer).
    fn peer_search(
        &self,
        scratch: &mut Scratch,
        input: &Input<'_>,
    ) -> Option<(usize, usize, usize)> {
        let peer = self.peer.as_ref()?;
        // The peer holds no multi-line variant: its streamed automaton
        // answers wherever its cache is free.
        peer.find(
            scratch.peer.get_or_insert_with(|| peer.take_cache()),
            input,
            true,
        )
    }

    /// Find everything in `hay[from..]` that starts before `accept_before`,
    /// looking at bytes up to `hay_end` (context for matches that run past
    /// `accept_before`). Findings are appended to `out` in order, with offsets
    /// into `hay`. Returns the position a further search should start from
    /// (≥ `accept_before` unless nothing was found that far).
    pub(crate) fn search(
        &self,
        hay: &[u8],
        from: usize,
        accept_before: usize,
        hay_end: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) -> usize {
        let mut regex = std::mem::take(&mut scratch.regex);
        regex.clear();
        let mut resume = self.search_regex(hay, from, accept_before, hay_end, scratch, &mut regex);
        regex.sort_unstable_by_key(|f| f.start);
        // The path-limited rules, searched on their own and merged as
        // learned literals are: where both find the same bytes, the longer
        // span wins, then the higher priority, and partial overlaps are
        // merged into one span.
        if let Some((sub, ss)) = self.limited(scratch) {
            let mut more = std::mem::take(&mut ss.regex);
            more.clear();
            let r = sub.search_regex(hay, from, accept_before, hay_end, ss, &mut more);
            resume = resume.max(r);
            if !more.is_empty() {
                more.sort_unstable_by_key(|f| f.start);
                let mut both = Vec::with_capacity(regex.len() + more.len());
                self.merge(&regex, &more, &mut both);
                regex.clear();
                regex.append(&mut both);
            }
            ss.regex = more;
        }

        let mut learned = std::mem::take(&mut scratch.learned);
        learned.clear();
        let mut learned_end = from;
        if let Some(l) = &self.engine.learned {
            let end = hay_end.min(accept_before.saturating_add(l.max_len));
            let mut take = |start: usize, end: usize, pattern: usize| {
                let b = l.boundary_of[pattern];
                if b.touches(hay, start.wrapping_sub(1)) || b.touches(hay, end) {
                    return;
                }
                learned.push(Finding {
                    rule: l.rule_of[pattern],
                    start,
                    end,
                });
                learned_end = learned_end.max(end);
            };
            if accept_before - from >= 2 * streams::MIN_STRETCH {
                let stretches = line_stretches(hay, from, accept_before, end);
                let last = stretches.len() - 1;
                // Matches per stretch, so that they come out in order.
                let mut parts: [Vec<streams::LiteralMatch>; streams::MAX_STREAMS] =
                    Default::default();
                streams::learned_walks(&l.ac, hay, &stretches, |k, m| {
                    if k == last && m.start >= accept_before {
                        return false;
                    }
                    parts[k].push(m);
                    true
                });
                for m in parts.iter().flatten() {
                    take(m.start, m.end, m.pattern);
                }
            } else {
                use aho_corasick::automaton::Automaton;
                let input = aho_corasick::Input::new(hay).range(from..end);
                let iter =
                    l.ac.try_find_iter(input)
                        .expect("unanchored searches are supported by every automaton");
                for m in iter {
                    if m.start() >= accept_before {
                        break;
                    }
                    take(m.start(), m.end(), m.pattern().as_usize());
                }
            }
        }
        if learned.is_empty() {
            out.extend_from_slice(&regex);
        } else {
            self.merge(&regex, &learned, out);
        }
        scratch.regex = regex;
        scratch.learned = learned;
        resume.max(learned_end)
    }

    /// Merge two sorted lists of findings into one without overlaps.
    ///
    /// Both lists are sorted by start (and within one list no two findings
    /// start at the same byte), so a linear merge in the order below is the
    /// order a sort of both together would give.
    fn merge(&self, a: &[Finding], b: &[Finding], out: &mut Vec<Finding>) {
        let e = self.engine;
        let before = |x: &Finding, y: &Finding| {
            x.start
                .cmp(&y.start)
                .then(y.len().cmp(&x.len()))
                .then(e.priority(y.rule).cmp(&e.priority(x.rule)))
                .then(x.rule.cmp(&y.rule))
                .is_le()
        };
        let (mut i, mut j) = (0, 0);
        let all = std::iter::from_fn(|| {
            let f = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if before(x, y) => {
                    i += 1;
                    *x
                }
                (_, Some(y)) => {
                    j += 1;
                    *y
                }
                (Some(x), None) => {
                    i += 1;
                    *x
                }
                (None, None) => return None,
            };
            Some(f)
        });
        let first = out.len();
        for f in all {
            let open = out.len() > first;
            match out.last_mut() {
                Some(last) if open && f.start < last.end => {
                    if f.end > last.end {
                        // Partial overlap: cover both, keep the stronger rule.
                        if e.priority(f.rule) > e.priority(last.rule) {
                            last.rule = f.rule;
                        }
                        last.end = f.end;
                    }
                }
                _ => out.push(f),
            }
        }
    }

    fn search_regex(
        &self,
        hay: &[u8],
        from: usize,
        accept_before: usize,
        hay_end: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) -> usize {
        scratch.single_line = (0, 0);
        if let Some(st) = &self.union.streamed {
            let multiline = self.multiline_start(hay, from, hay_end, scratch);
            scratch.single_line = (from, multiline.unwrap_or(usize::MAX));
            if !scratch.no_streams
                && accept_before - from >= 2 * streams::MIN_STRETCH
                && multiline.is_none_or(|s| s >= accept_before)
            {
                let mark = out.len();
                match self.search_streamed(st, hay, from, accept_before, hay_end, scratch, out) {
                    Ok(resume) => return resume,
                    Err(streams::Fallback) => {
                        out.truncate(mark);
                        scratch.no_streams = true;
                    }
                }
            }
        }
        let mut resume = from;
        let mut pos = from;
        scratch.peer_memo = PeerMemo::default();
        while pos < hay_end {
            let input = Input::new(hay).range(pos..hay_end);
            let Some((vi, m_start, m_end)) = self.union_search(scratch, &input, PeerAsk::Main)
            else {
                break;
            };
            if m_start >= accept_before {
                break;
            }
            let (secret_start, secret_end, resolved) =
                self.resolve(hay, hay_end, vi, m_start, m_end, scratch);
            match resolved {
                Resolved::Found(f) => out.push(f),
                Resolved::Allowed => {}
                Resolved::NotMine => {
                    // Not the rule's value (a value of the wrong shape, an
                    // ignored key): its bytes are anybody's, so the search
                    // goes on right after its start.
                    pos = m_start + 1;
                    resume = pos;
                    continue;
                }
            }
            if secret_start - m_start >= self.engine.min_len {
                // Context before the secret may hold other findings.
                self.rescan(hay, m_start, secret_start, vi, scratch, out);
            }
            pos = secret_end.max(m_start + 1);
            resume = pos;
        }
        resume
    }

    /// Where the leftmost match of a multi-line variant in `from..hay_end`
    /// starts, if there is one. (Their matches may cross the line starts
    /// streams are cut at, and the single-line automaton does not hold
    /// them.)
    fn multiline_start(
        &self,
        hay: &[u8],
        from: usize,
        hay_end: usize,
        scratch: &mut Scratch,
    ) -> Option<usize> {
        let re = self.union.multiline.as_ref()?;
        let cache = self
            .cache(scratch)
            .multiline
            .get_or_insert_with(|| re.create_cache());
        let gated;
        let starts = match (&self.union.multiline_gate, &self.union.multiline_starts) {
            (Some(gate), Some(every)) => {
                let mask = gate.possible(hay, from, hay_end);
                if mask == 0 {
                    return None;
                }
                if mask == gate.all {
                    Some(every)
                } else {
                    gated = gate.starts(mask);
                    gated.as_deref()
                }
            }
            (_, starts) => starts.as_ref(),
        };
        match starts {
            // Every match starts with one of the prefixes: the leftmost
            // place one starts where a match does is the leftmost match's
            // start. (Look-behind assertions see the bytes before `p`.)
            Some(starts) => starts.find(hay, from, hay_end, |p, _| {
                let input = Input::new(hay).range(p..hay_end).anchored(Anchored::Yes);
                re.search_with(cache, &input).is_some()
            }),
            None => re
                .search_with(cache, &Input::new(hay).range(from..hay_end))
                .map(|m| m.start()),
        }
    }

    /// [`Matcher::search_regex`] with the chunk cut at line starts into
    /// stretches searched by interleaved walks (see [`streams`]): the same
    /// findings, the same resume position.
    #[allow(clippy::too_many_arguments)]
    fn search_streamed(
        &self,
        st: &streams::Streamed,
        hay: &[u8],
        from: usize,
        accept_before: usize,
        hay_end: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) -> Result<usize, streams::Fallback> {
        let stretches = line_stretches(hay, from, accept_before, hay_end);
        let last = stretches.len() - 1;
        let mut resume = [None::<usize>; streams::MAX_STREAMS];
        let mut cache = match self.cache(scratch).streamed.take() {
            Some(c) => c,
            None => st.create_cache(),
        };
        scratch.stream_memos = Default::default();
        self.peer_starts(hay, &stretches, accept_before, scratch);
        scratch.peer_stretches.clear();
        scratch.peer_stretches.extend_from_slice(&stretches);
        let res = st.run(&mut cache, hay, &stretches, |k, from, m| {
            // This stream's walk found `m` (or nothing) from `from`. The
            // peer's matches that a single union would have reported first
            // are taken first; `m` stays the main union's leftmost match
            // until a taken match resumes past its start.
            let own = m.map(|m| (st.variant_of[m.pattern.as_usize()] as usize, m.start, m.end));
            let stretch_end = stretches[k].1;
            let mut pos = from;
            loop {
                let theirs = if self.peer.is_none() || pos >= stretch_end {
                    None
                } else if let Some(starts) = &scratch.peer_starts {
                    let read = &mut scratch.peer_read[k];
                    while starts[k].get(*read).is_some_and(|m| m.1 < pos) {
                        *read += 1;
                    }
                    starts[k].get(*read).copied()
                } else {
                    let input = Input::new(hay).range(pos..stretch_end);
                    self.peer_next(scratch, &input, PeerAsk::Stream(k))
                };
                let next = earlier(own, theirs)?;
                if k == last && next.1 >= accept_before {
                    return None;
                }
                pos = self.take(hay, hay_end, next, scratch, out);
                resume[k] = Some(pos);
                match own {
                    // The walk's match was taken, or a taken one reached
                    // past its start: the walk goes on from `pos`.
                    Some(o) if o == next || pos > o.1 => return Some(pos),
                    _ => {}
                }
            }
        });
        scratch.peer_stretches.clear();
        self.cache(scratch).streamed = Some(cache);
        res?;
        Ok(resume.iter().rev().find_map(|r| *r).unwrap_or(from))
    }

    /// Fill `scratch.peer_starts` for `stretches`: each place a match of the
    /// peer union starts (its leftmost-first match from there), up to the
    /// first at or after `accept_before` in the last stretch. The peer's
    /// leftmost match from any position is then the first listed at or
    /// after it. Its walks are interleaved as the main union's are: one
    /// walk at a time through the whole chunk took as long as the main
    /// union's four.
    fn peer_starts(
        &self,
        hay: &[u8],
        stretches: &[(usize, usize)],
        accept_before: usize,
        scratch: &mut Scratch,
    ) {
        scratch.peer_read = [0; streams::MAX_STREAMS];
        // `None` unless the walks below complete.
        let mut starts = scratch.peer_starts.take().unwrap_or_default();
        let Some((peer, st)) = self
            .peer
            .as_ref()
            .and_then(|p| Some((p, p.streamed.as_ref()?)))
        else {
            return;
        };
        let cache = scratch.peer.get_or_insert_with(|| peer.take_cache());
        let Some(mut walks) = cache.streamed.take() else {
            return;
        };
        starts.iter_mut().for_each(Vec::clear);
        let last = stretches.len() - 1;
        let res = st.run(&mut walks, hay, stretches, |k, _, m| {
            let m = m?;
            starts[k].push((st.variant_of[m.pattern.as_usize()] as usize, m.start, m.end));
            (k != last || m.start < accept_before).then_some(m.start + 1)
        });
        cache.streamed = Some(walks);
        scratch.peer_starts = res.is_ok().then_some(starts);
    }

    /// Resolve a union match (variant, start, end), keep its finding and
    /// search the context before its secret; return where the search goes
    /// on.
    fn take(
        &self,
        hay: &[u8],
        hay_end: usize,
        (vi, start, end): (usize, usize, usize),
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) -> usize {
        let (secret_start, secret_end, resolved) =
            self.resolve(hay, hay_end, vi, start, end, scratch);
        match resolved {
            Resolved::NotMine => start + 1,
            found_or_allowed => {
                if let Resolved::Found(f) = found_or_allowed {
                    out.push(f);
                }
                if secret_start - start >= self.engine.min_len {
                    self.rescan(hay, start, secret_start, vi, scratch, out);
                }
                secret_end.max(start + 1)
            }
        }
    }

    /// Search `hay[start..end]` on its own (the context of a match of
    /// variant `parent`), with an explicit stack instead of recursion.
    ///
    /// The parent variant itself is not looked for again: in its own
    /// context it can only match a truncated copy of itself
    /// (`Failed password for invalid user x` would yield the user `invalid`).
    fn rescan(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
        parent: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        scratch.stack.push((start, end, parent));
        while let Some((mut pos, end, parent)) = scratch.stack.pop() {
            while pos < end {
                let input = Input::new(hay).range(pos..end);
                let Some((vi, m_start, m_end)) =
                    self.union_search(scratch, &input, PeerAsk::Direct)
                else {
                    break;
                };
                if self.engine.variants[vi].family == self.engine.variants[parent].family {
                    pos = m_start + 1;
                    continue;
                }
                let (s, e, resolved) = self.resolve(hay, end, vi, m_start, m_end, scratch);
                match resolved {
                    Resolved::Found(f) => out.push(f),
                    Resolved::Allowed => {}
                    Resolved::NotMine => {
                        pos = m_start + 1;
                        continue;
                    }
                }
                if s - m_start >= self.engine.min_len {
                    scratch.stack.push((m_start, s, vi));
                }
                pos = e.max(m_start + 1);
            }
        }
    }

    /// Work out the secret span of a union match and whether it counts.
    /// Returns (secret start, secret end, finding if accepted).
    fn resolve(
        &self,
        hay: &[u8],
        hay_end: usize,
        vi: usize,
        mstart: usize,
        mend: usize,
        scratch: &mut Scratch,
    ) -> (usize, usize, Resolved) {
        let v = &self.engine.variants[vi];
        let (s, e, key) = self.secret_span(hay, vi, mstart, mend, scratch);
        let verdict = v.accepts(hay, mstart, mend, s, e, key);
        let accepted = verdict == Verdict::Finding;
        // The match began before its secret (context such as `PRIVATE-TOKEN: `
        // or one byte of boundary). Does a stronger rule match right where the
        // secret starts? Then the value is that: `PRIVATE-TOKEN: glpat-…` is a
        // PAT, and `/hooks.slack.com/services/…` is a webhook, not a host
        // (even when the host alone is allowed).
        if s > mstart && s < hay_end && v.stronger_first[hay[s] as usize] {
            let input = Input::new(hay).range(s..hay_end).anchored(Anchored::Yes);
            if let Some((v2i, m2_start, m2_end)) =
                self.union_search(scratch, &input, PeerAsk::Direct)
            {
                let v2 = &self.engine.variants[v2i];
                if v2.priority > v.priority {
                    let (s2, e2, key2) = self.secret_span(hay, v2i, m2_start, m2_end, scratch);
                    let ok2 = v2.accepts(hay, m2_start, m2_end, s2, e2, key2) == Verdict::Finding;
                    // Only if it reaches as far as the value it replaces: a
                    // token at the start of a longer value (`"token":"glpat-…
                    // and more"`) must not leave the rest in clear.
                    if ok2 && (!accepted || e2 >= e) {
                        // Context of the stronger match before its secret
                        // (`glpat-`) is not searched again: it is the
                        // stronger rule's own prefix.
                        return (
                            s,
                            e2.max(e),
                            Resolved::Found(Finding {
                                rule: v2.rule,
                                start: s2,
                                end: e2,
                            }),
                        );
                    }
                }
            }
        }
        // A rule that reads a key name (`ignore_keys`) starts its match at
        // the name's first word, before a specific rule keyed on its last
        // words (`aws_secret_access_key = …`: the generic `…_key` rule
        // starts at `aws`, the AWS rule at `secret`). When a stronger rule
        // matches inside the name and takes the same value, it is that.
        if accepted && v.key.is_some() && s > mstart + 1 {
            let input = Input::new(hay).range(mstart + 1..hay_end);
            let found = earlier(
                self.own_search(scratch, &input),
                self.peer_before(hay, mstart + 1, s, hay_end, scratch),
            );
            if let Some((v2i, m2_start, m2_end)) = found {
                let v2 = &self.engine.variants[v2i];
                if m2_start < s && v2.priority > v.priority {
                    let (s2, e2, key2) = self.secret_span(hay, v2i, m2_start, m2_end, scratch);
                    if (s2, e2) == (s, e)
                        && v2.accepts(hay, m2_start, m2_end, s2, e2, key2) == Verdict::Finding
                    {
                        return (
                            s,
                            e,
                            Resolved::Found(Finding {
                                rule: v2.rule,
                                start: s,
                                end: e,
                            }),
                        );
                    }
                }
            }
        }
        let resolved = match verdict {
            Verdict::Finding => Resolved::Found(Finding {
                rule: v.rule,
                start: s,
                end: e,
            }),
            Verdict::Allowed => Resolved::Allowed,
            Verdict::NotMine => Resolved::NotMine,
        };
        (s, e, resolved)
    }

    /// The `secret` group of variant `vi` in its match `mstart..mend`, and
    /// its `key` group when the variant reads it. The capture search is
    /// limited to the match: the same leftmost-first match, found again
    /// anchored, on a few bytes.
    fn secret_span(
        &self,
        hay: &[u8],
        vi: usize,
        mstart: usize,
        mend: usize,
        scratch: &mut Scratch,
    ) -> (usize, usize, Option<(usize, usize)>) {
        let v = &self.engine.variants[vi];
        if v.json {
            let (s, e) = json_value_span(hay, mstart, mend);
            return (s, e, None);
        }
        let Some(group) = v.secret else {
            return (mstart, mend, None);
        };
        if let Some(t) = &v.trim {
            let (s, e) = t.span(hay, mstart, mend);
            return (s, e, None);
        }
        let Some(captor) = v.captor() else {
            // No capture engine (it could not be built): protect the whole
            // match.
            return (mstart, mend, None);
        };
        if scratch.caps.len() <= vi {
            scratch.caps.resize_with(vi + 1, || None);
        }
        let (caps, cache) = scratch.caps[vi].get_or_insert_with(|| {
            let caps = match captor {
                compile::Captor::OnePass(d) => d.create_captures(),
                compile::Captor::Backtrack(b) => b.create_captures(),
            };
            (caps, captor.create_cache())
        });
        let input = Input::new(hay).range(mstart..mend).anchored(Anchored::Yes);
        if !captor.captures(cache, &input, caps) {
            return (mstart, mend, None);
        }
        let key = v
            .key
            .and_then(|k| caps.get_group(k))
            .map(|sp| (sp.start, sp.end));
        match caps.get_group(group) {
            Some(sp) => (sp.start, sp.end, key),
            // The group exists but did not take part (or the capture engine
            // could not run): protect the whole match.
            None => (mstart, mend, key),
        }
    }
}

impl Variant {
    /// The capture engine, built on first use.
    fn captor(&self) -> Option<&compile::Captor> {
        self.captor
            .get_or_init(|| compile::Captor::new(self.nfa.clone()).ok())
            .as_ref()
    }

    /// What the match `mstart..mend` with secret `s..e` (and `key`) is to
    /// this rule: a finding, an allowed value, or not the rule's at all (no
    /// keyword inside, a value of the wrong shape, an ignored key).
    fn accepts(
        &self,
        hay: &[u8],
        mstart: usize,
        mend: usize,
        s: usize,
        e: usize,
        key: Option<(usize, usize)>,
    ) -> Verdict {
        if s >= e {
            return Verdict::NotMine;
        }
        let secret = &hay[s..e];
        let keyword_ok = self
            .keywords
            .as_ref()
            .is_none_or(|k| k.is_match(&hay[mstart..mend]));
        if !keyword_ok {
            return Verdict::NotMine;
        }
        if let (Some(ignore), Some((ks, ke))) = (&self.ignore_keys, key) {
            if ignore.is_match(&hay[ks..ke]) {
                return Verdict::NotMine;
            }
        }
        let shaped = match self.shape {
            Shape::Any => true,
            Shape::Random => shape::looks_random(secret),
            Shape::Base64 => shape::looks_base64(secret),
        };
        if !shaped {
            return Verdict::NotMine;
        }
        if self.allow.iter().any(|a| a.eq_ignore_ascii_case(secret)) {
            return Verdict::Allowed;
        }
        let kept = match &self.keep {
            Keep::Nothing => false,
            Keep::Hosts(a) => std::str::from_utf8(secret).is_ok_and(|h| a.keeps_host(h)),
            Keep::Versions(a) => a.version_before(hay, s),
            Keep::References => crate::rules::allow::is_reference(hay, s, e),
        };
        if kept {
            return Verdict::Allowed;
        }
        Verdict::Finding
    }
}

/// Which part of the allow list ([`crate::rules::allow`]) applies to a
/// rule's values, by the rule's kind.
#[derive(Clone, Debug)]
enum Keep {
    Nothing,
    /// Public host names (`docs.gitlab.com`, `sts.amazonaws.com`).
    Hosts(Arc<AllowList>),
    /// A dotted quad after a version word (`Rails 7.1.5.1`).
    Versions(Arc<AllowList>),
    /// A credential rule's value that only names where the secret is
    /// (`${RUNNER_TOKEN_3}`, `secret: gitlab-ldap-bind`).
    References,
}

/// What a rule makes of one of its matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Finding,
    /// A value the rule allows: known to be safe, so its bytes are left
    /// alone (a suffix of `hooks.slack.com` is not searched again).
    Allowed,
    /// Not the rule's value: other rules may find something in its bytes.
    NotMine,
}

/// The outcome of one union match (see [`Matcher::resolve`]).
enum Resolved {
    Found(Finding),
    Allowed,
    NotMine,
}

/// Stretches for interleaved searches of `from..accept_before`: line
/// starts near equal shares of it. The last stretch runs to `end` (its
/// caller accepts only matches that start before `accept_before`, as the
/// ordinary search does).
fn line_stretches(
    hay: &[u8],
    from: usize,
    accept_before: usize,
    end: usize,
) -> Vec<(usize, usize)> {
    let span = accept_before - from;
    let n = (span / streams::MIN_STRETCH).clamp(1, streams::MAX_STREAMS);
    let mut bounds = vec![from];
    for i in 1..n {
        let last = *bounds.last().unwrap_or(&from);
        let target = (from + span * i / n).max(last);
        if let Some(nl) = memchr::memchr(b'\n', &hay[target..accept_before]) {
            let b = target + nl + 1;
            if b < accept_before && b > last {
                bounds.push(b);
            }
        }
    }
    let mut stretches: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    stretches.push((*bounds.last().unwrap_or(&from), end));
    stretches
}

/// The string value in a `json_keys` match `"key" : ["value"`: after the
/// key's closing quote, skip `:`, `[` and white space to the value's opening
/// quote; the match ends with the value's closing quote. (Keys cannot hold
/// `"` or `\`, so the first quote after the opening one closes the key.)
fn json_value_span(hay: &[u8], mstart: usize, mend: usize) -> (usize, usize) {
    let m = &hay[mstart..mend];
    let key_end = 1 + memchr::memchr(b'"', &m[1..]).unwrap_or(0);
    let mut i = key_end + 1;
    while i < m.len() && (m[i].is_ascii_whitespace() || matches!(m[i], b':' | b'[')) {
        i += 1;
    }
    // m[i] is the value's opening quote.
    (mstart + i + 1, mend - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, .. proptest::prelude::ProptestConfig::default() })]
        /// The multi-line start found from the prefixes' places (of the
        /// variants whose keywords the text holds) is a place where the
        /// regex matches, and no later than any match its rule would take.
        #[test]
        fn multiline_starts_are_where_the_regex_finds_them(
            parts in proptest::collection::vec((0usize..15, proptest::prelude::any::<u64>()), 0..40),
            from in 0usize..64,
        ) {
            struct Fixture {
                engine: Engine,
                /// Each multi-line variant alone, and its keywords.
                variants: Vec<(meta::Regex, Option<AhoCorasick>)>,
            }
            static BUILTIN: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
            let fx = BUILTIN.get_or_init(|| {
                let engine =
                    Engine::new(&RuleSet::builtin().expect("built-in rules")).expect("compile");
                let union = engine.matcher(Some(Path::new("var/log/x.yml"))).union;
                let variants = union
                    .variant_of
                    .iter()
                    .map(|&vi| &engine.variants[vi as usize])
                    .filter(|v| v.multiline)
                    .map(|v| {
                        let re = compile::union(std::slice::from_ref(&v.hir)).expect("compiles");
                        (re, v.keywords.clone())
                    })
                    .collect();
                Fixture { engine, variants }
            });
            let m = fx.engine.matcher(Some(Path::new("var/log/x.yml")));
            proptest::prop_assert!(m.union.multiline_starts.is_some());
            proptest::prop_assert!(m.union.multiline_gate.is_some());
            let mut hay = Vec::new();
            for &(p, r) in &parts {
                let piece: &[u8] = match p {
                    0 => b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
                    1 => b"-----BEGIN PRIVATE KEY-----\\nMIIEowIBAAKCAQEA",
                    2 => b"  password: |\n    s3cr3t-value\n",
                    3 => b"- name: SMTP_TOKEN\n  value: abcdef\n",
                    4 => b"{\"name\": \"DB_PASSWORD\", \"value\": \"x9y8z7\"}",
                    5 => b"[[runners]]\n  url = \"x\"\n  name = \"r1\"\n",
                    6 => b"Private-Lines: 2\nAAAAB3Nz\nAAAAB3Nz\n",
                    7 => b"\n",
                    8 => b" username name: ",
                    9 => b"token secret api_key credentials ",
                    // A match of the regex that holds none of its rule's
                    // keywords (`: |`).
                    10 => b"  password:|\n    s3cr3t-value\n",
                    11 => b"Name: dr-site\nURL: https://dr.example.org/\n",
                    _ => b"xyz 12 ",
                };
                hay.extend(piece.iter().enumerate().map(|(i, b)| {
                    if (r >> (i % 64)) & 1 == 1 { b.to_ascii_uppercase() } else { *b }
                }));
            }
            let from = from.min(hay.len());
            let mut scratch = Scratch::default();
            let got = m.multiline_start(&hay, from, hay.len(), &mut scratch);
            m.end(&mut scratch);
            let re = m.union.multiline.as_ref().expect("built-in multi-line rules");
            // Where the regex matches…
            if let Some(p) = got {
                let at = Input::new(&hay).range(p..hay.len()).anchored(Anchored::Yes);
                proptest::prop_assert!(re.search(&at).is_some());
            }
            let leftmost = re.search(&Input::new(&hay).range(from..hay.len())).map(|x| x.start());
            proptest::prop_assert!(got.is_none() || got >= leftmost);
            // …and no later than the first match a rule takes.
            let taken = (from..hay.len()).find(|&p| {
                fx.variants.iter().any(|(re, keywords)| {
                    let at = Input::new(&hay).range(p..hay.len()).anchored(Anchored::Yes);
                    re.search(&at).is_some_and(|x| {
                        keywords.as_ref().is_none_or(|k| k.is_match(&hay[x.start()..x.end()]))
                    })
                })
            });
            if let Some(t) = taken {
                proptest::prop_assert!(got.is_some_and(|g| g <= t), "{got:?} after {t}");
            }
        }
    }

    #[test]
    fn the_gate_sees_every_literal_at_a_place_and_stops_at_none() {
        let lits = |l: &[&str]| Some(l.iter().map(|x| x.as_bytes().to_vec()).collect());
        // Variant 0 is gated by `name`, 1 by `name:` (a longer literal at
        // the same places), 2 by `value`.
        let gate = MultilineGate::new(&[10, 11, 12], |vi| match vi {
            10 => (lits(&["name"]), lits(&["name"])),
            11 => (lits(&["name:"]), lits(&["x"])),
            _ => (lits(&["value"]), lits(&["key"])),
        })
        .expect("three variants");
        let possible = |t: &str| gate.possible(t.as_bytes(), 0, t.len());
        assert_eq!(possible("nothing here"), 0);
        assert_eq!(possible("the NAME is"), 0b001);
        assert_eq!(possible("Name: x"), 0b011);
        assert_eq!(possible("name x, value: y"), 0b101);
        assert_eq!(possible("VALUE then name: z"), 0b111);
        assert!(gate.starts(0b101).is_some());
        let always = MultilineGate::new(&[10, 11], |vi| match vi {
            10 => (None, None),
            _ => (lits(&["value"]), lits(&["key"])),
        })
        .expect("two variants");
        assert_eq!(always.possible(b"nothing", 0, 7), 0b01);
        assert!(always.starts(0b01).is_none());
        // Literals the packed searcher cannot take: no gate, every variant
        // possible.
        let many: Vec<Vec<u8>> = (0..1000).map(|i| format!("kw{i}x").into_bytes()).collect();
        let crowded = MultilineGate::new(&[10, 11], |vi| match vi {
            10 => (Some(many.clone()), lits(&["k"])),
            _ => (lits(&["value"]), lits(&["key"])),
        })
        .expect("two variants");
        assert_eq!(crowded.possible(b"nothing", 0, 7), 0b11);
    }

    fn learned(v: &str) -> LearnedValue {
        LearnedValue {
            value: v.as_bytes().to_vec(),
            rule: "learned_hostname".into(),
            category: crate::rules::Category::Network,
            kind: "hostname".into(),
            boundary: Boundary::Alnum,
        }
    }

    fn unions(e: &Engine) -> Vec<Arc<Union>> {
        e.unions.lock().unwrap().values().cloned().collect()
    }

    #[test]
    fn path_limited_rules_are_searched_beside_the_one_union_of_the_others() {
        let set = RuleSet::builtin().unwrap();
        let engine = Engine::new(&set).unwrap();
        let secrets = Path::new("etc/gitlab/gitlab-secrets.json");
        let (plain, limited) = (engine.matcher(None), engine.matcher(Some(secrets)));
        // Every kind of file shares the automaton of the rules without
        // `paths`; only the rules that apply get one of their own.
        assert!(Arc::ptr_eq(&plain.union, &limited.union));
        assert!(plain.limited.is_none());
        let own = limited
            .limited
            .as_ref()
            .expect("gitlab-secrets.json has rules of its own");
        let own_rules: std::collections::HashSet<&str> = own
            .variant_of
            .iter()
            .map(|&v| engine.rule(engine.variants[v as usize].rule).id.as_str())
            .collect();
        assert!(own_rules.contains("gitlab_secrets_json_value"));
        assert!(own_rules.iter().all(|id| set
            .rules()
            .iter()
            .any(|r| r.id == *id && !r.paths.is_empty())));
        // Both searches' findings come out, merged in order and without
        // overlaps: the secret the shared union finds, and the whole value
        // only the file's own rule takes (over the address the shared union
        // finds inside it).
        let text = b"{\"gitlab_shell\": {\"secret_token\": \"q7Wz\"},\n \"note\": [\"from 10.1.2.3 on\"]}\n";
        let found = engine.find_all(Some(secrets), text);
        let got: Vec<(&str, &[u8])> = found
            .iter()
            .map(|f| (engine.rule(f.rule).id.as_str(), &text[f.start..f.end]))
            .collect();
        assert!(got.iter().any(|(_, v)| *v == b"q7Wz"), "{got:?}");
        assert!(
            got.contains(&("gitlab_secrets_json_value", b"from 10.1.2.3 on".as_slice())),
            "{got:?}"
        );
        assert!(found.windows(2).all(|w| w[0].end <= w[1].start), "{got:?}");
        let elsewhere = engine.find_all(None, text);
        assert!(elsewhere
            .iter()
            .all(|f| &text[f.start..f.end] != b"from 10.1.2.3 on"));
        assert!(elsewhere
            .iter()
            .any(|f| &text[f.start..f.end] == b"10.1.2.3"));
    }

    #[test]
    fn an_engine_like_another_shares_its_automata_and_finds_the_same() {
        let set = RuleSet::builtin().unwrap();
        let text = b"ip 10.1.2.3 host db01 token glpat-Ab0Cd2Ef3Gh4Ij5Kl6Mn x\n";
        let first = Engine::with_learned(&set, &[learned("web07")]).unwrap();
        first.find_all(None, text);
        let like = Engine::with_learned_like(&set, &[learned("db01")], &first).unwrap();
        let alone = Engine::with_learned(&set, &[learned("db01")]).unwrap();
        // Same automata, warm: the unions built for `first` are the ones
        // used (the main and the prefixed rules', and the path-limited
        // rules' that texts of no file do not use).
        let (a, b) = (unions(&first), unions(&like));
        assert_eq!(a.len(), 3);
        assert!(b.len() == 3 && b.iter().all(|u| a.iter().any(|x| Arc::ptr_eq(u, x))));
        let used = |e: &Engine| Arc::clone(&e.matcher(None).union);
        assert!(Arc::ptr_eq(&used(&first), &used(&like)));
        assert!(!Arc::ptr_eq(&used(&first), &used(&alone)));
        // Its own learned values, and the same findings as if built alone.
        let found = like.find_all(None, text);
        assert_eq!(found, alone.find_all(None, text));
        assert!(found.iter().any(
            |f| &text[f.start..f.end] == b"db01" && like.rule(f.rule).id == "learned_hostname"
        ));
        // Other rules: nothing shared.
        let fewer = set.filtered(|r| r.id != "ipv4");
        let other = Engine::with_learned_like(&fewer, &[], &first).unwrap();
        assert!(unions(&other)
            .iter()
            .all(|u| a.iter().all(|x| !Arc::ptr_eq(u, x))));
        assert!(other
            .find_all(None, text)
            .iter()
            .all(|f| other.rule(f.rule).id != "ipv4"));
    }
}
