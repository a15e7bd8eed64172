//! The built-in packs, embedded so the binary needs no files beside it.
//!
//! The files live in `rules/` at the top of the repository, where they are
//! read, reviewed and checked (`airlock rules check`) like any user pack.
//!
//! Order matters only for ties: at the same place and priority, the rule of
//! the earlier pack wins. GitLab's own tokens come first; the vendor packs
//! (`ai.toml` … `saas.toml`) come after the context packs, which they
//! outrank by priority where they meet.

/// (file name, contents) of every built-in pack, in load order.
pub const PACKS: &[(&str, &str)] = &[
    ("gitlab.toml", include_str!("../../rules/gitlab.toml")),
    (
        "credentials.toml",
        include_str!("../../rules/credentials.toml"),
    ),
    ("cloud.toml", include_str!("../../rules/cloud.toml")),
    ("commands.toml", include_str!("../../rules/commands.toml")),
    ("files.toml", include_str!("../../rules/files.toml")),
    ("encoded.toml", include_str!("../../rules/encoded.toml")),
    ("ai.toml", include_str!("../../rules/ai.toml")),
    ("devtools.toml", include_str!("../../rules/devtools.toml")),
    ("infra.toml", include_str!("../../rules/infra.toml")),
    ("messaging.toml", include_str!("../../rules/messaging.toml")),
    (
        "observability.toml",
        include_str!("../../rules/observability.toml"),
    ),
    (
        "registries.toml",
        include_str!("../../rules/registries.toml"),
    ),
    ("saas.toml", include_str!("../../rules/saas.toml")),
    (
        "gitlab-config.toml",
        include_str!("../../rules/gitlab-config.toml"),
    ),
    ("identity.toml", include_str!("../../rules/identity.toml")),
    ("accounts.toml", include_str!("../../rules/accounts.toml")),
    ("network.toml", include_str!("../../rules/network.toml")),
    ("allow.toml", ALLOW),
];

/// The built-in allow list (see [`super::allow`]); a pack without rules.
pub const ALLOW: &str = include_str!("../../rules/allow.toml");
