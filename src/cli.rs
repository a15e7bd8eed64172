//! Command-line flags (clap types only). Each command turns its flags into
//! the library's plain types in `cmd::*`; nothing below `cmd` sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find, redact and explain what is sensitive in GitLab support bundles —
/// offline, in one pass.
#[derive(Debug, Parser)]
#[command(name = "airlock", version = crate::VERSION.as_str(), propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List secrets and identifiers found in files, directories or stdin.
    ///
    /// Exit status: 0 nothing found, 1 something found, 2 error.
    Scan(ScanArgs),
    /// List or check rules (built-in packs and your own).
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// Which rules to use; shared by every command that detects.
#[derive(Debug, Args, Clone)]
pub struct RuleArgs {
    /// A rules file, or a directory of `*.toml` rules files, loaded after the
    /// built-in packs (repeatable).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in packs.
    #[arg(long)]
    pub no_builtin: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Read files with plain reads instead of memory maps.
    #[arg(long)]
    pub no_mmap: bool,
    /// Threads to use (across files, and across parts of large files);
    /// 0 means one per CPU. Output is the same for any value.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Print, on stderr, the time and matches of each rule searched on its
    /// own over the inputs (a slow-rule finder for rule authors; the scan
    /// itself is unchanged).
    #[arg(long)]
    pub profile_rules: bool,
    /// Chunk size in bytes for streamed input (results do not depend on it).
    #[arg(long, hide = true, default_value_t = 1 << 20)]
    pub chunk_size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List rules: id, category, description, source file.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check rules: every rule compiles, matches each of its examples
    /// completely and none of its negative examples; ids are unique.
    ///
    /// Exit status: 0 all good, 1 a check failed, 2 a rules file is invalid.
    Check {
        #[command(flatten)]
        rules: RuleArgs,
    },
}
