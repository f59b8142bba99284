//! Integrity: one crawler per store, reading commands that never write, finished runs by
//! default. Each test drives the real binary.

use std::time::Duration;

use axum::Router;
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// A site of 40 pages, each answered after 20 ms, so two crawls overlap.
fn slow_site() -> Router {
    numbered_site(40, Duration::from_millis(20), Vec::new())
}

/// One number from the store, read beside the binary as an assessor's tool would.
async fn count(db: &str, sql: &'static str) -> i64 {
    let pool = raw_pool(db).await;
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

/// Two `zwgk crawl` started at the same moment on a store with an open run: at most one
/// resumes it, the other is refused by name, and no page is fetched twice in the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_crawls_racing_to_resume_one_run_never_both_resume_it() {
    let server = serve(slow_site()).await;
    let start = server.url("/");
    for trial in 0..8 {
        let store = TestStore::new().await;
        let db = store.path();
        // A budget stop leaves the run open, as an interrupted crawl does.
        let first = zwgk_async(&["crawl", &start, "--db", &db, "--rate", "0", "--max-pages", "3"]).await;
        assert_eq!(first.status.code(), Some(5), "trial {trial}: {}", stderr_of(&first));
        let resume = ["crawl", &start, "--db", &db, "--rate", "0", "--json"];
        let (a, b) = tokio::join!(zwgk_async(&resume), zwgk_async(&resume));
        let refused = [&a, &b]
            .iter()
            .filter(|o| o.status.code() == Some(1) && stderr_of(o).contains("another zwgk crawl"))
            .count();
        let succeeded = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert_eq!(
            refused + succeeded,
            2,
            "trial {trial}: every outcome is a success or a clear refusal:\n{}\n{}",
            stderr_of(&a),
            stderr_of(&b)
        );
        assert!(succeeded >= 1, "trial {trial}");
        let twice = count(
            &db,
            "SELECT COUNT(*) FROM (SELECT url_id FROM fetches WHERE run_id = 1 GROUP BY url_id HAVING COUNT(*) > 1) AS twice",
        )
        .await;
        assert_eq!(twice, 0, "trial {trial}: a page was fetched twice in run 1");
        let open = count(&db, "SELECT COUNT(*) FROM runs WHERE state = 'running'").await;
        assert_eq!(open, 0, "trial {trial}: the resumed run finished, no run is left open");
        // When both succeeded, the second came after the first had finished: it started a
        // new run (a recrawl), never a second resume of run 1.
        if succeeded == 2 {
            let runs = count(&db, "SELECT COUNT(*) FROM runs").await;
            assert_eq!(runs, 2, "trial {trial}");
        }
    }
}

/// Two first crawls on a new store: one is refused clearly, never 「database is locked」 or
/// 「table sites already exists」.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_first_crawls_on_a_new_store_get_a_clear_answer() {
    let server = serve(slow_site()).await;
    let start = server.url("/");
    for trial in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db").to_string_lossy().into_owned();
        let first = ["crawl", &start, "--db", &db, "--rate", "0"];
        let (a, b) = tokio::join!(zwgk_async(&first), zwgk_async(&first));
        for out in [&a, &b] {
            let err = stderr_of(out);
            assert!(
                out.status.success() || err.contains("another zwgk crawl"),
                "trial {trial}: {err}"
            );
            assert!(!err.contains("locked") || err.contains("another zwgk crawl"), "{err}");
            assert!(!err.contains("already exists"), "{err}");
        }
    }
}

fn sha256_of(path: &std::path::Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// Reading commands open the store read-only: an empty file or another application's
/// database is refused as "not a zwgk store" and left byte for byte as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_commands_never_write_to_the_file_they_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    // Another application's SQLite database.
    let other = dir.path().join("other.db");
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO customers (name) VALUES ('甲')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let before_other = sha256_of(&other);
    for command in ["summary", "assess", "report", "export", "columns"] {
        for file in [&empty, &other] {
            let db = file.to_string_lossy();
            let out = zwgk_async(&[command, "--db", &db, "--out", &dir.path().join("o").to_string_lossy()]).await;
            let out = if stderr_of(&out).contains("unexpected argument '--out'") {
                zwgk_async(&[command, "--db", &db]).await
            } else {
                out
            };
            assert_eq!(out.status.code(), Some(1), "{command} {db}: {}", stderr_of(&out));
            assert!(
                stderr_of(&out).contains("is not a zwgk store"),
                "{command} {db}: {}",
                stderr_of(&out)
            );
        }
    }
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "the empty file got a schema"
    );
    assert_eq!(
        sha256_of(&other),
        before_other,
        "another application's database was changed"
    );
    // A command that writes refuses the other application's database too.
    let out = zwgk_async(&["crawl", "http://127.0.0.1:9/", "--db", &other.to_string_lossy()]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("holds other tables (customers)"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(sha256_of(&other), before_other);
}

/// A store written by a newer zwgk is named as such, not with sqlx's migration text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_a_newer_zwgk_asks_for_an_upgrade() {
    let store = TestStore::new().await;
    let db = store.path();
    // What a later zwgk would leave: a migration this one does not know.
    let pool = raw_pool(&db).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'future', CURRENT_TIMESTAMP, TRUE, $1, 0)",
    )
    .bind(vec![0u8])
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    for command in [vec!["summary", "--db", &db], vec!["extract", "--db", &db]] {
        let out = zwgk_async(&command).await;
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("written by a newer zwgk (schema 9999") && err.contains("upgrade zwgk"),
            "{command:?}: {err}"
        );
        assert!(!err.contains("migration"), "{err}");
    }
}

/// Reports judge the newest finished run; an open run only when asked by number, and then
/// every output says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_judge_the_newest_finished_run_unless_asked() {
    let (store, server) = fixture_store().await;
    let db = store.path();
    // Run 2 stops at its budget: open, with most pages unreached.
    let out = zwgk_async(&[
        "crawl",
        &server.url("/index.html"),
        "--db",
        &db,
        "--rate",
        "0",
        "--max-pages",
        "5",
    ])
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    let dir = tempfile::tempdir().unwrap();
    let spec = ["--as-of", "2026-01-15", "--profile", "selectors/sites/zhoucun.toml"];
    let json_of = |out: &std::process::Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", stderr_of(out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let mut default = vec!["assess", "--db", &db, "--format", "json"];
    default.extend(spec);
    let judged = json_of(&zwgk_async(&default).await);
    assert_eq!(judged["run_id"], 1, "the finished run, not the open one");
    assert!(judged.get("unfinished_run").is_none());
    let mut asked = default.clone();
    asked.extend(["--run", "2"]);
    let out = zwgk_async(&asked).await;
    assert!(stderr_of(&out).contains("warning: run 2 stopped (page limit reached)"));
    let open = json_of(&out);
    assert_eq!(open["run_id"], 2);
    assert!(
        open["unfinished_run"]
            .as_str()
            .unwrap()
            .contains("第2次抓取未完成（达到页数上限后停止）"),
        "{open}"
    );
    // The report of the open run carries the note in each format that has room for it.
    let reports = dir.path().join("r");
    let mut report = vec!["report", "--db", &db, "--run", "2", "--out", reports.to_str().unwrap()];
    report.extend(spec);
    let out = zwgk_async(&report).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("注意：本评估依据的第2次抓取未完成"));
    for file in ["report.html", "report.json"] {
        let text = std::fs::read_to_string(reports.join(file)).unwrap();
        assert!(
            text.contains("第2次抓取未完成"),
            "{file} does not say the run is unfinished"
        );
    }
}

/// A store on read-only media (an archived evidence copy) is read: the reading commands open
/// it immutable when neither the file nor its folder can be written. Run as an unprivileged
/// user (root writes through file modes), with `setpriv` when the tests run as root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_on_read_only_media_is_readable() {
    use std::os::unix::fs::PermissionsExt as _;
    let (store, _server) = fixture_store_sqlite().await;
    // Closing the last writer checkpoints the WAL into the file, as an archived copy is.
    store.store.clone().close().await;
    let expected = zwgk_async(&["summary", "--db", &store.path(), "--json"]).await;
    assert!(expected.status.success(), "{}", stderr_of(&expected));
    let archive = tempfile::tempdir().unwrap();
    let copy = archive.path().join("evidence.db");
    std::fs::copy(store.path(), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    // The unprivileged reader may not traverse the checkout: it runs a copy of the binary.
    let tools = tempfile::tempdir().unwrap();
    let binary = tools.path().join("zwgk");
    std::fs::copy(env!("CARGO_BIN_EXE_zwgk"), &binary).unwrap();
    for dir in [tools.path(), archive.path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let as_reader = |args: &[&str]| {
        let root = rustix::process::getuid().is_root();
        let mut command = if root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&binary);
            c
        } else {
            std::process::Command::new(&binary)
        };
        command
            .current_dir(tools.path())
            .args(args)
            .output()
            .expect("setpriv (util-linux) runs the reader unprivileged")
    };
    std::fs::set_permissions(archive.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let db = copy.to_string_lossy().into_owned();
    let out = as_reader(&["summary", "--db", &db, "--json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(out.stdout, expected.stdout, "the archived copy reads as the original");
    let out = as_reader(&["assess", "--db", &db, "--as-of", "2026-01-15", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let judged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(judged["indicators"].as_array().map(Vec::len), Some(161));
    // Nothing was created beside it.
    let names: Vec<String> = std::fs::read_dir(archive.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["evidence.db"]);
    std::fs::set_permissions(archive.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// On PostgreSQL the reading commands' sessions are read-only, so a read can never write; and a
/// database without zwgk's tables is refused, not given them.
#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_opened_for_reading_cannot_be_written() {
    let store = TestStore::new().await;
    let read = zwgk::store::Store::open_read(&store.path()).await.unwrap();
    let err = read
        .upsert_site("http://a.example", "http://a.example/")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    read.close().await;
    store
        .store
        .upsert_site("http://a.example", "http://a.example/")
        .await
        .unwrap();
    let empty = postgres_database().await;
    let err = zwgk::store::Store::open_read(&empty).await.unwrap_err();
    assert!(err.to_string().contains("not a zwgk store"), "{err}");
    let out = zwgk_async(&["summary", "--db", &empty]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}
