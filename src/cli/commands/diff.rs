//! `zwgk diff`: what changed between two runs, as text, JSON or HTML.

use super::*;

pub(crate) async fn run_diff(args: DiffArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    check_db(&args.store.db)?;
    let store = Store::open_read(&args.store.db).await?;
    let (before, after) = match args.runs[..] {
        [a, b] => (a, b),
        [b] => match store.previous_run(b).await? {
            Some(a) => (a, b),
            None => return Err(UsageError(format!("run {b} has no finished run before it to compare with")).into()),
        },
        _ => {
            let finished = store.finished_runs().await?;
            match finished[..] {
                [.., a, b] => (a, b),
                _ => anyhow::bail!(
                    "the store `{}` has fewer than two finished runs; nothing to compare",
                    args.store.db
                ),
            }
        }
    };
    for run in [before, after] {
        if store.run(run).await?.is_none() {
            return Err(UsageError(format!("the store `{}` has no run {run}", args.store.db)).into());
        }
    }
    let diffed = match unless_stopped(
        &shutdown,
        crate::stage::diff::diff_runs(
            &store,
            before,
            after,
            &inputs.options(),
            args.spec.as_of.is_some().then_some(inputs.as_of),
            None,
        ),
    )
    .await
    {
        Ok(diffed) => diffed?,
        Err(stop) => return Ok(stopped(stop, "nothing was written")),
    };
    store.close().await;
    let text = match args.format {
        DiffFormat::Text => crate::report::diff::render_text(&diffed),
        DiffFormat::Json => serde_json::to_string_pretty(&diffed)? + "\n",
        DiffFormat::Html => crate::report::diff::render_html(&diffed),
    };
    match &args.out {
        Some(path) => {
            crate::atomic::write(path, text.as_bytes()).with_context(|| format!("cannot write `{}`", path.display()))?
        }
        None => out(&text),
    }
    Ok(ExitCode::SUCCESS)
}
