//! Structured files keep their structure through redaction (issue 12 item
//! 4): generated YAML, TOML, JSON and INI documents, holding secrets of the
//! kinds the rules find beside ordinary values, are parsed before and after
//! redaction with real parsers (yaml-rust2, toml, serde_json; INI with the
//! small reader below, INI having no standard), and must have the same key
//! paths and the same value types; every ordinary value must be unchanged;
//! and no planted secret or identifier may be left (looked for byte for
//! byte by this file, not by airlock's engine).
//!
//! The documents come from this file's own generators, seeded: a failing
//! case names a seed that reproduces it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use airlock::corpus::Rng;
use airlock::detect::Engine;
use airlock::redact::{Counts, Key, Pseudonymizer, Redactor};
use airlock::rules::RuleSet;
use proptest::prelude::*;

use super::util::{airlock, run, TempDir};

fn redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| {
        let rules = RuleSet::builtin().unwrap();
        Redactor::new(
            Engine::new(&rules).unwrap(),
            Pseudonymizer::new(Key::from_bytes([5; 32])),
        )
    })
}

fn redact(name: &str, text: &str) -> String {
    let out = redactor().redact_bytes(
        Some(Path::new(name)),
        text.as_bytes(),
        &mut Counts::default(),
    );
    String::from_utf8(out).expect("redaction keeps UTF-8")
}

// ---------------------------------------------------------------- values

/// A generated document: its text, what must be gone after redaction, and
/// the ordinary values that must be kept exactly.
#[derive(Default)]
struct Doc {
    text: String,
    /// Secrets and identifiers (each long enough to be unique).
    planted: Vec<String>,
    /// Ordinary scalar values, as the parser reads them.
    ordinary: Vec<String>,
}

/// How a value may be written.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A credential: a secret-named key is in front of it.
    Secret,
    /// A prefixed token, found with or without a key.
    Token,
    /// An identifier (address, e-mail, host name): pseudonymised.
    Ident,
    /// Ordinary: must not change.
    Plain,
}

/// A value to place, and the bytes that must be gone once it is redacted.
struct Value {
    text: String,
    gone: Vec<String>,
    kind: Kind,
    /// A number or boolean to write unquoted (typed) in YAML/TOML/JSON.
    typed: bool,
}

const SECRET_KEYS: &[&str] = &[
    "password",
    "db_password",
    "secret",
    "secret_key",
    "api_key",
    "smtp_password",
    "client_secret",
    "bind_password",
    "access_token",
    "private_token",
];
const TOKEN_KEYS: &[&str] = &["token", "runner_token", "note", "value", "auth_token"];
const IDENT_KEYS: &[&str] = &["host", "address", "email", "server", "from", "listen"];
const PLAIN_KEYS: &[&str] = &[
    "port",
    "enabled",
    "version",
    "path",
    "timeout",
    "mode",
    "concurrent",
    "log_level",
    "executor",
    "replicas",
];

/// A password-like secret: starts with a letter, then letters, digits and
/// punctuation that every format's plain or quoted strings allow.
fn password(r: &mut Rng) -> String {
    let mut s = r.alnum(1).to_ascii_uppercase();
    if !s.as_bytes()[0].is_ascii_alphabetic() {
        s = "P".into();
    }
    s.push_str(&r.alnum(7));
    s.push(*r.pick(&['-', '_', '.', '!', '%', '@', '*']));
    s.push_str(&r.alnum(5));
    s
}

fn token(r: &mut Rng) -> Value {
    let (text, secret) = match r.below(4) {
        0 => {
            let s = r.alnum(20);
            (format!("glpat-{s}"), s)
        }
        1 => {
            let s = r.alnum(20);
            (format!("glrt-{s}"), s)
        }
        2 => {
            let s: String = r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            (format!("AKIA{s}"), s)
        }
        _ => {
            let s = r.alnum(24);
            (format!("sk_live_{s}"), s)
        }
    };
    Value {
        text,
        gone: vec![secret],
        kind: Kind::Token,
        typed: false,
    }
}

fn host(r: &mut Rng) -> String {
    let w = *r.pick(&["db", "redis", "gitaly", "praefect", "smtp", "ldap"]);
    format!("{w}{}.corp{}.internal", r.range(10, 99), r.below(9))
}

fn ident(r: &mut Rng) -> Value {
    let text = match r.below(3) {
        0 => r.ipv4(),
        1 => format!("{}@corp{}.example.com", r.username(), r.below(9)),
        _ => host(r),
    };
    Value {
        gone: vec![text.clone()],
        text,
        kind: Kind::Ident,
        typed: false,
    }
}

/// A secret value for a secret-named key: a password, or a URL with
/// credentials in it.
fn secret(r: &mut Rng) -> Value {
    if r.below(4) == 0 {
        let (user, pass, h) = (r.username(), password(r), host(r));
        return Value {
            text: format!("https://{user}:{pass}@{h}/group/project.git"),
            gone: vec![pass, h],
            kind: Kind::Secret,
            typed: false,
        };
    }
    let p = match r.below(6) {
        // A passphrase: blanks in it (plain in YAML block context, where
        // the value runs to the end of the line).
        0 => format!("{} {} {}", password(r), r.alnum(8), r.alnum(8)),
        // An apostrophe: YAML single quotes double it.
        1 => format!("{}'{}", password(r), r.alnum(8)),
        _ => password(r),
    };
    Value {
        text: p.clone(),
        gone: p.split([' ', '\'']).map(str::to_string).collect(),
        kind: Kind::Secret,
        typed: false,
    }
}

fn plain(r: &mut Rng, key: &str) -> Value {
    let (text, typed) = match key {
        "port" => (r.range(1024, 65000).to_string(), true),
        "enabled" => ((*r.pick(&["true", "false"])).to_string(), true),
        "version" => (
            format!("{}.{}.{}", r.range(14, 18), r.below(12), r.below(9)),
            false,
        ),
        "path" => (
            format!(
                "/var/opt/gitlab/{}/{}",
                r.pick(&["gitaly", "nginx", "redis", "postgresql"]),
                r.pick(&["data", "logs", "tmp"])
            ),
            false,
        ),
        "timeout" => (format!("{}s", r.range(1, 600)), false),
        "replicas" | "concurrent" => (r.range(1, 64).to_string(), true),
        "mode" => ((*r.pick(&["0600", "fast", "read-only"])).to_string(), false),
        "log_level" => ((*r.pick(&["info", "debug", "warn"])).to_string(), false),
        _ => (
            (*r.pick(&["docker", "shell", "kubernetes"])).to_string(),
            false,
        ),
    };
    Value {
        text,
        gone: Vec::new(),
        kind: Kind::Plain,
        typed,
    }
}

/// A key and a value for it.
fn entry(r: &mut Rng) -> (String, Value) {
    match r.below(8) {
        0 | 1 => {
            let k = *r.pick(SECRET_KEYS);
            (k.to_string(), secret(r))
        }
        2 => {
            let k = *r.pick(TOKEN_KEYS);
            (k.to_string(), token(r))
        }
        3 => {
            let k = *r.pick(IDENT_KEYS);
            (k.to_string(), ident(r))
        }
        _ => {
            let k = *r.pick(PLAIN_KEYS);
            let v = plain(r, k);
            (k.to_string(), v)
        }
    }
}

/// A PEM private key of `lines` body lines.
fn pem(r: &mut Rng, lines: usize) -> (Vec<String>, Vec<String>) {
    let kind = *r.pick(&["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]);
    let mut out = vec![format!("-----BEGIN {kind}-----")];
    let mut gone = Vec::new();
    for i in 0..lines {
        let n = if i + 1 == lines { 24 } else { 64 };
        let l = r.string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            n,
        );
        gone.push(l.clone());
        out.push(l);
    }
    out.push(format!("-----END {kind}-----"));
    (out, gone)
}

/// Unique keys for one map.
struct Keys(Vec<String>);

impl Keys {
    fn fresh(&mut self, k: impl AsRef<str>) -> String {
        let k = k.as_ref();
        // A prefix, not a suffix: `password_2` is no longer a
        // secret-named key for the rules, `x2_password` is.
        let mut name = k.to_string();
        let mut i = 2;
        while self.0.contains(&name) {
            name = format!("x{i}_{k}");
            i += 1;
        }
        self.0.push(name.clone());
        name
    }
}

impl Doc {
    fn plant(&mut self, v: &Value) {
        self.planted.extend(v.gone.iter().cloned());
        if v.kind == Kind::Plain {
            self.ordinary.push(v.text.clone());
        }
    }
}

// ------------------------------------------------------------------ YAML

fn yaml_single(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn yaml_double(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A scalar as YAML writes it: typed values plain; strings plain, single-
/// or double-quoted.
fn yaml_scalar(r: &mut Rng, v: &Value, flow: bool) -> String {
    if v.typed {
        return v.text.clone();
    }
    let t = &v.text;
    // Blanks are part of a plain scalar in block context (`password:
    // correct horse battery`); a flow collection's are left quoted.
    let indicator = t.contains('\'')
        || (flow && t.contains(' '))
        || t.ends_with(' ')
        || t.contains(": ")
        || t.contains(" #")
        || (flow && t.contains([',', '[', ']', '{', '}']));
    let indicator_free = !indicator;
    let plain_ok =
        indicator_free && (t.as_bytes()[0].is_ascii_alphanumeric() || t.starts_with('/'));
    // A version or number-like string must be quoted to stay a string.
    let looks_typed = v.text.parse::<f64>().is_ok();
    match r.below(3) {
        0 if plain_ok && !looks_typed => v.text.clone(),
        1 => yaml_single(&v.text),
        _ => yaml_double(&v.text),
    }
}

fn yaml_map(r: &mut Rng, d: &mut Doc, indent: usize, depth: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let mut keys = Keys(Vec::new());
    for _ in 0..r.range(2, 6) {
        match r.below(if depth >= 3 { 4 } else { 9 }) {
            0..=3 => {
                let (k, v) = entry(r);
                let k = keys.fresh(&k);
                d.plant(&v);
                let comment = if r.below(6) == 0 {
                    "  # set by ops"
                } else {
                    ""
                };
                // Node properties before the scalar: an anchor (Helm
                // values reuse a password: `&pw`), a `!!str` tag.
                let props = match r.below(8) {
                    0 => format!("&a{} ", out.len()),
                    1 => "!!str ".to_string(),
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "{pad}{k}: {props}{}{comment}\n",
                    yaml_scalar(r, &v, false)
                ));
            }
            4 => {
                // A nested map.
                let k = keys.fresh(r.pick(&["database", "redis", "smtp", "storage", "auth"]));
                out.push_str(&format!("{pad}{k}:\n"));
                yaml_map(r, d, indent + 2, depth + 1, out);
            }
            5 => {
                // A list: block or flow, of scalars or of maps.
                let k = keys.fresh(r.pick(&["hosts", "items", "servers", "tokens"]));
                let n = r.range(1, 4);
                let vals: Vec<Value> = (0..n)
                    .map(|_| match r.below(3) {
                        0 => token(r),
                        1 => ident(r),
                        _ => plain(r, "log_level"),
                    })
                    .collect();
                for v in &vals {
                    d.plant(v);
                }
                if r.below(2) == 0 {
                    let items: Vec<String> = vals.iter().map(|v| yaml_scalar(r, v, true)).collect();
                    out.push_str(&format!("{pad}{k}: [{}]\n", items.join(", ")));
                } else {
                    out.push_str(&format!("{pad}{k}:\n"));
                    for v in &vals {
                        if r.below(3) == 0 {
                            let (k2, v2) = entry(r);
                            d.plant(&v2);
                            out.push_str(&format!(
                                "{pad}- name: {}\n{pad}  {k2}: {}\n",
                                yaml_scalar(r, v, false),
                                yaml_scalar(r, &v2, false)
                            ));
                        } else {
                            out.push_str(&format!("{pad}- {}\n", yaml_scalar(r, v, false)));
                        }
                    }
                }
            }
            6 => {
                // A flow map.
                let k = keys.fresh(r.pick(&["options", "conn", "params"]));
                let mut fk = Keys(Vec::new());
                let mut parts = Vec::new();
                for _ in 0..r.range(1, 3) {
                    let (k2, v) = entry(r);
                    let k2 = fk.fresh(&k2);
                    d.plant(&v);
                    parts.push(format!("{k2}: {}", yaml_scalar(r, &v, true)));
                }
                out.push_str(&format!("{pad}{k}: {{{}}}\n", parts.join(", ")));
            }
            7 if r.below(3) == 0 => {
                // A password in a block scalar under a secret-named key.
                let k = keys.fresh(r.pick(&["password", "client_secret", "api_key"]));
                let v = secret(r);
                d.plant(&v);
                let style = *r.pick(&["|", "|-", ">-"]);
                out.push_str(&format!("{pad}{k}: {style}\n{pad}  {}\n", v.text));
            }
            7 => {
                // A block scalar holding a PEM key.
                let k = keys.fresh(r.pick(&["tls.key", "ssh_private_key", "id_rsa", "key.pem"]));
                let style = *r.pick(&["|", "|-", ">", "|+"]);
                let n = r.range(1, 4) as usize;
                let (lines, gone) = pem(r, n);
                d.planted.extend(gone);
                out.push_str(&format!("{pad}{k}: {style}\n"));
                for l in lines {
                    out.push_str(&format!("{pad}  {l}\n"));
                }
            }
            _ => {
                // A block scalar holding a config file with secrets.
                let k = keys.fresh(r.pick(&["config.toml", "settings", "script"]));
                let style = *r.pick(&["|", "|-", ">"]);
                out.push_str(&format!("{pad}{k}: {style}\n"));
                for _ in 0..r.range(1, 4) {
                    let (k2, v) = entry(r);
                    d.plant(&v);
                    let line = match r.below(3) {
                        _ if v.text.contains([' ', '\'']) => format!("{k2} = \"{}\"", v.text),
                        0 => format!("{k2} = \"{}\"", v.text),
                        1 => format!("{k2}: {}", v.text),
                        _ => format!("export {}={}", k2.to_ascii_uppercase(), v.text),
                    };
                    out.push_str(&format!("{pad}  {line}\n"));
                }
            }
        }
    }
}

/// A Kubernetes Secret with `stringData` (plain) and `data` (base64).
fn k8s_secret(r: &mut Rng, d: &mut Doc, out: &mut String) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    out.push_str("apiVersion: v1\nkind: Secret\nmetadata:\n");
    out.push_str(&format!(
        "  name: gitlab-{}\n  namespace: gitlab\n",
        r.pick(&["postgres", "redis", "runner", "smtp"])
    ));
    out.push_str("type: Opaque\nstringData:\n");
    let mut keys = Keys(Vec::new());
    for _ in 0..r.range(1, 3) {
        let k = keys.fresh(r.pick(&["password", "secret", "runner-token", "api_key"]));
        let v = if k.starts_with("runner") {
            token(r)
        } else {
            secret(r)
        };
        d.plant(&v);
        out.push_str(&format!("  {k}: {}\n", yaml_scalar(r, &v, false)));
    }
    if r.below(2) == 0 {
        let (lines, gone) = pem(r, 2);
        d.planted.extend(gone);
        out.push_str("  tls.key: |\n");
        for l in lines {
            out.push_str(&format!("    {l}\n"));
        }
    }
    out.push_str("data:\n");
    let v = password(r);
    out.push_str(&format!("  password: {}\n", b64.encode(v.as_bytes())));
    out.push_str(&format!("  username: {}\n", b64.encode(b"gitlab")));
}

fn gen_yaml(seed: u64) -> Doc {
    let mut r = Rng::new(seed);
    let mut d = Doc::default();
    let mut out = String::new();
    if r.below(3) == 0 {
        k8s_secret(&mut r, &mut d, &mut out);
        out.push_str("---\n");
    }
    yaml_map(&mut r, &mut d, 0, 0, &mut out);
    d.text = out;
    d
}

/// `path → (type, value)` of every leaf of a YAML stream.
fn yaml_leaves(text: &str) -> Result<BTreeMap<String, (&'static str, String)>, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    fn walk(y: &Yaml, path: String, out: &mut BTreeMap<String, (&'static str, String)>) {
        let leaf = match y {
            Yaml::Hash(h) => {
                for (k, v) in h {
                    let key = k.as_str().map(str::to_string).unwrap_or(format!("{k:?}"));
                    walk(v, format!("{path}/{key}"), out);
                }
                return;
            }
            Yaml::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), out);
                }
                return;
            }
            Yaml::String(s) => ("str", s.clone()),
            Yaml::Integer(i) => ("int", i.to_string()),
            Yaml::Real(s) => ("real", s.clone()),
            Yaml::Boolean(b) => ("bool", b.to_string()),
            Yaml::Null => ("null", String::new()),
            other => ("other", format!("{other:?}")),
        };
        out.insert(path, leaf);
    }
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        walk(d, format!("doc{i}"), &mut out);
    }
    Ok(out)
}

// ------------------------------------------------------------------ TOML

fn toml_string(r: &mut Rng, s: &str) -> String {
    match r.below(3) {
        0 if !s.contains('\'') => format!("'{s}'"),
        _ => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

fn toml_value(r: &mut Rng, v: &Value) -> String {
    if v.typed {
        v.text.clone()
    } else {
        toml_string(r, &v.text)
    }
}

fn toml_pairs(r: &mut Rng, d: &mut Doc, keys: &mut Keys, out: &mut String) {
    for _ in 0..r.range(1, 5) {
        let (k, v) = entry(r);
        let k = keys.fresh(&k);
        d.plant(&v);
        let k = if r.below(8) == 0 {
            format!("\"{k}\"")
        } else {
            k
        };
        let val = if v.kind == Kind::Secret && r.below(6) == 0 {
            // A multi-line string on one line.
            if v.text.contains('\'') {
                format!("\"\"\"{}\"\"\"", v.text)
            } else {
                format!("'''{}'''", v.text)
            }
        } else {
            toml_value(r, &v)
        };
        out.push_str(&format!("{k} = {val}\n"));
    }
    match r.below(5) {
        0 => {
            // An inline table.
            let mut parts = Vec::new();
            let mut fk = Keys(Vec::new());
            for _ in 0..r.range(1, 3) {
                let (k, v) = entry(r);
                let k = fk.fresh(&k);
                d.plant(&v);
                parts.push(format!("{k} = {}", toml_value(r, &v)));
            }
            let k = keys.fresh("auth");
            out.push_str(&format!("{k} = {{ {} }}\n", parts.join(", ")));
        }
        1 => {
            // A multi-line string holding a script with secrets.
            let k = keys.fresh(r.pick(&["pre_build_script", "environment_file"]));
            let literal = r.below(2) == 0;
            out.push_str(&format!(
                "{k} = {}\n",
                if literal { "'''" } else { "\"\"\"" }
            ));
            for _ in 0..r.range(1, 3) {
                let (k2, v) = entry(r);
                d.plant(&v);
                let q = if v.text.contains([' ', '\'']) {
                    "\""
                } else {
                    ""
                };
                out.push_str(&format!(
                    "export {}={q}{}{q}\n",
                    k2.to_ascii_uppercase(),
                    v.text
                ));
            }
            out.push_str(if literal { "'''\n" } else { "\"\"\"\n" });
        }
        2 => {
            // An array of strings.
            let k = keys.fresh("volumes");
            let vals: Vec<Value> = (0..r.range(1, 3))
                .map(|_| match r.below(2) {
                    0 => plain(r, "path"),
                    _ => ident(r),
                })
                .collect();
            for v in &vals {
                d.plant(v);
            }
            let items: Vec<String> = vals.iter().map(|v| toml_value(r, v)).collect();
            out.push_str(&format!("{k} = [{}]\n", items.join(", ")));
        }
        3 => {
            // A PEM key in a multi-line string.
            let k = keys.fresh("tls_key");
            let (lines, gone) = pem(r, 2);
            d.planted.extend(gone);
            out.push_str(&format!("{k} = \"\"\"\n{}\n\"\"\"\n", lines.join("\n")));
        }
        _ => {}
    }
}

fn gen_toml(seed: u64) -> Doc {
    let mut r = Rng::new(seed);
    let mut d = Doc::default();
    let mut out = String::new();
    out.push_str(&format!(
        "concurrent = {}\ncheck_interval = 0\n",
        r.range(1, 9)
    ));
    d.ordinary.push("0".into());
    let mut top = Keys(vec!["concurrent".into(), "check_interval".into()]);
    toml_pairs(&mut r, &mut d, &mut top, &mut out);
    for i in 0..r.range(1, 3) {
        out.push_str("\n[[runners]]\n");
        out.push_str(&format!("  name = \"runner-{i}\"\n"));
        // A runner's name is an identifier (issue 13: runner names are host
        // names): it may be replaced, so it is not an ordinary value.
        let t = token(&mut r);
        d.plant(&t);
        out.push_str(&format!("  token = \"{}\"\n", t.text));
        let mut keys = Keys(vec!["name".into(), "token".into()]);
        toml_pairs(&mut r, &mut d, &mut keys, &mut out);
        if r.below(2) == 0 {
            out.push_str("  [runners.cache.s3]\n");
            let mut keys = Keys(Vec::new());
            for k in ["AccessKey", "SecretKey", "BucketName"] {
                let k = keys.fresh(k);
                // A bucket's name is the customer's (issue 13: bucket and
                // storage account names): it may be replaced, so it is not
                // an ordinary value. Its type must still be kept.
                let v = match k.as_str() {
                    "AccessKey" => token(&mut r),
                    "SecretKey" => secret(&mut r),
                    _ => Value {
                        text: format!("tenant{}-runner-cache", r.range(1, 99)),
                        gone: Vec::new(),
                        kind: Kind::Ident,
                        typed: false,
                    },
                };
                d.plant(&v);
                out.push_str(&format!("    {k} = {}\n", toml_value(&mut r, &v)));
            }
        }
        if r.below(2) == 0 {
            out.push_str("  [runners.docker]\n");
            toml_pairs(&mut r, &mut d, &mut Keys(Vec::new()), &mut out);
        }
    }
    d.text = out;
    d
}

fn toml_leaves(text: &str) -> Result<BTreeMap<String, (&'static str, String)>, String> {
    fn walk(v: &toml::Value, path: String, out: &mut BTreeMap<String, (&'static str, String)>) {
        let leaf = match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(v, format!("{path}/{k}"), out);
                }
                return;
            }
            toml::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), out);
                }
                return;
            }
            toml::Value::String(s) => ("str", s.clone()),
            toml::Value::Integer(i) => ("int", i.to_string()),
            toml::Value::Float(f) => ("float", f.to_string()),
            toml::Value::Boolean(b) => ("bool", b.to_string()),
            toml::Value::Datetime(d) => ("datetime", d.to_string()),
        };
        out.insert(path, leaf);
    }
    let t: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = BTreeMap::new();
    walk(&toml::Value::Table(t), String::new(), &mut out);
    Ok(out)
}

// ------------------------------------------------------------------ JSON

fn json_value(r: &mut Rng, d: &mut Doc, depth: usize) -> serde_json::Value {
    use serde_json::{Map, Value as J};
    let mut m = Map::new();
    let mut keys = Keys(Vec::new());
    for _ in 0..r.range(1, 6) {
        match r.below(if depth >= 3 { 5 } else { 8 }) {
            0..=3 => {
                let (k, v) = entry(r);
                let k = keys.fresh(&k);
                d.plant(&v);
                let j = if v.typed {
                    serde_json::from_str(&v.text).unwrap()
                } else {
                    J::String(v.text.clone())
                };
                m.insert(k, j);
            }
            4 => {
                // A message string with escapes and a secret inside (JSON
                // that a service logged as a string).
                let (k, v) = {
                    let k = *r.pick(SECRET_KEYS);
                    (k, secret(r))
                };
                d.plant(&v);
                let msg = format!(
                    "said \"retry\"\tC:\\tmp\\x\n{{\"{k}\":\"{}\",\"attempt\":{}}} caf\u{e9}",
                    v.text,
                    r.below(9)
                );
                m.insert(keys.fresh("message"), J::String(msg));
            }
            5 => {
                m.insert(keys.fresh("nested"), json_value(r, d, depth + 1));
            }
            6 => {
                let items = (0..r.range(1, 3))
                    .map(|_| {
                        if r.below(2) == 0 {
                            json_value(r, d, depth + 1)
                        } else {
                            let v = token(r);
                            d.plant(&v);
                            J::String(v.text)
                        }
                    })
                    .collect();
                m.insert(keys.fresh("list"), J::Array(items));
            }
            _ => {
                let (lines, gone) = pem(r, 2);
                d.planted.extend(gone);
                m.insert(
                    keys.fresh("private_key"),
                    J::String(lines.join("\n") + "\n"),
                );
            }
        }
    }
    J::Object(m)
}

fn gen_json(seed: u64) -> Doc {
    let mut r = Rng::new(seed);
    let mut d = Doc::default();
    let v = json_value(&mut r, &mut d, 0);
    d.text = if r.below(2) == 0 {
        serde_json::to_string_pretty(&v).unwrap()
    } else {
        serde_json::to_string(&v).unwrap()
    };
    d.text.push('\n');
    d
}

fn json_leaves(text: &str) -> Result<BTreeMap<String, (&'static str, String)>, String> {
    use serde_json::Value as J;
    fn walk(v: &J, path: String, out: &mut BTreeMap<String, (&'static str, String)>) {
        let leaf = match v {
            J::Object(m) => {
                for (k, v) in m {
                    walk(v, format!("{path}/{k}"), out);
                }
                return;
            }
            J::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), out);
                }
                return;
            }
            J::String(s) => ("str", s.clone()),
            J::Number(n) => ("number", n.to_string()),
            J::Bool(b) => ("bool", b.to_string()),
            J::Null => ("null", String::new()),
        };
        out.insert(path, leaf);
    }
    let v: J = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    walk(&v, String::new(), &mut out);
    Ok(out)
}

// ------------------------------------------------------------------- INI

fn gen_ini(seed: u64) -> Doc {
    let mut r = Rng::new(seed);
    let mut d = Doc::default();
    let mut out = String::from("; generated\n");
    for s in 0..r.range(1, 4) {
        out.push_str(&format!(
            "[{}{s}]\n",
            r.pick(&["client", "database", "smtp", "default"])
        ));
        let mut keys = Keys(Vec::new());
        for _ in 0..r.range(1, 6) {
            let (k, v) = entry(&mut r);
            let k = keys.fresh(&k);
            d.plant(&v);
            let sep = *r.pick(&[" = ", "=", " : "]);
            let val = if r.below(4) == 0 || v.text.contains(' ') {
                format!("\"{}\"", v.text)
            } else {
                v.text.clone()
            };
            out.push_str(&format!("{k}{sep}{val}\n"));
            if r.below(5) == 0 {
                out.push_str("# a comment\n");
            }
        }
        out.push('\n');
    }
    d.text = out;
    d
}

/// The small INI reader: `[section]`, `key = value` / `key: value`,
/// `;`/`#` comments, values trimmed and one pair of quotes taken off. INI
/// has no types: a value is `int`, `bool` or `str` by its shape, so a mask
/// turning a number into text would show.
fn ini_leaves(text: &str) -> Result<BTreeMap<String, (&'static str, String)>, String> {
    let mut out = BTreeMap::new();
    let mut section = String::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with(';') || l.starts_with('#') {
            continue;
        }
        if let Some(s) = l.strip_prefix('[') {
            section = s
                .strip_suffix(']')
                .ok_or(format!("line {}: bad section", n + 1))?
                .to_string();
            continue;
        }
        let i = l
            .find(['=', ':'])
            .ok_or(format!("line {}: no separator", n + 1))?;
        let key = l[..i].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("line {}: bad key", n + 1));
        }
        let mut v = l[i + 1..].trim();
        if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            v = &v[1..v.len() - 1];
        }
        let ty = if v.parse::<i64>().is_ok() {
            "int"
        } else if v == "true" || v == "false" {
            "bool"
        } else {
            "str"
        };
        if out
            .insert(format!("{section}/{key}"), (ty, v.to_string()))
            .is_some()
        {
            return Err(format!("line {}: duplicate key", n + 1));
        }
    }
    Ok(out)
}

// ------------------------------------------------------------- the check

type Leaves = fn(&str) -> Result<BTreeMap<String, (&'static str, String)>, String>;

/// Parse before and after; same paths, same types, ordinary values kept,
/// planted values gone. `Err` says what broke.
fn check(doc: &Doc, out: &str, leaves: Leaves) -> Result<(), String> {
    let before =
        leaves(&doc.text).map_err(|e| format!("the generated input does not parse ({e})"))?;
    let after = leaves(out).map_err(|e| format!("the output does not parse ({e})"))?;
    let kb: Vec<&String> = before.keys().collect();
    let ka: Vec<&String> = after.keys().collect();
    if kb != ka {
        return Err(format!("key paths differ:\n before {kb:?}\n after  {ka:?}"));
    }
    for (p, (tb, vb)) in &before {
        let (ta, va) = &after[p];
        if tb != ta {
            return Err(format!("{p}: type {tb} became {ta} ({va:?})"));
        }
        if doc.ordinary.contains(vb) && vb != va {
            return Err(format!("{p}: ordinary value {vb:?} became {va:?}"));
        }
    }
    for s in &doc.planted {
        if out.contains(s.as_str()) {
            return Err(format!("planted {s:?} survives"));
        }
    }
    Ok(())
}

fn report(what: &str, seed: u64, doc: &Doc, out: &str, why: String) -> String {
    format!(
        "{what} seed {seed}: {why}\n--- input ---\n{}\n--- output ---\n{out}",
        doc.text
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn yaml_keeps_keys_and_types(seed in any::<u64>()) {
        let doc = gen_yaml(seed);
        let out = redact("values.yaml", &doc.text);
        if let Err(why) = check(&doc, &out, yaml_leaves) {
            prop_assert!(false, "{}", report("YAML", seed, &doc, &out, why));
        }
    }

    #[test]
    fn toml_keeps_keys_and_types(seed in any::<u64>()) {
        let doc = gen_toml(seed);
        let out = redact("config.toml", &doc.text);
        if let Err(why) = check(&doc, &out, toml_leaves) {
            prop_assert!(false, "{}", report("TOML", seed, &doc, &out, why));
        }
    }

    #[test]
    fn json_keeps_keys_and_types(seed in any::<u64>()) {
        let doc = gen_json(seed);
        let out = redact("settings.json", &doc.text);
        if let Err(why) = check(&doc, &out, json_leaves) {
            prop_assert!(false, "{}", report("JSON", seed, &doc, &out, why));
        }
    }

    #[test]
    fn ini_keeps_keys_and_types(seed in any::<u64>()) {
        let doc = gen_ini(seed);
        let out = redact("my.cnf", &doc.text);
        if let Err(why) = check(&doc, &out, ini_leaves) {
            prop_assert!(false, "{}", report("INI", seed, &doc, &out, why));
        }
    }
}

/// The same through the binary, on a directory of documents of every
/// format: learning, redaction and verification as `airlock redact` runs
/// them.
#[test]
fn redact_command_keeps_every_format_parsing() {
    let dir = TempDir::new("structure");
    type Gen = fn(u64) -> Doc;
    let gens: [(&str, Gen, Leaves); 4] = [
        ("yaml", gen_yaml, yaml_leaves),
        ("toml", gen_toml, toml_leaves),
        ("json", gen_json, json_leaves),
        ("ini", gen_ini, ini_leaves),
    ];
    let mut docs = Vec::new();
    for (ext, gen, leaves) in gens {
        for seed in 0..12u64 {
            let doc = gen(seed * 7919 + 17);
            let name = format!("{ext}/doc{seed}.{ext}");
            dir.write(&format!("in/{name}"), &doc.text);
            docs.push((name, doc, leaves));
        }
    }
    let res = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out"]),
        None,
    );
    let res = res.expect_code(0);
    for (name, doc, leaves) in &docs {
        let out = std::fs::read_to_string(dir.path().join("out").join(name)).unwrap();
        if let Err(why) = check(doc, &out, *leaves) {
            panic!(
                "{name}: {why}\n--- input ---\n{}\n--- output ---\n{out}\n{}",
                doc.text,
                res.describe()
            );
        }
    }
}

/// The check can fail: a redaction that broke structure (an unquoted mask
/// in YAML) or left a secret is caught.
#[test]
fn the_check_sees_broken_structure_and_leaks() {
    let doc = Doc {
        text: "a:\n  password: Hunter2-secret\n  port: 5432\n".into(),
        planted: vec!["Hunter2-secret".into()],
        ordinary: vec!["5432".into()],
    };
    let unquoted = "a:\n  password: [REDACTED:x/abcdef]\n  port: 5432\n";
    assert!(check(&doc, unquoted, yaml_leaves).is_err());
    let leaked = "a:\n  password: 'Hunter2-secret'\n  port: 5432\n";
    assert!(check(&doc, leaked, yaml_leaves).is_err());
    let changed = "a:\n  password: '[REDACTED:x/abcdef]'\n  port: 5433\n";
    assert!(check(&doc, changed, yaml_leaves).is_err());
    let good = "a:\n  password: '[REDACTED:x/abcdef]'\n  port: 5432\n";
    assert_eq!(check(&doc, good, yaml_leaves), Ok(()));
}
