//! Spreadsheets (XLSX, ODS, XLS, CSV): every fixture in `fixtures/sheets/` is scanned and compared
//! with `X.expected.toml` beside it: the verdict and the multiset of findings, with the sheet each
//! finding is on and the replacement inventory read from its row (quantity, unit price, amount,
//! currency). Missing and unexpected findings both fail. Every rendition of a stem (`.xlsx` made by
//! openpyxl, `.ods` and `.xls` converted from it by LibreOffice) must give the same findings.

use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use tenderscan::finding::{DocumentReport, Finding};
use tenderscan::judge::Judge;
use tenderscan::patterns::load;
use tenderscan::pipeline::{scan_one, Input, ScanOptions};

#[derive(Debug, Deserialize)]
struct Expected {
    verdict: String,
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize, Clone)]
struct ExpectedFinding {
    kind: String,
    entity: Option<String>,
    disposition: Option<String>,
    text: Option<String>,
    sheet: Option<String>,
    quantity: Option<f64>,
    unit_price: Option<f64>,
    amount: Option<f64>,
    currency: Option<String>,
}

fn matches(e: &ExpectedFinding, f: &Finding) -> bool {
    e.kind == f.kind.as_str()
        && e.entity == f.entity
        && e.disposition.as_deref() == f.disposition.map(|d| d.as_str())
        && e.text.as_ref().is_none_or(|t| *t == f.text)
        && e.sheet.as_ref().is_none_or(|s| Some(s) == f.sheet.as_ref())
        && e.quantity.is_none_or(|q| Some(q) == f.quantity)
        && e.unit_price.is_none_or(|q| Some(q) == f.unit_price)
        && e.amount.is_none_or(|q| Some(q) == f.amount)
        && e.currency
            .as_ref()
            .is_none_or(|c| Some(c) == f.currency.as_ref())
}

fn scan(path: &Path) -> DocumentReport {
    let judge = Judge::new(load::defaults().unwrap()).unwrap();
    scan_one(
        &Input::file(path.to_path_buf(), true),
        &judge,
        &ScanOptions::default(),
    )
}

fn sheets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("sheets")
}

#[test]
fn every_spreadsheet_fixture_gives_its_expected_findings() {
    let dir = sheets_dir();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut checked = 0;
    let mut problems = Vec::new();
    for p in &entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".expected.toml") else {
            continue;
        };
        let expected: Expected = toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let docs: Vec<PathBuf> = ["xlsx", "ods", "xls", "csv"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .filter(|p| p.exists())
            .collect();
        assert!(!docs.is_empty(), "no spreadsheet for {name}");
        for doc in docs {
            checked += 1;
            let r = scan(&doc);
            let shown = doc.file_name().unwrap().to_string_lossy().into_owned();
            if r.verdict.as_str() != expected.verdict {
                problems.push(format!(
                    "{shown}: verdict {} (expected {}), error {:?}",
                    r.verdict.as_str(),
                    expected.verdict,
                    r.error
                ));
            }
            let mut unmatched: Vec<&Finding> = r.findings.iter().collect();
            for e in &expected.finding {
                match unmatched.iter().position(|f| matches(e, f)) {
                    Some(i) => {
                        unmatched.remove(i);
                    }
                    None => problems.push(format!("{shown}: missing {e:?}")),
                }
            }
            for f in unmatched {
                problems.push(format!(
                    "{shown}: unexpected {} {:?} {:?} {:?} sheet {:?} qty {:?} price {:?}",
                    f.kind.as_str(),
                    f.entity,
                    f.disposition,
                    f.text,
                    f.sheet,
                    f.quantity,
                    f.unit_price
                ));
            }
        }
    }
    assert!(checked >= 7, "only {checked} spreadsheet renditions found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_inventory_of_a_workbook_is_totalled_like_a_docx_table() {
    let r = scan(&sheets_dir().join("zh_boq_hikvision.xlsx"));
    assert_eq!(r.format.as_deref(), Some("xlsx"));
    assert_eq!(r.document_kind.as_deref(), Some("bill-of-quantities"));
    assert_eq!(r.inventory.len(), 1, "{:?}", r.inventory);
    let t = &r.inventory[0];
    assert_eq!(
        (
            t.entity.as_str(),
            t.devices,
            t.amount,
            t.currency.as_deref(),
            t.rows
        ),
        ("hikvision", 40.0, Some(192000.0), Some("TWD"), 1)
    );
    // The finding sits in the table of the first sheet, data row 1 (the two header rows combined
    // into row 0, the title row above them a paragraph), brand/model column.
    let f = &r.findings[0];
    let pos = f.table.unwrap();
    assert_eq!((pos.table, pos.row, pos.col), (0, 1, 2));
    // The sheet is in the JSON only where there is one.
    let json = serde_json::to_value(f).unwrap();
    assert_eq!(json["sheet"], "價目表");
}

/// A minimal XLSX with the given sheet XML (inline strings).
fn xlsx_with_sheet(sheet_xml: &str) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default();
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml.to_string()),
    ];
    for (name, body) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

/// Two cells at the opposite corners of the largest sheet Excel allows are two cells, not a dense
/// range of 17 billion: the workbook is read in bounded memory and both cells are there.
#[test]
fn a_sparse_sheet_spanning_the_whole_grid_is_read_as_its_cells() {
    let cell = |r: &str, t: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#);
    let xml = format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1">{}{}</row><row r="1048576">{}</row></sheetData></worksheet>"#,
        cell("A1", "Item"),
        cell("B1", "Qty"),
        cell("XFD1048576", "Huawei S5735 switch")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.xlsx");
    std::fs::write(&path, xlsx_with_sheet(&xml)).unwrap();
    let r = scan(&path);
    assert_eq!(r.status.as_str(), "ok", "{:?}", r.error);
    assert_eq!(r.findings[0].entity.as_deref(), Some("huawei"));
    assert_eq!(r.findings[0].sheet.as_deref(), Some("Sheet1"));
    let pos = r.findings[0].table.unwrap();
    assert_eq!(pos.col, 16383);
}

#[test]
fn a_damaged_workbook_is_an_error_record() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("broken.xlsx", xlsx_with_sheet("<worksheet><sheetData><row")),
        ("truncated.xls", {
            let mut b = std::fs::read(sheets_dir().join("en_boq_dahua.xls")).unwrap();
            b.truncate(3000);
            b
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = scan(&path);
        assert!(
            r.status.as_str() == "error" || !r.warnings.is_empty(),
            "{name}: {:?} {:?}",
            r.status,
            r.warnings
        );
        if r.status.as_str() == "error" {
            assert_eq!(r.verdict.as_str(), "unreadable", "{name}");
            assert!(r.error_class.is_some(), "{name}");
        }
    }
}
