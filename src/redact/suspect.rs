//! A second detector, independent of the rules: random-looking strings in
//! secret-ish context.
//!
//! Verification must not be the redactor's twin. When it runs the same
//! rules, a credential no rule knows passes redaction and verification
//! alike, and the report says "clean". This detector shares no pattern, no
//! automaton and no shape test with the rule engine ([`crate::detect::shape`]); it
//! looks at text the way a reviewer would:
//!
//! 1. split each line into **tokens**: runs of letters, digits and
//!    `+/_.~-`, with `=` padding at the end;
//! 2. keep tokens of at least [`MIN_LEN`] bytes that look **machine-made**:
//!    two or more character classes, a run of ten or more letters and digits
//!    that mixes digits or cases, and a Shannon entropy above a bar that
//!    rises with length ([`min_entropy`]);
//! 3. keep only those in **secret-ish context**: the key, flag or header
//!    name right before the token (`NAME=`, `name: `, `"name":"`, `--name `,
//!    `Name: Bearer `) holds a word such as `pass`, `secret`, `token`, `key`,
//!    `auth`, `cred`, `cookie`, `session`, `signature`, `salt`, `private`;
//! 4. drop **known-safe shapes**, each by name ([`SafeShape`]): hex digests
//!    (commit SHAs, SHA-256), UUIDs, ULIDs, job ids, `sha256:` digests,
//!    versions, paths, airlock's own masks and pseudonyms, and values under
//!    keys that name an id, a hash or a file.
//!
//! What is left is a *candidate*: `verify` reports it by place and kind,
//! never by value, and fails on it; `scan --suspicious` lists candidates
//! for review.
//!
//! # Performance
//!
//! One pass over the bytes with a byte-class table; the context look-back
//! and the entropy count run only for tokens of [`MIN_LEN`] bytes or more.

use super::pseudo;
use crate::detect::shape::entropy;
use crate::detect::FoldedStarts;

/// Shortest token considered.
pub const MIN_LEN: usize = 16;

/// Words that make a key, flag or header name secret-ish (lower case).
const SECRET_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "cred",
    "cookie",
    "session",
    "signature",
    "sig",
    "salt",
    "private",
    "bearer",
    "apikey",
    "jwt",
];

/// How far before a token its key, flag or header name may begin.
const CONTEXT_BYTES: usize = 64;

/// [`SECRET_WORDS`], found ignoring case.
fn secret_words() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(SECRET_WORDS)
            .expect("a few literal words build")
    })
}

/// Every occurrence of every [`SECRET_WORDS`] word, ignoring ASCII case,
/// overlapping ones included, ordered by where they end: what
/// `find_overlapping_iter` of [`secret_words`] gives.
///
/// Why not that iterator: on logs the words are everywhere (two per KB of
/// GitLab's JSON logs), and its byte-at-a-time walk was 30% of
/// verification. [`FoldedStarts`] finds where a word starts several times
/// faster; the words are compared there.
fn word_matches(hay: &[u8]) -> Vec<std::ops::Range<usize>> {
    static STARTS: std::sync::OnceLock<Option<FoldedStarts>> = std::sync::OnceLock::new();
    let Some(starts) = STARTS.get_or_init(|| FoldedStarts::new(SECRET_WORDS)) else {
        return secret_words()
            .find_overlapping_iter(hay)
            .map(|m| m.range())
            .collect();
    };
    let mut out = Vec::new();
    starts.find(hay, 0, hay.len(), |p, text| {
        for w in SECRET_WORDS {
            if text.starts_with(w.as_bytes()) {
                out.push(p..p + w.len());
            }
        }
        false
    });
    out.sort_unstable_by_key(|m| (m.end, m.start));
    out
}

/// Words that make a name an id, hash or reference rather than a secret.
const SAFE_NAME_WORDS: &[&str] = &[
    "sha",
    "digest",
    "checksum",
    "hash",
    "fingerprint",
    "uuid",
    "guid",
    "correlation",
    "request_id",
    "trace",
    "span",
    "jid",
    "_id",
    "-id",
    "file",
    "path",
    "dir",
    "url",
    "name",
    "version",
    "commit",
    "ref",
    "etag",
    "nonce_id",
    "public",
    // `Signature Algorithm: sha256WithRSAEncryption` in every
    // `openssl x509 -text`, `signing_algorithm: HS256`.
    "algorithm",
];

/// Why a candidate is not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeShape {
    /// Hex digits of a digest length (SHA-1, SHA-256, SHA-512, MD5 in a
    /// hash-named field) or after `sha256:`.
    Digest,
    /// `8-4-4-4-12` hex.
    Uuid,
    /// 26 characters of Crockford base32 (correlation ids).
    Ulid,
    /// 24 hex digits (Sidekiq job ids).
    JobId,
    /// Dotted numbers (`17.11.2-ee`).
    Version,
    /// A hexadecimal number (`0x34ed9ac1c1e007a`: ZooKeeper session ids).
    HexNumber,
    /// Several `/`-separated lower-case names.
    Path,
    /// Mostly an ascending run (`0123456789abcdef…`: an alphabet).
    Sequence,
    /// A mask or pseudonym airlock wrote.
    Own,
    /// The name in front says id, hash, file, path, URL, name, version.
    SafeName,
}

/// The rule id candidates are reported under by `verify` and
/// `scan --suspicious` (no rule of a set has it).
pub const SUSPICIOUS: crate::detect::RuleId = crate::detect::RuleId(u32::MAX);

/// Its name, in leaks and in the masks of what it found.
pub const SUSPICIOUS_RULE: &str = "suspicious";

/// What a candidate is, for a person: its context and its length, never
/// its value.
pub fn describe(c: &Candidate, hay: &[u8]) -> String {
    let chars = String::from_utf8_lossy(&hay[c.start..c.end])
        .chars()
        .count();
    format!(
        "random-looking value after a secret-named {} …[{chars} chars]",
        c.context
    )
}

/// A random-looking string in secret-ish context. Holds no bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    /// What the context was: `assignment`, `flag` or `header`.
    pub context: &'static str,
}

/// Token bytes; `=` only as padding at the end (see [`find`]).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'.' | b'~' | b'-')
}

/// Does the token have a long machine-like run: 10 or more letters and
/// digits together, letters with digits or with both cases
/// (`this-is-some-words` and `30546173_4289083966` have none)?
fn has_machine_run(token: &[u8]) -> bool {
    token.split(|b| !b.is_ascii_alphanumeric()).any(|run| {
        let upper = run.iter().any(u8::is_ascii_uppercase);
        let lower = run.iter().any(u8::is_ascii_lowercase);
        let digit = run.iter().any(u8::is_ascii_digit);
        run.len() >= 10 && ((upper || lower) && digit || upper && lower && !camel_case(run))
    })
}

/// Words in CamelCase (`RefreshBatteryInfo`): few capitals, and rarely two
/// side by side, where random letters have about half of each.
fn camel_case(run: &[u8]) -> bool {
    let upper = run.iter().filter(|b| b.is_ascii_uppercase()).count();
    let pairs = run
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
        .count();
    upper * 3 < run.len() || pairs < 2
}

/// Entropy (bits per byte) a token of `len` bytes must exceed: random
/// text of a 16-symbol alphabet reaches about 3.5 at 16 bytes and 4.0 when
/// long; of 64 symbols about 3.9 at 16 and 5 and more when long.
pub fn min_entropy(len: usize) -> f64 {
    match len {
        0..=23 => 3.3,
        24..=39 => 3.5,
        _ => 3.7,
    }
}

fn classes(v: &[u8]) -> usize {
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let lower = v.iter().any(u8::is_ascii_lowercase);
    let digit = v.iter().any(u8::is_ascii_digit);
    let symbol = v.iter().any(|b| !b.is_ascii_alphanumeric());
    [upper, lower, digit, symbol].iter().filter(|x| **x).count()
}

/// The known-safe shape `token` has, if any (`name` is the key in front,
/// lower case).
pub fn safe_shape(token: &[u8], name: &str, before: &[u8]) -> Option<SafeShape> {
    let t = std::str::from_utf8(token).unwrap_or("");
    let hex = token.iter().all(u8::is_ascii_hexdigit);
    if hex && matches!(token.len(), 40 | 64 | 128) {
        return Some(SafeShape::Digest);
    }
    if before.ends_with(b"sha256:") || before.ends_with(b"sha1:") || before.ends_with(b"sha512:") {
        return Some(SafeShape::Digest);
    }
    if hex && token.len() == 24 {
        return Some(SafeShape::JobId);
    }
    if (token.starts_with(b"0x") || token.starts_with(b"0X"))
        && token[2..].iter().all(u8::is_ascii_hexdigit)
    {
        return Some(SafeShape::HexNumber);
    }
    if token.len() == 36
        && token.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
    {
        return Some(SafeShape::Uuid);
    }
    if token.len() == 26
        && token
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Some(SafeShape::Ulid);
    }
    let v = t.strip_prefix('v').unwrap_or(t);
    let core = v.split(['-', '+']).next().unwrap_or("");
    if core.split('.').count() >= 2
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(SafeShape::Version);
    }
    if token.iter().filter(|b| **b == b'/').count() >= 2
        && token
            .split(|b| *b == b'/')
            .all(|p| p.iter().all(|b| !b.is_ascii_uppercase()))
    {
        return Some(SafeShape::Path);
    }
    let ascending = token
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    if ascending * 2 >= token.len() {
        return Some(SafeShape::Sequence);
    }
    if pseudo::is_mask(t) || pseudo::is_own_any(t) {
        return Some(SafeShape::Own);
    }
    // `credentialId`, `keyId` (but `sid` is a session cookie).
    let id_suffix = name.ends_with("id") && !name.ends_with("sid");
    if id_suffix || SAFE_NAME_WORDS.iter().any(|w| name.contains(w)) {
        return Some(SafeShape::SafeName);
    }
    None
}

/// The key, flag or header name right before `line[..start]`, lower case,
/// and the kind of context; `None` if the token does not follow one.
fn context_before(line: &[u8], start: usize) -> Option<(String, &'static str)> {
    let mut i = start;
    let skip = |i: &mut usize, set: &[u8]| {
        while *i > 0 && set.contains(&line[*i - 1]) {
            *i -= 1;
        }
    };
    // Opening quotes and blanks before the value.
    skip(&mut i, b"\"' \t\\");
    // An auth scheme (`Authorization: Bearer <token>`).
    let scheme_end = i;
    while i > 0 && line[i - 1].is_ascii_alphabetic() {
        i -= 1;
    }
    let word = String::from_utf8_lossy(&line[i..scheme_end]).to_ascii_lowercase();
    let mut header = false;
    if matches!(word.as_str(), "bearer" | "basic" | "token" | "apikey") {
        header = true;
        skip(&mut i, b"\"' \t");
    } else {
        i = scheme_end;
    }
    // The separator: `=`, `:`, `=>`, `:=`, or blanks after a flag.
    let sep_end = i;
    skip(&mut i, b"=:>");
    let had_sep = i < sep_end;
    skip(&mut i, b"\"' \t\\");
    // The name: letters, digits, `_`, `-`, `.`.
    let name_end = i;
    while i > 0
        && (line[i - 1].is_ascii_alphanumeric() || matches!(line[i - 1], b'_' | b'-' | b'.'))
    {
        i -= 1;
    }
    if i == name_end {
        return None;
    }
    let mut name = String::from_utf8_lossy(&line[i..name_end]).to_ascii_lowercase();
    // A word before it, one blank apart, qualifies it (`public key:`).
    let flag = name.starts_with("--") || (name.starts_with('-') && name.len() > 2);
    if !flag && i >= 2 && line[i - 1] == b' ' && line[i - 2].is_ascii_alphabetic() {
        let mut j = i - 1;
        while j > 0 && line[j - 1].is_ascii_alphabetic() {
            j -= 1;
        }
        name = format!(
            "{} {name}",
            String::from_utf8_lossy(&line[j..i - 1]).to_ascii_lowercase()
        );
    }
    if !had_sep && !flag && !header {
        return None;
    }
    let kind = if header {
        "header"
    } else if flag {
        "flag"
    } else {
        "assignment"
    };
    Some((name, kind))
}

/// Every candidate in `hay` (offsets into it), in order.
///
/// A candidate needs a secret word within `CONTEXT_BYTES` before it on
/// its line, and most bytes have none near: so the words are found first
/// (one pass, overlapping occurrences) and only tokens that start where a
/// word can reach are looked at. The tokens and the tests on them are
/// those of a plain walk over every token (`find_walking` in the tests,
/// which a property test compares with this).
pub fn find(hay: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut lines = LineStarts::default();
    // Token starts `lo..=hi` a word reaches, merged as the words come
    // (ordered by where they end).
    let mut span: Option<(usize, usize)> = None;
    let mut next = 0;
    for m in word_matches(hay) {
        // As far as the word reaches on its line. The line's end is looked
        // for only that far: on one long line (a JSON document on a single
        // line), looking to the end of the line for every word was
        // quadratic in the chunk.
        let reach = (m.start + CONTEXT_BYTES).min(hay.len());
        let hi = if reach <= m.end {
            reach
        } else {
            memchr::memchr(b'\n', &hay[m.end..reach]).map_or(reach, |i| m.end + i)
        };
        let lo = m.end;
        match &mut span {
            Some((_, h)) if lo <= *h + 1 => *h = (*h).max(hi),
            _ => {
                if let Some((l, h)) = span.take() {
                    next = tokens_starting_in(hay, l.max(next), h, &mut lines, &mut out);
                }
                span = Some((lo, hi));
            }
        }
    }
    if let Some((l, h)) = span {
        tokens_starting_in(hay, l.max(next), h, &mut lines, &mut out);
    }
    out
}

/// Where the line of a position starts, for positions that only grow.
#[derive(Default)]
struct LineStarts {
    /// Searched up to here; `start` is the line start there.
    upto: usize,
    start: usize,
}

impl LineStarts {
    fn of(&mut self, hay: &[u8], at: usize) -> usize {
        debug_assert!(at >= self.upto);
        if let Some(i) = memchr::memrchr(b'\n', &hay[self.upto..at]) {
            self.start = self.upto + i + 1;
        }
        self.upto = at;
        self.start
    }
}

/// The token that starts at `start` (a token byte after a non-token byte):
/// where it ends, with its `=` padding.
fn token_end(hay: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < hay.len() && is_token_byte(hay[i]) {
        i += 1;
    }
    // Base64 padding belongs to the token; an `=` followed by more is an
    // assignment's.
    let mut pad = 0;
    while pad < 2 && hay.get(i + pad) == Some(&b'=') {
        pad += 1;
    }
    if pad > 0
        && !hay
            .get(i + pad)
            .is_some_and(|b| is_token_byte(*b) || *b == b'=')
    {
        i += pad;
    }
    i
}

/// Look at every token that starts in `from..=to`; returns where the last
/// one looked at ends (no token starts before it).
fn tokens_starting_in(
    hay: &[u8],
    from: usize,
    to: usize,
    lines: &mut LineStarts,
    out: &mut Vec<Candidate>,
) -> usize {
    let mut i = from;
    // A token that began before `from` is not one of these.
    while i < hay.len() && i > 0 && is_token_byte(hay[i]) && is_token_byte(hay[i - 1]) {
        i += 1;
    }
    while i <= to && i < hay.len() {
        if !is_token_byte(hay[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i = token_end(hay, start);
        if let Some(c) = candidate(hay, lines.of(hay, start), start, i) {
            out.push(c);
        }
    }
    i
}

/// The token `hay[start..end]` as a candidate, if it is one.
fn candidate(hay: &[u8], line_start: usize, start: usize, end: usize) -> Option<Candidate> {
    let token = &hay[start..end];
    if token.len() < MIN_LEN || token.len() > 4096 {
        return None;
    }
    // Inside a mask (`[REDACTED:rule/abc123]`): airlock's own.
    if start > line_start && hay[start - 1] == b':' && hay[..start].ends_with(b"[REDACTED:") {
        return None;
    }
    // The secret word must be in the bytes right before, on this line.
    let near = &hay[start.saturating_sub(CONTEXT_BYTES).max(line_start)..start];
    if !secret_words().is_match(near) {
        return None;
    }
    if classes(token) < 2 || !has_machine_run(token) || entropy(token) < min_entropy(token.len()) {
        return None;
    }
    let line = &hay[line_start..];
    let (name, context) = context_before(line, start - line_start)?;
    if !SECRET_WORDS.iter().any(|w| name.contains(w)) {
        return None;
    }
    if safe_shape(token, &name, &hay[line_start..start]).is_some() {
        return None;
    }
    Some(Candidate {
        start,
        end,
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token walked, as `find` did before it looked for the words
    /// first: the reference the property test holds `find` to.
    fn find_walking(hay: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut line_start = 0;
        let mut i = 0;
        while i < hay.len() {
            let b = hay[i];
            if b == b'\n' {
                line_start = i + 1;
                i += 1;
                continue;
            }
            if !is_token_byte(b) {
                i += 1;
                continue;
            }
            let start = i;
            i = token_end(hay, start);
            out.extend(candidate(hay, line_start, start, i));
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, .. proptest::prelude::ProptestConfig::default() })]
        #[test]
        fn finding_words_first_finds_what_walking_every_token_finds(
            parts in proptest::collection::vec(0usize..16, 0..60),
            seeds in proptest::collection::vec(proptest::prelude::any::<u64>(), 60),
        ) {
            // Lines of keys, separators, blanks and random tokens, with the
            // secret words at every distance from the values.
            let mut text = String::new();
            for (k, p) in parts.iter().enumerate() {
                let r = seeds[k];
                match p {
                    0 => text.push('\n'),
                    1 => text.push_str(["token=", "API_KEY: ", "--password ", "\"secret\":\""][(r % 4) as usize]),
                    2 => text.push_str(&random_token(r, 16 + (r % 30) as usize)),
                    3 => text.push_str(&"x".repeat((r % 70) as usize)),
                    4 => text.push_str(" = "),
                    5 => text.push('='),
                    6 => text.push_str("Authorization: Bearer "),
                    7 => text.push_str("[REDACTED:"),
                    8 => text.push_str(&" ".repeat((r % 66) as usize)),
                    9 => text.push_str("SIGNATURE"),
                    10 => text.push_str("passkey"),
                    11 => text.push_str(&random_token(r, (r % 12) as usize)),
                    12 => text.push_str("apikeyid="),
                    _ => text.push_str(&random_token(r, 40)),
                }
            }
            let hay = text.as_bytes();
            proptest::prop_assert_eq!(find(hay), find_walking(hay));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, .. proptest::prelude::ProptestConfig::default() })]
        #[test]
        fn word_matches_are_the_automaton_overlapping_matches(
            parts in proptest::collection::vec((0usize..24, proptest::prelude::any::<u64>()), 0..80),
        ) {
            // Words and their pieces in any case, overlapping (`apikey`,
            // `signature`), next to token bytes and non-ASCII bytes.
            let mut hay = Vec::new();
            for &(p, r) in &parts {
                let piece: Vec<u8> = match p {
                    0..=15 => SECRET_WORDS[p].bytes().collect(),
                    16 => b"sIgNaTuRe".to_vec(),
                    17 => b"APIKEY".to_vec(),
                    18 => b"pas".to_vec(),
                    19 => vec![0xc3, 0x9f, b'K', b'e'],
                    20 => b"\n".to_vec(),
                    _ => random_token(r, (r % 12) as usize).into_bytes(),
                };
                hay.extend(piece.iter().enumerate().map(|(i, b)| {
                    if (r >> (i % 64)) & 1 == 1 { b.to_ascii_uppercase() } else { *b }
                }));
            }
            let mut want: Vec<(usize, usize)> = secret_words()
                .find_overlapping_iter(&hay)
                .map(|m| (m.start(), m.end()))
                .collect();
            want.sort_by_key(|&(s, e)| (e, s));
            let whole: Vec<(usize, usize)> = word_matches(&hay).into_iter().map(|m| (m.start, m.end)).collect();
            proptest::prop_assert_eq!(whole, want);
        }
    }

    fn random_token(mut r: u64, len: usize) -> String {
        const ALPHABET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_.~-=";
        (0..len)
            .map(|_| {
                r = r
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ALPHABET[(r >> 33) as usize % ALPHABET.len()] as char
            })
            .collect()
    }

    fn found(text: &str) -> Vec<&str> {
        find(text.as_bytes())
            .iter()
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn random_values_after_secret_names_are_candidates() {
        for (text, value) in [
            (
                "FROB_TOKEN=Zq8xT2mN4vB7kL1pR9sD3fG6hJ0w",
                "Zq8xT2mN4vB7kL1pR9sD3fG6hJ0w",
            ),
            (
                r#"{"x_signing_key":"a7Fq9ZkR2mLp4XwT8vNc3BdY"}"#,
                "a7Fq9ZkR2mLp4XwT8vNc3BdY",
            ),
            (
                "/usr/bin/frob --frob-secret 9f2c1e9b7a6d5c4b3a2f1e0d9c8b7a6f",
                "9f2c1e9b7a6d5c4b3a2f1e0d9c8b7a6f",
            ),
            (
                "X-Frob-Auth: Bearer Qm9ndXNUb2tlbkZvclRlc3RzMTIz",
                "Qm9ndXNUb2tlbkZvclRlc3RzMTIz",
            ),
            (
                "session_cookie: 'k2LmQp8RsT4vWx6Yz1Ab3Cd5Ef'",
                "k2LmQp8RsT4vWx6Yz1Ab3Cd5Ef",
            ),
        ] {
            assert_eq!(found(text), vec![value], "{text}");
        }
    }

    #[test]
    fn ids_hashes_words_and_own_values_are_not() {
        for text in [
            "commit_sha=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            r#"{"correlation_id":"01GYDSAKAN2SPZPAMJNRWW5H8S","token_id":"6f1d3c2a-9b8e-4d7f-a6c5-1e2d3c4b5a69"}"#,
            r#"{"jid":"a1b2c3d4e5f6a7b8c9d0e1f2","token":"[REDACTED:gitlab_pat/3f9a2c]"}"#,
            "image_digest: sha256:4c0f2bb4e64e3a8f6c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
            "password_file=/etc/gitlab/secrets/smtp-password-file",
            "key: gitlab.h-abcdefgh.d-ijklmnop.example",
            "random words Zq8xT2mN4vB7kL1pR9sD3fG6hJ0w with no key in front",
            "secret_key: this-is-just-some-words",
            "token_version=17.11.2-ee-with-a-suffix",
            "Session: 30546173_4289083966 initialized by client",
            "V KeyguardUpdateMonitor: RefreshBatteryInfo isBatteryLow: 23",
            "# public key: age1epzmwwzw8n09slh0c7z1z52x43nnga7lkksx3qrh07tqz5v7lcys45428t",
            r#""credentialId": "B9mTcFSck2LzJO2S3ols63","#,
            r#"const validKeyChars = "0123456789abcdefghijklmnopqrstuvwxyz_-.""#,
            "Processed session termination for sessionid: 0x34ed9ac1c1e007a",
            "        Signature Algorithm: sha256WithRSAEncryption",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
