//! `airlock errors`: exceptions and failures grouped, gRPC codes, Sidekiq
//! failures.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{options, per_input};
use crate::cli::ErrorsArgs;

pub fn run(args: ErrorsArgs) -> anyhow::Result<ExitCode> {
    let opts = options(
        &args.report,
        &args.inputs,
        None,
        args.interval.as_deref(),
        &[],
    )?;
    let want = Want {
        errors: true,
        ..Want::default()
    };
    per_input(&args.report, &args.inputs, &want, &opts, Report::errors)
}
