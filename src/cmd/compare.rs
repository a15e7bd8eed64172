//! `airlock compare A B`: two inputs' per-endpoint tables side by side.

use std::process::ExitCode;

use airlock::summary::{Analysis, Report, Want};

use super::report::{analyze, check_output, finish, no_log_note, options, sanitizer};
use crate::cli::CompareArgs;

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    check_output(&args.report)?;
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
    let (analyzed, errors) = analyze(&inputs, &want);
    let mut sides: Vec<Analysis> = analyzed.into_iter().map(|x| x.analysis).collect();
    let all: Vec<&Analysis> = sides.iter().collect();
    let sz = sanitizer(&args.report, &inputs, &all)?;
    errors.print(sz.as_ref());
    if errors.count() > 0 || sides.len() != 2 {
        return finish(&args.report, &[], errors.count().max(1), false);
    }
    let notes: Vec<String> = sides
        .iter()
        .zip(&inputs)
        .filter(|(a, _)| !a.has_logs())
        .map(|(a, p)| no_log_note(&sz.text(&p.display().to_string()), a))
        .collect();
    let (a, b) = sides.split_at_mut(1);
    let mut report = Report::compare(&mut a[0], &mut b[0], sz.as_ref(), &opts);
    let no_logs = !notes.is_empty();
    report.alerts.extend(notes);
    finish(&args.report, &[report], errors.count(), no_logs)
}
