//! Fonts: character codes to Unicode and glyph widths.

use super::cmap::{predefined, CMap, Predefined};
use super::glyph::TextFacts;
use super::glyphlist::name_to_unicode;
use super::tables;
use super::{dget, glyph_char, num, Budget, GlyphText};
use lopdf::{Dictionary, Document as PdfDoc, Object};
use std::collections::HashMap;

/// One decoded character code.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: GlyphText,
    /// What layout asks of `text`.
    pub facts: TextFacts,
    /// Advance in text space units per unit font size (horizontal) — already scaled.
    pub width: f32,
    /// A single-byte code 32 (word spacing applies).
    pub is_space_code: bool,
}

impl Decoded {
    fn new(text: GlyphText, width: f32, is_space_code: bool) -> Decoded {
        Decoded {
            facts: TextFacts::of(&text),
            text,
            width,
            is_space_code,
        }
    }
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Kind {
    Simple {
        uni: Vec<Option<GlyphText>>,
        widths: Vec<f32>,
        /// Every code decoded once, when the font is loaded (text and width depend on nothing
        /// else), so that showing text is a table lookup per byte.
        table: Vec<Decoded>,
    },
    Cid {
        enc: CidEnc,
        widths: CidWidths,
        /// CID -> Unicode through the Adobe collection, for codes nothing else maps.
        collection: Collection,
        /// The ToUnicode entry is the name Identity-H: codes are Unicode.
        identity_to_unicode: bool,
        /// CIDFontType2 without ToUnicode: glyph id -> Unicode from the embedded font's `cmap`,
        /// and the CID -> glyph id map (`None`: identity).
        embedded: Option<EmbeddedCmap>,
    },
}

#[derive(Debug)]
struct EmbeddedCmap {
    gid_uni: HashMap<u16, char>,
    cid_to_gid: Option<Vec<u16>>,
}

impl EmbeddedCmap {
    fn lookup(&self, cid: u32) -> Option<GlyphText> {
        let gid = match &self.cid_to_gid {
            None => u16::try_from(cid).ok()?,
            Some(m) => *m.get(cid as usize)?,
        };
        self.gid_uni.get(&gid).map(|&c| glyph_char(c))
    }
}

/// The embedded TrueType program of a font descriptor (/FontFile2).
fn font_file2(doc: &PdfDoc, font: &Dictionary, budget: &mut Budget) -> Option<Vec<u8>> {
    let fd = dget(doc, font, b"FontDescriptor")?.as_dict().ok()?;
    let s = dget(doc, fd, b"FontFile2")?.as_stream().ok()?;
    budget.stream_bytes(s)
}

#[derive(Debug)]
enum CidEnc {
    Predef(Predefined),
    Embedded(CMap, Option<Predefined>),
    /// A predefined CMap we only know through hayro-cmap's embedded tables.
    Hayro(Box<hayro_cmap::CMap>),
}

fn hayro_load(name: &[u8]) -> Option<hayro_cmap::CMap> {
    let data = hayro_cmap::load_embedded(hayro_cmap::CMapName::from_bytes(name))?;
    hayro_cmap::CMap::parse(data, hayro_cmap::load_embedded)
}

/// The Adobe character collection of a CID font, looked up (and so parsed, once per process) only
/// when a code needs it: parsing one costs ~3 ms, and most fonts map every code without it.
#[derive(Debug)]
struct Collection {
    /// From the font's /CIDSystemInfo.
    declared: Option<hayro_cmap::CidFamily>,
    /// From its /BaseFont name, when the declared one has no map.
    guessed: Option<hayro_cmap::CidFamily>,
}

impl Collection {
    fn get(&self) -> Option<&'static hayro_cmap::CMap> {
        self.declared
            .as_ref()
            .and_then(collection_ucs2)
            .or_else(|| self.guessed.as_ref().and_then(collection_ucs2))
    }
}

/// CID -> Unicode maps of the Adobe character collections, parsed once per process.
fn collection_ucs2(family: &hayro_cmap::CidFamily) -> Option<&'static hayro_cmap::CMap> {
    use hayro_cmap::CidFamily as F;
    use std::sync::OnceLock;
    static JAPAN: OnceLock<Option<hayro_cmap::CMap>> = OnceLock::new();
    static GB: OnceLock<Option<hayro_cmap::CMap>> = OnceLock::new();
    static CNS: OnceLock<Option<hayro_cmap::CMap>> = OnceLock::new();
    static KOREA: OnceLock<Option<hayro_cmap::CMap>> = OnceLock::new();
    let cell = match family {
        F::AdobeJapan1 => &JAPAN,
        F::AdobeGB1 => &GB,
        F::AdobeCNS1 => &CNS,
        F::AdobeKorea1 => &KOREA,
        _ => return None,
    };
    cell.get_or_init(|| {
        let name = family.ucs2_cmap()?;
        hayro_load(name.to_bytes())
    })
    .as_ref()
}

fn hayro_next(m: &hayro_cmap::CMap, bytes: &[u8], pos: usize) -> (u32, usize, Option<u32>) {
    let rest = bytes.get(pos..).unwrap_or(&[]);
    for n in 1..=rest.len().min(4) {
        let code = super::cmap::be(&rest[..n]);
        if let Some(cid) = m.lookup_cid_code(code, n as u8) {
            return (code, n, Some(cid));
        }
    }
    let n = rest.len().min(2);
    (super::cmap::be(&rest[..n]), n, None)
}

#[derive(Debug, Default)]
struct CidWidths {
    dw: f32,
    single: super::cmap::CodeMap<f32>,
    ranges: Vec<(u32, u32, f32)>,
}

impl CidWidths {
    fn get(&self, cid: u32) -> f32 {
        if let Some(w) = self.single.get(&cid) {
            return *w;
        }
        for &(lo, hi, w) in &self.ranges {
            if cid >= lo && cid <= hi {
                return w;
            }
        }
        self.dw
    }
}

#[derive(Debug)]
pub struct Font {
    kind: Kind,
    to_unicode: Option<CMap>,
    pub vertical: bool,
    /// Glyph space to text space (0.001, or the Type3 FontMatrix scale).
    scale: f32,
}

fn is_bad_text(s: &str) -> bool {
    s.is_empty()
        || s.chars().all(|c| {
            (c as u32) < 0x20
                || (0xE000..=0xF8FF).contains(&(c as u32))
                || c == '\u{fffd}'
                || (0x7F..0xA0).contains(&(c as u32))
        })
}

/// Drop control characters and spell out Latin ligatures (as pdftotext does).
fn clean(s: GlyphText) -> GlyphText {
    if let [b] = s.as_bytes() {
        // One ASCII byte: printable or dropped.
        return if *b < 0x20 || *b == 0x7f {
            GlyphText::default()
        } else {
            s
        };
    }
    if !s
        .chars()
        .any(|c| (c as u32) < 0x20 || c == '\u{7f}' || ('\u{FB00}'..='\u{FB06}').contains(&c))
    {
        return s;
    }
    let mut out = GlyphText::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {}
            c => out.push(c),
        }
    }
    out
}

fn std_widths(base: &str) -> Option<&'static [u16; 256]> {
    let b = base.to_ascii_lowercase();
    let bold = b.contains("bold") || b.contains("black") || b.contains("heavy");
    let italic = b.contains("italic") || b.contains("oblique");
    if b.contains("courier") || b.contains("mono") {
        return None; // handled as fixed 600
    }
    if b.contains("times") || b.contains("serif") && !b.contains("sans") || b.contains("roman") {
        return Some(match (bold, italic) {
            (true, true) => &tables::W_TIMESBOLDITALIC,
            (true, false) => &tables::W_TIMESBOLD,
            (false, true) => &tables::W_TIMESITALIC,
            (false, false) => &tables::W_TIMESROMAN,
        });
    }
    Some(if bold {
        &tables::W_HELVETICABOLD
    } else {
        &tables::W_HELVETICA
    })
}

fn base_encoding(name: &[u8]) -> Option<&'static [u16; 256]> {
    Some(match name {
        b"WinAnsiEncoding" => &tables::WIN_ANSI_ENCODING,
        b"MacRomanEncoding" => &tables::MAC_ROMAN_ENCODING,
        b"StandardEncoding" => &tables::STANDARD_ENCODING,
        b"MacExpertEncoding" => &tables::MAC_EXPERT_ENCODING,
        b"PDFDocEncoding" => &tables::PDF_DOC_ENCODING,
        _ => return None,
    })
}

fn strip_subset(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name).into_owned();
    match s.split_once('+') {
        Some((pre, rest)) if pre.len() == 6 => rest.to_string(),
        _ => s,
    }
}

impl Font {
    /// A fallback font used when a Tf names nothing usable.
    pub fn fallback() -> Font {
        let uni = (0..256u32)
            .map(|c| char::from_u32(tables::WIN_ANSI_ENCODING[c as usize] as u32))
            .map(|c| c.filter(|&c| c != '\0').map(glyph_char))
            .collect();
        let widths = (0..256).map(|c| tables::W_HELVETICA[c] as f32).collect();
        Font {
            kind: Kind::Simple {
                uni,
                widths,
                table: Vec::new(),
            },
            to_unicode: None,
            vertical: false,
            scale: 0.001,
        }
        .with_simple_table()
    }

    pub fn load(doc: &PdfDoc, dict: &Dictionary, budget: &mut Budget) -> Font {
        let subtype = dget(doc, dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"Type1");
        let to_unicode = dget(doc, dict, b"ToUnicode")
            .and_then(|o| o.as_stream().ok())
            .and_then(|s| budget.stream_bytes(s))
            .map(|b| CMap::parse(&b))
            .filter(|m| m.has_unicode());
        if subtype == b"Type0" {
            return Self::load_type0(doc, dict, to_unicode, budget);
        }
        let base = dget(doc, dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .map(strip_subset)
            .unwrap_or_default();
        let mut scale = 0.001;
        if subtype == b"Type3" {
            if let Some(Object::Array(fm)) = dget(doc, dict, b"FontMatrix") {
                if let Some(a) = fm.first().and_then(|o| num(doc, o)) {
                    if a.abs() > 1e-6 && a.abs() < 10.0 {
                        scale = a.abs();
                    }
                }
            }
        }
        // Encoding.
        let symbolic_flag = dget(doc, dict, b"FontDescriptor")
            .and_then(|o| o.as_dict().ok())
            .and_then(|fd| dget(doc, fd, b"Flags"))
            .and_then(|f| num(doc, f))
            .map(|f| (f as i64) & 4 != 0)
            .unwrap_or(false);
        let lower = base.to_ascii_lowercase();
        let mut table: &[u16; 256] = if lower.contains("symbol") {
            &tables::SYMBOL_ENCODING
        } else if subtype == b"TrueType" || symbolic_flag {
            &tables::WIN_ANSI_ENCODING
        } else {
            &tables::STANDARD_ENCODING
        };
        let enc = dget(doc, dict, b"Encoding");
        let mut diffs: Vec<(usize, Option<String>)> = Vec::new();
        match enc {
            Some(Object::Name(n)) => {
                if let Some(t) = base_encoding(n) {
                    table = t;
                }
            }
            Some(Object::Dictionary(ed)) => {
                if let Some(t) = dget(doc, ed, b"BaseEncoding")
                    .and_then(|o| o.as_name().ok())
                    .and_then(base_encoding)
                {
                    table = t;
                }
                if let Some(Object::Array(d)) = dget(doc, ed, b"Differences") {
                    let mut code: usize = 0;
                    for item in d.iter().take(4096) {
                        match item {
                            Object::Integer(i) => code = (*i).clamp(0, 1 << 20) as usize,
                            Object::Real(r) => code = r.clamp(0.0, 1e6) as usize,
                            Object::Name(n) => {
                                if code < 256 {
                                    diffs.push((code, name_to_unicode(n)));
                                }
                                code += 1;
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
        let mut uni: Vec<Option<GlyphText>> = table
            .iter()
            .map(|&u| {
                if u == 0 {
                    None
                } else {
                    char::from_u32(u as u32).map(glyph_char)
                }
            })
            .collect();
        if subtype == b"TrueType" && enc.is_none() && to_unicode.is_none() {
            // A symbolic TrueType font without /Encoding: codes select glyphs through the
            // font's own (3,0) or (1,0) subtable; its Unicode subtable names those glyphs.
            if let Some(prog) = font_file2(doc, dict, budget) {
                if let (Some(c2g), Some(g2u)) = (
                    super::truetype::code_to_glyph(&prog),
                    super::truetype::glyph_to_unicode(&prog),
                ) {
                    for (code, g) in c2g {
                        if let (Some(slot), Some(ch)) = (uni.get_mut(code as usize), g2u.get(&g)) {
                            *slot = Some(glyph_char(*ch));
                        }
                    }
                }
            }
        }
        if lower.contains("dingbats") && diffs.is_empty() {
            // No Unicode meaning we could give (pdftotext prints dingbat symbols).
            uni.iter_mut().for_each(|u| *u = None);
        }
        for (code, s) in diffs {
            if let Some(slot) = uni.get_mut(code) {
                *slot = s.map(GlyphText::from);
            }
        }
        // Widths.
        let std = std_widths(&base);
        let fixed = lower.contains("courier");
        let missing = dget(doc, dict, b"FontDescriptor")
            .and_then(|o| o.as_dict().ok())
            .and_then(|fd| dget(doc, fd, b"MissingWidth"))
            .and_then(|o| num(doc, o))
            .filter(|w| *w > 0.0);
        let mut widths: Vec<f32> = (0..256)
            .map(|c| {
                if fixed {
                    return 600.0;
                }
                let ch = uni[c]
                    .as_deref()
                    .and_then(|s| s.chars().next())
                    .map(|c| c as u32)
                    .unwrap_or(c as u32);
                match std {
                    Some(t) if ch < 256 && t[ch as usize] > 0 => t[ch as usize] as f32,
                    _ => missing.unwrap_or(if subtype == b"Type3" { 0.0 } else { 500.0 }),
                }
            })
            .collect();
        if let Some(Object::Array(w)) = dget(doc, dict, b"Widths") {
            let first = dget(doc, dict, b"FirstChar")
                .and_then(|o| num(doc, o))
                .unwrap_or(0.0)
                .max(0.0) as usize;
            for (i, o) in w.iter().enumerate() {
                if let (Some(slot), Some(v)) =
                    (widths.get_mut(first.saturating_add(i)), num(doc, o))
                {
                    *slot = v;
                }
            }
        }
        Font {
            kind: Kind::Simple {
                uni,
                widths,
                table: Vec::new(),
            },
            to_unicode,
            vertical: false,
            scale,
        }
        .with_simple_table()
    }

    fn load_type0(
        doc: &PdfDoc,
        dict: &Dictionary,
        to_unicode: Option<CMap>,
        budget: &mut Budget,
    ) -> Font {
        let mut vertical = false;
        let enc = match dget(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => match predefined(n) {
                Some((p, v)) => {
                    vertical = v;
                    CidEnc::Predef(p)
                }
                None => match hayro_load(n) {
                    Some(m) => {
                        vertical =
                            m.metadata().writing_mode == Some(hayro_cmap::WritingMode::Vertical);
                        CidEnc::Hayro(Box::new(m))
                    }
                    None => CidEnc::Predef(Predefined::Identity),
                },
            },
            Some(Object::Stream(s)) => {
                let m = budget
                    .stream_bytes(s)
                    .map(|b| CMap::parse(&b))
                    .unwrap_or_default();
                let use_name = m
                    .usecmap
                    .clone()
                    .or_else(|| {
                        dget(doc, &s.dict, b"UseCMap")
                            .and_then(|o| o.as_name().ok())
                            .map(|n| n.to_vec())
                    })
                    .and_then(|n| predefined(&n));
                vertical = m.vertical || use_name.is_some_and(|(_, v)| v);
                if m.codespace.is_empty() && !m.has_cids() {
                    CidEnc::Predef(use_name.map(|(p, _)| p).unwrap_or(Predefined::Identity))
                } else {
                    CidEnc::Embedded(m, use_name.map(|(p, _)| p))
                }
            }
            _ => CidEnc::Predef(Predefined::Identity),
        };
        let desc = match dget(doc, dict, b"DescendantFonts") {
            Some(Object::Array(a)) => a.first().and_then(|o| super::deref(doc, o).as_dict().ok()),
            Some(Object::Dictionary(d)) => Some(d),
            _ => None,
        };
        let mut widths = CidWidths {
            dw: 1000.0,
            ..Default::default()
        };
        if let Some(d) = desc {
            if let Some(dw) = dget(doc, d, b"DW").and_then(|o| num(doc, o)) {
                widths.dw = dw;
            }
            if let Some(Object::Array(w)) = dget(doc, d, b"W") {
                let mut i = 0;
                while i < w.len() && widths.single.len() < 200_000 {
                    let Some(c0) = w.get(i).and_then(|o| num(doc, o)) else {
                        i += 1;
                        continue;
                    };
                    let c0 = c0.max(0.0) as u32;
                    match w.get(i + 1).map(|o| super::deref(doc, o)) {
                        Some(Object::Array(list)) => {
                            for (k, o) in list.iter().enumerate() {
                                if let Some(v) = num(doc, o) {
                                    widths.single.insert(c0.saturating_add(k as u32), v);
                                }
                            }
                            i += 2;
                        }
                        Some(o) => {
                            let c1 = num(doc, o).unwrap_or(0.0).max(0.0) as u32;
                            let v = w.get(i + 2).and_then(|o| num(doc, o)).unwrap_or(widths.dw);
                            if widths.ranges.len() < 100_000 {
                                widths.ranges.push((c0, c1, v));
                            }
                            i += 3;
                        }
                        None => break,
                    }
                }
            }
        }
        let family = desc
            .and_then(|d| dget(doc, d, b"CIDSystemInfo"))
            .and_then(|o| o.as_dict().ok())
            .map(|csi| {
                let reg = dget(doc, csi, b"Registry")
                    .and_then(|o| o.as_str().ok())
                    .unwrap_or(b"");
                let ord = dget(doc, csi, b"Ordering")
                    .and_then(|o| o.as_str().ok())
                    .unwrap_or(b"");
                hayro_cmap::CidFamily::from_registry_ordering(reg, ord)
            });
        let base = dget(doc, dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .map(strip_subset)
            .unwrap_or_default();
        let collection = Collection {
            declared: family,
            // Guessed from well-known non-embedded CJK font names.
            guessed: if base.contains("Ryumin")
                || base.contains("Gothic")
                || base.contains("Mincho")
            {
                Some(hayro_cmap::CidFamily::AdobeJapan1)
            } else if base.contains("STSong") || base.contains("SimSun") || base.contains("SimHei")
            {
                Some(hayro_cmap::CidFamily::AdobeGB1)
            } else if base.contains("MingLiU") || base.contains("MSung") || base.contains("MHei") {
                Some(hayro_cmap::CidFamily::AdobeCNS1)
            } else {
                None
            },
        };
        let identity_to_unicode = matches!(
            dget(doc, dict, b"ToUnicode"),
            Some(Object::Name(n)) if n.starts_with(b"Identity")
        );
        let is_type2 = desc
            .and_then(|d| dget(doc, d, b"Subtype"))
            .and_then(|o| o.as_name().ok())
            .is_some_and(|n| n == b"CIDFontType2");
        let embedded = match desc {
            Some(d) if is_type2 && to_unicode.is_none() && !identity_to_unicode => {
                font_file2(doc, d, budget)
                    .and_then(|prog| super::truetype::glyph_to_unicode(&prog))
                    .map(|gid_uni| EmbeddedCmap {
                        gid_uni,
                        cid_to_gid: match dget(doc, d, b"CIDToGIDMap") {
                            Some(Object::Stream(s)) => budget.stream_bytes(s).map(|b| {
                                b.chunks_exact(2)
                                    .take(1 << 20)
                                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                                    .collect()
                            }),
                            _ => None,
                        },
                    })
            }
            _ => None,
        };
        Font {
            kind: Kind::Cid {
                enc,
                widths,
                collection,
                identity_to_unicode,
                embedded,
            },
            to_unicode,
            vertical,
            scale: 0.001,
        }
    }

    /// Fill a simple font's table of decoded codes.
    fn with_simple_table(mut self) -> Font {
        if let Kind::Simple { uni, widths, .. } = &self.kind {
            let table = (0..=255u8)
                .map(|b| self.decode_simple(uni, widths, b))
                .collect();
            if let Kind::Simple { table: t, .. } = &mut self.kind {
                *t = table;
            }
        }
        self
    }

    /// One code of a simple font: ToUnicode unless it gives nothing usable, else the encoding.
    fn decode_simple(&self, uni: &[Option<GlyphText>], widths: &[f32], b: u8) -> Decoded {
        let code = b as u32;
        let mut text = None;
        if let Some(tu) = &self.to_unicode {
            if let Some(s) = tu.lookup_unicode(code) {
                if !is_bad_text(&s) {
                    text = Some(s);
                }
            }
        }
        let text = text
            .or_else(|| uni.get(b as usize).cloned().flatten())
            .or_else(|| {
                self.to_unicode
                    .as_ref()
                    .and_then(|t| t.lookup_unicode(code))
            })
            .unwrap_or_default();
        Decoded::new(
            clean(text),
            widths.get(b as usize).copied().unwrap_or(500.0) * self.scale,
            b == 32,
        )
    }

    /// A simple font's table of decoded codes, indexed by the byte (every simple font has one; a
    /// composite font has none).
    pub fn simple_table(&self) -> Option<&[Decoded; 256]> {
        match &self.kind {
            Kind::Simple { table, .. } => table.as_slice().try_into().ok(),
            Kind::Cid { .. } => None,
        }
    }

    /// Call `f` with each character of a string operand, in order. A simple font's characters come
    /// straight from its table; a composite font's are decoded into `scratch` first.
    pub fn each_decoded(
        &self,
        bytes: &[u8],
        scratch: &mut Vec<Decoded>,
        mut f: impl FnMut(&Decoded),
    ) {
        if let Kind::Simple { uni, widths, table } = &self.kind {
            for &b in bytes {
                match table.get(b as usize) {
                    Some(d) => f(d),
                    None => f(&self.decode_simple(uni, widths, b)),
                }
            }
            return;
        }
        scratch.clear();
        self.decode_composite(bytes, scratch);
        for d in scratch.iter() {
            f(d);
        }
    }

    /// Decode a composite (CID-keyed) font's string operand into characters.
    fn decode_composite(&self, bytes: &[u8], out: &mut Vec<Decoded>) {
        match &self.kind {
            Kind::Simple { .. } => {}
            Kind::Cid {
                enc,
                widths,
                collection,
                identity_to_unicode,
                embedded,
            } => {
                let mut pos = 0;
                let mut guard = 0;
                while pos < bytes.len() && guard < bytes.len() + 4 {
                    guard += 1;
                    let (code, len, cid, pre) = match enc {
                        CidEnc::Predef(p) => {
                            let (c, n) = p.next_code(bytes, pos);
                            let cid = if *p == Predefined::Identity {
                                Some(c)
                            } else {
                                None
                            };
                            (c, n, cid, Some(*p))
                        }
                        CidEnc::Embedded(m, p) => {
                            let (c, n) = if m.codespace.is_empty() {
                                p.unwrap_or(Predefined::Identity).next_code(bytes, pos)
                            } else {
                                m.codespace.next_code(bytes, pos)
                            };
                            (c, n, m.lookup_cid(c), *p)
                        }
                        CidEnc::Hayro(m) => {
                            let (c, n, cid) = hayro_next(m, bytes, pos);
                            (c, n, cid, None)
                        }
                    };
                    if len == 0 {
                        break;
                    }
                    pos += len;
                    let mut text = None;
                    if let Some(tu) = &self.to_unicode {
                        if let Some(s) = tu.lookup_unicode(code) {
                            if !is_bad_text(&s) {
                                text = Some(s);
                            }
                        }
                    }
                    if text.is_none() && *identity_to_unicode {
                        text = char::from_u32(code)
                            .map(glyph_char)
                            .filter(|s| !is_bad_text(s));
                    }
                    if text.is_none() {
                        if let Some(p) = pre {
                            text = p.unicode(code, len).filter(|s| !is_bad_text(s));
                        }
                    }
                    if text.is_none() {
                        if let Some((m, c)) = cid.and_then(|c| Some((collection.get()?, c))) {
                            text = match m.lookup_bf_string(c) {
                                Some(hayro_cmap::BfString::Char(ch)) => Some(glyph_char(ch)),
                                Some(hayro_cmap::BfString::String(s)) => Some(GlyphText::from(s)),
                                None => None,
                            }
                            .filter(|s| !is_bad_text(s));
                        }
                    }
                    if text.is_none() {
                        if let (Some(e), Some(c)) = (embedded, cid) {
                            text = e.lookup(c).filter(|s| !is_bad_text(s));
                        }
                    }
                    let text = text
                        .or_else(|| {
                            self.to_unicode
                                .as_ref()
                                .and_then(|t| t.lookup_unicode(code))
                        })
                        .unwrap_or_default();
                    let w = match cid {
                        Some(c) => widths.get(c),
                        None => {
                            if text.chars().all(|c| {
                                (c as u32) < 0x2E80 || ('\u{FF61}'..='\u{FFDC}').contains(&c)
                            }) && !text.is_empty()
                            {
                                500.0
                            } else {
                                widths.dw
                            }
                        }
                    };
                    out.push(Decoded::new(
                        clean(text),
                        if self.vertical { 1.0 } else { w * self.scale },
                        len == 1 && code == 32,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Object};

    fn decoded(font: &Font, bytes: &[u8]) -> Vec<Decoded> {
        let mut out = Vec::new();
        font.each_decoded(bytes, &mut Vec::new(), |d| out.push(d.clone()));
        out
    }

    fn text_of(font: &Font, bytes: &[u8]) -> String {
        decoded(font, bytes).into_iter().map(|d| d.text).collect()
    }

    fn budget() -> Budget<'static> {
        Budget::for_tests()
    }

    #[test]
    fn base_encodings() {
        let t = |tbl: &[u16; 256], c: u8| char::from_u32(tbl[c as usize] as u32);
        assert_eq!(t(&tables::WIN_ANSI_ENCODING, 0x80), Some('€'));
        assert_eq!(t(&tables::WIN_ANSI_ENCODING, 0x93), Some('\u{201C}'));
        assert_eq!(t(&tables::MAC_ROMAN_ENCODING, 0xD2), Some('\u{201C}'));
        assert_eq!(t(&tables::STANDARD_ENCODING, 0x27), Some('\u{2019}'));
        assert_eq!(t(&tables::PDF_DOC_ENCODING, 0xA0), Some('€'));
    }

    #[test]
    fn simple_font_with_differences() {
        let doc = PdfDoc::new();
        let d = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => dictionary! {
                "BaseEncoding" => "WinAnsiEncoding",
                "Differences" => vec![Object::Integer(128), "uni2018".into(), "fi".into(), "g7".into()],
            },
        };
        let f = Font::load(&doc, &d, &mut budget());
        assert_eq!(text_of(&f, b"A\x80\x81x\x82"), "A\u{2018}fix");
        // Standard-14 widths: Helvetica 'A' is 667/1000.
        assert!((decoded(&f, b"A")[0].width - 0.667).abs() < 1e-3);
    }

    #[test]
    fn type0_predefined_ucs2() {
        let doc = PdfDoc::new();
        let d = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "MingLiU",
            "Encoding" => "UniCNS-UCS2-H",
            "DescendantFonts" => vec![Object::Dictionary(dictionary! {
                "Subtype" => "CIDFontType2",
                "DW" => 1000,
            })],
        };
        let f = Font::load(&doc, &d, &mut budget());
        assert_eq!(text_of(&f, &[0x5C, 0x65, 0x7D, 0x04]), "履約");
    }

    #[test]
    fn type0_identity_with_adobe_gb1_collection() {
        let doc = PdfDoc::new();
        let d = dictionary! {
            "Subtype" => "Type0",
            "BaseFont" => "STSong-Light",
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![Object::Dictionary(dictionary! {
                "Subtype" => "CIDFontType0",
                "CIDSystemInfo" => dictionary! {
                    "Registry" => Object::string_literal("Adobe"),
                    "Ordering" => Object::string_literal("GB1"),
                    "Supplement" => 2,
                },
            })],
        };
        let f = Font::load(&doc, &d, &mut budget());
        // CID 34 in Adobe-GB1 is 'A'.
        assert_eq!(text_of(&f, &[0, 34]), "A");
    }
}
