//! Full-text search over posts: SQLite FTS5 with bm25 ranking, title weighted above body. A
//! backend-specific module: a PostgreSQL backend replaces it (see `db` for the other places).

use diesel::prelude::*;
use diesel::sql_types::{Double, Text};

use crate::db::Conn;
use crate::error::AppError;

/// Title matches count ten times as much as body matches.
const RANK: &str = "bm25(posts_fts, 10.0, 1.0)";
/// Enough for any page a reader will visit; keeps one query bounded.
const MAX_MATCHES: i64 = 10_000;

/// A user's words as an FTS5 query: each word a quoted prefix term, all required. Nothing the user
/// types is FTS syntax, so `"`, `*`, `AND`, `NEAR(` and the like never cause an error.
pub fn fts_query(q: &str) -> Option<String> {
    let terms: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = Text)]
    post_id: String,
    #[diesel(sql_type = Double)]
    score: f64,
}

/// Ids of posts matching `q`, best match first.
pub fn ranked_ids(conn: &mut Conn, q: &str) -> Result<Vec<String>, AppError> {
    let Some(query) = fts_query(q) else {
        return Ok(vec![]);
    };
    let rows: Vec<Ranked> = diesel::sql_query(format!(
        "SELECT p.id AS post_id, {RANK} AS score FROM posts_fts \
         JOIN posts p ON p.rowid = posts_fts.rowid \
         WHERE posts_fts MATCH ? ORDER BY score, p.id LIMIT {MAX_MATCHES}"
    ))
    .bind::<Text, _>(query)
    .load(conn)?;
    debug_assert!(rows.windows(2).all(|w| w[0].score <= w[1].score));
    Ok(rows.into_iter().map(|r| r.post_id).collect())
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
        assert_eq!(fts_query("rust web").as_deref(), Some("\"rust\"* \"web\"*"));
        assert_eq!(
            fts_query("\"AND\" OR * NEAR( -x").as_deref(),
            Some("\"AND\"* \"OR\"* \"NEAR\"* \"x\"*")
        );
        assert_eq!(fts_query("*** \"\" ()"), None);
        assert_eq!(fts_query("café").as_deref(), Some("\"café\"*"));
    }
}
