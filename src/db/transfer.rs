//! `byline transfer`: a whole site copied table by table from one database into an empty one,
//! either backend to either. Rows travel as JSON (each backend writes and reads its own column
//! types through its JSON functions), 500 to a statement (50 where rows hold post bodies), in an
//! order that keeps every foreign key satisfied. A backend-specific place. What the target
//! derives itself is not copied: the kept post counts (SQLite's triggers count the rows as they
//! arrive; PostgreSQL's count them once at the end), the search index (rebuilt from the posts
//! afterwards: `services::search::reindex`) and rate-limit windows.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::Conn;

/// Every table a site's data lives in, parents before children; `order` keeps rows that
/// point at rows of the same table (replies at comments) after what they point at.
const TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("api_keys", "id"),
    ("settings", "key"),
    ("site", "id"),
    ("tags", "id"),
    ("posts", "id"),
    ("post_tags", "post_id, tag_id"),
    ("post_revisions", "id"),
    ("idempotency_keys", "user_id, key"),
    ("comments", "depth, id"),
    ("subscribers", "id"),
    ("subscriber_tokens", "token_hash"),
    ("contact_messages", "id"),
    ("newsletters", "id"),
    ("outbox", "id"),
    ("webhooks", "id"),
    ("webhook_deliveries", "id"),
    ("media", "id"),
    ("preview_links", "token_hash"),
];

/// PostgreSQL: the count triggers wait while rows arrive. Each would update one of a few counter
/// rows once per post: in one transaction every update leaves a row version the next one must
/// step over, so 100,000 posts took longer than minutes. The counts are made once at the end.
const PG_COUNTS_OFF: &str = "\
    ALTER TABLE posts DISABLE TRIGGER post_counts_insert_delete; \
    ALTER TABLE post_tags DISABLE TRIGGER post_tags_counts_insert_delete;";

/// The kept counts, as the triggers would have left them, and the triggers back on.
const PG_COUNTS_ON: &str = "\
    DELETE FROM post_counts; \
    INSERT INTO post_counts (scope, status, n) \
        SELECT '', status, count(*) FROM posts GROUP BY status \
        UNION ALL SELECT 'author:' || author_id, status, count(*) FROM posts \
            GROUP BY author_id, status \
        UNION ALL SELECT 'tag:' || tag_id, status, count(*) FROM post_tags \
            GROUP BY tag_id, status; \
    ALTER TABLE posts ENABLE TRIGGER post_counts_insert_delete; \
    ALTER TABLE post_tags ENABLE TRIGGER post_tags_counts_insert_delete;";

/// Rows per statement.
const BATCH: i64 = 500;

/// Rows per statement for tables whose rows hold post bodies (up to `BYLINE_POST_MAX_BYTES`
/// each, twice over: Markdown and HTML): a batch stays within some 100 MiB at the largest.
const BODIES_BATCH: i64 = 50;

/// How many rows of `table` go in one statement.
fn batch(table: &str) -> i64 {
    match table {
        "posts" | "post_revisions" | "outbox" | "idempotency_keys" => BODIES_BATCH,
        _ => BATCH,
    }
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    row: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One table copied: its name and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub rows: i64,
}

/// Copies every table from `from` into `to`, which must be migrated and hold no site yet.
/// `progress` hears each table's count so far. Checks at the end that each table holds as many
/// rows in `to` as in `from`.
pub fn copy(
    from: &mut Conn,
    to: &mut Conn,
    mut progress: impl FnMut(&str, i64, i64),
) -> anyhow::Result<Vec<Copied>> {
    for (table, _) in TABLES {
        let held = count(to, table)?;
        // A migrated database holds its one row of site settings, replaced below.
        anyhow::ensure!(
            held == 0 || (*table == "site" && held == 1),
            "the target is not empty: its table {table} holds {held} row(s)"
        );
    }
    let mut copied = Vec::new();
    super::write_transaction(to, |to| {
        super::sql_query(to, "DELETE FROM site").execute(to)?;
        if to.is_postgres() {
            to.batch_execute(PG_COUNTS_OFF)?;
        }
        for (table, order) in TABLES {
            let source_columns: Vec<String> =
                columns(from, table)?.into_iter().map(|c| c.name).collect();
            let columns = columns(to, table)?;
            let missing: Vec<&str> = columns
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| !source_columns.iter().any(|s| s == n))
                .collect();
            if !missing.is_empty() {
                return Err(anyhow::anyhow!(
                    "{table}: the source has no column {} (migrate it first)",
                    missing.join(", ")
                )
                .into());
            }
            let total = count(from, table)?;
            let mut done = 0;
            let mut after: Option<serde_json::Value> = None;
            loop {
                let rows = read(from, table, order, &columns, after.as_ref())?;
                let Some(last) = rows.last() else {
                    break;
                };
                after = Some(last.clone());
                done += i64::try_from(rows.len()).unwrap_or(0);
                write(to, table, &columns, &rows)?;
                progress(table, done, total);
            }
            progress(table, done, total);
            copied.push(Copied { table, rows: done });
        }
        if to.is_postgres() {
            to.batch_execute(PG_COUNTS_ON)?;
        }
        Ok(())
    })?;
    for Copied { table, rows } in &copied {
        let (source, target) = (count(from, table)?, count(to, table)?);
        anyhow::ensure!(
            source == target && target == *rows,
            "{table}: {source} row(s) in the source, {target} in the target after copying {rows}"
        );
    }
    Ok(copied)
}

fn count(conn: &mut Conn, table: &str) -> anyhow::Result<i64> {
    let counted: Count =
        super::sql_query(conn, &format!("SELECT count(*) AS n FROM {table}")).get_result(conn)?;
    Ok(counted.n)
}

/// A table's columns and their declared types, in the table's order.
fn columns(conn: &mut Conn, table: &str) -> anyhow::Result<Vec<Column>> {
    let sql = match conn {
        Conn::Sqlite(_) => "SELECT name, type AS kind FROM pragma_table_info(?) ORDER BY cid",
        Conn::Postgres(_) => {
            "SELECT column_name::text AS name, data_type::text AS kind \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
    };
    let found: Vec<Column> = super::sql_query(conn, sql)
        .bind::<Text, _>(table)
        .load(conn)?;
    anyhow::ensure!(!found.is_empty(), "no table {table}");
    Ok(found)
}

/// The next rows in `order` after the row `after` (the first rows without it), each a JSON
/// object of the target's columns. A seek on the order's index (its columns are the primary key
/// or lead it), so every batch costs the same however deep into the table.
fn read(
    conn: &mut Conn,
    table: &str,
    order: &str,
    columns: &[Column],
    after: Option<&serde_json::Value>,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| format!("'{0}', {0}", c.name))
        .collect();
    let object = match conn {
        Conn::Sqlite(_) => format!("json_object({})", pairs.join(", ")),
        Conn::Postgres(_) => format!("json_build_object({})::text", pairs.join(", ")),
    };
    let past = match after {
        Some(last) => format!("WHERE ({order}) > ({})", literals(order, last)?),
        None => String::new(),
    };
    let rows: Vec<Row> = super::sql_query(
        conn,
        &format!("SELECT {object} AS row FROM {table} {past} ORDER BY {order} LIMIT ?"),
    )
    .bind::<BigInt, _>(batch(table))
    .load(conn)?;
    rows.into_iter()
        .map(|r| Ok(serde_json::from_str(&r.row.unwrap_or_default())?))
        .collect()
}

/// The values of a row's `order` columns as SQL literals: text quoted, numbers as they are
/// (the keys are ids, slugs and depths, never NULL). Written into the statement, not bound,
/// so that each backend compares them as its column's own type.
fn literals(order: &str, row: &serde_json::Value) -> anyhow::Result<String> {
    let values: Vec<String> = order
        .split(", ")
        .map(|column| match &row[column] {
            serde_json::Value::String(s) => Ok(format!("'{}'", s.replace('\'', "''"))),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            other => Err(anyhow::anyhow!("the key {column} is {other}")),
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(values.join(", "))
}

/// Inserts rows (JSON objects of `columns`) in one statement.
fn write(
    conn: &mut Conn,
    table: &str,
    columns: &[Column],
    rows: &[serde_json::Value],
) -> anyhow::Result<()> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let list = names.join(", ");
    let sql = match conn {
        // PostgreSQL reads each value as its column's type.
        Conn::Postgres(_) => format!(
            "INSERT INTO {table} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{table}, ?::json)"
        ),
        // SQLite stores what it is given: timestamps as SQLite writes them ('T' from
        // PostgreSQL's JSON would sort apart from the space Byline writes), booleans as 0/1.
        Conn::Sqlite(_) => {
            let values: Vec<String> = columns
                .iter()
                .map(|c| {
                    let value = format!("json_extract(value, '$.{}')", c.name);
                    match c.kind.to_ascii_uppercase().as_str() {
                        "TIMESTAMP" => format!("replace({value}, 'T', ' ')"),
                        _ => value,
                    }
                })
                .collect();
            format!(
                "INSERT INTO {table} ({list}) SELECT {} FROM json_each(?)",
                values.join(", ")
            )
        }
    };
    let rows = serde_json::to_string(rows)?;
    super::sql_query(conn, &sql)
        .bind::<Text, _>(rows)
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_literals_that_quotes_cannot_break() {
        let row =
            serde_json::json!({"user_id": "it's", "key": "a'); DROP TABLE users; --", "depth": 3});
        assert_eq!(
            literals("user_id, key", &row).expect("literals"),
            "'it''s', 'a''); DROP TABLE users; --'"
        );
        assert_eq!(literals("depth", &row).expect("literals"), "3");
        assert!(literals("missing", &row).is_err());
    }
}
