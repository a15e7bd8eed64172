//! `airlock verify`: read an output again, independently, and list anything
//! that is not a mask or a pseudonym (masked), and any member that could
//! not be read.

use std::process::ExitCode;

use airlock::bundle::{Input, Limits, NullSink, Traversal};
use airlock::redact::learn::{Identity, Learner};
use airlock::redact::map::Map;
use airlock::redact::verify::{originals_as_literals, Verifier};
use airlock::redact::{Key, Pseudonymizer};
use airlock::scan::escape_for_terminal;
use anyhow::{bail, Context};
use flate2::Compression;

use super::load_rules;
use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let set = load_rules(&args.rules)?;
    let originals = match &args.map {
        Some(p) => originals_as_literals(
            &Map::load(p)
                .with_context(|| format!("reading the map {}", p.display()))?
                .entries,
            &set,
        ),
        None => Vec::new(),
    };
    let mut _stdin = None;
    let input = if args.path.as_os_str() == "-" {
        let (input, f) = super::redact::spool_stdin()?;
        _stdin = Some(f);
        input
    } else {
        if !args.path.exists() {
            bail!("{}: no such file or directory", args.path.display());
        }
        Input::Path(args.path.clone())
    };
    // What the bundle says about itself (its host, its users) is searched for
    // too, and masked wherever it is shown.
    let pseudo = Pseudonymizer::new(Key::random()?);
    let mut shown_by = super::redact::message_redactor(&set, &[&args.path], Identity::default())?;
    let learner = Learner::new(&set)?;
    if let Input::Path(p) = &input {
        learner.learn_input_name(p);
    }
    let traversal = |t: &dyn airlock::bundle::Transform| {
        Traversal {
            transform: t,
            limits: Limits::default(),
            spool_dir: None,
            level: Compression::fast(),
            jobs: super::jobs(args.jobs),
        }
        .run(&input, &mut NullSink)
    };
    let learning = traversal(&learner);
    let identity = learner.into_identity();
    let mut literals = identity.learned_values(&pseudo);
    if learning.is_ok() {
        shown_by = super::redact::message_redactor(&set, &[&args.path], identity)?;
    }
    learning.map_err(|e| anyhow::anyhow!("{}", shown_by.redact_text(&e.to_string())))?;
    literals.extend(originals);
    let verifier = Verifier::new(&set, &literals)
        .context("compiling rules")?
        .with_jobs(super::jobs(args.jobs));
    traversal(&verifier)
        .map_err(|e| anyhow::anyhow!("{}", shown_by.redact_text(&e.to_string())))?;
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
        eprintln!("airlock: clean: no credential or identifier outside masks and pseudonyms");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "airlock: NOT CLEAN: {} finding(s) remain, {} member(s) not verified",
            leaks.len(),
            unreadable.len()
        );
        Ok(ExitCode::from(1))
    }
}
