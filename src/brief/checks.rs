//! Checks as data: the TOML shape of a checks file, its validation (errors
//! at `file:line:col`), the built-in checks embedded from `rules/checks/`,
//! and `checks check`, which runs every check on its own examples through
//! the same pass and evaluation as `brief`.
//!
//! A check says what it reads and the condition; it does not hold code.
//! Four kinds of reading cover the findings, and rejected more
//! general designs (an expression language, per-check Rust) would make a
//! team's own check harder to write and to test:
//!
//! * `lines`: a regex on the lines of the files `files` names (command
//!   outputs such as `gitlab_status`, `df_hT`, `dmesg`, or a log such as
//!   `postgresql/current`); optional numeric condition on its `n` group
//!   (`at_least` / `at_most`, as a percentage of the `of` group when there
//!   is one), or a date condition (`within_days`: the `n` group is a date,
//!   found when it is at most that many days after the time the output was
//!   taken, which a `now` group of another matched line tells, else the
//!   last time the logs cover);
//! * `window`: minutes of the logs of `kinds` whose failures reach
//!   `per_minute` and `factor` times the median minute (spikes);
//! * `by`: failures of the logs of `kinds` grouped by gRPC `code`, endpoint
//!   `key` or error `class`, each group with `at_least` failures;
//! * `slow`: endpoints of the logs of `kinds` whose P95 is `at_least` ms over
//!   `min_count` requests.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::meta::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::rules::{LineIndex, Location};
use crate::summary::evidence::{Probe, ProbeItem};

/// The built-in checks, embedded: (shown name, contents).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "rules/checks/host.toml",
        include_str!("../../rules/checks/host.toml"),
    ),
    (
        "rules/checks/logs.toml",
        include_str!("../../rules/checks/logs.toml"),
    ),
];

/// Largest compiled regex of a check (the NFA): a line regex runs on every
/// line of the files it names, so a pattern that compiles to megabytes is a
/// mistake, not a need (the rules engine uses the same order of limit).
const CHECK_NFA_LIMIT: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksFile {
    #[serde(default, rename = "check")]
    checks: Vec<Spanned<CheckSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSpec {
    id: Spanned<String>,
    title: String,
    severity: Spanned<String>,
    reads: Spanned<String>,
    #[serde(default)]
    files: Vec<Spanned<String>>,
    #[serde(default)]
    pattern: Option<Spanned<String>>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    by: Option<Spanned<String>>,
    #[serde(default)]
    only: Vec<String>,
    #[serde(default)]
    at_least: Option<f64>,
    #[serde(default)]
    at_most: Option<f64>,
    #[serde(default)]
    within_days: Option<f64>,
    #[serde(default)]
    per_minute: Option<f64>,
    #[serde(default)]
    factor: Option<f64>,
    #[serde(default)]
    min_count: Option<u64>,
    sentence: String,
    #[serde(default, rename = "example")]
    examples: Vec<Spanned<ExampleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleSpec {
    file: String,
    text: String,
    findings: usize,
}

/// How bad a finding is; findings are listed most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The dimension a `by` check groups failures by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Code,
    Key,
    Class,
}

/// What a check reads, and its condition.
#[derive(Clone, Debug)]
pub enum Reads {
    Lines {
        files: Vec<String>,
        pattern: String,
        at_least: Option<f64>,
        at_most: Option<f64>,
        /// The `n` group is a date `YYYY-MM-DD`, found within this many days
        /// of the output's time (negative: that long past).
        within_days: Option<f64>,
    },
    Window {
        kinds: Vec<String>,
        per_minute: f64,
        factor: f64,
    },
    By {
        kinds: Vec<String>,
        dim: Dim,
        only: Vec<String>,
        at_least: u64,
    },
    Slow {
        kinds: Vec<String>,
        p95_ms: f64,
        min_count: u64,
    },
}

#[derive(Clone, Debug)]
pub struct Example {
    pub at: Location,
    pub file: String,
    pub text: String,
    pub findings: usize,
}

/// A checked check.
#[derive(Clone, Debug)]
pub struct Check {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub reads: Reads,
    pub sentence: String,
    pub at: Location,
    pub examples: Vec<Example>,
}

/// An error in a checks file. Always names where, and the check when there
/// is one.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{path}: cannot read checks: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{at}: {}{msg}", .check.as_ref().map(|c| format!("check {c}: ")).unwrap_or_default())]
    Invalid {
        at: Location,
        check: Option<String>,
        msg: String,
    },
}

/// The checks `brief` runs, in file order.
#[derive(Clone, Debug, Default)]
pub struct CheckSet {
    pub checks: Vec<Check>,
}

impl CheckSet {
    /// The built-in checks, then each file of `extra` (a team's own).
    pub fn load(extra: &[PathBuf]) -> Result<CheckSet, CheckError> {
        let mut set = CheckSet::default();
        for (name, text) in BUILTIN {
            set.add_text(name, text)?;
        }
        for p in extra {
            set.add_file(p)?;
        }
        Ok(set)
    }

    /// Only the checks of `files` (no built-ins).
    pub fn load_only(files: &[PathBuf]) -> Result<CheckSet, CheckError> {
        let mut set = CheckSet::default();
        for p in files {
            set.add_file(p)?;
        }
        Ok(set)
    }

    fn add_file(&mut self, p: &Path) -> Result<(), CheckError> {
        let text = std::fs::read_to_string(p).map_err(|source| CheckError::Io {
            path: p.to_path_buf(),
            source,
        })?;
        self.add_text(&p.display().to_string(), &text)
    }

    /// Parse and check one file's text, shown as `name` in errors.
    pub fn add_text(&mut self, name: &str, text: &str) -> Result<(), CheckError> {
        let file: ChecksFile = toml::from_str(text).map_err(|e| CheckError::Invalid {
            at: Location::at(name, text, e.span().map_or(0, |s| s.start)),
            check: None,
            msg: e.message().trim().to_string(),
        })?;
        let lines = LineIndex::new(text);
        for spanned in file.checks {
            let at = lines.location(name, spanned.span().start);
            let check = compile(name, &lines, at, spanned.into_inner())?;
            if let Some(prev) = self.checks.iter().find(|c| c.id == check.id) {
                return Err(CheckError::Invalid {
                    at: check.at.clone(),
                    check: Some(check.id.clone()),
                    msg: format!("id already used at {}", prev.at),
                });
            }
            self.checks.push(check);
        }
        Ok(())
    }

    /// The probe the pass runs for the `lines` checks, and for each check
    /// its probe item.
    pub fn probe(&self) -> (Probe, Vec<Option<usize>>) {
        let mut items = Vec::new();
        let mut of_check = Vec::new();
        for c in &self.checks {
            match &c.reads {
                Reads::Lines { files, pattern, .. } => {
                    of_check.push(Some(items.len()));
                    // Compiled when loaded: these cannot fail here.
                    items.push(ProbeItem {
                        files: globs(files).expect("checked when loaded"),
                        regex: regex(pattern).expect("checked when loaded"),
                    });
                }
                _ => of_check.push(None),
            }
        }
        (Probe { items }, of_check)
    }
}

/// File globs: a bare name or a relative path matches at any depth.
fn globs(files: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for f in files {
        let g = if f.starts_with('/') || f.starts_with("**") {
            f.clone()
        } else {
            format!("**/{f}")
        };
        b.add(Glob::new(&g)?);
    }
    b.build()
}

fn regex(p: &str) -> Result<Regex, String> {
    Regex::builder()
        .configure(Regex::config().nfa_size_limit(Some(CHECK_NFA_LIMIT)))
        .build(p)
        .map_err(|e| e.to_string().replace('\n', " "))
}

fn compile(
    name: &str,
    lines: &LineIndex<'_>,
    at: Location,
    s: CheckSpec,
) -> Result<Check, CheckError> {
    let id = s.id.get_ref().clone();
    let loc = |span: std::ops::Range<usize>| lines.location(name, span.start);
    let bad = |l: Location, msg: String| CheckError::Invalid {
        at: l,
        check: Some(id.clone()),
        msg,
    };
    let id_ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(bad(
            loc(s.id.span()),
            "id must be lowercase letters, digits, `-` or `_`".into(),
        ));
    }
    let severity = match s.severity.get_ref().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        other => {
            return Err(bad(
                loc(s.severity.span()),
                format!("unknown severity {other:?} (critical, high, medium, low)"),
            ))
        }
    };
    let need_kinds = |what: &str| -> Result<Vec<String>, CheckError> {
        if s.kinds.is_empty() {
            Err(bad(
                loc(s.reads.span()),
                format!("`reads = \"{what}\"` needs `kinds` (log kinds such as production_json)"),
            ))
        } else {
            Ok(s.kinds.clone())
        }
    };
    if s.within_days.is_some() && s.reads.get_ref() != "lines" {
        return Err(bad(
            loc(s.reads.span()),
            "`within_days` applies to `reads = \"lines\"` only".into(),
        ));
    }
    let reads = match s.reads.get_ref().as_str() {
        "lines" => {
            let Some(p) = &s.pattern else {
                return Err(bad(
                    loc(s.reads.span()),
                    "`reads = \"lines\"` needs `pattern`".into(),
                ));
            };
            if s.files.is_empty() {
                return Err(bad(
                    loc(s.reads.span()),
                    "`reads = \"lines\"` needs `files`".into(),
                ));
            }
            let re = regex(p.get_ref())
                .map_err(|e| bad(loc(p.span()), format!("invalid pattern: {e}")))?;
            let names: Vec<&str> = re
                .group_info()
                .pattern_names(regex_automata::PatternID::ZERO)
                .flatten()
                .collect();
            if (s.at_least.is_some() || s.at_most.is_some()) && !names.contains(&"n") {
                return Err(bad(
                    loc(p.span()),
                    "`at_least`/`at_most` need a `(?P<n>…)` group in the pattern".into(),
                ));
            }
            if s.within_days.is_some() {
                if !names.contains(&"n") {
                    return Err(bad(
                        loc(p.span()),
                        "`within_days` needs a `(?P<n>…)` group (a date) in the pattern".into(),
                    ));
                }
                if s.at_least.is_some() || s.at_most.is_some() {
                    return Err(bad(
                        loc(s.reads.span()),
                        "`within_days` is a date condition; it does not go with `at_least`/`at_most`"
                            .into(),
                    ));
                }
            }
            let files: Vec<String> = s.files.iter().map(|f| f.get_ref().clone()).collect();
            for f in &s.files {
                Glob::new(f.get_ref())
                    .map_err(|e| bad(loc(f.span()), format!("invalid glob: {}", e.kind())))?;
            }
            Reads::Lines {
                files,
                pattern: p.get_ref().clone(),
                at_least: s.at_least,
                at_most: s.at_most,
                within_days: s.within_days,
            }
        }
        "window" => Reads::Window {
            kinds: need_kinds("window")?,
            per_minute: s.per_minute.unwrap_or(10.0),
            factor: s.factor.unwrap_or(5.0),
        },
        "by" => {
            let dim = match s.by.as_ref().map(|b| b.get_ref().as_str()) {
                Some("code") => Dim::Code,
                Some("key") => Dim::Key,
                Some("class") => Dim::Class,
                _ => {
                    let span = s.by.as_ref().map_or(s.reads.span(), |b| b.span());
                    return Err(bad(
                        loc(span),
                        "`reads = \"by\"` needs `by = \"code\"`, `\"key\"` or `\"class\"`".into(),
                    ));
                }
            };
            Reads::By {
                kinds: need_kinds("by")?,
                dim,
                only: s.only.clone(),
                at_least: s.at_least.unwrap_or(1.0).max(1.0) as u64,
            }
        }
        "slow" => Reads::Slow {
            kinds: need_kinds("slow")?,
            p95_ms: s.at_least.ok_or_else(|| {
                bad(
                    loc(s.reads.span()),
                    "`reads = \"slow\"` needs `at_least` (P95 in ms)".into(),
                )
            })?,
            min_count: s.min_count.unwrap_or(20),
        },
        other => {
            return Err(bad(
                loc(s.reads.span()),
                format!("unknown `reads = {other:?}` (lines, window, by, slow)"),
            ))
        }
    };
    if s.examples.is_empty() {
        return Err(bad(at, "a check needs at least one example".into()));
    }
    let examples = s
        .examples
        .into_iter()
        .map(|e| {
            let at = loc(e.span());
            let e = e.into_inner();
            Example {
                at,
                file: e.file,
                text: e.text,
                findings: e.findings,
            }
        })
        .collect();
    Ok(Check {
        id,
        title: s.title,
        severity,
        reads,
        sentence: s.sentence,
        at,
        examples,
    })
}

/// A check whose example gave another number of findings than it says.
#[derive(Debug)]
pub struct ExampleFailure {
    pub at: Location,
    pub check: String,
    pub msg: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: check {}: {}", self.at, self.check, self.msg)
    }
}

/// Run every check on each of its examples, alone, through the same pass
/// (`Analysis::read_named`) and evaluation as `brief`.
pub fn check_examples(set: &CheckSet) -> Vec<ExampleFailure> {
    let mut out = Vec::new();
    for c in &set.checks {
        let one = CheckSet {
            checks: vec![c.clone()],
        };
        for (i, e) in c.examples.iter().enumerate() {
            let got = super::run_on_text(&one, &e.file, &e.text).len();
            if got != e.findings {
                out.push(ExampleFailure {
                    at: e.at.clone(),
                    check: c.id.clone(),
                    msg: format!(
                        "example {} ({}): expected {} finding(s), got {got}",
                        i + 1,
                        e.file,
                        e.findings
                    ),
                });
            }
        }
    }
    out
}
