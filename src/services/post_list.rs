//! Listing posts at any size. A page is one index walk (live posts by date, a tag's posts by
//! date, an author's posts by date: see the `scale` migration), totals come from the counters
//! the database triggers keep in the same transaction as each change, and a `cursor` continues
//! a walk where the last page ended, at the same cost at any depth.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};

use super::deep_pages::{self, DeepPages};
use super::posts::{PostView, Viewer, live, with_authors_and_tags};
use super::search;
use crate::db::fragments::{Unindexed, one_of, row_compare};
use crate::db::models::Post;
use crate::db::schema::{post_counts, post_tags, posts, tags};
use crate::db::{self, Conn};
use crate::domain::{Cursor, Paging, PostState, PostStatus};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    PublishedAtAsc,
    PublishedAtDesc,
    UpdatedAtAsc,
    UpdatedAtDesc,
    TitleAsc,
    TitleDesc,
}

impl Sort {
    /// The name a cursor carries, so a cursor from another ordering is refused.
    fn name(self) -> &'static str {
        match self {
            Sort::PublishedAtAsc => "published_at",
            Sort::PublishedAtDesc => "-published_at",
            Sort::UpdatedAtAsc => "updated_at",
            Sort::UpdatedAtDesc => "-updated_at",
            Sort::TitleAsc => "title",
            Sort::TitleDesc => "-title",
        }
    }

    fn descending(self) -> bool {
        matches!(
            self,
            Sort::PublishedAtDesc | Sort::UpdatedAtDesc | Sort::TitleDesc
        )
    }

    /// The sort key of a post, as a cursor holds it.
    fn key(self, p: &Post) -> Option<String> {
        match self {
            Sort::PublishedAtAsc | Sort::PublishedAtDesc => p.published_at.map(format_time),
            Sort::UpdatedAtAsc | Sort::UpdatedAtDesc => Some(format_time(p.updated_at)),
            Sort::TitleAsc | Sort::TitleDesc => Some(p.title.clone()),
        }
    }
}

/// Best match first, for a search without `sort`.
const RANK_ORDER: &str = "rank";

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

fn format_time(t: NaiveDateTime) -> String {
    t.format(TIME_FORMAT).to_string()
}

fn bad_cursor(reason: impl Into<String>) -> AppError {
    AppError::BadRequest(reason.into())
}

fn parse_time(key: &str) -> Result<NaiveDateTime, AppError> {
    NaiveDateTime::parse_from_str(key, TIME_FORMAT).map_err(|_| bad_cursor("cursor is not valid"))
}

#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub status: Option<PostStatus>,
    pub q: Option<String>,
    pub sort: Option<Sort>,
    /// Only the post(s) that moved in from this old URL.
    pub source_url: Option<String>,
    /// Load `markdown` and `html` (else they are left empty).
    pub bodies: bool,
}

/// One page of a listing.
#[derive(Debug)]
pub struct PostPage {
    pub views: Vec<PostView>,
    pub total: i64,
    /// `total` is a lower bound: a search matched more posts than are ranked.
    pub total_is_lower_bound: bool,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

type Condition = Box<dyn BoxableExpression<posts::table, db::Backend, SqlType = Nullable<Bool>>>;

impl PostFilter {
    /// Nothing narrows the list: every post the viewer may see (perhaps by a status).
    fn is_everything(&self) -> bool {
        let PostFilter {
            tag,
            author,
            status,
            q,
            source_url,
            sort: _,
            bodies: _,
        } = self;
        tag.is_none()
            && author.is_none()
            && q.is_none()
            && source_url.is_none()
            && matches!(status, None | Some(PostStatus::Published))
    }

    /// The viewer sees live posts only, whatever else the filter says.
    fn live_only(&self, viewer: &Viewer) -> bool {
        match self.status {
            Some(PostStatus::Published) => true,
            None => viewer.is_public(),
            Some(_) => false,
        }
    }
}

/// `live(now)` that no index can serve. Beside `id IN (…)` — a search's few matches — the
/// planner would otherwise walk the whole live-posts index, checking each entry against the
/// list, instead of looking up the ids (50 ms at 100,000 posts, not 50 µs).
fn live_unindexed(now: NaiveDateTime) -> Condition {
    Box::new(
        Unindexed(posts::status)
            .eq(PostState::Published)
            .and(Unindexed(posts::published_at).le(now))
            .nullable(),
    )
}

fn conditions(
    viewer: &Viewer,
    filter: &PostFilter,
    now: NaiveDateTime,
    ids: Option<&[String]>,
) -> Vec<Condition> {
    let mut out: Vec<Condition> = Vec::new();
    let live_posts = || -> Condition {
        match ids {
            Some(_) => live_unindexed(now),
            None => Box::new(live(now)),
        }
    };
    match viewer {
        Viewer::Public => out.push(live_posts()),
        Viewer::User(u) if !u.may_change(None) => out.push(Box::new(
            live(now).or(posts::author_id.eq(u.user_id.clone()).nullable()),
        )),
        Viewer::User(_) => {}
    }
    match filter.status {
        None => {}
        Some(PostStatus::Published) => out.push(live_posts()),
        Some(PostStatus::Scheduled) => out.push(Box::new(
            posts::status
                .eq(PostState::Published)
                .nullable()
                .and(posts::published_at.gt(now)),
        )),
        Some(other) => out.push(Box::new(posts::status.eq(other.state()).nullable())),
    }
    if let Some(tag) = &filter.tag {
        let tagged = post_tags::table
            .inner_join(tags::table)
            .filter(tags::slug.eq(tag.clone()))
            .select(post_tags::post_id);
        out.push(Box::new(posts::id.eq_any(tagged).nullable()));
    }
    if let Some(author) = &filter.author {
        out.push(match ids {
            Some(_) => Box::new(Unindexed(posts::author_id).eq(author.clone()).nullable()),
            None => Box::new(posts::author_id.eq(author.clone()).nullable()),
        });
    }
    if let Some(ids) = ids {
        out.push(Box::new(one_of(posts::id, ids).nullable()));
    }
    out
}

/// Only rows after the cursor's, in the sort's order. `nullable`: never-published posts may be
/// in the list (they sort after every dated one).
fn after(sort: Sort, cursor: &Cursor, nullable: bool) -> Result<Condition, AppError> {
    use diesel::IntoSql;
    let less = sort.descending();
    let id = || cursor.id.clone().into_sql::<Text>();
    Ok(match (sort, cursor.key.as_deref()) {
        (Sort::PublishedAtAsc | Sort::PublishedAtDesc, Some(key)) => {
            let time = parse_time(key)?.into_sql::<Timestamp>();
            let after = row_compare((posts::published_at, posts::id), less, (time, id()));
            if nullable {
                Box::new(after.or(posts::published_at.is_null()).nullable())
            } else {
                Box::new(after.nullable())
            }
        }
        (Sort::PublishedAtAsc | Sort::PublishedAtDesc, None) if nullable => {
            let undated = posts::published_at.is_null();
            match less {
                true => Box::new(undated.and(posts::id.lt(id())).nullable()),
                false => Box::new(undated.and(posts::id.gt(id())).nullable()),
            }
        }
        (Sort::UpdatedAtAsc | Sort::UpdatedAtDesc, Some(key)) => {
            let time = parse_time(key)?.into_sql::<Timestamp>();
            Box::new(row_compare((posts::updated_at, posts::id), less, (time, id())).nullable())
        }
        (Sort::TitleAsc | Sort::TitleDesc, Some(title)) => {
            let title = title.to_string().into_sql::<Text>();
            Box::new(row_compare((posts::title, posts::id), less, (title, id())).nullable())
        }
        _ => return Err(bad_cursor("cursor is not valid")),
    })
}

/// The time live posts are listed up to. Walking newest first from a cursor, the cursor's time
/// is the tighter bound: given as the range's one upper bound, the index seeks straight to it
/// (SQLite uses one upper bound per column, and would otherwise walk down from `now`).
fn live_bound(
    sort: Sort,
    cursor: Option<&Cursor>,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, AppError> {
    match cursor.and_then(|c| c.key.as_deref()) {
        Some(key) if sort == Sort::PublishedAtDesc => Ok(parse_time(key)?.min(now)),
        _ => Ok(now),
    }
}

/// A page of posts the viewer may see, with authors and tags, in a fixed number of queries.
pub fn list(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &PostFilter,
    paging: &Paging,
    deep: Option<&DeepPages>,
    now: NaiveDateTime,
) -> Result<PostPage, AppError> {
    let per_page = i64::from(paging.per_page());
    if let (Some(q), None, None) = (filter.q.as_deref(), filter.sort, &filter.source_url) {
        return ranked_page(conn, viewer, filter, q, paging, now);
    }
    let sort = filter.sort.unwrap_or(Sort::PublishedAtDesc);
    let cursor = match paging {
        Paging::After { cursor, .. } => Some(cursor.expect(sort.name()).map_err(bad_cursor)?),
        Paging::Page(_) => None,
    };
    let live_only = filter.live_only(viewer);
    // A tag is looked up once; an unknown one lists nothing.
    let tag_id = match filter.tag.as_deref() {
        Some(slug) => match tag_id(conn, slug)? {
            Some(id) => Some(id),
            None => {
                return Ok(PostPage {
                    views: vec![],
                    total: 0,
                    total_is_lower_bound: false,
                    next_cursor: None,
                });
            }
        },
        None => None,
    };
    let matches = match filter.q.as_deref() {
        Some(q) => Some(search::ranked(conn, q, live_only.then_some(now))?),
        None => None,
    };
    let matches = match filter.source_url.as_deref() {
        Some(url) => {
            let found = moved_from(conn, url)?;
            Some(match matches {
                Some(m) => search::Matches {
                    ids: m.ids.into_iter().filter(|id| found.contains(id)).collect(),
                    capped: m.capped,
                },
                None => search::Matches {
                    ids: found,
                    capped: false,
                },
            })
        }
        None => matches,
    };
    // A deep page of everything by date starts its walk from a kept key.
    let by_date = matches!(sort, Sort::PublishedAtAsc | Sort::PublishedAtDesc);
    let mut offset = paging.offset();
    let deep = deep.filter(|_| {
        by_date
            && cursor.is_none()
            && viewer.is_public()
            && filter.is_everything()
            && offset >= deep_pages::EVERY
    });
    let skip = match deep {
        Some(deep) => {
            let live = live_count(conn, &Scope::Site, now)?;
            deep.skip(conn, sort.descending(), offset, live, now)?
        }
        None => None,
    };
    let bound = match &skip {
        // As with a cursor, the key's time is the one upper bound walking newest first.
        Some(skip) if sort.descending() => skip.key.0.min(now),
        _ if live_only => live_bound(sort, cursor, now)?,
        _ => now,
    };
    let tag_walk = filter.author.is_none()
        && matches.is_none()
        && live_only
        && matches!(sort, Sort::PublishedAtAsc | Sort::PublishedAtDesc);
    // One more than the page, to know whether another follows.
    let mut page_ids: Vec<String> = match tag_id.as_deref() {
        Some(tag_id) if tag_walk => tag_page(
            conn,
            tag_id,
            sort,
            cursor,
            paging.offset(),
            per_page + 1,
            bound,
        )?,
        _ => {
            let ids = matches.as_ref().map(|m| m.ids.as_slice());
            let mut query = posts::table.select(posts::id).into_boxed();
            for c in conditions(viewer, filter, bound, ids) {
                query = query.filter(c);
            }
            if let Some(cursor) = cursor {
                query = query.filter(after(sort, cursor, !live_only)?);
            }
            if let Some(skip) = skip {
                use diesel::IntoSql;
                let (time, id) = skip.key;
                let key = (time.into_sql::<Timestamp>(), id.into_sql::<Text>());
                let columns = (posts::published_at, posts::id);
                query = query.filter(row_compare(columns, sort.descending(), key).nullable());
                offset = skip.offset;
            }
            query = match sort {
                // Live posts have a time: the plain order walks `posts_live` on either
                // backend (PostgreSQL's NULLS LAST would not match that index).
                Sort::PublishedAtDesc if live_only => {
                    query.order((posts::published_at.desc(), posts::id.desc()))
                }
                // Never-published drafts (NULL) come last either way.
                Sort::PublishedAtDesc => query.order((
                    db::fragments::nulls_last(posts::published_at, true),
                    posts::id.desc(),
                )),
                Sort::PublishedAtAsc if live_only => {
                    query.order((posts::published_at.asc(), posts::id.asc()))
                }
                Sort::PublishedAtAsc => query.order((
                    db::fragments::nulls_last(posts::published_at, false),
                    posts::id.asc(),
                )),
                Sort::UpdatedAtDesc => query.order((posts::updated_at.desc(), posts::id.desc())),
                Sort::UpdatedAtAsc => query.order((posts::updated_at.asc(), posts::id.asc())),
                Sort::TitleAsc => query.order((posts::title.asc(), posts::id.asc())),
                Sort::TitleDesc => query.order((posts::title.desc(), posts::id.desc())),
            };
            query.offset(offset).limit(per_page + 1).load(conn)?
        }
    };
    let more = page_ids.len() as i64 > per_page;
    page_ids.truncate(usize::try_from(per_page).unwrap_or(0));
    let rows = load_in_order(conn, &page_ids, filter.bodies)?;
    let next_cursor = match rows.last() {
        Some(last) if more => Some(Cursor::new(sort.name(), sort.key(last), &last.id).encode()),
        _ => None,
    };
    let (total, total_is_lower_bound) = match &matches {
        Some(m) => (
            count_visible(conn, viewer, filter, now, Some(&m.ids))?,
            m.capped,
        ),
        None => (total(conn, viewer, filter, tag_id.as_deref(), now)?, false),
    };
    Ok(PostPage {
        views: with_authors_and_tags(conn, rows)?,
        total,
        total_is_lower_bound,
        next_cursor,
    })
}

/// The posts that moved in from `url`, however the link was written: `http` or `https`, with or
/// without a trailing slash. A handful of index lookups.
fn moved_from(conn: &mut Conn, url: &str) -> Result<Vec<String>, AppError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let bare = rest.trim_end_matches('/');
    let mut spellings = vec![url.to_string()];
    for scheme in ["https://", "http://"] {
        spellings.push(format!("{scheme}{bare}"));
        spellings.push(format!("{scheme}{bare}/"));
    }
    Ok(posts::table
        .filter(posts::source_url.eq_any(spellings))
        .select(posts::id)
        .limit(20)
        .load(conn)?)
}

/// A search without `sort`: best match first among the ranked matches the viewer may see.
fn ranked_page(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &PostFilter,
    q: &str,
    paging: &Paging,
    now: NaiveDateTime,
) -> Result<PostPage, AppError> {
    let live_only = filter.live_only(viewer);
    let matches = search::ranked(conn, q, live_only.then_some(now))?;
    let ranked: Vec<&String> = if live_only && filter.tag.is_none() && filter.author.is_none() {
        // The search kept live posts only, and nothing else is asked: every match is visible
        // (checking 1,000 of them again was a fifth of a common word's search).
        matches.ids.iter().collect()
    } else {
        let mut query = posts::table.select(posts::id).into_boxed();
        for c in conditions(viewer, filter, now, Some(&matches.ids)) {
            query = query.filter(c);
        }
        let visible: std::collections::HashSet<String> =
            query.load::<String>(conn)?.into_iter().collect();
        matches
            .ids
            .iter()
            .filter(|id| visible.contains(*id))
            .collect()
    };
    // A search cursor holds the position of the last post seen in the ranking.
    let start = match paging {
        Paging::Page(p) => usize::try_from(p.offset()).unwrap_or(usize::MAX),
        Paging::After { cursor, .. } => {
            let c = cursor.expect(RANK_ORDER).map_err(bad_cursor)?;
            let position: usize = c
                .key
                .as_deref()
                .and_then(|k| k.parse().ok())
                .ok_or_else(|| bad_cursor("cursor is not valid"))?;
            position.saturating_add(1)
        }
    };
    let per_page = usize::try_from(paging.per_page()).unwrap_or(0);
    let page_ids: Vec<String> = ranked
        .iter()
        .skip(start)
        .take(per_page)
        .map(|id| (*id).clone())
        .collect();
    let end = start.saturating_add(page_ids.len());
    let next_cursor = match page_ids.last() {
        Some(last) if end < ranked.len() => {
            Some(Cursor::new(RANK_ORDER, Some((end - 1).to_string()), last).encode())
        }
        _ => None,
    };
    let rows = load_in_order(conn, &page_ids, filter.bodies)?;
    Ok(PostPage {
        views: with_authors_and_tags(conn, rows)?,
        total: ranked.len() as i64,
        total_is_lower_bound: matches.capped,
        next_cursor,
    })
}

fn tag_id(conn: &mut Conn, slug: &str) -> Result<Option<String>, AppError> {
    Ok(tags::table
        .filter(tags::slug.eq(slug))
        .select(tags::id)
        .first(conn)
        .optional()?)
}

/// Posts of a tag live at `bound`, by date: a walk of the `post_tags_tag` index alone.
fn tag_page(
    conn: &mut Conn,
    tag_id: &str,
    sort: Sort,
    cursor: Option<&Cursor>,
    offset: i64,
    limit: i64,
    bound: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let mut query = post_tags::table
        .filter(post_tags::tag_id.eq(tag_id))
        .filter(post_tags::status.eq(PostState::Published))
        .filter(post_tags::published_at.le(bound))
        .select(post_tags::post_id)
        .into_boxed();
    let descending = sort.descending();
    if let Some(cursor) = cursor {
        let key = cursor
            .key
            .as_deref()
            .ok_or_else(|| bad_cursor("cursor is not valid"))?;
        use diesel::IntoSql;
        query = query.filter(row_compare(
            (post_tags::published_at, post_tags::post_id),
            descending,
            (
                parse_time(key)?.into_sql::<Timestamp>(),
                cursor.id.clone().into_sql::<Text>(),
            ),
        ));
    }
    query = if descending {
        query.order((post_tags::published_at.desc(), post_tags::post_id.desc()))
    } else {
        query.order((post_tags::published_at.asc(), post_tags::post_id.asc()))
    };
    Ok(query.offset(offset).limit(limit).load(conn)?)
}

/// The posts with these ids, in the same order.
fn load_in_order(conn: &mut Conn, ids: &[String], bodies: bool) -> Result<Vec<Post>, AppError> {
    let query = posts::table.filter(one_of(posts::id, ids));
    let rows = match bodies {
        true => query.select(Post::as_select()).load(conn)?,
        false => query.select(without_bodies()).load(conn)?,
    };
    let mut loaded: HashMap<String, Post> = rows.into_iter().map(|p| (p.id.clone(), p)).collect();
    Ok(ids.iter().filter_map(|id| loaded.remove(id)).collect())
}

/// `without_bodies()`: a post's columns in `Post`'s order, its bodies left empty. The bodies
/// are most of a row's bytes (on overflow pages of their own), and a list shows them only when
/// `fields` asks. One list of columns makes both the type and the value.
macro_rules! columns_without_bodies {
    ($($before:ident),* ; bodies ; $($after:ident),*) => {
        #[allow(clippy::type_complexity)]
        fn without_bodies() -> (
            $(posts::$before,)*
            diesel::dsl::AsExprOf<Option<String>, Nullable<Text>>,
            diesel::dsl::AsExprOf<String, Text>,
            $(posts::$after,)*
        ) {
            use diesel::IntoSql;
            (
                $(posts::$before,)*
                None::<String>.into_sql::<Nullable<Text>>(),
                String::new().into_sql::<Text>(),
                $(posts::$after,)*
            )
        }
    };
}

columns_without_bodies!(
    id, slug, title, excerpt, excerpt_is_custom;
    bodies;
    status, published_at, author_id, feature_image, meta_title, meta_description, word_count,
    comments_enabled, comment_count, created_at, updated_at, email_subscribers, source_url,
    feature_image_variants
);

/// Where a count is kept: the whole site, one tag, one author.
enum Scope {
    Site,
    Tag(String),
    Author(String),
}

impl Scope {
    fn key(&self) -> String {
        match self {
            Scope::Site => String::new(),
            Scope::Tag(id) => format!("tag:{id}"),
            Scope::Author(id) => format!("author:{id}"),
        }
    }
}

/// Posts in a stored state (or in any, with `None`) within a scope: kept by triggers.
fn stored(conn: &mut Conn, scope: &Scope, state: Option<PostState>) -> Result<i64, AppError> {
    // At most one row per state: summed here rather than through SQL's `sum` type.
    let mut query = post_counts::table
        .filter(post_counts::scope.eq(scope.key()))
        .select(post_counts::n)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(post_counts::status.eq(state));
    }
    Ok(query.load::<i64>(conn)?.into_iter().sum())
}

/// Published posts whose time has not come, within a scope: a short index range after `now`.
fn scheduled(conn: &mut Conn, scope: &Scope, now: NaiveDateTime) -> Result<i64, AppError> {
    Ok(match scope {
        Scope::Site => posts::table
            .filter(posts::status.eq(PostState::Published))
            .filter(posts::published_at.gt(now))
            .select(count_star())
            .first(conn)?,
        Scope::Author(id) => posts::table
            .filter(posts::author_id.eq(id))
            .filter(posts::status.eq(PostState::Published))
            .filter(posts::published_at.gt(now))
            .select(count_star())
            .first(conn)?,
        Scope::Tag(id) => post_tags::table
            .filter(post_tags::tag_id.eq(id))
            .filter(post_tags::status.eq(PostState::Published))
            .filter(post_tags::published_at.gt(now))
            .select(count_star())
            .first(conn)?,
    })
}

/// Published posts on the whole site, scheduled ones too: a kept counter.
pub(super) fn published_total(conn: &mut Conn) -> Result<i64, AppError> {
    stored(conn, &Scope::Site, Some(PostState::Published))
}

/// Live posts on the whole site.
pub fn live_total(conn: &mut Conn, now: NaiveDateTime) -> Result<i64, AppError> {
    live_count(conn, &Scope::Site, now)
}

/// Live posts in a scope: the published count less the few still scheduled.
fn live_count(conn: &mut Conn, scope: &Scope, now: NaiveDateTime) -> Result<i64, AppError> {
    Ok(stored(conn, scope, Some(PostState::Published))? - scheduled(conn, scope, now)?)
}

/// How many posts the listing has: from the counters when the filter is one they keep
/// (everyone's posts, one tag's, one author's, by state), else counted.
fn total(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &PostFilter,
    tag_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let scope = match (tag_id, &filter.author) {
        (None, None) => Some(Scope::Site),
        (Some(id), None) => Some(Scope::Tag(id.to_string())),
        (None, Some(author)) => Some(Scope::Author(author.clone())),
        (Some(_), Some(_)) => None,
    };
    let sees_all = match viewer {
        Viewer::Public => false,
        Viewer::User(u) => u.may_change(None),
    };
    match (scope, filter.status) {
        (Some(scope), _) if filter.live_only(viewer) => live_count(conn, &scope, now),
        (Some(scope), None) if sees_all => stored(conn, &scope, None),
        (Some(scope), Some(PostStatus::Scheduled)) if sees_all => scheduled(conn, &scope, now),
        (Some(scope), Some(status)) if sees_all => stored(conn, &scope, Some(status.state())),
        _ => count_visible(conn, viewer, filter, now, None),
    }
}

/// Counts what the viewer may see with the filter, row by row: for the combinations no counter
/// keeps (both a tag and an author; an author's own drafts among live posts; search matches).
fn count_visible(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &PostFilter,
    now: NaiveDateTime,
    ids: Option<&[String]>,
) -> Result<i64, AppError> {
    let mut count = posts::table.select(count_star()).into_boxed();
    for c in conditions(viewer, filter, now, ids) {
        count = count.filter(c);
    }
    Ok(count.get_result(conn)?)
}
