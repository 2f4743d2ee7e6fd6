//! From positioned glyphs to lines, paragraphs and table rows.

use std::ops::Range;

use super::glyph::{flag, Glyph, Glyphs, Text};

/// A glyph in its reading frame: advance along +x, baseline at `y`, "up" is +y.
#[derive(Debug, Clone, Copy)]
struct G {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    text: Text,
}

impl G {
    fn is(&self, f: u8) -> bool {
        self.text.is(f)
    }
}

/// A run of glyphs that were drawn consecutively on one baseline: `glyphs[start..end]` of its frame.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    y: f32,
    size: f32,
    xmin: f32,
}

/// A laid-out unit handed back to the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    /// Lines of one paragraph.
    Paragraph(String),
    /// One table-like row: the texts of its cells. `new_table` starts a new table.
    Row {
        cells: Vec<(u32, String)>,
        new_table: bool,
    },
}

pub fn is_cjk(c: char) -> bool {
    if (c as u32) < 0x2E80 {
        return false;
    }
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F | 0x3130..=0x318F
        | 0x31A0..=0x31FF | 0x3200..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Lay out the glyphs of one page. `rotate` is the page /Rotate (multiple of 90).
pub fn layout(raw: Glyphs, rotate: i64) -> Vec<Unit> {
    // Nearly every page is upright: its loop turns nothing.
    let frames = match (rotate.rem_euclid(360) / 90) as u8 {
        0 => frames_of(&raw.list, |x, y| (x, y)),
        rot => frames_of(&raw.list, |x, y| turn(rot, x, y)),
    };
    let mut units = Vec::new();
    for frame in frames {
        if !frame.is_empty() {
            layout_frame(&frame, &raw, &mut units);
        }
    }
    units
}

/// `a.min(b)` of numbers that are never NaN (the positions and sizes of glyphs: see
/// [`Glyphs::push`]), `a` on a tie (of -0 and +0 too) as `f32::min` gives it: one comparison
/// instead of one and a test for NaN.
#[inline(always)]
fn min_num(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// `a.max(b)` of numbers that are never NaN, as [`min_num`].
#[inline(always)]
fn max_num(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

/// `end.max(origin)` of an origin that is never NaN (see [`Glyphs::push`]; turning keeps it
/// so) and an end that may be: `origin` when `end` is NaN or before it, else `end` (on a tie
/// too, as [`max_num`]), with one comparison instead of one and a test for NaN.
#[inline(always)]
fn end_max(end: f32, origin: f32) -> f32 {
    if end >= origin {
        end
    } else {
        origin
    }
}

/// `(x, y)` turned by `k` quarter turns clockwise.
#[inline(always)]
fn turn(k: u8, x: f32, y: f32) -> (f32, f32) {
    match k {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

/// The glyphs in their reading frames (`rotp` turns device space by the page rotation), each
/// in content order.
#[inline(always)]
fn frames_of(glyphs: &[Glyph], rotp: impl Fn(f32, f32) -> (f32, f32)) -> [Vec<G>; 4] {
    // Nearly every page reads left to right throughout: all its glyphs go to one frame, collected
    // in one pass that knows the length, so it writes them without checking the capacity each
    // time (a check whose call to grow would make the loop keep every value on the stack).
    // Up to the first glyph of another frame (after which the pass counts for nothing), the
    // glyph before is always of frame 0: no need to carry its frame along.
    let mut upright = true;
    let mut ahead: Vec<G> = glyphs
        .iter()
        .map(|g| {
            let (k, g) = in_frame(g, &rotp, &mut 0);
            upright &= k == 0;
            g
        })
        .collect();
    if upright {
        return [ahead, Vec::new(), Vec::new(), Vec::new()];
    }
    // Some glyph reads another way: sort them all out again.
    ahead.clear();
    frames_one_by_one(glyphs, &rotp, ahead)
}

/// The glyphs in their reading frames, as [`frames_of`] gives them, each glyph pushed to its
/// own frame; `ahead` (empty) becomes the left-to-right one.
fn frames_one_by_one(
    glyphs: &[Glyph],
    rotp: &impl Fn(f32, f32) -> (f32, f32),
    mut ahead: Vec<G>,
) -> [Vec<G>; 4] {
    let mut others: [Vec<G>; 3] = Default::default();
    let mut last_k = 0u8;
    for g in glyphs {
        let (k, g) = in_frame(g, rotp, &mut last_k);
        match k.checked_sub(1) {
            None => ahead.push(g),
            Some(i) => {
                if let Some(frame) = others.get_mut(i as usize) {
                    frame.push(g);
                }
            }
        }
    }
    let [a, b, c] = others;
    [ahead, a, b, c]
}

/// The reading frame of glyph `g` (quarter turns from its direction in device space, after
/// `rotp`) and the glyph in that frame: the direction it advances in picks the frame, and one
/// that does not advance goes with the glyph before, of frame `last_k` (which becomes `g`'s).
#[inline(always)]
fn in_frame(g: &Glyph, rotp: &impl Fn(f32, f32) -> (f32, f32), last_k: &mut u8) -> (u8, G) {
    let (ax, ay) = rotp(g.x0, g.y0);
    let (bx, by) = rotp(g.x1, g.y1);
    let (dx, dy) = (bx - ax, by - ay);
    let k = if dx.abs() < 1e-4 && dy.abs() < 1e-4 {
        *last_k
    } else if dx.abs() >= dy.abs() {
        if dx >= 0.0 {
            0
        } else {
            2
        }
    } else if dy > 0.0 {
        1
    } else {
        3
    };
    *last_k = k;
    let (fx0, fy) = turn(k, ax, ay);
    let (fx1, _) = turn(k, bx, by);
    let g = G {
        x0: fx0,
        x1: end_max(fx1, fx0),
        y: fy,
        size: g.size,
        text: g.text,
    };
    (k, g)
}

/// The runs of a frame's glyphs: each glyph extends the run of the glyph before or starts a new
/// one, so a run is a range of `glyphs`. Worked out once the frame is complete: the glyph before
/// is the one before in `glyphs`.
fn runs_of(glyphs: &[G]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut start = 0;
    while let Some(first) = glyphs.get(start) {
        let mut run = Run::at(start, first);
        // The glyphs that extend the run, each after the one before: a loop with no call in it
        // (the push that may grow `runs` comes after), which keeps the run in registers.
        let rest = glyphs.get(start..).unwrap_or_default();
        for (p, g) in rest.iter().zip(rest.get(1..).unwrap_or_default()) {
            if !run.takes(p, g) {
                break;
            }
            run.xmin = min_num(run.xmin, g.x0);
            run.size = max_num(run.size, g.size);
            run.end += 1;
        }
        start = run.end;
        runs.push(run);
    }
    runs
}

fn layout_frame(glyphs: &[G], raw: &Glyphs, units: &mut Vec<Unit>) {
    let mut runs = runs_of(glyphs);
    // Lines: cluster runs by baseline, top to bottom.
    runs.sort_by(|a, b| b.y.total_cmp(&a.y));
    // Each line: order runs by x, drop duplicates (fake bold), build words.
    let mut words = Words {
        buf: String::with_capacity(glyphs.len() + glyphs.len() / 2),
        list: Vec::with_capacity(glyphs.len() / 4),
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut scratch = LineScratch::default();
    for range in baselines(&runs) {
        let Some(l) = runs.get_mut(range) else {
            continue;
        };
        l.sort_by(|a, b| a.xmin.total_cmp(&b.xmin));
        if let Some(line) = build_line(l, glyphs, raw, &mut words, &mut scratch) {
            lines.push(line);
        }
    }
    let lines = split_columns(lines, &mut words);
    paragraphs_and_tables(lines, &words, units);
}

impl Run {
    /// The run of glyph `g`, `glyphs[i]` of its frame, alone.
    fn at(i: usize, g: &G) -> Run {
        Run {
            start: i,
            end: i + 1,
            y: g.y,
            size: g.size,
            xmin: g.x0,
        }
    }

    /// Whether glyph `g`, drawn right after `p` (the run's last glyph), continues the run.
    fn takes(&self, p: &G, g: &G) -> bool {
        let tol = || 0.35 * min_num(self.size, g.size).max(0.1);
        // Superscripts and subscripts: a smaller glyph right next to the previous one.
        let script = || {
            let size = max_num(p.size, g.size);
            (g.size - p.size).abs() > 0.15 * size
                && (g.x0 - p.x1).abs() < 0.5 * size
                && (g.y - p.y).abs() < 0.6 * size
        };
        // Nearly every glyph sits on the run's baseline: a distance of 0 is within any tolerance
        // (`tol` is at least 0.035), so it needs no working out.
        let dy = g.y - self.y;
        (dy == 0.0 || dy.abs() <= tol() || script())
            && g.x0 > p.x1 - 12.0 * max_num(g.size, self.size)
    }
}

/// Runs sorted top to bottom, grouped into lines: each run joins the line above when its baseline
/// is within 0.4 em of that line's first run.
fn baselines(runs: &[Run]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    // The current line's first baseline and largest size.
    let mut y = 0.0f32;
    let mut size = 0.0f32;
    for (i, r) in runs.iter().enumerate() {
        match out.last_mut() {
            Some(l) if (y - r.y).abs() <= 0.4 * size.min(r.size).max(0.1) => {
                l.end = i + 1;
                size = size.max(r.size);
            }
            _ => {
                out.push(i..i + 1);
                y = r.y;
                size = 0.0f32.max(r.size);
            }
        }
    }
    out
}

/// Whether `g` repeats one of the last eight glyphs placed on its line (`placed`), drawn again
/// at (almost) the same place: fake bold or shadow. `max_x` is the largest x0 among all of
/// `placed`.
fn repeats(g: &G, placed: &[&G], max_x: f32, raw: &Glyphs) -> bool {
    let tol = 0.2 * g.size;
    // Text advances: a glyph that starts at least `tol` right of every placed one is near none
    // of them (x0 - max_x >= tol gives x0 - x >= tol for each x <= max_x, as rounding keeps the
    // order of differences), which spares the scan for nearly every glyph.
    if g.x0 - max_x >= tol {
        return false;
    }
    let recent = placed
        .get(placed.len().saturating_sub(8)..)
        .unwrap_or_default();
    recent.iter().any(|p| {
        (p.x0 - g.x0).abs() < tol && (p.y - g.y).abs() < tol && raw.same_text(&p.text, &g.text)
    })
}

/// Whether a space separates two glyphs of a script with spaces (not CJK, neither starting or
/// ending in white space), `gap` apart on a line of size `sz`, the later with [`flag`] bits
/// `flags` and first character `first`, the earlier ending in `plast`: a known word break, a
/// gap too wide or too far back, or a new operator starting an upper-case word.
#[inline(always)]
fn latin_space(flags: u8, plast: char, first: char, gap: f32, sz: f32) -> bool {
    // The gap first, then one test of both flags, which nearly every glyph has neither of (the
    // terms have no side effects: any order gives the same answer).
    gap > 0.15 * sz
        || gap < -0.6 * sz
        || (flags & (flag::SEP | flag::OP_START) != 0
            && (flags & flag::SEP != 0
                || (flags & flag::OP_START != 0
                    && plast.is_ascii_lowercase()
                    && first.is_ascii_uppercase()
                    && gap > -0.1 * sz)))
}

/// The word being built: its text is `buf[start..]` of the frame's words.
struct OpenWord {
    start: usize,
    x0: f32,
    x1: f32,
    big_gap_before: bool,
    has_space: bool,
}

/// Scratch space reused from line to line.
#[derive(Default)]
struct LineScratch<'a> {
    /// The runs of the line that are not duplicates.
    keep: Vec<Run>,
    /// The glyphs placed on the line so far.
    placed: Vec<&'a G>,
}

/// Duplicate runs dropped and the glyphs of the rest cut into words (appended to `words`): one
/// line, or None when it holds no text.
fn build_line<'a>(
    l: &[Run],
    glyphs: &'a [G],
    raw: &Glyphs,
    words: &mut Words,
    scratch: &mut LineScratch<'a>,
) -> Option<Line> {
    let LineScratch { keep, placed } = scratch;
    let y = l.first().map(|r| r.y).unwrap_or(0.0);
    let size = l.iter().map(|r| r.size).fold(0.0f32, f32::max);
    let run_glyphs = |r: &Run| glyphs.get(r.start..r.end).unwrap_or_default();
    // Duplicate runs: same text starting at nearly the same x.
    keep.clear();
    for r in l {
        let dup = keep.iter().any(|k| {
            (k.xmin - r.xmin).abs() < 0.3 * r.size
                && k.end - k.start == r.end - r.start
                && run_glyphs(k)
                    .iter()
                    .zip(run_glyphs(r))
                    .all(|(a, b)| raw.same_text(&a.text, &b.text))
        });
        if !dup {
            keep.push(*r);
        }
    }
    let first_word = words.list.len();
    let mut cur: Option<OpenWord> = None;
    let mut prev: Option<&G> = None;
    placed.clear();
    let mut max_x = f32::NEG_INFINITY;
    for r in keep.iter() {
        for g in run_glyphs(r) {
            if g.is(flag::EMPTY) {
                continue;
            }
            if !g.is(flag::WS_FIRST) && repeats(g, placed, max_x, raw) {
                continue;
            }
            placed.push(g);
            // An upper bound is all `repeats` needs: NaN is left out, as it is near nothing.
            if g.x0 > max_x {
                max_x = g.x0;
            }
            if g.is(flag::BLANK) {
                // A space glyph counts only where it sits in the flow of the line.
                let in_flow = prev
                    .is_none_or(|p| (g.x0 - p.x1).abs() < 1.0 * max_num(p.size, g.size).max(0.1));
                if !in_flow {
                    continue;
                }
                prev = Some(g);
                words.close(&mut cur);
                continue;
            }
            let mut big = false;
            let mut space = false;
            if let Some(p) = prev {
                let gap = g.x0 - p.x1;
                let sz = max_num(p.size, g.size).max(0.1);
                if gap > 2.5 * sz {
                    big = true;
                } else if !p.is(flag::WS_LAST) && !g.is(flag::WS_FIRST) {
                    let (plast, first) = (p.text.last, g.text.first);
                    let cjk = is_cjk(plast) && is_cjk(first);
                    space = if cjk {
                        gap > 1.0 * sz
                    } else {
                        latin_space(g.text.flags, plast, first, gap, sz)
                    };
                }
            }
            prev = Some(g);
            if big || space {
                words.close(&mut cur);
            }
            match cur.as_mut() {
                Some(w) => {
                    w.has_space |= g.is(flag::SPACED);
                    w.x1 = max_num(w.x1, g.x1);
                }
                None => {
                    let line_words = words.list.get(first_word..).unwrap_or_default();
                    let gap_big = big
                        || line_words
                            .last()
                            .is_some_and(|w| g.x0 - w.x1 > 2.5 * g.size.max(0.1));
                    cur = Some(OpenWord {
                        start: words.buf.len(),
                        x0: g.x0,
                        x1: g.x1,
                        big_gap_before: gap_big && !line_words.is_empty(),
                        has_space: g.is(flag::SPACED),
                    });
                }
            }
            raw.push_text(&g.text, &mut words.buf);
        }
    }
    words.close(&mut cur);
    words.finish_line(first_word);
    let range = first_word..words.list.len();
    if let Some(w) = words.list.get_mut(first_word) {
        w.big_gap_before = false;
    }
    (!range.is_empty()).then_some(Line {
        y,
        size,
        words: range,
    })
}

#[derive(Debug, Clone, Copy)]
struct Word {
    /// The text is `buf[start..end]` of the frame's words.
    start: usize,
    end: usize,
    x0: f32,
    x1: f32,
    big_gap_before: bool,
    /// The text holds white space (only then can `collapse_spaces` change it).
    has_space: bool,
}

/// The words of a frame, their texts back to back in one buffer: one allocation for a page's
/// text instead of one per word.
struct Words {
    buf: String,
    list: Vec<Word>,
}

impl Words {
    fn text(&self, w: &Word) -> &str {
        self.buf.get(w.start..w.end).unwrap_or_default()
    }

    /// The words of a line.
    fn of(&self, line: &Line) -> &[Word] {
        self.list.get(line.words.clone()).unwrap_or_default()
    }

    /// Ends the word being built, if any: its text is the rest of the buffer.
    fn close(&mut self, cur: &mut Option<OpenWord>) {
        if let Some(w) = cur.take() {
            self.list.push(Word {
                start: w.start,
                end: self.buf.len(),
                x0: w.x0,
                x1: w.x1,
                big_gap_before: w.big_gap_before,
                has_space: w.has_space,
            });
        }
    }

    /// White space in the words of a line from `first` on collapsed (the collapsed text goes to
    /// the end of the buffer); words left empty dropped.
    fn finish_line(&mut self, first: usize) {
        let mut any_empty = false;
        for i in first..self.list.len() {
            let Some(&w) = self.list.get(i) else {
                continue;
            };
            if !w.has_space {
                continue;
            }
            let collapsed = collapse_spaces(self.text(&w));
            let start = self.buf.len();
            self.buf.push_str(&collapsed);
            if let Some(w) = self.list.get_mut(i) {
                w.start = start;
                w.end = self.buf.len();
                any_empty |= w.start == w.end;
            }
        }
        if any_empty {
            let mut line = self.list.split_off(first);
            line.retain(|w| w.start < w.end);
            self.list.append(&mut line);
        }
    }
}

struct Line {
    y: f32,
    size: f32,
    /// Indexes into the frame's words.
    words: Range<usize>,
}

/// Two-column text: when many lines split at one gutter into two long runs of prose, read the
/// left column before the right one (between full-width lines).
fn split_columns(lines: Vec<Line>, words: &mut Words) -> Vec<Line> {
    let chars = |w: &Word| words.text(w).chars().count() + 1;
    // Candidate gutters: where a line's widest word gap (at least 1.2 em) opens onto a second
    // long run of text.
    let mut starts: Vec<f32> = Vec::new();
    for l in &lines {
        let lw = words.of(l);
        let sz = l.size.max(0.1);
        let mut best: Option<(f32, usize)> = None;
        for (i, pair) in lw.windows(2).enumerate() {
            let gap = pair[1].x0 - pair[0].x1;
            if gap >= 1.2 * sz && best.is_none_or(|(g, _)| gap > g) {
                best = Some((gap, i + 1));
            }
        }
        if let Some((_, k)) = best {
            let left: usize = lw[..k].iter().map(chars).sum();
            let right: usize = lw[k..].iter().map(chars).sum();
            if left >= 20 && right >= 20 {
                starts.push(lw[k].x0);
            }
        }
    }
    // Lines that start far right of the left margin, with long text: a right column whose
    // baselines differ from the left column's.
    let margin = lines
        .iter()
        .filter_map(|l| words.of(l).first().map(|w| w.x0))
        .fold(f32::INFINITY, f32::min);
    for l in &lines {
        let lw = words.of(l);
        if let Some(w) = lw.first() {
            if w.x0 > margin + 10.0 * l.size.max(0.1) && lw.iter().map(chars).sum::<usize>() >= 20 {
                starts.push(w.x0);
            }
        }
    }
    let two = starts.len();
    if two < 6 || two * 4 < lines.len() {
        return lines;
    }
    starts.sort_by(|a, b| a.total_cmp(b));
    let median = starts[starts.len() / 2];
    let mut sizes: Vec<f32> = lines.iter().map(|l| l.size).collect();
    sizes.sort_by(|a, b| a.total_cmp(b));
    let size = sizes.get(sizes.len() / 2).copied().unwrap_or(1.0).max(1.0);
    let aligned = starts
        .iter()
        .filter(|x| (*x - median).abs() < 1.5 * size)
        .count();
    if aligned * 10 < starts.len() * 7 {
        return lines;
    }
    let gutter = median - 0.3 * size;
    let left_of_gutter = |w: &Word| w.x0 < gutter;
    // A line crosses the gutter when one word starts left of it and ends right of it.
    // It also reads across when the words either side of the gutter are only a word space apart.
    let crossing: Vec<bool> = lines
        .iter()
        .map(|l| {
            let lw = words.of(l);
            if lw
                .iter()
                .any(|w| w.x0 < gutter && w.x1 > gutter + 0.5 * size)
            {
                return true;
            }
            let a = lw.iter().rev().find(|w| w.x0 < gutter);
            let b = lw.iter().find(|w| w.x0 >= gutter);
            matches!((a, b), (Some(a), Some(b)) if b.x0 - a.x1 < 0.8 * l.size.max(0.1))
        })
        .collect();
    if crossing.iter().filter(|&&c| c).count() * 5 > lines.len() {
        return lines;
    }
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut left: Vec<Line> = Vec::new();
    let mut right: Vec<Line> = Vec::new();
    for (l, crosses) in lines.into_iter().zip(crossing) {
        if crosses {
            out.append(&mut left);
            out.append(&mut right);
            out.push(l);
            continue;
        }
        // The line's words left of the gutter, then those right of it, copied to the end of the
        // list: two lines of their own.
        let a = words.list.len();
        let mut copy_side = |left: bool| {
            for i in l.words.clone() {
                if let Some(&w) = words.list.get(i) {
                    if left_of_gutter(&w) == left {
                        words.list.push(w);
                    }
                }
            }
            words.list.len()
        };
        let b = copy_side(true);
        let c = copy_side(false);
        if let Some(w) = words.list.get_mut(b) {
            w.big_gap_before = false;
        }
        if b > a {
            left.push(Line {
                y: l.y,
                size: l.size,
                words: a..b,
            });
        }
        if c > b {
            right.push(Line {
                y: l.y,
                size: l.size,
                words: b..c,
            });
        }
    }
    out.append(&mut left);
    out.append(&mut right);
    out
}

/// Lines, top to bottom, as paragraphs and table rows: a line with two or more fragments starts
/// a table; the lines after it that fit its columns continue it.
fn paragraphs_and_tables(lines: Vec<Line>, words: &Words, units: &mut Vec<Unit>) {
    let mut para = Para::default();
    let mut para_last: Option<(f32, f32)> = None;
    let mut table: Option<Table> = None;
    for line in lines {
        let lw = words.of(&line);
        let frags = fragment_count(lw);
        if let Some(t) = table.as_mut() {
            let vgap = t.last_y - line.y;
            let sz = line.size.max(t.size).max(0.1);
            if vgap >= -0.5 * sz && vgap <= 2.5 * sz {
                let cols = t.assign(line.size, lw, words);
                let used: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(i, _)| i)
                    .collect();
                let multi = frags >= 2 || used.len() >= 2;
                let continuation = vgap <= 1.7 * sz
                    && !t.row.is_empty()
                    && (used.first().is_some_and(|&c| c > 0) || (!multi && t.cols.len() >= 2));
                if continuation {
                    for (i, c) in cols.into_iter().enumerate() {
                        if c.is_empty() {
                            continue;
                        }
                        match t.row.iter_mut().find(|(k, _)| *k == i as u32) {
                            Some((_, txt)) => {
                                txt.push('\n');
                                txt.push_str(&c);
                            }
                            None => {
                                t.row.push((i as u32, c));
                                t.row.sort_by_key(|(k, _)| *k);
                            }
                        }
                    }
                    t.last_y = line.y;
                    continue;
                }
                if multi {
                    t.flush(units);
                    if frags > t.cols.len() {
                        t.cols = fragments(lw, words).into_iter().map(|f| f.0).collect();
                    }
                    let cols = t.assign(line.size, lw, words);
                    t.row = cols
                        .into_iter()
                        .enumerate()
                        .filter(|(_, c)| !c.is_empty())
                        .map(|(i, c)| (i as u32, c))
                        .collect();
                    t.last_y = line.y;
                    t.size = line.size;
                    continue;
                }
            }
            if let Some(mut t) = table.take() {
                t.flush(units);
            }
        }
        if frags >= 2 {
            if !para.is_empty() {
                para.flush(units);
            }
            para_last = None;
            let frags = fragments(lw, words);
            table = Some(Table {
                cols: frags.iter().map(|f| f.0).collect(),
                row: frags
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| (i as u32, f.1))
                    .collect(),
                last_y: line.y,
                size: line.size,
                new_table: true,
            });
            continue;
        }
        if let Some((py, ps)) = para_last {
            let gap = py - line.y;
            let sz = ps.max(line.size).max(0.1);
            let size_jump = ps / line.size.max(0.1) > 1.15 || line.size / ps.max(0.1) > 1.15;
            if gap > 1.6 * sz || gap < -0.5 * sz || size_jump {
                para.flush(units);
            }
        }
        para.push_line(lw, words);
        para_last = Some((line.y, line.size));
    }
    if let Some(mut t) = table.take() {
        t.flush(units);
    }
    if !para.is_empty() {
        para.flush(units);
    }
}

/// The open paragraph: its lines joined with '\n', built in place.
#[derive(Default)]
struct Para {
    text: String,
    lines: usize,
}

impl Para {
    fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Adds a line of one fragment: its words joined with spaces.
    fn push_line(&mut self, lw: &[Word], words: &Words) {
        if self.lines > 0 {
            self.text.push('\n');
        }
        for (i, w) in lw.iter().enumerate() {
            if i > 0 {
                self.text.push(' ');
            }
            self.text.push_str(words.text(w));
        }
        self.lines += 1;
    }

    /// Hands the paragraph over (a copy of the exact size: the buffer serves the next one).
    fn flush(&mut self, units: &mut Vec<Unit>) {
        units.push(Unit::Paragraph(self.text.as_str().to_owned()));
        self.text.clear();
        self.lines = 0;
    }
}

/// How many fragments (runs of words between large gaps) a line has.
fn fragment_count(lw: &[Word]) -> usize {
    match lw.split_first() {
        Some((_, rest)) => 1 + rest.iter().filter(|w| w.big_gap_before).count(),
        None => 0,
    }
}

/// A line's fragments, split at large gaps: (x start, text).
fn fragments(lw: &[Word], words: &Words) -> Vec<(f32, String)> {
    let mut out: Vec<(f32, String)> = Vec::new();
    for (i, w) in lw.iter().enumerate() {
        match out.last_mut() {
            Some((_, t)) if !w.big_gap_before => {
                t.push(' ');
                t.push_str(words.text(w));
            }
            _ => {
                // Sized for the words up to the next big gap.
                let len: usize = lw[i..]
                    .iter()
                    .enumerate()
                    .take_while(|(k, x)| *k == 0 || !x.big_gap_before)
                    .map(|(_, x)| x.end - x.start + 1)
                    .sum();
                let mut t = String::with_capacity(len);
                t.push_str(words.text(w));
                out.push((w.x0, t));
            }
        }
    }
    out
}

struct Table {
    /// x where each column starts.
    cols: Vec<f32>,
    /// The pending row: (column, text).
    row: Vec<(u32, String)>,
    last_y: f32,
    size: f32,
    new_table: bool,
}

impl Table {
    /// Words of a line (of font size `size`) distributed over the columns.
    fn assign(&self, size: f32, lw: &[Word], words: &Words) -> Vec<String> {
        let mut out = vec![String::new(); self.cols.len().max(1)];
        let tol = 0.5 * size.max(0.1);
        for w in lw {
            let mut c = 0;
            for (i, &x) in self.cols.iter().enumerate() {
                if w.x0 >= x - tol {
                    c = i;
                }
            }
            if let Some(slot) = out.get_mut(c) {
                if !slot.is_empty() {
                    slot.push(' ');
                }
                slot.push_str(words.text(w));
            }
        }
        out
    }

    fn flush(&mut self, units: &mut Vec<Unit>) {
        if self.row.is_empty() {
            return;
        }
        units.push(Unit::Row {
            cells: std::mem::take(&mut self.row),
            new_table: self.new_table,
        });
        self.new_table = false;
    }
}

fn collapse_spaces(s: &str) -> String {
    // Words are cut at spaces: nearly all have none left to collapse.
    if !s.chars().any(char::is_whitespace) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut prev_space = false;
    for c in s.chars() {
        let c = if c.is_whitespace() && c != '\u{3000}' {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::pdf::glyph::TextFacts;

    /// A glyph as a test writes it.
    #[derive(Debug, Clone)]
    struct RawGlyph {
        text: String,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        size: f32,
        sep: bool,
        op_start: bool,
    }

    fn glyphs_of(raw: &[RawGlyph]) -> Glyphs {
        let mut glyphs = Glyphs::default();
        for g in raw {
            let extra =
                if g.sep { flag::SEP } else { 0 } | if g.op_start { flag::OP_START } else { 0 };
            let pos = [g.x0, g.y0, g.x1, g.y1, g.size];
            glyphs.push(pos, TextFacts::of(&g.text), extra, &g.text);
        }
        glyphs
    }

    fn layout(raw: Vec<RawGlyph>, rotate: i64) -> Vec<Unit> {
        super::layout(glyphs_of(&raw), rotate)
    }

    fn g(text: &str, x0: f32, y: f32, size: f32) -> RawGlyph {
        RawGlyph {
            text: text.into(),
            x0,
            y0: y,
            x1: x0 + size * 0.5 * text.chars().count() as f32,
            y1: y,
            size,
            sep: false,
            op_start: false,
        }
    }

    #[test]
    fn words_lines_and_rows() {
        let glyphs = vec![
            g("ab", 0.0, 100.0, 10.0),
            g("cd", 12.0, 100.0, 10.0), // gap 2 = 0.2 em -> space
            g("ef", 0.0, 88.0, 10.0),   // next line, same paragraph
            g("x", 0.0, 40.0, 10.0),    // big gap -> row
            g("y", 100.0, 40.0, 10.0),
        ];
        let u = layout(glyphs, 0);
        assert_eq!(
            u,
            vec![
                Unit::Paragraph("ab cd\nef".into()),
                Unit::Row {
                    cells: vec![(0, "x".into()), (1, "y".into())],
                    new_table: true
                }
            ]
        );
    }

    #[test]
    fn cjk_no_spaces() {
        let glyphs = vec![g("中", 0.0, 100.0, 10.0), g("文", 12.0, 100.0, 10.0)];
        assert_eq!(layout(glyphs, 0), vec![Unit::Paragraph("中文".into())]);
    }
    /// A glyph advancing from (x0, y0) to (x1, y1).
    fn seg(text: &str, x0: f32, y0: f32, x1: f32, y1: f32, size: f32) -> RawGlyph {
        RawGlyph {
            text: text.into(),
            x0,
            y0,
            x1,
            y1,
            size,
            sep: false,
            op_start: false,
        }
    }

    /// `s` drawn one character per glyph, each 0.5 em wide, from `x` on baseline `y`.
    fn line(s: &str, x: f32, y: f32, size: f32) -> Vec<RawGlyph> {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                g(
                    c.encode_utf8(&mut [0; 4]),
                    x + i as f32 * size * 0.5,
                    y,
                    size,
                )
            })
            .collect()
    }

    fn para(s: &str) -> Unit {
        Unit::Paragraph(s.into())
    }

    fn case_fake_bold_glyphs() -> Vec<RawGlyph> {
        // Each glyph drawn twice, the copy 0.05 em to the right.
        line("Bold text", 0.0, 100.0, 10.0)
            .into_iter()
            .flat_map(|a| {
                let b = RawGlyph {
                    text: a.text.clone(),
                    x0: a.x0 + 0.5,
                    x1: a.x1 + 0.5,
                    ..a
                };
                [a, b]
            })
            .collect()
    }

    fn case_fake_bold_runs() -> Vec<RawGlyph> {
        // A long line drawn again 0.03 em off: a second run, dropped whole.
        let text = "A heading long enough for two runs";
        let mut v = line(text, 0.0, 100.0, 10.0);
        v.extend(line(text, 0.3, 100.0, 10.0));
        v
    }

    fn case_fake_bold_long_word() -> Vec<RawGlyph> {
        // A word of more than eight glyphs drawn again: its copy's first glyphs are no longer
        // among the last eight placed, the rest are.
        let mut v = line("Fakebolding", 0.0, 100.0, 10.0);
        v.extend(line("Fakebolding", 0.3, 100.0, 10.0));
        v
    }

    fn case_superscript() -> Vec<RawGlyph> {
        vec![
            g("x", 0.0, 100.0, 10.0),
            g("2", 5.0, 104.0, 6.0),
            g(" ", 8.0, 100.0, 10.0),
            g("y", 13.0, 100.0, 10.0),
            g("i", 18.0, 97.0, 6.0),
        ]
    }

    fn case_rotated_page() -> Vec<RawGlyph> {
        // /Rotate 90: text runs up the page, lines step left.
        let mut v = Vec::new();
        for (k, s) in ["first line", "second line"].iter().enumerate() {
            let x = 100.0 + k as f32 * 12.0;
            for (i, c) in s.chars().enumerate() {
                let y = i as f32 * 5.0;
                v.push(seg(c.encode_utf8(&mut [0; 4]), x, y, x, y + 5.0, 10.0));
            }
        }
        v
    }

    fn case_mixed_frames() -> Vec<RawGlyph> {
        // Upright text, then a caption reading bottom to top, then one reading top to bottom.
        let mut v = line("upright", 0.0, 100.0, 10.0);
        for (i, c) in "up".chars().enumerate() {
            let y = i as f32 * 5.0;
            v.push(seg(
                c.encode_utf8(&mut [0; 4]),
                300.0,
                y,
                300.0,
                y + 5.0,
                10.0,
            ));
        }
        for (i, c) in "down".chars().enumerate() {
            let y = 500.0 - i as f32 * 5.0;
            v.push(seg(
                c.encode_utf8(&mut [0; 4]),
                400.0,
                y,
                400.0,
                y - 5.0,
                10.0,
            ));
        }
        // A glyph of no advance goes with the frame of the glyph before.
        v.push(seg("!", 400.0, 480.0, 400.0, 480.0, 10.0));
        v
    }

    fn case_two_columns() -> Vec<RawGlyph> {
        let mut v = Vec::new();
        for k in 0..8 {
            let y = 700.0 - k as f32 * 12.0;
            v.extend(line(&format!("left column line {k} text"), 50.0, y, 10.0));
            v.extend(line(&format!("right column line {k} text"), 320.0, y, 10.0));
        }
        v
    }

    fn case_table() -> Vec<RawGlyph> {
        let mut v = line("Intro text", 0.0, 300.0, 10.0);
        for (k, cells) in [
            ["Item", "Qty", "Price"],
            ["Cable", "2", "10"],
            ["Camera", "1", "99"],
        ]
        .iter()
        .enumerate()
        {
            let y = 280.0 - k as f32 * 12.0;
            for (c, s) in cells.iter().enumerate() {
                v.extend(line(s, c as f32 * 100.0, y, 10.0));
            }
        }
        // A second line of the last row's last cell.
        v.extend(line("each", 200.0, 247.0, 10.0));
        v.extend(line("Outro text", 0.0, 180.0, 10.0));
        v
    }

    fn case_ligatures_and_actual_text() -> Vec<RawGlyph> {
        vec![
            g("o", 0.0, 100.0, 10.0),
            seg("ffi", 5.0, 100.0, 12.0, 100.0, 10.0),
            g("c", 12.0, 100.0, 10.0),
            g("e", 17.0, 100.0, 10.0),
            // ActualText with white space inside and around it.
            seg(" New  York ", 30.0, 100.0, 60.0, 100.0, 10.0),
            seg("\u{a0}\u{2003}", 60.0, 100.0, 65.0, 100.0, 10.0),
            g("x", 65.0, 100.0, 10.0),
            seg("\u{3000}全角", 75.0, 100.0, 100.0, 100.0, 10.0),
        ]
    }

    fn case_cjk_gaps() -> Vec<RawGlyph> {
        vec![
            g("中", 0.0, 100.0, 10.0),
            g("文", 12.0, 100.0, 10.0),
            // More than 1 em apart: a space.
            g("字", 34.0, 100.0, 10.0),
            g("a", 42.0, 100.0, 10.0),
        ]
    }

    fn case_op_start() -> Vec<RawGlyph> {
        let mut v = line("word", 0.0, 100.0, 10.0);
        let mut next = line("Next", 20.0, 100.0, 10.0);
        next[0].op_start = true;
        v.extend(next);
        let mut kerned = line("kern", 40.0, 100.0, 10.0);
        kerned[2].sep = true;
        v.extend(kerned);
        v
    }

    fn case_spaces() -> Vec<RawGlyph> {
        vec![
            g(" ", 0.0, 100.0, 10.0),
            g("a", 5.0, 100.0, 10.0),
            // A space glyph far from the flow of the line counts for nothing.
            g(" ", 200.0, 100.0, 10.0),
            g("b", 10.0, 100.0, 10.0),
            g(" ", 15.0, 100.0, 10.0),
            g("c", 20.0, 100.0, 10.0),
            g("", 25.0, 100.0, 10.0),
            g("d", 25.0, 100.0, 10.0),
        ]
    }

    #[test]
    fn empty_input() {
        assert_eq!(layout(Vec::new(), 0), vec![]);
        assert_eq!(layout(vec![g("", 0.0, 100.0, 10.0)], 0), vec![]);
        assert_eq!(layout(vec![g(" ", 0.0, 100.0, 10.0)], 90), vec![]);
    }

    #[test]
    fn fake_bold() {
        assert_eq!(layout(case_fake_bold_glyphs(), 0), vec![para("Bold text")]);
        assert_eq!(
            layout(case_fake_bold_runs(), 0),
            vec![para("A heading long enough for two runs")]
        );
        // Only the last eight glyphs placed are compared.
        assert_eq!(
            layout(case_fake_bold_long_word(), 0),
            vec![para("Fakebolding Fakebolding")]
        );
    }

    /// The scan for a repeated glyph is skipped when the glyph starts far enough right of every
    /// placed one: on any positions (NaN, infinite, signed zeros, negative sizes) the answer is
    /// that of the full scan (which a NaN bound forces).
    #[test]
    fn repeat_skip_agrees_with_full_scan() {
        let values = [
            0.0f32,
            -0.0,
            0.5,
            1.0,
            1.9,
            2.0,
            2.1,
            10.0,
            -3.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let sizes = [10.0f32, 0.0, -10.0, 1.0, f32::NAN, f32::INFINITY];
        let texts = ["a", "b", "a"];
        let mut next = crate::testing::below(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let n = 1 + next(12);
            // Built as G directly: the glyphs the interpreter shows have finite origins and sizes.
            let glyphs: Vec<G> = (0..n)
                .map(|_| {
                    let facts = TextFacts::of(texts[next(3)]);
                    let (x0, y, size) = (values[next(12)], values[next(12)], sizes[next(6)]);
                    G {
                        x0,
                        x1: x0 + size * 0.5,
                        y,
                        size,
                        text: Text {
                            first: facts.first,
                            last: facts.last,
                            span: Default::default(),
                            flags: facts.flags,
                        },
                    }
                })
                .collect();
            let raw = Glyphs::default();
            let (g, placed) = glyphs.split_last().unwrap();
            let placed: Vec<&G> = placed.iter().collect();
            let mut max_x = f32::NEG_INFINITY;
            for p in &placed {
                if p.x0 > max_x {
                    max_x = p.x0;
                }
            }
            assert_eq!(
                repeats(g, &placed, max_x, &raw),
                repeats(g, &placed, f32::NAN, &raw),
                "{g:?} after {placed:?}"
            );
        }
    }

    /// Runs found a run at a time are those of taking the glyphs one at a time, each extending
    /// the last run or starting one: on empty frames, single glyphs, breaks anywhere.
    #[test]
    fn runs_agree_with_glyph_by_glyph() {
        let mut next = crate::testing::below(0x7A11_0FF1_CE5E_A7B3);
        for _ in 0..3000 {
            let raw: Vec<RawGlyph> = (0..next(25))
                .map(|i| {
                    let x = [i as f32 * 5.0, 0.0, 300.0][next(3)];
                    let y = [100.0, 100.0, 101.0, 60.0][next(4)];
                    g("a", x, y, [10.0, 10.0, 6.0][next(3)])
                })
                .collect();
            let [glyphs, ..] = frames_of(&glyphs_of(&raw).list, |x, y| (x, y));
            let mut want: Vec<Run> = Vec::new();
            for (i, g) in glyphs.iter().enumerate() {
                match want.last_mut() {
                    Some(r) if r.takes(&glyphs[i - 1], g) => {
                        r.xmin = min_num(r.xmin, g.x0);
                        r.size = max_num(r.size, g.size);
                        r.end = i + 1;
                    }
                    _ => want.push(Run::at(i, g)),
                }
            }
            assert_eq!(
                format!("{:?}", runs_of(&glyphs)),
                format!("{want:?}"),
                "{raw:?}"
            );
        }
    }

    /// The tests of `latin_space` and `Run::takes`, put in the order that is quickest for the
    /// common glyph, answer as the plain formulas do, on any numbers (NaN and infinities too).
    #[test]
    fn reordered_tests_agree_with_plain_formulas() {
        let values = [
            0.0f32,
            -0.0,
            0.01,
            0.1,
            1.0,
            -1.0,
            1.4,
            2.0,
            -5.0,
            10.0,
            12.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let chars = ['a', 'Z', '1', ' '];
        let flag_sets = [0, flag::SEP, flag::OP_START, flag::SEP | flag::OP_START];
        let mut next = crate::testing::below(0x0DDB_A11C_5EED_7E57);
        let glyph = |x0, x1, y, size| G {
            x0,
            x1,
            y,
            size,
            text: Text {
                first: 'a',
                last: 'a',
                span: Default::default(),
                flags: 0,
            },
        };
        for _ in 0..100_000 {
            let (flags, plast, first) = (flag_sets[next(4)], chars[next(4)], chars[next(4)]);
            let mut r = [0.0f32; 12];
            for x in &mut r {
                *x = values[next(values.len())];
            }
            let [gap, sz, y, size, px0, px1, py, psize, x0, x1, gy, gsize] = r;
            let plain = flags & flag::SEP != 0
                || gap > 0.15 * sz
                || gap < -0.6 * sz
                || (flags & flag::OP_START != 0
                    && plast.is_ascii_lowercase()
                    && first.is_ascii_uppercase()
                    && gap > -0.1 * sz);
            assert_eq!(latin_space(flags, plast, first, gap, sz), plain);

            let run = Run {
                start: 0,
                end: 1,
                y,
                size,
                xmin: 0.0,
            };
            let (p, g) = (glyph(px0, px1, py, psize), glyph(x0, x1, gy, gsize));
            let tol = 0.35 * min_num(run.size, g.size).max(0.1);
            let size = max_num(p.size, g.size);
            let script = (g.size - p.size).abs() > 0.15 * size
                && (g.x0 - p.x1).abs() < 0.5 * size
                && (g.y - p.y).abs() < 0.6 * size;
            let plain = ((g.y - run.y).abs() <= tol || script)
                && g.x0 > p.x1 - 12.0 * max_num(g.size, run.size);
            assert_eq!(run.takes(&p, &g), plain, "{run:?} {p:?} {g:?}");
        }
    }

    /// `min_num` and `max_num` are `f32::min` and `f32::max` on numbers that are not NaN, to the
    /// bit (signed zeros, infinities), and `end_max` is `f32::max` of an end that may be NaN.
    #[test]
    fn min_and_max_of_numbers_agree_with_f32() {
        use std::hint::black_box;
        let values = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.01,
            12.5,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for a in values {
            for b in values {
                let (x, y) = (black_box(a), black_box(b));
                assert_eq!(min_num(a, b).to_bits(), x.min(y).to_bits(), "{a} {b}");
                assert_eq!(max_num(a, b).to_bits(), x.max(y).to_bits(), "{a} {b}");
                assert_eq!(end_max(a, b).to_bits(), x.max(y).to_bits(), "{a} {b}");
            }
            let nan = black_box(f32::NAN);
            assert_eq!(
                end_max(f32::NAN, a).to_bits(),
                nan.max(black_box(a)).to_bits()
            );
        }
    }

    /// An upright page is laid out by a loop of its own: the same glyphs turned a quarter turn
    /// back on a page of /Rotate 90 (turning is exact) are laid out the general way, to the same
    /// units. Glyphs advance every way, or not at all, or to NaN and infinities.
    #[test]
    fn upright_pages_lay_out_as_turned_ones() {
        let mut next = crate::testing::below(0x8E3C_5B2F_1A47_D609);
        let steps = [0.0f32, -0.0, 5.0, -5.0, 1e-5, 0.3, f32::NAN, f32::INFINITY];
        let texts = ["a", "B", " ", "ffi", "中", "x"];
        for _ in 0..3000 {
            let mut upright = Vec::new();
            let (mut x, mut y) = (next(50) as f32, 100.0 + next(50) as f32);
            for _ in 0..1 + next(40) {
                if next(8) == 0 {
                    let at = [0.0, -0.0, next(300) as f32];
                    (x, y) = (at[next(3)], at[next(3)]);
                }
                let (dx, dy) = match next(4) {
                    0 => (steps[next(steps.len())], steps[next(steps.len())]),
                    _ => (5.0, 0.0),
                };
                upright.push(seg(texts[next(texts.len())], x, y, x + dx, y + dy, 10.0));
                x += 5.0;
            }
            let turned: Vec<RawGlyph> = upright
                .iter()
                .map(|g| RawGlyph {
                    x0: -g.y0,
                    y0: g.x0,
                    x1: -g.y1,
                    y1: g.x1,
                    ..g.clone()
                })
                .collect();
            assert_eq!(
                layout(upright.clone(), 0),
                layout(turned, 90),
                "{upright:?}"
            );
        }
    }

    /// A page whose glyphs all read left to right is collected in one pass: the frames are
    /// those of putting each glyph in its own, to the bit, on pages upright or not (which the
    /// one pass starts on and then hands over), glyphs of no advance and NaN among them.
    #[test]
    fn upright_pass_agrees_with_one_by_one() {
        let mut next = crate::testing::below(0x51A7_C0DE_9B3F_2E61);
        let steps = [5.0f32, 0.0, -0.0, 1e-5, -1e-5, -5.0, f32::NAN];
        let texts = ["a", " ", "ffi", ""];
        for _ in 0..3000 {
            let n = next(30);
            let tilted = next(3) == 0;
            let raw: Vec<RawGlyph> = (0..n)
                .map(|i| {
                    let (x, y) = (i as f32 * 5.0, 100.0 - next(3) as f32);
                    let dx = steps[next(if tilted { steps.len() } else { 5 })];
                    let dy = if tilted && next(4) == 0 { 5.0 } else { 0.0 };
                    seg(texts[next(texts.len())], x, y, x + dx, y + dy, 10.0)
                })
                .collect();
            let glyphs = glyphs_of(&raw);
            let upright = |x, y| (x, y);
            assert_eq!(
                format!("{:?}", frames_of(&glyphs.list, upright)),
                format!(
                    "{:?}",
                    frames_one_by_one(&glyphs.list, &upright, Vec::new())
                ),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn superscripts_join_their_word() {
        assert_eq!(layout(case_superscript(), 0), vec![para("x2 yi")]);
    }

    #[test]
    fn rotated_text() {
        assert_eq!(
            layout(case_rotated_page(), 90),
            vec![para("first line\nsecond line")]
        );
        // Each reading direction is laid out on its own, upright text first.
        assert_eq!(
            layout(case_mixed_frames(), 0),
            vec![para("upright"), para("up"), para("down!")]
        );
    }

    #[test]
    fn two_columns_read_left_then_right() {
        let left: Vec<String> = (0..8)
            .map(|k| format!("left column line {k} text"))
            .collect();
        let right: Vec<String> = (0..8)
            .map(|k| format!("right column line {k} text"))
            .collect();
        assert_eq!(
            layout(case_two_columns(), 0),
            vec![para(&left.join("\n")), para(&right.join("\n"))]
        );
    }

    #[test]
    fn table_rows_and_continuation() {
        let row = |cells: [&str; 3], new_table| Unit::Row {
            cells: cells
                .iter()
                .enumerate()
                .map(|(i, c)| (i as u32, c.to_string()))
                .collect(),
            new_table,
        };
        assert_eq!(
            layout(case_table(), 0),
            vec![
                para("Intro text"),
                row(["Item", "Qty", "Price"], true),
                row(["Cable", "2", "10"], false),
                row(["Camera", "1", "99\neach"], false),
                para("Outro text"),
            ]
        );
    }

    #[test]
    fn glyphs_of_several_characters() {
        assert_eq!(
            layout(case_ligatures_and_actual_text(), 0),
            vec![para("office New York x\u{3000}全角")]
        );
    }

    #[test]
    fn word_breaks() {
        assert_eq!(layout(case_cjk_gaps(), 0), vec![para("中文 字 a")]);
        assert_eq!(layout(case_op_start(), 0), vec![para("word Nextke rn")]);
        assert_eq!(layout(case_spaces(), 0), vec![para("ab cd")]);
    }
}
