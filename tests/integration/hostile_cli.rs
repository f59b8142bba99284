//! Hostile input at the command line: no panic on any value or on a closed pipe, bounded
//! reads of files, and scraped control characters never reaching the terminal.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::*;

/// Runs zwgk with standard output already closed by its reader (`zwgk summary | head -0`):
/// the command does its work and ends normally, without a panic.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let mut child = zwgk_command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before zwgk writes anything.
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_the_output_not_the_program() {
    let (store, server) = fixture_store().await;
    let db = store.path();
    let dir = tempfile::tempdir().unwrap();
    let page = fixture_site().join("index.html");
    let spec = ["--as-of", "2026-01-15"];
    let reports = dir.path().join("r").to_string_lossy().into_owned();
    let evidence = dir.path().join("e").to_string_lossy().into_owned();
    let start = server.url("/index.html");
    let commands: Vec<Vec<&str>> = vec![
        vec!["summary", "--db", &db],
        vec!["summary", "--db", &db, "--json"],
        vec!["extract", "--db", &db, "--force", "--json"],
        vec!["columns", "--db", &db],
        vec!["assess", "--db", &db, spec[0], spec[1]],
        vec!["report", "--db", &db, spec[0], spec[1], "--out", &reports],
        vec!["export", "--db", &db, spec[0], spec[1], "--out", &evidence],
        vec!["crawl", &start, "--db", &db, "--rate", "0"],
        vec!["inspect", page.to_str().unwrap()],
        vec!["calendar", "show", "2027"],
        vec!["catalog", "check"],
    ];
    for args in commands {
        let args2: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args2.iter().map(String::as_str).collect();
            with_closed_stdout(&args)
        })
        .await
        .unwrap();
        let err = stderr_of(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
    // The commands that write files still wrote them.
    assert!(std::path::Path::new(&reports).join("report.html").is_file());
    assert!(std::path::Path::new(&evidence).join("manifest.json").is_file());
}

#[test]
fn inspect_reads_no_more_than_the_body_cap_of_an_endless_file() {
    let started = Instant::now();
    let out = zwgk(&["inspect", "/dev/zero", "--max-body-bytes", "1000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("larger than the 1000000-byte body cap"),
        "{}",
        stderr_of(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A page whose title and text carry terminal escapes (retitle the window, clear the line,
/// 8-bit CSI, a right-to-left override) prints them as visible text, in text and in JSON.
#[test]
fn scraped_control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("evil.html");
    std::fs::write(
        &page,
        "<html><head><title>关于\u{1b}]0;pwned\u{7}通知\u{1b}[2K\u{9b}31m\u{202e}</title></head>\
         <body><h1>关于\u{1b}[8m隐藏\u{1b}[0m的通知</h1><p>发布时间：2025-03-05</p><p>正文\u{1b}[1A不达标</p></body></html>",
    )
    .unwrap();
    for args in [
        vec!["inspect", page.to_str().unwrap()],
        vec!["inspect", page.to_str().unwrap(), "--json"],
    ] {
        let out = zwgk(&args);
        assert!(out.status.success(), "{}", stderr_of(&out));
        for byte in [0x1b_u8, 0x07] {
            assert!(!out.stdout.contains(&byte), "{args:?} printed byte {byte:#x} raw");
        }
        let text = stdout_of(&out);
        for c in ['\u{9b}', '\u{202e}'] {
            assert!(!text.contains(c), "{args:?} printed {c:?} raw");
        }
        if args.len() == 3 {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("still JSON");
            assert!(json["title"].as_str().unwrap_or_default().contains("关于"), "{json}");
        }
    }
}
