//! `airlock top`: top users, projects, clients per log.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{analyze, emit, options, sanitizer};
use crate::cli::TopArgs;

pub fn run(args: TopArgs) -> anyhow::Result<ExitCode> {
    let opts = options(&args.report, &args.inputs, None, None, &[])?;
    let want = Want {
        top: true,
        ..Want::default()
    };
    let (mut a, errors) = analyze(&args.inputs, &want);
    let sz = sanitizer(&args.report, &args.inputs, &[&a])?;
    let report = Report::top(&mut a, sz.as_ref(), &opts);
    emit(&args.report, &report)?;
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
