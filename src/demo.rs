//! `zwgk demo`: the whole pipeline on the bundled fixture site, served on loopback, twice —
//! a first crawl, then a nightly-style recrawl that should find nothing changed.

use std::path::Path;

use anyhow::Context as _;
use url::Url;

use crate::crawl::{self, CrawlSettings};
use crate::exit::ExitCode;
use crate::serve::{SiteServer, bundled_site};
use crate::store::Store;

/// The demo crawls its own loopback server, so it may go faster than the polite default.
const DEMO_RATE: f64 = 200.0;

pub async fn run_demo(out: &Path, site: Option<&Path>) -> anyhow::Result<ExitCode> {
    let root = match site {
        Some(dir) => dir.to_path_buf(),
        None => bundled_site().context(
            "the bundled fixture site `fixtures/site` was not found; run from the zwgk repository or pass --site DIR",
        )?,
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let db = out.join("zwgk.db");
    for stale in [db.clone(), out.join("zwgk.db-wal"), out.join("zwgk.db-shm")] {
        if stale.exists() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove the old `{}`", stale.display()))?;
        }
    }
    let server = SiteServer::start(root.clone())
        .await
        .context("cannot start the fixture server on 127.0.0.1")?;
    println!("zwgk demo: serving {} at {}", root.display(), server.origin());
    let store = Store::open(&db.to_string_lossy()).await?;
    let mut settings = CrawlSettings::new(Url::parse(&server.url("/index.html"))?);
    settings.pacing.rate = DEMO_RATE;
    settings.show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());

    println!("\n1. crawl (robots.txt first, {DEMO_RATE} requests/s at most)");
    let first = crawl::crawl(&settings, &store, std::future::pending()).await?;
    print!("{}", crate::summary::render_text(&first));
    println!("\n2. recrawl, as the nightly job does (conditional requests)");
    let second = crawl::crawl(&settings, &store, std::future::pending()).await?;
    print!("{}", crate::summary::render_text(&second));

    println!("\n3. extract facts from every stored page (no fetching)");
    let started = std::time::Instant::now();
    let extracted = crate::stage::extract::extract_run(
        &store,
        second.run_id,
        false,
        &crate::extract::profile::bundled_cms_profiles(),
    )
    .await?;
    println!(
        "  {} pages in {:.1} s; {} with a publication date ({} list dates recorded); {} errors",
        extracted.extracted,
        started.elapsed().as_secs_f64(),
        extracted.with_pub_date,
        extracted.list_dates_recorded,
        extracted.errors
    );
    let mut kinds: Vec<_> = extracted.by_kind.iter().collect();
    kinds.sort();
    println!(
        "  kinds: {}",
        kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let summary_path = out.join("crawl-summary.json");
    let json = serde_json::json!({ "site": server.origin(), "runs": [first, second], "extract": extracted });
    std::fs::write(&summary_path, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("cannot write `{}`", summary_path.display()))?;
    println!(
        "\nresults:\n  store    {}\n  summary  {}",
        db.display(),
        summary_path.display()
    );
    println!("  inspect  zwgk summary --db {}", db.display());
    println!("  a page   zwgk inspect fixtures/site/index.html --base-url http://www.zhoucun.gov.cn/index.html");
    store.close().await;
    Ok(ExitCode::Success)
}
