//! One log line → one typed [`Event`] (or a note that the line was read but
//! carries no event, or could not be read).
//!
//! A [`LineParser`] is made per file with the kind its path names (or none)
//! and fed the file's lines in order; `production.log` needs that order (its
//! request is spread over `Started …`, `Processing by …` and `Completed …`
//! lines). Every line first loses an svlogd prefix
//! (`2026-11-20_13:44:10.38123 `) and a kubesos leading token, then is read
//! as JSON if it is an object, else by the text reader of its kind.
//!
//! # Field eras
//!
//! Rails logs write `duration_s` (seconds) since 13.x and `duration` (ms)
//! before; Sidekiq wrote `duration` in **seconds**. Gitaly's internal HTTP
//! client lines write `duration` in seconds too. Each kind reads its own era
//! rules; see [`from_json`].

use std::borrow::Cow;

use super::json::{self, JsonFields, F};
use super::kind::LogKind;
use super::text::{go_duration_ms, logfmt, normalize_message, path_template, sql_key};
use super::time::{parse_iso, parse_month_name, parse_nginx};

/// What one line says. Holds raw values (user names, IPs, messages): its
/// `Debug` shows only the non-identifying fields.
#[derive(Clone, Default, PartialEq)]
pub struct Event<'a> {
    pub kind: Option<LogKind>,
    /// Milliseconds since the epoch (UTC).
    pub time: Option<i64>,
    /// Whether the line is a finished request, job or call (counted in the
    /// per-key statistics).
    pub stat: bool,
    pub key: Option<Cow<'a, str>>,
    pub duration_ms: Option<f64>,
    pub status: Option<u16>,
    pub failed: bool,
    pub user: Option<Cow<'a, str>>,
    pub project: Option<Cow<'a, str>>,
    pub client_ip: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    pub correlation_id: Option<Cow<'a, str>>,
    pub jid: Option<Cow<'a, str>>,
    pub error_class: Option<Cow<'a, str>>,
    pub error_message: Option<Cow<'a, str>>,
    pub grpc_code: Option<Cow<'a, str>>,
    pub severity: Option<Cow<'a, str>>,
    /// A short human message (`msg`, `message`), for traces.
    pub message: Option<Cow<'a, str>>,
    /// Nothing in the line told its kind (no `subcomponent`, no kind named
    /// by its file's path, no distinguishing keys): `kind` is a fallback,
    /// and the reader may give the line its file's majority kind instead.
    pub kind_guessed: bool,
}

/// The outcome of reading one line.
#[derive(Debug, PartialEq)]
pub enum Line<'a> {
    Event(Box<Event<'a>>),
    /// Read and understood, but no event (a Sidekiq `start`, a stack trace
    /// line inside production.log, a startup message).
    Known {
        time: Option<i64>,
    },
    Blank,
    Unparsed,
}

/// Reads the lines of one file.
#[derive(Debug, Default)]
pub struct LineParser {
    kind: Option<LogKind>,
    pending: Option<Pending>,
}

/// A production.log request seen so far.
#[derive(Debug, Default)]
struct Pending {
    time: Option<i64>,
    ip: Option<String>,
    key: Option<String>,
    failed_status: bool,
}

impl LineParser {
    /// A parser for a file of `kind` (`None`: recognise each line by its
    /// content).
    pub fn new(kind: Option<LogKind>) -> LineParser {
        LineParser {
            kind,
            pending: None,
        }
    }

    pub fn kind(&self) -> Option<&LogKind> {
        self.kind.as_ref()
    }

    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Line<'a> {
        let mut line = line;
        while let [rest @ .., b'\n' | b'\r' | b' ' | b'\t'] = line {
            line = rest;
        }
        if line.is_empty() {
            return Line::Blank;
        }
        let (prefix_time, body) = strip_svlogd(line);
        // JSON: at the start, or after a short leading token (kubesos pod
        // name, container runtime prefix).
        if body.last() == Some(&b'}') {
            if let Some(p) = memchr::memchr(b'{', &body[..body.len().min(256)]) {
                if let Some(f) = json::parse(&body[p..]) {
                    let (kind, told) = json_kind(self.kind.as_ref(), &f);
                    let mut e = from_json(&kind, f);
                    e.time = e.time.or(prefix_time);
                    e.kind = Some(kind);
                    e.kind_guessed = !told;
                    return Line::Event(Box::new(e));
                }
            }
        }
        let text = match std::str::from_utf8(body) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(body),
        };
        let out = self.parse_text(&text, prefix_time);
        match out {
            Line::Event(e) => Line::Event(Box::new(e.into_owned())),
            Line::Known { time } => Line::Known { time },
            Line::Blank => Line::Blank,
            Line::Unparsed => match prefix_time.or_else(|| parse_iso(body)) {
                // A timestamped line we do not otherwise read is still a
                // log line (service output under svlogd).
                Some(t) => Line::Known { time: Some(t) },
                None => Line::Unparsed,
            },
        }
    }

    fn parse_text<'t>(&mut self, text: &'t str, prefix_time: Option<i64>) -> Line<'t> {
        const SNIFF: [LogKind; 5] = [
            LogKind::NginxAccess,
            LogKind::ProductionLog,
            LogKind::Postgresql,
            LogKind::Sidekiq,
            LogKind::Registry,
        ];
        let one: [LogKind; 1];
        let kinds: &[LogKind] = match &self.kind {
            Some(k) => {
                one = [k.clone()];
                &one
            }
            None => &SNIFF,
        };
        for k in kinds.iter().cloned() {
            let r = match &k {
                LogKind::NginxAccess => nginx(text),
                LogKind::ProductionLog => self.production_log(text),
                LogKind::Postgresql => postgres(text, prefix_time),
                LogKind::Sidekiq => sidekiq_text(text),
                LogKind::Other(n) if &**n == "application" => application_text(text),
                _ => logfmt_line(self.kind.as_ref(), text),
            };
            if !matches!(r, Line::Unparsed) {
                if let Line::Event(mut e) = r {
                    e.time = e.time.or(prefix_time);
                    e.kind = e.kind.or(Some(k));
                    return Line::Event(e);
                }
                return r;
            }
        }
        if self.kind.is_none() {
            if let Line::Event(e) = logfmt_line(None, text) {
                return Line::Event(e);
            }
        }
        Line::Unparsed
    }

    fn production_log<'t>(&mut self, text: &'t str) -> Line<'t> {
        if let Some(rest) = text.strip_prefix("Started ") {
            // Started GET "/path" for 1.2.3.4 at 2015-02-12 19:34:53 +0200
            let mut p = Pending::default();
            if let Some(i) = rest.find(" for ") {
                let after = &rest[i + 5..];
                let (ip, at) = after.split_once(" at ").unwrap_or((after, ""));
                p.ip = Some(ip.trim().to_string());
                p.time = parse_iso(at.trim().as_bytes());
            }
            let time = p.time;
            self.pending = Some(p);
            return Line::Known { time };
        }
        if let Some(rest) = text.strip_prefix("Processing by ") {
            let key = rest.split(' ').next().unwrap_or("").to_string();
            self.pending.get_or_insert_with(Pending::default).key = Some(key);
            return Line::Known { time: None };
        }
        if let Some(rest) = text.strip_prefix("Completed ") {
            // Completed 200 OK in 171ms (Views: …)
            let status: Option<u16> = rest.split(' ').next().and_then(|s| s.parse().ok());
            let dur = rest.split_once(" in ").and_then(|(_, d)| {
                let n = d.find("ms")?;
                d[..n].trim().parse::<f64>().ok()
            });
            let p = self.pending.take().unwrap_or_default();
            let failed = status.is_some_and(|s| s >= 500);
            if failed {
                self.pending = Some(Pending {
                    time: p.time,
                    failed_status: true,
                    key: p.key.clone(),
                    ip: None,
                });
            }
            return Line::Event(Box::new(Event {
                time: p.time,
                stat: true,
                key: Some(Cow::Owned(p.key.unwrap_or_else(|| "(unknown)".into()))),
                duration_ms: dur,
                status,
                failed,
                client_ip: p.ip.map(Cow::Owned),
                ..Event::default()
            }));
        }
        // The exception line after a failed request: `NameError (message):`.
        if self.pending.as_ref().is_some_and(|p| p.failed_status) {
            if let Some((class, msg)) = text.split_once(" (") {
                if !class.is_empty()
                    && !class.contains(' ')
                    && class.as_bytes()[0].is_ascii_uppercase()
                {
                    let p = self.pending.take().unwrap_or_default();
                    let msg = msg.trim_end_matches(':').trim_end_matches(')');
                    return Line::Event(Box::new(Event {
                        time: p.time,
                        failed: true,
                        key: p.key.map(Cow::Owned),
                        error_class: Some(Cow::Borrowed(class)),
                        error_message: Some(Cow::Borrowed(msg)),
                        ..Event::default()
                    }));
                }
            }
        }
        if self.kind.is_some() {
            // Everything else in production.log belongs to a request block
            // (parameters, SQL, rendering, backtraces).
            Line::Known { time: None }
        } else {
            Line::Unparsed
        }
    }
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("kind", &self.kind)
            .field("time", &self.time)
            .field("stat", &self.stat)
            .field("duration_ms", &self.duration_ms)
            .field("status", &self.status)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Event<'_> {
    pub fn into_owned(self) -> Event<'static> {
        fn o(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        Event {
            kind: self.kind,
            time: self.time,
            stat: self.stat,
            key: o(self.key),
            duration_ms: self.duration_ms,
            status: self.status,
            failed: self.failed,
            user: o(self.user),
            project: o(self.project),
            client_ip: o(self.client_ip),
            user_agent: o(self.user_agent),
            host: o(self.host),
            correlation_id: o(self.correlation_id),
            jid: o(self.jid),
            error_class: o(self.error_class),
            error_message: o(self.error_message),
            grpc_code: o(self.grpc_code),
            severity: o(self.severity),
            message: o(self.message),
            kind_guessed: self.kind_guessed,
        }
    }
}

/// Split off an svlogd timestamp prefix.
fn strip_svlogd(line: &[u8]) -> (Option<i64>, &[u8]) {
    if line.len() > 27 && line[10] == b'_' && line[4] == b'-' {
        if let Some(sp) = memchr::memchr(b' ', &line[..line.len().min(40)]) {
            if let Some(t) = parse_iso(&line[..sp]) {
                return (Some(t), &line[sp + 1..]);
            }
        }
    }
    (None, line)
}

/// The kind of a JSON line: its `subcomponent`, else its file's kind, else
/// what its keys say; and whether any of these told it (false: the line
/// says nothing distinguishing, and the kind returned is only a fallback).
fn json_kind(file: Option<&LogKind>, f: &JsonFields<'_>) -> (LogKind, bool) {
    if let Some(F::Str(s)) = &f.subcomponent {
        return (LogKind::from_name(s), true);
    }
    match file {
        // A name we read generically is only a hint: a line whose keys say
        // what it is (a kubesos pod log, a renamed file) is read as that.
        Some(LogKind::Other(_)) | None => {}
        Some(k) => return (k.clone(), true),
    }
    match (sniff_json(f), file) {
        (Some(sniffed), _) => (sniffed, true),
        (None, Some(k)) => (k.clone(), false),
        (None, None) => (LogKind::from_name("json"), false),
    }
}

fn has(v: &Option<F<'_>>) -> bool {
    matches!(v, Some(F::Str(_) | F::Num(_)))
}

/// Recognise a JSON line by its keys (`None`: nothing distinguishing, such
/// as a production_json line with `"controller":null`).
pub fn sniff_json(f: &JsonFields<'_>) -> Option<LogKind> {
    fn s<'x>(v: &'x Option<F<'_>>) -> &'x str {
        v.as_ref().and_then(|v| v.as_str()).unwrap_or("")
    }
    Some(if has(&f.controller) {
        LogKind::ProductionJson
    } else if has(&f.grpc_method) {
        LogKind::Gitaly
    } else if has(&f.jid) || has(&f.job_status) {
        LogKind::Sidekiq
    } else if has(&f.route) && s(&f.path).starts_with("/api/") {
        LogKind::ApiJson
    } else if has(&f.exception_class) {
        LogKind::ExceptionsJson
    } else if has(&f.http_uri) {
        LogKind::Registry
    } else if has(&f.uri) && has(&f.duration_ms) && has(&f.status) {
        LogKind::Workhorse
    } else if has(&f.command) || has(&f.gl_project_path) {
        LogKind::GitlabShell
    } else if s(&f.message) == "Rack_Attack" {
        LogKind::AuthJson
    } else if has(&f.route) && has(&f.status) {
        LogKind::ApiJson
    } else {
        return None;
    })
}

fn text<'a>(v: Option<F<'a>>) -> Option<Cow<'a, str>> {
    v.and_then(F::text)
}

fn num(v: &Option<F<'_>>) -> Option<f64> {
    v.as_ref().and_then(F::num)
}

fn first_ip(s: Cow<'_, str>) -> Cow<'_, str> {
    match s.find(',') {
        Some(i) => Cow::Owned(s[..i].trim().to_string()),
        None => s,
    }
}

/// `ip:port` / `[v6]:port` → the address.
fn strip_port(s: Cow<'_, str>) -> Cow<'_, str> {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(i) = rest.find(']') {
            return Cow::Owned(rest[..i].to_string());
        }
    }
    if s.matches(':').count() == 1 {
        if let Some((a, _)) = s.split_once(':') {
            return Cow::Owned(a.to_string());
        }
    }
    s
}

fn is_error_level(s: &str) -> bool {
    s.eq_ignore_ascii_case("error") || s.eq_ignore_ascii_case("fatal")
}

/// What a bare `duration` is in ms in a log of `kind`: Rails wrote
/// milliseconds before `duration_s` (production_json, api_json and the other
/// `*_json` logs), Sidekiq and the Go services write seconds.
fn duration_scale(kind: &LogKind) -> f64 {
    match kind {
        LogKind::ProductionJson
        | LogKind::ApiJson
        | LogKind::ApplicationJson
        | LogKind::ExceptionsJson
        | LogKind::AuthJson
        | LogKind::ProductionLog => 1.0,
        LogKind::Other(n) if n.ends_with("_json") => 1.0,
        _ => 1000.0,
    }
}

/// Every duration field GitLab writes, in ms: `grpc.time_ms`,
/// `duration_ms`, `duration_s`, then the bare `duration` of the kind's era.
fn duration_ms(kind: &LogKind, f: &JsonFields<'_>) -> Option<f64> {
    num(&f.grpc_time_ms)
        .or(num(&f.duration_ms))
        .or(num(&f.duration_s).map(|s| s * 1000.0))
        .or(num(&f.duration).map(|d| d * duration_scale(kind)))
}

/// A JSON line of `kind` → an event. See the module docs for the field eras.
pub fn from_json<'a>(kind: &LogKind, mut f: JsonFields<'a>) -> Event<'a> {
    let time = f
        .time
        .as_ref()
        .or(f.timestamp.as_ref())
        .and_then(|t| t.as_str())
        .and_then(|t| parse_iso(t.as_bytes()));
    let status = num(&f.status)
        .or(num(&f.http_status))
        .filter(|s| (100.0..1000.0).contains(s))
        .map(|s| s as u16);
    let severity = text(f.severity.take()).or(text(f.level.take()));
    let level_failed = severity.as_deref().is_some_and(is_error_level);
    let has_exception = has(&f.exception_class);
    let mut e = Event {
        time,
        status,
        user: text(f.username.take())
            .or(text(f.meta_user.take()))
            .or(text(f.user.take())),
        project: text(f.meta_project.take())
            .or(text(f.gl_project_path.take()))
            .or(text(f.grpc_project.take()))
            .or(text(f.project_path.take()))
            .or(text(f.root_namespace.take())),
        client_ip: text(f.remote_ip.take())
            .or(text(f.meta_remote_ip.take()))
            .map(first_ip)
            .or(text(f.remote_addr.take()).map(strip_port))
            .or(text(f.peer_address.take()).map(strip_port)),
        user_agent: text(f.ua.take()).or(text(f.user_agent.take())),
        host: text(f.host.take()),
        correlation_id: text(f.correlation_id.take()),
        jid: text(f.jid.take()),
        error_class: text(f.exception_class.take()).or(text(f.error_class.take())),
        error_message: text(f.exception_message.take())
            .or(text(f.error_message.take()))
            .or(text(f.error.take())),
        severity,
        message: text(f.msg.take()).or(text(f.message.clone())),
        ..Event::default()
    };
    let s5xx = status.is_some_and(|s| s >= 500);
    let s_of = |v: &Option<F<'a>>| v.as_ref().and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        LogKind::ProductionJson | LogKind::ApiJson => {
            let route = text(f.route.take());
            let controller = text(f.controller.take());
            e.key = match (kind, controller, route) {
                (LogKind::ProductionJson, Some(c), _) => Some(match text(f.action.take()) {
                    Some(a) => Cow::Owned(format!("{c}#{a}")),
                    None => c,
                }),
                (_, _, Some(r)) => Some(r),
                (_, Some(c), None) => Some(c),
                _ => text(f.path.take()).map(|p| Cow::Owned(path_template(&p))),
            };
            e.stat = e.key.is_some();
            e.failed = s5xx;
        }
        LogKind::Sidekiq => {
            e.key = text(f.class.take());
            let js = s_of(&f.job_status);
            e.stat = matches!(js.as_deref(), Some("done" | "fail")) && e.key.is_some();
            e.failed = js.as_deref() == Some("fail");
        }
        LogKind::Gitaly | LogKind::Praefect => {
            if let Some(m) = text(f.grpc_method.take()) {
                e.key = Some(m);
                e.grpc_code = text(f.grpc_code.take());
                e.stat = e.grpc_code.is_some();
                e.failed = e.grpc_code.as_deref().is_some_and(|c| c != "OK");
            } else if let Some(url) = text(f.url.take()) {
                // Gitaly's internal API client (`finished HTTP request`):
                // `duration` in seconds, or `duration_ms`.
                let m = text(f.method.take()).unwrap_or(Cow::Borrowed("HTTP"));
                e.key = Some(Cow::Owned(format!("{m} {}", path_template(&url))));
                e.stat = true;
                e.failed = s5xx;
            }
        }
        LogKind::Workhorse => {
            let uri = text(f.uri.take());
            e.stat = status.is_some() && has(&f.duration_ms);
            e.key = text(f.route.take()).or_else(|| {
                uri.map(|u| {
                    let m = text(f.method.take()).unwrap_or(Cow::Borrowed(""));
                    Cow::Owned(format!("{m} {}", path_template(&u)).trim().to_string())
                })
            });
            e.stat &= e.key.is_some();
            e.failed = s5xx;
        }
        LogKind::GitlabShell => {
            e.key = text(f.command.take()).or_else(|| {
                let url = text(f.url.take())?;
                let m = text(f.method.take()).unwrap_or(Cow::Borrowed(""));
                Some(Cow::Owned(
                    format!("{m} {}", path_template(&url)).trim().to_string(),
                ))
            });
            e.key = e.key.or_else(|| e.message.clone());
            e.stat = e.key.is_some();
            e.failed = s5xx;
        }
        LogKind::ExceptionsJson => {
            e.key = e.error_class.clone();
            e.stat = true;
            e.failed = true;
        }
        LogKind::AuthJson => {
            // Rack Attack blocks and throttles, keyed by what matched. They
            // are failures when logged at ERROR (as GitLab does), in %FAIL
            // and in Errors alike.
            let msg = text(f.message.take()).unwrap_or(Cow::Borrowed("(no message)"));
            e.key = Some(match text(f.env.take()).or(text(f.matched.take())) {
                Some(env) => Cow::Owned(format!("{msg} {env}")),
                None => msg,
            });
            e.error_class = e.error_class.take().or(e.key.clone());
            e.stat = true;
        }
        LogKind::Registry => {
            let uri = text(f.http_uri.take());
            let m = text(f.http_method.take());
            if let (Some(u), Some(m)) = (uri, m) {
                e.key = Some(Cow::Owned(format!("{m} {}", path_template(&u))));
                e.stat = status.is_some();
            }
            e.duration_ms = f.http_duration.as_ref().and_then(|d| match d {
                F::Str(s) => go_duration_ms(s),
                F::Num(n) => Some(n / 1e6), // nanoseconds
                _ => None,
            });
            e.failed = s5xx;
        }
        LogKind::ApplicationJson
        | LogKind::Postgresql
        | LogKind::ProductionLog
        | LogKind::NginxAccess
        | LogKind::Other(_) => {
            let class = text(f.class.take()).or(text(f.service_class.take()));
            e.key = class
                .or_else(|| {
                    text(f.message.take())
                        .or(e.message.clone())
                        .map(|m| Cow::Owned(normalize_message(&m, 80)))
                })
                .or(text(f.action.take()))
                .or_else(|| {
                    e.error_message
                        .as_deref()
                        .map(|m| Cow::Owned(normalize_message(m, 80)))
                })
                .or(Some(Cow::Borrowed("(no message)")));
            e.stat = true;
            e.failed = s5xx;
        }
    }
    // Every kind: a duration from whichever field the line has (the
    // registry's own is read above), and a line logged at error or fatal,
    // or with an exception, is a failure — counted the same way in %FAIL
    // (when it is a request) and in Errors.
    e.duration_ms = e.duration_ms.or_else(|| duration_ms(kind, &f));
    if e.duration_ms.is_some_and(|d| !d.is_finite() || d < 0.0) {
        e.duration_ms = None;
    }
    e.failed |= level_failed || has_exception;
    e
}

/// nginx combined format (`gitlab_access.log`), with the nginx-ingress
/// extras (`$request_length $request_time …`) read when present.
fn nginx(text: &str) -> Line<'_> {
    let Some((ip, rest)) = text.split_once(" - ") else {
        return Line::Unparsed;
    };
    if ip.contains(' ') || ip.is_empty() {
        return Line::Unparsed;
    }
    let Some((user, rest)) = rest.split_once(" [") else {
        return Line::Unparsed;
    };
    let Some((ts, rest)) = rest.split_once("] \"") else {
        return Line::Unparsed;
    };
    let Some(time) = parse_nginx(ts.as_bytes()) else {
        return Line::Unparsed;
    };
    let Some((req, rest)) = rest.split_once("\" ") else {
        return Line::Unparsed;
    };
    let mut it = rest.splitn(3, ' ');
    let status: Option<u16> = it.next().and_then(|s| s.parse().ok());
    let _bytes = it.next();
    let tail = it.next().unwrap_or("");
    let mut quoted = tail.split('"');
    let _ = quoted.next();
    let _referer = quoted.next();
    let _ = quoted.next();
    let ua = quoted.next();
    let extra = quoted.next().unwrap_or("");
    let duration_ms = extra
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| s * 1000.0);
    let mut parts = req.split(' ');
    let method = parts.next().unwrap_or("");
    let uri = parts.next().unwrap_or("");
    let key = if uri.is_empty() {
        "(malformed request)".to_string()
    } else {
        format!("{method} {}", path_template(uri))
    };
    Line::Event(Box::new(Event {
        time: Some(time),
        stat: status.is_some(),
        key: Some(Cow::Owned(key)),
        duration_ms,
        status,
        failed: status.is_some_and(|s| s >= 500),
        user: (user != "-" && !user.is_empty()).then_some(Cow::Borrowed(user)),
        client_ip: Some(Cow::Borrowed(ip)),
        user_agent: ua.filter(|u| *u != "-").map(Cow::Borrowed),
        ..Event::default()
    }))
}

/// PostgreSQL (`log_line_prefix` with a time, or under svlogd): slow
/// statements (`duration: 1234.5 ms  statement: …`) and errors.
fn postgres(text: &str, prefix_time: Option<i64>) -> Line<'_> {
    let time = parse_iso(text.as_bytes()).or(prefix_time);
    let levels = ["LOG:  ", "ERROR:  ", "FATAL:  ", "PANIC:  ", "WARNING:  "];
    let mut found = None;
    for l in levels {
        if let Some(i) = text.find(l) {
            if i == 0 || text.as_bytes()[i - 1] == b' ' {
                found = Some((l, i));
                break;
            }
        }
    }
    let Some((level, i)) = found else {
        if ["STATEMENT:  ", "DETAIL:  ", "HINT:  ", "CONTEXT:  "]
            .iter()
            .any(|l| text.contains(l))
        {
            return Line::Known { time };
        }
        return Line::Unparsed;
    };
    let msg = &text[i + level.len()..];
    let lvl = level.trim_end().trim_end_matches(':');
    if lvl == "LOG" {
        if let Some(d) = msg.strip_prefix("duration: ") {
            let (num, rest) = d.split_once(" ms").unwrap_or((d, ""));
            let dur = num.trim().parse::<f64>().ok();
            let sql = rest.split_once(": ").map(|(_, s)| s).unwrap_or(rest).trim();
            return Line::Event(Box::new(Event {
                time,
                stat: true,
                key: Some(Cow::Owned(sql_key(sql))),
                duration_ms: dur,
                severity: Some(Cow::Borrowed("LOG")),
                ..Event::default()
            }));
        }
        return Line::Known { time };
    }
    let failed = lvl != "WARNING";
    Line::Event(Box::new(Event {
        time,
        failed,
        severity: Some(Cow::Borrowed(lvl)),
        error_class: failed.then(|| Cow::Owned(format!("postgresql {lvl}"))),
        error_message: failed.then_some(Cow::Borrowed(msg)),
        message: Some(Cow::Borrowed(msg)),
        ..Event::default()
    }))
}

/// Sidekiq's text format:
/// `2023-05-16T16:09:06.043Z pid=1 tid=7p7d class=X jid=… INFO: done: 0.139 sec`.
fn sidekiq_text(text: &str) -> Line<'_> {
    let Some(time) = parse_iso(text.as_bytes()) else {
        return Line::Unparsed;
    };
    if !text.contains(" pid=") {
        return Line::Unparsed;
    }
    let mut class = None;
    let mut jid = None;
    let mut msg = "";
    let mut level = "";
    let mut rest = text;
    while let Some((tok, r)) = rest.split_once(' ') {
        if let Some(v) = tok.strip_prefix("class=") {
            class = Some(v);
        } else if let Some(v) = tok.strip_prefix("jid=") {
            jid = Some(v);
        } else if tok.ends_with(':') && tok[..tok.len() - 1].bytes().all(|b| b.is_ascii_uppercase())
        {
            level = &tok[..tok.len() - 1];
            msg = r;
            break;
        }
        rest = r;
    }
    let secs = |p: &str| -> Option<f64> {
        msg.strip_prefix(p)?
            .trim_end_matches(" sec")
            .trim()
            .parse()
            .ok()
    };
    let (stat, failed, dur) = match (secs("done: "), secs("fail: ")) {
        (Some(d), _) => (true, false, Some(d * 1000.0)),
        (_, Some(d)) => (true, true, Some(d * 1000.0)),
        _ => (false, is_error_level(level), None),
    };
    if class.is_none() && !failed {
        return Line::Known { time: Some(time) };
    }
    Line::Event(Box::new(Event {
        time: Some(time),
        stat: stat && class.is_some(),
        key: class.map(Cow::Borrowed),
        duration_ms: dur,
        failed,
        jid: jid.map(Cow::Borrowed),
        severity: Some(Cow::Borrowed(level)),
        message: Some(Cow::Borrowed(msg)),
        ..Event::default()
    }))
}

/// Rails' old text `application.log`: `October 06, 2014 11:56: message`.
fn application_text(text: &str) -> Line<'_> {
    match parse_month_name(text.as_bytes()) {
        Some((time, used)) => {
            let msg = text[used.min(text.len())..].trim_start_matches(':').trim();
            Line::Event(Box::new(Event {
                time: Some(time),
                stat: true,
                key: Some(Cow::Owned(normalize_message(msg, 80))),
                message: Some(Cow::Borrowed(msg)),
                ..Event::default()
            }))
        }
        None => Line::Unparsed,
    }
}

/// logrus/logfmt text (`time="…" level=info msg="…" …`), as the registry and
/// older Go services write it: its pairs are read as JSON fields.
fn logfmt_line<'t>(kind: Option<&LogKind>, text: &'t str) -> Line<'t> {
    if !text.starts_with("time=") && !text.contains(" level=") {
        return Line::Unparsed;
    }
    let mut f = JsonFields::default();
    for (k, v) in logfmt(text) {
        f.set(k, F::Str(v));
    }
    if f.keys < 2 || (f.time.is_none() && f.level.is_none()) {
        return Line::Unparsed;
    }
    let (kind, told) = json_kind(kind, &f);
    let mut e = from_json(&kind, f);
    e.kind = Some(kind);
    e.kind_guessed = !told;
    Line::Event(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: Option<LogKind>, line: &str) -> Event<'static> {
        match LineParser::new(kind).parse(line.as_bytes()) {
            Line::Event(e) => e.into_owned(),
            other => panic!("no event from {line}: {other:?}"),
        }
    }

    #[test]
    fn production_json_both_eras() {
        let e = ev(
            None,
            r#"{"controller":"Projects::IssuesController","action":"show","status":503,"time":"2017-08-08T20:15:54.821Z","remote_ip":"10.0.0.1, 10.0.0.2","username":"jdoe","duration_s":1.5}"#,
        );
        assert_eq!(e.kind, Some(LogKind::ProductionJson));
        assert_eq!(e.key.as_deref(), Some("Projects::IssuesController#show"));
        assert_eq!(e.duration_ms, Some(1500.0));
        assert!(e.failed && e.stat);
        assert_eq!(e.client_ip.as_deref(), Some("10.0.0.1"));
        let old = ev(
            Some(LogKind::ApiJson),
            r#"{"time":"2018-10-29T12:49:42.123Z","duration":709.08,"status":200,"route":"/api/:version/projects"}"#,
        );
        assert_eq!(old.duration_ms, Some(709.08));
        assert!(!old.failed);
    }

    #[test]
    fn sidekiq_eras_and_kubesos_prefix() {
        let e = ev(
            Some(LogKind::Sidekiq),
            r#"{"class":"PostReceive","job_status":"done","duration":0.139,"jid":"06aeaa3b0aadacf9981f368e"}"#,
        );
        assert_eq!(e.duration_ms, Some(139.0));
        let k = ev(
            Some(LogKind::from_name("webservice")),
            r#"webservice-default-7d9f-x2v {"subcomponent":"api_json","route":"/api/:version/jobs/request","status":500,"duration_s":0.01}"#,
        );
        assert_eq!(k.kind, Some(LogKind::ApiJson));
        assert!(k.failed);
        let s = ev(
            Some(LogKind::from_name("mailroom")),
            r#"2026-11-20_13:44:10.38123 {"severity":"ERROR","message":"IMAP failed 42 times"}"#,
        );
        assert!(s.time.is_some() && s.failed);
        assert_eq!(s.key.as_deref(), Some("IMAP failed N times"));
    }

    #[test]
    fn text_kinds() {
        let n = ev(
            None,
            r#"10.2.3.4 - jdoe [20/Nov/2026:13:44:10 +0000] "GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1" 502 12 "-" "git/2.47.0""#,
        );
        assert_eq!(n.kind, Some(LogKind::NginxAccess));
        assert_eq!(n.key.as_deref(), Some("GET /:repo.git/info/refs"));
        assert_eq!(n.user.as_deref(), Some("jdoe"));
        assert!(n.failed);
        let mut p = LineParser::new(Some(LogKind::ProductionLog));
        assert!(matches!(
            p.parse(b"Started GET \"/x\" for 10.1.1.1 at 2015-02-12 19:34:53 +0200"),
            Line::Known { time: Some(_) }
        ));
        assert!(matches!(
            p.parse(b"Processing by Projects::TreeController#show as JSON"),
            Line::Known { .. }
        ));
        match p.parse(b"Completed 200 OK in 171ms (Views: 120.3ms | ActiveRecord: 25.9ms)") {
            Line::Event(e) => {
                assert_eq!(e.key.as_deref(), Some("Projects::TreeController#show"));
                assert_eq!(e.duration_ms, Some(171.0));
                assert_eq!(e.client_ip.as_deref(), Some("10.1.1.1"));
            }
            other => panic!("{other:?}"),
        }
        let pg = ev(
            Some(LogKind::Postgresql),
            "2026-11-20_13:44:10.38123 LOG:  duration: 1234.5 ms  statement: SELECT \"users\".* FROM \"users\"",
        );
        assert_eq!(pg.key.as_deref(), Some("SELECT users"));
        assert_eq!(pg.duration_ms, Some(1234.5));
        let sk = ev(
            None,
            "2023-05-16T16:09:06.043Z pid=82525 tid=7p7d class=Foo jid=efcc73f169c09a514b06da3f INFO: done: 0.5 sec",
        );
        assert_eq!(sk.kind, Some(LogKind::Sidekiq));
        assert_eq!(sk.duration_ms, Some(500.0));
        let reg = ev(
            Some(LogKind::Registry),
            r#"time="2026-11-20T13:44:10.38Z" level=info msg="response completed" http.request.method=GET http.request.uri="/v2/acme/app/manifests/latest" http.response.duration=12.5ms http.response.status=200"#,
        );
        assert_eq!(reg.key.as_deref(), Some("GET /v2/:repo/manifests/*"));
        assert_eq!(reg.duration_ms, Some(12.5));
    }

    #[test]
    fn not_a_log_line() {
        let mut p = LineParser::new(None);
        assert_eq!(p.parse(b"Filesystem Type Size"), Line::Unparsed);
        assert_eq!(p.parse(b"   "), Line::Blank);
    }
}
