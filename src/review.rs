//! A reviewer's memory across runs: content hashes and finding fingerprints, waivers and baselines.
//!
//! - Every readable document gets a `content_hash` (blake3 of its bytes) and every finding a
//!   `fingerprint`: a hash of the content hash, the rule, the entity and the clause (or paragraph).
//!   Scanning the same file again, under any name, gives the same fingerprints.
//! - A **waiver** (`tenderscan-waivers.toml`, or `--waivers FILE`) accepts one fingerprint, with a
//!   reason, a reviewer, a date and an optional expiry. A waived finding stays in every report, marked
//!   waived, and no longer sets the document's verdict or the exit code. Waivers that expired or
//!   matched nothing are reported in the summary.
//! - A **baseline** (`--baseline previous.json`, a JSON or JSON Lines report of an earlier run) marks
//!   each finding `new` or `unchanged` and lists the baseline's findings that are gone; with a
//!   baseline only new findings (and newly unreadable documents) set the exit code.

use crate::finding::{BaselineState, DocumentReport, Finding, Status, Verdict, WaiverNote};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The file name waivers are kept in when no `--waivers` is given.
pub const DEFAULT_WAIVERS_FILE: &str = "tenderscan-waivers.toml";

/// The blake3 hash of a file's bytes, as 64 hex digits.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The stable fingerprint of a finding of a document with this content hash: 32 hex digits.
pub fn fingerprint(content_hash: &str, f: &Finding) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"tenderscan-finding-v1\0");
    h.update(content_hash.as_bytes());
    h.update(b"\0");
    h.update(f.rule.as_bytes());
    h.update(b"\0");
    h.update(f.entity.as_deref().unwrap_or("").as_bytes());
    h.update(b"\0");
    match (&f.clause, f.paragraph) {
        (Some(c), _) => {
            h.update(b"clause:");
            h.update(c.as_bytes());
        }
        (None, Some(p)) => {
            h.update(format!("paragraph:{p}").as_bytes());
        }
        (None, None) => {}
    }
    let hex = h.finalize().to_hex();
    hex[..32].to_string()
}

/// Give a report read from `bytes` its content hash and its findings their fingerprints.
pub fn stamp(r: &mut DocumentReport, bytes: &[u8]) {
    let hash = content_hash(bytes);
    for f in &mut r.findings {
        f.review.fingerprint = fingerprint(&hash, f);
    }
    r.content_hash = Some(hash);
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    date_of_days((secs / 86_400) as i64)
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn date_of_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `s` is a `YYYY-MM-DD` date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// A date in a waivers file: a TOML date (`2026-12-07`) or a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DateField {
    Text(String),
    Date(toml::value::Datetime),
}

impl DateField {
    fn into_string(self) -> String {
        match self {
            DateField::Text(s) => s,
            DateField::Date(d) => d.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    fingerprint: String,
    reason: String,
    reviewer: String,
    date: DateField,
    #[serde(default)]
    expires: Option<DateField>,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default, rename = "where")]
    location: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiverFile {
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

/// One entry of a waivers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// The fingerprint of the finding it accepts.
    pub fingerprint: String,
    pub reason: String,
    pub reviewer: String,
    pub date: String,
    pub expires: Option<String>,
    /// For people reading the file: where the finding was when it was waived (not used to match).
    pub document: Option<String>,
    pub rule: Option<String>,
    pub entity: Option<String>,
    pub location: Option<String>,
}

impl Waiver {
    pub fn note(&self) -> WaiverNote {
        WaiverNote {
            reason: self.reason.clone(),
            reviewer: self.reviewer.clone(),
            date: self.date.clone(),
            expires: self.expires.clone(),
        }
    }

    /// Whether the waiver no longer holds on `today` (it holds through its expiry date).
    pub fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    /// Problems that make the entry unusable (empty reason or reviewer, a date that is not one).
    fn check(&self) -> Result<(), String> {
        if self.fingerprint.trim().is_empty() {
            return Err("the fingerprint is empty".into());
        }
        if self.reason.trim().is_empty() {
            return Err("the reason is empty (say why the finding is accepted)".into());
        }
        if self.reviewer.trim().is_empty() {
            return Err("the reviewer is empty".into());
        }
        if !is_date(&self.date) {
            return Err(format!("date '{}' is not YYYY-MM-DD", self.date));
        }
        if let Some(e) = &self.expires {
            if !is_date(e) {
                return Err(format!("expires '{e}' is not YYYY-MM-DD"));
            }
        }
        Ok(())
    }

    /// The entry as a `[[waiver]]` table of a waivers file.
    pub fn to_toml(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from("[[waiver]]\n");
        out.push_str(&format!("fingerprint = {}\n", q(&self.fingerprint)));
        out.push_str(&format!("reason = {}\n", q(&self.reason)));
        out.push_str(&format!("reviewer = {}\n", q(&self.reviewer)));
        out.push_str(&format!("date = {}\n", self.date));
        if let Some(e) = &self.expires {
            out.push_str(&format!("expires = {e}\n"));
        }
        for (k, v) in [
            ("document", &self.document),
            ("rule", &self.rule),
            ("entity", &self.entity),
            ("where", &self.location),
        ] {
            if let Some(v) = v {
                out.push_str(&format!("{k} = {}\n", q(v)));
            }
        }
        out
    }
}

/// Read a waivers file. A missing file is an error here (the caller decides when it is optional).
pub fn load_waivers(path: &Path) -> Result<Vec<Waiver>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_waivers(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parse the text of a waivers file.
pub fn parse_waivers(text: &str) -> Result<Vec<Waiver>, String> {
    let raw: RawWaiverFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (i, w) in raw.waiver.into_iter().enumerate() {
        let w = Waiver {
            fingerprint: w.fingerprint.trim().to_string(),
            reason: w.reason,
            reviewer: w.reviewer,
            date: w.date.into_string(),
            expires: w.expires.map(DateField::into_string),
            document: w.document,
            rule: w.rule,
            entity: w.entity,
            location: w.location,
        };
        w.check()
            .map_err(|e| format!("waiver {} ({}): {e}", i + 1, w.fingerprint))?;
        out.push(w);
    }
    Ok(out)
}

/// Add a waiver to the file at `path` (created when missing), keeping what is there (comments
/// included). The file is replaced whole, through a temporary file in the same folder.
pub fn append_waiver(path: &Path, w: &Waiver) -> Result<(), String> {
    w.check()?;
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::from(
            "# Findings a reviewer accepted (tenderscan). Each [[waiver]] matches one finding by its\n\
             # fingerprint; the document, rule, entity and where fields are for people.\n",
        ),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    // What is there must still parse: never write over a file we could not read back.
    parse_waivers(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&w.to_toml());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tenderscan-waivers-")
        .tempfile_in(dir)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    use std::io::Write;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
}

/// A waiver as the summary reports it (expired, or matching no finding).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaiverRef {
    pub fingerprint: String,
    pub reason: String,
    pub reviewer: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl From<&Waiver> for WaiverRef {
    fn from(w: &Waiver) -> Self {
        WaiverRef {
            fingerprint: w.fingerprint.clone(),
            reason: w.reason.clone(),
            reviewer: w.reviewer.clone(),
            date: w.date.clone(),
            expires: w.expires.clone(),
            document: w.document.clone(),
            rule: w.rule.clone(),
        }
    }
}

/// A finding of the baseline that this run no longer has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoneFinding {
    /// The document the baseline had it in.
    pub path: String,
    pub fingerprint: String,
    pub finding: Finding,
}

/// What the waivers and the baseline did over a run (the summary's `review`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewSummary {
    /// Findings accepted by a waiver.
    pub waived: usize,
    /// Waivers past their expiry date (the findings they matched count again).
    pub expired_waivers: Vec<WaiverRef>,
    /// Waivers that matched no finding of this run.
    pub unmatched_waivers: Vec<WaiverRef>,
    /// Against the baseline, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BaselineSummary {
    /// The baseline file as given.
    pub file: String,
    pub new: usize,
    pub unchanged: usize,
    /// Baseline findings not found in this run (their document changed, was removed or not scanned,
    /// or the finding went away).
    pub gone: Vec<GoneFinding>,
}

/// Where a finding was, for baselines without fingerprints: (path, rule, entity, clause or paragraph).
type PlaceKey = (String, String, String, String);

/// A loaded baseline: the findings of an earlier run, by fingerprint.
#[derive(Debug, Default)]
pub struct Baseline {
    file: String,
    /// Fingerprint -> (path, finding), several when a fingerprint repeats; taken as matched.
    by_fingerprint: HashMap<String, Vec<(String, Finding)>>,
    /// For reports written before fingerprints: (path, rule, entity, clause or paragraph).
    by_place: HashMap<PlaceKey, Vec<(String, Finding)>>,
    /// Documents of the baseline that were unreadable, by content hash and by path.
    unreadable: std::collections::HashSet<String>,
}

fn place_key(path: &str, f: &Finding) -> PlaceKey {
    let at = match (&f.clause, f.paragraph) {
        (Some(c), _) => format!("clause:{c}"),
        (None, Some(p)) => format!("paragraph:{p}"),
        _ => String::new(),
    };
    (
        path.to_string(),
        f.rule.clone(),
        f.entity.clone().unwrap_or_default(),
        at,
    )
}

#[derive(Deserialize)]
struct WholeReport {
    documents: Vec<DocumentReport>,
}

impl Baseline {
    /// Read a JSON (`--format json`) or JSON Lines (`--format jsonl`) report.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Baseline::parse(&path.display().to_string(), &text)
            .map_err(|e| format!("--baseline {}: {e}", path.display()))
    }

    pub fn parse(file: &str, text: &str) -> Result<Baseline, String> {
        let docs: Vec<DocumentReport> = match serde_json::from_str::<WholeReport>(text) {
            Ok(w) => w.documents,
            Err(whole) => parse_jsonl(text).map_err(|lines| {
                if text.trim_start().starts_with("{\n") {
                    format!("not a tenderscan JSON report ({whole})")
                } else {
                    format!("not a tenderscan JSON Lines report ({lines})")
                }
            })?,
        };
        let mut b = Baseline {
            file: file.to_string(),
            ..Default::default()
        };
        for d in docs {
            if d.verdict == Verdict::Unreadable {
                b.unreadable.insert(format!("path:{}", d.path));
                if let Some(h) = &d.content_hash {
                    b.unreadable.insert(format!("hash:{h}"));
                }
            }
            for mut f in d.findings {
                let fp = match (&d.content_hash, f.review.fingerprint.is_empty()) {
                    (_, false) => f.review.fingerprint.clone(),
                    (Some(h), true) => fingerprint(h, &f),
                    (None, true) => String::new(),
                };
                f.review.fingerprint = fp.clone();
                // The baseline's own waiver and state are not carried over.
                f.review.waiver = None;
                f.review.baseline_state = None;
                if fp.is_empty() {
                    b.by_place
                        .entry(place_key(&d.path, &f))
                        .or_default()
                        .push((d.path.clone(), f));
                } else {
                    b.by_fingerprint
                        .entry(fp)
                        .or_default()
                        .push((d.path.clone(), f));
                }
            }
        }
        Ok(b)
    }
}

fn parse_jsonl(text: &str) -> Result<Vec<DocumentReport>, String> {
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        docs.push(
            serde_json::from_str(line)
                .map_err(|e| format!("line {}: not a tenderscan document record ({e})", i + 1))?,
        );
    }
    Ok(docs)
}

/// Applies waivers and a baseline to the reports of a run, one at a time, in any order.
#[derive(Debug, Default)]
pub struct Review {
    waivers: Vec<Waiver>,
    /// Index into `waivers` of the first live waiver per fingerprint.
    live: HashMap<String, usize>,
    matched: Vec<bool>,
    today: String,
    baseline: Option<Baseline>,
    waived: usize,
    new: usize,
    unchanged: usize,
}

impl Review {
    pub fn new(waivers: Vec<Waiver>, baseline: Option<Baseline>) -> Review {
        Review::new_on(waivers, baseline, &today())
    }

    /// As [`Review::new`], with the date expiries are judged on.
    pub fn new_on(waivers: Vec<Waiver>, baseline: Option<Baseline>, today: &str) -> Review {
        let mut live = HashMap::new();
        for (i, w) in waivers.iter().enumerate() {
            if !w.expired(today) {
                live.entry(w.fingerprint.clone()).or_insert(i);
            }
        }
        Review {
            matched: vec![false; waivers.len()],
            waivers,
            live,
            today: today.to_string(),
            baseline,
            ..Default::default()
        }
    }

    /// Whether there is anything to apply.
    pub fn is_active(&self) -> bool {
        !self.waivers.is_empty() || self.baseline.is_some()
    }

    pub fn has_baseline(&self) -> bool {
        self.baseline.is_some()
    }

    /// Add a waiver while a run is open (the web app): it applies to reports given to
    /// [`Review::apply`] from now on.
    pub fn add_waiver(&mut self, w: Waiver) {
        if !w.expired(&self.today) {
            self.live
                .entry(w.fingerprint.clone())
                .or_insert(self.waivers.len());
        }
        self.waivers.push(w);
        self.matched.push(false);
    }

    /// Mark the report's waived findings and baseline states, and set its verdict from the findings
    /// no waiver accepts. Returns the verdict that counts for the exit code: the verdict, or with a
    /// baseline the verdict of its new unwaived findings alone (unreadable only when the baseline
    /// did not have the document unreadable already).
    pub fn apply(&mut self, r: &mut DocumentReport) -> Verdict {
        for f in &mut r.findings {
            f.review.waiver = None;
            if f.review.fingerprint.is_empty() {
                if let Some(h) = &r.content_hash {
                    f.review.fingerprint = fingerprint(h, f);
                }
            }
            if let Some(&i) = self.live.get(&f.review.fingerprint) {
                f.review.waiver = Some(self.waivers[i].note());
                self.matched[i] = true;
                self.waived += 1;
            }
        }
        // Mark every waiver of a fingerprint that matched (a repeated entry is not "unmatched").
        if !self.waivers.is_empty() {
            for (i, w) in self.waivers.iter().enumerate() {
                if !self.matched[i]
                    && !w.expired(&self.today)
                    && r.findings
                        .iter()
                        .any(|f| f.review.fingerprint == w.fingerprint)
                {
                    self.matched[i] = true;
                }
            }
        }
        // The judge's verdict stands unless a waiver takes findings out of it.
        let has_text = r.status == Status::Ok;
        if r.status != Status::Error && r.findings.iter().any(|f| f.review.waiver.is_some()) {
            let unwaived: Vec<Finding> = r
                .findings
                .iter()
                .filter(|f| f.review.waiver.is_none())
                .cloned()
                .collect();
            r.verdict = crate::judge::verdict_of(has_text, &unwaived);
        }
        let Some(b) = &mut self.baseline else {
            return r.verdict;
        };
        for f in &mut r.findings {
            let mut found = false;
            if !f.review.fingerprint.is_empty() {
                if let Some(v) = b.by_fingerprint.get_mut(&f.review.fingerprint) {
                    found = v.pop().is_some();
                }
            }
            if !found {
                if let Some(v) = b.by_place.get_mut(&place_key(&r.path, f)) {
                    found = v.pop().is_some();
                }
            }
            f.review.baseline_state = Some(if found {
                self.unchanged += 1;
                BaselineState::Unchanged
            } else {
                self.new += 1;
                BaselineState::New
            });
        }
        if r.verdict == Verdict::Unreadable {
            let known = b.unreadable.contains(&format!("path:{}", r.path))
                || r.content_hash
                    .as_ref()
                    .is_some_and(|h| b.unreadable.contains(&format!("hash:{h}")));
            return if known {
                Verdict::Pass
            } else {
                Verdict::Unreadable
            };
        }
        let fresh: Vec<Finding> = r
            .findings
            .iter()
            .filter(|f| {
                f.review.waiver.is_none() && f.review.baseline_state == Some(BaselineState::New)
            })
            .cloned()
            .collect();
        crate::judge::verdict_of(true, &fresh)
    }

    /// What the waivers and the baseline did; `None` when neither was given.
    pub fn summary(&self) -> Option<ReviewSummary> {
        if !self.is_active() {
            return None;
        }
        let mut s = ReviewSummary {
            waived: self.waived,
            ..Default::default()
        };
        for (i, w) in self.waivers.iter().enumerate() {
            if w.expired(&self.today) {
                s.expired_waivers.push(w.into());
            } else if !self.matched[i] {
                s.unmatched_waivers.push(w.into());
            }
        }
        if let Some(b) = &self.baseline {
            let mut gone: Vec<GoneFinding> = b
                .by_fingerprint
                .values()
                .chain(b.by_place.values())
                .flatten()
                .map(|(path, f)| GoneFinding {
                    path: path.clone(),
                    fingerprint: f.review.fingerprint.clone(),
                    finding: f.clone(),
                })
                .collect();
            gone.sort_by(|a, b| {
                (
                    &a.path,
                    a.finding.page,
                    a.finding.paragraph,
                    &a.finding.rule,
                )
                    .cmp(&(
                        &b.path,
                        b.finding.page,
                        b.finding.paragraph,
                        &b.finding.rule,
                    ))
            });
            s.baseline = Some(BaselineSummary {
                file: b.file.clone(),
                new: self.new,
                unchanged: self.unchanged,
                gone,
            });
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of_days(0), "1970-01-01");
        assert_eq!(date_of_days(20_429), "2025-12-07");
        assert_eq!(date_of_days(11_016), "2000-02-29");
        assert!(is_date("2026-12-07"));
        assert!(!is_date("2026-13-07"));
        assert!(!is_date("26-12-07"));
    }

    #[test]
    fn waivers_round_trip_through_toml() {
        let w = Waiver {
            fingerprint: "abc".into(),
            reason: "Clause 5 \"excludes\" it\nchecked".into(),
            reviewer: "A. Chen 陳".into(),
            date: "2026-12-07".into(),
            expires: Some("2027-06-30".into()),
            document: Some("a/b.pdf".into()),
            rule: Some("mention.huawei".into()),
            entity: Some("huawei".into()),
            location: Some("p.2 cl. 9".into()),
        };
        let back = parse_waivers(&w.to_toml()).unwrap();
        assert_eq!(back, vec![w]);
        assert!(parse_waivers(
            "[[waiver]]\nfingerprint = \"x\"\nreason = \"\"\nreviewer = \"r\"\ndate = 2026-01-01\n"
        )
        .is_err());
        assert!(parse_waivers("[[waiver]]\nfingerprint = \"x\"\nreason = \"y\"\nreviewer = \"r\"\ndate = \"2026-1-1\"\n").is_err());
        assert!(parse_waivers("[[waiver]]\nfingerprint = \"x\"\nreason = \"y\"\nreviewer = \"r\"\ndate = 2026-01-01\ncolour = 1\n").is_err());
    }
}
