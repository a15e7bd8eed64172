//! The generated benchmark bundle: deterministic, shaped like gitlabsos, and
//! honest about what it planted.

use std::fs;
use std::io::Read;
use std::path::Path;

use airlock::corpus::bundle::{write_planted_tsv, Bundle, PlantedCategory, MIN_SIZE};

use super::util::TempDir;

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in fs::read_dir(&p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                stack.push(e);
            } else {
                let rel = e.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, fs::read(&e).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut v)
        .unwrap();
    v
}

#[test]
fn bundle_is_a_function_of_seed_and_size() {
    let a = TempDir::new("bundle-a");
    let b = TempDir::new("bundle-b");
    let c = TempDir::new("bundle-c");
    let wa = Bundle::new(5, 600 << 10).write_dir(a.path()).unwrap();
    let wb = Bundle::new(5, 600 << 10).write_dir(b.path()).unwrap();
    let wc = Bundle::new(6, 600 << 10).write_dir(c.path()).unwrap();
    assert_eq!(read_all(a.path()), read_all(b.path()));
    assert_ne!(read_all(a.path()), read_all(c.path()));
    assert_eq!(wa.planted, wb.planted);
    assert_ne!(wa.planted, wc.planted);
}

#[test]
fn bundle_has_the_gitlabsos_layout_and_requested_size() {
    let dir = TempDir::new("bundle-layout");
    let size = 2 << 20;
    let bundle = Bundle::new(1, size);
    let w = bundle.write_dir(dir.path()).unwrap();
    let top = bundle.top();
    // gitlabsos.<fqdn>_<YYYYmmddHHMMSS>
    let (host, stamp) = top
        .strip_prefix("gitlabsos.")
        .unwrap()
        .rsplit_once('_')
        .unwrap();
    assert!(host.contains('.'), "{top}");
    assert_eq!(stamp.len(), 14);
    assert!(stamp.bytes().all(|b| b.is_ascii_digit()), "{top}");
    assert_eq!(w.root, dir.path().join(&top));
    for rel in [
        "var/log/gitlab/gitlab-rails/production_json.log",
        "var/log/gitlab/gitlab-rails/api_json.log",
        "var/log/gitlab/gitlab-rails/production_json.log.1.gz",
        "var/log/gitlab/sidekiq/current",
        "var/log/gitlab/gitaly/current",
        "var/log/gitlab/gitlab-workhorse/current",
        "var/log/gitlab/nginx/gitlab_access.log",
        "var/log/gitlab/gitlab-shell/gitlab-shell.log",
        "var/log/gitlab/postgresql/current",
        "etc/gitlab/gitlab.rb",
        "hostname",
        "gitlab_status",
        "opt/gitlab/version-manifest.json",
        "df_hT",
        "free_m",
    ] {
        assert!(w.root.join(rel).is_file(), "missing {rel}");
    }
    // The hostname file holds the FQDN that names the bundle.
    assert_eq!(
        fs::read_to_string(w.root.join("hostname")).unwrap().trim(),
        host
    );
    let mut total = 0u64;
    let mut gz = 0;
    for (rel, bytes) in read_all(&w.root) {
        let content = if rel.ends_with(".gz") || rel.ends_with(".s") {
            // svlogd `.s` members are gzip despite the name.
            assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{rel} is not gzip");
            gz += 1;
            gunzip(&bytes)
        } else {
            bytes
        };
        assert!(
            content.ends_with(b"\n"),
            "{rel} does not end in a line feed"
        );
        total += content.len() as u64;
    }
    assert!(gz >= 4, "rotated members: {gz}");
    assert_eq!(total, w.bytes);
    // Logs stop at the first line past their share: a little over, never
    // under, and never by much.
    assert!(total >= size - (64 << 10), "{total} < {size}");
    assert!(total <= size + (64 << 10), "{total} > {size}");
    assert!(MIN_SIZE < size);
}

#[test]
fn every_planted_value_is_in_the_bundle_and_every_category_is_planted() {
    let dir = TempDir::new("bundle-planted");
    let w = Bundle::new(3, 3 << 20).write_dir(dir.path()).unwrap();
    let mut all = Vec::new();
    for (rel, bytes) in read_all(&w.root) {
        if rel.ends_with(".gz") || rel.ends_with(".s") {
            all.extend(gunzip(&bytes));
        } else {
            all.extend(bytes);
        }
        all.push(b'\n');
    }
    let text = String::from_utf8(all).unwrap();
    for p in &w.planted {
        assert!(p.count >= 1);
        assert!(
            text.contains(&p.value),
            "planted {} ({}) is not in the bundle",
            p.kind,
            p.category.as_str()
        );
    }
    for cat in [
        PlantedCategory::Credential,
        PlantedCategory::Network,
        PlantedCategory::Identity,
    ] {
        assert!(w.planted.iter().any(|p| p.category == cat), "{cat:?}");
    }
    for kind in [
        "gitlab_pat",
        "jwt",
        "password",
        "ipv4",
        "ipv6",
        "mac",
        "email",
        "username",
        "hostname",
    ] {
        assert!(
            w.planted.iter().any(|p| p.kind == kind),
            "no {kind} planted"
        );
    }
    // The TSV has a header and one line per value.
    let mut tsv = Vec::new();
    write_planted_tsv(&w.planted, &mut tsv).unwrap();
    let tsv = String::from_utf8(tsv).unwrap();
    assert_eq!(tsv.lines().count(), w.planted.len() + 1);
    assert!(tsv.starts_with("category\tkind\tcount\tvalue\n"));
}
