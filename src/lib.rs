//! tenderscan: find blacklisted PRC technology vendors in tender contracts and judge every mention.
//!
//! The pipeline runs in one direction: discover -> extract -> normalize -> match -> judge -> report.
//!
//! ```no_run
//! use tenderscan::{judge::Judge, patterns::load, pipeline};
//! let judge = Judge::new(load::defaults().unwrap()).unwrap();
//! let found = pipeline::discover(&["contracts".into()]);
//! pipeline::scan(&found.inputs, &judge, &Default::default(), |report| {
//!     println!("{} {}", report.path, report.verdict.as_str());
//! })
//! .unwrap();
//! ```

pub mod cache;
pub mod document;
pub mod extract;
pub mod finding;
pub mod inventory;
pub mod isolate;
pub mod judge;
pub mod matcher;
pub mod normalize;
pub mod patterns;
pub mod pipeline;
pub mod report;
pub mod review;
#[cfg(test)]
mod testing;
