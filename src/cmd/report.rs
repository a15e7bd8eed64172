//! Glue shared by the report commands (`summary`, `errors`, `top`, `trace`,
//! `compare`): read inputs, pick the sanitizer, write the rendering.

use std::io::Write;
use std::path::PathBuf;

use airlock::logs::read;
use airlock::summary::{
    render, Analysis, Format, Known, Pseudonyms, Raw, ReportOptions, Sanitize, SortBy, Want,
};
use anyhow::Context;

use super::load_rules;
use crate::cli::{ReportArgs, ReportFormat, SortColumn};

/// Read `inputs` once. Unreadable command-line paths are reported and
/// counted (the caller exits 2).
pub fn analyze(inputs: &[PathBuf], want: &Want) -> (Analysis, usize) {
    let (members, skipped) = read::members(inputs);
    let mut errors = 0;
    for s in &skipped {
        if inputs.contains(&s.path) {
            eprintln!("airlock: cannot read {}: {}", s.path.display(), s.reason);
            errors += 1;
        }
    }
    let a = Analysis::run(&members, want);
    for f in &a.files {
        if let Some(e) = &f.error {
            // File names are not sanitized on stderr: stderr stays with the
            // person who ran the command.
            eprintln!(
                "airlock: {}: {e}",
                airlock::scan::escape_for_terminal(&f.name)
            );
            errors += 1;
        }
    }
    (a, errors)
}

/// The sanitizer: keyed pseudonyms (the same names as the redacted bundle
/// with `--key-file`) taught with what the analyses saw, or originals with
/// `--raw`.
pub fn sanitizer(
    args: &ReportArgs,
    inputs: &[PathBuf],
    analyses: &[&Analysis],
) -> anyhow::Result<Box<dyn Sanitize>> {
    if args.raw {
        return Ok(Box::new(Raw));
    }
    let rules = load_rules(&args.rules)?;
    let mut known = Known::default();
    for a in analyses {
        known.users.extend(a.seen.users.iter().cloned());
        known.projects.extend(a.seen.projects.iter().cloned());
        known.hosts.extend(a.seen.hosts.iter().cloned());
        known.hosts.extend(a.facts.hostname.iter().cloned());
        for f in &a.files {
            known.hosts.extend(host_from_path(&f.name));
        }
    }
    for p in inputs {
        known.hosts.extend(host_from_path(&p.to_string_lossy()));
    }
    known.users.sort();
    known.users.dedup();
    known.projects.sort();
    known.projects.dedup();
    known.hosts.sort();
    known.hosts.dedup();
    let key = match &args.key_file {
        Some(p) => {
            if !p.exists() {
                anyhow::bail!(
                    "{}: no such key file (make one with `airlock redact --key-file`)",
                    p.display()
                );
            }
            airlock::redact::Key::load_or_create(p)?.0
        }
        None => airlock::redact::Key::random()?,
    };
    Ok(Box::new(
        Pseudonyms::new(&rules, &known, key).context("compiling rules")?,
    ))
}

/// gitlabsos names its archive and top directory
/// `gitlabsos.<hostname>_<YYYYmmddHHMMSS>[...]`: the host name.
fn host_from_path(p: &str) -> Vec<String> {
    p.split(['/', '\\'])
        .filter_map(|c| c.strip_prefix("gitlabsos."))
        .filter_map(|rest| rest.rsplit_once('_').map(|(h, _)| h.to_string()))
        .filter(|h| !h.is_empty())
        .collect()
}

pub fn options(
    args: &ReportArgs,
    inputs: &[PathBuf],
    sort: Option<SortColumn>,
    interval: Option<&str>,
) -> anyhow::Result<ReportOptions> {
    let interval_s = match interval {
        None => None,
        Some(s) => Some(
            airlock::logs::time::parse_interval(s)
                .filter(|&v| v >= 60)
                .with_context(|| format!("invalid --interval {s:?}: use a whole number of minutes or more, like 1m, 15m, 1h, 1d"))?,
        ),
    };
    Ok(ReportOptions {
        limit: args.limit,
        sort_by: match sort.unwrap_or(SortColumn::Score) {
            SortColumn::Count => SortBy::Count,
            SortColumn::Rps => SortBy::Rps,
            SortColumn::P99 => SortBy::P99,
            SortColumn::P95 => SortBy::P95,
            SortColumn::Median => SortBy::Median,
            SortColumn::Max => SortBy::Max,
            SortColumn::Min => SortBy::Min,
            SortColumn::Stddev => SortBy::Stddev,
            SortColumn::Score => SortBy::Score,
            SortColumn::Fail => SortBy::Fail,
            SortColumn::Key => SortBy::Key,
        },
        interval_s,
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
    })
}

/// Render and write to `-o FILE` or stdout.
pub fn emit(args: &ReportArgs, report: &airlock::summary::Report) -> anyhow::Result<()> {
    let format = match args.format {
        ReportFormat::Text => Format::Text,
        ReportFormat::Markdown => Format::Markdown,
        ReportFormat::Json => Format::Json,
        ReportFormat::Html => Format::Html,
    };
    let out = render(report, format);
    match &args.output {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, out).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("airlock: wrote {}", p.display());
        }
        _ => {
            let mut so = std::io::stdout().lock();
            so.write_all(out.as_bytes())?;
            so.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn gitlabsos_host() {
        assert_eq!(
            super::host_from_path("/tmp/gitlabsos.gitlab01.corp_20261120134410/var/log"),
            vec!["gitlab01.corp".to_string()]
        );
    }
}
