//! Deep pages of the public list by date, without walking to them. `page=2501` walked 50,000
//! entries of the live-posts index (5 ms, p99 64 ms under load at 100,000 posts); knowing the
//! key of every `EVERY`-th live post, oldest first, a page walks fewer than `EVERY` entries
//! from the nearest one.
//!
//! The keys are read in one walk of the index and kept while they hold. Positions count from
//! the oldest post, so a scheduled post going live moves none of them (it is newer than every
//! post they count); anything else that changes the live posts changes the published count
//! (a delete, an unpublish) or the latest `updated_at` of a published post (every other write
//! to one sets it): two index lookups tell whether the keys still hold. They are read again
//! after `MAX_AGE` whatever happens, in case nodes' clocks disagree.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::db::schema::posts;
use crate::db::{self, Conn};
use crate::domain::PostState;
use crate::error::AppError;

/// Live posts between two kept keys.
pub const EVERY: i64 = 1000;

/// The longest the keys are kept.
const MAX_AGE: Duration = Duration::from_secs(60);

/// The kept keys of one site (one per process: the app holds it beside `AppState`).
#[derive(Default)]
pub struct DeepPages {
    kept: Mutex<Option<Arc<Keys>>>,
    /// A request is reading the keys.
    reading: AtomicBool,
}

struct Keys {
    seen: Fingerprint,
    read_at: Instant,
    /// `at[k]`: the live post with `(k + 1) * EVERY` live posts older than it.
    at: Vec<(NaiveDateTime, String)>,
}

/// What tells whether the live posts changed since the keys were read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    published: i64,
    latest_update: Option<NaiveDateTime>,
}

/// Where a deep page's walk starts: the rows strictly after `key` in the page's order, less
/// `offset` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub key: (NaiveDateTime, String),
    pub offset: i64,
}

impl DeepPages {
    /// Where to start the page of live posts (at `now`, `live` of them) that begins `offset`
    /// posts from the newest (`newest_first`) or the oldest; `None` when a plain walk is short.
    pub fn skip(
        &self,
        conn: &mut Conn,
        newest_first: bool,
        offset: i64,
        live: i64,
        now: NaiveDateTime,
    ) -> Result<Option<Skip>, AppError> {
        let Some((k, offset)) = walk_from(newest_first, offset, live) else {
            return Ok(None);
        };
        let Some(keys) = self.keys(conn, now)? else {
            return Ok(None);
        };
        Ok(keys.at.get(k).map(|key| Skip {
            key: key.clone(),
            offset,
        }))
    }

    /// Reads the keys ahead of the first deep page (at start-up).
    pub fn warm(&self, conn: &mut Conn, now: NaiveDateTime) -> Result<(), AppError> {
        self.keys(conn, now).map(drop)
    }

    /// The kept keys, read again when they may no longer hold. One request reads them (at
    /// 1,000,000 posts that takes half a second); meanwhile the others use the keys read
    /// before when only their age is up, and walk as they would without keys when the posts
    /// changed, rather than wait.
    fn keys(&self, conn: &mut Conn, now: NaiveDateTime) -> Result<Option<Arc<Keys>>, AppError> {
        let seen = fingerprint(conn)?;
        let kept = || {
            self.kept
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let holding = kept().as_ref().filter(|keys| keys.seen == seen).cloned();
        if let Some(keys) = &holding
            && keys.read_at.elapsed() < MAX_AGE
        {
            return Ok(holding);
        }
        if self.reading.swap(true, Ordering::AcqRel) {
            return Ok(holding);
        }
        let read = read_keys(conn, now);
        self.reading.store(false, Ordering::Release);
        let keys = Arc::new(Keys {
            seen,
            read_at: Instant::now(),
            at: read?,
        });
        *kept() = Some(keys.clone());
        Ok(Some(keys))
    }
}

/// The kept key a page walks from (its index in `Keys::at`: the post `(k + 1) * EVERY` from the
/// oldest) and how many rows past it the page starts.
fn walk_from(newest_first: bool, offset: i64, live: i64) -> Option<(usize, i64)> {
    if offset < EVERY || offset >= live {
        return None;
    }
    let (k, rest) = match newest_first {
        // The rows older than the key, newest first; the page's first is `first` from the oldest.
        true => {
            let first = live - 1 - offset;
            let k = first / EVERY;
            (k, (k + 1) * EVERY - 1 - first)
        }
        // The rows newer than the key, oldest first.
        false => {
            let k = (offset - 1) / EVERY - 1;
            (k, offset - (k + 1) * EVERY - 1)
        }
    };
    Some((usize::try_from(k).ok()?, rest))
}

fn fingerprint(conn: &mut Conn) -> Result<Fingerprint, AppError> {
    let published = super::post_list::published_total(conn)?;
    let latest_update = posts::table
        .filter(posts::status.eq(PostState::Published))
        .select(diesel::dsl::max(posts::updated_at))
        .first(conn)?;
    Ok(Fingerprint {
        published,
        latest_update,
    })
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Timestamp)]
    published_at: NaiveDateTime,
    #[diesel(sql_type = Text)]
    id: String,
}

/// Every `EVERY`-th live post, oldest first: one walk of the live-posts index.
fn read_keys(
    conn: &mut Conn,
    now: NaiveDateTime,
) -> Result<Vec<(NaiveDateTime, String)>, AppError> {
    let statement = format!(
        "SELECT published_at, id FROM (\
           SELECT published_at, id, row_number() OVER (ORDER BY published_at, id) - 1 AS older \
           FROM posts WHERE status = 'published' AND published_at <= ?\
         ) AS live WHERE older > 0 AND older % {EVERY} = 0 ORDER BY older"
    );
    let rows: Vec<KeyRow> = db::sql_query(conn, &statement)
        .bind::<Timestamp, _>(now)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.published_at, r.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_lands_where_a_plain_walk_would() {
        let mut landed = 0;
        for live in [1_000, 1_001, 2_500, 10_000, 100_000] {
            // Keys are kept at 1000, 2000, … from the oldest, up to the newest post.
            let kept = usize::try_from((live - 1) / EVERY).expect("small");
            for offset in [
                0, 999, 1_000, 1_001, 1_999, 2_000, 2_001, 4_321, 50_000, 99_999,
            ] {
                for newest_first in [true, false] {
                    let Some((k, rest)) = walk_from(newest_first, offset, live) else {
                        // Oldest first, the post at EVERY is the first key itself: no key is before it.
                        let first_key = !newest_first && offset == EVERY;
                        assert!(
                            offset < EVERY || offset >= live || first_key,
                            "{live} {offset}"
                        );
                        continue;
                    };
                    if k >= kept {
                        continue; // no such key: the plain walk, from the newest
                    }
                    landed += 1;
                    let key_position = (i64::try_from(k).expect("small") + 1) * EVERY;
                    assert!((0..EVERY).contains(&rest), "{live} {offset} {newest_first}");
                    // The page's first post, counted from the oldest, both ways.
                    let first = match newest_first {
                        true => key_position - 1 - rest,
                        false => key_position + 1 + rest,
                    };
                    let wanted = match newest_first {
                        true => live - 1 - offset,
                        false => offset,
                    };
                    assert_eq!(first, wanted, "{live} {offset} {newest_first}");
                }
            }
        }
        assert!(landed > 20, "{landed}");
    }
}
