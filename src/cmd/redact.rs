//! `airlock redact`: flags → [`airlock::pipeline::Config`] → run → print →
//! exit status. The pipeline itself (paths, temporaries, learn → redact →
//! verify → commit) lives in the library; every message it returns has
//! been through the run's redactor.

use std::process::ExitCode;

use airlock::pipeline::{Config, Error, Job};
use airlock::progress::Bars;
use airlock::scan::escape_for_terminal;

use super::load_rules;
use crate::cli::RedactArgs;

pub fn run(args: RedactArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = load_rules(&args.rules)?;
    let config = Config {
        input: args.input,
        output: args.output,
        force: args.force,
        key_file: args.key_file,
        map: args.map,
        report: args.report,
        keep_binary: args.keep_binary,
        level: args.level,
        max_member_bytes: args.max_member_mib.saturating_mul(1 << 20),
        jobs: super::jobs(args.jobs),
        chunk_size: args.chunk_size,
    };
    let progress = Bars::for_stderr(quiet);
    let say = |note: &str| {
        if !quiet {
            eprintln!("airlock: {}", escape_for_terminal(note));
        }
    };
    match Job::new(config, &set).run(progress.as_ref(), &say) {
        Ok(outcome) => {
            if !quiet {
                eprint!("{}", outcome.report.summary());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if let Error::Remains(leaks) = &e {
                for l in leaks.iter().take(20) {
                    eprintln!(
                        "airlock: remains: {}:{}:{}: {} [{}] {}",
                        escape_for_terminal(&l.member),
                        l.line,
                        l.col,
                        l.rule,
                        l.category,
                        l.preview
                    );
                }
                if leaks.len() > 20 {
                    eprintln!("airlock: remains: … and {} more", leaks.len() - 20);
                }
            }
            // Already redacted: printed as is by main.
            Err(anyhow::Error::new(e))
        }
    }
}
