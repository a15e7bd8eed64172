//! The bundle's own description of the host: GitLab version (version
//! manifest), services (`gitlab_status`), CPU, memory and disks (`cpuinfo`,
//! `free_m`, `df_hT`), OS and kernel. Read from the small command outputs
//! that gitlabsos collects, recognised by file name.

use serde::Serialize;

/// Which fact file a path is, by its last component(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactFile {
    VersionManifestTxt,
    VersionManifestJson,
    GitlabStatus,
    FreeM,
    DfHt,
    Cpuinfo,
    Meminfo,
    Hostname,
    Uname,
    OsRelease,
    GitlabRb,
    Uptime,
}

pub fn fact_file(path: &str) -> Option<FactFile> {
    let file = path.rsplit('/').next().unwrap_or(path);
    Some(match file {
        "version-manifest.txt" => FactFile::VersionManifestTxt,
        "version-manifest.json" => FactFile::VersionManifestJson,
        "gitlab_status" => FactFile::GitlabStatus,
        "free_m" => FactFile::FreeM,
        "df_hT" | "df_h" => FactFile::DfHt,
        "cpuinfo" => FactFile::Cpuinfo,
        "meminfo" => FactFile::Meminfo,
        "hostname" => FactFile::Hostname,
        "uname" => FactFile::Uname,
        "os-release" | "os_release" => FactFile::OsRelease,
        "gitlab.rb" => FactFile::GitlabRb,
        "uptime" => FactFile::Uptime,
        _ => return None,
    })
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Service {
    pub name: String,
    /// `run`, `down`, `fail`, `finish`.
    pub state: String,
    pub uptime_s: Option<u64>,
    /// `normally up, want up` and similar notes.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Disk {
    pub filesystem: String,
    pub fstype: String,
    pub size: String,
    pub used: String,
    pub avail: String,
    pub use_pct: Option<u32>,
    pub mount: String,
}

/// Facts read from the bundle. Strings here are raw: the report sanitizes.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub gitlab_version: Option<String>,
    pub services: Vec<Service>,
    pub cpus: Option<u32>,
    pub cpu_model: Option<String>,
    pub mem_total_mb: Option<u64>,
    pub mem_used_mb: Option<u64>,
    pub mem_available_mb: Option<u64>,
    pub swap_total_mb: Option<u64>,
    pub swap_used_mb: Option<u64>,
    pub disks: Vec<Disk>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    /// The host's name (`hostname` file): never printed; taught to the
    /// sanitizer.
    pub hostname: Option<String>,
    /// What `gitlab.rb` says of the topology, as fixed labels (`Praefect`,
    /// `external PostgreSQL`, `Geo secondary`, …): never a value from the
    /// file, which holds host names and secrets.
    pub topology: Vec<&'static str>,
    /// PostgreSQL versions the Omnibus package ships (`postgresql`,
    /// `postgresql_new`, … in the version manifest), as `name version`.
    pub postgresql: Vec<String>,
    /// The version PostgreSQL's own log says it started as (the last
    /// start), with the file and line that say it.
    pub postgresql_running: Option<(String, String, u64)>,
    /// `uptime` output without its clock: `up 12 days, 3:05, load average
    /// 0.50, 0.40, 0.30`.
    pub uptime: Option<String>,
}

impl Facts {
    pub fn read(&mut self, which: FactFile, text: &str) {
        match which {
            FactFile::VersionManifestTxt => {
                if let Some(first) = text.lines().next() {
                    self.gitlab_version
                        .get_or_insert_with(|| first.trim().to_string());
                }
                // `postgresql    14.11    <guid>` component rows.
                for l in text.lines() {
                    let mut f = l.split_whitespace();
                    if let (Some(name), Some(ver)) = (f.next(), f.next()) {
                        if is_postgresql(name) && ver.starts_with(|c: char| c.is_ascii_digit()) {
                            self.add_postgresql(name, ver);
                        }
                    }
                }
            }
            FactFile::VersionManifestJson => {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
                    let ver = v
                        .get("build_version")
                        .or_else(|| v.get("version"))
                        .and_then(|x| x.as_str());
                    let sw = v
                        .get("software")
                        .and_then(|x| x.as_str())
                        .or_else(|| v.get("name").and_then(|x| x.as_str()));
                    if let Some(ver) = ver {
                        let s = match sw {
                            Some(sw) => format!("{sw} {ver}"),
                            None => ver.to_string(),
                        };
                        self.gitlab_version.get_or_insert(s);
                    }
                    if let Some(sw) = v.get("software").and_then(|x| x.as_object()) {
                        for (name, c) in sw {
                            let ver = c
                                .get("display_version")
                                .or_else(|| c.get("described_version"))
                                .and_then(|x| x.as_str());
                            if let (true, Some(ver)) = (is_postgresql(name), ver) {
                                self.add_postgresql(name, ver);
                            }
                        }
                    }
                }
            }
            FactFile::GitlabStatus => self.services = parse_status(text),
            FactFile::FreeM => {
                for l in text.lines() {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    let n = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
                    match f.first().copied() {
                        Some("Mem:") => {
                            self.mem_total_mb = n(1);
                            self.mem_used_mb = n(2);
                            self.mem_available_mb = n(6).or(n(3));
                        }
                        Some("Swap:") => {
                            self.swap_total_mb = n(1);
                            self.swap_used_mb = n(2);
                        }
                        _ => {}
                    }
                }
            }
            FactFile::DfHt => self.disks = parse_df(text),
            FactFile::Cpuinfo => {
                let n = text.lines().filter(|l| l.starts_with("processor")).count();
                if n > 0 {
                    self.cpus = Some(n as u32);
                }
                self.cpu_model = text
                    .lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, m)| m.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            FactFile::Meminfo => {
                for l in text.lines() {
                    let kb = |l: &str| {
                        l.split_whitespace()
                            .nth(1)
                            .and_then(|s| s.parse::<u64>().ok())
                            .map(|k| k / 1024)
                    };
                    if l.starts_with("MemTotal:") && self.mem_total_mb.is_none() {
                        self.mem_total_mb = kb(l);
                    } else if l.starts_with("MemAvailable:") && self.mem_available_mb.is_none() {
                        self.mem_available_mb = kb(l);
                    }
                }
            }
            FactFile::Hostname => {
                let h = text.trim();
                if !h.is_empty() {
                    self.hostname = Some(h.to_string());
                }
            }
            FactFile::Uname => {
                // `Linux host 5.15.0-91-generic #101-Ubuntu SMP … x86_64`: the
                // second field is the host name, which we do not print.
                let f: Vec<&str> = text.split_whitespace().collect();
                if f.len() >= 3 {
                    self.kernel = Some(format!("{} {}", f[0], f[2]));
                    if self.hostname.is_none() {
                        self.hostname = Some(f[1].to_string());
                    }
                }
            }
            FactFile::GitlabRb => self.topology = topology(text),
            FactFile::Uptime => self.uptime = parse_uptime(text),
            FactFile::OsRelease => {
                self.os = text
                    .lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_string());
            }
        }
    }
}

impl Facts {
    fn add_postgresql(&mut self, name: &str, ver: &str) {
        let s = format!("{name} {}", ver.trim_start_matches('v'));
        if !self.postgresql.contains(&s) {
            self.postgresql.push(s);
            self.postgresql.sort();
        }
    }
}

/// A version-manifest component that is a PostgreSQL server build
/// (`postgresql`, `postgresql_new`, `postgresql_old`, `postgresql_13`), not
/// a client library or extension (`postgresql-client`, `pg-query`).
fn is_postgresql(name: &str) -> bool {
    name == "postgresql"
        || name
            .strip_prefix("postgresql_")
            .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `uptime` output (` 13:44:10 up 12 days,  3:05,  2 users,  load average:
/// 0.50, 0.40, 0.30`) as `up 12 days, 3:05, load average 0.50, 0.40, 0.30`:
/// the clock and the user count are dropped.
pub fn parse_uptime(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(" up "))?;
    let (_, rest) = line.split_once(" up ")?;
    let (up, load) = match rest.split_once("load average") {
        Some((u, l)) => (u, Some(l.trim_start_matches([':', ' ']).trim())),
        None => (rest, None),
    };
    let parts: Vec<&str> = up
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.ends_with("user") && !p.ends_with("users"))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut s = format!("up {}", parts.join(", "));
    if let Some(l) = load.filter(|l| !l.is_empty()) {
        s.push_str(&format!(", load average {l}"));
    }
    Some(s)
}

/// Topology hints of a `gitlab.rb`: settings that say which services run
/// elsewhere or which role the node has. Commented lines are ignored; only
/// the labels are kept.
pub fn topology(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        let hints: &[(&str, &'static str)] = &[
            ("praefect['enable']=true", "Praefect (Gitaly Cluster)"),
            ("gitaly['enable']=false", "Gitaly on other nodes"),
            ("postgresql['enable']=false", "external PostgreSQL"),
            ("patroni['enable']=true", "Patroni"),
            ("redis['enable']=false", "external Redis"),
            ("gitlab_rails['redis_host']=", "external Redis"),
            ("gitlab_rails['redis_sentinels']=", "Redis Sentinel"),
            ("geo_primary_role['enable']=true", "Geo primary"),
            ("geo_secondary_role['enable']=true", "Geo secondary"),
            ("roles['geo_primary_role'", "Geo primary"),
            ("roles['geo_secondary_role'", "Geo secondary"),
            ("consul['enable']=true", "Consul"),
            ("pgbouncer['enable']=true", "PgBouncer"),
        ];
        for (needle, label) in hints {
            if compact.contains(needle) && !out.contains(label) {
                out.push(*label);
            }
        }
        if let Some(v) = compact.strip_prefix("gitlab_rails['db_host']=") {
            let v = v.trim_matches(['\'', '"']);
            let local = v.is_empty()
                || v.starts_with('/')
                || v == "localhost"
                || v.starts_with("127.")
                || v == "::1";
            if !local && !out.contains(&"external PostgreSQL") {
                out.push("external PostgreSQL");
            }
        }
    }
    out
}

/// `gitlab-ctl status` output.
pub fn parse_status(text: &str) -> Vec<Service> {
    let mut out = Vec::new();
    for line in text.lines() {
        // Only the part before `; run: log:` describes the service itself.
        let main = line.split(';').next().unwrap_or("").trim();
        let mut parts = main.splitn(3, ": ");
        let (Some(state), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !matches!(state, "run" | "down" | "fail" | "finish" | "warning") {
            continue;
        }
        let rest = parts.next().unwrap_or("");
        let uptime = rest
            .split_whitespace()
            .find_map(|w| w.trim_end_matches(',').strip_suffix('s'))
            .and_then(|n| n.parse::<u64>().ok());
        let note = rest
            .split_once(", ")
            .map(|(_, n)| n.trim().to_string())
            .filter(|n| !n.is_empty());
        out.push(Service {
            name: name.trim().to_string(),
            state: state.to_string(),
            uptime_s: uptime,
            note,
        });
    }
    out
}

/// `df -hT` output.
pub fn parse_df(text: &str) -> Vec<Disk> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 7 {
            continue;
        }
        if matches!(
            f[1],
            "tmpfs" | "devtmpfs" | "overlay" | "squashfs" | "proc" | "sysfs"
        ) {
            continue;
        }
        out.push(Disk {
            filesystem: f[0].to_string(),
            fstype: f[1].to_string(),
            size: f[2].to_string(),
            used: f[3].to_string(),
            avail: f[4].to_string(),
            use_pct: f[5].trim_end_matches('%').parse().ok(),
            mount: f[6..].join(" "),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_df() {
        let s = parse_status(
            "run: puma: (pid 4242) 86400s; run: log: (pid 3990) 86400s\ndown: sidekiq: 0s, normally up, want up; run: log: (pid 3992) 86400s\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "puma");
        assert_eq!(s[0].uptime_s, Some(86400));
        assert_eq!(s[1].state, "down");
        assert_eq!(s[1].note.as_deref(), Some("normally up, want up"));
        let d = parse_df("Filesystem      Type  Size  Used Avail Use% Mounted on\n/dev/vda1       ext4   50G   21G   27G  44% /\ntmpfs tmpfs 1G 0 1G 0% /run\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].use_pct, Some(44));
        assert_eq!(d[0].mount, "/");
    }

    #[test]
    fn postgresql_versions_and_uptime() {
        let mut f = Facts::default();
        f.read(
            FactFile::VersionManifestTxt,
            "gitlab-ee 17.5.2\n\nComponent  Installed Version  Version GUID\n--------\npostgresql  14.11  sha1:abc\npostgresql_new  16.4  sha1:def\npostgresql-client  14.11  x\npgbouncer  1.23.1  y\n",
        );
        assert_eq!(f.postgresql, ["postgresql 14.11", "postgresql_new 16.4"]);
        let mut j = Facts::default();
        j.read(
            FactFile::VersionManifestJson,
            r#"{"build_version":"17.5.2","software":{"postgresql":{"display_version":"14.11"},"pg-query":{"display_version":"1.0"}}}"#,
        );
        assert_eq!(j.postgresql, ["postgresql 14.11"]);
        assert_eq!(
            parse_uptime(
                " 13:44:10 up 12 days,  3:05,  2 users,  load average: 0.50, 0.40, 0.30\n"
            )
            .as_deref(),
            Some("up 12 days, 3:05, load average 0.50, 0.40, 0.30")
        );
        assert_eq!(
            parse_uptime(" 09:01:02 up 5 min,  1 user,  load average: 1.00, 0.20, 0.10").as_deref(),
            Some("up 5 min, load average 1.00, 0.20, 0.10")
        );
        assert_eq!(parse_uptime("garbage"), None);
    }

    #[test]
    fn topology_labels_from_gitlab_rb() {
        let t = topology(
            "# praefect['enable'] = true\ngitlab_rails['db_host'] = 'db1.corp'\nredis['enable'] = false\nroles ['geo_secondary_role']\n",
        );
        assert_eq!(
            t,
            ["external PostgreSQL", "external Redis", "Geo secondary"]
        );
        assert!(topology("gitlab_rails['db_host'] = '/var/opt/gitlab/postgresql'\n").is_empty());
    }
}
