//! `zwgk assess`: read a run's pages, links and URL outcomes from the store, build the site
//! view, and score every leaf of a catalog as of a date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::assess::calendar::WorkCalendar;
use crate::assess::catalog::Catalog;
use crate::assess::columns::ColumnDefs;
use crate::assess::engine::{self, Assessment, Context, ManualVerdict};
use crate::assess::model::{Pins, SiteView};
use crate::extract::page::EXTRACTOR_VERSION;
use crate::extract::profile::Profile;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run {0} does not exist in the store")]
    NoRun(i64),
    #[error("run {run} has no extracted pages; run `zwgk extract` first")]
    NotExtracted { run: i64 },
}

/// What to assess against.
pub struct AssessOptions<'a> {
    pub catalog: &'a Catalog,
    pub as_of: NaiveDate,
    pub year: i32,
    /// Site profiles given by the user (apply whatever the host) and bundled ones (by host).
    pub profiles: &'a [Profile],
    pub manual: &'a [ManualVerdict],
    /// Working days: bundled notices, a notice file, and years estimated by rule.
    pub calendar: &'a WorkCalendar,
}

/// Loads what the run shows of its site (columns resolved, boilerplate removed).
pub async fn site_view(store: &Store, run_id: i64, profiles: &[Profile]) -> Result<SiteView, AssessError> {
    let (origin, start_url) = store.run_site(run_id).await?.ok_or(AssessError::NoRun(run_id))?;
    let started = std::time::Instant::now();
    // Three independent reads on separate connections (SQLite in WAL mode reads concurrently).
    let (pages, links, outcomes) = tokio::try_join!(
        store.assess_pages(run_id, EXTRACTOR_VERSION),
        store.assess_links(run_id),
        store.url_outcomes(run_id)
    )?;
    if pages.is_empty() {
        return Err(AssessError::NotExtracted { run: run_id });
    }
    tracing::info!(
        pages = pages.len(),
        links = links.len(),
        urls = outcomes.len(),
        ms = started.elapsed().as_millis(),
        "run read"
    );
    let (pins, _) = site_settings(profiles);
    let view = SiteView::build(
        &origin,
        &start_url,
        pages,
        links,
        outcomes,
        &ColumnDefs::bundled(),
        &pins,
    );
    tracing::info!(ms = started.elapsed().as_millis(), "site view built");
    Ok(view)
}

/// Column pins and capabilities of the site profiles the user gave (later profiles win).
fn site_settings(profiles: &[Profile]) -> (Pins, BTreeMap<String, bool>) {
    let mut pins = Pins::new();
    let mut capabilities = BTreeMap::new();
    for profile in profiles {
        pins.extend(profile.columns.clone());
        capabilities.extend(profile.capabilities.clone());
    }
    (pins, capabilities)
}

/// Scores every leaf of the catalog against the run.
pub async fn assess_run(store: &Store, run_id: i64, options: &AssessOptions<'_>) -> Result<Assessment, AssessError> {
    let site = site_view(store, run_id, options.profiles).await?;
    assess_view(&site, run_id, options)
}

/// Scores every leaf against an already built view.
pub fn assess_view(site: &SiteView, run_id: i64, options: &AssessOptions<'_>) -> Result<Assessment, AssessError> {
    let calendar = options.calendar;
    let (_, capabilities) = site_settings(options.profiles);
    let defs = ColumnDefs::bundled();
    let cx = Context {
        site,
        calendar,
        defs: &defs,
        as_of: options.as_of,
        year: options.year,
        capabilities: &capabilities,
    };
    let started = std::time::Instant::now();
    let indicators = engine::assess_leaves(options.catalog, &cx, options.manual);
    tracing::info!(ms = started.elapsed().as_millis(), "leaves assessed");
    let summary = engine::summarize(&indicators);
    Ok(Assessment {
        site: site.origin.clone(),
        run_id,
        as_of: options.as_of,
        period: options.year,
        catalog: options.catalog.info.id.clone(),
        catalog_title: options.catalog.info.title.clone(),
        generator: format!("zwgk {} ({EXTRACTOR_VERSION})", env!("CARGO_PKG_VERSION")),
        indicators,
        summary,
        calendar: engine::CalendarUse::of(calendar, options.year - 1, options.as_of.year()),
    })
}
