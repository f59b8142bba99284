//! The single writer: one task owns one connection and applies every crawl write in order,
//! batching whatever is waiting into one transaction. SQLite allows one writer at a time, so
//! funnelling writes here avoids "database is locked" and lets a batch commit many pages at once.

use sqlx::pool::PoolConnection;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{ClaimedUrl, StoreError};

/// The writer's connection, on either backend.
pub(super) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Runs `$body` with `$c` bound to the concrete connection, like `on_pool!` for the store.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}

/// A link found on a fetched page.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub to_url: String,
    pub anchor: Option<String>,
    pub kind: &'static str,
    pub is_in_scope: bool,
    pub skipped: Option<String>,
}

/// An in-scope URL to add to the frontier (ignored when already known).
#[derive(Debug, Clone)]
pub struct NewUrl {
    pub url: String,
    pub origin: String,
    pub kind: &'static str,
    pub depth: i64,
    pub calendar_steps: i64,
}

/// Everything one fetch produced, written in one go.
#[derive(Debug, Clone, Default)]
pub struct NewFetch {
    pub site_id: i64,
    pub run_id: i64,
    /// 0 for a URL outside the frontier (robots.txt): its row is created here.
    pub url_id: i64,
    pub origin: String,
    pub kind: &'static str,
    pub url: String,
    pub final_url: String,
    pub fetched_at: String,
    pub elapsed_ms: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub change: &'static str,
    pub redirects_json: String,
    pub request_headers_json: String,
    pub response_headers_json: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    pub encoding: Option<String>,
    pub encoding_source: Option<String>,
    pub body_size: Option<i64>,
    pub sha256: Option<String>,
    /// Compressed body to store, when this hash is not stored yet as far as the fetcher knows.
    pub compressed_body: Option<Vec<u8>>,
    pub links: Vec<NewLink>,
    pub new_urls: Vec<NewUrl>,
    /// Frontier state after this fetch: done | failed | queued (retry later).
    pub url_state: &'static str,
    pub attempts: i64,
    pub next_try_ms: i64,
    /// Whether this fetch brings new validators and outcome for conditional requests.
    pub updates_validators: bool,
}

/// The fields of a `hosts` row that the crawl updates.
#[derive(Debug, Clone, Default)]
pub struct HostUpdate {
    pub origin: String,
    pub robots_status: Option<i64>,
    pub robots_body: Option<String>,
    pub robots_fetched_ms: Option<i64>,
    pub crawl_delay_ms: Option<i64>,
    pub backoff_until_ms: Option<i64>,
    pub consecutive_failures: i64,
    pub throttled_count: i64,
    pub paused_reason: Option<String>,
    pub updates_robots: bool,
}

/// A crawl worker's claim: URLs are its own until it records them, gives them back, or the
/// lease ends (it died), when any worker's next claim puts them back in the queue.
#[derive(Debug, Clone)]
pub struct Lease {
    pub worker: String,
    pub ms: i64,
}

pub struct ClaimBatch {
    pub urls: Vec<ClaimedUrl>,
    /// The earliest retry time among queued URLs that are not due yet.
    pub next_due_ms: Option<i64>,
}

pub enum WriteOp {
    Claim {
        site_id: i64,
        now_ms: i64,
        limit: i64,
        lease: Option<Lease>,
        reply: oneshot::Sender<Result<ClaimBatch, StoreError>>,
    },
    Record(Box<NewFetch>),
    /// Inserts URLs without a fetch (the seed's sitemaps from robots.txt, redirect targets).
    AddUrls {
        site_id: i64,
        from_url_id: Option<i64>,
        urls: Vec<NewUrl>,
    },
    Block {
        url_id: i64,
        reason: String,
    },
    /// A paused host: its queued URLs are held until the next run or resume.
    HoldHost {
        site_id: i64,
        origin: String,
        reason: String,
    },
    Host(HostUpdate),
    /// A worker's heartbeat: its claims are still its own until `until_ms`.
    Renew {
        site_id: i64,
        worker: String,
        until_ms: i64,
    },
    Flush(oneshot::Sender<()>),
    /// Whether a URL ever answered 2xx or 304: a 404 then means "removed", never "missing".
    HasAnsweredOk {
        url_id: i64,
        reply: oneshot::Sender<bool>,
    },
}

/// The sending side of the writer; the task stops when every sender is dropped.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<WriteOp>,
    handle: std::sync::Arc<tokio::sync::Mutex<Option<WriterTask>>>,
}

type WriterTask = JoinHandle<Result<(), StoreError>>;

const BATCH_MAX: usize = 512;

impl Writer {
    pub(super) fn spawn(conn: Conn, capacity: usize) -> Writer {
        let (tx, rx) = mpsc::channel(capacity);
        let handle = tokio::spawn(run_writer(conn, rx));
        Writer {
            tx,
            handle: std::sync::Arc::new(tokio::sync::Mutex::new(Some(handle))),
        }
    }

    pub async fn send(&self, op: WriteOp) -> Result<(), StoreError> {
        self.tx.send(op).await.map_err(|_| StoreError::WriterGone)
    }

    pub async fn claim(
        &self,
        site_id: i64,
        now_ms: i64,
        limit: i64,
        lease: Option<Lease>,
    ) -> Result<ClaimBatch, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(WriteOp::Claim {
            site_id,
            now_ms,
            limit,
            lease,
            reply,
        })
        .await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Whether the URL answered 2xx or 304 in any earlier fetch (the store's fetch history).
    pub async fn has_answered_ok(&self, url_id: i64) -> Result<bool, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(WriteOp::HasAnsweredOk { url_id, reply }).await?;
        rx.await.map_err(|_| StoreError::WriterGone)
    }

    /// Waits until everything sent so far is committed.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(WriteOp::Flush(reply)).await?;
        rx.await.map_err(|_| StoreError::WriterGone)
    }

    /// Stops the writer after it has committed everything and reports its first error.
    pub async fn finish(self) -> Result<(), StoreError> {
        let handle = self.handle.lock().await.take();
        drop(self.tx);
        match handle {
            Some(handle) => handle.await.map_err(|_| StoreError::WriterGone)?,
            None => Ok(()),
        }
    }
}

async fn run_writer(mut conn: Conn, mut rx: mpsc::Receiver<WriteOp>) -> Result<(), StoreError> {
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let mut tries = 0;
        let outcomes = loop {
            match apply_batch(&mut conn, &ops).await {
                Ok(outcomes) => break outcomes,
                // Workers writing the same new URLs in different orders can deadlock on
                // PostgreSQL, which then aborts one transaction: apply the batch again.
                Err(e) if e.is_transient() && tries < 8 => {
                    tries += 1;
                    let _ = on_conn!(&mut conn, |c| sqlx::query("ROLLBACK")
                        .execute(&mut **c)
                        .await
                        .map(|_| ()));
                    tracing::debug!(tries, "write batch retried: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(5..50u64) * tries)).await;
                }
                Err(e) => return Err(e),
            }
        };
        // Replies go out only after the commit, so what a caller sees is durable.
        for (op, outcome) in ops.into_iter().zip(outcomes) {
            match (op, outcome) {
                (WriteOp::Claim { reply, .. }, Some(Outcome::Claimed(batch))) => {
                    let _ = reply.send(Ok(batch));
                }
                // The asker may have gone.
                (WriteOp::HasAnsweredOk { reply, .. }, Some(Outcome::Answered(answered))) => {
                    let _ = reply.send(answered);
                }
                (WriteOp::Flush(reply), _) => {
                    let _ = reply.send(());
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// One batch in one transaction: what each op read, in order.
async fn apply_batch(conn: &mut Conn, ops: &[WriteOp]) -> Result<Vec<Option<Outcome>>, StoreError> {
    // SQLite takes the write lock at BEGIN IMMEDIATE rather than at the first write, so a
    // batch never fails half-way on a lock; PostgreSQL locks rows as it goes.
    let begin = match conn {
        Conn::Sqlite(_) => "BEGIN IMMEDIATE",
        Conn::Postgres(_) => "BEGIN",
    };
    on_conn!(&mut *conn, |c| {
        sqlx::query(begin).execute(&mut **c).await?;
    });
    let mut outcomes = Vec::with_capacity(ops.len());
    let mut rest = ops;
    while let Some(op) = rest.first() {
        // On SQLite, consecutive fetch records are written together.
        if let Conn::Sqlite(c) = &mut *conn {
            let fetches: Vec<&NewFetch> = rest.iter().map_while(sqlite_groupable).collect();
            if !fetches.is_empty() {
                record_fetches_sqlite(c, &fetches).await?;
                outcomes.extend(fetches.iter().map(|_| None));
                rest = &rest[fetches.len()..];
                continue;
            }
        }
        outcomes.push(apply(conn, op).await?);
        rest = &rest[1..];
    }
    on_conn!(&mut *conn, |c| {
        sqlx::query("COMMIT").execute(&mut **c).await?;
    });
    Ok(outcomes)
}

/// What an op read, handed to its asker once the batch is committed.
enum Outcome {
    Claimed(ClaimBatch),
    Answered(bool),
}

/// Applies one op inside the batch's transaction. Ops are borrowed, not consumed, so that a
/// batch PostgreSQL aborts (a deadlock between workers) can be applied again.
async fn apply(conn: &mut Conn, op: &WriteOp) -> Result<Option<Outcome>, StoreError> {
    match op {
        WriteOp::Record(fetch) => return record_fetch(conn, fetch).await.map(|()| None),
        WriteOp::AddUrls {
            site_id,
            from_url_id,
            urls,
        } => return insert_urls(conn, *site_id, *from_url_id, urls).await.map(|()| None),
        _ => {}
    }
    on_conn!(conn, |c| {
        match op {
            WriteOp::Claim {
                site_id,
                now_ms,
                limit,
                lease: None,
                ..
            } => {
                let urls = sqlx::query_as::<_, ClaimedUrl>(
                "UPDATE urls SET state = 'claimed' WHERE id IN ( \
                   SELECT id FROM urls WHERE site_id = $1 AND state = 'queued' AND next_try_ms <= $2 \
                   ORDER BY depth, id LIMIT $3) \
                 RETURNING id, url, origin, kind, depth, attempts, calendar_steps, etag, last_modified, last_sha256, last_status",
            )
            .bind(site_id)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut **c)
            .await?;
                let next_due_ms: Option<i64> =
                    sqlx::query("SELECT MIN(next_try_ms) FROM urls WHERE site_id = $1 AND state = 'queued'")
                        .bind(site_id)
                        .fetch_one(&mut **c)
                        .await?
                        .get(0);
                let mut urls = urls;
                urls.sort_by_key(|u| (u.depth, u.id));
                return Ok(Some(Outcome::Claimed(ClaimBatch { urls, next_due_ms })));
            }
            WriteOp::Claim {
                site_id,
                now_ms,
                limit,
                lease: Some(lease),
                ..
            } => {
                // A dead worker's claims come back first.
                let reaped = sqlx::query(
                    "UPDATE urls SET state = 'queued', claimed_by = NULL, lease_until_ms = NULL \
                 WHERE site_id = $1 AND state = 'claimed' AND lease_until_ms < $2",
                )
                .bind(site_id)
                .bind(now_ms)
                .execute(&mut **c)
                .await?
                .rows_affected();
                if reaped > 0 {
                    tracing::warn!(reaped, "URLs whose worker's lease ran out are back in the queue");
                }
                // Rows another worker is claiming at this moment are skipped, not waited for.
                let urls = sqlx::query_as::<_, ClaimedUrl>(
                "UPDATE urls SET state = 'claimed', claimed_by = $4, lease_until_ms = $5 WHERE id IN ( \
                   SELECT id FROM urls WHERE site_id = $1 AND state = 'queued' AND next_try_ms <= $2 \
                   ORDER BY depth, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, url, origin, kind, depth, attempts, calendar_steps, etag, last_modified, last_sha256, last_status",
            )
            .bind(site_id)
            .bind(now_ms)
            .bind(limit)
            .bind(&lease.worker)
            .bind(now_ms.saturating_add(lease.ms))
            .fetch_all(&mut **c)
            .await?;
                let row = sqlx::query(
                    "SELECT MIN(next_try_ms), EXISTS (SELECT 1 FROM urls WHERE site_id = $1 AND state = 'claimed') \
                 FROM urls WHERE site_id = $1 AND state = 'queued'",
                )
                .bind(site_id)
                .fetch_one(&mut **c)
                .await?;
                let queued_due: Option<i64> = row.get(0);
                let others_busy: bool = row.get(1);
                // While other workers hold URLs, their pages may add more: look again soon
                // rather than call the frontier exhausted.
                let next_due_ms = queued_due.or_else(|| others_busy.then_some(now_ms + 500));
                let mut urls = urls;
                urls.sort_by_key(|u| (u.depth, u.id));
                return Ok(Some(Outcome::Claimed(ClaimBatch { urls, next_due_ms })));
            }
            // Writes of many rows, in functions of their own.
            WriteOp::Record(_) | WriteOp::AddUrls { .. } => {}
            WriteOp::Block { url_id, reason } => {
                sqlx::query("UPDATE urls SET state = 'blocked', last_error = $1 WHERE id = $2")
                    .bind(reason)
                    .bind(url_id)
                    .execute(&mut **c)
                    .await?;
            }
            WriteOp::HoldHost {
                site_id,
                origin,
                reason,
            } => {
                sqlx::query(
                "UPDATE urls SET state = 'held', last_error = $1 WHERE site_id = $2 AND origin = $3 AND state IN ('queued', 'claimed')",
            )
            .bind(reason)
            .bind(site_id)
            .bind(origin)
            .execute(&mut **c)
            .await?;
            }
            WriteOp::Host(host) => {
                sqlx::query(
                "INSERT INTO hosts (origin, robots_status, robots_body, robots_fetched_at, robots_fetched_ms, crawl_delay_ms, \
                   backoff_until_ms, consecutive_failures, throttled_count, paused_reason) \
                 VALUES ($1, $2, $3, $11, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT(origin) DO UPDATE SET \
                   robots_status = CASE WHEN $10 THEN $2 ELSE hosts.robots_status END, \
                   robots_body = CASE WHEN $10 THEN $3 ELSE hosts.robots_body END, \
                   robots_fetched_at = CASE WHEN $10 THEN excluded.robots_fetched_at ELSE hosts.robots_fetched_at END, \
                   robots_fetched_ms = CASE WHEN $10 THEN $4 ELSE hosts.robots_fetched_ms END, \
                   crawl_delay_ms = CASE WHEN $10 THEN $5 ELSE hosts.crawl_delay_ms END, \
                   backoff_until_ms = $6, consecutive_failures = $7, throttled_count = $8, paused_reason = $9",
            )
            .bind(&host.origin)
            .bind(host.robots_status)
            .bind(&host.robots_body)
            .bind(host.robots_fetched_ms)
            .bind(host.crawl_delay_ms)
            .bind(host.backoff_until_ms)
            .bind(host.consecutive_failures)
            .bind(host.throttled_count)
            .bind(&host.paused_reason)
            .bind(host.updates_robots)
            .bind(host.robots_fetched_ms.and_then(chrono::DateTime::from_timestamp_millis).map(|t| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            }))
            .execute(&mut **c)
            .await?;
            }
            WriteOp::Renew {
                site_id,
                worker,
                until_ms,
            } => {
                sqlx::query(
                    "UPDATE urls SET lease_until_ms = $3 WHERE site_id = $1 AND state = 'claimed' AND claimed_by = $2",
                )
                .bind(site_id)
                .bind(worker)
                .bind(until_ms)
                .execute(&mut **c)
                .await?;
            }
            WriteOp::Flush(_) => {}
            WriteOp::HasAnsweredOk { url_id, .. } => {
                let answered: bool = sqlx::query(
                "SELECT EXISTS (SELECT 1 FROM fetches WHERE url_id = $1 AND (status BETWEEN 200 AND 299 OR status = 304))",
            )
            .bind(url_id)
            .fetch_one(&mut **c)
            .await?
            .get(0);
                return Ok(Some(Outcome::Answered(answered)));
            }
        }
    });
    Ok(None)
}

/// Binds a fetch row's columns from `url` to `encoding_source`, in table order: the same
/// fifteen values on either backend's statement.
macro_rules! bind_fetch_row {
    ($query:expr, $f:expr) => {
        $query
            .bind(&$f.url)
            .bind(&$f.final_url)
            .bind(&$f.fetched_at)
            .bind($f.elapsed_ms)
            .bind($f.status)
            .bind(&$f.error)
            .bind($f.change)
            .bind(&$f.redirects_json)
            .bind(&$f.request_headers_json)
            .bind(&$f.response_headers_json)
            .bind(&$f.etag)
            .bind(&$f.last_modified)
            .bind(&$f.content_type)
            .bind(&$f.encoding)
            .bind(&$f.encoding_source)
    };
}

/// One fetch on SQLite: its body, fetch row, URL state, links and new frontier URLs. The
/// links and URLs go as one JSON array each so that the text, and so its prepared form, is
/// the same for every fetch. Parameters are numbered from 1 + `FETCH_PARAMS` × slot.
const RECORD_FETCH_SQLITE: &str = "\
INSERT INTO bodies (sha256, size, codec, data) SELECT $1, $2, 'zstd', $3 \
  WHERE $1 IS NOT NULL AND $2 IS NOT NULL AND $3 IS NOT NULL ON CONFLICT(sha256) DO NOTHING; \
INSERT INTO fetches (run_id, url_id, url, final_url, fetched_at, elapsed_ms, status, error, change, redirects, \
  request_headers, response_headers, etag, last_modified, content_type, encoding, encoding_source, body_size, sha256) \
  VALUES ($4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $2, $1); \
UPDATE urls SET state = $21, attempts = $22, next_try_ms = $23, last_error = $11, \
  etag = CASE WHEN $24 THEN $16 ELSE etag END, \
  last_modified = CASE WHEN $24 THEN $17 ELSE last_modified END, \
  last_sha256 = CASE WHEN $24 THEN $1 ELSE last_sha256 END, \
  last_status = CASE WHEN $24 THEN $10 ELSE last_status END, \
  last_fetch_id = last_insert_rowid(), claimed_by = NULL, lease_until_ms = NULL WHERE id = $5; \
INSERT INTO links (fetch_id, to_url, anchor, kind, in_scope, skipped) \
  SELECT (SELECT last_fetch_id FROM urls WHERE id = $5), value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 \
  FROM jsonb_each($25); \
INSERT INTO urls (site_id, url, origin, kind, depth, discovered_from, state, calendar_steps) \
  SELECT $26, value ->> 0, value ->> 1, value ->> 2, value ->> 3, $5, 'queued', value ->> 4 \
  FROM jsonb_each($27) WHERE true ON CONFLICT(site_id, url) DO NOTHING;";
const FETCH_PARAMS: usize = 27;

/// Fetches written per SQLite call, largest first. Each call is a round trip to sqlx's SQLite
/// thread, and those wake-ups, not SQLite's own work, were most of the writer's cost; the
/// statements of a group run in order, exactly as they would one call at a time. Three fixed
/// sizes keep three prepared texts.
const SQLITE_GROUPS: [usize; 3] = [16, 4, 1];

/// Each group size with its text: the single-fetch text that many times, each copy with its
/// own parameters.
fn group_texts() -> &'static [(usize, String)] {
    static TEXTS: std::sync::LazyLock<Vec<(usize, String)>> = std::sync::LazyLock::new(|| {
        SQLITE_GROUPS
            .iter()
            .map(|&n| {
                let text = (0..n)
                    .map(|slot| renumber(RECORD_FETCH_SQLITE, slot * FETCH_PARAMS))
                    .collect::<Vec<_>>()
                    .join("\n");
                (n, text)
            })
            .collect()
    });
    &TEXTS
}

/// `$N` → `$(N + offset)` throughout `sql` (which has no `$` inside quotes).
fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        out.push(ch);
        if ch != '$' {
            continue;
        }
        let mut number = 0usize;
        while let Some(&(_, digit)) = chars.peek() {
            let Some(d) = digit.to_digit(10) else { break };
            number = number * 10 + d as usize;
            chars.next();
        }
        out.push_str(&(number + offset).to_string());
    }
    out
}

/// A fetch record that can go in a SQLite group: one of a frontier URL (robots.txt, which has
/// no URL row yet, takes the general path).
fn sqlite_groupable(op: &WriteOp) -> Option<&NewFetch> {
    match op {
        WriteOp::Record(f) if f.url_id != 0 => Some(f),
        _ => None,
    }
}

/// Writes fetches on SQLite in as few calls as the group sizes allow.
async fn record_fetches_sqlite(c: &mut sqlx::SqliteConnection, fetches: &[&NewFetch]) -> Result<(), StoreError> {
    let mut rest = fetches;
    // The largest group that fits; the sizes end with 1, so one always does.
    while let Some((n, text)) = group_texts().iter().find(|(n, _)| *n <= rest.len()) {
        let mut query = sqlx::query(text.as_str());
        for f in &rest[..*n] {
            query = bind_fetch(query, f)?;
        }
        query.execute(&mut *c).await?;
        rest = &rest[*n..];
    }
    Ok(())
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

fn bind_fetch<'q>(query: SqliteQuery<'q>, f: &'q NewFetch) -> Result<SqliteQuery<'q>, StoreError> {
    let links: Vec<_> = f
        .links
        .iter()
        .map(|l| (&l.to_url, &l.anchor, l.kind, i64::from(l.is_in_scope), &l.skipped))
        .collect();
    let new_urls: Vec<_> = f
        .new_urls
        .iter()
        .map(|u| (&u.url, &u.origin, u.kind, u.depth, u.calendar_steps))
        .collect();
    let links = serde_json::to_string(&links).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let new_urls = serde_json::to_string(&new_urls).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let query = query
        .bind(&f.sha256)
        .bind(f.body_size)
        .bind(&f.compressed_body)
        .bind(f.run_id)
        .bind(f.url_id);
    Ok(bind_fetch_row!(query, f)
        .bind(f.url_state)
        .bind(f.attempts)
        .bind(f.next_try_ms)
        .bind(f.updates_validators)
        .bind(links)
        .bind(f.site_id)
        .bind(new_urls))
}

async fn record_fetch(conn: &mut Conn, f: &NewFetch) -> Result<(), StoreError> {
    // A URL outside the frontier (robots.txt) gets its row here.
    let mut url_id = f.url_id;
    on_conn!(&mut *conn, |c| {
        if let (Some(sha), Some(data), Some(size)) = (&f.sha256, &f.compressed_body, f.body_size) {
            sqlx::query(
            "INSERT INTO bodies (sha256, size, codec, data) VALUES ($1, $2, 'zstd', $3) ON CONFLICT(sha256) DO NOTHING",
        )
        .bind(sha)
        .bind(size)
        .bind(data)
        .execute(&mut **c)
        .await?;
        }
        if url_id == 0 {
            url_id = sqlx::query(
                "INSERT INTO urls (site_id, url, origin, kind, depth, state) VALUES ($1, $2, $3, $4, 0, 'done') \
             ON CONFLICT(site_id, url) DO UPDATE SET state = 'done' RETURNING id",
            )
            .bind(f.site_id)
            .bind(&f.url)
            .bind(&f.origin)
            .bind(f.kind)
            .fetch_one(&mut **c)
            .await?
            .get(0);
        }
        let query = sqlx::query(
            "INSERT INTO fetches (run_id, url_id, url, final_url, fetched_at, elapsed_ms, status, error, change, redirects, \
           request_headers, response_headers, etag, last_modified, content_type, encoding, encoding_source, body_size, sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        );
        let query = query.bind(f.run_id).bind(url_id);
        let fetch_id: i64 = bind_fetch_row!(query, f)
            .bind(f.body_size)
            .bind(&f.sha256)
            .fetch_one(&mut **c)
            .await?
            .get(0);
        if f.updates_validators {
            sqlx::query(
            "UPDATE urls SET state = $1, attempts = $2, next_try_ms = $3, last_error = $4, etag = $5, last_modified = $6, \
               last_sha256 = $7, last_status = $8, last_fetch_id = $9, claimed_by = NULL, lease_until_ms = NULL WHERE id = $10",
        )
        .bind(f.url_state)
        .bind(f.attempts)
        .bind(f.next_try_ms)
        .bind(&f.error)
        .bind(&f.etag)
        .bind(&f.last_modified)
        .bind(&f.sha256)
        .bind(f.status)
        .bind(fetch_id)
        .bind(url_id)
        .execute(&mut **c)
        .await?;
        } else {
            sqlx::query(
                "UPDATE urls SET state = $1, attempts = $2, next_try_ms = $3, last_error = $4, last_fetch_id = $5, \
               claimed_by = NULL, lease_until_ms = NULL WHERE id = $6",
            )
            .bind(f.url_state)
            .bind(f.attempts)
            .bind(f.next_try_ms)
            .bind(&f.error)
            .bind(fetch_id)
            .bind(url_id)
            .execute(&mut **c)
            .await?;
        }
        for chunk in f.links.chunks(150) {
            let mut builder =
                QueryBuilder::new("INSERT INTO links (fetch_id, to_url, anchor, kind, in_scope, skipped) ");
            builder.push_values(chunk, |mut row, link| {
                row.push_bind(fetch_id)
                    .push_bind(&link.to_url)
                    .push_bind(&link.anchor)
                    .push_bind(link.kind)
                    .push_bind(i64::from(link.is_in_scope))
                    .push_bind(&link.skipped);
            });
            builder.build().execute(&mut **c).await?;
        }
    });
    insert_urls(conn, f.site_id, Some(url_id), &f.new_urls).await
}

async fn insert_urls(
    conn: &mut Conn,
    site_id: i64,
    from_url_id: Option<i64>,
    urls: &[NewUrl],
) -> Result<(), StoreError> {
    on_conn!(conn, |c| {
        for chunk in urls.chunks(120) {
            let mut builder = QueryBuilder::new(
                "INSERT INTO urls (site_id, url, origin, kind, depth, discovered_from, state, calendar_steps) ",
            );
            builder.push_values(chunk, |mut row, url| {
                row.push_bind(site_id)
                    .push_bind(&url.url)
                    .push_bind(&url.origin)
                    .push_bind(url.kind)
                    .push_bind(url.depth)
                    .push_bind(from_url_id)
                    .push_bind("queued")
                    .push_bind(url.calendar_steps);
            });
            builder.push(" ON CONFLICT(site_id, url) DO NOTHING");
            builder.build().execute(&mut **c).await?;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Pool, Store};

    #[test]
    fn parameters_are_renumbered_for_each_slot() {
        assert_eq!(renumber("a $1, $27 b $3;", 27), "a $28, $54 b $30;");
        assert_eq!(renumber("no parameters", 54), "no parameters");
        for (n, text) in group_texts() {
            let last = n * FETCH_PARAMS;
            assert!(
                text.contains(&format!("${last}")) && !text.contains(&format!("${}", last + 1)),
                "{n} slots of {FETCH_PARAMS} parameters"
            );
        }
        assert_eq!(
            group_texts().last().map(|(n, _)| *n),
            Some(1),
            "any number of fetches fits"
        );
    }

    /// Fetches written 16, 4 and 1 to a call must leave the rows one call per fetch would:
    /// a URL fetched several times in one group keeps its last fetch, and every link and new
    /// URL hangs on its own fetch.
    #[tokio::test]
    async fn grouped_sqlite_writes_keep_the_order_of_single_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db").to_str().unwrap()).await.unwrap();
        let site = store.upsert_site("http://h", "http://h/").await.unwrap();
        let run = store.start_run(site.id, "{}", "http://h/", "http://h").await.unwrap();
        let writer = store.writer(64).await.unwrap();
        let page = |i: usize| NewUrl {
            url: format!("http://h/p{i}"),
            origin: "http://h".into(),
            kind: "page",
            depth: 1,
            calendar_steps: 0,
        };
        writer
            .send(WriteOp::AddUrls {
                site_id: site.id,
                from_url_id: None,
                urls: (0..5).map(page).collect(),
            })
            .await
            .unwrap();
        let claimed = writer.claim(site.id, i64::MAX / 2, 100, None).await.unwrap().urls;
        assert_eq!(claimed.len(), 6, "the seed and five pages");
        let total = 23; // groups of 16, 4, 1, 1 and 1
        for i in 0..total {
            let url = &claimed[i % claimed.len()];
            let sha = format!("{:064}", i % 7); // bodies repeat: stored once each
            let record = NewFetch {
                site_id: site.id,
                run_id: run,
                url_id: url.id,
                origin: "http://h".into(),
                kind: "page",
                url: url.url.clone(),
                final_url: url.url.clone(),
                fetched_at: format!("{i:02}"),
                status: Some(200),
                change: "new",
                redirects_json: "[]".into(),
                request_headers_json: "[]".into(),
                response_headers_json: "[]".into(),
                etag: Some(format!("e{i}")),
                body_size: Some(1),
                sha256: Some(sha),
                compressed_body: Some(vec![1]),
                links: vec![
                    NewLink {
                        to_url: format!("http://h/l{i}a"),
                        anchor: Some(format!("链接 {i}")),
                        kind: "a",
                        is_in_scope: true,
                        skipped: None,
                    },
                    NewLink {
                        to_url: format!("http://h/l{i}b"),
                        anchor: None,
                        kind: "iframe",
                        is_in_scope: false,
                        skipped: Some("trap".into()),
                    },
                ],
                new_urls: vec![page(100 + i)],
                url_state: "done",
                attempts: i as i64,
                updates_validators: true,
                ..NewFetch::default()
            };
            writer.send(WriteOp::Record(Box::new(record))).await.unwrap();
        }
        writer.finish().await.unwrap();
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite store")
        };
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool);
        assert_eq!(count("SELECT COUNT(*) FROM fetches").await.unwrap(), total as i64);
        assert_eq!(count("SELECT COUNT(*) FROM bodies").await.unwrap(), 7);
        // Every link on the fetch it was found by.
        type LinkRow = (String, String, Option<String>, String, i64, Option<String>);
        let links: Vec<LinkRow> = sqlx::query_as(
            "SELECT f.fetched_at, l.to_url, l.anchor, l.kind, l.in_scope, l.skipped FROM links l \
             JOIN fetches f ON f.id = l.fetch_id ORDER BY l.rowid",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(links.len(), 2 * total);
        for (n, (fetched_at, to_url, anchor, kind, in_scope, skipped)) in links.iter().enumerate() {
            let i: usize = fetched_at.parse().unwrap();
            assert_eq!(i, n / 2, "links in the order they were written");
            if n % 2 == 0 {
                assert_eq!(to_url, &format!("http://h/l{i}a"));
                assert_eq!(anchor.as_deref(), Some(format!("链接 {i}").as_str()));
                assert_eq!((kind.as_str(), *in_scope, skipped.as_deref()), ("a", 1, None));
            } else {
                assert_eq!(to_url, &format!("http://h/l{i}b"));
                assert_eq!((anchor.as_deref(), kind.as_str(), *in_scope), (None, "iframe", 0));
                assert_eq!(skipped.as_deref(), Some("trap"));
            }
        }
        // Each URL ends with its last fetch.
        for (k, url) in claimed.iter().enumerate() {
            let last = (0..total).filter(|i| i % claimed.len() == k).max().unwrap();
            let (state, attempts, etag, fetched_at): (String, i64, Option<String>, String) = sqlx::query_as(
                "SELECT u.state, u.attempts, u.etag, f.fetched_at FROM urls u JOIN fetches f ON f.id = u.last_fetch_id \
                 WHERE u.id = $1",
            )
            .bind(url.id)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!((state.as_str(), attempts), ("done", last as i64));
            assert_eq!(etag, Some(format!("e{last}")));
            assert_eq!(fetched_at, format!("{last:02}"));
        }
        // New URLs queued, each found by the URL of its fetch.
        for i in 0..total {
            let from: Option<i64> =
                sqlx::query_scalar("SELECT discovered_from FROM urls WHERE url = $1 AND state = 'queued'")
                    .bind(format!("http://h/p{}", 100 + i))
                    .fetch_one(pool)
                    .await
                    .unwrap();
            assert_eq!(from, Some(claimed[i % claimed.len()].id));
        }
    }
}
