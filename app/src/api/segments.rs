//! Server functions for segments (saved lead filters): the list with live counts, save,
//! change (rename or new filter), rename and delete.

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::segments::{SegmentDto, SegmentEntry, SegmentForm};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::segments::service as segments};

#[server(endpoint = "segments")]
pub async fn segments(workspace: Uuid) -> ApiResult<Vec<SegmentEntry>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(segments::list(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_segment", input = Json)]
pub async fn create_segment(workspace: Uuid, form: SegmentForm) -> ApiResult<SegmentDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(segments::create(&svc, &tenant, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_segment", input = Json)]
pub async fn update_segment(
    workspace: Uuid,
    segment: Uuid,
    form: SegmentForm,
) -> ApiResult<SegmentDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(segments::update(&svc, &tenant, segment, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// Renames a segment, its filter kept (the lead list renames without holding the filter).
#[server(endpoint = "rename_segment")]
pub async fn rename_segment(workspace: Uuid, segment: Uuid, name: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(segments::rename(&svc, &tenant, segment, &name, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_segment")]
pub async fn delete_segment(workspace: Uuid, segment: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(segments::delete(&svc, &tenant, segment, &ctx::meta().await).await?)
        }
        .await,
    )
}
