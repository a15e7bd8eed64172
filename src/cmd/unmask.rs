//! `airlock unmask`: pseudonyms back to originals, on the customer's side,
//! with the private map.

use std::io::Write;
use std::process::ExitCode;

use aho_corasick::{AhoCorasick, MatchKind};
use airlock::redact::map::Map;
use anyhow::Context;

use crate::cli::UnmaskArgs;

pub fn run(args: UnmaskArgs) -> anyhow::Result<ExitCode> {
    let map =
        Map::load(&args.map).with_context(|| format!("reading the map {}", args.map.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(file) = &args.file {
        let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        out.write_all(&unmask_text(&map, &text))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut unknown = 0;
    for p in &args.pseudonyms {
        match map.unmask(p) {
            Some(o) => writeln!(out, "{p}\t{o}")?,
            None => {
                unknown += 1;
                writeln!(out, "{p}\t(not in this map)")?;
            }
        }
    }
    Ok(if unknown > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Replace every pseudonym of the map in `text` with its original. Domains
/// are replaced with their `.example` suffix; longest pseudonyms first.
fn unmask_text(map: &Map, text: &[u8]) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for a in &map.entries {
        match a.kind.as_str() {
            "ipv4" | "ipv6" | "username" | "name" | "hostname" | "host_label" | "mac" => {
                pairs.push((a.pseudonym.clone(), a.original.clone()))
            }
            "domain" => {
                pairs.push((format!("{}.example", a.pseudonym), a.original.clone()));
                let first = a
                    .original
                    .split('.')
                    .next()
                    .unwrap_or(&a.original)
                    .to_string();
                pairs.push((a.pseudonym.clone(), first));
            }
            _ => {}
        }
    }
    if pairs.is_empty() {
        return text.to_vec();
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(pairs.iter().map(|(p, _)| p))
        .expect("pseudonyms are short literals");
    let originals: Vec<&str> = pairs.iter().map(|(_, o)| o.as_str()).collect();
    ac.replace_all_bytes(text, &originals)
}
