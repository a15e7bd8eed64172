//! Findings placed in their file: line, column, and a preview that is safe to
//! print.
//!
//! This is the layer `airlock scan` (and anything else that reports findings
//! to a person) is built on. It never hands out the matched bytes: a
//! [`Located`] finding carries offsets and a masked preview only.

use std::io::{self, Read};

use crate::detect::{ChunkView, Engine, Finding, Matcher, RuleId, ScanOptions};

/// A finding with its position in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub rule: RuleId,
    /// Byte offset of the secret in the file.
    pub offset: u64,
    /// Length of the secret in bytes.
    pub len: usize,
    /// 1-based line of the first byte.
    pub line: u64,
    /// 1-based byte column of the first byte.
    pub col: usize,
    /// 1-based line of the last byte (differs from `line` for PEM blocks).
    pub end_line: u64,
    /// 1-based byte column just after the last byte (exclusive), on `end_line`.
    pub end_col: usize,
    /// Masked preview, e.g. `glpat-…[20 chars]`. Never contains the secret.
    pub preview: String,
}

/// Turns chunk-relative findings into line/column positions. Feed it the
/// chunks of one input in order.
#[derive(Debug)]
pub struct LineTracker {
    /// Line number at `pos` (1-based).
    line: u64,
    /// Offset of the start of that line.
    line_start: u64,
    /// Offset up to which newlines have been counted.
    pos: u64,
}

impl Default for LineTracker {
    fn default() -> Self {
        LineTracker {
            line: 1,
            line_start: 0,
            pos: 0,
        }
    }
}

impl LineTracker {
    fn advance(&mut self, chunk: &ChunkView<'_>, to: u64) {
        if to <= self.pos {
            return;
        }
        let from = (self.pos - chunk.offset) as usize;
        let upto = (to - chunk.offset) as usize;
        for nl in memchr::memchr_iter(b'\n', &chunk.bytes[from..upto]) {
            self.line += 1;
            self.line_start = chunk.offset + (from + nl) as u64 + 1;
        }
        self.pos = to;
    }

    /// Position of `f` (offsets relative to `chunk`). Findings must come in
    /// order.
    pub fn locate(&mut self, chunk: &ChunkView<'_>, f: &Finding) -> (u64, usize, u64, usize) {
        let start = chunk.offset + f.start as u64;
        let end = chunk.offset + f.end as u64;
        self.advance(chunk, start);
        let (line, col) = (self.line, (start - self.line_start) as usize + 1);
        // Count lines inside the finding without moving the tracker past it
        // permanently: the next finding starts at or after `end`.
        self.advance(chunk, end);
        (line, col, self.line, (end - self.line_start) as usize + 1)
    }

    /// Move past the rest of a chunk (for counting lines of a whole input).
    pub fn finish_chunk(&mut self, chunk: &ChunkView<'_>) {
        self.advance(chunk, chunk.offset + chunk.bytes.len() as u64);
    }

    /// Lines seen so far (a last line without `\n` counts).
    pub fn lines(&self) -> u64 {
        if self.pos > self.line_start {
            self.line
        } else {
            self.line - 1
        }
    }
}

/// A preview of a secret that says what it was without saying what it is:
/// the rule's keyword when it directly precedes the secret (the non-secret
/// prefix, like `glpat-` or `private_token=`), then the length.
pub fn preview(engine: &Engine, rule: RuleId, before: &[u8], secret: &[u8]) -> String {
    let info = engine.rule(rule);
    let mut prefix = String::new();
    for kw in &info.keywords {
        let kb = kw.as_bytes();
        if before.len() >= kb.len() && before[before.len() - kb.len()..].eq_ignore_ascii_case(kb) {
            let shown = &before[before.len() - kb.len()..];
            if shown.iter().all(|b| b.is_ascii_graphic()) {
                prefix = String::from_utf8_lossy(shown).into_owned();
            }
            break;
        }
    }
    let chars = String::from_utf8_lossy(secret).chars().count();
    format!("{prefix}…[{chars} chars]")
}

fn locate_chunk(
    engine: &Engine,
    lines: &mut LineTracker,
    chunk: &ChunkView<'_>,
    out: &mut dyn FnMut(Located),
) {
    for f in chunk.findings {
        let (line, col, end_line, end_col) = lines.locate(chunk, f);
        let before = &chunk.bytes[f.start.saturating_sub(32)..f.start];
        out(Located {
            rule: f.rule,
            offset: chunk.offset + f.start as u64,
            len: f.len(),
            line,
            col,
            end_line,
            end_col,
            preview: preview(engine, f.rule, before, &chunk.bytes[f.start..f.end]),
        });
    }
    lines.finish_chunk(chunk);
}

/// Scan bytes held in memory; returns the number of lines.
pub fn scan_slice(
    matcher: &Matcher<'_>,
    data: &[u8],
    opts: &ScanOptions,
    mut out: impl FnMut(Located),
) -> u64 {
    let mut lines = LineTracker::default();
    matcher
        .scan_slice(data, opts, |chunk| {
            locate_chunk(matcher.engine(), &mut lines, &chunk, &mut out);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|e| match e {});
    lines.lines()
}

/// [`scan_slice`] on up to `jobs` threads (line-aligned segments of one
/// input); the same findings, in the same order, with the same positions and
/// previews. Findings are located on the worker threads, with line numbers
/// counted from their chunk's first line; this thread adds the lines before.
pub fn scan_slice_parallel(
    matcher: &Matcher<'_>,
    data: &[u8],
    opts: &ScanOptions,
    jobs: usize,
    mut out: impl FnMut(Located),
) -> u64 {
    let engine = matcher.engine();
    let work = |chunk: ChunkView<'_>| {
        // The line holding the chunk's first byte is line 1 here.
        let offset = chunk.offset as usize;
        let line_start = memchr::memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1);
        let mut lines = LineTracker {
            line: 1,
            line_start: line_start as u64,
            pos: chunk.offset,
        };
        let mut found = Vec::with_capacity(chunk.findings.len());
        locate_chunk(engine, &mut lines, &chunk, &mut |l| found.push(l));
        let newlines = memchr::memchr_iter(b'\n', chunk.bytes).count() as u64;
        (found, newlines)
    };
    let mut base = 0u64;
    let mut newlines = 0u64;
    matcher
        .scan_slice_parallel_map(data, opts, jobs, work, |(found, n)| {
            for mut l in found {
                l.line += base;
                l.end_line += base;
                out(l);
            }
            base += n;
            newlines += n;
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|e| match e {});
    // As LineTracker::lines: a last line without a line feed counts.
    newlines + u64::from(data.last().is_some_and(|b| *b != b'\n'))
}

/// Scan a stream; returns the number of lines.
pub fn scan_reader<R: Read>(
    matcher: &Matcher<'_>,
    reader: R,
    opts: &ScanOptions,
    mut out: impl FnMut(Located),
) -> io::Result<u64> {
    let mut lines = LineTracker::default();
    matcher.scan_reader(reader, opts, |chunk| {
        locate_chunk(matcher.engine(), &mut lines, &chunk, &mut out);
        Ok(())
    })?;
    Ok(lines.lines())
}

/// Make untrusted text safe for a terminal: control characters, bidi
/// overrides and zero-width characters become visible escapes (as fd does
/// for file names).
pub fn escape_for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let invisible = matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if c.is_control() || invisible {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A finding as `scan` reports it: where (`path`, `path!member` inside an
/// archive) and what.
pub type Found = (String, Located);

/// The scan as a bundle transform: every member of an input (gzip, tar,
/// nested archives, UTF-16 text, stdin by magic bytes) searched through the
/// same traversal `redact` reads with, findings handed on in order, each
/// named `input!member` inside an archive. Masks and pseudonyms airlock
/// wrote are not findings: a redacted bundle scans clean.
pub struct ScanPass<'a> {
    engine: &'a Engine,
    opts: ScanOptions,
    jobs: usize,
    /// The input as given (`bundle.tar.gz`, `<stdin>`).
    label: String,
    out: std::sync::Mutex<Box<dyn FnMut(Found) + Send + 'a>>,
    lines: std::sync::atomic::AtomicU64,
    not_scanned: std::sync::Mutex<Vec<(String, crate::bundle::LeftOut)>>,
    /// Also report the independent detector's candidates
    /// ([`crate::redact::suspect`]) under
    /// [`crate::redact::suspect::SUSPICIOUS`].
    suspicious: bool,
}

impl<'a> ScanPass<'a> {
    pub fn new(
        engine: &'a Engine,
        opts: ScanOptions,
        jobs: usize,
        label: String,
        out: Box<dyn FnMut(Found) + Send + 'a>,
    ) -> ScanPass<'a> {
        ScanPass {
            engine,
            opts,
            jobs: jobs.max(1),
            label,
            out: std::sync::Mutex::new(out),
            lines: Default::default(),
            not_scanned: Default::default(),
            suspicious: false,
        }
    }

    /// Also list what the independent detector finds where no rule does
    /// (`scan --suspicious`): random-looking values in secret-ish context,
    /// for review.
    pub fn with_suspicious(mut self, on: bool) -> ScanPass<'a> {
        self.suspicious = on;
        self
    }

    /// Lines read, over every member.
    pub fn lines(&self) -> u64 {
        self.lines.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Members that were not searched, with why (`path!member`).
    pub fn not_scanned(&self) -> Vec<(String, crate::bundle::LeftOut)> {
        self.not_scanned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `input!outer/member`, or the input itself.
    fn shown(&self, member: &crate::bundle::Member<'_>) -> String {
        if member.archived {
            format!(
                "{}!{}{}",
                self.label,
                String::from_utf8_lossy(member.outer),
                String::from_utf8_lossy(member.name)
            )
        } else {
            self.label.clone()
        }
    }

    /// A finding's value is airlock's own (a mask, a pseudonym).
    fn is_own(&self, chunk: &ChunkView<'_>, f: &Finding, masks_here: bool) -> bool {
        let value = &chunk.bytes[f.start..f.end];
        crate::redact::is_own_value(self.engine, f.rule, value)
            || (masks_here
                && crate::redact::is_own_by_masks(self.engine, chunk.bytes, f.start, f.end))
    }
}

impl crate::bundle::Transform for ScanPass<'_> {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        name.to_vec()
    }

    fn content(
        &self,
        member: &crate::bundle::Member<'_>,
        input: &mut dyn Read,
        _output: &mut dyn std::io::Write,
    ) -> io::Result<()> {
        let shown = self.shown(member);
        // Path-limited rules see the member's name inside an archive, the
        // path as given otherwise.
        let rule_path = if member.archived {
            String::from_utf8_lossy(member.name).into_owned()
        } else {
            self.label.clone()
        };
        let matcher = self.engine.matcher(if member.name.is_empty() {
            None
        } else {
            Some(std::path::Path::new(&rule_path))
        });
        let engine = self.engine;
        let work = |chunk: ChunkView<'_>| {
            let masks_here = memchr::memmem::find(chunk.bytes, crate::redact::MASK_OPEN).is_some();
            let mut found = chunk
                .findings
                .iter()
                .filter(|f| !self.is_own(&chunk, f, masks_here))
                .map(|f| {
                    let before = &chunk.bytes[f.start.saturating_sub(32)..f.start];
                    (
                        *f,
                        preview(engine, f.rule, before, &chunk.bytes[f.start..f.end]),
                    )
                })
                .collect::<Vec<_>>();
            if self.suspicious {
                // Where no rule found anything (a rule's finding, even one
                // of airlock's own masks, has been judged already).
                use crate::redact::suspect;
                let covered =
                    |s: usize, e: usize| chunk.findings.iter().any(|f| f.start < e && s < f.end);
                for c in suspect::find(chunk.bytes) {
                    if !covered(c.start, c.end) {
                        let f = Finding {
                            rule: suspect::SUSPICIOUS,
                            start: c.start,
                            end: c.end,
                        };
                        found.push((f, suspect::describe(&c, chunk.bytes)));
                    }
                }
                found.sort_by_key(|(f, _)| f.start);
            }
            found
        };
        let mut lines = LineTracker::default();
        let jobs = member.jobs.min(self.jobs);
        matcher.scan_reader_parallel_map(
            input,
            &self.opts,
            jobs,
            work,
            |offset, bytes, found| {
                let chunk = ChunkView {
                    offset,
                    bytes,
                    findings: &[],
                };
                if !found.is_empty() {
                    let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
                    for (f, preview) in found {
                        let (line, col, end_line, end_col) = lines.locate(&chunk, &f);
                        out((
                            shown.clone(),
                            Located {
                                rule: f.rule,
                                offset: offset + f.start as u64,
                                len: f.len(),
                                line,
                                col,
                                end_line,
                                end_col,
                                preview,
                            },
                        ));
                    }
                }
                lines.finish_chunk(&chunk);
                Ok(())
            },
        )?;
        self.lines
            .fetch_add(lines.lines(), std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn left_out(&self, name: &[u8], why: &crate::bundle::LeftOut) {
        let name = String::from_utf8_lossy(name);
        let top = std::path::Path::new(&self.label)
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == name);
        let shown = if top || name.is_empty() {
            self.label.clone()
        } else {
            format!("{}!{name}", self.label)
        };
        self.not_scanned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((shown, why.clone()));
    }

    /// Binary members are searched as bytes.
    fn keep_binary(&self) -> bool {
        true
    }
}
