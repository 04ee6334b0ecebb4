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

    /// Largest request body accepted, in bytes (uploads have their own, smaller limits).
    #[arg(long, env = "LEADLOOM_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
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
