//! The events of an XML part exactly as quick-xml's `Reader` (default configuration, no
//! `encoding` feature) gives them, at a fraction of its cost for the markup parts are made of.
//!
//! A small tokenizer reads text, start, end and empty tags and processing instructions (the XML
//! declaration). At the first markup it does not read (`<!`: comments, CDATA sections, DOCTYPEs)
//! or cannot read (a tag or instruction left unclosed), it hands the rest of the part, from that
//! `<`, to quick-xml itself, which then reads it to the end as it would have; the unusual markup
//! and every syntax error thus keep quick-xml's behaviour by construction. quick-xml's state
//! between two pieces of markup is nothing but the names of the open elements: those the
//! tokenizer opened are kept here, and an end tag closing one of them is checked here, with
//! quick-xml's errors; quick-xml checks those it opened itself.

use std::borrow::Cow;

use quick_xml::errors::{Error, IllFormedError};
use quick_xml::events::{BytesStart, Event};

/// One event of a part, as the part readers take it.
pub(crate) enum Ev<'a> {
    Start(BytesStart<'a>),
    Empty(BytesStart<'a>),
    End,
    /// Character data of a part known to be UTF-8.
    Str(&'a str),
    /// Character data of a part not checked.
    Text(Cow<'a, [u8]>),
    CData(Cow<'a, [u8]>),
    DocType,
    /// The XML declaration, processing instructions, comments.
    Other,
    Eof,
}

/// One token, as byte ranges of the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Character data between markup, not empty.
    Text {
        start: usize,
        end: usize,
    },
    /// `<name attributes>`: the range between `<` and `>`, and the length of the name.
    Start {
        start: usize,
        end: usize,
        name_len: usize,
    },
    /// `<name attributes/>`: the range between `<` and `/>`.
    Empty {
        start: usize,
        end: usize,
        name_len: usize,
    },
    /// `</name>`: the name, without the white space quick-xml trims from it.
    End {
        start: usize,
        end: usize,
    },
    /// `<?...?>`.
    Pi,
    Eof,
}

/// quick-xml's white space.
const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

/// The bytes that end a tag's name for [`scan_tag`]: white space, `>` and quotes.
static NAME_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_space(i as u8) || matches!(i as u8, b'>' | b'"' | b'\'');
        i += 1;
    }
    t
};

/// The end of the tag whose content begins `bytes` (the first `>` outside quoted values), and the
/// position of the first white space before it. In line for the common tag of a name alone.
#[inline]
fn scan_tag(bytes: &[u8]) -> Option<(usize, Option<usize>)> {
    let stop = bytes.iter().position(|&b| NAME_STOP[usize::from(b)])?;
    if bytes[stop] == b'>' {
        return Some((stop, None));
    }
    scan_attributes(bytes, stop)
}

/// [`scan_tag`] past the end of the name, at `stop`.
#[inline(never)]
fn scan_attributes(bytes: &[u8], stop: usize) -> Option<(usize, Option<usize>)> {
    let mut from = stop;
    let end = loop {
        let i = from + memchr::memchr3(b'>', b'"', b'\'', &bytes[from..])?;
        let b = bytes[i];
        if b == b'>' {
            break i;
        }
        from = i + 2 + memchr::memchr(b, &bytes[i + 1..])?;
    };
    let space = if is_space(bytes[stop]) {
        Some(stop)
    } else {
        bytes[..end].iter().position(|&b| is_space(b))
    };
    Some((end, space))
}

struct Tokens<'a> {
    xml: &'a [u8],
    pos: usize,
    /// `pos` is just past a `<`.
    in_markup: bool,
    done: bool,
}

impl<'a> Tokens<'a> {
    fn new(xml: &'a [u8]) -> Self {
        Tokens {
            xml,
            // quick-xml drops a UTF-8 byte-order mark at the start.
            pos: if xml.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            },
            in_markup: false,
            done: false,
        }
    }

    /// The next token; `None` at markup left to quick-xml, which then begins at `self.pos - 1`.
    fn next(&mut self) -> Option<Token> {
        if self.done {
            return Some(Token::Eof);
        }
        let xml = self.xml;
        if !self.in_markup {
            if xml.get(self.pos) == Some(&b'<') {
                self.pos += 1;
            } else {
                let start = self.pos;
                let Some(i) = xml.get(start..).and_then(|rest| memchr::memchr(b'<', rest)) else {
                    self.done = true;
                    self.pos = xml.len();
                    return Some(if start >= xml.len() {
                        Token::Eof
                    } else {
                        Token::Text {
                            start,
                            end: xml.len(),
                        }
                    });
                };
                self.pos = start + i + 1;
                self.in_markup = true;
                return Some(Token::Text {
                    start,
                    end: start + i,
                });
            }
        }
        let m = self.pos;
        let rest = xml.get(m..)?;
        let token = match rest.first()? {
            b'!' => return None,
            b'?' => {
                // The first `>` after a `?` (not the one opening it: `<?>` is unclosed).
                let j = memchr::memchr_iter(b'>', rest).find(|&j| j > 0 && rest[j - 1] == b'?')?;
                if j < 2 {
                    return None;
                }
                self.pos = m + j + 1;
                Token::Pi
            }
            b'/' => {
                let (j, _) = scan_tag(rest)?;
                let name = &rest[1..j];
                let len = name
                    .iter()
                    .rposition(|&b| !is_space(b))
                    .map_or(name.len(), |last| last + 1);
                self.pos = m + j + 1;
                Token::End {
                    start: m + 1,
                    end: m + 1 + len,
                }
            }
            _ => {
                let (j, space) = scan_tag(rest)?;
                self.pos = m + j + 1;
                let (len, empty) = match rest[..j].last() {
                    Some(b'/') => (j - 1, true),
                    _ => (j, false),
                };
                let (start, end, name_len) = (m, m + len, space.unwrap_or(len));
                if empty {
                    Token::Empty {
                        start,
                        end,
                        name_len,
                    }
                } else {
                    Token::Start {
                        start,
                        end,
                        name_len,
                    }
                }
            }
        };
        self.in_markup = false;
        Some(token)
    }
}

/// quick-xml's error for an end tag `found` where the innermost open element is `expected`.
#[cold]
fn close_error(expected: Option<&[u8]>, found: &[u8]) -> String {
    let decode = |b: &[u8]| std::str::from_utf8(b).unwrap_or_default().to_owned();
    let error = match expected {
        None => IllFormedError::UnmatchedEndTag(decode(found)),
        Some(e) => IllFormedError::MismatchedEndTag {
            expected: decode(e),
            found: decode(found),
        },
    };
    Error::IllFormed(error).to_string()
}

/// The events of one part (see the module documentation).
pub(crate) struct PartEvents<'a> {
    xml: &'a [u8],
    /// The part, when it is valid UTF-8 (tags are handed on as `&str`); else quick-xml reads all.
    text: Option<&'a str>,
    tokens: Tokens<'a>,
    /// quick-xml, once the tokenizer handed the part over.
    quick: Option<quick_xml::Reader<&'a [u8]>>,
    /// Names of the elements the tokenizer opened and that are still open, as ranges of the part
    /// (`u32`: 8 bytes an element, less than quick-xml's own record of a name takes).
    open: Vec<(u32, u32)>,
    /// Elements quick-xml opened and that are still open (it checks their end tags).
    quick_open: u64,
}

impl<'a> PartEvents<'a> {
    pub(crate) fn new(xml: &'a [u8]) -> Self {
        let text = std::str::from_utf8(xml).ok();
        let mut events = PartEvents {
            xml,
            text,
            tokens: Tokens::new(xml),
            quick: None,
            open: Vec::new(),
            quick_open: 0,
        };
        if text.is_none() || u32::try_from(xml.len()).is_err() {
            events.hand_over(0);
        }
        events
    }

    /// Let quick-xml read the part from `at` on (`at` is 0 or a `<`). An end tag it finds with
    /// none of its own elements open closes one the tokenizer opened, and is checked here.
    fn hand_over(&mut self, at: usize) {
        let mut r = quick_xml::Reader::from_reader(self.xml.get(at..).unwrap_or_default());
        r.config_mut().allow_unmatched_ends = true;
        self.quick = Some(r);
    }

    /// Close the innermost element the tokenizer opened with an end tag of `name`, as quick-xml
    /// checks it.
    #[inline]
    fn close(&mut self, name: &[u8]) -> Result<(), String> {
        let expected = self
            .open
            .pop()
            .map(|(start, len)| (start as usize, len as usize))
            .map(|(start, len)| self.xml.get(start..start + len).unwrap_or_default());
        // Names are a few bytes: compared in line, without a call to `memcmp`.
        match expected {
            Some(e) if e.len() == name.len() && e.iter().zip(name).all(|(a, b)| a == b) => Ok(()),
            _ => Err(close_error(expected, name)),
        }
    }

    /// A start tag's event. Tags begin after a `<` and end before a `>` or `/`, so their bounds
    /// are character boundaries of the (valid UTF-8) part.
    fn tag(&self, start: usize, end: usize, name_len: usize) -> BytesStart<'a> {
        match self.text.and_then(|t| t.get(start..end)) {
            Some(content) => BytesStart::from_content(content, name_len),
            None => BytesStart::from_content("", 0),
        }
    }

    pub(crate) fn next(&mut self) -> Result<Ev<'a>, String> {
        if self.quick.is_none() {
            let xml = self.xml;
            match self.tokens.next() {
                // Text begins after a `>` and ends before a `<`: character boundaries.
                Some(Token::Text { start, end }) => {
                    return Ok(match self.text.and_then(|t| t.get(start..end)) {
                        Some(s) => Ev::Str(s),
                        None => Ev::Text(Cow::Borrowed(&xml[start..end])),
                    });
                }
                Some(Token::Start {
                    start,
                    end,
                    name_len,
                }) => {
                    // Within the part, whose length fits a `u32` (see `new`).
                    self.open.push((start as u32, name_len as u32));
                    return Ok(Ev::Start(self.tag(start, end, name_len)));
                }
                Some(Token::Empty {
                    start,
                    end,
                    name_len,
                }) => return Ok(Ev::Empty(self.tag(start, end, name_len))),
                Some(Token::End { start, end }) => {
                    self.close(&xml[start..end])?;
                    return Ok(Ev::End);
                }
                Some(Token::Pi) => return Ok(Ev::Other),
                Some(Token::Eof) => return Ok(Ev::Eof),
                None => self.hand_over(self.tokens.pos.saturating_sub(1)),
            }
        }
        let Some(r) = self.quick.as_mut() else {
            return Ok(Ev::Eof);
        };
        Ok(match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                self.quick_open += 1;
                Ev::Start(e)
            }
            Event::Empty(e) => Ev::Empty(e),
            Event::End(e) => {
                if self.quick_open > 0 {
                    self.quick_open -= 1;
                } else {
                    self.close(e.name().as_ref())?;
                }
                Ev::End
            }
            Event::Text(t) => Ev::Text(t.into_inner()),
            Event::CData(t) => Ev::CData(t.into_inner()),
            Event::DocType(_) => Ev::DocType,
            Event::Eof => Ev::Eof,
            _ => Ev::Other,
        })
    }
}

impl PartEvents<'_> {
    /// Skip to the end tag that closes the element `name` just opened, as quick-xml's
    /// `Reader::read_to_end` does: the same error where one occurs, and quick-xml's for a part that
    /// ends first. (quick-xml counts the start and end tags of that name; as end tags are checked
    /// against the open elements, that is counting all of them.)
    pub(crate) fn read_to_end(&mut self, name: &[u8]) -> Result<(), String> {
        let mut depth: u64 = 0;
        loop {
            match self.next()? {
                Ev::Start(_) => depth += 1,
                Ev::End if depth == 0 => return Ok(()),
                Ev::End => depth -= 1,
                Ev::Eof => {
                    let err = match std::str::from_utf8(name) {
                        Ok(n) => Error::from(IllFormedError::MissingEndTag(n.to_owned())),
                        Err(e) => Error::from(quick_xml::encoding::EncodingError::from(e)),
                    };
                    return Err(err.to_string());
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events and the error of `xml` as quick-xml reads it (`quick`) or [`PartEvents`] does.
    fn events(xml: &[u8], quick: bool) -> (Vec<String>, Option<String>) {
        let mut r = quick_xml::Reader::from_reader(xml);
        let mut ours = PartEvents::new(xml);
        let mut out = Vec::new();
        loop {
            let ev = if quick {
                match r.read_event() {
                    Ok(Event::Start(e)) => Ok(Ev::Start(e)),
                    Ok(Event::Empty(e)) => Ok(Ev::Empty(e)),
                    Ok(Event::End(_)) => Ok(Ev::End),
                    Ok(Event::Text(t)) => Ok(Ev::Text(t.into_inner())),
                    Ok(Event::CData(t)) => Ok(Ev::CData(t.into_inner())),
                    Ok(Event::DocType(_)) => Ok(Ev::DocType),
                    Ok(Event::Eof) => Ok(Ev::Eof),
                    Ok(_) => Ok(Ev::Other),
                    Err(e) => Err(e.to_string()),
                }
            } else {
                ours.next()
            };
            let shown = match ev {
                Err(e) => return (out, Some(e)),
                Ok(Ev::Eof) => return (out, None),
                Ok(Ev::Start(e)) => format!("S{:?}|{:?}", e.name().as_ref(), e.attributes_raw()),
                Ok(Ev::Empty(e)) => format!("E{:?}|{:?}", e.name().as_ref(), e.attributes_raw()),
                Ok(Ev::End) => "/".into(),
                Ok(Ev::Text(t)) => format!("T{:?}", &t[..]),
                Ok(Ev::Str(t)) => format!("T{:?}", t.as_bytes()),
                Ok(Ev::CData(t)) => format!("C{:?}", &t[..]),
                Ok(Ev::DocType) => "D".into(),
                Ok(Ev::Other) => "?".into(),
            };
            out.push(shown);
        }
    }

    fn agree(xml: &[u8]) {
        assert_eq!(
            events(xml, false),
            events(xml, true),
            "{}",
            String::from_utf8_lossy(xml)
        );
    }

    #[test]
    fn events_are_quick_xmls() {
        let cases: &[&[u8]] = &[
            b"",
            b" ",
            b"<",
            b"a<",
            b"\xEF\xBB\xBF<a/>",
            b"\xEF\xBB\xBF\xEF\xBB\xBF<a/>",
            b"text only",
            b"<?xml version='1.0'?>\n<a x='1' y=\"2\">t<b/>u</a>\n",
            b"<?xml?><a/>",
            b"<?>",
            b"<??>",
            b"<?x?",
            b"<?x ? > ?>",
            b"<a>",
            b"<a></a >",
            b"<a></a\t\r\n>",
            b"<a></ a>",
            b"<a></a x='>'>",
            b"</a>",
            b"<a></b>",
            b"<a></a></a>",
            b"<a b='>' c=\"'\" d='\"'>x</a>",
            b"<a b='x>y",
            b"<a b='x'",
            b"<a b='x'/",
            b"<a/ >",
            b"<a />",
            b"<a\"x y\">",
            b"<a\"x\"/>",
            b"< a></ a>",
            b"<></>",
            b"</>",
            b"<a <b>x</a <b>",
            b"<a>&amp;&lt;</a>",
            b"<a><!-- c --></a>",
            b"<a><!-- c -></a></a>",
            b"<a><![CDATA[x]]></a>",
            b"<a><![CDATA[x]></a>",
            b"<!DOCTYPE a><a/>",
            b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>",
            b"<!DOCTYPE>",
            b"<!x>",
            b"<!",
            b"<a><!-- c --></b>",
            b"<a><!-- c --><b></a>",
            b"<a>\n</a>trailing",
            b"<a>\xff</a>",
            b"<a\xff></a\xff>",
            b"<a\xff></a>",
            b"<w:p><w:r><w:t xml:space='preserve'> x </w:t></w:r></w:p>",
        ];
        for xml in cases {
            agree(xml);
        }
        // Random soup of markup fragments.
        const PARTS: [&str; 30] = [
            "<a>",
            "</a>",
            "<b x='1'>",
            "</b>",
            "<a/>",
            "<b />",
            "text",
            " ",
            "\n",
            "<?xml v?>",
            "<?p",
            "?>",
            ">",
            "'",
            "\"",
            "<",
            "/",
            "</a >",
            "<a\t",
            "<!--",
            "-->",
            "&amp;",
            "<![CDATA[",
            "]]>",
            "<!DOCTYPE d>",
            "<!x",
            "\u{e9}",
            "\u{FEFF}",
            "</ a>",
            "<c y=\"'>\"/>",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..30_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut s = seed;
            let mut xml = String::new();
            for _ in 0..seed % 24 {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                xml.push_str(PARTS[(s >> 33) as usize % PARTS.len()]);
            }
            let mut xml = xml.into_bytes();
            if seed.is_multiple_of(16) && !xml.is_empty() {
                // A broken byte somewhere.
                let at = (s >> 20) as usize % xml.len();
                xml[at] = 0xFF;
            }
            agree(&xml);
        }
    }
}
