//! Secrets stay secret in everything airlock prints, and in the `Debug` form
//! of every type that sees matched bytes.
//!
//! The sweep runs `airlock` the ways a user can (every output format, files,
//! directories, stdin, memory maps and plain reads, small chunks, an unreadable
//! input beside a readable one, `rules list` and `rules check` with a user
//! pack) over files full of planted credentials, collects every byte it
//! prints on stdout and stderr, and looks for every planted secret in it.

use std::collections::BTreeSet;

use airlock::corpus;
use airlock::detect::{Engine, LearnedValue, ScanOptions};
use airlock::rules::{Category, RuleSet};

use super::util::{airlock, assert_no_secret, run, TempDir};

/// Planted secrets long enough that finding one in the output is a leak and
/// not a coincidence (a 3-character password could be part of a path).
fn planted(seeds: std::ops::Range<u64>) -> (Vec<(u64, String)>, Vec<String>) {
    let mut files = Vec::new();
    let mut secrets = BTreeSet::new();
    for seed in seeds {
        let mut text = String::new();
        for c in corpus::credential_cases(seed) {
            text.push_str(&c.text);
            text.push('\n');
            for s in c.secrets {
                for part in s.split('\n') {
                    if part.len() >= 6 {
                        secrets.insert(part.to_string());
                    }
                }
            }
        }
        files.push((seed, text));
    }
    (files, secrets.into_iter().collect())
}

#[test]
fn nothing_airlock_prints_while_scanning_contains_a_planted_secret() {
    let dir = TempDir::new("leak-sweep");
    let (files, secrets) = planted(0..4);
    assert!(secrets.len() > 100, "too few planted secrets");
    // The list is what was planted: each secret is in the input (else the
    // sweep below would prove nothing).
    for s in &secrets {
        assert!(
            files.iter().any(|(_, t)| t.contains(s.as_str())),
            "{s:?} not planted"
        );
    }
    for (seed, text) in &files {
        dir.write(&format!("bundle/var/log/gitlab/case-{seed}.log"), text);
    }
    let stdin_text = files[0].1.clone();
    // A user pack whose example and negative example carry secret-looking
    // values and fail: `rules check` must say which example failed without
    // repeating it.
    let pack_secret = "Zq8-user-pack-example-S3cr3t";
    dir.write(
        "site.toml",
        format!(
            r#"
[[rules]]
id = "site_key"
description = "site key"
category = "credential"
pattern = '''sitekey_(?P<secret>[a-z]{{40}})'''
examples = ["sitekey {pack_secret} never matches"]
negative_examples = ["sitekey_{}"]
"#,
            "q".repeat(40)
        ),
    );
    let mut secrets = secrets;
    secrets.push(pack_secret.to_string());
    secrets.push(format!("sitekey_{}", "q".repeat(40)));

    /// (what to call it, stdin, arguments)
    type Invocation<'a> = (String, Option<&'a [u8]>, Vec<String>);
    let mut runs: Vec<Invocation> = Vec::new();
    for format in ["text", "json", "sarif"] {
        for extra in [&[][..], &["--no-mmap"][..], &["--chunk-size", "4096"][..]] {
            let mut args = vec!["scan", "--format", format];
            args.extend_from_slice(extra);
            args.push("bundle");
            runs.push((
                args.join(" "),
                None,
                args.iter().map(|s| s.to_string()).collect(),
            ));
        }
        let args = ["scan", "--format", format, "-"];
        runs.push((
            args.join(" "),
            Some(stdin_text.as_bytes()),
            args.iter().map(|s| s.to_string()).collect(),
        ));
        // One unreadable input beside readable ones: the error path prints too.
        let args = [
            "scan",
            "--format",
            format,
            "bundle/var/log/gitlab/case-1.log",
            "missing.log",
        ];
        runs.push((
            args.join(" "),
            None,
            args.iter().map(|s| s.to_string()).collect(),
        ));
    }
    for args in [
        &["rules", "list"][..],
        &["rules", "list", "--json"][..],
        &["rules", "check"][..],
        &["rules", "check", "--rules", "site.toml"][..],
        &["scan", "--rules", "site.toml", "bundle"][..],
    ] {
        runs.push((
            args.join(" "),
            None,
            args.iter().map(|s| s.to_string()).collect(),
        ));
    }

    let mut printed = 0usize;
    for (name, stdin, args) in &runs {
        let r = run(&dir, airlock(&dir).args(args), *stdin);
        assert!(
            matches!(r.code, 0..=2),
            "{name}: exit {}\n{}",
            r.code,
            r.describe()
        );
        printed += r.stdout.len() + r.stderr.len();
        assert_no_secret(&r.stdout, &secrets, &format!("stdout of `airlock {name}`"));
        assert_no_secret(&r.stderr, &secrets, &format!("stderr of `airlock {name}`"));
    }
    // The sweep is only meaningful if airlock reported something.
    assert!(printed > 10_000, "airlock printed only {printed} bytes");
}

#[test]
fn rules_file_errors_do_not_quote_the_offending_line() {
    // A TOML error on a line that holds a value: the message names the
    // place, not the text.
    let dir = TempDir::new("leak-rules-error");
    let value = "Pq7-unterminated-S3cr3t-value";
    dir.write(
        "broken.toml",
        format!("[[rules]]\nid = \"x\"\ndescription = \"{value}\ncategory = \"credential\"\n"),
    );
    let r = run(
        &dir,
        airlock(&dir).args(["rules", "check", "--rules", "broken.toml"]),
        None,
    )
    .expect_code(2);
    assert!(r.stderr.contains("broken.toml:3"), "{}", r.describe());
    assert_no_secret(&r.stderr, &[value.to_string()], "rules error");
    assert_no_secret(&r.stdout, &[value.to_string()], "rules error");
}

// ---- Debug ------------------------------------------------------------------

/// `text` or its bytes as `Debug` prints a `[u8]` (`[103, 108, …]`, also
/// pretty-printed one number per line).
fn debug_shows(debug: &str, secret: &[u8]) -> bool {
    let compact: String = debug.chars().filter(|c| !c.is_whitespace()).collect();
    let as_list = secret
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let as_text = String::from_utf8_lossy(secret);
    debug.contains(&*as_text) || compact.contains(&as_list)
}

fn learned_secret_engine() -> (Engine, Vec<u8>) {
    let learned = b"kwilliams-secret-host".to_vec();
    let e = Engine::with_learned(
        &RuleSet::builtin().unwrap(),
        &[LearnedValue {
            value: learned.clone(),
            rule: "learned_hostname".into(),
            category: Category::Network,
            kind: "hostname".into(),
            boundary: Default::default(),
        }],
    )
    .unwrap();
    (e, learned)
}

#[test]
fn debug_of_engine_types_never_shows_matched_bytes() {
    let (e, learned) = learned_secret_engine();
    let (files, _) = planted(5..6);
    let data = format!(
        "{}\nhost {} up\n",
        files[0].1,
        String::from_utf8_lossy(&learned)
    );
    let data = data.as_bytes();
    let cases = corpus::credential_cases(5);
    let mut secrets: Vec<Vec<u8>> = cases
        .iter()
        .flat_map(|c| c.secrets.iter().map(|s| s.as_bytes().to_vec()))
        .filter(|s| s.len() >= 6)
        .collect();
    secrets.push(learned.clone());

    let mut debugs = vec![
        format!("{e:?}"),
        format!("{e:#?}"),
        format!("{:?}", e.rules()),
        format!("{:?}", ScanOptions::default()),
        format!(
            "{:?}",
            LearnedValue {
                value: learned.clone(),
                rule: "learned_hostname".into(),
                category: Category::Network,
                kind: "hostname".into(),
                boundary: Default::default(),
            }
        ),
    ];
    let fs = e.find_all(None, data);
    assert!(
        fs.len() >= cases.len(),
        "the planted secrets were not found"
    );
    // Means something: the learned value is found, so its findings and
    // locations are among what is printed below.
    assert!(
        fs.iter().any(|f| e.rule(f.rule).id == "learned_hostname"),
        "the learned engine found no learned value"
    );
    debugs.push(format!("{fs:?}"));
    let m = e.matcher(None);
    let before = debugs.len();
    airlock::scan::scan_slice(&m, data, &ScanOptions::default(), |loc| {
        debugs.push(format!("{loc:?}"));
        debugs.push(format!("{loc:#?}"));
    });
    assert!(debugs.len() - before >= 2 * fs.len(), "locations missing");
    for d in &debugs {
        for s in &secrets {
            assert!(
                !debug_shows(d, s),
                "Debug output shows {:?}:\n{d}",
                String::from_utf8_lossy(s)
            );
        }
    }
}

/// Regression: `ChunkView` derived `Debug`, which printed its `bytes` (the
/// input, secrets included) as a list of numbers. It is handed to every
/// consumer of a scan; one `{:?}` in a log line or an error would leak the
/// chunk. Fixed by a hand-written `Debug` (offset, length, findings only).
#[test]
fn regression_chunk_view_debug_does_not_print_the_input_bytes() {
    let (e, learned) = learned_secret_engine();
    let data = format!("host {} up\n", String::from_utf8_lossy(&learned));
    let mut debugs = Vec::new();
    let mut found = 0;
    e.matcher(None)
        .scan_slice(data.as_bytes(), &ScanOptions::default(), |chunk| {
            found += chunk.findings.len();
            debugs.push(format!("{chunk:?}"));
            Ok::<(), ()>(())
        })
        .unwrap();
    // Means something: the chunk holds the learned value, found.
    assert_eq!(found, 1, "the learned engine found nothing");
    for d in &debugs {
        assert!(
            !debug_shows(d, &learned),
            "ChunkView Debug shows the input:\n{d}"
        );
    }
}

/// Regression: `ReaderSource::fill` (`src/detect/chunk.rs`) grew its buffer
/// with `Vec::resize(have + need.max(64 KiB), 0)` before every `read` call
/// and truncated after it; `drive` asks for up to a segment (4 MiB) ahead,
/// so every read zero-filled about 4 MiB whatever the reader returned. A
/// reader that returns small pieces (pipes, decompressors) made streaming
/// cost O(input × 4 MiB / piece). Fixed by keeping the buffer's tail between
/// reads, zeroed once.
///
/// Checked without a clock (a timed test fails spuriously on a loaded
/// machine): the reader marks the whole room it is offered beyond what it
/// returns; a buffer zeroed again before the next read has lost the mark.
/// The first read and each growth of the buffer see fresh zeros, so a few
/// such reads are expected, not one per read.
#[test]
fn regression_stream_in_small_reads_does_not_zero_fill_the_buffer_per_read() {
    struct Small<'a> {
        data: &'a [u8],
        reads: usize,
        zeroed: usize,
    }
    impl std::io::Read for Small<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            // The data holds no zero byte: a zero at the end of the room is
            // a byte zeroed since the last read marked it.
            if buf.len() > 1 && buf[buf.len() - 1] == 0 {
                self.zeroed += 1;
            }
            let n = buf.len().min(512).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            buf[n..].fill(0xAA);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
    let e = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
    let line = b"2026-11-20_13:44:10.38123 {\"level\":\"info\",\"msg\":\"ok\"}\n";
    let data: Vec<u8> = line.iter().copied().cycle().take(4 << 20).collect();
    assert!(!data.contains(&0));
    let mut r = Small {
        data: &data,
        reads: 0,
        zeroed: 0,
    };
    e.matcher(None)
        .scan_reader(&mut r, &ScanOptions::default(), |_| Ok(()))
        .unwrap();
    assert!(r.reads >= 8192, "{} reads", r.reads);
    assert!(
        r.zeroed <= 16,
        "{} of {} reads were offered a freshly zeroed buffer",
        r.zeroed,
        r.reads
    );
}
