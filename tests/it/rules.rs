//! Rules as data: the built-in packs pass their own checks, and broken
//! rules files fail with a location and the rule id.

use airlock::detect::Engine;
use airlock::rules::{check, RuleError, RuleSet};

use super::util::{airlock, run, TempDir};

#[test]
fn builtin_packs_pass_rules_check() {
    let set = RuleSet::builtin().unwrap();
    let failures = check::check(&set);
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(set.rules().len() >= 50);
}

#[test]
fn rules_check_command_on_builtin_and_rules_dir_exits_0() {
    let dir = TempDir::new("rules-check");
    let rules_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let r = run(&dir, airlock(&dir).args(["rules", "check"]), None).expect_code(0);
    assert!(r.stderr.contains("ok:"), "{}", r.describe());
    // The same files loaded as a user directory, without the embedded copy.
    run(
        &dir,
        airlock(&dir).args(["rules", "check", "--no-builtin", "--rules", rules_dir]),
        None,
    )
    .expect_code(0);
}

#[test]
fn builtin_ids_are_unique_and_every_rule_has_examples() {
    let set = RuleSet::builtin().unwrap();
    let mut ids: Vec<_> = set.rules().iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(n, ids.len());
    for r in set.rules() {
        assert!(!r.examples.is_empty(), "{} has no examples", r.id);
        assert!(
            !r.negative_examples.is_empty(),
            "{} has no negative examples",
            r.id
        );
    }
}

fn load_text(text: &str) -> Result<RuleSet, RuleError> {
    let mut set = RuleSet::builtin().unwrap();
    set.add_pack_text("user.toml", "user.toml", text)?;
    Ok(set)
}

fn err_text(text: &str) -> String {
    load_text(text).expect_err("should be rejected").to_string()
}

const GOOD: &str = r#"
[[rules]]
id = "acme_key"
description = "ACME internal API key"
category = "credential"
pattern = '''acme_(?P<secret>[a-z0-9]{16})'''
keywords = ["acme_"]
examples = ["key=acme_0123456789abcdef"]
negative_examples = ["acme_short"]
"#;

#[test]
fn user_pack_adds_a_rule_that_scan_uses() {
    let dir = TempDir::new("user-pack");
    dir.write("acme.toml", GOOD);
    dir.write("log.txt", "deploy with key=acme_0123456789abcdef done\n");
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "--rules", "acme.toml", "log.txt"]),
        None,
    )
    .expect_code(1);
    assert!(
        r.stdout
            .contains("log.txt:1:22-38: acme_key [credential] acme_…[16 chars]"),
        "{}",
        r.describe()
    );
    assert!(!r.stdout.contains("0123456789abcdef"));
}

#[test]
fn unknown_key_is_an_error_with_file_line_and_column() {
    let text = GOOD.replace("keywords =", "keyword =");
    let e = err_text(&text);
    assert!(e.starts_with("user.toml:7:1: "), "{e}");
    assert!(e.contains("unknown field `keyword`"), "{e}");
}

#[test]
fn an_example_table_takes_only_text_and_secret() {
    let good = GOOD.replace(
        r#"examples = ["key=acme_0123456789abcdef"]"#,
        r#"examples = [{ text = "key=acme_0123456789abcdef", secret = "0123456789abcdef" }]"#,
    );
    assert!(load_text(&good).is_ok());
    // `path` looks as if it placed the example in a file; it never did.
    let text = good.replace(
        r#"secret = "0123456789abcdef" }"#,
        r#"secret = "0123456789abcdef", path = "x.log" }"#,
    );
    let e = err_text(&text);
    assert!(e.starts_with("user.toml:8:"), "{e}");
    assert!(e.contains("no other key"), "{e}");
}

#[test]
fn bad_regex_names_file_line_column_and_rule() {
    let text = GOOD.replace("[a-z0-9]{16}", "[a-z0-9{16}");
    let set = load_text(&text).unwrap();
    let e = Engine::new(&set).unwrap_err().to_string();
    assert!(e.starts_with("user.toml:6:11: rule acme_key: "), "{e}");
}

#[test]
fn pattern_matching_empty_text_is_rejected() {
    let text = GOOD.replace("acme_(?P<secret>[a-z0-9]{16})", "(?P<secret>x*)");
    let set = load_text(&text).unwrap();
    let e = Engine::new(&set).unwrap_err().to_string();
    assert!(e.contains("empty string"), "{e}");
}

#[test]
fn unicode_classes_are_rejected_so_the_dfa_never_gives_up() {
    let text = GOOD.replace("[a-z0-9]{16}", r"\p{Greek}{16}");
    let set = load_text(&text).unwrap();
    assert!(Engine::new(&set).is_err());
}

#[test]
fn duplicate_id_needs_override_and_override_replaces() {
    let dup = GOOD.replace("acme_key", "gitlab_pat");
    let e = err_text(&dup);
    assert!(
        e.contains("rule gitlab_pat: id is already defined at rules/gitlab.toml:"),
        "{e}"
    );
    assert!(e.contains("override = true"), "{e}");

    let over = dup.replace("category = ", "override = true\ncategory = ");
    let set = load_text(&over).unwrap();
    let r = set.get("gitlab_pat").unwrap();
    assert_eq!(r.description, "ACME internal API key");
    assert_eq!(
        set.rules().iter().filter(|r| r.id == "gitlab_pat").count(),
        1
    );
}

#[test]
fn override_without_a_rule_to_replace_is_an_error() {
    let text = GOOD.replace("category = ", "override = true\ncategory = ");
    assert!(err_text(&text).contains("no earlier pack defines this id"));
}

#[test]
fn disable_removes_a_builtin_rule_and_rejects_unknown_ids() {
    let set = load_text("disable = [\"ipv4\"]\n").unwrap();
    assert!(set.get("ipv4").is_none());
    let engine = Engine::new(&set).unwrap();
    assert!(engine.find_all(None, b"remote_ip 10.1.2.3\n").is_empty());

    let e = err_text("disable = [\"ipv5\"]\n");
    assert!(e.starts_with("user.toml:1:12: rule ipv5:"), "{e}");
}

#[test]
fn duplicate_id_in_one_file_is_an_error() {
    let text = format!("{GOOD}\n{GOOD}");
    assert!(err_text(&text).contains("id is used twice in this file"));
}

#[test]
fn rules_check_reports_failing_examples_and_exits_1() {
    let dir = TempDir::new("rules-check-fail");
    let text = GOOD
        .replace(
            r#"examples = ["key=acme_0123456789abcdef"]"#,
            r#"examples = ["key=acme_0123"]"#,
        )
        .replace(
            r#"negative_examples = ["acme_short"]"#,
            r#"negative_examples = ["acme_0123456789abcdefXYZ"]"#,
        );
    dir.write("bad.toml", text);
    let r = run(
        &dir,
        airlock(&dir).args(["rules", "check", "--no-builtin", "--rules", "bad.toml"]),
        None,
    )
    .expect_code(1);
    assert!(
        r.stderr
            .contains("bad.toml:8:13: rule acme_key: example 1 is not matched"),
        "{}",
        r.describe()
    );
    assert!(
        r.stderr
            .contains("bad.toml:9:22: rule acme_key: negative example 1 matched"),
        "{}",
        r.describe()
    );
}

#[test]
fn rules_check_catches_a_tail_left_in_clear() {
    // A fixed-length token rule on a longer (routable) token leaves a tail.
    let text = GOOD.replace("[a-z0-9]{16}", "[a-z0-9]{8}").replace(
        r#"examples = ["key=acme_0123456789abcdef"]"#,
        r#"examples = [{ text = "key=acme_0123456789abcdef", secret = "0123456789abcdef" }]"#,
    );
    let set = load_text(&text).unwrap();
    let failures = check::check_rule(set.get("acme_key").unwrap());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].msg.contains("not fully covered"),
        "{}",
        failures[0]
    );
}

#[test]
fn rules_list_shows_id_category_and_source() {
    let dir = TempDir::new("rules-list");
    let r = run(&dir, airlock(&dir).args(["rules", "list"]), None).expect_code(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("gitlab_pat "))
        .expect("gitlab_pat listed");
    assert!(
        line.contains("credential") && line.contains("builtin:gitlab.toml"),
        "{line}"
    );
    let r = run(&dir, airlock(&dir).args(["rules", "list", "--json"]), None).expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "ipv4" && r["category"] == "network"));
}

/// Every built-in example, alone and with its token as the value of the
/// generic contexts a log or an env dump puts around it, redacts to text in
/// which no rule finds anything but airlock's own masks and pseudonyms.
///
/// This is what ties a rule's `keywords` to the prefix it keeps readable:
/// when a context rule (`api_key=…`) spans a kept prefix and the mask after
/// it (`api_key=dt0c01.[REDACTED:…]`), verification accepts the prefix only
/// if it is a keyword of some rule. A prefix that is not would make
/// `airlock redact` refuse a bundle it has just made safe.
#[test]
fn redacted_examples_hold_nothing_but_masks_even_in_generic_contexts() {
    use airlock::redact::{is_own_at, Counts, Key, Pseudonymizer, Redactor};

    let set = RuleSet::builtin().unwrap();
    let r = Redactor::new(
        Engine::new(&set).unwrap(),
        Pseudonymizer::new(Key::from_bytes([7; 32])),
    );
    let e = Engine::new(&set).unwrap();
    let mut texts = Vec::new();
    for rule in set.rules() {
        for ex in &rule.examples {
            let text = ex.spec.text();
            texts.push((rule.id.clone(), text.to_string()));
            let Some(secret) = ex.spec.secret() else {
                continue;
            };
            // The token around the secret: the run of characters that are
            // neither blank nor quotes nor separators.
            let at = text.find(secret).unwrap();
            let edge = |c: char| c.is_whitespace() || "\"'`,;=()[]{}<>|".contains(c);
            let start = text[..at].rfind(edge).map_or(0, |i| i + 1);
            let end = text[at..].find(edge).map_or(text.len(), |i| at + i);
            let token = &text[start..end];
            for wrapped in [
                format!("API_KEY={token}"),
                format!("export SOME_TOKEN=\"{token}\""),
                format!("{{\"password\":\"{token}\",\"user\":\"ci\"}}"),
                format!("Authorization: Bearer {token}"),
                format!("secret: '{token}'"),
            ] {
                texts.push((rule.id.clone(), wrapped));
            }
        }
    }
    let mut problems = Vec::new();
    for (id, text) in &texts {
        let out = r.redact_bytes(None, text.as_bytes(), &mut Counts::default());
        for f in e.find_all(None, &out) {
            if !is_own_at(&e, f.rule, &out, f.start, f.end) {
                problems.push(format!(
                    "{id}: {} still finds {:?} in {:?}",
                    e.rule(f.rule).id,
                    String::from_utf8_lossy(&out[f.start..f.end]),
                    String::from_utf8_lossy(&out)
                ));
            }
        }
    }
    assert!(texts.len() > 1000, "{} texts", texts.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every built-in example's secret is gone after redaction by the **whole**
/// built-in set, as `redact` runs it (learn, then redact), not only by its
/// rule alone (`rules check`): in the union search a neighbour whose match
/// starts at the same byte, or whose secret ends after this rule's match
/// starts, can hide it (two SNMPv3 passphrases on one `createUser` line; an
/// `/etc/passwd` user and its GECOS name).
#[test]
fn every_example_secret_is_redacted_by_the_whole_builtin_set() {
    use airlock::redact::learn::Learner;
    use airlock::redact::{pseudo, Counts, Key, Pseudonymizer, Redactor};
    use std::path::PathBuf;

    let set = RuleSet::builtin().unwrap();
    // (rule id, kind, path the rule's globs take, text, secret)
    let mut cases = Vec::new();
    for rule in set.rules() {
        // `*sasl_passwd*` → `x/xsasl_passwdx`, `**/config.toml` → `x/config.toml`.
        let path = rule
            .paths
            .first()
            .map(|g| PathBuf::from(format!("x/{}", g.replace("**/", "").replace('*', "x"))));
        for ex in &rule.examples {
            if let Some(secret) = ex.spec.secret() {
                cases.push((&rule.id, &rule.kind, path.clone(), ex.spec.text(), secret));
            }
        }
    }
    let learner = Learner::new(&set).unwrap();
    for (_, _, path, text, _) in &cases {
        learner
            .learn_bytes(path.as_deref(), text.as_bytes())
            .unwrap();
    }
    let pseudo = Pseudonymizer::new(Key::from_bytes([9; 32]));
    let learned = learner.into_identity().learned_values(&pseudo);
    let r = Redactor::new(Engine::with_learned(&set, &learned).unwrap(), pseudo);
    let mut problems = Vec::new();
    let mut checked = 0;
    for (id, kind, path, text, secret) in &cases {
        // An example of how airlock's own pseudonyms are kept.
        if pseudo::is_own(kind, secret) {
            continue;
        }
        let out = r.redact_bytes(path.as_deref(), text.as_bytes(), &mut Counts::default());
        checked += 1;
        if String::from_utf8_lossy(&out).contains(*secret) {
            problems.push(format!(
                "{id}: {secret:?} survives in {:?}",
                String::from_utf8_lossy(&out)
            ));
        }
    }
    assert!(checked > 500, "{checked} examples");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
