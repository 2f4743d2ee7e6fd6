#![no_main]
//! Any bytes through the PDF extractor and the judge: must return (Ok or Err), never panic, hang or
//! allocate without bound.
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenderscan::extract::{pdf, ExtractOptions};
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
    if let Ok(doc) = pdf::extract(data, &opts) {
        let _ = judge().judge(&doc);
    }
});
