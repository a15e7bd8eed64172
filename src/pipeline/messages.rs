//! Every message through the redactor.
//!
//! Errors name paths and members, and paths carry identifiers: a bundle is
//! named `gitlabsos.<host>_<timestamp>`, a rules file may be named after a
//! token, a member after a user. Before anything is printed it goes through
//! a redactor that knows the rules, every component of the paths given on
//! the command line, and (once learned) the bundle's identity: the message
//! keeps its shape and loses its values.

use std::path::Path;

use crate::detect::Engine;
use crate::redact::learn::Identity;
use crate::redact::{Key, Pseudonymizer, Redactor};
use crate::rules::{RuleError, RuleSet};

/// A redactor for messages: the rules of `set`, `identity`, and what every
/// component of the given paths gives away (`gitlabsos.<host>_…` anywhere
/// in a path). Pseudonyms are keyed with `key`, or a random key.
pub fn message_redactor(
    set: &RuleSet,
    paths: &[&Path],
    mut identity: Identity,
    key: Option<Key>,
) -> Result<Redactor, RuleError> {
    for p in paths {
        for c in p.components() {
            identity.add_bundle_name(&c.as_os_str().to_string_lossy());
        }
    }
    let key = match key {
        Some(k) => k,
        None => Key::random().unwrap_or_else(|_| Key::from_bytes(fallback_key())),
    };
    let pseudo = Pseudonymizer::new(key);
    let learned = identity.learned_values(&pseudo);
    Ok(Redactor::new(Engine::with_learned(set, &learned)?, pseudo))
}

/// A key when the system has no randomness to give (messages only: the
/// pseudonyms need not be secret, the originals are gone either way).
fn fallback_key() -> [u8; 32] {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&t.to_le_bytes());
    k
}

/// `text` with everything the built-in rules find, and every bundle name in
/// `paths`, replaced: the last line of defence for messages printed where
/// no run-specific redactor exists (argument errors, rules that failed to
/// load). If even the built-in rules cannot be compiled, every run of
/// letters and digits longer than three is masked.
pub fn scrub(text: &str, paths: &[&Path]) -> String {
    match RuleSet::builtin()
        .ok()
        .and_then(|set| message_redactor(&set, paths, Identity::default(), None).ok())
    {
        Some(r) => r.redact_text(text),
        None => mask_words(text),
    }
}

fn mask_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() > 3 {
            out.push_str("[…]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}
