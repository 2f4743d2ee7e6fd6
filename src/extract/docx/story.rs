//! One streaming pass over a WordprocessingML "story" (the body, a header, a footer, the footnotes,
//! the endnotes, the comments), turning paragraphs and table cells into [`Block`]s.

use quick_xml::events::BytesStart;

use super::numbering::{NumRef, Numbering, Styles};
use super::xml::{
    attr, attr_i64, clip, on_off, walk, Chars, Limits, Ns, XmlReader, MAX_BLOCK_TEXT,
};
use crate::document::{Block, BlockKind, CellRef, Location};

/// Which part a story comes from; decides the kind of its blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Story {
    Body,
    Header,
    Footer,
    Footnote,
    Endnote,
    Comment,
}

impl Story {
    fn kind(self) -> BlockKind {
        match self {
            Story::Body => BlockKind::Paragraph,
            Story::Header => BlockKind::Header,
            Story::Footer => BlockKind::Footer,
            Story::Footnote => BlockKind::Footnote,
            Story::Endnote => BlockKind::Endnote,
            Story::Comment => BlockKind::Comment,
        }
    }
}

/// Shared by all stories of one document.
pub(crate) struct Env<'a> {
    pub styles: &'a Styles,
    pub numbering: &'a mut Numbering,
    /// Blocks in reading order; `None` for a reserved slot that stayed empty.
    pub blocks: Vec<Option<Block>>,
    pub next_table: u32,
    /// `r:id`s of header and footer references, in body order.
    pub hf_refs: Vec<String>,
    /// An entity other than the predefined ones was met (and dropped).
    pub unknown_entity: bool,
    /// A part carried a DOCTYPE (ignored; nothing is ever fetched or expanded).
    pub doctype: bool,
    /// Embedded alternative-format chunks (`w:altChunk`) and sub-documents (`w:subDoc`): their
    /// text lives in other parts or files and is not read.
    pub unread_chunks: u32,
    /// Nesting depth and deadline, shared by all parts of the document.
    pub limits: super::xml::Limits,
    pub style_facts: StyleMemo,
}

/// What a paragraph style means for its paragraphs.
#[derive(Debug, Clone, Copy)]
struct StyleFacts {
    numbering: Option<NumRef>,
    heading: bool,
}

/// The [`StyleFacts`] of the last few styles asked about: a document uses a handful of paragraph
/// styles over and over, and looking a style up through its `basedOn` chain costs hash lookups
/// and lower-cased copies of its names.
#[derive(Default)]
pub(crate) struct StyleMemo {
    /// Most recently asked last.
    recent: Vec<(String, StyleFacts)>,
}

impl StyleMemo {
    /// Styles remembered.
    const SIZE: usize = 8;

    fn of(&mut self, id: &str, styles: &Styles) -> StyleFacts {
        if let Some(i) = self.recent.iter().rposition(|(k, _)| k == id) {
            let facts = self.recent[i].1;
            if i + 1 != self.recent.len() {
                let hit = self.recent.remove(i);
                self.recent.push(hit);
            }
            return facts;
        }
        let facts = StyleFacts {
            numbering: styles.numbering(id),
            heading: styles.is_heading(id),
        };
        if self.recent.len() == Self::SIZE {
            self.recent.remove(0);
        }
        self.recent.push((id.to_string(), facts));
        facts
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    R,
    RPr,
    PPr,
    NumPr,
    T,
    DelText,
    Del,
    Tbl,
    Tr,
    TrPr,
    Tc,
    TcPr,
    Txbx,
    Ac,
    Other,
}

#[derive(Default)]
struct Para {
    slot: Option<usize>,
    text: String,
    deleted: String,
    style: Option<String>,
    num_id: Option<i64>,
    ilvl: Option<u8>,
    outline: Option<u8>,
    visible: bool,
    hidden: bool,
    mark_deleted: bool,
    /// Text was cut at [`MAX_BLOCK_TEXT`].
    cut: bool,
}

struct Cell {
    slot: usize,
    text: String,
    deleted: String,
    clause: Option<String>,
    cell: CellRef,
    span: u32,
    visible: bool,
    hidden: bool,
}

struct Table {
    index: u32,
    row: Option<u32>,
    col: u32,
}

enum Container {
    Cell(Box<Cell>),
    TextBox,
}

struct State {
    story: Story,
    tags: Vec<Tag>,
    paras: Vec<Para>,
    tables: Vec<Table>,
    containers: Vec<Container>,
    /// One entry per open `mc:AlternateContent`: whether a branch was taken already.
    ac: Vec<bool>,
    del_depth: u32,
    run_hidden: bool,
    /// Depth inside an element whose content is skipped.
    skip: u32,
}

impl State {
    /// The state at the start of a story: nothing open.
    fn new(story: Story) -> State {
        State {
            story,
            tags: Vec::with_capacity(32),
            paras: Vec::new(),
            tables: Vec::new(),
            containers: Vec::new(),
            ac: Vec::new(),
            del_depth: 0,
            run_hidden: false,
            skip: 0,
        }
    }
}

/// Elements whose whole content is not text of the document as it stands.
fn skipped(local: &[u8]) -> bool {
    matches!(
        local,
        b"instrText"
            | b"delInstrText"
            // Ruby (furigana) annotation: the base text is the text.
            | b"rt"
            | b"pPrChange"
            | b"rPrChange"
            | b"sectPrChange"
            | b"tblPrChange"
            | b"trPrChange"
            | b"tcPrChange"
            | b"tblGridChange"
            | b"numberingChange"
            | b"sdtPr"
            | b"sdtEndPr"
    )
}

/// Parse one story. On an XML error the blocks read so far are kept and the error returned.
pub(crate) fn parse(xml: &[u8], story: Story, env: &mut Env) -> Result<(), String> {
    let mut st = State::new(story);
    walk(xml, &mut StoryReader { st: &mut st, env }, false)
}

/// A story being read: its state and the document's environment, as [`walk`] drives them.
struct StoryReader<'s, 'e, 'a> {
    st: &'s mut State,
    env: &'e mut Env<'a>,
}

impl XmlReader for StoryReader<'_, '_, '_> {
    type Ns = Ns;
    fn namespace(uri: Option<&[u8]>) -> Ns {
        Ns::of(uri)
    }
    fn limits(&mut self) -> &mut Limits {
        &mut self.env.limits
    }
    fn blocks(&self) -> usize {
        self.env.blocks.len()
    }
    fn skip(&mut self) -> &mut u32 {
        &mut self.st.skip
    }
    fn start(&mut self, ns: Ns, local: &[u8], e: &BytesStart, empty: bool) -> bool {
        self.st.start(ns, local, e, empty, self.env)
    }
    fn end(&mut self) {
        self.st.end(self.env);
    }
    fn text(&mut self, chars: Chars) {
        let st = &mut *self.st;
        let Some(top @ (Tag::T | Tag::DelText)) = st.tags.last().copied() else {
            return;
        };
        let deleted = top == Tag::DelText || st.del_depth > 0;
        let n = st.push_chars(chars, deleted, &mut self.env.unknown_entity);
        self.env.limits.text_total += n;
    }
    fn doctype(&mut self) {
        self.env.doctype = true;
    }
    fn open(&self) -> bool {
        !self.st.tags.is_empty()
    }
}

impl State {
    fn parent(&self) -> Option<Tag> {
        self.tags.last().copied()
    }

    fn grandparent(&self) -> Option<Tag> {
        self.tags.len().checked_sub(2).map(|i| self.tags[i])
    }

    fn reserve(env: &mut Env) -> usize {
        env.blocks.push(None);
        env.blocks.len() - 1
    }

    /// Bytes the current paragraph's text (or deleted text) can still take.
    fn room(&self, deleted: bool) -> usize {
        self.paras.last().map_or(0, |p| {
            MAX_BLOCK_TEXT.saturating_sub(if deleted {
                p.deleted.len()
            } else {
                p.text.len()
            })
        })
    }

    /// Append to the current paragraph within [`MAX_BLOCK_TEXT`]; the bytes appended.
    fn push_text(&mut self, s: &str, deleted: bool) -> usize {
        self.push_with(deleted, |buf| buf.push_str(s))
    }

    /// Append character data to the current paragraph within [`MAX_BLOCK_TEXT`], decoded straight
    /// into it; the bytes appended.
    fn push_chars(&mut self, chars: Chars, deleted: bool, unknown: &mut bool) -> usize {
        let room = self.room(deleted);
        if self.paras.is_empty() {
            // Nowhere to put it, but an unknown entity in it is still reported.
            chars.decode_into(room, &mut String::new(), unknown);
            return 0;
        }
        self.push_with(deleted, |buf| chars.decode_into(room, buf, unknown))
    }

    /// Let `write` append to the current paragraph's text (or deleted text), then cut what it
    /// wrote at [`MAX_BLOCK_TEXT`]; the bytes kept.
    fn push_with(&mut self, deleted: bool, write: impl FnOnce(&mut String)) -> usize {
        let hidden = self.run_hidden;
        let room = self.room(deleted);
        let Some(p) = self.paras.last_mut() else {
            return 0;
        };
        let buf = if deleted { &mut p.deleted } else { &mut p.text };
        let from = buf.len();
        write(buf);
        if buf.len() - from > room {
            p.cut = true;
            let keep = clip(&buf[from..], room).len();
            buf.truncate(from + keep);
        }
        let s = &buf[from..];
        if !deleted && s.chars().any(|c| !c.is_whitespace()) {
            if hidden {
                p.hidden = true;
            } else {
                p.visible = true;
            }
        }
        s.len()
    }

    fn push_char(&mut self, c: char) {
        let deleted = self.del_depth > 0;
        let mut b = [0u8; 4];
        let _ = self.push_text(c.encode_utf8(&mut b), deleted);
    }

    /// Open an element; false when it was not pushed (its content is skipped or it was empty).
    fn start(&mut self, ns: Ns, local: &[u8], e: &BytesStart, empty: bool, env: &mut Env) -> bool {
        let parent = self.parent();
        let mut tag = Tag::Other;
        match ns {
            Ns::W => match local {
                b"p" => {
                    let slot = match self.containers.last() {
                        Some(Container::Cell(_)) => None,
                        _ => Some(Self::reserve(env)),
                    };
                    self.paras.push(Para {
                        slot,
                        ..Para::default()
                    });
                    tag = Tag::P;
                }
                b"r" => {
                    self.run_hidden = false;
                    tag = Tag::R;
                }
                b"rPr" => tag = Tag::RPr,
                b"pPr" => tag = Tag::PPr,
                b"numPr" if parent == Some(Tag::PPr) => tag = Tag::NumPr,
                b"t" => tag = Tag::T,
                b"delText" => tag = Tag::DelText,
                b"del" | b"moveFrom" | b"ins" | b"moveTo" if parent == Some(Tag::RPr) => {
                    // Revision marks on a run or paragraph mark, not wrappers.
                    let mark = local == b"del" && self.grandparent() == Some(Tag::PPr);
                    if let Some(p) = self.paras.last_mut().filter(|_| mark) {
                        p.mark_deleted = true;
                    }
                }
                b"del" | b"moveFrom" => {
                    self.del_depth += 1;
                    if let Some(p) = self.paras.last_mut() {
                        if !p.deleted.is_empty() && !p.deleted.ends_with(char::is_whitespace) {
                            p.deleted.push(' ');
                        }
                    }
                    tag = Tag::Del;
                }
                b"tbl" => {
                    self.tables.push(Table {
                        index: env.next_table,
                        row: None,
                        col: 0,
                    });
                    env.next_table += 1;
                    tag = Tag::Tbl;
                }
                b"tr" => {
                    if let Some(t) = self.tables.last_mut() {
                        t.row = Some(t.row.map_or(0, |r| r + 1));
                        t.col = 0;
                    }
                    tag = Tag::Tr;
                }
                b"trPr" => tag = Tag::TrPr,
                b"gridBefore" if parent == Some(Tag::TrPr) => {
                    if let Some(t) = self.tables.last_mut() {
                        t.col = attr_i64(e, b"val").unwrap_or(0).clamp(0, 1000) as u32;
                    }
                }
                b"tc" => {
                    if let Some(t) = self.tables.last() {
                        let cell = CellRef {
                            table: t.index,
                            row: t.row.unwrap_or(0),
                            col: t.col,
                        };
                        let slot = Self::reserve(env);
                        self.containers.push(Container::Cell(Box::new(Cell {
                            slot,
                            text: String::new(),
                            deleted: String::new(),
                            clause: None,
                            cell,
                            span: 1,
                            visible: false,
                            hidden: false,
                        })));
                        tag = Tag::Tc;
                    }
                }
                b"tcPr" => tag = Tag::TcPr,
                b"gridSpan" if parent == Some(Tag::TcPr) => {
                    if let Some(Container::Cell(c)) = self.containers.last_mut() {
                        c.span = attr_i64(e, b"val").unwrap_or(1).clamp(1, 1000) as u32;
                    }
                }
                b"txbxContent" => {
                    self.containers.push(Container::TextBox);
                    tag = Tag::Txbx;
                }
                b"footnote" | b"endnote" => {
                    let sep = attr(e, b"type").is_some_and(|t| t != "normal");
                    if sep && !empty {
                        self.skip = 1;
                        return false;
                    }
                }
                b"tab" | b"ptab" if parent == Some(Tag::R) => self.push_char('\t'),
                b"br" | b"cr" if parent == Some(Tag::R) => self.push_char('\n'),
                b"noBreakHyphen" if parent == Some(Tag::R) => self.push_char('-'),
                b"sym" if parent == Some(Tag::R) => {
                    if let Some(c) = sym_char(e) {
                        self.push_char(c);
                    }
                }
                b"pStyle" if parent == Some(Tag::PPr) => {
                    if let Some(p) = self.paras.last_mut() {
                        p.style = attr(e, b"val");
                    }
                }
                b"outlineLvl" if parent == Some(Tag::PPr) => {
                    if let Some(p) = self.paras.last_mut() {
                        p.outline = attr_i64(e, b"val")
                            .filter(|v| (0..=9).contains(v))
                            .map(|v| v as u8);
                    }
                }
                b"numId" if parent == Some(Tag::NumPr) => {
                    if let Some(p) = self.paras.last_mut() {
                        p.num_id = attr_i64(e, b"val");
                    }
                }
                b"ilvl" if parent == Some(Tag::NumPr) => {
                    if let Some(p) = self.paras.last_mut() {
                        p.ilvl = attr_i64(e, b"val")
                            .filter(|v| (0..=8).contains(v))
                            .map(|v| v as u8);
                    }
                }
                b"vanish" if parent == Some(Tag::RPr) && self.grandparent() == Some(Tag::R) => {
                    self.run_hidden = on_off(e);
                }
                b"altChunk" | b"subDoc" => env.unread_chunks += 1,
                b"headerReference" | b"footerReference" if self.story == Story::Body => {
                    if let Some(id) = attr(e, b"id") {
                        env.hf_refs.push(id);
                    }
                }
                l if skipped(l) => {
                    if !empty {
                        self.skip = 1;
                    }
                    return false;
                }
                _ => {}
            },
            Ns::M if local == b"t" => tag = Tag::T,
            Ns::Mc => match local {
                b"AlternateContent" => {
                    self.ac.push(false);
                    tag = Tag::Ac;
                }
                b"Choice" | b"Fallback" => {
                    if empty {
                        // nothing to read; does not count as the branch taken
                    } else if self.ac.last() == Some(&true) {
                        self.skip = 1;
                        return false;
                    } else if let Some(t) = self.ac.last_mut() {
                        *t = true;
                    }
                }
                _ => {}
            },
            _ => {}
        }
        self.tags.push(tag);
        true
    }

    fn end(&mut self, env: &mut Env) {
        let Some(tag) = self.tags.pop() else {
            return;
        };
        match tag {
            Tag::P => self.end_para(env),
            Tag::Del => self.del_depth = self.del_depth.saturating_sub(1),
            Tag::Tbl => {
                self.tables.pop();
            }
            Tag::Tc => {
                if let Some(Container::Cell(c)) = self.containers.pop() {
                    if let Some(t) = self.tables.last_mut() {
                        t.col = t.col.saturating_add(c.span);
                    }
                    self.emit_cell(*c, env);
                }
            }
            Tag::Txbx => {
                self.containers.pop();
            }
            Tag::Ac => {
                self.ac.pop();
            }
            _ => {}
        }
    }

    fn emit_cell(&mut self, c: Cell, env: &mut Env) {
        let kind = match self.story {
            Story::Body => BlockKind::TableCell,
            s => s.kind(),
        };
        let loc = Location {
            clause: c.clause.clone(),
            cell: Some(c.cell),
            ..Location::default()
        };
        if c.text.chars().any(|ch| !ch.is_whitespace()) {
            let mut b = Block::new(kind, c.text, loc.clone());
            b.hidden = c.hidden && !c.visible;
            env.blocks[c.slot] = Some(b);
        }
        if c.deleted.chars().any(|ch| !ch.is_whitespace()) {
            env.blocks
                .push(Some(Block::new(BlockKind::Deleted, c.deleted, loc)));
        }
    }

    fn end_para(&mut self, env: &mut Env) {
        let Some(p) = self.paras.pop() else {
            return;
        };
        if p.cut {
            env.limits.cut_blocks += 1;
        }
        let styles = env.styles;
        let style = p.style.as_deref().or(styles.default_para.as_deref());
        let facts = style.map(|s| env.style_facts.of(s, styles));
        let from_style = facts.and_then(|f| f.numbering);
        let nr = match (p.num_id, from_style) {
            (Some(id), s) => Some(NumRef {
                num_id: id,
                ilvl: p.ilvl.or(s.and_then(|s| s.ilvl)),
            }),
            (None, Some(s)) => Some(NumRef {
                num_id: s.num_id,
                ilvl: p.ilvl.or(s.ilvl),
            }),
            (None, None) => None,
        };
        let live = p.text.chars().any(|c| !c.is_whitespace());
        let clause = match nr {
            Some(nr) if live || !p.mark_deleted => env.numbering.next(nr, style, styles),
            _ => None,
        };
        let has_deleted = p.deleted.chars().any(|c| !c.is_whitespace());
        match self.containers.last_mut() {
            Some(Container::Cell(c)) => {
                // A cell's first paragraph (mostly its only one) hands its text over whole.
                if live {
                    if c.text.is_empty() {
                        c.text = p.text;
                    } else {
                        c.text.push('\n');
                        c.text.push_str(&p.text);
                    }
                    c.visible |= p.visible;
                    c.hidden |= p.hidden;
                    if c.clause.is_none() {
                        c.clause = clause;
                    }
                }
                if has_deleted {
                    if c.deleted.is_empty() {
                        c.deleted = p.deleted;
                    } else {
                        c.deleted.push('\n');
                        c.deleted.push_str(&p.deleted);
                    }
                }
            }
            container => {
                let kind = if matches!(container, Some(Container::TextBox)) {
                    BlockKind::TextBox
                } else if self.story == Story::Body
                    && (p.outline.is_some_and(|o| o <= 8) || facts.is_some_and(|f| f.heading))
                {
                    BlockKind::Heading
                } else {
                    self.story.kind()
                };
                let loc = Location {
                    clause,
                    ..Location::default()
                };
                if live {
                    let mut b = Block::new(kind, p.text, loc.clone());
                    b.hidden = p.hidden && !p.visible;
                    match p.slot {
                        Some(i) if i < env.blocks.len() => env.blocks[i] = Some(b),
                        _ => env.blocks.push(Some(b)),
                    }
                }
                if has_deleted {
                    env.blocks
                        .push(Some(Block::new(BlockKind::Deleted, p.deleted, loc)));
                }
            }
        }
    }
}

/// The character a `w:sym` stands for. Symbol-font code points in the private-use area
/// (F020–F0FF) are mapped where they stand for a letter; pictographs (Wingdings) are dropped.
fn sym_char(e: &BytesStart) -> Option<char> {
    let code = u32::from_str_radix(attr(e, b"char")?.trim(), 16).ok()?;
    let font = attr(e, b"font").unwrap_or_default().to_ascii_lowercase();
    let low = if (0xF000..=0xF0FF).contains(&code) {
        code - 0xF000
    } else {
        return char::from_u32(code).filter(|c| !c.is_control());
    };
    if font.contains("wingdings") || font.contains("webdings") || low < 0x20 {
        return None;
    }
    if font == "symbol" {
        // Greek letters of the Symbol font, in its ASCII positions.
        const UPPER: &str = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ";
        const LOWER: &str = "αβχδεφγηιϕκλμνοπθρστυϖωξψζ";
        let c = char::from_u32(low)?;
        if c.is_ascii_uppercase() {
            return UPPER.chars().nth((low - 'A' as u32) as usize);
        }
        if c.is_ascii_lowercase() {
            return LOWER.chars().nth((low - 'a' as u32) as usize);
        }
    }
    char::from_u32(low).filter(|c| !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::docx::xml::decode_text;

    fn state_with(text_len: usize) -> State {
        State {
            paras: vec![Para {
                text: "x".repeat(text_len),
                deleted: "y".repeat(text_len),
                ..Para::default()
            }],
            ..State::new(Story::Body)
        }
    }

    #[test]
    fn style_memo_agrees_with_the_styles() {
        let styles = Styles::parse(
            br#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
              <w:style w:type="paragraph" w:styleId="H"><w:name w:val="heading 2"/></w:style>
              <w:style w:type="paragraph" w:styleId="L"><w:pPr><w:numPr><w:numId w:val="3"/>
                <w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>
              <w:style w:type="paragraph" w:styleId="LH"><w:basedOn w:val="L"/>
                <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
              <w:style w:type="paragraph" w:styleId="N"/></w:styles>"#,
        )
        .unwrap();
        let mut memo = StyleMemo::default();
        let ids = "H H L LH LH N missing x H N N a b c d e f g h L LH H i L"
            .split(' ')
            .chain([""]);
        for id in ids {
            let f = memo.of(id, &styles);
            assert_eq!(f.numbering, styles.numbering(id), "{id}");
            assert_eq!(f.heading, styles.is_heading(id), "{id}");
        }
        assert!(memo.of("LH", &styles).heading);
        assert!(memo.of("L", &styles).numbering.is_some());
    }

    /// Decoding straight into the paragraph keeps what decoding into a string of its own and
    /// appending that within the paragraph's room kept; text known to be UTF-8 is decoded as the
    /// same bytes are.
    #[test]
    fn text_decoded_in_place_as_through_a_string() {
        let raws: &[&[u8]] = &[
            b"",
            b"plain",
            b"  ",
            "中文 é and 𝄞".as_bytes(),
            b"a &amp; b &lt;&#x4E2D;&#25991;&#0000000000000000065; &bad; &amp &#xD800;",
            b"\xff\xfeab\xe4\xb8",
            "ééééééééééééééé".as_bytes(),
            "中文中文中文中文中文中文中文中文中文中文中文中文中文中文".as_bytes(),
            b"&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;",
        ];
        for room in [0, 1, 2, 3, 4, 5, 17, 100] {
            for raw in raws {
                let text = std::str::from_utf8(raw).ok().map(Chars::Text);
                for chars in [Some(Chars::Bytes(raw)), Some(Chars::CData(raw)), text]
                    .into_iter()
                    .flatten()
                {
                    for deleted in [false, true] {
                        let mut st = state_with(MAX_BLOCK_TEXT - room);
                        let mut unknown = false;
                        let n = st.push_chars(chars, deleted, &mut unknown);
                        let mut want_unknown = false;
                        let whole = if matches!(chars, Chars::CData(_)) {
                            String::from_utf8_lossy(&raw[..raw.len().min(room + 4)]).into_owned()
                        } else {
                            decode_text(&raw[..raw.len().min(room * 10 + 16)], &mut want_unknown)
                        };
                        let want = clip(&whole, room);
                        let p = &st.paras[0];
                        let got = if deleted { &p.deleted } else { &p.text };
                        assert_eq!(&got[MAX_BLOCK_TEXT - room..], want, "{chars:?} {room}");
                        assert_eq!(n, want.len());
                        assert_eq!(p.cut, whole.len() > room);
                        assert_eq!(unknown, want_unknown);
                        let visible = !deleted && want.chars().any(|c| !c.is_whitespace());
                        assert_eq!(p.visible, visible);
                    }
                }
            }
        }
        // Outside any paragraph nothing is kept, but an unknown entity is still noticed.
        let mut st = state_with(0);
        st.paras.clear();
        let mut unknown = false;
        assert_eq!(
            st.push_chars(Chars::Bytes(b"&x; text"), false, &mut unknown),
            0
        );
        assert!(unknown);
    }
}
