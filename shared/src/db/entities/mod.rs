//! sea-orm entities, one file per table, mirroring `migrations/`. Used only inside `shared`'s
//! stores; DTOs are what leave.

pub mod attachment;
pub mod audit_log;
pub mod campaign;
pub mod campaign_recipient;
pub mod campaign_sender;
pub mod customer;
pub mod import;
pub mod import_file;
pub mod import_row_error;
pub mod invitation;
pub mod lead;
pub mod lead_event;
pub mod lead_note;
pub mod lead_tag;
pub mod membership;
pub mod message;
pub mod notification;
pub mod number_check;
pub mod number_check_item;
pub mod number_check_job;
pub mod phone_verification;
pub mod plan;
pub mod saved_mapping;
pub mod segment;
pub mod sender;
pub mod sender_lease;
pub mod session;
pub mod sign_in_attempt;
pub mod template;
pub mod user;
pub mod verify_job;
pub mod verify_job_item;
pub mod website_check;
pub mod workspace;
