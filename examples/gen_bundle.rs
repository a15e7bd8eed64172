//! Write a generated GitLab bundle (`airlock::corpus::logs`) to a directory,
//! to try the report commands on: `cargo run --example gen_bundle -- DIR [REQUESTS] [SEED]`.
//!
//! The data is synthetic: planted user names, IPs, a domain and credentials
//! that airlock's reports must never print.

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "generated-bundle".into()));
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let root = dir.join("gitlabsos.gitlab01_20261120134410");
    let b = airlock::corpus::logs::gitlab_bundle(seed, n);
    for (p, bytes) in &b.files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().expect("file in a directory"))?;
        std::fs::write(path, bytes)?;
    }
    eprintln!("wrote {} files under {}", b.files.len(), root.display());
    eprintln!("trace id: {}", b.trace_id);
    Ok(())
}
