//! Queries of the extraction stage: which stored bodies need facts, and writing the facts.

use sqlx::Row;

use super::{Store, StoreError, compress_body};

/// A stored page to extract: the fetch that holds its body in the given run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BodyRef {
    pub url_id: i64,
    pub url: String,
    pub kind: String,
    pub sha256: String,
    pub content_type: Option<String>,
    pub last_modified: Option<String>,
}

/// Facts ready to store.
#[derive(Debug, Clone)]
pub struct FactsRow {
    pub url_id: i64,
    pub sha256: String,
    pub extractor: String,
    pub url: String,
    pub kind: String,
    pub title: Option<String>,
    pub pub_date: Option<String>,
    pub pub_date_source: Option<String>,
    pub column_name: Option<String>,
    pub facts_json: String,
    pub text: String,
    pub error: Option<String>,
}

impl Store {
    /// Bodies of a run's successful fetches (200, or 304 pointing at the stored body) that have
    /// no facts from this extractor yet; all of them when `force`.
    pub async fn bodies_to_extract(
        &self,
        run_id: i64,
        extractor: &str,
        force: bool,
    ) -> Result<Vec<BodyRef>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, BodyRef>(
                "SELECT DISTINCT f.url_id, f.url, u.kind, f.sha256, \
                   COALESCE(f.content_type, (SELECT p.content_type FROM fetches p WHERE p.url_id = f.url_id AND p.sha256 = f.sha256 AND p.status = 200 ORDER BY p.id DESC LIMIT 1)) AS content_type, \
                   COALESCE(f.last_modified, u.last_modified) AS last_modified \
                 FROM fetches f JOIN urls u ON u.id = f.url_id \
                 WHERE f.run_id = $1 AND f.sha256 IS NOT NULL AND f.status IN (200, 304) AND u.kind IN ('page', 'attachment') \
                   AND ($3 OR NOT EXISTS (SELECT 1 FROM page_facts pf WHERE pf.url_id = f.url_id AND pf.sha256 = f.sha256 AND pf.extractor = $2)) \
                 ORDER BY f.url_id",
            )
            .bind(run_id)
            .bind(extractor)
            .bind(force)
            .fetch_all(p)
            .await?)
        })
    }

    /// Raw bodies by hash, decompressed, for a batch.
    pub async fn bodies(&self, hashes: &[String]) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::with_capacity(hashes.len());
        for sha in hashes {
            if let Some(body) = self.body(sha).await? {
                out.push((sha.clone(), body));
            }
        }
        Ok(out)
    }

    pub async fn save_facts(&self, rows: &[FactsRow]) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            for r in rows {
                sqlx::query(
                    "INSERT INTO page_facts (url_id, sha256, extractor, url, kind, title, pub_date, pub_date_source, column_name, facts, text, error, extracted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT(url_id, sha256, extractor) DO UPDATE SET url = excluded.url, kind = excluded.kind, title = excluded.title, \
                       pub_date = excluded.pub_date, pub_date_source = excluded.pub_date_source, column_name = excluded.column_name, \
                       facts = excluded.facts, text = excluded.text, error = excluded.error, extracted_at = excluded.extracted_at",
                )
                .bind(r.url_id)
                .bind(&r.sha256)
                .bind(&r.extractor)
                .bind(&r.url)
                .bind(&r.kind)
                .bind(&r.title)
                .bind(&r.pub_date)
                .bind(&r.pub_date_source)
                .bind(&r.column_name)
                .bind(&r.facts_json)
                .bind(compress_body(r.text.as_bytes()))
                .bind(&r.error)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The facts JSON of the pages of a run, for one extractor, optionally of one kind:
    /// (url_id, url, facts).
    pub async fn run_facts(
        &self,
        run_id: i64,
        extractor: &str,
        kind: Option<&str>,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT DISTINCT pf.url_id, pf.url, pf.facts FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 WHERE f.run_id = $1 AND pf.extractor = $2 AND ($3 IS NULL OR pf.kind = $3) ORDER BY pf.url_id",
            )
            .bind(run_id)
            .bind(extractor)
            .bind(kind)
            .fetch_all(p)
            .await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        })
    }

    /// (url_id, url) of every page of a run with facts from this extractor.
    pub async fn run_fact_urls(&self, run_id: i64, extractor: &str) -> Result<Vec<(i64, String)>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT DISTINCT pf.url_id, pf.url FROM page_facts pf JOIN fetches f ON f.url_id = pf.url_id AND f.sha256 = pf.sha256 \
                 WHERE f.run_id = $1 AND pf.extractor = $2 ORDER BY pf.url_id",
            )
            .bind(run_id)
            .bind(extractor)
            .fetch_all(p)
            .await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    /// The facts JSON of these pages (latest body of each).
    pub async fn facts_of_urls(&self, url_ids: &[i64], extractor: &str) -> Result<Vec<(i64, String)>, StoreError> {
        on_pool!(self, |p| {
            let mut out = Vec::with_capacity(url_ids.len());
            for id in url_ids {
                if let Some(row) = sqlx::query(
                    "SELECT facts FROM page_facts WHERE url_id = $1 AND extractor = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(id)
                .bind(extractor)
                .fetch_optional(p)
                .await?
                {
                    out.push((*id, row.get(0)));
                }
            }
            Ok(out)
        })
    }

    /// Replaces the stored facts JSON of pages (used to add list-page dates), in one transaction:
    /// (url_id, facts, pub_date, pub_date_source).
    pub async fn update_facts_json(
        &self,
        extractor: &str,
        updates: &[(i64, String, Option<String>, Option<String>)],
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for (url_id, facts_json, pub_date, source) in updates {
                sqlx::query(
                    "UPDATE page_facts SET facts = $1, pub_date = $2, pub_date_source = $3 WHERE url_id = $4 AND extractor = $5",
                )
                .bind(facts_json)
                .bind(pub_date)
                .bind(source)
                .bind(url_id)
                .bind(extractor)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The visible text stored with a page's facts.
    pub async fn facts_text(&self, url_id: i64, extractor: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT text FROM page_facts WHERE url_id = $1 AND extractor = $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(url_id)
            .bind(extractor)
            .fetch_optional(p)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let data: Option<Vec<u8>> = row.get(0);
            let Some(data) = data else { return Ok(None) };
            let bytes = zstd::stream::decode_all(&data[..]).map_err(|e| StoreError::Body {
                sha256: format!("text of url {url_id}"),
                reason: e.to_string(),
            })?;
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        })
    }
}
