//! Glue shared by the report commands (`summary`, `errors`, `top`, `trace`,
//! `compare`): read inputs, pick the sanitizer, write the rendering.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use airlock::bundle::{Input, LeftOut, Limits, Member, NullSink, Transform, Traversal};
use airlock::summary::{
    render_all, Analysis, Field, Format, Known, Pseudonyms, Raw, Report, ReportOptions, Sanitize,
    SortBy, Want,
};
use anyhow::Context;

use super::load_rules;
use crate::cli::{FieldName, ReportArgs, ReportFormat, SortColumn};

/// One input as given on the command line, and what reading it found.
pub struct Analyzed {
    pub label: String,
    pub analysis: Analysis,
}

/// Read each of `inputs` once, through the same bundle reader as `redact`
/// (directories, files, tar, tar.gz, nested archives, gzip members by magic
/// bytes, stdin), each into an analysis of its own: several inputs are
/// reported one by one, so two bundles with the same relative paths stay
/// apart. Unreadable inputs and members are reported on stderr and counted
/// (the caller writes no report and exits 2); members that are not text are
/// skipped. The messages are returned, not printed: they name files of the
/// bundle, and go out through the report's sanitizer ([`Problems::print`]).
pub fn analyze(inputs: &[PathBuf], want: &Want) -> (Vec<Analyzed>, Problems) {
    let mut errors = Problems::default();
    let mut out = Vec::new();
    for p in inputs {
        let input = if p.as_os_str() == "-" {
            Input::Stdin
        } else if p.exists() {
            Input::Path(p.clone())
        } else {
            errors.0.push(format!(
                "cannot read {}: no such file or directory",
                p.display()
            ));
            continue;
        };
        let collect = Collect {
            analysis: Mutex::new(Analysis::default()),
            want,
            // A single file's kind comes from its whole path
            // (`…/gitaly/current`), not its bare name.
            top: match &input {
                Input::Path(p) if p.is_file() => Some(p.to_string_lossy().replace('\\', "/")),
                _ => None,
            },
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
            errors.0.push(e.to_string());
        }
        let mut a = collect
            .analysis
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        a.finish();
        for f in &a.files {
            if let Some(e) = &f.error {
                errors.0.push(format!("{}: {e}", f.name));
            }
        }
        out.push(Analyzed {
            label: if p.as_os_str() == "-" {
                "<stdin>".to_string()
            } else {
                p.display().to_string()
            },
            analysis: a,
        });
    }
    (out, errors)
}

/// What could not be read (raw messages: they name the bundle's files).
#[derive(Default)]
pub struct Problems(pub Vec<String>);

impl Problems {
    /// Print each message on stderr through `sz` (the report's sanitizer,
    /// so a host name in a member's path is replaced as in the report),
    /// escaped for the terminal.
    pub fn print(&self, sz: &dyn Sanitize) {
        for m in &self.0 {
            eprintln!(
                "airlock: {}",
                airlock::scan::escape_for_terminal(&sz.text(m))
            );
        }
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// Feeds every text member of a bundle to the analysis.
struct Collect<'a> {
    analysis: Mutex<Analysis>,
    want: &'a Want,
    /// The path of the input when it is a single file.
    top: Option<String>,
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
        let top = self.top.clone();
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

/// The common shape of `summary`, `errors` and `top`: read every input,
/// then build one report per input (labelled with it) through one
/// sanitizer, so a name has one pseudonym in all of them.
pub fn per_input(
    args: &ReportArgs,
    inputs: &[PathBuf],
    want: &Want,
    opts: &ReportOptions,
    build: impl Fn(&mut Analysis, &dyn Sanitize, &ReportOptions) -> Report,
) -> anyhow::Result<ExitCode> {
    check_output(args)?;
    let (mut analyzed, errors) = analyze(inputs, want);
    let all: Vec<&Analysis> = analyzed.iter().map(|x| &x.analysis).collect();
    let sz = sanitizer(args, inputs, &all)?;
    errors.print(sz.as_ref());
    let mut reports: Vec<Report> = analyzed
        .iter_mut()
        .map(|x| {
            let o = ReportOptions {
                inputs: vec![x.label.clone()],
                ..opts.clone()
            };
            build(&mut x.analysis, sz.as_ref(), &o)
        })
        .collect();
    let no_logs = note_no_logs(&mut reports, &analyzed);
    finish(args, &reports, errors.count(), no_logs)
}

/// Refuse an output that exists (without `--force`) or that could not be
/// written, before any reading: a report that cannot be written costs no
/// pass over a large bundle.
pub fn check_output(args: &ReportArgs) -> anyhow::Result<()> {
    let Some(p) = args.output.as_ref().filter(|p| p.as_os_str() != "-") else {
        return Ok(());
    };
    if p.is_dir() {
        anyhow::bail!("{}: is a directory", p.display());
    }
    if p.exists() && !args.force {
        anyhow::bail!("{}: already exists (--force replaces it)", p.display());
    }
    Ok(())
}

/// How a command ends: the reports to write, whether reading failed, and
/// whether an input held no GitLab log.
pub fn finish(
    args: &ReportArgs,
    reports: &[Report],
    errors: usize,
    no_logs: bool,
) -> anyhow::Result<ExitCode> {
    if errors > 0 {
        // A failed report leaves nothing: no file, no partial page.
        eprintln!("airlock: no report written: {errors} input(s) or member(s) could not be read");
        return Ok(ExitCode::from(2));
    }
    emit(args, reports)?;
    Ok(if no_logs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a report says of an input (`shown`: as the report prints it)
/// that holds no GitLab log.
pub fn no_log_note(shown: &str, a: &Analysis) -> String {
    format!(
        "No GitLab log found in {shown}: none of its {} file(s) is a log airlock reads.",
        a.files.len()
    )
}

/// Tell each report whose input holds no GitLab log so (an alert under
/// its header); true if any does.
pub fn note_no_logs(reports: &mut [Report], analyzed: &[Analyzed]) -> bool {
    let mut any = false;
    for (r, x) in reports.iter_mut().zip(analyzed) {
        if !x.analysis.has_logs() {
            any = true;
            let note = no_log_note(&r.inputs.join(", "), &x.analysis);
            r.alerts.push(note);
        }
    }
    any
}

/// Render and write to `-o FILE` (a temporary sibling renamed into place,
/// so a failure leaves no file) or stdout.
fn emit(args: &ReportArgs, reports: &[Report]) -> anyhow::Result<()> {
    let format = match args.format {
        ReportFormat::Text => Format::Text,
        ReportFormat::Markdown => Format::Markdown,
        ReportFormat::Json => Format::Json,
        ReportFormat::Html => Format::Html,
    };
    write_out(args, &render_all(reports, format))
}

/// Write `out` to `-o FILE` (a temporary sibling renamed into place) or
/// stdout.
pub fn write_out(args: &ReportArgs, out: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(p) if p.as_os_str() != "-" => {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            let mut tmp = tempfile::Builder::new()
                .prefix(".airlock-report")
                .tempfile_in(dir)
                .with_context(|| format!("writing {}", p.display()))?;
            tmp.write_all(out.as_bytes())
                .and_then(|()| tmp.flush())
                .with_context(|| format!("writing {}", p.display()))?;
            if args.force {
                tmp.persist(p)
            } else {
                tmp.persist_noclobber(p)
            }
            .map_err(|e| e.error)
            .with_context(|| format!("writing {}", p.display()))?;
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
