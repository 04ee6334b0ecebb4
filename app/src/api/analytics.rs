//! Server function for the analytics page's report (the dashboard's numbers come with
//! `workspace::dashboard`).

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::analytics::{Report, ReportQuery};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::analytics::report};

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
