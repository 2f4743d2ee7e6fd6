//! ODT extraction: OpenDocument Text (`.odt`, `.ott`) and its flat XML form (`.fodt`), with the same
//! model and the same bounds as DOCX.
//!
//! One streaming quick-xml pass per part: `styles.xml` first (list styles, the outline style,
//! paragraph and character styles, and the master pages whose headers and footers are text), then
//! `content.xml` (its automatic styles, then the body). A flat `.fodt` holds all of these in one
//! file, in the same order. Blocks come out as in DOCX: body, headers and footers, footnotes,
//! endnotes, comments.
//!
//! Why the numbering is computed here rather than taken from the file: ODF stores list structure
//! and list styles, not the numbers a reader sees (only headings sometimes carry a `text:number`
//! snapshot, which wins when present). A clause number a lawyer can cite ("第五條", "2.1.3") has to be
//! recomputed the way the word processor does: counters per list (continued across
//! `text:continue-numbering` / `text:continue-list`), one per level, rendered with the level's
//! `style:num-format`, `num-prefix`, `num-suffix` and `text:display-levels`.
//!
//! Tracked changes: ODF keeps deleted text in `text:tracked-changes` at the top of the body and
//! marks the spot with `text:change`; the deleted text becomes a [`BlockKind::Deleted`] block after
//! the paragraph (or cell) it was cut from. Insertions are ordinary text.
//!
//! Hostile input: parts are inflated within `max_stream_bytes` each and `max_total_bytes` together
//! (the DOCX package reader); DOCTYPEs are ignored and entities other than the predefined ones are
//! dropped, never expanded or fetched.

use std::collections::{HashMap, HashSet};

use quick_xml::events::BytesStart;

use super::docx::numbering::format_number;
use super::docx::xml::{attr, attr_i64, clip, walk, Chars, Limits, XmlReader, MAX_BLOCK_TEXT};
use super::docx::{Package, Part};
use super::{ExtractError, ExtractOptions};
use crate::document::{Block, BlockKind, CellRef, Document, Format};

const FORMAT: &str = "odt";

/// Deepest list level ODF defines.
const LEVELS: usize = 10;

fn malformed(reason: impl Into<String>) -> ExtractError {
    ExtractError::Malformed {
        format: FORMAT,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Text,
    Table,
    Office,
    Style,
    Draw,
    Loext,
    Svg,
    Math,
    Other,
}

/// The class of namespace `uri` (`None`: no namespace).
fn classify(uri: Option<&[u8]>) -> Ns {
    match uri {
        Some(b"urn:oasis:names:tc:opendocument:xmlns:text:1.0") => Ns::Text,
        Some(b"urn:oasis:names:tc:opendocument:xmlns:table:1.0") => Ns::Table,
        Some(b"urn:oasis:names:tc:opendocument:xmlns:office:1.0") => Ns::Office,
        Some(b"urn:oasis:names:tc:opendocument:xmlns:style:1.0") => Ns::Style,
        Some(b"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0") => Ns::Draw,
        Some(b"urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0") => Ns::Loext,
        Some(b"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0") => Ns::Svg,
        Some(b"http://www.w3.org/1998/Math/MathML") => Ns::Math,
        _ => Ns::Other,
    }
}

// ---------------------------------------------------------------------------------------------
// Styles

/// One level of a list style (`text:list-level-style-*`) or of the outline style.
#[derive(Debug, Clone, Default)]
struct LevelStyle {
    /// `style:num-format`; empty for bullets, images and unnumbered levels.
    fmt: String,
    prefix: String,
    suffix: String,
    /// `text:display-levels`: how many levels' numbers this level shows ("1.2.3" is 3).
    display: usize,
    start: i64,
    /// `style:num-letter-sync`: "aa, bb" rather than "aa, ab" after "z".
    letter_sync: bool,
    /// LibreOffice's `loext:num-list-format` ("%1%.%2%."), a complete label template.
    template: Option<String>,
}

type ListLevels = [Option<LevelStyle>; LEVELS];

#[derive(Debug, Default, Clone)]
struct NamedStyle {
    parent: Option<String>,
    list_style: Option<String>,
    hidden: bool,
}

#[derive(Debug, Default)]
struct Styles {
    lists: HashMap<String, ListLevels>,
    outline: ListLevels,
    /// Paragraph and character styles by name (families share no names in practice).
    named: HashMap<String, NamedStyle>,
}

impl Styles {
    fn chain<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s NamedStyle> + 's {
        let mut next = Some(name);
        let mut n = 0;
        std::iter::from_fn(move || {
            n += 1;
            if n > 16 {
                return None;
            }
            let st = self.named.get(next?)?;
            next = st.parent.as_deref();
            Some(st)
        })
    }

    fn hidden(&self, name: &str) -> bool {
        self.chain(name).any(|s| s.hidden)
    }

    fn list_style_of(&self, para_style: &str) -> Option<String> {
        self.chain(para_style).find_map(|s| s.list_style.clone())
    }
}

/// Map an ODF `style:num-format` onto the Word number format names `format_number` renders.
fn word_format(fmt: &str) -> &'static str {
    let first = fmt.chars().next().unwrap_or('1');
    match first {
        'a' => "lowerLetter",
        'A' => "upperLetter",
        'i' => "lowerRoman",
        'I' => "upperRoman",
        '0' => "decimalZero",
        '１' => "decimalFullWidth",
        '①' => "decimalEnclosedCircle",
        '一' => "taiwaneseCountingThousand",
        '壹' if fmt.contains('贰') => "chineseLegalSimplified",
        '壹' => "ideographLegalTraditional",
        '甲' => "ideographTraditional",
        '子' => "ideographZodiac",
        '〇' | '零' => "ideographDigital",
        _ => "decimal",
    }
}

fn render_value(n: i64, lvl: &LevelStyle) -> String {
    if matches!(lvl.fmt.chars().next(), Some('a' | 'A')) && !lvl.letter_sync && n > 26 {
        // Spreadsheet-style letters: z, aa, ab, …
        let base = if lvl.fmt.starts_with('a') { b'a' } else { b'A' };
        let mut n = n;
        let mut out = Vec::new();
        while n > 0 && out.len() < 16 {
            n -= 1;
            out.push(base + (n % 26) as u8);
            n /= 26;
        }
        out.reverse();
        return String::from_utf8_lossy(&out).into_owned();
    }
    format_number(n, word_format(&lvl.fmt))
}

/// The label a reader sees for an item at `level` with the given counters.
fn render(levels: &ListLevels, vals: &[Option<i64>; LEVELS], level: usize) -> Option<String> {
    let lvl = levels.get(level)?.as_ref()?;
    if lvl.fmt.is_empty() {
        return None;
    }
    let value = |i: usize| -> Option<String> {
        let l = levels.get(i)?.as_ref()?;
        if l.fmt.is_empty() {
            return None;
        }
        Some(render_value(vals[i].unwrap_or(l.start), l))
    };
    let out = if let Some(t) = &lvl.template {
        let mut out = String::new();
        let mut rest = t.as_str();
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            match digits.parse::<usize>() {
                Ok(d) if (1..=LEVELS).contains(&d) && after[digits.len()..].starts_with('%') => {
                    out.push_str(&value(d - 1).unwrap_or_default());
                    rest = &after[digits.len() + 1..];
                }
                _ => {
                    out.push('%');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    } else {
        let shown = lvl.display.clamp(1, level + 1);
        let parts: Vec<String> = (level + 1 - shown..=level).filter_map(value).collect();
        format!("{}{}{}", lvl.prefix, parts.join("."), lvl.suffix)
    };
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// The story pass

/// Where finished blocks go; the document is the concatenation in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    Main,
    HeadersFooters,
    Footnotes,
    Endnotes,
    Comments,
}

const SINKS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoryKind {
    Body,
    Header,
    Footer,
    Footnote,
    Endnote,
    Comment,
}

impl StoryKind {
    fn kind(self) -> BlockKind {
        match self {
            StoryKind::Body => BlockKind::Paragraph,
            StoryKind::Header => BlockKind::Header,
            StoryKind::Footer => BlockKind::Footer,
            StoryKind::Footnote => BlockKind::Footnote,
            StoryKind::Endnote => BlockKind::Endnote,
            StoryKind::Comment => BlockKind::Comment,
        }
    }

    fn sink(self) -> Sink {
        match self {
            StoryKind::Body => Sink::Main,
            StoryKind::Header | StoryKind::Footer => Sink::HeadersFooters,
            StoryKind::Footnote => Sink::Footnotes,
            StoryKind::Endnote => Sink::Endnotes,
            StoryKind::Comment => Sink::Comments,
        }
    }
}

struct Cell {
    slot: usize,
    sink: Sink,
    kind: BlockKind,
    text: String,
    deleted: String,
    clause: Option<String>,
    cell: CellRef,
    visible: bool,
    hidden: bool,
}

/// What paragraphs currently belong to.
enum Ctx {
    Story(StoryKind),
    Cell(Box<Cell>),
    TextBox,
    /// The body of a tracked deletion (its change id).
    Deletion(String),
}

#[derive(Default)]
struct Para {
    slot: Option<(Sink, usize)>,
    /// Depth of the context stack when the paragraph opened: text only belongs to it at that depth.
    depth: usize,
    heading: bool,
    text: String,
    /// The last character pushed was collapsible white space (ODF collapses runs of it).
    space: bool,
    clause: Option<String>,
    /// `text:number`: the label as the producing application rendered it.
    number: Option<String>,
    deleted: Vec<String>,
    visible: bool,
    hidden: bool,
    whole_hidden: bool,
    /// Text was cut at [`MAX_BLOCK_TEXT`].
    cut: bool,
}

struct Table {
    index: u32,
    row: u32,
    next_row: u32,
    col: u32,
    /// Columns still covered by the last spanning cell (normally filled by covered cells).
    covered: u32,
}

struct ListFrame {
    counters: usize,
    level: usize,
    style: Option<String>,
    depth: usize,
    item: Option<Item>,
}

struct Item {
    numbered: bool,
    header: bool,
    start: Option<i64>,
}

struct Counters {
    vals: [Option<i64>; LEVELS],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Para,
    Number,
    Hidden,
    List,
    ListItem,
    Table,
    Row,
    Cell,
    Ctx,
    /// A context whose content is hidden (a header switched off).
    HiddenCtx,
    /// Inside `text:list-style` / `text:outline-style` (styles pass).
    ListStyle,
    ListLevel,
    Style,
    Other,
}

struct Parser<'s> {
    styles: &'s mut Styles,
    outs: [Vec<Option<Block>>; SINKS],
    tags: Vec<Tag>,
    ctxs: Vec<Ctx>,
    paras: Vec<Para>,
    tables: Vec<Table>,
    next_table: u32,
    lists: Vec<ListFrame>,
    counters: Vec<Counters>,
    list_ids: HashMap<String, usize>,
    last_by_style: HashMap<String, usize>,
    last_list: Option<usize>,
    outline: [Option<i64>; LEVELS],
    hidden_depth: u32,
    skip: u32,
    /// Tracked deletions by change id, and the order they were declared in.
    deletions: HashMap<String, String>,
    deletion_order: Vec<String>,
    used_deletions: HashSet<String>,
    /// Styles pass: the list style and level being read, the named style being read.
    cur_list: Option<(Option<String>, ListLevels)>,
    cur_level: Option<(usize, LevelStyle)>,
    cur_style: Option<(String, NamedStyle)>,
    unknown_entity: bool,
    doctype: bool,
    embedded_objects: u32,
    /// Nesting depth and deadline, shared by all parts of the document.
    limits: Limits,
}

/// Elements whose whole content is not text a reader sees as part of the document.
fn skipped(ns: Ns, local: &[u8]) -> bool {
    match ns {
        Ns::Text => matches!(
            local,
            b"note-citation"
                | b"sequence-decls"
                | b"variable-decls"
                | b"user-field-decls"
                | b"dde-connection-decls"
                | b"table-of-content-source"
                | b"alphabetical-index-source"
                | b"illustration-index-source"
                | b"table-index-source"
                | b"object-index-source"
                | b"user-index-source"
                | b"bibliography-source"
                | b"ruby-text"
                | b"insertion"
                | b"format-change"
                | b"section-source"
                | b"alphabetical-index-mark"
                | b"toc-mark"
                | b"user-index-mark"
        ),
        Ns::Office => matches!(
            local,
            b"forms"
                | b"event-listeners"
                | b"scripts"
                | b"font-face-decls"
                | b"change-info"
                | b"binary-data"
                | b"meta"
                | b"settings"
        ),
        Ns::Draw => matches!(
            local,
            b"image" | b"object" | b"object-ole" | b"applet" | b"plugin" | b"glue-point"
        ),
        Ns::Svg => matches!(local, b"title" | b"desc"),
        Ns::Table => matches!(
            local,
            b"covered-table-cell" | b"table-source" | b"tracked-changes"
        ),
        Ns::Math => true,
        _ => false,
    }
}

fn bool_attr(e: &BytesStart, local: &[u8]) -> Option<bool> {
    attr(e, local).map(|v| v.trim() == "true")
}

fn count_attr(e: &BytesStart, local: &[u8]) -> u32 {
    attr_i64(e, local).unwrap_or(1).clamp(1, 1024) as u32
}

impl<'s> Parser<'s> {
    fn new(styles: &'s mut Styles, opts: &ExtractOptions) -> Self {
        Parser {
            styles,
            outs: Default::default(),
            tags: Vec::with_capacity(32),
            ctxs: Vec::new(),
            paras: Vec::new(),
            tables: Vec::new(),
            next_table: 0,
            lists: Vec::new(),
            counters: Vec::new(),
            list_ids: HashMap::new(),
            last_by_style: HashMap::new(),
            last_list: None,
            outline: [None; LEVELS],
            hidden_depth: 0,
            skip: 0,
            deletions: HashMap::new(),
            deletion_order: Vec::new(),
            used_deletions: HashSet::new(),
            cur_list: None,
            cur_level: None,
            cur_style: None,
            unknown_entity: false,
            doctype: false,
            embedded_objects: 0,
            limits: Limits::new(opts),
        }
    }

    /// One part (or the whole flat file). On an XML error the blocks read so far are kept.
    fn parse(&mut self, xml: &[u8]) -> Result<(), String> {
        self.tags.clear();
        walk(xml, self, true)
    }

    /// True when character data at this point is paragraph text.
    fn text_target(&self) -> bool {
        matches!(
            self.tags.last(),
            Some(Tag::Para | Tag::Number | Tag::Hidden | Tag::Other)
        ) && self
            .paras
            .last()
            .is_some_and(|p| p.depth == self.ctxs.len())
    }

    /// Bytes the current paragraph's text can still take.
    fn room(&self) -> usize {
        self.paras
            .last()
            .map_or(0, |p| MAX_BLOCK_TEXT.saturating_sub(p.text.len()))
    }

    fn push_text(&mut self, s: &str) {
        let number = self.tags.last() == Some(&Tag::Number);
        let hidden = self.hidden_depth > 0;
        let room = self.room();
        let Some(p) = self.paras.last_mut() else {
            return;
        };
        let s = if s.len() > room {
            if !p.cut {
                p.cut = true;
                self.limits.cut_blocks += 1;
            }
            clip(s, room)
        } else {
            s
        };
        self.limits.text_total += s.len();
        if number {
            let n = p.number.get_or_insert_with(String::new);
            if n.len() < 64 {
                n.push_str(clip(s, 64));
            }
            return;
        }
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\r' | '\n') {
                if p.space || p.text.is_empty() {
                    continue;
                }
                p.text.push(' ');
                p.space = true;
            } else {
                // A non-breaking hyphen is a hyphen to a reader (and to a model number such as
                // DS-2CD2143G2-I); the DOCX reader writes `w:noBreakHyphen` the same way.
                p.text.push(if c == '\u{2011}' { '-' } else { c });
                p.space = false;
                if !c.is_whitespace() {
                    if hidden {
                        p.hidden = true;
                    } else {
                        p.visible = true;
                    }
                }
            }
        }
    }

    /// Characters from `text:s`, `text:tab`, `text:line-break`: never collapsed.
    fn push_literal(&mut self, s: &str) {
        let depth = self.ctxs.len();
        if let Some(p) = self
            .paras
            .last_mut()
            .filter(|p| p.depth == depth && p.text.len() < MAX_BLOCK_TEXT)
        {
            p.text.push_str(s);
            p.space = false;
            self.limits.text_total += s.len();
        }
    }

    fn story(&self) -> StoryKind {
        self.ctxs
            .iter()
            .rev()
            .find_map(|c| match c {
                Ctx::Story(s) => Some(*s),
                _ => None,
            })
            .unwrap_or(StoryKind::Body)
    }

    fn in_deletion(&self) -> bool {
        self.ctxs.iter().any(|c| matches!(c, Ctx::Deletion(_)))
    }

    fn reserve(&mut self, sink: Sink) -> usize {
        let out = &mut self.outs[sink as usize];
        out.push(None);
        out.len() - 1
    }

    fn emit(&mut self, sink: Sink, b: Block) {
        self.outs[sink as usize].push(Some(b));
    }

    /// Open an element; false when it was not pushed (skipped).
    fn start(&mut self, ns: Ns, local: &[u8], e: &BytesStart, empty: bool) -> bool {
        if skipped(ns, local) {
            if matches!((ns, local), (Ns::Draw, b"object" | b"object-ole")) {
                self.embedded_objects += 1;
            }
            if ns == Ns::Table && local == b"covered-table-cell" {
                let n = count_attr(e, b"number-columns-repeated");
                if let Some(t) = self.tables.last_mut() {
                    t.col = t.col.saturating_add(n);
                    t.covered = t.covered.saturating_sub(n);
                }
            }
            if !empty {
                self.skip = 1;
            }
            return false;
        }
        let tag = match (ns, local) {
            (Ns::Text, b"p" | b"h") => self.start_para(e, local == b"h"),
            (Ns::Text, b"number") if !self.paras.is_empty() => Tag::Number,
            (Ns::Text, b"span") => {
                let hidden = attr(e, b"style-name").is_some_and(|s| self.styles.hidden(&s));
                if hidden {
                    self.hidden_depth += 1;
                    Tag::Hidden
                } else {
                    Tag::Other
                }
            }
            (Ns::Text, b"s") => {
                let n = attr_i64(e, b"c").unwrap_or(1).clamp(1, 10_000) as usize;
                self.push_literal(&" ".repeat(n));
                Tag::Other
            }
            (Ns::Text, b"tab") => {
                self.push_literal("\t");
                Tag::Other
            }
            (Ns::Text, b"line-break") => {
                self.push_literal("\n");
                Tag::Other
            }
            (Ns::Text, b"hidden-text") => {
                if let Some(v) = attr(e, b"string-value") {
                    self.hidden_depth += 1;
                    if self.text_target() {
                        self.push_text(&v);
                    }
                    self.hidden_depth -= 1;
                }
                if !empty {
                    self.skip = 1;
                    return false;
                }
                Tag::Other
            }
            (Ns::Text, b"hidden-paragraph") => {
                if attr(e, b"is-hidden").is_none_or(|v| v.trim() != "false") {
                    if let Some(p) = self.paras.last_mut() {
                        p.whole_hidden = true;
                    }
                }
                Tag::Other
            }
            (Ns::Text, b"section") => {
                let hidden = attr(e, b"display").is_some_and(|v| v == "none")
                    || bool_attr(e, b"is-hidden") == Some(true);
                if hidden {
                    self.hidden_depth += 1;
                    Tag::Hidden
                } else {
                    Tag::Other
                }
            }
            (Ns::Text, b"list") => self.start_list(e),
            (Ns::Text, b"list-item" | b"list-header") => {
                if let Some(f) = self.lists.last_mut() {
                    f.item = Some(Item {
                        numbered: false,
                        header: local == b"list-header",
                        start: attr_i64(e, b"start-value"),
                    });
                }
                Tag::ListItem
            }
            (Ns::Text, b"note") => {
                let story = if attr(e, b"note-class").as_deref() == Some("endnote") {
                    StoryKind::Endnote
                } else {
                    StoryKind::Footnote
                };
                self.ctxs.push(Ctx::Story(story));
                Tag::Ctx
            }
            (Ns::Office, b"annotation") => {
                self.ctxs.push(Ctx::Story(StoryKind::Comment));
                Tag::Ctx
            }
            (Ns::Text, b"changed-region") => {
                // `text:deletion` inside it takes the last id declared.
                if let Some(id) = attr(e, b"id") {
                    self.deletion_order.push(id);
                }
                Tag::Other
            }
            (Ns::Text, b"deletion") => {
                let id = self.deletion_order.last().cloned().unwrap_or_default();
                self.ctxs.push(Ctx::Deletion(id));
                Tag::Ctx
            }
            (Ns::Text, b"change") => {
                if let Some(id) = attr(e, b"change-id") {
                    self.mark_deletion(id);
                }
                Tag::Other
            }
            (Ns::Table, b"table") if !self.in_deletion() => {
                self.tables.push(Table {
                    index: self.next_table,
                    row: 0,
                    next_row: 0,
                    col: 0,
                    covered: 0,
                });
                self.next_table += 1;
                Tag::Table
            }
            (Ns::Table, b"table-row") if !self.in_deletion() => {
                let n = count_attr(e, b"number-rows-repeated");
                if let Some(t) = self.tables.last_mut() {
                    t.row = t.next_row;
                    t.next_row = t.row.saturating_add(n);
                    t.col = 0;
                    t.covered = 0;
                }
                Tag::Row
            }
            (Ns::Table, b"table-cell") if !self.in_deletion() => self.start_cell(e),
            (Ns::Draw, b"text-box")
            | (
                Ns::Draw,
                b"custom-shape" | b"rect" | b"ellipse" | b"polygon" | b"polyline" | b"path"
                | b"caption" | b"line" | b"connector" | b"measure" | b"regular-polygon",
            ) => {
                self.ctxs.push(Ctx::TextBox);
                Tag::Ctx
            }
            (
                Ns::Style | Ns::Loext,
                b"header" | b"footer" | b"header-left" | b"footer-left" | b"header-first"
                | b"footer-first",
            ) => {
                let story = if local.starts_with(b"header") {
                    StoryKind::Header
                } else {
                    StoryKind::Footer
                };
                self.ctxs.push(Ctx::Story(story));
                if attr(e, b"display").is_some_and(|v| v == "false") {
                    // Switched off: not shown, but scanned and marked.
                    self.hidden_depth += 1;
                    Tag::HiddenCtx
                } else {
                    Tag::Ctx
                }
            }
            (Ns::Office, b"text") => {
                self.ctxs.push(Ctx::Story(StoryKind::Body));
                Tag::Ctx
            }
            // Styles.
            (Ns::Text, b"list-style") => {
                self.cur_list = Some((attr(e, b"name"), Default::default()));
                Tag::ListStyle
            }
            (Ns::Text, b"outline-style") => {
                self.cur_list = Some((None, Default::default()));
                Tag::ListStyle
            }
            (
                Ns::Text,
                b"list-level-style-number"
                | b"list-level-style-bullet"
                | b"list-level-style-image"
                | b"outline-level-style",
            ) if self.cur_list.is_some() => {
                let level = attr_i64(e, b"level").unwrap_or(1).clamp(1, LEVELS as i64) as usize - 1;
                let numbered = matches!(local, b"list-level-style-number" | b"outline-level-style");
                let lvl = LevelStyle {
                    fmt: if numbered {
                        attr(e, b"num-format").unwrap_or_default()
                    } else {
                        String::new()
                    },
                    prefix: attr(e, b"num-prefix").unwrap_or_default(),
                    suffix: attr(e, b"num-suffix").unwrap_or_default(),
                    display: attr_i64(e, b"display-levels").unwrap_or(1).clamp(1, 10) as usize,
                    start: attr_i64(e, b"start-value").unwrap_or(1),
                    letter_sync: bool_attr(e, b"num-letter-sync") == Some(true),
                    template: attr(e, b"num-list-format").filter(|t| !t.is_empty()),
                };
                self.cur_level = Some((level, lvl));
                Tag::ListLevel
            }
            (Ns::Style, b"style") => {
                self.cur_style = attr(e, b"name").map(|n| {
                    (
                        n,
                        NamedStyle {
                            parent: attr(e, b"parent-style-name"),
                            list_style: attr(e, b"list-style-name").filter(|s| !s.is_empty()),
                            hidden: false,
                        },
                    )
                });
                Tag::Style
            }
            (Ns::Style, b"text-properties") => {
                if attr(e, b"display").is_some_and(|v| v == "none") {
                    if let Some((_, st)) = self.cur_style.as_mut() {
                        st.hidden = true;
                    }
                }
                Tag::Other
            }
            (Ns::Style, b"list-level-properties") => {
                if let Some((_, l)) = self.cur_level.as_mut() {
                    if let Some(t) = attr(e, b"num-list-format").filter(|t| !t.is_empty()) {
                        l.template = Some(t);
                    }
                }
                Tag::Other
            }
            _ => Tag::Other,
        };
        self.tags.push(tag);
        true
    }

    fn start_para(&mut self, e: &BytesStart, heading: bool) -> Tag {
        let depth = self.ctxs.len();
        let slot = match self.ctxs.last() {
            Some(Ctx::Cell(_)) | Some(Ctx::Deletion(_)) => None,
            _ => {
                let sink = self.story().sink();
                Some((sink, self.reserve(sink)))
            }
        };
        let style = attr(e, b"style-name");
        let mut para = Para {
            slot,
            depth,
            heading,
            whole_hidden: style.as_deref().is_some_and(|s| self.styles.hidden(s)),
            ..Para::default()
        };
        let deleted = self.in_deletion();
        // The first paragraph of a list item carries the item's number.
        let first_of_item = self.tags.last() == Some(&Tag::ListItem)
            && self
                .lists
                .last()
                .is_some_and(|f| f.depth == depth && f.item.as_ref().is_some_and(|i| !i.numbered));
        if first_of_item {
            let mut header = false;
            let mut start = None;
            if let Some(item) = self.lists.last_mut().and_then(|f| f.item.as_mut()) {
                item.numbered = true;
                header = item.header;
                start = item.start;
            }
            if !header && !deleted {
                para.clause = self.number_list_item(style.as_deref(), start);
            }
        } else if heading && !deleted && self.tags.last() != Some(&Tag::ListItem) {
            let level = attr_i64(e, b"outline-level")
                .unwrap_or(1)
                .clamp(1, LEVELS as i64) as usize
                - 1;
            if bool_attr(e, b"is-list-header") != Some(true) {
                let restart = bool_attr(e, b"restart-numbering") == Some(true);
                let start = attr_i64(e, b"start-value");
                let first = self.styles.outline[level].as_ref().map_or(1, |l| l.start);
                self.outline[level] = Some(match (self.outline[level], restart) {
                    (Some(v), false) => v.saturating_add(1),
                    _ => start.unwrap_or(first),
                });
                for v in self.outline.iter_mut().skip(level + 1) {
                    *v = None;
                }
                para.clause = render(&self.styles.outline, &self.outline, level);
            }
        }
        self.paras.push(para);
        Tag::Para
    }

    fn number_list_item(&mut self, para_style: Option<&str>, start: Option<i64>) -> Option<String> {
        let f = self.lists.last()?;
        let (ci, level) = (f.counters, f.level);
        let style = f
            .style
            .clone()
            .or_else(|| para_style.and_then(|s| self.styles.list_style_of(s)));
        let levels = style.as_deref().and_then(|s| self.styles.lists.get(s));
        let first = levels
            .and_then(|l| l[level].as_ref())
            .map_or(1, |l| l.start);
        let c = self.counters.get_mut(ci)?;
        c.vals[level] = Some(match (start, c.vals[level]) {
            (Some(s), _) => s,
            (None, Some(v)) => v.saturating_add(1),
            (None, None) => first,
        });
        for v in c.vals.iter_mut().skip(level + 1) {
            *v = None;
        }
        render(levels?, &c.vals, level)
    }

    fn start_list(&mut self, e: &BytesStart) -> Tag {
        let depth = self.ctxs.len();
        let own_style = attr(e, b"style-name");
        let parent = self
            .lists
            .last()
            .filter(|f| f.depth == depth && self.tags.last() == Some(&Tag::ListItem));
        let frame = if let Some(p) = parent {
            ListFrame {
                counters: p.counters,
                level: (p.level + 1).min(LEVELS - 1),
                style: own_style.or_else(|| p.style.clone()),
                depth,
                item: None,
            }
        } else {
            let by_id = attr(e, b"continue-list").and_then(|id| self.list_ids.get(&id).copied());
            let continued = by_id.or_else(|| {
                if bool_attr(e, b"continue-numbering") == Some(true) {
                    own_style
                        .as_ref()
                        .and_then(|s| self.last_by_style.get(s).copied())
                        .or(self.last_list)
                } else {
                    None
                }
            });
            let counters = continued.unwrap_or_else(|| {
                self.counters.push(Counters {
                    vals: [None; LEVELS],
                });
                self.counters.len() - 1
            });
            // A list inside a tracked deletion is no longer in the document: later lists do not
            // continue it.
            if !self.in_deletion() {
                if let Some(s) = &own_style {
                    self.last_by_style.insert(s.clone(), counters);
                }
                self.last_list = Some(counters);
            }
            ListFrame {
                counters,
                level: 0,
                style: own_style,
                depth,
                item: None,
            }
        };
        if let Some(id) = attr(e, b"id").filter(|_| !self.in_deletion()) {
            self.list_ids.insert(id, frame.counters);
        }
        self.lists.push(frame);
        Tag::List
    }

    fn start_cell(&mut self, e: &BytesStart) -> Tag {
        let span = count_attr(e, b"number-columns-spanned");
        let repeat = count_attr(e, b"number-columns-repeated");
        let Some(t) = self.tables.last_mut() else {
            return Tag::Other;
        };
        // A producer that left out the covered cells of a span: skip the columns they cover.
        t.col = t.col.saturating_add(t.covered);
        let cell = CellRef {
            table: t.index,
            row: t.row,
            col: t.col,
        };
        t.col = t.col.saturating_add(repeat);
        t.covered = span - 1;
        let story = self.story();
        let kind = match story {
            StoryKind::Body => BlockKind::TableCell,
            s => s.kind(),
        };
        let sink = story.sink();
        let slot = self.reserve(sink);
        self.ctxs.push(Ctx::Cell(Box::new(Cell {
            slot,
            sink,
            kind,
            text: String::new(),
            deleted: String::new(),
            clause: None,
            cell,
            visible: false,
            hidden: false,
        })));
        Tag::Cell
    }

    fn mark_deletion(&mut self, id: String) {
        let Some(text) = self.deletions.get(&id).cloned() else {
            return;
        };
        self.used_deletions.insert(id);
        if text.chars().all(char::is_whitespace) {
            return;
        }
        let depth = self.ctxs.len();
        match self.paras.last_mut() {
            Some(p) if p.depth == depth => p.deleted.push(text),
            _ => {
                let sink = self.story().sink();
                self.emit(
                    sink,
                    Block::new(BlockKind::Deleted, text, Default::default()),
                );
            }
        }
    }

    fn end(&mut self) {
        let Some(tag) = self.tags.pop() else {
            return;
        };
        match tag {
            Tag::Para => self.end_para(),
            Tag::Hidden => self.hidden_depth = self.hidden_depth.saturating_sub(1),
            Tag::List => {
                self.lists.pop();
            }
            Tag::ListItem => {
                if let Some(f) = self.lists.last_mut() {
                    f.item = None;
                }
            }
            Tag::Table => {
                self.tables.pop();
            }
            Tag::Cell => self.end_cell(),
            Tag::Ctx => {
                self.ctxs.pop();
            }
            Tag::HiddenCtx => {
                self.ctxs.pop();
                self.hidden_depth = self.hidden_depth.saturating_sub(1);
            }
            Tag::ListLevel => {
                if let (Some((i, l)), Some((_, levels))) =
                    (self.cur_level.take(), self.cur_list.as_mut())
                {
                    levels[i] = Some(l);
                }
            }
            Tag::ListStyle => match self.cur_list.take() {
                Some((Some(name), levels)) => {
                    self.styles.lists.insert(name, levels);
                }
                Some((None, levels)) => self.styles.outline = levels,
                None => {}
            },
            Tag::Style => {
                if let Some((name, st)) = self.cur_style.take() {
                    self.styles.named.insert(name, st);
                }
            }
            Tag::Row | Tag::Number | Tag::Other => {}
        }
    }

    fn end_cell(&mut self) {
        if let Some(Ctx::Cell(c)) = self.ctxs.pop() {
            self.emit_cell(*c);
        }
    }

    fn emit_cell(&mut self, c: Cell) {
        let loc = crate::document::Location {
            clause: c.clause.clone(),
            cell: Some(c.cell),
            ..Default::default()
        };
        if c.text.chars().any(|ch| !ch.is_whitespace()) {
            let mut b = Block::new(c.kind, c.text, loc.clone());
            b.hidden = c.hidden && !c.visible;
            if let Some(slot) = self.outs[c.sink as usize].get_mut(c.slot) {
                *slot = Some(b);
            }
        }
        if c.deleted.chars().any(|ch| !ch.is_whitespace()) {
            self.emit(c.sink, Block::new(BlockKind::Deleted, c.deleted, loc));
        }
    }

    fn end_para(&mut self) {
        let Some(mut p) = self.paras.pop() else {
            return;
        };
        if p.space {
            p.text.pop();
        }
        let clause = p
            .number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or(p.clause.take());
        let live = p.text.chars().any(|c| !c.is_whitespace());
        let deleted = p.deleted.join(" ");
        let has_deleted = deleted.chars().any(|c| !c.is_whitespace());
        let hidden = p.whole_hidden || (p.hidden && !p.visible);
        let story = self.story();
        match self.ctxs.last_mut() {
            Some(Ctx::Deletion(id)) => {
                let id = id.clone();
                let d = self.deletions.entry(id).or_default();
                if live {
                    if !d.is_empty() {
                        d.push('\n');
                    }
                    d.push_str(&p.text);
                }
            }
            Some(Ctx::Cell(c)) => {
                if live {
                    if !c.text.is_empty() {
                        c.text.push('\n');
                    }
                    c.text.push_str(&p.text);
                    c.visible |= !hidden;
                    c.hidden |= hidden;
                    if c.clause.is_none() {
                        c.clause = clause;
                    }
                }
                if has_deleted {
                    if !c.deleted.is_empty() {
                        c.deleted.push('\n');
                    }
                    c.deleted.push_str(&deleted);
                }
            }
            ctx => {
                let kind = if matches!(ctx, Some(Ctx::TextBox)) {
                    BlockKind::TextBox
                } else if story == StoryKind::Body && p.heading {
                    BlockKind::Heading
                } else {
                    story.kind()
                };
                let loc = crate::document::Location {
                    clause,
                    ..Default::default()
                };
                let sink = p.slot.map_or(story.sink(), |(s, _)| s);
                if live {
                    let mut b = Block::new(kind, p.text, loc.clone());
                    b.hidden = hidden;
                    match p.slot {
                        Some((s, i)) if i < self.outs[s as usize].len() => {
                            self.outs[s as usize][i] = Some(b)
                        }
                        _ => self.emit(sink, b),
                    }
                }
                if has_deleted {
                    self.emit(sink, Block::new(BlockKind::Deleted, deleted, loc));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entry point

/// True for the flat XML form (`.fodt`); packages are zips.
fn is_flat(bytes: &[u8]) -> bool {
    !bytes.starts_with(b"PK")
}

pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, ExtractError> {
    let mut styles = Styles::default();
    let mut warnings = Vec::new();
    let mut p = Parser::new(&mut styles, opts);
    if is_flat(bytes) {
        let limit = opts.max_stream_bytes.min(opts.max_total_bytes);
        let xml = if bytes.len() as u64 > limit {
            warnings.push(format!(
                "the document is larger than the per-part limit of {limit} bytes; read truncated"
            ));
            &bytes[..limit as usize]
        } else {
            bytes
        };
        let xml = xml.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(xml);
        if let Err(e) = p.parse(xml) {
            if p.outs.iter().all(|o| o.iter().all(Option::is_none)) {
                return Err(malformed(format!("flat ODT: {e}")));
            }
            warnings.push(format!("XML error ({e}); text before it kept"));
        }
    } else {
        let mut pkg = Package::open(bytes, opts, FORMAT)?;
        if !pkg.has("content.xml") {
            return Err(malformed("no content.xml in the package"));
        }
        if pkg.has("META-INF/manifest.xml")
            && pkg
                .read_optional("META-INF/manifest.xml")
                .is_some_and(|m| m.windows(14).any(|w| w == b"encryption-dat"))
        {
            return Err(ExtractError::Encrypted(
                "a password-protected OpenDocument file (its manifest lists encrypted parts); \
                 tenderscan cannot decrypt ODF: open it with its password and save it without one"
                    .into(),
            ));
        }
        if let Some(x) = pkg.read_optional("styles.xml") {
            if let Err(e) = p.parse(&x) {
                warnings.push(format!(
                    "styles.xml: XML error ({e}); styles before it kept"
                ));
            }
        }
        if p.limits.timed_out {
            return Err(ExtractError::LimitExceeded(
                "the time limit for this document passed before content.xml was read".into(),
            ));
        }
        let content = match pkg.read("content.xml") {
            Part::Data(d) => d,
            Part::PastDeadline => {
                return Err(ExtractError::LimitExceeded(
                    "the time limit for this document passed before content.xml was read".into(),
                ))
            }
            Part::Missing => return Err(malformed("content.xml missing")),
            Part::Broken(e) => return Err(malformed(format!("content.xml: {e}"))),
            Part::OverBudget => {
                return Err(ExtractError::LimitExceeded(
                    "total size limit reached before content.xml".into(),
                ))
            }
        };
        if let Err(e) = p.parse(&content) {
            if p.outs[Sink::Main as usize].iter().all(Option::is_none) {
                return Err(malformed(format!("content.xml: {e}")));
            }
            warnings.push(format!("content.xml: XML error ({e}); text before it kept"));
        }
        if p.limits.timed_out && p.outs[Sink::Main as usize].iter().all(Option::is_none) {
            return Err(ExtractError::LimitExceeded(
                "the time limit for this document passed before any text was read".into(),
            ));
        }
        warnings.append(&mut pkg.warnings);
    }

    // Deletions no `text:change` points at: still shown, at the end of the body.
    let unused: Vec<String> = p
        .deletion_order
        .iter()
        .filter(|id| !p.used_deletions.contains(*id))
        .filter_map(|id| p.deletions.get(id).cloned())
        .filter(|t| t.chars().any(|c| !c.is_whitespace()))
        .collect();
    for t in unused {
        p.emit(
            Sink::Main,
            Block::new(BlockKind::Deleted, t, Default::default()),
        );
    }
    if p.doctype {
        warnings.push(
            "a part declares a DOCTYPE; it was ignored (no entity expanded or fetched)".into(),
        );
    }
    if p.unknown_entity {
        warnings.push("undeclared or external entity references were dropped from the text".into());
    }
    warnings.extend(p.limits.warnings());
    if p.embedded_objects > 0 {
        warnings.push(format!(
            "{} embedded object(s) (charts, formulas, OLE) not read; their text is missing",
            p.embedded_objects
        ));
    }

    // Each section of a document converted from DOCX gets its own master page, usually with the
    // same header and footer: one running header is one block, as in DOCX (one part, read once).
    let mut seen = HashSet::new();
    let hf = &mut p.outs[Sink::HeadersFooters as usize];
    hf.retain(|b| {
        b.as_ref().is_none_or(|b| {
            b.location.cell.is_some()
                || seen.insert((b.kind == BlockKind::Header, b.text.clone(), b.hidden))
        })
    });
    let mut doc = Document::new(Format::Odt);
    doc.blocks = std::mem::take(&mut p.outs)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    for (i, b) in doc.blocks.iter_mut().enumerate() {
        b.location.paragraph = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    doc.warnings = warnings;
    Ok(doc)
}

impl XmlReader for Parser<'_> {
    type Ns = Ns;
    fn namespace(uri: Option<&[u8]>) -> Ns {
        classify(uri)
    }
    fn limits(&mut self) -> &mut Limits {
        &mut self.limits
    }
    fn blocks(&self) -> usize {
        self.outs.iter().map(Vec::len).sum()
    }
    fn skip(&mut self) -> &mut u32 {
        &mut self.skip
    }
    fn start(&mut self, ns: Ns, local: &[u8], e: &BytesStart, empty: bool) -> bool {
        Parser::start(self, ns, local, e, empty)
    }
    fn end(&mut self) {
        Parser::end(self);
    }
    fn text(&mut self, chars: Chars) {
        if !self.text_target() {
            return;
        }
        let mut s = String::new();
        chars.decode_into(self.room(), &mut s, &mut self.unknown_entity);
        self.push_text(&s);
    }
    fn doctype(&mut self) {
        self.doctype = true;
    }
    fn open(&self) -> bool {
        !self.tags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lvl(fmt: &str, prefix: &str, suffix: &str, display: usize) -> Option<LevelStyle> {
        Some(LevelStyle {
            fmt: fmt.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
            display,
            start: 1,
            letter_sync: false,
            template: None,
        })
    }

    #[test]
    fn labels() {
        let mut levels: ListLevels = Default::default();
        levels[0] = lvl("一, 二, 三, ...", "第", "條", 1);
        levels[1] = lvl("1", "", ".", 2);
        levels[2] = lvl("a", "(", ")", 1);
        let mut vals = [None; LEVELS];
        vals[0] = Some(12);
        vals[1] = Some(3);
        vals[2] = Some(28);
        assert_eq!(render(&levels, &vals, 0).as_deref(), Some("第十二條"));
        // Each level shown in its own format, as LibreOffice does.
        assert_eq!(render(&levels, &vals, 1).as_deref(), Some("十二.3."));
        assert_eq!(render(&levels, &vals, 2).as_deref(), Some("(ab)"));
        levels[1].as_mut().unwrap().template = Some("%1%-%2%)".into());
        assert_eq!(render(&levels, &vals, 1).as_deref(), Some("十二-3)"));
        levels[0] = lvl("", "", "", 1);
        assert_eq!(render(&levels, &vals, 0), None);
        assert_eq!(word_format("壹, 貳, 參, ..."), "ideographLegalTraditional");
        assert_eq!(word_format("壹, 贰, 叁, ..."), "chineseLegalSimplified");
    }
}
