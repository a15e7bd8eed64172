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
            render(&cmd, "airlock", &mut out)?;
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

/// The page of `cmd` (called `name`: `airlock`, `airlock-rules-check`):
/// clap_mangen's sections, then EXIT STATUS and EXAMPLES, which clap does
/// not know, from [`EXIT_STATUS`] and [`EXAMPLES`].
fn render(cmd: &clap::Command, name: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = page(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(out)?;
    }
    let sub = name
        .strip_prefix("airlock")
        .unwrap_or(name)
        .trim_start_matches('-');
    let key = if sub.is_empty() { "airlock" } else { sub };
    if let Some((_, rows)) = EXIT_STATUS.iter().find(|(k, _)| *k == key) {
        out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
        for (code, what) in *rows {
            out.extend_from_slice(format!(".TP\n{code}\n{}\n", roff_text(what)).as_bytes());
        }
    }
    let examples: Vec<&(&str, &str, &str)> =
        EXAMPLES.iter().filter(|(k, _, _)| *k == key).collect();
    if !examples.is_empty() {
        out.extend_from_slice(b".SH EXAMPLES\n");
        for (_, line, what) in examples {
            out.extend_from_slice(
                format!(".TP\n\\fB{}\\fR\n{}\n", roff_text(line), roff_text(what)).as_bytes(),
            );
        }
    }
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// Text for a roff line: `-` is a minus sign, `\` an escape, and a line
/// may not start with `.` or `'` (a request).
fn roff_text(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// Exit statuses, per page (`airlock` for the main page, else the
/// subcommand path: `rules-check`). They say what each command does.
const EXIT_STATUS: &[(&str, &[(u8, &str)])] = &[
    (
        "airlock",
        &[
            (0, "Success: nothing found (scan), written and verified (redact), clean (verify), a report written."),
            (1, "Something found: findings (scan), leaks (verify), a failed rule check (rules check), an input without a GitLab log (reports), no line with the id (trace), a pseudonym not in the map (unmask)."),
            (2, "Error, including usage errors; redact and the reports leave nothing at their output."),
        ],
    ),
    ("scan", &[(0, "Nothing found."), (1, "Something found."), (2, "Error.")]),
    ("redact", &[(0, "Written and verified clean."), (2, "Error: nothing is left at the output.")]),
    ("verify", &[(0, "Clean: every finding is a mask or a pseudonym."), (1, "Something remains (listed, masked)."), (2, "Error.")]),
    ("unmask", &[(0, "Every pseudonym was found in the map."), (1, "A pseudonym is not in the map."), (2, "Error, or nothing to look up (a usage error).")]),
    ("rules", &[(0, "Listed, or every rule passed."), (1, "rules check: a check failed."), (2, "A rules file is invalid.")]),
    ("rules-list", &[(0, "Listed."), (2, "A rules file is invalid.")]),
    ("rules-check", &[(0, "Every rule passed."), (1, "A check failed (an example not matched, a negative example matched)."), (2, "A rules file is invalid (unknown key, a pattern that does not compile).")]),
    ("summary", &[(0, "A report."), (1, "An input holds no GitLab log (the report says so)."), (2, "Error: an input or member could not be read; nothing is written.")]),
    ("errors", &[(0, "A report."), (1, "An input holds no GitLab log (the report says so)."), (2, "Error: nothing is written.")]),
    ("top", &[(0, "A report."), (1, "An input holds no GitLab log (the report says so)."), (2, "Error: nothing is written.")]),
    ("trace", &[(0, "Lines carrying the id were found."), (1, "No line carries the id."), (2, "Error: nothing is written.")]),
    ("compare", &[(0, "A report."), (1, "A side holds no GitLab log (the report says so)."), (2, "Error: nothing is written.")]),
    ("brief", &[(0, "A brief (with or without findings)."), (1, "The input holds no GitLab log (the brief says so)."), (2, "Error: the input, a member or a checks file could not be read; nothing is written.")]),
    ("checks", &[(0, "Listed, or every example gave its findings."), (1, "checks check: an example failed."), (2, "A checks file is invalid.")]),
    ("checks-list", &[(0, "Listed."), (2, "A checks file is invalid.")]),
    ("checks-check", &[(0, "Every check gave the findings each of its examples states."), (1, "An example failed."), (2, "A checks file is invalid (syntax, unknown key or value, a pattern that does not compile), named at file:line:col.")]),
    ("completions", &[(0, "The script was printed."), (2, "Error (an unknown shell).")]),
    ("man", &[(0, "The page(s) were written."), (2, "Error.")]),
];

/// (page, command line, what it does).
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("airlock", "airlock redact gitlabsos.gitlab01_20261120134410.tar.gz -o clean.tar.gz", "The customer: redact a bundle into a verified copy that is safe to send."),
    ("airlock", "airlock verify clean.tar.gz", "Check a redacted bundle again."),
    ("airlock", "airlock summary clean.tar.gz --format html -o summary.html", "The support engineer: a report of the redacted bundle, naming users and hosts as the bundle does."),
    ("airlock", "airlock brief clean.tar.gz", "The escalation note: environment, findings most severe first with file:line evidence."),
    ("scan", "airlock scan gitlabsos.gitlab01_20261120134410/", "List what would be redacted, without changing anything."),
    ("scan", "journalctl -u gitlab | airlock scan - --format json", "Scan stdin; findings as JSON."),
    ("redact", "airlock redact bundle.tar.gz -o clean.tar.gz --key-file acme.key --map acme.map", "Keep the key for the same pseudonyms next time, and the private map to unmask them."),
    ("redact", "airlock redact /var/log/gitlab -o /tmp/clean-logs", "A directory to a directory."),
    ("verify", "airlock verify clean.tar.gz --map acme.map", "Also search the redacted copy for every original value in the map."),
    ("unmask", "airlock unmask --map acme.map 243.107.59.241 user-skgmnass", "Which real values are these pseudonyms?"),
    ("unmask", "airlock unmask --map acme.map --file summary.md", "A whole report with pseudonyms replaced by originals (customer side)."),
    ("rules", "airlock rules list", "The built-in rules."),
    ("rules", "airlock rules check --rules acme.toml", "Check your rules against their examples."),
    ("rules-list", "airlock rules list --rules acme.toml", "Every rule in effect, with yours."),
    ("rules-check", "airlock rules check --rules rules.d/", "Check your rules against their examples."),
    ("summary", "airlock summary clean.tar.gz", "Overview, per-endpoint tables and errors of a bundle."),
    ("summary", "airlock summary production_json.log --interval 1h --print-fields count,p99,score", "One table per hour, three columns, as fast-stats prints them."),
    ("summary", "airlock summary node1.tar.gz node2.tar.gz --format markdown > summary.md", "A report per node, ready to paste into a ticket."),
    ("errors", "airlock errors clean.tar.gz --limit 0", "Every error group."),
    ("top", "airlock top clean.tar.gz --format json", "Top users, projects and clients as data."),
    ("trace", "airlock trace 01GYDSAKAN2SPZPAMJNRWW5H8S node1.tar.gz node2.tar.gz", "One request through every log of both nodes, in time order."),
    ("compare", "airlock compare before/ after/ --print-fields count,p95,p99,fail", "What changed between two bundles."),
    ("brief", "airlock brief clean.tar.gz > brief.md", "The escalation note of a redacted bundle, ready for the ticket."),
    ("brief", "airlock brief gitlabsos.gitlab01_20261120134410.tar.gz --key-file acme.key --format html -o brief.html", "The customer drafts it from the raw bundle, with the same pseudonyms as the redacted one."),
    ("brief", "airlock brief clean.tar.gz --checks team.toml --format json", "With the team's own checks, as data."),
    ("checks", "airlock checks list", "The built-in checks."),
    ("checks-list", "airlock checks list --checks team.toml --json", "Every check in effect, with the team's."),
    ("checks-check", "airlock checks check team.toml", "Run a checks file against its own examples."),
    ("completions", "airlock completions bash > /etc/bash_completion.d/airlock", "Install bash completion."),
    ("man", "airlock man --dir /usr/local/share/man/man1", "Install the manual pages."),
];

/// `airlock.1`, then `airlock-<sub>.1` for every (nested) subcommand.
fn write_pages(cmd: &clap::Command, dir: &Path) -> anyhow::Result<()> {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name());
    let path = dir.join(format!("{name}.1"));
    let mut out = Vec::new();
    render(cmd, name, &mut out)?;
    std::fs::write(&path, out).with_context(|| format!("{}: cannot write", path.display()))?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            write_pages(sub, dir)?;
        }
    }
    Ok(())
}
