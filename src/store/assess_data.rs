//! Queries of the assessment stage. A run is read in two layers so a site of any size fits
//! in bounded memory: every page's facts streamed once (the model keeps what locates and
//! dates a page), and a page's detail — text, tables, attachments, links — read in batches
//! only when a rule or the column tree needs it.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::{Store, StoreError};

/// A page of a run with its facts and the fetch that stored its body.
#[derive(Debug, Clone)]
pub struct AssessPage {
    pub url_id: i64,
    /// The `page_facts` row, by which the page's detail is read later.
    pub facts_id: i64,
    pub url: String,
    pub kind: String,
    pub facts: String,
    pub sha256: String,
    pub fetched_at: String,
    pub discovered_from: Option<i64>,
    /// The first fetch that stored the page's current body: its links are the page's (a 304
    /// on a recrawl records none, so the links stay with that earlier fetch).
    pub links_from: Option<i64>,
}

/// Where a page's detail is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailKey {
    pub facts_id: i64,
    pub links_from: Option<i64>,
}

/// A page's detail as stored: all its facts, its text (zstd), and its links in page order.
#[derive(Debug, Clone, Default)]
pub struct StoredDetail {
    pub facts: String,
    pub text_zstd: Option<Vec<u8>>,
    /// (target, anchor, kind) — kind as in [`crate::store`]'s `links.kind`.
    pub links: Vec<(String, String, String)>,
}

/// The outcome of one URL in a run: its last HTTP status (None when no response came) and
/// the crawl's error text.
#[derive(Debug, Clone)]
pub struct UrlOutcome {
    pub url: String,
    pub state: String,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub fetched_at: Option<String>,
}

impl UrlOutcome {
    /// Fetched and answered below 400 with no error: nothing to report about it.
    pub fn is_ok(&self) -> bool {
        self.state == "done" && self.error.is_none() && self.status.is_some_and(|s| s < 400)
    }
}

/// Rows per statement when reading details by id (far below both backends' bind limits).
const DETAIL_BATCH: usize = 500;

impl Store {
    /// Every page of the run with facts from this extractor, with the run's latest fetch of
    /// it that carries that body (its time and hash are the verdicts' evidence), handed to
    /// `each` as it streams: nothing of the whole run is held here.
    pub async fn assess_pages(
        &self,
        run_id: i64,
        extractor: &str,
        mut each: impl FnMut(AssessPage) + Send,
    ) -> Result<usize, StoreError> {
        on_pool!(self, |p| {
            // SQLite takes the other columns from the row holding the MAX; PostgreSQL says so.
            let mut rows = sqlx::query(self.dialect(
                "SELECT pf.url_id, pf.id, pf.url, pf.kind, pf.facts, pf.sha256, MAX(f.fetched_at), u.discovered_from, \
                 (SELECT MIN(s.id) FROM fetches s WHERE s.url_id = pf.url_id AND s.sha256 = pf.sha256 AND s.change IN ('new', 'changed')) \
                 FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 JOIN urls u ON u.id = pf.url_id \
                 WHERE f.run_id = $1 AND pf.extractor = $2 GROUP BY pf.url_id ORDER BY pf.url_id",
                "SELECT DISTINCT ON (pf.url_id) pf.url_id, pf.id, pf.url, pf.kind, pf.facts, pf.sha256, f.fetched_at, u.discovered_from, \
                 (SELECT MIN(s.id) FROM fetches s WHERE s.url_id = pf.url_id AND s.sha256 = pf.sha256 AND s.change IN ('new', 'changed')) \
                 FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 JOIN urls u ON u.id = pf.url_id \
                 WHERE f.run_id = $1 AND pf.extractor = $2 ORDER BY pf.url_id, f.fetched_at DESC",
            ))
            .bind(run_id)
            .bind(extractor)
            .fetch(p);
            let mut count = 0;
            while let Some(row) = rows.try_next().await? {
                count += 1;
                each(AssessPage {
                    url_id: row.get(0),
                    facts_id: row.get(1),
                    url: row.get(2),
                    kind: row.get(3),
                    facts: row.get(4),
                    sha256: row.get(5),
                    fetched_at: row.get(6),
                    discovered_from: row.get(7),
                    links_from: row.get(8),
                });
            }
            Ok(count)
        })
    }

    /// The details of pages, in the order asked (a key with no stored row reads as empty).
    pub async fn page_details(&self, keys: &[DetailKey]) -> Result<Vec<StoredDetail>, StoreError> {
        let mut out = vec![StoredDetail::default(); keys.len()];
        for (chunk_no, chunk) in keys.chunks(DETAIL_BATCH).enumerate() {
            let base = chunk_no * DETAIL_BATCH;
            let mut at: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
            for (i, k) in chunk.iter().enumerate() {
                at.entry(k.facts_id).or_default().push(base + i);
            }
            let ids: Vec<i64> = at.keys().copied().collect();
            let sql = format!(
                "SELECT id, facts, text FROM page_facts WHERE id IN ({})",
                placeholders(ids.len())
            );
            let facts: Vec<(i64, String, Option<Vec<u8>>)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for id in &ids {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })?;
            for (id, facts, text) in facts {
                for &i in at.get(&id).into_iter().flatten() {
                    out[i].facts = facts.clone();
                    out[i].text_zstd = text.clone();
                }
            }
            let mut by_fetch: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
            for (i, k) in chunk.iter().enumerate() {
                if let Some(f) = k.links_from {
                    by_fetch.entry(f).or_default().push(base + i);
                }
            }
            if by_fetch.is_empty() {
                continue;
            }
            let fetch_ids: Vec<i64> = by_fetch.keys().copied().collect();
            // Grouped per page as JSON in SQL: one row per page instead of one per link is
            // what keeps reading many pages' links fast.
            let sql = format!(
                "{} FROM links WHERE fetch_id IN ({}) AND kind NOT IN ('sitemap', 'redirect') GROUP BY fetch_id",
                self.dialect(
                    "SELECT fetch_id, json_group_array(json_array(to_url, COALESCE(anchor, ''), kind))",
                    "SELECT fetch_id, json_agg(json_build_array(to_url, COALESCE(anchor, ''), kind) ORDER BY rowid)::text",
                ),
                placeholders(fetch_ids.len())
            );
            let links: Vec<(i64, String)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for id in &fetch_ids {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })?;
            for (fetch, json) in links {
                let list: Vec<(String, String, String)> =
                    serde_json::from_str(&json).map_err(|e| StoreError::Body {
                        sha256: format!("links of fetch {fetch}"),
                        reason: e.to_string(),
                    })?;
                let targets = by_fetch.get(&fetch).map(Vec::as_slice).unwrap_or(&[]);
                if let Some((&last, rest)) = targets.split_last() {
                    for &i in rest {
                        out[i].links = list.clone();
                    }
                    out[last].links = list;
                }
            }
        }
        Ok(out)
    }

    /// The last outcome of every URL the run fetched or tried (its final fetch in the run),
    /// handed to `each` as it streams.
    pub async fn url_outcomes(&self, run_id: i64, mut each: impl FnMut(UrlOutcome) + Send) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut rows = sqlx::query(
                "SELECT u.url, u.state, f.status, COALESCE(f.error, u.last_error), f.fetched_at FROM urls u \
                 LEFT JOIN fetches f ON f.id = (SELECT MAX(id) FROM fetches WHERE url_id = u.id AND run_id = $1) \
                 WHERE u.site_id = (SELECT site_id FROM runs WHERE id = $1) ORDER BY u.id",
            )
            .bind(run_id)
            .fetch(p);
            while let Some(row) = rows.try_next().await? {
                each(UrlOutcome {
                    url: row.get(0),
                    state: row.get(1),
                    status: row.get(2),
                    error: row.get(3),
                    fetched_at: row.get(4),
                });
            }
            Ok(())
        })
    }

    /// The origin and start URL of a run's site.
    pub async fn run_site(&self, run_id: i64) -> Result<Option<(String, String)>, StoreError> {
        on_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT s.origin, s.start_url FROM runs r JOIN sites s ON s.id = r.site_id WHERE r.id = $1",
            )
            .bind(run_id)
            .fetch_optional(p)
            .await?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })
    }
}

impl Store {
    /// The run of the same site before this one, if any.
    pub async fn previous_run(&self, run_id: i64) -> Result<Option<i64>, StoreError> {
        on_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT id FROM runs WHERE site_id = (SELECT site_id FROM runs WHERE id = $1) AND id < $1 AND state = 'finished' \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(run_id)
            .fetch_optional(p)
            .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }
}

impl Store {
    /// When a run finished (or started, if it never finished), as stored (RFC 3339, UTC).
    pub async fn run_time(&self, run_id: i64) -> Result<Option<String>, StoreError> {
        on_pool!(self, |p| {
            let row = sqlx::query("SELECT COALESCE(finished_at, started_at) FROM runs WHERE id = $1")
                .bind(run_id)
                .fetch_optional(p)
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }
}

/// `$1, $2, … $n` (SQLite reads `$N` too).
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
