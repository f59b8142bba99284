//! `zwgk extract`: facts for every stored page of a run, without fetching.

use super::*;

pub(crate) async fn run_extract(args: ExtractArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let profiles = load_profiles(&args.profiles)?;
    let (store, run) = args.target.open_for_update().await?;
    let started = std::time::Instant::now();
    let summary = crate::stage::extract::extract_run_until(&store, run.id, args.force, &profiles, &shutdown).await?;
    store.close().await;
    let run_id = run.id;
    if args.json {
        outln(&serde_json::to_string_pretty(&summary)?);
    } else if summary.skipped_up_to_date {
        outln(&format!(
            "run {run_id}: every page already has facts from {}; use --force to redo them",
            summary.extractor
        ));
    } else {
        let mut kinds: Vec<_> = summary.by_kind.iter().collect();
        kinds.sort();
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        outln(&format!(
            "run {run_id}: extracted {} of {} pages in {:.1} s ({})\n  with a publication date {}  list dates recorded {}  errors {}",
            summary.extracted,
            summary.to_do,
            started.elapsed().as_secs_f64(),
            kinds.join(", "),
            summary.with_pub_date,
            summary.list_dates_recorded,
            summary.errors
        ));
    }
    if summary.stopped
        && let Some(signal) = shutdown.requested()
    {
        return Ok(stopped(
            Stopped(signal),
            "the facts saved so far are kept; run `zwgk extract` again to do the rest",
        ));
    }
    Ok(ExitCode::SUCCESS)
}
