//! Shared test plumbing: temporary stores, fast crawl settings, small routers.

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tempfile::TempDir;
use url::Url;
use zwgk::crawl::{self, CrawlReport, CrawlSettings};
use zwgk::serve::SiteServer;
use zwgk::store::Store;

/// A store in its own temporary directory (removed on drop).
pub struct TestStore {
    pub store: Store,
    pub dir: TempDir,
}

impl TestStore {
    pub async fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zwgk.db");
        let store = Store::open(path.to_str().expect("utf-8 temp path"))
            .await
            .expect("open store");
        TestStore { store, dir }
    }

    pub fn path(&self) -> String {
        self.dir.path().join("zwgk.db").to_string_lossy().into_owned()
    }
}

/// Settings for tests: no rate limit, short backoffs and timeouts.
pub fn settings(start: &str) -> CrawlSettings {
    let mut s = CrawlSettings::new(Url::parse(start).expect("start url"));
    s.pacing.rate = 0.0;
    s.pacing.backoff_base = Duration::from_millis(20);
    s.pacing.backoff_max = Duration::from_millis(200);
    s.pacing.slowdown_floor = Duration::from_millis(10);
    s.http.total_timeout = Duration::from_secs(5);
    s.http.read_timeout = Duration::from_secs(5);
    s
}

pub async fn run(settings: &CrawlSettings, store: &Store) -> CrawlReport {
    crawl::crawl(settings, store, std::future::pending())
        .await
        .expect("crawl runs")
}

pub fn html(body: impl Into<String>) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body.into()).into_response()
}

pub fn text(body: impl Into<String>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], body.into()).into_response()
}

pub fn status(code: u16) -> Response {
    StatusCode::from_u16(code).expect("valid status").into_response()
}

/// A page listing links.
pub fn links_page(links: &[&str]) -> Response {
    let items: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">{l}</a></li>"))
        .collect();
    html(format!(
        "<html><head><meta charset=\"utf-8\"><title>t</title></head><body><ul>{items}</ul></body></html>"
    ))
}

pub async fn serve(router: Router) -> SiteServer {
    SiteServer::start_router(router).await.expect("start test server")
}

/// Paths the server was asked for, in order.
pub fn paths(server: &SiteServer) -> Vec<String> {
    server.log().requests().iter().map(|r| r.target.clone()).collect()
}

/// The fixture site of the repository.
pub fn fixture_site() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/site")
}
