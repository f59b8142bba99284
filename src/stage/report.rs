//! `zwgk report`: assess a run (and the run before it, for the changes), collect what the crawl
//! could not see, and render the reports; `--by unit` renders the monthly 通报 instead.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::assess::{AssessError, AssessOptions, assess_run, assess_view, site_view};
use crate::assess::engine::Assessment;
use crate::assess::site::SiteView;
use crate::report::{ColumnSummary, Format, Gap, Gaps, ReportData, ReportError, notice, write_reports};
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ReportStageError {
    #[error(transparent)]
    Assess(#[from] AssessError),
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// Assesses the run and its predecessor (when that one was extracted too) and gathers gaps.
pub async fn report_data(store: &Store, run_id: i64, options: &AssessOptions<'_>) -> Result<ReportData, AssessError> {
    let view = site_view(store, run_id, options.profiles).await?;
    let assessment = assess_view(&view, run_id, options)?;
    let gaps = gaps(&view);
    let columns = column_summaries(&view);
    drop(view);
    let previous = match store.previous_run(run_id).await? {
        Some(prev) => match assess_run(store, prev, options).await {
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
    })
}

/// Every resolved column key with its site columns and their five newest items.
pub fn column_summaries(view: &SiteView) -> Vec<ColumnSummary> {
    let mut out = Vec::new();
    for (key, columns) in &view.columns {
        for c in columns {
            let mut items: Vec<_> = c.items.iter().collect();
            items.sort_by_key(|i| std::cmp::Reverse(i.date));
            out.push(ColumnSummary {
                key: key.clone(),
                name: c.name.clone(),
                url: c.url.clone(),
                items: c.items.len(),
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
                Some(e) => format!("未抓取（{e}）"),
                None => "未抓取（抓取在到达前结束）".to_string(),
            })),
            (_, Some(status)) if status >= 400 => gaps.failed.push(gap(format!("HTTP {status}"))),
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
        if listing && page.list_items.is_empty() && page.tables.is_empty() && page.text().chars().count() < 40 {
            gaps.empty_pages.push(Gap {
                url: page.url.clone(),
                detail: format!("「{}」页面几乎没有文字、列表或表格", page.title),
            });
        }
    }
    gaps
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

/// The last day of a `YYYY-MM` month.
pub fn month_end(month: &str) -> Option<NaiveDate> {
    let (y, m) = month.split_once('-')?;
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    first.checked_add_months(chrono::Months::new(1))?.pred_opt()
}

/// The monthly 通报 for `month` (`YYYY-MM`): the run assessed as of the month's end (or the
/// as-of date when that is earlier, for the current month) with Y = the month's year, compared
/// with the same run as of the previous month's end.
pub async fn write_unit_notices(
    store: &Store,
    run_id: i64,
    options: &AssessOptions<'_>,
    month: &str,
    out: &Path,
) -> Result<(Assessment, Vec<PathBuf>), ReportStageError> {
    let end = month_end(month).unwrap_or(options.as_of).min(options.as_of);
    let view = site_view(store, run_id, options.profiles).await?;
    let at = |as_of: NaiveDate| AssessOptions {
        as_of,
        year: as_of.year(),
        ..*options
    };
    let now = assess_view(&view, run_id, &at(end))?;
    let previous_end = end.with_day(1).and_then(|d| d.pred_opt());
    let before = match previous_end {
        Some(d) => Some(assess_view(&view, run_id, &at(d))?),
        None => None,
    };
    let files = notice::write_notices(out, month, &now, before.as_ref())?;
    Ok((now, files))
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
    }
}
