//! The command line as a user meets it: exit codes, the JSON Lines contract, determinism across
//! `--jobs`, list restriction, pattern validation.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{bin, jsonl, run, stdout, write};

/// The documents in fixtures/contracts (the files beside their expected findings).
fn fixture_documents() -> usize {
    std::fs::read_dir("fixtures/contracts")
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            !p.to_string_lossy().ends_with(".expected.toml")
        })
        .count()
}

#[test]
fn jsonl_contract_on_fixtures() {
    let o = run(&[
        "scan",
        "fixtures/contracts",
        "--format",
        "jsonl",
        "--jobs",
        "2",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "fixtures contain failing contracts"
    );
    let docs = jsonl(&o);
    let n_docs = fixture_documents();
    assert_eq!(docs.len(), n_docs, "every document exactly once");
    let paths: Vec<&str> = docs.iter().map(|d| d["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "input order is sorted path order");
    for d in &docs {
        for key in [
            "path",
            "format",
            "status",
            "error",
            "pages",
            "verdict",
            "document_kind",
            "findings",
        ] {
            assert!(d.get(key).is_some(), "document lacks {key}: {d}");
        }
        assert!(["ok", "no-text", "error"].contains(&d["status"].as_str().unwrap()));
        assert!(["fail", "review", "pass", "unreadable"].contains(&d["verdict"].as_str().unwrap()));
        for f in d["findings"].as_array().unwrap() {
            for key in [
                "kind",
                "rule",
                "entity",
                "list",
                "disposition",
                "severity",
                "text",
                "excerpt",
                "page",
                "paragraph",
                "message",
            ] {
                assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
            }
            let kind = f["kind"].as_str().unwrap();
            assert!(["mention", "missing-clause", "permissive-clause"].contains(&kind));
            if kind == "mention" {
                assert!(["violation", "excluded", "review", "mentioned"]
                    .contains(&f["disposition"].as_str().unwrap()));
                assert!(f["entity"].is_string() && f["list"].is_string());
            } else {
                assert!(f["entity"].is_null() && f["disposition"].is_null());
            }
            assert!(["high", "medium", "low", "info"].contains(&f["severity"].as_str().unwrap()));
        }
    }
    let zh = docs
        .iter()
        .find(|d| {
            d["path"]
                .as_str()
                .unwrap()
                .ends_with("zh_simplified_violation.txt")
        })
        .unwrap();
    assert_eq!(zh["verdict"], "fail");
    assert_eq!(zh["format"], "txt");
    assert_eq!(zh["findings"][0]["entity"], "huawei");
    assert_eq!(zh["findings"][0]["disposition"], "violation");
    assert_eq!(zh["findings"][0]["text"], "华为");
}

/// The process ends without taking down what it built (`_exit`) once its output is flushed: every
/// byte is written first, to standard output and to an `--output` file, in both isolation modes and
/// with the exit code of the verdicts.
#[test]
fn a_scan_writes_all_its_output_before_it_ends() {
    let n_docs = fixture_documents();
    let dir = tempfile::tempdir().unwrap();
    for isolation in ["thread", "process"] {
        let o = run(&[
            "scan",
            "fixtures/contracts",
            "--format",
            "jsonl",
            "--isolation",
            isolation,
        ]);
        assert_eq!(o.status.code(), Some(1), "{isolation}");
        assert!(
            stdout(&o).ends_with("}\n"),
            "{isolation}: the last line is whole"
        );
        assert_eq!(jsonl(&o).len(), n_docs, "{isolation}");

        let file = dir.path().join(format!("{isolation}.json"));
        let o = run(&[
            "scan",
            "fixtures/contracts",
            "--format",
            "json",
            "--isolation",
            isolation,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{isolation}");
        let whole: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(whole["documents"].as_array().unwrap().len(), n_docs);
        assert_eq!(whole["summary"]["documents"], n_docs);
    }
}

#[test]
fn output_is_identical_for_any_jobs() {
    let a = run(&[
        "scan",
        "fixtures/contracts",
        "--format",
        "jsonl",
        "--jobs",
        "1",
    ]);
    let b = run(&[
        "scan",
        "fixtures/contracts",
        "--format",
        "jsonl",
        "--jobs",
        "2",
    ]);
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(stdout(&a), stdout(&b));
}

/// Repeated runs with two workers give byte-identical output in both isolation modes (the full
/// shared-corpus version, 20 runs, is `scripts/determinism.sh`).
#[test]
fn repeated_runs_are_byte_identical() {
    for isolation in ["process", "thread"] {
        let runs: Vec<Output> = (0..5)
            .map(|_| {
                run(&[
                    "scan",
                    "fixtures/contracts",
                    "--format",
                    "jsonl",
                    "--jobs",
                    "2",
                    "--no-cache",
                    "--isolation",
                    isolation,
                ])
            })
            .collect();
        assert!(!runs[0].stdout.is_empty());
        for (i, o) in runs.iter().enumerate().skip(1) {
            assert_eq!(
                o.status.code(),
                runs[0].status.code(),
                "{isolation} run {i}"
            );
            assert!(
                o.stdout == runs[0].stdout,
                "{isolation}: run {i} differs from run 0"
            );
        }
    }
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(
        dir.path(),
        "catering.txt",
        "Catering for the council meeting: lunch for 200 guests at 南京東路 hall.\n",
    );
    let o = run(&["scan", clean.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("PASS"));

    let bad = write(
        dir.path(),
        "cams.txt",
        "The Contractor shall supply 40 Hikvision DS-2CD2143G2-I cameras.\n",
    );
    let o = run(&["scan", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("VIOLATION"));

    let review = write(
        dir.path(),
        "laptops.txt",
        "The Contractor shall supply 30 Lenovo ThinkPad laptops. FAR 52.204-25 applies to this contract.\n",
    );
    let o = run(&["scan", review.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "review does not fail by default: {}",
        stdout(&o)
    );
    let o = run(&["scan", review.to_str().unwrap(), "--fail-on", "review"]);
    assert_eq!(o.status.code(), Some(1));

    // Usage errors and unreadable input.
    assert_eq!(run(&["scan"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    // An unreadable input is not a usage error: it has its record, and it fails.
    let o = run(&["scan", "no/such/file.pdf", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let docs = jsonl(&o);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["status"], "error");
    assert_eq!(docs[0]["verdict"], "unreadable");
    assert_eq!(docs[0]["error_class"], "io");
}

#[test]
fn list_restriction_changes_status() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "phones.txt",
        "The Contractor shall supply 30 Xiaomi Redmi phones. FAR 52.204-25 applies to this contract.\n",
    );
    let o = run(&["scan", p.to_str().unwrap(), "--format", "jsonl"]);
    let d = &jsonl(&o)[0];
    assert_eq!(d["findings"][0]["entity"], "xiaomi");
    assert_eq!(d["findings"][0]["disposition"], "violation");
    assert_eq!(d["findings"][0]["list"], "tw-ey-2019");
    // Xiaomi is not on the US list: restricted to it, the mention is not reported.
    let o = run(&[
        "scan",
        p.to_str().unwrap(),
        "--format",
        "jsonl",
        "--list",
        "us-ndaa-889",
    ]);
    let d = &jsonl(&o)[0];
    assert_eq!(d["findings"].as_array().unwrap().len(), 0, "{d}");
    assert_eq!(d["verdict"], "pass");
    let o = run(&["scan", p.to_str().unwrap(), "--list", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown list 'nope'"));
}

#[test]
fn folder_walk_skips_and_counts_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.txt", "Supply 40 Hikvision cameras.\n");
    write(dir.path(), "a.md", "# Catering\n\nLunch.\n");
    // An image gets a record (it could be a scan: issue 18); a file of no document type is
    // skipped and counted.
    write(dir.path(), "photo.jpg", "\u{FF}\u{D8}not a contract");
    write(dir.path(), "drawing.dwg", "AC1032");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "c.txt", "華為交換器 4 台\n");
    let o = run(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<String> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            Path::new(d["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(paths, ["a.md", "b.txt", "photo.jpg", "c.txt"]);
    assert_eq!(v["summary"]["skipped"], 1);
    assert_eq!(v["summary"]["documents"], 4);
    assert_eq!(v["summary"]["fail"], 2);
    assert_eq!(v["summary"]["unreadable"], 1);
}

#[test]
fn custom_patterns_add_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let pats = dir.path().join("pats");
    std::fs::create_dir(&pats).unwrap();
    write(
        &pats,
        "acme.toml",
        "[[entity]]\nid = \"acme\"\nname = \"Acme Surveillance\"\naliases = [\"Acme Cam\"]\n\n[[list]]\nid = \"city-list\"\ntitle = \"City list\"\njurisdiction = \"TW\"\nsource = \"City ordinance\"\neffective = \"2024-01-01\"\nbanned = [\"acme\"]\n",
    );
    let o = run(&["patterns", "check", pats.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc = write(
        dir.path(),
        "d.txt",
        "The Contractor shall supply 12 Acme Cam units.\n",
    );
    let o = run(&[
        "scan",
        doc.to_str().unwrap(),
        "--patterns",
        pats.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let d = &jsonl(&o)[0];
    assert_eq!(d["findings"][0]["entity"], "acme");
    assert_eq!(d["findings"][0]["list"], "city-list");
    assert_eq!(d["findings"][0]["disposition"], "violation");

    write(
        &pats,
        "broken.toml",
        "[[entity]]\nid = \"x\"\nname = \"X\"\nmodels = ['(']\n",
    );
    let o = run(&["patterns", "check", pats.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken.toml:4:"), "{err}");
    assert!(err.contains("invalid regular expression"), "{err}");
}

#[test]
fn patterns_list_and_extract() {
    let o = run(&["patterns", "list"]);
    assert_eq!(o.status.code(), Some(0));
    let s = stdout(&o);
    assert!(s.contains("tw-ey-2019") && s.contains("us-ndaa-889"));
    assert!(s.contains("hikvision") && s.contains("海康威視"));
    let o = run(&["extract", "fixtures/contracts/zh_fullwidth_wrap.txt"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("ＨＵＡＷＥＩ"));
}

#[test]
fn terminal_output_strips_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "esc.txt",
        "Supply 4 Huawei \u{1b}[2J\u{1b}]0;pwned\u{7} switches.\n",
    );
    let o = run(&["scan", p.to_str().unwrap()]);
    assert!(!stdout(&o).contains('\u{1b}'), "{:?}", stdout(&o));
}

#[test]
fn files_from_and_shards_concatenate_to_the_whole() {
    let whole = run(&["scan", "fixtures/contracts", "--format", "jsonl"]);
    let mut whole_lines: Vec<String> = stdout(&whole).lines().map(String::from).collect();
    let mut parts = Vec::new();
    for k in 1..=3 {
        let o = run(&[
            "scan",
            "fixtures/contracts",
            "--format",
            "jsonl",
            "--shard",
            &format!("{k}/3"),
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1));
        parts.extend(stdout(&o).lines().map(String::from));
    }
    whole_lines.sort();
    parts.sort();
    assert_eq!(parts, whole_lines, "shards partition the run");

    let dir = tempfile::tempdir().unwrap();
    let list = write(
        dir.path(),
        "list.txt",
        "fixtures/contracts/zh_simplified_violation.txt\nfixtures/contracts/far_52_204_25.md\n\n",
    );
    let o = run(&[
        "scan",
        "--files-from",
        list.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let docs = jsonl(&o);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["verdict"], "fail");
    assert_eq!(docs[1]["verdict"], "pass");
    let mut c = bin();
    c.args(["scan", "--files-from", "-", "--format", "jsonl"]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"fixtures/contracts/far_52_204_25.md\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(jsonl(&o).len(), 1);
    assert_eq!(o.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn no_input_is_lost() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.txt", "Supply 4 Huawei switches.\n");
    write(d, "empty.txt", "");
    std::os::unix::fs::symlink(d.join("missing.pdf"), d.join("broken.pdf")).unwrap();
    std::fs::create_dir(d.join("loop")).unwrap();
    std::os::unix::fs::symlink(d, d.join("loop").join("back")).unwrap();
    let odd = d.join(std::ffi::OsStr::from_bytes(b"odd-\xff-name.txt"));
    std::fs::write(&odd, "華為交換器 4 台\n").unwrap();
    let o = run(&["scan", d.to_str().unwrap(), "--format", "jsonl"]);
    let docs = jsonl(&o);
    let by_name = |n: &str| {
        docs.iter()
            .find(|x| x["path"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n} missing from {docs:?}"))
    };
    assert_eq!(by_name("good.txt")["verdict"], "fail");
    assert_eq!(by_name("empty.txt")["status"], "error");
    assert_eq!(by_name("empty.txt")["error_class"], "empty");
    assert_eq!(by_name("broken.pdf")["status"], "error");
    assert_eq!(by_name("broken.pdf")["error_class"], "io");
    let lp = by_name("back");
    assert_eq!(lp["status"], "error");
    assert!(lp["error"].as_str().unwrap().contains("loop"), "{lp}");
    let odd_doc = docs
        .iter()
        .find(|x| !x["path_bytes"].is_null())
        .expect("non-UTF-8 path reported");
    let raw: Vec<u8> = odd_doc["path_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert!(raw.ends_with(b"odd-\xff-name.txt"));
    assert_eq!(odd_doc["verdict"], "fail");
    assert_eq!(docs.len(), 5, "{docs:#?}");
}

#[test]
fn worker_crash_and_timeout_cost_one_document() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_small.txt", "Supply 4 Huawei switches.\n");
    // 96 MiB of text: reading it needs more address space than a 64 MiB worker may have.
    let big = "Lorem ipsum dolor sit amet. ".repeat(96 << 20 >> 5);
    write(dir.path(), "b_big.txt", &big);
    write(dir.path(), "c_small.txt", "華為交換器 4 台\n");
    let o = run(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "jsonl",
        "--max-memory",
        "64M",
        "--jobs",
        "1",
    ]);
    let docs = jsonl(&o);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0]["verdict"], "fail");
    assert_eq!(docs[1]["status"], "error");
    assert_eq!(docs[1]["error_class"], "crash", "{}", docs[1]);
    assert_eq!(docs[1]["verdict"], "unreadable");
    assert_eq!(docs[2]["verdict"], "fail", "the replaced worker goes on");

    let o = run(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "jsonl",
        "--timeout-per-doc",
        "0.05",
        "--jobs",
        "1",
    ]);
    let docs = jsonl(&o);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[1]["error_class"], "timeout", "{}", docs[1]);
    assert_eq!(
        docs[0]["verdict"], "fail",
        "the clock starts when the worker is ready"
    );
}

/// Workers hold two requests at once: when one dies, the document queued behind the one it was
/// reading goes to its replacement, and every other document is read and reported in order.
#[test]
fn documents_queued_behind_a_crash_are_read_by_the_next_worker() {
    let dir = tempfile::tempdir().unwrap();
    let big = "Lorem ipsum dolor sit amet. ".repeat(96 << 20 >> 5);
    for i in 0..12 {
        if i == 4 || i == 9 {
            write(dir.path(), &format!("d{i:02}.txt"), &big);
        } else {
            write(
                dir.path(),
                &format!("d{i:02}.txt"),
                &format!("Item {i}: supply 4 Huawei switches.\n"),
            );
        }
    }
    for jobs in ["1", "2"] {
        let o = run(&[
            "scan",
            dir.path().to_str().unwrap(),
            "--format",
            "jsonl",
            "--max-memory",
            "64M",
            "--jobs",
            jobs,
        ]);
        let docs = jsonl(&o);
        assert_eq!(docs.len(), 12, "--jobs {jobs}");
        for (i, d) in docs.iter().enumerate() {
            let name = format!("d{i:02}.txt");
            assert!(d["path"].as_str().unwrap().ends_with(&name), "{d}");
            if i == 4 || i == 9 {
                assert_eq!(d["error_class"], "crash", "--jobs {jobs}: {d}");
            } else {
                assert_eq!(d["verdict"], "fail", "--jobs {jobs}: {d}");
                assert_eq!(d["findings"][0]["entity"], "huawei", "--jobs {jobs}: {d}");
            }
        }
    }
}

#[test]
fn cache_is_used_and_corrupt_entries_are_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "scan",
        "fixtures/contracts/zh_boq_violation.docx",
        "--format",
        "jsonl",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ];
    let first = run(&args);
    let entries: Vec<PathBuf> = walk_files(cache.path());
    assert_eq!(entries.len(), 1, "one cache entry: {entries:?}");
    let second = run(&args);
    assert_eq!(stdout(&first), stdout(&second));
    // Corrupt the entry: it is ignored, the document re-extracted, and the entry rewritten.
    std::fs::write(&entries[0], b"tenderscan-cache v1\nbad\n{}").unwrap();
    let third = run(&args);
    assert_eq!(stdout(&first), stdout(&third));
    let repaired = std::fs::read_to_string(&entries[0]).unwrap();
    assert!(repaired.contains("海康威視"), "entry rebuilt");
    // --no-cache writes nothing.
    let other = tempfile::tempdir().unwrap();
    let o = run(&[
        "scan",
        "fixtures/contracts/zh_boq_violation.docx",
        "--no-cache",
        "--cache-dir",
        other.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(walk_files(other.path()).is_empty());
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
