//! Full-text search over posts, title weighted ten times above body: SQLite FTS5 ranked by
//! BM25 (`RANK`), or a PostgreSQL `tsvector` (title weight A, body B, a GIN index) ranked by `ts_rank`.
//! A backend-specific module: the one place that knows either's text-search syntax. Both read
//! the user's words the same way (`words`), and neither lets them become query syntax.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Double, Text, Timestamp};

use crate::db::{self, Conn};
use crate::error::AppError;

/// Title matches count ten times as much as body matches (`db::rank`: BM25 without the walk
/// over each word's whole list that its rarity costs).
const RANK: &str = "byline_rank(posts_fts, 10.0, 1.0)";
/// At most this many matches are ranked: the newest ones. A word in every post then costs what
/// a rare one does (the rank is computed per ranked row), and `total` is exact up to this many.
pub const MAX_RANKED: usize = 1_000;

/// What a user searched for: up to 16 words of letters and digits (everything else separates
/// them), so nothing typed is query syntax.
pub struct Words<'a>(Vec<&'a str>);

impl<'a> Words<'a> {
    /// `None` when `q` holds no word.
    pub fn of(q: &'a str) -> Option<Words<'a>> {
        let words: Vec<&str> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(16)
            .collect();
        (!words.is_empty()).then_some(Words(words))
    }

    /// As an FTS5 query: each word a quoted term, all required, the last one a prefix (the word
    /// being typed) with `prefix`. Only the last: a prefix term merges the lists of every word
    /// it begins, which for a common word costs ten times its own list. So `"`, `*`, `AND`,
    /// `NEAR(` and the like never cause an error.
    pub fn fts(&self, prefix: bool) -> String {
        let mut terms: Vec<String> = self.0.iter().map(|w| format!("\"{w}\"")).collect();
        if let (Some(last), true) = (terms.last_mut(), prefix) {
            last.push('*');
        }
        terms.join(" ")
    }

    /// As a PostgreSQL `tsquery`: `'a' & 'b':*` (with `prefix`), or `'a' & 'b'`. Each word is
    /// letters and digits only, so quoting it is enough to keep it a plain term.
    pub fn tsquery(&self, prefix: bool) -> String {
        let mut terms: Vec<String> = self.0.iter().map(|w| format!("'{w}'")).collect();
        if let (Some(last), true) = (terms.last_mut(), prefix) {
            last.push_str(":*");
        }
        terms.join(" & ")
    }
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
    let Some(words) = Words::of(q) else {
        return Ok(Matches::default());
    };
    // A prefix term gathers every post holding any word it begins before the newest are taken
    // (FTS5 merges those lists whole): for a word in every post, three times the work of the
    // word itself. So the words are matched as typed first; when that fills the cap, the posts
    // ranked are the newest that hold the words as typed, else the last word is read as a
    // prefix too. The same on both backends, so both give the same answers.
    let typed = ranked_rows(conn, &words, false, live_at)?;
    let mut rows = match typed.len() > MAX_RANKED {
        true => typed,
        false => ranked_rows(conn, &words, true, live_at)?,
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

/// The newest matches of `words` (the last one a prefix with `prefix`), ranked.
fn ranked_rows(
    conn: &mut Conn,
    words: &Words,
    prefix: bool,
    live_at: Option<NaiveDateTime>,
) -> Result<Vec<Ranked>, AppError> {
    let live = live_at.is_some();
    let statement = match conn {
        Conn::Sqlite(_) => diesel::sql_query(ranked_fts(live))
            .into_boxed::<crate::db::Backend>()
            .bind::<Text, _>(words.fts(prefix)),
        Conn::Postgres(_) => diesel::sql_query(ranked_tsvector(live))
            .into_boxed()
            .bind::<Text, _>(words.tsquery(prefix))
            .bind::<Text, _>(words.tsquery(false)),
    };
    Ok(match live_at {
        Some(now) => statement.bind::<Timestamp, _>(now).load(conn)?,
        None => statement.load(conn)?,
    })
}

/// SQLite: the newest matches by rowid (FTS5 walks its index backwards), ranked by `RANK`.
/// Each match's id, state and time come from `post_states`, a narrow copy of the posts' (a few
/// dozen rows to a page, where a post row takes a page or more).
fn ranked_fts(live: bool) -> String {
    let visibility = match live {
        true => " AND s.status = 'published' AND s.published_at <= ?",
        false => "",
    };
    format!(
        "SELECT post_id, score, position FROM (\
           SELECT s.id AS post_id, {RANK} AS score, posts_fts.rowid AS position \
           FROM posts_fts \
           CROSS JOIN post_states s ON s.post_rowid = posts_fts.rowid \
           WHERE posts_fts MATCH ?{visibility} \
           ORDER BY posts_fts.rowid DESC LIMIT {limit}\
         ) ORDER BY score, post_id",
        limit = MAX_RANKED + 1
    )
}

/// PostgreSQL: the newest matches by id (ids are UUID v7: time-ordered), ranked by `ts_rank`
/// with title (A) ten times body (B). The score is negated so that, as with BM25, lower is
/// better. Bound: the query, the same words without the prefix, then the visibility's time.
///
/// The planner must see how common the words are to choose well: a rare word reads its few
/// matches from the GIN index, a common one walks the ids backwards until the cap (7 ms at
/// 10,000 matches, against 55–81 ms gathering every match first). So the queries are a
/// subquery it folds in (a CTE would hide them), the table filtered is the index's own (its
/// copies of each post's status and time, not a join), and the words are also matched
/// without the prefix, which changes nothing (a word matches its own prefix) but gives an
/// estimate: PostgreSQL guesses 2% for any prefix. Only the rows kept are ranked.
fn ranked_tsvector(live: bool) -> String {
    let visibility = match live {
        true => " AND s.status = 'published' AND s.published_at <= $3",
        false => "",
    };
    format!(
        "SELECT post_id, score, row_number() OVER (ORDER BY post_id) AS position FROM (\
           SELECT s.post_id, -ts_rank('{{0, 0, 0.1, 1}}', s.document, q.query)::float8 AS score \
           FROM (SELECT to_tsquery('simple', $1) AS query, to_tsquery('simple', $2) AS whole) q, \
             posts_search s \
           WHERE (s.document @@ q.whole OR s.document @@ q.query){visibility} \
           ORDER BY s.post_id DESC LIMIT {limit}\
         ) newest ORDER BY score, post_id",
        limit = MAX_RANKED + 1
    )
}

/// A post's search entry, to be written.
pub struct Entry {
    pub post_id: String,
    pub title: String,
    pub text: String,
}

/// Writes the pending entries (`index` each), leaving the list empty.
pub fn index_all(conn: &mut Conn, entries: &mut Vec<Entry>) -> Result<(), AppError> {
    for entry in entries.drain(..) {
        index(conn, &entry.post_id, &entry.title, &entry.text)?;
    }
    Ok(())
}

/// Indexes the title and text of a post not in the index (`remove` takes an old entry out).
pub fn index(conn: &mut Conn, post_id: &str, title: &str, text: &str) -> Result<(), AppError> {
    let statement = match conn {
        Conn::Sqlite(_) => {
            // One row of VALUES: an `INSERT ... SELECT` may need undoing midway, so SQLite
            // opens a statement savepoint for it, at which FTS5 writes out its pending entries.
            "INSERT INTO posts_fts (rowid, title, body) \
             VALUES ((SELECT rowid FROM posts WHERE id = ?3), ?1, ?2)"
        }
        Conn::Postgres(_) => {
            "INSERT INTO posts_search (post_id, document, status, published_at) \
             SELECT id, setweight(to_tsvector('simple', $1), 'A') \
               || setweight(to_tsvector('simple', $2), 'B'), status, published_at \
             FROM posts WHERE id = $3"
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
    let insert = diesel::sql_query(statement)
        .bind::<Text, _>(title)
        .bind::<Text, _>(text)
        .bind::<Text, _>(post_id);
    db::natively!(conn, |c| insert.execute(c))?;
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
        let fts = |q| Words::of(q).map(|w| w.fts(true));
        let ts = |q, prefix| Words::of(q).map(|w| w.tsquery(prefix));
        assert_eq!(fts("rust web").as_deref(), Some("\"rust\" \"web\"*"));
        assert_eq!(
            fts("\"AND\" OR * NEAR( -x").as_deref(),
            Some("\"AND\" \"OR\" \"NEAR\" \"x\"*")
        );
        assert_eq!(fts("*** \"\" ()"), None);
        assert_eq!(fts("café").as_deref(), Some("\"café\"*"));
        let typed = Words::of("rust web").map(|w| w.fts(false));
        assert_eq!(typed.as_deref(), Some("\"rust\" \"web\""));
        assert_eq!(ts("rust web", true).as_deref(), Some("'rust' & 'web':*"));
        assert_eq!(ts("rust web", false).as_deref(), Some("'rust' & 'web'"));
        assert_eq!(
            ts("'a' & !b | c:* <-> (d)", true).as_deref(),
            Some("'a' & 'b' & 'c' & 'd':*")
        );
        assert_eq!(ts("!&|", true), None);
    }
}
