//! Telling every node of a PostgreSQL site that something changed, so each drops its cached
//! public answers and wakes its background jobs within a second of a write on any other node
//! (LISTEN/NOTIFY). A backend-specific place; SQLite has one process per file and nothing to
//! tell.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::{Conn, DatabaseUrl};
use crate::error::AppError;

/// The notification channel.
const CHANNEL: &str = "byline_changes";

/// How often the listener looks for notifications.
const POLL: Duration = Duration::from_millis(100);

/// How often the listener checks that its connection still works: a connection the server
/// closed looks merely quiet until a statement fails.
const CHECK: Duration = Duration::from_secs(1);

diesel::define_sql_function! {
    /// PostgreSQL: sends `payload` to the listeners of `channel` when the transaction commits.
    fn pg_notify(channel: diesel::sql_types::Text, payload: diesel::sql_types::Text);
}

/// Tells the other nodes that a write happened here (`node` names this process, so its own
/// listener can skip it). Nothing on SQLite.
pub fn announce(conn: &mut Conn, node: &str) -> Result<(), AppError> {
    if let Conn::Postgres(pg) = conn {
        diesel::select(pg_notify(CHANNEL, node)).execute(pg)?;
    }
    Ok(())
}

/// On PostgreSQL, listens on a thread of its own and calls `changed` for every other node's
/// write, and whenever the listening connection was lost or just (re)made (changes in between
/// went unheard, so everything counts as changed). The thread ends once `stopped` says so (the
/// server it served has gone). Nothing on SQLite.
pub fn listen(
    url: &str,
    node: String,
    changed: impl Fn() + Send + 'static,
    stopped: impl Fn() -> bool + Send + 'static,
) {
    let DatabaseUrl::Postgres(url) = DatabaseUrl::parse(url) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("byline-changes".into())
        .spawn(move || {
            while !stopped() {
                match listening(&url) {
                    Ok(mut conn) => {
                        changed();
                        if let Err(e) = relay(&mut conn, &node, &changed, &stopped) {
                            log::warn!("lost the connection that hears other nodes' writes: {e}");
                            changed();
                        }
                    }
                    Err(e) => log::warn!("cannot listen for other nodes' writes: {e}"),
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the listener for other nodes' writes: {e}");
    }
}

fn listening(url: &str) -> anyhow::Result<diesel::PgConnection> {
    let mut conn = diesel::PgConnection::establish(url)?;
    // Named, so an operator can tell it apart in `pg_stat_activity`.
    diesel::sql_query("SET application_name = 'byline-listener'").execute(&mut conn)?;
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
    Ok(conn)
}

/// Calls `changed` for each batch of notifications from other nodes until the connection fails
/// (an error) or `stopped` (`Ok`).
fn relay(
    conn: &mut diesel::PgConnection,
    node: &str,
    changed: &impl Fn(),
    stopped: &impl Fn() -> bool,
) -> anyhow::Result<()> {
    let mut checked = Instant::now();
    while !stopped() {
        let mut heard = false;
        for notification in conn.notifications_iter() {
            heard |= notification?.payload != node;
        }
        if heard {
            changed();
        }
        if checked.elapsed() > CHECK {
            diesel::sql_query("SELECT 1").execute(conn)?;
            checked = Instant::now();
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
