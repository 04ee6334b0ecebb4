//! A rollup of outbound message counts per UTC quarter hour, kept exact by triggers on
//! `messages`, so analytics read a few thousand rows whatever the volume instead of scanning
//! the range's messages. Also `messages.variant`, the campaign variant a message was written
//! from, so the rollup can key A/B counts by it without joining the recipients.
//!
//! Triggers rather than writes in the service code: every writer of `messages` — the
//! dispatcher, webhook receipts, reply attribution, one-to-one sends, deletions, tests and
//! scripts that insert rows directly — keeps the rollup right by construction. PostgreSQL uses
//! statement-level triggers over transition tables, so the dispatcher's 100-row statements
//! add one grouped upsert each rather than 100; SQLite (one writer, no transition tables) uses
//! row-level triggers.

use crate::triggers;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Key columns besides the workspace and quarter: NULLs become these sentinels (a unique
/// index treats NULLs as distinct, so an upsert would never find the row). Readers map them
/// back to `None`.
const NIL_UUID_PG: &str = "'00000000-0000-0000-0000-000000000000'::uuid";
/// sqlx stores UUIDs on SQLite as 16-byte blobs.
const NIL_UUID_SQLITE: &str = "X'00000000000000000000000000000000'";
const NO_VARIANT: &str = "-1";

/// The counters, in table order. Cohort counters (`sent_*`) sit in the quarter the message
/// was sent; event counters in the quarter the event happened; outcome counters (`created_*`)
/// in the quarter the message was created, by the status-derived outcome.
const COUNTERS: [&str; 12] = [
    "sent",
    "sent_delivered",
    "sent_read",
    "sent_replied",
    "delivered",
    "reads",
    "answered",
    "created_failed",
    "created_replied",
    "created_read",
    "created_delivered",
    "created_sent",
];

const KEY: &str = "workspace_id, quarter, campaign_id, sender_id, template_id, variant";

fn quarter(backend: DbBackend, at: &str) -> String {
    // The same expressions as `shared::db::quarter_hour`, so readers place quarters alike.
    match backend {
        DbBackend::Postgres => {
            format!("date_bin('15 minutes', {at}, TIMESTAMPTZ '1970-01-01 00:00:00+00')")
        }
        _ => format!("CAST(strftime('%s', {at}) AS INTEGER) / 900"),
    }
}

/// The signed contributions of outbound rows to the rollup, one `SELECT` per quarter a row can
/// count in, joined by `UNION ALL`: `p` is how a row's columns are named (`r.` over a table,
/// `NEW.`/`OLD.` in a SQLite row trigger), `from` the `FROM` clause (empty in a row trigger).
fn contributions(backend: DbBackend, p: &str, from: &str, sign: i32) -> String {
    let nil = match backend {
        DbBackend::Postgres => NIL_UUID_PG,
        _ => NIL_UUID_SQLITE,
    };
    let flag = |condition: &str| format!("CASE WHEN {condition} THEN {sign} ELSE 0 END");
    let outcome = format!(
        "CASE WHEN {p}status = 'failed' THEN 'failed' WHEN {p}replied_at IS NOT NULL THEN \
         'replied' WHEN {p}status = 'read' THEN 'read' WHEN {p}status = 'delivered' THEN \
         'delivered' ELSE 'sent' END"
    );
    let branch = |at: String, condition: String, set: &[(&str, String)]| {
        let counters: Vec<String> = COUNTERS
            .iter()
            .map(|name| {
                let value = set
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| "0".to_owned(), |(_, v)| v.clone());
                format!("{value} AS {name}")
            })
            .collect();
        format!(
            "SELECT {p}workspace_id AS workspace_id, {q} AS quarter, \
             COALESCE({p}campaign_id, {nil}) AS campaign_id, \
             COALESCE({p}sender_id, {nil}) AS sender_id, \
             COALESCE({p}template_id, {nil}) AS template_id, \
             COALESCE({p}variant, {NO_VARIANT}) AS variant, {counters} {from} \
             WHERE {p}direction = 'out' AND {condition}",
            q = quarter(backend, &at),
            counters = counters.join(", "),
        )
    };
    let receipt = format!("COALESCE({p}delivered_at, {p}read_at)");
    [
        branch(
            format!("{p}sent_at"),
            format!("{p}sent_at IS NOT NULL"),
            &[
                ("sent", sign.to_string()),
                (
                    "sent_delivered",
                    flag(&format!(
                        "{p}delivered_at IS NOT NULL OR {p}read_at IS NOT NULL"
                    )),
                ),
                ("sent_read", flag(&format!("{p}read_at IS NOT NULL"))),
                ("sent_replied", flag(&format!("{p}replied_at IS NOT NULL"))),
            ],
        ),
        branch(
            receipt.clone(),
            format!("{receipt} IS NOT NULL"),
            &[("delivered", sign.to_string())],
        ),
        branch(
            format!("{p}read_at"),
            format!("{p}read_at IS NOT NULL"),
            &[("reads", sign.to_string())],
        ),
        branch(
            format!("{p}replied_at"),
            format!("{p}replied_at IS NOT NULL"),
            &[("answered", sign.to_string())],
        ),
        branch(
            format!("{p}created_at"),
            format!("{p}created_at IS NOT NULL"),
            &[
                ("created_failed", flag(&format!("{outcome} = 'failed'"))),
                ("created_replied", flag(&format!("{outcome} = 'replied'"))),
                ("created_read", flag(&format!("{outcome} = 'read'"))),
                (
                    "created_delivered",
                    flag(&format!("{outcome} = 'delivered'")),
                ),
                ("created_sent", flag(&format!("{outcome} = 'sent'"))),
            ],
        ),
    ]
    .join(" UNION ALL ")
}

/// Adds `parts` (contributions) into the rollup: one row per key, pairs that net to zero
/// skipped (an update touching no counted column changes nothing), in key order so that
/// concurrent statements lock rollup rows in the same order.
fn upsert(parts: &[String]) -> String {
    let sums: Vec<String> = COUNTERS
        .iter()
        .map(|c| format!("SUM({c}) AS {c}"))
        .collect();
    let nonzero: Vec<String> = COUNTERS.iter().map(|c| format!("SUM({c}) <> 0")).collect();
    let add: Vec<String> = COUNTERS
        .iter()
        .map(|c| format!("{c} = message_stats.{c} + excluded.{c}"))
        .collect();
    // `WHERE true`: SQLite needs it to parse `INSERT … SELECT … ON CONFLICT`.
    format!(
        "INSERT INTO message_stats ({KEY}, {columns}) \
         SELECT {KEY}, {sums} FROM ({parts}) AS c WHERE true \
         GROUP BY {KEY} HAVING {nonzero} ORDER BY {KEY} \
         ON CONFLICT ({KEY}) DO UPDATE SET {add}",
        columns = COUNTERS.join(", "),
        sums = sums.join(", "),
        parts = parts.join(" UNION ALL "),
        nonzero = nonzero.join(" OR "),
        add = add.join(", "),
    )
}

/// The columns whose change can move a message's contributions.
const COUNTED: [&str; 12] = [
    "workspace_id",
    "direction",
    "campaign_id",
    "sender_id",
    "template_id",
    "variant",
    "status",
    "created_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "replied_at",
];

fn statements(backend: DbBackend) -> Vec<String> {
    let (uuid, quarter_type, bigint) = match backend {
        DbBackend::Postgres => ("uuid", "timestamptz", "bigint"),
        _ => ("blob", "integer", "integer"),
    };
    let counters: Vec<String> = COUNTERS
        .iter()
        .map(|c| format!("{c} {bigint} NOT NULL DEFAULT 0"))
        .collect();
    let mut out = vec![
        // The variant of the recipient row the message was sent for.
        "ALTER TABLE messages ADD COLUMN variant integer NULL".to_owned(),
        "UPDATE messages SET variant = r.variant FROM campaign_recipients r \
         WHERE r.message_id = messages.id"
            .to_owned(),
        format!(
            "CREATE TABLE message_stats (workspace_id {uuid} NOT NULL, quarter {quarter_type} \
             NOT NULL, campaign_id {uuid} NOT NULL, sender_id {uuid} NOT NULL, template_id \
             {uuid} NOT NULL, variant integer NOT NULL, {counters}, PRIMARY KEY ({KEY}))",
            counters = counters.join(", ")
        ),
        upsert(&[contributions(backend, "r.", "FROM messages r", 1)]),
    ];
    match backend {
        DbBackend::Postgres => {
            let old = || contributions(backend, "r.", "FROM old_rows r", -1);
            let new = || contributions(backend, "r.", "FROM new_rows r", 1);
            out.extend(triggers::statement_level(
                "messages",
                "message_stats",
                &[
                    ("INSERT", upsert(&[new()])),
                    ("UPDATE", upsert(&[old(), new()])),
                    ("DELETE", upsert(&[old()])),
                ],
            ));
        }
        _ => {
            let changed: Vec<String> = COUNTED
                .iter()
                .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
                .collect();
            let old = || contributions(backend, "OLD.", "", -1);
            let new = || contributions(backend, "NEW.", "", 1);
            out.extend(triggers::row_level(
                "messages",
                "message_stats",
                &[
                    (
                        "INSERT",
                        "NEW.direction = 'out'".to_owned(),
                        upsert(&[new()]),
                    ),
                    (
                        "UPDATE",
                        format!(
                            "(OLD.direction = 'out' OR NEW.direction = 'out') AND ({})",
                            changed.join(" OR ")
                        ),
                        upsert(&[old(), new()]),
                    ),
                    (
                        "DELETE",
                        "OLD.direction = 'out'".to_owned(),
                        upsert(&[old()]),
                    ),
                ],
            ));
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers::execute_all(manager, statements(manager.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers::drop_all(manager, "messages", "message_stats").await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE message_stats").await?;
        db.execute_unprepared("ALTER TABLE messages DROP COLUMN variant")
            .await?;
        Ok(())
    }
}
