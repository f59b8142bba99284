//! What a hostile or broken site serves must not steer zwgk: redirects past the URL limit,
//! bodies over the cap, pages that stay gone, `inspect` against odd hosts, and reports from
//! stores full of evidence.

use std::fs;
use std::process::Command;

use axum::Router;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use futures_util::stream;
use tempfile::TempDir;
use zwgk::serve::SiteServer;

use crate::helpers::*;

/// Opens a second connection to the test store for the columns the typed queries leave out.
async fn pool(store: &TestStore) -> sqlx::AnyPool {
    raw_pool(&store.path()).await
}

#[tokio::test]
async fn redirect_targets_longer_than_the_url_limit_are_refused_not_followed() {
    let long_target = format!("/trap?q={}", "a".repeat(100 * 1024));
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/long", "/ok.html"]) }))
        .route(
            "/long",
            get(move || {
                let target = long_target.clone();
                async move { Redirect::temporary(&target) }
            }),
        )
        .route("/trap", get(|| async { html("<p>trap</p>") }))
        .route("/ok.html", get(|| async { html("<p>ok</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;

    let seen = paths(&server);
    assert_eq!(
        seen.iter().filter(|p| *p == "/long").count(),
        1,
        "asked once, not retried: {:?}",
        seen.iter().map(|p| &p[..p.len().min(40)]).collect::<Vec<_>>()
    );
    assert!(
        !seen.iter().any(|p| p.starts_with("/trap")),
        "the long target is never requested"
    );
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    let long = fetches.iter().find(|f| f.url.ends_with("/long")).unwrap();
    assert_eq!(long.change, "error");
    assert!(long.final_url.ends_with("/long"), "{}", &long.final_url);
    let states = store.store.url_states(1).await.unwrap();
    let (_, state, error) = states.iter().find(|s| s.0.ends_with("/long")).unwrap();
    assert_eq!(state, "failed");
    let error = error.as_deref().unwrap_or_default();
    assert!(
        error.contains("redirect target longer than 2,083 characters"),
        "{error}"
    );
    assert!(
        error.len() < 200,
        "the error does not carry the URL: {} bytes",
        error.len()
    );
    assert!(
        states.iter().all(|(url, _, _)| url.len() <= 2083),
        "no URL row past the limit"
    );
    assert!(
        fetches
            .iter()
            .any(|f| f.url.ends_with("/ok.html") && f.status == Some(200)),
        "the rest of the site is crawled"
    );
}

/// The columns of a `fetches` row that an over-cap download must still fill.
#[derive(Debug, sqlx::FromRow)]
struct StoredFetch {
    url: String,
    status: Option<i64>,
    error: Option<String>,
    response_headers: String,
    content_type: Option<String>,
    etag: Option<String>,
    sha256: Option<String>,
}

impl StoredFetch {
    fn error(&self) -> &str {
        self.error.as_deref().unwrap_or_default()
    }
}

#[tokio::test]
async fn bodies_over_the_cap_are_recorded_with_status_headers_and_size() {
    const SIZE: usize = 3 * 1024 * 1024;
    let router = Router::new()
        .route(
            "/",
            get(|| async { links_page(&["/files/big.pdf", "/files/stream.pdf"]) }),
        )
        // Content-Length given: refused before the body is read.
        .route(
            "/files/big.pdf",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/pdf"), (header::ETAG, "\"big-1\"")],
                    vec![b'%'; SIZE],
                )
                    .into_response()
            }),
        )
        // No Content-Length (chunked): read until the cap.
        .route(
            "/files/stream.pdf",
            get(|| async {
                let chunks = (0..48).map(|_| Ok::<_, std::io::Error>(vec![b'%'; 64 * 1024]));
                (
                    [(header::CONTENT_TYPE, "application/pdf")],
                    Body::from_stream(stream::iter(chunks)),
                )
                    .into_response()
            }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.http.max_body_bytes = 1024 * 1024;
    run(&s, &store.store).await;

    let rows: Vec<StoredFetch> = sqlx::query_as(
        "SELECT url, status, error, response_headers, content_type, etag, sha256 FROM fetches \
         WHERE url LIKE '%/files/%' ORDER BY url",
    )
    .fetch_all(&pool(&store).await)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "one fetch each, not retried: {rows:?}");
    for f in &rows {
        assert_eq!(f.status, Some(200), "{}", f.url);
        assert_eq!(f.content_type.as_deref(), Some("application/pdf"), "{}", f.url);
        assert!(f.response_headers.contains("content-type"), "{f:?}");
        assert!(f.sha256.is_none(), "{}: the body is not kept", f.url);
        assert!(f.error().contains("1048576-byte cap"), "{f:?}");
    }
    let (big, streamed) = (&rows[0], &rows[1]);
    assert!(big.url.ends_with("big.pdf") && streamed.url.ends_with("stream.pdf"));
    assert_eq!(big.etag.as_deref(), Some("\"big-1\""));
    assert!(big.error().contains(&format!("Content-Length {SIZE} bytes")), "{big:?}");
    // Reading stops at the first chunk past the cap: 1 MiB and one 64 KiB chunk at most.
    let read: u64 = streamed
        .error()
        .split("stopped after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in {streamed:?}"));
    assert!((1024 * 1024..=(1024 + 64) * 1024).contains(&read), "{read}");
    let states = store.store.url_states(1).await.unwrap();
    assert!(
        states
            .iter()
            .filter(|(url, _, _)| url.contains("/files/"))
            .all(|(_, state, _)| state == "failed"),
        "{states:?}"
    );
}

fn write(dir: &TempDir, path: &str, body: &str) {
    fs::write(dir.path().join(path), body).unwrap();
}

#[tokio::test]
async fn a_page_removed_in_one_run_is_not_missing_in_later_runs() {
    let site = tempfile::tempdir().unwrap();
    write(
        &site,
        "index.html",
        "<meta charset=utf-8><a href=\"/a.html\">a</a><a href=\"/gone.html\">gone</a><a href=\"/never.html\">never</a>",
    );
    write(&site, "a.html", "<p>a</p>");
    write(&site, "gone.html", "<p>soon gone</p>");
    let server = SiteServer::start(site.path().to_path_buf()).await.unwrap();
    let store = TestStore::new().await;
    let s = settings(&server.url("/index.html"));
    let change_of = |fetches: &[zwgk::store::FetchRow], path: &str| {
        fetches
            .iter()
            .find(|f| f.url.ends_with(path))
            .map(|f| f.change.clone())
            .unwrap()
    };

    let first = run(&s, &store.store).await;
    assert_eq!(
        (first.summary.removed, first.summary.missing),
        (0, 1),
        "{:?}",
        first.summary
    );

    fs::remove_file(site.path().join("gone.html")).unwrap();
    let second = run(&s, &store.store).await;
    assert_eq!(
        (second.summary.removed, second.summary.missing),
        (1, 1),
        "{:?}",
        second.summary
    );
    let fetches = store.store.run_fetches(second.run_id).await.unwrap();
    assert_eq!(change_of(&fetches, "/gone.html"), "removed");

    // Still gone: nothing changed since the run that recorded the removal. The page that
    // was never there stays missing.
    let third = run(&s, &store.store).await;
    assert_eq!(
        (third.summary.removed, third.summary.missing),
        (0, 1),
        "{:?}",
        third.summary
    );
    let fetches = store.store.run_fetches(third.run_id).await.unwrap();
    assert_eq!(change_of(&fetches, "/gone.html"), "unchanged");
    assert_eq!(change_of(&fetches, "/never.html"), "missing");
    assert_eq!(third.summary.errors, 0, "{:?}", third.summary);
}

/// Runs the `zwgk` binary.
fn zwgk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn inspect_follows_same_origin_redirects_and_names_the_final_url() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let router = Router::new()
        .route("/old.html", get(|| async { Redirect::permanent("/moved/new.html") }))
        .route(
            "/moved/new.html",
            get(|| async {
                html("<html><head><title>迁移后的页面</title></head><body><p>正文</p></body></html>")
            }),
        )
        .route(
            "/robots.txt",
            get(|| async { text("User-agent: *\nDisallow: /private/\n") }),
        )
        .route("/to-private", get(|| async { Redirect::temporary("/private/x.html") }))
        .route("/private/x.html", get(|| async { html("<p>private</p>") }));
    let server = runtime.block_on(serve(router));
    let old = server.url("/old.html");
    let new = server.url("/moved/new.html");

    let out = zwgk(&["inspect", &old]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("迁移后的页面"), "{stdout}");
    assert!(
        stdout.contains(&format!("url        {new} (redirected from {old})")),
        "{stdout}"
    );
    let out = zwgk(&["inspect", "--json", &old]);
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts["url"], new.as_str());

    // A redirect into a disallowed path is not followed.
    let out = zwgk(&["inspect", &server.url("/to-private")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not allow"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!paths(&server).contains(&"/private/x.html".to_string()));
}

#[test]
fn inspect_says_an_unreachable_host_cannot_be_reached() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = zwgk(&["inspect", &format!("http://127.0.0.1:{port}/index.html")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("cannot reach `http://127.0.0.1:{port}`")) && stderr.contains("connection failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("does not allow"), "{stderr}");
}

/// An assessment as a hostile or very large site makes it: every leaf failing for two units
/// with thousands of evidence items and a very long reason, every leaf changed since the
/// previous run, tens of thousands of gaps and thousands of columns.
fn huge_report_data(leaves: usize, evidence_per_leaf: usize, gaps_per_list: usize) -> zwgk::report::ReportData {
    use zwgk::assess::engine::{Assessment, Evidence, Verdict, summarize};
    use zwgk::assess::verdict::Status;
    use zwgk::report::{ColumnSummary, Gap, Gaps, ReportData};
    let verdict = |i: usize, status: Status, evidence: Vec<Evidence>| Verdict {
        id: format!("leaf.{i}"),
        path: vec![format!("一级{}", i % 7), format!("二级{i}")],
        question: format!("评价要点{i}"),
        units: vec!["区政府办公室".to_string(), format!("单位{}", i % 13)],
        time_limit: "信息形成之日起20个工作日内".to_string(),
        status,
        score: Some(0.0),
        reason: format!("逾期未公开的文件：{}", "《关于印发某某工作方案的通知》".repeat(2_000)),
        evidence,
        source: "auto".to_string(),
        failures: evidence_per_leaf,
        basis: Default::default(),
    };
    let evidence = |leaf: usize| -> Vec<Evidence> {
        (0..evidence_per_leaf)
            .map(|j| Evidence {
                url: format!("http://www.zhoucun.gov.cn/art/2025/3/5/art_{leaf}_{j}.html"),
                fetched_at: Some("2026-01-10T00:00:00Z".to_string()),
                sha256: Some(format!("{j:064x}")),
                excerpt: format!("关于印发第{j}号文件的通知{}", "很长的摘录".repeat(30)),
            })
            .collect()
    };
    let assessment = |indicators: Vec<Verdict>| Assessment {
        site: "http://www.zhoucun.gov.cn".to_string(),
        run_id: 2,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        period: 2025,
        catalog: "synthetic".to_string(),
        catalog_title: "合成".to_string(),
        generator: "zwgk test".to_string(),
        summary: summarize(&indicators),
        indicators,
        calendar: Default::default(),
        understanding: Default::default(),
        unfinished_run: None,
        backdated: Vec::new(),
        routing: Default::default(),
    };
    let now: Vec<Verdict> = (0..leaves).map(|i| verdict(i, Status::Fail, evidence(i))).collect();
    let before: Vec<Verdict> = (0..leaves).map(|i| verdict(i, Status::Pass, Vec::new())).collect();
    let gaps = |n: usize, what: &str| -> Vec<Gap> {
        (0..n)
            .map(|i| Gap {
                url: format!("http://www.zhoucun.gov.cn/{what}/{i}.html"),
                detail: format!("多次重试后失败：{}", "connection reset ".repeat(100)),
            })
            .collect()
    };
    ReportData {
        deadlines: Default::default(),
        assessment: assessment(now),
        previous: Some(assessment(before)),
        gaps: Gaps {
            blocked: gaps(gaps_per_list, "blocked"),
            failed: gaps(gaps_per_list, "failed"),
            unreached: gaps(gaps_per_list, "unreached"),
            empty_pages: gaps(gaps_per_list, "empty"),
        },
        columns: (0..gaps_per_list / 4)
            .map(|i| ColumnSummary {
                key: "通知公告".to_string(),
                name: format!("栏目{i}{}", "名".repeat(500)),
                url: format!("http://www.zhoucun.gov.cn/col/col{i}/index.html"),
                items: 100_000,
                newest: (0..5)
                    .map(|j| {
                        (
                            format!("标题{j}{}", "长".repeat(5_000)),
                            format!("http://www.zhoucun.gov.cn/art/{i}_{j}.html"),
                            None,
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[test]
fn report_html_stays_bounded_while_report_json_keeps_every_item() {
    use zwgk::report::{Format, html, write_reports};
    // The bundled catalog has 161 leaves; every one here is at its caps in every section
    // (about 25 KB a leaf: 20 evidence items, 1,000 characters of reason, two problem rows).
    let (leaves, evidence_per_leaf, gaps_per_list) = (161, 1_000, 20_000);
    let data = huge_report_data(leaves, evidence_per_leaf, gaps_per_list);
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &data, &[Format::Html, Format::Json, Format::Csv]).unwrap();

    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.len() < 5 * 1024 * 1024, "report.html is {} bytes", html.len());
    // Bounded by the catalog, not the site: ten times the evidence and twenty times
    // the gaps change the page by a few digits.
    let smaller = html::render(&huge_report_data(leaves, 100, 1_000)).len();
    assert!(
        html.len().abs_diff(smaller) < smaller / 100,
        "{} bytes against {smaller}",
        html.len()
    );
    for v in &data.assessment.indicators {
        assert!(
            html.contains(&format!("<tr id=\"{}\">", zwgk::report::html::leaf_anchor(&v.id))),
            "leaf {} is listed",
            v.id
        );
    }
    assert!(html.contains(&format!(
        "另有 {} 条，完整列表见 report.json / report.csv",
        evidence_per_leaf - 20
    )));
    assert!(html.contains("说明过长，已截断；全文见 report.json / report.csv"));
    assert!(html.contains("抓取失败（20000项）") && html.contains("另有 19950 条，完整列表见 report.json（gaps）"));
    assert!(html.contains("另有 4900 个栏目未列出"));

    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    let indicators = json["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), leaves);
    for (v, stored) in data.assessment.indicators.iter().zip(indicators) {
        assert_eq!(stored["evidence"].as_array().unwrap().len(), evidence_per_leaf);
        assert_eq!(stored["reason"].as_str().unwrap(), v.reason, "the reason is whole");
    }
    for list in ["blocked", "failed", "unreached", "empty_pages"] {
        assert_eq!(json["gaps"][list].as_array().unwrap().len(), gaps_per_list, "{list}");
    }
    let csv = fs::read_to_string(out.path().join("report.csv")).unwrap();
    assert!(
        csv.contains(&format!("art_160_{}.html", evidence_per_leaf - 1)),
        "report.csv keeps every link"
    );
}
