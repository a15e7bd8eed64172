//! The redaction pipeline driven through the library (`airlock::pipeline`):
//! the fail-closed path (verification finds a leftover: nothing is
//! written), an input that changes between the passes, and the report's
//! counts against an independent count of the input's members.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use airlock::pipeline::{Config, Error, Job};
use airlock::progress::{Pass, Progress, Silent};
use airlock::rules::RuleSet;

use super::bundle_gen::{gitlabsos, tar_gz};
use super::util::{airlock, names_in, run, temporaries_in, TempDir};

/// A rule redaction does not have and verification does: whatever it finds
/// survives redaction, and verification must refuse the output.
const CANARY_RULES: &str = r#"
[pack]
name = "canary"
version = "1.0.0"

[[rules]]
id = "canary"
description = "a value only verification knows"
category = "credential"
kind = "token"
pattern = '''CANARY-(?P<secret>[0-9]{8})'''
keywords = ["CANARY-"]
examples = ["CANARY-12345678"]
"#;

fn canary_set(dir: &TempDir) -> RuleSet {
    let p = dir.write("canary.toml", CANARY_RULES);
    RuleSet::load(&[p], false).unwrap()
}

const CANARY: &str = "CANARY-31415926";

/// Everything a failed run must not have left.
fn assert_nothing_written(dir: &Path, outputs: &[&str], keep: &[&str]) {
    for o in outputs {
        assert!(!dir.join(o).exists(), "{o} was written");
    }
    assert_eq!(temporaries_in(dir), Vec::<String>::new());
    let mut left = names_in(dir);
    left.retain(|n| !keep.contains(&n.as_str()));
    assert_eq!(left, Vec::<String>::new(), "left behind");
}

#[test]
fn when_anything_remains_nothing_is_left_at_the_output_for_a_directory_a_file_and_a_tar_gz() {
    let dir = TempDir::new("fail-closed");
    let strict = canary_set(&dir);
    let set = RuleSet::builtin().unwrap();
    let text = format!("2026-11-20 ok\nsession {CANARY} from 10.1.2.3\n");
    dir.write("in/var/log/app.log", &text);
    dir.write("app.log", &text);
    dir.write(
        "bundle.tar.gz",
        tar_gz(&[("b/var/log/app.log".into(), text.clone().into_bytes())]),
    );
    let keep = ["canary.toml", "in", "app.log", "bundle.tar.gz"];
    for (input, output) in [
        ("in", "out"),
        ("app.log", "out.log"),
        ("bundle.tar.gz", "out.tar.gz"),
    ] {
        let mut c = Config::new(dir.path().join(input), dir.path().join(output));
        c.report = Some(dir.path().join("report.json"));
        c.map = Some(dir.path().join("map.json"));
        c.key_file = Some(dir.path().join("canary.toml.key"));
        let err = Job::new(c, &set)
            .verify_with(&strict)
            .run(&Silent, &|_| {})
            .expect_err("verification must refuse the output");
        let Error::Remains(leaks) = &err else {
            panic!("{input}: not a verification failure: {err}");
        };
        assert!(
            leaks.iter().any(|l| l.rule == "canary"),
            "{input}: {leaks:?}"
        );
        let msg = format!("{err}");
        assert!(
            msg.contains("remain") && msg.contains("nothing was written"),
            "{input}: {msg}"
        );
        // No value in the message nor in what it lists.
        assert!(!msg.contains("31415926"), "{msg}");
        for l in leaks {
            let shown = format!("{l:?}");
            assert!(!shown.contains("31415926"), "{shown}");
        }
        fs::remove_file(dir.path().join("canary.toml.key")).unwrap();
        assert_nothing_written(dir.path(), &[output, "report.json", "map.json"], &keep);
    }
}

#[test]
fn the_binary_exits_2_when_verification_finds_what_redaction_left() {
    // The same fail-closed path through the binary, for a file, a directory
    // and a .tar.gz, without a second rule set: a rule limited to some paths
    // does not apply to a member under its input name while redacting, and
    // does under its output name, which verification reads:
    // - the file app.txt written as app.log (`*.log`);
    // - the directory `in` written as a tar of its tree under its own name
    //   (`in/*`: redaction reads app.txt, verification in/app.txt);
    // - a gitlabsos tar.gz whose top directory names the host: redacted,
    //   the member's name holds the host's pseudonym (`*.example_*`).
    let dir = TempDir::new("fail-closed-bin");
    dir.write(
        "limited.toml",
        CANARY_RULES.replace(
            "keywords = [\"CANARY-\"]",
            "keywords = [\"CANARY-\"]\npaths = [\"*.log\", \"in/*\", \"*.example_*\"]",
        ),
    );
    let line = format!("x {CANARY} y\n");
    dir.write("app.txt", &line);
    dir.write("in/app.txt", &line);
    let top = "gitlabsos.gitlab.acme-corp.com_20261120134410";
    dir.write(
        "g.tar.gz",
        tar_gz(&[(format!("{top}/app.txt"), line.clone().into_bytes())]),
    );
    let keep = ["limited.toml", "app.txt", "in", "g.tar.gz"];
    for (input, output, remains) in [
        ("app.txt", "app.log", "app.log:1:".to_string()),
        ("in", "out.tar.gz", "in/app.txt:1:".to_string()),
        ("g.tar.gz", "out.tar.gz", "gitlabsos.gitlab.d-".to_string()),
    ] {
        let r = run(
            &dir,
            airlock(&dir).args([
                "redact",
                input,
                "-o",
                output,
                "--rules",
                "limited.toml",
                "--report",
                "r.json",
                "--map",
                "m.json",
            ]),
            None,
        )
        .expect_code(2);
        assert!(
            r.stderr.contains(&format!("remains: {remains}"))
                && r.stderr.contains("nothing was written"),
            "{input}: {}",
            r.describe()
        );
        assert!(!r.stderr.contains("31415926"), "{}", r.describe());
        assert!(!r.stderr.contains("acme-corp"), "{}", r.describe());
        assert_nothing_written(dir.path(), &[output, "r.json", "m.json"], &keep);
    }
}

/// Changes the input when a pass starts.
struct ChangeAt<F: Fn() + Sync> {
    pass: Pass,
    change: F,
}

impl<F: Fn() + Sync> Progress for ChangeAt<F> {
    fn start(&self, pass: Pass, _: Option<u64>) {
        if pass == self.pass {
            (self.change)();
        }
    }
}

#[test]
fn an_input_changed_between_the_passes_fails_closed() {
    let set = RuleSet::builtin().unwrap();
    let dir = TempDir::new("changed-input");
    let b = gitlabsos(21);
    for (n, d) in b.entries() {
        dir.write(&format!("in/{n}"), d);
    }
    let hostname = dir.path().join(format!("in/{}/hostname", b.top));
    let original = fs::read_to_string(&hostname).unwrap();
    // A new host name, right after learning: once as a plain rewrite, once
    // keeping the size and setting the modification time back.
    let same_size = "x".repeat(original.trim_end().len());
    for (what, new) in [
        ("rewrite", "newhost42\n".to_string()),
        ("same size", format!("{same_size}\n")),
    ] {
        fs::write(&hostname, &original).unwrap();
        let mtime = fs::metadata(&hostname).unwrap().modified().unwrap();
        let change = || {
            fs::write(&hostname, &new).unwrap();
            let f = fs::File::options().write(true).open(&hostname).unwrap();
            f.set_modified(mtime).unwrap();
        };
        let watch = ChangeAt {
            pass: Pass::Redact,
            change,
        };
        let mut c = Config::new(dir.path().join("in"), dir.path().join("out"));
        c.report = Some(dir.path().join("r.json"));
        let err = Job::new(c, &set)
            .run(&watch, &|_| {})
            .expect_err("a changed input must fail the run");
        assert!(matches!(err, Error::InputChanged(_)), "{what}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("hostname was changed"), "{what}: {msg}");
        assert!(!msg.contains(&b.top), "{what}: {msg}");
        assert_nothing_written(dir.path(), &["out", "r.json"], &["in"]);
    }
    // Unchanged, the same run goes through.
    fs::write(&hostname, &original).unwrap();
    let c = Config::new(dir.path().join("in"), dir.path().join("out"));
    Job::new(c, &set).run(&Silent, &|_| {}).unwrap();
}

/// Members of an input as this test counts them, independently of airlock:
/// every file of a directory, the input file itself, every entry of every
/// archive (directories excepted), opening gzip and tar by their magic.
/// Returns (entries, archives, links).
fn count_members(data: &[u8]) -> (u64, u64, u64) {
    let mut data = data.to_vec();
    while data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&data[..])
            .read_to_end(&mut out)
            .unwrap();
        data = out;
    }
    if data.len() >= 512 && &data[257..262] == b"ustar" {
        let (mut entries, mut archives, mut links) = (1, 1, 0);
        let mut ar = tar::Archive::new(&data[..]);
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            use tar::EntryType as E;
            match e.header().entry_type() {
                E::Directory => {}
                E::Regular => {
                    let mut d = Vec::new();
                    e.read_to_end(&mut d).unwrap();
                    let (n, a, l) = count_members(&d);
                    entries += n;
                    archives += a;
                    links += l;
                }
                E::Symlink | E::Link => {
                    entries += 1;
                    // Reproduced when it stays inside (the only kind made
                    // below).
                    links += 1;
                }
                _ => entries += 1,
            }
        }
        return (entries, archives, links);
    }
    (1, 0, 0)
}

fn count_dir(root: &Path) -> (u64, u64, u64) {
    let mut total = (0, 0, 0);
    for p in super::util::tree(root).into_iter().skip(1) {
        let md = fs::symlink_metadata(&p).unwrap();
        if md.is_dir() {
            continue;
        }
        if md.is_file() {
            let (n, a, l) = count_members(&fs::read(&p).unwrap());
            total = (total.0 + n, total.1 + a, total.2 + l);
        } else {
            // Links and special files are entries, left out.
            total.0 += 1;
        }
    }
    total
}

#[test]
fn every_member_read_is_written_or_listed_and_the_counts_add_up() {
    let dir = TempDir::new("counts");
    let b = gitlabsos(22);
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "token glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn from 10.9.8.7\r\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    let mut padded = vec![0u8; 8192];
    padded.extend_from_slice(
        (0..1000)
            .map(|i| format!("line {i} from 10.3.{}.{}\n", i % 200, i % 250))
            .collect::<String>()
            .as_bytes(),
    );
    let mut entries = b.entries();
    entries.push((format!("{}/var/log/win/runner.log", b.top), utf16));
    entries.push((format!("{}/var/log/padded.log", b.top), padded.clone()));
    entries.push((format!("{}/var/log/zeros.bin", b.top), vec![0u8; 20_000]));
    entries.push((
        format!("{}/core.1", b.top),
        b"\x7fELF\x02\x01\x01\x00\x00rest".to_vec(),
    ));
    entries.push((format!("{}/x.zip", b.top), b"PK\x03\x04zip".to_vec()));
    dir.write("bundle.tar.gz", tar_gz(&entries));
    for (n, d) in &entries {
        dir.write(&format!("tree/{n}"), d);
    }
    dir.write("padded.log", &padded);
    #[cfg(unix)]
    std::os::unix::fs::symlink("hostname", dir.path().join(format!("tree/{}/link", b.top)))
        .unwrap();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/gitlabsos.gitlab01_20261120134410");
    let inputs: Vec<(PathBuf, (u64, u64, u64))> = vec![
        (
            dir.path().join("bundle.tar.gz"),
            count_members(&fs::read(dir.path().join("bundle.tar.gz")).unwrap()),
        ),
        (dir.path().join("tree"), count_dir(&dir.path().join("tree"))),
        (dir.path().join("padded.log"), (1, 0, 0)),
        (fixture.clone(), count_dir(&fixture)),
    ];
    let set = RuleSet::builtin().unwrap();
    for (i, (input, (entries, archives, links))) in inputs.iter().enumerate() {
        for keep_binary in [false, true] {
            let out = dir.path().join(format!("out-{i}-{keep_binary}"));
            let mut c = Config::new(input, &out);
            c.keep_binary = keep_binary;
            let outcome = Job::new(c, &set).run(&Silent, &|_| {}).unwrap();
            let t = &outcome.report.totals;
            let what = format!("{} (keep_binary {keep_binary})", input.display());
            assert_eq!(t.members_read, *entries, "{what}: members read");
            assert_eq!(t.archives, *archives, "{what}: archives");
            assert_eq!(t.links, *links, "{what}: links");
            assert_eq!(
                t.members_read,
                t.files as u64 + t.archives + t.links + t.left_out as u64,
                "{what}: {t:?}"
            );
            assert!(t.files > 0, "{what}");
        }
    }
    // The padded log came through whole: zeros, then every line, redacted.
    let out = fs::read(dir.path().join("out-2-false")).unwrap();
    assert_eq!(&out[..8192], &[0u8; 8192][..]);
    let text = String::from_utf8_lossy(&out[8192..]);
    assert_eq!(text.lines().count(), 1000);
    assert!(!text.contains("10.3.1.1\n"), "{text}");
}
