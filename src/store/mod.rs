//! The store: the only module that runs SQL.
//!
//! SQLite by default (WAL, a busy timeout, one writer task), opened from a path or a
//! `sqlite://` URL. Every crawl fact lives here — the frontier, hosts, fetches with their
//! compressed bodies, links — so a killed process loses nothing already committed and each
//! later stage can be rerun from the store alone. Queries are checked at run time
//! (`sqlx::query`), never by the build-time macros, so no database is needed to compile.

mod assess_data;
mod facts;
mod queries;
mod writer;

pub use assess_data::{AssessPage, PageLink, UrlOutcome};
pub use facts::{BodyRef, FactsRow};
pub use queries::{ClaimedUrl, FetchRow, HostRow, RunRow, RunSummary, SiteRow};
pub use writer::{ClaimBatch, HostUpdate, NewFetch, NewLink, NewUrl, WriteOp, Writer};

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store `{location}`: {source}")]
    Open { location: String, source: sqlx::Error },
    #[error("cannot migrate the store `{location}`: {source}")]
    Migrate {
        location: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("`{0}`: PostgreSQL stores are not supported yet; use a SQLite path")]
    Unsupported(String),
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored body `{sha256}` cannot be decompressed: {reason}")]
    Body { sha256: String, reason: String },
    #[error("the store writer has stopped")]
    WriterGone,
    #[error("another crawl of `{origin}` is running in process {pid}; wait for it or stop it")]
    Locked { origin: String, pid: i64 },
}

/// A handle on the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    location: String,
}

impl Store {
    /// Opens (creating if needed) the store at a path or URL and applies migrations.
    pub async fn open(location: &str) -> Result<Store, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Err(StoreError::Unsupported(location.to_string()));
        }
        let options = if location.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(location).map_err(|source| StoreError::Open {
                location: location.to_string(),
                source,
            })?
        } else {
            SqliteConnectOptions::new().filename(PathBuf::from(location))
        }
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL in WAL mode survives a killed process; only an OS crash can lose the last commits.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true)
        .pragma("cache_size", "-16000");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                location: location.to_string(),
                source,
            })?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                location: location.to_string(),
                source,
            })?;
        Ok(Store {
            pool,
            location: location.to_string(),
        })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts the single writer task. All crawl writes go through it.
    pub async fn writer(&self, capacity: usize) -> Result<Writer, StoreError> {
        let conn = self.pool.acquire().await?;
        Ok(Writer::spawn(conn, capacity))
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

thread_local! {
    // A compression context per thread: building one per body costs more than compressing it.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> = const { std::cell::RefCell::new(None) };
}

/// Compresses a body for storage.
pub fn compress_body(body: &[u8]) -> Vec<u8> {
    // Level 3 is zstd's default: ~300 MB/s on one core, well ahead of the crawl.
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::new(3).ok();
        }
        match slot.as_mut() {
            Some(compressor) => compressor.compress(body).ok(),
            None => None,
        }
        .unwrap_or_else(|| zstd::bulk::compress(body, 3).expect("zstd compression of an in-memory buffer cannot fail"))
    })
}

pub fn decompress_body(sha256: &str, data: &[u8], size: usize) -> Result<Vec<u8>, StoreError> {
    zstd::bulk::decompress(data, size.max(1)).map_err(|e| StoreError::Body {
        sha256: sha256.to_string(),
        reason: e.to_string(),
    })
}
