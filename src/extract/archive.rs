//! ZIP archives: listing their members and reading one member, in memory, within limits.
//!
//! An archive is a container, not a document: discovery lists its members, and each member that
//! could be a document becomes an input of its own, with a path a person can open,
//! `package.zip!/附件/詳細價目表.xlsx` (`!/` separates the archive from the name inside it; nested
//! archives chain: `a.zip!/b.zip!/c.pdf`). Nothing is ever written to disk, so names that climb out
//! (`../../etc/passwd`), absolute names and symbolic-link entries are only labels: a symbolic link is
//! listed as skipped, never followed.
//!
//! File names without the UTF-8 flag are decoded as the bytes show: UTF-8 when they are valid UTF-8
//! (many tools write it without the flag), else Big5 or GB18030 when that decodes cleanly (Taiwanese
//! and mainland Windows), else CP437 (the zip default).

use super::{read_capped, ExtractError};
use std::cell::RefCell;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

/// What the member separator of a path is.
pub const SEPARATOR: &str = "!/";

/// Limits on archives, beyond the per-document limits.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ArchiveLimits {
    /// Deepest nesting read: an archive inside an archive is depth 1.
    pub max_depth: u32,
    /// Most members of one package (nested ones included) turned into inputs.
    pub max_members: usize,
    /// Largest inflated size of one member (or of a nested archive, which is held in memory).
    pub max_member_bytes: u64,
    /// Largest sum of the declared inflated sizes of the members of one package (nested ones
    /// included): a member is read only up to its declared size, so this bounds the work a package
    /// can make however well it compresses.
    pub max_total_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 4,
            max_members: 10_000,
            max_member_bytes: 256 << 20,
            max_total_bytes: 4 << 30,
        }
    }
}

/// What an entry of an archive is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A file that may be a document: it becomes an input.
    Document,
    /// A nested archive: an input, and its members inputs too.
    Archive,
    /// Not read, and why: a file of a type tenderscan does not read, or a symbolic link.
    Skipped(String),
    /// Not read because a limit (depth, members) was reached: the package is not fully read.
    Limit(String),
}

/// One file entry (directories are not listed).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index in the central directory.
    pub index: usize,
    /// The decoded name.
    pub name: String,
    /// Declared inflated size.
    pub size: u64,
    pub kind: EntryKind,
}

/// Extensions of members read as documents.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "docx", "docm", "dotx", "txt", "md", "text", "markdown", "odt", "ott", "fodt", "doc",
    "rtf", "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "png", "jpg", "jpeg", "tif", "tiff", "gif",
    "bmp", "webp", "7z", "rar",
];

/// Extensions of members that are archives read in turn.
const ARCHIVE_EXTENSIONS: &[&str] = &["zip"];

fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Decode a zip entry name: UTF-8 when valid, else Big5 or GB18030 when exactly one decodes
/// cleanly (or, when both do, the one giving more common CJK characters), else CP437.
pub fn decode_name(raw: &[u8], cp437: &str) -> String {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let clean = |enc: &'static encoding_rs::Encoding| {
                let (s, bad) = enc.decode_without_bom_handling(raw);
                (!bad).then(|| s.into_owned())
            };
            match (clean(encoding_rs::BIG5), clean(encoding_rs::GB18030)) {
                (Some(b), Some(g)) => {
                    if gb2312_shaped(raw) {
                        g
                    } else {
                        b
                    }
                }
                (Some(b), None) => b,
                (None, Some(g)) => g,
                (None, None) => cp437.to_string(),
            }
        }
    };
    // Control characters are never part of a name a person can open.
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// True when every double-byte character of `raw` has the shape of a GB2312 hanzi (lead byte
/// 0xB0-0xF7, trail byte 0xA1-0xFE). Common Big5 characters have lead bytes 0xA4-0xAF or trail
/// bytes 0x40-0x7E, so a name of several characters that decodes both ways is GBK when it has
/// this shape and Big5 otherwise.
fn gb2312_shaped(raw: &[u8]) -> bool {
    let mut i = 0;
    let mut pairs = 0;
    while i < raw.len() {
        let b = raw[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let Some(&t) = raw.get(i + 1) else {
            return false;
        };
        if !(0xB0..=0xF7).contains(&b) || !(0xA1..=0xFE).contains(&t) {
            return false;
        }
        pairs += 1;
        i += 2;
    }
    pairs > 0
}

/// List the file entries of an archive.
pub fn list<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    depth: u32,
    limits: &ArchiveLimits,
) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut readable = 0usize;
    for index in 0..zip.len() {
        let Ok(f) = zip.by_index_raw(index) else {
            out.push(Entry {
                index,
                name: format!("(entry {index})"),
                size: 0,
                kind: EntryKind::Skipped("unreadable entry header".into()),
            });
            continue;
        };
        let name = decode_name(f.name_raw(), f.name());
        if f.is_dir() || name.ends_with('/') {
            continue;
        }
        let size = f.size();
        let is_link = f.is_symlink();
        let ext = extension(&name);
        let kind = if is_link {
            EntryKind::Skipped("a symbolic link (never followed)".into())
        } else if ext
            .as_deref()
            .is_some_and(|e| ARCHIVE_EXTENSIONS.contains(&e))
        {
            if depth + 1 > limits.max_depth {
                EntryKind::Limit(format!(
                    "a nested archive deeper than the limit of {} levels",
                    limits.max_depth
                ))
            } else {
                EntryKind::Archive
            }
        } else if ext
            .as_deref()
            .is_some_and(|e| DOCUMENT_EXTENSIONS.contains(&e))
        {
            EntryKind::Document
        } else {
            EntryKind::Skipped(match ext {
                Some(e) => format!("not a document type tenderscan reads (.{e})"),
                None => "no file extension: not a document type tenderscan reads".into(),
            })
        };
        let kind = if matches!(kind, EntryKind::Document | EntryKind::Archive) {
            readable += 1;
            if readable > limits.max_members {
                EntryKind::Limit(format!(
                    "beyond the limit of {} members per archive (--max-archive-members)",
                    limits.max_members
                ))
            } else {
                kind
            }
        } else {
            kind
        };
        out.push(Entry {
            index,
            name,
            size,
            kind,
        });
    }
    out
}

/// Read entry `index`, at most `limit` bytes inflated.
pub fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    limit: u64,
) -> Result<Vec<u8>, ExtractError> {
    let mut f = zip.by_index(index).map_err(|e| match e {
        zip::result::ZipError::UnsupportedArchive(m) if m.contains("assword") => {
            ExtractError::Encrypted(format!(
                "the archive member is encrypted ({m}); unpack it with its password"
            ))
        }
        zip::result::ZipError::UnsupportedArchive(m) => ExtractError::Unsupported(format!(
            "the archive member cannot be read: {m} (this build inflates only stored and deflated \
             members; unpack it with 7z x or unzip)"
        )),
        other => ExtractError::Malformed {
            format: "zip",
            reason: format!("unreadable archive member: {other}"),
        },
    })?;
    let declared = f.size();
    if declared > limit {
        return Err(ExtractError::LimitExceeded(format!(
            "the archive member inflates to {declared} bytes, beyond the limit of {limit} bytes \
             (--max-stream-bytes); not read"
        )));
    }
    // Never more than the declared size: a member that lies about it is a bomb, and the declared
    // sizes are what the package budget counts.
    let cap = usize::try_from(declared.saturating_add(1)).unwrap_or(usize::MAX);
    let (data, res) = read_capped(&mut f, cap, cap);
    if data.len() as u64 > declared {
        return Err(ExtractError::LimitExceeded(format!(
            "the archive member inflates beyond its declared size of {declared} bytes; not read \
             (a zip bomb?)"
        )));
    }
    if let Err(e) = res {
        return Err(ExtractError::Malformed {
            format: "zip",
            reason: format!("damaged archive member: {e}"),
        });
    }
    Ok(data)
}

/// Find the entry that `rest` (a path inside the archive, maybe through nested archives) starts
/// with: the whole of `rest`, or its part before a [`SEPARATOR`]. Returns the entry and what is
/// left after it (`None` when the entry is the member itself).
pub fn resolve<'r>(entries: &[Entry], rest: &'r str) -> Option<(usize, Option<&'r str>)> {
    if let Some(e) = entries.iter().find(|e| e.name == rest) {
        return Some((e.index, None));
    }
    let mut from = 0;
    while let Some(at) = rest[from..].find(SEPARATOR) {
        let split = from + at;
        let head = &rest[..split];
        if let Some(e) = entries
            .iter()
            .find(|e| e.name == head && e.kind == EntryKind::Archive)
        {
            return Some((e.index, Some(&rest[split + SEPARATOR.len()..])));
        }
        from = split + SEPARATOR.len();
    }
    None
}

/// An archive opened for reading: a file, or a nested archive held in memory.
enum Opened {
    File(zip::ZipArchive<std::fs::File>),
    Mem(zip::ZipArchive<Cursor<Vec<u8>>>),
}

impl Opened {
    fn list(&mut self, depth: u32, limits: &ArchiveLimits) -> Vec<Entry> {
        match self {
            Opened::File(z) => list(z, depth, limits),
            Opened::Mem(z) => list(z, depth, limits),
        }
    }

    fn read(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, ExtractError> {
        match self {
            Opened::File(z) => read_entry(z, index, limit),
            Opened::Mem(z) => read_entry(z, index, limit),
        }
    }
}

/// An archive already opened by this thread, with its listing.
struct Cached {
    key: String,
    archive: Opened,
    entries: Vec<Entry>,
}

/// Archives kept open per thread: the members of one archive come one after another, and opening
/// it again for each (its central directory parsed, a nested archive inflated again) made a
/// package of n members cost n² entry reads.
const CACHED_ARCHIVES: usize = 3;
/// Nested archives larger than this are not kept in memory between members.
const CACHED_NESTED_BYTES: usize = 64 << 20;

thread_local! {
    static OPEN: RefCell<Vec<Cached>> = const { RefCell::new(Vec::new()) };
}

fn malformed(reason: String) -> ExtractError {
    ExtractError::Malformed {
        format: "zip",
        reason,
    }
}

/// The key of a file archive: its path, size and modification time (a changed file is opened
/// again).
fn file_key(path: &Path, f: &std::fs::File) -> String {
    let (len, mtime) = f
        .metadata()
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            (m.len(), t)
        })
        .unwrap_or((0, 0));
    format!("{}\u{0}{len}\u{0}{mtime}", path.display())
}

/// Open the zip archive at `path` (already opened as `file`, a regular file).
pub fn open_file(file: std::fs::File) -> Result<zip::ZipArchive<std::fs::File>, ExtractError> {
    zip::ZipArchive::new(file).map_err(|e| malformed(format!("cannot read the archive: {e}")))
}

/// Read the member `chain` (a name inside the archive, nested archives joined by [`SEPARATOR`])
/// of the archive file `path`, at most `max_bytes` bytes. `open` opens the file (only a regular
/// file). Returns the bytes.
pub fn read_member(
    path: &Path,
    open: impl FnOnce() -> Result<std::fs::File, ExtractError>,
    chain: &str,
    limits: &ArchiveLimits,
    max_bytes: u64,
) -> Result<Vec<u8>, ExtractError> {
    OPEN.with(|cell| {
        let mut open_list = cell.borrow_mut();
        let file = open()?;
        let top = file_key(path, &file);
        let slot = match open_list.iter().position(|c| c.key == top) {
            Some(i) => i,
            None => {
                let mut archive = Opened::File(open_file(file)?);
                let entries = archive.list(0, limits);
                remember(
                    &mut open_list,
                    Cached {
                        key: top.clone(),
                        archive,
                        entries,
                    },
                )
            }
        };
        let mut slot = slot;
        let mut key = top;
        let mut rest = chain;
        let mut depth = 0u32;
        loop {
            let c = &mut open_list[slot];
            let Some((index, after)) = resolve(&c.entries, rest) else {
                return Err(malformed(format!(
                    "no member named {rest} in the archive (was it changed while being scanned?)"
                )));
            };
            let entry = c.entries.iter().find(|e| e.index == index).cloned();
            if let Some(Entry {
                kind: EntryKind::Skipped(why) | EntryKind::Limit(why),
                ..
            }) = &entry
            {
                return Err(ExtractError::LimitExceeded(format!("not read: {why}")));
            }
            let Some(after) = after else {
                return c
                    .archive
                    .read(index, max_bytes.min(limits.max_member_bytes));
            };
            depth += 1;
            if depth > limits.max_depth {
                return Err(ExtractError::LimitExceeded(format!(
                    "a nested archive deeper than the limit of {} levels",
                    limits.max_depth
                )));
            }
            let name = entry.map(|e| e.name).unwrap_or_default();
            let nested_key = format!("{key}{SEPARATOR}{name}");
            let found = open_list.iter().position(|c| c.key == nested_key);
            slot = match found {
                Some(i) => i,
                None => {
                    let bytes = open_list[slot]
                        .archive
                        .read(index, limits.max_member_bytes)?;
                    let keep = bytes.len() <= CACHED_NESTED_BYTES;
                    let mut archive =
                        Opened::Mem(zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
                            malformed(format!("cannot read the nested archive {name}: {e}"))
                        })?);
                    let entries = archive.list(depth, limits);
                    let cached = Cached {
                        key: nested_key.clone(),
                        archive,
                        entries,
                    };
                    if keep {
                        remember(&mut open_list, cached)
                    } else {
                        // Read from it once, without keeping it.
                        let mut c = cached;
                        let Some((i, more)) = resolve(&c.entries, after) else {
                            return Err(malformed(format!("no member named {after} in {name}")));
                        };
                        if more.is_some() {
                            return Err(ExtractError::LimitExceeded(format!(
                                "an archive nested in {name}, larger than {CACHED_NESTED_BYTES} \
                                 bytes: not read"
                            )));
                        }
                        return c.archive.read(i, max_bytes.min(limits.max_member_bytes));
                    }
                }
            };
            key = nested_key;
            rest = after;
        }
    })
}

fn remember(list: &mut Vec<Cached>, c: Cached) -> usize {
    if list.len() >= CACHED_ARCHIVES {
        list.remove(0);
    }
    list.push(c);
    list.len() - 1
}

/// The entries of the archive `bytes` (a nested archive read into memory) or of an opened file.
pub fn list_bytes(
    bytes: &[u8],
    depth: u32,
    limits: &ArchiveLimits,
) -> Result<Vec<Entry>, ExtractError> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("cannot read the archive: {e}")))?;
    Ok(list(&mut z, depth, limits))
}

/// What discovery makes of a package: its members to read, in order (a nested archive after its
/// own members), and what was left out because a package limit was reached.
#[derive(Debug, Default)]
pub struct Expansion {
    /// Member paths inside the package ([`SEPARATOR`] between nesting levels).
    pub members: Vec<String>,
    /// Warnings for the package's record: members left out by the package limits.
    pub notes: Vec<String>,
}

/// List the members of the archive file `file` for discovery, nested archives included (each
/// inflated in memory, within the limits).
pub fn expand(mut z: zip::ZipArchive<std::fs::File>, limits: &ArchiveLimits) -> Expansion {
    let entries = list(&mut z, 0, limits);
    let mut out = Expansion::default();
    let mut budget = Budget {
        members: 0,
        bytes: 0,
        over_members: 0,
        over_bytes: 0,
    };
    let mut z = Opened::File(z);
    expand_into(&mut z, &entries, "", 0, limits, &mut budget, &mut out);
    if budget.over_members > 0 {
        out.notes.push(format!(
            "{} members were not read: the package holds more than {} documents \
             (--max-archive-members)",
            budget.over_members, limits.max_members
        ));
    }
    if budget.over_bytes > 0 {
        out.notes.push(format!(
            "{} members were not read: together the members inflate beyond {} bytes \
             (--max-package-bytes)",
            budget.over_bytes, limits.max_total_bytes
        ));
    }
    out
}

struct Budget {
    members: usize,
    bytes: u64,
    over_members: usize,
    over_bytes: usize,
}

fn expand_into(
    z: &mut Opened,
    entries: &[Entry],
    prefix: &str,
    depth: u32,
    limits: &ArchiveLimits,
    budget: &mut Budget,
    out: &mut Expansion,
) {
    for e in entries {
        if !matches!(e.kind, EntryKind::Document | EntryKind::Archive) {
            continue;
        }
        if budget.members >= limits.max_members {
            budget.over_members += 1;
            continue;
        }
        if budget.bytes.saturating_add(e.size) > limits.max_total_bytes {
            budget.over_bytes += 1;
            continue;
        }
        budget.members += 1;
        budget.bytes += e.size;
        let path = format!("{prefix}{}", e.name);
        if e.kind == EntryKind::Archive {
            // A nested archive that cannot be read is still an input: its record says why.
            if let Ok(bytes) = z.read(e.index, limits.max_member_bytes) {
                if let Ok(nz) = zip::ZipArchive::new(Cursor::new(bytes)) {
                    let mut nz = Opened::Mem(nz);
                    let nested = nz.list(depth + 1, limits);
                    let p = format!("{path}{SEPARATOR}");
                    expand_into(&mut nz, &nested, &p, depth + 1, limits, budget, out);
                }
            }
        }
        out.members.push(path);
    }
}

/// The entries of `entries` that are not read, with why, for a package's record.
pub fn not_read(entries: &[Entry]) -> Vec<(String, String, bool)> {
    entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Skipped(why) => Some((e.name.clone(), why.clone(), false)),
            EntryKind::Limit(why) => Some((e.name.clone(), why.clone(), true)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_decoded_as_their_bytes_show() {
        let big5 = encoding_rs::BIG5.encode("附件/詳細價目表.xlsx").0;
        assert_eq!(decode_name(&big5, "x"), "附件/詳細價目表.xlsx");
        let gbk = encoding_rs::GB18030.encode("附件/详细价目表.xlsx").0;
        assert_eq!(decode_name(&gbk, "x"), "附件/详细价目表.xlsx");
        assert_eq!(decode_name("合約.pdf".as_bytes(), "x"), "合約.pdf");
        // Neither decodes cleanly: the zip reader's CP437 reading.
        assert_eq!(decode_name(b"\x80\xff.pdf", "Çλ.pdf"), "Çλ.pdf");
        assert_eq!(decode_name(b"a\x07b.pdf", ""), "a\u{FFFD}b.pdf");
    }

    #[test]
    fn nested_paths_resolve_to_the_entry_and_the_rest() {
        let e = |index, name: &str, kind| Entry {
            index,
            name: name.into(),
            size: 0,
            kind,
        };
        let entries = [
            e(0, "a/x.pdf", EntryKind::Document),
            e(1, "in.zip", EntryKind::Archive),
        ];
        assert_eq!(resolve(&entries, "a/x.pdf"), Some((0, None)));
        assert_eq!(
            resolve(&entries, "in.zip!/b/c.docx"),
            Some((1, Some("b/c.docx")))
        );
        assert_eq!(resolve(&entries, "in.zip"), Some((1, None)));
        assert_eq!(resolve(&entries, "nope.pdf"), None);
    }
}
