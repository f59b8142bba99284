//! The nightly job on the fixture site: two nights with changes between them (a new failure,
//! a fix, a removed page, a back-dated insert), asserting the diff, the exit code, the alert
//! and the first-seen flag; the example configuration; history, diff and prune; the time
//! window with an injected clock.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use crate::helpers::*;

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// What a webhook receiver got.
type Received = Arc<Mutex<Vec<serde_json::Value>>>;

async fn webhook() -> (zwgk::serve::SiteServer, Received) {
    let received: Received = Arc::default();
    let router = Router::new()
        .route(
            "/robot",
            post(|State(got): State<Received>, body: String| async move {
                got.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap_or_default());
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    r#"{"errcode":0,"errmsg":"ok"}"#,
                )
            }),
        )
        .with_state(received.clone());
    (serve(router).await, received)
}

#[test]
fn the_example_configuration_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/zwgk.example.toml");
    let config = zwgk::config::Config::load(&path).expect("docs/zwgk.example.toml is valid");
    assert_eq!(config.site.url.as_deref(), Some("http://www.example.gov.cn/"));
    assert_eq!(config.crawl.window.as_deref(), Some("22:00-06:00"));
    assert_eq!(config.crawl.budget, Some(30000));
    assert_eq!(config.retention.keep_runs, Some(30));
    assert_eq!(config.notify.format.as_deref(), Some("wecom"));
    assert!(
        config
            .store
            .db
            .as_deref()
            .is_some_and(|db| db.ends_with("docs/example.db")),
        "relative paths follow the file: {:?}",
        config.store.db
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nights_show_the_new_failure_the_fix_the_removed_page_and_the_back_dated_insert() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    copy_tree(&fixture_site(), &site);
    let server = zwgk::serve::SiteServer::start(site.clone()).await.unwrap();
    let (robot, received) = webhook().await;
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml");
    let config = work.path().join("zwgk.toml");
    // A SQLite file beside the config, or a PostgreSQL database under postgres-tests.
    let db = new_store_location(work.path()).await;
    std::fs::write(
        &config,
        format!(
            "[site]\nurl = \"{}\"\n[store]\ndb = \"{}\"\n[crawl]\nrate = 0\n[assess]\nprofiles = [\"{}\"]\n\
             [output]\ndir = \"reports\"\n[notify]\nurl = \"{}\"\nformat = \"wecom\"\n",
            server.url("/index.html"),
            db,
            profile.display(),
            robot.url("/robot")
        ),
    )
    .unwrap();
    let night = || async {
        zwgk_async(&[
            "nightly",
            "--config",
            config.to_str().unwrap(),
            "--as-of",
            "2026-01-15",
            "--json",
        ])
        .await
    };
    let first = night().await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}\n{}",
        stdout_of(&first),
        stderr_of(&first)
    );
    assert!(received.lock().unwrap().is_empty(), "a quiet first night sends nothing");
    let reports = work.path().join("reports");
    assert!(reports.join("2026-01-15/report.html").is_file());
    assert!(
        reports.join("latest/report.json").is_file(),
        "latest points at the night"
    );

    // Between the nights: the 2024 年报 disappears (a new failure and a removed page), the
    // hollow 随机抽查事项清单 gets its table (a fix), and a 通知 dated 2025-06-01 appears in
    // 通知公告, whose list already reached back past that date on the first night.
    std::fs::remove_file(site.join("art/2025/3/28/art_6032_3001632.html")).unwrap();
    edit(
        &site.join("art/2025/3/17/art_6044_3001612.html"),
        "<p>二、具体内容（详见下表或附件）。</p>",
        "<p>二、具体内容：</p><table><tr><th>序号</th><th>抽查事项</th><th>抽查对象</th><th>抽查方式</th><th>实施部门</th></tr>\
         <tr><td>1</td><td>食品经营许可事项监督检查</td><td>食品经营者</td><td>现场检查</td><td>区市场监督管理局</td></tr>\
         <tr><td>2</td><td>特种设备使用单位监督检查</td><td>特种设备使用单位</td><td>现场检查</td><td>区市场监督管理局</td></tr></table>",
    );
    let anchor = "<span>2025-06-20</span></li>]]></record>";
    edit(
        &site.join("col/col6004/index.html"),
        anchor,
        &format!(
            "{anchor}\n<record><![CDATA[\n<li><a href='/art/2025/6/1/art_6004_3999001.html' title='关于调整部分行政事业性收费标准的通知' target='_blank'>关于调整部分行政事业性收费标准的通知</a><span>2025-06-01</span></li>]]></record>"
        ),
    );
    let model = std::fs::read_to_string(site.join("art/2025/6/20/art_6004_3001824.html")).unwrap();
    std::fs::create_dir_all(site.join("art/2025/6/1")).unwrap();
    std::fs::write(
        site.join("art/2025/6/1/art_6004_3999001.html"),
        model
            .replace("关于2025年端午节放假安排的通知", "关于调整部分行政事业性收费标准的通知")
            .replace("2025-06-20", "2025-06-01"),
    )
    .unwrap();
    // The nights are minutes apart here; a day apart in use. The check needs only that the
    // first night came more than three days after the claimed date, which it did.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let second = night().await;
    assert_eq!(
        second.status.code(),
        Some(1),
        "a regression exits 1\n{}\n{}",
        stdout_of(&second),
        stderr_of(&second)
    );
    let text = stdout_of(&second);
    let json_start = text.rfind("\n{\n").map_or(0, |i| i + 1);
    let result: serde_json::Value = serde_json::from_str(&text[json_start..]).expect("--json result");
    assert_eq!(result["outcome"], "regressed");
    let diff = &result["diff"];
    let ids = |key: &str| -> Vec<String> {
        diff[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        ids("new_failures").contains(&"bzjz.ndbg.fbsx.1".to_string()),
        "{:?}",
        ids("new_failures")
    );
    assert!(
        ids("fixed").contains(&"zdly.fgf.ssjygk.sjccsxqd.1".to_string()),
        "{:?}",
        ids("fixed")
    );
    let urls = |key: &str| -> Vec<String> {
        diff["pages"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["url"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        urls("removed")
            .iter()
            .any(|u| u.ends_with("/art/2025/3/28/art_6032_3001632.html")),
        "{:?}",
        urls("removed")
    );
    assert!(
        urls("new")
            .iter()
            .any(|u| u.ends_with("/art/2025/6/1/art_6004_3999001.html")),
        "{:?}",
        urls("new")
    );
    assert!(
        urls("changed")
            .iter()
            .any(|u| u.ends_with("/art/2025/3/17/art_6044_3001612.html")),
        "{:?}",
        urls("changed")
    );
    let unit = diff["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "区政府各部门")
        .expect("the 年报's unit");
    assert!(unit["new_failures"].as_u64().unwrap() >= 1, "{unit}");

    // The alert: one 企业微信 markdown message naming the new failure.
    let posts = received.lock().unwrap().clone();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["msgtype"], "markdown");
    let content = posts[0]["markdown"]["content"].as_str().unwrap();
    assert!(content.contains("退步") && content.contains("新增不达标"), "{content}");

    // The first-seen flag: in the assessment, in report.html, and in the 倒签 leaf's reason.
    let night_dir = reports.join("2026-01-15");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(night_dir.join("report.json")).unwrap()).unwrap();
    let flags = report["backdated"].as_array().expect("backdated items");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert!(
        flags[0]["item_url"]
            .as_str()
            .unwrap()
            .ends_with("/art/2025/6/1/art_6004_3999001.html")
    );
    assert_eq!(flags[0]["claimed"], "2025-06-01");
    assert_eq!(
        (flags[0]["first_run"].as_i64(), flags[0]["earlier_run"].as_i64()),
        (Some(2), Some(1))
    );
    let html = std::fs::read_to_string(night_dir.join("report.html")).unwrap();
    assert!(html.contains("上网晚于标注日期的信息（疑似倒签）"));
    assert!(night_dir.join("diff.html").is_file() && night_dir.join("diff.json").is_file());

    // history, diff and prune on the same store.
    let history = zwgk_async(&["history", "--db", &db]).await;
    assert!(history.status.success(), "{}", stderr_of(&history));
    let lines: Vec<String> = stdout_of(&history).lines().skip(1).map(String::from).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("zhoucun-2019")), "{lines:?}");
    let diff_text = zwgk_async(&["diff", "--db", &db, "--profile", profile.to_str().unwrap()]).await;
    assert!(diff_text.status.success(), "{}", stderr_of(&diff_text));
    assert!(stdout_of(&diff_text).contains("新增不达标") && stdout_of(&diff_text).contains("bzjz.ndbg.fbsx.1"));
    let dry = zwgk_async(&["prune", "--db", &db, "--keep-runs", "1", "--dry-run", "--json"]).await;
    assert!(dry.status.success(), "{}", stderr_of(&dry));
    let dry: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(dry["runs_pruned"], serde_json::json!([1]));
    let pruned = zwgk_async(&["prune", "--db", &db, "--keep-runs", "1", "--json"]).await;
    assert!(pruned.status.success(), "{}", stderr_of(&pruned));
    let pruned: serde_json::Value = serde_json::from_slice(&pruned.stdout).unwrap();
    assert_eq!(pruned["bodies"], dry["bodies"], "the dry run said what went");
    assert!(
        pruned["bodies"].as_i64().unwrap() >= 1,
        "night 1's own bodies go: {pruned}"
    );
    assert!(
        pruned["kept_for_verdicts"].as_i64().unwrap() >= 1,
        "the removed 年报 stays: {pruned}"
    );
    // The removed 年报 is cited by night 1's kept verdicts: its body stays.
    let pool = raw_pool(&db).await;
    let missing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cited_bodies c WHERE NOT EXISTS (SELECT 1 FROM bodies b WHERE b.sha256 = c.sha256 AND b.codec <> 'pruned')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(missing, 0, "a body a kept verdict cites was pruned");
}

/// The window closes mid-crawl (the clock is moved, not waited for): the run stays open, and
/// the next night's window continues it to the end, each page fetched once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crawl_window_pauses_the_run_and_the_next_window_continues_it() {
    let router = numbered_site(30, Duration::from_millis(40), Vec::new());
    let server = serve(router).await;
    let store = TestStore::new().await;
    // 05:59:58 China time; every real 100 ms is a simulated second, so the 06:00 end of the
    // 22:00-06:00 window comes after about 200 ms of crawling.
    let at = |hms: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-12-06T{hms}+08:00"))
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let dawn = at("05:59:58");
    let started = std::time::Instant::now();
    let mut settings = settings(&server.url("/"));
    settings.window = zwgk::crawl::window::TimeWindow::parse("22:00-06:00");
    settings.clock = Arc::new(move || dawn + chrono::Duration::milliseconds(started.elapsed().as_millis() as i64 * 10));
    let first = run(&settings, &store.store).await;
    assert_eq!(first.stop, zwgk::crawl::StopReason::WindowClosed);
    let fetched = first.summary.fetched;
    assert!((1..31).contains(&fetched), "stopped part-way: {fetched}");
    // Outside the window nothing starts.
    let noon = at("12:00:00");
    settings.clock = Arc::new(move || noon);
    let refused = zwgk::crawl::crawl(&settings, &store.store, std::future::pending()).await;
    assert!(
        matches!(refused, Err(zwgk::crawl::CrawlError::OutsideWindow { .. })),
        "{:?}",
        refused.err()
    );
    // The next night continues the same run to the end.
    let night = at("22:00:05");
    settings.clock = Arc::new(move || night);
    let second = run(&settings, &store.store).await;
    assert_eq!(second.run_id, first.run_id);
    assert!(second.resumed);
    assert_eq!(second.stop, zwgk::crawl::StopReason::Finished);
    assert_eq!(second.summary.fetched, 31, "the start page and 30 pages, once each");
}

/// Away from a terminal the crawl says where it stands in JSON lines: the frontier, the pace,
/// an ETA and each host's state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_off_a_terminal_prints_json_progress_lines() {
    let router = numbered_site(40, Duration::from_millis(100), Vec::new());
    let server = serve(router).await;
    let store = TestStore::new().await;
    let out = zwgk_async(&[
        "crawl",
        &server.url("/"),
        "--db",
        &store.path(),
        "--rate",
        "0",
        "--progress-every",
        "1",
    ])
    .await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let lines: Vec<serde_json::Value> = stderr_of(&out)
        .lines()
        .filter(|l| l.contains("\"progress\""))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.len() >= 2, "about one line a second over ~4 s: {lines:?}");
    let last = &lines[lines.len() - 1]["progress"];
    assert!(last["frontier"]["done"].as_i64().unwrap() > 0, "{last}");
    assert!(last["frontier"]["queued"].as_i64().is_some(), "{last}");
    assert!(last["pages_per_minute"].as_f64().unwrap() > 0.0, "{last}");
    assert!(last["eta_seconds"].as_u64().is_some(), "{last}");
    assert_eq!(last["hosts"][0][1], "ok", "{last}");
}

/// `nightly` logs JSON lines when standard error is not a terminal (a log collector reads them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nightly_logs_are_json_lines_off_a_terminal() {
    let server = zwgk::serve::SiteServer::start(fixture_site()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("n.db").to_string_lossy().into_owned();
    let out = zwgk_command()
        .env("ZWGK_LOG", "zwgk=info")
        .args([
            "nightly",
            &server.url("/index.html"),
            "--db",
            &db,
            "--rate",
            "0",
            "--budget",
            "20",
            "--out",
            &work.path().join("r").to_string_lossy(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a budget stop continues tomorrow: {}",
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).contains("continues the next night"),
        "{}",
        stdout_of(&out)
    );
    let lines: Vec<&str> = std::str::from_utf8(&out.stderr)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    assert!(!lines.is_empty());
    for line in lines {
        let json: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(json.get("level").is_some() || json.get("progress").is_some(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nightly_sends_the_monthly_notice_once_and_records_it() {
    let server = zwgk::serve::SiteServer::start(fixture_site()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("n.db").to_string_lossy().into_owned();
    let config = work.path().join("zwgk.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\nurl = \"{}\"\n\n[notice]\nmonthly = true\nissuer = \"测试区人民政府办公室\"\nrectify_working_days = 5\n",
            server.url("/index.html")
        ),
    )
    .unwrap();
    let out_dir = work.path().join("r");
    let night = || {
        let mut c = zwgk_command();
        c.args([
            "nightly",
            "--config",
            &config.to_string_lossy(),
            "--db",
            &db,
            "--rate",
            "0",
            "--as-of",
            "2026-01-15",
            "--profile",
            concat!(env!("CARGO_MANIFEST_DIR"), "/selectors/sites/zhoucun.toml"),
            "--out",
            &out_dir.to_string_lossy(),
        ]);
        c.output().unwrap()
    };
    let first = night();
    assert!(matches!(first.status.code(), Some(0 | 1)), "{}", stderr_of(&first));
    assert!(
        stdout_of(&first).contains("sent the 通报 of 2025-12"),
        "{}",
        stdout_of(&first)
    );
    let folder = out_dir.join("通报-2025-12");
    assert!(folder.join("通报汇总.html").is_file() && folder.join("通报汇总.docx").is_file());
    let mut docx = zip::ZipArchive::new(std::fs::File::open(folder.join("通报汇总.docx")).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut docx.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains("测试区人民政府办公室"), "the letterhead from [notice]");

    let store = zwgk::store::Store::open_read(&db).await.unwrap();
    let sent: Vec<_> = store
        .ledger(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.month == "2025-12")
        .collect();
    store.close().await;
    assert!(!sent.is_empty(), "the 通报's problems are in the 整改台账");
    let due = zwgk::assess::calendar::WorkCalendar::bundled()
        .add_workdays(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), 5)
        .value
        .to_string();
    assert!(sent.iter().all(|r| r.deadline == due), "{} vs {due}", sent[0].deadline);

    // The next night does not send it again.
    let second = night();
    assert!(matches!(second.status.code(), Some(0 | 1)), "{}", stderr_of(&second));
    assert!(!stdout_of(&second).contains("sent the 通报"), "{}", stdout_of(&second));
    let store = zwgk::store::Store::open_read(&db).await.unwrap();
    let again = store
        .ledger(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.month == "2025-12")
        .count();
    store.close().await;
    assert_eq!(again, sent.len());
}
