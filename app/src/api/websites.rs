//! Server functions for website verification: start a check over a selection, a filter or the
//! stale leads; follow, reattach to and cancel it; read the results with their evidence.

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::websites::{CheckScope, ResultsQuery, VerifyJobDto, WebsiteResults};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::websites::service as websites};

#[server(endpoint = "start_website_check", input = Json)]
pub async fn start_website_check(workspace: Uuid, scope: CheckScope) -> ApiResult<VerifyJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(websites::start(&svc, &tenant, &scope, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "website_check")]
pub async fn website_check(workspace: Uuid, job: Uuid) -> ApiResult<VerifyJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(websites::job(&svc, &tenant, job).await?)
        }
        .await,
    )
}

/// The running check, if any, so a page opened later reattaches to it.
#[server(endpoint = "active_website_check")]
pub async fn active_website_check(workspace: Uuid) -> ApiResult<Option<VerifyJobDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(websites::active(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "cancel_website_check")]
pub async fn cancel_website_check(workspace: Uuid, job: Uuid) -> ApiResult<VerifyJobDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(websites::cancel(&svc, &tenant, job, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_website_results", input = Json)]
pub async fn load_website_results(
    workspace: Uuid,
    query: ResultsQuery,
) -> ApiResult<WebsiteResults> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(websites::results(&svc, &tenant, &query).await?)
        }
        .await,
    )
}
