//! Storage: one connection type for SQLite and PostgreSQL (diesel `MultiConnection`), the pool,
//! the embedded migrations of each backend, and the helpers every store function goes through.
//!
//! A note for query code: look rows up by key with `get_result`, not `first`. `first` adds a bound
//! `LIMIT ?`, and SQLite then prepares the statement anew at every run because the bound value
//! may change the plan; on the submission path that alone was 8 % of the server's CPU.

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One database connection, of whichever backend the configuration chose. Query code is written
/// once against this type; only upserts and locking reads branch per backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Where the data lives, as parsed from `database.url` / `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        let path = text.strip_prefix("sqlite://").unwrap_or(text);
        if path.is_empty() {
            return Err("is empty; give a SQLite file path or a postgres:// URL".into());
        }
        if path.contains("://") {
            return Err(format!(
                "`{text}` is neither a SQLite file path (optionally sqlite://) nor a postgres:// URL"
            ));
        }
        if path == ":memory:" {
            // Every pooled connection would get its own empty database.
            return Err(
                "an in-memory SQLite database cannot be shared by the pool; give a file path"
                    .into(),
            );
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// Opens connections of exactly the configured backend (the derived `establish` would try each
/// backend in turn) and prepares each new SQLite connection.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    sqlite_busy_timeout_ms: u32,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // busy_timeout first, so that switching to WAL waits for a concurrent opener.
                // foreign_keys is off by default in SQLite and is per connection.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                    self.sqlite_busy_timeout_ms
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// The pool plus the knowledge of which backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: &'static str,
    /// SQLite lets one writer in at a time; writers of this process queue here rather than in
    /// SQLite's busy handler, which sleeps and retries (unfairly, and up to 100 ms a time). Other
    /// processes on the same file (the CLI) still meet the busy timeout.
    sqlite_writer: Option<Arc<Mutex<()>>>,
}

pub struct PoolSettings {
    pub size: u32,
    pub connect_timeout: Duration,
    pub sqlite_busy_timeout_ms: u32,
}

impl Db {
    /// Connects, creating the SQLite file and its directory on first start, and runs pending
    /// migrations.
    pub fn connect(url: &DatabaseUrl, settings: PoolSettings) -> anyhow::Result<Self> {
        if let DatabaseUrl::Sqlite(path) = url {
            create_parent_dir(path)?;
        }
        let manager = ConnectionManager {
            url: url.clone(),
            sqlite_busy_timeout_ms: settings.sqlite_busy_timeout_ms,
        };
        let pool = r2d2::Pool::builder()
            .max_size(settings.size)
            .connection_timeout(settings.connect_timeout)
            .build(manager)
            .map_err(|e| {
                anyhow::anyhow!("cannot connect to the {} database: {e}", url.backend_name())
            })?;
        let db = Self {
            pool,
            backend: url.backend_name(),
            sqlite_writer: matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(()))),
        };
        let mut conn = db.pool.get()?;
        run_migrations(&mut conn)?;
        Ok(db)
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// A connection for blocking code outside a request (CLI, workers, tests).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, AppError> {
        self.pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("no database connection: {e}")))
    }

    /// Runs blocking diesel code on tokio's blocking thread pool, so that async workers keep
    /// serving requests while the database works.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }
}

impl Db {
    /// Runs `f` on tokio's blocking pool with the whole `Db`, for work that reads with one
    /// connection and then writes (`write_blocking`) in one trip to the pool.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&Db) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Runs `f` in a write transaction on tokio's blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Reads in one read-only snapshot, computes from what it read with no connection and no
    /// transaction held, then runs `write` with both in a write transaction. In the calling
    /// thread. `write` checks again whatever must still hold when it writes; the caller records
    /// what the result was computed from (a selection run keeps its input hash, and a decision
    /// refuses a run whose hash is no longer the call's).
    ///
    /// For computations too long to run in the write transaction: a selection run takes seconds
    /// on a large call, and on SQLite every other writer of the service would wait for it.
    pub fn compute_then_write<I, O, T>(
        &self,
        read: impl FnOnce(&mut DbConn) -> Result<I, AppError>,
        compute: impl FnOnce(&I) -> Result<O, AppError>,
        write: impl FnOnce(&mut DbConn, I, O) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let snapshot = self.conn()?.read_snapshot(read)?;
        let output = compute(&snapshot)?;
        self.write_blocking(|conn| write(conn, snapshot, output))
    }

    /// Runs `f` in a write transaction, in the calling thread.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        // The turn is taken before the connection, so that queued writers hold no connections.
        let _turn = self
            .sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut conn = self.conn()?;
        conn.write_transaction(f)
    }
}

fn create_parent_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the database directory {}: {e}",
                dir.display()
            )
        })?;
    }
    Ok(())
}

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Postgres(pg) => pg
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "applied database migrations");
    }
    Ok(())
}

impl DbConn {
    /// Runs `f` in a transaction that intends to write.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`: a deferred transaction that first
    /// reads and then writes fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when
    /// another writer committed in between, without waiting for the busy timeout. Taking the write
    /// lock up front makes concurrent writers queue instead. PostgreSQL uses a plain transaction;
    /// code that must serialise there locks rows explicitly.
    pub fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let DbConn::Sqlite(lite) = self else {
            return self.transaction(f);
        };
        let depth =
            AnsiTransactionManager::transaction_manager_status_mut(lite).transaction_depth()?;
        if depth.is_some() {
            // Already inside a write transaction: the lock is held; nest as a savepoint.
            return self.transaction(f);
        }
        AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?;
        // From here diesel's transaction manager of the inner connection counts this transaction,
        // so nested `transaction` calls become savepoints and commit/rollback below end it.
        match f(self) {
            Ok(value) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => {
                match <DbConn as Connection>::TransactionManager::rollback_transaction(self) {
                    Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                    Err(rollback_error) => Err(rollback_error.into()),
                }
            }
        }
    }

    /// Runs `f` in a read-only transaction that sees one snapshot of the database: REPEATABLE
    /// READ on PostgreSQL (each statement of a READ COMMITTED transaction sees its own), and on
    /// SQLite a deferred transaction, whose first read fixes the snapshot (WAL).
    pub fn read_snapshot<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.transaction(|conn| {
            if conn.is_postgres() {
                diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(conn)?;
            }
            f(conn)
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConn::Postgres(_))
    }

    /// Inside a write transaction, makes concurrent writers of the same row wait for this one.
    /// On PostgreSQL this is `SELECT ... FOR UPDATE`; on SQLite the write transaction already holds
    /// the database's write lock, so there is nothing to do.
    pub fn lock_row(&mut self, table: LockableTable, id: &str) -> QueryResult<()> {
        if let DbConn::Postgres(pg) = self {
            diesel::sql_query(format!(
                "SELECT id FROM {} WHERE id = $1 FOR UPDATE",
                table.name()
            ))
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
        }
        Ok(())
    }
}

/// Tables whose rows are locked to serialise writers (a closed list, so no SQL is built from input).
#[derive(Debug, Clone, Copy)]
pub enum LockableTable {
    Councils,
    Calls,
    Users,
}

impl LockableTable {
    fn name(self) -> &'static str {
        match self {
            Self::Councils => "councils",
            Self::Calls => "calls",
            Self::Users => "users",
        }
    }
}

/// Instants are stored as UTC without a zone (TIMESTAMP on PostgreSQL, ISO text on SQLite).
pub fn to_db_time(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    crate::clock::truncate_to_micros(t).naive_utc()
}

pub fn from_db_time(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// JSON documents are stored as TEXT on both backends.
pub fn to_json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("values built by the service serialise")
}

pub fn from_json_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored JSON does not parse: {e}")))
}

/// Runs a statement that may break a unique constraint: `Ok(None)` if it did, else the number of
/// rows it changed. On PostgreSQL it runs in its own savepoint, because a failed statement there
/// aborts the whole surrounding transaction; SQLite undoes just the failed statement.
pub fn unless_duplicate(
    conn: &mut DbConn,
    statement: impl FnOnce(&mut DbConn) -> QueryResult<usize>,
) -> QueryResult<Option<usize>> {
    let result = match conn {
        DbConn::Postgres(_) => conn.transaction(statement),
        DbConn::Sqlite(_) => statement(conn),
    };
    match result {
        Ok(rows) => Ok(Some(rows)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// True if the error is a unique-constraint violation (same meaning on both backends).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("data/jane-seats.db").unwrap(),
            DatabaseUrl::Sqlite("data/jane-seats.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/jane.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/jane.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1/jane").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("").is_err());
        assert!(DatabaseUrl::parse(":memory:").is_err());
    }
}
