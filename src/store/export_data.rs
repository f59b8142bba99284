//! What the evidence package reads: the fetches verdicts cite, the robots.txt in force, the
//! fetch that holds a 304's body, and one fetch's record. Ids only, so the exporter holds one
//! body at a time.

use super::{Store, StoreError};

/// One stored fetch as recorded (its JSON columns unparsed: the exporter checks them).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredFetch {
    pub id: i64,
    pub url_id: i64,
    pub url: String,
    pub final_url: String,
    pub fetched_at: String,
    pub status: Option<i64>,
    pub redirects: String,
    pub request_headers: String,
    pub response_headers: String,
    pub content_type: Option<String>,
    pub sha256: Option<String>,
}

impl Store {
    /// Every fetch of the run with a response, by URL then id, robots.txt aside.
    pub async fn answered_fetch_ids(&self, run_id: i64) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_scalar(
                "SELECT f.id FROM fetches f JOIN urls u ON u.id = f.url_id \
                 WHERE f.run_id = $1 AND u.kind != 'robots' AND f.status IS NOT NULL ORDER BY f.url, f.id",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// The run's fetch of `url` with the cited body, preferably the one at the cited time.
    pub async fn cited_fetch_id(
        &self,
        run_id: i64,
        url: &str,
        sha256: Option<&str>,
        fetched_at: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        on_pool!(self, |p| {
            // Through `urls` (unique on site and URL) and the fetches' url_id index: matching the
            // fetch's URL text would scan the whole run once per piece of evidence.
            Ok(sqlx::query_scalar(
                "SELECT f.id FROM urls u JOIN fetches f ON f.url_id = u.id \
                 WHERE u.site_id = (SELECT site_id FROM runs WHERE id = $1) AND u.url = $2 \
                   AND f.run_id = $1 AND ($3 IS NULL OR f.sha256 = $3) \
                 ORDER BY (f.fetched_at = $4) DESC, f.id DESC LIMIT 1",
            )
            .bind(run_id)
            .bind(url)
            .bind(sha256)
            .bind(fetched_at)
            .fetch_optional(p)
            .await?)
        })
    }

    /// The robots.txt in force for the run: the latest fetch of each origin's robots.txt up
    /// to and including this run (a run that reused a fresh copy fetched none itself).
    pub async fn robots_fetch_ids(&self, run_id: i64) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_scalar(
                "SELECT MAX(f.id) FROM fetches f JOIN urls u ON u.id = f.url_id \
                 WHERE u.kind = 'robots' AND f.run_id <= $1 AND f.status IS NOT NULL \
                   AND u.site_id = (SELECT site_id FROM runs WHERE id = $1) \
                 GROUP BY u.origin ORDER BY MIN(f.url)",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// For a 304 (fetch `id` of `url_id` confirming body `sha256`), the earliest successful
    /// fetch that stored the body, of the same URL when there is one.
    pub async fn original_fetch_id(
        &self,
        id: i64,
        url_id: i64,
        sha256: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        on_pool!(self, |p| {
            // The same URL first, on the url_id index; only a body first seen elsewhere needs the
            // scan by hash (there is no index on fetches.sha256).
            let same_url: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM fetches WHERE url_id = $3 AND sha256 = $1 AND status BETWEEN 200 AND 299 AND id < $2 \
                 ORDER BY id LIMIT 1",
            )
            .bind(sha256)
            .bind(id)
            .bind(url_id)
            .fetch_optional(p)
            .await?;
            if same_url.is_some() {
                return Ok(same_url);
            }
            Ok(sqlx::query_scalar(
                "SELECT id FROM fetches WHERE sha256 = $1 AND status BETWEEN 200 AND 299 AND id < $2 \
                 ORDER BY (url_id = $3) DESC, id LIMIT 1",
            )
            .bind(sha256)
            .bind(id)
            .bind(url_id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// One fetch's record.
    pub async fn stored_fetch(&self, id: i64) -> Result<Option<StoredFetch>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, StoredFetch>(
                "SELECT id, url_id, url, final_url, fetched_at, status, redirects, request_headers, \
                 response_headers, content_type, sha256 FROM fetches WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?)
        })
    }
}
