//! `airlock rules list` and `airlock rules check`.

use std::io::Write;
use std::process::ExitCode;

use airlock::detect::Engine;
use airlock::rules::{check, RuleSet};

use super::load_rules;
use crate::cli::RuleArgs;

pub fn list(args: &RuleArgs, json: bool) -> anyhow::Result<ExitCode> {
    let set = load_rules(args)?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = set
            .rules()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "category": r.category.as_str(),
                    "kind": r.kind,
                    "description": r.description,
                    "source": r.pack.source,
                    "pack": r.pack.name,
                    "pack_version": r.pack.version,
                    "keywords": r.keywords,
                    "json_keys": r.json_keys,
                    "paths": r.paths,
                    "priority": r.priority,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let idw = set
        .rules()
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let catw = set
        .rules()
        .iter()
        .map(|r| r.category.as_str().len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(
        out,
        "{:idw$}  {:catw$}  {:24}  DESCRIPTION",
        "ID", "CATEGORY", "SOURCE"
    )?;
    for r in set.rules() {
        writeln!(
            out,
            "{:idw$}  {:catw$}  {:24}  {}",
            r.id,
            r.category.as_str(),
            r.pack.source,
            r.description
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(args: &RuleArgs) -> anyhow::Result<ExitCode> {
    let set = load_rules(args)?;
    // A pattern that does not compile makes its file invalid (exit 2, as
    // the help says), not a failed check: say so once, with its place.
    let invalid: Vec<_> = set
        .rules()
        .iter()
        .filter_map(|r| Engine::new(&RuleSet::only(r)).err())
        .collect();
    if !invalid.is_empty() {
        for e in &invalid {
            eprintln!("airlock: {e}");
        }
        eprintln!("{} rule(s) do not compile", invalid.len());
        return Ok(ExitCode::from(2));
    }
    let failures = check::check(&set);
    let examples: usize = set.rules().iter().map(|r| r.examples.len()).sum();
    let negatives: usize = set.rules().iter().map(|r| r.negative_examples.len()).sum();
    for f in &failures {
        eprintln!("{f}");
    }
    if failures.is_empty() {
        eprintln!(
            "ok: {} rules in {} packs, {examples} examples and {negatives} negative examples checked",
            set.rules().len(),
            set.packs().len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} check(s) failed", failures.len());
        Ok(ExitCode::from(1))
    }
}
