//! Replacement inventory: how many banned devices a contract buys, and for how much.
//!
//! A violation found in a bill-of-quantities row ("海康威視 | DS-2CD2143G2-I | 20 | 4,800") says more
//! than "this contract names Hikvision": the same row gives the number of devices to replace and their
//! price. This module reads them from the row's cells, using the table's header row to tell which
//! column is the quantity, the unit price or the line total, and totals them per entity.
//!
//! It runs once per document after judging, while the [`Document`] (and so every table cell) is still
//! at hand; printers only format the fields it fills.

use crate::document::{BlockKind, Document};
use crate::finding::{Disposition, Finding, FindingKind, InventoryTotal};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// What a header cell says its column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Quantity,
    UnitPrice,
    Total,
}

/// Folded header text: NFKC, lower case, no spaces.
fn fold(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn column_of(header: &str) -> Option<Column> {
    let h = fold(header);
    let any = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if any(&[
        "unitprice",
        "unitcost",
        "unitrate",
        "priceperunit",
        "單價",
        "单价",
    ]) {
        Some(Column::UnitPrice)
    } else if any(&["qty", "q'ty", "quantity", "數量", "数量", "no.ofunits"]) {
        Some(Column::Quantity)
    } else if any(&[
        "amount", "total", "extended", "總價", "总价", "複價", "复价", "金額", "金额", "小計",
        "小计", "合計", "合计",
    ]) {
        Some(Column::Total)
    } else if any(&["price", "價格", "价格", "價錢"]) || h == "rate" || h.starts_with("rate(")
    {
        Some(Column::UnitPrice)
    } else {
        None
    }
}

/// The currency a header or cell names: ISO codes where the text says which dollar or yuan, else the
/// bare sign.
fn currency_of(s: &str) -> Option<String> {
    let t: String = s.nfkc().collect::<String>().to_uppercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let code = if any(&["NT$", "NTD", "TWD", "新臺幣", "新台幣", "新台币", "新臺币"]) {
        "TWD"
    } else if any(&["US$", "USD", "美元", "美金"]) {
        "USD"
    } else if any(&["RMB", "CNY", "人民幣", "人民币"]) {
        "CNY"
    } else if t.contains('$') {
        "$"
    } else if t.contains('元') {
        "元"
    } else {
        return None;
    };
    Some(code.to_string())
}

/// Every column kind a header cell names, in the order it names them. PDF tables often merge two
/// narrow right-aligned columns into one cell ("Qty Unit price (USD)" over "40 185.00").
fn columns_in(header: &str) -> Vec<Column> {
    let h = fold(header);
    let mut found: Vec<(usize, Column)> = Vec::new();
    for (words, kind) in [
        (
            &["unitprice", "unitcost", "單價", "单价"][..],
            Column::UnitPrice,
        ),
        (&["qty", "quantity", "數量", "数量"][..], Column::Quantity),
        (
            &[
                "amount", "total", "總價", "总价", "複價", "复价", "金額", "金额",
            ][..],
            Column::Total,
        ),
    ] {
        if let Some(pos) = words.iter().filter_map(|w| h.find(w)).min() {
            found.push((pos, kind));
        }
    }
    found.sort_by_key(|(p, _)| *p);
    found.into_iter().map(|(_, k)| k).collect()
}

/// Every number in a cell, in order ("40 185.00" -> [40, 185]).
fn numbers_in(s: &str) -> Vec<f64> {
    let t: String = s.nfkc().collect();
    let mut out = Vec::new();
    let mut rest = t.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let tail = &rest[start..];
        let end = tail
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || ((c == ',' || c == '.')
                        && tail[i + 1..].starts_with(|n: char| n.is_ascii_digit())))
            })
            .map(|(i, _)| i)
            .unwrap_or(tail.len());
        if let Some(n) = number_in(&tail[..end]) {
            out.push(n);
        }
        rest = &tail[end..];
    }
    out
}

/// The first number in a cell: "4,800", "NT$ 1,260,000", "20 台", "12.5". Thousands separators are
/// dropped; a cell without digits gives `None`.
fn number_in(s: &str) -> Option<f64> {
    let t: String = s.nfkc().collect();
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let mut digits = String::new();
    let mut seen_point = false;
    let mut chars = t[start..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => digits.push(c),
            ',' if chars.peek().is_some_and(|n| n.is_ascii_digit()) => {}
            '.' if !seen_point && chars.peek().is_some_and(|n| n.is_ascii_digit()) => {
                seen_point = true;
                digits.push('.');
            }
            _ => break,
        }
    }
    digits.parse().ok().filter(|n: &f64| n.is_finite())
}

/// Fill `quantity`, `unit_price`, `amount` and `currency` on violations that sit in a table row whose
/// table has a quantity or price column.
pub fn fill(doc: &Document, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        if f.kind != FindingKind::Mention || f.disposition != Some(Disposition::Violation) {
            continue;
        }
        let Some(pos) = f.table else { continue };
        // Cells of this table: row -> [(col, text)].
        let mut rows: BTreeMap<u32, Vec<(u32, &str)>> = BTreeMap::new();
        for b in &doc.blocks {
            if b.kind == BlockKind::Deleted {
                continue;
            }
            if let Some(c) = b.location.cell {
                if c.table == pos.table && c.row <= pos.row {
                    rows.entry(c.row)
                        .or_default()
                        .push((c.col, b.text.as_str()));
                }
            }
        }
        // The header: the nearest row above the finding that names a quantity or price column
        // (tables split over pages repeat their header).
        let header = rows
            .range(..pos.row)
            .rev()
            .map(|(_, cells)| cells)
            .find(|cells| cells.iter().any(|(_, t)| column_of(t).is_some()));
        let (Some(header), Some(row)) = (header, rows.get(&pos.row)) else {
            continue;
        };
        let cell = |col: u32| {
            row.iter()
                .filter(|(c, _)| *c == col)
                .map(|(_, t)| *t)
                .next()
        };
        let mut quantity = None;
        let mut unit_price = None;
        let mut total = None;
        let mut currency = None;
        for &(col, head) in header {
            let Some(kind) = column_of(head) else {
                continue;
            };
            let value = cell(col);
            // A merged header cell over a cell with as many numbers: take them in order.
            let kinds = columns_in(head);
            let nums = value.map(numbers_in).unwrap_or_default();
            if kinds.len() >= 2 && nums.len() == kinds.len() {
                for (k, n) in kinds.iter().zip(&nums) {
                    match k {
                        Column::Quantity => quantity = quantity.or(Some(*n)),
                        Column::UnitPrice => unit_price = unit_price.or(Some(*n)),
                        Column::Total => total = total.or(Some(*n)),
                    }
                }
                if kinds.iter().any(|k| *k != Column::Quantity) {
                    currency = currency
                        .or_else(|| value.and_then(currency_of))
                        .or_else(|| currency_of(head));
                }
                continue;
            }
            let n = value.and_then(number_in);
            match kind {
                Column::Quantity => quantity = quantity.or(n),
                Column::UnitPrice => unit_price = unit_price.or(n),
                Column::Total => total = total.or(n),
            }
            if kind != Column::Quantity && n.is_some() {
                currency = currency
                    .or_else(|| value.and_then(currency_of))
                    .or_else(|| currency_of(head));
            }
        }
        if quantity.is_none() && unit_price.is_none() && total.is_none() {
            continue;
        }
        if currency.is_none() && (unit_price.is_some() || total.is_some()) {
            currency = header.iter().find_map(|(_, h)| currency_of(h));
        }
        let amount = total.or_else(|| Some(quantity? * unit_price?));
        if unit_price.is_none() {
            if let (Some(t), Some(q)) = (total, quantity.filter(|q| *q > 0.0)) {
                unit_price = Some(t / q);
            }
        }
        f.quantity = quantity;
        f.unit_price = unit_price;
        f.amount = amount;
        f.currency = if amount.is_some() { currency } else { None };
    }
}

/// Per entity and currency: devices (sum of quantities) and amount (sum of line amounts) over the
/// violations that carry a quantity or a price. Sorted by entity, then currency.
pub fn totals(findings: &[Finding]) -> Vec<InventoryTotal> {
    let mut by: BTreeMap<(String, Option<String>), InventoryTotal> = BTreeMap::new();
    for f in findings {
        let Some(entity) = &f.entity else { continue };
        if f.quantity.is_none() && f.amount.is_none() {
            continue;
        }
        let t = by
            .entry((entity.clone(), f.currency.clone()))
            .or_insert_with(|| InventoryTotal {
                entity: entity.clone(),
                devices: 0.0,
                amount: None,
                currency: f.currency.clone(),
                rows: 0,
            });
        t.devices += f.quantity.unwrap_or(0.0);
        if let Some(a) = f.amount {
            t.amount = Some(t.amount.unwrap_or(0.0) + a);
        }
        t.rows += 1;
    }
    by.into_values().collect()
}

/// Add one document's totals into run totals (same entity and currency are summed).
pub fn merge(into: &mut Vec<InventoryTotal>, from: &[InventoryTotal]) {
    for t in from {
        match into
            .iter_mut()
            .find(|x| x.entity == t.entity && x.currency == t.currency)
        {
            Some(x) => {
                x.devices += t.devices;
                x.rows += t.rows;
                if let Some(a) = t.amount {
                    x.amount = Some(x.amount.unwrap_or(0.0) + a);
                }
            }
            None => into.push(t.clone()),
        }
    }
    into.sort_by(|a, b| (&a.entity, &a.currency).cmp(&(&b.entity, &b.currency)));
}

/// "NT$ 1,260,000", "US$ 9,850.50", "1,000 元": an amount as a reader expects it.
pub fn format_amount(amount: f64, currency: Option<&str>) -> String {
    let n = format_number(amount);
    match currency {
        Some("TWD") => format!("NT$ {n}"),
        Some("USD") => format!("US$ {n}"),
        Some("CNY") => format!("CN¥ {n}"),
        Some("$") => format!("$ {n}"),
        Some("元") => format!("{n} 元"),
        Some(c) => format!("{c} {n}"),
        None => n,
    }
}

/// A number with thousands separators and at most two decimals ("1,260,000", "12.5").
pub fn format_number(x: f64) -> String {
    let neg = x < 0.0;
    let cents = (x.abs() * 100.0).round() as u128;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if frac != 0 {
        let f = format!("{frac:02}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

/// "hikvision: 20 devices, NT$ 96,000".
pub fn describe(t: &InventoryTotal) -> String {
    let n = format_number(t.devices);
    let mut s = format!(
        "{}: {n} device{}",
        t.entity,
        if t.devices == 1.0 { "" } else { "s" }
    );
    if let Some(a) = t.amount {
        s.push_str(", ");
        s.push_str(&format_amount(a, t.currency.as_deref()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_separators_and_units() {
        assert_eq!(number_in("4,800"), Some(4800.0));
        assert_eq!(number_in("NT$ 1,260,000"), Some(1_260_000.0));
        assert_eq!(number_in("２０ 台"), Some(20.0));
        assert_eq!(number_in("12.50"), Some(12.5));
        assert_eq!(number_in("1式"), Some(1.0));
        assert_eq!(number_in("－"), None);
    }

    #[test]
    fn headers_and_currencies() {
        assert_eq!(column_of("Qty"), Some(Column::Quantity));
        assert_eq!(column_of("數量"), Some(Column::Quantity));
        assert_eq!(column_of("Unit price (USD)"), Some(Column::UnitPrice));
        assert_eq!(column_of("單價（新臺幣元）"), Some(Column::UnitPrice));
        assert_eq!(column_of("複價"), Some(Column::Total));
        assert_eq!(column_of("Amount"), Some(Column::Total));
        assert_eq!(column_of("Brand"), None);
        assert_eq!(column_of("Unit"), None);
        assert_eq!(column_of("Integrated system"), None);
        assert_eq!(column_of("Total qty"), Some(Column::Quantity));
        assert_eq!(column_of("Total price (NT$)"), Some(Column::Total));
        assert_eq!(column_of("Rate (USD)"), Some(Column::UnitPrice));
        assert_eq!(currency_of("單價（新臺幣元）").as_deref(), Some("TWD"));
        assert_eq!(currency_of("Unit price (USD)").as_deref(), Some("USD"));
        assert_eq!(currency_of("NT$1,200").as_deref(), Some("TWD"));
        assert_eq!(currency_of("單價（元）").as_deref(), Some("元"));
        assert_eq!(currency_of("Brand"), None);
    }

    #[test]
    fn merged_pdf_columns() {
        assert_eq!(
            columns_in("Qty Unit\nprice\n(USD)"),
            [Column::Quantity, Column::UnitPrice]
        );
        assert_eq!(numbers_in("40 185.00"), [40.0, 185.0]);
        assert_eq!(numbers_in("1,240.00 x 3"), [1240.0, 3.0]);
        assert!(columns_in("Brand").is_empty());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_number(1_260_000.0), "1,260,000");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(999.0), "999");
        assert_eq!(format_amount(96_000.0, Some("TWD")), "NT$ 96,000");
    }
}
