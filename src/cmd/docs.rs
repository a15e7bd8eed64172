//! `airlock completions SHELL` and `airlock man`: shell completions and
//! manual pages generated from the clap definitions in `cli.rs`, so they
//! always match the flags of the binary that prints them. The binary is the
//! only thing an air-gapped host receives; it carries its own documentation.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

pub fn completions(shell: Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "airlock", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match dir {
        None => {
            let mut out = Vec::new();
            page(cmd).render(&mut out)?;
            std::io::stdout().lock().write_all(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create directory", dir.display()))?;
            let mut cmd = cmd;
            // Building sets each subcommand's display name (`airlock-scan`),
            // which names its page.
            cmd.build();
            write_pages(&cmd, dir)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn page(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd)
        .source(format!("airlock {}", env!("CARGO_PKG_VERSION")))
        .manual("airlock manual")
}

/// `airlock.1`, then `airlock-<sub>.1` for every (nested) subcommand.
fn write_pages(cmd: &clap::Command, dir: &Path) -> anyhow::Result<()> {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name());
    let path = dir.join(format!("{name}.1"));
    let mut out = Vec::new();
    page(cmd.clone()).render(&mut out)?;
    std::fs::write(&path, out).with_context(|| format!("{}: cannot write", path.display()))?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            write_pages(sub, dir)?;
        }
    }
    Ok(())
}
