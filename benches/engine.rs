//! Engine throughput on a generated gitlabsos bundle (the plain log files of
//! `corpus::bundle`, concatenated): all built-in packs, credential rules
//! only, learned literals only, all packs with learned literals (what
//! redaction runs), and the streaming reader path.
//!
//! ```text
//! cargo bench --bench engine
//! AIRLOCK_BENCH_MB=32 cargo bench --bench engine -- all_packs
//! ```
//!
//! Benchmarks are not tests: they never gate CI. End-to-end numbers against
//! other tools come from `scripts/bench.py` (BENCHMARKS.md).

use std::io::Cursor;
use std::time::Duration;

use airlock::corpus::bundle::{Bundle, PlantedCategory, Storage};
use airlock::corpus::Rng;
use airlock::detect::{Engine, LearnedValue, ScanOptions};
use airlock::rules::{Category, RuleSet};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// The plain members of a generated bundle of about `mb` MiB, one after the
/// other, and the bundle's planted identity values.
fn corpus(mb: u64) -> (Vec<u8>, Vec<String>) {
    let bundle = Bundle::new(1, mb << 20);
    let mut planted = airlock::corpus::bundle::PlantedSet::default();
    let mut data = Vec::with_capacity((mb << 20) as usize + (1 << 20));
    for f in bundle.files() {
        if f.storage == Storage::Plain {
            bundle.write_file(f, &mut data, &mut planted).unwrap();
        }
    }
    let identities = planted
        .into_sorted()
        .into_iter()
        .filter(|p| p.category != PlantedCategory::Credential)
        .map(|p| p.value)
        .collect();
    (data, identities)
}

/// Built-in packs with every rule that is not a credential disabled.
fn credentials_only() -> RuleSet {
    let mut set = RuleSet::builtin().unwrap();
    let others: Vec<String> = set
        .rules()
        .iter()
        .filter(|r| r.category != Category::Credential)
        .map(|r| format!("{:?}", r.id))
        .collect();
    set.add_pack_text(
        "bench",
        "bench.toml",
        &format!("disable = [{}]\n", others.join(", ")),
    )
    .unwrap();
    set
}

/// A few hundred learned values: the bundle's own identities plus made-up
/// names of the same shapes.
fn learned(identities: &[String]) -> Vec<LearnedValue> {
    let mut r = Rng::new(9);
    let mut values: Vec<String> = identities.to_vec();
    while values.len() < 400 {
        values.push(format!("{}-{}", r.username(), r.alnum(4).to_lowercase()));
    }
    values
        .into_iter()
        .map(|v| LearnedValue {
            value: v.into_bytes(),
            rule: "learned_identity".into(),
            category: Category::Identity,
            kind: "identity".into(),
            boundary: Default::default(),
        })
        .collect()
}

fn count(engine: &Engine, data: &[u8]) -> usize {
    let mut n = 0;
    engine
        .matcher(None)
        .scan_slice(data, &ScanOptions::default(), |c| {
            n += c.findings.len();
            Ok::<(), ()>(())
        })
        .unwrap();
    n
}

fn bench(c: &mut Criterion) {
    let mb = std::env::var("AIRLOCK_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let (data, identities) = corpus(mb);
    let all = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
    let creds = Engine::new(&credentials_only()).unwrap();
    let learned_only = Engine::with_learned(&RuleSet::default(), &learned(&identities)).unwrap();
    // What redaction runs: every pack plus the bundle's learned names.
    let all_learned =
        Engine::with_learned(&RuleSet::builtin().unwrap(), &learned(&identities)).unwrap();

    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    for (name, engine) in [
        ("all_packs", &all),
        ("credentials_only", &creds),
        ("learned_only", &learned_only),
        ("all_packs_and_learned", &all_learned),
    ] {
        g.bench_function(BenchmarkId::new(name, format!("{mb}MiB")), |b| {
            b.iter(|| count(engine, &data))
        });
    }
    g.bench_function(
        BenchmarkId::new("scan_reader_all_packs", format!("{mb}MiB")),
        |b| {
            b.iter(|| {
                let mut n = 0;
                all.matcher(None)
                    .scan_reader(Cursor::new(&data), &ScanOptions::default(), |c| {
                        n += c.findings.len();
                        Ok(())
                    })
                    .unwrap();
                n
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
