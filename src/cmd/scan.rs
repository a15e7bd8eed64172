//! `airlock scan`: list findings, never their values.
//!
//! Every input is read through the same traversal as `redact` (gzip, tar,
//! `.tar.gz`, nested archives, UTF-16 text, stdin by its magic bytes), and
//! a finding inside an archive is placed as `path!member:line:col`. A member
//! that cannot be searched (zip, xz, … or an unsafe name) is listed and
//! makes the exit status 2: nothing unscanned passes for clean.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use airlock::bundle::{input_size, Input, LeftOut, Limits, NullSink, RunOptions, Traversal};
use airlock::detect::{Engine, RuleId, RuleInfo, ScanOptions};
use airlock::input::{self, FileBytes, Source};
use airlock::pipeline::messages::scrub;
use airlock::progress::{Bars, Pass, Progress};
use airlock::redact::suspect;
use airlock::scan::{escape_for_terminal, Found, ScanPass};
use anyhow::Context;
use serde_json::json;

use super::load_rules;
use crate::cli::{ScanArgs, ScanFormat};

/// One input scanned: its findings and line count, or why it failed.
type Scanned = anyhow::Result<(FileResult, u64)>;

/// Findings of one input (of its members, each with its path).
struct FileResult {
    findings: Vec<Found>,
    not_scanned: Vec<(String, LeftOut)>,
}

/// Whether a member left out of a scan holds content that was not searched
/// (an error) or none (a link, a device: a note).
fn unsearched(why: &LeftOut) -> bool {
    matches!(why, LeftOut::Unsupported(_) | LeftOut::UnsafeName)
}

pub fn run(args: ScanArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = load_rules(&args.rules)?;
    let engine = Engine::new(&set).context("compiling rules")?;
    let opts = ScanOptions {
        chunk_size: args.chunk_size,
    };
    let (sources, skipped) = input::walk(&args.paths);
    let given: Vec<&std::path::Path> = args.paths.iter().map(PathBuf::as_path).collect();
    let mut errors = 0usize;
    for s in &skipped {
        eprintln!(
            "airlock: skipped {}: {}",
            escape_for_terminal(&scrub(&s.path.display().to_string(), &given)),
            s.reason
        );
        // A path given on the command line that cannot be read is an error;
        // links and special files met while walking are only noted.
        if args.paths.contains(&s.path) {
            errors += 1;
        }
    }

    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Findings printed on the same terminal would tear the bar: it is
    // drawn when they go elsewhere (a file, a pipe).
    let progress = Bars::for_stderr(quiet || io::IsTerminal::is_terminal(&io::stdout()));
    let progress: &dyn Progress = progress.as_ref();
    let total = sources
        .iter()
        .map(|s| match s {
            Source::Stdin => None,
            Source::File(p) => input_size(&Input::Path(p.clone())),
        })
        .sum::<Option<u64>>();
    progress.start(Pass::Scan, total);
    // The handle, not its lock: findings of a streamed input are printed
    // from the callback of the traversal, which must be `Send`.
    let mut out = io::BufWriter::with_capacity(64 << 10, io::stdout());
    let mut results = Vec::new();
    let mut total = 0usize;
    let mut lines = 0u64;
    let text = args.format == ScanFormat::Text;
    let errors = std::cell::Cell::new(errors);
    let failed = |src: &Source, e: anyhow::Error| {
        errors.set(errors.get() + 1);
        eprintln!(
            "airlock: {}",
            escape_for_terminal(&scrub(&format!("{}: {e:#}", src.display_path()), &given))
        );
    };
    let noted = |not: &[(String, LeftOut)]| {
        for (path, why) in not {
            let what = if unsearched(why) {
                errors.set(errors.get() + 1);
                "not scanned"
            } else {
                "skipped"
            };
            eprintln!(
                "airlock: {what} {}: {why}",
                escape_for_terminal(&scrub(path, &given))
            );
        }
    };
    // Inputs are reported in order whatever `jobs` is. A large file is
    // searched by all threads at once (line-aligned segments); runs of
    // smaller inputs are shared out between threads, a batch at a time.
    let large = |src: &Source| {
        jobs > 1
            && src
                .path()
                .and_then(|p| std::fs::metadata(p).ok())
                .is_some_and(|m| m.len() >= LARGE_FILE)
    };
    // Text for a large input or stdin is printed as it is found, so memory
    // does not grow with the number of findings in one file.
    let streamed = |src: &Source| text && (large(src) || *src == Source::Stdin);
    let mut i = 0;
    while i < sources.len() {
        let src = &sources[i];
        if streamed(src) {
            let mut write_err = None;
            let mut n = 0usize;
            let mut printer = Printer::default();
            let res = scan_into(
                &engine,
                src,
                &opts,
                jobs,
                progress,
                args.suspicious,
                &mut |(path, f)| {
                    n += 1;
                    if write_err.is_none() {
                        if let Err(e) = printer.print(&mut out, &engine, &path, &f) {
                            write_err = Some(e);
                        }
                    }
                },
            );
            if let Some(e) = write_err {
                return Err(e.into());
            }
            total += n;
            match res {
                Ok((l, not)) => {
                    lines += l;
                    noted(&not);
                }
                Err(e) => failed(src, e),
            }
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < sources.len() && j - i < jobs * 8 && !streamed(&sources[j]) && !large(&sources[j])
        {
            j += 1;
        }
        if large(src) {
            j = i + 1;
        }
        let batch = &sources[i..j];
        for (src, res) in batch.iter().zip(scan_batch(
            &engine,
            batch,
            &opts,
            jobs,
            progress,
            args.suspicious,
        )) {
            match res {
                Ok((r, n)) => {
                    lines += n;
                    total += r.findings.len();
                    noted(&r.not_scanned);
                    if text {
                        print_text(&mut out, &engine, &r)?;
                    } else if !r.findings.is_empty() {
                        results.push(r);
                    }
                }
                Err(e) => failed(src, e),
            }
        }
        i = j;
    }
    match args.format {
        ScanFormat::Text => {}
        ScanFormat::Json => print_json(&mut out, &engine, &results)?,
        ScanFormat::Sarif => print_sarif(&mut out, &engine, &results)?,
    }
    out.flush()?;
    progress.finish(Pass::Scan);
    if args.profile_rules {
        print_profile(&set, &sources)?;
    }
    let errors = errors.get();
    let files_with = results.len();
    if quiet {
    } else if args.format == ScanFormat::Text {
        eprintln!(
            "{total} finding(s); {} input(s), {lines} line(s) scanned{}",
            sources.len(),
            if errors > 0 {
                format!("; {errors} error(s)")
            } else {
                String::new()
            }
        );
    } else if errors == 0 {
        eprintln!(
            "{total} finding(s) in {files_with} of {} input(s)",
            sources.len()
        );
    }
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else if total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files at least this large are searched by all threads at once: below it
/// the hand-off costs more than it saves, and files are shared out instead.
const LARGE_FILE: u64 = 4 << 20;

/// Scan `batch` on up to `jobs` threads, one input per thread at a time;
/// results in input order.
fn scan_batch(
    engine: &Engine,
    batch: &[Source],
    opts: &ScanOptions,
    jobs: usize,
    progress: &dyn Progress,
    suspicious: bool,
) -> Vec<Scanned> {
    if jobs <= 1 || batch.len() == 1 {
        // One input alone gets every thread (segments of a large file).
        return batch
            .iter()
            .map(|s| scan_source(engine, s, opts, jobs, progress, suspicious))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Scanned>>> =
        batch.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.min(batch.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(src) = batch.get(i) else {
                    break;
                };
                let res = scan_source(engine, src, opts, 1, progress, suspicious);
                *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(res);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every input of a batch is scanned")
        })
        .collect()
}

fn scan_source(
    engine: &Engine,
    src: &Source,
    opts: &ScanOptions,
    jobs: usize,
    progress: &dyn Progress,
    suspicious: bool,
) -> anyhow::Result<(FileResult, u64)> {
    let mut findings = Vec::new();
    let (lines, not_scanned) =
        scan_into(engine, src, opts, jobs, progress, suspicious, &mut |f| {
            findings.push(f)
        })?;
    Ok((
        FileResult {
            findings,
            not_scanned,
        },
        lines,
    ))
}

/// Scan one input through the bundle traversal, handing each finding to
/// `sink` in order; the number of lines and the members not searched.
fn scan_into(
    engine: &Engine,
    src: &Source,
    opts: &ScanOptions,
    jobs: usize,
    progress: &dyn Progress,
    suspicious: bool,
    sink: &mut (dyn FnMut(Found) + Send),
) -> anyhow::Result<(u64, Vec<(String, LeftOut)>)> {
    let pass = ScanPass::new(
        engine,
        opts.clone(),
        jobs,
        src.display_path(),
        Box::new(sink),
    )
    .with_suspicious(suspicious);
    let input = match src {
        Source::Stdin => Input::Stdin,
        Source::File(p) => Input::Path(p.clone()),
    };
    Traversal {
        transform: &pass,
        limits: Limits::default(),
        spool_dir: None,
        level: flate2::Compression::fast(),
        jobs,
    }
    .run_with(
        &input,
        &mut NullSink,
        &RunOptions {
            progress,
            ..RunOptions::default()
        },
    )?;
    Ok((pass.lines(), pass.not_scanned()))
}

/// A rule by id, or what stands for the independent detector's
/// candidates (`--suspicious`), which no rule set holds.
fn rule_info(engine: &Engine, id: RuleId) -> &RuleInfo {
    static SUSPICIOUS: std::sync::OnceLock<RuleInfo> = std::sync::OnceLock::new();
    if id != suspect::SUSPICIOUS {
        return engine.rule(id);
    }
    SUSPICIOUS.get_or_init(|| RuleInfo {
        id: "suspicious".into(),
        description: "Random-looking value after a secret-named key, flag or header that no rule recognises (the independent detector of verify)".into(),
        category: airlock::rules::Category::Credential,
        kind: "suspicious".into(),
        priority: 0,
        keywords: Vec::new(),
        source: "detector".into(),
        at: None,
        decode: None,
        context: false,
    })
}

fn print_text(out: &mut impl Write, engine: &Engine, r: &FileResult) -> io::Result<()> {
    let mut printer = Printer::default();
    for (path, f) in &r.findings {
        printer.print(out, engine, path, f)?;
    }
    Ok(())
}

/// Prints findings as text lines, escaping each path once.
#[derive(Default)]
struct Printer {
    path: String,
    escaped: String,
}

impl Printer {
    fn print(
        &mut self,
        out: &mut impl Write,
        engine: &Engine,
        path: &str,
        f: &airlock::scan::Located,
    ) -> io::Result<()> {
        if path != self.path {
            self.path = path.to_string();
            self.escaped = escape_for_terminal(path);
        }
        print_one(out, engine, &self.escaped, f)
    }
}

/// One finding as a text line; `path` is already escaped.
fn print_one(
    out: &mut impl Write,
    engine: &Engine,
    path: &str,
    f: &airlock::scan::Located,
) -> io::Result<()> {
    let rule = rule_info(engine, f.rule);
    // Written piece by piece: a scan prints hundreds of thousands of lines,
    // and a formatted `String` per line showed in profiles.
    write!(out, "{path}:{}:{}-", f.line, f.col)?;
    if f.end_line != f.line {
        write!(out, "{}:", f.end_line)?;
    }
    writeln!(
        out,
        "{}: {} [{}] {}",
        f.end_col, rule.id, rule.category, f.preview
    )
}

fn finding_json(engine: &Engine, path: &str, f: &airlock::scan::Located) -> serde_json::Value {
    let rule = rule_info(engine, f.rule);
    json!({
        "path": path,
        "line": f.line,
        "start": f.col,
        "end": f.end_col,
        "end_line": f.end_line,
        "offset": f.offset,
        "length": f.len,
        "rule": rule.id,
        "category": rule.category.as_str(),
        "kind": rule.kind,
        "preview": f.preview,
    })
}

fn print_json(out: &mut impl Write, engine: &Engine, results: &[FileResult]) -> io::Result<()> {
    let all: Vec<_> = results
        .iter()
        .flat_map(|r| r.findings.iter().map(|(p, f)| finding_json(engine, p, f)))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &all)?;
    writeln!(out)
}

/// SARIF 2.1.0, as code-scanning tools read it. Regions use 1-based lines
/// and columns with an exclusive end column; no snippets (they would hold
/// the secret).
fn print_sarif(out: &mut impl Write, engine: &Engine, results: &[FileResult]) -> io::Result<()> {
    let mut used: Vec<_> = results
        .iter()
        .flat_map(|r| r.findings.iter().map(|(_, f)| f.rule))
        .collect();
    used.sort();
    used.dedup();
    let rules: Vec<_> = used
        .iter()
        .map(|id| {
            let r = rule_info(engine, *id);
            json!({
                "id": r.id,
                "shortDescription": { "text": r.description },
                "properties": { "category": r.category.as_str(), "kind": r.kind, "source": r.source },
            })
        })
        .collect();
    let used = &used;
    let res: Vec<_> = results
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |(path, f)| {
                let rule = rule_info(engine, f.rule);
                json!({
                    "ruleId": rule.id,
                    "ruleIndex": used.binary_search(&f.rule).unwrap_or(0),
                    "level": if rule.category == airlock::rules::Category::Credential { "error" } else { "warning" },
                    "message": { "text": format!("{} ({}): {}", rule.description, rule.category, f.preview) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": path },
                            "region": {
                                "startLine": f.line, "startColumn": f.col,
                                "endLine": f.end_line, "endColumn": f.end_col,
                                "byteOffset": f.offset, "byteLength": f.len,
                            }
                        }
                    }],
                })
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "airlock",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": res,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `--profile-rules`: each rule alone over the regular files (stdin and
/// FIFOs cannot be read twice and are left out), slowest first, on stderr.
fn print_profile(set: &airlock::rules::RuleSet, sources: &[Source]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for src in sources {
        let Source::File(p) = src else {
            continue;
        };
        if p.is_file() {
            files.push((p.as_path(), FileBytes::open(p, true).context("reading")?));
        }
    }
    let inputs: Vec<_> = files.iter().map(|(p, b)| (Some(*p), &b[..])).collect();
    let profile = airlock::detect::profile::profile_rules(set, &inputs)?;
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "{:<34} {:>10} {:>10} {:>9}",
        "rule (alone)", "ms", "MB/s", "matches"
    )?;
    for p in &profile {
        writeln!(
            err,
            "{:<34} {:>10.1} {:>10.0} {:>9}",
            p.rule,
            p.time.as_secs_f64() * 1e3,
            p.mb_per_s(),
            p.matches
        )?;
    }
    Ok(())
}
