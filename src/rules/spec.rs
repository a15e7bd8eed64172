//! Rules as written: the serde shape of a rules file.
//!
//! Every field that can be wrong carries its span, so that an error can name
//! `file:line:col` and the rule id. Unknown keys are errors
//! (`deny_unknown_fields`): a misspelled `keyword =` must not silently turn a
//! gated rule into an ungated one, or an `alow =` into no allow list at all.

use serde::Deserialize;
use toml::Spanned;

/// One rules file (a "pack").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// Name, version and description of the pack; shown by `rules list` and
    /// recorded (with a hash of the file) in redaction reports.
    pub pack: Option<Spanned<PackMeta>>,
    /// Ids of rules from earlier packs (built-in ones, usually) to switch off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleSpec>>,
    /// Names never rewritten although a rule's shape fits them (see
    /// [`super::allow`]).
    #[serde(default)]
    pub allow: Option<Spanned<super::allow::AllowSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// One rule as written in TOML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Spanned<String>,
    pub description: String,
    pub category: Spanned<String>,
    /// What the sensitive value is (`ipv4`, `email`, `hostname`, `username`,
    /// `token`, …). Redaction picks its replacement by kind; defaults to the
    /// category for custom rules, `secret` for credentials.
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    /// Literals of which at least one must occur (ASCII case-insensitively)
    /// inside every match of `pattern`. They feed the prefilter.
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    /// JSON field names whose whole string value is the sensitive thing.
    #[serde(default)]
    pub json_keys: Vec<Spanned<String>>,
    /// Globs (gitignore-style, matched against the path or member name) that
    /// limit the files this rule applies to. Empty means every file.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Values never to touch (compared ASCII case-insensitively with the
    /// secret span).
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub examples: Vec<Spanned<ExampleSpec>>,
    #[serde(default)]
    pub negative_examples: Vec<Spanned<String>>,
    /// Higher wins when two rules match at the same place. Defaults by
    /// category: credential 300, identity 200, network 100, others 150.
    #[serde(default)]
    pub priority: Option<i32>,
    /// The pattern may match across lines (PEM blocks). Single-line rules are
    /// compiled so that they cannot match a line feed at all.
    #[serde(default)]
    pub multiline: bool,
    /// What the secret must look like to count: `random` (a random-looking
    /// token, see [`crate::detect::shape`]) or `base64` (encoded text).
    /// Default: anything the pattern matches.
    #[serde(default)]
    pub shape: Option<Spanned<String>>,
    /// Case-insensitive substrings of the pattern's `key` group that make a
    /// match no finding (`CI_COMMIT_SHA=…` for a rule about random values
    /// under any name). Needs a `(?P<key>…)` group.
    #[serde(default)]
    pub ignore_keys: Vec<Spanned<String>>,
    /// The secret is encoded, and redaction works on what it encodes:
    /// `base64` (decoded text redacted with every rule and encoded again),
    /// `basic-auth` (base64 of `user:password`).
    #[serde(default)]
    pub decode: Option<Spanned<String>>,
    /// Replace an earlier rule (a built-in one) with the same id. Without it a
    /// repeated id is an error.
    #[serde(default, rename = "override")]
    pub override_: bool,
}

/// An example is either plain text that must produce a finding of the rule,
/// or a table naming the exact secret the finding must cover.
#[derive(Debug, Deserialize, Clone)]
#[serde(
    untagged,
    expecting = "an example: a string, or a table of `text` and `secret` and no other key"
)]
pub enum ExampleSpec {
    Text(String),
    WithSecret(SecretExample),
}

/// `{ text = "…", secret = "…" }`. Nothing else: an example cannot choose
/// the file it stands in (`path = …` was accepted and did nothing, so a
/// path-limited rule's author believed the example was checked there).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SecretExample {
    pub text: String,
    pub secret: String,
}

impl ExampleSpec {
    pub fn text(&self) -> &str {
        match self {
            ExampleSpec::Text(t) => t,
            ExampleSpec::WithSecret(e) => &e.text,
        }
    }

    pub fn secret(&self) -> Option<&str> {
        match self {
            ExampleSpec::Text(_) => None,
            ExampleSpec::WithSecret(e) => Some(&e.secret),
        }
    }
}
