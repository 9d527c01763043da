//! A time budget for the statements of each piece of database work. SQLite calls a progress
//! handler every thousand virtual-machine steps of a statement; once the deadline of the work
//! running on that thread has passed, the handler interrupts the statement and `db::run` answers
//! `503`. Short statements never reach the handler, so the check costs nothing on cheap reads.
//! SQLite-specific: a PostgreSQL backend sets `statement_timeout` instead.
//!
//! The same hook sets each connection's busy timeout, registers the search's ranking function
//! (`rank`) and sets the connection up for speed: the query planner's stability guarantee
//! (QPSG), without which SQLite re-prepares every statement with a bound `LIMIT` on each run
//! (the binding "might change the plan"), and no global memory statistics (a mutex taken on
//! every allocation, contended by concurrent readers).

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// How long a statement waits for a lock another connection holds.
const BUSY_TIMEOUT_MS: c_int = 5000;

/// How often, in VM steps, a running statement checks its deadline.
const STEPS_PER_CHECK: c_int = 1000;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static SPENT: Cell<bool> = const { Cell::new(false) };
}

/// Non-zero interrupts the statement. It must not panic: it is called from C.
unsafe extern "C" fn over_budget(_: *mut c_void) -> c_int {
    let late = DEADLINE
        .try_with(|d| d.get().is_some_and(|t| Instant::now() >= t))
        .unwrap_or(false);
    if late {
        let _ = SPENT.try_with(|s| s.set(true));
    }
    c_int::from(late)
}

unsafe extern "C" fn install(
    db: *mut ffi::sqlite3,
    _: *mut *mut c_char,
    _: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite hands us a connection it is opening; the handler takes no argument, and
    // ENABLE_QPSG takes an int and an int pointer (null: no answer wanted).
    unsafe {
        // The connection's busy timeout, set first: registering the ranking function reads
        // the schema, which a writer's checkpoint may hold for a moment, and a failed open is
        // logged by the pool ("SQL logic error") and tried again.
        ffi::sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        ffi::sqlite3_progress_handler(db, STEPS_PER_CHECK, Some(over_budget), std::ptr::null_mut());
        let planner = ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        );
        match planner {
            ffi::SQLITE_OK => super::rank::register(db),
            failed => failed,
        }
    }
}

/// Installs the handler on every connection opened from now on: `conn::open` calls it first.
pub fn install_everywhere() {
    static ONCE: Once = Once::new();
    // SAFETY: registers a function with the signature SQLite expects for auto extensions.
    // Memory statistics can only be turned off before SQLite initializes (registering the
    // extension initializes it); if something initialized it already, the call just fails.
    ONCE.call_once(|| unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
        ffi::sqlite3_auto_extension(Some(install));
    });
}

/// Clears the deadline when the work ends, even by a panic.
struct Deadline;

impl Drop for Deadline {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// Runs `f` (database work on this thread) within `budget`; the answer says whether a statement
/// was interrupted because the budget ran out.
pub fn within<T>(budget: Duration, f: impl FnOnce() -> T) -> (T, bool) {
    SPENT.with(|s| s.set(false));
    DEADLINE.with(|d| d.set(Instant::now().checked_add(budget)));
    let _clear = Deadline;
    let out = f();
    (out, SPENT.with(Cell::get))
}
