//! Reading customers: one customer with the lead it came from, and the workspace's customers
//! newest first, paginated by keyset. Customers are created by converting a lead
//! (`leads::service::convert`).

use super::{CustomerDto, CustomerPage};
use crate::db::entities::{customer, lead};
use crate::leads::service::user_names;
use crate::{AppError, WorkspaceId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Customers per page.
pub const PAGE_SIZE: u64 = 50;

async fn to_dtos(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    models: Vec<customer::Model>,
) -> Result<Vec<CustomerDto>, AppError> {
    let lead_ids: Vec<Uuid> = models.iter().filter_map(|c| c.lead_id).collect();
    let leads: HashMap<Uuid, String> = if lead_ids.is_empty() {
        HashMap::new()
    } else {
        lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .column(lead::Column::Name)
            .filter(lead::Column::WorkspaceId.eq(workspace.0))
            .filter(lead::Column::Id.is_in(lead_ids))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let names = user_names(db, models.iter().filter_map(|c| c.created_by)).await?;
    Ok(models
        .into_iter()
        .map(|c| CustomerDto {
            id: c.id,
            lead: c
                .lead_id
                .and_then(|id| leads.get(&id).map(|name| (id, name.clone()))),
            created_by: c.created_by.and_then(|u| names.get(&u).cloned()),
            name: c.name,
            phone_e164: c.phone_e164,
            email: c.email,
            website: c.website,
            city: c.city,
            country: c.country,
            category: c.category,
            created_at: c.created_at,
        })
        .collect())
}

/// The workspace's customer `id`.
pub async fn get(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<CustomerDto, AppError> {
    let model = customer::Entity::find_by_id(id)
        .filter(customer::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    to_dtos(db, workspace, vec![model])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The workspace's customers, newest first, continuing after the customer `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    after: Option<Uuid>,
) -> Result<CustomerPage, AppError> {
    let scoped = customer::Entity::find().filter(customer::Column::WorkspaceId.eq(workspace.0));
    let total = scoped.clone().count(db).await?;
    let mut query = scoped.order_by_desc(customer::Column::Id);
    if let Some(after) = after {
        query = query.filter(customer::Column::Id.lt(after));
    }
    let mut rows = query.limit(PAGE_SIZE + 1).all(db).await?;
    let next = if rows.len() as u64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|c| c.id)
    } else {
        None
    };
    Ok(CustomerPage {
        rows: to_dtos(db, workspace, rows).await?,
        total,
        next,
    })
}
