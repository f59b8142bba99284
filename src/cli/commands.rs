//! The pipeline commands: crawl, extract, summary, columns, assess, report, export, audit.
//!
//! Every command takes the process's [`Shutdown`]: a signal stops the stage where it stands,
//! the command says what was kept, and the exit code is 130 (SIGINT) or 143 (SIGTERM).
//! Everything printed goes through `console`.

use std::path::PathBuf;

use super::args::*;
use super::settings::*;
use crate::console::{out, outln};
use crate::crawl::{self, CrawlReport, StopReason};
use crate::exit::ExitCode;
use crate::shutdown::{Shutdown, Stopped, unless_stopped};
use crate::store::Store;

/// Says how a stage stopped by a signal left things, and gives the exit code.
fn stopped(Stopped(signal): Stopped, what_is_kept: &str) -> ExitCode {
    crate::console::err(&format!("zwgk: stopped by {}; {what_is_kept}\n", signal.name()));
    signal.exit_code()
}

/// A note on every output judged on an unfinished run.
fn warn_unfinished(run: &RunChoice) {
    if let Some(state) = &run.unfinished {
        crate::console::err(&format!(
            "warning: run {} {state}; pages it has not reached read as missing, and every output says so\n",
            run.id
        ));
    }
}

fn print_crawl(report: &CrawlReport, json: bool) -> anyhow::Result<()> {
    if json {
        outln(&serde_json::to_string_pretty(report)?);
    } else {
        out(&crate::summary::render_text(report));
    }
    Ok(())
}

pub(super) async fn run_crawl(args: CrawlArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let settings = crawl_settings(&args)?;
    let store = Store::open(&args.store.db).await?;
    let report = crawl::crawl(&settings, &store, shutdown.wait()).await?;
    store.close().await;
    print_crawl(&report, args.json)?;
    Ok(report.stop.exit_code())
}

pub(super) async fn run_extract(args: ExtractArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::Success)
}

pub(super) async fn run_summary(args: SummaryArgs) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::Success)
}

pub(super) async fn run_columns(args: ColumnsArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::Success)
}

pub(super) async fn run_assess(args: AssessArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::Success)
}

pub(super) async fn run_report(args: ReportArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let month = notice_month(&args, inputs.as_of)?;
    check_out_dir(&args.output.out)?;
    let (store, run) = args.target.open().await?;
    warn_unfinished(&run);
    let options = inputs.options();
    if let Some(month) = month {
        let dir = args.output.out.join(format!("通报-{month}"));
        let written = unless_stopped(
            &shutdown,
            crate::stage::report::write_unit_notices(&store, run.id, &options, args.spec.period, &month, &dir),
        )
        .await;
        store.close().await;
        let (assessment, files) = match written {
            Ok(written) => written?,
            Err(stop) => return Ok(stopped(stop, "the earlier 通报, if any, are unchanged")),
        };
        outln(&format!(
            "{month} 通报 as of {}: {} units, {} files in {}",
            assessment.as_of,
            assessment.summary.by_unit.len(),
            files.len(),
            dir.display()
        ));
        return Ok(ExitCode::Success);
    }
    let written = unless_stopped(
        &shutdown,
        crate::stage::report::write_run_reports(&store, run.id, &options, &args.output.out, &formats),
    )
    .await;
    store.close().await;
    let (data, files) = match written {
        Ok(written) => written?,
        Err(stop) => return Ok(stopped(stop, "the earlier reports, if any, are unchanged")),
    };
    print_reports(&data, &files);
    Ok(ExitCode::Success)
}

fn print_reports(data: &crate::report::ReportData, files: &[PathBuf]) {
    let c = &data.assessment.summary.counts;
    outln(&format!(
        "run {} as of {}: {} leaves — 达标 {}  部分达标 {}  不达标 {}  待人工 {}  不适用 {}; {} gaps{}",
        data.assessment.run_id,
        data.assessment.as_of,
        c.total,
        c.pass,
        c.partial,
        c.fail,
        c.manual,
        c.na,
        data.gaps.total(),
        data.previous
            .as_ref()
            .map(|p| format!("; compared with run {}", p.run_id))
            .unwrap_or_default()
    ));
    if let Some(note) = &data.assessment.unfinished_run {
        outln(&format!("  注意：{note}"));
    }
    for file in files {
        outln(&format!("  {}", file.display()));
    }
}

pub(super) async fn run_export(args: ExportArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::Success)
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

/// crawl → extract → assess → report, each stage stoppable by the same signal. An incomplete
/// crawl (paused hosts, budget) is still judged, flagged as such, and the exit code is the
/// crawl's, so a scheduler sees it; a crawl that fetched nothing stops the audit there.
pub(super) async fn run_audit(args: AuditArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let settings = crawl_settings(&args.crawl)?;
    let profiles = load_profiles(&args.spec.profiles)?;
    check_out_dir(&args.output.out)?;
    let store = Store::open(&args.crawl.store.db).await?;
    outln(&format!("1. crawl {}", settings.start_url));
    let report = crawl::crawl(&settings, &store, shutdown.wait()).await?;
    out(&crate::summary::render_text(&report));
    match report.stop {
        StopReason::Interrupted | StopReason::Terminated => {
            store.close().await;
            return Ok(report.stop.exit_code());
        }
        StopReason::NothingFetched => {
            store.close().await;
            crate::console::err("zwgk: nothing was fetched, so there is nothing to assess; no report was written\n");
            return Ok(report.stop.exit_code());
        }
        _ => {}
    }
    outln("2. extract");
    let extracted =
        crate::stage::extract::extract_run_until(&store, report.run_id, false, &profiles, &shutdown).await?;
    outln(&format!("  {} pages, {} errors", extracted.extracted, extracted.errors));
    if extracted.stopped
        && let Some(signal) = shutdown.requested()
    {
        store.close().await;
        return Ok(stopped(
            Stopped(signal),
            "the crawl and the facts saved so far are kept; run the same audit again to finish",
        ));
    }
    outln("3. assess and report");
    let written = unless_stopped(
        &shutdown,
        crate::stage::report::write_run_reports(&store, report.run_id, &inputs.options(), &args.output.out, &formats),
    )
    .await;
    store.close().await;
    let (data, files) = match written {
        Ok(written) => written?,
        Err(stop) => {
            return Ok(stopped(
                stop,
                "the crawl is kept; the earlier reports, if any, are unchanged",
            ));
        }
    };
    print_reports(&data, &files);
    Ok(report.stop.exit_code())
}
