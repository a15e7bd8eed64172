//! The private map: original → pseudonym, for the customer only.
//!
//! It is written owner-only (0600), never inside the output, and answers
//! "which real address is `244.17.93.208`?" through `airlock unmask`. Given
//! to a later run with the same key, its assignments are reused, so the two
//! runs agree exactly even where hashes collided.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::key::create_private;
use super::pseudo::{Assignment, Pseudonymizer};

const FORMAT: &str = "airlock-map";

#[derive(Serialize, Deserialize)]
struct MapFile {
    format: String,
    version: u32,
    key_fingerprint: String,
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    kind: String,
    original: String,
    pseudonym: String,
}

/// [`MapFile`] as written, borrowing from the [`Map`].
#[derive(Serialize)]
struct MapFileRef<'a> {
    format: &'a str,
    version: u32,
    key_fingerprint: &'a str,
    entries: Entries<'a>,
}

#[derive(Serialize)]
struct EntryRef<'a> {
    kind: &'a str,
    original: &'a str,
    pseudonym: &'a str,
}

/// A loaded map.
pub struct Map {
    pub key_fingerprint: String,
    pub entries: Vec<Assignment>,
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Map({} entries, key {})",
            self.entries.len(),
            self.key_fingerprint
        )
    }
}

impl Map {
    pub fn load(path: &Path) -> io::Result<Map> {
        let text = fs::read_to_string(path)?;
        let f: MapFile = serde_json::from_str(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an airlock map: {e}"),
            )
        })?;
        if f.format != FORMAT || f.version != 1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "not an airlock map (format or version)",
            ));
        }
        Ok(Map {
            key_fingerprint: f.key_fingerprint,
            entries: f
                .entries
                .into_iter()
                .map(|e| Assignment {
                    kind: e.kind,
                    original: e.original,
                    pseudonym: e.pseudonym,
                })
                .collect(),
        })
    }

    /// Write the map owner-only, replacing an existing one atomically.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        write_map(path, &self.key_fingerprint, &self.entries, &[])
    }

    /// [`Map::save_pseudonyms`] to a writer (an owner-only temporary the
    /// caller renames into place with the output, all or nothing).
    pub fn write_pseudonyms(pseudo: &Pseudonymizer, w: &mut dyn Write) -> io::Result<()> {
        let f = MapFileRef {
            format: FORMAT,
            version: 1,
            key_fingerprint: &pseudo.key().fingerprint(),
            entries: Entries {
                others: &pseudo.assignments_with(false),
                v4: &pseudo.ipv4_pairs(),
            },
        };
        serde_json::to_writer_pretty(&mut *w, &f)?;
        w.write_all(b"\n")
    }

    /// Write the map of everything `pseudo` assigned. IPv4 addresses are
    /// listed in numeric order and made into text one at a time, so a
    /// bundle with millions of client addresses does not hold them all as
    /// strings.
    pub fn save_pseudonyms(pseudo: &Pseudonymizer, path: &Path) -> io::Result<()> {
        write_map(
            path,
            &pseudo.key().fingerprint(),
            &pseudo.assignments_with(false),
            &pseudo.ipv4_pairs(),
        )
    }
}

/// Entries sorted by kind, then original; `v4` (numeric order) goes where
/// kind `ipv4` sorts.
struct Entries<'a> {
    others: &'a [Assignment],
    v4: &'a [(Ipv4Addr, Ipv4Addr)],
}

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.others.len() + self.v4.len()))?;
        let split = self.others.partition_point(|a| a.kind.as_str() < "ipv4");
        for a in &self.others[..split] {
            seq.serialize_element(&EntryRef::of(a))?;
        }
        for (o, p) in self.v4 {
            let (o, p) = (o.to_string(), p.to_string());
            seq.serialize_element(&EntryRef {
                kind: "ipv4",
                original: &o,
                pseudonym: &p,
            })?;
        }
        for a in &self.others[split..] {
            seq.serialize_element(&EntryRef::of(a))?;
        }
        seq.end()
    }
}

impl<'a> EntryRef<'a> {
    fn of(a: &'a Assignment) -> EntryRef<'a> {
        EntryRef {
            kind: &a.kind,
            original: &a.original,
            pseudonym: &a.pseudonym,
        }
    }
}

fn write_map(
    path: &Path,
    key_fingerprint: &str,
    others: &[Assignment],
    v4: &[(Ipv4Addr, Ipv4Addr)],
) -> io::Result<()> {
    let f = MapFileRef {
        format: FORMAT,
        version: 1,
        key_fingerprint,
        entries: Entries { others, v4 },
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".airlock-map-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = io::BufWriter::with_capacity(256 << 10, create_private(&tmp)?);
        serde_json::to_writer_pretty(&mut file, &f)?;
        file.write_all(b"\n")?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

impl Map {
    /// Originals by pseudonym, per kind.
    fn reverse(&self) -> HashMap<(&str, &str), &str> {
        self.entries
            .iter()
            .map(|a| ((a.kind.as_str(), a.pseudonym.as_str()), a.original.as_str()))
            .collect()
    }

    /// The original behind a pseudonym, if this map made it: an address, a
    /// user, a name, a MAC, a host name (label by label) or an e-mail address.
    pub fn unmask(&self, pseudonym: &str) -> Option<String> {
        let rev = self.reverse();
        let p = pseudonym.trim();
        for kind in [
            "ipv4",
            "ipv6",
            "username",
            "email_local",
            "name",
            "hostname",
            "host_label",
        ] {
            if let Some(o) = rev.get(&(kind, p)) {
                return Some(o.to_string());
            }
        }
        let lower = p.to_ascii_lowercase();
        if let Some(o) = rev.get(&("mac", lower.replace('-', ":").as_str())) {
            return Some(o.to_string());
        }
        if let Some(d) = p
            .strip_prefix("ip-")
            .or(Some(p))
            .filter(|d| d.matches('-').count() == 3)
        {
            if let Some(o) = rev.get(&("ipv4", d.replace('-', ".").as_str())) {
                return Some(o.replace('.', "-"));
            }
        }
        if let Some((local, domain)) = p.split_once('@') {
            let user = rev
                .get(&("email_local", local))
                .or_else(|| rev.get(&("username", local)))?;
            return Some(format!("{user}@{}", self.unmask_host(&rev, domain)?));
        }
        self.unmask_host(&rev, p)
    }

    fn unmask_host(&self, rev: &HashMap<(&str, &str), &str>, host: &str) -> Option<String> {
        let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
        let (rest, dom) = match labels.as_slice() {
            [rest @ .., dom, "example"] => (rest, *dom),
            [single] => return rev.get(&("domain", *single)).map(|s| s.to_string()),
            _ => return None,
        };
        let domain = rev.get(&("domain", dom))?;
        let mut out: Vec<String> = rest
            .iter()
            .map(|l| {
                rev.get(&("host_label", *l))
                    .map_or(l.to_string(), |o| o.to_string())
            })
            .collect();
        out.push(domain.to_string());
        Some(out.join("."))
    }
}
