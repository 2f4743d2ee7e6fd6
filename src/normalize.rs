//! Text normalisation with an offset map back to the original.
//!
//! Matching runs on normalised text so that one pattern finds every way a contract writes a name:
//! full-width `ＨＵＡＷＥＩ`, Simplified `华为`, a model number wrapped across a table cell (`DS-` /
//! `2CD2143G2-I`) or a name hyphenated at a line end (`Hik-` / `vision`). Case is kept (matchers fold
//! ASCII case themselves) so that case-sensitive aliases such as `POCO` can still be told apart.
//!
//! Every byte of the normalised text remembers the byte range of the original character it came from,
//! so a hit can be cited and excerpted as the contract wrote it.

use smallvec::{smallvec, SmallVec};
use unicode_normalization::UnicodeNormalization;

/// Normalised text plus, for every normalised byte, the original byte range that produced it.
#[derive(Debug, Clone, Default)]
pub struct NormText {
    pub text: String,
    /// Where the stretches of `text` came from, in order; each lasts until the next one starts.
    pieces: Vec<Piece>,
}

/// A stretch of normalised text and the original bytes it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Its first byte in the normalised text.
    at: u32,
    /// Where its first byte came from in the original.
    start: u32,
    /// `Some(end)`: every byte of the stretch came from the whole original range `start..end` (the
    /// characters of one original character). `None`: copied as it is, each character from the same
    /// bytes at the same distance from `start`.
    end: Option<u32>,
}

impl NormText {
    /// Map a normalised byte range back to the original byte range.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let Some(last) = self
            .text
            .len()
            .checked_sub(1)
            .and_then(|l| self.range_of(l))
        else {
            return (0, 0);
        };
        let s = self.range_of(start).map_or(last.1, |r| r.0);
        let e = if end == 0 {
            s
        } else {
            self.range_of(end - 1).map_or(last.1, |r| r.1)
        };
        (s as usize, (e as usize).max(s as usize))
    }

    /// The original range of normalised byte `k`.
    fn range_of(&self, k: usize) -> Option<(u32, u32)> {
        if k >= self.text.len() {
            return None;
        }
        let p = self.pieces[..self.pieces.partition_point(|p| p.at as usize <= k)].last()?;
        match p.end {
            Some(end) => Some((p.start, end)),
            None => {
                // The whole character that byte `k` is part of.
                let mut first = k;
                while !self.text.is_char_boundary(first) {
                    first -= 1;
                }
                let len = self.text[first..].chars().next().map_or(1, char::len_utf8);
                let s = p.start + (first as u32 - p.at);
                Some((s, s + len as u32))
            }
        }
    }

    /// Append `c`, which came from the original range `start..end`.
    fn push(&mut self, c: char, start: u32, end: u32) {
        if c.len_utf8() == 1 && end == start + 1 {
            let mut buf = [0u8; 4];
            self.push_copied(c.encode_utf8(&mut buf), start);
            return;
        }
        let at = self.text.len() as u32;
        self.text.push(c);
        // One piece for all characters of one original one ("ﬁ" -> "fi").
        let same_original = self
            .pieces
            .last()
            .is_some_and(|p| p.start == start && p.end == Some(end));
        if !same_original {
            self.pieces.push(Piece {
                at,
                start,
                end: Some(end),
            });
        }
    }

    /// Append `s`, copied as it is from original byte `start` on.
    fn push_copied(&mut self, s: &str, start: u32) {
        let at = self.text.len() as u32;
        self.text.push_str(s);
        let continues = self
            .pieces
            .last()
            .is_some_and(|p| p.end.is_none() && p.start + (at - p.at) == start);
        if !continues {
            self.pieces.push(Piece {
                at,
                start,
                end: None,
            });
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFF60)
}

/// Normalise a block of text: NFKC, Simplified->Traditional folding, ligatures, soft hyphens and
/// zero-width characters removed, wrapped lines joined, whitespace collapsed to single spaces.
pub fn normalize(input: &str) -> NormText {
    let mut out = NormText {
        text: String::with_capacity(input.len()),
        pieces: Vec::new(),
    };
    let b = input.as_bytes();
    let mut pending_space: Option<(u32, u32)> = None;
    let mut i = 0;
    while i < b.len() {
        // The character at byte `off`, ending at `end` (ASCII without decoding).
        let off = i;
        let (c, end) = if b[i] < 0x80 {
            (b[i] as char, i + 1)
        } else {
            match input[i..].chars().next() {
                Some(c) => (c, i + c.len_utf8()),
                None => break,
            }
        };
        // Hyphen at a line end: "Hik-\nvision" -> "Hikvision", "DS-\n2CD" -> "DS-2CD".
        if (c == '-' || c == '\u{2010}' || c == '\u{2011}') && next_is_newline(b, end) {
            let next = input[end..]
                .char_indices()
                .find(|(_, n)| !n.is_whitespace())
                .map(|(k, n)| (end + k, n));
            if let Some((j, n)) = next {
                let prev = out.text.chars().last();
                if n.is_lowercase() && prev.is_some_and(|p| p.is_alphabetic()) {
                    // soft line-end hyphenation: drop the hyphen and the break
                } else {
                    out.push('-', off as u32, end as u32);
                }
                pending_space = None;
                i = j;
                continue;
            }
        }
        if c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{AD}'
            )
        {
            if c.is_whitespace() && !out.text.is_empty() && pending_space.is_none() {
                pending_space = Some((off as u32, end as u32));
            }
            // A line break between two CJK characters is a wrap, not a space.
            i = end;
            continue;
        }
        if let Some((so, se)) = pending_space.take() {
            let prev = out.text.chars().last();
            let join_cjk = prev.is_some_and(is_cjk) && is_cjk(c);
            if !join_cjk {
                out.push(' ', so, se);
            }
        }
        i = end;
        if c.is_ascii() {
            // ASCII is NFKC-stable and has nothing to fold: copied with what follows.
            let run_end = copied_until(input, end);
            out.push_copied(&input[off..run_end], off as u32);
            i = run_end;
            continue;
        }
        // Unified ideographs have no compatibility mapping, full-width ASCII (the commas and
        // brackets of Chinese text) a known one: no need for the NFKC machinery.
        let mapped: SmallVec<[char; 4]> = if is_nfkc_stable_han(c as u32) {
            smallvec![fold_s2t(c)]
        } else if let Some(ascii) = full_width_ascii(c) {
            smallvec![ascii]
        } else {
            let mut buf = [0u8; 4];
            c.encode_utf8(&mut buf).nfkc().map(fold_s2t).collect()
        };
        if mapped.as_slice() == [c] {
            // Most characters stay as they are (Traditional Han, punctuation, kana).
            let run_end = copied_until(input, end);
            out.push_copied(&input[off..run_end], off as u32);
            i = run_end;
            continue;
        }
        for n in mapped {
            if n.is_whitespace() {
                out.push(' ', off as u32, end as u32);
            } else {
                out.push(n, off as u32, end as u32);
            }
        }
    }
    out
}

/// Where the text that normalisation copies as it is, from byte `i` on, ends: ASCII that needs
/// none of its checks (white space, a hyphen), a single space between such bytes (it stays as it
/// is), Han characters that are their own NFKC form and fold to themselves, and CJK punctuation
/// that is its own NFKC form. Copied together,
/// they give the text and offsets that copying them one at a time gives.
fn copied_until(input: &str, mut i: usize) -> usize {
    let b = input.as_bytes();
    loop {
        // Eight bytes at a time through plain ASCII and single spaces: most of a Latin-script text.
        let (words, _) = b.get(i..).unwrap_or_default().as_chunks::<8>();
        for word in words {
            let stops = stops_in_word(u64::from_le_bytes(*word));
            if stops != 0 {
                i += (stops.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        // Then one byte at a time where the word test stopped (or the last few bytes), or Han
        // characters one after the other.
        match b.get(i) {
            Some(&x) if PLAIN_ASCII[x as usize] => i += 1,
            Some(b' ') if b.get(i + 1).is_some_and(|&n| PLAIN_ASCII[n as usize]) => i += 2,
            _ if starts_with_copied_cjk(b.get(i..).unwrap_or_default()) => {
                i += 3;
                while starts_with_copied_cjk(b.get(i..).unwrap_or_default()) {
                    i += 3;
                }
            }
            _ => return i,
        }
    }
}

/// True when `rest`, text from a character boundary on, starts with a Han character that
/// [`is_nfkc_stable_han`] accepts and [`fold_s2t`] leaves as it is, or with CJK punctuation that
/// [`is_nfkc_stable_cjk_punctuation`] accepts: all are three UTF-8 bytes with a lead byte from
/// 0xE3 to 0xE9, decoded here without the general decoder.
fn starts_with_copied_cjk(rest: &[u8]) -> bool {
    match *rest {
        [lead @ 0xE3..=0xE9, second, third, ..] => {
            let code = u32::from(lead & 0x0F) << 12
                | u32::from(second & 0x3F) << 6
                | u32::from(third & 0x3F);
            (is_nfkc_stable_han(code) && folds_to_itself(code))
                || is_nfkc_stable_cjk_punctuation(code)
        }
        _ => false,
    }
}

/// Every byte of a `u64`: multiplied by a byte value, that value in every byte.
const EACH_BYTE: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a `u64`.
const HIGH_BITS: u64 = EACH_BYTE * 0x80;

/// The high bit of the bytes of `word` (little-endian: the first byte is the lowest) where the
/// byte loop of [`copied_until`] stops, or may stop: the bytes before the first of them are plain
/// ASCII other than control characters, and spaces followed by such a byte. A space in the last
/// byte, and the rare control characters that are not white space, stop it too: the byte loop
/// decides those. Only the first of them is exact: the carries and borrows between bytes (cheaper
/// than masking them off) come from a byte that is one, and change only the bytes after it.
fn stops_in_word(word: u64) -> u64 {
    // From 0x21 to 0x7F: the byte plus 0x5F has its high bit set, the byte itself has not.
    let not_plain_range = !(word.wrapping_add(EACH_BYTE * 0x5F) & !word) & HIGH_BITS;
    let space = zero_bytes(word ^ (EACH_BYTE * u64::from(b' ')));
    let not_plain = not_plain_range | zero_bytes(word ^ (EACH_BYTE * u64::from(b'-')));
    // A space is copied when a plain byte follows: the next byte's bit moved down to it.
    let space_stops = space & ((not_plain >> 8) | (0x80 << 56));
    (not_plain & !space) | space_stops
}

/// The high bit of the bytes of `x` that are zero, up to the first one; after it, the borrow also
/// marks bytes that are one.
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(EACH_BYTE) & !x & HIGH_BITS
}

/// The ASCII bytes that normalisation copies as they are: neither white space nor a hyphen.
static PLAIN_ASCII: [bool; 256] = {
    let mut t = [false; 256];
    let mut x = 0;
    while x < 0x80 {
        t[x] = x != b'-' as usize && !(x as u8 as char).is_whitespace();
        x += 1;
    }
    t
};

/// CJK Unified Ideographs and Extension A: each is its own NFKC form (checked by a test).
fn is_nfkc_stable_han(code: u32) -> bool {
    matches!(code, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// The ASCII character that full-width `c` (U+FF01..U+FF5E) is the NFKC form of (checked by a test).
fn full_width_ascii(c: char) -> Option<char> {
    (c as u32)
        .checked_sub(0xFEE0)
        .filter(|a| (0x21..=0x7E).contains(a))
        .and_then(char::from_u32)
}

/// CJK punctuation and brackets (、。〃〄々〆〇〈〉《》「」『』【】): each is its own NFKC form, not white
/// space, and folds to itself (checked by a test).
fn is_nfkc_stable_cjk_punctuation(code: u32) -> bool {
    matches!(code, 0x3001..=0x3011)
}

/// Only spaces and tabs between byte `i` and a line break.
fn next_is_newline(b: &[u8], i: usize) -> bool {
    for &c in b.get(i..).unwrap_or(&[]) {
        match c {
            b'\n' | b'\r' => return true,
            b' ' | b'\t' => continue,
            _ => return false,
        }
    }
    false
}

/// Normalise a pattern string the same way as text (no offset map needed).
pub fn normalize_pattern(s: &str) -> String {
    normalize(s).text
}

/// Simplified -> Traditional folding for the characters that occur in vendor names, clause wording and
/// their usual context. Both patterns and text are folded, so a one-way table is enough; 臺 is folded
/// to 台 so that 在臺陸資 and 在台陸資 are one pattern.
fn fold_s2t(c: char) -> char {
    if (c as u32) < 0x3400 {
        return c;
    }
    if c == '臺' {
        return '台';
    }
    match S2T.binary_search_by_key(&c, |&(s, _)| s) {
        Ok(i) => S2T[i].1,
        Err(_) => c,
    }
}

/// The first and last characters of the Han ranges [`is_nfkc_stable_han`] accepts.
const HAN_FIRST: u32 = 0x3400;
const HAN_LAST: u32 = 0x9FFF;

/// One bit for each character from [`HAN_FIRST`] to [`HAN_LAST`]: set when [`fold_s2t`] changes it.
static FOLDED: [u64; HAN_WORDS] = folded_bits();
const HAN_WORDS: usize = ((HAN_LAST - HAN_FIRST) / 64 + 1) as usize;

const fn folded_bits() -> [u64; HAN_WORDS] {
    let mut bits = [0u64; HAN_WORDS];
    let (s, t) = (S2T_SIMP.as_bytes(), S2T_TRAD.as_bytes());
    let mut i = 0;
    while i <= S2T_LEN {
        // Every pair, then 臺 (folded to 台).
        let (from, to) = if i < S2T_LEN {
            (decode3(s, i * 3), decode3(t, i * 3))
        } else {
            ('臺', '台')
        };
        let k = (from as u32).wrapping_sub(HAN_FIRST) as usize;
        if from as u32 != to as u32 && k / 64 < HAN_WORDS {
            bits[k / 64] |= 1 << (k % 64);
        }
        i += 1;
    }
    bits
}

/// True when [`fold_s2t`] leaves the character `code`, one of the Han ranges
/// [`is_nfkc_stable_han`] accepts, as it is (a bit test instead of a search of the table).
fn folds_to_itself(code: u32) -> bool {
    let k = code.wrapping_sub(HAN_FIRST) as usize;
    FOLDED.get(k / 64).is_none_or(|w| w & (1 << (k % 64)) == 0)
}

/// (Simplified, Traditional) pairs, sorted by the Simplified character.
static S2T: &[(char, char)] = &s2t_table();

const fn s2t_table() -> [(char, char); S2T_LEN] {
    let s = S2T_SIMP.as_bytes();
    let t = S2T_TRAD.as_bytes();
    let mut out = [('\0', '\0'); S2T_LEN];
    // Both strings consist of 3-byte UTF-8 characters only (checked by a test).
    let mut i = 0;
    while i < S2T_LEN {
        out[i] = (decode3(s, i * 3), decode3(t, i * 3));
        i += 1;
    }
    // insertion sort by simplified char
    let mut a = 1;
    while a < S2T_LEN {
        let mut b = a;
        while b > 0 && (out[b - 1].0 as u32) > (out[b].0 as u32) {
            let tmp = out[b - 1];
            out[b - 1] = out[b];
            out[b] = tmp;
            b -= 1;
        }
        a += 1;
    }
    out
}

const fn decode3(b: &[u8], i: usize) -> char {
    let v =
        ((b[i] as u32 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F);
    match char::from_u32(v) {
        Some(c) => c,
        None => '\0',
    }
}

const S2T_SIMP: &str = "讲码频显终库闭缆纤纸张华为术资兴讯视数达团联腾云宝猫钉义问东乐萤机鸿统红导体欧亚银证学陆厂区产国许严换报废监摄录网络墙线电脑笔记务储设备软开发据应装购单价号组个颗项该须时与对这后关门间题实现进还经济过们会来说动员长场业条约规则签订货贸费额总计认检验测试质续维护饭汤饼几两车辆无载传输险范围标连处级层权钱卖买书写读听见觉识让调语话请谈论适选择远运营势专众优异杂简历劳万亿币际图谓际众顾问针称类细节点优惠协议属盖软选择";
const S2T_TRAD: &str = "講碼頻顯終庫閉纜纖紙張華為術資興訊視數達團聯騰雲寶貓釘義問東樂螢機鴻統紅導體歐亞銀證學陸廠區產國許嚴換報廢監攝錄網絡牆線電腦筆記務儲設備軟開發據應裝購單價號組個顆項該須時與對這後關門間題實現進還經濟過們會來說動員長場業條約規則簽訂貨貿費額總計認檢驗測試質續維護飯湯餅幾兩車輛無載傳輸險範圍標連處級層權錢賣買書寫讀聽見覺識讓調語話請談論適選擇遠運營勢專眾優異雜簡歷勞萬億幣際圖謂際眾顧問針稱類細節點優惠協議屬蓋軟選擇";
const S2T_LEN: usize = S2T_SIMP.len() / 3;

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-character normalisation that [`normalize`] speeds up (ASCII and Han copied a stretch at a
    /// time, offsets kept as pieces): the text and, for every normalised byte, its original range.
    fn reference(input: &str) -> (String, Vec<u32>, Vec<u32>) {
        let (mut text, mut starts, mut ends) = (String::new(), Vec::new(), Vec::new());
        let mut push = |text: &mut String, c: char, s: usize, e: usize| {
            text.push(c);
            for _ in 0..c.len_utf8() {
                starts.push(s as u32);
                ends.push(e as u32);
            }
        };
        let b = input.as_bytes();
        let mut pending_space: Option<(usize, usize)> = None;
        let mut i = 0;
        while let Some(c) = input[i..].chars().next() {
            let (off, end) = (i, i + c.len_utf8());
            if (c == '-' || c == '\u{2010}' || c == '\u{2011}') && next_is_newline(b, end) {
                let next = input[end..]
                    .char_indices()
                    .find(|(_, n)| !n.is_whitespace())
                    .map(|(k, n)| (end + k, n));
                if let Some((j, n)) = next {
                    let prev = text.chars().last();
                    if !(n.is_lowercase() && prev.is_some_and(|p| p.is_alphabetic())) {
                        push(&mut text, '-', off, end);
                    }
                    pending_space = None;
                    i = j;
                    continue;
                }
            }
            i = end;
            if c.is_whitespace()
                || matches!(
                    c,
                    '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{AD}'
                )
            {
                if c.is_whitespace() && !text.is_empty() && pending_space.is_none() {
                    pending_space = Some((off, end));
                }
                continue;
            }
            if let Some((so, se)) = pending_space.take() {
                let prev = text.chars().last();
                if !(prev.is_some_and(is_cjk) && is_cjk(c)) {
                    push(&mut text, ' ', so, se);
                }
            }
            let mut buf = [0u8; 4];
            for n in c.encode_utf8(&mut buf).nfkc() {
                let n = fold_s2t(n);
                push(&mut text, if n.is_whitespace() { ' ' } else { n }, off, end);
            }
        }
        (text, starts, ends)
    }

    /// The original range of every normalised byte, as [`NormText::original_range`] gives it.
    fn byte_ranges(n: &NormText) -> (Vec<u32>, Vec<u32>) {
        (0..n.text.len())
            .map(|k| {
                let (s, e) = n.original_range(k, k + 1);
                (s as u32, e as u32)
            })
            .unzip()
    }

    /// Random strings of fewer than `pieces` pieces from `alphabet` (xorshift, so every run tests the same strings).
    fn random_strings(alphabet: &[&str], seed: u64, count: usize, pieces: u64) -> Vec<String> {
        let mut x = seed;
        (0..count)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut y = x;
                (0..x % pieces)
                    .map(|_| {
                        y ^= y << 13;
                        y ^= y >> 7;
                        y ^= y << 17;
                        alphabet[(y % alphabet.len() as u64) as usize]
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn fast_paths_equal_the_per_character_normalisation() {
        let ascii = [
            "a", "B", "-", " ", "\n", "\r", "\t", "\x0b", "\x0c", "x", "D", "S", "2", ".", "  ",
            "- \n", "-\n", "Hik", "vision",
        ];
        let mixed = [
            "ab",
            "-",
            "Z",
            " ",
            "\n",
            "\t",
            "\r",
            "\u{2010}",
            "\u{2011}",
            "\u{200B}",
            "\u{AD}",
            "華",
            "為設備",
            "。",
            "、",
            "「",
            "\u{3012}",
            "为",
            "臺",
            "a 中",
            "台北 ",
            "ＨＵ",
            "’",
            "—",
            "é",
            "\u{3000}",
            "ﬁ",
            "１",
            ".",
            "\u{85}",
            "K\u{212A}",
        ];
        // Mostly plain ASCII and single spaces, long enough for several eight-byte words.
        let long = [
            "a", "B", "x", "D", "S", "2", ".", " ", " ", " ", "-", "\n", "  ", "Hik", "vision",
            "é", "華", "\t",
        ];
        for s in random_strings(&ascii, 0x2545_F491_4F6C_DD1D, 20_000, 16)
            .iter()
            .chain(&random_strings(&mixed, 0x1234_5678_9abc_def1, 20_000, 16))
            .chain(&random_strings(&long, 0x9E37_79B9_7F4A_7C15, 5_000, 64))
        {
            assert_same_as_reference(s);
        }
    }

    /// [`normalize`] gives the text and offsets of [`reference`].
    fn assert_same_as_reference(s: &str) {
        let n = normalize(s);
        let (text, starts, ends) = reference(s);
        let first = starts.first().map_or(0, |&s| s as usize);
        let last = ends.last().map_or(0, |&e| e as usize);
        assert_eq!(n.text, text, "{s:?}");
        assert_eq!(byte_ranges(&n), (starts, ends), "{s:?}");
        // Empty and out-of-range ranges.
        assert_eq!(n.original_range(0, 0), (first, first), "{s:?}");
        let len = n.text.len();
        assert_eq!(n.original_range(len, len + 3), (last, last), "{s:?}");
    }

    /// The eight-byte test of [`copied_until`]: every length around the word boundaries, with one
    /// byte or character that stops (or may stop) a copied stretch at every position.
    #[test]
    fn word_at_a_time_copying_equals_the_per_character_normalisation() {
        let odd = [
            " ",
            "  ",
            "-",
            "-\n",
            "\t",
            "\n",
            "\r",
            "\x01",
            "\x1f",
            "\x7f",
            "\u{a0}",
            "\u{85}",
            "é",
            "華",
            "为",
            "。",
            "\u{AD}",
            "\u{3000}",
            "Ｈ",
            " 華",
            "華 ",
            " -",
            "- ",
            "\u{2010}\n",
        ];
        for len in 0..=40 {
            let plain: String = "The Contractor, 40 DS2CD."
                .chars()
                .cycle()
                .take(len)
                .collect();
            let spaced: String = "ab cd ef g h ij kl mn op "
                .chars()
                .cycle()
                .take(len)
                .collect();
            for base in [&plain, &spaced] {
                assert_same_as_reference(base);
                for at in 0..=len {
                    for o in odd {
                        assert_same_as_reference(&format!("{}{o}{}", &base[..at], &base[at..]));
                        assert_same_as_reference(&format!("{}{o}", &base[..at]));
                    }
                }
            }
        }
        for s in [
            "\u{4E2D}\u{6587}\u{5408}\u{540C}".repeat(5),
            "華為 設備 华为".repeat(3),
        ] {
            assert_same_as_reference(&s);
        }
    }

    #[test]
    fn mixed_text_offsets_stay_on_character_boundaries() {
        let alphabet = [
            "a", "b", "-", "Z", " ", "\n", "\t", "\r", "\u{2010}", "\u{2011}", "\u{200B}",
            "\u{AD}", "華", "为", "臺", "。", "】", "Ｈ", "Ｕ", "’", "—", "é", "\u{3000}", "ﬁ",
            "１", ".",
        ];
        for s in random_strings(&alphabet, 0x1234_5678_9abc_def1, 20_000, 16) {
            let n = normalize(&s);
            let mut last = 0;
            for (k, _) in n.text.char_indices() {
                let (a, b) = n.original_range(k, k + 1);
                assert!(
                    a < b && s.is_char_boundary(a) && s.is_char_boundary(b),
                    "{s:?} {k}"
                );
                assert!(a >= last, "{s:?}: offsets go back at {k}");
                last = a;
            }
        }
    }

    #[test]
    fn han_fast_path_is_nfkc() {
        for u in (0x3400..=0x4DBFu32).chain(0x4E00..=0x9FFF) {
            let c = char::from_u32(u).unwrap();
            assert!(is_nfkc_stable_han(u));
            let mut buf = [0u8; 4];
            let n: String = c.encode_utf8(&mut buf).nfkc().collect();
            assert_eq!(n, c.to_string(), "U+{u:04X}");
        }
    }

    #[test]
    fn full_width_fast_path_is_nfkc() {
        for u in 0xFF00..=0xFF60u32 {
            let c = char::from_u32(u).unwrap();
            let mut buf = [0u8; 4];
            let n: String = c.encode_utf8(&mut buf).nfkc().collect();
            match full_width_ascii(c) {
                Some(a) => assert_eq!(n, a.to_string(), "U+{u:04X}"),
                None => assert!(u == 0xFF00 || u > 0xFF5E, "U+{u:04X}"),
            }
        }
        assert_eq!(full_width_ascii('A'), None);
        assert_eq!(full_width_ascii('\u{FEE0}'), None);
    }

    #[test]
    fn cjk_punctuation_fast_path_is_nfkc() {
        for u in 0x3001..=0x3011u32 {
            let c = char::from_u32(u).unwrap();
            assert!(is_nfkc_stable_cjk_punctuation(u) && !c.is_whitespace());
            assert_eq!(fold_s2t(c), c, "U+{u:04X}");
            let mut buf = [0u8; 4];
            let n: String = c.encode_utf8(&mut buf).nfkc().collect();
            assert_eq!(n, c.to_string(), "U+{u:04X}");
        }
        assert!(!is_nfkc_stable_cjk_punctuation(0x3000) && !is_nfkc_stable_cjk_punctuation(0x3012));
    }

    #[test]
    fn fold_bits_agree_with_the_table() {
        for u in (0x3400..=0x4DBFu32).chain(0x4E00..=0x9FFF) {
            let c = char::from_u32(u).unwrap();
            assert_eq!(folds_to_itself(u), fold_s2t(c) == c, "U+{u:04X}");
        }
        assert!(!folds_to_itself('为' as u32) && !folds_to_itself('臺' as u32));
        assert!(folds_to_itself('台' as u32));
    }

    #[test]
    fn table_is_consistent() {
        assert_eq!(S2T_SIMP.len(), S2T_TRAD.len());
        assert_eq!(S2T_SIMP.chars().count() * 3, S2T_SIMP.len());
        assert_eq!(S2T_TRAD.chars().count() * 3, S2T_TRAD.len());
        assert_eq!(fold_s2t('华'), '華');
        assert_eq!(fold_s2t('为'), '為');
        assert_eq!(fold_s2t('东'), '東');
        assert_eq!(fold_s2t('臺'), '台');
        assert_eq!(fold_s2t('a'), 'a');
    }

    #[test]
    fn fullwidth_and_simplified() {
        assert_eq!(normalize("ＨＵＡＷＥＩ 交換器").text, "HUAWEI 交換器");
        assert_eq!(normalize("华为设备").text, "華為設備");
    }

    #[test]
    fn wrapped_lines_are_joined() {
        assert_eq!(normalize("Hik-\nvision cameras").text, "Hikvision cameras");
        assert_eq!(normalize("DS-\n2CD2143G2-I").text, "DS-2CD2143G2-I");
        assert_eq!(normalize("海康\n威視").text, "海康威視");
        assert_eq!(normalize("shall  not\n supply").text, "shall not supply");
        assert_eq!(normalize("well-\nknown").text, "wellknown");
    }

    #[test]
    fn offsets_map_back() {
        let src = "Brand: ＨＵＡＷＥＩ\nqty";
        let n = normalize(src);
        let start = n.text.find("HUAWEI").unwrap();
        let (s, e) = n.original_range(start, start + 6);
        assert_eq!(&src[s..e], "ＨＵＡＷＥＩ");
        let src = "Hik-\nvision";
        let n = normalize(src);
        let (s, e) = n.original_range(0, n.text.len());
        assert_eq!(&src[s..e], "Hik-\nvision");
    }

    #[test]
    fn ligatures_and_soft_hyphens() {
        assert_eq!(
            normalize("ﬁrewall soft\u{AD}ware").text,
            "firewall software"
        );
    }
}
