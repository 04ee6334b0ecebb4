//! The database: connecting (SQLite by default, PostgreSQL when the URL says so), and the
//! sea-orm entities. Entities never leave `shared`: DTOs cross the wire instead.

pub mod entities;
mod sql;

pub use sql::{QUARTER_SECONDS, Sql, placeholder, quarter_hour, quarter_start};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
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

/// Pages of WAL a [`BulkWriter`] lets grow before it copies them back into the database file
/// (SQLite's own default is 1,000). Each checkpoint copies every page written since the last,
/// and a bulk write touches the same index pages again in every batch, so fewer checkpoints
/// copy each page fewer times; 25,000 pages of 4 KiB bound the WAL at about 100 MiB.
const BULK_WAL_PAGES: u32 = 25_000;

/// The page cache of a [`BulkWriter`]'s connection, in KiB (SQLite's default is 2,000). It holds
/// the indexes a large import inserts into at random (the lead name and phone), which otherwise
/// are read back from the file for every batch.
const BULK_CACHE_KIB: u32 = 65_536;

/// Where a long run of write transactions (an import's batches) goes. On SQLite that is a
/// connection of its own, kept for the whole run: the pool hands each transaction whichever
/// connection is free, and a connection drops its page cache whenever another one wrote in
/// between, so batch after batch read the same index pages back from the file. Its own
/// connection also keeps a larger cache and checkpoints less often (see [`BULK_WAL_PAGES`]).
/// Other connections go on writing as usual; SQLite still lets one writer in at a time.
/// On PostgreSQL it is the pool itself.
pub struct BulkWriter {
    db: DatabaseConnection,
}

impl BulkWriter {
    /// Opens the writer next to `db` (same database, same options).
    pub async fn open(db: &DatabaseConnection) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(Self { db: db.clone() });
        }
        let options = (*db.get_sqlite_connection_pool().connect_options())
            .clone()
            .pragma("cache_size", format!("-{BULK_CACHE_KIB}"))
            .pragma("wal_autocheckpoint", BULK_WAL_PAGES.to_string())
            // The WAL may grow to ~100 MiB during the run; once checkpointed it is cut back.
            .pragma("journal_size_limit", (64 * 1024 * 1024).to_string());
        let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(Self {
            db: sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
        })
    }

    /// The connection to run the write transactions on.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Ends the run. On SQLite the run's WAL is then copied back into the database file
    /// (without waiting for readers: what it cannot copy yet the next checkpoint does) and the
    /// connection closed, in the background: the run's transactions are committed already, and
    /// after a large import the copy (tens of MiB, then an fsync) would otherwise hold up
    /// whoever waits for the run to end. A failure loses nothing, the WAL is the database's,
    /// so it is logged.
    pub fn finish(self) {
        // On SQLite the connection is the writer's own (see `open`); elsewhere it is the pool.
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return;
        }
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            if let Err(e) = self
                .db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                tracing::warn!(error = %e, "checkpoint after a bulk write failed");
            }
            if let Err(e) = self.db.close().await {
                tracing::warn!(error = %e, "closing a bulk writer's connection failed");
            }
            tracing::info!(
                took_ms = started.elapsed().as_millis() as u64,
                "checkpointed after a bulk write"
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Statement;

    /// The first column of the first row `sql` returns, as an integer.
    async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql.to_owned()))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    #[tokio::test]
    async fn a_bulk_writer_on_sqlite_has_its_own_tuned_connection_and_its_writes_reach_the_pool() {
        let dir = std::env::temp_dir().join(format!("leadloom-bulk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("bulk.db").display());
        let db = connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (n INTEGER NOT NULL)")
            .await
            .unwrap();

        let writer = BulkWriter::open(&db).await.unwrap();
        assert_eq!(
            scalar(writer.db(), "PRAGMA cache_size").await,
            -i64::from(BULK_CACHE_KIB)
        );
        assert_eq!(
            scalar(writer.db(), "PRAGMA wal_autocheckpoint").await,
            i64::from(BULK_WAL_PAGES)
        );
        // The pool's connections keep SQLite's defaults, and the writer keeps the pool's own
        // options (WAL, foreign keys).
        assert_eq!(scalar(&db, "PRAGMA wal_autocheckpoint").await, 1000);
        assert_eq!(scalar(writer.db(), "PRAGMA foreign_keys").await, 1);
        let txn = begin_write(writer.db()).await.unwrap();
        txn.execute_unprepared("INSERT INTO t (n) VALUES (1), (2), (3)")
            .await
            .unwrap();
        txn.commit().await.unwrap();
        writer.finish();
        assert_eq!(scalar(&db, "SELECT SUM(n) FROM t").await, 6);
        std::fs::remove_dir_all(&dir).ok();
    }
}
