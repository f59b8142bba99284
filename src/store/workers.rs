//! Crawl workers sharing one run through a PostgreSQL store: joining the open run, each
//! host's next request slot kept in the database so that all workers together keep its pace,
//! and giving back a worker's own claims. (The leased claims themselves are a writer op.)

use std::time::Duration;

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// A worker's run: the site's open run, or a new one when there is none (then `false`).
    /// Of workers starting at the same moment one creates the run (the store allows one open
    /// run per site) and the others join it. Joining requeues nothing: another worker's
    /// claims stay its own until it gives them back or their leases end.
    pub async fn join_or_start_run(
        &self,
        site_id: i64,
        settings_json: &str,
        seed_url: &str,
        seed_origin: &str,
    ) -> Result<(i64, bool), StoreError> {
        let mut tries = 0;
        loop {
            if let Some(run) = self.unfinished_run(site_id).await? {
                return Ok((run.id, true));
            }
            match self.start_run(site_id, settings_json, seed_url, seed_origin).await {
                Ok(run_id) => return Ok((run_id, false)),
                // Another worker opened the run between the look and the insert: join it.
                Err(StoreError::Locked { .. }) if tries < 3 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes `origin`'s next request slot for every worker of the store: granted when the
    /// host's next allowed time has come and no backoff holds it, which moves that time on by
    /// `interval`; otherwise how long to wait. The database's clock decides, so workers on
    /// machines whose clocks differ keep one pace. A SQLite store has one crawler, whose own
    /// pacer is the whole story: always granted.
    pub async fn reserve_host_slot(
        &self,
        origin: &str,
        interval: Duration,
    ) -> Result<Result<(), Duration>, StoreError> {
        if !self.is_postgres() {
            return Ok(Ok(()));
        }
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX / 4);
        on_pool!(self, |p| {
            // Concurrent reservations of one host serialise on its row; the loser sees the
            // moved time in the WHERE and gets no row back.
            let granted = sqlx::query(
                "WITH now AS (SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS ms) \
                 INSERT INTO hosts AS h (origin, next_allowed_ms) SELECT $1, ms + $2 FROM now \
                 ON CONFLICT (origin) DO UPDATE SET next_allowed_ms = excluded.next_allowed_ms \
                 WHERE h.next_allowed_ms <= (SELECT ms FROM now) AND COALESCE(h.backoff_until_ms, 0) <= (SELECT ms FROM now) \
                 RETURNING h.next_allowed_ms",
            )
            .bind(origin)
            .bind(interval_ms)
            .fetch_optional(p)
            .await?;
            if granted.is_some() {
                return Ok(Ok(()));
            }
            let wait: Option<i64> = sqlx::query(
                "SELECT GREATEST(next_allowed_ms, COALESCE(backoff_until_ms, 0)) \
                   - CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) FROM hosts WHERE origin = $1",
            )
            .bind(origin)
            .fetch_optional(p)
            .await?
            .map(|r| r.get(0));
            let wait = u64::try_from(wait.unwrap_or(1)).unwrap_or(1).max(1);
            Ok(Err(Duration::from_millis(wait)))
        })
    }

    /// Gives back the URLs claimed but not fetched (page limit, interrupt, abandoned
    /// requests): a worker's own (`Some(id)`), or every claim of the site for the one crawl
    /// that holds the store alone.
    pub async fn release_claims(&self, site_id: i64, worker: Option<&str>) -> Result<u64, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query(
                "UPDATE urls SET state = 'queued', claimed_by = NULL, lease_until_ms = NULL \
                 WHERE site_id = $1 AND state = 'claimed' AND ($2 IS NULL OR claimed_by = $2)",
            )
            .bind(site_id)
            .bind(worker)
            .execute(p)
            .await?
            .rows_affected())
        })
    }

    /// Every URL fetched more than once in a run, robots.txt aside, with its count: a shared
    /// crawl fetches each once.
    pub async fn refetched_urls(&self, run_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT f.url, COUNT(*) FROM fetches f JOIN urls u ON u.id = f.url_id \
                 WHERE f.run_id = $1 AND u.kind <> 'robots' GROUP BY f.url HAVING COUNT(*) > 1 ORDER BY f.url",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?)
        })
    }
}
