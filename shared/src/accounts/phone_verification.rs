//! Phone verification: a 6-digit one-time code sent over WhatsApp through the deployment's own
//! gateway proves a user's phone is theirs. Codes last ten minutes and allow five tries; a new
//! code may be asked for once a minute and five times an hour. Codes are stored only as a keyed
//! hash, and every try is taken from the count *before* the code is compared, so concurrent
//! guesses cannot exceed the five.

use super::{PendingPhoneCode, PhoneVerificationDto, store};
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{phone_verification, user};
use crate::leads::normalize_phone;
use crate::services::{RequestMeta, Services};
use crate::whatsapp::provider::{Content, digits};
use crate::{AppError, UserId};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// How long a code stays valid.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong codes allowed before a new one must be sent.
pub const TRIES: i16 = 5;
/// The wait between two codes.
pub const RESEND_COOLDOWN: Duration = Duration::seconds(60);
/// Codes per [`SEND_WINDOW`]: each one is a WhatsApp message from the platform's number, and
/// many in a row to one contact look like spam to WhatsApp.
pub const SENDS_PER_WINDOW: i16 = 5;
pub const SEND_WINDOW: Duration = Duration::hours(1);

/// The `phone` field's message when the profile has no number the code can reach.
const NEEDS_COUNTRY_CODE: &str =
    "Save your phone with its country code (e.g. +254 712 345 678) to verify it.";

/// Where the user's verification stands: what the account page shows.
pub async fn state(svc: &Services, id: UserId) -> Result<PhoneVerificationDto, AppError> {
    let (user, row) = load(svc, id).await?;
    Ok(describe(&user, row.as_ref(), Utc::now()))
}

/// The user and the code last sent to them, if any.
async fn load(
    svc: &Services,
    id: UserId,
) -> Result<(user::Model, Option<phone_verification::Model>), AppError> {
    let user = store::find(&svc.db, id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let row = phone_verification::Entity::find_by_id(id.0)
        .one(&svc.db)
        .await?;
    Ok((user, row))
}

fn describe(
    user: &user::Model,
    row: Option<&phone_verification::Model>,
    now: DateTime<Utc>,
) -> PhoneVerificationDto {
    let seconds = |d: Duration| d.num_seconds().max(0) as u64;
    let verified = user.phone_verified_at.is_some() && user.phone.is_some();
    let pending = row
        .filter(|row| !verified && row.expires_at > now && row.tries_left > 0)
        .map(|row| PendingPhoneCode {
            sent_to: row.phone.clone(),
            expires_in_secs: seconds(row.expires_at - now),
            tries_left: row.tries_left.max(0) as u8,
        });
    PhoneVerificationDto {
        phone: user.phone.clone(),
        verified,
        pending,
        resend_in_secs: row.map_or(0, |row| next_send_wait(row, now).map_or(0, seconds)),
    }
}

/// How long until another code may be sent, if it may not be now.
fn next_send_wait(row: &phone_verification::Model, now: DateTime<Utc>) -> Option<Duration> {
    let cooldown = row.last_sent_at + RESEND_COOLDOWN - now;
    let window_ends = row.window_started_at + SEND_WINDOW - now;
    let window_full = window_ends > Duration::zero() && row.sends_in_window >= SENDS_PER_WINDOW;
    if window_full {
        Some(window_ends.max(cooldown))
    } else {
        (cooldown > Duration::zero()).then_some(cooldown)
    }
}

/// Sends a new code to the profile's phone over the platform's gateway.
pub async fn send_code(
    svc: &Services,
    id: UserId,
    meta: &RequestMeta,
) -> Result<PhoneVerificationDto, AppError> {
    let (user, previous) = load(svc, id).await?;
    let Some(typed) = user.phone.as_deref() else {
        return Err(AppError::field(
            "phone",
            "Add your phone number to your profile first.",
        ));
    };
    let phone = normalize_phone(typed, None)
        .map_err(|_| AppError::field("phone", NEEDS_COUNTRY_CODE))?
        .e164;
    if user.phone_verified_at.is_some() {
        return Err(AppError::field("phone", "Your phone is already verified."));
    }
    let now = Utc::now();
    if let Some(wait) = previous.as_ref().and_then(|row| next_send_wait(row, now)) {
        return Err(too_soon(previous.as_ref(), wait, now));
    }
    let Some(provider) = svc.whatsapp.platform_provider() else {
        return Err(AppError::field(
            "phone",
            "This LeadLoom has no WhatsApp number to send codes from; ask its administrator.",
        ));
    };

    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let message = format!(
        "{code} is your LeadLoom verification code. It expires in {} minutes. Do not share it with anyone.",
        CODE_TTL.num_minutes()
    );
    provider
        .send(&digits(&phone), &Content::Text { body: message })
        .await
        .map_err(|error| {
            // The provider's words never carry credentials or URLs (see `ProviderError`).
            tracing::warn!(user = %id.0, %error, "verification code not sent");
            AppError::field(
                "phone",
                format!("The code could not be sent over WhatsApp ({error}). Check the number, then try again."),
            )
        })?;

    // Only a code that went out counts against the limits.
    let (sends, window_started_at) = match &previous {
        Some(row) if now - row.window_started_at < SEND_WINDOW => {
            (row.sends_in_window + 1, row.window_started_at)
        }
        _ => (1, now),
    };
    let row = phone_verification::Model {
        user_id: id.0,
        code_hash: code_hash(svc, id, &phone, &code),
        phone,
        tries_left: TRIES,
        expires_at: now + CODE_TTL,
        last_sent_at: now,
        sends_in_window: sends,
        window_started_at,
    };
    phone_verification::Entity::insert(phone_verification::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::column(phone_verification::Column::UserId)
                .update_columns([
                    phone_verification::Column::Phone,
                    phone_verification::Column::CodeHash,
                    phone_verification::Column::TriesLeft,
                    phone_verification::Column::ExpiresAt,
                    phone_verification::Column::LastSentAt,
                    phone_verification::Column::SendsInWindow,
                    phone_verification::Column::WindowStartedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&svc.db)
        .await?;
    audit::record(
        &svc.db,
        None,
        Some(id),
        AuditAction::PhoneCodeSent,
        &masked(&row.phone),
        meta,
    )
    .await?;
    // What was just written is the state: no need to read it back.
    Ok(describe(&user, Some(&row), now))
}

fn too_soon(
    row: Option<&phone_verification::Model>,
    wait: Duration,
    now: DateTime<Utc>,
) -> AppError {
    let secs = wait.num_seconds().max(1) as u64;
    let window_full = row.is_some_and(|row| {
        row.sends_in_window >= SENDS_PER_WINDOW && now - row.window_started_at < SEND_WINDOW
    });
    let message = if window_full {
        format!(
            "You asked for {SENDS_PER_WINDOW} codes within an hour. Try again in {} minutes.",
            secs.div_ceil(60)
        )
    } else {
        format!("Wait {secs} seconds before asking for another code.")
    };
    AppError::TooManyRequests {
        message,
        retry_after_secs: secs,
    }
}

/// Checks a code the user typed; the right one marks the phone verified.
pub async fn confirm_code(
    svc: &Services,
    id: UserId,
    typed: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    // People paste "123 456" or "123-456".
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::field(
            "code",
            "Enter the 6-digit code from WhatsApp.",
        ));
    }
    let (user, row) = load(svc, id).await?;
    let Some(row) = row else {
        return Err(AppError::field("code", "Send a code first."));
    };
    if Utc::now() >= row.expires_at {
        return Err(AppError::field(
            "code",
            "This code has expired — send a new code.",
        ));
    }
    let current = user
        .phone
        .as_deref()
        .and_then(|typed| normalize_phone(typed, None).ok());
    if current.is_none_or(|phone| phone.e164 != row.phone) {
        return Err(AppError::field(
            "code",
            "Your phone number changed since the code was sent — send a new code.",
        ));
    }
    // Take the try first: of any number of concurrent guesses, at most `tries_left` are
    // compared.
    let taken = phone_verification::Entity::update_many()
        .col_expr(
            phone_verification::Column::TriesLeft,
            sea_orm::sea_query::ExprTrait::sub(Expr::col(phone_verification::Column::TriesLeft), 1),
        )
        .filter(phone_verification::Column::UserId.eq(id.0))
        .filter(phone_verification::Column::TriesLeft.gt(0))
        .exec(&svc.db)
        .await?;
    if taken.rows_affected == 0 {
        return Err(AppError::field("code", "No tries left — send a new code."));
    }
    if !svc
        .whatsapp
        .secrets
        .verify_link(&code_input(id, &row.phone, &code), &row.code_hash)
    {
        let left = (row.tries_left - 1).max(0);
        let message = match left {
            0 => "That code is not right, and it was the last try — send a new code.".to_owned(),
            1 => "That code is not right — 1 try left.".to_owned(),
            n => format!("That code is not right — {n} tries left."),
        };
        return Err(AppError::field("code", message));
    }
    let txn = crate::db::begin_write(&svc.db).await?;
    user::ActiveModel {
        id: Set(id.0),
        phone: Set(Some(row.phone.clone())),
        phone_verified_at: Set(Some(Utc::now())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    phone_verification::Entity::delete_by_id(id.0)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        None,
        Some(id),
        AuditAction::PhoneVerified,
        &masked(&row.phone),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets the verification when the profile's phone changes to another number. A code
/// already out stops working, but its pacing stays: changing numbers must not become a way to
/// have the platform's number message anyone, any number of times.
pub async fn phone_changed(db: &impl ConnectionTrait, id: UserId) -> Result<(), AppError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::PhoneVerifiedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    phone_verification::Entity::update_many()
        .col_expr(phone_verification::Column::TriesLeft, Expr::value(0i16))
        .filter(phone_verification::Column::UserId.eq(id.0))
        .exec(db)
        .await?;
    Ok(())
}

/// What the stored hash is a MAC of: the user and number too, so a hash copied to another row
/// does not verify.
fn code_input(id: UserId, phone: &str, code: &str) -> String {
    format!("phone-code:{}:{phone}:{code}", id.0)
}

fn code_hash(svc: &Services, id: UserId, phone: &str, code: &str) -> String {
    svc.whatsapp.secrets.sign_link(&code_input(id, phone, code))
}

/// `+254•••••678`: enough for the audit log to tell numbers apart, not enough to dial.
pub fn masked(e164: &str) -> String {
    let chars: Vec<char> = e164.chars().collect();
    if chars.len() <= 7 {
        return "•".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(now: DateTime<Utc>) -> phone_verification::Model {
        phone_verification::Model {
            user_id: uuid::Uuid::nil(),
            phone: "+254712345678".into(),
            code_hash: String::new(),
            tries_left: TRIES,
            expires_at: now + CODE_TTL,
            last_sent_at: now,
            sends_in_window: 1,
            window_started_at: now,
        }
    }

    #[test]
    fn a_new_code_waits_for_the_cooldown_and_the_hourly_cap() {
        let now = Utc::now();
        let mut sent = row(now);
        assert_eq!(next_send_wait(&sent, now), Some(RESEND_COOLDOWN));
        assert_eq!(next_send_wait(&sent, now + Duration::seconds(61)), None);
        // Five sends in the window: the next waits for the window to end, not a minute.
        sent.sends_in_window = SENDS_PER_WINDOW;
        sent.last_sent_at = now + Duration::minutes(30);
        let later = now + Duration::minutes(40);
        assert_eq!(next_send_wait(&sent, later), Some(Duration::minutes(20)));
        let message = too_soon(Some(&sent), Duration::minutes(20), later).to_string();
        assert!(message.contains("5 codes within an hour") && message.contains("20 minutes"));
        assert_eq!(next_send_wait(&sent, now + SEND_WINDOW), None);
    }

    #[test]
    fn numbers_are_masked_for_the_log() {
        assert_eq!(masked("+254712345678"), "+254••••••678");
        assert_eq!(masked("+12345"), "••••••");
    }
}
