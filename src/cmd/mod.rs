//! One module per subcommand. Each turns clap's flags into library calls and
//! returns the exit status it wants.

mod brief;
mod checks;
mod compare;
mod docs;
mod errors;
pub mod redact;
mod report;
mod rules;
mod scan;
mod summary;
mod top;
mod trace;
mod unmask;
mod verify;

use std::process::ExitCode;

use airlock::rules::RuleSet;

use crate::cli::{ChecksCommand, Cli, Command, RuleArgs, RulesCommand};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Scan(args) => scan::run(args, quiet),
        Command::Redact(args) => redact::run(args, quiet),
        Command::Verify(args) => verify::run(args, quiet),
        Command::Unmask(args) => unmask::run(args),
        Command::Rules(RulesCommand::List { rules, json }) => rules::list(&rules, json),
        Command::Rules(RulesCommand::Check { rules }) => rules::check(&rules),
        Command::Summary(args) => summary::run(args),
        Command::Errors(args) => errors::run(args),
        Command::Top(args) => top::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Brief(args) => brief::run(args),
        Command::Checks(ChecksCommand::List { checks, json }) => checks::list(&checks, json),
        Command::Checks(ChecksCommand::Check { files }) => checks::check(&files),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir.as_deref()),
    }
}

/// Load the rule set the flags ask for. A rule error's message already
/// names its cause (`…: cannot read rules: No such file or directory`), so
/// it is not chained again (main prints the chain).
pub fn load_rules(args: &RuleArgs) -> anyhow::Result<RuleSet> {
    RuleSet::load(&args.rules, args.no_builtin).map_err(|e| anyhow::anyhow!("loading rules: {e}"))
}

/// `--jobs 0` means one thread per core.
pub fn jobs(n: usize) -> usize {
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}
