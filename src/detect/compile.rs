//! Turning rule text into regex-automata programs.
//!
//! Every pattern goes through [`parse`], which fixes the dialect for all rules:
//!
//! * **bytes, ASCII**: Unicode classes are off (`\w`, `\d`, `(?i)` are ASCII)
//!   and `.` matches any byte but `\n`, so invalid UTF-8 in a log never stops a
//!   match and the lazy DFA never has to give up on a non-ASCII word boundary;
//! * **multi-line anchors**: `^` and `$` match at line starts and ends, which is
//!   what a rule author means in a log file;
//! * **single-line unless declared**: for rules without `multiline = true`,
//!   `\n` is removed from every class and literal of the pattern, so a match can
//!   never cross a line. That is what makes line-aligned chunks equivalent to
//!   the whole file (see `detect::chunk`).
//!
//! Size limits are explicit: a user rule that compiles to a huge automaton is
//! an error at load time rather than a slow scan at 3 a.m.

use regex_automata::dfa::onepass;
use regex_automata::meta;
use regex_automata::nfa::thompson::{self, backtrack, NFA};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind};
use regex_syntax::hir::{self, Hir, HirKind};

/// Heap limit for one rule's NFA. Generous for token shapes with counted
/// repetitions (`{20,300}`), small enough to refuse accidental blow-ups such
/// as `(\w{100}){100}`.
pub const RULE_NFA_LIMIT: usize = 4 << 20;
/// Heap limit for the union of all rules.
pub const UNION_NFA_LIMIT: usize = 64 << 20;
/// Lazy DFA cache per search thread for the union. The default (2 MiB) makes
/// the DFA thrash on ~60 patterns. With ~340 rules, the forward DFA of the
/// 171 MB generated bundle grew to 16.5 MB of states: at 16 MiB the cache
/// was cleared during verification and the pass took twice as long (the
/// states are built again, and the interleaved search gives up for the
/// rest of the file). Memory is taken only as states are built.
pub const UNION_DFA_CACHE: usize = 32 << 20;
/// Deepest nesting a pattern may have (stack safety of the parser).
const NEST_LIMIT: u32 = 100;

/// Parse `pattern` in airlock's dialect.
pub fn parse(pattern: &str, multiline: bool) -> Result<Hir, String> {
    parse_as_written(pattern, multiline).map(factor)
}

/// [`parse`] without [`factor`]: the pattern's structure as written.
fn parse_as_written(pattern: &str, multiline: bool) -> Result<Hir, String> {
    let hir = parser()
        .parse(pattern)
        .map_err(|e| one_line(&e.to_string()))?;
    if hir.properties().minimum_len() == Some(0) {
        return Err("pattern can match the empty string".into());
    }
    Ok(if multiline {
        hir
    } else {
        strip_line_feeds(hir)
    })
}

/// Factor the first element shared by adjacent alternatives out of them:
/// `(?i)(?:pass|pwd)` is `[Pp](?:[Aa][Ss][Ss]|[Ww][Dd])`.
///
/// # Why
///
/// The union is searched unanchored, so every state of its lazy DFA holds
/// the first NFA state of every alternative of every rule, and building a
/// state costs what these are. Case-insensitive keyword lists (`password|
/// passwd|pass|pwd|…`) are classes to the NFA compiler, which shares no
/// prefix between them.
///
/// `xA|xB` and `x(?:A|B)` prefer the same match under leftmost-first, and
/// an alternative moves ahead of another only where they cannot match at
/// the same place (they start with different bytes), so the rule means
/// what it did.
fn factor(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Alternation(alts) => {
            // Groups of alternatives, in order: (shared first element,
            // bytes any member can start with or `None` if one can match
            // empty, members).
            type Group = (Option<Hir>, Option<[bool; 256]>, Vec<Hir>);
            let mut groups: Vec<Group> = Vec::new();
            for alt in alts.into_iter().map(factor) {
                let head = first_element(&alt);
                let (bytes, nullable) = first_bytes(&alt);
                let starts = (!nullable).then_some(bytes);
                // Join the last group with the same head, if every group
                // after it starts with other bytes: an alternative that
                // cannot match where this one does has no preference over
                // it, so moving this one ahead of it changes no match.
                let mut join = None;
                if let (Some(h), Some(mine)) = (&head, starts) {
                    for (i, g) in groups.iter().enumerate().rev() {
                        if g.0.as_ref() == Some(h) {
                            join = Some(i);
                            break;
                        }
                        let disjoint = g.1.is_some_and(|theirs| {
                            !theirs.iter().zip(mine.iter()).any(|(a, b)| *a && *b)
                        });
                        if !disjoint {
                            break;
                        }
                    }
                }
                match join {
                    Some(i) => groups[i].2.push(alt),
                    None => groups.push((head, starts, vec![alt])),
                }
            }
            let out = groups
                .into_iter()
                .map(|(head, _, members)| match head {
                    Some(head) if members.len() >= 2 => {
                        let rests = members.iter().map(after_first_element).collect();
                        Hir::concat(vec![head, factor(Hir::alternation(rests))])
                    }
                    _ => Hir::alternation(members),
                })
                .collect();
            Hir::alternation(out)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(factor).collect()),
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            sub: Box::new(factor(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(hir::Capture {
            sub: Box::new(factor(*c.sub)),
            ..c
        }),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
        HirKind::Look(l) => Hir::look(l),
    }
}

/// The first byte or class `h` must match, if it starts with one.
fn first_element(h: &Hir) -> Option<Hir> {
    let first = match h.kind() {
        HirKind::Concat(v) => v.first()?,
        _ => h,
    };
    match first.kind() {
        HirKind::Literal(hir::Literal(b)) if !b.is_empty() => Some(Hir::literal(&b[..1])),
        HirKind::Class(c) => Some(Hir::class(c.clone())),
        _ => None,
    }
}

/// `h` without the element [`first_element`] returned.
fn after_first_element(h: &Hir) -> Hir {
    let (first, rest): (&Hir, &[Hir]) = match h.kind() {
        HirKind::Concat(v) => (&v[0], &v[1..]),
        _ => (h, &[]),
    };
    let mut parts = Vec::with_capacity(rest.len() + 1);
    if let HirKind::Literal(hir::Literal(b)) = first.kind() {
        if b.len() > 1 {
            parts.push(Hir::literal(&b[1..]));
        }
    }
    parts.extend(rest.iter().cloned());
    Hir::concat(parts)
}

/// The parser of airlock's dialect: bytes, `^`/`$` at line ends.
fn parser() -> regex_syntax::Parser {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .crlf(true)
        .nest_limit(NEST_LIMIT)
        .build()
}

/// regex-syntax errors draw the pattern and a caret over several lines; keep
/// the last line, which states the problem.
fn one_line(msg: &str) -> String {
    msg.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| l.trim().trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| msg.replace('\n', " "))
}

/// Remove `\n` from everything the pattern can match.
fn strip_line_feeds(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(hir::Literal(bytes)) => {
            if bytes.contains(&b'\n') {
                Hir::fail()
            } else {
                Hir::literal(bytes)
            }
        }
        HirKind::Class(hir::Class::Bytes(mut c)) => {
            c.difference(&hir::ClassBytes::new([hir::ClassBytesRange::new(
                b'\n', b'\n',
            )]));
            Hir::class(hir::Class::Bytes(c))
        }
        HirKind::Class(hir::Class::Unicode(mut c)) => {
            c.difference(&hir::ClassUnicode::new([hir::ClassUnicodeRange::new(
                '\n', '\n',
            )]));
            Hir::class(hir::Class::Unicode(c))
        }
        HirKind::Look(l) => Hir::look(l),
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            sub: Box::new(strip_line_feeds(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(hir::Capture {
            sub: Box::new(strip_line_feeds(*c.sub)),
            ..c
        }),
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(strip_line_feeds).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.into_iter().map(strip_line_feeds).collect()),
    }
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .crlf(true)
}

/// One rule variant compiled alone, as a Thompson NFA with captures.
pub fn nfa(hir: &Hir) -> Result<NFA, String> {
    thompson::Compiler::new()
        .syntax(syntax_config())
        .configure(
            thompson::Config::new()
                .utf8(false)
                .nfa_size_limit(Some(RULE_NFA_LIMIT)),
        )
        .build_from_hir(hir)
        .map_err(|e| one_line(&e.to_string()))
}

/// The engine that finds a variant's `secret` group inside a match the union
/// already found. A one-pass DFA when the pattern allows it (no
/// backtracking at all), otherwise a bounded backtracker, which is the
/// fastest capture engine on the few bytes of one match.
pub enum Captor {
    OnePass(Box<onepass::DFA>),
    Backtrack(backtrack::BoundedBacktracker),
}

/// Per-search state of a [`Captor`].
pub enum CaptorCache {
    OnePass(onepass::Cache),
    Backtrack(backtrack::Cache),
}

impl Captor {
    pub fn new(nfa: NFA) -> Result<Captor, String> {
        if let Ok(dfa) = onepass::DFA::new_from_nfa(nfa.clone()) {
            return Ok(Captor::OnePass(Box::new(dfa)));
        }
        backtrack::BoundedBacktracker::new_from_nfa(nfa)
            .map(Captor::Backtrack)
            .map_err(|e| one_line(&e.to_string()))
    }

    pub fn create_cache(&self) -> CaptorCache {
        match self {
            Captor::OnePass(d) => CaptorCache::OnePass(d.create_cache()),
            Captor::Backtrack(b) => CaptorCache::Backtrack(b.create_cache()),
        }
    }

    /// Anchored capture search; `false` if the engine could not run (the
    /// backtracker refuses haystacks beyond its visited-set capacity).
    pub fn captures(
        &self,
        cache: &mut CaptorCache,
        input: &Input<'_>,
        caps: &mut Captures,
    ) -> bool {
        match (self, cache) {
            (Captor::OnePass(d), CaptorCache::OnePass(c)) => d.try_search(c, input, caps).is_ok(),
            (Captor::Backtrack(b), CaptorCache::Backtrack(c)) => {
                b.try_search(c, input, caps).is_ok()
            }
            _ => false,
        }
    }
}

/// All variants in one leftmost-first automaton; pattern `i` is `hirs[i]`.
/// Earlier patterns win ties at the same start, so callers order them by
/// priority.
pub fn union(hirs: &[Hir]) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(syntax_config())
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(false)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit)
                .nfa_size_limit(Some(UNION_NFA_LIMIT))
                .hybrid_cache_capacity(UNION_DFA_CACHE),
        )
        .build_many_from_hir(hirs)
        .map_err(|e| one_line(&e.to_string()))
}

/// The longest prefix literal [`folded_prefixes`] keeps.
const PREFIX_MAX: usize = 12;

/// Literals one of which every match of any of `hirs` starts with, ignoring
/// ASCII case (lower case, shortest first, none a prefix of another), or
/// `None` when some pattern has no such finite set (it can start with any
/// of too many bytes).
pub fn folded_prefixes(hirs: &[Hir]) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let mut all = Vec::new();
    for hir in hirs {
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
        // Cut at `PREFIX_MAX` bytes and before the first blank after the
        // first byte: a shorter prefix still starts every match, and the
        // extractor's expansions of blanks (`"key"[ \t]*:` as `"key"\t`,
        // `"key" `, `"key":\t`, …) would otherwise outgrow what the packed
        // searcher takes.
        for lit in seq.literals()? {
            let b = lit.as_bytes();
            let blank = b
                .iter()
                .skip(1)
                .position(|c| matches!(c, b' ' | b'\t'))
                .map_or(b.len(), |i| i + 1);
            all.push(b[..b.len().min(PREFIX_MAX).min(blank)].to_ascii_lowercase());
        }
    }
    all.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for lit in all {
        if !kept.iter().any(|k| lit.starts_with(k)) {
            kept.push(lit);
        }
    }
    Some(kept)
}

/// The pattern behind `json_keys`: the string value of any of the keys, with
/// JSON escapes, as the `secret` group. Keys are literal (dots included, as
/// in `meta.user`). A value that is an array of strings has its first element
/// matched (`"primary_key": ["…"]`); in a rule declared `multiline`, also
/// when pretty-printed, the element on the line after the `[` (single-line
/// rules see no line feed in `\s`).
pub fn json_keys_pattern(keys: &[String]) -> String {
    let alts: Vec<String> = keys.iter().map(|k| regex_syntax::escape(k)).collect();
    format!(
        r#""(?:{})"[ \t]*:[ \t]*(?:\[\s*)?"(?P<secret>(?:[^"\\\n]|\\[^\n])+)""#,
        alts.join("|")
    )
}

/// Does every match of `hir` hold bytes outside its `secret` group (a key
/// and `=`, a flag, a prompt)? Judged by the shortest each can be: `\b`
/// and `(?:^|[^a-z])` before a token hold none, `password=` does. Without
/// a `secret` group the value is the whole match: no context.
pub fn has_context(hir: &Hir) -> bool {
    fn secret(hir: &Hir) -> Option<&Hir> {
        match hir.kind() {
            HirKind::Capture(c) if c.name.as_deref() == Some("secret") => Some(hir),
            HirKind::Capture(c) => secret(&c.sub),
            HirKind::Repetition(r) => secret(&r.sub),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().find_map(secret),
            _ => None,
        }
    }
    let min = |h: &Hir| h.properties().minimum_len().unwrap_or(0);
    secret(hir).is_some_and(|s| min(hir) > min(s))
}

/// The bytes a match of `hir` can start with (a superset is fine), and
/// whether it can match without consuming any (look-arounds only).
pub fn first_bytes(hir: &Hir) -> ([bool; 256], bool) {
    let mut set = [false; 256];
    let nullable = first_into(hir, &mut set);
    (set, nullable)
}

fn first_into(hir: &Hir, set: &mut [bool; 256]) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(hir::Literal(bytes)) => match bytes.first() {
            Some(b) => {
                set[*b as usize] = true;
                false
            }
            None => true,
        },
        HirKind::Class(hir::Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set[b as usize] = true;
                }
            }
            false
        }
        HirKind::Class(hir::Class::Unicode(c)) => {
            for r in c.ranges() {
                if r.start() as u32 > 0x7F {
                    // A multi-byte character: any lead byte. Conservative.
                    set[0x80..].iter_mut().for_each(|b| *b = true);
                }
                for cp in (r.start() as u32)..=(r.end() as u32).min(0x7F) {
                    set[cp as usize] = true;
                }
            }
            false
        }
        HirKind::Repetition(r) => first_into(&r.sub, set) || r.min == 0,
        HirKind::Capture(c) => first_into(&c.sub, set),
        HirKind::Concat(parts) => {
            for p in parts {
                if !first_into(p, set) {
                    return false;
                }
            }
            true
        }
        HirKind::Alternation(alts) => {
            let mut nullable = false;
            for a in alts {
                nullable |= first_into(a, set);
            }
            nullable
        }
    }
}

/// Locating the `secret` group by trimming the match instead of running a
/// capture engine, for patterns shaped `P (?P<secret>X) S` where each side
/// of `X` can be told apart from its context in one of two ways:
///
/// * **fixed length**: every match of `P` is `n` bytes long (`glpat-`,
///   `(?i)token=`), so `X` starts `n` bytes into the match; likewise `S` at
///   the end;
/// * **disjoint bytes**: no byte `P` can match can begin `X` (one byte of
///   boundary context before an address or a host name), so `X` starts at
///   the first byte that can begin it; likewise the last byte for `S`.
///
/// This is exact, not a heuristic, and only offered when the conditions
/// hold; every other pattern keeps its capture engine.
#[derive(Clone)]
pub struct Trim {
    start: Side,
    end: Side,
}

#[derive(Clone)]
enum Side {
    Fixed(usize),
    /// Bytes that can begin (or end) the secret.
    Skip(Box<[bool; 256]>),
}

impl Side {
    /// How the secret is told apart from `context` (the parts of the
    /// pattern on one side of it): by the context's one length, or by the
    /// secret's `edge` bytes (those that can begin it, or end it, and
    /// whether it can be empty) when no context byte is one of them.
    fn new(context: &[Hir], edge: impl FnOnce() -> ([bool; 256], bool)) -> Option<Side> {
        let whole = Hir::concat(context.to_vec());
        let props = whole.properties();
        if let (Some(a), Some(b)) = (props.minimum_len(), props.maximum_len()) {
            if a == b {
                return Some(Side::Fixed(a));
            }
        }
        let (edge, nullable) = edge();
        let mut seen = [false; 256];
        for p in context {
            all_bytes(p, &mut seen);
        }
        if nullable || (0..256).any(|b| seen[b] && edge[b]) {
            return None;
        }
        Some(Side::Skip(Box::new(edge)))
    }
}

impl Trim {
    /// Build one for `hir` when its shape allows.
    pub fn new(hir: &Hir) -> Option<Trim> {
        let HirKind::Concat(parts) = hir.kind() else {
            return None;
        };
        let i = parts.iter().position(
            |p| matches!(p.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("secret")),
        )?;
        let HirKind::Capture(cap) = parts[i].kind() else {
            return None;
        };
        let start = Side::new(&parts[..i], || first_bytes(&cap.sub))?;
        let end = Side::new(&parts[i + 1..], || {
            let mut last = [false; 256];
            let nullable = last_into(&cap.sub, &mut last);
            (last, nullable)
        })?;
        Some(Trim { start, end })
    }

    /// The secret inside the match `hay[start..end]`.
    pub fn span(&self, hay: &[u8], start: usize, end: usize) -> (usize, usize) {
        let s = match &self.start {
            Side::Fixed(n) => (start + n).min(end),
            Side::Skip(first) => {
                let mut s = start;
                while s < end && !first[hay[s] as usize] {
                    s += 1;
                }
                s
            }
        };
        let e = match &self.end {
            Side::Fixed(n) => end.saturating_sub(*n).max(s),
            Side::Skip(last) => {
                let mut e = end;
                while e > s && !last[hay[e - 1] as usize] {
                    e -= 1;
                }
                e
            }
        };
        (s, e)
    }
}

/// Every byte `hir` can match anywhere (a superset is fine).
/// `A (?P<secret>…) B` with `A` an alternation `a1|a2|…`, as the patterns
/// `a1 (?P<secret>…) B`, `a2 (?P<secret>…) B`, … in that order. Searched
/// together, leftmost-first, they match what the whole pattern matches
/// (`(a1|a2)S` prefers what `a1S|a2S` prefers), and each may have a
/// [`Trim`] the whole has not.
pub fn split_prefix(hir: &Hir) -> Option<Vec<Hir>> {
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let HirKind::Alternation(alts) = parts.first()?.kind() else {
        return None;
    };
    let has_secret = parts[1..]
        .iter()
        .any(|p| matches!(p.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("secret")));
    if !has_secret {
        return None;
    }
    Some(
        alts.iter()
            .map(|a| {
                let mut v = vec![a.clone()];
                v.extend(parts[1..].iter().cloned());
                Hir::concat(v)
            })
            .collect(),
    )
}

fn all_bytes(hir: &Hir, set: &mut [bool; 256]) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(hir::Literal(bytes)) => {
            for b in bytes.iter() {
                set[*b as usize] = true;
            }
        }
        HirKind::Class(hir::Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set[b as usize] = true;
                }
            }
        }
        HirKind::Class(hir::Class::Unicode(_)) => set.iter_mut().for_each(|b| *b = true),
        HirKind::Repetition(r) => all_bytes(&r.sub, set),
        HirKind::Capture(c) => all_bytes(&c.sub, set),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().for_each(|h| all_bytes(h, set)),
    }
}

/// Like `first_into`, for the last byte of a match.
fn last_into(hir: &Hir, set: &mut [bool; 256]) -> bool {
    match hir.kind() {
        HirKind::Concat(parts) => {
            for p in parts.iter().rev() {
                if !last_into(p, set) {
                    return false;
                }
            }
            true
        }
        HirKind::Literal(hir::Literal(bytes)) => match bytes.last() {
            Some(b) => {
                set[*b as usize] = true;
                false
            }
            None => true,
        },
        HirKind::Repetition(r) => last_into(&r.sub, set) || r.min == 0,
        HirKind::Capture(c) => last_into(&c.sub, set),
        HirKind::Alternation(alts) => {
            let mut nullable = false;
            for a in alts {
                nullable |= last_into(a, set);
            }
            nullable
        }
        // Classes, looks and empty behave as for the first byte.
        _ => first_into(hir, set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trim(p: &str) -> Option<Trim> {
        Trim::new(&parse(p, false).unwrap())
    }

    #[test]
    fn trim_applies_only_when_context_cannot_be_secret() {
        let t = trim(r"(?:^|[^0-9.])(?P<secret>[0-9]+(?:\.[0-9]+){3})(?:[^0-9.]|\.(?:[^0-9]|$)|$)")
            .unwrap();
        let hay = b"ip 10.1.2.3. x";
        assert_eq!(t.span(hay, 2, 13), (3, 11));
        // Context of several lengths whose bytes could begin the secret: no
        // trim.
        assert!(trim(r"(?:^|[^a-z])(?P<secret>[a-z0-9]+)").is_none());
        assert!(trim(r"(?:^|x|[^a-z])(?P<secret>[a-z0-9]+)").is_none());
        // Context that shares bytes with the secret but has one length: the
        // secret is that far from the edge.
        let t = trim(r"(?P<secret>[a-z]+)[a-z ]").unwrap();
        assert_eq!(t.span(b"abcd", 0, 4), (0, 3));
        let t = trim(r"password=(?P<secret>[^\s]+)").unwrap();
        assert_eq!(t.span(b" password=pass ", 1, 14), (10, 14));
        // No secret group: nothing to trim.
        assert!(trim(r"[0-9]+").is_none());
        // A prefix of one length: the secret starts that far in, whatever
        // bytes the two share.
        let t = trim(r"glpat-(?P<secret>[0-9A-Za-z_.-]{19,}[0-9A-Za-z_-])").unwrap();
        let hay = b"x glpat-glpat-aaaaaaaaaaaaaaaaaaaa y";
        assert_eq!(t.span(hay, 2, 33), (8, 33));
        // Either side may be fixed, the other disjoint.
        assert!(trim(r"(?i)token=(?P<secret>[a-z0-9]+)(?:[^a-z0-9]|$)").is_some());
        assert!(trim(r"(?i)token=(?P<secret>[a-z0-9]+)[a-z ]+").is_none());
    }

    /// Leftmost-first matches of `re` in `hay`, each with its `secret`
    /// span (found with the captures of the pattern that matched).
    type Span = (usize, usize);

    /// [`union`] with every capture group (the engine's union has only the
    /// match itself).
    fn with_captures(hirs: &[Hir]) -> meta::Regex {
        meta::Regex::builder()
            .syntax(syntax_config())
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .utf8_empty(false),
            )
            .build_many_from_hir(hirs)
            .unwrap()
    }

    fn matches(re: &meta::Regex, hay: &[u8]) -> Vec<(Span, Option<Span>)> {
        let mut caps = re.create_captures();
        let mut out = Vec::new();
        let mut at = 0;
        while at <= hay.len() {
            re.search_captures(&Input::new(hay).range(at..), &mut caps);
            let Some(m) = caps.get_match() else { break };
            let pid = m.pattern();
            let secret = re
                .group_info()
                .to_index(pid, "secret")
                .and_then(|g| caps.get_group(g))
                .map(|sp| (sp.start, sp.end));
            out.push(((m.start(), m.end()), secret));
            at = m.end().max(m.start() + 1);
        }
        out
    }

    /// A rule's examples and negative examples, as text.
    fn example_texts(rule: &crate::rules::Rule) -> Vec<String> {
        rule.examples
            .iter()
            .map(|e| e.spec.text().to_string())
            .chain(rule.negative_examples.iter().map(|n| n.text.clone()))
            .collect()
    }

    #[test]
    fn trimming_finds_what_captures_find_for_every_builtin_rule() {
        // On each rule's examples (together, and with spaces removed, which
        // makes prefixes and secrets run together), the trimmed span of
        // every match is its `secret` group.
        let set = crate::rules::RuleSet::builtin().unwrap();
        let (mut trimmed, mut fixed, mut compared) = (0, 0, 0);
        for rule in set.rules() {
            let Some(p) = &rule.pattern else { continue };
            let whole = parse(p, rule.multiline).unwrap();
            let parts = match split_prefix(&whole) {
                Some(parts) if Trim::new(&whole).is_none() => parts,
                _ => vec![whole],
            };
            let all = example_texts(rule).join("\n");
            for hir in &parts {
                let Some(trim) = Trim::new(hir) else { continue };
                trimmed += 1;
                fixed += matches!(trim.start, Side::Fixed(_)) as usize;
                let re = with_captures(std::slice::from_ref(hir));
                for t in [all.clone(), all.replace(' ', "")] {
                    for ((ms, me), secret) in matches(&re, t.as_bytes()) {
                        let Some(secret) = secret else { continue };
                        compared += 1;
                        assert_eq!(
                            trim.span(t.as_bytes(), ms, me),
                            secret,
                            "rule {} on {:?}",
                            rule.id,
                            &t[ms..me]
                        );
                    }
                }
            }
        }
        assert!(
            trimmed >= 20 && fixed >= 10 && compared >= 100,
            "{trimmed} trimmed, {fixed} fixed, {compared} secrets compared"
        );
    }

    #[test]
    fn split_patterns_match_what_the_whole_pattern_matches() {
        // Every built-in rule the engine cuts by its leading alternatives:
        // searched as one set, the parts find the same matches and secrets
        // as the pattern whole, on the rules' own examples and on text
        // where every alternative occurs.
        let set = crate::rules::RuleSet::builtin().unwrap();
        let (mut split, mut secrets) = (0, 0);
        for rule in set.rules() {
            let Some(p) = &rule.pattern else { continue };
            let hir = parse(p, rule.multiline).unwrap();
            if Trim::new(&hir).is_some() {
                continue;
            }
            let Some(parts) = split_prefix(&hir) else {
                continue;
            };
            if !parts.iter().any(|h| Trim::new(h).is_some()) {
                continue;
            }
            split += 1;
            let whole = with_captures(std::slice::from_ref(&hir));
            let cut = with_captures(&parts);
            let mut texts = example_texts(rule);
            let all = texts.join("\n");
            texts.push(all.clone());
            texts.push(all.replace(' ', "%2F"));
            texts.push(all.replace(' ', ""));
            for t in &texts {
                let found = matches(&whole, t.as_bytes());
                secrets += found.iter().filter(|(_, s)| s.is_some()).count();
                assert_eq!(
                    matches(&cut, t.as_bytes()),
                    found,
                    "rule {} on {t:?}",
                    rule.id
                );
            }
        }
        assert!(split >= 1, "fqdn at least is cut");
        assert!(secrets >= 10, "{secrets} secrets compared");
    }

    #[test]
    fn factored_rules_find_what_they_find_as_written() {
        // Every built-in rule, factored, finds the same matches and secrets
        // as written, on its examples (alone, together, in upper and lower
        // case); and factoring does shrink some.
        let set = crate::rules::RuleSet::builtin().unwrap();
        let (mut changed, mut compared) = (0, 0);
        for rule in set.rules() {
            let Some(p) = &rule.pattern else { continue };
            let written = parse_as_written(p, rule.multiline).unwrap();
            let factored = factor(written.clone());
            if factored == written {
                continue;
            }
            changed += 1;
            let (a, b) = (
                with_captures(std::slice::from_ref(&written)),
                with_captures(std::slice::from_ref(&factored)),
            );
            let mut texts = example_texts(rule);
            let all = texts.join("\n");
            texts.extend([all.clone(), all.to_uppercase(), all.to_lowercase()]);
            for t in &texts {
                let found = matches(&a, t.as_bytes());
                compared += found.len();
                assert_eq!(
                    matches(&b, t.as_bytes()),
                    found,
                    "rule {} on {t:?}",
                    rule.id
                );
            }
        }
        assert!(changed >= 20, "{changed} rules factored");
        assert!(compared >= 50, "{compared} matches compared");
    }

    proptest::proptest! {
        /// Factoring (grouping alternatives by their first byte or class,
        /// moving one ahead of others only where they start with other
        /// bytes) keeps every leftmost-first match and capture.
        #[test]
        fn factoring_keeps_every_leftmost_first_match(
            alts in proptest::collection::vec(
                proptest::collection::vec(0usize..9, 0..4), 1..7),
            hay in "[abc _]{0,40}",
        ) {
            const PIECES: [&str; 9] =
                ["a", "b", "c", "[ab]", "(?i:a)", "\\b", "(?P<secret>b+)", "a?", "(?:c|ab)"];
            let branches: Vec<String> = alts
                .iter()
                .map(|ps| ps.iter().map(|&i| PIECES[i]).collect::<String>())
                .collect();
            // One `secret` group at most: the first.
            let mut pattern = format!("(?:{})", branches.join("|"));
            if let Some(i) = pattern.find("(?P<secret>") {
                let rest = pattern.split_off(i + 1).replace("(?P<secret>", "(?:");
                pattern.push_str(&rest);
            }
            let written = parser().parse(&pattern).unwrap();
            let factored = factor(written.clone());
            let (a, b) = (
                with_captures(std::slice::from_ref(&written)),
                with_captures(std::slice::from_ref(&factored)),
            );
            proptest::prop_assert_eq!(
                matches(&b, hay.as_bytes()),
                matches(&a, hay.as_bytes()),
                "{}",
                pattern
            );
        }
    }
}
