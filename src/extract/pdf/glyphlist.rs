//! Glyph names to Unicode: the Adobe Glyph List, `uniXXXX`, `uXXXX[XX]`, ligature and suffix forms.

use super::tables::GLYPHS;

fn agl(name: &str) -> Option<char> {
    let i = GLYPHS.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
    let (_, code) = GLYPHS.get(i)?;
    char::from_u32(*code as u32)
}

fn hex_char(h: &str) -> Option<char> {
    let v = u32::from_str_radix(h, 16).ok()?;
    if (0xD800..0xE000).contains(&v) {
        return None;
    }
    char::from_u32(v)
}

/// Unicode text for a glyph name, or `None` when the name carries no meaning (`g12`, `cid123`, `.notdef`).
pub fn name_to_unicode(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    let base = name.split('.').next().unwrap_or("");
    if base.is_empty() {
        return None;
    }
    if base.contains('_') {
        let parts: Option<String> = base
            .split('_')
            .map(|p| one_component(p).map(|s| s.to_string()))
            .collect();
        return parts.filter(|s| !s.is_empty());
    }
    one_component(base)
}

fn one_component(name: &str) -> Option<String> {
    if let Some(c) = agl(name) {
        return Some(c.to_string());
    }
    if let Some(h) = name.strip_prefix("uni") {
        if h.len() >= 4 && h.len() % 4 == 0 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut s = String::new();
            for i in (0..h.len()).step_by(4) {
                s.push(hex_char(h.get(i..i + 4)?)?);
            }
            return Some(s);
        }
    }
    if let Some(h) = name.strip_prefix('u') {
        if (4..=6).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return hex_char(h).map(|c| c.to_string());
        }
    }
    // Some producers write lower-case or odd-case AGL names ("Space", "Hyphen").
    let lower = name.to_ascii_lowercase();
    if lower != name {
        if let Some(c) = agl(&lower) {
            if c.is_ascii_punctuation() || c == ' ' {
                return Some(c.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name_to_unicode(b"A").as_deref(), Some("A"));
        assert_eq!(name_to_unicode(b"quoteright").as_deref(), Some("\u{2019}"));
        assert_eq!(name_to_unicode(b"uni2018").as_deref(), Some("\u{2018}"));
        assert_eq!(name_to_unicode(b"uni00660069").as_deref(), Some("fi"));
        assert_eq!(name_to_unicode(b"u1F600").as_deref(), Some("\u{1F600}"));
        assert_eq!(name_to_unicode(b"fi").as_deref(), Some("\u{FB01}"));
        assert_eq!(name_to_unicode(b"f_f_i").as_deref(), Some("ffi"));
        assert_eq!(name_to_unicode(b"a.sc").as_deref(), Some("a"));
        assert_eq!(name_to_unicode(b"g12"), None);
        assert_eq!(name_to_unicode(b"cid123"), None);
        assert_eq!(name_to_unicode(b".notdef"), None);
    }
}
