//! Server functions for message templates: the list, the variables a workspace may use,
//! create, change, delete, and rendering (the editor's preview; the reply box's picker).

use super::ApiResult;
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::templates::{RenderedTemplate, TemplateDto, TemplateForm, TemplateVariables};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::ctx, shared::templates::service as templates};

#[server(endpoint = "templates")]
pub async fn load_templates(workspace: Uuid) -> ApiResult<Vec<TemplateDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::list(&svc, &tenant).await?)
        }
        .await,
    )
}

/// The lead fields and the custom fields of the workspace's leads.
#[server(endpoint = "template_variables")]
pub async fn load_template_variables(workspace: Uuid) -> ApiResult<TemplateVariables> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::variables(&svc.db, tenant.workspace_id).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_template", input = Json)]
pub async fn create_template(workspace: Uuid, form: TemplateForm) -> ApiResult<TemplateDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::create(&svc, &tenant, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_template", input = Json)]
pub async fn update_template(
    workspace: Uuid,
    template: Uuid,
    form: TemplateForm,
) -> ApiResult<TemplateDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::update(&svc, &tenant, template, &form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_template")]
pub async fn delete_template(workspace: Uuid, template: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::delete(&svc, &tenant, template, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// A body being edited, rendered for `lead` (or the workspace's newest lead).
#[server(endpoint = "preview_template", input = Json)]
pub async fn preview_template(
    workspace: Uuid,
    body: String,
    attachment: Option<Uuid>,
    lead: Option<Uuid>,
) -> ApiResult<RenderedTemplate> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::render_for_lead(&svc, &tenant, &body, attachment, lead).await?)
        }
        .await,
    )
}

/// A saved template rendered for `lead`: what the reply box fills in.
#[server(endpoint = "render_template")]
pub async fn render_template(
    workspace: Uuid,
    template: Uuid,
    lead: Uuid,
) -> ApiResult<RenderedTemplate> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(templates::render_saved(&svc, &tenant, template, lead).await?)
        }
        .await,
    )
}
