//! The database in one place: the connection type (`Conn`), the pool, connection set-up,
//! migrations, `run` (blocking Diesel work off the async executor), the write transaction, the
//! paging helper, and the durable queues' claims (`queue`). SQL lives here and in `services`
//! only; the backend-specific parts are here and in `services::search`.

pub mod models;
pub mod queue;
pub mod schema;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The one connection type every service takes.
pub type Conn = SqliteConnection;
/// Its backend, for boxed queries.
pub type Backend = diesel::sqlite::Sqlite;

pub type DbPool = Pool<ConnectionManager<Conn>>;

/// The pool plus one permit per connection: requests beyond the pool's size wait here, on the
/// async side, instead of each parking a blocking thread (and its memory) on `pool.get()`.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn new(pool: DbPool) -> Db {
        let size = usize::try_from(pool.max_size()).unwrap_or(1);
        Db {
            pool,
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(size)),
        }
    }
}
pub type PooledConn = PooledConnection<ConnectionManager<Conn>>;

/// Per-connection settings.
const PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

/// WAL is a property of the database file: set once, by the first connection (`connect`), not by
/// every pooled one — switching the journal mode takes a lock that other connections race for.
const WAL: &str = "PRAGMA journal_mode = WAL;";

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens one connection with the same settings as the pool (CLI commands, migrations).
pub fn connect(path: &str) -> anyhow::Result<Conn> {
    let mut conn =
        Conn::establish(path).with_context(|| format!("cannot open the database at {path}"))?;
    conn.batch_execute(PRAGMAS)?;
    conn.batch_execute(WAL)?;
    Ok(conn)
}

/// Runs every pending migration; returns how many ran.
pub fn migrate(conn: &mut Conn) -> anyhow::Result<usize> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(applied.len())
}

pub fn pool(path: &str, size: u32) -> anyhow::Result<DbPool> {
    let manager = ConnectionManager::<SqliteConnection>::new(path);
    Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        // A local file does not go stale; skipping the check saves a query per request.
        .test_on_check_out(false)
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .with_context(|| format!("cannot open the database at {path}"))
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let _permit = db
        .permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database closed: {e}")))?;
    let pool = db.pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("no database connection: {e}")))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
}

/// Runs `f` in a write transaction, or in a savepoint when the caller already opened one (so
/// services compose inside a caller's transaction). On SQLite the outer transaction is
/// `BEGIN IMMEDIATE`: it takes the write lock at once, because a deferred transaction that writes
/// later can fail with SQLITE_BUSY. Keep slow work (rendering, hashing) outside: SQLite has one
/// writer, and everyone else waits while this runs.
pub fn write_transaction<T, F>(conn: &mut Conn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let nested = AnsiTransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .is_some();
    if nested {
        conn.transaction(f)
    } else {
        conn.immediate_transaction(f)
    }
}

/// Writes a consistent copy of the live database to `dest` (which must not exist yet).
pub fn backup(conn: &mut Conn, dest: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(!dest.exists(), "{} already exists", dest.display());
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(dest.to_string_lossy().into_owned())
        .execute(conn)
        .with_context(|| format!("backup to {} failed", dest.display()))?;
    Ok(())
}

/// `SELECT 1`: the readiness probe.
pub fn ping(conn: &mut Conn) -> Result<(), AppError> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// One page of a query and the query's total, as every collection answers: `$query` is counted,
/// then ordered by `$order`, cut to the page and loaded as `$select`. A macro because `$query`
/// is built twice (once per statement), and Diesel's query types would make a generic
/// function's bounds longer than the code it saves.
macro_rules! paged {
    ($conn:expr, $page:expr, $query:expr, $order:expr, $select:expr) => {{
        let total: i64 = $query.count().get_result($conn)?;
        let rows = $query
            .order($order)
            .offset($page.offset())
            .limit($page.limit())
            .select($select)
            .load($conn)?;
        Ok::<_, $crate::error::AppError>((rows, total))
    }};
}
pub(crate) use paged;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_up_down_and_up_again() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("m.db");
        let mut conn = connect(&path.to_string_lossy())?;
        let count = migrate(&mut conn)?;
        assert!(count > 0);
        conn.revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let tables: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite%' AND name != '__diesel_schema_migrations')",
        ))
        .get_result(&mut conn)?;
        assert_eq!(tables, 0, "down.sql left tables behind");
        assert_eq!(migrate(&mut conn)?, count);
        Ok(())
    }
}
