//! Issue 22: nothing hangs (FIFOs, devices), nothing counts twice (duplicate inputs), no report
//! poisons the next (reports in a scanned folder, the run's own --output), exit codes and error
//! classes say the truth, the cache is private and manageable, passwords need not be on the command
//! line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::{bin, jsonl, stdout, write};

const ISOLATIONS: [&str; 2] = ["process", "thread"];

/// Run with a watchdog: a run that hangs is killed and fails the test (a guard, not a timing).
fn run_guarded(mut c: Command) -> Output {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().expect("run tenderscan");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(o) => o.expect("tenderscan output"),
        Err(_) => {
            // SAFETY: kill takes plain integers; the pid is our own child's.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
            panic!("tenderscan hung (killed after 60 s)");
        }
    }
}

fn scan(args: &[&str]) -> Output {
    let mut c = bin();
    c.arg("scan").args(args);
    run_guarded(c)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn by_name<'a>(docs: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("{name} missing from {docs:#?}"))
}

fn mkfifo(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", p.display());
}

#[test]
fn fifos_and_devices_are_refused_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", "Supply 4 Huawei switches.\n");
    mkfifo(&d.join("x.pdf"));
    // Not named like a contract: skipped like any other such file, never opened.
    mkfifo(&d.join("pipe"));
    let fifo = d.join("x.pdf");
    for iso in ISOLATIONS {
        let o = scan(&[s(d), "--format", "jsonl", "--isolation", iso]);
        let docs = jsonl(&o);
        assert_eq!(docs.len(), 2, "{iso}: {docs:#?}");
        assert_eq!(by_name(&docs, "a.txt")["verdict"], "fail", "{iso}");
        let x = by_name(&docs, "x.pdf");
        assert_eq!(x["status"], "error", "{iso}");
        assert_eq!(x["error_class"], "io", "{iso}");
        assert_eq!(x["error"], "not a regular file", "{iso}");
        assert_eq!(o.status.code(), Some(1), "{iso}");

        // On the command line, with /dev/zero, which would never end.
        let o = scan(&[
            s(&fifo),
            "/dev/zero",
            "--format",
            "jsonl",
            "--isolation",
            iso,
        ]);
        let docs = jsonl(&o);
        assert_eq!(docs.len(), 2, "{iso}: {docs:#?}");
        for d in &docs {
            assert_eq!(d["error_class"], "io", "{iso}: {d}");
            assert_eq!(d["error"], "not a regular file", "{iso}: {d}");
            assert_eq!(d["verdict"], "unreadable", "{iso}: {d}");
        }
        assert_eq!(docs[1]["path"], "/dev/zero");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{iso}: unreadable, not a usage error"
        );

        // Listed in --files-from.
        let list = write(d, "list.lst", &format!("{}\n/dev/zero\n", fifo.display()));
        let o = scan(&["--files-from", s(&list), "-f", "jsonl", "--isolation", iso]);
        let docs = jsonl(&o);
        assert_eq!(docs.len(), 2, "{iso}");
        assert!(docs.iter().all(|d| d["error"] == "not a regular file"));
    }
    for target in [s(&fifo), "/dev/zero"] {
        let mut c = bin();
        c.args(["extract", target]);
        let o = run_guarded(c);
        assert_eq!(o.status.code(), Some(2), "extract {target}");
        assert!(o.stdout.is_empty());
        assert!(
            stderr(&o).contains("not a regular file"),
            "extract {target}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn inputs_reached_twice_are_read_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = d.join("tenders");
    std::fs::create_dir(&folder).unwrap();
    let a = write(&folder, "a.txt", "Supply 4 Huawei switches.\n");
    write(&folder, "b.txt", "Catering for 200 guests.\n");
    std::fs::hard_link(&a, d.join("hard.txt")).unwrap();
    std::os::unix::fs::symlink(&a, d.join("soft.txt")).unwrap();
    // The same file four ways, and the folder holding it, with blank and whitespace-only lines.
    let list = write(
        d,
        "list",
        &format!(
            "{a}\n\n   \n\t\n{a}\n{hard}\n{soft}\n{folder}\n \r\n",
            a = a.display(),
            hard = d.join("hard.txt").display(),
            soft = d.join("soft.txt").display(),
            folder = folder.display()
        ),
    );
    for iso in ISOLATIONS {
        let o = scan(&["--files-from", s(&list), "-f", "jsonl", "--isolation", iso]);
        let docs = jsonl(&o);
        assert_eq!(docs.len(), 2, "{iso}: a.txt and b.txt once each: {docs:#?}");
        assert_eq!(docs[0]["path"], s(&a));
        assert_eq!(docs[0]["verdict"], "fail");
        assert_eq!(docs[0]["findings"].as_array().unwrap().len(), 1);
        let w = docs[0]["warnings"].as_array().unwrap();
        assert_eq!(w.len(), 1, "{iso}: {w:?}");
        let w = w[0].as_str().unwrap();
        for other in ["hard.txt", "soft.txt", "tenders/a.txt"] {
            assert!(w.contains(other), "{iso}: {other} named in {w}");
        }
        assert!(docs[1]["path"].as_str().unwrap().ends_with("b.txt"));
        assert!(docs[1]["warnings"].as_array().unwrap().is_empty());
        // The JSON summary counts one document that fails.
        let o = scan(&["--files-from", s(&list), "-f", "json", "--isolation", iso]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["summary"]["documents"], 2);
        assert_eq!(v["summary"]["fail"], 1);
        assert_eq!(v["summary"]["entities"]["huawei"]["violation"], 1);
    }
}

/// Every report format, written into the folder that is scanned (under a contract's extension),
/// is skipped the next time and named; the run's own --output is never read.
#[test]
fn reports_in_the_scanned_folder_are_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", "Supply 4 Huawei switches.\n");
    write(
        d,
        "b.md",
        "# Tender\n\nThe Contractor shall supply 40 Hikvision cameras.\n",
    );
    let formats = ["text", "json", "jsonl", "csv", "sarif", "html", "markdown"];
    for f in formats {
        let out = d.join(format!("report-{f}.txt"));
        let o = scan(&[s(d), "-f", f, "-o", s(&out), "--isolation", "thread"]);
        assert_eq!(o.status.code(), Some(1), "{f}: {}", stderr(&o));
        let written = std::fs::read(&out).unwrap();
        assert_eq!(
            tenderscan::report::own_report_format(&written[..written.len().min(1024)]),
            Some(f),
            "{f}"
        );
    }
    // And as Markdown under .md.
    let md = d.join("memo.md");
    scan(&[
        s(d),
        "-f",
        "markdown",
        "-o",
        s(&md),
        "--isolation",
        "thread",
    ]);
    let o = scan(&[s(d), "-f", "json", "--isolation", "thread"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let docs = v["documents"].as_array().unwrap();
    let paths: Vec<&str> = docs.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(docs.len(), 2, "only the two contracts: {paths:?}");
    assert_eq!(v["summary"]["fail"], 2);
    let skipped: Vec<&str> = v["summary"]["skipped_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), formats.len() + 1, "{skipped:?}");
    assert!(skipped.iter().any(|p| p.ends_with("memo.md")));
    let err = stderr(&o);
    assert!(
        err.contains("skipped")
            && err.contains("report-markdown.txt")
            && err.contains("a report tenderscan wrote"),
        "{err}"
    );
    // The run's own --output is never read, whatever it holds.
    let own = write(d, "zz-out.txt", "Supply 4 ZTE routers.\n");
    let o = scan(&[s(d), "-f", "jsonl", "-o", s(&own), "--isolation", "thread"]);
    assert!(
        stderr(&o).contains("it is this run's --output"),
        "{}",
        stderr(&o)
    );
    let docs: Vec<serde_json::Value> = std::fs::read_to_string(&own)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "{docs:#?}");
    assert!(docs
        .iter()
        .all(|x| !x["path"].as_str().unwrap().ends_with("zz-out.txt")));
}

#[test]
fn output_is_checked_first_and_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", "Supply 4 Huawei switches.\n");
    // A folder that does not exist: a usage error, before any document is read.
    let o = scan(&[
        s(d),
        "-o",
        s(&d.join("no/such/folder/r.md")),
        "-f",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    // A folder as the output.
    let o = scan(&[s(d), "-o", s(d)]);
    assert_eq!(o.status.code(), Some(2));
    // Replacing a report keeps its permissions and leaves no temporary file.
    use std::os::unix::fs::PermissionsExt;
    let out_dir = tempfile::tempdir().unwrap();
    let out = write(out_dir.path(), "r.jsonl", "old\n");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = scan(&[s(d), "-f", "jsonl", "-o", s(&out), "--isolation", "thread"]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("{\"path\":"), "{text}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let left: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the report: {left:?}");
}

#[test]
fn exit_codes_and_error_classes_say_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Only unreadable files, whole and in shards: 1 (an unreadable document fails), never 2.
    let names: Vec<PathBuf> = (0..12)
        .map(|i| d.join(format!("missing-{i}.pdf")))
        .collect();
    let list = write(
        d,
        "list",
        &names
            .iter()
            .map(|p| format!("{}\n", p.display()))
            .collect::<String>(),
    );
    let o = scan(&["--files-from", s(&list), "-f", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(jsonl(&o).len(), 12);
    let mut seen = 0;
    for k in 1..=3 {
        let o = scan(&[
            "--files-from",
            s(&list),
            "-f",
            "jsonl",
            "--shard",
            &format!("{k}/3"),
        ]);
        let n = jsonl(&o).len();
        seen += n;
        let want = if n == 0 { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "shard {k}/3 with {n} inputs");
    }
    assert_eq!(seen, 12);
    // A shard that holds nothing (one input, many shards): not an error.
    let one = write(d, "one.txt", "Catering for 200 guests.\n");
    let codes: Vec<Option<i32>> = (1..=4)
        .map(|k| scan(&[s(&one), "--shard", &format!("{k}/4")]).status.code())
        .collect();
    assert!(codes.iter().all(|c| *c == Some(0)), "{codes:?}");
    // Nothing found at all is still a usage error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(scan(&[s(empty.path())]).status.code(), Some(2));

    // --max-file-bytes is a limit.
    let big = write(d, "big.txt", &"Supply 4 Huawei switches. ".repeat(100));
    for iso in ISOLATIONS {
        let o = scan(&[
            s(&big),
            "--max-file-bytes",
            "1K",
            "-f",
            "jsonl",
            "--isolation",
            iso,
        ]);
        let docs = jsonl(&o);
        assert_eq!(docs[0]["error_class"], "limit", "{iso}: {}", docs[0]);
        assert!(docs[0]["error"]
            .as_str()
            .unwrap()
            .contains("--max-file-bytes"));
        assert_eq!(o.status.code(), Some(1));
    }

    // A PDF whose /Encrypt dictionary is damaged (no /O, /U): malformed, not encrypted; the same
    // PDF without it reads.
    let plain = d.join("plain.pdf");
    std::fs::write(&plain, tiny_pdf("", &[])).unwrap();
    let damaged = d.join("damaged.pdf");
    std::fs::write(
        &damaged,
        tiny_pdf(
            "/Encrypt 6 0 R",
            &["<< /Filter /Standard /V 1 /R 2 /P -4 >>"],
        ),
    )
    .unwrap();
    let o = scan(&[s(&plain), s(&damaged), "-f", "jsonl", "--no-cache"]);
    let docs = jsonl(&o);
    assert_eq!(docs[0]["verdict"], "fail", "{}", docs[0]);
    assert_eq!(docs[0]["findings"][0]["entity"], "huawei");
    // Damage, never "encrypted" (and not rebuilt into garbage: its streams could be encrypted).
    assert_eq!(docs[1]["error_class"], "malformed", "{}", docs[1]);
    assert!(
        docs[1]["error"]
            .as_str()
            .unwrap()
            .contains("encryption dictionary is damaged"),
        "{}",
        docs[1]
    );
}

/// A one-page PDF saying "Supply 4 Huawei switches.", with extra trailer keys and objects (6 0 obj
/// onwards), and a correct cross-reference table.
fn tiny_pdf(extra_trailer: &str, extra_objs: &[&str]) -> Vec<u8> {
    let content = "BT /F1 12 Tf 72 700 Td (Supply 4 Huawei switches.) Tj ET";
    let stream = format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    );
    let mut objs: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
        stream,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    objs.extend(extra_objs.iter().map(|s| s.to_string()));
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objs.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R {extra_trailer} >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    ));
    out.into_bytes()
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(cache_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn cache_cmd(args: &[&str]) -> Output {
    let mut c = bin();
    c.arg("cache").args(args);
    run_guarded(c)
}

#[test]
fn the_cache_is_private_listed_cleared_and_bounded() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("c");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let docs = [
        "fixtures/contracts/zh_boq_violation.docx",
        "fixtures/contracts/en_cloud_missing_clause.docx",
        "fixtures/contracts/en_removal.docx",
    ];
    let scan_cached = |doc: &str, max: &str| {
        let o = scan(&[
            doc,
            "-f",
            "jsonl",
            "--cache-dir",
            s(&cache),
            "--cache-max-size",
            max,
            "--isolation",
            "thread",
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        assert!(
            !stderr(&o).contains("cache cannot be used"),
            "{}",
            stderr(&o)
        );
        o
    };
    scan_cached(docs[0], "1G");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(files[0].parent().unwrap()), 0o700);
    assert_eq!(mode(&files[0]), 0o600);
    // A folder made by someone with wider permissions is narrowed when used.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    scan_cached(docs[1], "1G");
    assert_eq!(mode(&cache), 0o700);

    let o = cache_cmd(&["info", "--cache-dir", s(&cache)]);
    assert_eq!(o.status.code(), Some(0));
    let info = stdout(&o);
    assert!(
        info.contains(&format!("cache: {}", cache.display())),
        "{info}"
    );
    assert!(info.contains("entries: 2"), "{info}");
    let size: u64 = cache_files(&cache)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(info.contains(&format!("size: {size} bytes")), "{info}");

    // Least recently used out. Entries e0 (oldest) and e1, then e2; a hit on e0 makes it the
    // most recently used, and a limit with room for two removes e1, not e0.
    let set_age = |p: &Path, secs: u64| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - Duration::from_secs(secs))
            .unwrap();
    };
    let len = |p: &Path| std::fs::metadata(p).unwrap().len();
    scan_cached(docs[0], "1G"); // (already there: a hit)
    let two = cache_files(&cache);
    scan_cached(docs[2], "1G");
    let three = cache_files(&cache);
    let e2 = three.iter().find(|p| !two.contains(p)).unwrap().clone();
    // Which of the first two is docs[0]'s: the one a hit touches.
    for p in &two {
        set_age(p, 900);
    }
    scan_cached(docs[0], "1G");
    let recent = std::time::SystemTime::now() - Duration::from_secs(60);
    let e0 = two
        .iter()
        .find(|p| std::fs::metadata(p).unwrap().modified().unwrap() > recent)
        .expect("a hit touches its entry")
        .clone();
    let e1 = two.iter().find(|p| **p != e0).unwrap().clone();
    set_age(&e0, 900);
    set_age(&e1, 600);
    set_age(&e2, 300);
    let limit = len(&e0) + len(&e2);
    assert!(limit < len(&e0) + len(&e1) + len(&e2));
    scan_cached(docs[0], &limit.to_string());
    let after = cache_files(&cache);
    assert_eq!(after, {
        let mut v = vec![e0.clone(), e2.clone()];
        v.sort();
        v
    });

    // A temporary file left by a killed process is removed once stale; a fresh one is kept.
    let shard = after[0].parent().unwrap();
    let stale = shard.join(format!(".{}.4242.tmp", "0".repeat(64)));
    let fresh = shard.join(format!(".{}.4243.tmp", "1".repeat(64)));
    std::fs::write(&stale, b"half").unwrap();
    std::fs::write(&fresh, b"half").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(7200))
        .unwrap();
    scan_cached(docs[0], "1G");
    assert!(!stale.exists());
    assert!(fresh.exists());

    // clear removes the cache's own files and nothing else.
    let mine = write(&cache, "notes.txt", "keep me");
    let o = cache_cmd(&["clear", "--cache-dir", s(&cache)]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("removed 3 entries"), "{}", stdout(&o));
    assert_eq!(cache_files(&cache), vec![mine]);
    let info = stdout(&cache_cmd(&["info", "--cache-dir", s(&cache)]));
    assert!(info.contains("entries: 0"), "{info}");

    // The default folder follows XDG_CACHE_HOME.
    let mut c = bin();
    c.env("XDG_CACHE_HOME", root.path()).args(["cache", "info"]);
    let info = stdout(&run_guarded(c));
    assert!(
        info.contains(&format!(
            "cache: {}",
            root.path().join("tenderscan").display()
        )),
        "{info}"
    );

    // A cache that cannot be used is told, and the scan goes on without it.
    let not_a_dir = write(root.path(), "file", "x");
    let o = scan(&[
        docs[0],
        "-f",
        "jsonl",
        "--cache-dir",
        s(&not_a_dir.join("sub")),
        "--isolation",
        "thread",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(jsonl(&o)[0]["findings"][0]["entity"], "hikvision");
    assert!(
        stderr(&o).contains("the extracted-text cache cannot be used"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn passwords_from_a_file_or_the_environment() {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/pdf-encrypted/pypdf-samples__libreoffice-writer-password.pdf");
    if !pdf.exists() {
        eprintln!("skipped: the shared corpus is not at {}", pdf.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pwfile = write(dir.path(), "pw", "wrong\n\nopenpassword\r\n");
    let status = |o: &Output| jsonl(o)[0]["status"].as_str().unwrap().to_string();
    let base = [s(&pdf), "-f", "jsonl", "--no-cache"];
    assert_eq!(status(&scan(&base)), "error");
    let mut args = base.to_vec();
    args.extend(["--password-file", s(&pwfile)]);
    for iso in ISOLATIONS {
        let mut a = args.clone();
        a.extend(["--isolation", iso]);
        assert_eq!(status(&scan(&a)), "ok", "{iso}");
    }
    let mut c = bin();
    c.env("TENDERSCAN_PASSWORDS", "nope\nopenpassword")
        .arg("scan")
        .args(base);
    assert_eq!(status(&run_guarded(c)), "ok");
    let mut c = bin();
    c.env("TENDERSCAN_PASSWORDS", "openpassword")
        .args(["extract", s(&pdf)]);
    let o = run_guarded(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!o.stdout.is_empty());
    // A password file that cannot be read is a usage error.
    let o = scan(&[s(&pdf), "--password-file", s(&dir.path().join("none"))]);
    assert_eq!(o.status.code(), Some(2));
}
