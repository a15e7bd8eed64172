//! `airlock checks list` and `airlock checks check`: the checks of `brief`,
//! as `rules list|check` are for rules.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use airlock::brief::checks::{check_examples, CheckSet, Reads};

fn reads(r: &Reads) -> String {
    match r {
        Reads::Lines { files, .. } => format!("lines of {}", files.join(", ")),
        Reads::Window { kinds, .. } => format!("failure spikes in {}", kinds.join(", ")),
        Reads::By { kinds, dim, .. } => {
            format!("failures by {dim:?} in {}", kinds.join(", ")).to_lowercase()
        }
        Reads::Slow { kinds, .. } => format!("P95 of {}", kinds.join(", ")),
    }
}

pub fn list(files: &[PathBuf], json: bool) -> anyhow::Result<ExitCode> {
    let set = CheckSet::load(files).map_err(|e| anyhow::anyhow!("loading checks: {e}"))?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = set
            .checks
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "title": c.title,
                    "severity": c.severity.as_str(),
                    "reads": reads(&c.reads),
                    "source": c.at.to_string(),
                    "examples": c.examples.len(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let idw = set
        .checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    writeln!(
        out,
        "{:idw$}  {:8}  {:40}  TITLE",
        "ID", "SEVERITY", "READS"
    )?;
    for c in &set.checks {
        writeln!(
            out,
            "{:idw$}  {:8}  {:40}  {}",
            c.id,
            c.severity.as_str(),
            reads(&c.reads),
            c.title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let loaded = if files.is_empty() {
        CheckSet::load(&[])
    } else {
        CheckSet::load_only(files)
    };
    let set = match loaded {
        Ok(s) => s,
        Err(e) => {
            // An invalid file is exit 2 (the help says so), with its place.
            eprintln!("airlock: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let failures = check_examples(&set);
    for f in &failures {
        eprintln!("{f}");
    }
    let examples: usize = set.checks.iter().map(|c| c.examples.len()).sum();
    if failures.is_empty() {
        eprintln!(
            "ok: {} checks, {examples} examples checked",
            set.checks.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} example(s) failed", failures.len());
        Ok(ExitCode::from(1))
    }
}
