//! `zwgk rectify`: the 整改台账.

use super::*;

pub(crate) async fn run_rectify_list(args: RectifyListArgs) -> anyhow::Result<ExitCode> {
    check_db(&args.store.db)?;
    let store = Store::open_read(&args.store.db).await?;
    let mut rows = store.ledger(None).await?;
    store.close().await;
    if let Some(unit) = &args.unit {
        rows.retain(|r| &r.unit == unit);
    }
    if args.json {
        outln(&serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for r in &rows {
        text.push_str(&format!(
            "{:<5} {}  {}  {}  期限{}  {}  {}{}\n",
            r.id,
            r.month,
            r.unit,
            r.leaf_id,
            r.deadline,
            r.status_zh(),
            r.question,
            r.response
                .as_deref()
                .map(|t| format!("  回复：{t}（{}）", r.responder.as_deref().unwrap_or("")))
                .unwrap_or_default()
        ));
    }
    if rows.is_empty() {
        text.push_str("the 整改台账 is empty: write a month's 通报 with `zwgk report --by unit` first\n");
    }
    out(&text);
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_rectify_respond(args: RectifyRespondArgs) -> anyhow::Result<ExitCode> {
    check_db(&args.store.db)?;
    if args.text.trim().is_empty() || args.by.trim().is_empty() {
        return Err(UsageError("give the response (--text) and who answered (--by)".to_string()).into());
    }
    let store = Store::open(&args.store.db).await?;
    let found = store.respond(args.id, args.text.trim(), args.by.trim()).await?;
    store.close().await;
    if !found {
        return Err(UsageError(format!("the 整改台账 has no item {}", args.id)).into());
    }
    outln(&format!("item {}: response recorded", args.id));
    Ok(ExitCode::SUCCESS)
}
