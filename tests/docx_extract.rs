//! DOCX extraction through the public API, against every file of the shared corpus
//! (`../shared/corpus/docx/`), the generated contracts with known text, and small fixtures built here.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use tenderscan::document::{Block, BlockKind, CellRef, Document};
use tenderscan::extract::{extract, sniff, ExtractError, ExtractOptions, Sniffed};

macro_rules! corpus {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/docx/", $name)
    };
}

macro_rules! generated {
    ($name:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/generated/",
            $name
        )
    };
}

fn try_extract_path(path: &str) -> Result<Document, ExtractError> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let ext = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str());
    let kind = sniff(&bytes, ext);
    extract(kind, &bytes, &ExtractOptions::default())
}

fn doc(path: &str) -> Document {
    try_extract_path(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn err(path: &str) -> ExtractError {
    match try_extract_path(path) {
        Ok(d) => panic!("{path}: expected an error, got {} blocks", d.blocks.len()),
        Err(e) => e,
    }
}

fn of_kind(d: &Document, kind: BlockKind) -> Vec<&Block> {
    d.blocks.iter().filter(|b| b.kind == kind).collect()
}

fn texts(d: &Document, kind: BlockKind) -> Vec<&str> {
    of_kind(d, kind)
        .into_iter()
        .map(|b| b.text.as_str())
        .collect()
}

/// All text of the given kinds, one block per line.
fn joined(d: &Document, kinds: &[BlockKind]) -> String {
    d.blocks
        .iter()
        .filter(|b| kinds.contains(&b.kind))
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Contract text: everything but comments and deletions.
fn live(d: &Document) -> String {
    use BlockKind::*;
    joined(
        d,
        &[
            Paragraph, Heading, TableCell, Header, Footer, Footnote, Endnote, TextBox,
        ],
    )
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

fn block_with<'d>(d: &'d Document, needle: &str) -> &'d Block {
    d.blocks
        .iter()
        .find(|b| b.text.contains(needle))
        .unwrap_or_else(|| panic!("no block contains {needle:?}"))
}

fn assert_paragraph_numbers(d: &Document) {
    for (i, b) in d.blocks.iter().enumerate() {
        assert_eq!(b.location.paragraph as usize, i + 1);
        assert_eq!(b.location.page, None);
        assert!(
            b.text.chars().any(|c| !c.is_whitespace()),
            "empty block {b:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Tracked changes

#[test]
fn comment_in_delete_in_insert() {
    let d = doc(corpus!("docx-rs__comment_in_delete_in_insert.docx"));
    assert!(texts(&d, BlockKind::Deleted)
        .iter()
        .any(|t| t.contains("HelloWorld")));
    assert!(!live(&d).contains("Hello"));
    assert_eq!(texts(&d, BlockKind::Comment), vec!["Hello Comment"]);
}

#[test]
fn delete_inside_insert_is_deleted() {
    let d = doc(corpus!("docx-rs__del_in_ins.docx"));
    assert!(live(&d).contains("Hello"));
    assert!(!live(&d).contains("DelText"));
    assert_eq!(texts(&d, BlockKind::Deleted), vec![" DelText "]);
}

#[test]
fn paragraph_property_change() {
    let d = doc(corpus!("docx-rs__paragraph_property_change.docx"));
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["秘密情報の象とす"]);
    assert_eq!(texts(&d, BlockKind::Deleted), vec!["対"]);
}

#[test]
fn pandoc_deletion() {
    let d = doc(corpus!("pandoc__track_changes_deletion.docx"));
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec!["This is a text with a deletion."]
    );
    let del = of_kind(&d, BlockKind::Deleted);
    assert_eq!(del.len(), 1);
    assert_eq!(del[0].text, "n excessively modified");
    // The deletion follows the paragraph it was cut from.
    assert_eq!(del[0].location.paragraph, 2);
}

#[test]
fn pandoc_insertion_is_text() {
    let d = doc(corpus!("pandoc__track_changes_insertion.docx"));
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec!["This is a text with two exciting insertions."]
    );
    assert!(of_kind(&d, BlockKind::Deleted).is_empty());
}

#[test]
fn pandoc_move() {
    let d = doc(corpus!("pandoc__track_changes_move.docx"));
    let moved = "Here is the text to be moved.";
    assert_eq!(count(&live(&d), moved), 1, "moveTo is text once");
    assert_eq!(
        texts(&d, BlockKind::Deleted),
        vec![moved],
        "moveFrom is a deletion"
    );
}

#[test]
fn poi_delins() {
    let d = doc(corpus!("poi__delins.docx"));
    let body = live(&d);
    assert!(body.contains("Apache Tika 0.3 has been released."));
    assert!(body.contains("A Nepalese name for Tilaka"));
    assert!(!body.contains("Tika Waylan"));
    assert!(texts(&d, BlockKind::Deleted)
        .iter()
        .any(|t| t.contains("Tika Waylan, a major character in the DragonLance series")));
    assert_paragraph_numbers(&d);
}

// ---------------------------------------------------------------------------------------------
// Fields, hyperlinks, content controls, hidden text

#[test]
fn instr_links_field_codes_not_text() {
    let d = doc(corpus!("docx-rs__instr_links.docx"));
    let body = live(&d);
    assert!(body.contains("Fooooooar"));
    assert!(body.contains("Bar"));
    assert!(!body.contains("HYPERLINK"));
    assert!(texts(&d, BlockKind::Deleted).contains(&"Hello World "));
}

#[test]
fn instr_text_hyperlink() {
    let d = doc(corpus!("pandoc__instrText_hyperlink.docx"));
    let body = live(&d);
    assert!(body.contains("David French Belding和Kevin J. Mitchell的Foundations of Analysis"));
    assert!(!body.contains("HYPERLINK"));
}

#[test]
fn empty_field() {
    let d = doc(corpus!("pandoc__empty_field.docx"));
    let body = live(&d);
    assert!(body.contains("Foundations of Analysis"));
    assert!(body.contains("Index:"));
    assert!(!body.contains(" XE "));
}

#[test]
fn hyperlink_fragments() {
    let d = doc(corpus!("python-docx__par-hlink-frags.docx"));
    let p = texts(&d, BlockKind::Paragraph);
    assert_eq!(p.len(), 9);
    assert_eq!(p[2], "Three with link to https://foo.com.");
    assert_eq!(p[5], "Six with link to https://foo.com?q=bar#the-bar.");
}

#[test]
fn sdt_in_table() {
    let d = doc(corpus!("pandoc__sdt_elements.docx"));
    let b = block_with(&d, "Body copy");
    assert_eq!(b.kind, BlockKind::TableCell);
    assert_eq!(
        b.location.cell,
        Some(CellRef {
            table: 0,
            row: 1,
            col: 1
        })
    );
    assert_eq!(
        block_with(&d, "col3Header").location.cell.map(|c| c.col),
        Some(2)
    );
}

#[test]
fn sdt_in_footnote() {
    let d = doc(corpus!("pandoc__sdt_in_footnote.docx"));
    assert!(texts(&d, BlockKind::Footnote)
        .iter()
        .any(|t| t.contains("Bitzios u. a.: Dissonance in the food traceability")));
}

#[test]
fn hidden_text_is_kept() {
    let d = doc(corpus!("docx-rs__hidden.docx"));
    let b = block_with(&d, "Hidden");
    assert_eq!(b.text, "Hello Hidden World");
    // Only part of the paragraph is hidden.
    assert!(!b.hidden);
}

#[test]
fn checkboxes() {
    let d = doc(corpus!("poi__checkboxes.docx"));
    let body = live(&d);
    assert!(body.contains("This is a small test for checkboxes"));
    assert!(body.contains("Test a checkbox within a textbox:"));
    assert!(!body.contains("FORMCHECKBOX"));
}

// ---------------------------------------------------------------------------------------------
// Text boxes

#[test]
fn textbox_docx_rs() {
    let d = doc(corpus!("docx-rs__textbox.docx"));
    assert_eq!(texts(&d, BlockKind::TextBox), vec!["Hello"]);
    assert_eq!(d.blocks.len(), 1, "Choice and Fallback are not both read");
}

#[test]
fn textbox_mammoth() {
    let d = doc(corpus!("mammoth__text-box.docx"));
    assert_eq!(texts(&d, BlockKind::TextBox), vec!["Datum plane"]);
    assert_eq!(count(&live(&d), "Datum plane"), 1);
}

#[test]
fn text_in_shapes() {
    let d = doc(corpus!("pandoc__text_in_shape_format.docx"));
    let tb = texts(&d, BlockKind::TextBox);
    assert!(tb.contains(&"Valter Kiisk"));
    assert!(tb.contains(&"Institute of Physics, University of Tartu"));
    assert!(tb.contains(&"Using Microsoft Word 2007/2010\nfor Writing Technical Documents"));
    assert_eq!(count(&live(&d), "Valter Kiisk"), 1);
}

// ---------------------------------------------------------------------------------------------
// Tables

#[test]
fn nested_tables() {
    let d = doc(corpus!("python-docx__blk-paras-and-tables.docx"));
    let outer = block_with(&d, "Text before");
    assert_eq!(outer.kind, BlockKind::TableCell);
    assert_eq!(outer.text, "Text before\nText after");
    let inner = block_with(&d, "Table");
    assert_eq!(inner.kind, BlockKind::TableCell);
    let (o, i) = (outer.location.cell.unwrap(), inner.location.cell.unwrap());
    assert_ne!(o.table, i.table, "a nested table has its own index");
    assert_eq!(i.table, o.table + 1);
    assert_eq!((i.row, i.col), (0, 0));
    assert_eq!(block_with(&d, "Between").location.cell.unwrap().row, 1);
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec![
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "Donec semper facilisis metus finibus malesuada."
        ]
    );
    // Header and footer tables.
    let left = block_with(&d, "Left-side");
    let right = block_with(&d, "Right-side");
    assert_eq!(left.kind, BlockKind::Header);
    assert_eq!(right.kind, BlockKind::Header);
    assert_eq!(left.location.cell.unwrap().col, 0);
    assert_eq!(right.location.cell.unwrap().col, 1);
    assert_eq!(block_with(&d, "Copyright").kind, BlockKind::Footer);
    assert_paragraph_numbers(&d);
}

#[test]
fn empty_tables() {
    let d = doc(corpus!("python-docx__tbl-having-tables.docx"));
    assert!(d.blocks.is_empty());
    assert!(!d.has_text());
}

#[test]
fn big_russian_table() {
    let d = doc(corpus!(
        "poi__bib-chernigovka.netdo.ru_download_docs_17459.docx"
    ));
    assert!(d.blocks.len() > 500);
    assert!(texts(&d, BlockKind::TextBox)
        .iter()
        .any(|t| t.contains("Календарь знаменательных и памятных дат на 2017 год.")));
    let b = block_with(&d, "Льва Ивановича Давыдычева");
    assert_eq!(
        b.location.cell,
        Some(CellRef {
            table: 0,
            row: 1,
            col: 1
        })
    );
    assert_paragraph_numbers(&d);
}

// ---------------------------------------------------------------------------------------------
// Headers, footers, notes, comments

#[test]
fn header_footer_unicode() {
    let d = doc(corpus!("poi__HeaderFooterUnicode.docx"));
    assert!(texts(&d, BlockKind::Header)
        .contains(&"This is a simple header, with a € euro symbol in it."));
    assert!(texts(&d, BlockKind::Footer).contains(&"The footer, with Molière, has Unicode in it."));
    // Headers and footers come after the body.
    let first_hf = d
        .blocks
        .iter()
        .position(|b| matches!(b.kind, BlockKind::Header | BlockKind::Footer))
        .unwrap();
    assert!(d.blocks[first_hf..]
        .iter()
        .all(|b| !matches!(b.kind, BlockKind::Paragraph | BlockKind::Heading)));
}

#[test]
fn python_docx_header_footer() {
    let d = doc(corpus!("python-docx__hdr-header-footer.docx"));
    assert_eq!(texts(&d, BlockKind::Header), vec!["Header for section-1"]);
    assert_eq!(texts(&d, BlockKind::Footer), vec!["Footer for section 1"]);
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec!["section with header", "section without header of its own."]
    );
}

#[test]
fn multiple_body_bug() {
    let d = doc(corpus!("poi__MultipleBodyBug.docx"));
    let p = texts(&d, BlockKind::Paragraph);
    assert_eq!(p.len(), 3);
    assert!(p[2].starts_with("START BODY 3"));
    assert_eq!(texts(&d, BlockKind::Footer), vec!["NML 2.1\t\tPage 1 of 1"]);
}

#[test]
fn footnotes() {
    let d = doc(corpus!("mammoth__footnotes.docx"));
    assert_eq!(
        texts(&d, BlockKind::Footnote),
        vec![" A tachyon walks into a bar.", " Fin."]
    );
    assert!(!texts(&d, BlockKind::Paragraph)
        .iter()
        .any(|t| t.contains("tachyon")));
}

#[test]
fn endnotes() {
    let d = doc(corpus!("mammoth__endnotes.docx"));
    assert_eq!(
        texts(&d, BlockKind::Endnote),
        vec![" A tachyon walks into a bar.", " Fin."]
    );
}

#[test]
fn comments() {
    let d = doc(corpus!("python-docx__comments-rich-para.docx"));
    let c = texts(&d, BlockKind::Comment);
    assert!(c.contains(&"Text with hyperlink https://google.com embedded."));
    assert!(c.contains(&"Paragraph with Heading 2 paragraph style."));
    assert_eq!(texts(&d, BlockKind::Paragraph)[0], "Document text");
    // Comments come last.
    assert_eq!(d.blocks.last().unwrap().kind, BlockKind::Comment);
}

// ---------------------------------------------------------------------------------------------
// Package variants and encodings

#[test]
fn strict_ooxml() {
    let d = doc(corpus!("mammoth__strict-format.docx"));
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["Test"]);
}

#[test]
fn utf8_bom() {
    let d = doc(corpus!("mammoth__utf8-bom.docx"));
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec!["This XML has a byte order mark."]
    );
}

#[test]
fn alternate_document_path() {
    let d = doc(corpus!("pandoc__alternate_document_path.docx"));
    assert_eq!(texts(&d, BlockKind::Heading), vec!["Test"]);
    assert!(live(&d).contains("This is italic, bold, underlined"));
}

#[test]
fn ns0_prefix() {
    let d = doc(corpus!("pandoc__ns0-reference.docx"));
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["ref"]);
}

#[test]
fn unicode_and_symbols() {
    let d = doc(corpus!("pandoc__unicode.docx"));
    assert!(d.blocks[0].text.starts_with("Hello, 世界. This costs €10."));
}

#[test]
fn ruby_base_only() {
    let d = doc(corpus!("poi__61470.docx"));
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["東京"]);
}

#[test]
fn toc_and_fullwidth_chapter_numbers() {
    let d = doc(corpus!("docx-rs__toc1.docx"));
    let h = of_kind(&d, BlockKind::Heading);
    let got: Vec<(&str, Option<&str>)> = h
        .iter()
        .map(|b| (b.text.as_str(), b.location.clause.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Hello", Some("第１章")),
            ("World", Some("第１節")),
            ("こんにちは", Some("第２章")),
            ("世界", Some("第１節")),
        ]
    );
}

#[test]
fn empty_document() {
    let d = doc(corpus!("mammoth__empty.docx"));
    assert!(d.blocks.is_empty());
    assert_eq!(d.pages, None);
}

#[test]
fn zero_length_parts() {
    let d = doc(corpus!("poi__zero-length.docx"));
    assert!(!d.has_text());
}

// ---------------------------------------------------------------------------------------------
// Hostile input

#[test]
fn external_entity_not_expanded() {
    let d = doc(corpus!("poi__ExternalEntityInText.docx"));
    assert_eq!(
        texts(&d, BlockKind::Paragraph),
        vec!["Here should not be the POI web site: \"\""]
    );
    assert!(!live(&d).contains("poi.apache.org"));
    assert!(d.warnings.iter().any(|w| w.contains("entity")));
}

#[test]
fn truncated_zip_is_malformed() {
    let e = err(corpus!("poi__truncated62886.docx"));
    assert_eq!(e.class(), "malformed");
    assert!(e.to_string().contains("docx"));
}

#[test]
fn fuzzed_zip_is_malformed() {
    let e = err(corpus!(
        "poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-4791943399604224.docx"
    ));
    assert_eq!(e.class(), "malformed");
}

#[test]
fn password_container_is_encrypted() {
    let path = corpus!("poi__bug53475-password-is-pass.docx");
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(sniff(&bytes, Some("docx")), Sniffed::Cfb);
    assert_eq!(
        tenderscan::extract::legacy::classify(&bytes).unwrap(),
        tenderscan::extract::legacy::CfbKind::EncryptedOoxml
    );
    let e = err(path);
    assert_eq!(e.class(), "encrypted");
    assert!(
        e.to_string().contains("password-protected Office document"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Legacy .doc (an OLE compound file like the encrypted container above, told apart by its directory)

const LEGACY_DOC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/contracts/en_removal.doc"
);

#[test]
fn legacy_doc_is_a_word_document_not_encrypted() {
    let bytes = std::fs::read(LEGACY_DOC).unwrap();
    assert_eq!(sniff(&bytes, Some("doc")), Sniffed::Cfb);
    assert_eq!(
        tenderscan::extract::legacy::classify(&bytes).unwrap(),
        tenderscan::extract::legacy::CfbKind::WordDocument { encrypted: false }
    );
}

#[test]
fn legacy_doc_is_read_through_libreoffice() {
    if tenderscan::extract::legacy::find_soffice().is_none() {
        eprintln!("skipping legacy_doc_is_read_through_libreoffice: soffice is not on PATH");
        return;
    }
    let d = doc(LEGACY_DOC);
    assert_eq!(d.format, tenderscan::document::Format::Doc);
    let b = block_with(&d, "existing Dahua recorders");
    assert_eq!(b.kind, BlockKind::Paragraph);
    assert!(
        b.text.starts_with("2.1 The Contractor shall remove"),
        "{b:?}"
    );
    assert!(d.warnings.iter().any(|w| w.contains("LibreOffice")));
    assert_paragraph_numbers(&d);
}

#[test]
fn legacy_conversions_run_in_parallel_and_time_out() {
    if tenderscan::extract::legacy::find_soffice().is_none() {
        eprintln!(
            "skipping legacy_conversions_run_in_parallel_and_time_out: soffice is not on PATH"
        );
        return;
    }
    let bytes = std::fs::read(LEGACY_DOC).unwrap();
    // Two conversions at once: each has its own LibreOffice profile, so neither waits for or
    // breaks the other.
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| extract(Sniffed::Cfb, &bytes, &ExtractOptions::default())))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results {
        let d = r.unwrap();
        assert!(d.blocks.iter().any(|b| b.text.contains("Dahua")));
    }
    // A conversion that takes longer than its timeout is killed and reported as a limit.
    let t = Instant::now();
    let e = tenderscan::extract::legacy::convert(&bytes, "doc", "docx", Duration::from_millis(1))
        .unwrap_err();
    assert_eq!(e.class(), "limit", "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn rtf_is_read_through_libreoffice() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/contracts/en_permissive.rtf"
    );
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(sniff(&bytes, None), Sniffed::Rtf);
    if tenderscan::extract::legacy::find_soffice().is_none() {
        eprintln!("skipping rtf_is_read_through_libreoffice: soffice is not on PATH");
        return;
    }
    let d = doc(path);
    assert_eq!(d.format, tenderscan::document::Format::Rtf);
    assert!(block_with(&d, "any country of origin").kind == BlockKind::Paragraph);
    assert_paragraph_numbers(&d);
}

#[test]
fn legacy_doc_without_libreoffice_says_what_to_install() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tenderscan"))
        .args(["extract", LEGACY_DOC])
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("install LibreOffice (Debian package libreoffice-writer-nogui)"),
        "{err}"
    );
}

#[test]
fn other_compound_file_is_unsupported() {
    // A minimal CFB holding one stream that is neither WordDocument, Workbook nor EncryptionInfo
    // (a legacy PowerPoint file, which tenderscan does not read).
    let compound = |stream: &str| {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream(stream)
            .unwrap()
            .write_all(b"not a word document")
            .unwrap();
        cf.flush().unwrap();
        cf.into_inner().into_inner()
    };
    // A Workbook stream is a legacy Excel file, read as a spreadsheet.
    assert!(matches!(
        sniff(&compound("/Workbook"), Some("xls")),
        Sniffed::Sheet(_)
    ));
    let bytes = compound("/PowerPoint Document");
    assert_eq!(sniff(&bytes, Some("ppt")), Sniffed::Cfb);
    let e = extract(Sniffed::Cfb, &bytes, &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "unsupported");
    assert!(e.to_string().contains("PowerPoint Document"), "{e}");
    // Truncated: a malformed container, not a panic.
    let e = extract(Sniffed::Cfb, &bytes[..600], &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "malformed");
}

#[test]
fn read_hang_finishes_quickly() {
    let t = Instant::now();
    let d = doc(corpus!("docx-rs__read_hang.docx"));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(texts(&d, BlockKind::Paragraph), vec!["aaaaaaaaaaaatest"]);
}

#[test]
fn garbage_is_malformed_not_panic() {
    let opts = ExtractOptions::default();
    for bytes in [
        &b""[..],
        b"PK\x03\x04",
        b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        b"not a zip at all",
    ] {
        let r = tenderscan::extract::docx::extract(bytes, &opts);
        assert_eq!(r.unwrap_err().class(), "malformed");
    }
    // Every prefix of a real file: an error or a document, never a panic.
    let bytes = std::fs::read(generated!("features.docx")).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        let _ = tenderscan::extract::docx::extract(&bytes[..cut], &opts);
    }
}

// ---------------------------------------------------------------------------------------------
// Generated documents with known text

fn collapse(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn check_generated(docx: &str, truth: &str, phrases: &str) {
    let d = doc(docx);
    let text = collapse(&d.plain_text());
    let phrases: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(phrases).unwrap()).unwrap();
    for p in &phrases {
        assert!(
            text.contains(&collapse(p)),
            "{docx}: phrase {p:?} not found"
        );
    }
    let truth = std::fs::read_to_string(truth).unwrap();
    for line in truth.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            text.contains(&collapse(line)),
            "{docx}: truth line {line:?} not found"
        );
    }
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_paragraph_numbers(&d);
}

#[test]
fn contract_en() {
    check_generated(
        generated!("contract_en.docx"),
        generated!("contract_en.truth.txt"),
        generated!("contract_en.phrases.json"),
    );
    let d = doc(generated!("contract_en.docx"));
    assert!(!of_kind(&d, BlockKind::Heading).is_empty());
    assert!(!of_kind(&d, BlockKind::TableCell).is_empty());
    assert!(texts(&d, BlockKind::Header)
        .iter()
        .any(|t| t.contains("Tender No. T-2026-041")));
}

#[test]
fn contract_en_big() {
    check_generated(
        generated!("contract_en_big.docx"),
        generated!("contract_en_big.truth.txt"),
        generated!("contract_en_big.phrases.json"),
    );
}

#[test]
fn contract_zh() {
    check_generated(
        generated!("contract_zh.docx"),
        generated!("contract_zh.truth.txt"),
        generated!("contract_zh.phrases.json"),
    );
    let d = doc(generated!("contract_zh.docx"));
    assert_eq!(
        block_with(&d, "定義及解釋").kind,
        BlockKind::Heading,
        "heading style"
    );
    let cell = block_with(&d, "紫外線消毒設備");
    assert_eq!(cell.kind, BlockKind::TableCell);
    assert_eq!(cell.location.cell.map(|c| (c.row, c.col)), Some((3, 1)));
    assert!(texts(&d, BlockKind::Header)
        .iter()
        .any(|t| t.contains("標案編號：TPE-2026-0415")));
}

#[test]
fn features() {
    let d = doc(generated!("features.docx"));
    let body = live(&d);
    for m in [
        "MK_PLAIN",
        "本契約MK_中文段落。",
        "MK_SPLIT word split across runs",
        "MK_INSERTED",
        "MK_FLDSIMPLE",
        "MK_FLDRESULT",
        "MK_HYPERLINK",
        "MK_SDT_INLINE",
        "MK_SDT_BLOCK",
        "MK_SMARTTAG",
        "MK_TAB\tafter\nMK_AFTERBR",
        "non-breakingMK_HYPH",
        "MK_LAST",
    ] {
        assert!(body.contains(m), "{m} missing");
    }
    assert!(!body.contains("MK_INSTR"), "field code is not text");
    assert!(!body.contains("MK_DELETED"));
    assert_eq!(texts(&d, BlockKind::Deleted), vec!["MK_DELETED"]);
    assert_eq!(count(&body, "MK_TEXTBOX"), 1);
    assert_eq!(texts(&d, BlockKind::TextBox), vec!["MK_TEXTBOX content"]);
    assert_eq!(texts(&d, BlockKind::Footnote), vec!["MK_FOOTNOTE_TEXT"]);
    assert_eq!(texts(&d, BlockKind::Endnote), vec!["MK_ENDNOTE_TEXT"]);
    assert!(texts(&d, BlockKind::Header)[0].starts_with("MK_HEADER"));
    assert!(texts(&d, BlockKind::Footer)[0].starts_with("MK_FOOTER"));
    let cell = |m: &str| block_with(&d, m).location.cell.unwrap();
    assert_eq!(
        cell("MK_CELL_A1"),
        CellRef {
            table: 0,
            row: 0,
            col: 0
        }
    );
    assert_eq!(
        cell("MK_CELL_B1"),
        CellRef {
            table: 0,
            row: 0,
            col: 1
        }
    );
    assert_eq!(
        cell("MK_CELL_A2"),
        CellRef {
            table: 0,
            row: 1,
            col: 0
        }
    );
    assert_eq!(
        cell("MK_NESTED_CELL"),
        CellRef {
            table: 1,
            row: 0,
            col: 0
        }
    );
    let clause = |m: &str| block_with(&d, m).location.clause.clone();
    assert_eq!(clause("MK_NUMBERED item 1").as_deref(), Some("Article 1."));
    assert_eq!(clause("MK_NUMBERED item 2").as_deref(), Some("Article 2."));
    assert_eq!(clause("MK_NUMSUB").as_deref(), Some("(a)"));
    assert_eq!(clause("MK_PLAIN"), None);
    assert_paragraph_numbers(&d);
}

// ---------------------------------------------------------------------------------------------
// Fixtures built here: numbering, hidden paragraphs, headings, limits

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn build_docx(document_body: &str, numbering: Option<&str>, styles: Option<&str>) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, data: &str| {
        zw.start_file(name, opts).unwrap();
        zw.write_all(data.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    if let Some(n) = numbering {
        rels.push_str(r#"<Relationship Id="rIdN" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>"#);
        put(
            "word/numbering.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{W_NS}">{n}</w:numbering>"#
            ),
        );
    }
    if let Some(s) = styles {
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#);
        put(
            "word/styles.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}">{s}</w:styles>"#
            ),
        );
    }
    rels.push_str("</Relationships>");
    put("word/_rels/document.xml.rels", &rels);
    put(
        "word/document.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{document_body}</w:body></w:document>"#
        ),
    );
    zw.finish().unwrap().into_inner()
}

fn numbered(text: &str, num_id: u32, ilvl: u32) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
    )
}

fn plain(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

fn clauses(d: &Document) -> Vec<(String, Option<String>)> {
    d.blocks
        .iter()
        .map(|b| (b.text.clone(), b.location.clause.clone()))
        .collect()
}

fn c(text: &str, clause: Option<&str>) -> (String, Option<String>) {
    (text.to_string(), clause.map(str::to_string))
}

#[test]
fn multilevel_decimal_numbering() {
    let numbering = r#"<w:abstractNum w:abstractNumId="0">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%3)"/></w:lvl>
        <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/><w:lvlText w:val="(%4)"/></w:lvl>
      </w:abstractNum>
      <w:abstractNum w:abstractNumId="1">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
      <w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="7"/></w:lvlOverride></w:num>"#;
    let body = [
        numbered("Definitions", 1, 0),
        numbered("Contract", 1, 1),
        numbered("Works", 1, 1),
        numbered("sub a", 1, 2),
        numbered("sub b", 1, 2),
        numbered("roman", 1, 3),
        plain("Unnumbered 12.3 literal"),
        numbered("Payment", 1, 0),
        numbered("Price", 1, 1),
        numbered("bullet item", 2, 0),
        numbered("Restarted", 3, 0),
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>numId zero</w:t></w:r></w:p>"#.to_string(),
    ]
    .concat();
    let bytes = build_docx(&body, Some(numbering), None);
    let d = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(
        clauses(&d),
        vec![
            c("Definitions", Some("1.")),
            c("Contract", Some("1.1")),
            c("Works", Some("1.2")),
            c("sub a", Some("(a)")),
            c("sub b", Some("(b)")),
            c("roman", Some("(i)")),
            c("Unnumbered 12.3 literal", None),
            c("Payment", Some("2.")),
            c("Price", Some("2.1")),
            c("bullet item", None),
            c("Restarted", Some("7.")),
            c("numId zero", None),
        ]
    );
}

#[test]
fn chinese_numbering_and_style_numbering() {
    let numbering = r#"<w:abstractNum w:abstractNumId="5">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="taiwaneseCountingThousand"/><w:lvlText w:val="第%1條"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="taiwaneseCountingThousand"/><w:lvlText w:val="%2、"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="（%3）"/></w:lvl>
      </w:abstractNum>
      <w:abstractNum w:abstractNumId="6">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="9"><w:abstractNumId w:val="5"/></w:num>
      <w:num w:numId="10"><w:abstractNumId w:val="6"/></w:num>"#;
    // A heading style carrying the numbering, as Word's "第X條" article styles do.
    let styles = r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
        <w:style w:type="paragraph" w:styleId="Article"><w:name w:val="Article"/><w:basedOn w:val="Heading1"/><w:pPr><w:numPr><w:numId w:val="9"/></w:numPr></w:pPr></w:style>
        <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>"#;
    let article = |t: &str| {
        format!(r#"<w:p><w:pPr><w:pStyle w:val="Article"/></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"#)
    };
    let mut body = String::new();
    body.push_str(&article("定義"));
    body.push_str(&numbered("名詞", 9, 1));
    body.push_str(&numbered("細目", 9, 2));
    body.push_str(&numbered("細目二", 9, 2));
    body.push_str(&article("契約價金"));
    for i in 0..9 {
        body.push_str(&article(&format!("條{i}")));
    }
    body.push_str(&plain("第十二條 literal number, no numPr"));
    body.push_str(&numbered("簡體一", 10, 0));
    body.push_str(&numbered("簡體二", 10, 0));
    let bytes = build_docx(&body, Some(numbering), Some(styles));
    let d = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    let got = clauses(&d);
    assert_eq!(got[0], c("定義", Some("第一條")));
    assert_eq!(got[1], c("名詞", Some("一、")));
    assert_eq!(got[2], c("細目", Some("（１）")));
    assert_eq!(got[3], c("細目二", Some("（２）")));
    assert_eq!(got[4], c("契約價金", Some("第二條")));
    assert_eq!(got[5], c("條0", Some("第三條")));
    assert_eq!(got[12], c("條7", Some("第十條")));
    assert_eq!(got[13], c("條8", Some("第十一條")));
    assert_eq!(got[14], c("第十二條 literal number, no numPr", None));
    assert_eq!(got[15], c("簡體一", Some("一、")));
    assert_eq!(got[16], c("簡體二", Some("二、")));
    assert_eq!(
        d.blocks[0].kind,
        BlockKind::Heading,
        "style based on Heading 1"
    );
    assert_eq!(d.blocks[1].kind, BlockKind::Paragraph);
}

#[test]
fn hidden_paragraph_and_outline_heading() {
    let body = concat!(
        r#"<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden vendor Huawei</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>Visible</w:t></w:r></w:p>"#,
        r#"<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Outline heading</w:t></w:r></w:p>"#,
        r#"<w:p><w:pPr><w:outlineLvl w:val="9"/></w:pPr><w:r><w:t>Body level</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:sym w:font="Symbol" w:char="F061"/><w:t xml:space="preserve"> &amp; &#x4E2D;</w:t></w:r></w:p>"#,
        r#"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>wide</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>third</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
    );
    let bytes = build_docx(body, None, None);
    let d = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    assert!(d.blocks[0].hidden);
    assert_eq!(d.blocks[0].text, "Hidden vendor Huawei");
    assert!(!d.blocks[1].hidden);
    assert_eq!(d.blocks[2].kind, BlockKind::Heading);
    assert_eq!(d.blocks[3].kind, BlockKind::Paragraph);
    assert_eq!(d.blocks[4].text, "α & 中");
    assert_eq!(block_with(&d, "third").location.cell.unwrap().col, 2);
}

#[test]
fn limits() {
    let bytes = std::fs::read(generated!("contract_en.docx")).unwrap();
    // A per-part limit truncates parts with a warning; text before the cut is kept.
    let opts = ExtractOptions {
        max_stream_bytes: 20_000,
        ..ExtractOptions::default()
    };
    let d = tenderscan::extract::docx::extract(&bytes, &opts).unwrap();
    assert!(d.warnings.iter().any(|w| w.contains("limit")));
    assert!(!d.blocks.is_empty());
    // A total budget spent before the main document is a limit error.
    let opts = ExtractOptions {
        max_total_bytes: 10,
        ..ExtractOptions::default()
    };
    let e = tenderscan::extract::docx::extract(&bytes, &opts).unwrap_err();
    assert_eq!(e.class(), "limit");
}

#[test]
fn every_corpus_file_is_covered() {
    let me = include_str!("docx_extract.rs");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/docx");
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            me.contains(&format!("corpus!(\"{name}\")")) || me.contains(&format!("\"{name}\"")),
            "{name} has no test"
        );
    }
}

#[test]
fn broken_xml_keeps_text_before_the_damage() {
    // Mismatched end tag after two good paragraphs.
    let body = concat!(
        r#"<w:p><w:r><w:t>first</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>second</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>third</w:t></w:x></w:p>"#,
    );
    let bytes = build_docx(body, None, None);
    let d = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(texts(&d, BlockKind::Paragraph)[..2], ["first", "second"]);
    assert!(d.warnings.iter().any(|w| w.contains("XML error")));
    // Nothing readable at all: a malformed document.
    let bytes = build_docx("<w:p></w:q>", None, None);
    let e = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap_err();
    assert_eq!(e.class(), "malformed");
}

#[test]
fn doctype_entities_are_never_expanded() {
    // A billion-laughs style internal entity and an external one: neither is expanded.
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zw.start_file("word/document.xml", opts).unwrap();
    zw.write_all(
        format!(
            r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>k&b;&x;v &lt;ok&gt;</w:t></w:r></w:p><w:p><w:altChunk/></w:p></w:body></w:document>"#
        )
        .as_bytes(),
    )
    .unwrap();
    let bytes = zw.finish().unwrap().into_inner();
    let d = tenderscan::extract::docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    assert_eq!(d.blocks[0].text, "kv <ok>");
    assert!(d.warnings.iter().any(|w| w.contains("DOCTYPE")));
    assert!(d.warnings.iter().any(|w| w.contains("altChunk")));
}
