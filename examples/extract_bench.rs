//! Extract documents and print timings, or dump their blocks.
//!
//! `cargo run --release --example extract_bench -- [--dump] [--runs N] FILE...`

use std::time::Instant;

use tenderscan::extract::{extract, sniff, ExtractOptions};

fn main() {
    let mut dump = false;
    let mut runs = 5usize;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dump" => dump = true,
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            _ => files.push(a),
        }
    }
    let opts = ExtractOptions::default();
    let mut total_ms = 0.0;
    for f in &files {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{f}: {e}");
                continue;
            }
        };
        let ext = std::path::Path::new(f).extension().and_then(|e| e.to_str());
        let kind = sniff(&bytes, ext);
        if dump {
            match extract(kind, &bytes, &opts) {
                Ok(doc) => {
                    println!("== {f}: {} blocks", doc.blocks.len());
                    for w in &doc.warnings {
                        println!("  warning: {w}");
                    }
                    for b in &doc.blocks {
                        println!(
                            "  #{} {:?}{}{}{} {:?}",
                            b.location.paragraph,
                            b.kind,
                            b.location
                                .clause
                                .as_ref()
                                .map(|c| format!(" [{c}]"))
                                .unwrap_or_default(),
                            b.location
                                .cell
                                .map(|c| format!(" t{}r{}c{}", c.table, c.row, c.col))
                                .unwrap_or_default(),
                            if b.hidden { " hidden" } else { "" },
                            b.text
                        );
                    }
                }
                Err(e) => println!("== {f}: error {}: {e}", e.class()),
            }
            continue;
        }
        let mut best = f64::MAX;
        let mut outcome = String::new();
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let r = extract(kind, &bytes, &opts);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            best = best.min(ms);
            outcome = match r {
                Ok(d) => format!("{} blocks", d.blocks.len()),
                Err(e) => format!("error {}", e.class()),
            };
        }
        total_ms += best;
        println!("{best:8.3} ms  {outcome:>12}  {f}");
    }
    if !dump {
        println!("{total_ms:8.3} ms  total (best of {runs} per file)");
    }
}
