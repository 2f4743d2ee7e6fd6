//! The XLSX report (`--format xlsx`): a workbook a council opens in Excel or LibreOffice Calc.
//!
//! Sheets: Documents (one row per document), Findings (one row per finding), Inventory (devices and
//! amounts per entity) and Lists (the lists in force, with links to their legal texts). Clause
//! numbers, model numbers, paths and every other word from a document are written as text, so
//! `12.10` stays `12.10` and `=1+1` is never a formula; page, paragraph, quantities and amounts are
//! numbers. Every sheet has a bold, frozen header row and an autofilter, and columns as wide as
//! their text (Chinese characters count double).

use super::{citation_parts, finding_label, Summary};
use crate::finding::DocumentReport;
use crate::patterns::{PatternSet, Status as ListStatus};
use rust_xlsxwriter::{Format, Url, Workbook, Worksheet, XlsxError};
use std::io::Write;

/// Widest column, in character widths.
const MAX_WIDTH: f64 = 70.0;

/// Display width of text: East Asian wide characters count two.
fn text_width(s: &str) -> f64 {
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| match c as u32 {
                    0x1100..=0x115F
                    | 0x2E80..=0xA4CF
                    | 0xAC00..=0xD7A3
                    | 0xF900..=0xFAFF
                    | 0xFE30..=0xFE4F
                    | 0xFF00..=0xFF60
                    | 0xFFE0..=0xFFE6
                    | 0x20000..=0x3FFFD => 2.0,
                    _ => 1.0,
                })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// A cell value.
enum Cell {
    Text(String),
    Number(f64),
    /// A link with its text.
    Link(String, String),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    let s = s.into();
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s)
    }
}

fn opt_text(s: Option<&str>) -> Cell {
    s.map(text).unwrap_or(Cell::Empty)
}

fn num(n: Option<f64>) -> Cell {
    match n {
        Some(n) if n.is_finite() => Cell::Number(n),
        _ => Cell::Empty,
    }
}

/// One sheet: header, rows, then widths, frozen header and autofilter.
fn sheet(
    ws: &mut Worksheet,
    name: &str,
    header: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let bold = Format::new().set_bold().set_background_color("#E8ECF2");
    let wrap = Format::new().set_text_wrap();
    let mut widths: Vec<f64> = header.iter().map(|h| text_width(h) + 3.0).collect();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let w = match cell {
                Cell::Text(s) => {
                    // Excel's limit for one cell.
                    let s: String = s.chars().take(32_000).collect();
                    if s.chars().count() > 120 {
                        ws.write_string_with_format(r, col, &s, &wrap)?;
                    } else {
                        ws.write_string(r, col, &s)?;
                    }
                    text_width(&s)
                }
                Cell::Number(n) => {
                    ws.write_number(r, col, *n)?;
                    n.to_string().len() as f64
                }
                Cell::Link(url, label) => {
                    ws.write_url_with_text(r, col, Url::new(url.as_str()), label.as_str())?;
                    text_width(label)
                }
                Cell::Empty => 0.0,
            };
            if let Some(x) = widths.get_mut(c) {
                *x = x.max(w + 1.0);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, w.min(MAX_WIDTH))?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(
        0,
        0,
        rows.len() as u32,
        header.len().saturating_sub(1) as u16,
    )?;
    Ok(())
}

/// Only http(s) links (a patterns file is data, not a way to put another scheme in a workbook).
fn safe_url(u: &str) -> Option<&str> {
    let l = u.trim().to_ascii_lowercase();
    (l.starts_with("https://") || l.starts_with("http://")).then_some(u.trim())
}

pub const DOCUMENT_HEADER: &[&str] = &[
    "Document",
    "Verdict",
    "Status",
    "Format",
    "Kind of document",
    "Pages",
    "Findings",
    "Waived",
    "Entities",
    "Error",
    "Warnings",
    "Content hash",
];

pub const FINDING_HEADER: &[&str] = &[
    "Document",
    "Verdict",
    "Finding",
    "Entity",
    "Entity name",
    "Lists",
    "Page",
    "Clause",
    "Paragraph",
    "Table cell",
    "Sheet",
    "Where",
    "Matched text",
    "Excerpt",
    "Message",
    "Accepted because",
    "Accepted by",
    "Accepted on",
    "Accepted until",
    "Baseline",
    "Quantity",
    "Unit price",
    "Amount",
    "Currency",
    "Rule",
    "Fingerprint",
];

/// The workbook as bytes.
pub fn to_bytes(
    docs: &[DocumentReport],
    summary: &Summary,
    set: &PatternSet,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut rows = Vec::new();
    for r in docs {
        let entities: std::collections::BTreeSet<&str> = r
            .findings
            .iter()
            .filter_map(|f| f.entity.as_deref())
            .collect();
        rows.push(vec![
            text(r.path.as_str()),
            text(r.verdict.as_str()),
            text(r.status.as_str()),
            opt_text(r.format.as_deref()),
            opt_text(r.document_kind.as_deref()),
            num(r.pages.map(f64::from)),
            Cell::Number(r.findings.len() as f64),
            Cell::Number(
                r.findings
                    .iter()
                    .filter(|f| f.review.waiver.is_some())
                    .count() as f64,
            ),
            text(entities.into_iter().collect::<Vec<_>>().join(", ")),
            opt_text(super::error_note(r).as_deref()),
            text(r.warnings.join("\n")),
            opt_text(r.content_hash.as_deref()),
        ]);
    }
    sheet(wb.add_worksheet(), "Documents", DOCUMENT_HEADER, rows)?;

    let mut rows = Vec::new();
    for r in docs {
        for f in &r.findings {
            let name = f
                .entity
                .as_deref()
                .and_then(|e| set.entity(e))
                .map(|e| e.name.as_str());
            let w = f.review.waiver.as_ref();
            rows.push(vec![
                text(r.path.as_str()),
                text(r.verdict.as_str()),
                text(finding_label(f)),
                opt_text(f.entity.as_deref()),
                opt_text(name),
                text(f.lists.join(", ")),
                num(f.page.map(f64::from)),
                opt_text(f.clause.as_deref()),
                num(f.paragraph.map(f64::from)),
                match f.table {
                    Some(t) => text(format!(
                        "table {} row {} col {}",
                        t.table + 1,
                        t.row + 1,
                        t.col + 1
                    )),
                    None => Cell::Empty,
                },
                opt_text(f.sheet.as_deref()),
                text(citation_parts(f).join(" ")),
                text(f.text.as_str()),
                text(f.excerpt.as_str()),
                text(f.message.as_str()),
                opt_text(w.map(|w| w.reason.as_str())),
                opt_text(w.map(|w| w.reviewer.as_str())),
                opt_text(w.map(|w| w.date.as_str())),
                opt_text(w.and_then(|w| w.expires.as_deref())),
                opt_text(f.review.baseline_state.map(|s| s.as_str())),
                num(f.quantity),
                num(f.unit_price),
                num(f.amount),
                opt_text(f.currency.as_deref()),
                text(f.rule.as_str()),
                text(f.review.fingerprint.as_str()),
            ]);
        }
    }
    sheet(wb.add_worksheet(), "Findings", FINDING_HEADER, rows)?;

    let rows = summary
        .inventory
        .iter()
        .map(|t| {
            vec![
                text(t.entity.as_str()),
                Cell::Number(t.devices),
                num(t.amount),
                opt_text(t.currency.as_deref()),
                Cell::Number(t.rows as f64),
            ]
        })
        .collect();
    sheet(
        wb.add_worksheet(),
        "Inventory",
        &["Entity", "Devices", "Amount", "Currency", "Table rows"],
        rows,
    )?;

    let rows = set
        .lists
        .iter()
        .map(|l| {
            vec![
                text(l.id.as_str()),
                text(l.title.as_str()),
                text(l.jurisdiction.as_str()),
                text(l.effective.as_str()),
                match l.url.as_deref().and_then(safe_url) {
                    Some(u) => Cell::Link(u.to_string(), l.source.clone()),
                    None => text(l.source.as_str()),
                },
                opt_text(l.coverage.as_deref()),
                text(l.in_force(ListStatus::Banned).join(", ")),
                text(l.in_force(ListStatus::UnderReview).join(", ")),
                text(l.in_force(ListStatus::Watch).join(", ")),
            ]
        })
        .collect();
    sheet(
        wb.add_worksheet(),
        "Lists",
        &[
            "List",
            "Title",
            "Jurisdiction",
            "Effective",
            "Legal source",
            "Covers",
            "Banned",
            "Under review",
            "Watch",
        ],
        rows,
    )?;
    wb.save_to_buffer()
}

pub fn write_xlsx<W: Write>(
    out: &mut W,
    docs: &[DocumentReport],
    summary: &Summary,
    set: &PatternSet,
) -> std::io::Result<()> {
    let bytes = to_bytes(docs, summary, set).map_err(std::io::Error::other)?;
    out.write_all(&bytes)
}
