//! Server functions for imports and leads: the import preview (sheet choice), confirming the
//! mapping, progress, cancelling, the report, the list of imports and the lead list. The file
//! itself is uploaded to `/w/{slug}/imports/upload` (multipart), not through a server function.
//! Bulk actions (tag, untag, set stage, delete) on ticked leads or a whole filter.

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::imports::{ImportDto, ImportPreview, ImportReport, StartImport};
use shared::leads::{BulkAction, BulkOutcome, LeadFilter, LeadPage, LeadSelection, LeadSort};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::imports::service as imports};

/// Lead-list rows per page.
pub const LEADS_PER_PAGE: u64 = 50;

#[server(endpoint = "load_import_preview")]
pub async fn load_import_preview(workspace: Uuid, import: Uuid) -> ApiResult<ImportPreview> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::preview(&svc, &tenant, import).await?)
        }
        .await,
    )
}

#[server(endpoint = "import_choose_sheet")]
pub async fn import_choose_sheet(
    workspace: Uuid,
    import: Uuid,
    sheet: String,
) -> ApiResult<ImportPreview> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::choose_sheet(&svc, &tenant, import, sheet).await?)
        }
        .await,
    )
}

#[server(endpoint = "confirm_import", input = Json)]
pub async fn confirm_import(
    workspace: Uuid,
    import: Uuid,
    form: StartImport,
) -> ApiResult<ImportDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::start(&svc, &tenant, import, form).await?)
        }
        .await,
    )
}

#[server(endpoint = "import_status")]
pub async fn import_status(workspace: Uuid, import: Uuid) -> ApiResult<ImportDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::status(&svc, &tenant, import).await?)
        }
        .await,
    )
}

#[server(endpoint = "cancel_import")]
pub async fn cancel_import(workspace: Uuid, import: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::cancel(&svc, &tenant, import).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_import_report")]
pub async fn load_import_report(workspace: Uuid, import: Uuid) -> ApiResult<ImportReport> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::report(&svc.db, tenant.workspace_id, import).await?)
        }
        .await,
    )
}

#[server(endpoint = "imports")]
pub async fn imports(workspace: Uuid) -> ApiResult<Vec<ImportDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(imports::list(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "leads", input = Json)]
pub async fn leads(
    workspace: Uuid,
    filter: LeadFilter,
    sort: LeadSort,
    after: Option<String>,
) -> ApiResult<LeadPage> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(shared::leads::store::page(
                &svc.db,
                tenant.workspace_id,
                &filter,
                sort,
                after.as_deref(),
                LEADS_PER_PAGE,
            )
            .await?)
        }
        .await,
    )
}

#[server(endpoint = "bulk_leads", input = Json)]
pub async fn bulk_leads(
    workspace: Uuid,
    selection: LeadSelection,
    action: BulkAction,
) -> ApiResult<BulkOutcome> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            let meta = ctx::meta().await;
            Ok(shared::leads::bulk::apply(&svc, &tenant, &selection, &action, &meta).await?)
        }
        .await,
    )
}
