//! DOCX extraction: a bounded zip reader and one streaming pass per part over quick-xml's events
//! (as [`tokens`] reads them).
//!
//! The main document is found through `_rels/.rels` (transitional or Strict OOXML relationship
//! types), falling back to `word/document.xml`; headers, footers, notes, comments, styles and
//! numbering through the main document's relationships. Blocks come out in this order: body,
//! headers and footers, footnotes, endnotes, comments.
//!
//! Hostile input: every part is inflated within `max_stream_bytes` (a longer part is truncated
//! with a warning) and all parts together within `max_total_bytes`. DOCTYPEs are
//! ignored and entities other than the predefined ones are dropped, never expanded or fetched.
//! A zip with more entries than `max_objects` is refused before its central directory is parsed
//! ([`ExtractError::LimitExceeded`]); XML nested deeper than `max_depth` elements is skipped below
//! that depth with a warning; past the `deadline` no further part is read and the part being read
//! stops (checked every [`DEADLINE_CHECK_EVERY`] XML events), keeping the text read so far.

pub(crate) mod numbering;
mod story;
pub(crate) mod tokens;
pub(crate) mod xml;

use std::collections::HashMap;
use std::io::Cursor;

use zip::ZipArchive;

use super::{ExtractError, ExtractOptions};
use crate::document::{Document, Format};
use numbering::{Numbering, Styles};
use story::{Env, Story};
use tokens::Ev;

const FORMAT: &str = "docx";

fn malformed(reason: impl Into<String>) -> ExtractError {
    ExtractError::Malformed {
        format: FORMAT,
        reason: reason.into(),
    }
}

/// The zip package with its read budget.
pub(crate) struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// The package's bytes, for reading an entry's compressed data in place.
    bytes: &'a [u8],
    deadline: Option<std::time::Instant>,
    /// Lower-cased part name → name as stored (OPC part names are case-insensitive).
    names: HashMap<String, String>,
    per_part: u64,
    budget: u64,
    pub(crate) warnings: Vec<String>,
}

thread_local! {
    /// The raw deflate inflater of [`Package::inflate_whole`], one per thread and reset for every
    /// part: creating one allocates and clears its state.
    static INFLATER: std::cell::RefCell<Option<zlib_rs::Inflate>> =
        const { std::cell::RefCell::new(None) };
}

/// Outcome of reading a part.
pub(crate) enum Part {
    Missing,
    Data(Vec<u8>),
    /// Unreadable (corrupt stream, encrypted entry); the reason.
    Broken(String),
    /// The total budget was spent before the part could be read.
    OverBudget,
    /// The document's deadline passed before the part could be read.
    PastDeadline,
}

/// How many XML events a part reader handles between two looks at the clock.
pub(crate) const DEADLINE_CHECK_EVERY: u32 = 1024;

/// Number of entries the end-of-central-directory record announces, read without parsing the
/// directory itself (so a zip announcing millions of entries costs nothing). `None` when there is
/// no such record (the zip reader then reports the damage) or the count is in a zip64 record.
fn announced_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    // The record is 22 bytes plus a comment of at most 65535 bytes, at the end of the file.
    let from = bytes.len().saturating_sub(22 + 0xFFFF);
    let tail = &bytes[from..];
    let at = tail.windows(4).rposition(|w| w == EOCD)?;
    let rec = tail.get(at..at + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != 0xFFFF).then_some(u64::from(total))
}

/// Refuse a zip with more entries than `max_objects`.
fn check_entries(count: u64, opts: &ExtractOptions) -> Result<(), ExtractError> {
    if count > u64::from(opts.max_objects) {
        return Err(ExtractError::LimitExceeded(format!(
            "the zip package has {count} entries, more than the limit of {} (--max-objects)",
            opts.max_objects
        )));
    }
    Ok(())
}

impl<'a> Package<'a> {
    pub(crate) fn open(
        bytes: &'a [u8],
        opts: &ExtractOptions,
        format: &'static str,
    ) -> Result<Self, ExtractError> {
        if let Some(n) = announced_entries(bytes) {
            check_entries(n, opts)?;
        }
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::Malformed {
            format,
            reason: format!("not a readable zip archive: {e}"),
        })?;
        check_entries(zip.len() as u64, opts)?;
        let names = zip
            .file_names()
            .map(|n| (n.to_ascii_lowercase(), n.to_string()))
            .collect();
        Ok(Package {
            zip,
            bytes,
            deadline: opts.deadline,
            names,
            per_part: opts.max_stream_bytes,
            budget: opts.max_total_bytes,
            warnings: Vec::new(),
        })
    }

    pub(crate) fn past_deadline(&self) -> bool {
        self.deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.names.contains_key(&name.to_ascii_lowercase())
    }

    pub(crate) fn read(&mut self, name: &str) -> Part {
        let Some(stored) = self.names.get(&name.to_ascii_lowercase()).cloned() else {
            return Part::Missing;
        };
        if self.budget == 0 {
            return Part::OverBudget;
        }
        if self.past_deadline() {
            return Part::PastDeadline;
        }
        let limit = self.per_part.min(self.budget);
        let part = match self.inflate_whole(&stored, limit) {
            Some(data) => Part::Data(data),
            None => self.read_streaming(name, &stored, limit),
        };
        match part {
            Part::Data(data) => {
                self.budget = self.budget.saturating_sub(data.len() as u64);
                Part::Data(strip_bom(data))
            }
            other => other,
        }
    }

    /// Inflate entry `stored` (part `name`) through the zip reader, at most `limit` bytes: a longer
    /// part is truncated, a damaged one kept up to the damage, each with a warning.
    fn read_streaming(&mut self, name: &str, stored: &str, limit: u64) -> Part {
        let mut f = match self.zip.by_name(stored) {
            Ok(f) => f,
            Err(e) => return Part::Broken(e.to_string()),
        };
        let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
        // One byte more than declared: an honest entry then fills its buffer without ever growing it
        // (a full buffer is grown before the read that finds the end).
        let declared = usize::try_from(f.size()).unwrap_or(cap).saturating_add(1);
        let (mut data, res) = crate::extract::read_capped(&mut f, cap, declared);
        if data.len() as u64 > limit {
            data.truncate(limit as usize);
            let which = if limit == self.per_part {
                "per-part"
            } else {
                "total"
            };
            self.warnings.push(format!(
                "{name}: inflates beyond the {which} limit of {limit} bytes; read truncated"
            ));
        } else if let Err(e) = res {
            if data.is_empty() {
                return Part::Broken(e.to_string());
            }
            self.warnings.push(format!(
                "{name}: damaged stream ({e}); text up to the damage kept"
            ));
        }
        Part::Data(data)
    }

    /// The common case of [`Package::read`] in one call: a deflated, unencrypted entry whose
    /// declared size is within `limit` and whose stream inflates to its end, to data of that size
    /// with the checksum the entry declares, inflated by zlib-rs straight from the package's bytes
    /// into a buffer of that size. The streaming path zero-fills its read buffer in steps, and its
    /// inflater (miniz_oxide, slower) copies every byte out of its window. `None` for anything
    /// else (stored, encrypted, too large, damaged, a wrong size or checksum), which
    /// [`Package::read_streaming`] then reads, so limits, truncation and damage are reported the
    /// same way. A valid deflate stream has one decoding, so the data is the same either way.
    fn inflate_whole(&mut self, stored: &str, limit: u64) -> Option<Vec<u8>> {
        let index = self.zip.index_for_name(stored)?;
        let f = self.zip.by_index_raw(index).ok()?;
        if f.encrypted() || f.compression() != zip::CompressionMethod::Deflated {
            return None;
        }
        let packed = usize::try_from(f.compressed_size()).ok()?;
        let size = f.size();
        // Deflate expands at most 1032:1; a larger declared size is a lie the streaming path
        // handles without allocating it.
        if size > limit || size > (packed as u64).saturating_mul(1032).saturating_add(64) {
            return None;
        }
        let start = usize::try_from(f.data_start()).ok()?;
        let input = self.bytes.get(start..start.checked_add(packed)?)?;
        let crc = f.crc32();
        let len = usize::try_from(size).ok()?;
        // Not cleared first: the inflater writes every byte it reports.
        let mut out: Vec<u8> = Vec::with_capacity(len);
        let whole = INFLATER.with(|cell| {
            let mut slot = cell.borrow_mut();
            let z = slot.get_or_insert_with(|| zlib_rs::Inflate::new(false, 15));
            z.reset(false);
            let status = z.decompress_uninit(
                input,
                &mut out.spare_capacity_mut()[..len],
                zlib_rs::InflateFlush::Finish,
            );
            let written = usize::try_from(z.total_out()).ok().filter(|&n| n <= len);
            if let Some(n) = written {
                // SAFETY: since its reset the inflater has written `total_out` bytes, from the
                // start of the buffer it was given (the spare capacity of the empty `out`), and
                // no more than that buffer's `len` bytes.
                unsafe { out.set_len(n) };
            }
            status == Ok(zlib_rs::Status::StreamEnd) && written == Some(len)
        });
        (whole && zlib_rs::crc32::crc32(0, &out) == crc).then_some(out)
    }

    /// A part that is optional: missing, broken or over budget becomes a warning.
    pub(crate) fn read_optional(&mut self, name: &str) -> Option<Vec<u8>> {
        match self.read(name) {
            Part::Data(d) => Some(d),
            Part::Missing => None,
            Part::Broken(e) => {
                self.warnings
                    .push(format!("{name}: unreadable ({e}); skipped"));
                None
            }
            Part::OverBudget => {
                self.warnings
                    .push(format!("{name}: skipped, total size limit reached"));
                None
            }
            Part::PastDeadline => {
                self.warnings.push(format!(
                    "{name}: skipped, the time limit for this document passed"
                ));
                None
            }
        }
    }
}

/// Drop a UTF-8 byte-order mark; transcode UTF-16 parts to UTF-8.
fn strip_bom(data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return data[3..].to_vec();
    }
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        let enc = if data[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (s, _) = enc.decode_without_bom_handling(&data[2..]);
        return s.into_owned().into_bytes();
    }
    data
}

/// One relationship of a `.rels` part.
struct Rel {
    id: String,
    /// Last segment of the relationship type URI (`officeDocument`, `header`, …).
    kind: String,
    /// Part name the target resolves to, without a leading slash.
    target: String,
}

/// Parse a `.rels` part; targets resolve against `base_dir` (the source part's folder, "" for the
/// package root). External targets are dropped.
fn parse_rels(xml: &[u8], base_dir: &str) -> Vec<Rel> {
    // Namespaces play no part here, but a wrong declaration ends the part as everywhere else.
    let mut r = xml::ClassReader::new(xml, |_| ());
    let mut out = Vec::new();
    loop {
        match r.read_resolved_event().map(|(_, ev)| ev) {
            Ok(Ev::Start(ref e)) | Ok(Ev::Empty(ref e))
                if e.local_name().as_ref() == b"Relationship" =>
            {
                if xml::attr(e, b"TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("external")) {
                    continue;
                }
                let (Some(ty), Some(target)) = (xml::attr(e, b"Type"), xml::attr(e, b"Target"))
                else {
                    continue;
                };
                out.push(Rel {
                    id: xml::attr(e, b"Id").unwrap_or_default(),
                    kind: ty.rsplit('/').next().unwrap_or("").to_string(),
                    target: resolve_target(base_dir, &target),
                });
            }
            Ok(Ev::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// Resolve a relationship target against a folder: `/abs`, `rel`, `../up`, `%20` escapes.
fn resolve_target(base_dir: &str, target: &str) -> String {
    let target = percent_decode(target);
    let target = target.split(['#', '?']).next().unwrap_or("");
    let mut segs: Vec<&str> = Vec::new();
    let joined;
    let full = if let Some(abs) = target.strip_prefix('/') {
        abs
    } else {
        joined = format!("{base_dir}{target}");
        &joined
    };
    for s in full.split(['/', '\\']) {
        match s {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    segs.join("/")
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `word/document.xml` → (`word/`, `word/_rels/document.xml.rels`).
fn dir_and_rels(part: &str) -> (String, String) {
    match part.rfind('/') {
        Some(i) => (
            part[..=i].to_string(),
            format!("{}_rels/{}.rels", &part[..=i], &part[i + 1..]),
        ),
        None => (String::new(), format!("_rels/{part}.rels")),
    }
}

/// The blocks a main part of `len` bytes is expected to give, to size the block list once rather
/// than copy it at every doubling: Word writes a paragraph in some 180 to 340 bytes of XML. Capped,
/// so that a large part of something else reserves little; beyond it the list grows as usual.
fn expected_blocks(len: usize) -> usize {
    (len / 160).min(1 << 16)
}

pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    let mut pkg = Package::open(bytes, opts, FORMAT)?;

    // The main document part.
    let mut main = None;
    if let Some(rels) = pkg.read_optional("_rels/.rels") {
        main = parse_rels(&rels, "")
            .into_iter()
            .find(|r| r.kind == "officeDocument" && pkg.has(&r.target))
            .map(|r| r.target);
    }
    let main =
        match main {
            Some(m) => m,
            None if pkg.has("word/document.xml") => "word/document.xml".to_string(),
            None => return Err(malformed(
                "no main document part (no officeDocument relationship and no word/document.xml)",
            )),
        };
    let body = match pkg.read(&main) {
        Part::Data(d) => d,
        Part::Missing => return Err(malformed(format!("main document part {main} missing"))),
        Part::Broken(e) => return Err(malformed(format!("main document part {main}: {e}"))),
        Part::OverBudget => {
            return Err(ExtractError::LimitExceeded(
                "total size limit reached before the main document".into(),
            ))
        }
        Part::PastDeadline => {
            return Err(ExtractError::LimitExceeded(
                "the time limit for this document passed before the main document was read".into(),
            ))
        }
    };

    let (dir, rels_name) = dir_and_rels(&main);
    let rels = pkg
        .read_optional(&rels_name)
        .map(|x| parse_rels(&x, &dir))
        .unwrap_or_default();
    let first_of = |kind: &str| {
        rels.iter()
            .find(|r| r.kind == kind)
            .map(|r| r.target.clone())
    };

    let styles = match first_of("styles").and_then(|n| pkg.read_optional(&n)) {
        Some(x) => Styles::parse(&x).unwrap_or_else(|e| {
            pkg.warnings
                .push(format!("styles: {e}; headings by style not detected"));
            Styles::default()
        }),
        None => Styles::default(),
    };
    let mut numbering = match first_of("numbering").and_then(|n| pkg.read_optional(&n)) {
        Some(x) => Numbering::parse(&x).unwrap_or_else(|e| {
            pkg.warnings
                .push(format!("numbering: {e}; clause numbers not computed"));
            Numbering::default()
        }),
        None => Numbering::default(),
    };

    let mut env = Env {
        styles: &styles,
        numbering: &mut numbering,
        blocks: Vec::with_capacity(expected_blocks(body.len())),
        next_table: 0,
        hf_refs: Vec::new(),
        unknown_entity: false,
        doctype: false,
        unread_chunks: 0,
        limits: xml::Limits::new(opts),
        style_facts: story::StyleMemo::default(),
    };
    let mut warnings = std::mem::take(&mut pkg.warnings);

    if let Err(e) = story::parse(&body, Story::Body, &mut env) {
        if env.blocks.iter().all(|b| b.is_none()) {
            return Err(malformed(format!("{main}: {e}")));
        }
        warnings.push(format!("{main}: XML error ({e}); text before it kept"));
    }
    if env.limits.timed_out && env.blocks.iter().all(|b| b.is_none()) {
        return Err(ExtractError::LimitExceeded(
            "the time limit for this document passed before any text was read".into(),
        ));
    }

    // Headers and footers: in the order the sections reference them, then any others.
    let mut hf: Vec<(Story, String)> = Vec::new();
    for id in env.hf_refs.clone() {
        if let Some(r) = rels.iter().find(|r| r.id == id) {
            let s = match r.kind.as_str() {
                "header" => Story::Header,
                "footer" => Story::Footer,
                _ => continue,
            };
            if !hf.iter().any(|(_, t)| *t == r.target) {
                hf.push((s, r.target.clone()));
            }
        }
    }
    for r in &rels {
        let s = match r.kind.as_str() {
            "header" => Story::Header,
            "footer" => Story::Footer,
            _ => continue,
        };
        if !hf.iter().any(|(_, t)| *t == r.target) {
            hf.push((s, r.target.clone()));
        }
    }
    let mut parts = hf;
    for (kind, story) in [
        ("footnotes", Story::Footnote),
        ("endnotes", Story::Endnote),
        ("comments", Story::Comment),
    ] {
        for r in rels.iter().filter(|r| r.kind == kind) {
            if !parts.iter().any(|(_, t)| *t == r.target) {
                parts.push((story, r.target.clone()));
            }
        }
    }
    for (story, name) in parts {
        if env.limits.stopped() {
            let why = if env.limits.timed_out {
                "the time limit for this document passed"
            } else {
                "the document's text limit was reached"
            };
            warnings.push(format!("{name}: skipped, {why}"));
            continue;
        }
        if let Some(x) = pkg.read_optional(&name) {
            if let Err(e) = story::parse(&x, story, &mut env) {
                warnings.push(format!("{name}: XML error ({e}); text before it kept"));
            }
        }
    }
    warnings.append(&mut pkg.warnings);
    if env.doctype {
        warnings.push(
            "a part declares a DOCTYPE; it was ignored (no entity expanded or fetched)".into(),
        );
    }
    if env.unread_chunks > 0 {
        warnings.push(format!(
            "{} embedded chunk(s) or sub-document(s) (w:altChunk, w:subDoc) not read; their text is missing",
            env.unread_chunks
        ));
    }
    if env.unknown_entity {
        warnings.push("undeclared or external entity references were dropped from the text".into());
    }
    warnings.extend(env.limits.warnings());

    let mut doc = Document::new(Format::Docx);
    // Numbered 1, 2, … as they are kept; `filter_map` (unlike `flatten`) collects in place, with no
    // second array of blocks.
    let mut paragraph = 0u32;
    doc.blocks = env
        .blocks
        .into_iter()
        .filter_map(|b| {
            let mut b = b?;
            paragraph = paragraph.saturating_add(1);
            b.location.paragraph = paragraph;
            Some(b)
        })
        .collect();
    doc.warnings = warnings;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(resolve_target("word/", "header1.xml"), "word/header1.xml");
        assert_eq!(
            resolve_target("word/", "/word/document2.xml"),
            "word/document2.xml"
        );
        assert_eq!(
            resolve_target("word/", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(resolve_target("", "word/my%20doc.xml"), "word/my doc.xml");
        assert_eq!(
            dir_and_rels("word/document.xml").1,
            "word/_rels/document.xml.rels"
        );
    }

    /// A zip of `parts`, each deflated unless its name starts with `stored`.
    fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            let method = if name.starts_with("stored") {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let o = zip::write::SimpleFileOptions::default().compression_method(method);
            zw.start_file(*name, o).unwrap();
            zw.write_all(data).unwrap();
        }
        zw.finish().unwrap().into_inner()
    }

    /// What the one-call path and the streaming path read of entry `name`, and the warnings.
    fn both_ways(zip: &[u8], name: &str, limit: u64) -> (Option<Vec<u8>>, Result<Vec<u8>, String>) {
        let mut pkg = Package::open(zip, &ExtractOptions::default(), FORMAT).unwrap();
        let whole = pkg.inflate_whole(name, limit);
        let streamed = match pkg.read_streaming(name, name, limit) {
            Part::Data(d) => Ok(d),
            Part::Broken(e) => Err(e),
            _ => Err("not read".into()),
        };
        let streamed = if pkg.warnings.is_empty() {
            streamed
        } else {
            Err(pkg.warnings.join("; "))
        };
        (whole, streamed)
    }

    #[test]
    fn one_call_inflation_agrees_with_the_streaming_reader() {
        let mut noise = Vec::new();
        let mut x = 12345u32;
        for _ in 0..20_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noise.push((x >> 24) as u8);
        }
        let parts = vec![
            ("empty.xml", Vec::new()),
            ("one.xml", b"a".to_vec()),
            ("bom.xml", b"\xEF\xBB\xBF<a>text</a>".to_vec()),
            (
                "big.xml",
                b"<w:p><w:r><w:t>clause</w:t></w:r></w:p>".repeat(20_000),
            ),
            ("noise.bin", noise),
            ("stored.xml", b"<a>stored</a>".to_vec()),
        ];
        let good = zip_of(&parts);
        for (name, data) in &parts {
            let (whole, streamed) = both_ways(&good, name, 1 << 30);
            assert_eq!(streamed.as_ref(), Ok(data), "{name}");
            if name.starts_with("stored") {
                assert_eq!(whole, None);
            } else {
                assert_eq!(whole.as_ref(), Some(data), "{name}");
            }
            // Over the limit: the streaming path truncates and warns.
            if !data.is_empty() {
                let (whole, streamed) = both_ways(&good, name, data.len() as u64 - 1);
                assert_eq!(whole, None, "{name}");
                assert!(streamed.is_err(), "{name}");
            }
        }
        // Damage: a flipped byte in the stream, a wrong checksum, a wrong size (smaller, larger), a
        // cut package. The one-call path reads nothing or what the streaming path read without
        // complaint.
        let zip = ZipArchive::new(Cursor::new(&good[..])).unwrap();
        let mut damaged = Vec::new();
        for (name, _) in &parts {
            let i = zip.index_for_name(name).unwrap();
            let mut z = ZipArchive::new(Cursor::new(&good[..])).unwrap();
            let f = z.by_index_raw(i).unwrap();
            let (data, packed) = (f.data_start() as usize, f.compressed_size() as usize);
            let (local, central) = (f.header_start() as usize, f.central_header_start() as usize);
            let mut flip = good.clone();
            if packed > 0 {
                flip[data + packed / 2] ^= 0x10;
                damaged.push((name, flip));
            }
            for (at, delta) in [(14, 1u32), (18, 0), (22, 1), (22, u32::MAX), (22, 7)] {
                // The checksum (14), the packed size (18, left as is) or the size (22), in the
                // local header and the central directory (two bytes further on there).
                let mut z = good.clone();
                for field in [local + at, central + at + 2] {
                    let v = u32::from_le_bytes(z[field..field + 4].try_into().unwrap());
                    z[field..field + 4].copy_from_slice(&v.wrapping_add(delta).to_le_bytes());
                }
                damaged.push((name, z));
            }
            damaged.push((name, good[..data + packed / 2].to_vec()));
        }
        for (name, zip) in &damaged {
            let Ok(mut pkg) = Package::open(zip, &ExtractOptions::default(), FORMAT) else {
                continue;
            };
            if let Some(whole) = pkg.inflate_whole(name, 1 << 30) {
                assert_eq!(both_ways(zip, name, 1 << 30).1, Ok(whole), "{name}");
            }
        }
    }
}
