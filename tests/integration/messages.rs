//! Clear messages: each error a user can make gets a sentence that names the option and the
//! way out, with exit 2 when the command line is wrong and 1 when the world is.

use crate::helpers::*;

fn says(out: &std::process::Output, code: i32, text: &str) {
    let err = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(text), "expected «{text}» in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn option_values_that_cannot_be_used_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    says(&zwgk_async(&["summary", "--db", ""]).await, 2, "`--db` is empty");
    says(
        &zwgk_async(&["crawl", "http://127.0.0.1:9/", "--db", ""]).await,
        2,
        "`--db` is empty",
    );
    let nosuch = zwgk_async(&["assess", "--db", "x.db", "--catalog", "nosuch"]).await;
    says(&nosuch, 2, "nosuch");
    assert!(
        stderr_of(&nosuch).contains("zhoucun-2019") && stderr_of(&nosuch).contains("national-inspection"),
        "the bundled catalogs are listed: {}",
        stderr_of(&nosuch)
    );
    assert!(!stderr_of(&nosuch).contains("not valid TOML"), "{}", stderr_of(&nosuch));
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    says(
        &zwgk_async(&["assess", "--db", "x.db", "--catalog", empty.to_str().unwrap()]).await,
        2,
        "no leaves",
    );
    says(
        &zwgk_async(&["report", "--db", "x.db", "--month", "2025-12"]).await,
        2,
        "use it with `--by unit`",
    );
    says(
        &zwgk_async(&["crawl", "http://127.0.0.1:9/", "--rate", "1e-20"]).await,
        2,
        "`--rate 1e-20` is not a usable pace",
    );
    says(
        &zwgk_async(&["assess", "--db", "x.db", "--as-of", "2026-13-01"]).await,
        2,
        "is not a date",
    );
    // Two verdicts for one leaf in a --manual file.
    let manual = dir.path().join("manual.toml");
    std::fs::write(
        &manual,
        "[[verdict]]\nid = \"bzjz.ndbg.fbsx.1\"\nstatus = \"pass\"\nnote = \"a\"\n\n[[verdict]]\nid = \"bzjz.ndbg.fbsx.1\"\nstatus = \"fail\"\nnote = \"b\"\n",
    )
    .unwrap();
    says(
        &zwgk_async(&["assess", "--db", "x.db", "--manual", manual.to_str().unwrap()]).await,
        2,
        "leaf `bzjz.ndbg.fbsx.1` has more than one verdict",
    );
}

/// `audit --out FILE` is refused before the crawl, not found after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_refuses_an_output_that_is_a_file_before_crawling() {
    let server = serve(axum::Router::new().route("/", axum::routing::get(|| async { html("<p>home</p>") }))).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    std::fs::write(&file, "mine").unwrap();
    let db = dir.path().join("a.db").to_string_lossy().into_owned();
    let out = zwgk_async(&["audit", &server.url("/"), "--db", &db, "--out", file.to_str().unwrap()]).await;
    says(&out, 2, "is a file");
    assert!(paths(&server).is_empty(), "nothing was fetched: {:?}", paths(&server));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// A missing run names the runs there are; an error's cause is said once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_runs_and_unopenable_stores_are_named_once() {
    let (store, _server) = fixture_store().await;
    let db = store.path();
    says(
        &zwgk_async(&["summary", "--db", &db, "--run", "99"]).await,
        2,
        "has no run 99; its runs are 1",
    );
    says(
        &zwgk_async(&["report", "--db", &db, "--run", "99"]).await,
        2,
        "has no run 99; its runs are 1",
    );
    let out = zwgk_async(&["crawl", "http://127.0.0.1:9/", "--db", "/nonexistent-dir/x.db"]).await;
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot open the store `/nonexistent-dir/x.db`"), "{err}");
    assert_eq!(
        err.matches("unable to open database file").count(),
        1,
        "said once: {err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

/// Log lines written to a file carry no ANSI colour codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_to_a_file_have_no_colour_codes() {
    let store = TestStore::new().await;
    let out = zwgk_command()
        .env("ZWGK_LOG", "zwgk=debug")
        .args(["crawl", "http://127.0.0.1:9/", "--db", &store.path(), "--timeout", "2"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(
        err.contains("DEBUG") || err.contains("INFO"),
        "logging reached stderr: {err}"
    );
    assert!(!err.contains('\u{1b}'), "ANSI escape in a log file: {err:?}");
}
