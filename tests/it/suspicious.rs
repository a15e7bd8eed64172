//! The independent detector (issue 12 item 6), seen from the command line:
//! `scan --suspicious` lists a random-looking credential that no rule
//! knows, by place and kind and never by value; `verify` fails on it and
//! `redact` masks it in a second attempt; and the known-safe shapes beside it (commit
//! SHAs, digests, ULIDs, UUIDs, airlock's own pseudonyms) raise no alarm:
//! without the planted value the same input redacts and verifies clean.

use airlock::corpus::Rng;

use super::util::{airlock, run, TempDir};

/// A value no rule's keyword is in front of, and the safe shapes.
fn lines(r: &mut Rng, planted: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(v) = planted {
        out.push_str(&format!(
            "2026-12-01T10:00:00Z acmectl login --sig {v} ok\n"
        ));
    }
    out.push_str(&format!(
        "commit_sha={} image=registry.example.com/app@sha256:{} correlation_id={} job_key_id={}-{}-4{}-8{}-{}\n",
        r.hex(40),
        r.hex(64),
        r.ulid(),
        r.hex(8),
        r.hex(4),
        r.hex(3),
        r.hex(3),
        r.hex(12)
    ));
    out.push_str(&format!(
        "{{\"remote_ip\":\"{}\",\"username\":\"{}\",\"correlation_id\":\"{}\"}}\n",
        r.ipv4(),
        r.username(),
        r.correlation_id()
    ));
    out
}

/// A random value the detector must see: mixed case and digits, 24 long.
fn planted(r: &mut Rng) -> String {
    loop {
        let v = r.alnum(24);
        let has = |f: fn(&u8) -> bool| v.as_bytes().iter().any(f);
        if has(u8::is_ascii_digit) && has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) {
            return v;
        }
    }
}

#[test]
fn scan_suspicious_lists_what_no_rule_knows_without_its_value() {
    let dir = TempDir::new("suspicious-scan");
    let mut r = Rng::new(12);
    let v = planted(&mut r);
    dir.write("in/app.log", lines(&mut r, Some(&v)));

    // The rules alone do not see it: that is the point.
    let plain = run(&dir, airlock(&dir).args(["scan", "in"]), None);
    assert!(
        !plain.stdout.contains("app.log:1:"),
        "a rule now finds the planted value; pick a context no rule knows\n{}",
        plain.describe()
    );

    for format in ["text", "json"] {
        let res = run(
            &dir,
            airlock(&dir).args(["scan", "--suspicious", "--format", format, "in"]),
            None,
        )
        .expect_code(1);
        assert!(
            !res.stdout.contains(&v),
            "the value is printed\n{}",
            res.describe()
        );
        assert!(
            !res.stderr.contains(&v),
            "the value is printed\n{}",
            res.describe()
        );
        let listed: Vec<&str> = res
            .stdout
            .lines()
            .filter(|l| l.contains("suspicious"))
            .collect();
        match format {
            "text" => {
                assert_eq!(listed.len(), 1, "one candidate\n{}", res.describe());
                assert!(
                    listed[0].starts_with("in/app.log:1:42-66: suspicious [credential]"),
                    "place and kind\n{}",
                    res.describe()
                );
            }
            _ => {
                let v: serde_json::Value = serde_json::from_str(&res.stdout).unwrap();
                let sus: Vec<&serde_json::Value> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["rule"] == "suspicious")
                    .collect();
                assert_eq!(sus.len(), 1, "{}", res.describe());
                assert_eq!(sus[0]["line"], 1);
                assert_eq!(sus[0]["length"], 24);
            }
        }
    }
}

#[test]
fn verify_flags_an_unknown_credential_and_passes_safe_shapes() {
    let dir = TempDir::new("suspicious-verify");
    let mut r = Rng::new(7);
    let v = planted(&mut r);
    let text = lines(&mut r, Some(&v));
    dir.write("bad/app.log", &text);

    // verify on the raw file fails on it, naming place and kind only.
    let res = run(&dir, airlock(&dir).args(["verify", "bad"]), None);
    assert_ne!(res.code, 0, "{}", res.describe());
    assert!(
        res.stdout.contains("app.log:1:42: suspicious"),
        "{}",
        res.describe()
    );
    assert!(
        !res.stdout.contains(&v) && !res.stderr.contains(&v),
        "{}",
        res.describe()
    );

    // No rule masks it, so the first redaction leaves it and verification
    // flags it; rather than refuse the bundle, redaction masks what the
    // detector saw in a second attempt, and says so (without the value).
    let res = run(
        &dir,
        airlock(&dir).args(["redact", "bad", "-o", "bad-out"]),
        None,
    )
    .expect_code(0);
    assert!(
        res.stderr.contains("redacting again") && res.stderr.contains("1 random-looking value"),
        "{}",
        res.describe()
    );
    assert!(!res.stderr.contains(&v), "{}", res.describe());
    let out = std::fs::read_to_string(dir.path().join("bad-out/app.log")).unwrap();
    assert!(!out.contains(&v), "the value survived\n{out}");
    assert!(
        out.contains("--sig [REDACTED:suspicious/"),
        "masked where it stood\n{out}"
    );
    run(&dir, airlock(&dir).args(["verify", "bad-out"]), None).expect_code(0);

    // The same lines without it: SHAs, digests, ULIDs, UUIDs, addresses
    // and user names; redaction writes pseudonyms, and verification of
    // the output passes (no false alarm on either).
    let mut r = Rng::new(7);
    let _ = planted(&mut r);
    let mut clean = String::new();
    for _ in 0..50 {
        clean.push_str(&lines(&mut r, None));
    }
    dir.write("good/app.log", &clean);
    run(
        &dir,
        airlock(&dir).args(["redact", "good", "-o", "good-out"]),
        None,
    )
    .expect_code(0);
    run(&dir, airlock(&dir).args(["verify", "good-out"]), None).expect_code(0);
    let res = run(
        &dir,
        airlock(&dir).args(["scan", "--suspicious", "good-out"]),
        None,
    );
    assert!(
        !res.stdout.contains("suspicious"),
        "a false alarm on redacted output\n{}",
        res.describe()
    );
}
