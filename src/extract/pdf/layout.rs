//! From positioned glyphs to lines, paragraphs and table rows.

use super::content::RawGlyph;
use super::GlyphText;

/// A glyph in its reading frame: advance along +x, baseline at `y`, "up" is +y.
#[derive(Debug, Clone)]
struct G {
    text: GlyphText,
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    sep: bool,
    op_start: bool,
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
pub fn layout(raw: Vec<RawGlyph>, rotate: i64) -> Vec<Unit> {
    let rot = (rotate.rem_euclid(360) / 90) as u8;
    let rotp = |x: f32, y: f32| -> (f32, f32) {
        match rot {
            1 => (y, -x),
            2 => (-x, -y),
            3 => (-y, x),
            _ => (x, y),
        }
    };
    // Nearly every glyph of a page reads left to right: size that frame for all of them at once.
    let mut groups: [Vec<G>; 4] = [
        Vec::with_capacity(raw.len()),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    ];
    let mut last_k = 0usize;
    for g in raw {
        let (ax, ay) = rotp(g.x0, g.y0);
        let (bx, by) = rotp(g.x1, g.y1);
        let (dx, dy) = (bx - ax, by - ay);
        let k = if dx.abs() < 1e-4 && dy.abs() < 1e-4 {
            last_k
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
        last_k = k;
        let f = |x: f32, y: f32| -> (f32, f32) {
            match k {
                1 => (y, -x),
                2 => (-x, -y),
                3 => (-y, x),
                _ => (x, y),
            }
        };
        let (fx0, fy) = f(ax, ay);
        let (fx1, _) = f(bx, by);
        if let Some(grp) = groups.get_mut(k) {
            grp.push(G {
                text: g.text,
                x0: fx0,
                x1: fx1.max(fx0),
                y: fy,
                size: g.size,
                sep: g.sep,
                op_start: g.op_start,
            });
        }
    }
    let mut units = Vec::new();
    for grp in groups {
        if !grp.is_empty() {
            layout_frame(grp, &mut units);
        }
    }
    units
}

fn layout_frame(glyphs: Vec<G>, units: &mut Vec<Unit>) {
    // 1. Runs in content order: each glyph extends the last run or starts a new one, so a run is
    // a range of `glyphs`.
    let mut runs: Vec<Run> = Vec::new();
    for (i, g) in glyphs.iter().enumerate() {
        let same = runs.last().is_some_and(|r| {
            let tol = 0.35 * r.size.min(g.size).max(0.1);
            let p = &glyphs[r.end - 1];
            // Superscripts and subscripts: a smaller glyph right next to the previous one.
            let script = (g.size - p.size).abs() > 0.15 * p.size.max(g.size)
                && (g.x0 - p.x1).abs() < 0.5 * p.size.max(g.size)
                && (g.y - p.y).abs() < 0.6 * p.size.max(g.size);
            ((g.y - r.y).abs() <= tol || script) && g.x0 > p.x1 - 12.0 * g.size.max(r.size)
        });
        if same {
            if let Some(r) = runs.last_mut() {
                r.xmin = r.xmin.min(g.x0);
                r.size = r.size.max(g.size);
                r.end = i + 1;
            }
        } else {
            runs.push(Run {
                start: i,
                end: i + 1,
                y: g.y,
                size: g.size,
                xmin: g.x0,
            });
        }
    }
    // 2. Lines: cluster runs by baseline, top to bottom.
    runs.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut lines: Vec<Vec<Run>> = Vec::new();
    for r in runs {
        let join = lines.last().is_some_and(|l| {
            let ly = l.first().map(|x| x.y).unwrap_or(0.0);
            let ls = l.iter().map(|x| x.size).fold(0.0f32, f32::max);
            (ly - r.y).abs() <= 0.4 * ls.min(r.size).max(0.1)
        });
        if join {
            if let Some(l) = lines.last_mut() {
                l.push(r);
            }
        } else {
            lines.push(vec![r]);
        }
    }
    // 3. Each line: order runs by x, drop duplicates (fake bold), build words.
    let mut out_lines: Vec<Line> = Vec::new();
    for mut l in lines {
        l.sort_by(|a, b| a.xmin.total_cmp(&b.xmin));
        let y = l.first().map(|r| r.y).unwrap_or(0.0);
        let size = l.iter().map(|r| r.size).fold(0.0f32, f32::max);
        // Duplicate runs: same text starting at nearly the same x.
        let mut keep: Vec<Run> = Vec::new();
        for r in l {
            let dup = keep.iter().any(|k| {
                (k.xmin - r.xmin).abs() < 0.3 * r.size
                    && k.end - k.start == r.end - r.start
                    && glyphs[k.start..k.end]
                        .iter()
                        .zip(&glyphs[r.start..r.end])
                        .all(|(a, b)| a.text == b.text)
            });
            if !dup {
                keep.push(r);
            }
        }
        let mut words: Vec<Word> = Vec::new();
        let mut cur: Option<Word> = None;
        // (x1, size, last char) of the glyph before.
        let mut prev: Option<(f32, f32, char)> = None;
        // The last eight glyphs, in a ring: positions (NaN where empty, which compares false) and
        // indexes into `glyphs`.
        let mut recent_x = [f32::NAN; 8];
        let mut recent_y = [f32::NAN; 8];
        let mut recent_i = [0usize; 8];
        let mut recent_next = 0usize;
        for r in keep {
            for gi in r.start..r.end {
                let g = &glyphs[gi];
                let Some(first) = g.text.chars().next() else {
                    continue;
                };
                // The same glyph drawn again at (almost) the same place: fake bold or shadow.
                if !first.is_whitespace() {
                    let tol = 0.2 * g.size;
                    let mut near = 0u32;
                    for k in 0..8 {
                        let close =
                            (recent_x[k] - g.x0).abs() < tol && (recent_y[k] - g.y).abs() < tol;
                        near |= (close as u32) << k;
                    }
                    let mut dup = false;
                    while near != 0 {
                        let k = near.trailing_zeros() as usize;
                        if glyphs[recent_i[k]].text == g.text {
                            dup = true;
                            break;
                        }
                        near &= near - 1;
                    }
                    if dup {
                        continue;
                    }
                }
                recent_x[recent_next] = g.x0;
                recent_y[recent_next] = g.y;
                recent_i[recent_next] = gi;
                recent_next = (recent_next + 1) % 8;
                let mut big = false;
                let mut space = false;
                if let Some((px1, psize, plast)) = prev {
                    let gap = g.x0 - px1;
                    let sz = psize.max(g.size).max(0.1);
                    if gap > 2.5 * sz {
                        big = true;
                    } else if !plast.is_whitespace() && !first.is_whitespace() {
                        let cjk = is_cjk(plast) && is_cjk(first);
                        space = if cjk {
                            gap > 1.0 * sz
                        } else {
                            g.sep
                                || gap > 0.15 * sz
                                || gap < -0.6 * sz
                                || (g.op_start
                                    && plast.is_ascii_lowercase()
                                    && first.is_ascii_uppercase()
                                    && gap > -0.1 * sz)
                        };
                    }
                }
                let last = g.text.chars().last().unwrap_or(first);
                if first.is_whitespace() && g.text.trim().is_empty() {
                    // A space glyph counts only where it sits in the flow of the line.
                    let in_flow = prev.is_none_or(|(px1, psize, _)| {
                        (g.x0 - px1).abs() < 1.0 * psize.max(g.size).max(0.1)
                    });
                    if !in_flow {
                        continue;
                    }
                    prev = Some((g.x1, g.size, last));
                    if let Some(w) = cur.take() {
                        words.push(w);
                    }
                    continue;
                }
                prev = Some((g.x1, g.size, last));
                if big || space {
                    if let Some(w) = cur.take() {
                        words.push(w);
                    }
                }
                // Most glyphs are one character (pushed without a copy loop); a ligature or
                // ActualText can be several, and can hold white space.
                let single = g.text.len() == first.len_utf8();
                let spaced = if single {
                    first.is_whitespace()
                } else {
                    g.text.chars().any(char::is_whitespace)
                };
                match cur.as_mut() {
                    Some(w) => {
                        if single {
                            w.text.push(first);
                        } else {
                            w.text.push_str(&g.text);
                        }
                        w.has_space |= spaced;
                        w.x1 = w.x1.max(g.x1);
                    }
                    None => {
                        let gap_big = big
                            || (words
                                .last()
                                .is_some_and(|w| g.x0 - w.x1 > 2.5 * g.size.max(0.1)));
                        // Room for a word's worth of glyphs: growing from one glyph's length
                        // reallocated most words three times.
                        let mut text = String::with_capacity(g.text.len().max(16));
                        text.push_str(&g.text);
                        cur = Some(Word {
                            text,
                            x0: g.x0,
                            x1: g.x1,
                            big_gap_before: gap_big && !words.is_empty(),
                            has_space: spaced,
                        });
                    }
                }
            }
        }
        if let Some(w) = cur.take() {
            words.push(w);
        }
        for w in words.iter_mut().filter(|w| w.has_space) {
            w.text = collapse_spaces(std::mem::take(&mut w.text));
        }
        words.retain(|w| !w.text.is_empty());
        if let Some(w) = words.first_mut() {
            w.big_gap_before = false;
        }
        if !words.is_empty() {
            out_lines.push(Line { y, size, words });
        }
    }
    let out_lines = split_columns(out_lines);
    // 4. Paragraphs and tables.
    let mut para: Vec<String> = Vec::new();
    let mut para_last: Option<(f32, f32)> = None;
    let mut table: Option<Table> = None;
    for line in out_lines {
        let frags = line.fragments();
        if let Some(t) = table.as_mut() {
            let vgap = t.last_y - line.y;
            let sz = line.size.max(t.size).max(0.1);
            if vgap >= -0.5 * sz && vgap <= 2.5 * sz {
                let cols = t.assign(&line);
                let used: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(i, _)| i)
                    .collect();
                let multi = frags.len() >= 2 || used.len() >= 2;
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
                    if frags.len() > t.cols.len() {
                        t.cols = frags.iter().map(|f| f.0).collect();
                    }
                    let cols = t.assign(&line);
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
        if frags.len() >= 2 {
            if !para.is_empty() {
                units.push(Unit::Paragraph(para.join("\n")));
                para.clear();
            }
            para_last = None;
            let mut t = Table {
                cols: frags.iter().map(|f| f.0).collect(),
                row: Vec::new(),
                last_y: line.y,
                size: line.size,
                new_table: true,
            };
            t.row = frags
                .into_iter()
                .enumerate()
                .map(|(i, f)| (i as u32, f.1))
                .collect();
            table = Some(t);
            continue;
        }
        let text = frags.into_iter().next().map(|f| f.1).unwrap_or_default();
        if let Some((py, ps)) = para_last {
            let gap = py - line.y;
            let sz = ps.max(line.size).max(0.1);
            let size_jump = ps / line.size.max(0.1) > 1.15 || line.size / ps.max(0.1) > 1.15;
            if gap > 1.6 * sz || gap < -0.5 * sz || size_jump {
                units.push(Unit::Paragraph(para.join("\n")));
                para.clear();
            }
        }
        para.push(text);
        para_last = Some((line.y, line.size));
    }
    if let Some(mut t) = table.take() {
        t.flush(units);
    }
    if !para.is_empty() {
        units.push(Unit::Paragraph(para.join("\n")));
    }
}

/// Two-column text: when many lines split at one gutter into two long runs of prose, read the
/// left column before the right one (between full-width lines).
fn split_columns(lines: Vec<Line>) -> Vec<Line> {
    // Candidate gutters: where a line's widest word gap (at least 1.2 em) opens onto a second
    // long run of text.
    let mut starts: Vec<f32> = Vec::new();
    for l in &lines {
        let sz = l.size.max(0.1);
        let mut best: Option<(f32, usize)> = None;
        for (i, pair) in l.words.windows(2).enumerate() {
            let gap = pair[1].x0 - pair[0].x1;
            if gap >= 1.2 * sz && best.is_none_or(|(g, _)| gap > g) {
                best = Some((gap, i + 1));
            }
        }
        if let Some((_, k)) = best {
            let left: usize = l.words[..k]
                .iter()
                .map(|w| w.text.chars().count() + 1)
                .sum();
            let right: usize = l.words[k..]
                .iter()
                .map(|w| w.text.chars().count() + 1)
                .sum();
            if left >= 20 && right >= 20 {
                starts.push(l.words[k].x0);
            }
        }
    }
    // Lines that start far right of the left margin, with long text: a right column whose
    // baselines differ from the left column's.
    let margin = lines
        .iter()
        .filter_map(|l| l.words.first().map(|w| w.x0))
        .fold(f32::INFINITY, f32::min);
    for l in &lines {
        if let Some(w) = l.words.first() {
            if w.x0 > margin + 10.0 * l.size.max(0.1)
                && l.words
                    .iter()
                    .map(|w| w.text.chars().count() + 1)
                    .sum::<usize>()
                    >= 20
            {
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
    // A line crosses the gutter when one word starts left of it and ends right of it.
    // It also reads across when the words either side of the gutter are only a word space apart.
    let crosses = |l: &Line| {
        if l.words
            .iter()
            .any(|w| w.x0 < gutter && w.x1 > gutter + 0.5 * size)
        {
            return true;
        }
        let lw = l.words.iter().rev().find(|w| w.x0 < gutter);
        let rw = l.words.iter().find(|w| w.x0 >= gutter);
        matches!((lw, rw), (Some(a), Some(b)) if b.x0 - a.x1 < 0.8 * l.size.max(0.1))
    };
    if lines.iter().filter(|l| crosses(l)).count() * 5 > lines.len() {
        return lines;
    }
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut left: Vec<Line> = Vec::new();
    let mut right: Vec<Line> = Vec::new();
    for l in lines {
        if crosses(&l) {
            out.append(&mut left);
            out.append(&mut right);
            out.push(l);
            continue;
        }
        let (lw, rw): (Vec<Word>, Vec<Word>) = l.words.into_iter().partition(|w| w.x0 < gutter);
        let mut rw = rw;
        if let Some(w) = rw.first_mut() {
            w.big_gap_before = false;
        }
        if !lw.is_empty() {
            left.push(Line {
                y: l.y,
                size: l.size,
                words: lw,
            });
        }
        if !rw.is_empty() {
            right.push(Line {
                y: l.y,
                size: l.size,
                words: rw,
            });
        }
    }
    out.append(&mut left);
    out.append(&mut right);
    out
}

#[derive(Debug)]
struct Word {
    text: String,
    x0: f32,
    x1: f32,
    big_gap_before: bool,
    /// `text` holds white space (only then can `collapse_spaces` change it).
    has_space: bool,
}

struct Line {
    y: f32,
    size: f32,
    words: Vec<Word>,
}

impl Line {
    /// Fragments split at large gaps: (x start, text).
    fn fragments(&self) -> Vec<(f32, String)> {
        let mut out: Vec<(f32, String)> = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            match out.last_mut() {
                Some((_, t)) if !w.big_gap_before => {
                    t.push(' ');
                    t.push_str(&w.text);
                }
                _ => {
                    // Sized for the words up to the next big gap.
                    let len: usize = self.words[i..]
                        .iter()
                        .enumerate()
                        .take_while(|(k, x)| *k == 0 || !x.big_gap_before)
                        .map(|(_, x)| x.text.len() + 1)
                        .sum();
                    let mut t = String::with_capacity(len);
                    t.push_str(&w.text);
                    out.push((w.x0, t));
                }
            }
        }
        out
    }
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
    /// Words of a line distributed over the columns.
    fn assign(&self, line: &Line) -> Vec<String> {
        let mut out = vec![String::new(); self.cols.len().max(1)];
        let tol = 0.5 * line.size.max(0.1);
        for w in &line.words {
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
                slot.push_str(&w.text);
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

fn collapse_spaces(s: String) -> String {
    // Words are cut at spaces: nearly all have none left to collapse.
    if !s.chars().any(char::is_whitespace) {
        return s;
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
}
