//! Format sniffing and dispatch to one extractor per format.
//!
//! Every extractor has the same shape: `fn extract(bytes: &[u8], opts: &ExtractOptions) ->
//! Result<Document, ExtractError>`. Bytes in, model out; no file system, no vendors, no clauses.
//! An extractor must never panic on document data; the pipeline still wraps each call in
//! `catch_unwind` so that a bug in one extractor costs one document, not the batch.

pub mod archive;
pub mod docx;
pub mod legacy;
pub mod ocr;
pub mod odt;
pub mod pdf;
pub mod sheet;
pub mod text;

use crate::document::{Document, Format};
use std::io::Read;

/// Limits and secrets that apply to one document's extraction.
///
/// Crossing a limit never aborts: an extractor returns partial text with a warning on the
/// [`Document`] (or [`ExtractError::LimitExceeded`] when nothing could be read).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ExtractOptions {
    /// Passwords to try after the empty user password.
    pub passwords: Vec<String>,
    /// Maximum bytes any single stream or zip part may inflate to.
    pub max_stream_bytes: u64,
    /// Maximum bytes all inflated streams / parts of one document may add up to.
    pub max_total_bytes: u64,
    /// Maximum number of pages read from one PDF; further pages are skipped with a warning.
    pub max_pages: u32,
    /// Maximum number of objects in one PDF (or parts in one zip).
    pub max_objects: u32,
    /// Maximum nesting depth: PDF objects, Form XObjects, XML elements.
    pub max_depth: u32,
    /// Stop work on this document at this instant (cooperative: checked between pages and parts);
    /// what was read by then is kept, with a warning.
    #[serde(skip)]
    pub deadline: Option<std::time::Instant>,
    /// OCR of images and image-only PDF pages (off by default in the library; the command line
    /// turns it on unless `--no-ocr`).
    pub ocr: ocr::OcrOptions,
}

impl ExtractOptions {
    /// True when the cooperative deadline has passed.
    pub fn past_deadline(&self) -> bool {
        self.deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            passwords: Vec::new(),
            max_stream_bytes: 256 << 20,
            max_total_bytes: 1 << 30,
            max_pages: 20_000,
            max_objects: 5_000_000,
            max_depth: 64,
            deadline: None,
            ocr: ocr::OcrOptions::default(),
        }
    }
}

/// Why a document could not be read at all. Partial problems are warnings on the [`Document`].
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The document is encrypted and none of the passwords opened it.
    #[error("encrypted: {0}")]
    Encrypted(String),
    /// The bytes are not a well-formed document of the claimed format.
    #[error("malformed {format}: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    /// A resource limit was crossed before any text could be extracted.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// Recognised, but a variant this version cannot read (e.g. a legacy .doc).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl ExtractError {
    /// A short stable class name for reports and statistics.
    pub fn class(&self) -> &'static str {
        match self {
            ExtractError::Encrypted(_) => "encrypted",
            ExtractError::Malformed { .. } => "malformed",
            ExtractError::LimitExceeded(_) => "limit",
            ExtractError::Unsupported(_) => "unsupported",
        }
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pdf,
    Docx,
    /// OpenDocument Text: a zip whose `mimetype` is `application/vnd.oasis.opendocument.text`
    /// (or `-template`), or the flat XML form (`.fodt`).
    Odt,
    /// A zip that is none of the document formats below: an archive of its own.
    OtherZip,
    /// A spreadsheet: XLSX/XLSM, ODS, XLS or CSV.
    Sheet(sheet::SheetFormat),
    /// A 7z archive.
    SevenZ,
    /// A RAR archive.
    Rar,
    /// An image (PNG, JPEG, TIFF, GIF, BMP, WebP).
    Image,
    /// An OLE compound file: a legacy .doc or a password-protected Office file; [`legacy`] tells
    /// which from its directory.
    Cfb,
    /// Rich Text Format (`{\rtf`), read through a LibreOffice conversion like a legacy `.doc`.
    Rtf,
    Text,
    Unknown,
}

/// Make room in `buf` for more of a read that stops at `limit` bytes: double the capacity, but take
/// the whole rest at once when it is not much more than that. Large buffers are not reallocated
/// again for the last byte or two (a reallocation copies the whole buffer, and mimalloc, unlike the
/// system allocator, cannot remap pages instead).
pub(crate) fn grow_toward(buf: &mut Vec<u8>, limit: usize) {
    let room = limit.saturating_sub(buf.len());
    let step = buf.capacity().max(64 * 1024);
    buf.reserve_exact(if room <= step + step / 2 { room } else { step });
}

/// Read at most `limit` bytes. `hint` (e.g. a zip entry's declared size) sizes the first buffer, so
/// an honest size is one allocation; a lying one costs only address space, since untouched pages are
/// not resident. Returns what was read and the error that stopped the read, if any.
pub(crate) fn read_capped<R: std::io::Read>(
    mut r: R,
    limit: usize,
    hint: usize,
) -> (Vec<u8>, std::io::Result<()>) {
    let mut data = Vec::with_capacity(hint.min(limit));
    while data.len() < limit {
        if data.len() == data.capacity() {
            grow_toward(&mut data, limit);
        }
        let room = (data.capacity() - data.len()) as u64;
        let mut part = std::io::Read::take(&mut r, room);
        match std::io::Read::read_to_end(&mut part, &mut data) {
            Ok(n) if (n as u64) < room => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (data, Err(e)),
        }
    }
    (data, Ok(()))
}

/// Classify by content first; the extension only breaks ties for text.
pub fn sniff(bytes: &[u8], extension: Option<&str>) -> Sniffed {
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Sniffed::Pdf;
    }
    let ext = extension.map(|e| e.to_ascii_lowercase());
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // The central directory's names say what the package is; the byte patterns below are for
        // a zip too short or damaged to list (the first kilobyte, while walking a folder).
        if let Some(kind) = sniff_zip_by_names(bytes, ext.as_deref()) {
            return kind;
        }
        // ODF puts an uncompressed `mimetype` entry first, so its value is in the first bytes.
        if find(head, b"mimetypeapplication/vnd.oasis.opendocument.text").is_some() {
            return Sniffed::Odt;
        }
        if find(bytes, b"word/").is_some() {
            return Sniffed::Docx;
        }
        if matches!(ext.as_deref(), Some("odt") | Some("ott")) {
            // An ODF package whose mimetype entry is not first or is compressed.
            return Sniffed::Odt;
        }
        return Sniffed::OtherZip;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if let Ok(legacy::CfbKind::Other(names)) = legacy::classify(bytes) {
            if names
                .iter()
                .any(|n| n.eq_ignore_ascii_case("Workbook") || n.eq_ignore_ascii_case("Book"))
            {
                return Sniffed::Sheet(sheet::SheetFormat::Xls);
            }
        }
        return Sniffed::Cfb;
    }
    if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        return Sniffed::SevenZ;
    }
    if bytes.starts_with(b"Rar!\x1A\x07") {
        return Sniffed::Rar;
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"GIF87a")
        || bytes.starts_with(b"GIF89a")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
        || (bytes.starts_with(b"BM") && matches!(ext.as_deref(), Some("bmp")))
    {
        return Sniffed::Image;
    }
    if bytes.starts_with(b"{\\rtf") {
        return Sniffed::Rtf;
    }
    // Flat ODT: the root element's `office:mimetype` follows its namespace declarations, which
    // LibreOffice writes over a few kilobytes.
    let xml_head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if (xml_head.starts_with(b"<?xml") || xml_head.starts_with(b"<office:document"))
        && find(
            &xml_head[..xml_head.len().min(16 << 10)],
            b"application/vnd.oasis.opendocument.text",
        )
        .is_some()
    {
        return Sniffed::Odt;
    }
    match ext.as_deref() {
        Some("pdf") => return Sniffed::Pdf,
        Some("docx") | Some("docm") | Some("dotx") => return Sniffed::Docx,
        _ => {}
    }
    if matches!(ext.as_deref(), Some("csv") | Some("tsv")) {
        return Sniffed::Sheet(sheet::SheetFormat::Csv);
    }
    if matches!(
        ext.as_deref(),
        Some("txt") | Some("md") | Some("text") | Some("markdown")
    ) {
        return Sniffed::Text;
    }
    Sniffed::Unknown
}

/// A zip package by the names in its central directory: Word (`word/`), Excel (`xl/workbook.xml`),
/// OpenDocument by its `mimetype` entry, else a plain archive. `None` when the directory cannot be
/// read.
fn sniff_zip_by_names(bytes: &[u8], ext: Option<&str>) -> Option<Sniffed> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    Some(sniff_zip_archive(&mut zip, ext))
}

/// What an opened zip is, by the names in its central directory (see [`sniff_zip_by_names`]).
pub fn sniff_zip_archive<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    ext: Option<&str>,
) -> Sniffed {
    let mut word = false;
    let mut xl = false;
    let mut mimetype = false;
    for name in zip.file_names() {
        let lower = name.to_ascii_lowercase();
        word |= lower.starts_with("word/");
        xl |= lower == "xl/workbook.xml" || lower == "xl/workbook.bin";
        mimetype |= lower == "mimetype";
    }
    if word {
        return Sniffed::Docx;
    }
    if xl {
        return Sniffed::Sheet(sheet::SheetFormat::Xlsx);
    }
    if mimetype {
        let mut value = Vec::new();
        if let Ok(f) = zip.by_name("mimetype") {
            let _ = f.take(200).read_to_end(&mut value);
        }
        let value = String::from_utf8_lossy(&value);
        if value.starts_with("application/vnd.oasis.opendocument.text") {
            return Sniffed::Odt;
        }
        if value.starts_with("application/vnd.oasis.opendocument.spreadsheet") {
            return Sniffed::Sheet(sheet::SheetFormat::Ods);
        }
    }
    match ext {
        Some("odt") | Some("ott") => Sniffed::Odt,
        Some("ods") | Some("ots") => Sniffed::Sheet(sheet::SheetFormat::Ods),
        _ => Sniffed::OtherZip,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Extract a document of a known kind.
pub fn extract(
    kind: Sniffed,
    bytes: &[u8],
    opts: &ExtractOptions,
) -> Result<Document, ExtractError> {
    match kind {
        Sniffed::Pdf => {
            let mut doc = pdf::extract(bytes, opts)?;
            ocr::fill_pdf_pages(&mut doc, bytes, opts);
            Ok(doc)
        }
        Sniffed::Docx => {
            let mut doc = docx::extract(bytes, opts)?;
            append_embedded_workbooks(&mut doc, bytes, opts);
            Ok(doc)
        }
        Sniffed::Odt => odt::extract(bytes, opts),
        Sniffed::Text => Ok(text::extract(bytes)),
        Sniffed::Cfb => legacy::extract(bytes, opts),
        Sniffed::Rtf => legacy::extract_rtf(bytes, opts),
        Sniffed::Sheet(f) => sheet::extract(f, bytes, opts),
        Sniffed::OtherZip => Err(ExtractError::Unsupported(
            "a zip archive that is neither a Word document (no word/document.xml) nor an \
             OpenDocument text"
                .into(),
        )),
        Sniffed::SevenZ => Err(ExtractError::Unsupported(
            "a 7z archive: tenderscan does not read 7z; unpack it (7z x, Debian package 7zip) and \
             scan the folder"
                .into(),
        )),
        Sniffed::Rar => Err(ExtractError::Unsupported(
            "a RAR archive: tenderscan has no maintained RAR reader; unpack it with unrar \
             (Debian package unrar) or 7z x (Debian package 7zip) and scan the folder"
                .into(),
        )),
        Sniffed::Image => ocr::extract_image(bytes, opts),
        Sniffed::Unknown => Err(ExtractError::Unsupported("unrecognised file type".into())),
    }
}

/// Most embedded workbooks read from one document.
const MAX_EMBEDDED: usize = 32;

/// Read the workbooks a Word document embeds (`word/embeddings/*.xlsx`, `.xlsm`, `.xls`: a price
/// table pasted as an Excel object) as sheets appended to the document, each named
/// `EMBEDDED-NAME/SHEET`, within the same limits. One that cannot be read is a warning.
pub fn append_embedded_workbooks(doc: &mut Document, bytes: &[u8], opts: &ExtractOptions) {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return;
    };
    let names: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| {
            let f = zip.by_index_raw(i).ok()?;
            let name = f.name().to_string();
            let lower = name.to_ascii_lowercase();
            (lower.starts_with("word/embeddings/")
                && [".xlsx", ".xlsm", ".xls", ".bin"]
                    .iter()
                    .any(|e| lower.ends_with(e)))
            .then_some((i, name))
        })
        .collect();
    for (n, (index, name)) in names.into_iter().enumerate() {
        if n >= MAX_EMBEDDED {
            doc.warnings.push(format!(
                "only the first {MAX_EMBEDDED} embedded objects were read"
            ));
            break;
        }
        let data = match archive::read_entry(&mut zip, index, opts.max_stream_bytes) {
            Ok(d) => d,
            Err(e) => {
                doc.warnings
                    .push(format!("embedded object {name} not read: {e}"));
                continue;
            }
        };
        let format = match sniff(&data, name.rsplit('.').next()) {
            Sniffed::Sheet(f) => f,
            // Embedded Word documents, pictures and other OLE objects are not read.
            _ => continue,
        };
        match sheet::extract(format, &data, opts) {
            Ok(inner) => append_sheets(doc, inner, name.trim_start_matches("word/embeddings/")),
            Err(e) => doc
                .warnings
                .push(format!("embedded workbook {name} not read: {e}")),
        }
    }
}

/// Append the blocks of the workbook `inner` to `doc`, numbering its paragraphs and tables after
/// the document's, its sheets named `LABEL/SHEET`.
fn append_sheets(doc: &mut Document, inner: Document, label: &str) {
    let para0 = doc.blocks.len() as u32;
    let table0 = doc
        .blocks
        .iter()
        .filter_map(|b| b.location.cell.map(|c| c.table + 1))
        .max()
        .unwrap_or(0);
    for mut b in inner.blocks {
        b.location.paragraph += para0;
        if let Some(c) = b.location.cell.as_mut() {
            c.table += table0;
        }
        doc.blocks.push(b);
    }
    for mut s in inner.sheets {
        s.first_paragraph += para0;
        s.last_paragraph += para0;
        s.name = format!("{label}/{}", s.name);
        doc.sheets.push(s);
    }
    doc.warnings.extend(
        inner
            .warnings
            .into_iter()
            .map(|w| format!("embedded workbook {label}: {w}")),
    );
}

/// The format a sniffed kind is reported as.
pub fn format_of(kind: Sniffed) -> Option<Format> {
    match kind {
        Sniffed::Pdf => Some(Format::Pdf),
        Sniffed::Docx | Sniffed::Cfb => Some(Format::Docx),
        Sniffed::OtherZip => Some(Format::Zip),
        Sniffed::Odt => Some(Format::Odt),
        Sniffed::Rtf => Some(Format::Rtf),
        Sniffed::Text => Some(Format::Txt),
        Sniffed::Sheet(sheet::SheetFormat::Xlsx) => Some(Format::Xlsx),
        Sniffed::Sheet(sheet::SheetFormat::Ods) => Some(Format::Ods),
        Sniffed::Sheet(sheet::SheetFormat::Xls) => Some(Format::Xls),
        Sniffed::Sheet(sheet::SheetFormat::Csv) => Some(Format::Csv),
        Sniffed::SevenZ => Some(Format::SevenZ),
        Sniffed::Rar => Some(Format::Rar),
        Sniffed::Image => Some(Format::Image),
        Sniffed::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn capped_reads_allocate_no_more_than_they_keep() {
        let limit = (3 << 20) + 1; // a cap of 3 MiB plus the byte that tells "more"
        let zeros = || std::io::repeat(0).take(10 << 20);
        // Honest size: one allocation of exactly the cap.
        let (d, r) = read_capped(zeros(), limit, 10 << 20);
        assert!(r.is_ok());
        assert_eq!((d.len(), d.capacity()), (limit, limit));
        // No size: doubling, with the last step taking the rest (never double for one byte).
        let (d, _) = read_capped(zeros(), limit, 0);
        assert_eq!(d.len(), limit);
        assert!(d.capacity() < limit + limit / 2, "{}", d.capacity());
        // Short input: all of it.
        let (d, r) = read_capped(&b"abc"[..], limit, 0);
        assert!(r.is_ok());
        assert_eq!(d, b"abc");
        // An error keeps what came before it.
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("damaged"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(7);
                self.0 -= n;
                Ok(n)
            }
        }
        let (d, r) = read_capped(Broken(100_000), limit, 0);
        assert_eq!(d.len(), 100_000);
        assert!(r.is_err());
    }
}
