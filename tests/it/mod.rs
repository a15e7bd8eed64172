mod corpora;
mod docs;
mod engine;
mod leaks;
mod rules;
mod scan;
pub mod util;
