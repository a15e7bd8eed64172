//! `airlock compare A B`: two inputs' per-endpoint tables side by side.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{analyze, emit, options, sanitizer};
use crate::cli::CompareArgs;

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let inputs = vec![args.a.clone(), args.b.clone()];
    let opts = options(
        &args.report,
        &inputs,
        Some(args.sort_by),
        None,
        &args.print_fields,
    )?;
    let want = Want {
        stats: true,
        ..Want::default()
    };
    let (mut a, ea) = analyze(std::slice::from_ref(&args.a), &want);
    let (mut b, eb) = analyze(std::slice::from_ref(&args.b), &want);
    let sz = sanitizer(&args.report, &inputs, &[&a, &b])?;
    let report = Report::compare(&mut a, &mut b, sz.as_ref(), &opts);
    emit(&args.report, &report)?;
    Ok(if ea + eb > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
