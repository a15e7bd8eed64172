//! Deterministic generated data: realistic GitLab lines with planted secrets,
//! for tests and benchmarks.
//!
//! Every value comes from a seeded generator, so a failing test names a seed
//! that reproduces it, and no real customer data ever enters the repository.
//! The line shapes follow `shared/reference/gitlab.md` (log kinds, token
//! shapes, where secrets hide).
//!
//! [`bundle`] builds whole gitlabsos bundles (many files, rotated gzip members,
//! planted values listed for recall) at any size for benchmarks; [`logs`]
//! generates a whole bundle of GitLab logs with its ground truth.

pub mod bundle;
pub mod logs;

/// SplitMix64: tiny, fast, and good enough to vary test data. Not for keys.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.below(hi_inclusive - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }

    pub fn alnum(&mut self, n: usize) -> String {
        self.string(ALNUM, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.string(b"0123456789abcdef", n)
    }

    /// A private-range or documentation IPv4 address, never loopback.
    pub fn ipv4(&mut self) -> String {
        match self.below(3) {
            0 => format!(
                "10.{}.{}.{}",
                self.below(256),
                self.below(256),
                self.range(1, 254)
            ),
            1 => format!(
                "172.{}.{}.{}",
                self.range(16, 31),
                self.below(256),
                self.range(1, 254)
            ),
            _ => format!("192.168.{}.{}", self.below(256), self.range(1, 254)),
        }
    }

    /// A user name like `jdoe42`.
    pub fn username(&mut self) -> String {
        const FIRST: &[&str] = &["j", "m", "k", "a", "s", "t", "r", "l"];
        const LAST: &[&str] = &[
            "doe", "smith", "lopez", "nguyen", "okafor", "schmidt", "tanaka", "ivanova",
        ];
        format!("{}{}{}", self.pick(FIRST), self.pick(LAST), self.below(100))
    }

    /// A Rails-style 11-character correlation id.
    pub fn correlation_id(&mut self) -> String {
        self.alnum(11)
    }

    /// A ULID-style correlation id.
    pub fn ulid(&mut self) -> String {
        self.string(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26)
    }
}

pub const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TOKEN: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
const B64: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
const PW: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%^*-_";

/// Text carrying one credential, and the secret values in it.
#[derive(Clone, Debug)]
pub struct CredentialCase {
    /// What kind of credential this is, for messages (`glpat routable`, …).
    pub name: &'static str,
    /// The rule that should report it.
    pub rule: &'static str,
    /// The text (one line, or several for PEM blocks).
    pub text: String,
    /// Bytes that must not survive: each must be covered by a finding.
    pub secrets: Vec<String>,
}

/// One case for every credential kind airlock must find, in the formats of
/// the reference, with fresh values from `seed`.
pub fn credential_cases(seed: u64) -> Vec<CredentialCase> {
    let mut r = Rng::new(seed);
    let mut cases = Vec::new();
    let host = "gitlab.corp.internal";
    let mut add = |name, rule, text: String, secrets: Vec<String>| {
        cases.push(CredentialCase {
            name,
            rule,
            text,
            secrets,
        })
    };

    // GitLab token families.
    let prefixed: &[(&str, &str, &str, usize)] = &[
        ("glpat classic", "gitlab_pat", "glpat-", 20),
        ("glrt", "gitlab_runner_token", "glrt-", 20),
        ("glrtr", "gitlab_runner_token", "glrtr-", 20),
        (
            "GR1348941",
            "gitlab_runner_registration_token",
            "GR1348941",
            20,
        ),
        ("gloas", "gitlab_oauth_secret", "gloas-", 64),
        ("gldt", "gitlab_deploy_token", "gldt-", 20),
        ("glft", "gitlab_feed_token", "glft-", 20),
        ("glimt", "gitlab_incoming_mail_token", "glimt-", 25),
        ("glagent", "gitlab_agent_token", "glagent-", 50),
        ("glwt", "gitlab_workspace_token", "glwt-", 20),
        ("glsoat", "gitlab_scim_token", "glsoat-", 20),
        ("glffct", "gitlab_feature_flags_token", "glffct-", 20),
    ];
    for &(name, rule, prefix, len) in prefixed {
        let body = format!("{}{}", r.alnum(1), r.string(TOKEN, len - 2)) + &r.alnum(1);
        let token = format!("{prefix}{body}");
        let ip = r.ipv4();
        let text = match r.below(3) {
            0 => format!(
                r#"{{"severity":"INFO","time":"2026-11-20T13:44:10.381Z","correlation_id":"{}","message":"token used","token":"{token}","remote_ip":"{ip}"}}"#,
                r.correlation_id()
            ),
            1 => format!("2026-11-20_13:44:10.38123 export TOKEN={token}"),
            _ => format!(r#"curl --header "X-Token: {token}" https://{host}/api/v4/version"#),
        };
        add(name, rule, text, vec![body]);
    }
    let routable = format!(
        "{}.01.{}",
        r.string(TOKEN, 40) + &r.alnum(1),
        r.string(b"0123456789abcdefghijklmnopqrstuvwxyz", 9)
    );
    add(
        "glpat routable",
        "gitlab_pat",
        format!(r#"{{"msg":"auth","token":"glpat-{routable}"}}"#),
        vec![routable],
    );
    let job = format!("{}_{}", r.alnum(3), r.alnum(20));
    add(
        "glcbt",
        "gitlab_ci_job_token",
        format!("2026-11-20_13:44:10.38123 CI_JOB_TOKEN=glcbt-{job}"),
        vec![job],
    );
    let trig = r.hex(40);
    add(
        "glptt",
        "gitlab_trigger_token",
        format!("curl -X POST -F token=glptt-{trig} -F ref=main https://{host}/api/v4/projects/9/trigger/pipeline"),
        vec![trig],
    );
    let sess = r.hex(32);
    add(
        "_gitlab_session",
        "gitlab_session_cookie",
        format!("Cookie: _gitlab_session={sess}; preferred_language=en"),
        vec![sess],
    );

    // Legacy tokens found by context.
    let ip = r.ipv4();
    for (name, param) in [
        ("private_token=", "private_token"),
        ("access_token=", "access_token"),
        ("job_token=", "job_token"),
        ("feed_token=", "feed_token"),
    ] {
        let t = r.alnum(20);
        add(
            name,
            "token_param",
            format!(
                r#"{ip} - - [20/Nov/2026:13:44:10 +0000] "GET /api/v4/projects?{param}={t}&per_page=20 HTTP/1.1" 200 1534 "-" "curl/8.5.0""#
            ),
            vec![t],
        );
    }
    let t = r.alnum(20);
    add(
        "PRIVATE-TOKEN:",
        "token_header",
        format!(r#"curl --header "PRIVATE-TOKEN: {t}" "https://{host}/api/v4/projects""#),
        vec![t],
    );
    let t = format!("{}.{}", r.alnum(24), r.string(TOKEN, 16));
    add(
        "Authorization: Bearer",
        "authorization_header",
        format!(r#"{{"headers":{{"Authorization":"Bearer {t}"}},"status":401}}"#),
        vec![t],
    );
    let t = r.string(B64, 28) + "==";
    add(
        "Authorization: Basic",
        "authorization_basic",
        format!("Authorization: Basic {t}"),
        vec![t],
    );

    // JWT.
    let jwt = format!(
        "eyJhbGciOiJSUzI1NiJ9.eyJ{}.{}",
        r.string(&TOKEN[..62], 60),
        r.string(TOKEN, 43)
    );
    add(
        "JWT",
        "jwt",
        format!(r#"{{"msg":"ci id token issued","id_token":"{jwt}","job_id":1234}}"#),
        vec![jwt],
    );

    // PEM private keys.
    let lines: Vec<String> = (0..5).map(|_| r.string(B64, 64)).collect();
    add(
        "PEM multi-line",
        "pem_private_key",
        format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            lines.join("\n")
        ),
        lines.clone(),
    );
    let body: Vec<String> = (0..4).map(|_| r.string(B64, 64)).collect();
    add(
        "PEM in one JSON string",
        "pem_private_key",
        format!(
            r#"{{"file":"config/ssl/server.key","content":"-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n"}}"#,
            body.join("\\n")
        ),
        body,
    );

    // Passwords in URLs and connection strings.
    let pw = r.string(PW, 14);
    let user = r.username();
    add(
        "https://user:pw@host",
        "url_credentials",
        format!(
            r#"{{"import_url":"https://{user}:{pw}@github.com/acme/app.git","status":"failed"}}"#
        ),
        vec![pw],
    );
    let pw = r.string(PW, 16);
    add(
        "postgresql://u:pw@host",
        "url_credentials",
        format!(
            r#"{{"exception.class":"PG::ConnectionBad","exception.message":"could not connect: postgresql://gitlab:{pw}@{}:5432/gitlabhq_production"}}"#,
            r.ipv4()
        ),
        vec![pw],
    );
    let pw = r.alnum(18);
    add(
        "redis://:pw@host",
        "url_credentials",
        format!("Error connecting to Redis on redis://:{pw}@redis.corp.internal:6379/0 (Redis::CannotConnectError)"),
        vec![pw],
    );
    let pw = r.alnum(12);
    add(
        "URL-encoded credentials",
        "url_credentials_encoded",
        format!(
            r#"{{"path":"/api/v4/projects/7/remote_mirrors?url=https%3A%2F%2Fbot%3A{pw}%40mirror.corp.internal%2Fx.git"}}"#
        ),
        vec![pw],
    );

    // password=, PGPASSWORD=, SQL.
    let pw = r.string(PW, 12);
    add(
        "password=",
        "password_bare",
        format!("2026-11-20_13:44:10.38123 LOG:  connection host={} user=gitlab password={pw} dbname=gitlabhq_production", r.ipv4()),
        vec![pw],
    );
    let pw = r.alnum(16);
    add(
        "PGPASSWORD=",
        "password_bare",
        format!("root 4242 0.0 0.1 sh -c PGPASSWORD={pw} /opt/gitlab/embedded/bin/pg_dump -h db.corp.internal"),
        vec![pw],
    );
    let pw = r.alnum(16);
    add(
        "SQL PASSWORD",
        "sql_password",
        format!("2026-11-20 13:44:10.123 UTC [4242] LOG:  statement: ALTER ROLE gitlab_replicator WITH PASSWORD '{pw}'"),
        vec![pw],
    );

    // gitlab.rb and gitlab-secrets.json.
    let pw = r.string(PW, 16);
    add(
        "gitlab.rb assignment",
        "gitlab_rb_secret_single",
        format!("gitlab_rails['db_password'] = '{pw}'"),
        vec![pw],
    );
    let pw = r.alnum(20);
    add(
        "gitlab.rb hash entry",
        "password_single_quoted",
        format!("gitlab_rails['object_store']['connection'] = {{ 'provider' => 'AWS', 'aws_secret_access_key' => '{pw}' }}"),
        vec![pw],
    );
    let pw = r.string(PW, 14);
    add(
        "gitlab.rb YAML heredoc",
        "password_single_quoted",
        format!("    password: '{pw}'"),
        vec![pw],
    );
    let key = r.hex(128);
    add(
        "gitlab-secrets.json",
        "gitlab_secrets_json",
        format!(r#"  "db_key_base": "{key}","#),
        vec![key],
    );

    // Cloud providers.
    let id = format!("AKIA{}", r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    add(
        "AWS access key id",
        "aws_access_key_id",
        format!("aws_access_key_id = {id}"),
        vec![id],
    );
    let secret = r.string(B64, 40);
    add(
        "AWS secret access key",
        "aws_secret_access_key",
        format!("aws_secret_access_key = {secret}"),
        vec![secret],
    );
    let k = format!("AIza{}", r.string(TOKEN, 35));
    add(
        "GCP API key",
        "gcp_api_key",
        format!(r#"{{"api_key":"{k}"}}"#),
        vec![k],
    );
    let k = r.string(B64, 86) + "==";
    add(
        "Azure storage key",
        "azure_storage_key",
        format!("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={k};EndpointSuffix=core.windows.net"),
        vec![k],
    );
    let k = format!("ghp_{}", r.alnum(36));
    add(
        "GitHub token",
        "github_token",
        format!("GITHUB_TOKEN={k}"),
        vec![k],
    );
    let k = format!(
        "xoxb-{}-{}-{}",
        r.range(100_000_000_000, 999_999_999_999),
        r.range(100_000_000_000, 999_999_999_999),
        r.alnum(24)
    );
    add(
        "Slack token",
        "slack_token",
        format!(r#"slack: {{ token: "{k}" }}"#),
        vec![k],
    );
    let k = format!("T{}/B{}/{}", r.alnum(8), r.alnum(8), r.alnum(24));
    add(
        "Slack webhook",
        "slack_webhook",
        format!(r#"{{"webhook":"https://hooks.slack.com/services/{k}","status":200}}"#),
        vec![k],
    );
    cases
}

/// Lines that carry nothing sensitive and must produce no finding: status
/// outputs, version manifests, ids, durations, hashes, `[FILTERED]`.
pub fn clean_lines(seed: u64) -> Vec<String> {
    let mut r = Rng::new(seed);
    let jid = r.hex(24);
    let sha = r.hex(40);
    let sha256 = r.hex(64);
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(3),
        r.hex(3),
        r.hex(12)
    );
    vec![
        "run: gitaly: (pid 4242) 86400s; run: log: (pid 3990) 86400s".to_string(),
        "run: puma: (pid 4301) 86398s; run: log: (pid 3991) 86400s".to_string(),
        "down: sidekiq: 0s, normally up, want up; run: log: (pid 3992) 86400s".to_string(),
        "gitlab-ee 16.11.2-ee.0".to_string(),
        r#"{"name":"gitaly","version":"v16.11.2","software":{"ruby":"3.1.4","go":"1.22.3","postgresql":"14.11"}}"#.to_string(),
        format!(
            r#"{{"severity":"INFO","time":"2026-11-20T13:44:10.381Z","class":"PostReceive","args":["{}","[FILTERED]"],"jid":"{jid}","correlation_id":"{}","meta.caller_id":"POST /api/:version/internal/post_receive","job_status":"done","duration_s":0.139,"db_duration_s":0.0005,"cpu_s":0.05,"completed_at":"2026-11-20T13:44:10.510Z"}}"#,
            r.below(1000),
            r.correlation_id()
        ),
        format!(r#"{{"correlation_id":"{}","duration_ms":26.889,"status":200,"uri":"/api/v4/projects/7/repository/commits/{sha}"}}"#, r.ulid()),
        format!("/var/opt/gitlab/git-data/repositories/@hashed/{}/{}/{sha256}.git", &sha256[..2], &sha256[2..4]),
        format!(r#"{{"grpc.method":"FindCommit","grpc.code":"OK","grpc.time_ms":12.3,"grpc.request.repoPath":"@hashed/{}/{}/{sha256}.git","uuid":"{uuid}"}}"#, &sha256[..2], &sha256[2..4]),
        r#"{"params":[{"key":"password","value":"[FILTERED]"},{"key":"private_token","value":"[FILTERED]"}],"status":302}"#.to_string(),
        "listening on 127.0.0.1:8080 and 0.0.0.0:443; duration: 1234.5 ms".to_string(),
        "Filesystem      Type  Size  Used Avail Use% Mounted on\n/dev/vda1       ext4   50G   21G   27G  44% /".to_string(),
        "              total        used        free      shared  buff/cache   available\nMem:          15987        6123        2048         512        7816        9012".to_string(),
        "Completed 200 OK in 171ms (Views: 120.3ms | ActiveRecord: 25.9ms)".to_string(),
    ]
}
