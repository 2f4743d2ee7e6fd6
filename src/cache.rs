//! A cache of extracted text, so a re-scan after a pattern or list update re-judges without
//! re-extracting.
//!
//! Entries are keyed by the blake3 hash of the file's bytes, the extractor version and the extraction
//! options that change what is read (passwords, limits). Each entry carries a checksum of its payload;
//! an entry that fails to parse or to verify is ignored and rebuilt, never trusted. Writes go to a
//! temporary file that is renamed into place, so concurrent workers never see half an entry.
//!
//! An entry holds the whole extracted text of a document, so the cache is private: its folders are
//! created 0700 and its files 0600 (Unix), and the root folder is narrowed to 0700 when it is used.
//! A hit sets the entry's modification time, which makes it the most recently used; [`evict`] keeps
//! the cache under a size by removing the least recently used entries, and removes temporary files
//! left by a process killed between write and rename.

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

/// Create `dir` (and its parents) private to this user: 0700 on Unix.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Make the cache folder usable: created private if missing, narrowed to 0700 if it is wider (an
/// older tenderscan created it with the default permissions), and checked to be writable. An
/// `Err` says why the cache cannot be used.
pub fn prepare(dir: &Path) -> Result<(), String> {
    create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir).map_err(|e| e.to_string())?;
        if !meta.is_dir() {
            return Err(format!("{} is not a folder", dir.display()));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            // Only our own folder can be narrowed; someone else's is left alone (and then, if it
            // is writable, used as it is).
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    let probe = dir.join(format!(".probe.{}.tmp", std::process::id()));
    create_private_file(&probe)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"probe"))
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// A new file readable and writable by this user only (0600 on Unix).
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut oo = std::fs::OpenOptions::new();
    oo.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        oo.mode(0o600);
    }
    oo.open(path)
}

/// A cached document, if a valid entry exists. A hit marks the entry as just used.
pub fn get(dir: &Path, key: &str) -> Option<Document> {
    let path = entry_path(dir, key);
    let data = std::fs::read(&path).ok()?;
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
    let doc = serde_json::from_str(payload).ok()?;
    touch(&path);
    Some(doc)
}

/// Set a file's modification time to now (least-recently-used order for [`evict`]).
fn touch(path: &Path) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
}

/// Store a document. Failures are ignored: the cache is an optimisation, never a requirement (a
/// cache that cannot be used at all is told once, by [`prepare`]).
pub fn put(dir: &Path, key: &str, doc: &Document) {
    let Ok(payload) = serde_json::to_string(doc) else {
        return;
    };
    let path = entry_path(dir, key);
    let Some(parent) = path.parent() else { return };
    if create_private_dir(parent).is_err() {
        return;
    }
    let sum = blake3::hash(payload.as_bytes()).to_hex();
    let tmp = parent.join(format!(".{key}.{}.tmp", std::process::id()));
    let body = format!("{MAGIC}\n{sum}\n{payload}");
    let written = create_private_file(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, body.as_bytes()));
    if written.is_err() || std::fs::rename(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// What a cache folder holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries (one per document read with one set of options).
    pub entries: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// Temporary files (an entry being written, or left by a killed process).
    pub temp_files: usize,
}

/// One file of the cache's own layout: `XX/KEY.json` or `XX/.KEY.PID.tmp`.
struct CacheFile {
    path: PathBuf,
    temp: bool,
    bytes: u64,
    modified: std::time::SystemTime,
}

/// The files of the cache's own layout under `dir` (nothing else is ever counted or removed, so a
/// `--cache-dir` pointed at the wrong folder loses nothing).
fn cache_files(dir: &Path) -> std::io::Result<Vec<CacheFile>> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for sub in rd.flatten() {
        let name = sub.file_name();
        let name = name.to_string_lossy();
        let is_shard = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_shard || !sub.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(sub.path()) else {
            continue;
        };
        for f in files.flatten() {
            let fname = f.file_name();
            let fname = fname.to_string_lossy();
            let entry = fname.strip_suffix(".json").is_some_and(is_key);
            let temp = fname.starts_with('.')
                && fname.ends_with(".tmp")
                && fname[1..].split('.').next().is_some_and(is_key);
            if !entry && !temp {
                continue;
            }
            let Ok(meta) = f.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            out.push(CacheFile {
                path: f.path(),
                temp,
                bytes: meta.len(),
                modified: meta.modified().unwrap_or(std::time::UNIX_EPOCH),
            });
        }
    }
    Ok(out)
}

fn is_key(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Count what the cache at `dir` holds.
pub fn info(dir: &Path) -> std::io::Result<Stats> {
    let mut st = Stats::default();
    for f in cache_files(dir)? {
        if f.temp {
            st.temp_files += 1;
        } else {
            st.entries += 1;
        }
        st.bytes += f.bytes;
    }
    Ok(st)
}

/// Remove every entry and temporary file of the cache at `dir` (and the emptied folders of its
/// layout). Returns what was removed.
pub fn clear(dir: &Path) -> std::io::Result<Stats> {
    let mut st = Stats::default();
    let mut first_err = None;
    for f in cache_files(dir)? {
        match std::fs::remove_file(&f.path) {
            Ok(()) => {
                if f.temp {
                    st.temp_files += 1;
                } else {
                    st.entries += 1;
                }
                st.bytes += f.bytes;
                if let Some(parent) = f.path.parent() {
                    // Fails while the folder still holds something: left as it is.
                    let _ = std::fs::remove_dir(parent);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(st),
    }
}

/// A temporary file older than this was left by a process that died between write and rename.
pub const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Keep the cache at `dir` within `max_bytes`: remove stale temporary files, then the least
/// recently used entries (oldest modification time: [`get`] touches on a hit) until the rest fits.
/// Returns what was removed.
pub fn evict(dir: &Path, max_bytes: u64) -> std::io::Result<Stats> {
    let now = std::time::SystemTime::now();
    let mut removed = Stats::default();
    let mut entries = Vec::new();
    let mut total = 0u64;
    for f in cache_files(dir)? {
        if f.temp {
            let age = now.duration_since(f.modified).unwrap_or_default();
            if age > STALE_TEMP && std::fs::remove_file(&f.path).is_ok() {
                removed.temp_files += 1;
                removed.bytes += f.bytes;
            }
            continue;
        }
        total += f.bytes;
        entries.push(f);
    }
    if total <= max_bytes {
        return Ok(removed);
    }
    entries.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
    for f in entries {
        if total <= max_bytes {
            break;
        }
        if std::fs::remove_file(&f.path).is_ok() {
            total -= f.bytes;
            removed.entries += 1;
            removed.bytes += f.bytes;
        }
    }
    Ok(removed)
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
