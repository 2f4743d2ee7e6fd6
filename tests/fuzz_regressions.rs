//! Every input that once crashed, hung or blew up a fuzz target (`scripts/fuzz.sh`) is kept in
//! `tests/data/fuzz-regressions/TARGET/` and replayed here: each must now return (Ok or Err) without
//! panicking. (No fuzz run has found one yet, so the folders are empty; the hostile files of the shared
//! corpus have exact expected outcomes in `tests/hostile.rs`.)

use std::path::{Path, PathBuf};
use tenderscan::extract::{self, ExtractOptions};
use tenderscan::judge::Judge;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn regressions(target: &str) -> Vec<PathBuf> {
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz-regressions")
            .join(target),
    )
}

fn opts() -> ExtractOptions {
    ExtractOptions {
        max_stream_bytes: 16 << 20,
        max_total_bytes: 64 << 20,
        max_pages: 200,
        ..Default::default()
    }
}

#[test]
fn pdf_regressions_do_not_panic() {
    let judge = Judge::new(tenderscan::patterns::load::defaults().unwrap()).unwrap();
    for f in regressions("pdf") {
        let data = std::fs::read(&f).unwrap();
        if let Ok(doc) = extract::pdf::extract(&data, &opts()) {
            judge.judge(&doc);
        }
    }
}

#[test]
fn docx_regressions_do_not_panic() {
    let judge = Judge::new(tenderscan::patterns::load::defaults().unwrap()).unwrap();
    for f in regressions("docx") {
        let data = std::fs::read(&f).unwrap();
        if let Ok(doc) = extract::docx::extract(&data, &opts()) {
            judge.judge(&doc);
        }
        // The docx fuzz target feeds the ODT reader the same bytes.
        if let Ok(doc) = extract::odt::extract(&data, &opts()) {
            judge.judge(&doc);
        }
    }
}

#[test]
fn pattern_regressions_do_not_panic() {
    for f in regressions("patterns") {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        if let Ok(set) = tenderscan::patterns::load::parse_str("fuzz.toml", &text) {
            let _ = Judge::new(set);
        }
    }
}
