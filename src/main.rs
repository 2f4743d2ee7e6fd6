//! Thin binary: parse the command line, call the library, map outcomes to exit codes.

mod cli;
#[cfg(feature = "serve")]
mod serve;

/// Extraction allocates many small, short-lived objects (tokens, lines, words); mimalloc serves them
/// faster than the system allocator (6% on the PDF bench corpus). Unlike glibc it cannot grow a huge
/// block by remapping pages, so big buffers are sized up front (`extract::read_capped`,
/// `extract::grow_toward`): a doubling for the last byte of a 256 MiB part once tripled peak memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{CacheCommand, Cli, Command, FailOn, Format, PatternsCommand};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tenderscan::finding::{DocumentReport, Status, Verdict};
use tenderscan::judge::Judge;
use tenderscan::patterns::{load, PatternSet, Status as ListStatus};
use tenderscan::pipeline::{self, ScanOptions};
use tenderscan::report::{
    csv, explain, html, json, markdown, sarif, text::TextPrinter, xlsx, Summary,
};

fn main() -> ExitCode {
    no_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tenderscan: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_patterns(dirs: &[std::path::PathBuf]) -> Result<PatternSet> {
    let dirs: Vec<&std::path::Path> = dirs.iter().map(|p| p.as_path()).collect();
    Ok(load::load(&dirs)?)
}

/// Transparent huge pages off for this process and the workers it starts (the setting is inherited).
/// With huge pages, each first touch of a 2 MiB region of mimalloc's arenas made the kernel clear all
/// of it, and resident memory stood at the arenas' size rather than what was used: 85 MB against 35 MB
/// on the 200-PDF bench corpus with `--jobs 2`, at the same speed. mimalloc no longer asks for them
/// (its `no_thp` feature, Cargo.toml: its first arena is reserved before `main`, so before this call);
/// this covers kernels that give them unasked (`enabled` set to `always`). Nothing changes when the
/// call is refused (an old kernel).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Worker => {
            tenderscan::isolate::worker_main(|cfg| {
                let mut set = load_patterns(&cfg.pattern_dirs()).map_err(|e| e.to_string())?;
                if !cfg.lists.is_empty() {
                    set.restrict_lists(&cfg.lists)?;
                }
                Judge::new(set).map_err(|e| e.to_string())
            })?;
            exit_now(0)
        }
        Command::Extract(args) => {
            let passwords = gather_passwords(&args.passwords, &args.password_files)?;
            // Like a scan: only a regular file is opened (a FIFO or a device is refused at once).
            let bytes = pipeline::read_bounded(&args.file, args.max_file_bytes)
                .map_err(|(class, e)| anyhow::anyhow!("{}: {class}: {e}", args.file.display()))?;
            let ext = args.file.extension().and_then(|e| e.to_str());
            let kind = tenderscan::extract::sniff(&bytes, ext);
            let mut opts = tenderscan::extract::ExtractOptions {
                passwords,
                ..Default::default()
            };
            opts.ocr.enabled = !args.no_ocr;
            let doc = tenderscan::extract::extract(kind, &bytes, &opts)
                .with_context(|| args.file.display().to_string())?;
            let mut out = std::io::stdout().lock();
            out.write_all(doc.plain_text().as_bytes())?;
            for w in &doc.warnings {
                eprintln!(
                    "tenderscan: {}: warning: {}",
                    tenderscan::report::sanitize_terminal(&args.file.display().to_string()),
                    tenderscan::report::sanitize_terminal(w)
                );
            }
            Ok(0)
        }
        Command::Cache { command } => cache_command(command),
        Command::Serve(args) => {
            let mut set = load_patterns(&args.patterns)?;
            if !args.lists.is_empty() {
                set.restrict_lists(&args.lists)
                    .map_err(anyhow::Error::msg)?;
            }
            // A user's pattern files must compile before the app opens (workers compile their own).
            if !args.patterns.is_empty() {
                Judge::new(set.clone())?;
            }
            serve_command(args, set)
        }
        Command::Explain { id, patterns } => {
            let set = load_patterns(&patterns)?;
            let mut out = std::io::stdout().lock();
            if explain::explain(&mut out, &set, &id)? {
                return Ok(0);
            }
            let near = explain::suggestions(&set, &id);
            if near.is_empty() {
                eprintln!("tenderscan: unknown id '{id}' (try `tenderscan patterns list`)");
            } else {
                eprintln!(
                    "tenderscan: unknown id '{id}'; did you mean: {}",
                    near.join(", ")
                );
            }
            Ok(2)
        }
        Command::Patterns { command } => match command {
            PatternsCommand::List { patterns } => {
                let set = load_patterns(&patterns)?;
                print_patterns(&set)?;
                Ok(0)
            }
            PatternsCommand::Check { dir } => {
                let set = load::check_dir(&dir)?;
                println!(
                    "{}: ok ({} lists, {} entities, {} scope rules, {} sourcing-clause rules, {} permissive-clause rules in force)",
                    dir.display(),
                    set.lists.len(),
                    set.entities.len(),
                    set.scopes.len(),
                    set.sourcing_clauses.len(),
                    set.permissive_clauses.len()
                );
                Ok(0)
            }
        },
    }
}

#[cfg(feature = "serve")]
fn serve_command(args: cli::ServeArgs, set: PatternSet) -> Result<u8> {
    serve::run(args, set)
}

#[cfg(not(feature = "serve"))]
fn serve_command(_: cli::ServeArgs, _: PatternSet) -> Result<u8> {
    anyhow::bail!("this tenderscan was built without the web app (cargo feature `serve`)")
}

/// `tenderscan cache info` and `tenderscan cache clear`.
fn cache_command(command: CacheCommand) -> Result<u8> {
    let (CacheCommand::Info { cache_dir } | CacheCommand::Clear { cache_dir }) = &command;
    let dir = cache_dir
        .clone()
        .or_else(tenderscan::cache::default_dir)
        .context("no cache folder: neither XDG_CACHE_HOME nor HOME is set (give --cache-dir)")?;
    let shown = tenderscan::report::sanitize_terminal(&dir.display().to_string());
    match command {
        CacheCommand::Info { .. } => {
            let st = tenderscan::cache::info(&dir)
                .with_context(|| format!("cannot read the cache at {shown}"))?;
            println!("cache: {shown}");
            println!("entries: {}", st.entries);
            println!("size: {} bytes ({})", st.bytes, human_size(st.bytes));
            if st.temp_files > 0 {
                println!("temporary files: {}", st.temp_files);
            }
            println!(
                "Each entry is the full extracted text of one document. Turn the cache off with \
                 --no-cache; empty it with `tenderscan cache clear`."
            );
        }
        CacheCommand::Clear { .. } => {
            let st = tenderscan::cache::clear(&dir)
                .with_context(|| format!("cannot clear the cache at {shown}"))?;
            println!(
                "removed {} entries ({}) from {shown}",
                st.entries + st.temp_files,
                human_size(st.bytes)
            );
        }
    }
    Ok(0)
}

fn human_size(b: u64) -> String {
    let units = [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in units {
        if b >= size {
            return format!("{:.1} {unit}", b as f64 / size as f64);
        }
    }
    format!("{b} B")
}

/// The passwords to try: `--password`, then each `--password-file` (one a line), then the
/// environment variable `TENDERSCAN_PASSWORDS` (one a line), each once. Empty lines are skipped
/// (the empty password is always tried first).
fn gather_passwords(given: &[String], files: &[std::path::PathBuf]) -> Result<Vec<String>> {
    let mut all: Vec<String> = given.to_vec();
    let mut add_lines = |text: &str| {
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.is_empty() {
                all.push(line.to_string());
            }
        }
    };
    for f in files {
        let bytes = std::fs::read(f)
            .with_context(|| format!("cannot read --password-file {}", f.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("--password-file {}: not UTF-8 text", f.display()))?;
        add_lines(&text);
    }
    if let Some(v) = std::env::var_os("TENDERSCAN_PASSWORDS") {
        let text = v
            .into_string()
            .map_err(|_| anyhow::anyhow!("TENDERSCAN_PASSWORDS is not UTF-8 text"))?;
        add_lines(&text);
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|p| seen.insert(p.clone()));
    Ok(all)
}

/// Check `--output` before anything is scanned: its folder must exist and the path must not be a
/// folder. (Writability is proven by creating the temporary file, after discovery.)
fn check_output(p: &std::path::Path) -> Result<()> {
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        anyhow::bail!(
            "cannot write --output {}: the folder {} does not exist",
            p.display(),
            parent.display()
        );
    }
    if p.is_dir() {
        anyhow::bail!("cannot write --output {}: it is a folder", p.display());
    }
    Ok(())
}

/// The temporary file `--output` is written to, in the same folder, renamed over it once the
/// report is complete: a reader never sees half a report, and a run that fails leaves the old one.
fn open_output(p: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".tenderscan-output-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write --output {}", p.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The permissions the report would have had if created in place: those of the file it
        // replaces, else the usual ones under this process's umask (not the temporary file's 0600).
        let mode = match std::fs::metadata(p) {
            Ok(m) => m.permissions().mode() & 0o7777,
            Err(_) => {
                // SAFETY: umask only swaps the process's file-creation mask; it is put back at once.
                let mask = unsafe {
                    let m = libc::umask(0o077);
                    libc::umask(m);
                    m
                };
                0o666 & !(mask as u32)
            }
        };
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode));
    }
    Ok(tmp)
}

fn print_patterns(set: &PatternSet) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Lists:")?;
    for l in &set.lists {
        writeln!(
            out,
            "  {}  {} ({}, effective {})",
            l.id, l.title, l.jurisdiction, l.effective
        )?;
        writeln!(out, "      source: {}", l.source)?;
        for (label, status) in [
            ("banned", ListStatus::Banned),
            ("under review", ListStatus::UnderReview),
            ("watch", ListStatus::Watch),
        ] {
            let ids = l.in_force(status);
            if !ids.is_empty() {
                writeln!(out, "      {label}: {}", ids.join(", "))?;
            }
        }
    }
    writeln!(out, "Entities:")?;
    for e in &set.entities {
        let status = match set.status_of(&e.id) {
            Some((s, lists)) => format!(
                "{} ({})",
                s.as_str(),
                lists
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "on no active list".into(),
        };
        writeln!(
            out,
            "  {}  {}  [{}; certainty {}]",
            e.id, e.name, status, e.certainty
        )?;
        let names: Vec<&str> = e
            .aliases
            .iter()
            .chain(&e.case_sensitive)
            .map(|s| s.as_str())
            .collect();
        writeln!(out, "      names: {}", names.join(", "))?;
        if !e.brands.is_empty() {
            writeln!(out, "      brands: {}", e.brands.join(", "))?;
        }
        if !e.models.is_empty() {
            writeln!(out, "      models: {}", e.models.join("  "))?;
        }
    }
    Ok(())
}

fn scan(args: cli::ScanArgs) -> Result<u8> {
    let mut set = load_patterns(&args.patterns)?;
    if !args.lists.is_empty() {
        set.restrict_lists(&args.lists)
            .map_err(anyhow::Error::msg)?;
    }
    // Worker processes judge for themselves. The parent compiles a user's pattern files before any
    // document is read, so that their errors stop the run at once. The embedded patterns are known
    // to compile (tests): judging in process, they compile on a thread of their own while the first
    // documents are read.
    let judge = if !args.patterns.is_empty() {
        Some(Judge::new(set.clone())?)
    } else {
        None
    };
    let mut review = load_review(args.waivers.as_deref(), args.baseline.as_deref())?;
    if args.format == Format::Xlsx && args.output.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!("--format xlsx writes a workbook: give --output FILE.xlsx");
    }
    let collect = !matches!(args.format, Format::Text | Format::Jsonl);
    if let Some(p) = &args.output {
        check_output(p)?;
    }
    let passwords = gather_passwords(&args.passwords, &args.password_files)?;
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let listed = if list.as_os_str() == "-" {
            pipeline::read_path_list(std::io::stdin().lock())
        } else {
            std::fs::File::open(list).and_then(pipeline::read_path_list)
        }
        .with_context(|| format!("cannot read --files-from {}", list.display()))?;
        paths.extend(listed);
    }
    let archive_limits = tenderscan::extract::archive::ArchiveLimits {
        max_depth: args.max_archive_depth,
        max_members: args.max_archive_members,
        max_member_bytes: args.max_stream_bytes,
        max_total_bytes: args.max_package_bytes,
    };
    let mut found = pipeline::discover_with(&paths, &archive_limits);
    if let Some(p) = &args.output {
        for dropped in pipeline::drop_output_file(&mut found, p) {
            eprintln!(
                "tenderscan: not reading {}: it is this run's --output",
                tenderscan::report::sanitize_terminal(&dropped.display().to_string())
            );
        }
    }
    for r in &found.skipped_reports {
        eprintln!(
            "tenderscan: skipped {}: a report tenderscan wrote",
            tenderscan::report::sanitize_terminal(&r.display().to_string())
        );
    }
    let discovered = found.inputs.len();
    if let Some((k, n)) = args.shard {
        found.inputs = pipeline::shard(found.inputs, k, n);
    }
    let timeout = std::time::Duration::from_secs_f64(args.timeout_per_doc.clamp(0.001, 1e9));
    let opts = ScanOptions {
        jobs: args.jobs,
        extract: tenderscan::extract::ExtractOptions {
            passwords,
            max_stream_bytes: args.max_stream_bytes,
            max_total_bytes: args.max_doc_bytes,
            max_pages: args.max_pages,
            max_objects: args.max_objects,
            max_depth: args.max_depth,
            deadline: None,
            ocr: tenderscan::extract::ocr::OcrOptions {
                enabled: !args.no_ocr,
                languages: args.ocr_languages.clone(),
                ..Default::default()
            },
        },
        max_file_bytes: args.max_file_bytes,
        cache_dir: usable_cache_dir(&args),
        archive: archive_limits,
        // In-process reading honours the timeout cooperatively; workers get a slightly shorter
        // cooperative budget so they can return partial text before the parent's hard stop.
        timeout: Some(timeout),
    };

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        to_terminal && !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let output_file = args.output.as_deref().map(open_output).transpose()?;
    let mut out: Box<dyn Write> = match &output_file {
        Some(tmp) => Box::new(std::io::BufWriter::new(tmp.as_file().try_clone()?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let progress = if !args.quiet && std::io::stderr().is_terminal() && found.inputs.len() > 1 {
        let pb = indicatif::ProgressBar::new(found.inputs.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} documents {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(pb)
    } else {
        None
    };

    let printer = TextPrinter { color };
    let mut summary = Summary {
        skipped: found.skipped,
        skipped_reports: found
            .skipped_reports
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        ..Default::default()
    };
    let mut all: Vec<DocumentReport> = Vec::new();
    let mut worst_fail = false;
    let mut io_err: Option<std::io::Error> = None;
    let mut readable = 0usize;
    /// Where documents are read and judged.
    enum Exec {
        Workers(tenderscan::isolate::WorkerPool),
        InProcess(Box<Judge>),
        InProcessWhenCompiled(pipeline::BackgroundJudge),
    }
    // Set up once the inputs are found: the embedded patterns compile while the first documents
    // are read. (Started before the inputs were found, the compiling thread often ran on the same
    // core as the search for them, and held it up by up to 3 ms while the other core was idle.)
    let exec = match (args.isolation, judge) {
        (cli::Isolation::Thread, Some(judge)) => Exec::InProcess(Box::new(judge)),
        (cli::Isolation::Thread, None) => {
            Exec::InProcessWhenCompiled(pipeline::BackgroundJudge::start(set.clone()))
        }
        (cli::Isolation::Process, _) => {
            let exe = std::env::current_exe()
                .context("cannot find the tenderscan executable for worker processes")?;
            // Workers get a slightly shorter cooperative budget than the parent's hard stop, so they
            // can return partial text with a warning before being killed.
            let mut wopts = opts.clone();
            wopts.timeout = Some(timeout.mul_f64(0.9));
            let cfg = tenderscan::isolate::WorkerConfig::new(
                &args.patterns,
                &args.lists,
                &wopts,
                args.max_memory,
            );
            Exec::Workers(tenderscan::isolate::WorkerPool::new(exe, &cfg, timeout)?)
        }
    };
    let inputs = &found.inputs;
    let duplicates = &found.duplicates;
    let package_notes = &found.package_notes;
    let mut packages = pipeline::Packages::new();
    // Reports arrive in input order, one per input.
    let mut next_input = 0usize;
    let on_report = |mut r: DocumentReport| {
        let input = inputs.get(next_input);
        if let Some(others) = input.and_then(|i| duplicates.get(&i.path)) {
            r.warnings.push(pipeline::duplicate_warning(others));
        }
        packages.settle(&mut r, input.and_then(|i| package_notes.get(&i.path)));
        next_input += 1;
        if let Some(pb) = &progress {
            pb.inc(1);
        }
        // Waivers set the verdict; with a baseline only new findings count for the exit code.
        let counted = review.apply(&mut r);
        summary.add(&r);
        if r.status != Status::Error {
            readable += 1;
        }
        let fails = match args.fail_on {
            FailOn::Fail => matches!(counted, Verdict::Fail | Verdict::Unreadable),
            FailOn::Review => {
                matches!(
                    counted,
                    Verdict::Fail | Verdict::Unreadable | Verdict::Review
                )
            }
        };
        worst_fail |= fails;
        let res = match args.format {
            Format::Text => {
                if let Some(pb) = &progress {
                    pb.suspend(|| printer.document(&mut out, &r))
                } else {
                    printer.document(&mut out, &r)
                }
            }
            Format::Jsonl => json::write_jsonl(&mut out, &r),
            _ if collect => {
                all.push(r);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = res {
            io_err.get_or_insert(e);
        }
    };
    match &exec {
        Exec::Workers(pool) => pool.scan(inputs, opts.jobs, on_report),
        Exec::InProcess(judge) => pipeline::scan_with(
            inputs,
            opts.jobs,
            pipeline::SinkThread::Yielding,
            |i| pipeline::scan_one(i, judge, &opts),
            on_report,
        )
        .map_err(anyhow::Error::msg)?,
        Exec::InProcessWhenCompiled(judge) => pipeline::scan_with(
            inputs,
            opts.jobs,
            pipeline::SinkThread::Yielding,
            |i| pipeline::scan_one_when_ready(i, || judge.get(), &opts),
            on_report,
        )
        .map_err(anyhow::Error::msg)?,
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    summary.accepted_and_baseline = review.summary();
    match args.format {
        Format::Json => json::write_json(&mut out, &all, &summary)?,
        Format::Text => printer.summary(&mut out, &summary)?,
        Format::Jsonl => {}
        Format::Csv => csv::write_csv(&mut out, &all)?,
        Format::Sarif => sarif::write_sarif(&mut out, &all, &summary, &set)?,
        Format::Html => html::write_html(&mut out, &all, &summary, &set)?,
        Format::Markdown => markdown::write_markdown(&mut out, &all, &summary)?,
        Format::Xlsx => xlsx::write_xlsx(&mut out, &all, &summary, &set)?,
    }
    if let Some(e) = io_err {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    out.flush()?;
    drop(out);
    if let (Some(tmp), Some(p)) = (output_file, &args.output) {
        tmp.persist(p)
            .with_context(|| format!("cannot write --output {}", p.display()))?;
    }
    if let Some(dir) = &opts.cache_dir {
        if args.cache_max_size > 0 {
            let _ = tenderscan::cache::evict(dir, args.cache_max_size);
        }
    }
    if discovered == 0 {
        eprintln!(
            "tenderscan: no contracts found ({} other files skipped)",
            found.skipped
        );
        return Ok(2);
    }
    if found.inputs.is_empty() {
        // A shard can be empty when there are few inputs; the other shards hold them all.
        eprintln!("tenderscan: this shard holds none of the {discovered} inputs");
        exit_now(0);
    }
    if readable == 0 {
        // Not a usage error: every input has its record, and an unreadable document fails.
        eprintln!("tenderscan: no input could be read");
        exit_now(1);
    }
    exit_now(if worst_fail { 1 } else { 0 })
}

/// The waivers (`--waivers`, else `tenderscan-waivers.toml` in the current folder when there is one)
/// and the baseline (`--baseline`) of a scan.
fn load_review(
    waivers: Option<&std::path::Path>,
    baseline: Option<&std::path::Path>,
) -> Result<tenderscan::review::Review> {
    use tenderscan::review;
    let default = std::path::Path::new(review::DEFAULT_WAIVERS_FILE);
    let waivers = match waivers {
        Some(p) => review::load_waivers(p).map_err(|e| anyhow::anyhow!("--waivers {e}"))?,
        None if default.is_file() => {
            review::load_waivers(default).map_err(|e| anyhow::anyhow!("waivers file {e}"))?
        }
        None => Vec::new(),
    };
    let baseline = baseline
        .map(review::Baseline::load)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    Ok(review::Review::new(waivers, baseline))
}

/// The cache folder to use, or `None` (`--no-cache`, no folder known, or one that cannot be used,
/// which is told once).
fn usable_cache_dir(args: &cli::ScanArgs) -> Option<std::path::PathBuf> {
    if args.no_cache {
        return None;
    }
    let dir = args
        .cache_dir
        .clone()
        .or_else(tenderscan::cache::default_dir)?;
    match tenderscan::cache::prepare(&dir) {
        Ok(()) => Some(dir),
        Err(e) => {
            eprintln!(
                "tenderscan: warning: the extracted-text cache cannot be used ({}); documents are read without it (--no-cache silences this)",
                tenderscan::report::sanitize_terminal(&e)
            );
            None
        }
    }
}

/// Ends the process once its output is written and flushed, without taking down what it built: the
/// compiled patterns alone are tens of thousands of allocations, and the allocator then hands its
/// memory back page by page, all of which the kernel does at once when the process ends. Only for
/// when nothing is left to do: every worker process has been reaped and every file written.
fn exit_now(code: u8) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` ends the process; nothing of ours runs after it.
    unsafe { libc::_exit(i32::from(code)) }
}
