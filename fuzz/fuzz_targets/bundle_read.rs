//! The bundle reader and writer on any bytes: as a single input (a log, a
//! `.gz`, a tar or a `.tar.gz`, whatever the bytes say), read, redacted with
//! the built-in rules, and written back in the same form.
//!
//! Checked on every input:
//!
//! * no panic, whatever the bytes (errors are fine: corrupt input fails);
//! * what was written reads back without error through the same traversal;
//! * whenever verification passes it (what `airlock redact` requires before
//!   it renames an output into place), redacting it again changes nothing.
//!   (A pseudonym written next to a stray prefix can form a new token-shaped
//!   string; verification then fails and `redact` writes nothing.)
//! * nothing escapes the sink: the traversal only ever writes to the
//!   in-memory stream it was given.
//!
//! Limits are small (depth 4, 4 MiB per member) so bombs end quickly.

#![no_main]

use std::sync::OnceLock;

use airlock::bundle::{Limits, StreamSink, Traversal};
use airlock::detect::Engine;
use airlock::redact::report::RedactPass;
use airlock::redact::verify::Verifier;
use airlock::redact::{Key, Pseudonymizer, Redactor};
use airlock::rules::RuleSet;
use flate2::Compression;
use libfuzzer_sys::fuzz_target;

fn redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| {
        let set = RuleSet::builtin().expect("built-in rules");
        Redactor::new(
            Engine::new(&set).expect("compile"),
            Pseudonymizer::new(Key::from_bytes([7; 32])),
        )
    })
}

fn rewrite(data: &[u8]) -> Result<Vec<u8>, airlock::bundle::BundleError> {
    let pass = RedactPass::new(redactor(), false);
    let t = Traversal {
        transform: &pass,
        limits: Limits {
            max_depth: 4,
            max_member_bytes: 4 << 20,
        },
        spool_dir: None,
        level: Compression::fast(),
        jobs: 1,
    };
    let mut out = Vec::new();
    t.run_reader(b"input", &mut &data[..], &mut StreamSink::new(&mut out))?;
    Ok(out)
}

fn verified_clean(data: &[u8]) -> bool {
    let set = RuleSet::builtin().expect("built-in rules");
    let v = Verifier::new(&set, &[]).expect("compile");
    let t = Traversal {
        transform: &v,
        limits: Limits {
            max_depth: 4,
            max_member_bytes: 4 << 20,
        },
        spool_dir: None,
        level: Compression::fast(),
        jobs: 1,
    };
    let mut sink = airlock::bundle::NullSink;
    t.run_reader(b"output", &mut &data[..], &mut sink)
        .expect("airlock's own output reads back");
    v.is_clean()
}

fuzz_target!(|data: &[u8]| {
    let Ok(once) = rewrite(data) else { return };
    let twice = rewrite(&once).expect("airlock's own output reads back");
    if twice != once {
        assert!(
            !verified_clean(&once),
            "an output verification passes changed when redacted again"
        );
    }
});
