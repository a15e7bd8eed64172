//! Single-thread engine throughput over files, with a digest of the findings
//! (so an optimisation can show it changed nothing).
//!
//! ```text
//! cargo run --release --example engine-throughput -- FILE... [--repeat N] [--chunk BYTES] [--learned-tsv planted.tsv] [--without ID,ID…] [--rules DIR] [--one-union]
//! ```
//!
//! `--without` leaves the named rules out (what a rule costs, measured
//! deterministically as instructions under `valgrind --tool=callgrind`).
//!
//! `--rules` searches with the packs in a file or directory instead of the
//! built-in ones: a rewritten rule can be timed against the original, and
//! the digest says whether it finds the same things.
//!
//! `--one-union` searches every rule in one union automaton, as before the
//! rules with rare literal prefixes got one of their own: the digest must
//! be the same.
//!
//! `--learned-tsv` adds the network and identity values of a corpus's
//! `planted.tsv` as learned literals (what redaction will search for).

use std::hash::{Hash, Hasher};
use std::time::Instant;

use airlock::detect::{Engine, LearnedValue, ScanOptions};
use airlock::rules::{Category, RuleSet};

fn main() {
    let mut files = Vec::new();
    let mut repeat = 3;
    let mut chunk = ScanOptions::default().chunk_size;
    let mut learned = Vec::new();
    let mut without: Vec<String> = Vec::new();
    let mut rules: Option<std::path::PathBuf> = None;
    let mut one_union = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--repeat" => repeat = args.next().unwrap().parse().unwrap(),
            "--chunk" => chunk = args.next().unwrap().parse().unwrap(),
            "--without" => {
                without = args
                    .next()
                    .unwrap()
                    .split(',')
                    .map(str::to_string)
                    .collect()
            }
            "--learned-tsv" => {
                let tsv = std::fs::read_to_string(args.next().unwrap()).unwrap();
                for line in tsv.lines().skip(1) {
                    let f: Vec<&str> = line.splitn(4, '\t').collect();
                    if f[0] != "credential" {
                        learned.push(LearnedValue {
                            value: f[3].as_bytes().to_vec(),
                            rule: format!("learned_{}", f[1]),
                            category: Category::Identity,
                            kind: f[1].to_string(),
                            boundary: Default::default(),
                        });
                    }
                }
            }
            "--rules" => rules = Some(args.next().unwrap().into()),
            "--one-union" => one_union = true,
            _ => files.push(a),
        }
    }
    let set = match &rules {
        Some(dir) => RuleSet::load(std::slice::from_ref(dir), true),
        None => RuleSet::builtin(),
    }
    .unwrap()
    .filtered(|r| !without.contains(&r.id));
    let engine = if one_union {
        assert!(learned.is_empty(), "--one-union takes no learned values");
        Engine::with_one_union(&set).unwrap()
    } else {
        Engine::with_learned(&set, &learned).unwrap()
    };
    let opts = ScanOptions { chunk_size: chunk };
    let data: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let total: usize = data.iter().map(|d| d.len()).sum();
    let mut best = f64::MAX;
    let mut digest = 0u64;
    let mut count = 0usize;
    for _ in 0..repeat {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        count = 0;
        let t = Instant::now();
        for (f, d) in files.iter().zip(&data) {
            engine
                .matcher(Some(f.as_ref()))
                .scan_slice(d, &opts, |c| {
                    for x in c.findings {
                        (
                            engine.rule(x.rule).id.as_str(),
                            c.offset + x.start as u64,
                            x.end - x.start,
                        )
                            .hash(&mut h);
                    }
                    count += c.findings.len();
                    Ok::<(), ()>(())
                })
                .unwrap();
        }
        eprintln!(
            "pass: {:.1} MB/s, {:.1} MB of lazy DFA states",
            total as f64 / t.elapsed().as_secs_f64() / 1e6,
            engine.dfa_memory() as f64 / 1e6
        );
        best = best.min(t.elapsed().as_secs_f64());
        digest = h.finish();
    }
    println!(
        "{:.1} MB/s  ({} bytes, {} findings, digest {:016x})",
        total as f64 / best / 1e6,
        total,
        count,
        digest
    );
}
