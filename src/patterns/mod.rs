//! Lists, entities and clause rules: the data that says what to look for.
//!
//! Patterns are data, not code (as in `typos` and Vale): the shipped TOML files under `patterns/` are
//! embedded into the binary, and `--patterns DIR` adds to or overrides them by id. Loading validates
//! everything (ids, list references, regular expressions) and reports a malformed file with its path,
//! line and reason, so a legal team can maintain its own lists without reading Rust.

pub mod load;

use serde::{Deserialize, Serialize};

/// How a list treats an entity. Ordered from least to most strict: `Watch` (an export-control or
/// advisory list that binds no procurement), `UnderReview`, `Banned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Watch,
    UnderReview,
    Banned,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Watch => "watch",
            Status::UnderReview => "under-review",
            Status::Banned => "banned",
        }
    }
}

/// One entry of a list: an entity, the status the list gives it, and the dates it holds between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListEntry {
    /// Entity id (entities.toml).
    pub entity: String,
    pub status: Status,
    /// When the entry was put on the list (published), `YYYY-MM-DD`. Default: the list's `effective`.
    #[serde(default)]
    pub added: Option<String>,
    /// When it starts to bind, if later than `added`. Default: `added`.
    #[serde(default)]
    pub effective: Option<String>,
    /// When it was taken off the list (it no longer applies from this date).
    #[serde(default)]
    pub removed: Option<String>,
    /// The uses the entry covers, when the list covers the entity only for some uses (NDAA 889's
    /// Hytera, Hikvision and Dahua prong). A supply without such a use is `review`, not a violation.
    #[serde(default)]
    pub use_scope: Option<String>,
    #[serde(default = "certain")]
    pub certainty: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl ListEntry {
    /// The date the entry binds from.
    pub fn in_force_from<'a>(&'a self, list: &'a List) -> &'a str {
        self.effective
            .as_deref()
            .or(self.added.as_deref())
            .unwrap_or(&list.effective)
    }
}

/// A category entry: every entity of a country (and, optionally, of some product categories), as
/// Taiwan's 2020 rule covers every mainland-Chinese brand. Named entries of the same list win over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CategoryEntry {
    /// Entities whose `country` is one of these (ISO 3166 alpha-2: `CN`).
    pub country: Vec<String>,
    /// Only entities with one of these product categories; empty: every category.
    #[serde(default)]
    pub categories: Vec<String>,
    pub status: Status,
    /// In force from, `YYYY-MM-DD`. Default: the list's `effective`.
    #[serde(default)]
    pub effective: Option<String>,
    #[serde(default)]
    pub removed: Option<String>,
    /// What the category is, as the legal text says it ("every mainland-Chinese brand (大陸廠牌)").
    pub description: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A published version of a list (an amendment, an annual update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListVersion {
    pub date: String,
    pub note: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// Why an entity is on a list on the date judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "by")]
pub enum Basis {
    /// Named by entry `entry` (an index into `List::entry`).
    Named { entry: usize },
    /// Covered by category entry `category`.
    Category { category: usize },
    /// Covered as a subsidiary or brand of `owner`, which is on the list itself.
    Owner { owner: String },
}

/// An entity's standing on one list on the date judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub status: Status,
    /// In force since, `YYYY-MM-DD`.
    pub since: String,
    pub basis: Basis,
    /// The uses it covers, when only some.
    pub use_scope: Option<String>,
}

/// A blacklist with its legal source, its entries and their dates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct List {
    pub id: String,
    pub title: String,
    pub jurisdiction: String,
    /// The legal instrument, as a citation.
    pub source: String,
    /// The legal text itself (not a news article) where one is published.
    #[serde(default)]
    pub url: Option<String>,
    /// Effective date of the list, `YYYY-MM-DD`; the default date of its entries.
    pub effective: String,
    /// What the shipped data of this list covers (and what it does not): shown in reports.
    #[serde(default)]
    pub coverage: Option<String>,
    /// Before this date the list binds no procurement: its entries count as `watch` (DoD 1260H
    /// before NDAA FY2024 §805 takes effect).
    #[serde(default)]
    pub binds_from: Option<String>,
    /// A listed company's subsidiaries and brands (entities whose owner it is) are covered too.
    #[serde(default)]
    pub covers_subsidiaries: bool,
    /// Shorthand for named entries that hold from `effective`.
    #[serde(default)]
    pub banned: Vec<String>,
    #[serde(default)]
    pub under_review: Vec<String>,
    #[serde(default)]
    pub watch: Vec<String>,
    #[serde(default)]
    pub entry: Vec<ListEntry>,
    #[serde(default)]
    pub category: Vec<CategoryEntry>,
    #[serde(default)]
    pub versions: Vec<ListVersion>,
    #[serde(default)]
    pub note: Option<String>,
    /// Each entity's standing on [`PatternSet::as_of`], computed by [`PatternSet::resolve`].
    #[serde(skip)]
    pub resolved: std::collections::BTreeMap<String, Standing>,
}

impl List {
    /// The status this list gives an entity on the date judged, if it covers it.
    pub fn status_of(&self, entity: &str) -> Option<Status> {
        self.resolved.get(entity).map(|s| s.status)
    }

    /// The entity's standing on this list on the date judged.
    pub fn standing(&self, entity: &str) -> Option<&Standing> {
        self.resolved.get(entity)
    }

    /// The entities that hold `status` on this list on the date judged: named entries first, in
    /// the list's order, then those covered by a category or through their owner, by id.
    pub fn in_force(&self, status: Status) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entry {
            if self.status_of(&e.entity) == Some(status) && !out.contains(&e.entity.as_str()) {
                out.push(&e.entity);
            }
        }
        for (id, s) in &self.resolved {
            if s.status == status && !out.contains(&id.as_str()) {
                out.push(id);
            }
        }
        out
    }

    /// The dates at which the list changed: its effective date, every entry's and category's dates
    /// and its versions, sorted and deduplicated.
    pub fn dates(&self) -> Vec<String> {
        let mut d = vec![self.effective.clone()];
        for e in &self.entry {
            d.extend(e.added.iter().cloned());
            d.extend(e.effective.iter().cloned());
            d.extend(e.removed.iter().cloned());
        }
        for c in &self.category {
            d.extend(c.effective.iter().cloned());
            d.extend(c.removed.iter().cloned());
        }
        d.extend(self.binds_from.iter().cloned());
        d.extend(self.versions.iter().map(|v| v.date.clone()));
        d.sort();
        d.dedup();
        d
    }

    /// A short description of a standing for a finding: "since 2020-12-18, as a mainland-Chinese
    /// brand", "since 2021-03-12, as a subsidiary of hikvision".
    pub fn describe(&self, s: &Standing) -> String {
        let why = match &s.basis {
            Basis::Named { entry } => self
                .entry
                .get(*entry)
                .filter(|e| e.certainty != "certain")
                .map(|e| format!(", entry {}", e.certainty))
                .unwrap_or_default(),
            Basis::Category { category } => self
                .category
                .get(*category)
                .map(|c| format!(", by category: {}", c.description))
                .unwrap_or_default(),
            Basis::Owner { owner } => format!(", through its owner {owner}"),
        };
        let scope = s
            .use_scope
            .as_deref()
            .map(|u| format!(", only for {u}"))
            .unwrap_or_default();
        format!("since {}{why}{scope}", s.since)
    }
}

fn certain() -> String {
    "certain".into()
}

/// A period of ownership: `owner` (an entity id, or a name when the owner is no entity) held the
/// entity from `from` until `until` (exclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ownership {
    pub owner: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Ownership {
    fn holds_on(&self, date: &str) -> bool {
        self.from.as_deref().is_none_or(|f| f <= date)
            && self.until.as_deref().is_none_or(|u| date < u)
    }
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date((secs / 86_400) as i64)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `s` is a date `YYYY-MM-DD` (digits in place, month 01-12, day 01-31).
pub fn valid_date(s: &str) -> bool {
    let d = s.as_bytes();
    d.len() == 10
        && d[4] == b'-'
        && d[7] == b'-'
        && d.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
}

/// A vendor: its names, brands, product models and the innocent strings that contain its names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Where the company is headquartered or controlled (ISO 3166 alpha-2: `CN`, `RU`, `US`).
    #[serde(default)]
    pub country: Option<String>,
    /// Product categories: cameras, network, phones, computers, servers, drones, iot, modules,
    /// software, cloud, ai, telecom, radios.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The owner (parent company) and the periods it held the entity; an owner that is an entity id
    /// carries its lists to the entity on lists that cover subsidiaries.
    #[serde(default)]
    pub owners: Vec<Ownership>,
    /// Example model numbers, for `explain` (what the `models` patterns match, in plain words).
    #[serde(default)]
    pub examples: Vec<String>,
}

impl Entity {
    /// The owner on `date`, if any.
    pub fn owner_on(&self, date: &str) -> Option<&Ownership> {
        self.owners.iter().find(|o| o.holds_on(date))
    }
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
    /// The date the lists are judged as of (`YYYY-MM-DD`): an entry not yet in force, or removed
    /// by then, does not apply. Set by [`PatternSet::resolve`]; loading resolves to today.
    pub as_of: String,
}

impl PatternSet {
    /// Work out every list's standings as they stood on `date` (`YYYY-MM-DD`): named entries in
    /// force, category entries over the entities' countries (a named entry of the same list wins),
    /// `binds-from` (before it, entries count as `watch`), and, on lists that cover subsidiaries,
    /// entities through the owner that held them on that date.
    pub fn resolve(&mut self, date: &str) {
        use std::collections::BTreeMap;
        self.as_of = date.to_string();
        let entities = &self.entities;
        for list in &mut self.lists {
            let mut r: BTreeMap<String, Standing> = BTreeMap::new();
            for (i, e) in list.entry.iter().enumerate() {
                let from = e.in_force_from(list);
                if from > date || e.removed.as_deref().is_some_and(|x| x <= date) {
                    continue;
                }
                let s = Standing {
                    status: e.status,
                    since: from.to_string(),
                    basis: Basis::Named { entry: i },
                    use_scope: e.use_scope.clone(),
                };
                match r.get(&e.entity) {
                    Some(old) if old.status >= s.status => {}
                    _ => {
                        r.insert(e.entity.clone(), s);
                    }
                }
            }
            for (ci, c) in list.category.iter().enumerate() {
                let from = c.effective.as_deref().unwrap_or(&list.effective);
                if from > date || c.removed.as_deref().is_some_and(|x| x <= date) {
                    continue;
                }
                for ent in entities {
                    let in_country = ent
                        .country
                        .as_deref()
                        .is_some_and(|k| c.country.iter().any(|x| x == k));
                    let in_category = c.categories.is_empty()
                        || ent.categories.iter().any(|k| c.categories.contains(k));
                    let named = list.entry.iter().any(|e| e.entity == ent.id);
                    if in_country && in_category && !named && !r.contains_key(&ent.id) {
                        r.insert(
                            ent.id.clone(),
                            Standing {
                                status: c.status,
                                since: from.to_string(),
                                basis: Basis::Category { category: ci },
                                use_scope: None,
                            },
                        );
                    }
                }
            }
            if list.covers_subsidiaries {
                // Chains (CETC -> Hikvision -> EZVIZ) take one round per link.
                for _ in 0..entities.len() {
                    let mut added = false;
                    for ent in entities {
                        if r.contains_key(&ent.id) {
                            continue;
                        }
                        let Some(o) = ent.owner_on(date) else {
                            continue;
                        };
                        let Some(parent) = r.get(&o.owner) else {
                            continue;
                        };
                        let since = match o.from.as_deref() {
                            Some(f) if f > parent.since.as_str() => f.to_string(),
                            _ => parent.since.clone(),
                        };
                        let s = Standing {
                            status: parent.status,
                            since,
                            basis: Basis::Owner {
                                owner: o.owner.clone(),
                            },
                            use_scope: parent.use_scope.clone(),
                        };
                        r.insert(ent.id.clone(), s);
                        added = true;
                    }
                    if !added {
                        break;
                    }
                }
            }
            if let Some(b) = list.binds_from.as_deref() {
                if date < b {
                    for s in r.values_mut() {
                        s.status = Status::Watch;
                    }
                }
            }
            list.resolved = r;
        }
    }

    /// Every active list that gives `entity` its strictest status, with the standing.
    pub fn standings(&self, entity: &str) -> Vec<(&List, &Standing)> {
        let Some((best, _)) = self.status_of(entity) else {
            return Vec::new();
        };
        self.lists
            .iter()
            .filter_map(|l| l.standing(entity).map(|s| (l, s)))
            .filter(|(_, s)| s.status == best)
            .collect()
    }

    /// True when every list giving `entity` its strictest status covers it only for some uses
    /// (NDAA 889 for Hikvision's cameras): a supply is then a matter for review.
    pub fn only_for_some_uses(&self, entity: &str) -> bool {
        let st = self.standings(entity);
        !st.is_empty() && st.iter().all(|(_, s)| s.use_scope.is_some())
    }

    /// "banned on tw-2020 (since 2020-12-18, by category: ...), us-ndaa-889 (since 2019-08-13)".
    pub fn describe_listing(&self, entity: &str) -> Option<String> {
        let (status, _) = self.status_of(entity)?;
        let parts: Vec<String> = self
            .standings(entity)
            .iter()
            .map(|(l, s)| format!("{} ({})", l.id, l.describe(s)))
            .collect();
        Some(format!("{} on {}", status.as_str(), parts.join(", ")))
    }

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
        if !other.as_of.is_empty() {
            self.as_of = other.as_of;
        }
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
