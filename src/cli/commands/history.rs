//! `zwgk history`: every run of the store, with the kept assessments' scores.

use super::*;

#[derive(serde::Serialize)]
struct HistoryRow {
    run_id: i64,
    started_at: String,
    finished_at: Option<String>,
    duration_seconds: Option<i64>,
    state: String,
    stop_reason: Option<String>,
    pages: crate::store::RunSummary,
    assessments: Vec<crate::store::AssessmentRow>,
}

pub(crate) async fn run_history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    check_db(&args.store.db)?;
    let store = Store::open_read(&args.store.db).await?;
    let ids = store.run_ids().await?;
    let kept = store.assessments().await?;
    let mut rows = Vec::new();
    for id in ids {
        let Some(run) = store.run(id).await? else { continue };
        let pages = store.run_summary(id).await?;
        let duration_seconds = run.finished_at.as_deref().and_then(|end| {
            let start = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok()?;
            let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
            Some((end - start).num_seconds())
        });
        rows.push(HistoryRow {
            run_id: id,
            started_at: run.started_at.clone(),
            finished_at: run.finished_at.clone(),
            duration_seconds,
            state: run.state.clone(),
            stop_reason: run.stop_reason.clone(),
            pages,
            assessments: kept.iter().filter(|a| a.run_id == id).cloned().collect(),
        });
    }
    store.close().await;
    if args.json {
        outln(&serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        outln(&format!("the store `{}` holds no crawl yet", args.store.db));
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::from(
        "run  started (Beijing)    took      state                       new  changed  removed  errors  blocked  catalog        score  达标/部分/不达标/待人工/不适用\n",
    );
    for r in &rows {
        let took = r
            .duration_seconds
            .map_or_else(|| "—".to_string(), |s| format!("{}m{:02}s", s / 60, s % 60));
        let state = match (&r.state[..], r.stop_reason.as_deref()) {
            ("finished", None | Some("finished" | "frontier exhausted")) => "finished".to_string(),
            (state, Some(reason)) => format!("{state} ({reason})"),
            (state, None) => state.to_string(),
        };
        let head = format!(
            "{:<4} {:<20} {:<9} {:<27} {:>4} {:>8} {:>8} {:>7} {:>8}",
            r.run_id,
            crate::report::beijing(&r.started_at),
            took,
            state,
            r.pages.new,
            r.pages.changed,
            r.pages.removed,
            r.pages.errors + r.pages.failed,
            r.pages.robots_blocked
        );
        if r.assessments.is_empty() {
            text.push_str(&head);
            text.push('\n');
        }
        for a in &r.assessments {
            let c = &a.counts;
            text.push_str(&format!(
                "{head}  {:<14} {:>5}  {}/{}/{}/{}/{}  (as of {})\n",
                a.catalog,
                a.score.map_or_else(|| "—".to_string(), |s| format!("{s:.1}")),
                c["pass"],
                c["partial"],
                c["fail"],
                c["manual"],
                c["na"],
                a.as_of
            ));
        }
    }
    out(&text);
    Ok(ExitCode::SUCCESS)
}
