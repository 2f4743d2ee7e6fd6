//! Paragraph styles (headings, numbering inherited through styles) and list numbering: the clause
//! number a reader sees in Word, computed from `numbering.xml`.

use std::collections::HashMap;

use super::tokens::Ev;
use super::xml::{attr, attr_i64, ClassReader, Ns};

/// One paragraph style, as far as headings and numbering need it.
#[derive(Debug, Default, Clone)]
struct Style {
    name: String,
    based_on: Option<String>,
    outline: Option<u8>,
    num_id: Option<i64>,
    ilvl: Option<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Styles {
    map: HashMap<String, Style>,
    pub(crate) default_para: Option<String>,
}

/// The numbering a paragraph asks for (directly or through its style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumRef {
    pub num_id: i64,
    pub ilvl: Option<u8>,
}

fn is_heading_name(s: &str) -> bool {
    let s = s.trim().to_ascii_lowercase();
    if s == "title" {
        return true;
    }
    let rest = match s.strip_prefix("heading") {
        Some(r) => r.trim_start(),
        None => return false,
    };
    rest.len() == 1 && matches!(rest.as_bytes()[0], b'1'..=b'9')
}

/// The end of the start tag that begins at `start` (the index just past its `>`), quotes respected
/// (a `>` may stand unescaped in an attribute value).
fn tag_end(xml: &[u8], start: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &b) in xml.get(start..)?.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(start + i + 1),
            _ => {}
        }
    }
    None
}

/// The end of the element whose start tag is `xml[start..open_end]` and whose closing tag is
/// `</` + its name + optional white space + `>` (elements of this name do not nest), `close`
/// finding `</` + the name.
fn element_end(
    xml: &[u8],
    start: usize,
    open_end: usize,
    close: &memchr::memmem::Finder,
) -> Option<usize> {
    if open_end >= 2 && xml.get(open_end - 2) == Some(&b'/') && open_end - 2 >= start {
        return Some(open_end);
    }
    let close_len = close.needle().len();
    let mut from = open_end;
    loop {
        let at = from + close.find(xml.get(from..)?)?;
        let mut i = at + close_len;
        while xml.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if xml.get(i) == Some(&b'>') {
            return Some(i + 1);
        }
        from = at + close_len;
    }
}

/// `styles.xml` without the parts `Styles::parse` has no use for: the latent-style table and
/// character, table and numbering styles (Word's default template carries a hundred table styles,
/// 90% of a file four times the size of the document). Only elements written with the usual `w:`
/// prefix are cut, whole; anything else is left to the parser, which skips it the slow way.
fn without_unused_styles(xml: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use memchr::memmem::Finder;
    let finder = Finder::new(b"<w:");
    // Built once for the part (a hundred styles are cut from Word's default template).
    let close_style = Finder::new(b"</w:style");
    let close_latent = Finder::new(b"</w:latentStyles");
    let type_attr = Finder::new(b"w:type=");
    let mut out: Vec<u8> = Vec::new();
    let mut kept = 0usize;
    let mut pos = 0usize;
    while let Some(k) = finder.find(&xml[pos..]) {
        let start = pos + k;
        let rest = &xml[start + 3..];
        let (name, close): (&[u8], _) = if rest.starts_with(b"latentStyles") {
            (b"w:latentStyles", &close_latent)
        } else if rest.starts_with(b"style") {
            (b"w:style", &close_style)
        } else {
            pos = start + 3;
            continue;
        };
        let after = xml.get(start + 1 + name.len()).copied();
        if !after.is_some_and(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/') {
            pos = start + 3;
            continue;
        }
        let Some(open_end) = tag_end(xml, start) else {
            break;
        };
        if name == b"w:style" && style_type(&xml[start..open_end], &type_attr) == b"paragraph" {
            pos = open_end;
            continue;
        }
        let Some(end) = element_end(xml, start, open_end, close) else {
            break;
        };
        out.extend_from_slice(&xml[kept..start]);
        kept = end;
        pos = end;
    }
    if kept == 0 {
        return std::borrow::Cow::Borrowed(xml);
    }
    out.extend_from_slice(&xml[kept..]);
    std::borrow::Cow::Owned(out)
}

/// The `w:type` of a `<w:style ...>` start tag (`paragraph` when absent, as Word reads it);
/// `type_attr` finds `w:type=`.
fn style_type<'t>(tag: &'t [u8], type_attr: &memchr::memmem::Finder) -> &'t [u8] {
    let Some(k) = type_attr
        .find_iter(tag)
        .find(|&k| k > 0 && tag[k - 1].is_ascii_whitespace())
    else {
        return b"paragraph";
    };
    let v = &tag[k + 7..];
    let Some(&q) = v.first().filter(|q| **q == b'"' || **q == b'\'') else {
        // Not a value this cut understands: keep the style for the parser.
        return b"paragraph";
    };
    let v = &v[1..];
    match memchr::memchr(q, v) {
        Some(e) => &v[..e],
        None => b"paragraph",
    }
}

impl Styles {
    pub(crate) fn parse(xml: &[u8]) -> Result<Styles, String> {
        let xml = without_unused_styles(xml);
        Styles::parse_all(&xml)
    }

    fn parse_all(xml: &[u8]) -> Result<Styles, String> {
        let mut r = ClassReader::new(xml, Ns::of);
        let mut styles = Styles::default();
        // (style id, style) being read; depth inside it
        let mut cur: Option<(String, Style)> = None;
        let mut depth = 0usize;
        loop {
            let (ns, ev) = r.read_resolved_event()?;
            match ev {
                Ev::Start(ref e) | Ev::Empty(ref e) => {
                    let empty = matches!(ev, Ev::Empty(_));
                    let local = e.local_name();
                    let local = local.as_ref();
                    if ns == Ns::W {
                        match local {
                            b"style" if depth == 1 => {
                                let is_para = attr(e, b"type").as_deref().unwrap_or("paragraph")
                                    == "paragraph";
                                let id = attr(e, b"styleId").unwrap_or_default();
                                if is_para {
                                    if attr(e, b"default").is_some_and(|v| v == "1" || v == "true")
                                    {
                                        styles.default_para = Some(id.clone());
                                    }
                                    cur = Some((id, Style::default()));
                                } else if !empty {
                                    r.read_to_end(e.name())?;
                                    continue;
                                }
                            }
                            // Tracked changes to a style hold old properties: not in force.
                            b"pPrChange" | b"rPrChange" if !empty => {
                                r.read_to_end(e.name())?;
                                continue;
                            }
                            _ => {}
                        }
                        if let Some((_, st)) = cur.as_mut() {
                            match local {
                                b"name" => st.name = attr(e, b"val").unwrap_or_default(),
                                b"basedOn" => st.based_on = attr(e, b"val"),
                                b"outlineLvl" => {
                                    st.outline = attr_i64(e, b"val")
                                        .filter(|v| (0..=9).contains(v))
                                        .map(|v| v as u8)
                                }
                                b"numId" => st.num_id = attr_i64(e, b"val"),
                                b"ilvl" => {
                                    st.ilvl = attr_i64(e, b"val")
                                        .filter(|v| (0..=8).contains(v))
                                        .map(|v| v as u8)
                                }
                                _ => {}
                            }
                        }
                    }
                    if !empty {
                        depth += 1;
                    }
                }
                Ev::End => {
                    depth = depth.saturating_sub(1);
                    if depth == 1 {
                        if let Some((id, st)) = cur.take() {
                            styles.map.insert(id, st);
                        }
                    }
                }
                Ev::Eof => break,
                _ => {}
            }
        }
        Ok(styles)
    }

    /// Walk a style and the styles it is based on (bounded, cycles are cut).
    fn chain<'s>(&'s self, id: &'s str) -> impl Iterator<Item = (&'s str, &'s Style)> + 's {
        let mut next = Some(id);
        let mut n = 0;
        std::iter::from_fn(move || {
            let id = next?;
            n += 1;
            if n > 16 {
                return None;
            }
            let (k, st) = self.map.get_key_value(id)?;
            next = st.based_on.as_deref();
            Some((k.as_str(), st))
        })
    }

    /// True when paragraphs of this style are headings (Heading 1–9, Title, an outline level 1–9).
    pub(crate) fn is_heading(&self, id: &str) -> bool {
        if is_heading_name(id) {
            return true;
        }
        for (sid, st) in self.chain(id) {
            if is_heading_name(sid) || is_heading_name(&st.name) {
                return true;
            }
            if let Some(o) = st.outline {
                return o <= 8;
            }
        }
        false
    }

    /// The numbering a style gives its paragraphs.
    pub(crate) fn numbering(&self, id: &str) -> Option<NumRef> {
        let mut ilvl = None;
        for (_, st) in self.chain(id) {
            if ilvl.is_none() {
                ilvl = st.ilvl;
            }
            if let Some(n) = st.num_id {
                return Some(NumRef { num_id: n, ilvl });
            }
        }
        None
    }

    fn num_id_of(&self, id: &str) -> Option<i64> {
        self.chain(id).find_map(|(_, st)| st.num_id)
    }
}

#[derive(Debug, Clone)]
struct Level {
    start: i64,
    fmt: String,
    text: Option<String>,
    pstyle: Option<String>,
    is_lgl: bool,
}

impl Default for Level {
    fn default() -> Self {
        Level {
            start: 1,
            fmt: "decimal".into(),
            text: None,
            pstyle: None,
            is_lgl: false,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct AbstractNum {
    levels: [Option<Level>; 9],
    num_style_link: Option<String>,
}

#[derive(Debug, Default, Clone)]
struct Num {
    abs: i64,
    start_override: [Option<i64>; 9],
    level_override: [Option<Level>; 9],
}

/// `numbering.xml`, plus the running counters of the paragraphs seen so far.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    abstracts: HashMap<i64, AbstractNum>,
    nums: HashMap<i64, Num>,
    /// Counters per abstract numbering (Word continues a list across `w:num`s sharing one).
    counters: HashMap<i64, [Option<i64>; 9]>,
    /// Nums whose start overrides were applied already.
    started: HashMap<i64, ()>,
}

impl Numbering {
    pub(crate) fn parse(xml: &[u8]) -> Result<Numbering, String> {
        let mut r = ClassReader::new(xml, Ns::of);
        let mut nb = Numbering::default();
        let mut abs: Option<(i64, AbstractNum)> = None;
        let mut num: Option<(i64, Num)> = None;
        let mut lvl: Option<(usize, Level)> = None;
        let mut override_lvl: Option<usize> = None;
        let mut depth = 0usize;
        let mut abs_depth = 0usize;
        let mut num_depth = 0usize;
        let mut lvl_depth = 0usize;
        let mut ovr_depth = 0usize;
        loop {
            let (ns, ev) = r.read_resolved_event()?;
            match ev {
                Ev::Start(ref e) | Ev::Empty(ref e) => {
                    let empty = matches!(ev, Ev::Empty(_));
                    if !empty {
                        depth += 1;
                    }
                    if ns != Ns::W {
                        continue;
                    }
                    match e.local_name().as_ref() {
                        b"abstractNum" => {
                            let id = attr_i64(e, b"abstractNumId").unwrap_or(-1);
                            abs = Some((id, AbstractNum::default()));
                            abs_depth = depth;
                            if empty {
                                let (id, a) = abs.take().unwrap_or_default();
                                nb.abstracts.insert(id, a);
                            }
                        }
                        b"num" => {
                            let id = attr_i64(e, b"numId").unwrap_or(-1);
                            num = Some((id, Num::default()));
                            num_depth = depth;
                        }
                        b"lvlOverride" => {
                            override_lvl = attr_i64(e, b"ilvl")
                                .filter(|v| (0..=8).contains(v))
                                .map(|v| v as usize);
                            ovr_depth = depth;
                        }
                        b"lvl" => {
                            let i = attr_i64(e, b"ilvl")
                                .filter(|v| (0..=8).contains(v))
                                .unwrap_or(0) as usize;
                            lvl = Some((i, Level::default()));
                            lvl_depth = depth;
                        }
                        b"abstractNumId" => {
                            if let Some((_, n)) = num.as_mut() {
                                n.abs = attr_i64(e, b"val").unwrap_or(-1);
                            }
                        }
                        b"startOverride" => {
                            if let (Some((_, n)), Some(i)) = (num.as_mut(), override_lvl) {
                                n.start_override[i] = attr_i64(e, b"val");
                            }
                        }
                        b"numStyleLink" => {
                            if let Some((_, a)) = abs.as_mut() {
                                a.num_style_link = attr(e, b"val");
                            }
                        }
                        name => {
                            if let Some((_, l)) = lvl.as_mut() {
                                match name {
                                    b"start" => l.start = attr_i64(e, b"val").unwrap_or(1),
                                    b"numFmt" => l.fmt = attr(e, b"val").unwrap_or_default(),
                                    b"lvlText" => l.text = attr(e, b"val"),
                                    b"pStyle" => l.pstyle = attr(e, b"val"),
                                    b"isLgl" => l.is_lgl = super::xml::on_off(e),
                                    // Tracked changes and paragraph/run properties of the level.
                                    b"pPr" | b"rPr" if !empty => {
                                        r.read_to_end(e.name())?;
                                        depth -= 1;
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                Ev::End => {
                    if lvl.is_some() && depth == lvl_depth {
                        let (i, l) = lvl.take().unwrap_or_default();
                        if let Some((_, n)) = num.as_mut() {
                            n.level_override[override_lvl.unwrap_or(i)] = Some(l);
                        } else if let Some((_, a)) = abs.as_mut() {
                            a.levels[i] = Some(l);
                        }
                    } else if override_lvl.is_some() && depth == ovr_depth {
                        override_lvl = None;
                    } else if abs.is_some() && depth == abs_depth {
                        let (id, a) = abs.take().unwrap_or_default();
                        nb.abstracts.insert(id, a);
                    } else if num.is_some() && depth == num_depth {
                        let (id, n) = num.take().unwrap_or_default();
                        nb.nums.insert(id, n);
                    }
                    depth = depth.saturating_sub(1);
                }
                Ev::Eof => break,
                _ => {}
            }
        }
        Ok(nb)
    }

    /// The abstract numbering a `w:num` uses, following one `numStyleLink`.
    fn abstract_of(&self, num_id: i64, styles: &Styles) -> Option<i64> {
        let n = self.nums.get(&num_id)?;
        let a = self.abstracts.get(&n.abs)?;
        if a.levels.iter().all(|l| l.is_none()) {
            if let Some(link) = &a.num_style_link {
                if let Some(other) = styles.num_id_of(link) {
                    if other != num_id {
                        return self.nums.get(&other).map(|n| n.abs);
                    }
                }
            }
        }
        Some(n.abs)
    }

    fn level(&self, num_id: i64, abs: i64, i: usize) -> Option<&Level> {
        if let Some(l) = self
            .nums
            .get(&num_id)
            .and_then(|n| n.level_override[i].as_ref())
        {
            return Some(l);
        }
        self.abstracts.get(&abs)?.levels[i].as_ref()
    }

    /// Advance the counters for a numbered paragraph and return the number Word displays for it
    /// (`None` for bullets, `numFmt none` and empty level texts).
    pub(crate) fn next(
        &mut self,
        nr: NumRef,
        style: Option<&str>,
        styles: &Styles,
    ) -> Option<String> {
        if nr.num_id <= 0 {
            return None;
        }
        let abs = self.abstract_of(nr.num_id, styles)?;
        let ilvl = match nr.ilvl {
            Some(i) => i as usize,
            None => {
                // A level may name the style that selects it.
                let a = self.abstracts.get(&abs)?;
                style
                    .and_then(|s| {
                        a.levels
                            .iter()
                            .position(|l| l.as_ref().and_then(|l| l.pstyle.as_deref()) == Some(s))
                    })
                    .unwrap_or(0)
            }
        }
        .min(8);
        let starts: [i64; 9] =
            std::array::from_fn(|i| self.level(nr.num_id, abs, i).map_or(1, |l| l.start));
        let overrides = self
            .nums
            .get(&nr.num_id)
            .map(|n| n.start_override)
            .unwrap_or_default();
        let counters = self.counters.entry(abs).or_insert([None; 9]);
        let mut eff_start = starts;
        for i in 0..9 {
            if let Some(s) = overrides[i] {
                eff_start[i] = s;
            }
        }
        if self.started.insert(nr.num_id, ()).is_none() {
            // First paragraph of a num with start overrides: those levels restart.
            for i in 0..9 {
                if overrides[i].is_some() {
                    counters[i] = None;
                }
            }
        }
        counters[ilvl] = Some(match counters[ilvl] {
            None => eff_start[ilvl],
            Some(v) => v.saturating_add(1),
        });
        for c in counters.iter_mut().skip(ilvl + 1) {
            *c = None;
        }
        let values: [i64; 9] = std::array::from_fn(|i| counters[i].unwrap_or(eff_start[i]));
        let lvl = self.level(nr.num_id, abs, ilvl)?;
        if lvl.fmt == "bullet" || lvl.fmt == "none" {
            return None;
        }
        let text = lvl.text.as_deref()?;
        let mut out = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' {
                if let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    chars.next();
                    if (1..=9).contains(&d) {
                        let i = d as usize - 1;
                        let fmt = if lvl.is_lgl && i < ilvl {
                            "decimal"
                        } else {
                            self.level(nr.num_id, abs, i)
                                .map_or("decimal", |l| l.fmt.as_str())
                        };
                        out.push_str(&format_number(values[i], fmt));
                    }
                    continue;
                }
            }
            out.push(c);
        }
        let out = out.trim().to_string();
        if out.is_empty() {
            None
        } else {
            Some(out)
        }
    }
}

/// Render a list counter in one of Word's number formats (`w:numFmt`). Unknown formats fall back to
/// decimal.
pub(crate) fn format_number(n: i64, fmt: &str) -> String {
    const TRAD: CjkDigits = CjkDigits {
        digits: ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'],
        units: ['十', '百', '千'],
        wan: '萬',
        yi: '億',
        one_ten: false,
    };
    const SIMP: CjkDigits = CjkDigits {
        wan: '万',
        yi: '亿',
        ..TRAD
    };
    const LEGAL_TRAD: CjkDigits = CjkDigits {
        digits: ['零', '壹', '貳', '參', '肆', '伍', '陸', '柒', '捌', '玖'],
        units: ['拾', '佰', '仟'],
        wan: '萬',
        yi: '億',
        one_ten: true,
    };
    const LEGAL_SIMP: CjkDigits = CjkDigits {
        digits: ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'],
        units: ['拾', '佰', '仟'],
        wan: '万',
        yi: '亿',
        one_ten: true,
    };
    if n <= 0 && fmt != "decimal" && fmt != "decimalZero" {
        return n.to_string();
    }
    match fmt {
        "decimalZero" => format!("{n:02}"),
        "lowerLetter" | "upperLetter" => {
            let base = if fmt == "lowerLetter" { b'a' } else { b'A' };
            let c = (base + ((n - 1) % 26) as u8) as char;
            let times = ((n - 1) / 26 + 1).min(100) as usize;
            std::iter::repeat_n(c, times).collect()
        }
        "lowerRoman" => roman(n).to_ascii_lowercase(),
        "upperRoman" => roman(n),
        "ordinal" => {
            let suf = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suf}")
        }
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c))
            .collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => match n {
            1..=20 => char_at(0x2460 + n - 1),
            21..=35 => char_at(0x3251 + n - 21),
            36..=50 => char_at(0x32B1 + n - 36),
            _ => n.to_string(),
        },
        "decimalEnclosedFullstop" if n <= 20 => char_at(0x2488 + n - 1),
        "decimalEnclosedParen" if n <= 20 => char_at(0x2474 + n - 1),
        "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => n
            .to_string()
            .chars()
            .map(|c| match c {
                '0' => '〇',
                d => TRAD.digits[d as usize - '0' as usize],
            })
            .collect(),
        "taiwaneseCounting" | "taiwaneseCountingThousand" | "japaneseLegal" => cjk_count(n, &TRAD),
        "chineseCounting" | "chineseCountingThousand" | "japaneseCounting" => cjk_count(n, &SIMP),
        "ideographLegalTraditional" => cjk_count(n, &LEGAL_TRAD),
        "chineseLegalSimplified" => cjk_count(n, &LEGAL_SIMP),
        "ideographTraditional" => {
            const G: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
            G[((n - 1) % 10) as usize].to_string()
        }
        "ideographZodiac" => {
            const Z: [char; 12] = [
                '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
            ];
            Z[((n - 1) % 12) as usize].to_string()
        }
        _ => n.to_string(),
    }
}

fn char_at(cp: i64) -> String {
    u32::try_from(cp)
        .ok()
        .and_then(char::from_u32)
        .map(String::from)
        .unwrap_or_else(|| cp.to_string())
}

fn roman(n: i64) -> String {
    if !(1..4000).contains(&n) {
        return n.to_string();
    }
    const T: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut s = String::new();
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

struct CjkDigits {
    digits: [char; 10],
    units: [char; 3],
    wan: char,
    yi: char,
    /// Write 10–19 as 一十… rather than 十… (legal forms write 壹拾).
    one_ten: bool,
}

/// Chinese counting: 1 一, 10 十, 11 十一, 20 二十, 101 一百零一, 10000 一萬.
fn cjk_count(n: i64, d: &CjkDigits) -> String {
    if !(1..1_000_000_000_000).contains(&n) {
        return n.to_string();
    }
    let groups = [
        (n / 100_000_000, Some(d.yi)),
        ((n / 10_000) % 10_000, Some(d.wan)),
        (n % 10_000, None),
    ];
    let mut out = String::new();
    let mut zero_pending = false;
    for (g, unit) in groups {
        if g == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
            continue;
        }
        if !out.is_empty() && g < 1000 {
            zero_pending = true;
        }
        let digits = [g / 1000, (g / 100) % 10, (g / 10) % 10, g % 10];
        let mut started = false;
        for (pos, &dg) in digits.iter().enumerate() {
            if dg == 0 {
                if started {
                    zero_pending = true;
                }
                continue;
            }
            if zero_pending && !out.is_empty() {
                out.push(d.digits[0]);
            }
            zero_pending = false;
            let is_ten = pos == 2;
            if !(is_ten && dg == 1 && out.is_empty() && !d.one_ten) {
                out.push(d.digits[dg as usize]);
            }
            if pos < 3 {
                out.push(d.units[2 - pos]);
            }
            started = true;
        }
        if let Some(u) = unit {
            out.push(u);
        }
        zero_pending = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_styles_are_cut_whole_and_change_nothing() {
        let xml = br#"<?xml version="1.0"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
  <w:docDefaults/>
  <w:latentStyles w:count="2"><w:lsdException w:name="heading 1"/></w:latentStyles >
  <w:style w:type="table" w:styleId="Grid"><w:name w:val="Heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
  <w:style w:type='character' w:styleId="C" w:name-note="a > b"><w:name w:val="Title"/></w:style>
  <w:style w:type="numbering" w:styleId="N"/>
  <w:style w:styleId="Plain"><w:name w:val="Body"/></w:style>
  <w:style w:type="paragraph" w:styleId="H1"><w:name w:val="heading 1"/><w:basedOn w:val="Plain"/></w:style>
  <w:style w:type="paragraph" w:default="1" w:styleId="Normal" w:note="w:type='table'"><w:name w:val="Normal"/></w:style>
</w:styles>"#;
        let cut = without_unused_styles(xml);
        let cut = std::str::from_utf8(&cut).unwrap();
        for gone in ["latentStyles", "Grid", "styleId=\"C\"", "styleId=\"N\""] {
            assert!(!cut.contains(gone), "{gone} still in {cut}");
        }
        for kept in ["docDefaults", "Plain", "H1", "Normal", "</w:styles>"] {
            assert!(cut.contains(kept), "{kept} cut from {cut}");
        }
        let (a, b) = (Styles::parse_all(xml).unwrap(), Styles::parse(xml).unwrap());
        let keys = |s: &Styles| {
            let mut k: Vec<String> = s.map.keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&a), ["H1", "Normal", "Plain"]);
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(b.default_para.as_deref(), Some("Normal"));
        assert!(b.is_heading("H1") && !b.is_heading("Grid") && !b.is_heading("C"));
        // A cut-off file is left to the parser as it is.
        let broken = &xml[..xml.len() / 2];
        assert_eq!(
            Styles::parse(broken).is_ok(),
            Styles::parse_all(broken).is_ok()
        );
    }

    #[test]
    fn formats() {
        let t = |n| format_number(n, "taiwaneseCountingThousand");
        assert_eq!(t(1), "一");
        assert_eq!(t(10), "十");
        assert_eq!(t(12), "十二");
        assert_eq!(t(20), "二十");
        assert_eq!(t(101), "一百零一");
        assert_eq!(t(110), "一百一十");
        assert_eq!(t(1005), "一千零五");
        assert_eq!(t(10_005), "一萬零五");
        assert_eq!(t(12_000), "一萬二千");
        assert_eq!(format_number(11, "ideographLegalTraditional"), "壹拾壹");
        assert_eq!(format_number(27, "lowerLetter"), "aa");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
        assert_eq!(format_number(3, "ideographTraditional"), "丙");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
    }
}
