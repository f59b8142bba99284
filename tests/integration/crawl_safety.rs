//! Safety and traps: redirects, scope, caps, timeouts, endless URL spaces, encodings.

use std::io::Write;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::helpers::*;

#[tokio::test]
async fn redirect_chains_are_followed_by_hand_and_stored() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/r1"]) }))
        .route("/r1", get(|| async { Redirect::permanent("/r2") }))
        .route("/r2", get(|| async { Redirect::temporary("/final.html") }))
        .route("/final.html", get(|| async { html("<p>final</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    let r1 = fetches.iter().find(|f| f.url.ends_with("/r1")).expect("r1 fetched");
    assert_eq!(r1.status, Some(200));
    assert!(r1.final_url.ends_with("/final.html"));
    let redirects: String = sqlx_redirects(&store, r1.id).await;
    assert!(
        redirects.contains("\"status\":308") && redirects.contains("\"status\":307"),
        "{redirects}"
    );
    // The final URL is not fetched a second time on its own.
    assert_eq!(paths(&server).iter().filter(|p| *p == "/final.html").count(), 1);
}

async fn sqlx_redirects(store: &TestStore, fetch_id: i64) -> String {
    let pool = raw_pool(&store.path()).await;
    let row: (String,) = sqlx::query_as("SELECT redirects FROM fetches WHERE id = $1")
        .bind(fetch_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    row.0
}

#[tokio::test]
async fn redirect_loops_and_long_chains_stop() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/loop/a", "/chain/0"]) }))
        .route("/loop/a", get(|| async { Redirect::temporary("/loop/b") }))
        .route("/loop/b", get(|| async { Redirect::temporary("/loop/a") }))
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move { Redirect::temporary(&format!("/chain/{}", n + 1)) }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let seen = paths(&server);
    assert_eq!(seen.iter().filter(|p| p.starts_with("/loop/")).count(), 2, "{seen:?}");
    assert_eq!(
        seen.iter().filter(|p| p.starts_with("/chain/")).count(),
        11,
        "at most 10 hops: {seen:?}"
    );
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    let looped = fetches.iter().find(|f| f.url.ends_with("/loop/a")).unwrap();
    assert_eq!(looped.change, "redirect");
}

#[tokio::test]
async fn out_of_scope_links_are_recorded_and_never_fetched() {
    let other = serve(Router::new().route("/", get(|| async { html("<p>other</p>") }))).await;
    let other_url = other.url("/");
    let router = Router::new().route(
        "/",
        get(move || {
            let other_url = other_url.clone();
            async move {
                html(format!(
                    "<a href=\"{other_url}\">外站</a><a href=\"http://www.shandong.gov.cn/\">山东省人民政府</a>\
                     <a href=\"mailto:zcxxgk@zb.shandong.cn\">邮箱</a><a href=\"javascript:void(0)\">js</a><a href=\"tel:6195556\">电话</a>"
                ))
            }
        }),
    );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    assert!(
        other.log().requests().is_empty(),
        "the other server must never be contacted"
    );
    assert_eq!(report.summary.links_out_of_scope, 2);
    let links = store.store.run_links(report.run_id).await.unwrap();
    assert!(
        links
            .iter()
            .any(|l| l.1 == "http://www.shandong.gov.cn/" && l.2.as_deref() == Some("山东省人民政府") && !l.4)
    );
    assert!(
        !links
            .iter()
            .any(|l| l.1.starts_with("mailto") || l.1.starts_with("javascript") || l.1.starts_with("tel"))
    );
}

#[tokio::test]
async fn allowed_hosts_are_crawled_with_their_own_robots() {
    let other = serve(
        Router::new()
            .route("/robots.txt", get(|| async { text("User-agent: *\nDisallow: /no/\n") }))
            .route("/yes.html", get(|| async { html("<p>yes</p>") })),
    )
    .await;
    let (yes, no) = (other.url("/yes.html"), other.url("/no/x.html"));
    let router = Router::new().route(
        "/",
        get(move || {
            let (yes, no) = (yes.clone(), no.clone());
            async move { html(format!("<a href=\"{yes}\">y</a><a href=\"{no}\">n</a>")) }
        }),
    );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.allow_hosts = vec![other.origin().trim_start_matches("http://").to_string()];
    run(&s, &store.store).await;
    let seen = paths(&other);
    assert_eq!(seen, vec!["/robots.txt", "/yes.html"]);
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_even_when_gzipped() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'a'; 40 * 1024 * 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 200 * 1024, "a bomb is small on the wire");
    let router = Router::new()
        .route(
            "/",
            get(|| async { links_page(&["/bomb.html", "/big.html", "/ok.html"]) }),
        )
        .route(
            "/bomb.html",
            get(move || {
                let bomb = bomb.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "text/html"), (header::CONTENT_ENCODING, "gzip")],
                        bomb,
                    )
                        .into_response()
                }
            }),
        )
        .route("/big.html", get(|| async { html("x".repeat(3 * 1024 * 1024)) }))
        .route("/ok.html", get(|| async { html("<p>ok</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.http.max_body_bytes = 1024 * 1024;
    let report = run(&s, &store.store).await;
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    for path in ["/bomb.html", "/big.html"] {
        let f = fetches.iter().find(|f| f.url.ends_with(path)).unwrap();
        assert_eq!(f.change, "error", "{path}");
        assert!(f.sha256.is_none(), "{path}: nothing stored");
    }
    let errors: Vec<String> = store
        .store
        .url_states(1)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(url, state, error)| {
            (url.ends_with("/bomb.html") && state == "failed").then(|| error.unwrap_or_default())
        })
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("cap"), "{errors:?}");
    assert!(
        fetches
            .iter()
            .any(|f| f.url.ends_with("/ok.html") && f.status == Some(200))
    );
    // Not retried: a cap is not a transient fault.
    assert_eq!(paths(&server).iter().filter(|p| *p == "/bomb.html").count(), 1);
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried_then_given_up() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/slow.html"]) }))
        .route(
            "/slow.html",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                html("<p>late</p>")
            }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.http.total_timeout = Duration::from_millis(200);
    s.max_attempts = 2;
    let report = run(&s, &store.store).await;
    assert_eq!(paths(&server).iter().filter(|p| *p == "/slow.html").count(), 2);
    assert_eq!(report.summary.failed, 1);
    let states = store.store.url_states(1).await.unwrap();
    let slow = states.iter().find(|s| s.0.ends_with("/slow.html")).unwrap();
    assert!(slow.2.as_deref().unwrap_or_default().contains("timed out"), "{slow:?}");
}

#[tokio::test]
async fn traps_end_calendar_repeated_segment_and_query_explosions() {
    let router = Router::new()
        .route(
            "/",
            get(|| async { links_page(&["/calendar?month=2020-01", "/a/b/", "/search?q=0"]) }),
        )
        .route(
            "/calendar",
            get(|q: axum::extract::RawQuery| async move {
                // Each month links to the next one, forever.
                let month = q.0.unwrap_or_default().trim_start_matches("month=").to_string();
                let (y, m): (u32, u32) = (month[..4].parse().unwrap_or(2020), month[5..].parse().unwrap_or(1));
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                links_page(&[&format!("/calendar?month={ny}-{nm:02}")])
            }),
        )
        .route(
            "/a/{*rest}",
            get(|Path(rest): Path<String>| async move { links_page(&[&format!("/a/{rest}b/a/")]) }),
        )
        .route(
            "/search",
            get(|q: axum::extract::RawQuery| async move {
                let n: u32 = q.0.unwrap_or_default().trim_start_matches("q=").parse().unwrap_or(0);
                links_page(&[&format!("/search?q={}", n + 1), &format!("/search?q={}", n + 2)])
            }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.traps.max_query_variants = 40;
    let report = tokio::time::timeout(Duration::from_secs(60), run(&s, &store.store))
        .await
        .expect("the crawl ends");
    let seen = paths(&server);
    let calendar = seen.iter().filter(|p| p.starts_with("/calendar")).count();
    assert!(calendar <= 26, "calendar cut after 24 steps, saw {calendar}");
    assert!(seen.iter().filter(|p| p.starts_with("/a/")).count() <= 3, "{seen:?}");
    assert!(seen.iter().filter(|p| p.starts_with("/search")).count() <= 41);
    assert!(report.summary.links_skipped_by_traps >= 3);
    let links = store.store.run_links(report.run_id).await.unwrap();
    let reasons: std::collections::BTreeSet<String> = links.iter().filter_map(|l| l.5.clone()).collect();
    assert!(reasons.contains("trap: calendar"), "{reasons:?}");
    assert!(reasons.contains("trap: repeated path segments"), "{reasons:?}");
    assert!(
        reasons.contains("trap: too many query variants of one path"),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn max_depth_is_a_budget() {
    let router = Router::new().route("/", get(|| async { links_page(&["/d/1"]) })).route(
        "/d/{n}",
        get(|Path(n): Path<u32>| async move { links_page(&[&format!("/d/{}", n + 1)]) }),
    );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.traps.max_depth = 5;
    run(&s, &store.store).await;
    let seen = paths(&server);
    assert!(
        seen.contains(&"/d/5".to_string()) && !seen.contains(&"/d/6".to_string()),
        "{seen:?}"
    );
}

#[tokio::test]
async fn session_ids_are_stripped_so_one_page_is_fetched_once() {
    let router = Router::new()
        .route(
            "/",
            get(|| async {
                links_page(&[
                    "/p.html;jsessionid=ABC123",
                    "/p.html?PHPSESSID=xyz",
                    "/p.html#top",
                    "/P.html",
                ])
            }),
        )
        .route("/p.html", get(|| async { html("<p>p</p>") }))
        .route("/P.html", get(|| async { html("<p>P</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    run(&settings(&server.url("/")), &store.store).await;
    let seen = paths(&server);
    assert_eq!(seen.iter().filter(|p| p.starts_with("/p.html")).count(), 1, "{seen:?}");
    assert!(seen.contains(&"/p.html".to_string()));
    assert!(
        seen.contains(&"/P.html".to_string()),
        "paths are case-sensitive: {seen:?}"
    );
}

#[tokio::test]
async fn gbk_pages_are_decoded_and_their_encoding_recorded() {
    let page = |label: &str, text: &str| {
        let mut bytes = format!("<html><head>{label}</head><body>").into_bytes();
        bytes.extend(encoding_rs::GB18030.encode(text).0.iter());
        bytes.extend(b"</body></html>");
        bytes
    };
    let declared = page("<meta charset=\"gb2312\">", "<a href=\"/b.html\">朱镕基同志 喆 堃</a>");
    let undeclared = page(
        "",
        "<p>周村区人民政府办公室关于进一步加强政务公开工作的通知，各镇政府、街道办事处。</p><a href=\"/c.html\">财政预决算公开</a>",
    );
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let body = declared.clone();
                async move { ([(header::CONTENT_TYPE, "text/html")], body).into_response() }
            }),
        )
        .route(
            "/b.html",
            get(move || {
                let body = undeclared.clone();
                async move { ([(header::CONTENT_TYPE, "text/html")], body).into_response() }
            }),
        )
        .route("/c.html", get(|| async { html("<p>c</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    let home = fetches.iter().find(|f| f.url == server.url("/")).unwrap();
    assert_eq!(home.encoding.as_deref(), Some("gb18030"));
    assert_eq!(home.encoding_source.as_deref(), Some("meta:gb2312"));
    let b = fetches.iter().find(|f| f.url.ends_with("/b.html")).unwrap();
    assert_eq!(b.encoding.as_deref(), Some("gb18030"));
    assert_eq!(b.encoding_source.as_deref(), Some("detected"));
    let links = store.store.run_links(report.run_id).await.unwrap();
    assert!(
        links.iter().any(|l| l.2.as_deref() == Some("朱镕基同志 喆 堃")),
        "{links:?}"
    );
    assert!(
        links.iter().any(|l| l.2.as_deref() == Some("财政预决算公开")),
        "{links:?}"
    );
}

#[tokio::test]
async fn hostile_responses_never_crash_the_crawl() {
    let router = Router::new()
        .route(
            "/",
            get(|| async { links_page(&["/binary.html", "/deep.html", "/lies.xml", "/empty.html", "/sm.xml"]) }),
        )
        .route(
            "/binary.html",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=x-unknown")],
                    vec![0u8, 0xff, 0xfe, 0x81, 0x30, 0x3c],
                )
                    .into_response()
            }),
        )
        .route(
            "/deep.html",
            get(|| async { html(format!("{}<a href=\"/x.html\">x</a>", "<div>".repeat(100_000))) }),
        )
        .route(
            "/lies.xml",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/xml")],
                    "<datastore><totalrecord>999999999</totalrecord><record><![CDATA[<a href='/y.html'>y",
                )
                    .into_response()
            }),
        )
        .route(
            "/empty.html",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "").into_response() }),
        )
        .route("/x.html", get(|| async { html("x") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    assert!(
        paths(&server).contains(&"/x.html".to_string()),
        "links in a deeply nested page are found"
    );
    assert!(report.summary.fetched >= 6);
}

#[tokio::test]
async fn max_pages_stops_the_crawl_and_leaves_the_rest_queued() {
    let links: Vec<String> = (0..50).map(|i| format!("/p/{i}.html")).collect();
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let links = links.clone();
                async move { links_page(&links.iter().map(String::as_str).collect::<Vec<_>>()) }
            }),
        )
        .route("/p/{n}", get(|| async { html("<p>p</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.max_pages = Some(10);
    let report = tokio::time::timeout(Duration::from_secs(30), run(&s, &store.store))
        .await
        .expect("the crawl ends");
    assert_eq!(report.stop_reason, "page limit reached");
    assert_eq!(report.summary.fetched, 10);
    assert_eq!(report.summary.queued, 41);
    assert_eq!(paths(&server).len(), 11, "robots.txt and ten pages");
}
