//! Discover inputs, extract and judge them in parallel, and hand reports out in input order.
//!
//! Every input path ends up in the output exactly once: a file that cannot be read gets an `error`
//! report, a panic inside one document's extraction becomes an `error` report for that document, and
//! the batch goes on. Files met while walking a folder that are not contracts (images, spreadsheets)
//! are skipped and counted, not reported.

use crate::extract::{self, ExtractOptions, Sniffed};
use crate::finding::{DocumentReport, Status, Verdict};
use crate::judge::Judge;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One path to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Named on the command line (an unreadable explicit file is an error, not a skip).
    pub explicit: bool,
    /// A problem found while walking (a broken symlink, a permission error, a loop).
    pub walk_error: Option<String>,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    /// Files under a folder that are not contracts.
    pub skipped: usize,
}

const CONTRACT_EXTENSIONS: &[&str] = &[
    "pdf", "docx", "docm", "dotx", "txt", "md", "text", "markdown", "odt", "ott", "fodt", "doc",
    "rtf",
];

/// Expand files and folders (recursively, sorted by name) into the inputs to scan.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut d = Discovery::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut d),
            Ok(_) => d.inputs.push(Input {
                path: p.clone(),
                explicit: true,
                walk_error: None,
            }),
            Err(e) => d.inputs.push(Input {
                path: p.clone(),
                explicit: true,
                walk_error: Some(e.to_string()),
            }),
        }
    }
    d
}

fn walk(root: &Path, d: &mut Discovery) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_dir() {
                    continue;
                }
                let path = e.into_path();
                if looks_like_contract(&path) {
                    d.inputs.push(Input {
                        path,
                        explicit: false,
                        walk_error: None,
                    });
                } else {
                    d.skipped += 1;
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                // A directory we cannot enter or a loop is reported once, as the path it concerns.
                let msg = match err.loop_ancestor() {
                    Some(a) => format!("symbolic link loop back to {}", a.display()),
                    None => err
                        .io_error()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| err.to_string()),
                };
                d.inputs.push(Input {
                    path,
                    explicit: false,
                    walk_error: Some(msg),
                });
            }
        }
    }
}

/// By extension, else by the first bytes (a PDF or zip saved without an extension).
fn looks_like_contract(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if ext
        .as_deref()
        .is_some_and(|e| CONTRACT_EXTENSIONS.contains(&e))
    {
        return true;
    }
    let mut head = [0u8; 1024];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    matches!(
        extract::sniff(&head[..n], None),
        Sniffed::Pdf | Sniffed::Docx | Sniffed::Odt
    )
}

/// Options for a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub extract: ExtractOptions,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            extract: ExtractOptions::default(),
            jobs: 0,
            max_file_bytes: 1 << 30,
        }
    }
}

/// Scan one input: read, sniff, extract, judge. Never panics; never returns without a report.
pub fn scan_one(input: &Input, judge: &Judge, opts: &ScanOptions) -> DocumentReport {
    let path = input.path.to_string_lossy().into_owned();
    if let Some(err) = &input.walk_error {
        return DocumentReport::error(path, None, "io", err.clone());
    }
    let bytes = match read_bounded(&input.path, opts.max_file_bytes) {
        Ok(b) => b,
        Err(e) => return DocumentReport::error(path, None, "io", e),
    };
    if bytes.is_empty() {
        return DocumentReport::error(path, None, "empty", "the file is empty".into());
    }
    let ext = input.path.extension().and_then(|e| e.to_str());
    let kind = extract::sniff(&bytes, ext);
    let format = extract::format_of(kind).map(|f| f.as_str().to_string());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let doc = extract::extract(kind, &bytes, &opts.extract)?;
        let judgement = judge.judge(&doc);
        Ok::<_, extract::ExtractError>((doc, judgement))
    }));
    match result {
        Ok(Ok((doc, j))) => {
            let status = if doc.has_text() {
                Status::Ok
            } else {
                Status::NoText
            };
            DocumentReport {
                path,
                format: Some(doc.format.as_str().to_string()),
                status,
                error: None,
                error_class: None,
                pages: doc.pages,
                pages_without_text: doc.pages.map(|_| doc.pages_without_text),
                verdict: if status == Status::NoText {
                    Verdict::Unreadable
                } else {
                    j.verdict
                },
                facts: j.facts,
                findings: j.findings,
                warnings: doc.warnings,
            }
        }
        Ok(Err(e)) => DocumentReport::error(path, format, e.class(), e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            DocumentReport::error(
                path,
                format,
                "internal",
                format!("internal error while reading: {msg}"),
            )
        }
    }
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = f.metadata().map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    if meta.len() > max {
        return Err(format!("file is larger than the {max}-byte limit"));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Scan every input in parallel and call `sink` with each report in input order. Memory stays bounded
/// by the documents in flight: inputs are processed in windows of a few documents per thread.
pub fn scan<F>(
    inputs: &[Input],
    judge: &Judge,
    opts: &ScanOptions,
    mut sink: F,
) -> Result<(), String>
where
    F: FnMut(DocumentReport),
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .thread_name(|i| format!("tenderscan-{i}"))
        .build()
        .map_err(|e| e.to_string())?;
    let threads = pool.current_num_threads().max(1);
    let window = threads * 4;
    // Silence the default panic message for caught per-document panics; they become error reports.
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for chunk in inputs.chunks(window) {
        let reports: Vec<DocumentReport> =
            pool.install(|| chunk.par_iter().map(|i| scan_one(i, judge, opts)).collect());
        for r in reports {
            sink(r);
        }
    }
    std::panic::set_hook(prev_hook);
    Ok(())
}
