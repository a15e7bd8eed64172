//! `airlock top`: top users, projects, clients per log.

use std::process::ExitCode;

use airlock::summary::{Report, Want};

use super::report::{options, per_input};
use crate::cli::TopArgs;

pub fn run(args: TopArgs) -> anyhow::Result<ExitCode> {
    let opts = options(&args.report, &args.inputs, None, None, &[])?;
    let want = Want {
        top: true,
        ..Want::default()
    };
    per_input(&args.report, &args.inputs, &want, &opts, Report::top)
}
