//! Process isolation: extract untrusted documents in worker processes.
//!
//! `catch_unwind` turns a panic into an error report, but two failures escape it: an allocation failure
//! aborts the whole process, and an endless loop never returns. So by default the CLI runs each
//! document in a worker process (the same binary, `tenderscan worker`) with an address-space limit
//! (RLIMIT_AS) and a wall-clock timeout. A worker that dies or times out becomes an `error` report for
//! that document and is replaced; the batch goes on.
//!
//! Protocol (one JSON object per line): the parent first writes a [`WorkerConfig`], then for each
//! document a [`WorkerRequest`]; the worker answers each request with one `DocumentReport`, in the
//! order asked. The parent keeps a worker two requests ahead ([`IN_FLIGHT`]), so a reply is always
//! the answer to the oldest request the worker holds, and a worker that dies or hangs was reading
//! that one.

use crate::finding::DocumentReport;
use crate::judge::Judge;
use crate::pipeline::{scan_one, Dispatch, Input, ScanOptions, Take};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What a worker needs to judge like its parent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerConfig {
    /// Extra pattern folders (`--patterns`), as raw path bytes.
    pub patterns: Vec<Vec<u8>>,
    /// Active list ids (`--list`); empty means all.
    pub lists: Vec<String>,
    /// Extraction limits (passwords included).
    pub extract: crate::extract::ExtractOptions,
    pub max_file_bytes: u64,
    /// Cooperative per-document budget inside the worker (a little under the parent's hard timeout).
    pub timeout_secs: Option<f64>,
    /// Extracted-text cache folder, as raw path bytes.
    pub cache_dir: Option<Vec<u8>>,
    /// Limits on archives and their members.
    #[serde(default)]
    pub archive: crate::extract::archive::ArchiveLimits,
    /// Address-space limit in bytes (0: none).
    pub max_memory: u64,
    /// Threads reading the pages of one document (0: rayon's default, one per core). The parent
    /// runs one worker per job, so it gives each worker the cores divided by the jobs: two workers
    /// with two page threads each on two cores cost 12% more time than one thread each.
    #[serde(default)]
    pub page_threads: usize,
}

const READY: &str = "{\"ready\":true}";
/// How long a new worker may take to load its patterns.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize, Deserialize)]
struct WorkerRequest {
    path: Vec<u8>,
    explicit: bool,
    /// For a member of an archive: the archive file (`path` is then `ARCHIVE!/MEMBER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archive: Option<Vec<u8>>,
}

#[cfg(unix)]
fn os_bytes(p: &std::path::Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(p: &std::path::Path) -> Vec<u8> {
    p.to_string_lossy().as_bytes().to_vec()
}

#[cfg(unix)]
fn bytes_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn bytes_path(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}

impl WorkerConfig {
    pub fn new(
        patterns: &[PathBuf],
        lists: &[String],
        opts: &ScanOptions,
        max_memory: u64,
    ) -> Self {
        WorkerConfig {
            patterns: patterns.iter().map(|p| os_bytes(p)).collect(),
            lists: lists.to_vec(),
            extract: opts.extract.clone(),
            max_file_bytes: opts.max_file_bytes,
            timeout_secs: opts.timeout.map(|t| t.as_secs_f64()),
            cache_dir: opts.cache_dir.as_deref().map(os_bytes),
            archive: opts.archive.clone(),
            max_memory,
            page_threads: page_threads_per_worker(opts.jobs),
        }
    }

    pub fn pattern_dirs(&self) -> Vec<PathBuf> {
        self.patterns.iter().map(|b| bytes_path(b)).collect()
    }
}

/// Page threads for each of `jobs` workers (0: as many as cores): the cores shared out, at least one.
pub fn page_threads_per_worker(jobs: usize) -> usize {
    (cores() / effective_jobs(jobs)).max(1)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Workers for `--jobs N` (0: one per core).
fn effective_jobs(jobs: usize) -> usize {
    if jobs == 0 {
        cores()
    } else {
        jobs
    }
}

/// Limit this process's address space. Called by a worker before it reads any document.
pub fn limit_memory(bytes: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        if bytes == 0 {
            return Ok(());
        }
        let lim = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: bytes as libc::rlim_t,
        };
        // SAFETY: setrlimit reads a valid, fully initialised struct.
        let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The worker's main loop: read the config, then answer requests until standard input closes.
/// `build_judge` turns the config into a judge (pattern loading lives with the caller).
pub fn worker_main<F>(build_judge: F) -> std::io::Result<()>
where
    F: FnOnce(&WorkerConfig) -> Result<Judge, String>,
{
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let cfg: WorkerConfig = match lines.next() {
        Some(line) => serde_json::from_str(&line?).map_err(std::io::Error::other)?,
        None => return Ok(()),
    };
    if cfg.page_threads > 0 {
        // Ignored if the global pool already exists (it cannot here: nothing has used it yet).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.page_threads)
            .build_global();
    }
    let judge = build_judge(&cfg).map_err(std::io::Error::other)?;
    limit_memory(cfg.max_memory)?;
    {
        // Tell the parent we are ready, so its per-document clock does not count our start-up.
        let mut out = std::io::stdout().lock();
        out.write_all(READY.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    let opts = ScanOptions {
        extract: cfg.extract.clone(),
        max_file_bytes: cfg.max_file_bytes,
        timeout: cfg.timeout_secs.map(Duration::from_secs_f64),
        cache_dir: cfg.cache_dir.as_deref().map(bytes_path),
        archive: cfg.archive.clone(),
        jobs: 1,
    };
    let stdout = std::io::stdout();
    for line in lines {
        let req: WorkerRequest = serde_json::from_str(&line?).map_err(std::io::Error::other)?;
        let input = Input {
            path: bytes_path(&req.path),
            explicit: req.explicit,
            walk_error: None,
            archive: req.archive.as_deref().map(bytes_path),
        };
        let report = scan_one(&input, &judge, &opts);
        let mut out = stdout.lock();
        serde_json::to_writer(&mut out, &report).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
}

impl Worker {
    fn spawn(exe: &PathBuf, cfg_line: &str, limited: bool) -> std::io::Result<Worker> {
        let mut cmd = Command::new(exe);
        cmd.arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if limited {
            // The binary's allocator (mimalloc) reserves address space 1 GiB at a time, at its first
            // allocation, before the worker can limit its address space: allocations inside that
            // reservation never meet the limit, so a 64 MiB limit let a worker use a whole GiB.
            // Reserving 16 MiB at a time makes the limit hold (a worker starts at ~150 MB of address
            // space instead of ~1.1 GB). The variable means nothing to other allocators.
            cmd.env("MIMALLOC_ARENA_RESERVE", "16MiB");
        }
        let mut child = cmd.spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no worker stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no worker stdout"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        stdin.write_all(cfg_line.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()?;
        match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(l) if l == READY => {}
            other => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other(format!(
                    "the worker did not start ({other:?})"
                )));
            }
        }
        Ok(Worker {
            child,
            stdin,
            replies: rx,
        })
    }

    fn kill(mut self) -> Option<std::process::ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Ask for one document.
    fn send(&mut self, input: &Input) -> std::io::Result<()> {
        let req = WorkerRequest {
            path: os_bytes(&input.path),
            explicit: input.explicit,
            archive: input.archive.as_deref().map(os_bytes),
        };
        let line = serde_json::to_string(&req).map_err(std::io::Error::other)?;
        self.stdin.write_all(line.as_bytes())?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()
    }

    /// No more work: close its input and let it end.
    fn close(self) {
        drop(self.stdin);
        let mut child = self.child;
        let _ = child.wait();
    }
}

/// Requests a worker holds at once: the document it reads and the next one, so that between two
/// documents it never waits for the parent to read a reply and send more work.
const IN_FLIGHT: usize = 2;

/// A pool of worker processes, one per job.
pub struct WorkerPool {
    exe: PathBuf,
    cfg_line: String,
    /// Workers limit their address space (`--max-memory` is not 0).
    limited: bool,
    timeout: Duration,
}

impl WorkerPool {
    pub fn new(exe: PathBuf, cfg: &WorkerConfig, timeout: Duration) -> std::io::Result<WorkerPool> {
        Ok(WorkerPool {
            exe,
            cfg_line: serde_json::to_string(cfg).map_err(std::io::Error::other)?,
            limited: cfg.max_memory > 0,
            timeout,
        })
    }

    /// Scan `inputs` in `jobs` worker processes (0: one per core) and hand the reports to `sink` in
    /// input order. Never panics; a worker that dies or hangs costs the document it was reading (an
    /// error report) and is replaced, and the documents queued behind it go to its replacement.
    pub fn scan<F>(&self, inputs: &[Input], jobs: usize, sink: F)
    where
        F: FnMut(DocumentReport),
    {
        let jobs = effective_jobs(jobs);
        crate::pipeline::in_input_order(
            inputs.len(),
            jobs,
            crate::pipeline::SinkThread::Yielding,
            sink,
            |dispatch| {
                std::thread::scope(|scope| {
                    for _ in 0..jobs {
                        scope.spawn(|| self.feed(inputs, dispatch));
                    }
                });
            },
        );
    }

    /// One worker's loop: keep it [`IN_FLIGHT`] requests ahead, and turn every reply, death or
    /// timeout into the report of the oldest request it holds (it answers in order).
    fn feed(&self, inputs: &[Input], dispatch: &Dispatch) {
        let mut worker: Option<Worker> = None;
        // Sent to `worker`, oldest first; the oldest is being read, since `started`.
        let mut in_flight: VecDeque<usize> = VecDeque::new();
        let mut started = Instant::now();
        // Taken, but held by a worker that died before reading them: sent again first.
        let mut again: VecDeque<usize> = VecDeque::new();
        loop {
            while in_flight.len() < IN_FLIGHT {
                let i = match again.pop_front() {
                    Some(i) => i,
                    None => match dispatch.take(in_flight.is_empty()) {
                        Take::Input(i) => i,
                        Take::Done | Take::WindowFull => break,
                    },
                };
                let Some(input) = inputs.get(i) else { continue };
                if input.walk_error.is_some() {
                    // Nothing to read: report it here, as the in-process path does.
                    if !dispatch.report(i, crate::pipeline::report_walk_error(input)) {
                        return;
                    }
                    continue;
                }
                let w = match worker.as_mut() {
                    Some(w) => w,
                    None => match Worker::spawn(&self.exe, &self.cfg_line, self.limited) {
                        Ok(w) => worker.insert(w),
                        Err(e) => {
                            let r = error_report(
                                input,
                                "internal",
                                format!("cannot start a worker process: {e}"),
                            );
                            if !dispatch.report(i, r) {
                                return;
                            }
                            continue;
                        }
                    },
                };
                if let Err(e) = w.send(input) {
                    if in_flight.is_empty() {
                        let status = worker.take().and_then(Worker::kill);
                        let r = error_report(
                            input,
                            "internal",
                            format!("the worker process was not accepting work ({e}; {status:?})"),
                        );
                        if !dispatch.report(i, r) {
                            return;
                        }
                        continue;
                    }
                    // It died reading what it holds: the reply below tells; this one waits.
                    again.push_front(i);
                    break;
                }
                if in_flight.is_empty() {
                    started = Instant::now();
                }
                in_flight.push_back(i);
            }
            let (Some(&head), Some(w)) = (in_flight.front(), worker.as_mut()) else {
                break;
            };
            let Some(input) = inputs.get(head) else { break };
            let left = self.timeout.saturating_sub(started.elapsed());
            let report = match w.replies.recv_timeout(left) {
                Ok(reply) => match serde_json::from_str::<DocumentReport>(&reply) {
                    Ok(r) => {
                        in_flight.pop_front();
                        // The worker goes straight on to the next request it holds.
                        started = Instant::now();
                        r
                    }
                    Err(e) => {
                        worker.take().map(Worker::kill);
                        error_report(input, "internal", format!("unreadable worker reply: {e}"))
                    }
                },
                Err(RecvTimeoutError::Timeout) => {
                    worker.take().map(Worker::kill);
                    error_report(
                        input,
                        "timeout",
                        format!(
                            "reading took longer than {} s (--timeout-per-doc); the worker was stopped",
                            self.timeout.as_secs_f64()
                        ),
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let how = describe_exit(worker.take().and_then(Worker::kill));
                    error_report(
                        input,
                        "crash",
                        format!("the worker process died while reading this document ({how}); likely out of memory (--max-memory) or a crash"),
                    )
                }
            };
            if worker.is_none() {
                // The head is answered; what the dead worker held goes to the next one.
                in_flight.pop_front();
                for i in in_flight.drain(..).rev() {
                    again.push_front(i);
                }
            }
            if !dispatch.report(head, report) {
                return;
            }
        }
        if let Some(w) = worker {
            w.close();
        }
    }
}

/// The error report of an input read in a worker.
fn error_report(input: &Input, class: &str, message: String) -> DocumentReport {
    let mut r = DocumentReport::error(
        input.path.to_string_lossy().into_owned(),
        None,
        class,
        message,
    );
    r.path_bytes = input.path.to_str().is_none().then(|| os_bytes(&input.path));
    r.container = input.container();
    r
}

fn describe_exit(status: Option<std::process::ExitStatus>) -> String {
    match status {
        None => "exit status unknown".into(),
        Some(s) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = s.signal() {
                    let name = match sig {
                        6 => "SIGABRT",
                        9 => "SIGKILL",
                        11 => "SIGSEGV",
                        _ => "signal",
                    };
                    return format!("killed by {name} ({sig})");
                }
            }
            format!("{s}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_shared_out_among_workers() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(page_threads_per_worker(0), 1);
        assert_eq!(page_threads_per_worker(1), cores);
        assert_eq!(page_threads_per_worker(cores), 1);
        assert_eq!(page_threads_per_worker(cores * 4), 1);
        // A config from before the field existed still reads (0: rayon's default).
        let mut old = serde_json::to_value(WorkerConfig::default()).unwrap();
        old.as_object_mut().unwrap().remove("page_threads");
        let cfg: WorkerConfig = serde_json::from_value(old).expect("a config without page_threads");
        assert_eq!(cfg.page_threads, 0);
    }
}
