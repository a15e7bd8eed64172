//! What a value looks like: the tests behind a rule's `shape`.
//!
//! Context rules ("any `NAME=value` whose value is a long random string")
//! need a second opinion on the value itself, because their patterns also
//! match paths, versions, hashes and words. These tests are that opinion;
//! they are deliberately plain, so a rule author can predict them:
//!
//! * [`looks_random`] (`shape = "random"`): a token made by a machine, not a
//!   word, path, number, version, commit SHA, UUID or placeholder a person
//!   or a program writes for others to read.
//! * [`looks_base64`] (`shape = "base64"`): base64 that decodes to text, or
//!   to at least 16 bytes of key material; not a word that happens to use
//!   the base64 alphabet (`IfNotPresent`, `ReadWriteOnce`).
//!
//! Both look at the value alone; the rule's pattern gives the context
//! (the key or flag in front). Verification's independent detector
//! ([`crate::redact::suspect`]) does not use these functions: it has its own tests,
//! so that one mistake cannot blind both.

use base64::Engine as _;

/// Shortest value [`looks_random`] accepts: shorter random strings are
/// passwords, which context rules about password-named keys find anyway.
pub const RANDOM_MIN_LEN: usize = 16;
/// Longest value [`looks_random`] accepts (a whole blob is not a token).
pub const RANDOM_MAX_LEN: usize = 1024;
/// Shannon entropy (bits per byte) a random value must reach. Random hex
/// of 16 characters has about 3.5, base62 of 16 about 3.8; English words
/// and identifiers of that length stay below 3.3 unless they are mixed.
pub const RANDOM_MIN_ENTROPY: f64 = 3.0;

/// Is `v` a machine-made token? The documented test:
///
/// 1. 16 to 1024 bytes of letters, digits and `+/=_.~-!@#%^&*`;
/// 2. not a number, a path (`/…`, `./…`, `~/…`), a version (`v1.2.3-ee`),
///    a UUID, a ULID, a hex digest of 40 or 64 digits (commit SHAs,
///    SHA-256), a run of one character or an ascending sequence;
/// 3. its longest part between separators (`-_./+~`) is at least 12 bytes
///    and mixed: letters with digits, or upper and lower case changing at
///    least once every three letters (random, not CamelCase words);
/// 4. Shannon entropy at least [`RANDOM_MIN_ENTROPY`] bits per byte.
pub fn looks_random(v: &[u8]) -> bool {
    if v.len() < RANDOM_MIN_LEN || v.len() > RANDOM_MAX_LEN {
        return false;
    }
    let token_byte = |b: &u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'+' | b'/'
                    | b'='
                    | b'_'
                    | b'.'
                    | b'~'
                    | b'-'
                    | b'!'
                    | b'@'
                    | b'#'
                    | b'%'
                    | b'^'
                    | b'&'
                    | b'*'
            )
    };
    if !v.iter().all(token_byte) {
        return false;
    }
    if v.iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
    {
        return false;
    }
    if v.starts_with(b"/") || v.starts_with(b"./") || v.starts_with(b"../") || v.starts_with(b"~/")
    {
        return false;
    }
    if is_version(v) || is_uuid(v) || is_ulid(v) || is_hex_digest(v) {
        return false;
    }
    if is_relative_path(v) {
        return false;
    }
    let core = v
        .split(|b| matches!(b, b'-' | b'_' | b'.' | b'~'))
        .max_by_key(|s| s.len())
        .unwrap_or(v);
    if core.len() < 12 || !is_mixed(core) {
        return false;
    }
    if is_run_or_sequence(v) {
        return false;
    }
    entropy(v) >= RANDOM_MIN_ENTROPY
}

/// Letters with digits, or at least 20 letters in random case: in
/// CamelCase words two capitals rarely meet, in random text about one pair
/// in four is two capitals and one in four a small letter then a capital.
fn is_mixed(s: &[u8]) -> bool {
    let letters = s.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = s.iter().filter(|b| b.is_ascii_digit()).count();
    if letters > 0 && digits > 0 {
        return true;
    }
    if digits > 0 || letters < 20 {
        return false;
    }
    let pairs = s
        .windows(2)
        .filter(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic());
    let (mut upper_upper, mut lower_upper, mut n) = (0, 0, 0);
    for w in pairs {
        n += 1;
        upper_upper += (w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase()) as usize;
        lower_upper += (w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase()) as usize;
    }
    upper_upper * 8 >= n && lower_upper * 8 >= n
}

/// `group/subgroup/project`, `var/opt/gitlab`: two or more `/`, every part
/// a lower-case name (digits, `-`, `_`, `.` allowed).
fn is_relative_path(v: &[u8]) -> bool {
    v.iter().filter(|b| **b == b'/').count() >= 2
        && v.split(|b| *b == b'/').all(|part| {
            part.iter().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            })
        })
}

/// One character repeated, or mostly an ascending run (`0123456789abcdef`).
fn is_run_or_sequence(v: &[u8]) -> bool {
    let distinct = {
        let mut seen = [false; 256];
        v.iter().for_each(|b| seen[*b as usize] = true);
        seen.iter().filter(|x| **x).count()
    };
    if distinct <= 3 {
        return true;
    }
    let ascending = v
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    ascending * 2 >= v.len()
}

/// Shannon entropy of the bytes of `v`, in bits per byte.
pub fn entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in v {
        counts[*b as usize] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

/// `1.2.3`, `v17.11.2-ee`, `10.0.20348.2849`, `2.4.1+build.7`.
fn is_version(v: &[u8]) -> bool {
    let v = v.strip_prefix(b"v").unwrap_or(v);
    let end = v
        .iter()
        .position(|b| matches!(b, b'-' | b'+'))
        .unwrap_or(v.len());
    let (core, rest) = v.split_at(end);
    let parts: Vec<&[u8]> = core.split(|b| *b == b'.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
        && rest.len() <= 24
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// 26 characters of Crockford base32, upper case (correlation ids).
fn is_ulid(v: &[u8]) -> bool {
    v.len() == 26
        && v[0] <= b'7'
        && v.iter().all(|b| {
            b.is_ascii_digit()
                || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
        })
}

/// 40 or 64 hex digits, one case: commit SHAs and SHA-256 digests.
fn is_hex_digest(v: &[u8]) -> bool {
    matches!(v.len(), 40 | 64)
        && (v
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            || v.iter()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)))
}

/// Shortest encoded value [`looks_base64`] takes.
pub const BASE64_MIN_LEN: usize = 8;
/// Fewest decoded bytes of key material (not text) [`looks_base64`] takes.
pub const BASE64_MIN_KEY_BYTES: usize = 16;

/// Is `v` base64 of text or of key material? The documented test:
///
/// 1. at least 8 characters (padding included) of one base64 alphabet
///    (standard `+/` or URL-safe `-_`), `=` padding only at the end,
///    percent-escaped `%2B`, `%2F`, `%3D` allowed (form-encoded values);
///    not only hex digits (a checksum is not base64);
/// 2. at least two of upper case, lower case and digits;
/// 3. it decodes, and the bytes are printable UTF-8 text (tabs and line
///    breaks allowed), or at least 16 bytes of anything (a key).
pub fn looks_base64(v: &[u8]) -> bool {
    let Some(enc) = Encoded::parse(v) else {
        return false;
    };
    let body = enc.body();
    if enc.text.len() < BASE64_MIN_LEN || body.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let classes = [
        body.iter().any(u8::is_ascii_uppercase),
        body.iter().any(u8::is_ascii_lowercase),
        body.iter().any(u8::is_ascii_digit),
    ];
    if classes.iter().filter(|c| **c).count() < 2 {
        return false;
    }
    match enc.decode() {
        Some(bytes) => is_text(&bytes) || bytes.len() >= BASE64_MIN_KEY_BYTES,
        None => false,
    }
}

/// Is `bytes` text a person or a program would read: UTF-8 without control
/// characters other than tab, carriage return and line feed?
pub fn is_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            !s.is_empty()
                && !s
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        }
        Err(_) => false,
    }
}

/// A base64 value as written, so that it can be decoded and a new value
/// encoded the same way (alphabet, padding, percent escapes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The base64 text with percent escapes undone.
    text: Vec<u8>,
    url_safe: bool,
    padded: bool,
    percent: bool,
}

impl Encoded {
    /// Read `v` as base64 text; `None` if it cannot be (other bytes, padding
    /// in the middle, both alphabets).
    pub fn parse(v: &[u8]) -> Option<Encoded> {
        let percent = contains_ci(v, b"%2B") || contains_ci(v, b"%2F") || contains_ci(v, b"%3D");
        let text = if percent { unescape(v)? } else { v.to_vec() };
        let body_len = text.len() - text.iter().rev().take_while(|b| **b == b'=').count();
        if text.len() - body_len > 2 || body_len == 0 {
            return None;
        }
        let (mut std, mut url) = (false, false);
        for b in &text[..body_len] {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => {}
                b'+' | b'/' => std = true,
                b'-' | b'_' => url = true,
                _ => return None,
            }
        }
        if std && url {
            return None;
        }
        Some(Encoded {
            // Padded unless the value shows it is not: a length that is no
            // multiple of four (a value that needed no padding says
            // nothing).
            padded: text.len() % 4 == 0,
            text,
            url_safe: url,
            percent,
        })
    }

    fn body(&self) -> &[u8] {
        let n = self.text.iter().rev().take_while(|b| **b == b'=').count();
        &self.text[..self.text.len() - n]
    }

    /// The decoded bytes, if the text is valid base64 (padding optional,
    /// trailing bits must be zero).
    pub fn decode(&self) -> Option<Vec<u8>> {
        let cfg = base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
        let alphabet = if self.url_safe {
            &base64::alphabet::URL_SAFE
        } else {
            &base64::alphabet::STANDARD
        };
        base64::engine::GeneralPurpose::new(alphabet, cfg)
            .decode(&self.text)
            .ok()
    }

    /// `bytes` encoded as this value was: same alphabet, padding and
    /// percent escapes.
    pub fn encode_like(&self, bytes: &[u8]) -> Vec<u8> {
        let cfg = base64::engine::GeneralPurposeConfig::new().with_encode_padding(self.padded);
        let alphabet = if self.url_safe {
            &base64::alphabet::URL_SAFE
        } else {
            &base64::alphabet::STANDARD
        };
        let out = base64::engine::GeneralPurpose::new(alphabet, cfg).encode(bytes);
        if !self.percent {
            return out.into_bytes();
        }
        let mut esc = Vec::with_capacity(out.len() + out.len() / 8);
        for b in out.bytes() {
            match b {
                b'+' => esc.extend_from_slice(b"%2B"),
                b'/' => esc.extend_from_slice(b"%2F"),
                b'=' => esc.extend_from_slice(b"%3D"),
                _ => esc.push(b),
            }
        }
        esc
    }
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Undo `%2B`, `%2F`, `%3D` (any case); any other `%` is not base64.
fn unescape(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%' {
            let esc = v.get(i + 1..i + 3)?;
            out.push(match esc.to_ascii_uppercase().as_slice() {
                b"2B" => b'+',
                b"2F" => b'/',
                b"3D" => b'=',
                _ => return None,
            });
            i += 3;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_tokens_are_random() {
        for v in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "3f9a2c7e1b0d4f6a8c5e3b1d9f7a2c4e",
            "Zq8xT2mN4vB7kL1pR9sD3fG6",
            "ghx_9Kd2LmQp8RsT4vWx6Yz1Ab3Cd5Ef",
            "aGVsbG8td29ybGQtdGhpcy1pcy1hLXRva2Vu",
            "kQzRWpLmNxTYbvCJdHsAGfEu",
        ] {
            assert!(looks_random(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn words_paths_ids_and_versions_are_not() {
        for v in [
            "short1A",
            "/var/opt/gitlab/gitlab-rails/etc",
            "./config/initializers/x.rb",
            "17.11.2-ee",
            "10.0.20348.2849",
            "6f1d3c2a-9b8e-4d7f-a6c5-1e2d3c4b5a69",
            "01GYDSAKAN2SPZPAMJNRWW5H8S",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "gitlab-webservice-default-7f9c5d8b6-x2k4p",
            "audit_events,blocked_issues",
            "ThisIsAVeryLongCamelCaseName",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
            "0123456789abcdefghijklmn",
            "1700000000123456",
            "your-api-key-goes-here-please",
            "CHANGE_ME_BEFORE_DEPLOYING",
            "en_US.UTF-8",
            "gitlab.h-abcdefgh.d-ijklmnop.example",
        ] {
            assert!(!looks_random(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn base64_of_text_and_keys_is_base64() {
        for v in [
            "c3VwZXJzZWNyZXQ=",
            "Z2l0bGFi",
            "cm9vdA==",
            "dXNlcjpwYXNz",
            "eyJhdXRocyI6e319",
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
            "c3VwZXJzZWNyZXQ%3D",
            "aGVsbG8_d29ybGQ-Pz8_",
        ] {
            assert!(looks_base64(v.as_bytes()), "{v}");
        }
        for v in [
            "IfNotPresent",
            "ReadWriteOnce",
            "gitlabwebservice",
            "password",
            "12345678",
            "kubernetes.io/tls",
            "abc+def_ghi",
            "c3Vw=ZXJz",
            "3f2a9c7e1b0d4f6a8c5e3b1d9f7a2c4e",
        ] {
            assert!(!looks_base64(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn encoding_is_written_back_the_same_way() {
        for v in [
            "c3VwZXJzZWNyZXQ=",
            "c3VwZXJzZWNyZXQ",
            "c3VwZXJzZWNyZXQ%3D",
            "Pz8_Pz8-",
        ] {
            let e = Encoded::parse(v.as_bytes()).unwrap();
            let bytes = e.decode().unwrap();
            assert_eq!(e.encode_like(&bytes), v.as_bytes(), "{v}");
        }
    }
}
