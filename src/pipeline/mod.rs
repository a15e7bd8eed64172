//! A redaction job, from the paths it was given to a verified output in
//! place — or nothing at all.
//!
//! [`Job::run`] is the whole of `airlock redact`; the command only turns
//! flags into a [`Config`] and the outcome into an exit status. In order:
//!
//! 1. **Paths** ([`paths`]): one check on canonical paths, before any work
//!    (aliases through `..` and symbolic links, the output inside the input
//!    or the other way round, `--report`/`--map`/`--key-file` where they
//!    would be shipped or would replace the input, a form airlock cannot
//!    write, an existing output without `--force`).
//! 2. **Temporaries** ([`crate::temp`]): leftovers of killed runs next to
//!    the output are removed; the output's owner-only temporary sibling is
//!    made first (so the directory is known writable and an interruption
//!    from then on finds it registered). Standard input, a FIFO or `<(…)`
//!    is spooled (owner-only) while the learning pass reads it, once.
//! 3. **Learn** the bundle's identity, reading every member it can (an
//!    unreadable member fails the run at the end of the pass, so what was
//!    learned, and so what error messages hide, does not depend on which
//!    thread failed first).
//! 4. **Redact** into the temporary, in the form the output's name asks for.
//! 5. **Input unchanged**: every entry of the input is stamped before
//!    learning and again now; any change fails the run (`changes.rs`).
//! 6. **Verify** the temporary independently: all rules, every original
//!    learned or replaced, and the host names in the `hostname` file and
//!    `gitlab.rb` exactly as redaction read them (learned or not).
//! 7. **Commit**: the report and the map are written to temporaries beside
//!    where they go, and all are renamed into place together, an existing
//!    output swapped atomically (`commit.rs`); any failure undoes the renames
//!    done and leaves none of them.
//!
//! Every error is returned as an [`Error`] whose text went through the
//! run's redactor (the rules, the bundle's identity, the names in the
//! paths given): nothing it says holds an original value.

mod changes;
mod commit;
pub mod messages;
pub mod paths;

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;

use crate::bundle::{
    input_size, DirSink, Input, LeftOut, Limits, Member, NullSink, RunOptions, StreamSink, Tally,
    Transform, Traversal,
};
use crate::detect::{Boundary, Engine, LearnedValue, ScanOptions};
use crate::progress::{Pass, Progress, Timed};
use crate::redact::learn::{Identity, Learner};
use crate::redact::map::Map;
use crate::redact::report::{
    FileReport, LeftOutReport, RedactPass, Report, Totals, VerificationReport,
};
use crate::redact::verify::{originals_as_literals, Leak, Verifier, ADDRESS_LITERALS_MAX};
use crate::redact::{secrets, suspect};
use crate::redact::{Key, Pseudonymizer, Redactor};
use crate::rules::{Category, RuleSet};
use crate::temp::{self, Temp};

pub use changes::Snapshot;
pub use paths::{Plan, Source, Target};

/// What to redact, where to, and how: plain values (no command-line types).
#[derive(Debug, Clone)]
pub struct Config {
    /// A directory, a file (log, `.gz`, `.tar`, `.tar.gz`), a FIFO, or `-`
    /// for standard input.
    pub input: PathBuf,
    /// Where the redacted copy goes; `-` for standard output. Its name
    /// decides the form (`.tar.gz`, `.tgz`, `.tar`, `.gz`; otherwise the
    /// input's).
    pub output: PathBuf,
    /// Replace an existing output.
    pub force: bool,
    pub key_file: Option<PathBuf>,
    pub map: Option<PathBuf>,
    pub report: Option<PathBuf>,
    /// Scan binary members as bytes and keep them.
    pub keep_binary: bool,
    /// gzip level for re-compressed members (0–9).
    pub level: u32,
    /// Largest decompressed size of one member.
    pub max_member_bytes: u64,
    /// Threads (at least 1).
    pub jobs: usize,
    /// Chunk size of the engine (results do not depend on it).
    pub chunk_size: usize,
}

impl Config {
    /// The defaults of `airlock redact INPUT -o OUTPUT`.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Config {
        Config {
            input: input.into(),
            output: output.into(),
            force: false,
            key_file: None,
            map: None,
            report: None,
            keep_binary: false,
            level: 1,
            max_member_bytes: Limits::default().max_member_bytes,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_size: ScanOptions::default().chunk_size,
        }
    }
}

/// Why a run wrote nothing. Every string here went through the run's
/// redactor.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused before any work (paths, form, an existing output).
    #[error("{0}")]
    Refused(String),
    /// Verification found what should not be there.
    #[error("verification of the output failed: {} finding(s) remain; nothing was written", .0.len())]
    Remains(Vec<Leak>),
    /// The input changed while it was read.
    #[error("the input changed while it was read: {0}; nothing was written")]
    InputChanged(String),
    /// Anything else: reading, writing, a broken member.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    fn redacted(self, by: &Redactor) -> Error {
        match self {
            Error::Refused(m) => Error::Refused(by.redact_text(&m)),
            Error::InputChanged(m) => Error::InputChanged(by.redact_text(&m)),
            Error::Failed(m) => Error::Failed(by.redact_text(&m)),
            Error::Remains(leaks) => Error::Remains(
                leaks
                    .into_iter()
                    .map(|l| Leak {
                        member: by.redact_text(&l.member),
                        ..l
                    })
                    .collect(),
            ),
        }
    }
}

/// Refuse an output whose own name holds a value the run replaces: the
/// same for a directory and an archive, before the work rather than after
/// it. The output's name is the user's, outside the bundle, so airlock
/// does not rename it behind their back; it offers the name with the
/// values replaced instead (keyed at random: any name without them will
/// do).
fn output_name_check(plan: &Plan, by: &Redactor) -> Result<(), Error> {
    let Target::Path { given, .. } = &plan.target else {
        return Ok(());
    };
    let Some(name) = given.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(());
    };
    let safe = by.redact_text(&name).replace('/', "-");
    if safe == name {
        return Ok(());
    }
    let what = if plan.output_is_dir {
        "directory"
    } else {
        "file"
    };
    Err(Error::Refused(format!(
        "the output name {name} (shown here with its values replaced) holds a host or user name of the bundle that this run replaces: the output {what} would carry it out in the clear. Nothing was done; name the output without it, for example -o {}",
        given.with_file_name(&safe).display()
    )))
}

/// A failure with its context, before it is redacted.
fn failed(context: &str, e: impl std::fmt::Display) -> Error {
    Error::Failed(format!("{context}: {e}"))
}

/// What a successful run did.
#[derive(Debug)]
pub struct Outcome {
    /// The report (also written to `--report`, if given).
    pub report: Report,
    /// Where the output is (`None`: it went to standard output).
    pub output: Option<PathBuf>,
}

/// One redaction, from [`Config`] to a verified output or nothing.
pub struct Job<'a> {
    config: Config,
    rules: &'a RuleSet,
    verify_rules: Option<&'a RuleSet>,
}

/// A reader that copies what it reads into a spool.
struct Tee<'a> {
    r: &'a mut dyn Read,
    w: &'a mut dyn Write,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.r.read(buf)?;
        self.w.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// The files that name the host, by base name.
fn names_the_host(name: &[u8]) -> bool {
    let base = name.rsplit(|b| *b == b'/').next().unwrap_or(name);
    matches!(base, b"hostname" | b"hostname_fqdn" | b"gitlab.rb")
}

/// The redaction pass, watching the files that name the host as it reads
/// them: their host names are searched for by verification whether or not
/// learning saw them (an input rewritten between the passes).
struct Watch<'a> {
    inner: &'a dyn Transform,
    learner: Learner,
}

impl Transform for Watch<'_> {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        self.inner.name(name)
    }

    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn Read,
        output: &mut dyn Write,
    ) -> io::Result<()> {
        if !names_the_host(member.name) {
            return self.inner.content(member, input, output);
        }
        // What learning reads of these files: their first 4 MiB.
        let mut head = Vec::new();
        input.take(4 << 20).read_to_end(&mut head)?;
        self.learner
            .content(member, &mut io::Cursor::new(&head), &mut io::sink())?;
        self.inner
            .content(member, &mut io::Cursor::new(head).chain(input), output)
    }

    fn left_out(&self, name: &[u8], why: &LeftOut) {
        self.inner.left_out(name, why)
    }

    fn keep_binary(&self) -> bool {
        self.inner.keep_binary()
    }
}

impl Watch<'_> {
    /// The host names seen, as literals for verification.
    fn host_literals(self) -> Vec<LearnedValue> {
        let hosts = Identity {
            hosts: self.learner.into_identity().hosts,
            ..Identity::default()
        };
        // A scratch pseudonymizer: only the literals are wanted.
        let scratch = Pseudonymizer::new(Key::from_bytes([0; 32]));
        hosts.learned_values(&scratch)
    }
}

/// Where an attempt writes: the output's temporary (and its file, when
/// the output is one file).
struct Output {
    temp: Temp,
    file: Option<fs::File>,
}

impl Output {
    fn new(plan: &Plan) -> Result<Output, Error> {
        if plan.output_is_dir {
            let temp = Temp::dir_in(&plan.work_dir, "tmp")
                .map_err(|e| failed("creating a temporary directory beside the output", e))?;
            Ok(Output { temp, file: None })
        } else {
            let (temp, f) = Temp::file_in(&plan.work_dir, "tmp")
                .map_err(|e| failed("creating a temporary file beside the output", e))?;
            Ok(Output {
                temp,
                file: Some(f),
            })
        }
    }
}

/// What every attempt at redacting the input shares.
struct Round<'r> {
    plan: &'r Plan,
    progress: &'r Timed<'r>,
    limits: &'r Limits,
    input: &'r Input,
    snapshot: Option<&'r Snapshot>,
    /// The bundle's identity, as literals.
    learned: &'r [LearnedValue],
    /// Watches the files that name the host (a fresh copy per attempt).
    watcher: &'r Learner,
    /// The message redactor: its automata serve the attempt's.
    plain: &'r Redactor,
}

/// One redaction and its verification.
struct Attempt {
    out: Output,
    dir_sink: Option<DirSink>,
    files: Vec<FileReport>,
    left_out: Vec<LeftOutReport>,
    totals: Totals,
    leaks: Vec<Leak>,
    unverifiable: usize,
    /// The credentials masked beside a key (see `redact::secrets`).
    secrets: Vec<LearnedValue>,
    /// The values verification's independent detector flagged.
    suspicious: Vec<Vec<u8>>,
}

impl<'a> Job<'a> {
    pub fn new(config: Config, rules: &'a RuleSet) -> Job<'a> {
        Job {
            config,
            rules,
            verify_rules: None,
        }
    }

    /// Verify with `rules` instead of the redaction's: a stricter set sees
    /// what redaction did not (tests of the fail-closed path use it).
    pub fn verify_with(mut self, rules: &'a RuleSet) -> Job<'a> {
        self.verify_rules = Some(rules);
        self
    }

    /// Run the job. `progress` observes the passes; `say` receives notes
    /// for the person running it (a key file created, leftovers removed),
    /// which hold no value.
    pub fn run(&self, progress: &dyn Progress, say: &dyn Fn(&str)) -> Result<Outcome, Error> {
        // Interruptions remove the temporaries from here on.
        let _ = temp::install_signal_handlers();
        let c = &self.config;
        let mut paths: Vec<&Path> = vec![&c.input, &c.output];
        paths.extend(
            [&c.report, &c.map, &c.key_file]
                .into_iter()
                .flatten()
                .map(PathBuf::as_path),
        );
        // Until the bundle's identity is learned, messages are redacted by
        // the rules and what the paths give away (gitlabsos.<host>_…).
        let plain = messages::message_redactor(self.rules, &paths, Identity::default(), None)
            .map_err(|e| {
                Error::Failed(messages::scrub(&format!("compiling rules: {e}"), &paths))
            })?;
        let mut shown = None;
        let timed = Timed::new(progress);
        let result = self.run_inner(&timed, say, &paths, &plain, &mut shown);
        result.map_err(|e| e.redacted(shown.as_ref().unwrap_or(&plain)))
    }

    /// Redact `round.input` into `out` with the bundle's identity and the
    /// credentials in `spread` searched everywhere, check that the input did
    /// not change, and verify what was written. The redactor is left in
    /// `shown` (messages from here on are redacted with what it knows).
    fn attempt(
        &self,
        round: &Round<'_>,
        pseudo: Pseudonymizer,
        spread: &[LearnedValue],
        out: Output,
        shown: &mut Option<Redactor>,
    ) -> Result<Attempt, Error> {
        let c = &self.config;
        let rules = self.rules;
        let plan = round.plan;
        let progress = round.progress;
        let jobs = c.jobs.max(1);
        // The same rules as the message redactor's: its automata serve.
        let mut literals = round.learned.to_vec();
        literals.extend_from_slice(spread);
        let engine = Engine::with_learned_like(rules, &literals, round.plain.engine())
            .map_err(|e| failed("compiling rules", e))?;
        let redactor: &Redactor = shown.insert(
            Redactor::new(engine, pseudo)
                .with_options(ScanOptions {
                    chunk_size: c.chunk_size,
                })
                .with_jobs(jobs),
        );
        // And once the bundle's identity is known (a host learned from its
        // `hostname` file), before the redaction itself.
        output_name_check(plan, redactor)?;
        let pass = RedactPass::new(redactor, c.keep_binary);
        let watch = Watch {
            inner: &pass,
            learner: round.watcher.fresh(),
        };
        let tally = Tally::default();
        let opts = RunOptions {
            progress,
            form: plan.form,
            tally: Some(&tally),
            keep_going: false,
        };
        progress.start(Pass::Redact, input_size(round.input));
        let redaction = traversal(
            &watch,
            round.limits,
            &plan.work_dir,
            Compression::new(c.level.min(9)),
            jobs,
        );
        let dir_sink = match out.file {
            None => {
                let mut sink = DirSink::new(out.temp.path().to_path_buf());
                redaction
                    .run_with(round.input, &mut sink, &opts)
                    .map_err(|e| Error::Failed(e.to_string()))?;
                Some(sink)
            }
            Some(ref f) => {
                let mut w = BufWriter::with_capacity(1 << 20, f);
                redaction
                    .run_with(round.input, &mut StreamSink::new(&mut w), &opts)
                    .map_err(|e| Error::Failed(e.to_string()))?;
                let f = w
                    .into_inner()
                    .map_err(|e| failed("writing the output", e.into_error()))?;
                f.sync_all().map_err(|e| failed("writing the output", e))?;
                None
            }
        };
        progress.finish(Pass::Redact);
        let seen_hosts = watch.host_literals();

        // The input must be as it was when learning began.
        if let (Some(s), Source::Dir(p) | Source::File(p)) = (round.snapshot, &plan.source) {
            if let Some(what) = s.changed_since(p) {
                return Err(Error::InputChanged(what));
            }
        }

        // Verify what was written, independently.
        let mut originals = round.learned.to_vec();
        // (Millions of client addresses are not listed: see the cap.)
        let pseudo = redactor.pseudonymizer();
        let with_v4 = pseudo.ipv4_count() <= ADDRESS_LITERALS_MAX;
        originals.extend(originals_as_literals(
            &pseudo.assignments_with(with_v4),
            rules,
        ));
        originals.extend(seen_hosts);
        let secrets = redactor.found_secrets().literals(redactor.engine());
        // Under a rule of their own: a leak of one of them is what a second
        // attempt mends.
        originals.extend(secrets.iter().map(|l| LearnedValue {
            rule: secrets::MASKED_ELSEWHERE.to_string(),
            ..l.clone()
        }));
        let verifier = match self.verify_rules {
            Some(set) => Verifier::new(set, &originals),
            None => Verifier::new_like(rules, &originals, redactor.engine()),
        }
        .map_err(|e| failed("compiling rules", e))?
        .with_jobs(jobs);
        let verify_opts = RunOptions {
            progress,
            ..RunOptions::default()
        };
        let written = Input::Path(out.temp.path().to_path_buf());
        progress.start(Pass::Verify, input_size(&written));
        let verification = traversal(
            &verifier,
            round.limits,
            &plan.work_dir,
            Compression::fast(),
            jobs,
        );
        match &dir_sink {
            Some(_) => verification.run_with(&written, &mut NullSink, &verify_opts),
            // Read under the output's name, not the temporary file's: path
            // rules apply as they will to the output, and messages name it.
            None => {
                let name = match &plan.target {
                    Target::Path { given, .. } => given
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    Target::Stdout => String::new(),
                };
                let mut f = fs::File::open(out.temp.path())
                    .map_err(|e| failed("verifying the output", e))?;
                verification.run_named(&name, name.as_bytes(), &mut f, &mut NullSink, &verify_opts)
            }
        }
        .map_err(|e| failed("verifying the output", e))?;
        progress.finish(Pass::Verify);

        let mut totals = pass.totals(rules);
        totals.members_read = tally.entries();
        totals.archives = tally.archives();
        totals.links = tally.links();
        Ok(Attempt {
            out: Output {
                temp: out.temp,
                file: None,
            },
            dir_sink,
            files: pass.files(),
            left_out: pass.left_out(),
            totals,
            leaks: verifier.leaks(),
            unverifiable: verifier.unreadable().len(),
            secrets,
            suspicious: verifier.suspicious_values(),
        })
    }

    fn run_inner(
        &self,
        progress: &Timed<'_>,
        say: &dyn Fn(&str),
        paths: &[&Path],
        plain: &Redactor,
        shown: &mut Option<Redactor>,
    ) -> Result<Outcome, Error> {
        let c = &self.config;
        let rules = self.rules;
        let plan = Plan::new(paths::Asked {
            input: &c.input,
            output: &c.output,
            report: c.report.as_deref(),
            map: c.map.as_deref(),
            key_file: c.key_file.as_deref(),
            force: c.force,
        })
        .map_err(Error::Refused)?;
        // Up front: an output named after the bundle's host
        // (`gitlabsos.<host>_…-redacted.tar.gz`) is refused before any work.
        output_name_check(&plan, plain)?;
        for d in plan.temp_dirs() {
            for n in temp::sweep(&d) {
                // The directory may be named after the bundle.
                say(&format!(
                    "removed {}, left by an interrupted run",
                    plain.redact_text(&d.join(n).display().to_string())
                ));
            }
        }

        // The output's temporary, first: the directory is known writable
        // before any work, and an interruption from here on finds it.
        let mut out = Output::new(&plan)?;
        let (key, key_source) = match &c.key_file {
            Some(p) => {
                let (k, created) = Key::load_or_create(p).map_err(|e| failed("the key file", e))?;
                if created {
                    say(&format!(
                        "created key file (fingerprint {})",
                        k.fingerprint()
                    ));
                }
                (k, "file")
            }
            None => (Key::random().map_err(|e| failed("the key", e))?, "random"),
        };
        let pseudo = Pseudonymizer::new(key);
        if let Some(side) = &plan.map {
            if side.location.exists() {
                let map = Map::load(&side.location).map_err(|e| failed("reading the map", e))?;
                if map.key_fingerprint != pseudo.key().fingerprint() {
                    return Err(Error::Refused(format!(
                        "the map was made with another key (fingerprint {}, this run {}); use its key file or another map path",
                        map.key_fingerprint,
                        pseudo.key().fingerprint()
                    )));
                }
                pseudo.preload(&map.entries);
            }
        }
        let limits = Limits {
            max_member_bytes: c.max_member_bytes,
            ..Limits::default()
        };
        let jobs = c.jobs.max(1);

        let snapshot = match &plan.source {
            Source::Dir(p) | Source::File(p) => {
                Some(Snapshot::take(p).map_err(|e| failed(&p.display().to_string(), e))?)
            }
            _ => None,
        };

        // 1. Learn the bundle's identity.
        let learner = Learner::new(rules)
            .map_err(|e| failed("compiling rules", e))?
            .with_jobs(jobs);
        if let Source::Dir(p) | Source::File(p) | Source::Stream(p) = &plan.source {
            learner.learn_input_name(p);
        }
        let learn_opts = RunOptions {
            progress,
            keep_going: true,
            ..RunOptions::default()
        };
        let mut spool = None;
        let learning =
            match &plan.source {
                Source::Dir(p) | Source::File(p) => {
                    let input = Input::Path(p.clone());
                    progress.start(Pass::Learn, input_size(&input));
                    traversal(&learner, &limits, &plan.work_dir, Compression::fast(), jobs)
                        .run_with(&input, &mut NullSink, &learn_opts)
                }
                Source::Stdin | Source::Stream(_) => {
                    // Read once, kept for the passes after this one.
                    progress.start(Pass::Learn, None);
                    let (t, f) = Temp::file_in(&plan.work_dir, "spool")
                        .map_err(|e| failed("creating a temporary file for the input", e))?;
                    let mut w = BufWriter::with_capacity(1 << 20, f);
                    let (label, name, mut reader): (String, Vec<u8>, Box<dyn Read>) =
                        match &plan.source {
                            Source::Stream(p) => (
                                p.display().to_string(),
                                p.file_name()
                                    .map(|n| n.to_string_lossy().into_owned().into_bytes())
                                    .unwrap_or_default(),
                                Box::new(
                                    fs::File::open(p)
                                        .map_err(|e| failed(&p.display().to_string(), e))?,
                                ),
                            ),
                            _ => ("<stdin>".into(), Vec::new(), Box::new(io::stdin().lock())),
                        };
                    let result = {
                        let mut tee = Tee {
                            r: &mut reader,
                            w: &mut w,
                        };
                        traversal(&learner, &limits, &plan.work_dir, Compression::fast(), jobs)
                            .run_named(&label, &name, &mut tee, &mut NullSink, &learn_opts)
                    };
                    // What learning did not need to read (a tar's padding).
                    io::copy(&mut reader, &mut w).map_err(|e| failed(&label, e))?;
                    w.flush()
                        .map_err(|e| failed("writing the input's spool", e))?;
                    spool = Some(t);
                    result
                }
            };
        progress.finish(Pass::Learn);
        // The redaction pass watches the files that name the host with a
        // learner of its own, on the same automata.
        let watcher = learner.fresh();
        let identity = learner.into_identity();
        if let Err(e) = learning {
            // Say what went wrong in words that hold nothing learned.
            *shown = messages::message_redactor(rules, paths, identity, None).ok();
            return Err(failed("learning the bundle's identity", e));
        }
        let learned = identity.learned_values(&pseudo);

        // 2.–4. Redact into the temporary, check the input, verify. Once
        // more when verification found, away from its key, a credential
        // redaction masked beside one: with those credentials searched
        // everywhere, each gets the same mask wherever it stands (see
        // `redact::secrets`).
        let input = match (&spool, &plan.source) {
            (Some(t), Source::Stream(p)) => Input::Spooled {
                path: t.path().to_path_buf(),
                name: Some(p.clone()),
            },
            (Some(t), _) => Input::Spooled {
                path: t.path().to_path_buf(),
                name: None,
            },
            (None, Source::Dir(p) | Source::File(p) | Source::Stream(p)) => Input::Path(p.clone()),
            (None, Source::Stdin) => unreachable!("stdin is always spooled"),
        };
        let round = Round {
            plan: &plan,
            progress,
            limits: &limits,
            input: &input,
            snapshot: snapshot.as_ref(),
            learned: &learned,
            watcher: &watcher,
            plain,
        };
        let mut pseudo = pseudo;
        let mut spread: Vec<LearnedValue> = Vec::new();
        let mut attempts = 0;
        let done = loop {
            let done = self.attempt(&round, pseudo, &spread, out, shown)?;
            attempts += 1;
            let elsewhere = |l: &&Leak| l.rule == secrets::MASKED_ELSEWHERE;
            let suspicious = |l: &&Leak| l.rule == suspect::SUSPICIOUS_RULE;
            let (n_elsewhere, n_suspicious) = (
                done.leaks.iter().filter(elsewhere).count(),
                done.leaks.iter().filter(suspicious).count(),
            );
            // A leak of a rule is a disagreement between the passes: the
            // output is refused. What a second attempt can mask is masked.
            let again = attempts == 1
                && !done.leaks.is_empty()
                && n_elsewhere + n_suspicious == done.leaks.len();
            if !again {
                break done;
            }
            let mut why = Vec::new();
            if n_elsewhere > 0 {
                why.push(format!(
                    "credentials masked beside their key stand alone in {n_elsewhere} place(s)"
                ));
            }
            if n_suspicious > 0 {
                why.push(format!(
                    "{n_suspicious} random-looking value(s) after a secret-named key no rule knows"
                ));
            }
            say(&format!("redacting again: {}", why.join("; ")));
            spread = done.secrets;
            spread.extend(done.suspicious.into_iter().map(|value| LearnedValue {
                value,
                rule: suspect::SUSPICIOUS_RULE.to_string(),
                category: Category::Credential,
                kind: suspect::SUSPICIOUS_RULE.to_string(),
                boundary: Boundary::Alnum,
            }));
            pseudo = shown
                .take()
                .expect("an attempt leaves its redactor")
                .into_pseudonymizer();
            done.out
                .temp
                .remove()
                .map_err(|e| failed("removing the first attempt's output", e))?;
            out = Output::new(&plan)?;
        };
        let Some(redactor) = shown.as_ref() else {
            unreachable!("an attempt leaves its redactor")
        };
        let pseudo = redactor.pseudonymizer();
        let Attempt {
            out: Output { temp: out_temp, .. },
            dir_sink,
            files,
            left_out,
            totals,
            leaks,
            unverifiable,
            ..
        } = done;
        if !leaks.is_empty() {
            return Err(Error::Remains(leaks));
        }

        // A single-file input that could not be read at all would leave an
        // empty output: say so instead.
        if !matches!(plan.source, Source::Dir(_)) && files.is_empty() {
            if let Some(l) = left_out.first() {
                return Err(Error::Failed(format!(
                    "{}: cannot be redacted: {}",
                    c.input.display(),
                    l.reason
                )));
            }
        }
        if let Some(sink) = dir_sink {
            sink.finish()
                .map_err(|e| failed("setting the output's modes", e))?;
        }

        // 5. The report and the map beside where they go, then everything
        //    into place together.
        let shown_path = |p: &Path| redactor.redact_text(&p.display().to_string());
        let report = Report {
            airlock_version: env!("CARGO_PKG_VERSION").into(),
            input: shown_path(&c.input),
            output: shown_path(&c.output),
            key_fingerprint: pseudo.key().fingerprint(),
            key_source: key_source.into(),
            packs: Report::packs(rules),
            learned: [
                ("hosts".to_string(), identity.hosts.len()),
                ("users".to_string(), identity.users.len()),
                ("names".to_string(), identity.names.len()),
            ]
            .into_iter()
            .collect(),
            files,
            left_out,
            totals,
            verification: VerificationReport {
                clean: leaks.is_empty(),
                leaks: leaks.len(),
                unverifiable,
            },
            passes: progress.passes(),
        };
        // Owner-only until now; what is shared gets the input's mode (a
        // file's read bits, for a directory written as an archive).
        let shared_mode = match &plan.source {
            Source::File(p) | Source::Dir(p) => fs::metadata(p)
                .map(|m| mode_of(&m) & 0o666)
                .unwrap_or(0o644),
            Source::Stdin | Source::Stream(_) => 0o644,
        } | 0o600;
        let mut moves = Vec::new();
        if !plan.output_is_dir {
            set_mode(out_temp.path(), shared_mode)
                .map_err(|e| failed("setting the output's mode", e))?;
        }
        let output = match &plan.target {
            Target::Path { location, .. } => Some(location.clone()),
            Target::Stdout => None,
        };
        let out_temp = match &plan.target {
            Target::Path { location, .. } => {
                moves.push(commit::Move {
                    temp: out_temp,
                    to: location.clone(),
                    replace: c.force,
                });
                None
            }
            Target::Stdout => Some(out_temp),
        };
        if let Some(side) = &plan.report {
            let (t, f) = Temp::file_in(&side.parent, "report")
                .map_err(|e| failed(&format!("writing the report {}", side.given.display()), e))?;
            let mut w = BufWriter::new(f);
            serde_json::to_writer_pretty(&mut w, &report)
                .map_err(io::Error::from)
                .and_then(|()| w.write_all(b"\n"))
                .and_then(|()| w.into_inner().map_err(|e| e.into_error()))
                .and_then(|f| f.sync_all())
                .and_then(|()| set_mode(t.path(), shared_mode))
                .map_err(|e| failed(&format!("writing the report {}", side.given.display()), e))?;
            moves.push(commit::Move {
                temp: t,
                to: side.location.clone(),
                replace: true,
            });
        }
        if let Some(side) = &plan.map {
            let (t, f) = Temp::file_in(&side.parent, "map")
                .map_err(|e| failed(&format!("writing the map {}", side.given.display()), e))?;
            let mut w = BufWriter::with_capacity(256 << 10, f);
            Map::write_pseudonyms(pseudo, &mut w)
                .and_then(|()| w.into_inner().map_err(|e| e.into_error()))
                .and_then(|f| f.sync_all())
                .map_err(|e| failed(&format!("writing the map {}", side.given.display()), e))?;
            moves.push(commit::Move {
                temp: t,
                to: side.location.clone(),
                replace: true,
            });
        }
        if let Some(t) = &out_temp {
            // Standard output cannot be taken back: it is written first, and
            // the report and the map only if that worked.
            let mut r = fs::File::open(t.path()).map_err(|e| failed("the output", e))?;
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            io::copy(&mut r, &mut lock)
                .and_then(|_| lock.flush())
                .map_err(|e| failed("writing to standard output", e))?;
        }
        let warnings = commit::commit(moves).map_err(|e| Error::Failed(e.to_string()))?;
        for w in warnings {
            say(&w);
        }
        if let (true, Some(out), Source::Dir(i)) = (plan.output_is_dir, &output, &plan.source) {
            // The temporary directory was owner-only; give the output the
            // input directory's mode.
            if let Ok(md) = fs::metadata(i) {
                let _ = fs::set_permissions(out, md.permissions());
            }
        }
        Ok(Outcome { report, output })
    }
}

fn mode_of(md: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        md.permissions().mode()
    }
    #[cfg(not(unix))]
    {
        let _ = md;
        0o644
    }
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// A traversal with the run's settings.
fn traversal<'t>(
    t: &'t dyn Transform,
    limits: &Limits,
    work_dir: &Path,
    level: Compression,
    jobs: usize,
) -> Traversal<'t> {
    Traversal {
        transform: t,
        limits: limits.clone(),
        spool_dir: Some(work_dir.to_path_buf()),
        level,
        jobs,
    }
}

/// Save a stream that can be read only once — standard input (`path` is
/// `None`), a FIFO, `<(…)` — into an owner-only temporary in `dir`, so
/// several passes can read it. The temporary is removed when dropped and on
/// an interruption.
pub fn spool_once(path: Option<&Path>, dir: &Path) -> io::Result<(Temp, Input)> {
    let (t, f) = Temp::file_in(dir, "spool")?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    match path {
        Some(p) => io::copy(&mut fs::File::open(p)?, &mut w)?,
        None => io::copy(&mut io::stdin().lock(), &mut w)?,
    };
    w.flush()?;
    let input = Input::Spooled {
        path: t.path().to_path_buf(),
        name: path.map(Path::to_path_buf),
    };
    Ok((t, input))
}

/// Whether `path` can be read only once (a FIFO, `<(…)`, a device): not a
/// regular file nor a directory.
pub fn reads_once(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
