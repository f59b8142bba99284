//! `zwgk audit --sites FILE`: the audit pipeline on many sites at once, each with its own
//! store and reports under `--out/<name>/`, then a combined ranking. Sites on the same host
//! take turns (one polite crawler per host); different hosts run `--parallel` at a time.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::assess::calendar::WorkCalendar;
use crate::assess::catalog::Catalog;
use crate::crawl::CrawlSettings;
use crate::extract::profile::Profile;
use crate::pipeline::{self, Halt, Step};
use crate::report::ranking::SiteResult;

/// One site, resolved before any work starts (a bad entry is a usage error up front).
struct SitePlan {
    name: String,
    url: String,
    folder: PathBuf,
    settings: CrawlSettings,
    catalog: Catalog,
    profiles: Vec<Profile>,
}

/// What every site shares.
struct Shared {
    formats: Vec<crate::report::Format>,
    calendar: WorkCalendar,
    as_of: chrono::NaiveDate,
    year: i32,
    shutdown: Shutdown,
    out: PathBuf,
}

/// What one site's audit came to.
struct SiteOutcome {
    result: SiteResult,
    exit: ExitCode,
}

pub(crate) async fn run_audit_sites(args: AuditArgs, file: PathBuf, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let sites = crate::config::SitesFile::load(&file).map_err(|e| UsageError(e.to_string()))?;
    let formats = parse_formats(&args.output.format)?;
    check_out_dir(&args.output.out)?;
    let inputs = args.spec.inputs()?;
    // Each site keeps a store of its own under --out; a --db given here would be ignored.
    if args.crawl.store.db != "zwgk.db" {
        return Err(UsageError(format!(
            "`--db {}` (or ZWGK_DB) does not apply to `audit --sites`: each site keeps its own store in --out/<name>/zwgk.db",
            args.crawl.store.db
        ))
        .into());
    }
    if !inputs.manual.is_empty() {
        return Err(UsageError(
            "`--manual` applies to one site; record manual verdicts in each site's store with `zwgk manual`".into(),
        )
        .into());
    }
    let common_profiles = load_profiles(&args.spec.profiles)?;
    let mut plans = Vec::new();
    for entry in &sites.site {
        let name = entry.name.trim().to_string();
        let mut settings =
            crawl_settings_at(&args.crawl, &entry.url).map_err(|e| UsageError(format!("site `{name}`: {e}")))?;
        // Several crawls at once: their progress lines would interleave; each site prints
        // its stages instead.
        settings.progress = crate::crawl::progress::ProgressMode::Off;
        let catalog = match &entry.catalog {
            Some(c) => Catalog::load(c).map_err(|e| UsageError(format!("site `{name}`: {e}")))?,
            None => inputs.catalog.clone(),
        };
        let mut profiles = common_profiles.clone();
        if let Some(p) = &entry.profile {
            profiles.push(Profile::load(p).map_err(|e| UsageError(format!("site `{name}`: {e}")))?);
        }
        let folder = args.output.out.join(crate::report::files::safe_file_name(&name));
        plans.push(SitePlan {
            name,
            url: entry.url.clone(),
            folder,
            settings,
            catalog,
            profiles,
        });
    }
    std::fs::create_dir_all(&args.output.out)
        .with_context(|| format!("cannot create `{}`", args.output.out.display()))?;
    let shared = Arc::new(Shared {
        formats,
        calendar: inputs.calendar.clone(),
        as_of: inputs.as_of,
        year: inputs.year,
        shutdown: shutdown.clone(),
        out: args.output.out.clone(),
    });
    // One queue per host: a host's sites run one after another.
    let mut by_host: BTreeMap<String, Vec<SitePlan>> = BTreeMap::new();
    for plan in plans {
        let host = plan.settings.start_url.host_str().unwrap_or("").to_ascii_lowercase();
        by_host.entry(host).or_default().push(plan);
    }
    outln(&format!(
        "auditing {} sites on {} hosts, {} at a time",
        sites.site.len(),
        by_host.len(),
        args.parallel
    ));
    let slots = Arc::new(tokio::sync::Semaphore::new(usize::from(args.parallel)));
    let mut tasks = tokio::task::JoinSet::new();
    for (_, queue) in by_host {
        let shared = shared.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let mut done = Vec::new();
            for plan in queue {
                let Ok(_slot) = slots.acquire().await else { break };
                if shared.shutdown.requested().is_some() {
                    done.push(skipped(&plan, &shared, "审计被中止，未抓取"));
                    continue;
                }
                done.push(audit_site(plan, &shared).await);
            }
            done
        });
    }
    let mut outcomes: Vec<SiteOutcome> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.extend(joined.context("a site's audit task failed")?);
    }
    let results: Vec<SiteResult> = outcomes.iter().map(|o| o.result.clone()).collect();
    let written = crate::report::ranking::write(&args.output.out, &results)?;
    let mut text = String::from("\nranking\n");
    let mut ranked: Vec<&SiteResult> = results.iter().collect();
    ranked.sort_by(|a, b| {
        let score = |s: &SiteResult| {
            s.assessment
                .as_ref()
                .and_then(|a| a.summary.counts.score)
                .unwrap_or(-1.0)
        };
        score(b).total_cmp(&score(a)).then(a.name.cmp(&b.name))
    });
    for s in ranked {
        let score = s
            .assessment
            .as_ref()
            .map_or_else(|| "not judged".to_string(), |a| a.summary.counts.score_zh());
        text.push_str(&format!("  {:<24} {score}", s.name));
        if let Some(note) = &s.note {
            text.push_str(&format!("  ({note})"));
        }
        text.push('\n');
    }
    for path in &written {
        text.push_str(&format!("  wrote {}\n", path.display()));
    }
    out(&text);
    if let Some(signal) = shutdown.requested() {
        return Ok(stopped(
            Stopped(signal),
            "finished sites kept their reports; the others resume when the same command runs again",
        ));
    }
    // The worst outcome decides: a site that could not be judged fails the whole audit.
    let exit = outcomes
        .iter()
        .map(|o| o.exit)
        .max_by_key(|e| match *e {
            ExitCode::SUCCESS => 0,
            ExitCode::BUDGET => 1,
            ExitCode::PAUSED_HOSTS => 2,
            _ => 3,
        })
        .unwrap_or(ExitCode::SUCCESS);
    Ok(match exit {
        ExitCode::SUCCESS | ExitCode::BUDGET | ExitCode::PAUSED_HOSTS => exit,
        _ => ExitCode::FAILURE,
    })
}

fn skipped(plan: &SitePlan, shared: &Shared, why: &str) -> SiteOutcome {
    SiteOutcome {
        result: result_of(plan, shared, None, Some(why.to_string())),
        exit: ExitCode::FAILURE,
    }
}

fn result_of(
    plan: &SitePlan,
    shared: &Shared,
    assessment: Option<crate::assess::engine::Assessment>,
    note: Option<String>,
) -> SiteResult {
    let folder = plan
        .folder
        .strip_prefix(&shared.out)
        .unwrap_or(&plan.folder)
        .to_string_lossy()
        .into_owned();
    SiteResult {
        name: plan.name.clone(),
        url: plan.url.clone(),
        folder,
        assessment,
        note,
    }
}

/// One site through the pipeline, into its own store and folder. Never fails the others: an
/// error is this site's note in the ranking.
async fn audit_site(plan: SitePlan, shared: &Shared) -> SiteOutcome {
    let name = plan.name.clone();
    let say = |line: &str| outln(&format!("[{name}] {line}"));
    match audit_site_inner(&plan, shared, &say).await {
        Ok((assessment, exit, note)) => SiteOutcome {
            result: result_of(&plan, shared, assessment, note),
            exit,
        },
        Err(e) => {
            say(&format!("failed: {e:#}"));
            SiteOutcome {
                result: result_of(&plan, shared, None, Some(format!("出错：{e:#}"))),
                exit: ExitCode::FAILURE,
            }
        }
    }
}

type Judged = (Option<crate::assess::engine::Assessment>, ExitCode, Option<String>);

async fn audit_site_inner(plan: &SitePlan, shared: &Shared, say: &(dyn Fn(&str) + Sync)) -> anyhow::Result<Judged> {
    std::fs::create_dir_all(&plan.folder).with_context(|| format!("cannot create `{}`", plan.folder.display()))?;
    let db = plan.folder.join("zwgk.db");
    let store = Store::open(&db.to_string_lossy()).await?;
    let job = pipeline::Job {
        store: &store,
        crawl: &plan.settings,
        extract_profiles: &plan.profiles,
        assess: crate::stage::assess::AssessOptions {
            catalog: &plan.catalog,
            as_of: shared.as_of,
            year: shared.year,
            profiles: &plan.profiles,
            manual: &[],
            calendar: &shared.calendar,
        },
        reports: pipeline::ReportTarget {
            dir: &plan.folder,
            formats: &shared.formats,
        },
        shutdown: &shared.shutdown,
        judge_unfinished: true,
    };
    let mut step = |s: Step<'_>| match s {
        Step::Crawling(url) => say(&format!("crawl {url}")),
        Step::Crawled(r) => say(&format!(
            "crawled: {} new, {} changed, {} errors — {}",
            r.summary.new,
            r.summary.changed,
            r.summary.errors + r.summary.failed,
            r.stop_reason
        )),
        Step::Extracting => say("extract"),
        Step::Extracted(e) => say(&format!("extracted {} pages", e.extracted)),
        Step::Reporting => say("assess and report"),
    };
    let outcome = pipeline::run(&job, &mut step).await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    if let Some((data, _)) = &outcome.report {
        store.save_assessment(&data.assessment).await?;
    }
    store.close().await;
    let exit = outcome.crawl.stop.exit_code();
    match (outcome.halt, outcome.report) {
        (Some(Halt::NothingFetched), _) => {
            Ok((None, ExitCode::NOTHING_FETCHED, Some("未能抓取到任何页面".to_string())))
        }
        (Some(Halt::Signal(signal, _)), _) => Ok((None, signal.exit_code(), Some("审计被中止".to_string()))),
        (_, Some((data, _))) => {
            let note = data.assessment.unfinished_run.clone();
            say(&format!("score {}", data.assessment.summary.counts.score_zh()));
            Ok((Some(data.assessment), exit, note))
        }
        (_, None) => Ok((None, exit, Some("抓取未完成，未评价".to_string()))),
    }
}
