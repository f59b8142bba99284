//! The store: the only module that runs SQL.
//!
//! SQLite by default (WAL, a busy timeout, one writer task), opened from a path or a
//! `sqlite://` URL; PostgreSQL from a `postgres://` URL, for stores shared by many machines.
//! Both run the same queries (`$N` placeholders, SQL both dialects accept), written once and
//! compiled for each backend by `on_pool!`; the few statements the dialects spell differently
//! pick their text with `Store::dialect`. Every crawl fact lives here — the frontier, hosts, fetches with their
//! compressed bodies, links — so a killed process loses nothing already committed and each
//! later stage can be rerun from the store alone. Queries are checked at run time
//! (`sqlx::query`), never by the build-time macros, so no database is needed to compile.

/// Runs `$body` with `$p` bound to the store's concrete pool (`&SqlitePool` or `&PgPool`): each
/// query is written once and compiled for both backends.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

mod assess_data;
mod export_data;
mod facts;
mod history;
pub mod lock;
mod office;
mod queries;
mod workers;
mod writer;

pub use assess_data::{AssessPage, DetailKey, StoredDetail, UrlOutcome};
pub use export_data::StoredFetch;
pub use facts::{BodyRef, FactsRow};
pub use history::{AssessmentRow, FirstSeen, ListSnapshot, PruneReport, Sighting};
pub use office::{MAX_EVIDENCE_FILE, ManualEntry, NewManual, Rectification, SentNotice, SentProblem, StoredManual};
pub use queries::{ClaimedUrl, FetchRow, HostRow, RunRow, RunSummary, SiteRow};
pub use writer::{ClaimBatch, HostUpdate, Lease, NewFetch, NewLink, NewUrl, WriteOp, Writer};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // sqlx's own text follows; the causes are not repeated after it.
    #[error("cannot open the store `{location}`: {source}")]
    Open { location: String, source: sqlx::Error },
    #[error("cannot prepare the store `{location}`: {source}")]
    Migrate {
        location: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("there is no store at `{0}`; crawl a site first (`zwgk crawl <URL> --db {0}`) or pass --db")]
    Missing(String),
    #[error("`{0}` is not a zwgk store: {1}")]
    Foreign(String, String),
    #[error(
        "the store `{location}` was written by a newer zwgk (schema {found}; this zwgk knows schema {known}); upgrade zwgk to read it"
    )]
    Newer { location: String, found: i64, known: i64 },
    #[error(
        "the store `{location}` has schema {found} and this zwgk needs schema {known}; run `zwgk extract --db {location}` once to upgrade it (reading commands never write to a store)"
    )]
    Older { location: String, found: i64, known: i64 },
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored body `{sha256}` cannot be decompressed: {reason}")]
    Body { sha256: String, reason: String },
    #[error("the store writer has stopped")]
    WriterGone,
    #[error("another zwgk crawl (process {pid}) is using the store `{location}`; wait for it to end or stop it")]
    Locked { location: String, pid: String },
    #[error(
        "`{0}` is a SQLite store: crawl workers share one crawl through a PostgreSQL store (--db postgres://…); without --worker one crawl uses a SQLite store"
    )]
    WorkersNeedPostgres(String),
    #[error("cannot lock the store `{location}` for crawling: {source}")]
    Lock { location: String, source: std::io::Error },
}

impl StoreError {
    /// PostgreSQL aborted the transaction to break a deadlock or a serialization conflict:
    /// applying the same writes again succeeds.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Query(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40P01") | Some("40001"))
            }
            _ => false,
        }
    }

    /// SQLite's "database is locked" (SQLITE_BUSY and its extended codes).
    pub fn is_busy(&self) -> bool {
        let source = match self {
            StoreError::Open { source, .. } | StoreError::Query(source) => source,
            StoreError::Migrate {
                source: sqlx::migrate::MigrateError::Execute(source),
                ..
            } => source,
            _ => return false,
        };
        match source {
            sqlx::Error::Database(db) => db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| c & 0xff == 5),
            _ => false,
        }
    }
}

/// A handle on the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    location: String,
}

/// The backend a store lives on.
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Whether a location names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// What a store file holds.
enum Schema {
    Empty,
    Foreign(String),
    Version(i64),
}

/// The migrations this zwgk applies, embedded at build time: one directory per backend, with
/// the same versions.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The file behind a SQLite location (`PATH`, `sqlite:PATH`, `sqlite://PATH?…`); `None` for an
/// in-memory store.
pub fn file_of(location: &str) -> Option<PathBuf> {
    if is_postgres(location) {
        return None;
    }
    let path = match location
        .strip_prefix("sqlite://")
        .or_else(|| location.strip_prefix("sqlite:"))
    {
        Some(rest) => rest.split('?').next().unwrap_or(rest),
        None => location,
    };
    (path != ":memory:" && !path.is_empty()).then(|| PathBuf::from(path))
}

fn base_options(location: &str) -> Result<SqliteConnectOptions, StoreError> {
    if location.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(location).map_err(|source| StoreError::Open {
            location: location.to_string(),
            source,
        })
    } else {
        Ok(SqliteConnectOptions::new().filename(PathBuf::from(location)))
    }
}

impl Store {
    /// Opens (creating if needed) the store at a path or URL and applies migrations: for the
    /// commands that write (crawl, extract, audit). A file that holds another application's
    /// tables, or a newer zwgk's schema, is refused before anything is written to it.
    pub async fn open(location: &str) -> Result<Store, StoreError> {
        // Another process creating or upgrading the same new store holds it for a moment, and
        // SQLite may answer "locked" without waiting while it switches the file to WAL: retry
        // for a few seconds rather than fail a crawl that started at the same moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match Store::open_once(location).await {
                Err(e) if e.is_busy() && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                done => return done,
            }
        }
    }

    async fn open_once(location: &str) -> Result<Store, StoreError> {
        if is_postgres(location) {
            return Store::open_postgres(location).await;
        }
        // Look before writing anything: opening in WAL mode rewrites the file's header, so a
        // file that is not ours is refused from a read-only look first.
        if let Some(path) = file_of(location)
            && path.metadata().is_ok_and(|m| m.len() > 0)
        {
            let look = Store::connect_read(location, true).await?;
            let schema = look.schema().await;
            look.close().await;
            match schema? {
                Schema::Foreign(why) => return Err(StoreError::Foreign(location.to_string(), why)),
                Schema::Version(found) if found > store_schema() => {
                    return Err(StoreError::Newer {
                        location: location.to_string(),
                        found,
                        known: store_schema(),
                    });
                }
                _ => {}
            }
        }
        let options = base_options(location)?
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
        let store = Store {
            pool: Pool::Sqlite(pool),
            location: location.to_string(),
        };
        if store.needs_migration().await? {
            let _guard = lock::migration_guard(location).await?;
            // Another process may have migrated while this one waited.
            if store.needs_migration().await? {
                store.migrate().await?;
            }
        }
        Ok(store)
    }

    /// A PostgreSQL store: the database must exist (the operator creates it); zwgk creates its
    /// tables. sqlx's migrator holds an advisory lock while it migrates, so two first runs do
    /// not both create them.
    async fn open_postgres(location: &str) -> Result<Store, StoreError> {
        let store = Store::connect_postgres(location, false).await?;
        let checked = async {
            if let Schema::Version(found) = store.schema().await?
                && found > store_schema()
            {
                return Err(StoreError::Newer {
                    location: location.to_string(),
                    found,
                    known: store_schema(),
                });
            }
            if store.needs_migration().await? {
                store.migrate().await?;
            }
            Ok(())
        }
        .await;
        match checked {
            Ok(()) => Ok(store),
            Err(e) => {
                store.close().await;
                Err(e)
            }
        }
    }

    async fn connect_postgres(location: &str, read_only: bool) -> Result<Store, StoreError> {
        let open_error = |source| StoreError::Open {
            location: location.to_string(),
            source,
        };
        let mut options = PgConnectOptions::from_str(location).map_err(open_error)?;
        if read_only {
            // Reading commands never write, on PostgreSQL too: the server refuses any write.
            options = options.options([("default_transaction_read_only", "on")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(open_error)?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            location: location.to_string(),
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrated = match &self.pool {
            Pool::Sqlite(p) => MIGRATOR.run(p).await,
            Pool::Postgres(p) => PG_MIGRATOR.run(p).await,
        };
        migrated.map_err(|source| StoreError::Migrate {
            location: self.location.clone(),
            source,
        })
    }

    /// The migrations of this store's backend.
    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.pool {
            Pool::Sqlite(_) => &MIGRATOR,
            Pool::Postgres(_) => &PG_MIGRATOR,
        }
    }

    /// Whether the store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// The text of a statement the two dialects spell differently.
    fn dialect<'a>(&self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        match self.pool {
            Pool::Sqlite(_) => sqlite,
            Pool::Postgres(_) => postgres,
        }
    }

    async fn needs_migration(&self) -> Result<bool, StoreError> {
        Ok(match self.schema().await? {
            Schema::Empty => true,
            Schema::Version(v) => v < store_schema(),
            Schema::Foreign(why) => return Err(StoreError::Foreign(self.location.clone(), why)),
        })
    }

    /// Opens an existing store for reading only: nothing is created, migrated or written, so
    /// any file given as `--db` stays as it was. A store on read-only media (an archived
    /// evidence copy) is opened immutable.
    pub async fn open_read(location: &str) -> Result<Store, StoreError> {
        let file = file_of(location);
        if is_postgres(location) {
            let store = Store::connect_postgres(location, true).await?;
            return store.refuse_unless_current(location).await;
        }
        if let Some(path) = &file
            && !path.is_file()
        {
            return Err(StoreError::Missing(location.to_string()));
        }
        // SQLite needs to write the `-shm` beside a WAL store even to read it; where it cannot
        // (read-only media, a read-only copy) the store is opened immutable.
        let writable = file.as_ref().is_none_or(|path| {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            can_write(path) && can_write(dir)
        });
        Store::connect_read(location, writable)
            .await?
            .refuse_unless_current(location)
            .await
    }

    /// The store when it holds zwgk's schema at this zwgk's version; closed and refused
    /// otherwise.
    async fn refuse_unless_current(self, location: &str) -> Result<Store, StoreError> {
        let store = self;
        let schema = match store.schema().await {
            Ok(schema) => schema,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let refused = match schema {
            Schema::Empty => Some(StoreError::Foreign(
                location.to_string(),
                "it has no zwgk schema (an empty file, or an empty database)".to_string(),
            )),
            Schema::Foreign(why) => Some(StoreError::Foreign(location.to_string(), why)),
            Schema::Version(found) if found > store_schema() => Some(StoreError::Newer {
                location: location.to_string(),
                found,
                known: store_schema(),
            }),
            Schema::Version(found) if found < store_schema() => Some(StoreError::Older {
                location: location.to_string(),
                found,
                known: store_schema(),
            }),
            Schema::Version(_) => None,
        };
        match refused {
            Some(e) => {
                store.close().await;
                Err(e)
            }
            None => Ok(store),
        }
    }

    /// A read-only pool, immutable when the file's place cannot be written.
    async fn connect_read(location: &str, writable: bool) -> Result<Store, StoreError> {
        let options = base_options(location)?
            .read_only(true)
            .create_if_missing(false)
            .immutable(!writable)
            .busy_timeout(Duration::from_secs(30))
            // Reads stream through tables or look rows up by key; the OS caches the file.
            // SQLite's default page cache (2 MB per connection) held 15 MB of a 200k-page
            // assessment's peak across the pool and the detail reader.
            .pragma("cache_size", "-512");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                location: location.to_string(),
                source,
            })?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            location: location.to_string(),
        })
    }

    /// What the file holds: nothing yet, another application's tables, or zwgk's schema at
    /// a version (its newest migration).
    async fn schema(&self) -> Result<Schema, StoreError> {
        let tables_sql = self.dialect(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        );
        let tables: Vec<String> = on_pool!(self, |p| sqlx::query_scalar(tables_sql).fetch_all(p).await)
            .map_err(|source| self.open_error(source))?;
        if !tables.iter().any(|t| t == "_sqlx_migrations") {
            return Ok(if tables.is_empty() {
                Schema::Empty
            } else {
                Schema::Foreign(format!(
                    "it holds other tables ({}); give zwgk a file of its own",
                    tables.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                ))
            });
        }
        let applied: Vec<(i64, Vec<u8>)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(p)
                .await?
        });
        // The same version with another checksum is another application's sqlx migrations.
        for (version, checksum) in &applied {
            if let Some(ours) = self.migrator().iter().find(|m| m.version == *version)
                && ours.checksum.as_ref() != checksum.as_slice()
            {
                return Ok(Schema::Foreign(format!("its migration {version} is not zwgk's")));
            }
        }
        Ok(applied.last().map_or(Schema::Empty, |(v, _)| Schema::Version(*v)))
    }

    fn open_error(&self, source: sqlx::Error) -> StoreError {
        StoreError::Open {
            location: self.location.clone(),
            source,
        }
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// The store's file, `None` in memory.
    pub fn file(&self) -> Option<PathBuf> {
        file_of(&self.location)
    }

    /// Starts the single writer task. All crawl writes go through it.
    pub async fn writer(&self, capacity: usize) -> Result<Writer, StoreError> {
        let conn = match &self.pool {
            Pool::Sqlite(p) => writer::Conn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => writer::Conn::Postgres(p.acquire().await?),
        };
        Ok(Writer::spawn(conn, capacity))
    }

    /// Takes the store's crawl lock: one crawler per store. Released when dropped, and when the
    /// process dies (by the operating system for a file's flock, by the server for a
    /// PostgreSQL session's advisory lock), so a killed crawl never leaves it held.
    pub async fn lock_for_crawl(&self) -> Result<lock::CrawlLock, StoreError> {
        match &self.pool {
            Pool::Sqlite(_) => lock::CrawlLock::take(&self.location),
            Pool::Postgres(_) => lock::CrawlLock::take_postgres(&self.location, false).await,
        }
    }

    /// The lock crawl workers share: any number of workers, and no crawl without `--worker`,
    /// at a time. Workers share a run through the database, so they need PostgreSQL.
    pub async fn lock_for_worker(&self) -> Result<lock::CrawlLock, StoreError> {
        match &self.pool {
            Pool::Sqlite(_) => Err(StoreError::WorkersNeedPostgres(self.location.clone())),
            Pool::Postgres(_) => lock::CrawlLock::take_postgres(&self.location, true).await,
        }
    }

    /// The backend's own check: SQLite's `integrity_check` of the whole file, `["ok"]` when
    /// the store is sound; PostgreSQL checks its pages itself, and answers `ok` when it serves.
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar("PRAGMA integrity_check").fetch_all(p).await?,
            Pool::Postgres(p) => sqlx::query_scalar("SELECT 'ok'::text").fetch_all(p).await?,
        })
    }

    pub async fn close(self) {
        match self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// The schema version this zwgk writes: its newest migration.
pub fn store_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Whether this process may write `path`: access(2), which also answers for a read-only
/// mount. Opening the file to find out would not do: closing any descriptor of a SQLite file
/// drops the locks this process's connections hold on it.
fn can_write(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
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

#[cfg(test)]
mod tests {
    /// Reading connections keep a small page cache: a large assessment holds several of them
    /// open (the pool and the detail reader), and at SQLite's 2 MB each they were 15 MB of a
    /// 200,000-page assessment's peak. Writing connections keep their larger cache.
    #[tokio::test]
    async fn reading_connections_keep_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("store.db").display().to_string();
        let cache = |store: &super::Store| {
            let super::Pool::Sqlite(pool) = &store.pool else {
                unreachable!("a file store")
            };
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("PRAGMA cache_size")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let writer = super::Store::open(&location).await.unwrap();
        assert_eq!(cache(&writer).await, -16000);
        let reader = super::Store::open_read(&location).await.unwrap();
        assert_eq!(cache(&reader).await, -512);
        reader.close().await;
        writer.close().await;
    }

    /// The store is the only module that runs SQL: a second backend (PostgreSQL) then needs
    /// its queries in one place, and nothing else can reach the pool.
    #[test]
    fn no_module_outside_the_store_runs_sql() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let offenders: Vec<String> = files
            .iter()
            .filter(|f| !f.starts_with(src.join("store")))
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                ["sqlx::query", ".pool()", "SqlitePool"]
                    .iter()
                    .any(|needle| text.contains(needle))
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(offenders.is_empty(), "SQL outside src/store: {offenders:?}");
    }
}
