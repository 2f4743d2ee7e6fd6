//! Lists, entities and clause rules: the data that says what to look for.
//!
//! Patterns are data, not code (as in `typos` and Vale): the shipped TOML files under `patterns/` are
//! embedded into the binary, and `--patterns DIR` adds to or overrides them by id. Loading validates
//! everything (ids, list references, regular expressions) and reports a malformed file with its path,
//! line and reason, so a legal team can maintain its own lists without reading Rust.

pub mod load;

use serde::{Deserialize, Serialize};

/// How a list treats an entity. Ordered: `Banned` is stricter than `UnderReview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    UnderReview,
    Banned,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::UnderReview => "under-review",
            Status::Banned => "banned",
        }
    }
}

/// A blacklist with its legal source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct List {
    pub id: String,
    pub title: String,
    pub jurisdiction: String,
    /// The legal instrument, as a citation.
    pub source: String,
    #[serde(default)]
    pub url: Option<String>,
    /// Effective date, `YYYY-MM-DD`.
    pub effective: String,
    #[serde(default)]
    pub banned: Vec<String>,
    #[serde(default)]
    pub under_review: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl List {
    /// The status this list gives an entity, if it names it.
    pub fn status_of(&self, entity: &str) -> Option<Status> {
        if self.banned.iter().any(|e| e == entity) {
            Some(Status::Banned)
        } else if self.under_review.iter().any(|e| e == entity) {
            Some(Status::UnderReview)
        } else {
            None
        }
    }
}

/// A vendor: its names, brands, product models and the innocent strings that contain its names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entity {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub brands: Vec<String>,
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub guards: Vec<String>,
    /// Names among `aliases` that are also ordinary words: they count only with product or company
    /// context in their clause (`[name-context]`).
    #[serde(default)]
    pub ambiguous: Vec<String>,
    #[serde(default = "default_certainty")]
    pub certainty: String,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn default_certainty() -> String {
    "uncertain".into()
}

/// A document-level rule: scope trigger, sourcing clause or permissive clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClauseRule {
    pub id: String,
    pub label: String,
    #[serde(default = "one")]
    pub min_hits: usize,
    pub patterns: Vec<String>,
}

fn one() -> usize {
    1
}

/// Cue words that decide a mention's disposition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cues {
    #[serde(default)]
    pub prohibition: Vec<String>,
    #[serde(default)]
    pub removal: Vec<String>,
    #[serde(default)]
    pub replacement: Vec<String>,
    #[serde(default)]
    pub supply: Vec<String>,
    /// Supply signals strong enough to outweigh a prohibition after the mention.
    #[serde(default)]
    pub strong_supply: Vec<String>,
    #[serde(default)]
    pub prohibited_list: Vec<String>,
    /// What a prohibition can be about that is no product: "shall not disclose ... to X".
    #[serde(default)]
    pub unrelated_restriction: Vec<String>,
}

impl Cues {
    fn extend(&mut self, other: Cues) {
        self.prohibition.extend(other.prohibition);
        self.removal.extend(other.removal);
        self.replacement.extend(other.replacement);
        self.supply.extend(other.supply);
        self.strong_supply.extend(other.strong_supply);
        self.prohibited_list.extend(other.prohibited_list);
        self.unrelated_restriction
            .extend(other.unrelated_restriction);
    }
}

/// A kind of document (`solicitation`, `contract`, `report`, ...) and the wording that shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocumentKindRule {
    pub id: String,
    pub label: String,
    /// Whether a document of this kind is a procurement: judged for supply and for a missing
    /// sourcing clause. The others only mention vendors.
    pub procurement: bool,
    /// Counted in the title region: the first paragraphs and the headings.
    #[serde(default)]
    pub title: Vec<String>,
    /// Counted anywhere in the document.
    #[serde(default)]
    pub signals: Vec<String>,
}

/// The concept lexicons a sourcing clause is built from (see `patterns/judging.toml`): a
/// restriction over a subject (brand, maker, origin, components, vendor) naming the PRC or a covered
/// vendor, in one clause; or a legal reference alone. `inverse` words undo a restriction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourcingConcepts {
    #[serde(default)]
    pub restriction: Vec<String>,
    #[serde(default)]
    pub subject: Vec<String>,
    #[serde(default)]
    pub prc: Vec<String>,
    #[serde(default)]
    pub legal: Vec<String>,
    #[serde(default)]
    pub inverse: Vec<String>,
}

impl SourcingConcepts {
    fn extend(&mut self, other: SourcingConcepts) {
        self.restriction.extend(other.restriction);
        self.subject.extend(other.subject);
        self.prc.extend(other.prc);
        self.legal.extend(other.legal);
        self.inverse.extend(other.inverse);
    }

    /// Each lexicon with its name, in a fixed order.
    pub fn named(&self) -> [(&'static str, &[String]); 5] {
        [
            ("restriction", &self.restriction),
            ("subject", &self.subject),
            ("prc", &self.prc),
            ("legal", &self.legal),
            ("inverse", &self.inverse),
        ]
    }
}

/// Where a scope word counts (see `patterns/judging.toml`): acquisition words in its clause, a
/// heading about what is bought; never in a definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScopeContext {
    #[serde(default)]
    pub acquisition: Vec<String>,
    #[serde(default)]
    pub heading: Vec<String>,
    #[serde(default)]
    pub definition: Vec<String>,
}

impl ScopeContext {
    fn extend(&mut self, other: ScopeContext) {
        self.acquisition.extend(other.acquisition);
        self.heading.extend(other.heading);
        self.definition.extend(other.definition);
    }

    pub fn named(&self) -> [(&'static str, &[String]); 3] {
        [
            ("acquisition", &self.acquisition),
            ("heading", &self.heading),
            ("definition", &self.definition),
        ]
    }
}

/// The product or company words that make an ambiguous name (聯想, 大華) a vendor's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NameContext {
    #[serde(default)]
    pub words: Vec<String>,
}

/// Everything loaded from one or more pattern folders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PatternSet {
    pub lists: Vec<List>,
    pub entities: Vec<Entity>,
    /// Wording that shows a document is a procurement document (tender, contract, RFQ). A missing
    /// sourcing clause is only reported for procurement documents, so a textbook that mentions
    /// "servers" is not flagged.
    pub procurement: Vec<ClauseRule>,
    pub scopes: Vec<ClauseRule>,
    pub sourcing_clauses: Vec<ClauseRule>,
    pub permissive_clauses: Vec<ClauseRule>,
    pub cues: Cues,
    /// Document kinds, in the order they are tried (ties go to the earlier).
    pub document_kinds: Vec<DocumentKindRule>,
    pub sourcing_concepts: SourcingConcepts,
    pub scope_context: ScopeContext,
    pub name_context: NameContext,
}

impl PatternSet {
    pub fn list(&self, id: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.id == id)
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    /// Merge another set into this one: items with an id already present replace it, new ids are
    /// added, cue lists are appended.
    pub fn merge(&mut self, other: PatternSet) {
        fn merge_by_id<T, F: Fn(&T) -> &str>(into: &mut Vec<T>, from: Vec<T>, id: F) {
            for item in from {
                if let Some(pos) = into.iter().position(|x| id(x) == id(&item)) {
                    into[pos] = item;
                } else {
                    into.push(item);
                }
            }
        }
        merge_by_id(&mut self.lists, other.lists, |l| &l.id);
        merge_by_id(&mut self.entities, other.entities, |e| &e.id);
        merge_by_id(&mut self.procurement, other.procurement, |r| &r.id);
        merge_by_id(&mut self.scopes, other.scopes, |r| &r.id);
        merge_by_id(&mut self.sourcing_clauses, other.sourcing_clauses, |r| {
            &r.id
        });
        merge_by_id(
            &mut self.permissive_clauses,
            other.permissive_clauses,
            |r| &r.id,
        );
        self.cues.extend(other.cues);
        merge_by_id(&mut self.document_kinds, other.document_kinds, |k| &k.id);
        self.sourcing_concepts.extend(other.sourcing_concepts);
        self.scope_context.extend(other.scope_context);
        self.name_context.words.extend(other.name_context.words);
    }

    /// Keep only the named lists. Unknown ids are an error listing the known ones.
    pub fn restrict_lists(&mut self, ids: &[String]) -> Result<(), String> {
        for id in ids {
            if self.list(id).is_none() {
                let known: Vec<&str> = self.lists.iter().map(|l| l.id.as_str()).collect();
                return Err(format!("unknown list '{id}' (known: {})", known.join(", ")));
            }
        }
        self.lists.retain(|l| ids.contains(&l.id));
        Ok(())
    }

    /// The strictest status over the active lists, and the lists that give it.
    pub fn status_of(&self, entity: &str) -> Option<(Status, Vec<&List>)> {
        let mut best: Option<Status> = None;
        for l in &self.lists {
            if let Some(s) = l.status_of(entity) {
                best = Some(best.map_or(s, |b| b.max(s)));
            }
        }
        let best = best?;
        let lists = self
            .lists
            .iter()
            .filter(|l| l.status_of(entity) == Some(best))
            .collect();
        Some((best, lists))
    }
}
