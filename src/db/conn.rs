//! The one connection type, `Conn`: SQLite or PostgreSQL, chosen by the database URL. Queries
//! written with Diesel's DSL run on either; code that needs one backend matches on the variant
//! (the marked places: search, queue claims, connection set-up, transactions, backup).

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{Error as PoolError, ManageConnection};

/// A connection to either backend. Built by `open` from a `DatabaseUrl`, never by trying each
/// backend in turn (a mistyped PostgreSQL URL must not become a new SQLite file).
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Where the database is: a SQLite file (a path, or `sqlite://path`) or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_string())
        } else {
            DatabaseUrl::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).to_string())
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }

    /// For messages: the URL without a password.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let credentials = &url[scheme + 3..at];
                    match credentials.split_once(':') {
                        Some((user, _)) => {
                            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
                        }
                        None => url.clone(),
                    }
                }
                _ => url.clone(),
            },
        }
    }
}

/// Per-connection settings for SQLite (the busy timeout is set earlier, as SQLite opens the
/// connection: `super::budget`). The page cache is 1 MiB per connection, not SQLite's
/// 2 MiB: with a dozen connections that is what bounds the server's memory as the site grows,
/// and a page the cache misses comes from the operating system's file cache in a microsecond.
/// Temporary data stays in memory: a savepoint's journal (an import keeps one per item) was a
/// file written for every page an item changed.
const SQLITE_PRAGMAS: &str = "PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -1024;
PRAGMA temp_store = MEMORY;";

/// WAL is a property of the database file: set once, by the first connection (`super::connect`),
/// not by every pooled one — switching the journal mode takes a lock that connections race for.
pub(super) const SQLITE_WAL: &str = "PRAGMA journal_mode = WAL;";

/// How a connection is set up: read connections refuse to write (a write through one is a bug),
/// and on PostgreSQL every statement has the request budget as its timeout.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub read_only: bool,
    pub statement_timeout: Duration,
}

/// Opens one connection and sets it up.
pub fn open(url: &DatabaseUrl, setup: Setup) -> ConnectionResult<Conn> {
    super::budget::install_everywhere();
    let mut conn = match url {
        DatabaseUrl::Sqlite(path) => Conn::Sqlite(diesel::SqliteConnection::establish(path)?),
        DatabaseUrl::Postgres(url) => Conn::Postgres(diesel::PgConnection::establish(url)?),
    };
    let settings = match &conn {
        Conn::Sqlite(_) if setup.read_only => format!("{SQLITE_PRAGMAS}\nPRAGMA query_only = ON;"),
        Conn::Sqlite(_) => SQLITE_PRAGMAS.to_string(),
        // Timestamps are UTC on both backends; `NOW()` in SQL must agree with the application.
        Conn::Postgres(_) => format!(
            "SET TIME ZONE 'UTC'; SET statement_timeout = {}; {}",
            setup.statement_timeout.as_millis().max(1),
            if setup.read_only {
                "SET default_transaction_read_only = on;"
            } else {
                ""
            }
        ),
    };
    conn.batch_execute(&settings)
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

impl Conn {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }
}

/// The pool's connection factory.
#[derive(Debug)]
pub struct Manager {
    pub url: DatabaseUrl,
    pub setup: Setup,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = PoolError;

    fn connect(&self) -> Result<Conn, PoolError> {
        open(&self.url, self.setup).map_err(PoolError::ConnectionError)
    }

    /// Checked with a round trip only for a minute after a connection was found closed (a
    /// server restart): otherwise every request would pay one round trip more. A connection
    /// that dies unnoticed fails one piece of work, which starts the checking.
    fn is_valid(&self, conn: &mut Conn) -> Result<(), PoolError> {
        if crate::error::seconds_since_a_connection_was_lost() > 60 {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")
            .map_err(PoolError::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        use diesel::connection::TransactionManager;
        <Conn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_chooses_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("byline.db"),
            DatabaseUrl::Sqlite("byline.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/byline.db"),
            DatabaseUrl::Sqlite("/var/lib/byline.db".into())
        );
        assert!(DatabaseUrl::parse("postgres://u:p@h:5432/db").is_postgres());
        assert!(DatabaseUrl::parse("postgresql://h/db").is_postgres());
        assert_eq!(
            DatabaseUrl::parse("postgres://byline:s3cret@db:5432/site").redacted(),
            "postgres://byline:***@db:5432/site"
        );
    }
}
