//! The throughput floor for `scripts/bench.sh`: read every file and inflate every compressed stream
//! (PDF) or zip part (DOCX), and nothing else — no text layer, no matching. A scan cannot be faster
//! than this; the harness reports tenderscan as a ratio of it.
//!
//!     cargo run --release --example floor -- FILE...

use std::io::Read;

fn main() {
    let mut files = 0usize;
    let mut inflated = 0u64;
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        files += 1;
        if bytes.starts_with(b"PK") {
            if let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])) {
                for i in 0..z.len() {
                    if let Ok(mut f) = z.by_index(i) {
                        let mut sink = Vec::new();
                        inflated += f.read_to_end(&mut sink).unwrap_or(0) as u64;
                    }
                }
            }
        } else {
            // As tenderscan does: no document reuses another's AES-256 password hashes.
            lopdf::encryption::forget_password_hashes();
            if let Ok(doc) = lopdf::Document::load_mem(&bytes) {
                for obj in doc.objects.values() {
                    if let Ok(s) = obj.as_stream() {
                        if let Ok(d) = s.decompressed_content() {
                            inflated += d.len() as u64;
                        }
                    }
                }
            }
        }
    }
    println!("{files} files, {inflated} bytes inflated");
}
