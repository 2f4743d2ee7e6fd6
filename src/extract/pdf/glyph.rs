//! The glyphs of a page as the interpreter hands them to layout: positions, and what layout asks
//! of their text, worked out once (by a font's table, for nearly every glyph) instead of per glyph
//! at every step. A glyph's text is its one character; only a text of several characters (a
//! ligature, an ActualText) is kept aside, in one buffer for the page.

/// Bits of [`TextFacts::flags`] and [`Glyph::flags`].
pub mod flag {
    /// No text: the glyph still shapes runs, but adds nothing to a line.
    pub const EMPTY: u8 = 1;
    /// The text is the one character `first`.
    pub const SINGLE: u8 = 1 << 1;
    /// The first character is white space.
    pub const WS_FIRST: u8 = 1 << 2;
    /// The last character is white space.
    pub const WS_LAST: u8 = 1 << 3;
    /// Every character is white space.
    pub const BLANK: u8 = 1 << 4;
    /// Some character is white space.
    pub const SPACED: u8 = 1 << 5;
    /// A word break is known to precede the glyph (TJ kerning, or a new text-showing operator
    /// starting an upper-case word right after a lower-case letter).
    pub const SEP: u8 = 1 << 6;
    /// First glyph of a text-showing operator.
    pub const OP_START: u8 = 1 << 7;
}

/// What layout asks of a text: its first and last character ('\0' when there is none) and the
/// [`flag`] bits that depend on the text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextFacts {
    pub first: char,
    pub last: char,
    pub flags: u8,
}

impl TextFacts {
    pub fn of(text: &str) -> TextFacts {
        use flag::*;
        // Nearly every code of a simple font: one ASCII character.
        if let &[b] = text.as_bytes() {
            let c = b as char;
            let ws = if c.is_whitespace() {
                WS_FIRST | WS_LAST | BLANK | SPACED
            } else {
                0
            };
            return TextFacts {
                first: c,
                last: c,
                flags: SINGLE | ws,
            };
        }
        let mut chars = text.chars();
        let Some(first) = chars.next() else {
            return TextFacts {
                first: '\0',
                last: '\0',
                flags: EMPTY,
            };
        };
        if first.len_utf8() == text.len() {
            let ws = if first.is_whitespace() {
                WS_FIRST | WS_LAST | BLANK | SPACED
            } else {
                0
            };
            return TextFacts {
                first,
                last: first,
                flags: SINGLE | ws,
            };
        }
        // A ligature or ActualText: several characters, possibly with white space among them.
        let last = chars.next_back().unwrap_or(first);
        let mut flags = 0;
        if first.is_whitespace() {
            flags |= WS_FIRST;
        }
        if last.is_whitespace() {
            flags |= WS_LAST;
        }
        if text.chars().all(char::is_whitespace) {
            flags |= BLANK;
        }
        if text.chars().any(char::is_whitespace) {
            flags |= SPACED;
        }
        TextFacts { first, last, flags }
    }

    pub fn is_empty(&self) -> bool {
        self.flags & flag::EMPTY != 0
    }

    /// A text of several characters, which a glyph keeps in the page's text buffer.
    pub fn is_long(&self) -> bool {
        is_long(self.flags)
    }
}

fn is_long(flags: u8) -> bool {
    flags & (flag::EMPTY | flag::SINGLE) == 0
}

/// Where a text of several characters is in [`Glyphs::texts`]: `texts[start..end]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A glyph's text as the glyph keeps it: its facts, and where a text of several characters is.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub first: char,
    pub last: char,
    /// Of a text of several characters only.
    pub span: Span,
    /// [`flag`] bits: the text's, and [`flag::SEP`] and [`flag::OP_START`].
    pub flags: u8,
}

impl Text {
    #[inline]
    pub fn is(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    fn is_long(&self) -> bool {
        is_long(self.flags)
    }
}

/// A glyph in device space (before page rotation and orientation handling).
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    /// Origin.
    pub x0: f32,
    pub y0: f32,
    /// Origin plus advance.
    pub x1: f32,
    pub y1: f32,
    /// Glyph height (font size) in device space.
    pub size: f32,
    pub text: Text,
}

/// The glyphs of a page, in the order drawn, and the texts of several characters among them.
#[derive(Debug, Default)]
pub struct Glyphs {
    pub list: Vec<Glyph>,
    texts: String,
}

impl Glyphs {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn reserve(&mut self, n: usize) {
        self.list.reserve(n);
    }

    /// Adds a glyph at `[x0, y0, x1, y1, size]` whose text is `text` (of which `facts` are the
    /// facts; the text itself is read only when it is of several characters), with the flags
    /// `extra` besides the text's. The origin is finite and the size finite and at least 0.01
    /// (the interpreter shows no other glyph): layout compares them without testing for NaN.
    #[inline(always)]
    pub fn push<T: AsRef<str> + ?Sized>(
        &mut self,
        pos: [f32; 5],
        facts: TextFacts,
        extra: u8,
        text: &T,
    ) {
        let span = if facts.is_long() {
            let start = self.texts.len();
            self.texts.push_str(text.as_ref());
            match (u32::try_from(start), u32::try_from(self.texts.len())) {
                (Ok(start), Ok(end)) => Span { start, end },
                // Past 4 GiB of text (which no limit lets a page reach): the glyph is left out.
                _ => {
                    self.texts.truncate(start);
                    return;
                }
            }
        } else {
            Span::default()
        };
        let [x0, y0, x1, y1, size] = pos;
        debug_assert!(x0.is_finite() && y0.is_finite() && size.is_finite() && size >= 0.01);
        self.list.push(Glyph {
            x0,
            y0,
            x1,
            y1,
            size,
            text: Text {
                first: facts.first,
                last: facts.last,
                span,
                flags: facts.flags | extra,
            },
        });
    }

    /// Keeps the first `n` glyphs (and the texts they need).
    pub fn truncate(&mut self, n: usize) {
        let dropped = self.list.get(n..).unwrap_or_default();
        // The texts are in glyph order: the first long one dropped starts what is no longer needed.
        if let Some(g) = dropped.iter().find(|g| g.text.is_long()) {
            self.texts.truncate(g.text.span.start as usize);
        }
        self.list.truncate(n);
    }

    /// The text of a glyph of several characters ("" for any other).
    #[inline]
    fn long_text(&self, t: &Text) -> &str {
        if !t.is_long() {
            return "";
        }
        self.texts
            .get(t.span.start as usize..t.span.end as usize)
            .unwrap_or_default()
    }

    /// The characters of a glyph's text.
    pub fn chars(&self, t: &Text) -> impl Iterator<Item = char> + '_ {
        let single = t.is(flag::SINGLE).then_some(t.first);
        single.into_iter().chain(self.long_text(t).chars())
    }

    /// Appends a glyph's text to `out`.
    #[inline]
    pub fn push_text(&self, t: &Text, out: &mut String) {
        if t.is(flag::SINGLE) {
            out.push(t.first);
        } else {
            out.push_str(self.long_text(t));
        }
    }

    /// Whether two glyphs have the same text.
    #[inline]
    pub fn same_text(&self, a: &Text, b: &Text) -> bool {
        match (a.is_long(), b.is_long()) {
            (true, true) => self.long_text(a) == self.long_text(b),
            // A text is long, one character or empty, the same text always the same of these.
            (false, false) => a.first == b.first && a.is(flag::EMPTY) == b.is(flag::EMPTY),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 10] = [
        "",
        "a",
        "b",
        "\0",
        " ",
        "ffi",
        "ab",
        "中",
        " New  York ",
        "\u{a0}\u{2003}",
    ];

    fn text_of(glyphs: &Glyphs, t: &Text) -> String {
        let mut s = String::new();
        glyphs.push_text(t, &mut s);
        assert_eq!(s, glyphs.chars(t).collect::<String>());
        s
    }

    /// Glyphs keep their texts through pushes and truncations, and compare them as strings do.
    #[test]
    fn texts_kept_aside_read_back_and_compare_as_strings() {
        let mut next = crate::testing::below(0x9E37_79B9_7F4A_7C15);
        let mut glyphs = Glyphs::default();
        let mut want: Vec<&str> = Vec::new();
        for _ in 0..5000 {
            if next(6) == 0 {
                let n = next(want.len() + 2);
                glyphs.truncate(n);
                want.truncate(n);
            } else {
                let t = TEXTS[next(TEXTS.len())];
                glyphs.push([0.0, 0.0, 0.0, 0.0, 1.0], TextFacts::of(t), flag::SEP, t);
                want.push(t);
            }
            assert_eq!(glyphs.len(), want.len());
            // Only the texts of the glyphs kept are kept.
            let long: usize = want
                .iter()
                .filter(|t| t.chars().nth(1).is_some())
                .map(|t| t.len())
                .sum();
            assert_eq!(glyphs.texts.len(), long);
        }
        for (g, w) in glyphs.list.iter().zip(&want) {
            assert_eq!(text_of(&glyphs, &g.text), *w);
            assert!(g.text.is(flag::SEP));
            for (h, v) in glyphs.list.iter().zip(&want) {
                assert_eq!(glyphs.same_text(&g.text, &h.text), w == v, "{w:?} {v:?}");
            }
        }
    }

    #[test]
    fn facts_of_texts() {
        use flag::*;
        let f = TextFacts::of;
        assert_eq!(f("").flags, EMPTY);
        assert_eq!(
            f("x"),
            TextFacts {
                first: 'x',
                last: 'x',
                flags: SINGLE
            }
        );
        assert_eq!(f(" ").flags, SINGLE | WS_FIRST | WS_LAST | BLANK | SPACED);
        assert_eq!(
            f("ffi"),
            TextFacts {
                first: 'f',
                last: 'i',
                flags: 0
            }
        );
        assert_eq!(f(" a").flags, WS_FIRST | SPACED);
        assert_eq!(f("a b").flags, SPACED);
        assert_eq!(
            f("\u{a0}\u{2003}").flags,
            WS_FIRST | WS_LAST | BLANK | SPACED
        );
        assert!(f("中文").is_long() && !f("中").is_long() && !f("").is_long());
    }
}
