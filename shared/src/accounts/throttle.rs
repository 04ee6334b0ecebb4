//! Sign-in throttling, per account and per client address, kept in the database so it holds
//! across instances and restarts. Within a 15-minute window an account takes 5 failures (a
//! success resets its count) and an address 20, across any accounts.

use crate::AppError;
use crate::db::entities::sign_in_attempt;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
pub const MAX_FAILURES_PER_IP: usize = 20;

/// Refuses the attempt when the account or the address has failed too often lately.
pub async fn check(
    db: &impl ConnectionTrait,
    email: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let since = now - Duration::minutes(WINDOW_MINUTES);

    let account_recent = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::Email.eq(email))
        .filter(sign_in_attempt::Column::CreatedAt.gt(since))
        .order_by_desc(sign_in_attempt::Column::CreatedAt)
        .limit(MAX_FAILURES_PER_ACCOUNT as u64 + 1)
        .all(db)
        .await?;
    let account_failures: Vec<_> = account_recent.iter().take_while(|a| !a.succeeded).collect();
    if account_failures.len() >= MAX_FAILURES_PER_ACCOUNT {
        let oldest = account_failures[MAX_FAILURES_PER_ACCOUNT - 1].created_at;
        return Err(too_many("this account", oldest, now));
    }

    let ip_failures = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::Ip.eq(ip))
        .filter(sign_in_attempt::Column::Succeeded.eq(false))
        .filter(sign_in_attempt::Column::CreatedAt.gt(since))
        .order_by_desc(sign_in_attempt::Column::CreatedAt)
        .limit(MAX_FAILURES_PER_IP as u64)
        .all(db)
        .await?;
    if ip_failures.len() >= MAX_FAILURES_PER_IP {
        let oldest = ip_failures[MAX_FAILURES_PER_IP - 1].created_at;
        return Err(too_many("your network address", oldest, now));
    }
    Ok(())
}

fn too_many(whom: &str, oldest_counted: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let retry_at = oldest_counted + Duration::minutes(WINDOW_MINUTES);
    let secs = (retry_at - now).num_seconds().max(1) as u64;
    let minutes = secs.div_ceil(60);
    AppError::TooManyRequests {
        message: format!(
            "Too many failed sign-in attempts for {whom}. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
        retry_after_secs: secs,
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    email: &str,
    ip: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sign_in_attempt::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        succeeded: Set(succeeded),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Drops attempts older than the window (run periodically).
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    let cutoff = now - Duration::minutes(WINDOW_MINUTES * 4);
    Ok(sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
