//! `tenderscan serve` end to end (issue 20): the real server on a free port, requests over a real
//! socket (host and cross-site checks, upload limits, names that try to climb out), and Debian's
//! headless Chromium driven over the DevTools protocol (headless_chrome): upload a fixture through
//! the page's file input, wait for the report, read the verdict and a finding, accept the finding
//! with a reason (the waivers file is written), download the XLSX. Leaves screenshots at
//! `target/serve-upload.png` and `target/serve-report.png`.
//!
//! The browser part skips with a message when chromium is not installed, except under CI (`CI`
//! set), where it must run.

#![cfg(feature = "serve")]

mod common;

use common::chromium;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FIXTURE: &str = "fixtures/contracts/zh_simplified_violation.txt";

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenderscan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--port", "0", "--jobs", "1"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tenderscan serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    // Keep reading what it prints, so that it never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    // "tenderscan serve: open http://127.0.0.1:PORT/ in a browser ..."
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server { child, port }
}

/// (status, headers, body) of one HTTP/1.1 request.
fn request(port: u16, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // The server may answer (and stop reading) before the whole request is written.
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {}", String::from_utf8_lossy(&out)));
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    let mut body = out[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    request(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
}

fn multipart(port: u16, files: &[(&str, &[u8])], extra_headers: &str) -> (u16, String, Vec<u8>) {
    let boundary = "----tenderscan-test-boundary";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut raw = format!(
        "POST /api/scan HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra_headers}Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    request(port, &raw)
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// Poll a scan until it is finished; its status.
fn wait_job(port: u16, id: u64) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let (code, _, body) = get(port, &format!("/api/jobs/{id}"));
        assert_eq!(code, 200);
        let v = json(&body);
        if v["finished"] == true {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the scan did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_server_refuses_other_hosts_cross_site_posts_and_oversized_uploads() {
    let tmp = tempfile::tempdir().unwrap();
    let waivers = tmp.path().join("w.toml");
    let srv = serve(&[
        "--waivers",
        waivers.to_str().unwrap(),
        "--max-file-bytes",
        "64K",
        "--max-upload",
        "1M",
        "--max-files",
        "5",
    ]);
    let port = srv.port;
    let (code, head, body) = get(port, "/");
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&body).contains("Drop contracts here"));
    assert!(head
        .to_ascii_lowercase()
        .contains("content-security-policy"));

    // DNS rebinding: another name for this address is refused.
    let (code, _, _) = request(
        port,
        b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 403);

    let fixture = std::fs::read(FIXTURE).unwrap();
    // A form posted by another site (no marker header, or a foreign Origin) is refused.
    let (code, _, _) = multipart(port, &[("a.txt", &fixture)], "");
    assert_eq!(code, 403);
    let (code, _, _) = multipart(
        port,
        &[("a.txt", &fixture)],
        "X-Tenderscan: 1\r\nOrigin: http://evil.example\r\n",
    );
    assert_eq!(code, 403);

    // Names are labels, never paths; a file over the limit is reported, not dropped.
    let big = vec![b'x'; 100 * 1024];
    let (code, _, body) = multipart(
        port,
        &[
            ("../../../escaped.txt", &fixture),
            ("big.txt", &big),
            ("/etc/passwd", b"Supply of Huawei switches.\n"),
        ],
        &format!("X-Tenderscan: 1\r\nOrigin: http://127.0.0.1:{port}\r\n"),
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let id = json(&body)["id"].as_u64().unwrap();
    let status = wait_job(port, id);
    assert_eq!(
        status["summary"]["documents"], 3,
        "every upload accounted for"
    );
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("escaped.txt")
        .exists());
    let (code, _, body) = get(port, &format!("/jobs/{id}/download/json"));
    assert_eq!(code, 200);
    let report = json(&body);
    let docs = report["documents"].as_array().unwrap();
    let paths: Vec<&str> = docs.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["big.txt", "escaped.txt", "etc/passwd"]);
    assert_eq!(docs[0]["error_class"], "limit");
    assert_eq!(docs[1]["verdict"], "fail");

    // More than --max-upload in one request, or more than --max-files files: refused whole.
    // (Refused on its announced length: only the head is sent.)
    let (code, _, _) = request(
        port,
        format!("POST /api/scan HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nX-Tenderscan: 1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n", 2 << 20).as_bytes(),
    );
    assert_eq!(code, 413);
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("n.txt", &fixture[..])).collect();
    let (code, _, _) = multipart(port, &six, "X-Tenderscan: 1\r\n");
    assert_eq!(code, 413);

    // Downloads.
    let (code, head, body) = get(port, &format!("/jobs/{id}/download/xlsx"));
    assert_eq!(code, 200);
    assert!(head.contains("attachment; filename=\"tenderscan-report-"));
    assert!(body.starts_with(b"PK"), "an XLSX is a zip");
    let (code, _, body) = get(port, &format!("/jobs/{id}/download/csv"));
    assert_eq!(code, 200);
    assert!(body.starts_with("\u{FEFF}".as_bytes()));
    let (code, _, _) = get(port, &format!("/jobs/{id}/download/exe"));
    assert_eq!(code, 404);
    let (code, _, _) = get(port, "/jobs/999/download/json");
    assert_eq!(code, 404);
    let (code, _, _) = get(port, "/../../etc/passwd");
    assert_eq!(code, 404);
}

#[test]
fn a_person_uploads_a_contract_reads_the_report_and_accepts_a_finding_in_chromium() {
    use headless_chrome::protocol::cdp::Page;
    use headless_chrome::{Browser, LaunchOptions};
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required under CI (.ci/run installs it)"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let waivers = tmp.path().join("tenderscan-waivers.toml");
    let srv = serve(&["--waivers", waivers.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{}/", srv.port);

    let profile = tempfile::tempdir().unwrap();
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let flags = [
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        user_data.as_str(),
    ];
    let args: Vec<&std::ffi::OsStr> = flags.iter().map(std::ffi::OsStr::new).collect();
    let browser = Browser::new(
        LaunchOptions::default_builder()
            .path(Some(chrome))
            .headless(true)
            .sandbox(false)
            .window_size(Some((1280, 1000)))
            .idle_browser_timeout(Duration::from_secs(300))
            .args(args)
            .build()
            .unwrap(),
    )
    .expect("chromium starts");
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(120));
    tab.navigate_to(&url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element("body[data-ready='1']").unwrap();
    let png = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-upload.png"),
        png,
    )
    .unwrap();

    // Choose the fixture in the page's file input, as a person does with "Choose files…".
    let input = tab.wait_for_element("#files").unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    input
        .set_input_files(&[fixture.to_str().unwrap()])
        .expect("the file is chosen");

    // The report replaces the progress page once every document is read.
    tab.wait_for_element("nav#serve-bar[data-finished='1'][data-serve-ready='1']")
        .expect("the report opens");
    let eval = |js: &str| -> serde_json::Value {
        tab.evaluate(js, false)
            .unwrap()
            .value
            .unwrap_or(serde_json::Value::Null)
    };
    assert_eq!(
        eval("document.querySelector('tr.doc-row').getAttribute('data-verdict')"),
        "fail"
    );
    assert_eq!(
        eval("document.querySelector('tr.doc-row').getAttribute('data-path')"),
        "zh_simplified_violation.txt"
    );
    assert_eq!(
        eval("document.getElementById('count-fail').getAttribute('data-count')"),
        "1"
    );
    let finding = "li.finding.violation[data-entities~='huawei']";
    assert_eq!(
        eval(&format!(
            "document.querySelector(\"{finding} mark\").textContent"
        )),
        "华为"
    );

    // Accept the finding with a reason.
    let fp = eval(&format!(
        "document.querySelector(\"{finding}\").getAttribute('data-fingerprint')"
    ));
    let fp = fp.as_str().unwrap().to_string();
    tab.wait_for_element(&format!("{finding} button.accept"))
        .unwrap()
        .click()
        .unwrap();
    tab.wait_for_element(&format!("{finding} input.waive-reason"))
        .unwrap()
        .type_into("Existing stock, removed under order 2026-17")
        .unwrap();
    let who = tab
        .wait_for_element(&format!("{finding} input.waive-reviewer"))
        .unwrap();
    who.click().unwrap();
    who.type_into("C. Councillor").unwrap();
    tab.wait_for_element(&format!("{finding} button.waive-submit"))
        .unwrap()
        .click()
        .unwrap();
    // The page reloads with the finding accepted and the document no longer failing.
    tab.wait_for_element(&format!(
        "li.finding[data-fingerprint='{fp}'][data-waived='1']"
    ))
    .expect("the finding is shown as accepted");
    assert_eq!(
        eval(&format!(
            "document.querySelector(\"li.finding[data-fingerprint='{fp}'] dd.waiver\").textContent"
        ))
        .as_str()
        .unwrap()
        .split(" (by")
        .next()
        .unwrap(),
        "Existing stock, removed under order 2026-17"
    );
    let written = std::fs::read_to_string(&waivers).expect("the waivers file is written");
    let parsed = tenderscan::review::parse_waivers(&written).unwrap();
    assert!(parsed.iter().any(|w| w.fingerprint == fp
        && w.reviewer == "C. Councillor"
        && w.reason == "Existing stock, removed under order 2026-17"));
    let png = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-report.png"),
        png,
    )
    .unwrap();

    // The same waivers file accepts it on the command line too.
    let o = Command::new(env!("CARGO_BIN_EXE_tenderscan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan",
            FIXTURE,
            "-q",
            "--no-cache",
            "--format",
            "json",
            "--waivers",
        ])
        .arg(&waivers)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["summary"]["accepted_and_baseline"]["waived"]
            .as_u64()
            .unwrap()
            >= 1
    );
}
