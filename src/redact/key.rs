//! The redaction key: 32 random bytes that make pseudonyms keyed.
//!
//! With the same key, the same original always gets the same pseudonym, in
//! every file, run and bundle; without the key, a pseudonym cannot be turned
//! back by guessing (unlike an unsalted hash of an IP address, which can be
//! reversed by hashing all 2^32 addresses).
//!
//! On disk a key is 64 hex digits and a newline, in a file of mode 0600.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A 256-bit HMAC key. `Debug` shows only its fingerprint.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
    /// HMAC state with the key's pads already absorbed: each MAC then
    /// hashes its message only (two SHA-256 blocks instead of four; a
    /// bundle of a million distinct addresses makes millions of MACs).
    keyed: HmacSha256,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(fingerprint {})", self.fingerprint())
    }
}

/// Errors reading or creating a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: not a key file (expected 64 hex digits)")]
    Malformed { path: String },
    #[error("no randomness available from the operating system: {0}")]
    Random(String),
}

impl Key {
    /// A fresh random key.
    pub fn random() -> Result<Key, KeyError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Key::from_bytes(k))
    }

    /// A key from raw bytes (tests).
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key {
            bytes,
            keyed: HmacSha256::new_from_slice(&bytes).expect("HMAC takes any key length"),
        }
    }

    /// Read the key at `path`, or create it (mode 0600) if it does not exist.
    /// Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Key, bool), KeyError> {
        let shown = path.display().to_string();
        let io = |source| KeyError::Io {
            path: shown.clone(),
            source,
        };
        match fs::read_to_string(path) {
            Ok(text) => {
                let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = parse_hex32(&hex).ok_or_else(|| KeyError::Malformed {
                    path: shown.clone(),
                })?;
                Ok((Key::from_bytes(bytes), false))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = Key::random()?;
                let mut f = create_private(path).map_err(io)?;
                writeln!(f, "{}", crate::rules::hex(&key.bytes)).map_err(io)?;
                f.sync_all().map_err(io)?;
                Ok((key, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// HMAC-SHA256 of `parts` (joined with NUL separators, so `("a","bc")`
    /// and `("ab","c")` differ).
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = self.keyed.clone();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                m.update(&[0]);
            }
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// A short public name for the key, safe to print and to put in reports:
    /// it identifies which key made a bundle without revealing it.
    pub fn fingerprint(&self) -> String {
        crate::rules::hex(&self.mac(&[b"airlock key fingerprint"])[..8])
    }
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

/// Create a new file readable and writable by its owner only; fails if it
/// exists.
pub fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}
