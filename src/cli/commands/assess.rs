//! `zwgk assess`: every leaf scored against a run, as text or JSON.

use super::*;

pub(crate) async fn run_assess(args: AssessArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let (store, run) = args.target.open().await?;
    warn_unfinished(&run);
    let assessment = match unless_stopped(
        &shutdown,
        crate::stage::assess::assess_run(&store, run.id, &inputs.options()),
    )
    .await
    {
        Ok(assessment) => assessment?,
        Err(stop) => return Ok(stopped(stop, "nothing was written")),
    };
    store.close().await;
    let output = match args.format {
        AssessFormat::Json => serde_json::to_string_pretty(&assessment)? + "\n",
        AssessFormat::Table => crate::summary::render_assessment(&assessment),
    };
    match &args.out {
        Some(path) => crate::atomic::write(path, output.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?,
        None => out(&output),
    }
    Ok(ExitCode::SUCCESS)
}
