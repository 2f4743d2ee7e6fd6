//! Loading and validating pattern files.
//!
//! A pattern folder holds `*.toml` files; each may contain any of `[[list]]`, `[[entity]]`, `[[scope]]`,
//! `[[sourcing-clause]]`, `[[permissive-clause]]`, `[cues]`, `[[document-kind]]` and `[sourcing-concepts]`. Unknown keys are errors (a misspelt
//! `aliasses` must not silently match nothing). Every error names the file and line.

use super::{
    ClauseRule, Cues, DocumentKindRule, Entity, List, NameContext, PatternSet, ScopeContext,
    SourcingConcepts,
};
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;

/// A pattern file that cannot be used, with the place to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}:{line}: {reason}")]
pub struct PatternError {
    pub path: String,
    /// 1-based line; 0 when the problem is not tied to a line (unreadable folder).
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PatternFile {
    #[serde(default)]
    list: Vec<List>,
    #[serde(default)]
    entity: Vec<Entity>,
    #[serde(default)]
    procurement: Vec<ClauseRule>,
    #[serde(default)]
    scope: Vec<ClauseRule>,
    #[serde(default)]
    sourcing_clause: Vec<ClauseRule>,
    #[serde(default)]
    permissive_clause: Vec<ClauseRule>,
    #[serde(default)]
    cues: Option<Cues>,
    #[serde(default)]
    document_kind: Vec<DocumentKindRule>,
    #[serde(default)]
    sourcing_concepts: Option<SourcingConcepts>,
    #[serde(default)]
    scope_context: Option<ScopeContext>,
    #[serde(default)]
    name_context: Option<NameContext>,
}

/// The shipped pattern files, embedded at build time so the binary runs from any folder.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "patterns/lists.toml",
        include_str!("../../patterns/lists.toml"),
    ),
    (
        "patterns/entities.toml",
        include_str!("../../patterns/entities.toml"),
    ),
    (
        "patterns/rules.toml",
        include_str!("../../patterns/rules.toml"),
    ),
    (
        "patterns/judging.toml",
        include_str!("../../patterns/judging.toml"),
    ),
];

struct Source {
    path: String,
    text: String,
    /// One of [`EMBEDDED`]: valid (a test validates them), so not validated again at every start
    /// (parsing every regular expression cost a tenth of a process's start-up).
    embedded: bool,
}

impl Source {
    fn line_of(&self, needle: &str) -> usize {
        match self.text.find(needle) {
            Some(pos) => self.text[..pos].matches('\n').count() + 1,
            None => 1,
        }
    }

    fn err(&self, needle: &str, reason: impl Into<String>) -> PatternError {
        PatternError {
            path: self.path.clone(),
            line: self.line_of(needle),
            reason: reason.into(),
        }
    }
}

fn embedded_sources() -> Vec<Source> {
    EMBEDDED
        .iter()
        .map(|(p, t)| Source {
            path: (*p).to_string(),
            text: (*t).to_string(),
            embedded: true,
        })
        .collect()
}

/// The embedded defaults, parsed once per process.
fn embedded() -> &'static Result<PatternSet, PatternError> {
    static EMBEDDED_SET: OnceLock<Result<PatternSet, PatternError>> = OnceLock::new();
    EMBEDDED_SET.get_or_init(|| build(PatternSet::default(), &embedded_sources()))
}

/// The embedded defaults.
pub fn defaults() -> Result<PatternSet, PatternError> {
    embedded().clone()
}

/// True when the regular expressions of `set` are exactly those of the embedded defaults: the same
/// product models in the same order, the same clause-rule patterns in the same order, the same cue
/// lists (names, lists and rule ids may differ). Those are known to compile (a test compiles them),
/// so the matcher and judge compile them when first needed; anything else they compile up front,
/// so that a pattern too large to compile stops the run before it starts.
pub fn has_embedded_regexes(set: &PatternSet) -> bool {
    fn models(s: &PatternSet) -> impl Iterator<Item = &String> {
        s.entities.iter().flat_map(|e| &e.models)
    }
    fn rules(s: &PatternSet) -> impl Iterator<Item = &String> {
        s.procurement
            .iter()
            .chain(&s.scopes)
            .chain(&s.sourcing_clauses)
            .chain(&s.permissive_clauses)
            .flat_map(|r| &r.patterns)
    }
    fn kinds(s: &PatternSet) -> impl Iterator<Item = &String> {
        s.document_kinds
            .iter()
            .flat_map(|k| k.title.iter().chain(&k.signals))
    }
    match embedded() {
        Ok(d) => {
            models(set).eq(models(d))
                && rules(set).eq(rules(d))
                && set.cues == d.cues
                && kinds(set).eq(kinds(d))
                && set.sourcing_concepts == d.sourcing_concepts
                && set.scope_context == d.scope_context
                && set.name_context == d.name_context
        }
        Err(_) => false,
    }
}

/// The embedded defaults, with every folder in `dirs` added on top (later folders win).
pub fn load(dirs: &[&Path]) -> Result<PatternSet, PatternError> {
    if dirs.is_empty() {
        return defaults();
    }
    let mut sources = embedded_sources();
    for dir in dirs {
        sources.extend(read_dir(dir)?);
    }
    build(PatternSet::default(), &sources)
}

/// Parse one pattern file's text over the defaults (for tests and fuzzing; `name` is used in errors).
pub fn parse_str(name: &str, text: &str) -> Result<PatternSet, PatternError> {
    let mut sources = embedded_sources();
    sources.push(Source {
        path: name.to_string(),
        text: text.to_string(),
        embedded: false,
    });
    build(PatternSet::default(), &sources)
}

/// Validate a folder on its own merged over the defaults (what `tenderscan patterns check` runs).
pub fn check_dir(dir: &Path) -> Result<PatternSet, PatternError> {
    load(&[dir])
}

fn read_dir(dir: &Path) -> Result<Vec<Source>, PatternError> {
    let io_err = |e: std::io::Error| PatternError {
        path: dir.display().to_string(),
        line: 0,
        reason: e.to_string(),
    };
    let mut files: Vec<_> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        std::fs::read_dir(dir)
            .map_err(io_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect()
    };
    files.sort();
    if files.is_empty() {
        return Err(PatternError {
            path: dir.display().to_string(),
            line: 0,
            reason: "no *.toml pattern files in this folder".into(),
        });
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| PatternError {
            path: f.display().to_string(),
            line: 0,
            reason: e.to_string(),
        })?;
        out.push(Source {
            path: f.display().to_string(),
            text,
            embedded: false,
        });
    }
    Ok(out)
}

fn build(mut set: PatternSet, sources: &[Source]) -> Result<PatternSet, PatternError> {
    // Where each id was defined, for errors found after merging.
    let mut origin: Vec<(String, usize)> = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let file: PatternFile = toml::from_str(&src.text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    src.text[..s.start.min(src.text.len())]
                        .matches('\n')
                        .count()
                        + 1
                })
                .unwrap_or(1);
            PatternError {
                path: src.path.clone(),
                line,
                reason: e.message().to_string(),
            }
        })?;
        if !src.embedded {
            validate_file(src, &file)?;
        }
        for l in &file.list {
            origin.push((l.id.clone(), i));
        }
        let mut lists = file.list;
        for l in &mut lists {
            expand_shorthand(l);
        }
        let part = PatternSet {
            lists,
            entities: file.entity,
            procurement: file.procurement,
            scopes: file.scope,
            sourcing_clauses: file.sourcing_clause,
            permissive_clauses: file.permissive_clause,
            cues: file.cues.unwrap_or_default(),
            document_kinds: file.document_kind,
            sourcing_concepts: file.sourcing_concepts.unwrap_or_default(),
            scope_context: file.scope_context.unwrap_or_default(),
            name_context: file.name_context.unwrap_or_default(),
            as_of: String::new(),
        };
        set.merge(part);
    }
    // Owners written as ids must be entities (a misspelt owner would silently carry no list);
    // an owner that is no entity is written as a name, with capitals or spaces.
    for e in &set.entities {
        for o in &e.owners {
            if valid_id(&o.owner) && set.entity(&o.owner).is_none() {
                let needle = format!("\"{}\"", o.owner);
                let src = sources
                    .iter()
                    .rev()
                    .find(|s| s.text.contains(&needle))
                    .unwrap_or(&sources[0]);
                return Err(src.err(
                    &needle,
                    format!(
                        "entity '{}': owner '{}' is no entity id (write an owner that is no entity by its name)",
                        e.id, o.owner
                    ),
                ));
            }
        }
    }
    // Lists must name known entities.
    for list in &set.lists {
        let named: Vec<&String> = list.entry.iter().map(|e| &e.entity).collect();
        for e in named {
            if set.entity(e).is_none() {
                let src = origin
                    .iter()
                    .rev()
                    .find(|(id, _)| id == &list.id)
                    .and_then(|(_, i)| sources.get(*i))
                    .unwrap_or(&sources[0]);
                return Err(src.err(
                    &format!("\"{e}\""),
                    format!("list '{}' names unknown entity '{e}'", list.id),
                ));
            }
            let statuses: Vec<(super::Status, Option<&str>, Option<&str>)> = list
                .entry
                .iter()
                .filter(|x| &x.entity == e)
                .map(|x| {
                    (
                        x.status,
                        x.effective.as_deref().or(x.added.as_deref()),
                        x.removed.as_deref(),
                    )
                })
                .collect();
            let undated_twice = statuses.len() > 1
                && statuses
                    .iter()
                    .all(|(_, from, to)| from.is_none() && to.is_none())
                && statuses.iter().any(|s| s.0 != statuses[0].0);
            if undated_twice {
                let src = sources
                    .iter()
                    .find(|s| s.text.contains(&list.id))
                    .unwrap_or(&sources[0]);
                return Err(src.err(
                    &list.id,
                    format!(
                        "list '{}' names '{e}' with two statuses and no dates to tell them apart",
                        list.id
                    ),
                ));
            }
        }
    }
    set.resolve(&super::today());
    Ok(set)
}

/// `banned = [...]`, `under-review = [...]` and `watch = [...]` are named entries from the list's
/// `effective` date: turned into entries so the rest of the program sees one form.
pub fn expand_shorthand(l: &mut List) {
    let short = [
        (super::Status::Banned, std::mem::take(&mut l.banned)),
        (
            super::Status::UnderReview,
            std::mem::take(&mut l.under_review),
        ),
        (super::Status::Watch, std::mem::take(&mut l.watch)),
    ];
    for (status, ids) in short {
        for entity in ids {
            l.entry.push(super::ListEntry {
                entity,
                status,
                added: None,
                effective: None,
                removed: None,
                use_scope: None,
                certainty: "certain".into(),
                source: None,
                note: None,
            });
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

fn check_regex(src: &Source, pattern: &str, what: &str) -> Result<(), PatternError> {
    if pattern.trim().is_empty() {
        return Err(src.err(pattern, format!("{what}: empty pattern")));
    }
    // Parsed, not compiled: the judge compiles every pattern anyway (and says which one, should one
    // exceed its size limit), and compiling each twice cost a tenth of a second per process.
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            src.err(
                pattern,
                format!("{what}: invalid regular expression {pattern:?}: {first}"),
            )
        })
}

fn validate_file(src: &Source, file: &PatternFile) -> Result<(), PatternError> {
    let mut seen = std::collections::HashSet::new();
    for l in &file.list {
        if !valid_id(&l.id) {
            return Err(src.err(
                &l.id,
                format!("invalid list id '{}': use a-z, 0-9, '-', '_', '.'", l.id),
            ));
        }
        if !seen.insert(("list", l.id.clone())) {
            return Err(src.err(&l.id, format!("list '{}' defined twice in one file", l.id)));
        }
        let check_date = |d: &str, what: &str| -> Result<(), PatternError> {
            if super::valid_date(d) {
                Ok(())
            } else {
                Err(src.err(
                    d,
                    format!("list '{}': {what} date '{d}' is not YYYY-MM-DD", l.id),
                ))
            }
        };
        check_date(&l.effective, "effective")?;
        if let Some(b) = &l.binds_from {
            check_date(b, "binds-from")?;
        }
        for v in &l.versions {
            check_date(&v.date, "version")?;
        }
        for e in &l.entry {
            for (what, d) in [
                ("added", &e.added),
                ("effective", &e.effective),
                ("removed", &e.removed),
            ] {
                if let Some(d) = d {
                    check_date(d, what)?;
                }
            }
            if !matches!(e.certainty.as_str(), "certain" | "likely" | "uncertain") {
                return Err(src.err(
                    &e.certainty,
                    format!(
                        "list '{}', entry '{}': certainty must be certain, likely or uncertain",
                        l.id, e.entity
                    ),
                ));
            }
        }
        for c in &l.category {
            for d in c.effective.iter().chain(&c.removed) {
                check_date(d, "category")?;
            }
            if c.country.is_empty() {
                return Err(src.err(
                    &l.id,
                    format!(
                        "list '{}': a category entry needs at least one country",
                        l.id
                    ),
                ));
            }
        }
    }
    for e in &file.entity {
        if !valid_id(&e.id) {
            return Err(src.err(
                &e.id,
                format!("invalid entity id '{}': use a-z, 0-9, '-', '_', '.'", e.id),
            ));
        }
        if !seen.insert(("entity", e.id.clone())) {
            return Err(src.err(
                &e.id,
                format!("entity '{}' defined twice in one file", e.id),
            ));
        }
        if e.aliases.is_empty()
            && e.brands.is_empty()
            && e.case_sensitive.is_empty()
            && e.models.is_empty()
        {
            return Err(src.err(
                &e.id,
                format!("entity '{}' has no aliases, brands or models", e.id),
            ));
        }
        for a in e
            .aliases
            .iter()
            .chain(&e.brands)
            .chain(&e.case_sensitive)
            .chain(&e.guards)
        {
            if crate::normalize::normalize_pattern(a).chars().count() < 2 {
                return Err(src.err(
                    a,
                    format!("entity '{}': name {a:?} is shorter than two characters after normalisation", e.id),
                ));
            }
        }
        for a in &e.ambiguous {
            if !e.aliases.contains(a) && !e.brands.contains(a) && !e.case_sensitive.contains(a) {
                return Err(src.err(
                    a,
                    format!(
                        "entity '{}': ambiguous name {a:?} is not one of its aliases, brands or case-sensitive names",
                        e.id
                    ),
                ));
            }
        }
        for m in &e.models {
            check_regex(src, m, &format!("entity '{}' model", e.id))?;
        }
        if !matches!(e.certainty.as_str(), "certain" | "likely" | "uncertain") {
            return Err(src.err(
                &e.certainty,
                format!(
                    "entity '{}': certainty must be certain, likely or uncertain",
                    e.id
                ),
            ));
        }
    }
    for (kind, rules) in [
        ("procurement", &file.procurement),
        ("scope", &file.scope),
        ("sourcing-clause", &file.sourcing_clause),
        ("permissive-clause", &file.permissive_clause),
    ] {
        for r in rules {
            if !valid_id(&r.id) {
                return Err(src.err(&r.id, format!("invalid {kind} id '{}'", r.id)));
            }
            if r.patterns.is_empty() {
                return Err(src.err(&r.id, format!("{kind} '{}' has no patterns", r.id)));
            }
            if r.min_hits == 0 {
                return Err(src.err(
                    &r.id,
                    format!("{kind} '{}': min-hits must be at least 1", r.id),
                ));
            }
            for p in &r.patterns {
                check_regex(src, p, &format!("{kind} '{}'", r.id))?;
            }
        }
    }
    for k in &file.document_kind {
        if !valid_id(&k.id) {
            return Err(src.err(&k.id, format!("invalid document-kind id '{}'", k.id)));
        }
        if !seen.insert(("document-kind", k.id.clone())) {
            return Err(src.err(
                &k.id,
                format!("document-kind '{}' defined twice in one file", k.id),
            ));
        }
        if k.title.is_empty() && k.signals.is_empty() {
            return Err(src.err(
                &k.id,
                format!("document-kind '{}' has no title or signals patterns", k.id),
            ));
        }
        for p in k.title.iter().chain(&k.signals) {
            check_regex(src, p, &format!("document-kind '{}'", k.id))?;
        }
    }
    if let Some(c) = &file.sourcing_concepts {
        for (name, v) in c.named() {
            for p in v {
                check_regex(src, p, &format!("sourcing-concepts.{name}"))?;
            }
        }
    }
    if let Some(c) = &file.scope_context {
        for (name, v) in c.named() {
            for p in v {
                check_regex(src, p, &format!("scope-context.{name}"))?;
            }
        }
    }
    if let Some(c) = &file.name_context {
        for p in &c.words {
            check_regex(src, p, "name-context.words")?;
        }
    }
    if let Some(c) = &file.cues {
        for (name, v) in [
            ("prohibition", &c.prohibition),
            ("removal", &c.removal),
            ("replacement", &c.replacement),
            ("supply", &c.supply),
            ("strong-supply", &c.strong_supply),
            ("prohibited-list", &c.prohibited_list),
            ("unrelated-restriction", &c.unrelated_restriction),
        ] {
            for p in v {
                check_regex(src, p, &format!("cues.{name}"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Vec<Source> {
        vec![Source {
            path: "x.toml".into(),
            text: text.into(),
            embedded: false,
        }]
    }

    #[test]
    fn defaults_load_and_have_required_entities_and_lists() {
        let set = defaults().expect("embedded patterns are valid");
        for id in [
            "huawei",
            "zte",
            "hikvision",
            "dahua",
            "hytera",
            "xiaomi",
            "oppo",
            "lenovo",
            "tencent",
            "alibaba",
            "baidu",
            "jd",
        ] {
            assert!(set.entity(id).is_some(), "missing entity {id}");
        }
        use super::super::Status;
        let named = |list: &List, status: Status| -> Vec<String> {
            list.entry
                .iter()
                .filter(|e| e.status == status)
                .map(|e| e.entity.clone())
                .collect()
        };
        let tw = set.list("tw-ey-2019").unwrap();
        assert!(tw.banned.is_empty(), "shorthand is expanded into entries");
        assert_eq!(
            named(tw, Status::Banned),
            ["huawei", "zte", "xiaomi", "oppo", "hikvision"]
        );
        assert_eq!(
            named(tw, Status::UnderReview),
            ["lenovo", "tencent", "alibaba", "baidu", "jd"]
        );
        let us = set.list("us-ndaa-889").unwrap();
        assert_eq!(
            named(us, Status::Banned),
            ["huawei", "zte", "hytera", "hikvision", "dahua"]
        );
        let (status, lists) = set.status_of("hikvision").unwrap();
        assert_eq!(status, super::super::Status::Banned);
        let ids: Vec<&str> = lists.iter().map(|l| l.id.as_str()).collect();
        for id in ["tw-ey-2019", "tw-ey-2020", "us-ndaa-889", "us-fcc-covered"] {
            assert!(ids.contains(&id), "{ids:?}");
        }
        // Lenovo: undecided in the 2019 plan, and the one contested name under the 2020 rule,
        // where its named entry wins over the category of every mainland-Chinese brand.
        assert_eq!(
            set.list("tw-ey-2020").unwrap().status_of("lenovo"),
            Some(super::super::Status::UnderReview)
        );
        assert_eq!(
            set.status_of("lenovo").unwrap().0,
            super::super::Status::UnderReview
        );
    }

    #[test]
    fn embedded_files_are_valid() {
        for src in embedded_sources() {
            let file: PatternFile = toml::from_str(&src.text).unwrap();
            validate_file(&src, &file).unwrap();
        }
    }

    #[test]
    fn syntax_error_has_line() {
        let e = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"x\"\nname = \n"),
        )
        .unwrap_err();
        assert_eq!(e.path, "x.toml");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn unknown_key_is_rejected_with_line() {
        let e = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"acme\"\nname = \"Acme\"\naliasses = [\"Acme\"]\n"),
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.reason.contains("aliasses"), "{e}");
    }

    #[test]
    fn bad_regex_is_rejected_with_line() {
        let e = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"acme\"\nname = \"Acme\"\n\nmodels = ['AC-(\\d+']\n"),
        )
        .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.reason.contains("invalid regular expression"), "{e}");
    }

    #[test]
    fn ambiguous_names_may_be_case_sensitive_but_must_be_names() {
        let ok = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"acme\"\nname = \"Acme\"\ncase-sensitive = [\"ACME\"]\nambiguous = [\"ACME\"]\n"),
        );
        assert!(ok.is_ok(), "{ok:?}");
        let e = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"acme\"\nname = \"Acme\"\naliases = [\"Acme\"]\nambiguous = [\"ACME\"]\n"),
        )
        .unwrap_err();
        assert!(e.reason.contains("ambiguous name \"ACME\""), "{e}");
    }

    #[test]
    fn list_naming_unknown_entity_is_rejected() {
        let e = build(
            PatternSet::default(),
            &src("[[list]]\nid = \"l\"\ntitle = \"t\"\njurisdiction = \"X\"\nsource = \"s\"\neffective = \"2020-01-01\"\nbanned = [\"nobody\"]\n"),
        )
        .unwrap_err();
        assert_eq!(e.line, 7, "{e}");
        assert!(e.reason.contains("unknown entity 'nobody'"));
    }

    #[test]
    fn override_by_id() {
        let mut base = defaults().unwrap();
        let extra = build(
            PatternSet::default(),
            &src("[[entity]]\nid = \"huawei\"\nname = \"Huawei (custom)\"\naliases = [\"Huawei\"]\n[[entity]]\nid = \"acme\"\nname = \"Acme\"\naliases = [\"Acme Corp\"]\n"),
        )
        .unwrap();
        let n = base.entities.len();
        base.merge(extra);
        assert_eq!(base.entities.len(), n + 1);
        assert_eq!(base.entity("huawei").unwrap().name, "Huawei (custom)");
    }
}
