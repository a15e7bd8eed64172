//! Several forward searches of the union interleaved, one per stretch of
//! lines, so that the lazy DFA's table look-ups overlap.
//!
//! # Why
//!
//! A lazy DFA search is one table look-up per byte, and each look-up needs
//! the state the previous one produced: the search waits on memory at every
//! byte. The union of all rules has thousands of states, too many for the
//! L1 cache, so each wait is long (on the 2-core Xeon this was measured on,
//! one stream walked ~320 MB/s; two interleaved ~500 MB/s; four ~600-780
//! MB/s; same states, same cache). Walking four independent stretches of a
//! chunk in lockstep lets the CPU wait for four look-ups at once.
//!
//! # Why the findings do not change
//!
//! Stretches end at line starts. A single-line variant cannot match `\n`
//! (see [`super::compile`]), so a match that starts in a stretch ends in it,
//! and a search bounded by the stretch finds exactly the leftmost-first
//! matches a search of the whole chunk finds there (the bytes after the bound
//! are still seen by look-around). Multi-line variants (PEM blocks) are left
//! out of the streamed automaton; a chunk in which one of them can start is
//! searched the ordinary way instead (see `Matcher::search_regex`). The
//! last stretch ends where the chunk does and is searched as the ordinary
//! search would.
//!
//! Each walk mirrors `regex_automata::hybrid::search::find_fwd` (delayed
//! matches, end-of-input transition) and the start of a match comes from a
//! reverse search as in `hybrid::regex::Regex` (anchored on the matched
//! pattern), so a streamed match is the match the meta regex would report. The shared DFA cache may be
//! cleared while a state is being built; the chunk is then searched
//! the ordinary way, their state ids being stale (a 16 MiB cache is
//! rarely cleared; after one clear the input is searched the ordinary way).
//!
//! Rejected: one thread per stretch (that is `scan_slice_parallel`, across
//! cores; this is within one core); SIMD multi-pattern prefilters, which the
//! union's case-insensitive keywords and literal-free shapes defeat; eight
//! learned-literal walks instead of four (260 vs 277 MB/s); and the learned
//! walks stepped in the same loop as the union's, eight look-ups per step
//! (277 vs 316 MB/s with ~400 learned values: the loop leaves lockstep
//! whenever either kind of walk meets a match, twice as often).

use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::{Anchored, Input, MatchKind, PatternID};
use regex_syntax::hir::Hir;

use super::compile;

/// Most walks interleaved. Four covered the measured gain; more costs
/// registers and bookkeeping.
pub const MAX_STREAMS: usize = 4;
/// Shortest stretch worth a stream of its own.
pub const MIN_STRETCH: usize = 8 << 10;

/// Forward and reverse lazy DFAs of the single-line variants.
pub(crate) struct Streamed {
    fwd: DFA,
    rev: DFA,
    /// Pattern id → index into `Engine::variants`.
    pub(crate) variant_of: Vec<u32>,
}

/// Lazy DFA caches of a [`Streamed`] set.
pub(crate) struct StreamedCache {
    fwd: DfaCache,
    rev: DfaCache,
}

impl StreamedCache {
    /// Heap bytes of the forward and reverse lazy DFA states.
    pub(crate) fn memory_usage(&self) -> usize {
        self.fwd.memory_usage() + self.rev.memory_usage()
    }
}

/// A match found by a walk: pattern, start, end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamMatch {
    pub pattern: PatternID,
    pub start: usize,
    pub end: usize,
}

/// Something the streamed search cannot handle; the caller searches the
/// chunk the ordinary way.
#[derive(Debug)]
pub(crate) struct Fallback;

impl Streamed {
    pub(crate) fn new(hirs: &[Hir], variant_of: Vec<u32>) -> Result<Streamed, String> {
        let nfa_config = thompson::Config::new()
            .utf8(false)
            .which_captures(WhichCaptures::None)
            .nfa_size_limit(Some(compile::UNION_NFA_LIMIT));
        let fwd_nfa = thompson::Compiler::new()
            .configure(nfa_config.clone())
            .build_many_from_hir(hirs)
            .map_err(|e| e.to_string())?;
        let rev_nfa = thompson::Compiler::new()
            .configure(nfa_config.reverse(true))
            .build_many_from_hir(hirs)
            .map_err(|e| e.to_string())?;
        // As regex-automata's meta regex configures its lazy DFAs, minus the
        // give-up heuristics (a fallback exists) and the prefilter (there is
        // none for the whole union).
        let config = DFA::config()
            .match_kind(MatchKind::LeftmostFirst)
            .starts_for_each_pattern(true)
            .unicode_word_boundary(true)
            .cache_capacity(compile::UNION_DFA_CACHE);
        let fwd = DFA::builder()
            .configure(config.clone())
            .build_from_nfa(fwd_nfa)
            .map_err(|e| e.to_string())?;
        let rev = DFA::builder()
            .configure(config.match_kind(MatchKind::All))
            .build_from_nfa(rev_nfa)
            .map_err(|e| e.to_string())?;
        Ok(Streamed {
            fwd,
            rev,
            variant_of,
        })
    }

    pub(crate) fn create_cache(&self) -> StreamedCache {
        StreamedCache {
            fwd: self.fwd.create_cache(),
            rev: self.rev.create_cache(),
        }
    }

    /// The start state for a search of `at..end`. Building it may clear the
    /// cache, which would strand the other walks: give up then.
    fn start(
        &self,
        cache: &mut DfaCache,
        hay: &[u8],
        at: usize,
        end: usize,
    ) -> Result<LazyStateID, Fallback> {
        let clears = cache.clear_count();
        let sid = self
            .fwd
            .start_state_forward(cache, &Input::new(hay).range(at..end))
            .map_err(|_| Fallback)?;
        if cache.clear_count() != clears {
            return Err(Fallback);
        }
        Ok(sid)
    }

    /// The start of the match of `pattern` that a forward search from
    /// `from` found ending at `end`: the leftmost start of a match of that
    /// pattern ending there (no other pattern can have a match ending there
    /// that starts further left, or the forward search would have reported
    /// it). Anchoring on the one pattern keeps the reverse states small.
    fn match_start(
        &self,
        cache: &mut DfaCache,
        hay: &[u8],
        pattern: PatternID,
        from: usize,
        end: usize,
    ) -> Result<usize, Fallback> {
        let input = Input::new(hay)
            .range(from..end)
            .anchored(Anchored::Pattern(pattern))
            .earliest(false);
        match self.rev.try_search_rev(cache, &input) {
            Ok(Some(hm)) => Ok(hm.offset()),
            _ => Err(Fallback),
        }
    }

    /// One leftmost-first search of `input`, as `hybrid::regex::Regex`
    /// does it: forward to the match's end, then back to its start
    /// (anchored on the pattern found). The ordinary search uses it where
    /// no multi-line variant can match, so the union's states are built
    /// once, here, rather than again in a second automaton.
    pub(crate) fn find(
        &self,
        cache: &mut StreamedCache,
        input: &Input<'_>,
    ) -> Result<Option<StreamMatch>, Fallback> {
        let Some(end) = self
            .fwd
            .try_search_fwd(&mut cache.fwd, input)
            .map_err(|_| Fallback)?
        else {
            return Ok(None);
        };
        let start = if end.offset() == input.start() || input.get_anchored().is_anchored() {
            input.start()
        } else {
            self.match_start(
                &mut cache.rev,
                input.haystack(),
                end.pattern(),
                input.start(),
                end.offset(),
            )?
        };
        Ok(Some(StreamMatch {
            pattern: end.pattern(),
            start,
            end: end.offset(),
        }))
    }

    /// Run walks over `stretches` (each `start..end`, searched with its end
    /// as the search bound) until each has found its next match or none.
    /// `on_match(stream, from, m)` is told what a walk from `from` found
    /// (`None`: nothing up to its stretch's end) and says where that
    /// stream's next walk starts, or `None` when it is done.
    pub(crate) fn run(
        &self,
        cache: &mut StreamedCache,
        hay: &[u8],
        stretches: &[(usize, usize)],
        mut on_match: impl FnMut(usize, usize, Option<StreamMatch>) -> Option<usize>,
    ) -> Result<(), Fallback> {
        debug_assert!(stretches.len() <= MAX_STREAMS);
        let mut walks: Vec<Walk> = Vec::with_capacity(MAX_STREAMS);
        for (i, &(start, end)) in stretches.iter().enumerate() {
            if start < end {
                let sid = self.start(&mut cache.fwd, hay, start, end)?;
                walks.push(Walk {
                    stream: i,
                    sid,
                    at: start,
                    from: start,
                    end,
                    mat: None,
                });
            }
        }
        while !walks.is_empty() {
            self.lockstep(&cache.fwd, hay, &mut walks);
            // Now some walk is at a tagged state or at its end: step each
            // such walk once the careful way.
            let mut i = 0;
            while i < walks.len() {
                let w = walks[i];
                let finished = if w.at >= w.end {
                    self.eoi(&mut cache.fwd, hay, &mut walks[i])?;
                    true
                } else if w.sid.is_tagged() || self.peek_tagged(&cache.fwd, hay, &w) {
                    self.careful_step(&mut cache.fwd, hay, &mut walks, i)?
                } else {
                    false
                };
                if !finished {
                    i += 1;
                    continue;
                }
                let w = walks[i];
                let m = match w.mat {
                    None => None,
                    Some((pattern, end)) => {
                        let start = self.match_start(&mut cache.rev, hay, pattern, w.from, end)?;
                        Some(StreamMatch {
                            pattern,
                            start,
                            end,
                        })
                    }
                };
                let next = on_match(w.stream, w.from, m);
                match next {
                    Some(at) if at < w.end => {
                        walks[i] = Walk {
                            sid: self.start(&mut cache.fwd, hay, at, w.end)?,
                            at,
                            from: at,
                            mat: None,
                            ..w
                        };
                        i += 1;
                    }
                    _ => {
                        walks.swap_remove(i);
                    }
                }
            }
        }
        Ok(())
    }

    /// Would the next step of `w` reach a tagged state (match, dead,
    /// unknown, quit)?
    fn peek_tagged(&self, cache: &DfaCache, hay: &[u8], w: &Walk) -> bool {
        self.fwd
            .next_state_untagged(cache, w.sid, hay[w.at])
            .is_tagged()
    }

    /// Advance every walk in lockstep while all of them stay on untagged
    /// states and inside their stretches.
    fn lockstep(&self, cache: &DfaCache, hay: &[u8], walks: &mut [Walk]) {
        if walks.iter().any(|w| w.sid.is_tagged()) {
            return;
        }
        let steps = walks.iter().map(|w| w.end - w.at).min().unwrap_or(0);
        let dfa = &self.fwd;
        match walks {
            [a, b, c, d] => {
                for _ in 0..steps {
                    let na = dfa.next_state_untagged(cache, a.sid, hay[a.at]);
                    let nb = dfa.next_state_untagged(cache, b.sid, hay[b.at]);
                    let nc = dfa.next_state_untagged(cache, c.sid, hay[c.at]);
                    let nd = dfa.next_state_untagged(cache, d.sid, hay[d.at]);
                    if na.is_tagged() || nb.is_tagged() || nc.is_tagged() || nd.is_tagged() {
                        return;
                    }
                    (a.sid, b.sid, c.sid, d.sid) = (na, nb, nc, nd);
                    a.at += 1;
                    b.at += 1;
                    c.at += 1;
                    d.at += 1;
                }
            }
            [a, b, c] => {
                for _ in 0..steps {
                    let na = dfa.next_state_untagged(cache, a.sid, hay[a.at]);
                    let nb = dfa.next_state_untagged(cache, b.sid, hay[b.at]);
                    let nc = dfa.next_state_untagged(cache, c.sid, hay[c.at]);
                    if na.is_tagged() || nb.is_tagged() || nc.is_tagged() {
                        return;
                    }
                    (a.sid, b.sid, c.sid) = (na, nb, nc);
                    a.at += 1;
                    b.at += 1;
                    c.at += 1;
                }
            }
            [a, b] => {
                for _ in 0..steps {
                    let na = dfa.next_state_untagged(cache, a.sid, hay[a.at]);
                    let nb = dfa.next_state_untagged(cache, b.sid, hay[b.at]);
                    if na.is_tagged() || nb.is_tagged() {
                        return;
                    }
                    (a.sid, b.sid) = (na, nb);
                    a.at += 1;
                    b.at += 1;
                }
            }
            [a] => {
                for _ in 0..steps {
                    let na = dfa.next_state_untagged(cache, a.sid, hay[a.at]);
                    if na.is_tagged() {
                        return;
                    }
                    a.sid = na;
                    a.at += 1;
                }
            }
            _ => {}
        }
    }

    /// One step of walk `i` with `next_state` (which builds unknown states);
    /// returns whether the walk is finished (dead state).
    fn careful_step(
        &self,
        cache: &mut DfaCache,
        hay: &[u8],
        walks: &mut [Walk],
        i: usize,
    ) -> Result<bool, Fallback> {
        let w = walks[i];
        let clears = cache.clear_count();
        let sid = self
            .fwd
            .next_state(cache, w.sid, hay[w.at])
            .map_err(|_| Fallback)?;
        if cache.clear_count() != clears {
            // The other walks hold ids of states that no longer exist.
            return Err(Fallback);
        }
        let w = &mut walks[i];
        w.sid = sid;
        if sid.is_match() {
            // Matches are delayed by one byte: the match ended before the
            // byte just read.
            w.mat = Some((self.fwd.match_pattern(cache, sid, 0), w.at));
        } else if sid.is_dead() {
            return Ok(true);
        } else if sid.is_quit() {
            return Err(Fallback);
        }
        w.at += 1;
        Ok(false)
    }

    /// The end-of-search transition (on the byte after the stretch, seen as
    /// look-ahead, or end of input).
    fn eoi(&self, cache: &mut DfaCache, hay: &[u8], w: &mut Walk) -> Result<(), Fallback> {
        let clears = cache.clear_count();
        let sid = match hay.get(w.end) {
            Some(&b) => self.fwd.next_state(cache, w.sid, b),
            None => self.fwd.next_eoi_state(cache, w.sid),
        }
        .map_err(|_| Fallback)?;
        if cache.clear_count() != clears {
            return Err(Fallback);
        }
        if sid.is_match() {
            w.mat = Some((self.fwd.match_pattern(cache, sid, 0), w.end));
        } else if sid.is_quit() {
            return Err(Fallback);
        }
        Ok(())
    }
}

/// One forward search in progress.
#[derive(Clone, Copy)]
struct Walk {
    stream: usize,
    sid: LazyStateID,
    at: usize,
    /// Where this search began (the lower bound of its reverse search).
    from: usize,
    /// The search bound.
    end: usize,
    /// The last match seen: pattern and end.
    mat: Option<(PatternID, usize)>,
}

/// A learned-literal match: pattern, start, end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiteralMatch {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// One non-overlapping Aho-Corasick search in progress.
#[derive(Clone, Copy)]
struct AcWalk {
    stream: usize,
    sid: aho_corasick::automaton::StateID,
    at: usize,
    end: usize,
    mat: Option<LiteralMatch>,
}

/// The learned literals' leftmost-longest matches in `stretches` (each
/// `start..end`, line-aligned as for [`Streamed::run`]), walked in lockstep:
/// the same Aho-Corasick DFA walk as `find_iter` (which is latency-bound in
/// the same way), each stretch continuing after each match like `find_iter`.
/// `on_match(stream, m)` returns whether the stream goes on. Learned values
/// never hold `\n`, so no match crosses a stretch's end.
pub(crate) fn learned_walks(
    aut: &aho_corasick::dfa::DFA,
    hay: &[u8],
    stretches: &[(usize, usize)],
    mut on_match: impl FnMut(usize, LiteralMatch) -> bool,
) {
    use aho_corasick::automaton::Automaton;
    use aho_corasick::Anchored as AcAnchored;
    let Ok(start) = aut.start_state(AcAnchored::No) else {
        return;
    };
    let mut walks: Vec<AcWalk> = stretches
        .iter()
        .enumerate()
        .filter(|(_, &(s, e))| s < e)
        .map(|(stream, &(at, end))| AcWalk {
            stream,
            sid: start,
            at,
            end,
            mat: None,
        })
        .collect();
    while !walks.is_empty() {
        // Lockstep while no walk meets a special state (dead, match, or a
        // start state when the automaton has a prefilter) or its end.
        let steps = walks.iter().map(|w| w.end - w.at).min().unwrap_or(0);
        if let [a, b, c, d] = &mut walks[..] {
            for _ in 0..steps {
                let na = aut.next_state(AcAnchored::No, a.sid, hay[a.at]);
                let nb = aut.next_state(AcAnchored::No, b.sid, hay[b.at]);
                let nc = aut.next_state(AcAnchored::No, c.sid, hay[c.at]);
                let nd = aut.next_state(AcAnchored::No, d.sid, hay[d.at]);
                if aut.is_special(na)
                    || aut.is_special(nb)
                    || aut.is_special(nc)
                    || aut.is_special(nd)
                {
                    break;
                }
                (a.sid, b.sid, c.sid, d.sid) = (na, nb, nc, nd);
                a.at += 1;
                b.at += 1;
                c.at += 1;
                d.at += 1;
            }
        }
        // Then one careful step for each walk (several when fewer than four
        // walks are left, up to a short run, to keep the loop cheap).
        let mut i = 0;
        while i < walks.len() {
            let runs = if walks.len() == 4 { 1 } else { 64 };
            let mut finished = false;
            for _ in 0..runs {
                let w = &mut walks[i];
                if w.at >= w.end {
                    finished = true;
                    break;
                }
                let sid = aut.next_state(AcAnchored::No, w.sid, hay[w.at]);
                w.sid = sid;
                w.at += 1;
                if aut.is_special(sid) {
                    if aut.is_dead(sid) {
                        finished = true;
                        break;
                    } else if aut.is_match(sid) {
                        let pattern = aut.match_pattern(sid, 0);
                        let len = aut.pattern_len(pattern);
                        w.mat = Some(LiteralMatch {
                            pattern: pattern.as_usize(),
                            start: w.at - len,
                            end: w.at,
                        });
                    }
                    // else: a start state (prefilter bookkeeping): go on.
                }
            }
            if !finished {
                i += 1;
                continue;
            }
            let w = walks[i];
            match w.mat {
                Some(m) if on_match(w.stream, m) && m.end < w.end => {
                    walks[i] = AcWalk {
                        sid: start,
                        at: m.end,
                        mat: None,
                        ..w
                    };
                    i += 1;
                }
                _ => {
                    walks.swap_remove(i);
                }
            }
        }
    }
}
