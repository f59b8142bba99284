//! The rule primitives on hand-made sites, one test per root cause of a wrong verdict that
//! real portals showed: each asserts the verdict and the evidence it cites.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Context;
use crate::assess::calendar::WorkCalendar;
use crate::assess::catalog::Rule;
use crate::assess::columns::ColumnDefs;
use crate::assess::engine::evaluate;
use crate::assess::model::{ColumnView, Item, Page, PageDetail, SiteView};
use crate::assess::verdict::{Outcome, Status};
use crate::extract::table::Table;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn url(path: &str) -> String {
    format!("http://a.gov.cn{path}")
}

/// An article with a title, a date and a body.
fn page(path: &str, title: &str, date: &str, body: &str) -> Page {
    let mut page = Page {
        url: url(path),
        title: title.to_string(),
        pub_date: (!date.is_empty()).then(|| d(date)),
        sha256: crate::assess::model::Digest::of_hex(&"0".repeat(64)),
        fetched_at: "2026-01-15T00:00:00Z".to_string(),
        ..Page::default()
    };
    page.kind = "article".into();
    page.with_detail(PageDetail {
        text: format!("{title}\n{body}"),
        ..PageDetail::default()
    })
}

fn column(name: &str, path: &str, pages: &[&Page]) -> ColumnView {
    ColumnView {
        name: name.to_string(),
        url: url(path),
        pages: vec![url(path)],
        items: pages
            .iter()
            .map(|p| Item {
                title: p.title.clone(),
                url: p.url.clone(),
                date: p.pub_date,
            })
            .collect(),
        ..ColumnView::default()
    }
}

struct Site {
    view: SiteView,
    calendar: WorkCalendar,
    defs: ColumnDefs,
    capabilities: BTreeMap<String, bool>,
}

impl Site {
    /// Pages, and for each key the columns (name, path, indices of the pages it lists).
    fn new(pages: Vec<Page>, columns: &[(&str, &str, &str, Vec<usize>)]) -> Site {
        let mut keyed: BTreeMap<String, Vec<ColumnView>> = BTreeMap::new();
        for (key, name, path, members) in columns {
            let listed: Vec<&Page> = members.iter().map(|&i| &pages[i]).collect();
            keyed
                .entry(key.to_string())
                .or_default()
                .push(column(name, path, &listed));
        }
        let home = pages.iter().find(|p| p.kind == "home").map(|p| p.url.clone());
        Site {
            view: SiteView::for_tests(pages, keyed, home.as_deref()),
            calendar: WorkCalendar::bundled(),
            defs: ColumnDefs::bundled(),
            capabilities: BTreeMap::new(),
        }
    }

    fn eval(&self, rule: &str, as_of: &str, year: i32) -> Outcome {
        #[derive(serde::Deserialize)]
        struct Wrap {
            rule: Rule,
        }
        let rule = toml::from_str::<Wrap>(&format!("rule = {rule}"))
            .expect("rule parses")
            .rule;
        let cx = Context {
            site: &self.view,
            calendar: &self.calendar,
            defs: &self.defs,
            as_of: d(as_of),
            year,
            capabilities: &self.capabilities,
        };
        evaluate(&rule, &cx)
    }
}

fn cites(outcome: &Outcome, path: &str) -> bool {
    outcome.evidence.iter().any(|e| e.url == url(path))
}

#[test]
fn reports_published_in_a_parent_column_are_found_there() {
    // The 空气质量 sub-column holds only 2023's reports; 2025's are in 生态环境.
    let mut pages: Vec<Page> = (1..=12)
        .map(|m| {
            page(
                &format!("/env/2025{m:02}.html"),
                &format!("2025年{m}月份某区环境空气质量状况"),
                &format!("2025-{:02}-08", (m % 12) + 1),
                "全区环境空气质量优良天数比例为80%，PM2.5平均浓度为35微克每立方米。",
            )
        })
        .collect();
    pages.push(page(
        "/air/202307.html",
        "2023年7月份某区环境空气质量状况",
        "2023-08-08",
        "优良天数。",
    ));
    let site = Site::new(
        pages,
        &[
            ("environment", "生态环境", "/env/", (0..12).collect()),
            ("air_quality", "空气质量", "/air/", vec![12]),
        ],
    );
    let o = site.eval(
        r#"{ kind = "periodic", find = { label = "月度环境空气质量状况", columns = "air_quality", titles = ["空气质量"], window = "since_year" }, every = "month" }"#,
        "2026-03-01",
        2025,
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(o.reason.contains("生态环境"), "says where: {}", o.reason);
    assert!(cites(&o, "/env/202503.html"), "{:?}", o.evidence);
}

#[test]
fn an_announcement_of_future_work_is_not_the_result() {
    let site = Site::new(
        vec![page(
            "/audit/1.html",
            "关于2024年度区级预算执行和其他财政收支的审计工作报告",
            "2025-08-29",
            "审计发现问题若干。审计查出问题的整改情况，区政府将按规定另行向区人大常委会报告。",
        )],
        &[("audit", "审计结果", "/audit/", vec![0])],
    );
    let o = site.eval(
        r#"{ kind = "document", find = { label = "审计发现问题的整改结果", columns = "audit", titles = ["审计.*整改|整改.*审计|审计工作报告"], body = ["已整改|整改完成|整改情况|整改结果"], window = "since_year" } }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(!cites(&o, "/audit/1.html") || o.reason.contains("未见"), "{}", o.reason);
}

#[test]
fn a_table_row_about_another_fee_is_not_the_list() {
    let mut admin = page(
        "/fee/1.html",
        "某区行政事业性收费目录清单（2025年版）",
        "2025-04-15",
        "收费项目见下表。",
    );
    admin.detail_mut().tables = vec![Table {
        headers: vec![vec!["项目名称".into(), "政策依据".into(), "执收部门".into()]],
        rows: vec![vec![
            "不动产登记费（经营服务性收费除外）".into(),
            "财税〔2016〕79号".into(),
            "区自然资源局".into(),
        ]],
        source: "html".into(),
    }];
    let site = Site::new(vec![admin], &[("fee_lists", "收费目录清单", "/fee/", vec![0])]);
    let o = site.eval(
        r#"{ kind = "document", find = { label = "政府定价经营服务性收费清单", columns = "fee_lists", titles = ["经营服务性收费.*(清单|目录|标准)"] } }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
}

#[test]
fn elements_are_checked_in_each_document_not_in_the_column() {
    let full = page(
        "/fb/1.html",
        "区财政局2024年部门决算",
        "2025-09-04",
        "三公经费决算：因公出国（境）组团2个、人数6人；公务用车购置数0辆、保有量3辆；公务接待批次12批。",
    );
    let bare = page(
        "/fb/2.html",
        "区民政局2024年部门决算",
        "2025-09-05",
        "三公经费决算支出12.5万元，比上年减少。",
    );
    let site = Site::new(vec![full, bare], &[("fiscal_budget", "部门预决算", "/fb/", vec![0, 1])]);
    let o = site.eval(
        r#"{ kind = "elements", find = { label = "三公经费决算", columns = "fiscal_budget", titles = ["决算"], body = ["三公"], window = "since_year" }, elements = ["组团", "人数", "购置数", "保有量", "批次"], within = "text", each = true }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Partial, "{}", o.reason);
    assert!(o.reason.contains("区民政局2024年部门决算》缺少"), "{}", o.reason);
    assert!(cites(&o, "/fb/2.html"), "{:?}", o.evidence);
}

#[test]
fn timeliness_needs_documents_of_the_window() {
    let mut old = page(
        "/jd/1.html",
        "《甲办法》政策解读",
        "2024-05-10",
        "一、制定背景。二、主要内容：办法共五章二十条。",
    );
    old.detail_mut().links = vec![(url("/doc/1.html"), "相关文件".into())];
    let doc = page("/doc/1.html", "甲办法", "2024-05-08", "正文");
    let site = Site::new(
        vec![old, doc],
        &[
            ("interpretation", "政策解读", "/jd/", vec![0]),
            ("policy_docs", "政策文件", "/doc/", vec![1]),
        ],
    );
    let o = site.eval(
        r#"{ kind = "timeliness", find = { label = "政策解读", columns = "interpretation", window = "since_year", site_wide = false }, limit_days = 3, day_type = "working", event = "linked_doc_date" }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Fail, "a 2024 解读 says nothing of 2025: {}", o.reason);
    assert!(o.reason.contains("2024-05-10"), "{}", o.reason);
}

#[test]
fn the_district_report_decides_its_deadline_and_departments_have_theirs() {
    let district = page(
        "/nb/1.html",
        "某区人民政府2024年政府信息公开工作年度报告",
        "2025-04-08",
        "一、总体情况。本年度主动公开政府信息1200条。",
    );
    let dept = page(
        "/nb/2.html",
        "某区财政局2024年政府信息公开工作年度报告",
        "2025-01-20",
        "一、总体情况。本年度主动公开政府信息1200条。",
    );
    let late_dept = page(
        "/nb/3.html",
        "某区教育局2024年政府信息公开工作年度报告",
        "2025-02-10",
        "一、总体情况。本年度主动公开政府信息1200条。",
    );
    let rule = r#"{ kind = "deadline", find = { label = "区政府年度报告", columns = "annual_report", titles = ["{Y-1}年?度?.*信息公开.*年度报告"], issuer = "district" }, month = 3, day = 31, units = { month = 1, day = 31 } }"#;
    let site = Site::new(
        vec![district.clone(), dept.clone(), late_dept.clone()],
        &[("annual_report", "年报", "/nb/", vec![0, 1, 2])],
    );
    let o = site.eval(rule, "2026-01-12", 2025);
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(cites(&o, "/nb/1.html") && o.reason.contains("逾期8天"), "{}", o.reason);
    let mut on_time = district;
    on_time.pub_date = Some(d("2025-03-28"));
    let site = Site::new(
        vec![on_time, dept, late_dept],
        &[("annual_report", "年报", "/nb/", vec![0, 1, 2])],
    );
    let o = site.eval(rule, "2026-01-12", 2025);
    assert_eq!(o.status, Status::Partial, "{}", o.reason);
    assert!(o.reason.contains("某区教育局（2025-02-10）"), "{}", o.reason);
}

#[test]
fn only_documents_of_the_series_count_and_periods_not_yet_due_are_not_missing() {
    let mut pages: Vec<Page> = [1, 2, 4]
        .iter()
        .map(|q| {
            page(
                &format!("/jz/{q}.html"),
                &format!("2025年第{q}季度社会救助数据"),
                "2025-04-10",
                "全区城乡低保对象1200户2100人，发放资金300万元。",
            )
        })
        .collect();
    pages.push(page(
        "/jz/intro.html",
        "社会救助政策简介",
        "2025-08-10",
        "社会救助包括最低生活保障、特困人员供养和临时救助等。",
    ));
    let site = Site::new(pages, &[("social_assistance", "社会救助", "/jz/", vec![0, 1, 2, 3])]);
    let rule = r#"{ kind = "periodic", find = { label = "社会救助季度数据", columns = "social_assistance", titles = ["(救助|低保).*(数据|情况)"], exclude = ["政策|简介"] }, every = "quarter" }"#;
    let o = site.eval(rule, "2026-03-01", 2025);
    assert_eq!(o.status, Status::Partial, "{}", o.reason);
    assert!(
        o.reason.contains("2025年第3季度"),
        "the 政策简介 of August does not count: {}",
        o.reason
    );
    // On 2026-01-05 Q4 is not yet late.
    let o = site.eval(rule, "2026-01-05", 2025);
    assert!(o.reason.contains("2025年第4季度尚未到公开期限"), "{}", o.reason);
}

#[test]
fn a_page_that_only_points_to_a_missing_attachment_publishes_nothing() {
    let shell = page(
        "/qd/1.html",
        "某区2025年度随机抽查事项清单",
        "2025-03-17",
        "现将2025年度随机抽查事项清单公开如下：\n一、基本情况。\n二、具体内容（详见下表或附件）。\n三、监督电话：0533-1。",
    );
    let site = Site::new(vec![shell], &[("random_inspection", "双随机一公开", "/qd/", vec![0])]);
    let o = site.eval(
        r#"{ kind = "document", find = { label = "随机抽查事项清单", columns = "random_inspection", titles = ["抽查事项清单"] } }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("不计为已公开") && cites(&o, "/qd/1.html"),
        "{}",
        o.reason
    );
}

#[test]
fn a_deadline_counts_from_an_event_the_site_reports() {
    let mut news = page(
        "/news/1.html",
        "区三届人大五次会议胜利闭幕",
        "2025-01-16",
        "区三届人大五次会议圆满完成各项议程，于1月16日胜利闭幕。",
    );
    news.kind = "article".into();
    let plan = page(
        "/fp/1.html",
        "某区2025年度衔接推进乡村振兴补助资金分配方案",
        "2025-05-21",
        "资金分配如下。分配金额1000万元，用于产业项目。",
    );
    let site = Site::new(
        vec![news, plan],
        &[
            ("news", "政务要闻", "/news/", vec![0]),
            ("poverty_alleviation", "乡村振兴", "/fp/", vec![1]),
        ],
    );
    let o = site.eval(
        r#"{ kind = "after_event", find = { label = "资金分配方案", columns = "poverty_alleviation", titles = ["资金分配"], window = "since_year" }, event = { label = "人代会闭幕", columns = "news", titles = ["人大.*会议.*闭幕"], window = "year" }, days = 60, day_type = "working" }"#,
        "2026-01-12",
        2025,
    );
    // 60 working days after 2025-01-16 is 2025-04-17 (春节 and 清明 off).
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("2025-04-17") && cites(&o, "/fp/1.html"),
        "{}",
        o.reason
    );
}

#[test]
fn a_function_the_site_says_it_lacks_does_not_apply() {
    let duties = page(
        "/zn/1.html",
        "区自然资源分局职责",
        "2025-02-01",
        "本区无矿业权出让审批职能，矿业权出让由市自然资源和规划局负责。",
    );
    let site = Site::new(vec![duties], &[("org_functions", "机构职能", "/zn/", vec![0])]);
    let o = site.eval(
        r#"{ kind = "na_unless", capability = "mining_rights", statements = ["(无|不承担)[^。]{0,20}矿业权"], then = { kind = "document", find = { label = "矿业权出让信息", columns = "mining_rights", titles = ["矿业权"] } } }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::NotApplicable, "{}", o.reason);
    assert!(cites(&o, "/zn/1.html"), "{:?}", o.evidence);
}

#[test]
fn letters_answered_late_make_a_timely_reply_question_partial() {
    let letter = |path: &str, received: &str, replied: &str| {
        let mut p = page(path, &format!("来信{path}"), replied, "答复内容");
        p.detail_mut().event_dates = vec![("来信时间".into(), d(received)), ("答复时间".into(), d(replied))];
        p
    };
    let site = Site::new(
        vec![
            letter("/xx/1.html", "2025-03-03", "2025-03-05"),
            letter("/xx/2.html", "2025-03-05", "2025-07-10"),
        ],
        &[("interaction", "领导信箱", "/xx/", vec![0, 1])],
    );
    let o = site.eval(
        r#"{ kind = "interaction_replied", within = "P5D", window = "since_year", graded = true }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(o.status, Status::Partial, "{}", o.reason);
    assert!(
        o.reason.contains("用时127日") && cites(&o, "/xx/2.html"),
        "{}",
        o.reason
    );
    let strict = site.eval(
        r#"{ kind = "interaction_replied", within = "P3M" }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(
        strict.status,
        Status::Fail,
        "one reply after 3 months is 互动回应差: {}",
        strict.reason
    );
}

#[test]
fn a_picture_titled_page_without_a_picture_is_not_a_graphic_reading() {
    let text_only = page(
        "/jd/1.html",
        "图解：某区养犬管理办法",
        "2025-06-01",
        "一、适用范围。二、登记。",
    );
    let mut real = page("/jd/2.html", "一图读懂：某区医疗救助办法", "2025-07-01", "");
    real.detail_mut().images = vec![crate::extract::page::Image {
        src: url("/jd/2025/yt.png"),
        alt: "一图读懂".into(),
        near_text: String::new(),
    }];
    let rule = r#"{ kind = "document", find = { label = "图解", columns = "interpretation", titles = ["图解|一图"], window = "since_year", media = true } }"#;
    let only_text = Site::new(
        vec![text_only.clone()],
        &[("interpretation", "政策解读", "/jd/", vec![0])],
    );
    assert_eq!(only_text.eval(rule, "2026-01-12", 2025).status, Status::Fail);
    let with_image = Site::new(
        vec![text_only, real],
        &[("interpretation", "政策解读", "/jd/", vec![0, 1])],
    );
    let o = with_image.eval(rule, "2026-01-12", 2025);
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(cites(&o, "/jd/2.html"), "{:?}", o.evidence);
}

#[test]
fn a_reading_finds_its_document_by_title_or_doc_number_not_by_a_footer_link() {
    let mut doc = page(
        "/doc/1.html",
        "某区人民政府关于印发某区养犬管理办法的通知",
        "2025-03-01",
        "全文。各街道办事处，区政府各部门。",
    );
    doc.doc_no = Some("某政发〔2025〕3号".into());
    doc.detail_mut().links = vec![(url("/jd/1.html"), "相关解读".into())];
    // The 解读 names its document by 文号 only and links other government sites in its footer.
    let mut reading = page(
        "/jd/1.html",
        "养犬管理新规答记者问",
        "2025-03-03",
        "《办法》（某政发〔2025〕3号）共二十条，主要内容如下。",
    );
    reading.detail_mut().links = vec![("http://www.sd.gov.cn/".into(), "山东省人民政府".into())];
    let site = Site::new(
        vec![doc, reading],
        &[
            ("policy_docs", "政策文件", "/doc/", vec![0]),
            ("interpretation", "政策解读", "/jd/", vec![1]),
        ],
    );
    let o = site.eval(
        r#"{ kind = "cross_linked", column = "policy_docs", other = "interpretation" }"#,
        "2026-01-12",
        2025,
    );
    // The reading does not link its document: one direction is missing, and nothing is manual.
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason
            .contains("未链接文件《某区人民政府关于印发某区养犬管理办法的通知》"),
        "{}",
        o.reason
    );
    let timely = site.eval(
        r#"{ kind = "timeliness", find = { label = "政策解读", columns = "interpretation", window = "since_year", site_wide = false }, limit_days = 3, day_type = "working", event = "linked_doc_date" }"#,
        "2026-01-12",
        2025,
    );
    assert_eq!(timely.status, Status::Pass, "{}", timely.reason);
}

#[test]
fn a_listed_document_whose_page_is_gone_is_not_published() {
    let list = page(
        "/sf/2025.html",
        "某区政府定价经营服务性收费清单（2025年）",
        "2025-05-14",
        "一、机动车停放服务收费：每小时2元，定价部门区发展和改革局，执行单位区城市管理局。二、殡葬服务收费：遗体接运每次200元，定价部门区发展和改革局，执行单位区殡仪馆。",
    );
    let mut site = Site::new(
        vec![list.clone()],
        &[("fee_lists", "经营服务性收费清单", "/sf/", vec![0])],
    );
    let rule = r#"{ kind = "document", find = { label = "经营服务性收费清单", columns = "fee_lists", titles = ["收费清单"], window = "since_year" } }"#;
    assert_eq!(site.eval(rule, "2026-01-15", 2025).status, Status::Pass);
    // The page now answers 404: its title stays in the list, nothing is behind it.
    site.view.pages.clear();
    site.view.outcomes.insert(
        list.url.clone(),
        crate::store::UrlOutcome {
            url: list.url.clone(),
            state: "done".to_string(),
            status: Some(404),
            error: None,
            fetched_at: None,
        },
    );
    let o = site.eval(rule, "2026-01-15", 2025);
    assert_ne!(o.status, Status::Pass, "{}", o.reason);
    assert!(!cites(&o, "/sf/2025.html"), "{:?}", o.evidence);
}

#[test]
fn a_document_that_appeared_later_than_it_claims_is_timed_from_when_it_appeared() {
    let mut notice = page(
        "/tz/1.html",
        "关于做好2025年防汛工作的通知",
        "2025-06-02",
        "各街道办事处、区政府各部门：为做好今年防汛工作，现就有关事项通知如下：一、落实防汛责任，各单位主要负责人为第一责任人。二、排查整治隐患，6月15日前完成河道清淤。三、加强值班值守，严格执行24小时值班制度。",
    );
    notice.doc_date = Some(d("2025-06-01"));
    let mut site = Site::new(vec![notice.clone()], &[("notices", "通知公告", "/tz/", vec![0])]);
    let rule = r#"{ kind = "timeliness", find = { label = "通知", columns = "notices", titles = ["通知"], window = "since_year" }, limit_days = 5, day_type = "calendar", event = "doc_date" }"#;
    let first = site.eval(rule, "2026-01-15", 2025);
    assert_eq!(first.status, Status::Pass, "{}", first.reason);
    // zwgk's nightly crawls first saw it on 2025-07-20, although the list of 2025-07-01
    // already reached back to May.
    site.view.backdated.insert(
        notice.url.clone(),
        crate::assess::first_seen::Backdating {
            item_url: notice.url.clone(),
            title: Some(notice.title.clone()),
            list_url: url("/tz/"),
            claimed: d("2025-06-02"),
            first_seen: d("2025-07-20"),
            first_run: 9,
            earlier_run: 8,
            earlier_seen: d("2025-07-01"),
            earlier_oldest: d("2025-05-01"),
        },
    );
    let o = site.eval(rule, "2026-01-15", 2025);
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("标注发布于2025-06-02，但首次出现于2025-07-20的抓取") && o.reason.contains("用时49日"),
        "{}",
        o.reason
    );
    assert!(cites(&o, "/tz/1.html"));
    // The 倒签 leaf names it, with both captures as evidence, for a person to confirm.
    let veto = site.eval(r#"{ kind = "pub_date_consistent" }"#, "2026-01-15", 2025);
    assert_eq!(veto.status, Status::Manual, "{}", veto.reason);
    assert!(
        veto.reason.contains("夜间抓取记录显示1条信息上网晚于其标注的发布日期"),
        "{}",
        veto.reason
    );
    assert!(
        cites(&veto, "/tz/1.html") && cites(&veto, "/tz/"),
        "{:?}",
        veto.evidence
    );
}
