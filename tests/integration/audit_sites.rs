//! `zwgk audit --sites`: several sites in one command, each into its own store and folder, a
//! combined ranking in HTML, XLSX and JSON, and a site that cannot be reached listed with the
//! reason (failing the audit) without stopping the others.

use calamine::{Data, Reader, Xlsx, open_workbook};
use zwgk::serve::SiteServer;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sites_are_audited_into_their_own_folders_and_ranked() {
    let a = SiteServer::start(fixture_site()).await.unwrap();
    let b = SiteServer::start(fixture_site()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml"),
        dir.path().join("profile.toml"),
    )
    .unwrap();
    // A port nothing listens on: the third site fetches nothing.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let sites = format!(
        r#"
[[site]]
name = "甲区 <b>"
url = "{}"
profile = "profile.toml"

[[site]]
name = "乙区"
url = "{}"
profile = "profile.toml"
catalog = "zhoucun-2019"

[[site]]
name = "丙区"
url = "http://{dead}/index.html"
"#,
        a.url("/index.html"),
        b.url("/index.html")
    );
    std::fs::write(dir.path().join("sites.toml"), sites).unwrap();
    let out = dir.path().join("out");
    let run = zwgk_async(&[
        "audit",
        "--sites",
        &dir.path().join("sites.toml").display().to_string(),
        "--out",
        &out.display().to_string(),
        "--rate",
        "0",
        "--as-of",
        "2026-01-15",
        "--timeout",
        "5",
    ])
    .await;
    let stdout = stdout_of(&run);
    assert_eq!(
        run.status.code(),
        Some(1),
        "a site not judged fails the audit: {stdout}\n{}",
        stderr_of(&run)
    );
    assert!(stdout.contains("[乙区] crawl"), "{stdout}");
    // Each judged site has its own store and reports; the unreachable one its store only.
    for name in ["甲区 <b>", "乙区"] {
        let folder = out.join(zwgk::report::files::safe_file_name(name));
        assert!(folder.join("zwgk.db").is_file(), "{name}");
        assert!(folder.join("report.html").is_file(), "{name}");
    }
    assert!(!out.join("丙区").join("report.html").exists());
    // Both fixture copies were crawled in full: the requests split between the two servers.
    let (ra, rb) = (a.log().requests(), b.log().requests());
    assert!(ra.len() > 100 && rb.len() > 100);
    // Both are on host 127.0.0.1, so they took turns: one crawl ended before the other began.
    let span = |r: &[zwgk::serve::LoggedRequest]| (r.first().unwrap().at, r.last().unwrap().at);
    let ((a0, a1), (b0, b1)) = (span(&ra), span(&rb));
    assert!(a1 < b0 || b1 < a0, "two crawls of one host overlapped");

    let html = std::fs::read_to_string(out.join("ranking.html")).unwrap();
    assert!(html.contains("甲区 &lt;b&gt;"), "names are escaped");
    assert!(!html.contains("甲区 <b>"));
    assert!(html.contains("丙区") && html.contains("未能抓取到任何页面"));
    assert!(html.contains("行政权力运行公开"), "a column per 一级指标");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ranking.json")).unwrap()).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["result"]["rank"], 1);
    assert_eq!(rows[1]["result"]["rank"], 2);
    assert!(rows[2]["result"].is_null(), "the unjudged site comes last");
    assert_eq!(rows[2]["site"]["name"], "丙区");
    // The two copies of one site score the same.
    assert_eq!(
        rows[0]["result"]["counts"]["score"],
        rows[1]["result"]["counts"]["score"]
    );

    let mut book: Xlsx<_> = open_workbook(out.join("ranking.xlsx")).unwrap();
    let sheet = book.worksheet_range("排名").unwrap();
    assert_eq!(sheet.height(), 4);
    assert_eq!(sheet.get((0, 1)), Some(&Data::String("网站".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::Float(1.0)));
    assert_eq!(sheet.get((3, 1)), Some(&Data::String("丙区".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_sites_file_is_a_usage_error_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sites.toml");
    let out = dir.path().join("out").display().to_string();
    for (text, says) in [
        (
            "[[site]]\nname = \"甲\"\nurl = \"http://127.0.0.1:9/\"\n[[site]]\nname = \"甲\"\nurl = \"http://127.0.0.1:8/\"\n",
            "two sites are named",
        ),
        ("[[site]]\nname = \"甲\"\nurl = \"not a url\"\n", "is not a URL"),
        (
            "[[site]]\nname = \"甲\"\nurl = \"http://127.0.0.1:9/\"\nprofile = \"missing.toml\"\n",
            "site `甲`",
        ),
        ("[[site]]\nname = \"甲\"\nadress = \"typo\"\n", "unknown field"),
        ("", "no `[[site]]`"),
    ] {
        std::fs::write(&file, text).unwrap();
        let run = zwgk_async(&["audit", "--sites", &file.display().to_string(), "--out", &out]).await;
        assert_eq!(run.status.code(), Some(2), "{text}: {}", stderr_of(&run));
        assert!(stderr_of(&run).contains(says), "{text}: {}", stderr_of(&run));
        assert!(!std::path::Path::new(&out).exists(), "nothing written for {text}");
    }
    let run = zwgk_async(&["audit", "http://127.0.0.1:9/", "--sites", &file.display().to_string()]).await;
    assert_eq!(run.status.code(), Some(2));
    // Each site has a store of its own: a --db would be silently ignored, so it is refused.
    std::fs::write(&file, "[[site]]\nname = \"甲\"\nurl = \"http://127.0.0.1:9/\"\n").unwrap();
    let run = zwgk_async(&[
        "audit",
        "--sites",
        &file.display().to_string(),
        "--db",
        "other.db",
        "--out",
        &out,
    ])
    .await;
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(
        stderr_of(&run).contains("does not apply to `audit --sites`"),
        "{}",
        stderr_of(&run)
    );
    assert!(!std::path::Path::new(&out).exists());
    let run = zwgk_async(&["crawl", "--db", &dir.path().join("x.db").display().to_string()]).await;
    assert_eq!(run.status.code(), Some(2), "crawl without a URL: {}", stderr_of(&run));
    assert!(stderr_of(&run).contains("start URL"));
}
