//! The brief as Markdown (a ticket comment: about 150 lines unless told
//! otherwise), one self-contained HTML page (no script, font or image from
//! elsewhere; the chart is inline SVG) and JSON.
//!
//! Every string here was sanitized when the [`Brief`] was built; rendering
//! only escapes (HTML) or fences (Markdown code spans) it.

use std::fmt::Write as _;

use super::{Brief, Finding};
use crate::summary::render::esc;

/// Markdown lines by default: what fits in a ticket comment.
pub const DEFAULT_LIMIT: usize = 150;

/// Output format of `brief`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BriefFormat {
    Markdown,
    Html,
    Json,
}

pub fn render(b: &Brief, format: BriefFormat, limit: usize) -> String {
    match format {
        BriefFormat::Markdown => markdown(b, limit),
        BriefFormat::Html => html(b),
        BriefFormat::Json => {
            let mut s = serde_json::to_string_pretty(b).expect("a brief serializes");
            s.push('\n');
            s
        }
    }
}

/// Text inside a Markdown code span: no backtick can close it early, no
/// line break can end it.
fn code(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    format!("`{s}`")
}

fn place(file: &str, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

fn finding_md(i: usize, f: &Finding) -> Vec<String> {
    let mut v = vec![
        format!(
            "### {}. [{}] {}",
            i + 1,
            f.severity.as_str().to_uppercase(),
            f.title
        ),
        String::new(),
        f.sentence.clone(),
        String::new(),
    ];
    if let Some(w) = &f.window {
        v.push(format!("- When: {}", w.text()));
    }
    v.push(format!("- Check: {}", code(&f.check)));
    if !f.evidence.is_empty() {
        v.push("- Evidence:".into());
        for e in &f.evidence {
            v.push(format!(
                "  - {} {}",
                code(&place(&e.file, e.line)),
                code(&e.quote)
            ));
        }
    }
    if let Some(id) = &f.correlation_id {
        if f.trace.is_empty() {
            v.push(format!("- A failing request: correlation id {}", code(id)));
        } else {
            v.push(format!(
                "- A failing request, {} across the logs ({} lines):",
                code(id),
                f.trace.len()
            ));
            for t in f.trace.iter().take(8) {
                let mut s = format!(
                    "  - {} {}",
                    t.time.as_deref().unwrap_or("?"),
                    code(&place(&t.file, Some(t.line)))
                );
                for x in [&t.kind, &t.key].into_iter().flatten() {
                    s.push(' ');
                    s.push_str(&code(x));
                }
                if let Some(st) = t.status {
                    let _ = write!(s, " {st}");
                }
                if let Some(d) = t.duration_ms {
                    let _ = write!(s, " {d:.0} ms");
                }
                if let Some(m) = &t.message {
                    s.push(' ');
                    s.push_str(&code(m));
                }
                v.push(s);
            }
            if f.trace.len() > 8 {
                v.push(format!("  - … {} more", f.trace.len() - 8));
            }
        }
    }
    v.push(String::new());
    v
}

fn markdown(b: &Brief, limit: usize) -> String {
    let mut head = vec![
        format!("# Brief: {}", code(&b.input)),
        String::new(),
        if b.redacted {
            "_Drafted by `airlock brief`. Identifiers are pseudonyms and secrets masked: safe to share._".to_string()
        } else {
            "_Drafted by `airlock brief --raw`: original values, for the customer's side only._"
                .to_string()
        },
        String::new(),
        "## Environment".into(),
        String::new(),
    ];
    for (k, v) in &b.environment {
        head.push(format!("- **{k}**: {v}"));
    }
    head.push(String::new());
    head.push(format!("## Findings ({})", b.findings.len()));
    head.push(String::new());
    let mut body = Vec::new();
    if b.findings.is_empty() {
        body.push("No finding.".to_string());
        body.push(String::new());
    }
    for (i, f) in b.findings.iter().enumerate() {
        body.extend(finding_md(i, f));
    }
    for n in &b.notes {
        body.push(format!("- {n}"));
    }
    if !b.notes.is_empty() {
        body.push(String::new());
    }
    let mut tail = Vec::new();
    if !b.quiet.is_empty() {
        tail.push("## Checked, nothing found".into());
        tail.push(String::new());
        tail.push(
            b.quiet
                .iter()
                .map(|c| code(c))
                .collect::<Vec<_>>()
                .join(", "),
        );
        tail.push(String::new());
    }
    if !b.missing.is_empty() {
        tail.push("## Not checked (input missing from the bundle)".into());
        tail.push(String::new());
        for m in &b.missing {
            tail.push(format!("- {}: needs {}", code(&m.check), m.needs));
        }
        tail.push(String::new());
    }
    // Over the limit, findings lose their last lines (the most severe come
    // first); the environment and the honest sections stay whole.
    if limit > 0 && head.len() + body.len() + tail.len() > limit {
        let room = limit.saturating_sub(head.len() + tail.len() + 2);
        let cut = body.len() - room.min(body.len());
        body.truncate(room);
        body.push(format!(
            "_… {cut} more lines of findings (`--limit 0` shows all, `--format html` or `json` too)._"
        ));
        body.push(String::new());
    }
    let mut out = String::new();
    for l in head.iter().chain(&body).chain(&tail) {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#1f2328}\
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}\
h3{font-size:15px;margin:18px 0 6px}code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px;word-break:break-all}\
table{border-collapse:collapse}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}\
.sev{display:inline-block;min-width:64px;text-align:center;border-radius:10px;color:#fff;font-size:11px;font-weight:600;padding:1px 6px}\
.critical{background:#a40e26}.high{background:#d1242f}.medium{background:#bf8700}.low{background:#57606a}\
.finding{border:1px solid #d0d7de;border-radius:6px;padding:4px 14px 10px;margin:12px 0}\
.ev li{margin:2px 0}.note{color:#57606a}";

fn html(b: &Brief) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Brief: {}</title><style>{CSS}</style></head><body>\n",
        esc(&b.input)
    );
    let _ = writeln!(o, "<h1>Brief: <code>{}</code></h1>", esc(&b.input));
    let _ = writeln!(
        o,
        "<p class=\"note\">{}</p>",
        if b.redacted {
            "Drafted by airlock brief. Identifiers are pseudonyms and secrets masked: safe to share."
        } else {
            "Drafted by airlock brief --raw: original values, for the customer's side only."
        }
    );
    o.push_str("<h2>Environment</h2>\n<table>");
    for (k, v) in &b.environment {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    o.push_str("</table>\n");
    let _ = writeln!(o, "<h2>Findings ({})</h2>", b.findings.len());
    if b.findings.is_empty() {
        o.push_str("<p>No finding.</p>\n");
    } else {
        o.push_str("<table>");
        for (i, f) in b.findings.iter().enumerate() {
            let _ = write!(
                o,
                "<tr><td><span class=\"sev {s}\">{s}</span></td><td><a href=\"#f{n}\">{t}</a></td><td>{w}</td><td><a href=\"#f{n}-ev\">evidence ({e})</a></td></tr>",
                s = f.severity.as_str(),
                n = i + 1,
                t = esc(&f.title),
                w = esc(&f.window.as_ref().map(|w| w.text()).unwrap_or_default()),
                e = f.evidence.len(),
            );
        }
        o.push_str("</table>\n");
    }
    if !b.chart.buckets.is_empty() {
        o.push_str("<h2>Failures over time</h2>\n");
        o.push_str(&svg(b));
        o.push_str("\n<p class=\"note\">Red: failures (the axis counts them per bar); blue: all events, relative to their busiest bar; shaded and numbered: the windows of the findings (spikes and bursts).</p>\n");
    }
    for (i, f) in b.findings.iter().enumerate() {
        let n = i + 1;
        let _ = write!(
            o,
            "<div class=\"finding\" id=\"f{n}\"><h3><span class=\"sev {s}\">{s}</span> {n}. {t}</h3><p>{sent}</p>",
            s = f.severity.as_str(),
            t = esc(&f.title),
            sent = esc(&f.sentence)
        );
        if let Some(w) = &f.window {
            let _ = write!(o, "<p>When: {}</p>", esc(&w.text()));
        }
        let _ = write!(
            o,
            "<p class=\"note\">Check <code>{}</code></p>",
            esc(&f.check)
        );
        if !f.evidence.is_empty() {
            let _ = write!(o, "<ul class=\"ev\" id=\"f{n}-ev\">");
            for (j, e) in f.evidence.iter().enumerate() {
                let _ = write!(
                    o,
                    "<li id=\"f{n}-e{}\"><code>{}</code> <code>{}</code></li>",
                    j + 1,
                    esc(&place(&e.file, e.line)),
                    esc(&e.quote)
                );
            }
            o.push_str("</ul>");
        }
        if let Some(id) = &f.correlation_id {
            let _ = write!(o, "<p>A failing request: <code>{}</code></p>", esc(id));
            if !f.trace.is_empty() {
                o.push_str("<table><tr><th>time</th><th>file:line</th><th>kind</th><th>key</th><th>status</th><th>ms</th><th>message</th></tr>");
                for t in &f.trace {
                    let _ = write!(
                        o,
                        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(t.time.as_deref().unwrap_or("")),
                        esc(&place(&t.file, Some(t.line))),
                        esc(t.kind.as_deref().unwrap_or("")),
                        esc(t.key.as_deref().unwrap_or("")),
                        t.status.map(|s| s.to_string()).unwrap_or_default(),
                        t.duration_ms.map(|d| format!("{d:.0}")).unwrap_or_default(),
                        esc(t.message.as_deref().unwrap_or("")),
                    );
                }
                o.push_str("</table>");
            }
        }
        o.push_str("</div>\n");
    }
    if !b.notes.is_empty() {
        o.push_str("<ul>");
        for n in &b.notes {
            let _ = write!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>\n");
    }
    if !b.quiet.is_empty() {
        o.push_str("<h2>Checked, nothing found</h2><p>");
        let list: Vec<String> = b
            .quiet
            .iter()
            .map(|c| format!("<code>{}</code>", esc(c)))
            .collect();
        o.push_str(&list.join(", "));
        o.push_str("</p>\n");
    }
    if !b.missing.is_empty() {
        o.push_str("<h2>Not checked (input missing from the bundle)</h2><ul>");
        for m in &b.missing {
            let _ = write!(
                o,
                "<li><code>{}</code>: needs {}</li>",
                esc(&m.check),
                esc(&m.needs)
            );
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</body></html>\n");
    o
}

/// Events and failures per bucket on one scale, spike windows shaded.
fn svg(b: &Brief) -> String {
    let c = &b.chart;
    let n = c.buckets.len().max(1);
    let (w, h, pad_l, pad_b, pad_t) = (1000.0_f64, 180.0_f64, 48.0, 22.0, 10.0);
    let plot_w = w - pad_l - 8.0;
    let plot_h = h - pad_b - pad_t;
    let bw = plot_w / n as f64;
    // Failures have their own scale (the axis): on one scale with every
    // event, a spike of a few hundred failures among a million lines is
    // invisible. Events are drawn behind, relative to their own peak.
    let top = c.buckets.iter().map(|x| x.2).max().unwrap_or(0).max(1);
    let top_events = c.buckets.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    let t0 = c.buckets[0].0;
    let x_of = |ms: i64| pad_l + (ms - t0) as f64 / c.bucket_ms as f64 * bw;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">"#
    );
    for (i, (start, ev, fl)) in c.buckets.iter().enumerate() {
        let x = pad_l + i as f64 * bw;
        let title = format!(
            "{}: {ev} events, {fl} failed",
            crate::logs::time::format_ms(*start)
        );
        for (v, peak, color) in [(*ev, top_events, "#c9d7f2"), (*fl, top, "#d1242f")] {
            if v > 0 {
                let bh = v as f64 / peak as f64 * plot_h;
                let _ = write!(
                    o,
                    r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{color}"><title>{title}</title></rect>"##,
                    pad_t + plot_h - bh,
                    (bw - 0.5).max(0.5),
                );
            }
        }
    }
    // Finding windows over the bars, translucent, numbered as the list.
    for (n, m) in &c.marks {
        let (x0, x1) = (x_of(m.start_ms).max(pad_l), x_of(m.end_ms).min(w - 8.0));
        let _ = write!(
            o,
            r##"<a href="#f{n}"><rect x="{x0:.1}" y="{pad_t}" width="{:.1}" height="{plot_h}" fill="#ff8c00" fill-opacity="0.22" stroke="#bf5a00" stroke-dasharray="3 2"><title>finding {n}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="11" fill="#bf5a00" text-anchor="middle">{n}</text></a>"##,
            (x1 - x0).max(2.0),
            esc(&m.text()),
            (x0 + x1) / 2.0,
            pad_t + 10.0,
        );
    }
    let last = c.buckets.last().map_or(t0, |x| x.0 + c.bucket_ms);
    let _ = write!(
        o,
        r##"<line x1="{pad_l}" y1="{y}" x2="{x2}" y2="{y}" stroke="#57606a"/><line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{y}" stroke="#57606a"/><text x="{pad_l}" y="{ty}" font-size="11" fill="#57606a">{}</text><text x="{x2}" y="{ty}" font-size="11" fill="#57606a" text-anchor="end">{}</text><text x="{lx}" y="{t1}" font-size="11" fill="#57606a" text-anchor="end">{top}</text><text x="{lx}" y="{y}" font-size="11" fill="#57606a" text-anchor="end">0</text></svg>"##,
        crate::logs::time::format_ms(t0),
        crate::logs::time::format_ms(last),
        y = pad_t + plot_h,
        x2 = w - 8.0,
        ty = h - 6.0,
        lx = pad_l - 4.0,
        t1 = pad_t + 9.0,
    );
    o
}
