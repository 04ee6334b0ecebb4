//! The one typed configuration: command-line flags, each also readable from the environment
//! (and from `.env`, loaded at start). `leadloom --help` documents every field.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;

/// Where the SQLite database lives when no `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/leadloom.db?mode=rwc";

#[derive(Debug, Parser)]
#[command(
    name = "leadloom",
    version,
    about = "LeadLoom: qualify business leads and reach them on WhatsApp, safely."
)]
pub struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "LEADLOOM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (migrating the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Import a spreadsheet of leads into a workspace and print the report.
    Import(ImportArgs),
    /// Work with a workspace's leads.
    #[command(subcommand)]
    Leads(LeadsCommand),
    /// Administer workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
}

#[derive(Debug, Subcommand)]
pub enum LeadsCommand {
    /// Export leads as CSV or XLSX (the same file as the web app's export).
    Export(ExportArgs),
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace with an owner (the account is created if it does not exist).
    Create(WorkspaceCreateArgs),
}

#[derive(Clone, Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The workspace's slug.
    #[arg(long)]
    pub workspace: String,

    /// The spreadsheet: .csv, .tsv, .xlsx, .xls, .xlsb or .ods.
    pub file: std::path::PathBuf,

    /// The sheet of a workbook (default: the first non-empty one).
    #[arg(long)]
    pub sheet: Option<String>,

    /// Country (ISO 3166 alpha-2, e.g. KE) for numbers written without a country code
    /// (default: the workspace's default country).
    #[arg(long)]
    pub default_country: Option<String>,

    /// Map a lead field to a column by its header, overriding detection: `--map phone="Tel No."`.
    /// Repeat for several fields.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,

    /// What to do with a row whose phone is already a lead.
    #[arg(long, value_enum, default_value_t = DuplicatePolicy::Skip)]
    pub on_duplicate: DuplicatePolicy,

    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,

    /// Largest file accepted, in bytes.
    #[arg(long, env = "LEADLOOM_MAX_IMPORT_BYTES", default_value_t = shared::services::DEFAULT_MAX_IMPORT_BYTES)]
    pub max_import_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DuplicatePolicy {
    /// Leave the existing lead alone.
    Skip,
    /// Fill the existing lead's empty fields.
    Update,
    /// Replace the existing lead's fields with the row's non-empty values.
    Overwrite,
}

#[derive(Clone, Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The workspace's slug.
    #[arg(long)]
    pub workspace: String,

    /// Only leads with this website status (WORKING, NOT_WORKING, NO_WEBSITE, ERROR,
    /// UNCHECKED); repeat for several.
    #[arg(long = "website-status", value_name = "STATUS")]
    pub website_status: Vec<String>,

    /// Where to write: a path ending in .csv or .xlsx.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

#[derive(Clone, Debug, Args)]
pub struct WorkspaceCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The workspace's name.
    #[arg(long)]
    pub name: String,

    /// Its address in URLs: lower-case letters, digits and dashes.
    #[arg(long)]
    pub slug: String,

    /// The owner's email; an account is created (with a printed one-time password) if none
    /// exists.
    #[arg(long)]
    pub owner_email: String,

    /// IANA time zone, e.g. Africa/Nairobi.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,

    /// Default country for phone numbers (ISO 3166 alpha-2).
    #[arg(long)]
    pub country: Option<String>,

    /// Plan code (free, starter, pro, enterprise).
    #[arg(long, default_value = "free")]
    pub plan: String,
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://path/file.db?mode=rwc` (the default, under ./data/) or
    /// `postgres://user:password@host:5432/database`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "LEADLOOM_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// The address people use to reach this deployment (for links in e-mails); also decides
    /// whether cookies are marked Secure (when it starts with https://). Defaults to
    /// http://<bind>.
    #[arg(long, env = "LEADLOOM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Trust the `X-Forwarded-For` header from a reverse proxy for the client's address
    /// (used by sign-in throttling and the audit log). Only enable behind a proxy you run.
    #[arg(long, env = "LEADLOOM_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// SMTP server for invitation e-mails: `smtp://user:pass@mail.example.com:587?tls=required`
    /// (STARTTLS), `smtps://…` (TLS) or `smtp://localhost:25` (plain, a local relay). Without
    /// it, invitation links are shown to the inviter.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of e-mails, as `Name <address>`.
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "LeadLoom <no-reply@localhost>"
    )]
    pub smtp_from: String,

    /// Days an invitation link stays valid.
    #[arg(long, env = "LEADLOOM_INVITATION_TTL_DAYS", default_value_t = 7)]
    pub invitation_ttl_days: i64,

    /// Days of inactivity after which a session expires.
    #[arg(long, env = "LEADLOOM_SESSION_IDLE_DAYS", default_value_t = 14)]
    pub session_idle_days: i64,

    /// Largest request body accepted, in bytes (spreadsheet uploads have their own limit).
    #[arg(long, env = "LEADLOOM_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest spreadsheet an import accepts, in bytes (default 25 MB).
    #[arg(long, env = "LEADLOOM_MAX_IMPORT_BYTES", default_value_t = shared::services::DEFAULT_MAX_IMPORT_BYTES)]
    pub max_import_bytes: usize,
}

impl ServeArgs {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Cookies get the Secure flag when the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}
