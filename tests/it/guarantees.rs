//! The README's "What airlock guarantees", a test per promise not already
//! held by a test elsewhere (`tests/README.md` maps every promise to its
//! tests).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::bundle_gen::{flatten, gitlabsos, tar_gz};
use super::util::{airlock, run, signal, temporaries_in, tree, wait_child, wait_until, TempDir};

/// Every entry under `root`: bytes, mode and modification time.
fn state(root: &Path) -> BTreeMap<String, (Vec<u8>, u32, std::time::SystemTime)> {
    tree(root)
        .into_iter()
        .map(|p| {
            let md = fs::symlink_metadata(&p).unwrap();
            let bytes = if md.is_file() {
                fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            #[cfg(unix)]
            let mode = super::util::mode(&p);
            #[cfg(not(unix))]
            let mode = 0;
            (
                p.strip_prefix(root).unwrap().display().to_string(),
                (bytes, mode, md.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn the_input_is_never_modified() {
    let dir = TempDir::new("input-untouched");
    let b = gitlabsos(41);
    for (n, d) in b.entries() {
        dir.write(&format!("in/{n}"), d);
    }
    let mut entries = b.entries();
    entries.push((
        format!("{}/var/log/gitlab/broken.log.1.gz", b.top),
        b"\x1f\x8b\x08\x00broken".to_vec(),
    ));
    dir.write("bundle.tar.gz", b.tar_gz());
    dir.write("broken.tar.gz", tar_gz(&entries));
    let inputs = || {
        (
            state(&dir.path().join("in")),
            fs::read(dir.path().join("bundle.tar.gz")).unwrap(),
            fs::read(dir.path().join("broken.tar.gz")).unwrap(),
        )
    };
    let before = inputs();
    let runs: &[(&[&str], i32)] = &[
        (&["in", "-o", "out"], 0),
        (&["in", "-o", "out", "--force", "--report", "r.json"], 0),
        (
            &[
                "in",
                "-o",
                "out.tar.gz",
                "--map",
                "m.json",
                "--key-file",
                "k",
            ],
            0,
        ),
        (&["bundle.tar.gz", "-o", "out2.tar.gz"], 0),
        (
            &[
                "bundle.tar.gz",
                "-o",
                "out2.tar.gz",
                "--force",
                "--jobs",
                "3",
            ],
            0,
        ),
        (&["broken.tar.gz", "-o", "out3.tar.gz"], 2),
        (&["in", "-o", "in/inside"], 2),
    ];
    for (args, code) in runs {
        let mut all = vec!["redact"];
        all.extend_from_slice(args);
        run(&dir, airlock(&dir).args(&all), None).expect_code(*code);
    }
    // Interrupted, too.
    let mut child = airlock(&dir)
        .args(["redact", "-", "-o", "out4.tar.gz"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, &b.tar_gz()[..1000]).unwrap();
    let pid = child.id();
    wait_until(60, "the temporaries", || {
        temporaries_in(dir.path()).len() == 2
    });
    signal(pid, "INT");
    assert_eq!(wait_child(child, 60).0, 130);
    drop(stdin);
    let after = inputs();
    for (path, was) in &before.0 {
        assert!(after.0.get(path) == Some(was), "in/{path} changed");
    }
    assert_eq!(after.0.len(), before.0.len(), "entries added to in/");
    assert!(
        after.1 == before.1 && after.2 == before.2,
        "an archive changed"
    );
}

#[test]
fn keep_binary_scans_binary_members_as_bytes_and_keeps_them() {
    let dir = TempDir::new("keep-binary");
    let token = "glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn";
    let core = format!("\x7fELF\x02\x01\x01\x00\x00\x01\x02 token {token} from 10.77.1.2 \x03\x04");
    dir.write(
        "b.tar.gz",
        tar_gz(&[
            ("b/core.1".into(), core.clone().into_bytes()),
            ("b/app.log".into(), b"ok\n".to_vec()),
        ]),
    );
    run(
        &dir,
        airlock(&dir).args(["redact", "b.tar.gz", "-o", "plain.tar.gz"]),
        None,
    )
    .expect_code(0);
    let plain = flatten("o", &fs::read(dir.path().join("plain.tar.gz")).unwrap());
    assert!(
        !plain.iter().any(|(n, _)| n.ends_with("core.1")),
        "{plain:?}"
    );
    run(
        &dir,
        airlock(&dir).args(["redact", "b.tar.gz", "-o", "kept.tar.gz", "--keep-binary"]),
        None,
    )
    .expect_code(0);
    let kept = flatten("o", &fs::read(dir.path().join("kept.tar.gz")).unwrap());
    let (_, data) = kept.iter().find(|(n, _)| n.ends_with("core.1")).unwrap();
    let text = String::from_utf8_lossy(data);
    assert!(data.starts_with(b"\x7fELF\x02\x01"), "the binary is kept");
    assert!(
        !text.contains(token) && !text.contains("10.77.1.2"),
        "{text:?}"
    );
    assert!(text.contains("glpat-[REDACTED:gitlab_pat/"), "{text:?}");
    run(&dir, airlock(&dir).args(["verify", "kept.tar.gz"]), None).expect_code(0);
}

#[test]
fn members_airlock_cannot_read_are_left_out_with_their_reason() {
    let dir = TempDir::new("left-out-reasons");
    let members: &[(&str, &[u8], &str)] = &[
        ("b/a.zip", b"PK\x03\x04rest", "zip archive (not supported)"),
        (
            "b/a.xz",
            b"\xfd7zXZ\x00rest",
            "xz-compressed (not supported)",
        ),
        (
            "b/a.bz2",
            b"BZh91AY&SYrest",
            "bzip2-compressed (not supported)",
        ),
        (
            "b/a.zst",
            b"\x28\xb5\x2f\xfdrest",
            "zstd-compressed (not supported)",
        ),
        (
            "b/a.7z",
            b"7z\xbc\xaf\x27\x1crest",
            "7-zip archive (not supported)",
        ),
        ("b/core", b"\x7fELF\x02\x01\x01\x00\x00\x01", "binary data"),
    ];
    let mut entries: Vec<(String, Vec<u8>)> = members
        .iter()
        .map(|(n, d, _)| (n.to_string(), d.to_vec()))
        .collect();
    entries.push(("b/ok.log".into(), b"fine\n".to_vec()));
    dir.write("b.tar.gz", tar_gz(&entries));
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "b.tar.gz", "-o", "o.tar.gz", "--report", "r.json"]),
        None,
    )
    .expect_code(0);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let got: BTreeMap<String, String> = report["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (name, _, reason) in members {
        assert_eq!(
            got.get(*name).map(String::as_str),
            Some(*reason),
            "{name}: {got:?}"
        );
        assert!(
            r.stderr.contains(name),
            "{name} not listed:\n{}",
            r.describe()
        );
    }
    let out = flatten("o", &fs::read(dir.path().join("o.tar.gz")).unwrap());
    assert_eq!(out.len(), 1, "only ok.log is in the output: {out:?}");
}

#[test]
fn the_report_lists_rule_packs_with_versions_and_sha256() {
    use sha2::Digest;
    let dir = TempDir::new("report-packs");
    dir.write("a.log", "ok\n");
    run(
        &dir,
        airlock(&dir).args(["redact", "a.log", "-o", "o.log", "--report", "r.json"]),
        None,
    )
    .expect_code(0);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let packs = report["packs"].as_array().unwrap();
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let files: Vec<_> = fs::read_dir(&rules_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert_eq!(packs.len(), files.len(), "{packs:?}");
    for p in packs {
        let file = p["source"]
            .as_str()
            .unwrap()
            .strip_prefix("builtin:")
            .unwrap();
        let bytes = fs::read(rules_dir.join(file)).unwrap();
        let sha: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(p["sha256"].as_str().unwrap(), sha, "{file}");
        let doc: toml::Value = toml::from_str(&String::from_utf8(bytes).unwrap()).unwrap();
        assert_eq!(p["name"].as_str(), doc["pack"]["name"].as_str(), "{file}");
        assert_eq!(
            p["version"].as_str(),
            doc["pack"]["version"].as_str(),
            "{file}"
        );
    }
    assert_eq!(report["key_fingerprint"].as_str().unwrap().len(), 16);
}

#[test]
fn a_map_is_reused_with_its_key_and_refused_with_another() {
    let dir = TempDir::new("map-reuse");
    let b = gitlabsos(42);
    dir.write("in.tar.gz", b.tar_gz());
    let args = |out: &str, key: &str| {
        vec![
            "redact".to_string(),
            "in.tar.gz".into(),
            "-o".into(),
            out.into(),
            "--key-file".into(),
            key.into(),
            "--map".into(),
            "m.json".into(),
        ]
    };
    run(&dir, airlock(&dir).args(args("a.tar.gz", "k")), None).expect_code(0);
    let first = fs::read(dir.path().join("m.json")).unwrap();
    // Same key: the assignments are read back and kept, and the output is
    // the same.
    run(&dir, airlock(&dir).args(args("b.tar.gz", "k")), None).expect_code(0);
    assert_eq!(fs::read(dir.path().join("m.json")).unwrap(), first);
    assert_eq!(
        flatten("x", &fs::read(dir.path().join("a.tar.gz")).unwrap()),
        flatten("x", &fs::read(dir.path().join("b.tar.gz")).unwrap())
    );
    // Another key: refused before any work, the map untouched.
    let r = run(&dir, airlock(&dir).args(args("c.tar.gz", "k2")), None).expect_code(2);
    assert!(r.stderr.contains("another key"), "{}", r.describe());
    assert!(!dir.path().join("c.tar.gz").exists());
    assert_eq!(fs::read(dir.path().join("m.json")).unwrap(), first);
}

#[test]
fn verify_with_the_map_also_finds_originals_no_rule_sees() {
    let dir = TempDir::new("verify-map");
    dir.write("in/app.log", "user=jdoe42 logged in\n");
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--map", "m.json"]),
        None,
    )
    .expect_code(0);
    // The original put back where no rule would see it: in free text.
    let p = dir.path().join("out/app.log");
    let mut text = fs::read_to_string(&p).unwrap();
    text.push_str("handed over to jdoe42 later\n");
    fs::write(&p, text).unwrap();
    run(&dir, airlock(&dir).args(["verify", "out"]), None).expect_code(0);
    let r = run(
        &dir,
        airlock(&dir).args(["verify", "out", "--map", "m.json"]),
        None,
    )
    .expect_code(1);
    assert!(r.stdout.contains("app.log:2:"), "{}", r.describe());
    assert!(!r.stdout.contains("jdoe42"), "{}", r.describe());
}

#[test]
fn every_test_named_in_the_guarantees_table_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = fs::read_to_string(root.join("tests/README.md")).unwrap();
    let mut named = 0;
    for cell in table.split('`') {
        let Some((module, test)) = cell.split_once("::") else {
            continue;
        };
        if module.contains(' ') || test.contains(' ') {
            continue;
        }
        let src =
            fs::read_to_string(root.join(format!("tests/it/{module}.rs"))).unwrap_or_else(|_| {
                panic!("tests/README.md names a module {module} that does not exist")
            });
        assert!(
            // A proptest's function takes its strategies' values.
            src.contains(&format!("fn {test}(")),
            "tests/README.md names {module}::{test}, which does not exist"
        );
        named += 1;
    }
    assert!(named > 30, "only {named} tests named");
    // Every promise of the README's list has a row.
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let list = readme
        .split("What airlock guarantees")
        .nth(1)
        .and_then(|s| s.split("**Threads and memory.**").next())
        .unwrap();
    let promises = list.lines().filter(|l| l.starts_with("- **")).count();
    let rows = table
        .split("## What airlock guarantees")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| promise") && !l.starts_with("| …"))
        .count();
    assert!(
        rows >= promises,
        "{promises} promises in README.md, {rows} rows in tests/README.md"
    );
    // Every command of the README's Commands table has a claim row.
    let claims: Vec<&str> = table
        .split("## Commands")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| claim"))
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    let commands = super::commands::readme_commands();
    assert!(commands.len() >= 12, "{commands:?}");
    for c in &commands {
        assert!(
            claims.iter().any(|l| l.contains(&format!("`{c}"))),
            "tests/README.md has no Commands row for `{c}`"
        );
    }
}
