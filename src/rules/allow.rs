//! The allow list: what airlock never rewrites although a rule's shape
//! fits it, read from the `[allow]` tables of rules files.
//!
//! The built-in table is `rules/allow.toml` (embedded like every built-in
//! pack; its comments say what each list is for). A user's rules file may
//! carry its own `[allow]` table; entries add up, in pack order, and none
//! can be removed: the list only ever keeps names that identify nobody, so
//! a longer one costs the customer nothing but a pseudonym less.
//!
//! Host entries: `name` (that host), `.name` (it and every host under it),
//! `*` for exactly one label (`*.amazonaws.com` keeps `sts.amazonaws.com`,
//! not `bucket.s3.amazonaws.com`).

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// An `[allow]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub provider_labels: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub versions_after: Vec<String>,
}

/// A cloud region as host names carry it: a continent prefix, words, and
/// a number, alone or at the end of the last word (`us-east-1`,
/// `us-gov-west-1`, `eu-west-2`, `us-central1`, `europe-west4`).
fn is_region(label: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "us",
        "eu",
        "ap",
        "ca",
        "sa",
        "me",
        "af",
        "il",
        "cn",
        "mx",
        "europe",
        "asia",
        "australia",
        "northamerica",
        "southamerica",
        "africa",
    ];
    let parts: Vec<&str> = label.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase());
    let digits = last.trim_start_matches(|c: char| c.is_ascii_lowercase());
    PREFIXES.contains(first)
        && middle.iter().all(|m| word(m))
        && (1..=2).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// FNV-1a: the host index is looked up once per host name label in a
/// bundle; SipHash's protection against chosen keys buys nothing for a list
/// the user wrote.
#[derive(Clone, Default)]
struct Fnv;

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl std::fmt::Debug for Fnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fnv")
    }
}

/// One `hosts` entry, lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    /// This host only.
    Exact(String),
    /// This host and every host under it.
    Suffix(String),
    /// Labels, `*` matching any one label.
    Labels(Vec<String>),
}

impl HostPattern {
    fn parse(entry: &str) -> Option<HostPattern> {
        let e = entry.trim().trim_end_matches('.').to_ascii_lowercase();
        let body = e.strip_prefix('.').unwrap_or(&e);
        let valid = !body.is_empty()
            && body.split('.').all(|l| {
                l == "*"
                    || (!l.is_empty()
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            });
        if !valid {
            return None;
        }
        Some(if body.contains('*') {
            if e.starts_with('.') {
                return None; // `.*.x`: say `*.x` or `.x`
            }
            HostPattern::Labels(body.split('.').map(str::to_string).collect())
        } else if e.starts_with('.') {
            HostPattern::Suffix(body.to_string())
        } else {
            HostPattern::Exact(body.to_string())
        })
    }

    /// The entry read literally; [`AllowList::keeps_host`] uses an index
    /// that a test checks against this.
    #[cfg(test)]
    fn keeps(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => host == h,
            HostPattern::Suffix(s) => {
                host == s
                    || (host.len() > s.len()
                        && host.ends_with(s.as_str())
                        && host.as_bytes()[host.len() - s.len() - 1] == b'.')
            }
            HostPattern::Labels(ls) => {
                let hl: Vec<&str> = host.split('.').collect();
                hl.len() == ls.len() && hl.iter().zip(ls).all(|(h, l)| l == "*" || h == l)
            }
        }
    }
}

/// The allow list in effect (built-in plus the user's tables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<HostPattern>,
    /// `hosts` indexed for [`AllowList::keeps_host`], which runs on every
    /// host name a bundle holds (hundreds of thousands): exact names and
    /// suffixes are set look-ups, not a walk over every entry.
    exact: HashSet<String, Fnv>,
    suffixes: HashSet<String, Fnv>,
    labels_of: Vec<Vec<String>>,
    providers: HashSet<String>,
    labels: HashSet<String>,
    provider_labels: HashSet<String>,
    accounts: HashSet<String>,
    versions_after: Vec<String>,
}

impl Default for AllowList {
    /// An empty list (a rule set starts with one; the built-in pack fills it).
    fn default() -> AllowList {
        AllowList::empty()
    }
}

/// The built-in allow list (`rules/allow.toml`).
pub fn builtin() -> &'static AllowList {
    static B: OnceLock<AllowList> = OnceLock::new();
    B.get_or_init(|| {
        let mut a = AllowList::empty();
        let text = super::builtin::ALLOW;
        let file: super::spec::PackFile = toml::from_str(text).expect("rules/allow.toml parses");
        a.add(
            file.allow
                .expect("rules/allow.toml has an [allow] table")
                .get_ref(),
        )
        .expect("rules/allow.toml entries are valid");
        a
    })
}

impl AllowList {
    /// A list with nothing in it (`--no-builtin`).
    pub fn empty() -> AllowList {
        AllowList {
            hosts: Vec::new(),
            exact: HashSet::default(),
            suffixes: HashSet::default(),
            labels_of: Vec::new(),
            providers: HashSet::new(),
            labels: HashSet::new(),
            provider_labels: HashSet::new(),
            accounts: HashSet::new(),
            versions_after: Vec::new(),
        }
    }

    /// Add a table's entries. An entry that cannot be a host pattern is an
    /// error naming it (a typo must not silently keep nothing).
    pub fn add(&mut self, spec: &AllowSpec) -> Result<(), String> {
        for h in &spec.hosts {
            let p = HostPattern::parse(h)
                .ok_or_else(|| format!("allow.hosts: {h:?} is not a host name pattern"))?;
            if !self.hosts.contains(&p) {
                match &p {
                    HostPattern::Exact(h) => {
                        self.exact.insert(h.clone());
                    }
                    HostPattern::Suffix(s) => {
                        self.suffixes.insert(s.clone());
                    }
                    HostPattern::Labels(ls) => self.labels_of.push(ls.clone()),
                }
                self.hosts.push(p);
            }
        }
        for (field, list, into) in [
            ("providers", &spec.providers, &mut self.providers),
            ("labels", &spec.labels, &mut self.labels),
            (
                "provider_labels",
                &spec.provider_labels,
                &mut self.provider_labels,
            ),
            ("accounts", &spec.accounts, &mut self.accounts),
        ] {
            for v in list {
                let v = v.trim().to_ascii_lowercase();
                if v.is_empty() || v.contains('*') {
                    return Err(format!("allow.{field}: {v:?} is empty or has a `*`"));
                }
                into.insert(v);
            }
        }
        for w in &spec.versions_after {
            let w = w.trim().to_ascii_lowercase();
            if w.is_empty() {
                return Err("allow.versions_after: an empty word".into());
            }
            if !self.versions_after.contains(&w) {
                self.versions_after.push(w);
            }
        }
        Ok(())
    }

    /// Is `host` a name that identifies nobody (kept by a `hosts` entry)?
    pub fn keeps_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        let lower;
        let h = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        if self.exact.contains(h) {
            return true;
        }
        // `h` and every name it is under, label by label.
        let mut rest = h;
        loop {
            if self.suffixes.contains(rest) {
                return true;
            }
            match memchr::memchr(b'.', rest.as_bytes()) {
                Some(i) => rest = &rest[i + 1..],
                None => break,
            }
        }
        // Split once: this runs for every host-shaped finding.
        let labels: Vec<&str> = h.split('.').collect();
        self.labels_of.iter().any(|ls| {
            labels.len() == ls.len() && labels.iter().zip(ls).all(|(h, l)| l == "*" || h == l)
        })
    }

    /// Is `host` under a public provider's domain, or a reserved TLD, so
    /// that it must not be learned as the customer's?
    pub fn is_provider_host(&self, host: &str) -> bool {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        let reg = crate::redact::pseudo::registrable(&h);
        self.providers.contains(&reg)
            || [".example", ".test", ".invalid", ".localhost"]
                .iter()
                .any(|t| h.ends_with(t))
            || self.keeps_host(&h)
    }

    /// Is `registrable` (as [`registrable`](crate::redact::pseudo::registrable)
    /// gives it) the domain of a public provider (`amazonaws.com`,
    /// `azurecr.io`)?
    pub fn is_provider_domain(&self, registrable: &str) -> bool {
        self.providers.contains(registrable)
    }

    /// Is `label`, under a provider's domain, a public part of the service's
    /// name (`s3`, `blob`, `dkr`, a region such as `us-gov-west-1` or
    /// `us-central1`) rather than the customer's bucket or account?
    pub fn is_provider_label(&self, label: &str) -> bool {
        let l = label.to_ascii_lowercase();
        self.provider_labels.contains(&l) || self.labels.contains(&l) || is_region(&l)
    }

    /// Is `user` a system account every host has (never learned)?
    pub fn is_common_account(&self, user: &str) -> bool {
        self.accounts.contains(&user.to_ascii_lowercase())
    }

    /// Is `label` one of GitLab's words or a generic service word?
    pub fn is_label(&self, label: &str) -> bool {
        self.labels.contains(&label.to_ascii_lowercase())
    }

    /// Does a version word stand right before `hay[start..]` (`Rails `,
    /// `Version `, `version: "`, `~~`, a user agent's `Chrome/`)? Blanks,
    /// `:`, `=`, `/`, quotes and an opening bracket may come between; the
    /// word must start at a word boundary.
    pub fn version_before(&self, hay: &[u8], start: usize) -> bool {
        if self.versions_after.is_empty() {
            return false;
        }
        let mut i = start.min(hay.len());
        // At most a few separators: `Version: "1.2.3.4"`, `[Version 10.…`.
        let mut seps = 0;
        while i > 0
            && seps < 4
            && matches!(hay[i - 1], b' ' | b'\t' | b':' | b'=' | b'/' | b'"' | b'\'')
        {
            i -= 1;
            seps += 1;
        }
        let before = &hay[i.saturating_sub(16)..i];
        self.versions_after.iter().any(|w| {
            let w = w.as_bytes();
            before.len() >= w.len() && before[before.len() - w.len()..].eq_ignore_ascii_case(w) && {
                let at = i - w.len();
                !w[0].is_ascii_alphanumeric()
                    || at == 0
                    || !(hay[at - 1].is_ascii_alphanumeric() || hay[at - 1] == b'_')
            }
        })
    }
}

/// Is the value `hay[s..e]`, found by a credential rule, a reference to a
/// secret rather than the secret (`${RUNNER_TOKEN_3}`, `$DB_PASSWORD`,
/// `ENV['LDAP_PASS']`, `{{ .Values.token }}`, `%API_KEY%`), the name of a
/// Kubernetes Secret (`secret: gitlab-ldap-bind`, `existingSecret: …`),
/// another tool's mask (`[MASKED]`) or a sudoers command list?
/// Masking either tells support nothing and hides which Secret or variable
/// a setting reads.
pub fn is_reference(hay: &[u8], s: usize, e: usize) -> bool {
    let v = &hay[s..e];
    let ident = |b: &[u8]| {
        !b.is_empty()
            && !b[0].is_ascii_digit()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let upper_ident = |b: &[u8]| ident(b) && !b.iter().any(u8::is_ascii_lowercase);
    if let Some(inner) = v.strip_prefix(b"${").and_then(|x| x.strip_suffix(b"}")) {
        return ident(inner);
    }
    if let Some(inner) = v.strip_prefix(b"$") {
        return upper_ident(inner);
    }
    if let Some(inner) = v.strip_prefix(b"%").and_then(|x| x.strip_suffix(b"%")) {
        return upper_ident(inner);
    }
    if v.starts_with(b"ENV[") || v.starts_with(b"ENV.fetch") || v.starts_with(b"{{") {
        return true;
    }
    // Another tool's mask: GitLab CI's masked variables in a job log,
    // Rails' filtered parameters.
    if matches!(v, b"[MASKED]" | b"[FILTERED]") {
        return true;
    }
    // A sudoers tag before a command list (`ALL=(root) NOPASSWD:
    // /usr/bin/gitlab-ctl`): commands, not a password.
    let before = hay[..s].trim_ascii_end();
    if v.first() == Some(&b'/') && before.ends_with(b"PASSWD:") {
        return true;
    }
    if rake_task_verb(hay, s, v) {
        return true;
    }
    // PAM's `service:type` (`pam_unix(passwd:chauthtok)`): no assignment.
    if hay[..s].ends_with(b"(passwd:") {
        return true;
    }
    // The working directory (`PWD=/builds/acme/app`, `"pwd":"/var/opt/gitlab"`
    // in an environment dump): `pwd` is also a password's name elsewhere.
    if matches!(v.first(), Some(b'/' | b'~')) && key_is_working_directory(hay, s) {
        return true;
    }
    // A Secret's name: a DNS-1123 name in words (`gitlab-ldap-bind`) as
    // the value of a key that names a Secret.
    let dns_name = v.len() <= 63
        && v.contains(&b'-')
        && v[0].is_ascii_lowercase()
        && v.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !v.ends_with(b"-");
    if !dns_name {
        return false;
    }
    key_names_a_secret(hay, s)
}

/// The key right before the value at `s`, read backwards: blanks and
/// quotes, one of `separators`, the key's closing quotes, then at most
/// `max` bytes for which `key_byte` holds (empty if none). Reading
/// backwards costs what the key costs, whatever the line's length.
fn key_before(
    hay: &[u8],
    s: usize,
    separators: &[u8],
    key_byte: impl Fn(u8) -> bool,
    max: usize,
) -> Option<std::ops::Range<usize>> {
    let mut i = s;
    while i > 0 && matches!(hay[i - 1], b' ' | b'\t' | b'"' | b'\'') {
        i -= 1;
    }
    if i == 0 || !separators.contains(&hay[i - 1]) {
        return None;
    }
    i -= 1;
    while i > 0 && matches!(hay[i - 1], b'"' | b'\'') {
        i -= 1;
    }
    let key_end = i;
    while i > 0 && key_end - i <= max && key_byte(hay[i - 1]) {
        i -= 1;
    }
    Some(i..key_end)
}

/// Is the key right before the value at `s` (`KEY=`, `"key":`, `key: `)
/// `PWD` or `OLDPWD`, in any case?
fn key_is_working_directory(hay: &[u8], s: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let Some(k) = key_before(hay, s, b"=:", word, 6) else {
        return false;
    };
    let key = &hay[k.clone()];
    let whole = k.start == 0 || !word(hay[k.start - 1]);
    whole && (key.eq_ignore_ascii_case(b"pwd") || key.eq_ignore_ascii_case(b"oldpwd"))
}

/// Does the line before `s` hold nothing but a key that names a Kubernetes
/// Secret (`secret:`, `secretName:`, `existing_secret:`, any case), quoted
/// or not, after blanks, dashes or quotes — or after the `{` or `,` of a
/// flow mapping (`{secret: gitlab-initial-root-password, key: password}`)?
fn key_names_a_secret(hay: &[u8], s: usize) -> bool {
    const NAMES: [&[u8]; 5] = [
        b"secret",
        b"secretname",
        b"secret_name",
        b"existingsecret",
        b"existing_secret",
    ];
    let longest = NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
    let key_byte = |b: u8| b.is_ascii_alphabetic() || b == b'_';
    let Some(k) = key_before(hay, s, b":", key_byte, longest) else {
        return false;
    };
    if !NAMES.iter().any(|n| hay[k.clone()].eq_ignore_ascii_case(n)) {
        return false;
    }
    // Only blanks, dashes and quotes between the line's start (or a flow
    // mapping's `{` or `,`) and the key.
    let mut i = k.start;
    while i > 0 && matches!(hay[i - 1], b' ' | b'\t' | b'-' | b'"' | b'\'') {
        i -= 1;
    }
    i == 0 || matches!(hay[i - 1], b'\n' | b'{' | b',')
}

/// Is `v` (at `s`) the verb of a GitLab rake task whose namespace reads
/// like a key, `gitlab:password:reset[root]` or `gitlab:ldap:secret:show`?
/// There `password:` is part of the task's name, not an assignment. Only
/// the tasks' own verbs count, and only after `word:key:` with no blank, so
/// a value after `password:` anywhere else is still a secret.
fn rake_task_verb(hay: &[u8], s: usize, v: &[u8]) -> bool {
    let verb_end = v.iter().position(|b| *b == b'[').unwrap_or(v.len());
    if !matches!(&v[..verb_end], b"reset" | b"show" | b"edit" | b"write") {
        return false;
    }
    if verb_end < v.len() && !v.ends_with(b"]") {
        return false;
    }
    let Some(before) = hay[..s].strip_suffix(b":") else {
        return false;
    };
    let k = before
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(0, |i| i + 1);
    k >= 2 && k < before.len() && before[k - 1] == b':' && before[k - 2].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How [`key_names_a_secret`] was first written: the line before the
    /// value, from its start, lower-cased and trimmed. The reference the
    /// property test holds the backward reading to.
    fn key_names_a_secret_from_line_start(hay: &[u8], s: usize) -> bool {
        let line_start = hay[..s]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        // A flow mapping's entry starts after its `{` or `,`.
        let entry_start = hay[line_start..s]
            .iter()
            .rposition(|b| matches!(b, b'{' | b','))
            .map_or(line_start, |i| line_start + i + 1);
        let before = String::from_utf8_lossy(&hay[entry_start..s]).to_ascii_lowercase();
        let key = before
            .trim_end_matches([' ', '\t', '"', '\''])
            .strip_suffix(':')
            .map(|k| {
                k.trim_end_matches(['"', '\''])
                    .trim_start_matches([' ', '\t', '-', '"', '\''])
            });
        matches!(
            key,
            Some("secret" | "secretname" | "secret_name" | "existingsecret" | "existing_secret")
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, .. proptest::prelude::ProptestConfig::default() })]
        #[test]
        fn the_key_is_read_backwards_as_it_was_from_the_line_start(
            parts in proptest::collection::vec(0usize..18, 0..12),
        ) {
            let pieces: [&[u8]; 18] = [
                b"secret", b"SecretName", b"secret_name", b"existingSecret", b"EXISTING_SECRET",
                b" ", b"\t", b"-", b"\"", b"'", b":", b"\n", b"x", b"\r", b"\xc3\x9f", b"2",
                b"{", b",",
            ];
            let mut hay: Vec<u8> = parts.iter().flat_map(|&p| pieces[p].iter().copied()).collect();
            let s = hay.len();
            hay.extend_from_slice(b"gitlab-ldap-bind");
            proptest::prop_assert_eq!(
                key_names_a_secret(&hay, s),
                key_names_a_secret_from_line_start(&hay, s)
            );
        }
    }

    #[test]
    fn a_secret_name_is_read_on_its_own_line_after_a_long_one() {
        // A Secret's name on its own line after 4 MB of one JSON line, and
        // a value at the end of that line (whose key is `b`, no Secret).
        let mut hay = b"[".to_vec();
        while hay.len() < 4 << 20 {
            hay.extend_from_slice(b"{\"a\":\"b\"},");
        }
        hay.extend_from_slice(b"\n  secretName: gitlab-ldap-bind\n");
        let s = hay.len() - b"gitlab-ldap-bind\n".len();
        assert!(key_names_a_secret(&hay, s));
        assert!(!key_names_a_secret(&hay, 4 << 20));
    }

    #[test]
    fn the_host_index_keeps_what_the_entries_keep() {
        let mut a = builtin().clone();
        a.add(&AllowSpec {
            hosts: vec!["*.blob.core.example.net".into(), "one.host.org".into()],
            ..AllowSpec::default()
        })
        .unwrap();
        let mut hosts: Vec<String> = Vec::new();
        for p in &a.hosts {
            let base = match p {
                HostPattern::Exact(h) | HostPattern::Suffix(h) => h.clone(),
                HostPattern::Labels(ls) => ls.join("."),
            };
            let base = base.replace('*', "x");
            for h in [
                base.clone(),
                format!("a.{base}"),
                format!("a.b.{base}"),
                format!("a{base}"),
                base.to_ascii_uppercase(),
                format!("{base}."),
                base.split_once('.')
                    .map_or(base.clone(), |(_, r)| r.to_string()),
            ] {
                hosts.push(h);
            }
        }
        let mut kept = 0;
        for h in &hosts {
            let lower = h.trim_end_matches('.').to_ascii_lowercase();
            let literal = a.hosts.iter().any(|p| p.keeps(&lower));
            assert_eq!(a.keeps_host(h), literal, "{h}");
            kept += literal as usize;
        }
        assert!(
            kept > hosts.len() / 3 && kept < hosts.len(),
            "{kept} of {}",
            hosts.len()
        );
    }

    #[test]
    fn host_patterns_keep_what_they_say_and_no_more() {
        let a = builtin();
        for h in [
            "docs.gitlab.com",
            "gitlab.com",
            "docs.aws.amazon.com",
            "sts.amazonaws.com",
            "s3.us-gov-west-1.amazonaws.com",
            "management.usgovcloudapi.net",
            "api.ddog-gov.com",
            "topology.kubernetes.io",
            "DOCS.GITLAB.COM.",
        ] {
            assert!(a.keeps_host(h), "{h} should be kept");
        }
        for h in [
            "my-bucket.s3.amazonaws.com",
            "db1.abc123.us-gov-west-1.rds.amazonaws.com",
            "acct.blob.core.usgovcloudapi.net",
            "gitlab.acme-corp.com",
            "notgitlab.com",
            "acme.gitlab.io",
        ] {
            assert!(!a.keeps_host(h), "{h} must not be kept");
        }
    }

    #[test]
    fn version_words_need_a_word_boundary() {
        let a = builtin();
        let at = |s: &str| {
            let i = s.find('#').unwrap();
            let hay = s.replace('#', "");
            a.version_before(hay.as_bytes(), i)
        };
        assert!(at("Rails #7.1.5.1"));
        assert!(at("[Version #10.0.20348.2849]"));
        assert!(at("version: \"#1.2.3.4\""));
        assert!(at("amd64~~#6.1.1.0"));
        // User agents: `Chrome/120.0.0.0`, Edge's `Edg/…`.
        assert!(at("(KHTML, like Gecko) Chrome/#120.0.0.0 Safari/537.36"));
        assert!(at("Safari/537.36 Edg/#120.0.0.0"));
        assert!(!at("via proxy/#10.1.2.3"));
        assert!(!at("connect to #10.1.2.3"));
        assert!(!at("myversion #10.1.2.3"));
        assert!(!at("redis #10.1.2.3"));
    }

    #[test]
    fn references_are_not_values() {
        let r = |line: &str, v: &str| {
            let s = line.find(v).unwrap();
            is_reference(line.as_bytes(), s, s + v.len())
        };
        assert!(r("token = \"${RUNNER_TOKEN_3}\"", "${RUNNER_TOKEN_3}"));
        assert!(r("password: $DB_PASSWORD", "$DB_PASSWORD"));
        assert!(r("'password' => ENV['LDAP_PASS']", "ENV["));
        assert!(r("    secret: gitlab-ldap-bind", "gitlab-ldap-bind"));
        assert!(r(
            "  existingSecret: gitlab-postgres-secret",
            "gitlab-postgres-secret"
        ));
        assert!(!r("password: Hunter2-Blue", "Hunter2-Blue"));
        assert!(!r(
            "password: correct-horse-battery",
            "correct-horse-battery"
        ));
        assert!(!r("token = \"${not a var}\"", "${not a var}"));
        assert!(!r("password: $hunter2", "$hunter2"));
        assert!(r(
            "  initialRootPassword: {secret: gitlab-initial-root-password, key: password}",
            "gitlab-initial-root-password"
        ));
        assert!(r("PWD=/builds/acme/payroll", "/builds/acme/payroll"));
        assert!(r(r#"{"pwd":"/var/opt/gitlab"}"#, "/var/opt/gitlab"));
        assert!(!r("DB_PWD=/Xk9-not-a-dir", "/Xk9-not-a-dir"));
        assert!(!r("pwd=S3cret-Pw", "S3cret-Pw"));
        assert!(r(
            "pam_unix(passwd:chauthtok): password changed for jdoe",
            "chauthtok"
        ));
    }

    #[test]
    fn bad_entries_are_errors() {
        let mut a = AllowList::empty();
        let spec = |h: &str| AllowSpec {
            hosts: vec![h.into()],
            ..AllowSpec::default()
        };
        assert!(a.add(&spec("bad host")).is_err());
        assert!(a.add(&spec(".*.x.com")).is_err());
        assert!(a.add(&spec("*.ok.com")).is_ok());
        assert!(a.keeps_host("a.ok.com") && !a.keeps_host("a.b.ok.com"));
    }
}

#[cfg(test)]
mod region_tests {
    use super::is_region;

    #[test]
    fn regions_are_told_from_host_names() {
        for r in [
            "us-east-1",
            "us-gov-west-1",
            "eu-west-2",
            "ap-southeast-2",
            "us-central1",
            "europe-west4",
        ] {
            assert!(is_region(r), "{r}");
        }
        for h in [
            "db-prod1",
            "gitaly01",
            "us-east",
            "eu",
            "acme-west-2",
            "us-east-123",
        ] {
            assert!(!is_region(h), "{h}");
        }
    }
}
