//! Exit codes a scheduler can trust: finished 0, paused hosts 3, nothing fetched 4, budget 5.

use axum::Router;

use crate::helpers::*;

/// A port with nothing listening.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn pages(n: usize, extra: Vec<String>) -> Router {
    numbered_site(n, std::time::Duration::ZERO, extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_that_reaches_nothing_exits_4_and_says_why() {
    let store = TestStore::new().await;
    let db = store.path();
    let url = format!("http://127.0.0.1:{}/", dead_port());
    let out = zwgk_async(&["crawl", &url, "--db", &db, "--rate", "0", "--timeout", "5"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("fetched nothing"), "{text}");
    assert!(!text.contains("frontier exhausted"), "{text}");
    // The connection error is printed with the paused host.
    assert!(
        text.to_lowercase().contains("connection refused") || text.contains("connect"),
        "{text}"
    );
    // The failed run is not the "latest finished run" a report would judge.
    let out = zwgk_async(&["assess", "--db", &db]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("holds no finished crawl"),
        "{}",
        stderr_of(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_that_reaches_nothing_stops_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db").to_string_lossy().into_owned();
    let out_dir = dir.path().join("reports");
    let url = format!("http://127.0.0.1:{}/", dead_port());
    let out = zwgk_async(&[
        "audit",
        &url,
        "--db",
        &db,
        "--rate",
        "0",
        "--timeout",
        "5",
        "--out",
        out_dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("nothing was fetched, so there is nothing to assess"));
    assert!(
        !stdout_of(&out).contains("2. extract"),
        "no stage runs after an empty crawl"
    );
    assert!(
        !stderr_of(&out).contains("run `zwgk extract"),
        "no advice to run what just ran"
    );
    assert!(!out_dir.join("report.html").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_with_a_paused_host_exits_3() {
    let dead = dead_port();
    // The site links a page on a second host that it allows and that cannot be reached.
    let server = serve(pages(3, vec![format!("http://127.0.0.1:{dead}/gone.html")])).await;
    let store = TestStore::new().await;
    let db = store.path();
    let out = zwgk_async(&[
        "crawl",
        &server.url("/"),
        "--db",
        &db,
        "--rate",
        "0",
        "--timeout",
        "5",
        "--allow-host",
        &format!("127.0.0.1:{dead}"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}\n{}", stdout_of(&out), stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("hosts were paused"), "{text}");
    assert!(
        text.contains(&format!("host paused: http://127.0.0.1:{dead}")),
        "{text}"
    );
}

/// `--max-pages` stops with exit 5 and leaves the run open: the same command continues the
/// frontier rather than starting again from the seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_stop_is_resumable_by_the_same_command() {
    let server = serve(pages(12, Vec::new())).await;
    let store = TestStore::new().await;
    let db = store.path();
    let start = server.url("/");
    let budget = [
        "crawl",
        &start,
        "--db",
        &db,
        "--rate",
        "0",
        "--max-pages",
        "5",
        "--json",
    ];
    let first = zwgk_async(&budget).await;
    assert_eq!(first.status.code(), Some(5), "{}", stderr_of(&first));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["stop"], "page_limit");
    assert_eq!(report["summary"]["fetched"], 5);
    let second = zwgk_async(&budget).await;
    assert_eq!(second.status.code(), Some(5));
    let third = zwgk_async(&budget).await;
    let report: serde_json::Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(third.status.code(), Some(0), "{report}");
    assert_eq!(report["run_id"], 1, "one run, continued three times");
    assert_eq!(report["resumed"], true);
    assert_eq!(report["stop"], "finished");
    assert_eq!(
        report["summary"]["fetched"], 13,
        "every page once: the seed and 12 pages"
    );
    // The seed was fetched once, at the start, not again on each continuation.
    let seeds = paths(&server).iter().filter(|p| p.as_str() == "/").count();
    assert_eq!(seeds, 1);
}
