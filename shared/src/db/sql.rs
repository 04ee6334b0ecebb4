//! Raw SQL for the few queries sea-orm's builder cannot say (aggregates over joins, `VALUES`
//! lists, `CASE` over subqueries): placeholders in each backend's syntax, numbered as values
//! are bound, so one query text serves SQLite and PostgreSQL.

use sea_orm::{DbBackend, Statement, Value};

/// The `n`th (1-based) bind placeholder: `$n` on PostgreSQL, `?` on SQLite, where order of
/// appearance is order of binding.
pub fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
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
