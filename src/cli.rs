//! Command-line flags (clap types only). Each command turns its flags into
//! the library's plain types in `cmd::*`; nothing below `cmd` sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// Find, redact and explain what is sensitive in GitLab support bundles —
/// offline, in one pass.
#[derive(Debug, Parser)]
#[command(name = "airlock", version = crate::VERSION.as_str(), propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// No progress bars and no notes on stderr (errors are still printed).
    /// Progress is only ever drawn when stderr is a terminal.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List secrets and identifiers found in files, directories or stdin.
    ///
    /// Archives and gzip are opened as `redact` opens them; a finding inside
    /// one is placed as `path!member:line`. Exit status: 0 nothing found, 1
    /// something found, 2 error or a member that could not be searched.
    Scan(ScanArgs),
    /// Redact a bundle into a copy that is safe to send.
    ///
    /// The output's name decides its form: .tar.gz/.tgz, .tar and .gz give
    /// that form whatever the input's (a directory becomes a tar of its
    /// tree), other names keep the input's form (directory, file, .tar,
    /// .tar.gz, .gz), `-` is stdout; .zip, .xz, .bz2, .zst, .7z are refused.
    /// It is written to an owner-only temporary sibling, verified, and only
    /// then renamed into place with the report and the map. Exit status: 0
    /// written and verified clean, 2 error (nothing is left at the output),
    /// 130/143/129 interrupted (temporaries removed).
    Redact(RedactArgs),
    /// Check a redacted bundle: every finding must be a mask or a pseudonym.
    ///
    /// Exit status: 0 clean, 1 something remains (listed, masked), 2 error.
    Verify(VerifyArgs),
    /// Turn pseudonyms back into originals, with the private map.
    ///
    /// Exit status: 0 every pseudonym found, 1 one is not in the map, 2
    /// error (nothing to look up is a usage error).
    Unmask(UnmaskArgs),
    /// List or check rules (built-in packs and your own).
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Summarise GitLab logs: overview, per-endpoint statistics (fast-stats
    /// columns), failures over time, main errors.
    ///
    /// Reads a bundle directory or archive, log files (gzip too) or stdin
    /// (`-`); several inputs get a report each. Identifiers are replaced and
    /// credentials masked unless `--raw`; a redacted bundle's own
    /// pseudonyms are shown as they are. Exit status: 0 a report, 1 an
    /// input holds no GitLab log, 2 error (nothing written).
    Summary(SummaryArgs),
    /// Exceptions and failures grouped by class and normalised message;
    /// gRPC codes; Sidekiq failures by worker.
    ///
    /// Exit status: 0 a report, 1 an input holds no GitLab log, 2 error.
    Errors(ErrorsArgs),
    /// Top users, projects, client IPs and user agents by request count and
    /// total duration, per log.
    ///
    /// Exit status: 0 a report, 1 an input holds no GitLab log, 2 error.
    Top(TopArgs),
    /// Every line of every log carrying a correlation id (or Sidekiq jid), in
    /// time order.
    ///
    /// Exit status: 0 lines found, 1 none found, 2 error.
    Trace(TraceArgs),
    /// Per-endpoint tables of two inputs side by side, with the change
    /// (B − A) in COUNT, P95 and %FAIL, or the columns `--print-fields` names.
    ///
    /// Exit status: 0 a report, 1 an input holds no GitLab log, 2 error.
    Compare(CompareArgs),
    /// Draft the escalation note: environment, findings most severe first
    /// with `file:line` evidence, a traced failing request.
    ///
    /// Reads what `summary` reads (a raw or redacted bundle, directory or
    /// archive) in one pass, runs the built-in checks (`airlock checks
    /// list`) and those of `--checks`, and says which checks found nothing
    /// and which had no input. Identifiers are replaced and credentials
    /// masked as in the other reports unless `--raw`. Exit status: 0 a
    /// brief, 1 the input holds no GitLab log, 2 error (nothing written).
    Brief(BriefArgs),
    /// List or check the checks of `brief` (built-in and your own).
    #[command(subcommand)]
    Checks(ChecksCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// For bash: `airlock completions bash > /etc/bash_completion.d/airlock`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff), or write one page per command.
    ///
    /// `airlock man | man -l -` reads it; `airlock man --dir /usr/local/share/man/man1`
    /// installs `airlock.1`, `airlock-scan.1`, ….
    Man {
        /// Write `airlock.1` and a page per subcommand into this directory
        /// instead of printing `airlock.1`.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Output options shared by the report commands.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of stdout (whole or not at all: a
    /// report that fails leaves no file).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Print original values (users, IPs, hosts, messages) instead of
    /// pseudonyms. For use on the customer's side only; not needed on a
    /// bundle airlock redacted, whose own pseudonyms and masks every report
    /// shows as they are.
    #[arg(long)]
    pub raw: bool,
    /// The redaction key (as given to `redact --key-file`), so pseudonyms
    /// of original values here match the redacted bundle's. Without it a
    /// random key is used.
    #[arg(long, value_name = "PATH", conflicts_with = "raw")]
    pub key_file: Option<PathBuf>,
    /// Rows per table (0 = all).
    #[arg(short = 'l', long, default_value_t = 10)]
    pub limit: usize,
    #[command(flatten)]
    pub rules: RuleArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Markdown,
    Json,
    Html,
}

/// Columns to sort per-endpoint tables by (descending; `key` ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortColumn {
    Count,
    Rps,
    P99,
    P95,
    Median,
    Max,
    Min,
    Stddev,
    Score,
    Fail,
    Key,
}

/// A statistics column, for `--print-fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FieldName {
    Count,
    Rps,
    P99,
    P95,
    Median,
    Max,
    Min,
    Stddev,
    Score,
    Fail,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Bundle directory, log files or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Sort per-endpoint tables by this column.
    #[arg(long, value_enum, default_value_t = SortColumn::Score)]
    pub sort_by: SortColumn,
    /// Also print one statistics table per interval of this length (`1m`,
    /// `15m`, `1h`, `1d`; aligned to UTC), as fast-stats does; it is the
    /// charts' bucket too (default: chosen from the time span, no tables).
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// Columns of the statistics tables, in this order (KEY always comes
    /// first), e.g. `count,p99,score`. Default: all ten.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FIELD,…")]
    pub print_fields: Vec<FieldName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BriefFormat {
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct BriefArgs {
    /// Bundle directory or archive (raw or redacted), or a log file.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Output format: Markdown for a ticket, one self-contained HTML page,
    /// or JSON.
    #[arg(long, value_enum, default_value_t = BriefFormat::Markdown)]
    pub format: BriefFormat,
    /// Write the brief to FILE instead of stdout (whole or not at all).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Markdown lines at most (0 = no limit): findings are cut, most severe
    /// kept, the environment and the "nothing found" sections never.
    #[arg(short = 'l', long, default_value_t = 150)]
    pub limit: usize,
    /// A checks file (TOML) run after the built-in checks (repeatable).
    #[arg(long = "checks", value_name = "FILE")]
    pub checks: Vec<PathBuf>,
    /// Print original values instead of pseudonyms (customer's side only).
    #[arg(long)]
    pub raw: bool,
    /// The redaction key (as given to `redact --key-file`), so pseudonyms
    /// here match the redacted bundle's.
    #[arg(long, value_name = "PATH", conflicts_with = "raw")]
    pub key_file: Option<PathBuf>,
    /// Do not show a traced failing request per top finding (the requests
    /// are sampled in the same pass either way).
    #[arg(long)]
    pub no_trace: bool,
    #[command(flatten)]
    pub rules: RuleArgs,
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// List checks: id, severity, what they read, title, source.
    List {
        /// Also these checks files (TOML).
        #[arg(long = "checks", value_name = "FILE")]
        checks: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check checks: every file parses, ids are unique, every check gives
    /// the number of findings each of its examples says, through the same
    /// pass as `brief`. Without FILE, the built-in checks.
    ///
    /// Exit status: 0 all good, 1 an example failed, 2 a checks file is
    /// invalid.
    Check {
        /// Checks files to check (instead of the built-in ones).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// Bundle directory, log files or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Time bucket for the failures chart (`1m`, `15m`, `1h`, `1d`).
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Bundle directory, log files or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The correlation id (or Sidekiq jid) to follow.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Bundle directory, log files or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first input (before).
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second input (after).
    #[arg(value_name = "B")]
    pub b: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Sort by this column (the larger of A and B).
    #[arg(long, value_enum, default_value_t = SortColumn::Score)]
    pub sort_by: SortColumn,
    /// Columns to compare, in this order: each shows A, B and B − A.
    /// Default: count,p95,fail.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FIELD,…")]
    pub print_fields: Vec<FieldName>,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// A bundle directory, a file (.tar, .tar.gz, .gz, a log), a FIFO or
    /// `<(…)`, or `-` for stdin.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Where to write the redacted copy; `-` for stdout. The name decides the
    /// form: .tar.gz/.tgz, .tar, .gz, or the input's for any other name.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: PathBuf,
    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub force: bool,
    /// Use the key in this file, or create it (mode 0600). Without it a new
    /// random key is used and pseudonyms differ from run to run.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Write the private map (original → pseudonym, mode 0600) here; an
    /// existing map made with the same key is reused. Refused inside OUTPUT.
    #[arg(long, value_name = "PATH")]
    pub map: Option<PathBuf>,
    /// Write a JSON report (counts, left-out members, rule packs; no values).
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Scan binary members as bytes and keep them (default: leave them out).
    #[arg(long)]
    pub keep_binary: bool,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// gzip level for re-compressed members: 1 (fastest; the default, as the
    /// bundle is usually compressed again for upload) to 9 (smallest).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub level: u32,
    /// Largest decompressed size of one member, in MiB (gzip bombs).
    #[arg(long, value_name = "MIB", default_value_t = 64 * 1024)]
    pub max_member_mib: u64,
    /// Threads (0: one per core). The output is the same for any number.
    #[arg(short = 'j', long, default_value_t = 0)]
    pub jobs: usize,
    /// Chunk size in bytes (results do not depend on it).
    #[arg(long, hide = true, default_value_t = 1 << 20)]
    pub chunk_size: usize,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A redacted bundle (directory or file) or `-` for stdin.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Also search for every original value in this map.
    #[arg(long, value_name = "PATH")]
    pub map: Option<PathBuf>,
    /// Threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub jobs: usize,
    #[command(flatten)]
    pub rules: RuleArgs,
}

#[derive(Debug, Args)]
pub struct UnmaskArgs {
    /// Pseudonyms to look up (`244.17.93.208`, `user-7hq2xk0p`, a host name).
    /// One at least, unless `--file` is given.
    #[arg(value_name = "PSEUDONYM", required_unless_present = "file")]
    pub pseudonyms: Vec<String>,
    /// The private map written by `redact --map`.
    #[arg(long, value_name = "PATH", required = true)]
    pub map: PathBuf,
    /// Print this file with every pseudonym of the map replaced by its original.
    #[arg(long, value_name = "FILE", conflicts_with = "pseudonyms")]
    pub file: Option<PathBuf>,
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
    /// Also list, for review, what the independent detector of `verify`
    /// finds where no rule does: random-looking values after a
    /// secret-named key, flag or header (rule `suspicious`; location and
    /// length, never the value). They count as findings (exit status 1).
    #[arg(long)]
    pub suspicious: bool,
    /// Kept for scripts: inputs are read as streams through the bundle
    /// reader (only `--profile-rules` maps files).
    #[arg(long, hide = true)]
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
