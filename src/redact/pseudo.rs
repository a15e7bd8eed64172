//! Keyed pseudonyms that keep a bundle useful.
//!
//! Every pseudonym is a function of the key and the (normalized) original,
//! so the same original gets the same pseudonym in every file, run and bundle
//! made with the same key. Pseudonyms keep the shape support needs:
//!
//! | kind | original | pseudonym | kept |
//! |---|---|---|---|
//! | `ipv4` | `10.1.2.3` | `244.17.93.208` | IPv4 shape; one /24 → one /24; `.0`/`.255` |
//! | `ipv4_dashed` | `10-1-2-3` | `244-17-93-208` | the same address, dashed |
//! | `ipv6` | `fd00:1:2:3::5` | `fec0:7a3c:91e0:5d12::2b4f:…` | one /64 → one /64 |
//! | `mac` | `52:54:00:9b:3c:7e` | `02:a1:7c:5e:0b:d2` | separator and case |
//! | `hostname` | `gitlab.acme-gov.us` | `gitlab.d-k3x9q2ab.example` | labels; generic labels; one domain → one domain |
//! | `email` | `jane@acme-gov.us` | `user-4fz2m8qa@d-k3x9q2ab.example` | local part as a user name, domain as a host |
//! | `username` | `jdoe` | `user-7hq2xk0p` | |
//! | `name` | `Jane Doe` | `name-pq8c2m1z` | |
//!
//! **Ranges that cannot be mistaken for real ones.** IPv4 pseudonyms are drawn
//! from 240.0.0.0/4 (reserved, never routed; 255.255.255.255 excluded), IPv6
//! from fec0::/10 (site-local, deprecated by RFC 3879 and never assigned
//! again; not the documentation prefix 2001:db8::/32, which turns up in real
//! configuration and test data), MACs from the locally
//! administered block `02:a1:7c`, host names end in the reserved TLD
//! `.example`. So `verify` can tell a pseudonym from a leak by its shape alone.
//!
//! **TLD policy.** The registrable domain (the last two labels, three for
//! two-level public suffixes such as `co.uk`) becomes `d-<hash>.example`; the
//! real TLD is dropped, since `.gov` or `.mil` says who the customer is. Labels
//! left of it become `h-<hash>` unless they are generic service words
//! (`gitlab`, `registry`, `www`, `db`, …) that identify nobody and help support.
//!
//! **Collisions.** Hashes are 40 bits (8 base32 characters) for names and
//! 24 bits for a pseudonym /24 among the 983,040 in 240/4. Within a run, two
//! originals that would share a pseudonym are told apart by moving the later
//! one to its next candidate, and the run's report counts such moves. With a
//! map from an earlier run (`--map`), assignments are reused, so runs that
//! share a map agree exactly.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;

use super::key::Key;

/// Host name labels kept as they are: service words every GitLab instance
/// has and GitLab's own component names, which tell support what a host
/// does without saying whose it is. They are the `labels` of the built-in
/// allow list (`rules/allow.toml`, see [`crate::rules::allow`]); only the
/// built-in ones, because [`is_own`] must recognise a pseudonym by its
/// shape without the rules a run used.
fn generic_label(label: &str) -> bool {
    crate::rules::allow::builtin().is_label(label)
}

/// Second-level labels under which registrations happen (`acme.co.uk`).
const TWO_LEVEL_SUFFIXES: &[&str] = &[
    "co.uk", "ac.uk", "gov.uk", "org.uk", "ltd.uk", "com.au", "net.au", "gov.au", "edu.au",
    "org.au", "co.nz", "govt.nz", "co.jp", "go.jp", "ac.jp", "com.br", "gov.br", "com.cn",
    "gov.cn", "co.in", "gov.in", "co.kr", "go.kr", "com.mx", "gob.mx", "co.za", "gov.za", "com.sg",
    "gov.sg", "co.il", "gov.il", "com.tw", "gov.tw", "com.hk", "gov.hk",
];

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Pseudonym /24 networks live in 240.0.0.0–254.255.255.0: 15 × 2^16 of them.
const V4_NETS: u32 = 15 * 65536;
/// Locally administered MAC block for pseudonyms.
const MAC_PREFIX: [u8; 3] = [0x02, 0xa1, 0x7c];

/// One recorded assignment, for the private map.
#[derive(Clone, PartialEq, Eq)]
pub struct Assignment {
    pub kind: String,
    pub original: String,
    pub pseudonym: String,
}

impl std::fmt::Debug for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The original is what the map protects; never print it by accident.
        write!(f, "Assignment({} → {})", self.kind, self.pseudonym)
    }
}

#[derive(Default)]
struct State {
    /// (kind, normalized original) → pseudonym.
    forward: HashMap<(&'static str, String), String>,
    /// (kind, pseudonym) → normalized original: to detect collisions.
    taken: HashMap<(&'static str, String), String>,
    /// Pseudonym /24 and host octet permutation per original /24: an
    /// address of a known /24 costs one lookup (a log of millions of
    /// distinct clients has few /24s).
    v4_nets: HashMap<[u8; 3], ([u8; 3], [u8; 256])>,
    /// IPv4 address → pseudonym, for the map. Kept as numbers, not in
    /// `forward`: a bundle can hold millions of distinct client addresses
    /// (8 bytes each here, ~250 as strings), and they need no collision
    /// check (distinct /24s get distinct pseudonym /24s, hosts permute).
    v4: HashMap<u32, u32>,
    /// Collisions resolved in this run.
    collisions: u64,
    /// Labels learned to be the first label of a registrable domain
    /// (`acme-gov` of `acme-gov.us`, as in `dc=acme-gov,dc=us`).
    domain_labels: HashMap<String, String>,
}

/// Makes pseudonyms; shared by all threads of a run.
pub struct Pseudonymizer {
    key: Key,
    state: Mutex<State>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonymizer")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Pseudonymizer {
    pub fn new(key: Key) -> Pseudonymizer {
        Pseudonymizer {
            key,
            state: Mutex::new(State::default()),
        }
    }

    pub fn key(&self) -> &Key {
        &self.key
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reuse assignments from an earlier run's map.
    pub fn preload(&self, entries: &[Assignment]) {
        let mut st = self.state();
        for a in entries {
            if a.kind == "ipv4" {
                if let (Ok(o), Ok(p)) = (
                    a.original.parse::<Ipv4Addr>(),
                    a.pseudonym.parse::<Ipv4Addr>(),
                ) {
                    st.v4.insert(o.into(), p.into());
                    continue;
                }
            }
            if let Some(kind) = static_kind(&a.kind) {
                st.forward
                    .insert((kind, a.original.clone()), a.pseudonym.clone());
                st.taken
                    .insert((kind, a.pseudonym.clone()), a.original.clone());
            }
        }
    }

    /// Say that `label` is the first label of the registrable `domain`, so a
    /// bare `acme-gov` gets the domain's pseudonym label.
    pub fn learn_domain_label(&self, label: &str, domain: &str) {
        self.state()
            .domain_labels
            .insert(label.to_ascii_lowercase(), domain.to_ascii_lowercase());
    }

    /// Number of collisions resolved so far.
    pub fn collisions(&self) -> u64 {
        self.state().collisions
    }

    /// Every assignment made or preloaded, sorted (for the map).
    pub fn assignments(&self) -> Vec<Assignment> {
        self.assignments_with(true)
    }

    /// Every IPv4 assignment, in numeric order of the original.
    pub fn ipv4_pairs(&self) -> Vec<(Ipv4Addr, Ipv4Addr)> {
        let mut v: Vec<(Ipv4Addr, Ipv4Addr)> = self
            .state()
            .v4
            .iter()
            .map(|(o, p)| (Ipv4Addr::from(*o), Ipv4Addr::from(*p)))
            .collect();
        v.sort_unstable();
        v
    }

    /// Distinct IPv4 addresses assigned so far.
    pub fn ipv4_count(&self) -> usize {
        self.state().v4.len()
    }

    /// Every assignment, sorted, IPv4 addresses only if `ipv4`.
    pub fn assignments_with(&self, ipv4: bool) -> Vec<Assignment> {
        let st = self.state();
        let v4 = if ipv4 { Some(&st.v4) } else { None };
        let mut v: Vec<Assignment> = st
            .forward
            .iter()
            .map(|((kind, original), pseudonym)| Assignment {
                kind: kind.to_string(),
                original: original.clone(),
                pseudonym: pseudonym.clone(),
            })
            .chain(v4.into_iter().flatten().map(|(o, p)| Assignment {
                kind: "ipv4".into(),
                original: Ipv4Addr::from(*o).to_string(),
                pseudonym: Ipv4Addr::from(*p).to_string(),
            }))
            .collect();
        v.sort_by(|a, b| (&a.kind, &a.original).cmp(&(&b.kind, &b.original)));
        v
    }

    /// A short keyed hash in base32: `n` characters (5 bits each).
    fn hash32(&self, domain: &str, value: &str, counter: u32, n: usize) -> String {
        let c = counter.to_le_bytes();
        let mac = self.key.mac(&[domain.as_bytes(), value.as_bytes(), &c]);
        let mut bits: u64 = u64::from_le_bytes(mac[..8].try_into().expect("8 bytes"));
        (0..n)
            .map(|_| {
                let ch = BASE32[(bits & 31) as usize] as char;
                bits >>= 5;
                ch
            })
            .collect()
    }

    /// Assign a pseudonym for (kind, original) with candidates from `make`,
    /// skipping any candidate already taken by another original.
    fn assign(&self, kind: &'static str, original: &str, make: impl Fn(u32) -> String) -> String {
        let mut st = self.state();
        if let Some(p) = st.forward.get(&(kind, original.to_string())) {
            return p.clone();
        }
        let mut counter = 0;
        loop {
            let cand = make(counter);
            match st.taken.get(&(kind, cand.clone())) {
                Some(other) if other != original => {
                    st.collisions += 1;
                    counter += 1;
                }
                _ => {
                    st.taken.insert((kind, cand.clone()), original.to_string());
                    st.forward
                        .insert((kind, original.to_string()), cand.clone());
                    return cand;
                }
            }
        }
    }

    fn record(&self, kind: &'static str, original: String, pseudonym: String) {
        let mut st = self.state();
        st.taken.insert((kind, pseudonym.clone()), original.clone());
        st.forward.insert((kind, original), pseudonym);
    }

    /// The pseudonym of `value` as a `kind`, or `None` when the value does
    /// not parse as that kind (the caller then uses a generic pseudonym).
    pub fn pseudonym(&self, kind: &str, value: &str) -> Option<String> {
        match kind {
            "ipv4" => value
                .parse::<Ipv4Addr>()
                .ok()
                .map(|ip| self.ipv4(ip).to_string()),
            "ipv4_dashed" => {
                let dotted = value.replace('-', ".");
                let ip: Ipv4Addr = dotted.parse().ok()?;
                Some(self.ipv4(ip).to_string().replace('.', "-"))
            }
            "ipv6" => self.ipv6_text(value),
            "mac" => self.mac(value),
            // A label of the customer's domain (`DC=acme`) is a host name
            // of one label.
            "hostname" | "domain_label" => Some(self.hostname(value)),
            "email" => self.email(value),
            "username" => Some(self.word("username", "user", value)),
            "name" => Some(self.word("name", "name", value)),
            "account" => Some(self.account(value)),
            _ => None,
        }
    }

    /// A pseudonym for kinds without a special shape: `<kind>-<hash>`.
    pub fn generic(&self, kind: &str, value: &str) -> String {
        let prefix: String = kind
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let norm = value.to_string();
        let domain = format!("generic:{prefix}");
        self.assign("generic", &format!("{prefix}\0{norm}"), |c| {
            format!("{prefix}-{}", self.hash32(&domain, &norm, c, 8))
        })
    }

    /// The mask of a credential: rule and a 6-hex keyed fingerprint, so two
    /// uses of one token can be told from two tokens without learning either.
    /// The fingerprint follows a `/`, not a `:`: `gitlab_pat_token:7f3a9c`
    /// would read as a `token: value` assignment to the key-value rules.
    pub fn mask(&self, rule: &str, value: &[u8]) -> String {
        let mac = self.key.mac(&[b"credential", value]);
        format!("[REDACTED:{rule}/{}]", &crate::rules::hex(&mac[..3]))
    }

    fn word(&self, kind: &'static str, prefix: &str, value: &str) -> String {
        self.word_as(kind, kind, prefix, value)
    }

    /// [`Self::word`] recorded under `kind` but hashed as `hash_kind`: the
    /// local part of an e-mail address gets its user's pseudonym, but is
    /// recorded apart (`email_local`), because verification searches every
    /// original user name as a word and `from` of `from@example.com` is
    /// everywhere in English.
    fn word_as(&self, kind: &'static str, hash_kind: &str, prefix: &str, value: &str) -> String {
        let norm = value.to_lowercase();
        self.assign(kind, &norm, |c| {
            format!("{prefix}-{}", self.hash32(hash_kind, &norm, c, 8))
        })
    }

    /// Assign pseudonym networks for every /24 and /64 of the input before
    /// any is used, in sorted order. Which network moves on a collision then
    /// depends only on the key and the set of networks, not on the order in
    /// which files (or threads) meet them.
    pub fn preassign_networks(
        &self,
        v4: &std::collections::BTreeSet<[u8; 3]>,
        v6: &std::collections::BTreeSet<u64>,
    ) {
        for net in v4 {
            self.ipv4_net(*net);
        }
        for net in v6 {
            self.ipv6_net(*net);
        }
    }

    /// The pseudonym /24 of an original /24 (recorded as text, for
    /// collisions and the map).
    fn ipv4_net(&self, net: [u8; 3]) -> [u8; 3] {
        let net_text = format!("{}.{}.{}", net[0], net[1], net[2]);
        let text = self.assign("ipv4_net", &net_text, |c| {
            let mac = self
                .key
                .mac(&[b"ipv4/24", net_text.as_bytes(), &c.to_le_bytes()]);
            let v = u32::from_le_bytes(mac[..4].try_into().expect("4 bytes")) % V4_NETS;
            format!("{}.{}.{}", 240 + v / 65536, (v >> 8) & 255, v & 255)
        });
        let mut octets = [0u8; 3];
        for (o, x) in octets.iter_mut().zip(text.split('.')) {
            *o = x.parse().expect("own format");
        }
        octets
    }

    fn ipv6_net(&self, net: u64) -> String {
        let net_text = format!("{net:016x}");
        self.assign("ipv6_net", &net_text, |c| {
            let mac = self
                .key
                .mac(&[b"ipv6/64", net_text.as_bytes(), &c.to_le_bytes()]);
            // fec0::/16 then 48 hashed bits: 2^48 pseudonym /64s.
            let v = u64::from_le_bytes(mac[..8].try_into().expect("8 bytes")) & 0xffff_ffff_ffff;
            format!("{:016x}", (0xfec0u64 << 48) | v)
        })
    }

    pub fn ipv4(&self, ip: Ipv4Addr) -> Ipv4Addr {
        let o = ip.octets();
        let net = [o[0], o[1], o[2]];
        let known = self.state().v4_nets.get(&net).copied();
        let (pnet, perm) = match known {
            Some(k) => k,
            None => {
                let pnet = self.ipv4_net(net);
                // Another thread may have got here first, with the same
                // values: both are functions of the key and the /24.
                let perm = self.host_permutation(&format!("{}.{}.{}", o[0], o[1], o[2]));
                *self.state().v4_nets.entry(net).or_insert((pnet, perm))
            }
        };
        let out = Ipv4Addr::new(pnet[0], pnet[1], pnet[2], perm[o[3] as usize]);
        // Record the address itself for the map and unmask. It is unique by
        // construction: distinct /24s get distinct pseudonym /24s and the
        // host octet is a permutation.
        self.state().v4.insert(ip.into(), out.into());
        out
    }

    /// A keyed permutation of host octets 1..=254 (0 and 255 keep their
    /// meaning: network and broadcast). Fisher–Yates driven by HMAC output.
    fn host_permutation(&self, net: &str) -> [u8; 256] {
        let mut perm = [0u8; 256];
        for (i, p) in perm.iter_mut().enumerate() {
            *p = i as u8;
        }
        let mut stream = Vec::with_capacity(512);
        let mut block = 0u32;
        let mut next = |stream: &mut Vec<u8>| -> u16 {
            if stream.len() < 2 {
                stream.extend_from_slice(&self.key.mac(&[
                    b"ipv4-host",
                    net.as_bytes(),
                    &block.to_le_bytes(),
                ]));
                block += 1;
            }
            let v = u16::from_le_bytes([stream[0], stream[1]]);
            stream.drain(..2);
            v
        };
        // Shuffle positions 1..=254.
        for i in (2..=254usize).rev() {
            let j = 1 + (next(&mut stream) as usize % i);
            perm.swap(i, j);
        }
        perm
    }

    fn ipv6_text(&self, value: &str) -> Option<String> {
        let (addr, zone) = match value.split_once('%') {
            Some((a, z)) => (a, Some(z)),
            None => (value, None),
        };
        let ip: Ipv6Addr = addr.parse().ok()?;
        let out = if let Some(v4) = ip.to_ipv4_mapped() {
            // Keep mapped IPv4 consistent with the IPv4 pseudonym.
            self.ipv4(v4).to_ipv6_mapped()
        } else {
            self.ipv6(ip)
        };
        Some(match zone {
            Some(z) => format!("{out}%{z}"),
            None => out.to_string(),
        })
    }

    pub fn ipv6(&self, ip: Ipv6Addr) -> Ipv6Addr {
        let bits = u128::from(ip);
        let net = (bits >> 64) as u64;
        let pnet = self.ipv6_net(net);
        let host_text = format!("{net:016x}:{:016x}", bits as u64);
        let shown = self.assign("ipv6_host", &host_text, |c| {
            let mac = self
                .key
                .mac(&[b"ipv6-host", host_text.as_bytes(), &c.to_le_bytes()]);
            let host = u64::from_le_bytes(mac[..8].try_into().expect("8 bytes"));
            let p = u64::from_str_radix(&pnet, 16).expect("own format");
            Ipv6Addr::from(((p as u128) << 64) | host as u128).to_string()
        });
        // The address as written, for the map and unmask.
        self.record("ipv6", ip.to_string(), shown.clone());
        shown.parse().expect("own format")
    }

    fn mac(&self, value: &str) -> Option<String> {
        let sep = if value.contains(':') { ':' } else { '-' };
        let parts: Vec<&str> = value.split(sep).collect();
        if parts.len() != 6
            || parts
                .iter()
                .any(|p| p.len() != 2 || u8::from_str_radix(p, 16).is_err())
        {
            return None;
        }
        let norm = value.to_ascii_lowercase().replace('-', ":");
        let upper = value.bytes().any(|b| b.is_ascii_uppercase());
        let p = self.assign("mac", &norm, |c| {
            let mac = self.key.mac(&[b"mac", norm.as_bytes(), &c.to_le_bytes()]);
            let b = [
                MAC_PREFIX[0],
                MAC_PREFIX[1],
                MAC_PREFIX[2],
                mac[0],
                mac[1],
                mac[2],
            ];
            b.iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        });
        let p = p.replace(':', &sep.to_string());
        Some(if upper { p.to_ascii_uppercase() } else { p })
    }

    /// Host names: generic labels kept, other labels hashed one by one,
    /// the registrable domain replaced by `d-<hash>.example`.
    pub fn hostname(&self, value: &str) -> String {
        let trailing_dot = value.ends_with('.') && value.len() > 1;
        let host = value.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() == 1 {
            let l = labels[0];
            // Bind first: a guard in an `if let` scrutinee lives through the
            // block, and `domain_label` locks again.
            let domain = self.state().domain_labels.get(l).cloned();
            if let Some(domain) = domain {
                return self.domain_label(&domain);
            }
            return self.label(l);
        }
        let reg_len = registrable_len(&labels);
        let split = labels.len() - reg_len;
        let registrable = labels[split..].join(".");
        // Under a public provider (`<bucket>.s3.eu-west-2.amazonaws.com`)
        // only the customer's labels are the customer's: the service's own
        // labels and domain stay, so support still sees where it lives.
        let allow = crate::rules::allow::builtin();
        let provider = allow.is_provider_domain(&registrable);
        let mut out: Vec<String> = labels[..split]
            .iter()
            .map(|l| {
                if generic_label(l) || (provider && allow.is_provider_label(l)) {
                    l.to_string()
                } else {
                    self.label(l)
                }
            })
            .collect();
        if provider {
            if labels[..split].iter().zip(&out).all(|(l, o)| l == o) {
                // Nothing of it is the customer's (`www.google.com`,
                // `s3.us-gov-west-1.amazonaws.com`): kept, and not recorded
                // as an original to look for.
                return value.to_string();
            }
            out.push(registrable);
        } else {
            out.push(format!("{}.example", self.domain_label(&registrable)));
        }
        let s = out.join(".");
        // The whole name too, for the map, unmask and verification (single
        // labels such as `user` in `x.user.isp.com.br` are too common to
        // search for on their own).
        self.record("hostname", host.clone(), s.clone());
        if trailing_dot {
            format!("{s}.")
        } else {
            s
        }
    }

    /// A Windows `DOMAIN\user` or a Kerberos `user@REALM`: the domain
    /// as a host name, the user as a user, the separator kept.
    fn account(&self, value: &str) -> String {
        match split_account(value) {
            Some((domain, sep, user, domain_first)) => {
                let d = self.hostname(domain);
                let u = self.word("username", "user", user);
                if domain_first {
                    format!("{d}{sep}{u}")
                } else {
                    format!("{u}{sep}{d}")
                }
            }
            None => self.word("username", "user", value),
        }
    }

    fn label(&self, label: &str) -> String {
        self.assign("host_label", label, |c| {
            format!("h-{}", self.hash32("host_label", label, c, 8))
        })
    }

    fn domain_label(&self, registrable: &str) -> String {
        self.assign("domain", registrable, |c| {
            format!("d-{}", self.hash32("domain", registrable, c, 8))
        })
    }

    fn email(&self, value: &str) -> Option<String> {
        let (local, sep, domain) = if let Some((l, d)) = value.split_once('@') {
            (l, "@", d)
        } else if let Some(i) = value.to_ascii_lowercase().find("%40") {
            (&value[..i], &value[i..i + 3], &value[i + 3..])
        } else {
            return None;
        };
        let user = self.word_as("email_local", "username", "user", local);
        Some(format!("{user}{sep}{}", self.hostname(domain)))
    }
}

/// `DOMAIN\user` (one or two backslashes) or `user@REALM`, as (domain,
/// separator, user, whether the domain comes first).
fn split_account(value: &str) -> Option<(&str, &str, &str, bool)> {
    if let Some(i) = value.find('\\') {
        let rest = &value[i..];
        let user = rest.trim_start_matches('\\');
        let sep = &rest[..rest.len() - user.len()];
        return Some((&value[..i], sep, user, true));
    }
    let (u, r) = value.rsplit_once('@')?;
    Some((r, "@", u, false))
}

/// Is `label` one of the generic service words kept in host names?
pub fn is_generic_label(label: &str) -> bool {
    generic_label(label)
}

/// The registrable domain of a host name (`acme-gov.us` of
/// `gitlab.acme-gov.us`, `acme.co.uk` of `git.acme.co.uk`).
pub fn registrable(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let n = registrable_len(&labels);
    labels[labels.len() - n..].join(".").to_ascii_lowercase()
}

fn registrable_len(labels: &[&str]) -> usize {
    if labels.len() >= 3 {
        let last2 = format!("{}.{}", labels[labels.len() - 2], labels[labels.len() - 1]);
        if TWO_LEVEL_SUFFIXES.contains(&last2.as_str()) {
            return 3;
        }
    }
    labels.len().min(2)
}

fn static_kind(kind: &str) -> Option<&'static str> {
    const KINDS: &[&str] = &[
        "ipv4",
        "ipv4_net",
        "ipv6",
        "ipv6_net",
        "ipv6_host",
        "mac",
        "host_label",
        "domain",
        "username",
        "email_local",
        "name",
        "generic",
    ];
    KINDS.iter().copied().find(|k| *k == kind)
}

/// Is `value` (found as a `kind`) something airlock wrote: a mask or a
/// pseudonym? Decided by shape alone, so it works without the key, in
/// `verify` and when redacting an already-redacted bundle.
pub fn is_own(kind: &str, value: &str) -> bool {
    if is_mask(value) {
        return true;
    }
    match kind {
        "ipv4" => value.parse::<Ipv4Addr>().is_ok_and(is_own_ipv4),
        "ipv4_dashed" => value
            .replace('-', ".")
            .parse::<Ipv4Addr>()
            .is_ok_and(is_own_ipv4),
        "ipv6" => {
            let addr = value.split('%').next().unwrap_or(value);
            addr.parse::<Ipv6Addr>()
                .is_ok_and(|ip| match ip.to_ipv4_mapped() {
                    Some(v4) => is_own_ipv4(v4),
                    None => ip.segments()[0] == 0xfec0,
                })
        }
        "mac" => {
            let v = value.to_ascii_lowercase().replace('-', ":");
            v.starts_with("02:a1:7c:")
        }
        "hostname" | "domain_label" => is_own_host(value),
        "email" => {
            let lower = value.to_ascii_lowercase();
            let (local, domain) = match lower.split_once('@') {
                Some(p) => p,
                None => match lower.split_once("%40") {
                    Some(p) => p,
                    None => return false,
                },
            };
            is_own_word(local, "user") && is_own_host(domain)
        }
        // Either prefix: a learned user name is replaced as `user-…` even
        // where a name rule (`User "…" was created`) sees it on the output.
        // Or a host's: a learned host stands in a name's place too
        // (`CN=kradc02` of an LDAP DN in a certificate's CRL point).
        "username" | "name" => {
            is_own_word(value, "user") || is_own_word(value, "name") || is_own_host(value)
        }
        "account" => match split_account(value) {
            Some((d, _, u, _)) => is_own_host(d) && is_own_word(u, "user"),
            None => is_own_word(value, "user"),
        },
        _ => false,
    }
}

/// Is `value` a pseudonym of any kind (an address in airlock's ranges, a
/// `user-`/`name-`/`h-` word, a pseudonym host or e-mail address)?
pub fn is_own_any(value: &str) -> bool {
    ["ipv4", "ipv6", "mac", "hostname", "email", "username"]
        .iter()
        .any(|k| is_own(k, value))
}

/// `[REDACTED:<rule>/<6 hex>]` (`-` for `/` in a member name).
pub fn is_mask(value: &str) -> bool {
    let Some(inner) = value
        .strip_prefix("[REDACTED:")
        .and_then(|v| v.strip_suffix(']'))
    else {
        return false;
    };
    // `-` in member names, where a `/` would add a directory level.
    match inner.rsplit_once('/').or_else(|| inner.rsplit_once('-')) {
        Some((rule, fp)) => {
            !rule.is_empty()
                && rule
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                && fp.len() == 6
                && fp.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

fn is_own_ipv4(ip: Ipv4Addr) -> bool {
    ip.octets()[0] >= 240 && ip != Ipv4Addr::BROADCAST
}

fn is_own_word(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .and_then(|v| v.strip_prefix('-'))
        .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| BASE32.contains(&b)))
}

fn is_own_host(value: &str) -> bool {
    let v = value.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = v.split('.').collect();
    match labels.as_slice() {
        [single] => is_own_word(single, "h") || is_own_word(single, "d"),
        [rest @ .., dom, "example"] => {
            is_own_word(dom, "d") && rest.iter().all(|l| is_own_word(l, "h") || generic_label(l))
        }
        // `h-….s3.eu-west-2.amazonaws.com`: a provider's host whose
        // customer labels are pseudonyms, or that has none.
        _ => {
            let allow = crate::rules::allow::builtin();
            let n = registrable_len(&labels);
            let (rest, reg) = labels.split_at(labels.len() - n);
            // A provider's own endpoint (`www.google.com`) is kept whole.
            allow.is_provider_domain(&reg.join("."))
                && rest
                    .iter()
                    .all(|l| is_own_word(l, "h") || allow.is_provider_label(l))
        }
    }
}

/// Is `value` a generic pseudonym (`<kind>-<hash>`) made for `kind`?
pub fn is_generic_own(kind: &str, value: &str) -> bool {
    let prefix: String = kind
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    is_own_word(value, &prefix)
}

#[cfg(test)]
mod account_tests {
    use super::*;

    #[test]
    fn an_account_keeps_its_separator_and_its_parts_pseudonyms() {
        let p = Pseudonymizer::new(Key::from_bytes([7; 32]));
        let user = p.pseudonym("username", "svc_runner").unwrap();
        let win = p.pseudonym("account", r"ACMECORP\svc_runner").unwrap();
        let (d, u) = win.split_once('\\').expect("backslash kept");
        assert_eq!(u, user);
        assert_eq!(d, p.hostname("acmecorp"));
        let two = p.pseudonym("account", r"ACMECORP\\svc_runner").unwrap();
        assert!(two.contains(r"\\"), "{two}");
        let krb = p.pseudonym("account", "svc_runner@ACME.US").unwrap();
        assert_eq!(krb, format!("{user}@{}", p.hostname("acme.us")));
        for v in [&win, &two, &krb] {
            assert!(is_own("account", v), "{v}");
        }
        assert!(!is_own("account", r"ACMECORP\svc_runner"));
    }
}

#[cfg(test)]
mod provider_tests {
    use super::*;

    #[test]
    fn a_provider_host_keeps_its_service_and_hides_its_tenant() {
        let p = Pseudonymizer::new(Key::from_bytes([3; 32]));
        let bucket = p.hostname("acme-backups.s3.us-gov-west-1.amazonaws.com");
        let label = p.hostname("acme-backups");
        assert_eq!(bucket, format!("{label}.s3.us-gov-west-1.amazonaws.com"));
        let rds = p.hostname("db1.cxyz1234.us-gov-west-1.rds.amazonaws.com");
        assert!(rds.ends_with(".us-gov-west-1.rds.amazonaws.com"), "{rds}");
        assert!(!rds.contains("cxyz1234") && !rds.contains("db1."), "{rds}");
        let acr = p.hostname("acmeacr.azurecr.io");
        assert!(
            acr.starts_with("h-") && acr.ends_with(".azurecr.io"),
            "{acr}"
        );
        // Nothing of it is a tenant's: kept, and seen as no leak.
        assert_eq!(p.hostname("www.google.com"), "www.google.com");
        for own in [&bucket, &rds, &acr, &"www.google.com".to_string()] {
            assert!(is_own("hostname", own), "{own}");
        }
        // A tenant label left in clear is not airlock's.
        assert!(!is_own("hostname", "acme-backups.s3.amazonaws.com"));
        // Elsewhere the domain is still replaced.
        assert!(p.hostname("gitaly01.int.acme.org").ends_with(".example"));
    }
}
