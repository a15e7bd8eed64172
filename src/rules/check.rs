//! `rules check`: every rule compiles, matches its examples completely and
//! none of its negative examples.
//!
//! Each rule is compiled and run **alone**, so an example proves the rule
//! itself and not a neighbour that happens to match the same text.

use std::fmt;

use super::{ExampleSpec, Location, Rule, RuleSet, SecretExample};
use crate::detect::Engine;

/// One failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    pub at: Location,
    pub rule: String,
    pub msg: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: rule {}: {}", self.at, self.rule, self.msg)
    }
}

/// Check every rule of `set`; an empty result means all is well.
pub fn check(set: &RuleSet) -> Vec<Failure> {
    set.rules().iter().flat_map(check_rule).collect()
}

/// Check one rule.
pub fn check_rule(rule: &Rule) -> Vec<Failure> {
    let mut failures = Vec::new();
    let fail = |at: &Location, msg: String| Failure {
        at: at.clone(),
        rule: rule.id.clone(),
        msg,
    };
    // The examples prove the pattern; `paths` (checked when the rule was
    // loaded) would leave it out of texts that come from no file.
    let alone = Rule {
        paths: Vec::new(),
        ..rule.clone()
    };
    let engine = match Engine::new(&RuleSet::only(&alone)) {
        Ok(e) => e,
        Err(e) => {
            failures.push(fail(&rule.pattern_at, format!("does not compile: {e}")));
            return failures;
        }
    };
    for (n, ex) in rule.examples.iter().enumerate() {
        let n = n + 1;
        let text = ex.spec.text().as_bytes();
        let found = engine.find_all(None, text);
        if found.is_empty() {
            failures.push(fail(&ex.at, format!("example {n} is not matched")));
            continue;
        }
        match &ex.spec {
            ExampleSpec::WithSecret(SecretExample { secret, .. }) => {
                if secret.is_empty() || !ex.spec.text().contains(secret.as_str()) {
                    failures.push(fail(
                        &ex.at,
                        format!("example {n}: `secret` does not occur in `text`"),
                    ));
                    continue;
                }
                for (at, _) in ex.spec.text().match_indices(secret.as_str()) {
                    let end = at + secret.len();
                    let covered =
                        (at..end).all(|i| found.iter().any(|f| f.start <= i && i < f.end));
                    if !covered {
                        failures.push(fail(
                            &ex.at,
                            format!("example {n}: the secret at byte {at} is not fully covered by a finding"),
                        ));
                    }
                }
            }
            ExampleSpec::Text(_) => {
                // Without a stated secret, at least make sure no tail of a
                // value is left: a finding must not stop inside a word.
                for f in &found {
                    let after = text.get(f.end).copied();
                    let last = text[f.end - 1];
                    if after.is_some_and(|b| b.is_ascii_alphanumeric())
                        && last.is_ascii_alphanumeric()
                    {
                        failures.push(fail(
                            &ex.at,
                            format!("example {n}: finding ends inside a word at byte {}; the rest would stay in clear", f.end),
                        ));
                    }
                }
            }
        }
    }
    for (n, neg) in rule.negative_examples.iter().enumerate() {
        if !engine.find_all(None, neg.text.as_bytes()).is_empty() {
            failures.push(fail(&neg.at, format!("negative example {} matched", n + 1)));
        }
    }
    failures
}
