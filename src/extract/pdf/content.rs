//! The content-stream interpreter: text state, graphics state and Form XObjects, producing
//! positioned glyphs in device space.

use super::font::{Decoded, Font};
use super::lexer::{Lexer, Operand, TextArray, TextItem, Token};
use super::{deref, dget, Budget, GlyphText};
use lopdf::{Dictionary, Document as PdfDoc, Object, ObjectId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

pub type Matrix = [f32; 6];
pub const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b`.
pub fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

pub fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn form_matrix(doc: &PdfDoc, d: &Dictionary) -> Matrix {
    if let Some(Object::Array(m)) = dget(doc, d, b"Matrix") {
        if m.len() == 6 {
            let v: Vec<f32> = m
                .iter()
                .map(|o| super::num(doc, o).unwrap_or(0.0))
                .collect();
            return [v[0], v[1], v[2], v[3], v[4], v[5]];
        }
    }
    IDENTITY
}

/// A glyph in device space (before page rotation and orientation handling).
#[derive(Debug, Clone)]
pub struct RawGlyph {
    pub text: GlyphText,
    /// Origin.
    pub x0: f32,
    pub y0: f32,
    /// Origin plus advance.
    pub x1: f32,
    pub y1: f32,
    /// Glyph height (font size) in device space.
    pub size: f32,
    /// A word break is known to precede this glyph (TJ kerning, or a new text-showing operator
    /// starting an upper-case word right after a lower-case letter).
    pub sep: bool,
    /// First glyph of a text-showing operator.
    pub op_start: bool,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Arc<Font>>,
    size: f32,
    tc: f32,
    tw: f32,
    th: f32,
    tl: f32,
    rise: f32,
}

/// Fonts of one document, loaded once and shared by the threads reading its pages. The key is the
/// address of the font dictionary inside the loaded document (stable while it is borrowed).
#[derive(Default)]
pub struct FontCache {
    fonts: Mutex<HashMap<usize, Arc<Font>>>,
}

impl FontCache {
    fn get(&self, key: usize) -> Option<Arc<Font>> {
        self.fonts.lock().ok()?.get(&key).cloned()
    }

    /// Insert `f` unless another thread got there first; either way, the cached font.
    fn insert(&self, key: usize, f: Arc<Font>) -> Arc<Font> {
        match self.fonts.lock() {
            Ok(mut m) => m.entry(key).or_insert(f).clone(),
            Err(_) => f,
        }
    }
}

fn fallback_font() -> Arc<Font> {
    static F: OnceLock<Arc<Font>> = OnceLock::new();
    F.get_or_init(|| Arc::new(Font::fallback())).clone()
}

/// Limits of the interpreter for one page.
#[derive(Debug, Clone, Copy)]
pub struct InterpLimits {
    /// Maximum Form XObject nesting.
    pub max_form_depth: usize,
    /// Stop interpreting at this instant (checked every [`DEADLINE_EVERY`] operators).
    pub deadline: Option<Instant>,
}

impl Default for InterpLimits {
    fn default() -> Self {
        InterpLimits {
            max_form_depth: MAX_FORM_DEPTH,
            deadline: None,
        }
    }
}

pub struct Interp<'a> {
    doc: &'a PdfDoc,
    fonts: HashMap<usize, Arc<Font>>,
    /// The fonts recently selected by `Tf`, by (resource dictionary, resource name): producers
    /// select a font before every run of text, and resolving the name through the resource
    /// dictionaries each time cost a tenth of the interpreter's work.
    by_name: Vec<(usize, Vec<u8>, Arc<Font>)>,
    cache: &'a FontCache,
    pub glyphs: Vec<RawGlyph>,
    pub budget: Budget<'a>,
    ops: usize,
    stack_ids: Vec<ObjectId>,
    fallback: Arc<Font>,
    warned_ops: bool,
    limits: InterpLimits,
    /// The deadline passed while interpreting: the page was cut short.
    pub timed_out: bool,
}

const MAX_OPS: usize = 5_000_000;
const MAX_GLYPHS: usize = 5_000_000;
/// The Form XObject nesting read at most (viewers draw deeper forms, but no contract text hides
/// there; hostile files nest thousands deep).
pub const MAX_FORM_DEPTH: usize = 8;
/// Operators between two deadline checks.
const DEADLINE_EVERY: usize = 1024;

impl<'a> Interp<'a> {
    pub fn new(
        doc: &'a PdfDoc,
        cache: &'a FontCache,
        budget: Budget<'a>,
        limits: InterpLimits,
    ) -> Self {
        Interp {
            doc,
            fonts: HashMap::new(),
            by_name: Vec::new(),
            cache,
            glyphs: Vec::new(),
            budget,
            ops: 0,
            stack_ids: Vec::new(),
            fallback: fallback_font(),
            warned_ops: false,
            limits,
            timed_out: false,
        }
    }

    pub fn run_page(&mut self, content: &[u8], resources: Option<&'a Dictionary>, ctm: Matrix) {
        self.ops = 0;
        self.warned_ops = false;
        let gs = GState {
            ctm,
            font: None,
            size: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            rise: 0.0,
        };
        self.run(content, resources, gs, 0);
    }

    fn font_for(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Arc<Font> {
        let res_key = resources.map_or(0, |r| r as *const Dictionary as usize);
        if let Some((_, _, f)) = self
            .by_name
            .iter()
            .find(|(r, n, _)| *r == res_key && n == name)
        {
            return f.clone();
        }
        let f = self.resolve_font(resources, name);
        if self.by_name.len() >= 32 {
            self.by_name.remove(0);
        }
        self.by_name.push((res_key, name.to_vec(), f.clone()));
        f
    }

    fn resolve_font(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Arc<Font> {
        let doc = self.doc;
        let dict = resources
            .and_then(|r| dget(doc, r, b"Font"))
            .and_then(|f| f.as_dict().ok())
            .and_then(|f| dget(doc, f, name))
            .and_then(|f| f.as_dict().ok());
        let Some(dict) = dict else {
            return self.fallback.clone();
        };
        let key = dict as *const Dictionary as usize;
        if let Some(f) = self.fonts.get(&key) {
            return f.clone();
        }
        let f = match self.cache.get(key) {
            Some(f) => f,
            None => {
                let f = Arc::new(Font::load(doc, dict, &mut self.budget));
                self.cache.insert(key, f)
            }
        };
        self.fonts.insert(key, f.clone());
        f
    }

    fn run(&mut self, content: &[u8], resources: Option<&'a Dictionary>, gs: GState, depth: usize) {
        let mut gs = gs;
        let mut stack: Vec<GState> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut operands: Vec<Operand> = Vec::new();
        // The last array operand (its place in `operands` holds `Operand::TextArray`).
        let mut array = TextArray::default();
        let mut lx = Lexer::new(content);
        // Marked content: ActualText replacement (text, emitted yet).
        let mut marked: Vec<Option<(String, bool)>> = Vec::new();
        let mut decoded: Vec<Decoded> = Vec::new();
        while let Some(tok) = lx.next_token() {
            let op = match tok {
                Token::Op(op) => op,
                t => {
                    if operands.len() < 64 && t == Token::ArrayOpen {
                        lx.text_array(&mut array);
                        operands.push(Operand::TextArray);
                    } else if operands.len() < 64 {
                        let o = lx.operand(t, 0);
                        operands.push(o);
                    } else {
                        let _ = lx.operand(t, 0);
                    }
                    continue;
                }
            };
            if self.timed_out {
                return;
            }
            self.ops += 1;
            if self.ops.is_multiple_of(DEADLINE_EVERY)
                && self.limits.deadline.is_some_and(|d| Instant::now() >= d)
            {
                self.timed_out = true;
                return;
            }
            if self.ops > MAX_OPS || self.glyphs.len() > MAX_GLYPHS {
                if !self.warned_ops {
                    self.warned_ops = true;
                    self.budget
                        .warnings
                        .push("content stream too long: rest of a page skipped".into());
                }
                return;
            }
            let n = |i: usize| -> f32 {
                operands
                    .len()
                    .checked_sub(i)
                    .and_then(|k| operands.get(k))
                    .and_then(|o| o.num())
                    .unwrap_or(0.0)
            };
            match op {
                b"q" if stack.len() < 256 => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                b"cm" => {
                    let m = [n(6), n(5), n(4), n(3), n(2), n(1)];
                    gs.ctm = mul(&m, &gs.ctm);
                }
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"ET" => {}
                b"Tf" => {
                    gs.size = n(1);
                    if let Some(Operand::Name(name)) =
                        operands.len().checked_sub(2).and_then(|k| operands.get(k))
                    {
                        gs.font = Some(self.font_for(resources, name));
                    }
                }
                b"Tc" => gs.tc = n(1),
                b"Tw" => gs.tw = n(1),
                b"Tz" => gs.th = n(1) / 100.0,
                b"TL" => gs.tl = n(1),
                b"Ts" => gs.rise = n(1),
                b"Td" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(2), n(1)], &tlm);
                    tm = tlm;
                }
                b"TD" => {
                    gs.tl = -n(1);
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(2), n(1)], &tlm);
                    tm = tlm;
                }
                b"Tm" => {
                    tlm = [n(6), n(5), n(4), n(3), n(2), n(1)];
                    tm = tlm;
                }
                b"T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" => {
                    if op == b"\"" {
                        gs.tw = n(3);
                        gs.tc = n(2);
                    }
                    if op != b"Tj" {
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                        tm = tlm;
                    }
                    // Operands are cleared after every operator: take them, do not copy them.
                    if let Some(Operand::Str(s)) = operands.last_mut() {
                        let s = std::mem::take(s);
                        self.show(&s, &gs, &mut tm, &mut marked, &mut decoded, true, false);
                    }
                }
                b"TJ" => {
                    if let Some(Operand::TextArray) = operands.last() {
                        let mut first = true;
                        let mut sep = false;
                        for it in &array.items {
                            match *it {
                                TextItem::Str(start, end) => {
                                    self.show(
                                        array.str(start, end),
                                        &gs,
                                        &mut tm,
                                        &mut marked,
                                        &mut decoded,
                                        first,
                                        sep,
                                    );
                                    first = false;
                                    sep = false;
                                }
                                TextItem::Num(v) => {
                                    let fs = gs.size;
                                    let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
                                    if vertical {
                                        let ty = -v / 1000.0 * fs;
                                        tm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, ty], &tm);
                                    } else {
                                        let tx = -v / 1000.0 * fs * gs.th;
                                        tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                    }
                                    // Only between strings: a leading number just positions.
                                    if v < -250.0 && !first {
                                        sep = true;
                                    }
                                }
                            }
                        }
                    }
                }
                b"Do" if depth < self.limits.max_form_depth => {
                    if let Some(Operand::Name(name)) = operands.last() {
                        let name = name.clone();
                        self.do_xobject(resources, &name, &gs, depth);
                    }
                }
                b"BDC" => {
                    let mut at = None;
                    if let Some(Operand::Dict(d)) = operands.last() {
                        for (k, v) in d {
                            if k.as_slice() == b"ActualText" {
                                if let Operand::Str(s) = v {
                                    at = Some((super::pdf_text_string(s), false));
                                }
                            }
                        }
                    }
                    if marked.len() < 256 {
                        marked.push(at);
                    }
                }
                b"BMC" if marked.len() < 256 => marked.push(None),
                b"EMC" => {
                    marked.pop();
                }
                b"BI" => {
                    // Inline image: skip the dictionary, then the data.
                    while let Some(t) = lx.next_token() {
                        if t == Token::Op(b"ID") {
                            lx.skip_inline_image();
                            break;
                        }
                    }
                }
                _ => {}
            }
            operands.clear();
        }
    }

    /// Draw the normal appearance streams of the page's annotations (form fields, free text,
    /// stamps), mapped onto their /Rect as a viewer does. Returns the values of filled-in form
    /// fields (`fields`, by widget) that their appearance streams do not show (no appearance
    /// stream, or a stale one), in /Annots order: each value is read once, never twice.
    pub fn run_annotations(
        &mut self,
        page: &'a Dictionary,
        resources: Option<&'a Dictionary>,
        fields: &HashMap<ObjectId, String>,
    ) -> Vec<String> {
        let doc = self.doc;
        let mut values = Vec::new();
        let Some(Object::Array(annots)) = dget(doc, page, b"Annots") else {
            return values;
        };
        for a in annots.iter().take(5000) {
            let Ok(ad) = deref(doc, a).as_dict() else {
                continue;
            };
            let flags = dget(doc, ad, b"F")
                .and_then(|o| super::num(doc, o))
                .unwrap_or(0.0) as i64;
            if flags & 2 != 0 {
                continue; // hidden
            }
            // A filled-in field: its value is read once, from the appearance stream when that
            // shows it, else from /V.
            let value = a.as_reference().ok().and_then(|id| fields.get(&id));
            let drawn_from = self.glyphs.len();
            self.draw_annotation(ad, resources);
            if let Some(v) = value {
                let want: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                let shown: String = self
                    .glyphs
                    .get(drawn_from..)
                    .unwrap_or(&[])
                    .iter()
                    .flat_map(|g| g.text.chars())
                    .filter(|c| !c.is_whitespace())
                    .collect();
                if !shown.contains(&want) && !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
        values
    }

    /// Draw one annotation's normal appearance stream onto its /Rect.
    fn draw_annotation(&mut self, ad: &'a Dictionary, resources: Option<&'a Dictionary>) {
        let doc = self.doc;
        {
            let subtype = dget(doc, ad, b"Subtype")
                .and_then(|o| o.as_name().ok())
                .unwrap_or(b"");
            if subtype == b"Popup" || subtype == b"Link" {
                return;
            }
            let Some(ap) = dget(doc, ad, b"AP").and_then(|o| o.as_dict().ok()) else {
                return;
            };
            let Some(n) = ap.get(b"N").ok() else { return };
            let (raw, n_obj) = match deref(doc, n) {
                Object::Stream(_) => (n, deref(doc, n)),
                Object::Dictionary(states) => {
                    let Some(state) = dget(doc, ad, b"AS").and_then(|o| o.as_name().ok()) else {
                        return;
                    };
                    let Ok(r) = states.get(state) else { return };
                    (r, deref(doc, r))
                }
                _ => return,
            };
            let Ok(stream) = n_obj.as_stream() else {
                return;
            };
            let rect = match dget(doc, ad, b"Rect") {
                Some(Object::Array(r)) if r.len() == 4 => {
                    let v: Vec<f32> = r
                        .iter()
                        .map(|o| super::num(doc, o).unwrap_or(0.0))
                        .collect();
                    [
                        v[0].min(v[2]),
                        v[1].min(v[3]),
                        v[0].max(v[2]),
                        v[1].max(v[3]),
                    ]
                }
                _ => return,
            };
            let m = form_matrix(doc, &stream.dict);
            let bbox = match dget(doc, &stream.dict, b"BBox") {
                Some(Object::Array(b)) if b.len() == 4 => {
                    let v: Vec<f32> = b
                        .iter()
                        .map(|o| super::num(doc, o).unwrap_or(0.0))
                        .collect();
                    [v[0], v[1], v[2], v[3]]
                }
                _ => return,
            };
            let pts = [
                apply(&m, bbox[0], bbox[1]),
                apply(&m, bbox[2], bbox[1]),
                apply(&m, bbox[0], bbox[3]),
                apply(&m, bbox[2], bbox[3]),
            ];
            let minx = pts.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
            let maxx = pts.iter().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
            let miny = pts.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
            let maxy = pts.iter().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max);
            let sx = if maxx - minx > 1e-3 {
                (rect[2] - rect[0]) / (maxx - minx)
            } else {
                1.0
            };
            let sy = if maxy - miny > 1e-3 {
                (rect[3] - rect[1]) / (maxy - miny)
            } else {
                1.0
            };
            let a = [sx, 0.0, 0.0, sy, rect[0] - minx * sx, rect[1] - miny * sy];
            let ctm = mul(&m, &a);
            let id = match raw {
                Object::Reference(id) => Some(*id),
                _ => None,
            };
            self.run_form(stream, id, resources, ctm, 1);
        }
    }

    fn run_form(
        &mut self,
        stream: &'a lopdf::Stream,
        id: Option<ObjectId>,
        resources: Option<&'a Dictionary>,
        ctm: Matrix,
        depth: usize,
    ) {
        if depth > self.limits.max_form_depth {
            return;
        }
        let Some(bytes) = self.budget.stream_bytes(stream) else {
            return;
        };
        let g = GState {
            ctm,
            font: None,
            size: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            rise: 0.0,
        };
        let res = dget(self.doc, &stream.dict, b"Resources")
            .and_then(|r| r.as_dict().ok())
            .or(resources);
        if let Some(id) = id {
            self.stack_ids.push(id);
        }
        self.run(&bytes, res, g, depth);
        if id.is_some() {
            self.stack_ids.pop();
        }
    }

    fn do_xobject(
        &mut self,
        resources: Option<&'a Dictionary>,
        name: &[u8],
        gs: &GState,
        depth: usize,
    ) {
        let doc = self.doc;
        let Some(xobjs) = resources
            .and_then(|r| dget(doc, r, b"XObject"))
            .and_then(|x| x.as_dict().ok())
        else {
            return;
        };
        let Ok(raw) = xobjs.get(name) else { return };
        let id = match raw {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(id) = id {
            if self.stack_ids.contains(&id) {
                return;
            }
        }
        let Ok(stream) = deref(doc, raw).as_stream() else {
            return;
        };
        let is_form = dget(doc, &stream.dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .is_some_and(|n| n == b"Form");
        if !is_form {
            return;
        }
        let Some(bytes) = self.budget.stream_bytes(stream) else {
            return;
        };
        let mut g = gs.clone();
        g.ctm = mul(&form_matrix(doc, &stream.dict), &g.ctm);
        let res = dget(doc, &stream.dict, b"Resources")
            .and_then(|r| r.as_dict().ok())
            .or(resources);
        if let Some(id) = id {
            self.stack_ids.push(id);
        }
        self.run(&bytes, res, g, depth + 1);
        if id.is_some() {
            self.stack_ids.pop();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn show(
        &mut self,
        s: &[u8],
        gs: &GState,
        tm: &mut Matrix,
        marked: &mut [Option<(String, bool)>],
        decoded: &mut Vec<Decoded>,
        op_start: bool,
        sep: bool,
    ) {
        let fallback;
        let font: &Font = match &gs.font {
            Some(f) => f,
            None => {
                fallback = self.fallback.clone();
                &fallback
            }
        };
        let fs = gs.size;
        let mut first = true;
        // ActualText: the innermost span that has one.
        let at_idx = marked.iter().rposition(|m| m.is_some());
        // Between glyphs the text matrix only translates: its linear part, and so the rendering
        // matrix's and the glyph size, stay the same for the whole string. Only the translation is
        // recomputed per glyph (with the very expressions `mul` uses).
        let mut trm = mul(tm, &gs.ctm);
        let (sx, sy) = (trm[2] * fs, trm[3] * fs);
        let size = (sx * sx + sy * sy).sqrt();
        let ctm = gs.ctm;
        let glyphs = &mut self.glyphs;
        font.each_decoded(s, decoded, |d| {
            trm[4] = tm[4] * ctm[0] + tm[5] * ctm[2] + ctm[4];
            trm[5] = tm[4] * ctm[1] + tm[5] * ctm[3] + ctm[5];
            let (x0, y0) = apply(&trm, 0.0, gs.rise);
            let (adv_x, adv_y);
            if font.vertical {
                adv_x = 0.0;
                adv_y = -(d.width * fs) + gs.tc + if d.is_space_code { gs.tw } else { 0.0 };
            } else {
                adv_x = (d.width * fs + gs.tc + if d.is_space_code { gs.tw } else { 0.0 }) * gs.th;
                adv_y = 0.0;
            }
            let (x1, y1) = if font.vertical {
                apply(&trm, 0.0, gs.rise + adv_y.min(-0.01 * fs.abs()))
            } else {
                apply(&trm, adv_x, gs.rise)
            };
            let mut text = d.text.clone();
            if let Some(i) = at_idx {
                if let Some(Some((at, emitted))) = marked.get_mut(i) {
                    if *emitted {
                        text.clear();
                    } else {
                        text = GlyphText::from(at.as_str());
                        *emitted = true;
                    }
                }
            }
            if !text.is_empty() && size.is_finite() && x0.is_finite() && y0.is_finite() {
                glyphs.push(RawGlyph {
                    text,
                    x0,
                    y0,
                    x1,
                    y1,
                    size: size.max(0.01),
                    sep: first && sep,
                    op_start: first && op_start,
                });
            }
            first = false;
            // (a + b) + e == e + (a + b): the same sum as `mul` forms.
            tm[4] += adv_x * tm[0] + adv_y * tm[2];
            tm[5] += adv_x * tm[1] + adv_y * tm[3];
        });
    }
}
