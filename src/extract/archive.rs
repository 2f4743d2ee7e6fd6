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
use std::io::{Read, Seek};

/// What the member separator of a path is.
pub const SEPARATOR: &str = "!/";

/// Limits on archives, beyond the per-document limits.
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Deepest nesting read: an archive inside an archive is depth 1.
    pub max_depth: u32,
    /// Most members of one package (nested ones included) turned into inputs.
    pub max_members: usize,
    /// Largest inflated size of one member (or of a nested archive, which is held in memory).
    pub max_member_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 4,
            max_members: 10_000,
            max_member_bytes: 256 << 20,
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
    /// Not read, and why.
    Skipped(String),
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
                EntryKind::Skipped(format!(
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
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let hint = usize::try_from(f.size()).unwrap_or(0).saturating_add(1);
    let (data, res) = read_capped(&mut f, cap, hint.min(cap));
    if data.len() as u64 > limit {
        return Err(ExtractError::LimitExceeded(format!(
            "the archive member inflates beyond the limit of {limit} bytes (--max-stream-bytes); \
             not read (a zip bomb?)"
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
