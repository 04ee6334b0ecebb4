//! `imports`: one spreadsheet import job — its options, live progress and totals (its upload is
//! in `import_files`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub created_by: Option<Uuid>,
    pub file_name: String,
    pub file_size: i64,
    pub file_format: String,
    pub sheet: Option<String>,
    pub options: String,
    pub mapping: Option<String>,
    pub header_row: Option<i32>,
    pub status: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub imported: i32,
    pub updated: i32,
    pub duplicates: i32,
    pub invalid: i32,
    pub blank: i32,
    pub failure: Option<String>,
    pub cancel_requested: bool,
    pub worker: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
