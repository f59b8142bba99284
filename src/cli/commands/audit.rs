//! `zwgk audit`: crawl → extract → assess → report in one command.

use super::*;
use crate::pipeline::{self, Halt, Step};

/// Prints the pipeline's stages as numbered lines (audit, nightly and demo share them).
pub(crate) fn say_step(step: Step<'_>) {
    match step {
        Step::Crawling(url) => outln(&format!("1. crawl {url}")),
        Step::Crawled(report) => out(&crate::summary::render_text(report)),
        Step::Extracting => outln("2. extract"),
        Step::Extracted(summary) => outln(&format!(
            "  {} pages, {} errors, {} list items sighted",
            summary.extracted, summary.errors, summary.items_sighted
        )),
        Step::Reporting => outln("3. assess and report"),
    }
}

/// How a halted pipeline is reported; the exit code for a signal, a message for the rest.
pub(crate) fn halted(halt: Halt) -> Option<ExitCode> {
    match halt {
        Halt::Signal(signal, stage) => Some(stopped(
            Stopped(signal),
            &match stage {
                "crawl" => "the crawl is kept and resumes when the same command runs again".to_string(),
                "extract" => {
                    "the crawl and the facts saved so far are kept; run the same command again to finish".to_string()
                }
                _ => "the crawl is kept; the earlier reports, if any, are unchanged".to_string(),
            },
        )),
        Halt::NothingFetched => {
            crate::console::err("zwgk: nothing was fetched, so there is nothing to assess; no report was written\n");
            None
        }
        Halt::CrawlOpen => None,
    }
}

/// crawl → extract → assess → report, each stage stoppable by the same signal. An incomplete
/// crawl (paused hosts, budget, window) is still judged, flagged as such, and the exit code is
/// the crawl's, so a scheduler sees it; a crawl that fetched nothing stops the audit there.
pub(crate) async fn run_audit(args: AuditArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    if let Some(file) = args.sites.clone() {
        return super::audit_sites::run_audit_sites(args, file, shutdown).await;
    }
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let settings = crawl_settings(&args.crawl)?;
    let profiles = load_profiles(&args.spec.profiles)?;
    check_out_dir(&args.output.out)?;
    let store = Store::open(&args.crawl.store.db).await?;
    let job = pipeline::Job {
        store: &store,
        crawl: &settings,
        extract_profiles: &profiles,
        assess: inputs.options(),
        reports: pipeline::ReportTarget {
            dir: &args.output.out,
            formats: &formats,
        },
        shutdown: &shutdown,
        judge_unfinished: true,
    };
    let outcome = match pipeline::run(&job, &mut say_step).await {
        Ok(outcome) => outcome,
        Err(e) => {
            store.close().await;
            if let Some(crate::crawl::CrawlError::OutsideWindow { .. }) = e.downcast_ref() {
                crate::console::err(&format!("zwgk: {e}\n"));
                return Ok(ExitCode::BUDGET);
            }
            return Err(e);
        }
    };
    if let Some((data, _)) = &outcome.report {
        // A writing command keeps what it judged: history and diff read it.
        store.save_assessment(&data.assessment).await?;
    }
    store.close().await;
    if let Some(halt) = outcome.halt {
        return Ok(halted(halt).unwrap_or(outcome.crawl.stop.exit_code()));
    }
    if let Some((data, files)) = &outcome.report {
        print_reports(data, files);
    }
    Ok(outcome.crawl.stop.exit_code())
}
