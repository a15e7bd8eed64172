//! Leave-one-out cost of each rule on sample files: the time one cold and
//! one warm single-thread pass take with every rule, minus the time with
//! all rules but that one (best of two engines each).
//!
//! What it is for: the union's lazy DFA builds its states while it
//! searches, and a rule's cost is mostly the states it adds to everyone's
//! (counted repetitions without a literal before them, `(?i)` words that
//! occur everywhere). Run it on a quiet machine: differences of a few
//! milliseconds are noise, and leave-one-out figures do not add up (the
//! cost of a union grows faster than the number of its patterns).
//!
//! With `--states`, the cost is the lazy DFA memory one pass builds
//! instead of time: deterministic, so it can be compared across runs and
//! machines (one pass per rule, so it is also faster).
//!
//! ```text
//! cargo run --release --example rule-cost -- FILE... [--head BYTES] [--top N] [--states] [--only ID,ID]
//! ```
//!
//! `--only` measures the listed rules alone (to try a rewrite of one rule
//! without waiting for all of them); `--only none` prints the total only.
use std::time::Instant;

use airlock::detect::{Engine, ScanOptions};
use airlock::rules::RuleSet;

fn pass(engine: &Engine, files: &[(String, Vec<u8>)]) -> f64 {
    let t = Instant::now();
    for (f, d) in files {
        engine
            .matcher(Some(f.as_ref()))
            .scan_slice(d, &ScanOptions::default(), |_| Ok::<(), ()>(()))
            .unwrap();
    }
    t.elapsed().as_secs_f64()
}

fn cost(set: &RuleSet, files: &[(String, Vec<u8>)]) -> (f64, f64) {
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..2 {
        let engine = Engine::new(set).unwrap();
        let cold = pass(&engine, files);
        let warm = pass(&engine, files);
        best = (best.0.min(cold), best.1.min(warm));
    }
    best
}

/// Lazy DFA bytes built by one cold pass.
fn states(set: &RuleSet, files: &[(String, Vec<u8>)]) -> usize {
    let engine = Engine::new(set).unwrap();
    pass(&engine, files);
    engine.dfa_memory()
}

fn main() {
    let mut head = 1usize << 20;
    let mut top = 40;
    let mut by_states = false;
    let mut only: Option<Vec<String>> = None;
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--head" => head = args.next().unwrap().parse().unwrap(),
            "--top" => top = args.next().unwrap().parse().unwrap(),
            "--states" => by_states = true,
            "--only" => only = Some(args.next().unwrap().split(',').map(String::from).collect()),
            _ => names.push(a),
        }
    }
    let files: Vec<(String, Vec<u8>)> = names
        .into_iter()
        .map(|f| {
            let mut d = std::fs::read(&f).unwrap();
            if d.len() > head {
                let cut = d[..head]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(head, |i| i + 1);
                d.truncate(cut);
            }
            (f, d)
        })
        .collect();
    let total: usize = files.iter().map(|f| f.1.len()).sum();
    let set = RuleSet::builtin().unwrap();
    let measured = |id: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == id));
    if by_states {
        let all = states(&set, &files);
        eprintln!(
            "all {} rules: {} bytes of DFA states",
            set.rules().len(),
            all
        );
        let mut rows: Vec<(i64, String)> = set
            .rules()
            .iter()
            .filter(|r| measured(&r.id))
            .map(|r| {
                let without = states(&set.filtered(|x| x.id != r.id), &files);
                let d = all as i64 - without as i64;
                eprintln!("{d:>10}  {}", r.id);
                (d, r.id.clone())
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        println!("bytes\trule");
        for (d, id) in rows.iter().take(top) {
            println!("{d}\t{id}");
        }
        return;
    }
    let all = cost(&set, &files);
    eprintln!(
        "all {} rules: cold {:.3} s, warm {:.3} s ({:.1} MB)",
        set.rules().len(),
        all.0,
        all.1,
        total as f64 / 1e6
    );
    let mut rows = Vec::new();
    for r in set.rules().iter().filter(|r| measured(&r.id)) {
        let without = set.filtered(|x| x.id != r.id);
        let c = cost(&without, &files);
        eprintln!(
            "{:>7.1} ms {:>7.1} ms  {}",
            (all.0 - c.0) * 1e3,
            (all.1 - c.1) * 1e3,
            r.id
        );
        rows.push((all.0 - c.0, all.1 - c.1, r.id.clone()));
    }
    rows.sort_by(|a, b| (b.0 + b.1).total_cmp(&(a.0 + a.1)));
    println!("cold ms\twarm ms\trule");
    for (c, w, id) in rows.iter().take(top) {
        println!("{:.1}\t{:.1}\t{}", c * 1e3, w * 1e3, id);
    }
}
