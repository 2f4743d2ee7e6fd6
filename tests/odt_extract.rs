//! ODT extraction through the public API: fixtures converted by LibreOffice (`fixtures/odt/*.odt`,
//! `fixtures/contracts/*.odt`), their hand-written flat sources (`fixtures/odt/*.fodt`), and small
//! packages built here for the error paths.
//!
//! The expected clause numbers are what LibreOffice itself prints for the same files
//! (`soffice --convert-to "txt:Text (encoded):UTF8"`), see `fixtures/README.md`.

use std::io::{Cursor, Write};

use tenderscan::document::{Block, BlockKind, CellRef, Document, Format};
use tenderscan::extract::{extract, sniff, ExtractError, ExtractOptions, Sniffed};

fn path(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn try_doc(rel: &str) -> Result<Document, ExtractError> {
    let p = path(rel);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let ext = std::path::Path::new(&p)
        .extension()
        .and_then(|e| e.to_str());
    let kind = sniff(&bytes, ext);
    assert_eq!(kind, Sniffed::Odt, "{rel} sniffed as {kind:?}");
    extract(kind, &bytes, &ExtractOptions::default())
}

fn doc(rel: &str) -> Document {
    let d = try_doc(rel).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(d.format, Format::Odt);
    for (i, b) in d.blocks.iter().enumerate() {
        assert_eq!(b.location.paragraph as usize, i + 1);
        assert!(b.text.chars().any(|c| !c.is_whitespace()), "empty {b:?}");
    }
    d
}

fn block_with<'d>(d: &'d Document, needle: &str) -> &'d Block {
    d.blocks
        .iter()
        .find(|b| b.text.contains(needle))
        .unwrap_or_else(|| panic!("no block contains {needle:?}: {:#?}", d.blocks))
}

fn texts(d: &Document, kind: BlockKind) -> Vec<&str> {
    d.blocks
        .iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.text.as_str())
        .collect()
}

fn cell(table: u32, row: u32, col: u32) -> Option<CellRef> {
    Some(CellRef { table, row, col })
}

fn clauses(d: &Document) -> Vec<(&str, Option<&str>)> {
    d.blocks
        .iter()
        .map(|b| (b.text.as_str(), b.location.clause.as_deref()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Numbering

/// What LibreOffice prints for `fixtures/odt/clauses.odt` (its text export), block by block.
const CLAUSES: &[(&str, Option<&str>)] = &[
    ("網路設備採購契約", None),
    ("契約標的：網路交換器及監視攝影機。", Some("第一條")),
    ("交換器二十四台。", Some("一、")),
    ("攝影機四十支。", Some("二、")),
    ("含安裝。", Some("(1)")),
    ("廠商不得提供大陸廠牌資通訊產品。", Some("第二條")),
    ("中間說明段落。", None),
    // text:continue-numbering="true": the article count goes on.
    ("履約期限。", Some("第三條")),
    ("Scope of supply.", Some("1.")),
    ("Switches.", Some("1.1.")),
    ("Cameras.", Some("1.2.")),
    ("Mounting kits.", Some("1.2.1")),
    ("Sourcing.", Some("2.")),
    ("A second paragraph of the same item.", None),
    ("No PRC vendors.", Some("2.1.")),
    ("An unnumbered list header.", None),
    ("Restarted at seven.", Some("7.")),
    ("first lettered", Some("(a)")),
    ("new lettered list restarts", Some("(a)")),
];

#[test]
fn chinese_and_multilevel_clause_numbers() {
    let d = doc("fixtures/odt/clauses.odt");
    let got = clauses(&d);
    assert_eq!(&got[..CLAUSES.len()], CLAUSES);
    assert_eq!(d.blocks[0].kind, BlockKind::Heading);
    assert_eq!(d.blocks[1].kind, BlockKind::Paragraph);
    // LibreOffice dropped the xml:id that text:continue-list points at, so (like LibreOffice) the
    // list starts again.
    assert_eq!(
        &got[CLAUSES.len()..],
        &[
            ("continues listA", Some("(a)")),
            ("Roman from four.", Some("IV.")),
            ("Roman five.", Some("V.")),
        ]
    );
}

#[test]
fn flat_odt_source_gives_the_same_clauses() {
    let d = doc("fixtures/odt/clauses.fodt");
    let got = clauses(&d);
    assert_eq!(&got[..CLAUSES.len()], CLAUSES);
    // Here the list header is a real text:list-header and the xml:id is intact.
    assert_eq!(
        &got[CLAUSES.len()..],
        &[
            ("continues listA", Some("(b)")),
            ("Roman from four.", Some("IV.")),
            ("Roman five.", Some("V.")),
        ]
    );
}

#[test]
fn outline_numbered_headings() {
    let d = doc("fixtures/odt/features.odt");
    let h: Vec<_> = d
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Heading)
        .map(|b| (b.text.as_str(), b.location.clause.as_deref()))
        .collect();
    assert_eq!(h, vec![("Scope", Some("1.")), ("Spacing", Some("1.1"))]);
}

// ---------------------------------------------------------------------------------------------
// Story parts, tracked changes, tables

fn check_features(d: &Document) {
    // Tracked deletion: its own block after the paragraph it was cut from; the insertion is text.
    let p = block_with(d, "乙方應提供");
    assert_eq!(p.text, "乙方應提供Cisco C9200 交換器 4 台。");
    let del = block_with(d, "華為");
    assert_eq!(del.kind, BlockKind::Deleted);
    assert_eq!(del.text, "華為 S5735 交換器 4 台");
    assert_eq!(del.location.paragraph, p.location.paragraph + 1);
    assert!(!texts(d, BlockKind::Deleted)
        .iter()
        .any(|t| t.contains("Reviewer")));

    // text:s with text:c, text:tab, text:line-break, collapsed white space, soft page break.
    assert_eq!(
        block_with(d, "collapsed").text,
        "A   B\tC\nD collapsed spaces end"
    );

    // Notes and annotations are their own blocks, not inline in the body text.
    let body = block_with(d, "Visible");
    assert_eq!(body.text, "Visible secret Hikvision tail after note.");
    assert!(!body.hidden, "only part of the paragraph is hidden");
    assert_eq!(
        texts(d, BlockKind::Footnote),
        vec!["Footnote: see FAR 52.204-25."]
    );
    assert_eq!(texts(d, BlockKind::Endnote), vec!["Endnote text."]);
    assert_eq!(
        texts(d, BlockKind::Comment),
        vec!["Comment: check the ZTE clause."]
    );
    assert_eq!(block_with(d, "Endnote anchor").text, "Endnote anchor.");

    // Hidden character style over a whole paragraph.
    let hidden = block_with(d, "naming Dahua");
    assert!(hidden.hidden);

    // Frame text box after the paragraph that anchors it.
    let tb = block_with(d, "小米");
    assert_eq!(tb.kind, BlockKind::TextBox);
    assert_eq!(
        tb.location.paragraph,
        block_with(d, "Frame anchor").location.paragraph + 1
    );

    // Table: spanned header, covered cell, repeated empty cells, a nested table.
    let at = |t: &str| {
        d.blocks
            .iter()
            .find(|b| b.text.starts_with(t) && b.location.cell.is_some())
            .unwrap_or_else(|| panic!("no cell starts with {t:?}"))
            .location
            .cell
    };
    assert_eq!(at("Item"), cell(0, 0, 0));
    assert_eq!(at("Brand and model"), cell(0, 0, 1));
    assert_eq!(at("Qty"), cell(0, 0, 3));
    assert_eq!(at("Hikvision"), cell(0, 1, 1));
    assert_eq!(block_with(d, "DS-2CD").text, "DS-2CD2143G2-I\nsecond line");
    assert_eq!(at("DS-2CD"), cell(0, 1, 2));
    assert_eq!(at("40"), cell(0, 1, 3));
    assert_eq!(at("after nested"), cell(0, 2, 2));
    assert_eq!(block_with(d, "after nested").text, "after nested");
    let nested = d.blocks.iter().find(|b| b.text == "nested").unwrap();
    assert_eq!(nested.location.cell, cell(1, 0, 0));
    assert_eq!(at("spare"), cell(0, 2, 3));
    assert!(d
        .blocks
        .iter()
        .filter(|b| b.location.cell.is_some())
        .all(|b| b.kind == BlockKind::TableCell));

    // Headers and footers from the master page (including left and first-page variants), after
    // the body; then footnotes, endnotes, comments.
    assert_eq!(
        texts(d, BlockKind::Header),
        vec![
            "Tender No. 2026-17 Header",
            "Left header text",
            "First page header"
        ]
    );
    assert_eq!(
        texts(d, BlockKind::Footer),
        vec!["Page footer: confidential"]
    );
    let kinds: Vec<BlockKind> = d.blocks.iter().map(|b| b.kind).collect();
    let pos = |k: BlockKind| kinds.iter().position(|x| *x == k).unwrap();
    assert!(pos(BlockKind::Header) > block_with(d, "The end.").location.paragraph as usize - 1);
    assert!(pos(BlockKind::Header) < pos(BlockKind::Footnote));
    assert!(pos(BlockKind::Footnote) < pos(BlockKind::Endnote));
    assert!(pos(BlockKind::Endnote) < pos(BlockKind::Comment));
    assert_eq!(kinds.last(), Some(&BlockKind::Comment));
}

#[test]
fn features_converted_by_libreoffice() {
    check_features(&doc("fixtures/odt/features.odt"));
}

#[test]
fn features_flat_source() {
    let d = doc("fixtures/odt/features.fodt");
    check_features(&d);
    // A text:hidden-text field (LibreOffice drops it when it converts) and a text:hidden-paragraph.
    let f = block_with(&d, "Field hidden");
    assert_eq!(f.text, "Field hidden: conditional Hyteradone");
    assert!(f.hidden);
}

#[test]
fn tracked_deletion_naming_huawei() {
    let d = doc("fixtures/contracts/zh_tracked_deletion.odt");
    let del = block_with(&d, "華為");
    assert_eq!(del.kind, BlockKind::Deleted);
    assert_eq!(del.text, "華為 S5735-L24T4S-A");
    assert_eq!(del.location.clause.as_deref(), Some("第一條"));
    let p = block_with(&d, "乙方應提供");
    assert_eq!(
        p.text,
        "本案採購網路交換器，乙方應提供Cisco C9200L-24T-4G 交換器 4 台，並負責安裝及設定。"
    );
    assert_eq!(p.location.clause.as_deref(), Some("第一條"));
    assert_eq!(
        block_with(&d, "原產地不得為大陸地區")
            .location
            .clause
            .as_deref(),
        Some("第二條")
    );
}

#[test]
fn converted_contract_keeps_table_cells() {
    let d = doc("fixtures/contracts/zh_boq_violation.odt");
    let hik = block_with(&d, "海康威視");
    assert_eq!(hik.kind, BlockKind::TableCell);
    assert_eq!(hik.location.cell, cell(0, 1, 2));
    assert_eq!(block_with(&d, "S5735").location.cell, cell(0, 2, 3));
    assert!(block_with(&d, "不得提供及使用大陸廠牌資通訊產品")
        .location
        .cell
        .is_none());
    // The same document as DOCX gives the same text, block for block.
    let bytes = std::fs::read(path("fixtures/contracts/zh_boq_violation.docx")).unwrap();
    let docx = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    let strip = |d: &Document| -> Vec<(String, Option<CellRef>)> {
        d.blocks
            .iter()
            .map(|b| (b.text.split_whitespace().collect(), b.location.cell))
            .collect()
    };
    assert_eq!(strip(&d), strip(&docx));
}

// ---------------------------------------------------------------------------------------------
// Sniffing, templates, errors, limits

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0""#;

fn build_odt(mimetype: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zw.start_file("mimetype", stored).unwrap();
    zw.write_all(mimetype.as_bytes()).unwrap();
    for (name, data) in parts {
        zw.start_file(*name, deflated).unwrap();
        zw.write_all(data.as_bytes()).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

fn content(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    )
}

#[test]
fn template_and_flat_forms_are_sniffed() {
    let c = content("<text:p>template text</text:p>");
    let ott = build_odt(
        "application/vnd.oasis.opendocument.text-template",
        &[("content.xml", &c)],
    );
    assert_eq!(sniff(&ott, Some("ott")), Sniffed::Odt);
    assert_eq!(sniff(&ott, None), Sniffed::Odt);
    let d = extract(Sniffed::Odt, &ott, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text, "template text");
    // A spreadsheet is an OpenDocument zip too, but not a text: it is read as a spreadsheet, and
    // an OpenDocument kind tenderscan does not read (a presentation) is unsupported.
    let ods = build_odt(
        "application/vnd.oasis.opendocument.spreadsheet",
        &[("content.xml", &c)],
    );
    assert!(matches!(sniff(&ods, None), Sniffed::Sheet(_)));
    let odp = build_odt(
        "application/vnd.oasis.opendocument.presentation",
        &[("content.xml", &c)],
    );
    assert_eq!(sniff(&odp, None), Sniffed::OtherZip);
    let e = extract(Sniffed::OtherZip, &odp, &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "unsupported");
    let flat = std::fs::read(path("fixtures/odt/clauses.fodt")).unwrap();
    assert_eq!(sniff(&flat, None), Sniffed::Odt);
    // LibreOffice writes the root's office:mimetype after some 2 KB of namespace declarations.
    let text = String::from_utf8(flat).unwrap();
    let many: String = (0..80)
        .map(|i| format!(r#" xmlns:ns{i}="urn:example:namespace:number:{i}""#))
        .collect();
    let long = text.replacen("<office:document ", &format!("<office:document{many} "), 1);
    assert!(long.find("office:mimetype").unwrap() > 2048);
    assert_eq!(sniff(long.as_bytes(), None), Sniffed::Odt);
    let d = extract(Sniffed::Odt, long.as_bytes(), &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[1].location.clause.as_deref(), Some("第一條"));
}

#[test]
fn missing_content_and_garbage_are_malformed() {
    let no_content = build_odt("application/vnd.oasis.opendocument.text", &[]);
    let e = extract(Sniffed::Odt, &no_content, &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "malformed");
    assert!(e.to_string().contains("content.xml"), "{e}");
    let good = std::fs::read(path("fixtures/odt/features.odt")).unwrap();
    for bytes in [
        &good[..good.len() / 2],
        &good[..40],
        b"PK\x03\x04 not a zip at all".as_slice(),
        b"<?xml version=\"1.0\"?><office:document",
    ] {
        match extract(Sniffed::Odt, bytes, &ExtractOptions::default()) {
            Err(e) => assert!(["malformed", "limit"].contains(&e.class()), "{e}"),
            Ok(d) => assert!(d.blocks.is_empty() || !d.warnings.is_empty()),
        }
    }
}

#[test]
fn broken_xml_keeps_text_before_the_damage() {
    let c = content("<text:p>kept paragraph</text:p><text:p>cut <text:span>here")
        .replace("</office:text></office:body></office:document-content>", "");
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text, "kept paragraph");
    assert_eq!(d.blocks[1].text, "cut here");
    assert!(
        d.warnings.iter().any(|w| w.contains("XML error")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn doctype_entities_are_never_expanded() {
    let c = format!(
        r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><office:document-content {NS}><office:body><office:text><text:p>k&b;&x;v &lt;ok&gt;</text:p></office:text></office:body></office:document-content>"#
    );
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text, "kv <ok>");
    assert!(d.warnings.iter().any(|w| w.contains("DOCTYPE")));
}

#[test]
fn encrypted_package_is_encrypted() {
    let manifest = r#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>"#;
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[
            ("content.xml", "\u{1}\u{2}binary"),
            ("META-INF/manifest.xml", manifest),
        ],
    );
    let e = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "encrypted");
}

#[test]
fn limits() {
    let bytes = std::fs::read(path("fixtures/contracts/en_network_compliant.odt")).unwrap();
    // A per-part limit truncates parts with a warning; text before the cut is kept.
    let opts = ExtractOptions {
        max_stream_bytes: 12_000,
        ..ExtractOptions::default()
    };
    let d = extract(Sniffed::Odt, &bytes, &opts).unwrap();
    assert!(
        d.warnings.iter().any(|w| w.contains("limit")),
        "{:?}",
        d.warnings
    );
    // A total budget spent before content.xml is a limit error.
    let opts = ExtractOptions {
        max_total_bytes: 10,
        ..ExtractOptions::default()
    };
    let e = extract(Sniffed::Odt, &bytes, &opts).unwrap_err();
    assert_eq!(e.class(), "limit");
}

#[test]
fn huge_space_count_is_bounded() {
    let c = content(r#"<text:p>a<text:s text:c="999999999"/>b</text:p>"#);
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text.len(), 10_002);
}

#[test]
fn truncated_and_corrupted_inputs_never_panic() {
    let opts = ExtractOptions::default();
    for rel in ["fixtures/odt/features.fodt", "fixtures/odt/clauses.fodt"] {
        let bytes = std::fs::read(path(rel)).unwrap();
        for cut in (0..bytes.len()).step_by(37) {
            let _ = extract(Sniffed::Odt, &bytes[..cut], &opts);
        }
        // Flip bytes inside the XML: errors or partial text, never a panic.
        for i in (0..bytes.len()).step_by(53) {
            let mut b = bytes.clone();
            b[i] ^= 0x5A;
            let _ = extract(Sniffed::Odt, &b, &opts);
        }
    }
    // The same for content.xml inside a package.
    let fodt = std::fs::read_to_string(path("fixtures/odt/features.fodt")).unwrap();
    for cut in (0..fodt.len()).step_by(211) {
        if !fodt.is_char_boundary(cut) {
            continue;
        }
        let bytes = build_odt(
            "application/vnd.oasis.opendocument.text",
            &[("content.xml", &fodt[..cut])],
        );
        let _ = extract(Sniffed::Odt, &bytes, &opts);
    }
}

#[test]
fn heading_number_snapshot_wins_and_is_not_text() {
    let c = content(
        r#"<text:h text:outline-level="2"><text:number>7.3</text:number>Delivery</text:h><text:h text:outline-level="1" text:is-list-header="true">Annex</text:h>"#,
    );
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(
        clauses(&d),
        vec![("Delivery", Some("7.3")), ("Annex", None)]
    );
    assert!(d.blocks.iter().all(|b| b.kind == BlockKind::Heading));
}

#[test]
fn same_header_on_several_master_pages_is_one_block() {
    let styles = format!(
        r#"<?xml version="1.0"?><office:document-styles {NS}><office:master-styles><style:master-page style:name="Standard"><style:header><text:p>Tender 17 header</text:p></style:header><style:footer><text:p>Footer A</text:p></style:footer></style:master-page><style:master-page style:name="Converted1"><style:header><text:p>Tender 17 header</text:p></style:header><style:footer><text:p>Footer B</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#
    );
    let c = content("<text:p>body</text:p>");
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("styles.xml", &styles), ("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["body"]);
    assert_eq!(texts(&d, BlockKind::Header), vec!["Tender 17 header"]);
    assert_eq!(texts(&d, BlockKind::Footer), vec!["Footer A", "Footer B"]);
}

#[test]
fn non_breaking_hyphen_is_a_hyphen() {
    let c = content("<text:p>Hikvision DS\u{2011}2CD2143G2\u{2011}I</text:p>");
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text, "Hikvision DS-2CD2143G2-I");
}

#[test]
fn deleted_list_does_not_number_or_get_continued() {
    let c = format!(
        r#"<?xml version="1.0"?><office:document-content {NS}><office:automatic-styles><text:list-style style:name="L1"><text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."/></text:list-style></office:automatic-styles><office:body><office:text><text:tracked-changes><text:changed-region text:id="d1"><text:deletion><text:list text:style-name="L1"><text:list-item><text:p>deleted item naming ZTE</text:p></text:list-item></text:list></text:deletion></text:changed-region></text:tracked-changes><text:list text:style-name="L1"><text:list-item><text:p>one</text:p></text:list-item></text:list><text:p>between<text:change text:change-id="d1"/></text:p><text:list text:style-name="L1" text:continue-numbering="true"><text:list-item><text:p>two</text:p></text:list-item></text:list></office:text></office:body></office:document-content>"#
    );
    let bytes = build_odt(
        "application/vnd.oasis.opendocument.text",
        &[("content.xml", &c)],
    );
    let d = extract(Sniffed::Odt, &bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(
        clauses(&d),
        vec![
            ("one", Some("1.")),
            ("between", None),
            ("deleted item naming ZTE", None),
            ("two", Some("2."))
        ]
    );
    assert_eq!(d.blocks[2].kind, BlockKind::Deleted);
}
