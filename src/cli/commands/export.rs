//! `zwgk export`: the evidence package (WARC/1.1, CDXJ, manifest) of a run.

use super::*;

pub(crate) async fn run_export(args: ExportArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    check_out_dir(&args.out)?;
    let (store, run) = args.target.open().await?;
    warn_unfinished(&run);
    // Without --as-of the run is judged as of the day it was crawled, not today: exporting the
    // same run again next month must give the same bytes.
    let mut spec_as_of = args.spec.as_of.clone();
    if spec_as_of.is_none()
        && let Some(day) = crate::stage::report::run_day(&store, run.id).await?
    {
        spec_as_of = Some(day.to_string());
    }
    let mut inputs = assess_inputs(
        &args.spec.catalog,
        spec_as_of.as_deref(),
        args.spec.period,
        args.spec.manual.as_deref(),
        &args.spec.profiles,
    )?;
    inputs.calendar = load_calendar(args.spec.calendar.as_deref())?;
    let scope = if args.all {
        crate::export::Scope::All
    } else {
        crate::export::Scope::Cited
    };
    let exported = unless_stopped(&shutdown, async {
        let assessment = crate::stage::assess::assess_run(&store, run.id, &inputs.options()).await?;
        let summary =
            crate::export::export_scope(&store, &assessment, &args.out, scope, crate::export::MAX_WARC_BYTES).await?;
        anyhow::Ok(summary)
    })
    .await;
    store.close().await;
    let summary = match exported {
        Ok(summary) => summary?,
        Err(stop) => return Ok(stopped(stop, "the earlier evidence package, if any, is unchanged")),
    };
    if args.json {
        outln(&serde_json::to_string_pretty(&summary)?);
    } else {
        out(&render_export(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn render_export(s: &crate::export::ExportSummary) -> String {
    let mut text = format!(
        "evidence package in {}: {} WARC records ({} captures, {} revisits with {} originals, {} robots.txt), {} files, {} bytes\n",
        s.out_dir.display(),
        s.records,
        s.captures,
        s.revisits,
        s.originals,
        s.robots,
        s.files.len(),
        s.bytes
    );
    if !s.omitted.is_empty() {
        text.push_str(&format!(
            "  {} cited URLs have no stored capture (listed in 说明.txt)\n",
            s.omitted.len()
        ));
    }
    text
}
