//! Rules: TOML packs as written → checked [`Rule`]s in a [`RuleSet`].
//!
//! A rule set is built from the built-in packs (embedded in the binary, so an
//! air-gapped host needs nothing but the executable) followed by the user's
//! packs in the order given. Later packs may `disable` earlier rules by id or
//! replace them with `override = true`; a repeated id without `override` is an
//! error, because silently shadowing a built-in credential rule is exactly the
//! kind of mistake that leaks a token.
//!
//! This module only checks what can be checked without compiling patterns
//! (ids, categories, globs, field combinations). Compiling and running the
//! examples is [`crate::detect`]'s job, see [`check`].

pub mod allow;
pub mod builtin;
pub mod check;
mod spec;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use toml::Spanned;

pub use spec::{ExampleSpec, SecretExample};
use spec::{PackFile, RuleSpec};

/// A place in a rules file, printed as `file:line:col`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl Location {
    /// Line and column (both 1-based, column in characters) of byte `offset`
    /// in `text`.
    /// (For many offsets in one text, build a [`LineIndex`] once.)
    pub fn at(file: &str, text: &str, offset: usize) -> Location {
        LineIndex::new(text).location(file, offset)
    }
}

/// Where the lines of a text start: [`Location`]s of many offsets in one
/// rules file without counting its lines again for each (a pack of a few
/// hundred rules asks for thousands).
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// Line and column (both 1-based, column in characters) of byte
    /// `offset`.
    pub fn location(&self, file: &str, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        // The last line that starts at or before `offset`.
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let col = self.text[line_start..offset].chars().count() + 1;
        Location {
            file: file.to_string(),
            line,
            col,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// An error in a rules file. Always names where, and the rule when there is one.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}: cannot read rules: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{at}: {}{msg}", rule_prefix(.rule))]
    Invalid {
        at: Location,
        rule: Option<String>,
        msg: String,
    },
}

fn rule_prefix(rule: &Option<String>) -> String {
    match rule {
        Some(id) => format!("rule {id}: "),
        None => String::new(),
    }
}

impl RuleError {
    pub fn invalid(at: Location, rule: Option<&str>, msg: impl Into<String>) -> RuleError {
        RuleError::Invalid {
            at,
            rule: rule.map(str::to_string),
            msg: msg.into(),
        }
    }
}

/// What a rule protects. The three built-in categories decide the default
/// replacement in redaction (mask for credentials, pseudonyms for the rest);
/// users may name their own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Credential,
    Network,
    Identity,
    Custom(String),
}

impl Category {
    fn parse(s: &str) -> Option<Category> {
        let valid = !s.is_empty()
            && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        match s {
            "credential" => Some(Category::Credential),
            "network" => Some(Category::Network),
            "identity" => Some(Category::Identity),
            _ if valid => Some(Category::Custom(s.to_string())),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Category::Credential => "credential",
            Category::Network => "network",
            Category::Identity => "identity",
            Category::Custom(s) => s,
        }
    }

    /// Default priority: when two rules match at the same place, a credential
    /// beats an identifier, and an identifier (an email) beats a bare network
    /// name (its domain).
    pub fn default_priority(&self) -> i32 {
        match self {
            Category::Credential => 300,
            Category::Identity => 200,
            Category::Custom(_) => 150,
            Category::Network => 100,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rules pack as loaded: where it came from and a hash of its bytes, so a
/// report can say exactly which rules ran.
#[derive(Clone, Debug)]
pub struct PackInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    /// `builtin:gitlab.toml` for embedded packs, the path otherwise.
    pub source: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// What a rule's secret must look like to count (see
/// [`crate::detect::shape`] for the tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// Anything the pattern matches.
    #[default]
    Any,
    /// A random-looking token: long, mixed, high in entropy; not a path,
    /// URL, version, number, hash, UUID, reference or placeholder.
    Random,
    /// Base64 of text or of key material (not a word that happens to use
    /// the base64 alphabet).
    Base64,
}

impl Shape {
    fn parse(s: &str) -> Option<Shape> {
        match s {
            "any" => Some(Shape::Any),
            "random" => Some(Shape::Random),
            "base64" => Some(Shape::Base64),
            _ => None,
        }
    }
}

/// How a rule's secret is encoded, so that redaction can work on what it
/// encodes instead of masking it whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    /// Base64 (standard or URL-safe, padded or not, possibly
    /// percent-encoded) of text: the text is redacted with every rule and
    /// encoded again the same way.
    Base64,
    /// Base64 of `user:password` (HTTP Basic, Docker `auth`): the user gets
    /// its pseudonym, the password a mask.
    BasicAuth,
}

impl Decode {
    fn parse(s: &str) -> Option<Decode> {
        match s {
            "base64" => Some(Decode::Base64),
            "basic-auth" => Some(Decode::BasicAuth),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decode::Base64 => "base64",
            Decode::BasicAuth => "basic-auth",
        }
    }
}

/// An example of a rule, with where it was written.
#[derive(Clone, Debug)]
pub struct Example {
    pub spec: ExampleSpec,
    pub at: Location,
}

/// A negative example: text the rule must not match.
#[derive(Clone, Debug)]
pub struct NegativeExample {
    pub text: String,
    pub at: Location,
}

/// A checked rule. Patterns are compiled by [`crate::detect`].
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub category: Category,
    pub kind: String,
    pub pattern: Option<String>,
    pub keywords: Vec<String>,
    pub json_keys: Vec<String>,
    pub paths: Vec<String>,
    pub allow: Vec<String>,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<NegativeExample>,
    pub priority: i32,
    pub multiline: bool,
    pub shape: Shape,
    /// Lower-cased; see the field of the same name in a rules file.
    pub ignore_keys: Vec<String>,
    pub decode: Option<Decode>,
    /// Where the rule starts in its file.
    pub at: Location,
    /// Where its pattern is written (for compile errors).
    pub pattern_at: Location,
    pub pack: Arc<PackInfo>,
}

/// The rules in effect, in order (built-in packs first, then user packs).
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    packs: Vec<Arc<PackInfo>>,
    /// The `[allow]` tables of every pack, merged.
    allow: Arc<allow::AllowList>,
}

impl RuleSet {
    /// The built-in packs only.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in builtin::PACKS {
            set.add_pack_text(&format!("builtin:{name}"), &format!("rules/{name}"), text)?;
        }
        Ok(set)
    }

    /// Name and version of each built-in pack, in load order: what
    /// [`RuleSet::builtin`]'s [`RuleSet::packs`] say, read from the
    /// `[pack]` table at the head of each file without compiling its rules.
    /// (Every command builds its `--version` text from these before it
    /// runs; compiling every rule for it doubled a small run's start-up.)
    pub fn builtin_pack_versions() -> Result<Vec<(String, String)>, RuleError> {
        #[derive(serde::Deserialize)]
        struct Head {
            pack: Option<spec::PackMeta>,
        }
        builtin::PACKS
            .iter()
            .map(|(name, text)| {
                // The head: everything before the first array of tables.
                let head = text.find("\n[[").map_or(*text, |i| &text[..i]);
                match toml::from_str::<Head>(head) {
                    Ok(Head { pack: Some(m) }) => {
                        Ok((m.name, m.version.unwrap_or_else(|| "0".into())))
                    }
                    // No head of its own: what loading it says.
                    _ => {
                        let mut one = RuleSet::default();
                        one.add_pack_text(
                            &format!("builtin:{name}"),
                            &format!("rules/{name}"),
                            text,
                        )?;
                        let p = &one.packs()[0];
                        Ok((p.name.clone(), p.version.clone()))
                    }
                }
            })
            .collect()
    }

    /// Built-in packs (unless `no_builtin`) followed by every path given: a
    /// file is one pack, a directory contributes its `*.toml` files in name
    /// order.
    pub fn load(paths: &[PathBuf], no_builtin: bool) -> Result<RuleSet, RuleError> {
        let mut set = if no_builtin {
            RuleSet::default()
        } else {
            RuleSet::builtin()?
        };
        for path in paths {
            for file in expand_rule_path(path)? {
                let text = std::fs::read_to_string(&file).map_err(|source| RuleError::Io {
                    path: file.clone(),
                    source,
                })?;
                let shown = file.display().to_string();
                set.add_pack_text(&shown, &shown, &text)?;
            }
        }
        Ok(set)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn packs(&self) -> &[Arc<PackInfo>] {
        &self.packs
    }

    /// The rules for which `keep` is true (packs unchanged).
    pub fn filtered(&self, keep: impl Fn(&Rule) -> bool) -> RuleSet {
        RuleSet {
            rules: self.rules.iter().filter(|r| keep(r)).cloned().collect(),
            packs: self.packs.clone(),
            allow: Arc::clone(&self.allow),
        }
    }

    /// A set holding only `rule` (to check or test it alone).
    pub fn only(rule: &Rule) -> RuleSet {
        RuleSet {
            rules: vec![rule.clone()],
            packs: vec![Arc::clone(&rule.pack)],
            allow: Arc::default(),
        }
    }

    /// The allow list of every pack loaded (see [`allow`]).
    pub fn allow(&self) -> &Arc<allow::AllowList> {
        &self.allow
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Parse one pack and merge it into the set. `source` is recorded in
    /// [`PackInfo`]; `shown` is the file name used in error locations.
    pub fn add_pack_text(
        &mut self,
        source: &str,
        shown: &str,
        text: &str,
    ) -> Result<(), RuleError> {
        let file: PackFile = toml::from_str(text).map_err(|e| {
            let at = Location::at(shown, text, e.span().map_or(0, |s| s.start));
            // toml's message may quote the offending line; keep only the first line.
            let msg = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            RuleError::invalid(at, None, msg)
        })?;
        let lines = LineIndex::new(text);
        let loc = |span: std::ops::Range<usize>| lines.location(shown, span.start);

        let meta = file.pack.as_ref().map(|m| m.get_ref());
        let default_name = Path::new(shown)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.to_string());
        let pack = Arc::new(PackInfo {
            name: meta.map_or(default_name, |m| m.name.clone()),
            version: meta
                .and_then(|m| m.version.clone())
                .unwrap_or_else(|| "0".into()),
            description: meta.and_then(|m| m.description.clone()).unwrap_or_default(),
            source: source.to_string(),
            sha256: hex(&Sha256::digest(text.as_bytes())),
        });

        if let Some(table) = &file.allow {
            let mut merged = (*self.allow).clone();
            merged
                .add(table.get_ref())
                .map_err(|msg| RuleError::invalid(loc(table.span()), None, msg))?;
            self.allow = Arc::new(merged);
        }

        for id in &file.disable {
            let before = self.rules.len();
            self.rules.retain(|r| &r.id != id.get_ref());
            if self.rules.len() == before {
                return Err(RuleError::invalid(
                    loc(id.span()),
                    Some(id.get_ref()),
                    "`disable` names a rule that is not defined by an earlier pack",
                ));
            }
        }

        let mut seen_here: Vec<String> = Vec::new();
        for spanned in file.rules {
            let at = loc(spanned.span());
            let spec = spanned.into_inner();
            let overrides = spec.override_;
            let rule = check_spec(spec, at, shown, &lines, &pack)?;
            if seen_here.contains(&rule.id) {
                return Err(RuleError::invalid(
                    rule.at.clone(),
                    Some(&rule.id),
                    "id is used twice in this file",
                ));
            }
            seen_here.push(rule.id.clone());
            let existing = self.rules.iter().position(|r| r.id == rule.id);
            match (existing, overrides) {
                (Some(i), true) => self.rules[i] = rule,
                (Some(i), false) => {
                    let msg = format!(
                        "id is already defined at {}; set `override = true` to replace it",
                        self.rules[i].at
                    );
                    return Err(RuleError::invalid(rule.at.clone(), Some(&rule.id), msg));
                }
                (None, true) => {
                    return Err(RuleError::invalid(
                        rule.at.clone(),
                        Some(&rule.id),
                        "`override = true` but no earlier pack defines this id",
                    ))
                }
                (None, false) => self.rules.push(rule),
            }
        }
        self.packs.push(pack);
        Ok(())
    }
}

fn expand_rule_path(path: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let io = |source| RuleError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        Ok(files)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

fn check_spec(
    spec: RuleSpec,
    at: Location,
    shown: &str,
    lines: &LineIndex<'_>,
    pack: &Arc<PackInfo>,
) -> Result<Rule, RuleError> {
    let loc = |span: std::ops::Range<usize>| lines.location(shown, span.start);
    let id = spec.id.get_ref().clone();
    let bad = |span: std::ops::Range<usize>, msg: String| {
        Err(RuleError::invalid(loc(span), Some(&id), msg))
    };
    let id_ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !id_ok {
        return bad(
            spec.id.span(),
            "id must be non-empty and use only A-Z a-z 0-9 _ - .".into(),
        );
    }
    let Some(category) = Category::parse(spec.category.get_ref()) else {
        return bad(
            spec.category.span(),
            format!(
                "category {:?} is not `credential`, `network`, `identity` or a lower-case name",
                spec.category.get_ref()
            ),
        );
    };
    let kind = match &spec.kind {
        Some(k) if k.get_ref().is_empty() => return bad(k.span(), "kind must not be empty".into()),
        Some(k) => k.get_ref().clone(),
        None if category == Category::Credential => "secret".to_string(),
        None => category.as_str().to_string(),
    };
    if spec.pattern.is_none() && spec.json_keys.is_empty() {
        return bad(
            spec.id.span(),
            "a rule needs a `pattern`, `json_keys`, or both".into(),
        );
    }
    if let Some(p) = &spec.pattern {
        if p.get_ref().is_empty() {
            return bad(p.span(), "pattern must not be empty".into());
        }
    }
    for k in spec.keywords.iter().chain(&spec.json_keys) {
        if k.get_ref().is_empty() || k.get_ref().contains('\n') {
            return bad(
                k.span(),
                "keywords and json_keys must be non-empty single-line strings".into(),
            );
        }
    }
    for k in &spec.json_keys {
        if k.get_ref().contains(['"', '\\']) {
            return bad(k.span(), "json_keys cannot contain `\"` or `\\`".into());
        }
    }
    if !spec.keywords.is_empty() && spec.pattern.is_none() {
        return bad(
            spec.keywords[0].span(),
            "`keywords` gate `pattern`, but this rule has none (json_keys are their own keywords)"
                .into(),
        );
    }
    let shape = match &spec.shape {
        None => Shape::Any,
        Some(sh) => match Shape::parse(sh.get_ref()) {
            Some(x) => x,
            None => {
                return bad(
                    sh.span(),
                    format!(
                        "shape {:?} is not `any`, `random` or `base64`",
                        sh.get_ref()
                    ),
                )
            }
        },
    };
    let decode = match &spec.decode {
        None => None,
        Some(d) => match Decode::parse(d.get_ref()) {
            Some(x) => Some(x),
            None => {
                return bad(
                    d.span(),
                    format!("decode {:?} is not `base64` or `basic-auth`", d.get_ref()),
                )
            }
        },
    };
    for k in &spec.ignore_keys {
        if k.get_ref().is_empty() {
            return bad(k.span(), "ignore_keys must be non-empty strings".into());
        }
    }
    if let (Some(k), None) = (spec.ignore_keys.first(), &spec.pattern) {
        return bad(
            k.span(),
            "`ignore_keys` look at the pattern's `key` group, but this rule has no pattern".into(),
        );
    }
    for g in &spec.paths {
        if let Err(e) = globset::Glob::new(g.get_ref()) {
            return bad(g.span(), format!("invalid path glob: {}", e.kind()));
        }
    }
    if spec.examples.is_empty() {
        return bad(spec.id.span(), "a rule needs at least one example".into());
    }
    let pattern_at = spec
        .pattern
        .as_ref()
        .map_or_else(|| at.clone(), |p| loc(p.span()));
    Ok(Rule {
        id,
        description: spec.description,
        priority: spec.priority.unwrap_or_else(|| category.default_priority()),
        category,
        kind,
        pattern: spec.pattern.map(Spanned::into_inner),
        keywords: spec.keywords.into_iter().map(Spanned::into_inner).collect(),
        json_keys: spec
            .json_keys
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        paths: spec.paths.into_iter().map(Spanned::into_inner).collect(),
        allow: spec.allow,
        examples: spec
            .examples
            .into_iter()
            .map(|e| Example {
                at: loc(e.span()),
                spec: e.into_inner(),
            })
            .collect(),
        negative_examples: spec
            .negative_examples
            .into_iter()
            .map(|e| NegativeExample {
                at: loc(e.span()),
                text: e.into_inner(),
            })
            .collect(),
        multiline: spec.multiline,
        shape,
        ignore_keys: spec
            .ignore_keys
            .into_iter()
            .map(|k| k.into_inner().to_ascii_lowercase())
            .collect(),
        decode,
        at,
        pattern_at,
        pack: Arc::clone(pack),
    })
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_pack_versions_are_those_of_the_loaded_packs() {
        let loaded: Vec<(String, String)> = RuleSet::builtin()
            .expect("built-in rules")
            .packs()
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        assert_eq!(RuleSet::builtin_pack_versions().expect("heads"), loaded);
        assert!(loaded.len() >= 16, "{loaded:?}");
    }

    /// Line and column by counting from the text's start: the reference the
    /// property test holds [`LineIndex`] to.
    fn location_by_counting(file: &str, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_string(),
            line,
            col,
        }
    }

    proptest::proptest! {
        #[test]
        fn line_index_locates_every_offset_as_counting_does(
            chars in proptest::collection::vec(proptest::sample::select(vec!['a', ' ', '\n', 'é', '日', '\r']), 0..200),
        ) {
            let text: String = chars.into_iter().collect();
            let lines = LineIndex::new(&text);
            for offset in (0..=text.len() + 2).filter(|&o| o > text.len() || text.is_char_boundary(o)) {
                proptest::prop_assert_eq!(
                    lines.location("f.toml", offset),
                    location_by_counting("f.toml", &text, offset)
                );
            }
        }
    }
}
