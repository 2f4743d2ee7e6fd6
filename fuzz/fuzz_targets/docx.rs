#![no_main]
//! Any bytes through the DOCX and ODT extractors and the judge: must return (Ok or Err), never
//! panic, hang or allocate without bound. Both readers share the zip package reader; the ODT one
//! also takes flat XML (`.fodt`), so every input is tried both ways.
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenderscan::extract::{self, ExtractOptions};
use tenderscan::judge::Judge;

fn judge() -> &'static Judge {
    static J: OnceLock<Judge> = OnceLock::new();
    J.get_or_init(|| Judge::new(tenderscan::patterns::load::defaults().unwrap()).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let opts = ExtractOptions {
        max_stream_bytes: 16 << 20,
        max_total_bytes: 64 << 20,
        max_pages: 200,
        deadline: Some(std::time::Instant::now() + std::time::Duration::from_secs(5)),
        ..Default::default()
    };
    // Both zip readers, whatever the sniffed type says.
    if let Ok(doc) = extract::docx::extract(data, &opts) {
        let _ = judge().judge(&doc);
    }
    if let Ok(doc) = extract::odt::extract(data, &opts) {
        let _ = judge().judge(&doc);
    }
});
