//! Storage: one connection type over SQLite and PostgreSQL, a pool, and the queries.
//!
//! Queries are written once against the shared `schema` and compiled for each backend by
//! [`with_conn!`]. We match on the concrete connection instead of deriving diesel's
//! `MultiConnection`, decided on measurements (December 2026, release build):
//! - what compiling each query twice costs is small: the `db` functions are 0.20 MB and the
//!   diesel code instantiated for them 0.34 MB (SQLite) and 0.12 MB (PostgreSQL) of the
//!   binary's 26.9 MB of code (`nm --size-sort`), and at run time each query runs on its
//!   own backend's statement cache either way;
//! - what it would not cover is where the work is: full-text search (FTS5 against
//!   `tsvector`, 13 raw statements and 22 backend matches in `search.rs`), the stored
//!   documents' guarded upsert, sitemaps' month grouping, migrations and per-connection
//!   settings all differ by dialect, and `MultiBackend` offers only the common subset
//!   (no `ON CONFLICT`); those stay per backend whatever the rest does;
//! - the connection wrapper is ours for reasons beyond dialect: the SQLite admission turn,
//!   reads on the calling thread (`Db::read`), and the statement counter the tests use.
//!
//! So the 126 `with_conn!` sites stay; the dialects' differences stay visible where they
//! are.

pub mod accounts;
pub mod articles;
pub mod changes;
pub mod comments;
pub mod discovery;
pub mod editorial;
pub mod imports;
mod listen;
mod migrations;
mod prepared;
pub mod schema;
pub mod search;
pub mod seed_writes;
pub mod sitemaps;
pub mod taxonomy;
pub mod taxonomy_writes;
mod url;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use crate::error::AppError;
pub use url::{Backend, DatabaseUrl};

/// A connection to whichever backend the database URL names.
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel code on whichever connection is inside a [`DbConn`].
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs `f` in a transaction on either backend.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        // diesel's transaction API needs the concrete connection; we take it out of the enum
        // by running BEGIN/COMMIT through the manager of the concrete type.
        match self {
            DbConn::Pg(c) => {
                use diesel::connection::TransactionManager;
                type Tm = <PgConnection as Connection>::TransactionManager;
                Tm::begin_transaction(c)?;
                let out = f(self);
                finish(self, out)
            }
            DbConn::Sqlite(c) => {
                // IMMEDIATE takes the write lock up front: two writers then queue on the
                // busy timeout instead of one failing when it upgrades a read lock.
                diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
                let out = f(self);
                finish(self, out)
            }
        }
    }
}

fn finish<T, E: From<diesel::result::Error>>(conn: &mut DbConn, out: Result<T, E>) -> Result<T, E> {
    use diesel::connection::TransactionManager;
    match (conn, out) {
        (DbConn::Pg(c), Ok(v)) => {
            <PgConnection as Connection>::TransactionManager::commit_transaction(c)?;
            Ok(v)
        }
        (DbConn::Sqlite(c), Ok(v)) => {
            <SqliteConnection as Connection>::TransactionManager::commit_transaction(c)?;
            Ok(v)
        }
        (DbConn::Pg(c), Err(e)) => {
            <PgConnection as Connection>::TransactionManager::rollback_transaction(c)?;
            Err(e)
        }
        (DbConn::Sqlite(c), Err(e)) => {
            <SqliteConnection as Connection>::TransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

/// Counts the SQL statements a pool has run; tests use it to prove batching.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct CountStatements(Arc<AtomicU64>);

thread_local! {
    /// Set while a server's own watch on the database runs (`Db::watch`): its periodic
    /// reads are not what a test counts when it asks how many statements a request made.
    static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if !WATCHING.get() {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
            tracing::trace!(target: "masthead::sql", %query, "statement");
        }
    }
}

struct Manager {
    url: DatabaseUrl,
    counter: StatementCounter,
    /// SQLite: bytes of the file read through a memory map instead of `pread` copies.
    sqlite_mmap_bytes: u64,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let mut conn = self.url.establish().map_err(r2d2::Error::ConnectionError)?;
        if let DbConn::Sqlite(c) = &mut conn
            && self.sqlite_mmap_bytes > 0
        {
            c.batch_execute(&format!("PRAGMA mmap_size = {};", self.sqlite_mmap_bytes))
                .map_err(r2d2::Error::QueryError)?;
        }
        let counter = CountStatements(self.counter.0.clone());
        with_conn!(&mut conn, |c| c.set_instrumentation(counter));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        with_conn!(conn, |c| c.batch_execute("SELECT 1")).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        with_conn!(conn, |c| r2d2::R2D2Connection::is_broken(c))
    }
}

/// A pool of connections to one database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: DatabaseUrl,
    backend: Backend,
    counter: StatementCounter,
    /// Admits database work first come, first served. Connections alone would let every
    /// waiting request run at once, sharing the cores, so that a burst ends late for all
    /// and a slow query drags the others; admitting a few at a time in arrival order keeps
    /// each request's wait close to the work queued ahead of it.
    admission: Arc<tokio::sync::Semaphore>,
}

impl Db {
    /// Connects, prepares the database (WAL etc. on SQLite) and runs pending migrations.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Db> {
        Db::connect_with(url, pool_size, 0)
    }

    /// The same, reading up to `sqlite_mmap_bytes` of a SQLite file through a memory map
    /// (zero: off). Reads then skip the copy out of the page cache, at the price of the
    /// mapped pages counting in the process's resident memory.
    pub fn connect_with(url: &DatabaseUrl, pool_size: u32, sqlite_mmap_bytes: u64) -> anyhow::Result<Db> {
        let mut first = url.establish()?;
        if let DbConn::Sqlite(c) = &mut first {
            // WAL is a property of the file: switch it on once, before anything else writes.
            c.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        migrations::run(&mut first)?;
        if let DbConn::Sqlite(c) = &mut first {
            // Keeps the planner's statistics fresh enough to choose the right indexes.
            c.batch_execute("PRAGMA optimize;")?;
        }
        drop(first);
        let counter = StatementCounter::default();
        let manager = Manager {
            url: url.clone(),
            counter: counter.clone(),
            sqlite_mmap_bytes,
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            // A round trip per checkout would double the statements of a typical request;
            // broken connections are caught by `has_broken` when they are returned.
            .test_on_check_out(false)
            .build(manager)?;
        Ok(Db {
            pool,
            url: url.clone(),
            backend: url.backend(),
            counter,
            admission: Arc::new(tokio::sync::Semaphore::new(pool_size as usize)),
        })
    }

    /// Runs at most `n` pieces of database work at a time (at least one, at most the pool).
    pub fn with_concurrency(mut self, n: u32) -> Db {
        let n = n.clamp(1, self.pool.max_size()) as usize;
        self.admission = Arc::new(tokio::sync::Semaphore::new(n));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn statements(&self) -> StatementCounter {
        self.counter.clone()
    }

    /// Checks a connection out and runs `f` on the blocking thread pool, so the async
    /// workers never wait on the database; in turn with the other requests' work.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let admitted = self
            .admission
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("database admission closed: {e}")))?;
        self.spawn(Some(admitted), f).await
    }

    /// A short read (one indexed lookup) on the calling thread, when the database is SQLite
    /// and a turn and a connection are free this moment: in-process, such a read costs less
    /// than handing it to a blocking thread and back, which is most of a long-tail request's
    /// time (two thread switches). Otherwise, or on PostgreSQL, where a read is a network
    /// round trip the async worker must not sit through, it queues as `run` does.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Ok(turn) = self.admission.clone().try_acquire_owned()
            && let Some(mut conn) = self.pool.try_get()
        {
            let out = f(&mut conn);
            drop(turn);
            return out;
        }
        self.run(f).await
    }

    /// The same, outside the admission queue: for background work (recomputing totals
    /// ahead of readers), which must neither wait behind requests nor take their turns.
    pub async fn run_in_background<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        self.spawn(None, f).await
    }

    /// A read of the server's periodic watch on the database (the change log follower): run
    /// as `run`, and left out of the statement count.
    pub async fn watch<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        self.run(move |c| {
            struct Watching;
            impl Drop for Watching {
                fn drop(&mut self) {
                    WATCHING.set(false);
                }
            }
            WATCHING.set(true);
            let _until_done = Watching;
            f(c)
        })
        .await
    }

    async fn spawn<T, F>(
        &self,
        admitted: Option<tokio::sync::OwnedSemaphorePermit>,
        f: F,
    ) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            // Held by the blocking work itself, so a request that is dropped while its
            // query runs still counts until the query ends.
            let _admitted = admitted;
            let mut conn = pool.get().map_err(AppError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// The same, for code that is already off the async workers (CLI commands).
    pub fn run_blocking<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.pool.get().map_err(AppError::unavailable)?;
        f(&mut conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(QueryableByName)]
    struct MmapSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mmap_size: i64,
    }

    #[test]
    fn every_sqlite_connection_maps_what_it_was_told() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("m.db").display())).unwrap();
        let mapped = |db: &Db| {
            db.run_blocking(|c| {
                Ok(with_conn!(c, |c| diesel::sql_query("PRAGMA mmap_size")
                    .get_result::<MmapSize>(c))?
                .mmap_size)
            })
            .unwrap()
        };
        assert_eq!(mapped(&Db::connect(&url, 2).unwrap()), 0);
        assert_eq!(mapped(&Db::connect_with(&url, 2, 64 << 20).unwrap()), 64 << 20);
    }
}
