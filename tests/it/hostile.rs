//! Hostile and broken input: no panic, nothing outside the output, no
//! partial output, exit 2 naming the input and member for what cannot be
//! processed; for what can, nothing leaks.

use std::fs;
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::bundle_gen::{flatten, tar_gz};
use super::util::{airlock, assert_no_secret, run, Run, TempDir};

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Names in `dir`, sorted (to see that nothing was left behind).
fn listing(dir: &TempDir) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn no_panic(r: &Run) {
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
        "{}",
        r.describe()
    );
}

#[test]
fn random_bytes_named_tar_gz_are_an_error_not_an_empty_output() {
    let dir = TempDir::new("hostile-random");
    let mut rng = airlock::corpus::Rng::new(1);
    let bytes: Vec<u8> = (0..4096).map(|_| rng.below(256) as u8).collect();
    dir.write("bundle.tar.gz", &bytes);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "bundle.tar.gz", "-o", "out.tar.gz"]),
        None,
    )
    .expect_code(2);
    no_panic(&r);
    assert!(r.stderr.contains("cannot be redacted"), "{}", r.describe());
    assert_eq!(listing(&dir), vec!["bundle.tar.gz"]);
}

#[test]
fn crlf_damaged_gzip_fails_closed() {
    let dir = TempDir::new("hostile-crlf");
    let text: String = (0..2000)
        .map(|i| format!("line {i} from 10.1.{}.{}\n", i % 200, i % 250))
        .collect();
    let good = tar_gz(&[("logs/a.log".to_string(), text.into_bytes())]);
    // What a Windows upload in text mode does: every \n becomes \r\n.
    let mut bad = Vec::new();
    for b in good {
        if b == b'\n' {
            bad.push(b'\r');
        }
        bad.push(b);
    }
    dir.write("upload.tar.gz", &bad);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "upload.tar.gz", "-o", "out.tar.gz"]),
        None,
    )
    .expect_code(2);
    no_panic(&r);
    assert!(r.stderr.contains("upload.tar.gz"), "{}", r.describe());
    assert_eq!(listing(&dir), vec!["upload.tar.gz"]);
}

#[test]
fn gzip_bomb_hits_the_size_limit_with_a_clear_error() {
    let dir = TempDir::new("hostile-bomb");
    // 48 MiB of log lines compress to well under 1 MiB.
    let line = b"2026-11-20_13:44:10.38123 all quiet on this line\n";
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    for _ in 0..(48 << 20) / line.len() {
        e.write_all(line).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    dir.write("in/messages.1.gz", &bomb);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--max-member-mib", "8"]),
        None,
    )
    .expect_code(2);
    no_panic(&r);
    assert!(
        r.stderr.contains("messages.1.gz") && r.stderr.contains("decompresses to more than"),
        "{}",
        r.describe()
    );
    assert_eq!(listing(&dir), vec!["in"]);
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error() {
    let dir = TempDir::new("hostile-deep");
    let mut data = b"ip 10.9.8.7\n".to_vec();
    for _ in 0..12 {
        data = gz(&data);
    }
    dir.write("deep.gz", &data);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "deep.gz", "-o", "out.gz"]),
        None,
    )
    .expect_code(2);
    no_panic(&r);
    assert!(r.stderr.contains("nested deeper"), "{}", r.describe());
    assert_eq!(listing(&dir), vec!["deep.gz"]);
    // Within the limit it works, and every layer is gzip again.
    let mut ok = b"ip 10.9.8.7\n".to_vec();
    for _ in 0..3 {
        ok = gz(&ok);
    }
    dir.write("three.gz", &ok);
    run(
        &dir,
        airlock(&dir).args(["redact", "three.gz", "-o", "three.out.gz"]),
        None,
    )
    .expect_code(0);
    let mut out = fs::read(dir.path().join("three.out.gz")).unwrap();
    for _ in 0..3 {
        assert_eq!(&out[..2], &[0x1f, 0x8b]);
        let mut d = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&out[..]), &mut d).unwrap();
        out = d;
    }
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("ip 24") || text.starts_with("ip 25"),
        "{text}"
    );
}

#[test]
fn long_names_duplicates_and_odd_bytes_in_names_survive() {
    let dir = TempDir::new("hostile-names");
    let long = format!("logs/{}/{}.log", "d".repeat(120), "n".repeat(150));
    let entries = vec![
        (long.clone(), b"ip 10.5.5.5\n".to_vec()),
        ("logs/dup.log".to_string(), b"first 10.6.6.6\n".to_vec()),
        ("logs/dup.log".to_string(), b"second 10.7.7.7\n".to_vec()),
    ];
    dir.write("n.tar.gz", tar_gz(&entries));
    run(
        &dir,
        airlock(&dir).args(["redact", "n.tar.gz", "-o", "o.tar.gz"]),
        None,
    )
    .expect_code(0);
    let out = flatten("o", &fs::read(dir.path().join("o.tar.gz")).unwrap());
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            format!("o!{long}").as_str(),
            "o!logs/dup.log",
            "o!logs/dup.log"
        ]
    );
    for (_, d) in &out {
        let t = String::from_utf8_lossy(d);
        assert!(
            !t.contains("10.5.5.5") && !t.contains("10.6.6.6") && !t.contains("10.7.7.7"),
            "{t}"
        );
    }
}

#[test]
fn link_to_a_directory_outside_then_a_member_through_it() {
    let dir = TempDir::new("hostile-symdir");
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    b.append_link(&mut h, "d", "../../../tmp").unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(12);
    h.set_mode(0o644);
    b.append_data(&mut h, "d/planted.txt", &b"ip 10.1.1.1\n"[..])
        .unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Block);
    h.set_size(0);
    b.append_data(&mut h, "dev/sda", std::io::empty()).unwrap();
    dir.write("in/s.tar", b.into_inner().unwrap());
    fs::create_dir(dir.path().join("out")).unwrap();
    let r = run(
        &dir,
        airlock(&dir).args([
            "redact",
            "in/s.tar",
            "-o",
            "out/s.tar",
            "--report",
            "r.json",
        ]),
        None,
    )
    .expect_code(0);
    // The link is not reproduced; the member is a plain file under a plain
    // directory name; the device is left out.
    let out = fs::read(dir.path().join("out/s.tar")).unwrap();
    let mut ar = tar::Archive::new(&out[..]);
    let entries: Vec<(String, tar::EntryType)> = ar
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                String::from_utf8_lossy(&e.path_bytes()).into_owned(),
                e.header().entry_type(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![("d/planted.txt".to_string(), tar::EntryType::Regular)],
        "{}",
        r.describe()
    );
    assert!(!std::path::Path::new("/tmp/planted.txt").exists());
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let reasons: Vec<&str> = report["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "symbolic link (not followed, not reproduced)",
            "block device"
        ]
    );
}

#[test]
fn empty_files_archives_and_stdin() {
    let dir = TempDir::new("hostile-empty");
    dir.write("empty.log", b"");
    run(
        &dir,
        airlock(&dir).args(["redact", "empty.log", "-o", "empty.out"]),
        None,
    )
    .expect_code(0);
    assert_eq!(fs::read(dir.path().join("empty.out")).unwrap(), b"");
    dir.write("empty.tar.gz", tar_gz(&[]));
    run(
        &dir,
        airlock(&dir).args(["redact", "empty.tar.gz", "-o", "empty.out.tar.gz"]),
        None,
    )
    .expect_code(0);
    assert!(flatten("x", &fs::read(dir.path().join("empty.out.tar.gz")).unwrap()).is_empty());
    fs::create_dir(dir.path().join("emptydir")).unwrap();
    run(
        &dir,
        airlock(&dir).args(["redact", "emptydir", "-o", "emptydir.out"]),
        None,
    )
    .expect_code(0);
    assert!(dir.path().join("emptydir.out").is_dir());
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "-", "-o", "-"]),
        Some(b""),
    )
    .expect_code(0);
    assert_eq!(r.stdout, "");
    run(&dir, airlock(&dir).args(["verify", "emptydir.out"]), None).expect_code(0);
}

#[test]
fn a_line_longer_than_a_chunk_segment_is_redacted_everywhere() {
    let dir = TempDir::new("hostile-longline");
    let mut rng = airlock::corpus::Rng::new(5);
    let mut line = String::new();
    let mut secrets = Vec::new();
    while line.len() < 9 << 20 {
        let t = format!("glpat-{}", rng.alnum(20));
        let ip = rng.ipv4();
        line.push_str(&format!("{{\"token\":\"{t}\",\"remote_ip\":\"{ip}\"}},"));
        if secrets.len() < 2000 {
            secrets.push(t);
            secrets.push(ip);
        }
    }
    line.push('\n');
    dir.write("one-line.log", &line);
    run(
        &dir,
        airlock(&dir).args(["redact", "one-line.log", "-o", "out.log"]),
        None,
    )
    .expect_code(0);
    let out = fs::read_to_string(dir.path().join("out.log")).unwrap();
    assert_eq!(out.lines().count(), 1);
    assert_no_secret(
        &out[..out.len().min(4 << 20)],
        &secrets[..200],
        "redacted long line (head)",
    );
    // Every token in the whole line is masked: count the masks.
    assert_eq!(
        out.matches("glpat-[REDACTED:gitlab_pat/").count(),
        line.matches("glpat-").count()
    );
}

#[test]
fn invalid_utf8_around_secrets_does_not_leak() {
    let dir = TempDir::new("hostile-utf8");
    let mut data = b"\xff\xfe\x00binary-ish start\n".to_vec();
    data.clear();
    data.extend_from_slice(b"\xc3\x28 token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn\xff from 10.44.3.2\x80\n");
    data.extend_from_slice(b"\xf0\x28\x8c\x28 password=Secr3t!\xfe\n");
    dir.write("bad.log", &data);
    run(
        &dir,
        airlock(&dir).args(["redact", "bad.log", "-o", "bad.out"]),
        None,
    )
    .expect_code(0);
    let out = fs::read(dir.path().join("bad.out")).unwrap();
    let text = String::from_utf8_lossy(&out);
    for s in ["Ab1Cd2Ef3Gh4Ij5Kl6Mn", "10.44.3.2", "Secr3t!"] {
        assert!(!text.contains(s), "{s} leaked: {text}");
    }
    // Bytes outside the findings are kept as they were.
    assert!(out.starts_with(b"\xc3\x28 token glpat-"));
    assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 2);
}
