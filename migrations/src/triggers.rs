//! Trigger plumbing shared by the migrations that keep rollups and copies exact
//! (`message_stats`, the leads' engagement columns, `campaign_run_stats`): the same three
//! triggers per table, statement-level over transition tables on PostgreSQL and row-level on
//! SQLite, created and dropped alike — and the loop that runs such a migration's statements.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// What a statement-level trigger for `event` reads: its transition tables, `old_rows` and
/// `new_rows`, as PostgreSQL has them for that event.
pub fn transition_tables(event: &str) -> &'static str {
    match event {
        "INSERT" => "NEW TABLE AS new_rows",
        "UPDATE" => "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _ => "OLD TABLE AS old_rows",
    }
}

/// PostgreSQL: for each `(event, body)`, a plpgsql function running `body` and an AFTER
/// trigger on `table` running it once per statement, both named `{name}_on_{event}`.
pub fn statement_level(table: &str, name: &str, bodies: &[(&str, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (event, body) in bodies {
        let function = format!("{name}_on_{}", event.to_lowercase());
        out.push(format!(
            "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$ \
             BEGIN {body}; RETURN NULL; END $body$"
        ));
        out.push(format!(
            "CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {referencing} \
             FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            referencing = transition_tables(event),
        ));
    }
    out
}

/// SQLite: for each `(event, when, body)`, an AFTER trigger on `table` running `body` for each
/// row for which `when` holds, named `{name}_on_{event}`.
pub fn row_level(table: &str, name: &str, triggers: &[(&str, String, String)]) -> Vec<String> {
    triggers
        .iter()
        .map(|(event, when, body)| {
            format!(
                "CREATE TRIGGER {name}_on_{lower} AFTER {event} ON {table} \
                 FOR EACH ROW WHEN {when} BEGIN {body}; END",
                lower = event.to_lowercase(),
            )
        })
        .collect()
}

/// Drops the triggers (and on PostgreSQL their functions) named `{name}_on_{event}` on `table`
/// for the insert, update and delete events.
pub async fn drop_all(manager: &SchemaManager<'_>, table: &str, name: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let postgres = manager.get_database_backend() == DbBackend::Postgres;
    for event in ["insert", "update", "delete"] {
        let trigger = format!("{name}_on_{event}");
        if postgres {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger} ON {table}"))
                .await?;
            db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {trigger}()"))
                .await?;
        } else {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger}"))
                .await?;
        }
    }
    Ok(())
}

/// Runs `statements` in order: the `up` of a migration written as SQL for its backend.
pub async fn execute_all(
    manager: &SchemaManager<'_>,
    statements: Vec<String>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}
