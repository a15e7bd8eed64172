//! `airlock trace ID`: one request (or job) across every log, and across
//! every input (a request crosses nodes, and so bundles): one table in time
//! order, each line labelled with its input when there are several.

use std::process::ExitCode;

use airlock::summary::{Analysis, Report, Want};

use super::report::{analyze, check_output, finish, no_log_note, options, sanitizer};
use crate::cli::TraceArgs;

pub fn run(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let id = args.id.trim();
    anyhow::ensure!(
        id.len() >= 4,
        "trace id {id:?} is too short (at least 4 characters)"
    );
    check_output(&args.report)?;
    let opts = options(&args.report, &args.inputs, None, None, &[])?;
    let want = Want {
        trace: vec![id.to_string()],
        ..Want::default()
    };
    // Users and projects are not collected in trace mode (only matching
    // lines are parsed); the sanitizer still finds them by rule in the lines.
    let (analyzed, errors) = analyze(&args.inputs, &want);
    let all: Vec<&Analysis> = analyzed.iter().map(|x| &x.analysis).collect();
    let sz = sanitizer(&args.report, &args.inputs, &all)?;
    errors.print(sz.as_ref());
    let notes: Vec<String> = analyzed
        .iter()
        .filter(|x| !x.analysis.has_logs())
        .map(|x| no_log_note(&sz.text(&x.label), &x.analysis))
        .collect();
    let several = analyzed.len() > 1;
    let mut merged = Analysis::default();
    for x in analyzed {
        merged.absorb_trace(x.analysis, several.then_some(x.label.as_str()));
    }
    let mut report = Report::trace(&mut merged, id, sz.as_ref(), &opts);
    report.alerts.extend(notes);
    let found = report.trace.as_ref().is_some_and(|t| !t.hits.is_empty());
    // Exit 1 when no line carries the id (an input without logs has none).
    finish(&args.report, &[report], errors.count(), !found)
}
