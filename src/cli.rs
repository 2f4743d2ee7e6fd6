//! Command-line definitions (clap) only.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tenderscan",
    version,
    about = "Find blacklisted PRC technology vendors in tender contracts (PDF, DOCX, text; English and Chinese) and judge every mention",
    after_help = "Exit codes: 0 no document fails; 1 a document fails or is unreadable (--fail-on review widens it); 2 usage error or no input could be read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders of contracts.
    Scan(ScanArgs),
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
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
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
    /// Password to try on encrypted PDFs after the empty one (repeatable).
    #[arg(long = "password", value_name = "PASSWORD")]
    pub passwords: Vec<String>,
    /// Never colour the text output (colour is also off when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub no_color: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    pub file: PathBuf,
    /// Password to try after the empty one (repeatable).
    #[arg(long = "password", value_name = "PASSWORD")]
    pub passwords: Vec<String>,
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
