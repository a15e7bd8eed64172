//! Redaction throughput on a generated gitlabsos bundle: the redactor alone
//! over the plain logs (one thread and two), and the archive round trip a
//! `.tar.gz` bundle takes (gunzip, untar, redact, tar, parallel gzip), next
//! to the floor of merely decompressing and recompressing the same bytes.
//!
//! ```text
//! cargo bench --bench redact
//! AIRLOCK_BENCH_MB=64 cargo bench --bench redact -- archive
//! ```
//!
//! Throughput is in uncompressed bytes. The learning and verification passes
//! of `airlock redact` are not included here (the end-to-end numbers in
//! BENCHMARKS.md are); this isolates what redaction itself costs.

use std::io::{self, Cursor, Read, Write};
use std::time::Duration;

use airlock::bundle::{Limits, StreamSink, Traversal};
use airlock::corpus::bundle::{Bundle, PlantedSet, Storage};
use airlock::detect::Engine;
use airlock::redact::report::RedactPass;
use airlock::redact::{Counts, Key, Pseudonymizer, Redactor};
use airlock::rules::RuleSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

/// The plain logs of a generated bundle of about `mb` MiB, concatenated,
/// and the whole bundle as a `.tar.gz` (with its rotated `.gz` members),
/// with its uncompressed size.
fn corpus(mb: u64) -> (Vec<u8>, Vec<u8>, u64) {
    let bundle = Bundle::new(1, mb << 20);
    let mut planted = PlantedSet::default();
    let mut plain = Vec::new();
    let mut tar = tar::Builder::new(Vec::new());
    let mut unpacked = 0u64;
    for f in bundle.files() {
        let mut data = Vec::new();
        bundle.write_file(f, &mut data, &mut planted).unwrap();
        if f.storage == Storage::Plain {
            plain.extend_from_slice(&data);
        } else {
            let mut e = GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(&data).unwrap();
            data = e.finish().unwrap();
        }
        unpacked += data.len() as u64;
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("{}/{}", bundle.top(), f.path), &data[..])
            .unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&tar).unwrap();
    (plain, gz.finish().unwrap(), unpacked)
}

fn redactor(jobs: usize) -> Redactor {
    let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
    Redactor::new(engine, Pseudonymizer::new(Key::from_bytes([7; 32]))).with_jobs(jobs)
}

fn bench(c: &mut Criterion) {
    let mb = std::env::var("AIRLOCK_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let (plain, tar_gz, unpacked) = corpus(mb);

    let mut g = c.benchmark_group("redact");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Bytes(plain.len() as u64));
    for jobs in [1, 2] {
        let r = redactor(jobs);
        g.bench_function(
            BenchmarkId::new(format!("logs_jobs{jobs}"), format!("{mb}MiB")),
            |b| {
                b.iter(|| {
                    let mut out = Vec::with_capacity(plain.len() + plain.len() / 4);
                    r.redact_stream(
                        None,
                        &mut Cursor::new(&plain),
                        &mut out,
                        &mut Counts::default(),
                    )
                    .unwrap();
                    out.len()
                })
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("archive");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(unpacked));
    let r = redactor(2);
    g.bench_function(
        BenchmarkId::new("round_trip_jobs2", format!("{mb}MiB")),
        |b| {
            b.iter(|| {
                let pass = RedactPass::new(&r, false);
                let traversal = Traversal {
                    transform: &pass,
                    limits: Limits::default(),
                    spool_dir: None,
                    level: Compression::fast(),
                    jobs: 2,
                };
                let mut out = io::sink();
                traversal
                    .run_reader(
                        b"bundle.tar.gz",
                        &mut Cursor::new(&tar_gz),
                        &mut StreamSink::new(&mut out),
                    )
                    .unwrap();
            })
        },
    );
    // The floor: decompress and recompress the outer layer, one thread.
    g.bench_function(
        BenchmarkId::new("gunzip_gzip_floor", format!("{mb}MiB")),
        |b| {
            b.iter(|| {
                let mut dec = MultiGzDecoder::new(Cursor::new(&tar_gz));
                let mut enc = GzEncoder::new(io::sink(), Compression::fast());
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = dec.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    enc.write_all(&buf[..n]).unwrap();
                }
                enc.finish().unwrap();
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
