//! Full-text search over posts, title weighted ten times above body: SQLite FTS5 ranked by
//! bm25, or a PostgreSQL `tsvector` (title weight A, body B, a GIN index) ranked by `ts_rank`.
//! A backend-specific module: the one place that knows either's text-search syntax. Both read
//! the user's words the same way (`words`), and neither lets them become query syntax.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Double, Text, Timestamp};

use crate::db::Conn;
use crate::error::AppError;

/// Title matches count ten times as much as body matches.
const RANK: &str = "bm25(posts_fts, 10.0, 1.0)";
/// At most this many matches are ranked: the newest ones. A word in every post then costs what
/// a rare one does (bm25 is computed per ranked row), and `total` is exact up to this many.
pub const MAX_RANKED: usize = 1_000;

/// A user's words as an FTS5 query: each word a quoted term, all required, the last one a
/// prefix (the word being typed). Only the last: a prefix term merges the lists of every word
/// it begins, which for a common word costs ten times its own list. Nothing the user types is
/// FTS syntax, so `"`, `*`, `AND`, `NEAR(` and the like never cause an error.
pub fn fts_query(q: &str) -> Option<String> {
    let words = words(q);
    let (last, before) = words.split_last()?;
    let mut terms: Vec<String> = before.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" "))
}

/// The same words as a PostgreSQL `tsquery`: `'a' & 'b':*`. Each word is letters and digits
/// only, so quoting it is enough to keep it a plain term.
pub fn ts_query(q: &str) -> Option<String> {
    let words = words(q);
    let (last, before) = words.split_last()?;
    let mut terms: Vec<String> = before.iter().map(|w| format!("'{w}'")).collect();
    terms.push(format!("'{last}':*"));
    Some(terms.join(" & "))
}

/// Up to 16 words of letters and digits; everything else separates them.
fn words(q: &str) -> Vec<&str> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect()
}

/// PostgreSQL: at most this much of a post's text is indexed (a `tsvector` holds at most
/// 1 MiB; a post's text may be that long).
const MAX_INDEXED_TEXT: usize = 256 * 1024;

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = Text)]
    post_id: String,
    #[diesel(sql_type = Double)]
    score: f64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    position: i64,
}

/// The posts matching a search, best first.
#[derive(Debug, Default)]
pub struct Matches {
    pub ids: Vec<String>,
    /// More posts match than `MAX_RANKED`: only the newest of them were ranked.
    pub capped: bool,
}

/// Posts matching `q` (live at `live_at` only, when given), best match first: the newest
/// `MAX_RANKED` matches in index order, then ranked.
pub fn ranked(
    conn: &mut Conn,
    q: &str,
    live_at: Option<NaiveDateTime>,
) -> Result<Matches, AppError> {
    // Backend-specific: each backend's query syntax and ranked statement (`?` for the query,
    // then the visibility's bound time).
    let (query, statement) = match conn {
        Conn::Sqlite(_) => (fts_query(q), ranked_fts as fn(&str) -> String),
        Conn::Postgres(_) => (ts_query(q), ranked_tsvector as fn(&str) -> String),
    };
    let Some(query) = query else {
        return Ok(Matches::default());
    };
    let mut rows: Vec<Ranked> = match live_at {
        Some(now) => crate::db::sql_query(
            conn,
            &statement(" AND p.status = 'published' AND p.published_at <= ?"),
        )
        .bind::<Text, _>(query)
        .bind::<Timestamp, _>(now)
        .load(conn)?,
        None => crate::db::sql_query(conn, &statement(""))
            .bind::<Text, _>(query)
            .load(conn)?,
    };
    let capped = rows.len() > MAX_RANKED;
    if capped {
        // The oldest row, one beyond the cap, only shows that more match.
        let oldest = rows.iter().map(|r| r.position).min().unwrap_or_default();
        rows.retain(|r| r.position != oldest);
    }
    debug_assert!(rows.windows(2).all(|w| w[0].score <= w[1].score));
    Ok(Matches {
        ids: rows.into_iter().map(|r| r.post_id).collect(),
        capped,
    })
}

/// SQLite: the newest matches by rowid (FTS5 walks its index backwards), ranked by bm25.
fn ranked_fts(visibility: &str) -> String {
    format!(
        "SELECT post_id, score, position FROM (\
           SELECT p.id AS post_id, {RANK} AS score, posts_fts.rowid AS position \
           FROM posts_fts \
           CROSS JOIN posts p ON p.rowid = posts_fts.rowid \
           WHERE posts_fts MATCH ?{visibility} \
           ORDER BY posts_fts.rowid DESC LIMIT {limit}\
         ) ORDER BY score, post_id",
        limit = MAX_RANKED + 1
    )
}

/// PostgreSQL: the newest matches by id (ids are UUID v7: time-ordered), ranked by `ts_rank`
/// with title (A) ten times body (B). The score is negated so that, as with bm25, lower is
/// better.
fn ranked_tsvector(visibility: &str) -> String {
    format!(
        "WITH q AS (SELECT to_tsquery('simple', ?) AS query), \
         newest AS (\
           SELECT s.post_id, s.document FROM posts_search s \
           JOIN posts p ON p.id = s.post_id, q \
           WHERE s.document @@ q.query{visibility} \
           ORDER BY s.post_id DESC LIMIT {limit}) \
         SELECT post_id, \
           -ts_rank('{{0, 0, 0.1, 1}}', document, q.query)::float8 AS score, \
           row_number() OVER (ORDER BY post_id) AS position \
         FROM newest, q ORDER BY score, post_id",
        limit = MAX_RANKED + 1
    )
}

/// (Re)indexes a post's title and text.
pub fn index(conn: &mut Conn, post_id: &str, title: &str, text: &str) -> Result<(), AppError> {
    remove(conn, post_id)?;
    let statement = match conn {
        Conn::Sqlite(_) => {
            "INSERT INTO posts_fts (rowid, title, body) SELECT rowid, ?, ? FROM posts WHERE id = ?"
        }
        Conn::Postgres(_) => {
            "INSERT INTO posts_search (post_id, document) VALUES ($3, \
             setweight(to_tsvector('simple', $1), 'A') || setweight(to_tsvector('simple', $2), 'B'))"
        }
    };
    let text = match conn {
        Conn::Postgres(_) => {
            let mut end = text.len().min(MAX_INDEXED_TEXT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            &text[..end]
        }
        Conn::Sqlite(_) => text,
    };
    diesel::sql_query(statement)
        .bind::<Text, _>(title)
        .bind::<Text, _>(text)
        .bind::<Text, _>(post_id)
        .execute(conn)?;
    Ok(())
}

/// Indexes every post again from its stored HTML (a site moved in by `byline transfer`), 50
/// posts to a transaction: each may hold a body of up to `BYLINE_POST_MAX_BYTES`, so a batch
/// stays small in memory at the largest. `progress` hears the count so far; returns how many.
pub fn reindex(conn: &mut Conn, mut progress: impl FnMut(usize)) -> Result<usize, AppError> {
    use crate::db::schema::posts;
    let mut after = String::new();
    let mut done = 0;
    loop {
        let batch: Vec<(String, String, String)> = posts::table
            .filter(posts::id.gt(&after))
            .order(posts::id)
            .limit(50)
            .select((posts::id, posts::title, posts::html))
            .load(conn)?;
        let Some((last, _, _)) = batch.last() else {
            return Ok(done);
        };
        after = last.clone();
        // Rendering text is the slow part: before the transaction.
        let texts: Vec<(String, String, String)> = batch
            .into_iter()
            .map(|(id, title, html)| {
                let text = crate::content::plain_text(&html);
                (id, title, text)
            })
            .collect();
        crate::db::write_transaction(conn, |conn| {
            for (id, title, text) in &texts {
                index(conn, id, title, text)?;
            }
            Ok(())
        })?;
        done += texts.len();
        progress(done);
    }
}

/// Removes a post from the index; call before deleting the post row.
pub fn remove(conn: &mut Conn, post_id: &str) -> Result<(), AppError> {
    let statement = match conn {
        Conn::Sqlite(_) => {
            "DELETE FROM posts_fts WHERE rowid = (SELECT rowid FROM posts WHERE id = ?)"
        }
        Conn::Postgres(_) => "DELETE FROM posts_search WHERE post_id = $1",
    };
    diesel::sql_query(statement)
        .bind::<Text, _>(post_id)
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_never_becomes_fts_syntax() {
        assert_eq!(fts_query("rust web").as_deref(), Some("\"rust\" \"web\"*"));
        assert_eq!(
            fts_query("\"AND\" OR * NEAR( -x").as_deref(),
            Some("\"AND\" \"OR\" \"NEAR\" \"x\"*")
        );
        assert_eq!(fts_query("*** \"\" ()"), None);
        assert_eq!(fts_query("café").as_deref(), Some("\"café\"*"));
        assert_eq!(ts_query("rust web").as_deref(), Some("'rust' & 'web':*"));
        assert_eq!(
            ts_query("'a' & !b | c:* <-> (d)").as_deref(),
            Some("'a' & 'b' & 'c' & 'd':*")
        );
        assert_eq!(ts_query("!&|"), None);
    }
}
