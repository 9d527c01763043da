//! Rules and transactions, without HTTP. Each function takes `&mut db::Conn` so it can run alone
//! or inside a caller's transaction; routes, the CLI and the jobs share them. Services know no
//! actix, no routes and no extractor: the caller comes in as a `domain::Caller`, e-mail text
//! from `mail::templates`, and links from `mail::Links`.

pub mod api_keys;
pub mod comments;
pub mod contact;
pub mod deep_pages;
pub mod idempotency;
pub mod import;
pub mod media;
pub mod moving_in;
pub mod newsletters;
pub mod outbox;
pub mod post_input;
pub mod post_list;
pub mod posts;
pub mod previews;
pub mod search;
pub mod secrets;
pub mod site;
pub mod subscribers;
pub mod tags;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The current time as stored (UTC, no zone, whole microseconds).
pub fn now() -> NaiveDateTime {
    stored(Utc::now().naive_utc())
}

/// A time as both backends store it: to the microsecond (PostgreSQL keeps no finer), so an
/// answer reads the same on either, and before and after a `byline transfer`.
pub fn stored(at: NaiveDateTime) -> NaiveDateTime {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

/// `f` over every item, split over the machine's cores (rendering and sanitizing bodies before a
/// write transaction opens), keeping the items' order. Few items run on the calling thread.
pub fn map_on_all_cores<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(per_thread).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A stored UTC timestamp as the API shows it.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
