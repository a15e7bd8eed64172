//! One module per subcommand. Each turns clap's flags into library calls and
//! returns the exit status it wants.

mod docs;
mod rules;
mod scan;

use std::process::ExitCode;

use airlock::rules::RuleSet;
use anyhow::Context;

use crate::cli::{Cli, Command, RuleArgs, RulesCommand};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(RulesCommand::List { rules, json }) => rules::list(&rules, json),
        Command::Rules(RulesCommand::Check { rules }) => rules::check(&rules),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir.as_deref()),
    }
}

/// Load the rule set the flags ask for.
pub fn load_rules(args: &RuleArgs) -> anyhow::Result<RuleSet> {
    RuleSet::load(&args.rules, args.no_builtin).context("loading rules")
}
