//! The command line as users meet it: help text, errors and exit codes.

use std::process::Command;

fn zwgk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .args(args)
        .output()
        .expect("run zwgk")
}

#[test]
fn help_lists_every_subcommand_and_each_has_its_own_help() {
    let out = zwgk(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["crawl", "demo", "serve", "summary", "extract", "inspect", "columns"] {
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
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a URL"));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    let out = zwgk(&["summary", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no crawl yet"));

    let out = zwgk(&["crawl", "http://127.0.0.1:9/", "--rate=-1"]);
    assert_eq!(out.status.code(), Some(1));

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
}
