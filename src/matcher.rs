//! Compiled patterns: one Aho-Corasick automaton for every name, brand and guard, and for literals of
//! product models and of the judge's clause and cue patterns (a model or pattern is only run on text
//! that contains one of its literals). Built once per run and shared read-only across threads.
//!
//! Latin names only match on word boundaries ("opportunity" is not OPPO). CJK has no word boundaries,
//! so CJK names rely on guards: a hit that lies inside a guard string (南京東路 around 京東) is dropped.

use crate::normalize::normalize_pattern;
use crate::patterns::load::has_embedded_regexes;
use crate::patterns::PatternSet;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{nfa, Anchored, MatchKind, PatternID};

mod dfa;
use regex::RegexSetBuilder;
use regex_automata::meta;
use regex_automata::util::syntax;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How a hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Name,
    Brand,
    Model,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Name => "name",
            Via::Brand => "brand",
            Via::Model => "model",
        }
    }
}

/// One vendor mention in normalised text (byte offsets into the normalised string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into `PatternSet::entities`.
    pub entity: usize,
    pub start: usize,
    pub end: usize,
    pub via: Via,
}

/// What an occurrence of a name or guard means.
#[derive(Debug, Clone)]
enum Mention {
    Name {
        entity: usize,
        via: Via,
        exact: Option<String>,
        /// Its place among the names and guards as listed: of hits with the same span, the one of
        /// the earlier name is reported.
        order: usize,
    },
    Guard,
}

impl Mention {
    /// Note an occurrence at `start..end` of `text`: a guard, or a hit where the name stands as a
    /// word (and, if it must, with its exact capitals).
    fn note(
        &self,
        text: &str,
        (start, end): (usize, usize),
        guards: &mut Vec<(usize, usize)>,
        hits: &mut Vec<(usize, Hit)>,
    ) {
        match self {
            Mention::Guard => guards.push((start, end)),
            Mention::Name {
                entity,
                via,
                exact,
                order,
            } => {
                if exact
                    .as_deref()
                    .is_some_and(|x| text.get(start..end) != Some(x))
                {
                    return;
                }
                if on_word_boundary(text, start, end) {
                    let hit = Hit {
                        entity: *entity,
                        start,
                        end,
                        via: *via,
                    };
                    hits.push((*order, hit));
                }
            }
        }
    }
}

/// A name or guard that contains a shorter name (華為技術有限公司 contains 華為, 中興路 contains 中興).
/// It occurs only where that name does, so it is not in the automaton (each of its bytes would be
/// a state, and the states cost most of the start-up) but compared with the text around each
/// occurrence of the shorter name.
#[derive(Debug, Clone)]
struct Longer {
    /// Where the shorter name starts in it.
    offset: usize,
    /// Normalised; compared ASCII-case-insensitively, as the automaton compares.
    text: String,
    mention: Mention,
}

impl Longer {
    /// Its span, if it occurs in `text` around the shorter name found at `start`.
    fn around(&self, text: &str, start: usize) -> Option<(usize, usize)> {
        let s = start.checked_sub(self.offset)?;
        let e = s.checked_add(self.text.len())?;
        text.get(s..e)?
            .eq_ignore_ascii_case(&self.text)
            .then_some((s, e))
    }
}

#[derive(Debug, Clone)]
enum AcPattern {
    /// A name or guard; `Matcher::longer[longer]` are those placed at it (see [`Longer`]).
    Mention {
        mention: Mention,
        longer: std::ops::Range<usize>,
    },
    /// A literal of screened regular expressions: `Matcher::screen_targets[first..end]` name them.
    /// Those in `first..any` are checked wherever the literal occurs; those in `any..end` need a
    /// given byte just after it (`Matcher::screen_next`, sorted), so only the few whose byte
    /// follows are checked: "contract" heads thirty whole literals ("contract price", "contractor
    /// shall", ...) and occurs in most paragraphs.
    Literal {
        first: usize,
        any: usize,
        end: usize,
    },
}

/// The compiled matcher.
#[derive(Debug)]
pub struct Matcher {
    ac: Strings,
    ac_patterns: Vec<AcPattern>,
    longer: Vec<Longer>,
    /// The screened expressions each `AcPattern::Literal` stands for, each with what must be
    /// around the literal where it is found for the expression to be possible.
    screen_targets: Vec<ScreenTarget>,
    /// For each screen target, the (lower-case) byte its whole literal has just after the searched
    /// one, where [`AcPattern::Literal`] sorts it by that byte.
    screen_next: Vec<u8>,
    /// Screened expressions without a usable literal: they may match anything.
    unscreened: Vec<usize>,
    /// How many expressions the caller of [`Matcher::with_screen`] screens (numbered first); the
    /// product models follow them.
    extra: usize,
    models: Vec<(usize, LazyRegex)>,
    /// The order of the first product model's hits (after every name's; see [`Mention::Name`]).
    model_order: usize,
    /// The strings of `ac` (the tests compare it with aho-corasick's DFA).
    #[cfg(test)]
    strings: Vec<Vec<u8>>,
}

/// A pattern that could not be compiled (regular expression too large, automaton too large).
#[derive(Debug, thiserror::Error)]
#[error("cannot compile patterns: {0}")]
pub struct CompileError(String);

impl CompileError {
    pub fn new(msg: String) -> Self {
        CompileError(msg)
    }
}

/// A regular expression (case-insensitive, under a compiled-size limit) compiled when first needed:
/// most patterns never occur in most documents, and compiling them all cost most of a run's
/// start-up. Should compiling fail, the pattern matches nothing; patterns that are not known to
/// compile are compiled up front with [`LazyRegex::compile`], so a failure stops the run before it
/// starts (see [`crate::patterns::load::has_embedded_regexes`]).
///
/// Compiled as `regex::RegexBuilder` compiles it (the same matches), but without the prefilter the
/// regex engine would derive from the pattern's literals: a text is only searched when the screen
/// has found one of them in it, and deriving a prefilter from every case variant of the literals
/// cost half of each compilation.
///
/// A pattern that is one literal, with or without ASCII word boundaries at its ends (`契約`,
/// `(?-u:\b)contracting officer(?-u:\b)`), is not compiled at all: it is searched as a literal
/// ([`PlainLiteral`]), with the same matches.
#[derive(Debug)]
pub(crate) struct LazyRegex {
    source: String,
    limit: usize,
    re: OnceLock<Option<meta::Regex>>,
    literal: Option<PlainLiteral>,
}

/// The ASCII word boundary as the patterns write it.
const ASCII_BOUNDARY: &str = r"(?-u:\b)";

/// A pattern that is one literal: found ASCII-case-insensitively, which for a literal whose
/// characters have no case variant outside ASCII ([`folds_in_ascii_only`]) is what the
/// case-insensitive expression matches in normalised text (see [`required_literals`]).
#[derive(Debug)]
struct PlainLiteral {
    /// Lower-case.
    bytes: Vec<u8>,
    /// An ASCII word boundary required before it, and after it.
    bounded: (bool, bool),
}

impl PlainLiteral {
    fn of(source: &str) -> Option<PlainLiteral> {
        let (start, rest) = match source.strip_prefix(ASCII_BOUNDARY) {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        let (end, body) = match rest.strip_suffix(ASCII_BOUNDARY) {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let plain = !body.is_empty()
            && !body.chars().any(regex_syntax::is_meta_character)
            // (White space is literal: no flag group can turn on the `x` flag without parentheses.)
            && folds_in_ascii_only(body.as_bytes())
            // Case-insensitively, `s` also matches U+017F LONG S and `k` U+212A KELVIN SIGN:
            // normalised text has neither, but other text may.
            && !body.bytes().any(|b| matches!(b.to_ascii_lowercase(), b's' | b'k'));
        plain.then(|| PlainLiteral {
            bytes: body.as_bytes().to_ascii_lowercase(),
            bounded: (start, end),
        })
    }

    /// The first match in `text` at or after byte `from`.
    fn find_from(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let hay = text.as_bytes();
        let first = *self.bytes.first()?;
        let upper = first.to_ascii_uppercase();
        let word = |i: Option<usize>| {
            i.and_then(|i| hay.get(i))
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        };
        let boundary = |at: usize| word(at.checked_sub(1)) != word(Some(at));
        let mut at = from;
        while at < hay.len() {
            let i = at + memchr::memchr2(first, upper, hay.get(at..)?)?;
            let end = i + self.bytes.len();
            if hay
                .get(i..end)
                .is_some_and(|w| w.eq_ignore_ascii_case(&self.bytes))
                && (!self.bounded.0 || boundary(i))
                && (!self.bounded.1 || boundary(end))
            {
                return Some((i, end));
            }
            at = i + 1;
        }
        None
    }
}

/// A match of a [`LazyRegex`] in a text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'t> {
    start: usize,
    end: usize,
    text: &'t str,
}

impl<'t> Found<'t> {
    fn new(haystack: &'t str, m: regex_automata::Match) -> Found<'t> {
        Found {
            start: m.start(),
            end: m.end(),
            // A match of a UTF-8 expression lies on character boundaries.
            text: haystack.get(m.range()).unwrap_or_default(),
        }
    }

    /// A match of a [`PlainLiteral`] (on character boundaries: it starts with a whole character).
    fn literal(haystack: &'t str, start: usize, end: usize) -> Found<'t> {
        Found {
            start,
            end,
            text: haystack.get(start..end).unwrap_or_default(),
        }
    }

    pub(crate) fn start(&self) -> usize {
        self.start
    }

    pub(crate) fn end(&self) -> usize {
        self.end
    }

    pub(crate) fn as_str(&self) -> &'t str {
        self.text
    }
}

impl LazyRegex {
    pub(crate) fn new(source: String, limit: usize) -> LazyRegex {
        LazyRegex {
            literal: PlainLiteral::of(&source),
            source,
            limit,
            re: OnceLock::new(),
        }
    }

    fn build(&self) -> Result<meta::Regex, regex::Error> {
        // What `regex::RegexBuilder::new(source).case_insensitive(true).size_limit(limit)` sets.
        let config = meta::Config::new()
            .match_kind(regex_automata::MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .nfa_size_limit(Some(self.limit))
            .hybrid_cache_capacity(2 * (1 << 20))
            .auto_prefilter(false);
        meta::Builder::new()
            .configure(config)
            .syntax(syntax::Config::new().case_insensitive(true).utf8(true))
            .build(&self.source)
            .map_err(|e| match e.size_limit() {
                // The error `regex` reports, in its words.
                Some(limit) => regex::Error::CompiledTooBig(limit),
                None => regex::Error::Syntax(
                    e.syntax_error()
                        .map_or_else(|| e.to_string(), |s| s.to_string()),
                ),
            })
    }

    /// Compile now, reporting a failure.
    pub(crate) fn compile(&self) -> Result<(), regex::Error> {
        if self.literal.is_some() {
            return Ok(());
        }
        let re = self.build()?;
        // A concurrent first use may have compiled it already: the same expression.
        let _ = self.re.set(Some(re));
        Ok(())
    }

    fn get(&self) -> Option<&meta::Regex> {
        self.re.get_or_init(|| self.build().ok()).as_ref()
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        match &self.literal {
            Some(l) => l.find_from(text, 0).is_some(),
            None => self.get().is_some_and(|re| re.is_match(text)),
        }
    }

    /// The first match in `text`.
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<Found<'t>> {
        match &self.literal {
            Some(l) => l
                .find_from(text, 0)
                .map(|(start, end)| Found::literal(text, start, end)),
            None => self.get()?.find(text).map(|m| Found::new(text, m)),
        }
    }

    /// Every match in `text`, in order, none overlapping.
    pub(crate) fn find_iter<'a, 't: 'a>(
        &'a self,
        text: &'t str,
    ) -> impl Iterator<Item = Found<'t>> + 'a {
        let mut from = 0;
        let literal = self.literal.as_ref().map(move |l| {
            std::iter::from_fn(move || {
                let (start, end) = l.find_from(text, from)?;
                from = end;
                Some(Found::literal(text, start, end))
            })
        });
        let compiled = match literal {
            Some(_) => None,
            None => self.get(),
        };
        literal.into_iter().flatten().chain(
            compiled
                .into_iter()
                .flat_map(move |re| re.find_iter(text).map(move |m| Found::new(text, m))),
        )
    }
}

/// Which screened expressions may match a text: one bit per expression, set when one of its
/// literals occurs in the text (or it has none to look for). Reused from text to text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Present {
    bits: Vec<u64>,
}

impl Present {
    fn reset(&mut self, n: usize) {
        self.bits.clear();
        self.bits.resize(n.div_ceil(64), 0);
    }

    fn insert(&mut self, i: usize) {
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// The expressions numbered in `range` that may match, in order (a word of them at a time:
    /// most units contain none of a rule's literals).
    pub fn in_range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let (start, end) = (range.start, range.end);
        (start / 64..end.div_ceil(64)).flat_map(move |w| {
            let first = w * 64;
            let mut bits = self.bits.get(w).copied().unwrap_or(0);
            // (`first` < `end`, and `start` < `first` + 64.)
            if start > first {
                bits &= !0 << (start - first);
            }
            if end - first < 64 {
                bits &= (1 << (end - first)) - 1;
            }
            std::iter::from_fn(move || {
                let i = bits.trailing_zeros() as usize;
                bits &= bits.wrapping_sub(1);
                (i < 64).then_some(first + i)
            })
        })
    }

    /// True when expression `i` may match (false: it certainly does not).
    pub fn contains(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// Literals one of which every match of the regular expression `pattern` contains, when it is
/// compiled case-insensitively and run on normalised text; lower-cased, to be found
/// ASCII-case-insensitively. `None` when there is no such finite set (the pattern must always be run).
///
/// They come from the pattern parsed case-sensitively: the case-insensitive pattern matches what
/// the case-sensitive one matches with characters replaced by their simple case foldings. An ASCII
/// search folds ASCII only, so a literal with a non-ASCII character that has other cases is not
/// used; ASCII letters also fold from U+212A KELVIN SIGN and U+017F LATIN SMALL LETTER LONG S,
/// which normalised text never contains (NFKC maps them to ASCII; a test checks every character).
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    // A pattern without meta characters is the one literal it matches (a third of the embedded
    // patterns, 採購 or 契約: not parsing them saves a tenth of the start-up's parsing).
    if !pattern.chars().any(regex_syntax::is_meta_character) {
        let usable = !pattern.is_empty() && folds_in_ascii_only(pattern.as_bytes());
        return usable.then(|| vec![pattern.as_bytes().to_ascii_lowercase()]);
    }
    parsed_literals(pattern)
}

/// [`required_literals`], from the parsed pattern.
fn parsed_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    // Prefixes or suffixes: whichever has no literal of fewer than three bytes (a CJK character;
    // "[0-9]+ ?(?:unit|ea)" has the suffix "ea" but the prefixes "0 ea", "0 unit", ...), and then
    // the fewer literals to search for ("[0-9０-９]+ ?台" has too many first characters, but two
    // suffixes).
    [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .filter_map(|kind| {
            // Classes of up to four characters are spelled out ("[臺台]", "2[3-6]"); a wider one
            // ends the literal ("DS-7[67][0-9]{2}" is "ds-76" and "ds-77", not 200 literals, each
            // an automaton state that costs start-up time).
            let seq = Extractor::new().kind(kind).limit_class(4).extract(&hir);
            let lits = seq.literals()?;
            let usable = !lits.is_empty()
                && lits
                    .iter()
                    .all(|l| !l.is_empty() && folds_in_ascii_only(l.as_bytes()));
            if !usable {
                return None;
            }
            let lits: Vec<Vec<u8>> = lits
                .iter()
                .map(|l| l.as_bytes().to_ascii_lowercase())
                .collect();
            Some((to_search(lits.clone()), lits))
        })
        .max_by_key(|(searched, _)| {
            let shortest = searched.iter().map(Vec::len).min().unwrap_or(0);
            // Among a few literals, the longer are the rarer: "valid(?:ity)? (?:for|until) [0-9]+
            // days" is screened by "valid fo", "valid un" and "validity", not by " days", which
            // half the paragraphs of a contract contain.
            let few_and_long = if searched.len() <= 4 {
                shortest.min(LITERAL_HEAD)
            } else {
                0
            };
            (
                shortest.min(3),
                few_and_long,
                std::cmp::Reverse(searched.len()),
            )
        })
        .map(|(_, lits)| lits)
}

/// The characters a match of `pattern` (compiled case-insensitively) can start with, from the
/// prefixes of its matches; `None` when they are not a small set (or a match can be empty), so
/// that any character can start one.
pub(crate) fn first_chars(pattern: &str) -> Option<Vec<char>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .ok()?;
    // Four bytes hold any first character whole.
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_literal_len(4)
        .extract(&hir);
    let mut chars = Vec::new();
    for lit in seq.literals()? {
        let first = lit
            .as_bytes()
            .utf8_chunks()
            .next()?
            .valid()
            .chars()
            .next()?;
        chars.push(first);
    }
    chars.sort_unstable();
    chars.dedup();
    Some(chars)
}

/// What the screen searches for an expression made of `alternatives` (it matches where any of
/// them does): literals one of which each of its matches contains, or `None` when one of the
/// alternatives has none (the expression must always be run). The tests' view of what
/// [`Matcher::with_screen`] searches for each expression (through [`screen_targets_of`]).
#[cfg(test)]
fn screen_literals(alternatives: &[String]) -> Option<Vec<Vec<u8>>> {
    whole_literals(alternatives).map(to_search)
}

/// The literals of an expression made of `alternatives`, whole (one of which each of its matches
/// contains), without those that contain another. The screen searches for parts of them
/// ([`to_search`]) and compares the whole literal where a part is found ([`screen_targets_of`]).
fn whole_literals(alternatives: &[String]) -> Option<Vec<Vec<u8>>> {
    let mut lits = Vec::new();
    for p in alternatives {
        lits.extend(required_literals(p)?);
    }
    Some(without_containing(lits))
}

/// What the screen knows of a screened expression where it finds one of the expression's searched
/// literals.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScreenTarget {
    /// The expression.
    target: usize,
    /// `None` when the searched literal is a whole literal of the expression: it may match there.
    /// Else a whole literal that contains the searched one and the offset of the searched one in
    /// it: the expression may match only when that literal is there around the searched one. (A
    /// searched literal is at most [`LITERAL_HEAD`] bytes: "informat" of "information technology
    /// services" occurs in every "Confidential Information".)
    around: Option<(Box<[u8]>, usize)>,
}

impl ScreenTarget {
    /// Whether the expression may match `text`, where one of its searched literals starts at `s`.
    #[inline]
    fn holds(&self, text: &[u8], s: usize) -> bool {
        match &self.around {
            None => true,
            Some((whole, offset)) => s
                .checked_sub(*offset)
                .and_then(|from| text.get(from..from.checked_add(whole.len())?))
                .is_some_and(|t| t.eq_ignore_ascii_case(whole)),
        }
    }
}

/// The screen's literals for expression `target` of whole literals `whole` (lower-case, none
/// containing another): each searched literal with what is to be checked around it. Every whole
/// literal contains a searched one, and is checked wherever it contains one, so the expression
/// is found possible wherever one of its whole literals occurs; and only there.
fn screen_targets_of(target: usize, whole: &[Vec<u8>]) -> Vec<(Vec<u8>, ScreenTarget)> {
    let mut out: Vec<(Vec<u8>, ScreenTarget)> = Vec::new();
    for searched in to_search(whole.to_vec()) {
        if whole.contains(&searched) {
            // Found wherever it occurs: nothing to check around it for this expression.
            out.push((
                searched,
                ScreenTarget {
                    target,
                    around: None,
                },
            ));
            continue;
        }
        for w in whole {
            for offset in 0..=w.len().saturating_sub(searched.len()) {
                if w[offset..].starts_with(&searched) {
                    let around = Some((w.clone().into_boxed_slice(), offset));
                    out.push((searched.clone(), ScreenTarget { target, around }));
                }
            }
        }
    }
    out
}

/// Longest literal searched for, in bytes: a part of a literal occurs wherever it does, and long
/// literals cost automaton states (building them cost more than the search saved). Where a head is
/// found, the whole literal is compared ([`ScreenTarget::holds`]).
const LITERAL_HEAD: usize = 8;

/// The literals to search for instead of (lower-case) `lits`: their heads (their first
/// [`LITERAL_HEAD`] bytes, cut at a character boundary), without those that contain another, and
/// without the heads of those that contain another (where that one occurs, the other is found
/// anyway: "must deliver" adds nothing to "deliver", though its head "must del" would).
fn to_search(lits: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let heads = without_containing(lits)
        .into_iter()
        .map(|mut l| {
            let mut end = l.len().min(LITERAL_HEAD);
            // Back to the start of a character (a literal is cut at bytes, not characters, only
            // when it does not qualify anyway).
            while end > 1 && l.get(end).is_some_and(|&b| (b & 0xC0) == 0x80) {
                end -= 1;
            }
            l.truncate(end);
            l
        })
        .collect();
    without_containing(heads)
}

/// `lits`, shortest first, each once, without those that contain another.
fn without_containing(mut lits: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    // Shortest first: a literal that another contains comes before it.
    lits.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    lits.dedup();
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(lits.len());
    for l in lits {
        // (Comparing first bytes first: most windows differ there.)
        let contains = |k: &Vec<u8>| {
            l.windows(k.len())
                .any(|w| w.first() == k.first() && w == k.as_slice())
        };
        if !kept.iter().any(contains) {
            kept.push(l);
        }
    }
    kept
}

/// True when no character of `lit` has a case variant outside ASCII. A literal cut inside a
/// character (the extractor trims long literals to bytes) does not qualify: its last character is
/// unknown.
fn folds_in_ascii_only(lit: &[u8]) -> bool {
    lit.utf8_chunks().all(|chunk| {
        chunk.invalid().is_empty()
            && chunk
                .valid()
                .chars()
                .all(|c| c.is_ascii() || !has_other_cases(c))
    })
}

/// True when Unicode simple case folding gives `c` other forms.
fn has_other_cases(c: char) -> bool {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.try_case_fold_simple().is_err() || class.iter().map(|r| r.len()).sum::<usize>() > 1
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphabetic() && (c as u32) < 0x2E80)
}

/// True when the hit at `start..end` does not continue a Latin word on either side.
pub(crate) fn on_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let left_ok = !(first.is_some_and(is_word_char) && before.is_some_and(is_word_char));
    let right_ok = !(last.is_some_and(is_word_char) && after.is_some_and(is_word_char));
    left_ok && right_ok
}

/// The automaton of names, guards and literals, compared ASCII-case-insensitively: our DFA, or, for
/// a list too large for one (or one with an empty string), aho-corasick's NFA.
#[derive(Debug)]
enum Strings {
    Dfa(dfa::Dfa),
    Nfa(nfa::noncontiguous::NFA),
}

/// What the search loops need of an automaton, ours ([`dfa::Dfa`]) or aho-corasick's (through its
/// `Automaton`, which only aho-corasick implements). The names are `Automaton`'s.
trait Steps {
    fn start_state(&self, anchored: Anchored) -> Result<StateID, ()>;
    fn next_state(&self, anchored: Anchored, sid: StateID, byte: u8) -> StateID;
    /// A match state, or the dead one.
    fn is_special(&self, sid: StateID) -> bool;
    fn is_dead(&self, sid: StateID) -> bool;
    fn is_match(&self, sid: StateID) -> bool;
    fn match_len(&self, sid: StateID) -> usize;
    fn match_pattern(&self, sid: StateID, index: usize) -> PatternID;
    fn pattern_len(&self, pid: PatternID) -> usize;
}

impl Steps for nfa::noncontiguous::NFA {
    fn start_state(&self, anchored: Anchored) -> Result<StateID, ()> {
        Automaton::start_state(self, anchored).map_err(|_| ())
    }
    fn next_state(&self, anchored: Anchored, sid: StateID, byte: u8) -> StateID {
        Automaton::next_state(self, anchored, sid, byte)
    }
    fn is_special(&self, sid: StateID) -> bool {
        Automaton::is_special(self, sid)
    }
    fn is_dead(&self, sid: StateID) -> bool {
        Automaton::is_dead(self, sid)
    }
    fn is_match(&self, sid: StateID) -> bool {
        Automaton::is_match(self, sid)
    }
    fn match_len(&self, sid: StateID) -> usize {
        Automaton::match_len(self, sid)
    }
    fn match_pattern(&self, sid: StateID, index: usize) -> PatternID {
        Automaton::match_pattern(self, sid, index)
    }
    fn pattern_len(&self, pid: PatternID) -> usize {
        Automaton::pattern_len(self, pid)
    }
}

impl Strings {
    fn build(strings: &[Vec<u8>]) -> Result<Strings, CompileError> {
        if let Some(dfa) = dfa::Dfa::build(strings) {
            return Ok(Strings::Dfa(dfa));
        }
        // No prefilter: with the screen's hundreds of literals there is none worth having.
        nfa::noncontiguous::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(strings)
            .map(Strings::Nfa)
            .map_err(|e| CompileError(e.to_string()))
    }

    /// Every occurrence of every string in `text`, overlapping ones too: `found(pattern, start,
    /// end)`, as `AhoCorasick::find_overlapping_iter` finds them (its loop keeps its position in a
    /// state struct between matches; this one keeps it in a register).
    fn each_occurrence(&self, text: &[u8], found: impl FnMut(PatternID, usize, usize)) {
        match self {
            Strings::Dfa(a) => occurrences(a, text, found),
            Strings::Nfa(a) => occurrences(a, text, found),
        }
    }

    /// [`Strings::each_occurrence`] in each of `texts`: `found(text, pattern, start, end)`.
    fn each_occurrence_in_all(
        &self,
        texts: &[&[u8]],
        found: impl FnMut(usize, PatternID, usize, usize),
    ) {
        match self {
            Strings::Dfa(a) => occurrences_in_all(a, texts, found),
            Strings::Nfa(a) => occurrences_in_all(a, texts, found),
        }
    }
}

/// [`Strings::each_occurrence`] in the automaton `aut` (built for unanchored searches).
fn occurrences<A: Steps>(aut: &A, text: &[u8], mut found: impl FnMut(PatternID, usize, usize)) {
    let Ok(sid) = aut.start_state(Anchored::No) else {
        return;
    };
    // (An empty string: the start state matches.)
    if aut.is_match(sid) {
        report(aut, sid, 0, &mut found);
    }
    occurrences_from(aut, text, sid, 0, found);
}

/// The occurrences in `text` that end after `at`, with `aut` in state `sid` there.
fn occurrences_from<A: Steps>(
    aut: &A,
    text: &[u8],
    mut sid: StateID,
    mut at: usize,
    mut found: impl FnMut(PatternID, usize, usize),
) {
    while let Some(rest) = text.get(at..) {
        let Some(k) = to_special(aut, &mut sid, rest) else {
            return;
        };
        at += k + 1;
        if aut.is_dead(sid) {
            return;
        }
        if aut.is_match(sid) {
            report(aut, sid, at, &mut found);
        }
    }
}

/// The strings that end at `end` in match state `sid`.
fn report<A: Steps>(
    aut: &A,
    sid: StateID,
    end: usize,
    found: &mut impl FnMut(PatternID, usize, usize),
) {
    for i in 0..aut.match_len(sid) {
        let pattern = aut.match_pattern(sid, i);
        found(pattern, end.saturating_sub(aut.pattern_len(pattern)), end);
    }
}

/// How many texts [`occurrences_in_all`] searches at once.
const RUNS: usize = 4;

/// [`occurrences`] in each of `texts`: `found(text, pattern, start, end)`, each text's
/// occurrences in the order [`occurrences`] finds them. [`RUNS`] texts are searched in one loop, a
/// byte of each per turn (each step waits for the one before it; steps in other texts overlap
/// it); a run that finishes its text takes the next one not yet taken.
fn occurrences_in_all<A: Steps>(
    aut: &A,
    texts: &[&[u8]],
    mut found: impl FnMut(usize, PatternID, usize, usize),
) {
    let Ok(start) = aut.start_state(Anchored::No) else {
        return;
    };
    // The next text no run has taken: skip (reporting an empty string at its start, as
    // `occurrences` does) those without a byte to search.
    let mut next = 0;
    let mut take = |found: &mut dyn FnMut(usize, PatternID, usize, usize)| {
        while next < texts.len() {
            let i = next;
            next += 1;
            if aut.is_match(start) {
                report(aut, start, 0, &mut |p, s, e| found(i, p, s, e));
            }
            if !texts[i].is_empty() {
                return Some(i);
            }
        }
        None
    };
    // Run `j` is in text `text[j]`, with `rest[j]` of it still to search, in state `sids[j]`.
    let mut text = [0usize; RUNS];
    let mut rest: [&[u8]; RUNS] = [&[]; RUNS];
    let mut sids = [start; RUNS];
    let mut all_running = true;
    for j in 0..RUNS {
        match take(&mut found) {
            Some(i) => (text[j], rest[j]) = (i, texts[i]),
            None => all_running = false,
        }
    }
    while all_running {
        let (k, special) = to_special_n(aut, &mut sids, &rest);
        for j in 0..RUNS {
            rest[j] = rest[j].get(k..).unwrap_or_default();
            if special[j] {
                let i = text[j];
                if aut.is_dead(sids[j]) {
                    rest[j] = &[];
                } else if aut.is_match(sids[j]) {
                    let at = texts[i].len() - rest[j].len();
                    report(aut, sids[j], at, &mut |p, s, e| found(i, p, s, e));
                }
            }
            if rest[j].is_empty() {
                match take(&mut found) {
                    Some(i) => (text[j], rest[j], sids[j]) = (i, texts[i], start),
                    None => all_running = false,
                }
            }
        }
    }
    // Fewer texts than runs are left: each goes on alone.
    for j in 0..RUNS {
        if !rest[j].is_empty() {
            let i = text[j];
            let at = texts[i].len() - rest[j].len();
            occurrences_from(aut, texts[i], sids[j], at, |p, s, e| found(i, p, s, e));
        }
    }
}

/// [`to_special`] of several runs at once, over as many bytes as the shortest has: the bytes all
/// stepped over, up to and including the first at which one reached a special state, and which
/// did (several may, at the same byte).
#[inline(never)]
fn to_special_n<A: Steps, const N: usize>(
    aut: &A,
    sids: &mut [StateID; N],
    bytes: &[&[u8]; N],
) -> (usize, [bool; N]) {
    let n = bytes.iter().map(|b| b.len()).min().unwrap_or(0);
    let bytes: [&[u8]; N] = std::array::from_fn(|j| &bytes[j][..n]);
    let mut s = *sids;
    let mut out = (n, [false; N]);
    // (`k` indexes the bytes of every run.)
    #[allow(clippy::needless_range_loop)]
    for k in 0..n {
        let mut any = false;
        for j in 0..N {
            s[j] = aut.next_state(Anchored::No, s[j], bytes[j][k]);
            any |= aut.is_special(s[j]);
        }
        if any {
            out = (k + 1, std::array::from_fn(|j| aut.is_special(s[j])));
            break;
        }
    }
    *sids = s;
    out
}

/// Runs `aut` from state `sid` over `bytes` up to the first special (match or dead) state: its
/// offset in `bytes`, `sid` left at it. A function of its own, not inlined, so that nothing else is
/// live in its loop (it spilled the text and the automaton to the stack inside its caller).
#[inline(never)]
fn to_special<A: Steps>(aut: &A, sid: &mut StateID, bytes: &[u8]) -> Option<usize> {
    let mut s = *sid;
    let mut step = |b| {
        s = aut.next_state(Anchored::No, s, b);
        aut.is_special(s)
    };
    // Four bytes a turn: one end test for four transitions.
    let quads = bytes.chunks_exact(4);
    let tail = quads.remainder();
    let mut k = None;
    for (q, quad) in quads.enumerate() {
        if let [a, b, c, d] = *quad {
            let hit = if step(a) {
                Some(0)
            } else if step(b) {
                Some(1)
            } else if step(c) {
                Some(2)
            } else if step(d) {
                Some(3)
            } else {
                None
            };
            if let Some(m) = hit {
                k = Some(4 * q + m);
                break;
            }
        }
    }
    if k.is_none() {
        k = tail
            .iter()
            .position(|&b| step(b))
            .map(|m| bytes.len() - tail.len() + m);
    }
    *sid = s;
    k
}

/// Compiled-size limit of one product model.
const MODEL_LIMIT: usize = 1 << 22;

impl Matcher {
    pub fn new(set: &PatternSet) -> Result<Matcher, CompileError> {
        Matcher::with_screen(set, &[])
    }

    /// A matcher that also screens `screened` regular expressions (each given as alternatives,
    /// compiled case-insensitively) in the same pass over a text: [`Matcher::find_screened`] says
    /// which of them may match it.
    pub fn with_screen(
        set: &PatternSet,
        screened: &[Vec<String>],
    ) -> Result<Matcher, CompileError> {
        let mentions = mentions(set);
        let model_order = mentions.len();
        // The names and guards that go in the automaton, each with the longer ones placed at it.
        let places = places(&mentions);
        let mut placed: Vec<Vec<Longer>> = vec![Vec::new(); mentions.len()];
        let mut residents = Vec::new();
        for (i, ((text, mention), place)) in mentions.into_iter().zip(places).enumerate() {
            match place {
                Some((name, offset)) => placed[name].push(Longer {
                    offset,
                    text,
                    mention,
                }),
                None => residents.push((i, text, mention)),
            }
        }
        let mut strings: Vec<Vec<u8>> = Vec::new();
        let mut ac_patterns = Vec::new();
        let mut longer = Vec::new();
        for (i, text, mention) in residents {
            let first = longer.len();
            longer.append(&mut placed[i]);
            ac_patterns.push(AcPattern::Mention {
                mention,
                longer: first..longer.len(),
            });
            strings.push(text.into_bytes());
        }
        // The product models are screened after the caller's expressions.
        let models: Vec<(usize, &String)> = set
            .entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.models.iter().map(move |m| (i, m)))
            .collect();
        let model_alternatives: Vec<Vec<String>> =
            models.iter().map(|(_, m)| vec![(*m).clone()]).collect();
        // Each distinct searched literal once, with every expression it stands for.
        let mut by_literal: Vec<(Vec<u8>, Vec<ScreenTarget>)> = Vec::new();
        let mut literal_index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut unscreened = Vec::new();
        for (target, alternatives) in screened.iter().chain(&model_alternatives).enumerate() {
            let Some(whole) = whole_literals(alternatives) else {
                unscreened.push(target);
                continue;
            };
            for (lit, st) in screen_targets_of(target, &whole) {
                let k = *literal_index.entry(lit.clone()).or_insert_with(|| {
                    by_literal.push((lit, Vec::new()));
                    by_literal.len() - 1
                });
                by_literal[k].1.push(st);
            }
        }
        let mut screen_targets = Vec::new();
        let mut screen_next = Vec::new();
        for (lit, targets) in by_literal {
            // The byte just after the searched literal that a target's whole literal needs there,
            // if any; those that need none first.
            let next_byte = |st: &ScreenTarget| {
                st.around.as_ref().and_then(|(whole, offset)| {
                    whole
                        .get(offset + lit.len())
                        .map(|b| b.to_ascii_lowercase())
                })
            };
            let mut keyed: Vec<(Option<u8>, ScreenTarget)> =
                targets.into_iter().map(|st| (next_byte(&st), st)).collect();
            keyed.sort_by_key(|(next, st)| (*next, st.target));
            let first = screen_targets.len();
            let any = first + keyed.iter().filter(|(next, _)| next.is_none()).count();
            for (next, st) in keyed {
                screen_next.push(next.unwrap_or(0));
                screen_targets.push(st);
            }
            ac_patterns.push(AcPattern::Literal {
                first,
                any,
                end: screen_targets.len(),
            });
            strings.push(lit);
        }
        let ac = Strings::build(&strings)?;
        let models: Vec<(usize, LazyRegex)> = models
            .into_iter()
            .map(|(i, m)| (i, LazyRegex::new(m.clone(), MODEL_LIMIT)))
            .collect();
        if !has_embedded_regexes(set) {
            // Not known to compile: compile now, so that a pattern too large stops the run here.
            for (i, re) in &models {
                re.compile().map_err(|err| {
                    CompileError(format!(
                        "entity '{}' model {:?}: {err}",
                        set.entities[*i].id, re.source
                    ))
                })?;
            }
            // The models also had to fit in one set.
            RegexSetBuilder::new(models.iter().map(|(_, re)| &re.source))
                .case_insensitive(true)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| CompileError(e.to_string()))?;
        }
        Ok(Matcher {
            ac,
            ac_patterns,
            longer,
            screen_targets,
            screen_next,
            unscreened,
            extra: screened.len(),
            models,
            model_order,
            #[cfg(test)]
            strings,
        })
    }

    /// Every vendor mention in normalised `text`, sorted by position, guards applied, and hits of one
    /// entity that lie inside a longer hit of the same entity merged into it.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        self.find_screened(text, &mut Present::default())
    }

    /// [`Matcher::find`], and in `present` which of the expressions given to
    /// [`Matcher::with_screen`] may match `text` (numbered as given).
    pub fn find_screened(&self, text: &str, present: &mut Present) -> Vec<Hit> {
        self.clear_present(present);
        let mut gathered = Gathered::default();
        self.ac.each_occurrence(text.as_bytes(), |pattern, s, e| {
            self.gather(text, (pattern, s, e), &mut gathered, present)
        });
        self.finish(text, gathered, present)
    }

    /// [`Matcher::find_screened`] of each of `texts`: its hits, and which expressions may match
    /// it. The automaton runs over [`RUNS`] texts at once (see [`occurrences_in_all`]): its steps
    /// over one text each wait for the one before, and steps in different texts overlap.
    pub fn find_screened_all(&self, texts: &[&str]) -> Vec<(Vec<Hit>, Present)> {
        let mut gathered: Vec<(Gathered, Present)> = texts
            .iter()
            .map(|_| {
                let mut present = Present::default();
                self.clear_present(&mut present);
                (Gathered::default(), present)
            })
            .collect();
        let bytes: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
        self.ac.each_occurrence_in_all(&bytes, |i, pattern, s, e| {
            let (g, present) = &mut gathered[i];
            self.gather(texts[i], (pattern, s, e), g, present)
        });
        gathered
            .into_iter()
            .zip(texts)
            .map(|((g, present), text)| (self.finish(text, g, &present), present))
            .collect()
    }

    /// The strings of the automaton.
    #[cfg(test)]
    pub(crate) fn strings(&self) -> &[Vec<u8>] {
        &self.strings
    }

    /// Every occurrence in `text` of a string of the automaton: (string, start, end).
    #[cfg(test)]
    pub(crate) fn occurrences(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        self.ac
            .each_occurrence(text.as_bytes(), |p, s, e| out.push((p.as_usize(), s, e)));
        out
    }

    /// No expression found yet, but those without literals to screen for.
    fn clear_present(&self, present: &mut Present) {
        present.reset(self.extra + self.models.len());
        for &t in &self.unscreened {
            present.insert(t);
        }
    }

    /// Take in one occurrence in `text` of a string of the automaton.
    fn gather(
        &self,
        text: &str,
        (pattern, s, e): (PatternID, usize, usize),
        g: &mut Gathered,
        present: &mut Present,
    ) {
        match &self.ac_patterns[pattern.as_usize()] {
            AcPattern::Mention { mention, longer } => {
                mention.note(text, (s, e), &mut g.guards, &mut g.hits);
                for l in &self.longer[longer.clone()] {
                    if let Some(span) = l.around(text, s) {
                        l.mention.note(text, span, &mut g.guards, &mut g.hits);
                    }
                }
            }
            &AcPattern::Literal { first, any, end } => {
                let bytes = text.as_bytes();
                let mut check = |st: &ScreenTarget| {
                    if !present.contains(st.target) && st.holds(bytes, s) {
                        present.insert(st.target);
                    }
                };
                self.screen_targets[first..any].iter().for_each(&mut check);
                if let Some(next) = bytes.get(e).map(u8::to_ascii_lowercase) {
                    let keys = &self.screen_next[any..end];
                    let from = any + keys.partition_point(|&k| k < next);
                    let to = any + keys.partition_point(|&k| k <= next);
                    self.screen_targets[from..to].iter().for_each(&mut check);
                }
            }
        }
    }

    /// The hits of `text`, from what its occurrences gave and its product models.
    fn finish(&self, text: &str, mut g: Gathered, present: &Present) -> Vec<Hit> {
        for (k, (entity, re)) in self.models.iter().enumerate() {
            if !present.contains(self.extra + k) {
                continue;
            }
            for m in re.find_iter(text) {
                if on_word_boundary(text, m.start(), m.end()) {
                    let hit = Hit {
                        entity: *entity,
                        start: m.start(),
                        end: m.end(),
                        via: Via::Model,
                    };
                    g.hits.push((self.model_order + k, hit));
                }
            }
        }
        resolve(g.hits, &g.guards)
    }
}

/// What the occurrences in one text gave [`Matcher::find_screened`]: the guards' spans, and the
/// hits with their order (see `Mention::Name::order`).
#[derive(Default)]
struct Gathered {
    guards: Vec<(usize, usize)>,
    hits: Vec<(usize, Hit)>,
}

/// The hits outside every guard, sorted by position (longest first at each start; of hits with
/// the same span, the one of lowest order first), without those that lie inside a longer hit of
/// the same entity.
fn resolve(mut hits: Vec<(usize, Hit)>, guards: &[(usize, usize)]) -> Vec<Hit> {
    hits.retain(|(_, h)| !guards.iter().any(|&(gs, ge)| gs <= h.start && h.end <= ge));
    hits.sort_by_key(|(order, h)| (h.start, std::cmp::Reverse(h.end), *order));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for (_, h) in hits {
        let covered = out
            .iter()
            .any(|o| o.entity == h.entity && o.start <= h.start && h.end <= o.end);
        if !covered {
            out.push(h);
        }
    }
    out
}

/// Every name and guard of `set`, normalised, in order.
fn mentions(set: &PatternSet) -> Vec<(String, Mention)> {
    let mut mentions: Vec<(String, Mention)> = Vec::new();
    for (i, e) in set.entities.iter().enumerate() {
        let names = e
            .aliases
            .iter()
            .map(|a| (a, Via::Name, false))
            .chain(e.brands.iter().map(|a| (a, Via::Brand, false)))
            .chain(e.case_sensitive.iter().map(|a| (a, Via::Name, true)));
        for (a, via, exact) in names {
            let n = normalize_pattern(a);
            let mention = Mention::Name {
                entity: i,
                via,
                exact: exact.then(|| n.clone()),
                order: mentions.len(),
            };
            mentions.push((n, mention));
        }
        for g in &e.guards {
            mentions.push((normalize_pattern(g), Mention::Guard));
        }
    }
    mentions
}

/// Where each of `mentions` (normalised names and guards, in order) is searched for: `None` in the
/// automaton, `Some((i, offset))` around each occurrence of name `i` (which is in the automaton),
/// which it contains at `offset` (see [`Longer`]). Names that contain no shorter name and guards
/// that contain no name go in the automaton; ASCII letters compare in either case.
fn places(mentions: &[(String, Mention)]) -> Vec<Option<(usize, usize)>> {
    let lower: Vec<String> = mentions
        .iter()
        .map(|(t, _)| t.to_ascii_lowercase())
        .collect();
    let is_name = |i: usize| matches!(mentions[i].1, Mention::Name { .. });
    let mut by_first: HashMap<char, Vec<usize>> = HashMap::new();
    for (i, l) in lower.iter().enumerate() {
        if let Some(c) = l.chars().next().filter(|_| is_name(i)) {
            by_first.entry(c).or_default().push(i);
        }
    }
    // The first name inside `i` (shorter than it, if it is a name) that `fits`, and its offset.
    let first_inside = |i: usize, fits: &dyn Fn(usize) -> bool| {
        let x = &lower[i];
        x.char_indices().find_map(|(offset, c)| {
            by_first.get(&c)?.iter().find_map(|&n| {
                let inside = n != i
                    && (!is_name(i) || lower[n].len() < x.len())
                    && x[offset..].starts_with(lower[n].as_str());
                (inside && fits(n)).then_some((n, offset))
            })
        })
    };
    let resident: Vec<bool> = (0..mentions.len())
        .map(|i| is_name(i) && first_inside(i, &|_| true).is_none())
        .collect();
    // A name that contains a shorter one contains one in the automaton.
    (0..mentions.len())
        .map(|i| {
            if resident[i] {
                None
            } else {
                first_inside(i, &|n| resident[n])
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern searched as a plain literal finds what the compiled expression finds: the same
    /// matches, in the same places, boundaries and case included.
    #[test]
    fn plain_literals_match_as_the_expression_does() {
        let sources = [
            "契約",
            "(?-u:\\b)contract(?-u:\\b)",
            "(?-u:\\b)contract (?-u:\\b)",
            "(?-u:\\b)tender offer(?-u:\\b)",
            "(?-u:\\b)5g(?-u:\\b)",
            "(?-u:\\b)qty",
            "data cent(?-u:\\b)",
            "(?-u:\\b)a_b(?-u:\\b)",
        ];
        let texts = [
            "本契約書 契約契約",
            "Contract  contracts subcontract CONTRACT, contract_x 契約contract",
            "tender offer; Tender Offer2 xtender offer tender  offer",
            "5G 5g5 a5g, 5G-ready",
            "Qty qtyx xqty QTY",
            "data centre data cent data cent. data cent_",
            "a_b a_bc _a_b a_b",
            "",
        ];
        for source in sources {
            let lazy = LazyRegex::new(source.to_string(), 1 << 20);
            assert!(lazy.literal.is_some(), "{source} is a plain literal");
            let re = lazy.build().unwrap();
            for text in texts {
                let ours: Vec<(usize, usize)> =
                    lazy.find_iter(text).map(|m| (m.start(), m.end())).collect();
                let theirs: Vec<(usize, usize)> =
                    re.find_iter(text).map(|m| (m.start(), m.end())).collect();
                assert_eq!(ours, theirs, "{source} in {text:?}");
                assert_eq!(lazy.is_match(text), !theirs.is_empty());
                assert_eq!(
                    lazy.find(text).map(|m| m.start()),
                    theirs.first().map(|m| m.0)
                );
            }
        }
        for not_plain in [
            "contracts?",
            "(?-u:\\b)a.b",
            "café",
            "52\\.204",
            "a|b",
            "desk",
            "sum",
        ] {
            assert!(PlainLiteral::of(not_plain).is_none(), "{not_plain}");
        }
    }
    use crate::normalize::normalize;
    use crate::patterns::load::defaults;
    use regex::RegexBuilder;

    fn ids(text: &str) -> Vec<String> {
        let set = defaults().unwrap();
        let m = Matcher::new(&set).unwrap();
        let n = normalize(text);
        m.find(&n.text)
            .into_iter()
            .map(|h| set.entities[h.entity].id.clone())
            .collect()
    }

    #[test]
    fn latin_names_need_word_boundaries() {
        assert!(ids("a great opportunity to oppose the opposite view").is_empty());
        assert_eq!(ids("OPPO Reno phones"), ["oppo"]);
        assert!(ids("with honor and ZTEST values").is_empty());
        assert_eq!(ids("Supply ZTE ZXR10 5960 routers"), ["zte", "zte"]);
    }

    #[test]
    fn cjk_guards() {
        assert!(ids("台北市南京東路三段與北京東路口").is_empty());
        assert!(ids("台中市中興路、國立中興大學、中興保全").is_empty());
        assert!(ids("大華銀行匯款，早餐供應小米粥，令人聯想到阿里山").is_empty());
        assert_eq!(ids("不得使用華為、中興"), ["huawei", "zte"]);
        assert_eq!(ids("京東商城"), ["jd"]);
        assert_eq!(ids("汰換現有海康威視攝影機"), ["hikvision"]);
    }

    #[test]
    fn variants_and_models() {
        assert_eq!(ids("提供 ＨＵＡＷＥＩ 交換器"), ["huawei"]);
        assert_eq!(ids("华为交换机"), ["huawei"]);
        assert_eq!(
            ids("Hik-\nvision DS-\n2CD2143G2-I"),
            ["hikvision", "hikvision"]
        );
        assert_eq!(ids("DH-IPC-HFW2449TL-S-PRO bullet"), ["dahua"]);
        assert_eq!(ids("Huawei S5735-L24T4S-A switch"), ["huawei", "huawei"]);
        assert_eq!(ids("Lenovo ThinkPad T14"), ["lenovo", "lenovo"]);
    }

    #[test]
    fn longer_name_swallows_shorter() {
        let set = defaults().unwrap();
        let m = Matcher::new(&set).unwrap();
        let n = normalize("海康威視");
        let hits = m.find(&n.text);
        assert_eq!(hits.len(), 1);
        assert_eq!(&n.text[hits[0].start..hits[0].end], "海康威視");
    }

    /// Every regular expression the judge screens: clause rules and cues, as it compiles them.
    fn judge_patterns(set: &PatternSet) -> Vec<String> {
        let c = &set.cues;
        set.procurement
            .iter()
            .chain(&set.scopes)
            .chain(&set.sourcing_clauses)
            .chain(&set.permissive_clauses)
            .flat_map(|r| &r.patterns)
            .chain(&c.prohibition)
            .chain(&c.removal)
            .chain(&c.replacement)
            .chain(&c.supply)
            .chain(&c.prohibited_list)
            .map(|p| crate::judge::ascii_word_boundaries(p))
            .collect()
    }

    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// A character of `class`, at random, in any of its simple case foldings (U+212A for k, ...).
    fn any_case_of(mut class: ClassUnicode, x: &mut u64) -> Option<char> {
        class.case_fold_simple();
        let total: u64 = class.iter().map(|r| r.len() as u64).sum();
        let mut k = next(x) % total.max(1);
        for r in class.iter() {
            if k < r.len() as u64 {
                return (r.start()..=r.end()).nth(k as usize);
            }
            k -= r.len() as u64;
        }
        None
    }

    /// A string that the case-insensitive form of `hir` might match, built at random.
    fn sample(hir: &regex_syntax::hir::Hir, x: &mut u64, out: &mut String) {
        use regex_syntax::hir::{Class, HirKind};
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(lit) => {
                for c in String::from_utf8_lossy(&lit.0).chars() {
                    let class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
                    out.extend(any_case_of(class, x));
                }
            }
            HirKind::Class(Class::Unicode(class)) => out.extend(any_case_of(class.clone(), x)),
            HirKind::Class(Class::Bytes(class)) => {
                out.extend(class.iter().next().map(|r| char::from(r.start())));
            }
            HirKind::Repetition(rep) => {
                let most = rep.max.unwrap_or(rep.min + 3).min(rep.min + 3);
                let n = rep.min as u64 + next(x) % (u64::from(most - rep.min) + 1);
                for _ in 0..n {
                    sample(&rep.sub, x, out);
                }
            }
            HirKind::Capture(cap) => sample(&cap.sub, x, out),
            HirKind::Concat(hs) => hs.iter().for_each(|h| sample(h, x, out)),
            HirKind::Alternation(hs) => sample(&hs[(next(x) % hs.len() as u64) as usize], x, out),
        }
    }

    #[test]
    fn the_screen_never_hides_a_match() {
        const ROUNDS: usize = 100;
        let set = defaults().unwrap();
        let patterns = judge_patterns(&set);
        let screened: Vec<Vec<String>> = patterns.iter().map(|p| vec![p.clone()]).collect();
        let m = Matcher::with_screen(&set, &screened).unwrap();
        let models: Vec<&String> = set.entities.iter().flat_map(|e| &e.models).collect();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut matched = 0;
        for (i, p) in patterns.iter().chain(models.iter().copied()).enumerate() {
            let hir = regex_syntax::ParserBuilder::new().build().parse(p).unwrap();
            let re = RegexBuilder::new(p).case_insensitive(true).build().unwrap();
            for round in 0..ROUNDS {
                let mut s = String::from(["", " ", "x", "中", "A "][round % 5]);
                sample(&hir, &mut x, &mut s);
                s.push_str(["", " ", ".", "y"][round % 4]);
                let t = normalize(&s).text;
                if !re.is_match(&t) {
                    continue;
                }
                matched += 1;
                let mut present = Present::default();
                let hits = m.find_screened(&t, &mut present);
                if i < patterns.len() {
                    assert!(
                        present.contains(i),
                        "{p:?} matches {t:?}, the screen says not"
                    );
                } else {
                    // A model that matches on word boundaries is a hit.
                    let found = re
                        .find_iter(&t)
                        .any(|f| on_word_boundary(&t, f.start(), f.end()));
                    assert!(
                        !found || hits.iter().any(|h| h.via == Via::Model),
                        "{p:?} matches {t:?}, no model hit"
                    );
                }
            }
        }
        // Most samples match: the test tests something.
        assert!(
            matched > ROUNDS * (patterns.len() + models.len()) / 2,
            "{matched}"
        );
    }

    #[test]
    fn lazy_regexes_match_as_the_regex_crate_does() {
        let set = defaults().unwrap();
        let c = &set.cues;
        let mut patterns = judge_patterns(&set);
        patterns.extend(set.entities.iter().flat_map(|e| e.models.iter().cloned()));
        // The cue lists as the judge searches them.
        for list in [
            &c.prohibition,
            &c.removal,
            &c.replacement,
            &c.supply,
            &c.prohibited_list,
        ] {
            patterns.push(crate::judge::ascii_word_boundaries(
                &crate::judge::alternation(list),
            ));
        }
        let hirs: Vec<_> = patterns
            .iter()
            .map(|p| regex_syntax::ParserBuilder::new().build().parse(p).unwrap())
            .collect();
        // Texts with matches of every pattern, and odd ones: empty, other forms of ASCII letters
        // (not normalised), a replacement character, a NUL, a lone combining mark.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut texts: Vec<String> = [
            "",
            "\u{17F}hall not",
            "\u{212A}",
            "\u{FFFD}",
            "\0",
            "\u{301}x",
        ]
        .map(String::from)
        .to_vec();
        for round in 0..8 {
            let mut t = String::new();
            for hir in &hirs {
                t.push_str(["", " ", "x", "中", "A ", ". "][(round + t.len()) % 6]);
                sample(hir, &mut x, &mut t);
            }
            texts.push(t);
        }
        let mut matching = 0;
        for p in &patterns {
            let lazy = LazyRegex::new(p.clone(), 1 << 25);
            let re = RegexBuilder::new(p)
                .case_insensitive(true)
                .size_limit(1 << 25)
                .build()
                .unwrap();
            matching += usize::from(texts.iter().any(|t| re.is_match(t)));
            for t in &texts {
                let ours: Vec<_> = lazy
                    .find_iter(t)
                    .map(|m| (m.start(), m.end(), m.as_str()))
                    .collect();
                let theirs: Vec<_> = re
                    .find_iter(t)
                    .map(|m| (m.start(), m.end(), m.as_str()))
                    .collect();
                assert_eq!(ours, theirs, "{p:?} in {t:?}");
                assert_eq!(lazy.is_match(t), re.is_match(t), "{p:?} in {t:?}");
                assert_eq!(
                    lazy.find(t).map(|m| m.as_str()),
                    re.find(t).map(|m| m.as_str())
                );
            }
        }
        // Nearly every pattern matches somewhere: the test tests something.
        assert!(matching * 10 > patterns.len() * 9, "{matching}");
        // Errors are reported in the regex crate's words.
        let big = LazyRegex::new(r"\w{1000}\w{1000}".into(), 1 << 22);
        let theirs = RegexBuilder::new(r"\w{1000}\w{1000}")
            .case_insensitive(true)
            .size_limit(1 << 22)
            .build()
            .unwrap_err();
        assert_eq!(big.compile().unwrap_err().to_string(), theirs.to_string());
        assert!(!big.is_match("x"));
        let unclosed = String::from("(unclosed");
        let bad = LazyRegex::new(unclosed.clone(), 1 << 22);
        let theirs = RegexBuilder::new(&unclosed).build().unwrap_err();
        assert_eq!(bad.compile().unwrap_err().to_string(), theirs.to_string());
        assert_eq!(bad.find_iter(&unclosed).count(), 0);
    }

    /// What [`Matcher::find`] finds, found the slow way: every name and guard compared with the
    /// text at every position.
    fn find_everywhere(set: &PatternSet, m: &Matcher, text: &str) -> Vec<Hit> {
        let mut guards = Vec::new();
        let mut hits = Vec::new();
        for (name, mention) in mentions(set) {
            for start in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
                let end = start + name.len();
                if text
                    .get(start..end)
                    .is_some_and(|w| w.eq_ignore_ascii_case(&name))
                {
                    mention.note(text, (start, end), &mut guards, &mut hits);
                }
            }
        }
        let models = set
            .entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.models.iter().map(move |p| (i, p)));
        for (k, (entity, p)) in models.enumerate() {
            let re = RegexBuilder::new(p).case_insensitive(true).build().unwrap();
            for f in re.find_iter(text) {
                if on_word_boundary(text, f.start(), f.end()) {
                    let hit = Hit {
                        entity,
                        start: f.start(),
                        end: f.end(),
                        via: Via::Model,
                    };
                    hits.push((m.model_order + k, hit));
                }
            }
        }
        resolve(hits, &guards)
    }

    #[test]
    fn longer_names_and_guards_are_found_as_if_searched_for() {
        let set = defaults().unwrap();
        let m = Matcher::new(&set).unwrap();
        // Most longer names and guards are placed at a shorter name, not in the automaton.
        assert!(m.longer.len() > 150, "{}", m.longer.len());
        let pieces: Vec<String> = mentions(&set).into_iter().map(|(t, _)| t).collect();
        let mut x = 0x5DEE_CE66_D1CE_4E5Bu64;
        let mut texts: Vec<String> = [
            "",
            "為技術有限公司",
            "華為技術有限",
            "中興",
            "中興路",
            "POCO",
            "poco",
        ]
        .map(String::from)
        .to_vec();
        for _ in 0..300 {
            let mut t = String::new();
            for _ in 0..1 + next(&mut x) % 8 {
                t.push_str(["", " ", "x", "中", "路", "-", "、"][(next(&mut x) % 7) as usize]);
                let piece = &pieces[(next(&mut x) % pieces.len() as u64) as usize];
                // Whole, or cut at either end; ASCII letters in either case.
                let chars: Vec<char> = piece.chars().collect();
                let cut = (next(&mut x) % 3) as usize;
                let (a, b) = match cut {
                    0 => (0, chars.len()),
                    1 => (1, chars.len()),
                    _ => (0, chars.len() - 1),
                };
                for c in &chars[a..b] {
                    let upper = next(&mut x).is_multiple_of(2);
                    t.push(if upper { c.to_ascii_uppercase() } else { *c });
                }
            }
            texts.push(t);
        }
        let mut found = 0;
        for t in &texts {
            let hits = m.find(t);
            found += hits.len();
            assert_eq!(hits, find_everywhere(&set, &m, t), "{t:?}");
        }
        assert!(found > texts.len(), "{found}");
    }

    #[test]
    fn occurrences_are_those_aho_corasick_finds() {
        use aho_corasick::AhoCorasickBuilder;
        let set = defaults().unwrap();
        let mut strings: Vec<Vec<u8>> = mentions(&set)
            .into_iter()
            .map(|(t, _)| t.into_bytes())
            .collect();
        strings.extend(
            ["shall", "hall", "a", "中", "\u{FFFD}", "ab\0"].map(|s| s.as_bytes().to_vec()),
        );
        let mut x = 0x1234_5678_9ABC_DEF1u64;
        let mut texts: Vec<Vec<u8>> = ["", "a", "SHALL", "\0", "華為華為"]
            .map(|s| s.as_bytes().to_vec())
            .to_vec();
        for _ in 0..300 {
            let mut t = Vec::new();
            for _ in 0..next(&mut x) % 6 {
                let s = &strings[(next(&mut x) % strings.len() as u64) as usize];
                // Whole or cut (inside a character too), in either case, between odd bytes.
                let cut = (next(&mut x) % 3) as usize;
                let piece = &s[cut.min(s.len())..];
                t.extend(piece.iter().map(|b| {
                    if next(&mut x).is_multiple_of(2) {
                        b.to_ascii_uppercase()
                    } else {
                        *b
                    }
                }));
                t.push([b' ', b'x', 0xFF, 0xE4][(next(&mut x) % 4) as usize]);
            }
            texts.push(t);
        }
        let theirs = |with_empty: bool| {
            let mut strings = strings.clone();
            if with_empty {
                strings.push(Vec::new());
            }
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&strings)
                .unwrap();
            let dfa = Strings::build(&strings).unwrap();
            let nfa = Strings::Nfa(
                nfa::noncontiguous::Builder::new()
                    .ascii_case_insensitive(true)
                    .build(&strings)
                    .unwrap(),
            );
            (ac, dfa, nfa)
        };
        let mut found = 0;
        for with_empty in [false, true] {
            let (ac, dfa, nfa) = theirs(with_empty);
            // Ours, but for an empty string (which it leaves to aho-corasick's NFA).
            assert_eq!(matches!(dfa, Strings::Dfa(_)), !with_empty);
            for t in &texts {
                let want: Vec<(usize, usize, usize)> = ac
                    .find_overlapping_iter(t)
                    .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                    .collect();
                for ours in [&dfa, &nfa] {
                    let mut got = Vec::new();
                    ours.each_occurrence(t, |p, s, e| got.push((p.as_usize(), s, e)));
                    assert_eq!(got, want, "{t:?}");
                }
                found += want.len();
            }
            // Many texts at once (`RUNS` of them in one loop): each text's occurrences as it has
            // alone, whatever texts come before and after it, empty ones too.
            for round in 0..300 {
                let n = (next(&mut x) % 14) as usize;
                let group: Vec<&[u8]> = (0..n)
                    .map(|_| texts[(next(&mut x) % texts.len() as u64) as usize].as_slice())
                    .collect();
                for ours in [&dfa, &nfa] {
                    let mut got = vec![Vec::new(); n];
                    ours.each_occurrence_in_all(&group, |i, p, s, e| {
                        got[i].push((p.as_usize(), s, e))
                    });
                    for (i, t) in group.iter().enumerate() {
                        let mut alone = Vec::new();
                        ours.each_occurrence(t, |p, s, e| alone.push((p.as_usize(), s, e)));
                        assert_eq!(got[i], alone, "round {round}, text {i} of {n}: {t:?}");
                    }
                }
            }
        }
        assert!(found > texts.len() * 2, "{found}");
    }

    #[test]
    fn present_in_range_agrees_with_contains() {
        let mut x = 0xA076_1D64_78BD_642Fu64;
        for round in 0..2000 {
            let n = (next(&mut x) % 200) as usize;
            let mut present = Present::default();
            present.reset(n);
            for _ in 0..next(&mut x) % (1 + n as u64 / (1 + round % 7)) {
                present.insert((next(&mut x) % (n as u64 + 1)) as usize);
            }
            // Ranges inside, across and past the bits (and empty ones).
            let start = (next(&mut x) % 260) as usize;
            let end = start + (next(&mut x) % 140) as usize;
            let want: Vec<usize> = (start..end).filter(|&i| present.contains(i)).collect();
            let got: Vec<usize> = present.in_range(start..end).collect();
            assert_eq!(got, want, "{n} {start}..{end}");
        }
        assert_eq!(Present::default().in_range(0..0).count(), 0);
    }

    #[test]
    fn normalised_text_has_no_other_forms_of_ascii_letters() {
        // The non-ASCII characters that case-insensitive matching takes for ASCII letters.
        let mut others: Vec<char> = ('a'..='z')
            .flat_map(|c| {
                let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
                class.case_fold_simple();
                class
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_ascii())
            .collect();
        others.sort();
        assert_eq!(others, ['\u{17F}', '\u{212A}']);
        // Normalisation maps each character on its own, so all of them at once cover every text.
        let every: String = (0..=0x10_FFFFu32).filter_map(char::from_u32).collect();
        let n = normalize(&every);
        assert!(!n.text.chars().any(|c| others.contains(&c)));
    }

    fn screened(alternatives: &[&str]) -> Option<Vec<Vec<u8>>> {
        let alternatives: Vec<String> = alternatives.iter().map(|p| p.to_string()).collect();
        screen_literals(&alternatives)
    }

    #[test]
    fn literals_that_ascii_folding_would_miss_are_not_used() {
        assert_eq!(screened(&["café"]), None);
        assert_eq!(screened(&[r"\bk\u{212A}elvin"]), None);
        assert_eq!(screened(&[r"x*"]), None);
        assert_eq!(screened(&[r"[^\s\S]"]), None);
        assert_eq!(
            screened(&[r"\b(?:Shall|must) not\b"]),
            Some(vec![b"must not".to_vec(), b"shall no".to_vec()])
        );
        // Suffixes when the prefixes are poor; CJK cut at a character boundary.
        assert_eq!(
            screened(&["[0-9０-９]+ ?台"]),
            Some(vec!["台".as_bytes().to_vec()])
        );
        // A literal that contains another adds nothing.
        assert_eq!(
            screened(&[r"\bcontract(?:s|or)?\b"]),
            Some(vec![b"contract".to_vec()])
        );
        assert_eq!(
            screened(&["杭州海康威視"]),
            Some(vec!["杭州".as_bytes().to_vec()])
        );
        // Nor does one that contains a literal of another alternative, though its head would not.
        assert_eq!(
            screened(&[r"\b(?:must|to) deliver\b", r"\bdeliver(?:s|ed)?\b", "交付"]),
            Some(vec!["交付".as_bytes().to_vec(), b"deliver".to_vec()])
        );
        // An alternative without literals leaves nothing to search for.
        assert_eq!(screened(&["交付", r"[0-9]+"]), None);
        assert_eq!(screened(&[]), Some(vec![]));
    }

    #[test]
    fn a_cut_literal_counts_only_where_its_whole_literal_is() {
        let set = defaults().unwrap();
        let rules = [
            r"\binformation technology services\b",
            r"\b(?:desktop|laptop|notebook|personal|tablet) (?:computers?|pcs?)\b",
            "資料中心",
            r"\bcontract(?:s|or)?\b",
        ];
        let screened: Vec<Vec<String>> = rules.iter().map(|p| vec![p.to_string()]).collect();
        let m = Matcher::with_screen(&set, &screened).unwrap();
        let present = |t: &str| {
            let mut p = Present::default();
            m.find_screened(&normalize(t).text, &mut p);
            (0..rules.len())
                .filter(|&i| p.contains(i))
                .collect::<Vec<_>>()
        };
        // The searched heads ("informat", "personal", "資料") alone: none of the rules can match.
        assert_eq!(
            present("Confidential Information shall be kept"),
            [] as [usize; 0]
        );
        assert_eq!(present("personal data of the 資料 owner"), [] as [usize; 0]);
        assert_eq!(present("informat"), [] as [usize; 0]);
        // The whole literals, in any ASCII case, wherever they are in the text.
        assert_eq!(present("Information Technology SERVICES"), [0]);
        assert_eq!(present("x personal computers and a 資料中心"), [1, 2]);
        assert_eq!(present("資料中心"), [2]);
        // A whole literal that is its own search needs no check.
        assert_eq!(present("the Contractor"), [3]);
        // What is checked: the whole literal around each place the searched one is in it.
        let targets = screen_targets_of(7, &[b"personal comput".to_vec(), b"contract".to_vec()]);
        assert_eq!(
            targets,
            [
                (
                    b"contract".to_vec(),
                    ScreenTarget {
                        target: 7,
                        around: None
                    }
                ),
                (
                    b"personal".to_vec(),
                    ScreenTarget {
                        target: 7,
                        around: Some((b"personal comput".to_vec().into(), 0))
                    }
                ),
            ]
        );
        // Checked at every place the searched literal is in the whole one.
        let both: Vec<usize> = screen_targets_of(0, &[b"0123456789ab0123456789".to_vec()])
            .iter()
            .filter_map(|(_, t)| t.around.as_ref().map(|a| a.1))
            .collect();
        assert_eq!(both, [0, 12], "the head 01234567 is in it twice");
    }

    #[test]
    fn plain_patterns_are_their_literal() {
        let set = defaults().unwrap();
        let mut patterns = judge_patterns(&set);
        patterns.extend(
            [
                "", "a", "café", "\u{212A}", "ﬁ", "a b", "中 文", "採購", "Ǆ", "x\u{301}", "\0",
            ]
            .map(String::from),
        );
        let plain: Vec<&String> = patterns
            .iter()
            .filter(|p| !p.chars().any(regex_syntax::is_meta_character))
            .collect();
        assert!(plain.len() > 100, "{}", plain.len());
        for p in plain {
            assert_eq!(required_literals(p), parsed_literals(p), "{p:?}");
        }
    }

    #[test]
    fn case_sensitive_alias() {
        assert_eq!(ids("POCO X6 phones"), ["xiaomi"]);
        assert!(ids("poco a poco").is_empty());
        assert!(ids("built on the POCO C++ Libraries").is_empty());
    }
}
