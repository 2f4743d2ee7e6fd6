//! Criterion benchmarks for the hot paths: PDF and DOCX extraction, matching (and how its cost
//! grows with the number of entities), and judging.
//!
//!     cargo bench --bench hot_paths

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use tenderscan::extract::{self, ExtractOptions};
use tenderscan::judge::Judge;
use tenderscan::matcher::Matcher;
use tenderscan::normalize::normalize;
use tenderscan::patterns::{load, Entity, List, PatternSet};

fn corpus(name: &str) -> Option<Vec<u8>> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/generated")
            .join(name),
    )
    .ok()
}

/// The shipped patterns plus `n` synthetic entities (Latin and CJK names, a model pattern each) on
/// one synthetic list.
fn with_synthetic(n: usize) -> PatternSet {
    let mut set = load::defaults().unwrap();
    let syllables = [
        "zor", "blax", "qui", "tron", "vel", "mek", "dra", "pho", "lun", "sek",
    ];
    let cjk = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    let mut ids = Vec::new();
    for i in 0..n {
        let (a, b, c) = (i % 10, (i / 10) % 10, (i / 100) % 10);
        let id = format!("synth-{i:04}");
        set.entities.push(Entity {
            id: id.clone(),
            name: format!("Synthetic {i}"),
            aliases: vec![
                format!(
                    "{}{}{} Technologies",
                    syllables[a], syllables[b], syllables[c]
                ),
                format!("{}{}{}科技", cjk[a], cjk[b], cjk[c]),
            ],
            brands: vec![format!("{}{}Cam{i}", syllables[c], syllables[a])],
            case_sensitive: vec![],
            models: vec![format!("SX{i:04}-[0-9A-Z]+")],
            ambiguous: Vec::new(),
            guards: vec![],
            certainty: "uncertain".into(),
            sources: vec![],
            note: None,
            ..Default::default()
        });
        ids.push(id);
    }
    set.lists.push(List {
        id: "synthetic".into(),
        title: "Synthetic".into(),
        jurisdiction: "XX".into(),
        source: "bench".into(),
        url: None,
        effective: "2026-01-01".into(),
        banned: ids,
        under_review: vec![],
        note: None,
        ..Default::default()
    });
    load::expand_shorthand(set.lists.last_mut().unwrap());
    let today = set.as_of.clone();
    set.resolve(&today);
    set
}

fn bench(c: &mut Criterion) {
    let opts = ExtractOptions::default();
    let mut g = c.benchmark_group("extract");
    for name in [
        "contract_en.pdf",
        "contract_zh.pdf",
        "contract_en.gs.pdf",
        "contract_en.docx",
        "contract_zh.docx",
    ] {
        if let Some(bytes) = corpus(name) {
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            let kind = extract::sniff(&bytes, None);
            g.bench_function(name, |b| {
                b.iter(|| extract::extract(kind, &bytes, &opts).unwrap())
            });
        }
    }
    g.finish();

    let text = corpus("contract_en.truth.txt")
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| {
            "The Contractor shall supply 40 Hikvision DS-2CD2143G2-I cameras. ".repeat(2000)
        });
    let norm = normalize(&text);
    let mut g = c.benchmark_group("match");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("normalize", |b| b.iter(|| normalize(&text)));
    for extra in [0usize, 500] {
        let set = with_synthetic(extra);
        let m = Matcher::new(&set).unwrap();
        g.bench_with_input(
            BenchmarkId::new("find", set.entities.len()),
            &norm.text,
            |b, t| b.iter(|| m.find(t)),
        );
    }
    g.finish();

    let doc = extract::text::extract(text.as_bytes());
    let mut g = c.benchmark_group("judge");
    g.throughput(Throughput::Bytes(text.len() as u64));
    for extra in [0usize, 500] {
        let set = with_synthetic(extra);
        let n = set.entities.len();
        let judge = Judge::new(set).unwrap();
        g.bench_with_input(BenchmarkId::new("contract_en", n), &doc, |b, d| {
            b.iter(|| judge.judge(d))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
