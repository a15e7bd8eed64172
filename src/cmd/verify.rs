//! `airlock verify`: read an output again, independently, and list anything
//! that is not a mask or a pseudonym, and any member that could not be read.
//!
//! Member names are shown pseudonymised (a name may hold what should not be
//! there); with `--map`, with the map's own pseudonyms where it has them,
//! so `airlock unmask --map` tells the customer which members they are.

use std::process::ExitCode;
use std::sync::Arc;

use airlock::bundle::{input_size, Input, Limits, NullSink, RunOptions, Traversal};
use airlock::pipeline::messages::message_redactor;
use airlock::pipeline::{reads_once, spool_once};
use airlock::progress::{Bars, Pass};
use airlock::redact::learn::{Identity, Learner};
use airlock::redact::map::Map;
use airlock::redact::verify::{originals_as_literals, Verifier};
use airlock::redact::{Key, Pseudonymizer};
use airlock::scan::escape_for_terminal;
use anyhow::{anyhow, bail, Context};
use flate2::Compression;

use super::load_rules;
use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = load_rules(&args.rules)?;
    let map = match &args.map {
        Some(p) => Some(Map::load(p).with_context(|| format!("reading the map {}", p.display()))?),
        None => None,
    };
    let originals = map
        .as_ref()
        .map(|m| originals_as_literals(&m.entries, &set))
        .unwrap_or_default();
    // Interruptions remove the spool.
    let _ = airlock::temp::install_signal_handlers();
    // Standard input and FIFOs are read twice: spooled once, owner-only.
    let mut _spool = None;
    let input = if args.path.as_os_str() == "-" || reads_once(&args.path) {
        let path = (args.path.as_os_str() != "-").then_some(args.path.as_path());
        // Leftovers of killed runs there go first (owner's, process gone).
        let _ = airlock::temp::sweep(&std::env::temp_dir());
        let (t, input) = spool_once(path, &std::env::temp_dir())
            .context("saving the input to a temporary file")?;
        _spool = Some(t);
        input
    } else {
        if !args.path.exists() {
            bail!("{}: no such file or directory", args.path.display());
        }
        Input::Path(args.path.clone())
    };
    let jobs = super::jobs(args.jobs);
    let progress = Bars::for_stderr(quiet);
    let progress = progress.as_ref();
    let traversal = |t: &dyn airlock::bundle::Transform, pass: Pass, keep_going: bool| {
        progress.start(pass, input_size(&input));
        let r = Traversal {
            transform: t,
            limits: Limits::default(),
            spool_dir: None,
            level: Compression::fast(),
            jobs,
        }
        .run_with(
            &input,
            &mut NullSink,
            &RunOptions {
                progress,
                keep_going,
                ..RunOptions::default()
            },
        );
        progress.finish(pass);
        r
    };
    // What the bundle says about itself (its host, its users) is searched for
    // too, and replaced wherever a name is shown.
    let learner = Learner::new(&set)?;
    if let Input::Path(p) = &input {
        learner.learn_input_name(p);
    }
    let learning = traversal(&learner, Pass::Learn, true);
    let identity = learner.into_identity();
    let shown_by = Arc::new(message_redactor(
        &set,
        &[&args.path],
        if learning.is_ok() {
            identity.clone()
        } else {
            Identity::default()
        },
        None,
    )?);
    if let Some(m) = &map {
        shown_by.pseudonymizer().preload(&m.entries);
    }
    learning.map_err(|e| anyhow!("{}", shown_by.redact_text(&e.to_string())))?;
    let mut literals = identity.learned_values(&Pseudonymizer::new(Key::random()?));
    literals.extend(originals);
    let namer = Arc::clone(&shown_by);
    let verifier = Verifier::new(&set, &literals)
        .context("compiling rules")?
        .with_jobs(jobs)
        .with_names(Box::new(move |n| {
            namer.redact_text(&String::from_utf8_lossy(n))
        }));
    traversal(&verifier, Pass::Verify, false)
        .map_err(|e| anyhow!("{}", shown_by.redact_text(&e.to_string())))?;
    let leaks = verifier.leaks();
    let unreadable = verifier.unreadable();
    for l in &leaks {
        if l.line == 0 {
            println!(
                "{}: {} [{}] {}",
                escape_for_terminal(&l.member),
                l.rule,
                l.category,
                l.preview
            );
        } else {
            println!(
                "{}:{}:{}: {} [{}] {}",
                escape_for_terminal(&l.member),
                l.line,
                l.col,
                l.rule,
                l.category,
                l.preview
            );
        }
    }
    for (m, why) in &unreadable {
        println!("{}: not verified: {why}", escape_for_terminal(m));
    }
    if leaks.is_empty() && unreadable.is_empty() {
        if !quiet {
            eprintln!("airlock: clean: no credential or identifier outside masks and pseudonyms");
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "airlock: NOT CLEAN: {} finding(s) remain, {} member(s) not verified",
            leaks.len(),
            unreadable.len()
        );
        if !quiet {
            match &args.map {
                Some(m) => eprintln!(
                    "airlock: member names are shown with the map's pseudonyms: `airlock unmask --map {} NAME` gives a member's real name",
                    escape_for_terminal(&shown_by.redact_text(&m.display().to_string()))
                ),
                None => eprintln!(
                    "airlock: member names are shown pseudonymised; with --map MAP they use the map's pseudonyms, and `airlock unmask --map MAP NAME` gives the real name"
                ),
            }
        }
        Ok(ExitCode::from(1))
    }
}
