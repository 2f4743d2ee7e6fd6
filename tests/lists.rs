//! The shipped lists and brand database (issue 19): a brand is found under the lists that bar its
//! owner, with their dates; entries hold only between their dates; and every new name leaves its
//! trap strings alone.

mod common;

use common::{jsonl, run, write};
use tenderscan::document::{Block, BlockKind, Document, Format, Location};
use tenderscan::finding::Disposition;
use tenderscan::judge::Judge;
use tenderscan::patterns::{load, PatternSet, Status};

/// The shipped patterns, judged as of `date`.
fn set_on(date: &str) -> PatternSet {
    let mut set = load::defaults().expect("embedded patterns load");
    set.resolve(date);
    set
}

/// Judge one text (one paragraph per line) with the shipped lists as of `date`: the mention findings
/// as (entity, disposition, lists, message).
fn mentions_on(date: &str, text: &str) -> Vec<(String, Disposition, Vec<String>, String)> {
    let judge = Judge::new(set_on(date)).expect("patterns compile");
    let mut doc = Document::new(Format::Txt);
    for (i, line) in text.lines().enumerate() {
        doc.blocks.push(Block::new(
            BlockKind::Paragraph,
            line,
            Location {
                paragraph: i as u32 + 1,
                ..Default::default()
            },
        ));
    }
    judge
        .judge(&doc)
        .findings
        .into_iter()
        .filter_map(|f| {
            Some((
                f.entity.clone()?,
                f.disposition?,
                f.lists.clone(),
                f.message.clone(),
            ))
        })
        .collect()
}

/// Scan one text file with the binary (lists as of today): its JSON record.
fn scan(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "doc.txt", text);
    let o = run(&[
        "scan",
        p.to_str().unwrap(),
        "--format",
        "jsonl",
        "--no-cache",
    ]);
    jsonl(&o).remove(0)
}

fn entities_found(d: &serde_json::Value) -> Vec<String> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["entity"].as_str().map(String::from))
        .collect()
}

#[test]
fn the_database_has_the_lists_and_brands_a_reviewer_is_held_to() {
    let set = set_on("2026-12-07");
    for id in [
        "tw-ey-2019",
        "tw-ey-2020",
        "us-ndaa-889",
        "us-far-52.204-23",
        "us-far-52.204-27",
        "us-fcc-covered",
        "us-far-52.240-1",
        "us-dod-1260h",
        "us-bis-entity-list",
    ] {
        assert!(set.list(id).is_some(), "missing list {id}");
    }
    // Every mainland-Chinese entity is barred in Taiwan by the 2020 rule, named or by category.
    let tw = set.list("tw-ey-2020").unwrap();
    let cn: Vec<&str> = set
        .entities
        .iter()
        .filter(|e| e.country.as_deref() == Some("CN"))
        .map(|e| e.id.as_str())
        .collect();
    assert!(cn.len() >= 45, "{} mainland-Chinese entities", cn.len());
    for id in &cn {
        if *id == "deepseek" {
            continue; // named from 2025-02-03, checked below
        }
        if *id == "lenovo" {
            // The one contested name: named under review, which wins over the category.
            assert_eq!(tw.status_of(id), Some(Status::UnderReview));
            continue;
        }
        assert_eq!(tw.status_of(id), Some(Status::Banned), "{id} on tw-ey-2020");
    }
    // Names over entities and brands: at least 120 brands and companies besides the lists' own.
    let names: usize = set.entities.iter().map(|e| 1 + e.brands.len()).sum();
    assert!(names >= 120, "{names} companies and brands");
    // Kaspersky is Russian: the Taiwanese brand rule does not reach it, the FAR clause does.
    assert_eq!(tw.status_of("kaspersky"), None);
    assert_eq!(
        set.list("us-far-52.204-23").unwrap().status_of("kaspersky"),
        Some(Status::Banned)
    );
    // Every entry's certainty is one of the three words, and the uncertain ones say so.
    let uncertain = set
        .lists
        .iter()
        .flat_map(|l| &l.entry)
        .filter(|e| e.certainty == "uncertain")
        .count();
    assert!(uncertain >= 3, "uncertain entries are marked ({uncertain})");
}

#[test]
fn a_brand_is_found_under_its_owners_lists_with_their_dates() {
    // EZVIZ is Hikvision's: Taiwan's 2020 rule and NDAA 889 both bar it.
    let d = scan("The Contractor shall supply 20 EZVIZ C6N cameras for the city hall.\n");
    let f = &d["findings"].as_array().unwrap()[0];
    assert_eq!(f["entity"], "hikvision", "{d}");
    assert_eq!(f["disposition"], "violation", "{d}");
    let lists: Vec<&str> = f["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lists.contains(&"tw-ey-2020"), "{lists:?}");
    assert!(lists.contains(&"us-ndaa-889"), "{lists:?}");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("brand or subsidiary"), "{m}");
    assert!(m.contains("tw-ey-2020 (since 2020-12-18)"), "{m}");
    assert!(
        m.contains("us-ndaa-889 (since 2019-08-13, only for public safety"),
        "{m}"
    );

    // Imou is Dahua's; Dahua is now on the Taiwanese list too (the common list names 大華).
    let m = mentions_on(
        "2026-12-07",
        "The Contractor shall supply 12 Imou Ranger cameras.",
    );
    assert_eq!(m[0].0, "dahua");
    assert!(m[0].2.contains(&"tw-ey-2020".to_string()), "{m:?}");
}

#[test]
fn the_brands_a_taiwanese_bill_of_quantities_buys_are_found() {
    for (text, entity) in [
        ("採購 TP-Link 交換器 10 台", "tplink"),
        ("採購 宇視 Uniview 網路攝影機 20 台", "uniview"),
        ("採購 浪潮 Inspur NF5280M6 伺服器 2 台", "inspur"),
        ("採購 Honor Magic6 手機 5 支", "honor"),
        ("採購 大疆 DJI Mavic 3 無人機 2 架", "dji"),
        ("採購 Kaspersky 卡巴斯基 防毒軟體授權 100 套", "kaspersky"),
        ("採購 H3C 新華三 交換器 10 台", "h3c"),
        ("採購 螢石 攝影機 10 台", "hikvision"),
        (
            "The Contractor shall supply 20 HiWatch cameras.",
            "hikvision",
        ),
        (
            "The Contractor shall supply 100 Quectel EC25-E LTE modules.",
            "quectel",
        ),
        ("採購 vivo X100 手機 10 支", "vivo"),
        ("採購 騰達 Tenda 無線基地台 5 台", "tenda"),
        (
            "The Contractor shall supply 10 UNV IPC2122LB-SF28-A cameras.",
            "uniview",
        ),
        (
            "The Contractor shall supply 6 Archer AX55 routers.",
            "tplink",
        ),
    ] {
        let m = mentions_on("2026-12-07", text);
        assert!(
            m.iter()
                .any(|(e, _, lists, _)| e == entity && !lists.is_empty()),
            "{text}: {m:?}"
        );
    }
}

#[test]
fn trap_strings_give_no_vendor_finding() {
    for text in [
        "Honor is the highest value of this council; the Medal of Honor ceremony follows.",
        "HONOR CODE: every bidder signs the honor system statement.",
        "本團隊以榮耀歸主為念，採購辦公用品。",
        "市場需求如浪潮般湧來，數位浪潮資訊化勢不可擋。",
        "本案由中華電信股份有限公司提供網路服務。",
        "The supplier shall deliver an in vivo imaging system for the laboratory.",
        "採購 螢石礦 500 公噸，供冶金使用。",
        "UNV volunteers will support the election observers.",
        "Mr. Archer shall supply the signed bid bond.",
        "本公司地址：台北市南京東路三段 100 號。",
        "This is an opportunity for every bidder to oppose the opposite view.",
        "The annual report of the council for 2025 is attached.",
        "依圖所示施作，曙光路與商湯遺址導覽牌各一面。",
        "年度報告：中國移動互聯網市場規模與中國電信市場概況。",
        "願貴公司飛黃騰達，業務蒸蒸日上。",
        "The Tcl/Tk scripts of the test harness are delivered in source.",
        "The supplier shall provide China mobile phone accessories? No: local ones.",
    ] {
        let d = scan(&format!("{text}\n"));
        assert!(entities_found(&d).is_empty(), "{text}: {d}");
    }
}

#[test]
fn an_entry_holds_only_between_its_dates() {
    // DeepSeek is named on Taiwan's list from 2025-02-03.
    let before = set_on("2025-02-02");
    let after = set_on("2025-02-03");
    assert_eq!(
        before.list("tw-ey-2020").unwrap().status_of("deepseek"),
        None
    );
    assert_eq!(
        after.list("tw-ey-2020").unwrap().status_of("deepseek"),
        Some(Status::Banned)
    );
    // DJI joined the FCC Covered List on 2025-12-22.
    assert_eq!(
        set_on("2025-12-21")
            .list("us-fcc-covered")
            .unwrap()
            .status_of("dji"),
        None
    );
    assert_eq!(
        set_on("2025-12-22")
            .list("us-fcc-covered")
            .unwrap()
            .status_of("dji"),
        Some(Status::Banned)
    );
    // The 1260H list binds DoD contracting from 2026-06-30: before, its entries are watch.
    assert_eq!(
        set_on("2026-06-29")
            .list("us-dod-1260h")
            .unwrap()
            .status_of("tencent"),
        Some(Status::Watch)
    );
    assert_eq!(
        set_on("2026-06-30")
            .list("us-dod-1260h")
            .unwrap()
            .status_of("tencent"),
        Some(Status::Banned)
    );
    // China Telecommunications Corp. left the 1260H list on 2025-01-07.
    assert!(set_on("2025-01-06")
        .list("us-dod-1260h")
        .unwrap()
        .status_of("china_telecom")
        .is_some());
    assert_eq!(
        set_on("2025-01-07")
            .list("us-dod-1260h")
            .unwrap()
            .status_of("china_telecom"),
        None
    );
    // Before the Taiwanese rule of 2020-12-18, TP-Link was on no list.
    let m = mentions_on("2020-12-17", "採購 TP-Link 交換器 10 台");
    assert!(m.is_empty(), "{m:?}");
    let m = mentions_on("2020-12-18", "採購 TP-Link 交換器 10 台");
    assert_eq!(m[0].0, "tplink");
    assert_eq!(m[0].1, Disposition::Violation);
    assert!(m[0].3.contains("since 2020-12-18"), "{}", m[0].3);
}

#[test]
fn a_brand_follows_its_owner_over_time() {
    // Honor was Huawei's until 2020-11-17: NDAA 889 covered it through its owner until then.
    let s = set_on("2020-06-01");
    let st = s.list("us-ndaa-889").unwrap().standing("honor").unwrap();
    assert_eq!(st.status, Status::Banned);
    assert_eq!(
        st.basis,
        tenderscan::patterns::Basis::Owner {
            owner: "huawei".into()
        }
    );
    let s = set_on("2021-06-01");
    assert_eq!(s.list("us-ndaa-889").unwrap().status_of("honor"), None);
    // Taiwan's rule covers it as a mainland-Chinese brand whoever owns it.
    assert_eq!(
        s.list("tw-ey-2020").unwrap().status_of("honor"),
        Some(Status::Banned)
    );
    // Lorex was Dahua's until its sale (2022-11-24): covered by NDAA 889 before, by nothing after.
    let m = mentions_on(
        "2021-06-01",
        "The Contractor shall supply 5 Lorex security cameras.",
    );
    assert_eq!(m[0].0, "lorex", "{m:?}");
    assert!(m[0].3.contains("through its owner dahua"), "{}", m[0].3);
    let m = mentions_on(
        "2023-06-01",
        "The Contractor shall supply 5 Lorex security cameras.",
    );
    assert!(m.is_empty(), "{m:?}");
}

#[test]
fn a_use_scoped_entry_asks_for_review_not_a_violation() {
    // NDAA 889 covers Hikvision only for public safety, government facilities, critical
    // infrastructure and national security: a classroom monitor is for review on the US list alone.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "monitors.txt",
        "The Contractor shall supply 30 Hikvision LCD monitors for classrooms.\n",
    );
    let o = run(&[
        "scan",
        p.to_str().unwrap(),
        "--format",
        "jsonl",
        "--no-cache",
        "--list",
        "us-ndaa-889",
    ]);
    let d = &jsonl(&o)[0];
    let f = &d["findings"].as_array().unwrap()[0];
    assert_eq!(f["entity"], "hikvision", "{d}");
    assert_eq!(f["disposition"], "review", "{d}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("only for public safety"),
        "{d}"
    );
    // The Taiwanese rule has no such limit.
    let o = run(&[
        "scan",
        p.to_str().unwrap(),
        "--format",
        "jsonl",
        "--no-cache",
        "--list",
        "tw-ey-2020",
    ]);
    let d = &jsonl(&o)[0];
    assert_eq!(d["findings"][0]["disposition"], "violation", "{d}");
    // China Mobile's FCC entry is its US subsidiary's section 214 services: review.
    let m = mentions_on(
        "2026-12-07",
        "The Contractor shall provide 5G services using China Mobile routers.",
    );
    let cm = m
        .iter()
        .find(|x| x.0 == "china_mobile")
        .expect("china mobile");
    assert!(cm.2.contains(&"tw-ey-2020".to_string()), "{m:?}");
}

#[test]
fn patterns_list_shows_the_new_lists_and_brands() {
    let o = run(&["patterns", "list"]);
    let t = common::stdout(&o);
    assert!(t.contains("tw-ey-2020"), "{t}");
    assert!(t.contains("us-fcc-covered"), "{t}");
    assert!(
        t.contains("  tplink  TP-Link Technologies Co., Ltd."),
        "{t}"
    );
    // explain speaks to a lawyer: owners with dates, example model numbers, each list's standing.
    let o = run(&["explain", "honor"]);
    assert!(o.status.success());
    let t = common::stdout(&o);
    assert!(t.contains("  owner: huawei (until 2020-11-17)"), "{t}");
    assert!(t.contains("  example models: Honor Magic6 Pro"), "{t}");
    assert!(t.contains("    tw-ey-2020 (banned): "), "{t}");
    assert!(
        t.contains("      standing: since 2020-12-18, by category: every mainland-Chinese brand"),
        "{t}"
    );
}
