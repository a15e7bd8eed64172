//! The engine: what it must find, what it must leave, overlaps, learned
//! literals, and identical findings however the input is read.

use std::io::Read;
use std::sync::OnceLock;

use airlock::corpus::{self, Rng};
use airlock::detect::{Engine, Finding, LearnedValue, ScanOptions, MAX_SEGMENT};
use airlock::rules::{Category, RuleSet};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(&RuleSet::builtin().unwrap()).unwrap())
}

fn found(text: &str) -> Vec<(String, String)> {
    let e = engine();
    e.find_all(None, text.as_bytes())
        .iter()
        .map(|f| (e.rule(f.rule).id.clone(), text[f.start..f.end].to_string()))
        .collect()
}

fn covered(findings: &[Finding], start: usize, end: usize) -> bool {
    (start..end).all(|i| findings.iter().any(|f| f.start <= i && i < f.end))
}

#[test]
fn every_credential_kind_is_one_credential_finding_covering_the_secret() {
    let e = engine();
    for seed in 0..20 {
        for case in corpus::credential_cases(seed) {
            let fs = e.find_all(None, case.text.as_bytes());
            let creds: Vec<_> = fs
                .iter()
                .filter(|f| e.rule(f.rule).category == Category::Credential)
                .collect();
            assert_eq!(
                creds.len(),
                1,
                "seed {seed} {}: {:?} in {}",
                case.name,
                found(&case.text),
                case.text
            );
            assert_eq!(
                e.rule(creds[0].rule).id,
                case.rule,
                "seed {seed} {}: {}",
                case.name,
                case.text
            );
            for s in &case.secrets {
                let at = case.text.find(s.as_str()).unwrap();
                assert!(
                    covered(&fs, at, at + s.len()),
                    "seed {seed} {}: secret not covered in {}",
                    case.name,
                    case.text
                );
            }
        }
    }
}

#[test]
fn clean_gitlab_lines_have_no_findings() {
    for seed in 0..20 {
        for line in corpus::clean_lines(seed) {
            assert_eq!(found(&line), vec![], "seed {seed}: {line}");
        }
    }
}

#[test]
fn things_support_needs_are_never_matched() {
    for text in [
        r#"{"correlation_id":"O1SdybnnIq7"}"#,
        r#"{"correlation_id":"01GYDSAKAN2SPZPAMJNRWW5H8S"}"#,
        r#"{"jid":"3a6c0c1e2f4b5d6e7f8a9b0c"}"#,
        "commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
        "@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git",
        "request 123e4567-e89b-12d3-a456-426614174000 done",
        r#"{"value":"[FILTERED]","private_token":"[FILTERED]"}"#,
        "gitlab-ee 16.11.2-ee.0 gitaly v16.11.2 ruby 3.1.4p223",
        r#"{"duration_s":20.54,"db_duration_s":0.08,"time":"2026-11-20T13:44:10.381Z","status":500}"#,
        "2026-11-20_13:44:10.38123 {\"level\":\"info\"}",
        "listen 127.0.0.1:8080; bind 0.0.0.0:443",
        r#"{"uber-trace-id":"5f1a6b2c3d4e5f60:5f1a6b2c3d4e5f60:0:1"}"#,
    ] {
        assert_eq!(found(text), vec![], "{text}");
    }
}

#[test]
fn credential_in_url_in_json_is_one_finding_with_the_token_span() {
    let text =
        r#"{"import_url":"https://mirror:glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn@github.com/acme/app.git"}"#;
    assert_eq!(
        found(text),
        vec![("gitlab_pat".into(), "Ab1Cd2Ef3Gh4Ij5Kl6Mn".into())]
    );
}

#[test]
fn context_rule_keeps_what_its_context_hides() {
    // The basic-auth user rule must not hide the client IP before it.
    let text = r#"10.2.3.4 - jdoe [20/Nov/2026:13:44:10 +0000] "GET /a.git/info/refs HTTP/1.1" 200 12 "-" "git/2.47""#;
    assert_eq!(
        found(text),
        vec![
            ("ipv4".into(), "10.2.3.4".into()),
            ("nginx_basic_auth_user".into(), "jdoe".into())
        ]
    );
}

#[test]
fn adjacent_values_each_use_the_byte_between_them() {
    assert_eq!(
        found(r#"{"remote_ip":"10.0.0.1,10.0.0.2"}"#),
        vec![
            ("ipv4".into(), "10.0.0.1".into()),
            ("ipv4".into(), "10.0.0.2".into())
        ]
    );
}

#[test]
fn header_with_prefixed_token_is_reported_as_the_token() {
    assert_eq!(
        found("PRIVATE-TOKEN: glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn"),
        vec![("gitlab_pat".into(), "Ab1Cd2Ef3Gh4Ij5Kl6Mn".into())]
    );
}

#[test]
fn dashed_ip_hostname_yields_the_address_and_the_domain() {
    assert_eq!(
        found("ip-10-0-1-2.ec2.internal"),
        vec![
            ("ipv4_dashed".into(), "10-0-1-2".into()),
            ("fqdn".into(), "ec2.internal".into())
        ]
    );
}

#[test]
fn single_line_rules_never_cross_a_line_feed() {
    assert_eq!(found("password=\nhunter2\n"), vec![]);
    assert_eq!(
        found("password=\nhunter2 password=x9\n"),
        vec![("password_bare".into(), "x9".into())]
    );
}

#[test]
fn invalid_utf8_around_secrets_does_not_stop_matching() {
    let mut data = b"\xff\xfe glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn\xc3\x28 ip 10.9.8.7\x80\n".to_vec();
    data.extend_from_slice(b"\x00\x01password=s3cr3t!\xff\n");
    let e = engine();
    let fs = e.find_all(None, &data);
    let got: Vec<_> = fs
        .iter()
        .map(|f| (e.rule(f.rule).id.as_str(), &data[f.start..f.end]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("gitlab_pat", &b"Ab1Cd2Ef3Gh4Ij5Kl6Mn"[..]),
            ("ipv4", &b"10.9.8.7"[..]),
            ("password_bare", &b"s3cr3t!\xff"[..]),
        ]
    );
}

fn learned_engine() -> Engine {
    let learned = vec![
        LearnedValue {
            value: b"gitlab01".to_vec(),
            rule: "learned_hostname".into(),
            category: Category::Network,
            kind: "hostname".into(),
            boundary: Default::default(),
        },
        LearnedValue {
            value: b"kwilliams".to_vec(),
            rule: "learned_username".into(),
            category: Category::Identity,
            kind: "username".into(),
            boundary: Default::default(),
        },
    ];
    Engine::with_learned(&RuleSet::builtin().unwrap(), &learned).unwrap()
}

#[test]
fn learned_literals_are_found_everywhere_at_word_boundaries() {
    let e = learned_engine();
    let text =
        "GITLAB01 up; /kwilliams/app; xgitlab01 gitlab01x gitlab01-db kwilliams@corp.internal";
    let got: Vec<_> = e
        .find_all(None, text.as_bytes())
        .iter()
        .map(|f| (e.rule(f.rule).id.clone(), text[f.start..f.end].to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("learned_hostname".to_string(), "GITLAB01".to_string()),
            ("learned_username".to_string(), "kwilliams".to_string()),
            ("learned_hostname".to_string(), "gitlab01".to_string()),
            // The longer email contains the learned user name and wins.
            ("email".to_string(), "kwilliams@corp.internal".to_string()),
        ]
    );
}

#[test]
fn learned_literal_equal_to_a_rule_match_is_reported_as_learned() {
    let e = learned_engine();
    let text = r#"{"username":"kwilliams"}"#;
    let fs = e.find_all(None, text.as_bytes());
    assert_eq!(fs.len(), 1);
    assert_eq!(e.rule(fs[0].rule).id, "learned_username");
}

#[test]
fn path_limited_rules_apply_only_to_their_files() {
    let mut set = RuleSet::builtin().unwrap();
    set.add_pack_text(
        "user.toml",
        "user.toml",
        r#"
[[rules]]
id = "rb_only"
description = "only in gitlab.rb"
category = "credential"
pattern = '''zz_(?P<secret>[a-z]{8})'''
paths = ["gitlab.rb"]
examples = ["zz_abcdefgh"]
negative_examples = ["zz_abc"]
"#,
    )
    .unwrap();
    let e = Engine::new(&set).unwrap();
    let text = b"zz_abcdefgh\n";
    assert_eq!(
        e.find_all(Some("etc/gitlab/gitlab.rb".as_ref()), text)
            .len(),
        1
    );
    assert_eq!(e.find_all(Some("var/log/messages".as_ref()), text).len(), 0);
    // Unknown origin (stdin): a rule written for one kind of file does not
    // apply.
    assert_eq!(e.find_all(None, text).len(), 0);
}

// ---- identical findings whatever the input path ----------------------------

/// A reader that hands out bytes in small, varying pieces.
struct Trickle<'a> {
    data: &'a [u8],
    rng: Rng,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.rng.range(1, 700) as usize)
            .min(buf.len())
            .min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn collect_slice(e: &Engine, data: &[u8], chunk: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut next = 0u64;
    e.matcher(None)
        .scan_slice(data, &ScanOptions { chunk_size: chunk }, |c| {
            assert_eq!(c.offset, next, "chunks must be contiguous");
            next += c.bytes.len() as u64;
            out.extend(c.findings.iter().map(|f| Finding {
                start: f.start + c.offset as usize,
                end: f.end + c.offset as usize,
                ..*f
            }));
            Ok::<(), ()>(())
        })
        .unwrap();
    assert_eq!(next as usize, data.len(), "chunks must cover the input");
    out
}

fn collect_stream(e: &Engine, data: &[u8], chunk: usize, seed: u64) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut next = 0u64;
    e.matcher(None)
        .scan_reader(
            Trickle {
                data,
                rng: Rng::new(seed),
            },
            &ScanOptions { chunk_size: chunk },
            |c| {
                assert_eq!(c.offset, next, "chunks must be contiguous");
                next += c.bytes.len() as u64;
                out.extend(c.findings.iter().map(|f| Finding {
                    start: f.start + c.offset as usize,
                    end: f.end + c.offset as usize,
                    ..*f
                }));
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(next as usize, data.len(), "chunks must cover the input");
    out
}

/// Generated text: credential cases, clean lines and filler, mixed.
fn mixed_text(seed: u64, n: usize) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let cases = corpus::credential_cases(seed);
    let clean = corpus::clean_lines(seed);
    let mut out = Vec::new();
    for _ in 0..n {
        match r.below(3) {
            0 => out.extend_from_slice(r.pick(&cases).text.as_bytes()),
            1 => out.extend_from_slice(r.pick(&clean).as_bytes()),
            _ => out.extend_from_slice(format!("filler {} {}", r.alnum(20), r.ipv4()).as_bytes()),
        }
        out.push(if r.below(10) == 0 { b' ' } else { b'\n' });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn findings_do_not_depend_on_chunking_or_reading(seed in 0u64..1000, lines in 600usize..1200, chunk in 2048usize..16_384) {
        // Chunk sizes below 4 KiB are clamped to 4 KiB; most of this range
        // is not. Inputs of 24 KiB or more: always several chunks.
        let e = engine();
        let data = mixed_text(seed, lines);
        let whole = e.find_all(None, &data);
        let chunks = chunks_of(e, &data, chunk);
        prop_assert!(chunks.len() >= 2, "{} bytes in one chunk", data.len());
        prop_assert!(
            chunks.len() * (chunk.max(4096) + 1024) >= data.len(),
            "{} chunks of {} for {} bytes", chunks.len(), chunk, data.len()
        );
        prop_assert_eq!(&collect_slice(e, &data, chunk), &whole);
        prop_assert_eq!(&collect_stream(e, &data, chunk, seed), &whole);
        // Findings are sorted and never overlap.
        for w in whole.windows(2) {
            prop_assert!(w[0].end <= w[1].start);
        }
    }
}

#[test]
fn a_line_longer_than_a_segment_is_cut_at_the_same_places_every_time() {
    let e = engine();
    let mut r = Rng::new(7);
    let mut data = Vec::with_capacity(MAX_SEGMENT * 2 + 4096);
    data.extend_from_slice(b"first line 10.1.1.1\n");
    while data.len() < MAX_SEGMENT * 2 + 1000 {
        data.extend_from_slice(format!("{} glpat-{} ", r.ipv4(), r.alnum(20)).as_bytes());
    }
    data.extend_from_slice(b"\nlast 10.2.2.2\n");
    let whole = e.find_all(None, &data);
    assert!(whole.len() > 1000);
    for chunk in [4096, 65536, 1 << 20] {
        assert_eq!(
            collect_slice(e, &data, chunk),
            whole,
            "slice, chunk {chunk}"
        );
        assert_eq!(
            collect_stream(e, &data, chunk, chunk as u64),
            whole,
            "stream, chunk {chunk}"
        );
    }
    assert_eq!(
        collect_parallel_stream(e, &data, 4096, 2, 4),
        whole,
        "streamed on 2 threads"
    );
}

/// Where a search of `data` cut its chunks: each chunk's (offset, length).
fn chunks_of(e: &Engine, data: &[u8], chunk: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    e.matcher(None)
        .scan_slice(data, &ScanOptions { chunk_size: chunk }, |c| {
            out.push((c.offset as usize, c.bytes.len()));
            Ok::<(), ()>(())
        })
        .unwrap();
    out
}

#[test]
fn pem_block_across_chunk_boundaries_is_found_whole() {
    // A chunk ends after the last line feed within its size (at least
    // 4 KiB: smaller sizes are clamped), and grows over a multi-line match
    // that started in it. The PEM block is placed across where each chunk
    // size would cut, and the test checks on its own that the cut falls
    // inside the block.
    let e = engine();
    let case = corpus::credential_cases(3)
        .into_iter()
        .find(|c| c.name == "PEM multi-line")
        .unwrap();
    let mut inside = 0;
    for (chunk, limit) in [
        (1, 4096),
        (50, 4096),
        (4096, 4096),
        (5000, 5000),
        (7100, 7100),
    ] {
        for before in [150, 250, 330] {
            let mut text = String::new();
            let mut i = 0;
            while text.len() + before < limit {
                text.push_str(&format!("line {i} nothing here\n"));
                i += 1;
            }
            let pem_start = text.len();
            text.push_str(&case.text);
            let pem_end = text.len();
            text.push('\n');
            for j in 0..300 {
                text.push_str(&format!("after {j} nothing\n"));
            }
            let data = text.as_bytes();
            // Where the first chunk would end without the PEM: after the
            // last line feed within `limit` bytes.
            let cut = memchr::memrchr(b'\n', &data[..limit]).unwrap() + 1;
            assert!(
                pem_start < cut && cut < pem_end,
                "chunk {chunk}: the cut at {cut} is outside the PEM at {pem_start}..{pem_end}"
            );
            inside += 1;
            let whole = e.find_all(None, data);
            let pems: Vec<_> = whole
                .iter()
                .filter(|f| e.rule(f.rule).id == "pem_private_key")
                .collect();
            assert_eq!(pems.len(), 1, "chunk {chunk}: {whole:?}");
            assert!(
                pems[0].start >= pem_start && pems[0].start < cut && pems[0].end > cut,
                "chunk {chunk}: the finding {:?} does not span the cut at {cut}",
                pems[0]
            );
            // The first chunk was grown past the cut, over the whole match.
            let chunks = chunks_of(e, data, chunk);
            assert!(chunks.len() >= 2, "chunk {chunk}: {chunks:?}");
            assert!(
                chunks[0].1 >= pems[0].end,
                "chunk {chunk}: first chunk {:?}, the PEM match ends at {}",
                chunks[0],
                pems[0].end
            );
            assert_eq!(collect_slice(e, data, chunk), whole, "slice, chunk {chunk}");
            assert_eq!(
                collect_stream(e, data, chunk, before as u64),
                whole,
                "stream, chunk {chunk}"
            );
        }
    }
    assert_eq!(inside, 15);
}

#[test]
fn pem_secret_is_the_body_without_the_line_feeds_around_it() {
    let case = corpus::credential_cases(9)
        .into_iter()
        .find(|c| c.name == "PEM multi-line")
        .unwrap();
    let body = case.secrets.join("\n");
    assert_eq!(
        found(&case.text),
        vec![("pem_private_key".to_string(), body)]
    );
}

#[test]
fn a_stronger_rule_at_the_secret_start_wins_over_boundary_context() {
    let text = r#"{"webhook":"https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX"}"#;
    assert_eq!(
        found(text),
        vec![(
            "slack_webhook".into(),
            "T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX".into()
        )]
    );
    assert_eq!(
        found("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        vec![(
            "aws_secret_access_key".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()
        )]
    );
}

#[test]
fn a_token_at_the_start_of_a_longer_value_does_not_leave_the_rest() {
    // Found by fuzzing the bundle reader: the PAT rule claimed only the
    // token, and the rest of the quoted value stayed in clear.
    let text = r#"{"token":"glpat-Ab0Cd2Ef3Gh4Ij5Kl6Mn++++more-of-the-secret"}"#;
    let f = found(text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].1.ends_with("more-of-the-secret"), "{f:?}");
    // Where the token is the whole value, it is still reported as a PAT.
    assert_eq!(
        found(r#"{"token":"glpat-Ab0Cd2Ef3Gh4Ij5Kl6Mn"}"#),
        vec![("gitlab_pat".into(), "Ab0Cd2Ef3Gh4Ij5Kl6Mn".into())]
    );
}

// ---- identical findings whatever the number of threads ---------------------

fn collect_parallel(e: &Engine, data: &[u8], chunk: usize, jobs: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut next = 0u64;
    e.matcher(None)
        .scan_slice_parallel(data, &ScanOptions { chunk_size: chunk }, jobs, |c| {
            assert_eq!(c.offset, next, "chunks must be contiguous and in order");
            next += c.bytes.len() as u64;
            out.extend(c.findings.iter().map(|f| Finding {
                start: f.start + c.offset as usize,
                end: f.end + c.offset as usize,
                ..*f
            }));
            Ok::<(), ()>(())
        })
        .unwrap();
    assert_eq!(next as usize, data.len(), "chunks must cover the input");
    out
}

/// A stream searched a window at a time on `jobs` threads: chunks in order,
/// contiguous, each with its own offset and bytes; findings made absolute on
/// the workers.
fn collect_parallel_stream(
    e: &Engine,
    data: &[u8],
    chunk: usize,
    jobs: usize,
    seed: u64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut next = 0u64;
    e.matcher(None)
        .scan_reader_parallel_map(
            Trickle {
                data,
                rng: Rng::new(seed),
            },
            &ScanOptions { chunk_size: chunk },
            jobs,
            |c| {
                c.findings
                    .iter()
                    .map(|f| Finding {
                        start: f.start + c.offset as usize,
                        end: f.end + c.offset as usize,
                        ..*f
                    })
                    .collect::<Vec<_>>()
            },
            |offset, bytes, found| {
                assert_eq!(offset, next, "chunks must be contiguous and in order");
                let at = offset as usize;
                assert_eq!(bytes, &data[at..at + bytes.len()], "chunk bytes");
                next += bytes.len() as u64;
                out.extend(found);
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(next as usize, data.len(), "chunks must cover the input");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn streamed_findings_do_not_depend_on_threads_or_windows(seed in 0u64..1000, lines in 200usize..3000, chunk in 2048usize..9000, jobs in 1usize..5) {
        // Chunks of at most 9 KiB make windows of at most 144 KiB: thousands
        // of lines cross several.
        let e = engine();
        let data = mixed_text(seed, lines);
        let whole = e.find_all(None, &data);
        prop_assert_eq!(&collect_parallel_stream(e, &data, chunk, jobs, seed), &whole);
    }
}

#[test]
fn a_line_longer_than_a_window_is_searched_as_a_whole_search_does() {
    // 4 KiB chunks: 64 KiB windows. A 300 KiB line (addresses all along)
    // between ordinary lines cannot be cut at a line feed: the rest of the
    // stream is searched on one thread, with the same findings.
    let e = engine();
    let mut r = Rng::new(8);
    let mut text = String::new();
    for _ in 0..3000 {
        text.push_str(&format!("{} line {}\n", r.ipv4(), r.alnum(30)));
    }
    while text.len() < 400 << 10 {
        text.push_str(&format!("{{\"ip\":\"{}\"}},", r.ipv4()));
    }
    text.push('\n');
    for _ in 0..3000 {
        text.push_str(&format!("{} line {}\n", r.ipv4(), r.alnum(30)));
    }
    let whole = e.find_all(None, text.as_bytes());
    assert!(whole.len() > 10_000, "{} findings", whole.len());
    for jobs in [1, 2, 3] {
        assert_eq!(
            collect_parallel_stream(e, text.as_bytes(), 4096, jobs, 2),
            whole,
            "jobs {jobs}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn findings_do_not_depend_on_threads(seed in 0u64..1000, lines in 200usize..2000, chunk in 2048usize..9000, jobs in 1usize..5) {
        let e = engine();
        let data = mixed_text(seed, lines);
        let whole = e.find_all(None, &data);
        prop_assert_eq!(&collect_parallel(e, &data, chunk, jobs), &whole);
    }
}

#[test]
fn pem_blocks_across_segment_boundaries_are_found_once_and_whole() {
    // Segments are at least one chunk (4 KiB here): PEM blocks every few
    // KiB cross many segment boundaries, so the search after a boundary must
    // go on from where the one before stopped.
    let e = engine();
    let mut r = Rng::new(21);
    let pem = corpus::credential_cases(4)
        .into_iter()
        .find(|c| c.name == "PEM multi-line")
        .unwrap();
    let mut text = String::new();
    while text.len() < 400 << 10 {
        for _ in 0..r.range(1, 60) {
            text.push_str(&format!("{} line {}\n", r.ipv4(), r.alnum(30)));
        }
        text.push_str(&pem.text);
        text.push('\n');
    }
    let whole = e.find_all(None, text.as_bytes());
    let pems = whole
        .iter()
        .filter(|f| e.rule(f.rule).id == "pem_private_key")
        .count();
    assert_eq!(pems, text.matches("BEGIN RSA PRIVATE KEY").count());
    for jobs in [2, 3, 4] {
        for chunk in [4096, 5000, 9000] {
            assert_eq!(
                collect_parallel(e, text.as_bytes(), chunk, jobs),
                whole,
                "jobs {jobs} chunk {chunk}"
            );
            assert_eq!(
                collect_parallel_stream(e, text.as_bytes(), chunk, jobs, 9),
                whole,
                "streamed: jobs {jobs} chunk {chunk}"
            );
        }
    }
}

#[test]
fn interleaved_and_ordinary_searches_agree_on_a_generated_bundle() {
    // Chunks of 1 MiB are searched in interleaved stretches; chunks of
    // 8 KiB are too small for that and take the ordinary search.
    use airlock::corpus::bundle::{Bundle, PlantedSet, Storage};
    let e = engine();
    let bundle = Bundle::new(17, 3 << 20);
    let mut data = Vec::new();
    let mut planted = PlantedSet::default();
    for f in bundle.files() {
        if f.storage == Storage::Plain {
            bundle.write_file(f, &mut data, &mut planted).unwrap();
        }
    }
    let streamed = collect_slice(e, &data, 1 << 20);
    assert!(streamed.len() > 10_000, "{} findings", streamed.len());
    assert_eq!(collect_slice(e, &data, 8 << 10), streamed);
    assert_eq!(collect_stream(e, &data, 300 << 10, 5), streamed);
}

#[test]
fn interleaved_and_ordinary_searches_agree_with_learned_literals() {
    use airlock::corpus::bundle::{Bundle, PlantedCategory, PlantedSet, Storage};
    let bundle = Bundle::new(23, 2 << 20);
    let mut data = Vec::new();
    let mut planted = PlantedSet::default();
    for f in bundle.files() {
        if f.storage == Storage::Plain {
            bundle.write_file(f, &mut data, &mut planted).unwrap();
        }
    }
    // The bundle's own identities as learned values (host names, user
    // names, addresses: they overlap rule matches all the time).
    let learned: Vec<LearnedValue> = planted
        .into_sorted()
        .into_iter()
        .filter(|p| p.category != PlantedCategory::Credential)
        .map(|p| LearnedValue {
            value: p.value.into_bytes(),
            rule: format!("learned_{}", p.kind),
            category: Category::Identity,
            kind: p.kind.to_string(),
            boundary: Default::default(),
        })
        .collect();
    assert!(learned.len() > 100);
    let e = Engine::with_learned(&RuleSet::builtin().unwrap(), &learned).unwrap();
    let streamed = collect_slice(&e, &data, 1 << 20);
    let learned_hits = streamed
        .iter()
        .filter(|f| e.rule(f.rule).source == "learned")
        .count();
    assert!(learned_hits > 1000, "{learned_hits} learned findings");
    assert_eq!(collect_slice(&e, &data, 8 << 10), streamed);
    assert_eq!(collect_stream(&e, &data, 200 << 10, 3), streamed);
    assert_eq!(collect_parallel_stream(&e, &data, 64 << 10, 2, 3), streamed);
    // Learned literals alone (no rules): the literal walk by itself.
    let only = Engine::with_learned(&RuleSet::default(), &learned).unwrap();
    assert_eq!(
        collect_slice(&only, &data, 1 << 20),
        collect_slice(&only, &data, 8 << 10)
    );
}

/// The built-in rules in one union automaton, as before the rules with rare
/// literal prefixes got one of their own.
fn one_union() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::with_one_union(&RuleSet::builtin().unwrap()).unwrap())
}

/// Every built-in rule's examples and negative examples.
fn rule_example_texts() -> Vec<String> {
    let set = RuleSet::builtin().unwrap();
    set.rules()
        .iter()
        .flat_map(|r| {
            r.examples
                .iter()
                .map(|e| e.spec.text().to_string())
                .chain(r.negative_examples.iter().map(|n| n.text.clone()))
        })
        .collect()
}

/// Rule examples, generated credential cases and clean lines, two or three
/// to a line at times, joined by what sits between values in logs (so a
/// context rule's value can hold another rule's token, and one rule's
/// match can start inside another's).
fn example_mix(seed: u64, n: usize) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let mut pool = rule_example_texts();
    pool.extend(corpus::credential_cases(seed).into_iter().map(|c| c.text));
    pool.extend(corpus::clean_lines(seed));
    let joints = [" ", "=", ": ", "\"", "'", ",", "", " token=", " password: "];
    let mut out = Vec::new();
    for _ in 0..n {
        for k in 0..r.range(1, 4) {
            if k > 0 {
                out.extend_from_slice(r.pick(&joints).as_bytes());
            }
            out.extend_from_slice(r.pick(&pool).as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// The first difference between the two unions' findings and the one
/// union's in `text`, with rule names, the values and the line, or `None`.
fn two_unions_differ(text: &[u8]) -> Option<String> {
    let (split, one) = (engine(), one_union());
    let (a, b) = (split.find_all(None, text), one.find_all(None, text));
    let i = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))?;
    let show = |e: &Engine, f: Option<&Finding>| match f {
        None => "nothing".to_string(),
        Some(f) => format!(
            "{} {:?}",
            e.rule(f.rule).id,
            String::from_utf8_lossy(&text[f.start..f.end])
        ),
    };
    let at = a.get(i).or(b.get(i)).map_or(0, |f| f.start);
    let line_start = text[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let line_end = text[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(text.len(), |p| at + p);
    Some(format!(
        "finding {i}: two unions {}, one union {}, in {:?}",
        show(split, a.get(i)),
        show(one, b.get(i)),
        String::from_utf8_lossy(&text[line_start..line_end])
    ))
}

#[test]
fn the_two_unions_find_what_one_union_of_every_rule_finds_in_every_example() {
    let text = rule_example_texts().join("\n");
    assert!(engine().find_all(None, text.as_bytes()).len() > 500);
    assert_eq!(two_unions_differ(text.as_bytes()), None);
}

#[test]
fn a_context_rule_gives_a_prefixed_token_to_its_rule_with_the_prefix_readable() {
    // The token rule is in the prefixed union, the header rule in the main
    // one: the header rule's value is the token, and the token's rule takes
    // it (leaving `glpat-` readable), as when both were in one union.
    let text = b"curl --header PRIVATE-TOKEN: glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn https://x\n";
    for e in [engine(), one_union()] {
        let found = e.find_all(None, text);
        let got: Vec<(&str, &[u8])> = found
            .iter()
            .map(|f| (e.rule(f.rule).id.as_str(), &text[f.start..f.end]))
            .collect();
        assert_eq!(
            got,
            [("gitlab_pat", b"Ab1Cd2Ef3Gh4Ij5Kl6Mn".as_slice())],
            "{got:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn the_two_unions_find_what_one_union_of_every_rule_finds(seed in 0u64..10_000, lines in 50usize..400) {
        let data = example_mix(seed, lines);
        prop_assert_eq!(two_unions_differ(&data), None);
    }
}
