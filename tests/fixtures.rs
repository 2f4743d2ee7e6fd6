//! Every fixture in `fixtures/` is scanned and its findings compared with `X.expected.toml` beside it:
//! the verdict, and the multiset of findings (kind, entity, disposition, page where the expectation
//! gives one, matched text where it gives one). Missing and unexpected findings both fail.
//!
//! A stem may have several renditions (`zh_boq_violation.docx` and `zh_boq_violation.odt`, the
//! second converted from the first by LibreOffice): each is checked against the same expectations.
//! A `.doc` or `.rtf` rendition needs LibreOffice (`soffice`) to be read; without it it is skipped
//! with a message.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use tenderscan::finding::DocumentReport;
use tenderscan::judge::Judge;
use tenderscan::patterns::load;
use tenderscan::pipeline::{scan_one, Input, ScanOptions};

#[derive(Debug, Deserialize)]
struct Expected {
    verdict: String,
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize, Clone)]
struct ExpectedFinding {
    kind: String,
    entity: Option<String>,
    disposition: Option<String>,
    page: Option<u32>,
    text: Option<String>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("contracts")
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn matches(e: &ExpectedFinding, f: &tenderscan::finding::Finding) -> bool {
    e.kind == f.kind.as_str()
        && e.entity == f.entity
        && e.disposition.as_deref() == f.disposition.map(|d| d.as_str())
        && e.page.is_none_or(|p| Some(p) == f.page)
        && e.text.as_ref().is_none_or(|t| squash(t) == squash(&f.text))
}

fn check(doc: &Path, expected: &Expected, report: &DocumentReport) -> Vec<String> {
    let mut problems = Vec::new();
    let name = doc.file_name().unwrap().to_string_lossy();
    if report.verdict.as_str() != expected.verdict {
        problems.push(format!(
            "{name}: verdict {} (expected {}); status {:?} error {:?}",
            report.verdict.as_str(),
            expected.verdict,
            report.status,
            report.error
        ));
    }
    let mut unmatched: Vec<&tenderscan::finding::Finding> = report.findings.iter().collect();
    for e in &expected.finding {
        match unmatched.iter().position(|f| matches(e, f)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => problems.push(format!("{name}: missing expected finding {e:?}")),
        }
    }
    for f in unmatched {
        problems.push(format!(
            "{name}: unexpected finding {} {:?} {:?} page {:?} text {:?}: {}",
            f.kind.as_str(),
            f.entity,
            f.disposition.map(|d| d.as_str()),
            f.page,
            f.text,
            f.message
        ));
    }
    problems
}

fn soffice_available() -> bool {
    tenderscan::extract::legacy::find_soffice().is_some()
}

fn all_fixtures() -> Vec<(PathBuf, Expected)> {
    let dir = fixtures_dir();
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".expected.toml") else {
            continue;
        };
        let docs = entries_with_stem(&dir, stem);
        let text = std::fs::read_to_string(&p).unwrap();
        for doc in docs {
            if doc.extension().is_some_and(|e| e == "doc" || e == "rtf") && !soffice_available() {
                eprintln!(
                    "skipping {}: soffice (LibreOffice) is not on PATH",
                    doc.display()
                );
                continue;
            }
            let expected: Expected =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            out.push((doc, expected));
        }
    }
    out
}

fn entries_with_stem(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let docs: Vec<PathBuf> = ["pdf", "docx", "odt", "doc", "rtf", "txt", "md"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .filter(|p| p.exists())
        .collect();
    assert!(!docs.is_empty(), "no document for {stem}.expected.toml");
    docs
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let judge = Judge::new(load::defaults().unwrap()).unwrap();
    let fixtures = all_fixtures();
    assert!(
        fixtures.len() >= 14,
        "expected at least 14 fixtures, found {}",
        fixtures.len()
    );
    let mut problems = Vec::new();
    for (doc, expected) in &fixtures {
        let report = scan_one(
            &Input::file(doc.clone(), true),
            &judge,
            &ScanOptions::default(),
        );
        problems.extend(check(doc, expected, &report));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
