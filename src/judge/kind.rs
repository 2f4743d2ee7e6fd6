//! What a document is: a procurement (solicitation, contract, bill of quantities, ...) or not (a
//! report, manual, product page or news article, which only mention vendors).
//!
//! Each `[[document-kind]]` of `patterns/judging.toml` scores the evidence seen unit by unit: its
//! `title` patterns in the title region (the first short paragraphs and the headings; the very first
//! counts most), its `signals` anywhere, each pattern once. A non-procurement kind must outscore every
//! procurement kind, and needs a title or two signals where the document uses procurement wording
//! at all: a copyright line in a contract's footer does not make it a product page.

use std::ops::Range;

/// A document kind's patterns, as indexes into the judge's rule patterns.
#[derive(Debug)]
pub(super) struct CompiledKind {
    pub id: String,
    pub procurement: bool,
    pub title: Range<usize>,
    pub signals: Range<usize>,
}

/// Weight of a title pattern in the document's first paragraph, and elsewhere in the title region.
const FIRST_TITLE: u32 = 6;
const TITLE: u32 = 4;
/// Weight of a signal; at most `MAX_SIGNALS` count per kind.
const SIGNAL: u32 = 2;
const MAX_SIGNALS: u32 = 3;
/// At most this many title patterns count per kind.
const MAX_TITLES: u32 = 2;

/// The fallback kinds when no kind's evidence decides: procurement wording alone, or none at all.
pub(super) const FALLBACK_PROCUREMENT: &str = "contract";
pub(super) const FALLBACK_OTHER: &str = "other";

/// Where a kind's evidence was seen: unit index and normalised span.
pub(super) type Place = (usize, (usize, usize));

/// The evidence for every kind, gathered as the judge walks the units.
pub(super) struct KindEvidence {
    scores: Vec<u32>,
    titles: Vec<u32>,
    signals: Vec<u32>,
    /// Rule-pattern indexes already counted.
    counted: Vec<usize>,
    first: Vec<Option<Place>>,
}

/// The decided kind.
pub(super) struct Decided {
    pub id: String,
    pub procurement: bool,
    pub evidence: Option<Place>,
}

impl KindEvidence {
    pub fn new(kinds: &[CompiledKind]) -> KindEvidence {
        KindEvidence {
            scores: vec![0; kinds.len()],
            titles: vec![0; kinds.len()],
            signals: vec![0; kinds.len()],
            counted: Vec::new(),
            first: vec![None; kinds.len()],
        }
    }

    /// Count a title pattern `pattern` of kind `k` found at `place`; `first` when it is in the
    /// document's first paragraph.
    pub fn title(&mut self, k: usize, pattern: usize, place: Place, first: bool) {
        if self.titles[k] >= MAX_TITLES || self.counted.contains(&pattern) {
            return;
        }
        self.counted.push(pattern);
        self.titles[k] += 1;
        self.scores[k] += if first { FIRST_TITLE } else { TITLE };
        self.first[k].get_or_insert(place);
    }

    /// Count a signal pattern of kind `k`.
    pub fn signal(&mut self, k: usize, pattern: usize, place: Place) {
        if self.signals[k] >= MAX_SIGNALS || self.counted.contains(&pattern) {
            return;
        }
        self.counted.push(pattern);
        self.signals[k] += 1;
        self.scores[k] += SIGNAL;
        self.first[k].get_or_insert(place);
    }

    /// Whether a signal of kind `k` could still count (so the caller can skip searching).
    pub fn wants_signal(&self, k: usize) -> bool {
        self.signals[k] < MAX_SIGNALS
    }

    pub fn wants_title(&self, k: usize) -> bool {
        self.titles[k] < MAX_TITLES
    }

    /// Whether rule pattern `pattern` has counted already (each pattern counts once, so the caller
    /// need not search for it again).
    pub fn has_counted(&self, pattern: usize) -> bool {
        self.counted.contains(&pattern)
    }

    /// The kind, given whether the document uses procurement wording (`[[procurement]]` rules).
    pub fn decide(&self, kinds: &[CompiledKind], procurement_wording: bool) -> Decided {
        let best = |procurement: bool| {
            kinds
                .iter()
                .enumerate()
                .filter(|(_, k)| k.procurement == procurement)
                // The highest score; the earlier kind on a tie.
                .min_by_key(|(i, _)| (std::cmp::Reverse(self.scores[*i]), *i))
                .map(|(i, _)| (i, self.scores[i]))
        };
        let (p, n) = (best(true), best(false));
        let p_score = p.map_or(0, |(_, s)| s);
        if let Some((i, n_score)) = n {
            let enough = n_score >= TITLE || (!procurement_wording && n_score >= SIGNAL);
            if enough && n_score > p_score {
                return self.decided(kinds, i);
            }
        }
        if let Some((i, s)) = p {
            if s > 0 {
                return self.decided(kinds, i);
            }
        }
        Decided {
            id: if procurement_wording {
                FALLBACK_PROCUREMENT
            } else {
                FALLBACK_OTHER
            }
            .to_string(),
            procurement: procurement_wording,
            evidence: None,
        }
    }

    fn decided(&self, kinds: &[CompiledKind], i: usize) -> Decided {
        Decided {
            id: kinds[i].id.clone(),
            procurement: kinds[i].procurement,
            evidence: self.first[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<CompiledKind> {
        let k = |id: &str, procurement, n: usize| CompiledKind {
            id: id.into(),
            procurement,
            title: n * 10..n * 10 + 5,
            signals: n * 10 + 5..n * 10 + 10,
        };
        vec![
            k("solicitation", true, 0),
            k("contract", true, 1),
            k("report", false, 2),
        ]
    }

    #[test]
    fn a_title_decides_and_ties_go_to_the_earlier_kind() {
        let ks = kinds();
        let mut e = KindEvidence::new(&ks);
        e.title(0, 0, (0, (0, 3)), true);
        e.title(1, 10, (0, (4, 8)), true);
        let d = e.decide(&ks, true);
        assert_eq!((d.id.as_str(), d.procurement), ("solicitation", true));
        assert_eq!(d.evidence, Some((0, (0, 3))));
    }

    #[test]
    fn a_non_procurement_kind_needs_more_than_one_signal_beside_procurement_wording() {
        let ks = kinds();
        let mut e = KindEvidence::new(&ks);
        e.signal(2, 25, (3, (0, 1)));
        assert_eq!(e.decide(&ks, true).id, FALLBACK_PROCUREMENT);
        assert_eq!(e.decide(&ks, false).id, "report");
        e.signal(2, 26, (4, (0, 1)));
        let d = e.decide(&ks, true);
        assert_eq!((d.id.as_str(), d.procurement), ("report", false));
    }

    #[test]
    fn a_report_title_outweighs_a_contract_heading_but_not_a_contract_title() {
        let ks = kinds();
        let mut e = KindEvidence::new(&ks);
        e.title(2, 20, (0, (0, 13)), true);
        e.title(1, 10, (7, (0, 9)), false);
        assert_eq!(e.decide(&ks, true).id, "report");
        let mut e = KindEvidence::new(&ks);
        e.title(1, 10, (0, (0, 8)), true);
        e.title(2, 20, (7, (0, 13)), false);
        assert_eq!(e.decide(&ks, true).id, "contract");
    }

    #[test]
    fn each_pattern_counts_once_and_nothing_found_is_other() {
        let ks = kinds();
        let mut e = KindEvidence::new(&ks);
        assert_eq!(e.decide(&ks, false).id, FALLBACK_OTHER);
        assert!(!e.decide(&ks, false).procurement);
        for _ in 0..5 {
            e.signal(2, 25, (1, (0, 1)));
        }
        e.title(0, 1, (9, (0, 1)), false);
        // 2 for the report's one signal against 4 for the solicitation's title.
        assert_eq!(e.decide(&ks, false).id, "solicitation");
    }
}
