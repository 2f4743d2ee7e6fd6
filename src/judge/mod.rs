//! Judging: from vendor hits and clause rules to findings and a verdict.
//!
//! A keyword hit says nothing by itself: "The Contractor shall not supply Huawei products" and "Huawei
//! S5735 switch, qty 40" contain the same word. The unit of judgement is therefore the clause, not the
//! line: each block (or table row: all cells of a row judged together) is cut into clauses at sentence
//! ends, and a mention is judged by the cues in its clause, by a lead-in that introduces a list of
//! prohibited brands, and by the heading of the section it sits in. Conflicting signals resolve to the
//! stricter outcome, and every finding names the cue that decided it.

mod concepts;
mod defined;
mod kind;

use crate::document::{Block, BlockKind, Document};
use crate::finding::{ClauseFacts, Disposition, Finding, FindingKind, Severity, TablePos, Verdict};
use crate::matcher::{CompileError, Found, Hit, LazyRegex, Matcher, Present, Via};
use crate::normalize::{normalize, NormText};
use crate::patterns::load::has_embedded_regexes;
use crate::patterns::{ClauseRule, PatternSet, Status};
use concepts::{EXCLUDED_VENDOR, TITLE_PARAGRAPHS};
use defined::DefinedTerm;
use kind::{CompiledKind, KindEvidence};
use regex::{Regex, RegexBuilder, RegexSetBuilder};
use smallvec::{smallvec, SmallVec};
use std::borrow::Cow;
use std::ops::Range;

/// Compiled rules plus the matcher: build once per run, share across threads.
#[derive(Debug)]
pub struct Judge {
    set: PatternSet,
    matcher: Matcher,
    procurement: Vec<CompiledRule>,
    scopes: Vec<CompiledRule>,
    sourcing: Vec<CompiledRule>,
    permissive: Vec<CompiledRule>,
    /// Every clause-rule pattern above. The matcher screens them (numbered as here), and a unit is
    /// searched only with the patterns whose literals it contains (most units contain none).
    rule_patterns: Vec<LazyRegex>,
    prohibition: Cue,
    removal: Cue,
    replacement: Cue,
    supply: Cue,
    strong_supply: Cue,
    prohibited_list: Cue,
    unrelated_restriction: Cue,
    /// Document kinds, their patterns numbered among `rule_patterns`.
    kinds: Vec<CompiledKind>,
    /// All kinds' title and signal patterns (numbered one after another).
    kind_patterns: Range<usize>,
    /// Sourcing concepts (`[sourcing-concepts]`).
    restriction: Cue,
    subject: Cue,
    prc: Cue,
    legal: Cue,
    inverse: Cue,
    /// Where a scope word counts (`[scope-context]`).
    acquisition: Cue,
    buying_heading: Cue,
    definition: Cue,
    /// Product or company words that make an ambiguous name a vendor's (`[name-context]`).
    name_context: Cue,
    /// Per entity, its ambiguous names, normalised.
    ambiguous: Vec<Vec<String>>,
    /// A glossary or acronym entry ("HIK – Hangzhou Hikvision ...").
    glossary_entry: Fixed,
    glossary_heading: Fixed,
    /// A clause number at the start of a unit, after white space ([`CLAUSE_NUMBER_BODY`]).
    clause_number: Regex,
    /// The characters a clause number can start with (sorted), derived from its expression: a
    /// unit starting with another is not searched (most units; the search cost more than the rest
    /// of a unit's judging). `None`: every unit is searched.
    clause_number_starts: Option<Vec<char>>,
    /// A list item's leading enumerator ("(a)", "1.", "第一條", "一、").
    enumerator: Fixed,
    /// A definition's head and its term ([`defined::DEFINED_TERM`]).
    defined_term: Fixed,
    /// A paragraph of abbreviations after a lead ([`GLOSSARY_LEAD`]).
    glossary_lead: Fixed,
}

/// One of the judge's own fixed expressions, compiled on first use: most documents never need the
/// glossary and list-item tests, and compiling them (`\p{Lu}` above all) cost a start-up a tenth of
/// its judging. The constants compile (a test checks each).
#[derive(Debug)]
struct Fixed {
    source: &'static str,
    re: std::sync::OnceLock<Option<Regex>>,
}

impl Fixed {
    fn new(source: &'static str) -> Fixed {
        Fixed {
            source,
            re: std::sync::OnceLock::new(),
        }
    }

    fn is_match(&self, t: &str) -> bool {
        self.regex().is_some_and(|re| re.is_match(t))
    }

    fn captures<'t>(&self, t: &'t str) -> Option<regex::Captures<'t>> {
        self.regex().and_then(|re| re.captures(t))
    }

    fn regex(&self) -> Option<&Regex> {
        self.re
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
    }
}

#[derive(Debug)]
struct CompiledRule {
    id: String,
    label: String,
    min_hits: usize,
    /// Indexes into `Judge::rule_patterns` (and the matcher's screen): a rule's patterns are
    /// numbered one after another.
    patterns: Range<usize>,
}

/// One cue list, searched as one alternation, and its number in the matcher's screen (`None`: not
/// screened, searched wherever asked).
#[derive(Debug)]
struct Cue {
    re: LazyRegex,
    screen: Option<usize>,
}

impl Cue {
    /// Whether the cue may occur in a unit whose screen is `present`.
    fn possible(&self, present: &Present) -> bool {
        self.screen.is_none_or(|s| present.contains(s))
    }

    /// The first match in `text`, a part of a unit whose screen is `present`.
    fn find<'t>(&self, present: &Present, text: &'t str) -> Option<Found<'t>> {
        if !self.possible(present) {
            return None;
        }
        self.re.find(text)
    }

    /// The last match in `text`, a part of a unit whose screen is `present`.
    fn find_last<'t>(&self, present: &Present, text: &'t str) -> Option<Found<'t>> {
        if !self.possible(present) {
            return None;
        }
        self.re.find_iter(text).last()
    }
}

/// Compiled-size limit of all rule patterns together (and so of any one).
const RULE_SET_LIMIT: usize = 1 << 25;

/// Compiled-size limit of one cue list or fixed pattern.
const ONE_LIMIT: usize = 1 << 22;

/// The judge's result for one document.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub findings: Vec<Finding>,
    pub facts: ClauseFacts,
    pub verdict: Verdict,
    /// The document's kind (`[[document-kind]]` id, or `other`).
    pub document_kind: Option<String>,
}

/// Rewrite every `\b`/`\B` outside a character class as an ASCII word boundary, `(?-u:\b)`.
///
/// A Unicode word boundary makes the regex engine's DFAs give up on any non-ASCII text (every
/// Chinese contract) and fall back to a backtracker, which cost a sixth of a whole scan. The ASCII
/// form also reads mixed text better: Han characters are not ASCII word characters, so `\bcamera`
/// matches in "監視camera" (a Unicode `\b` does not, Han being word characters there). Rules are
/// English words; accented Latin letters next to them are the only case where the two differ.
pub(crate) fn ascii_word_boundaries(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if class_depth == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `t` ends as a sentence does (a full stop, question or exclamation mark, CJK too).
fn ends_as_sentence(t: &str) -> bool {
    t.trim_end()
        .ends_with(['.', '。', '!', '?', '！', '？', '；', ';'])
}

/// `t.chars().count() <= n`, counted only when its length in bytes does not tell (a character is
/// one to four bytes).
fn at_most_chars(t: &str, n: usize) -> bool {
    t.len() <= n || (t.len() <= n.saturating_mul(4) && t.chars().count() <= n)
}

/// What follows the white space a clause number at the start of a unit may have ("Article 12.3",
/// "第十二條", "一、", "(a)"). It starts with no white space (which `clause_number_of` skips to find
/// the character the number must start with).
const CLAUSE_NUMBER_BODY: &str = r"(?:article|section|clause)\s+[0-9]+(?:\.[0-9]+)*|第[一二三四五六七八九十百零〇0-9]+[條条款項项點点章節节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|[0-9]{1,3}(?:\.[0-9]{1,3})+|[0-9]{1,3}[.)]|\([0-9a-z]{1,4}\)";

fn compile_one(p: &str) -> Result<Regex, CompileError> {
    RegexBuilder::new(&ascii_word_boundaries(p))
        .case_insensitive(true)
        .size_limit(ONE_LIMIT)
        .build()
        .map_err(|e| CompileError::new(format!("{p:?}: {e}")))
}

/// The patterns as one alternation (one that matches nothing for none).
pub(crate) fn alternation(ps: &[String]) -> String {
    if ps.is_empty() {
        return r"[^\s\S]".into();
    }
    ps.iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Number the rules' patterns into `sources` (shared by every rule group and screened together).
fn compile_rules(rules: &[ClauseRule], sources: &mut Vec<String>) -> Vec<CompiledRule> {
    rules
        .iter()
        .map(|r| {
            let first = sources.len();
            sources.extend(r.patterns.iter().map(|p| ascii_word_boundaries(p)));
            CompiledRule {
                id: r.id.clone(),
                label: r.label.clone(),
                min_hits: r.min_hits,
                patterns: first..sources.len(),
            }
        })
        .collect()
}

/// A unit of judgement: one block, or one table row (its cells joined with " | ").
struct Unit<'a> {
    /// A block's own text, or a row's cells joined.
    text: Cow<'a, str>,
    norm: NormText,
    /// (byte offset in `text` where the block's text starts, block)
    parts: SmallVec<[(usize, &'a Block); 1]>,
    is_row: bool,
}

impl<'a> Unit<'a> {
    fn first(&self) -> &'a Block {
        self.parts[0].1
    }

    /// The block containing original byte offset `off`.
    fn block_at(&self, off: usize) -> &'a Block {
        let mut b = self.parts[0].1;
        for &(start, blk) in &self.parts {
            if start <= off {
                b = blk;
            }
        }
        b
    }
}

fn units(doc: &Document) -> Vec<Unit<'_>> {
    // A unit per block at most (the cells of a row make one).
    let mut out: Vec<Unit> = Vec::with_capacity(doc.blocks.len());
    let mut i = 0;
    let blocks = &doc.blocks;
    while i < blocks.len() {
        let b = &blocks[i];
        if let (BlockKind::TableCell, Some(cell)) = (b.kind, b.location.cell) {
            let mut text = String::new();
            let mut parts = SmallVec::new();
            let mut j = i;
            while j < blocks.len() {
                let c = &blocks[j];
                match c.location.cell {
                    Some(cc)
                        if c.kind == BlockKind::TableCell
                            && cc.table == cell.table
                            && cc.row == cell.row =>
                    {
                        if !text.is_empty() {
                            text.push_str(" | ");
                        }
                        parts.push((text.len(), c));
                        text.push_str(&c.text);
                        j += 1;
                    }
                    _ => break,
                }
            }
            let norm = normalize(&text);
            out.push(Unit {
                text: Cow::Owned(text),
                norm,
                parts,
                is_row: true,
            });
            i = j;
            continue;
        }
        let norm = normalize(&b.text);
        out.push(Unit {
            text: Cow::Borrowed(&b.text),
            norm,
            parts: smallvec![(0, b)],
            is_row: false,
        });
        i += 1;
    }
    out
}

/// Sentence/clause boundaries in normalised text: (start, end) byte ranges.
fn clause_spans(t: &str) -> Vec<(usize, usize)> {
    const ABBREV: &[&str] = &[
        "co", "ltd", "inc", "no", "corp", "e.g", "i.e", "etc", "vs", "art", "sec", "para", "u.s",
        "pub", "l", "fig",
    ];
    let mut spans = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = t.char_indices().collect();
    for (k, &(off, c)) in chars.iter().enumerate() {
        let end = off + c.len_utf8();
        let is_break = match c {
            '。' | '；' | ';' | '！' | '？' | '!' | '?' => true,
            '.' => {
                let next = chars.get(k + 1).map(|&(_, n)| n);
                let followed_by_space = next.is_none_or(|n| n.is_whitespace());
                let word: String = t[start..off]
                    .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let is_abbrev = ABBREV.contains(&word.as_str())
                    || (word.len() == 1 && word.chars().all(|x| x.is_alphabetic()));
                let is_number =
                    !word.is_empty() && word.chars().all(|x| x.is_ascii_digit() || x == '.');
                followed_by_space && !is_abbrev && !is_number
            }
            _ => false,
        };
        if is_break {
            spans.push((start, end));
            start = end;
        }
    }
    if start < t.len() {
        spans.push((start, t.len()));
    }
    if spans.is_empty() {
        spans.push((0, 0));
    }
    spans
}

fn clause_of(spans: &[(usize, usize)], pos: usize) -> (usize, usize) {
    spans
        .iter()
        .copied()
        .find(|&(s, e)| s <= pos && pos < e)
        .or_else(|| spans.last().copied())
        .unwrap_or((0, 0))
}

/// An acronym or short name, a dash or colon, then what it stands for.
const GLOSSARY_ENTRY: &str = r"^\s*[\p{Lu}0-9][\p{Lu}0-9&./]{1,11}\s*(?:[–—=:：]|-\s|\t)";

/// A paragraph that lists abbreviations or definitions after a colon ("Abbreviations used: DH =
/// Dahua Technology; HW = Huawei."): its entries only name a vendor.
const GLOSSARY_LEAD: &str = r"(?i)^\s*(?:abbreviations|acronyms|glossary|terms and definitions|名詞解釋|名詞定義|縮寫|用語定義)[^:：。.]{0,60}[:：]";

/// Words that make a section a glossary, whose entries only name a vendor.
const GLOSSARY_HEADING: &str = r"(?i)\b(?:glossary|acronyms|abbreviations|list of (?:acronyms|abbreviations)|terms and definitions)\b|名詞定義|名詞解釋|縮寫|用語定義";

const ENUMERATOR: &str = r"^\s*(?:\(?[0-9]{1,3}(?:\.[0-9]{1,3})*[.)、]?\s|\(?[a-zA-Z]\)\s|\([ivxlcIVXLC]{1,5}\)\s|[•·▪\-–*]\s|第[一二三四五六七八九十百零〇0-9]+[條条款項项點点章節节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9]+[)）])";

/// What governs a unit from outside it: its section's heading, a list's lead-in, a glossary.
#[derive(Clone, Copy)]
struct Context<'a> {
    section_cue: Option<&'a str>,
    leadin_cue: Option<&'a str>,
    in_glossary: bool,
}

/// Why a mention got its disposition.
struct Decision {
    disposition_if_supplied: bool,
    excluded: bool,
    /// The mention only names the vendor (a glossary entry).
    mentioned: bool,
    /// The exclusion is a prohibition (not a removal): the clause restricts sourcing.
    prohibits: bool,
    cue: Option<String>,
    reason: String,
}

impl Judge {
    /// The patterns among `ps` that may occur in a unit whose screen is `present`, each compiled on
    /// first use.
    fn occurring<'a>(
        &'a self,
        present: &'a Present,
        ps: &Range<usize>,
    ) -> impl Iterator<Item = &'a LazyRegex> + 'a {
        present
            .in_range(ps.clone())
            .filter_map(|i| self.rule_patterns.get(i))
    }

    pub fn new(set: PatternSet) -> Result<Judge, CompileError> {
        let c = &set.cues;
        let mut sources = Vec::new();
        let procurement = compile_rules(&set.procurement, &mut sources);
        let scopes = compile_rules(&set.scopes, &mut sources);
        let sourcing = compile_rules(&set.sourcing_clauses, &mut sources);
        let permissive = compile_rules(&set.permissive_clauses, &mut sources);
        let kinds_start = sources.len();
        let kinds: Vec<CompiledKind> = set
            .document_kinds
            .iter()
            .map(|k| {
                let title = sources.len()..sources.len() + k.title.len();
                sources.extend(k.title.iter().map(|p| ascii_word_boundaries(p)));
                let signals = sources.len()..sources.len() + k.signals.len();
                sources.extend(k.signals.iter().map(|p| ascii_word_boundaries(p)));
                CompiledKind {
                    id: k.id.clone(),
                    procurement: k.procurement,
                    title,
                    signals,
                }
            })
            .collect();
        let kind_patterns = kinds_start..sources.len();
        let sc = &set.sourcing_concepts;
        let ctx = &set.scope_context;
        let cue_lists: [&[String]; 16] = [
            &c.prohibition,
            &c.removal,
            &c.replacement,
            &c.supply,
            &c.strong_supply,
            &c.prohibited_list,
            &sc.restriction,
            &sc.subject,
            &sc.prc,
            &sc.legal,
            &sc.inverse,
            &ctx.acquisition,
            &ctx.heading,
            &ctx.definition,
            &set.name_context.words,
            &c.unrelated_restriction,
        ];
        // The cue lists asked about only beside a mention, a restriction or a scope word (not of
        // every unit) are not screened: each screened literal costs start-up time in every worker
        // and a look at each of its occurrences in every unit ("with", "pay", "employ"), more than
        // searching the few clauses that are asked.
        let unscreened_cue = |k: usize| matches!(k, 10 | 11 | 13 | 14 | 15);
        // Screened by the matcher: each rule pattern, then each screened cue list (any of its
        // patterns).
        let screened: Vec<Vec<String>> = sources
            .iter()
            .map(|p| vec![p.clone()])
            .chain(
                cue_lists
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| !unscreened_cue(*k))
                    .map(|(_, ps)| ps.iter().map(|p| ascii_word_boundaries(p)).collect()),
            )
            .collect();
        let matcher = Matcher::with_screen(&set, &screened)?;
        let known = has_embedded_regexes(&set);
        if !known {
            // Not known to compile: the patterns had to fit in one set, as they did when they were
            // screened by one.
            RegexSetBuilder::new(&sources)
                .case_insensitive(true)
                .size_limit(RULE_SET_LIMIT)
                .build()
                .map_err(|e| CompileError::new(format!("clause rules: {e}")))?;
        }
        let rule_patterns = sources
            .into_iter()
            .map(|source| LazyRegex::new(source, RULE_SET_LIMIT))
            .collect::<Vec<_>>();
        let first_cue = rule_patterns.len();
        let cue = |k: usize| {
            let written = alternation(cue_lists[k]);
            let screen = (!unscreened_cue(k))
                .then(|| first_cue + (0..k).filter(|j| !unscreened_cue(*j)).count());
            let cue = Cue {
                re: LazyRegex::new(ascii_word_boundaries(&written), ONE_LIMIT),
                screen,
            };
            if !known {
                cue.re
                    .compile()
                    .map_err(|e| CompileError::new(format!("{written:?}: {e}")))?;
            }
            Ok::<Cue, CompileError>(cue)
        };
        Ok(Judge {
            procurement,
            scopes,
            sourcing,
            permissive,
            prohibition: cue(0)?,
            removal: cue(1)?,
            replacement: cue(2)?,
            supply: cue(3)?,
            strong_supply: cue(4)?,
            prohibited_list: cue(5)?,
            restriction: cue(6)?,
            subject: cue(7)?,
            prc: cue(8)?,
            legal: cue(9)?,
            inverse: cue(10)?,
            acquisition: cue(11)?,
            buying_heading: cue(12)?,
            definition: cue(13)?,
            name_context: cue(14)?,
            unrelated_restriction: cue(15)?,
            kinds,
            kind_patterns,
            ambiguous: set
                .entities
                .iter()
                .map(|e| {
                    e.ambiguous
                        .iter()
                        .map(|a| crate::normalize::normalize_pattern(a))
                        .collect()
                })
                .collect(),
            glossary_entry: Fixed::new(GLOSSARY_ENTRY),
            glossary_heading: Fixed::new(GLOSSARY_HEADING),
            defined_term: Fixed::new(defined::DEFINED_TERM),
            glossary_lead: Fixed::new(GLOSSARY_LEAD),
            rule_patterns,
            enumerator: Fixed::new(ENUMERATOR),
            clause_number: compile_one(&format!(r"^\s*(?:{CLAUSE_NUMBER_BODY})"))?,
            clause_number_starts: crate::matcher::first_chars(CLAUSE_NUMBER_BODY),
            matcher,
            set,
        })
    }

    pub fn patterns(&self) -> &PatternSet {
        &self.set
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Judge one extracted document.
    pub fn judge(&self, doc: &Document) -> Judgement {
        /// How many units the matcher screens in one pass.
        const SCREENED_AT_ONCE: usize = 256;
        let units = units(doc);
        let mut findings = Vec::new();
        let mut facts = ClauseFacts::default();

        // Section and lead-in context.
        let mut section_cue: Option<String> = None;
        // The section's heading is about what is bought (scope of work, 採購標的), or is a glossary.
        let mut section_buys = false;
        let mut in_glossary = false;
        let mut nonempty_seen = 0usize;
        let mut kind_evidence = KindEvidence::new(&self.kinds);
        // Sourcing clauses found by meaning: the first (unit, clause, rule) of each rule.
        let mut concept_sourcing: Vec<(usize, (usize, usize), &'static str)> = Vec::new();
        let mut leadin_cue: Option<String> = None;
        let mut last_clause_number: Option<String> = None;
        // Terms defined by the vendors they name, waiting for a clause that prohibits them.
        let mut defined_terms: Vec<DefinedTerm> = Vec::new();

        // Scope evidence: (rule index, unit index, normalised span).
        let mut scope_hits: Vec<(usize, usize, (usize, usize))> = Vec::new();
        let mut scope_counts = vec![0usize; self.scopes.len()];
        let mut sourcing_found = vec![false; self.sourcing.len()];
        let mut procurement_found = vec![false; self.procurement.len()];
        // The units' hits and screens, from one pass of the matcher over `SCREENED_AT_ONCE` units
        // at a time, taken as the loop reaches them (all of a document's at once held 70 MB more
        // for bomb_xml.docx).
        let texts: Vec<&str> = units.iter().map(|u| u.norm.text.as_str()).collect();
        let screened = texts
            .chunks(SCREENED_AT_ONCE)
            .flat_map(|chunk| self.matcher.find_screened_all(chunk));

        for ((ui, unit), (hits, present)) in units.iter().enumerate().zip(screened) {
            let t = unit.norm.text.as_str();
            let block = unit.first();
            let deleted = unit.parts.iter().all(|(_, b)| b.kind == BlockKind::Deleted);
            // Reviewer comments are not contract text: their mentions are shown for review, and they
            // take no part in headings, lead-ins, scope or clause rules.
            let comment = block.kind == BlockKind::Comment;
            let hidden = unit.parts.iter().all(|(_, b)| b.hidden);
            // Clause boundaries, computed only when a unit has something to judge.
            let spans: std::cell::OnceCell<Vec<(usize, usize)>> = std::cell::OnceCell::new();

            // Heading and lead-in tracking (before judging this unit's own mentions).
            let short = at_most_chars(t, 60);
            let clause_number = self.clause_number_of(t);
            let heading_like = !unit.is_row
                && !comment
                && (block.kind == BlockKind::Heading
                    || (short
                        && hits.is_empty()
                        && !t.ends_with([',', ';', '，', '；', '、'])
                        && (clause_number.is_some() || is_upper_title(t))));
            if heading_like {
                // A heading governs its section when it names what it prohibits ("Prohibited
                // Brands", 不得使用之廠牌), not for any "no" in it ("No sole-source justification").
                section_cue = self
                    .prohibited_list
                    .find(&present, t)
                    .or_else(|| {
                        self.prohibition
                            .find(&present, t)
                            .filter(|_| self.subject.find(&present, t).is_some())
                    })
                    .map(|m| m.as_str().to_string());
                leadin_cue = None;
                section_buys = self.buying_heading.find(&present, t).is_some();
                in_glossary = self.glossary_heading.is_match(t);
            } else if leadin_cue.is_some() && !comment {
                let list_item = unit.is_row || self.enumerator.is_match(t) || at_most_chars(t, 120);
                if !list_item {
                    leadin_cue = None;
                }
            }
            if let Some(number) = clause_number.filter(|_| !comment) {
                last_clause_number = Some(number.to_string());
            }

            // The title region: the first short paragraphs, and short headings.
            let first_paragraph = nonempty_seen == 0;
            // After the first paragraph, a sentence (it ends as one) is prose, not a title.
            let title_region = !unit.is_row
                && !comment
                && !deleted
                && at_most_chars(t, 100)
                && (block.kind == BlockKind::Heading
                    || (nonempty_seen < TITLE_PARAGRAPHS
                        && (nonempty_seen == 0 || !ends_as_sentence(t))));
            if !t.trim().is_empty() && !comment && !deleted {
                nonempty_seen += 1;
            }

            if !deleted && !comment {
                // The patterns that may occur here, each compiled on first use.
                let found = |ps| self.occurring(&present, ps);
                self.observe_kinds(
                    &mut kind_evidence,
                    &present,
                    ui,
                    t,
                    title_region,
                    first_paragraph,
                );
                // A sourcing clause by meaning; its clause is no evidence of scope.
                let concept = self.sourcing_concept(&present, t, &hits, &spans);
                if let Some((rule, clause)) = concept {
                    if concept_sourcing.iter().all(|(_, _, r)| *r != rule) {
                        concept_sourcing.push((ui, clause, rule));
                    }
                }
                // Procurement, scope, sourcing, permissive rules.
                for (ri, rule) in self.procurement.iter().enumerate() {
                    if !procurement_found[ri] && found(&rule.patterns).any(|p| p.is_match(t)) {
                        procurement_found[ri] = true;
                    }
                }
                // The document's own title or a heading says what it buys; the other paragraphs of
                // the title region may be any prose.
                let titled = title_region && (first_paragraph || block.kind == BlockKind::Heading);
                let buys_here = titled || unit.is_row || section_buys;
                for (ri, rule) in self.scopes.iter().enumerate() {
                    for p in found(&rule.patterns) {
                        for m in p.find_iter(t) {
                            let clause =
                                clause_of(spans.get_or_init(|| clause_spans(t)), m.start());
                            if concept.is_some_and(|(_, c)| c == clause)
                                || !self.scope_counts_here(
                                    &present,
                                    t,
                                    m.start(),
                                    clause,
                                    buys_here,
                                )
                            {
                                continue;
                            }
                            scope_counts[ri] += 1;
                            if scope_hits.iter().all(|(r, _, _)| *r != ri) {
                                scope_hits.push((ri, ui, (m.start(), m.end())));
                            }
                        }
                    }
                }
                let mut sourcing_spans: Vec<(usize, usize)> =
                    concept.iter().map(|(_, clause)| *clause).collect();
                for (ri, rule) in self.sourcing.iter().enumerate() {
                    for p in found(&rule.patterns) {
                        if let Some(m) = p.find(t) {
                            sourcing_found[ri] = true;
                            sourcing_spans.push((m.start(), m.end()));
                        }
                    }
                }
                // One finding per clause: overlapping patterns (原產地不限, 產地不限) report once.
                let mut reported: Vec<(usize, usize)> = Vec::new();
                for rule in &self.permissive {
                    for p in found(&rule.patterns) {
                        for m in p.find_iter(t) {
                            let (cs, ce) =
                                clause_of(spans.get_or_init(|| clause_spans(t)), m.start());
                            if reported.contains(&(cs, ce)) {
                                continue;
                            }
                            // A restriction elsewhere in the same clause ("any country of origin
                            // other than the PRC") cancels it; words inside the match do not.
                            let (ms, me) = (m.start(), m.end());
                            let conflicts_with_sourcing = sourcing_spans
                                .iter()
                                .any(|&(s, e)| s < ce && e > cs && !(s < me && e > ms));
                            if conflicts_with_sourcing {
                                continue;
                            }
                            reported.push((cs, ce));
                            let mut f = self.base_finding(
                                unit,
                                (cs, ce),
                                (m.start(), m.end()),
                                &last_clause_number,
                            );
                            f.kind = FindingKind::PermissiveClause;
                            f.rule = rule.id.clone();
                            f.severity = Severity::High;
                            f.cue = Some(m.as_str().to_string());
                            f.message = format!(
                                "permissive clause ({}): \"{}\" conflicts with a non-PRC sourcing requirement",
                                rule.label,
                                f.text
                            );
                            findings.push(f);
                        }
                    }
                }
            }

            // A clause that prohibits a term defined earlier by the vendors it names excludes them.
            if !deleted && !comment && !defined_terms.is_empty() {
                self.link_defined_terms(
                    &mut defined_terms,
                    &mut findings,
                    &mut concept_sourcing,
                    ui,
                    t,
                    &present,
                    &spans,
                );
            }
            // This unit defines a term: its span, and whether it is specific enough to link.
            let definition = if !deleted && !comment && !unit.is_row && !hits.is_empty() {
                self.defined_term.captures(t).and_then(|c| {
                    defined::term_of(&c).map(|m| {
                        let term = m.as_str().trim().to_ascii_lowercase();
                        (term, (m.start(), m.end()))
                    })
                })
            } else {
                None
            };
            // Entities whose own name is the defined term ("ZTE" means ZTE Corporation).
            let defines_name: SmallVec<[usize; 2]> = definition
                .as_ref()
                .map(|(_, (s, e))| {
                    hits.iter()
                        .filter(|h| h.start >= *s && h.end <= *e)
                        .map(|h| h.entity)
                        .collect()
                })
                .unwrap_or_default();

            // Mentions, one finding per entity per unit, strictest disposition wins.
            let mut per_entity: Vec<(usize, Disposition, Finding, String)> = Vec::new();
            for h in &hits {
                let entity = &self.set.entities[h.entity];
                let Some((status, lists)) = self.set.status_of(&entity.id) else {
                    continue;
                };
                let clause = clause_of(spans.get_or_init(|| clause_spans(t)), h.start);
                if !self.named_as_vendor(unit, &present, &hits, h, clause) {
                    continue;
                }
                let d = if deleted {
                    Decision {
                        disposition_if_supplied: false,
                        excluded: true,
                        mentioned: false,
                        prohibits: false,
                        cue: None,
                        reason: "appears only in text deleted by a tracked change".into(),
                    }
                } else if comment {
                    Decision {
                        disposition_if_supplied: false,
                        excluded: false,
                        mentioned: false,
                        prohibits: false,
                        cue: None,
                        reason: "named in a reviewer comment, which is not contract text; check whether the contract follows it".into(),
                    }
                } else if defines_name.contains(&h.entity) {
                    Decision {
                        disposition_if_supplied: false,
                        excluded: false,
                        mentioned: true,
                        prohibits: false,
                        cue: None,
                        reason: "a definition of its own name names it".into(),
                    }
                } else {
                    self.decide(
                        unit,
                        &present,
                        h,
                        clause,
                        Context {
                            section_cue: section_cue.as_deref(),
                            leadin_cue: leadin_cue.as_deref(),
                            in_glossary,
                        },
                    )
                };
                if d.excluded
                    && d.prohibits
                    && status == Status::Banned
                    && !hidden
                    && concept_sourcing
                        .iter()
                        .all(|(_, _, r)| *r != EXCLUDED_VENDOR)
                {
                    concept_sourcing.push((ui, clause, EXCLUDED_VENDOR));
                }
                let disposition = if d.mentioned {
                    Disposition::Mentioned
                } else if d.excluded {
                    Disposition::Excluded
                } else if d.disposition_if_supplied
                    && status == Status::Banned
                    && !self.set.only_for_some_uses(&entity.id)
                {
                    Disposition::Violation
                } else {
                    Disposition::Review
                };
                let list_ids: Vec<String> = lists.iter().map(|l| l.id.clone()).collect();
                let mut f = self.base_finding(unit, clause, (h.start, h.end), &last_clause_number);
                f.kind = FindingKind::Mention;
                f.rule = format!("mention.{}", entity.id);
                f.entity = Some(entity.id.clone());
                f.list = list_ids.first().cloned();
                f.lists = list_ids.clone();
                f.disposition = Some(disposition);
                f.severity = match disposition {
                    Disposition::Violation => Severity::High,
                    Disposition::Review => Severity::Medium,
                    Disposition::Excluded => Severity::Low,
                    Disposition::Mentioned => Severity::Info,
                };
                f.cue = d.cue.clone();
                let how = match h.via {
                    Via::Name => "name",
                    Via::Brand => "brand or subsidiary",
                    Via::Model => "product model",
                };
                // Which list, since when and why (named, by category, through its owner).
                let listed = self
                    .set
                    .describe_listing(&entity.id)
                    .unwrap_or_else(|| format!("{} on {}", status.as_str(), list_ids.join(", ")));
                f.message = match disposition {
                    Disposition::Violation => format!(
                        "{} ({how}, {listed}) is supplied: {}",
                        entity.name, d.reason
                    ),
                    Disposition::Excluded => format!(
                        "{} ({how}, {listed}) is excluded: {}",
                        entity.name, d.reason
                    ),
                    Disposition::Review if status == Status::UnderReview => format!(
                        "{} ({how}) is under review on {}; {}",
                        entity.name,
                        list_ids.join(", "),
                        d.reason
                    ),
                    Disposition::Review if status == Status::Watch => format!(
                        "{} ({how}, {listed}; a watch list binds no procurement by itself): {}",
                        entity.name, d.reason
                    ),
                    Disposition::Review
                        if d.disposition_if_supplied && status == Status::Banned =>
                    {
                        format!(
                            "{} ({how}, {listed}) is supplied, but the list covers it only for those uses: check what it is bought for; {}",
                            entity.name, d.reason
                        )
                    }
                    Disposition::Review => {
                        format!("{} ({how}, {listed}): {}", entity.name, d.reason)
                    }
                    Disposition::Mentioned => {
                        format!(
                            "{} ({how}, {listed}) is mentioned: {}",
                            entity.name, d.reason
                        )
                    }
                };
                if hidden {
                    f.message
                        .push_str(" (in hidden text, which a reader of the document does not see)");
                }
                let head = format!("{} ({how}, {listed})", entity.name);
                match per_entity.iter_mut().find(|(e, _, _, _)| *e == h.entity) {
                    Some(slot) if disposition > slot.1 => {
                        let other = slot.1;
                        slot.1 = disposition;
                        slot.2 = f;
                        slot.3 = head;
                        if other == Disposition::Excluded {
                            slot.2.message.push_str("; the same clause also excludes it, and the stricter outcome applies");
                        }
                    }
                    Some(_) => {}
                    None => per_entity.push((h.entity, disposition, f, head)),
                }
            }
            // The mentions a linkable definition names without a cue wait for a clause that
            // prohibits its term.
            let mut defined = definition
                .filter(|(term, _)| defines_name.is_empty() && defined::linkable(term))
                .map(|(term, (start, _))| DefinedTerm {
                    term,
                    unit: ui,
                    after: clause_of(spans.get_or_init(|| clause_spans(t)), start).1,
                    mentions: Vec::new(),
                });
            for (entity, disposition, f, head) in per_entity {
                if let Some(d) = defined
                    .as_mut()
                    .filter(|_| disposition == Disposition::Review)
                {
                    let banned = self
                        .set
                        .status_of(&self.set.entities[entity].id)
                        .is_some_and(|(s, _)| s == Status::Banned);
                    d.mentions.push((findings.len(), head, banned));
                }
                findings.push(f);
            }
            if let Some(d) = defined.filter(|d| !d.mentions.is_empty()) {
                // The rest of the defining unit may prohibit the term at once.
                let mut new = vec![d];
                self.link_defined_terms(
                    &mut new,
                    &mut findings,
                    &mut concept_sourcing,
                    ui,
                    t,
                    &present,
                    &spans,
                );
                defined_terms.extend(new);
            }

            // A lead-in for following list items: "the following brands are prohibited:".
            if !heading_like && !unit.is_row && !comment {
                let lead = self
                    .prohibited_list
                    .find(&present, t)
                    .map(|m| m.as_str().to_string())
                    .or_else(|| {
                        if t.trim_end().ends_with([':', '：']) {
                            self.prohibition
                                .find(&present, t)
                                .map(|m| m.as_str().to_string())
                        } else {
                            None
                        }
                    });
                if lead.is_some() {
                    leadin_cue = lead;
                }
            }
        }

        for (ri, rule) in self.scopes.iter().enumerate() {
            if scope_counts[ri] >= rule.min_hits {
                facts.scopes.push(rule.id.clone());
            }
        }
        for (ri, rule) in self.procurement.iter().enumerate() {
            if procurement_found[ri] {
                facts.procurement.push(rule.id.clone());
            }
        }
        for (ri, rule) in self.sourcing.iter().enumerate() {
            if sourcing_found[ri] {
                facts.sourcing_clauses.push(rule.id.clone());
            }
        }
        for &(ui, clause, rule) in &concept_sourcing {
            facts.sourcing_clauses.push(rule.to_string());
            facts
                .sourcing_evidence
                .push(self.evidence(&units[ui], rule, clause, clause));
        }
        for &(ri, ui, span) in &scope_hits {
            let rule = &self.scopes[ri].id;
            if facts.scopes.contains(rule) {
                let unit = &units[ui];
                let clause = clause_of(&clause_spans(&unit.norm.text), span.0);
                facts
                    .scope_evidence
                    .push(self.evidence(unit, rule, clause, span));
            }
        }
        let wording = self.procurement.is_empty() || !facts.procurement.is_empty();
        let kind = kind_evidence.decide(&self.kinds, wording);
        facts.procurement_document = kind.procurement;
        facts.document_kind_evidence = kind.evidence.map(|(ui, span)| {
            let unit = &units[ui];
            let clause = clause_of(&clause_spans(&unit.norm.text), span.0);
            self.evidence(unit, &kind.id, clause, span)
        });
        // A document of a kind that is no procurement buys nothing: a vendor is only mentioned, and
        // no clause is missing or permissive. One of no known kind (`other`: no procurement wording
        // and no kind's evidence) is not checked for a clause either, and a vendor its prose names
        // without a supply is only mentioned; a supply there ("Supply 40 Hikvision cameras.", a
        // priced table row: a bare order or price list is a purchase) stays one.
        if !kind.procurement {
            findings.retain(|f| f.kind == FindingKind::Mention);
            for f in &mut findings {
                let supplied = f.disposition == Some(Disposition::Violation);
                if kind.evidence.is_some() || (f.table.is_none() && !supplied) {
                    self.only_mentioned(f, &kind.id);
                }
            }
        }
        if kind.procurement && !facts.scopes.is_empty() && facts.sourcing_clauses.is_empty() {
            // Cite the first scope evidence in document order.
            if let Some(&(ri, ui, span)) = scope_hits
                .iter()
                .filter(|(ri, _, _)| facts.scopes.contains(&self.scopes[*ri].id))
                .min_by_key(|(_, ui, span)| (*ui, span.0))
            {
                let unit = &units[ui];
                let spans = clause_spans(&unit.norm.text);
                let clause = clause_of(&spans, span.0);
                let mut f = self.base_finding(unit, clause, span, &None);
                f.kind = FindingKind::MissingClause;
                f.rule = format!(
                    "missing-clause.{}",
                    self.scopes[ri].id.trim_start_matches("scope.")
                );
                f.severity = Severity::High;
                let labels: Vec<&str> = self
                    .scopes
                    .iter()
                    .filter(|r| facts.scopes.contains(&r.id))
                    .map(|r| r.label.as_str())
                    .collect();
                f.message = format!(
                    "the contract is in scope ({}; first seen as \"{}\") but has no non-PRC sourcing clause",
                    labels.join("; "),
                    f.text
                );
                findings.push(f);
            }
        }

        let verdict = verdict_of(doc.has_text(), &findings);
        Judgement {
            findings,
            facts,
            verdict,
            document_kind: Some(kind.id),
        }
    }

    /// How a mention is judged; `present` is its unit's screen.
    fn decide(
        &self,
        unit: &Unit,
        present: &Present,
        h: &Hit,
        clause: (usize, usize),
        context: Context,
    ) -> Decision {
        let Context {
            section_cue,
            leadin_cue,
            in_glossary,
        } = context;
        let t = unit.norm.text.as_str();
        let (cs, ce) = clause;
        let before = &t[cs..h.start.max(cs)];
        let after = &t[h.end.min(ce)..ce];
        let whole = &t[cs..ce];
        let excluded_by = |prohibits: bool, cue: &str, reason: String| Decision {
            disposition_if_supplied: false,
            excluded: true,
            mentioned: false,
            prohibits,
            cue: Some(cue.to_string()),
            reason,
        };
        let excluded = |cue: &str, reason: String| excluded_by(true, cue, reason);
        let removed = |cue: &str, reason: String| excluded_by(false, cue, reason);
        let supplied = |cue: Option<String>, reason: String| Decision {
            disposition_if_supplied: true,
            excluded: false,
            mentioned: false,
            prohibits: false,
            cue,
            reason,
        };

        if unit.is_row {
            // A table row is judged as a whole: all of its cells are one clause.
            let row = t;
            if let Some(m) = self
                .prohibition
                .find(present, row)
                .or_else(|| self.prohibited_list.find(present, row))
            {
                return excluded(
                    m.as_str(),
                    format!("its table row prohibits it (\"{}\")", m.as_str()),
                );
            }
            if let Some(m) = self.removal.find(present, row) {
                return removed(
                    m.as_str(),
                    format!("its table row removes or replaces it (\"{}\")", m.as_str()),
                );
            }
            let quantity = self
                .strong_supply
                .find(present, row)
                .map(|m| m.as_str().to_string())
                .or_else(|| {
                    // A number in any cell but the first (which is usually the item number).
                    row.split(" | ")
                        .skip(1)
                        .map(str::trim)
                        .find(|c| {
                            // "40", "4,800", or merged columns such as "40 185.00".
                            !c.is_empty()
                                && c.split_whitespace().all(|w| {
                                    let digits = w.replace([',', '.'], "");
                                    !digits.is_empty()
                                        && digits.len() <= 12
                                        && digits.chars().all(|x| x.is_ascii_digit())
                                })
                        })
                        .map(str::to_string)
                });
            if let Some(q) = quantity {
                return supplied(
                    Some(q.clone()),
                    format!("listed in a table row with a quantity or price (\"{q}\")"),
                );
            }
            if let Some(cue) = section_cue.or(leadin_cue) {
                return excluded(cue, format!("listed under \"{cue}\""));
            }
            let sig = self
                .supply
                .find(present, row)
                .map(|m| m.as_str().to_string());
            return supplied(
                sig,
                "listed in a table row (brand, model or item column)".into(),
            );
        }

        // Prohibition cue before the mention in its clause governs it, unless what it prohibits is
        // no product ("shall not disclose data to X").
        if let Some(m) = self.prohibition.find_last(present, before).filter(|m| {
            self.unrelated_restriction
                .find(present, &before[m.end()..])
                .is_none()
        }) {
            return excluded(
                m.as_str(),
                format!("the clause prohibits or excludes it (\"{}\")", m.as_str()),
            );
        }
        if let Some(m) = self.prohibited_list.find(present, whole) {
            return excluded(
                m.as_str(),
                format!(
                    "it is named in a list of prohibited brands (\"{}\")",
                    m.as_str()
                ),
            );
        }
        // Removal: excluded, unless this mention is what is installed instead ("replace X with Y").
        let removal_before = self.removal.find_last(present, before);
        if let Some(r) = removal_before {
            let since = &before[r.end()..];
            if let Some(w) = self.replacement.find_last(present, since) {
                return supplied(
                    Some(w.as_str().to_string()),
                    format!(
                        "it is what the removed equipment is replaced with (\"{} … {}\")",
                        r.as_str(),
                        w.as_str()
                    ),
                );
            }
            return removed(
                r.as_str(),
                format!("the clause removes or replaces it (\"{}\")", r.as_str()),
            );
        }
        let strong_before = self.strong_supply.find(present, before);
        if let Some(m) = self.prohibition.find(present, after) {
            if strong_before.is_none() {
                return excluded(
                    m.as_str(),
                    format!("the clause prohibits or excludes it (\"{}\")", m.as_str()),
                );
            }
        }
        if let Some(m) = self.removal.find(present, after) {
            // "海康威視攝影機應予拆除": removal after the mention, unless a replacement word intervenes.
            let between = &after[..m.start()];
            if self.replacement.find(present, between).is_none() && strong_before.is_none() {
                return removed(
                    m.as_str(),
                    format!("the clause removes or replaces it (\"{}\")", m.as_str()),
                );
            }
        }
        if let Some(cue) = section_cue {
            return excluded(cue, format!("it sits in a section headed \"{cue}\""));
        }
        if let Some(cue) = leadin_cue {
            return excluded(cue, format!("it is listed after \"{cue}\""));
        }
        if let Some(m) = strong_before.or_else(|| self.supply.find(present, whole)) {
            return supplied(
                Some(m.as_str().to_string()),
                format!("the clause supplies or specifies it (\"{}\")", m.as_str()),
            );
        }
        if h.via == Via::Model {
            return supplied(None, "a product model number is specified".into());
        }
        if let Some(m) = self.enumeration_tail_prohibition(present, t, clause) {
            return excluded(
                &m,
                format!("it is an item of an enumeration that ends \"{m}\""),
            );
        }
        let glossary = in_glossary
            || self.glossary_entry.is_match(&unit.text)
            || self.glossary_lead.is_match(t);
        Decision {
            disposition_if_supplied: false,
            excluded: false,
            mentioned: glossary,
            prohibits: false,
            cue: None,
            reason: if glossary {
                "a glossary or acronym entry names it".into()
            } else {
                "named without a supply or exclusion cue; check the context".into()
            },
        }
    }

    /// Links the terms of `defined` that unit `ui` (text `t`) prohibits ("shall not provide
    /// covered equipment"): the mentions their definitions name become exclusions, and a banned one
    /// makes the prohibiting clause a sourcing clause.
    #[allow(clippy::too_many_arguments)]
    fn link_defined_terms(
        &self,
        defined: &mut Vec<DefinedTerm>,
        findings: &mut [Finding],
        concept_sourcing: &mut Vec<(usize, (usize, usize), &'static str)>,
        ui: usize,
        t: &str,
        present: &Present,
        spans: &std::cell::OnceCell<Vec<(usize, usize)>>,
    ) {
        let lower = t.to_ascii_lowercase();
        defined.retain(|d| {
            let from = if d.unit == ui { d.after } else { 0 };
            let mut uses = defined::occurrences(&lower, &d.term).filter(|&pos| pos >= from);
            let prohibited = uses.find_map(|pos| {
                let (cs, ce) = clause_of(spans.get_or_init(|| clause_spans(t)), pos);
                let before = &t[cs..pos];
                let m = self.prohibition.find_last(present, before)?;
                let between = &before[m.end()..];
                (between.len() <= defined::CUE_TO_TERM
                    && self.unrelated_restriction.find(present, between).is_none())
                .then(|| (m.as_str().to_string(), (cs, ce)))
            });
            let Some((cue, clause)) = prohibited else {
                return true;
            };
            for (idx, head, banned) in &d.mentions {
                let Some(f) = findings.get_mut(*idx) else {
                    continue;
                };
                if f.disposition != Some(Disposition::Review) {
                    continue;
                }
                f.disposition = Some(Disposition::Excluded);
                f.severity = Severity::Low;
                f.cue = Some(cue.clone());
                f.message = format!(
                    "{head} is excluded: it is named in the definition of \"{}\", and a later clause prohibits that term (\"{cue} … {}\")",
                    d.term, d.term
                );
                if *banned
                    && concept_sourcing
                        .iter()
                        .all(|(_, _, r)| *r != EXCLUDED_VENDOR)
                {
                    concept_sourcing.push((ui, clause, EXCLUDED_VENDOR));
                }
            }
            false
        });
    }

    /// The clause number `t` starts with ("Article 12.3", "第十二條").
    fn clause_number_of<'t>(&self, t: &'t str) -> Option<&'t str> {
        // Most units start with none of the characters a number can start with: they are told
        // apart without a search (the search of a unit cost more than the rest of its judging).
        if let Some(starts) = &self.clause_number_starts {
            let first = t.trim_start().chars().next();
            if first.is_none_or(|c| starts.binary_search(&c).is_err()) {
                return None;
            }
        }
        // The number is the match less its leading white space (which it cannot start with), so
        // no capture group is needed: finding a match costs a fraction of capturing one.
        self.clause_number.find(t).map(|m| m.as_str().trim())
    }

    /// A finding with location, matched text and excerpt filled in.
    fn base_finding(
        &self,
        unit: &Unit,
        clause: (usize, usize),
        span: (usize, usize),
        last_clause_number: &Option<String>,
    ) -> Finding {
        let (os, oe) = unit.norm.original_range(span.0, span.1);
        let (cs, ce) = unit.norm.original_range(clause.0, clause.1);
        let (cs, ce) = (cs.min(os), ce.max(oe));
        let text = collapse(&unit.text[os..oe]);
        let (excerpt, em) = excerpt(&unit.text[cs..os], &text, &unit.text[oe..ce]);
        let block = unit.block_at(os);
        let clause_no = block.location.clause.clone().or_else(|| {
            // The number is at the start of the block: normalising only its head keeps this
            // constant per mention (a block with thousands of mentions was quadratic).
            let own = normalize(block_head(&block.text)).text;
            self.clause_number_of(&own)
                .map(str::to_string)
                .or_else(|| last_clause_number.clone())
        });
        Finding {
            kind: FindingKind::Mention,
            rule: String::new(),
            entity: None,
            list: None,
            lists: Vec::new(),
            disposition: None,
            severity: Severity::Low,
            text,
            excerpt,
            excerpt_match: em,
            page: block.location.page,
            page_label: block.location.page_label.clone(),
            paragraph: Some(block.location.paragraph),
            clause: clause_no,
            table: block.location.cell.map(|c| TablePos {
                table: c.table,
                row: c.row,
                col: c.col,
            }),
            cue: None,
            message: String::new(),
            quantity: None,
            unit_price: None,
            amount: None,
            currency: None,
            sheet: None,
            review: Default::default(),
            ocr: false,
            ocr_confidence: None,
        }
    }
}

/// The first characters of a block, where a clause number stands ("Article 12.3", "第十二條").
fn block_head(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.char_indices().nth(64).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

fn is_upper_title(t: &str) -> bool {
    let letters: Vec<char> = t.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    letters.len() >= 4 && letters.iter().all(|c| c.is_ascii_uppercase())
}

/// Collapse whitespace runs to single spaces and strip control characters.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Build an excerpt of at most ~100 characters either side of the match; returns the excerpt and the
/// character offsets of the match inside it.
fn excerpt(before: &str, matched: &str, after: &str) -> (String, [usize; 2]) {
    const SIDE: usize = 100;
    let b = collapse(before);
    let a = collapse(after);
    let bchars: Vec<char> = b.chars().collect();
    let mut out = String::new();
    if bchars.len() > SIDE {
        out.push('…');
        out.extend(&bchars[bchars.len() - SIDE..]);
    } else {
        out.push_str(&b);
    }
    if !out.is_empty() && !b.is_empty() && before.ends_with(char::is_whitespace) {
        out.push(' ');
    }
    let start = out.chars().count();
    out.push_str(matched);
    let end = out.chars().count();
    if !a.is_empty() && after.starts_with(char::is_whitespace) {
        out.push(' ');
    }
    let achars: Vec<char> = a.chars().collect();
    if achars.len() > SIDE {
        out.extend(&achars[..SIDE]);
        out.push('…');
    } else {
        out.push_str(&a);
    }
    (out, [start, end])
}

/// unreadable (no text) > fail (violation, missing or permissive clause) > review > pass.
pub fn verdict_of(has_text: bool, findings: &[Finding]) -> Verdict {
    if !has_text {
        return Verdict::Unreadable;
    }
    let fail = findings.iter().any(|f| match f.kind {
        FindingKind::Mention => f.disposition == Some(Disposition::Violation),
        FindingKind::MissingClause | FindingKind::PermissiveClause => true,
    });
    if fail {
        return Verdict::Fail;
    }
    if findings
        .iter()
        .any(|f| f.disposition == Some(Disposition::Review))
    {
        return Verdict::Review;
    }
    Verdict::Pass
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{CellRef, Format, Location};
    use crate::patterns::load::defaults;

    /// The judge's fixed expressions, compiled on first use, all compile (and so are never
    /// silently no match).
    #[test]
    fn fixed_expressions_compile() {
        for source in [
            GLOSSARY_ENTRY,
            GLOSSARY_HEADING,
            ENUMERATOR,
            defined::DEFINED_TERM,
            GLOSSARY_LEAD,
        ] {
            assert!(Regex::new(source).is_ok(), "{source}");
        }
        let entry = Fixed::new(GLOSSARY_ENTRY);
        assert!(entry.is_match("HIK – Hangzhou Hikvision Digital Technology"));
        assert!(!entry.is_match("the contractor shall supply"));
        assert!(Fixed::new(ENUMERATOR).is_match("(a) Huawei"));
        assert!(Fixed::new(GLOSSARY_HEADING).is_match("Glossary of terms"));
    }

    /// The matcher's one pass over all units of a document finds in each unit what it finds in
    /// that unit alone: the same hits, the same screen.
    #[test]
    fn screening_all_units_at_once_agrees_with_one_at_a_time() {
        let judge = Judge::new(defaults().unwrap()).unwrap();
        let m = judge.matcher();
        let mut docs: Vec<Vec<String>> = Vec::new();
        for (f, ext) in [
            ("en_cctv_boq_violation.pdf", "pdf"),
            ("zh_cctv_compliant.pdf", "pdf"),
            ("en_review_lenovo.docx", "docx"),
            ("zh_boq_violation.docx", "docx"),
            ("en_traps_roadworks.pdf", "pdf"),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/contracts")
                .join(f);
            let bytes = std::fs::read(&path).unwrap();
            let kind = crate::extract::sniff(&bytes, Some(ext));
            let doc = crate::extract::extract(kind, &bytes, &Default::default()).unwrap();
            docs.push(units(&doc).iter().map(|u| u.norm.text.clone()).collect());
        }
        // Each document whole, then random groups of units from all of them (and empty texts).
        let all: Vec<&str> = docs.iter().flatten().map(String::as_str).collect();
        let mut groups: Vec<Vec<&str>> = docs
            .iter()
            .map(|d| d.iter().map(String::as_str).collect())
            .collect();
        let mut below = crate::testing::below(0x9E37_79B9_7F4A_7C15);
        for _ in 0..60 {
            let n = below(30);
            groups.push(
                (0..n)
                    .map(|_| all.get(below(all.len() + 3)).copied().unwrap_or(""))
                    .collect(),
            );
        }
        // The matcher's automaton finds what aho-corasick's DFA finds, in the same order, in every
        // unit (all its strings: names, guards and the screen's literals).
        let theirs = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(m.strings())
            .unwrap();
        let mut occurrences = 0;
        for t in &all {
            let want: Vec<(usize, usize, usize)> = theirs
                .find_overlapping_iter(t)
                .map(|o| (o.pattern().as_usize(), o.start(), o.end()))
                .collect();
            assert_eq!(m.occurrences(t), want, "{t:?}");
            occurrences += want.len();
        }
        assert!(occurrences > 100, "{occurrences}");
        // What an empty text's screen holds (the expressions without literals): a unit counts as
        // screened when a literal set more.
        let nothing = m.find_screened_all(&[""]).remove(0).1;
        let (mut hits, mut screened) = (0, 0);
        for (g, texts) in groups.iter().enumerate() {
            let at_once = m.find_screened_all(texts);
            assert_eq!(at_once.len(), texts.len());
            for (t, got) in texts.iter().zip(&at_once) {
                let mut present = Present::default();
                let alone = m.find_screened(t, &mut present);
                assert_eq!(got, &(alone, present), "group {g}: {t:?}");
                hits += got.0.len();
                screened += usize::from(got.1 != nothing);
            }
        }
        assert!(
            hits > 50 && screened > 50,
            "hits {hits}, screened units {screened}"
        );
    }

    fn judge_paras(paras: &[&str]) -> Judgement {
        let mut doc = Document::new(Format::Txt);
        for (i, p) in paras.iter().enumerate() {
            doc.blocks.push(Block::new(
                BlockKind::Paragraph,
                *p,
                Location {
                    paragraph: i as u32 + 1,
                    ..Location::default()
                },
            ));
        }
        Judge::new(defaults().unwrap()).unwrap().judge(&doc)
    }

    /// `paras` as clauses of a contract: a last paragraph gives the procurement wording (a document
    /// with none buys nothing, and its vendors are only mentioned).
    fn judge_contract(paras: &[&str]) -> Judgement {
        let mut v = paras.to_vec();
        v.push("End of the contract.");
        judge_paras(&v)
    }

    /// Append a table (rows of cells) as table-cell blocks numbered after the existing blocks.
    fn push_table<const N: usize>(doc: &mut Document, cells: &[[&str; N]]) {
        let table = doc
            .blocks
            .iter()
            .filter_map(|b| b.location.cell)
            .map(|c| c.table + 1)
            .max()
            .unwrap_or(0);
        for (r, row) in cells.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let paragraph = doc.blocks.len() as u32 + 1;
                doc.blocks.push(Block::new(
                    BlockKind::TableCell,
                    *text,
                    Location {
                        paragraph,
                        cell: Some(CellRef {
                            table,
                            row: r as u32,
                            col: c as u32,
                        }),
                        ..Location::default()
                    },
                ));
            }
        }
    }

    fn mentions(j: &Judgement) -> Vec<(String, &'static str)> {
        j.findings
            .iter()
            .filter(|f| f.kind == FindingKind::Mention)
            .map(|f| (f.entity.clone().unwrap(), f.disposition.unwrap().as_str()))
            .collect()
    }

    fn s(e: &str, d: &'static str) -> (String, &'static str) {
        (e.to_string(), d)
    }

    #[test]
    fn prohibition_excludes() {
        let j = judge_contract(&[
            "The Contractor shall not supply any equipment manufactured by Huawei or ZTE.",
        ]);
        assert_eq!(
            mentions(&j),
            [s("huawei", "excluded"), s("zte", "excluded")]
        );
        let j = judge_contract(&["不得使用華為、中興之產品。"]);
        assert_eq!(
            mentions(&j),
            [s("huawei", "excluded"), s("zte", "excluded")]
        );
        let j = judge_contract(&["Huawei products are prohibited."]);
        assert_eq!(mentions(&j), [s("huawei", "excluded")]);
    }

    #[test]
    fn tender_checkboxes() {
        // The ticked box decides: ■不允許 is a sourcing restriction, ■允許 a permissive clause.
        let j = judge_paras(&[
            "本採購案之監視攝影機。",
            "八、□允許 ■不允許 大陸地區廠商參與。",
        ]);
        assert_eq!(
            j.facts.sourcing_clauses,
            ["sourcing.zh-mainland-brand", "sourcing.restriction"]
        );
        assert!(j.findings.is_empty(), "{:#?}", j.findings);
        let j = judge_paras(&[
            "本採購案之監視攝影機。",
            "八、■允許 □不允許 大陸地區廠商參與。",
        ]);
        assert!(j.facts.sourcing_clauses.is_empty());
        let kinds: Vec<_> = j
            .findings
            .iter()
            .map(|f| (f.kind, f.rule.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    FindingKind::PermissiveClause,
                    "permissive.mainland-vendors-allowed"
                ),
                (FindingKind::MissingClause, "missing-clause.surveillance")
            ]
        );
        let j = judge_paras(&["本採購案之監視攝影機，乙方不得使用大陸廠牌資通訊產品。"]);
        assert_eq!(
            j.facts.sourcing_clauses,
            ["sourcing.zh-mainland-brand", "sourcing.restriction"]
        );
        let j = judge_paras(&["本採購案之監視攝影機，應為非大陸廠牌產品。"]);
        assert_eq!(
            j.facts.sourcing_clauses,
            ["sourcing.zh-mainland-brand", "sourcing.restriction"]
        );
        // A mainland term with no prohibiting word is not a restriction; here it is a permission.
        let j = judge_paras(&["本採購案之監視攝影機，大陸地區廠商得參與投標。"]);
        assert!(j.facts.sourcing_clauses.is_empty());
        assert_eq!(j.findings[0].rule, "permissive.mainland-vendors-allowed");
    }

    #[test]
    fn far_representation_boxes() {
        let unticked = "(1) It □ will, □ will not provide covered telecommunications equipment or services to the Government.";
        let j = judge_paras(&["Offerors shall complete FAR 52.204-24.", unticked]);
        assert!(j.findings.is_empty(), "{:#?}", j.findings);
        let ticked = "(1) It ■ will, □ will not provide covered telecommunications equipment or services to the Government.";
        let j = judge_paras(&["Offerors shall complete FAR 52.204-24.", ticked]);
        assert_eq!(j.findings.len(), 1);
        assert_eq!(
            j.findings[0].rule,
            "permissive.covered-equipment-represented"
        );
        assert_eq!(j.verdict, Verdict::Fail);
    }

    #[test]
    fn comments_and_hidden_text() {
        let mut doc = Document::new(Format::Docx);
        doc.blocks.push(Block::new(
            BlockKind::Paragraph,
            "The Contractor shall supply 20 IP cameras. FAR 52.204-25 applies.",
            Location {
                paragraph: 1,
                ..Location::default()
            },
        ));
        doc.blocks.push(Block::new(
            BlockKind::Comment,
            "Could we just buy Hikvision here?",
            Location {
                paragraph: 2,
                ..Location::default()
            },
        ));
        let mut hidden = Block::new(
            BlockKind::Paragraph,
            "Brand: Dahua, 4 units.",
            Location {
                paragraph: 3,
                ..Location::default()
            },
        );
        hidden.hidden = true;
        doc.blocks.push(hidden);
        let j = Judge::new(defaults().unwrap()).unwrap().judge(&doc);
        assert_eq!(
            mentions(&j),
            [s("hikvision", "review"), s("dahua", "violation")]
        );
        assert!(
            j.findings[0].message.contains("reviewer comment"),
            "{}",
            j.findings[0].message
        );
        assert!(
            j.findings[1].message.contains("hidden text"),
            "{}",
            j.findings[1].message
        );
    }

    #[test]
    fn numbered_table_of_prohibited_brands() {
        let mut doc = Document::new(Format::Docx);
        doc.blocks.push(Block::new(
            BlockKind::Heading,
            "Prohibited brands",
            Location {
                paragraph: 1,
                ..Location::default()
            },
        ));
        let cells = [
            ["No.", "Brand", "Country"],
            ["1", "Huawei", "PRC"],
            ["2", "Hikvision", "PRC"],
        ];
        push_table(&mut doc, &cells);
        let j = Judge::new(defaults().unwrap()).unwrap().judge(&doc);
        assert_eq!(
            mentions(&j),
            [s("huawei", "excluded"), s("hikvision", "excluded")]
        );
    }

    #[test]
    fn a_prohibited_defined_term_excludes_the_vendors_its_definition_names() {
        let j = judge_contract(&[
            "ORDER FOR SUPPLIES — Radio backhaul links",
            "(a) The Contractor shall furnish four microwave radio links.",
            "(b) Covered equipment means— (1) telecommunications equipment produced by Huawei Technologies Company or ZTE Corporation; or (2) radio equipment produced by Hytera Communications Corporation.",
            "(c) The Contractor shall not provide covered equipment.",
        ]);
        assert_eq!(
            mentions(&j),
            [
                s("huawei", "excluded"),
                s("zte", "excluded"),
                s("hytera", "excluded")
            ]
        );
        let f = &j.findings[0];
        assert_eq!(f.paragraph, Some(3), "{f:?}");
        assert!(f.message.contains("\"covered equipment\""), "{}", f.message);
        assert!(j
            .facts
            .sourcing_clauses
            .iter()
            .any(|c| c == EXCLUDED_VENDOR));
        // Without the prohibition the definition only names them (no cue: review).
        let j = judge_contract(&[
            "(b) Covered equipment means equipment produced by Huawei Technologies Company.",
            "(c) The Contractor shall maintain covered equipment.",
        ]);
        assert_eq!(mentions(&j), [s("huawei", "review")]);
        // A definition of the vendor's own name names it; a one-word term links nothing.
        let j = judge_contract(&[
            "\"ZTE\" means ZTE Corporation, a telecommunications equipment maker.",
        ]);
        assert_eq!(mentions(&j), [s("zte", "mentioned")]);
        let j = judge_contract(&[
            "Supplier means Huawei Technologies Co., Ltd.",
            "The Buyer shall not pay the supplier before delivery.",
        ]);
        assert_eq!(mentions(&j), [s("huawei", "review")]);
        // Traditional Chinese: 本契約所稱「大陸廠牌」，係指... and 不得提供大陸廠牌.
        let j = judge_contract(&[
            "一、本契約所稱「禁用廠牌」，係指華為、中興及其子公司。",
            "二、乙方不得提供禁用廠牌之產品。",
        ]);
        assert_eq!(
            mentions(&j),
            [s("huawei", "excluded"), s("zte", "excluded")]
        );
    }

    #[test]
    fn more_exclusion_wording() {
        for text in [
            "Bidders that are subsidiaries of Huawei shall be disqualified.",
            "Offers of Hikvision cameras will be rejected.",
            "Provide NDAA-compliant alternatives to Dahua recorders.",
            "Equipment from ZTE is unacceptable.",
            "投標廠商為華為之子公司者，取消其投標資格。",
        ] {
            let j = judge_contract(&[text]);
            let m = mentions(&j);
            assert_eq!(m.len(), 1, "{text}");
            assert_eq!(m[0].1, "excluded", "{text}: {:?}", j.findings[0].message);
        }
    }

    #[test]
    fn supply_is_violation_and_cue_is_named() {
        let j = judge_paras(&["The Contractor shall supply 40 Hikvision DS-2CD2143G2-I cameras."]);
        assert_eq!(mentions(&j), [s("hikvision", "violation")]);
        assert_eq!(j.findings[0].cue.as_deref(), Some("shall supply"));
        assert_eq!(j.verdict, Verdict::Fail);
    }

    #[test]
    fn removal_and_replacement() {
        let j = judge_contract(&[
            "Remove the existing Hikvision cameras and replace them with Axis cameras.",
        ]);
        assert_eq!(mentions(&j), [s("hikvision", "excluded")]);
        let j = judge_contract(&[
            "Replace the Hikvision cameras with Hikvision DS-2CD2143G2-I cameras.",
        ]);
        assert_eq!(mentions(&j), [s("hikvision", "violation")]);
        assert!(
            j.findings[0].message.contains("stricter"),
            "{}",
            j.findings[0].message
        );
        let j = judge_contract(&["汰換現有海康威視攝影機。"]);
        assert_eq!(mentions(&j), [s("hikvision", "excluded")]);
    }

    #[test]
    fn leadin_and_heading_govern_lists() {
        let j = judge_contract(&["Equipment of the following brands is prohibited:", "(a) Huawei", "(b) Dahua", "Delivery shall take place within thirty days of the order, at the premises named by the Purchaser in writing."]);
        assert_eq!(
            mentions(&j),
            [s("huawei", "excluded"), s("dahua", "excluded")]
        );
        let j = judge_contract(&["5. 禁用廠牌", "華為、中興、海康威視、大華"]);
        assert_eq!(
            mentions(&j),
            [
                s("huawei", "excluded"),
                s("zte", "excluded"),
                s("hikvision", "excluded"),
                s("dahua", "excluded")
            ]
        );
    }

    #[test]
    fn under_review_and_neutral() {
        let j = judge_paras(&["The Contractor shall supply 30 Lenovo ThinkPad T14 laptops."]);
        assert_eq!(mentions(&j), [s("lenovo", "review")]);
        assert_eq!(
            j.verdict,
            Verdict::Fail,
            "laptops without a sourcing clause: missing-clause"
        );
    }

    #[test]
    fn table_row_is_one_unit() {
        let mut doc = Document::new(Format::Docx);
        let cells = [
            ["Bill of quantities item", "Brand", "Model", "Qty"],
            ["IP camera", "Hikvision", "DS-2CD2143G2-I", "40"],
        ];
        push_table(&mut doc, &cells);
        let j = Judge::new(defaults().unwrap()).unwrap().judge(&doc);
        assert_eq!(mentions(&j), [s("hikvision", "violation")]);
        let f = &j.findings[0];
        assert_eq!(f.text, "Hikvision");
        assert_eq!(
            f.table,
            Some(TablePos {
                table: 0,
                row: 1,
                col: 1
            })
        );
        assert_eq!(f.paragraph, Some(6));
        assert!(j
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::MissingClause));
    }

    #[test]
    fn scope_and_clauses() {
        let j = judge_paras(&["The City will procure 20 IP cameras and one NVR for the park."]);
        assert_eq!(j.facts.scopes, ["scope.surveillance"]);
        assert!(j.facts.sourcing_clauses.is_empty());
        assert_eq!(j.findings.len(), 1);
        assert_eq!(j.findings[0].kind, FindingKind::MissingClause);
        let j = judge_paras(&[
            "The City will procure 20 IP cameras.",
            "Offerors shall comply with FAR 52.204-25.",
        ]);
        assert!(j.findings.is_empty());
        assert_eq!(j.verdict, Verdict::Pass);
        let j = judge_paras(&["本案採購監視攝影機，原產地不限。"]);
        let kinds: Vec<_> = j.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [FindingKind::PermissiveClause, FindingKind::MissingClause]
        );
        let j = judge_paras(&[
            "Catering services for the council's annual meeting: lunch for 200 guests.",
        ]);
        assert!(j.findings.is_empty());
        assert_eq!(j.verdict, Verdict::Pass);
    }

    #[test]
    fn word_boundaries_are_ascii_outside_classes() {
        assert_eq!(
            ascii_word_boundaries(r"\bcameras?\b"),
            r"(?-u:\b)cameras?(?-u:\b)"
        );
        assert_eq!(ascii_word_boundaries(r"\Bx[\b]\\b"), r"(?-u:\B)x[\b]\\b");
        assert_eq!(ascii_word_boundaries(r"a\"), r"a\");
        // Han text next to an English scope word: a Unicode \b would see no boundary there.
        let j = judge_paras(&["本案採購cameras，數量20台。"]);
        assert_eq!(j.facts.scopes, ["scope.surveillance"]);
        // Word boundaries still hold inside Latin words.
        let j = judge_paras(&["The contractor will repair minicamerasystems."]);
        assert!(j.facts.scopes.is_empty(), "{:?}", j.facts.scopes);
    }

    #[test]
    fn rule_patterns_are_found_in_every_unit_they_occur_in() {
        // The screen must not hide a second pattern of the same rule, nor a rule's
        // pattern in a later unit.
        let j = judge_paras(&[
            "Lunch for the council.",
            "Supply of 20 IP cameras and a network video recorder.",
            "The supplier shall comply with FAR 52.204-25.",
            "Products of any country of origin are acceptable.",
        ]);
        assert_eq!(j.facts.scopes, ["scope.surveillance"]);
        let kinds: Vec<_> = j.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FindingKind::PermissiveClause], "{:?}", j.findings);
        assert_eq!(j.findings[0].paragraph, Some(4));
    }

    #[test]
    fn traps_do_not_fire() {
        let j = judge_paras(&[
            "會場位於台北市南京東路三段，鄰近北京東路與中興路。",
            "由中興保全負責會場安全，款項匯入大華銀行。",
            "午餐供應小米粥，活動令人聯想到阿里山的日出。",
            "This is a great opportunity; the opposite side of the road, with honor.",
        ]);
        assert!(j.findings.is_empty(), "{:#?}", j.findings);
    }

    #[test]
    fn patterns_not_known_to_compile_are_compiled_up_front() {
        assert!(has_embedded_regexes(&defaults().unwrap()));
        // A user's vendor without models adds no regular expression.
        let set = crate::patterns::load::parse_str(
            "acme.toml",
            "[[entity]]\nid = \"acme\"\nname = \"Acme\"\naliases = [\"Acme Corp\"]\n",
        )
        .unwrap();
        assert!(has_embedded_regexes(&set));
        // A user's cue too large to compile stops the run before it starts, as before.
        let set = crate::patterns::load::parse_str(
            "big.toml",
            "[cues]\nprohibition = ['\\w{1000}\\w{1000}']\n",
        )
        .unwrap();
        assert!(!has_embedded_regexes(&set));
        let e = Judge::new(set).unwrap_err().to_string();
        assert!(
            e.ends_with(
                r#"(?:\\w{1000}\\w{1000})": Compiled regex exceeds size limit of 4194304 bytes."#
            ),
            "{e}"
        );
    }

    #[test]
    fn no_text_is_unreadable() {
        let doc = Document::new(Format::Pdf);
        let j = Judge::new(defaults().unwrap()).unwrap().judge(&doc);
        assert_eq!(j.verdict, Verdict::Unreadable);
    }

    /// The characters a unit must start with to be searched for a clause number are every
    /// character that a clause number can start with: the search finds the same numbers with
    /// the filter as without it, and the filter leaves out nearly every character.
    #[test]
    fn clause_numbers_are_found_as_the_search_alone_finds_them() {
        let judge = Judge::new(defaults().unwrap()).unwrap();
        // The characters derived from the expression, case variants too ("ſection").
        let starts = judge.clause_number_starts.as_deref().unwrap_or_default();
        for c in [
            'a', 'A', 's', 'S', '\u{17F}', 'c', 'C', '第', '一', '十', '（', '(', '0', '9',
        ] {
            assert!(starts.contains(&c), "{c:?} in {starts:?}");
        }
        assert!(starts.len() < 40, "{starts:?}");
        // The judge's own expression, searched without the filter.
        let alone = |t: &str| {
            judge
                .clause_number
                .find(t)
                .map(|m| m.as_str().trim().to_string())
        };
        let tails = [
            "rticle 12.3",
            "ection 4",
            "lause 7",
            "1.2 Scope",
            "12) x",
            "、總則",
            "一）",
            "十二條",
            "a) item",
            "iv) item",
            "3. Term",
        ];
        let mut numbers = 0;
        // Every character of the Basic Multilingual Plane and a few beyond it, at the start and
        // after white space (which the search skips).
        let chars = (0..=0xFFFFu32)
            .chain([0x1_0000, 0x1_D400, 0x2_0000, 0x10_FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            for tail in tails {
                for lead in ["", " ", "\u{3000}", "\u{a0}\t"] {
                    let t = format!("{lead}{c}{tail}");
                    let want = alone(&t);
                    numbers += usize::from(want.is_some());
                    assert_eq!(
                        judge.clause_number_of(&t).map(str::to_string),
                        want,
                        "{t:?}"
                    );
                }
            }
        }
        // The filter lets through what it must: numbers of every kind were found.
        assert!(numbers > 400, "{numbers}");
        for t in [
            "ARTICLE 5",
            "Section 2.1",
            "\u{17F}ection 3",
            "第三條",
            "（二）",
            "(b)",
            "10.",
        ] {
            assert!(judge.clause_number_of(t).is_some(), "{t:?}");
        }
    }

    #[test]
    fn at_most_chars_counts_characters() {
        for t in [
            "",
            "a",
            "中",
            "ab中文",
            &"x".repeat(60),
            &"中".repeat(60),
            &"中".repeat(61),
        ] {
            for n in [0, 1, 2, 4, 59, 60, 61, 120, 240] {
                assert_eq!(at_most_chars(t, n), t.chars().count() <= n, "{t:?} {n}");
            }
        }
        assert!(!at_most_chars(&"😀".repeat(61), 60));
        assert!(at_most_chars(&"😀".repeat(60), 60));
    }

    #[test]
    fn clause_spans_keep_numbers_and_abbreviations() {
        let t = "See FAR 52.204-25 and Huawei Technologies Co. Ltd. here. Next one";
        let spans = clause_spans(t);
        assert_eq!(spans.len(), 2, "{spans:?}");
    }
}
