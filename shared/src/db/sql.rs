//! Raw SQL for the few queries sea-orm's builder cannot say (aggregates over joins, `VALUES`
//! lists, `CASE` over subqueries): placeholders in each backend's syntax, numbered as values
//! are bound, so one query text serves SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, DbErr, QueryResult, Statement, Value};

/// The `n`th (1-based) bind placeholder: `$n` on PostgreSQL, `?` on SQLite, where order of
/// appearance is order of binding.
pub fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Quarter hours: every time zone's offset is a whole number of them, so each falls in one
/// local hour.
pub const QUARTER_SECONDS: i64 = 900;

/// An expression grouping the timestamp expression `at` by UTC quarter hour; read the group
/// back with [`quarter_start`]. Rust then places each quarter in its local hour or day, where
/// the time zone rules are.
pub fn quarter_hour(backend: DbBackend, at: &str) -> String {
    match backend {
        // `date_bin` works on the timestamp's integer microseconds: grouping a million rows by
        // it takes half the time of arithmetic on `EXTRACT(EPOCH …)`, a numeric.
        DbBackend::Postgres => {
            format!("date_bin('15 minutes', {at}, TIMESTAMPTZ '1970-01-01 00:00:00+00')")
        }
        _ => format!("CAST(strftime('%s', {at}) AS INTEGER) / 900"),
    }
}

/// Where the quarter hour in a [`quarter_hour`] column begins (`None` for a NULL time).
pub fn quarter_start(
    backend: DbBackend,
    row: &QueryResult,
    column: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(match backend {
        DbBackend::Postgres => row.try_get("", column)?,
        _ => row
            .try_get::<Option<i64>>("", column)?
            .and_then(|q| q.checked_mul(QUARTER_SECONDS))
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0)),
    })
}

/// SQL with its bound values, placeholders numbered as they are added.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds `value` where the text has got to.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let mark = placeholder(self.backend, self.values.len());
        self.text.push_str(&mark);
        self
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1).push(" AND b = ").bind("x");
        assert_eq!(pg.statement().sql, "a = $1 AND b = $2");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1).push(" AND b = ").bind("x");
        let statement = lite.statement();
        assert_eq!(statement.sql, "a = ? AND b = ?");
        assert_eq!(statement.values.map(|v| v.0.len()), Some(2));
    }
}
