//! `byline_rank(posts_fts, title_weight, body_weight)`: the FTS5 ranking function searches use on
//! SQLite. It is FTS5's BM25 without each word's inverse document frequency: to know how rare a
//! word is, `bm25` walks the word's whole list once per query (100,000 entries for a word in
//! every post of a 100,000-post blog; a third of a common word's search), the one part of a
//! search whose cost grew with the site. Every word of a query is required, so the IDF only
//! weighs the words against each other; and for a word in more than half the posts BM25's IDF is
//! clamped to almost zero, leaving every match tied. Lower is better, as with `bm25`.
//! SQLite-specific: registered on each connection as it opens (`budget::install`).

use std::ffi::c_int;

use libsqlite3_sys as ffi;

/// BM25's term-frequency saturation and length normalisation, FTS5's values.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Registers `byline_rank` on a connection being opened; SQLite's result code.
///
/// # Safety
/// `db` must be a connection SQLite is opening (an auto-extension's argument).
pub(super) unsafe fn register(db: *mut ffi::sqlite3) -> c_int {
    // SAFETY: `db` is open; the statement hands back FTS5's API table (documented in the FTS5
    // manual, "Extending FTS5"), which lives as long as the connection.
    unsafe {
        let Some(api) = fts5_api(db) else {
            return ffi::SQLITE_ERROR;
        };
        match (*api).xCreateFunction {
            Some(create) => create(
                api,
                c"byline_rank".as_ptr(),
                std::ptr::null_mut(),
                Some(rank),
                None,
            ),
            None => ffi::SQLITE_ERROR,
        }
    }
}

/// The connection's `fts5_api`, through `SELECT fts5(?1)` with a pointer bound to it.
unsafe fn fts5_api(db: *mut ffi::sqlite3) -> Option<*mut ffi::fts5_api> {
    // SAFETY: the statement is prepared on `db`, finalized before returning, and writes at
    // most one pointer into `api`, which outlives it.
    unsafe {
        let mut stmt = std::ptr::null_mut();
        let sql = c"SELECT fts5(?1)";
        if ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
            != ffi::SQLITE_OK
        {
            return None;
        }
        let mut api: *mut ffi::fts5_api = std::ptr::null_mut();
        let out = (&raw mut api).cast();
        ffi::sqlite3_bind_pointer(stmt, 1, out, c"fts5_api_ptr".as_ptr(), None);
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        (!api.is_null()).then_some(api)
    }
}

/// The auxiliary function itself, called by FTS5 for each row it ranks. Must not panic.
unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    value_count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes its API table, the row's context and `value_count` arguments, all
    // valid for the duration of the call.
    unsafe {
        let weights: Vec<f64> = (0..usize::try_from(value_count).unwrap_or(0))
            .map(|i| ffi::sqlite3_value_double(*values.add(i)))
            .collect();
        match score(&*api, fts, &weights) {
            Some(score) => ffi::sqlite3_result_double(ctx, score),
            None => ffi::sqlite3_result_error(ctx, c"byline_rank: FTS5 refused".as_ptr(), -1),
        }
    }
}

/// `-Σ f·(k1+1) / (f + k1·(1 − b + b·len/avg))` over the query's phrases, where `f` is the
/// weighted count of the phrase's hits in this row (`weights[column]`, 1 beyond them).
unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    weights: &[f64],
) -> Option<f64> {
    let ok = |code: c_int| (code == ffi::SQLITE_OK).then_some(());
    // SAFETY: every call is one of FTS5's own functions on the row's context, with out-pointers
    // to locals.
    unsafe {
        let phrases = usize::try_from((api.xPhraseCount?)(fts)).ok()?;
        let (mut rows, mut tokens, mut length, mut hits) = (0i64, 0i64, 0 as c_int, 0 as c_int);
        ok((api.xRowCount?)(fts, &mut rows))?;
        ok((api.xColumnTotalSize?)(fts, -1, &mut tokens))?;
        ok((api.xColumnSize?)(fts, -1, &mut length))?;
        ok((api.xInstCount?)(fts, &mut hits))?;
        let mut frequency = vec![0.0f64; phrases];
        for hit in 0..hits {
            let (mut phrase, mut column, mut offset) = (0 as c_int, 0 as c_int, 0 as c_int);
            ok((api.xInst?)(
                fts,
                hit,
                &mut phrase,
                &mut column,
                &mut offset,
            ))?;
            let weight = usize::try_from(column)
                .ok()
                .and_then(|c| weights.get(c))
                .copied()
                .unwrap_or(1.0);
            if let Some(f) = usize::try_from(phrase)
                .ok()
                .and_then(|p| frequency.get_mut(p))
            {
                *f += weight;
            }
        }
        let average = if rows > 0 {
            tokens as f64 / rows as f64
        } else {
            1.0
        }
        .max(1.0);
        let norm = K1 * (1.0 - B + B * f64::from(length) / average);
        Some(
            -frequency
                .iter()
                .map(|f| f * (K1 + 1.0) / (f + norm))
                .sum::<f64>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        name: String,
    }

    #[test]
    fn title_hits_outrank_body_hits_and_more_hits_outrank_fewer() {
        let dir = tempfile::tempdir().expect("dir");
        let url = dir.path().join("rank.db").to_string_lossy().into_owned();
        let mut conn = crate::db::connect(&url).expect("connect");
        conn.batch_execute(
            "CREATE VIRTUAL TABLE t USING fts5(name UNINDEXED, title, body);
             INSERT INTO t VALUES ('body once', 'a post', 'one word here and some more text');
             INSERT INTO t VALUES ('body twice', 'a post', 'word here word and some more text');
             INSERT INTO t VALUES ('title', 'the word', 'nothing else here and some more text');
             INSERT INTO t VALUES ('none', 'a post', 'nothing at all');",
        )
        .expect("table");
        let ranked: Vec<String> = diesel::sql_query(
            "SELECT name FROM t WHERE t MATCH 'word' ORDER BY byline_rank(t, 0.0, 10.0, 1.0)",
        )
        .load::<Row>(&mut conn)
        .expect("ranked")
        .into_iter()
        .map(|r| r.name)
        .collect();
        assert_eq!(ranked, ["title", "body twice", "body once"]);
    }
}
