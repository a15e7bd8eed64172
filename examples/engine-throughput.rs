//! Single-thread engine throughput over files, with a digest of the findings
//! (so an optimisation can show it changed nothing).
//!
//! ```text
//! cargo run --release --example engine-throughput -- FILE... [--repeat N] [--chunk BYTES]
//! ```

use std::hash::{Hash, Hasher};
use std::time::Instant;

use airlock::detect::{Engine, ScanOptions};
use airlock::rules::RuleSet;

fn main() {
    let mut files = Vec::new();
    let mut repeat = 3;
    let mut chunk = ScanOptions::default().chunk_size;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--repeat" => repeat = args.next().unwrap().parse().unwrap(),
            "--chunk" => chunk = args.next().unwrap().parse().unwrap(),
            _ => files.push(a),
        }
    }
    let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
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
            "pass: {:.1} MB/s",
            total as f64 / t.elapsed().as_secs_f64() / 1e6
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
