//! `zwgk calendar` and `--calendar`: a year without a notice is estimated, a notice file is
//! merged at run time without a rebuild, and a malformed file is refused with its line.

use std::process::Command;

fn zwgk(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zwgk"));
    command.args(args).env_remove("ZWGK_CALENDAR");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run zwgk")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn calendar_show_names_the_source_of_each_year() {
    let notice = zwgk(&["calendar", "show", "2025"], &[]);
    assert!(notice.status.success());
    let text = stdout(&notice);
    assert!(
        text.contains("国务院办公厅节假日安排通知") && text.contains("content_6986382"),
        "{text}"
    );
    assert!(text.contains("2025-01-26  周日  调休上班  春节"), "{text}");

    let estimated = zwgk(&["calendar", "show", "2027"], &[]);
    let text = stdout(&estimated);
    assert!(text.contains("推定") && text.contains("国务院令第797号"), "{text}");
    assert!(text.contains("2027-02-09  周二  补假  春节"), "{text}");

    let json: serde_json::Value =
        serde_json::from_slice(&zwgk(&["calendar", "show", "2027", "--json"], &[]).stdout).unwrap();
    assert_eq!(json["source"], "estimated");
    assert_eq!(json["workdays"], 248);
}

#[test]
fn a_notice_file_is_merged_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(
        &file,
        r#"{"year": 2027, "papers": ["https://www.gov.cn/zhengce/content/example.htm"], "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "春节", "date": "2027-02-05", "isOffDay": true},
  {"name": "春节", "date": "2027-02-14", "isOffDay": false}
]}"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for out in [
        zwgk(&["calendar", "show", "2027", "--calendar", path], &[]),
        zwgk(&["calendar", "show", "2027"], &[("ZWGK_CALENDAR", path)]),
    ] {
        let text = stdout(&out);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("节假日安排文件") && text.contains("2027.json"), "{text}");
        assert!(text.contains("2027-02-14  周日  调休上班  春节"), "{text}");
    }
    let check = zwgk(&["calendar", "check", path], &[]);
    assert!(check.status.success());
    assert!(stdout(&check).contains("is a valid notice file"));
    assert!(
        stdout(&check).contains("2027-10-01 (国庆节)"),
        "an incomplete notice is flagged"
    );
}

#[test]
fn a_malformed_notice_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        "{\"year\": 2027,\n \"days\": [\n  {\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true},\n  {\"name\": \"春节\", \"date\": \"2027-02-03\", \"isOffDay\": false}\n]}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for args in [
        vec!["calendar", "check", path],
        vec!["calendar", "show", "2027", "--calendar", path],
        vec!["assess", "--db", "nowhere.db", "--calendar", path],
    ] {
        let out = zwgk(&args, &[]);
        // Checking the file is `calendar check`'s job (1: the file is bad); given to another
        // command it is an option's value that cannot be used (2: the command line is wrong).
        let expected = if args[1] == "check" { 1 } else { 2 };
        assert_eq!(out.status.code(), Some(expected), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.json` line 4") && err.contains("Wednesday"),
            "{args:?}: {err}"
        );
        assert_eq!(err.matches("line 4").count(), 1, "said once: {err}");
    }
}
