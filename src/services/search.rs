//! Full-text search over posts: SQLite FTS5 with bm25 ranking, title weighted above body. A
//! backend-specific module: a PostgreSQL backend replaces it (see `db` for the other places).

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
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    let (last, before) = words.split_last()?;
    let mut terms: Vec<String> = before.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" "))
}

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
    let Some(query) = fts_query(q) else {
        return Ok(Matches::default());
    };
    let newest = |visibility: &str| {
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
    };
    let mut rows: Vec<Ranked> = match live_at {
        Some(now) => diesel::sql_query(newest(
            " AND p.status = 'published' AND p.published_at <= ?",
        ))
        .bind::<Text, _>(query)
        .bind::<Timestamp, _>(now)
        .load(conn)?,
        None => diesel::sql_query(newest(""))
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

/// (Re)indexes a post's title and text.
pub fn index(conn: &mut Conn, post_id: &str, title: &str, text: &str) -> Result<(), AppError> {
    remove(conn, post_id)?;
    diesel::sql_query(
        "INSERT INTO posts_fts (rowid, title, body) SELECT rowid, ?, ? FROM posts WHERE id = ?",
    )
    .bind::<Text, _>(title)
    .bind::<Text, _>(text)
    .bind::<Text, _>(post_id)
    .execute(conn)?;
    Ok(())
}

/// Removes a post from the index; call before deleting the post row.
pub fn remove(conn: &mut Conn, post_id: &str) -> Result<(), AppError> {
    diesel::sql_query("DELETE FROM posts_fts WHERE rowid = (SELECT rowid FROM posts WHERE id = ?)")
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
    }
}
