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
