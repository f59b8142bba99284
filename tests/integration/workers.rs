//! Crawl workers (`zwgk crawl --worker`) sharing one crawl through a PostgreSQL store: real
//! processes against a local site. Runs with the `postgres-tests` feature (a server is needed).

use std::time::Duration;

use zwgk::serve::SiteServer;
use zwgk::store::Store;

use crate::helpers::*;

/// Starts a worker process with its own User-Agent (the server tells the workers apart by it).
fn worker(db: &str, url: &str, name: &str, extra: &[&str]) -> std::process::Child {
    let agent = format!("zwgk-test/{name} (+http://127.0.0.1/)");
    zwgk_command()
        .args([
            "crawl",
            url,
            "--db",
            db,
            "--worker",
            "--worker-id",
            name,
            "--user-agent",
            &agent,
        ])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start a worker")
}

fn agent_of(request: &zwgk::serve::LoggedRequest) -> String {
    request
        .headers
        .iter()
        .find(|(k, _)| k == "user-agent")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// URLs of the run fetched more than once, robots.txt aside.
async fn refetched(db: &str, run_id: i64) -> Vec<(String, i64)> {
    let store = Store::open_read(db).await.unwrap();
    let twice = store.refetched_urls(run_id).await.unwrap();
    store.close().await;
    twice
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_share_one_crawl_and_keep_the_hosts_pace() {
    let server = SiteServer::start_router(numbered_site(40, Duration::ZERO, Vec::new()))
        .await
        .unwrap();
    let store = TestStore::new().await;
    let db = store.path();
    let url = server.url("/");
    // 5 requests a second for the host, whatever the number of workers.
    let workers: Vec<_> = (0..4)
        .map(|i| {
            worker(
                &db,
                &url,
                &format!("w{i}"),
                &["--rate", "5", "--timeout", "5", "--lease", "30"],
            )
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| w.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for out in &outputs {
        assert!(out.status.success(), "a worker failed: {}", stderr_of(out));
    }
    let requests = server.log().requests();
    let pages = requests.iter().filter(|r| r.path().starts_with("/p/")).count();
    assert_eq!(pages, 40, "every page once at the server");
    // Gaps at the server between any two requests to the host, robots.txt included.
    let mut times: Vec<_> = requests.iter().map(|r| r.at).collect();
    times.sort();
    let smallest = times
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]))
        .min()
        .unwrap();
    assert!(
        smallest >= Duration::from_millis(200),
        "two requests {smallest:?} apart: faster than 5 a second"
    );
    let mut agents: Vec<String> = requests.iter().map(agent_of).collect();
    agents.sort();
    agents.dedup();
    assert!(agents.len() >= 2, "the work was shared: {agents:?}");
    let store = Store::open_read(&db).await.unwrap();
    let run = store.latest_run(None).await.unwrap().unwrap();
    assert_eq!(run.state, "finished", "{run:?}");
    let summary = store.run_summary(run.id).await.unwrap();
    assert_eq!(summary.new, 41, "{summary:?}");
    assert_eq!(summary.queued, 0);
    store.close().await;
    assert!(refetched(&db, run.id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_urls_come_back_and_none_is_fetched_twice() {
    // Slow pages, so that the first worker is killed with URLs claimed and one in flight.
    let server = SiteServer::start_router(numbered_site(30, Duration::from_millis(150), Vec::new()))
        .await
        .unwrap();
    let store = TestStore::new().await;
    let db = store.path();
    let url = server.url("/");
    let flags = ["--rate", "0", "--timeout", "2", "--lease", "3"];
    let mut doomed = worker(&db, &url, "doomed", &flags);
    // Let it open the run and claim.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server
        .log()
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/p/"))
        .count()
        < 3
    {
        assert!(std::time::Instant::now() < deadline, "the first worker never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let survivor = worker(&db, &url, "survivor", &flags);
    tokio::time::sleep(Duration::from_millis(100)).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let out = tokio::task::spawn_blocking(move || survivor.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "the survivor: {}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("back in the queue"),
        "the survivor took the dead worker's URLs back: {}",
        stderr_of(&out)
    );
    let store = Store::open_read(&db).await.unwrap();
    let run = store.latest_run(None).await.unwrap().unwrap();
    assert_eq!(run.state, "finished", "{run:?}");
    let states = store.url_states(run.site_id).await.unwrap();
    let pages: Vec<_> = states.iter().filter(|(u, _, _)| !u.ends_with("robots.txt")).collect();
    assert_eq!(pages.len(), 31);
    assert!(
        pages.iter().all(|(_, state, _)| state == "done"),
        "no URL lost: {pages:?}"
    );
    store.close().await;
    assert_eq!(
        refetched(&db, run.id).await,
        Vec::new(),
        "no URL stored twice in the run"
    );
    // At the server, only what the killed worker had in flight can have been asked twice.
    let mut paths: Vec<String> = server
        .log()
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/p/"))
        .map(|r| r.path().to_string())
        .collect();
    let asked = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 30);
    assert!(asked - paths.len() <= 1, "{} asked twice", asked - paths.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_need_postgres_and_exclude_a_lone_crawl() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("zwgk.db").display().to_string();
    let out = zwgk_async(&["crawl", "http://127.0.0.1:9/", "--db", &sqlite, "--worker"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("PostgreSQL"), "{}", stderr_of(&out));
    let store = TestStore::new().await;
    let db = store.path();
    let out = zwgk_async(&["crawl", "http://127.0.0.1:9/", "--db", &db, "--worker", "--lease", "10"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "lease not above the timeout: {}",
        stderr_of(&out)
    );
    // A worker at work keeps a crawl without --worker out.
    let server = SiteServer::start_router(numbered_site(10, Duration::from_millis(200), Vec::new()))
        .await
        .unwrap();
    let url = server.url("/");
    let w = worker(&db, &url, "w", &["--rate", "0", "--timeout", "5", "--lease", "30"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server.log().requests().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the worker never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = zwgk_async(&["crawl", &url, "--db", &db, "--rate", "0"]).await;
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("another zwgk crawl"), "{}", stderr_of(&out));
    let out = tokio::task::spawn_blocking(move || w.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

/// Two workers' write batches that lock the same rows in opposite orders: PostgreSQL aborts
/// one of them, and the store calls that error transient, so the writer applies the batch
/// again instead of stopping the worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_between_writers_is_transient() {
    use sqlx::Connection as _;
    let db = postgres_database().await;
    let mut setup = sqlx::PgConnection::connect(&db).await.unwrap();
    sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT)")
        .execute(&mut setup)
        .await
        .unwrap();
    sqlx::query("INSERT INTO t VALUES (1, 0), (2, 0)")
        .execute(&mut setup)
        .await
        .unwrap();
    let mut a = sqlx::PgConnection::connect(&db).await.unwrap();
    let mut b = sqlx::PgConnection::connect(&db).await.unwrap();
    for (conn, first) in [(&mut a, 1), (&mut b, 2)] {
        sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
        sqlx::query("UPDATE t SET n = n + 1 WHERE id = $1")
            .bind(first)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let crossing = tokio::spawn(async move {
        let result = sqlx::query("UPDATE t SET n = n + 1 WHERE id = 2").execute(&mut a).await;
        (result.map(|_| ()), a)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mine = sqlx::query("UPDATE t SET n = n + 1 WHERE id = 1")
        .execute(&mut b)
        .await
        .map(|_| ());
    let (theirs, _a) = crossing.await.unwrap();
    let aborted = match (mine, theirs) {
        (Err(e), Ok(())) | (Ok(()), Err(e)) => e,
        other => panic!("exactly one side is aborted: {other:?}"),
    };
    let error = zwgk::store::StoreError::Query(aborted);
    assert!(error.is_transient(), "{error}");
    assert!(!zwgk::store::StoreError::Query(sqlx::Error::RowNotFound).is_transient());
}

/// A run the workers left open (one stopped at its page limit) is continued by a crawl without
/// --worker, even when the pid recorded with the run names a live process on this machine: on
/// PostgreSQL that pid may be another machine's, and the crawl lock is the proof that nobody
/// else is crawling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_crawl_continues_a_run_the_workers_left_open() {
    let server = SiteServer::start_router(numbered_site(10, Duration::ZERO, Vec::new()))
        .await
        .unwrap();
    let store = TestStore::new().await;
    let db = store.path();
    let url = server.url("/");
    let w = worker(
        &db,
        &url,
        "w",
        &["--rate", "0", "--timeout", "5", "--lease", "30", "--max-pages", "3"],
    );
    let out = tokio::task::spawn_blocking(move || w.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "stopped at its page limit: {}",
        stderr_of(&out)
    );
    let pool = raw_pool(&db).await;
    sqlx::query("UPDATE runs SET pid = $1")
        .bind(i64::from(std::process::id()))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = zwgk_async(&["crawl", &url, "--db", &db, "--rate", "0", "--json"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["resumed"], true, "{report}");
    assert_eq!(report["summary"]["new"], 11, "{report}");
    let store = Store::open_read(&db).await.unwrap();
    let run = store.latest_run(None).await.unwrap().unwrap();
    assert_eq!(run.state, "finished");
    store.close().await;
    assert!(refetched(&db, run.id).await.is_empty());
}
