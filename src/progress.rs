//! Progress of long passes, for a person watching a terminal.
//!
//! A pass (learning, redaction, verification, a scan, a report's read) says
//! when it starts, with the bytes it expects when it knows them, and counts
//! the bytes it reads from the input's files (compressed bytes as they are
//! on disk, so the total is known before the pass starts). [`Bars`] draws
//! one bar per pass on stderr with bytes, rate and time left (`indicatif`);
//! [`Silent`] draws nothing and is what every pass gets when stderr is not
//! a terminal or `--quiet` was given, so logs and pipes never see escape
//! sequences.
//!
//! The same calls let a test observe a run from the inside (the pipeline
//! tests change the input when redaction starts, for instance).

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The passes airlock reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Learning a bundle's identity (host, users, addresses).
    Learn,
    /// Writing the redacted copy.
    Redact,
    /// Reading the output (or a bundle) again to verify it.
    Verify,
    /// Looking for findings (`scan`).
    Scan,
    /// Reading logs for a report.
    Read,
}

impl Pass {
    pub fn label(self) -> &'static str {
        match self {
            Pass::Learn => "learn",
            Pass::Redact => "redact",
            Pass::Verify => "verify",
            Pass::Scan => "scan",
            Pass::Read => "read",
        }
    }
}

/// Observes passes. Every method has a default that does nothing; `read`
/// is called from any thread.
pub trait Progress: Sync {
    /// A pass starts; `total` bytes will be read, if known.
    fn start(&self, pass: Pass, total: Option<u64>) {
        let _ = (pass, total);
    }
    /// `bytes` more of the input were read.
    fn read(&self, bytes: u64) {
        let _ = bytes;
    }
    /// The pass is over.
    fn finish(&self, pass: Pass) {
        let _ = pass;
    }
}

/// Draws nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {}

/// A bar per pass on stderr.
#[derive(Debug)]
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr when it is a terminal and `quiet` is off; otherwise
    /// [`Silent`].
    pub fn for_stderr(quiet: bool) -> Box<dyn Progress> {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            Box::new(Silent)
        } else {
            Box::new(Bars {
                bar: Mutex::new(None),
            })
        }
    }

    fn current(&self) -> Option<ProgressBar> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Progress for Bars {
    fn start(&self, pass: Pass, total: Option<u64>) {
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{prefix:>7} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
                    )
                    .expect("the template is valid")
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template(
                    "{prefix:>7} {spinner} {binary_bytes} {binary_bytes_per_sec} {elapsed}",
                )
                .expect("the template is valid"),
            ),
        };
        bar.set_prefix(pass.label());
        let old = self
            .bar
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(bar);
        if let Some(old) = old {
            finish_line(&old);
        }
    }

    fn read(&self, bytes: u64) {
        if let Some(b) = self.current() {
            b.inc(bytes);
        }
    }

    fn finish(&self, _pass: Pass) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            finish_line(&b);
        }
    }
}

/// Leave a bar at its final count (what the pass read and how fast) and
/// move below it, so the next bar or message starts on a line of its own.
fn finish_line(b: &ProgressBar) {
    b.finish();
    if !b.is_hidden() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr());
    }
}

/// A reader that reports what it reads to a [`Progress`].
pub struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
}

impl<'p, R> Counting<'p, R> {
    pub fn new(inner: R, progress: &'p dyn Progress) -> Self {
        Counting { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.progress.read(n as u64);
        }
        Ok(n)
    }
}

/// One pass as [`Timed`] saw it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PassTime {
    /// `learn`, `redact`, `verify`, …
    pub pass: &'static str,
    /// Wall time from its start to its finish.
    pub seconds: f64,
    /// Bytes read from the input's files (compressed bytes as on disk).
    pub bytes: u64,
}

/// Times each pass while passing every call on to another [`Progress`]:
/// the report says where a run's time went, pass by pass.
pub struct Timed<'p> {
    inner: &'p dyn Progress,
    bytes: std::sync::atomic::AtomicU64,
    state: Mutex<Timings>,
}

/// The pass under way (and since when), and the passes finished.
type Timings = (Option<(Pass, std::time::Instant)>, Vec<PassTime>);

impl<'p> Timed<'p> {
    pub fn new(inner: &'p dyn Progress) -> Timed<'p> {
        Timed {
            inner,
            bytes: std::sync::atomic::AtomicU64::new(0),
            state: Mutex::new((None, Vec::new())),
        }
    }

    /// The passes finished so far, in order.
    pub fn passes(&self) -> Vec<PassTime> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }
}

impl Progress for Timed<'_> {
    fn start(&self, pass: Pass, total: Option<u64>) {
        self.bytes.store(0, std::sync::atomic::Ordering::Relaxed);
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0 =
            Some((pass, std::time::Instant::now()));
        self.inner.start(pass, total);
    }

    fn read(&self, bytes: u64) {
        self.bytes
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        self.inner.read(bytes);
    }

    fn finish(&self, pass: Pass) {
        self.inner.finish(pass);
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((p, t)) = s.0.take() {
            let done = PassTime {
                pass: p.label(),
                seconds: t.elapsed().as_secs_f64(),
                bytes: self.bytes.load(std::sync::atomic::Ordering::Relaxed),
            };
            s.1.push(done);
        }
    }
}
