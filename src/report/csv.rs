//! CSV for spreadsheets: one row per finding, and one row (empty finding columns) for a document
//! without findings, so every input appears.
//!
//! Written for Excel as much as for scripts: UTF-8 with a byte-order mark (without it Excel reads
//! Chinese as mojibake), and every cell that a spreadsheet would take for a formula (`=`, `+`, `-`,
//! `@`, tab, carriage return at the start) is prefixed with `'`, because contract text is untrusted
//! and `=HYPERLINK(...)` in a tender document must stay text.

use crate::finding::{DocumentReport, Finding};
use std::io::Write;

/// The columns, in order. The first ten are the documented core; the rest are extras.
pub const HEADER: &[&str] = &[
    "path",
    "verdict",
    "kind",
    "entity",
    "disposition",
    "list",
    "page",
    "clause",
    "text",
    "excerpt",
    "rule",
    "severity",
    "lists",
    "page_label",
    "paragraph",
    "table",
    "row",
    "col",
    "cue",
    "message",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "format",
    "status",
    "error",
];

/// Neutralise a cell a spreadsheet would evaluate.
pub fn neutralize(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn num(x: Option<f64>) -> String {
    x.map(|v| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    })
    .unwrap_or_default()
}

fn row(r: &DocumentReport, f: Option<&Finding>) -> Vec<String> {
    let opt = |s: Option<&str>| s.unwrap_or("").to_string();
    let n = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
    let mut cells = vec![r.path.clone(), r.verdict.as_str().to_string()];
    match f {
        Some(f) => cells.extend([
            f.kind.as_str().to_string(),
            opt(f.entity.as_deref()),
            opt(f.disposition.map(|d| d.as_str())),
            opt(f.list.as_deref()),
            n(f.page),
            opt(f.clause.as_deref()),
            f.text.clone(),
            f.excerpt.clone(),
            f.rule.clone(),
            f.severity.as_str().to_string(),
            f.lists.join(";"),
            opt(f.page_label.as_deref()),
            n(f.paragraph),
            n(f.table.map(|t| t.table)),
            n(f.table.map(|t| t.row)),
            n(f.table.map(|t| t.col)),
            opt(f.cue.as_deref()),
            f.message.clone(),
            num(f.quantity),
            num(f.unit_price),
            num(f.amount),
            opt(f.currency.as_deref()),
        ]),
        None => cells.extend(std::iter::repeat_n(String::new(), 22)),
    }
    cells.extend([
        opt(r.format.as_deref()),
        r.status.as_str().to_string(),
        opt(r.error.as_deref()),
    ]);
    cells.iter().map(|c| neutralize(c)).collect()
}

/// Write every document: a BOM, the header, then one row per finding in document order.
pub fn write_csv<W: Write>(out: &mut W, docs: &[DocumentReport]) -> std::io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(&mut *out);
    w.write_record(HEADER)?;
    for r in docs {
        if r.findings.is_empty() {
            w.write_record(row(r, None))?;
        }
        for f in &r.findings {
            w.write_record(row(r, Some(f)))?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("+1"), "'+1");
        assert_eq!(neutralize("-1"), "'-1");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("\rx"), "'\rx");
        assert_eq!(neutralize("華為"), "華為");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn header_and_rows_have_the_same_width() {
        let r = DocumentReport::error("a.pdf".into(), None, "io", "gone".into());
        assert_eq!(row(&r, None).len(), HEADER.len());
    }
}
