//! Queries of the assessment stage: everything a run shows, read in a few streaming queries —
//! each page's facts and text with the fetch that is its evidence, the links between pages,
//! and the HTTP outcome of every URL the run tried.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::{Store, StoreError};

/// A page of a run with its facts and the fetch that stored its body.
#[derive(Debug, Clone)]
pub struct AssessPage {
    pub url_id: i64,
    pub url: String,
    pub kind: String,
    pub facts: String,
    /// Visible text, zstd-compressed as stored: most pages of a large run are never read by
    /// any rule, so it is decompressed only when one is.
    pub text_zstd: Option<Vec<u8>>,
    pub sha256: String,
    pub fetched_at: String,
    pub discovered_from: Option<i64>,
}

/// A link recorded on a page's fetch.
#[derive(Debug, Clone)]
pub struct PageLink {
    pub from: i64,
    pub to: String,
    pub anchor: String,
    /// `a`, `area`, `frame`, `iframe`, `hanweb` (a record in a CMS list), `paging` (the next
    /// window of a column list).
    pub kind: String,
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

impl Store {
    /// Every page of the run with facts from this extractor, with the run's latest fetch of
    /// it that carries that body (its time and hash are the verdicts' evidence).
    pub async fn assess_pages(&self, run_id: i64, extractor: &str) -> Result<Vec<AssessPage>, StoreError> {
        on_pool!(self, |p| {
            // SQLite takes the other columns from the row holding the MAX; PostgreSQL says so.
            let mut rows = sqlx::query(self.dialect(
                "SELECT pf.url_id, pf.url, pf.kind, pf.facts, pf.text, pf.sha256, MAX(f.fetched_at), u.discovered_from \
                 FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 JOIN urls u ON u.id = pf.url_id \
                 WHERE f.run_id = $1 AND pf.extractor = $2 GROUP BY pf.url_id ORDER BY pf.url_id",
                "SELECT DISTINCT ON (pf.url_id) pf.url_id, pf.url, pf.kind, pf.facts, pf.text, pf.sha256, f.fetched_at, u.discovered_from \
                 FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 JOIN urls u ON u.id = pf.url_id \
                 WHERE f.run_id = $1 AND pf.extractor = $2 ORDER BY pf.url_id, f.fetched_at DESC",
            ))
            .bind(run_id)
            .bind(extractor)
            .fetch(p);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                out.push(AssessPage {
                    url_id: row.get(0),
                    url: row.get(1),
                    kind: row.get(2),
                    facts: row.get(3),
                    text_zstd: row.get(4),
                    sha256: row.get(5),
                    fetched_at: row.get(6),
                    discovered_from: row.get(7),
                });
            }
            Ok(out)
        })
    }

    /// The links of each page as recorded by the first fetch that stored the page's current
    /// body (a 304 on a recrawl records none, so the links stay with that earlier fetch).
    /// Grouped per page as JSON in SQL: one row per page instead of one per link is what
    /// keeps a 700,000-link store fast to read.
    pub async fn assess_links(&self, run_id: i64) -> Result<Vec<PageLink>, StoreError> {
        on_pool!(self, |p| {
            let mut rows = sqlx::query(self.dialect(
                "WITH cur AS (SELECT url_id, sha256 FROM fetches WHERE run_id = $1 AND sha256 IS NOT NULL GROUP BY url_id), \
                 src AS (SELECT MIN(f.id) AS fetch_id, f.url_id FROM fetches f JOIN cur ON cur.url_id = f.url_id AND cur.sha256 = f.sha256 \
                         WHERE f.change IN ('new', 'changed') GROUP BY f.url_id) \
                 SELECT src.url_id, json_group_array(json_array(l.to_url, COALESCE(l.anchor, ''), l.kind)) \
                 FROM links l JOIN src ON src.fetch_id = l.fetch_id \
                 WHERE l.kind NOT IN ('sitemap', 'redirect') GROUP BY src.url_id",
                "WITH cur AS (SELECT DISTINCT ON (url_id) url_id, sha256 FROM fetches WHERE run_id = $1 AND sha256 IS NOT NULL \
                              ORDER BY url_id, id DESC), \
                 src AS (SELECT MIN(f.id) AS fetch_id, f.url_id FROM fetches f JOIN cur ON cur.url_id = f.url_id AND cur.sha256 = f.sha256 \
                         WHERE f.change IN ('new', 'changed') GROUP BY f.url_id) \
                 SELECT src.url_id, json_agg(json_build_array(l.to_url, COALESCE(l.anchor, ''), l.kind) ORDER BY l.rowid)::text \
                 FROM links l JOIN src ON src.fetch_id = l.fetch_id \
                 WHERE l.kind NOT IN ('sitemap', 'redirect') GROUP BY src.url_id",
            ))
            .bind(run_id)
            .fetch(p);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                let from: i64 = row.get(0);
                let json: String = row.get(1);
                let links: Vec<(String, String, String)> =
                    serde_json::from_str(&json).map_err(|e| StoreError::Body {
                        sha256: format!("links of url {from}"),
                        reason: e.to_string(),
                    })?;
                out.extend(
                    links
                        .into_iter()
                        .map(|(to, anchor, kind)| PageLink { from, to, anchor, kind }),
                );
            }
            Ok(out)
        })
    }

    /// The last outcome of every URL the run fetched or tried (its final fetch in the run).
    pub async fn url_outcomes(&self, run_id: i64) -> Result<Vec<UrlOutcome>, StoreError> {
        on_pool!(self, |p| {
            let mut rows = sqlx::query(
                "SELECT u.url, u.state, f.status, COALESCE(f.error, u.last_error), f.fetched_at FROM urls u \
                 LEFT JOIN fetches f ON f.id = (SELECT MAX(id) FROM fetches WHERE url_id = u.id AND run_id = $1) \
                 WHERE u.site_id = (SELECT site_id FROM runs WHERE id = $1) ORDER BY u.id",
            )
            .bind(run_id)
            .fetch(p);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                out.push(UrlOutcome {
                    url: row.get(0),
                    state: row.get(1),
                    status: row.get(2),
                    error: row.get(3),
                    fetched_at: row.get(4),
                });
            }
            Ok(out)
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
