//! Printers: they take finished reports and only format them.
//!
//! `text` is for people at a terminal; `json` (one object with every document and a summary) and
//! `jsonl` (one document per line, streamed in input order) are stable machine contracts documented in
//! README.md.

pub mod json;
pub mod text;

use crate::finding::{DocumentReport, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// Totals over a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub documents: usize,
    pub pass: usize,
    pub review: usize,
    pub fail: usize,
    pub unreadable: usize,
    pub errors: usize,
    /// Files met while walking folders that are not contracts.
    pub skipped: usize,
    /// Mention findings per entity, by disposition.
    pub entities: BTreeMap<String, BTreeMap<String, usize>>,
    pub missing_clause: usize,
    pub permissive_clause: usize,
}

impl Summary {
    pub fn add(&mut self, r: &DocumentReport) {
        self.documents += 1;
        match r.verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Review => self.review += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Unreadable => self.unreadable += 1,
        }
        if r.status == crate::finding::Status::Error {
            self.errors += 1;
        }
        for f in &r.findings {
            match f.kind {
                crate::finding::FindingKind::Mention => {
                    if let (Some(e), Some(d)) = (&f.entity, f.disposition) {
                        *self
                            .entities
                            .entry(e.clone())
                            .or_default()
                            .entry(d.as_str().to_string())
                            .or_default() += 1;
                    }
                }
                crate::finding::FindingKind::MissingClause => self.missing_clause += 1,
                crate::finding::FindingKind::PermissiveClause => self.permissive_clause += 1,
            }
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Jsonl,
}

/// Remove terminal control characters and escape sequences that came from a document.
pub fn sanitize_terminal(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .filter(|&c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect()
}
