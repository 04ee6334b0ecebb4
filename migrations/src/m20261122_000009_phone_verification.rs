//! Phone verification: the one-time code a user is sent over WhatsApp to prove their phone is
//! theirs (kept as a keyed hash, with its expiry, tries and resend pacing), and when the
//! user's phone was verified.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PhoneVerifiedAt,
}

#[derive(DeriveIden)]
enum PhoneVerifications {
    Table,
    UserId,
    Phone,
    CodeHash,
    TriesLeft,
    ExpiresAt,
    LastSentAt,
    SendsInWindow,
    WindowStartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::PhoneVerifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PhoneVerifications::Table)
                    // One code at a time per user: a new one replaces the old.
                    .col(pk_uuid(PhoneVerifications::UserId))
                    // The E.164 number the code went to; confirming checks it is still the
                    // profile's.
                    .col(string_len(PhoneVerifications::Phone, 20))
                    // HMAC-SHA256 under a key derived from the server's secret key, so a copy
                    // of the database does not give the code away by brute force.
                    .col(string_len(PhoneVerifications::CodeHash, 64))
                    .col(small_integer(PhoneVerifications::TriesLeft))
                    .col(timestamp_with_time_zone(PhoneVerifications::ExpiresAt))
                    .col(timestamp_with_time_zone(PhoneVerifications::LastSentAt))
                    .col(small_integer(PhoneVerifications::SendsInWindow))
                    .col(timestamp_with_time_zone(
                        PhoneVerifications::WindowStartedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PhoneVerifications::Table, PhoneVerifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PhoneVerifications::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::PhoneVerifiedAt)
                    .to_owned(),
            )
            .await
    }
}
