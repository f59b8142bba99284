//! `zwgk prune`: old bodies removed by policy, never one a kept verdict cites.

use super::*;

pub(crate) async fn run_prune(args: PruneArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => crate::config::Config::load(path).map_err(|e| UsageError(e.to_string()))?,
        None => crate::config::Config::default(),
    };
    let db = args
        .db
        .clone()
        .or(config.store.db.clone())
        .unwrap_or_else(|| "zwgk.db".to_string());
    check_db(&db)?;
    let keep_runs = args.keep_runs.or(config.retention.keep_runs);
    let keep_days = args.keep_days.or(config.retention.keep_days);
    if keep_runs.is_none() && keep_days.is_none() {
        return Err(UsageError(
            "give a policy: --keep-runs N and/or --keep-days D (or `retention` in --config)".to_string(),
        )
        .into());
    }
    if keep_runs == Some(0) {
        return Err(UsageError("`--keep-runs 0` would keep no finished run; keep at least 1".to_string()).into());
    }
    let store = if args.dry_run {
        Store::open_read(&db).await?
    } else {
        if let Some(path) = crate::store::file_of(&db)
            && !path.is_file()
        {
            return Err(crate::store::StoreError::Missing(db).into());
        }
        Store::open(&db).await?
    };
    let report = store.prune(keep_runs, keep_days, args.dry_run).await?;
    store.close().await;
    if args.json {
        outln(&serde_json::to_string_pretty(&report)?);
    } else {
        outln(&prune_text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn prune_text(r: &crate::store::PruneReport) -> String {
    let verb = if r.dry_run { "would remove" } else { "removed" };
    format!(
        "runs kept {:?}, pruned {:?}; {verb} {} bodies ({:.1} MB stored); kept {} bodies that kept verdicts cite",
        r.runs_kept,
        r.runs_pruned,
        r.bodies,
        r.bytes as f64 / 1_048_576.0,
        r.kept_for_verdicts
    )
}
