//! The redaction report: an audit trail that is safe to share. Counts per
//! file and rule, what was left out and why, which rules ran (with hashes),
//! the key's fingerprint — and never an original value: paths are the
//! redacted names.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use super::{Counts, Redactor};
use crate::bundle::{LeftOut, Member, Transform};
use crate::rules::RuleSet;

#[derive(Debug, Serialize, Clone)]
pub struct FileReport {
    pub path: String,
    pub replacements: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Clone)]
pub struct LeftOutReport {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct PackReport {
    pub name: String,
    pub version: String,
    pub source: String,
    pub sha256: String,
}

#[derive(Debug, Serialize, Default)]
pub struct Totals {
    /// Entries read from the input (counted by the traversal): the input
    /// itself unless a directory, every file, every archive member. Every
    /// one is a file written, an archive opened, a link reproduced or left
    /// out: `members_read = files + archives + links + left_out`.
    pub members_read: u64,
    pub archives: u64,
    pub links: u64,
    pub files: usize,
    pub files_changed: usize,
    pub replacements: u64,
    pub by_rule: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    pub left_out: usize,
    pub pseudonym_collisions: u64,
}

#[derive(Debug, Serialize, Default)]
pub struct VerificationReport {
    pub clean: bool,
    pub leaks: usize,
    pub unverifiable: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub airlock_version: String,
    pub input: String,
    pub output: String,
    pub key_fingerprint: String,
    /// `file` (from `--key-file`) or `random` (made for this run only).
    pub key_source: String,
    pub packs: Vec<PackReport>,
    pub learned: BTreeMap<String, usize>,
    pub files: Vec<FileReport>,
    pub left_out: Vec<LeftOutReport>,
    pub totals: Totals,
    pub verification: VerificationReport,
    /// Where the run's time went: wall seconds and bytes read per pass.
    pub passes: Vec<crate::progress::PassTime>,
}

/// The redaction pass as a bundle transform; collects the report's counts.
pub struct RedactPass<'a> {
    redactor: &'a Redactor,
    keep_binary: bool,
    files: Mutex<Vec<FileReport>>,
    left: Mutex<Vec<LeftOutReport>>,
}

impl<'a> RedactPass<'a> {
    pub fn new(redactor: &'a Redactor, keep_binary: bool) -> RedactPass<'a> {
        RedactPass {
            redactor,
            keep_binary,
            files: Mutex::new(Vec::new()),
            left: Mutex::new(Vec::new()),
        }
    }

    /// Files in path order (whatever order threads finished them in).
    pub fn files(&self) -> Vec<FileReport> {
        let mut v = self.files.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }

    pub fn left_out(&self) -> Vec<LeftOutReport> {
        let mut v = self.left.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.sort_by(|a, b| (&a.path, &a.reason).cmp(&(&b.path, &b.reason)));
        v
    }

    /// The totals over everything this pass did.
    pub fn totals(&self, set: &RuleSet) -> Totals {
        let files = self.files();
        let mut t = Totals {
            files: files.len(),
            left_out: self.left_out().len(),
            pseudonym_collisions: self.redactor.pseudonymizer().collisions(),
            ..Totals::default()
        };
        let engine = self.redactor.engine();
        for f in &files {
            if !f.replacements.is_empty() {
                t.files_changed += 1;
            }
            for (rule, n) in &f.replacements {
                t.replacements += n;
                *t.by_rule.entry(rule.clone()).or_default() += n;
                let cat = engine
                    .rules()
                    .iter()
                    .find(|r| &r.id == rule)
                    .map(|r| r.category.to_string())
                    .or_else(|| set.get(rule).map(|r| r.category.to_string()))
                    .unwrap_or_else(|| "other".into());
                *t.by_category.entry(cat).or_default() += n;
            }
        }
        t
    }
}

impl Transform for RedactPass<'_> {
    /// A member name keeps its path structure: each component is redacted
    /// on its own, and a mask's `/` becomes `-` there
    /// (`[REDACTED:rule-3fa9c1]`), so no replacement adds or removes a
    /// directory level.
    fn name(&self, name: &[u8]) -> Vec<u8> {
        let mut counts = Counts::default();
        let mut out = Vec::with_capacity(name.len());
        for (i, part) in name.split(|b| *b == b'/').enumerate() {
            if i > 0 {
                out.push(b'/');
            }
            let red = self.redactor.redact_bytes(None, part, &mut counts);
            out.extend(red.into_iter().map(|b| if b == b'/' { b'-' } else { b }));
        }
        out
    }

    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn std::io::Read,
        output: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let (name, outer) = (member.name, member.outer);
        let path = String::from_utf8_lossy(name).into_owned();
        let p = if name.is_empty() {
            None
        } else {
            Some(std::path::Path::new(&path))
        };
        let mut counts = Counts::default();
        self.redactor
            .redact_stream_jobs(p, input, output, &mut counts, member.jobs)?;
        let shown = String::from_utf8_lossy(&self.name(&[outer, name].concat())).into_owned();
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(FileReport {
                path: shown,
                replacements: counts.by_rule,
            });
        Ok(())
    }

    fn left_out(&self, name: &[u8], why: &LeftOut) {
        self.left
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(LeftOutReport {
                path: String::from_utf8_lossy(name).into_owned(),
                reason: why.to_string(),
            });
    }

    fn keep_binary(&self) -> bool {
        self.keep_binary
    }
}

impl Report {
    pub fn packs(set: &RuleSet) -> Vec<PackReport> {
        set.packs()
            .iter()
            .map(|p| PackReport {
                name: p.name.clone(),
                version: p.version.clone(),
                source: p.source.clone(),
                sha256: p.sha256.clone(),
            })
            .collect()
    }

    /// A few lines for stderr.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "airlock: redacted {} file(s), {} changed: {} replacement(s)",
            t.files, t.files_changed, t.replacements
        );
        if !t.by_category.is_empty() {
            let parts: Vec<String> = t
                .by_category
                .iter()
                .map(|(c, n)| format!("{n} {c}"))
                .collect();
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        s.push('\n');
        if !self.left_out.is_empty() {
            s.push_str(&format!(
                "airlock: left out {} member(s):\n",
                self.left_out.len()
            ));
            for l in self.left_out.iter().take(20) {
                s.push_str(&format!(
                    "  {}: {}\n",
                    crate::scan::escape_for_terminal(&l.path),
                    l.reason
                ));
            }
            if self.left_out.len() > 20 {
                s.push_str(&format!(
                    "  … and {} more (see the report)\n",
                    self.left_out.len() - 20
                ));
            }
        }
        s.push_str(&format!(
            "airlock: verified: {}; key fingerprint {} ({})\n",
            if self.verification.clean {
                "clean"
            } else {
                "NOT CLEAN"
            },
            self.key_fingerprint,
            self.key_source
        ));
        s
    }
}
