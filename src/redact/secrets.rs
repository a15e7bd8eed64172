//! Credentials found beside a key, searched everywhere else.
//!
//! # Why
//!
//! A rule with context (`db_password = '…'`, `-p…` after `mysql`, the line
//! after `irb> …password`) finds a password only where that context stands.
//! The same password elsewhere, alone (a `gitlab-secrets.json` pasted into a
//! ticket, a console's `=> "…"`, a positional argument in `ps`), has nothing
//! around it for any rule to see, and was left in clear.
//!
//! Redaction remembers every such value it masks ([`FoundSecrets`]). The
//! verification pass searches the output for them as literals; when one
//! remains, redaction runs again with them as learned values, so every
//! occurrence gets the same mask as the one beside its key (see
//! `pipeline::Job`). Most bundles hold none elsewhere and pay only the
//! literal search.
//!
//! Only values random enough to be unique are spread ([`is_spreadable`]):
//! `password: production` masks that one value, not every `production`.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::detect::{Boundary, Engine, LearnedValue, RuleId};
use crate::rules::Category;

/// The rule verification reports a remembered credential under when it
/// finds one in the output.
pub const MASKED_ELSEWHERE: &str = "credential_masked_elsewhere";

/// Distinct values searched everywhere at most. Past it, none are: a
/// bundle that masks thousands of distinct passwords beside their keys is
/// a log of generated values, not of a few reused ones, and searching for
/// them all would cost the verification's literal automaton tens of MiB.
/// (None rather than some: which ones would depend on the order threads
/// met them.)
pub const SPREAD_MAX: usize = 4_096;

/// Can `value`, masked where a rule with context found it, be searched as a
/// literal everywhere else without rewriting ordinary text? It must be one
/// line of 8 to 256 bytes and mix what random secrets mix: letters and
/// digits, or lower and upper case past the first letter, or letters and
/// punctuation other than a path's or a name's (`/ . - _ :`). Words,
/// paths, `Capitalized` words and numbers are not spread.
pub fn is_spreadable(value: &[u8]) -> bool {
    if !(8..=256).contains(&value.len())
        || value.iter().any(|b| matches!(b, b'\n' | b'\r' | b'\0'))
        || value[0].is_ascii_whitespace()
        || value[value.len() - 1].is_ascii_whitespace()
    {
        return false;
    }
    if is_object_reference(value) {
        return false;
    }
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let upper_inside = value[1..].iter().any(u8::is_ascii_uppercase);
    let letter = value.iter().any(u8::is_ascii_alphabetic);
    let digit = value.iter().any(u8::is_ascii_digit);
    let symbol = value
        .iter()
        .any(|b| b.is_ascii_punctuation() && !matches!(b, b'/' | b'.' | b'-' | b'_' | b':'));
    (letter && digit) || (lower && upper_inside) || (letter && symbol)
}

/// `AppWindowToken{9f4ef63`, `BinderProxy@2bd79ce`: how Java prints an
/// object (a class name and its identity hash), which a key-value rule can
/// take for a value (`wtoken = AppWindowToken{…`). Spread, one such mistake
/// would rewrite every line that names the object.
fn is_object_reference(value: &[u8]) -> bool {
    let Some(at) = value.iter().position(|b| matches!(b, b'{' | b'@')) else {
        return false;
    };
    let (class, hash) = (&value[..at], &value[at + 1..]);
    class.first().is_some_and(u8::is_ascii_alphabetic)
        && class
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'$' | b'_'))
        && (4..=16).contains(&hash.len())
        && hash.iter().all(u8::is_ascii_hexdigit)
}

/// Distinct values in order, shared by threads, at most `max` of them;
/// past it, none: which ones would otherwise depend on the order threads
/// met them. Redaction's credentials and verification's suspicious values
/// are both kept so.
pub struct Capped<T> {
    max: usize,
    /// The values, and whether more than `max` were met.
    state: Mutex<(BTreeSet<T>, bool)>,
}

impl<T: Ord + Clone> Capped<T> {
    pub fn new(max: usize) -> Capped<T> {
        Capped {
            max,
            state: Mutex::new((BTreeSet::new(), false)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (BTreeSet<T>, bool)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn insert(&self, value: T) {
        let mut state = self.lock();
        let (set, overflow) = &mut *state;
        if *overflow {
            return;
        }
        set.insert(value);
        if set.len() > self.max {
            *overflow = true;
            *set = BTreeSet::new();
        }
    }

    /// The values, in order (none past the limit).
    pub fn values(&self) -> Vec<T> {
        self.lock().0.iter().cloned().collect()
    }

    /// Were more than the limit met?
    pub fn overflowed(&self) -> bool {
        self.lock().1
    }
}

/// What one redaction remembered: (rule, value), at most [`SPREAD_MAX`].
pub struct FoundSecrets(Capped<(RuleId, Box<[u8]>)>);

impl Default for FoundSecrets {
    fn default() -> FoundSecrets {
        FoundSecrets(Capped::new(SPREAD_MAX))
    }
}

impl std::fmt::Debug for FoundSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FoundSecrets({} values)", self.0.lock().0.len())
    }
}

impl FoundSecrets {
    /// Remember `value`, masked by `rule`, if it is [`is_spreadable`].
    pub fn note(&self, rule: RuleId, value: &[u8]) {
        if is_spreadable(value) {
            self.0.insert((rule, value.into()));
        }
    }

    /// The values to search everywhere, as literals of the rule that found
    /// them (so each occurrence gets the same mask).
    pub fn literals(&self, engine: &Engine) -> Vec<LearnedValue> {
        self.0
            .values()
            .into_iter()
            .map(|(rule, value)| {
                let info = engine.rule(rule);
                LearnedValue {
                    value: value.into_vec(),
                    rule: info.id.clone(),
                    category: Category::Credential,
                    kind: info.kind.clone(),
                    boundary: Boundary::Alnum,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_spread_and_words_paths_and_numbers_do_not() {
        for v in [
            "EsConsolePw",
            "Gi7l@bDbP4ss",
            "nmphSaK2DCGpkSTJOc1fHULa0YSPIfsA",
            "hunter22x",
            "Semi;Pw37Tail",
        ] {
            assert!(is_spreadable(v.as_bytes()), "{v}");
        }
        for v in [
            "production",
            "Production",
            "changeme",
            "/etc/gitlab/secret",
            "gitlab-workhorse",
            "12345678",
            "short1A",
            "multi\nline1A",
            " padded1A",
            "AppWindowToken{9f4ef63",
            "android.os.BinderProxy@2bd79ce",
        ] {
            assert!(!is_spreadable(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn found_values_come_out_in_order_and_past_the_limit_none_do() {
        let engine = Engine::new(&crate::rules::RuleSet::builtin().unwrap()).unwrap();
        let (a, b) = (FoundSecrets::default(), FoundSecrets::default());
        let values = ["Zeta9secret", "Alpha9secret", "Mid9secretX"];
        for v in values {
            a.note(RuleId(0), v.as_bytes());
        }
        for v in values.iter().rev() {
            b.note(RuleId(0), v.as_bytes());
        }
        let la: Vec<Vec<u8>> = a.literals(&engine).into_iter().map(|l| l.value).collect();
        let lb: Vec<Vec<u8>> = b.literals(&engine).into_iter().map(|l| l.value).collect();
        assert_eq!(la, lb);
        assert_eq!(la[0], b"Alpha9secret");
        a.note(RuleId(0), b"production");
        assert_eq!(a.literals(&engine).len(), 3);
        for i in 0..=SPREAD_MAX {
            a.note(RuleId(1), format!("Generated{i}x").as_bytes());
        }
        assert!(a.0.overflowed() && a.literals(&engine).is_empty());
        a.note(RuleId(0), b"After9theLimit");
        assert!(a.literals(&engine).is_empty());
    }
}
