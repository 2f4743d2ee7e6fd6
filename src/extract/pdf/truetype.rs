//! Just enough of TrueType to give text to glyphs: the `cmap` table of an embedded font, read
//! backwards (glyph id -> Unicode) for CID fonts without a ToUnicode map, and forwards (code ->
//! glyph id) for symbolic simple fonts. Every read is bounds-checked: the font is document data.

use std::collections::HashMap;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        *d.get(at + 3)?,
    ]))
}

/// The `cmap` subtables of a TrueType font, by (platform, encoding).
pub struct Cmaps<'a> {
    cmap: &'a [u8],
    tables: Vec<(u16, u16, usize)>,
}

/// Most mappings read from one subtable (a hostile font can claim millions).
const MAX_ENTRIES: usize = 200_000;

impl<'a> Cmaps<'a> {
    pub fn parse(font: &'a [u8]) -> Option<Cmaps<'a>> {
        let num_tables = u16_at(font, 4)? as usize;
        let mut cmap = None;
        for i in 0..num_tables.min(256) {
            let rec = 12 + 16 * i;
            if font.get(rec..rec + 4)? == b"cmap" {
                let off = u32_at(font, rec + 8)? as usize;
                let len = u32_at(font, rec + 12)? as usize;
                let end = off.checked_add(len)?.min(font.len());
                cmap = font.get(off..end);
                break;
            }
        }
        let cmap = cmap?;
        let n = u16_at(cmap, 2)? as usize;
        let mut tables = Vec::new();
        for i in 0..n.min(64) {
            let rec = 4 + 8 * i;
            let (Some(p), Some(e), Some(off)) = (
                u16_at(cmap, rec),
                u16_at(cmap, rec + 2),
                u32_at(cmap, rec + 4),
            ) else {
                break;
            };
            tables.push((p, e, off as usize));
        }
        Some(Cmaps { cmap, tables })
    }

    pub fn has(&self, platform: u16, encoding: u16) -> bool {
        self.tables
            .iter()
            .any(|t| t.0 == platform && t.1 == encoding)
    }

    /// Every (code, glyph id) pair of a subtable (formats 0, 4, 6 and 12).
    pub fn pairs(&self, platform: u16, encoding: u16) -> Vec<(u32, u16)> {
        let mut out = Vec::new();
        let Some(&(_, _, off)) = self
            .tables
            .iter()
            .find(|t| t.0 == platform && t.1 == encoding)
        else {
            return out;
        };
        let Some(t) = self.cmap.get(off..) else {
            return out;
        };
        let _ = read_subtable(t, &mut out);
        out
    }
}

fn read_subtable(t: &[u8], out: &mut Vec<(u32, u16)>) -> Option<()> {
    match u16_at(t, 0)? {
        0 => {
            for c in 0..256usize {
                let g = *t.get(6 + c)? as u16;
                if g != 0 {
                    out.push((c as u32, g));
                }
            }
        }
        4 => {
            let seg2 = u16_at(t, 6)? as usize;
            let ends = 14;
            let starts = ends + seg2 + 2;
            let deltas = starts + seg2;
            let ranges = deltas + seg2;
            for s in 0..seg2 / 2 {
                let end = u16_at(t, ends + 2 * s)? as u32;
                let start = u16_at(t, starts + 2 * s)? as u32;
                let delta = u16_at(t, deltas + 2 * s)?;
                let ro = u16_at(t, ranges + 2 * s)? as usize;
                if start > end {
                    continue;
                }
                for c in start..=end.min(0xFFFE) {
                    if out.len() >= MAX_ENTRIES {
                        return Some(());
                    }
                    let g = if ro == 0 {
                        (c as u16).wrapping_add(delta)
                    } else {
                        let at = ranges + 2 * s + ro + 2 * (c - start) as usize;
                        match u16_at(t, at) {
                            Some(0) | None => 0,
                            Some(g) => g.wrapping_add(delta),
                        }
                    };
                    if g != 0 {
                        out.push((c, g));
                    }
                }
            }
        }
        6 => {
            let first = u16_at(t, 6)? as u32;
            let count = u16_at(t, 8)? as usize;
            for i in 0..count {
                let g = u16_at(t, 10 + 2 * i)?;
                if g != 0 {
                    out.push((first + i as u32, g));
                }
            }
        }
        12 => {
            let groups = u32_at(t, 12)? as usize;
            for i in 0..groups.min(MAX_ENTRIES) {
                let rec = 16 + 12 * i;
                let (start, end, g0) = (u32_at(t, rec)?, u32_at(t, rec + 4)?, u32_at(t, rec + 8)?);
                if start > end || end > 0x10FFFF {
                    continue;
                }
                for (k, c) in (start..=end).enumerate() {
                    if out.len() >= MAX_ENTRIES {
                        return Some(());
                    }
                    let g = g0.saturating_add(k as u32);
                    if g != 0 && g <= u16::MAX as u32 {
                        out.push((c, g as u16));
                    }
                }
            }
        }
        _ => {}
    }
    Some(())
}

/// Glyph id -> Unicode from the font's Unicode subtable ((3,10), (3,1) or (0,*)): the first
/// (lowest) code point that maps to each glyph.
pub fn glyph_to_unicode(font: &[u8]) -> Option<HashMap<u16, char>> {
    let c = Cmaps::parse(font)?;
    let mut pairs = Vec::new();
    for (p, e) in [(3, 10), (3, 1), (0, 4), (0, 3), (0, 1), (0, 0)] {
        if c.has(p, e) {
            pairs = c.pairs(p, e);
            if !pairs.is_empty() {
                break;
            }
        }
    }
    let mut m = HashMap::new();
    for (code, g) in pairs {
        if let Some(ch) = char::from_u32(code) {
            m.entry(g).or_insert(ch);
        }
    }
    (!m.is_empty()).then_some(m)
}

/// Code (0-255) -> glyph id of a simple TrueType font from its (3,0) symbol subtable (codes at
/// 0xF000 + code, or the bare code) or else its (1,0) Macintosh subtable.
pub fn code_to_glyph(font: &[u8]) -> Option<HashMap<u8, u16>> {
    let c = Cmaps::parse(font)?;
    let mut m = HashMap::new();
    if c.has(3, 0) {
        for (code, g) in c.pairs(3, 0) {
            let low = if (0xF000..=0xF0FF).contains(&code) {
                code - 0xF000
            } else {
                code
            };
            if low < 256 {
                m.entry(low as u8).or_insert(g);
            }
        }
    } else if c.has(1, 0) {
        for (code, g) in c.pairs(1, 0) {
            if code < 256 {
                m.insert(code as u8, g);
            }
        }
    }
    (!m.is_empty()).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A font with one table, `cmap`, holding a (3,1) format-4 subtable: 'A'..'C' -> 5..7.
    fn font() -> Vec<u8> {
        let mut sub = Vec::new();
        let seg = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_be_bytes());
        seg(&mut sub, 4);
        seg(&mut sub, 0); // length (unused)
        seg(&mut sub, 0);
        seg(&mut sub, 4); // segCountX2: two segments
        for x in [0, 0, 0] {
            seg(&mut sub, x);
        }
        for x in [0x43, 0xFFFF, 0, 0x41, 0xFFFF] {
            seg(&mut sub, x); // ends, pad, starts
        }
        for x in [5u16.wrapping_sub(0x41), 1, 0, 0] {
            seg(&mut sub, x); // deltas, range offsets
        }
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
        cmap.extend_from_slice(&sub);
        let mut f = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        f.extend_from_slice(b"cmap");
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&28u32.to_be_bytes());
        f.extend_from_slice(&(cmap.len() as u32).to_be_bytes());
        f.extend_from_slice(&cmap);
        f
    }

    #[test]
    fn format4_reversed() {
        let m = glyph_to_unicode(&font()).expect("cmap");
        assert_eq!(m.get(&5), Some(&'A'));
        assert_eq!(m.get(&7), Some(&'C'));
        assert_eq!(m.get(&8), None);
    }

    #[test]
    fn truncated_fonts_give_nothing() {
        let f = font();
        for n in 0..f.len() {
            let _ = glyph_to_unicode(&f[..n]);
            let _ = code_to_glyph(&f[..n]);
        }
    }
}
