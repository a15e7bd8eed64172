//! A generated GitLab bundle: every log kind airlock reads, in the shapes of
//! `shared/reference/gitlab.md` §2 and GitLab's documented examples, with
//! the ground truth of every request (its key, duration and outcome) so
//! tests can compute the expected statistics on their own, and with planted
//! identifiers and credentials that no report may print.
//!
//! Layout (gitlabsos): `var/log/gitlab/<service>/…`, a rotated gzip
//! `production_json.log.1.gz`, command outputs (`gitlab_status`, `free_m`,
//! `df_hT`, `cpuinfo`, `hostname`, `opt/gitlab/version-manifest.txt`) and a
//! kubesos pod log (`kubesos/webservice.log`) with leading pod names and
//! `subcomponent` fields.

use std::fmt::Write as _;

use super::Rng;

/// One finished request, job or call as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Truth {
    /// Log path relative to the bundle root, rotation suffixes removed.
    pub log: String,
    /// airlock's kind name for it.
    pub kind: &'static str,
    /// The stats key the line must be grouped under.
    pub key: String,
    /// Duration in ms as written (converted exactly: seconds × 1000).
    pub duration_ms: Option<f64>,
    pub failed: bool,
    pub user: Option<String>,
    pub project: Option<String>,
    pub ip: Option<String>,
}

/// The bundle: files and what is true about them.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    /// (path relative to the bundle root, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub truth: Vec<Truth>,
    /// Values that must never appear in a shareable report: user names, IPs,
    /// the domain and host name, project paths, credentials.
    pub secrets: Vec<String>,
    /// A correlation id that runs through workhorse, rails, gitaly and
    /// sidekiq, and how many lines carry it.
    pub trace_id: String,
    pub trace_lines: usize,
    /// (kind, class) of every exception or failure with an error class.
    pub error_classes: Vec<(&'static str, String)>,
}

pub const DOMAIN: &str = "acme-gov.us";
pub const HOST: &str = "gitlab01";

/// Base time: 2026-11-20 13:00:00 UTC.
const BASE_H: u64 = 13;

/// `2026-11-20T13:44:10.381Z` for `ms` after the base time (< 11 h).
fn iso(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "2026-11-20T{:02}:{:02}:{:02}.{:03}Z",
        BASE_H + s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

fn svlogd(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "2026-11-20_{:02}:{:02}:{:02}.{:05}",
        BASE_H + s / 3600,
        s / 60 % 60,
        s % 60,
        (ms % 1000) * 100
    )
}

fn nginx_time(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "20/Nov/2026:{:02}:{:02}:{:02} +0000",
        BASE_H + s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A duration in ms with three decimals, skewed like request latencies.
fn latency(r: &mut Rng, median: u64) -> f64 {
    let spread = match r.below(100) {
        0..=79 => r.range(50, 150),
        80..=97 => r.range(150, 600),
        _ => r.range(600, 4000),
    };
    (median * spread * 10 + r.below(1000)) as f64 / 1000.0
}

/// Milliseconds as seconds text that converts back exactly (six decimals).
fn secs(ms: f64) -> String {
    format!("{:.6}", ms / 1000.0)
}

const UAS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "git/2.47.0",
    "curl/8.5.0",
    "gitlab-runner 17.5.0 (17-5-stable; go1.22.7; linux/amd64)",
];

/// Generate a bundle with about `n` Rails requests (other logs scale with it).
pub fn gitlab_bundle(seed: u64, n: usize) -> Bundle {
    let mut r = Rng::new(seed);
    let mut b = Bundle::default();
    let host = format!("gitlab.{DOMAIN}");
    let users: Vec<String> = (0..6).map(|i| format!("{}{}", r.username(), i)).collect();
    let ips: Vec<String> = (0..6).map(|_| r.ipv4()).collect();
    let projects = [
        "acme-gov/platform".to_string(),
        "acme-gov/infra/terraform".to_string(),
        format!("{}/scratch", users[0]),
    ];
    let glpat = format!("glpat-{}", r.alnum(20));
    let db_pw = r.alnum(16);
    let job_token = r.alnum(20);
    b.secrets.extend(users.iter().cloned());
    b.secrets.extend(ips.iter().cloned());
    b.secrets.extend(projects.iter().cloned());
    b.secrets.push(DOMAIN.into());
    b.secrets.push(HOST.into());
    b.secrets.push(glpat.clone());
    b.secrets.push(db_pw.clone());
    b.secrets.push(job_token.clone());

    let rails = "var/log/gitlab/gitlab-rails";
    let (mut prod, mut prod_old, mut api, mut exc, mut app, mut auth, mut plog) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let (mut sidekiq, mut gitaly, mut wh, mut shell, mut nginx, mut pg, mut reg, mut kube) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let step = 36_000_000 / n.max(1) as u64; // spread over 10 h
    let controllers: &[(&str, &str, u64, u64)] = &[
        ("Projects::IssuesController", "show", 180, 2),
        ("Projects::MergeRequestsController", "show", 420, 5),
        ("Projects::BlobController", "show", 90, 0),
        ("Dashboard::ProjectsController", "index", 250, 1),
        ("Projects::PipelinesController", "index", 600, 10),
        ("SessionsController", "create", 60, 0),
    ];
    let routes: &[(&str, &str, u64, u64)] = &[
        ("/api/:version/projects/:id/merge_requests", "GET", 300, 3),
        ("/api/:version/jobs/request", "POST", 40, 1),
        (
            "/api/:version/projects/:id/repository/files/:file_path",
            "GET",
            120,
            0,
        ),
        ("/api/:version/internal/allowed", "POST", 70, 20),
    ];
    let workers: &[(&str, u64, u64)] = &[
        ("PostReceive", 140, 5),
        ("MergeRequests::RefreshWorker", 900, 10),
        ("RepositoryUpdateMirrorWorker", 3000, 30),
        ("Ci::BuildFinishedWorker", 80, 0),
    ];
    let methods: &[(&str, u64)] = &[
        ("FindCommit", 8),
        ("SSHUploadPack", 900),
        ("GetBlobs", 30),
        ("PostReceivePack", 1200),
    ];
    for i in 0..n {
        let t = i as u64 * step + r.below(step.max(2) / 2);
        let u = r.below(users.len() as u64) as usize;
        let user = &users[u];
        let ip = &ips[u];
        let project = &projects[r.below(projects.len() as u64) as usize];
        let ua = *r.pick(UAS);
        let cid = if i == 0 {
            "01HZX3TRACE0AIRLOCK0TEST0X".to_string()
        } else {
            r.correlation_id()
        };
        // production_json: 20 % old era (`duration` ms), rotated first tenth.
        let &(c, a, med, fail) = r.pick(controllers);
        let d = latency(&mut r, med);
        let failed = r.below(100) < fail;
        let status = if failed {
            *r.pick(&[500u16, 502, 503])
        } else {
            *r.pick(&[200u16, 200, 200, 302, 404])
        };
        let dur = if r.below(5) == 0 {
            format!(r#""duration":{d:.3}"#)
        } else {
            format!(r#""duration_s":{}"#, secs(d))
        };
        let exc_fields = if failed {
            format!(
                r#","exception.class":"ActiveRecord::StatementInvalid","exception.message":"PG::QueryCanceled: ERROR: canceling statement due to statement timeout (user {user} from {ip})""#
            )
        } else {
            String::new()
        };
        let line = format!(
            r#"{{"method":"GET","path":"/{project}/-/issues/{}","format":"html","controller":"{c}","action":"{a}","status":{status},"time":"{}","params":[],"remote_ip":"{ip}","user_id":{},"username":"{user}","ua":"{ua}","correlation_id":"{cid}","meta.user":"{user}","meta.project":"{project}","meta.client_id":"user/{}","db_duration_s":0.01,"view_duration_s":0.02,{dur},"pid":81836,"worker_id":"puma_0"{exc_fields}}}"#,
            r.below(500),
            iso(t),
            u + 2,
            u + 2
        );
        if i == 0 {
            b.trace_lines += 1;
        }
        if i < n / 10 {
            prod_old.push_str(&line);
            prod_old.push('\n');
        } else {
            prod.push_str(&line);
            prod.push('\n');
        }
        b.truth.push(Truth {
            log: format!("{rails}/production_json.log"),
            kind: "production_json",
            key: format!("{c}#{a}"),
            duration_ms: Some(d),
            failed: status >= 500,
            user: Some(user.clone()),
            project: Some(project.clone()),
            ip: Some(ip.clone()),
        });
        if failed {
            b.error_classes
                .push(("production_json", "ActiveRecord::StatementInvalid".into()));
        }

        // api_json + workhorse with the same correlation id.
        let &(route, m, med, fail) = r.pick(routes);
        let d = latency(&mut r, med);
        let failed = r.below(100) < fail;
        let status = if failed { 500 } else { 200 };
        let path = route
            .replace(":version", "v4")
            .replace(":id", &project.replace('/', "%2F"))
            .replace(":file_path", "app%2Fmodels%2Fuser.rb");
        let _ = writeln!(
            api,
            r#"{{"time":"{}","severity":"INFO","duration_s":{},"db_duration_s":0.003,"view_duration_s":0.001,"status":{status},"method":"{m}","path":"{path}","params":[{{"key":"private_token","value":"[FILTERED]"}}],"host":"{host}","remote_ip":"{ip}, 127.0.0.1","ua":"{ua}","route":"{route}","user_id":{},"username":"{user}","correlation_id":"{cid}","meta.user":"{user}","meta.project":"{project}","meta.root_namespace":"acme-gov"}}"#,
            iso(t + 2),
            secs(d),
            u + 2
        );
        if i == 0 {
            b.trace_lines += 1;
        }
        b.truth.push(Truth {
            log: format!("{rails}/api_json.log"),
            kind: "api_json",
            key: route.to_string(),
            duration_ms: Some(d),
            failed,
            user: Some(user.clone()),
            project: Some(project.clone()),
            ip: Some(ip.clone()),
        });
        let wd = d + 1.5;
        let wh_route = if route.contains("internal") {
            "^/api/v4/internal/"
        } else {
            "^/api/v4/"
        };
        let _ = writeln!(
            wh,
            r#"{{"content_type":"application/json","correlation_id":"{cid}","duration_ms":{wd:.3},"host":"{host}","level":"info","method":"{m}","msg":"access","proto":"HTTP/1.1","referrer":"https://{host}/{project}","remote_addr":"{ip}:51234","remote_ip":"{ip}","route":"{wh_route}","status":{status},"system":"http","time":"{}","ttfb_ms":{:.3},"uri":"{path}?job_token={job_token}\u0026per_page=20","user_agent":"{ua}","written_bytes":1534}}"#,
            iso(t + 3),
            d
        );
        if i == 0 {
            b.trace_lines += 1;
        }
        b.truth.push(Truth {
            log: "var/log/gitlab/gitlab-workhorse/current".into(),
            kind: "workhorse",
            key: wh_route.into(),
            duration_ms: Some(wd),
            failed: status >= 500,
            user: None,
            project: None,
            ip: Some(ip.clone()),
        });

        // gitaly for every other request.
        if i % 2 == 0 {
            let &(meth, med) = r.pick(methods);
            let d = latency(&mut r, med);
            let code = match r.below(40) {
                0 => "Internal",
                1 => "Unavailable",
                2 => "Canceled",
                _ => "OK",
            };
            let sha = r.hex(64);
            let _ = writeln!(
                gitaly,
                r#"{{"correlation_id":"{cid}","grpc.code":"{code}","grpc.meta.client_name":"gitlab-web","grpc.method":"{meth}","grpc.request.glProjectPath":"{project}","grpc.request.repoPath":"@hashed/{}/{}/{sha}.git","grpc.request.repoStorage":"default","grpc.service":"gitaly.CommitService","grpc.start_time":"{}","grpc.time_ms":{d:.3},"hostname":"{HOST}.{DOMAIN}","level":"{}","msg":"finished unary call with code {code}","peer.address":"@","pid":4242,"remote_ip":"{ip}","span.kind":"server","system":"grpc","time":"{}","username":"{user}"}}"#,
                &sha[..2],
                &sha[2..4],
                iso(t + 4),
                if code == "OK" { "info" } else { "warning" },
                iso(t + 4)
            );
            if i == 0 {
                b.trace_lines += 1;
            }
            b.truth.push(Truth {
                log: "var/log/gitlab/gitaly/current".into(),
                kind: "gitaly",
                key: meth.into(),
                duration_ms: Some(d),
                failed: code != "OK",
                user: Some(user.clone()),
                project: Some(project.clone()),
                ip: Some(ip.clone()),
            });
        }

        // sidekiq for every third request: start + done/fail.
        if i % 3 == 0 {
            let &(class, med, fail) = r.pick(workers);
            let d = latency(&mut r, med);
            let failed = r.below(100) < fail;
            let jid = r.hex(24);
            let _ = writeln!(
                sidekiq,
                r#"{{"severity":"INFO","time":"{}","class":"{class}","args":["{}","[FILTERED]"],"retry":3,"queue":"default","jid":"{jid}","correlation_id":"{cid}","meta.user":"{user}","meta.project":"{project}","meta.caller_id":"POST /api/:version/internal/post_receive","job_status":"start","pid":1234,"message":"{class} JID-{jid}: start"}}"#,
                iso(t + 5),
                r.below(1000)
            );
            let (dur, js, err) = (
                if r.below(5) == 0 {
                    format!(r#""duration":{}"#, secs(d))
                } else {
                    format!(r#""duration_s":{}"#, secs(d))
                },
                if failed { "fail" } else { "done" },
                if failed {
                    b.error_classes
                        .push(("sidekiq", "Gitlab::Git::CommandError".into()));
                    format!(
                        r#","error_class":"Gitlab::Git::CommandError","error_message":"remote: HTTP Basic: Access denied for https://mirror-bot:{db_pw}@mirror.{DOMAIN}/acme-gov/platform.git""#
                    )
                } else {
                    String::new()
                },
            );
            let _ = writeln!(
                sidekiq,
                r#"{{"severity":"{}","time":"{}","class":"{class}","args":["{}","[FILTERED]"],"retry":3,"queue":"default","jid":"{jid}","correlation_id":"{cid}","meta.user":"{user}","meta.project":"{project}","job_status":"{js}",{dur},"db_duration_s":0.001,"cpu_s":0.05,"completed_at":"{}","pid":1234,"message":"{class} JID-{jid}: {js}: {} sec"{err}}}"#,
                if failed { "WARN" } else { "INFO" },
                iso(t + 6 + d as u64),
                r.below(1000),
                iso(t + 6 + d as u64),
                secs(d)
            );
            if i == 0 {
                b.trace_lines += 2;
            }
            b.truth.push(Truth {
                log: "var/log/gitlab/sidekiq/current".into(),
                kind: "sidekiq",
                key: class.into(),
                duration_ms: Some(d),
                failed,
                user: Some(user.clone()),
                project: Some(project.clone()),
                ip: None,
            });
        }

        // nginx: git over HTTP with basic auth; a job token in a query.
        let (req, key) = match r.below(3) {
            0 => (
                format!("GET /{project}.git/info/refs?service=git-upload-pack HTTP/1.1"),
                "GET /:repo.git/info/refs",
            ),
            1 => (
                format!("POST /{project}.git/git-upload-pack HTTP/1.1"),
                "POST /:repo.git/git-upload-pack",
            ),
            _ => (
                format!(
                    "GET /api/v4/projects/{}/jobs/{}/artifacts?job_token={job_token} HTTP/1.1",
                    r.below(99) + 1,
                    r.below(9999) + 1
                ),
                "GET /api/v4/projects/:id/jobs/:id/artifacts",
            ),
        };
        let st = if r.below(50) == 0 { 502 } else { 200 };
        let _ = writeln!(
            nginx,
            r#"{ip} - {user} [{}] "{req}" {st} {} "https://{host}/{project}" "{ua}""#,
            nginx_time(t + 1),
            r.below(100_000)
        );
        b.truth.push(Truth {
            log: "var/log/gitlab/nginx/gitlab_access.log".into(),
            kind: "nginx_access",
            key: key.into(),
            duration_ms: None,
            failed: st >= 500,
            user: Some(user.clone()),
            project: None,
            ip: Some(ip.clone()),
        });

        // Every fifth request: gitlab-shell, production.log, postgresql,
        // registry, kubesos, exceptions, auth.
        if i % 5 == 0 {
            let d = latency(&mut r, 60);
            let _ = writeln!(
                shell,
                r#"{{"correlation_id":"{cid}","duration_ms":{d:.3},"level":"info","method":"POST","msg":"Finished HTTP request","status":200,"time":"{}","url":"http://127.0.0.1:8080/api/v4/internal/allowed"}}"#,
                iso(t)
            );
            let cmd = *r.pick(&["git-upload-pack", "git-receive-pack"]);
            let _ = writeln!(
                shell,
                r#"{{"command":"{cmd}","correlation_id":"{cid}","git_protocol":"version=2","gl_project_path":"{project}","gl_repository":"project-{}","level":"info","msg":"executing git command","remote_ip":"{ip}","time":"{}","user_id":"user-{}","username":"{user}"}}"#,
                r.below(99),
                iso(t),
                u + 2
            );
            if i == 0 {
                b.trace_lines += 2;
            }
            for (key, dur) in [
                ("POST /api/v4/internal/allowed".to_string(), Some(d)),
                (cmd.to_string(), None),
            ] {
                b.truth.push(Truth {
                    log: "var/log/gitlab/gitlab-shell/gitlab-shell.log".into(),
                    kind: "gitlab_shell",
                    key,
                    duration_ms: dur,
                    failed: false,
                    user: dur.is_none().then(|| user.clone()),
                    project: dur.is_none().then(|| project.clone()),
                    ip: dur.is_none().then(|| ip.clone()),
                });
            }

            let &(c, a, med, _) = r.pick(controllers);
            let pd = r.range(med / 2, med * 3);
            let st = if r.below(10) == 0 { 500 } else { 200 };
            let _ = write!(
                plog,
                "Started GET \"/{project}/-/tree/main\" for {ip} at 2026-11-20 {:02}:{:02}:{:02} +0000\nProcessing by {c}#{a} as HTML\n  Parameters: {{\"namespace_id\"=>\"acme-gov\", \"id\"=>\"main\"}}\n  Rendered layouts/_page.html.haml (12.3ms)\nCompleted {st} {} in {pd}ms (Views: 10.1ms | ActiveRecord: 3.2ms)\n",
                BASE_H + t / 3_600_000,
                t / 60_000 % 60,
                t / 1000 % 60,
                if st == 500 { "Internal Server Error" } else { "OK" }
            );
            if st == 500 {
                let _ = writeln!(
                    plog,
                    "ActionView::Template::Error (undefined method `name' for nil):"
                );
                b.error_classes
                    .push(("production_log", "ActionView::Template::Error".into()));
            }
            b.truth.push(Truth {
                log: format!("{rails}/production.log"),
                kind: "production_log",
                key: format!("{c}#{a}"),
                duration_ms: Some(pd as f64),
                failed: st >= 500,
                user: None,
                project: None,
                ip: Some(ip.clone()),
            });

            let pd = latency(&mut r, 1500);
            let (sql, key) = *r.pick(&[
                (
                    r#"SELECT "projects".* FROM "projects" WHERE "projects"."id" = 42"#,
                    "SELECT projects",
                ),
                (
                    r#"UPDATE "ci_builds" SET "status" = 'running' WHERE "id" = 7"#,
                    "UPDATE ci_builds",
                ),
            ]);
            let _ = writeln!(
                pg,
                "{} LOG:  duration: {pd:.3} ms  statement: {sql}",
                svlogd(t)
            );
            b.truth.push(Truth {
                log: "var/log/gitlab/postgresql/current".into(),
                kind: "postgresql",
                key: key.into(),
                duration_ms: Some(pd),
                failed: false,
                user: None,
                project: None,
                ip: None,
            });
            if r.below(4) == 0 {
                let _ = writeln!(
                    pg,
                    "{} ERROR:  canceling statement due to statement timeout",
                    svlogd(t + 1)
                );
                b.error_classes
                    .push(("postgresql", "postgresql ERROR".into()));
            }

            let rd = latency(&mut r, 25);
            let rst = if r.below(20) == 0 { 503 } else { 200 };
            let _ = writeln!(
                reg,
                r#"time="{}" level=info msg="response completed" go.version=go1.22.7 http.request.host={host} http.request.id={} http.request.method=GET http.request.remoteaddr={ip} http.request.uri="/v2/{project}/manifests/latest" http.request.useragent="docker/27.3.1" http.response.contenttype="application/vnd.docker.distribution.manifest.v2+json" http.response.duration={rd:.3}ms http.response.status={rst} http.response.written=1234"#,
                iso(t),
                r.hex(8)
            );
            b.truth.push(Truth {
                log: "var/log/gitlab/registry/current".into(),
                kind: "registry",
                key: "GET /v2/:repo/manifests/*".into(),
                duration_ms: Some(rd),
                failed: rst >= 500,
                user: None,
                project: None,
                ip: Some(ip.clone()),
            });

            let kd = latency(&mut r, 200);
            let _ = writeln!(
                kube,
                r#"gitlab-webservice-default-7d9f8b6c5-x2v9q {{"component":"gitlab","subcomponent":"api_json","time":"{}","severity":"INFO","duration_s":{},"status":200,"method":"GET","path":"/api/v4/projects","route":"/api/:version/projects","remote_ip":"{ip}","username":"{user}","correlation_id":"{}"}}"#,
                iso(t),
                secs(kd),
                r.correlation_id()
            );
            b.truth.push(Truth {
                log: "kubesos/webservice.log".into(),
                kind: "api_json",
                key: "/api/:version/projects".into(),
                duration_ms: Some(kd),
                failed: false,
                user: Some(user.clone()),
                project: None,
                ip: Some(ip.clone()),
            });

            let _ = writeln!(
                exc,
                r#"{{"severity":"ERROR","time":"{}","correlation_id":"{cid}","extra.project_id":55,"exception.class":"Gitlab::HTTP::BlockedUrlError","exception.message":"URL 'https://{user}:{glpat}@{HOST}.{DOMAIN}/{project}.git' is blocked: Requests to the local network are not allowed","exception.backtrace":["lib/gitlab/http.rb:42:in `perform_request'"]}}"#,
                iso(t)
            );
            if i == 0 {
                b.trace_lines += 1;
            }
            b.error_classes
                .push(("exceptions_json", "Gitlab::HTTP::BlockedUrlError".into()));
            b.truth.push(Truth {
                log: format!("{rails}/exceptions_json.log"),
                kind: "exceptions_json",
                key: "Gitlab::HTTP::BlockedUrlError".into(),
                duration_ms: None,
                failed: true,
                user: None,
                project: None,
                ip: None,
            });

            let _ = writeln!(
                auth,
                r#"{{"severity":"ERROR","time":"{}","correlation_id":"{}","message":"Rack_Attack","env":"throttle","remote_ip":"{ip}","request_method":"GET","path":"/{project}.git/info/refs?service=git-upload-pack","user_id":{},"meta.user":"{user}","matched":"throttle_authenticated_web"}}"#,
                iso(t),
                r.correlation_id(),
                u + 2
            );
            b.error_classes
                .push(("auth_json", "Rack_Attack throttle".into()));
            b.truth.push(Truth {
                log: format!("{rails}/auth_json.log"),
                kind: "auth_json",
                key: "Rack_Attack throttle".into(),
                duration_ms: None,
                // Logged at ERROR: a failure in %FAIL as in Errors.
                failed: true,
                user: Some(user.clone()),
                project: None,
                ip: Some(ip.clone()),
            });
            let _ = writeln!(
                app,
                r#"{{"severity":"INFO","time":"{}","correlation_id":"{}","message":"User \"{user}\" ({user}@{DOMAIN}) was created"}}"#,
                iso(t),
                r.correlation_id()
            );
        }
    }
    // Noise every log has: stack traces and startup lines.
    prod.push_str("  app/controllers/application_controller.rb:450:in `set_session_storage'\n");
    gitaly.push_str(&format!(
        "{{\"level\":\"info\",\"msg\":\"Starting Gitaly\",\"time\":\"{}\",\"version\":\"16.11.2\"}}\n",
        iso(0)
    ));

    let mut add = |p: &str, s: String| b.files.push((p.to_string(), s.into_bytes()));
    add(&format!("{rails}/production_json.log"), prod);
    add(&format!("{rails}/api_json.log"), api);
    add(&format!("{rails}/exceptions_json.log"), exc);
    add(&format!("{rails}/application_json.log"), app);
    add(&format!("{rails}/auth_json.log"), auth);
    add(&format!("{rails}/production.log"), plog);
    add("var/log/gitlab/sidekiq/current", sidekiq);
    add("var/log/gitlab/gitaly/current", gitaly);
    add("var/log/gitlab/gitlab-workhorse/current", wh);
    add("var/log/gitlab/gitlab-shell/gitlab-shell.log", shell);
    add("var/log/gitlab/nginx/gitlab_access.log", nginx);
    add("var/log/gitlab/postgresql/current", pg);
    add("var/log/gitlab/registry/current", reg);
    add("kubesos/webservice.log", kube);
    add(
        "gitlab_status",
        "run: gitaly: (pid 4242) 86400s; run: log: (pid 3990) 86400s\nrun: puma: (pid 4301) 86398s; run: log: (pid 3991) 86400s\ndown: sidekiq: 0s, normally up, want up; run: log: (pid 3992) 86400s\n".into(),
    );
    add(
        "free_m",
        "              total        used        free      shared  buff/cache   available\nMem:          15987        6123        2048         512        7816        9012\nSwap:          2047          12        2035\n".into(),
    );
    add(
        "df_hT",
        format!("Filesystem      Type  Size  Used Avail Use% Mounted on\n/dev/vda1       ext4   50G   21G   27G  44% /\nnfs01.{DOMAIN}:/export/git-data nfs4 2.0T 1.5T 500G 75% /var/opt/gitlab/git-data\n"),
    );
    add(
        "cpuinfo",
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n".into(),
    );
    add("hostname", format!("{HOST}.{DOMAIN}\n"));
    add(
        "opt/gitlab/version-manifest.txt",
        "gitlab-ee 16.11.2\n\nComponent  Installed Version\n".into(),
    );
    b.files.push((
        format!("{rails}/production_json.log.1.gz"),
        gzip(prod_old.as_bytes()),
    ));
    b.trace_id = "01HZX3TRACE0AIRLOCK0TEST0X".into();
    b
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("write to memory");
    e.finish().expect("finish in memory")
}
