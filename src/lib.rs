//! tenderscan: find blacklisted PRC technology vendors in tender contracts and judge every mention.
//!
//! Pipeline: discover -> extract -> normalize -> match -> judge -> report. See DESIGN.md.

pub mod document;
pub mod extract;
