//! CMaps: ToUnicode maps, embedded encoding CMaps, and the predefined CJK CMaps.
//!
//! Ranges are stored as ranges and looked up lazily: a legal but enormous `bfrange` (one entry
//! covering `<00000000> <FFFFFFFF>`) costs one entry, never four billion.

use super::glyphlist;
use super::lexer::{Lexer, Token};
use super::GlyphText;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by character code. Codes are not attacker-chosen hash keys in any way that matters
/// (a CMap holds at most a million single entries), so a multiplicative hash replaces SipHash,
/// which cost more than the lookups themselves.
pub type CodeMap<V> = HashMap<u32, V, BuildHasherDefault<CodeHasher>>;

#[derive(Default)]
pub struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Fold the high half down: the table indexes buckets by the low bits, which after a
        // multiplication depend only on the low bits of the code.
        let h = (n as u64 ^ 0x9E37_79B9).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// Codespace ranges: how many bytes the next character code takes.
#[derive(Debug, Clone, Default)]
pub struct CodeSpace {
    /// (byte length, low bytes, high bytes)
    ranges: Vec<(usize, Vec<u8>, Vec<u8>)>,
}

impl CodeSpace {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn add(&mut self, lo: &[u8], hi: &[u8]) {
        if lo.is_empty() || lo.len() != hi.len() || lo.len() > 4 || self.ranges.len() > 10_000 {
            return;
        }
        self.ranges.push((lo.len(), lo.to_vec(), hi.to_vec()));
    }

    /// The code at `pos` and its byte length (at least 1 when `pos` is inside `bytes`).
    pub fn next_code(&self, bytes: &[u8], pos: usize) -> (u32, usize) {
        let rest = bytes.get(pos..).unwrap_or(&[]);
        if rest.is_empty() {
            return (0, 0);
        }
        for n in 1..=4usize {
            if rest.len() < n {
                break;
            }
            let cand = &rest[..n];
            let hit = self.ranges.iter().any(|(len, lo, hi)| {
                *len == n
                    && cand
                        .iter()
                        .zip(lo.iter().zip(hi.iter()))
                        .all(|(b, (l, h))| b >= l && b <= h)
            });
            if hit {
                return (be(cand), n);
            }
        }
        // No range matched: take the shortest length whose first byte range contains the byte,
        // else the shortest length overall.
        let first = rest[0];
        let n = self
            .ranges
            .iter()
            .filter(|(_, lo, hi)| first >= lo[0] && first <= hi[0])
            .map(|(l, _, _)| *l)
            .min()
            .or_else(|| self.ranges.iter().map(|(l, _, _)| *l).min())
            .unwrap_or(1)
            .min(rest.len());
        (be(&rest[..n]), n)
    }
}

pub fn be(b: &[u8]) -> u32 {
    b.iter().take(4).fold(0u32, |a, &x| (a << 8) | x as u32)
}

#[derive(Debug, Clone)]
struct BfRange {
    lo: u32,
    hi: u32,
    dst: String,
}

#[derive(Debug, Clone)]
struct CidRange {
    lo: u32,
    hi: u32,
    cid: u32,
}

/// A parsed CMap file (either a ToUnicode map or an encoding CMap).
#[derive(Debug, Clone, Default)]
pub struct CMap {
    pub codespace: CodeSpace,
    bf_single: CodeMap<GlyphText>,
    bf_ranges: Vec<BfRange>,
    cid_single: CodeMap<u32>,
    cid_ranges: Vec<CidRange>,
    pub usecmap: Option<Vec<u8>>,
    pub vertical: bool,
}

const MAX_TOKENS: usize = 4_000_000;
const MAX_ARRAY_EXPANSION: usize = 1 << 16;

impl CMap {
    pub fn parse(data: &[u8]) -> CMap {
        let mut m = CMap::default();
        let mut lx = Lexer::new(data);
        let mut prev: Option<Token> = None;
        let mut count = 0usize;
        while let Some(tok) = lx.next_token() {
            count += 1;
            if count > MAX_TOKENS {
                break;
            }
            match &tok {
                Token::Op(b"begincodespacerange") => {
                    while let Some(t) = lx.next_token() {
                        let Token::Str(lo) = t else { break };
                        let Some(Token::Str(hi)) = lx.next_token() else {
                            break;
                        };
                        m.codespace.add(&lo, &hi);
                    }
                }
                Token::Op(b"beginbfchar") => {
                    while let Some(t) = lx.next_token() {
                        let Token::Str(src) = t else { break };
                        let dst: GlyphText = match lx.next_token() {
                            Some(Token::Str(d)) => utf16be(&d),
                            Some(Token::Name(n)) => glyphlist::name_to_unicode(&n)
                                .map(GlyphText::from)
                                .unwrap_or_default(),
                            _ => break,
                        };
                        if src.len() <= 4 && m.bf_single.len() < 1_000_000 {
                            m.bf_single.insert(be(&src), dst);
                        }
                    }
                }
                Token::Op(b"beginbfrange") => {
                    while let Some(t) = lx.next_token() {
                        let Token::Str(lo) = t else { break };
                        let Some(Token::Str(hi)) = lx.next_token() else {
                            break;
                        };
                        let (lo, hi) = (be(&lo), be(&hi));
                        match lx.next_token() {
                            Some(Token::Str(d)) => {
                                if hi >= lo && m.bf_ranges.len() < 1_000_000 {
                                    m.bf_ranges.push(BfRange {
                                        lo,
                                        hi,
                                        dst: utf16be(&d),
                                    });
                                }
                            }
                            Some(Token::ArrayOpen) => {
                                let mut code = lo;
                                let mut n = 0usize;
                                while let Some(t) = lx.next_token() {
                                    match t {
                                        Token::Str(d) => {
                                            if code <= hi && n < MAX_ARRAY_EXPANSION {
                                                m.bf_single.insert(code, utf16be(&d));
                                            }
                                        }
                                        Token::Name(nm) => {
                                            if code <= hi && n < MAX_ARRAY_EXPANSION {
                                                if let Some(s) = glyphlist::name_to_unicode(&nm) {
                                                    m.bf_single.insert(code, s.into());
                                                }
                                            }
                                        }
                                        _ => break,
                                    }
                                    code = code.wrapping_add(1);
                                    n += 1;
                                }
                            }
                            _ => break,
                        }
                    }
                }
                Token::Op(b"begincidrange") | Token::Op(b"beginnotdefrange") => {
                    while let Some(t) = lx.next_token() {
                        let Token::Str(lo) = t else { break };
                        let Some(Token::Str(hi)) = lx.next_token() else {
                            break;
                        };
                        let Some(Token::Num(cid)) = lx.next_token() else {
                            break;
                        };
                        let (lo, hi) = (be(&lo), be(&hi));
                        if hi >= lo && m.cid_ranges.len() < 1_000_000 {
                            m.cid_ranges.push(CidRange {
                                lo,
                                hi,
                                cid: cid.max(0.0) as u32,
                            });
                        }
                    }
                }
                Token::Op(b"begincidchar") => {
                    while let Some(t) = lx.next_token() {
                        let Token::Str(src) = t else { break };
                        let Some(Token::Num(cid)) = lx.next_token() else {
                            break;
                        };
                        m.cid_single.insert(be(&src), cid.max(0.0) as u32);
                    }
                }
                Token::Op(b"usecmap") => {
                    if let Some(Token::Name(n)) = &prev {
                        m.usecmap = Some(n.to_vec());
                    }
                }
                Token::Op(b"def") => {
                    // /WMode 1 def
                    if let Some(Token::Num(v)) = &prev {
                        if *v == 1.0
                            && lx.data.get(..lx.pos).is_some_and(|d| {
                                let tail = &d[d.len().saturating_sub(20)..];
                                tail.windows(6).any(|w| w == b"/WMode")
                            })
                        {
                            m.vertical = true;
                        }
                    }
                }
                _ => {}
            }
            prev = Some(tok);
        }
        // Later definitions win: sort ranges by start, keeping definition order for equal starts.
        m.bf_ranges.sort_by_key(|r| r.lo);
        m.cid_ranges.sort_by_key(|r| r.lo);
        m
    }

    pub fn has_unicode(&self) -> bool {
        !self.bf_single.is_empty() || !self.bf_ranges.is_empty()
    }

    pub fn has_cids(&self) -> bool {
        !self.cid_single.is_empty() || !self.cid_ranges.is_empty()
    }

    /// Unicode for a code (ToUnicode use).
    pub fn lookup_unicode(&self, code: u32) -> Option<GlyphText> {
        if let Some(s) = self.bf_single.get(&code) {
            return Some(s.clone());
        }
        let idx = self.bf_ranges.partition_point(|r| r.lo <= code);
        for r in self.bf_ranges[..idx].iter().rev().take(256) {
            if code <= r.hi {
                return Some(offset_string(&r.dst, code - r.lo));
            }
        }
        None
    }

    /// CID for a code (encoding CMap use).
    pub fn lookup_cid(&self, code: u32) -> Option<u32> {
        if let Some(c) = self.cid_single.get(&code) {
            return Some(*c);
        }
        let idx = self.cid_ranges.partition_point(|r| r.lo <= code);
        for r in self.cid_ranges[..idx].iter().rev().take(256) {
            if code <= r.hi {
                return r.cid.checked_add(code - r.lo);
            }
        }
        None
    }
}

/// The destination string with its last character advanced by `off` (bfrange semantics).
fn offset_string(dst: &str, off: u32) -> GlyphText {
    if off == 0 {
        return GlyphText::from(dst);
    }
    let Some(last) = dst.chars().next_back() else {
        return GlyphText::default();
    };
    let mut out = GlyphText::from(&dst[..dst.len() - last.len_utf8()]);
    out.push(char::from_u32((last as u32).saturating_add(off)).unwrap_or('\u{fffd}'));
    out
}

/// Decode UTF-16BE bytes (a bfchar destination); odd lengths are padded in front.
pub fn utf16be<T: FromIterator<char>>(b: &[u8]) -> T {
    // A CMap's destinations are a character or a few: no heap allocation for them.
    let mut units: smallvec::SmallVec<[u16; 16]> =
        smallvec::SmallVec::with_capacity(b.len().div_ceil(2));
    let mut i = 0;
    if b.len() % 2 == 1 {
        units.push(b[0] as u16);
        i = 1;
    }
    while i + 1 < b.len() {
        units.push(u16::from_be_bytes([b[i], b[i + 1]]));
        i += 2;
    }
    // Ghostscript writes ligatures little-endian (<66006c00> for "fl"): swap such strings.
    if units.len() >= 2
        && units
            .iter()
            .all(|&u| u & 0xFF == 0 && (0x20..0x7F).contains(&(u >> 8)))
    {
        for u in units.iter_mut() {
            *u >>= 8;
        }
    }
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// The predefined CMaps we decode without a CMap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predefined {
    /// Identity-H / Identity-V: two-byte codes equal to CIDs.
    Identity,
    /// Uni*-UCS2-*: two-byte codes equal to Unicode (BMP).
    Ucs2,
    /// Uni*-UTF16-*: UTF-16BE codes.
    Utf16,
    /// Legacy multi-byte encodings decoded with encoding_rs.
    Big5,
    Gbk,
    ShiftJis,
    EucJp,
    EucKr,
}

/// Classify a predefined CMap name; returns the kind and whether it is vertical.
pub fn predefined(name: &[u8]) -> Option<(Predefined, bool)> {
    let s = std::str::from_utf8(name).ok()?;
    let vertical = s.ends_with("-V");
    let p = if s.starts_with("Identity") {
        Predefined::Identity
    } else if s.starts_with("Uni") && s.contains("UCS2") {
        Predefined::Ucs2
    } else if s.starts_with("Uni") && (s.contains("UTF16") || s.contains("UTF32")) {
        if s.contains("UTF32") {
            return None;
        }
        Predefined::Utf16
    } else if s.contains("B5") || s.starts_with("HK") || s.contains("ETen") {
        Predefined::Big5
    } else if s.starts_with("GB") {
        Predefined::Gbk
    } else if s.contains("RKSJ") {
        Predefined::ShiftJis
    } else if s.starts_with("EUC") || s.starts_with("Ext-") && !s.contains("RKSJ") {
        Predefined::EucJp
    } else if s.starts_with("KSC") {
        Predefined::EucKr
    } else {
        return None;
    };
    Some((p, vertical))
}

impl Predefined {
    /// The next code and its length.
    pub fn next_code(self, bytes: &[u8], pos: usize) -> (u32, usize) {
        let rest = bytes.get(pos..).unwrap_or(&[]);
        let Some(&b0) = rest.first() else {
            return (0, 0);
        };
        let n = match self {
            Predefined::Identity | Predefined::Ucs2 => 2,
            Predefined::Utf16 => {
                if (0xD8..=0xDB).contains(&b0) {
                    4
                } else {
                    2
                }
            }
            Predefined::ShiftJis => {
                if (0x81..=0x9F).contains(&b0) || (0xE0..=0xFC).contains(&b0) {
                    2
                } else {
                    1
                }
            }
            Predefined::EucJp => {
                if b0 == 0x8F {
                    3
                } else if b0 >= 0x8E {
                    2
                } else {
                    1
                }
            }
            Predefined::Big5 | Predefined::Gbk | Predefined::EucKr => {
                if b0 >= 0x81 {
                    2
                } else {
                    1
                }
            }
        };
        let n = n.min(rest.len());
        (be(&rest[..n]), n)
    }

    /// Unicode for a code of `len` bytes (not for Identity).
    pub fn unicode(self, code: u32, len: usize) -> Option<GlyphText> {
        let all = code.to_be_bytes();
        let bytes = &all[4 - len.min(4)..];
        match self {
            Predefined::Identity => None,
            Predefined::Ucs2 | Predefined::Utf16 => {
                let s: GlyphText = utf16be(bytes);
                if s.is_empty() {
                    None
                } else {
                    Some(s)
                }
            }
            Predefined::Big5 => decode_with(encoding_rs::BIG5, bytes),
            Predefined::Gbk => decode_with(encoding_rs::GB18030, bytes),
            Predefined::ShiftJis => decode_with(encoding_rs::SHIFT_JIS, bytes),
            Predefined::EucJp => decode_with(encoding_rs::EUC_JP, bytes),
            Predefined::EucKr => decode_with(encoding_rs::EUC_KR, bytes),
        }
    }
}

fn decode_with(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> Option<GlyphText> {
    let (s, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        None
    } else {
        Some(GlyphText::from(&*s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_range_is_lazy() {
        let src = b"1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange
1 beginbfrange <00000000> <FFFFFFFF> <0000> endbfrange";
        let m = CMap::parse(src);
        assert_eq!(m.lookup_unicode(0x41).as_deref(), Some("A"));
        assert_eq!(m.codespace.next_code(&[0, 0, 0, 0x42], 0), (0x42, 4));
    }

    #[test]
    fn bfchar_bfrange_array_and_strings() {
        let src = b"2 begincodespacerange <00> <80> <8140> <FFFF> endcodespacerange
2 beginbfchar <01> <5C65> <02> <D83DDE00> endbfchar
2 beginbfrange <10> <12> <0061> <20> <21> [<0041> <00660069>] endbfrange
1 begincidrange <8140> <817F> 100 endcidrange";
        let m = CMap::parse(src);
        assert_eq!(m.lookup_unicode(1).as_deref(), Some("\u{5c65}"));
        assert_eq!(m.lookup_unicode(2).as_deref(), Some("\u{1F600}"));
        assert_eq!(m.lookup_unicode(0x12).as_deref(), Some("c"));
        assert_eq!(m.lookup_unicode(0x21).as_deref(), Some("fi"));
        assert_eq!(utf16be::<String>(&[0x66, 0, 0x6c, 0]), "fl");
        assert_eq!(m.lookup_unicode(0x13), None);
        assert_eq!(m.lookup_cid(0x8141), Some(101));
        assert_eq!(m.codespace.next_code(&[0x81, 0x41, 0x05], 0), (0x8141, 2));
        assert_eq!(m.codespace.next_code(&[0x81, 0x41, 0x05], 2), (0x05, 1));
    }

    #[test]
    fn predefined_cjk() {
        let (p, v) = predefined(b"UniCNS-UCS2-H").unwrap();
        assert_eq!((p, v), (Predefined::Ucs2, false));
        assert_eq!(p.unicode(0x5C65, 2).as_deref(), Some("\u{5c65}"));
        let (b5, _) = predefined(b"ETen-B5-H").unwrap();
        let (c, n) = b5.next_code(&[0xA4, 0xA4, 0x41], 0);
        assert_eq!(n, 2);
        assert_eq!(b5.unicode(c, n).as_deref(), Some("中"));
        let (g, _) = predefined(b"GBK-EUC-H").unwrap();
        assert_eq!(g.unicode(0xD6D0, 2).as_deref(), Some("中"));
        let (sj, _) = predefined(b"90ms-RKSJ-H").unwrap();
        assert_eq!(sj.unicode(0x93FA, 2).as_deref(), Some("日"));
        let (kr, _) = predefined(b"KSC-EUC-H").unwrap();
        assert_eq!(kr.unicode(0xC7D1, 2).as_deref(), Some("한"));
    }
}
