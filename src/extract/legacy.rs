//! OLE compound files (CFB): legacy Word 97-2003 `.doc` files and password-protected Office files;
//! and Rich Text Format, which takes the same LibreOffice route.
//!
//! Both start with the same CFB signature, so the container's directory decides: an
//! `EncryptionInfo` stream means an encrypted OOXML package (Office wraps a password-protected
//! `.docx` this way); a `WordDocument` stream means a Word 97-2003 document, which may itself be
//! encrypted (a flag in its file information block).
//!
//! Why LibreOffice rather than a `.doc` parser of our own: the binary Word format keeps its text in
//! pieces spread over the file, with fields, tables and numbering described in other streams; a
//! faithful reader is large, and a partial one would silently miss text a lawyer relies on.
//! LibreOffice converts `.doc` to `.docx` faithfully, and the DOCX reader then gives the same
//! model (clauses, cells, tracked changes) as for any DOCX. When `soffice` is not on `PATH`, the
//! document is reported as unsupported with what to install, never silently skipped.
//!
//! Extractors get bytes, not paths: the bytes are written to a private temporary folder, converted
//! there with a private LibreOffice profile (so parallel conversions do not collide on the user's
//! profile lock), and the folder is removed afterwards.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{docx, ExtractError, ExtractOptions};
use crate::document::{Document, Format};

/// How long a LibreOffice conversion may take before it is killed.
pub const CONVERT_TIMEOUT: Duration = Duration::from_secs(60);

/// What an OLE compound file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfbKind {
    /// An encrypted OOXML package (`EncryptionInfo` + `EncryptedPackage`).
    EncryptedOoxml,
    /// A Word 97-2003 document; `true` when its FIB says it is encrypted.
    WordDocument { encrypted: bool },
    /// Anything else (Excel, PowerPoint, Outlook message…): the names of its root streams.
    Other(Vec<String>),
}

/// Read the CFB directory. `Err` when the container itself is unreadable.
pub fn classify(bytes: &[u8]) -> Result<CfbKind, ExtractError> {
    let mut cf =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| ExtractError::Malformed {
            format: "cfb",
            reason: format!("unreadable OLE compound file: {e}"),
        })?;
    let names: Vec<String> = cf
        .read_root_storage()
        .map(|e| e.name().to_string())
        .collect();
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    if has("EncryptionInfo") || has("EncryptedPackage") {
        return Ok(CfbKind::EncryptedOoxml);
    }
    if has("WordDocument") {
        let mut fib = [0u8; 12];
        let encrypted = cf
            .open_stream("/WordDocument")
            .and_then(|mut s| s.read_exact(&mut fib))
            .map(|_| {
                // FibBase: wIdent 0xA5EC, then flags at offset 0x0A; bit 8 is fEncrypted.
                let ident = u16::from_le_bytes([fib[0], fib[1]]);
                let flags = u16::from_le_bytes([fib[10], fib[11]]);
                ident == 0xA5EC && flags & 0x0100 != 0
            })
            .unwrap_or(false);
        return Ok(CfbKind::WordDocument { encrypted });
    }
    Ok(CfbKind::Other(names))
}

pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    match classify(bytes)? {
        CfbKind::EncryptedOoxml => Err(ExtractError::Encrypted(
            "a password-protected Office document (an OLE container holding EncryptionInfo and \
             EncryptedPackage); tenderscan cannot decrypt Office files: open it with its password \
             and save it as .docx without one"
                .into(),
        )),
        CfbKind::WordDocument { encrypted: true } => Err(ExtractError::Encrypted(
            "a password-protected Word 97-2003 document (.doc); open it with its password and save \
             it as .docx without one"
                .into(),
        )),
        CfbKind::WordDocument { encrypted: false } => {
            let docx_bytes = convert(bytes, "doc", "docx", convert_timeout(opts))?;
            let mut doc = docx::extract(&docx_bytes, opts)?;
            doc.format = Format::Doc;
            doc.warnings.insert(
                0,
                "legacy Word 97-2003 document: read through a LibreOffice conversion to DOCX".into(),
            );
            Ok(doc)
        }
        CfbKind::Other(names) => Err(ExtractError::Unsupported(format!(
            "an OLE compound file that is not a Word document (streams: {})",
            names.join(", ")
        ))),
    }
}

/// [`CONVERT_TIMEOUT`], or less when the document's deadline comes first: a worker process must give
/// up (and kill LibreOffice's process group) before its parent kills it, or soffice would outlive it.
fn convert_timeout(opts: &ExtractOptions) -> Duration {
    match opts.deadline {
        Some(d) => CONVERT_TIMEOUT.min(d.saturating_duration_since(Instant::now())),
        None => CONVERT_TIMEOUT,
    }
}

/// Rich Text Format: converted by LibreOffice and read as DOCX, like a legacy `.doc`.
pub fn extract_rtf(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    let docx_bytes = convert(bytes, "rtf", "docx", convert_timeout(opts))?;
    let mut doc = docx::extract(&docx_bytes, opts)?;
    doc.format = Format::Rtf;
    doc.warnings.insert(
        0,
        "Rich Text Format: read through a LibreOffice conversion to DOCX".into(),
    );
    Ok(doc)
}

/// `soffice` (or `libreoffice`) on `PATH`.
pub fn find_soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["soffice", "libreoffice"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Convert a document with LibreOffice headless; returns the converted bytes.
pub fn convert(
    bytes: &[u8],
    from_ext: &str,
    to_ext: &str,
    timeout: Duration,
) -> Result<Vec<u8>, ExtractError> {
    let Some(soffice) = find_soffice() else {
        let what = if from_ext == "rtf" {
            "a Rich Text Format"
        } else {
            "a legacy Word 97-2003"
        };
        return Err(ExtractError::Unsupported(format!(
            "{what} .{from_ext} file: install LibreOffice (Debian package \
             libreoffice-writer-nogui) to read legacy .{from_ext} files, or save it as .docx"
        )));
    };
    let io_err = |what: &str, e: std::io::Error| {
        ExtractError::Unsupported(format!("LibreOffice conversion: {what}: {e}"))
    };
    let dir = tempfile::Builder::new()
        .prefix("tenderscan-convert-")
        .tempdir()
        .map_err(|e| io_err("temporary folder", e))?;
    let input = dir.path().join(format!("input.{from_ext}"));
    let out_dir = dir.path().join("out");
    std::fs::write(&input, bytes).map_err(|e| io_err("writing the input", e))?;
    std::fs::create_dir_all(&out_dir).map_err(|e| io_err("output folder", e))?;
    let profile = file_url(&dir.path().join("profile"));
    let mut cmd = Command::new(&soffice);
    cmd.arg(format!("-env:UserInstallation={profile}"))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to_ext,
        ])
        .arg("--outdir")
        .arg(&out_dir)
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout kills soffice.bin and every helper it started.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| io_err("starting soffice", e))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(None) => {
                kill_group(&mut child);
                return Err(ExtractError::LimitExceeded(format!(
                    "LibreOffice did not convert the .{from_ext} within {} s; killed",
                    timeout.as_secs()
                )));
            }
            Err(e) => {
                kill_group(&mut child);
                return Err(io_err("waiting for soffice", e));
            }
        }
    };
    let output = out_dir.join(format!("input.{to_ext}"));
    match std::fs::read(&output) {
        Ok(b) if !b.is_empty() => Ok(b),
        _ => Err(ExtractError::Malformed {
            format: if from_ext == "rtf" { "rtf" } else { "doc" },
            reason: format!("LibreOffice could not convert it (exit status {status})"),
        }),
    }
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn file_url(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from("file://");
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_stops_by_the_document_deadline() {
        let mut opts = ExtractOptions::default();
        assert_eq!(convert_timeout(&opts), CONVERT_TIMEOUT);
        opts.deadline = Some(Instant::now() + Duration::from_secs(5));
        let t = convert_timeout(&opts);
        assert!(
            t <= Duration::from_secs(5) && t > Duration::from_secs(4),
            "{t:?}"
        );
        opts.deadline = Some(Instant::now() - Duration::from_secs(1));
        assert_eq!(convert_timeout(&opts), Duration::ZERO);
    }
}
