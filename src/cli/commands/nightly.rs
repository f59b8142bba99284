//! `zwgk nightly`: the job cron or a systemd timer runs every night.
//!
//! Inside its time window and request budget it continues the open run or starts an
//! incremental one (conditional requests), then extracts, assesses and writes the reports to
//! `OUT/YYYY-MM-DD/` (with `OUT/latest` pointing there), keeps the assessment in the store,
//! compares it with the previous finished run (`diff.txt`, `diff.json`, `diff.html`), prunes
//! old bodies by the retention policy and posts an alert when the run regressed or failed.
//!
//! Exit codes, for the timer: 0 nothing regressed (or the night's window or budget ran out
//! and the crawl continues tomorrow), 1 new failures or lower scores, 2 the run itself failed
//! (nothing fetched, a host paused, a store error), 130/143 stopped by a signal.

use std::path::Path;

use super::audit::{halted, say_step};
use super::*;
use crate::notify::{AlertLeaf, AlertOutcome, RunAlert};
use crate::pipeline::{self, Halt};
use crate::report::diff::{LeafChange, RunDiff};

/// What the night produced, printed with `--json`.
#[derive(serde::Serialize)]
struct Night {
    outcome: &'static str,
    run_id: Option<i64>,
    stop_reason: Option<String>,
    report_dir: Option<String>,
    diff: Option<RunDiff>,
    prune: Option<crate::store::PruneReport>,
    alert: Option<String>,
}

pub(crate) async fn run_nightly(args: NightlyArgs, shutdown: Shutdown) -> anyhow::Result<ExitCode> {
    let plan = args.plan()?;
    if let Some(window) = plan.crawl.window {
        let now = (plan.crawl.clock)();
        if !window.contains_instant(now) {
            outln(&format!(
                "it is {} in China, outside the crawl window {window}: nothing to do tonight",
                crate::crawl::window::china_time(now).format("%H:%M")
            ));
            return Ok(ExitCode::SUCCESS);
        }
    }
    let site = plan.crawl.start_url.origin().ascii_serialization();
    match night(&plan, &shutdown, args.json).await {
        Ok(code) => Ok(code),
        Err(e) => {
            // The run itself failed: say so, to the log and to the office.
            crate::console::err(&format!("error: {e:#}\n"));
            let alert = RunAlert {
                site,
                district: None,
                run_id: None,
                as_of: plan.inputs.as_of,
                outcome: AlertOutcome::Failed,
                headline: "政务公开夜间检查未能完成".to_string(),
                score: None,
                score_before: None,
                new_failures: Vec::new(),
                fixed: Vec::new(),
                failure: Some(format!("{e:#}")),
                report: None,
            };
            send(&plan, &alert).await;
            Ok(ExitCode::NIGHTLY_FAILED)
        }
    }
}

async fn night(plan: &NightlyPlan, shutdown: &Shutdown, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open(&plan.db).await?;
    let night_dir = plan.out_dir.join(plan.inputs.as_of.to_string());
    let job = pipeline::Job {
        store: &store,
        crawl: &plan.crawl,
        extract_profiles: &plan.extract_profiles,
        assess: plan.inputs.options(),
        reports: pipeline::ReportTarget {
            dir: &night_dir,
            formats: &plan.formats,
        },
        shutdown,
        judge_unfinished: false,
    };
    let outcome = pipeline::run(&job, &mut say_step).await?;
    let mut night = Night {
        outcome: "ok",
        run_id: Some(outcome.crawl.run_id),
        stop_reason: Some(outcome.crawl.stop.label().to_string()),
        report_dir: None,
        diff: None,
        prune: None,
        alert: None,
    };
    let site = plan.crawl.start_url.origin().ascii_serialization();
    match outcome.halt {
        Some(Halt::Signal(..)) => {
            store.close().await;
            return Ok(outcome.halt.and_then(halted).unwrap_or(ExitCode::INTERRUPTED));
        }
        Some(Halt::CrawlOpen) => {
            store.close().await;
            outln(&format!(
                "the night's {} ran out before the crawl finished; run {} continues the next night",
                if outcome.crawl.stop == crate::crawl::StopReason::WindowClosed {
                    "window"
                } else {
                    "budget"
                },
                outcome.crawl.run_id
            ));
            night.outcome = "continues";
            print_night(&night, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Halt::NothingFetched) => {
            store.close().await;
            let failure =
                paused_text(&outcome.crawl.summary.paused_hosts).unwrap_or_else(|| "没有抓取到任何页面".to_string());
            let alert = RunAlert {
                site,
                district: None,
                run_id: Some(outcome.crawl.run_id),
                as_of: plan.inputs.as_of,
                outcome: AlertOutcome::Failed,
                headline: "政务公开夜间检查失败：网站无法访问".to_string(),
                score: None,
                score_before: None,
                new_failures: Vec::new(),
                fixed: Vec::new(),
                failure: Some(failure),
                report: None,
            };
            night.outcome = "failed";
            night.alert = send(plan, &alert).await;
            print_night(&night, json)?;
            return Ok(ExitCode::NIGHTLY_FAILED);
        }
        None => {}
    }
    let Some((mut data, files)) = outcome.report else {
        anyhow::bail!("the pipeline ended without reports");
    };
    print_reports(&data, &files);
    night.report_dir = Some(night_dir.display().to_string());
    // Every night re-checks the 整改台账, so the dashboard shows this morning's state.
    crate::stage::report::recheck_ledger(
        &store,
        outcome.crawl.run_id,
        &plan.inputs.options(),
        &mut data.assessment,
    )
    .await?;
    if plan.notice.monthly {
        send_monthly_notice(plan, &store, outcome.crawl.run_id).await?;
    }
    store.save_assessment(&data.assessment).await?;
    point_latest(&plan.out_dir, &night_dir)?;
    // Compare with the previous finished run, judged under the same catalog.
    let diff = match store.previous_run(outcome.crawl.run_id).await? {
        Some(before) => Some(
            crate::stage::diff::diff_runs(
                &store,
                before,
                outcome.crawl.run_id,
                &plan.inputs.options(),
                None,
                Some(data.assessment.clone()),
            )
            .await?,
        ),
        None => None,
    };
    if let Some(d) = &diff {
        let mut staged = crate::atomic::Staged::default();
        staged.add(
            &night_dir.join("diff.txt"),
            crate::report::diff::render_text(d).as_bytes(),
        )?;
        staged.add(
            &night_dir.join("diff.json"),
            (serde_json::to_string_pretty(d)? + "\n").as_bytes(),
        )?;
        staged.add(
            &night_dir.join("diff.html"),
            crate::report::diff::render_html(d).as_bytes(),
        )?;
        staged.commit()?;
        out(&crate::report::diff::render_text(d));
    }
    let paused = paused_text(&outcome.crawl.summary.paused_hosts);
    let regressed = diff.as_ref().is_some_and(|d| d.regressed);
    // Retention runs on nights whose crawl worked.
    if paused.is_none() && (plan.keep_runs.is_some() || plan.keep_days.is_some()) {
        let report = store.prune(plan.keep_runs, plan.keep_days, false).await?;
        outln(&super::prune::prune_text(&report));
        night.prune = Some(report);
    }
    store.close().await;
    let a = &data.assessment;
    let (outcome_kind, headline, code) = if let Some(reason) = &paused {
        night.outcome = "failed";
        (
            AlertOutcome::Failed,
            format!("政务公开夜间检查未能完整抓取：{reason}"),
            ExitCode::NIGHTLY_FAILED,
        )
    } else if regressed {
        night.outcome = "regressed";
        (
            AlertOutcome::Regressed,
            "政务公开测评出现退步".to_string(),
            ExitCode::NIGHTLY_REGRESSED,
        )
    } else {
        (AlertOutcome::Ok, "政务公开测评无退步".to_string(), ExitCode::SUCCESS)
    };
    let leaf = |c: &LeafChange| AlertLeaf {
        id: c.id.clone(),
        question: c.question.clone(),
        units: c.units.join("、"),
        status: c.after.0.zh().to_string(),
        reason: c.reason.clone(),
    };
    let alert = RunAlert {
        site,
        district: a.understanding.district.clone(),
        run_id: Some(a.run_id),
        as_of: a.as_of,
        outcome: outcome_kind,
        headline,
        score: a.summary.counts.score.map(|s| s * 100.0),
        score_before: diff.as_ref().and_then(|d| d.before.score).map(|s| s * 100.0),
        new_failures: diff
            .as_ref()
            .map(|d| d.new_failures.iter().chain(&d.lower_scores).map(leaf).collect())
            .unwrap_or_default(),
        fixed: diff
            .as_ref()
            .map(|d| d.fixed.iter().map(leaf).collect())
            .unwrap_or_default(),
        failure: paused,
        report: Some(night_dir.join("report.html").display().to_string()),
    };
    if code != ExitCode::SUCCESS || plan.notify.as_ref().is_some_and(|n| n.always) {
        night.alert = send(plan, &alert).await;
    }
    night.diff = diff;
    print_night(&night, json)?;
    Ok(code)
}

fn paused_text(paused: &[(String, String)]) -> Option<String> {
    (!paused.is_empty()).then(|| {
        paused
            .iter()
            .map(|(origin, reason)| format!("{origin} 暂停抓取（{reason}）"))
            .collect::<Vec<_>>()
            .join("；")
    })
}

/// `OUT/latest` → `YYYY-MM-DD`, replaced in one rename so a reader never finds it missing.
fn point_latest(out_dir: &Path, night_dir: &Path) -> anyhow::Result<()> {
    let Some(name) = night_dir.file_name() else {
        return Ok(());
    };
    let latest = out_dir.join("latest");
    let temp = out_dir.join(format!(".latest.zwgk-tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(name, &temp).with_context(|| format!("cannot link `{}`", temp.display()))?;
    std::fs::rename(&temp, &latest).with_context(|| format!("cannot replace `{}`", latest.display()))?;
    Ok(())
}

/// Posts the alert when a notify URL is set; a failed post is logged, never fatal (the
/// night's result is in its exit code and its files). Returns what happened.
async fn send(plan: &NightlyPlan, alert: &RunAlert) -> Option<String> {
    let notify = plan.notify.as_ref()?;
    match crate::notify::notify(&notify.url, notify.format, alert, notify.secret.as_deref()).await {
        Ok(()) => Some("sent".to_string()),
        Err(e) => {
            tracing::error!("the alert could not be sent: {e}");
            crate::console::err(&format!("warning: the alert could not be sent: {e}\n"));
            Some(format!("failed: {e}"))
        }
    }
}

fn print_night(night: &Night, json: bool) -> anyhow::Result<()> {
    if json {
        outln(&serde_json::to_string_pretty(night)?);
    }
    Ok(())
}

/// The monthly 通报 of the month before the night's date, once: written to
/// `OUT/通报-YYYY-MM/` and recorded in the 整改台账 the first night it is missing. The folder is
/// the record that it was sent (delete it to send again).
async fn send_monthly_notice(plan: &NightlyPlan, store: &Store, run_id: i64) -> anyhow::Result<()> {
    let as_of = plan.inputs.as_of;
    let Some(last_month) = chrono::Datelike::with_day(&as_of, 1).and_then(|d| d.pred_opt()) else {
        return Ok(());
    };
    let month = last_month.format("%Y-%m").to_string();
    let dir = plan.out_dir.join(format!("通报-{month}"));
    if dir.join("通报汇总.html").is_file() {
        return Ok(());
    }
    let (_, files) = crate::stage::report::write_unit_notices(
        store,
        run_id,
        &plan.inputs.options(),
        None,
        &month,
        &dir,
        &plan.notice,
        true,
    )
    .await?;
    outln(&format!(
        "sent the 通报 of {month}: {} files in {}, problems recorded in the 整改台账",
        files.len(),
        dir.display()
    ));
    Ok(())
}
