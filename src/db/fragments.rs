//! Query pieces Diesel lacks, written so that a statement's SQL text stays the same from call
//! to call: Diesel prepares such a statement once per connection and reuses it, where
//! `eq_any(vec)` (`IN (?, ?, …)`, one `?` per value) and `sql(…)` literals are prepared again
//! on every call — for a page of posts, three statements compiled per request. Each is
//! written for both backends (a backend-specific place): SQLite's `json_each` and unary `+`,
//! PostgreSQL's `json_array_elements_text`.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::{QueryResult, sqlite::Sqlite};

use super::MultiBackend;

/// A fragment written per backend passes through the two-backend connection's one.
macro_rules! on_either_backend {
    ($name:ident<$($param:ident),*>) => {
        impl<$($param),*> QueryFragment<MultiBackend> for $name<$($param),*>
        where
            Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
        {
            fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
                MultiBackend::walk_variant_ast(self, pass)
            }
        }
    };
}

/// `column IN (values)`, the values bound as one JSON array.
#[derive(Debug, Clone)]
pub struct OneOf<C> {
    column: C,
    values: String,
}

/// `column IN (values)` with one bound parameter, whatever the number of values.
pub fn one_of<C, S: AsRef<str>>(column: C, values: &[S]) -> OneOf<C> {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    OneOf {
        column,
        values: serde_json::to_string(&values).unwrap_or_else(|_| "[]".into()),
    }
}

impl<C: Expression> Expression for OneOf<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS: ?Sized> AppearsOnTable<QS> for OneOf<C> {}

impl<C: SelectableExpression<QS>, QS: ?Sized> SelectableExpression<QS> for OneOf<C> {}

impl<C: ValidGrouping<()>> ValidGrouping<()> for OneOf<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId> QueryId for OneOf<C> {
    type QueryId = OneOf<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.values)?;
        out.push_sql("))");
        Ok(())
    }
}

/// `= ANY(ARRAY(…))`: a prepared statement's generic plan then probes the index once per id
/// (`IN (SELECT …)` joins against a guessed hundred rows and scans the table).
impl<C: QueryFragment<Pg>> QueryFragment<Pg> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(ARRAY(SELECT json_array_elements_text(");
        out.push_bind_param::<Text, String>(&self.values)?;
        out.push_sql("::json)))");
        Ok(())
    }
}

on_either_backend!(OneOf<C>);

/// A column no index may serve (SQLite's unary `+`): beside `id IN (…)` with a few ids, the
/// planner would otherwise pick an index on this column and walk all of it.
#[derive(Debug, Clone, Copy)]
pub struct Unindexed<C>(pub C);

impl<C: Expression> Expression for Unindexed<C> {
    type SqlType = C::SqlType;
}

impl<C: AppearsOnTable<QS>, QS: ?Sized> AppearsOnTable<QS> for Unindexed<C> {}

impl<C: SelectableExpression<QS>, QS: ?Sized> SelectableExpression<QS> for Unindexed<C> {}

impl<C: ValidGrouping<()>> ValidGrouping<()> for Unindexed<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId> QueryId for Unindexed<C> {
    type QueryId = Unindexed<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for Unindexed<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("+");
        self.0.walk_ast(out.reborrow())
    }
}

/// PostgreSQL plans a few ids by their key anyway.
impl<C: QueryFragment<Pg>> QueryFragment<Pg> for Unindexed<C> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

on_either_backend!(Unindexed<C>);

/// `(a, b) < (x, y)` (or `>`): a keyset cursor's condition, its two values bound. A range
/// seek on an index of `(a, b)`.
#[derive(Debug, Clone)]
pub struct RowCompare<A, B, X, Y> {
    columns: (A, B),
    less: bool,
    values: (X, Y),
}

/// Rows before (`less`) or after the row whose sort key is `values`.
pub fn row_compare<A, B, X, Y>(
    columns: (A, B),
    less: bool,
    values: (X, Y),
) -> RowCompare<A, B, X, Y> {
    RowCompare {
        columns,
        less,
        values,
    }
}

impl<A, B, X, Y> Expression for RowCompare<A, B, X, Y> {
    type SqlType = Bool;
}

impl<A, B, X, Y, QS: ?Sized> AppearsOnTable<QS> for RowCompare<A, B, X, Y>
where
    A: AppearsOnTable<QS>,
    B: AppearsOnTable<QS>,
    X: AppearsOnTable<QS>,
    Y: AppearsOnTable<QS>,
{
}

impl<A, B, X, Y, QS: ?Sized> SelectableExpression<QS> for RowCompare<A, B, X, Y>
where
    A: SelectableExpression<QS>,
    B: SelectableExpression<QS>,
    X: SelectableExpression<QS>,
    Y: SelectableExpression<QS>,
{
}

impl<A, B, X, Y> ValidGrouping<()> for RowCompare<A, B, X, Y> {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

/// No static id (`<` and `>` are two texts): such statements are cached by their SQL text.
impl<A, B, X, Y> QueryId for RowCompare<A, B, X, Y> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// The same SQL on both backends.
impl<A, B, X, Y, DB: Backend> QueryFragment<DB> for RowCompare<A, B, X, Y>
where
    A: QueryFragment<DB>,
    B: QueryFragment<DB>,
    X: QueryFragment<DB>,
    Y: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("((");
        self.columns.0.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        self.columns.1.walk_ast(out.reborrow())?;
        out.push_sql(if self.less { ") < (" } else { ") > (" });
        self.values.0.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        self.values.1.walk_ast(out.reborrow())?;
        out.push_sql("))");
        Ok(())
    }
}

/// An order term that puts NULLs last either way (never-published drafts after every dated
/// post): SQLite's own order for `DESC`, and PostgreSQL's for `ASC`; the other needs saying.
#[derive(Debug, Clone, Copy)]
pub struct NullsLast<C> {
    column: C,
    descending: bool,
}

/// `column` ascending or descending, NULLs last.
pub fn nulls_last<C>(column: C, descending: bool) -> NullsLast<C> {
    NullsLast { column, descending }
}

impl<C: Expression> Expression for NullsLast<C> {
    type SqlType = C::SqlType;
}

impl<C: AppearsOnTable<QS>, QS: ?Sized> AppearsOnTable<QS> for NullsLast<C> {}

impl<C: ValidGrouping<()>> ValidGrouping<()> for NullsLast<C> {
    type IsAggregate = C::IsAggregate;
}

/// No static id (two directions): cached by SQL text.
impl<C> QueryId for NullsLast<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for NullsLast<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        if self.descending {
            out.push_sql(" DESC");
        } else {
            out.push_sql(" IS NULL, ");
            self.column.walk_ast(out.reborrow())?;
        }
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for NullsLast<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        if self.descending {
            out.push_sql(" DESC NULLS LAST");
        }
        Ok(())
    }
}

on_either_backend!(NullsLast<C>);
