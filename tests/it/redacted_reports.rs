//! The support engineer's loop: the customer redacts, the engineer runs the
//! reports on the redacted bundle (without the key, without `--raw`) and
//! greps the bundle for what the reports name. Every user, host, address,
//! MAC and mask a report prints must be found in the redacted bundle's text.

use std::collections::BTreeSet;

use airlock::corpus::logs::gitlab_bundle;
use serde_json::Value;

use super::bundle_gen::{flatten_dir, tar_gz};
use super::util::{airlock, run, TempDir};

const ROOT: &str = "gitlabsos.gitlab01_20261120134410";
const BASE32: &str = "abcdefghijklmnopqrstuvwxyz234567";

/// A name airlock writes, by its shape: (what it is, the name).
type Name = (&'static str, String);

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `prefix-` + 8 base32 characters, standing as a word at `i`.
fn own_word(t: &[u8], i: usize, prefix: &str) -> Option<usize> {
    let p = prefix.as_bytes();
    if !t[i..].starts_with(p) || (i > 0 && is_word(t[i - 1])) {
        return None;
    }
    let h = t.get(i + p.len()..i + p.len() + 8)?;
    let end = i + p.len() + 8;
    (h.iter().all(|b| BASE32.as_bytes().contains(b)) && t.get(end).is_none_or(|b| !is_word(*b)))
        .then_some(end)
}

/// Every pseudonym-shaped name and mask in `text`, written by an independent
/// reading of the shapes the README documents.
fn names_in(text: &str) -> BTreeSet<Name> {
    let t = text.as_bytes();
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("[REDACTED:") {
        if let Some(len) = text[i..].find(']') {
            out.insert(("mask", text[i..=i + len].to_string()));
        }
    }
    for i in 0..t.len() {
        for (kind, prefix) in [("user", "user-"), ("name", "name-"), ("host", "h-")] {
            if let Some(end) = own_word(t, i, prefix) {
                out.insert((kind, text[i..end].to_string()));
            }
        }
        // `d-<hash>.example` and the whole host name in front of it.
        if let Some(end) = own_word(t, i, "d-") {
            if text[end..].starts_with(".example") {
                let mut start = i;
                while start > 0 && (is_word(t[start - 1]) || matches!(t[start - 1], b'.' | b'-')) {
                    start -= 1;
                }
                let host = text[start..end + 8].trim_start_matches(['.', '-']);
                out.insert(("host", host.to_string()));
            }
        }
    }
    // Addresses: maximal runs of address characters that parse as one
    // (an `ip:port` loses its port first).
    for tok in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ':')) {
        let tok = tok.trim_matches(|c| c == '.' || c == ':');
        let candidates = [Some(tok), tok.rsplit_once(':').map(|(a, _)| a)];
        for c in candidates.into_iter().flatten() {
            if let Ok(ip) = c.parse::<std::net::IpAddr>() {
                out.insert(("address", ip.to_string()));
                break;
            }
        }
        if tok.len() == 17 && tok.to_ascii_lowercase().starts_with("02:a1:7c:") {
            out.insert(("mac", tok.to_string()));
        }
    }
    out
}

#[test]
fn name_shapes_are_recognised() {
    let t = "user-abcdefgh at h-bcdefghi.d-cdefghij.example:8080 from 243.1.2.3:5123 \
             [REDACTED:gitlab_pat/0a1b2c] xuser-abcdefgh user-abc 02:a1:7c:00:11:22 fec0::1";
    let got: Vec<String> = names_in(t)
        .into_iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    assert_eq!(
        got,
        [
            "address 243.1.2.3",
            "address fec0::1",
            "host h-bcdefghi",
            "host h-bcdefghi.d-cdefghij.example",
            "mac 02:a1:7c:00:11:22",
            "mask [REDACTED:gitlab_pat/0a1b2c]",
            "user user-abcdefgh",
        ]
    );
}

/// Redact a generated bundle (as the customer does), then run every report
/// on the result without `--raw` or a key.
#[test]
fn reports_of_a_redacted_bundle_name_what_grep_finds_in_it() {
    let dir = TempDir::new("redacted-reports");
    let b = gitlab_bundle(23, 400);
    let entries: Vec<(String, Vec<u8>)> = b
        .files
        .iter()
        .map(|(p, d)| (format!("{ROOT}/{p}"), d.clone()))
        .collect();
    dir.write(&format!("{ROOT}.tar.gz"), tar_gz(&entries));
    run(
        &dir,
        airlock(&dir).args(["redact", &format!("{ROOT}.tar.gz"), "-o", "clean.tar.gz"]),
        None,
    )
    .expect_code(0);
    dir.write(
        "unpacked/clean.tar.gz",
        std::fs::read(dir.path().join("clean.tar.gz")).unwrap(),
    );
    let bundle: String = flatten_dir(&dir.path().join("unpacked"))
        .into_iter()
        .map(|(n, d)| format!("{n}\n{}\n", String::from_utf8_lossy(&d)))
        .collect();
    for s in &b.secrets {
        assert!(!bundle.contains(s.as_str()), "redaction left {s}");
    }

    let mut printed: BTreeSet<Name> = BTreeSet::new();
    for cmd in [
        vec!["summary"],
        vec!["top"],
        vec!["errors"],
        vec!["trace", b.trace_id.as_str()],
    ] {
        for format in ["text", "json", "markdown", "html"] {
            let mut args = cmd.clone();
            args.extend(["clean.tar.gz", "--limit", "0", "--format", format]);
            let r = run(&dir, airlock(&dir).args(&args), None).expect_code(0);
            if format == "json" {
                let v: Value = serde_json::from_str(&r.stdout).unwrap();
                assert_eq!(v["input_names"]["redacted_bundle"], true, "{args:?}");
                assert_eq!(v["redacted"], true, "{args:?}");
            }
            if format == "text" {
                assert!(
                    r.stdout.contains("bundle redacted by airlock"),
                    "the header does not say so: {}",
                    r.describe()
                );
            }
            // What a reader sees: Markdown escapes `_` and `*` with `\`;
            // HTML offers line breaks with `<wbr>`.
            let shown = match format {
                "markdown" => r.stdout.replace("\\_", "_").replace("\\*", "*"),
                "html" => r.stdout.replace("<wbr>", ""),
                _ => r.stdout.clone(),
            };
            let names = names_in(&shown);
            for (kind, name) in &names {
                assert!(
                    bundle.contains(name.as_str()),
                    "{args:?} prints {kind} {name}, which is not in the redacted bundle"
                );
            }
            printed.extend(names);
        }
    }
    // The reports did name things (the check above can fail): the six
    // users and six client addresses of the generated bundle, a host, masks.
    let count = |k: &str| printed.iter().filter(|(kind, _)| *kind == k).count();
    assert!(count("user") >= 6, "{printed:?}");
    assert!(count("address") >= 6, "{printed:?}");
    assert!(count("host") >= 1, "{printed:?}");
    assert!(count("mask") >= 1, "{printed:?}");

    // The same reports of the original bundle do not call it redacted.
    dir.write(&format!("orig/{ROOT}.tar.gz"), tar_gz(&entries));
    let r = run(
        &dir,
        airlock(&dir).args(["top", &format!("orig/{ROOT}.tar.gz"), "--format", "json"]),
        None,
    )
    .expect_code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["input_names"]["redacted_bundle"],
        false,
        "{}",
        r.describe()
    );
    assert_eq!(v["input_names"]["pseudonyms"], 0, "{}", r.describe());
}
