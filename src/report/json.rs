//! JSON and JSON Lines output.

use super::Summary;
use crate::finding::DocumentReport;
use serde::Serialize;
use std::io::Write;

/// One JSON Lines record: a document.
pub fn write_jsonl<W: Write>(out: &mut W, r: &DocumentReport) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Whole<'a> {
    documents: &'a [DocumentReport],
    summary: &'a Summary,
}

/// One JSON object holding every document and the summary.
pub fn write_json<W: Write>(
    out: &mut W,
    docs: &[DocumentReport],
    summary: &Summary,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Whole {
            documents: docs,
            summary,
        },
    )?;
    out.write_all(b"\n")
}
