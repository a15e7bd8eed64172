//! Which rules are slow: each rule searched on its own over the same inputs.
//!
//! The engine runs every rule in one automaton, so time cannot be split
//! between rules inside one search. A rule alone is the next best measure:
//! a rule that is slow alone (no literal to skip ahead with, many matches,
//! large counted repetitions) is the one to look at first. The full set is
//! timed too, for comparison. This costs one search per rule: a tool for rule
//! authors (`airlock scan --profile-rules`), not for everyday scans.

use std::time::{Duration, Instant};

use super::{Engine, ScanOptions};
use crate::rules::{RuleError, RuleSet};

/// One rule (or the whole set, with `rule` = `*all*`) timed over the inputs.
#[derive(Clone, Debug)]
pub struct RuleProfile {
    pub rule: String,
    /// Search time over all inputs (best of the repeats).
    pub time: Duration,
    pub matches: usize,
    pub bytes: u64,
}

impl RuleProfile {
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.time.as_secs_f64().max(1e-9) / 1e6
    }
}

fn time_engine(engine: &Engine, inputs: &[(Option<&std::path::Path>, &[u8])]) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut matches = 0;
    // Twice: the first search also builds automaton states.
    for _ in 0..2 {
        matches = 0;
        let t = Instant::now();
        for (path, data) in inputs {
            engine
                .matcher(*path)
                .scan_slice(data, &ScanOptions::default(), |c| {
                    matches += c.findings.len();
                    Ok::<(), std::convert::Infallible>(())
                })
                .unwrap_or_else(|e| match e {});
        }
        best = best.min(t.elapsed());
    }
    (best, matches)
}

/// Time every rule of `set` alone over `inputs`, and the whole set; slowest
/// first, the whole set last.
pub fn profile_rules(
    set: &RuleSet,
    inputs: &[(Option<&std::path::Path>, &[u8])],
) -> Result<Vec<RuleProfile>, RuleError> {
    let bytes: u64 = inputs.iter().map(|(_, d)| d.len() as u64).sum();
    let mut out = Vec::new();
    for rule in set.rules() {
        let engine = Engine::new(&RuleSet::only(rule))?;
        let (time, matches) = time_engine(&engine, inputs);
        out.push(RuleProfile {
            rule: rule.id.clone(),
            time,
            matches,
            bytes,
        });
    }
    out.sort_by(|a, b| b.time.cmp(&a.time).then(a.rule.cmp(&b.rule)));
    let (time, matches) = time_engine(&Engine::new(set)?, inputs);
    out.push(RuleProfile {
        rule: "*all*".into(),
        time,
        matches,
        bytes,
    });
    Ok(out)
}
