//! Queries outside the crawl's hot path: sites, runs, hosts, summaries and reads for later stages.
//! They run before the writer starts or after it stops, so there is still one writer at a time.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, decompress_body};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: i64,
    pub origin: String,
    pub start_url: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub site_id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub state: String,
    pub stop_reason: Option<String>,
    pub pid: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HostRow {
    pub origin: String,
    pub robots_status: Option<i64>,
    pub robots_body: Option<String>,
    pub robots_fetched_ms: Option<i64>,
    pub crawl_delay_ms: Option<i64>,
    pub paused_reason: Option<String>,
}

/// A frontier entry handed to the scheduler, with what the last good fetch left behind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedUrl {
    pub id: i64,
    pub url: String,
    pub origin: String,
    pub kind: String,
    pub depth: i64,
    pub attempts: i64,
    pub calendar_steps: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_sha256: Option<String>,
    pub last_status: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FetchRow {
    pub id: i64,
    pub run_id: i64,
    pub url: String,
    pub final_url: String,
    pub fetched_at: String,
    pub status: Option<i64>,
    pub change: String,
    pub content_type: Option<String>,
    pub encoding: Option<String>,
    pub encoding_source: Option<String>,
    pub body_size: Option<i64>,
    pub sha256: Option<String>,
}

/// What one run did, as counted from the store.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RunSummary {
    pub run_id: i64,
    /// Page and attachment fetches (robots.txt apart).
    pub fetched: i64,
    pub robots_fetches: i64,
    pub new: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub removed: i64,
    pub missing: i64,
    pub redirects: i64,
    pub errors: i64,
    pub attachments: i64,
    pub robots_blocked: i64,
    pub failed: i64,
    pub held: i64,
    pub queued: i64,
    pub links_out_of_scope: i64,
    pub links_skipped_by_traps: i64,
    pub bytes_stored: i64,
    pub paused_hosts: Vec<(String, String)>,
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    pub async fn upsert_site(&self, origin: &str, start_url: &str) -> Result<SiteRow, StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO sites (origin, start_url, created_at) VALUES ($1, $2, $3) ON CONFLICT(origin) DO NOTHING",
            )
            .bind(origin)
            .bind(start_url)
            .bind(now_text())
            .execute(p)
            .await?;
            Ok(
                sqlx::query_as::<_, SiteRow>("SELECT id, origin, start_url FROM sites WHERE origin = $1")
                    .bind(origin)
                    .fetch_one(p)
                    .await?,
            )
        })
    }

    pub async fn find_site(&self, origin: &str) -> Result<Option<SiteRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(
                sqlx::query_as::<_, SiteRow>("SELECT id, origin, start_url FROM sites WHERE origin = $1")
                    .bind(origin)
                    .fetch_optional(p)
                    .await?,
            )
        })
    }

    pub async fn unfinished_run(&self, site_id: i64) -> Result<Option<RunRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, RunRow>(
                "SELECT id, site_id, started_at, finished_at, state, stop_reason, pid FROM runs \
                 WHERE site_id = $1 AND state = 'running' ORDER BY id DESC LIMIT 1",
            )
            .bind(site_id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// The newest run of any state (`summary` shows what the last crawl did, however it ended).
    pub async fn latest_run(&self, site_id: Option<i64>) -> Result<Option<RunRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, RunRow>(
                "SELECT id, site_id, started_at, finished_at, state, stop_reason, pid FROM runs \
                 WHERE ($1 IS NULL OR site_id = $1) ORDER BY id DESC LIMIT 1",
            )
            .bind(site_id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// The newest finished run: what reports judge unless told otherwise.
    pub async fn latest_finished_run(&self) -> Result<Option<RunRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, RunRow>(
                "SELECT id, site_id, started_at, finished_at, state, stop_reason, pid FROM runs \
                 WHERE state = 'finished' ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(p)
            .await?)
        })
    }

    pub async fn run(&self, run_id: i64) -> Result<Option<RunRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, RunRow>(
                "SELECT id, site_id, started_at, finished_at, state, stop_reason, pid FROM runs WHERE id = $1",
            )
            .bind(run_id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// The finished runs' ids, oldest first.
    pub async fn finished_runs(&self) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            Ok(
                sqlx::query_scalar("SELECT id FROM runs WHERE state = 'finished' ORDER BY id")
                    .fetch_all(p)
                    .await?,
            )
        })
    }

    /// Every run's id, oldest first (for messages that list them).
    pub async fn run_ids(&self) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_scalar("SELECT id FROM runs ORDER BY id")
                .fetch_all(p)
                .await?)
        })
    }

    /// Begins a new run: every known URL of the site goes back in the queue so that pages
    /// which disappeared are noticed, and the seed is (re)inserted at depth 0.
    pub async fn start_run(
        &self,
        site_id: i64,
        settings_json: &str,
        seed_url: &str,
        seed_origin: &str,
    ) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let run_id: i64 = sqlx::query(
                "INSERT INTO runs (site_id, started_at, state, settings, pid) VALUES ($1, $2, 'running', $3, $4) RETURNING id",
            )
            .bind(site_id)
            .bind(now_text())
            .bind(settings_json)
            .bind(i64::from(std::process::id()))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.open_run_conflict(e))?
            .get(0);
            sqlx::query(
                "UPDATE urls SET state = 'queued', attempts = 0, next_try_ms = 0, last_error = NULL \
                 WHERE site_id = $1 AND kind <> 'robots'",
            )
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO urls (site_id, url, origin, kind, depth, state) VALUES ($1, $2, $3, 'page', 0, 'queued') \
                 ON CONFLICT(site_id, url) DO UPDATE SET depth = 0",
            )
            .bind(site_id)
            .bind(seed_url)
            .bind(seed_origin)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE hosts SET consecutive_failures = 0, paused_reason = NULL, backoff_until_ms = NULL")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(run_id)
        })
    }

    /// Takes over an unfinished run after a crash, an interrupt or a budget stop: URLs that
    /// were handed to the old process, or held back with their host, go back in the queue.
    /// The run is claimed by compare-and-swap on its pid, inside the transaction that
    /// requeues, so of two processes resuming at the same moment exactly one gets it.
    pub async fn resume_run(&self, run: &RunRow) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let me = i64::from(std::process::id());
            // On PostgreSQL the pid may be another machine's (a worker's), and the crawl lock
            // this crawler holds already proves that no other one is alive.
            if let Some(pid) = run.pid
                && pid != me
                && !self.is_postgres()
                && process_is_alive(pid)
            {
                return Err(StoreError::Locked {
                    location: self.location().to_string(),
                    pid: pid.to_string(),
                });
            }
            let mut tx = p.begin().await?;
            let claimed = sqlx::query(
                "UPDATE runs SET pid = $1, stop_reason = NULL WHERE id = $2 AND state = 'running' AND pid IS NOT DISTINCT FROM $3",
            )
            .bind(me)
            .bind(run.id)
            .bind(run.pid)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                return Err(StoreError::Locked {
                    location: self.location().to_string(),
                    pid: "another process".to_string(),
                });
            }
            sqlx::query("UPDATE urls SET state = 'queued' WHERE site_id = $1 AND state IN ('claimed', 'held')")
                .bind(run.site_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE hosts SET consecutive_failures = 0, paused_reason = NULL")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn open_run_conflict(&self, e: sqlx::Error) -> StoreError {
        match &e {
            // SQLite names the column, PostgreSQL the index.
            sqlx::Error::Database(db)
                if db.message().contains("runs.site_id") || db.message().contains("runs_one_open") =>
            {
                StoreError::Locked {
                    location: self.location().to_string(),
                    pid: "another process".to_string(),
                }
            }
            _ => StoreError::Query(e),
        }
    }

    /// The frontier of a site by state, for progress lines.
    pub async fn frontier(&self, site_id: i64) -> Result<crate::crawl::progress::Frontier, StoreError> {
        on_pool!(self, |p| {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT state, COUNT(*) FROM urls WHERE site_id = $1 AND kind <> 'robots' GROUP BY state",
            )
            .bind(site_id)
            .fetch_all(p)
            .await?;
            let mut frontier = crate::crawl::progress::Frontier::default();
            for (state, n) in rows {
                match state.as_str() {
                    "queued" => frontier.queued += n,
                    "claimed" => frontier.in_progress += n,
                    "done" => frontier.done += n,
                    "failed" | "blocked" => frontier.failed += n,
                    "held" => frontier.held += n,
                    _ => {}
                }
            }
            Ok(frontier)
        })
    }

    /// Closes a run: `finished`, or `failed` when nothing could be fetched.
    pub async fn finish_run(
        &self,
        run_id: i64,
        state: &str,
        stop_reason: &str,
        counts: &RunSummary,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE runs SET state = $1, finished_at = $2, stop_reason = $3, counts = $4, pid = NULL WHERE id = $5",
            )
            .bind(state)
            .bind(now_text())
            .bind(stop_reason)
            .bind(serde_json::to_string(counts).expect("a summary always serialises"))
            .bind(run_id)
            .execute(p)
            .await?;
            Ok(())
        })
    }

    /// Leaves a run open (interrupted, or stopped at its budget) for the next crawl to resume.
    pub async fn pause_run(&self, run_id: i64, stop_reason: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE runs SET stop_reason = $1, pid = NULL WHERE id = $2 AND state = 'running'")
                .bind(stop_reason)
                .bind(run_id)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    pub async fn load_host(&self, origin: &str) -> Result<Option<HostRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, HostRow>(
                "SELECT origin, robots_status, robots_body, robots_fetched_ms, crawl_delay_ms, paused_reason FROM hosts WHERE origin = $1",
            )
            .bind(origin)
            .fetch_optional(p)
            .await?)
        })
    }

    /// Counts what one run did.
    pub async fn run_summary(&self, run_id: i64) -> Result<RunSummary, StoreError> {
        on_pool!(self, |p| {
            let mut summary = RunSummary {
                run_id,
                ..RunSummary::default()
            };
            // robots.txt fetches are counted apart: they are not pages of the site.
            let rows = sqlx::query(
                "SELECT f.change, COUNT(*), CAST(COALESCE(SUM(f.body_size), 0) AS BIGINT) FROM fetches f JOIN urls u ON u.id = f.url_id \
                 WHERE f.run_id = $1 AND u.kind <> 'robots' GROUP BY f.change",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?;
            for row in rows {
                let change: String = row.get(0);
                let n: i64 = row.get(1);
                summary.fetched += n;
                summary.bytes_stored += row.get::<i64, _>(2);
                match change.as_str() {
                    "new" => summary.new = n,
                    "changed" => summary.changed = n,
                    "unchanged" => summary.unchanged = n,
                    "removed" => summary.removed = n,
                    "missing" => summary.missing = n,
                    "redirect" => summary.redirects = n,
                    _ => summary.errors += n,
                }
            }
            summary.robots_fetches = sqlx::query(
                "SELECT COUNT(*) FROM fetches f JOIN urls u ON u.id = f.url_id WHERE f.run_id = $1 AND u.kind = 'robots'",
            )
            .bind(run_id)
            .fetch_one(p)
            .await?
            .get(0);
            let site_id: i64 = sqlx::query("SELECT site_id FROM runs WHERE id = $1")
                .bind(run_id)
                .fetch_one(p)
                .await?
                .get(0);
            let states = sqlx::query("SELECT state, COUNT(*) FROM urls WHERE site_id = $1 GROUP BY state")
                .bind(site_id)
                .fetch_all(p)
                .await?;
            for row in states {
                let state: String = row.get(0);
                let n: i64 = row.get(1);
                match state.as_str() {
                    "blocked" => summary.robots_blocked = n,
                    "failed" => summary.failed = n,
                    "held" => summary.held = n,
                    "queued" | "claimed" => summary.queued += n,
                    _ => {}
                }
            }
            summary.attachments = sqlx::query(
                "SELECT COUNT(*) FROM fetches f JOIN urls u ON u.id = f.url_id WHERE f.run_id = $1 AND u.kind = 'attachment' AND f.status IN (200, 304)",
            )
            .bind(run_id)
            .fetch_one(p)
            .await?
            .get(0);
            let links = sqlx::query(
                "SELECT CAST(COALESCE(SUM(CASE WHEN in_scope = 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(CASE WHEN skipped IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) FROM links l \
                 JOIN fetches f ON f.id = l.fetch_id WHERE f.run_id = $1",
            )
            .bind(run_id)
            .fetch_one(p)
            .await?;
            summary.links_out_of_scope = links.get(0);
            summary.links_skipped_by_traps = links.get(1);
            let paused =
                sqlx::query("SELECT origin, paused_reason FROM hosts WHERE paused_reason IS NOT NULL ORDER BY origin")
                    .fetch_all(p)
                    .await?;
            summary.paused_hosts = paused.iter().map(|r| (r.get(0), r.get(1))).collect();
            Ok(summary)
        })
    }

    /// The fetches of a run, in order.
    pub async fn run_fetches(&self, run_id: i64) -> Result<Vec<FetchRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, FetchRow>(
                "SELECT id, run_id, url, final_url, fetched_at, status, change, content_type, encoding, encoding_source, body_size, sha256 \
                 FROM fetches WHERE run_id = $1 ORDER BY id",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// The stored body with this hash, decompressed.
    pub async fn body(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        on_pool!(self, |p| {
            // A pruned body keeps its row (fetches refer to its hash) but not its bytes.
            let row = sqlx::query("SELECT size, data FROM bodies WHERE sha256 = $1 AND codec <> 'pruned'")
                .bind(sha256)
                .fetch_optional(p)
                .await?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let size: i64 = row.get(0);
                    let data: Vec<u8> = row.get(1);
                    decompress_body(sha256, &data, usize::try_from(size).unwrap_or(0)).map(Some)
                }
            }
        })
    }

    /// The frontier state of every URL of a site: (url, state, last_error).
    pub async fn url_states(&self, site_id: i64) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query("SELECT url, state, last_error FROM urls WHERE site_id = $1 ORDER BY id")
                .bind(site_id)
                .fetch_all(p)
                .await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        })
    }

    /// Links recorded by a run: (from url, to url, anchor, kind, in scope, skipped).
    pub async fn run_links(
        &self,
        run_id: i64,
    ) -> Result<Vec<(String, String, Option<String>, String, bool, Option<String>)>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT f.url, l.to_url, l.anchor, l.kind, l.in_scope, l.skipped FROM links l JOIN fetches f ON f.id = l.fetch_id \
                 WHERE f.run_id = $1 ORDER BY l.rowid",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?;
            Ok(rows
                .iter()
                .map(|r| {
                    (
                        r.get(0),
                        r.get(1),
                        r.get(2),
                        r.get(3),
                        r.get::<i64, _>(4) != 0,
                        r.get(5),
                    )
                })
                .collect())
        })
    }
}

/// Whether a process with this id exists (Linux: `/proc/<pid>`).
fn process_is_alive(pid: i64) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
