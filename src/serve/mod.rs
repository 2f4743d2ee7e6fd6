//! `tenderscan serve`: a local web app for people who do not use a terminal (issue 20).
//!
//! A person drops files, a folder or a ZIP on the page (or opens the FOLDER given on the command
//! line); the documents are read by the same worker processes as `tenderscan scan` (a hostile file
//! costs one document), the page shows progress, then the HTML report with a button on each finding
//! to accept it with a reason (written to the waivers file), and links to download the report as
//! XLSX, CSV, JSON, SARIF or HTML.
//!
//! Safety:
//! - it listens on 127.0.0.1 unless `--bind` says otherwise (with a warning);
//! - requests whose `Host` is not this server's address are refused (DNS rebinding), and a request
//!   that changes anything must carry `X-Tenderscan: 1` and, when the browser sends one, an `Origin`
//!   of this server (another site's page cannot post to it);
//! - uploads are limited in total size, file size and count; a file's name is only a label: it is
//!   stored as a numbered file in a private temporary folder, and never used as a path;
//! - nothing is served from disk: every page and asset is built in or generated from a report.

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tenderscan::finding::DocumentReport;
use tenderscan::patterns::PatternSet;
use tenderscan::pipeline::{self, ScanOptions};
use tenderscan::report::{self, Summary};
use tenderscan::review::{self, Review, Waiver};

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");
const REPORT_JS: &str = include_str!("report.js");

/// One scan: uploaded files or the opened folder.
struct Job {
    id: u64,
    /// What the person dropped or opened, for the page title.
    label: String,
    total: AtomicUsize,
    done: AtomicUsize,
    state: Mutex<JobState>,
    /// The uploaded files (removed with the job's folder when the app stops).
    _dir: Option<PathBuf>,
}

#[derive(Default)]
struct JobState {
    finished: bool,
    /// Reports as the engine gave them, before waivers, in input order.
    reports: Vec<DocumentReport>,
    skipped: usize,
    /// Seconds the scan took.
    seconds: f64,
}

struct App {
    set: PatternSet,
    scan: ScanSettings,
    waivers: PathBuf,
    folder: Option<PathBuf>,
    uploads: tempfile::TempDir,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
    next: AtomicUsize,
    /// The `Host` values this server answers to.
    hosts: Vec<String>,
    max_file_bytes: u64,
    max_files: usize,
    /// Serialises writes to the waivers file.
    waiver_lock: Mutex<()>,
}

#[derive(Clone)]
struct ScanSettings {
    exe: PathBuf,
    cfg: tenderscan::isolate::WorkerConfig,
    timeout: Duration,
    jobs: usize,
}

type Shared = Arc<App>;

/// `--max-upload`, for refusing an upload by its announced length before reading it.
#[derive(Clone, Copy)]
struct UploadLimit(u64);

pub fn run(args: ServeArgs, set: PatternSet) -> Result<u8> {
    if let Some(f) = &args.folder {
        if !f.is_dir() {
            anyhow::bail!("{} is not a folder", f.display());
        }
    }
    let waivers = match (&args.waivers, &args.folder) {
        (Some(w), _) => w.clone(),
        (None, Some(f)) => f.join(review::DEFAULT_WAIVERS_FILE),
        (None, None) => PathBuf::from(review::DEFAULT_WAIVERS_FILE),
    };
    // A waivers file that is there must read: the app would otherwise write over it.
    if waivers.exists() {
        review::load_waivers(&waivers).map_err(anyhow::Error::msg)?;
    }
    let timeout = Duration::from_secs_f64(args.timeout_per_doc.clamp(0.001, 1e9));
    let opts = ScanOptions {
        jobs: args.jobs,
        max_file_bytes: args.max_file_bytes,
        timeout: Some(timeout.mul_f64(0.9)),
        ..Default::default()
    };
    let cfg =
        tenderscan::isolate::WorkerConfig::new(&args.patterns, &args.lists, &opts, args.max_memory);
    let exe = std::env::current_exe()
        .context("cannot find the tenderscan executable for worker processes")?;
    let uploads = tempfile::Builder::new()
        .prefix("tenderscan-serve-")
        .tempdir()
        .context("cannot make a folder for uploads")?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("cannot start the web server")?;
    rt.block_on(async move {
        let addr = std::net::SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let port = local.port();
        let mut hosts = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        hosts.push(match local.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]:{port}"),
            ip => format!("{ip}:{port}"),
        });
        let app = Arc::new(App {
            set,
            scan: ScanSettings {
                exe,
                cfg,
                timeout,
                jobs: args.jobs,
            },
            waivers,
            folder: args.folder.clone(),
            uploads,
            jobs: Mutex::new(BTreeMap::new()),
            next: AtomicUsize::new(1),
            hosts,
            max_file_bytes: args.max_file_bytes,
            max_files: args.max_files,
            waiver_lock: Mutex::new(()),
        });
        if let Some(folder) = &app.folder {
            start_folder_scan(&app, folder.clone());
        }
        let router = Router::new()
            .route("/", get(index))
            .route("/assets/app.js", get(|| async { js(APP_JS) }))
            .route("/assets/report.js", get(|| async { js(REPORT_JS) }))
            .route("/api/scan", post(upload))
            .route("/api/scan-folder", post(rescan_folder))
            .route("/api/jobs/{id}", get(job_status))
            .route("/api/jobs/{id}/waive", post(waive))
            .route("/jobs/{id}", get(job_page))
            .route("/jobs/{id}/download/{format}", get(download))
            .layer(DefaultBodyLimit::max(
                usize::try_from(args.max_upload).unwrap_or(usize::MAX),
            ))
            .layer(axum::Extension(UploadLimit(args.max_upload)))
            .layer(middleware::from_fn_with_state(app.clone(), guard))
            .with_state(app.clone());
        let shown = match local.ip() {
            ip if ip.is_loopback() => format!("http://127.0.0.1:{port}/"),
            std::net::IpAddr::V6(ip) => format!("http://[{ip}]:{port}/"),
            ip => format!("http://{ip}:{port}/"),
        };
        if !local.ip().is_loopback() {
            eprintln!(
                "tenderscan: warning: listening on {local}: anyone who can reach this machine can \
                 upload files and read the reports, without a password"
            );
        }
        // Not println!: a closed standard output must not stop the app.
        let mut so = std::io::stdout();
        let _ = writeln!(
            so,
            "tenderscan serve: open {shown} in a browser (Ctrl-C stops)\nwaivers file: {}",
            app.waivers.display()
        );
        let _ = so.flush();
        axum::serve(listener, router)
            .await
            .context("the web server stopped")?;
        Ok::<u8, anyhow::Error>(0)
    })
}

/// Refuse requests for another host name (DNS rebinding) and cross-site requests that change
/// anything; set the headers every answer carries.
async fn guard(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !app.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return (StatusCode::FORBIDDEN, "unknown host").into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let marked = req
            .headers()
            .get("x-tenderscan")
            .is_some_and(|v| v.as_bytes() == b"1");
        let origin_ok = match req.headers().get(header::ORIGIN) {
            None => true,
            Some(o) => {
                let o = o.to_str().unwrap_or("");
                app.hosts.iter().any(|h| {
                    o.strip_prefix("http://")
                        .is_some_and(|rest| rest.eq_ignore_ascii_case(h))
                })
            }
        };
        if !marked || !origin_ok {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    res
}

fn js(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
    )
        .into_response()
}

fn page_csp() -> (header::HeaderName, &'static str) {
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
}

async fn index(State(app): State<Shared>) -> Response {
    let jobs: Vec<Arc<Job>> = app.jobs.lock().unwrap().values().rev().cloned().collect();
    let mut list = String::new();
    for j in jobs {
        let st = j.state.lock().unwrap();
        let status = if st.finished {
            format!("{} documents", st.reports.len())
        } else {
            format!(
                "reading: {} of {}",
                j.done.load(Ordering::Relaxed),
                j.total.load(Ordering::Relaxed)
            )
        };
        list.push_str(&format!(
            "<li><a href=\"/jobs/{}\">{}</a> <span class=\"muted\">{}</span></li>",
            j.id,
            report::html::escape(&j.label),
            status
        ));
    }
    let folder = match &app.folder {
        Some(f) => format!(
            "<p>Opened folder: <code>{}</code> <button id=\"rescan\" type=\"button\">Scan the folder again</button></p>",
            report::html::escape(&f.display().to_string())
        ),
        None => String::new(),
    };
    let page = INDEX_HTML
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{FOLDER}}", &folder)
        .replace("{{MAX_UPLOAD}}", &human(app.max_file_bytes))
        .replace("{{JOBS}}", &list);
    ([page_csp()], Html(page)).into_response()
}

fn human(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{} GiB", b >> 30)
    } else if b >= 1 << 20 {
        format!("{} MiB", b >> 20)
    } else {
        format!("{} KiB", b >> 10)
    }
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": msg.into() }))).into_response()
}

/// A file's name as a label: path separators kept (a folder drop gives `folder/a.pdf`), control and
/// bidirectional characters removed, at most 300 characters.
fn label_of(name: &str) -> String {
    let clean: String = report::sanitize_terminal(name)
        .replace('\\', "/")
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect::<Vec<_>>()
        .join("/");
    let clean: String = clean.chars().take(300).collect();
    if clean.trim().is_empty() {
        "unnamed".to_string()
    } else {
        clean
    }
}

/// The extension a stored file keeps (tenderscan tells formats by their bytes, and by the extension
/// for plain text): ASCII letters and digits only, at most 8 of them.
fn safe_extension(label: &str) -> Option<String> {
    let last = label.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// `POST /api/scan`: multipart, one part per file (the part's file name is its label).
async fn upload(
    State(app): State<Shared>,
    axum::Extension(UploadLimit(limit)): axum::Extension<UploadLimit>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than {} (tenderscan serve --max-upload)",
                human(limit)
            ),
        );
    }
    let id = app.next.fetch_add(1, Ordering::Relaxed) as u64;
    let dir = app.uploads.path().join(format!("job-{id}"));
    if let Err(e) = std::fs::create_dir(&dir) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot store uploads: {e}"),
        );
    }
    // (label, stored path or the reason it was not stored)
    let mut files: Vec<(String, Result<PathBuf, String>)> = Vec::new();
    let mut too_many = 0usize;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return error(
                    e.status(),
                    format!("the upload was refused: {}", e.body_text()),
                );
            }
        };
        let Some(name) = field.file_name().map(str::to_string) else {
            continue;
        };
        if files.len() >= app.max_files {
            // Read the rest before answering (a connection closed on unread data loses the answer).
            too_many += 1;
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let label = label_of(&name);
        let stored = dir.join(match safe_extension(&label) {
            Some(ext) => format!("{:05}.{ext}", files.len() + 1),
            None => format!("{:05}", files.len() + 1),
        });
        let mut out = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&stored)
        {
            Ok(f) => f,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot store an upload: {e}"),
                );
            }
        };
        let mut size = 0u64;
        let mut too_big = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > app.max_file_bytes {
                        too_big = true;
                        continue;
                    }
                    if let Err(e) = out.write_all(&chunk) {
                        let _ = std::fs::remove_dir_all(&dir);
                        return error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("cannot store an upload: {e}"),
                        );
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return error(
                        e.status(),
                        format!("the upload was refused: {}", e.body_text()),
                    );
                }
            }
        }
        drop(out);
        if too_big {
            let _ = std::fs::remove_file(&stored);
            files.push((
                label,
                Err(format!(
                    "the file is larger than the {}-byte upload limit (tenderscan serve --max-file-bytes)",
                    app.max_file_bytes
                )),
            ));
        } else {
            files.push((label, Ok(stored)));
        }
    }
    if too_many > 0 {
        let _ = std::fs::remove_dir_all(&dir);
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "too many files ({}): at most {} in one upload (tenderscan serve --max-files)",
                files.len() + too_many,
                app.max_files
            ),
        );
    }
    if files.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
        return error(StatusCode::BAD_REQUEST, "no file in the upload");
    }
    // Files in natural order of their names ("Annex 2" before "Annex 10").
    files.sort_by(|a, b| report::natural_cmp(&a.0, &b.0));
    let label = if files.len() == 1 {
        files[0].0.clone()
    } else {
        format!("{} files ({} …)", files.len(), files[0].0)
    };
    let job = Arc::new(Job {
        id,
        label,
        total: AtomicUsize::new(files.len()),
        done: AtomicUsize::new(0),
        state: Mutex::new(JobState::default()),
        _dir: Some(dir),
    });
    app.jobs.lock().unwrap().insert(id, job.clone());
    let settings = app.scan.clone();
    std::thread::spawn(move || scan_uploads(&settings, &job, files));
    Json(serde_json::json!({ "id": id, "url": format!("/jobs/{id}") })).into_response()
}

/// Read the stored uploads: each in the worker processes, its report under its label.
fn scan_uploads(s: &ScanSettings, job: &Job, files: Vec<(String, Result<PathBuf, String>)>) {
    let started = std::time::Instant::now();
    let stored: Vec<PathBuf> = files
        .iter()
        .filter_map(|(_, p)| p.as_ref().ok().cloned())
        .collect();
    let found = pipeline::discover(&stored);
    // Every input is a stored file or a member of one (`00001.zip!/a.pdf`): shown under its label.
    let labels: Vec<(String, String)> = files
        .iter()
        .filter_map(|(l, p)| {
            p.as_ref()
                .ok()
                .map(|p| (p.to_string_lossy().into_owned(), l.clone()))
        })
        .collect();
    let relabel = |path: &str| -> String {
        labels
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(p, l)| format!("{l}{}", &path[p.len()..]))
            .unwrap_or_else(|| "upload".to_string())
    };
    job.total.store(
        found.inputs.len() + files.iter().filter(|f| f.1.is_err()).count(),
        Ordering::Relaxed,
    );
    let mut reports: Vec<DocumentReport> = files
        .iter()
        .filter_map(|(l, p)| {
            p.as_ref()
                .err()
                .map(|why| DocumentReport::error(l.clone(), None, "limit", why.clone()))
        })
        .collect();
    let stored_dir = stored
        .first()
        .and_then(|p| p.parent())
        .map(|d| d.to_string_lossy().into_owned());
    run_engine(s, job, &found.inputs, |mut r| {
        r.path = relabel(&r.path);
        r.path_bytes = None;
        // The private folder's name means nothing to the person who uploaded.
        if let Some(d) = &stored_dir {
            if let Some(e) = &mut r.error {
                *e = e.replace(d.as_str(), "upload");
            }
        }
        reports.push(r);
    });
    reports.sort_by(|a, b| report::natural_cmp(&a.path, &b.path));
    let mut st = job.state.lock().unwrap();
    st.reports = reports;
    st.skipped = found.skipped;
    st.seconds = started.elapsed().as_secs_f64();
    st.finished = true;
}

/// The worker processes of a scan, with this app's settings.
fn run_engine(
    s: &ScanSettings,
    job: &Job,
    inputs: &[pipeline::Input],
    mut sink: impl FnMut(DocumentReport),
) {
    match tenderscan::isolate::WorkerPool::new(s.exe.clone(), &s.cfg, s.timeout) {
        Ok(pool) => pool.scan(inputs, s.jobs, |r| {
            sink(r);
            job.done.fetch_add(1, Ordering::Relaxed);
        }),
        Err(e) => {
            for i in inputs {
                sink(DocumentReport::error(
                    i.path.to_string_lossy().into_owned(),
                    None,
                    "internal",
                    format!("cannot start a worker process: {e}"),
                ));
                job.done.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn start_folder_scan(app: &Shared, folder: PathBuf) -> u64 {
    let id = app.next.fetch_add(1, Ordering::Relaxed) as u64;
    let job = Arc::new(Job {
        id,
        label: folder.display().to_string(),
        total: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        state: Mutex::new(JobState::default()),
        _dir: None,
    });
    app.jobs.lock().unwrap().insert(id, job.clone());
    let settings = app.scan.clone();
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let found = pipeline::discover(std::slice::from_ref(&folder));
        job.total.store(found.inputs.len(), Ordering::Relaxed);
        let mut reports = Vec::new();
        run_engine(&settings, &job, &found.inputs, |r| reports.push(r));
        let mut st = job.state.lock().unwrap();
        st.reports = reports;
        st.skipped = found.skipped;
        st.seconds = started.elapsed().as_secs_f64();
        st.finished = true;
    });
    id
}

async fn rescan_folder(State(app): State<Shared>) -> Response {
    let Some(folder) = app.folder.clone() else {
        return error(
            StatusCode::NOT_FOUND,
            "no folder was opened (tenderscan serve FOLDER)",
        );
    };
    let id = start_folder_scan(&app, folder);
    Json(serde_json::json!({ "id": id, "url": format!("/jobs/{id}") })).into_response()
}

fn job_of(app: &App, id: &str) -> Option<Arc<Job>> {
    let id: u64 = id.parse().ok()?;
    app.jobs.lock().unwrap().get(&id).cloned()
}

/// The job's reports with the waivers file applied, and their summary.
fn reviewed(app: &App, job: &Job) -> Result<(Vec<DocumentReport>, Summary), String> {
    let st = job.state.lock().unwrap();
    let waivers = if app.waivers.exists() {
        review::load_waivers(&app.waivers)?
    } else {
        Vec::new()
    };
    let mut rv = Review::new(waivers, None);
    let mut summary = Summary {
        skipped: st.skipped,
        ..Default::default()
    };
    let mut docs = st.reports.clone();
    for r in &mut docs {
        rv.apply(r);
        summary.add(r);
    }
    summary.accepted_and_baseline = rv.summary();
    Ok((docs, summary))
}

async fn job_status(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(job) = job_of(&app, &id) else {
        return error(StatusCode::NOT_FOUND, "no such scan");
    };
    let finished = job.state.lock().unwrap().finished;
    let mut v = serde_json::json!({
        "id": job.id,
        "label": job.label,
        "total": job.total.load(Ordering::Relaxed),
        "done": job.done.load(Ordering::Relaxed),
        "finished": finished,
    });
    if finished {
        match reviewed(&app, &job) {
            Ok((_, s)) => {
                v["summary"] = serde_json::to_value(&s).unwrap_or_default();
                v["seconds"] = serde_json::json!(job.state.lock().unwrap().seconds);
            }
            Err(e) => v["error"] = serde_json::json!(e),
        }
    }
    Json(v).into_response()
}

async fn job_page(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(job) = job_of(&app, &id) else {
        return error(StatusCode::NOT_FOUND, "no such scan");
    };
    let finished = job.state.lock().unwrap().finished;
    let toolbar = format!(
        "<nav id=\"serve-bar\" data-job=\"{id}\" data-finished=\"{}\" style=\"background:#eef1f5;padding:10px 32px;border-bottom:1px solid #d8dce3\">\
<a href=\"/\">← New scan</a> · <strong>{}</strong>{}</nav>",
        u8::from(finished),
        report::html::escape(&job.label),
        if finished {
            format!(
                " · Download: <a href=\"/jobs/{id}/download/xlsx\">XLSX</a> · <a href=\"/jobs/{id}/download/csv\">CSV</a> · \
<a href=\"/jobs/{id}/download/json\">JSON</a> · <a href=\"/jobs/{id}/download/html\">HTML</a> · <a href=\"/jobs/{id}/download/sarif\">SARIF</a>\
 · <span id=\"waiver-file\">accepted findings are kept in <code>{}</code></span>",
                report::html::escape(&app.waivers.display().to_string())
            )
        } else {
            String::new()
        }
    );
    if !finished {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reading… · tenderscan</title></head>\
<body style=\"margin:0;font:15px/1.5 system-ui,sans-serif\">{toolbar}<main style=\"padding:24px 32px\"><h1>Reading the documents…</h1>\
<progress id=\"progress\" max=\"1\" value=\"0\" style=\"width:420px\"></progress> <span id=\"progress-text\">starting</span>\
<p>The report opens here when every document has been read.</p></main><script src=\"/assets/report.js\"></script></body></html>"
        );
        return ([page_csp()], Html(page)).into_response();
    }
    let (docs, summary) = match reviewed(&app, &job) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let page = report::html::render(&docs, &summary, &app.set);
    // The report's own policy, widened for this app's script and its requests to this server.
    let page = page
        .replacen(
            "default-src 'none';",
            "default-src 'none'; connect-src 'self';",
            1,
        )
        .replacen("script-src 'sha256-", "script-src 'self' 'sha256-", 1)
        .replacen("<body>", &format!("<body>{toolbar}"), 1)
        .replacen(
            "</body></html>",
            "<script src=\"/assets/report.js\"></script></body></html>",
            1,
        );
    Html(page).into_response()
}

async fn download(
    State(app): State<Shared>,
    UrlPath((id, format)): UrlPath<(String, String)>,
) -> Response {
    let Some(job) = job_of(&app, &id) else {
        return error(StatusCode::NOT_FOUND, "no such scan");
    };
    if !job.state.lock().unwrap().finished {
        return error(StatusCode::CONFLICT, "the scan is still running");
    }
    let (docs, summary) = match reviewed(&app, &job) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let mut body: Vec<u8> = Vec::new();
    let (mime, ext) = match format.as_str() {
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "json" => ("application/json", "json"),
        "sarif" => ("application/sarif+json", "sarif"),
        "html" => ("text/html; charset=utf-8", "html"),
        _ => return error(StatusCode::NOT_FOUND, "unknown format"),
    };
    let res = match ext {
        "xlsx" => report::xlsx::write_xlsx(&mut body, &docs, &summary, &app.set),
        "csv" => report::csv::write_csv(&mut body, &docs),
        "json" => report::json::write_json(&mut body, &docs, &summary),
        "sarif" => report::sarif::write_sarif(&mut body, &docs, &summary, &app.set),
        _ => report::html::write_html(&mut body, &docs, &summary, &app.set),
    };
    if let Err(e) = res {
        return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    }
    let disposition = format!("attachment; filename=\"tenderscan-report-{id}.{ext}\"");
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    (h, Body::from(body)).into_response()
}

#[derive(Deserialize)]
struct WaiveRequest {
    fingerprint: String,
    reason: String,
    reviewer: String,
    #[serde(default)]
    expires: Option<String>,
}

/// `POST /api/jobs/{id}/waive`: accept a finding of this scan, with a reason, in the waivers file.
async fn waive(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Json(req): Json<WaiveRequest>,
) -> Response {
    let Some(job) = job_of(&app, &id) else {
        return error(StatusCode::NOT_FOUND, "no such scan");
    };
    let (path, finding) = {
        let st = job.state.lock().unwrap();
        let hit = st.reports.iter().find_map(|r| {
            r.findings
                .iter()
                .find(|f| f.review.fingerprint == req.fingerprint)
                .map(|f| (r.path.clone(), f.clone()))
        });
        match hit {
            Some(x) => x,
            None => {
                return error(
                    StatusCode::NOT_FOUND,
                    "no finding with that fingerprint in this scan",
                )
            }
        }
    };
    let expires = req.expires.filter(|e| !e.trim().is_empty());
    let w = Waiver {
        fingerprint: req.fingerprint.clone(),
        reason: req.reason.trim().to_string(),
        reviewer: req.reviewer.trim().to_string(),
        date: review::today(),
        expires: expires.map(|e| e.trim().to_string()),
        document: Some(path),
        rule: Some(finding.rule.clone()),
        entity: finding.entity.clone(),
        location: Some(report::citation(&finding)).filter(|c| !c.is_empty()),
    };
    let _held = app.waiver_lock.lock().unwrap();
    match review::append_waiver(&app.waivers, &w) {
        Ok(()) => Json(serde_json::json!({ "ok": true, "waiver": w })).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_never_paths() {
        assert_eq!(label_of("../../etc/passwd"), "etc/passwd");
        assert_eq!(label_of("/abs/a.pdf"), "abs/a.pdf");
        assert_eq!(label_of("a\\..\\b.pdf"), "a/b.pdf");
        assert_eq!(label_of("x\u{202E}fdp.exe"), "xfdp.exe");
        assert_eq!(label_of(".."), "unnamed");
        assert_eq!(safe_extension("folder/合約.PDF"), Some("pdf".into()));
        assert_eq!(safe_extension("a.p/df"), None);
        assert_eq!(safe_extension("a.tar.gz"), Some("gz".into()));
        assert_eq!(safe_extension("a.p%2F"), None);
        assert_eq!(safe_extension("noext"), None);
    }
}
