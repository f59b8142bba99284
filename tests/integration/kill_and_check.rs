//! Kill and check: each command (crawl, extract, report, export, audit) is killed with
//! SIGKILL at random points of its work, then the store and the outputs are checked:
//! - `PRAGMA integrity_check` passes;
//! - running the command again gives the counts of an uninterrupted run;
//! - every output file is the previous complete one or the new complete one, never a mix
//!   or a torn file (an evidence package is one or the other as a whole).
//!
//! Bounded: `ZWGK_KILL_TRIALS` kills per command (default 3; audit gets at most 2), each at a
//! random point of the command's measured duration. The seed is printed, and
//! `ZWGK_KILL_SEED` replays it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::{Rng as _, SeedableRng as _};

use crate::helpers::*;

const SPEC: [&str; 4] = ["--as-of", "2026-01-15", "--profile", "selectors/sites/zhoucun.toml"];
/// The outputs that exist before each kill were written as of another day, so "previous"
/// and "new" differ byte for byte.
const PREVIOUS_AS_OF: &str = "2026-01-10";

/// Every file of a directory (not its temporaries, which start with a dot), by name.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.file_type().unwrap().is_file() {
            files.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

fn temporaries_of(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".zwgk-tmp-"))
        .collect()
}

/// Runs `args`, kills it with SIGKILL after `delay` (if it is still running), and waits.
async fn kill_after(args: &[&str], delay: Duration) -> bool {
    let mut child = zwgk_command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(delay).await;
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap();
    }
    tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    killed
}

async fn timed(args: &[&str]) -> Duration {
    let started = Instant::now();
    let out = zwgk_async(args).await;
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    started.elapsed()
}

async fn integrity_ok(db: &str, what: &str) {
    let store = zwgk::store::Store::open_read(db)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(store.integrity_check().await.unwrap(), ["ok"], "{what}");
    store.close().await;
}

async fn run_counts(db: &str, run: &str) -> serde_json::Value {
    let out = zwgk_async(&["summary", "--db", db, "--run", run, "--json"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["summary"].clone()
}

async fn facts_count(db: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{db}?mode=ro"))
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM page_facts")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn copy_store(from: &str, to: &Path) -> String {
    let to_db = to.join("zwgk.db");
    std::fs::copy(from, &to_db).unwrap();
    to_db.to_string_lossy().into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (name, bytes) in files_of(from) {
        std::fs::write(to.join(name), bytes).unwrap();
    }
}

/// The kill points: fractions of the command's measured duration, drawn at random; every
/// second one falls in the last fifth, where outputs are written and runs are closed.
fn delays(rng: &mut rand::rngs::StdRng, took: Duration, trials: usize) -> Vec<Duration> {
    (0..trials)
        .map(|i| {
            let range = if i % 2 == 1 { 0.8..1.02 } else { 0.05..1.05 };
            took.mul_f64(rng.random_range(range))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_commands_leave_a_sound_store_and_whole_outputs() {
    let trials: usize = std::env::var("ZWGK_KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("ZWGK_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill_and_check: {trials} trials per command, ZWGK_KILL_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let server = zwgk::serve::SiteServer::start(fixture_site()).await.unwrap();
    let start = server.url("/index.html");
    let work = tempfile::tempdir().unwrap();
    let root = work.path();

    // The reference: every command once, uninterrupted, timed.
    let reference_db = root.join("reference.db").to_string_lossy().into_owned();
    let crawl_args =
        |db: &str| -> Vec<String> { ["crawl", &start, "--db", db, "--rate", "0"].map(String::from).to_vec() };
    let crawl_ref = crawl_args(&reference_db);
    let crawl_took = timed(&args(&crawl_ref)).await;
    let reference_counts = run_counts(&reference_db, "1").await;
    let crawled = root.join("crawled");
    std::fs::create_dir(&crawled).unwrap();
    let crawled_db = copy_store(&reference_db, &crawled);
    let extract_took = timed(&["extract", "--db", &reference_db]).await;
    let reference_facts = facts_count(&reference_db).await;
    let outputs = |command: &str, out: &Path, as_of: &str| -> Vec<String> {
        let mut v: Vec<String> = [command, "--db", &reference_db, "--out", &out.to_string_lossy()]
            .map(String::from)
            .to_vec();
        v.extend(SPEC.map(String::from));
        v[6] = as_of.to_string();
        v
    };
    let previous_reports = root.join("previous-reports");
    timed(&args(&outputs("report", &previous_reports, PREVIOUS_AS_OF))).await;
    let new_reports = root.join("new-reports");
    let report_took = timed(&args(&outputs("report", &new_reports, SPEC[1]))).await;
    let previous_package = root.join("previous-package");
    timed(&args(&outputs("export", &previous_package, PREVIOUS_AS_OF))).await;
    let new_package = root.join("new-package");
    let export_took = timed(&args(&outputs("export", &new_package, SPEC[1]))).await;
    let (previous_reports, new_reports) = (files_of(&previous_reports), files_of(&new_reports));
    let (previous_package, new_package) = (files_of(&previous_package), files_of(&new_package));
    assert_ne!(previous_reports, new_reports);
    assert_eq!(new_reports.len(), 4);

    // crawl
    for (i, delay) in delays(&mut rng, crawl_took, trials).into_iter().enumerate() {
        let dir = root.join(format!("crawl-{i}"));
        std::fs::create_dir(&dir).unwrap();
        let db = dir.join("zwgk.db").to_string_lossy().into_owned();
        kill_after(&args(&crawl_args(&db)), delay).await;
        if Path::new(&db).exists() {
            integrity_ok(&db, &format!("crawl killed after {delay:?}")).await;
        }
        let out = zwgk_async(&args(&crawl_args(&db))).await;
        assert!(out.status.success(), "crawl rerun after {delay:?}: {}", stderr_of(&out));
        integrity_ok(&db, "crawl rerun").await;
        assert_eq!(
            run_counts(&db, "1").await,
            reference_counts,
            "crawl killed after {delay:?} (seed {seed}) then resumed"
        );
    }

    // extract
    for (i, delay) in delays(&mut rng, extract_took, trials).into_iter().enumerate() {
        let dir = root.join(format!("extract-{i}"));
        std::fs::create_dir(&dir).unwrap();
        let db = copy_store(&crawled_db, &dir);
        kill_after(&["extract", "--db", &db], delay).await;
        integrity_ok(&db, &format!("extract killed after {delay:?}")).await;
        let out = zwgk_async(&["extract", "--db", &db]).await;
        assert!(out.status.success(), "{}", stderr_of(&out));
        integrity_ok(&db, "extract rerun").await;
        assert_eq!(
            facts_count(&db).await,
            reference_facts,
            "extract killed after {delay:?} (seed {seed})"
        );
    }

    // report: the four files are each the previous or the new one; a rerun gives the new.
    for (i, delay) in delays(&mut rng, report_took, trials).into_iter().enumerate() {
        let out_dir = root.join(format!("report-{i}"));
        copy_dir(&root.join("previous-reports"), &out_dir);
        kill_after(&args(&outputs("report", &out_dir, SPEC[1])), delay).await;
        let now = files_of(&out_dir);
        assert_eq!(now.len(), 4, "report killed after {delay:?}: {:?}", now.keys());
        for (name, bytes) in &now {
            assert!(
                *bytes == previous_reports[name] || *bytes == new_reports[name],
                "report killed after {delay:?} (seed {seed}): {name} is neither the previous nor the new file"
            );
        }
        timed(&args(&outputs("report", &out_dir, SPEC[1]))).await;
        assert_eq!(files_of(&out_dir), new_reports);
        assert!(temporaries_of(&out_dir).is_empty(), "{:?}", temporaries_of(&out_dir));
    }

    // export: the package is the previous one or the new one, as a whole.
    for (i, delay) in delays(&mut rng, export_took, trials).into_iter().enumerate() {
        let out_dir = root.join(format!("export-{i}"));
        copy_dir(&root.join("previous-package"), &out_dir);
        kill_after(&args(&outputs("export", &out_dir, SPEC[1])), delay).await;
        let now = files_of(&out_dir);
        assert!(
            now == previous_package || now == new_package,
            "export killed after {delay:?} (seed {seed}): the package is a mix: {:?}",
            now.keys()
        );
        timed(&args(&outputs("export", &out_dir, SPEC[1]))).await;
        assert_eq!(files_of(&out_dir), new_package);
        assert!(
            temporaries_of(root)
                .iter()
                .all(|t| !t.starts_with(&format!(".export-{i}")))
        );
    }

    // audit: the whole job; a rerun completes it with the reference's counts.
    let audit_took = crawl_took + extract_took + report_took;
    for (i, delay) in delays(&mut rng, audit_took, trials.min(2)).into_iter().enumerate() {
        let dir = root.join(format!("audit-{i}"));
        let out_dir = dir.join("reports");
        copy_dir(&root.join("previous-reports"), &out_dir);
        let db = dir.join("zwgk.db").to_string_lossy().into_owned();
        let audit: Vec<String> = {
            let mut v: Vec<String> = [
                "audit",
                &start,
                "--db",
                &db,
                "--rate",
                "0",
                "--out",
                &out_dir.to_string_lossy(),
            ]
            .map(String::from)
            .to_vec();
            v.extend(SPEC.map(String::from));
            v
        };
        kill_after(&args(&audit), delay).await;
        if Path::new(&db).exists() {
            integrity_ok(&db, &format!("audit killed after {delay:?}")).await;
        }
        for (name, bytes) in files_of(&out_dir) {
            let whole = bytes == previous_reports[&name] || complete_report(&name, &bytes);
            assert!(whole, "audit killed after {delay:?} (seed {seed}): {name} is torn");
        }
        let out = zwgk_async(&args(&audit)).await;
        assert!(out.status.success(), "audit rerun: {}", stderr_of(&out));
        integrity_ok(&db, "audit rerun").await;
        assert_eq!(
            run_counts(&db, "1").await,
            reference_counts,
            "audit killed after {delay:?}"
        );
        assert_eq!(files_of(&out_dir).len(), 4);
        assert!(temporaries_of(&out_dir).is_empty());
    }
}

/// A report file that is whole: JSON that parses, a closed HTML document, a zip that ends
/// with its directory, CSV that ends with a line.
fn complete_report(name: &str, bytes: &[u8]) -> bool {
    match name {
        "report.json" => serde_json::from_slice::<serde_json::Value>(bytes).is_ok(),
        "report.html" => String::from_utf8_lossy(bytes).trim_end().ends_with("</html>"),
        "report.xlsx" => bytes.len() > 22 && bytes[bytes.len() - 22..].starts_with(b"PK\x05\x06"),
        "report.csv" => bytes.ends_with(b"\n"),
        _ => false,
    }
}
