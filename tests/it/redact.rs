//! `airlock redact`, `verify` and `unmask` as a customer runs them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;

use super::bundle_gen::{flatten, flatten_dir, gitlabsos, tar_gz, TestBundle};
use super::util::{airlock, assert_no_secret, run, TempDir};

/// Assert that no planted value survives anywhere in `files` (names and
/// contents, nested members decompressed).
fn assert_nothing_survives(b: &TestBundle, files: &[(String, Vec<u8>)], context: &str) {
    for (name, data) in files {
        let text = String::from_utf8_lossy(data);
        for p in &b.planted {
            assert!(
                !name.contains(&p.value),
                "{context}: {} ({}) survives in the name {name}",
                p.value,
                p.what
            );
            assert!(
                !text.contains(&p.value),
                "{context}: {} ({}) survives in {name}:\n{text}",
                p.value,
                p.what
            );
        }
    }
}

fn text_of(files: &[(String, Vec<u8>)]) -> String {
    files
        .iter()
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `airlock redact in -o out` in `dir` with `extra` arguments, which must
/// succeed; returns a reader of the output's files, by name.
fn redact_in_to_out<'a>(dir: &'a TempDir, extra: &[&str]) -> impl Fn(&str) -> String + 'a {
    let mut args = vec!["redact", "in", "-o", "out"];
    args.extend_from_slice(extra);
    run(dir, airlock(dir).args(&args), None).expect_code(0);
    move |f: &str| fs::read_to_string(dir.path().join("out").join(f)).unwrap()
}

/// What `airlock unmask --map m.json VALUE` prints in `dir`.
fn unmask(dir: &TempDir, value: &str) -> String {
    run(
        dir,
        airlock(dir).args(["unmask", "--map", "m.json", value]),
        None,
    )
    .expect_code(0)
    .stdout
}

fn setup(name: &str, seed: u64) -> (TempDir, TestBundle) {
    let dir = TempDir::new(name);
    let b = gitlabsos(seed);
    dir.write(&format!("{}.tar.gz", b.top), b.tar_gz());
    (dir, b)
}

#[test]
fn tar_gz_bundle_with_no_flags_is_safe_to_send() {
    let (dir, b) = setup("redact-targz", 1);
    let input = format!("{}.tar.gz", b.top);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "clean.tar.gz"]),
        None,
    )
    .expect_code(0);
    let out = fs::read(dir.path().join("clean.tar.gz")).unwrap();
    let files = flatten("clean.tar.gz", &out);
    assert_nothing_survives(&b, &files, "output");
    assert_no_secret(&r.stdout, &b.secrets(), "stdout");
    assert_no_secret(&r.stderr, &b.secrets(), "stderr");

    // Troubleshooting values survive.
    let all = text_of(&files);
    for s in &b.survivors {
        assert!(all.contains(s.as_str()), "{s} did not survive");
    }
    // The top directory is renamed, everything else keeps its name.
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.iter().all(|n| !n.contains(&b.top)), "{names:?}");
    assert!(names
        .iter()
        .any(|n| n.ends_with("/var/log/gitlab/gitlab-rails/production_json.log.1.gz")));
    assert!(names
        .iter()
        .any(|n| n.ends_with("/var/log/gitlab/sidekiq/@4000000067400a2b1c3d4e5f.s")));
    assert!(names
        .iter()
        .any(|n| n.contains("kubesos-20261120.tar.gz!kubesos/webservice.log")));
    // Rotated and svlogd members are still gzip in the output.
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(&out[..]));
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let n = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        if n.ends_with(".gz") || n.ends_with(".s") {
            let mut head = [0u8; 2];
            std::io::Read::read_exact(&mut e, &mut head).unwrap();
            assert_eq!(head, [0x1f, 0x8b], "{n} is no longer gzip");
        }
    }
}

#[test]
fn structure_survives_json_lines_and_line_counts() {
    let (dir, b) = setup("redact-structure", 2);
    let input = format!("{}.tar.gz", b.top);
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "out.tar.gz"]),
        None,
    )
    .expect_code(0);
    let out = flatten("o", &fs::read(dir.path().join("out.tar.gz")).unwrap());
    let inp = flatten("o", &b.tar_gz());
    // Same members in the same order (names may differ where they carried an
    // identifier).
    assert_eq!(out.len(), inp.len());
    for ((_, a), (n, z)) in inp.iter().zip(&out) {
        let a = String::from_utf8_lossy(a);
        let z = String::from_utf8_lossy(z);
        assert_eq!(a.lines().count(), z.lines().count(), "line count of {n}");
        for (la, lz) in a.lines().zip(z.lines()) {
            if let Ok(serde_json::Value::Object(ma)) = serde_json::from_str::<serde_json::Value>(la)
            {
                let mz: serde_json::Map<String, serde_json::Value> = serde_json::from_str(lz)
                    .unwrap_or_else(|e| panic!("{n}: not JSON after redaction ({e}):\n{lz}"));
                assert_eq!(
                    ma.keys().collect::<Vec<_>>(),
                    mz.keys().collect::<Vec<_>>(),
                    "{n}"
                );
                // Numbers are never touched.
                for (k, v) in &ma {
                    if v.is_number() {
                        assert_eq!(v, &mz[k], "{n}: {k}");
                    }
                }
            }
        }
    }
    // The multi-line gitlab-secrets.json is still JSON.
    let secrets = out
        .iter()
        .find(|(n, _)| n.ends_with("gitlab-secrets.json"))
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&secrets.1)
        .expect("gitlab-secrets.json stays JSON");
}

#[test]
fn pseudonyms_are_consistent_across_files_and_runs_and_distinct() {
    let (dir, b) = setup("redact-consistent", 3);
    let input = format!("{}.tar.gz", b.top);
    run(
        &dir,
        airlock(&dir).args([
            "redact",
            &input,
            "-o",
            "a.tar.gz",
            "--key-file",
            "k",
            "--map",
            "m.json",
        ]),
        None,
    )
    .expect_code(0);
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "b.tar.gz", "--key-file", "k"]),
        None,
    )
    .expect_code(0);
    let a = flatten("x", &fs::read(dir.path().join("a.tar.gz")).unwrap());
    let bb = flatten("x", &fs::read(dir.path().join("b.tar.gz")).unwrap());
    // Same key: the same bytes, member by member.
    assert_eq!(a, bb, "two runs with one key differ");

    let map: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let entries = map["entries"].as_array().unwrap();
    let mut by_kind: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for e in entries {
        by_kind
            .entry(e["kind"].as_str().unwrap().to_string())
            .or_default()
            .push((
                e["original"].as_str().unwrap().into(),
                e["pseudonym"].as_str().unwrap().into(),
            ));
    }
    // Distinct originals, distinct pseudonyms.
    for (kind, pairs) in &by_kind {
        let ps: BTreeSet<&String> = pairs.iter().map(|(_, p)| p).collect();
        assert_eq!(
            ps.len(),
            pairs.len(),
            "{kind}: two originals share a pseudonym"
        );
    }
    // An address in several files has the same pseudonym in each.
    for ip in &b.shared_ips {
        let p = &by_kind["ipv4"]
            .iter()
            .find(|(o, _)| o == ip)
            .expect("shared ip in the map")
            .1;
        let files_with: Vec<&String> = a
            .iter()
            .filter(|(_, d)| String::from_utf8_lossy(d).contains(p.as_str()))
            .map(|(n, _)| n)
            .collect();
        assert!(
            files_with.len() >= 2,
            "{p} (for a shared address) is in {files_with:?}"
        );
        assert!(
            p.split('.').next().unwrap().parse::<u8>().unwrap() >= 240,
            "{p} is not in 240/4"
        );
    }
    // Addresses of one /24 share a pseudonym /24.
    let nets: BTreeMap<String, BTreeSet<String>> =
        by_kind["ipv4"]
            .iter()
            .fold(BTreeMap::new(), |mut m, (o, p)| {
                let on = o.rsplit_once('.').unwrap().0.to_string();
                let pn = p.rsplit_once('.').unwrap().0.to_string();
                m.entry(on).or_default().insert(pn);
                m
            });
    for (net, pnets) in nets {
        assert_eq!(pnets.len(), 1, "{net}/24 maps to several pseudonym /24s");
    }
    // The map and the key are owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["m.json", "k"] {
            let mode = fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }
}

#[test]
fn report_and_stderr_hold_counts_but_no_values() {
    let (dir, b) = setup("redact-report", 4);
    let input = format!("{}.tar.gz", b.top);
    let r = run(
        &dir,
        airlock(&dir).args([
            "redact",
            &input,
            "-o",
            "o.tar.gz",
            "--report",
            "report.json",
        ]),
        None,
    )
    .expect_code(0);
    let report = fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert_no_secret(&report, &b.secrets(), "report");
    assert_no_secret(&r.stderr, &b.secrets(), "stderr");
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert!(v["totals"]["replacements"].as_u64().unwrap() > 30);
    assert_eq!(v["verification"]["clean"], true);
    // Where the time went: the three passes in order, each having read the
    // archive as it is on disk (learning and redaction the input,
    // verification the output).
    let passes = v["passes"].as_array().unwrap();
    let names: Vec<&str> = passes.iter().map(|p| p["pass"].as_str().unwrap()).collect();
    assert_eq!(names, ["learn", "redact", "verify"]);
    let on_disk = |f: &str| fs::metadata(dir.path().join(f)).unwrap().len();
    assert_eq!(passes[0]["bytes"].as_u64().unwrap(), on_disk(&input));
    assert_eq!(passes[1]["bytes"].as_u64().unwrap(), on_disk(&input));
    assert_eq!(passes[2]["bytes"].as_u64().unwrap(), on_disk("o.tar.gz"));
    assert!(passes.iter().all(|p| p["seconds"].as_f64().unwrap() > 0.0));
    // One entry per built-in pack file in `rules/`.
    let pack_files = fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "toml"))
        })
        .count();
    assert_eq!(v["packs"].as_array().unwrap().len(), pack_files);
    assert_eq!(v["key_fingerprint"].as_str().unwrap().len(), 16);
    let files = v["files"].as_array().unwrap();
    let nginx = files
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with("nginx/gitlab_access.log")
        })
        .unwrap();
    assert!(nginx["replacements"]["token_param"].as_u64().unwrap() >= 1);
    assert!(
        nginx["replacements"]["gitlab_session_cookie"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

#[test]
fn verify_is_0_on_the_output_and_1_on_the_input() {
    let (dir, b) = setup("redact-verify", 5);
    let input = format!("{}.tar.gz", b.top);
    run(
        &dir,
        airlock(&dir).args([
            "redact",
            &input,
            "-o",
            "o.tar.gz",
            "--map",
            "m.json",
            "--key-file",
            "k",
        ]),
        None,
    )
    .expect_code(0);
    run(&dir, airlock(&dir).args(["verify", "o.tar.gz"]), None).expect_code(0);
    run(
        &dir,
        airlock(&dir).args(["verify", "o.tar.gz", "--map", "m.json"]),
        None,
    )
    .expect_code(0);
    let r = run(&dir, airlock(&dir).args(["verify", &input]), None).expect_code(1);
    assert_no_secret(&r.stdout, &b.secrets(), "verify stdout");
    assert!(r.stdout.contains("[credential]"), "{}", r.describe());
}

#[test]
fn unmask_answers_on_the_customer_side() {
    let (dir, b) = setup("redact-unmask", 6);
    let input = format!("{}.tar.gz", b.top);
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "o.tar.gz", "--map", "m.json"]),
        None,
    )
    .expect_code(0);
    let map: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let ip = &b.shared_ips[0];
    let pseudo = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "ipv4" && e["original"] == ip.as_str())
        .unwrap()["pseudonym"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(unmask(&dir, &pseudo), format!("{pseudo}\t{ip}\n"));
    // A whole file: the redacted hostname file back to the real name.
    let out = flatten("o", &fs::read(dir.path().join("o.tar.gz")).unwrap());
    let host = out.iter().find(|(n, _)| n.ends_with("/hostname")).unwrap();
    dir.write("host.txt", &host.1);
    let r = run(
        &dir,
        airlock(&dir).args(["unmask", "--map", "m.json", "--file", "host.txt"]),
        None,
    )
    .expect_code(0);
    let fqdn = &b.files.iter().find(|(n, _)| n == "hostname").unwrap().1;
    assert_eq!(r.stdout.as_bytes(), &fqdn[..]);
}

#[test]
fn redacting_redacted_output_changes_nothing() {
    let (dir, b) = setup("redact-idempotent", 7);
    let input = format!("{}.tar.gz", b.top);
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "once.tar.gz"]),
        None,
    )
    .expect_code(0);
    run(
        &dir,
        airlock(&dir).args(["redact", "once.tar.gz", "-o", "twice.tar.gz"]),
        None,
    )
    .expect_code(0);
    let once = flatten("x", &fs::read(dir.path().join("once.tar.gz")).unwrap());
    let twice = flatten("x", &fs::read(dir.path().join("twice.tar.gz")).unwrap());
    assert_eq!(once, twice);
}

#[test]
fn directory_in_directory_out_keeps_names_and_modes() {
    let dir = TempDir::new("redact-dir");
    let b = gitlabsos(8);
    for (n, d) in b.entries() {
        dir.write(&format!("in/{n}"), d);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.path().join(format!("in/{}/ps", b.top));
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    }
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out"]),
        None,
    )
    .expect_code(0);
    let files = flatten_dir(&dir.path().join("out"));
    assert_nothing_survives(&b, &files, "directory output");
    let top = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let top = top.to_string_lossy().into_owned();
    assert!(
        top.starts_with("gitlabsos.h-") && top.ends_with("_20261120134410"),
        "{top}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(format!("out/{top}/ps")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640);
    }
    // The input is untouched.
    let again = flatten_dir(&dir.path().join("in"));
    assert!(again
        .iter()
        .any(|(_, d)| String::from_utf8_lossy(d).contains(&b.planted[0].value)));
}

#[test]
fn stdin_to_stdout_keeps_the_form() {
    let (dir, b) = setup("redact-stdin", 9);
    let input = format!("{}.tar.gz", b.top);
    let data = b.tar_gz();
    // The bytes on stdout (run() captures text lossily): a tar.gz, read
    // back with the test's own reader, holding what the same run on the
    // file gives, member for member, and none of the planted values.
    let mut child = airlock(&dir)
        .args(["redact", "-", "-o", "-", "--key-file", "k"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    feed.join().unwrap().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(&[0x1f, 0x8b]), "not gzip on stdout");
    let piped = flatten("o", &out.stdout);
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "file.tar.gz", "--key-file", "k"]),
        None,
    )
    .expect_code(0);
    let from_file = flatten("o", &fs::read(dir.path().join("file.tar.gz")).unwrap());
    assert!(
        from_file.len() >= b.files.len(),
        "{} members for {} files",
        from_file.len(),
        b.files.len()
    );
    assert_eq!(piped, from_file);
    assert_nothing_survives(&b, &piped, "stdin to stdout");
    let plain = b"user jdoe from 10.1.2.3 token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn\n";
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "-", "-o", "-"]),
        Some(plain),
    )
    .expect_code(0);
    assert!(
        r.stdout.starts_with("user jdoe from 24") || r.stdout.starts_with("user jdoe from 25"),
        "{}",
        r.describe()
    );
    assert!(
        r.stdout.contains("glpat-[REDACTED:gitlab_pat/"),
        "{}",
        r.describe()
    );
    assert_eq!(r.stdout.lines().count(), 1);
}

#[test]
fn existing_output_is_refused_without_force_and_replaced_with_it() {
    let (dir, b) = setup("redact-force", 10);
    let input = format!("{}.tar.gz", b.top);
    dir.write("o.tar.gz", b"precious");
    let r = run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "o.tar.gz"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("--force"), "{}", r.describe());
    assert_eq!(fs::read(dir.path().join("o.tar.gz")).unwrap(), b"precious");
    run(
        &dir,
        airlock(&dir).args(["redact", &input, "-o", "o.tar.gz", "--force"]),
        None,
    )
    .expect_code(0);
    assert_ne!(fs::read(dir.path().join("o.tar.gz")).unwrap(), b"precious");
}

#[test]
fn broken_member_fails_closed_leaving_nothing() {
    let dir = TempDir::new("redact-broken");
    let b = gitlabsos(11);
    let mut entries = b.entries();
    // A truncated gzip member.
    let good = entries
        .iter()
        .find(|(n, _)| n.ends_with(".log.1.gz"))
        .unwrap()
        .1
        .clone();
    entries.push((
        format!("{}/var/log/gitlab/broken.log.2.gz", b.top),
        good[..good.len() / 2].to_vec(),
    ));
    dir.write("in.tar.gz", tar_gz(&entries));
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "in.tar.gz", "-o", "out.tar.gz"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("broken.log.2.gz"), "{}", r.describe());
    assert_no_secret(&r.stderr, &b.secrets(), "stderr");
    // Nothing at the output, no temporary left behind.
    let left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["in.tar.gz".to_string()], "{}", r.describe());
}

#[test]
fn map_key_and_report_inside_the_output_are_refused() {
    let (dir, b) = setup("redact-inside", 12);
    let input = format!("{}.tar.gz", b.top);
    fs::create_dir(dir.path().join("in")).unwrap();
    for (flag, path) in [("--map", "outdir/m.json"), ("--key-file", "outdir/k")] {
        let r = run(
            &dir,
            airlock(&dir).args(["redact", "in", "-o", "outdir", flag, path]),
            None,
        )
        .expect_code(2);
        assert!(r.stderr.contains("inside the output"), "{}", r.describe());
    }
    let _ = input;
}

#[test]
fn unscannable_members_are_left_out_and_reported() {
    let dir = TempDir::new("redact-leftout");
    let b = gitlabsos(13);
    let mut entries = b.entries();
    entries.push((
        format!("{}/core.1234", b.top),
        b"\x7fELF\x02\x01\x01\x00\x00secret-in-binary".to_vec(),
    ));
    entries.push((
        format!("{}/logs.zip", b.top),
        b"PK\x03\x04rest-of-zip".to_vec(),
    ));
    entries.push((format!("{}/logs.xz", b.top), b"\xfd7zXZ\x00rest".to_vec()));
    dir.write("in.tar.gz", tar_gz(&entries));
    let r = run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in.tar.gz",
            "-o",
            "o.tar.gz",
            "--report",
            "r.json",
        ]),
        None,
    )
    .expect_code(0);
    let out = flatten("o", &fs::read(dir.path().join("o.tar.gz")).unwrap());
    assert!(!out.iter().any(|(n, _)| n.ends_with("core.1234")
        || n.ends_with("logs.zip")
        || n.ends_with("logs.xz")));
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let reasons: Vec<String> = report["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(r.stderr.contains("left out 3"), "{}", r.describe());
    // --keep-binary scans the binary and keeps it.
    run(
        &dir,
        airlock(&dir).args(["redact", "in.tar.gz", "-o", "k.tar.gz", "--keep-binary"]),
        None,
    )
    .expect_code(0);
    let out = flatten("k", &fs::read(dir.path().join("k.tar.gz")).unwrap());
    assert!(out.iter().any(|(n, _)| n.ends_with("core.1234")));
}

#[test]
fn hostile_archive_entries_are_contained() {
    let dir = TempDir::new("redact-hostile");
    // Build a tar by hand with entries the tar crate would refuse to write.
    let mut raw = tar::Builder::new(Vec::new());
    let mut add = |name: &[u8], kind: tar::EntryType, data: &[u8], link: Option<&str>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        {
            let gnu = h.as_gnu_mut().unwrap();
            gnu.name[..name.len()].copy_from_slice(name);
        }
        if let Some(l) = link {
            h.set_link_name(l).unwrap();
        }
        h.set_cksum();
        raw.append(&h, data).unwrap();
    };
    add(b"ok/a.log", tar::EntryType::Regular, b"ip 10.3.3.3\n", None);
    add(b"../escape.log", tar::EntryType::Regular, b"x\n", None);
    add(
        b"/abs/path.log",
        tar::EntryType::Regular,
        b"ip 10.4.4.4\n",
        None,
    );
    add(
        b"ok/link-out",
        tar::EntryType::Symlink,
        b"",
        Some("../../etc/passwd"),
    );
    add(b"ok/link-in", tar::EntryType::Symlink, b"", Some("a.log"));
    add(b"ok/hard", tar::EntryType::Link, b"", Some("/etc/shadow"));
    add(b"ok/fifo", tar::EntryType::Fifo, b"", None);
    let data = raw.into_inner().unwrap();
    dir.write("in/h.tar", &data);
    run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in/h.tar",
            "-o",
            "out/h.tar",
            "--report",
            "r.json",
        ]),
        None,
    );
    fs::create_dir_all(dir.path().join("out")).unwrap();
    let r = run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in/h.tar",
            "-o",
            "out/h.tar",
            "--report",
            "r.json",
        ]),
        None,
    )
    .expect_code(0);
    let out = fs::read(dir.path().join("out/h.tar")).unwrap();
    let mut names = Vec::new();
    let mut ar = tar::Archive::new(&out[..]);
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        names.push((
            String::from_utf8_lossy(&e.path_bytes()).into_owned(),
            e.header().entry_type(),
        ));
    }
    let plain: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        plain,
        vec!["ok/a.log", "abs/path.log", "ok/link-in"],
        "{}",
        r.describe()
    );
    assert!(!dir.path().join("escape.log").exists());
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["left_out"].as_array().unwrap().len(), 4, "{report}");
}

#[test]
fn summaries_with_the_key_use_the_redacted_bundles_names() {
    let dir = TempDir::new("redact-summary-key");
    let b = gitlabsos(14);
    for (n, d) in b.entries() {
        dir.write(&format!("in/{n}"), d);
    }
    run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in",
            "-o",
            "out",
            "--key-file",
            "k",
            "--map",
            "m.json",
        ]),
        None,
    )
    .expect_code(0);
    let map: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let user_pseudonyms: BTreeSet<String> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "username")
        .map(|e| e["pseudonym"].as_str().unwrap().to_string())
        .collect();
    let r = run(
        &dir,
        airlock(&dir).args([
            "top",
            "in",
            "--format",
            "json",
            "--limit",
            "0",
            "--key-file",
            "k",
        ]),
        None,
    )
    .expect_code(0);
    assert_no_secret(&r.stdout, &b.secrets(), "top on the raw bundle");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut shown = BTreeSet::new();
    for t in v["top"].as_array().unwrap() {
        for row in t["users"]["by_count"].as_array().into_iter().flatten() {
            shown.insert(row["value"].as_str().unwrap().to_string());
        }
    }
    assert!(!shown.is_empty(), "{}", r.stdout);
    for u in &shown {
        assert!(
            user_pseudonyms.contains(u),
            "{u} is not a name from the redacted bundle ({user_pseudonyms:?})"
        );
    }
}

#[test]
fn network_pseudonyms_do_not_depend_on_the_order_addresses_are_met() {
    use airlock::redact::{Key, Pseudonymizer};
    use std::net::Ipv4Addr;
    // 5,000 /24s in 983,040 pseudonym /24s: collisions are certain.
    let mut rng = airlock::corpus::Rng::new(77);
    let mut nets = BTreeSet::new();
    while nets.len() < 5000 {
        nets.insert([10u8, rng.below(256) as u8, rng.below(256) as u8]);
    }
    let addrs: Vec<Ipv4Addr> = nets
        .iter()
        .map(|n| Ipv4Addr::new(n[0], n[1], n[2], 7))
        .collect();
    let run = |order: &[Ipv4Addr]| {
        let p = Pseudonymizer::new(Key::from_bytes([3; 32]));
        p.preassign_networks(&nets, &BTreeSet::new());
        let out: BTreeMap<Ipv4Addr, Ipv4Addr> = order.iter().map(|a| (*a, p.ipv4(*a))).collect();
        (out, p.collisions())
    };
    let (forward, collisions) = run(&addrs);
    let mut reversed = addrs.clone();
    reversed.reverse();
    let (backward, _) = run(&reversed);
    assert!(collisions > 0, "the test needs collisions to mean anything");
    assert_eq!(forward, backward);
    let distinct: BTreeSet<_> = forward.values().collect();
    assert_eq!(distinct.len(), addrs.len());
    assert!(forward
        .values()
        .all(|p| p.octets()[0] >= 240 && p.octets()[0] < 255));
}

#[test]
fn output_is_byte_identical_whatever_jobs_and_chunk_sizes() {
    let dir = TempDir::new("redact-jobs");
    let b = gitlabsos(15);
    for (n, d) in b.entries() {
        dir.write(&format!("in/{n}"), d);
    }
    // More files, so several threads really work at once.
    for i in 0..40 {
        let (n, d) = &b.files[i % b.files.len()];
        if !n.ends_with(".gz") && !n.ends_with(".s") {
            dir.write(&format!("in/extra/{i}-{}", n.replace('/', "_")), d);
        }
    }
    // And files of many chunks at the smaller chunk sizes (a chunk is at
    // least 4 KiB: `--chunk-size 64` is clamped to 4096), so that chunk
    // boundaries fall all through them.
    let logs: Vec<&Vec<u8>> = b
        .files
        .iter()
        .filter(|(n, d)| n.ends_with(".log") && d.ends_with(b"\n"))
        .map(|(_, d)| d)
        .collect();
    assert!(logs.len() >= 3);
    let mut big_sizes = Vec::new();
    for (i, log) in logs.iter().take(3).enumerate() {
        let mut big = Vec::new();
        while big.len() < 96 << 10 {
            big.extend_from_slice(log);
        }
        dir.write(&format!("in/big/{i}.log"), &big);
        // The test itself, not only the product, says this file is cut in
        // many chunks at 4 and 8 KiB: no line is near a chunk long.
        let longest = big.split(|c| *c == b'\n').map(<[u8]>::len).max().unwrap();
        assert!(longest < 2048, "a line of {longest} bytes");
        let e = airlock::detect::Engine::new(&airlock::rules::RuleSet::builtin().unwrap()).unwrap();
        let mut chunks = 0;
        e.matcher(None)
            .scan_slice(
                &big,
                &airlock::detect::ScanOptions { chunk_size: 8192 },
                |_| {
                    chunks += 1;
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        assert!(chunks >= 10, "{chunks} chunks of 8 KiB");
        big_sizes.push(big.len());
    }
    let mut outs = Vec::new();
    for (jobs, chunk) in [
        ("1", "1048576"),
        ("4", "1048576"),
        ("2", "4096"),
        ("3", "64"),
        ("2", "8192"),
        ("1", "5000"),
    ] {
        let out = format!("out-{jobs}-{chunk}");
        let report = format!("r-{jobs}-{chunk}.json");
        run(
            &dir,
            airlock(&dir).args([
                "redact",
                "in",
                "-o",
                &out,
                "--key-file",
                "k",
                "--jobs",
                jobs,
                "--chunk-size",
                chunk,
                "--report",
                &report,
            ]),
            None,
        )
        .expect_code(0);
        let mut files = flatten_dir(&dir.path().join(&out));
        files.sort();
        let mut r: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(&report)).unwrap()).unwrap();
        r["output"] = serde_json::Value::Null;
        // Times differ from run to run; everything else must not.
        r["passes"] = serde_json::Value::Null;
        outs.push((files, r));
    }
    for o in &outs[1..] {
        assert!(o.0 == outs[0].0, "output trees differ");
        assert_eq!(o.1, outs[0].1, "reports differ");
    }
    assert_nothing_survives(&b, &outs[0].0, "parallel output");
    for (i, size) in big_sizes.iter().enumerate() {
        let (_, d) = outs[0]
            .0
            .iter()
            .find(|(n, _)| n == &format!("big/{i}.log"))
            .unwrap();
        assert!(d.len() * 2 > *size, "big/{i}.log lost its content");
    }
}

#[test]
fn a_context_rule_running_into_a_mask_is_not_a_leak() {
    // Regression: on the output, the unquoted-value rule reads
    // `feed_token=glft-[REDACTED:…/03c26a` (stopping before the mask's `]`);
    // verification called that a leak and redaction failed.
    let dir = TempDir::new("redact-mask-context");
    dir.write(
        "gitlab_access.log",
        "10.1.2.3 - - [18/Nov/2026:18:36:01 +0000] \"GET /dashboard/issues.atom?feed_token=glft-sCkoPyf3JRqQ5hSDbOFg&state=opened HTTP/1.1\" 200 63354 \"-\" \"curl\"\n",
    );
    run(
        &dir,
        airlock(&dir).args(["redact", "gitlab_access.log", "-o", "out.log"]),
        None,
    )
    .expect_code(0);
    let out = fs::read_to_string(dir.path().join("out.log")).unwrap();
    assert!(
        out.contains("feed_token=glft-[REDACTED:gitlab_feed_token/"),
        "{out}"
    );
    run(&dir, airlock(&dir).args(["verify", "out.log"]), None).expect_code(0);
}

#[test]
fn documentation_ipv6_addresses_are_redacted_not_taken_for_pseudonyms() {
    let dir = TempDir::new("redact-ipv6-doc");
    dir.write(
        "a.log",
        "client [2001:db8:252:5170::eb7]:443 and fd00:1:2:3::5\n",
    );
    run(
        &dir,
        airlock(&dir).args(["redact", "a.log", "-o", "out.log"]),
        None,
    )
    .expect_code(0);
    let out = fs::read_to_string(dir.path().join("out.log")).unwrap();
    assert!(
        !out.contains("2001:db8") && !out.contains("fd00:1:2:3"),
        "{out}"
    );
    assert_eq!(
        out.matches("[fec0:").count() + out.matches(" fec0:").count(),
        2,
        "{out}"
    );
}

/// A member big enough that redaction and verification split it across
/// threads (several 1 MiB segments): the output (byte for byte, gzip
/// members included), the report and the located leaks must be exactly
/// those of one thread.
#[test]
fn one_large_member_is_split_across_threads_with_the_same_result() {
    let dir = TempDir::new("redact-large-member");
    let mut text = String::new();
    let mut line = 0u64;
    // ~5 MiB of access-log lines, with addresses and tokens all through it.
    while text.len() < 5 << 20 {
        line += 1;
        let (a, b) = (line % 251, (line / 251) % 253);
        text.push_str(&format!(
            "10.{b}.{a}.7 - - [20/Nov/2026:13:44:11 +0000] \"GET /api/v4/projects/{line}?private_token=glpat-{line:020} HTTP/1.1\" 200 {a} \"-\" \"curl/8\"\n"
        ));
    }
    dir.write("big.log", &text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    // An archive's members come one at a time, so each may use every thread.
    dir.write(
        "big.tar.gz",
        tar_gz(&[
            ("b/big.log".into(), text.clone().into_bytes()),
            ("b/big.log.1.gz".into(), gz.finish().unwrap()),
        ]),
    );
    let mut outs = Vec::new();
    // 64 KiB chunks: the member streams through windows of 1 MiB.
    for (jobs, chunk) in [("1", "1048576"), ("4", "1048576"), ("2", "65536")] {
        let mut got = Vec::new();
        for (input, out) in [("big.log", "out.log"), ("big.tar.gz", "out.tar.gz")] {
            let out = format!("{jobs}-{chunk}-{out}");
            let report = format!("{out}.json");
            run(
                &dir,
                airlock(&dir).args([
                    "redact",
                    input,
                    "-o",
                    &out,
                    "--key-file",
                    "k",
                    "--jobs",
                    jobs,
                    "--chunk-size",
                    chunk,
                    "--report",
                    &report,
                ]),
                None,
            )
            .expect_code(0);
            let mut r: serde_json::Value =
                serde_json::from_slice(&fs::read(dir.path().join(&report)).unwrap()).unwrap();
            r["output"] = serde_json::Value::Null;
            r["passes"] = serde_json::Value::Null;
            got.push((fs::read(dir.path().join(&out)).unwrap(), r));
        }
        outs.push(got);
    }
    for other in &outs[1..] {
        for (one, many) in outs[0].iter().zip(other) {
            assert_eq!(one.1, many.1, "reports differ");
            // Byte for byte: the archive holds a recompressed .gz member.
            assert!(one.0 == many.0, "outputs differ");
        }
    }
    let redacted = String::from_utf8(outs[0][0].0.clone()).unwrap();
    assert_eq!(redacted.lines().count() as u64, line);
    assert!(!redacted.contains("glpat-0"), "a token survived");
    assert!(!redacted.contains("10.0.1.7"), "an address survived");

    // Verification of the input finds the same leaks, at the same places,
    // whatever the threads.
    let mut listed = Vec::new();
    for jobs in ["1", "4"] {
        let r = run(
            &dir,
            airlock(&dir).args(["verify", "big.log", "--jobs", jobs]),
            None,
        )
        .expect_code(1);
        listed.push(r.stdout);
    }
    assert_eq!(listed[0], listed[1]);
    let last = format!("big.log:{line}:");
    assert!(
        listed[0].lines().any(|l| l.starts_with(&last)),
        "no leak located on the last line {line}"
    );
}

/// Verification searches every original as a literal, except addresses
/// when there are more than the cap (the address rules find them by shape;
/// a literal automaton of millions would cost more than the run).
#[test]
fn address_originals_are_searched_as_literals_up_to_the_cap() {
    use airlock::redact::pseudo::Assignment;
    use airlock::redact::verify::{originals_as_literals, ADDRESS_LITERALS_MAX};
    let entry = |kind: &str, original: String| Assignment {
        kind: kind.into(),
        original,
        pseudonym: "p".into(),
    };
    let host = || entry("hostname", "gitlab.corp.example.com".into());
    let addresses = |n: usize| -> Vec<Assignment> {
        (0..n)
            .map(|i| {
                entry(
                    "ipv4",
                    format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                )
            })
            .chain([host()])
            .collect()
    };
    let kinds = |v: &[airlock::detect::LearnedValue]| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for l in v {
            *m.entry(l.kind.clone()).or_default() += 1;
        }
        m
    };
    let set = airlock::rules::RuleSet::builtin().unwrap();
    let under = kinds(&originals_as_literals(
        &addresses(ADDRESS_LITERALS_MAX),
        &set,
    ));
    assert_eq!(under.get("ipv4"), Some(&ADDRESS_LITERALS_MAX));
    assert_eq!(under.get("hostname"), Some(&1));
    let over = kinds(&originals_as_literals(
        &addresses(ADDRESS_LITERALS_MAX + 1),
        &set,
    ));
    assert_eq!(over.get("ipv4"), None);
    assert_eq!(
        over.get("hostname"),
        Some(&1),
        "host names are always searched"
    );
}

/// Regression: a user name learned from one log (`"username":…`) is
/// replaced as `user-…` everywhere, also where a name rule sees it
/// (`User "…" was created`); verification must take that pseudonym as
/// airlock's own. It did not, and redaction of a 3,000-line generated
/// bundle failed with 600 findings.
#[test]
fn a_learned_user_in_a_name_context_verifies() {
    let dir = TempDir::new("redact-user-as-name");
    dir.write(
        "in/production_json.log",
        "{\"method\":\"GET\",\"path\":\"/\",\"status\":200,\"username\":\"sokafor122\",\"correlation_id\":\"01HZX\"}\n",
    );
    dir.write(
        "in/application_json.log",
        "{\"severity\":\"INFO\",\"correlation_id\":\"b6tRNehooWE\",\"message\":\"User \\\"sokafor122\\\" (sokafor122@acme-gov.us) was created\"}\n",
    );
    let read = redact_in_to_out(&dir, &[]);
    for f in ["production_json.log", "application_json.log"] {
        let text = read(f);
        assert!(!text.contains("sokafor122"), "{f}: {text}");
        assert!(text.contains("user-"), "{f}: {text}");
    }
}

/// Regressions found redacting `../shared/corpora/loghub` as a whole: each
/// made verification fail (fail closed, nothing written) on real logs.
#[test]
fn real_log_shapes_that_failed_verification_now_redact() {
    let dir = TempDir::new("redact-loghub-shapes");
    // 1. A template's `<*>` and a CSV run were learned as user names, then
    //    replaced everywhere (`token: <*>@<*>` became a password).
    dir.write(
        "in/sshd_templates.csv",
        "E7,session opened for user <*> by (uid=0)\n3321,session opened for user tnguyen,E7,session\n",
    );
    dir.write(
        "in/android_templates.csv",
        "E9,Bad session token: <*>@<*>\n",
    );
    // 2. An IPv6 address right after an interface name (`en0:`) is invisible
    //    to the pattern; found elsewhere, it must be replaced here too.
    dir.write(
        "in/Mac.log",
        "kernel[0]: wl0: MDNS: IPV6 Addr: 2001:db8:a1:b2:c3:d4:e5:f6\n\
         configd[53]: network changed: v4(en1+:10.20.30.40) v6(en1:2001:db8:a1:b2:c3:d4:e5:f6) DNS! Proxy SMB\n",
    );
    // 3. A host under a provider's domain keeps the domain and its public
    //    labels (`mail.google.com` is Google's), loses any other label
    //    (`jira.gitlab.com` may be anyone's); the allowed public host
    //    itself stays and is no leak.
    dir.write(
        "in/proxy.log",
        "firefox.exe - mail.google.com:443 open\nfirefox.exe - accounts.google.com:443 close\n\
         client_url http://jira.gitlab.com:8080/rest\nURL: https://gitlab.com/gitlab-org/gitlab-runner\n",
    );
    let read = redact_in_to_out(&dir, &[]);
    assert_eq!(
        read("android_templates.csv"),
        "E9,Bad session token: <*>@<*>\n"
    );
    let sshd = read("sshd_templates.csv");
    assert!(
        sshd.contains("user <*> by") && sshd.contains(",E7,session"),
        "{sshd}"
    );
    assert!(!sshd.contains("tnguyen"), "{sshd}");
    let mac = read("Mac.log");
    assert!(!mac.contains("2001:db8:a1"), "{mac}");
    assert!(!mac.contains("10.20.30.40"), "{mac}");
    let proxy = read("proxy.log");
    assert!(proxy.contains("accounts.google.com:443"), "{proxy}");
    assert!(proxy.contains("https://gitlab.com/gitlab-org"), "{proxy}");
    assert!(proxy.contains("- mail.google.com:443 open"), "{proxy}");
    assert!(!proxy.contains("jira."), "{proxy}");
    assert!(proxy.contains(".gitlab.com:8080/rest"), "{proxy}");
}

/// Regressions from redacting `../shared/corpora/noseyparker` and
/// `gitleaks` as a whole (verification failed, nothing written).
#[test]
fn secret_corpora_shapes_that_failed_verification_now_redact() {
    let dir = TempDir::new("redact-np-shapes");
    // 1. `from` of `from@example.com` was recorded as a user name, and every
    //    `from` in English text then counted as a leak.
    dir.write(
        "in/mail.php",
        "$mail->From = 'from@acme-corp.com';\nuser=example\n",
    );
    dir.write(
        "in/LICENSE",
        "the report came from the nightly job\nhttps://support.acme-tools.com/en/articles\n",
    );
    // 2. `.int` inside a longer host name ended the host there.
    dir.write("in/headers.txt", "X-Auth-Source: mx0042.int.acme-gov.com\n");
    let read = redact_in_to_out(&dir, &["--map", "m.json"]);
    assert!(read("LICENSE").contains("came from the nightly"));
    let mail = read("mail.php");
    assert!(!mail.contains("acme-corp"), "{mail}");
    let headers = read("headers.txt");
    assert!(
        !headers.contains("mx0042") && !headers.contains("acme-gov"),
        "{headers}"
    );
    // The e-mail still unmasks.
    let pseudo = mail.split('\'').nth(1).unwrap().to_string();
    assert_eq!(
        unmask(&dir, &pseudo),
        format!("{pseudo}\tfrom@acme-corp.com\n")
    );
}

#[test]
fn the_user_name_of_a_url_is_pseudonymised_everywhere_it_occurs() {
    // A URL's userinfo names an account: it gets the same pseudonym there
    // and in any other line, while the password is masked. A user name that
    // is also a host label (`_` in a label) stays consistent with the host.
    let dir = TempDir::new("redact-url-user");
    dir.write(
        "in/sidekiq.log",
        "{\"message\":\"import_url: https://mirror-svc:hunter2hunter2@code.partner.internal/acme/app.git failed\"}\n\
         fatal: unable to access 'https://kwilliams@gitlab.corp.internal/acme/app.git/': 403\n\
         ssh://git@gitlab.corp.internal:2222/g/p.git\n",
    );
    dir.write(
        "in/auth.log",
        "session opened for mirror-svc\nhttps://svc_-ro:pw1234567@svc_-ro.dbhost.internal/db\n",
    );
    let read = redact_in_to_out(&dir, &["--map", "m.json"]);
    let (sidekiq, auth) = (read("sidekiq.log"), read("auth.log"));
    for gone in ["mirror-svc", "hunter2", "kwilliams", "svc_-ro", "dbhost"] {
        assert!(
            !sidekiq.contains(gone) && !auth.contains(gone),
            "{gone} survived:\n{sidekiq}{auth}"
        );
    }
    // Same pseudonym in the URL and in the other file.
    let user = sidekiq
        .split("https://")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap()
        .to_string();
    assert!(user.starts_with("user-"), "{sidekiq}");
    assert!(
        auth.contains(&format!("session opened for {user}")),
        "{auth}"
    );
    // A role every instance has stays.
    assert!(sidekiq.contains("ssh://git@"), "{sidekiq}");
    assert_eq!(unmask(&dir, &user), format!("{user}\tmirror-svc\n"));
}
