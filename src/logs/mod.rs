//! GitLab logs: which kind a file or line is, and what each line says.
//!
//! * [`kind`]: the kinds (production_json, gitaly, nginx access, …) and how
//!   a path names one;
//! * [`read`]: inputs (files, directories, stdin, gzip members) as lines;
//! * [`parse`]: a line → an [`Event`] (time, key, duration, failure, user,
//!   project, client, correlation id, error);
//! * [`json`], [`text`], [`time`]: the field readers underneath.
//!
//! Nothing here decides what is sensitive: events hold raw values, and the
//! reports sanitize at render time (`crate::summary::sanitize`), after
//! grouping, so grouping by user or IP is exact.

pub mod json;
pub mod kind;
pub mod parse;
pub mod read;
pub mod text;
pub mod time;

pub use kind::LogKind;
pub use parse::{Event, Line, LineParser};
