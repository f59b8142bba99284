//! The command line as users meet it: help text, errors and exit codes.

use std::process::Command;

fn zwgk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .args(args)
        // As in helpers::zwgk_command: no browser started for report.pdf.
        .env("ZWGK_NO_PDF", "true")
        .output()
        .expect("run zwgk")
}

#[test]
fn help_lists_every_subcommand_and_each_has_its_own_help() {
    let out = zwgk(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "crawl", "demo", "serve", "summary", "extract", "inspect", "columns", "assess", "report", "audit", "export",
    ] {
        assert!(text.contains(command), "{command} missing from --help");
        let sub = zwgk(&[command, "--help"]);
        assert!(sub.status.success(), "{command} --help");
        assert!(
            String::from_utf8_lossy(&sub.stdout).len() > 200,
            "{command} --help is too thin"
        );
    }
    let crawl = String::from_utf8_lossy(&zwgk(&["crawl", "--help"]).stdout).into_owned();
    for flag in [
        "--db",
        "--rate",
        "--max-pages",
        "--max-depth",
        "--allow-host",
        "--user-agent",
    ] {
        assert!(crawl.contains(flag), "crawl --help lacks {flag}");
    }
}

#[test]
fn bad_input_gives_a_clear_error_and_exit_code() {
    let out = zwgk(&["crawl", "not a url"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a value that cannot be used is a usage error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a URL"));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    // A store that does not exist is not created by a reading command …
    let out = zwgk(&["summary", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no store at"));
    assert!(!db.exists());
    // … and an existing store without a crawl says so.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        zwgk::store::Store::open(db.to_str().unwrap())
            .await
            .unwrap()
            .close()
            .await
    });
    let out = zwgk(&["summary", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no crawl yet"));

    let out = zwgk(&["crawl", "http://127.0.0.1:9/", "--rate=-1"]);
    assert_eq!(out.status.code(), Some(2));

    let out = zwgk(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_runs_the_pipeline_on_the_fixture_site() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["demo", "--out", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("crawl run 1 finished") && stdout.contains("crawl run 2 finished"),
        "{stdout}"
    );
    assert!(out_dir.join("zwgk.db").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("crawl-summary.json")).unwrap()).unwrap();
    let first = &summary["runs"][0]["summary"];
    let second = &summary["runs"][1]["summary"];
    assert!(first["new"].as_i64().unwrap() > 100);
    assert_eq!(second["changed"], 0, "the recrawl finds nothing changed");
    assert_eq!(second["new"].as_i64().unwrap(), 0);
    // The demo is an audit: reports, the December 通报 and the evidence package.
    for file in [
        "report/report.html",
        "report/report.xlsx",
        "report/report.csv",
        "report/report.json",
        "report/通报-2025-12/通报汇总.html",
        "report/通报-2025-12/区政府办公室.html",
        "evidence/manifest.json",
        "evidence/evidence.warc.gz",
        "evidence/index.cdxj",
        "evidence/说明.txt",
    ] {
        assert!(out_dir.join(file).is_file(), "demo did not write {file}");
    }
}

#[test]
fn audit_report_and_export_from_the_command_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(zwgk::serve::SiteServer::start(crate::helpers::fixture_site()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let db = db.to_str().unwrap();
    let reports = dir.path().join("audit");
    let spec = ["--as-of", "2026-01-15", "--profile", "selectors/sites/zhoucun.toml"];
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zwgk"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap()
    };
    // The assess options every command of the test shares.
    let with_spec = |args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(spec);
        run(&full)
    };
    let start = server.url("/index.html");
    let audit = [
        "audit",
        start.as_str(),
        "--db",
        db,
        "--rate",
        "0",
        "--out",
        reports.to_str().unwrap(),
    ];
    let out = with_spec(&audit);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("161 leaves"), "{stdout}");
    for file in ["report.html", "report.xlsx", "report.csv", "report.json"] {
        assert!(reports.join(file).is_file(), "audit did not write {file}");
    }

    // Only some formats; an unknown one is refused before anything is written.
    let only = dir.path().join("only");
    let report = [
        "report",
        "--db",
        db,
        "--format",
        "csv,json",
        "--out",
        only.to_str().unwrap(),
    ];
    assert!(with_spec(&report).status.success());
    assert!(only.join("report.csv").is_file() && !only.join("report.html").exists());
    let out = run(&["report", "--db", db, "--format", "pdf", "--out", only.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown report format `pdf`"));
    let out = run(&["report", "--db", db, "--by", "unit", "--month", "2025-13"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a month"));
    let out = run(&[
        "report",
        "--db",
        db,
        "--by",
        "unit",
        "--month",
        "2026-03",
        "--as-of",
        "2026-01-15",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has not begun"));
    // `2025-1` is read as 2025-01 and the folder is named from the parsed month.
    let notices = dir.path().join("notices");
    let monthly = [
        "report",
        "--db",
        db,
        "--by",
        "unit",
        "--month",
        "2025-1",
        "--out",
        notices.to_str().unwrap(),
    ];
    assert!(with_spec(&monthly).status.success());
    assert!(notices.join("通报-2025-01/通报汇总.html").is_file());

    // The evidence package, and the errors of a missing store and a missing run.
    let evidence = dir.path().join("evidence");
    let export = ["export", "--db", db, "--out", evidence.to_str().unwrap()];
    let out = with_spec(&export);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(evidence.join("manifest.json").is_file());
    // Without --as-of the export judges the run as of its crawl day, so it does not depend on
    // the day it is run: two exports without --as-of are byte-identical.
    let again = |name: &str| {
        let dir = dir.path().join(name);
        assert!(
            run(&[
                "export",
                "--db",
                db,
                "--profile",
                "selectors/sites/zhoucun.toml",
                "--out",
                dir.to_str().unwrap()
            ])
            .status
            .success()
        );
        std::fs::read(dir.join("manifest.json")).unwrap()
    };
    assert_eq!(again("first"), again("second"));
    // `--all` archives the whole run: every fetched page and attachment, not only the cited.
    let summary = |out: &std::process::Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let mut cited = export.to_vec();
    cited.push("--json");
    let cited = summary(&with_spec(&cited));
    let whole = dir.path().join("whole");
    let all = [
        "export",
        "--db",
        db,
        "--all",
        "--json",
        "--out",
        whole.to_str().unwrap(),
    ];
    let all = summary(&with_spec(&all));
    let pages = all["captures"].as_u64().unwrap();
    assert!(pages > 600 && pages > cited["captures"].as_u64().unwrap() * 2, "{all}");
    let readme = std::fs::read_to_string(whole.join("说明.txt")).unwrap();
    assert!(readme.contains("本次抓取的全部请求与响应"));
    let missing = dir.path().join("missing.db");
    for command in ["report", "export", "assess"] {
        let out = run(&[command, "--db", missing.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("there is no store at"),
            "{command}"
        );
        assert!(!missing.exists(), "{command} created an empty store");
    }
    let out = run(&["export", "--db", db, "--run", "42", "--out", evidence.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no run 42; its runs are 1"));
}

/// The binary allocates with jemalloc and gives freed pages back within half a second (the
/// options of .cargo/config.toml reach the build): with jemalloc's own ten seconds a crawl held
/// 110 MB, over its 100 MB bound; with glibc's malloc a sixth of its CPU was the allocator.
#[test]
fn the_binary_allocates_with_jemalloc_and_returns_freed_pages_within_half_a_second() {
    let out = Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .arg("--version")
        // jemalloc prints its statistics, options included, at exit when asked.
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .expect("run zwgk");
    assert!(out.status.success());
    let stats = String::from_utf8_lossy(&out.stderr);
    assert!(stats.contains("jemalloc statistics"), "not jemalloc:\n{stats}");
    assert!(
        stats.contains("opt.dirty_decay_ms: 500"),
        "decay options not built in:\n{stats}"
    );
    assert!(
        stats.contains("opt.muzzy_decay_ms: 0"),
        "decay options not built in:\n{stats}"
    );
}
