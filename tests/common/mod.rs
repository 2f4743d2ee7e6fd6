//! Helpers for the tests that run the `tenderscan` binary.
#![allow(dead_code)] // each test file uses some of them

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary, run from the crate root, colour on, its text cache in a temporary folder (never in the
/// user's home).
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tenderscan"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c.env(
        "XDG_CACHE_HOME",
        std::env::temp_dir().join("tenderscan-test-cache"),
    );
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run tenderscan")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

/// The Chromium (or Chrome) on `PATH`, for the tests that run a real browser.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}
