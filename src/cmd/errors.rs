//! `airlock errors`: exceptions and failures grouped, gRPC codes, Sidekiq
//! failures.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{analyze, emit, options, sanitizer};
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
    let (mut a, errors) = analyze(&args.inputs, &want);
    let sz = sanitizer(&args.report, &args.inputs, &[&a])?;
    let report = Report::errors(&mut a, sz.as_ref(), &opts);
    emit(&args.report, &report)?;
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
