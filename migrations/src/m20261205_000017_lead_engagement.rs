//! Per-lead engagement columns on `leads`, kept exact by triggers on `messages`: how many
//! outbound messages were sent, delivered and read, how many inbound ones the lead wrote, when
//! it was last contacted, when the latest message it answered was sent, and when it last
//! wrote. The funnel, the dashboard's per-lead rates and the lead list read them instead of
//! searching each lead's messages.
//!
//! Triggers rather than writes in the service code, as for `message_stats`: every writer of
//! `messages` keeps them right by construction. PostgreSQL uses statement-level triggers over
//! transition tables — one grouped `UPDATE leads … FROM (…)` per statement, for the leads whose
//! contribution changed; SQLite row-level triggers whose `WHEN` skips updates that touch no
//! counted column. Counts move by signed deltas; a latest-time column can only be lowered by a
//! row that held it, and only then is it recomputed from the lead's messages (index on
//! workspace, lead, created_at).

use crate::triggers;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leads {
    Table,
    MessagesSent,
    MessagesDelivered,
    MessagesRead,
    MessagesReceived,
    LastContactedAt,
    LastAnsweredSentAt,
    LastReplyAt,
}

/// Counts: a message of the lead counts one where the condition holds (`{p}` names its row).
const COUNTS: [(&str, &str); 4] = [
    (
        "messages_sent",
        "{p}direction = 'out' AND {p}sent_at IS NOT NULL",
    ),
    (
        "messages_delivered",
        "{p}direction = 'out' AND ({p}delivered_at IS NOT NULL OR {p}read_at IS NOT NULL)",
    ),
    (
        "messages_read",
        "{p}direction = 'out' AND {p}read_at IS NOT NULL",
    ),
    ("messages_received", "{p}direction = 'in'"),
];

/// Latest times: the column is the maximum of this value over the lead's messages.
const LATEST: [(&str, &str); 3] = [
    (
        "last_contacted_at",
        "CASE WHEN {p}direction = 'out' THEN {p}sent_at END",
    ),
    // The dashboard counts a lead as answering when a message sent in its window was answered.
    (
        "last_answered_sent_at",
        "CASE WHEN {p}direction = 'out' AND {p}replied_at IS NOT NULL THEN {p}sent_at END",
    ),
    (
        "last_reply_at",
        "CASE WHEN {p}direction = 'in' THEN {p}created_at END",
    ),
];

/// The columns of `messages` whose change can move a lead's engagement.
const COUNTED: [&str; 8] = [
    "workspace_id",
    "lead_id",
    "direction",
    "created_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "replied_at",
];

fn at(template: &str, p: &str) -> String {
    template.replace("{p}", p)
}

/// The latest value of `expr` (a `LATEST` template) over the messages of the lead `leads`'s
/// row names (`l` is how that row is named).
fn recompute(expr: &str, l: &str) -> String {
    format!(
        "(SELECT MAX({v}) FROM messages m WHERE m.workspace_id = {l}.workspace_id AND \
         m.lead_id = {l}.id)",
        v = at(expr, "m.")
    )
}

/// The backfill, the same on both backends: every lead's columns from its messages.
fn backfill() -> String {
    let mut select: Vec<String> = COUNTS
        .iter()
        .map(|(c, cond)| format!("SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS {c}", at(cond, "r.")))
        .collect();
    select.extend(
        LATEST
            .iter()
            .map(|(c, v)| format!("MAX({}) AS {c}", at(v, "r."))),
    );
    let set: Vec<String> = COUNTS
        .iter()
        .chain(LATEST.iter())
        .map(|(c, _)| format!("{c} = d.{c}"))
        .collect();
    format!(
        "UPDATE leads SET {set} FROM (SELECT r.workspace_id, r.lead_id, {select} FROM messages r \
         WHERE r.lead_id IS NOT NULL GROUP BY r.workspace_id, r.lead_id) AS d \
         WHERE leads.id = d.lead_id AND leads.workspace_id = d.workspace_id",
        set = set.join(", "),
        select = select.join(", "),
    )
}

/// PostgreSQL: the grouped update of one statement. `parts` are `(table, sign)`: the
/// transition tables whose rows add (`1`) or take away (`-1`) their contributions.
fn pg_update(parts: &[(&str, i32)]) -> String {
    let branches: Vec<String> = parts
        .iter()
        .map(|(table, sign)| {
            let mut columns: Vec<String> = COUNTS
                .iter()
                .map(|(c, cond)| {
                    format!("CASE WHEN {} THEN {sign} ELSE 0 END AS {c}", at(cond, "r."))
                })
                .collect();
            for (c, v) in LATEST {
                let value = at(v, "r.");
                let null = "CAST(NULL AS timestamptz)".to_owned();
                let (old, new) = if *sign < 0 {
                    (value, null)
                } else {
                    (null, value)
                };
                columns.push(format!("{old} AS old_{c}, {new} AS new_{c}"));
            }
            format!(
                "SELECT r.workspace_id, r.lead_id, {} FROM {table} r WHERE r.lead_id IS NOT NULL",
                columns.join(", ")
            )
        })
        .collect();
    let mut sums: Vec<String> = COUNTS
        .iter()
        .map(|(c, _)| format!("SUM({c}) AS {c}"))
        .collect();
    let mut changed: Vec<String> = COUNTS
        .iter()
        .map(|(c, _)| format!("SUM({c}) <> 0"))
        .collect();
    let mut set: Vec<String> = COUNTS
        .iter()
        .map(|(c, _)| format!("{c} = l.{c} + d.{c}"))
        .collect();
    for (c, v) in LATEST {
        sums.push(format!("MAX(old_{c}) AS old_{c}, MAX(new_{c}) AS new_{c}"));
        changed.push(format!("MAX(old_{c}) IS DISTINCT FROM MAX(new_{c})"));
        // Only a row that held the latest time can lower it, and only when nothing added
        // reaches as far; otherwise the latest of the current and the added values.
        set.push(format!(
            "{c} = CASE WHEN d.old_{c} IS NOT NULL AND (l.{c} IS NULL OR d.old_{c} >= l.{c}) \
             AND (d.new_{c} IS NULL OR d.new_{c} < d.old_{c}) THEN {recompute} \
             ELSE GREATEST(l.{c}, d.new_{c}) END",
            recompute = recompute(v, "l")
        ));
    }
    format!(
        "UPDATE leads l SET {set} FROM (SELECT workspace_id, lead_id, {sums} FROM ({branches}) \
         AS u GROUP BY workspace_id, lead_id HAVING {changed}) AS d \
         WHERE l.id = d.lead_id AND l.workspace_id = d.workspace_id",
        set = set.join(", "),
        sums = sums.join(", "),
        branches = branches.join(" UNION ALL "),
        changed = changed.join(" OR "),
    )
}

/// SQLite: the row `p` (`NEW.`) adds its contributions to its lead.
fn sqlite_add(p: &str) -> String {
    let mut set: Vec<String> = COUNTS
        .iter()
        .map(|(c, cond)| format!("{c} = {c} + CASE WHEN {} THEN 1 ELSE 0 END", at(cond, p)))
        .collect();
    for (c, v) in LATEST {
        let value = at(v, p);
        set.push(format!(
            "{c} = CASE WHEN {value} IS NOT NULL AND ({c} IS NULL OR {value} > {c}) \
             THEN {value} ELSE {c} END"
        ));
    }
    format!(
        "UPDATE leads SET {} WHERE id = {p}lead_id AND workspace_id = {p}workspace_id",
        set.join(", ")
    )
}

/// SQLite: the row `OLD.` takes its contributions away from its lead. `kept` is whether the
/// row is still the lead's with `NEW.`'s values (an update), which `sqlite_add` then adds.
fn sqlite_remove(kept: Option<&str>) -> String {
    let mut set: Vec<String> = COUNTS
        .iter()
        .map(|(c, cond)| {
            format!(
                "{c} = {c} - CASE WHEN {} THEN 1 ELSE 0 END",
                at(cond, "OLD.")
            )
        })
        .collect();
    for (c, v) in LATEST {
        let old = at(v, "OLD.");
        // Recompute when the row held the latest time and its new values, if still the
        // lead's, do not reach as far (the table already holds them, so the recomputation
        // counts them).
        let reaches = kept.map_or_else(
            || "0".to_owned(),
            |kept| {
                let new = at(v, "NEW.");
                format!("({kept} AND {new} IS NOT NULL AND {new} >= {old})")
            },
        );
        set.push(format!(
            "{c} = CASE WHEN {old} IS NOT NULL AND ({c} IS NULL OR {old} >= {c}) AND NOT \
             {reaches} THEN {recompute} ELSE {c} END",
            recompute = recompute(v, "leads")
        ));
    }
    format!(
        "UPDATE leads SET {} WHERE id = OLD.lead_id AND workspace_id = OLD.workspace_id",
        set.join(", ")
    )
}

fn triggers(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    match backend {
        DbBackend::Postgres => {
            out.extend(triggers::statement_level(
                "messages",
                "lead_engagement",
                &[
                    ("INSERT", pg_update(&[("new_rows", 1)])),
                    ("UPDATE", pg_update(&[("old_rows", -1), ("new_rows", 1)])),
                    ("DELETE", pg_update(&[("old_rows", -1)])),
                ],
            ));
        }
        _ => {
            let changed: Vec<String> = COUNTED
                .iter()
                .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
                .collect();
            let kept = "OLD.lead_id IS NEW.lead_id AND OLD.workspace_id IS NEW.workspace_id";
            for (event, when, body) in [
                (
                    "INSERT",
                    "NEW.lead_id IS NOT NULL".to_owned(),
                    vec![sqlite_add("NEW.")],
                ),
                (
                    "UPDATE",
                    format!(
                        "(OLD.lead_id IS NOT NULL OR NEW.lead_id IS NOT NULL) AND ({})",
                        changed.join(" OR ")
                    ),
                    vec![sqlite_remove(Some(kept)), sqlite_add("NEW.")],
                ),
                (
                    "DELETE",
                    "OLD.lead_id IS NOT NULL".to_owned(),
                    vec![sqlite_remove(None)],
                ),
            ] {
                out.push(format!(
                    "CREATE TRIGGER lead_engagement_on_{name} AFTER {event} ON messages \
                     FOR EACH ROW WHEN {when} BEGIN {body}; END",
                    name = event.to_lowercase(),
                    body = body.join("; ")
                ));
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            big_integer(Leads::MessagesSent).default(0).to_owned(),
            big_integer(Leads::MessagesDelivered).default(0).to_owned(),
            big_integer(Leads::MessagesRead).default(0).to_owned(),
            big_integer(Leads::MessagesReceived).default(0).to_owned(),
            timestamp_with_time_zone_null(Leads::LastContactedAt),
            timestamp_with_time_zone_null(Leads::LastAnsweredSentAt),
            timestamp_with_time_zone_null(Leads::LastReplyAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Leads::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(&backfill()).await?;
        for sql in triggers(manager.get_database_backend()) {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers::drop_all(manager, "messages", "lead_engagement").await?;
        let db = manager.get_connection();
        for (column, _) in COUNTS.iter().chain(LATEST.iter()) {
            db.execute_unprepared(&format!("ALTER TABLE leads DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
