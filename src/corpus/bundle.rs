//! A generated gitlabsos bundle: the benchmark and end-to-end test corpus.
//!
//! [`Bundle`] lays out what `gitlabsos` collects (see
//! `shared/reference/gitlab.md`): a top directory
//! `gitlabsos.<host>_<YYYYmmddHHMMSS>/` with the Rails, Sidekiq, Gitaly,
//! Workhorse, nginx, gitlab-shell and PostgreSQL logs at their absolute paths,
//! rotated `*.log.1.gz` members and svlogd `@<tai64n>.s` members (gzip despite
//! the name), `etc/gitlab/gitlab.rb`, and the command outputs (`hostname`,
//! `gitlab_status`, `df_hT`, `free_m`, `ifconfig`, `ps`, …).
//!
//! Identifiers come from small per-bundle pools, as in a real instance (a few
//! dozen users and client addresses appear again and again); credentials are
//! rare and mostly unique. Every planted value is recorded with its kind and
//! count in [`Planted`], so a redactor's recall can be measured by looking for
//! the values in its output.
//!
//! Output is a pure function of `(seed, size)`: each file draws from its own
//! generator seeded from the bundle seed and the file's path, so files do not
//! depend on the order they are written in. `size` is the total of the
//! uncompressed bytes of every file (gzip members count by their content);
//! the generator stops each log at the first line that reaches its share.
//!
//! Rejected: shipping real logs (the corpora are not ours to copy), and one
//! big random mix (it would not have the skew of real bundles: most bytes in
//! four JSON logs, IPs and user names on every line, secrets rare).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Rng;

/// What a planted value is, for recall by category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlantedCategory {
    Credential,
    Network,
    Identity,
}

impl PlantedCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            PlantedCategory::Credential => "credential",
            PlantedCategory::Network => "network",
            PlantedCategory::Identity => "identity",
        }
    }
}

/// A value planted in the bundle that a redactor must remove.
#[derive(Clone, PartialEq, Eq)]
pub struct Planted {
    pub category: PlantedCategory,
    /// `gitlab_pat`, `ipv4`, `username`, …
    pub kind: &'static str,
    /// How many times the generator wrote it (all files, gzip members by
    /// content). A value written twice on one line may count once.
    pub count: u64,
    pub value: String,
}

impl std::fmt::Debug for Planted {
    // Planted values are fake, but they are secrets by intent: keep them out
    // of test failure messages all the same.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planted")
            .field("category", &self.category)
            .field("kind", &self.kind)
            .field("count", &self.count)
            .field("value", &format_args!("[{} bytes]", self.value.len()))
            .finish()
    }
}

/// How a member is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    Plain,
    Gzip,
}

/// One file of the bundle, planned.
#[derive(Clone, Debug)]
pub struct FileSpec {
    /// Path below the top directory, `/`-separated.
    pub path: String,
    pub storage: Storage,
    kind: Kind,
    /// Uncompressed bytes to write (logs stop at the first line that reaches
    /// it; fixed files ignore it).
    target: u64,
    /// Seconds since the epoch of the first log line.
    start: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Production,
    Api,
    Application,
    Exceptions,
    Sidekiq,
    Gitaly,
    Workhorse,
    Nginx,
    Shell,
    Postgres,
    GitlabRb,
    Hostname,
    Status,
    Manifest,
    DfHt,
    FreeM,
    Ifconfig,
    IpAddress,
    Ps,
    Messages,
    Fstab,
    OsRelease,
    Uname,
}

/// The logs and their shares of the bytes (per mille). Rotated members are
/// older copies of the same logs.
const LOGS: &[(&str, Kind, Storage, u64)] = &[
    (
        "var/log/gitlab/gitlab-rails/production_json.log",
        Kind::Production,
        Storage::Plain,
        210,
    ),
    (
        "var/log/gitlab/gitlab-rails/production_json.log.1.gz",
        Kind::Production,
        Storage::Gzip,
        50,
    ),
    (
        "var/log/gitlab/gitlab-rails/api_json.log",
        Kind::Api,
        Storage::Plain,
        140,
    ),
    (
        "var/log/gitlab/gitlab-rails/api_json.log.1.gz",
        Kind::Api,
        Storage::Gzip,
        30,
    ),
    (
        "var/log/gitlab/gitlab-rails/application_json.log",
        Kind::Application,
        Storage::Plain,
        20,
    ),
    (
        "var/log/gitlab/gitlab-rails/exceptions_json.log",
        Kind::Exceptions,
        Storage::Plain,
        15,
    ),
    (
        "var/log/gitlab/sidekiq/current",
        Kind::Sidekiq,
        Storage::Plain,
        130,
    ),
    (
        "var/log/gitlab/sidekiq/@40000000691e5a3c0c3b2a18.s",
        Kind::Sidekiq,
        Storage::Gzip,
        30,
    ),
    (
        "var/log/gitlab/gitaly/current",
        Kind::Gitaly,
        Storage::Plain,
        110,
    ),
    (
        "var/log/gitlab/gitaly/@40000000691e4c2a1d2e3f40.s",
        Kind::Gitaly,
        Storage::Gzip,
        25,
    ),
    (
        "var/log/gitlab/gitlab-workhorse/current",
        Kind::Workhorse,
        Storage::Plain,
        110,
    ),
    (
        "var/log/gitlab/nginx/gitlab_access.log",
        Kind::Nginx,
        Storage::Plain,
        75,
    ),
    (
        "var/log/gitlab/nginx/gitlab_access.log.1.gz",
        Kind::Nginx,
        Storage::Gzip,
        15,
    ),
    (
        "var/log/gitlab/gitlab-shell/gitlab-shell.log",
        Kind::Shell,
        Storage::Plain,
        20,
    ),
    (
        "var/log/gitlab/postgresql/current",
        Kind::Postgres,
        Storage::Plain,
        30,
    ),
];

/// Command outputs and configuration: small, fixed size.
const FIXED: &[(&str, Kind)] = &[
    ("etc/gitlab/gitlab.rb", Kind::GitlabRb),
    ("etc/fstab", Kind::Fstab),
    ("etc/os-release", Kind::OsRelease),
    ("hostname", Kind::Hostname),
    ("gitlab_status", Kind::Status),
    ("opt/gitlab/version-manifest.json", Kind::Manifest),
    ("df_hT", Kind::DfHt),
    ("free_m", Kind::FreeM),
    ("ifconfig", Kind::Ifconfig),
    ("ip_address", Kind::IpAddress),
    ("ps", Kind::Ps),
    ("uname", Kind::Uname),
    ("var/log/messages", Kind::Messages),
];

/// A person of the instance.
#[derive(Clone)]
struct User {
    id: u64,
    username: String,
    name: String,
    email: String,
}

/// The per-bundle pools every file draws from.
#[derive(Clone)]
struct Pools {
    /// Organisation domain, e.g. `acme-gov.us`.
    domain: String,
    /// The host's FQDN (`hostname --fqdn`) and short name.
    fqdn: String,
    short: String,
    /// `external_url` host.
    external: String,
    db_host: String,
    redis_host: String,
    gitaly_hosts: Vec<String>,
    users: Vec<User>,
    client_ips: Vec<String>,
    infra_ips: Vec<String>,
    ipv6: Vec<String>,
    macs: Vec<String>,
    projects: Vec<(u64, String)>,
    /// `YYYYmmddHHMMSS` of collection.
    stamp: String,
    /// Seconds since the epoch at collection.
    collected: u64,
}

/// A whole bundle for one `(seed, size)`.
pub struct Bundle {
    seed: u64,
    pools: Pools,
    files: Vec<FileSpec>,
}

/// Smallest size honoured: below it the fixed files alone would exceed the
/// target and the shares would round to nothing.
pub const MIN_SIZE: u64 = 256 << 10;

impl Bundle {
    /// Plan the bundle for `seed` and `size` total uncompressed bytes (at
    /// least [`MIN_SIZE`]).
    pub fn new(seed: u64, size: u64) -> Bundle {
        let size = size.max(MIN_SIZE);
        let pools = Pools::new(seed);
        // Fixed files are ~40 KB; the logs share the rest.
        let logs = size.saturating_sub(40 << 10);
        let total: u64 = LOGS.iter().map(|l| l.3).sum();
        let mut files = Vec::new();
        for &(path, kind) in FIXED {
            files.push(FileSpec {
                path: path.to_string(),
                storage: Storage::Plain,
                kind,
                target: 0,
                start: pools.collected,
            });
        }
        for &(path, kind, storage, share) in LOGS {
            // Rotated members cover the day before; current logs the last
            // 12 hours.
            let back = if storage == Storage::Gzip {
                36 * 3600
            } else {
                12 * 3600
            };
            files.push(FileSpec {
                path: path.to_string(),
                storage,
                kind,
                target: logs * share / total,
                start: pools.collected - back,
            });
        }
        Bundle { seed, pools, files }
    }

    /// `gitlabsos.<fqdn>_<YYYYmmddHHMMSS>`: the top directory and archive
    /// stem. Holds the host name, as real bundles do.
    pub fn top(&self) -> String {
        format!("gitlabsos.{}_{}", self.pools.fqdn, self.pools.stamp)
    }

    /// The files, in the order they are written.
    pub fn files(&self) -> &[FileSpec] {
        &self.files
    }

    /// Write the uncompressed content of `file` to `out`, recording planted
    /// values; returns the bytes written.
    pub fn write_file(
        &self,
        file: &FileSpec,
        out: &mut dyn Write,
        planted: &mut PlantedSet,
    ) -> io::Result<u64> {
        let mut g = Gen {
            r: Rng::new(self.seed ^ fnv(file.path.as_bytes())),
            p: &self.pools,
            planted,
            now_ms: file.start * 1000,
            line: String::with_capacity(4096),
        };
        let mut buf: Vec<u8> = Vec::with_capacity(64 << 10);
        let mut written = 0u64;
        if let Some(text) = g.fixed(file.kind) {
            out.write_all(text.as_bytes())?;
            return Ok(text.len() as u64);
        }
        while written < file.target {
            g.line.clear();
            g.log_line(file.kind);
            g.line.push('\n');
            buf.extend_from_slice(g.line.as_bytes());
            written += g.line.len() as u64;
            if buf.len() >= 60 << 10 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)?;
        Ok(written)
    }

    /// Write the bundle below `dir` (creating `dir/<top>/…`); returns what
    /// was planted, most frequent first within each category.
    pub fn write_dir(&self, dir: &Path) -> io::Result<Written> {
        let root = dir.join(self.top());
        let mut planted = PlantedSet::default();
        let mut bytes = 0u64;
        let mut files = Vec::new();
        for f in &self.files {
            let path = root.join(&f.path);
            fs::create_dir_all(path.parent().expect("member paths have a parent"))?;
            let file = BufWriter::with_capacity(256 << 10, fs::File::create(&path)?);
            let n = match f.storage {
                Storage::Plain => {
                    let mut w = file;
                    let n = self.write_file(f, &mut w, &mut planted)?;
                    w.flush()?;
                    n
                }
                Storage::Gzip => {
                    let mut w = flate2::write::GzEncoder::new(file, flate2::Compression::default());
                    let n = self.write_file(f, &mut w, &mut planted)?;
                    w.finish()?.flush()?;
                    n
                }
            };
            bytes += n;
            files.push((path, n));
        }
        Ok(Written {
            root,
            bytes,
            files,
            planted: planted.into_sorted(),
        })
    }
}

/// What [`Bundle::write_dir`] wrote.
#[derive(Debug)]
pub struct Written {
    /// `dir/<top>`.
    pub root: PathBuf,
    /// Uncompressed bytes of all files.
    pub bytes: u64,
    /// Each file with its uncompressed size.
    pub files: Vec<(PathBuf, u64)>,
    pub planted: Vec<Planted>,
}

/// Planted values with counts, by value.
#[derive(Default)]
pub struct PlantedSet {
    map: HashMap<String, (PlantedCategory, &'static str, u64)>,
}

impl PlantedSet {
    fn add(&mut self, cat: PlantedCategory, kind: &'static str, value: &str) {
        if let Some(e) = self.map.get_mut(value) {
            e.2 += 1;
        } else {
            self.map.insert(value.to_string(), (cat, kind, 1));
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// By category, then count (descending), then value: a stable order.
    pub fn into_sorted(self) -> Vec<Planted> {
        let mut v: Vec<Planted> = self
            .map
            .into_iter()
            .map(|(value, (category, kind, count))| Planted {
                category,
                kind,
                count,
                value,
            })
            .collect();
        v.sort_by(|a, b| {
            a.category
                .cmp(&b.category)
                .then(b.count.cmp(&a.count))
                .then(a.value.cmp(&b.value))
        });
        v
    }
}

/// Write `planted` as TSV: `category kind count value`, one per line, with a
/// header. Values never hold tabs or line feeds.
pub fn write_planted_tsv(planted: &[Planted], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "category\tkind\tcount\tvalue")?;
    for p in planted {
        debug_assert!(!p.value.contains(['\t', '\n']));
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            p.category.as_str(),
            p.kind,
            p.count,
            p.value
        )?;
    }
    Ok(())
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const FIRST_NAMES: &[&str] = &[
    "Jane", "Marcus", "Keiko", "Amara", "Sofia", "Tomasz", "Ravi", "Lena", "Diego", "Olga", "Chen",
    "Fatima", "Liam", "Ines", "Kwame", "Hana", "Pavel", "Noor", "Erik", "Yara",
];
const LAST_NAMES: &[&str] = &[
    "Doe", "Okafor", "Tanaka", "Schmidt", "Lopez", "Nguyen", "Ivanova", "Kowalski", "Patel",
    "Haddad", "Larsen", "Moreau", "Mensah", "Silva", "Novak", "Rahman", "Becker", "Costa",
];
const ORGS: &[&str] = &[
    "acme-gov",
    "northwind",
    "globex",
    "initech",
    "umbrella-labs",
    "stark-ind",
    "wayne-ent",
    "tyrell",
];
const TLDS: &[&str] = &["us", "gov", "mil", "com", "net", "org", "io"];
const WORDS: &[&str] = &[
    "platform",
    "infra",
    "billing",
    "portal",
    "mobile-app",
    "data-pipeline",
    "terraform",
    "helm-charts",
    "frontend",
    "backend",
    "docs",
    "security",
    "ci-templates",
    "monorepo",
    "analytics",
    "identity",
    "payments",
    "search",
];

impl Pools {
    fn new(seed: u64) -> Pools {
        let mut r = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let org = *r.pick(ORGS);
        let domain = format!("{org}.{}", r.pick(TLDS));
        let short = format!(
            "gitlab-{}-{:02}",
            r.pick(&["prod", "app", "main", "node"]),
            r.range(1, 12)
        );
        let fqdn = format!("{short}.{domain}");
        let external = format!("gitlab.{domain}");
        let db_host = format!("db{:02}.{domain}", r.range(1, 9));
        let redis_host = format!("redis{:02}.{domain}", r.range(1, 9));
        let gitaly_hosts = (1..=3).map(|i| format!("gitaly-{i:02}.{domain}")).collect();
        let mut users = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while users.len() < 60 {
            let first = *r.pick(FIRST_NAMES);
            let last = *r.pick(LAST_NAMES);
            let username = match r.below(3) {
                0 => format!("{}{}", first[..1].to_lowercase(), last.to_lowercase()),
                1 => format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
                _ => format!(
                    "{}{}{}",
                    first.to_lowercase(),
                    &last[..1].to_lowercase(),
                    r.range(10, 99)
                ),
            };
            if !seen.insert(username.clone()) {
                continue;
            }
            users.push(User {
                id: r.range(2, 9000),
                name: format!("{first} {last}"),
                email: format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
                username,
            });
        }
        // Several users may share a name; their emails then coincide, which
        // is realistic enough and harmless for recall.
        let client_ips = (0..200).map(|_| r.ipv4()).collect();
        let infra_ips = (0..8)
            .map(|i| format!("10.{}.{}.{}", r.range(0, 40), r.range(0, 255), 10 + i))
            .collect();
        let ipv6 = (0..12)
            .map(|_| {
                format!(
                    "2001:db8:{:x}:{:x}::{:x}",
                    r.range(1, 0xfff),
                    r.range(1, 0xffff),
                    r.range(1, 0xffff)
                )
            })
            .collect();
        let macs = (0..4)
            .map(|_| {
                format!(
                    "52:54:00:{:02x}:{:02x}:{:02x}",
                    r.below(256),
                    r.below(256),
                    r.below(256)
                )
            })
            .collect();
        let mut projects = Vec::new();
        for i in 0..40u64 {
            let group = if r.below(4) == 0 {
                // A personal namespace.
                users[r.below(users.len() as u64) as usize].username.clone()
            } else {
                format!("{org}-{}", r.pick(&["eng", "ops", "sec", "apps", "data"]))
            };
            projects.push((100 + i * 7, format!("{group}/{}", r.pick(WORDS))));
        }
        // Collection time: late 2026, fixed by the seed.
        let collected = 1_795_000_000 + r.below(30 * 86400);
        let stamp = {
            let (y, mo, d, h, mi, s) = civil(collected);
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
        };
        Pools {
            domain,
            fqdn,
            short,
            external,
            db_host,
            redis_host,
            gitaly_hosts,
            users,
            client_ips,
            infra_ips,
            ipv6,
            macs,
            projects,
            stamp,
            collected,
        }
    }
}

/// Calendar date and time of `secs` since the epoch (UTC).
fn civil(secs: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y as u64,
        m as u64,
        d as u64,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const UAS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "git/2.47.0",
    "gitlab-runner 17.5.3 (17-5-stable; go1.22.7; linux/amd64)",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Terraform/1.9.8",
];

const CONTROLLERS: &[(&str, &str, &str, &str)] = &[
    (
        "Projects::MergeRequestsController",
        "show",
        "/-/merge_requests/",
        "code_review_workflow",
    ),
    (
        "Projects::IssuesController",
        "index",
        "/-/issues",
        "team_planning",
    ),
    (
        "Projects::PipelinesController",
        "show",
        "/-/pipelines/",
        "continuous_integration",
    ),
    (
        "Projects::BlobController",
        "show",
        "/-/blob/main/",
        "source_code_management",
    ),
    ("ProjectsController", "show", "", "groups_and_projects"),
    (
        "Projects::JobsController",
        "trace",
        "/-/jobs/",
        "continuous_integration",
    ),
    (
        "Projects::CommitController",
        "show",
        "/-/commit/",
        "source_code_management",
    ),
];

const ROUTES: &[(&str, &str)] = &[
    (
        "/api/:version/projects/:id/merge_requests",
        "merge_requests",
    ),
    ("/api/:version/projects/:id/pipelines", "pipelines"),
    (
        "/api/:version/projects/:id/repository/files/:file_path",
        "repository/files/README.md",
    ),
    ("/api/:version/jobs/request", ""),
    ("/api/:version/projects/:id/issues", "issues"),
    ("/api/:version/internal/allowed", ""),
    (
        "/api/:version/projects/:id/packages/generic/:package_name/*package_version/:file_name",
        "packages/generic/app/1.2.3/app.tar.gz",
    ),
];

const SIDEKIQ_CLASSES: &[(&str, &str)] = &[
    ("PostReceive", "source_code_management"),
    ("PipelineProcessWorker", "continuous_integration"),
    (
        "MergeRequests::UpdateHeadPipelineWorker",
        "code_review_workflow",
    ),
    ("Ci::BuildFinishedWorker", "continuous_integration"),
    ("ProjectCacheWorker", "source_code_management"),
    ("RepositoryUpdateMirrorWorker", "source_code_management"),
    ("NewNoteWorker", "team_planning"),
    ("WebHookWorker", "integrations"),
];

const GITALY_METHODS: &[(&str, &str)] = &[
    ("FindCommit", "CommitService"),
    ("GetBlobs", "BlobService"),
    ("SSHUploadPackWithSidechannel", "SSHService"),
    ("PostUploadPackWithSidechannel", "SmartHTTPService"),
    ("RepositoryExists", "RepositoryService"),
    ("ListCommitsByOid", "CommitService"),
    ("FindDefaultBranchName", "RefService"),
];

const TOKEN: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
const B64: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
const PW: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%^*-_";

/// One file's generator.
struct Gen<'a> {
    r: Rng,
    p: &'a Pools,
    planted: &'a mut PlantedSet,
    now_ms: u64,
    line: String,
}

use PlantedCategory::{Credential, Identity, Network};

impl Gen<'_> {
    /// Record `value` as planted and return it.
    fn plant(&mut self, cat: PlantedCategory, kind: &'static str, value: String) -> String {
        self.planted.add(cat, kind, &value);
        value
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.r.below(one_in) == 0
    }

    fn user(&mut self) -> User {
        let i = self.r.below(self.p.users.len() as u64) as usize;
        // Skewed: a few users make most requests.
        let i = if self.chance(2) { i % 8 } else { i };
        self.p.users[i].clone()
    }

    fn username(&mut self, u: &User) -> String {
        self.plant(Identity, "username", u.username.clone())
    }

    fn client_ip(&mut self) -> String {
        let i = self.r.below(self.p.client_ips.len() as u64) as usize;
        let i = if self.chance(2) { i % 20 } else { i };
        let ip = self.p.client_ips[i].clone();
        self.plant(Network, "ipv4", ip)
    }

    fn infra_ip(&mut self) -> String {
        let ip = self.r.pick(&self.p.infra_ips).clone();
        self.plant(Network, "ipv4", ip)
    }

    fn project(&mut self) -> (u64, String) {
        self.r.pick(&self.p.projects).clone()
    }

    fn external(&mut self) -> String {
        let h = self.p.external.clone();
        self.plant(Network, "hostname", h)
    }

    /// Advance the clock by up to `max_ms` and return it.
    fn tick(&mut self, max_ms: u64) -> u64 {
        self.now_ms += self.r.range(1, max_ms);
        self.now_ms
    }

    fn iso(&self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.now_ms / 1000);
        format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
            self.now_ms % 1000
        )
    }

    fn svlogd(&self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.now_ms / 1000);
        format!(
            "{y:04}-{mo:02}-{d:02}_{h:02}:{mi:02}:{s:02}.{:03}{:02}",
            self.now_ms % 1000,
            (self.now_ms * 7) % 100
        )
    }

    fn nginx_time(&self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.now_ms / 1000);
        format!(
            "{d:02}/{}/{y:04}:{h:02}:{mi:02}:{s:02} +0000",
            MONTHS[mo as usize - 1]
        )
    }

    fn dur(&mut self, max_ms: u64) -> String {
        let ms = self.r.below(max_ms * 1000);
        format!("{}.{:05}", ms / 1000 / 1000, ms % 100_000)
    }

    fn glpat(&mut self) -> String {
        let body = if self.chance(3) {
            // Routable form.
            format!(
                "{}.01.{}",
                self.r.string(TOKEN, 27) + &self.r.alnum(1),
                self.r.string(b"0123456789abcdefghijklmnopqrstuvwxyz", 9)
            )
        } else {
            self.r.alnum(1) + &self.r.string(TOKEN, 18) + &self.r.alnum(1)
        };
        self.plant(Credential, "gitlab_pat", body.clone());
        format!("glpat-{body}")
    }

    fn jwt(&mut self) -> String {
        let v = format!(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6I{}.eyJ{}.{}",
            self.r.string(&TOKEN[..62], 20),
            self.r.string(&TOKEN[..62], 120),
            self.r.string(TOKEN, 86)
        );
        self.plant(Credential, "jwt", v)
    }

    fn password(&mut self, len: usize) -> String {
        let v = self.r.alnum(2) + &self.r.string(PW, len - 2);
        self.plant(Credential, "password", v)
    }

    fn log_line(&mut self, kind: Kind) {
        let l = match kind {
            Kind::Production => self.production(),
            Kind::Api => self.api(),
            Kind::Application => self.application(),
            Kind::Exceptions => self.exception(),
            Kind::Sidekiq => self.sidekiq(),
            Kind::Gitaly => self.gitaly(),
            Kind::Workhorse => self.workhorse(),
            Kind::Nginx => self.nginx(),
            Kind::Shell => self.shell(),
            Kind::Postgres => self.postgres(),
            _ => unreachable!("fixed files have no lines"),
        };
        self.line.push_str(&l);
    }

    fn production(&mut self) -> String {
        self.tick(40);
        let (ctrl, action, suffix, cat) = *self.r.pick(CONTROLLERS);
        let (_, proj) = self.project();
        let (ns, name) = proj.split_once('/').unwrap_or((&proj, ""));
        let n = self.r.range(1, 4000);
        let ip = self.client_ip();
        let anonymous = self.chance(6);
        let status = if self.chance(200) {
            500
        } else if self.chance(30) {
            302
        } else {
            200
        };
        let time = self.iso();
        let cid = self.r.correlation_id();
        let ua = *self.r.pick(UAS);
        let path_tail = if suffix.ends_with('/') {
            format!("{suffix}{n}")
        } else {
            suffix.to_string()
        };
        let mut l = format!(
            r#"{{"method":"GET","path":"/{proj}{path_tail}","format":"html","controller":"{ctrl}","action":"{action}","status":{status},"time":"{time}","params":[{{"key":"namespace_id","value":"{ns}"}},{{"key":"project_id","value":"{name}"}},{{"key":"id","value":"{n}"}}],"remote_ip":"{ip}","#
        );
        let meta_client;
        if anonymous {
            l.push_str(r#""user_id":null,"username":null,"#);
            meta_client = format!("ip/{ip}");
        } else {
            let u = self.user();
            let name = self.username(&u);
            let _ = write!(l, r#""user_id":{},"username":"{name}","#, u.id);
            meta_client = format!("user/{}", u.id);
            let _ = write!(l, r#""meta.user":"{name}","#);
        }
        let _ = write!(
            l,
            r#""ua":"{ua}","correlation_id":"{cid}","meta.caller_id":"{ctrl}#{action}","meta.remote_ip":"{ip}","meta.feature_category":"{cat}","meta.project":"{proj}","meta.root_namespace":"{ns}","meta.client_id":"{meta_client}","request_urgency":"default","target_duration_s":1,"#
        );
        self.plant(Network, "ipv4", ip);
        let _ = write!(
            l,
            r#""redis_calls":{},"redis_duration_s":{},"redis_read_bytes":{},"redis_write_bytes":{},"db_count":{},"db_write_count":{},"db_cached_count":{},"db_replica_count":0,"db_primary_count":{},"db_main_count":{},"db_duration_s":{},"view_duration_s":{},"duration_s":{},"cpu_s":{},"mem_objects":{},"mem_bytes":{},"mem_mallocs":{},"mem_total_bytes":{},"pid":{},"worker_id":"puma_{}","rate_limiting_gates":[]"#,
            self.r.below(60),
            self.dur(1),
            self.r.below(90000),
            self.r.below(3000),
            self.r.below(120),
            self.r.below(4),
            self.r.below(30),
            self.r.below(90),
            self.r.below(90),
            self.dur(2),
            self.dur(3),
            self.dur(6),
            self.dur(2),
            self.r.below(900_000),
            self.r.below(90_000_000),
            self.r.below(300_000),
            self.r.below(120_000_000),
            self.r.range(1000, 60000),
            self.r.below(8),
        );
        if status == 500 {
            let _ = write!(
                l,
                r#","exception.class":"ActiveRecord::QueryCanceled","exception.message":"PG::QueryCanceled: ERROR:  canceling statement due to statement timeout","exception.backtrace":["app/models/merge_request.rb:1422:in `diffs'","app/controllers/projects/merge_requests_controller.rb:98:in `show'"]"#
            );
        }
        l.push('}');
        l
    }

    fn api(&mut self) -> String {
        let mut l = String::new();
        self.tick(30);
        let (route, tail) = *self.r.pick(ROUTES);
        let (pid, proj) = self.project();
        let enc = proj.replace('/', "%2F");
        let path = if route.contains(":id") {
            format!("/api/v4/projects/{enc}/{tail}")
        } else if route.contains("jobs") {
            "/api/v4/jobs/request".to_string()
        } else {
            "/api/v4/internal/allowed".to_string()
        };
        let ip = self.client_ip();
        let remote = if self.chance(5) {
            let ip2 = self.infra_ip();
            format!("{ip}, {ip2}")
        } else {
            ip.clone()
        };
        let u = self.user();
        let name = self.username(&u);
        let host = self.external();
        let time = self.iso();
        let cid = self.r.correlation_id();
        let ua = *self.r.pick(UAS);
        let _ = write!(
            l,
            r#"{{"time":"{time}","severity":"INFO","duration_s":{},"db_duration_s":{},"view_duration_s":{},"status":200,"method":"GET","path":"{path}","params":[{{"key":"private_token","value":"[FILTERED]"}},{{"key":"per_page","value":"100"}}],"host":"{host}","remote_ip":"{remote}","ua":"{ua}","route":"{route}","user_id":{},"username":"{name}","token_type":"PersonalAccessToken","token_id":{},"queue_duration_s":{},"correlation_id":"{cid}","meta.caller_id":"GET {route}","meta.remote_ip":"{ip}","meta.feature_category":"api","meta.user":"{name}","meta.project":"{proj}","meta.root_namespace":"{}","meta.client_id":"user/{}","content_length":"0","request_urgency":"default","target_duration_s":1,"redis_calls":{},"db_count":{},"mem_objects":{},"pid":{},"worker_id":"puma_{}","project_id":{pid}}}"#,
            self.dur(1),
            self.dur(1),
            self.dur(1),
            u.id,
            self.r.range(1, 9000),
            self.dur(1),
            proj.split('/').next().unwrap_or(""),
            u.id,
            self.r.below(40),
            self.r.below(60),
            self.r.below(400_000),
            self.r.range(1000, 60000),
            self.r.below(8),
        );
        l
    }

    fn application(&mut self) -> String {
        let mut l = String::new();
        self.tick(4000);
        let time = self.iso();
        let cid = self.r.correlation_id();
        let u = self.user();
        let msg = match self.r.below(5) {
            0 => {
                let n = self.plant(Identity, "name", u.name.clone());
                let e = self.plant(Identity, "email", u.email.clone());
                format!(r#"User \"{n}\" ({e}) was created"#)
            }
            1 => {
                let name = self.username(&u);
                let ip = self.client_ip();
                format!("Successful Login: username={name} ip={ip} method=standard admin=false")
            }
            2 => {
                let (_, proj) = self.project();
                let name = self.username(&u);
                format!(r#"Project \"{proj}\" was transferred by {name}"#)
            }
            3 => {
                let e = self.plant(Identity, "email", u.email.clone());
                format!("Sent notification email to {e}")
            }
            _ => "Redis::CommandError in ReactiveCachingWorker: retrying".to_string(),
        };
        let _ = write!(
            l,
            r#"{{"severity":"INFO","time":"{time}","correlation_id":"{cid}","meta.caller_id":"Admin::UsersController#create","meta.feature_category":"user_management","message":"{msg}"}}"#
        );
        l
    }

    fn exception(&mut self) -> String {
        let mut l = String::new();
        self.tick(20_000);
        let time = self.iso();
        let cid = self.r.correlation_id();
        let (class, message) = match self.r.below(6) {
            0 => {
                let pw = self.password(16);
                let db = self.p.db_host.clone();
                let db = self.plant(Network, "hostname", db);
                (
                    "PG::ConnectionBad",
                    format!("could not connect to server: postgresql://gitlab:{pw}@{db}:5432/gitlabhq_production"),
                )
            }
            1 => {
                let pw = self.password(20);
                let rh = self.p.redis_host.clone();
                let rh = self.plant(Network, "hostname", rh);
                (
                    "Redis::CannotConnectError",
                    format!("Error connecting to Redis on redis://:{pw}@{rh}:6379 (Redis::CannotConnectError)"),
                )
            }
            2 => {
                let ip = self.infra_ip();
                (
                    "GRPC::Unavailable",
                    format!("14:failed to connect to all addresses; last error: UNKNOWN: ipv4:{ip}:8075: Failed to connect to remote host: Connection refused"),
                )
            }
            3 => {
                let u = self.user();
                let e = self.plant(Identity, "email", u.email.clone());
                (
                    "Net::SMTPFatalError",
                    format!("550 5.1.1 <{e}>: Recipient address rejected: User unknown"),
                )
            }
            _ => (
                "ActiveRecord::StatementInvalid",
                "PG::QueryCanceled: ERROR:  canceling statement due to statement timeout"
                    .to_string(),
            ),
        };
        let _ = write!(
            l,
            r#"{{"severity":"ERROR","time":"{time}","correlation_id":"{cid}","exception.class":"{class}","exception.message":"{message}","exception.backtrace":["lib/gitlab/database/load_balancing/connection_proxy.rb:127:in `public_send'","app/services/projects/update_service.rb:42:in `execute'","lib/gitlab/metrics/instrumentation.rb:161:in `block in execute'"]}}"#
        );
        l
    }

    fn sidekiq(&mut self) -> String {
        let mut l = String::new();
        self.tick(25);
        let (class, cat) = *self.r.pick(SIDEKIQ_CLASSES);
        let (pid, proj) = self.project();
        let u = self.user();
        let name = self.username(&u);
        let time = self.iso();
        let cid = self.r.correlation_id();
        let jid = self.r.hex(24);
        let done = self.chance(2);
        let _ = write!(
            l,
            r#"{{"severity":"INFO","time":"{time}","retry":3,"queue":"default","backtrace":false,"version":0,"queue_namespace":null,"class":"{class}","args":["{pid}","[FILTERED]","[FILTERED]"],"jid":"{jid}","created_at":"{time}","meta.caller_id":"POST /api/:version/internal/post_receive","meta.remote_ip":"{}","meta.feature_category":"{cat}","meta.user":"{name}","meta.project":"{proj}","meta.root_namespace":"{}","meta.client_id":"user/{}","correlation_id":"{cid}","enqueued_at":"{time}","pid":{},"message":"{class} JID-{jid}: {}","job_status":"{}","scheduling_latency_s":{}"#,
            self.client_ip(),
            proj.split('/').next().unwrap_or(""),
            u.id,
            self.r.range(1000, 60000),
            if done { "done" } else { "start" },
            if done { "done" } else { "start" },
            self.dur(1),
        );
        if done {
            let _ = write!(
                l,
                r#","duration_s":{},"cpu_s":{},"db_duration_s":{},"redis_calls":{},"completed_at":"{time}""#,
                self.dur(4),
                self.dur(1),
                self.dur(1),
                self.r.below(40)
            );
            if class == "RepositoryUpdateMirrorWorker" && self.chance(8) {
                let u2 = self.user();
                let (user, pw) = if self.chance(2) {
                    ("oauth2".to_string(), self.glpat())
                } else {
                    (self.username(&u2), self.password(14))
                };
                let _ = write!(
                    l,
                    r#","error_message":"fatal: unable to access 'https://{user}:{pw}@github.com/{proj}.git/': The requested URL returned error: 403""#,
                );
            }
        }
        l.push('}');
        l
    }

    fn gitaly(&mut self) -> String {
        let mut l = String::new();
        self.tick(20);
        let (method, service) = *self.r.pick(GITALY_METHODS);
        let (pid, proj) = self.project();
        let u = self.user();
        let name = self.username(&u);
        let ip = self.client_ip();
        let time = self.iso();
        let cid = self.r.correlation_id();
        let sha = self.r.hex(64);
        let host = self.r.pick(&self.p.gitaly_hosts).clone();
        let host = self.plant(Network, "hostname", host);
        let _ = write!(
            l,
            r#"{{"correlation_id":"{cid}","grpc.code":"OK","grpc.meta.auth_version":"v2","grpc.meta.client_name":"gitlab-web","grpc.meta.deadline_type":"regular","grpc.meta.method_operation":"accessor","grpc.method":"{method}","grpc.request.deadline":"{time}","grpc.request.fullMethod":"/gitaly.{service}/{method}","grpc.request.glProjectPath":"{proj}","grpc.request.glRepository":"project-{pid}","grpc.request.repoPath":"@hashed/{}/{}/{sha}.git","grpc.request.repoStorage":"default","grpc.request.topLevelGroup":"{}","grpc.service":"gitaly.{service}","grpc.start_time":"{time}","grpc.time_ms":{}.{:03},"hostname":"{host}","level":"info","msg":"finished unary call with code OK","peer.address":"{ip}:{}","pid":{},"remote_ip":"{ip}","span.kind":"server","system":"grpc","time":"{time}","user_id":"{}","username":"{name}"}}"#,
            &sha[..2],
            &sha[2..4],
            proj.split('/').next().unwrap_or(""),
            self.r.below(200),
            self.r.below(1000),
            self.r.range(30000, 65000),
            self.r.range(1000, 60000),
            u.id,
        );
        l
    }

    fn workhorse(&mut self) -> String {
        let mut l = String::new();
        self.tick(15);
        let (_, proj) = self.project();
        let ip = self.client_ip();
        let host = self.external();
        let time = self.iso();
        let cid = self.r.correlation_id();
        let ua = *self.r.pick(UAS);
        let uri = match self.r.below(10) {
            0 => format!("/{proj}/-/jobs/{}/trace.json?state=", self.r.range(1, 90000)),
            1 => "/api/v4/jobs/request".to_string(),
            2 => format!(
                "/api/v4/projects/{}/packages/generic/app/1.2.3/app.tar.gz?private_token=[FILTERED]",
                self.r.range(1, 900)
            ),
            _ => format!("/{proj}/-/merge_requests/{}", self.r.range(1, 4000)),
        };
        let mut extra = String::new();
        if self.chance(400) {
            // A CI job's JWT echoed by an integration.
            let jwt = self.jwt();
            let _ = write!(extra, r#","ci_id_token":"{jwt}""#);
        }
        let _ = write!(
            l,
            r#"{{"content_type":"application/json","correlation_id":"{cid}","duration_ms":{},"host":"{host}","level":"info","method":"GET","msg":"access","proto":"HTTP/1.1","referrer":"https://{host}/{proj}","remote_addr":"{ip}:0","remote_ip":"{ip}","route":"^/api/v4/jobs/request\\z","status":200,"system":"http","time":"{time}","ttfb_ms":{},"uri":"{uri}","user_agent":"{ua}","written_bytes":{}{extra}}}"#,
            self.r.below(3000),
            self.r.below(1000),
            self.r.below(90000),
        );
        self.external();
        l
    }

    fn nginx(&mut self) -> String {
        let mut l = String::new();
        self.tick(10);
        let ip = self.client_ip();
        let time = self.nginx_time();
        let (_, proj) = self.project();
        let ua = *self.r.pick(UAS);
        let (user, uri) = match self.r.below(60) {
            0..=9 => {
                let u = self.user();
                (
                    self.username(&u),
                    format!("/{proj}.git/info/refs?service=git-upload-pack"),
                )
            }
            10 => {
                let t = self.r.alnum(20);
                let t = self.plant(Credential, "job_token", t);
                (
                    "-".to_string(),
                    format!(
                        "/api/v4/projects/{}/packages/generic/app/1.0/a.zip?job_token={t}",
                        self.r.range(1, 900)
                    ),
                )
            }
            11 => {
                let t = self.r.alnum(1) + &self.r.string(TOKEN, 18) + &self.r.alnum(1);
                let t = self.plant(Credential, "gitlab_feed_token", t);
                (
                    "-".to_string(),
                    format!("/dashboard/issues.atom?feed_token=glft-{t}&state=opened"),
                )
            }
            12 => (
                "-".to_string(),
                "/api/v4/projects?private_token=[FILTERED]&per_page=100".to_string(),
            ),
            _ => ("-".to_string(), format!("/{proj}/-/merge_requests")),
        };
        let host = self.external();
        let _ = write!(
            l,
            r#"{ip} - {user} [{time}] "GET {uri} HTTP/1.1" 200 {} "https://{host}/{proj}" "{ua}" -"#,
            self.r.below(90000)
        );
        l
    }

    fn shell(&mut self) -> String {
        let mut l = String::new();
        self.tick(200);
        let (pid, proj) = self.project();
        let u = self.user();
        let name = self.username(&u);
        let ip = self.client_ip();
        let time = self.iso();
        let cid = self.r.ulid();
        let _ = write!(
            l,
            r#"{{"command":"git-upload-pack","correlation_id":"{cid}","git_protocol":"version=2","gl_key_id":{},"gl_key_type":"key","gl_project_path":"{proj}","gl_repository":"project-{pid}","level":"info","msg":"executing git command","remote_ip":"{ip}","time":"{time}","user_id":"user-{}","username":"{name}"}}"#,
            self.r.range(1, 900),
            u.id
        );
        l
    }

    fn postgres(&mut self) -> String {
        let mut l = String::new();
        self.tick(100);
        let pre = self.svlogd();
        let pid = self.r.range(1000, 60000);
        match self.r.below(40) {
            0..=3 => {
                let ip = self.infra_ip();
                let _ = write!(
                    l,
                    "{pre} LOG:  connection received: host={ip} port={}",
                    self.r.range(30000, 65000)
                );
            }
            4 if self.chance(20) => {
                let pw = self.password(16);
                let _ = write!(
                    l,
                    "{pre} LOG:  statement: ALTER ROLE gitlab_replicator WITH ENCRYPTED PASSWORD '{pw}'"
                );
            }
            5..=8 => {
                let _ = write!(
                    l,
                    "{pre} ERROR:  canceling statement due to statement timeout\n{pre} STATEMENT:  SELECT \"merge_requests\".* FROM \"merge_requests\" WHERE \"merge_requests\".\"target_project_id\" = {pid} ORDER BY \"merge_requests\".\"id\" DESC LIMIT 20"
                );
            }
            _ => {
                let _ = write!(
                    l,
                    "{pre} LOG:  duration: {}.{:03} ms  execute <unnamed>: SELECT \"projects\".* FROM \"projects\" WHERE \"projects\".\"id\" = $1 LIMIT $2",
                    self.r.range(1000, 9000),
                    self.r.below(1000)
                );
            }
        }
        l
    }

    /// Fixed files: command outputs and configuration.
    fn fixed(&mut self, kind: Kind) -> Option<String> {
        let p = self.p;
        let mut s = String::new();
        match kind {
            Kind::GitlabRb => {
                let ext = self.external();
                let db_pw = self.password(18);
                let db = self.plant(Network, "hostname", p.db_host.clone());
                let redis_pw = self.password(20);
                let smtp_user = self.plant(Identity, "email", format!("smtp-relay@{}", p.domain));
                let smtp_pw = self.password(16);
                let runner_tok = self.r.alnum(20);
                let runner_tok = self.plant(Credential, "runner_registration_token", runner_tok);
                let aws_id = format!(
                    "AKIA{}",
                    self.r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
                );
                let aws_id = self.plant(Credential, "aws_access_key_id", aws_id);
                let aws_secret = self.r.string(B64, 40);
                let aws_secret = self.plant(Credential, "aws_secret_access_key", aws_secret);
                let ldap_pw = self.password(14);
                let gitaly_tok = self.password(24);
                let from = self.plant(Identity, "email", format!("gitlab@{}", p.domain));
                let _ = write!(
                    s,
                    "## GitLab configuration settings\n##! Docs: https://docs.gitlab.com/omnibus/settings/configuration.html\n\nexternal_url 'https://{ext}'\n\ngitlab_rails['gitlab_email_from'] = '{from}'\ngitlab_rails['time_zone'] = 'UTC'\n\n### Database\ngitlab_rails['db_adapter'] = \"postgresql\"\ngitlab_rails['db_host'] = \"{db}\"\ngitlab_rails['db_port'] = 5432\ngitlab_rails['db_password'] = \"{db_pw}\"\n\n### Redis\nredis['password'] = '{redis_pw}'\ngitlab_rails['redis_password'] = '{redis_pw}'\n\n### SMTP\ngitlab_rails['smtp_enable'] = true\ngitlab_rails['smtp_address'] = \"smtp.{}\"\ngitlab_rails['smtp_user_name'] = \"{smtp_user}\"\ngitlab_rails['smtp_password'] = \"{smtp_pw}\"\n\ngitlab_rails['initial_shared_runners_registration_token'] = \"{runner_tok}\"\n\ngitlab_rails['object_store']['enabled'] = true\ngitlab_rails['object_store']['connection'] = {{\n  'provider' => 'AWS',\n  'region' => 'us-gov-west-1',\n  'aws_access_key_id' => '{aws_id}',\n  'aws_secret_access_key' => '{aws_secret}'\n}}\n\ngitlab_rails['ldap_enabled'] = true\ngitlab_rails['ldap_servers'] = YAML.load <<-'EOS'\n  main:\n    label: 'LDAP'\n    host: 'ldap.{}'\n    port: 636\n    bind_dn: 'CN=svc-gitlab,OU=Service Accounts,DC={},DC=local'\n    password: '{ldap_pw}'\n    encryption: 'simple_tls'\nEOS\n\ngitaly['configuration'] = {{\n  auth: {{ token: '{gitaly_tok}' }},\n}}\ngitlab_rails['trusted_proxies'] = ['{}', '{}']\n",
                    p.domain,
                    p.domain,
                    p.domain.split('.').next().unwrap_or(""),
                    self.infra_ip(),
                    self.infra_ip(),
                );
            }
            Kind::Hostname => {
                let h = self.plant(Network, "hostname", p.fqdn.clone());
                let _ = writeln!(s, "{h}");
            }
            Kind::Status => {
                for (i, svc) in [
                    "alertmanager",
                    "gitaly",
                    "gitlab-exporter",
                    "gitlab-kas",
                    "gitlab-workhorse",
                    "logrotate",
                    "nginx",
                    "node-exporter",
                    "postgres-exporter",
                    "postgresql",
                    "prometheus",
                    "puma",
                    "redis",
                    "redis-exporter",
                    "sidekiq",
                ]
                .iter()
                .enumerate()
                {
                    let _ = writeln!(
                        s,
                        "run: {svc}: (pid {}) 86400s; run: log: (pid {}) 86400s",
                        4000 + i * 17,
                        3900 + i
                    );
                }
            }
            Kind::Manifest => {
                s.push_str("{\n  \"manifest_format\": 2,\n  \"software\": {\n");
                for i in 0..120 {
                    let sha = self.r.hex(40);
                    let _ = writeln!(
                        s,
                        "    \"component-{i}\": {{\n      \"locked_version\": \"{sha}\",\n      \"locked_source\": {{ \"git\": \"https://gitlab.com/gitlab-org/build/omnibus-mirror/component-{i}.git\" }},\n      \"source_type\": \"git\",\n      \"described_version\": \"v{}.{}.{}\",\n      \"display_version\": \"{}.{}.{}\",\n      \"vendor\": null,\n      \"license\": \"MIT\"\n    }},",
                        i % 7, i % 13, i % 5, i % 7, i % 13, i % 5
                    );
                }
                s.push_str("    \"gitlab-rails\": { \"display_version\": \"17.5.2-ee\" }\n  },\n  \"build_version\": \"17.5.2-ee.0\",\n  \"build_git_revision\": \"7a6c1e0f3b2d\"\n}\n");
            }
            Kind::DfHt => {
                s.push_str("Filesystem     Type      Size  Used Avail Use% Mounted on\n/dev/vda1      ext4       97G   41G   52G  45% /\ntmpfs          tmpfs     7.8G     0  7.8G   0% /dev/shm\n/dev/vdb1      xfs       500G  212G  289G  43% /var/opt/gitlab\n");
                let ip = self.infra_ip();
                let _ = writeln!(
                    s,
                    "{ip}:/export/git-data nfs4  2.0T  1.1T  0.9T  55% /var/opt/gitlab/git-data"
                );
            }
            Kind::FreeM => {
                s.push_str("               total        used        free      shared  buff/cache   available\nMem:           15987        9123        1048         512        5816        6012\nSwap:           2047          12        2035\n");
            }
            Kind::Ifconfig => {
                let ip = self.infra_ip();
                let mac = self.r.pick(&p.macs).clone();
                let mac = self.plant(Network, "mac", mac);
                let v6 = self.r.pick(&p.ipv6).clone();
                let v6 = self.plant(Network, "ipv6", v6);
                let _ = write!(
                    s,
                    "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet {ip}  netmask 255.255.255.0  broadcast 10.0.0.255\n        inet6 {v6}  prefixlen 64  scopeid 0x0<global>\n        ether {mac}  txqueuelen 1000  (Ethernet)\n        RX packets 93843243  bytes 81273648124 (75.6 GiB)\n\nlo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        loop  txqueuelen 1000  (Local Loopback)\n"
                );
            }
            Kind::IpAddress => {
                s.push_str("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n");
                for i in 0..p.macs.len() {
                    let mac = self.plant(Network, "mac", p.macs[i].clone());
                    let ip = self.infra_ip();
                    let v6 = self.plant(Network, "ipv6", p.ipv6[i].clone());
                    let _ = write!(
                        s,
                        "{}: eth{i}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n    inet {ip}/24 brd 10.0.0.255 scope global eth{i}\n    inet6 {v6}/64 scope global\n",
                        i + 2
                    );
                }
            }
            Kind::Ps => {
                s.push_str("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\nroot           1  0.0  0.1 169348 13044 ?        Ss   Nov19   0:12 /sbin/init\ngit         4242  3.1  8.2 2471232 1340212 ?     Sl   Nov19  43:11 puma 6.4.3 (unix:///var/opt/gitlab/gitlab-rails/sockets/gitlab.socket,tcp://127.0.0.1:8080) [gitlab-puma-worker]\ngit         4301 12.4 10.1 2871232 1640212 ?     Sl   Nov19 143:11 sidekiq 7.2.4 queues:default,mailers [0 of 20 busy]\n");
                let pw = self.password(16);
                let db = self.plant(Network, "hostname", p.db_host.clone());
                let _ = writeln!(s, "root       91234  0.0  0.0   8324  3412 pts/0    S+   13:40   0:00 sh -c PGPASSWORD={pw} /opt/gitlab/embedded/bin/pg_dump -h {db} -U gitlab gitlabhq_production");
                let pat = self.glpat();
                let ext = self.external();
                let _ = writeln!(s, "deploy     91230  0.0  0.0   8324  3412 pts/2    S+   13:40   0:00 curl -s --header PRIVATE-TOKEN: {pat} https://{ext}/api/v4/projects?per_page=100");
                let pw = self.password(16);
                let ip = self.infra_ip();
                let _ = writeln!(s, "root       91240  0.0  0.0   8324  3412 pts/1    S+   13:41   0:00 /opt/gitlab/embedded/bin/redis-cli -h {ip} --pass {pw} ping");
            }
            Kind::Uname => {
                let h = self.plant(Network, "hostname", p.fqdn.clone());
                let _ = writeln!(s, "Linux {h} 5.14.0-427.13.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024 x86_64 x86_64 x86_64 GNU/Linux");
            }
            Kind::OsRelease => {
                s.push_str("NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.4 (Plow)\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n");
            }
            Kind::Fstab => {
                let ip = self.infra_ip();
                let _ = write!(s, "/dev/mapper/rhel-root /  xfs defaults 0 0\nUUID=3f1c9a7e-5b2d-4c6e-8a0b-1d3f5c7e9a2b /boot xfs defaults 0 0\n{ip}:/export/git-data /var/opt/gitlab/git-data nfs4 defaults,_netdev 0 0\n");
            }
            Kind::Messages => {
                self.now_ms = (p.collected - 3600) * 1000;
                for _ in 0..200 {
                    self.tick(20_000);
                    let (_, mo, d, h, mi, sec) = civil(self.now_ms / 1000);
                    let when = format!("{} {d:2} {h:02}:{mi:02}:{sec:02}", MONTHS[mo as usize - 1]);
                    let short = p.short.clone();
                    if self.chance(3) {
                        let u = self.user();
                        let name = self.username(&u);
                        let ip = self.client_ip();
                        let _ = writeln!(s, "{when} {short} sshd[{}]: Accepted publickey for {name} from {ip} port {} ssh2: ED25519 SHA256:{}", self.r.range(1000, 60000), self.r.range(30000, 65000), self.r.string(B64, 43));
                    } else {
                        let _ = writeln!(
                            s,
                            "{when} {short} systemd[1]: Started Session {} of User git.",
                            self.r.range(1, 9000)
                        );
                    }
                }
            }
            _ => return None,
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        // 2026-11-20T13:44:10Z
        assert_eq!(civil(1_795_182_250), (2026, 11, 20, 13, 44, 10));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
    }
}
