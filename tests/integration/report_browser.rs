//! report.html in a real browser (headless Chromium, `--features browser-tests`): it loads with
//! no console message and no blocked request, the hostile fixture page's script and the hostile
//! assessor note do not run, and a screenshot of the laid-out page is kept for review.
//!
//! The browser is found as `chromium` (Debian) or via `ZWGK_CHROMIUM`; if it is missing these
//! tests fail — they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::media_box;
use crate::report_output::{crawled_fixture, write_fixture_reports};

pub fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("ZWGK_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "browser-tests need headless Chromium: install Debian's `chromium` (apt-get install chromium) or set ZWGK_CHROMIUM"
    );
}

/// Runs headless Chromium on a file with extra flags; returns (stdout, stderr).
fn headless(page: &Path, flags: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_html_loads_cleanly_in_chromium_and_nothing_hostile_runs() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    write_fixture_reports(&store, run_id, out.path()).await;
    let page = out.path().join("report.html");

    let (dom, log) = headless(&page, &["--dump-dom"]);
    // Laid out as written: the title, every section, the chart.
    assert!(dom.contains("<title>"), "the DOM was dumped");
    for heading in [
        "一、总体情况",
        "二、问题清单（按指标",
        "三、问题清单（按责任单位",
        "四、与上次检查相比",
        "五、全部指标测评结果",
        "六、未能检查的内容",
    ] {
        assert!(dom.contains(heading), "section {heading} missing");
    }
    assert!(dom.contains("<svg"), "the chart is in the page");
    // Nothing hostile ran: the note would set data-pwned on <body> and the title to "pwned";
    // the fixture letter's title would be a <script> element.
    assert!(
        dom.contains("<body>"),
        "the hostile note's onerror set an attribute on <body>"
    );
    assert!(
        dom.contains("onerror=\"document.body"),
        "the note is shown as text (quotes kept)"
    );
    assert!(!dom.contains("<title>pwned</title>"), "the hostile note's script ran");
    assert!(!dom.contains("<script"), "a script element reached the DOM");
    assert!(dom.contains("网站出现&lt;script&gt;alert(1)&lt;/script&gt;字样的反映"));
    // No console output (errors, CSP violations) and no request refused by the page's policy.
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Refused to"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");

    // A screenshot of the top of the report, kept under target/ for a human look.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // A blank page compresses to a few KB; the laid-out report (cards, chart, tables) does not.
    assert!(png.len() > 40_000, "the screenshot looks blank ({} bytes)", png.len());

    // Printable: Chromium's print follows the report's `@page { size: A4 }`.
    let pdf = out.path().join("report.pdf");
    headless(
        &page,
        &[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"],
    );
    let doc = lopdf::Document::load(&pdf).expect("a readable PDF");
    let pages = doc.get_pages();
    assert!(
        pages.len() >= 5,
        "161 leaves print on several pages, got {}",
        pages.len()
    );
    for (&number, &id) in &pages {
        let (width, height) = media_box(&doc, id);
        // A4 is 595.28 × 841.89 pt.
        assert!(
            (width - 595.3).abs() < 2.0 && (height - 841.9).abs() < 2.0,
            "page {number} is {width} × {height} pt"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_pdf_is_written_by_headless_chromium() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    write_fixture_reports(&store, run_id, out.path()).await;
    let pdf = match zwgk::report::pdf::print_report(out.path(), Some(&chromium())) {
        zwgk::report::pdf::PdfOutcome::Printed(pdf) => pdf,
        other => panic!("no report.pdf: {other:?}"),
    };
    assert_eq!(pdf, out.path().join("report.pdf"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "report.pdf is a PDF");
    let doc = lopdf::Document::load_mem(&bytes).expect("a readable PDF");
    assert!(doc.get_pages().len() >= 5);
    // Without a browser the PDF, now older than report.html, is removed.
    assert!(matches!(
        zwgk::report::pdf::print_report(out.path(), None),
        zwgk::report::pdf::PdfOutcome::NoBrowser
    ));
    assert!(!pdf.exists());
}
