//! OCR (issue 18): scanned PDFs and images read with the real `tesseract` program. Each fixture in
//! fixtures/scans (make_ocr_fixtures.py) has X.expected.toml beside it: the verdict with OCR and
//! with `--no-ocr`, and the findings (entity, disposition, page), which must carry `"ocr": true`.
//! Skipped with a message when tesseract (with eng, chi_tra, chi_sim) or pdftoppm is not on PATH;
//! when the environment variable CI is set they are required (.ci/run installs them).

use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{bin, jsonl};

fn tools_present() -> bool {
    let langs = Command::new("tesseract").arg("--list-langs").output();
    let ok = match langs {
        Ok(o) => {
            let s = String::from_utf8_lossy(&o.stdout);
            ["eng", "chi_tra", "chi_sim"]
                .iter()
                .all(|l| s.lines().any(|x| x.trim() == *l))
        }
        Err(_) => false,
    };
    let pdftoppm = Command::new("pdftoppm").arg("-v").output().is_ok();
    if !(ok && pdftoppm) {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but tesseract (eng, chi_tra, chi_sim) or pdftoppm is missing");
        }
        eprintln!(
            "skipping: tesseract with eng, chi_tra and chi_sim, and pdftoppm, are needed \
             (apt-get install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim poppler-utils)"
        );
    }
    ok && pdftoppm
}

#[derive(Debug, Deserialize)]
struct Expected {
    verdict: String,
    verdict_no_ocr: String,
    pages: Option<u64>,
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize)]
struct ExpectedFinding {
    kind: String,
    entity: Option<String>,
    disposition: Option<String>,
    page: Option<u64>,
}

fn scan(args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let o = bin()
        .args(["scan", "--format", "jsonl", "--no-cache"])
        .args(args)
        .output()
        .unwrap();
    (o.status.code(), jsonl(&o))
}

fn fixtures() -> Vec<(PathBuf, Expected)> {
    let dir = Path::new("fixtures/scans");
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".expected.toml") else {
            continue;
        };
        let doc = ["png", "tif", "pdf"]
            .iter()
            .map(|e| dir.join(format!("{stem}.{e}")))
            .find(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d).exists())
            .unwrap_or_else(|| panic!("no document for {name}"));
        let want: Expected = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        out.push((doc, want));
    }
    assert!(out.len() >= 6);
    out
}

#[test]
fn scans_are_read_by_ocr_with_their_findings_marked() {
    if !tools_present() {
        return;
    }
    let all = fixtures();
    let args: Vec<String> = all.iter().map(|(p, _)| p.display().to_string()).collect();
    let mut argv = vec!["--jobs", "2"];
    argv.extend(args.iter().map(|s| s.as_str()));
    let (code, docs) = scan(&argv);
    assert_eq!(code, Some(1));
    assert_eq!(docs.len(), all.len());
    let mut problems = Vec::new();
    for ((path, want), r) in all.iter().zip(&docs) {
        let p = path.display().to_string();
        assert_eq!(r["path"], p.as_str());
        if r["verdict"] != want.verdict.as_str() {
            problems.push(format!(
                "{p}: verdict {} want {}: {r}",
                r["verdict"], want.verdict
            ));
        }
        if let Some(n) = want.pages {
            if r["pages"] != n {
                problems.push(format!("{p}: pages {} want {n}", r["pages"]));
            }
        }
        let findings = r["findings"].as_array().unwrap();
        for e in &want.finding {
            let hit = findings.iter().find(|f| {
                f["kind"] == e.kind.as_str()
                    && e.entity.as_ref().is_none_or(|x| f["entity"] == x.as_str())
                    && e.disposition
                        .as_ref()
                        .is_none_or(|x| f["disposition"] == x.as_str())
                    && e.page.is_none_or(|pg| f["page"] == pg)
            });
            match hit {
                None => problems.push(format!("{p}: no finding {e:?} in {findings:?}")),
                Some(f) => {
                    if f["ocr"] != true || f["ocr_confidence"].as_f64().unwrap_or(0.0) < 50.0 {
                        problems.push(format!("{p}: finding not marked as OCR: {f}"));
                    }
                }
            }
        }
        // Mentions on pages that have text of their own are not OCR findings.
        if want.verdict == "fail" {
            let says = r["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w.as_str().unwrap().starts_with("read by OCR"));
            if !says {
                problems.push(format!("{p}: the record does not say it was read by OCR"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn without_ocr_a_scan_is_never_a_pass() {
    // Needs pdftoppm for blank-page detection; tesseract is not used.
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        eprintln!("skipping: pdftoppm (poppler-utils) is not on PATH");
        return;
    }
    for (path, want) in fixtures() {
        let p = path.display().to_string();
        let (_, docs) = scan(&["--no-ocr", &p]);
        assert_eq!(
            docs[0]["verdict"],
            want.verdict_no_ocr.as_str(),
            "{p}: {}",
            docs[0]
        );
        assert!(docs[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("ocr").is_none()));
    }
    let (code, docs) = scan(&["--no-ocr", "fixtures/scans/en_mixed_dahua.pdf"]);
    assert_eq!(code, Some(0), "review does not fail by default");
    let warnings = docs[0]["warnings"].to_string();
    assert!(warnings.contains("not a clean pass"), "{warnings}");
    let (code, _) = scan(&[
        "--no-ocr",
        "--fail-on",
        "review",
        "fixtures/scans/en_mixed_dahua.pdf",
    ]);
    assert_eq!(code, Some(1));
}

#[test]
fn without_tesseract_an_image_says_what_to_install() {
    let o = bin()
        .args([
            "scan",
            "--format",
            "jsonl",
            "--no-cache",
            "fixtures/scans/en_scan_hikvision.png",
        ])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let docs = jsonl(&o);
    assert_eq!(docs[0]["verdict"], "unreadable");
    assert_eq!(docs[0]["error_class"], "unsupported");
    let msg = docs[0]["error"].as_str().unwrap();
    assert!(msg.contains("apt-get install tesseract-ocr"), "{msg}");
}
