//! Politeness, asserted on what the server saw.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::helpers::*;

fn site(robots: &'static str, pages: usize) -> Router {
    let mut router = Router::new().route("/robots.txt", get(move || async move { text(robots) }));
    let links: Vec<String> = (0..pages).map(|i| format!("/p/{i}.html")).collect();
    router = router.route(
        "/",
        get(move || {
            let links = links.clone();
            async move { links_page(&links.iter().map(String::as_str).collect::<Vec<_>>()) }
        }),
    );
    router.route(
        "/p/{name}",
        get(|| async { links_page(&["/private/secret.html", "/admin/x.html"]) }),
    )
}

#[tokio::test]
async fn robots_txt_is_fetched_first_and_disallowed_paths_are_never_requested() {
    let server = serve(site("User-agent: *\nDisallow: /private/\nDisallow: /admin/\n", 5)).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let seen = paths(&server);
    assert_eq!(seen[0], "/robots.txt", "{seen:?}");
    assert!(
        !seen
            .iter()
            .any(|p| p.starts_with("/private") || p.starts_with("/admin")),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 1 + 1 + 5);
    assert_eq!(report.summary.robots_blocked, 2);
    assert_eq!(report.summary.new, 1 + 5);
}

#[tokio::test]
async fn a_group_for_zwgk_overrides_the_global_group() {
    let robots = "User-agent: *\nDisallow: /\n\nUser-agent: zwgk\nAllow: /\nDisallow: /p/3.html\n";
    let server = serve(site(robots, 5)).await;
    let store = TestStore::new().await;
    run(&settings(&server.url("/")), &store.store).await;
    let seen = paths(&server);
    assert!(seen.contains(&"/p/2.html".to_string()), "{seen:?}");
    assert!(!seen.contains(&"/p/3.html".to_string()), "{seen:?}");
}

#[tokio::test]
async fn robots_txt_404_allows_everything() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/private/a.html"]) }))
        .route("/private/a.html", get(|| async { html("<p>ok</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    assert!(paths(&server).contains(&"/private/a.html".to_string()));
    assert_eq!(report.summary.robots_blocked, 0);
}

#[tokio::test]
async fn robots_txt_server_errors_disallow_everything_and_pause_the_host() {
    let router = Router::new()
        .route("/robots.txt", get(|| async { status(503) }))
        .route("/", get(|| async { links_page(&["/a.html"]) }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let seen = paths(&server);
    assert!(
        seen.iter().all(|p| p == "/robots.txt"),
        "only robots.txt may be requested: {seen:?}"
    );
    assert_eq!(
        seen.len(),
        3,
        "robots.txt is retried, then the host is paused: {seen:?}"
    );
    assert_eq!(report.summary.paused_hosts.len(), 1);
    assert!(report.summary.paused_hosts[0].1.contains("robots.txt unavailable"));
    assert_eq!(report.summary.held, 1, "the start page is held, not lost");
}

#[tokio::test]
async fn requests_to_one_host_are_spaced_by_the_rate() {
    let server = serve(site("User-agent: *\nDisallow: /private/\nDisallow: /admin/\n", 6)).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.pacing.rate = 10.0;
    let started = std::time::Instant::now();
    run(&s, &store.store).await;
    let elapsed = started.elapsed();
    let requests = server.log().requests();
    assert_eq!(requests.len(), 8);
    for pair in requests.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(95),
            "gap {gap:?} below the 100 ms interval"
        );
    }
    // 8 requests at 10/s: 7 intervals.
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn crawl_delay_longer_than_the_rate_interval_is_honoured() {
    let server = serve(site(
        "User-agent: *\nCrawl-delay: 0.3\nDisallow: /private/\nDisallow: /admin/\n",
        2,
    ))
    .await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.pacing.rate = 20.0;
    run(&s, &store.store).await;
    let requests = server.log().requests();
    assert_eq!(requests.len(), 4);
    for pair in requests.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(295), "gap {gap:?} below Crawl-delay 0.3 s");
    }
}

#[tokio::test]
async fn retry_after_is_waited_and_the_host_slowed() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/busy.html", "/after.html"]) }))
        .route(
            "/busy.html",
            get(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        ([(header::RETRY_AFTER, "1")], status(429)).into_response()
                    } else {
                        html("<p>ok</p>")
                    }
                }
            }),
        )
        .route("/after.html", get(|| async { html("<p>after</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let requests = server.log().requests();
    let first_busy = requests
        .iter()
        .position(|r| r.target == "/busy.html")
        .expect("busy requested");
    let next = &requests[first_busy + 1];
    let gap = next.at.duration_since(requests[first_busy].at);
    assert!(
        gap >= Duration::from_millis(990),
        "the whole host waited Retry-After: {gap:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2, "retried once after the wait");
    assert_eq!(report.summary.failed, 0);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new().route(
        "/",
        get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
                    ([(header::RETRY_AFTER, at)], status(503)).into_response()
                } else {
                    html("<p>ok</p>")
                }
            }
        }),
    );
    let server = serve(router).await;
    let store = TestStore::new().await;
    run(&settings(&server.url("/")), &store.store).await;
    let requests: Vec<_> = server
        .log()
        .requests()
        .into_iter()
        .filter(|r| r.target == "/")
        .collect();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].at.duration_since(requests[0].at);
    // HTTP dates have one-second resolution.
    assert!(gap >= Duration::from_millis(1000), "{gap:?}");
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_given_up() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/broken.html"]) }))
        .route("/broken.html", get(|| async { status(500) }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let requests: Vec<_> = server
        .log()
        .requests()
        .into_iter()
        .filter(|r| r.target == "/broken.html")
        .collect();
    assert_eq!(requests.len(), 4, "max_attempts tries");
    let gaps: Vec<Duration> = requests.windows(2).map(|p| p[1].at.duration_since(p[0].at)).collect();
    // Backoff base 20 ms × 2^(n-1) × jitter in [0.5, 1.5): at least 10, 20, 40 ms.
    for (i, gap) in gaps.iter().enumerate() {
        let floor = Duration::from_millis(10 << i);
        assert!(*gap >= floor, "gap {i} {gap:?} below {floor:?}");
    }
    assert_eq!(report.summary.failed, 1);
}

#[tokio::test]
async fn a_host_that_keeps_failing_is_paused_and_reported() {
    let links: Vec<String> = (0..30).map(|i| format!("/e/{i}.html")).collect();
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let links = links.clone();
                async move { links_page(&links.iter().map(String::as_str).collect::<Vec<_>>()) }
            }),
        )
        .route("/e/{n}", get(|| async { status(502) }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.host_failure_limit = 5;
    let report = run(&s, &store.store).await;
    let errors = paths(&server).iter().filter(|p| p.starts_with("/e/")).count();
    assert!(errors <= 6, "the host was paused after 5 failures, saw {errors}");
    assert_eq!(report.summary.paused_hosts.len(), 1);
    assert!(report.summary.held >= 20, "{:?}", report.summary);
}

#[tokio::test]
async fn user_agent_names_zwgk_and_is_configurable() {
    let server = serve(site("User-agent: *\nAllow: /\n", 0)).await;
    let store = TestStore::new().await;
    run(&settings(&server.url("/")), &store.store).await;
    let ua = server.log().requests()[0]
        .header("user-agent")
        .unwrap_or_default()
        .to_string();
    assert!(ua.starts_with("zwgk/") && ua.contains("+http"), "{ua}");

    let server = serve(site("User-agent: *\nAllow: /\n", 0)).await;
    let store = TestStore::new().await;
    let mut s = settings(&server.url("/"));
    s.http.user_agent = "zwgk-zhoucun/1.0 (+mailto:office@zhoucun.gov.cn)".into();
    run(&s, &store.store).await;
    assert_eq!(
        server.log().requests()[0].header("user-agent"),
        Some("zwgk-zhoucun/1.0 (+mailto:office@zhoucun.gov.cn)")
    );
}
