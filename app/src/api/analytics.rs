//! Server functions for the analytics page's report and for the dashboard's WhatsApp panel as
//! it changes (the dashboard's first numbers come with `workspace::dashboard`).

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::analytics::{Report, ReportQuery, SenderStanding};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::ctx,
    shared::analytics::{report, service},
};

/// Messages per local day, the outcome share and campaigns side by side, for `query`.
#[server(endpoint = "load_analytics", input = Json)]
pub async fn load_analytics(workspace: Uuid, query: ReportQuery) -> ApiResult<Report> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(report::report(&svc, &tenant, query).await?)
        }
        .await,
    )
}

/// Each sender's standing now (the dashboard's WhatsApp panel), asked for again every few
/// seconds while the dashboard is open.
#[server(endpoint = "dashboard_senders")]
pub async fn dashboard_senders(workspace: Uuid) -> ApiResult<Vec<SenderStanding>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(service::sender_panel(&svc, &tenant).await?)
        }
        .await,
    )
}
