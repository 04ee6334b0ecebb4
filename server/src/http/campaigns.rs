//! `GET /w/{slug}/campaigns/{id}/events`: a campaign's live progress as Server-Sent Events.
//! Each event is the whole `CampaignLive` as JSON, sent on connect and then whenever it changes
//! (read once a second from the database, so progress made by any instance shows).
//! `GET /w/{slug}/campaigns/{id}/report.csv`: the per-recipient report.

use super::tenant::Tenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use shared::AppError;
use shared::campaigns::report;
use shared::campaigns::service as campaigns;
use std::convert::Infallible;
use std::time::Duration;
use uuid::Uuid;

/// How often the stream looks for changes.
const EVERY: Duration = Duration::from_secs(1);

pub async fn events(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_slug, id)): Path<(String, Uuid)>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let services = state.services.clone();
    // Answer 404 at once for a campaign that is not this workspace's.
    let first = campaigns::live(&services, &ctx, id).await?;
    let first_json = serde_json::to_string(&first).unwrap_or_default();
    let stream = futures::stream::unfold(
        (Some(first_json), String::new()),
        move |(pending, mut last)| {
            let services = services.clone();
            let ctx = ctx.clone();
            async move {
                if let Some(json) = pending {
                    last.clone_from(&json);
                    return Some((Ok(Event::default().data(json)), (None, last)));
                }
                loop {
                    tokio::time::sleep(EVERY).await;
                    match campaigns::snapshot(&services, &ctx, id).await {
                        Ok(Some(dto)) => {
                            let json = serde_json::to_string(&dto).unwrap_or_default();
                            if json != last {
                                last.clone_from(&json);
                                return Some((Ok(Event::default().data(json)), (None, last)));
                            }
                        }
                        // Deleted, or the member was removed: the stream ends.
                        Ok(None) => return None,
                        Err(error) => {
                            tracing::warn!(campaign = %id, %error, "campaign event stream read failed");
                        }
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `campaign_report.csv`: lead, phone, variant, state and times for every recipient.
pub async fn report_csv(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_slug, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let csv = report::csv(&state.services, &ctx, id).await?;
    Ok(super::imports::attachment(
        csv.into_bytes(),
        "text/csv; charset=utf-8",
        "campaign_report.csv",
    ))
}
