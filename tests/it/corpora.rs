//! Recall and false positives of the built-in packs on real material nobody
//! on the project wrote: `../shared/corpora` (Nosey Parker and detect-secrets
//! rule tests, gitleaks rule samples, loghub system logs).
//!
//! The corpora are not part of the repository. When `../shared/corpora` is
//! missing (relative to the crate root) every test here prints that it was
//! skipped and passes; the product's own tests never depend on it.
//!
//! Run the full per-type table, with every miss and every flagged negative:
//!
//! ```sh
//! cargo test --test main corpora::report -- --ignored --nocapture
//! ```
//!
//! # What is scored, and how
//!
//! Only the token types the built-in packs claim to cover are scored; each
//! corpus rule (Nosey Parker rule id, detect-secrets plugin, gitleaks rule id)
//! is mapped to one airlock type in [`NP_MAP`], [`DS_MAP`] and [`GL_MAP`], and
//! everything else is listed with its reason in [`EXCLUDED`] (vendor tokens the
//! packs do not claim, public identifiers, entropy heuristics). The mapping is
//! by corpus rule, never by example: no example of a mapped rule is dropped.
//!
//! * **Found** (positives): every expected secret is covered by findings,
//!   byte for byte, at one of its occurrences in the text (the same string
//!   may also be a user name there: `User ID=x;Password=x`). The expected secret is the
//!   corpus's own capture where it has one; where a capture holds more than
//!   the secret (a user name and a password, an account name and a key) only
//!   the secret captures are scored ([`Take`]); where the corpus gives none,
//!   the secret is derived from the text by a small pattern written here (the
//!   quoted value, the URL password, the token itself). Quotes, backslashes
//!   and blanks at the edges of a capture are not part of the secret.
//!   Two deliberate exceptions to byte-for-byte: the public prefix of a token
//!   family that a rule keeps readable on purpose (`glpat-`, `GR1348941`,
//!   `GOCSPX-`, `https://hooks.slack.com/services/`) may stay uncovered, and
//!   for PEM keys every base64 run of the key body must be covered (armor lines
//!   and the quotes or `+` of a string literal split across lines are framing).
//! * **Flagged** (negatives): the text has at least one finding of the type's
//!   category (credential types: any credential rule; IPv4: a network rule;
//!   email: an identity rule). A negative whose exact text is a positive of
//!   another rule of the same corpus is not a negative (Nosey Parker lists a
//!   Slack bot token as a negative of its Slack *user* token rule) and is not
//!   scored.
//! * **IPv4 policy**: airlock replaces every IPv4 address except loopback,
//!   unspecified and a few well-known constants, so detect-secrets' *public*
//!   IP plugin's negatives that are private addresses (`10.0.0.1`) are
//!   positives here.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use airlock::detect::{Engine, Finding};
use airlock::rules::{Category, RuleSet};
use regex_automata::meta::Regex;
use serde_json::Value;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(&RuleSet::builtin().unwrap()).unwrap())
}

/// `../shared/corpora` next to the crate, or `None` (and a note on stderr).
fn corpora(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.is_dir() {
        Some(dir)
    } else {
        // Straight to the stderr handle (see `util::skip`): the test
        // harness captures the macros' output of passing tests, and a skip
        // must be seen.
        super::util::skip(
            test,
            &format!(
                "{} not found (the corpora are not part of the repository)",
                dir.display()
            ),
        );
        None
    }
}

/// The token types scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ty {
    GitLab,
    GitHub,
    Slack,
    Aws,
    Gcp,
    Azure,
    Jwt,
    Pem,
    UrlPassword,
    HttpAuth,
    Generic,
    Ipv4,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::GitLab => "GitLab tokens",
            Ty::GitHub => "GitHub tokens",
            Ty::Slack => "Slack tokens/webhooks",
            Ty::Aws => "AWS keys",
            Ty::Gcp => "GCP keys/secrets",
            Ty::Azure => "Azure keys/secrets",
            Ty::Jwt => "JWT",
            Ty::Pem => "PEM private keys",
            Ty::UrlPassword => "URL/connection-string passwords",
            Ty::HttpAuth => "HTTP auth (headers, curl -u)",
            Ty::Generic => "generic passwords/secrets",
            Ty::Ipv4 => "IPv4",
        }
    }

    /// Findings of which category count on a negative.
    fn category(self) -> Category {
        match self {
            Ty::Ipv4 => Category::Network,
            _ => Category::Credential,
        }
    }
}

/// Which captures of a Nosey Parker example are the secret.
#[derive(Clone, Copy)]
enum Take {
    /// Every capture.
    All,
    /// Only this capture (the others are user names, hosts, account names).
    Index(usize),
    /// Group 1 of every match of this pattern in the text (for examples
    /// without captures, or whose capture is a whole connection string).
    Derive(&'static str),
}

use Take::{All, Derive, Index};

/// Nosey Parker rule → airlock type.
const NP_MAP: &[(&str, Ty, Take)] = &[
    ("np.gitlab.1", Ty::GitLab, All),
    ("np.gitlab.2", Ty::GitLab, All),
    ("np.gitlab.3", Ty::GitLab, All),
    ("np.github.1", Ty::GitHub, All),
    ("np.github.2", Ty::GitHub, All),
    ("np.github.3", Ty::GitHub, All),
    ("np.github.4", Ty::GitHub, All),
    ("np.github.6", Ty::GitHub, All),
    ("np.github.7", Ty::GitHub, All),
    ("np.slack.2", Ty::Slack, All),
    ("np.slack.3", Ty::Slack, All),
    ("np.slack.4", Ty::Slack, All),
    ("np.slack.5", Ty::Slack, All),
    ("np.slack.6", Ty::Slack, All),
    ("np.aws.1", Ty::Aws, All),
    ("np.aws.2", Ty::Aws, All),
    ("np.aws.4", Ty::Aws, All),
    ("np.aws.6", Ty::Aws, Derive(r"'([^'\n]+)'")),
    ("np.google.2", Ty::Gcp, All),
    ("np.google.3", Ty::Gcp, All),
    ("np.google.4", Ty::Gcp, All),
    ("np.google.5", Ty::Gcp, All),
    (
        "np.google.6",
        Ty::Gcp,
        Derive(r#"(?i)client_secret\W*['"]([^'"]+)['"]"#),
    ),
    ("np.azure.1", Ty::Azure, Index(1)),
    ("np.azure.2", Ty::Azure, Index(2)),
    ("np.azure.3", Ty::Azure, All),
    ("np.azure.4", Ty::Azure, All),
    ("np.jwt.1", Ty::Jwt, All),
    ("np.pem.1", Ty::Pem, All),
    ("np.pem.2", Ty::Pem, All),
    ("np.postgres.1", Ty::UrlPassword, Index(1)),
    ("np.mongodb.1", Ty::UrlPassword, Index(1)),
    ("np.odbc.1", Ty::UrlPassword, Index(1)),
    (
        "np.generic.10",
        Ty::UrlPassword,
        Derive(r#"(?i)password=([^;"]+)"#),
    ),
    ("np.http.1", Ty::HttpAuth, All),
    ("np.http.2", Ty::HttpAuth, All),
    ("np.generic.1", Ty::Generic, All),
    ("np.generic.2", Ty::Generic, All),
    ("np.generic.3", Ty::Generic, Index(1)),
    ("np.generic.4", Ty::Generic, Index(1)),
    ("np.generic.5", Ty::Generic, All),
    ("np.generic.6", Ty::Generic, All),
    ("np.generic.7", Ty::Generic, Index(1)),
    ("np.generic.8", Ty::Generic, Index(2)),
    ("np.generic.9", Ty::Generic, Index(1)),
    ("np.generic.11", Ty::Generic, All),
    ("np.generic.12", Ty::Generic, All),
    ("np.generic.13", Ty::Generic, Index(1)),
    ("np.generic.14", Ty::Generic, Index(1)),
    ("np.generic.15", Ty::Generic, All),
    ("np.generic.16", Ty::Generic, All),
    ("np.jwt.2", Ty::Generic, All),
    ("np.jwt.3", Ty::Generic, All),
    ("np.netrc.1", Ty::Generic, Index(2)),
    ("np.gradle.1", Ty::Generic, Index(1)),
    ("np.phpmailer.1", Ty::Generic, Index(2)),
    ("np.reactapp.2", Ty::Generic, All),
    ("np.psexec.1", Ty::Generic, Index(1)),
    ("np.vmware.1", Ty::Generic, Index(1)),
];

/// How the secret of a detect-secrets or gitleaks example (which carry no
/// capture) is found in its text.
#[derive(Clone, Copy)]
enum Truth {
    /// The whole text, trimmed.
    Whole,
    /// Group 1 of every match.
    Pattern(&'static str),
    /// detect-secrets' keyword plugin: the `context` field holds the value.
    Context,
}

const IPV4: &str = r"(?:^|[^0-9.])((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?:[^0-9.]|\.[^0-9]|\.?$)";

/// detect-secrets plugin test → airlock type.
const DS_MAP: &[(&str, Ty, Truth)] = &[
    ("gitlab_token_test.py", Ty::GitLab, Truth::Whole),
    ("github_token_test.py", Ty::GitHub, Truth::Whole),
    (
        "aws_key_test.py",
        Ty::Aws,
        Truth::Pattern(r#"^(?:[^"]*"([^"]+)"|\s*(\S+)\s*)$"#),
    ),
    (
        "azure_storage_key_test.py",
        Ty::Azure,
        Truth::Pattern(r"AccountKey=(\S+)"),
    ),
    (
        "basic_auth_test.py",
        Ty::UrlPassword,
        Truth::Pattern(r"://[^:/@\s]*:([^@\s]+)@"),
    ),
    ("jwt_test.py", Ty::Jwt, Truth::Whole),
    ("ip_public_test.py", Ty::Ipv4, Truth::Pattern(IPV4)),
    ("keyword_test.py", Ty::Generic, Truth::Context),
];

/// gitleaks rule → airlock type (matched by prefix of the rule id).
const GL_MAP: &[(&str, Ty, Truth)] = &[
    ("gitlab-", Ty::GitLab, Truth::Whole),
    ("github-", Ty::GitHub, Truth::Whole),
    (
        "slack-webhook-url",
        Ty::Slack,
        Truth::Pattern(r"(https?://hooks\.slack\.com/\S+)"),
    ),
    ("slack-", Ty::Slack, Truth::Whole),
    ("aws-access-token", Ty::Aws, Truth::Whole),
    ("aws-amazon-bedrock-", Ty::Aws, Truth::Whole),
    ("gcp-api-key", Ty::Gcp, Truth::Whole),
    (
        "azure-ad-client-secret",
        Ty::Azure,
        Truth::Pattern(r"=(\S+)"),
    ),
    ("private-key", Ty::Pem, Truth::Whole),
    ("jwt-base64", Ty::Jwt, Truth::Whole),
    (
        "curl-auth-header",
        Ty::HttpAuth,
        Truth::Pattern(
            r#"(?i)authorization:\s*(?:(?:basic|bearer|token|api-token)\s+)?([^'"\s]+)"#,
        ),
    ),
    (
        "curl-auth-user",
        Ty::HttpAuth,
        Truth::Pattern(r#"(?:-u|--user)\s+['"]?[^:\s'"]*:['"]?([^\s'"]+)"#),
    ),
    (
        "sidekiq-sensitive-url",
        Ty::UrlPassword,
        Truth::Pattern(r"://[^:/@\s]*:([^@\s]+)@"),
    ),
    ("generic-api-key", Ty::Generic, Truth::Whole),
];

/// Corpus rules not scored, and why.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "np.github.5, np.google.1, np.aws.3",
        "OAuth client ids and AWS account ids are public identifiers, not credentials",
    ),
    (
        "np.s3.*, np.gcs.*, np.shopify.1",
        "bucket and shop names are host names (the fqdn rule's business), not credentials",
    ),
    (
        "np.reactapp.1, user-name captures of pair rules",
        "user names are identity data; airlock finds them in log structures (JSON fields, sshd, nginx), not in env files",
    ),
    (
        "np.aws.5",
        "Amazon MWS (marketplace) tokens are not AWS cloud credentials and not in the packs",
    ),
    (
        "other np.* (≈140 vendor rules), detect-secrets vendor plugins, other gitleaks rules",
        "vendor tokens the packs do not claim (Adafruit, Stripe, Twilio, Vault, npm, PyPI, …)",
    ),
    (
        "detect-secrets high_entropy_strings_test.py",
        "entropy heuristics; airlock has no entropy rule, and the texts are `{secret}` placeholders",
    ),
    (
        "gitleaks gcp-service-account",
        "its positive is the marker `\"type\": \"service_account\"`, not a secret (the key inside is a PEM key)",
    ),
];

/// Token prefixes that rules keep readable on purpose (they say what the
/// token was, and are public). They may stay uncovered at the start of a
/// capture, right before a finding.
const KEPT_PREFIXES: &[&str] = &[
    "glpat-",
    "gloas-",
    "gldt-",
    "glrtr-",
    "glrt-",
    "GR1348941",
    "glcbt-",
    "glptt-",
    "glft-",
    "glimt-",
    "glagent-",
    "glwt-",
    "glsoat-",
    "glffct-",
    "GOCSPX-",
    "ya29.",
    "https://hooks.slack.com/services/",
    "http://hooks.slack.com/services/",
    "https://hooks.slack.com/workflows/",
    "http://hooks.slack.com/workflows/",
];

struct Case {
    corpus: &'static str,
    rule: String,
    ty: Ty,
    positive: bool,
    text: String,
    /// Secrets that must be covered (positives only).
    truth: Vec<String>,
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// Group 1 (or the first group that took part) of every match of `pat`.
fn derive(pat: &str, text: &str) -> Vec<String> {
    let re = Regex::new(pat).unwrap_or_else(|e| panic!("{pat}: {e}"));
    let mut out = Vec::new();
    let mut caps = re.create_captures();
    let mut at = 0;
    while at <= text.len() {
        re.search_captures(&regex_automata::Input::new(text).range(at..), &mut caps);
        let Some(m) = caps.get_match() else { break };
        if let Some(g) = (1..caps.group_len()).find_map(|i| caps.get_group(i)) {
            out.push(text[g.range()].to_string());
            // Resume after the group: a one-byte boundary after it may be
            // the next match's boundary before.
            at = g.end.max(m.start() + 1);
        } else {
            at = m.end().max(m.start() + 1);
        }
    }
    out
}

/// Quotes, backslashes and blanks at the edges of a capture are framing.
fn trim_framing(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '\\'))
}

fn np_cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for v in read_jsonl(&dir.join("noseyparker/np_examples.jsonl")) {
        let rule = s(&v, "rule_id");
        let Some((_, ty, take)) = NP_MAP.iter().find(|(id, _, _)| *id == rule) else {
            continue;
        };
        let text = s(&v, "text").to_string();
        let positive = s(&v, "label") == "positive";
        let mut truth = Vec::new();
        if positive {
            let groups: Vec<Vec<String>> = v["expected_captures_py_re"]
                .as_array()
                .map(|ms| {
                    ms.iter()
                        .map(|m| {
                            m.as_array()
                                .unwrap()
                                .iter()
                                .map(|c| c.as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            match take {
                All => truth.extend(groups.into_iter().flatten()),
                Index(i) => truth.extend(groups.into_iter().filter_map(|g| g.get(*i).cloned())),
                Derive(pat) => truth.extend(derive(pat, &text)),
            }
        }
        out.push(Case {
            corpus: "noseyparker",
            rule: rule.to_string(),
            ty: *ty,
            positive,
            text,
            truth,
        });
    }
    out
}

/// detect-secrets' public-IP negatives that are private addresses are
/// positives under airlock's policy (every address but a few constants).
fn airlock_wants_ip(ip: &str) -> bool {
    !matches!(ip, "127.0.0.1" | "0.0.0.0" | "169.254.169.254")
}

fn truth_of(truth: Truth, v: &Value, text: &str) -> Vec<String> {
    match truth {
        Truth::Whole => vec![text.to_string()],
        Truth::Pattern(p) => derive(p, text),
        Truth::Context => vec![s(v, "context").to_string()],
    }
}

fn ds_cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for v in read_jsonl(&dir.join("detect-secrets/detect_secrets_plugin_test_cases.jsonl")) {
        let plugin = s(&v, "plugin_test");
        let Some((_, ty, truth)) = DS_MAP.iter().find(|(p, _, _)| *p == plugin) else {
            continue;
        };
        let text = s(&v, "text").to_string();
        let mut positive = s(&v, "label") == "positive";
        let mut secrets = Vec::new();
        if *ty == Ty::Ipv4 {
            let ips = derive(IPV4, &text);
            positive = ips.iter().any(|ip| airlock_wants_ip(ip));
            if positive {
                secrets = ips;
            }
        } else if positive {
            secrets = match v["expected_secret"].as_str() {
                Some(x) => vec![x.to_string()],
                None => truth_of(*truth, &v, &text),
            };
        }
        out.push(Case {
            corpus: "detect-secrets",
            rule: plugin.to_string(),
            ty: *ty,
            positive,
            text,
            truth: secrets,
        });
    }
    out
}

fn gl_cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for v in read_jsonl(&dir.join("gitleaks/gitleaks_rule_literal_examples.jsonl")) {
        let rule = s(&v, "rule_id");
        let Some((_, ty, truth)) = GL_MAP.iter().find(|(p, _, _)| rule.starts_with(p)) else {
            continue;
        };
        let text = s(&v, "text").to_string();
        let positive = s(&v, "label") == "positive";
        let secrets = if positive {
            truth_of(*truth, &v, &text)
        } else {
            Vec::new()
        };
        out.push(Case {
            corpus: "gitleaks",
            rule: rule.to_string(),
            ty: *ty,
            positive,
            text,
            truth: secrets,
        });
    }
    out
}

/// Is every byte of `text[start..end]` inside a finding?
fn covered(fs: &[Finding], start: usize, end: usize) -> bool {
    (start..end).all(|i| fs.iter().any(|f| f.start <= i && i < f.end))
}

/// The base64 runs of a PEM capture (armor lines, blanks, quotes, `\n`
/// escapes and a lone `+` of string concatenation are framing).
fn pem_runs(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"-----") {
            // Skip an armor line: up to the closing dashes.
            let rest = &s[i + 5..];
            i += 5 + rest.find("-----").map_or(rest.len(), |j| j + 5);
            continue;
        }
        if b[i] == b'\\' && matches!(b.get(i + 1), Some(b'n' | b'r' | b't')) {
            i += 2;
            continue;
        }
        let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=');
        if is_b64(b[i]) {
            let start = i;
            while i < b.len() && is_b64(b[i]) {
                i += 1;
            }
            if &s[start..i] != "+" {
                runs.push((start, i));
            }
            continue;
        }
        i += 1;
    }
    runs
}

/// Why a positive was missed, or `None` when every secret is covered.
fn miss(case: &Case, fs: &[Finding]) -> Option<String> {
    if case.truth.is_empty() {
        return Some("no expected secret could be derived (harness bug)".into());
    }
    for raw in &case.truth {
        // PEM captures keep their escapes (`\\r\\n`), which `pem_runs` skips.
        let secret = if case.ty == Ty::Pem {
            raw.as_str()
        } else {
            trim_framing(raw)
        };
        if secret.is_empty() {
            continue;
        }
        let places: Vec<usize> = case.text.match_indices(secret).map(|(i, _)| i).collect();
        if places.is_empty() {
            return Some(format!(
                "expected secret {secret:?} is not in the text (corpus quirk)"
            ));
        }
        // One covered occurrence is enough: the same string may also be a
        // user name in the text (`User ID=x;Password=x`).
        let ok = places.iter().any(|&at| {
            if case.ty == Ty::Pem {
                pem_runs(secret)
                    .iter()
                    .all(|&(s, e)| covered(fs, at + s, at + e))
            } else {
                covered(fs, at, at + secret.len())
                    || KEPT_PREFIXES.iter().any(|p| {
                        secret.starts_with(p)
                            && fs.iter().any(|f| f.start == at + p.len())
                            && covered(fs, at + p.len(), at + secret.len())
                    })
            }
        });
        if !ok {
            return Some(format!("{} not covered", clip(secret, 70)));
        }
    }
    None
}

fn clip(s: &str, n: usize) -> String {
    let one_line: String = s.escape_debug().collect();
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    pos: usize,
    found: usize,
    neg: usize,
    flagged: usize,
}

struct Evaluation {
    /// (corpus, type) → tally.
    tallies: BTreeMap<(&'static str, Ty), Tally>,
    misses: Vec<String>,
    flags: Vec<String>,
    /// Negatives skipped because the same text is a positive elsewhere.
    dropped_negatives: usize,
}

fn evaluate(dir: &Path) -> Evaluation {
    let e = engine();
    let mut ev = Evaluation {
        tallies: BTreeMap::new(),
        misses: Vec::new(),
        flags: Vec::new(),
        dropped_negatives: 0,
    };
    for cases in [np_cases(dir), ds_cases(dir), gl_cases(dir)] {
        let positives: HashSet<&str> = cases
            .iter()
            .filter(|c| c.positive)
            .map(|c| c.text.as_str())
            .collect();
        for case in &cases {
            let fs = e.find_all(None, case.text.as_bytes());
            let t = ev.tallies.entry((case.corpus, case.ty)).or_default();
            if case.positive {
                t.pos += 1;
                match miss(case, &fs) {
                    None => t.found += 1,
                    Some(why) => ev.misses.push(format!(
                        "MISS {} {} [{}]: {} | text: {}",
                        case.corpus,
                        case.rule,
                        case.ty.name(),
                        why,
                        clip(&case.text, 110)
                    )),
                }
            } else if positives.contains(case.text.as_str()) {
                ev.dropped_negatives += 1;
            } else {
                t.neg += 1;
                let hits: Vec<String> = fs
                    .iter()
                    .filter(|f| e.rule(f.rule).category == case.ty.category())
                    .map(|f| {
                        format!(
                            "{}={}",
                            e.rule(f.rule).id,
                            clip(&case.text[f.start..f.end], 50)
                        )
                    })
                    .collect();
                if !hits.is_empty() {
                    t.flagged += 1;
                    ev.flags.push(format!(
                        "FLAG {} {} [{}]: {} | text: {}",
                        case.corpus,
                        case.rule,
                        case.ty.name(),
                        hits.join(", "),
                        clip(&case.text, 110)
                    ));
                }
            }
        }
    }
    ev
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

fn table(ev: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<15} {:<34} {:>14} {:>8} {:>14}",
        "corpus", "type", "found/pos", "recall", "flagged/neg"
    );
    let mut by_ty: BTreeMap<Ty, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for ((corpus, ty), t) in &ev.tallies {
        let _ = writeln!(
            out,
            "{:<15} {:<34} {:>14} {:>8} {:>14}",
            corpus,
            ty.name(),
            format!("{}/{}", t.found, t.pos),
            pct(t.found, t.pos),
            format!("{}/{}", t.flagged, t.neg)
        );
        let a = by_ty.entry(*ty).or_default();
        for (x, y) in [
            (&mut a.pos, t.pos),
            (&mut a.found, t.found),
            (&mut a.neg, t.neg),
            (&mut a.flagged, t.flagged),
        ] {
            *x += y;
        }
        total.pos += t.pos;
        total.found += t.found;
        total.neg += t.neg;
        total.flagged += t.flagged;
    }
    let _ = writeln!(out, "\nall corpora, by type:");
    for (ty, t) in &by_ty {
        let _ = writeln!(
            out,
            "{:<15} {:<34} {:>14} {:>8} {:>14}",
            "",
            ty.name(),
            format!("{}/{}", t.found, t.pos),
            pct(t.found, t.pos),
            format!("{}/{}", t.flagged, t.neg)
        );
    }
    let _ = writeln!(
        out,
        "{:<15} {:<34} {:>14} {:>8} {:>14}",
        "",
        "TOTAL",
        format!("{}/{}", total.found, total.pos),
        pct(total.found, total.pos),
        format!("{}/{}", total.flagged, total.neg)
    );
    let _ = writeln!(
        out,
        "({} negatives not scored: their exact text is a positive of another rule)",
        ev.dropped_negatives
    );
    out
}

/// Floors for recall and ceilings for flagged negatives, per type over all
/// three corpora: what the packs achieve today. A rule change that loses
/// recall or flags more negatives fails here; one that improves either
/// should raise the bar in the same commit.
const FLOORS: &[(Ty, usize, usize)] = &[
    // (type, at least found, at most flagged)
    (Ty::GitLab, 14, 15),
    (Ty::GitHub, 11, 6),
    (Ty::Slack, 14, 9),
    (Ty::Aws, 14, 5),
    (Ty::Gcp, 10, 15),
    (Ty::Azure, 13, 7),
    (Ty::Jwt, 8, 2),
    (Ty::Pem, 7, 1),
    (Ty::UrlPassword, 46, 7),
    (Ty::HttpAuth, 8, 3),
    (Ty::Generic, 67, 45),
    (Ty::Ipv4, 8, 0),
];

#[test]
fn recall_and_false_positives_hold_on_public_corpora() {
    let Some(dir) = corpora("recall_and_false_positives_hold_on_public_corpora") else {
        return;
    };
    let ev = evaluate(&dir);
    let report = table(&ev);
    println!("{report}");
    let mut by_ty: BTreeMap<Ty, Tally> = BTreeMap::new();
    for ((_, ty), t) in &ev.tallies {
        let a = by_ty.entry(*ty).or_default();
        a.pos += t.pos;
        a.found += t.found;
        a.neg += t.neg;
        a.flagged += t.flagged;
    }
    let mut problems = Vec::new();
    for (ty, min_found, max_flagged) in FLOORS {
        let t = by_ty.get(ty).copied().unwrap_or_default();
        if t.found < *min_found {
            problems.push(format!(
                "{}: found {} < floor {min_found}",
                ty.name(),
                t.found
            ));
        }
        if t.flagged > *max_flagged {
            problems.push(format!(
                "{}: flagged {} negatives > ceiling {max_flagged}",
                ty.name(),
                t.flagged
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n{report}\n{}\n{}",
        problems.join("\n"),
        ev.misses.join("\n"),
        ev.flags.join("\n")
    );
}

#[test]
#[ignore = "prints the per-type table and every miss and flag; run with --nocapture"]
fn report() {
    let Some(dir) = corpora("report") else {
        return;
    };
    let ev = evaluate(&dir);
    println!("{}", table(&ev));
    println!("excluded corpus rules:");
    for (what, why) in EXCLUDED {
        println!("  {what}: {why}");
    }
    println!("\nmisses ({}):", ev.misses.len());
    for m in &ev.misses {
        println!("  {m}");
    }
    println!("\nflagged negatives ({}):", ev.flags.len());
    for f in &ev.flags {
        println!("  {f}");
    }
    println!("\nloghub IPv4 (every address but loopback/unspecified must be found):");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("loghub"))
        .unwrap()
        .filter_map(|d| d.ok())
        .filter(|d| d.path().is_dir())
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let (total, found, missed) = loghub_ipv4(&dir, &name);
        if total > 0 {
            println!("  {name:<12} {found}/{total}");
            for m in missed {
                println!("      missed {m}");
            }
        }
    }
}

/// The loghub logs whose every IPv4 address must be found.
const LOGHUB_IP_LOGS: &[&str] = &["OpenSSH", "Linux", "HDFS"];

/// (addresses, found, first few misses) for one loghub log.
fn loghub_ipv4(dir: &Path, name: &str) -> (usize, usize, Vec<String>) {
    let path = dir.join(format!("loghub/{name}/{name}_2k.log"));
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let e = engine();
    let fs = e.find_all(Some(&path), &data);
    let text = String::from_utf8_lossy(&data);
    let re = Regex::new(IPV4).unwrap();
    let (mut total, mut found, mut missed) = (0, 0, Vec::new());
    let mut caps = re.create_captures();
    let mut at = 0;
    // The lossy conversion keeps byte offsets only for valid UTF-8, which
    // these logs are; check rather than assume.
    assert_eq!(text.len(), data.len(), "{name}: not UTF-8");
    while at < text.len() {
        re.search_captures(&regex_automata::Input::new(&*text).range(at..), &mut caps);
        let Some(m) = caps.get_match() else { break };
        let g = caps.get_group(1).unwrap();
        at = g.end.max(m.start() + 1);
        let ip = &text[g.range()];
        if !airlock_wants_ip(ip) {
            continue;
        }
        total += 1;
        if covered(&fs, g.start, g.end) {
            found += 1;
        } else if missed.len() < 10 {
            let line_start = text[..g.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[g.end..].find('\n').map_or(text.len(), |i| g.end + i);
            missed.push(format!(
                "{ip} in: {}",
                clip(&text[line_start..line_end], 140)
            ));
        }
    }
    (total, found, missed)
}

#[test]
fn every_ipv4_in_loghub_openssh_linux_hdfs_is_found() {
    let Some(dir) = corpora("every_ipv4_in_loghub_openssh_linux_hdfs_is_found") else {
        return;
    };
    for name in LOGHUB_IP_LOGS {
        let (total, found, missed) = loghub_ipv4(&dir, name);
        println!("loghub {name}: {found}/{total} IPv4 addresses found");
        assert!(total > 0, "{name}: no IPv4 address in the log; wrong file?");
        assert_eq!(
            found,
            total,
            "{name}: IPv4 addresses missed:\n{}",
            missed.join("\n")
        );
    }
}
