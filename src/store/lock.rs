//! One crawler per store, and one migration at a time.
//!
//! A SQLite store `PATH` has a lock file `PATH-lock` beside its `-wal` and `-shm`. A crawl holds
//! an exclusive `flock` on it for its whole run; the operating system drops the lock when the
//! process ends however it ends, so a killed crawl never leaves a stale lock (a pid in the
//! runs table can be reused by another process; a flock cannot outlive its owner). A second
//! crawl is refused at once with the first one's process id. Migrating a new or older store
//! takes the same lock briefly, so two first runs on a new store do not both create tables.
//!
//! The lock is a separate file, never the database itself: closing any descriptor of a SQLite
//! file drops the POSIX locks the process's connections hold on it.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read as _, Seek as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use super::{StoreError, file_of};

/// `PATH-lock` for a file store; `None` in memory.
fn lock_path(location: &str) -> Option<PathBuf> {
    let file = file_of(location)?;
    let mut name = file.file_name()?.to_os_string();
    name.push("-lock");
    Some(file.with_file_name(name))
}

fn open_lock(location: &str, path: &PathBuf) -> Result<File, StoreError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| StoreError::Lock {
            location: location.to_string(),
            source,
        })
}

/// The crawl lock of a store, held until dropped.
#[derive(Debug)]
pub struct CrawlLock {
    _file: Option<File>,
    /// On PostgreSQL: the session that holds the advisory lock. A connection of its own, not
    /// the pool's, so the lock ends with it.
    _session: Option<sqlx::PgConnection>,
}

/// The advisory lock key of zwgk's crawl lock: one crawl per PostgreSQL database (the store).
/// The bytes of "zwgkcrwl".
const PG_CRAWL_LOCK: i64 = 0x7a77_676b_6372_776c;

impl CrawlLock {
    pub(super) fn take(location: &str) -> Result<CrawlLock, StoreError> {
        let Some(path) = lock_path(location) else {
            return Ok(CrawlLock {
                _file: None,
                _session: None,
            });
        };
        let mut file = open_lock(location, &path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let pid = holder.trim();
                return Err(StoreError::Locked {
                    location: location.to_string(),
                    pid: if pid.is_empty() {
                        "unknown".to_string()
                    } else {
                        pid.to_string()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Lock {
                    location: location.to_string(),
                    source,
                });
            }
        }
        // The holder's pid, for the message a second crawl prints.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        if let Err(source) = written {
            return Err(StoreError::Lock {
                location: location.to_string(),
                source,
            });
        }
        Ok(CrawlLock {
            _file: Some(file),
            _session: None,
        })
    }
}

impl CrawlLock {
    /// PostgreSQL: a session-level advisory lock on the store's database, held by a dedicated
    /// connection. The server releases it when the connection ends, however the process ends.
    /// Crawl workers (`crawl --worker`) share it; a crawl without `--worker` holds it alone.
    pub(super) async fn take_postgres(location: &str, shared: bool) -> Result<CrawlLock, StoreError> {
        use sqlx::Connection as _;
        let open_error = |source| StoreError::Open {
            location: location.to_string(),
            source,
        };
        let mut session = sqlx::PgConnection::connect(location).await.map_err(open_error)?;
        let take = if shared {
            "SELECT pg_try_advisory_lock_shared($1)"
        } else {
            "SELECT pg_try_advisory_lock($1)"
        };
        let taken: bool = sqlx::query_scalar(take)
            .bind(PG_CRAWL_LOCK)
            .fetch_one(&mut session)
            .await?;
        if !taken {
            // The holder's process id on its own machine is not known here; the server's
            // backend pid of its session is, and `pg_stat_activity` shows its client address.
            let holder: Option<i32> = sqlx::query_scalar(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
                 AND objid = ($1 & 4294967295)::oid AND classid = (($1 >> 32) & 4294967295)::oid LIMIT 1",
            )
            .bind(PG_CRAWL_LOCK)
            .fetch_optional(&mut session)
            .await
            .ok()
            .flatten();
            return Err(StoreError::Locked {
                location: location.to_string(),
                pid: holder.map_or_else(|| "unknown".to_string(), |pid| format!("PostgreSQL session {pid}")),
            });
        }
        Ok(CrawlLock {
            _file: None,
            _session: Some(session),
        })
    }
}

/// Waits (up to a minute) for the lock in order to migrate. Another process that holds it
/// is a crawl of the current schema or a migration about to finish; the caller checks the
/// schema again once it has the lock.
pub(super) async fn migration_guard(location: &str) -> Result<Option<File>, StoreError> {
    let Some(path) = lock_path(location) else {
        return Ok(None);
    };
    let file = open_lock(location, &path)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Lock {
                    location: location.to_string(),
                    source: std::io::Error::new(
                        ErrorKind::WouldBlock,
                        "another zwgk process held the store for a minute while it needed upgrading",
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Lock {
                    location: location.to_string(),
                    source,
                });
            }
        }
    }
}
