//! The one model every extractor returns.
//!
//! Extractors know nothing about vendors or clauses: they turn bytes into a [`Document`], a flat list of
//! [`Block`]s in reading order, each with a [`Location`] a lawyer can cite. Everything downstream
//! (normalisation, matching, judging, reporting) works on this model only, so a new input format needs
//! nothing but a new extractor.
//!
//! Why a flat list rather than a tree: judging needs only three kinds of structure — the paragraph a
//! mention sits in, the table row a cell belongs to, and the heading a paragraph sits under. A flat list
//! with a [`CellRef`] on table cells and [`BlockKind::Heading`] on headings carries all three and keeps
//! every consumer a simple loop.

use serde::{Deserialize, Serialize};

/// Which extractor produced a document. Serialised as `pdf`, `docx`, `txt`, `odt`, `doc`, `rtf` in the
/// JSON output. `doc` (legacy Word 97-2003) and `rtf` are read through a LibreOffice conversion to DOCX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Docx,
    Txt,
    /// OpenDocument Text (`.odt`, `.ott`, flat `.fodt`).
    Odt,
    /// Legacy Word 97-2003 (`.doc`), converted to DOCX by LibreOffice and read as DOCX.
    Doc,
    /// Rich Text Format, converted to DOCX by LibreOffice and read as DOCX.
    Rtf,
    /// Excel workbook (`.xlsx`, `.xlsm`): one table per sheet.
    Xlsx,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Excel 97-2003 workbook (`.xls`).
    Xls,
    /// Comma- or tab-separated values: one table.
    Csv,
    /// A ZIP archive: a container whose members are their own documents.
    Zip,
    /// A 7z archive.
    #[serde(rename = "7z")]
    SevenZ,
    /// A RAR archive (recognised, not read).
    Rar,
    /// An image (PNG, JPEG, TIFF, ...), read only through OCR.
    Image,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Txt => "txt",
            Format::Odt => "odt",
            Format::Doc => "doc",
            Format::Rtf => "rtf",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
            Format::Xls => "xls",
            Format::Csv => "csv",
            Format::Zip => "zip",
            Format::SevenZ => "7z",
            Format::Rar => "rar",
            Format::Image => "image",
        }
    }
}

/// What a block is. The judge treats each kind differently: headings open sections whose cue (e.g.
/// "Prohibited Brands") governs the blocks under them; table cells are judged together with the other
/// cells of their row; comments are not contract text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockKind {
    Paragraph,
    Heading,
    TableCell,
    Header,
    Footer,
    Footnote,
    Endnote,
    Comment,
    TextBox,
    /// Text inside a tracked deletion: shown to the reviewer, but no longer contract text.
    Deleted,
}

/// What `plain_text` writes before text deleted by a tracked change.
pub const DELETED_MARK: &str = "[deleted] ";

/// Position of a table cell. All indices are 0-based; `table` counts tables in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CellRef {
    pub table: u32,
    pub row: u32,
    pub col: u32,
}

/// Where a block sits, in the terms a citation needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// 1-based physical page (PDF). `None` where the format has no fixed pages (DOCX, text).
    pub page: Option<u32>,
    /// The printed page label where the PDF defines one ("iv", "A-3").
    pub page_label: Option<String>,
    /// 1-based index of the paragraph in the document (every block counts, table cells included).
    pub paragraph: u32,
    /// The clause number a reader sees ("12.3", "(b)", "第十二條"), where known.
    pub clause: Option<String>,
    /// Set on table cells.
    pub cell: Option<CellRef>,
}

/// One unit of text: a paragraph, a table cell, a header or footer line, a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    /// The text as written. Line breaks inside a block are kept as `\n` (the normaliser joins
    /// wrapped lines); never contains form feeds.
    pub text: String,
    pub location: Location,
    /// Text the document hides from a reader (Word hidden text). Still scanned, and marked.
    pub hidden: bool,
}

impl Block {
    pub fn new(kind: BlockKind, text: impl Into<String>, location: Location) -> Self {
        Block {
            kind,
            text: text.into(),
            location,
            hidden: false,
        }
    }
}

/// An extracted document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub format: Format,
    /// Page count where the format has pages (PDF).
    pub pages: Option<u32>,
    /// Pages on which no text could be extracted (image-only pages of a scanned contract).
    pub pages_without_text: u32,
    pub blocks: Vec<Block>,
    /// Things the reader should know about the extraction (a truncated stream, a font without a
    /// Unicode mapping). Never fatal; fatal problems are an [`crate::extract::ExtractError`].
    pub warnings: Vec<String>,
    /// Spreadsheets: which blocks belong to which sheet (by paragraph number), so a finding's
    /// location can name the sheet. Empty for other formats.
    #[serde(default)]
    pub sheets: Vec<SheetSpan>,
    /// Pages whose text was read by OCR, with the confidence of each.
    #[serde(default)]
    pub ocr_pages: Vec<OcrPage>,
    /// Pages that look scanned (an image, not blank) and whose text could not be read: OCR off or
    /// missing, or too low a confidence. A document with such pages is never a clean pass.
    #[serde(default)]
    pub unread_pages: Vec<u32>,
}

/// A page read by OCR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrPage {
    pub page: u32,
    /// Mean word confidence, 0-100.
    pub confidence: f32,
}

/// The blocks of one sheet of a workbook: paragraphs `first_paragraph..=last_paragraph`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSpan {
    pub name: String,
    pub first_paragraph: u32,
    pub last_paragraph: u32,
}

impl Document {
    /// The sheet that block number `paragraph` (1-based) belongs to, for spreadsheets.
    pub fn sheet_of(&self, paragraph: u32) -> Option<&str> {
        self.sheets
            .iter()
            .find(|s| (s.first_paragraph..=s.last_paragraph).contains(&paragraph))
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
    }

    pub fn new(format: Format) -> Self {
        Document {
            format,
            pages: None,
            pages_without_text: 0,
            blocks: Vec::new(),
            warnings: Vec::new(),
            sheets: Vec::new(),
            ocr_pages: Vec::new(),
            unread_pages: Vec::new(),
        }
    }

    /// True when the document carries any non-whitespace contract text.
    pub fn has_text(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| b.kind != BlockKind::Comment && b.text.chars().any(|c| !c.is_whitespace()))
    }

    /// Plain text as `tenderscan extract` prints it: blocks in order, one per line (table cells of a
    /// row separated by tabs), and for paged formats a form feed after every page, as pdftotext does.
    /// Text of a tracked deletion is marked with [`DELETED_MARK`].
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        let mut page = if self.pages.is_some() { Some(1) } else { None };
        let mut prev_cell: Option<CellRef> = None;
        for b in &self.blocks {
            if let (Some(cur), Some(p)) = (page.as_mut(), b.location.page) {
                while *cur < p {
                    out.push('\u{c}');
                    *cur += 1;
                    prev_cell = None;
                }
            }
            match (prev_cell, b.location.cell) {
                (Some(a), Some(c)) if a.table == c.table && a.row == c.row => {
                    if out.ends_with('\n') {
                        out.pop();
                    }
                    out.push('\t');
                }
                _ => {}
            }
            if b.kind == BlockKind::Deleted {
                // Deleted by a tracked change: shown, but never as body text.
                out.push_str(DELETED_MARK);
            }
            out.push_str(&b.text);
            out.push('\n');
            prev_cell = b.location.cell;
        }
        if let (Some(cur), Some(total)) = (page, self.pages) {
            let mut cur = cur;
            while cur <= total {
                out.push('\u{c}');
                cur += 1;
            }
        }
        out
    }
}
