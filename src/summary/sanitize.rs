//! The one hook every printed string passes through.
//!
//! Reports are built from raw accumulators by [`super::report`], and every
//! string that comes from the input (keys, users, projects, IPs, hosts,
//! messages, file names, trace lines) is handed to a [`Sanitize`] on the way
//! in. Renderers only ever see the built report, so nothing can reach the
//! output around the hook. `--raw` uses [`Raw`], which passes values through.
//!
//! [`Pseudonyms`] is the default: the same rules, learning and keyed
//! pseudonyms as `airlock redact`, so with the same `--key-file` a summary
//! names users, hosts and addresses exactly as the redacted bundle does.
//! Values that reached us through a typed field (a `username`, a `host`) are
//! also learned, so they are replaced in free text too (an exception message
//! that names a user).
//!
//! # Redacted input
//!
//! The support engineer's usual input is a bundle airlock already redacted,
//! and no key. Masks and pseudonyms airlock wrote (`[REDACTED:…]`, `user-…`,
//! `name-…`, `h-…`, `d-….example`, addresses in 240.0.0.0/4 and fec0::/10,
//! `02:a1:7c:…` MACs; recognised by shape, [`crate::redact::pseudo::is_own`])
//! are shown **as they are**, in typed fields and in free text alike, so every
//! name a report prints can be found with grep in the bundle it came from.
//! Renaming them again (with a key the engineer does not have) would only
//! break that link; they hold nothing to protect. [`is_own_value`] is the one
//! test, shared with the analysis that tells a report its input was redacted.
//!
//! [`Placeholders`] is the same idea without a key: every finding becomes a
//! typed placeholder numbered per distinct value within one report
//! (`[username-1]`, `[ipv4-3]`); credentials become `[kind]` with no number.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::detect::{Boundary, Engine, LearnedValue};
use crate::logs::text::is_placeholder;
use crate::redact::learn::Identity;
use crate::redact::{pseudo, Key, Pseudonymizer, Redactor};
use crate::rules::{Category, RuleError, RuleSet};

/// What a typed value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    User,
    Project,
    Ip,
    Host,
}

/// Turns raw strings into shareable ones.
pub trait Sanitize {
    /// Free text: messages, keys, file names, trace lines.
    fn text<'a>(&self, s: &'a str) -> Cow<'a, str>;
    /// A value known to be of `kind` because of the field it came from.
    fn value<'a>(&self, kind: ValueKind, s: &'a str) -> Cow<'a, str>;
    /// Whether output is redacted (reports say so).
    fn redacting(&self) -> bool {
        true
    }
}

/// `--raw`: originals, for use on the customer's side.
#[derive(Debug, Default)]
pub struct Raw;

impl Sanitize for Raw {
    fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(s)
    }
    fn value<'a>(&self, _: ValueKind, s: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(s)
    }
    fn redacting(&self) -> bool {
        false
    }
}

/// Service accounts and markers that name a role, not a person (as in the
/// `username_json` rule's allow list).
const USER_ALLOW: &[&str] = &[
    "root",
    "ghost",
    "[FILTERED]",
    "-",
    "anonymous",
    "system",
    "git",
    "gitlab",
    "alert-bot",
    "support-bot",
    "admin",
    "administrator",
];

/// Learned user names shorter than this are not searched in free text: a
/// two-letter name would replace syllables everywhere. They are still
/// replaced where a field says they are a user.
const MIN_LEARNED: usize = 3;

/// Host names at least this long are also replaced inside longer words; a
/// shorter one (`db`, `git`) would hit ordinary words.
const MIN_HOST_INFIX: usize = 5;

/// Short host names that are also ordinary words in GitLab logs
/// (`gitlab-rails`, `gitlabsos`): replaced only as whole words.
const COMMON_HOST_WORDS: &[&str] = &[
    "gitlab",
    "localhost",
    "server",
    "master",
    "primary",
    "secondary",
    "gitaly",
    "praefect",
    "postgres",
    "postgresql",
    "redis",
    "sidekiq",
    "runner",
];

/// Engine findings → numbered typed placeholders.
pub struct Placeholders {
    engine: Engine,
    /// Host names also replaced inside longer words (`gitlabsos.gitlab01_2026…`),
    /// where the engine's word-bounded literals do not look.
    hosts: Option<aho_corasick::AhoCorasick>,
    table: RefCell<Labels>,
}

#[derive(Default)]
struct Labels {
    by_value: HashMap<(String, String), usize>,
    next: HashMap<String, usize>,
}

impl std::fmt::Debug for Placeholders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Placeholders")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// Values to teach the sanitizer (raw; never printed).
#[derive(Clone, Default)]
pub struct Known {
    pub users: Vec<String>,
    pub projects: Vec<String>,
    pub hosts: Vec<String>,
}

impl Placeholders {
    pub fn new(rules: &RuleSet, known: &Known) -> Result<Placeholders, RuleError> {
        let mut learned = Vec::new();
        let mut add = |v: &str, rule: &str, cat: Category, kind: &str| {
            let v = v.trim();
            let own = pseudo::is_own(kind, v) || pseudo::is_own("hostname", v);
            if v.len() >= MIN_LEARNED
                && !own
                && !USER_ALLOW.iter().any(|a| a.eq_ignore_ascii_case(v))
                && !v.contains('\n')
            {
                learned.push(LearnedValue {
                    value: v.as_bytes().to_vec(),
                    rule: rule.into(),
                    category: cat,
                    kind: kind.into(),
                    boundary: Boundary::Word,
                });
            }
        };
        for u in &known.users {
            add(u, "learned_username", Category::Identity, "username");
        }
        for p in &known.projects {
            add(p, "learned_project", Category::Identity, "project");
            // The top-level namespace is a group or a user name.
            if let Some((ns, _)) = p.split_once('/') {
                add(ns, "learned_project", Category::Identity, "project");
            }
        }
        for h in &known.hosts {
            add(h, "learned_hostname", Category::Network, "hostname");
            // The short name of an FQDN, and its domain.
            if let Some((short, domain)) = h.split_once('.') {
                add(short, "learned_hostname", Category::Network, "hostname");
                if domain.contains('.') {
                    add(domain, "learned_hostname", Category::Network, "domain");
                }
            }
        }
        let hosts: Vec<String> = known
            .hosts
            .iter()
            .filter(|h| !is_own_value(ValueKind::Host, h))
            .flat_map(|h| [h.clone(), h.split('.').next().unwrap_or("").to_string()])
            .filter(|h| {
                h.len() >= MIN_HOST_INFIX
                    && !COMMON_HOST_WORDS.contains(&h.to_ascii_lowercase().as_str())
            })
            .collect();
        let hosts = (!hosts.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&hosts)
                    .ok()
            })
            .flatten();
        Ok(Placeholders {
            hosts,
            engine: Engine::with_learned(rules, &learned)?,
            table: RefCell::new(Labels::default()),
        })
    }

    fn label(&self, kind: &str, numbered: bool, value: &str) -> String {
        if !numbered {
            return format!("[{kind}]");
        }
        let mut t = self.table.borrow_mut();
        let key = (kind.to_string(), value.to_ascii_lowercase());
        let n = match t.by_value.get(&key) {
            Some(n) => *n,
            None => {
                let next = t.next.entry(kind.to_string()).or_insert(0);
                *next += 1;
                let n = *next;
                t.by_value.insert(key, n);
                n
            }
        };
        format!("[{kind}-{n}]")
    }
}

impl Sanitize for Placeholders {
    fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let s = self.engine_text(s);
        match &self.hosts {
            Some(ac) if ac.is_match(s.as_ref()) => {
                let mut out = String::with_capacity(s.len());
                let mut at = 0;
                for m in ac.find_iter(s.as_ref()) {
                    out.push_str(&s[at..m.start()]);
                    out.push_str(&self.label("hostname", true, &s[m.start()..m.end()]));
                    at = m.end();
                }
                out.push_str(&s[at..]);
                Cow::Owned(out)
            }
            _ => s,
        }
    }

    fn value<'a>(&self, kind: ValueKind, s: &'a str) -> Cow<'a, str> {
        self.typed(kind, s)
    }
}

impl Placeholders {
    fn engine_text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let found = self.engine.find_all(None, s.as_bytes());
        if found.is_empty() {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for f in found {
            if f.start < at || !s.is_char_boundary(f.start) || !s.is_char_boundary(f.end) {
                continue;
            }
            let rule = self.engine.rule(f.rule);
            let value = &s[f.start..f.end];
            if is_placeholder(value)
                || pseudo::is_own(&rule.kind, value)
                || pseudo::is_generic_own(&rule.kind, value)
            {
                continue;
            }
            let numbered = rule.category != Category::Credential;
            out.push_str(&s[at..f.start]);
            out.push_str(&self.label(&rule.kind, numbered, &s[f.start..f.end]));
            at = f.end;
        }
        out.push_str(&s[at..]);
        Cow::Owned(out)
    }

    fn typed<'a>(&self, kind: ValueKind, s: &'a str) -> Cow<'a, str> {
        let v = s.trim();
        if is_own_value(kind, v) {
            return Cow::Borrowed(s);
        }
        let label = match kind {
            ValueKind::User if USER_ALLOW.contains(&v) => return Cow::Borrowed(s),
            ValueKind::User => "username",
            ValueKind::Project => "project",
            ValueKind::Host if v == "localhost" => return Cow::Borrowed(s),
            ValueKind::Host => "hostname",
            ValueKind::Ip => {
                if v == "-" || v == "::1" || v.starts_with("127.") || v.is_empty() {
                    return Cow::Borrowed(s);
                }
                if v.contains(':') {
                    "ipv6"
                } else if v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    "ipv4"
                } else {
                    // Not an address (`x.x.x.x`, `unknown`): treat as text.
                    return self.text(s);
                }
            }
        };
        Cow::Owned(self.label(label, true, v))
    }
}

/// Keyed pseudonyms, as `airlock redact` writes them.
pub struct Pseudonyms {
    redactor: Redactor,
}

impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonyms")
            .field("redactor", &self.redactor)
            .finish()
    }
}

impl Pseudonyms {
    /// `known` values are learned like a bundle's own identity; `key` is the
    /// redaction key (the one given to `redact --key-file` for matching
    /// names, or a random one).
    pub fn new(rules: &RuleSet, known: &Known, key: Key) -> Result<Pseudonyms, RuleError> {
        let pseudo = Pseudonymizer::new(key);
        let mut identity = Identity::default();
        for u in &known.users {
            identity.add_user(u);
        }
        for h in &known.hosts {
            identity.add_host(h);
            identity.add_bundle_name(h);
        }
        let learned = identity.learned_values(&pseudo);
        Ok(Pseudonyms {
            redactor: Redactor::new(Engine::with_learned(rules, &learned)?, pseudo),
        })
    }
}

/// Is `v`, met in a field of `kind`, a mask or a pseudonym airlock wrote?
/// (By shape; a redacted bundle is full of them.)
pub fn is_own_value(kind: ValueKind, v: &str) -> bool {
    let v = v.trim();
    pseudo::is_mask(v)
        || match kind {
            ValueKind::User => pseudo::is_own("username", v),
            ValueKind::Host => pseudo::is_own("hostname", v),
            ValueKind::Ip => pseudo::is_own("ipv4", v) || pseudo::is_own("ipv6", v),
            ValueKind::Project => false,
        }
}

impl Sanitize for Pseudonyms {
    /// As `airlock redact` would write `s`, except that what a report's
    /// folding put there (`"…"`, `ID`, `user-…`) is no name and stays.
    fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let engine = self.redactor.engine();
        let hay = s.as_bytes();
        let mut out = String::new();
        let mut at = 0;
        for f in engine.find_all(None, hay) {
            let (start, end) = crate::redact::escape_safe_span(hay, f.start, f.end);
            let start = start.max(at);
            if end <= start || !s.is_char_boundary(start) || !s.is_char_boundary(end) {
                continue;
            }
            let value = &s[start..end];
            // airlock's own masks and pseudonyms stay as they are (the
            // redactor's own test, which also sees masks around the value).
            if is_placeholder(value) || crate::redact::is_own_at(engine, f.rule, hay, start, end) {
                continue;
            }
            if let Some(r) = self.redactor.replacement(f.rule, value.as_bytes()) {
                out.push_str(&s[at..start]);
                out.push_str(&String::from_utf8_lossy(&r));
                at = end;
            }
        }
        if at == 0 {
            return Cow::Borrowed(s);
        }
        out.push_str(&s[at..]);
        Cow::Owned(out)
    }

    fn value<'a>(&self, kind: ValueKind, s: &'a str) -> Cow<'a, str> {
        let v = s.trim();
        if is_own_value(kind, v) {
            return Cow::Borrowed(s);
        }
        let pseudo = self.redactor.pseudonymizer();
        let p = match kind {
            ValueKind::User
                if v.is_empty() || USER_ALLOW.iter().any(|a| a.eq_ignore_ascii_case(v)) =>
            {
                None
            }
            ValueKind::User => pseudo.pseudonym("username", v),
            ValueKind::Host if v.is_empty() || v == "localhost" => None,
            ValueKind::Host => pseudo.pseudonym("hostname", v),
            ValueKind::Ip => {
                if v == "-" || v == "::1" || v.starts_with("127.") || v.is_empty() {
                    None
                } else if let Ok(ip) = v.parse::<std::net::IpAddr>() {
                    pseudo.pseudonym(if ip.is_ipv4() { "ipv4" } else { "ipv6" }, v)
                } else {
                    return self.text(s);
                }
            }
            // Project paths are kept as the redacted bundle keeps them,
            // with any learned name in them replaced.
            ValueKind::Project => return self.text(s),
        };
        match p {
            Some(p) => Cow::Owned(p),
            None => Cow::Borrowed(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_consistent() {
        let rules = RuleSet::builtin().unwrap();
        let known = Known {
            users: vec!["kwilliams".into()],
            projects: vec!["acme-gov/platform".into()],
            hosts: vec!["gitlab.acme-gov.us".into()],
        };
        let p = Placeholders::new(&rules, &known).unwrap();
        assert_eq!(p.value(ValueKind::User, "kwilliams"), "[username-1]");
        assert_eq!(p.value(ValueKind::User, "root"), "root");
        let t = p.text("user kwilliams from 10.1.2.3 pushed to acme-gov/platform on gitlab.acme-gov.us with glpat-abcdefghij0123456789");
        assert!(t.contains("[username-1]"), "{t}");
        assert!(
            !t.contains("kwilliams") && !t.contains("10.1.2.3") && !t.contains("acme-gov"),
            "{t}"
        );
        assert!(!t.contains("abcdefghij0123456789"), "{t}");
        assert_eq!(p.value(ValueKind::Ip, "10.1.2.3"), "[ipv4-1]");
        assert_eq!(p.value(ValueKind::Ip, "10.9.9.9"), "[ipv4-2]");
        assert_eq!(p.value(ValueKind::Ip, "127.0.0.1"), "127.0.0.1");
        assert_eq!(Raw.value(ValueKind::User, "kwilliams"), "kwilliams");
        let t = p.text("gitlab-rails/production_json.log");
        assert_eq!(t, "gitlab-rails/production_json.log");
        let known = Known {
            hosts: vec!["gitlab01".into()],
            ..Known::default()
        };
        let p = Placeholders::new(&rules, &known).unwrap();
        let t = p.text("gitlabsos.gitlab01_20261120/var/log/gitlab/gitlab-rails");
        assert_eq!(
            t,
            "gitlabsos.[hostname-1]_20261120/var/log/gitlab/gitlab-rails"
        );
    }

    #[test]
    fn airlocks_own_names_are_shown_as_they_are() {
        let rules = RuleSet::builtin().unwrap();
        let known = Known {
            users: vec!["user-gwxyw3vp".into(), "jdoe".into()],
            hosts: vec!["h-7uufvcwy.d-b44rek4k.example".into()],
            ..Known::default()
        };
        let p = Pseudonyms::new(&rules, &known, Key::random().unwrap()).unwrap();
        for (kind, v) in [
            (ValueKind::User, "user-gwxyw3vp"),
            (ValueKind::User, "name-mkmktnmn"),
            (ValueKind::Ip, "243.107.59.241"),
            (ValueKind::Ip, "fec0::5:1"),
            (ValueKind::Host, "h-7uufvcwy.d-b44rek4k.example"),
        ] {
            assert_eq!(p.value(kind, v), v);
            assert!(is_own_value(kind, v));
        }
        // Originals are still replaced.
        assert_ne!(p.value(ValueKind::User, "jdoe"), "jdoe");
        assert_ne!(p.value(ValueKind::Ip, "10.1.2.3"), "10.1.2.3");
        let t = "user-gwxyw3vp from 243.107.59.241 on h-7uufvcwy.d-b44rek4k.example: glpat-[REDACTED:gitlab_pat/7f3a9c]";
        assert_eq!(p.text(t), t);
        // A report's folding is no name: nothing invented for it.
        let folded = r#"User "…" (user-…@d-….example) was created from N.N.N.N"#;
        assert_eq!(p.text(folded), folded);
        assert_eq!(Placeholders::new(&rules, &known).unwrap().text(t), t);
        // …while an original in the same text is replaced.
        let mixed = p.text("jdoe from 10.1.2.3 and user-gwxyw3vp");
        assert!(mixed.ends_with(" and user-gwxyw3vp"), "{mixed}");
        assert!(
            !mixed.contains("jdoe") && !mixed.contains("10.1.2.3"),
            "{mixed}"
        );
    }
}
