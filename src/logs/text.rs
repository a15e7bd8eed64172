//! Small text helpers shared by the parsers and the reports: URL paths
//! folded into route templates, messages folded into groups, SQL statements
//! folded into a verb and a table, logfmt pairs.

/// Top-level path segments that are GitLab routes, not namespaces.
const ROOT_ROUTES: &[&str] = &[
    "-",
    "admin",
    "api",
    "assets",
    "dashboard",
    "explore",
    "favicon.ico",
    "groups",
    "help",
    "import",
    "jwt",
    "oauth",
    "profile",
    "projects",
    "robots.txt",
    "search",
    "snippets",
    "users",
    "v2",
    "health_check",
    "readiness",
    "liveness",
    "metrics",
    "uploads",
    "ci",
    "socket",
    "cable",
    "manifest.json",
    "sitemap",
    "abuse_reports",
    "autocomplete",
    "invites",
    "sent_notifications",
    "unsubscribes",
    "user_settings",
    "organizations",
    ".well-known",
];

/// Path segments that end a namespace/project prefix in a project URL
/// written without `/-/` (old routes, git over HTTP).
const PROJECT_ROUTES: &[&str] = &[
    "info",
    "git-upload-pack",
    "git-receive-pack",
    "issues",
    "merge_requests",
    "tree",
    "blob",
    "raw",
    "commits",
    "commit",
    "pipelines",
    "jobs",
    "tags",
    "branches",
    "archive",
    "releases",
    "settings",
    "activity",
    "refs",
    "compare",
    "wikis",
    "milestones",
    "labels",
    "environments",
    "packages",
    "container_registry",
    "edit",
    "new",
    "uploads",
    "gitlab-lfs",
    "objects",
    "builds",
    "snippets",
    "graphs",
    "network",
    "find_file",
    "files",
    "repository",
    "forks",
    "members",
    "project_members",
    "group_members",
    "hooks",
    "deploy_keys",
    "notes",
];

/// Sub-routes of `/users/…` and friends that are not a name.
const ACCOUNT_ROUTES: &[&str] = &[
    "sign_in",
    "sign_out",
    "sign_up",
    "password",
    "auth",
    "confirmation",
    "unlock",
    "edit",
    "new",
    "terms",
    "almost_there",
    "two_factor_auth",
    "identity_verification",
    "new_session",
];

fn is_route_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-' || b == b'.')
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_hexish(s: &str) -> bool {
    s.len() >= 7
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_digit())
}

/// A URL path (query dropped) folded into a route template that names no
/// user, group, project, branch or file: `/acme/app/-/issues/42` →
/// `/:project/-/issues/:id`, `/acme/app.git/info/refs` →
/// `/:repo.git/info/refs`, `/api/v4/projects/acme%2Fapp/jobs/7` →
/// `/api/v4/projects/:id/jobs/:id`.
pub fn path_template(uri: &str) -> String {
    let path = uri
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .split("\\u0026")
        .next()
        .unwrap_or("");
    // An absolute URL: keep only its path.
    let path = match path.find("://") {
        Some(i) => match path[i + 3..].find('/') {
            Some(j) => &path[i + 3 + j..],
            None => "/",
        },
        None => path,
    };
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = String::with_capacity(path.len().min(64));
    if segs.is_empty() {
        return "/".into();
    }
    let mut i = 0;
    let first = segs[0];
    if first == "v2" && segs.len() > 1 {
        // Container registry: /v2/<repository path>/manifests/<ref>.
        return match segs
            .iter()
            .position(|s| matches!(*s, "manifests" | "blobs" | "tags"))
        {
            Some(m) => format!("/v2/:repo/{}/*", segs[m]),
            None if segs[1].starts_with('_') => format!("/v2/{}", segs[1]),
            None => "/v2/*".into(),
        };
    }
    if !ROOT_ROUTES.contains(&first) {
        // A namespace path: fold everything up to a project route marker.
        let mut j = 0;
        let mut marker = None;
        while j < segs.len() {
            let s = segs[j];
            if s == "-" || (j > 0 && PROJECT_ROUTES.contains(&s)) {
                marker = Some(j);
                break;
            }
            if s.ends_with(".git") || s.ends_with(".wiki.git") {
                marker = Some(j + 1);
                out.push_str("/:repo.git");
                break;
            }
            j += 1;
        }
        match marker {
            Some(m) => {
                if !out.ends_with(".git") {
                    out.push_str(if m <= 1 { "/:namespace" } else { "/:project" });
                }
                i = m;
            }
            None => {
                out.push_str(if segs.len() == 1 {
                    "/:namespace"
                } else {
                    "/:path"
                });
                return out;
            }
        }
    }
    // After a marker (or from a root route): keep route words, fold values.
    // Past the first value that is not a route word everything is folded, so
    // branch names and file paths never show.
    let mut literal = 0;
    let mut prev = "";
    while i < segs.len() {
        let s = segs[i];
        out.push('/');
        if s.len() <= 3 && s.starts_with('v') && is_id(&s[1..]) {
            // API version: /api/v4
            out.push_str(s);
        } else if is_id(s) {
            out.push_str(":id");
        } else if is_hexish(s) {
            out.push_str(":sha");
        } else if matches!(
            prev,
            "projects" | "groups" | "users" | "namespaces" | "runners"
        ) && !ACCOUNT_ROUTES.contains(&s)
        {
            out.push_str(":id");
            if prev == "groups" && first != "api" {
                // Subgroups: fold up to the `/-/` marker.
                while i + 1 < segs.len() && segs[i + 1] != "-" {
                    i += 1;
                }
            }
        } else if is_route_word(s) && literal < 6 {
            out.push_str(s);
            literal += 1;
        } else {
            out.push('*');
            break;
        }
        prev = s;
        i += 1;
        if out.len() > 120 {
            out.push_str("/*");
            break;
        }
    }
    out
}

/// Fold the variable parts of a message so equal errors group together:
/// numbers → `N`, hex runs and `0x…` → `HEX`, UUIDs → `UUID`, long mixed
/// tokens (ids, tokens) → `ID`, airlock's pseudonyms → `user-…`, `h-…`;
/// whitespace collapsed; cut at `max` chars. [`PLACEHOLDERS`] lists what it
/// writes.
pub fn normalize_message(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 8));
    let mut chars = s.char_indices().peekable();
    let mut last_space = false;
    while let Some(&(i, c)) = chars.peek() {
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        let opens_single = c == '\''
            && (i == 0
                || matches!(
                    s[..i].chars().next_back(),
                    Some(' ' | '(' | ':' | '=' | '[' | ',')
                ));
        if s[i..].starts_with("[REDACTED:") {
            // airlock's own mask, kept whole: its fingerprint is how a
            // reader finds the same secret elsewhere in the bundle, and a
            // fingerprint of digits only must not fold to `N`.
            if let Some(len) = s[i..].find(']') {
                out.push_str(&s[i..=i + len]);
                while chars.peek().is_some_and(|&(j, _)| j <= i + len) {
                    chars.next();
                }
                last_space = false;
                continue;
            }
        }
        if c == '"' || opens_single {
            // Quoted names (`User "Jane Doe" was created`, `project "a / b"`)
            // vary per instance: fold them.
            chars.next();
            let mut closed = false;
            for (_, d) in chars.by_ref() {
                if d == c {
                    closed = true;
                    break;
                }
            }
            out.push(c);
            out.push('…');
            if closed {
                out.push(c);
            }
            last_space = false;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' || d == '-' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let tok = &s[i..end];
            out.push_str(&fold_token(tok));
            last_space = false;
        } else if c.is_whitespace() {
            chars.next();
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            chars.next();
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

/// The words [`normalize_message`] puts in place of what it folds (besides
/// `…`): they name nothing, so the report's sanitizer leaves them alone.
pub const PLACEHOLDERS: &[&str] = &["N", "HEX", "UUID", "ID"];

/// Is `v` made only of [`normalize_message`]'s placeholders and
/// punctuation (`"…"`, `ID`, `N.N.N.N`, `user-…@d-….example` is not: it
/// still holds `example`)?
pub fn is_placeholder(v: &str) -> bool {
    let mut v = v.to_string();
    for p in ["user-…", "name-…", "h-…", "d-…"] {
        v = v.replace(p, "…");
    }
    let tokens = || v.split(|c: char| !c.is_ascii_alphanumeric());
    (v.contains('…') || tokens().any(|t| PLACEHOLDERS.contains(&t)))
        && tokens().all(|t| t.is_empty() || PLACEHOLDERS.contains(&t))
}

/// Fold one token, always **whole**: a token is either kept as it is or
/// replaced entirely, never rewritten in part (`jdoe42` → `jdoeN` would
/// leave a user name that no rule or learned literal recognises any more).
fn fold_token(tok: &str) -> String {
    let b = tok.as_bytes();
    // airlock's own pseudonyms (a redacted bundle): one user is any user,
    // whether its hash happens to hold a digit or not. The prefix stays, so
    // the message still says what was there, and no rule sees a name in
    // `user-…` (a made-up pseudonym of the placeholder would name nobody).
    if let Some((prefix, _)) = tok.split_once('-') {
        let own = match prefix {
            "user" | "name" => crate::redact::pseudo::is_own("username", tok),
            "h" | "d" => crate::redact::pseudo::is_own("hostname", tok),
            _ => false,
        };
        if own {
            return format!("{prefix}-…");
        }
    }
    if tok.contains('-') {
        let parts: Vec<&str> = tok.split('-').collect();
        if parts.len() == 5
            && parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && parts
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return "UUID".into();
        }
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return tok.to_string();
    }
    if digits == b.len() {
        return "N".into();
    }
    if b.len() > 2 && (tok.starts_with("0x") || tok.starts_with("0X")) {
        return "HEX".into();
    }
    if b.len() >= 8 && b.iter().all(|c| c.is_ascii_hexdigit()) {
        return "HEX".into();
    }
    // Short mixed tokens are vocabulary (`v4`, `md5`, `sha256`, `utf8`);
    // longer ones are ids, names with numbers, dates.
    if b.len() <= 6 {
        tok.to_string()
    } else {
        "ID".into()
    }
}

/// `SELECT "users".* FROM "users" WHERE …` → `SELECT users`.
pub fn sql_key(sql: &str) -> String {
    let sql = sql.trim_start();
    let verb: String = sql
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if verb.is_empty() {
        return "(statement)".into();
    }
    let lower = sql.to_ascii_lowercase();
    let after = match verb.as_str() {
        "SELECT" | "DELETE" => " from ",
        "INSERT" => " into ",
        "UPDATE" => "update ",
        "COPY" => "copy ",
        _ => return verb,
    };
    let table = lower.find(after).map(|i| {
        sql[i + after.len()..]
            .trim_start()
            .trim_start_matches('(')
            .split(|c: char| c.is_whitespace() || c == '(' || c == ',' || c == ';')
            .next()
            .unwrap_or("")
            .trim_matches('"')
            .to_string()
    });
    match table {
        Some(t) if !t.is_empty() && t.len() < 64 => format!("{verb} {t}"),
        _ => verb,
    }
}

/// Pairs of a logfmt line: `key=value key="quoted value"`.
pub fn logfmt(line: &str) -> Vec<(&str, std::borrow::Cow<'_, str>)> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        let key = &line[ks..i];
        i += 1;
        if i < b.len() && b[i] == b'"' {
            i += 1;
            let vs = i;
            let mut escaped = false;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    escaped = true;
                    i += 1;
                }
                i += 1;
            }
            let raw = &line[vs..i.min(b.len())];
            let v = if escaped {
                std::borrow::Cow::Owned(raw.replace("\\\"", "\"").replace("\\\\", "\\"))
            } else {
                std::borrow::Cow::Borrowed(raw)
            };
            out.push((key, v));
            i += 1;
        } else {
            let vs = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push((key, std::borrow::Cow::Borrowed(&line[vs..i])));
        }
    }
    out
}

/// A Go duration (`12.3ms`, `1.5s`, `250µs`, `1m2s`) in milliseconds.
pub fn go_duration_ms(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" | "" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += v * mult;
        rest = &rest[u..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_hide_names() {
        assert_eq!(
            path_template("/acme/app/-/issues/42?x=1"),
            "/:project/-/issues/:id"
        );
        assert_eq!(
            path_template("/acme/sub/app.git/info/refs?service=git-upload-pack"),
            "/:repo.git/info/refs"
        );
        assert_eq!(
            path_template("/api/v4/projects/acme%2Fapp/jobs/7"),
            "/api/v4/projects/:id/jobs/:id"
        );
        assert_eq!(
            path_template("/acme/app/-/blob/main/README.md"),
            "/:project/-/blob/main/*"
        );
        assert_eq!(path_template("/jdoe"), "/:namespace");
        assert_eq!(
            path_template("/groups/acme/sub/-/epics/3"),
            "/groups/:id/-/epics/:id"
        );
        assert_eq!(
            path_template("/v2/acme/app/manifests/latest"),
            "/v2/:repo/manifests/*"
        );
        assert_eq!(path_template("/acme/app"), "/:path");
        assert_eq!(path_template("/users/sign_in"), "/users/sign_in");
        assert_eq!(path_template("/users/jdoe/activity"), "/users/:id/activity");
        assert_eq!(
            path_template("http://127.0.0.1:8080/api/v4/internal/allowed"),
            "/api/v4/internal/allowed"
        );
        assert_eq!(
            path_template("/api/v4/projects/7/repository/commits/0123456789abcdef0123"),
            "/api/v4/projects/:id/repository/commits/:sha"
        );
    }

    #[test]
    fn messages_fold() {
        assert_eq!(
            normalize_message(
                "undefined method `x' for #<Foo:0x00007fb5d917c4b0> id 42 job 06aeaa3b0aadacf9981f368e",
                200
            ),
            "undefined method `x' for #<Foo:HEX> id N job HEX"
        );
        assert_eq!(
            normalize_message(
                "URL 'https://jdoe42:pw@h/x.git' is blocked for jdoe42 on 2026-11-20",
                200
            ),
            "URL '…' is blocked for jdoe42 on ID"
        );
        // A mask whose fingerprint is all digits stays as written.
        assert_eq!(
            normalize_message(
                "auth https://[REDACTED:url_credentials/123456]@h failed 42",
                200
            ),
            "auth https://[REDACTED:url_credentials/123456]@h failed N"
        );
        assert_eq!(
            normalize_message(r#"User "Jane Doe" (jane@x.org) was created"#, 200),
            r#"User "…" (jane@x.org) was created"#
        );
        assert_eq!(
            normalize_message("uuid 04f1366e-57a1-45b8-88c1-b00b23dc3616 node7", 200),
            "uuid UUID node7"
        );
        // airlock's pseudonyms fold whole, with or without a digit.
        assert_eq!(
            normalize_message(
                r#"User "user-abcdefgh" (user-27umq7vr@h-b44rek4k.d-bo2mn5wr.example) left"#,
                200
            ),
            r#"User "…" (user-…@h-….d-….example) left"#
        );
        assert_eq!(
            normalize_message("user-27umq7vr name-abcdefgh", 200),
            "user-… name-…"
        );
        for p in ["…", "\"…\"", "ID", "N.N.N.N", "user-…", "user-…@h-…"] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in ["user-…@d-….example", "jdoe", "-", "IDs", "N.N.N.N4"] {
            assert!(!is_placeholder(p), "{p}");
        }
    }

    #[test]
    fn sql_and_logfmt_and_durations() {
        assert_eq!(
            sql_key(r#"SELECT "users".* FROM "users" WHERE id = 1"#),
            "SELECT users"
        );
        assert_eq!(sql_key("UPDATE ci_builds SET x=1"), "UPDATE ci_builds");
        assert_eq!(sql_key("vacuum analyze"), "VACUUM");
        let p = logfmt(r#"time="2026-11-20T13:44:10Z" level=info msg="response \"done\"" a=b"#);
        assert_eq!(p[0], ("time", "2026-11-20T13:44:10Z".into()));
        assert_eq!(p[2], ("msg", r#"response "done""#.into()));
        assert_eq!(p[3], ("a", "b".into()));
        assert_eq!(go_duration_ms("12.5ms"), Some(12.5));
        assert_eq!(go_duration_ms("1m2s"), Some(62_000.0));
        assert_eq!(go_duration_ms("250µs"), Some(0.25));
    }
}
