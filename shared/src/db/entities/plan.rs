//! `plans`: Free/Starter/Pro/Enterprise and their limits, as data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub position: i32,
    pub monthly_price_usd: Option<i32>,
    pub max_leads: Option<i32>,
    pub max_messages_per_day: Option<i32>,
    pub max_senders: Option<i32>,
    pub max_members: Option<i32>,
    pub api_access: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn limit(value: Option<i32>) -> Option<u32> {
    value.map(|v| u32::try_from(v).unwrap_or(0))
}

impl From<&Model> for crate::plans::PlanDto {
    fn from(m: &Model) -> Self {
        Self {
            code: m.code.clone(),
            name: m.name.clone(),
            monthly_price_usd: limit(m.monthly_price_usd),
            max_leads: limit(m.max_leads),
            max_messages_per_day: limit(m.max_messages_per_day),
            max_senders: limit(m.max_senders),
            max_members: limit(m.max_members),
            api_access: m.api_access,
        }
    }
}
