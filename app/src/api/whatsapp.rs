//! Server functions for the WhatsApp channel: senders (list, add, edit, pause, remove, status,
//! test message) and a lead's conversation (read, send one-to-one).

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::whatsapp::{
    InboxEntry, MessageDto, NumberCheckJobDto, OptOutSettings, ReplyChoices, SenderCreated,
    SenderDto, SenderInput,
};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::ctx,
    shared::whatsapp::{messages, numbers, optout, senders},
};

#[server(endpoint = "senders")]
pub async fn load_senders(workspace: Uuid) -> ApiResult<Vec<SenderDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::list(&svc, &tenant).await?)
        }
        .await,
    )
}

/// The lead page's reply box: the senders and templates it offers, with only what it shows.
#[server(endpoint = "reply_choices")]
pub async fn load_reply_choices(workspace: Uuid) -> ApiResult<ReplyChoices> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            let senders = senders::list(&svc, &tenant).await?;
            let templates = shared::templates::service::list(&svc, &tenant).await?;
            Ok(ReplyChoices::new(&senders, &templates))
        }
        .await,
    )
}

#[server(endpoint = "add_sender", input = Json)]
pub async fn add_sender(workspace: Uuid, input: SenderInput) -> ApiResult<SenderCreated> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::create(&svc, &tenant, &input, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_sender", input = Json)]
pub async fn update_sender(
    workspace: Uuid,
    sender: Uuid,
    input: SenderInput,
) -> ApiResult<SenderDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::update(&svc, &tenant, sender, &input, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_sender")]
pub async fn delete_sender(workspace: Uuid, sender: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::delete(&svc, &tenant, sender, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "pause_sender")]
pub async fn pause_sender(workspace: Uuid, sender: Uuid, paused: bool) -> ApiResult<SenderDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::set_paused(&svc, &tenant, sender, paused, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "refresh_sender")]
pub async fn refresh_sender(workspace: Uuid, sender: Uuid) -> ApiResult<SenderDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::refresh(&svc, &tenant, sender).await?)
        }
        .await,
    )
}

#[server(endpoint = "test_sender")]
pub async fn test_sender(workspace: Uuid, sender: Uuid, to: String) -> ApiResult<String> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(senders::send_test(&svc, &tenant, sender, &to).await?)
        }
        .await,
    )
}

#[server(endpoint = "conversation")]
pub async fn load_conversation(workspace: Uuid, lead: Uuid) -> ApiResult<Vec<MessageDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(messages::conversation(&svc, &tenant, lead).await?)
        }
        .await,
    )
}

#[server(endpoint = "send_message")]
pub async fn send_message(
    workspace: Uuid,
    lead: Uuid,
    sender: Option<Uuid>,
    body: String,
    /// An upload from `POST /w/{slug}/attachments`, sent with `body` as its caption.
    attachment: Option<Uuid>,
    /// The template the message was written from (counted as a use).
    template: Option<Uuid>,
) -> ApiResult<MessageDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(
                messages::send_to_lead(&svc, &tenant, lead, sender, &body, attachment, template)
                    .await?,
            )
        }
        .await,
    )
}

#[server(endpoint = "opt_out_settings")]
pub async fn load_opt_out_settings(workspace: Uuid) -> ApiResult<OptOutSettings> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(optout::settings(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_opt_out_settings", input = Json)]
pub async fn update_opt_out_settings(
    workspace: Uuid,
    form: OptOutSettings,
) -> ApiResult<OptOutSettings> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(optout::update(&svc, &tenant, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "inbox")]
pub async fn load_inbox(workspace: Uuid, unread_only: bool) -> ApiResult<Vec<InboxEntry>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(messages::inbox(&svc, &tenant, unread_only).await?)
        }
        .await,
    )
}

#[server(endpoint = "start_number_check", input = Json)]
pub async fn start_number_check(
    workspace: Uuid,
    selection: shared::leads::LeadSelection,
) -> ApiResult<NumberCheckJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(numbers::start(&svc, &tenant, &selection, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "number_check")]
pub async fn number_check(workspace: Uuid, job: Uuid) -> ApiResult<NumberCheckJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(numbers::job(&svc, &tenant, job).await?)
        }
        .await,
    )
}

#[server(endpoint = "active_number_check")]
pub async fn active_number_check(workspace: Uuid) -> ApiResult<Option<NumberCheckJobDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(numbers::active(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "cancel_number_check")]
pub async fn cancel_number_check(workspace: Uuid, job: Uuid) -> ApiResult<NumberCheckJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(numbers::cancel(&svc, &tenant, job, &ctx::meta().await).await?)
        }
        .await,
    )
}
