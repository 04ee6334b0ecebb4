//! The database: connecting (SQLite by default, PostgreSQL when the URL says so), and the
//! sea-orm entities. Entities never leave `shared`: DTOs cross the wire instead.

pub mod entities;
mod sql;

pub use sql::{QUARTER_SECONDS, Sql, placeholder, quarter_hour, quarter_start};

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Opens a pool on `url`. SQLite gets WAL, a busy timeout and foreign keys, so that concurrent
/// requests wait for the single writer instead of failing with "database is locked".
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if is_sqlite { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if is_sqlite {
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    }
    Database::connect(options).await
}

/// Whether the database answers (for `/healthz`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// Starts a transaction that writes. On SQLite it begins `IMMEDIATE`, taking the write lock
/// up front: a deferred transaction that reads first and writes later fails at once with
/// `SQLITE_BUSY` (no busy timeout applies) when another connection committed in between,
/// which is common while webhooks and the dispatcher write in the background. PostgreSQL
/// ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// A transaction whose reads all see one snapshot, for comparing two reads that writers may
/// move in between (a rollup against what it sums): repeatable read on PostgreSQL; on SQLite
/// (WAL) any read transaction keeps the snapshot of its first read.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let isolation = (db.get_database_backend() == DbBackend::Postgres)
        .then_some(IsolationLevel::RepeatableRead);
    db.begin_with_config(isolation, None).await
}
