//! Throughput of our DOCX reader against docx-rs (`read_docx`) and `pandoc -t plain`, on the same
//! files in one run.
//!
//! ```sh
//! cargo run --release --example docx_compare                 # the shared corpus, 5 rounds
//! cargo run --release --example docx_compare -- --rounds 10 FILE_OR_DIR...
//! ```
//!
//! Each reader gets the bytes already in memory (pandoc gets a path: it is a separate process per
//! document, which is what calling it from a scanner costs). Files a reader fails on still count
//! towards its time; the failures are listed. Figures are documents per second over all rounds,
//! and the ratio of ours to each other reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tenderscan::extract::{docx, ExtractOptions};

fn collect(arg: &Path, out: &mut Vec<PathBuf>) {
    if arg.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(arg)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        out.extend(
            v.into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "docx")),
        );
    } else {
        out.push(arg.to_path_buf());
    }
}

struct Tally {
    name: &'static str,
    time: Duration,
    docs: usize,
    failed: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            time: Duration::ZERO,
            docs: 0,
            failed: Vec::new(),
        }
    }

    fn rate(&self) -> f64 {
        self.docs as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

fn main() {
    let mut rounds = 5usize;
    let mut inputs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds);
        } else {
            inputs.push(PathBuf::from(a));
        }
    }
    if inputs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        inputs = vec![root.join("docx"), root.join("generated")];
    }
    let mut files = Vec::new();
    for i in &inputs {
        collect(i, &mut files);
    }
    let docs: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect();
    let bytes: usize = docs.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{} DOCX files, {:.1} MiB, {rounds} rounds",
        docs.len(),
        bytes as f64 / (1 << 20) as f64
    );
    let pandoc = Command::new("pandoc")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());

    let opts = ExtractOptions::default();
    let mut ours = Tally::new("tenderscan docx::extract");
    let mut drs = Tally::new("docx-rs read_docx");
    let mut pan = Tally::new("pandoc -t plain");
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for round in 0..rounds {
        for (path, b) in &docs {
            let name = path.file_name().unwrap_or_default().to_string_lossy();

            let t = Instant::now();
            let ok = docx::extract(b, &opts).is_ok();
            ours.time += t.elapsed();
            ours.docs += 1;
            if !ok && round == 0 {
                ours.failed.push(name.to_string());
            }

            let t = Instant::now();
            let ok = std::panic::catch_unwind(|| docx_rs::read_docx(b).is_ok()).unwrap_or(false);
            drs.time += t.elapsed();
            drs.docs += 1;
            if !ok && round == 0 {
                drs.failed.push(name.to_string());
            }

            if pandoc {
                let t = Instant::now();
                let ok = Command::new("pandoc")
                    .args(["-f", "docx", "-t", "plain"])
                    .arg(path)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                pan.time += t.elapsed();
                pan.docs += 1;
                if !ok && round == 0 {
                    pan.failed.push(name.to_string());
                }
            }
        }
    }
    std::panic::set_hook(quiet);

    let mut all = vec![&ours, &drs];
    if pandoc {
        all.push(&pan);
    } else {
        println!("pandoc not on PATH: skipped (Debian package pandoc)");
    }
    println!(
        "{:<28} {:>10} {:>12} {:>8}",
        "reader", "docs/s", "ours is x", "failed"
    );
    for t in &all {
        println!(
            "{:<28} {:>10.1} {:>12.2} {:>8}",
            t.name,
            t.rate(),
            ours.rate() / t.rate(),
            t.failed.len()
        );
    }
    for t in &all {
        if !t.failed.is_empty() {
            println!("{} failed on: {}", t.name, t.failed.join(", "));
        }
    }
}
