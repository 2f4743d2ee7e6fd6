//! Waivers and baselines through the command line (issue 20): a waived finding stays in the report
//! and no longer sets the verdict or the exit code; expired and unmatched waivers are reported; a
//! baseline marks findings new or unchanged, lists the gone ones, and only new findings set the exit
//! code; SARIF carries suppressions and baseline states; the XLSX report reads back cell by cell.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

mod common;
use common::{bin, run, stdout};

const FIXTURE: &str = "fixtures/contracts/zh_simplified_violation.txt";

fn json_of(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn scan_json(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["scan", "--format", "json", "-q", "--no-cache"];
    all.extend_from_slice(args);
    let o = run(&all);
    let v = json_of(&o);
    (o, v)
}

fn doc<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no document {name}"))
}

/// Fingerprints of the findings that make a document fail.
fn failing(d: &Value) -> Vec<String> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "mention" || f["disposition"] == "violation")
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

fn waiver(fp: &str, reason: &str, expires: Option<&str>) -> String {
    let mut s = format!(
        "[[waiver]]\nfingerprint = \"{fp}\"\nreason = \"{reason}\"\nreviewer = \"A. Reviewer\"\ndate = 2026-01-05\n"
    );
    if let Some(e) = expires {
        s.push_str(&format!("expires = {e}\n"));
    }
    s.push('\n');
    s
}

#[test]
fn fingerprints_are_stable_and_path_independent() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("renamed copy.txt");
    std::fs::copy(FIXTURE, &copy).unwrap();
    let (_, a) = scan_json(&[FIXTURE]);
    let (_, b) = scan_json(&[copy.to_str().unwrap()]);
    let (da, db) = (&a["documents"][0], &b["documents"][0]);
    let hash = da["content_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(hash, db["content_hash"].as_str().unwrap());
    let fa: Vec<&str> = da["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert!(!fa.is_empty());
    assert!(fa.iter().all(|f| f.len() == 32));
    let fb: Vec<&str> = db["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fa, fb, "same bytes, same fingerprints, whatever the name");
}

#[test]
fn waivers_match_expire_and_are_reported_when_unmatched() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, v) = scan_json(&[FIXTURE]);
    assert_eq!(o.status.code(), Some(1), "the fixture fails");
    let d = &v["documents"][0];
    assert_eq!(d["verdict"], "fail");
    let fps = failing(d);
    assert!(!fps.is_empty());

    // Every failing finding waived, plus a waiver for nothing and an expired one.
    let mut text = String::new();
    for fp in &fps {
        text.push_str(&waiver(
            fp,
            "Existing stock, replaced under contract 2026-17",
            None,
        ));
    }
    text.push_str(&waiver(
        "0123456789abcdef0123456789abcdef",
        "An old document",
        None,
    ));
    text.push_str(&waiver(&fps[0], "Old acceptance", Some("2020-12-31")));
    let file = tmp.path().join("waivers.toml");
    std::fs::write(&file, &text).unwrap();
    let (o, v) = scan_json(&[FIXTURE, "--waivers", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "waived findings do not set the exit code: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let d = &v["documents"][0];
    assert_ne!(
        d["verdict"], "fail",
        "waived findings do not set the verdict"
    );
    for f in d["findings"].as_array().unwrap() {
        if fps.contains(&f["fingerprint"].as_str().unwrap().to_string()) {
            assert_eq!(
                f["waiver"]["reason"], "Existing stock, replaced under contract 2026-17",
                "the waived finding stays in the report, marked: {f}"
            );
            assert_eq!(f["waiver"]["reviewer"], "A. Reviewer");
            assert_eq!(f["waiver"]["date"], "2026-01-05");
        }
    }
    let rv = &v["summary"]["accepted_and_baseline"];
    assert_eq!(rv["waived"].as_u64().unwrap() as usize, fps.len());
    let unmatched = rv["unmatched_waivers"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(
        unmatched[0]["fingerprint"],
        "0123456789abcdef0123456789abcdef"
    );
    let expired = rv["expired_waivers"].as_array().unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["expires"], "2020-12-31");

    // The expired waiver alone accepts nothing.
    std::fs::write(&file, waiver(&fps[0], "Old acceptance", Some("2020-12-31"))).unwrap();
    let (o, v) = scan_json(&[FIXTURE, "--waivers", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an expired waiver accepts nothing"
    );
    assert_eq!(v["documents"][0]["verdict"], "fail");
    assert!(v["documents"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("waiver").is_none()));

    // The text report says so, in words.
    std::fs::write(&file, &text).unwrap();
    let o = run(&[
        "scan",
        FIXTURE,
        "-q",
        "--no-cache",
        "--no-color",
        "--waivers",
        file.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("accepted by A. Reviewer on 2026-01-05"),
        "{out}"
    );
    assert!(
        out.contains("waiver matching no finding 0123456789abcdef0123456789abcdef"),
        "{out}"
    );
    assert!(out.contains("expired waiver"), "{out}");
}

#[test]
fn the_waivers_file_of_the_current_folder_is_read_and_a_bad_one_stops_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, v) = scan_json(&[FIXTURE]);
    let fps = failing(&v["documents"][0]);
    let text: String = fps.iter().map(|fp| waiver(fp, "Accepted", None)).collect();
    std::fs::write(tmp.path().join("tenderscan-waivers.toml"), text).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let o = bin()
        .current_dir(tmp.path())
        .args(["scan", "-q", "--no-cache", "--format", "json"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        json_of(&o)["summary"]["accepted_and_baseline"]["waived"]
            .as_u64()
            .unwrap() as usize,
        fps.len()
    );
    std::fs::write(
        tmp.path().join("tenderscan-waivers.toml"),
        "[[waiver]]\nfingerprint = \"x\"\nreason = \"\"\nreviewer = \"r\"\ndate = 2026-01-01\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(tmp.path())
        .args(["scan", "-q", "--no-cache"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "a waiver without a reason is refused"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("reason is empty"));
}

#[test]
fn baselines_mark_new_unchanged_and_gone_and_only_new_findings_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    std::fs::create_dir(&dir).unwrap();
    let a = dir.join("a.txt");
    std::fs::copy(FIXTURE, &a).unwrap();
    let base = tmp.path().join("base.json");
    let o = run(&[
        "scan",
        dir.to_str().unwrap(),
        "-q",
        "--no-cache",
        "--format",
        "json",
        "-o",
        base.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let base_v: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let n_a = doc(&base_v, "a.txt")["findings"].as_array().unwrap().len();
    assert!(n_a > 0);

    // Nothing changed: every finding unchanged, exit 0 although the document still fails.
    let (o, v) = scan_json(&[dir.to_str().unwrap(), "--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "no new finding: exit 0");
    assert_eq!(
        doc(&v, "a.txt")["verdict"],
        "fail",
        "the verdict is unchanged"
    );
    for f in doc(&v, "a.txt")["findings"].as_array().unwrap() {
        assert_eq!(f["baseline_state"], "unchanged");
    }
    let b = &v["summary"]["accepted_and_baseline"]["baseline"];
    assert_eq!(b["unchanged"].as_u64().unwrap() as usize, n_a);
    assert_eq!(b["new"], 0);
    assert_eq!(b["gone"].as_array().unwrap().len(), 0);

    // A new document with a violation: its findings are new and fail the run.
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    text.push_str("\n附件二：第二批设备。\n");
    std::fs::write(dir.join("b.txt"), &text).unwrap();
    let (o, v) = scan_json(&[dir.to_str().unwrap(), "--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a new violation fails the run");
    assert!(doc(&v, "b.txt")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["baseline_state"] == "new"));
    assert!(doc(&v, "a.txt")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["baseline_state"] == "unchanged"));

    // The same with a JSON Lines baseline.
    let o = run(&[
        "scan",
        dir.to_str().unwrap(),
        "-q",
        "--no-cache",
        "--format",
        "jsonl",
    ]);
    let base_l = tmp.path().join("base.jsonl");
    std::fs::write(&base_l, &o.stdout).unwrap();
    let (o, _) = scan_json(&[
        dir.to_str().unwrap(),
        "--baseline",
        base_l.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "JSON Lines baseline: nothing new");

    // a.txt is removed: its findings are gone.
    std::fs::remove_file(&a).unwrap();
    let (o, v) = scan_json(&[dir.to_str().unwrap(), "--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "b.txt is still new");
    let gone = v["summary"]["accepted_and_baseline"]["baseline"]["gone"]
        .as_array()
        .unwrap();
    assert_eq!(gone.len(), n_a);
    assert!(gone
        .iter()
        .all(|g| g["path"].as_str().unwrap().ends_with("a.txt")));

    // A baseline written before fingerprints existed matches by place.
    std::fs::copy(FIXTURE, &a).unwrap();
    let mut old = base_v.clone();
    for d in old["documents"].as_array_mut().unwrap() {
        d.as_object_mut().unwrap().remove("content_hash");
        for f in d["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("fingerprint");
        }
    }
    std::fs::remove_file(dir.join("b.txt")).unwrap();
    let old_file = tmp.path().join("old.json");
    std::fs::write(&old_file, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let (o, _) = scan_json(&[
        dir.to_str().unwrap(),
        "--baseline",
        old_file.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "matched by path, rule, entity and clause"
    );

    // Not a report: a clear error.
    std::fs::write(tmp.path().join("bad.json"), "{\"hello\": 1}\n").unwrap();
    let o = run(&[
        "scan",
        dir.to_str().unwrap(),
        "-q",
        "--baseline",
        tmp.path().join("bad.json").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--baseline"));
}

#[test]
fn sarif_carries_suppressions_and_baseline_states() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(FIXTURE, dir.join("a.txt")).unwrap();
    let base = tmp.path().join("base.json");
    run(&[
        "scan",
        dir.to_str().unwrap(),
        "-q",
        "--no-cache",
        "--format",
        "json",
        "-o",
        base.to_str().unwrap(),
    ]);
    let base_v: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let fps = failing(&base_v["documents"][0]);
    let waivers = tmp.path().join("w.toml");
    std::fs::write(
        &waivers,
        waiver(&fps[0], "Checked by legal", Some("2099-01-01")),
    )
    .unwrap();
    // A second document, and a gone finding: the baseline says a third document had one.
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    text.push_str("\n另附：备品。\n");
    std::fs::write(dir.join("b.txt"), text).unwrap();
    let o = run(&[
        "scan",
        dir.to_str().unwrap(),
        "-q",
        "--no-cache",
        "--format",
        "sarif",
        "--waivers",
        waivers.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
    ]);
    let sarif: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert_eq!(suppressed[0]["suppressions"][0]["status"], "accepted");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "Checked by legal"
    );
    assert_eq!(
        suppressed[0]["partialFingerprints"]["tenderscan/v1"],
        fps[0].as_str()
    );
    assert!(results.iter().any(|r| r["baselineState"] == "new"));
    assert!(results.iter().any(|r| r["baselineState"] == "unchanged"));

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

#[test]
fn xlsx_reads_back_cell_by_cell() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let tmp = tempfile::tempdir().unwrap();
    let contract = tmp.path().join("clause.txt");
    std::fs::write(
        &contract,
        "Supply contract for the city network\n\n12.10 The contractor shall supply and install Huawei S5735 switches for the library.\n\n12.11 Payment within 30 days.\n",
    )
    .unwrap();
    let out = tmp.path().join("report.xlsx");
    let o = run(&[
        "scan",
        FIXTURE,
        contract.to_str().unwrap(),
        "-q",
        "--no-cache",
        "--format",
        "xlsx",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.code().is_some());
    let (_, v) = scan_json(&[FIXTURE, contract.to_str().unwrap()]);
    let mut wb: Xlsx<_> = open_workbook(&out).expect("the workbook opens");
    assert_eq!(
        wb.sheet_names(),
        vec!["Documents", "Findings", "Inventory", "Lists"]
    );
    let docs = wb.worksheet_range("Documents").unwrap();
    assert_eq!(docs.get((0, 0)), Some(&Data::String("Document".into())));
    assert_eq!(docs.height(), 3, "header and two documents");
    for (i, d) in v["documents"].as_array().unwrap().iter().enumerate() {
        let row = (i + 1) as u32;
        assert_eq!(
            docs.get_value((row, 0)),
            Some(&Data::String(d["path"].as_str().unwrap().into()))
        );
        assert_eq!(
            docs.get_value((row, 1)),
            Some(&Data::String(d["verdict"].as_str().unwrap().into()))
        );
    }
    let findings = wb.worksheet_range("Findings").unwrap();
    let header: Vec<String> = (0..findings.width() as u32)
        .map(|c| findings.get_value((0, c)).unwrap().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    let all: Vec<&Value> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap())
        .collect();
    assert_eq!(findings.height() - 1, all.len(), "one row per finding");
    for (i, f) in all.iter().enumerate() {
        let row = (i + 1) as u32;
        assert_eq!(
            findings.get_value((row, col("Fingerprint"))),
            Some(&Data::String(f["fingerprint"].as_str().unwrap().into()))
        );
        assert_eq!(
            findings.get_value((row, col("Matched text"))),
            Some(&Data::String(f["text"].as_str().unwrap().into()))
        );
        if let Some(c) = f["clause"].as_str() {
            assert_eq!(
                findings.get_value((row, col("Clause"))),
                Some(&Data::String(c.into())),
                "clause numbers are text"
            );
        }
        if let Some(p) = f["page"].as_u64() {
            assert_eq!(
                findings.get_value((row, col("Page"))),
                Some(&Data::Float(p as f64))
            );
        }
    }
    assert!(
        all.iter().any(|f| f["clause"] == "12.10"),
        "the contract's clause 12.10 is found: {all:#?}"
    );
    let lists = wb.worksheet_range("Lists").unwrap();
    assert!(lists.height() > 1, "the lists in force");
}
