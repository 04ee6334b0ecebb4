//! The foundation: users, sessions, plans, workspaces, memberships, invitations, the audit
//! log, sign-in attempts (for throttling) and notifications.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    Phone,
    PasswordHash,
    IsPlatformAdmin,
    LastWorkspaceId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiryDate,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Code,
    Name,
    Position,
    MonthlyPriceUsd,
    MaxLeads,
    MaxMessagesPerDay,
    MaxSenders,
    MaxMembers,
    ApiAccess,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    Slug,
    Timezone,
    UseCase,
    PlanCode,
    BrandColour,
    Logo,
    LogoContentType,
    DefaultCountry,
    DailyLimitNewSender,
    DailyLimitWarmedSender,
    WorkingHoursStart,
    WorkingHoursEnd,
    WorkingDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    WorkspaceId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    WorkspaceId,
    ActorUserId,
    Action,
    Detail,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    Id,
    Email,
    Ip,
    Succeeded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Message,
    Link,
    ReadAt,
    CreatedAt,
}

/// (code, name, price, leads, messages/day, senders, members, api)
type PlanRow = (
    &'static str,
    &'static str,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    bool,
);

const PLANS: [PlanRow; 4] = [
    (
        "free",
        "Free",
        Some(0),
        Some(1_000),
        Some(50),
        Some(1),
        Some(2),
        false,
    ),
    (
        "starter",
        "Starter",
        Some(29),
        Some(10_000),
        Some(500),
        Some(3),
        Some(5),
        false,
    ),
    (
        "pro",
        "Pro",
        Some(99),
        Some(100_000),
        Some(5_000),
        Some(10),
        Some(20),
        true,
    ),
    (
        "enterprise",
        "Enterprise",
        None,
        None,
        None,
        None,
        None,
        true,
    ),
];

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::Name, 120))
                    .col(string_len_null(Users::Phone, 32))
                    .col(string(Users::PasswordHash))
                    .col(boolean(Users::IsPlatformAdmin).default(false))
                    .col(uuid_null(Users::LastWorkspaceId))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiryDate))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expiry")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiryDate)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(string_len(Plans::Code, 16).primary_key())
                    .col(string_len(Plans::Name, 40))
                    .col(integer(Plans::Position))
                    .col(integer_null(Plans::MonthlyPriceUsd))
                    .col(integer_null(Plans::MaxLeads))
                    .col(integer_null(Plans::MaxMessagesPerDay))
                    .col(integer_null(Plans::MaxSenders))
                    .col(integer_null(Plans::MaxMembers))
                    .col(boolean(Plans::ApiAccess))
                    .to_owned(),
            )
            .await?;
        for (position, (code, name, price, leads, per_day, senders, members, api)) in
            PLANS.into_iter().enumerate()
        {
            let insert = Query::insert()
                .into_table(Plans::Table)
                .columns([
                    Plans::Code,
                    Plans::Name,
                    Plans::Position,
                    Plans::MonthlyPriceUsd,
                    Plans::MaxLeads,
                    Plans::MaxMessagesPerDay,
                    Plans::MaxSenders,
                    Plans::MaxMembers,
                    Plans::ApiAccess,
                ])
                .values_panic([
                    code.into(),
                    name.into(),
                    (position as i32).into(),
                    price.into(),
                    leads.into(),
                    per_day.into(),
                    senders.into(),
                    members.into(),
                    api.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(pk_uuid(Workspaces::Id))
                    .col(string_len(Workspaces::Name, 120))
                    .col(string_len_uniq(Workspaces::Slug, 40))
                    .col(string_len(Workspaces::Timezone, 64))
                    .col(string_len(Workspaces::UseCase, 24))
                    .col(string_len(Workspaces::PlanCode, 16))
                    .col(string_len(Workspaces::BrandColour, 7))
                    .col(blob_null(Workspaces::Logo))
                    .col(string_len_null(Workspaces::LogoContentType, 32))
                    .col(string_len(Workspaces::DefaultCountry, 2))
                    .col(integer(Workspaces::DailyLimitNewSender))
                    .col(integer(Workspaces::DailyLimitWarmedSender))
                    .col(integer(Workspaces::WorkingHoursStart))
                    .col(integer(Workspaces::WorkingHoursEnd))
                    .col(integer(Workspaces::WorkingDays))
                    .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                    .col(timestamp_with_time_zone(Workspaces::UpdatedAt))
                    .foreign_key(
                        fk(
                            (Workspaces::Table, Workspaces::PlanCode),
                            (Plans::Table, Plans::Code),
                        )
                        .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(uuid(Memberships::WorkspaceId))
                    .col(uuid(Memberships::UserId))
                    .col(string_len(Memberships::Role, 16))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Memberships::WorkspaceId)
                            .col(Memberships::UserId),
                    )
                    .foreign_key(&mut fk(
                        (Memberships::Table, Memberships::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Memberships::Table, Memberships::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_user")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_uuid(Invitations::Id))
                    .col(uuid(Invitations::WorkspaceId))
                    .col(string_len(Invitations::Email, 254))
                    .col(string_len(Invitations::Role, 16))
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(uuid(Invitations::InvitedBy))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .foreign_key(&mut fk(
                        (Invitations::Table, Invitations::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Invitations::Table, Invitations::InvitedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_workspace")
                    .table(Invitations::Table)
                    .col(Invitations::WorkspaceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::WorkspaceId))
                    .col(uuid_null(AuditLog::ActorUserId))
                    .col(string_len(AuditLog::Action, 40))
                    .col(text(AuditLog::Detail))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .foreign_key(&mut fk(
                        (AuditLog::Table, AuditLog::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(
                        fk(
                            (AuditLog::Table, AuditLog::ActorUserId),
                            (Users::Table, Users::Id),
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_audit_workspace", AuditLog::WorkspaceId),
            ("idx_audit_actor", AuditLog::ActorUserId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(col)
                        .col(AuditLog::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SignInAttempts::Table)
                    .col(pk_uuid(SignInAttempts::Id))
                    .col(string_len(SignInAttempts::Email, 254))
                    .col(string_len(SignInAttempts::Ip, 64))
                    .col(boolean(SignInAttempts::Succeeded))
                    .col(timestamp_with_time_zone(SignInAttempts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_sign_in_attempts_email", SignInAttempts::Email),
            ("idx_sign_in_attempts_ip", SignInAttempts::Ip),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SignInAttempts::Table)
                        .col(col)
                        .col(SignInAttempts::CreatedAt)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::WorkspaceId))
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::Message, 500))
                    .col(string_len_null(Notifications::Link, 500))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .foreign_key(&mut fk(
                        (Notifications::Table, Notifications::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Notifications::Table, Notifications::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_recipient")
                    .table(Notifications::Table)
                    .col(Notifications::WorkspaceId)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            SignInAttempts::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Invitations::Table.into_iden(),
            Memberships::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Plans::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
