//! `zwgk crawl`: crawl a site politely into the store, or continue an open run.

use super::*;

pub(crate) async fn run_crawl(command: CrawlCommand, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let args = command.crawl;
    let mut settings = crawl_settings(&args)?;
    if command.worker {
        if !crate::store::is_postgres(&args.store.db) {
            return Err(UsageError(format!(
                "`--worker` shares a crawl through a PostgreSQL store; `{}` is a SQLite file (give --db postgres://…, or crawl without --worker)",
                args.store.db
            ))
            .into());
        }
        if command.lease <= args.timeout {
            return Err(UsageError(format!(
                "`--lease {}` must be longer than `--timeout {}`: a worker still fetching would lose its claim",
                command.lease, args.timeout
            ))
            .into());
        }
        settings.worker = Some(crate::crawl::WorkerSettings::new(
            command.worker_id,
            std::time::Duration::from_secs(command.lease),
        ));
    }
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
