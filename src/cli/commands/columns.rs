//! `zwgk columns`: which site column each leaf is judged on, and why.

use super::*;

pub(crate) async fn run_columns(args: ColumnsArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let catalog = match &args.catalog {
        Some(path) => {
            crate::assess::catalog::Catalog::load(&path.display().to_string()).map_err(|e| UsageError(e.to_string()))?
        }
        None => crate::assess::catalog::Catalog::bundled_zhoucun(),
    };
    let profiles = load_profiles(&args.profiles)?;
    let (store, run) = args.target.open().await?;
    warn_unfinished(&run);
    let leaves = match unless_stopped(
        &shutdown,
        crate::stage::columns::columns_for_run(&store, run.id, &catalog, &profiles),
    )
    .await
    {
        Ok(leaves) => leaves?,
        Err(stop) => return Ok(stopped(stop, "nothing was printed")),
    };
    store.close().await;
    anyhow::ensure!(
        leaves.iter().any(|l| l.keys.values().any(|m| !m.is_empty())),
        "run {} has no extracted list pages; run `zwgk extract --db {}` first",
        run.id,
        args.target.store.db
    );
    let mut text = String::new();
    if args.json {
        text = serde_json::to_string_pretty(&leaves)? + "\n";
    } else {
        use std::fmt::Write as _;
        if let Some(state) = &run.unfinished {
            let _ = writeln!(text, "注意：第{}次抓取未完成（run {} {state}）", run.id, run.id);
        }
        for leaf in leaves.iter().filter(|l| !l.keys.is_empty()) {
            let question: String = leaf.question.chars().take(36).collect();
            let _ = writeln!(text, "{}  {question}", leaf.id);
            for (key, found) in &leaf.keys {
                if found.is_empty() {
                    let _ = writeln!(text, "    {key}: 未找到栏目");
                }
                for m in found {
                    let _ = writeln!(text, "    {key}: {} ({})", m.url, m.reason);
                }
            }
        }
    }
    out(&text);
    Ok(ExitCode::SUCCESS)
}
