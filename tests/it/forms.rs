//! What a stream is and what the output is: text behind zero padding,
//! UTF-16 logs, and `-o` deciding the output's form.

use std::fs;
use std::io::Read;

use super::bundle_gen::{flatten, tar_gz};
use super::util::{airlock, run, temporaries_in, TempDir};

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut v = if bom { vec![0xff, 0xfe] } else { Vec::new() };
    v.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    v
}

fn from_utf16(data: &[u8], big_endian: bool) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16(&units).unwrap()
}

const TOKEN: &str = "glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn";

#[test]
fn utf16_logs_are_decoded_redacted_and_written_back_in_utf16() {
    let dir = TempDir::new("utf16");
    let text = format!(
        "PS C:\\> Get-Content build.log\r\ntoken {TOKEN} from 10.44.3.2\r\nuser é done\r\n"
    );
    let be: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_be_bytes()))
        .collect();
    for (name, data, big_endian, bom) in [
        ("bom-le.log", utf16le(&text, true), false, true),
        ("plain-le.log", utf16le(&text, false), false, false),
        ("bom-be.log", be, true, true),
    ] {
        dir.write(name, &data);
        let out = format!("{name}.out");
        run(&dir, airlock(&dir).args(["redact", name, "-o", &out]), None).expect_code(0);
        let got = fs::read(dir.path().join(&out)).unwrap();
        assert_eq!(
            got.starts_with(&[0xff, 0xfe]) || got.starts_with(&[0xfe, 0xff]),
            bom,
            "{name}"
        );
        let body = if bom { &got[2..] } else { &got[..] };
        let decoded = from_utf16(body, big_endian);
        assert!(
            !decoded.contains(TOKEN) && !decoded.contains("10.44.3.2"),
            "{name}: {decoded}"
        );
        assert!(
            decoded.contains("glpat-[REDACTED:gitlab_pat/"),
            "{name}: {decoded}"
        );
        assert_eq!(decoded.lines().count(), 3, "{name}");
        assert!(decoded.contains("user é done"), "{name}: {decoded}");
        run(&dir, airlock(&dir).args(["verify", &out]), None).expect_code(0);
        // scan sees the original's findings, with lines.
        let r = run(&dir, airlock(&dir).args(["scan", name]), None).expect_code(1);
        assert!(r.stdout.contains(&format!("{name}:2:")), "{}", r.describe());
    }
    // Inside a bundle, too.
    dir.write(
        "b.tar.gz",
        tar_gz(&[("b/runner.log".into(), utf16le(&text, true))]),
    );
    run(
        &dir,
        airlock(&dir).args([
            "redact",
            "b.tar.gz",
            "-o",
            "b.out.tar.gz",
            "--report",
            "r.json",
        ]),
        None,
    )
    .expect_code(0);
    let files = flatten("o", &fs::read(dir.path().join("b.out.tar.gz")).unwrap());
    let decoded = from_utf16(&files[0].1[2..], false);
    assert!(!decoded.contains(TOKEN), "{decoded}");
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["left_out"].as_array().unwrap().len(), 0, "{report}");
}

/// Found by the `bundle_read` fuzz target: a UTF-16 stream with an odd
/// last byte used to get U+FFFD in its place, so airlock's own output
/// changed when redacted again (and grew by a byte each time).
#[test]
fn regression_utf16_with_an_odd_last_byte_is_written_back_byte_for_byte() {
    let dir = TempDir::new("utf16-odd");
    let text = format!("token {TOKEN} from 10.44.3.2\r\nuser done\r\n");
    for (name, mut data) in [
        ("bom-le.log", utf16le(&text, true)),
        ("plain-le.log", utf16le(&text, false)),
    ] {
        data.push(b'\n');
        dir.write(name, &data);
        let once = format!("{name}.1");
        let twice = format!("{name}.2");
        run(
            &dir,
            airlock(&dir).args(["redact", name, "-o", &once, "--key-file", "k"]),
            None,
        )
        .expect_code(0);
        run(
            &dir,
            airlock(&dir).args(["redact", &once, "-o", &twice, "--key-file", "k"]),
            None,
        )
        .expect_code(0);
        let first = fs::read(dir.path().join(&once)).unwrap();
        let second = fs::read(dir.path().join(&twice)).unwrap();
        assert_eq!(first.last(), Some(&b'\n'), "{name}: the odd byte is kept");
        assert_eq!(first.len() % 2, 1, "{name}");
        assert_eq!(
            first, second,
            "{name}: a second redaction changed airlock's output"
        );
        let body = &first[usize::from(name.starts_with("bom")) * 2..first.len() - 1];
        let decoded = from_utf16(body, false);
        assert!(!decoded.contains(TOKEN), "{name}: {decoded}");
    }
}

/// Found by the `bundle_read` fuzz target: UTF-16 with a byte-order mark
/// behind zero padding got a second mark written at the very start, so the
/// output differed from the input's units and read back as binary data.
#[test]
fn regression_utf16_behind_zero_padding_keeps_its_units_and_its_place() {
    let dir = TempDir::new("utf16-padded");
    let text = format!("token {TOKEN} from 10.44.3.2\r\nuser done\r\n");
    let mut data = vec![0u8; 8];
    data.extend(utf16le(&text, true));
    dir.write("padded.log", &data);
    run(
        &dir,
        airlock(&dir).args(["redact", "padded.log", "-o", "1.log", "--key-file", "k"]),
        None,
    )
    .expect_code(0);
    run(
        &dir,
        airlock(&dir).args(["redact", "1.log", "-o", "2.log", "--key-file", "k"]),
        None,
    )
    .expect_code(0);
    let first = fs::read(dir.path().join("1.log")).unwrap();
    let second = fs::read(dir.path().join("2.log")).unwrap();
    assert_eq!(
        &first[..10],
        &[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe],
        "padding, then the mark"
    );
    assert_eq!(first, second, "a second redaction changed airlock's output");
    let decoded = from_utf16(&first[10..], false);
    assert!(
        !decoded.contains(TOKEN) && !decoded.contains("10.44.3.2"),
        "{decoded}"
    );
    assert!(decoded.contains("user done"), "{decoded}");
    // An odd padding misaligns the units: left out as binary, not guessed.
    let mut odd = vec![0u8; 7];
    odd.extend(utf16le(&text, true));
    dir.write("odd.log", &odd);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "odd.log", "-o", "odd.out"]),
        None,
    );
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("binary"), "{}", r.describe());
    assert!(!dir.path().join("odd.out").exists());
}

/// Every input the `bundle_read` fuzz target found a fixed-point failure
/// for (`fuzz/seeds/bundle_read/regression-*`): what `redact` writes, it
/// reads back, and redacting it again changes nothing. (An input airlock
/// refuses must leave nothing behind.)
#[test]
fn regression_fuzz_inputs_redact_to_a_fixed_point() {
    let dir = TempDir::new("fuzz-fixed-point");
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/bundle_read");
    let mut tried = 0;
    for entry in fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("regression-") {
            continue;
        }
        tried += 1;
        dir.write(&name, fs::read(&path).unwrap());
        let (once, twice) = (format!("1-{name}"), format!("2-{name}"));
        let r = run(
            &dir,
            airlock(&dir).args(["redact", &name, "-o", &once, "--key-file", "k"]),
            None,
        );
        if r.code != 0 {
            assert!(!dir.path().join(&once).exists(), "{name}: {}", r.describe());
            continue;
        }
        run(
            &dir,
            airlock(&dir).args(["redact", &once, "-o", &twice, "--key-file", "k"]),
            None,
        )
        .expect_code(0);
        assert_eq!(
            fs::read(dir.path().join(&once)).unwrap(),
            fs::read(dir.path().join(&twice)).unwrap(),
            "{name}: a second redaction changed airlock's output"
        );
    }
    assert!(tried >= 4, "only {tried} regression seeds");
}

#[test]
fn text_after_zero_padding_is_redacted_not_dropped() {
    let dir = TempDir::new("zeros");
    let lines: String = (0..1000)
        .map(|i| {
            format!(
                "2026-11-20 line {i} from 10.5.{}.{} {TOKEN}\n",
                i % 200,
                i % 250
            )
        })
        .collect();
    for (name, pad) in [
        ("lead-8k.log", 8192usize),
        ("lead-100k.log", 100_000),
        ("lead-3.log", 3),
    ] {
        let mut data = vec![0u8; pad];
        data.extend_from_slice(lines.as_bytes());
        dir.write(name, &data);
        let out = format!("{name}.out");
        let r = run(
            &dir,
            airlock(&dir).args(["redact", name, "-o", &out, "--report", "r.json"]),
            None,
        )
        .expect_code(0);
        let got = fs::read(dir.path().join(&out)).unwrap();
        assert!(got[..pad].iter().all(|b| *b == 0), "{name}");
        let text = String::from_utf8_lossy(&got[pad..]);
        assert_eq!(text.lines().count(), 1000, "{name}: {}", r.describe());
        assert!(
            !text.contains(TOKEN) && !text.contains("10.5.1.1 "),
            "{name}"
        );
        let report: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
        assert_eq!(
            report["files"].as_array().unwrap().len(),
            1,
            "{name}: {report}"
        );
        // scan finds what is behind the padding.
        let r = run(&dir, airlock(&dir).args(["scan", name]), None).expect_code(1);
        assert!(
            r.stdout.contains(&format!("{name}:1000:")),
            "{}",
            r.describe()
        );
    }
    // Runs of NUL bytes between text (a sparse region) are padding too.
    let mut sparse = lines.as_bytes()[..2000].to_vec();
    sparse.extend_from_slice(&[0u8; 4096]);
    sparse.extend_from_slice(lines.as_bytes());
    dir.write("sparse.log", &sparse);
    run(
        &dir,
        airlock(&dir).args(["redact", "sparse.log", "-o", "sparse.out"]),
        None,
    )
    .expect_code(0);
    let got = fs::read_to_string(dir.path().join("sparse.out")).unwrap();
    assert!(!got.contains(TOKEN));
    // A zero-filled file comes through as it was.
    dir.write("zeros.dat", vec![0u8; 50_000]);
    run(
        &dir,
        airlock(&dir).args(["redact", "zeros.dat", "-o", "zeros.out"]),
        None,
    )
    .expect_code(0);
    assert_eq!(
        fs::read(dir.path().join("zeros.out")).unwrap(),
        vec![0u8; 50_000]
    );
    // Data after the end of a tar archive is not dropped silently.
    let mut tar_then_text = fs::read(dir.path().join("zeros.out")).unwrap();
    tar_then_text.clear();
    {
        let mut b = tar::Builder::new(&mut tar_then_text);
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "a.log", &b"ok\n"[..]).unwrap();
        b.finish().unwrap();
    }
    tar_then_text.extend_from_slice(lines.as_bytes());
    dir.write("appended.tar", &tar_then_text);
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "appended.tar", "-o", "appended.out"]),
        None,
    )
    .expect_code(2);
    assert!(
        r.stderr.contains("after the end of the tar archive"),
        "{}",
        r.describe()
    );
    assert!(!dir.path().join("appended.out").exists());
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn tar_names(data: &[u8]) -> Vec<String> {
    tar::Archive::new(data)
        .entries()
        .unwrap()
        .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
        .collect()
}

#[test]
fn the_output_name_decides_the_form() {
    let dir = TempDir::new("form");
    let log = format!("token {TOKEN} from 10.44.3.2\n");
    dir.write("in/logs/a.log", &log);
    dir.write("app.log", &log);
    dir.write(
        "b.tar.gz",
        tar_gz(&[("b/a.log".into(), log.clone().into_bytes())]),
    );
    let redact = |args: &[&str]| {
        let mut all = vec!["redact"];
        all.extend_from_slice(args);
        run(&dir, airlock(&dir).args(&all), None).expect_code(0);
    };
    // A directory as .tar.gz, .tgz and .tar: its tree under its own name.
    redact(&["in", "-o", "d.tar.gz"]);
    redact(&["in", "-o", "d.tgz"]);
    redact(&["in", "-o", "d.tar"]);
    for (name, gz) in [("d.tar.gz", true), ("d.tgz", true), ("d.tar", false)] {
        let raw = fs::read(dir.path().join(name)).unwrap();
        assert_eq!(raw.starts_with(&[0x1f, 0x8b]), gz, "{name}");
        let tar = if gz { gunzip(&raw) } else { raw };
        assert_eq!(
            tar_names(&tar),
            vec!["in/", "in/logs/", "in/logs/a.log"],
            "{name}"
        );
        let files = flatten(name, &fs::read(dir.path().join(name)).unwrap());
        let a = files.iter().find(|(n, _)| n.ends_with("a.log")).unwrap();
        assert!(!String::from_utf8_lossy(&a.1).contains(TOKEN));
        run(&dir, airlock(&dir).args(["verify", name]), None).expect_code(0);
    }
    // A log as .gz and as .tar.gz (its one member); a .tar.gz as .tar.
    redact(&["app.log", "-o", "app.log.gz"]);
    let text =
        String::from_utf8(gunzip(&fs::read(dir.path().join("app.log.gz")).unwrap())).unwrap();
    assert!(text.starts_with("token glpat-[REDACTED:"), "{text}");
    redact(&["app.log", "-o", "app.tar.gz"]);
    let tar = gunzip(&fs::read(dir.path().join("app.tar.gz")).unwrap());
    assert_eq!(tar_names(&tar), vec!["app.log"]);
    redact(&["b.tar.gz", "-o", "b.tar"]);
    let raw = fs::read(dir.path().join("b.tar")).unwrap();
    assert!(!raw.starts_with(&[0x1f, 0x8b]));
    assert_eq!(tar_names(&raw), vec!["b/a.log"]);
    // Any other name keeps the input's form.
    redact(&["b.tar.gz", "-o", "b.copy"]);
    assert!(fs::read(dir.path().join("b.copy"))
        .unwrap()
        .starts_with(&[0x1f, 0x8b]));
    // Forms airlock cannot write are refused before any work.
    for (input, out) in [
        ("in", "x.zip"),
        ("app.log", "x.xz"),
        ("b.tar.gz", "x.tar.bz2"),
        ("app.log", "x.zst"),
        ("in", "x.7z"),
        ("in", "d.gz"),
    ] {
        let r = run(&dir, airlock(&dir).args(["redact", input, "-o", out]), None).expect_code(2);
        assert!(
            r.stderr.contains("cannot write") || r.stderr.contains("cannot be written"),
            "{out}: {}",
            r.describe()
        );
        assert!(!dir.path().join(out).exists());
        assert_eq!(temporaries_in(dir.path()), Vec::<String>::new());
    }
}
