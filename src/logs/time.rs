//! Timestamps as GitLab's logs write them, to milliseconds since the Unix
//! epoch (UTC).
//!
//! Hand-written rather than `chrono`/`time`: the shapes are few and fixed,
//! this runs once per log line (a general parser with format strings costs
//! more than the JSON parse of a short line), and we never need time zones
//! beyond a numeric offset.

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian),
/// Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(s: &[u8], n: usize) -> Option<u32> {
    if s.len() < n {
        return None;
    }
    let mut v = 0u32;
    for &b in &s[..n] {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as u32;
    }
    Some(v)
}

fn to_ms(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo, d);
    Some(((days * 24 + h as i64) * 60 + mi as i64) * 60_000 + s as i64 * 1000 + ms as i64)
}

/// Fraction digits after a `.` (any count), as milliseconds; returns the
/// number of bytes consumed including the dot.
fn fraction(s: &[u8]) -> (u32, usize) {
    if s.first() != Some(&b'.') && s.first() != Some(&b',') {
        return (0, 0);
    }
    let mut ms = 0u32;
    let mut i = 1;
    while i < s.len() && s[i].is_ascii_digit() {
        if i <= 3 {
            ms = ms * 10 + (s[i] - b'0') as u32;
        }
        i += 1;
    }
    for _ in i.min(4)..4 {
        ms *= 10;
    }
    (ms, i)
}

/// A numeric UTC offset (`Z`, `+00:00`, `+0000`, ` +0200`, ` UTC`), as
/// minutes east of UTC. Missing means UTC.
fn offset(s: &[u8]) -> i64 {
    let s = if s.first() == Some(&b' ') { &s[1..] } else { s };
    match s.first() {
        Some(&c @ (b'+' | b'-')) => {
            let h = digits(&s[1..], 2);
            let rest = &s[3.min(s.len())..];
            let rest = if rest.first() == Some(&b':') {
                &rest[1..]
            } else {
                rest
            };
            let m = digits(rest, 2).unwrap_or(0);
            match h {
                Some(h) => {
                    let v = h as i64 * 60 + m as i64;
                    if c == b'-' {
                        -v
                    } else {
                        v
                    }
                }
                None => 0,
            }
        }
        _ => 0,
    }
}

/// `2026-11-20T13:44:10.381Z`, `2026-11-20 13:44:10.123 UTC`,
/// `2020-04-17T20:29:08+00:00`, svlogd's `2026-11-20_13:44:10.38123`.
pub fn parse_iso(s: &[u8]) -> Option<i64> {
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    if !matches!(s[10], b'T' | b' ' | b'_') {
        return None;
    }
    let y = digits(s, 4)?;
    let mo = digits(&s[5..], 2)?;
    let d = digits(&s[8..], 2)?;
    let h = digits(&s[11..], 2)?;
    let mi = digits(&s[14..], 2)?;
    let sec = digits(&s[17..], 2)?;
    let (ms, used) = fraction(&s[19..]);
    let t = to_ms(y, mo, d, h, mi, sec, ms)?;
    Some(t - offset(&s[19 + used..]) * 60_000)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(s: &[u8]) -> Option<u32> {
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(&s[..3]))
        .map(|i| i as u32 + 1)
}

/// nginx `$time_local`: `20/Nov/2026:13:44:10 +0000`.
pub fn parse_nginx(s: &[u8]) -> Option<i64> {
    if s.len() < 20 || s[2] != b'/' || s[6] != b'/' || s[11] != b':' {
        return None;
    }
    let d = digits(s, 2)?;
    let mo = month(&s[3..])?;
    let y = digits(&s[7..], 4)?;
    let h = digits(&s[12..], 2)?;
    let mi = digits(&s[15..], 2)?;
    let sec = digits(&s[18..], 2)?;
    let t = to_ms(y, mo, d, h, mi, sec, 0)?;
    Some(t - offset(&s[20..]) * 60_000)
}

/// Rails' old `application.log`: `October 06, 2014 11:56`.
pub fn parse_month_name(s: &[u8]) -> Option<(i64, usize)> {
    let mo = month(s)?;
    let sp = s.iter().position(|&b| b == b' ')?;
    let rest = &s[sp + 1..];
    let d = digits(rest, 2)?;
    if rest.get(2) != Some(&b',') || rest.get(3) != Some(&b' ') {
        return None;
    }
    let y = digits(&rest[4..], 4)?;
    if rest.get(8) != Some(&b' ') || rest.get(11) != Some(&b':') {
        return None;
    }
    let h = digits(&rest[9..], 2)?;
    let mi = digits(&rest[12..], 2)?;
    Some((to_ms(y, mo, d, h, mi, 0, 0)?, sp + 1 + 14))
}

/// `2026-11-20 13:44:10Z`-style text for reports (UTC, seconds).
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Like [`format_ms`] with milliseconds (for traces).
pub fn format_ms_precise(ms: i64) -> String {
    let s = format_ms(ms);
    format!("{}.{:03}Z", &s[..s.len() - 1], ms.rem_euclid(1000))
}

/// Parse a duration like `1h`, `30m`, `90s`, `1d` into seconds.
pub fn parse_interval(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(n * mult).filter(|&v| v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_shapes() {
        let base = parse_iso(b"2026-11-20T13:44:10.381Z").unwrap();
        assert_eq!(format_ms_precise(base), "2026-11-20 13:44:10.381Z");
        assert_eq!(parse_iso(b"2026-11-20_13:44:10.38123 x"), Some(base));
        assert_eq!(parse_iso(b"2026-11-20 15:44:10.381+02:00"), Some(base));
        assert_eq!(parse_iso(b"2026-11-20 13:44:10.381 UTC"), Some(base));
        assert_eq!(parse_iso(b"2026-11-20T13:44:10Z"), Some(base - 381));
        assert_eq!(parse_iso(b"2026-13-20T13:44:10Z"), None);
        assert_eq!(parse_nginx(b"20/Nov/2026:15:44:10 +0200"), Some(base - 381));
        assert_eq!(
            parse_month_name(b"October 06, 2014 11:56: User").map(|x| format_ms(x.0)),
            Some("2014-10-06 11:56:00Z".into())
        );
        assert_eq!(parse_interval("1h"), Some(3600));
        assert_eq!(parse_interval("15m"), Some(900));
        assert_eq!(parse_interval("0m"), None);
    }

    #[test]
    fn civil_round_trip() {
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
