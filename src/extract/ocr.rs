//! OCR of images and of image-only PDF pages, through the `tesseract` program.
//!
//! An image is written to a private temporary file (mode 0600, removed afterwards) and read by
//! `tesseract FILE stdout -l eng+chi_tra+chi_sim tsv`; a PDF page without text is first rendered
//! by poppler's `pdftoppm` (grey, 300 dpi). Both run as child processes of the worker, within the
//! per-document deadline (killed when it passes) and with their output bounded. The TSV output
//! gives each word a confidence: a page's confidence is the mean over its words, weighted by their
//! length, and a page below [`OcrOptions::min_confidence`] is not used (it stays without text,
//! with a warning).
//!
//! A page rendered entirely white is blank, not a scan. A page that has no text, is not blank
//! and could not be read (OCR off, `tesseract` missing, too low a confidence) is listed in
//! [`Document::unread_pages`]: the pipeline never lets such a document pass.

use super::{ExtractError, ExtractOptions};
use crate::document::{Block, BlockKind, Document, Format, Location, OcrPage};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How OCR is done.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct OcrOptions {
    /// Read images and image-only PDF pages by OCR.
    pub enabled: bool,
    /// Tesseract languages, `+`-joined.
    pub languages: String,
    /// Mean word confidence (0-100) below which a page's OCR text is not used.
    pub min_confidence: f32,
    /// Resolution PDF pages are rendered at.
    pub dpi: u32,
}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            enabled: false,
            languages: "eng+chi_tra+chi_sim".into(),
            min_confidence: 50.0,
            dpi: 300,
        }
    }
}

/// What to install for OCR.
pub const INSTALL_HINT: &str = "install Tesseract with its English and Chinese languages \
     (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim)";

/// Longest time one program may run when the document has no deadline.
const DEFAULT_BUDGET: Duration = Duration::from_secs(120);
/// Resolution at which a PDF page without text is rendered to tell a blank page from a scan.
const BLANK_CHECK_DPI: u32 = 50;
/// Most bytes read from a program's standard output.
const MAX_OUTPUT: usize = 64 << 20;

/// Whether `tesseract` is there with every language of `languages`; the reason when not.
pub fn tesseract_ready(languages: &str) -> Result<(), String> {
    static LANGS: OnceLock<Result<Vec<String>, String>> = OnceLock::new();
    let have = LANGS.get_or_init(|| {
        let out = Command::new("tesseract")
            .arg("--list-langs")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map_err(|e| format!("the tesseract program cannot be run ({e})"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.lines().skip(1).map(|l| l.trim().to_string()).collect())
    });
    let have = have.as_ref().map_err(|e| format!("{e}; {INSTALL_HINT}"))?;
    let missing: Vec<&str> = languages
        .split('+')
        .filter(|l| !l.is_empty() && !have.iter().any(|h| h == l))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "tesseract lacks the language data {}; {INSTALL_HINT}",
            missing.join(", ")
        ))
    }
}

/// Whether poppler's `pdftoppm` can be run.
fn pdftoppm_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        Command::new("pdftoppm")
            .arg("-v")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
}

/// Run `cmd` to completion or until `deadline` (then kill it): its standard output, at most
/// [`MAX_OUTPUT`] bytes.
/// `pdftoppm` rendering one page of `pdf` in grey at `dpi` to `PREFIX.pgm`.
fn render_page(pdf: &std::path::Path, page: u32, dpi: u32, prefix: &std::path::Path) -> Command {
    let mut cmd = Command::new("pdftoppm");
    cmd.arg("-gray")
        .arg("-r")
        .arg(dpi.to_string())
        .arg("-f")
        .arg(page.to_string())
        .arg("-l")
        .arg(page.to_string())
        .arg("-singlefile")
        .arg(pdf)
        .arg(prefix);
    cmd
}

fn run(mut cmd: Command, deadline: Instant, what: &str) -> Result<Vec<u8>, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Tesseract's own threads would compete with the other documents' workers.
        .env("OMP_THREAD_LIMIT", "1");
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what} cannot be run: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no output pipe")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(MAX_OUTPUT as u64).read_to_end(&mut buf);
        // Drain the rest so the program is not blocked on a full pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        buf
    });
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = reader.join().unwrap_or_default();
                return if status.success() {
                    Ok(out)
                } else {
                    Err(format!("{what} failed ({status})"))
                };
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(format!("{what} did not finish within the time limit"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what}: {e}"));
            }
        }
    }
}

fn deadline_of(opts: &ExtractOptions) -> Instant {
    opts.deadline
        .unwrap_or_else(|| Instant::now() + DEFAULT_BUDGET)
}

/// One page as tesseract read it.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrText {
    /// 1-based page of the image file (multi-page TIFF), or 1.
    pub page: u32,
    /// Paragraphs, their lines joined by `\n`.
    pub paragraphs: Vec<String>,
    /// Mean word confidence, 0-100 (0 when no word was read).
    pub confidence: f32,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Parse tesseract's TSV output into pages of paragraphs.
pub fn parse_tsv(tsv: &str) -> Vec<OcrText> {
    // (page, block, par, line) -> words
    let mut pages: Vec<OcrText> = Vec::new();
    let mut weight: Vec<(f64, f64)> = Vec::new();
    let mut cur_par: Option<(u32, u32, u32)> = None;
    let mut cur_line: Option<(u32, u32, u32, u32)> = None;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let (page, block, par, ln) = (num(1).max(1), num(2), num(3), num(4));
        let conf: f64 = cols[10].trim().parse().unwrap_or(-1.0);
        let word = cols[11].trim();
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        while pages.len() < page as usize {
            pages.push(OcrText {
                page: pages.len() as u32 + 1,
                paragraphs: Vec::new(),
                confidence: 0.0,
            });
            weight.push((0.0, 0.0));
        }
        let p = &mut pages[page as usize - 1];
        let w = word.chars().count() as f64;
        let acc = &mut weight[page as usize - 1];
        acc.0 += conf * w;
        acc.1 += w;
        if cur_par != Some((page, block, par)) || p.paragraphs.is_empty() {
            p.paragraphs.push(String::new());
            cur_par = Some((page, block, par));
            cur_line = Some((page, block, par, ln));
        } else if cur_line != Some((page, block, par, ln)) {
            if let Some(last) = p.paragraphs.last_mut() {
                last.push('\n');
            }
            cur_line = Some((page, block, par, ln));
        }
        if let Some(last) = p.paragraphs.last_mut() {
            let glue = match (last.chars().last(), word.chars().next()) {
                (None, _) | (Some('\n'), _) => "",
                (Some(a), Some(b)) if is_cjk(a) && is_cjk(b) => "",
                _ => " ",
            };
            last.push_str(glue);
            last.push_str(word);
        }
    }
    for (p, (sum, n)) in pages.iter_mut().zip(weight) {
        p.confidence = if n > 0.0 { (sum / n) as f32 } else { 0.0 };
    }
    pages
}

/// OCR the image file at `path`.
fn ocr_file(path: &std::path::Path, opts: &ExtractOptions) -> Result<Vec<OcrText>, String> {
    let mut cmd = Command::new("tesseract");
    cmd.arg(path)
        .arg("stdout")
        .arg("-l")
        .arg(&opts.ocr.languages)
        .arg("--psm")
        .arg("3")
        .arg("tsv");
    let out = run(cmd, deadline_of(opts), "tesseract")?;
    Ok(parse_tsv(&String::from_utf8_lossy(&out)))
}

fn private_file(bytes: &[u8], suffix: &str) -> Result<tempfile::NamedTempFile, String> {
    let mut f = tempfile::Builder::new()
        .prefix(".tenderscan-ocr-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| format!("cannot write a temporary file for OCR: {e}"))?;
    std::io::Write::write_all(&mut f, bytes)
        .map_err(|e| format!("cannot write a temporary file for OCR: {e}"))?;
    Ok(f)
}

fn confidence_warning(page: u32, conf: f32, min: f32) -> String {
    format!(
        "page {page}: OCR confidence {conf:.0} is below {min:.0}; its text was not used and the \
         page counts as unread"
    )
}

/// Read an image file (PNG, JPEG, TIFF with several pages, ...) by OCR.
pub fn extract_image(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    if !opts.ocr.enabled {
        return Err(ExtractError::Unsupported(
            "an image: its text can be read only by OCR, which is off (--no-ocr); nothing in it \
             was checked"
                .into(),
        ));
    }
    if let Err(why) = tesseract_ready(&opts.ocr.languages) {
        return Err(ExtractError::Unsupported(format!(
            "an image: its text can be read only by OCR, and OCR is not available: {why}; \
             nothing in it was checked"
        )));
    }
    let file = private_file(bytes, ".img").map_err(ExtractError::Unsupported)?;
    let pages = ocr_file(file.path(), opts).map_err(|e| ExtractError::Malformed {
        format: "image",
        reason: format!("OCR could not read the image: {e}"),
    })?;
    let mut doc = Document::new(Format::Image);
    let total = pages.len().max(1) as u32;
    doc.pages = Some(total);
    let mut para = 0u32;
    let mut read = 0u32;
    for p in &pages {
        if p.paragraphs.is_empty() || p.confidence < opts.ocr.min_confidence {
            if !p.paragraphs.is_empty() {
                doc.warnings.push(confidence_warning(
                    p.page,
                    p.confidence,
                    opts.ocr.min_confidence,
                ));
            }
            doc.unread_pages.push(p.page);
            continue;
        }
        read += 1;
        doc.ocr_pages.push(OcrPage {
            page: p.page,
            confidence: p.confidence,
        });
        for text in &p.paragraphs {
            para += 1;
            doc.blocks.push(Block::new(
                BlockKind::Paragraph,
                text.clone(),
                Location {
                    page: Some(p.page),
                    paragraph: para,
                    ..Default::default()
                },
            ));
        }
    }
    for page in pages.len() as u32 + 1..=total {
        doc.unread_pages.push(page);
    }
    doc.pages_without_text = total - read;
    if read > 0 {
        doc.warnings.push(ocr_note(&doc.ocr_pages));
    }
    Ok(doc)
}

/// The warning that says which pages were read by OCR.
fn ocr_note(pages: &[OcrPage]) -> String {
    let list: Vec<String> = pages
        .iter()
        .map(|p| format!("{} (confidence {:.0})", p.page, p.confidence))
        .collect();
    format!(
        "read by OCR (tesseract): page{} {}; OCR text can hold misread words",
        if pages.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

/// A PGM (P5) image: whether any pixel is dark, i.e. the page is not blank.
fn pgm_has_ink(pgm: &[u8]) -> Option<bool> {
    // Header: P5 <ws> width <ws> height <ws> maxval <one ws> data
    let mut fields = Vec::new();
    let mut i = 2;
    if !pgm.starts_with(b"P5") {
        return None;
    }
    while fields.len() < 3 {
        while pgm.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        if pgm[i] == b'#' {
            while *pgm.get(i)? != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while pgm.get(i)?.is_ascii_digit() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&pgm[start..i])
                .ok()?
                .parse::<usize>()
                .ok()?,
        );
    }
    let data = pgm.get(i + 1..)?;
    if fields[2] > 255 {
        return None;
    }
    let dark = data
        .iter()
        .filter(|&&v| (v as usize) * 5 < fields[2] * 4)
        .count();
    // A speck of dust is not text: more than one pixel in 20,000.
    Some(dark * 20_000 > data.len().max(1))
}

/// For a PDF whose pages `doc` found without text: render each, tell blank pages from scans, and
/// read the scans by OCR when it is on and available. Adds the OCR text as paragraphs of their
/// pages, and lists the pages that stay unread in `doc.unread_pages`.
pub fn fill_pdf_pages(doc: &mut Document, bytes: &[u8], opts: &ExtractOptions) {
    let Some(pages) = doc.pages else { return };
    if doc.pages_without_text == 0 {
        return;
    }
    let mut has_text = vec![false; pages as usize + 1];
    for b in &doc.blocks {
        if let Some(p) = b.location.page {
            if b.text.chars().any(|c| !c.is_whitespace()) {
                if let Some(slot) = has_text.get_mut(p as usize) {
                    *slot = true;
                }
            }
        }
    }
    let textless: Vec<u32> = (1..=pages).filter(|&p| !has_text[p as usize]).collect();
    if textless.is_empty() {
        return;
    }
    let ocr = if opts.ocr.enabled {
        tesseract_ready(&opts.ocr.languages)
    } else {
        Err("OCR is off (--no-ocr)".into())
    };
    if !pdftoppm_ready() {
        doc.unread_pages.extend(&textless);
        doc.warnings.push(format!(
            "page{} {} {} no text and could not be rendered to tell a blank page from a scan \
             (pdftoppm, Debian package poppler-utils, is missing): not read",
            if textless.len() == 1 { "" } else { "s" },
            join(&textless),
            if textless.len() == 1 { "has" } else { "have" },
        ));
        return;
    }
    let file = match private_file(bytes, ".pdf") {
        Ok(f) => f,
        Err(e) => {
            doc.unread_pages.extend(&textless);
            doc.warnings.push(e);
            return;
        }
    };
    let dir = match tempfile::Builder::new()
        .prefix(".tenderscan-ocr-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            doc.unread_pages.extend(&textless);
            doc.warnings
                .push(format!("cannot make a temporary folder for OCR: {e}"));
            return;
        }
    };
    let mut added: Vec<(u32, Vec<String>)> = Vec::new();
    let mut unreadable_reason: Option<String> = None;
    for &page in &textless {
        if opts.past_deadline() {
            doc.unread_pages.push(page);
            unreadable_reason.get_or_insert_with(|| "time limit".into());
            continue;
        }
        // A blank page is told at a low resolution; a scan is rendered again for OCR.
        let prefix = dir.path().join(format!("p{page}"));
        let cmd = render_page(file.path(), page, BLANK_CHECK_DPI, &prefix);
        let pgm_path = prefix.with_extension("pgm");
        let rendered = run(cmd, deadline_of(opts), "pdftoppm")
            .and_then(|_| std::fs::read(&pgm_path).map_err(|e| e.to_string()));
        let pgm = match rendered {
            Ok(b) => b,
            Err(e) => {
                doc.unread_pages.push(page);
                unreadable_reason.get_or_insert(e);
                continue;
            }
        };
        if pgm_has_ink(&pgm) == Some(false) {
            // Blank: nothing to read.
            let _ = std::fs::remove_file(&pgm_path);
            continue;
        }
        drop(pgm);
        let _ = std::fs::remove_file(&pgm_path);
        if let Err(why) = &ocr {
            doc.unread_pages.push(page);
            unreadable_reason.get_or_insert_with(|| why.clone());
            continue;
        }
        let cmd = render_page(file.path(), page, opts.ocr.dpi, &prefix);
        if let Err(e) = run(cmd, deadline_of(opts), "pdftoppm") {
            doc.unread_pages.push(page);
            unreadable_reason.get_or_insert(e);
            continue;
        }
        match ocr_file(&pgm_path, opts) {
            Ok(texts) => {
                let text = texts.into_iter().next();
                match text {
                    Some(t)
                        if !t.paragraphs.is_empty() && t.confidence >= opts.ocr.min_confidence =>
                    {
                        doc.ocr_pages.push(OcrPage {
                            page,
                            confidence: t.confidence,
                        });
                        added.push((page, t.paragraphs));
                    }
                    Some(t) if !t.paragraphs.is_empty() => {
                        doc.warnings.push(confidence_warning(
                            page,
                            t.confidence,
                            opts.ocr.min_confidence,
                        ));
                        doc.unread_pages.push(page);
                    }
                    _ => {
                        doc.unread_pages.push(page);
                        unreadable_reason.get_or_insert_with(|| "OCR found no text on it".into());
                    }
                }
            }
            Err(e) => {
                doc.unread_pages.push(page);
                unreadable_reason.get_or_insert(e);
            }
        }
        let _ = std::fs::remove_file(&pgm_path);
    }
    if let Some(why) = unreadable_reason {
        let unread: Vec<u32> = doc.unread_pages.clone();
        if !unread.is_empty() {
            doc.warnings.push(format!(
                "page{} {} look{} scanned (an image, no text) and {} not read: {why}",
                if unread.len() == 1 { "" } else { "s" },
                join(&unread),
                if unread.len() == 1 { "s" } else { "" },
                if unread.len() == 1 { "was" } else { "were" },
            ));
        }
    }
    if added.is_empty() {
        return;
    }
    doc.warnings.push(ocr_note(&doc.ocr_pages));
    doc.pages_without_text -= added.len() as u32;
    // Put each page's OCR paragraphs after that page's blocks, and number paragraphs again.
    let mut blocks = std::mem::take(&mut doc.blocks);
    for (page, paras) in added {
        let at = blocks
            .iter()
            .position(|b| b.location.page.is_some_and(|p| p > page))
            .unwrap_or(blocks.len());
        let new: Vec<Block> = paras
            .into_iter()
            .map(|t| {
                Block::new(
                    BlockKind::Paragraph,
                    t,
                    Location {
                        page: Some(page),
                        ..Default::default()
                    },
                )
            })
            .collect();
        blocks.splice(at..at, new);
    }
    for (i, b) in blocks.iter_mut().enumerate() {
        b.location.paragraph = i as u32 + 1;
    }
    doc.blocks = blocks;
}

fn join(pages: &[u32]) -> String {
    pages
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_and_paragraphs_with_a_weighted_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
            5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tSupply\n\
            5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tcameras\n\
            5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tnow\n\
            5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\t海康\n\
            5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t60\t威視\n\
            5\t2\t1\t1\t1\t1\t0\t0\t1\t1\t40\tx\n";
        let pages = parse_tsv(tsv);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].paragraphs, vec!["Supply cameras\nnow", "海康威視"]);
        let want = (90.0 * 6.0 + 80.0 * 7.0 + 70.0 * 3.0 + 60.0 * 4.0) / 20.0;
        assert!((pages[0].confidence - want as f32).abs() < 0.01);
        assert_eq!(pages[1].paragraphs, vec!["x"]);
    }

    #[test]
    fn blank_and_inked_pages_are_told_apart() {
        let mut white = b"P5\n4 4\n255\n".to_vec();
        white.extend([255u8; 16]);
        assert_eq!(pgm_has_ink(&white), Some(false));
        let mut ink = white.clone();
        ink[12] = 0;
        assert_eq!(pgm_has_ink(&ink), Some(true));
        assert_eq!(pgm_has_ink(b"P6\n"), None);
    }
}
