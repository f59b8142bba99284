//! Which fetches go into the package, read from the store: the fetch each piece of verdict
//! evidence rests on, the robots.txt in force for the run, and for a 304 the earlier fetch
//! that holds the bytes. Fetches are read one at a time, so memory holds one body at most.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use sqlx::Row;

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
        match cited_fetch(store, run_id, url, sha256, fetched_at).await? {
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
        robots: robots_fetches(store, run_id).await?,
        cited: cited.into_iter().map(|(_, id)| id).collect(),
        omitted: omitted.into_iter().collect(),
    })
}

/// Every fetch of the run with a response, by URL then fetch id, and the run's robots.txt
/// (`zwgk export --all`: an archive of the whole crawl). Only ids are held, never bodies.
pub async fn select_all(store: &Store, run_id: i64) -> Result<Selection, ExportError> {
    let rows = sqlx::query(
        "SELECT f.id FROM fetches f JOIN urls u ON u.id = f.url_id \
         WHERE f.run_id = ?1 AND u.kind != 'robots' AND f.status IS NOT NULL ORDER BY f.url, f.id",
    )
    .bind(run_id)
    .fetch_all(store.pool())
    .await?;
    Ok(Selection {
        robots: robots_fetches(store, run_id).await?,
        cited: rows.iter().map(|r| r.get(0)).collect(),
        omitted: Vec::new(),
    })
}

/// The fetch a piece of evidence rests on: the run's fetch of the URL with the cited body,
/// preferably at the cited time (the assessment cites the latest one).
async fn cited_fetch(
    store: &Store,
    run_id: i64,
    url: &str,
    sha256: Option<&str>,
    fetched_at: Option<&str>,
) -> Result<Option<i64>, ExportError> {
    // Through `urls` (unique on site and URL) and the fetches' url_id index: matching the
    // fetch's URL text would scan the whole run once per piece of evidence.
    let row = sqlx::query(
        "SELECT f.id FROM urls u JOIN fetches f ON f.url_id = u.id \
         WHERE u.site_id = (SELECT site_id FROM runs WHERE id = ?1) AND u.url = ?2 \
           AND f.run_id = ?1 AND (?3 IS NULL OR f.sha256 = ?3) \
         ORDER BY (f.fetched_at = ?4) DESC, f.id DESC LIMIT 1",
    )
    .bind(run_id)
    .bind(url)
    .bind(sha256)
    .bind(fetched_at)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// The robots.txt in force for the run: the latest fetch of each origin's robots.txt up to
/// and including this run (a run that reused a fresh copy fetched none itself), by URL.
async fn robots_fetches(store: &Store, run_id: i64) -> Result<Vec<i64>, ExportError> {
    let rows = sqlx::query(
        "SELECT MAX(f.id), f.url FROM fetches f JOIN urls u ON u.id = f.url_id \
         WHERE u.kind = 'robots' AND f.run_id <= ?1 AND f.status IS NOT NULL \
           AND u.site_id = (SELECT site_id FROM runs WHERE id = ?1) \
         GROUP BY u.origin ORDER BY f.url",
    )
    .bind(run_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// For a 304, the fetch that stored the body it confirms: the earliest successful fetch of
/// that body, of the same URL when there is one.
pub async fn original_of(store: &Store, capture: &Capture) -> Result<Option<i64>, ExportError> {
    // The same URL first, on the url_id index; only a body first seen elsewhere needs the scan
    // by hash (there is no index on fetches.sha256).
    let same_url = sqlx::query(
        "SELECT id FROM fetches WHERE url_id = ?3 AND sha256 = ?1 AND status BETWEEN 200 AND 299 AND id < ?2 \
         ORDER BY id LIMIT 1",
    )
    .bind(capture.sha256.as_deref())
    .bind(capture.id)
    .bind(capture.url_id)
    .fetch_optional(store.pool())
    .await?;
    if let Some(row) = same_url {
        return Ok(Some(row.get(0)));
    }
    let row = sqlx::query(
        "SELECT id FROM fetches WHERE sha256 = ?1 AND status BETWEEN 200 AND 299 AND id < ?2 \
         ORDER BY (url_id = ?3) DESC, id LIMIT 1",
    )
    .bind(capture.sha256.as_deref())
    .bind(capture.id)
    .bind(capture.url_id)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// The run's start and end, for the warcinfo date and 说明.txt.
pub async fn run_times(store: &Store, run_id: i64) -> Result<(String, Option<String>), ExportError> {
    let row = sqlx::query("SELECT started_at, finished_at FROM runs WHERE id = ?")
        .bind(run_id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(ExportError::RunNotFound(run_id))?;
    Ok((row.get(0), row.get(1)))
}

/// Reads one fetch.
pub async fn load(store: &Store, id: i64) -> Result<Capture, ExportError> {
    let row = sqlx::query(
        "SELECT id, url_id, url, final_url, fetched_at, status, redirects, request_headers, \
         response_headers, content_type, sha256 FROM fetches WHERE id = ?",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await?;
    let bad = |what: &str, e: serde_json::Error| ExportError::BadFetch {
        fetch_id: id,
        reason: format!("`{what}` is not valid JSON: {e}"),
    };
    let status: Option<i64> = row.get(5);
    Ok(Capture {
        id: row.get(0),
        url_id: row.get(1),
        url: row.get(2),
        final_url: row.get(3),
        fetched_at: row.get(4),
        status: status.and_then(|s| u16::try_from(s).ok()),
        redirects: serde_json::from_str(row.get(6)).map_err(|e| bad("redirects", e))?,
        request_headers: serde_json::from_str(row.get(7)).map_err(|e| bad("request_headers", e))?,
        response_headers: serde_json::from_str(row.get(8)).map_err(|e| bad("response_headers", e))?,
        content_type: row.get(9),
        sha256: row.get(10),
    })
}
