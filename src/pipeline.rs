//! The audit pipeline, one for `audit`, `nightly` and `demo`: crawl → extract → assess →
//! report, each stage stoppable by the same signal, each stage's result handed back so the
//! command can say what happened and choose its exit code.

use std::path::{Path, PathBuf};

use crate::crawl::{self, CrawlReport, CrawlSettings, StopReason};
use crate::extract::profile::Profile;
use crate::report::{Format, ReportData};
use crate::shutdown::{Shutdown, Signal, unless_stopped};
use crate::stage::assess::AssessOptions;
use crate::stage::extract::ExtractSummary;
use crate::store::Store;

/// Where the reports go.
pub struct ReportTarget<'a> {
    pub dir: &'a Path,
    pub formats: &'a [Format],
}

pub struct Job<'a> {
    pub store: &'a Store,
    pub crawl: &'a CrawlSettings,
    /// The CMS and site profiles extraction applies.
    pub extract_profiles: &'a [Profile],
    pub assess: AssessOptions<'a>,
    pub reports: ReportTarget<'a>,
    pub shutdown: &'a Shutdown,
    /// Judge a crawl that stopped at its budget or window (audit: yes, flagged as
    /// unfinished; nightly: no, the run continues the next night).
    pub judge_unfinished: bool,
}

/// A stage starting or done, for the command to print.
pub enum Step<'a> {
    Crawling(&'a url::Url),
    Crawled(&'a CrawlReport),
    Extracting,
    Extracted(&'a ExtractSummary),
    Reporting,
}

/// Where the pipeline stopped, if it did not run to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    /// A signal, in the named stage.
    Signal(Signal, &'static str),
    /// The crawl fetched nothing: there is nothing to judge.
    NothingFetched,
    /// The crawl stopped at its budget or window and the job does not judge open runs.
    CrawlOpen,
}

pub struct Outcome {
    pub crawl: CrawlReport,
    pub extracted: Option<ExtractSummary>,
    pub report: Option<(ReportData, Vec<PathBuf>)>,
    pub halt: Option<Halt>,
}

pub async fn run(job: &Job<'_>, say: &mut (dyn FnMut(Step<'_>) + Send)) -> anyhow::Result<Outcome> {
    say(Step::Crawling(&job.crawl.start_url));
    let crawl = crawl::crawl(job.crawl, job.store, job.shutdown.wait()).await?;
    say(Step::Crawled(&crawl));
    let halt = match crawl.stop {
        StopReason::Interrupted => Some(Halt::Signal(Signal::Interrupt, "crawl")),
        StopReason::Terminated => Some(Halt::Signal(Signal::Terminate, "crawl")),
        StopReason::NothingFetched => Some(Halt::NothingFetched),
        StopReason::PageLimit | StopReason::WindowClosed if !job.judge_unfinished => Some(Halt::CrawlOpen),
        _ => None,
    };
    if halt.is_some() {
        return Ok(Outcome {
            crawl,
            extracted: None,
            report: None,
            halt,
        });
    }
    say(Step::Extracting);
    let extracted =
        crate::stage::extract::extract_run_until(job.store, crawl.run_id, false, job.extract_profiles, job.shutdown)
            .await?;
    say(Step::Extracted(&extracted));
    if extracted.stopped
        && let Some(signal) = job.shutdown.requested()
    {
        return Ok(Outcome {
            crawl,
            extracted: Some(extracted),
            report: None,
            halt: Some(Halt::Signal(signal, "extract")),
        });
    }
    say(Step::Reporting);
    let written = unless_stopped(
        job.shutdown,
        crate::stage::report::write_run_reports(
            job.store,
            crawl.run_id,
            &job.assess,
            job.reports.dir,
            job.reports.formats,
        ),
    )
    .await;
    match written {
        Ok(written) => Ok(Outcome {
            crawl,
            extracted: Some(extracted),
            report: Some(written?),
            halt: None,
        }),
        Err(stopped) => Ok(Outcome {
            crawl,
            extracted: Some(extracted),
            report: None,
            halt: Some(Halt::Signal(stopped.0, "report")),
        }),
    }
}
