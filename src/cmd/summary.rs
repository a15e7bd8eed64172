//! `airlock summary`: overview, per-endpoint statistics, failures over time.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{options, per_input};
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
    per_input(&args.report, &args.inputs, &want, &opts, Report::summary)
}
