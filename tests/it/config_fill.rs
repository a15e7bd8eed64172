//! GitLab's own configuration, filled in as a customer would (issue 12):
//! every secret setting of `../shared/corpora/omnibus/gitlab.rb.template`
//! and every secret key of the runner's `config.toml` examples
//! (`../shared/corpora/runner/advanced-configuration.md`) gets a generated
//! value; after redaction none of them may survive, and every other setting
//! must be exactly as it was.
//!
//! Which settings are secret is decided here, by this file's own reading
//! of the setting names ([`secret_name`]), not by airlock's rules. Settings
//! whose value names a host, an address or an e-mail address are
//! identifiers: they are expected to change (to pseudonyms), and only their
//! names must stay. The corpora are not in the repository; without them the
//! tests say so on stderr and pass.

use std::collections::BTreeMap;
use std::path::PathBuf;

use airlock::corpus::{Rng, ALNUM};
use regex_automata::meta::Regex;

use super::util::{airlock, run, TempDir};

fn corpora(test: &str) -> Option<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {} not found (the corpora are not part of the repository)",
        dir.display()
    );
    None
}

/// Does a setting of this name hold a credential? (This test's own
/// reading of GitLab's and the runner's setting names.)
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    // Settings *about* a credential: where it lives, when it expires, how
    // it is made, whether it is on.
    const ABOUT: &[&str] = &[
        "_file",
        "_path",
        "_dir",
        "_glob",
        "_cron",
        "_enabled",
        "_prefix",
        "_expire",
        "_seconds",
        "_timeout",
        "_duration",
        "_algorithms",
        "_addresses",
        "_command",
        "display_",
        "store_",
        "generate_",
        "hide_server_tokens",
        "_keys_",
        "keyid",
        "token_url",
        "_type",
        "credentialsfile",
        "_method",
        "_verify_",
        "_attribute",
        "ssl_certificate_key",
        "cert_key",
        "client_key",
        "accessid",
        "kms",
        "smime_key",
        "ca_keys",
        "server_tokens",
        "pull_secrets",
    ];
    if ABOUT.iter().any(|w| n.contains(w)) {
        return false;
    }
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "salt",
        "_key",
        "key_base",
        "accesskey",
        "secretkey",
        "accountkey",
        "privatekey",
        "credential",
        "_dsn",
        "encryption_key",
        // An SMTP login and an LDAP bind DN are the other half of a
        // password (GitLab's own list of gitlab.rb secrets names them).
        "smtp_user_name",
        "bind_dn",
        "authorization",
    ];
    SECRET.iter().any(|w| n.contains(w))
}

/// Does a value name a host, an address, a URL, an e-mail address or a
/// home directory (an identifier, expected to become a pseudonym)?
fn identifier_value(v: &str) -> bool {
    static HOST: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let host = HOST.get_or_init(|| {
        Regex::new(r"(?i)[a-z0-9-]+\.[a-z0-9.-]*[a-z]{2,}|\d+\.\d+\.\d+\.\d+|::1|[0-9a-f:]+::")
            .unwrap()
    });
    // A user's home directory names the user.
    let home = v.contains("/home/") || v.contains("/Users/");
    v.contains('@') || v.contains("://") || home || host.is_match(v)
}

/// Is the runner setting at `key` (`/runners[0]/name`) one whose value
/// names a machine whatever it looks like: a runner's name and its SSH
/// executor's host (issue 13: runner names are host names).
fn names_a_host(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("/runners") else {
        return false;
    };
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, r)| r),
        None => rest,
    };
    rest == "/name" || rest == "/ssh/host"
}

/// A generated credential, of several shapes (a password with symbols,
/// base64, hex, a passphrase with blanks).
fn credential(r: &mut Rng, i: usize) -> String {
    match i % 4 {
        0 => format!("Pw{}!{}#x", r.alnum(10), r.below(1000)),
        1 => format!("{}{}", r.string(ALNUM, 38), "=="),
        2 => r.hex(48),
        _ => format!("correct horse {} staple", r.alnum(8).to_lowercase()),
    }
}

/// One filled setting of gitlab.rb: its line number, name and value.
struct Setting {
    line: usize,
    name: String,
    secret: bool,
}

/// gitlab.rb from the template: every commented setting uncommented, every
/// secret setting given a generated value. Returns the text, the generated
/// values and the settings.
fn fill_gitlab_rb(template: &str) -> (String, Vec<String>, Vec<Setting>) {
    // `gitlab_rails['x']['y'] = value`, `'key' => value`, `key: value`.
    let index =
        Regex::new(r#"^(\s*[a-z_]+(?:\[['"]?:?[A-Za-z0-9_]+['"]?\])+\s*=\s*)(.*)$"#).unwrap();
    let hash = Regex::new(r#"^(\s*['"]?:?([A-Za-z0-9_]+)['"]?\s*(?:=>|:)\s*)(.*)$"#).unwrap();
    let last_key = Regex::new(r#"\[['"]?:?([A-Za-z0-9_]+)['"]?\]\s*=\s*$"#).unwrap();
    let mut r = Rng::new(2026);
    let mut out = String::new();
    let mut planted = Vec::new();
    let mut settings = Vec::new();
    for (n, raw) in template.lines().enumerate() {
        // Documentation stays commented; settings are uncommented.
        let line = if raw.starts_with("##") || !raw.starts_with('#') {
            raw.to_string()
        } else {
            raw.strip_prefix("# ")
                .or(raw.strip_prefix('#'))
                .unwrap_or(raw)
                .to_string()
        };
        let split = |re: &Regex, key_group: Option<usize>| {
            let mut caps = re.create_captures();
            re.captures(&line, &mut caps);
            caps.get_match()?;
            let head = &line[caps.get_group(1)?.range()];
            let value = &line[caps.get_group(caps.group_len() - 1)?.range()];
            let name = match key_group {
                Some(g) => line[caps.get_group(g)?.range()].to_string(),
                None => {
                    let mut c2 = last_key.create_captures();
                    last_key.captures(head, &mut c2);
                    head[c2.get_group(1)?.range()].to_string()
                }
            };
            Some((head.to_string(), value.to_string(), name))
        };
        let Some((head, value, name)) = split(&index, None).or_else(|| split(&hash, Some(2)))
        else {
            out.push_str(&line);
            out.push('\n');
            continue;
        };
        // A quoted string or nil can hold a secret; hashes, lists,
        // numbers and switches cannot.
        let v = value.trim_end().trim_end_matches(',');
        let quoted = (v.starts_with('\'') || v.starts_with('"')) && v.len() >= 2;
        // A bare word (`password: PASSWORD` in a YAML block) can hold one
        // too; numbers, switches, hashes and lists cannot.
        let bare = v.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && !matches!(v, "true" | "false")
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        // A list of one string (`'Authorization' => ['token']`) holds one
        // value like a quoted string does.
        let one_listed = v.len() >= 4
            && v.starts_with('[')
            && v.ends_with(']')
            && matches!(v.as_bytes()[1], b'\'' | b'"')
            && v.bytes().filter(|b| *b == v.as_bytes()[1]).count() == 2;
        let fillable = quoted || bare || one_listed;
        // A setting whose example value is a path says where a key lives
        // (`signing_key: '/var/opt/gitlab/gitaly/signing_key.gpg'`).
        let a_path = v.trim_start_matches(['[', '\'', '"']).starts_with('/');
        let secret = secret_name(&name) && fillable && !a_path;
        settings.push(Setting {
            line: n,
            name: name.clone(),
            secret,
        });
        if secret {
            let (open, close) = if one_listed { ("[", "]") } else { ("", "") };
            let q = if v.trim_start_matches('[').starts_with('"') {
                "\""
            } else if quoted || one_listed || v == "nil" {
                "'"
            } else {
                ""
            };
            let mut s = credential(&mut r, planted.len());
            if q.is_empty() {
                s = s.replace(' ', "-");
            }
            out.push_str(&format!("{head}{open}{q}{s}{q}{close}\n"));
            planted.push(s);
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    (out, planted, settings)
}

#[test]
fn filled_gitlab_rb_loses_every_secret_and_keeps_every_other_setting() {
    let Some(dir) = corpora("filled_gitlab_rb_loses_every_secret_and_keeps_every_other_setting")
    else {
        return;
    };
    let template = std::fs::read_to_string(dir.join("omnibus/gitlab.rb.template")).unwrap();
    let (filled, planted, settings) = fill_gitlab_rb(&template);
    let secrets = settings.iter().filter(|s| s.secret).count();
    assert!(
        secrets >= 80,
        "only {secrets} secret settings found: the filler misreads the template"
    );
    let t = TempDir::new("fill-gitlab-rb");
    t.write("in/etc/gitlab/gitlab.rb", &filled);
    run(&t, airlock(&t).args(["redact", "in", "-o", "out"]), None).expect_code(0);
    let out = std::fs::read_to_string(t.path().join("out/etc/gitlab/gitlab.rb")).unwrap();
    let survivors: Vec<&str> = out
        .lines()
        .filter(|l| planted.iter().any(|p| l.contains(p.as_str())))
        .collect();
    assert!(
        survivors.is_empty(),
        "{} of {} secrets survive: {survivors:?}",
        survivors.len(),
        planted.len()
    );
    let (ins, outs): (Vec<&str>, Vec<&str>) = (filled.lines().collect(), out.lines().collect());
    assert_eq!(ins.len(), outs.len(), "line count");
    let mut changed = Vec::new();
    let mut renamed = Vec::new();
    for s in settings.iter().filter(|s| !s.secret) {
        let (a, b) = (ins[s.line], outs[s.line]);
        if a == b {
            continue;
        }
        if !b.contains(&s.name) {
            renamed.push(format!("{}: {a:?} -> {b:?}", s.line + 1));
        } else if !identifier_value(a) {
            changed.push(format!("{}: {a:?} -> {b:?}", s.line + 1));
        }
    }
    assert!(
        renamed.is_empty(),
        "setting names changed:\n{}",
        renamed.join("\n")
    );
    assert!(
        changed.is_empty(),
        "{} non-secret settings changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
}

/// The ```toml blocks of the runner's configuration reference.
fn toml_blocks(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        let t = line.trim_start();
        match &mut cur {
            None if t.starts_with("```toml") => cur = Some(String::new()),
            Some(b) if t.starts_with("```") => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

/// `path → (type, value if a string)` of every leaf of a TOML document.
fn toml_leaves(
    v: &toml::Value,
    path: String,
    out: &mut BTreeMap<String, (String, Option<String>)>,
) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                toml_leaves(x, format!("{path}/{k}"), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                toml_leaves(x, format!("{path}[{i}]"), out);
            }
        }
        toml::Value::String(s) => {
            out.insert(path, ("string".into(), Some(s.clone())));
        }
        other => {
            out.insert(path, (other.type_str().into(), None));
        }
    }
}

/// Give every secret key of a parsed runner config a generated value;
/// `name=value` list entries (MachineOptions, environment) with a secret
/// name too.
fn fill_runner(v: &mut toml::Value, key: &str, r: &mut Rng, planted: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t.iter_mut() {
                fill_runner(x, k, r, planted);
            }
        }
        toml::Value::Array(a) => {
            for x in a.iter_mut() {
                match x {
                    toml::Value::String(s) if s.contains('=') => {
                        let (name, _) = s.split_once('=').unwrap();
                        if secret_name(&name.replace('-', "_")) {
                            let c = credential(r, planted.len()).replace(' ', "-");
                            *s = format!("{name}={c}");
                            planted.push(c);
                        }
                    }
                    other => fill_runner(other, key, r, planted),
                }
            }
        }
        toml::Value::String(s) if secret_name(key) => {
            let c = credential(r, planted.len());
            *s = c.clone();
            planted.push(c);
        }
        _ => {}
    }
}

#[test]
fn filled_runner_configs_lose_every_secret_and_keep_every_other_value() {
    let Some(dir) = corpora("filled_runner_configs_lose_every_secret_and_keep_every_other_value")
    else {
        return;
    };
    let doc = std::fs::read_to_string(dir.join("runner/advanced-configuration.md")).unwrap();
    let mut blocks = toml_blocks(&doc);
    blocks.push(std::fs::read_to_string(dir.join("runner/config.toml.example")).unwrap());
    let mut r = Rng::new(7);
    let t = TempDir::new("fill-runner");
    let mut cases = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let Ok(mut v) = toml::from_str::<toml::Table>(b).map(toml::Value::Table) else {
            continue; // documentation fragments that are not whole TOML
        };
        let mut planted = Vec::new();
        fill_runner(&mut v, "", &mut r, &mut planted);
        let text = toml::to_string(&v).unwrap();
        let name = format!("runner-{i:02}/config.toml");
        t.write(&format!("in/{name}"), &text);
        cases.push((name, v, planted));
    }
    let total: usize = cases.iter().map(|c| c.2.len()).sum();
    assert!(
        cases.len() >= 25 && total >= 15,
        "{} configs, {total} secrets: the filler misreads the reference",
        cases.len()
    );
    run(&t, airlock(&t).args(["redact", "in", "-o", "out"]), None).expect_code(0);
    let mut problems = Vec::new();
    for (name, before, planted) in &cases {
        let text = std::fs::read_to_string(t.path().join("out").join(name)).unwrap();
        for p in planted {
            if text.contains(p.as_str()) {
                problems.push(format!("{name}: secret {p:?} survives"));
            }
        }
        let after: toml::Value = match toml::from_str::<toml::Table>(&text) {
            Ok(v) => toml::Value::Table(v),
            Err(e) => {
                problems.push(format!("{name}: no longer TOML: {e}"));
                continue;
            }
        };
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        toml_leaves(before, String::new(), &mut a);
        toml_leaves(&after, String::new(), &mut b);
        if a.keys().collect::<Vec<_>>() != b.keys().collect::<Vec<_>>() {
            problems.push(format!("{name}: keys changed"));
            continue;
        }
        for (k, (ty, v)) in &a {
            let (ty2, v2) = &b[k];
            if ty != ty2 {
                problems.push(format!("{name}: {k}: {ty} became {ty2}"));
            }
            let secret = v
                .as_ref()
                .is_some_and(|v| planted.iter().any(|p| v.contains(p.as_str())));
            if !secret && v != v2 && !v.as_deref().is_some_and(identifier_value) && !names_a_host(k)
            {
                problems.push(format!("{name}: {k}: {v:?} changed to {v2:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
