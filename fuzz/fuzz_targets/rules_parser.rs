//! Any bytes as a rules file: loading may fail, compiling may fail, but
//! neither may panic, and every error must render (its location math is the
//! part most likely to slice a string in the wrong place).
//!
//! The text is added twice: to an empty set (a user's own pack with
//! `--no-builtin`), loaded and compiled; and after the built-in packs (where
//! `disable` and `override` have something to act on), loaded only: compiling
//! the whole built-in union on every input would cut the rate tenfold for
//! code the first path already covers.

#![no_main]

use std::sync::OnceLock;

use airlock::detect::Engine;
use airlock::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

fn builtin() -> &'static RuleSet {
    static S: OnceLock<RuleSet> = OnceLock::new();
    S.get_or_init(|| RuleSet::builtin().expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut alone = RuleSet::default();
    try_pack(&mut alone, text);
    let mut with_builtin = builtin().clone();
    if let Err(e) = with_builtin.add_pack_text("fuzz.toml", "fuzz.toml", text) {
        let _ = e.to_string();
    }
});

fn try_pack(set: &mut RuleSet, text: &str) {
    match set.add_pack_text("fuzz.toml", "fuzz.toml", text) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(()) => match Engine::new(set) {
            Err(e) => {
                let _ = e.to_string();
            }
            Ok(engine) => {
                // Exercise the compiled rules on their own examples, the way
                // `rules check` does.
                for rule in set.rules() {
                    for ex in &rule.examples {
                        let _ = engine.find_all(None, ex.spec.text().as_bytes());
                    }
                }
            }
        },
    }
}
