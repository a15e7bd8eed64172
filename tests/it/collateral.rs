//! Collateral (issue 13 item 5): what airlock must *not* rewrite.
//!
//! Over-redaction is a failure of its own: a bundle whose setting names,
//! doc URLs and component paths were rewritten is useless to support. The
//! judgement here is this file's own (byte comparisons of input and output,
//! its own reading of what a setting, a URL and an omnibus path are), never
//! airlock's engine.

use regex_automata::meta::Regex;

use super::util::{airlock, run, TempDir};

/// The customer's domain in the filled template.
const DOMAIN: &str = "northwind-labs.us";
/// Customer hosts named after GitLab components.
const WORD_HOSTS: &[&str] = &["mattermost", "registry", "pages"];

fn corpora(test: &str) -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    super::util::skip(
        test,
        "../shared/corpora not found (not part of the repository)",
    );
    None
}

/// gitlab.rb from the template: settings uncommented, documentation
/// (`##`) kept as comments, the placeholder hosts of settings
/// (`mattermost.example.com`, …) made the customer's.
fn fill(template: &str) -> String {
    let hosts = Regex::new(r"\b(gitlab|mattermost|registry|pages)\.example\.com").unwrap();
    let mut out = String::new();
    for raw in template.lines() {
        let line = if raw.starts_with("##") || !raw.starts_with('#') {
            raw.to_string()
        } else {
            raw.strip_prefix("# ")
                .or(raw.strip_prefix('#'))
                .unwrap_or(raw)
                .to_string()
        };
        let line = if line.trim_start().starts_with('#') {
            line
        } else {
            let line = line.replace(
                "GENERATED_EXTERNAL_URL",
                &format!("https://gitlab.{DOMAIN}"),
            );
            let mut s = String::new();
            let mut last = 0;
            for m in hosts.find_iter(&line) {
                let word = line[m.range()].split('.').next().unwrap();
                s.push_str(&line[last..m.start()]);
                s.push_str(&format!("{word}.{DOMAIN}"));
                last = m.end();
            }
            s.push_str(&line[last..]);
            s
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The comment part of a line (after a `#` outside quotes), if any.
fn comment(line: &str) -> Option<&str> {
    let (mut single, mut double) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double => {
                // `#{…}` is Ruby interpolation, not a comment.
                if line[i + 1..].starts_with('{') {
                    continue;
                }
                return Some(&line[i..]);
            }
            _ => {}
        }
    }
    None
}

/// Does a line name a credential (`'password' => 'registry'` is a
/// password, masked as it must be, whatever word it is)?
fn names_credential(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    ["password", "secret", "token", "_dsn", "_key"]
        .iter()
        .any(|k| l.contains(k))
}

#[test]
fn gitlab_rb_with_gitlab_word_hosts_keeps_gitlab_words_urls_and_paths() {
    let Some(dir) = corpora("gitlab_rb_with_gitlab_word_hosts_keeps_gitlab_words_urls_and_paths")
    else {
        return;
    };
    let template = std::fs::read_to_string(dir.join("omnibus/gitlab.rb.template")).unwrap();
    let filled = fill(&template);
    for w in WORD_HOSTS {
        assert!(
            filled.contains(&format!("{w}.{DOMAIN}")),
            "the filler planted no {w}.{DOMAIN}"
        );
    }
    let t = TempDir::new("collateral-gitlab-rb");
    t.write("in/etc/gitlab/gitlab.rb", &filled);
    // The host knows itself by a GitLab word too, and /etc/hosts gives
    // the word hosts short aliases: the worst case for learning.
    t.write("in/hostname", format!("mattermost.{DOMAIN}\n"));
    let mut hosts = String::from("127.0.0.1 localhost\n");
    for (i, w) in WORD_HOSTS.iter().enumerate() {
        hosts.push_str(&format!("10.20.30.{} {w}.{DOMAIN} {w}\n", i + 1));
    }
    t.write("in/etc/hosts", &hosts);
    run(&t, airlock(&t).args(["redact", "in", "-o", "out"]), None).expect_code(0);
    let out = std::fs::read_to_string(t.path().join("out/etc/gitlab/gitlab.rb")).unwrap();

    // The hosts themselves are replaced.
    assert!(
        !out.contains("northwind"),
        "the customer's domain survives in gitlab.rb"
    );
    let ins: Vec<&str> = filled.lines().collect();
    let outs: Vec<&str> = out.lines().collect();
    assert_eq!(ins.len(), outs.len(), "line count");

    let setting = Regex::new(
        r#"^\s*(?:[a-z_]+(?:\[['"]?:?[A-Za-z0-9_]+['"]?\])+\s*=|[a-z_]*external_url\s)"#,
    )
    .unwrap();
    let url = Regex::new(r#"https?://[^\s'"<>)*`]+"#).unwrap();
    let path =
        Regex::new(r"/(?:var/opt/gitlab|opt/gitlab|etc/gitlab|var/log/gitlab)[A-Za-z0-9_./-]*")
            .unwrap();
    let host_in_path = Regex::new(r"[a-z0-9-]+\.[a-z0-9.-]*\.(?:com|net|org|us)\b").unwrap();
    let (mut names, mut urls, mut paths) = (0, 0, 0);
    let mut problems = Vec::new();
    for (n, (a, b)) in ins.iter().zip(&outs).enumerate() {
        if let Some(m) = setting.find(a) {
            names += 1;
            if !b.starts_with(&a[m.range()]) {
                problems.push(format!("{}: setting name: {a:?} -> {b:?}", n + 1));
            }
        }
        if let Some(c) = comment(a) {
            for m in url.find_iter(c) {
                let u = &c[m.range()];
                if u.contains(DOMAIN) {
                    continue;
                }
                urls += 1;
                if !b.contains(u) {
                    problems.push(format!("{}: doc URL {u:?}: {b:?}", n + 1));
                }
            }
        }
        for m in path.find_iter(a) {
            let p = &a[m.range()];
            // A path named after a host (`/etc/gitlab/ssl/<host>.crt`)
            // holds an identifier: it is expected to change.
            if p.contains(DOMAIN) || host_in_path.is_match(p) {
                continue;
            }
            paths += 1;
            if !b.contains(p) {
                problems.push(format!("{}: omnibus path {p:?}: {b:?}", n + 1));
            }
        }
    }
    // The filler and the readers above must have found what the template
    // holds, or the test checks nothing.
    assert!(
        names >= 1000 && urls >= 100 && paths >= 100,
        "{names} setting names, {urls} comment URLs, {paths} omnibus paths: misread template"
    );
    assert!(
        problems.is_empty(),
        "{} changed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // GitLab's words survive in full: a host pseudonym keeps its
    // component label (`mattermost.d-….example`), so not one occurrence
    // may be lost anywhere in the file.
    for w in [
        "mattermost",
        "registry",
        "pages",
        "smartcard",
        "matomo",
        "praefect",
    ] {
        let lost: Vec<String> = ins
            .iter()
            .zip(&outs)
            .filter(|(a, b)| !names_credential(a) && a.matches(w).count() != b.matches(w).count())
            .map(|(a, b)| format!("{a:?} -> {b:?}"))
            .collect();
        assert!(
            lost.is_empty(),
            "occurrences of {w:?} changed:\n{}",
            lost.join("\n")
        );
    }
}

/// Lines of `text` whose output differs, as (input, output) pairs.
fn changed(t: &TempDir, text: &str, args: &[&str]) -> Vec<(String, String)> {
    t.write("in/notes.txt", text);
    let _ = std::fs::remove_dir_all(t.path().join("out"));
    let mut cmd = airlock(t);
    cmd.args(["redact", "in", "-o", "out"]).args(args);
    run(t, &mut cmd, None).expect_code(0);
    let out = std::fs::read_to_string(t.path().join("out/notes.txt")).unwrap();
    text.lines()
        .zip(out.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn versions_public_names_and_references_stay_while_addresses_and_customer_hosts_go() {
    let t = TempDir::new("collateral-keep");
    let keep = [
        "Rails 7.1.5.1",
        "Microsoft Windows [Version 10.0.20348.2849]",
        "OS Version: 10.0.20348.2849",
        "gitlab-ee 17.11.2-ee, GitLab version: 16.11.2.0",
        "ruby 3.2.5.1 (2024-07-26 revision 1)",
        "Package_for_KB3121255~31bf3856ad364e35~amd64~~6.1.1.0,",
        "See https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata.html",
        "See http://api.rubyonrails.org/classes/ActionMailer/Base.html",
        "nodeSelector: { kubernetes.io/hostname: node-7, topology.kubernetes.io/zone: z1 }",
        "type: kubernetes.io/tls",
        "endpoint: https://management.usgovcloudapi.net/",
        "url: https://sts.us-gov-west-1.amazonaws.com",
        "console: https://console.amazonaws-us-gov.com",
        "dd_url: https://api.ddog-gov.com",
        "gem source https://rubygems.org and https://registry.npmjs.org/left-pad",
        "token = \"${RUNNER_TOKEN_3}\"",
        "gitlab_rails['ldap_servers'] = { 'main' => { 'password' => ENV['LDAP_PASS'] } }",
        "    secret: gitlab-ldap-bind",
        "  existingSecret: gitlab-postgres-secret",
        "gitlab_rails['db_sslkey'] = '/etc/gitlab/ssl/db.key'",
        "gitlab_rails['backup_cron'] = '0 2 * * *'",
        "gitlab_rails['smtp_enable_starttls_auto'] = true",
        "gitlab_shell['auth_algorithms'] = 'ssh-ed25519'",
        "gitlab_rails['monitoring_whitelist'] = ['127.0.0.0/8', '::1/128']",
    ];
    let go = [
        ("connect to 10.1.2.3 failed", "10.1.2.3"),
        ("redis 10.0.0.5:6379 refused", "10.0.0.5"),
        (
            "bucket https://acme-secret-bucket.s3.amazonaws.com/x",
            "acme-secret-bucket",
        ),
        (
            "blob https://acmestore.blob.core.usgovcloudapi.net/c",
            "acmestore",
        ),
        ("ssh git@gitlab.acme-gov.us", "acme-gov"),
        ("password: Hunter2-Blue", "Hunter2-Blue"),
        ("    secret: Zq8-x1Yy-MpQ", "Zq8-x1Yy-MpQ"),
    ];
    let mut text = keep.join("\n");
    for (line, _) in &go {
        text.push('\n');
        text.push_str(line);
    }
    text.push('\n');
    let ch = changed(&t, &text, &[]);
    let kept_changed: Vec<&(String, String)> = ch
        .iter()
        .filter(|(a, _)| keep.contains(&a.as_str()))
        .collect();
    assert!(
        kept_changed.is_empty(),
        "rewritten although nobody's: {kept_changed:#?}"
    );
    let out = std::fs::read_to_string(t.path().join("out/notes.txt")).unwrap();
    for (_, value) in &go {
        assert!(!out.contains(value), "{value:?} survives:\n{out}");
    }
}

#[test]
fn a_users_allow_list_extends_the_builtin_one() {
    let t = TempDir::new("collateral-user-allow");
    t.write(
        "in/etc/hosts",
        "10.9.8.7 jenkins.acme-gov.us\n10.9.8.8 build01.acme-gov.us\n",
    );
    let text = "mirror https://mirror.vendor-cdn.net/pkgs and https://build01.acme-gov.us\n\
                workspace /var/lib/jenkins/workspace on jenkins.acme-gov.us\n";
    t.write(
        "mine.toml",
        "[allow]\nhosts = [\".vendor-cdn.net\"]\nlabels = [\"jenkins\"]\n",
    );
    // Without it: the vendor's mirror and the word `jenkins` are rewritten.
    changed(&t, text, &[]);
    let out = std::fs::read_to_string(t.path().join("out/notes.txt")).unwrap();
    assert!(!out.contains("vendor-cdn") && !out.contains("/var/lib/jenkins/"));
    // With it: both stay, the customer's hosts still go.
    changed(&t, text, &["--rules", "mine.toml"]);
    let out = std::fs::read_to_string(t.path().join("out/notes.txt")).unwrap();
    assert!(out.contains("https://mirror.vendor-cdn.net/pkgs"), "{out}");
    assert!(out.contains("/var/lib/jenkins/workspace"), "{out}");
    assert!(
        !out.contains("acme-gov") && !out.contains("build01"),
        "{out}"
    );
    // A typo is an error naming the file, not a list that keeps nothing.
    t.write("bad.toml", "[allow]\nhosts = [\"not a host\"]\n");
    let r = run(
        &t,
        airlock(&t).args(["redact", "in", "-o", "out2", "--rules", "bad.toml"]),
        None,
    );
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("bad.toml"), "{}", r.describe());
    assert!(!t.path().join("out2").exists());
}

/// Issue 13 item 6: an output named after the bundle's host is refused the
/// same way for a directory and an archive, before any work, with a
/// message that offers a name and holds no original.
#[test]
fn an_output_named_after_the_host_is_refused_up_front_for_directory_and_archive() {
    let t = TempDir::new("collateral-output-name");
    let host = "gitlab01.acme-gov.us";
    let bundle = format!("gitlabsos.{host}_20260101120000");
    let files = vec![
        (
            format!("{bundle}/hostname"),
            format!("{host}\n").into_bytes(),
        ),
        (
            format!("{bundle}/var/log/gitlab/nginx/access.log"),
            b"10.1.2.3 - - \"GET / HTTP/1.1\" 200\n".to_vec(),
        ),
    ];
    for (name, data) in &files {
        t.write(&format!("dir/{name}"), data);
    }
    t.write(
        &format!("{bundle}.tar.gz"),
        super::bundle_gen::tar_gz(&files),
    );
    let cases = [
        (format!("dir/{bundle}"), format!("{bundle}-redacted")),
        (
            format!("{bundle}.tar.gz"),
            format!("{bundle}-redacted.tar.gz"),
        ),
        // A name that holds only the short host name.
        (format!("dir/{bundle}"), "gitlab01-redacted".to_string()),
        (
            format!("{bundle}.tar.gz"),
            "gitlab01-redacted.tar.gz".to_string(),
        ),
    ];
    for (input, output) in &cases {
        let r = run(&t, airlock(&t).args(["redact", input, "-o", output]), None);
        assert_eq!(r.code, 2, "{}", r.describe());
        let err = &r.stderr;
        assert!(
            err.contains("output name") && err.contains("for example -o "),
            "{output}: the refusal must say why and offer a name: {err}"
        );
        // Refused before any work: no pass ran, no line of findings.
        assert!(
            !err.contains("remains")
                && !err.contains("airlock: redacted")
                && !err.contains("verified"),
            "{output}: not refused up front: {err}"
        );
        assert!(
            !err.contains("acme-gov") && !err.contains("gitlab01"),
            "{err}"
        );
        assert!(!t.path().join(output).exists());
        // The offered name is accepted.
        let offered = err
            .split("for example -o ")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .to_string();
        let r = run(
            &t,
            airlock(&t).args(["redact", input, "-o", &offered]),
            None,
        );
        assert_eq!(r.code, 0, "{}", r.describe());
        assert!(t.path().join(&offered).exists());
        let _ = std::fs::remove_dir_all(t.path().join(&offered));
        let _ = std::fs::remove_file(t.path().join(&offered));
    }
}

/// Issue 13 item 6: a member name keeps its path structure whatever
/// replaces a value in it: no `/` inside a mask, no component merged.
#[test]
fn member_names_keep_their_path_structure() {
    let t = TempDir::new("collateral-member-names");
    let names = [
        "in/a/token=glpat-abcdefghij1234567890/x/f.txt",
        "in/b/password=s3cr3t-P4ss/g.txt",
        "in/c/gitlab01.acme-gov.us/10.1.2.3/h.txt",
    ];
    for n in names {
        t.write(n, "x\n");
    }
    run(&t, airlock(&t).args(["redact", "in", "-o", "out"]), None).expect_code(0);
    let out: Vec<String> = super::util::tree(&t.path().join("out"))
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            p.strip_prefix(t.path().join("out"))
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(out.len(), names.len(), "{out:?}");
    for o in &out {
        let depth = o.matches('/').count();
        let want = names
            .iter()
            .find(|n| n.as_bytes()[3] == o.as_bytes()[0])
            .unwrap();
        assert_eq!(depth + 1, want.matches('/').count(), "{want} became {o}");
        assert!(
            !o.contains("glpat-abcdefghij") && !o.contains("s3cr3t") && !o.contains("acme-gov"),
            "{o}"
        );
    }
}
