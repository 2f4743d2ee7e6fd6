//! Human-readable output: grouped by document, then page and paragraph, each finding with its excerpt
//! and the matched words marked. Colour only when asked (a terminal without NO_COLOR).

use super::{sanitize_terminal, Summary};
use crate::finding::{Disposition, DocumentReport, Finding, FindingKind, Verdict};
use std::io::Write;

pub struct TextPrinter {
    pub color: bool,
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl TextPrinter {
    fn paint(&self, s: &str, code: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }

    pub fn document<W: Write>(&self, out: &mut W, r: &DocumentReport) -> std::io::Result<()> {
        let verdict = match r.verdict {
            Verdict::Fail => self.paint("FAIL", &format!("{BOLD}{RED}")),
            Verdict::Review => self.paint("REVIEW", &format!("{BOLD}{YELLOW}")),
            Verdict::Pass => self.paint("PASS", &format!("{BOLD}{GREEN}")),
            Verdict::Unreadable => self.paint("UNREADABLE", &format!("{BOLD}{RED}")),
        };
        let mut about = Vec::new();
        if let Some(f) = &r.format {
            about.push(sanitize_terminal(f));
        }
        if let Some(p) = r.pages {
            about.push(format!("{p} page{}", if p == 1 { "" } else { "s" }));
        }
        if let Some(n) = r.pages_without_text.filter(|&n| n > 0) {
            about.push(format!("{n} without text"));
        }
        writeln!(
            out,
            "{}  {verdict}  ({})",
            self.paint(&sanitize_terminal(&r.path), BOLD),
            about.join(", ")
        )?;
        match r.status {
            crate::finding::Status::Error => {
                writeln!(
                    out,
                    "  error ({}): {}",
                    sanitize_terminal(r.error_class.as_deref().unwrap_or("error")),
                    sanitize_terminal(r.error.as_deref().unwrap_or(""))
                )?;
            }
            crate::finding::Status::NoText => {
                writeln!(out, "  no extractable text (a scanned or image-only document): read it by hand or OCR it first")?;
            }
            crate::finding::Status::Ok => {}
        }
        let mut findings: Vec<&Finding> = r.findings.iter().collect();
        findings.sort_by_key(|f| (f.page.unwrap_or(0), f.paragraph.unwrap_or(0)));
        for f in findings {
            self.finding(out, f)?;
        }
        for t in &r.inventory {
            writeln!(
                out,
                "  replacement inventory: {}",
                sanitize_terminal(&crate::inventory::describe(t))
            )?;
        }
        for w in &r.warnings {
            writeln!(
                out,
                "  {}",
                self.paint(&format!("warning: {}", sanitize_terminal(w)), DIM)
            )?;
        }
        writeln!(out)
    }

    fn finding<W: Write>(&self, out: &mut W, f: &Finding) -> std::io::Result<()> {
        // Clause numbers and page labels come from the document too.
        let loc = sanitize_terminal(&super::citation_words(f));
        let label = match (f.kind, f.disposition) {
            (FindingKind::Mention, Some(Disposition::Violation)) => self.paint("VIOLATION", RED),
            (FindingKind::Mention, Some(Disposition::Review)) => self.paint("REVIEW", YELLOW),
            (FindingKind::Mention, Some(Disposition::Mentioned)) => self.paint("mentioned", ""),
            (FindingKind::Mention, _) => self.paint("excluded", GREEN),
            (FindingKind::MissingClause, _) => self.paint("MISSING CLAUSE", RED),
            (FindingKind::PermissiveClause, _) => self.paint("PERMISSIVE CLAUSE", RED),
        };
        let who = match (&f.entity, f.lists.is_empty()) {
            (Some(e), false) => format!("  {e} [{}]", f.lists.join(", ")),
            (Some(e), true) => format!("  {e}"),
            _ => String::new(),
        };
        let mut who = sanitize_terminal(&who);
        if let Some(b) = f.review.baseline_state {
            who.push_str(&format!("  ({})", b.as_str()));
        }
        if loc.is_empty() {
            writeln!(out, "  {label}{who}")?;
        } else {
            writeln!(out, "  {label}{who}  ({loc})")?;
        }
        if let Some(w) = &f.review.waiver {
            let until = w
                .expires
                .as_deref()
                .map(|e| format!(", until {e}"))
                .unwrap_or_default();
            writeln!(
                out,
                "      {}",
                self.paint(
                    &sanitize_terminal(&format!(
                        "accepted by {} on {}{until}: {}",
                        w.reviewer, w.date, w.reason
                    )),
                    GREEN
                )
            )?;
        }
        // Excerpt with the match marked: split first (the offsets count the excerpt's own
        // characters), then sanitise each piece.
        let (pre, mid, post) = super::split_excerpt(f);
        let (pre, mid, post) = (
            sanitize_terminal(&pre),
            sanitize_terminal(&mid),
            sanitize_terminal(&post),
        );
        let mid = if self.color {
            format!("{BOLD}{mid}{RESET}")
        } else {
            format!("[{mid}]")
        };
        writeln!(out, "      \"{pre}{mid}{post}\"")?;
        if let Some(q) = f.quantity {
            let mut line = format!("quantity {}", crate::inventory::format_number(q));
            if let Some(p) = f.unit_price {
                line.push_str(&format!(
                    " × {}",
                    crate::inventory::format_amount(p, f.currency.as_deref())
                ));
            }
            if let Some(a) = f.amount {
                line.push_str(&format!(
                    " = {}",
                    crate::inventory::format_amount(a, f.currency.as_deref())
                ));
            }
            writeln!(out, "      {}", sanitize_terminal(&line))?;
        }
        writeln!(
            out,
            "      {} ({})",
            sanitize_terminal(&f.message),
            self.paint(&sanitize_terminal(&f.rule), DIM)
        )?;
        Ok(())
    }

    pub fn summary<W: Write>(&self, out: &mut W, s: &Summary) -> std::io::Result<()> {
        write!(
            out,
            "{} document{}: {} fail, {} review, {} pass, {} unreadable",
            s.documents,
            if s.documents == 1 { "" } else { "s" },
            s.fail,
            s.review,
            s.pass,
            s.unreadable
        )?;
        if s.errors > 0 {
            write!(out, " ({} could not be read)", s.errors)?;
        }
        if s.skipped > 0 {
            write!(
                out,
                "; {} other file{} skipped",
                s.skipped,
                if s.skipped == 1 { "" } else { "s" }
            )?;
        }
        writeln!(out)?;
        for (e, by) in &s.entities {
            let parts: Vec<String> = by.iter().map(|(d, n)| format!("{n} {d}")).collect();
            writeln!(out, "  {}: {}", sanitize_terminal(e), parts.join(", "))?;
        }
        if s.missing_clause > 0 {
            writeln!(
                out,
                "  contracts missing a sourcing clause: {}",
                s.missing_clause
            )?;
        }
        if s.permissive_clause > 0 {
            writeln!(out, "  permissive clauses: {}", s.permissive_clause)?;
        }
        for t in &s.inventory {
            writeln!(
                out,
                "  replacement inventory: {}",
                sanitize_terminal(&crate::inventory::describe(t))
            )?;
        }
        if let Some(rv) = &s.accepted_and_baseline {
            if rv.waived > 0 {
                writeln!(out, "  accepted findings (waived): {}", rv.waived)?;
            }
            for w in &rv.expired_waivers {
                writeln!(
                    out,
                    "  expired waiver {} (until {}): {}",
                    sanitize_terminal(&w.fingerprint),
                    sanitize_terminal(w.expires.as_deref().unwrap_or("")),
                    sanitize_terminal(&w.reason)
                )?;
            }
            for w in &rv.unmatched_waivers {
                writeln!(
                    out,
                    "  waiver matching no finding {}{}: {}",
                    sanitize_terminal(&w.fingerprint),
                    w.document
                        .as_deref()
                        .map(|d| format!(" ({})", sanitize_terminal(d)))
                        .unwrap_or_default(),
                    sanitize_terminal(&w.reason)
                )?;
            }
            if let Some(b) = &rv.baseline {
                writeln!(
                    out,
                    "  against {}: {} new, {} unchanged, {} gone",
                    sanitize_terminal(&b.file),
                    b.new,
                    b.unchanged,
                    b.gone.len()
                )?;
                for g in &b.gone {
                    writeln!(
                        out,
                        "    gone: {}  {}  {}",
                        sanitize_terminal(&g.path),
                        sanitize_terminal(&super::citation_words(&g.finding)),
                        sanitize_terminal(&g.finding.rule)
                    )?;
                }
            }
        }
        Ok(())
    }
}
