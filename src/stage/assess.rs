//! `zwgk assess`: read a run's pages, links and URL outcomes from the store, build the site
//! view, and score every leaf of a catalog as of a date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::assess::calendar::WorkCalendar;
use crate::assess::catalog::Catalog;
use crate::assess::columns::ColumnDefs;
use crate::assess::engine::{self, Assessment, Context, ManualVerdict};
use std::sync::Arc;

use crate::assess::model::{DetailSource, Details, Outcomes, PageRows, Pins, SiteView};
use crate::extract::page::EXTRACTOR_VERSION;
use crate::extract::profile::Profile;
use crate::store::{AssessPage, DetailKey, Store, StoreError, StoredDetail};

#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run {0} does not exist in the store")]
    NoRun(i64),
    #[error("run {run} has no extracted pages; run `zwgk extract` first")]
    NotExtracted { run: i64 },
    #[error("stored pages could not be read: {0}")]
    Detail(String),
}

/// What to assess against.
#[derive(Clone, Copy)]
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

/// Loads what the run shows of its site (columns resolved, boilerplate removed). Pages stream
/// from the store and keep only what locates and dates them; their details are read through
/// a connection of the view's own when a rule asks, so the store must stay where it is while
/// the view is used.
pub async fn site_view(store: &Store, run_id: i64, profiles: &[Profile]) -> Result<SiteView, AssessError> {
    let (origin, start_url) = store.run_site(run_id).await?.ok_or(AssessError::NoRun(run_id))?;
    let started = std::time::Instant::now();
    let details = Arc::new(Details::new(Box::new(StoreDetails::start(store.location()).await?)));
    let mut rows = PageRows::default();
    let mut outcomes = Outcomes::default();
    {
        let mut batch: Vec<AssessPage> = Vec::with_capacity(PARSE_BATCH);
        let pages = store.assess_pages(run_id, EXTRACTOR_VERSION, |row| {
            batch.push(row);
            if batch.len() == PARSE_BATCH {
                rows.push(&batch, Some(&details));
                batch.clear();
            }
        });
        // Independent reads on separate connections (SQLite in WAL mode reads concurrently).
        let (_, _, first_seen) = tokio::try_join!(
            pages,
            store.url_outcomes(run_id, |o| outcomes.add(o)),
            store.first_seen_in(run_id)
        )?;
        rows.push(&batch, Some(&details));
        if rows.is_empty() {
            return Err(AssessError::NotExtracted { run: run_id });
        }
        tracing::info!(
            pages = rows.len(),
            urls = outcomes.len(),
            ms = started.elapsed().as_millis(),
            memory = ?crate::assess::model::memory_mb(),
            "run read"
        );
        let (pins, _) = site_settings(profiles);
        let mut view = SiteView::build(
            &origin,
            &start_url,
            rows,
            outcomes,
            &ColumnDefs::bundled(),
            &pins,
            Some(details),
        );
        view.backdated = crate::assess::first_seen::backdated(
            &first_seen.sightings,
            &first_seen.snapshots,
            &first_seen.page_first_run,
        )
        .into_iter()
        .map(|b| (b.item_url.clone(), b))
        .collect();
        if let (_, Some(error)) = view.detail_reads() {
            return Err(AssessError::Detail(error));
        }
        tracing::info!(ms = started.elapsed().as_millis(), "site view built");
        Ok(view)
    }
}

/// Leaves evaluated together between two releases of page details (a few per core).
const LEAVES_PER_PASS: usize = 8;

/// Rows parsed together on every core while the rest stream in.
const PARSE_BATCH: usize = 2_048;

type DetailReply = std::sync::mpsc::SyncSender<Result<Vec<StoredDetail>, String>>;

/// Reads pages' details for the rules, which are plain functions running on any thread (a
/// runtime's worker or not): a thread of its own runs a small runtime with its own read-only
/// connection to the store, and answers one request at a time.
#[derive(Debug)]
struct StoreDetails {
    requests: std::sync::mpsc::Sender<(Vec<DetailKey>, DetailReply)>,
}

impl StoreDetails {
    async fn start(location: &str) -> Result<StoreDetails, AssessError> {
        let (requests, incoming) = std::sync::mpsc::channel::<(Vec<DetailKey>, DetailReply)>();
        let (ready_tx, ready) = tokio::sync::oneshot::channel::<Result<(), AssessError>>();
        let location = location.to_string();
        std::thread::Builder::new()
            .name("zwgk-details".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(AssessError::Detail(format!("cannot start the detail reader: {e}"))));
                        return;
                    }
                };
                let store = match runtime.block_on(Store::open_read(&location)) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                // Ends when the view that asks is dropped.
                while let Ok((keys, reply)) = incoming.recv() {
                    let read = runtime.block_on(store.page_details(&keys)).map_err(|e| e.to_string());
                    let _ = reply.send(read);
                }
                runtime.block_on(store.close());
            })
            .map_err(|e| AssessError::Detail(format!("cannot start the detail reader: {e}")))?;
        match ready.await {
            Ok(Ok(())) => Ok(StoreDetails { requests }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(AssessError::Detail(
                "the detail reader stopped before it opened the store".to_string(),
            )),
        }
    }
}

impl DetailSource for StoreDetails {
    fn load(&self, keys: &[DetailKey]) -> Result<Vec<StoredDetail>, String> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.requests
            .send((keys.to_vec(), reply))
            .map_err(|_| "the detail reader has stopped".to_string())?;
        answer.recv().map_err(|_| "the detail reader has stopped".to_string())?
    }
}

/// How well the run's site was understood (see [`engine::Understanding`]).
fn understanding(
    site: &SiteView,
    catalog: &Catalog,
    defs: &ColumnDefs,
    leaves: &[(crate::assess::verdict::Basis, bool)],
) -> engine::Understanding {
    use crate::assess::verdict::Basis;
    let mut keys: Vec<String> = Vec::new();
    for leaf in &catalog.leaves {
        leaf.rule.keys(&mut keys);
    }
    // A key of alternatives (`a|b`) is found when one of them is.
    let groups: Vec<&String> = {
        let mut g: Vec<&String> = keys.iter().filter(|k| *k != "home").collect();
        g.sort();
        g.dedup();
        g
    };
    let found = |k: &str| !site.key_columns(k).is_empty();
    let missing: Vec<String> = groups
        .iter()
        .filter(|k| !found(k))
        .map(|k| {
            k.split('|')
                .map(|one| {
                    defs.keys
                        .get(one.trim())
                        .and_then(|d| d.names.first().cloned())
                        .unwrap_or_else(|| one.to_string())
                })
                .collect::<Vec<_>>()
                .join("或")
        })
        .collect();
    let (documents, undated) = site.all_documents_cached().fold((0, 0), |(all, undated), d| {
        (all + 1, undated + usize::from(d.date.is_none()))
    });
    let automatic = leaves.iter().filter(|(_, auto)| *auto).count();
    let fallback = leaves.iter().filter(|(b, auto)| *auto && *b == Basis::Fallback).count();
    let not_found = leaves.iter().filter(|(b, auto)| *auto && *b == Basis::NotFound).count();
    let key_share = if groups.is_empty() {
        1.0
    } else {
        (groups.len() - missing.len()) as f64 / groups.len() as f64
    };
    let undated_share = if documents == 0 {
        1.0
    } else {
        undated as f64 / documents as f64
    };
    let not_found_share = if automatic == 0 {
        0.0
    } else {
        not_found as f64 / automatic as f64
    };
    let (level, warning) = if documents == 0 || key_share < 0.5 || undated_share > 0.4 || not_found_share > 0.4 {
        (
            "较差",
            Some(format!(
                "zwgk对本站的识别程度较低（指标所需栏目类别找到{:.0}%，{:.0}%的信息未读到发布日期，{:.0}%的自动评价项全站未找到依据）。以下“不达标”可能源于未能识别网站结构，而非网站确未公开，请先人工核对，或在站点配置中指定栏目后重新评估",
                key_share * 100.0,
                undated_share * 100.0,
                not_found_share * 100.0
            )),
        )
    } else if key_share < 0.75 || undated_share > 0.2 || not_found_share > 0.25 {
        ("一般", None)
    } else {
        ("良好", None)
    };
    engine::Understanding {
        district: site.district.clone(),
        columns: site.columns.len(),
        keys_used: groups.len(),
        keys_found: groups.len() - missing.len(),
        keys_missing: missing,
        documents,
        undated_documents: undated,
        leaves_fallback: fallback,
        leaves_not_found: not_found,
        leaves_automatic: automatic,
        level: level.to_string(),
        warning,
    }
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
    let manual = manual_for(store, options).await?;
    let options = &AssessOptions {
        manual: &manual,
        ..*options
    };
    let mut assessment = assess_view(&site, run_id, options)?;
    if let Some(run) = store.run(run_id).await? {
        assessment.unfinished_run = unfinished_note(&run);
    }
    Ok(assessment)
}

/// The assessors' verdicts kept in the store for the catalog, then those of the `--manual`
/// file, which win for the same leaf (the engine takes the last one given).
pub async fn manual_for(
    store: &Store,
    options: &AssessOptions<'_>,
) -> Result<Vec<crate::assess::engine::ManualVerdict>, AssessError> {
    let stored = store.manual_verdicts(Some(&options.catalog.info.id), false).await?;
    let mut all: Vec<_> = stored.iter().filter_map(manual_of).collect();
    all.extend(options.manual.iter().cloned());
    Ok(all)
}

/// A stored verdict as the engine takes it.
pub fn manual_of(m: &crate::store::StoredManual) -> Option<crate::assess::engine::ManualVerdict> {
    use crate::assess::verdict::Status;
    let status = match m.status.as_str() {
        "pass" => Status::Pass,
        "partial" => Status::Partial,
        "fail" => Status::Fail,
        "na" => Status::NotApplicable,
        "manual" => Status::Manual,
        _ => return None,
    };
    let day = |t: &str| chrono::NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok();
    Some(crate::assess::engine::ManualVerdict {
        id: m.leaf_id.clone(),
        status,
        score: m.score,
        note: m.note.clone(),
        evidence: m.evidence_url.iter().cloned().collect(),
        assessor: Some(m.assessor.clone()),
        set_on: day(&m.set_at),
        expires: m.expires_on.as_deref().and_then(day),
        evidence_file: m.evidence_name.clone().zip(m.evidence_sha256.clone()),
    })
}

/// 「第N次抓取未完成…」 for a run that did not finish; `None` for a finished one.
pub fn unfinished_note(run: &crate::store::RunRow) -> Option<String> {
    if run.state == "finished" {
        return None;
    }
    let why = match (run.state.as_str(), run.stop_reason.as_deref()) {
        ("failed", _) => "未能抓取任何页面",
        (_, Some(r)) if r.starts_with("page limit") => "达到页数上限后停止",
        (_, Some(r)) if r.starts_with("interrupted") || r.starts_with("stopped") => "被中断",
        (_, None) => "仍在进行或进程已终止",
        _ => "未正常结束",
    };
    Some(format!(
        "本评估依据的第{}次抓取未完成（{why}），尚未抓取到的页面按未见处理，结论可能偏低，仅供参考；完成抓取后请重新评估",
        run.id
    ))
}

/// Scores every leaf against an already built view.
pub fn assess_view(site: &SiteView, run_id: i64, options: &AssessOptions<'_>) -> Result<Assessment, AssessError> {
    let calendar = options.calendar;
    let (_, capabilities) = site_settings(options.profiles);
    let defs = ColumnDefs::bundled();
    let started = std::time::Instant::now();
    // A few leaves at a time, the page details they read let go after each pass: memory
    // follows what one pass reads, not what the whole catalog does.
    let mut indicators = Vec::with_capacity(options.catalog.leaves.len());
    for leaves in options.catalog.leaves.chunks(LEAVES_PER_PASS) {
        let cx = Context {
            site,
            calendar,
            defs: &defs,
            as_of: options.as_of,
            year: options.year,
            capabilities: &capabilities,
        };
        indicators.extend(engine::assess_leaves(leaves, &cx, options.manual));
        site.drop_details();
    }
    let (reads, failed) = site.detail_reads();
    tracing::info!(
        ms = started.elapsed().as_millis(),
        pages_read = reads,
        memory = ?crate::assess::model::memory_mb(),
        "leaves assessed"
    );
    if let Some(error) = failed {
        return Err(AssessError::Detail(error));
    }
    let summary = engine::summarize(&indicators);
    let indicators_for_understanding: Vec<(crate::assess::verdict::Basis, bool)> = indicators
        .iter()
        .zip(&options.catalog.leaves)
        .map(|(v, leaf)| {
            (
                v.basis,
                !matches!(leaf.rule, crate::assess::catalog::Rule::Manual { .. }),
            )
        })
        .collect();
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
        understanding: understanding(site, options.catalog, &defs, &indicators_for_understanding),
        unfinished_run: None,
        backdated: {
            let mut flags: Vec<_> = site.backdated.values().cloned().collect();
            flags.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then(a.item_url.cmp(&b.item_url)));
            flags
        },
        routing: Default::default(),
    })
}
