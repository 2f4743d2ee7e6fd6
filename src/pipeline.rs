//! Discover inputs, extract and judge them in parallel, and hand reports out in input order.
//!
//! Every input path ends up in the output exactly once: a file that cannot be read gets an `error`
//! report, a panic inside one document's extraction becomes an `error` report for that document, and
//! the batch goes on. Archives, spreadsheets and images met while walking a folder are inputs too
//! (an archive's members each an input of their own, before the archive); other files are skipped
//! and counted.

use crate::extract::{self, ExtractOptions, Sniffed};
use crate::finding::{DocumentReport, Status, Verdict};
use crate::judge::Judge;
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
    /// A member of an archive: the archive file it is read from. `path` is then
    /// `ARCHIVE!/MEMBER` (nested archives chained the same way: `a.zip!/b.zip!/c.pdf`).
    pub archive: Option<PathBuf>,
}

impl Input {
    /// A file to read.
    pub fn file(path: PathBuf, explicit: bool) -> Input {
        Input {
            path,
            explicit,
            walk_error: None,
            archive: None,
        }
    }

    /// For a member of an archive: its path inside the archive (nested archives joined by `!/`).
    pub fn member(&self) -> Option<String> {
        let archive = self.archive.as_ref()?;
        let whole = self.path.as_os_str().as_encoded_bytes();
        let head = archive.as_os_str().as_encoded_bytes();
        let rest = whole
            .strip_prefix(head)?
            .strip_prefix(extract::archive::SEPARATOR.as_bytes())?;
        Some(String::from_utf8_lossy(rest).into_owned())
    }

    /// For a member of an archive: the path of the archive it is in (the innermost one).
    pub fn container(&self) -> Option<String> {
        self.archive.as_ref()?;
        let shown = self.path.to_string_lossy();
        shown
            .rsplit_once(extract::archive::SEPARATOR)
            .map(|(c, _)| c.to_string())
    }
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    /// Files under a folder that are not contracts (reports tenderscan wrote included).
    pub skipped: usize,
    /// Reports tenderscan wrote, met while walking a folder and skipped (also counted in `skipped`).
    pub skipped_reports: Vec<PathBuf>,
    /// For an input reached more than once (the same path, or the same file by another path: a
    /// symbolic or hard link, a file listed and also inside a listed folder), the other paths it was
    /// reached by, in the order met. The input itself is read once.
    pub duplicates: std::collections::BTreeMap<PathBuf, Vec<PathBuf>>,
    /// Warnings for the record of an archive whose members were not all taken as inputs (package
    /// limits), by the archive's path.
    pub package_notes: std::collections::BTreeMap<PathBuf, Vec<String>>,
}

const CONTRACT_EXTENSIONS: &[&str] = &[
    "pdf", "docx", "docm", "dotx", "txt", "md", "text", "markdown", "odt", "ott", "fodt", "doc",
    "rtf",
];

/// Extensions of other files a folder walk gives a record: archives (read member by member),
/// spreadsheets (bills of quantities) and images (read by OCR). A tender package is all of them.
const PACKAGE_EXTENSIONS: &[&str] = &[
    "zip", "7z", "rar", "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "png", "jpg", "jpeg", "tif",
    "tiff", "gif", "bmp", "webp",
];

/// Extensions of zip-based documents: never opened as archives at discovery.
const ZIP_DOCUMENT_EXTENSIONS: &[&str] = &[
    "docx", "docm", "dotx", "xlsx", "xlsm", "odt", "ott", "ods", "ots",
];

/// Extensions of contracts kept as plain text, under which a report tenderscan wrote may be saved
/// (`--format markdown -o report.md`, `> scan.txt`): their first bytes are looked at while walking.
const TEXT_EXTENSIONS: &[&str] = &["txt", "md", "text", "markdown", "csv", "tsv"];

/// True for a file discovery opens as an archive when it is a zip: named `.zip`, or with no
/// extension of a document, spreadsheet or image.
fn package_candidate(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str());
    match ext {
        Some(e) if e.eq_ignore_ascii_case("zip") => true,
        _ => {
            !has_extension(path, CONTRACT_EXTENSIONS)
                && !has_extension(path, PACKAGE_EXTENSIONS)
                && !has_extension(path, ZIP_DOCUMENT_EXTENSIONS)
        }
    }
}

/// The zip archive at `path`, when it is one that is a package (not a zip-based document).
/// `Err` when it starts like a zip but cannot be read as one.
fn open_package(
    path: &Path,
) -> Option<Result<zip::ZipArchive<std::fs::File>, extract::ExtractError>> {
    if !package_candidate(path) {
        return None;
    }
    let mut f = open_regular(path).ok()?;
    let mut head = [0u8; 4];
    if read_head(&mut f, &mut head) < 4 || !(head == *b"PK\x03\x04" || head == *b"PK\x05\x06") {
        return None;
    }
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(0)).ok()?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extract::archive::open_file(f) {
        Ok(mut z) => (extract::sniff_zip_archive(&mut z, ext.as_deref()) == Sniffed::OtherZip)
            .then_some(Ok(z)),
        Err(e) => Some(Err(e)),
    }
}

/// Put the members of every archive among the inputs before it (nested archives' members before
/// the nested archive), so that each member is a record of its own and the archive's record, last,
/// can take the worst of their verdicts ([`Packages`]).
fn expand_packages(d: &mut Discovery, limits: &extract::archive::ArchiveLimits) {
    let inputs = std::mem::take(&mut d.inputs);
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        if input.walk_error.is_none() && input.archive.is_none() {
            if let Some(Ok(z)) = open_package(&input.path) {
                let exp = extract::archive::expand(z, limits);
                for m in exp.members {
                    let mut p = input.path.clone().into_os_string();
                    p.push(extract::archive::SEPARATOR);
                    p.push(&m);
                    out.push(Input {
                        path: PathBuf::from(p),
                        explicit: input.explicit,
                        walk_error: None,
                        archive: Some(input.path.clone()),
                    });
                }
                if !exp.notes.is_empty() {
                    d.package_notes.insert(input.path.clone(), exp.notes);
                }
            }
        }
        out.push(input);
    }
    d.inputs = out;
}

/// The message of the record of a FIFO, socket or device given or met as a document.
pub const NOT_REGULAR: &str = "not a regular file";

/// Expand files and folders (recursively, sorted by name) into the inputs to scan, each file once,
/// and archives into their members (default limits).
pub fn discover(paths: &[PathBuf]) -> Discovery {
    discover_with(paths, &extract::archive::ArchiveLimits::default())
}

/// [`discover`] with these archive limits.
pub fn discover_with(paths: &[PathBuf], limits: &extract::archive::ArchiveLimits) -> Discovery {
    let mut d = Discovery::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut d),
            Ok(m) => d.inputs.push(Input {
                path: p.clone(),
                explicit: true,
                // Refused without being opened: a FIFO would block, a device never end.
                walk_error: (!m.is_file()).then(|| NOT_REGULAR.to_string()),
                archive: None,
            }),
            Err(e) => d.inputs.push(Input {
                path: p.clone(),
                explicit: true,
                walk_error: Some(e.to_string()),
                archive: None,
            }),
        }
    }
    merge_duplicates(&mut d);
    expand_packages(&mut d, limits);
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
                let ft = e.file_type();
                if ft.is_dir() {
                    continue;
                }
                let path = e.into_path();
                if !ft.is_file() {
                    // A FIFO, socket or device: never opened. Named like a contract, it gets a
                    // record; otherwise it is skipped like any other file that is not one.
                    if has_extension(&path, CONTRACT_EXTENSIONS)
                        || has_extension(&path, PACKAGE_EXTENSIONS)
                    {
                        d.inputs.push(Input {
                            path,
                            explicit: false,
                            walk_error: Some(NOT_REGULAR.to_string()),
                            archive: None,
                        });
                    } else {
                        d.skipped += 1;
                    }
                    continue;
                }
                match walked_file_kind(&path) {
                    Walked::Contract => d.inputs.push(Input::file(path, false)),
                    Walked::OwnReport => {
                        d.skipped += 1;
                        d.skipped_reports.push(path);
                    }
                    Walked::Other => d.skipped += 1,
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
                    archive: None,
                });
            }
        }
    }
}

fn has_extension(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// What a regular file met while walking is.
enum Walked {
    Contract,
    /// A report tenderscan wrote ([`crate::report::own_report_format`]).
    OwnReport,
    Other,
}

/// By extension, else by the first bytes (a PDF or zip saved without an extension). Files that may
/// hold plain text (a text extension, or none recognised) have their first bytes read, so that a
/// report tenderscan wrote into the folder is not scanned as a contract.
fn walked_file_kind(path: &Path) -> Walked {
    let contract_ext =
        has_extension(path, CONTRACT_EXTENSIONS) || has_extension(path, PACKAGE_EXTENSIONS);
    if contract_ext && !has_extension(path, TEXT_EXTENSIONS) {
        return Walked::Contract;
    }
    let mut head = [0u8; 1024];
    let n = open_regular(path)
        .ok()
        .map(|mut f| read_head(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if crate::report::own_report_format(head).is_some() {
        return Walked::OwnReport;
    }
    if contract_ext
        || matches!(
            extract::sniff(head, None),
            Sniffed::Pdf
                | Sniffed::Docx
                | Sniffed::Odt
                | Sniffed::OtherZip
                | Sniffed::Sheet(_)
                | Sniffed::SevenZ
                | Sniffed::Rar
                | Sniffed::Image
        )
    {
        Walked::Contract
    } else {
        Walked::Other
    }
}

/// Fill `buf` from the start of `f` as far as it goes.
fn read_head(f: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    n
}

/// Open `path` for reading only if it is a regular file. Opened without blocking (a FIFO put in
/// its place after it was looked at opens at once instead of waiting for a writer) and checked
/// again on the open file, so nothing but a regular file is ever read.
pub fn open_regular(path: &Path) -> Result<std::fs::File, (&'static str, String)> {
    let meta = std::fs::metadata(path).map_err(|e| ("io", e.to_string()))?;
    if meta.is_dir() {
        return Err(("io", "is a directory".into()));
    }
    if !meta.is_file() {
        return Err(("io", NOT_REGULAR.into()));
    }
    let mut oo = std::fs::OpenOptions::new();
    oo.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        oo.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let f = oo.open(path).map_err(|e| ("io", e.to_string()))?;
    let meta = f.metadata().map_err(|e| ("io", e.to_string()))?;
    if meta.is_dir() {
        return Err(("io", "is a directory".into()));
    }
    if !meta.is_file() {
        return Err(("io", NOT_REGULAR.into()));
    }
    Ok(f)
}

/// What identifies a file however it was reached: its device and inode where the platform has
/// them, else its canonical path; an input that cannot be looked at, its path as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn file_id(input: &Input) -> FileId {
    if input.walk_error.is_none() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if let Ok(m) = std::fs::metadata(&input.path) {
                return FileId::Inode(m.dev(), m.ino());
            }
        }
        if let Ok(c) = std::fs::canonicalize(&input.path) {
            return FileId::Path(c);
        }
    }
    FileId::Path(input.path.clone())
}

/// Keep the first of the inputs that are the same file, and note the paths of the others.
fn merge_duplicates(d: &mut Discovery) {
    let mut first: std::collections::HashMap<FileId, PathBuf> = std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(d.inputs.len());
    for input in std::mem::take(&mut d.inputs) {
        match first.entry(file_id(&input)) {
            std::collections::hash_map::Entry::Occupied(o) => {
                d.duplicates
                    .entry(o.get().clone())
                    .or_default()
                    .push(input.path);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(input.path.clone());
                kept.push(input);
            }
        }
    }
    d.inputs = kept;
}

/// Take the file at `output` (the report this run writes) out of the inputs, however it was
/// reached: a run never reads its own output. Returns the paths taken out.
pub fn drop_output_file(d: &mut Discovery, output: &Path) -> Vec<PathBuf> {
    let probe = Input::file(output.to_path_buf(), true);
    if std::fs::metadata(output).is_err() {
        return Vec::new();
    }
    let id = file_id(&probe);
    let mut dropped = Vec::new();
    d.inputs.retain(|i| {
        let same = i.walk_error.is_none() && i.archive.is_none() && file_id(i) == id;
        if same {
            dropped.push(i.path.clone());
        }
        !same
    });
    let others: Vec<PathBuf> = dropped
        .iter()
        .filter_map(|p| d.duplicates.remove(p))
        .flatten()
        .collect();
    dropped.extend(others);
    dropped
}

/// The warning put on the record of an input that was reached more than once.
pub fn duplicate_warning(others: &[PathBuf]) -> String {
    let names: Vec<String> = others.iter().map(|p| p.display().to_string()).collect();
    format!(
        "the same file was also given as {}; it is read and counted once",
        names.join(", ")
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
    /// Cooperative time budget per document (sets `ExtractOptions::deadline` for each document).
    pub timeout: Option<std::time::Duration>,
    /// Folder of the extracted-text cache; `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// Limits on archives and their members.
    pub archive: extract::archive::ArchiveLimits,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            extract: ExtractOptions::default(),
            jobs: 0,
            max_file_bytes: 1 << 30,
            timeout: None,
            cache_dir: None,
            archive: extract::archive::ArchiveLimits::default(),
        }
    }
}

/// Scan one input: read, sniff, extract, judge. Never panics; never returns without a report.
pub fn scan_one(input: &Input, judge: &Judge, opts: &ScanOptions) -> DocumentReport {
    scan_one_when_ready(input, || Ok(judge), opts)
}

/// Like [`scan_one`], with a judge that may still be compiling (a [`BackgroundJudge`]): the document
/// is read first, which needs no patterns, and `judge` is called, and may block, only when the text
/// is to be judged. An `Err` from it becomes an `internal` error report for the document.
pub fn scan_one_when_ready<'j, J>(input: &Input, judge: J, opts: &ScanOptions) -> DocumentReport
where
    J: FnOnce() -> Result<&'j Judge, String>,
{
    let mut report = scan_one_inner(input, judge, opts);
    report.path_bytes = raw_path_bytes(&input.path);
    report.container = input.container();
    report
}

/// The record of an archive: what it holds. Its members are inputs of their own; its verdict,
/// `unreadable` until [`Packages`] gives it the worst of theirs.
fn package_report(path: String, entries: &[extract::archive::Entry]) -> DocumentReport {
    use crate::finding::{NotRead, Package};
    use extract::archive::EntryKind;
    let members = entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Document | EntryKind::Archive))
        .count();
    let not_read = extract::archive::not_read(entries);
    let mut r = DocumentReport::error(path, Some("zip".into()), "", String::new());
    r.status = Status::Ok;
    r.error = None;
    r.error_class = None;
    let mut package = Package {
        members,
        not_read_total: not_read.len(),
        not_read: Vec::new(),
    };
    for (name, reason, limit) in not_read.into_iter() {
        if package.not_read.len() < Package::LISTED {
            r.warnings.push(format!("not read: {name}: {reason}"));
            package.not_read.push(NotRead {
                name,
                reason,
                limit,
            });
        }
    }
    if package.not_read_total > package.not_read.len() {
        r.warnings.push(format!(
            "and {} more members not read",
            package.not_read_total - package.not_read.len()
        ));
    }
    if members == 0 {
        r.warnings
            .push("the archive holds no document tenderscan reads".into());
    }
    r.package = Some(package);
    r
}

/// Gives each archive's record the worst verdict of its members (which come before it, in input
/// order) and the notes discovery left for it. Feed it every report in input order.
#[derive(Debug, Default)]
pub struct Packages {
    worst: std::collections::HashMap<String, Verdict>,
}

impl Packages {
    pub fn new() -> Self {
        Self::default()
    }

    /// Settle `r`: an archive's verdict is the worst of its members', and `unreadable` when it has
    /// none or some were left out by a limit. `notes` are discovery's warnings for it.
    pub fn settle(&mut self, r: &mut DocumentReport, notes: Option<&Vec<String>>) {
        if let Some(notes) = notes {
            r.warnings.extend(notes.iter().cloned());
        }
        if let Some(p) = &r.package {
            let complete = notes.is_none_or(|n| n.is_empty())
                && p.not_read.iter().all(|n| !n.limit)
                && p.not_read_total == p.not_read.len();
            let worst = self.worst.remove(&r.path);
            r.verdict = match worst {
                Some(v) if complete && p.members > 0 && r.status == Status::Ok => v,
                _ => Verdict::Unreadable,
            };
            if !complete {
                r.warnings.push(
                    "members were left out by a limit: the package was not read in full, so it \
                     is unreadable whatever the members read say"
                        .into(),
                );
            }
        }
        if let Some(c) = &r.container {
            let w = self.worst.entry(c.clone()).or_insert(Verdict::Pass);
            *w = (*w).max(r.verdict);
        }
    }
}

/// Patterns compiled on a thread of their own while the first documents are read.
///
/// Compiling the shipped patterns takes about as long as reading a few documents, on one core: done
/// before the scan, it left the other cores idle. Only patterns known to compile should be handed
/// to it (the shipped ones: the tests compile them); a user's pattern folder is compiled before the
/// scan, so that its errors stop the run before any document is read.
pub struct BackgroundJudge {
    compiled: std::sync::Arc<std::sync::OnceLock<Result<Judge, String>>>,
}

impl BackgroundJudge {
    /// Start compiling `set`.
    pub fn start(set: crate::patterns::PatternSet) -> Self {
        let compiled = std::sync::Arc::new(std::sync::OnceLock::new());
        let cell = compiled.clone();
        let spawned = std::thread::Builder::new()
            .name("tenderscan-patterns".into())
            .spawn(move || {
                // The cell is always filled, even if compiling panicked: documents wait on it.
                let result = std::panic::catch_unwind(|| Judge::new(set))
                    .map_err(|p| format!("compiling the patterns panicked: {}", panic_text(&*p)))
                    .and_then(|r| r.map_err(|e| e.to_string()));
                let _ = cell.set(result);
            });
        if let Err(e) = spawned {
            let _ = compiled.set(Err(format!(
                "cannot start a thread to compile the patterns: {e}"
            )));
        }
        BackgroundJudge { compiled }
    }

    /// The judge, waiting for it to be compiled.
    pub fn get(&self) -> Result<&Judge, String> {
        self.compiled.wait().as_ref().map_err(Clone::clone)
    }
}

/// The raw bytes of a path that is not valid UTF-8.
fn raw_path_bytes(path: &Path) -> Option<Vec<u8>> {
    if path.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(path.as_os_str().as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        Some(path.to_string_lossy().as_bytes().to_vec())
    }
}

/// Read a list of paths, one per line (`--files-from`). Lines are taken as raw bytes on Unix, so
/// names that are not UTF-8 survive; empty and whitespace-only lines are ignored, a trailing `\r` is removed.
pub fn read_path_list<R: Read>(mut r: R) -> std::io::Result<Vec<PathBuf>> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    let mut out = Vec::new();
    for line in buf.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            out.push(PathBuf::from(std::ffi::OsStr::from_bytes(line)));
        }
        #[cfg(not(unix))]
        {
            out.push(PathBuf::from(String::from_utf8_lossy(line).into_owned()));
        }
    }
    Ok(out)
}

/// Keep the inputs of shard `k` of `n` (1-based): a stable hash of each path's bytes decides its
/// shard, so any machine computes the same partition and the JSONL parts concatenate into one result.
pub fn shard(inputs: Vec<Input>, k: u32, n: u32) -> Vec<Input> {
    if n <= 1 {
        return inputs;
    }
    inputs
        .into_iter()
        .filter(|i| {
            // The members of an archive go with it: its record takes their verdicts.
            let bytes = i
                .archive
                .as_deref()
                .unwrap_or(&i.path)
                .as_os_str()
                .as_encoded_bytes();
            // FNV-1a, 64 bit: stable across platforms, releases and runs.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            (h % u64::from(n)) as u32 == k - 1
        })
        .collect()
}

/// Parse `K/N` for `--shard` (1 <= K <= N).
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard takes K/N, e.g. 1/4, not '{s}'"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("--shard: '{k}' is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard: '{n}' is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("--shard {k}/{n}: K must be between 1 and N"));
    }
    Ok((k, n))
}

/// The report for an input that failed during discovery.
pub fn report_walk_error(input: &Input) -> DocumentReport {
    let mut r = DocumentReport::error(
        input.path.to_string_lossy().into_owned(),
        None,
        "io",
        input.walk_error.clone().unwrap_or_default(),
    );
    r.path_bytes = raw_path_bytes(&input.path);
    r
}

fn scan_one_inner<'j, J>(input: &Input, judge: J, opts: &ScanOptions) -> DocumentReport
where
    J: FnOnce() -> Result<&'j Judge, String>,
{
    let path = input.path.to_string_lossy().into_owned();
    if input.walk_error.is_some() {
        return report_walk_error(input);
    }
    let member = input.member();
    let bytes = match (&input.archive, &member) {
        (Some(archive), Some(chain)) => {
            let open = || {
                open_regular(archive).map_err(|(_, e)| extract::ExtractError::Malformed {
                    format: "zip",
                    reason: format!("cannot open the archive: {e}"),
                })
            };
            match extract::archive::read_member(
                archive,
                open,
                chain,
                &opts.archive,
                opts.max_file_bytes,
            ) {
                Ok(b) => b,
                Err(e) => return DocumentReport::error(path, None, e.class(), e.to_string()),
            }
        }
        (Some(_), None) => {
            return DocumentReport::error(
                path,
                None,
                "internal",
                "an archive member whose path does not start with its archive's".into(),
            )
        }
        (None, _) => {
            match open_package(&input.path) {
                Some(Ok(mut z)) => {
                    let entries = extract::archive::list(&mut z, 0, &opts.archive);
                    return package_report(path, &entries);
                }
                Some(Err(e)) => {
                    return DocumentReport::error(
                        path,
                        Some("zip".into()),
                        e.class(),
                        e.to_string(),
                    )
                }
                None => {}
            }
            match read_bounded(&input.path, opts.max_file_bytes) {
                Ok(b) => b,
                Err((class, e)) => return DocumentReport::error(path, None, class, e),
            }
        }
    };
    if bytes.is_empty() {
        return DocumentReport::error(path, None, "empty", "the file is empty".into());
    }
    let member_ext = member.as_deref().and_then(|m| {
        let base = m.rsplit(['/', '\\']).next().unwrap_or(m);
        base.rsplit_once('.').map(|(_, e)| e.to_string())
    });
    let ext = match &member_ext {
        Some(e) => Some(e.as_str()),
        None if member.is_some() => None,
        None => input.path.extension().and_then(|e| e.to_str()),
    };
    let kind = extract::sniff(&bytes, ext);
    if kind == Sniffed::OtherZip && ext.is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        if let Some(chain) = &member {
            // A nested archive: its members are inputs of their own.
            let depth = chain.matches(extract::archive::SEPARATOR).count() as u32 + 1;
            return match extract::archive::list_bytes(&bytes, depth, &opts.archive) {
                Ok(entries) => package_report(path, &entries),
                Err(e) => DocumentReport::error(path, Some("zip".into()), e.class(), e.to_string()),
            };
        }
    }
    let format = extract::format_of(kind).map(|f| f.as_str().to_string());
    let mut xopts = opts.extract.clone();
    xopts.deadline = opts.timeout.map(|t| std::time::Instant::now() + t);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cache = opts
            .cache_dir
            .as_deref()
            .filter(|_| kind != Sniffed::Text)
            .map(|dir| (dir, crate::cache::key(&bytes, &opts.extract)));
        let cached = cache
            .as_ref()
            .and_then(|(dir, key)| crate::cache::get(dir, key));
        let doc = match cached {
            Some(doc) => doc,
            None => {
                let doc = extract::extract(kind, &bytes, &xopts)?;
                if let Some((dir, key)) = &cache {
                    if !xopts.past_deadline() {
                        crate::cache::put(dir, key, &doc);
                    }
                }
                doc
            }
        };
        let judge = match judge() {
            Ok(j) => j,
            Err(e) => return Ok(Err(e)),
        };
        let mut judgement = judge.judge(&doc);
        crate::inventory::fill(&doc, &mut judgement.findings);
        if !doc.ocr_pages.is_empty() {
            for f in &mut judgement.findings {
                let page = f.page.or_else(|| {
                    // A whole-document finding (missing clause) of a document read only by OCR.
                    (doc.format == crate::document::Format::Image && doc.ocr_pages.len() == 1)
                        .then_some(doc.ocr_pages[0].page)
                });
                if let Some(p) = page.and_then(|p| doc.ocr_pages.iter().find(|o| o.page == p)) {
                    f.ocr = true;
                    f.ocr_confidence = Some(p.confidence);
                }
            }
        }
        if !doc.sheets.is_empty() {
            for f in &mut judgement.findings {
                f.sheet = f
                    .paragraph
                    .and_then(|p| doc.sheet_of(p))
                    .map(str::to_string);
            }
        }
        Ok::<_, extract::ExtractError>(Ok((doc, judgement)))
    }));
    let mut report = match result {
        Ok(Ok(Err(no_judge))) => DocumentReport::error(path, format, "internal", no_judge),
        Ok(Ok(Ok((doc, j)))) => {
            let status = if doc.has_text() {
                Status::Ok
            } else {
                Status::NoText
            };
            DocumentReport {
                path,
                path_bytes: None,
                content_hash: None,
                format: Some(doc.format.as_str().to_string()),
                status,
                error: None,
                error_class: None,
                pages: doc.pages,
                pages_without_text: doc.pages.map(|_| doc.pages_without_text),
                verdict: if status == Status::NoText {
                    Verdict::Unreadable
                } else if j.verdict == Verdict::Pass && !doc.unread_pages.is_empty() {
                    // Pages that look scanned were not read: never a clean pass.
                    Verdict::Review
                } else {
                    j.verdict
                },
                document_kind: j.document_kind,
                facts: j.facts,
                inventory: crate::inventory::totals(&j.findings),
                findings: j.findings,
                warnings: {
                    let mut w = doc.warnings;
                    if status == Status::Ok
                        && j.verdict == Verdict::Pass
                        && !doc.unread_pages.is_empty()
                    {
                        w.push(format!(
                            "not a clean pass: {} of {} pages look scanned and were not read",
                            doc.unread_pages.len(),
                            doc.pages.unwrap_or(0)
                        ));
                    }
                    w
                },
                container: None,
                package: None,
            }
        }
        Ok(Err(e)) => DocumentReport::error(path, format, e.class(), e.to_string()),
        Err(panic) => DocumentReport::error(path, format, "internal", panic_message(&*panic)),
    };
    // The content hash and the findings' fingerprints (waivers and baselines match by them).
    crate::review::stamp(&mut report, &bytes);
    report
}

/// The error message of a report for a document whose reading panicked.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    format!("internal error while reading: {}", panic_text(panic))
}

/// What a panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Read a regular file of at most `max` bytes: the error class (`io`, `limit`) and message otherwise.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, (&'static str, String)> {
    let f = open_regular(path)?;
    let meta = f.metadata().map_err(|e| ("io", e.to_string()))?;
    let too_big = || {
        (
            "limit",
            format!("file is larger than the {max}-byte limit (--max-file-bytes)"),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ("io", e.to_string()))?;
    if buf.len() as u64 > max {
        // It grew while being read.
        return Err(too_big());
    }
    Ok(buf)
}

/// Scan every input in parallel and call `sink` with each report in input order. Memory stays bounded
/// by the documents in flight: inputs are processed in windows of a few documents per thread.
pub fn scan<F>(inputs: &[Input], judge: &Judge, opts: &ScanOptions, sink: F) -> Result<(), String>
where
    F: FnMut(DocumentReport),
{
    scan_with(
        inputs,
        opts.jobs,
        SinkThread::Normal,
        |i| scan_one(i, judge, opts),
        sink,
    )
}

/// How the thread that hands reports to the sink (the caller's) is scheduled while a scan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkThread {
    /// As it was.
    Normal,
    /// As a batch thread (Linux `SCHED_BATCH`, the same share of the processor), which the kernel
    /// does not let preempt a running thread when it wakes: a report handed over then waits for
    /// the next scheduler tick or a free core instead of interrupting a reading thread. On two
    /// cores, waking it for each report cost 600 context switches and 5 ms of kernel time over the
    /// mixed 200-document bench corpus. Set back when the scan ends.
    Yielding,
}

/// Like [`scan`], with any per-document executor. The executor must return a report for every input.
///
/// Each of the `jobs` rayon threads runs one loop that takes inputs in order (the same pool reads a
/// document's pages in parallel); see [`in_input_order`] for the order of reports and the window.
///
/// The loops are broadcast, one to each thread, never queued as ordinary jobs: a thread waiting for a
/// page join runs queued jobs meanwhile, and had it taken up a second loop that then waited for the
/// window, that loop would have waited for the very document held below it on the same stack (the
/// scan hung; `documents_with_parallel_pages_never_deadlock`).
pub fn scan_with<E, F>(
    inputs: &[Input],
    jobs: usize,
    sink_thread: SinkThread,
    exec: E,
    sink: F,
) -> Result<(), String>
where
    E: Fn(&Input) -> DocumentReport + Sync,
    F: FnMut(DocumentReport),
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("tenderscan-{i}"))
        .build()
        .map_err(|e| e.to_string())?;
    let loops = pool.current_num_threads().max(1);
    // Silence the default panic message for caught per-document panics; they become error reports.
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    in_input_order(inputs.len(), loops, sink_thread, sink, |dispatch| {
        pool.broadcast(|_| {
            while let Take::Input(i) = dispatch.take(true) {
                // An executor that panics still yields a report: the later documents wait for it.
                let input = &inputs[i];
                let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exec(input)))
                    .unwrap_or_else(|panic| {
                        DocumentReport::error(
                            input.path.display().to_string(),
                            None,
                            "internal",
                            panic_message(&*panic),
                        )
                    });
                if !dispatch.report(i, report) {
                    break;
                }
            }
        });
    });
    std::panic::set_hook(prev_hook);
    Ok(())
}

/// What [`Dispatch::take`] hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Read the input with this index.
    Input(usize),
    /// Every input has been handed out.
    Done,
    /// The next input is too far ahead of the last report handed to the sink (only when not
    /// waiting): finish what is in flight first.
    WindowFull,
}

/// Where reading loops take their inputs and leave their reports (see [`in_input_order`]).
pub struct Dispatch<'a> {
    len: usize,
    window: usize,
    /// (next input to hand out, reports handed to the sink)
    progress: &'a std::sync::Mutex<(usize, usize)>,
    progressed: &'a std::sync::Condvar,
    reports: &'a std::sync::mpsc::Sender<(usize, DocumentReport)>,
}

impl Dispatch<'_> {
    /// The next input. With `wait`, waits while the window is full (a loop with nothing in flight);
    /// without, returns [`Take::WindowFull`] (a loop that must first collect what it has in flight:
    /// waiting could wait for its own documents).
    pub fn take(&self, wait: bool) -> Take {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (next, emitted) = *p;
            if next >= self.len {
                return Take::Done;
            }
            if next < emitted + self.window {
                p.0 = next + 1;
                return Take::Input(next);
            }
            if !wait {
                return Take::WindowFull;
            }
            p = self.progressed.wait(p).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Hand in the report of input `i`. False when the scan is being abandoned (the sink's side is
    /// gone): stop reading.
    pub fn report(&self, i: usize, report: DocumentReport) -> bool {
        self.reports.send((i, report)).is_ok()
    }
}

/// How far ahead of the last report handed to the sink each loop may read. A slow document holds up
/// the sink, not the other loops, until they have read this many documents past it: with four, a
/// 5 ms DOCX among documents of 0.3 ms left the other thread idle for most of those 5 ms (the mixed
/// bench corpus took 132 ms with two threads, 1.73x less than with one). What waits is only finished
/// reports, small next to a document being read.
pub const WINDOW_PER_LOOP: usize = 32;

/// Run reading loops and hand their reports to `sink` strictly in input order, as soon as every
/// earlier one is in.
///
/// `run_loops` starts the loops (`loops` of them, which sizes the window), each taking inputs from
/// the [`Dispatch`] and handing in exactly one report for every input it takes, and returns when
/// they are all done. No input is handed out more than a window ([`WINDOW_PER_LOOP`] per loop)
/// ahead of the last report handed to the sink, so memory is bounded by the documents in flight and
/// the finished reports waiting for an earlier one, not by the corpus.
pub fn in_input_order<R, F>(
    len: usize,
    loops: usize,
    sink_thread: SinkThread,
    mut sink: F,
    run_loops: R,
) where
    R: FnOnce(&Dispatch) + Send,
    F: FnMut(DocumentReport),
{
    use std::collections::BTreeMap;
    use std::sync::{mpsc, Condvar, Mutex};

    let progress = Mutex::new((0usize, 0usize));
    let progressed = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, DocumentReport)>();
    std::thread::scope(|scope| {
        let (progress, progressed) = (&progress, &progressed);
        // `tx` moves into this thread: when the loops are done (or one panicked), it is dropped and
        // the receiving loop below ends.
        scope.spawn(move || {
            run_loops(&Dispatch {
                len,
                window: loops.max(1) * WINDOW_PER_LOOP,
                progress,
                progressed,
                reports: &tx,
            })
        });
        // (After the loops' thread is started: a thread inherits its creator's policy.)
        let _batch = (sink_thread == SinkThread::Yielding).then(BatchThread::new);
        let mut pending: BTreeMap<usize, DocumentReport> = BTreeMap::new();
        let mut want = 0usize;
        for (i, r) in rx.iter() {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&want) {
                sink(r);
                want += 1;
                progress.lock().unwrap_or_else(|e| e.into_inner()).1 = want;
                progressed.notify_all();
            }
        }
    });
}

/// The current thread scheduled as a batch thread while this lives (see [`SinkThread::Yielding`]).
struct BatchThread {
    /// It was an ordinary (`SCHED_OTHER`) thread and is now a batch one.
    #[cfg(target_os = "linux")]
    switched: bool,
}

impl BatchThread {
    fn new() -> BatchThread {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: sched_getscheduler and sched_setscheduler read or write only the parameter
            // struct passed by reference, which lives on this stack; pid 0 is the calling thread.
            let switched = unsafe {
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_getscheduler(0) == libc::SCHED_OTHER
                    && libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) == 0
            };
            BatchThread { switched }
        }
        #[cfg(not(target_os = "linux"))]
        BatchThread {}
    }
}

impl Drop for BatchThread {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.switched {
            // SAFETY: as in `new`.
            unsafe {
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_OTHER, &param);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(names: &[&str]) -> Vec<Input> {
        names
            .iter()
            .map(|n| Input::file(PathBuf::from(n), true))
            .collect()
    }

    /// `n` inputs named `{prefix}{i}.pdf`, and their names.
    fn numbered(prefix: &str, n: usize) -> (Vec<String>, Vec<Input>) {
        let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i}.pdf")).collect();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let all = inputs(&refs);
        (names, all)
    }

    /// A document's own parallel work (pages read on the pool) must never leave a pool thread
    /// waiting for the in-order window while it holds an earlier document: that hung scans
    /// (a thread waiting on a page join took up the second document loop, which then waited for
    /// the first document, held below it on the same stack).
    #[test]
    fn documents_with_parallel_pages_never_deadlock() {
        use rayon::prelude::*;
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for round in 0..60 {
                let (names, all) = numbered("doc-", 24);
                let mut order = Vec::new();
                // (Half the rounds with the sink's thread a batch thread, as the command line runs
                // it; the test thread is its own, spawned for this test.)
                let sink_thread = if round % 2 == 0 {
                    SinkThread::Normal
                } else {
                    SinkThread::Yielding
                };
                scan_with(
                    &all,
                    2,
                    sink_thread,
                    |input| {
                        let pages: u64 = (0..64u64)
                            .into_par_iter()
                            .map(|p| (0..200u64).fold(p, |a, x| a.wrapping_mul(31).wrapping_add(x)))
                            .reduce(|| 0, u64::wrapping_add);
                        DocumentReport::error(
                            input.path.display().to_string(),
                            None,
                            "test",
                            format!("{pages}"),
                        )
                    },
                    |r| order.push((r.path.clone(), r.error_class.clone())),
                )
                .unwrap();
                let want: Vec<(String, Option<String>)> = names
                    .iter()
                    .map(|n| (n.clone(), Some("test".into())))
                    .collect();
                assert_eq!(
                    order, want,
                    "round {round}: the executor's own report for every input, in input order"
                );
            }
            done_tx.send(()).unwrap();
        });
        done_rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("scan_with deadlocked");
    }

    /// With `SinkThread::Yielding` the sink runs on a batch thread, and the thread is an ordinary
    /// one again once the scan is over; with `Normal` it stays as it is.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_yielding_sink_runs_as_a_batch_thread_during_the_scan_only() {
        let policy = || unsafe { libc::sched_getscheduler(0) };
        std::thread::spawn(move || {
            assert_eq!(policy(), libc::SCHED_OTHER);
            for (mode, during) in [
                (SinkThread::Yielding, libc::SCHED_BATCH),
                (SinkThread::Normal, libc::SCHED_OTHER),
            ] {
                let (_, all) = numbered("doc-", 5);
                let mut seen = Vec::new();
                scan_with(
                    &all,
                    2,
                    mode,
                    |input| {
                        DocumentReport::error(
                            input.path.display().to_string(),
                            None,
                            "test",
                            String::new(),
                        )
                    },
                    |_| seen.push(policy()),
                )
                .unwrap();
                assert_eq!(seen, vec![during; 5], "{mode:?}");
                assert_eq!(policy(), libc::SCHED_OTHER, "after {mode:?}");
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_panicking_executor_still_reports_every_input_in_order() {
        let (_, all) = numbered("doc-", 30);
        let mut got = Vec::new();
        scan_with(
            &all,
            2,
            SinkThread::Normal,
            |input| {
                if input.path.to_str() == Some("doc-3.pdf") {
                    panic!("boom");
                }
                DocumentReport::error(input.path.display().to_string(), None, "test", "ok".into())
            },
            |r| got.push((r.path.clone(), r.error_class.clone(), r.error.clone())),
        )
        .unwrap();
        assert_eq!(got.len(), 30);
        let (path, class, msg) = &got[3];
        assert_eq!(
            (path.as_str(), class.as_deref()),
            ("doc-3.pdf", Some("internal"))
        );
        assert_eq!(msg.as_deref(), Some("internal error while reading: boom"));
        for (i, (path, class, _)) in got.iter().enumerate().filter(|(i, _)| *i != 3) {
            assert_eq!(path, &format!("doc-{i}.pdf"));
            assert_eq!(class.as_deref(), Some("test"));
        }
    }

    #[test]
    fn documents_read_while_the_patterns_compile_are_judged_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, "The Contractor shall supply 40 Hikvision cameras.").unwrap();
        let input = Input::file(path, true);
        let set = crate::patterns::load::defaults().unwrap();
        let opts = ScanOptions::default();
        let now = scan_one(&input, &Judge::new(set.clone()).unwrap(), &opts);
        let background = BackgroundJudge::start(set);
        let later = scan_one_when_ready(&input, || background.get(), &opts);
        assert_eq!(
            serde_json::to_string(&later).unwrap(),
            serde_json::to_string(&now).unwrap()
        );
        assert_eq!(later.verdict, Verdict::Fail);
        assert_eq!(later.findings[0].entity.as_deref(), Some("hikvision"));

        // No judge (the patterns did not compile): the document is still reported, as an error.
        let failed = scan_one_when_ready(&input, || Err("cannot compile patterns".into()), &opts);
        assert_eq!(failed.error_class.as_deref(), Some("internal"));
        assert_eq!(failed.error.as_deref(), Some("cannot compile patterns"));
        assert_eq!(failed.verdict, Verdict::Unreadable);
    }

    #[test]
    fn shards_partition_the_inputs() {
        let (_, all) = numbered("contracts/doc-", 200);
        let mut seen = Vec::new();
        for k in 1..=3 {
            let part = shard(all.clone(), k, 3);
            assert!(part.len() > 40, "shard {k} has {} of 200", part.len());
            seen.extend(part.into_iter().map(|i| i.path));
        }
        seen.sort();
        let mut expected: Vec<PathBuf> = all.into_iter().map(|i| i.path).collect();
        expected.sort();
        assert_eq!(seen, expected, "every input in exactly one shard");
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn path_list_keeps_raw_bytes() {
        let list = read_path_list(&b"a.pdf\r\n\n  \t\r\nb\xff.docx\n \n"[..]).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0], PathBuf::from("a.pdf"));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(list[1].as_os_str().as_bytes(), b"b\xff.docx");
            assert_eq!(raw_path_bytes(&list[1]), Some(b"b\xff.docx".to_vec()));
        }
    }
}
