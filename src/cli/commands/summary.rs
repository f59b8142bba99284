//! `zwgk summary`: what a crawl run did, however it ended.

use super::*;

pub(crate) async fn run_summary(args: SummaryArgs) -> anyhow::Result<ExitCode> {
    check_db(&args.target.store.db)?;
    let store = Store::open_read(&args.target.store.db).await?;
    // `summary` shows what a crawl did however it ended: the newest run unless asked.
    let run = match args.target.run {
        Some(id) => store.run(id).await?,
        None => store.latest_run(None).await?,
    };
    let Some(run) = run else {
        let ids = store.run_ids().await?;
        match args.target.run {
            Some(id) if !ids.is_empty() => {
                return Err(UsageError(format!(
                    "the store `{}` has no run {id}; its runs are {}",
                    args.target.store.db,
                    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ))
                .into());
            }
            _ => anyhow::bail!(
                "the store `{}` holds no crawl yet; run `zwgk crawl <URL> --db {}` first",
                args.target.store.db,
                args.target.store.db
            ),
        }
    };
    let summary = store.run_summary(run.id).await?;
    store.close().await;
    if args.json {
        let json = serde_json::json!({
            "run_id": run.id,
            "state": run.state,
            "stop_reason": run.stop_reason,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "summary": summary,
        });
        outln(&serde_json::to_string_pretty(&json)?);
    } else {
        let state = if run.state == "finished" {
            match run.stop_reason.as_deref() {
                None | Some("finished" | "frontier exhausted") => "finished".to_string(),
                Some(reason) => format!("finished ({reason})"),
            }
        } else {
            run_state_text(&run)
        };
        out(&format!(
            "run {} {state}\n{}",
            run.id,
            crate::summary::render_counts(&summary)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
