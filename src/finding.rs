//! Findings and per-document reports: what the judge decides and every printer formats.
//!
//! These types are the public output contract. Their JSON field names and values are documented in
//! README.md and pinned by tests; fields may be added, never renamed or removed.

use serde::{Deserialize, Serialize};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A listed vendor, brand, subsidiary or product model is named.
    Mention,
    /// The contract buys in-scope products but carries no non-PRC sourcing clause.
    MissingClause,
    /// A clause that conflicts with a non-PRC requirement ("any country of origin", 原產地不限).
    PermissiveClause,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Mention => "mention",
            FindingKind::MissingClause => "missing-clause",
            FindingKind::PermissiveClause => "permissive-clause",
        }
    }
}

/// What the clause around a mention does with the vendor. Ordered from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Disposition {
    /// Named in a document that is not a procurement (a report, manual, product page, article), or
    /// in a glossary entry: nothing is bought, so the verdict does not change.
    Mentioned,
    /// The clause prohibits, excludes, removes or replaces it: compliant.
    Excluded,
    /// The vendor is only under review on the active lists, or the context is unclear.
    Review,
    /// The document supplies, specifies or accepts a banned vendor's product.
    Violation,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Mentioned => "mentioned",
            Disposition::Excluded => "excluded",
            Disposition::Review => "review",
            Disposition::Violation => "violation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A `mentioned` finding: for information.
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One finding, with everything a reviewer needs to check it: which rule, which list, which words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The rule that produced it: `mention.<entity>`, a sourcing/permissive clause rule id, or
    /// `missing-clause.<scope>`.
    pub rule: String,
    pub entity: Option<String>,
    /// The active list that gives the entity its (strictest) status; the first of them when several do.
    pub list: Option<String>,
    /// Every active list that gives the entity that status.
    pub lists: Vec<String>,
    pub disposition: Option<Disposition>,
    pub severity: Severity,
    /// The matched words as written in the document.
    pub text: String,
    /// The clause around the match, whitespace collapsed, at most about 240 characters.
    pub excerpt: String,
    /// Character offsets of `text` inside `excerpt` (for highlighting).
    pub excerpt_match: [usize; 2],
    pub page: Option<u32>,
    pub page_label: Option<String>,
    pub paragraph: Option<u32>,
    pub clause: Option<String>,
    /// Table position where the match sits in a table cell (0-based).
    pub table: Option<TablePos>,
    /// The cue or signal that decided the disposition, as written in normalised form.
    pub cue: Option<String>,
    pub message: String,
    /// Replacement inventory: the quantity read from the same bill-of-quantities row (violations in
    /// table rows whose table has a quantity column), else `None`.
    pub quantity: Option<f64>,
    /// The unit price read from the same row (a unit-price column, or a line total divided by the
    /// quantity), else `None`.
    pub unit_price: Option<f64>,
    /// The line total: a total/amount column where the table has one, else quantity × unit price.
    pub amount: Option<f64>,
    /// Currency of `unit_price`/`amount`: `TWD`, `USD`, `CNY`, or the bare sign (`$`, `元`) when the
    /// table does not say which.
    pub currency: Option<String>,
    /// Spreadsheets: the name of the sheet the match is on (`table` then counts sheets). Left out
    /// of the JSON for other formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The words were read by OCR (a scanned page or an image): check them against the page.
    /// Left out of the JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// The OCR confidence of the finding's page (0-100), for OCR findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
    /// What a reviewer and an earlier run said about it: the stable fingerprint, a waiver, the
    /// baseline state (`crate::review`). Its fields sit at the top level of the finding's JSON.
    #[serde(flatten, default)]
    pub review: FindingReview,
}

/// A finding's review fields ([`crate::review`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingReview {
    /// A stable id of the finding: a hash of the document's content hash, the rule, the entity and
    /// the clause (or paragraph) it sits in. The same document scanned again gives the same
    /// fingerprints, wherever it is stored; waivers and baselines match findings by it. Two findings
    /// of one rule and entity in the same clause share it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The waiver that accepts this finding (`tenderscan-waivers.toml`): it stays in the report but
    /// no longer sets the verdict or the exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// Against `--baseline`: `new` or `unchanged` (findings of the baseline that are gone are in
    /// the summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<BaselineState>,
}

/// Why a reviewer accepted a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub reason: String,
    pub reviewer: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `YYYY-MM-DD`, the last day the waiver holds; `None`: no expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A finding compared with a baseline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline too.
    Unchanged,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

/// Replacement inventory for one entity (and currency): the devices a violation puts in the contract
/// and what they cost, totalled over bill-of-quantities rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryTotal {
    pub entity: String,
    /// Sum of the quantities.
    pub devices: f64,
    /// Sum of the line amounts of rows with a price; `None` when no row had one.
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// Table rows counted.
    pub rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePos {
    pub table: u32,
    pub row: u32,
    pub col: u32,
}

/// Whether a document could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// Readable, but no text: a scanned contract. Its verdict is `unreadable`.
    NoText,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoText => "no-text",
            Status::Error => "error",
        }
    }
}

/// The verdict on one document. Ordered from best to worst for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Review,
    Fail,
    /// No text could be read: never a clean bill.
    Unreadable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "fail",
            Verdict::Unreadable => "unreadable",
        }
    }
}

/// Scope and sourcing facts found in a document, so a reviewer sees why a missing-clause finding was
/// or was not raised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClauseFacts {
    /// Procurement rule ids that matched (the document reads as a tender or contract).
    #[serde(default)]
    pub procurement: Vec<String>,
    /// Scope rule ids that matched (`scope.surveillance`, ...).
    pub scopes: Vec<String>,
    /// Sourcing-clause rule ids that matched.
    pub sourcing_clauses: Vec<String>,
    /// The words that put the document in each scope, one per scope, in document order.
    #[serde(default)]
    pub scope_evidence: Vec<Evidence>,
    /// The clause that satisfied each sourcing rule, one per rule.
    #[serde(default)]
    pub sourcing_evidence: Vec<Evidence>,
    /// Whether the document's kind is a procurement (judged for supply and for a missing clause).
    #[serde(default)]
    pub procurement_document: bool,
    /// The words that decided the document's kind (a title, a form number), when any did.
    #[serde(default)]
    pub document_kind_evidence: Option<Evidence>,
}

/// Where a document-level fact was seen: the rule, the clause and its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub rule: String,
    /// The matched words as written.
    pub text: String,
    /// The clause around them, whitespace collapsed.
    pub excerpt: String,
    pub page: Option<u32>,
    pub paragraph: Option<u32>,
}

/// Everything tenderscan says about one input path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentReport {
    /// The path as given or found while walking (lossy UTF-8 for display; see `path_bytes`).
    pub path: String,
    /// The raw bytes of the path when it is not valid UTF-8 (so no input is lost), else `null`.
    pub path_bytes: Option<Vec<u8>>,
    /// The blake3 hash of the file's bytes (64 hex digits), when it could be read: the same
    /// document under another name or path has the same hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    pub format: Option<String>,
    pub status: Status,
    pub error: Option<String>,
    /// A stable class for errors: encrypted, malformed, limit, unsupported, io, internal.
    pub error_class: Option<String>,
    pub pages: Option<u32>,
    pub pages_without_text: Option<u32>,
    pub verdict: Verdict,
    /// What the document is: a `[[document-kind]]` id of `patterns/judging.toml` (`solicitation`,
    /// `contract`, `report`, `other`, ...); `null` when it could not be read.
    #[serde(default)]
    pub document_kind: Option<String>,
    pub facts: ClauseFacts,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    /// Replacement inventory: per entity (and currency), the devices and amounts of violations in
    /// bill-of-quantities rows. Empty when there are none.
    pub inventory: Vec<InventoryTotal>,
    /// A document read from inside an archive: the archive's path (`package.zip`, or
    /// `package.zip!/inner.zip` for a nested one). Left out of the JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// An archive: what it holds. Its members are records of their own (their `container` is this
    /// record's path) and this record's verdict is the worst of theirs. Left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
}

/// What an archive holds, for its record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Members read as records of their own (documents and nested archives).
    pub members: usize,
    /// Members not read, and why (at most [`Package::LISTED`] of them; `not_read_total` counts all).
    pub not_read: Vec<NotRead>,
    pub not_read_total: usize,
}

impl Package {
    /// Most members listed in `not_read`.
    pub const LISTED: usize = 1000;
}

/// A member of an archive that was not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRead {
    pub name: String,
    pub reason: String,
    /// Left out because a limit was reached (depth, members, size): the package is not fully read.
    pub limit: bool,
}

impl DocumentReport {
    /// A report for a path that could not be read.
    pub fn error(path: String, format: Option<String>, class: &str, message: String) -> Self {
        DocumentReport {
            path,
            path_bytes: None,
            content_hash: None,
            format,
            status: Status::Error,
            error: Some(message),
            error_class: Some(class.to_string()),
            pages: None,
            pages_without_text: None,
            verdict: Verdict::Unreadable,
            document_kind: None,
            facts: ClauseFacts::default(),
            findings: Vec::new(),
            warnings: Vec::new(),
            inventory: Vec::new(),
            container: None,
            package: None,
        }
    }
}
