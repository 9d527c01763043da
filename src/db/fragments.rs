//! Query pieces Diesel lacks, written so that a statement's SQL text stays the same from call
//! to call: Diesel prepares such a statement once per connection and reuses it, where
//! `eq_any(vec)` (`IN (?, ?, …)`, one `?` per value) and `sql(…)` literals are prepared again
//! on every call — for a page of posts, three statements compiled per request. SQLite-specific
//! (`json_each`, unary `+`): a PostgreSQL backend writes `= ANY(?)` and needs no `+`.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::{QueryResult, sqlite::Sqlite};

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

impl<A, B, X, Y> QueryFragment<Sqlite> for RowCompare<A, B, X, Y>
where
    A: QueryFragment<Sqlite>,
    B: QueryFragment<Sqlite>,
    X: QueryFragment<Sqlite>,
    Y: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
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
