//! `diff`: two runs judged (a kept assessment when there is one, else judged as of the day the
//! run was crawled) and compared, with their pages and columns.

use crate::assess::engine::Assessment;
use crate::report::diff::{self, PageChange, PageChanges, RunDiff};
use crate::store::Store;

use super::assess::{AssessError, AssessOptions, assess_view, site_view};
use super::report::{column_summaries, run_day};

/// The assessment of a run under the options' catalog, and its columns' newest items. A run
/// without a kept assessment is judged as of `as_of` when the user gave one (both sides then
/// share the date), else as of the day it was crawled.
async fn judged(
    store: &Store,
    run_id: i64,
    options: &AssessOptions<'_>,
    as_of: Option<chrono::NaiveDate>,
    given: Option<Assessment>,
) -> Result<(Assessment, Vec<crate::report::ColumnSummary>), AssessError> {
    let view = site_view(store, run_id, options.profiles).await?;
    let assessment = match given {
        Some(a) => a,
        None => match store.kept_assessment(run_id, &options.catalog.info.id).await? {
            Some(kept) => kept,
            None => {
                let manual = super::assess::manual_for(store, options).await?;
                let day = match as_of {
                    Some(day) => day,
                    None => run_day(store, run_id).await?.unwrap_or(options.as_of),
                };
                assess_view(
                    &view,
                    run_id,
                    &AssessOptions {
                        as_of: day,
                        manual: &manual,
                        ..*options
                    },
                )?
            }
        },
    };
    let columns = column_summaries(&view, assessment.as_of);
    Ok((assessment, columns))
}

/// Compares run `before` with run `after`. `after_assessment` is the one just made (nightly);
/// otherwise both are read from the store or judged (as of `as_of` when given).
pub async fn diff_runs(
    store: &Store,
    before: i64,
    after: i64,
    options: &AssessOptions<'_>,
    as_of: Option<chrono::NaiveDate>,
    after_assessment: Option<Assessment>,
) -> Result<RunDiff, AssessError> {
    let (a, columns_a) = judged(store, before, options, as_of, None).await?;
    let (b, columns_b) = judged(store, after, options, as_of, after_assessment).await?;
    let mut changes = store.page_changes(before, after).await?;
    let mut take = |kind: &str| -> Vec<PageChange> {
        changes
            .remove(kind)
            .unwrap_or_default()
            .into_iter()
            .map(|(url, title)| PageChange { url, title })
            .collect()
    };
    let pages = PageChanges {
        new: take("new"),
        changed: take("changed"),
        removed: take("removed"),
    };
    Ok(diff::diff(&a, &b, pages, &columns_a, &columns_b))
}
