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

/// A store for one test.
///
/// A SQLite file in that directory; with the `postgres-tests` feature, a fresh database on the
/// PostgreSQL server that `ZWGK_TEST_POSTGRES` names, so every test written with `TestStore`
/// runs on PostgreSQL. Without the variable those tests fail: they never fall back to SQLite.
pub struct TestStore {
    pub store: Store,
    /// Holds the SQLite file (removed on drop); also there on PostgreSQL, for symmetry.
    _dir: TempDir,
    location: String,
}

impl TestStore {
    pub async fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = new_store_location(dir.path()).await;
        let store = Store::open(&location).await.expect("open store");
        TestStore {
            store,
            _dir: dir,
            location,
        }
    }

    /// Always a SQLite file, for tests of the file itself (copies, permissions, its lock).
    pub async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = dir.path().join("zwgk.db").to_string_lossy().into_owned();
        let store = Store::open(&location).await.expect("open store");
        TestStore {
            store,
            _dir: dir,
            location,
        }
    }

    /// What `--db` takes: the file's path, or the database's URL.
    pub fn path(&self) -> String {
        self.location.clone()
    }
}

/// Where a new test store lives: `DIR/zwgk.db`, or a new PostgreSQL database.
pub async fn new_store_location(dir: &std::path::Path) -> String {
    if cfg!(feature = "postgres-tests") {
        postgres_database().await
    } else {
        dir.join("zwgk.db").to_string_lossy().into_owned()
    }
}

/// A new, empty database on the test server, as a URL.
pub async fn postgres_database() -> String {
    use sqlx::Connection as _;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = std::env::var("ZWGK_TEST_POSTGRES").expect(
        "the postgres-tests feature needs ZWGK_TEST_POSTGRES=postgres://USER@HOST:PORT/DB (a server the tests may \
         create databases on; `.ci/postgres.sh start` makes one)",
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("ZWGK_TEST_POSTGRES={server}: cannot connect: {e}"));
    let name = format!(
        "zwgk_t{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    // The name is ours (digits and letters), never test input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    admin.close().await.ok();
    let mut url = url::Url::parse(&server).expect("ZWGK_TEST_POSTGRES is a URL");
    url.set_path(&name);
    url.to_string()
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

/// A plain static server, as many district portals are: `python3 -m http.server` on
/// 127.0.0.1 serving a directory (no dataproxy.jsp, no downfile.jsp, no templates), killed on
/// drop. It needs the machine's python3; a missing one fails the test loudly.
pub struct PythonServer {
    child: std::process::Child,
    pub origin: String,
}

impl PythonServer {
    pub fn start(root: &std::path::Path) -> PythonServer {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 is needed to serve a fixture the way a plain static server does");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("python3 http.server says its port");
        // "Serving HTTP on 127.0.0.1 port 43123 (http://127.0.0.1:43123/) ..."
        let port: u16 = line
            .split("port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("cannot read the port from `{line}`"));
        PythonServer {
            child,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The zwgk binary under test: this build's, or `ZWGK_BIN` (to run the black-box suites
/// against another build, e.g. to see a regression test fail on the old code).
pub fn zwgk_command() -> std::process::Command {
    let binary = std::env::var("ZWGK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_zwgk").to_string());
    let mut command = std::process::Command::new(binary);
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    // No report.pdf: a machine with Chromium would otherwise start it for every report;
    // the browser tests print the PDF on purpose.
    command.env("ZWGK_NO_PDF", "true");
    command
}

/// Runs zwgk to the end (blocking: call from a test thread or `spawn_blocking`).
pub fn zwgk(args: &[&str]) -> std::process::Output {
    zwgk_command().args(args).output().expect("run zwgk")
}

/// Runs zwgk to the end from async code.
pub async fn zwgk_async(args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        zwgk(&args)
    })
    .await
    .expect("zwgk runner")
}

/// Sends a signal to a child process.
pub fn send_signal(child: &std::process::Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).expect("pid")).expect("a child has a pid");
    rustix::process::kill_process(pid, signal).expect("signal the child");
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A raw pool on a test store of either backend (`$N` placeholders), for the columns the
/// store's typed queries leave out: what an assessor's own SQL tool would read.
pub async fn raw_pool(db: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = if zwgk::store::is_postgres(db) {
        db.to_string()
    } else {
        format!("sqlite://{db}")
    };
    sqlx::AnyPool::connect(&url)
        .await
        .expect("a raw pool on the test store")
}

/// A finished crawl of the bundled fixture site, extracted, in a store of its own.
pub async fn fixture_store() -> (TestStore, SiteServer) {
    fixture_store_in(TestStore::new().await).await
}

/// The same in a SQLite file, for tests of the file itself.
pub async fn fixture_store_sqlite() -> (TestStore, SiteServer) {
    fixture_store_in(TestStore::sqlite().await).await
}

async fn fixture_store_in(store: TestStore) -> (TestStore, SiteServer) {
    let server = SiteServer::start(fixture_site()).await.expect("fixture server");
    let db = store.path();
    let out = zwgk_async(&["crawl", &server.url("/index.html"), "--db", &db, "--rate", "0"]).await;
    assert!(out.status.success(), "fixture crawl: {}", stderr_of(&out));
    let out = zwgk_async(&["extract", "--db", &db]).await;
    assert!(out.status.success(), "fixture extract: {}", stderr_of(&out));
    (store, server)
}

/// A site whose start page links `/p/0.html` … `/p/{n-1}.html` (and `extra` links), each
/// page answered after `delay`.
pub fn numbered_site(n: usize, delay: Duration, extra: Vec<String>) -> Router {
    use axum::extract::Path;
    use axum::routing::get;
    let mut links: Vec<String> = (0..n).map(|i| format!("/p/{i}.html")).collect();
    links.extend(extra);
    Router::new()
        .route(
            "/",
            get(move || {
                let links = links.clone();
                async move { links_page(&links.iter().map(String::as_str).collect::<Vec<_>>()) }
            }),
        )
        .route(
            "/p/{n}",
            get(move |Path(n): Path<String>| async move {
                tokio::time::sleep(delay).await;
                html(format!("<p>page {n}</p>"))
            }),
        )
}

/// A PDF page's MediaBox size in points (on the page or inherited from its parents): the
/// browser and office tests check that what they print is A4.
#[cfg(any(feature = "browser-tests", feature = "office-tests"))]
pub fn media_box(doc: &lopdf::Document, mut id: lopdf::ObjectId) -> (f32, f32) {
    loop {
        let dict = doc.get_dictionary(id).expect("a page dictionary");
        if let Ok(lopdf::Object::Array(b)) = dict.get(b"MediaBox") {
            let n: Vec<f32> = b.iter().map(|o| o.as_float().expect("a number")).collect();
            return (n[2] - n[0], n[3] - n[1]);
        }
        id = dict
            .get(b"Parent")
            .and_then(lopdf::Object::as_reference)
            .expect("a MediaBox on the page or a parent");
    }
}
