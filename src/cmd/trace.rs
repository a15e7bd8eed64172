//! `airlock trace ID`: one request (or job) across every log.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{analyze, emit, options, sanitizer};
use crate::cli::TraceArgs;

pub fn run(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let id = args.id.trim();
    anyhow::ensure!(
        id.len() >= 4,
        "trace id {id:?} is too short (at least 4 characters)"
    );
    let opts = options(&args.report, &args.inputs, None, None, &[])?;
    let want = Want {
        trace: Some(id.to_string()),
        ..Want::default()
    };
    // Users and projects are not collected in trace mode (only matching
    // lines are parsed); the sanitizer still finds them by rule in the lines.
    let (mut a, errors) = analyze(&args.inputs, &want);
    let sz = sanitizer(&args.report, &args.inputs, &[&a])?;
    let report = Report::trace(&mut a, id, sz.as_ref(), &opts);
    let found = report.trace.as_ref().is_some_and(|t| !t.hits.is_empty());
    emit(&args.report, &report)?;
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
