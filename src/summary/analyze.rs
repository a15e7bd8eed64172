//! The one pass: every member read once, line by line, into bounded
//! accumulators — per-key statistics per log, errors, top talkers, the
//! timeline, trace hits and the host facts.
//!
//! Values are kept raw here (so grouping by user or IP is exact) and only
//! sanitized when a report is built ([`super::report`]).
//!
//! # Bounds
//!
//! Memory does not grow with the input size, only with the number of
//! distinct keys, each capped: [`MAX_KEYS`] keys per log (then an
//! `(other keys)` row), [`MAX_TOP`] values per top dimension, [`MAX_ERRORS`]
//! error groups, [`MAX_MINUTES`] timeline minutes, [`MAX_TRACE`] trace lines.
//! Lines are cut at [`crate::logs::read::MAX_LINE`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

use crate::logs::kind::{base_name, kind_from_path};
use crate::logs::read::{for_each_line, read_small, Member};
use crate::logs::text::normalize_message;
use crate::logs::{Event, Line, LineParser, LogKind};

use super::overview::{fact_file, Facts};
use super::stats::KeyStats;

/// Maps keyed by strings from the logs. foldhash instead of SipHash: the
/// per-line lookups (key, user, project, IP, user agent) were a third of the
/// pass on production_json; foldhash is seeded per process, and every map is
/// capped, which bounds what crafted colliding keys could cost.
pub type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// Distinct keys per log before the rest are pooled: GitLab has ~2,000
/// controller actions and API routes in all, so real keys fit; templated
/// URLs of unusual clients are what this stops.
pub const MAX_KEYS: usize = 5_000;
/// Distinct users / projects / IPs / user agents per log and dimension.
pub const MAX_TOP: usize = 100_000;
/// Distinct error groups in all.
pub const MAX_ERRORS: usize = 10_000;
/// Timeline minutes per log (~2 years).
pub const MAX_MINUTES: usize = 1_000_000;
/// Trace lines kept.
pub const MAX_TRACE: usize = 100_000;
/// Intervals per log with a table of their own (`--interval`): a week of
/// minutes. Events after that are in the log's table only (and counted).
pub const MAX_INTERVALS: usize = 10_080;
/// (interval, key) cells per log, over all its intervals; past that, new
/// keys of an interval go to its `(other keys)` row. Each cell is bounded
/// as a key is ([`super::stats`]), so this bounds the memory of
/// `--interval` whatever the input.
pub const MAX_INTERVAL_CELLS: usize = 50_000;
/// Identifying values remembered to teach the sanitizer, per kind.
pub const MAX_LEARNED: usize = 50_000;
/// Messages and trace lines are kept up to this many bytes.
const MAX_TEXT: usize = 2_000;
/// A file whose name says nothing is read as a log only if at least half of
/// its first lines parse as log lines.
const SNIFF_LINES: usize = 50;

/// Lines of one file that wait for its majority kind (see
/// `Analysis::read_lines`): enough for any real mix, bounded.
pub const PENDING_LINES: usize = 10_000;
pub const PENDING_BYTES: usize = 16 << 20;

/// The state of one file's line loop.
struct FileState {
    log: String,
    /// The kind the file's path names, if any.
    file_kind: Option<LogKind>,
    /// The kind of a line that tells none, when the file tells none either.
    fallback: LogKind,
    /// The last section used, and its index (most lines repeat it).
    last: Option<(LogKind, usize)>,
    /// Kinds the file's lines told, with counts.
    told: BTreeMap<LogKind, u64>,
    /// Lines that told no kind, waiting for the majority.
    pending: Vec<(u64, Vec<u8>)>,
    pending_bytes: usize,
    overflowed: bool,
}

impl FileState {
    /// The kind most of the file's lines told so far (ties: the first in
    /// kind order, so the result does not depend on hashing).
    fn majority(&self) -> Option<LogKind> {
        let mut best: Option<(&LogKind, u64)> = None;
        for (k, n) in &self.told {
            if best.is_none_or(|(_, m)| *n > m) {
                best = Some((k, *n));
            }
        }
        best.map(|(k, _)| k.clone())
    }
}

/// What to collect.
#[derive(Clone, Debug, Default)]
pub struct Want {
    pub stats: bool,
    pub errors: bool,
    pub top: bool,
    /// Correlation ids or jids to follow (trace mode when not empty: only
    /// lines holding one are parsed). Several are followed in one read.
    pub trace: Vec<String>,
    /// Per-key statistics per interval of this many milliseconds (aligned to
    /// the epoch, UTC), as fast-stats' `--interval`.
    pub interval_ms: Option<i64>,
    /// Evidence for `brief`: the probe's regexes on the files it names, and
    /// failures by minute with sample lines ([`super::evidence`]).
    pub brief: Option<super::evidence::SharedProbe>,
}

/// One input file as read.
#[derive(Clone, Debug, Default)]
pub struct FileInfo {
    pub name: String,
    /// Kinds seen in the file, with line counts.
    pub kinds: BTreeMap<String, u64>,
    pub size: u64,
    pub bytes: u64,
    pub lines: u64,
    pub unparsed: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub compressed: bool,
    pub error: Option<String>,
    /// Not a log (a command output or config); listed, not analysed.
    pub not_a_log: bool,
}

/// Minute bucket of a timeline.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bucket {
    pub events: u64,
    pub fails: u64,
}

/// Count and total duration per value (user, project, IP, user agent).
#[derive(Clone, Default)]
pub struct Counter {
    pub map: Map<Box<str>, (u64, f64)>,
    pub overflow: (u64, f64),
}

impl Counter {
    fn add(&mut self, v: &str, ms: f64) {
        if let Some(e) = self.map.get_mut(v) {
            e.0 += 1;
            e.1 += ms;
        } else if self.map.len() < MAX_TOP {
            self.map.insert(v.into(), (1, ms));
        } else {
            self.overflow.0 += 1;
            self.overflow.1 += ms;
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TopAcc {
    pub users: Counter,
    pub projects: Counter,
    pub ips: Counter,
    pub agents: Counter,
}

/// The keys of one interval of one log.
#[derive(Clone, Default)]
pub struct IntervalAcc {
    pub keys: Map<Box<str>, KeyStats>,
    pub other_keys: KeyStats,
    pub total: KeyStats,
}

/// Per-interval statistics of one log (`--interval`).
#[derive(Clone, Default)]
pub struct Intervals {
    /// Interval start (ms since the epoch) → its keys.
    pub by_start: BTreeMap<i64, IntervalAcc>,
    /// (interval, key) cells in use.
    pub cells: usize,
    /// Events in no table: past [`MAX_INTERVALS`], or without a time.
    pub left_out: u64,
}

impl Intervals {
    fn add(&mut self, size_ms: i64, time: Option<i64>, key: &str, ms: Option<f64>, failed: bool) {
        let Some(t) = time else {
            self.left_out += 1;
            return;
        };
        let start = t.div_euclid(size_ms) * size_ms;
        let n = self.by_start.len();
        let iv = match self.by_start.get_mut(&start) {
            Some(iv) => iv,
            None if n < MAX_INTERVALS => self.by_start.entry(start).or_default(),
            None => {
                self.left_out += 1;
                return;
            }
        };
        iv.total.add(ms, failed);
        if let Some(k) = iv.keys.get_mut(key) {
            k.add(ms, failed);
        } else if self.cells < MAX_INTERVAL_CELLS {
            let mut k = KeyStats::default();
            k.add(ms, failed);
            iv.keys.insert(key.into(), k);
            self.cells += 1;
        } else {
            iv.other_keys.add(ms, failed);
        }
    }
}

/// One log (rotated files merged) of one kind.
#[derive(Clone)]
pub struct SectionAcc {
    pub log: String,
    pub kind: LogKind,
    pub keys: Map<Box<str>, KeyStats>,
    pub other_keys: KeyStats,
    pub total: KeyStats,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub minutes: BTreeMap<i64, Bucket>,
    pub top: TopAcc,
    pub intervals: Intervals,
    /// Per endpoint, its slowest request (`brief` only).
    pub slowest: HashMap<Box<str>, super::evidence::Slowest>,
}

impl SectionAcc {
    fn new(log: String, kind: LogKind) -> SectionAcc {
        SectionAcc {
            log,
            kind,
            keys: Map::default(),
            other_keys: KeyStats::default(),
            total: KeyStats::default(),
            first: None,
            last: None,
            minutes: BTreeMap::new(),
            top: TopAcc::default(),
            intervals: Intervals::default(),
            slowest: HashMap::new(),
        }
    }

    /// Seconds between the first and last event; `None` when they are the
    /// same instant (or the log has no times), where a rate is not defined.
    pub fn span_s(&self) -> Option<f64> {
        match (self.first, self.last) {
            (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1000.0),
            _ => None,
        }
    }
}

/// An error group: same source kind, class and normalised message.
#[derive(Clone, Default)]
pub struct ErrGroup {
    pub count: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub correlation_id: Option<String>,
    /// One raw example of the message.
    pub example: String,
    /// An endpoint / worker where it happened.
    pub key: Option<String>,
}

#[derive(Clone, Default)]
pub struct ErrorsAcc {
    /// (kind, class, normalised message) → group.
    pub groups: Map<(String, String, String), ErrGroup>,
    pub overflow: u64,
    /// gRPC code → calls.
    pub grpc_codes: Map<String, u64>,
    /// (method, code) → calls, for codes other than OK.
    pub grpc_failures: HashMap<(String, String), u64>,
    /// Sidekiq worker class → (failed jobs, an error class seen).
    pub sidekiq_failures: HashMap<String, (u64, Option<String>)>,
    /// (kind, HTTP status) → count.
    pub statuses: Map<(LogKind, u16), u64>,
}

/// A line carrying the traced id.
#[derive(Clone)]
pub struct TraceHit {
    /// The followed id this line holds (see [`Want::trace`]).
    pub id: String,
    pub time: Option<i64>,
    pub file: String,
    pub line_no: u64,
    pub kind: Option<String>,
    pub key: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: Option<f64>,
    pub severity: Option<String>,
    pub message: Option<String>,
    pub raw: String,
}

impl TraceHit {
    /// A line of `id` with nothing parsed from it.
    pub fn bare(id: &str, file: &str, line_no: u64, raw: String) -> TraceHit {
        TraceHit {
            id: id.to_string(),
            time: None,
            file: file.to_string(),
            line_no,
            kind: None,
            key: None,
            status: None,
            duration_ms: None,
            severity: None,
            message: None,
            raw,
        }
    }

    /// A line of `id` with the fields of its event.
    fn of_event(id: &str, file: &str, line_no: u64, e: &Event<'_>, raw: String) -> TraceHit {
        TraceHit {
            time: e.time,
            kind: e.kind.as_ref().map(|k| k.name().to_string()),
            key: e.key.as_deref().map(str::to_string),
            status: e.status,
            duration_ms: e.duration_ms,
            severity: e.severity.as_deref().map(str::to_string),
            message: e
                .error_message
                .as_deref()
                .or(e.message.as_deref())
                .map(|m| trunc(m, 300)),
            ..TraceHit::bare(id, file, line_no, raw)
        }
    }
}

/// Identifying values seen in typed fields, to teach the sanitizer and to
/// tell whether the input is a bundle airlock redacted.
#[derive(Clone, Default)]
pub struct Seen {
    pub users: Set<String>,
    pub projects: Set<String>,
    pub hosts: Set<String>,
    pub ips: Set<String>,
}

impl Seen {
    fn add(set: &mut Set<String>, v: &str) {
        if set.len() < MAX_LEARNED && !set.contains(v) {
            set.insert(v.to_string());
        }
    }

    /// Distinct user names, hosts and addresses seen: (airlock's own
    /// pseudonyms, others). Service accounts, `localhost` and loopback
    /// addresses are neither: a redacted bundle keeps them too.
    pub fn names(&self) -> (usize, usize) {
        use super::sanitize::{is_own_value, ValueKind};
        let (mut own, mut other) = (0, 0);
        let mut count = |is_own: bool, counts: bool| {
            if is_own {
                own += 1;
            } else if counts {
                other += 1;
            }
        };
        for u in &self.users {
            count(
                is_own_value(ValueKind::User, u),
                crate::redact::learn::is_learnable_user(u),
            );
        }
        for h in &self.hosts {
            let h = h.trim();
            count(
                is_own_value(ValueKind::Host, h),
                h.bytes().any(|b| b.is_ascii_alphabetic())
                    && !h.eq_ignore_ascii_case("localhost")
                    && h.parse::<std::net::IpAddr>().is_err(),
            );
        }
        for ip in &self.ips {
            if let Ok(a) = ip.trim().parse::<std::net::IpAddr>() {
                count(
                    is_own_value(ValueKind::Ip, ip),
                    !a.is_loopback() && !a.is_unspecified(),
                );
            }
        }
        (own, other)
    }
}

/// Everything one pass collected. Holds raw log text (messages, trace
/// lines, user names): its `Debug` prints only counts.
#[derive(Default)]
pub struct Analysis {
    pub files: Vec<FileInfo>,
    pub sections: Vec<SectionAcc>,
    pub errors: ErrorsAcc,
    pub facts: Facts,
    pub trace: Vec<TraceHit>,
    pub trace_overflow: u64,
    pub seen: Seen,
    /// What `brief` collects (empty unless `Want::brief`).
    pub evidence: super::evidence::Evidence,
    /// (log, kind) → index into `sections`.
    index: Map<(String, LogKind), usize>,
}

// Types that hold raw log text print only their shape.
impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("files", &self.files.len())
            .field("sections", &self.sections.len())
            .field("error_groups", &self.errors.groups.len())
            .field("trace", &self.trace.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ErrGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrGroup")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TraceHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceHit")
            .field("line_no", &self.line_no)
            .field("raw", &format_args!("[{} bytes]", self.raw.len()))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter")
            .field("distinct", &self.map.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SectionAcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SectionAcc")
            .field("kind", &self.kind)
            .field("keys", &self.keys.len())
            .field("count", &self.total.count)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ErrorsAcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorsAcc")
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seen")
            .field("users", &self.users.len())
            .field("projects", &self.projects.len())
            .field("hosts", &self.hosts.len())
            .field("ips", &self.ips.len())
            .finish()
    }
}

fn trunc(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn widen(first: &mut Option<i64>, last: &mut Option<i64>, t: i64) {
    *first = Some(first.map_or(t, |f| f.min(t)));
    *last = Some(last.map_or(t, |l| l.max(t)));
}

impl Analysis {
    /// Read every member once.
    pub fn run(members: &[Member], want: &Want) -> Analysis {
        let mut a = Analysis::default();
        for m in members {
            a.read_member(m, want);
        }
        a.finish();
        a
    }

    /// Sort sections (call after the last input).
    pub fn finish(&mut self) {
        self.sections
            .sort_by(|x, y| (&x.log, &x.kind).cmp(&(&y.log, &y.kind)));
        self.index = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.log.clone(), s.kind.clone()), i))
            .collect();
    }

    /// Read one stream of log lines named `name` (benchmarks and tests; the
    /// commands go through [`Analysis::run`]).
    pub fn read_stream(&mut self, name: &str, reader: &mut dyn BufRead, want: &Want) {
        let mut info = FileInfo {
            name: name.to_string(),
            ..FileInfo::default()
        };
        let kind = kind_from_path(name);
        self.read_lines(&mut info, name.to_string(), kind, reader, want, &[]);
        self.files.push(info);
    }

    fn read_member(&mut self, m: &Member, want: &Want) {
        let mut info = FileInfo {
            name: m.name.clone(),
            size: m.size(),
            ..FileInfo::default()
        };
        if let Some(ff) = fact_file(&m.kind_path) {
            info.not_a_log = true;
            match m.open() {
                Ok(mut r) => match read_small(&mut r, 4 << 20) {
                    Ok(t) => self.facts.read(ff, &t),
                    Err(e) => info.error = Some(e.to_string()),
                },
                Err(e) => info.error = Some(e.to_string()),
            }
            self.files.push(info);
            return;
        }
        let path_kind = kind_from_path(&m.kind_path);
        if path_kind.is_none() && m.path().is_some() && !looks_like_log(m) {
            info.not_a_log = true;
            self.files.push(info);
            return;
        }
        let mut reader = match m.open() {
            Ok(r) => r,
            Err(e) => {
                info.error = Some(e.to_string());
                self.files.push(info);
                return;
            }
        };
        let log = if m.path().is_some() {
            base_name(&m.name)
        } else {
            m.name.clone()
        };
        let n = self.read_lines(&mut info, log, path_kind, &mut reader, want, &[]);
        if n > 0 && n != info.size && info.size > 0 {
            info.compressed = is_gzip(m);
        }
        self.files.push(info);
    }

    /// Read one member met inside a bundle (already decompressed): `name` is
    /// shown in reports, `kind_path` recognises the log kind. This is how the
    /// commands read every input, through [`crate::bundle`].
    pub fn read_named(
        &mut self,
        name: &str,
        kind_path: &str,
        gzip: bool,
        reader: &mut dyn std::io::Read,
        want: &Want,
    ) {
        let mut info = FileInfo {
            name: name.to_string(),
            compressed: gzip,
            ..FileInfo::default()
        };
        let mut r = std::io::BufReader::with_capacity(256 << 10, reader);
        // `brief`'s probe items whose globs name this file.
        let items = match &want.brief {
            Some(p) => {
                let it = p.applicable(if kind_path.is_empty() {
                    name
                } else {
                    kind_path
                });
                self.evidence.saw_file(&it, p.items.len());
                it
            }
            None => Vec::new(),
        };
        if let Some(ff) = fact_file(kind_path) {
            info.not_a_log = true;
            match read_small(&mut r, 4 << 20) {
                Ok(t) => {
                    if let (Some(p), false) = (&want.brief, items.is_empty()) {
                        for (i, l) in t.lines().enumerate() {
                            self.evidence.probe_line(
                                p,
                                &items,
                                name,
                                i as u64 + 1,
                                None,
                                l.as_bytes(),
                            );
                        }
                    }
                    self.facts.read(ff, &t)
                }
                Err(e) => info.error = Some(e.to_string()),
            }
            self.files.push(info);
            return;
        }
        let path_kind = kind_from_path(kind_path);
        if path_kind.is_none() && !kind_path.is_empty() {
            let head = match r.fill_buf() {
                Ok(h) => h,
                Err(e) => {
                    info.error = Some(e.to_string());
                    self.files.push(info);
                    return;
                }
            };
            if !head_looks_like_log(head) {
                info.not_a_log = true;
                // A command output a probe names (`dmesg`,
                // `gitlab_migrations`): its lines, in the same one read.
                if let (Some(p), false) = (&want.brief, items.is_empty()) {
                    let mut no = 0u64;
                    let ev = &mut self.evidence;
                    let res = for_each_line(&mut r, |l| {
                        no += 1;
                        ev.probe_line(p, &items, name, no, None, l);
                    });
                    if let Err(e) = res {
                        info.error = Some(e.to_string());
                    }
                }
                self.files.push(info);
                return;
            }
        }
        let log = if kind_path.is_empty() {
            name.to_string()
        } else {
            base_name(name)
        };
        let n = self.read_lines(&mut info, log, path_kind, &mut r, want, &items);
        info.size = n;
        self.files.push(info);
    }

    /// The line loop. Returns the bytes read.
    ///
    /// A line that says nothing about its kind (`Event::kind_guessed`: a
    /// production_json line with `"controller":null`) joins its file's
    /// kind: the one the path names, else the kind most of the file's other
    /// lines have. The second needs the whole file, so in a file whose path
    /// names no specific kind such lines wait (their bytes, up to
    /// [`PENDING_LINES`] / [`PENDING_BYTES`]) and are read again as that
    /// kind at the end; past the cap they join the majority so far.
    fn read_lines(
        &mut self,
        info: &mut FileInfo,
        log: String,
        path_kind: Option<LogKind>,
        reader: &mut dyn BufRead,
        want: &Want,
        items: &[usize],
    ) -> u64 {
        let mut parser = LineParser::new(path_kind.clone());
        let file_kind = path_kind.clone();
        let is_pg = matches!(path_kind, Some(LogKind::Postgresql));
        // Only a kind the path names generically (or none) is open to the
        // file's majority.
        let by_majority = matches!(path_kind, None | Some(LogKind::Other(_)));
        let fallback = path_kind.unwrap_or_else(|| LogKind::from_name("unknown"));
        let finders: Vec<(&str, memchr::memmem::Finder<'static>)> = want
            .trace
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| {
                (
                    t.as_str(),
                    memchr::memmem::Finder::new(t.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut st = FileState {
            log,
            file_kind,
            fallback,
            last: None,
            told: BTreeMap::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            overflowed: false,
        };
        let mut line_no = 0u64;
        let name = info.name.clone();
        // PostgreSQL says its version when it starts (10 and later:
        // `LOG:  starting PostgreSQL 14.11 on x86_64-pc-linux-gnu, …`).
        let pg_start = is_pg.then(|| memchr::memmem::Finder::new(b"starting PostgreSQL "));
        let result = for_each_line(reader, |line| {
            line_no += 1;
            if let Some(at) = pg_start.as_ref().and_then(|f| f.find(line)) {
                let rest = &line[at + b"starting PostgreSQL ".len()..];
                let n = rest
                    .iter()
                    .take_while(|b| b.is_ascii_digit() || **b == b'.')
                    .count();
                if n > 0 && rest[0].is_ascii_digit() {
                    // The last start in the log is what runs.
                    self.facts.postgresql_running = Some((
                        String::from_utf8_lossy(&rest[..n]).into_owned(),
                        name.clone(),
                        line_no,
                    ));
                }
            }
            if !finders.is_empty() {
                // Trace mode reads only lines that contain an id.
                info.lines += 1;
                for (id, f) in &finders {
                    if f.find(line).is_some() {
                        let l = parser.parse(line);
                        self.trace_line(info, id, &name, line_no, line, l);
                    }
                }
                return;
            }
            let parsed = parser.parse(line);
            if let (Some(p), false) = (&want.brief, items.is_empty()) {
                let time = match &parsed {
                    Line::Event(e) => e.time,
                    Line::Known { time } => *time,
                    _ => None,
                };
                self.evidence
                    .probe_line(p, items, &name, line_no, time, line);
            }
            match parsed {
                Line::Blank => {}
                Line::Unparsed => {
                    info.lines += 1;
                    info.unparsed += 1;
                }
                Line::Known { time } => {
                    info.lines += 1;
                    if let Some(t) = time {
                        widen(&mut info.first, &mut info.last, t);
                    }
                }
                Line::Event(e) if by_majority && e.kind_guessed => {
                    info.lines += 1;
                    if !st.overflowed {
                        st.pending_bytes += line.len();
                        st.pending.push((line_no, line.to_vec()));
                        if st.pending.len() >= PENDING_LINES || st.pending_bytes >= PENDING_BYTES {
                            self.flush_pending(info, &mut st, want);
                            st.overflowed = true;
                        }
                        return;
                    }
                    match st.majority() {
                        Some(k) => {
                            if let Line::Event(e) = LineParser::new(Some(k)).parse(line) {
                                self.take_event(info, &mut st, &e, want, (line_no, line));
                            }
                        }
                        None => self.take_event(info, &mut st, &e, want, (line_no, line)),
                    }
                }
                Line::Event(e) => {
                    info.lines += 1;
                    if by_majority {
                        if let Some(k) = &e.kind {
                            *st.told.entry(k.clone()).or_default() += 1;
                        }
                    }
                    self.take_event(info, &mut st, &e, want, (line_no, line));
                }
            }
        });
        self.flush_pending(info, &mut st, want);
        match result {
            Ok(n) => {
                info.bytes = n;
                n
            }
            Err(e) => {
                info.error = Some(e.to_string());
                0
            }
        }
    }

    /// Read the lines that waited for their file's majority kind as that
    /// kind (or as they are, if no line of the file told one).
    fn flush_pending(&mut self, info: &mut FileInfo, st: &mut FileState, want: &Want) {
        let pending = std::mem::take(&mut st.pending);
        st.pending_bytes = 0;
        let mut parser = LineParser::new(st.majority().or_else(|| st.file_kind.clone()));
        for (line_no, line) in &pending {
            if let Line::Event(e) = parser.parse(line) {
                self.take_event(info, st, &e, want, (*line_no, line));
            }
        }
    }

    /// One event of a file into its section (`kind`, or the file's
    /// fallback) and the other accumulators.
    fn take_event(
        &mut self,
        info: &mut FileInfo,
        st: &mut FileState,
        e: &Event<'_>,
        want: &Want,
        at: (u64, &[u8]),
    ) {
        if let Some(t) = e.time {
            widen(&mut info.first, &mut info.last, t);
        }
        let kind = e.kind.clone().unwrap_or_else(|| st.fallback.clone());
        let idx = match &st.last {
            Some((k, i)) if *k == kind => *i,
            _ => {
                let log = &st.log;
                let i = *self
                    .index
                    .entry((log.clone(), kind.clone()))
                    .or_insert_with(|| {
                        self.sections
                            .push(SectionAcc::new(log.clone(), kind.clone()));
                        self.sections.len() - 1
                    });
                st.last = Some((kind.clone(), i));
                i
            }
        };
        match info.kinds.get_mut(kind.name()) {
            Some(n) => *n += 1,
            None => {
                info.kinds.insert(kind.name().to_string(), 1);
            }
        }
        self.add_event(idx, &kind, e, want);
        if want.brief.is_some() {
            if e.failed {
                if let Some(t) = e.time {
                    self.add_failure(&kind, &info.name, t, e, at);
                }
            }
            self.sample_request(&info.name, e, at.0);
            if let (true, Some(d)) = (e.stat, e.duration_ms) {
                let key = e.key.as_deref().unwrap_or("(none)");
                super::evidence::keep_slowest(
                    &mut self.sections[idx].slowest,
                    &mut self.evidence.slowest_total,
                    key,
                    d,
                    (&info.name, at.0, at.1),
                );
            }
        }
    }

    /// This event's line in the trace sample, under its correlation id
    /// and its job id (see [`super::evidence::TraceSample`]).
    fn sample_request(&mut self, file: &str, e: &Event<'_>, line_no: u64) {
        let cid = e.correlation_id.as_deref();
        let jid = e.jid.as_deref().filter(|j| Some(*j) != cid);
        for id in [cid, jid].into_iter().flatten() {
            if id.is_empty() {
                continue;
            }
            // The brief shows the fields, not the line.
            self.evidence.traces.offer(id, || {
                TraceHit::of_event(id, file, line_no, e, String::new())
            });
        }
    }

    /// A failed event as `brief` evidence: its minute, endpoint, class,
    /// code and (for a few per minute) the line itself.
    fn add_failure(&mut self, kind: &LogKind, file: &str, t: i64, e: &Event<'_>, at: (u64, &[u8])) {
        let code = e.grpc_code.as_deref().filter(|c| *c != "OK");
        let status_class;
        let class = match (&e.error_class, e.status) {
            (Some(c), _) => Some(c.as_ref()),
            (None, Some(s)) if s >= 500 => {
                status_class = format!("HTTP {s}");
                Some(status_class.as_str())
            }
            _ => None,
        };
        self.evidence.failure(super::evidence::Failure {
            kind: kind.name(),
            file,
            line_no: at.0,
            time: t,
            key: e.key.as_deref(),
            class,
            code,
            status: e.status,
            correlation_id: e.correlation_id.as_deref().or(e.jid.as_deref()),
            raw: at.1,
        });
    }

    fn trace_line(
        &mut self,
        info: &mut FileInfo,
        id: &str,
        file: &str,
        line_no: u64,
        raw: &[u8],
        parsed: Line<'_>,
    ) {
        let raw_s = String::from_utf8_lossy(raw);
        // The id must stand as a whole token (not inside a longer id).
        let ok = raw_s.match_indices(id).any(|(i, _)| {
            let before = raw_s[..i].chars().next_back();
            let after = raw_s[i + id.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            !word(before) && !word(after)
        });
        if !ok {
            return;
        }
        if self.trace.len() >= MAX_TRACE {
            self.trace_overflow += 1;
            return;
        }
        let raw = trunc(raw_s.trim_end(), MAX_TEXT);
        let hit = match parsed {
            Line::Event(e) => {
                if let Some(u) = &e.user {
                    Seen::add(&mut self.seen.users, u);
                }
                if let Some(p) = &e.project {
                    Seen::add(&mut self.seen.projects, p);
                }
                if let Some(h) = &e.host {
                    Seen::add(&mut self.seen.hosts, h);
                }
                if let Some(ip) = &e.client_ip {
                    Seen::add(&mut self.seen.ips, ip);
                }
                TraceHit::of_event(id, file, line_no, &e, raw)
            }
            Line::Known { time } => TraceHit {
                time,
                ..TraceHit::bare(id, file, line_no, raw)
            },
            _ => TraceHit::bare(id, file, line_no, raw),
        };
        if let Some(t) = hit.time {
            widen(&mut info.first, &mut info.last, t);
        }
        self.trace.push(hit);
    }

    fn add_event(&mut self, idx: usize, kind: &LogKind, e: &Event<'_>, want: &Want) {
        let s = &mut self.sections[idx];
        if let Some(t) = e.time {
            widen(&mut s.first, &mut s.last, t);
        }
        if e.stat {
            let key = e.key.as_deref().unwrap_or("(none)");
            if want.stats {
                s.total.add(e.duration_ms, e.failed);
                if let Some(k) = s.keys.get_mut(key) {
                    k.add(e.duration_ms, e.failed);
                } else if s.keys.len() < MAX_KEYS {
                    let mut k = KeyStats::default();
                    k.add(e.duration_ms, e.failed);
                    s.keys.insert(key.into(), k);
                } else {
                    s.other_keys.add(e.duration_ms, e.failed);
                }
                if let Some(size) = want.interval_ms.filter(|s| *s > 0) {
                    s.intervals.add(size, e.time, key, e.duration_ms, e.failed);
                }
            }
            if want.top {
                let ms = e.duration_ms.unwrap_or(0.0);
                if let Some(u) = &e.user {
                    s.top.users.add(u, ms);
                }
                if let Some(p) = &e.project {
                    s.top.projects.add(p, ms);
                }
                if let Some(ip) = &e.client_ip {
                    s.top.ips.add(ip, ms);
                }
                if let Some(ua) = &e.user_agent {
                    s.top.agents.add(ua, ms);
                }
            }
        }
        if let Some(t) = e.time {
            if e.stat || e.failed {
                let minute = t.div_euclid(60_000);
                let n = s.minutes.len();
                if let Some(b) = s.minutes.get_mut(&minute) {
                    b.events += e.stat as u64;
                    b.fails += e.failed as u64;
                } else if n < MAX_MINUTES {
                    s.minutes.insert(
                        minute,
                        Bucket {
                            events: e.stat as u64,
                            fails: e.failed as u64,
                        },
                    );
                }
            }
        }
        // Identifying values, to teach the sanitizer.
        if let Some(u) = &e.user {
            Seen::add(&mut self.seen.users, u);
        }
        if let Some(p) = &e.project {
            Seen::add(&mut self.seen.projects, p);
        }
        if let Some(h) = &e.host {
            Seen::add(&mut self.seen.hosts, h);
        }
        if let Some(ip) = &e.client_ip {
            Seen::add(&mut self.seen.ips, ip);
        }
        if want.errors {
            self.add_error(kind, e);
        }
    }

    fn add_error(&mut self, kind: &LogKind, e: &Event<'_>) {
        let er = &mut self.errors;
        if let Some(code) = &e.grpc_code {
            match er.grpc_codes.get_mut(code.as_ref()) {
                Some(n) => *n += 1,
                None => {
                    er.grpc_codes.insert(code.to_string(), 1);
                }
            }
            if code != "OK" {
                let m = e.key.as_deref().unwrap_or("(unknown)").to_string();
                *er.grpc_failures.entry((m, code.to_string())).or_default() += 1;
            }
        }
        if let Some(st) = e.status {
            if e.stat {
                *er.statuses.entry((kind.clone(), st)).or_default() += 1;
            }
        }
        if *kind == LogKind::Sidekiq && e.failed && e.stat {
            let class = e.key.as_deref().unwrap_or("(unknown)").to_string();
            let ent = er.sidekiq_failures.entry(class).or_default();
            ent.0 += 1;
            if ent.1.is_none() {
                ent.1 = e.error_class.as_deref().map(str::to_string);
            }
        }
        // The same test as %FAIL (see `logs::parse::from_json`): every
        // failed request, job or call, and every line logged at error level.
        if !e.failed {
            return;
        }
        let class = match (&e.error_class, &e.grpc_code, e.status) {
            (Some(c), _, _) => c.to_string(),
            (None, Some(c), _) if c != "OK" => format!("grpc {c}"),
            (None, _, Some(s)) if s >= 500 => format!("HTTP {s}"),
            _ if *kind == LogKind::Sidekiq => "job failed".to_string(),
            _ => e
                .severity
                .as_deref()
                .map(|s| s.to_ascii_uppercase())
                .unwrap_or_else(|| "failure".into()),
        };
        // A Go service's error line says what failed in `msg` and why in
        // `error` (`error executing git hook: exit status 1`): both.
        let joined;
        let msg = match (
            &e.error_class,
            e.message.as_deref(),
            e.error_message.as_deref(),
        ) {
            (None, Some(m), Some(err)) if !m.is_empty() && m != err => {
                joined = format!("{m}: {err}");
                joined.as_str()
            }
            _ => e
                .error_message
                .as_deref()
                .or(e.message.as_deref())
                .or(e.key.as_deref())
                .unwrap_or(""),
        };
        // The event's own user, project and client are folded out of its
        // message first, so one error met by many users is one group.
        let mut folded = std::borrow::Cow::Borrowed(msg);
        for v in [&e.user, &e.project, &e.client_ip].into_iter().flatten() {
            if v.len() >= 3 && folded.contains(v.as_ref()) {
                folded = std::borrow::Cow::Owned(folded.replace(v.as_ref(), "…"));
            }
        }
        let norm = normalize_message(&folded, 160);
        let gkey = (kind.name().to_string(), class, norm);
        let n = er.groups.len();
        let g = match er.groups.get_mut(&gkey) {
            Some(g) => g,
            None if n < MAX_ERRORS => er.groups.entry(gkey).or_default(),
            None => {
                er.overflow += 1;
                return;
            }
        };
        g.count += 1;
        if let Some(t) = e.time {
            widen(&mut g.first, &mut g.last, t);
        }
        if g.correlation_id.is_none() {
            g.correlation_id = e
                .correlation_id
                .as_deref()
                .or(e.jid.as_deref())
                .map(str::to_string);
        }
        if g.example.is_empty() {
            g.example = trunc(msg, 500);
        }
        if g.key.is_none() {
            g.key = e.key.as_deref().map(str::to_string);
        }
    }

    /// Whether any file held lines of a GitLab log.
    pub fn has_logs(&self) -> bool {
        self.files.iter().any(|f| !f.kinds.is_empty())
    }

    /// Take `other`'s trace lines (their files named `label: file` when a
    /// label is given) and what it saw, for one trace over several inputs.
    pub fn absorb_trace(&mut self, other: Analysis, label: Option<&str>) {
        for mut h in other.trace {
            if let Some(l) = label {
                h.file = format!("{l}: {}", h.file);
            }
            if self.trace.len() < MAX_TRACE {
                self.trace.push(h);
            } else {
                self.trace_overflow += 1;
            }
        }
        self.trace_overflow += other.trace_overflow;
        for (mine, theirs) in [
            (&mut self.seen.users, other.seen.users),
            (&mut self.seen.projects, other.seen.projects),
            (&mut self.seen.hosts, other.seen.hosts),
            (&mut self.seen.ips, other.seen.ips),
        ] {
            for v in theirs {
                Seen::add(mine, &v);
            }
        }
        self.files.extend(other.files);
    }

    /// Distinct user names, hosts and addresses of the input: (airlock's own
    /// pseudonyms, others). See [`Seen::names`].
    pub fn names(&self) -> (usize, usize) {
        let (mut own, mut other) = self.seen.names();
        if let Some(h) = &self.facts.hostname {
            if !self.seen.hosts.contains(h.as_str()) {
                if super::sanitize::is_own_value(super::sanitize::ValueKind::Host, h) {
                    own += 1;
                } else {
                    other += 1;
                }
            }
        }
        (own, other)
    }

    /// Overall time span of all logs.
    pub fn span(&self) -> (Option<i64>, Option<i64>) {
        let mut first = None;
        let mut last = None;
        for f in &self.files {
            if let (Some(a), Some(b)) = (f.first, f.last) {
                widen(&mut first, &mut last, a);
                widen(&mut first, &mut last, b);
            }
        }
        (first, last)
    }
}

fn is_gzip(m: &Member) -> bool {
    use std::io::Read;
    let Some(p) = m.path() else { return false };
    let mut b = [0u8; 2];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok()
        && b == [0x1f, 0x8b]
}

/// Whether a file whose name names no log kind holds log lines: at least
/// half of its first non-blank lines parse.
fn looks_like_log(m: &Member) -> bool {
    let Ok(mut r) = m.open() else { return false };
    let mut head = Vec::new();
    let rr: &mut Box<dyn BufRead> = &mut r;
    if std::io::Read::read_to_end(&mut std::io::Read::take(rr, 1 << 20), &mut head).is_err() {
        return false;
    }
    head_looks_like_log(&head)
}

/// The same judgement on the first bytes of a stream (the first
/// [`SNIFF_LINES`] non-blank lines in them).
fn head_looks_like_log(head: &[u8]) -> bool {
    let mut parser = LineParser::new(None);
    let (mut seen, mut good) = (0usize, 0usize);
    for buf in head.split(|b| *b == b'\n') {
        if seen >= SNIFF_LINES {
            break;
        }
        match parser.parse(buf) {
            Line::Blank => continue,
            Line::Unparsed => seen += 1,
            _ => {
                seen += 1;
                good += 1;
            }
        }
    }
    seen > 0 && good * 2 >= seen
}
