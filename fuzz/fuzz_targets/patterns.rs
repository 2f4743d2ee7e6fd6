#![no_main]
//! Any text as a pattern file: loading must return Ok or a PatternError with a line, never panic; a
//! set that loads must compile or fail with an error.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(set) = tenderscan::patterns::load::parse_str("fuzz.toml", &text) {
        if let Ok(judge) = tenderscan::judge::Judge::new(set) {
            let doc = tenderscan::extract::text::extract("The Contractor shall supply 40 Hikvision cameras; 不得使用華為。".as_bytes());
            let _ = judge.judge(&doc);
        }
    }
});
