//! Campaign notifications: the bell of the campaign's creator and the workspace's managers,
//! an e-mail to the managers when the campaign asked for one and SMTP is configured, and a
//! JSON POST to the campaign's webhook, signed with HMAC-SHA256 under the campaign's own key
//! (`X-LeadLoom-Signature: sha256=…`). E-mail and webhook failures are logged, never retried:
//! a notification must not hold up sending.

use super::model::{CampaignForm, CampaignStatus, RecipientCounts};
use crate::db::entities::campaign;
use crate::services::Services;
use crate::workspaces::store as workspaces;
use crate::{AppError, UserId, WorkspaceId};
use chrono::{DateTime, Utc};

/// Tells the campaign's people through every channel it chose: the bell of its creator and
/// the workspace's managers (always), then e-mail and webhook as its form asks ([`deliver`]).
pub async fn tell(svc: &Services, campaign: &campaign::Model, text: &str) -> Result<(), AppError> {
    let workspace = WorkspaceId(campaign.workspace_id);
    let ws = workspaces::find(&svc.db, workspace).await?;
    let link = format!("/w/{}/campaigns/{}", ws.slug, campaign.id);
    let mut people: Vec<UserId> = workspaces::managers(&svc.db, workspace).await?;
    if let Some(creator) = campaign.created_by.map(UserId)
        && !people.contains(&creator)
    {
        people.push(creator);
    }
    for person in people {
        crate::notifications::store::notify(&svc.db, workspace, person, text, Some(&link)).await?;
    }
    deliver(svc, campaign, text, &link).await;
    Ok(())
}

/// What the end of a run says: the campaign's totals, and for a recurring campaign when the
/// next run starts (in the workspace's zone, as the pages show times).
pub fn completion_text(
    model: &campaign::Model,
    counts: &RecipientCounts,
    next_run: Option<DateTime<Utc>>,
    tz: &chrono_tz::Tz,
) -> String {
    let mut totals = format!("{} sent", counts.sent);
    for (n, what) in [
        (counts.failed, "failed"),
        (counts.unknown, "unknown"),
        (counts.skipped, "skipped"),
    ] {
        if n > 0 {
            totals.push_str(&format!(", {n} {what}"));
        }
    }
    match next_run {
        Some(at) if model.status == CampaignStatus::Scheduled.as_str() => format!(
            "Campaign “{}” finished run {} ({totals}); the next run starts {}.",
            model.name,
            model.run,
            at.with_timezone(tz).format("%Y-%m-%d %H:%M")
        ),
        _ => format!("Campaign “{}” completed: {totals}.", model.name),
    }
}

/// Where the webhook key is bound in `shared::crypto` (row and field).
pub fn key_context(campaign: uuid::Uuid) -> String {
    format!("campaign:{campaign}:webhook_key")
}

/// Sends `text` by e-mail (with the campaign page's address, `link` under the public URL) and
/// webhook as the campaign's form asks; logs what fails.
pub async fn deliver(svc: &Services, model: &campaign::Model, text: &str, link: &str) {
    let form: CampaignForm = serde_json::from_str(&model.form).unwrap_or_default();
    if form.notify.email
        && let Some(mailer) = &svc.mailer
    {
        let workspace = WorkspaceId(model.workspace_id);
        let people = workspaces::managers(&svc.db, workspace)
            .await
            .unwrap_or_default();
        for person in people {
            let Ok(Some(user)) = crate::accounts::store::find(&svc.db, person).await else {
                continue;
            };
            let body = format!(
                "{text}\n\nOpen the campaign: {}{link}",
                svc.settings.public_url.trim_end_matches('/')
            );
            if let Err(error) = mailer
                .send(&user.email, &format!("LeadLoom: {}", model.name), body)
                .await
            {
                tracing::warn!(campaign = %model.id, %error, "campaign e-mail not sent");
            }
        }
    }
    let Some(url) = form.notify.webhook_url.filter(|u| !u.trim().is_empty()) else {
        return;
    };
    let Some(key) = model.webhook_key_enc.as_deref().and_then(|enc| {
        svc.whatsapp
            .secrets
            .decrypt(&key_context(model.id), enc)
            .ok()
    }) else {
        return;
    };
    let body = serde_json::json!({
        "campaign_id": model.id,
        "campaign": model.name,
        "status": model.status,
        "message": text,
        "at": chrono::Utc::now(),
    })
    .to_string();
    let signature = crate::crypto::sign_sha256(key.as_bytes(), body.as_bytes());
    let outcome = svc
        .whatsapp
        .client()
        .post(url.trim())
        .header("content-type", "application/json")
        .header("x-leadloom-signature", signature)
        .body(body)
        .send()
        .await;
    match outcome {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => {
            tracing::warn!(campaign = %model.id, status = %response.status(), "campaign webhook refused the notification")
        }
        Err(error) => {
            tracing::warn!(campaign = %model.id, error = %error.without_url(), "campaign webhook not reached")
        }
    }
}
