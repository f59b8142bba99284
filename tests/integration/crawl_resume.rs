//! Resume: a crawler killed with SIGKILL loses nothing it recorded and continues on rerun.

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_crawl_resumes_where_it_stopped() {
    let links: Vec<String> = (0..60).map(|i| format!("/p/{i}.html")).collect();
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let links = links.clone();
                async move { links_page(&links.iter().map(String::as_str).collect::<Vec<_>>()) }
            }),
        )
        .route(
            "/p/{n}",
            get(|Path(n): Path<String>| async move { html(format!("<p>page {n}</p>")) }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let db = store.path();
    let start = server.url("/");
    let crawl = |db: &str| {
        Command::new(env!("CARGO_BIN_EXE_zwgk"))
            .args(["crawl", &start, "--db", db, "--rate", "40"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zwgk")
    };
    let mut child = crawl(&db);
    // Let it fetch some of the 62 URLs (≈ 40/s), then kill it without warning.
    tokio::time::sleep(Duration::from_millis(700)).await;
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let before = paths(&server);
    assert!(
        before.len() > 5 && before.len() < 60,
        "killed mid-crawl after {} requests",
        before.len()
    );

    let output = tokio::task::spawn_blocking({
        let db = db.clone();
        let start = server.url("/");
        move || {
            Command::new(env!("CARGO_BIN_EXE_zwgk"))
                .args(["crawl", &start, "--db", &db, "--rate", "0", "--json"])
                .output()
                .expect("run zwgk")
        }
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json summary");
    assert_eq!(report["resumed"], true);
    assert_eq!(report["run_id"], 1);
    let all = paths(&server);
    let after = &all[before.len()..];
    for i in 0..60 {
        let p = format!("/p/{i}.html");
        let total = all.iter().filter(|x| **x == p).count();
        assert!(total >= 1, "{p} never fetched");
        // A page whose fetch was committed before the kill is not fetched again.
        assert!(total <= 2, "{p} fetched {total} times");
    }
    assert!(
        !after.contains(&"/".to_string()),
        "the start page was recorded before the kill"
    );
    assert!(
        !after.contains(&"/robots.txt".to_string()),
        "a fresh robots.txt is reused on resume"
    );
    let refetched = (0..60)
        .filter(|i| all.iter().filter(|x| **x == format!("/p/{i}.html")).count() == 2)
        .count();
    assert!(
        refetched <= 3,
        "only pages in flight at the kill are fetched again: {refetched}"
    );
    // The start page and 60 pages: each recorded once, however often it was requested.
    assert_eq!(report["summary"]["fetched"].as_i64().unwrap(), 61);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_crawler_on_the_same_store_is_refused_while_the_first_runs() {
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/slow.html"]) }))
        .route(
            "/slow.html",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                html("<p>slow</p>")
            }),
        );
    let server = serve(router).await;
    let store = TestStore::new().await;
    let db = store.path();
    let mut first = Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .args(["crawl", &server.url("/"), "--db", &db, "--rate", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let start = server.url("/");
    let second = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_zwgk"))
            .args(["crawl", &start, "--db", &db, "--rate", "0"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another zwgk crawl"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let status = tokio::task::spawn_blocking(move || first.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
}
