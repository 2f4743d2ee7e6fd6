//! Judging by meaning, on the examples of the judgement issue: the document's kind, sourcing clauses
//! by concept, scope from what is bought, ambiguous names, glossaries, enumerations, and tracked
//! deletions in `extract`. Each case is a short document scanned by the real binary; the wider
//! labelled set is `tests/judging/` with `scripts/judging_eval.py`.

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tenderscan");

/// Scan each `(name, text)` as its own `.txt` file; the records by file name.
fn scan(cases: &[(&str, &str)]) -> Vec<(String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in cases {
        std::fs::write(dir.path().join(format!("{name}.txt")), text).unwrap();
    }
    let o = Command::new(BIN)
        .args(["scan", "--format", "jsonl", "--no-cache", "-q"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            let p = r["path"].as_str().unwrap();
            let stem = p.rsplit('/').next().unwrap().trim_end_matches(".txt");
            (stem.to_string(), r)
        })
        .collect()
}

fn record<'a>(rs: &'a [(String, Value)], name: &str) -> &'a Value {
    &rs.iter().find(|(n, _)| n == name).unwrap().1
}

fn mentions(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "mention")
        .map(|f| {
            (
                f["entity"].as_str().unwrap().to_string(),
                f["disposition"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn kinds(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

fn pair(e: &str, d: &str) -> (String, String) {
    (e.to_string(), d.to_string())
}

const RFQ: &str =
    "Request for Quotation: Network Cameras\n\nThe contractor shall supply 20 network cameras.\n\n";

#[test]
fn sourcing_clauses_are_recognised_by_meaning() {
    let brand = format!("{RFQ}Equipment offered shall not carry a brand owned by an enterprise established in the PRC.\n");
    let parts = format!("{RFQ}None of the parts may be sourced from manufacturers headquartered in mainland China.\n");
    let describe = format!("{RFQ}Shenzhen is where most of the world's cameras are assembled.\n");
    let rs = scan(&[
        ("brand", &brand),
        ("parts", &parts),
        ("zh", "監視攝影機採購案\n\n乙方應提供網路攝影機20台。\n\n投標產品之品牌不得為中國大陸廠牌。\n"),
        ("describe", &describe),
        ("origin_spec", "監視攝影機採購案\n\n乙方應提供網路攝影機20台。\n\n規格：解析度 4MP；產地：中國。\n"),
    ]);
    for name in ["brand", "parts", "zh"] {
        let r = record(&rs, name);
        assert!(
            r["facts"]["sourcing_clauses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "sourcing.restriction"),
            "{name}: {r}"
        );
        assert_eq!(r["verdict"], "pass", "{name}: {r}");
        assert_eq!(
            r["facts"]["sourcing_evidence"][0]["rule"],
            "sourcing.restriction"
        );
    }
    // A description and a specification line name China but restrict nothing.
    for name in ["describe", "origin_spec"] {
        let r = record(&rs, name);
        assert_eq!(kinds(r), ["missing-clause"], "{name}: {r}");
        assert_eq!(r["verdict"], "fail");
    }
}

#[test]
fn a_document_that_is_not_a_procurement_only_mentions_vendors() {
    let rs = scan(&[
        ("product", "產品介紹\n\n華為提供完整的雲端解決方案，協助企業數位轉型。\n\n了解更多\n"),
        ("annual", "Annual Report 2023\n\nOur revenue grew 12% as we signed contracts with suppliers such as Huawei and Lenovo for servers.\n\nShareholders approved the dividend.\n"),
        ("rfq", &format!("{RFQ}Brand: Hikvision DS-2CD2143G2-I, 20 units.\n")),
    ]);
    let product = record(&rs, "product");
    assert_eq!(product["document_kind"], "product-page");
    assert_eq!(product["facts"]["procurement_document"], false);
    assert_eq!(mentions(product), [pair("huawei", "mentioned")]);
    assert_eq!(product["findings"][0]["severity"], "info");
    assert_eq!(product["verdict"], "pass");
    let annual = record(&rs, "annual");
    assert_eq!(annual["document_kind"], "report");
    assert_eq!(
        mentions(annual),
        [pair("huawei", "mentioned"), pair("lenovo", "mentioned")]
    );
    assert!(!kinds(annual).contains(&"missing-clause".to_string()));
    assert_eq!(annual["verdict"], "pass");
    // A solicitation with a priced brand line is a procurement and a violation.
    let rfq = record(&rs, "rfq");
    assert_eq!(rfq["document_kind"], "solicitation");
    assert_eq!(
        rfq["facts"]["document_kind_evidence"]["text"],
        "Request for Quotation"
    );
    assert_eq!(mentions(rfq), [pair("hikvision", "violation")]);
    assert_eq!(rfq["verdict"], "fail");
}

#[test]
fn scope_comes_from_what_is_bought_and_is_cited() {
    let rs = scan(&[
        ("boilerplate", "Contract for consulting services\n\nThe contractor shall deliver a written report on road safety.\n\nAll data shall be stored on servers located in the United States.\n"),
        ("unchecked", "委託專業服務採購契約\n\n採購類別：□委託資訊服務 ■委託專業服務\n\n乙方應提供交通安全研究報告。\n"),
        ("buys", "Contract for consulting services\n\nThe contractor shall supply and install 12 laptops for the project office.\n"),
    ]);
    for name in ["boilerplate", "unchecked"] {
        let r = record(&rs, name);
        assert_eq!(r["facts"]["scopes"], serde_json::json!([]), "{name}: {r}");
        assert_eq!(r["verdict"], "pass", "{name}: {r}");
    }
    let buys = record(&rs, "buys");
    assert_eq!(
        buys["facts"]["scopes"],
        serde_json::json!(["scope.computers"])
    );
    assert_eq!(buys["facts"]["scope_evidence"][0]["text"], "laptops");
    assert_eq!(kinds(buys), ["missing-clause"]);
}

#[test]
fn ambiguous_chinese_names_need_product_or_company_context() {
    let rs = scan(&[
        ("verb", "教學活動設計契約\n\n乙方應提供教材：透過聯想與想像，學生可以聯想到日常生活中的例子。\n"),
        ("road", "道路養護契約\n\n乙方應於中興路及大華街完成路面修補。\n"),
        ("laptops", "電腦採購契約\n\n乙方應提供聯想筆電 20 台。\n"),
    ]);
    assert_eq!(mentions(record(&rs, "verb")), []);
    assert_eq!(mentions(record(&rs, "road")), []);
    assert_eq!(mentions(record(&rs, "laptops")), [pair("lenovo", "review")]);
}

#[test]
fn glossaries_enumerations_and_headings_govern_what_they_should() {
    let rs = scan(&[
        ("glossary", "Statement of Work: Campus Security Cameras\n\nAcronyms\n\nHIK – Hangzhou Hikvision Digital Technology Co.\n\nThe contractor shall install 30 IP cameras of a brand not owned by a PRC company.\n"),
        ("enumeration", "Contract for network equipment\n\nEquipment manufactured by Huawei; equipment manufactured by ZTE; or equipment manufactured by Hytera is prohibited.\n"),
        ("replace", "Contract for camera replacement\n\nThe contractor shall replace the existing Hikvision cameras with Dahua DH-IPC-HFW2431S cameras.\n"),
        ("sole_source", "Contract for network equipment\n\nNo sole-source justification required\n\nHuawei S5735 switches, 40 units.\n"),
        ("disclose", "Contract for consulting services\n\nThe Contractor shall not disclose Government data to any third party, including Huawei.\n"),
    ]);
    assert_eq!(
        mentions(record(&rs, "glossary")),
        [pair("hikvision", "mentioned")]
    );
    assert_eq!(
        mentions(record(&rs, "enumeration")),
        [
            pair("huawei", "excluded"),
            pair("zte", "excluded"),
            pair("hytera", "excluded")
        ]
    );
    assert_eq!(
        mentions(record(&rs, "replace")),
        [pair("hikvision", "excluded"), pair("dahua", "violation")]
    );
    assert_eq!(
        mentions(record(&rs, "sole_source")),
        [pair("huawei", "violation")]
    );
    assert_eq!(
        mentions(record(&rs, "disclose")),
        [pair("huawei", "review")]
    );
}

#[test]
fn extract_marks_text_deleted_by_a_tracked_change() {
    let o = Command::new(BIN)
        .args(["extract", "fixtures/contracts/zh_tracked_deletion.odt"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().find(|l| l.contains("華為")).unwrap();
    assert!(line.starts_with("[deleted] "), "{line}");
    assert!(text.lines().any(|l| l.starts_with("本案採購網路交換器")));
}
