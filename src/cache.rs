//! A cache of extracted text, so a re-scan after a pattern or list update re-judges without
//! re-extracting.
//!
//! Entries are keyed by the blake3 hash of the file's bytes, the extractor version and the extraction
//! options that change what is read (passwords, limits). Each entry carries a checksum of its payload;
//! an entry that fails to parse or to verify is ignored and rebuilt, never trusted. Writes go to a
//! temporary file that is renamed into place, so concurrent workers never see half an entry.

use crate::document::Document;
use crate::extract::ExtractOptions;
use std::path::{Path, PathBuf};

/// Bump when any extractor changes what it returns: old entries then stop matching.
pub const EXTRACTOR_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+x2");

const MAGIC: &str = "tenderscan-cache v1";

/// The platform cache folder: `$XDG_CACHE_HOME/tenderscan`, else `~/.cache/tenderscan`
/// (`~/Library/Caches/tenderscan` on macOS, `%LOCALAPPDATA%\tenderscan` on Windows).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("tenderscan"));
    }
    if cfg!(windows) {
        return std::env::var_os("LOCALAPPDATA").map(|d| PathBuf::from(d).join("tenderscan"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    if cfg!(target_os = "macos") {
        return Some(PathBuf::from(home).join("Library/Caches/tenderscan"));
    }
    Some(PathBuf::from(home).join(".cache/tenderscan"))
}

/// The cache key of one document read with `opts`.
pub fn key(bytes: &[u8], opts: &ExtractOptions) -> String {
    let mut h = blake3::Hasher::new();
    h.update(EXTRACTOR_VERSION.as_bytes());
    h.update(b"\0");
    // Options that change the extracted text (not the deadline: time-cut results are never stored).
    let relevant = (
        &opts.passwords,
        opts.max_stream_bytes,
        opts.max_total_bytes,
        opts.max_pages,
        opts.max_objects,
        opts.max_depth,
    );
    h.update(
        serde_json::to_string(&relevant)
            .unwrap_or_default()
            .as_bytes(),
    );
    h.update(b"\0");
    h.update(bytes);
    h.finalize().to_hex().to_string()
}

fn entry_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(&key[..2]).join(format!("{key}.json"))
}

/// A cached document, if a valid entry exists.
pub fn get(dir: &Path, key: &str) -> Option<Document> {
    let data = std::fs::read(entry_path(dir, key)).ok()?;
    let text = std::str::from_utf8(&data).ok()?;
    let mut parts = text.splitn(3, '\n');
    if parts.next()? != MAGIC {
        return None;
    }
    let sum = parts.next()?;
    let payload = parts.next()?;
    if blake3::hash(payload.as_bytes()).to_hex().as_str() != sum {
        return None;
    }
    serde_json::from_str(payload).ok()
}

/// Store a document. Failures are ignored: the cache is an optimisation, never a requirement.
pub fn put(dir: &Path, key: &str, doc: &Document) {
    let Ok(payload) = serde_json::to_string(doc) else {
        return;
    };
    let path = entry_path(dir, key);
    let Some(parent) = path.parent() else { return };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let sum = blake3::hash(payload.as_bytes()).to_hex();
    let tmp = parent.join(format!(".{key}.{}.tmp", std::process::id()));
    let body = format!("{MAGIC}\n{sum}\n{payload}");
    if std::fs::write(&tmp, body).is_ok() && std::fs::rename(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Block, BlockKind, Format, Location};

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let mut doc = Document::new(Format::Pdf);
        doc.pages = Some(2);
        doc.blocks.push(Block::new(
            BlockKind::Paragraph,
            "華為 switch",
            Location {
                page: Some(2),
                paragraph: 1,
                ..Location::default()
            },
        ));
        let opts = ExtractOptions::default();
        let k = key(b"%PDF-1.7 bytes", &opts);
        assert_ne!(k, key(b"%PDF-1.7 other bytes", &opts));
        let with_pw = ExtractOptions {
            passwords: vec!["x".into()],
            ..ExtractOptions::default()
        };
        assert_ne!(k, key(b"%PDF-1.7 bytes", &with_pw));
        assert!(get(dir.path(), &k).is_none());
        put(dir.path(), &k, &doc);
        assert_eq!(get(dir.path(), &k), Some(doc.clone()));
        // Flip one byte of the payload: the entry must be ignored.
        let p = entry_path(dir.path(), &k);
        let mut data = std::fs::read(&p).unwrap();
        let last = data.len() - 5;
        data[last] ^= 0x01;
        std::fs::write(&p, &data).unwrap();
        assert!(get(dir.path(), &k).is_none());
        // Garbage is ignored too, and a new put repairs it.
        std::fs::write(&p, b"not a cache entry").unwrap();
        assert!(get(dir.path(), &k).is_none());
        put(dir.path(), &k, &doc);
        assert_eq!(get(dir.path(), &k), Some(doc));
    }
}
