//! `zwgk crawl`: crawl a site politely into the store, or continue an open run.

use super::*;

pub(crate) async fn run_crawl(args: CrawlArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let settings = crawl_settings(&args)?;
    let store = Store::open(&args.store.db).await?;
    let report = match crate::crawl::crawl(&settings, &store, shutdown.wait()).await {
        Ok(report) => report,
        Err(e @ crate::crawl::CrawlError::OutsideWindow { .. }) => {
            store.close().await;
            crate::console::err(&format!("zwgk: {e}\n"));
            return Ok(ExitCode::BUDGET);
        }
        Err(e) => return Err(e.into()),
    };
    store.close().await;
    print_crawl(&report, args.json)?;
    Ok(report.stop.exit_code())
}
