//! One self-contained HTML page for people: a summary, a sortable and filterable table of documents,
//! and per document its findings with the excerpt, the matched words highlighted, the citation, the
//! rule and the lists with links to their legal sources.
//!
//! Contract text is hostile input. Every piece of it goes through [`escape`] (text and attribute
//! values alike), and the page's Content-Security-Policy allows only its own script, by hash, so even
//! a markup injection that slipped past escaping could not run: no external assets, no inline event
//! handlers, no network. Filters can be preset from the URL fragment (`report.html#verdict=fail`), so
//! a link can open the page already filtered.

use super::{finding_label, split_excerpt, Summary};
use crate::finding::{DocumentReport, Finding, Status, Verdict};
use crate::patterns::{List, PatternSet};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (other than tab and newline) are not valid HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            // Bidirectional overrides would show document text in another order than stored.
            c if super::is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Only http(s) links are written: a patterns file is data, not a way to put `javascript:` in a page.
fn safe_url(u: &str) -> Option<&str> {
    let l = u.trim().to_ascii_lowercase();
    (l.starts_with("https://") || l.starts_with("http://")).then_some(u.trim())
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const CSS: &str = r#"
:root{--fail:#b3261e;--review:#8a5a00;--pass:#1e6b34;--unreadable:#6b2fa3;--excluded:#1e6b34;--line:#d8dce3;--muted:#5c6370;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK TC","Microsoft JhengHei","PingFang TC",sans-serif;color:#1d2129;background:var(--bg)}
header{background:#1d2733;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c4cbd6}
main{padding:8px 32px 40px;max-width:1400px}
h2{margin:28px 0 10px;font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:120px}
.card .n{display:block;font-size:26px;font-weight:700}
.card .l{color:var(--muted);font-size:13px}
.card.fail .n{color:var(--fail)}.card.review .n{color:var(--review)}.card.pass .n{color:var(--pass)}.card.unreadable .n{color:var(--unreadable)}
table{border-collapse:collapse;background:#fff;border:1px solid var(--line);width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef0f4;font-size:13px;white-space:nowrap}
th[data-key]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
td.num,th.num{text-align:right}
.badge{display:inline-block;border-radius:4px;padding:0 7px;font-size:12px;font-weight:700;text-transform:uppercase;color:#fff;background:#777;white-space:nowrap}
.badge.fail,.badge.violation,.badge.missing-clause,.badge.permissive-clause{background:var(--fail)}
.badge.review{background:var(--review)}.badge.pass,.badge.excluded{background:var(--excluded)}.badge.unreadable{background:var(--unreadable)}
.badge.waived{background:#3a5f8f}.badge.baseline-new{background:#1d2733}.badge.baseline-unchanged{background:#9aa3ae}
li.finding[data-waived]{opacity:.75}
.filters{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:8px 0 10px}
.filters label{font-size:13px;color:var(--muted)}
.filters select,.filters input{font:inherit;margin-left:4px;padding:2px 4px}
#shown-count{font-size:13px;color:var(--muted)}
article.doc{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 18px;margin:12px 0}
article.doc h3{margin:4px 0;word-break:break-all}
.meta{color:var(--muted);font-size:13px;margin:2px 0}
.error{color:var(--fail)}
ol.findings{padding-left:22px}
li.finding{margin:10px 0;padding-bottom:8px;border-bottom:1px dashed var(--line)}
li.finding:last-child{border-bottom:0}
.cite{color:var(--muted);font-size:13px}
blockquote.excerpt{margin:6px 0;padding:6px 10px;background:#f3f4f7;border-left:3px solid #9aa3b2;white-space:pre-wrap;word-break:break-word}
mark{background:#ffe066;padding:0 1px;font-weight:700}
.msg{margin:4px 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0;font-size:13px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
code{font-size:12.5px;background:#eef0f4;padding:0 3px;border-radius:3px}
a{color:#1a5fb4}
footer{color:var(--muted);font-size:12px;padding:0 32px 24px}
[hidden]{display:none !important}
"#;

const JS: &str = r#"
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  var filters = { verdict: $('filter-verdict'), entity: $('filter-entity'), list: $('filter-list'), q: $('filter-text') };
  var rows = Array.prototype.slice.call(document.querySelectorAll('#doc-table tbody tr.doc-row'));
  var articles = Array.prototype.slice.call(document.querySelectorAll('article.doc'));
  function hasWord(el, attr, v) {
    return !v || (' ' + (el.getAttribute(attr) || '') + ' ').indexOf(' ' + v + ' ') >= 0;
  }
  function matches(el) {
    var q = filters.q.value.trim().toLowerCase();
    return (!filters.verdict.value || el.getAttribute('data-verdict') === filters.verdict.value) &&
      hasWord(el, 'data-entities', filters.entity.value) &&
      hasWord(el, 'data-lists', filters.list.value) &&
      (!q || (el.getAttribute('data-path') || '').toLowerCase().indexOf(q) >= 0);
  }
  var sortSpec = '';
  function apply(updateHash) {
    var shown = 0;
    rows.forEach(function (r) { var m = matches(r); r.hidden = !m; if (m) { shown++; } });
    articles.forEach(function (a) {
      a.hidden = !matches(a);
      a.querySelectorAll('li.finding').forEach(function (li) {
        li.hidden = !(hasWord(li, 'data-entities', filters.entity.value) && hasWord(li, 'data-lists', filters.list.value));
      });
    });
    var c = $('shown-count');
    c.setAttribute('data-count', String(shown));
    c.textContent = shown + ' of ' + rows.length + ' documents shown';
    if (updateHash) {
      var parts = [];
      Object.keys(filters).forEach(function (k) {
        if (filters[k].value) { parts.push(k + '=' + encodeURIComponent(filters[k].value)); }
      });
      if (sortSpec) { parts.push('sort=' + encodeURIComponent(sortSpec)); }
      try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) { /* file: URLs in some browsers */ }
    }
  }
  var pendingSort = '';
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (h.indexOf('=') < 0) { return false; }
    Object.keys(filters).forEach(function (k) { filters[k].value = ''; });
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) { return; }
      var k = kv.slice(0, i), v;
      try { v = decodeURIComponent(kv.slice(i + 1)); } catch (e) { return; }
      if (Object.prototype.hasOwnProperty.call(filters, k)) { filters[k].value = v; }
      if (k === 'sort' && v) { pendingSort = v; }
    });
    return true;
  }
  Object.keys(filters).forEach(function (k) {
    filters[k].addEventListener(k === 'q' ? 'input' : 'change', function () { apply(true); });
  });
  window.addEventListener('hashchange', function () { if (readHash()) { sortPending(); apply(false); } });
  // Sorting: click a header (or `#sort=findings`, `#sort=-findings`); numbers and verdict ranks
  // compare numerically, ties keep input order.
  var heads = Array.prototype.slice.call(document.querySelectorAll('#doc-table th[data-key]'));
  function sortBy(key, asc) {
    var th = heads.filter(function (h) { return h.getAttribute('data-key') === key; })[0];
    if (!th) { return; }
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    heads.forEach(function (o) { o.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    sortSpec = (asc ? '' : '-') + key;
    var num = th.getAttribute('data-type') === 'num';
    var body = $('doc-table').tBodies[0];
    rows.slice().sort(function (a, b) {
      var x = a.children[col].getAttribute('data-v') || '', y = b.children[col].getAttribute('data-v') || '';
      var d = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' });
      if (d === 0) { return parseInt(a.getAttribute('data-doc'), 10) - parseInt(b.getAttribute('data-doc'), 10); }
      return asc ? d : -d;
    }).forEach(function (r) { body.appendChild(r); });
  }
  heads.forEach(function (th) {
    th.addEventListener('click', function () {
      sortBy(th.getAttribute('data-key'), th.getAttribute('aria-sort') !== 'ascending');
      apply(true);
    });
  });
  function sortPending() {
    if (pendingSort) {
      var desc = pendingSort.charAt(0) === '-';
      sortBy(desc ? pendingSort.slice(1) : pendingSort, !desc);
      pendingSort = '';
    }
  }
  readHash();
  sortPending();
  apply(false);
  document.body.setAttribute('data-ready', '1');
})();
"#;

fn verdict_rank(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => 1,
        Verdict::Review => 2,
        Verdict::Fail => 3,
        Verdict::Unreadable => 4,
    }
}

fn entities_of(r: &DocumentReport) -> BTreeSet<&str> {
    r.findings
        .iter()
        .filter_map(|f| f.entity.as_deref())
        .collect()
}

fn lists_of(r: &DocumentReport) -> BTreeSet<&str> {
    r.findings
        .iter()
        .flat_map(|f| f.lists.iter().map(String::as_str))
        .collect()
}

fn words<'a>(w: impl IntoIterator<Item = &'a str>) -> String {
    escape(&w.into_iter().collect::<Vec<_>>().join(" "))
}

fn list_link(l: &List) -> String {
    match l.url.as_deref().and_then(safe_url) {
        Some(u) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{}</a>",
            escape(u),
            escape(&l.id)
        ),
        None => escape(&l.id),
    }
}

fn card(h: &mut String, id: &str, class: &str, n: usize, label: &str) {
    let _ = write!(
        h,
        "<div class=\"card {class}\"><span class=\"n\" id=\"{id}\" data-count=\"{n}\">{n}</span><span class=\"l\">{label}</span></div>"
    );
}

fn finding_html(h: &mut String, f: &Finding, set: &PatternSet) {
    let label = finding_label(f);
    let _ = write!(
        h,
        "<li class=\"finding {label}\" data-kind=\"{}\" data-disposition=\"{}\" data-entities=\"{}\" data-lists=\"{}\" data-rule=\"{}\"",
        f.kind.as_str(),
        f.disposition.map(|d| d.as_str()).unwrap_or(""),
        escape(f.entity.as_deref().unwrap_or("")),
        words(f.lists.iter().map(String::as_str)),
        escape(&f.rule)
    );
    if !f.review.fingerprint.is_empty() {
        let _ = write!(h, " data-fingerprint=\"{}\"", escape(&f.review.fingerprint));
    }
    if f.review.waiver.is_some() {
        h.push_str(" data-waived=\"1\"");
    }
    if let Some(b) = f.review.baseline_state {
        let _ = write!(h, " data-baseline=\"{}\"", b.as_str());
    }
    h.push('>');
    let _ = write!(h, "<div><span class=\"badge {label}\">{label}</span> ");
    if f.review.waiver.is_some() {
        h.push_str("<span class=\"badge waived\">accepted</span> ");
    }
    if let Some(b) = f.review.baseline_state {
        let _ = write!(
            h,
            "<span class=\"badge baseline-{0}\">{0}</span> ",
            b.as_str()
        );
    }
    if let Some(e) = &f.entity {
        let name = set.entity(e).map(|x| x.name.as_str()).unwrap_or("");
        let _ = write!(
            h,
            "<strong>{}</strong> <span class=\"cite\">{}</span> ",
            escape(e),
            escape(name)
        );
    }
    let _ = write!(
        h,
        "<span class=\"cite\" title=\"page, clause, paragraph, table cell\">{}</span></div>",
        escape(&super::citation_words(f))
    );
    let (pre, mid, post) = split_excerpt(f);
    let _ = write!(
        h,
        "<blockquote class=\"excerpt\">{}<mark>{}</mark>{}</blockquote>",
        escape(&pre),
        escape(&mid),
        escape(&post)
    );
    let _ = write!(
        h,
        "<p class=\"msg\">{}</p><dl class=\"facts\">",
        escape(&f.message)
    );
    if let Some(w) = &f.review.waiver {
        let until = match &w.expires {
            Some(e) => format!(", until {}", escape(e)),
            None => String::new(),
        };
        let _ = write!(
            h,
            "<dt>Accepted</dt><dd class=\"waiver\">{} (by {}, {}{until})</dd>",
            escape(&w.reason),
            escape(&w.reviewer),
            escape(&w.date)
        );
    }
    let _ = write!(h, "<dt>Rule</dt><dd><code>{}</code></dd>", escape(&f.rule));
    if let Some(c) = &f.cue {
        let _ = write!(h, "<dt>Cue</dt><dd>{}</dd>", escape(c));
    }
    if !f.lists.is_empty() {
        let parts: Vec<String> = f
            .lists
            .iter()
            .map(|id| match set.list(id) {
                Some(l) => format!("{} ({})", list_link(l), escape(&l.source)),
                None => escape(id),
            })
            .collect();
        let _ = write!(h, "<dt>Lists</dt><dd>{}</dd>", parts.join("; "));
    }
    if let Some(q) = f.quantity {
        let mut s = crate::inventory::format_number(q);
        if let Some(p) = f.unit_price {
            s.push_str(" × ");
            s.push_str(&crate::inventory::format_amount(p, f.currency.as_deref()));
        }
        if let Some(a) = f.amount {
            s.push_str(" = ");
            s.push_str(&crate::inventory::format_amount(a, f.currency.as_deref()));
        }
        let _ = write!(
            h,
            "<dt>Quantity</dt><dd class=\"quantity\" data-quantity=\"{q}\">{}</dd>",
            escape(&s)
        );
    }
    h.push_str("</dl></li>");
}

/// What waivers and a baseline did: accepted findings, waivers that expired or matched nothing,
/// findings of the baseline that are gone.
fn review_html(h: &mut String, rv: &crate::review::ReviewSummary) {
    let _ = write!(
        h,
        "<div id=\"review\"><h3>Review</h3><p><span id=\"count-waived\" data-count=\"{0}\">{0}</span> finding{1} accepted by a reviewer (shown, but not counted in the verdicts).</p>",
        rv.waived,
        if rv.waived == 1 { "" } else { "s" }
    );
    let waiver_list = |h: &mut String, id: &str, title: &str, ws: &[crate::review::WaiverRef]| {
        if ws.is_empty() {
            return;
        }
        let _ = write!(
            h,
            "<p>{title}</p><ul id=\"{id}\" data-count=\"{}\">",
            ws.len()
        );
        for w in ws {
            let _ = write!(
                h,
                "<li><code>{}</code> {} — {} ({}, {}{})</li>",
                escape(&w.fingerprint),
                escape(w.document.as_deref().unwrap_or("")),
                escape(&w.reason),
                escape(&w.reviewer),
                escape(&w.date),
                w.expires
                    .as_deref()
                    .map(|e| format!(", until {}", escape(e)))
                    .unwrap_or_default()
            );
        }
        h.push_str("</ul>");
    };
    waiver_list(
        h,
        "expired-waivers",
        "Expired waivers (their findings count again):",
        &rv.expired_waivers,
    );
    waiver_list(
        h,
        "unmatched-waivers",
        "Waivers that matched no finding (the document changed, or the finding went away):",
        &rv.unmatched_waivers,
    );
    if let Some(b) = &rv.baseline {
        let _ = write!(
            h,
            "<p id=\"baseline\" data-new=\"{}\" data-unchanged=\"{}\" data-gone=\"{}\">Against the earlier run {}: {} new, {} unchanged, {} gone.</p>",
            b.new,
            b.unchanged,
            b.gone.len(),
            escape(&b.file),
            b.new,
            b.unchanged,
            b.gone.len()
        );
        if !b.gone.is_empty() {
            h.push_str("<ul id=\"gone\">");
            for g in &b.gone {
                let _ = write!(
                    h,
                    "<li>{} · {} · {}</li>",
                    escape(&g.path),
                    escape(&super::citation_words(&g.finding)),
                    escape(&g.finding.message)
                );
            }
            h.push_str("</ul>");
        }
    }
    h.push_str("</div>");
}

/// Build the page.
pub fn render(docs: &[DocumentReport], s: &Summary, set: &PatternSet) -> String {
    let mut h = String::new();
    let script_hash = base64(&Sha256::digest(JS.as_bytes()));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"tenderscan {}\">\
<title>tenderscan report</title><style>{CSS}</style></head><body>",
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        h,
        "<header><h1>tenderscan report</h1><p>{} document{} scanned against {} · tenderscan {}</p></header><main>",
        s.documents,
        if s.documents == 1 { "" } else { "s" },
        escape(
            &set.lists
                .iter()
                .map(|l| l.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        env!("CARGO_PKG_VERSION")
    );

    // Summary.
    h.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    card(&mut h, "count-documents", "", s.documents, "documents");
    card(&mut h, "count-fail", "fail", s.fail, "fail");
    card(&mut h, "count-review", "review", s.review, "review");
    card(&mut h, "count-pass", "pass", s.pass, "pass");
    card(
        &mut h,
        "count-unreadable",
        "unreadable",
        s.unreadable,
        "unreadable",
    );
    card(
        &mut h,
        "count-entities",
        "",
        s.entities.len(),
        "entities found",
    );
    card(
        &mut h,
        "count-missing-clause",
        "fail",
        s.missing_clause,
        "missing a sourcing clause",
    );
    card(
        &mut h,
        "count-permissive-clause",
        "fail",
        s.permissive_clause,
        "permissive clauses",
    );
    h.push_str("</div>");
    if let Some(rv) = &s.accepted_and_baseline {
        review_html(&mut h, rv);
    }

    if !s.entities.is_empty() {
        h.push_str("<h3>Entities found</h3><table id=\"entities\"><thead><tr><th>Entity</th><th>Name</th><th class=\"num\">Violation</th><th class=\"num\">Review</th><th class=\"num\">Excluded</th><th class=\"num\">Mentioned</th><th>Lists</th></tr></thead><tbody>");
        for (e, by) in &s.entities {
            let name = set.entity(e).map(|x| x.name.as_str()).unwrap_or("");
            let _ = write!(
                h,
                "<tr data-entity=\"{0}\"><td><a href=\"#entity={0}\">{0}</a></td><td>{1}</td>",
                escape(e),
                escape(name)
            );
            for d in ["violation", "review", "excluded", "mentioned"] {
                let n = by.get(d).copied().unwrap_or(0);
                let _ = write!(
                    h,
                    "<td class=\"num\" data-disposition=\"{d}\" data-count=\"{n}\">{n}</td>"
                );
            }
            let lists = match set.status_of(e) {
                Some((st, lists)) => format!(
                    "{}: {}",
                    st.as_str(),
                    lists
                        .iter()
                        .map(|l| list_link(l))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => String::new(),
            };
            let _ = write!(h, "<td>{lists}</td></tr>");
        }
        h.push_str("</tbody></table>");
    }

    let missing: Vec<(usize, &DocumentReport, &Finding)> = docs
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.findings
                .iter()
                .filter(|f| f.kind == crate::finding::FindingKind::MissingClause)
                .map(move |f| (i, r, f))
        })
        .collect();
    let _ = write!(
        h,
        "<h3>Contracts missing a sourcing clause</h3><ul id=\"missing-clause-docs\" data-count=\"{}\">",
        missing.len()
    );
    if missing.is_empty() {
        h.push_str("<li>none</li>");
    }
    for (i, r, f) in &missing {
        let _ = write!(
            h,
            "<li><a href=\"#doc-{i}\">{}</a>: {}</li>",
            escape(&r.path),
            escape(&f.message)
        );
    }
    h.push_str("</ul>");

    if !s.inventory.is_empty() {
        h.push_str("<h3>Replacement inventory</h3><table id=\"inventory\"><thead><tr><th>Entity</th><th class=\"num\">Devices</th><th class=\"num\">Amount</th><th class=\"num\">Table rows</th></tr></thead><tbody>");
        for t in &s.inventory {
            let _ = write!(
                h,
                "<tr data-entity=\"{}\" data-devices=\"{}\" data-amount=\"{}\" data-currency=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&t.entity),
                t.devices,
                t.amount.map(|a| a.to_string()).unwrap_or_default(),
                escape(t.currency.as_deref().unwrap_or("")),
                escape(&t.entity),
                crate::inventory::format_number(t.devices),
                escape(
                    &t.amount
                        .map(|a| crate::inventory::format_amount(a, t.currency.as_deref()))
                        .unwrap_or_default()
                ),
                t.rows
            );
        }
        h.push_str("</tbody></table>");
    }

    h.push_str("<h3>Lists in force</h3><ul id=\"lists\">");
    for l in &set.lists {
        let _ = write!(
            h,
            "<li id=\"list-{}\">{}: {} ({}, effective {}). Source: {}</li>",
            escape(&l.id),
            list_link(l),
            escape(&l.title),
            escape(&l.jurisdiction),
            escape(&l.effective),
            escape(&l.source)
        );
    }
    h.push_str("</ul></section>");

    // Documents table with filters.
    let all_entities: BTreeSet<&str> = docs.iter().flat_map(entities_of).collect();
    h.push_str(
        "<section id=\"documents\"><h2>Documents</h2><div class=\"filters\" role=\"search\">",
    );
    h.push_str("<label>Verdict<select id=\"filter-verdict\"><option value=\"\">all</option>");
    for v in ["fail", "review", "pass", "unreadable"] {
        let _ = write!(h, "<option value=\"{v}\">{v}</option>");
    }
    h.push_str("</select></label><label>Entity<select id=\"filter-entity\"><option value=\"\">all</option>");
    for e in &all_entities {
        let _ = write!(h, "<option value=\"{0}\">{0}</option>", escape(e));
    }
    h.push_str(
        "</select></label><label>List<select id=\"filter-list\"><option value=\"\">all</option>",
    );
    for l in &set.lists {
        let _ = write!(h, "<option value=\"{0}\">{0}</option>", escape(&l.id));
    }
    let _ = write!(
        h,
        "</select></label><label>Path<input id=\"filter-text\" type=\"search\" placeholder=\"filter by path\"></label>\
<span id=\"shown-count\" data-count=\"{0}\">{0} of {0} documents shown</span></div>",
        docs.len()
    );
    h.push_str("<table id=\"doc-table\"><thead><tr><th data-key=\"path\">Document</th><th data-key=\"verdict\" data-type=\"num\">Verdict</th><th data-key=\"findings\" data-type=\"num\" class=\"num\">Findings</th><th data-key=\"entities\">Entities</th><th data-key=\"lists\">Lists</th><th>Notes</th></tr></thead><tbody>");
    for (i, r) in docs.iter().enumerate() {
        let ents = entities_of(r);
        let lists = lists_of(r);
        let v = r.verdict.as_str();
        let mut notes = Vec::new();
        if let Some(e) = super::error_note(r) {
            notes.push(e);
        } else if r.status == Status::NoText {
            notes.push("no extractable text (scanned?)".to_string());
        }
        if r.findings
            .iter()
            .any(|f| f.kind == crate::finding::FindingKind::MissingClause)
        {
            notes.push("missing sourcing clause".to_string());
        }
        for t in &r.inventory {
            notes.push(crate::inventory::describe(t));
        }
        let _ = write!(
            h,
            "<tr class=\"doc-row\" id=\"row-{i}\" data-doc=\"{i}\" data-verdict=\"{v}\" data-entities=\"{}\" data-lists=\"{}\" data-path=\"{}\" data-findings=\"{}\">",
            words(ents.iter().copied()),
            words(lists.iter().copied()),
            escape(&r.path),
            r.findings.len()
        );
        let _ = write!(
            h,
            "<td data-v=\"{0}\"><a href=\"#doc-{i}\">{0}</a></td><td data-v=\"{1}\"><span class=\"badge {v}\">{v}</span></td><td class=\"num\" data-v=\"{2}\">{2}</td><td data-v=\"{3}\">{3}</td><td data-v=\"{4}\">{4}</td><td>{5}</td></tr>",
            escape(&r.path),
            verdict_rank(r.verdict),
            r.findings.len(),
            words(ents.iter().copied()),
            escape(&lists.iter().copied().collect::<Vec<_>>().join(", ")),
            escape(&notes.join("; "))
        );
    }
    h.push_str("</tbody></table></section>");

    // Per document findings.
    h.push_str("<section id=\"details\"><h2>Findings by document</h2>");
    for (i, r) in docs.iter().enumerate() {
        let v = r.verdict.as_str();
        let _ = write!(
            h,
            "<article class=\"doc\" id=\"doc-{i}\" data-doc=\"{i}\" data-verdict=\"{v}\" data-entities=\"{}\" data-lists=\"{}\" data-path=\"{}\"><h3><span class=\"badge {v}\">{v}</span> {}</h3>",
            words(entities_of(r)),
            words(lists_of(r)),
            escape(&r.path),
            escape(&r.path)
        );
        let mut meta = vec![r.format.clone().unwrap_or_else(|| "unknown format".into())];
        if let Some(p) = r.pages {
            meta.push(format!("{p} page{}", if p == 1 { "" } else { "s" }));
        }
        if let Some(n) = r.pages_without_text.filter(|&n| n > 0) {
            meta.push(format!("{n} without text"));
        }
        meta.push(format!("status {}", r.status.as_str()));
        if !r.facts.scopes.is_empty() {
            meta.push(format!("scope: {}", r.facts.scopes.join(", ")));
        }
        if !r.facts.sourcing_clauses.is_empty() {
            meta.push(format!(
                "sourcing clauses: {}",
                r.facts.sourcing_clauses.join(", ")
            ));
        }
        let _ = write!(h, "<p class=\"meta\">{}</p>", escape(&meta.join(" · ")));
        if let Some(e) = &r.error {
            let _ = write!(
                h,
                "<p class=\"error\">Could not be read ({}): {}</p>",
                escape(r.error_class.as_deref().unwrap_or("error")),
                escape(e)
            );
        } else if r.status == Status::NoText {
            h.push_str("<p class=\"error\">No extractable text (a scanned or image-only document): read it by hand or OCR it first.</p>");
        }
        for t in &r.inventory {
            let _ = write!(
                h,
                "<p class=\"inventory\">Replacement inventory: {}</p>",
                escape(&crate::inventory::describe(t))
            );
        }
        if r.findings.is_empty() && r.status == Status::Ok {
            h.push_str("<p class=\"meta\">No findings.</p>");
        }
        if !r.findings.is_empty() {
            h.push_str("<ol class=\"findings\">");
            for f in &r.findings {
                finding_html(&mut h, f, set);
            }
            h.push_str("</ol>");
        }
        for w in &r.warnings {
            let _ = write!(h, "<p class=\"meta\">warning: {}</p>", escape(w));
        }
        h.push_str("</article>");
    }
    h.push_str("</section></main><footer>Every excerpt is quoted from the document as extracted; the highlighted words are the match. Page numbers are physical pages of the PDF; clause numbers are as printed.</footer>");
    let _ = writeln!(h, "<script>{JS}</script></body></html>");
    h
}

pub fn write_html<W: Write>(
    out: &mut W,
    docs: &[DocumentReport],
    summary: &Summary,
    set: &PatternSet,
) -> std::io::Result<()> {
    out.write_all(render(docs, summary, set).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_base64() {
        assert_eq!(
            escape("<img src=x onerror=\"a\">&'"),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("https://x.test/a"), Some("https://x.test/a"));
    }
}
