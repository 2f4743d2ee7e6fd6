//! Small XML helpers shared by the DOCX part readers: namespace classification, attribute lookup and an
//! entity decoder that never expands anything but the five predefined entities and character references.

use quick_xml::events::BytesStart;
use quick_xml::name::ResolveResult;

use super::DEADLINE_CHECK_EVERY;
use crate::extract::ExtractOptions;

/// Most bytes of text one paragraph (or table cell paragraph) keeps; the rest is cut with a warning.
/// A real paragraph is a few kilobytes; this bounds what a zip bomb of one endless `w:t` costs.
pub(crate) const MAX_BLOCK_TEXT: usize = 1 << 20;
/// Most bytes of text read from one document (about 8,000 pages of dense text); the rest is not read.
pub(crate) const MAX_DOC_TEXT: usize = 32 << 20;
/// Most blocks (paragraphs, cells, notes) read from one document.
pub(crate) const MAX_BLOCKS: usize = 200_000;

/// The longest prefix of `s` of at most `n` bytes that ends on a character boundary.
pub(crate) fn clip(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The nesting and time limits of one document's XML parts (DOCX and ODT), and what they cut.
///
/// A part reader calls [`Limits::tick`] on every XML event and stops when it returns true (the
/// deadline passed: the text read so far is kept); it calls [`Limits::too_deep`] on every start tag
/// and skips that element's content when it returns true. The readers keep their own open-element
/// stacks on the heap, so depth is not a stack-overflow risk; the limit bounds the state a hostile
/// file can make them carry and says so in a warning.
#[derive(Debug)]
pub(crate) struct Limits {
    /// Paragraphs whose text was cut at [`MAX_BLOCK_TEXT`].
    pub cut_blocks: u64,
    /// Bytes of text read into paragraphs so far (the document's text budget).
    pub text_total: usize,
    /// The document reached [`MAX_DOC_TEXT`] or [`MAX_BLOCKS`]; no further text is read.
    pub text_full: bool,
    max_depth: u32,
    deadline: Option<std::time::Instant>,
    /// Elements whose content was skipped for being nested too deep.
    pub skipped_deep: u64,
    /// The deadline passed while reading; no further part is read.
    pub timed_out: bool,
    events: u32,
}

impl Limits {
    pub(crate) fn new(opts: &ExtractOptions) -> Self {
        Limits {
            cut_blocks: 0,
            text_total: 0,
            text_full: false,
            max_depth: opts.max_depth,
            deadline: opts.deadline,
            skipped_deep: 0,
            timed_out: false,
            events: 0,
        }
    }

    /// Count one XML event; true once the deadline has passed (the clock is read every
    /// [`DEADLINE_CHECK_EVERY`] events, and at the first one).
    pub(crate) fn tick(&mut self) -> bool {
        if self.timed_out {
            return true;
        }
        if self.events.is_multiple_of(DEADLINE_CHECK_EVERY)
            && self
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
        {
            self.timed_out = true;
        }
        self.events = self.events.wrapping_add(1);
        self.timed_out
    }

    /// True once reading must stop: the deadline passed or the document's text is full.
    pub(crate) fn stopped(&self) -> bool {
        self.timed_out || self.text_full
    }

    /// Check the document-wide text budget against `blocks` blocks read so far; true (and
    /// remembered) once it is spent.
    pub(crate) fn full(&mut self, blocks: usize) -> bool {
        if !self.text_full && (blocks >= MAX_BLOCKS || self.text_total >= MAX_DOC_TEXT) {
            self.text_full = true;
        }
        self.text_full
    }

    /// An element opens at `depth` (1 for the root): true when it is beyond the limit and its
    /// content must be skipped.
    pub(crate) fn too_deep(&mut self, depth: u32) -> bool {
        if depth > self.max_depth {
            self.skipped_deep += 1;
            true
        } else {
            false
        }
    }

    /// Warnings for the document about what the limits cut.
    pub(crate) fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.skipped_deep > 0 {
            w.push(format!(
                "XML nested deeper than {} elements (--max-depth): the content of {} element(s) below \
                 that depth was skipped",
                self.max_depth, self.skipped_deep
            ));
        }
        if self.cut_blocks > 0 {
            w.push(format!(
                "{} paragraph(s) longer than {} bytes of text were cut there (a decompression bomb \
                 or a damaged file)",
                self.cut_blocks, MAX_BLOCK_TEXT
            ));
        }
        if self.text_full {
            w.push(format!(
                "the document reached the text limit ({} MiB or {} blocks): the rest is not read",
                MAX_DOC_TEXT >> 20,
                MAX_BLOCKS
            ));
        }
        if self.timed_out {
            w.push(
                "the time limit for this document passed while reading it: the text read by then is \
                 kept, the rest is missing"
                    .into(),
            );
        }
        w
    }
}

/// The namespaces the reader cares about. Transitional and Strict OOXML are treated alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// WordprocessingML main.
    W,
    /// Markup compatibility (`mc:AlternateContent`).
    Mc,
    /// Office math.
    M,
    Other,
}

pub(crate) fn classify(res: &ResolveResult) -> Ns {
    match res {
        ResolveResult::Bound(ns) => match ns.0 {
            b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            | b"http://purl.oclc.org/ooxml/wordprocessingml/main" => Ns::W,
            b"http://schemas.openxmlformats.org/markup-compatibility/2006" => Ns::Mc,
            b"http://schemas.openxmlformats.org/officeDocument/2006/math"
            | b"http://purl.oclc.org/ooxml/officeDocument/math" => Ns::M,
            _ => Ns::Other,
        },
        _ => Ns::Other,
    }
}

/// Value of the first attribute whose local name is `local` (prefix ignored), entity-decoded.
pub(crate) fn attr(e: &BytesStart, local: &[u8]) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.local_name().as_ref() == local {
            return Some(decode_text(&a.value, &mut false));
        }
    }
    None
}

pub(crate) fn attr_i64(e: &BytesStart, local: &[u8]) -> Option<i64> {
    attr(e, local).and_then(|v| v.trim().parse().ok())
}

/// `w:val` of an on/off property (`<w:vanish/>`, `<w:vanish w:val="0"/>`).
pub(crate) fn on_off(e: &BytesStart) -> bool {
    match attr(e, b"val") {
        None => true,
        Some(v) => !matches!(v.trim(), "0" | "false" | "off"),
    }
}

/// Decode XML text: the five predefined entities and numeric character references. Anything else
/// (an entity a DOCTYPE declared, e.g. an external-entity attack) is dropped and `unknown` set.
/// Invalid UTF-8 is replaced, never an error.
pub(crate) fn decode_text(raw: &[u8], unknown: &mut bool) -> String {
    let s = String::from_utf8_lossy(raw);
    if !s.contains('&') {
        return s.into_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(';').map(|j| j + 1);
        match end {
            Some(j) if j <= 32 => {
                let name = &rest[1..j];
                let rep: Option<char> = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ if name.starts_with("#x") || name.starts_with("#X") => {
                        u32::from_str_radix(&name[2..], 16)
                            .ok()
                            .and_then(char::from_u32)
                    }
                    _ if name.starts_with('#') => {
                        name[1..].parse::<u32>().ok().and_then(char::from_u32)
                    }
                    _ => None,
                };
                match rep {
                    Some(c) => out.push(c),
                    None => *unknown = true,
                }
                rest = &rest[j + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A reader of one XML part, driven by [`walk`]: it opens and closes elements and takes character
/// data, while `walk` does what the DOCX and ODT readers share: the limit and deadline checks, the
/// nesting-depth count, skipping the content of elements the reader declines, and closing what a
/// broken or truncated part left open.
pub(crate) trait XmlReader {
    fn limits(&mut self) -> &mut Limits;
    /// Blocks produced so far (for the block limit).
    fn blocks(&self) -> usize;
    /// Depth inside an element whose content is skipped; `start` sets it to 1 to skip an element.
    fn skip(&mut self) -> &mut u32;
    /// Open an element; true when it was pushed (an empty element is then closed at once).
    fn start(&mut self, res: &ResolveResult, e: &BytesStart, empty: bool) -> bool;
    fn end(&mut self);
    /// Character data outside skipped content (`cdata`: a CDATA section, not entity-escaped).
    fn text(&mut self, raw: &[u8], cdata: bool);
    /// The part carried a DOCTYPE (ignored: nothing is ever fetched or expanded).
    fn doctype(&mut self);
    /// Elements still open.
    fn open(&self) -> bool;
}

/// Walk one part. On an XML error the blocks read so far are kept and the error returned; so is
/// a part that ends inside an open element when `unclosed_is_error`.
pub(crate) fn walk<R: XmlReader>(
    xml: &[u8],
    rd: &mut R,
    unclosed_is_error: bool,
) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::NsReader::from_reader(xml);
    *rd.skip() = 0;
    // Open elements, skipped ones included.
    let mut depth: u32 = 0;
    let result = loop {
        let blocks = rd.blocks();
        if rd.limits().tick() || rd.limits().full(blocks) {
            break Ok(());
        }
        let (res, ev) = match r.read_resolved_event() {
            Ok(x) => x,
            Err(e) => break Err(e.to_string()),
        };
        match ev {
            Event::Start(ref e) => {
                depth = depth.saturating_add(1);
                if *rd.skip() > 0 {
                    *rd.skip() += 1;
                    continue;
                }
                if rd.limits().too_deep(depth) {
                    *rd.skip() = 1;
                    continue;
                }
                rd.start(&res, e, false);
            }
            Event::Empty(ref e) => {
                if *rd.skip() > 0 || rd.limits().too_deep(depth.saturating_add(1)) {
                    continue;
                }
                if rd.start(&res, e, true) {
                    rd.end();
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if *rd.skip() > 0 {
                    *rd.skip() -= 1;
                    continue;
                }
                rd.end();
            }
            Event::Text(ref t) if *rd.skip() == 0 => rd.text(t, false),
            Event::CData(ref t) if *rd.skip() == 0 => rd.text(t, true),
            Event::DocType(_) => rd.doctype(),
            Event::Eof if unclosed_is_error && rd.open() => {
                break Err("the part ends inside an open element (truncated)".into())
            }
            Event::Eof => break Ok(()),
            _ => {}
        }
    };
    // Close whatever a truncated or broken part left open, keeping its text.
    *rd.skip() = 0;
    while rd.open() {
        rd.end();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        let mut u = false;
        assert_eq!(
            decode_text(b"a &amp; b &#x4E2D;&#25991;", &mut u),
            "a & b 中文"
        );
        assert!(!u);
        assert_eq!(decode_text(b"\"&testent;\" & x", &mut u), "\"\" & x");
        assert!(u);
    }
}
