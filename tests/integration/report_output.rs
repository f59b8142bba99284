//! `report` on the fixture site after a crawl and a recrawl: every format written, scraped text
//! escaped, the workbook in the task table's layout, the CSV opening in Excel, the gaps and the
//! changes since the previous run shown, and the monthly 通报 with one file per unit.

use calamine::{Reader, Xlsx, open_workbook};
use chrono::NaiveDate;
use zwgk::assess::catalog::Catalog;
use zwgk::assess::engine::{Assessment, parse_manual};
use zwgk::extract::profile::{Profile, bundled_cms_profiles};
use zwgk::report::Format;
use zwgk::report::notice::Letterhead;
use zwgk::serve::SiteServer;
use zwgk::stage::assess::AssessOptions;
use zwgk::stage::extract::extract_run;
use zwgk::stage::report::{write_run_reports, write_unit_notices};

use crate::helpers::*;

fn profile() -> Vec<Profile> {
    vec![Profile::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml")).unwrap()]
}

/// A hostile assessor note: it reaches the report through the manual-verdict path.
const HOSTILE_NOTE: &str =
    r#"<img src=x onerror="document.body.setAttribute('data-pwned','1')"><script>document.title='pwned'</script>"#;

/// Crawls the fixture site twice (a crawl and a nightly recrawl) and extracts the second run.
pub async fn crawled_fixture() -> (TestStore, i64) {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let settings = settings(&server.url("/index.html"));
    run(&settings, &store.store).await;
    let second = run(&settings, &store.store).await;
    drop(server);
    extract_run(&store.store, second.run_id, false, &bundled_cms_profiles())
        .await
        .unwrap();
    (store, second.run_id)
}

/// Writes every report format of the fixture site as of 2026-01-15 into `out`.
pub async fn write_fixture_reports(store: &TestStore, run_id: i64, out: &std::path::Path) -> zwgk::report::ReportData {
    let catalog = Catalog::bundled_zhoucun();
    let manual_file =
        format!("[[verdict]]\nid = \"bzjz.ywpx.kzqk.1\"\nstatus = \"fail\"\nnote = '''{HOSTILE_NOTE}'''\n");
    let manual = parse_manual(&manual_file, "manual.toml", &catalog).unwrap();
    let profiles = profile();
    let options = AssessOptions {
        catalog: &catalog,
        as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        year: 2025,
        profiles: &profiles,
        manual: &manual,
        calendar: &zwgk::assess::calendar::WorkCalendar::bundled(),
    };
    let (data, files) = write_run_reports(&store.store, run_id, &options, out, &Format::ALL)
        .await
        .unwrap();
    assert_eq!(files.len(), 4);
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_writes_every_format_escaped_and_in_the_task_table_layout() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    let data = write_fixture_reports(&store, run_id, out.path()).await;
    let a = &data.assessment;
    assert_eq!(a.indicators.len(), 161);

    // HTML: self-contained, every leaf present, scraped and typed text escaped.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for v in &a.indicators {
        assert!(
            html.contains(&format!("<tr id=\"{}\">", zwgk::report::html::leaf_anchor(&v.id))),
            "leaf {} missing",
            v.id
        );
    }
    assert!(!html.contains("<script"), "the report must carry no script at all");
    assert!(!html.contains("<img"), "no scraped element may pass through");
    assert!(
        html.contains("&lt;img src=x onerror="),
        "the hostile note is shown as text"
    );
    // X02: the letter titled 网站出现<script>alert(1)</script>字样的反映 is listed, escaped.
    assert!(html.contains("网站出现&lt;script&gt;alert(1)&lt;/script&gt;字样的反映"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"javascript"),
        "nothing is fetched or run"
    );
    assert!(
        html.contains("<svg") && html.contains("各一级指标测评结果"),
        "the overview chart"
    );
    assert!(
        html.contains("robots.txt 禁止抓取（2项）") && html.contains("/admin/login.html"),
        "gaps are shown"
    );
    let previous = data
        .previous
        .as_ref()
        .expect("the crawl before the recrawl is compared");
    assert_eq!(previous.run_id, run_id - 1);
    assert!(html.contains("四、与上次检查相比"));
    // The manual verdict changed 培训 from manual to fail since the previous run's assessment
    // (which had the same manual file): so no change there; the section still renders.
    assert!(html.contains("三、问题清单（按责任单位") && html.contains("区政府办公室（"));
    // The leaf-centric 问题清单: every problem once, linked to its row, 不达标 before 部分达标.
    let list_start = html.find("<h2 id=\"sec-problems\">二、问题清单（按指标").unwrap();
    let list = &html[list_start..html.find("<h2 id=\"sec-units\">三、问题清单（按责任单位").unwrap()];
    let problems: Vec<_> = a.indicators.iter().filter(|v| zwgk::report::is_problem(v)).collect();
    assert_eq!(list.matches("<tr><td class=\"num\">").count(), problems.len());
    for v in &problems {
        let link = format!("<a href=\"#{}\">", zwgk::report::html::leaf_anchor(&v.id));
        assert!(list.contains(&link), "{} not in the 问题清单", v.id);
    }
    let (first_partial, last_fail) = (list.find("badge partial"), list.rfind("badge fail"));
    if let (Some(p), Some(f)) = (first_partial, last_fail) {
        assert!(f < p, "不达标 rows come before 部分达标 rows");
    }
    // Every average says how many leaves it covers; the table of contents links each section.
    assert!(html.contains("项自动评价）") && !html.contains("平均得分0"));
    assert!(html.contains("<nav class=\"toc\"") && html.contains("href=\"#sec-problems\""));

    // CSV: BOM, a header, one record per leaf (inner newlines are bare \n, records end \r\n).
    let csv = std::fs::read(out.path().join("report.csv")).unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("\"指标编号\",\"一级指标\",\"二级指标\"")
    );
    assert_eq!(csv.matches("\r\n").count(), 162);
    assert!(
        !csv.contains(",\"=") && !csv.contains(",\"+"),
        "no cell starts a formula"
    );

    // JSON: the assess contract.
    let json: Assessment =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json.indicators.len(), 161);
    assert_eq!(json.summary.counts.total, 161);

    // XLSX: the task table's columns, a sheet per 一级指标 and the unit summary, merged levels.
    let mut book: Xlsx<_> = open_workbook(out.path().join("report.xlsx")).unwrap();
    let names = book.sheet_names();
    let mut want = vec!["全部指标".to_string()];
    want.extend(a.summary.by_level1.iter().map(|g| g.name.clone()));
    want.push("责任单位汇总".to_string());
    assert_eq!(names, want);
    let all = book.worksheet_range("全部指标").unwrap();
    assert_eq!(all.height(), 162);
    let header: Vec<String> = all.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "指标编号",
            "一级指标",
            "二级指标",
            "三级指标",
            "四级指标",
            "评价要点",
            "责任单位",
            "公开时限",
            "测评结果",
            "得分",
            "问题说明",
            "证据链接",
            "核查时间",
            "自查情况",
            "整改措施"
        ]
    );
    // The office's two columns are there and empty.
    assert!(
        all.rows()
            .skip(1)
            .all(|r| r[13].to_string().is_empty() && r[14].to_string().is_empty())
    );
    // Evidence cells are links (http/https only) whose text is the evidence list; every sheet
    // prints on A4 landscape with its header row repeated.
    let linked = a.indicators.iter().position(|v| !v.evidence.is_empty()).unwrap();
    assert!(
        all.rows().nth(linked + 1).unwrap()[11]
            .to_string()
            .starts_with(&a.indicators[linked].evidence[0].url)
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.path().join("report.xlsx")).unwrap()).unwrap();
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let sheet = read(&mut zip, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<hyperlink ref=\"L"), "evidence links");
    assert!(sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""));
    let rels = read(&mut zip, "xl/worksheets/_rels/sheet1.xml.rels");
    assert!(rels.contains("Target=\"http") && !rels.contains("Target=\"javascript"));
    let workbook = read(&mut zip, "xl/workbook.xml");
    assert!(workbook.contains("_xlnm.Print_Titles") && workbook.contains("$1:$1"));
    let first = all.rows().nth(1).unwrap();
    assert_eq!(first[0].to_string(), a.indicators[0].id);
    assert_eq!(
        first[8].to_string(),
        zwgk::assess::engine::status_zh(a.indicators[0].status)
    );
    // 全部指标 repeats the levels on every row (sortable); the per-一级指标 sheets merge them.
    assert!(book.merge_cells_by_sheet_name("全部指标").unwrap().is_empty());
    assert!(
        all.rows().skip(1).all(|r| !r[1].to_string().is_empty()),
        "every row names its 一级指标"
    );
    let level1 = a.summary.by_level1[1].name.clone();
    let merges = book.merge_cells_by_sheet_name(&level1).unwrap();
    assert!(
        merges.iter().any(|d| d.start.1 == 1 && d.end.0 > d.start.0),
        "一级指标 cells of {level1} are merged down as in the task table"
    );
    let units = book.worksheet_range("责任单位汇总").unwrap();
    assert_eq!(units.height(), a.summary.by_unit.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monthly_notice_has_one_file_per_unit_named_as_in_the_table() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    let catalog = Catalog::bundled_zhoucun();
    let dir = out.path().join("通报-2025-12");
    let (now, files) = december_notices(&store, run_id, &dir, &Letterhead::default()).await;
    // Each 通报 also as a .docx 公文, under the same name.
    let (html, docx): (Vec<_>, Vec<_>) = files.iter().partition(|f| f.extension().is_some_and(|e| e == "html"));
    assert_eq!(html.len(), docx.len());
    for f in &html {
        assert!(f.with_extension("docx").is_file(), "no .docx beside {}", f.display());
    }
    let files = html;
    assert_eq!(now.as_of, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    assert_eq!(now.period, 2025);
    // Every unit of the catalog's leaves gets a file, plus the summary; a unit outside
    // the table gets one only when attribution routed a problem to it.
    let mut units: Vec<&str> = catalog
        .leaves
        .iter()
        .flat_map(|l| l.units.iter().map(String::as_str))
        .collect();
    units.sort();
    units.dedup();
    for unit in &units {
        assert!(dir.join(format!("{unit}.html")).is_file(), "no file for {unit}");
    }
    let routed: std::collections::BTreeSet<&str> = now
        .routing
        .routes
        .values()
        .flatten()
        .map(|(unit, _)| unit.as_str())
        .collect();
    let extra: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .filter(|stem| stem != "通报汇总" && !units.contains(&stem.as_str()))
        .collect();
    for stem in &extra {
        assert!(
            routed.contains(stem.as_str()),
            "{stem} has a notice but no routed problem"
        );
    }
    assert_eq!(files.len(), units.len() + extra.len() + 1);
    eprintln!("units routed beyond the table: {extra:?}");
    let summary = std::fs::read_to_string(dir.join("通报汇总.html")).unwrap();
    assert!(summary.contains("2025年12月政务公开工作通报"));
    // 区政府办公室 is responsible for the 征求意见 feedback (N23): its notice names the case.
    let office = std::fs::read_to_string(dir.join("区政府办公室.html")).unwrap();
    assert!(
        office.contains("养犬管理办法"),
        "the unanswered consultation is in the office's notice"
    );
    assert!(office.contains("不达标") || office.contains("部分达标"));
}

/// The paragraphs' text of a .docx's word/document.xml (table cells included), and the XML;
/// parsing it proves it well-formed.
pub fn docx_paragraphs(path: &std::path::Path) -> (Vec<String>, String) {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut out, mut current, mut in_text) = (Vec::new(), String::new(), false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:p" => out.push(std::mem::take(&mut current)),
            quick_xml::events::Event::Text(t) if in_text => current.push_str(&t.xml10_content().unwrap()),
            quick_xml::events::Event::GeneralRef(r) if in_text => match r.resolve_char_ref().unwrap() {
                Some(c) => current.push(c),
                None => current.push_str(quick_xml::escape::resolve_predefined_entity(&r.decode().unwrap()).unwrap()),
            },
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    (out, xml)
}

/// Writes the fixture's December 通报 with a full letterhead; returns the folder.
pub async fn write_fixture_notices(store: &TestStore, run_id: i64, out: &std::path::Path) -> std::path::PathBuf {
    let letterhead = Letterhead {
        issuer: Some("周村区人民政府办公室".to_string()),
        doc_number: Some("周政办字〔2026〕3号".to_string()),
        contact: Some("李四".to_string()),
        phone: Some("0533-6180000".to_string()),
        rectify_working_days: Some(10),
        ..Default::default()
    };
    let dir = out.join("通报-2025-12");
    december_notices(store, run_id, &dir, &letterhead).await;
    dir
}

/// The fixture's December 通报 (as of 2026-01-15, Y = 2025) written into `dir`, not recorded
/// in the ledger.
async fn december_notices(
    store: &TestStore,
    run_id: i64,
    dir: &std::path::Path,
    letterhead: &Letterhead,
) -> (Assessment, Vec<std::path::PathBuf>) {
    let catalog = Catalog::bundled_zhoucun();
    let profiles = profile();
    let options = AssessOptions {
        catalog: &catalog,
        as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        year: 2025,
        profiles: &profiles,
        manual: &[],
        calendar: &zwgk::assess::calendar::WorkCalendar::bundled(),
    };
    write_unit_notices(&store.store, run_id, &options, None, "2025-12", dir, letterhead, false)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monthly_notice_docx_reads_back_as_a_gongwen() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    let dir = write_fixture_notices(&store, run_id, out.path()).await;
    let (ps, xml) = docx_paragraphs(&dir.join("区政府办公室.docx"));
    let at = |from: usize, needle: &str| {
        ps[from..]
            .iter()
            .position(|p| p.contains(needle))
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("{needle:?} not after paragraph {from}: {ps:#?}"))
    };
    // 发文机关标志, 文号, title, 主送, the problem table, 整改期限, 联系人, 落款, 成文日期, in order.
    let issuer = at(0, "周村区人民政府办公室");
    let number = at(issuer + 1, "周政办字〔2026〕3号");
    let title = at(number + 1, "关于区政府办公室2025年12月政务公开工作情况的通报");
    let to = at(title + 1, "区政府办公室：");
    assert_eq!(ps[to], "区政府办公室：");
    let table = at(to, "问题说明");
    let case = at(table, "养犬管理办法");
    // 2025-12-31 plus ten working days: the New Year holiday (Jan 1–3, 2026) is skipped.
    let demand = at(case, "前整改到位");
    assert!(ps[demand].contains("2026年1月"), "{}", ps[demand]);
    let contact = at(demand, "联系人：李四，联系电话：0533-6180000");
    let signed = ps.iter().rposition(|p| p == "周村区人民政府办公室").unwrap();
    assert!(signed > contact);
    assert_eq!(ps[signed + 1], "2025年12月31日");
    // A4 and the GB/T 9704 margins: top 37 mm, left 28 mm (twips).
    let sect = &xml[xml.rfind("<w:sectPr").unwrap()..];
    for attr in ["w:w=\"11906\"", "w:h=\"16838\"", "w:top=\"2098\"", "w:left=\"1587\""] {
        assert!(sect.contains(attr), "{attr} in {sect}");
    }
    // The summary is addressed to every unit and lists each unit's problems.
    let (summary, _) = docx_paragraphs(&dir.join("通报汇总.docx"));
    assert!(
        summary
            .iter()
            .any(|p| p.starts_with("区政府办公室、") || p.contains("、区政府办公室"))
    );
    assert!(summary.iter().any(|p| p.contains("养犬管理办法")));
}
