//! Scans of the shared corpus of real documents (`../shared/corpus/`, beside the project folder).

use std::path::{Path, PathBuf};
use tenderscan::finding::{Disposition, FindingKind, Verdict};
use tenderscan::judge::Judge;
use tenderscan::pipeline::{discover, scan, ScanOptions};

fn corpus(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub)
}

#[test]
fn far_solicitations_have_no_violations_and_their_sourcing_clauses_are_found() {
    let dir = corpus("contracts");
    assert!(dir.is_dir(), "shared corpus missing at {}", dir.display());
    let judge = Judge::new(tenderscan::patterns::load::defaults().unwrap()).unwrap();
    let found = discover(&[dir]);
    assert_eq!(found.inputs.len(), 4);
    let mut reports = Vec::new();
    scan(&found.inputs, &judge, &ScanOptions::default(), |r| {
        reports.push(r)
    })
    .unwrap();
    for r in &reports {
        assert!(
            !r.findings
                .iter()
                .any(|f| f.kind == FindingKind::Mention
                    && f.disposition != Some(Disposition::Excluded)),
            "{}: a FAR representation must not yield a violation or review: {:#?}",
            r.path,
            r.findings
        );
    }
    let by = |n: &str| reports.iter().find(|r| r.path.ends_with(n)).unwrap();
    // The IaaS RFQ incorporates FAR 52.204-24 (covered telecommunications equipment): in scope, with a
    // sourcing clause, so it passes.
    let iaas = by("18F__IaaS_RFQ.md");
    assert!(iaas
        .facts
        .scopes
        .contains(&"scope.cloud-software".to_string()));
    assert!(iaas
        .facts
        .sourcing_clauses
        .contains(&"sourcing.far-889".to_string()));
    assert_eq!(iaas.verdict, Verdict::Pass);
    let usaf = by("usaf__FA301625Q0050_RFQ.md");
    assert!(usaf
        .facts
        .sourcing_clauses
        .contains(&"sourcing.far-889".to_string()));
    // The cloud.gov RFQ buys cloud services but cites no 52.204-2x clause: missing-clause.
    let cg = by("18F__cloudgov_RFQ1349024.md");
    assert_eq!(cg.verdict, Verdict::Fail);
    assert_eq!(cg.findings.len(), 1);
    assert_eq!(cg.findings[0].kind, FindingKind::MissingClause);
}
