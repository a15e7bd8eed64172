//! `airlock redact`: learn, redact into a temporary sibling, verify it
//! independently, then rename it into place.
//!
//! Every message this command prints goes through the redactor first: an
//! error naming a member of `gitlabsos.gitlab01_…` says `gitlabsos.h-…_…`.
//! `airlock unmask` turns such names back on the customer's side.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airlock::bundle::{DirSink, Input, Limits, NullSink, StreamSink, Traversal};
use airlock::detect::{Engine, ScanOptions};
use airlock::redact::learn::{Identity, Learner};
use airlock::redact::map::Map;
use airlock::redact::report::{RedactPass, Report, VerificationReport};
use airlock::redact::verify::{originals_as_literals, Verifier, ADDRESS_LITERALS_MAX};
use airlock::redact::{Key, Pseudonymizer, Redactor};
use airlock::rules::RuleSet;
use anyhow::{anyhow, bail, Context};
use flate2::Compression;

use super::load_rules;
use crate::cli::RedactArgs;

pub fn run(args: RedactArgs) -> anyhow::Result<ExitCode> {
    let set = load_rules(&args.rules)?;
    // Until the bundle's identity is learned, messages are redacted by the
    // rules and what the input's own name gives away (gitlabsos.<host>_…).
    let plain = message_redactor(&set, &[&args.input, &args.output], Identity::default())?;
    let mut slot = None;
    let result = redact(&args, &set, &mut slot);
    let shown_by = slot.as_ref().unwrap_or(&plain);
    result.map_err(|e| anyhow!("{}", shown_by.redact_text(&format!("{e:#}"))))
}

fn redact(
    args: &RedactArgs,
    set: &RuleSet,
    slot: &mut Option<Redactor>,
) -> anyhow::Result<ExitCode> {
    {
        let plan = Plan::new(args)?;
        let (key, key_source) = match &args.key_file {
            Some(p) => {
                let (k, created) = Key::load_or_create(p)?;
                if created {
                    eprintln!(
                        "airlock: created key file (fingerprint {})",
                        k.fingerprint()
                    );
                }
                (k, "file")
            }
            None => (Key::random()?, "random"),
        };
        let pseudo = Pseudonymizer::new(key.clone());
        if let Some(map_path) = &args.map {
            if map_path.exists() {
                let map = Map::load(map_path).context("reading the map")?;
                if map.key_fingerprint != key.fingerprint() {
                    bail!(
                        "the map was made with another key (fingerprint {}, this run {}); use its key file or another map path",
                        map.key_fingerprint,
                        key.fingerprint()
                    );
                }
                pseudo.preload(&map.entries);
            }
        }
        let limits = Limits {
            max_member_bytes: args.max_member_mib.saturating_mul(1 << 20),
            ..Limits::default()
        };

        // 1. Learn the bundle's identity.
        let learner = Learner::new(set)?.with_jobs(super::jobs(args.jobs));
        if let Input::Path(p) = &plan.input {
            learner.learn_input_name(p);
        }
        let learning = Traversal {
            transform: &learner,
            limits: limits.clone(),
            spool_dir: None,
            level: Compression::fast(),
            jobs: super::jobs(args.jobs),
        }
        .run(&plan.input, &mut NullSink);
        let identity = learner.into_identity();
        if let Err(e) = learning {
            // Say what went wrong in words that hold nothing learned so far.
            *slot = Some(message_redactor(
                set,
                &[&args.input, &args.output],
                identity,
            )?);
            return Err(e).context("learning the bundle's identity");
        }
        let learned = identity.learned_values(&pseudo);

        // 2. Redact into a temporary sibling of the output.
        let engine = Engine::with_learned(set, &learned).context("compiling rules")?;
        let redactor: &Redactor = slot.insert(
            Redactor::new(engine, pseudo)
                .with_options(ScanOptions {
                    chunk_size: args.chunk_size,
                })
                .with_jobs(super::jobs(args.jobs)),
        );
        let pass = RedactPass::new(redactor, args.keep_binary);
        let traversal = Traversal {
            transform: &pass,
            limits: limits.clone(),
            spool_dir: Some(plan.temp_parent.clone()),
            level: Compression::new(args.level),
            jobs: super::jobs(args.jobs),
        };
        let temp = plan.make_temp()?;
        match &temp {
            Temp::Dir(dir) => {
                let mut sink = DirSink::new(dir.path().to_path_buf());
                traversal.run(&plan.input, &mut sink)?;
                sink.finish().context("setting directory modes")?;
            }
            Temp::File(file) => {
                let mut w = io::BufWriter::with_capacity(1 << 20, file.as_file());
                traversal.run(&plan.input, &mut StreamSink::new(&mut w))?;
                w.flush().context("writing the output")?;
                file.as_file().sync_all().context("writing the output")?;
            }
        }

        // 3. Verify what was written, independently, before it goes anywhere.
        let mut originals = learned.clone();
        // (Millions of client addresses are not listed: see the cap.)
        let pseudo = redactor.pseudonymizer();
        let with_v4 = pseudo.ipv4_count() <= ADDRESS_LITERALS_MAX;
        originals.extend(originals_as_literals(
            &pseudo.assignments_with(with_v4),
            set,
        ));
        let verifier = Verifier::new_like(set, &originals, redactor.engine())?
            .with_jobs(super::jobs(args.jobs));
        let verification = Traversal {
            transform: &verifier,
            limits,
            spool_dir: None,
            level: Compression::fast(),
            jobs: super::jobs(args.jobs),
        };
        match &temp {
            Temp::Dir(_) => {
                verification.run(&Input::Path(temp.path().to_path_buf()), &mut NullSink)
            }
            // Read under the output's name, not the temporary file's: path
            // rules apply as they will to the output, and messages name it.
            Temp::File(_) => {
                let name = args
                    .output
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut f = std::fs::File::open(temp.path()).context("verifying the output")?;
                verification.run_reader(name.as_bytes(), &mut f, &mut NullSink)
            }
        }
        .context("verifying the output")?;
        let leaks = verifier.leaks();
        if !leaks.is_empty() {
            for l in leaks.iter().take(20) {
                eprintln!(
                    "airlock: remains: {}:{}:{}: {} [{}] {}",
                    airlock::scan::escape_for_terminal(&l.member),
                    l.line,
                    l.col,
                    l.rule,
                    l.category,
                    l.preview
                );
            }
            bail!(
                "verification of the output failed: {} finding(s) remain; nothing was written",
                leaks.len()
            );
        }

        // A single-file input that could not be read at all would leave an
        // empty output: say so instead.
        if !plan.input_is_dir && pass.files().is_empty() {
            if let Some(l) = pass.left_out().first() {
                bail!("{}: cannot be redacted: {}", plan.input.display(), l.reason);
            }
        }

        // 4. The map, then the output, then the report.
        let pseudo = redactor.pseudonymizer();
        if let Some(map_path) = &args.map {
            Map::save_pseudonyms(pseudo, map_path).context("writing the map")?;
        }
        let shown = |p: &Path| redactor.redact_text(&p.display().to_string());
        let report = Report {
            airlock_version: env!("CARGO_PKG_VERSION").into(),
            input: shown(Path::new(&plan.input.display())),
            output: shown(&args.output),
            key_fingerprint: pseudo.key().fingerprint(),
            key_source: key_source.into(),
            packs: Report::packs(set),
            learned: [
                ("hosts".to_string(), identity.hosts.len()),
                ("users".to_string(), identity.users.len()),
                ("names".to_string(), identity.names.len()),
            ]
            .into_iter()
            .collect(),
            files: pass.files(),
            left_out: pass.left_out(),
            totals: pass.totals(set),
            verification: VerificationReport {
                clean: true,
                leaks: 0,
                unverifiable: verifier.unreadable().len(),
            },
        };
        plan.commit(temp)?;
        if let Some(rp) = &args.report {
            let mut f = fs::File::create(rp)
                .with_context(|| format!("writing the report {}", rp.display()))?;
            serde_json::to_writer_pretty(&mut f, &report)?;
            writeln!(f)?;
        }
        eprint!("{}", report.summary());
        Ok(ExitCode::SUCCESS)
    }
}

/// A redactor for messages: the rules, plus `identity` and what the given
/// paths' names give away.
pub fn message_redactor(
    set: &RuleSet,
    paths: &[&Path],
    mut identity: Identity,
) -> anyhow::Result<Redactor> {
    for p in paths {
        if let Some(n) = p.file_name() {
            identity.add_bundle_name(&n.to_string_lossy());
        }
    }
    let pseudo = Pseudonymizer::new(Key::random()?);
    let learned = identity.learned_values(&pseudo);
    Ok(Redactor::new(
        Engine::with_learned(set, &learned).context("compiling rules")?,
        pseudo,
    ))
}

/// Save stdin to an owner-only temporary file so several passes can read it.
pub fn spool_stdin() -> anyhow::Result<(Input, tempfile::NamedTempFile)> {
    let mut f = tempfile::Builder::new()
        .prefix(".airlock-stdin-")
        .tempfile()
        .context("saving stdin to a temporary file")?;
    io::copy(&mut io::stdin().lock(), f.as_file_mut()).context("reading stdin")?;
    Ok((Input::Spooled(f.path().to_path_buf()), f))
}

/// Where things go, checked before anything is read.
struct Plan {
    input: Input,
    /// Standard input saved for the several passes (removed on drop).
    _stdin: Option<tempfile::NamedTempFile>,
    output: Option<PathBuf>,
    temp_parent: PathBuf,
    input_is_dir: bool,
    force: bool,
}

enum Temp {
    Dir(tempfile::TempDir),
    File(tempfile::NamedTempFile),
}

impl Temp {
    fn path(&self) -> &Path {
        match self {
            Temp::Dir(d) => d.path(),
            Temp::File(f) => f.path(),
        }
    }
}

impl Plan {
    fn new(args: &RedactArgs) -> anyhow::Result<Plan> {
        let mut stdin_spool = None;
        let input = if args.input.as_os_str() == "-" {
            // Learning, redaction and verification each read the input.
            let (input, f) = spool_stdin()?;
            stdin_spool = Some(f);
            input
        } else {
            if !args.input.exists() {
                bail!("{}: no such file or directory", args.input.display());
            }
            Input::Path(args.input.clone())
        };
        let input_is_dir = input.is_dir();
        let output = if args.output.as_os_str() == "-" {
            if input_is_dir {
                bail!("a directory input needs a directory output, not stdout");
            }
            None
        } else {
            Some(args.output.clone())
        };
        let temp_parent = match &output {
            Some(o) => {
                let out_abs = std::path::absolute(o)?;
                if o.exists() && !args.force {
                    bail!("{}: exists; use --force to replace it", o.display());
                }
                if let Input::Path(i) = &input {
                    let in_abs = std::path::absolute(i)?;
                    if out_abs.starts_with(&in_abs) || in_abs.starts_with(&out_abs) {
                        bail!("the output must be outside the input (and the input outside the output)");
                    }
                }
                for (what, p) in [
                    ("--map", &args.map),
                    ("--report", &args.report),
                    ("--key-file", &args.key_file),
                ] {
                    if let Some(p) = p {
                        if std::path::absolute(p)?.starts_with(&out_abs) {
                            bail!(
                                "{what} {} is inside the output; keep it out of what you send",
                                p.display()
                            );
                        }
                    }
                }
                let parent = out_abs
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                if !parent.is_dir() {
                    bail!(
                        "{}: the output's directory does not exist",
                        parent.display()
                    );
                }
                parent
            }
            None => std::env::temp_dir(),
        };
        Ok(Plan {
            input,
            _stdin: stdin_spool,
            output,
            temp_parent,
            input_is_dir,
            force: args.force,
        })
    }

    /// An owner-only temporary directory or file beside the output.
    fn make_temp(&self) -> anyhow::Result<Temp> {
        let b = {
            let mut b = tempfile::Builder::new();
            b.prefix(".airlock-tmp-");
            b
        };
        Ok(if self.input_is_dir {
            Temp::Dir(
                b.tempdir_in(&self.temp_parent)
                    .context("creating a temporary directory")?,
            )
        } else {
            Temp::File(
                b.tempfile_in(&self.temp_parent)
                    .context("creating a temporary file")?,
            )
        })
    }

    /// Put the verified temporary output in place (or copy it to stdout).
    fn commit(&self, temp: Temp) -> anyhow::Result<()> {
        let Some(out) = &self.output else {
            let Temp::File(f) = temp else {
                bail!("a directory cannot go to stdout");
            };
            let mut r = fs::File::open(f.path())?;
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            io::copy(&mut r, &mut lock)?;
            lock.flush()?;
            return Ok(());
        };
        if out.exists() {
            if !self.force {
                bail!(
                    "{}: appeared while redacting; use --force to replace it",
                    out.display()
                );
            }
            if out.is_dir() && !out.is_symlink() {
                fs::remove_dir_all(out)
                    .with_context(|| format!("removing the old {}", out.display()))?;
            } else if matches!(temp, Temp::Dir(_)) {
                fs::remove_file(out)
                    .with_context(|| format!("removing the old {}", out.display()))?;
            }
        }
        match temp {
            Temp::Dir(d) => {
                let path = d.keep();
                if let Err(e) = fs::rename(&path, out) {
                    let _ = fs::remove_dir_all(&path);
                    return Err(e).with_context(|| {
                        format!("moving the output into place at {}", out.display())
                    });
                }
                // The temporary directory was owner-only; give the output the
                // input directory's mode.
                if let Input::Path(i) = &self.input {
                    if let Ok(md) = fs::metadata(i) {
                        let _ = fs::set_permissions(out, md.permissions());
                    }
                }
            }
            Temp::File(f) => {
                f.persist(out).map_err(|e| e.error).with_context(|| {
                    format!("moving the output into place at {}", out.display())
                })?;
            }
        }
        Ok(())
    }
}
