//! Server functions for campaigns: the list, one campaign, drafts (create, save, delete), the
//! wizard's live helpers (audience count, variant preview, launch review, test send), launching
//! and the controls of a running campaign (pause, resume, cancel, retry), its recipients and
//! what its page charts.

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::campaigns::{
    Audience, AudienceCount, CampaignActivity, CampaignDto, CampaignForm, CampaignLive,
    CampaignSummary, LaunchReview, RecipientPage, RecipientState, VariantPreview,
};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::campaigns::service as campaigns};

/// The workspace's campaigns, newest first.
#[server(endpoint = "load_campaigns")]
pub async fn load_campaigns(workspace: Uuid) -> ApiResult<Vec<CampaignSummary>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::list(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_campaign")]
pub async fn load_campaign(workspace: Uuid, campaign: Uuid) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::get(&svc, &tenant, campaign).await?)
        }
        .await,
    )
}

/// The campaign as its live page shows it (the wizard's form reduced to what the page names).
#[server(endpoint = "load_campaign_live")]
pub async fn load_campaign_live(workspace: Uuid, campaign: Uuid) -> ApiResult<CampaignLive> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::live(&svc, &tenant, campaign).await?)
        }
        .await,
    )
}

/// The form a new campaign starts from (the workspace's working hours).
#[server(endpoint = "new_campaign_form")]
pub async fn new_campaign_form(workspace: Uuid) -> ApiResult<CampaignForm> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::new_form(&svc, &tenant).await?)
        }
        .await,
    )
}

/// Stores the wizard's form as a new draft (the first "Save draft").
#[server(endpoint = "create_campaign", input = Json)]
pub async fn create_campaign(workspace: Uuid, form: CampaignForm) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::create_draft(&svc, &tenant, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "save_campaign", input = Json)]
pub async fn save_campaign(
    workspace: Uuid,
    campaign: Uuid,
    form: CampaignForm,
) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::save_draft(&svc, &tenant, campaign, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_campaign")]
pub async fn delete_campaign(workspace: Uuid, campaign: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::delete_draft(&svc, &tenant, campaign, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// Who the audience reaches now, and who it leaves out and why.
#[server(endpoint = "count_campaign_audience", input = Json)]
pub async fn count_campaign_audience(
    workspace: Uuid,
    audience: Audience,
) -> ApiResult<AudienceCount> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::count_audience(&svc, &tenant, &audience).await?)
        }
        .await,
    )
}

/// Variant `variant` of the form rendered for the audience's first eligible recipient.
#[server(endpoint = "preview_campaign_variant", input = Json)]
pub async fn preview_campaign_variant(
    workspace: Uuid,
    form: CampaignForm,
    variant: usize,
) -> ApiResult<VariantPreview> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::preview_variant(&svc, &tenant, &form, variant).await?)
        }
        .await,
    )
}

/// The launch step's review: audience, estimated duration, checklist.
#[server(endpoint = "review_campaign", input = Json)]
pub async fn review_campaign(workspace: Uuid, form: CampaignForm) -> ApiResult<LaunchReview> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::review(&svc, &tenant, &form).await?)
        }
        .await,
    )
}

/// Sends variant `variant` to 1–5 numbers; answers with what happened, in words.
#[server(endpoint = "test_send_campaign", input = Json)]
pub async fn test_send_campaign(
    workspace: Uuid,
    form: CampaignForm,
    variant: usize,
    numbers: String,
) -> ApiResult<String> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::test_send(&svc, &tenant, &form, variant, &numbers).await?)
        }
        .await,
    )
}

/// Saves the form to the draft, checks everything and starts (or schedules) it.
#[server(endpoint = "launch_campaign", input = Json)]
pub async fn launch_campaign(
    workspace: Uuid,
    campaign: Uuid,
    form: CampaignForm,
) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::launch(&svc, &tenant, campaign, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "pause_campaign")]
pub async fn pause_campaign(workspace: Uuid, campaign: Uuid) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::pause(&svc, &tenant, campaign, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "resume_campaign")]
pub async fn resume_campaign(workspace: Uuid, campaign: Uuid) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::resume(&svc, &tenant, campaign, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "cancel_campaign")]
pub async fn cancel_campaign(workspace: Uuid, campaign: Uuid) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::cancel(&svc, &tenant, campaign, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// Puts failed recipients (and, when asked, those whose outcome is unknown) back in the queue.
#[server(endpoint = "retry_failed_campaign", input = Json)]
pub async fn retry_failed_campaign(
    workspace: Uuid,
    campaign: Uuid,
    include_unknown: bool,
) -> ApiResult<CampaignDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::retry_failed(
                &svc,
                &tenant,
                campaign,
                include_unknown,
                &ctx::meta().await,
            )
            .await?)
        }
        .await,
    )
}

/// A page of the campaign's recipients, optionally in one state, after position `after`.
#[server(endpoint = "load_campaign_recipients", input = Json)]
pub async fn load_campaign_recipients(
    workspace: Uuid,
    campaign: Uuid,
    state: Option<RecipientState>,
    after: Option<i64>,
) -> ApiResult<RecipientPage> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(campaigns::recipients(&svc, &tenant, campaign, state, after).await?)
        }
        .await,
    )
}

/// Where the campaign's messages ended up, and its messages sent, delivered and read per local
/// hour or day.
#[server(endpoint = "load_campaign_activity")]
pub async fn load_campaign_activity(
    workspace: Uuid,
    campaign: Uuid,
) -> ApiResult<CampaignActivity> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(shared::campaigns::activity::activity(&svc, &tenant, campaign).await?)
        }
        .await,
    )
}
