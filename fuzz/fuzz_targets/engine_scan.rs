//! The engine on any bytes, with the built-in rules. Invariants checked on
//! every input:
//!
//! * findings are sorted, never overlap, are non-empty and lie inside the
//!   input (and, per chunk, inside the chunk);
//! * chunks are contiguous and cover the input exactly;
//! * the findings are identical for the whole input, for small chunks, and
//!   for a stream read in uneven pieces (`ScanOptions { chunk_size }`);
//! * a masked preview never contains the secret's bytes when the secret is at
//!   least 4 bytes long.
//!
//! The engine has learned literals besides the rules (see [`engine`]).
//!
//! The first two bytes of the input choose the chunk size and the read
//! pattern; the rest is repeated until it is longer than a few minimum-size
//! (4 KiB) chunks, so that findings meet chunk boundaries.

#![no_main]

use std::io::Read;
use std::sync::OnceLock;

use airlock::detect::{Engine, Finding, LearnedValue, ScanOptions};
use airlock::rules::{Category, RuleSet};
use libfuzzer_sys::fuzz_target;

/// The built-in rules plus learned literals that overlap rule matches (a
/// host name inside FQDNs and URLs, a user name inside emails and paths), so
/// that merging the two kinds of findings is exercised too.
fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let learned = [
            (
                "gitlab01",
                "learned_hostname",
                Category::Network,
                "hostname",
            ),
            (
                "corp.internal",
                "learned_domain",
                Category::Network,
                "hostname",
            ),
            (
                "kwilliams",
                "learned_username",
                Category::Identity,
                "username",
            ),
            ("Ab1Cd2", "learned_username", Category::Identity, "username"),
        ]
        .map(|(v, rule, category, kind)| LearnedValue {
            value: v.as_bytes().to_vec(),
            rule: rule.to_string(),
            category,
            kind: kind.to_string(),
            boundary: Default::default(),
        });
        let rules = RuleSet::builtin().expect("built-in rules");
        Engine::with_learned(&rules, &learned).expect("compile")
    })
}

/// A reader that hands out the bytes in pieces of varying size.
struct Uneven<'a> {
    data: &'a [u8],
    step: usize,
    n: usize,
}

impl Read for Uneven<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.n += 1;
        let want = 1 + (self.n * self.step) % 5000;
        let k = want.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn collect(data: &[u8], chunk_size: usize, stream: Option<usize>) -> Vec<Finding> {
    let e = engine();
    let m = e.matcher(None);
    let opts = ScanOptions { chunk_size };
    let mut out = Vec::new();
    let mut next = 0u64;
    let mut each = |c: airlock::detect::ChunkView<'_>| {
        assert_eq!(c.offset, next, "chunks must be contiguous");
        for f in c.findings {
            assert!(f.start < f.end, "empty finding");
            assert!(f.end <= c.bytes.len(), "finding past its chunk");
        }
        next += c.bytes.len() as u64;
        out.extend(c.findings.iter().map(|f| Finding {
            start: f.start + c.offset as usize,
            end: f.end + c.offset as usize,
            ..*f
        }));
    };
    match stream {
        None => m
            .scan_slice(data, &opts, |c| {
                each(c);
                Ok::<(), ()>(())
            })
            .unwrap(),
        Some(step) => m
            .scan_reader(Uneven { data, step, n: 0 }, &opts, |c| {
                each(c);
                Ok(())
            })
            .unwrap(),
    }
    assert_eq!(next as usize, data.len(), "chunks must cover the input");
    out
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let chunk_size = 1 + input[0] as usize * 97;
    let step = 1 + input[1] as usize;
    let body = &input[2..];
    let mut data = Vec::with_capacity(3 * 4096 + body.len());
    while data.len() < 3 * 4096 {
        data.extend_from_slice(body);
    }

    let whole = collect(&data, 1 << 20, None);
    for w in whole.windows(2) {
        assert!(
            w[0].end <= w[1].start,
            "findings overlap or are unsorted: {w:?}"
        );
    }
    if let Some(last) = whole.last() {
        assert!(last.end <= data.len());
    }
    assert_eq!(
        collect(&data, chunk_size, None),
        whole,
        "slice, chunk {chunk_size}"
    );
    assert_eq!(
        collect(&data, chunk_size, Some(step)),
        whole,
        "stream, chunk {chunk_size}, step {step}"
    );

    // Previews: what `airlock scan` prints about each finding. A preview is
    // `<context>…[<n> chars]`: the context is one of the rule's keywords,
    // copied from the bytes right before the secret, and <n> the secret's
    // length. Nothing else may appear; in particular not the secret (a
    // substring test on the whole preview would be fooled by a secret such
    // as `char`, which the fixed text `[4 chars]` contains).
    let m = engine().matcher(None);
    airlock::scan::scan_slice(&m, &data, &ScanOptions::default(), |loc| {
        let start = loc.offset as usize;
        let secret = &data[start..start + loc.len];
        let rule = engine().rule(loc.rule);
        let n = String::from_utf8_lossy(secret).chars().count();
        let tail = format!("…[{n} chars]");
        let context = loc.preview.strip_suffix(&tail).unwrap_or_else(|| {
            panic!(
                "preview {:?} of rule {} is not <context>{tail}",
                loc.preview, rule.id
            )
        });
        if !context.is_empty() {
            assert!(
                data[..start].ends_with(context.as_bytes()),
                "preview context {context:?} of rule {} is not the bytes before the secret",
                rule.id
            );
            assert!(
                rule.keywords
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(context)),
                "preview context {context:?} of rule {} is not one of its keywords",
                rule.id
            );
            if secret.len() >= 4 {
                assert!(
                    !context
                        .as_bytes()
                        .windows(secret.len())
                        .any(|w| w == secret),
                    "preview {:?} shows the secret of rule {}",
                    loc.preview,
                    rule.id
                );
            }
        }
    });
});
