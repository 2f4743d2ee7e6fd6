//! Command-line definitions (clap) only.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tenderscan",
    version,
    about = "Find blacklisted PRC technology vendors in tender contracts (PDF, DOCX, text; English and Chinese) and judge every mention",
    after_help = "Exit codes: 0 no document fails; 1 a document fails or is unreadable (--fail-on review widens it); 2 usage error (bad arguments, an --output that cannot be written, no contract found)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders of contracts.
    Scan(Box<ScanArgs>),
    /// Print the text tenderscan extracts from one document (PDF pages separated by form feeds).
    Extract(ExtractArgs),
    /// Explain a list, an entity or a rule id (mention.huawei, missing-clause.network, permissive.any-origin).
    Explain {
        /// A list id, entity id or rule id as a report shows it.
        id: String,
        /// Add or override patterns from this folder (repeatable).
        #[arg(long = "patterns", value_name = "DIR")]
        patterns: Vec<PathBuf>,
    },
    /// Inspect or validate pattern files.
    Patterns {
        #[command(subcommand)]
        command: PatternsCommand,
    },
    /// A local web app: drop files, a folder or a ZIP on the page, read the report, accept
    /// findings with a reason, download the report (XLSX, CSV, JSON, HTML).
    Serve(ServeArgs),
    /// See or clear the extracted-text cache.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Internal: a worker process for process isolation (reads requests on standard input).
    #[command(hide = true)]
    Worker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For a terminal.
    Text,
    /// One object with every document and a summary.
    Json,
    /// One document per line, streamed.
    Jsonl,
    /// One row per finding, UTF-8 with a byte-order mark (opens in Excel).
    Csv,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// One self-contained HTML page (use with --output).
    Html,
    /// A memo-ready summary and findings table.
    Markdown,
    /// An Excel workbook: documents, findings, inventory and lists (use with --output).
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when a document fails or is unreadable.
    Fail,
    /// Also when a document needs review.
    Review,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or folders (folders are walked recursively in sorted order).
    #[arg(required_unless_present = "files_from")]
    pub paths: Vec<PathBuf>,
    /// Also read paths from this file, one per line ('-' for standard input).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// Scan only shard K of N (1-based), a stable hash partition of the inputs, so a run can be split
    /// across machines and the JSONL parts concatenated.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub jobs: usize,
    /// Only apply these lists (repeatable). Default: every list.
    #[arg(long = "list", value_name = "ID")]
    pub lists: Vec<String>,
    /// Add or override patterns from this folder of TOML files (repeatable).
    #[arg(long = "patterns", value_name = "DIR")]
    pub patterns: Vec<PathBuf>,
    /// Which verdicts make the exit code 1.
    #[arg(long, value_enum, default_value = "fail")]
    pub fail_on: FailOn,
    /// Password to try on encrypted PDFs after the empty one (repeatable). Visible to other users
    /// in the process list: prefer --password-file or TENDERSCAN_PASSWORDS.
    #[arg(long = "password", value_name = "PASSWORD")]
    pub passwords: Vec<String>,
    /// Read passwords to try from this file, one per line (repeatable). The environment variable
    /// TENDERSCAN_PASSWORDS adds more, one per line.
    #[arg(long = "password-file", value_name = "FILE")]
    pub password_files: Vec<PathBuf>,
    /// Never colour the text output (colour is also off when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub no_color: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Where documents are read: `process` (default) runs each in a worker process with a memory limit
    /// and a timeout, so a crash or hang costs one document; `thread` reads in this process.
    #[arg(long, value_enum, default_value = "process")]
    pub isolation: Isolation,
    /// Stop reading a document after this many seconds (process isolation) and report it as an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub timeout_per_doc: f64,
    /// Address-space limit per worker process, e.g. 4G or 512M (0: none).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_memory: u64,
    /// Largest file read.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_file_bytes: u64,
    /// Largest inflated size of one stream (PDF) or part (DOCX); longer ones are cut with a warning.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_stream_bytes: u64,
    /// Largest inflated size of all streams or parts of one document.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_doc_bytes: u64,
    /// Most pages read from one PDF.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_pages: u32,
    /// Most objects in one PDF (or parts in one zip).
    #[arg(long, value_name = "N", default_value_t = 5_000_000)]
    pub max_objects: u32,
    /// Deepest nesting of PDF objects, Form XObjects or XML elements.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_depth: u32,
    /// Do not read images and image-only PDF pages by OCR (Tesseract). Such documents are then
    /// unreadable, never a pass.
    #[arg(long)]
    pub no_ocr: bool,
    /// Tesseract languages for OCR, `+`-joined.
    #[arg(long, value_name = "LANGS", default_value = "eng+chi_tra+chi_sim")]
    pub ocr_languages: String,
    /// Deepest nesting of archives read (an archive inside an archive is depth 1).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_archive_depth: u32,
    /// Most members of one archive (and of one package, nested archives included) read.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_archive_members: usize,
    /// Largest sum of the inflated sizes of the members of one package.
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_package_bytes: u64,
    /// Do not read or write the extracted-text cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Folder of the extracted-text cache (default: the platform cache folder, e.g.
    /// $XDG_CACHE_HOME/tenderscan).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Largest size of the cache; the least recently used entries are removed after a scan to stay
    /// within it (0: no limit).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub cache_max_size: u64,
    /// Findings a reviewer accepted (default: tenderscan-waivers.toml in the current folder, when
    /// there is one). A waived finding stays in the report, marked waived, and no longer sets the
    /// verdict or the exit code.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// A JSON or JSON Lines report of an earlier run: each finding is marked new or unchanged, the
    /// baseline's findings that are gone are listed, and only new findings set the exit code.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// A folder to open: its contracts are scanned at start, and uploads and the waivers file are
    /// kept in it (default: uploads go to a temporary folder, waivers to the current folder).
    pub folder: Option<PathBuf>,
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Anything other than 127.0.0.1 or ::1 makes the app reachable by
    /// other machines, without a password: only on a network you trust.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The waivers file accepted findings are written to (default: tenderscan-waivers.toml in
    /// FOLDER, else in the current folder).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Largest upload (all files of one drop together).
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub max_upload: u64,
    /// Largest file of an upload.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_bytes: u64,
    /// Most files in one upload.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub max_files: usize,
    /// Worker processes (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub jobs: usize,
    /// Stop reading a document after this many seconds and report it as an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub timeout_per_doc: f64,
    /// Address-space limit per worker process (0: none).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_memory: u64,
    /// Add or override patterns from this folder of TOML files (repeatable).
    #[arg(long = "patterns", value_name = "DIR")]
    pub patterns: Vec<PathBuf>,
    /// Only apply these lists (repeatable). Default: every list.
    #[arg(long = "list", value_name = "ID")]
    pub lists: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print where the cache is, how many entries it holds and their size.
    Info {
        /// The cache folder (default: as for `scan`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Remove every entry of the cache.
    Clear {
        /// The cache folder (default: as for `scan`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Isolation {
    Process,
    Thread,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        Some((i, 't' | 'T')) => (&s[..i], 1 << 40),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mul))
        .map_err(|_| format!("'{s}' is not a size such as 4G or 512M"))
}

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    pub file: PathBuf,
    /// Password to try after the empty one (repeatable).
    #[arg(long = "password", value_name = "PASSWORD")]
    pub passwords: Vec<String>,
    /// Read passwords from this file, one per line (repeatable; TENDERSCAN_PASSWORDS adds more).
    #[arg(long = "password-file", value_name = "FILE")]
    pub password_files: Vec<PathBuf>,
    /// Largest file read.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_file_bytes: u64,
    /// Do not read images and image-only PDF pages by OCR.
    #[arg(long)]
    pub no_ocr: bool,
}

#[derive(Debug, Subcommand)]
pub enum PatternsCommand {
    /// Print the lists and entities in force.
    List {
        /// Add or override patterns from this folder (repeatable).
        #[arg(long = "patterns", value_name = "DIR")]
        patterns: Vec<PathBuf>,
    },
    /// Validate a folder of pattern files (merged over the shipped ones).
    Check { dir: PathBuf },
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    tenderscan::pipeline::parse_shard(s)
}
