//! PDF extraction: lopdf for the object layer (parsing, xref, object streams, decryption, page
//! tree); our own text layer on top (content interpreter, fonts and CMaps, layout).

mod cmap;
/// The text of one glyph: nearly always a character or two, kept inline (no heap allocation) so
/// that decoding and laying out a page does not allocate per glyph.
pub(crate) type GlyphText = compact_str::CompactString;

/// One character as glyph text (inline, no allocation).
pub(crate) fn glyph_char(c: char) -> GlyphText {
    let mut buf = [0u8; 4];
    GlyphText::from(&*c.encode_utf8(&mut buf))
}
mod content;
mod font;
mod glyph;
mod glyphlist;
mod layout;
mod lexer;
#[allow(clippy::all)]
mod tables;
mod truetype;

use super::{ExtractError, ExtractOptions};
use crate::document::{Block, BlockKind, CellRef, Document, Format, Location};
use lopdf::{Dictionary, Document as PdfDoc, LoadOptions, Object, ObjectId, Stream};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Follow references (bounded).
pub(crate) fn deref<'a>(doc: &'a PdfDoc, mut o: &'a Object) -> &'a Object {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(x) => o = x,
                Err(_) => return &Object::Null,
            },
            _ => return o,
        }
    }
    &Object::Null
}

/// A dictionary entry, dereferenced.
pub(crate) fn dget<'a>(doc: &'a PdfDoc, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let o = deref(doc, d.get(key).ok()?);
    if matches!(o, Object::Null) {
        None
    } else {
        Some(o)
    }
}

pub(crate) fn num(doc: &PdfDoc, o: &Object) -> Option<f32> {
    match deref(doc, o) {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

/// A PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding).
pub(crate) fn pdf_text_string(b: &[u8]) -> String {
    if b.starts_with(&[0xFE, 0xFF]) {
        return cmap::utf16be(&b[2..]);
    }
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(&b[3..]).into_owned();
    }
    b.iter()
        .filter_map(|&c| {
            let u = tables::PDF_DOC_ENCODING[c as usize];
            if u == 0 {
                if c >= 0x20 {
                    char::from_u32(c as u32)
                } else {
                    None
                }
            } else {
                char::from_u32(u as u32)
            }
        })
        .collect()
}

/// Inflation limits shared by every page of one document's extraction (pages may be read on
/// several threads at once, so the remaining total is an atomic).
pub(crate) struct StreamLimits<'f> {
    pub max_stream: u64,
    remaining: AtomicU64,
    /// The raw file, to recover stream data whose /Length is wrong or missing.
    file: &'f [u8],
}

impl<'f> StreamLimits<'f> {
    pub fn new(max_stream: u64, max_total: u64, file: &'f [u8]) -> Self {
        StreamLimits {
            max_stream,
            remaining: AtomicU64::new(max_total),
            file,
        }
    }

    fn remaining(&self) -> u64 {
        self.remaining.load(Ordering::Relaxed)
    }

    fn consume(&self, n: u64) {
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| {
                Some(r.saturating_sub(n))
            });
    }
}

/// Inflation limits and the warnings of one unit of work (a page, or the document prologue).
pub(crate) struct Budget<'a> {
    limits: &'a StreamLimits<'a>,
    pub warnings: Vec<String>,
    exhausted_warned: bool,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a StreamLimits<'a>) -> Self {
        Budget {
            limits,
            warnings: Vec::new(),
            exhausted_warned: false,
        }
    }

    /// Add a warning once.
    pub fn warn(&mut self, w: String) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    /// The decoded bytes of a stream, truncated to the limits (with a warning).
    pub fn stream_bytes(&mut self, s: &Stream) -> Option<Vec<u8>> {
        let cap = self.limits.max_stream.min(self.limits.remaining());
        if cap == 0 {
            if !self.exhausted_warned {
                self.exhausted_warned = true;
                self.warn("total inflated size limit reached: remaining streams skipped".into());
            }
            return None;
        }
        let filters: Vec<Vec<u8>> = match s.dict.get(b"Filter").ok() {
            None => Vec::new(),
            Some(Object::Name(n)) => vec![n.clone()],
            Some(Object::Array(a)) => a
                .iter()
                .filter_map(|o| o.as_name().ok().map(|n| n.to_vec()))
                .collect(),
            Some(_) => Vec::new(),
        };
        let has_params = s.dict.get(b"DecodeParms").is_ok() || s.dict.get(b"DP").is_ok();
        let recovered;
        let s = if s.content.is_empty() {
            match self.recover(s) {
                Some(r) => {
                    recovered = r;
                    &recovered
                }
                None => s,
            }
        } else {
            s
        };
        let out = if filters.is_empty() {
            let mut v = s.content.clone();
            if v.len() as u64 > cap {
                v.truncate(cap as usize);
                self.warn_trunc();
            }
            v
        } else if filters.len() == 1
            && (filters[0] == b"FlateDecode" || filters[0] == b"Fl")
            && !has_params
        {
            let (v, truncated) = inflate(&s.content, cap);
            if truncated {
                self.warn_trunc();
            }
            v
        } else {
            match s.decompressed_content_with_limit(cap.min(usize::MAX as u64) as usize) {
                Ok(v) => v,
                Err(e) => {
                    let msg = e.to_string();
                    if msg.to_ascii_lowercase().contains("limit") {
                        self.warn_trunc();
                    }
                    // Fall back to a truncated inflate where possible.
                    if filters.first().is_some_and(|f| f == b"FlateDecode") {
                        let (v, _) = inflate(&s.content, cap);
                        v
                    } else {
                        return None;
                    }
                }
            }
        };
        self.limits.consume(out.len() as u64);
        Some(out)
    }

    #[cfg(test)]
    pub fn for_tests() -> Budget<'static> {
        let limits: &'static StreamLimits<'static> =
            Box::leak(Box::new(StreamLimits::new(1 << 20, 1 << 24, &[])));
        Budget::new(limits)
    }

    /// Re-read a stream's data from the file up to `endstream` (for a broken /Length).
    fn recover(&self, s: &Stream) -> Option<Stream> {
        let p = s.start_position?;
        let file = self.limits.file;
        let hdr = file
            .windows(5)
            .take(1024)
            .position(|w| w == b"%PDF-")
            .unwrap_or(0);
        for start in [p, p + hdr] {
            let before = file.get(start.saturating_sub(8)..start)?;
            if !(before.ends_with(b"stream\n")
                || before.ends_with(b"stream\r\n")
                || before.ends_with(b"stream\r"))
            {
                continue;
            }
            let rest = file.get(start..)?;
            let end = rest
                .windows(9)
                .take(64 << 20)
                .position(|w| w == b"endstream")?;
            let mut data = &rest[..end];
            while let Some((&last, head)) = data.split_last() {
                if last == b'\n' || last == b'\r' {
                    data = head;
                } else {
                    break;
                }
            }
            if data.is_empty() {
                return None;
            }
            let mut st = s.clone();
            st.content = data.to_vec();
            return Some(st);
        }
        None
    }

    fn warn_trunc(&mut self) {
        self.warn("a stream exceeded the inflate limit and was truncated".into());
    }
}

/// Inflate zlib (or raw deflate) data, reading at most `cap` bytes. Checksums are not verified
/// and whatever decoded before an error is kept, as viewers do.
fn inflate(data: &[u8], cap: u64) -> (Vec<u8>, bool) {
    let zlib_header = data.len() >= 2
        && data[0] & 0x0F == 8
        && (((data[0] as u16) << 8) | data[1] as u16).is_multiple_of(31);
    let body = if zlib_header { &data[2..] } else { data };
    let mut out = decompress_capped(body, false, cap);
    if out.is_empty() && !zlib_header {
        out = decompress_capped(data, true, cap);
    }
    let truncated = out.len() as u64 > cap;
    if truncated {
        out.truncate(cap as usize);
    }
    (out, truncated)
}

/// Inflate at most `cap + 1` bytes straight into the result, keeping whatever came out before an
/// error or the end of the input.
fn decompress_capped(input: &[u8], zlib: bool, cap: u64) -> Vec<u8> {
    thread_local! {
        static INFLATER: std::cell::RefCell<Option<Box<Inflater>>> =
            const { std::cell::RefCell::new(None) };
    }
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    INFLATER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let inflater = slot.get_or_insert_with(|| Box::new(Inflater::new()));
        match inflater.whole(input, zlib, limit) {
            Some(out) => out,
            None => inflater.run(input, zlib, limit),
        }
    })
}

/// Output handed over from zlib-rs at a time.
const CHUNK: usize = 1 << 16;

/// Size of the deflate window, and so of [`Inflater`]'s ring of recent output.
const WINDOW: usize = miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;

/// A zlib or raw deflate inflater, kept per thread: exactly what flate2's `Decompress` (on
/// miniz_oxide, reset before every stream) fed by `decompress_vec` gives, without its costs. That
/// path zeroes the output vector's spare capacity before every call, and its whole 32 KiB window
/// at every reset: here output is appended, and only the part of the window the last stream wrote
/// is zeroed. The decompressor calls, their arguments and the window's contents are the same, so
/// the output is too, byte for byte (corrupt streams included: a match reaching back before the
/// start of the data reads zeros from the window, as with flate2).
struct Inflater {
    /// For streams that are whole and valid (see [`Inflater::whole`]).
    fast: Option<zlib_rs::Inflate>,
    chunk: Box<[u8; CHUNK]>,
    /// One decompressor for each format (zlib, raw deflate).
    decomp: [miniz_oxide::inflate::core::DecompressorOxide; 2],
    window: Box<[u8; WINDOW]>,
    /// `window[..dirty]` may hold output of an earlier stream; the rest is zero.
    dirty: usize,
}

/// Where a stream stands between two calls of [`Inflater::step`] (miniz_oxide's `InflateState`,
/// less the window).
struct StreamState {
    /// Start of the decompressed bytes in the window not yet handed out, and their number.
    ofs: usize,
    avail: usize,
    last: miniz_oxide::inflate::TINFLStatus,
}

/// What one [`Inflater::step`] returned, as flate2 reported it.
#[derive(PartialEq)]
enum Step {
    Ok,
    StreamEnd,
    Error,
}

impl Inflater {
    fn new() -> Inflater {
        use miniz_oxide::inflate::core::DecompressorOxide;
        Inflater {
            fast: None,
            chunk: Box::new([0; CHUNK]),
            decomp: [DecompressorOxide::new(), DecompressorOxide::new()],
            window: Box::new([0; WINDOW]),
            dirty: 0,
        }
    }

    /// A stream that zlib-rs (faster than miniz_oxide, and at least as strict) inflates to its end
    /// within `limit` bytes: a valid deflate stream has one decoding, which miniz_oxide gives too.
    /// `None` for anything else (an error, a stream cut short, the limit reached), which goes the
    /// way [`Inflater::run`] has it, byte for byte.
    fn whole(&mut self, input: &[u8], zlib: bool, limit: usize) -> Option<Vec<u8>> {
        use zlib_rs::{InflateFlush, Status};
        let z = self
            .fast
            .get_or_insert_with(|| zlib_rs::Inflate::new(zlib, 15));
        z.reset(zlib);
        let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).max(64).min(limit));
        loop {
            let (in_before, out_before) = (z.total_in(), z.total_out());
            let rest = input.get(usize::try_from(in_before).ok()?..)?;
            let status = z.decompress(rest, &mut self.chunk[..], InflateFlush::NoFlush);
            let n = usize::try_from(z.total_out() - out_before).ok()?;
            if n > limit - out.len() {
                return None;
            }
            // Grown as the exact path grows its output: never beyond the limit.
            if out.capacity() - out.len() < n {
                crate::extract::grow_toward(&mut out, limit);
            }
            out.extend_from_slice(self.chunk.get(..n)?);
            match status {
                Ok(Status::StreamEnd) => return Some(out),
                Ok(_) if z.total_in() > in_before || n > 0 => {}
                _ => return None,
            }
        }
    }

    /// The old loop: grow the output when full (the same capacities), call until the end, an
    /// error, or a call that makes no progress.
    fn run(&mut self, input: &[u8], zlib: bool, limit: usize) -> Vec<u8> {
        self.decomp[zlib as usize].init();
        self.window.get_mut(..self.dirty).unwrap_or(&mut []).fill(0);
        self.dirty = 0;
        let mut st = StreamState {
            ofs: 0,
            avail: 0,
            last: miniz_oxide::inflate::TINFLStatus::NeedsMoreInput,
        };
        let mut total_in = 0usize;
        let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).max(64).min(limit));
        while out.len() < limit {
            if out.len() == out.capacity() {
                crate::extract::grow_toward(&mut out, limit);
            }
            let (in_before, out_before) = (total_in, out.len());
            let rest = input.get(in_before..).unwrap_or(&[]);
            let (consumed, step) = self.step(&mut st, rest, zlib, &mut out);
            total_in += consumed;
            match step {
                Step::StreamEnd | Step::Error => break,
                Step::Ok if total_in == in_before && out.len() == out_before => break,
                Step::Ok => {}
            }
        }
        out
    }

    /// miniz_oxide's `stream::inflate` without a final flush, into `out`'s spare capacity: the
    /// input bytes consumed, and the status as flate2 mapped it (a buffer error is not an error).
    fn step(
        &mut self,
        st: &mut StreamState,
        input: &[u8],
        zlib: bool,
        out: &mut Vec<u8>,
    ) -> (usize, Step) {
        use miniz_oxide::inflate::core::{decompress, inflate_flags as f};
        use miniz_oxide::inflate::TINFLStatus as S;
        let failed = |s: S| (s as i32) < 0;
        let format = if zlib {
            f::TINFL_FLAG_COMPUTE_ADLER32 | f::TINFL_FLAG_PARSE_ZLIB_HEADER
        } else {
            f::TINFL_FLAG_IGNORE_ADLER32
        };
        let flags = format | f::TINFL_FLAG_HAS_MORE_INPUT;
        if st.last == S::FailedCannotMakeProgress {
            return (0, Step::Ok);
        }
        if failed(st.last) {
            return (0, Step::Error);
        }
        if st.avail != 0 {
            self.push_out(st, out);
            let end = st.last == S::Done && st.avail == 0;
            return (0, if end { Step::StreamEnd } else { Step::Ok });
        }
        let mut next_in = input;
        let mut consumed = 0;
        loop {
            let start = st.ofs;
            let decomp = &mut self.decomp[zlib as usize];
            let (status, in_bytes, out_bytes) =
                decompress(decomp, next_in, &mut self.window[..], start, flags);
            self.dirty = self.dirty.max(start.saturating_add(out_bytes).min(WINDOW));
            st.last = status;
            next_in = next_in.get(in_bytes..).unwrap_or(&[]);
            consumed += in_bytes;
            st.avail = out_bytes;
            self.push_out(st, out);
            if status == S::FailedCannotMakeProgress {
                return (consumed, Step::Ok);
            }
            if failed(status) {
                return (consumed, Step::Error);
            }
            if status == S::NeedsMoreInput && input.is_empty() {
                return (consumed, Step::Ok);
            }
            let out_full = out.len() == out.capacity();
            if status == S::Done || next_in.is_empty() || out_full || st.avail != 0 {
                let end = status == S::Done && st.avail == 0;
                return (consumed, if end { Step::StreamEnd } else { Step::Ok });
            }
        }
    }

    /// Hand out as many of the window's pending bytes as `out` has room for.
    fn push_out(&self, st: &mut StreamState, out: &mut Vec<u8>) {
        let n = st.avail.min(out.capacity() - out.len());
        out.extend_from_slice(self.window.get(st.ofs..st.ofs + n).unwrap_or(&[]));
        st.avail -= n;
        st.ofs = (st.ofs + n) & (WINDOW - 1);
    }
}

fn load(bytes: &[u8], opts: &ExtractOptions) -> Result<PdfDoc, ExtractError> {
    load_inner(bytes, opts, true)
}

fn load_inner(
    bytes: &[u8],
    opts: &ExtractOptions,
    allow_patch: bool,
) -> Result<PdfDoc, ExtractError> {
    let lim = Some(opts.max_stream_bytes.min(usize::MAX as u64) as usize);
    let base = LoadOptions {
        max_decompressed_size: lim,
        ..Default::default()
    };
    let first = std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(bytes, base.clone()));
    let first = match first {
        Ok(r) => r,
        Err(_) => {
            return Err(ExtractError::Malformed {
                format: "pdf",
                reason: "the PDF parser failed on this file".into(),
            })
        }
    };
    let needs_password = match &first {
        Ok(_) => false,
        Err(lopdf::Error::InvalidPassword) => true,
        Err(e) => {
            let m = e.to_string().to_ascii_lowercase();
            m.contains("password") || m.contains("decrypt")
        }
    };
    if let Ok(doc) = &first {
        if matches!(doc.trailer.get(b"Encrypt"), Ok(Object::Dictionary(_))) {
            // lopdf 0.47 keeps the objects of such a file unparsed: move the dictionary into an
            // indirect object of its own and load that copy.
            if let Some(patched) = patch_direct_encrypt(bytes) {
                if allow_patch {
                    return load_inner(&patched, opts, false);
                }
            }
            return Err(ExtractError::Encrypted(
                "the /Encrypt dictionary sits directly in the trailer, which lopdf cannot decrypt"
                    .into(),
            ));
        }
    }
    if let Ok(doc) = &first {
        if doc.was_encrypted() {
            // lopdf 0.47 ignores crypt filters given as indirect objects and then "decrypts"
            // with the identity filter. Inline them and load again.
            if let Some(patched) = inline_crypt_filters(bytes) {
                let o = LoadOptions {
                    force_reconstruct: true,
                    ..base.clone()
                };
                if let Ok(Ok(d)) =
                    std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(&patched, o))
                {
                    if d.was_encrypted() && !d.get_pages().is_empty() {
                        return Ok(d);
                    }
                }
            }
        }
    }
    if !needs_password {
        let mut doc = first.map_err(|e| ExtractError::Malformed {
            format: "pdf",
            reason: e.to_string(),
        })?;
        if doc.trailer.get(b"Encrypt").is_ok() && !doc.was_encrypted() {
            // lopdf left it encrypted: the empty password did not open it. Try the given
            // passwords through the loader, then lopdf's decrypt on the loaded document.
            for pw in &opts.passwords {
                let o = LoadOptions {
                    password: Some(pw.clone()),
                    ..base.clone()
                };
                if let Ok(Ok(d)) =
                    std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(bytes, o))
                {
                    if d.was_encrypted() {
                        return Ok(d);
                    }
                }
            }
            fix_encrypt_dict(&mut doc);
            let mut pws = vec![String::new()];
            pws.extend(opts.passwords.iter().cloned());
            let mut damaged = None;
            for pw in pws {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.decrypt(&pw)));
                if let Ok(Err(lopdf::Error::Decryption(e))) = &r {
                    if damaged_encryption(e) {
                        damaged.get_or_insert_with(|| e.to_string());
                    }
                }
                if r.is_ok() && doc.trailer.get(b"Encrypt").is_err() {
                    return Ok(doc);
                }
            }
            if let Some(e) = damaged {
                // Not a password problem: the encryption dictionary lacks what decrypting needs,
                // or holds values of the wrong kind. No password could open it; it is damage.
                return Err(ExtractError::Malformed {
                    format: "pdf",
                    reason: format!("{DAMAGED_ENCRYPTION} ({e})"),
                });
            }
            return Err(ExtractError::Encrypted(if opts.passwords.is_empty() {
                "the PDF needs a password".into()
            } else {
                "none of the given passwords opens the PDF".into()
            }));
        }
        return Ok(doc);
    }
    for pw in &opts.passwords {
        let o = LoadOptions {
            password: Some(pw.clone()),
            ..base.clone()
        };
        if let Ok(Ok(doc)) = std::panic::catch_unwind(|| PdfDoc::load_mem_with_options(bytes, o)) {
            if doc.trailer.get(b"Encrypt").is_err() || doc.was_encrypted() {
                return Ok(doc);
            }
        }
    }
    if let Err(lopdf::Error::Decryption(e)) = &first {
        if damaged_encryption(e) {
            // Not a password problem: the encryption dictionary lacks what decrypting needs, or
            // holds values of the wrong kind. No password could open it; it is damage.
            return Err(ExtractError::Malformed {
                format: "pdf",
                reason: format!("{DAMAGED_ENCRYPTION} ({e})"),
            });
        }
    }
    Err(ExtractError::Encrypted(if opts.passwords.is_empty() {
        "the PDF needs a password".into()
    } else {
        "none of the given passwords opens the PDF".into()
    }))
}

/// How the error of a PDF whose encryption dictionary is damaged begins. Such a file is not rebuilt
/// from its objects: its streams are still encrypted, and would be read as garbage.
const DAMAGED_ENCRYPTION: &str = "the encryption dictionary is damaged";

/// A decryption error that says the encryption dictionary is damaged, not that a password is wanted
/// or that the scheme is one lopdf cannot read.
fn damaged_encryption(e: &lopdf::encryption::DecryptionError) -> bool {
    use lopdf::encryption::DecryptionError as D;
    matches!(
        e,
        D::MissingEncryptDictionary
            | D::MissingVersion
            | D::MissingRevision
            | D::MissingOwnerPassword
            | D::MissingUserPassword
            | D::MissingPermissions
            | D::MissingFileID
            | D::InvalidHashLength
            | D::InvalidKeyLength
            | D::InvalidCipherTextLength
            | D::InvalidPermissionLength
            | D::InvalidVersion
            | D::InvalidRevision
            | D::InvalidType
    )
}

/// A regular expression, compiled once per process (`cell` is the caller's own static).
fn regex_once(
    cell: &'static std::sync::OnceLock<Option<regex::bytes::Regex>>,
    pattern: &str,
) -> Option<&'static regex::bytes::Regex> {
    cell.get_or_init(|| regex::bytes::Regex::new(pattern).ok())
        .as_ref()
}

/// `regex_once` with a static cell of its own.
macro_rules! regex_once {
    ($pattern:expr) => {{
        static CELL: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
        regex_once(&CELL, $pattern)
    }};
}

/// A copy of a file whose trailer holds the /Encrypt dictionary directly, with that dictionary
/// moved into a new indirect object (numbered /Size, which is bumped by one).
fn patch_direct_encrypt(bytes: &[u8]) -> Option<Vec<u8>> {
    let tpos = bytes.windows(7).rposition(|w| w == b"trailer")?;
    let rel = bytes
        .get(tpos..)?
        .windows(8)
        .position(|w| w == b"/Encrypt")?;
    let mut i = tpos + rel + 8;
    while bytes.get(i).is_some_and(|b| lexer::is_white(*b)) {
        i += 1;
    }
    if bytes.get(i..i + 2) != Some(b"<<") {
        return None;
    }
    let start = i;
    let mut depth = 0i32;
    let mut end = None;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => {
                let mut d = 0i32;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'(' => d += 1,
                        b')' => {
                            d -= 1;
                            if d == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    end = Some(i + 1);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let end = end?;
    let dict = bytes.get(start..end)?;
    let re_size = regex_once!(r"/Size\s+(\d+)")?;
    let size_m = re_size.captures(bytes.get(tpos..)?)?;
    let size: u32 = std::str::from_utf8(size_m.get(1)?.as_bytes())
        .ok()?
        .parse()
        .ok()?;
    let num = size;
    let mut trailer = Vec::new();
    trailer.extend_from_slice(&bytes[tpos..start]);
    trailer.extend_from_slice(format!(" {num} 0 R").as_bytes());
    trailer.extend_from_slice(&bytes[end..]);
    let trailer = re_size
        .replace(
            &trailer,
            format!("/Size {}", size.saturating_add(1)).as_bytes(),
        )
        .into_owned();
    let mut out = Vec::with_capacity(bytes.len() + dict.len() + 64);
    out.extend_from_slice(&bytes[..tpos]);
    out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
    out.extend_from_slice(dict);
    out.extend_from_slice(b"\nendobj\n");
    out.extend_from_slice(&trailer);
    Some(out)
}

/// The text of indirect object `num gen` (between `obj` and `endobj`): its last definition.
fn raw_object(bytes: &[u8], num: &[u8], gen: &[u8]) -> Option<(usize, usize)> {
    let mut pat = Vec::new();
    pat.extend_from_slice(num);
    pat.push(b' ');
    pat.extend_from_slice(gen);
    pat.extend_from_slice(b" obj");
    let start = memchr::memmem::find_iter(bytes, &pat)
        .filter(|&at| at == 0 || !bytes[at - 1].is_ascii_digit())
        .last()?
        + pat.len();
    let end = start + find_bytes(bytes.get(start..)?, b"endobj")?;
    Some((start, end))
}

/// When the /Encrypt dictionary gives its crypt filters (/CF or its entries) as indirect
/// references, a copy of the file with those dictionaries written inline.
fn inline_crypt_filters(bytes: &[u8]) -> Option<Vec<u8>> {
    let re_enc = regex_once!(r"/Encrypt\s+(\d+)\s+(\d+)\s+R")?;
    let caps = re_enc.captures_iter(bytes).last()?;
    let (num, gen) = (caps.get(1)?.as_bytes(), caps.get(2)?.as_bytes());
    let (es, ee) = raw_object(bytes, num, gen)?;
    let enc = &bytes[es..ee];
    let re_ref = regex_once!(r"(\d+)\s+(\d+)\s+R")?;
    let cf_pos = enc.windows(3).position(|w| w == b"/CF")? + 3;
    // The /CF value: a reference, or a dictionary that may hold references.
    let after = &enc[cf_pos..];
    let trimmed = after.iter().position(|b| !lexer::is_white(*b))?;
    let resolve_refs = |text: &[u8]| -> Vec<u8> {
        let mut out = Vec::new();
        let mut last = 0;
        for c in re_ref.captures_iter(text) {
            let (Some(m), Some(n), Some(g)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            out.extend_from_slice(&text[last..m.start()]);
            match raw_object(bytes, n.as_bytes(), g.as_bytes()) {
                Some((s, e)) => out.extend_from_slice(bytes[s..e].trim_ascii()),
                None => out.extend_from_slice(m.as_bytes()),
            }
            last = m.end();
        }
        out.extend_from_slice(&text[last..]);
        out
    };
    let (value_start, value_end, value): (usize, usize, Vec<u8>) = if let Some(c) = re_ref
        .captures(&after[trimmed..])
        .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
    {
        let m = c.get(0)?;
        let (s, e) = raw_object(bytes, c.get(1)?.as_bytes(), c.get(2)?.as_bytes())?;
        let inner = resolve_refs(bytes[s..e].trim_ascii());
        (cf_pos + trimmed, cf_pos + trimmed + m.end(), inner)
    } else if after[trimmed..].starts_with(b"<<") {
        // Find the end of the /CF dictionary.
        let body = &after[trimmed..];
        let mut depth = 0i32;
        let mut i = 0;
        let mut end = None;
        while i + 1 < body.len() {
            if &body[i..i + 2] == b"<<" {
                depth += 1;
                i += 2;
                continue;
            }
            if &body[i..i + 2] == b">>" {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    end = Some(i);
                    break;
                }
                continue;
            }
            i += 1;
        }
        let end = end?;
        let dict = &body[..end];
        if !re_ref.is_match(dict) {
            return None;
        }
        (cf_pos + trimmed, cf_pos + trimmed + end, resolve_refs(dict))
    } else {
        return None;
    };
    let mut out = Vec::with_capacity(bytes.len() + value.len());
    out.extend_from_slice(&bytes[..es + value_start]);
    out.push(b' ');
    out.extend_from_slice(&value);
    out.push(b' ');
    out.extend_from_slice(&bytes[es + value_end..]);
    Some(out)
}

/// Make the /Encrypt dictionary the shape lopdf's decryption expects: an indirect object whose
/// /CF crypt filters are direct dictionaries.
fn fix_encrypt_dict(doc: &mut PdfDoc) {
    let Ok(enc) = doc.trailer.get(b"Encrypt").cloned() else {
        return;
    };
    let (id, mut dict) = match enc {
        Object::Dictionary(d) => {
            let id = (doc.max_id.saturating_add(1), 0);
            doc.max_id = id.0;
            (id, d)
        }
        Object::Reference(id) => match doc.get_object(id).and_then(|o| o.as_dict()) {
            Ok(d) => (id, d.clone()),
            Err(_) => return,
        },
        _ => return,
    };
    if let Ok(cf) = dict.get(b"CF") {
        if let Ok(cfd) = deref(doc, cf).as_dict() {
            let mut cfd = cfd.clone();
            let keys: Vec<Vec<u8>> = cfd.iter().map(|(k, _)| k.clone()).collect();
            for k in keys {
                if let Ok(v) = cfd.get(&k) {
                    let resolved = deref(doc, v).clone();
                    cfd.set(k, resolved);
                }
            }
            dict.set("CF", Object::Dictionary(cfd));
        }
    }
    doc.objects.insert(id, Object::Dictionary(dict));
    doc.trailer.set("Encrypt", Object::Reference(id));
}

fn inherited<'a>(
    doc: &'a PdfDoc,
    page: &'a Dictionary,
    key: &[u8],
    max_depth: usize,
) -> Option<&'a Object> {
    let mut d = page;
    for _ in 0..=max_depth.min(32) {
        if let Some(o) = dget(doc, d, key) {
            return Some(o);
        }
        d = dget(doc, d, b"Parent")?.as_dict().ok()?;
    }
    None
}

fn page_content(doc: &PdfDoc, page: &Dictionary, budget: &mut Budget) -> Vec<u8> {
    let mut out = Vec::new();
    match page.get(b"Contents").ok().map(|o| deref(doc, o)) {
        Some(Object::Stream(s)) => {
            if let Some(b) = budget.stream_bytes(s) {
                out = b;
            }
        }
        Some(Object::Array(a)) => {
            for o in a.iter().take(10_000) {
                if let Object::Stream(s) = deref(doc, o) {
                    if let Some(b) = budget.stream_bytes(s) {
                        out.extend_from_slice(&b);
                        out.push(b'\n');
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn roman(mut n: u32, upper: bool) -> String {
    const T: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut s = String::new();
    if n > 100_000 {
        return n.to_string();
    }
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

fn letters(n: u32, upper: bool) -> String {
    if n == 0 || n > 10_000 {
        return n.to_string();
    }
    let c = (b'a' + ((n - 1) % 26) as u8) as char;
    let s: String = std::iter::repeat_n(c, ((n - 1) / 26 + 1) as usize).collect();
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Page labels from the /PageLabels number tree: label for each 0-based page index.
fn page_labels(doc: &PdfDoc, count: usize, max_depth: usize) -> Option<Vec<String>> {
    let cat = doc.catalog().ok()?;
    let root = dget(doc, cat, b"PageLabels")?.as_dict().ok()?;
    let mut ranges: Vec<(u32, &Dictionary)> = Vec::new();
    let mut stack = vec![(root, 0usize)];
    let mut visits = 0;
    while let Some((node, depth)) = stack.pop() {
        visits += 1;
        if visits > 10_000 || depth > max_depth.min(32) {
            break;
        }
        if let Some(Object::Array(nums)) = dget(doc, node, b"Nums") {
            for pair in nums.chunks(2) {
                if let [k, v] = pair {
                    if let (Some(k), Ok(d)) = (num(doc, k), deref(doc, v).as_dict()) {
                        ranges.push((k.max(0.0) as u32, d));
                    }
                }
            }
        }
        if let Some(Object::Array(kids)) = dget(doc, node, b"Kids") {
            for k in kids {
                if let Ok(d) = deref(doc, k).as_dict() {
                    stack.push((d, depth + 1));
                }
            }
        }
    }
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_by_key(|r| r.0);
    let mut out = Vec::with_capacity(count);
    for i in 0..count as u32 {
        let idx = ranges.partition_point(|r| r.0 <= i);
        let Some((start, d)) = idx.checked_sub(1).and_then(|j| ranges.get(j)) else {
            out.push((i + 1).to_string());
            continue;
        };
        let prefix = dget(doc, d, b"P")
            .and_then(|o| o.as_str().ok())
            .map(pdf_text_string)
            .unwrap_or_default();
        let first = dget(doc, d, b"St")
            .and_then(|o| num(doc, o))
            .unwrap_or(1.0)
            .max(0.0) as u32;
        let n = first.saturating_add(i - start);
        let body = match dget(doc, d, b"S").and_then(|o| o.as_name().ok()) {
            Some(b"D") => n.to_string(),
            Some(b"R") => roman(n, true),
            Some(b"r") => roman(n, false),
            Some(b"A") => letters(n, true),
            Some(b"a") => letters(n, false),
            _ => String::new(),
        };
        out.push(format!("{prefix}{body}"));
    }
    Some(out)
}

/// Paragraphs that open or close most pages with the same text (digits aside) are running
/// headers and footers.
fn mark_headers_footers(blocks: &mut [Block]) {
    use std::collections::{HashMap, HashSet};
    let key = |b: &Block| -> String {
        let mut k = String::with_capacity(b.text.len());
        for c in b.text.chars() {
            if c.is_ascii_digit() {
                if !k.ends_with('#') {
                    k.push('#');
                }
            } else {
                k.push(c);
            }
        }
        k
    };
    // (page, index of first block, index of last block)
    let mut spans: Vec<(u32, usize, usize)> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let p = b.location.page.unwrap_or(0);
        match spans.last_mut() {
            Some((lp, _, last)) if *lp == p => *last = i,
            _ => spans.push((p, i, i)),
        }
    }
    if spans.len() < 3 {
        return;
    }
    let mut top: HashMap<String, HashSet<u32>> = HashMap::new();
    let mut bottom: HashMap<String, HashSet<u32>> = HashMap::new();
    for &(p, first, last) in &spans {
        for i in first..(first + 2).min(last + 1) {
            if let Some(b) = blocks.get(i) {
                top.entry(key(b)).or_default().insert(p);
            }
        }
        for i in last.saturating_sub(1).max(first)..=last {
            if let Some(b) = blocks.get(i) {
                bottom.entry(key(b)).or_default().insert(p);
            }
        }
    }
    let need = (spans.len() / 2).max(3);
    for &(_, first, last) in &spans {
        for i in first..=last {
            let near_top = i < first + 2;
            let near_bottom = i + 2 > last;
            if !near_top && !near_bottom {
                continue;
            }
            let Some(b) = blocks.get_mut(i) else { continue };
            if b.kind != BlockKind::Paragraph || b.text.chars().count() > 200 {
                continue;
            }
            let k = key(b);
            if near_top && top.get(&k).is_some_and(|s| s.len() >= need) {
                b.kind = BlockKind::Header;
            } else if near_bottom && bottom.get(&k).is_some_and(|s| s.len() >= need) {
                b.kind = BlockKind::Footer;
            }
        }
    }
}

/// How far one page was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageDone {
    Full,
    /// The deadline passed while interpreting it: what was read is kept.
    Cut,
    /// The deadline had passed before it started.
    NotRead,
}

/// One page, laid out, before paragraphs are numbered.
struct PageOut {
    units: Vec<layout::Unit>,
    warnings: Vec<String>,
    done: PageDone,
}

/// Everything a page reader needs; shared read-only by the threads reading pages.
struct PageCtx<'a> {
    pdf: &'a PdfDoc,
    cache: &'a content::FontCache,
    limits: &'a StreamLimits<'a>,
    interp: content::InterpLimits,
    max_depth: usize,
    /// Filled-in form field values by widget annotation.
    fields: &'a HashMap<ObjectId, String>,
}

/// Interpret and lay out one page. Independent of every other page, so pages can be read in any
/// order and on any thread with the same result.
fn read_page(ctx: &PageCtx<'_>, pid: ObjectId) -> PageOut {
    if ctx
        .interp
        .deadline
        .is_some_and(|d| std::time::Instant::now() >= d)
    {
        return PageOut {
            units: Vec::new(),
            warnings: Vec::new(),
            done: PageDone::NotRead,
        };
    }
    let pdf = ctx.pdf;
    let mut interp = content::Interp::new(pdf, ctx.cache, Budget::new(ctx.limits), ctx.interp);
    let Ok(page) = pdf.get_dictionary(pid) else {
        return PageOut {
            units: Vec::new(),
            warnings: Vec::new(),
            done: PageDone::Full,
        };
    };
    let resources =
        inherited(pdf, page, b"Resources", ctx.max_depth).and_then(|o| o.as_dict().ok());
    let rotate = inherited(pdf, page, b"Rotate", ctx.max_depth)
        .and_then(|o| num(pdf, o))
        .unwrap_or(0.0) as i64;
    let data = page_content(pdf, page, &mut interp.budget);
    // A text-showing content stream spends a few bytes per glyph (4 hex digits in a two-byte font):
    // reserve for that many glyphs (capped) instead of growing the vector a dozen times.
    interp.glyphs.reserve((data.len() / 4).min(1 << 14));
    interp.run_page(&data, resources, content::IDENTITY);
    let values = interp.run_annotations(page, resources, ctx.fields);
    let glyphs = std::mem::take(&mut interp.glyphs);
    let mut units = layout::layout(glyphs, rotate);
    units.extend(values.into_iter().map(layout::Unit::Paragraph));
    PageOut {
        units,
        warnings: std::mem::take(&mut interp.budget.warnings),
        done: if interp.timed_out {
            PageDone::Cut
        } else {
            PageDone::Full
        },
    }
}

/// The values of filled-in AcroForm text and choice fields, by widget annotation. A field's
/// widgets are the field itself (when field and widget are merged) or its /Kids without /T.
/// Buttons (check boxes, radio buttons) are left to their appearance streams.
fn form_field_values(pdf: &PdfDoc, max_depth: usize) -> HashMap<ObjectId, String> {
    let mut out = HashMap::new();
    let Some(fields) = pdf
        .catalog()
        .ok()
        .and_then(|c| dget(pdf, c, b"AcroForm"))
        .and_then(|a| a.as_dict().ok())
        .and_then(|a| dget(pdf, a, b"Fields"))
        .and_then(|f| f.as_array().ok())
    else {
        return out;
    };
    // (field reference, inherited /FT, inherited /V, depth)
    type Pending = (ObjectId, Option<Vec<u8>>, Option<String>, usize);
    let mut stack: Vec<Pending> = fields
        .iter()
        .rev()
        .filter_map(|o| o.as_reference().ok())
        .map(|id| (id, None, None, 0))
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some((id, ft, v, depth)) = stack.pop() {
        if depth > max_depth.min(32) || !seen.insert(id) || seen.len() > 100_000 {
            continue;
        }
        let Ok(d) = pdf.get_dictionary(id) else {
            continue;
        };
        let ft = dget(pdf, d, b"FT")
            .and_then(|o| o.as_name().ok())
            .map(|n| n.to_vec())
            .or(ft);
        let v = match dget(pdf, d, b"V") {
            Some(o) => field_value(pdf, o),
            None => v,
        };
        let is_widget = dget(pdf, d, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .is_some_and(|n| n == b"Widget");
        let kids: Vec<ObjectId> = dget(pdf, d, b"Kids")
            .and_then(|k| k.as_array().ok())
            .map(|k| k.iter().filter_map(|o| o.as_reference().ok()).collect())
            .unwrap_or_default();
        if is_widget && kids.is_empty() {
            let text_like = matches!(ft.as_deref(), Some(b"Tx") | Some(b"Ch"));
            if let (true, Some(v)) = (text_like, &v) {
                if v.chars().any(|c| !c.is_whitespace()) {
                    out.insert(id, v.clone());
                }
            }
            continue;
        }
        for k in kids.into_iter().rev() {
            stack.push((k, ft.clone(), v.clone(), depth + 1));
        }
    }
    out
}

/// A field value as text: a string, or the strings of an array (multiple choice), one per line.
fn field_value(pdf: &PdfDoc, o: &Object) -> Option<String> {
    let s = match o {
        Object::String(b, _) => pdf_text_string(b),
        Object::Array(a) => a
            .iter()
            .filter_map(|x| match deref(pdf, x) {
                Object::String(b, _) => Some(pdf_text_string(b)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Object::Stream(s) => pdf_text_string(&s.content),
        _ => return None,
    };
    let s = s.replace("\r\n", "\n").replace(['\r', '\u{c}'], "\n");
    Some(s.trim_end().to_string())
}

/// Rebuild a PDF whose cross-reference data lopdf could not use: take every `N G obj … endobj`
/// block in file order (a later definition of a number replaces an earlier one, as incremental
/// updates do), find the catalog, or else gather every `/Type /Page` object under a new page
/// tree, and write the objects out again with a fresh xref table and trailer.
fn rebuild_from_objects(bytes: &[u8]) -> Option<Vec<u8>> {
    let header = regex_once!(r"(?-u)(?:^|[\s>\]])(\d{1,10})\s+(\d{1,5})\s+obj\b")?;
    let page_re = regex_once!(r"(?-u)/Type\s*/Page\b")?;
    let catalog_re = regex_once!(r"(?-u)/Type\s*/Catalog\b")?;
    let mut objects: std::collections::BTreeMap<u32, &[u8]> = std::collections::BTreeMap::new();
    let positions = |kw: &[u8]| -> Vec<usize> {
        let mut v = Vec::new();
        let mut from = 0;
        while let Some(p) = bytes.get(from..).and_then(|b| find_bytes(b, kw)) {
            v.push(from + p);
            from += p + kw.len();
        }
        v
    };
    let endstreams = positions(b"endstream");
    let endobjs = positions(b"endobj");
    let mut pos = 0;
    while let Some(c) = header.captures_at(bytes, pos) {
        let (Some(m), Some(n)) = (c.get(0), c.get(1)) else {
            break;
        };
        let Some(num) = std::str::from_utf8(n.as_bytes())
            .ok()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            pos = m.end();
            continue;
        };
        let body_start = m.end();
        let rest = &bytes[body_start..];
        // A stream's data may hold anything: look for `endobj` after `endstream`. Keyword
        // positions are found once for the whole file, so this stays linear on hostile input.
        let next_header = header
            .find_at(bytes, body_start)
            .map(|h| h.start() - body_start)
            .unwrap_or(rest.len());
        let stream_at = find_bytes(&rest[..next_header], b"stream");
        let end = match stream_at {
            Some(_) => {
                let after = |v: &[usize], from: usize| -> Option<usize> {
                    v.get(v.partition_point(|&p| p < from)).copied()
                };
                after(&endstreams, body_start)
                    .and_then(|es| after(&endobjs, es))
                    .map(|eo| eo - body_start)
                    .unwrap_or(next_header)
            }
            None => find_bytes(&rest[..next_header], b"endobj").unwrap_or(next_header),
        };
        let body = rest[..end].trim_ascii();
        if !body.is_empty() && num > 0 && objects.len() < 5_000_000 {
            objects.insert(num, body);
        }
        pos = body_start + end.max(1);
        if pos >= bytes.len() {
            break;
        }
    }
    if objects.is_empty() {
        return None;
    }
    let max = *objects.keys().next_back()?;
    let mut root = objects
        .iter()
        .rev()
        .find(|(_, b)| catalog_re.is_match(b) && find_bytes(b, b"/Pages").is_some())
        .map(|(n, _)| *n);
    let mut extra: Vec<(u32, Vec<u8>)> = Vec::new();
    if root.is_none() {
        let pages: Vec<u32> = objects
            .iter()
            .filter(|(_, b)| page_re.is_match(b) && b.starts_with(b"<<"))
            .map(|(n, _)| *n)
            .collect();
        if pages.is_empty() {
            return None;
        }
        let kids: Vec<String> = pages.iter().map(|n| format!("{n} 0 R")).collect();
        let (pages_no, cat_no) = (max.checked_add(1)?, max.checked_add(2)?);
        extra.push((
            pages_no,
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                pages.len()
            )
            .into_bytes(),
        ));
        extra.push((
            cat_no,
            format!("<< /Type /Catalog /Pages {pages_no} 0 R >>").into_bytes(),
        ));
        root = Some(cat_no);
    }
    let root = root?;
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    let all = objects
        .iter()
        .map(|(n, b)| (*n, *b))
        .chain(extra.iter().map(|(n, b)| (*n, b.as_slice())));
    for (n, b) in all {
        offsets.push((n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(b);
        out.extend_from_slice(b"\nendobj\n");
    }
    let size = offsets.last().map(|(n, _)| n + 1)?;
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    let mut it = offsets.iter().peekable();
    for n in 1..size {
        match it.peek() {
            Some((m, off)) if *m == n => {
                out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
                it.next();
            }
            _ => out.extend_from_slice(b"0000000000 65535 f \n"),
        }
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    Some(out)
}

/// Count the `N G obj` headers in the raw file (a cheap upper bound on the top-level objects,
/// before the parser allocates them).
fn count_obj_headers(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut from = 0;
    while let Some(rel) = bytes.get(from..).and_then(|b| find_bytes(b, b"obj")) {
        let at = from + rel;
        let before = bytes.get(..at).unwrap_or(&[]);
        let after = bytes.get(at + 3).copied();
        let digits_before = before
            .iter()
            .rev()
            .skip_while(|b| lexer::is_white(**b))
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits_before > 0
            && before.last().is_some_and(|b| lexer::is_white(*b))
            && after.is_none_or(|b| lexer::is_white(b) || lexer::is_delim(b))
        {
            n += 1;
        }
        from = at + 3;
    }
    n
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

/// The AES-256 password hashes lopdf keeps per thread (vendor/lopdf/PATCHES.md) serve the loads of
/// one document: they are forgotten when it starts and when it is done, however it ends.
struct PasswordHashes;

impl PasswordHashes {
    fn for_this_document() -> PasswordHashes {
        lopdf::encryption::forget_password_hashes();
        PasswordHashes
    }
}

impl Drop for PasswordHashes {
    fn drop(&mut self) {
        lopdf::encryption::forget_password_hashes();
    }
}

pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    let _hashes = PasswordHashes::for_this_document();
    let max_objects = opts.max_objects as usize;
    let headers = count_obj_headers(bytes);
    if headers > max_objects {
        return Err(ExtractError::LimitExceeded(format!(
            "the PDF has {headers} objects, more than the limit of {max_objects}"
        )));
    }
    let rebuilt;
    let (pdf, bytes) = match load(bytes, opts) {
        Ok(p) if !p.get_pages().is_empty() => (p, bytes),
        first => {
            // The cross-reference data is unusable (or leads to no page): rebuild the file from
            // the objects it still holds, unless it is encrypted (the key went with the trailer).
            let encrypted = match &first {
                Err(ExtractError::Encrypted(_)) => true,
                Err(ExtractError::Malformed { reason, .. }) => {
                    reason.starts_with(DAMAGED_ENCRYPTION)
                }
                _ => false,
            };
            match (encrypted, rebuild_from_objects(bytes)) {
                (false, Some(r)) => {
                    rebuilt = r;
                    match load(&rebuilt, opts) {
                        Ok(p) if !p.get_pages().is_empty() => (p, rebuilt.as_slice()),
                        _ => (first?, bytes),
                    }
                }
                _ => (first?, bytes),
            }
        }
    };
    if pdf.objects.len() > max_objects {
        return Err(ExtractError::LimitExceeded(format!(
            "the PDF has {} objects, more than the limit of {max_objects}",
            pdf.objects.len()
        )));
    }
    extract_loaded(&pdf, bytes, opts)
}

fn extract_loaded(
    pdf: &PdfDoc,
    bytes: &[u8],
    opts: &ExtractOptions,
) -> Result<Document, ExtractError> {
    use rayon::prelude::*;
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let mut doc = Document::new(Format::Pdf);
    let limits = StreamLimits::new(opts.max_stream_bytes, opts.max_total_bytes, bytes);
    let mut warnings: Vec<String> = Vec::new();
    let total = pages.len();
    let limit = (opts.max_pages as usize).min(total);
    if total > limit {
        warnings.push(format!(
            "only the first {limit} of {total} pages were read (page limit)"
        ));
    }
    let max_depth = opts.max_depth as usize;
    let labels = page_labels(pdf, limit, max_depth);
    let cache = content::FontCache::default();
    let fields = form_field_values(pdf, max_depth);
    let ctx = PageCtx {
        fields: &fields,
        pdf,
        cache: &cache,
        limits: &limits,
        interp: content::InterpLimits {
            max_form_depth: content::MAX_FORM_DEPTH.min(max_depth),
            deadline: opts.deadline,
        },
        max_depth,
    };
    let page_ids = pages.get(..limit).unwrap_or(&[]);
    // Pages are independent once the document is loaded: read them in parallel (on the pool the
    // caller runs in), then number paragraphs in page order, so the result does not depend on
    // the number of threads.
    let outs: Vec<PageOut> = if page_ids.len() > 1 {
        page_ids
            .par_iter()
            .with_max_len(1)
            .map(|pid| read_page(&ctx, *pid))
            .collect()
    } else {
        page_ids.iter().map(|pid| read_page(&ctx, *pid)).collect()
    };
    let mut para_no = 0u32;
    let mut table_no = 0u32;
    let mut any_table = false;
    let mut pages_without_text = 0u32;
    let mut pages_read = 0usize;
    let mut stopped = false;
    for (i, out) in outs.into_iter().enumerate() {
        if out.done == PageDone::NotRead {
            stopped = true;
            break;
        }
        pages_read += 1;
        for w in out.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        let page_no = (i + 1) as u32;
        let label = labels.as_ref().and_then(|l| l.get(i).cloned());
        let mut has_text = false;
        let mut row_no = 0u32;
        for u in out.units {
            match u {
                layout::Unit::Paragraph(text) => {
                    has_text |= text.chars().any(|c| !c.is_whitespace());
                    para_no += 1;
                    doc.blocks.push(Block::new(
                        BlockKind::Paragraph,
                        text,
                        Location {
                            page: Some(page_no),
                            page_label: label.clone(),
                            paragraph: para_no,
                            ..Default::default()
                        },
                    ));
                }
                layout::Unit::Row { cells, new_table } => {
                    if new_table {
                        if any_table {
                            table_no += 1;
                        }
                        any_table = true;
                        row_no = 0;
                    } else {
                        row_no += 1;
                    }
                    for (col, text) in cells {
                        has_text |= text.chars().any(|c| !c.is_whitespace());
                        para_no += 1;
                        doc.blocks.push(Block::new(
                            BlockKind::TableCell,
                            text,
                            Location {
                                page: Some(page_no),
                                page_label: label.clone(),
                                paragraph: para_no,
                                cell: Some(CellRef {
                                    table: table_no,
                                    row: row_no,
                                    col,
                                }),
                                ..Default::default()
                            },
                        ));
                    }
                }
            }
        }
        if !has_text {
            pages_without_text += 1;
        }
        if out.done == PageDone::Cut {
            stopped = true;
            break;
        }
    }
    if stopped {
        if pages_read == 0 {
            return Err(ExtractError::LimitExceeded(format!(
                "time limit reached before any of the {total} pages was read"
            )));
        }
        warnings.push(format!(
            "stopped after {pages_read} of {total} pages: time limit"
        ));
    }
    mark_headers_footers(&mut doc.blocks);
    doc.pages = Some(pages_read as u32);
    doc.pages_without_text = pages_without_text;
    doc.warnings = warnings;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inflation [`Inflater`] reproduces: flate2's `Decompress` on miniz_oxide (as release
    /// builds have it; test builds get another backend through a dev-dependency), reset for every
    /// stream, fed by `decompress_vec`, which zeroes the vector's spare capacity and inflates into it.
    fn flate2_capped(input: &[u8], zlib: bool, cap: u64) -> Vec<u8> {
        use miniz_oxide::inflate::stream::{inflate, InflateState};
        use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
        let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
        let format = if zlib {
            DataFormat::Zlib
        } else {
            DataFormat::Raw
        };
        let mut state = InflateState::new_boxed(format);
        let mut total_in = 0;
        let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).max(64).min(limit));
        while out.len() < limit {
            if out.len() == out.capacity() {
                crate::extract::grow_toward(&mut out, limit);
            }
            let (in_before, out_before) = (total_in, out.len());
            let rest = input.get(in_before..).unwrap_or(&[]);
            out.resize(out.capacity(), 0);
            let r = inflate(&mut state, rest, &mut out[out_before..], MZFlush::None);
            out.truncate(out_before + r.bytes_written);
            total_in += r.bytes_consumed;
            match r.status {
                Ok(MZStatus::StreamEnd) => break,
                Ok(MZStatus::Ok) | Err(MZError::Buf)
                    if total_in == in_before && out.len() == out_before =>
                {
                    break
                }
                Ok(MZStatus::Ok) | Err(MZError::Buf) => {}
                _ => break,
            }
        }
        out
    }

    #[test]
    fn raw_objects_are_their_last_definition() {
        let file = b"1 0 obj A endobj 11 0 obj X endobj 1 0 obj B endobj 21 0 obj Y endobj";
        let text = |n: &[u8]| raw_object(file, n, b"0").map(|(s, e)| &file[s..e]);
        assert_eq!(text(b"1"), Some(&b" B "[..]));
        assert_eq!(text(b"11"), Some(&b" X "[..]));
        assert_eq!(text(b"2"), None);
        assert_eq!(raw_object(b"1 0 obj A", b"1", b"0"), None);
    }

    fn compress(data: &[u8], zlib: bool, level: u32) -> Vec<u8> {
        use std::io::Write;
        let level = flate2::Compression::new(level);
        if zlib {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
            let _ = e.write_all(data);
            e.finish().unwrap_or_default()
        } else {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
            let _ = e.write_all(data);
            e.finish().unwrap_or_default()
        }
    }

    /// A raw deflate stream (one fixed-Huffman block): the literal `A`, then a match of 3 bytes
    /// 100 back, before the start of the data.
    fn reaching_before_the_start() -> Vec<u8> {
        let mut bits: Vec<bool> = Vec::new();
        let mut put = |v: u32, n: u32, msb_first: bool| {
            for i in 0..n {
                let k = if msb_first { n - 1 - i } else { i };
                bits.push(v >> k & 1 == 1);
            }
        };
        put(1, 1, false); // BFINAL
        put(1, 2, false); // fixed Huffman
        put(0x30 + b'A' as u32, 8, true);
        put(1, 7, true); // length 3 (code 257)
        put(13, 5, true); // distance 97..=128
        put(3, 5, false); // + 3
        put(0, 7, true); // end of block
        bits.chunks(8)
            .map(|c| c.iter().enumerate().map(|(i, &b)| (b as u8) << i).sum())
            .collect()
    }

    #[test]
    fn inflation_matches_flate2_byte_for_byte() {
        let mut next = crate::testing::xorshift(0x243F_6A88_85A3_08D3);
        // A stream that fills the window, then one reading before its start: zeros, as from a
        // window just reset.
        let full = compress(&vec![b'Z'; 40_000], false, 6);
        let odd = reaching_before_the_start();
        for (data, zlib) in [(&full, false), (&odd, false), (&full, true), (&odd, false)] {
            assert_eq!(
                decompress_capped(data, zlib, 1 << 20),
                flate2_capped(data, zlib, 1 << 20)
            );
        }
        assert_eq!(decompress_capped(&odd, false, 100), b"A\0\0\0");
        // Valid streams, and corrupt ones: bits flipped anywhere or in the block headers (some
        // still decode to an end, to other bytes), cut short, followed by garbage, or garbage.
        for _ in 0..4000 {
            let len = (next() % [70_000, 3000][next() as usize % 2]) as usize;
            let data: Vec<u8> = (0..len)
                .map(|i| match next() % 4 {
                    0 => next() as u8,
                    _ => b"BT /F1 11 Tf (ab) Tj ET\n"[i % 24],
                })
                .collect();
            let zlib = next().is_multiple_of(2);
            let mut input = compress(&data, zlib, (next() % 10) as u32);
            match next() % 6 {
                k @ (0 | 1) => {
                    for _ in 0..1 + next() % 4 {
                        let within = if k == 0 {
                            input.len()
                        } else {
                            input.len().min(24)
                        };
                        if within > 0 {
                            let at = next() as usize % within;
                            input[at] ^= 1 << (next() % 8);
                        }
                    }
                }
                2 => input.truncate(next() as usize % (input.len() + 1)),
                3 => input.extend((0..next() % 50).map(|_| next() as u8)),
                4 => input = (0..next() % 2000).map(|_| next() as u8).collect(),
                _ => {}
            }
            let cap = match next() % 4 {
                0 => next() % 300,
                1 => next() % 100_000,
                _ => 1 << 24,
            };
            assert_eq!(
                decompress_capped(&input, zlib, cap),
                flate2_capped(&input, zlib, cap),
                "{len} bytes, zlib {zlib}, cap {cap}"
            );
        }
    }
}
