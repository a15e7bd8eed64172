//! Which GitLab log a file (or a line) is.
//!
//! The path decides first (`gitlab-rails/production_json.log`,
//! `gitaly/current`, rotated `api_json.log.1.gz`, svlogd's `@4000….s`); a
//! file whose name says nothing (stdin, a renamed copy, a kubesos pod log) is
//! recognised line by line from its content (which keys a JSON line has, the
//! shape of a text line). kubesos lines also name their Rails log in
//! `subcomponent`, which overrides the file's kind for that line.
//!
//! Logs that GitLab writes but that have no request/job semantics
//! (`integrations_json.log`, `gitlab-pages/current`, …) are still recognised,
//! by name, as [`LogKind::Other`], and read generically.

use std::sync::Arc;

/// A kind of GitLab log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    ProductionJson,
    ApiJson,
    Sidekiq,
    Gitaly,
    Praefect,
    Workhorse,
    GitlabShell,
    NginxAccess,
    ProductionLog,
    ExceptionsJson,
    ApplicationJson,
    AuthJson,
    Postgresql,
    Registry,
    /// A log known by its name and read generically (`integrations_json`,
    /// `gitlab_pages`, `application_log`, `redis`, …).
    Other(Arc<str>),
}

impl LogKind {
    pub fn name(&self) -> &str {
        match self {
            LogKind::ProductionJson => "production_json",
            LogKind::ApiJson => "api_json",
            LogKind::Sidekiq => "sidekiq",
            LogKind::Gitaly => "gitaly",
            LogKind::Praefect => "praefect",
            LogKind::Workhorse => "workhorse",
            LogKind::GitlabShell => "gitlab_shell",
            LogKind::NginxAccess => "nginx_access",
            LogKind::ProductionLog => "production_log",
            LogKind::ExceptionsJson => "exceptions_json",
            LogKind::ApplicationJson => "application_json",
            LogKind::AuthJson => "auth_json",
            LogKind::Postgresql => "postgresql",
            LogKind::Registry => "registry",
            LogKind::Other(n) => n,
        }
    }

    /// The kind called `name` (a [`LogKind::name`] or a kubesos
    /// `subcomponent`).
    pub fn from_name(name: &str) -> LogKind {
        match name {
            "production_json" => LogKind::ProductionJson,
            "api_json" => LogKind::ApiJson,
            "sidekiq" | "sidekiq_json" => LogKind::Sidekiq,
            "gitaly" => LogKind::Gitaly,
            "praefect" => LogKind::Praefect,
            "workhorse" | "gitlab-workhorse" | "gitlab_workhorse" => LogKind::Workhorse,
            "gitlab_shell" | "gitlab-shell" => LogKind::GitlabShell,
            "nginx_access" | "gitlab_access" => LogKind::NginxAccess,
            "production_log" | "production" => LogKind::ProductionLog,
            "exceptions_json" => LogKind::ExceptionsJson,
            "application_json" => LogKind::ApplicationJson,
            "auth_json" => LogKind::AuthJson,
            "postgresql" | "postgres" => LogKind::Postgresql,
            "registry" => LogKind::Registry,
            other => LogKind::Other(Arc::from(other.replace('-', "_"))),
        }
    }

    /// What the stats key of this kind is, for table headers.
    pub fn key_label(&self) -> &'static str {
        match self {
            LogKind::ProductionJson | LogKind::ProductionLog => "controller#action",
            LogKind::ApiJson => "route",
            LogKind::Sidekiq => "class",
            LogKind::Gitaly | LogKind::Praefect => "grpc.method",
            LogKind::Workhorse | LogKind::Registry | LogKind::NginxAccess => "method route",
            LogKind::GitlabShell => "command",
            LogKind::ExceptionsJson => "exception.class",
            LogKind::AuthJson => "message env",
            LogKind::Postgresql => "statement",
            LogKind::ApplicationJson | LogKind::Other(_) => "message",
        }
    }
}

/// The log name of a path once rotation and compression suffixes are gone:
/// `api_json.log.1.gz` → `api_json.log`, `production.log-20260309.gz` →
/// `production.log`, `sidekiq/@4000000068e1….s` → `sidekiq/current`.
pub fn base_name(path: &str) -> String {
    let (dir, file) = match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    if file.starts_with('@') && (file.ends_with(".s") || file.ends_with(".u")) {
        return format!("{dir}current");
    }
    let mut f = file;
    loop {
        let before = f;
        for ext in [".gz", ".bz2", ".xz", ".zst"] {
            if let Some(s) = f.strip_suffix(ext) {
                f = s;
            }
        }
        // `.1`, `.12`
        if let Some(dot) = f.rfind('.') {
            if dot + 1 < f.len() && f[dot + 1..].bytes().all(|b| b.is_ascii_digit()) {
                f = &f[..dot];
            }
        }
        // dateext: `-20260309`, `-2026-03-09`
        if let Some(dash) = f.rfind('-') {
            let tail = &f[dash + 1..];
            if tail.len() >= 8 && tail.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                f = &f[..dash];
            }
        }
        if f == before {
            break;
        }
    }
    format!("{dir}{f}")
}

/// The kind a path names, if it names one. `path` uses `/` separators.
pub fn kind_from_path(path: &str) -> Option<LogKind> {
    let base = base_name(path);
    let mut parts = base.rsplit('/');
    let file = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    let file_l = file.to_ascii_lowercase();
    let k = match file_l.as_str() {
        "production_json.log" => LogKind::ProductionJson,
        "api_json.log" => LogKind::ApiJson,
        "exceptions_json.log" => LogKind::ExceptionsJson,
        "application_json.log" => LogKind::ApplicationJson,
        "auth_json.log" => LogKind::AuthJson,
        "production.log" => LogKind::ProductionLog,
        "gitlab-shell.log" | "gitlab_shell.log" => LogKind::GitlabShell,
        "sidekiq.log" | "sidekiq_json.log" => LogKind::Sidekiq,
        "gitaly.log" => LogKind::Gitaly,
        "praefect.log" => LogKind::Praefect,
        "workhorse.log" | "gitlab-workhorse.log" | "gitlab_workhorse.log" => LogKind::Workhorse,
        "registry.log" => LogKind::Registry,
        "postgresql.log" | "postgres.log" => LogKind::Postgresql,
        "gitlab_access.log" | "nginx-ingress.log" | "access.log" => LogKind::NginxAccess,
        // kubesos: the webservice pod log interleaves several Rails logs;
        // each line's `subcomponent` says which.
        "webservice.log" => LogKind::Other(Arc::from("webservice")),
        "current" => match parent {
            "sidekiq" => LogKind::Sidekiq,
            "gitaly" => LogKind::Gitaly,
            "praefect" => LogKind::Praefect,
            "gitlab-workhorse" => LogKind::Workhorse,
            "postgresql" | "patroni" => LogKind::Postgresql,
            "registry" => LogKind::Registry,
            "gitlab-shell" => LogKind::GitlabShell,
            "" => return None,
            // Another service's svlogd log: named after it, and its lines
            // still recognised by content (see `parse::json_kind`).
            svc => LogKind::Other(Arc::from(svc.replace('-', "_"))),
        },
        f if f.ends_with("_access.log") && parent == "nginx" => LogKind::NginxAccess,
        f if f.ends_with(".log") => {
            let stem = &file[..file.len() - 4];
            LogKind::from_name(stem)
        }
        _ => return None,
    };
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_names() {
        assert_eq!(base_name("a/api_json.log.1.gz"), "a/api_json.log");
        assert_eq!(base_name("production.log-20260309.gz"), "production.log");
        assert_eq!(
            base_name("var/log/gitlab/sidekiq/@4000000068e1a2b30c1d2e3f.s"),
            "var/log/gitlab/sidekiq/current"
        );
        assert_eq!(
            kind_from_path("x/gitlab-rails/api_json.log.2.gz"),
            Some(LogKind::ApiJson)
        );
        assert_eq!(kind_from_path("x/gitaly/current"), Some(LogKind::Gitaly));
        assert_eq!(
            kind_from_path("x/gitlab-rails/integrations_json.log"),
            Some(LogKind::Other(Arc::from("integrations_json")))
        );
        assert_eq!(kind_from_path("x/free_m"), None);
    }
}
