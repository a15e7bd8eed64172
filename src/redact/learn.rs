//! Learn, then redact: the bundle's own identity, read before anything is
//! rewritten, so it can be replaced everywhere — in every file, in member
//! and directory names, in nested members — and not only where a rule's
//! context gives it away.
//!
//! What is learned:
//!
//! * **host names**: the `hostname` file, `external_url` and the other host
//!   and URL settings of `gitlab.rb` (LDAP hosts, `*_external_url`, e-mail
//!   domains), `/etc/hosts`, and the `gitlabsos.<host>_<timestamp>` archive and
//!   top-directory name. From `gitlab01.acme-gov.us` airlock also learns the
//!   short name `gitlab01`, the domain `acme-gov.us` and its label `acme-gov`
//!   (as in an LDAP `dc=acme-gov,dc=us`).
//! * **user names and people's names**: every value found by an identity rule
//!   of kind `username` or `name` (the `username`/`meta.user` JSON fields,
//!   nginx basic auth, sshd, …), so `/jdoe/project` in a path is found too.
//!
//! Values that would wreck the bundle if replaced everywhere are not
//! learned: very short ones, numbers, GitLab's own service names and
//! accounts (`gitlab`, `git`, `root`, …).

use std::collections::{BTreeSet, HashSet};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use regex_automata::meta::Regex;

use super::pseudo::{self, Pseudonymizer};
use super::secrets::SPREAD_MAX;
use super::tables::Tables;
use super::verify::ADDRESS_LITERALS_MAX;
use crate::bundle::{LeftOut, Member, Transform};
use crate::detect::{Boundary, ChunkView, Engine, LearnedValue, ScanOptions};
use crate::rules::allow::AllowList;
use crate::rules::{Category, RuleError, RuleSet};

/// User names that are roles every instance has, or words too common to
/// replace everywhere.
const NOT_USERS: &[&str] = &[
    "root",
    "admin",
    "administrator",
    "git",
    "gitlab",
    "ghost",
    "user",
    "users",
    "name",
    // Words a home directory or a path may hold that name no one
    // (`/home/project/cache`).
    "project",
    "projects",
    "cache",
    "data",
    "build",
    "builds",
    // Words of airlock's own output (`d-….example`, `[REDACTED:…]`).
    "example",
    "redacted",
    "test",
    "support",
    "system",
    "nobody",
    "anonymous",
    "www-data",
    "postgres",
    "redis",
    "gitlab-psql",
    "gitlab-redis",
    "gitlab-www",
    "gitlab-prometheus",
    "gitlab-consul",
    "gitlab-runner",
    "registry",
    "mattermost",
    "prometheus",
    "grafana",
    "consul",
    "sshd",
    "daemon",
    "bin",
    "sys",
    "mail",
    "ubuntu",
    "centos",
    "ec2-user",
    "deploy",
    "runner",
    "bot",
    "null",
    "none",
    "unknown",
    "default",
    "guest",
    "service",
    "alert-bot",
    "support-bot",
    "security-bot",
    "automation-bot",
    "gitlab-migration-bot",
    // Accounts gitlab.rb names by default (backup and restore roles).
    "gitlab-backup",
    "registry_backup",
    "registry_restore",
];

/// Can `v` be searched for everywhere as a user name without wrecking the
/// bundle? (Also applied to the originals `verify` searches for.)
pub fn is_learnable_user(v: &str) -> bool {
    // Shaped like a user name: `jdoe`, `j.doe-2`, `svc_backup$`, not a
    // template (`<*>`) or a CSV run (`root,E7,session`).
    let shaped = v.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        && v.chars().any(|c| c.is_alphabetic())
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '$'));
    shaped
        && v.len() >= 3
        && v.len() <= 128
        && !v.bytes().all(|b| b.is_ascii_digit())
        && !NOT_USERS.contains(&v.to_ascii_lowercase().as_str())
        && !pseudo::is_generic_label(v)
        && !crate::rules::allow::builtin().is_common_account(v)
        && !pseudo::is_own("username", v)
}

/// Can `v` be searched for everywhere as a person's name?
pub fn is_learnable_name(v: &str) -> bool {
    v.len() >= 4
        && v.len() <= 128
        && v.chars().any(|c| c.is_alphabetic())
        && !v.contains(['\n', '"', '\\'])
        && !pseudo::is_own("name", v)
        && !matches!(
            v,
            "Administrator" | "Ghost User" | "GitLab Support Bot" | "GitLab Alert Bot"
        )
        // A name of one word (`cn=proxy`, `uid=backup`) is an account as
        // much as a person: it is searched for everywhere only where a user
        // name would be, so a service word is not rewritten in every file.
        && (v.contains([' ', ',']) || is_learnable_user(v))
}

/// A name as written in an LDAP DN or an SQL literal, unescaped: `\,` and
/// `\\,` (the DN escape, once more escaped by JSON) become `,`, `\"` becomes
/// `"`, and SQL's `''` becomes `'`.
fn unescape_name(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                while chars.peek() == Some(&'\\') {
                    chars.next();
                }
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The case forms of `v` to search for. The learned-literal automaton folds
/// ASCII case itself; a name with other letters (`Zoë Ångström`) is also
/// searched as `zoë ångström`, `ZOË ÅNGSTRÖM` and `Zoë Ångström`.
pub fn case_forms(v: &str) -> Vec<String> {
    let mut out = vec![v.to_string()];
    if !v.is_ascii() {
        let title: String = v
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        for f in [v.to_lowercase(), v.to_uppercase(), title] {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// What was learned. `Debug` shows counts only.
#[derive(Default, Clone)]
pub struct Identity {
    pub hosts: BTreeSet<String>,
    pub users: BTreeSet<String>,
    pub names: BTreeSet<String>,
    /// Every IPv4 /24 and IPv6 /64 met, so pseudonym networks can be
    /// assigned before redaction starts (see
    /// [`Pseudonymizer::preassign_networks`]).
    pub v4_nets: BTreeSet<[u8; 3]>,
    pub v6_nets: BTreeSet<u64>,
    /// Every address met, as written, (kind, text), so redaction replaces
    /// it also where its rule cannot see it (`v6(en0:2001:db8::1)`: no
    /// pattern can tell where the interface ends). Up to
    /// [`ADDRESS_LITERALS_MAX`]; past it, none (see `too_many_addresses`).
    pub addresses: BTreeSet<(&'static str, String)>,
    pub too_many_addresses: bool,
    /// Every host name met (lower case, up to [`FQDNS_MAX`]): those under
    /// the customer's domain teach their short name, those under a
    /// provider their bucket or account (see [`Identity::learned_labels`]).
    pub fqdns: BTreeSet<String>,
    /// Credentials that only a table's header names (see `tables`), up to
    /// [`SPREAD_MAX`]; past it, none (`too_many_secrets`), as for the
    /// credentials redaction spreads.
    pub secrets: BTreeSet<String>,
    pub too_many_secrets: bool,
    /// Hosts and labels never learned (the rule set's allow list; the
    /// built-in one when not set).
    pub allow: Option<Arc<AllowList>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Identity {{ hosts: {}, users: {}, names: {}, networks: {} }}",
            self.hosts.len(),
            self.users.len(),
            self.names.len(),
            self.v4_nets.len() + self.v6_nets.len()
        )
    }
}

impl Identity {
    fn allow(&self) -> &AllowList {
        self.allow
            .as_deref()
            .unwrap_or_else(|| crate::rules::allow::builtin())
    }

    /// Add a credential found under a column that names one.
    pub fn add_secret(&mut self, value: String) {
        if self.too_many_secrets {
            return;
        }
        self.secrets.insert(value);
        if self.secrets.len() > SPREAD_MAX {
            self.secrets.clear();
            self.too_many_secrets = true;
        }
    }

    /// Add a host name (or a URL, or an e-mail address, whose host is taken).
    pub fn add_host(&mut self, value: &str) {
        let v = value.trim().trim_matches(|c| c == '\'' || c == '"');
        let host = if let Some((_, rest)) = v.split_once("://") {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            rest.split(['/', ':', '?', '#']).next().unwrap_or("")
        } else if let Some((_, domain)) = v.rsplit_once('@') {
            domain
        } else {
            v.split([':', '/']).next().unwrap_or("")
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && host.bytes().any(|b| b.is_ascii_alphabetic())
            && host.parse::<std::net::IpAddr>().is_err()
            && !self.allow().is_provider_host(&host)
            // An alias `mattermost` in /etc/hosts is a GitLab word first.
            && (host.contains('.') || !self.allow().is_label(&host))
            && !pseudo::is_own("hostname", &host);
        if valid {
            self.hosts.insert(host);
        }
    }

    pub fn add_user(&mut self, value: &str) {
        let v = value.trim();
        // `jdoe@acme-prod` (a kubeconfig user named after its cluster): the
        // user before the `@` is learned. The local part of an address with
        // a domain is not (`incoming@acme.us` would rewrite
        // `gitlab-incoming-email-password`): the `email` rule has it.
        if let Some((user, domain)) = v.rsplit_once('@') {
            if !domain.contains('.') {
                self.add_user(user);
            }
            return;
        }
        if is_learnable_user(v) {
            self.users.insert(v.to_string());
        }
    }

    pub fn add_name(&mut self, value: &str) {
        // As written in an LDAP DN (`Smith\, John`, `\"…\"`) or an SQL
        // literal (`O''Brien`), a name is escaped; it is learned as people
        // write it elsewhere, and `Last, First` in the order of a signature
        // too.
        let v = unescape_name(value.trim());
        let v = v.trim_matches(|c: char| c.is_whitespace() || c == '"');
        if is_learnable_name(v) {
            self.names.insert(v.to_string());
        }
        // An organisation as its settings and certificates write it
        // (`Acme Health NHS Trust`, `Acme Health GitLab`) is written
        // without the suffix in prose: learned both ways, while two words
        // are left (`Acme Health`; never a lone `Global`).
        let mut words: Vec<&str> = v.split(' ').filter(|w| !w.is_empty()).collect();
        while words.len() > 2
            && ORG_SUFFIXES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(words[words.len() - 1]))
        {
            words.pop();
            let short = words.join(" ");
            if is_learnable_name(&short) {
                self.names.insert(short);
            }
        }
        if let Some((last, first)) = v.split_once(", ") {
            let (last, first) = (last.trim(), first.trim());
            let one_word = |s: &str| !s.is_empty() && !s.contains([',', ' ']);
            if one_word(last) && !first.contains(',') && !first.is_empty() {
                let swapped = format!("{first} {last}");
                if is_learnable_name(&swapped) {
                    self.names.insert(swapped);
                }
            }
        }
    }

    /// A host found by an identity rule (`_HOSTNAME`, a runner, `Host Name:`,
    /// an LDAP `DC=` label): learned like the `hostname` file's, so a short
    /// name met once is replaced in free text everywhere.
    pub fn add_found_host(&mut self, value: &str) {
        // A runner's name or a `_HOSTNAME` that is one plain word (`shell`,
        // `docker`) is replaced where it stands, not everywhere: only a
        // name shaped like a host (`gl-prd-07`, `web01`, `db.corp`) is
        // learned.
        let v = value.trim();
        if v.contains(['-', '.']) || v.bytes().any(|b| b.is_ascii_digit()) {
            self.add_domain_label(v);
        }
    }

    /// A host or a label of the customer's domain that is learned whatever
    /// its shape: an LDAP `DC=` label, a Windows domain, a Kerberos realm.
    pub fn add_domain_label(&mut self, value: &str) {
        let v = value.trim().trim_start_matches('\\');
        // `[host]:port` of known_hosts.
        let v = v
            .strip_prefix('[')
            .map_or(v, |r| r.split(']').next().unwrap_or(r));
        if v.len() >= 3 && !pseudo::is_generic_label(v) {
            self.add_host(v);
        }
    }

    /// A Windows `DOMAIN\user` or a Kerberos `user@REALM`: the user is
    /// learned as a user, the domain or realm as a host (it spells the
    /// customer's domain).
    pub fn add_account(&mut self, value: &str) {
        let v = value.trim();
        let (domain, user) = if let Some((d, u)) = v.split_once('\\') {
            (d, u.trim_start_matches('\\'))
        } else if let Some((u, r)) = v.rsplit_once('@') {
            (r, u)
        } else {
            ("", v)
        };
        self.add_user(user);
        if !domain.is_empty() {
            self.add_domain_label(domain);
        }
    }

    /// Learn from an input or top-level directory name:
    /// `gitlabsos.<host>_<YYYYmmddHHMMSS>[…]`.
    pub fn add_bundle_name(&mut self, name: &str) {
        let Some(rest) = name.strip_prefix("gitlabsos.") else {
            return;
        };
        // The host runs up to the `_` before the 14-digit timestamp.
        let bytes = rest.as_bytes();
        let mut i = 0;
        while let Some(off) = rest[i..].find('_') {
            let at = i + off;
            let ts = &bytes[at + 1..];
            if ts.len() >= 14 && ts[..14].iter().all(u8::is_ascii_digit) {
                self.add_host(&rest[..at]);
                return;
            }
            i = at + 1;
        }
    }

    /// Add the network of an address found by a rule of kind `kind`.
    pub fn add_address(&mut self, kind: &str, value: &str) {
        let v = value.split('%').next().unwrap_or(value);
        let ip = match kind {
            "ipv4" => v.parse::<std::net::IpAddr>().ok(),
            "ipv4_dashed" => v.replace('-', ".").parse::<std::net::IpAddr>().ok(),
            "ipv6" => v.parse::<std::net::IpAddr>().ok(),
            _ => None,
        };
        let literal = match (kind, ip) {
            ("ipv4", Some(std::net::IpAddr::V4(a))) if !pseudo::is_own("ipv4", v) => {
                Some(("ipv4", a.to_string()))
            }
            ("ipv6", Some(std::net::IpAddr::V6(a))) if a.to_ipv4_mapped().is_none() => {
                (!pseudo::is_own("ipv6", v)).then(|| ("ipv6", value.to_string()))
            }
            _ => None,
        };
        if let Some(l) = literal {
            self.add_address_literal(l);
        }
        match ip {
            Some(std::net::IpAddr::V4(a)) if !pseudo::is_own("ipv4", &a.to_string()) => {
                let o = a.octets();
                self.v4_nets.insert([o[0], o[1], o[2]]);
            }
            Some(std::net::IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(m) => {
                    let o = m.octets();
                    if !pseudo::is_own("ipv4", &m.to_string()) {
                        self.v4_nets.insert([o[0], o[1], o[2]]);
                    }
                }
                None if !pseudo::is_own("ipv6", v) => {
                    self.v6_nets.insert((u128::from(a) >> 64) as u64);
                }
                None => {}
            },
            _ => {}
        }
    }

    fn add_address_literal(&mut self, l: (&'static str, String)) {
        if self.too_many_addresses {
            return;
        }
        self.addresses.insert(l);
        if self.addresses.len() > ADDRESS_LITERALS_MAX {
            self.too_many_addresses = true;
            self.addresses = BTreeSet::new();
        }
    }

    /// Remember a host name found by a network rule, for
    /// [`Identity::learned_labels`].
    pub fn add_fqdn(&mut self, value: &str) {
        if self.fqdns.len() < FQDNS_MAX {
            let v = value.trim_end_matches('.').to_ascii_lowercase();
            if v.contains('.') && !pseudo::is_own("hostname", &v) {
                self.fqdns.insert(v);
            }
        }
    }

    /// Single labels to replace everywhere, learned from the host names met:
    ///
    /// * the first label of a host under the customer's own domain (one
    ///   learned from `hostname`, `external_url`, …) or under a private
    ///   top-level domain (`.internal`, `.corp`, `.lan`): `gitaly01` of
    ///   `gitaly01.int.acme.org` stands alone in `storage = 'gitaly01'`;
    ///   under any other domain, a first label shaped like a host's (a
    ///   digit or a `-` in it);
    /// * the customer's labels of a host under a provider:
    ///   `acme-backups` of `acme-backups.s3.eu-west-2.amazonaws.com`,
    ///   `acmeacr` of `acmeacr.azurecr.io`, found again in `s3://acme-backups/`
    ///   and `az acr login -n acmeacr`.
    pub fn learned_labels(&self) -> BTreeSet<String> {
        const PRIVATE_TLDS: &[&str] = &[
            "internal", "corp", "lan", "intranet", "intra", "private", "priv", "home",
        ];
        let allow = self.allow();
        let customer: HashSet<String> = self
            .hosts
            .iter()
            .filter(|h| h.contains('.'))
            .map(|h| pseudo::registrable(h))
            .collect();
        let mut out = BTreeSet::new();
        let shaped = |l: &str, min: usize| {
            l.len() >= min
                && l.bytes().any(|b| b.is_ascii_alphabetic())
                && !allow.is_label(l)
                && !pseudo::is_generic_label(l)
                && !pseudo::is_own("hostname", l)
        };
        for host in &self.fqdns {
            if allow.keeps_host(host) {
                continue;
            }
            let labels: Vec<&str> = host.split('.').collect();
            let reg = pseudo::registrable(host);
            let n = reg.split('.').count();
            if labels.len() <= n {
                continue;
            }
            let before = &labels[..labels.len() - n];
            if allow.is_provider_domain(&reg) {
                // A customer's label stands before a service's own
                // (`<bucket>.s3`, `<account>.blob.core`) or under a domain
                // only tenants have names in; `play.google.com` is
                // Google's.
                let tenant = TENANT_DOMAINS.contains(&reg.as_str())
                    || before.iter().any(|l| allow.is_provider_label(l));
                for l in before.iter().filter(|_| tenant) {
                    if !allow.is_provider_label(l) && shaped(l, 4) {
                        out.insert((*l).to_string());
                    }
                }
            } else {
                let own =
                    customer.contains(&reg) || PRIVATE_TLDS.contains(labels.last().unwrap_or(&""));
                // Elsewhere only a name shaped like a host's
                // (`bwh-gitaly01`, `ip-10-0-1-2`), never a word such as
                // `status` of `status.vendor.com`.
                let hostlike = |l: &str| l.bytes().any(|b| b.is_ascii_digit() || b == b'-');
                if shaped(before[0], 3) && (own || hostlike(before[0])) {
                    out.insert(before[0].to_string());
                }
            }
        }
        out
    }

    /// Merge the addresses and host names another member's learning found.
    fn merge_network(&mut self, other: Identity) {
        for f in other.fqdns {
            if self.fqdns.len() >= FQDNS_MAX {
                break;
            }
            self.fqdns.insert(f);
        }
        self.v4_nets.extend(other.v4_nets);
        self.v6_nets.extend(other.v6_nets);
        if other.too_many_addresses {
            self.too_many_addresses = true;
            self.addresses = BTreeSet::new();
        }
        for l in other.addresses {
            self.add_address_literal(l);
        }
    }

    /// The literals to find everywhere. Also tells the pseudonymizer the
    /// domain labels and assigns every learned network its pseudonym network.
    pub fn learned_values(&self, pseudo: &Pseudonymizer) -> Vec<LearnedValue> {
        pseudo.preassign_networks(&self.v4_nets, &self.v6_nets);
        let mut out = Vec::new();
        let mut push =
            |value: &str, rule: &str, category: Category, kind: &str, boundary: Boundary| {
                out.push(LearnedValue {
                    value: value.as_bytes().to_vec(),
                    rule: rule.to_string(),
                    category,
                    kind: kind.to_string(),
                    boundary,
                })
            };
        let mut seen = BTreeSet::new();
        let allow = self.allow();
        for host in &self.hosts {
            let labels: Vec<&str> = host.split('.').collect();
            // A whole host name ends at `_` (`gitlabsos.<host>_<timestamp>`);
            // one label of it does not: `mattermost` of
            // `mattermost.acme.us` is a host in `ssh mattermost`, but a
            // word of GitLab's own in `gitlab_rails['mattermost_host']`.
            let mut add = |v: &str, boundary: Boundary| {
                if !pseudo::is_own("hostname", v) && seen.insert(v.to_string()) {
                    push(
                        v,
                        "learned_hostname",
                        Category::Network,
                        "hostname",
                        boundary,
                    );
                }
            };
            let short = labels[0];
            if labels.len() == 1 {
                // A single label that names a service (`gitlab`, `registry`)
                // says nothing of whose it is, and is GitLab's own word
                // everywhere else.
                if short.len() >= 3 && !allow.is_label(short) {
                    add(short, Boundary::Alnum);
                }
            } else {
                add(host, Boundary::Alnum);
            }
            if labels.len() > 1 && short.len() >= 3 && !allow.is_label(short) {
                add(short, Boundary::Word);
            }
            if labels.len() >= 2 {
                let reg = pseudo::registrable(host);
                add(&reg, Boundary::Alnum);
                let first = reg.split('.').next().unwrap_or("");
                if first.len() >= 4 && !allow.is_label(first) {
                    pseudo.learn_domain_label(first, &reg);
                    add(first, Boundary::Word);
                }
            }
        }
        for l in self.learned_labels() {
            if !pseudo::is_own("hostname", &l) && seen.insert(l.clone()) {
                push(
                    &l,
                    "learned_hostname",
                    Category::Network,
                    "hostname",
                    Boundary::Word,
                );
            }
        }
        // `_` separates too (`var_tmp_jdoe-debug.log`): a user name missed
        // is worse than one replaced inside `jdoe_backup`.
        for u in &self.users {
            for f in case_forms(u) {
                push(
                    &f,
                    "learned_username",
                    Category::Identity,
                    "username",
                    Boundary::Alnum,
                );
            }
        }
        for n in &self.names {
            for f in case_forms(n) {
                push(
                    &f,
                    "learned_name",
                    Category::Identity,
                    "name",
                    Boundary::Word,
                );
            }
        }
        for (kind, a) in &self.addresses {
            let rule = format!("learned_{kind}");
            push(a, &rule, Category::Network, kind, Boundary::Alnum);
        }
        for s in &self.secrets {
            push(
                s,
                "learned_column_secret",
                Category::Credential,
                "secret",
                Boundary::Alnum,
            );
        }
        out
    }
}

/// The learning pass as a bundle transform (with a null sink).
pub struct Learner {
    /// Shared by [`Learner::fresh`] copies: compiling it is most of
    /// starting a learner.
    engine: Arc<Engine>,
    /// Threads for the chunks of one member.
    jobs: usize,
    found: Mutex<Identity>,
    settings: Vec<Regex>,
}

impl std::fmt::Debug for Learner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learner")
            .field("found", &self.found)
            .finish()
    }
}

impl Learner {
    /// A learner using the identity rules of `set` (kinds `username`,
    /// `name`) and its address rules (for the networks to preassign).
    ///
    /// They are an engine of their own, not redaction's. Measured and
    /// rejected: learning with redaction's engine, filtering its findings
    /// (its lazy DFA states would then serve all three passes: 6.7% fewer
    /// instructions redacting a 10 MB bundle). There a credential rule's
    /// match hides an identity rule's: in `https://user:pass@host` the
    /// URL-credentials rule takes the password and the user in its context
    /// ends at `:`, where the URL-user rule cannot match. Those users went
    /// out in clear (two tests failed; twelve more planted values survived
    /// the two leak hunts).
    pub fn new(set: &RuleSet) -> Result<Learner, RuleError> {
        // Also the `user:password` pairs redaction decodes (Basic auth,
        // Docker `auth`): their user is replaced there, so it must be
        // replaced everywhere else too.
        let people = set.filtered(|r| match r.category {
            // Hosts and accounts found by an identity rule are the
            // bundle's own (a lone job log names its runner and server).
            Category::Identity => {
                matches!(
                    r.kind.as_str(),
                    "username" | "name" | "hostname" | "account" | "domain_label"
                )
            }
            // Every host name too: the short name of a host under the
            // customer's domain, and a bucket or storage account in front of
            // a provider's, are learned from them (`Identity::fqdns`).
            Category::Network => matches!(
                r.kind.as_str(),
                "ipv4" | "ipv4_dashed" | "ipv6" | "hostname"
            ),
            _ => r.decode == Some(crate::rules::Decode::BasicAuth),
        });
        let settings = [
            // external_url 'https://gitlab.example.com', registry_external_url …
            r#"(?m)^[ \t]*[a-z_]*external_url[ \t(]+['"]([^'"\s]+)['"]"#,
            // gitlab_rails['ldap_host'] = 'ldap.corp', ['smtp_address'], ['gitlab_email_from'], …
            r#"(?m)^[ \t]*[a-z_]+(?:\[['"][a-z_]+['"]\])*\[['"][a-z_]*(?:_host|_hostname|_url|_address|_domain|email_from|email_reply_to|_server|_fqdn)['"]\][ \t]*=[ \t]*['"]([^'"\s]+)['"]"#,
            // YAML inside gitlab.rb (ldap_servers): host: 'ldap.corp'
            r#"(?m)^[ \t]+(?:host|hostname|url|base_url|address):[ \t]*['"]?([A-Za-z0-9][A-Za-z0-9.:/_-]*)"#,
        ];
        let settings = settings
            .iter()
            .map(|p| Regex::new(p).expect("built-in setting patterns compile"))
            .collect();
        Ok(Learner {
            engine: Arc::new(Engine::new(&people)?),
            jobs: 1,
            found: Mutex::new(Identity {
                allow: Some(Arc::clone(set.allow())),
                ..Identity::default()
            }),
            settings,
        })
    }

    /// A learner of the same rules that has learned nothing yet, sharing
    /// this one's compiled (and warm) automata.
    pub fn fresh(&self) -> Learner {
        Learner {
            engine: Arc::clone(&self.engine),
            jobs: self.jobs,
            found: Mutex::new(Identity {
                allow: self.found().allow.clone(),
                ..Identity::default()
            }),
            settings: self.settings.clone(),
        }
    }

    /// Read the chunks of one member on `jobs` threads.
    pub fn with_jobs(mut self, jobs: usize) -> Learner {
        self.jobs = jobs.max(1);
        self
    }

    /// Learn from the input's own file name (`gitlabsos.<host>_….tar.gz`).
    pub fn learn_input_name(&self, path: &Path) {
        if let Some(name) = path.file_name() {
            self.found().add_bundle_name(&name.to_string_lossy());
        }
    }

    fn found(&self) -> std::sync::MutexGuard<'_, Identity> {
        self.found.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Learn from one text held in memory (`path` selects the rules that
    /// apply to it, as for a member of that name).
    pub fn learn_bytes(&self, path: Option<&Path>, data: &[u8]) -> io::Result<()> {
        self.learn_people(path, &mut io::Cursor::new(data), 1)
    }

    pub fn into_identity(self) -> Identity {
        self.found.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    fn learn_settings(&self, text: &str) {
        let mut id = self.found();
        for re in &self.settings {
            for caps in re.captures_iter(text) {
                if let Some(g) = caps.get_group(1) {
                    id.add_host(&text[g.range()]);
                }
            }
        }
    }
}

/// The user of a base64 `user:password` pair.
fn basic_auth_user(encoded: &str) -> Option<String> {
    let plain = crate::detect::shape::Encoded::parse(encoded.as_bytes())?.decode()?;
    let text = String::from_utf8(plain).ok()?;
    let (user, _) = text.split_once(':')?;
    Some(user.to_string())
}

/// Last words an organisation's name carries in settings and certificates
/// but not always in prose.
const ORG_SUFFIXES: &[&str] = &[
    "Inc",
    "Inc.",
    "LLC",
    "L.L.C.",
    "Ltd",
    "Ltd.",
    "Limited",
    "Corp",
    "Corp.",
    "Corporation",
    "Co",
    "Co.",
    "Company",
    "GmbH",
    "AG",
    "SA",
    "S.A.",
    "plc",
    "LLP",
    "Group",
    "Holdings",
    "Trust",
    "NHS",
    "GitLab",
    "Chat",
    "Mattermost",
    "AD",
    "LDAP",
    "SSO",
];

/// Provider domains under which every name is a tenant's (a registry,
/// an app, a distribution), with no service label before it.
const TENANT_DOMAINS: &[&str] = &[
    "azurecr.io",
    "azurecr.us",
    "azurewebsites.net",
    "azurewebsites.us",
    "cloudapp.net",
    "appspot.com",
    "cloudfront.net",
    "digitaloceanspaces.com",
    "wasabisys.com",
    "backblazeb2.com",
    "cloudflarestorage.com",
];

/// Distinct host names remembered for [`Identity::learned_labels`].
const FQDNS_MAX: usize = 20_000;

/// Distinct values one member's learning remembers having handled.
const SEEN_MAX: usize = 100_000;

/// Files that name the host, by their last path components.
fn base_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b'/') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

impl Transform for Learner {
    fn name(&self, name: &[u8]) -> Vec<u8> {
        if let Some(first) = name.split(|b| *b == b'/').next() {
            self.found()
                .add_bundle_name(&String::from_utf8_lossy(first));
        }
        name.to_vec()
    }

    fn content(
        &self,
        member: &Member<'_>,
        input: &mut dyn Read,
        _output: &mut dyn Write,
    ) -> io::Result<()> {
        let name = member.name;
        let base = base_name(name);
        let path = String::from_utf8_lossy(name);
        let small = matches!(
            base,
            b"hostname" | b"gitlab.rb" | b"hosts" | b"hostname_fqdn"
        );
        if small {
            let mut bytes = Vec::new();
            input.take(4 << 20).read_to_end(&mut bytes)?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match base {
                b"hostname" | b"hostname_fqdn" => {
                    if let Some(line) = text.lines().next() {
                        self.found().add_host(line);
                    }
                }
                b"hosts" if path.ends_with("etc/hosts") => {
                    let mut id = self.found();
                    for line in text.lines() {
                        let line = line.split('#').next().unwrap_or("");
                        for name in line.split_whitespace().skip(1) {
                            if !name.starts_with("ip6-") {
                                id.add_host(name);
                            }
                        }
                    }
                }
                b"gitlab.rb" => self.learn_settings(&text),
                _ => {}
            }
            self.learn_people(
                Some(Path::new(path.as_ref())),
                &mut io::Cursor::new(text.into_bytes()),
                1,
            )
        } else {
            let p = if name.is_empty() {
                None
            } else {
                Some(Path::new(path.as_ref()))
            };
            self.learn_people(p, input, member.jobs.min(self.jobs))
        }
    }

    fn left_out(&self, _name: &[u8], _why: &LeftOut) {}
}

impl Learner {
    fn learn_people(
        &self,
        path: Option<&Path>,
        input: &mut dyn Read,
        jobs: usize,
    ) -> io::Result<()> {
        let matcher = self.engine.matcher(path);
        let mut users = Vec::new();
        let mut names = Vec::new();
        let mut hosts = Vec::new();
        let mut accounts = Vec::new();
        let mut labels = Vec::new();
        let mut network = Identity::default();
        let opts = ScanOptions::default();
        // (kind index, value) of each distinct finding in a chunk. Logs
        // repeat the same few addresses and users hundreds of thousands of
        // times: a value is copied and parsed once per chunk, not once per
        // occurrence.
        let work = |chunk: ChunkView<'_>| -> (Vec<(u8, String)>, Vec<usize>) {
            let mut distinct: HashSet<(u8, &[u8])> = HashSet::new();
            let mut out = Vec::new();
            for f in chunk.findings {
                let bytes = &chunk.bytes[f.start..f.end];
                let info = self.engine.rule(f.rule);
                let k = match info.kind.as_str() {
                    _ if info.decode.is_some() => 5,
                    "name" => 0,
                    "username" => 1,
                    "ipv4" => 2,
                    "ipv4_dashed" => 3,
                    "hostname" if info.category == Category::Network => 9,
                    "hostname" => 6,
                    "account" => 7,
                    "domain_label" => 8,
                    _ => 4,
                };
                if distinct.insert((k, bytes)) {
                    out.push((k, String::from_utf8_lossy(bytes).into_owned()));
                }
            }
            (out, Tables::starts(chunk.bytes))
        };
        // And once per member, up to a bound (a log of millions of distinct
        // addresses must not keep them all here).
        let mut seen: [HashSet<String>; 10] = Default::default();
        let mut seen_total = 0;
        let mut take = |found: Vec<(u8, String)>| {
            for (k, v) in found {
                let seen = &mut seen[k as usize];
                if seen.contains(&v) {
                    continue;
                }
                match k {
                    0 => names.push(v.clone()),
                    1 => users.push(v.clone()),
                    2 => network.add_address("ipv4", &v),
                    3 => network.add_address("ipv4_dashed", &v),
                    4 => network.add_address("ipv6", &v),
                    6 => hosts.push(v.clone()),
                    7 => accounts.push(v.clone()),
                    8 => labels.push(v.clone()),
                    9 => network.add_fqdn(&v),
                    _ => {
                        if let Some(user) = basic_auth_user(&v) {
                            users.push(user);
                        }
                    }
                }
                if seen_total < SEEN_MAX {
                    seen.insert(v);
                    seen_total += 1;
                }
            }
            Ok::<(), io::Error>(())
        };
        // Tables are read in order, on this thread (see `tables`).
        let mut tables = Tables::new();
        matcher.scan_reader_parallel_map(
            input,
            &opts,
            jobs,
            work,
            |_, bytes, (found, starts)| {
                tables.feed(bytes, &starts);
                take(found)
            },
        )?;
        let columns = tables.finish();
        users.extend(columns.users);
        names.extend(columns.names);
        let mut id = self.found();
        for s in columns.secrets {
            id.add_secret(s);
        }
        for u in users {
            id.add_user(&u);
        }
        for n in names {
            id.add_name(&n);
        }
        for h in hosts {
            id.add_found_host(&h);
        }
        for a in accounts {
            id.add_account(&a);
        }
        for l in labels {
            id.add_domain_label(&l);
        }
        id.merge_network(network);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_names_are_learned_as_people_write_them() {
        let mut id = Identity::default();
        // An LDAP DN inside JSON, a DN, an SQL literal.
        id.add_name(r"Vostrum\\, Keldra");
        id.add_name(r"Pashev\, Orlin");
        id.add_name("Orlin O''Pashev");
        let names: Vec<&str> = id.names.iter().map(String::as_str).collect();
        for want in [
            "Vostrum, Keldra",
            "Keldra Vostrum",
            "Pashev, Orlin",
            "Orlin Pashev",
            "Orlin O'Pashev",
        ] {
            assert!(names.contains(&want), "{want:?} not in {names:?}");
        }
        assert!(names.iter().all(|n| !n.contains('\\') && !n.contains("''")));
    }

    #[test]
    fn an_organisation_is_learned_with_and_without_its_suffix() {
        let mut id = Identity::default();
        id.add_name("Brightwater Health NHS Trust");
        id.add_name("Velmorix Dynamics GitLab");
        id.add_name("Global Corp");
        let names: Vec<&str> = id.names.iter().map(String::as_str).collect();
        for want in [
            "Brightwater Health NHS Trust",
            "Brightwater Health NHS",
            "Brightwater Health",
            "Velmorix Dynamics",
        ] {
            assert!(names.contains(&want), "{want:?} not in {names:?}");
        }
        // Never down to one word.
        assert!(!names.contains(&"Global"), "{names:?}");
    }

    #[test]
    fn accounts_teach_their_user_and_their_domain() {
        let mut id = Identity::default();
        id.add_account(r"ACMECORP\svc_runner");
        id.add_account(r"acmecorp\\jdoe-ops");
        id.add_account("krb_ops@VELMORIX.US");
        let users: Vec<&str> = id.users.iter().map(String::as_str).collect();
        assert_eq!(users, ["jdoe-ops", "krb_ops", "svc_runner"]);
        let hosts: Vec<&str> = id.hosts.iter().map(String::as_str).collect();
        assert_eq!(hosts, ["acmecorp", "velmorix.us"]);
    }

    #[test]
    fn plain_words_found_as_hosts_are_not_learned_but_host_shapes_are() {
        let mut id = Identity::default();
        for v in [
            "shell",
            "docker",
            "gl-prd-07",
            "web01",
            "registry-01",
            "gitlab",
        ] {
            id.add_found_host(v);
        }
        // A service word alone is GitLab's, whatever rule found it.
        id.add_domain_label("registry");
        id.add_domain_label("acmecorp");
        let hosts: Vec<&str> = id.hosts.iter().map(String::as_str).collect();
        assert_eq!(hosts, ["acmecorp", "gl-prd-07", "registry-01", "web01"]);
    }

    #[test]
    fn case_forms_add_unicode_forms_only_where_ascii_folding_misses() {
        assert_eq!(case_forms("Jane Doe"), ["Jane Doe"]);
        let f = case_forms("zoë åmark");
        for want in ["zoë åmark", "ZOË ÅMARK", "Zoë Åmark"] {
            assert!(f.iter().any(|x| x == want), "{want} not in {f:?}");
        }
    }
}
