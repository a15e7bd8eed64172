//! A credential found beside its key is masked wherever else it stands
//! (`redact::secrets`): the same password alone in a process list, a pasted
//! ticket and a console's output, where no rule can tell it from a word.
//! Verification searches the output for it; redaction runs again with it
//! searched everywhere; every occurrence gets the mask it got beside its
//! key. Weak values (`production`) are not spread: the word stays where it
//! is a word.

use airlock::corpus::Rng;

use super::util::{airlock, run, TempDir};

/// A password that mixes letters and digits, as a generated one does.
fn password(r: &mut Rng) -> String {
    loop {
        let v = r.alnum(18);
        let has = |f: fn(&u8) -> bool| v.as_bytes().iter().any(f);
        if has(u8::is_ascii_digit) && has(u8::is_ascii_alphabetic) {
            return v;
        }
    }
}

fn bundle(dir: &TempDir, pw: &str, weak: &str) {
    dir.write(
        "in/etc/gitlab/gitlab.rb",
        format!(
            "external_url 'https://gitlab.example.com'\n\
             gitlab_rails['db_password'] = \"{pw}\"\n\
             gitlab_rails['redis_password'] = \"{weak}\"\n"
        ),
    );
    dir.write(
        "in/commands/ps",
        format!(
            "git       4242  0.1  /opt/app/bin/sync {pw} --serve\n\
             git       4243  0.0  env RAILS_ENV={weak} /opt/gitlab/bin/puma\n"
        ),
    );
    dir.write(
        "in/ticket.md",
        format!("We reset it to `{pw}` and restarted.\n({pw})\n"),
    );
}

/// The mask of `gitlab.rb`'s `db_password` line.
fn mask_in_config(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains("db_password"))
        .expect("the setting stays");
    let start = line.find("[REDACTED:").expect("masked beside its key");
    let end = start + line[start..].find(']').unwrap() + 1;
    line[start..end].to_string()
}

#[test]
fn a_credential_found_beside_its_key_is_masked_wherever_else_it_stands() {
    let dir = TempDir::new("spread");
    let mut r = Rng::new(41);
    let pw = password(&mut r);
    bundle(&dir, &pw, "production");
    let key = dir.path().join("k.key");
    let key = key.to_str().unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out = format!("out-j{jobs}");
        let res = run(
            &dir,
            airlock(&dir).args([
                "redact",
                "in",
                "-o",
                &out,
                "--key-file",
                key,
                "--jobs",
                jobs,
            ]),
            None,
        )
        .expect_code(0);
        assert!(
            res.stderr.contains("redacting again")
                && res.stderr.contains("stand alone in 3 place(s)"),
            "{}",
            res.describe()
        );
        assert!(!res.stderr.contains(&pw), "{}", res.describe());
        let read = |rel: &str| std::fs::read_to_string(dir.path().join(&out).join(rel)).unwrap();
        let (config, ps, ticket) = (
            read("etc/gitlab/gitlab.rb"),
            read("commands/ps"),
            read("ticket.md"),
        );
        for (name, text) in [("gitlab.rb", &config), ("ps", &ps), ("ticket.md", &ticket)] {
            assert!(!text.contains(&pw), "{name} keeps the password\n{text}");
        }
        // The same mask everywhere: support sees it is one password.
        let mask = mask_in_config(&config);
        assert!(ps.contains(&format!("sync {mask} --serve")), "{mask}\n{ps}");
        assert_eq!(ticket.matches(&mask).count(), 2, "{mask}\n{ticket}");
        // A weak value is masked beside its key only.
        assert!(!config.contains("\"production\""), "{config}");
        assert!(ps.contains("RAILS_ENV=production"), "{ps}");
        run(&dir, airlock(&dir).args(["verify", &out]), None).expect_code(0);
        outputs.push((config, ps, ticket));
    }
    assert_eq!(outputs[0], outputs[1], "--jobs changed the output");
}

#[test]
fn a_bundle_without_a_credential_elsewhere_is_redacted_once() {
    let dir = TempDir::new("spread-once");
    let mut r = Rng::new(42);
    let pw = password(&mut r);
    dir.write(
        "in/etc/gitlab/gitlab.rb",
        format!("gitlab_rails['db_password'] = \"{pw}\"\n"),
    );
    dir.write("in/commands/ps", "git  4242  /opt/gitlab/bin/puma\n");
    let res = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--report", "r.json"]),
        None,
    )
    .expect_code(0);
    assert!(
        !res.stderr.contains("redacting again"),
        "{}",
        res.describe()
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let redact_passes = report["passes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["pass"] == "redact")
        .count();
    assert_eq!(redact_passes, 1, "{report}");
}
