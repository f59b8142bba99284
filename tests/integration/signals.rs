//! Signals: every stage stops on SIGINT or SIGTERM with 130 or 143 and a summary, without
//! waiting for slow responses; a second signal exits at once.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::Router;
use rustix::process::Signal;

use crate::helpers::*;

/// Pages that answer after a minute: a stop must not wait for them.
fn stalled_site() -> Router {
    numbered_site(20, Duration::from_secs(60), Vec::new())
}

async fn stop_a_crawl_with(signal: Signal, code: i32, label: &str) {
    let server = serve(stalled_site()).await;
    let store = TestStore::new().await;
    let db = store.path();
    let mut child = zwgk_command()
        .args([
            "crawl",
            &server.url("/"),
            "--db",
            &db,
            "--rate",
            "0",
            "--per-host-concurrency",
            "4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it fetch the start page and send requests that will not be answered for a minute.
    let waited = Instant::now();
    while paths(&server).iter().filter(|p| p.starts_with("/p/")).count() < 4 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the crawl never reached the slow pages"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = Instant::now();
    send_signal(&child, signal);
    let out = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut stdout = String::new();
        let mut stderr = String::new();
        use std::io::Read as _;
        child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        (status, stdout, stderr)
    })
    .await
    .unwrap();
    let took = sent.elapsed();
    assert_eq!(out.0.code(), Some(code), "{}\n{}", out.1, out.2);
    assert!(
        took < Duration::from_secs(10),
        "the stop waited {took:?} for slow responses"
    );
    assert!(out.1.contains(label), "a summary: {}", out.1);
    assert!(out.1.contains("run the same command again to resume"), "{}", out.1);
    // The stopped run resumes: the start page is not fetched again.
    let summary = zwgk_async(&["summary", "--db", &db, "--json"]).await;
    let json: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
    assert_eq!(json["state"], "running");
    assert_eq!(json["summary"]["fetched"], 1, "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_a_crawl_at_once_with_130() {
    stop_a_crawl_with(Signal::INT, 130, "interrupted (SIGINT)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_crawl_at_once_with_143() {
    stop_a_crawl_with(Signal::TERM, 143, "stopped (SIGTERM)").await;
}

/// Ctrl-C after the crawl stage of an audit stops the audit (it was swallowed, exit 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_an_audits_later_stages_stops_it() {
    let server = zwgk::serve::SiteServer::start(fixture_site()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db").to_string_lossy().into_owned();
    let reports = dir.path().join("reports");
    let mut child = zwgk_command()
        .args([
            "audit",
            &server.url("/index.html"),
            "--db",
            &db,
            "--rate",
            "0",
            "--as-of",
            "2026-01-15",
            "--out",
            reports.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (child, lines) = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let extracting = line.starts_with("2. extract");
            lines.push(line);
            if extracting {
                // Extraction of 548 pages takes seconds in a debug build: the signal lands in it.
                send_signal(&child, Signal::INT);
            }
        }
        (child, lines)
    })
    .await
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{lines:?}\n{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("stopped by SIGINT"), "{}", stderr_of(&out));
    assert!(!lines.iter().any(|l| l.starts_with("3. assess")), "{lines:?}");
    assert!(!reports.join("report.html").exists());
}

/// A second signal exits at once, even while the first is still being honoured: here the
/// command is blocked writing to a pipe nobody reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_exits_at_once() {
    let (store, _server) = fixture_store().await;
    let db = store.path();
    let mut child = zwgk_command()
        .args([
            "assess",
            "--db",
            &db,
            "--as-of",
            "2026-01-15",
            "--profile",
            "selectors/sites/zhoucun.toml",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The JSON of 161 leaves (~250 KB) is far larger than a pipe's 64 KiB: unread, the write
    // blocks.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "assess should be blocked on its output"
    );
    send_signal(&child, Signal::INT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    send_signal(&child, Signal::INT);
    let waited = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(5),
            "the second signal did not end it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(130));
}
