//! Troubleshooting summaries that can be shared instead of screenshots.
//!
//! * [`analyze`]: one streaming pass over the inputs into bounded
//!   accumulators (raw values);
//! * [`stats`]: count, RPS, percentiles (exact, then a sketch with a stated
//!   bound), standard deviation;
//! * [`sanitize`]: the one hook every printed string goes through;
//! * [`report`]: the reports of `summary`, `errors`, `top`, `trace` and
//!   `compare`, built through that hook;
//! * [`render`](mod@render): text, Markdown, JSON and self-contained HTML;
//! * [`overview`]: host facts from the bundle's command outputs.

pub mod analyze;
pub mod evidence;
pub mod overview;
pub mod render;
pub mod report;
pub mod sanitize;
pub mod stats;

pub use analyze::{Analysis, Want};
pub use render::{render, render_all, Format};
pub use report::{Field, Report, ReportOptions, SortBy};
pub use sanitize::{Known, Placeholders, Pseudonyms, Raw, Sanitize, ValueKind};
