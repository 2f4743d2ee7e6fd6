//! Markdown for a memo: a summary, the documents, and a findings table.
//!
//! Document text is untrusted and Markdown renderers pass raw HTML through, so every cell escapes
//! Markdown punctuation (`|` would also break the table) and newlines become spaces.

use super::{citation, finding_label, Summary};
use crate::finding::DocumentReport;
use std::io::Write;

/// Escape a table cell: Markdown punctuation gets a backslash, line breaks become spaces, other
/// control characters U+FFFD, and bidirectional controls are removed.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~' | '#' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if super::is_bidi_control(c) => {}
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn write_markdown<W: Write>(
    out: &mut W,
    docs: &[DocumentReport],
    s: &Summary,
) -> std::io::Result<()> {
    writeln!(out, "# tenderscan report\n")?;
    writeln!(
        out,
        "**{} document{}**: {} fail, {} review, {} pass, {} unreadable.\n",
        s.documents,
        if s.documents == 1 { "" } else { "s" },
        s.fail,
        s.review,
        s.pass,
        s.unreadable
    )?;
    writeln!(out, "## Summary\n")?;
    writeln!(out, "| Verdict | Documents |\n| --- | ---: |")?;
    for (v, n) in [
        ("fail", s.fail),
        ("review", s.review),
        ("pass", s.pass),
        ("unreadable", s.unreadable),
    ] {
        writeln!(out, "| {v} | {n} |")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Contracts missing a non-PRC sourcing clause: {}. Permissive clauses: {}.\n",
        s.missing_clause, s.permissive_clause
    )?;
    if !s.entities.is_empty() {
        writeln!(
            out,
            "| Entity | Violation | Review | Excluded | Mentioned |\n| --- | ---: | ---: | ---: | ---: |"
        )?;
        for (e, by) in &s.entities {
            let n = |d: &str| by.get(d).copied().unwrap_or(0);
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(e),
                n("violation"),
                n("review"),
                n("excluded"),
                n("mentioned")
            )?;
        }
        writeln!(out)?;
    }
    if !s.inventory.is_empty() {
        writeln!(out, "### Replacement inventory\n")?;
        writeln!(
            out,
            "| Entity | Devices | Amount | Rows |\n| --- | ---: | ---: | ---: |"
        )?;
        for t in &s.inventory {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&t.entity),
                crate::inventory::format_number(t.devices),
                cell(
                    &t.amount
                        .map(|a| crate::inventory::format_amount(a, t.currency.as_deref()))
                        .unwrap_or_default()
                ),
                t.rows
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "## Documents\n")?;
    writeln!(
        out,
        "| Document | Verdict | Findings | Entities | Note |\n| --- | --- | ---: | --- | --- |"
    )?;
    for r in docs {
        let mut entities: Vec<&str> = r
            .findings
            .iter()
            .filter_map(|f| f.entity.as_deref())
            .collect();
        entities.sort();
        entities.dedup();
        let mut note = Vec::new();
        if let Some(e) = super::error_note(r) {
            note.push(e);
        } else if r.status == crate::finding::Status::NoText {
            note.push("no extractable text (scanned?)".to_string());
        }
        for t in &r.inventory {
            note.push(crate::inventory::describe(t));
        }
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&r.path),
            r.verdict.as_str(),
            r.findings.len(),
            cell(&entities.join(", ")),
            cell(&note.join("; "))
        )?;
    }
    writeln!(out)?;
    writeln!(out, "## Findings\n")?;
    if docs.iter().all(|r| r.findings.is_empty()) {
        writeln!(out, "No findings.")?;
        return Ok(());
    }
    writeln!(
        out,
        "| Document | Finding | Entity | List | Location | Text | Excerpt | Rule |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    )?;
    for r in docs {
        for f in &r.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&r.path),
                finding_label(f),
                cell(f.entity.as_deref().unwrap_or("")),
                cell(&f.lists.join(", ")),
                cell(&citation(f)),
                cell(&f.text),
                cell(&f.excerpt),
                cell(&f.rule)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("<script>"), "\\<script\\>");
        assert_eq!(cell("華為"), "華為");
    }
}
