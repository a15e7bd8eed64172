//! `airlock summary`: overview, per-endpoint statistics, failures over time.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{analyze, emit, options, sanitizer};
use crate::cli::SummaryArgs;

pub fn run(args: SummaryArgs) -> anyhow::Result<ExitCode> {
    let opts = options(
        &args.report,
        &args.inputs,
        Some(args.sort_by),
        args.interval.as_deref(),
        &args.print_fields,
    )?;
    let want = Want {
        stats: true,
        errors: true,
        // Tables per interval only when asked for (`--interval`).
        interval_ms: opts.interval_s.map(|s| s as i64 * 1000),
        ..Want::default()
    };
    let (mut a, errors) = analyze(&args.inputs, &want);
    let sz = sanitizer(&args.report, &args.inputs, &[&a])?;
    let report = Report::summary(&mut a, sz.as_ref(), &opts);
    emit(&args.report, &report)?;
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
