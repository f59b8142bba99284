//! `zwgk extract`: facts for every stored page and attachment of a run, without fetching.
//!
//! Bodies are read from the store in batches and extracted on the blocking pool (two batches at
//! once, one per core); facts are written per (URL, body hash, extractor version), so a rerun
//! only does what is missing and an extractor upgrade redoes everything. A second pass gives
//! pages whose only dates are weak (URL, ObjectId, Last-Modified) the date their column's list
//! shows next to their link.

use std::collections::HashMap;

use futures_util::StreamExt;
use serde::Serialize;
use url::Url;

use crate::extract::dates::DateSource;
use crate::extract::page::{self, EXTRACTOR_VERSION, PageFacts, PageInput, PageKind};
use crate::extract::profile::Profile;
use crate::shutdown::Shutdown;
use crate::store::{BodyRef, FactsRow, Store, StoreError};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExtractSummary {
    pub run_id: i64,
    pub extractor: &'static str,
    pub extracted: usize,
    pub skipped_up_to_date: bool,
    pub by_kind: HashMap<String, usize>,
    pub with_pub_date: usize,
    pub list_dates_recorded: usize,
    pub errors: usize,
    /// Bodies that needed extracting when the stage began.
    pub to_do: usize,
    /// List items whose sighting in this run was recorded (first-seen evidence).
    pub items_sighted: usize,
    /// Stopped by a signal between batches: the facts saved so far are kept, and the next
    /// `extract` does only the rest.
    pub stopped: bool,
}

const BATCH: usize = 64;

/// Extracts one stored body (pure).
pub fn facts_for(body_ref: &BodyRef, body: &[u8], profiles: &[Profile]) -> Result<PageFacts, String> {
    let url = Url::parse(&body_ref.url).map_err(|e| format!("bad url `{}`: {e}", body_ref.url))?;
    let input = PageInput {
        url: &url,
        body,
        content_type: body_ref.content_type.as_deref(),
        last_modified: body_ref.last_modified.as_deref(),
    };
    // What the crawler recorded as an attachment stays one; otherwise the one classifier of
    // crawl, extract and inspect decides from URL, Content-Type and the first bytes.
    Ok(if body_ref.kind == "attachment" {
        page::extract_attachment_page(&input)
    } else {
        page::extract_facts(&input, profiles)
    })
}

fn row_for(body_ref: &BodyRef, facts: &PageFacts) -> FactsRow {
    FactsRow {
        url_id: body_ref.url_id,
        sha256: body_ref.sha256.clone(),
        extractor: EXTRACTOR_VERSION.to_string(),
        url: body_ref.url.clone(),
        kind: serde_json::to_value(facts.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        title: facts.title.clone(),
        pub_date: facts.pub_date.clone(),
        pub_date_source: facts.pub_date_source.map(|s| s.as_str().to_string()),
        column_name: facts.column.clone(),
        facts_json: serde_json::to_string(facts).expect("facts always serialise"),
        text: facts.text.clone(),
        error: None,
    }
}

/// Extracts every page of `run_id` that lacks facts from this extractor (all when `force`).
pub async fn extract_run(
    store: &Store,
    run_id: i64,
    force: bool,
    profiles: &[Profile],
) -> Result<ExtractSummary, StoreError> {
    extract_run_until(store, run_id, force, profiles, &Shutdown::never()).await
}

/// [`extract_run`] that stops between batches once `shutdown` has a signal.
pub async fn extract_run_until(
    store: &Store,
    run_id: i64,
    force: bool,
    profiles: &[Profile],
    shutdown: &Shutdown,
) -> Result<ExtractSummary, StoreError> {
    let todo = store.bodies_to_extract(run_id, EXTRACTOR_VERSION, force).await?;
    let mut summary = ExtractSummary {
        run_id,
        extractor: EXTRACTOR_VERSION,
        skipped_up_to_date: todo.is_empty(),
        to_do: todo.len(),
        ..ExtractSummary::default()
    };
    let batches: Vec<Vec<BodyRef>> = todo.chunks(BATCH).map(<[BodyRef]>::to_vec).collect();
    let mut results = futures_util::stream::iter(batches)
        .map(|batch| async move {
            let profiles = profiles.to_vec();
            let hashes: Vec<String> = batch.iter().map(|b| b.sha256.clone()).collect();
            let bodies: HashMap<String, Vec<u8>> = store.bodies(&hashes).await?.into_iter().collect();
            let rows = tokio::task::spawn_blocking(move || {
                batch
                    .iter()
                    .map(|body_ref| {
                        let body = bodies.get(&body_ref.sha256).map(Vec::as_slice).unwrap_or(&[]);
                        // Extraction must not panic; if it ever does, record it against the page.
                        match std::panic::catch_unwind(|| facts_for(body_ref, body, &profiles)) {
                            Ok(Ok(facts)) => row_for(body_ref, &facts),
                            Ok(Err(error)) => error_row(body_ref, error),
                            Err(_) => error_row(body_ref, "extraction panicked; this is a bug in zwgk".to_string()),
                        }
                    })
                    .collect::<Vec<FactsRow>>()
            })
            .await
            .map_err(|_| StoreError::WriterGone)?;
            Ok::<Vec<FactsRow>, StoreError>(rows)
        })
        .buffered(2);
    while let Some(rows) = results.next().await {
        if shutdown.requested().is_some() {
            summary.stopped = true;
            return Ok(summary);
        }
        let rows = rows?;
        for row in &rows {
            summary.extracted += 1;
            *summary.by_kind.entry(row.kind.clone()).or_default() += 1;
            summary.with_pub_date += usize::from(row.pub_date.is_some());
            summary.errors += usize::from(row.error.is_some());
        }
        store.save_facts(&rows).await?;
    }
    summary.list_dates_recorded = add_list_dates(store, run_id).await?;
    // What every list showed in this run: first-seen evidence for later nights.
    summary.items_sighted = store.record_sightings(run_id, EXTRACTOR_VERSION).await?;
    Ok(summary)
}

/// A row that records why a page has no facts.
fn error_row(body_ref: &BodyRef, error: String) -> FactsRow {
    FactsRow {
        url_id: body_ref.url_id,
        sha256: body_ref.sha256.clone(),
        extractor: EXTRACTOR_VERSION.to_string(),
        url: body_ref.url.clone(),
        kind: "other".to_string(),
        title: None,
        pub_date: None,
        pub_date_source: None,
        column_name: None,
        facts_json: "{}".to_string(),
        text: String::new(),
        error: Some(error),
    }
}

/// Adds the date a column list shows beside each link as a `list` candidate, and uses it when
/// the page itself only has weaker evidence. Works in batches so memory stays flat on big
/// stores. Returns how many pages changed.
async fn add_list_dates(store: &Store, run_id: i64) -> Result<usize, StoreError> {
    let mut list_dates: HashMap<String, String> = HashMap::new();
    for (_, _, json) in store.run_facts(run_id, EXTRACTOR_VERSION, Some("list")).await? {
        let Ok(facts) = serde_json::from_str::<serde_json::Value>(&json) else {
            continue;
        };
        for item in facts["list_items"].as_array().into_iter().flatten() {
            if let (Some(url), Some(date)) = (item["url"].as_str(), item["date"].as_str()) {
                list_dates.entry(url.to_string()).or_insert_with(|| date.to_string());
            }
        }
    }
    let listed: Vec<i64> = store
        .run_fact_urls(run_id, EXTRACTOR_VERSION)
        .await?
        .into_iter()
        .filter(|(_, url)| list_dates.contains_key(url))
        .map(|(id, _)| id)
        .collect();
    let article = serde_json::to_value(PageKind::Article).expect("kind serialises");
    let mut changed = 0;
    for chunk in listed.chunks(500) {
        let mut updates = Vec::new();
        for (url_id, json) in store.facts_of_urls(chunk, EXTRACTOR_VERSION).await? {
            let Ok(mut facts) = serde_json::from_str::<serde_json::Value>(&json) else {
                continue;
            };
            let Some(date) = facts["url"].as_str().and_then(|u| list_dates.get(u)).cloned() else {
                continue;
            };
            let mut candidates = facts["pub_date_candidates"].as_array().cloned().unwrap_or_default();
            if candidates.iter().any(|c| c["source"] == "list") {
                continue;
            }
            candidates.push(serde_json::json!({ "date": date, "source": DateSource::List, "evidence": "column list" }));
            facts["pub_date_candidates"] = serde_json::Value::Array(candidates);
            let weaker = matches!(
                facts["pub_date_source"].as_str().unwrap_or(""),
                "" | "url" | "objectid" | "last_modified"
            );
            if facts["kind"] == article && weaker {
                facts["pub_date"] = serde_json::Value::String(date.clone());
                facts["pub_date_source"] = serde_json::to_value(DateSource::List).expect("source serialises");
            }
            let pub_date = facts["pub_date"].as_str().map(str::to_string);
            let source = facts["pub_date_source"].as_str().map(str::to_string);
            updates.push((url_id, facts.to_string(), pub_date, source));
        }
        changed += updates.len();
        store.update_facts_json(EXTRACTOR_VERSION, &updates).await?;
    }
    Ok(changed)
}
