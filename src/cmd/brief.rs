//! `airlock brief INPUT`: one pass with the checks' probe, the checks
//! evaluated, the top failures traced from the requests that pass kept,
//! the note rendered through the same sanitizer as the other reports.

use std::process::ExitCode;

use airlock::brief::render::{render, BriefFormat as Format};
use airlock::brief::{self, CheckSet, TraceStep};
use airlock::summary::{Analysis, Report, Sanitize};

use super::report::{analyze, check_output, options, sanitizer, write_out};
use crate::cli::{BriefArgs, BriefFormat, ReportArgs, ReportFormat};

pub fn run(args: BriefArgs) -> anyhow::Result<ExitCode> {
    // The shared report glue takes report flags: the brief's, in that shape.
    let report = ReportArgs {
        format: ReportFormat::Text,
        output: args.output.clone(),
        force: args.force,
        raw: args.raw,
        key_file: args.key_file.clone(),
        limit: 10,
        rules: args.rules.clone(),
    };
    check_output(&report)?;
    let set = CheckSet::load(&args.checks).map_err(|e| anyhow::anyhow!("loading checks: {e}"))?;
    let (want, of_check) = brief::want(&set);
    let inputs = vec![args.input.clone()];
    let (mut analyzed, errors) = analyze(&inputs, &want);
    let all: Vec<_> = analyzed.iter().map(|x| &x.analysis).collect();
    let sz = sanitizer(&report, &inputs, &all)?;
    errors.print(sz.as_ref());
    if errors.count() > 0 {
        eprintln!(
            "airlock: no brief written: {} input(s) or member(s) could not be read",
            errors.count()
        );
        return Ok(ExitCode::from(2));
    }
    let Some(mut x) = analyzed.pop() else {
        return Ok(ExitCode::from(2));
    };
    let no_logs = !x.analysis.has_logs();
    let mut b = brief::evaluate(&mut x.analysis, &set, &of_check, sz.as_ref(), &x.label);
    if !args.no_trace {
        trace_top(&mut b, &mut x.analysis, &report, &inputs, sz.as_ref())?;
    }
    drop(x);
    let format = match args.format {
        BriefFormat::Markdown => Format::Markdown,
        BriefFormat::Html => Format::Html,
        BriefFormat::Json => Format::Json,
    };
    write_out(&report, &render(&b, format, args.limit))?;
    Ok(if no_logs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Findings whose representative request is followed (the most severe
/// that have one).
const TRACED_FINDINGS: usize = 3;

/// Follow the representative request of each of the most severe findings
/// that have one across every log, as `airlock trace` does, from the lines
/// the main pass kept of a sample of requests (the representative is
/// chosen among them when it can be: see `brief::representative`). No
/// second read: a request that was not kept is shown by its id, which
/// `airlock trace` follows.
fn trace_top(
    b: &mut brief::Brief,
    a: &mut Analysis,
    report: &ReportArgs,
    inputs: &[std::path::PathBuf],
    sz: &dyn Sanitize,
) -> anyhow::Result<()> {
    let mut ids: Vec<String> = Vec::new();
    for f in &b.findings {
        if let Some(id) = &f.trace_id {
            if !ids.contains(id) && ids.len() < TRACED_FINDINGS && a.evidence.traces.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    a.trace = ids
        .iter()
        .flat_map(|id| a.evidence.traces.take(id))
        .collect();
    a.trace_overflow = a.evidence.traces.overflow;
    let opts = options(report, inputs, None, None, &[])?;
    for id in &ids {
        let r = Report::trace(a, id, sz, &opts);
        let Some(t) = r.trace else { continue };
        let steps: Vec<TraceStep> = t
            .hits
            .into_iter()
            .map(|h| TraceStep {
                time: h.time,
                file: h.file,
                line: h.line,
                kind: h.kind,
                key: h.key,
                status: h.status,
                duration_ms: h.duration_ms,
                message: h.message,
            })
            .collect();
        // Every finding this request represents (two checks may pick it).
        for f in b.findings.iter_mut() {
            if f.trace_id.as_ref() == Some(id) {
                f.trace = steps.clone();
            }
        }
    }
    Ok(())
}
