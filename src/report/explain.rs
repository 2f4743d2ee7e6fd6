//! `tenderscan explain ID`: what a list, an entity or a rule is, from the pattern set in force.
//!
//! Ids are those a report shows: list ids (`tw-ey-2019`), entity ids (`huawei`), and rule ids
//! (`mention.<entity>`, `missing-clause.<scope>`, `scope.*`, `sourcing.*`, `permissive.*`).

use crate::patterns::{ClauseRule, Entity, List, PatternSet, Status};
use std::io::Write;

/// Every id `explain` knows, in a stable order.
pub fn known_ids(set: &PatternSet) -> Vec<String> {
    let mut ids = Vec::new();
    ids.extend(set.lists.iter().map(|l| l.id.clone()));
    ids.extend(set.entities.iter().map(|e| e.id.clone()));
    ids.extend(set.entities.iter().map(|e| format!("mention.{}", e.id)));
    ids.extend(set.scopes.iter().map(|r| r.id.clone()));
    ids.extend(
        set.scopes
            .iter()
            .map(|r| format!("missing-clause.{}", r.id.trim_start_matches("scope."))),
    );
    ids.extend(set.sourcing_clauses.iter().map(|r| r.id.clone()));
    ids.extend(set.permissive_clauses.iter().map(|r| r.id.clone()));
    ids.extend(set.procurement.iter().map(|r| r.id.clone()));
    ids
}

fn scope_of_missing<'a>(set: &'a PatternSet, id: &str) -> Option<&'a ClauseRule> {
    let scope = id.strip_prefix("missing-clause.")?;
    set.scopes
        .iter()
        .find(|r| r.id.trim_start_matches("scope.") == scope)
}

fn clause_rule<'a>(set: &'a PatternSet, id: &str) -> Option<(&'static str, &'a ClauseRule)> {
    set.scopes
        .iter()
        .find(|r| r.id == id)
        .map(|r| ("scope rule", r))
        .or_else(|| {
            set.procurement
                .iter()
                .find(|r| r.id == id)
                .map(|r| ("procurement rule", r))
        })
        .or_else(|| {
            set.sourcing_clauses
                .iter()
                .find(|r| r.id == id)
                .map(|r| ("sourcing-clause rule", r))
        })
        .or_else(|| {
            set.permissive_clauses
                .iter()
                .find(|r| r.id == id)
                .map(|r| ("permissive-clause rule", r))
        })
}

/// A one-line and a longer description of a rule id, and the URL of its legal source where it has
/// one (for SARIF rule metadata and the HTML report).
pub fn rule_summary(set: &PatternSet, id: &str) -> (String, String, Option<String>) {
    if let Some(e) = id.strip_prefix("mention.").and_then(|e| set.entity(e)) {
        let (status, lists) = match set.status_of(&e.id) {
            Some((s, lists)) => (
                s.as_str().to_string(),
                lists
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            None => ("on no active list".to_string(), String::new()),
        };
        let url = set
            .status_of(&e.id)
            .and_then(|(_, lists)| lists.iter().find_map(|l| l.url.clone()));
        return (
            format!("mention of {}", e.name),
            format!(
                "{} ({status}{}{}) is named: a violation when the clause supplies it, excluded when it prohibits or removes it, review when it is only under review or the context is unclear.",
                e.name,
                if lists.is_empty() { "" } else { " on " },
                lists
            ),
            url,
        );
    }
    if let Some(r) = scope_of_missing(set, id) {
        return (
            format!("in scope ({}) without a non-PRC sourcing clause", r.label),
            format!(
                "The contract buys {} but no sourcing-clause rule matched, so nothing bars PRC vendors.",
                r.label
            ),
            None,
        );
    }
    if let Some((what, r)) = clause_rule(set, id) {
        return (r.label.clone(), format!("{what}: {}", r.label), None);
    }
    (id.to_string(), id.to_string(), None)
}

fn write_list<W: Write>(out: &mut W, l: &List) -> std::io::Result<()> {
    writeln!(out, "list {}: {}", l.id, l.title)?;
    writeln!(out, "  jurisdiction: {}", l.jurisdiction)?;
    writeln!(out, "  source: {}", l.source)?;
    if let Some(u) = &l.url {
        writeln!(out, "  url: {u}")?;
    }
    writeln!(out, "  effective: {}", l.effective)?;
    for (label, status) in [
        ("banned", Status::Banned),
        ("under review", Status::UnderReview),
        ("watch", Status::Watch),
    ] {
        let ids = l.in_force(status);
        if ids.is_empty() && status == Status::Watch {
            continue;
        }
        let shown = if ids.is_empty() {
            "-".to_string()
        } else {
            ids.join(", ")
        };
        writeln!(out, "  {label}: {shown}")?;
    }
    if let Some(n) = &l.note {
        writeln!(out, "  note: {n}")?;
    }
    Ok(())
}

fn write_entity<W: Write>(out: &mut W, set: &PatternSet, e: &Entity) -> std::io::Result<()> {
    writeln!(out, "entity {}: {}", e.id, e.name)?;
    let join = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    writeln!(out, "  names: {}", join(&e.aliases))?;
    if !e.case_sensitive.is_empty() {
        writeln!(out, "  names (case-sensitive): {}", join(&e.case_sensitive))?;
    }
    writeln!(out, "  brands: {}", join(&e.brands))?;
    writeln!(out, "  models: {}", join(&e.models))?;
    writeln!(out, "  guards: {}", join(&e.guards))?;
    if !e.examples.is_empty() {
        writeln!(out, "  example models: {}", join(&e.examples))?;
    }
    writeln!(out, "  certainty: {}", e.certainty)?;
    if let Some(c) = &e.country {
        writeln!(out, "  country: {c}")?;
    }
    if !e.categories.is_empty() {
        writeln!(out, "  categories: {}", join(&e.categories))?;
    }
    for o in &e.owners {
        let when = match (&o.from, &o.until) {
            (Some(f), Some(u)) => format!(" (from {f} until {u})"),
            (Some(f), None) => format!(" (from {f})"),
            (None, Some(u)) => format!(" (until {u})"),
            (None, None) => String::new(),
        };
        let src = o
            .source
            .as_deref()
            .map(|s| format!("; source: {s}"))
            .unwrap_or_default();
        writeln!(out, "  owner: {}{when}{src}", o.owner)?;
    }
    writeln!(out, "  sources: {}", join(&e.sources))?;
    if let Some(n) = &e.note {
        writeln!(out, "  note: {n}")?;
    }
    let naming: Vec<&List> = set
        .lists
        .iter()
        .filter(|l| l.status_of(&e.id).is_some())
        .collect();
    if naming.is_empty() {
        writeln!(out, "  lists: on no active list (not reported)")?;
    } else {
        writeln!(out, "  lists:")?;
        for l in naming {
            let status = l.status_of(&e.id).map(|s| s.as_str()).unwrap_or("");
            writeln!(out, "    {} ({status}): {}", l.id, l.title)?;
            if let Some(st) = l.standing(&e.id) {
                writeln!(out, "      standing: {}", l.describe(st))?;
            }
            writeln!(out, "      source: {}", l.source)?;
            if let Some(u) = &l.url {
                writeln!(out, "      url: {u}")?;
            }
        }
    }
    Ok(())
}

fn write_clause_rule<W: Write>(out: &mut W, what: &str, r: &ClauseRule) -> std::io::Result<()> {
    writeln!(out, "{what} {}: {}", r.id, r.label)?;
    if r.min_hits > 1 {
        writeln!(out, "  matches when at least {} patterns match", r.min_hits)?;
    }
    writeln!(out, "  patterns:")?;
    for p in &r.patterns {
        writeln!(out, "    {p}")?;
    }
    Ok(())
}

/// Explain `id`. Returns `Ok(false)` when the id is unknown (nothing is written).
pub fn explain<W: Write>(out: &mut W, set: &PatternSet, id: &str) -> std::io::Result<bool> {
    if let Some(l) = set.list(id) {
        write_list(out, l)?;
        return Ok(true);
    }
    if let Some(e) = set.entity(id) {
        write_entity(out, set, e)?;
        return Ok(true);
    }
    if let Some(e) = id.strip_prefix("mention.").and_then(|e| set.entity(e)) {
        let (short, full, _) = rule_summary(set, id);
        writeln!(out, "rule {id}: {short}")?;
        writeln!(out, "  {full}")?;
        writeln!(out)?;
        write_entity(out, set, e)?;
        return Ok(true);
    }
    if let Some(scope) = scope_of_missing(set, id) {
        let (short, full, _) = rule_summary(set, id);
        writeln!(out, "rule {id}: {short}")?;
        writeln!(out, "  {full}")?;
        writeln!(out)?;
        write_clause_rule(out, "scope rule", scope)?;
        writeln!(out)?;
        writeln!(out, "sourcing clauses that satisfy it:")?;
        for r in &set.sourcing_clauses {
            writeln!(out, "  {}: {}", r.id, r.label)?;
        }
        return Ok(true);
    }
    if let Some((what, r)) = clause_rule(set, id) {
        write_clause_rule(out, what, r)?;
        return Ok(true);
    }
    Ok(false)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Known ids close to `id`: those containing it (or contained in it), then those within a small edit
/// distance; at most eight.
pub fn suggestions(set: &PatternSet, id: &str) -> Vec<String> {
    let q = id.to_lowercase();
    let mut scored: Vec<(usize, String)> = known_ids(set)
        .into_iter()
        .filter_map(|k| {
            let kl = k.to_lowercase();
            if !q.is_empty() && (kl.contains(&q) || q.contains(&kl)) {
                return Some((0, k));
            }
            let d = edit_distance(&q, &kl);
            (d <= 3.max(q.chars().count() / 3)).then_some((d, k))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(8).map(|(_, k)| k).collect()
}
