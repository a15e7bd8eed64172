//! A gitlabsos-like bundle with planted secrets and identifiers in every
//! context of `shared/reference/gitlab.md`, generated from a seed, and an
//! independent reader (tar/flate2 directly, not airlock's bundle module) that
//! flattens any output for assertions.

use std::io::{Read, Write};

use airlock::corpus::Rng;
use flate2::write::GzEncoder;
use flate2::Compression;

/// A planted value and where it hides (for failure messages).
#[derive(Clone, Debug)]
pub struct Planted {
    pub value: String,
    pub what: &'static str,
}

pub struct TestBundle {
    /// `gitlabsos.<host>_<timestamp>`
    pub top: String,
    /// (path under `top`, content)
    pub files: Vec<(String, Vec<u8>)>,
    /// Must not survive anywhere.
    pub planted: Vec<Planted>,
    /// Must survive (troubleshooting values).
    pub survivors: Vec<String>,
    /// Identifiers that occur in more than one file (IPv4 addresses).
    pub shared_ips: Vec<String>,
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A tar.gz of `(name, content)` entries.
pub fn tar_gz(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o640);
        h.set_mtime(1_763_646_250);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

pub fn gitlabsos(seed: u64) -> TestBundle {
    let mut r = Rng::new(seed);
    let mut planted = Vec::new();
    let mut plant = |value: String, what: &'static str| {
        planted.push(Planted {
            value: value.clone(),
            what,
        });
        value
    };

    let domain_label = plant(
        format!("acme{}-gov", r.alnum(4).to_lowercase()),
        "domain label",
    );
    let domain = plant(format!("{domain_label}.us"), "domain");
    let short = plant(format!("glprd{}", r.range(10, 99)), "short host name");
    let fqdn = plant(format!("{short}.{domain}"), "host name");
    let db_host = plant(format!("dbprimary{}.{domain}", r.range(1, 9)), "db host");
    let ldap_host = plant(format!("dirsrv{}.{domain}", r.range(1, 9)), "ldap host");
    let users: Vec<String> = (0..3)
        .map(|_| plant(r.username() + &r.alnum(2).to_lowercase(), "user name"))
        .collect();
    let person = plant(format!("Jane{} Q. Doe", r.alnum(3)), "person name");
    let email = plant(format!("{}.doe@{domain}", users[1]), "email");
    let ips: Vec<String> = (0..4).map(|_| plant(r.ipv4(), "ipv4")).collect();
    let pub_ip = plant(format!("198.51.100.{}", r.range(2, 250)), "public ipv4");
    let v6 = plant(
        format!(
            "fd12:3456:{:x}:1::{:x}",
            r.range(0x100, 0xfff),
            r.range(0x10, 0xff)
        ),
        "ipv6",
    );
    let mac = plant(
        (0..6)
            .map(|i| if i == 0 { "52".to_string() } else { r.hex(2) })
            .collect::<Vec<_>>()
            .join(":"),
        "mac",
    );

    let pat = plant(format!("glpat-{}", r.alnum(20)), "glpat token");
    let job_token = plant(r.alnum(20), "legacy job token in nginx URL");
    let feed_token = plant(r.alnum(20), "feed token in workhorse uri");
    let runner = plant(format!("glrt-{}", r.alnum(20)), "runner token");
    let db_pw = plant(format!("Db{}!", r.alnum(12)), "gitlab.rb db_password");
    let smtp_pw = plant(format!("Smtp{}", r.alnum(12)), "gitlab.rb smtp_password");
    let ldap_pw = plant(
        format!("Ldap{}", r.alnum(12)),
        "ldap password in YAML heredoc",
    );
    let aws_secret = plant(r.alnum(40), "aws secret in gitlab.rb hash");
    let gitaly_token = plant(format!("gtk{}", r.alnum(16)), "gitaly token symbol form");
    let skb = plant(r.hex(128), "secret_key_base");
    let pem_line = plant(r.alnum(64), "PEM body in secrets JSON");
    let url_pw = plant(format!("Pg{}", r.alnum(12)), "password in exception URL");
    let pg_pw = plant(format!("Pgp{}", r.alnum(10)), "PGPASSWORD in ps");
    let redis_pw = plant(format!("Rds{}", r.alnum(10)), "redis --pass in ps");
    let sql_pw = plant(format!("Sql{}", r.alnum(10)), "SQL PASSWORD");
    let session = plant(r.hex(32), "session cookie");
    let mirror_pw = plant(
        format!("Mir{}", r.alnum(10)),
        "mirror URL password (percent-encoded)",
    );

    let cid = r.correlation_id();
    let ulid = r.ulid();
    let jid = r.hex(24);
    let sha = r.hex(40);
    let survivors = vec![
        cid.clone(),
        ulid.clone(),
        jid.clone(),
        sha.clone(),
        "\"duration_s\":0.412".to_string(),
        "\"status\":500".to_string(),
        "16.11.2-ee".to_string(),
        "[FILTERED]".to_string(),
        "Projects::MergeRequestsController".to_string(),
        "run: puma: (pid 4301) 86398s".to_string(),
    ];
    let (u0, u1, u2) = (&users[0], &users[1], &users[2]);
    let (ip0, ip1, ip2, ip3) = (&ips[0], &ips[1], &ips[2], &ips[3]);

    let production = format!(
        concat!(
            r#"{{"method":"GET","path":"/{u0}/platform/-/merge_requests/12","format":"html","controller":"Projects::MergeRequestsController","action":"show","status":200,"time":"2026-11-20T13:44:10.381Z","params":[{{"key":"private_token","value":"[FILTERED]"}}],"remote_ip":"{ip0}","user_id":42,"username":"{u0}","meta.user":"{u0}","meta.client_id":"ip/{ip0}","correlation_id":"{cid}","duration_s":0.412,"db_duration_s":0.08}}"#,
            "\n",
            r#"{{"method":"POST","path":"/api/v4/projects/7/repository/commits/{sha}","status":500,"time":"2026-11-20T13:44:12.002Z","remote_ip":"{ip1}, {pub_ip}","username":"{u1}","correlation_id":"{ulid}","exception.class":"PG::ConnectionBad","exception.message":"could not connect: postgresql://gitlab:{url_pw}@{db_host}:5432/gitlabhq_production","duration_s":3.2}}"#,
            "\n",
            "Started GET \"/{u2}/x\" for {ip2} at 2026-11-20 13:44:10 +0000\n",
        ),
        u0 = u0,
        u1 = u1,
        u2 = u2,
        ip0 = ip0,
        ip1 = ip1,
        ip2 = ip2,
        pub_ip = pub_ip,
        cid = cid,
        ulid = ulid,
        sha = sha,
        url_pw = url_pw,
        db_host = db_host
    );
    let api = format!(
        r#"{{"time":"2026-11-20T13:44:13.000Z","severity":"INFO","status":200,"method":"GET","path":"/api/v4/projects/{u0}%2Fplatform","params":[{{"key":"private_token","value":"[FILTERED]"}}],"host":"{fqdn}","remote_ip":"{ip0}","route":"/api/:version/projects/:id","user_id":42,"username":"{u0}","token_id":7,"correlation_id":"{cid}","duration_s":0.05}}"#,
    ) + "\n";
    let exceptions = format!(
        r#"{{"severity":"ERROR","time":"2026-11-20T13:44:14.000Z","correlation_id":"{cid}","exception.class":"Gitlab::Git::CommandError","exception.message":"mirror https%3A%2F%2Fbot%3A{mirror_pw}%40{fqdn}%2Fg%2Fp.git failed for {email}"}}"#
    ) + "\n";
    let application = format!(
        r#"{{"severity":"INFO","time":"2026-11-20T13:44:15.000Z","correlation_id":"{cid}","message":"User \"{person}\" ({email}) was created"}}"#
    ) + "\n";
    let sidekiq = format!(
        r#"{{"severity":"INFO","time":"2026-11-20T13:44:16.000Z","class":"PostReceive","args":["42","[FILTERED]"],"jid":"{jid}","meta.user":"{u1}","meta.project":"{u1}/tools","meta.remote_ip":"{ip1}","job_status":"done","duration_s":0.139,"hostname":"{short}"}}"#
    ) + "\n";
    let gitaly = format!(
        r#"{{"grpc.code":"OK","grpc.method":"PostReceivePack","grpc.time_ms":12.3,"peer.address":"{ip2}:50442","remote_ip":"{ip2}","username":"{u2}","hostname":"{short}","fqdn":"{fqdn}","correlation_id":"{cid}","level":"info","time":"2026-11-20T13:44:17Z"}}"#
    ) + "\n";
    let workhorse = format!(
        r#"{{"level":"info","method":"GET","remote_addr":"[{v6}]:51234","remote_ip":"{ip3}","host":"{fqdn}","referrer":"https://{fqdn}/{u0}","uri":"/dashboard/issues.atom?feed_token={feed_token}\u0026state=opened","status":200,"duration_ms":31,"correlation_id":"{cid}","user_agent":"Mozilla/5.0","time":"2026-11-20T13:44:18Z"}}"#
    ) + "\n";
    let nginx = format!(
        "{ip3} - {u2} [20/Nov/2026:13:44:10 +0000] \"GET /{u0}/platform.git/info/refs?service=git-upload-pack HTTP/1.1\" 200 1234 \"-\" \"git/2.47.0\"\n\
         {ip3} - - [20/Nov/2026:13:44:11 +0000] \"GET /api/v4/jobs/request?job_token={job_token} HTTP/1.1\" 200 88 \"https://{fqdn}/\" \"gitlab-runner 17.5.0\"\n\
         {ip0} - - [20/Nov/2026:13:44:12 +0000] \"GET /users/sign_in HTTP/1.1\" 200 88 \"-\" \"curl\" cookie=\"_gitlab_session={session}\"\n"
    );
    let shell = format!(
        r#"{{"command":"git-upload-pack","gl_project_path":"{u0}/platform","level":"info","msg":"executing git command","remote_ip":"{ip0}","time":"2026-11-20T13:44:19Z","user_id":"user-1","username":"{u0}"}}"#
    ) + "\n";
    let postgres = format!(
        "2026-11-20_13:44:10.38123 2026-11-20 13:44:10.123 UTC [4242] {u1}@gitlabhq_production LOG:  connection received: host={ip1} port=5432\n\
         2026-11-20_13:44:11.00001 2026-11-20 13:44:11.000 UTC [4243] LOG:  statement: ALTER ROLE gitlab_replicator WITH PASSWORD '{sql_pw}'\n"
    );
    let gitlab_rb = format!(
        "external_url 'https://{fqdn}'\n\
         gitlab_rails['db_host'] = '{db_host}'\n\
         gitlab_rails['db_password'] = '{db_pw}'\n\
         gitlab_rails['smtp_password'] = \"{smtp_pw}\"\n\
         gitlab_rails['gitlab_email_from'] = 'gitlab@{domain}'\n\
         gitlab_rails['ldap_servers'] = YAML.load <<-'EOS'\n  main:\n    host: '{ldap_host}'\n    base: 'dc={domain_label},dc=us'\n    password: '{ldap_pw}'\nEOS\n\
         gitlab_rails['object_store']['connection'] = {{ 'provider' => 'AWS', 'aws_secret_access_key' => '{aws_secret}' }}\n\
         gitaly['configuration'] = {{ auth: {{ token: '{gitaly_token}' }} }}\n\
         gitlab_rails['initial_shared_runners_registration_token'] = \"{runner}\"\n"
    );
    let secrets_json = format!(
        "{{\n  \"gitlab_rails\": {{\n    \"secret_key_base\": \"{skb}\",\n    \"openid_connect_signing_key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{pem_line}\\n{pem_line}\\n-----END RSA PRIVATE KEY-----\\n\"\n  }}\n}}\n"
    );
    let ps = format!(
        "USER PID COMMAND\n\
         gitlab-psql 4242 sh -c PGPASSWORD={pg_pw} /opt/gitlab/embedded/bin/pg_dump -h {db_host}\n\
         root 4250 /opt/gitlab/embedded/bin/redis-cli -h {ip1} --pass {redis_pw} ping\n\
         git 4301 puma 6.4.2 (unix:///var/opt/gitlab/gitlab-rails/sockets/gitlab.socket) [gitlab-puma-worker] token {pat}\n"
    );
    let ifconfig = format!(
        "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet {ip0}  netmask 255.255.255.0\n        inet6 {v6}  prefixlen 64  scopeid 0x0<global>\n        ether {mac}  txqueuelen 1000  (Ethernet)\n"
    );
    let manifest = r#"{"manifest_format":2,"software":{"gitlab-rails":{"display_version":"16.11.2-ee"}},"build_version":"16.11.2-ee"}"#.to_string() + "\n";
    let status = "run: gitaly: (pid 4242) 86400s; run: log: (pid 3990) 86400s\nrun: puma: (pid 4301) 86398s; run: log: (pid 3991) 86400s\n".to_string();
    let nested = tar_gz(&[(
        "kubesos/webservice.log".to_string(),
        format!("webservice {r} {ip2} {u2}\n", r = &cid).into_bytes(),
    )]);
    let svlogd = gz(
        format!("2026-11-20_13:44:10.38123 sidekiq on {short} from {ip0} user {u0}\n").as_bytes(),
    );

    let files = vec![
        ("hostname".to_string(), format!("{fqdn}\n").into_bytes()),
        ("gitlab_status".to_string(), status.into_bytes()),
        ("ps".to_string(), ps.into_bytes()),
        ("ifconfig".to_string(), ifconfig.into_bytes()),
        (
            "opt/gitlab/version-manifest.json".to_string(),
            manifest.into_bytes(),
        ),
        ("etc/gitlab/gitlab.rb".to_string(), gitlab_rb.into_bytes()),
        (
            "etc/gitlab/gitlab-secrets.json".to_string(),
            secrets_json.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-rails/production_json.log".to_string(),
            production.clone().into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-rails/production_json.log.1.gz".to_string(),
            gz(production.as_bytes()),
        ),
        (
            "var/log/gitlab/gitlab-rails/api_json.log".to_string(),
            api.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-rails/exceptions_json.log".to_string(),
            exceptions.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-rails/application_json.log".to_string(),
            application.into_bytes(),
        ),
        (
            "var/log/gitlab/sidekiq/current".to_string(),
            sidekiq.into_bytes(),
        ),
        (
            "var/log/gitlab/sidekiq/@4000000067400a2b1c3d4e5f.s".to_string(),
            svlogd,
        ),
        (
            "var/log/gitlab/gitaly/current".to_string(),
            gitaly.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-workhorse/current".to_string(),
            workhorse.into_bytes(),
        ),
        (
            "var/log/gitlab/nginx/gitlab_access.log".to_string(),
            nginx.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-shell/gitlab-shell.log".to_string(),
            shell.into_bytes(),
        ),
        (
            "var/log/gitlab/postgresql/current".to_string(),
            postgres.into_bytes(),
        ),
        (
            format!("etc/gitlab/ssl/{fqdn}.crt"),
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        (
            format!("var/tmp/{u0}-debug.log"),
            format!("debug for {u0}\n").into_bytes(),
        ),
        ("var/tmp/kubesos-20261120.tar.gz".to_string(), nested),
    ];
    TestBundle {
        top: format!("gitlabsos.{short}_20261120134410"),
        files,
        planted,
        survivors,
        shared_ips: vec![ip0.clone(), ip1.clone()],
    }
}

impl TestBundle {
    /// Entries with the top directory prefixed.
    pub fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.files
            .iter()
            .map(|(n, d)| (format!("{}/{n}", self.top), d.clone()))
            .collect()
    }

    pub fn tar_gz(&self) -> Vec<u8> {
        tar_gz(&self.entries())
    }

    pub fn secrets(&self) -> Vec<String> {
        self.planted.iter().map(|p| p.value.clone()).collect()
    }
}

/// Every (name, content) in `data`, recursively opening gzip and tar, with
/// nested names joined by `!`.
pub fn flatten(name: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        return flatten(name, &out);
    }
    if data.len() >= 1024 && data.iter().all(|b| *b == 0) {
        // An archive with no entries.
        return Vec::new();
    }
    if data.len() >= 512 && &data[257..262] == b"ustar" {
        let mut all = Vec::new();
        let mut ar = tar::Archive::new(data);
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let n = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            if e.header().entry_type().is_dir() {
                all.push((format!("{name}!{n}"), Vec::new()));
                continue;
            }
            let mut d = Vec::new();
            e.read_to_end(&mut d).unwrap();
            all.extend(flatten(&format!("{name}!{n}"), &d));
        }
        return all;
    }
    vec![(name.to_string(), data.to_vec())]
}

/// Every file under `dir`, flattened.
pub fn flatten_dir(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                out.push((rel, Vec::new()));
                stack.push(p);
            } else {
                out.extend(flatten(&rel, &std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// An incident planted in [`incident_bundle`], as the generator recorded
/// it: which built-in check must report it, in which file (path under the
/// top directory) and on which lines its evidence may point, its time
/// window as `brief` writes times (`2026-11-20 13:10:00Z`), and words its
/// sentence must hold.
#[derive(Clone, Debug)]
pub struct Incident {
    pub check: &'static str,
    pub file: String,
    pub lines: Vec<u64>,
    pub window: Option<(String, String)>,
    pub words: Vec<String>,
    /// Files every failing request of the incident also passes through
    /// (a trace of any of them must reach each).
    pub traced_in: Vec<String>,
}

pub struct IncidentBundle {
    pub bundle: TestBundle,
    /// Empty when generated without incidents.
    pub incidents: Vec<Incident>,
    /// The check ids the incidents stand for (also when none was planted:
    /// the quiet bundle must produce none of them).
    pub incident_checks: Vec<&'static str>,
    /// (environment line, text it must contain) the bundle states.
    pub environment: Vec<(&'static str, &'static str)>,
}

/// Lines of one generated file, numbered as they are pushed.
#[derive(Default)]
struct Lines(Vec<String>);

impl Lines {
    fn push(&mut self, l: String) -> u64 {
        self.0.push(l);
        self.0.len() as u64
    }
    fn bytes(&self) -> Vec<u8> {
        let mut s = self.0.join("\n");
        s.push('\n');
        s.into_bytes()
    }
}

/// `2026-11-20 HH:MM:SSZ`, minute `m` counted from 12:00.
fn at(m: u64, s: u64) -> (String, String) {
    let (h, mm) = (12 + m / 60, m % 60);
    (
        format!("2026-11-20T{h:02}:{mm:02}:{s:02}.000Z"),
        format!("2026-11-20 {h:02}:{mm:02}:{s:02}Z"),
    )
}

/// A two-hour gitlabsos bundle (12:00–14:00 UTC on 2026-11-20) of steady
/// traffic with identifiers planted in every log, and, with `incidents`,
/// six incidents recorded in [`Incident`]s: Sidekiq down in
/// `gitlab_status`, `/var/opt/gitlab` at 97% in `df_hT`, an OOM kill in
/// `dmesg`, a 10-minute burst of 500s on one controller with one
/// exception class (13:10–13:20) whose 15-second requests make that
/// controller slow, a burst of Gitaly `Unavailable`
/// (13:30–13:35) and a PostgreSQL deadlock (13:45:12). The baseline comes
/// from `seed` alone, so both variants share it line for line.
pub fn incident_bundle(seed: u64, incidents: bool) -> IncidentBundle {
    let mut r = Rng::new(seed);
    let mut planted = Vec::new();
    let mut plant = |value: String, what: &'static str| {
        planted.push(Planted {
            value: value.clone(),
            what,
        });
        value
    };
    let domain = plant(
        format!("corp{}-intra.net", r.alnum(5).to_lowercase()),
        "domain",
    );
    let short = plant(format!("gitlabprd{}", r.range(10, 99)), "short host name");
    let fqdn = plant(format!("{short}.{domain}"), "host name");
    let db_host = plant(format!("pgmain{}.{domain}", r.range(1, 9)), "db host");
    let users: Vec<String> = (0..4)
        .map(|_| plant(r.username() + &r.alnum(3).to_lowercase(), "user name"))
        .collect();
    let ips: Vec<String> = (0..4).map(|_| plant(r.ipv4(), "ipv4")).collect();
    let url_pw = plant(format!("Pq{}", r.alnum(14)), "password in exception URL");
    let db_pw = plant(format!("Db{}!", r.alnum(12)), "gitlab.rb db_password");
    let top = format!("gitlabsos.{short}_20261120140000");

    let controllers = [
        ("Projects::MergeRequestsController", "show"),
        ("ProjectsController", "show"),
        ("Projects::IssuesController", "index"),
        ("Groups::GroupsController", "show"),
    ];
    let mut inc = Vec::new();
    // The incidents draw from their own generator, so the baseline is the
    // same with and without them.
    let mut ri = Rng::new(seed ^ 0x5eed_1c1d);

    // Rails: 6 requests a minute; one ordinary 500 every 17 minutes.
    let mut rails = Lines::default();
    let (burst_from, burst_to) = (70u64, 80u64);
    let burst_class = "ActiveRecord::QueryCanceled";
    let burst_ctrl = controllers[0];
    let mut burst_lines = Vec::new();
    // Each burst request also calls Gitaly (a slow FindCommit that ends
    // OK), with its correlation id: the path a trace must follow.
    let burst_cids: Vec<Vec<String>> = (burst_from..burst_to)
        .map(|_| (0..15).map(|_| ri.correlation_id()).collect())
        .collect();
    for m in 0..120u64 {
        let mut minute: Vec<(u64, bool, String)> = Vec::new();
        for k in 0..6u64 {
            let s = k * 10 + r.below(9);
            let (c, a) = *r.pick(&controllers);
            let u = r.pick(&users).clone();
            let ip = r.pick(&ips).clone();
            let fail = m % 17 == 5 && k == 0;
            let (t, _) = at(m, s);
            let extra = if fail {
                r#","exception.class":"NoMethodError","exception.message":"undefined method `id' for nil""#
            } else {
                ""
            };
            minute.push((
                s,
                false,
                format!(
                    r#"{{"method":"GET","path":"/{u}/app","controller":"{c}","action":"{a}","status":{st},"time":"{t}","remote_ip":"{ip}","username":"{u}","meta.user":"{u}","correlation_id":"{cid}","duration_s":0.{d:03}{extra}}}"#,
                    st = if fail { 500 } else { 200 },
                    cid = r.correlation_id(),
                    d = r.range(40, 900),
                ),
            ));
        }
        if incidents && (burst_from..burst_to).contains(&m) {
            for k in 0..15u64 {
                let s = 1 + k * 4;
                let u = ri.pick(&users).clone();
                let (t, _) = at(m, s);
                minute.push((
                    s,
                    true,
                    format!(
                        r#"{{"method":"GET","path":"/{u}/app/-/merge_requests/{n}","controller":"{c}","action":"{a}","status":500,"time":"{t}","remote_ip":"{ip}","username":"{u}","correlation_id":"{cid}","exception.class":"{burst_class}","exception.message":"PG::QueryCanceled: canceling statement; retry via postgresql://gitlab:{url_pw}@{db_host}:5432/gitlabhq_production","duration_s":15.{d:03}}}"#,
                        n = ri.range(1, 400),
                        c = burst_ctrl.0,
                        a = burst_ctrl.1,
                        ip = ri.pick(&ips),
                        cid = burst_cids[(m - burst_from) as usize][k as usize],
                        d = ri.range(0, 999),
                    ),
                ));
            }
        }
        minute.sort_by_key(|(s, b, _)| (*s, *b));
        for (_, b, l) in minute {
            let n = rails.push(l);
            if b {
                burst_lines.push(n);
            }
        }
    }
    if incidents {
        inc.push(Incident {
            check: "error-spike",
            file: "var/log/gitlab/gitlab-rails/production_json.log".into(),
            lines: burst_lines,
            window: Some((at(burst_from, 0).1, at(burst_to, 0).1)),
            words: vec![
                format!("{}#{}", burst_ctrl.0, burst_ctrl.1),
                burst_class.to_string(),
            ],
            traced_in: vec![
                "var/log/gitlab/gitlab-rails/production_json.log".into(),
                "var/log/gitlab/gitaly/current".into(),
            ],
        });
        // The burst's requests took 15 s each: their controller is slow
        // (P95 over 10 s), and the evidence is its slowest request, one of
        // the burst's lines. Ordinary requests take under a second.
        inc.push(Incident {
            check: "slow-endpoints",
            file: "var/log/gitlab/gitlab-rails/production_json.log".into(),
            lines: inc.last().expect("the burst").lines.clone(),
            window: None,
            words: vec![format!("{}#{}", burst_ctrl.0, burst_ctrl.1)],
            traced_in: Vec::new(),
        });
    }

    // Gitaly: 3 calls a minute, OK; the burst: 8 `Unavailable` a minute.
    let mut gitaly = Lines::default();
    let (gu_from, gu_to) = (90u64, 95u64);
    let mut gu_lines = Vec::new();
    for m in 0..120u64 {
        // (second, is an Unavailable of the burst, line)
        let mut calls: Vec<(u64, bool, String)> = Vec::new();
        for k in 0..3u64 {
            let sec = k * 20 + r.below(5);
            let (t, _) = at(m, sec);
            calls.push((
                sec,
                false,
                format!(
                    r#"{{"grpc.code":"OK","grpc.method":"FindCommit","grpc.service":"gitaly.CommitService","grpc.time_ms":{ms}.5,"peer.address":"{ip}:50442","remote_ip":"{ip}","username":"{u}","hostname":"{short}","correlation_id":"{cid}","level":"info","msg":"finished unary call with code OK","time":"{t}"}}"#,
                    ms = r.range(1, 80),
                    ip = r.pick(&ips),
                    u = r.pick(&users),
                    cid = r.correlation_id(),
                ),
            ));
        }
        if incidents && (burst_from..burst_to).contains(&m) {
            for (k, cid) in burst_cids[(m - burst_from) as usize].iter().enumerate() {
                let s = 1 + k as u64 * 4;
                let (t, _) = at(m, s);
                calls.push((
                    s,
                    false,
                    format!(
                        r#"{{"grpc.code":"OK","grpc.method":"FindCommit","grpc.service":"gitaly.CommitService","grpc.time_ms":14873.2,"hostname":"{short}","correlation_id":"{cid}","level":"info","msg":"finished unary call with code OK","time":"{t}"}}"#
                    ),
                ));
            }
        }
        if incidents && (gu_from..gu_to).contains(&m) {
            for j in 0..8u64 {
                let (t, _) = at(m, 45 + j);
                calls.push((
                    45 + j,
                    true,
                    format!(
                        r#"{{"grpc.code":"Unavailable","grpc.method":"FindCommit","grpc.service":"gitaly.CommitService","grpc.time_ms":0.4,"peer.address":"{ip}:50442","hostname":"{short}","correlation_id":"{cid}","level":"warning","msg":"finished unary call with code Unavailable","error":"rpc error: code = Unavailable desc = connection refused","time":"{t}"}}"#,
                        ip = ri.pick(&ips),
                        cid = ri.correlation_id(),
                    ),
                ));
            }
        }
        calls.sort_by_key(|(s, _, _)| *s);
        for (_, unavailable, l) in calls {
            let n = gitaly.push(l);
            if unavailable {
                gu_lines.push(n);
            }
        }
    }
    if incidents {
        inc.push(Incident {
            check: "gitaly-errors",
            file: "var/log/gitlab/gitaly/current".into(),
            lines: gu_lines,
            window: Some((at(gu_from, 0).1, at(gu_to, 0).1)),
            words: vec!["Unavailable".into()],
            traced_in: Vec::new(),
        });
    }
    if incidents {
        // Gitaly calling GitLab's internal API over TLS after the
        // certificate expired.
        let (t, shown) = at(118, 20);
        let n = gitaly.push(format!(
            r#"{{"error":"Post \"https://{fqdn}/api/v4/internal/allowed\": x509: certificate has expired or is not yet valid: current time {t} is after 2026-11-19T12:00:00Z","level":"error","msg":"GitLab internal API call failed","hostname":"{short}","time":"{t}"}}"#
        ));
        inc.push(Incident {
            check: "certificate-expired",
            file: "var/log/gitlab/gitaly/current".into(),
            lines: vec![n],
            window: Some((shown.clone(), shown)),
            words: vec!["x509: certificate has expired".into()],
            traced_in: Vec::new(),
        });
    }

    // PostgreSQL: a checkpoint every 10 minutes, connections; a deadlock.
    let mut pg = Lines::default();
    {
        let (_, shown) = at(0, 1);
        let stamp = shown.trim_end_matches('Z').to_string();
        let svlogd = stamp.replacen(' ', "_", 1);
        pg.push(format!("{svlogd}.00001 {stamp}.001 UTC [1021] LOG:  starting PostgreSQL 14.11 on x86_64-pc-linux-gnu, compiled by gcc (GCC) 11.4.0, 64-bit"));
    }
    for m in (0..120u64).step_by(5) {
        let (_, shown) = at(m, 7);
        let stamp = shown.trim_end_matches('Z').to_string();
        let svlogd = stamp.replacen(' ', "_", 1);
        pg.push(format!(
            "{svlogd}.10000 {stamp}.100 UTC [{pid}] LOG:  connection received: host={ip} port=5432",
            pid = r.range(1000, 9999),
            ip = r.pick(&ips),
        ));
        if m == 105 && incidents {
            let (_, shown) = at(105, 12);
            let stamp = shown.trim_end_matches('Z').to_string();
            let svlogd = stamp.replacen(' ', "_", 1);
            let n = pg.push(format!(
                "{svlogd}.20000 {stamp}.200 UTC [4399] ERROR:  deadlock detected"
            ));
            pg.push(format!("{svlogd}.20001 {stamp}.200 UTC [4399] DETAIL:  Process 4399 waits for ShareLock on transaction 7781; blocked by process 4400."));
            inc.push(Incident {
                check: "pg-deadlock",
                file: "var/log/gitlab/postgresql/current".into(),
                lines: vec![n],
                window: Some((shown.clone(), shown)),
                words: vec!["deadlock".into()],
                traced_in: Vec::new(),
            });
        }
    }

    // Sidekiq: a job every 2 minutes, done.
    let mut sidekiq = Lines::default();
    for m in (0..120u64).step_by(2) {
        let (t, _) = at(m, 30);
        sidekiq.push(format!(
            r#"{{"severity":"INFO","time":"{t}","class":"PostReceive","jid":"{jid}","meta.user":"{u}","job_status":"done","duration_s":0.139,"hostname":"{short}"}}"#,
            jid = r.hex(24),
            u = r.pick(&users),
        ));
    }

    // Command outputs.
    let mut status = Lines::default();
    status.push("run: gitaly: (pid 4011) 86398s; run: log: (pid 3990) 86398s".into());
    status.push("run: postgresql: (pid 4020) 86398s; run: log: (pid 3993) 86398s".into());
    status.push("run: puma: (pid 4301) 86398s; run: log: (pid 3991) 86400s".into());
    let sk = status.push(if incidents {
        "down: sidekiq: 0s, normally up, want up; run: log: (pid 3992) 86400s".into()
    } else {
        "run: sidekiq: (pid 4302) 86398s; run: log: (pid 3992) 86400s".into()
    });
    let nginx = status.push(if incidents {
        "run: nginx: (pid 4471) 12s; run: log: (pid 3994) 86400s".into()
    } else {
        "run: nginx: (pid 4400) 86398s; run: log: (pid 3994) 86400s".into()
    });
    if incidents {
        inc.push(Incident {
            check: "service-restarting",
            file: "gitlab_status".into(),
            lines: vec![nginx],
            window: None,
            words: vec!["nginx".into()],
            traced_in: Vec::new(),
        });
        inc.push(Incident {
            check: "service-down",
            file: "gitlab_status".into(),
            lines: vec![sk],
            window: None,
            words: vec!["sidekiq".into()],
            traced_in: Vec::new(),
        });
    }
    let mut df = Lines::default();
    df.push("Filesystem     Type   Size  Used Avail Use% Mounted on".into());
    df.push("/dev/vda1      ext4    50G   21G   27G  44% /".into());
    let full = df.push(if incidents {
        "/dev/vdb1      xfs    500G  485G   15G  97% /var/opt/gitlab".into()
    } else {
        "/dev/vdb1      xfs    500G  305G  195G  61% /var/opt/gitlab".into()
    });
    df.push("tmpfs          tmpfs  7.8G     0  7.8G   0% /dev/shm".into());
    if incidents {
        inc.push(Incident {
            check: "disk-full",
            file: "df_hT".into(),
            lines: vec![full],
            window: None,
            words: vec!["/var/opt/gitlab".into(), "97%".into()],
            traced_in: Vec::new(),
        });
    }
    let mut dmesg = Lines::default();
    dmesg.push("[    0.000000] Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045)".into());
    dmesg.push("[    1.204518] EXT4-fs (vda1): mounted filesystem with ordered data mode".into());
    if incidents {
        let n = dmesg.push("[86012.123456] Out of memory: Killed process 4242 (bundle) total-vm:4096000kB, anon-rss:3900000kB, file-rss:0kB".into());
        inc.push(Incident {
            check: "oom-kill",
            file: "dmesg".into(),
            lines: vec![n],
            window: None,
            words: vec!["bundle".into()],
            traced_in: Vec::new(),
        });
    }
    dmesg.push("[86400.000001] IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready".into());

    let manifest = r#"{"manifest_format":2,"software":{"gitlab-rails":{"display_version":"17.5.1-ee"},"postgresql":{"display_version":"14.11"},"postgresql_new":{"display_version":"16.4"},"postgresql-client":{"display_version":"9.9"}},"build_version":"17.5.1-ee"}"#.to_string() + "\n";
    let files = vec![
        ("hostname".to_string(), format!("{fqdn}\n").into_bytes()),
        (
            "uptime".to_string(),
            b" 13:44:10 up 12 days,  3:05,  2 users,  load average: 0.50, 0.40, 0.30\n".to_vec(),
        ),
        (
            "uname".to_string(),
            format!("Linux {short} 5.15.0-91-generic #101-Ubuntu SMP x86_64 GNU/Linux\n")
                .into_bytes(),
        ),
        ("gitlab_status".to_string(), status.bytes()),
        ("df_hT".to_string(), df.bytes()),
        (
            "free_m".to_string(),
            b"              total        used        free      shared  buff/cache   available\nMem:          15884        6000        4000          10        5884        9000\nSwap:          2047           0        2047\n".to_vec(),
        ),
        ("dmesg".to_string(), dmesg.bytes()),
        (
            "etc/gitlab/gitlab.rb".to_string(),
            format!(
                "external_url 'https://{fqdn}'\n# praefect['enable'] = true\npostgresql['enable'] = false\ngitlab_rails['db_host'] = '{db_host}'\ngitlab_rails['db_password'] = '{db_pw}'\n"
            )
            .into_bytes(),
        ),
        (
            "opt/gitlab/version-manifest.json".to_string(),
            manifest.into_bytes(),
        ),
        (
            "var/log/gitlab/gitlab-rails/production_json.log".to_string(),
            rails.bytes(),
        ),
        ("var/log/gitlab/gitaly/current".to_string(), gitaly.bytes()),
        ("var/log/gitlab/postgresql/current".to_string(), pg.bytes()),
        ("var/log/gitlab/sidekiq/current".to_string(), sidekiq.bytes()),
    ];
    IncidentBundle {
        bundle: TestBundle {
            top,
            files,
            planted,
            survivors: Vec::new(),
            shared_ips: vec![ips[0].clone()],
        },
        incidents: inc,
        incident_checks: vec![
            "service-down",
            "disk-full",
            "oom-kill",
            "error-spike",
            "gitaly-errors",
            "pg-deadlock",
            "service-restarting",
            "certificate-expired",
            "slow-endpoints",
        ],
        environment: vec![
            ("GitLab", "17.5.1-ee"),
            ("Topology", "external PostgreSQL"),
            ("OS", "5.15.0-91-generic"),
            ("Memory", "15884 MB total"),
            (
                "PostgreSQL",
                "external (gitlab.rb); bundled postgresql 14.11, postgresql_new 16.4",
            ),
            // What the log says runs, with the line that says it.
            (
                "PostgreSQL",
                "running 14.11 (var/log/gitlab/postgresql/current:1)",
            ),
            (
                "Host uptime",
                "up 12 days, 3:05, load average 0.50, 0.40, 0.30",
            ),
        ],
    }
}
