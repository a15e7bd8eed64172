//! The `airlock` binary: parse flags, run a command, turn the outcome into an
//! exit status. Errors are printed once, here.

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser as _;

/// `--version` text: the crate version and the built-in rule packs.
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(version_line);

fn version_line() -> String {
    let packs = airlock::rules::RuleSet::builtin_pack_versions()
        .map(|packs| {
            packs
                .iter()
                .map(|(name, version)| format!("{name} {version}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|e| format!("built-in rules invalid: {e}"));
    format!("{} (rules: {packs})", env!("CARGO_PKG_VERSION"))
}

fn main() -> ExitCode {
    // A panic message built with format! could hold bytes of the input:
    // print only static messages, and where it happened.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&'static str>()
            .copied()
            .unwrap_or("(details withheld: they may contain input data)");
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!("airlock: internal error{at}: {msg}. This is a bug; please report it.");
    }));
    // Paths on the command line carry names (`gitlabsos.<host>_…`, a rules
    // file named after a token): every message goes through a redactor that
    // knows them, argument errors included.
    let argv: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let paths: Vec<&std::path::Path> = argv.iter().map(|p| p.as_path()).collect();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            eprint!(
                "{}",
                airlock::pipeline::messages::scrub(&e.render().to_string(), &paths)
            );
            return ExitCode::from(2);
        }
    };
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let text = format!("{err:#}");
            eprintln!(
                "airlock: {}",
                airlock::scan::escape_for_terminal(&airlock::pipeline::messages::scrub(
                    &text, &paths
                ))
            );
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
