mod analytics;
mod bundle_gen;
mod engine;
mod hostile;
mod loghub_redact;
mod redact;
mod rules;
mod scan;
pub mod util;
