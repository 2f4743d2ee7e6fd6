//! A small, forgiving tokenizer for content streams and CMap files.
//!
//! It never fails: garbage bytes are skipped. Nesting of arrays and dictionaries is bounded.

/// The bytes of a string or name operand: inline up to 16 bytes (a word of a simple font, eight
/// glyphs of a two-byte font), so that most strings of a content stream are not heap allocations.
pub type Bytes = smallvec::SmallVec<[u8; 16]>;

/// One operand of a content-stream operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Num(f32),
    Name(Bytes),
    Str(Bytes),
    Array(Vec<Operand>),
    /// A top-level array of a content stream, read into the interpreter's [`TextArray`] (only TJ
    /// uses one).
    TextArray,
    Dict(Vec<(Bytes, Operand)>),
    Other,
}

impl Operand {
    pub fn num(&self) -> Option<f32> {
        match self {
            Operand::Num(n) => Some(*n),
            _ => None,
        }
    }
}

/// The strings and numbers of a TJ array, in order, the strings' bytes in one buffer: read for
/// every line of text, without an operand (and an allocation) per item.
#[derive(Debug, Default)]
pub struct TextArray {
    pub items: Vec<TextItem>,
    pub bytes: Vec<u8>,
    /// Where the string being read starts in `bytes`.
    open: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextItem {
    Num(f32),
    /// `bytes[start..end]`
    Str(u32, u32),
}

impl TextArray {
    pub fn str(&self, start: u32, end: u32) -> &[u8] {
        self.bytes.get(start as usize..end as usize).unwrap_or(&[])
    }
}

/// What the items of a text array are read into, in order: a [`TextArray`], or a reader that
/// uses them as they come. A string's bytes arrive between `begin_str` and `end_str`.
pub trait TextSink: ByteSink {
    fn num(&mut self, v: f32);
    fn begin_str(&mut self);
    fn end_str(&mut self);
}

impl ByteSink for TextArray {
    fn push(&mut self, b: u8) {
        self.bytes.push(b);
    }
    fn extend_from(&mut self, s: &[u8]) {
        self.bytes.extend_from_slice(s);
    }
}

impl TextSink for TextArray {
    fn num(&mut self, v: f32) {
        self.items.push(TextItem::Num(v));
    }
    fn begin_str(&mut self) {
        self.open = self.bytes.len() as u32;
    }
    fn end_str(&mut self) {
        self.items
            .push(TextItem::Str(self.open, self.bytes.len() as u32));
    }
}

/// Where the lexer decodes a string: a token's inline buffer, or the shared buffer of a TJ array.
pub trait ByteSink {
    fn push(&mut self, b: u8);
    fn extend_from(&mut self, s: &[u8]);
}

impl ByteSink for Bytes {
    fn push(&mut self, b: u8) {
        smallvec::SmallVec::push(self, b);
    }
    fn extend_from(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

impl ByteSink for Vec<u8> {
    fn push(&mut self, b: u8) {
        Vec::push(self, b);
    }
    fn extend_from(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

/// A lexical token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Num(f32),
    Name(Bytes),
    Str(Bytes),
    ArrayOpen,
    ArrayClose,
    DictOpen,
    DictClose,
    /// An operator or keyword (`Tj`, `true`, `begincmap`, ...).
    Op(&'a [u8]),
}

pub struct Lexer<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

const MAX_DEPTH: usize = 32;

/// Byte classes of the PDF syntax (ISO 32000-1, 7.2.2), looked up once per byte.
const WHITE: u8 = 1;
const DELIM: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let white = [b' ', b'\t', b'\r', b'\n', 0x0c, 0];
    let mut i = 0;
    while i < white.len() {
        t[white[i] as usize] = WHITE;
        i += 1;
    }
    let delim = [b'(', b')', b'<', b'>', b'[', b']', b'{', b'}', b'/', b'%'];
    let mut i = 0;
    while i < delim.len() {
        t[delim[i] as usize] = DELIM;
        i += 1;
    }
    t
};

/// Hex digit values; 0xff for any other byte.
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

pub fn is_white(b: u8) -> bool {
    CLASS[b as usize] == WHITE
}

pub fn is_delim(b: u8) -> bool {
    CLASS[b as usize] == DELIM
}

/// White space or a delimiter: the end of a name, number or operator.
fn ends_token(b: u8) -> bool {
    CLASS[b as usize] != 0
}

fn hexval(b: u8) -> Option<u8> {
    match HEX[b as usize] {
        0xff => None,
        v => Some(v),
    }
}

impl<'a> Lexer<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        let d = self.data;
        let mut i = self.pos;
        while i < d.len() {
            let b = d[i];
            if is_white(b) {
                i += 1;
            } else if b == b'%' {
                i += memchr::memchr2(b'\n', b'\r', &d[i..]).unwrap_or(d.len() - i);
            } else {
                break;
            }
        }
        self.pos = i;
    }

    /// The end of the token starting at `self.pos` (the first white-space or delimiter byte).
    fn token_end(&self) -> usize {
        let d = self.data;
        let mut i = self.pos;
        while i < d.len() && !ends_token(d[i]) {
            i += 1;
        }
        i
    }

    /// The next token, or `None` at the end of data.
    pub fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            self.skip_ws();
            let b = self.peek()?;
            match b {
                b'(' => return Some(Token::Str(self.literal_string())),
                b'<' => {
                    if self.data.get(self.pos + 1) == Some(&b'<') {
                        self.pos += 2;
                        return Some(Token::DictOpen);
                    }
                    return Some(Token::Str(self.hex_string()));
                }
                b'>' => {
                    self.pos += 1;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                        return Some(Token::DictClose);
                    }
                    continue;
                }
                b'[' => {
                    self.pos += 1;
                    return Some(Token::ArrayOpen);
                }
                b']' => {
                    self.pos += 1;
                    return Some(Token::ArrayClose);
                }
                b'{' | b'}' | b')' => {
                    self.pos += 1;
                    continue;
                }
                b'/' => {
                    self.pos += 1;
                    let start = self.pos;
                    self.pos = self.token_end();
                    return Some(Token::Name(decode_name(&self.data[start..self.pos])));
                }
                b'0'..=b'9' | b'+' | b'-' | b'.' => return Some(Token::Num(self.number())),
                _ => {
                    let start = self.pos;
                    self.pos = self.token_end();
                    if self.pos == start {
                        self.pos += 1;
                        continue;
                    }
                    return Some(Token::Op(&self.data[start..self.pos]));
                }
            }
        }
    }

    /// A number starting at `self.pos` (a digit, sign or point): the bytes up to the first that is
    /// not a digit, sign or point, read as [`parse_num`] reads them. The common shapes (an optional
    /// `-`, digits, maybe a point and more digits) are valued as they are scanned: at most 9 digits
    /// and 6 after the point as [`parse_plain_num`] values them, up to 15 digits as `str::parse`
    /// does (see [`rounded_once`]). Anything else goes to `parse_num`.
    #[inline(always)]
    fn number(&mut self) -> f32 {
        let d = self.data;
        let start = self.pos;
        let neg = d.get(start) == Some(&b'-');
        let mut i = start + neg as usize;
        // All the digits, before and after the point, as one integer (exact for the 15 digits at
        // most that the common shapes have; wrapping, and then unused, for longer ones).
        let mut v: u64 = 0;
        let mut scan_digits = |i: &mut usize| {
            let from = *i;
            while let Some(x) = d.get(*i).map(|c| c.wrapping_sub(b'0')).filter(|x| *x <= 9) {
                v = v.wrapping_mul(10).wrapping_add(x as u64);
                *i += 1;
            }
            *i - from
        };
        let int_digits = scan_digits(&mut i);
        let point = d.get(i) == Some(&b'.');
        let mut frac_digits = 0;
        if point {
            i += 1;
            frac_digits = scan_digits(&mut i);
        }
        let odd_end = d.get(i).is_some_and(|c| matches!(c, b'.' | b'+' | b'-'));
        if !odd_end {
            let digits = int_digits + frac_digits;
            let value = if !point && (1..=9).contains(&int_digits) {
                Some(v as u32 as f32)
            } else if point && int_digits <= 9 && frac_digits <= 6 && digits > 0 {
                POW10.get(frac_digits).map(|p| (v as f64 / p) as f32)
            } else if (1..=15).contains(&digits) {
                POW10
                    .get(frac_digits)
                    .and_then(|p| rounded_once(v as f64 / p))
            } else {
                None
            };
            if let Some(x) = value {
                self.pos = i;
                return if neg { -x } else { x };
            }
        }
        self.odd_number(start, i)
    }

    /// The rest of a number whose bytes from `start` to `i` did not take a common shape: the
    /// bytes up to the first that is not a digit, sign or point, through [`parse_num`].
    #[cold]
    #[inline(never)]
    fn odd_number(&mut self, start: usize, mut i: usize) -> f32 {
        let d = self.data;
        while d
            .get(i)
            .is_some_and(|c| matches!(c, b'0'..=b'9' | b'.' | b'+' | b'-'))
        {
            i += 1;
        }
        // Called at a digit, sign or point, which the number takes; should it be called elsewhere,
        // the byte is taken all the same, so that the lexer always moves on.
        if i == start {
            i += 1;
        }
        self.pos = i;
        parse_num(d.get(start..i).unwrap_or(&[]))
    }

    fn literal_string(&mut self) -> Bytes {
        let mut out = Bytes::new();
        self.literal_string_into(&mut out);
        out
    }

    /// The literal string at `self.pos` (at its `(`), decoded onto the end of `out`.
    fn literal_string_into(&mut self, out: &mut impl ByteSink) {
        self.pos += 1;
        // Most strings have no escapes and no nested parentheses: copy them whole. Most are short,
        // too: look at their first bytes before calling on memchr.
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let special = |b: u8| matches!(b, b')' | b'(' | b'\\');
        let head = rest.len().min(16);
        let stop = match rest[..head].iter().position(|&b| special(b)) {
            Some(i) => Some(i),
            None => memchr::memchr3(b')', b'(', b'\\', &rest[head..]).map(|i| head + i),
        };
        let plain = stop.unwrap_or(rest.len());
        out.extend_from(&rest[..plain]);
        self.pos += plain;
        if stop.is_some_and(|i| rest[i] == b')') {
            self.pos += 1;
            return;
        }
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => {
                    let Some(c) = self.peek() else { break };
                    self.pos += 1;
                    match c {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v: u32 = (c - b'0') as u32;
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> Bytes {
        let mut out = Bytes::new();
        self.hex_string_into(&mut out);
        out
    }

    /// The hex string at `self.pos` (at its `<`), decoded onto the end of `out`. White space and
    /// other bytes between the digits are skipped; an odd last digit stands for its high half.
    fn hex_string_into(&mut self, out: &mut impl ByteSink) {
        let d = self.data;
        let mut i = self.pos + 1;
        // Pairs of digits, the common case, decoded as they are read.
        while let (Some(&a), Some(&b)) = (d.get(i), d.get(i + 1)) {
            let (h, l) = (HEX[a as usize], HEX[b as usize]);
            if (h | l) & 0xf0 != 0 {
                break;
            }
            out.push(h << 4 | l);
            i += 2;
        }
        if d.get(i) == Some(&b'>') {
            self.pos = i + 1;
            return;
        }
        // Anything else: the rest up to `>`, digit by digit.
        let rest = d.get(i..).unwrap_or(&[]);
        let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        self.pos = (i + end + 1).min(d.len());
        let mut hi: Option<u8> = None;
        for &b in &rest[..end] {
            if let Some(v) = hexval(b) {
                match hi.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => hi = Some(v),
                }
            }
        }
        if let Some(h) = hi {
            out.push(h << 4);
        }
    }

    /// Skip inline image data after `ID` up to and including `EI`.
    pub fn skip_inline_image(&mut self) {
        // one whitespace byte after ID
        self.pos += 1;
        let d = self.data;
        let mut i = self.pos;
        while i + 2 <= d.len() {
            if d[i] == b'E'
                && d[i + 1] == b'I'
                && (i == 0 || is_white(d[i - 1]))
                && d.get(i + 2).is_none_or(|&c| is_white(c))
            {
                self.pos = i + 2;
                return;
            }
            i += 1;
        }
        self.pos = d.len();
    }

    /// The strings and numbers of a top-level array (a TJ operand), the `[` being read, into
    /// `buf` (cleared first). Other items (names, nested arrays, dictionaries, operators) are
    /// read past and left out: text showing ignores them.
    pub fn text_array(&mut self, buf: &mut TextArray) {
        buf.items.clear();
        buf.bytes.clear();
        self.text_array_into(buf);
    }

    /// [`Self::text_array`] into any sink.
    pub fn text_array_into(&mut self, sink: &mut impl TextSink) {
        let d = self.data;
        loop {
            let Some(&b) = d.get(self.pos) else { return };
            match b {
                b']' => {
                    self.pos += 1;
                    return;
                }
                b'(' => {
                    sink.begin_str();
                    self.literal_string_into(sink);
                    sink.end_str();
                }
                b'<' if d.get(self.pos + 1) != Some(&b'<') => {
                    sink.begin_str();
                    self.hex_string_into(sink);
                    sink.end_str();
                }
                b'0'..=b'9' | b'+' | b'-' | b'.' => {
                    let n = self.number();
                    sink.num(n);
                }
                _ if is_white(b) || b == b'%' => self.skip_ws(),
                _ => match self.next_token() {
                    None | Some(Token::ArrayClose) => return,
                    Some(Token::Op(_)) => {}
                    Some(t) => {
                        let _ = self.operand(t, 1);
                    }
                },
            }
        }
    }

    /// Parse an operand starting with `tok` (arrays and dictionaries recursively).
    pub fn operand(&mut self, tok: Token<'a>, depth: usize) -> Operand {
        match tok {
            Token::Num(n) => Operand::Num(n),
            Token::Name(n) => Operand::Name(n),
            Token::Str(s) => Operand::Str(s),
            Token::ArrayOpen => {
                // TJ arrays alternate strings and kerning: start with room for a line's worth.
                let mut v = Vec::with_capacity(16);
                while let Some(t) = self.next_token() {
                    if t == Token::ArrayClose {
                        break;
                    }
                    if depth >= MAX_DEPTH {
                        continue;
                    }
                    if let Token::Op(_) = t {
                        v.push(Operand::Other);
                        continue;
                    }
                    v.push(self.operand(t, depth + 1));
                }
                Operand::Array(v)
            }
            Token::DictOpen => {
                let mut v = Vec::new();
                let mut key: Option<Bytes> = None;
                while let Some(t) = self.next_token() {
                    if t == Token::DictClose {
                        break;
                    }
                    if depth >= MAX_DEPTH {
                        continue;
                    }
                    match key.take() {
                        None => {
                            if let Token::Name(n) = t {
                                key = Some(n);
                            } else {
                                let _ = self.operand(t, depth + 1);
                            }
                        }
                        Some(k) => {
                            let val = match t {
                                Token::Op(_) => Operand::Other,
                                t => self.operand(t, depth + 1),
                            };
                            v.push((k, val));
                        }
                    }
                }
                Operand::Dict(v)
            }
            Token::ArrayClose | Token::DictClose | Token::Op(_) => Operand::Other,
        }
    }
}

fn decode_name(raw: &[u8]) -> Bytes {
    if !raw.contains(&b'#') {
        return Bytes::from_slice(raw);
    }
    let mut out = Bytes::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hexval(raw[i + 1]), hexval(raw[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

pub fn parse_num(s: &[u8]) -> f32 {
    if let Some(v) = parse_plain_num(s) {
        return v;
    }
    // Tolerate "--5", "5-", "1.2.3" the way viewers do: take the longest valid prefix.
    let mut t = s;
    while t.len() > 1 && (t[0] == b'-' || t[0] == b'+') && (t[1] == b'-' || t[1] == b'+') {
        t = &t[1..];
    }
    let mut end = 0;
    let mut seen_dot = false;
    for (i, &c) in t.iter().enumerate() {
        if c.is_ascii_digit() || (i == 0 && (c == b'-' || c == b'+')) {
            end = i + 1;
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
            end = i + 1;
        } else {
            break;
        }
    }
    let txt = std::str::from_utf8(&t[..end]).unwrap_or("0");
    let v: f32 = txt.parse().unwrap_or_else(|_| {
        // "-" alone, "." alone, "-.": treat as zero
        let trimmed = txt.trim_end_matches('.');
        trimmed.parse().unwrap_or(0.0)
    });
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// Exact powers of ten, for the digits after a point.
const POW10: [f64; 16] = [
    1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The f32 nearest to a decimal given as `q`, the correctly rounded f64 quotient of two exact
/// integers (at most 15 digits over a power of ten): what `str::parse` gives. `q` is within an
/// f64 ulp of the decimal, so rounding it to f32 rounds the decimal the same way unless a point
/// halfway between two f32s lies that close: then `None`, and the caller parses.
fn rounded_once(q: f64) -> Option<f32> {
    let f = q as f32;
    let below = (f.next_down() as f64 + f as f64) / 2.0;
    let above = (f as f64 + f.next_up() as f64) / 2.0;
    let margin = q.abs() * f64::EPSILON;
    (q - below > margin && above - q > margin).then_some(f)
}

/// The common case without going through `str::parse`: an optional `-`, at most 9 integer digits, an
/// optional `.` with at most 6 digits (what PDF producers write). `None` for anything else.
fn parse_plain_num(s: &[u8]) -> Option<f32> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    // Integers (most kerning values and coordinates): no division. `v as f32` rounds once, as the
    // quotient by 1.0 below would.
    if !digits.is_empty() && digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit) {
        let v = digits.iter().fold(0u32, |v, &c| v * 10 + (c - b'0') as u32) as f32;
        return Some(if neg { -v } else { v });
    }
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if int.len() > 9 || frac.len() > 6 || int.len() + frac.len() == 0 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u64;
    }
    // Exact integer over an exact power of ten: the f64 quotient is correctly rounded.
    let x = (v as f64 / POW10[frac.len()]) as f32;
    Some(if neg { -x } else { x })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::xorshift as rng;

    #[test]
    fn plain_numbers_parse_like_str_parse() {
        for t in [
            "0",
            "-0",
            "12",
            "-12",
            "3.5",
            "-.5",
            ".25",
            "5.",
            "123456789",
            "0.000001",
            "595.276",
            "-841.89",
            "1.2.3",
            "--5",
            "5-",
            "-",
            ".",
            "+3",
            "1e5",
            "7.1234567",
        ] {
            if let Some(fast) = parse_plain_num(t.as_bytes()) {
                let want: f32 = t
                    .parse::<f32>()
                    .unwrap_or_else(|_| t.trim_end_matches('.').parse().unwrap_or(0.0));
                assert_eq!(fast.to_bits(), want.to_bits(), "{t}");
            }
        }
        // Pseudo-random numbers of every shape the fast path takes: same bits as `str::parse`
        // (an exact integer over an exact power of ten, rounded once to f64 and once to f32).
        let mut next = rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..200_000 {
            let x = next();
            let frac_digits = (x % 7) as usize;
            let int = (x >> 8) % 1_000_000_000 / 10u64.pow((x >> 40) as u32 % 9);
            let frac = (x >> 20) % 10u64.pow(frac_digits as u32);
            let t = if frac_digits == 0 {
                format!("{int}")
            } else {
                format!("{int}.{frac:0width$}", width = frac_digits)
            };
            let want: f32 = t.parse().unwrap();
            assert_eq!(parse_num(t.as_bytes()).to_bits(), want.to_bits(), "{t}");
        }
        assert_eq!(parse_num(b"1.2.3"), 1.2);
        assert_eq!(parse_num(b"--5"), -5.0);
        assert_eq!(parse_num(b"-"), 0.0);
        assert_eq!(parse_num(b"."), 0.0);
        assert_eq!(parse_num(b"7.1234567"), 7.123_456_7);
    }

    #[test]
    fn tokens() {
        let mut l = Lexer::new(b"/F1 12 Tf (a\\(b\\)c) Tj <41 42> [(x) -250 (y)] TJ");
        assert_eq!(l.next_token(), Some(Token::Name(b"F1".as_slice().into())));
        assert_eq!(l.next_token(), Some(Token::Num(12.0)));
        assert_eq!(l.next_token(), Some(Token::Op(b"Tf")));
        assert_eq!(l.next_token(), Some(Token::Str(b"a(b)c".as_slice().into())));
        assert_eq!(l.next_token(), Some(Token::Op(b"Tj")));
        assert_eq!(l.next_token(), Some(Token::Str(b"AB".as_slice().into())));
        let t = l.next_token().unwrap();
        let a = l.operand(t, 0);
        assert_eq!(
            a,
            Operand::Array(vec![
                Operand::Str(b"x".as_slice().into()),
                Operand::Num(-250.0),
                Operand::Str(b"y".as_slice().into())
            ])
        );
    }

    #[test]
    fn text_arrays_keep_strings_and_numbers_only() {
        let mut l =
            Lexer::new(b"[(a\\)b) -250 <4142> /N [(x) 1] <</K (y)>> true 3.5 (c)] TJ [] TJ [<41");
        let mut buf = TextArray::default();
        assert_eq!(l.next_token(), Some(Token::ArrayOpen));
        l.text_array(&mut buf);
        let got: Vec<String> = buf
            .items
            .iter()
            .map(|it| match *it {
                TextItem::Num(n) => format!("{n}"),
                TextItem::Str(s, e) => String::from_utf8_lossy(buf.str(s, e)).into_owned(),
            })
            .collect();
        assert_eq!(got, ["a)b", "-250", "AB", "3.5", "c"]);
        // The stream goes on right after the array; an empty and a cut-off array are read too.
        assert_eq!(l.next_token(), Some(Token::Op(b"TJ")));
        assert_eq!(l.next_token(), Some(Token::ArrayOpen));
        l.text_array(&mut buf);
        assert!(buf.items.is_empty() && buf.bytes.is_empty());
        assert_eq!(l.next_token(), Some(Token::Op(b"TJ")));
        assert_eq!(l.next_token(), Some(Token::ArrayOpen));
        l.text_array(&mut buf);
        assert_eq!(buf.items.len(), 1);
        assert_eq!(buf.bytes, b"A");
        assert_eq!(l.next_token(), None);
    }

    /// Random bytes drawn mostly from `alphabet`.
    fn random_bytes(next: &mut impl FnMut() -> u64, alphabet: &[u8], max_len: u64) -> Vec<u8> {
        let len = next() % (max_len + 1);
        (0..len)
            .map(|_| {
                let r = next();
                if r.is_multiple_of(16) {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect()
    }

    #[test]
    fn numbers_are_read_as_parse_num_reads_their_bytes() {
        let mut next = rng(0x5DEE_CE66_D1CE_4E5B);
        let alphabet = b"0123456789000111.-+ x]";
        for _ in 0..100_000 {
            let mut data = random_bytes(&mut next, alphabet, 24);
            if data
                .first()
                .is_none_or(|b| !matches!(b, b'0'..=b'9' | b'.' | b'+' | b'-'))
            {
                data.insert(0, b"0123456789.+-"[next() as usize % 13]);
            }
            let end = 1 + data[1..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'.' | b'+' | b'-'))
                .unwrap_or(data.len() - 1);
            let mut lx = Lexer::new(&data);
            let got = lx.number();
            let want = parse_num(&data[..end]);
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
            assert_eq!(lx.pos, end, "{:?}", String::from_utf8_lossy(&data));
        }
        // Up to 15 digits, anywhere around the point: the correctly rounded value.
        for _ in 0..300_000 {
            let digits = 1 + next() % 15;
            let t: String = (0..digits)
                .map(|_| (b'0' + (next() % 10) as u8) as char)
                .collect();
            let at = (next() % (digits + 1)) as usize;
            let t = format!(
                "{}{}.{}",
                ["", "-"][next() as usize % 2],
                &t[..at],
                &t[at..]
            );
            let want: f32 = t.parse().unwrap();
            let got = Lexer::new(t.as_bytes()).number();
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
        }
        // Halfway between two f32s, or a hair off it, where rounding the f64 quotient again could
        // go wrong (2^24 + 1 and 2^33 + 2^9 are halfway; 1 + 2^-24 is 1.0000000596046447753...).
        for t in [
            "16777217.0000000",
            "16777217.0000001",
            "16777216.9999999",
            "8589935104",
            "8589935104.0",
            "8589935104.00001",
            "8589935103.99999",
            "1.00000005960464",
            "1.00000005960465",
        ] {
            let want: f32 = t.parse().unwrap();
            assert_eq!(
                Lexer::new(t.as_bytes()).number().to_bits(),
                want.to_bits(),
                "{t}"
            );
        }
        assert_eq!(rounded_once(16777217.0), None);
        for (t, want) in [
            ("-", 0.0),
            ("-.", 0.0),
            ("+5", 5.0),
            ("5.-", 5.0),
            ("1234567890", 1234567890.0),
        ] {
            assert_eq!(Lexer::new(t.as_bytes()).number(), want, "{t}");
        }
    }

    /// The general reading of a hex string: every hex digit of the body up to `>`, paired.
    fn hex_reference(data: &[u8], pos: usize) -> (Vec<u8>, usize) {
        let rest = &data[pos + 1..];
        let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
        let digits: Vec<u8> = rest[..end].iter().filter_map(|&b| hexval(b)).collect();
        let out = digits
            .chunks(2)
            .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0))
            .collect();
        (out, (pos + 1 + end + 1).min(data.len()))
    }

    /// The general reading of a literal string: escapes, nested parentheses, to the matching `)`.
    fn literal_reference(data: &[u8], pos: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let (mut i, mut depth) = (pos + 1, 1);
        while let Some(&b) = data.get(i) {
            i += 1;
            match b {
                b'\\' => {
                    let Some(&c) = data.get(i) else { break };
                    i += 1;
                    match c {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if data.get(i) == Some(&b'\n') {
                                i += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = (c - b'0') as u32;
                            for _ in 0..2 {
                                match data.get(i) {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
        (out, i)
    }

    #[test]
    fn strings_decode_as_the_general_reading_does() {
        let mut next = rng(0x2545_F491_4F6C_DD1D);
        let hex_alphabet = b"0123456789abcdefABCDEF0123456789 \n>g<";
        let lit_alphabet = b"abcdefghij ()\\nrtbf01234567\r\n)";
        for i in 0..50_000u64 {
            let hex = i % 2 == 0;
            let mut data = vec![if hex { b'<' } else { b'(' }];
            let alphabet: &[u8] = if hex { hex_alphabet } else { lit_alphabet };
            data.extend(random_bytes(&mut next, alphabet, 40));
            let (want, want_pos) = if hex {
                hex_reference(&data, 0)
            } else {
                literal_reference(&data, 0)
            };
            // Into a token's buffer and into a TJ array's, behind what it already holds.
            let mut lx = Lexer::new(&data);
            let tok = if hex {
                lx.hex_string()
            } else {
                lx.literal_string()
            };
            assert_eq!(
                tok.as_slice(),
                want.as_slice(),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
            assert_eq!(lx.pos, want_pos);
            let mut buf = b"xy".to_vec();
            let mut lx = Lexer::new(&data);
            if hex {
                lx.hex_string_into(&mut buf);
            } else {
                lx.literal_string_into(&mut buf);
            }
            assert_eq!(&buf[2..], want.as_slice());
            assert_eq!(lx.pos, want_pos);
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_num(b"-.5"), -0.5);
        assert_eq!(parse_num(b"--3"), -3.0);
        assert_eq!(parse_num(b"1.2.3"), 1.2);
        assert_eq!(parse_num(b"-"), 0.0);
    }
}
