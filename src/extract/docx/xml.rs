//! XML helpers shared by the DOCX part readers (and the ODT reader): the walk over a part, namespace
//! resolution and classification, attribute lookup and an entity decoder that never expands
//! anything but the five predefined entities and character references.

use std::borrow::Cow;

use quick_xml::events::BytesStart;
#[cfg(test)]
use quick_xml::name::ResolveResult;
use quick_xml::name::{NamespaceError, PrefixDeclaration, QName};

use super::tokens::{Ev, PartEvents};
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

impl Ns {
    /// The class of namespace `uri` (`None`: no namespace).
    pub(crate) fn of(uri: Option<&[u8]>) -> Ns {
        match uri {
            Some(
                b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
                | b"http://purl.oclc.org/ooxml/wordprocessingml/main",
            ) => Ns::W,
            Some(b"http://schemas.openxmlformats.org/markup-compatibility/2006") => Ns::Mc,
            Some(
                b"http://schemas.openxmlformats.org/officeDocument/2006/math"
                | b"http://purl.oclc.org/ooxml/officeDocument/math",
            ) => Ns::M,
            _ => Ns::Other,
        }
    }
}

/// Value of the first attribute whose local name is `local` (prefix ignored), entity-decoded.
pub(crate) fn attr(e: &BytesStart, local: &[u8]) -> Option<String> {
    let raw = match find_attr(e, e.name().as_ref().len(), local) {
        Ok(raw) => raw,
        Err(Unusual) => e
            .attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.local_name().as_ref() == local)
            .map(|a| a.value),
    };
    raw.map(|v| decode_text(&v, &mut false))
}

/// Attribute syntax [`find_attr`] leaves to quick-xml's iterator.
struct Unusual;

/// The raw value of the first attribute of `tag` (a start tag's content, its name `name_len`
/// bytes) whose local name is `local`, read the way quick-xml's attribute iterator reads
/// well-formed attributes (`name = "value"`, white space around `=` allowed) but without its
/// per-attribute machinery; `Err` at the first attribute that is not so written (quick-xml skips
/// or recovers from those, and is left to). The attributes before a match are all read alike by
/// both, so stopping at the match changes nothing.
fn find_attr<'t>(
    tag: &'t [u8],
    name_len: usize,
    local: &[u8],
) -> Result<Option<Cow<'t, [u8]>>, Unusual> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut i = name_len;
    loop {
        while tag.get(i).is_some_and(space) {
            i += 1;
        }
        if i >= tag.len() {
            return Ok(None);
        }
        // The key's first byte is taken whatever it is (an `=` too), as quick-xml takes it.
        let key_start = i;
        i += 1;
        while tag.get(i).is_some_and(|b| *b != b'=' && !space(b)) {
            i += 1;
        }
        let key = &tag[key_start..i];
        while tag.get(i).is_some_and(space) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            return Err(Unusual);
        }
        i += 1;
        while tag.get(i).is_some_and(space) {
            i += 1;
        }
        let Some(&quote @ (b'"' | b'\'')) = tag.get(i) else {
            return Err(Unusual);
        };
        let value_start = i + 1;
        let len = tag
            .get(value_start..)
            .and_then(|rest| memchr::memchr(quote, rest))
            .ok_or(Unusual)?;
        i = value_start + len + 1;
        let key_local = match memchr::memchr(b':', key) {
            Some(colon) => &key[colon + 1..],
            None => key,
        };
        if key_local == local {
            return Ok(Some(Cow::Borrowed(&tag[value_start..value_start + len])));
        }
    }
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
    let mut out = String::new();
    decode_into(raw, &mut out, unknown);
    out
}

/// [`decode_text`], appended to `out` (no string of its own for the usual text without entities).
pub(crate) fn decode_into(raw: &[u8], out: &mut String, unknown: &mut bool) {
    match std::str::from_utf8(raw) {
        Ok(s) => unescape_into(s, out, unknown),
        Err(_) => unescape_into(&String::from_utf8_lossy(raw), out, unknown),
    }
}

/// Character data of a part, as a reader gets it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Chars<'r> {
    /// Entity-escaped text, known to be UTF-8.
    Text(&'r str),
    /// Entity-escaped text.
    Bytes(&'r [u8]),
    /// A CDATA section (not escaped).
    CData(&'r [u8]),
}

impl Chars<'_> {
    /// Append the character data to `out` as text (see [`decode_text`]), reading no more of it
    /// than a paragraph with `room` bytes left can take (an entity is at most 10 bytes): one
    /// endless text run is never copied whole.
    pub(crate) fn decode_into(self, room: usize, out: &mut String, unknown: &mut bool) {
        let limit = room.saturating_mul(10).saturating_add(16);
        match self {
            Chars::Text(s) if s.len() <= limit => unescape_into(s, out, unknown),
            Chars::Text(s) => decode_into(&s.as_bytes()[..limit], out, unknown),
            Chars::Bytes(raw) => decode_into(&raw[..raw.len().min(limit)], out, unknown),
            Chars::CData(raw) => push_lossy(&raw[..raw.len().min(room.saturating_add(4))], out),
        }
    }
}

/// Append `raw` to `out`, invalid UTF-8 replaced (character data of a CDATA section).
fn push_lossy(raw: &[u8], out: &mut String) {
    match std::str::from_utf8(raw) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(raw)),
    }
}

fn unescape_into(s: &str, out: &mut String, unknown: &mut bool) {
    let Some(first) = memchr::memchr(b'&', s.as_bytes()) else {
        out.push_str(s);
        return;
    };
    out.reserve(s.len());
    out.push_str(&s[..first]);
    let mut rest: &str = &s[first..];
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
}

/// A reader of one XML part, driven by [`walk`]: it opens and closes elements and takes character
/// data, while `walk` does what the DOCX and ODT readers share: namespace resolution, the limit and
/// deadline checks, the nesting-depth count, skipping the content of elements the reader declines,
/// and closing what a broken or truncated part left open.
pub(crate) trait XmlReader {
    /// The namespaces the reader tells apart.
    type Ns: Copy;
    /// The class of namespace `uri`; `None` for an element in no namespace (no prefix and no
    /// default namespace, an undeclared prefix, or one undeclared with `xmlns:p=""`).
    fn namespace(uri: Option<&[u8]>) -> Self::Ns;
    fn limits(&mut self) -> &mut Limits;
    /// Blocks produced so far (for the block limit).
    fn blocks(&self) -> usize;
    /// Depth inside an element whose content is skipped; `start` sets it to 1 to skip an element.
    fn skip(&mut self) -> &mut u32;
    /// Open an element of namespace `ns` and local name `local`; true when it was pushed (an empty
    /// element is then closed at once).
    fn start(&mut self, ns: Self::Ns, local: &[u8], e: &BytesStart, empty: bool) -> bool;
    fn end(&mut self);
    /// Character data outside skipped content.
    fn text(&mut self, chars: Chars);
    /// The part carried a DOCTYPE (ignored: nothing is ever fetched or expanded).
    fn doctype(&mut self);
    /// Elements still open.
    fn open(&self) -> bool;
}

const XML_URI: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XMLNS_URI: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// One namespace declaration in scope.
struct Binding<N> {
    /// Where its prefix lies in [`Scopes::prefixes`]; an empty prefix is the default namespace.
    start: usize,
    len: usize,
    /// The reader's class of the namespace, decided once when it is declared.
    class: N,
    /// Depth of the declaring element (0 for the reserved `xml` and `xmlns` prefixes).
    level: u32,
}

/// The namespace declarations in scope, resolved exactly as quick-xml's `NsReader` resolves element
/// names (the same reserved prefixes, the same errors for binding them wrongly, `xmlns:p=""` and
/// `xmlns=""` undeclaring), but with each namespace classified once, where it is declared, rather
/// than compared on every element; and an element without an `xmlns` attribute costs no attribute
/// scan at all.
struct Scopes<N> {
    prefixes: Vec<u8>,
    bindings: Vec<Binding<N>>,
    classify: fn(Option<&[u8]>) -> N,
    /// The class of an element in no namespace.
    none: N,
    xmlns: memchr::memmem::Finder<'static>,
    /// The binding the last prefix resolved to: elements mostly share one prefix, and until a
    /// binding is added or dropped it stays the last binding of that prefix.
    last: Option<usize>,
}

impl<N: Copy> Scopes<N> {
    fn new(classify: fn(Option<&[u8]>) -> N) -> Self {
        let mut s = Scopes {
            prefixes: Vec::new(),
            bindings: Vec::new(),
            classify,
            none: classify(None),
            xmlns: memchr::memmem::Finder::new(b"xmlns"),
            last: None,
        };
        s.bind(b"xml", classify(Some(XML_URI)), 0);
        s.bind(b"xmlns", classify(Some(XMLNS_URI)), 0);
        s
    }

    fn bind(&mut self, prefix: &[u8], class: N, level: u32) {
        self.last = None;
        self.bindings.push(Binding {
            start: self.prefixes.len(),
            len: prefix.len(),
            class,
            level,
        });
        self.prefixes.extend_from_slice(prefix);
    }

    /// Take the namespace declarations of an element at depth `level`.
    fn declare(&mut self, e: &BytesStart, level: u32) -> Result<(), NamespaceError> {
        let raw = e.attributes_raw();
        // Most elements have no attributes: no search for them.
        if raw.len() < b"xmlns".len() || self.xmlns.find(raw).is_none() {
            return Ok(());
        }
        for a in e.attributes().with_checks(false) {
            let Ok(a) = a else {
                break;
            };
            let uri: &[u8] = &a.value;
            let class = |s: &Self| {
                if uri.is_empty() {
                    s.none
                } else {
                    (s.classify)(Some(uri))
                }
            };
            match a.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => self.bind(b"", class(self), level),
                Some(PrefixDeclaration::Named(b"xml")) if uri != XML_URI => {
                    return Err(NamespaceError::InvalidXmlPrefixBind(uri.to_vec()));
                }
                // `xml` declared as what it always is: nothing to record.
                Some(PrefixDeclaration::Named(b"xml")) => {}
                Some(PrefixDeclaration::Named(b"xmlns")) => {
                    return Err(NamespaceError::InvalidXmlnsPrefixBind(uri.to_vec()));
                }
                Some(PrefixDeclaration::Named(prefix)) => {
                    if uri == XML_URI {
                        return Err(NamespaceError::InvalidPrefixForXml(prefix.to_vec()));
                    }
                    if uri == XMLNS_URI {
                        return Err(NamespaceError::InvalidPrefixForXmlns(prefix.to_vec()));
                    }
                    self.bind(prefix, class(self), level);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Drop the declarations of elements deeper than `level`.
    fn close(&mut self, level: u32) {
        while let Some(b) = self.bindings.last().filter(|b| b.level > level) {
            self.prefixes.truncate(b.start);
            self.bindings.pop();
            self.last = None;
        }
    }

    /// The class of an element name's namespace and its local name.
    ///
    /// Names and prefixes are a few bytes: they are searched and compared in line, with no call to
    /// `memchr` or `memcmp`.
    fn resolve<'n>(&mut self, name: &'n [u8]) -> (N, &'n [u8]) {
        let (prefix, local) = match name.iter().position(|&b| b == b':') {
            Some(i) => (&name[..i], &name[i + 1..]),
            None => (&b""[..], name),
        };
        // `:x` has an empty prefix that no declaration binds (an empty one is the default).
        if prefix.is_empty() && local.len() < name.len() {
            return (self.none, local);
        }
        let binds = |b: &Binding<N>| {
            self.prefixes
                .get(b.start..b.start + b.len)
                .is_some_and(|p| {
                    p.len() == prefix.len() && p.iter().zip(prefix).all(|(x, y)| x == y)
                })
        };
        if let Some(b) = self
            .last
            .and_then(|i| self.bindings.get(i))
            .filter(|b| binds(b))
        {
            return (b.class, local);
        }
        let found = self.bindings.iter().rposition(binds);
        self.last = found;
        let class = found
            .and_then(|i| self.bindings.get(i))
            .map_or(self.none, |b| b.class);
        (class, local)
    }
}

/// quick-xml's `NsReader` for the readers that pull events themselves (styles, numbering,
/// relationships), with the namespace of each start tag's name classified as in [`walk`]: the
/// same events, the same classes and the same errors, down to `read_to_end`, which like
/// `NsReader`'s leaves the element it skips open for namespace scoping.
pub(crate) struct ClassReader<'a, N> {
    events: PartEvents<'a>,
    scopes: Scopes<N>,
    /// Elements open for namespace scoping.
    level: u32,
    /// The last event closed an element (an end tag or an empty element): its scope goes before
    /// the next event is read.
    pending_pop: bool,
}

impl<'a, N: Copy> ClassReader<'a, N> {
    pub(crate) fn new(xml: &'a [u8], classify: fn(Option<&[u8]>) -> N) -> Self {
        ClassReader {
            events: PartEvents::new(xml),
            scopes: Scopes::new(classify),
            level: 0,
            pending_pop: false,
        }
    }

    /// The next event and, for a start or empty tag, the class of its name's namespace (that of
    /// no namespace for other events).
    pub(crate) fn read_resolved_event(&mut self) -> Result<(N, Ev<'a>), String> {
        if self.pending_pop {
            self.level = self.level.saturating_sub(1);
            self.scopes.close(self.level);
            self.pending_pop = false;
        }
        let ev = self.events.next()?;
        match &ev {
            Ev::Start(e) | Ev::Empty(e) => {
                self.level = self.level.saturating_add(1);
                if let Err(err) = self.scopes.declare(e, self.level) {
                    return Err(quick_xml::Error::from(err).to_string());
                }
                self.pending_pop = matches!(ev, Ev::Empty(_));
                Ok((self.scopes.resolve(e.name().into_inner()).0, ev))
            }
            Ev::End => {
                self.pending_pop = true;
                Ok((self.scopes.none, ev))
            }
            _ => Ok((self.scopes.none, ev)),
        }
    }

    /// Skip to the end tag that closes the element `end` just opened (see
    /// [`PartEvents::read_to_end`]).
    pub(crate) fn read_to_end(&mut self, end: QName) -> Result<(), String> {
        self.events.read_to_end(end.into_inner())
    }
}

/// Walk one part. On an XML error the blocks read so far are kept and the error returned; so is
/// a part that ends inside an open element when `unclosed_is_error`.
pub(crate) fn walk<R: XmlReader>(
    xml: &[u8],
    rd: &mut R,
    unclosed_is_error: bool,
) -> Result<(), String> {
    let mut events = PartEvents::new(xml);
    let mut scopes = Scopes::new(R::namespace);
    *rd.skip() = 0;
    // Open elements, skipped ones included.
    let mut depth: u32 = 0;
    let result = loop {
        let blocks = rd.blocks();
        if rd.limits().tick() || rd.limits().full(blocks) {
            break Ok(());
        }
        let ev = match events.next() {
            Ok(x) => x,
            Err(e) => break Err(e),
        };
        match ev {
            Ev::Start(ref e) => {
                depth = depth.saturating_add(1);
                if let Err(err) = scopes.declare(e, depth) {
                    break Err(quick_xml::Error::from(err).to_string());
                }
                if *rd.skip() > 0 {
                    *rd.skip() += 1;
                    continue;
                }
                if rd.limits().too_deep(depth) {
                    *rd.skip() = 1;
                    continue;
                }
                let (ns, local) = scopes.resolve(e.name().into_inner());
                rd.start(ns, local, e, false);
            }
            Ev::Empty(ref e) => {
                let inner = depth.saturating_add(1);
                if let Err(err) = scopes.declare(e, inner) {
                    break Err(quick_xml::Error::from(err).to_string());
                }
                if *rd.skip() == 0 && !rd.limits().too_deep(inner) {
                    let (ns, local) = scopes.resolve(e.name().into_inner());
                    if rd.start(ns, local, e, true) {
                        rd.end();
                    }
                }
                scopes.close(depth);
            }
            Ev::End => {
                depth = depth.saturating_sub(1);
                scopes.close(depth);
                if *rd.skip() > 0 {
                    *rd.skip() -= 1;
                    continue;
                }
                rd.end();
            }
            Ev::Str(t) if *rd.skip() == 0 => rd.text(Chars::Text(t)),
            Ev::Text(ref t) if *rd.skip() == 0 => rd.text(Chars::Bytes(t)),
            Ev::CData(ref t) if *rd.skip() == 0 => rd.text(Chars::CData(t)),
            Ev::DocType => rd.doctype(),
            Ev::Eof if unclosed_is_error && rd.open() => {
                break Err("the part ends inside an open element (truncated)".into())
            }
            Ev::Eof => break Ok(()),
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

    /// Namespaces of the resolution tests: 0 for none, 1.. for these, 255 for any other.
    const URIS: [&[u8]; 4] = [b"urn:a", b"urn:b", XML_URI, XMLNS_URI];

    fn class_of(uri: Option<&[u8]>) -> u8 {
        match uri {
            None => 0,
            Some(u) => URIS
                .iter()
                .position(|x| *x == u)
                .map_or(255, |i| i as u8 + 1),
        }
    }

    /// Records the namespace class and local name of every element `walk` opens.
    struct Recorder {
        limits: Limits,
        skip: u32,
        open: u32,
        seen: Vec<(u8, Vec<u8>)>,
    }

    impl XmlReader for Recorder {
        type Ns = u8;
        fn namespace(uri: Option<&[u8]>) -> u8 {
            class_of(uri)
        }
        fn limits(&mut self) -> &mut Limits {
            &mut self.limits
        }
        fn blocks(&self) -> usize {
            0
        }
        fn skip(&mut self) -> &mut u32 {
            &mut self.skip
        }
        fn start(&mut self, ns: u8, local: &[u8], _: &BytesStart, _: bool) -> bool {
            self.seen.push((ns, local.to_vec()));
            self.open += 1;
            true
        }
        fn end(&mut self) {
            self.open = self.open.saturating_sub(1);
        }
        fn text(&mut self, _: Chars) {}
        fn doctype(&mut self) {}
        fn open(&self) -> bool {
            self.open > 0
        }
    }

    /// The elements and the error of `xml` as `walk` resolves them.
    fn walked(xml: &[u8]) -> (Vec<(u8, Vec<u8>)>, Option<String>) {
        let mut rd = Recorder {
            limits: Limits::new(&ExtractOptions {
                max_depth: 1000,
                ..ExtractOptions::default()
            }),
            skip: 0,
            open: 0,
            seen: Vec::new(),
        };
        let err = walk(xml, &mut rd, false).err();
        (rd.seen, err)
    }

    /// The same as quick-xml's `NsReader` resolves them.
    fn ns_reader(xml: &[u8]) -> (Vec<(u8, Vec<u8>)>, Option<String>) {
        use quick_xml::events::Event;
        let mut r = quick_xml::NsReader::from_reader(xml);
        let mut seen = Vec::new();
        loop {
            match r.read_resolved_event() {
                Ok((res, Event::Start(e) | Event::Empty(e))) => {
                    let uri = match res {
                        ResolveResult::Bound(ns) => Some(ns.0),
                        _ => None,
                    };
                    seen.push((class_of(uri), e.local_name().as_ref().to_vec()));
                }
                Ok((_, Event::Eof)) => return (seen, None),
                Ok(_) => {}
                Err(e) => return (seen, Some(e.to_string())),
            }
        }
    }

    /// Our walk reads `xml` as quick-xml's `NsReader` does, and our pull reader as quick-xml's.
    fn agrees(xml: &[u8]) {
        let shown = String::from_utf8_lossy(xml);
        // quick-xml's `encoding` feature (enabled by calamine) adds the detail of a decoding error
        // to one side's message only: compare the messages up to that detail.
        fn cut<T>((seen, err): (T, Option<String>)) -> (T, Option<String>) {
            let err = err.map(|e| e.split(": invalid utf-8").next().unwrap_or("").to_string());
            (seen, err)
        }
        assert_eq!(cut(walked(xml)), cut(ns_reader(xml)), "{shown}");
        assert_eq!(cut(pulled(xml, true)), cut(pulled(xml, false)), "{shown}");
    }

    /// The events of `xml` and the class of their start tags' names as a [`ClassReader`] (`ours`)
    /// or quick-xml's `NsReader` reads them, skipping the content of every `x` element with
    /// `read_to_end`.
    fn pulled(xml: &[u8], ours: bool) -> (Vec<(u8, String)>, Option<String>) {
        use quick_xml::events::Event;
        let mut mine = ClassReader::new(xml, class_of);
        let mut theirs = quick_xml::NsReader::from_reader(xml);
        let mut seen = Vec::new();
        loop {
            let next = if ours {
                mine.read_resolved_event()
            } else {
                theirs
                    .read_resolved_event()
                    .map(|(res, ev)| {
                        let uri = match res {
                            ResolveResult::Bound(ns) => Some(ns.0),
                            _ => None,
                        };
                        let ev = match ev {
                            Event::Start(e) => Ev::Start(e),
                            Event::Empty(e) => Ev::Empty(e),
                            Event::End(_) => Ev::End,
                            Event::Text(t) => Ev::Text(t.into_inner()),
                            Event::Eof => Ev::Eof,
                            _ => Ev::Other,
                        };
                        (class_of(uri), ev)
                    })
                    .map_err(|e| e.to_string())
            };
            let (class, ev) = match next {
                Ok(x) => x,
                Err(e) => return (seen, Some(e)),
            };
            let (class, shown) = match &ev {
                Ev::Start(e) => (class, format!("S{:?}{:?}", e.name(), e.attributes_raw())),
                Ev::Empty(e) => (class, format!("E{:?}{:?}", e.name(), e.attributes_raw())),
                Ev::End => (0, "/".into()),
                Ev::Text(t) => (0, format!("T{:?}", &t[..])),
                Ev::Eof => return (seen, None),
                _ => (0, "?".into()),
            };
            seen.push((class, shown));
            if let Ev::Start(e) = ev {
                if e.local_name().as_ref() == b"x" {
                    let skipped = if ours {
                        mine.read_to_end(e.name())
                    } else {
                        theirs
                            .read_to_end(e.name())
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    };
                    if let Err(e) = skipped {
                        return (seen, Some(e));
                    }
                }
            }
        }
    }

    #[test]
    fn namespaces_resolve_as_ns_reader_does() {
        let cases: &[&[u8]] = &[
            b"",
            b"<",
            b"<a:x xmlns:a='urn:a'><a:y/><b:y/><y/></a:x>",
            b"<x xmlns='urn:a'><y xmlns=''><z/></y><z/><a:z xmlns:a='urn:b'/><a:z/></x>",
            b"<a:x xmlns:a='urn:a'><a:y xmlns:a=''><a:z/></a:y><a:z/></a:x>",
            b"<x xmlns:='urn:b'><y/><:y/></x>",
            b"<xml:x/><xmlns:x/><x xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
            b"<x xmlns:xml='urn:a'/>",
            b"<x xmlns:xmlns='urn:a'/>",
            b"<x xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
            b"<x xmlns:p='http://www.w3.org/2000/xmlns/'/>",
            b"<x v='xmlns' xmlnsx='urn:a' xmlns:a='urn:a'><a:y/></x>",
            b"<x broken xmlns:a='urn:a'><a:y/></x>",
            b"<x a=1 xmlns:a='urn:a'><a:y/></x>",
            b"<x xmlns:a='urn:a' xmlns:a='urn:b'><a:y/></x>",
            b"<a:x xmlns:a='urn:a'><a:y xmlns:a='urn:b'/><a:y/></a:x>",
            b"<a:x xmlns:a='urn:a'><a:y>",
            b"<a:x xmlns:a='urn:a'></a:y>",
            b"</a:x>",
            // A skipped element stays open for scoping: its declarations hold after it.
            b"<r xmlns:a='urn:a'><x xmlns:a='urn:b'><a:q/></x><a:y/></r><a:z/>",
            b"<r><x xmlns:a='urn:b'><x/></x><a:y/><x xmlns:xmlns='q'/><x><r xmlns:xml='q'/></x></r>",
            // Skipping to an end tag that never comes, or past a wrong one.
            b"<r><x><y></y>",
            b"<r><x><y></x></r>",
            b"<r><x><!-- c --><x></x></x><y/></r>",
            b"<r><x><!-- c --><y></z></x></r>",
            b"<r><x a='\xff'>",
            b"<r><\xff:x>",
        ];
        for xml in cases {
            agrees(xml);
        }
        // Random nestings of declaring, undeclaring and misdeclaring elements.
        const NAMES: [&str; 7] = ["a:x", "b:y", "x", "c:z", "xml:s", ":q", "xmlns:r"];
        const ATTRS: [&str; 14] = [
            " xmlns:a='urn:a'",
            " xmlns:a='urn:b'",
            " xmlns:b=\"urn:b\"",
            " xmlns='urn:a'",
            " xmlns=''",
            " xmlns:a=''",
            " xmlns:c='urn:c'",
            " xmlns:xml='urn:a'",
            " xmlns:xml='http://www.w3.org/XML/1998/namespace'",
            " xmlns:xmlns='urn:a'",
            " xmlns:d='http://www.w3.org/2000/xmlns/'",
            " xmlns:='urn:b'",
            " v='xmlns'",
            " broken",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        fn element(out: &mut String, depth: u32, next: &mut dyn FnMut(usize) -> usize) {
            let name = NAMES[next(NAMES.len())];
            out.push('<');
            out.push_str(name);
            for _ in 0..next(3) {
                // Misdeclarations are rarer, so that most documents get deep.
                let a = ATTRS[next(ATTRS.len())];
                if !a.contains("xml=") && !a.contains("xmlns:xmlns") && !a.contains("2000")
                    || next(8) == 0
                {
                    out.push_str(a);
                }
            }
            if depth > 4 || next(3) == 0 {
                out.push_str("/>");
                return;
            }
            out.push('>');
            for _ in 0..next(4) {
                element(out, depth + 1, next);
            }
            out.push_str("</");
            out.push_str(if next(40) == 0 { "x" } else { name });
            out.push('>');
        }
        for _ in 0..3000 {
            let mut xml = String::new();
            element(&mut xml, 0, &mut next);
            if next(10) == 0 {
                xml.truncate(next(xml.len() + 1));
            }
            let xml = xml.as_bytes();
            agrees(xml);
        }
    }

    #[test]
    fn attributes_are_found_as_quick_xml_finds_them() {
        const PARTS: [&str; 16] = [
            " a='1'",
            " b:a=\"2\"",
            " a = '3'",
            "\t c\n=\r\"x y\"",
            " d",
            " e=f",
            " g='h",
            " =\"\"",
            " a:b:c='4'",
            " '='",
            "a",
            " x='&amp;&#x4E2D;'",
            " y=\"'\"",
            " z='>'",
            "  ",
            " c=\"\"",
        ];
        let slow = |e: &BytesStart, local: &[u8]| {
            e.attributes()
                .with_checks(false)
                .flatten()
                .find(|a| a.key.local_name().as_ref() == local)
                .map(|a| decode_text(&a.value, &mut false))
        };
        let mut seed: u64 = 0x0DDB_1A5E_5BAD_5EED;
        for n in 0..20_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let mut content = String::from(if n % 2 == 0 { "t" } else { "w:t" });
            let name_len = content.len();
            let mut s = seed;
            for _ in 0..(seed >> 60) {
                s = s.rotate_left(7) ^ 0x9E37_79B9;
                content.push_str(PARTS[(s % PARTS.len() as u64) as usize]);
            }
            let e = BytesStart::from_content(content.as_str(), name_len);
            for local in ["a", "b", "c", "d", "e", "g", "x", "y", "z", "", "b:c", "t"] {
                assert_eq!(
                    attr(&e, local.as_bytes()),
                    slow(&e, local.as_bytes()),
                    "{content} {local}"
                );
            }
        }
    }

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
        // Invalid UTF-8 is replaced before entities are decoded, and appending keeps what was there.
        let mut out = String::from("kept ");
        let mut u = false;
        decode_into(b"\xff&amp;\xe4\xb8 &#x41;\xe4", &mut out, &mut u);
        assert_eq!(out, "kept \u{FFFD}&\u{FFFD} A\u{FFFD}");
        assert!(!u);
        let mut out = String::from("a");
        push_lossy(b"<b>&amp;\xff", &mut out);
        assert_eq!(out, "a<b>&amp;\u{FFFD}");
    }
}
