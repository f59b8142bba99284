//! Which fetches go into the package, read from the store: the fetch each piece of verdict
//! evidence rests on, the robots.txt in force for the run, and for a 304 the earlier fetch
//! that holds the bytes. Fetches are read one at a time, so memory holds one body at most.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::assess::engine::Assessment;
use crate::store::Store;

use super::ExportError;

/// One stored fetch, as the WARC writer needs it.
#[derive(Debug, Clone)]
pub struct Capture {
    pub id: i64,
    pub url_id: i64,
    pub url: String,
    pub final_url: String,
    pub fetched_at: String,
    pub status: Option<u16>,
    pub redirects: Vec<Hop>,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub sha256: Option<String>,
}

/// A redirect followed by the crawler (the `redirects` column).
#[derive(Debug, Clone, Deserialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub location: Option<String>,
}

/// A piece of evidence left out, and why (listed in 说明.txt and the summary).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Omission {
    pub url: String,
    pub reason: String,
}

/// The fetches to export, each list in the order written.
#[derive(Debug, Default)]
pub struct Selection {
    pub robots: Vec<i64>,
    pub cited: Vec<i64>,
    pub omitted: Vec<Omission>,
}

/// The run's cited fetches (by URL, then fetch id) and its robots.txt fetches.
pub async fn select(store: &Store, assessment: &Assessment) -> Result<Selection, ExportError> {
    let run_id = assessment.run_id;
    let mut cited: BTreeMap<i64, String> = BTreeMap::new();
    let mut omitted = BTreeSet::new();
    let wanted: BTreeSet<(&str, Option<&str>, Option<&str>)> = assessment
        .indicators
        .iter()
        .flat_map(|v| &v.evidence)
        .map(|e| (e.url.as_str(), e.sha256.as_deref(), e.fetched_at.as_deref()))
        .collect();
    for (url, sha256, fetched_at) in wanted {
        match store.cited_fetch_id(run_id, url, sha256, fetched_at).await? {
            Some(id) => {
                cited.insert(id, url.to_string());
            }
            None => {
                omitted.insert(Omission {
                    url: url.to_string(),
                    reason: "本次抓取没有与该证据对应的存储记录（人工证据或站外链接）".to_string(),
                });
            }
        }
    }
    let mut cited: Vec<(String, i64)> = cited.into_iter().map(|(id, url)| (url, id)).collect();
    cited.sort();
    Ok(Selection {
        robots: store.robots_fetch_ids(run_id).await?,
        cited: cited.into_iter().map(|(_, id)| id).collect(),
        omitted: omitted.into_iter().collect(),
    })
}

/// Every fetch of the run with a response, by URL then fetch id, and the run's robots.txt
/// (`zwgk export --all`: an archive of the whole crawl). Only ids are held, never bodies.
pub async fn select_all(store: &Store, run_id: i64) -> Result<Selection, ExportError> {
    Ok(Selection {
        robots: store.robots_fetch_ids(run_id).await?,
        cited: store.answered_fetch_ids(run_id).await?,
        omitted: Vec::new(),
    })
}

/// For a 304, the fetch that stored the body it confirms: the earliest successful fetch of
/// that body, of the same URL when there is one.
pub async fn original_of(store: &Store, capture: &Capture) -> Result<Option<i64>, ExportError> {
    Ok(store
        .original_fetch_id(capture.id, capture.url_id, capture.sha256.as_deref())
        .await?)
}

/// The run's start and end, for the warcinfo date and 说明.txt.
pub async fn run_times(store: &Store, run_id: i64) -> Result<(String, Option<String>), ExportError> {
    let run = store.run(run_id).await?.ok_or(ExportError::RunNotFound(run_id))?;
    Ok((run.started_at, run.finished_at))
}

/// Reads one fetch.
pub async fn load(store: &Store, id: i64) -> Result<Capture, ExportError> {
    let f = store.stored_fetch(id).await?.ok_or_else(|| ExportError::BadFetch {
        fetch_id: id,
        reason: "it is not in the store".to_string(),
    })?;
    let bad = |what: &str, e: serde_json::Error| ExportError::BadFetch {
        fetch_id: id,
        reason: format!("`{what}` is not valid JSON: {e}"),
    };
    Ok(Capture {
        id: f.id,
        url_id: f.url_id,
        url: f.url,
        final_url: f.final_url,
        fetched_at: f.fetched_at,
        status: f.status.and_then(|s| u16::try_from(s).ok()),
        redirects: serde_json::from_str(&f.redirects).map_err(|e| bad("redirects", e))?,
        request_headers: serde_json::from_str(&f.request_headers).map_err(|e| bad("request_headers", e))?,
        response_headers: serde_json::from_str(&f.response_headers).map_err(|e| bad("response_headers", e))?,
        content_type: f.content_type,
        sha256: f.sha256,
    })
}
