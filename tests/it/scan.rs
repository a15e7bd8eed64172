//! `airlock scan` as a user runs it: exit codes, positions, formats, and no
//! secret in anything it prints.

use airlock::corpus;

use super::util::{airlock, assert_no_secret, run, TempDir};

/// Every credential case on its own line(s) of one file, with the secrets.
fn credential_file(seed: u64) -> (String, Vec<corpus::CredentialCase>) {
    let cases = corpus::credential_cases(seed);
    let mut text = String::new();
    for c in &cases {
        text.push_str(&c.text);
        text.push('\n');
    }
    (text, cases)
}

fn all_secrets(cases: &[corpus::CredentialCase]) -> Vec<String> {
    cases.iter().flat_map(|c| c.secrets.clone()).collect()
}

#[test]
fn scan_finds_every_credential_kind_exits_1_and_prints_no_secret() {
    let dir = TempDir::new("scan-creds");
    let (text, cases) = credential_file(11);
    dir.write("bundle/logs/mixed.log", &text);
    let secrets = all_secrets(&cases);
    for format in ["text", "json", "sarif"] {
        let r = run(
            &dir,
            airlock(&dir).args(["scan", "--format", format, "bundle"]),
            None,
        )
        .expect_code(1);
        assert_no_secret(&r.stdout, &secrets, &format!("stdout ({format})"));
        assert_no_secret(&r.stderr, &secrets, &format!("stderr ({format})"));
    }
    // One credential finding on every line that carries one (a PEM block is
    // one finding over several lines).
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "--format", "json", "bundle"]),
        None,
    )
    .expect_code(1);
    let v: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let creds: Vec<_> = v.iter().filter(|f| f["category"] == "credential").collect();
    assert_eq!(creds.len(), cases.len(), "{}", r.describe());
    let mut line = 1u64;
    for (c, f) in cases.iter().zip(&creds) {
        assert_eq!(f["rule"], c.rule, "{}", c.name);
        let first = &c.secrets[0];
        let at = c.text.find(first.as_str()).unwrap();
        let before = &c.text[..at];
        let exp_line = line + before.matches('\n').count() as u64;
        let exp_col = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        assert_eq!(f["line"], exp_line, "{}", c.name);
        assert_eq!(f["start"], exp_col as u64, "{}", c.name);
        assert_eq!(f["path"], "bundle/logs/mixed.log");
        line += c.text.matches('\n').count() as u64 + 1;
    }
}

#[test]
fn json_findings_have_path_line_columns_rule_and_category() {
    let dir = TempDir::new("scan-json");
    dir.write("a.log", "ok\nuser x token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn end\n");
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "--format", "json", "a.log"]),
        None,
    )
    .expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = &v[0];
    assert_eq!(f["path"], "a.log");
    assert_eq!(f["line"], 2);
    // "user x token glpat-" is 19 bytes: the secret starts at column 20 and
    // its 20 bytes end before column 40 (exclusive end).
    assert_eq!(f["start"], 20);
    assert_eq!(f["end"], 40);
    assert_eq!(f["rule"], "gitlab_pat");
    assert_eq!(f["category"], "credential");
    assert_eq!(f["preview"], "glpat-…[20 chars]");
}

#[test]
fn sarif_output_is_sarif_2_1_0_with_regions() {
    let dir = TempDir::new("scan-sarif");
    dir.write("a.log", "ip 10.20.30.40\n");
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "--format", "sarif", "a.log"]),
        None,
    )
    .expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "ipv4");
    let region = &res["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 4);
    assert_eq!(region["endColumn"], 15);
    assert_eq!(v["runs"][0]["tool"]["driver"]["rules"][0]["id"], "ipv4");
}

#[test]
fn clean_gitlab_text_exits_0() {
    let dir = TempDir::new("scan-clean");
    let text = corpus::clean_lines(5).join("\n") + "\n";
    dir.write("status/gitlab_status", &text);
    let r = run(&dir, airlock(&dir).args(["scan", "status"]), None).expect_code(0);
    assert_eq!(r.stdout, "", "{}", r.describe());
}

#[test]
fn stdin_is_scanned_with_a_dash() {
    let dir = TempDir::new("scan-stdin");
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "-"]),
        Some(b"x\nremote 192.168.4.5\n"),
    )
    .expect_code(1);
    assert!(
        r.stdout
            .starts_with("<stdin>:2:8-19: ipv4 [network] …[11 chars]"),
        "{}",
        r.describe()
    );
}

#[test]
fn missing_input_is_an_error_exit_2() {
    let dir = TempDir::new("scan-missing");
    let r = run(&dir, airlock(&dir).args(["scan", "nope.log"]), None).expect_code(2);
    assert!(r.stderr.contains("nope.log"), "{}", r.describe());
}

#[test]
fn mmap_and_plain_reads_agree_on_a_large_file() {
    let dir = TempDir::new("scan-mmap");
    let (text, _) = credential_file(2);
    // > 1 MiB so the file is mapped.
    let big = text.repeat((2 << 20) / text.len() + 1);
    dir.write("big.log", &big);
    let a = run(
        &dir,
        airlock(&dir).args(["scan", "--format", "json", "big.log"]),
        None,
    )
    .expect_code(1);
    let b = run(
        &dir,
        airlock(&dir).args(["scan", "--no-mmap", "--format", "json", "big.log"]),
        None,
    )
    .expect_code(1);
    let c = run(
        &dir,
        airlock(&dir).args(["scan", "--format", "json", "-"]),
        Some(big.as_bytes()),
    )
    .expect_code(1);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout.replace("big.log", "<stdin>"), c.stdout);
}

#[test]
fn terminal_output_escapes_control_characters_in_paths() {
    let dir = TempDir::new("scan-escape");
    dir.write("evil\x1b[31mname.log", "10.1.2.3\n");
    let r = run(&dir, airlock(&dir).args(["scan", "."]), None).expect_code(1);
    assert!(!r.stdout.contains('\x1b'), "{}", r.describe());
    assert!(r.stdout.contains("\\u{1b}[31m"), "{}", r.describe());
}

#[test]
fn output_is_identical_for_any_jobs_and_chunk_size() {
    let dir = TempDir::new("scan-jobs");
    // Several small files (shared out between threads) and one file over the
    // large-file threshold (searched in segments by all threads).
    for seed in 0..6 {
        let (text, _) = credential_file(seed);
        dir.write(&format!("bundle/small-{seed}.log"), &text);
    }
    let (text, _) = credential_file(40);
    let big = text.repeat((5 << 20) / text.len() + 1);
    dir.write("bundle/var/log/big.log", &big);
    for format in ["json", "text"] {
        let mut outputs = Vec::new();
        for (jobs, chunk) in [
            ("1", "1048576"),
            ("2", "1048576"),
            ("3", "65536"),
            ("2", "4096"),
        ] {
            let r = run(
                &dir,
                airlock(&dir).args([
                    "scan",
                    "--format",
                    format,
                    "--jobs",
                    jobs,
                    "--chunk-size",
                    chunk,
                    "bundle",
                ]),
                None,
            )
            .expect_code(1);
            outputs.push((jobs, chunk, r.stdout));
        }
        let (_, _, first) = &outputs[0];
        let n = if format == "json" {
            serde_json::from_str::<Vec<serde_json::Value>>(first)
                .unwrap()
                .len()
        } else {
            first.lines().count()
        };
        assert!(n > 1000, "{format}: {n} findings");
        for (jobs, chunk, out) in &outputs[1..] {
            assert!(
                out == first,
                "{format}: --jobs {jobs} --chunk-size {chunk} differs"
            );
        }
    }
}

#[test]
fn profile_rules_names_every_rule_with_its_matches_and_no_secret() {
    let dir = TempDir::new("scan-profile");
    let (text, cases) = credential_file(8);
    dir.write("a.log", &text);
    let r = run(
        &dir,
        airlock(&dir).args(["scan", "--profile-rules", "a.log"]),
        None,
    )
    .expect_code(1);
    assert_no_secret(&r.stderr, &all_secrets(&cases), "stderr");
    let rows: Vec<Vec<&str>> = r
        .stderr
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|c| c.first() == Some(&id))
            .unwrap_or_else(|| panic!("no row for {id}\n{}", r.describe()))
            .clone()
    };
    // Each prefixed-token rule alone matches its own cases, once each.
    for id in ["gitlab_pat", "aws_access_key_id", "gitlab_runner_token"] {
        let n = cases.iter().filter(|c| c.rule == id).count();
        assert!(n > 0);
        assert_eq!(row(id)[3], n.to_string(), "{id}\n{}", r.describe());
    }
    // The whole set finds one credential per case (plus identifiers).
    let all: usize = row("*all*")[3].parse().unwrap();
    assert!(all >= cases.len(), "{}", r.describe());
}

#[test]
fn scan_reads_gzip_tar_and_stdin_by_their_magic_bytes_with_member_paths() {
    use std::io::Write as _;
    let dir = TempDir::new("scan-forms");
    let text = "ok\nuser x token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn end\n";
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let member = vec![("b/var/log/app.log".to_string(), text.as_bytes().to_vec())];
    let tgz = super::bundle_gen::tar_gz(&member);
    dir.write("bundle.tar.gz", &tgz);
    dir.write("bundle.tar", gunzip(&tgz));
    dir.write("x.log.gz", gz(text.as_bytes()));
    dir.write("d/var/log/app.log.1.gz", gz(text.as_bytes()));
    for (args, stdin, expect) in [
        (
            vec!["bundle.tar.gz"],
            None,
            "bundle.tar.gz!b/var/log/app.log:2:20-40:",
        ),
        (
            vec!["bundle.tar"],
            None,
            "bundle.tar!b/var/log/app.log:2:20-40:",
        ),
        (vec!["x.log.gz"], None, "x.log.gz:2:20-40:"),
        (vec!["d"], None, "d/var/log/app.log.1.gz:2:20-40:"),
        (vec!["-"], Some(gz(text.as_bytes())), "<stdin>:2:20-40:"),
        (
            vec!["-"],
            Some(tgz.clone()),
            "<stdin>!b/var/log/app.log:2:20-40:",
        ),
    ] {
        let mut all = vec!["scan"];
        all.extend(args.iter());
        let r = run(&dir, airlock(&dir).args(&all), stdin.as_deref()).expect_code(1);
        assert!(
            r.stdout.lines().any(|l| l.starts_with(expect)),
            "{expect}\n{}",
            r.describe()
        );
    }
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn scan_lists_members_it_cannot_read_and_exits_2() {
    let dir = TempDir::new("scan-unreadable");
    dir.write(
        "b.tar.gz",
        super::bundle_gen::tar_gz(&[
            ("b/ok.log".into(), b"nothing here\n".to_vec()),
            ("b/logs.zip".into(), b"PK\x03\x04zip".to_vec()),
        ]),
    );
    let r = run(&dir, airlock(&dir).args(["scan", "b.tar.gz"]), None).expect_code(2);
    assert!(
        r.stderr
            .contains("not scanned b.tar.gz!b/logs.zip: zip archive"),
        "{}",
        r.describe()
    );
}

#[test]
fn scan_of_a_redacted_bundle_reports_no_masks_or_pseudonyms() {
    let dir = TempDir::new("scan-redacted");
    let b = super::bundle_gen::gitlabsos(31);
    dir.write("in.tar.gz", b.tar_gz());
    // The original has findings of every kind...
    run(&dir, airlock(&dir).args(["scan", "in.tar.gz"]), None).expect_code(1);
    run(
        &dir,
        airlock(&dir).args(["redact", "in.tar.gz", "-o", "out.tar.gz"]),
        None,
    )
    .expect_code(0);
    // ...the redacted copy holds only masks and pseudonyms: none is one.
    let r = run(&dir, airlock(&dir).args(["scan", "out.tar.gz"]), None);
    assert_eq!(r.code, 0, "{}", r.describe());
}

#[test]
fn scan_reads_a_fifo_named_on_the_command_line_once() {
    let dir = TempDir::new("scan-fifo");
    let fifo = dir.path().join("in.fifo");
    super::util::mkfifo(&fifo);
    let child = airlock(&dir)
        .args(["scan", "in.fifo"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    std::io::Write::write_all(&mut w, b"ok\nuser x token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn end\n")
        .unwrap();
    drop(w);
    let (code, stdout, stderr) = super::util::wait_child(child, 60);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("in.fifo:2:20-40: gitlab_pat"),
        "{stdout}\n{stderr}"
    );
}
