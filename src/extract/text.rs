//! Plain text and Markdown: paragraphs are separated by blank lines, `#` lines are headings, and
//! Markdown pipe tables become table cells so bill-of-quantities rows are judged as rows.

use crate::document::{Block, BlockKind, CellRef, Document, Format, Location};

pub fn extract(bytes: &[u8]) -> Document {
    let text = decode(bytes);
    let mut doc = Document::new(Format::Txt);
    let mut para: Vec<&str> = Vec::new();
    let mut paragraph = 0u32;
    let mut table = 0u32;
    let mut row = 0u32;
    let mut in_table = false;

    fn flush(doc: &mut Document, para: &mut Vec<&str>, paragraph: &mut u32) {
        if para.is_empty() {
            return;
        }
        *paragraph += 1;
        let text = para.join("\n");
        para.clear();
        doc.blocks.push(Block::new(
            BlockKind::Paragraph,
            text,
            Location {
                paragraph: *paragraph,
                ..Location::default()
            },
        ));
    }

    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('|') && trimmed.len() > 1 {
            flush(&mut doc, &mut para, &mut paragraph);
            // Markdown separator row: | --- | :---: |
            if trimmed
                .chars()
                .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
            {
                continue;
            }
            if !in_table {
                in_table = true;
                row = 0;
            }
            let inner = trimmed.trim_start_matches('|');
            let inner = inner.strip_suffix('|').unwrap_or(inner);
            for (col, cell) in inner.split('|').enumerate() {
                paragraph += 1;
                doc.blocks.push(Block::new(
                    BlockKind::TableCell,
                    cell.trim(),
                    Location {
                        paragraph,
                        cell: Some(CellRef {
                            table,
                            row,
                            col: col as u32,
                        }),
                        ..Location::default()
                    },
                ));
            }
            row += 1;
            continue;
        }
        if in_table {
            in_table = false;
            table += 1;
        }
        if trimmed.is_empty() {
            flush(&mut doc, &mut para, &mut paragraph);
            continue;
        }
        if trimmed.starts_with('#') {
            flush(&mut doc, &mut para, &mut paragraph);
            paragraph += 1;
            doc.blocks.push(Block::new(
                BlockKind::Heading,
                trimmed.trim_start_matches('#').trim(),
                Location {
                    paragraph,
                    ..Location::default()
                },
            ));
            continue;
        }
        para.push(line);
    }
    flush(&mut doc, &mut para, &mut paragraph);
    doc
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, else Big5 or GB18030 when that decodes cleanly,
/// else lossy UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return encoding_rs::UTF_16LE.decode(bytes).0.into_owned();
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return encoding_rs::UTF_16BE.decode(bytes).0.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    for enc in [encoding_rs::BIG5, encoding_rs::GB18030] {
        let (s, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return s.into_owned();
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_headings_and_tables() {
        let doc = extract(
            "# Scope\n\nSupply cameras\nfor the city.\n\n| Item | Brand |\n|---|---|\n| Camera | Hikvision |\n"
                .as_bytes(),
        );
        assert_eq!(doc.blocks[0].kind, BlockKind::Heading);
        assert_eq!(doc.blocks[0].text, "Scope");
        assert_eq!(doc.blocks[1].text, "Supply cameras\nfor the city.");
        let cell = doc.blocks.iter().find(|b| b.text == "Hikvision").unwrap();
        assert_eq!(
            cell.location.cell,
            Some(CellRef {
                table: 0,
                row: 1,
                col: 1
            })
        );
    }

    #[test]
    fn big5_is_decoded() {
        let (bytes, _, _) = encoding_rs::BIG5.encode("華為攝影機");
        let doc = extract(&bytes);
        assert_eq!(doc.blocks[0].text, "華為攝影機");
    }
}
