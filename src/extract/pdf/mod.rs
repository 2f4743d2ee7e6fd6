//! PDF extraction: lopdf for the object layer (parsing, xref, object streams, decryption, page
//! tree); our own text layer on top (content interpreter, fonts and CMaps, layout).

mod cmap;
mod content;
mod font;
mod glyphlist;
mod layout;
mod lexer;
#[allow(clippy::all)]
mod tables;

use super::{ExtractError, ExtractOptions};
use crate::document::{Block, BlockKind, CellRef, Document, Format, Location};
use lopdf::{Dictionary, Document as PdfDoc, LoadOptions, Object, ObjectId, Stream};
use std::io::Read;

/// Follow references (bounded).
pub(crate) fn deref<'a>(doc: &'a PdfDoc, mut o: &'a Object) -> &'a Object {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(x) => o = x,
                Err(_) => return &Object::Null,
            },
            _ => return o,
        }
    }
    &Object::Null
}

/// A dictionary entry, dereferenced.
pub(crate) fn dget<'a>(doc: &'a PdfDoc, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let o = deref(doc, d.get(key).ok()?);
    if matches!(o, Object::Null) {
        None
    } else {
        Some(o)
    }
}

pub(crate) fn num(doc: &PdfDoc, o: &Object) -> Option<f32> {
    match deref(doc, o) {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

/// A PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding).
pub(crate) fn pdf_text_string(b: &[u8]) -> String {
    if b.starts_with(&[0xFE, 0xFF]) {
        return cmap::utf16be(&b[2..]);
    }
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(&b[3..]).into_owned();
    }
    b.iter()
        .filter_map(|&c| {
            let u = tables::PDF_DOC_ENCODING[c as usize];
            if u == 0 {
                if c >= 0x20 {
                    char::from_u32(c as u32)
                } else {
                    None
                }
            } else {
                char::from_u32(u as u32)
            }
        })
        .collect()
}

/// Inflation limits and warnings shared by one document's extraction.
pub(crate) struct Budget {
    pub max_stream: u64,
    pub remaining: u64,
    pub warnings: Vec<String>,
    exhausted_warned: bool,
}

impl Budget {
    /// The decoded bytes of a stream, truncated to the limits (with a warning).
    pub fn stream_bytes(&mut self, s: &Stream) -> Option<Vec<u8>> {
        let cap = self.max_stream.min(self.remaining);
        if cap == 0 {
            if !self.exhausted_warned {
                self.exhausted_warned = true;
                self.warnings
                    .push("total inflated size limit reached: remaining streams skipped".into());
            }
            return None;
        }
        let filters: Vec<Vec<u8>> = match s.dict.get(b"Filter").ok() {
            None => Vec::new(),
            Some(Object::Name(n)) => vec![n.clone()],
            Some(Object::Array(a)) => a
                .iter()
                .filter_map(|o| o.as_name().ok().map(|n| n.to_vec()))
                .collect(),
            Some(_) => Vec::new(),
        };
        let has_params = s.dict.get(b"DecodeParms").is_ok() || s.dict.get(b"DP").is_ok();
        let out = if filters.is_empty() {
            let mut v = s.content.clone();
            if v.len() as u64 > cap {
                v.truncate(cap as usize);
                self.warn_trunc();
            }
            v
        } else if filters.len() == 1
            && (filters[0] == b"FlateDecode" || filters[0] == b"Fl")
            && !has_params
        {
            let (v, truncated) = inflate(&s.content, cap);
            if truncated {
                self.warn_trunc();
            }
            v
        } else {
            match s.decompressed_content_with_limit(cap.min(usize::MAX as u64) as usize) {
                Ok(v) => v,
                Err(e) => {
                    let msg = e.to_string();
                    if msg.to_ascii_lowercase().contains("limit") {
                        self.warn_trunc();
                    }
                    // Fall back to a truncated inflate where possible.
                    if filters.first().is_some_and(|f| f == b"FlateDecode") {
                        let (v, _) = inflate(&s.content, cap);
                        v
                    } else {
                        return None;
                    }
                }
            }
        };
        self.remaining = self.remaining.saturating_sub(out.len() as u64);
        Some(out)
    }

    fn warn_trunc(&mut self) {
        let w = "a stream exceeded the inflate limit and was truncated".to_string();
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// Inflate zlib (or raw deflate) data, reading at most `cap` bytes; keeps what decoded before an error.
fn inflate(data: &[u8], cap: u64) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(data).take(cap.saturating_add(1));
    let res = dec.read_to_end(&mut out);
    if res.is_err() && out.is_empty() {
        let mut dec = flate2::read::DeflateDecoder::new(data).take(cap.saturating_add(1));
        out.clear();
        let _ = dec.read_to_end(&mut out);
    }
    let truncated = out.len() as u64 > cap;
    if truncated {
        out.truncate(cap as usize);
    }
    (out, truncated)
}

fn load(bytes: &[u8], opts: &ExtractOptions) -> Result<PdfDoc, ExtractError> {
    let lim = Some(opts.max_stream_bytes.min(usize::MAX as u64) as usize);
    let base = LoadOptions {
        max_decompressed_size: lim,
        ..Default::default()
    };
    let first = std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(bytes, base.clone()));
    let first = match first {
        Ok(r) => r,
        Err(_) => {
            return Err(ExtractError::Malformed {
                format: "pdf",
                reason: "the PDF parser failed on this file".into(),
            })
        }
    };
    let needs_password = match &first {
        Ok(doc) => doc.is_encrypted() && !doc.was_encrypted(),
        Err(lopdf::Error::InvalidPassword) => true,
        Err(e) => {
            let m = e.to_string().to_ascii_lowercase();
            m.contains("password") || m.contains("decrypt")
        }
    };
    if !needs_password {
        return first.map_err(|e| ExtractError::Malformed {
            format: "pdf",
            reason: e.to_string(),
        });
    }
    for pw in &opts.passwords {
        let o = LoadOptions {
            password: Some(pw.clone()),
            ..base.clone()
        };
        if let Ok(Ok(doc)) = std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(bytes, o)) {
            if !doc.is_encrypted() || doc.was_encrypted() {
                return Ok(doc);
            }
        }
    }
    Err(ExtractError::Encrypted(if opts.passwords.is_empty() {
        "the PDF needs a password".into()
    } else {
        "none of the given passwords opens the PDF".into()
    }))
}

fn inherited<'a>(doc: &'a PdfDoc, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut d = page;
    for _ in 0..32 {
        if let Some(o) = dget(doc, d, key) {
            return Some(o);
        }
        d = dget(doc, d, b"Parent")?.as_dict().ok()?;
    }
    None
}

fn page_content(doc: &PdfDoc, page: &Dictionary, budget: &mut Budget) -> Vec<u8> {
    let mut out = Vec::new();
    match page.get(b"Contents").ok().map(|o| deref(doc, o)) {
        Some(Object::Stream(s)) => {
            if let Some(b) = budget.stream_bytes(s) {
                out = b;
            }
        }
        Some(Object::Array(a)) => {
            for o in a.iter().take(10_000) {
                if let Object::Stream(s) = deref(doc, o) {
                    if let Some(b) = budget.stream_bytes(s) {
                        out.extend_from_slice(&b);
                        out.push(b'\n');
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn roman(mut n: u32, upper: bool) -> String {
    const T: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut s = String::new();
    if n > 100_000 {
        return n.to_string();
    }
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

fn letters(n: u32, upper: bool) -> String {
    if n == 0 || n > 10_000 {
        return n.to_string();
    }
    let c = (b'a' + ((n - 1) % 26) as u8) as char;
    let s: String = std::iter::repeat_n(c, ((n - 1) / 26 + 1) as usize).collect();
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Page labels from the /PageLabels number tree: label for each 0-based page index.
fn page_labels(doc: &PdfDoc, count: usize) -> Option<Vec<String>> {
    let cat = doc.catalog().ok()?;
    let root = dget(doc, cat, b"PageLabels")?.as_dict().ok()?;
    let mut ranges: Vec<(u32, &Dictionary)> = Vec::new();
    let mut stack = vec![(root, 0usize)];
    let mut visits = 0;
    while let Some((node, depth)) = stack.pop() {
        visits += 1;
        if visits > 10_000 || depth > 32 {
            break;
        }
        if let Some(Object::Array(nums)) = dget(doc, node, b"Nums") {
            for pair in nums.chunks(2) {
                if let [k, v] = pair {
                    if let (Some(k), Ok(d)) = (num(doc, k), deref(doc, v).as_dict()) {
                        ranges.push((k.max(0.0) as u32, d));
                    }
                }
            }
        }
        if let Some(Object::Array(kids)) = dget(doc, node, b"Kids") {
            for k in kids {
                if let Ok(d) = deref(doc, k).as_dict() {
                    stack.push((d, depth + 1));
                }
            }
        }
    }
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_by_key(|r| r.0);
    let mut out = Vec::with_capacity(count);
    for i in 0..count as u32 {
        let idx = ranges.partition_point(|r| r.0 <= i);
        let Some((start, d)) = idx.checked_sub(1).and_then(|j| ranges.get(j)) else {
            out.push((i + 1).to_string());
            continue;
        };
        let prefix = dget(doc, d, b"P")
            .and_then(|o| o.as_str().ok())
            .map(pdf_text_string)
            .unwrap_or_default();
        let first = dget(doc, d, b"St")
            .and_then(|o| num(doc, o))
            .unwrap_or(1.0)
            .max(0.0) as u32;
        let n = first.saturating_add(i - start);
        let body = match dget(doc, d, b"S").and_then(|o| o.as_name().ok()) {
            Some(b"D") => n.to_string(),
            Some(b"R") => roman(n, true),
            Some(b"r") => roman(n, false),
            Some(b"A") => letters(n, true),
            Some(b"a") => letters(n, false),
            _ => String::new(),
        };
        out.push(format!("{prefix}{body}"));
    }
    Some(out)
}

pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    let pdf = load(bytes, opts)?;
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let mut doc = Document::new(Format::Pdf);
    let mut budget = Budget {
        max_stream: opts.max_stream_bytes,
        remaining: opts.max_total_bytes,
        warnings: Vec::new(),
        exhausted_warned: false,
    };
    let total = pages.len();
    let limit = (opts.max_pages as usize).min(total);
    if total > limit {
        budget.warnings.push(format!(
            "only the first {limit} of {total} pages were read (page limit)"
        ));
    }
    let labels = page_labels(&pdf, limit);
    let mut para_no = 0u32;
    let mut table_no = 0u32;
    let mut any_table = false;
    let mut pages_without_text = 0u32;
    let mut interp = content::Interp::new(&pdf, &mut budget);
    for (i, pid) in pages.iter().take(limit).enumerate() {
        let page_no = (i + 1) as u32;
        let Ok(page) = pdf.get_dictionary(*pid) else {
            pages_without_text += 1;
            continue;
        };
        let resources = inherited(&pdf, page, b"Resources").and_then(|o| o.as_dict().ok());
        let rotate = inherited(&pdf, page, b"Rotate")
            .and_then(|o| num(&pdf, o))
            .unwrap_or(0.0) as i64;
        let data = page_content(&pdf, page, interp.budget);
        interp.glyphs.clear();
        interp.run_page(&data, resources, content::IDENTITY);
        let glyphs = std::mem::take(&mut interp.glyphs);
        let units = layout::layout(glyphs, rotate);
        let label = labels.as_ref().and_then(|l| l.get(i).cloned());
        let mut has_text = false;
        let mut row_no = 0u32;
        for u in units {
            match u {
                layout::Unit::Paragraph(text) => {
                    has_text |= text.chars().any(|c| !c.is_whitespace());
                    para_no += 1;
                    doc.blocks.push(Block::new(
                        BlockKind::Paragraph,
                        text,
                        Location {
                            page: Some(page_no),
                            page_label: label.clone(),
                            paragraph: para_no,
                            ..Default::default()
                        },
                    ));
                }
                layout::Unit::Row { cells, new_table } => {
                    if new_table {
                        if any_table {
                            table_no += 1;
                        }
                        any_table = true;
                        row_no = 0;
                    } else {
                        row_no += 1;
                    }
                    for (col, text) in cells.into_iter().enumerate() {
                        has_text |= text.chars().any(|c| !c.is_whitespace());
                        para_no += 1;
                        doc.blocks.push(Block::new(
                            BlockKind::TableCell,
                            text,
                            Location {
                                page: Some(page_no),
                                page_label: label.clone(),
                                paragraph: para_no,
                                cell: Some(CellRef {
                                    table: table_no,
                                    row: row_no,
                                    col: col as u32,
                                }),
                                ..Default::default()
                            },
                        ));
                    }
                }
            }
        }
        if !has_text {
            pages_without_text += 1;
        }
    }
    drop(interp);
    doc.pages = Some(limit as u32);
    doc.pages_without_text = pages_without_text;
    doc.warnings = budget.warnings;
    Ok(doc)
}
