//! `zwgk demo`: the audit of the bundled fixture site, served on loopback: a first crawl, a
//! nightly-style recrawl that should find nothing changed, extraction, the assessment of every
//! leaf as of the date the fixture's planted cases are written for, the reports, the December
//! 通报 per unit and the evidence package.

use std::path::Path;

use anyhow::Context as _;
use url::Url;

use crate::console::{self, outln};
use crate::crawl::{self, CrawlSettings};
use crate::exit::ExitCode;
use crate::pipeline::{self, Step};
use crate::serve::{SiteServer, bundled_site};
use crate::shutdown::{Shutdown, Stopped, unless_stopped};
use crate::store::Store;

/// The demo crawls its own loopback server, so it may go faster than the polite default.
const DEMO_RATE: f64 = 200.0;

/// The fixture site's planted cases are written as of this date (`fixtures/site/PLANTED.md`).
const DEMO_AS_OF: &str = "2026-01-15";

/// The demo, stopped as a whole by SIGINT or SIGTERM (exit 130 or 143): its store and
/// outputs are its own and are rebuilt by the next demo.
pub async fn run_demo(out: &Path, site: Option<&Path>, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    match unless_stopped(&shutdown, demo(out, site)).await {
        Ok(done) => done,
        Err(Stopped(signal)) => {
            crate::console::err(&format!("zwgk demo: stopped by {}\n", signal.name()));
            Ok(signal.exit_code())
        }
    }
}

async fn demo(out: &Path, site: Option<&Path>) -> anyhow::Result<ExitCode> {
    let root = match site {
        Some(dir) => dir.to_path_buf(),
        None => bundled_site().context(
            "the bundled fixture site `fixtures/site` was not found; run from the zwgk repository or pass --site DIR",
        )?,
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let db = out.join("zwgk.db");
    for stale in [
        db.clone(),
        out.join("zwgk.db-wal"),
        out.join("zwgk.db-shm"),
        out.join("zwgk.db-lock"),
    ] {
        if stale.exists() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove the old `{}`", stale.display()))?;
        }
    }
    let server = SiteServer::start(root.clone())
        .await
        .context("cannot start the fixture server on 127.0.0.1")?;
    outln(&format!("zwgk demo: serving {} at {}", root.display(), server.origin()));
    let store = Store::open(&db.to_string_lossy()).await?;
    let mut settings = CrawlSettings::new(Url::parse(&server.url("/index.html"))?);
    settings.pacing.rate = DEMO_RATE;
    settings.progress = crate::crawl::progress::ProgressMode::for_stderr();

    outln(&format!(
        "\n1. crawl (robots.txt first, {DEMO_RATE} requests/s at most)"
    ));
    let first = crawl::crawl(&settings, &store, std::future::pending()).await?;
    console::out(&crate::summary::render_text(&first));
    // The rest is the audit pipeline the nightly job runs: a conditional recrawl, extraction,
    // the assessment and the reports.
    let catalog = crate::assess::catalog::Catalog::bundled_zhoucun();
    let profiles = vec![crate::extract::profile::Profile::from_toml(
        include_str!("../selectors/sites/zhoucun.toml"),
        "selectors/sites/zhoucun.toml",
    )?];
    let as_of = chrono::NaiveDate::parse_from_str(DEMO_AS_OF, "%Y-%m-%d")?;
    let calendar = crate::assess::calendar::WorkCalendar::bundled();
    let options = crate::stage::assess::AssessOptions {
        catalog: &catalog,
        as_of,
        year: crate::assess::default_year(as_of),
        profiles: &profiles,
        manual: &[],
        calendar: &calendar,
    };
    let report_dir = out.join("report");
    let extract_profiles = crate::extract::profile::bundled_cms_profiles();
    let never = Shutdown::never();
    let job = pipeline::Job {
        store: &store,
        crawl: &settings,
        extract_profiles: &extract_profiles,
        assess: options,
        reports: pipeline::ReportTarget {
            dir: &report_dir,
            formats: &crate::report::Format::ALL,
        },
        shutdown: &never,
        judge_unfinished: true,
    };
    let mut started = std::time::Instant::now();
    let outcome = pipeline::run(&job, &mut |step| match step {
        Step::Crawling(_) => outln("\n2. recrawl, as the nightly job does (conditional requests)"),
        Step::Crawled(report) => console::out(&crate::summary::render_text(report)),
        Step::Extracting => {
            outln("\n3. extract facts from every stored page (no fetching)");
            started = std::time::Instant::now();
        }
        Step::Extracted(extracted) => {
            outln(&format!(
                "  {} pages in {:.1} s; {} with a publication date ({} list dates recorded); {} errors",
                extracted.extracted,
                started.elapsed().as_secs_f64(),
                extracted.with_pub_date,
                extracted.list_dates_recorded,
                extracted.errors
            ));
            let mut kinds: Vec<_> = extracted.by_kind.iter().collect();
            kinds.sort();
            outln(&format!(
                "  kinds: {}",
                kinds
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Step::Reporting => {
            outln(&format!(
                "\n4. assess every leaf of the 周村区 task table as of {DEMO_AS_OF} (assessment year 2025)"
            ));
            started = std::time::Instant::now();
        }
    })
    .await?;
    let (Some(extracted), Some((data, report_files))) = (outcome.extracted, outcome.report) else {
        anyhow::bail!("the demo's recrawl stopped: {}", outcome.crawl.stop.label());
    };
    let second = outcome.crawl;
    store.save_assessment(&data.assessment).await?;
    let assessment = data.assessment;
    let c = &assessment.summary.counts;
    outln(&format!(
        "  {} leaves assessed and reported in {:.2} s: 达标 {}  部分达标 {}  不达标 {}  待人工 {}  不适用 {}",
        c.total,
        started.elapsed().as_secs_f64(),
        c.pass,
        c.partial,
        c.fail,
        c.manual,
        c.na
    ));
    for group in &assessment.summary.by_level1 {
        outln(&format!("  {:<12} 平均得分 {}", group.name, group.counts.score_zh()));
    }
    outln(&format!("  {}", assessment.understanding.summary_zh()));
    if let Some(warning) = &assessment.understanding.warning {
        outln(&format!("  请注意：{warning}"));
    }
    let assessment_path = out.join("assessment.json");
    crate::atomic::write(&assessment_path, serde_json::to_string_pretty(&assessment)?.as_bytes())
        .with_context(|| format!("cannot write `{}`", assessment_path.display()))?;
    let table_path = out.join("assessment.txt");
    crate::atomic::write(&table_path, crate::summary::render_assessment(&assessment).as_bytes())
        .with_context(|| format!("cannot write `{}`", table_path.display()))?;

    outln("\n5. reports, the December 通报 per unit, and the evidence package");
    for file in &report_files {
        outln(&format!("  {}", file.display()));
    }
    outln(&format!(
        "  {} gaps listed (robots-blocked, failed, unreached or empty pages); compared with run {}",
        data.gaps.total(),
        data.previous.as_ref().map_or("—".to_string(), |p| p.run_id.to_string())
    ));
    let notice_dir = report_dir.join("通报-2025-12");
    let (_, notices) = crate::stage::report::write_unit_notices(
        &store,
        second.run_id,
        &options,
        None,
        "2025-12",
        &notice_dir,
        &crate::report::notice::Letterhead::default(),
        true,
    )
    .await?;
    outln(&format!(
        "  {} ({} files: 通报汇总 and one per 责任单位, each as .html and as a .docx 公文)",
        notice_dir.display(),
        notices.len()
    ));
    let evidence_dir = out.join("evidence");
    let exported = crate::export::export_run(&store, &assessment, &evidence_dir).await?;
    console::out(&format!("  {}", crate::cli::render_export(&exported)));

    let summary_path = out.join("crawl-summary.json");
    let json = serde_json::json!({ "site": server.origin(), "runs": [first, second], "extract": extracted });
    crate::atomic::write(&summary_path, serde_json::to_string_pretty(&json)?.as_bytes())
        .with_context(|| format!("cannot write `{}`", summary_path.display()))?;
    outln(&format!(
        "\nresults:\n  store    {}\n  summary  {}",
        db.display(),
        summary_path.display()
    ));
    outln(&format!(
        "  verdicts {}  (and {})",
        assessment_path.display(),
        table_path.display()
    ));
    outln(&format!("  report   {}", report_dir.join("report.html").display()));
    outln(&format!("  evidence {}", evidence_dir.display()));
    outln(&format!("  inspect  zwgk summary --db {}", db.display()));
    outln(&format!(
        "  assess   zwgk assess --db {} --as-of {DEMO_AS_OF} --profile selectors/sites/zhoucun.toml",
        db.display()
    ));
    outln(&format!(
        "  a page   zwgk inspect {}/index.html --base-url {}/index.html",
        root.display(),
        server.origin()
    ));
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
