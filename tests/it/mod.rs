mod corpus;
mod engine;
mod rules;
mod scan;
pub mod util;
