//! SARIF 2.1.0 for code-scanning dashboards and other tools.
//!
//! One run; the rules are the rule ids that occur (`mention.<entity>`, `missing-clause.<scope>`,
//! `permissive.*`, and `unreadable` for a document that could not be read), described from the pattern
//! set. Levels: `error` for violations, missing and permissive clauses and unreadable documents,
//! `warning` for review, `note` for excluded mentions. Contracts have pages and clauses, not lines, so
//! a result has no line-based `region`: its physical location's `properties` carry the page,
//! paragraph, clause, table cell and excerpt, and a logical location names the clause (or paragraph).

use super::{explain::rule_summary, Summary};
use crate::finding::{Disposition, DocumentReport, Finding, FindingKind, Status};
use crate::patterns::PatternSet;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// The schema URI written into `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF level for a finding.
pub fn level(f: &Finding) -> &'static str {
    match (f.kind, f.disposition) {
        (FindingKind::Mention, Some(Disposition::Review)) => "warning",
        (FindingKind::Mention, Some(Disposition::Excluded | Disposition::Mentioned)) => "note",
        _ => "error",
    }
}

/// A path as a URI reference: relative paths stay relative, absolute ones become `file://` URIs;
/// everything outside the unreserved set (and `/`) is percent-encoded.
pub fn path_uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut out = String::new();
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if p.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn result(f: &Finding, rule_index: usize, artifact: usize, r: &DocumentReport) -> Value {
    // No `region`: SARIF regions need a line or an offset, and a contract has pages, clauses and
    // paragraphs instead. They go in the physical location's properties, with the excerpt.
    let mut where_ = Map::new();
    for (k, v) in [
        ("page", json!(f.page)),
        ("pageLabel", json!(f.page_label)),
        ("paragraph", json!(f.paragraph)),
        ("clause", json!(f.clause)),
        ("table", json!(f.table)),
        ("excerpt", json!(f.excerpt)),
        ("excerptMatch", json!(f.excerpt_match)),
    ] {
        if !v.is_null() {
            where_.insert(k.into(), v);
        }
    }
    let cite = super::citation(f);
    let (name, kind) = match (&f.clause, f.paragraph) {
        (Some(c), _) => (c.clone(), "clause"),
        (None, Some(p)) => (format!("¶{p}"), "paragraph"),
        (None, None) => (r.path.clone(), "document"),
    };
    let location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path_uri(&r.path), "index": artifact },
            "properties": where_,
        },
        "logicalLocations": [{
            "name": name,
            "kind": kind,
            "fullyQualifiedName": format!("{} {cite}", r.path).trim_end(),
        }],
    });
    let mut props = Map::new();
    for (k, v) in [
        ("kind", json!(f.kind.as_str())),
        ("entity", json!(f.entity)),
        ("disposition", json!(f.disposition.map(|d| d.as_str()))),
        ("severity", json!(f.severity.as_str())),
        ("list", json!(f.list)),
        ("lists", json!(f.lists)),
        ("text", json!(f.text)),
        ("cue", json!(f.cue)),
        ("verdict", json!(r.verdict.as_str())),
        ("quantity", json!(f.quantity)),
        ("unitPrice", json!(f.unit_price)),
        ("amount", json!(f.amount)),
        ("currency", json!(f.currency)),
    ] {
        if !v.is_null() {
            props.insert(k.into(), v);
        }
    }
    let mut res = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f),
        "message": { "text": f.message },
        "locations": [location],
        "properties": props,
    });
    review_fields(&mut res, f);
    res
}

/// The review of a finding in SARIF terms: its fingerprint (`partialFingerprints`), a waiver as an
/// accepted external suppression with its justification, and the baseline state.
fn review_fields(res: &mut Value, f: &Finding) {
    if !f.review.fingerprint.is_empty() {
        res["partialFingerprints"] = json!({ "tenderscan/v1": f.review.fingerprint });
    }
    if let Some(w) = &f.review.waiver {
        let mut props = json!({ "reviewer": w.reviewer, "date": w.date });
        if let Some(e) = &w.expires {
            props["expires"] = json!(e);
        }
        res["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": w.reason,
            "properties": props,
        }]);
    }
    if let Some(b) = f.review.baseline_state {
        res["baselineState"] = json!(b.as_str());
    }
}

/// The whole SARIF log as a JSON value.
pub fn to_value(docs: &[DocumentReport], summary: &Summary, set: &PatternSet) -> Value {
    // Rule ids in first-seen order, stable across runs.
    let mut rule_ids: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut intern = |id: &str, rule_ids: &mut Vec<String>| -> usize {
        *index.entry(id.to_string()).or_insert_with(|| {
            rule_ids.push(id.to_string());
            rule_ids.len() - 1
        })
    };
    let mut artifacts = Vec::new();
    let mut results = Vec::new();
    for (ai, r) in docs.iter().enumerate() {
        let mut art = json!({
            "location": { "uri": path_uri(&r.path) },
            "properties": { "verdict": r.verdict.as_str(), "status": r.status.as_str() },
        });
        if let Some(fmt) = &r.format {
            art["properties"]["format"] = json!(fmt);
        }
        if !r.inventory.is_empty() {
            art["properties"]["inventory"] = json!(r.inventory);
        }
        artifacts.push(art);
        if r.status != Status::Ok {
            let ri = intern("unreadable", &mut rule_ids);
            let why = match &r.error {
                Some(e) => format!(
                    "The document could not be read ({}): {e}",
                    r.error_class.as_deref().unwrap_or("error")
                ),
                None => "The document has no extractable text (a scanned contract?): read it by hand or OCR it first".to_string(),
            };
            results.push(json!({
                "ruleId": "unreadable",
                "ruleIndex": ri,
                "level": "error",
                "message": { "text": why },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": path_uri(&r.path), "index": ai } } }],
                "properties": { "verdict": r.verdict.as_str(), "status": r.status.as_str() },
            }));
        }
        for f in &r.findings {
            let ri = intern(&f.rule, &mut rule_ids);
            results.push(result(f, ri, ai, r));
        }
    }
    // The baseline's findings that are gone: `absent` results, at the place the baseline had them.
    if let Some(b) = summary
        .accepted_and_baseline
        .as_ref()
        .and_then(|rv| rv.baseline.as_ref())
    {
        for g in &b.gone {
            let ri = intern(&g.finding.rule, &mut rule_ids);
            let mut res = json!({
                "ruleId": g.finding.rule,
                "ruleIndex": ri,
                "level": level(&g.finding),
                "message": { "text": g.finding.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": path_uri(&g.path) } } }],
                "baselineState": "absent",
            });
            if !g.fingerprint.is_empty() {
                res["partialFingerprints"] = json!({ "tenderscan/v1": g.fingerprint });
            }
            results.push(res);
        }
    }
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let (short, full, url) = match id.as_str() {
                "unreadable" => (
                    "document could not be read".to_string(),
                    "The document's text could not be read (scanned, encrypted, damaged): it is never a pass.".to_string(),
                    None,
                ),
                _ => rule_summary(set, id),
            };
            let default_level = if id.starts_with("mention.") {
                match set.status_of(id.trim_start_matches("mention.")) {
                    Some((crate::patterns::Status::UnderReview, _)) => "warning",
                    _ => "error",
                }
            } else {
                "error"
            };
            let mut rule = json!({
                "id": id,
                "shortDescription": { "text": short },
                "fullDescription": { "text": full },
                "defaultConfiguration": { "level": default_level },
            });
            if let Some(u) = url {
                rule["helpUri"] = json!(u);
            }
            rule
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tenderscan",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true }],
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
            "properties": { "summary": summary },
        }]
    })
}

pub fn write_sarif<W: Write>(
    out: &mut W,
    docs: &[DocumentReport],
    summary: &Summary,
    set: &PatternSet,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(docs, summary, set))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::path_uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri("fixtures/a b.pdf"), "fixtures/a%20b.pdf");
        assert_eq!(path_uri("/tmp/x.txt"), "file:///tmp/x.txt");
        assert_eq!(path_uri("合約.pdf"), "%E5%90%88%E7%B4%84.pdf");
    }
}
