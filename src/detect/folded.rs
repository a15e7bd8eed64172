//! Where a few literals start, ignoring ASCII case, found fast.
//!
//! Case-insensitive words (`token`, `name`, `secret`) are everywhere in
//! GitLab's logs, and neither Aho-Corasick nor the regex engines have a SIMD
//! prefilter for them: their case variants are too many for one. Their
//! automata then walk every byte (about 480 MB/s here). Lower-casing a block
//! of text and searching it for the lower-case literals with aho-corasick's
//! packed (Teddy) searcher finds the same places several times faster.
//!
//! Used where only the places matter: the words of the independent
//! detector ([`crate::redact::suspect`]), and the possible starts of the
//! multi-line rules, each then tried with an anchored search.

use aho_corasick::packed::{Config, MatchKind, Searcher};
use aho_corasick::Span;

/// Bytes lower-cased and searched at a time.
const BLOCK: usize = 64 << 10;

/// Literals to look for in any ASCII case.
#[derive(Clone, Debug)]
pub struct FoldedStarts {
    searcher: Searcher,
    /// The literals, lower-cased, sorted and without duplicates: the
    /// searcher's patterns in order.
    literals: Vec<Vec<u8>>,
    /// The longest literal's length.
    longest: usize,
    /// Literal → the longer literals that start with it. The searcher
    /// reports one literal per place (the first in leftmost-first order,
    /// which for literals sorted this way is the shortest); these are the
    /// others that can start there too.
    longer: Vec<Vec<usize>>,
}

impl FoldedStarts {
    /// `None` when there is nothing to search for, a literal is empty (it
    /// would start everywhere), or the packed searcher cannot take the
    /// literals (too many of them).
    pub fn new<L: AsRef<[u8]>>(literals: &[L]) -> Option<FoldedStarts> {
        let mut lower: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_ref().to_ascii_lowercase())
            .collect();
        if lower.is_empty() || lower.iter().any(Vec::is_empty) {
            return None;
        }
        lower.sort();
        lower.dedup();
        let longest = lower.iter().map(Vec::len).max().unwrap_or(0);
        let searcher = Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .builder()
            .extend(&lower)
            .build()?;
        let longer = lower
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (0..lower.len())
                    .filter(|&j| j != i && lower[j].starts_with(l))
                    .collect()
            })
            .collect();
        Some(FoldedStarts {
            searcher,
            literals: lower,
            longest,
            longer,
        })
    }

    /// The literals searched for: lower-cased, sorted, without duplicates.
    /// [`FoldedStarts::find_literals`] names them by their index here.
    pub fn literals(&self) -> &[Vec<u8>] {
        &self.literals
    }

    /// Call `at(p, text)` for each position `p` in `from..to` where one of
    /// the literals starts in `hay` (ignoring ASCII case), in increasing
    /// order, until it returns `true`; return that position. `text` is
    /// `hay[p..]` lower-cased, at least as far as the longest literal
    /// reaches (or to the end of `hay`).
    pub fn find(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        mut at: impl FnMut(usize, &[u8]) -> bool,
    ) -> Option<usize> {
        self.find_in_blocks(hay, from, to, BLOCK, |p, text, _| at(p, text))
    }

    /// As [`FoldedStarts::find`], with `at(p, literals)` told every literal
    /// (by its index in [`FoldedStarts::literals`]) that starts at `p`,
    /// shortest first.
    pub fn find_literals(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        mut at: impl FnMut(usize, &[usize]) -> bool,
    ) -> Option<usize> {
        let mut here = Vec::new();
        self.find_in_blocks(hay, from, to, BLOCK, |p, text, first| {
            here.clear();
            here.push(first);
            here.extend(
                self.longer[first]
                    .iter()
                    .filter(|&&j| text.starts_with(&self.literals[j])),
            );
            at(p, &here)
        })
    }

    fn find_in_blocks(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        block_len: usize,
        mut at: impl FnMut(usize, &[u8], usize) -> bool,
    ) -> Option<usize> {
        let to = to.min(hay.len());
        let mut lower = Vec::with_capacity(block_len + self.longest);
        let mut block = from;
        while block < to {
            // The block, and enough after it for a literal that starts in it.
            let end = (block + block_len.max(1)).min(to);
            let upto = (end + self.longest - 1).min(hay.len());
            lower.clear();
            lower.extend(hay[block..upto].iter().map(u8::to_ascii_lowercase));
            let mut i = 0;
            while let Some(m) = self.searcher.find_in(
                &lower,
                Span {
                    start: i,
                    end: lower.len(),
                },
            ) {
                let p = m.start();
                if block + p >= end {
                    break;
                }
                if at(block + p, &lower[p..], m.pattern().as_usize()) {
                    return Some(block + p);
                }
                i = p + 1;
            }
            block = end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, .. proptest::prelude::ProptestConfig::default() })]
        #[test]
        fn finds_every_start_of_every_literal_in_any_case(
            hay in proptest::collection::vec(proptest::sample::select(b"aAbBnNeEmM-_ \n\xc3\x9f".to_vec()), 0..300),
            from in 0usize..300,
            len in 0usize..300,
            block in 1usize..40,
        ) {
            let literals: [&[u8]; 4] = [b"name", b"Ab", b"n-", b"mAm-e"];
            let to = (from + len).min(hay.len());
            let want: Vec<usize> = (from..to)
                .filter(|&p| {
                    literals.iter().any(|l| {
                        hay.len() >= p + l.len() && hay[p..p + l.len()].eq_ignore_ascii_case(l)
                    })
                })
                .collect();
            let starts = FoldedStarts::new(&literals).expect("four literals");
            let mut got = Vec::new();
            let mut texts_ok = true;
            let mut literals_ok = true;
            let none = starts.find_in_blocks(&hay, from, to, block, |p, text, i| {
                let reach = (p + starts.longest).min(hay.len());
                texts_ok &= text.len() >= reach - p
                    && text[..reach - p] == hay[p..reach].to_ascii_lowercase()[..];
                let l = &starts.literals()[i];
                literals_ok &= hay.len() >= p + l.len() && hay[p..p + l.len()].eq_ignore_ascii_case(l);
                got.push(p);
                false
            });
            proptest::prop_assert!(literals_ok);
            proptest::prop_assert_eq!(none, None);
            proptest::prop_assert!(texts_ok);
            proptest::prop_assert_eq!(&got, &want);
            // Every literal that starts at a place, shortest first, not
            // only the one the searcher reports there.
            let nested: [&[u8]; 3] = [b"na", b"name", b"n"];
            let nested_starts = FoldedStarts::new(&nested).expect("three literals");
            let mut every = Vec::new();
            nested_starts.find_literals(&hay, from, to, |p, lits| {
                every.extend(lits.iter().map(|&i| (p, nested_starts.literals()[i].clone())));
                false
            });
            let want_every: Vec<(usize, Vec<u8>)> = (from..to)
                .flat_map(|p| {
                    let mut at: Vec<&[u8]> = nested
                        .iter()
                        .copied()
                        .filter(|l| hay.len() >= p + l.len() && hay[p..p + l.len()].eq_ignore_ascii_case(l))
                        .collect();
                    at.sort_by_key(|l| l.len());
                    at.into_iter().map(move |l| (p, l.to_vec())).collect::<Vec<_>>()
                })
                .collect();
            proptest::prop_assert_eq!(every, want_every);
            // Stopping at the first start the caller accepts.
            if let Some(&p) = want.get(want.len() / 2) {
                let first = starts.find(&hay, from, to, |q, _| q == p);
                proptest::prop_assert_eq!(first, Some(p));
            }
        }
    }

    #[test]
    fn nothing_or_an_empty_literal_gives_no_searcher() {
        assert!(FoldedStarts::new::<&[u8]>(&[]).is_none());
        assert!(FoldedStarts::new(&[b"".as_slice(), b"a"]).is_none());
    }
}
