//! Server functions of the lead page (one lead: edit, stage, appointment, notes, convert,
//! delete) and of the customer pages.

use super::ApiResult;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use server_fn::codec::Json;
use shared::customers::{CustomerDto, CustomerPage};
use shared::leads::{LeadDetail, LeadEdit, Stage};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::ctx,
    shared::{customers::service as customers, leads::service as leads},
};

#[server(endpoint = "load_lead")]
pub async fn load_lead(workspace: Uuid, lead: Uuid) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::detail(&svc.db, tenant.workspace_id, lead).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_lead", input = Json)]
pub async fn update_lead(workspace: Uuid, lead: Uuid, form: LeadEdit) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::update(&svc, &tenant, lead, form).await?)
        }
        .await,
    )
}

#[server(endpoint = "set_lead_stage", input = Json)]
pub async fn set_lead_stage(workspace: Uuid, lead: Uuid, stage: Stage) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::set_stage(&svc, &tenant, lead, stage).await?)
        }
        .await,
    )
}

/// Books (or moves) the appointment with the lead at `at`, or cancels it with `None`.
#[server(endpoint = "set_lead_appointment", input = Json)]
pub async fn set_lead_appointment(
    workspace: Uuid,
    lead: Uuid,
    at: Option<DateTime<Utc>>,
) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::set_appointment(&svc, &tenant, lead, at).await?)
        }
        .await,
    )
}

#[server(endpoint = "add_lead_note")]
pub async fn add_lead_note(workspace: Uuid, lead: Uuid, body: String) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::add_note(&svc, &tenant, lead, &body).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_lead_note")]
pub async fn delete_lead_note(workspace: Uuid, lead: Uuid, note: Uuid) -> ApiResult<LeadDetail> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::delete_note(&svc, &tenant, lead, note).await?)
        }
        .await,
    )
}

#[server(endpoint = "convert_lead")]
pub async fn convert_lead(workspace: Uuid, lead: Uuid) -> ApiResult<CustomerDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::convert(&svc, &tenant, lead).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_lead")]
pub async fn delete_lead(workspace: Uuid, lead: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(leads::delete(&svc, &tenant, lead).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_customer")]
pub async fn load_customer(workspace: Uuid, customer: Uuid) -> ApiResult<CustomerDto> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(customers::get(&svc.db, tenant.workspace_id, customer).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_customers")]
pub async fn load_customers(workspace: Uuid, after: Option<Uuid>) -> ApiResult<CustomerPage> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(customers::list(&svc.db, tenant.workspace_id, after).await?)
        }
        .await,
    )
}
