//! The HTML report in a real headless browser (Debian's `chromium`): the counts it shows equal the
//! JSON output, markup injected by a contract (or its file name) stays inert, and a filter preset in
//! the URL fragment hides what it should. Also leaves a screenshot at `target/html-report.png`.
//!
//! Skips with a message when chromium is not installed, except under CI (`CI` set), where it must run.

mod common;

use common::chromium;
use regex::Regex;
use std::path::Path;
use std::process::Command;

fn tenderscan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tenderscan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run tenderscan")
}

fn browser(chrome: &Path, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    let mut c = Command::new("timeout");
    c.arg("180").arg(chrome).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c.args(extra).arg(url);
    let o = c.output().expect("run chromium");
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn dump_dom(chrome: &Path, file: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}{fragment}", file.display());
    let o = browser(chrome, profile.path(), &["--dump-dom"], &url);
    let dom = String::from_utf8(o.stdout).expect("UTF-8 DOM");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not run"
    );
    dom
}

/// `data-count` of the element with this id.
fn count(dom: &str, id: &str) -> u64 {
    let re = Regex::new(&format!(r#"id="{id}" data-count="(\d+)""#)).unwrap();
    re.captures(dom)
        .unwrap_or_else(|| panic!("no #{id} in the page"))[1]
        .parse()
        .unwrap()
}

/// (verdict, entities, hidden) of every document row, in page order.
fn rows(dom: &str) -> Vec<(String, String, bool)> {
    let tr = Regex::new(r#"<tr class="doc-row"[^>]*>"#).unwrap();
    let verdict = Regex::new(r#"data-verdict="([a-z]+)""#).unwrap();
    let ents = Regex::new(r#"data-entities="([^"]*)""#).unwrap();
    tr.find_iter(dom)
        .map(|m| {
            let t = m.as_str();
            (
                verdict.captures(t).unwrap()[1].to_string(),
                ents.captures(t).unwrap()[1].to_string(),
                Regex::new(r#"\shidden(=""|\s|>)"#).unwrap().is_match(t),
            )
        })
        .collect()
}

#[test]
fn html_report_in_a_headless_browser() {
    let Some(chrome) = chromium() else {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("chromium is required under CI (.ci/run installs it)");
        }
        println!("SKIPPED html_report_in_a_headless_browser: chromium is not installed (apt-get install chromium)");
        eprintln!("SKIPPED html_report_in_a_headless_browser: chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hostile_text = "Supply Contract <script>document.title='pwned'</script>\n\n\
        1. The Contractor shall supply <script>document.title='pwned'</script> Huawei \
        <img src=x onerror=\"document.title='pwned'\"> S5735 switches, 40 units \"quoted\" & more.\n";
    std::fs::write(dir.path().join("hostile.txt"), hostile_text).unwrap();
    // A hostile file name too: paths are document data.
    std::fs::write(
        dir.path()
            .join("<b id=injected>x<img src=x onerror=alert(1)>.txt"),
        "The Contractor shall not supply ZTE equipment.\n",
    )
    .unwrap();
    let inputs = ["fixtures/contracts", dir.path().to_str().unwrap()];

    let json = tenderscan(&[&["scan", "--format", "json"][..], &inputs].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let s = &v["summary"];
    let report = dir.path().join("report.html");
    let o = tenderscan(
        &[
            &[
                "scan",
                "--format",
                "html",
                "--output",
                report.to_str().unwrap(),
            ][..],
            &inputs,
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), json.status.code());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"//"));
    assert!(!html.contains("<link"), "no external assets");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::copy(&report, target.join("html-report.html")).unwrap();

    // Unfiltered: the counts equal the JSON output.
    let dom = dump_dom(&chrome, &report, "");
    for (id, key) in [
        ("count-documents", "documents"),
        ("count-fail", "fail"),
        ("count-review", "review"),
        ("count-pass", "pass"),
        ("count-unreadable", "unreadable"),
        ("count-missing-clause", "missing_clause"),
        ("count-permissive-clause", "permissive_clause"),
    ] {
        assert_eq!(count(&dom, id), s[key].as_u64().unwrap(), "{id}");
    }
    let entities = s["entities"].as_object().unwrap();
    assert_eq!(count(&dom, "count-entities"), entities.len() as u64);
    for (e, by) in entities {
        let row = Regex::new(&format!(r#"<tr data-entity="{e}">.*?</tr>"#))
            .unwrap()
            .find(&dom)
            .unwrap_or_else(|| panic!("no entity row for {e}"))
            .as_str()
            .to_string();
        for d in ["violation", "review", "excluded", "mentioned"] {
            let want = by.get(d).and_then(|n| n.as_u64()).unwrap_or(0);
            assert!(
                row.contains(&format!(r#"data-disposition="{d}" data-count="{want}""#)),
                "{e} {d}: {row}"
            );
        }
    }
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(count(&dom, "shown-count"), docs.len() as u64);
    let all_rows = rows(&dom);
    assert_eq!(all_rows.len(), docs.len());
    assert!(
        all_rows.iter().all(|r| !r.2),
        "nothing hidden without a filter"
    );
    let n_findings: usize = docs
        .iter()
        .map(|d| d["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(dom.matches("<li class=\"finding ").count(), n_findings);
    assert_eq!(dom.matches("<mark>").count(), n_findings);
    for t in s["inventory"].as_array().unwrap() {
        let want = format!(
            r#"<tr data-entity="{}" data-devices="{}" data-amount="{}" data-currency="{}">"#,
            t["entity"].as_str().unwrap(),
            t["devices"].as_f64().unwrap(),
            t["amount"].as_f64().unwrap(),
            t["currency"].as_str().unwrap()
        );
        assert!(dom.contains(&want), "{want}");
    }
    assert!(
        dom.contains(r#"<tr data-entity="hikvision" data-devices="#),
        "the BOQ fixtures put Hikvision in the inventory"
    );
    // The BOQ row's excerpt with the match highlighted, and its list linked to its legal source.
    assert!(dom.contains(
        "1 | 網路攝影機（半球型，400萬畫素） | <mark>海康威視</mark> | DS-2CD2143G2-I | 20 | 4,800"
    ));
    assert!(dom.contains(r#"<a href="https://www.acquisition.gov/far/52.204-25" rel="noopener noreferrer" target="_blank">us-ndaa-889</a>"#));

    // Injected markup stayed text: the title is ours, the only script is ours, no injected element.
    let title = Regex::new(r"<title>([^<]*)</title>").unwrap();
    assert_eq!(&title.captures(&dom).unwrap()[1], "tenderscan report");
    assert!(!dom.contains("pwned</title>"));
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!dom.contains("<img"), "no injected image element");
    assert!(
        !dom.contains("<b id="),
        "no injected element from a file name"
    );
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt; <mark>Huawei</mark> &lt;img src=x onerror=\"document.title='pwned'\"&gt;"));
    assert!(dom.contains("&lt;b id=injected&gt;x&lt;img src=x onerror=alert(1)&gt;.txt"));

    // A filter from the fragment hides every row and document of another verdict.
    let dom = dump_dom(&chrome, &report, "#verdict=fail");
    let r = rows(&dom);
    assert_eq!(r.len(), docs.len());
    for (verdict, _, hidden) in &r {
        assert_eq!(*hidden, verdict != "fail", "verdict {verdict}");
    }
    assert_eq!(count(&dom, "shown-count"), s["fail"].as_u64().unwrap());
    let articles = Regex::new(r#"<article class="doc"[^>]*>"#).unwrap();
    for a in articles.find_iter(&dom) {
        let a = a.as_str();
        assert_eq!(
            a.contains(" hidden"),
            !a.contains(r#"data-verdict="fail""#),
            "{a}"
        );
    }

    // Entity and list filters combine: lenovo is only under review, and only on tw-ey-2019.
    let dom = dump_dom(&chrome, &report, "#entity=lenovo&list=tw-ey-2019");
    let shown: Vec<_> = rows(&dom).into_iter().filter(|r| !r.2).collect();
    let want = docs
        .iter()
        .filter(|d| {
            d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["entity"] == "lenovo")
        })
        .count();
    assert_eq!(shown.len(), want);
    assert!(want >= 1);
    assert!(shown
        .iter()
        .all(|r| r.0 == "review" && r.1.split(' ').any(|e| e == "lenovo")));
    assert_eq!(count(&dom, "shown-count"), want as u64);
    let dom = dump_dom(&chrome, &report, "#entity=lenovo&list=us-ndaa-889");
    assert_eq!(count(&dom, "shown-count"), 0);

    // Sorting preset from the fragment: most findings first, ties in input order.
    let dom = dump_dom(&chrome, &report, "#sort=-findings");
    let n = Regex::new(r#"<tr class="doc-row" id="row-(\d+)"[^>]*data-findings="(\d+)""#).unwrap();
    let order: Vec<(usize, usize)> = n
        .captures_iter(&dom)
        .map(|c| (c[2].parse().unwrap(), c[1].parse().unwrap()))
        .collect();
    assert_eq!(order.len(), docs.len());
    let mut want: Vec<(usize, usize)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d["findings"].as_array().unwrap().len(), i))
        .collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(order, want);
    assert!(
        dom.contains(r#"data-key="findings" data-type="num" class="num" aria-sort="descending""#)
    );

    // The artefact: a screenshot to look at.
    let shot = target.join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    browser(
        &chrome,
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
        &format!("file://{}", report.display()),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
}
