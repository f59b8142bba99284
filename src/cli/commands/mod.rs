//! One file per command. What several commands share (how a stop is reported, the note on an
//! unfinished run, the lines that list written reports) is here.

mod assess;
mod audit;
mod audit_sites;
mod calendar;
mod catalog;
mod columns;
mod crawl;
mod dashboard;
mod diff;
mod export;
mod extract;
mod history;
mod manual;
mod nightly;
mod prune;
mod rectify;
mod report;
mod serve;
mod summary;

pub(super) use assess::run_assess;
pub(super) use audit::run_audit;
pub(super) use calendar::{run_calendar_check, run_calendar_show};
pub(super) use catalog::{run_catalog_check, run_catalog_import};
pub(super) use columns::run_columns;
pub(super) use crawl::run_crawl;
pub(super) use dashboard::run_dashboard;
pub(super) use diff::run_diff;
pub use export::render_export;
pub(super) use export::run_export;
pub(super) use extract::run_extract;
pub(super) use history::run_history;
pub(super) use manual::{run_manual_import, run_manual_list, run_manual_set};
pub(super) use nightly::run_nightly;
pub(super) use prune::run_prune;
pub(super) use rectify::{run_rectify_list, run_rectify_respond};
pub(super) use report::{print_reports, run_report};
pub(super) use serve::run_serve;
pub(super) use summary::run_summary;

use std::path::PathBuf;

use anyhow::Context as _;

use super::args::*;
use super::settings::*;
use crate::console::{out, outln};
use crate::crawl::CrawlReport;
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
