//! `assess` on the fixture site: every leaf's verdict against the golden file, and the planted
//! compliant and non-compliant cases of `fixtures/site/PLANTED.md` decided as an assessor would.
//!
//! The verdict of every leaf against the assessor's golden file is checked by
//! `assess_sites.rs`; this file checks the reasons the planted cases are given, other
//! assessment years, manual verdicts and the national catalog.

use chrono::NaiveDate;
use zwgk::assess::catalog::Catalog;
use zwgk::assess::engine::{Assessment, ManualVerdict, Verdict, parse_manual};
use zwgk::assess::verdict::Status;
use zwgk::extract::profile::{Profile, bundled_cms_profiles};
use zwgk::serve::SiteServer;
use zwgk::stage::assess::{AssessOptions, assess_view, site_view};
use zwgk::stage::extract::extract_run;

use crate::helpers::*;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
}

fn profile() -> Vec<Profile> {
    vec![Profile::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml")).unwrap()]
}

struct Assessed {
    view: zwgk::assess::model::SiteView,
    run_id: i64,
    /// The view reads page details from the store while it is used.
    _store: TestStore,
}

async fn crawl_and_extract() -> Assessed {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    drop(server);
    extract_run(&store.store, report.run_id, false, &bundled_cms_profiles())
        .await
        .unwrap();
    let view = site_view(&store.store, report.run_id, &profile()).await.unwrap();
    Assessed {
        view,
        run_id: report.run_id,
        _store: store,
    }
}

fn assess(site: &Assessed, catalog: &Catalog, year: i32, manual: &[ManualVerdict]) -> Assessment {
    let profiles = profile();
    assess_view(
        &site.view,
        site.run_id,
        &AssessOptions {
            catalog,
            as_of: as_of(),
            year,
            profiles: &profiles,
            manual,
            calendar: &zwgk::assess::calendar::WorkCalendar::bundled(),
        },
    )
    .unwrap()
}

fn leaf<'a>(a: &'a Assessment, id: &str) -> &'a Verdict {
    a.indicators
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no leaf {id}"))
}

fn expect(a: &Assessment, id: &str, status: Status, words: &[&str]) {
    let v = leaf(a, id);
    assert_eq!(v.status, status, "{id}: {}", v.reason);
    for w in words {
        assert!(v.reason.contains(w), "{id}: reason lacks 「{w}」: {}", v.reason);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assess_the_fixture_site_as_an_assessor_would() {
    let site = crawl_and_extract().await;
    let catalog = Catalog::bundled_zhoucun();
    let a = assess(&site, &catalog, 2025, &[]);
    assert_eq!(a.indicators.len(), catalog.leaves.len());
    assert_eq!(a.period, 2025);

    // Compliant cases, with the reasons naming what was found.
    expect(
        &a,
        "zdly.czxx.czyjs.czszxx.1",
        Status::Pass,
        &["11个已到期的公开周期均有发布", "2025年12月尚未到公开期限"],
    ); // C01
    expect(&a, "zdly.shgy.hjbh.sjhkq.1", Status::Pass, &["空气质量"]); // C02
    expect(
        &a,
        "bzjz.ndbg.fbsx.1",
        Status::Pass,
        &["2024年政府信息公开工作年度报告", "2025-03-31"],
    ); // C03
    expect(&a, "zdly.fgf.jsjf.zfxjj.2", Status::Pass, &["资金管理方式"]); // C04
    expect(&a, "zdly.fgf.xysgs.zlsz.1", Status::Pass, &["creditchina"]); // C13
    expect(&a, "zdly.fgf.xysgs.sgsml.1", Status::Pass, &["双公示”目录"]); // C13
    expect(&a, "zdly.shgy.shjzfl.jbsj.1", Status::Pass, &["第4季度尚未到公开期限"]); // C14 (GBK pages)
    expect(&a, "zdly.fgf.gfxwjql.qljg.1", Status::Pass, &["清理结果"]); // C19
    expect(&a, "bzjz.ptjs.wbwx.zwwb.1", Status::Pass, &["weibo.com"]); // C08
    expect(&a, "bzjz.ptjs.wbwx.zwwx.1", Status::Pass, &["二维码"]); // C08
    expect(&a, "bzjz.ptjs.zfwz.cxblx.1", Status::Pass, &["搜索"]); // C09
    expect(&a, "zdly.fgf.zwfw.fwrk.1", Status::Pass, &["zwfw.sd.gov.cn"]); // C12
    expect(&a, "bzjz.ndbg.nrqmx.1", Status::Pass, &["勾稽关系均成立"]); // C03, table 三 of the 2024 report
    expect(&a, "bzjz.ndbg.nrqmx.2", Status::Pass, &[]); // C03 mentions 建议提案
    expect(&a, "zdly.tdkq.kyqcr.1", Status::NotApplicable, &["不承担矿业权"]); // capability in the site profile

    // Non-compliant cases: which items, which dates, how late, what is missing.
    expect(&a, "zdly.shgy.hjbh.sjhkq.2", Status::Partial, &["2025年第3季度"]); // N01
    expect(&a, "jdhy.hygq.zmhd.kzqk.1", Status::Partial, &["2025-09-22", "未答复"]); // N03
    let n04 = leaf(&a, "zdly.fgf.xysgs.xkcfxx.1"); // N04a-c
    assert_eq!(n04.status, Status::Partial, "{}", n04.reason);
    assert!(n04.reason.contains("超期1个工作日"), "{}", n04.reason); // N04c: 8 working days
    expect(
        &a,
        "jdhy.zcjd.jdwj.jdwjfb.2",
        Status::Partial,
        &["养老服务补贴发放管理办法", "3个工作日"],
    ); // N06
    expect(
        &a,
        "jdhy.zcjd.jdwj.glx.1",
        Status::Partial,
        &["住宅小区物业管理办法", "未提供解读"],
    ); // N07
    expect(&a, "bzjz.jcjs.mlzn.gkzn.2", Status::Partial, &["传真"]); // N08
    let n09 = leaf(&a, "zdly.fgf.gfxwjql.fzsxbz.1"); // N09 + N10
    assert_eq!(n09.status, Status::Partial, "{}", n09.reason);
    assert!(n09.reason.contains("未标注有效性"), "N09: {}", n09.reason);
    assert!(
        n09.reason.contains("退役军人服务保障") && n09.reason.contains("已宣布废止"),
        "N10: {}",
        n09.reason
    );
    expect(
        &a,
        "zdly.fgf.jsjf.xzsyxsf.2",
        Status::Partial,
        &["资金管理方式", "2025年版"],
    ); // N11
    expect(&a, "zdly.fgf.zwfw.bszn.2", Status::Partial, &["个体工商户设立登记"]); // N21
    expect(&a, "xzql.zxls.zdjcbs.zxgc.2", Status::Partial, &["第17个两周"]); // N20: the August gap
    // N23: the 养犬 consultation closed 2025-10-10 with no feedback; the 停车 one was answered.
    expect(
        &a,
        "xzql.jcgk.zdjcygk.jgfk.1",
        Status::Partial,
        &["养犬管理办法", "2025-10-10截止", "未见意见收集"],
    );
    expect(
        &a,
        "xzql.jcgk.zdjcygk.jgfk.2",
        Status::Partial,
        &["2项已截止的征求意见中1项已反馈"],
    );
    // A page that only says 「详见附件」 without the attachment publishes nothing.
    expect(
        &a,
        "zdly.fgf.ssjygk.sjccsxqd.1",
        Status::Fail,
        &["详见下表或附件", "不计为已公开"],
    );
    expect(
        &a,
        "zdly.shgy.jy.ywjy.1",
        Status::Partial,
        &["2025-07-31", "内容未完整公开"],
    ); // the 附表 is missing

    // Leaves no website can show stay manual, with the reason in Chinese.
    let manual = leaf(&a, "ysq.yfdf.xhqd.xsgfx.1");
    assert_eq!(manual.status, Status::Manual);
    assert!(manual.reason.contains("公章"), "{}", manual.reason);
    let law = leaf(&a, "ysq.yfdf.xhqd.dfsx.1");
    assert!(
        law.reason.contains("20个工作日"),
        "the law note is reported: {}",
        law.reason
    );

    // Evidence points at stored fetches.
    for v in &a.indicators {
        for e in &v.evidence {
            if e.url.starts_with("http://127.0.0.1") && e.fetched_at.is_some() {
                assert_eq!(e.sha256.as_ref().map(String::len), Some(64), "{}: {}", v.id, e.url);
            }
        }
    }
    assert!(a.indicators.iter().filter(|v| !v.evidence.is_empty()).count() > 100);

    // Roll-ups.
    let counts = &a.summary.counts;
    assert_eq!(
        counts.pass + counts.partial + counts.fail + counts.manual + counts.na,
        counts.total
    );
    assert_eq!(a.summary.by_level1.len(), 5);
    let office = a.summary.by_unit.iter().find(|g| g.name == "区政府办公室").unwrap();
    assert!(office.counts.total > 10, "{:?}", office.counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assess_other_years_manual_verdicts_and_the_national_catalog() {
    let site = crawl_and_extract().await;
    let catalog = Catalog::bundled_zhoucun();

    // Y = 2026: the 2025 report is due 2026-03-31, not yet due on 2026-01-15 (C26).
    let y2026 = assess(&site, &catalog, 2026, &[]);
    expect(&y2026, "bzjz.ndbg.fbsx.1", Status::NotApplicable, &["尚未到期"]);
    // As of a day in a year without a holiday notice the assessment completes, estimated.
    let profiles = profile();
    let calendar = zwgk::assess::calendar::WorkCalendar::bundled();
    let y2027 = assess_view(
        &site.view,
        site.run_id,
        &AssessOptions {
            catalog: &catalog,
            as_of: NaiveDate::from_ymd_opt(2027, 2, 10).unwrap(),
            year: 2026,
            profiles: &profiles,
            manual: &[],
            calendar: &calendar,
        },
    )
    .expect("a missing calendar year never aborts the assessment");
    assert_eq!(y2027.indicators.len(), catalog.leaves.len());
    assert_eq!(y2027.calendar.estimated_years, vec![2027]);
    assert!(y2027.calendar.note_zh().unwrap().contains("2027年"));
    // Y = 2024: the 2023 report's table 三 does not add up (N14) and lacks 建议提案 (N15).
    let y2024 = assess(&site, &catalog, 2024, &[]);
    expect(&y2024, "bzjz.ndbg.nrqmx.1", Status::Partial, &["商业企业", "勾稽关系"]);
    expect(&y2024, "bzjz.ndbg.nrqmx.2", Status::Fail, &["建议"]);

    // Manual verdicts are merged; an unknown leaf id is refused.
    let text = r#"
[[verdict]]
id = "ysq.yfdf.xhqd.xsgfx.1"
status = "pass"
note = "抽查3份答复书，均有文号并加盖公章"
evidence = ["答复书扫描件 2025-07-03"]
assessor = "第三方评估组"
"#;
    let manual = parse_manual(text, "manual.toml", &catalog).unwrap();
    let merged = assess(&site, &catalog, 2025, &manual);
    let v = leaf(&merged, "ysq.yfdf.xhqd.xsgfx.1");
    assert_eq!(
        (v.status, v.score, v.source.as_str()),
        (Status::Pass, Some(1.0), "manual")
    );
    assert!(
        v.reason.contains("加盖公章") && v.reason.contains("第三方评估组"),
        "{}",
        v.reason
    );
    let other = leaf(&merged, "ysq.yfdf.xhqd.nrgfx.1");
    assert_eq!(other.status, Status::Manual, "a leaf without a verdict stays manual");
    let bad = parse_manual(
        "[[verdict]]\nid = \"no.such.leaf\"\nstatus = \"pass\"\n",
        "m.toml",
        &catalog,
    );
    assert!(bad.unwrap_err().contains("no.such.leaf"));

    // The national inspection catalog is assessable too (data, no code).
    let national = Catalog::bundled_national();
    let n = assess(&site, &national, 2025, &[]);
    assert_eq!(n.indicators.len(), national.leaves.len());
    expect(&n, "dxfj.hdhyc.2", Status::Fail, &["2025-09-22"]); // N03: unanswered letter
    // N22: the PubDate meta disagrees with the shown date, but the shown date is the CMS's
    // own (the URL's): not a back-dated article, so no veto.
    expect(&n, "dxfj.aqxm.3", Status::Pass, &["PubDate", "不属倒签"]);
    expect(&n, "kfzb.wzkyx.2", Status::Fail, &["col6099", "404"]); // B1
    // N24: a blank column; its page is not a list page to the crawl, so blank is a suspicion.
    expect(&n, "kfzb.xxgx.6", Status::Manual, &["建筑市场监管", "疑似空白"]);
    expect(&n, "kfzb.xxgx.3", Status::Partial, &["通知公告", "2025-06-20"]); // N02
    expect(&n, "kfzb.xxgx.4", Status::Pass, &["人事信息"]); // C06: 1 year for personnel
    expect(&n, "kfzb.xxgx.2", Status::Pass, &[]); // C05
}
