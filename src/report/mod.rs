//! Printers: they take finished reports and only format them.
//!
//! `text` is for people at a terminal; `json` (one object with every document and a summary) and
//! `jsonl` (one document per line, streamed in input order) are stable machine contracts documented in
//! docs/output-contract.md.

pub mod csv;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;
pub mod xlsx;

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
    /// Reports tenderscan wrote, met while walking folders and skipped (counted in `skipped`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_reports: Vec<String>,
    /// Mention findings per entity, by disposition.
    pub entities: BTreeMap<String, BTreeMap<String, usize>>,
    pub missing_clause: usize,
    pub permissive_clause: usize,
    /// Replacement inventory over every document, per entity and currency.
    pub inventory: Vec<crate::finding::InventoryTotal>,
    /// What waivers and a baseline did (`--waivers`, `--baseline`); absent when neither was used.
    /// (Not `review`: that is the count of documents to review.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_and_baseline: Option<crate::review::ReviewSummary>,
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
        crate::inventory::merge(&mut self.inventory, &r.inventory);
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Jsonl,
    Csv,
    Sarif,
    Html,
    Markdown,
}

/// The format of a report tenderscan wrote, recognised from its first bytes (a kilobyte is
/// enough), or `None`. Every format opens in a way of its own, which is its mark, so a report
/// saved into a folder that is scanned again is skipped rather than read as a contract:
///
/// - HTML: `<!DOCTYPE html>` and `<meta name="generator" content="tenderscan …">` in the head;
/// - Markdown: the first line `# tenderscan report`;
/// - JSON: `{` and the `"documents"` key on the next line; SARIF: the SARIF `$schema` first;
/// - CSV: the byte-order mark and the header row;
/// - JSON Lines: a first line that is a document record (`{"path":…,"path_bytes":…`);
/// - text: a first line `PATH  VERDICT  (…)`, as the text printer writes it.
pub fn own_report_format(head: &[u8]) -> Option<&'static str> {
    let starts = |p: &[u8]| head.starts_with(p);
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if starts(b"<!DOCTYPE html>") && has(b"<meta name=\"generator\" content=\"tenderscan ") {
        return Some("html");
    }
    if starts(b"# tenderscan report\n") {
        return Some("markdown");
    }
    if starts(b"{\n  \"documents\": [") {
        return Some("json");
    }
    if starts(b"{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/") {
        return Some("sarif");
    }
    let csv_header = format!("\u{FEFF}{}", csv::HEADER[..10].join(","));
    if starts(csv_header.as_bytes()) {
        return Some("csv");
    }
    if starts(b"{\"path\":\"") || starts(b"{\"path\":null") {
        let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
        if memchr::memmem::find(line, b"\",\"path_bytes\":").is_some() {
            return Some("jsonl");
        }
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or(head);
    if head.len() > first.len() {
        if let Ok(line) = std::str::from_utf8(first) {
            let verdict = ["  FAIL  (", "  REVIEW  (", "  PASS  (", "  UNREADABLE  ("];
            if line.ends_with(')') && verdict.iter().any(|v| line.contains(v)) {
                return Some("text");
            }
        }
    }
    None
}

/// Natural order of names: runs of digits compare as numbers ("Annex 2" before "Annex 10"), letters
/// without regard to case; names equal that way fall back to plain order.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(c) = x.peek().copied().filter(char::is_ascii_digit) {
                    n.push(c);
                    x.next();
                }
                let mut m = String::new();
                while let Some(d) = y.peek().copied().filter(char::is_ascii_digit) {
                    m.push(d);
                    y.next();
                }
                let (n, m) = (n.trim_start_matches('0'), m.trim_start_matches('0'));
                let o = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(c), Some(d)) => {
                let o = c.to_lowercase().cmp(d.to_lowercase());
                if o != Ordering::Equal {
                    return o;
                }
                x.next();
                y.next();
            }
        }
    }
}

/// Where a finding sits, as a reader cites it: "p.2 cl. 9. ¶41 table 1 row 3 col 3" (1-based table
/// positions for people).
pub fn citation(f: &crate::finding::Finding) -> String {
    citation_parts(f).join(" ")
}

/// The parts of [`citation`]: page, clause, paragraph, table cell, where known.
pub fn citation_parts(f: &crate::finding::Finding) -> Vec<String> {
    let mut loc = Vec::new();
    if let Some(p) = f.page {
        match &f.page_label {
            Some(l) if l != &p.to_string() => loc.push(format!("p.{p} ({l})")),
            _ => loc.push(format!("p.{p}")),
        }
    }
    if let Some(c) = &f.clause {
        loc.push(format!("cl. {c}"));
    }
    if let Some(p) = f.paragraph {
        loc.push(format!("¶{p}"));
    }
    if let Some(t) = f.table {
        loc.push(format!(
            "table {} row {} col {}",
            t.table + 1,
            t.row + 1,
            t.col + 1
        ));
    }
    loc
}

/// Where a finding sits, in words for people: "page 2, clause 9, paragraph 41, table 1 row 3
/// column 3" (the text and HTML reports; JSON, SARIF and Markdown keep [`citation`]).
pub fn citation_words(f: &crate::finding::Finding) -> String {
    let mut loc = Vec::new();
    if let Some(p) = f.page {
        match &f.page_label {
            Some(l) if l != &p.to_string() => loc.push(format!("page {p} (numbered {l})")),
            _ => loc.push(format!("page {p}")),
        }
    }
    if let Some(s) = &f.sheet {
        loc.push(format!("sheet {s}"));
    }
    if let Some(c) = &f.clause {
        loc.push(format!("clause {c}"));
    }
    if let Some(p) = f.paragraph {
        loc.push(format!("paragraph {p}"));
    }
    if let Some(t) = f.table {
        loc.push(format!(
            "table {} row {} column {}",
            t.table + 1,
            t.row + 1,
            t.col + 1
        ));
    }
    loc.join(", ")
}

/// "class: message" for an unreadable document, without repeating a class the message starts with.
pub fn error_note(r: &crate::finding::DocumentReport) -> Option<String> {
    let e = r.error.as_deref()?;
    let class = r.error_class.as_deref().unwrap_or("error");
    Some(if e.starts_with(class) {
        e.to_string()
    } else {
        format!("{class}: {e}")
    })
}

/// A short label for what a finding is: "violation", "review", "excluded", "missing-clause",
/// "permissive-clause".
pub fn finding_label(f: &crate::finding::Finding) -> &'static str {
    match (f.kind, f.disposition) {
        (crate::finding::FindingKind::Mention, Some(d)) => d.as_str(),
        (k, _) => k.as_str(),
    }
}

/// `excerpt` split around `excerpt_match` (character offsets, clamped): before, match, after.
pub fn split_excerpt(f: &crate::finding::Finding) -> (String, String, String) {
    let chars: Vec<char> = f.excerpt.chars().collect();
    let [s, e] = f.excerpt_match;
    let s = s.min(chars.len());
    let e = e.min(chars.len()).max(s);
    (
        chars[..s].iter().collect(),
        chars[s..e].iter().collect(),
        chars[e..].iter().collect(),
    )
}

/// Make text that came from a document (a path, an excerpt, a message, a warning, an error) safe
/// to print on a terminal, on one line:
///
/// - escape sequences are removed whole: CSI (`ESC [` … final byte, or the C1 `0x9B`), OSC, DCS,
///   APC, PM and SOS strings (up to BEL or ST), and two-byte `ESC x`;
/// - line breaks and tabs become a space, so a file name cannot forge a report line;
/// - any other control character (C0, DEL, C1) becomes U+FFFD;
/// - bidirectional controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM) are
///   removed, so text cannot be shown in an order other than the one it is stored in.
pub fn sanitize_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\u{1b}' => match it.next() {
                // CSI: parameters and intermediates, then one final byte in @..~.
                Some('[') => {
                    for c in it.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // String commands: up to BEL or ST (ESC \\).
                Some(']' | 'P' | '_' | '^' | 'X') => skip_string(&mut it),
                _ => {}
            },
            '\u{9b}' => {
                for c in it.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => skip_string(&mut it),
            '\n' | '\r' | '\t' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                out.push(' ')
            }
            c if is_bidi_control(c) => {}
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Skip an escape string's body up to and including its terminator (BEL, ST, or ESC \\).
fn skip_string(it: &mut std::iter::Peekable<std::str::Chars>) {
    while let Some(c) = it.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if it.peek() == Some(&'\\') {
                    it.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Unicode bidirectional formatting characters (embeddings, overrides, isolates and marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

#[cfg(test)]
mod tests {
    use super::sanitize_terminal;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "f10",
            "f2",
            "F1",
            "Annex 10.pdf",
            "Annex 2.pdf",
            "a007",
            "a7b",
        ];
        v.sort_by(|a, b| super::natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "a007",
                "a7b",
                "Annex 2.pdf",
                "Annex 10.pdf",
                "F1",
                "f2",
                "f10"
            ]
        );
    }

    #[test]
    fn terminal_text_has_no_escapes_breaks_or_bidi() {
        assert_eq!(
            sanitize_terminal(
                "a\u{1b}[2J\u{1b}[31mb\u{1b}]0;title\u{7}c\u{1b}]8;;http://x\u{1b}\\d"
            ),
            "abcd"
        );
        assert_eq!(sanitize_terminal("x\u{9b}1;2Hy"), "xy");
        assert_eq!(sanitize_terminal("evil\u{202E}fdp.exe"), "evilfdp.exe");
        assert_eq!(sanitize_terminal("a\nFAIL\r\tb"), "a FAIL  b");
        assert_eq!(sanitize_terminal("bell\u{7}\u{7f}"), "bell\u{FFFD}\u{FFFD}");
        assert_eq!(sanitize_terminal("華為 Huawei"), "華為 Huawei");
        assert_eq!(sanitize_terminal("trailing\u{1b}"), "trailing");
    }
}
