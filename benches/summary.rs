//! Throughput of the `summary` pass (parse + statistics + errors + top) per
//! log kind, on generated logs (`airlock::corpus::logs`), in MB/s.
//!
//! Run: `cargo bench --bench summary`. A `serde_json::Value` parse of the
//! same lines is measured alongside as the baseline the hand-written field
//! visitor (`airlock::logs::json`) was chosen over.

use std::hint::black_box;
use std::time::Duration;

use airlock::corpus::logs::gitlab_bundle;
use airlock::summary::{Analysis, Want};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn summary(c: &mut Criterion) {
    let bundle = gitlab_bundle(1, 20_000);
    let want = Want {
        stats: true,
        errors: true,
        top: true,
        trace: Vec::new(),
        interval_ms: None,
        brief: None,
    };
    let mut g = c.benchmark_group("summary");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for name in [
        "gitlab-rails/production_json.log",
        "gitlab-rails/api_json.log",
        "gitaly/current",
        "sidekiq/current",
        "gitlab-workhorse/current",
        "nginx/gitlab_access.log",
        "postgresql/current",
    ] {
        let (path, bytes) = bundle
            .files
            .iter()
            .find(|(p, _)| p.ends_with(name))
            .expect("generated");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut a = Analysis::default();
                a.read_stream(path, &mut &bytes[..], &want);
                black_box(a.sections.len())
            })
        });
    }
    let (_, prod) = bundle
        .files
        .iter()
        .find(|(p, _)| p.ends_with("production_json.log"))
        .expect("generated");
    g.throughput(Throughput::Bytes(prod.len() as u64));
    g.bench_function(
        "baseline: serde_json::Value per production_json line",
        |b| {
            b.iter(|| {
                let mut n = 0usize;
                for line in prod.split(|&b| b == b'\n') {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
                        n += v.as_object().map_or(0, |o| o.len());
                    }
                }
                black_box(n)
            })
        },
    );
    g.bench_function(
        "fields only: airlock::logs::json::parse per production_json line",
        |b| {
            b.iter(|| {
                let mut n = 0u32;
                for line in prod.split(|&b| b == b'\n') {
                    if let Some(f) = airlock::logs::json::parse(line) {
                        n += f.keys;
                    }
                }
                black_box(n)
            })
        },
    );
    g.finish();
}

criterion_group!(benches, summary);
criterion_main!(benches);
