//! Write a generated gitlabsos bundle for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-corpus -- --seed 1 --size 200M --out /tmp/corpus [--tar-gz]
//! ```
//!
//! Writes `OUT/gitlabsos.<host>_<stamp>/…` (the bundle), `OUT/planted.tsv`
//! (every planted value with its category, kind and count; outside the bundle
//! so that it is never scanned as part of it), and with `--tar-gz`
//! `OUT/gitlabsos.<host>_<stamp>.tar.gz`. Prints the bundle directory on
//! stdout. Generated data stays out of git: point `--out` outside the
//! repository (or at `target/`).

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use airlock::corpus::bundle::{write_planted_tsv, Bundle};
use anyhow::{bail, Context};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Seed: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Total uncompressed size: bytes, or with K, M or G (powers of 1024).
    #[arg(long, default_value = "200M", value_parser = parse_size)]
    size: u64,
    /// Output directory (created; an existing bundle of the same name is
    /// replaced).
    #[arg(long)]
    out: PathBuf,
    /// Also write `<top>.tar.gz` next to the directory.
    #[arg(long)]
    tar_gz: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix in {s:?} (K, M or G)")),
            };
            (&s[..i], mult)
        }
        _ => (s, 1),
    };
    let n: f64 = num.parse().map_err(|e| format!("{s:?}: {e}"))?;
    if n.is_nan() || n <= 0.0 {
        return Err(format!("{s:?}: size must be positive"));
    }
    Ok((n * mult as f64) as u64)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bundle = Bundle::new(args.seed, args.size);
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let root = args.out.join(bundle.top());
    if root.exists() {
        fs::remove_dir_all(&root).with_context(|| format!("removing {}", root.display()))?;
    }
    let t = Instant::now();
    let written = bundle
        .write_dir(&args.out)
        .with_context(|| format!("writing {}", root.display()))?;
    let tsv = args.out.join("planted.tsv");
    let mut w = BufWriter::new(fs::File::create(&tsv)?);
    write_planted_tsv(&written.planted, &mut w)?;
    w.flush()?;
    eprintln!(
        "wrote {} files, {} bytes (uncompressed), {} planted values in {:.1}s",
        written.files.len(),
        written.bytes,
        written.planted.len(),
        t.elapsed().as_secs_f64()
    );
    if args.tar_gz {
        let path = args.out.join(format!("{}.tar.gz", bundle.top()));
        write_tar_gz(&args.out, &bundle.top(), &path)?;
        eprintln!("wrote {}", path.display());
    }
    println!("{}", written.root.display());
    Ok(())
}

/// `tar czf path -C base top`, with sorted names and fixed metadata so the
/// archive is reproducible.
fn write_tar_gz(base: &Path, top: &str, path: &Path) -> anyhow::Result<()> {
    let file = BufWriter::new(fs::File::create(path)?);
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut stack = vec![PathBuf::from(top)];
    while let Some(rel) = stack.pop() {
        let full = base.join(&rel);
        let meta = fs::symlink_metadata(&full)?;
        if meta.is_dir() {
            tar.append_dir(&rel, &full)?;
            let mut entries: Vec<PathBuf> = fs::read_dir(&full)?
                .map(|e| e.map(|e| rel.join(e.file_name())))
                .collect::<Result<_, _>>()?;
            entries.sort();
            // Pop in name order.
            entries.reverse();
            stack.extend(entries);
        } else if meta.is_file() {
            tar.append_path_with_name(&full, &rel)?;
        } else {
            bail!("unexpected file type at {}", full.display());
        }
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(())
}
