//! A contract (and its file name) carrying terminal escapes, a bidi override, HTML and spreadsheet
//! formulas, through every output format: the text printer strips escapes and bidi controls, the
//! Markdown printer escapes, the HTML printer escapes, CSV neutralises formulas, JSON (and SARIF)
//! escape by the standard and keep the text exactly.

use std::path::{Path, PathBuf};

const CONTRACT: &str = "=cmd|' /C calc'!A0 Supply 40 Hikvision cameras <script>alert(1)</script> \
     \u{202e}fdp.exe \u{1b}[2J\u{1b}]0;pwned\u{7} tail.\n\n\
     =HYPERLINK(\"http://evil.test\",\"click\") Huawei switches, 4 units.\n";

/// A file name with an escape sequence, a bidi override, markup and a formula in it.
const NAME: &str = "=HYPERLINK(1) \u{1b}[31mred\u{1b}[0m \u{202e}<img src=x onerror=alert(1)>.txt";

mod common;
use common::run;

fn hostile_file(dir: &Path) -> PathBuf {
    let p = dir.join(NAME);
    std::fs::write(&p, CONTRACT).unwrap();
    p
}

fn scan(p: &Path, format: &str) -> String {
    let o = run(&[
        "scan",
        p.to_str().unwrap(),
        "--format",
        format,
        "--isolation",
        "thread",
        "--no-cache",
    ]);
    assert_eq!(o.status.code(), Some(1), "{format}: a violation fails");
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

fn assert_no_controls(format: &str, s: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(!s.contains(bad), "{format}: raw {bad:?} in output:\n{s}");
    }
}

#[test]
fn text_output_strips_escapes_and_bidi_from_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    let s = scan(&p, "text");
    assert_no_controls("text", &s);
    assert!(s.contains("Hikvision"), "{s}");
    // The file name's escape sequences are gone whole, not just their ESC byte.
    assert!(!s.contains("[31m") && !s.contains("[0m"), "{s}");
    assert!(s.contains("<script>alert(1)</script> fdp.exe"), "{s}");
    // The path is shown, on one line, without its escape and override.
    assert!(
        s.contains("=HYPERLINK(1) red <img src=x onerror=alert(1)>.txt"),
        "{s}"
    );
}

#[test]
fn markdown_output_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    let s = scan(&p, "markdown");
    assert_no_controls("markdown", &s);
    // Every `<` is escaped, so no markup from the document or its name reaches a renderer.
    let raw_lt = s
        .char_indices()
        .filter(|&(i, c)| c == '<' && !s[..i].ends_with('\\'))
        .count();
    assert_eq!(raw_lt, 0, "{s}");
    assert!(s.contains("\\<script\\>alert(1)\\</script\\>"), "{s}");
    // No cell breaks out of its table row: every findings row has the same number of cells.
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("us-ndaa-889")).collect();
    assert!(!rows.is_empty(), "{s}");
    for r in rows {
        let unescaped_pipes = r.matches('|').count() - r.matches("\\|").count();
        assert_eq!(unescaped_pipes, 9, "{r}");
    }
}

#[test]
fn html_output_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    let s = scan(&p, "html");
    assert_no_controls("html", &s);
    assert!(
        !s.contains("<script>alert(1)"),
        "document markup became live HTML"
    );
    assert!(!s.contains("<img src=x"), "a file name became live HTML");
    assert!(s.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn csv_output_neutralises_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    let s = scan(&p, "csv");
    let body = s.strip_prefix('\u{feff}').unwrap_or(&s);
    let mut rd = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = rd.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut excerpts = Vec::new();
    for rec in rd.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula cell {cell:?}"
            );
        }
        excerpts.push(rec[col("excerpt")].to_string());
    }
    assert!(
        excerpts
            .iter()
            .any(|e| e.starts_with("'=HYPERLINK(\"http://evil.test\",\"click\") Huawei")),
        "{excerpts:?}"
    );
}

#[test]
fn json_jsonl_and_sarif_escape_by_the_standard_and_keep_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    for format in ["json", "jsonl", "sarif"] {
        let s = scan(&p, format);
        // Control characters are \u escapes in the JSON text, never raw bytes (the file name
        // carries ESC; SARIF percent-encodes it in a URI).
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{format}");
        assert!(
            format == "sarif" || s.contains("\\u001b[31mred\\u001b[0m"),
            "{format}: ESC not escaped as \\u001b"
        );
        let values: Vec<serde_json::Value> = if format == "jsonl" {
            s.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        } else {
            vec![serde_json::from_str(&s).unwrap()]
        };
        // Decoded, the excerpt and the path are exactly what the document and file system say.
        let mut strings = Vec::new();
        values.iter().for_each(|v| collect_strings(v, &mut strings));
        assert!(
            strings
                .iter()
                .any(|s| s
                    .contains("40 Hikvision cameras <script>alert(1)</script> \u{202e}fdp.exe")),
            "{format}: excerpt not kept exactly"
        );
        // (SARIF carries the path as a URI.)
        assert!(
            format == "sarif" || strings.iter().any(|s| s.ends_with(NAME)),
            "{format}: path not kept exactly"
        );
    }
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// A finding whose excerpt starts with a DDE payload (the clause splitter never starts an excerpt
/// there from a real document, so the report is built here): every CSV cell stays text.
#[test]
fn csv_neutralises_a_dde_payload_at_the_start_of_an_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_file(dir.path());
    let s = scan(&p, "jsonl");
    let mut r: tenderscan::finding::DocumentReport =
        serde_json::from_str(s.lines().next().unwrap()).unwrap();
    r.findings[0].excerpt = "=cmd|' /C calc'!A0 Supply 40 Hikvision cameras".into();
    r.findings[0].text = "+Hikvision".into();
    r.findings[0].message = "-1+1".into();
    r.findings[0].clause = Some("@SUM(A1)".into());
    let mut out = Vec::new();
    tenderscan::report::csv::write_csv(&mut out, &[r]).unwrap();
    let out = String::from_utf8(out).unwrap();
    let body = out.strip_prefix('\u{feff}').unwrap_or(&out);
    let mut rd = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = rd.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rec = rd.records().next().unwrap().unwrap();
    assert_eq!(
        &rec[col("excerpt")],
        "'=cmd|' /C calc'!A0 Supply 40 Hikvision cameras"
    );
    assert_eq!(&rec[col("text")], "'+Hikvision");
    assert_eq!(&rec[col("message")], "'-1+1");
    assert_eq!(&rec[col("clause")], "'@SUM(A1)");
}
