//! The content-stream interpreter: text state, graphics state and Form XObjects, producing
//! positioned glyphs in device space.

use super::font::{Decoded, Font};
use super::glyph::{flag, Glyphs, TextFacts};
use super::lexer::{ByteSink, Lexer, Operand, TextArray, TextItem, TextSink, Token};
use super::{deref, dget, Budget};
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
    /// dictionaries each time would be a noticeable share of the interpreter's work.
    by_name: Vec<(usize, Vec<u8>, Arc<Font>)>,
    cache: &'a FontCache,
    pub glyphs: Glyphs,
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
            glyphs: Glyphs::default(),
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
        let fallback = self.fallback.clone();
        // A TJ array of a simple font is shown while it is read (see [`Pending`]).
        let mut pending: Option<Pending> = None;
        while let Some(tok) = lx.next_token() {
            let op = match tok {
                Token::Op(op) => op,
                t => {
                    if operands.len() < 64 && matches!(t, Token::ArrayOpen) {
                        if let Some(p) = pending.take() {
                            self.glyphs.truncate(p.glyphs_before);
                        }
                        let show = TextShow::new(&gs, &fallback, &marked);
                        match show.table {
                            Some(table) => {
                                let glyphs_before = self.glyphs.len();
                                let mut fast = FastArray {
                                    shower: Shower::new(&show, tm, &mut self.glyphs),
                                    table,
                                };
                                fast.read(&mut lx);
                                pending = Some(Pending {
                                    glyphs_before,
                                    tm: fast.shower.tm,
                                });
                            }
                            None => lx.text_array(&mut array),
                        }
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
            // The array shown ahead stays shown only if this TJ shows it.
            let shown = pending.take().and_then(|p| {
                let kept = op == b"TJ" && matches!(operands.last(), Some(Operand::TextArray));
                if !kept {
                    self.glyphs.truncate(p.glyphs_before);
                }
                kept.then_some(p)
            });
            let glyphs_before = shown
                .as_ref()
                .map_or(self.glyphs.len(), |p| p.glyphs_before);
            if self.timed_out {
                self.glyphs.truncate(glyphs_before);
                return;
            }
            self.ops += 1;
            if self.ops.is_multiple_of(DEADLINE_EVERY)
                && self.limits.deadline.is_some_and(|d| Instant::now() >= d)
            {
                self.timed_out = true;
                self.glyphs.truncate(glyphs_before);
                return;
            }
            if self.ops > MAX_OPS || glyphs_before > MAX_GLYPHS {
                if !self.warned_ops {
                    self.warned_ops = true;
                    self.budget
                        .warnings
                        .push("content stream too long: rest of a page skipped".into());
                }
                self.glyphs.truncate(glyphs_before);
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
                    if let Some(Operand::Str(s)) = operands.last() {
                        let show = TextShow::new(&gs, &fallback, &marked);
                        let mut shower = Shower::new(&show, tm, &mut self.glyphs);
                        shower.string(s, &mut marked, &mut decoded);
                        tm = shower.tm;
                    }
                }
                b"TJ" => {
                    if let Some(p) = shown {
                        tm = p.tm;
                    } else if let Some(Operand::TextArray) = operands.last() {
                        let show = TextShow::new(&gs, &fallback, &marked);
                        let mut shower = Shower::new(&show, tm, &mut self.glyphs);
                        shower.array(&array, &mut marked, &mut decoded);
                        tm = shower.tm;
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
        if let Some(p) = pending {
            self.glyphs.truncate(p.glyphs_before);
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
                let glyphs = &self.glyphs;
                let shown: String = glyphs
                    .list
                    .get(drawn_from..)
                    .unwrap_or(&[])
                    .iter()
                    .flat_map(|g| glyphs.chars(&g.text))
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
}

/// `x.is_finite() && y.is_finite()` in fewer instructions: a product by zero is a zero exactly
/// when the factor is finite (NaN otherwise), and so is a sum of two.
#[inline(always)]
fn both_finite(x: f32, y: f32) -> bool {
    x * 0.0 + y * 0.0 == 0.0
}

/// A TJ array of a simple font, shown while it was read, before the operator that takes it: its
/// glyphs stay, and the text matrix moves past them, only if that operator is TJ.
struct Pending {
    glyphs_before: usize,
    tm: Matrix,
}

/// The text state one text-showing operator reads, set up once for all of its strings.
struct TextShow<'f> {
    font: &'f Font,
    /// A simple, horizontal font's decoded codes, when no ActualText replaces what it shows: the
    /// fast path, a table lookup per byte.
    table: Option<&'f [Decoded; 256]>,
    /// The innermost marked-content span with an ActualText.
    at_idx: Option<usize>,
    ctm: Matrix,
    fs: f32,
    tc: f32,
    tw: f32,
    th: f32,
    rise: f32,
}

impl<'f> TextShow<'f> {
    fn new(gs: &'f GState, fallback: &'f Font, marked: &[Option<(String, bool)>]) -> Self {
        let font = gs.font.as_deref().unwrap_or(fallback);
        let at_idx = marked.iter().rposition(|m| m.is_some());
        let table = match (font.vertical, at_idx) {
            (false, None) => font.simple_table(),
            _ => None,
        };
        TextShow {
            font,
            table,
            at_idx,
            ctm: gs.ctm,
            fs: gs.size,
            tc: gs.tc,
            tw: gs.tw,
            th: gs.th,
            rise: gs.rise,
        }
    }
}

/// What stays the same while the text matrix only translates (as it does between the glyphs of a
/// string, and between the strings of a TJ array): the rendering matrix's linear part, the glyph
/// size, and the parts of the per-glyph sums that do not change.
struct Linear {
    /// The text matrix's linear part is finite and holds no -0: moving the matrix (`mul` by a
    /// translation) leaves it as it is, bit for bit (`1 * a + 0 * b` is `a` for such values), and
    /// so these stay right.
    moves_keep_it: bool,
    /// The rendering matrix's linear part (the expressions `mul` uses).
    t: [f32; 4],
    size: f32,
    /// The size of the glyphs shown (those of an infinite size are not).
    shown_size: Option<f32>,
    /// `apply(&trm, x, rise)` is `(t[0] * x + t[2] * rise) + trm[4]`: the second products...
    rise: (f32, f32),
    /// ... and the brackets at x = 0.
    at_zero: (f32, f32),
    /// A horizontal font's vertical advance is zero: its share of the text matrix's move.
    zero_adv: (f32, f32),
}

impl Linear {
    fn new(tm: &Matrix, show: &TextShow) -> Linear {
        let ctm = &show.ctm;
        let t = [
            tm[0] * ctm[0] + tm[1] * ctm[2],
            tm[0] * ctm[1] + tm[1] * ctm[3],
            tm[2] * ctm[0] + tm[3] * ctm[2],
            tm[2] * ctm[1] + tm[3] * ctm[3],
        ];
        let (sx, sy) = (t[2] * show.fs, t[3] * show.fs);
        let rise = (t[2] * show.rise, t[3] * show.rise);
        let size = (sx * sx + sy * sy).sqrt();
        let keeps = |v: &f32| v.is_finite() && v.to_bits() != (-0.0f32).to_bits();
        Linear {
            moves_keep_it: tm[..4].iter().all(keeps),
            t,
            size,
            shown_size: size.is_finite().then(|| size.max(0.01)),
            rise,
            at_zero: (t[0] * 0.0 + rise.0, t[1] * 0.0 + rise.1),
            zero_adv: (0.0 * tm[2], 0.0 * tm[3]),
        }
    }
}

/// The strings of one text-showing operator (the one string of Tj, ' and ", or those of a TJ
/// array with its numbers between them), shown in order onto `glyphs`, moving `tm`.
struct Shower<'s, 'f> {
    show: &'s TextShow<'f>,
    tm: Matrix,
    glyphs: &'s mut Glyphs,
    /// For the string being shown.
    lin: Option<Linear>,
    /// No string shown yet: the next starts the operator.
    first: bool,
    /// A large gap precedes the next string: a word break.
    sep: bool,
    /// The [`flag`]s of the next glyph: those of the first of a string, none for the others.
    next_flags: u8,
}

impl<'s, 'f> Shower<'s, 'f> {
    fn new(show: &'s TextShow<'f>, tm: Matrix, glyphs: &'s mut Glyphs) -> Self {
        Shower {
            show,
            tm,
            glyphs,
            lin: None,
            first: true,
            sep: false,
            next_flags: 0,
        }
    }

    /// A number of a TJ array: move by it (a large gap also marks a word break).
    fn num(&mut self, v: f32) {
        let fs = self.show.fs;
        let tm = &mut self.tm;
        match &self.lin {
            // `mul(&[1, 0, 0, 1, tx, 0], tm)` where it keeps the linear part: only the translation
            // (the same sums: `(a + b) + e == e + (a + b)`).
            Some(lin) if lin.moves_keep_it && !self.show.font.vertical => {
                let tx = -v / 1000.0 * fs * self.show.th;
                tm[4] += tx * tm[0] + lin.zero_adv.0;
                tm[5] += tx * tm[1] + lin.zero_adv.1;
            }
            lin => {
                let keep = lin.as_ref().is_some_and(|l| l.moves_keep_it);
                if self.show.font.vertical {
                    let ty = -v / 1000.0 * fs;
                    *tm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, ty], tm);
                } else {
                    let tx = -v / 1000.0 * fs * self.show.th;
                    *tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], tm);
                }
                if !keep {
                    self.lin = None;
                }
            }
        }
        // Only between strings: a leading number just positions.
        if v < -250.0 && !self.first {
            self.sep = true;
        }
    }

    /// Before a string's glyphs: what stays the same for them (kept from the previous string
    /// of the array while the text matrix's linear part stays the same).
    #[inline(always)]
    fn begin_string(&mut self) {
        if self.lin.is_none() {
            self.lin = Some(Linear::new(&self.tm, self.show));
        }
        self.next_flags =
            (if self.sep { flag::SEP } else { 0 }) | (if self.first { flag::OP_START } else { 0 });
    }

    #[inline(always)]
    fn end_string(&mut self) {
        self.first = false;
        self.sep = false;
    }

    /// One whole string, through the table of a simple horizontal font or else the general way.
    fn string(
        &mut self,
        s: &[u8],
        marked: &mut [Option<(String, bool)>],
        decoded: &mut Vec<Decoded>,
    ) {
        self.begin_string();
        match self.show.table {
            Some(table) => {
                for &b in s {
                    self.simple_glyph(table, b);
                }
            }
            None => self.general(s, marked, decoded),
        }
        self.end_string();
    }

    /// One code of a simple horizontal font without ActualText: [`Self::general`] with what stays
    /// the same for the string taken from `lin` (the same expressions, so the same values).
    #[inline(always)]
    fn simple_glyph(&mut self, table: &[Decoded; 256], b: u8) {
        let Some(lin) = &self.lin else { return };
        let (show, tm, ctm) = (self.show, &mut self.tm, &self.show.ctm);
        let d = &table[b as usize];
        let trm4 = tm[4] * ctm[0] + tm[5] * ctm[2] + ctm[4];
        let trm5 = tm[4] * ctm[1] + tm[5] * ctm[3] + ctm[5];
        let (x0, y0) = (lin.at_zero.0 + trm4, lin.at_zero.1 + trm5);
        let adv_x =
            (d.width * show.fs + show.tc + if d.is_space_code { show.tw } else { 0.0 }) * show.th;
        if let (Some(size), false, true) = (lin.shown_size, d.facts.is_empty(), both_finite(x0, y0))
        {
            let x1 = lin.t[0] * adv_x + lin.rise.0 + trm4;
            let y1 = lin.t[1] * adv_x + lin.rise.1 + trm5;
            self.glyphs
                .push([x0, y0, x1, y1, size], d.facts, self.next_flags, &d.text);
        }
        self.next_flags = 0;
        tm[4] += adv_x * tm[0] + lin.zero_adv.0;
        tm[5] += adv_x * tm[1] + lin.zero_adv.1;
    }

    /// Any font, ActualText replacing the text of a marked span.
    fn general(
        &mut self,
        s: &[u8],
        marked: &mut [Option<(String, bool)>],
        decoded: &mut Vec<Decoded>,
    ) {
        let Some(lin) = &self.lin else { return };
        let show = self.show;
        let font = show.font;
        let fs = show.fs;
        let ctm = show.ctm;
        let size = lin.size;
        let extra = self.next_flags;
        let (tm, glyphs) = (&mut self.tm, &mut *self.glyphs);
        let mut trm = [lin.t[0], lin.t[1], lin.t[2], lin.t[3], 0.0, 0.0];
        let mut first = true;
        font.each_decoded(s, decoded, |d| {
            trm[4] = tm[4] * ctm[0] + tm[5] * ctm[2] + ctm[4];
            trm[5] = tm[4] * ctm[1] + tm[5] * ctm[3] + ctm[5];
            let (x0, y0) = apply(&trm, 0.0, show.rise);
            let (adv_x, adv_y);
            if font.vertical {
                adv_x = 0.0;
                adv_y = -(d.width * fs) + show.tc + if d.is_space_code { show.tw } else { 0.0 };
            } else {
                adv_x = (d.width * fs + show.tc + if d.is_space_code { show.tw } else { 0.0 })
                    * show.th;
                adv_y = 0.0;
            }
            let (x1, y1) = if font.vertical {
                apply(&trm, 0.0, show.rise + adv_y.min(-0.01 * fs.abs()))
            } else {
                apply(&trm, adv_x, show.rise)
            };
            let (mut facts, mut text) = (d.facts, d.text.as_str());
            if let Some(i) = show.at_idx {
                if let Some(Some((at, emitted))) = marked.get_mut(i) {
                    if *emitted {
                        facts = TextFacts::of("");
                    } else {
                        facts = TextFacts::of(at);
                        text = at.as_str();
                        *emitted = true;
                    }
                }
            }
            if !facts.is_empty() && size.is_finite() && x0.is_finite() && y0.is_finite() {
                let extra = if first { extra } else { 0 };
                glyphs.push([x0, y0, x1, y1, size.max(0.01)], facts, extra, text);
            }
            first = false;
            // (a + b) + e == e + (a + b): the same sum as `mul` forms.
            tm[4] += adv_x * tm[0] + adv_y * tm[2];
            tm[5] += adv_x * tm[1] + adv_y * tm[3];
        });
    }

    /// The strings of a TJ array already read, and the numbers between them.
    fn array(
        &mut self,
        array: &TextArray,
        marked: &mut [Option<(String, bool)>],
        decoded: &mut Vec<Decoded>,
    ) {
        for it in &array.items {
            match *it {
                TextItem::Str(start, end) => self.string(array.str(start, end), marked, decoded),
                TextItem::Num(v) => self.num(v),
            }
        }
    }
}

/// A TJ array shown while it is read, through the table of a simple horizontal font (the lexer
/// hands over each byte of its strings as it decodes it).
struct FastArray<'s, 'f> {
    shower: Shower<'s, 'f>,
    table: &'f [Decoded; 256],
}

impl FastArray<'_, '_> {
    /// The rest of the array (its `[` read), shown. Not inlined into the interpreter's loop: on
    /// its own, the loop over the array's items keeps the text state in registers.
    #[inline(never)]
    fn read(&mut self, lx: &mut Lexer) {
        lx.text_array_into(self);
    }
}

impl ByteSink for FastArray<'_, '_> {
    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.shower.simple_glyph(self.table, b);
    }
    #[inline(always)]
    fn extend_from(&mut self, s: &[u8]) {
        for &b in s {
            self.shower.simple_glyph(self.table, b);
        }
    }
}

impl TextSink for FastArray<'_, '_> {
    fn num(&mut self, v: f32) {
        self.shower.num(v);
    }
    #[inline(always)]
    fn begin_str(&mut self) {
        self.shower.begin_string();
    }
    #[inline(always)]
    fn end_str(&mut self) {
        self.shower.end_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::pdf::Budget;

    use crate::testing::xorshift as rng;

    fn pick(next: &mut impl FnMut() -> u64, from: &[f32]) -> f32 {
        from[next() as usize % from.len()]
    }

    /// The bits of a number; of a NaN, only that it is one (the sign and payload of a NaN that
    /// arithmetic makes depend on the order the compiler gives the operands).
    fn bits_of(x: f32) -> u32 {
        if x.is_nan() {
            f32::NAN.to_bits()
        } else {
            x.to_bits()
        }
    }

    /// Everything of a glyph, its numbers to the bit.
    fn bits(glyphs: &Glyphs) -> Vec<(String, [u32; 5], char, char, u8)> {
        glyphs
            .list
            .iter()
            .map(|g| {
                let n = [g.x0, g.y0, g.x1, g.y1, g.size].map(bits_of);
                let t = &g.text;
                (glyphs.chars(t).collect(), n, t.first, t.last, t.flags)
            })
            .collect()
    }

    /// A text state of odd values too: zeros of both signs, infinities and NaN in the CTM (a
    /// product of `cm` operands can overflow).
    fn random_state(next: &mut impl FnMut() -> u64, font: &Arc<Font>) -> (GState, Matrix) {
        let lin = [1.0, 0.0, -0.0, 0.5, -2.0, 12.0, 1e-3];
        let ctm_vals = [
            1.0,
            0.0,
            -0.0,
            0.1,
            -1.0,
            2.5,
            1e30,
            f32::INFINITY,
            f32::NAN,
        ];
        let mut ctm = IDENTITY;
        if !next().is_multiple_of(3) {
            for c in ctm.iter_mut() {
                *c = pick(next, &ctm_vals);
            }
        }
        let gs = GState {
            ctm,
            font: Some(font.clone()),
            size: pick(next, &[12.0, 1.0, 0.0, -0.0, -9.5, 1e20]),
            tc: pick(next, &[0.0, -0.0, 0.25, -1.0]),
            tw: pick(next, &[0.0, -0.0, 3.0]),
            th: pick(next, &[1.0, 0.0, -0.0, 0.9]),
            tl: 0.0,
            rise: pick(next, &[0.0, -0.0, 2.0, -3.5]),
        };
        let mut tm = [0.0; 6];
        for c in tm.iter_mut().take(4) {
            *c = pick(next, &lin);
        }
        tm[4] = pick(next, &[0.0, -0.0, 72.5, -1e9]);
        tm[5] = pick(next, &[0.0, -0.0, 700.25, 1e30]);
        (gs, tm)
    }

    /// The general way, for any font.
    fn general<'f>(gs: &'f GState, fallback: &'f Font) -> TextShow<'f> {
        TextShow {
            table: None,
            ..TextShow::new(gs, fallback, &[])
        }
    }

    #[test]
    fn simple_fonts_show_strings_as_the_general_way_does() {
        let font = Arc::new(Font::fallback());
        let mut next = rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let (gs, tm) = random_state(&mut next, &font);
            let len = next() % 6;
            let s: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => b' ',
                    1 => (next() % 32) as u8, // no text
                    _ => next() as u8,
                })
                .collect();
            let mut out = [Glyphs::default(), Glyphs::default()];
            let mut tms = [tm; 2];
            for (k, show) in [TextShow::new(&gs, &font, &[]), general(&gs, &font)]
                .iter()
                .enumerate()
            {
                assert_eq!(show.table.is_some(), k == 0);
                let mut shower = Shower::new(show, tm, &mut out[k]);
                shower.string(&s, &mut [], &mut Vec::new());
                tms[k] = shower.tm;
            }
            assert_eq!(bits(&out[0]), bits(&out[1]), "{s:?} {tm:?} {:?}", gs.ctm);
            assert_eq!(tms[0].map(bits_of), tms[1].map(bits_of));
        }
    }

    #[test]
    fn tj_arrays_shown_while_read_match_the_general_way() {
        let font = Arc::new(Font::fallback());
        let mut next = rng(0xD1B5_4A32_D192_ED03);
        let items: [&[u8]; 16] = [
            b"(ab)",
            b"<4142>",
            b"<41 4>",
            b"(a\\)b)",
            b"()",
            b"<>",
            b"-300",
            b"250",
            b"-0",
            b"12.5",
            b" ",
            b"\n",
            b"/N",
            b"[(x) 1]",
            b"<</K (y)>>",
            b"%c\n",
        ];
        for _ in 0..20_000 {
            let (gs, tm) = random_state(&mut next, &font);
            let mut data = b"[".to_vec();
            for _ in 0..next() % 8 {
                data.extend_from_slice(items[next() as usize % items.len()]);
                if next().is_multiple_of(2) {
                    data.push(b' ');
                }
            }
            if !next().is_multiple_of(8) {
                data.extend_from_slice(b"] TJ");
            }
            // Read and shown at once...
            let fast = TextShow::new(&gs, &font, &[]);
            let mut fast_glyphs = Glyphs::default();
            let mut lx = Lexer::new(&data);
            assert_eq!(lx.next_token(), Some(Token::ArrayOpen));
            let mut sink = FastArray {
                shower: Shower::new(&fast, tm, &mut fast_glyphs),
                table: fast.table.unwrap(),
            };
            lx.text_array_into(&mut sink);
            let fast_tm = sink.shower.tm;
            let fast_end = lx.pos;
            // ... and read, then shown the general way.
            let slow = general(&gs, &font);
            let mut slow_glyphs = Glyphs::default();
            let mut lx = Lexer::new(&data);
            assert_eq!(lx.next_token(), Some(Token::ArrayOpen));
            let mut array = TextArray::default();
            lx.text_array(&mut array);
            let mut shower = Shower::new(&slow, tm, &mut slow_glyphs);
            shower.array(&array, &mut [], &mut Vec::new());
            let slow_tm = shower.tm;
            let what = String::from_utf8_lossy(&data);
            assert_eq!(bits(&fast_glyphs), bits(&slow_glyphs), "{what}");
            assert_eq!(fast_tm.map(bits_of), slow_tm.map(bits_of), "{what}");
            assert_eq!(fast_end, lx.pos, "{what}");
        }
    }

    /// A TJ number moves the text matrix as `mul` by a translation does, and what is kept of the
    /// linear part is what would be computed afresh.
    #[test]
    fn tj_numbers_move_as_mul_does() {
        let font = Arc::new(Font::fallback());
        let mut next = rng(0xA076_1D64_78BD_642F);
        let lin_bits = |l: &Linear| {
            let (a, b, c) = (l.rise, l.at_zero, l.zero_adv);
            [
                l.t[0], l.t[1], l.t[2], l.t[3], l.size, a.0, a.1, b.0, b.1, c.0, c.1,
            ]
            .map(bits_of)
        };
        for _ in 0..20_000 {
            let (gs, tm) = random_state(&mut next, &font);
            let v = pick(&mut next, &[-300.0, 250.0, -0.0, 0.0, 1e9, -4.5]);
            let show = TextShow::new(&gs, &font, &[]);
            let mut glyphs = Glyphs::default();
            let mut shower = Shower::new(&show, tm, &mut glyphs);
            if next().is_multiple_of(2) {
                shower.begin_string();
            }
            shower.num(v);
            let tx = -v / 1000.0 * gs.size * gs.th;
            let want = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
            assert_eq!(shower.tm.map(bits_of), want.map(bits_of), "{tm:?} {v}");
            if let Some(kept) = &shower.lin {
                assert_eq!(
                    lin_bits(kept),
                    lin_bits(&Linear::new(&want, &show)),
                    "{tm:?}"
                );
            }
        }
    }

    #[test]
    fn both_finite_is_is_finite_of_both() {
        let values = [
            0.0f32,
            -0.0,
            1.0,
            -3.4e38,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        for x in values {
            for y in values {
                assert_eq!(both_finite(x, y), x.is_finite() && y.is_finite(), "{x} {y}");
            }
        }
    }

    fn page(content: &str) -> Vec<(String, f32)> {
        let doc = PdfDoc::new();
        let cache = FontCache::default();
        let mut interp = Interp::new(&doc, &cache, Budget::for_tests(), InterpLimits::default());
        interp.run_page(content.as_bytes(), None, IDENTITY);
        let glyphs = &interp.glyphs;
        glyphs
            .list
            .iter()
            .map(|g| (glyphs.chars(&g.text).collect(), g.x0))
            .collect()
    }

    fn texts(glyphs: &[(String, f32)]) -> String {
        glyphs.iter().map(|g| g.0.as_str()).collect()
    }

    #[test]
    fn an_array_shown_ahead_stays_only_if_tj_takes_it() {
        let bt = "BT /F1 10 Tf ";
        assert_eq!(texts(&page(&format!("{bt}[(AB) -300 (C)] TJ ET"))), "ABC");
        // Another operator takes the array (or none does): nothing shown, the text matrix unmoved.
        for other in ["[(A)] 5 TJ", "[(A)] Tj", "[(A)] 0 d", "[(A)] true", "[(A)]"] {
            let g = page(&format!("{bt}{other} (B) Tj"));
            assert_eq!(texts(&g), "B", "{other}");
            assert_eq!(g[0].1, 0.0, "{other}");
        }
        // An array left open takes the rest of the stream.
        assert_eq!(texts(&page(&format!("{bt}[(A) 1 (B) Tj"))), "");
        assert_eq!(texts(&page(&format!("{bt}[(A)] 5 TJ ET"))), "");
        assert_eq!(texts(&page(&format!("{bt}[(A)] [(B)] TJ (C) Tj"))), "BC");
        assert_eq!(page(&format!("{bt}[(A)] [(B)] TJ"))[0].1, 0.0);
        // Past 64 operands arrays are read past; the last one kept is shown.
        let many = "1 ".repeat(70);
        assert_eq!(texts(&page(&format!("{bt}{many}[(A)] TJ"))), "");
        let some = "1 ".repeat(63);
        assert_eq!(texts(&page(&format!("{bt}{some}[(A)] [(B)] TJ"))), "A");
    }
}
