//! `zwgk report`: report.html/xlsx/csv/json, or the monthly 通报 per unit.

use super::*;
use std::path::Path;

pub(crate) async fn run_report(args: ReportArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let month = notice_month(&args, inputs.as_of)?;
    check_out_dir(&args.output.out)?;
    // Sending 通报 records their problems in the 整改台账: the store is written then.
    let ledger = month.is_some() && !args.no_ledger;
    let mut letterhead = match &args.config {
        Some(path) => {
            crate::config::Config::load(path)
                .map_err(|e| UsageError(e.to_string()))?
                .notice
        }
        None => crate::report::notice::Letterhead::default(),
    };
    if let Some(days) = args.rectify_days {
        letterhead.rectify_working_days = Some(days);
    }
    let (store, run) = if ledger {
        args.target.open_for_update().await?
    } else {
        args.target.open().await?
    };
    warn_unfinished(&run);
    let options = inputs.options();
    if let Some(month) = month {
        let dir = args.output.out.join(format!("通报-{month}"));
        let written = unless_stopped(
            &shutdown,
            crate::stage::report::write_unit_notices(
                &store,
                run.id,
                &options,
                args.spec.period,
                &month,
                &dir,
                &letterhead,
                ledger,
            ),
        )
        .await;
        store.close().await;
        let (assessment, files) = match written {
            Ok(written) => written?,
            Err(stop) => return Ok(stopped(stop, "the earlier 通报, if any, are unchanged")),
        };
        outln(&format!(
            "{month} 通报 as of {}: {} files in {}{}",
            assessment.as_of,
            files.len(),
            dir.display(),
            if ledger {
                format!(
                    "; problems recorded in the 整改台账 ({} overdue from earlier 通报)",
                    assessment.routing.overdue.len()
                )
            } else {
                String::new()
            }
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let written = unless_stopped(
        &shutdown,
        crate::stage::report::write_run_reports(&store, run.id, &options, &args.output.out, &formats),
    )
    .await;
    store.close().await;
    let (data, mut files) = match written {
        Ok(written) => written?,
        Err(stop) => return Ok(stopped(stop, "the earlier reports, if any, are unchanged")),
    };
    let pdf_note = if formats.contains(&crate::report::Format::Html) && !args.no_pdf {
        print_pdf(&args.output.out, args.chromium.as_deref(), &mut files)
    } else {
        None
    };
    print_reports(&data, &files);
    if let Some(note) = pdf_note {
        outln(&note);
    }
    Ok(ExitCode::SUCCESS)
}

/// report.pdf from the written report.html, with the given browser or one found on PATH; a
/// missing or failing browser is a line of information, never a failed report.
fn print_pdf(out: &Path, chromium: Option<&Path>, files: &mut Vec<PathBuf>) -> Option<String> {
    use crate::report::pdf::{PdfOutcome, find_browser, print_report};
    let browser = chromium
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PATH").and_then(|path| find_browser(&path)));
    match print_report(out, browser.as_deref()) {
        PdfOutcome::Printed(pdf) => {
            files.push(pdf);
            None
        }
        PdfOutcome::NoBrowser => Some(
            "report.pdf not written: no headless Chromium (`chromium`, `chromium-browser` or `google-chrome`) on PATH; \
             install Debian's `chromium` or pass --chromium PATH"
                .to_string(),
        ),
        PdfOutcome::Failed(e) => Some(format!("report.pdf not written: {e}")),
    }
}

pub(crate) fn print_reports(data: &crate::report::ReportData, files: &[PathBuf]) {
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
