//! Property tests of redaction: the invariants every input must keep.

use std::sync::OnceLock;

use airlock::corpus::{self, Rng};
use airlock::detect::Engine;
use airlock::redact::{is_own_at, Counts, Key, Pseudonymizer, Redactor};
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

/// Lines of every kind: credentials in their contexts, clean GitLab lines,
/// JSON logs with identifiers, and bytes that are not text.
fn mixed(seed: u64, n: usize) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let cases = corpus::credential_cases(seed);
    let clean = corpus::clean_lines(seed);
    let mut out = Vec::new();
    for _ in 0..n {
        match r.below(5) {
            0 => out.extend_from_slice(r.pick(&cases).text.as_bytes()),
            1 => out.extend_from_slice(r.pick(&clean).as_bytes()),
            2 => out.extend_from_slice(
                format!(
                    r#"{{"remote_ip":"{}","username":"{}","meta.user":"{}","path":"/{}/p","email":"{}@corp{}.internal","correlation_id":"{}","duration_s":0.{}}}"#,
                    r.ipv4(),
                    r.username(),
                    r.username(),
                    r.username(),
                    r.username(),
                    r.below(9),
                    r.correlation_id(),
                    r.below(999)
                )
                .as_bytes(),
            ),
            3 => {
                for _ in 0..r.range(1, 60) {
                    out.push(r.below(256) as u8);
                }
            }
            _ => out.extend_from_slice(format!("plain text {} and {}", r.alnum(12), r.ipv4()).as_bytes()),
        }
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn redaction_is_idempotent_and_leaves_nothing_rules_find(seed in 0u64..10_000, lines in 1usize..60, key in 0u8..4) {
        let data = mixed(seed, lines);
        let r = redactor(key);
        let once = r.redact_bytes(None, &data, &mut Counts::default());
        // Idempotent, with the same key or another.
        let twice = r.redact_bytes(None, &once, &mut Counts::default());
        if twice != once {
            let (a, b) = first_difference(&once, &twice);
            prop_assert!(false, "redacting again changed\n{a}\ninto\n{b}");
        }
        let other = redactor(key.wrapping_add(1)).redact_bytes(None, &once, &mut Counts::default());
        prop_assert_eq!(&other, &once);
        // No rule finds anything in the output that is not ours.
        let e = engine();
        for f in e.find_all(None, &once) {
            prop_assert!(is_own_at(e, f.rule, &once, f.start, f.end),
                "{} remains at {}..{}", e.rule(f.rule).id, f.start, f.end);
        }
        // Line count kept.
        prop_assert_eq!(once.iter().filter(|b| **b == b'\n').count(), data.iter().filter(|b| **b == b'\n').count());
    }

    #[test]
    fn bytes_outside_findings_are_unchanged(seed in 0u64..10_000, lines in 1usize..40) {
        let data = mixed(seed, lines);
        let found = engine().find_all(None, &data);
        let out = redactor(0).redact_bytes(None, &data, &mut Counts::default());
        // Every run of bytes between findings (less one byte on each side,
        // where a span may widen over an escaping backslash) must appear in
        // the output, in order; the first at the very start.
        let mut pos = 0;
        let mut opos = 0;
        for f in &found {
            let gap = &data[pos..f.start.saturating_sub(1).max(pos)];
            let k = memchr::memmem::find(&out[opos..], gap);
            prop_assert!(k.is_some(), "text between findings changed");
            prop_assert!(pos > 0 || k == Some(0), "the start changed");
            opos += k.unwrap_or(0) + gap.len();
            pos = (f.end + 1).min(data.len()).max(pos);
        }
        prop_assert!(out.ends_with(&data[pos.min(data.len())..]), "tail changed");
    }

    #[test]
    fn json_lines_stay_json_with_the_same_keys(seed in 0u64..10_000, lines in 1usize..40) {
        let data = mixed(seed, lines);
        let out = redactor(1).redact_bytes(None, &data, &mut Counts::default());
        let ins: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
        let outs: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        prop_assert_eq!(ins.len(), outs.len());
        for (a, b) in ins.iter().zip(&outs) {
            if let Ok(serde_json::Value::Object(ma)) = serde_json::from_slice::<serde_json::Value>(a) {
                let mb: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(b)
                    .map_err(|e| TestCaseError::fail(format!("not JSON after redaction: {e}")))?;
                prop_assert_eq!(ma.keys().collect::<Vec<_>>(), mb.keys().collect::<Vec<_>>());
            }
        }
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
