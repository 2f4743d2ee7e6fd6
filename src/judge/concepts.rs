//! Judging by meaning: sourcing clauses built from concept lexicons, where a scope word counts,
//! which names are a vendor's, and what a non-procurement document does with a vendor.
//!
//! The lexicons are data (`patterns/judging.toml`): a new phrasing is a word added to a list there.

use super::kind::KindEvidence;
use super::{clause_of, clause_spans, Judge, Unit};
use crate::finding::{Disposition, Evidence, Finding, Severity};
use crate::matcher::{Hit, Present, Via};
use std::cell::OnceCell;

/// How many of a document's first non-empty paragraphs are its title region.
pub(super) const TITLE_PARAGRAPHS: usize = 5;

/// Rule ids of the sourcing clauses found by meaning.
pub(super) const RESTRICTION: &str = "sourcing.restriction";
pub(super) const LEGAL_REFERENCE: &str = "sourcing.legal-reference";
pub(super) const EXCLUDED_VENDOR: &str = "sourcing.excluded-vendor";

/// An empty check box just before `pos`: what follows is an option not taken (□委託資訊服務).
fn after_empty_box(t: &str, pos: usize) -> bool {
    t[..pos]
        .chars()
        .rev()
        .take(3)
        .any(|c| matches!(c, '□' | '☐' | '❑' | '◻'))
}

impl Judge {
    /// Count the document-kind evidence in unit `ui`, text `t`.
    pub(super) fn observe_kinds(
        &self,
        evidence: &mut KindEvidence,
        present: &Present,
        ui: usize,
        t: &str,
        title_region: bool,
        first_paragraph: bool,
    ) {
        // Most units hold none of the kinds' patterns.
        if present
            .in_range(self.kind_patterns.clone())
            .next()
            .is_none()
        {
            return;
        }
        for (k, kind) in self.kinds.iter().enumerate() {
            if title_region && evidence.wants_title(k) {
                for i in present.in_range(kind.title.clone()) {
                    if evidence.has_counted(i) {
                        continue;
                    }
                    if let Some(m) = self.rule_patterns.get(i).and_then(|p| p.find(t)) {
                        evidence.title(k, i, (ui, (m.start(), m.end())), first_paragraph);
                    }
                }
            }
            if evidence.wants_signal(k) {
                for i in present.in_range(kind.signals.clone()) {
                    if evidence.has_counted(i) {
                        continue;
                    }
                    if let Some(m) = self.rule_patterns.get(i).and_then(|p| p.find(t)) {
                        evidence.signal(k, i, (ui, (m.start(), m.end())));
                    }
                }
            }
        }
    }

    /// A sourcing clause in `t`, by meaning: a legal reference, or a restriction with a subject and a
    /// PRC reference (or a covered vendor's name) in one clause, not undone by an inverse word.
    /// Returns the rule id and the clause.
    pub(super) fn sourcing_concept(
        &self,
        present: &Present,
        t: &str,
        hits: &[Hit],
        spans: &OnceCell<Vec<(usize, usize)>>,
    ) -> Option<(&'static str, (usize, usize))> {
        let spans = || spans.get_or_init(|| clause_spans(t));
        if let Some(m) = self.legal.find(present, t) {
            return Some((LEGAL_REFERENCE, clause_of(spans(), m.start())));
        }
        // A restriction counts only beside a subject and a PRC reference or a vendor's name: a unit
        // whose screen shows no subject, or neither of the others, holds no such clause.
        let possible = self.restriction.possible(present)
            && self.subject.possible(present)
            && (self.prc.possible(present) || !hits.is_empty());
        if !possible {
            return None;
        }
        let mut tried: Vec<(usize, usize)> = Vec::new();
        for m in self.restriction.re.find_iter(t) {
            if after_empty_box(t, m.start()) {
                continue;
            }
            let (cs, ce) = clause_of(spans(), m.start());
            if tried.contains(&(cs, ce)) {
                continue;
            }
            tried.push((cs, ce));
            let c = &t[cs..ce];
            let names_prc = self.prc.find(present, c).is_some()
                || hits.iter().any(|h| h.start >= cs && h.start < ce);
            if names_prc
                && self.subject.find(present, c).is_some()
                && self.inverse.find(present, c).is_none()
            {
                return Some((RESTRICTION, (cs, ce)));
            }
        }
        None
    }

    /// Whether a scope word at `pos` of `t` (in `clause`) shows what the document buys: not after an
    /// empty check box, not in a definition or a legal reference, and in a place that buys
    /// (`buys_here`: title region, table row, a section about what is bought) or in a clause with an
    /// acquisition or supply word.
    pub(super) fn scope_counts_here(
        &self,
        present: &Present,
        t: &str,
        pos: usize,
        clause: (usize, usize),
        buys_here: bool,
    ) -> bool {
        if after_empty_box(t, pos) {
            return false;
        }
        let c = &t[clause.0..clause.1];
        if self.definition.find(present, c).is_some() || self.legal.find(present, c).is_some() {
            return false;
        }
        buys_here
            || self.acquisition.find(present, c).is_some()
            || self.supply.find(present, c).is_some()
    }

    /// Whether hit `h` names the vendor: an ambiguous name (聯想, 大華) needs product or company
    /// context in its clause, a table row, a model number or another name of the vendor nearby.
    pub(super) fn named_as_vendor(
        &self,
        unit: &Unit,
        present: &Present,
        hits: &[Hit],
        h: &Hit,
        clause: (usize, usize),
    ) -> bool {
        let t = unit.norm.text.as_str();
        let Some(names) = self.ambiguous.get(h.entity) else {
            return true;
        };
        let written = t.get(h.start..h.end).unwrap_or("");
        if !names.iter().any(|n| n == written) {
            return true;
        }
        if unit.is_row {
            return true;
        }
        let (cs, ce) = clause;
        // Another name of the vendor, or another vendor named in the same clause (a list of brands).
        let other_name = hits.iter().any(|o| {
            let w = t.get(o.start..o.end).unwrap_or("");
            let unambiguous = !self
                .ambiguous
                .get(o.entity)
                .is_some_and(|ns| ns.iter().any(|n| n == w));
            (o.start, o.end) != (h.start, h.end)
                && (o.via == Via::Model || unambiguous)
                && (o.entity == h.entity || (o.start >= cs && o.start < ce))
        });
        // Context right around the name, within its clause.
        let around = |n: usize| {
            let before = t[cs..h.start.max(cs)]
                .char_indices()
                .rev()
                .nth(n)
                .map_or(cs, |(i, _)| cs + i);
            let after = t[h.end.min(ce)..ce]
                .char_indices()
                .nth(n)
                .map_or(ce, |(i, _)| h.end + i);
            &t[before..after]
        };
        other_name || self.name_context.find(present, around(12)).is_some()
    }

    /// "A; B; or C is prohibited": the cue at the end of the `;`-separated enumeration that
    /// `clause` is an item of.
    pub(super) fn enumeration_tail_prohibition(
        &self,
        present: &Present,
        t: &str,
        clause: (usize, usize),
    ) -> Option<String> {
        let ends_item = |e: usize| t[..e].trim_end().ends_with([';', '；']);
        if !ends_item(clause.1) {
            return None;
        }
        let spans = clause_spans(t);
        let mut tail = spans.iter().skip_while(|(s, _)| *s < clause.1);
        // The first clause after the items that does not end with a semicolon ends the enumeration.
        let last = tail.find(|(_, e)| !ends_item(*e))?;
        self.prohibition
            .find(present, &t[last.0..last.1])
            .map(|m| m.as_str().to_string())
    }

    /// Where a fact was seen, for `ClauseFacts`.
    pub(super) fn evidence(
        &self,
        unit: &Unit,
        rule: &str,
        clause: (usize, usize),
        span: (usize, usize),
    ) -> Evidence {
        let f = self.base_finding(unit, clause, span, &None);
        Evidence {
            rule: rule.to_string(),
            text: f.text,
            excerpt: f.excerpt,
            page: f.page,
            paragraph: f.paragraph,
        }
    }

    /// A mention in a document of kind `kind`, which is not a procurement: only mentioned.
    pub(super) fn only_mentioned(&self, f: &mut Finding, kind: &str) {
        if f.disposition == Some(Disposition::Mentioned) {
            return;
        }
        f.disposition = Some(Disposition::Mentioned);
        f.severity = Severity::Info;
        f.cue = None;
        let name = f
            .entity
            .as_deref()
            .and_then(|e| self.set.entity(e))
            .map_or("the vendor", |e| e.name.as_str());
        let label = self
            .set
            .document_kinds
            .iter()
            .find(|k| k.id == kind)
            .map_or("a document that is not a procurement", |k| k.label.as_str());
        f.message = format!(
            "{name} is mentioned in a document read as {kind} ({label}), which buys nothing: neither a supply nor an exclusion"
        );
    }
}
