//! `zwgk report`: assess a run (and the run before it, for the changes), collect what the crawl
//! could not see, and render the reports; `--by unit` renders the monthly 通报 instead.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::assess::{AssessError, AssessOptions, assess_run, assess_view, site_view};
use crate::assess::engine::Assessment;
use crate::assess::model::SiteView;
use crate::report::{ColumnSummary, Format, Gap, Gaps, ReportData, ReportError, notice, write_reports};
use crate::store::{SentNotice, SentProblem, Store};

#[derive(Debug, thiserror::Error)]
pub enum ReportStageError {
    #[error(transparent)]
    Assess(#[from] AssessError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("`{0}` is not a month; write it as YYYY-MM, e.g. 2025-12")]
    Month(String),
    #[error("the 通报 for {month} cannot be written as of {as_of}: that month has not begun")]
    FutureMonth { month: String, as_of: NaiveDate },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Errors the crawler does not retry: the same answer would come back.
fn is_permanent(error: &str) -> bool {
    error.contains("-byte cap") || error.contains("redirect target longer than")
}

/// The note every output of an unfinished run carries.
async fn unfinished(store: &Store, run_id: i64) -> Result<Option<String>, AssessError> {
    Ok(store
        .run(run_id)
        .await?
        .and_then(|run| super::assess::unfinished_note(&run)))
}

/// Assesses the run and its predecessor (when that one was extracted too) and gathers gaps.
pub async fn report_data(store: &Store, run_id: i64, options: &AssessOptions<'_>) -> Result<ReportData, AssessError> {
    let view = site_view(store, run_id, options.profiles).await?;
    let manual = super::assess::manual_for(store, options).await?;
    let options = &AssessOptions {
        manual: &manual,
        ..*options
    };
    let mut assessment = assess_view(&view, run_id, options)?;
    assessment.unfinished_run = unfinished(store, run_id).await?;
    // Who the 通报 would send each problem to, for the 问题清单's 责任单位.
    assessment.routing.routes = routes(&view, &assessment, options.profiles);
    let deadlines = open_deadlines(store, run_id, &options.catalog.info.id, &assessment).await?;
    let gaps = gaps(&view);
    let columns = column_summaries(&view, options.as_of);
    drop(view);
    let previous = match store.previous_run(run_id).await? {
        // The previous run is judged as of the day it was crawled (same assessment year), so
        // the comparison shows what changed on the site, not what a later date makes overdue.
        Some(prev) => match assess_run(
            store,
            prev,
            &AssessOptions {
                as_of: run_day(store, prev).await?.unwrap_or(options.as_of).min(options.as_of),
                ..*options
            },
        )
        .await
        {
            Ok(a) => Some(a),
            // A run that was never extracted (or has no pages) has nothing to compare with.
            Err(AssessError::NotExtracted { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(ReportData {
        assessment,
        previous,
        gaps,
        columns,
        deadlines,
    })
}

/// Leaf id → the earliest 整改期限 in the 整改台账 among the leaf's problems that are still
/// problems now and were sent by a 通报 of this run or an earlier one (read only: the ledger
/// is re-checked when the next 通报 is written).
async fn open_deadlines(
    store: &Store,
    run_id: i64,
    catalog: &str,
    now: &Assessment,
) -> Result<std::collections::BTreeMap<String, NaiveDate>, AssessError> {
    let mut out = std::collections::BTreeMap::new();
    let Some(run) = store.run(run_id).await? else {
        return Ok(out);
    };
    for item in store.ledger(Some(run.site_id)).await? {
        let still_problem = || {
            now.indicators
                .iter()
                .any(|v| v.id == item.leaf_id && crate::report::is_problem(v))
        };
        if item.catalog != catalog || item.status == "fixed" || item.sent_run > run_id || !still_problem() {
            continue;
        }
        if let Ok(deadline) = NaiveDate::parse_from_str(&item.deadline, "%Y-%m-%d") {
            out.entry(item.leaf_id)
                .and_modify(|d: &mut NaiveDate| *d = (*d).min(deadline))
                .or_insert(deadline);
        }
    }
    Ok(out)
}

/// The China-time day a run was crawled.
pub async fn run_day(store: &Store, run_id: i64) -> Result<Option<NaiveDate>, AssessError> {
    Ok(store
        .run_time(run_id)
        .await?
        .and_then(|t| crate::report::beijing_day(&t)))
}

/// Every resolved column key (with its Chinese name) and its site columns' five newest items
/// as of the date.
pub fn column_summaries(view: &SiteView, as_of: NaiveDate) -> Vec<ColumnSummary> {
    let defs = crate::assess::columns::ColumnDefs::bundled();
    let mut out = Vec::new();
    for (key, indices) in &view.keyed {
        let columns = indices.iter().map(|&c| &view.columns[c]);
        let label = match key.as_str() {
            "home" => "网站首页".to_string(),
            k => defs
                .keys
                .get(k)
                .and_then(|d| d.names.first().cloned())
                .unwrap_or_else(|| k.to_string()),
        };
        for c in columns {
            let mut items: Vec<_> = c.items.iter().filter(|i| i.date.is_none_or(|d| d <= as_of)).collect();
            items.sort_by_key(|i| std::cmp::Reverse(i.date));
            out.push(ColumnSummary {
                key: label.clone(),
                name: c.name.clone(),
                url: c.url.clone(),
                items: items.len(),
                newest: items
                    .iter()
                    .take(5)
                    .map(|i| (i.title.clone(), i.url.clone(), i.date))
                    .collect(),
            });
        }
    }
    out
}

/// What the run could not see: robots-blocked, failed and never-reached URLs, and column or
/// home pages that came back with no content (typically filled in by JavaScript).
pub fn gaps(view: &SiteView) -> Gaps {
    let mut gaps = Gaps::default();
    let mut outcomes: Vec<_> = view.outcomes.values().collect();
    outcomes.sort_by(|a, b| a.url.cmp(&b.url));
    for o in outcomes {
        let gap = |detail: String| Gap {
            url: o.url.clone(),
            detail,
        };
        match (o.state.as_str(), o.status) {
            ("blocked", _) => gaps
                .blocked
                .push(gap(o.error.clone().unwrap_or_else(|| "robots.txt 禁止".to_string()))),
            ("queued" | "claimed" | "held", _) => gaps.unreached.push(gap(match &o.error {
                Some(e) => format!("未抓取（{}）", error_zh(e)),
                None => "未抓取（抓取在到达前结束）".to_string(),
            })),
            (_, Some(status)) if status >= 400 => gaps.failed.push(gap(format!("HTTP {status}"))),
            // Refused at once (a body over the cap, an overlong redirect): never retried.
            ("failed", _) if o.error.as_deref().is_some_and(is_permanent) => gaps
                .failed
                .push(gap(format!("未能保存：{}", o.error.clone().unwrap_or_default()))),
            ("failed", _) => gaps
                .failed
                .push(gap(format!("多次重试后失败：{}", o.error.clone().unwrap_or_default()))),
            (_, None) if o.error.is_some() => gaps
                .failed
                .push(gap(format!("无响应：{}", o.error.clone().unwrap_or_default()))),
            _ => {}
        }
    }
    for page in &view.pages {
        let listing = matches!(page.kind.as_str(), "list" | "home" | "other");
        if listing && page.listed == 0 && page.tables().is_empty() && page.text().chars().count() < 40 {
            let name = if page.title.is_empty() {
                "无标题".to_string()
            } else {
                format!("「{}」", page.title)
            };
            gaps.empty_pages.push(Gap {
                url: page.url.clone(),
                detail: format!("{name}页面几乎没有文字、列表或表格"),
            });
        }
    }
    gaps
}

/// A crawl error in words an office reader understands (the technical text kept after it).
fn error_zh(error: &str) -> String {
    let lower = error.to_ascii_lowercase();
    let what = if lower.contains("timed out") || lower.contains("timeout") {
        "请求超时"
    } else if lower.contains("refused") {
        "连接被拒绝"
    } else if lower.contains("dns") || lower.contains("resolve") {
        "域名无法解析"
    } else if lower.contains("too large") || lower.contains("body cap") {
        "内容超过大小上限"
    } else if lower.contains("robots") {
        "robots.txt 不允许抓取"
    } else {
        "抓取出错"
    };
    if error.is_empty() {
        what.to_string()
    } else {
        format!("{what}（{error}）")
    }
}

/// Writes the reports of a run into `out`.
pub async fn write_run_reports(
    store: &Store,
    run_id: i64,
    options: &AssessOptions<'_>,
    out: &Path,
    formats: &[Format],
) -> Result<(ReportData, Vec<PathBuf>), ReportStageError> {
    let data = report_data(store, run_id, options).await?;
    let files = write_reports(out, &data, formats)?;
    Ok((data, files))
}

/// A `YYYY-MM` month: its first and last day.
pub fn month_range(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    Some((first, first.checked_add_months(chrono::Months::new(1))?.pred_opt()?))
}

/// The last day of a `YYYY-MM` month.
pub fn month_end(month: &str) -> Option<NaiveDate> {
    month_range(month).map(|(_, end)| end)
}

/// The monthly 通报 for `month` (`YYYY-MM`): the run assessed as of the month's end (or the
/// as-of date when that is earlier, for the current month) and compared with the same run as
/// of the previous month's end, both with one assessment year — `period`, else the month's.
///
/// Each problem goes to the unit that can fix it (`assess::attribution`). With `ledger` (the
/// store opened for writing), the problems of earlier 通报 are re-checked first — fixed,
/// still open, or overdue, which this 通报 marks 【逾期未整改】 — and this month's problems are
/// recorded in the 整改台账 with their 整改期限.
///
/// Beside each .html 通报 goes its 公文 (.docx, GB/T 9704) with the `letterhead`: dated the
/// day the 通报 is as of (the month's end, or the as-of date within the month), its 整改期限
/// `rectify_working_days` working days later by the calendar.
#[allow(clippy::too_many_arguments)]
pub async fn write_unit_notices(
    store: &Store,
    run_id: i64,
    options: &AssessOptions<'_>,
    period: Option<i32>,
    month: &str,
    out: &Path,
    letterhead: &crate::report::notice::Letterhead,
    ledger: bool,
) -> Result<(Assessment, Vec<PathBuf>), ReportStageError> {
    let (first, last) = month_range(month).ok_or_else(|| ReportStageError::Month(month.to_string()))?;
    if first > options.as_of {
        return Err(ReportStageError::FutureMonth {
            month: month.to_string(),
            as_of: options.as_of,
        });
    }
    let end = last.min(options.as_of);
    let year = period.unwrap_or(first.year());
    let view = site_view(store, run_id, options.profiles).await?;
    let manual = super::assess::manual_for(store, options).await?;
    let options = &AssessOptions {
        manual: &manual,
        ..*options
    };
    let at = |as_of: NaiveDate| AssessOptions {
        as_of,
        year,
        ..*options
    };
    let mut now = assess_view(&view, run_id, &at(end))?;
    now.unfinished_run = unfinished(store, run_id).await?;
    let before = match first.pred_opt() {
        Some(d) => Some(assess_view(&view, run_id, &at(d))?),
        None => None,
    };
    now.routing.routes = routes(&view, &now, options.profiles);
    // The run's choice (flag or zwgk.toml), else the catalog's, else the default.
    let days = letterhead
        .rectify_working_days
        .or(options.catalog.info.rectify_working_days)
        .unwrap_or(DEFAULT_RECTIFY_DAYS);
    let deadline = options.calendar.add_workdays(end, days).value;
    let notice_options = notice::NoticeOptions {
        letterhead,
        issued: end,
        deadline,
    };
    let label = format!("{}年{}月", first.year(), first.month());
    let site_id = store.run(run_id).await?.map(|r| r.site_id);
    let Some(site_id) = site_id.filter(|_| ledger) else {
        let files = notice::write_notices_with(out, &label, &now, before.as_ref(), Some(&notice_options))?;
        return Ok((now, files));
    };
    let sent = sent_problems(&now);
    mark_overdue(store, site_id, run_id, &options.catalog.info.id, &sent, &mut now).await?;
    let files = notice::write_notices_with(out, &label, &now, before.as_ref(), Some(&notice_options))?;
    let (month, sent_on, deadline) = (
        format!("{:04}-{:02}", first.year(), first.month()),
        end.to_string(),
        deadline.to_string(),
    );
    let notice = SentNotice {
        site_id,
        catalog: &options.catalog.info.id,
        month: &month,
        run_id,
        sent_on: &sent_on,
        deadline: &deadline,
    };
    store.record_sent(&notice, &sent).await?;
    Ok((now, files))
}

/// The problems of an assessment, one per receiving unit: by its routing, else the table's
/// units.
fn sent_problems(now: &Assessment) -> Vec<SentProblem> {
    now.indicators
        .iter()
        .filter(|v| crate::report::is_problem(v))
        .flat_map(|v| {
            let units: Vec<String> = match now.routing.routes.get(&v.id) {
                Some(routes) => routes.iter().map(|(u, _)| u.clone()).collect(),
                None => v.units.clone(),
            };
            units.into_iter().map(move |unit| SentProblem {
                leaf_id: v.id.clone(),
                question: v.question.clone(),
                unit,
                problem: v.reason.clone(),
            })
        })
        .collect()
}

/// Re-checks the 整改台账 against the assessment (fixed, still open, overdue as of its date)
/// and marks the overdue problems in its routing.
async fn mark_overdue(
    store: &Store,
    site_id: i64,
    run_id: i64,
    catalog: &str,
    problems: &[SentProblem],
    now: &mut Assessment,
) -> Result<(), ReportStageError> {
    let open: std::collections::HashSet<(String, String)> =
        problems.iter().map(|p| (p.leaf_id.clone(), p.unit.clone())).collect();
    let checked = store.recheck(site_id, catalog, run_id, now.as_of, &open).await?;
    now.routing.overdue = checked
        .into_iter()
        .filter(|r| r.status == "overdue")
        .map(|r| (r.leaf_id, r.unit))
        .collect();
    Ok(())
}

/// The nightly re-check of the 整改台账: the run's problems routed as a 通报 would route them,
/// every earlier 通报's open problem marked fixed, still open or overdue as of the
/// assessment's date, and the routing kept in the assessment (the dashboard shows it). Returns
/// how many problems are overdue.
pub async fn recheck_ledger(
    store: &Store,
    run_id: i64,
    options: &AssessOptions<'_>,
    now: &mut Assessment,
) -> Result<usize, ReportStageError> {
    let Some(site_id) = store.run(run_id).await?.map(|r| r.site_id) else {
        return Ok(0);
    };
    let view = site_view(store, run_id, options.profiles).await?;
    now.routing.routes = routes(&view, now, options.profiles);
    let problems = sent_problems(now);
    mark_overdue(store, site_id, run_id, &options.catalog.info.id, &problems, now).await?;
    Ok(now.routing.overdue.len())
}

/// Working days a unit has to fix a problem when the settings give none.
pub const DEFAULT_RECTIFY_DAYS: u32 = 10;

/// Who receives each problem of the assessment (see `assess::attribution`): the units of the
/// evidence pages' 发布机构 for collectives and multi-unit leaves.
fn routes(
    view: &crate::assess::model::SiteView,
    now: &Assessment,
    profiles: &[crate::extract::profile::Profile],
) -> std::collections::BTreeMap<String, Vec<(String, Option<String>)>> {
    let mut units_profile = crate::assess::attribution::UnitsProfile::default();
    for p in profiles {
        if p.units.lead.is_some() {
            units_profile.lead = p.units.lead.clone();
        }
        units_profile.publishers.extend(p.units.publishers.clone());
    }
    let district = now.understanding.district.as_deref();
    let mut table_units: Vec<String> = now.indicators.iter().flat_map(|v| v.units.iter().cloned()).collect();
    table_units.sort();
    table_units.dedup();
    now.indicators
        .iter()
        .filter(|v| crate::report::is_problem(v))
        .filter_map(|v| {
            let to = crate::assess::attribution::recipients(
                v,
                |url| view.page(url).and_then(|p| p.publisher.as_deref().map(str::to_string)),
                district,
                &units_profile,
                &table_units,
            );
            // Only a change of addressee is recorded; the table's own units need no note.
            let same = to.len() == v.units.len() && to.iter().all(|(u, why)| why.is_none() && v.units.contains(u));
            (!same && !to.is_empty()).then(|| (v.id.clone(), to))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::month_end;
    use chrono::NaiveDate;

    #[test]
    fn month_ends() {
        assert_eq!(month_end("2025-12"), NaiveDate::from_ymd_opt(2025, 12, 31));
        assert_eq!(month_end("2024-02"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(month_end("2025-13"), None);
        assert_eq!(month_end("December"), None);
        assert_eq!(month_end("+2025-012"), None);
        assert_eq!(month_end("2025-1"), NaiveDate::from_ymd_opt(2025, 1, 31));
    }
}
