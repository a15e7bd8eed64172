//! Glue shared by the report commands (`summary`, `errors`, `top`, `trace`,
//! `compare`): read inputs, pick the sanitizer, write the rendering.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use airlock::bundle::{Input, LeftOut, Limits, Member, NullSink, Transform, Traversal};
use airlock::summary::{
    render, Analysis, Field, Format, Known, Pseudonyms, Raw, ReportOptions, Sanitize, SortBy, Want,
};
use anyhow::Context;

use super::load_rules;
use crate::cli::{FieldName, ReportArgs, ReportFormat, SortColumn};

/// Read `inputs` once, through the same bundle reader as `redact`
/// (directories, files, tar, tar.gz, nested archives, gzip members by magic
/// bytes, stdin). Unreadable inputs are reported and counted (the caller
/// exits 2); members that are not text are skipped.
pub fn analyze(inputs: &[PathBuf], want: &Want) -> (Analysis, usize) {
    let mut errors = 0;
    let collect = Collect {
        analysis: Mutex::new(Analysis::default()),
        want,
        top: Mutex::new(None),
    };
    for p in inputs {
        let input = if p.as_os_str() == "-" {
            Input::Stdin
        } else if p.exists() {
            Input::Path(p.clone())
        } else {
            eprintln!(
                "airlock: cannot read {}: no such file or directory",
                p.display()
            );
            errors += 1;
            continue;
        };
        // A single file's kind comes from its whole path
        // (`…/gitaly/current`), not its bare name.
        *collect.top.lock().unwrap_or_else(|e| e.into_inner()) = match &input {
            Input::Path(p) if p.is_file() => Some(p.to_string_lossy().replace('\\', "/")),
            _ => None,
        };
        let result = Traversal {
            transform: &collect,
            limits: Limits::default(),
            spool_dir: None,
            level: flate2::Compression::fast(),
            jobs: 1,
        }
        .run(&input, &mut NullSink);
        if let Err(e) = result {
            eprintln!(
                "airlock: {}",
                airlock::scan::escape_for_terminal(&e.to_string())
            );
            errors += 1;
        }
    }
    let mut a = collect
        .analysis
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    a.finish();
    for f in &a.files {
        if let Some(e) = &f.error {
            eprintln!(
                "airlock: {}: {e}",
                airlock::scan::escape_for_terminal(&f.name)
            );
            errors += 1;
        }
    }
    (a, errors)
}

/// Feeds every text member of a bundle to the analysis.
struct Collect<'a> {
    analysis: Mutex<Analysis>,
    want: &'a Want,
    /// The path of the input when it is a single file.
    top: Mutex<Option<String>>,
}

impl Transform for Collect<'_> {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        name.to_vec()
    }

    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn Read,
        _out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let name = String::from_utf8_lossy(member.name).into_owned();
        let outer = String::from_utf8_lossy(member.outer);
        let top = self.top.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (shown, kind_path) = if name.is_empty() {
            ("<stdin>".to_string(), String::new())
        } else if let Some(t) =
            top.filter(|t| outer.is_empty() && t.rsplit('/').next() == Some(name.as_str()))
        {
            // The input file itself (not a member of it).
            (t.clone(), t)
        } else {
            let full = format!("{outer}{name}");
            (full, name)
        };
        self.analysis
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .read_named(&shown, &kind_path, member.gzip, input, self.want);
        Ok(())
    }

    fn left_out(&self, _name: &[u8], _why: &LeftOut) {}
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
    fields: &[FieldName],
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
        fields: fields
            .iter()
            .map(|f| match f {
                FieldName::Count => Field::Count,
                FieldName::Rps => Field::Rps,
                FieldName::P99 => Field::P99,
                FieldName::P95 => Field::P95,
                FieldName::Median => Field::Median,
                FieldName::Max => Field::Max,
                FieldName::Min => Field::Min,
                FieldName::Stddev => Field::Stddev,
                FieldName::Score => Field::Score,
                FieldName::Fail => Field::Fail,
            })
            .collect(),
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
