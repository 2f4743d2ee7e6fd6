//! Tender packages (issue 18): ZIP archives scanned member by member, with member paths a person
//! can open (`pkg.zip!/dir/a.pdf`), a `container` on each member, a record for the archive that
//! lists what it did not read and takes the worst verdict of its members, and limits against
//! bombs. Fixtures in fixtures/packages (make_package_fixtures.py); the expected outcome of
//! `tender_package.zip` is in tender_package.expected.toml beside it.

use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

mod common;
use common::{bin, jsonl};

fn scan(args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let o = bin()
        .args(["scan", "--format", "jsonl", "--no-cache", "--no-ocr"])
        .args(args)
        .output()
        .unwrap();
    (o.status.code(), jsonl(&o))
}

fn record<'a>(docs: &'a [Value], path: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("no record for {path}; have {:?}", paths(docs)))
}

fn paths(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|d| d["path"].as_str().unwrap()).collect()
}

#[derive(Debug, Deserialize)]
struct Expected {
    verdict: String,
    exit: i32,
    member: Vec<Member>,
}

#[derive(Debug, Deserialize)]
struct Member {
    path: String,
    container: String,
    format: String,
    verdict: String,
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
    #[serde(default)]
    not_read: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ExpectedFinding {
    kind: String,
    entity: Option<String>,
    disposition: Option<String>,
    page: Option<u64>,
    sheet: Option<String>,
}

#[test]
fn a_package_gives_each_member_its_record_and_the_worst_verdict_to_the_archive() {
    let pkg = "fixtures/packages/tender_package.zip";
    let want: Expected = toml::from_str(
        &std::fs::read_to_string("fixtures/packages/tender_package.expected.toml").unwrap(),
    )
    .unwrap();
    let (code, docs) = scan(&[pkg]);
    assert_eq!(code, Some(want.exit));
    // Every member and the archive, each once, the archive last (after its members).
    let got: Vec<String> = paths(&docs).iter().map(|s| s.to_string()).collect();
    let mut expected: Vec<String> = want
        .member
        .iter()
        .map(|m| format!("{pkg}!/{}", m.path))
        .collect();
    expected.push(pkg.to_string());
    assert_eq!(got, expected);
    for m in &want.member {
        let path = format!("{pkg}!/{}", m.path);
        let r = record(&docs, &path);
        assert_eq!(r["verdict"], m.verdict.as_str(), "{path}");
        assert_eq!(r["format"], m.format.as_str(), "{path}");
        assert_eq!(
            r["container"],
            format!("{pkg}!/{}", m.container).trim_end_matches("!/"),
            "{path}"
        );
        let findings = r["findings"].as_array().unwrap();
        for e in &m.finding {
            let found = findings.iter().any(|f| {
                f["kind"] == e.kind.as_str()
                    && e.entity.as_ref().is_none_or(|x| f["entity"] == x.as_str())
                    && e.disposition
                        .as_ref()
                        .is_none_or(|x| f["disposition"] == x.as_str())
                    && e.page.is_none_or(|p| f["page"] == p)
                    && e.sheet.as_ref().is_none_or(|s| f["sheet"] == s.as_str())
            });
            assert!(found, "{path}: no finding {e:?} in {findings:?}");
        }
        let not_read: Vec<&str> = r["package"]["not_read"]
            .as_array()
            .map(|a| a.iter().map(|n| n["name"].as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(not_read, m.not_read, "{path}");
    }
    let top = record(&docs, pkg);
    assert_eq!(top["verdict"], want.verdict.as_str());
    assert_eq!(top["format"], "zip");
    assert!(top.get("container").is_none());
    assert_eq!(top["package"]["members"], 4);
    let not_read = &top["package"]["not_read"][0];
    assert_eq!(not_read["name"], "docs/latest.pdf");
    assert_eq!(not_read["limit"], false);
    assert!(not_read["reason"]
        .as_str()
        .unwrap()
        .contains("symbolic link"));
    // The zip-slip name is only a label: nothing was written beside or above the input.
    assert!(!Path::new("fixtures/outside").exists() && !Path::new("../outside").exists());
}

#[test]
fn a_clean_package_passes_and_exits_zero() {
    let (code, docs) = scan(&["fixtures/packages/clean_package.zip"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        paths(&docs),
        [
            "fixtures/packages/clean_package.zip!/contract.docx",
            "fixtures/packages/clean_package.zip"
        ]
    );
    assert!(docs.iter().all(|d| d["verdict"] == "pass"));
}

#[test]
fn archives_nested_beyond_the_depth_limit_make_the_package_unreadable() {
    let (code, docs) = scan(&["fixtures/packages/deep_package.zip"]);
    assert_eq!(code, Some(1));
    let deepest = record(
        &docs,
        "fixtures/packages/deep_package.zip!/level1.zip!/level2.zip!/level3.zip!/level4.zip",
    );
    let n = &deepest["package"]["not_read"][0];
    assert_eq!(n["name"], "level5.zip");
    assert_eq!(n["limit"], true);
    assert!(docs.iter().all(|d| d["verdict"] == "unreadable"));
    // With a deeper limit the mention six levels down is found, and fails every level.
    let (code, docs) = scan(&[
        "--max-archive-depth",
        "6",
        "fixtures/packages/deep_package.zip",
    ]);
    assert_eq!(code, Some(1));
    let inner = "fixtures/packages/deep_package.zip!/level1.zip!/level2.zip!/level3.zip!/level4.zip!/level5.zip!/level6.zip!/deepest.txt";
    let r = record(&docs, inner);
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["findings"][0]["entity"], "hikvision");
    assert_eq!(
        r["container"],
        "fixtures/packages/deep_package.zip!/level1.zip!/level2.zip!/level3.zip!/level4.zip!/level5.zip!/level6.zip"
    );
    assert!(
        docs.iter().all(|d| d["verdict"] == "fail"),
        "{:?}",
        paths(&docs)
    );
}

#[test]
fn members_beyond_the_member_limit_are_listed_and_not_read() {
    let (code, docs) = scan(&[
        "--max-archive-members",
        "5",
        "fixtures/packages/many_members.zip",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(docs.len(), 6, "{:?}", paths(&docs));
    let top = record(&docs, "fixtures/packages/many_members.zip");
    assert_eq!(top["verdict"], "unreadable");
    assert_eq!(top["package"]["not_read_total"], 15);
    assert!(top["package"]["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["limit"] == true));
    let (code, docs) = scan(&["fixtures/packages/many_members.zip"]);
    assert_eq!((code, docs.len()), (Some(0), 21));
}

#[test]
fn bombs_and_damaged_archives_are_records_not_crashes() {
    // 64 MiB of zeros in 64 KiB: beyond a 1 MiB member limit.
    let (code, docs) = scan(&["--max-stream-bytes", "1M", "fixtures/packages/bomb.zip"]);
    assert_eq!(code, Some(1));
    let m = record(&docs, "fixtures/packages/bomb.zip!/zeros.txt");
    assert_eq!(
        (m["status"].as_str(), m["error_class"].as_str()),
        (Some("error"), Some("limit"))
    );
    assert_eq!(
        record(&docs, "fixtures/packages/bomb.zip")["verdict"],
        "unreadable"
    );
    // A member that inflates beyond its declared size is stopped there.
    let (code, docs) = scan(&["fixtures/packages/liar.zip"]);
    assert_eq!(code, Some(1));
    let m = record(&docs, "fixtures/packages/liar.zip!/liar.txt");
    assert_eq!(m["error_class"], "limit");
    assert!(m["error"].as_str().unwrap().contains("declared size"));
    // A truncated archive: one malformed record.
    let (code, docs) = scan(&["fixtures/packages/damaged.zip"]);
    assert_eq!(code, Some(1));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["error_class"], "malformed");
    assert_eq!(docs[0]["format"], "zip");
}

#[test]
fn a_folder_package_is_never_a_silent_pass() {
    // The case: a folder with an archive of failing contracts, a bill of quantities
    // buying Hikvision cameras, a scan and a clean DOCX. Every file gets a record.
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = |from: &str, to: &str| std::fs::copy(root.join(from), dir.path().join(to)).unwrap();
    copy("fixtures/packages/tender_package.zip", "a_package.zip");
    copy("fixtures/sheets/zh_boq_hikvision.xlsx", "b_boq.xlsx");
    copy("fixtures/scans/zh_scan_hikvision.tif", "c_scan.tif");
    copy(
        "fixtures/contracts/en_network_compliant.docx",
        "d_clean.docx",
    );
    std::fs::write(dir.path().join("e_drawing.dwg"), b"AC1032").unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, docs) = scan(&["--jobs", "2", d]);
    assert_eq!(code, Some(1));
    let verdict = |name: &str| record(&docs, &format!("{d}/{name}"))["verdict"].clone();
    assert_eq!(verdict("a_package.zip"), "fail");
    assert_eq!(verdict("b_boq.xlsx"), "fail");
    // OCR off: the scan is unreadable, never skipped.
    assert_eq!(verdict("c_scan.tif"), "unreadable");
    assert_eq!(verdict("d_clean.docx"), "pass");
    assert_eq!(docs.len(), 6 + 3, "{:?}", paths(&docs));
}

#[test]
fn process_and_thread_isolation_and_shards_give_the_same_records() {
    let pkg = "fixtures/packages/tender_package.zip";
    let (_, process) = scan(&["--jobs", "2", pkg]);
    let (_, thread) = scan(&["--jobs", "2", "--isolation", "thread", pkg]);
    assert_eq!(process, thread);
    // A shard holds an archive with all its members, so its record still takes their verdicts.
    let mut sharded = Vec::new();
    for k in 1..=3 {
        let (_, part) = scan(&["--shard", &format!("{k}/3"), pkg]);
        sharded.extend(part);
    }
    assert_eq!(sharded, process);
}

#[test]
fn a_workbook_embedded_in_a_word_document_is_read_with_it() {
    let (code, docs) = scan(&["fixtures/packages/embedded_boq.docx"]);
    assert_eq!(code, Some(1));
    let r = &docs[0];
    assert_eq!(r["verdict"], "fail");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"] == "hikvision" && f["disposition"] == "violation")
        .unwrap_or_else(|| panic!("no hikvision violation: {r}"));
    assert_eq!(f["sheet"], "Microsoft_Excel_Worksheet.xlsx/價目表");
    // The document's own text is still judged as before.
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["entity"] == "huawei" && f["disposition"] == "excluded"));
}
