mod corpora;
mod docs;
mod engine;
mod rules;
mod scan;
pub mod util;
