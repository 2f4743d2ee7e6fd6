//! Process isolation: extract untrusted documents in worker processes.
//!
//! `catch_unwind` turns a panic into an error report, but two failures escape it: an allocation failure
//! aborts the whole process, and an endless loop never returns. So by default the CLI runs each
//! document in a worker process (the same binary, `tenderscan worker`) with an address-space limit
//! (RLIMIT_AS) and a wall-clock timeout. A worker that dies or times out becomes an `error` report for
//! that document and is replaced; the batch goes on.
//!
//! Protocol (one JSON object per line): the parent first writes a [`WorkerConfig`], then for each
//! document a [`WorkerRequest`]; the worker answers each request with one `DocumentReport`.

use crate::finding::DocumentReport;
use crate::judge::Judge;
use crate::pipeline::{scan_one, Input, ScanOptions};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = if jobs == 0 { cores } else { jobs };
    (cores / jobs.max(1)).max(1)
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
        jobs: 1,
    };
    let stdout = std::io::stdout();
    for line in lines {
        let req: WorkerRequest = serde_json::from_str(&line?).map_err(std::io::Error::other)?;
        let input = Input {
            path: bytes_path(&req.path),
            explicit: req.explicit,
            walk_error: None,
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
}

/// A pool of worker processes; `run` scans one input in whichever worker is free.
pub struct WorkerPool {
    exe: PathBuf,
    cfg_line: String,
    /// Workers limit their address space (`--max-memory` is not 0).
    limited: bool,
    timeout: Duration,
    idle: Mutex<Vec<Worker>>,
}

impl WorkerPool {
    pub fn new(exe: PathBuf, cfg: &WorkerConfig, timeout: Duration) -> std::io::Result<WorkerPool> {
        Ok(WorkerPool {
            exe,
            cfg_line: serde_json::to_string(cfg).map_err(std::io::Error::other)?,
            limited: cfg.max_memory > 0,
            timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn take(&self) -> std::io::Result<Worker> {
        let w = self.idle.lock().ok().and_then(|mut v| v.pop());
        match w {
            Some(w) => Ok(w),
            None => Worker::spawn(&self.exe, &self.cfg_line, self.limited),
        }
    }

    fn give_back(&self, w: Worker) {
        if let Ok(mut v) = self.idle.lock() {
            v.push(w);
        }
    }

    /// Scan one input in a worker. Never panics; a dead or hung worker becomes an error report.
    pub fn run(&self, input: &Input) -> DocumentReport {
        let path = input.path.to_string_lossy().into_owned();
        if input.walk_error.is_some() {
            // Nothing to read: report it here, as the in-process path does.
            return crate::pipeline::report_walk_error(input);
        }
        let mut w = match self.take() {
            Ok(w) => w,
            Err(e) => {
                return DocumentReport::error(
                    path,
                    None,
                    "internal",
                    format!("cannot start a worker process: {e}"),
                )
            }
        };
        let req = WorkerRequest {
            path: os_bytes(&input.path),
            explicit: input.explicit,
        };
        let line = match serde_json::to_string(&req) {
            Ok(l) => l,
            Err(e) => return DocumentReport::error(path, None, "internal", e.to_string()),
        };
        let sent = w
            .stdin
            .write_all(line.as_bytes())
            .and_then(|_| w.stdin.write_all(b"\n"))
            .and_then(|_| w.stdin.flush());
        if let Err(e) = sent {
            let status = w.kill();
            return DocumentReport::error(
                path,
                None,
                "internal",
                format!("the worker process was not accepting work ({e}; {status:?})"),
            );
        }
        match w.replies.recv_timeout(self.timeout) {
            Ok(reply) => match serde_json::from_str::<DocumentReport>(&reply) {
                Ok(r) => {
                    self.give_back(w);
                    r
                }
                Err(e) => {
                    w.kill();
                    DocumentReport::error(
                        path,
                        None,
                        "internal",
                        format!("unreadable worker reply: {e}"),
                    )
                }
            },
            Err(RecvTimeoutError::Timeout) => {
                w.kill();
                let mut r = DocumentReport::error(
                    path,
                    None,
                    "timeout",
                    format!(
                        "reading took longer than {} s (--timeout-per-doc); the worker was stopped",
                        self.timeout.as_secs_f64()
                    ),
                );
                r.path_bytes = input.path.to_str().is_none().then(|| os_bytes(&input.path));
                r
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = w.kill();
                let how = describe_exit(status);
                let mut r = DocumentReport::error(
                    path,
                    None,
                    "crash",
                    format!("the worker process died while reading this document ({how}); likely out of memory (--max-memory) or a crash"),
                );
                r.path_bytes = input.path.to_str().is_none().then(|| os_bytes(&input.path));
                r
            }
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        if let Ok(mut v) = self.idle.lock() {
            for w in v.drain(..) {
                drop(w.stdin);
                let mut c = w.child;
                let _ = c.wait();
            }
        }
    }
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
