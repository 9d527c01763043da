//! The database in one place: the connection type (`Conn`), the pool, connection set-up,
//! migrations, `run` (blocking Diesel work off the async executor), the write transaction, the
//! paging helper, and the durable queues' claims (`queue`). SQL lives here and in `services`
//! only; the backend-specific parts are here and in `services::search`.

pub mod budget;
pub mod changes;
mod conn;
pub mod fragments;
pub mod limits;
pub mod models;
pub mod queue;
mod rank;
pub mod schema;
pub mod transfer;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Semaphore;

pub use conn::{Conn, DatabaseUrl, MultiBackend};

/// Runs a statement on the backend's own connection (`|c| query.execute(c)`), for the writes
/// an import repeats per post: through the two-backend connection each call walks the statement
/// four times and copies every bound value (Markdown and HTML included), a quarter of an
/// import's time; natively a cached statement binds the values in place.
macro_rules! natively {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use natively;

use crate::error::AppError;

/// One migration folder per backend, the same tables in each.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The backend of `Conn`, for boxed queries.
pub type Backend = MultiBackend;

/// A model's columns, for `RETURNING` into the model: `as_returning()` does not pass through
/// the two-backend connection, the plain column list does (loaded in the model's field order).
pub fn columns<M: Selectable<Backend>>() -> M::SelectExpression {
    M::construct_selection()
}

pub type DbPool = Pool<conn::Manager>;
pub type PooledConn = PooledConnection<conn::Manager>;

/// A pool plus one permit per connection: requests beyond the pool's size wait here, on the
/// async side, instead of each parking a blocking thread (and its memory) on `pool.get()`.
#[derive(Clone)]
struct Lane {
    pool: DbPool,
    permits: Arc<Semaphore>,
}

impl Lane {
    fn new(pool: DbPool) -> Lane {
        let size = usize::try_from(pool.max_size()).unwrap_or(1);
        Lane {
            pool,
            permits: Arc::new(Semaphore::new(size)),
        }
    }
}

/// The database as the server uses it: connections that may write, read-only connections that
/// read beside a write (WAL on SQLite), a cap on slow reads, and a time budget for every piece
/// of work. Nothing waits forever: past its budget, work answers `503` with `Retry-After`.
#[derive(Clone)]
pub struct Db {
    writes: Lane,
    reads: Lane,
    /// Slow reads (search, sitemaps) hold one of these too: at most half the read connections,
    /// so cheap reads always find one free.
    heavy: Arc<Semaphore>,
    budget: Duration,
}

impl Db {
    pub fn new(writes: DbPool, reads: DbPool, budget: Duration) -> Db {
        let heavy = usize::try_from(reads.max_size() / 2).unwrap_or(1).max(1);
        Db {
            writes: Lane::new(writes),
            reads: Lane::new(reads),
            heavy: Arc::new(Semaphore::new(heavy)),
            budget,
        }
    }
}

/// What kind of work a `Db` call does, which decides its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Write,
    Read,
    SlowRead,
}

/// The longest any work waits for a connection before it answers `503`.
const CONNECTION_WAIT: Duration = Duration::from_secs(5);

/// Work given a longer budget than requests: an import writes thousands of posts at once.
pub const LONG_BUDGET: Duration = Duration::from_secs(120);

fn busy(detail: &str) -> AppError {
    AppError::Unavailable {
        retry_after_secs: 1,
        detail: detail.into(),
    }
}

/// Opens one connection that may write (CLI commands, migrations). On SQLite it also switches
/// the file to WAL, once, before any pool opens it.
pub fn connect(url: &str) -> anyhow::Result<Conn> {
    let url = DatabaseUrl::parse(url);
    let setup = conn::Setup {
        read_only: false,
        statement_timeout: LONG_BUDGET,
    };
    let mut conn = conn::open(&url, setup)
        .with_context(|| format!("cannot open the database at {}", url.redacted()))?;
    if let Conn::Sqlite(sqlite) = &mut conn {
        sqlite.batch_execute(conn::SQLITE_WAL)?;
    }
    Ok(conn)
}

/// Runs every pending migration of the connection's backend; returns how many ran. Several
/// nodes starting at once on one PostgreSQL database take turns (`one_node_at_a_time`).
pub fn migrate(conn: &mut Conn) -> anyhow::Result<usize> {
    one_node_at_a_time(conn, |conn| {
        let applied = match conn {
            Conn::Sqlite(c) => {
                // A migration that rebuilds a table sorts every row of it (100,000 posts' tags:
                // 66 MB held in memory, 6 MB spilling to temporary files): sorts go to files
                // while migrating, then the connection's setting comes back.
                c.batch_execute("PRAGMA temp_store = FILE")?;
                let ran = c.run_pending_migrations(SQLITE_MIGRATIONS).map(|m| m.len());
                c.batch_execute("PRAGMA temp_store = MEMORY")?;
                ran
            }
            Conn::Postgres(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|m| m.len()),
        };
        applied.map_err(|e| anyhow::anyhow!("database migration failed: {e}"))
    })
}

/// The key of the session-level advisory lock that start-up work holds on PostgreSQL.
const START_UP_LOCK: i64 = 0x6279_6c69_6e66;

diesel::define_sql_function! {
    /// PostgreSQL: waits for the session-level advisory lock `key`.
    fn pg_advisory_lock(key: diesel::sql_types::BigInt);
}

diesel::define_sql_function! {
    /// PostgreSQL: releases the session-level advisory lock `key`.
    fn pg_advisory_unlock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Bool;
}

/// Runs start-up work (migrations, the first admin, the JWT secret) while no other node does:
/// nodes started together on an empty PostgreSQL database would otherwise each create the
/// tables, or the first admin. SQLite has one process per file.
pub fn one_node_at_a_time<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if !conn.is_postgres() {
        return f(conn);
    }
    diesel::select(pg_advisory_lock(START_UP_LOCK)).execute(conn)?;
    let out = f(conn);
    diesel::select(pg_advisory_unlock(START_UP_LOCK)).execute(conn)?;
    out
}

/// A pool of `size` connections; `read_only` ones refuse to write. `budget` is each statement's
/// timeout on PostgreSQL (SQLite's budget is `budget::within`, per piece of work).
pub fn pool(url: &str, size: u32, read_only: bool, budget: Duration) -> anyhow::Result<DbPool> {
    let url = DatabaseUrl::parse(url);
    let redacted = url.redacted();
    // A local file does not go stale; a server connection may have been closed under us.
    let check = url.is_postgres();
    let manager = conn::Manager {
        url,
        setup: conn::Setup {
            read_only,
            statement_timeout: budget,
        },
    };
    Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(check)
        .build(manager)
        .with_context(|| format!("cannot open the database at {redacted}"))
}

/// Runs `f` with a connection that may write, on the blocking thread pool, within the budget.
pub async fn run<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    on(db, Work::Write, db.budget, f).await
}

/// As `run`, with a longer budget (`LONG_BUDGET`): imports.
pub async fn run_long<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    on(db, Work::Write, LONG_BUDGET.max(db.budget), f).await
}

/// Runs `f` with a read-only connection: reads that never wait for a write.
pub async fn read<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    on(db, Work::Read, db.budget, f).await
}

/// The budget of a point read run on the request's own thread: a lookup by key takes tens of
/// microseconds; one that takes longer is stopped and run again off the executor.
const INLINE_BUDGET: Duration = Duration::from_millis(20);

/// As `read`, for a lookup by key (a post by slug): run on the calling thread when a read
/// connection is free at once, which saves the two thread hand-offs that cost more than the
/// lookup itself; otherwise (or past `INLINE_BUDGET`) as `read`. `f` may run twice, so it is `Fn`;
/// its statements need not share one snapshot (`reading`).
pub async fn read_point<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: Fn(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    if let Ok(_permit) = db.reads.permits.try_acquire()
        && let Some(mut conn) = db.reads.pool.try_get()
    {
        let inline = INLINE_BUDGET.min(db.budget);
        if let (out, false) = budget::within(inline, || reading(&mut conn, &f)) {
            return out;
        }
    }
    read(db, f).await
}

/// As `read`, for reads whose cost grows with what they match (search, sitemaps): a storm of
/// them holds at most half the read connections.
pub async fn read_slow<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    on(db, Work::SlowRead, db.budget, f).await
}

async fn on<T, F>(db: &Db, work: Work, budget: Duration, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let no_connection = || busy("No database connection came free in time; try again shortly.");
    let closed =
        |e: tokio::sync::AcquireError| AppError::Internal(anyhow::anyhow!("database closed: {e}"));
    let _slow = match work {
        Work::SlowRead => Some(
            tokio::time::timeout(CONNECTION_WAIT, db.heavy.acquire())
                .await
                .map_err(|_| no_connection())?
                .map_err(closed)?,
        ),
        Work::Write | Work::Read => None,
    };
    let lane = match work {
        Work::Write => &db.writes,
        Work::Read | Work::SlowRead => &db.reads,
    };
    let _permit = tokio::time::timeout(CONNECTION_WAIT, lane.permits.acquire())
        .await
        .map_err(|_| no_connection())?
        .map_err(closed)?;
    let pool = lane.pool.clone();
    let usual = db.budget;
    actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("no database connection: {e}")))?;
        // On PostgreSQL the budget is each statement's timeout, set on the connection; work
        // with a longer one sets its own and puts the usual one back.
        let longer = conn.is_postgres() && budget != usual;
        if longer {
            statement_timeout(&mut conn, budget)?;
        }
        let work = || match work {
            Work::Write => f(&mut conn),
            Work::Read | Work::SlowRead => reading(&mut conn, f),
        };
        let out = match budget::within(budget, work) {
            (_, true) => Err(AppError::over_budget()),
            (out, false) => out,
        };
        if longer {
            statement_timeout(&mut conn, usual)?;
        }
        out
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
}

/// PostgreSQL: the time any one statement of this connection may take from now on.
fn statement_timeout(conn: &mut Conn, budget: Duration) -> Result<(), AppError> {
    conn.batch_execute(&format!(
        "SET statement_timeout = {}",
        budget.as_millis().max(1)
    ))?;
    Ok(())
}

/// Runs a read's statements. On SQLite in one read transaction: its shared locks are taken
/// (and the files checked) once, not per statement, and they see one snapshot. On PostgreSQL
/// each statement on its own, seeing the latest committed data: a snapshot there would need
/// `BEGIN` and `COMMIT`, two round trips more than a post read's own two. A page and its total,
/// or a post and its tags, may then straddle a write that lands between them: they answer as
/// a read a moment later would.
fn reading<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    match conn {
        Conn::Sqlite(_) => conn.transaction(f),
        Conn::Postgres(_) => f(conn),
    }
}

/// The key of the advisory lock every PostgreSQL write transaction takes (any constant would
/// do; this one spells "byline").
const WRITER_LOCK: i64 = 0x6279_6c69_6e65;

/// Runs `f` in a write transaction, or in a savepoint when the caller already opened one (so
/// services compose inside a caller's transaction). Write transactions run one at a time on
/// both backends, so a service's check-then-write (a free slug, a counter) holds: on SQLite the
/// outer transaction is `BEGIN IMMEDIATE` (it takes the write lock at once; a deferred one that
/// writes later can fail with SQLITE_BUSY), on PostgreSQL it first takes one transaction-level
/// advisory lock, which also orders writes from several nodes. Keep slow work (rendering,
/// hashing) outside: everyone else's writes wait while this runs.
pub fn write_transaction<T, F>(conn: &mut Conn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError>,
{
    let nested = <Conn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .is_some();
    if nested {
        return conn.transaction(f);
    }
    match conn {
        Conn::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        Conn::Postgres(pg) => {
            AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN")?;
            if let Err(e) = diesel::select(pg_advisory_xact_lock(WRITER_LOCK)).execute(pg) {
                let _ = AnsiTransactionManager::rollback_transaction(pg);
                return Err(e.into());
            }
        }
    }
    finish_transaction(conn, f)
}

/// As `write_transaction`, for work that changes only rows it names by key, each change right
/// whatever runs beside it (a claimed queue row settled, a counter incremented): on PostgreSQL
/// it does not wait its turn behind every other write. The sooner a sent e-mail is recorded as
/// sent, the smaller the window in which a crash makes it go out twice.
pub fn keyed_transaction<T, F>(conn: &mut Conn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError>,
{
    match conn {
        Conn::Postgres(_) => conn.transaction(f),
        Conn::Sqlite(_) => write_transaction(conn, f),
    }
}

diesel::define_sql_function! {
    /// PostgreSQL: waits for the transaction-level advisory lock `key`.
    fn pg_advisory_xact_lock(key: diesel::sql_types::BigInt);
}

/// Runs `f` in the transaction just begun, then commits it (or rolls it back on an error).
fn finish_transaction<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    type Manager = <Conn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Writes a consistent copy of the live database to `dest` (which must not exist yet). SQLite
/// only: a PostgreSQL site is backed up with PostgreSQL's own tools (`pg_dump`).
pub fn backup(conn: &mut Conn, dest: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(!dest.exists(), "{} already exists", dest.display());
    let Conn::Sqlite(sqlite) = conn else {
        anyhow::bail!("`byline backup` copies a SQLite database; on PostgreSQL use pg_dump");
    };
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(dest.to_string_lossy().into_owned())
        .execute(sqlite)
        .with_context(|| format!("backup to {} failed", dest.display()))?;
    Ok(())
}

/// A raw statement written with `?` placeholders, numbered (`$1`, `$2`, …) for PostgreSQL. For
/// the few statements the DSL cannot write; the text must hold no `?` but its placeholders.
pub fn sql_query(conn: &Conn, sql: &str) -> diesel::query_builder::SqlQuery {
    match conn {
        Conn::Sqlite(_) => diesel::sql_query(sql),
        Conn::Postgres(_) => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(c);
                }
            }
            diesel::sql_query(numbered)
        }
    }
}

/// `SELECT 1`: the readiness probe.
pub fn ping(conn: &mut Conn) -> Result<(), AppError> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Runs `$body` with `$c` bound to the connection of whichever backend `$conn` is, for the
/// hottest reads (a post by slug). Diesel then compiles the query once per backend, and the
/// two-backend layer is skipped: it writes each statement's SQL text again on every call, a
/// tenth of such a read's time.
macro_rules! on_inner {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_inner;

/// One page of a collection and its `Listing`, as every collection answers: `$query` (built
/// twice, once per statement) is counted, then walked in the order of `$key` then `$id` (`asc`
/// or `desc`: an index on both gives the order) from the page's offset or from just past the
/// cursor's row (a range seek on `$key`, so any depth costs the same), cut to the page and
/// loaded as `$select`. `$order` names the ordering in cursors; `$key_of` gives a row's key
/// (a `$key_type`) and id for the next page's cursor. A macro because Diesel's query types would
/// make a generic function's bounds longer than the code it saves.
macro_rules! paged {
    ($conn:expr, $paging:expr, $query:expr, $order:expr, ($key:expr, $id:expr, $key_type:ty), desc,
     $select:expr, $key_of:expr) => {
        $crate::db::paged!(@walk $conn, $paging, $query, $order, $key, $id, $key_type,
            desc, lt, le, $select, $key_of)
    };
    ($conn:expr, $paging:expr, $query:expr, $order:expr, ($key:expr, $id:expr, $key_type:ty), asc,
     $select:expr, $key_of:expr) => {
        $crate::db::paged!(@walk $conn, $paging, $query, $order, $key, $id, $key_type,
            asc, gt, ge, $select, $key_of)
    };
    (@walk $conn:expr, $paging:expr, $query:expr, $order:expr, $key:expr, $id:expr,
     $key_type:ty, $dir:ident, $past:ident, $upto:ident, $select:expr, $key_of:expr) => {{
        use $crate::domain::{Cursor, CursorKey, Listing, Paging};
        use $crate::error::AppError;
        let paging: &Paging = $paging;
        let total: i64 = $query.count().get_result($conn)?;
        let mut walk = $query;
        if let Paging::After { cursor, .. } = paging {
            let cursor = cursor.expect($order).map_err(AppError::BadRequest)?;
            let key = cursor
                .key
                .as_deref()
                .and_then(<$key_type as CursorKey>::from_key)
                .ok_or_else(|| AppError::BadRequest("cursor is not valid".into()))?;
            walk = walk
                .filter($key.$upto(key.clone()))
                .filter($key.$past(key).or($id.$past(cursor.id.clone())));
        }
        let per_page = i64::from(paging.per_page());
        let mut rows: Vec<_> = walk
            .order(($key.$dir(), $id.$dir()))
            .offset(paging.offset())
            .limit(per_page + 1)
            .select($select)
            .load($conn)?;
        let more = rows.len() > paging.per_page() as usize;
        rows.truncate(paging.per_page() as usize);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => {
                let (key, id): ($key_type, String) = ($key_of)(last);
                Some(Cursor::new($order, Some(key.to_key()), &id).encode())
            }
            _ => None,
        };
        Ok::<_, AppError>((
            rows,
            Listing {
                paging: paging.clone(),
                total,
                total_is_lower_bound: false,
                next_cursor,
            },
        ))
    }};
}
pub(crate) use paged;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_past_its_budget_is_interrupted_and_the_connection_stays_usable() {
        let mut conn = connect(":memory:").expect("connection");
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                       SELECT count(*) FROM n";
        let started = std::time::Instant::now();
        let (result, spent) = budget::within(Duration::from_millis(20), || {
            diesel::sql_query(endless).execute(&mut conn)
        });
        assert!(spent && result.is_err(), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let (result, spent) = budget::within(Duration::from_millis(20), || ping(&mut conn));
        assert!(!spent && result.is_ok());
        // Outside `within` there is no deadline.
        let small = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
                     SELECT count(*) FROM n";
        assert!(diesel::sql_query(small).execute(&mut conn).is_ok());
    }

    #[test]
    fn migrations_run_up_down_and_up_again() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("m.db");
        let mut conn = connect(&path.to_string_lossy())?;
        let count = migrate(&mut conn)?;
        assert!(count > 0);
        let Conn::Sqlite(sqlite) = &mut conn else {
            unreachable!("a path opens SQLite")
        };
        sqlite
            .revert_all_migrations(SQLITE_MIGRATIONS)
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

    #[test]
    fn the_search_index_keeps_its_entries_when_it_stops_keeping_their_text() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut conn = connect(&dir.path().join("m.db").to_string_lossy())?;
        migrate(&mut conn)?;
        let Conn::Sqlite(sqlite) = &mut conn else {
            unreachable!("a path opens SQLite")
        };
        // Back to the index that kept its text (the migrations after it undone first), with
        // an entry in it, then forward again.
        let revert = |sqlite: &mut diesel::SqliteConnection| {
            sqlite
                .revert_last_migration(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("{e}"))
        };
        assert_eq!(revert(sqlite)?.to_string(), "20261210000020");
        assert_eq!(revert(sqlite)?.to_string(), "20261209000019");
        let reverted = revert(sqlite)?;
        assert_eq!(
            reverted.to_string(),
            "20261208000018",
            "the contentless index's migration"
        );
        diesel::sql_query(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (7, 'Sourdough', 'crust and crumb')",
        )
        .execute(sqlite)?;
        assert_eq!(migrate(&mut conn)?, 3);
        // Migrations sort in files; the connection keeps its temporary data in memory after.
        let temp_store = diesel::sql_query("SELECT temp_store AS n FROM pragma_temp_store")
            .load::<Row>(&mut conn)?;
        assert_eq!(temp_store.first().map(|r| r.n), Some(2), "MEMORY");
        let found = |conn: &mut Conn, word: &str| -> QueryResult<Vec<i64>> {
            diesel::sql_query("SELECT rowid AS n FROM posts_fts WHERE posts_fts MATCH ?")
                .bind::<diesel::sql_types::Text, _>(word)
                .load::<Row>(conn)
                .map(|rows| rows.into_iter().map(|r| r.n).collect())
        };
        assert_eq!(found(&mut conn, "crumb")?, vec![7]);
        assert_eq!(found(&mut conn, "sourdough")?, vec![7]);
        // Without its text an entry is still taken out by its rowid, as an edit does.
        diesel::sql_query("DELETE FROM posts_fts WHERE rowid = 7").execute(&mut conn)?;
        assert!(found(&mut conn, "crumb")?.is_empty());
        Ok(())
    }

    /// The busy timeout comes from the hook SQLite runs as it opens a connection, for pooled
    /// connections and single ones alike.
    #[test]
    fn every_connection_waits_for_locks() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("b.db").to_string_lossy().into_owned();
        let mut single = connect(&path)?;
        let readers = pool(&path, 1, true, Duration::from_secs(1))?;
        let mut pooled = readers.get()?;
        for conn in [&mut single, &mut *pooled] {
            let timeout = diesel::sql_query("SELECT timeout AS n FROM pragma_busy_timeout")
                .load::<Row>(conn)?;
            assert_eq!(timeout.first().map(|r| r.n), Some(5000));
        }
        Ok(())
    }

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
}
