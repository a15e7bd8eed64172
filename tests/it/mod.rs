mod bundle_gen;
mod engine;
mod redact;
mod rules;
mod scan;
pub mod util;
