//! airlock: find, redact and explain what is sensitive in GitLab support
//! bundles, offline.
//!
//! The library is the product; the `airlock` binary is a thin layer of flag
//! parsing over it. Data flows through the modules in this order:
//!
//! * [`rules`]: rules files (TOML) as written → checked rules, built-in packs;
//! * [`detect`]: the one-pass engine that finds every rule's matches and
//!   learned literals in bytes, in line-aligned chunks;
//! * [`input`]: files, directory trees and stdin, walked in a stable order;
//! * [`scan`]: findings placed by line and column, with masked previews;
//! * [`bundle`]: directory trees, tar, gzip and nested archives read in one
//!   traversal and written back in the same form;
//! * [`redact`]: masks and keyed pseudonyms, the learning pass, verification,
//!   the private map and the report;
//! * [`pipeline`]: a redaction job from paths to a verified output in place
//!   (path checks, temporaries, learn → redact → verify → commit);
//! * [`temp`]: owner-only temporaries, removed on every exit path and on
//!   SIGINT/SIGTERM/SIGHUP; [`progress`]: bars for long passes;
//! * [`logs`]: GitLab log kinds, and each line as a typed event;
//! * [`summary`]: statistics, errors, top talkers and traces of logs, and
//!   their reports (text, Markdown, JSON, HTML), sanitized for sharing;
//! * [`brief`]: checks as data over summary's pass, and the escalation note
//!   they make;
//! * [`corpus`]: deterministic generated GitLab data for tests and benchmarks.

pub mod brief;
pub mod bundle;
pub mod corpus;
pub mod detect;
pub mod input;
pub mod logs;
pub mod pipeline;
pub mod progress;
pub mod redact;
pub mod rules;
pub mod scan;
pub mod summary;
pub mod temp;
