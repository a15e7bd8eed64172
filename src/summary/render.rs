//! Renderings of a [`Report`]: aligned text (default), Markdown (paste into
//! a ticket), JSON (the report as data) and one self-contained HTML page.
//!
//! Text, Markdown and HTML are produced from the same list of [`Block`]s, so
//! the three always say the same thing. Strings in a report are already
//! sanitized; renderers only escape them for their medium (terminal control
//! characters, Markdown table pipes, HTML).

use std::fmt::Write as _;

use super::report::{CompareRow, Field, Report, Row, Timeline};
use crate::logs::time::format_ms;
use crate::scan::escape_for_terminal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Html,
}

/// Render several reports (one per input) as one document: one after the
/// other in text and Markdown, one page in HTML, `{"reports":[…]}` in JSON.
/// One report renders as [`render`] does.
pub fn render_all(reports: &[Report], format: Format) -> String {
    match reports {
        [one] => render(one, format),
        _ => match format {
            Format::Json => {
                let mut s =
                    serde_json::to_string_pretty(&serde_json::json!({ "reports": reports }))
                        .expect("reports serialize");
                s.push('\n');
                s
            }
            Format::Text => reports
                .iter()
                .map(|r| text(&blocks(r)))
                .collect::<Vec<_>>()
                .join("\n\n"),
            Format::Markdown => reports
                .iter()
                .map(|r| markdown(&blocks(r)))
                .collect::<Vec<_>>()
                .join("\n---\n\n"),
            Format::Html => html_page(reports),
        },
    }
}

/// Render `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("report serializes");
            s.push('\n');
            s
        }
        Format::Text => text(&blocks(report)),
        Format::Markdown => markdown(&blocks(report)),
        Format::Html => html_page(std::slice::from_ref(report)),
    }
}

/// A piece of a document.
#[derive(Clone, Debug)]
pub enum Block {
    H1(String),
    H2(String),
    H3(String),
    P(String),
    /// A paragraph that needs attention (services down).
    Alert(String),
    Kv(Vec<(String, String)>),
    Table(Table),
    Chart {
        title: String,
        timeline: Timeline,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// Right-aligned (numeric) columns.
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// A note under the table (`… 12 more rows`).
    pub note: Option<String>,
    /// Columns that hold a place (`FILE`, `FILE:LINE`): when text must
    /// shorten them, they lose their start, never the name or line number.
    pub places: Vec<usize>,
    /// Rows to draw attention to (a service that is down).
    pub marked: Vec<usize>,
}

/// Milliseconds as fast-stats prints them (one decimal), with two below
/// 1 ms so sub-millisecond Gitaly calls do not all read `0.0`.
fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v >= 1.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn pct(v: f64) -> String {
    format!("{v:.2}")
}

fn bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

fn dur(s: u64) -> String {
    if s >= 86_400 {
        format!("{}d{}h", s / 86_400, s % 86_400 / 3600)
    } else if s >= 3600 {
        format!("{}h{}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn hdr(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// One cell of a statistics column.
fn field_cell(f: Field, r: &Row) -> String {
    match f {
        Field::Count => r.count.to_string(),
        Field::Rps => r.rps.map_or("-".into(), num),
        Field::Score => r.score.map_or("-".into(), |s| format!("{s:.1}")),
        Field::Fail => pct(r.fail_pct),
        f => ms(f.value(r)),
    }
}

/// KEY, then the chosen columns in the chosen order.
fn stats_table(fields: &[Field], rows: &[Row], more: usize) -> Table {
    let mut headers = vec!["KEY".to_string()];
    headers.extend(fields.iter().map(|f| f.header().to_string()));
    let mut numeric = vec![false];
    numeric.extend(fields.iter().map(|_| true));
    Table {
        places: Vec::new(),
        marked: Vec::new(),
        headers,
        numeric,
        rows: rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.key.clone()];
                cells.extend(fields.iter().map(|f| field_cell(*f, r)));
                cells
            })
            .collect(),
        note: (more > 0).then(|| format!("… {more} more rows (--limit 0 shows all)")),
    }
}

/// KEY, then per chosen column: A, B and B − A. A key absent on one side
/// says so in that side's cells; its deltas are `-`.
fn compare_table(fields: &[Field], rows: &[CompareRow], more: usize) -> Table {
    let mut headers = vec!["KEY".to_string()];
    for f in fields {
        let hd = f.header();
        headers.extend([format!("{hd}_A"), format!("{hd}_B"), format!("Δ{hd}")]);
    }
    let mut numeric = vec![false];
    numeric.extend(fields.iter().flat_map(|_| [true; 3]));
    Table {
        places: Vec::new(),
        marked: Vec::new(),
        headers,
        numeric,
        rows: rows
            .iter()
            .map(|x| {
                let mut cells = vec![x.key.clone()];
                for f in fields {
                    let side = |r: &Option<Row>| match r {
                        Some(r) => field_cell(*f, r),
                        None => "absent".to_string(),
                    };
                    cells.push(side(&x.a));
                    cells.push(side(&x.b));
                    cells.push(match x.delta.get(f.json_name()).copied().flatten() {
                        None => "-".into(),
                        Some(d) => match f {
                            Field::Count => format!("{d:+.0}"),
                            Field::Fail => format!("{d:+.2}"),
                            Field::Rps => format!("{d:+.3}"),
                            _ => format!("{d:+.1}"),
                        },
                    });
                }
                cells
            })
            .collect(),
        note: (more > 0).then(|| format!("… {more} more rows (--limit 0 shows all)")),
    }
}

/// The document structure shared by text, Markdown and HTML.
pub fn blocks(r: &Report) -> Vec<Block> {
    let mut b = Vec::new();
    let title = match r.command.as_str() {
        "summary" => "GitLab logs summary",
        "errors" => "GitLab errors",
        "top" => "Top users, projects and clients",
        "trace" => "Trace",
        "compare" => "Comparison",
        other => other,
    };
    b.push(Block::H1(format!("airlock {}: {title}", r.command)));
    b.push(Block::P(format!(
        "Input: {}. {}",
        r.inputs.join(", "),
        header_note(r)
    )));
    for a in &r.alerts {
        b.push(Block::Alert(a.clone()));
    }
    if let Some(o) = &r.overview {
        b.push(Block::H2("Overview".into()));
        let mut kv = vec![
            ("GitLab version".to_string(), opt(&o.gitlab_version)),
            (
                "Time span".into(),
                format!("{} → {}", opt(&o.first), opt(&o.last)),
            ),
        ];
        let h = &o.host;
        if h.cpus.is_some() || h.cpu_model.is_some() {
            kv.push((
                "CPU".into(),
                format!(
                    "{} × {}",
                    h.cpus.map_or("?".into(), |c| c.to_string()),
                    opt(&h.cpu_model)
                ),
            ));
        }
        if let Some(t) = h.mem_total_mb {
            kv.push((
                "Memory".into(),
                format!(
                    "{t} MB total, {} MB used, {} MB available{}",
                    h.mem_used_mb.map_or("?".into(), |v| v.to_string()),
                    h.mem_available_mb.map_or("?".into(), |v| v.to_string()),
                    match (h.swap_total_mb, h.swap_used_mb) {
                        (Some(st), Some(su)) => format!("; swap {su}/{st} MB used"),
                        _ => String::new(),
                    }
                ),
            ));
        }
        if let Some(os) = &h.os {
            kv.push(("OS".into(), os.clone()));
        }
        if let Some(k) = &h.kernel {
            kv.push(("Kernel".into(), k.clone()));
        }
        b.push(Block::Kv(kv));
        if !o.services.is_empty() {
            b.push(Block::H3("Services (gitlab_status)".into()));
            let down: Vec<usize> = o
                .services
                .iter()
                .enumerate()
                .filter(|(_, s)| s.state != "run")
                .map(|(i, _)| i)
                .collect();
            if !down.is_empty() {
                b.push(Block::Alert(format!(
                    "Not running: {}.",
                    down.iter()
                        .map(|&i| {
                            let s = &o.services[i];
                            format!("{} ({})", s.name, s.state)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: down,
                headers: hdr(&["SERVICE", "STATE", "UPTIME", "NOTE"]),
                numeric: vec![false, false, true, false],
                rows: o
                    .services
                    .iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.state.clone(),
                            s.uptime_s.map_or("-".into(), dur),
                            opt(&s.note),
                        ]
                    })
                    .collect(),
                note: None,
            }));
        }
        if !h.disks.is_empty() {
            b.push(Block::H3("Disks (df_hT)".into()));
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&[
                    "MOUNT",
                    "TYPE",
                    "SIZE",
                    "USED",
                    "AVAIL",
                    "USE%",
                    "FILESYSTEM",
                ]),
                numeric: vec![false, false, true, true, true, true, false],
                rows: h
                    .disks
                    .iter()
                    .map(|d| {
                        vec![
                            d.mount.clone(),
                            d.fstype.clone(),
                            d.size.clone(),
                            d.used.clone(),
                            d.avail.clone(),
                            d.use_pct.map_or("-".into(), |p| format!("{p}%")),
                            d.filesystem.clone(),
                        ]
                    })
                    .collect(),
                note: None,
            }));
        }
        b.push(Block::H3("Logs".into()));
        b.push(Block::Table(Table {
            places: vec![0],
            marked: Vec::new(),
            headers: hdr(&[
                "FILE", "KINDS", "SIZE", "LINES", "UNPARSED", "FIRST", "LAST",
            ]),
            numeric: vec![false, false, true, true, true, false, false],
            rows: o
                .files
                .iter()
                .map(|f| {
                    vec![
                        match &f.error {
                            Some(e) => format!("{} (error: {e})", f.name),
                            None if f.compressed => format!("{} (gzip)", f.name),
                            None => f.name.clone(),
                        },
                        if f.kinds.is_empty() {
                            "-".into()
                        } else {
                            f.kinds.join(",")
                        },
                        bytes(f.bytes.max(f.size)),
                        f.lines.to_string(),
                        f.unparsed.to_string(),
                        opt(&f.first),
                        opt(&f.last),
                    ]
                })
                .collect(),
            note: (o.other_files > 0).then(|| {
                format!(
                    "{} other file(s) (command outputs, configs) were not read as logs.",
                    o.other_files
                )
            }),
        }));
    }
    if let Some(t) = &r.timeline {
        if !t.buckets.is_empty() {
            b.push(Block::H2("Failures over time (all logs)".into()));
            b.push(Block::Chart {
                title: "all logs".into(),
                timeline: t.clone(),
            });
        }
    }
    for s in &r.sections {
        b.push(Block::H2(format!("{} — {}", s.kind, s.log)));
        b.push(Block::P(format!(
            "{} events from {} to {}; key: {}; all: {} requests, P95 {} ms, P99 {} ms, {}% failed.",
            s.total.count,
            opt(&s.first),
            opt(&s.last),
            s.key_label,
            s.total.count,
            ms(s.total.p95_ms),
            ms(s.total.p99_ms),
            pct(s.total.fail_pct)
        )));
        b.push(Block::Table(stats_table(&r.fields, &s.rows, s.more)));
        if s.timeline.total_fails > 0 {
            b.push(Block::Chart {
                title: format!("{} failures", s.kind),
                timeline: s.timeline.clone(),
            });
        }
        for iv in &s.intervals {
            b.push(Block::H3(format!(
                "{} — {} → {}: {} events, {}% failed",
                s.kind,
                iv.start,
                iv.end,
                iv.total.count,
                pct(iv.total.fail_pct)
            )));
            b.push(Block::Table(stats_table(&r.fields, &iv.rows, iv.more)));
        }
        if s.intervals_left_out > 0 {
            b.push(Block::P(format!(
                "{} events of this log are in no interval table (no time, or past {} intervals).",
                s.intervals_left_out,
                super::analyze::MAX_INTERVALS
            )));
        }
    }
    if let Some(e) = &r.errors {
        b.push(Block::H2("Errors".into()));
        if e.groups.is_empty() {
            b.push(Block::P("No exceptions or failures found.".into()));
        } else {
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&[
                    "COUNT",
                    "KIND",
                    "CLASS",
                    "MESSAGE",
                    "FIRST",
                    "LAST",
                    "CORRELATION_ID",
                    "WHERE",
                ]),
                numeric: vec![true, false, false, false, false, false, false, false],
                rows: e
                    .groups
                    .iter()
                    .map(|g| {
                        vec![
                            g.count.to_string(),
                            g.kind.clone(),
                            g.class.clone(),
                            g.message.clone(),
                            opt(&g.first),
                            opt(&g.last),
                            opt(&g.correlation_id),
                            opt(&g.key),
                        ]
                    })
                    .collect(),
                note: (e.more > 0 || e.ungrouped > 0).then(|| {
                    format!(
                        "… {} more groups; {} failures not grouped (group table full)",
                        e.more, e.ungrouped
                    )
                }),
            }));
        }
        if !e.http_statuses.is_empty() {
            b.push(Block::H3("HTTP statuses ≥ 400".into()));
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&["KIND", "STATUS", "COUNT"]),
                numeric: vec![false, true, true],
                rows: e
                    .http_statuses
                    .iter()
                    .map(|s| vec![s.kind.clone(), s.status.to_string(), s.count.to_string()])
                    .collect(),
                note: None,
            }));
        }
        if !e.grpc_codes.is_empty() {
            b.push(Block::H3("gRPC codes".into()));
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&["CODE", "COUNT"]),
                numeric: vec![false, true],
                rows: e
                    .grpc_codes
                    .iter()
                    .map(|c| vec![c.code.clone(), c.count.to_string()])
                    .collect(),
                note: None,
            }));
        }
        if !e.grpc_failures.is_empty() {
            b.push(Block::H3("gRPC failures by method".into()));
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&["METHOD", "CODE", "COUNT"]),
                numeric: vec![false, false, true],
                rows: e
                    .grpc_failures
                    .iter()
                    .map(|c| vec![c.method.clone(), c.code.clone(), c.count.to_string()])
                    .collect(),
                note: None,
            }));
        }
        if !e.sidekiq_failures.is_empty() {
            b.push(Block::H3("Sidekiq failures by worker".into()));
            b.push(Block::Table(Table {
                places: Vec::new(),
                marked: Vec::new(),
                headers: hdr(&["CLASS", "FAILED", "ERROR_CLASS"]),
                numeric: vec![false, true, false],
                rows: e
                    .sidekiq_failures
                    .iter()
                    .map(|w| vec![w.class.clone(), w.count.to_string(), opt(&w.error_class)])
                    .collect(),
                note: None,
            }));
        }
    }
    for t in &r.top {
        b.push(Block::H2(format!("{} — {}", t.kind, t.log)));
        for (name, table) in [
            ("Users", &t.users),
            ("Projects", &t.projects),
            ("Client IPs", &t.ips),
            ("User agents", &t.agents),
        ] {
            if table.distinct == 0 {
                continue;
            }
            let same = table.by_count == table.by_duration;
            for (order, rows) in [
                ("by count", &table.by_count),
                ("by total duration", &table.by_duration),
            ] {
                if same && order != "by count" {
                    // Same rows in the same order: one table says it all.
                    continue;
                }
                b.push(Block::H3(format!(
                    "{name} {order} ({} distinct)",
                    table.distinct
                )));
                b.push(Block::Table(Table {
                    places: Vec::new(),
                    marked: Vec::new(),
                    headers: hdr(&["VALUE", "COUNT", "%", "TOTAL_s", "MEAN_ms"]),
                    numeric: vec![false, true, true, true, true],
                    rows: rows
                        .iter()
                        .map(|x| {
                            vec![
                                x.value.clone(),
                                x.count.to_string(),
                                pct(x.pct),
                                format!("{:.1}", x.total_ms / 1000.0),
                                ms(Some(x.total_ms / x.count.max(1) as f64)),
                            ]
                        })
                        .collect(),
                    note: None,
                }));
            }
        }
    }
    if let Some(t) = &r.trace {
        b.push(Block::P(format!(
            "{} line(s) carrying `{}` in {} file(s){}.",
            t.hits.len(),
            t.id,
            t.files,
            if t.dropped > 0 {
                format!("; {} more not kept", t.dropped)
            } else {
                String::new()
            }
        )));
        b.push(Block::Table(Table {
            places: vec![1],
            marked: Vec::new(),
            headers: hdr(&["TIME", "FILE:LINE", "KIND", "WHAT", "STATUS", "DURATION_ms"]),
            numeric: vec![false, false, false, false, true, true],
            rows: t
                .hits
                .iter()
                .map(|h| {
                    let what = match (&h.key, &h.message) {
                        (Some(k), Some(m)) if k != m => format!("{k} — {m}"),
                        (Some(k), _) => k.clone(),
                        (None, Some(m)) => m.clone(),
                        (None, None) => h.text.chars().take(160).collect(),
                    };
                    vec![
                        opt(&h.time),
                        format!("{}:{}", h.file, h.line),
                        opt(&h.kind),
                        what,
                        h.status.map_or("-".into(), |s| s.to_string()),
                        ms(h.duration_ms),
                    ]
                })
                .collect(),
            note: None,
        }));
    }
    if let Some(c) = &r.compare {
        b.push(Block::P(format!("A = {}; B = {}. Δ = B − A.", c.a, c.b)));
        for s in &c.sections {
            b.push(Block::H2(format!("{} ({})", s.kind, s.key_label)));
            b.push(Block::Table(compare_table(&r.fields, &s.rows, s.more)));
        }
    }
    for n in &r.notes {
        b.push(Block::P(n.clone()));
    }
    b
}

/// What the header says about the names in the report.
fn header_note(r: &Report) -> String {
    let n = &r.input_names;
    if n.redacted_bundle {
        let mut s = format!(
            "This input is a bundle redacted by airlock: its {} pseudonyms and its masks are shown as they are, so every name here can be found in it with grep.",
            n.pseudonyms
        );
        if n.other > 0 {
            s.push_str(&format!(
                " {} other name(s) in it {}.",
                n.other,
                if r.redacted {
                    "were replaced by new pseudonyms"
                } else {
                    "are shown as they are (--raw)"
                }
            ));
        }
        s
    } else if r.redacted {
        "Identifiers are replaced by keyed pseudonyms and credentials are masked (shareable)."
            .into()
    } else {
        "RAW: originals shown (--raw); do not share outside the customer site.".into()
    }
}

fn chart_caption(t: &Timeline) -> String {
    let spikes: Vec<String> = t
        .spikes
        .iter()
        .map(|s| format!("{} ({} of {})", s.start, s.fails, s.events))
        .collect();
    format!(
        "{} failure{} in {} bucket{} of {}; max {} per bucket.{}",
        t.total_fails,
        if t.total_fails == 1 { "" } else { "s" },
        t.buckets.len(),
        if t.buckets.len() == 1 { "" } else { "s" },
        dur(t.interval_s),
        t.max_fails,
        if spikes.is_empty() {
            String::new()
        } else {
            format!(" Biggest spikes: {}.", spikes.join(", "))
        }
    )
}

// ---------------------------------------------------------------- text

const TEXT_CELL_MAX: usize = 80;
/// Places get more room: a gitlabsos path is long before its file name.
const TEXT_PLACE_MAX: usize = 100;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(max - 1).collect();
        o.push('…');
        o
    }
}

/// Shorten a place (`dir/…/file.log:123`) from the left: what identifies it
/// is at its end.
fn cut_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        let mut o = String::from("…");
        o.extend(s.chars().skip(n - (max - 1)));
        o
    }
}

fn text(blocks: &[Block]) -> String {
    let mut o = String::new();
    for b in blocks {
        match b {
            Block::H1(t) => {
                let _ = writeln!(
                    o,
                    "{}\n{}",
                    escape_for_terminal(t),
                    "=".repeat(t.chars().count())
                );
            }
            Block::H2(t) => {
                let _ = writeln!(
                    o,
                    "\n{}\n{}",
                    escape_for_terminal(t),
                    "-".repeat(t.chars().count())
                );
            }
            Block::H3(t) => {
                let _ = writeln!(o, "\n{}:", escape_for_terminal(t));
            }
            Block::P(t) => {
                let _ = writeln!(o, "{}", escape_for_terminal(t));
            }
            Block::Alert(t) => {
                let _ = writeln!(o, "(!) {}", escape_for_terminal(t));
            }
            Block::Kv(kv) => {
                let w = kv.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
                for (k, v) in kv {
                    let _ = writeln!(o, "  {k:w$}  {}", escape_for_terminal(v));
                }
            }
            Block::Table(t) => {
                let rows: Vec<Vec<String>> = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .enumerate()
                            .map(|(i, c)| {
                                let c = escape_for_terminal(c);
                                if t.places.contains(&i) {
                                    cut_left(&c, TEXT_PLACE_MAX)
                                } else {
                                    cut(&c, TEXT_CELL_MAX)
                                }
                            })
                            .collect()
                    })
                    .collect();
                let mut w: Vec<usize> = t.headers.iter().map(|h| h.chars().count()).collect();
                for r in &rows {
                    for (i, c) in r.iter().enumerate() {
                        w[i] = w[i].max(c.chars().count());
                    }
                }
                let line = |cells: &[String], o: &mut String| {
                    let mut l = String::new();
                    for (i, c) in cells.iter().enumerate() {
                        let pad = w[i] - c.chars().count();
                        if i > 0 {
                            l.push_str("  ");
                        }
                        if t.numeric[i] {
                            l.push_str(&" ".repeat(pad));
                            l.push_str(c);
                        } else {
                            l.push_str(c);
                            if i + 1 < cells.len() {
                                l.push_str(&" ".repeat(pad));
                            }
                        }
                    }
                    let _ = writeln!(o, "{}", l.trim_end());
                };
                let hs: Vec<String> = t.headers.iter().map(|h| h.to_string()).collect();
                line(&hs, &mut o);
                for r in &rows {
                    line(r, &mut o);
                }
                if let Some(n) = &t.note {
                    let _ = writeln!(o, "{}", escape_for_terminal(n));
                }
            }
            Block::Chart { title, timeline } => {
                let (a, z) = ends(timeline);
                let _ = writeln!(o, "  {title}: {a} {} {z}", timeline.sparkline);
                let _ = writeln!(o, "  {}", chart_caption(timeline));
            }
        }
    }
    o
}

fn ends(t: &Timeline) -> (String, String) {
    let a = t
        .buckets
        .first()
        .map(|b| b.start.clone())
        .unwrap_or_default();
    let z = t
        .buckets
        .last()
        .map(|b| format_ms(b.start_ms + t.interval_s as i64 * 1000))
        .unwrap_or_default();
    (a, z)
}

// ---------------------------------------------------------------- markdown

fn md_cell(s: &str) -> String {
    let s = escape_for_terminal(s)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    s.replace('*', "\\*")
        .replace('_', "\\_")
        .replace('`', "\\`")
}

fn markdown(blocks: &[Block]) -> String {
    let mut o = String::new();
    for b in blocks {
        match b {
            Block::H1(t) => {
                let _ = writeln!(o, "# {}\n", md_cell(t));
            }
            Block::H2(t) => {
                let _ = writeln!(o, "\n## {}\n", md_cell(t));
            }
            Block::H3(t) => {
                let _ = writeln!(o, "\n### {}\n", md_cell(t));
            }
            Block::P(t) => {
                let _ = writeln!(o, "{}\n", md_cell(t));
            }
            Block::Alert(t) => {
                let _ = writeln!(o, "> **(!) {}**\n", md_cell(t));
            }
            Block::Kv(kv) => {
                for (k, v) in kv {
                    let _ = writeln!(o, "- **{}**: {}", md_cell(k), md_cell(v));
                }
                o.push('\n');
            }
            Block::Table(t) => {
                let _ = writeln!(
                    o,
                    "| {} |",
                    t.headers
                        .iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let _ = writeln!(
                    o,
                    "|{}|",
                    t.numeric
                        .iter()
                        .map(|n| if *n { "---:" } else { "---" })
                        .collect::<Vec<_>>()
                        .join("|")
                );
                for r in &t.rows {
                    let _ = writeln!(
                        o,
                        "| {} |",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    );
                }
                if let Some(n) = &t.note {
                    let _ = writeln!(o, "\n{}", md_cell(n));
                }
                o.push('\n');
            }
            Block::Chart { title, timeline } => {
                let (a, z) = ends(timeline);
                let _ = writeln!(
                    o,
                    "`{}` {} → {} ({})\n\n{}\n",
                    timeline.sparkline,
                    md_cell(&a),
                    md_cell(&z),
                    md_cell(title),
                    md_cell(&chart_caption(timeline))
                );
            }
        }
    }
    o
}

// ---------------------------------------------------------------- html

pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(o, "\\u{{{:x}}}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1400px;padding:0 16px;color:#1f2328;background:#fff}
h1{font-size:22px;border-bottom:2px solid #6e49cb;padding-bottom:6px}
h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin-top:20px}
nav.toc{background:#f6f8fa;border:1px solid #d0d7de;padding:8px 16px;margin:12px 0;columns:2 360px;font-size:13px}
nav.toc ol{margin:4px 0;padding-left:20px}
nav.toc a{color:#0969da;text-decoration:none}nav.toc a:hover{text-decoration:underline}
table{border-collapse:collapse;margin:8px 0 4px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 8px;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td{max-width:520px;overflow-wrap:break-word;word-break:normal;hyphens:none}
tr:nth-child(even) td{background:#fafbfc}
tr.down td{background:#ffebe9;color:#82071e;font-weight:600}
.alert{background:#ffebe9;border:1px solid #ff8182;color:#82071e;padding:6px 10px;font-weight:600}
.note{color:#57606a;font-size:12px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}dd{margin:0}
.chart{margin:8px 0}
.chart svg{background:#fcfcfd;border:1px solid #d0d7de}
.raw{background:#fff4e5;border:1px solid #f0b849;padding:6px}
"#;

const JS: &str = r#"
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);
      var asc=!th.classList.contains('asc');
      t.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc')});
      th.classList.add(asc?'asc':'desc');
      var val=function(r){var s=r.cells[i].getAttribute('data-v')||r.cells[i].textContent;var n=parseFloat(s.replace(/[,+%]/g,''));return isNaN(n)?s:n};
      rows.sort(function(a,b){var x=val(a),y=val(b);if(typeof x==='number'&&typeof y==='number')return asc?x-y:y-x;x=String(x);y=String(y);return asc?x.localeCompare(y):y.localeCompare(x)});
      rows.forEach(function(r){tb.appendChild(r)});
    });
  });
});
"#;

/// Events and failures per bucket on **one** scale: a failure bar is the
/// failed part of its bucket's events (2 of 6 failed is a third of the
/// bar), never stretched to a scale of its own. Failures that are no
/// request (error lines) can exceed a bucket's events; the scale covers
/// both.
fn svg_chart(t: &Timeline) -> String {
    let n = t.buckets.len().max(1);
    let (w, h, pad_l, pad_b, pad_t) = (900.0_f64, 150.0_f64, 48.0, 22.0, 10.0);
    let plot_w = w - pad_l - 8.0;
    let plot_h = h - pad_b - pad_t;
    let bw = plot_w / n as f64;
    let top = t
        .buckets
        .iter()
        .map(|b| b.events.max(b.fails))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |v: u64| v as f64 / top as f64 * plot_h;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">"#
    );
    for (i, b) in t.buckets.iter().enumerate() {
        let x = pad_l + i as f64 * bw;
        let share = if b.events > 0 {
            format!(" ({:.1}%)", 100.0 * b.fails as f64 / b.events as f64)
        } else {
            String::new()
        };
        let title = format!(
            "{}: {} events, {} failed{share}",
            esc(&b.start),
            b.events,
            b.fails
        );
        if b.events > 0 {
            let eh = scale(b.events);
            let _ = write!(
                o,
                r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{eh:.1}" fill="#c9d7f2"><title>{title}</title></rect>"##,
                pad_t + plot_h - eh,
                (bw - 0.5).max(0.5),
            );
        }
        if b.fails > 0 {
            let fh = scale(b.fails);
            let _ = write!(
                o,
                r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{fh:.1}" fill="#d1242f"><title>{title}</title></rect>"##,
                pad_t + plot_h - fh,
                (bw - 0.5).max(0.5),
            );
        }
    }
    let (a, z) = ends(t);
    let _ = write!(
        o,
        r##"<line x1="{pad_l}" y1="{y}" x2="{x2}" y2="{y}" stroke="#57606a"/><line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{y}" stroke="#57606a"/><text x="{pad_l}" y="{ty}" font-size="11" fill="#57606a">{}</text><text x="{x2}" y="{ty}" font-size="11" fill="#57606a" text-anchor="end">{}</text><text x="{lx}" y="{t1}" font-size="11" fill="#57606a" text-anchor="end">{top}</text><text x="{lx}" y="{y}" font-size="11" fill="#57606a" text-anchor="end">0</text>"##,
        esc(&a),
        esc(&z),
        y = pad_t + plot_h,
        x2 = w - 8.0,
        ty = h - 6.0,
        lx = pad_l - 4.0,
        t1 = pad_t + 9.0,
    );
    o.push_str("</svg>");
    o
}

/// Escape for HTML, with a line-break opportunity (`<wbr>`) after the
/// separators of paths, routes and class names, so long names wrap there
/// and not in the middle of a word.
fn esc_wrap(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 16);
    let mut prev = '\0';
    for c in s.chars() {
        o.push_str(&esc(c.encode_utf8(&mut [0; 4])));
        if matches!(c, '/' | '#' | ',' | '?' | '&' | '=' | '@')
            || (c == ':' && prev == ':')
            || (c == '.' && prev.is_ascii_alphabetic())
        {
            o.push_str("<wbr>");
        }
        prev = c;
    }
    o
}

/// The table of contents: every H2 of every report (and each report's
/// title when there are several), linked to its anchor.
fn toc(all: &[Vec<Block>]) -> String {
    let mut o = String::from("<nav class=\"toc\"><b>Contents</b><ol>");
    for (ri, blocks) in all.iter().enumerate() {
        if all.len() > 1 {
            let title = blocks
                .iter()
                .find_map(|b| match b {
                    Block::H1(t) => Some(t.as_str()),
                    _ => None,
                })
                .unwrap_or("");
            let input = blocks
                .iter()
                .find_map(|b| match b {
                    Block::P(t) => t.strip_prefix("Input: ").and_then(|t| t.split(". ").next()),
                    _ => None,
                })
                .unwrap_or("");
            let _ = write!(
                o,
                "<li><a href=\"#r{ri}\">{} — {}</a><ol>",
                esc(title),
                esc(input)
            );
        }
        let mut h2 = 0;
        for b in blocks {
            if let Block::H2(t) = b {
                h2 += 1;
                let _ = write!(o, "<li><a href=\"#r{ri}-{h2}\">{}</a></li>", esc(t));
            }
        }
        if all.len() > 1 {
            o.push_str("</ol></li>");
        }
    }
    o.push_str("</ol></nav>\n");
    o
}

fn html_page(reports: &[Report]) -> String {
    let all: Vec<Vec<Block>> = reports.iter().map(blocks).collect();
    let mut o = String::new();
    let title = all
        .iter()
        .flatten()
        .find_map(|b| match b {
            Block::H1(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"><title>{}</title><style>{CSS}</style></head><body>\n",
        esc(&title)
    );
    if reports.iter().any(|r| !r.redacted) {
        o.push_str("<p class=\"raw\"><b>RAW report</b>: original values shown (--raw). Do not share outside the customer site.</p>\n");
    }
    // Anchors: `r<report>` for each H1, `r<report>-<n>` for each H2.
    let toc = toc(&all);
    let mut toc_written = false;
    for (ri, blocks) in all.iter().enumerate() {
        let mut h2 = 0;
        for (bi, b) in blocks.iter().enumerate() {
            match b {
                Block::H1(t) => {
                    let _ = writeln!(o, "<h1 id=\"r{ri}\">{}</h1>", esc(t));
                }
                Block::H2(t) => {
                    h2 += 1;
                    let _ = writeln!(o, "<h2 id=\"r{ri}-{h2}\">{}</h2>", esc(t));
                }
                Block::H3(t) => {
                    let _ = writeln!(o, "<h3>{}</h3>", esc(t));
                }
                Block::P(t) => {
                    let _ = writeln!(o, "<p>{}</p>", esc(t));
                }
                Block::Alert(t) => {
                    let _ = writeln!(o, "<p class=\"alert\">{}</p>", esc(t));
                }
                Block::Kv(kv) => {
                    o.push_str("<dl>");
                    for (k, v) in kv {
                        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
                    }
                    o.push_str("</dl>\n");
                }
                Block::Table(t) => {
                    o.push_str("<table class=\"sortable\"><thead><tr>");
                    for h in &t.headers {
                        let _ = write!(o, "<th>{}</th>", esc(h));
                    }
                    o.push_str("</tr></thead><tbody>\n");
                    for (r, row) in t.rows.iter().enumerate() {
                        if t.marked.contains(&r) {
                            o.push_str("<tr class=\"down\">");
                        } else {
                            o.push_str("<tr>");
                        }
                        for (i, c) in row.iter().enumerate() {
                            if t.numeric[i] {
                                let _ = write!(o, "<td class=\"n\">{}</td>", esc(c));
                            } else {
                                let _ = write!(o, "<td>{}</td>", esc_wrap(c));
                            }
                        }
                        o.push_str("</tr>\n");
                    }
                    o.push_str("</tbody></table>\n");
                    if let Some(n) = &t.note {
                        let _ = writeln!(o, "<p class=\"note\">{}</p>", esc(n));
                    }
                }
                Block::Chart { title, timeline } => {
                    let _ = writeln!(
                        o,
                        "<div class=\"chart\"><div class=\"note\">{} — blue: events per bucket; red: the failures among them, on the same scale (hover a bar for its share)</div>{}<p class=\"note\">{}</p></div>",
                        esc(title),
                        svg_chart(timeline),
                        esc(&chart_caption(timeline))
                    );
                }
            }
            // The table of contents comes after the first report's header
            // (its title and the paragraph that says what the input is).
            if !toc_written && ri == 0 && bi == 1 {
                o.push_str(&toc);
                toc_written = true;
            }
        }
    }
    if !toc_written {
        o.push_str(&toc);
    }
    let _ = write!(o, "<script>{JS}</script>\n</body></html>\n");
    o
}
