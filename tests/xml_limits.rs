//! The DOCX and ODT readers honour `max_depth` (XML nesting), `max_objects` (zip entries) and the
//! cooperative `deadline`, on small packages built here.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use tenderscan::document::Document;
use tenderscan::extract::{docx, odt, ExtractError, ExtractOptions};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let o = zip::write::SimpleFileOptions::default().compression_method(method);
        zw.start_file(*name, o).unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

fn docx_with(body: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let xml = format!("<w:document xmlns:w=\"{W}\"><w:body>{body}</w:body></w:document>");
    let mut parts: Vec<(&str, &[u8])> = vec![("word/document.xml", xml.as_bytes())];
    for (n, d) in extra {
        parts.push((n, d));
    }
    zip(&parts)
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn odt_with(body: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let xml = format!(
        "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>\
         {body}</office:text></office:body></office:document-content>"
    );
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", xml.as_bytes()),
    ];
    for (n, d) in extra {
        parts.push((n, d));
    }
    zip(&parts)
}

fn text(d: &Document) -> String {
    d.blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn with_depth(max_depth: u32) -> ExtractOptions {
    ExtractOptions {
        max_depth,
        ..Default::default()
    }
}

fn has_warning(d: &Document, needle: &str) -> bool {
    d.warnings.iter().any(|w| w.contains(needle))
}

// ---------------------------------------------------------------------------------------------
// max_depth

/// A paragraph at the top, then one wrapped in 100 content controls (300 levels deeper).
fn deep_docx() -> Vec<u8> {
    let open = "<w:sdt><w:sdtContent>".repeat(100);
    let close = "</w:sdtContent></w:sdt>".repeat(100);
    docx_with(
        &format!(
            "{}{open}{}{close}{}",
            para("Shallow clause: supply 20 Hikvision cameras."),
            para("Deep clause: supply 30 Dahua recorders."),
            para("Closing clause after the deep part.")
        ),
        &[],
    )
}

#[test]
fn docx_skips_content_nested_past_max_depth() {
    let doc = docx::extract(&deep_docx(), &with_depth(64)).unwrap();
    let t = text(&doc);
    assert!(t.contains("Shallow clause"), "{t}");
    assert!(t.contains("Closing clause after the deep part"), "{t}");
    assert!(!t.contains("Deep clause"), "{t}");
    assert!(
        has_warning(&doc, "nested deeper than 64 elements (--max-depth)"),
        "{:?}",
        doc.warnings
    );
    // A higher limit reads it, without the warning.
    let doc = docx::extract(&deep_docx(), &with_depth(1000)).unwrap();
    assert!(text(&doc).contains("Deep clause: supply 30 Dahua recorders."));
    assert!(!has_warning(&doc, "--max-depth"), "{:?}", doc.warnings);
}

#[test]
fn odt_skips_content_nested_past_max_depth() {
    let open = "<text:span>".repeat(100);
    let close = "</text:span>".repeat(100);
    let bytes = odt_with(
        &format!(
            "<text:p>Shallow clause: supply 20 Hikvision cameras.</text:p>\
             <text:p>Before {open}Deep clause: Dahua{close} after</text:p>\
             <text:p>Closing clause.</text:p>"
        ),
        &[],
    );
    let doc = odt::extract(&bytes, &with_depth(64)).unwrap();
    let t = text(&doc);
    assert!(
        t.contains("Shallow clause") && t.contains("Closing clause."),
        "{t}"
    );
    assert!(t.contains("Before") && t.contains("after"), "{t}");
    assert!(!t.contains("Deep clause"), "{t}");
    assert!(
        has_warning(&doc, "nested deeper than 64 elements"),
        "{:?}",
        doc.warnings
    );
    let doc = odt::extract(&bytes, &with_depth(1000)).unwrap();
    assert!(text(&doc).contains("Deep clause: Dahua"));
}

#[test]
fn a_million_nested_elements_cost_no_stack_and_little_time() {
    let n = 1_000_000;
    let xml = format!(
        "<w:document xmlns:w=\"{W}\"><w:body>{}{}{}</w:body></w:document>",
        para("Top clause."),
        "<w:sdt>".repeat(n),
        "</w:sdt>".repeat(n)
    );
    let bytes = zip(&[("word/document.xml", xml.as_bytes())]);
    let doc = docx::extract(&bytes, &with_depth(64)).unwrap();
    assert!(text(&doc).contains("Top clause."));
    assert!(has_warning(&doc, "--max-depth"), "{:?}", doc.warnings);
}

// ---------------------------------------------------------------------------------------------
// max_objects (zip entries)

fn filler(n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|i| (format!("customXml/item{i}.xml"), b"<x/>".to_vec()))
        .collect()
}

#[test]
fn docx_with_more_zip_entries_than_max_objects_is_refused() {
    let extra = filler(49);
    let extra: Vec<(&str, Vec<u8>)> = extra.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let bytes = docx_with(&para("Supply 20 Hikvision cameras."), &extra);
    let opts = ExtractOptions {
        max_objects: 10,
        ..Default::default()
    };
    match docx::extract(&bytes, &opts) {
        Err(ExtractError::LimitExceeded(m)) => {
            assert!(
                m.contains("50 entries") && m.contains("--max-objects"),
                "{m}"
            )
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    let opts = ExtractOptions {
        max_objects: 50,
        ..Default::default()
    };
    assert!(text(&docx::extract(&bytes, &opts).unwrap()).contains("Hikvision"));
}

#[test]
fn odt_with_more_zip_entries_than_max_objects_is_refused() {
    let extra = filler(48);
    let extra: Vec<(&str, Vec<u8>)> = extra.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let bytes = odt_with("<text:p>Supply 20 Hikvision cameras.</text:p>", &extra);
    let opts = ExtractOptions {
        max_objects: 10,
        ..Default::default()
    };
    let e = odt::extract(&bytes, &opts).unwrap_err();
    assert_eq!(e.class(), "limit", "{e}");
    assert!(e.to_string().contains("50 entries"), "{e}");
    let opts = ExtractOptions {
        max_objects: 50,
        ..Default::default()
    };
    assert!(text(&odt::extract(&bytes, &opts).unwrap()).contains("Hikvision"));
}

/// The entry count is read from the end-of-central-directory record before the directory is
/// parsed: a record announcing 65,000 entries is refused even though the directory is not there.
#[test]
fn announced_entry_count_is_checked_before_parsing() {
    let mut bytes = docx_with(&para("x"), &[]);
    let at = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("EOCD");
    bytes[at + 8..at + 12].copy_from_slice(&[0xE8, 0xFD, 0xE8, 0xFD]);
    let opts = ExtractOptions {
        max_objects: 1000,
        ..Default::default()
    };
    let e = docx::extract(&bytes, &opts).unwrap_err();
    assert!(e.to_string().contains("65000 entries"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// deadline

fn past() -> ExtractOptions {
    ExtractOptions {
        deadline: Some(Instant::now() - Duration::from_secs(1)),
        ..Default::default()
    }
}

#[test]
fn past_deadline_before_the_main_part_is_a_limit_error() {
    let bytes = docx_with(&para("Supply 20 Hikvision cameras."), &[]);
    let e = docx::extract(&bytes, &past()).unwrap_err();
    assert_eq!(e.class(), "limit");
    assert!(e.to_string().contains("time limit"), "{e}");
    let bytes = odt_with("<text:p>Supply 20 Hikvision cameras.</text:p>", &[]);
    let e = odt::extract(&bytes, &past()).unwrap_err();
    assert_eq!(e.class(), "limit");
    assert!(e.to_string().contains("time limit"), "{e}");
}

/// A long body read against a short deadline: whatever the machine's speed, the outcome is one
/// of "all read", "nothing read (limit error)", or "the beginning kept, the end missing, a
/// warning, and the footer part skipped"; across a range of deadlines the partial outcome occurs.
#[test]
fn deadline_mid_document_keeps_what_was_read() {
    let n = 150_000;
    let mut body = para("FIRST clause.");
    for i in 0..n {
        body.push_str(&para(&format!("filler {i}")));
    }
    body.push_str(&para("LAST clause."));
    let docx_bytes = docx_with(
        &body,
        &[
            (
                "word/_rels/document.xml.rels",
                br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>"#.to_vec(),
            ),
            (
                "word/footer1.xml",
                format!("<w:ftr xmlns:w=\"{W}\">{}</w:ftr>", para("FOOTER")).into_bytes(),
            ),
        ],
    );
    let mut odt_body = String::from("<text:p>FIRST clause.</text:p>");
    for i in 0..n {
        odt_body.push_str(&format!("<text:p>filler {i}</text:p>"));
    }
    odt_body.push_str("<text:p>LAST clause.</text:p>");
    let odt_bytes = odt_with(&odt_body, &[]);

    for (name, bytes, extract) in [
        (
            "docx",
            &docx_bytes,
            docx::extract as fn(&[u8], &ExtractOptions) -> Result<Document, ExtractError>,
        ),
        ("odt", &odt_bytes, odt::extract),
    ] {
        let mut partial = false;
        for ms in [5u64, 20, 60, 150, 400, 1000] {
            let opts = ExtractOptions {
                deadline: Some(Instant::now() + Duration::from_millis(ms)),
                ..Default::default()
            };
            match extract(bytes, &opts) {
                Err(e) => assert_eq!(e.class(), "limit", "{name}: {e}"),
                Ok(doc) => {
                    let t = text(&doc);
                    assert!(t.contains("FIRST clause."), "{name}");
                    if t.contains("LAST clause.") {
                        assert!(
                            !has_warning(&doc, "time limit"),
                            "{name}: {:?}",
                            doc.warnings
                        );
                        continue;
                    }
                    assert!(
                        has_warning(
                            &doc,
                            "the time limit for this document passed while reading"
                        ),
                        "{name}: {:?}",
                        doc.warnings
                    );
                    if name == "docx" {
                        assert!(
                            !t.contains("FOOTER"),
                            "{name}: footer read after the deadline"
                        );
                        assert!(
                            has_warning(&doc, "word/footer1.xml: skipped"),
                            "{name}: {:?}",
                            doc.warnings
                        );
                    }
                    partial = true;
                }
            }
        }
        assert!(partial, "{name}: no deadline cut the document short");
    }
}

// ---------------------------------------------------------------------------------------------
// text bounds (a zip bomb of one endless text run)

#[test]
fn one_endless_text_run_is_cut_with_a_warning() {
    let run = "0".repeat(3 << 20);
    let bytes = docx_with(
        &format!(
            "{}{}{}",
            para("Supply 20 Hikvision cameras."),
            para(&run),
            para("After.")
        ),
        &[],
    );
    let doc = docx::extract(&bytes, &ExtractOptions::default()).unwrap();
    let longest = doc.blocks.iter().map(|b| b.text.len()).max().unwrap();
    assert_eq!(longest, 1 << 20, "the run is cut at 1 MiB");
    assert!(text(&doc).contains("Hikvision") && text(&doc).contains("After."));
    assert!(
        has_warning(&doc, "1 paragraph(s) longer than"),
        "{:?}",
        doc.warnings
    );

    let bytes = odt_with(
        &format!("<text:p>Supply 20 Hikvision cameras.</text:p><text:p>{run}</text:p><text:p>After.</text:p>"),
        &[],
    );
    let doc = odt::extract(&bytes, &ExtractOptions::default()).unwrap();
    let longest = doc.blocks.iter().map(|b| b.text.len()).max().unwrap();
    assert_eq!(longest, 1 << 20);
    assert!(text(&doc).contains("After."));
    assert!(
        has_warning(&doc, "1 paragraph(s) longer than"),
        "{:?}",
        doc.warnings
    );
}
