//! Property tests of redaction: the invariants every input must keep.
//!
//! What counts as a leak is decided here, independently of the product: the
//! generator records every value it plants, and the test's own code looks
//! for each one byte by byte in the output, raw and JSON-escaped, and inside
//! gzip members (inflated with flate2, not airlock's reader). Neither the
//! engine that redacted nor `is_own_at` (verification's acceptance) is
//! asked.

use std::sync::OnceLock;

use airlock::corpus::{self, Rng};
use airlock::detect::Engine;
use airlock::redact::{Counts, Key, Pseudonymizer, Redactor};
use airlock::rules::RuleSet;
use proptest::prelude::*;

fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::builtin().unwrap())
}

fn redactor(seed: u8) -> Redactor {
    Redactor::new(
        Engine::new(rules()).unwrap(),
        Pseudonymizer::new(Key::from_bytes([seed; 32])),
    )
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(rules()).unwrap())
}

/// A value the generator planted, and how to tell it from a longer value
/// that contains it.
#[derive(Clone, Debug)]
struct Planted {
    value: String,
    what: &'static str,
    /// Looked up as a whole word (not inside a longer run of letters,
    /// digits or, for addresses, dotted numbers): user names and addresses
    /// are short enough to occur inside a pseudonym by chance.
    word: bool,
}

/// Lines of every kind: credentials in their contexts, clean GitLab lines,
/// JSON logs with identifiers, and (with `binary`) bytes that are not text;
/// with every value that must not survive.
fn mixed(seed: u64, n: usize) -> (Vec<u8>, Vec<Planted>) {
    mixed_of(seed, n, true)
}

fn mixed_of(seed: u64, n: usize, binary: bool) -> (Vec<u8>, Vec<Planted>) {
    // Not `Rng::new(seed)`: the corpus functions draw from that stream, and
    // a planted value would be a prefix of their correlation ids.
    let mut r = Rng::new(seed ^ 0x7e57_0f1e_ac00_0000);
    let cases = corpus::credential_cases(seed);
    let clean = corpus::clean_lines(seed);
    let mut out = Vec::new();
    let mut planted = Vec::new();
    let mut plant = |value: String, what: &'static str, word: bool| {
        planted.push(Planted {
            value: value.clone(),
            what,
            word,
        });
        value
    };
    for _ in 0..n {
        match r.below(6) {
            0 => {
                let case = r.pick(&cases);
                for s in &case.secrets {
                    plant(s.clone(), case.name, false);
                }
                out.extend_from_slice(case.text.as_bytes());
            }
            1 => out.extend_from_slice(r.pick(&clean).as_bytes()),
            2 => out.extend_from_slice(
                format!(
                    r#"{{"remote_ip":"{}","username":"{}","meta.user":"{}","email":"{}@corp{}.internal","correlation_id":"{}","duration_s":0.{}}}"#,
                    plant(r.ipv4(), "remote_ip", true),
                    plant(r.username(), "username", true),
                    plant(r.username(), "meta.user", true),
                    plant(r.username(), "email's user", true),
                    r.below(9),
                    r.correlation_id(),
                    r.below(999)
                )
                .as_bytes(),
            ),
            3 if binary => {
                for _ in 0..r.range(1, 60) {
                    out.push(r.below(256) as u8);
                }
            }
            4 => {
                // A password with characters JSON escapes: the value is
                // planted as written in the log (escaped) and unescaped.
                let (a, b) = (r.alnum(10), r.alnum(10));
                plant(format!("{a}\"{b}/"), "JSON password, unescaped", false);
                plant(format!("{a}\\\"{b}\\/"), "JSON password, escaped", false);
                plant(a.clone(), "JSON password's first part", true);
                plant(b.clone(), "JSON password's second part", true);
                out.extend_from_slice(
                    format!(r#"{{"user":"x","password":"{a}\"{b}\/","status":401}}"#).as_bytes(),
                );
            }
            _ => out.extend_from_slice(
                format!(
                    "plain text {} and {}",
                    r.alnum(12),
                    plant(r.ipv4(), "address in text", true)
                )
                .as_bytes(),
            ),
        }
        out.push(b'\n');
    }
    (out, planted)
}

/// `hay` holds `needle`: at any position, or as a whole word.
fn holds(hay: &[u8], needle: &[u8], word: bool) -> bool {
    let inside = |b: u8| b.is_ascii_alphanumeric();
    memchr::memmem::find_iter(hay, needle).any(|i| {
        if !word {
            return true;
        }
        let before = i.checked_sub(1).map(|j| hay[j]);
        let after = hay.get(i + needle.len()).copied();
        let after2 = hay.get(i + needle.len() + 1).copied();
        let glued_before =
            before.is_some_and(|b| inside(b) || b == b'.' && needle[0].is_ascii_digit());
        let glued_after = after.is_some_and(inside)
            || after == Some(b'.') && after2.is_some_and(|b| b.is_ascii_digit());
        !(glued_before || glued_after)
    })
}

/// The forms a planted value may take in a file: as written, and as JSON
/// escapes it (`"` → `\"`, `/` → `\/`, control bytes → `\u00XX`).
fn forms(v: &str) -> Vec<Vec<u8>> {
    let json = serde_json::to_string(v).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let mut out = vec![v.as_bytes().to_vec(), json.as_bytes().to_vec()];
    out.push(json.replace('/', "\\/").into_bytes());
    out.dedup();
    out
}

/// The planted values `data` still holds, in any form.
fn leaks(data: &[u8], planted: &[Planted]) -> Vec<String> {
    let held: Vec<Planted> = planted
        .iter()
        .filter(|p| forms(&p.value).iter().any(|f| holds(data, f, p.word)))
        .cloned()
        .collect();
    distinct(&held)
}

/// The lines of `data` that hold a planted value still there (for failure
/// messages).
fn lines_with(data: &[u8], left: &[String]) -> String {
    let mut out = String::new();
    for l in left {
        let v = l.rsplit_once(" (").map_or(l.as_str(), |(v, _)| v);
        for line in data.split(|b| *b == b'\n') {
            if memchr::memmem::find(line, v.as_bytes()).is_some() {
                out += &String::from_utf8_lossy(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Each planted value once, with what it was.
fn distinct(planted: &[Planted]) -> Vec<String> {
    let mut out: Vec<String> = planted
        .iter()
        .map(|p| format!("{} ({})", p.value, p.what))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What airlock writes in place of a value (masks and pseudonyms): letters,
/// digits and `[]:/._-@`. Never a quote, backslash, space or line feed.
fn replacement_byte(b: u8) -> bool {
    // `%`: an address in a URL-encoded e-mail (`%40`) keeps its encoding.
    b.is_ascii_alphanumeric() || b"[]:/._-@%".contains(&b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn redaction_is_idempotent_and_leaves_no_planted_value(seed in 0u64..10_000, lines in 1usize..60, key in 0u8..4) {
        let (data, planted) = mixed(seed, lines);
        // The oracle finds what was planted: every value is in the input.
        prop_assert_eq!(leaks(&data, &planted), distinct(&planted));
        let r = redactor(key);
        let once = r.redact_bytes(None, &data, &mut Counts::default());
        let left = leaks(&once, &planted);
        prop_assert!(left.is_empty(), "planted values survive: {:?}\n{}", left, lines_with(&once, &left));
        // Idempotent, with the same key or another.
        let twice = r.redact_bytes(None, &once, &mut Counts::default());
        if twice != once {
            let (a, b) = first_difference(&once, &twice);
            prop_assert!(false, "redacting again changed\n{a}\ninto\n{b}");
        }
        let other = redactor(key.wrapping_add(1)).redact_bytes(None, &once, &mut Counts::default());
        prop_assert_eq!(&other, &once);
        // Line count kept.
        prop_assert_eq!(once.iter().filter(|b| **b == b'\n').count(), data.iter().filter(|b| **b == b'\n').count());
    }

    #[test]
    fn bytes_outside_findings_are_unchanged_and_nothing_is_inserted(seed in 0u64..10_000, lines in 1usize..40) {
        let (data, _) = mixed(seed, lines);
        let found = engine().find_all(None, &data);
        let out = redactor(0).redact_bytes(None, &data, &mut Counts::default());
        // Output = gap₀ R₁ gap₁ R₂ … gapₙ: every run of bytes between
        // findings (less one byte on each side, where a span may widen over
        // an escaping backslash) in order, the first at the very start and
        // the last at the very end, and between them only replacements:
        // replacement bytes, plus at most the two edge bytes of each finding
        // they stand for.
        let mut inside = vec![false; data.len()];
        for f in &found {
            inside[f.start..f.end].iter_mut().for_each(|x| *x = true);
        }
        // The output's bytes between two gaps stand for the input's between
        // them: replacement bytes, and the input's own bytes there outside
        // the findings (the edges a span did not widen over), each once.
        let check = |skipped: &[u8], from: std::ops::Range<usize>| -> Result<(), TestCaseError> {
            // Multi-line secrets are masked line by line: their line feeds
            // stay.
            let mut edges: Vec<u8> = from
                .filter(|&i| (!inside[i] || data[i] == b'\n') && !replacement_byte(data[i]))
                .map(|i| data[i])
                .collect();
            for &b in skipped.iter().filter(|b| !replacement_byte(**b)) {
                match edges.iter().position(|e| *e == b) {
                    Some(i) => {
                        edges.swap_remove(i);
                    }
                    None => {
                        return Err(TestCaseError::fail(format!(
                            "byte {:?} inserted beside a replacement: {:?}",
                            b as char,
                            String::from_utf8_lossy(skipped)
                        )))
                    }
                }
            }
            Ok(())
        };
        let mut pos = 0; // input: where the next gap starts
        let mut region = 0; // input: where the bytes the next skip stands for start
        let mut opos = 0; // output: where the next gap must be
        for (n, f) in found.iter().enumerate() {
            let gap_end = f.start.saturating_sub(1).max(pos);
            let gap = &data[pos..gap_end];
            if n == 0 {
                prop_assert!(out.starts_with(gap), "the start changed");
                opos = gap.len();
                region = gap_end;
            } else if !gap.is_empty() {
                // The first place the gap is found after a valid replacement
                // (a short gap may also occur inside a replacement).
                let k = memchr::memmem::find_iter(&out[opos..], gap)
                    .take(64)
                    .find(|&k| check(&out[opos..opos + k], region..pos).is_ok());
                let Some(k) = k else {
                    let k = memchr::memmem::find(&out[opos..], gap);
                    return Err(TestCaseError::fail(format!(
                        "text between findings changed or bytes inserted: {:?} after {:?}",
                        String::from_utf8_lossy(gap),
                        String::from_utf8_lossy(&out[opos..opos + k.unwrap_or(0).min(200)])
                    )));
                };
                opos += k + gap.len();
                region = gap_end;
            }
            pos = (f.end + 1).min(data.len()).max(gap_end);
        }
        let tail = &data[pos..];
        prop_assert!(out.len() >= opos + tail.len() && out.ends_with(tail), "tail changed");
        check(&out[opos..out.len() - tail.len()], region..pos)?;
        // And by count: a byte no replacement holds (space, quote, comma,
        // braces, line feed, …) is in the output exactly as often as in the
        // input outside the findings (a line feed: as often as in the whole
        // input); a backslash may be absorbed by a span.
        let mut counts = [0i64; 256];
        for (i, &b) in data.iter().enumerate() {
            if !inside[i] || b == b'\n' {
                counts[b as usize] += 1;
            }
        }
        for &b in &out {
            counts[b as usize] -= 1;
        }
        for (b, c) in counts.iter().enumerate() {
            let b = b as u8;
            if replacement_byte(b) {
                continue;
            }
            if b == b'\\' {
                prop_assert!(*c >= 0, "{} backslashes inserted", -c);
            } else {
                prop_assert_eq!(*c, 0, "byte {:?}: {} more in the input than in the output", b as char, c);
            }
        }
    }

    #[test]
    fn json_lines_stay_json_with_the_same_keys(seed in 0u64..10_000, lines in 1usize..40) {
        let (data, _) = mixed(seed, lines);
        let out = redactor(1).redact_bytes(None, &data, &mut Counts::default());
        let ins: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
        let outs: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        prop_assert_eq!(ins.len(), outs.len());
        let mut json = 0;
        for (a, b) in ins.iter().zip(&outs) {
            if let Ok(serde_json::Value::Object(ma)) = serde_json::from_slice::<serde_json::Value>(a) {
                json += 1;
                let mb: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(b)
                    .map_err(|e| TestCaseError::fail(format!("not JSON after redaction: {e}")))?;
                prop_assert_eq!(ma.keys().collect::<Vec<_>>(), mb.keys().collect::<Vec<_>>());
            }
        }
        // Means something: JSON lines are a third of the generator's kinds.
        prop_assert!(lines < 12 || json > 0, "no JSON line among {lines}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    /// Through the binary and a bundle: a plain member, a gzip member and a
    /// gzip member of a nested tar, each read back with the test's own
    /// reader (flate2 and tar), the planted values looked for in every
    /// member's inflated bytes.
    #[test]
    fn no_planted_value_survives_in_plain_or_gzip_members(seed in 0u64..10_000) {
        use super::bundle_gen::{flatten, tar_gz};
        use super::util::{airlock, run, TempDir};
        use std::io::Write;
        let gz = |d: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        };
        // Text only: a member of random bytes is left out as binary data.
        let (a, mut planted) = mixed_of(seed, 80, false);
        let (b, more) = mixed_of(seed + 1, 80, false);
        planted.extend(more);
        let (c, more) = mixed_of(seed + 2, 80, false);
        planted.extend(more);
        let inner = tar_gz(&[("inner/c.log".into(), c)]);
        let input = tar_gz(&[
            ("b/a.log".into(), a),
            ("b/b.log.1.gz".into(), gz(&b)),
            ("b/inner.tar.gz".into(), inner),
        ]);
        // The test's reader sees every planted value in the input.
        let members = flatten("in", &input);
        prop_assert_eq!(members.len(), 3);
        let all: Vec<u8> = members.iter().flat_map(|(_, d)| d.clone()).collect();
        prop_assert_eq!(leaks(&all, &planted), distinct(&planted));
        let dir = TempDir::new("prop-gzip");
        dir.write("in.tar.gz", &input);
        run(&dir, airlock(&dir).args(["redact", "in.tar.gz", "-o", "out.tar.gz"]), None).expect_code(0);
        let out = std::fs::read(dir.path().join("out.tar.gz")).unwrap();
        let members = flatten("out", &out);
        prop_assert_eq!(members.len(), 3, "{:?}", members.iter().map(|m| &m.0).collect::<Vec<_>>());
        for (name, data) in &members {
            let left = leaks(data, &planted);
            prop_assert!(left.is_empty(), "{}: planted values survive: {:?}\n{}", name, left, lines_with(data, &left));
        }
        // Written back in the same form: the gzip member is still gzip.
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(&out[..]));
        let gzip_members = ar
            .entries()
            .unwrap()
            .filter_map(|e| {
                let mut e = e.unwrap();
                let mut head = [0u8; 2];
                std::io::Read::read_exact(&mut e, &mut head).ok()?;
                Some(head == [0x1f, 0x8b])
            })
            .filter(|g| *g)
            .count();
        prop_assert_eq!(gzip_members, 2);
    }
}

/// The first line that differs, as text.
fn first_difference(a: &[u8], b: &[u8]) -> (String, String) {
    for (x, y) in a.split(|c| *c == b'\n').zip(b.split(|c| *c == b'\n')) {
        if x != y {
            return (
                String::from_utf8_lossy(x).into_owned(),
                String::from_utf8_lossy(y).into_owned(),
            );
        }
    }
    (String::new(), String::new())
}

/// An archive of random names (without identifiers), modes and contents.
fn random_tar(seed: u64) -> (Vec<u8>, Vec<(String, u32)>) {
    let mut r = Rng::new(seed);
    let mut b = tar::Builder::new(Vec::new());
    let mut expect = Vec::new();
    for i in 0..r.range(1, 12) {
        let name = format!(
            "d{}/{}-{i}.log",
            r.below(3),
            r.string(b"abcdefghijklmnop_", 6)
        );
        let mode = [0o600u32, 0o640, 0o644, 0o755][r.below(4) as usize];
        let body = format!("{} user x from {}\n", r.alnum(10), r.ipv4());
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(mode);
        h.set_mtime(1_700_000_000 + r.below(1000));
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, &name, body.as_bytes()).unwrap();
        expect.push((name, mode));
    }
    (b.into_inner().unwrap(), expect)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn archive_round_trip_keeps_names_order_and_modes(seed in 0u64..10_000) {
        use super::util::{airlock, run, TempDir};
        let (tar, expect) = random_tar(seed);
        let dir = TempDir::new("prop-tar");
        dir.write("in.tar", &tar);
        run(&dir, airlock(&dir).args(["redact", "in.tar", "-o", "out.tar"]), None).expect_code(0);
        let out = std::fs::read(dir.path().join("out.tar")).unwrap();
        let mut ar = tar::Archive::new(&out[..]);
        let got: Vec<(String, u32)> = ar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (String::from_utf8_lossy(&e.path_bytes()).into_owned(), e.header().mode().unwrap())
            })
            .collect();
        prop_assert_eq!(got, expect);
    }
}
