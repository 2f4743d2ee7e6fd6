//! Hostile files of the shared corpus through the full pipeline (`pipeline::scan_one`, in this
//! process): each has one exact expected outcome: status, error class, verdict, and for a readable
//! file a phrase of its text. A file that is fuzzed, truncated, encrypted, a bomb or an attack is
//! not merely "survived": what it yields is pinned, so a change in recovery shows up here.
//!
//! The broken PDFs are read by the PDF extractor, which is being improved in parallel; an
//! improvement in recovery (e.g. `poppler-85140-0.pdf` yielding text) is expected to change an
//! expectation here, deliberately.

use std::path::PathBuf;
use tenderscan::extract::{self, ExtractOptions};
use tenderscan::finding::{Status, Verdict};
use tenderscan::judge::Judge;
use tenderscan::pipeline::{scan_one, Input, ScanOptions};

macro_rules! corpus {
    ($rel:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/", $rel)
    };
}

/// What one file must yield.
struct Expect {
    path: &'static str,
    status: Status,
    error_class: Option<&'static str>,
    verdict: Verdict,
    /// For readable files, a phrase of the extracted text; for errors, a phrase of the message.
    phrase: &'static str,
    /// A phrase one of the document's warnings must contain ("" for none required).
    warning: &'static str,
}

const fn ok(path: &'static str, phrase: &'static str) -> Expect {
    Expect {
        path,
        status: Status::Ok,
        error_class: None,
        verdict: Verdict::Pass,
        phrase,
        warning: "",
    }
}

const fn no_text(path: &'static str) -> Expect {
    Expect {
        path,
        status: Status::NoText,
        error_class: None,
        verdict: Verdict::Unreadable,
        phrase: "",
        warning: "",
    }
}

const fn error(path: &'static str, class: &'static str, phrase: &'static str) -> Expect {
    Expect {
        path,
        status: Status::Error,
        error_class: Some(class),
        verdict: Verdict::Unreadable,
        phrase,
        warning: "",
    }
}

fn expectations() -> Vec<Expect> {
    vec![
        // pdf-broken/: as read on this branch.
        error(
            corpus!("pdf-broken/mozilla_pdf.js__REDHAT-1531897-0.pdf"),
            "malformed",
            "malformed pdf",
        ),
        // A JBIG2 decompression bomb: its text layer is read, the image is never decoded.
        ok(
            corpus!("pdf-broken/mozilla_pdf.js__bomb_giant.pdf"),
            "GIANT JBIG2 BOMB",
        ),
        // An architectural drawing whose xref is unusable: rebuilt from its objects.
        ok(
            corpus!("pdf-broken/mozilla_pdf.js__issue9418.pdf"),
            "Project Name and Address",
        ),
        no_text(corpus!(
            "pdf-broken/mozilla_pdf.js__poppler-395-0-fuzzed.pdf"
        )),
        ok(
            corpus!("pdf-broken/mozilla_pdf.js__poppler-67295-0.pdf"),
            "TestString123",
        ),
        no_text(corpus!("pdf-broken/mozilla_pdf.js__poppler-85140-0.pdf")),
        ok(
            corpus!("pdf-broken/mozilla_pdf.js__poppler-91414-0-53.pdf"),
            "foobar",
        ),
        // Form XObjects that draw each other: read once each, no endless recursion.
        ok(
            corpus!("pdf-broken/pdfminer__issue-1113-evil-xobjects.pdf"),
            "Hello world",
        ),
        ok(
            corpus!("pdf-broken/pdfminer__zen_of_python_corrupted.pdf"),
            "Beautiful is better than ugly.",
        ),
        // docx/ hostile files.
        // An XML external entity pointing at a web site: never fetched or expanded, and said so.
        Expect {
            warning: "undeclared or external entity references were dropped",
            ..ok(
                corpus!("docx/poi__ExternalEntityInText.docx"),
                "Here should not be the POI web site: \"\"",
            )
        },
        error(
            corpus!("docx/poi__truncated62886.docx"),
            "malformed",
            "not a readable zip archive",
        ),
        error(
            corpus!("docx/poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-4791943399604224.docx"),
            "malformed",
            "not a readable zip archive",
        ),
        error(
            corpus!("docx/poi__bug53475-password-is-pass.docx"),
            "encrypted",
            "password-protected Office document",
        ),
        // A package whose main document part is empty (zero bytes): no text, never `pass`.
        no_text(corpus!("docx/poi__zero-length.docx")),
        // Made docx-rs loop forever; here it is a one-paragraph document.
        ok(corpus!("docx/docx-rs__read_hang.docx"), "aaaaaaaaaaaatest"),
    ]
}

#[test]
fn hostile_corpus_files_have_exact_outcomes() {
    let judge = Judge::new(tenderscan::patterns::load::defaults().unwrap()).unwrap();
    let opts = ScanOptions {
        timeout: Some(std::time::Duration::from_secs(60)),
        ..Default::default()
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for e in expectations() {
        let path = PathBuf::from(e.path);
        if !path.exists() {
            eprintln!("skipping {}: shared corpus not present", e.path);
            continue;
        }
        let input = Input::file(path.clone(), true);
        let r = scan_one(&input, &judge, &opts);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let got = (r.status, r.error_class.as_deref(), r.verdict);
        let want = (e.status, e.error_class, e.verdict);
        if got != want {
            failures.push(format!(
                "{name}: got {got:?} (error {:?}), want {want:?}",
                r.error
            ));
            continue;
        }
        match r.status {
            Status::Error => {
                let msg = r.error.clone().unwrap_or_default();
                if !msg.contains(e.phrase) {
                    failures.push(format!("{name}: error {msg:?} lacks {:?}", e.phrase));
                }
            }
            Status::Ok => {
                // The text the pipeline judged, read again the same way.
                let bytes = std::fs::read(&path).unwrap();
                let kind = extract::sniff(&bytes, path.extension().and_then(|x| x.to_str()));
                let doc = extract::extract(kind, &bytes, &ExtractOptions::default()).unwrap();
                if !doc.plain_text().contains(e.phrase) {
                    failures.push(format!(
                        "{name}: text lacks {:?}: {:?}",
                        e.phrase,
                        doc.plain_text().chars().take(200).collect::<String>()
                    ));
                }
                if r.findings.iter().any(|f| f.entity.is_some()) {
                    failures.push(format!("{name}: unexpected findings {:?}", r.findings));
                }
            }
            Status::NoText => {}
        }
        if !e.warning.is_empty() && !r.warnings.iter().any(|w| w.contains(e.warning)) {
            failures.push(format!(
                "{name}: no warning containing {:?}: {:?}",
                e.warning, r.warnings
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    if checked > 0 {
        assert_eq!(checked, 15, "every hostile file checked");
    }
}

/// Every file in `pdf-broken/` is covered by an expectation above, so a file added to the folder
/// gets an outcome too.
#[test]
fn every_broken_pdf_has_an_expectation() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/pdf-broken");
    let Ok(rd) = std::fs::read_dir(dir) else {
        eprintln!("skipping: shared corpus not present");
        return;
    };
    let expected: Vec<String> = expectations()
        .iter()
        .map(|e| {
            std::fs::canonicalize(e.path)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    for entry in rd {
        let p = std::fs::canonicalize(entry.unwrap().path()).unwrap();
        assert!(
            expected.contains(&p.to_string_lossy().into_owned()),
            "{} has no expectation",
            p.display()
        );
    }
}
