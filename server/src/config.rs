//! The one typed configuration: command-line flags, each also readable from the environment
//! (and from `.env`, loaded at start). `leadloom --help` documents every field.

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use shared::websites::engine::EngineConfig;
use std::net::SocketAddr;
use std::time::Duration;

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

#[derive(Clone, Debug, Args)]
pub struct CheckNumbersArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The workspace's slug.
    #[arg(long)]
    pub workspace: String,

    /// Check every lead with a valid number (default: only those never checked).
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub whatsapp: WhatsappArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (migrating the database first).
    Serve(ServeArgs),
    /// Run the background work only — campaign dispatch, imports, checks — with no web server
    /// (any number of workers and servers share one database).
    Worker(ServeArgs),
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
    /// Check websites as written in a spreadsheet's cells and print one JSON object per line
    /// as each check finishes (no database needed).
    VerifyUrl(VerifyUrlArgs),
    /// Verify a workspace's lead websites, with progress on stderr and a JSON summary.
    Verify(VerifyWorkspaceArgs),
    /// Run the WhatsApp session-gateway simulator: a real HTTP server that answers sends and
    /// number checks, posts delivery and read webhooks, and misbehaves on demand.
    SimulateGateway(crate::simulator::SimulatorArgs),
    /// Check which of a workspace's leads are on WhatsApp through its session-gateway sender,
    /// with progress on stderr and a JSON summary.
    CheckNumbers(CheckNumbersArgs),
    /// Benchmarks on a scratch database, each ending with one JSON line on stdout.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// A burst campaign to N fresh leads through the real dispatcher and the session-gateway
    /// adapter to an in-process simulator; prints
    /// `{"recipients","seconds","messages_per_s","sent","duplicates"}` and fails unless every
    /// recipient got exactly one message.
    Dispatch(BenchDispatchArgs),
}

#[derive(Clone, Debug, Args)]
pub struct BenchDispatchArgs {
    /// How many leads the campaign goes to.
    #[arg(long, default_value_t = 100_000)]
    pub recipients: u64,

    /// A PostgreSQL server (`postgres://user@host:5432/postgres`): a fresh database is created
    /// on it and dropped afterwards. Without it, a fresh SQLite file in a temporary directory.
    /// (`DATABASE_URL` is deliberately not read: the benchmark never touches a real database.)
    #[arg(long)]
    pub database_url: Option<String>,

    /// How many session-gateway senders the campaign sends from.
    #[arg(long, default_value_t = 4)]
    pub senders: usize,

    /// Also print, on stderr, the time spent in each SQL statement during the run (summed).
    #[arg(long)]
    pub profile_sql: bool,
}

#[derive(Clone, Debug, Args)]
pub struct VerifyWorkspaceArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The workspace's slug.
    #[arg(long)]
    pub workspace: String,

    /// Only leads never checked or checked more than this many days ago (default: every lead).
    #[arg(long, value_name = "N")]
    pub stale_days: Option<u32>,

    #[command(flatten)]
    pub verify: VerifyArgs,
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

    /// Where files attached to WhatsApp messages are kept (outside the web root; back it up
    /// with the database). Created when first needed.
    #[arg(
        long,
        env = "LEADLOOM_ATTACHMENTS_DIR",
        default_value = "data/attachments"
    )]
    pub attachments_dir: std::path::PathBuf,

    #[command(flatten)]
    pub verify: VerifyArgs,

    #[command(flatten)]
    pub whatsapp: WhatsappArgs,
}

/// WhatsApp settings: the key provider credentials are encrypted with, and which private
/// networks provider calls may reach.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "WhatsApp")]
pub struct WhatsappArgs {
    /// The key that encrypts provider credentials at rest: 64 hex characters (32 bytes), e.g.
    /// from `openssl rand -hex 32`. Without it, the key is read from (or, the first time,
    /// generated into) `--secret-key-file`. Keep it: credentials saved under one key cannot be
    /// read under another.
    #[arg(long, env = "LEADLOOM_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Where the generated key lives when `LEADLOOM_SECRET_KEY` is not set (created readable by
    /// its owner only).
    #[arg(
        long,
        env = "LEADLOOM_SECRET_KEY_FILE",
        default_value = "data/secret.key"
    )]
    pub secret_key_file: std::path::PathBuf,

    /// Private networks provider calls may reach, e.g. `127.0.0.1/32` for a gateway (or the
    /// simulator) on this host or `10.0.0.0/8` for one on the LAN. Like website checks,
    /// provider calls refuse loopback, private and link-local addresses otherwise. Repeat the
    /// flag or separate with commas.
    #[arg(
        long = "provider-allow-net",
        env = "LEADLOOM_PROVIDER_ALLOW_NETS",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub provider_allow_nets: Vec<ipnet::IpNet>,

    /// Milliseconds between number-check calls (each asks about up to 100 numbers): checking
    /// many numbers quickly is a ban signal, like sending quickly.
    #[arg(long, env = "LEADLOOM_NUMBER_CHECK_PAUSE_MS", default_value_t = 5000)]
    pub number_check_pause_ms: u64,

    /// The session gateway LeadLoom itself sends from: one-time codes that verify users'
    /// phones. The default is the simulator that the quick start runs on this host; in
    /// production, a gateway session on a number of your own. `none` turns codes off. The
    /// operator sets this address, so the SSRF guard does not apply to it.
    #[arg(
        long,
        env = "LEADLOOM_PLATFORM_WHATSAPP_URL",
        default_value = "http://127.0.0.1:3100"
    )]
    pub platform_whatsapp_url: String,

    /// The platform gateway's session id.
    #[arg(
        long,
        env = "LEADLOOM_PLATFORM_WHATSAPP_SESSION",
        default_value = "leadloom"
    )]
    pub platform_whatsapp_session: String,

    /// The platform gateway's API key (the simulator's by default).
    #[arg(
        long,
        env = "LEADLOOM_PLATFORM_WHATSAPP_KEY",
        default_value = "simulator-key",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub platform_whatsapp_key: String,
}

impl WhatsappArgs {
    /// The WhatsApp channel these settings describe.
    pub fn channel(&self) -> anyhow::Result<shared::whatsapp::channel::Channel> {
        let secrets = match &self.secret_key {
            Some(key) => shared::crypto::SecretBox::from_hex(key).context("LEADLOOM_SECRET_KEY")?,
            None => shared::crypto::SecretBox::from_key_file(&self.secret_key_file)
                .context("LEADLOOM_SECRET_KEY_FILE")?,
        };
        let channel =
            shared::whatsapp::channel::Channel::new(secrets, self.provider_allow_nets.clone())
                .with_check_pause(Duration::from_millis(self.number_check_pause_ms));
        let url = self.platform_whatsapp_url.trim();
        if url.eq_ignore_ascii_case("none") || url.is_empty() {
            return Ok(channel);
        }
        let parsed = reqwest::Url::parse(url).context("LEADLOOM_PLATFORM_WHATSAPP_URL")?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some(),
            "LEADLOOM_PLATFORM_WHATSAPP_URL must be an http(s) address, or none"
        );
        Ok(
            channel.with_platform(shared::whatsapp::channel::PlatformGateway {
                base_url: url.trim_end_matches('/').to_owned(),
                session: self.platform_whatsapp_session.clone(),
                api_key: self.platform_whatsapp_key.clone(),
            }),
        )
    }
}

#[derive(Clone, Debug, Args)]
pub struct VerifyUrlArgs {
    #[command(flatten)]
    pub engine: VerifyArgs,

    /// The cells to check, exactly as a spreadsheet holds them: `acme.com`,
    /// `https://acme.com/shop`, `facebook.com/acme`, `n/a`, …
    #[arg(required = true, value_name = "CELL")]
    pub cells: Vec<String>,
}

/// The website verification engine's settings, shared by `serve` (the verification job) and
/// `verify-url`. [`VerifyArgs::engine_config`] turns them into the engine's configuration.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Website verification")]
pub struct VerifyArgs {
    /// Website checks fetching at the same time, across all hosts.
    #[arg(
        long = "verify-concurrency",
        visible_alias = "concurrency",
        env = "LEADLOOM_VERIFY_CONCURRENCY",
        default_value_t = EngineConfig::default().concurrency
    )]
    pub concurrency: usize,

    /// Website checks fetching from one host (its name without `www.`) at the same time.
    #[arg(
        long = "verify-per-host",
        visible_alias = "per-host",
        env = "LEADLOOM_VERIFY_PER_HOST",
        default_value_t = EngineConfig::default().per_host
    )]
    pub per_host: usize,

    /// Seconds to wait for a connection (DNS, TCP and TLS handshake) per request.
    #[arg(
        long = "verify-connect-timeout",
        visible_alias = "connect-timeout",
        env = "LEADLOOM_VERIFY_CONNECT_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = EngineConfig::default().connect_timeout.as_secs_f64()
    )]
    pub connect_timeout: f64,

    /// Seconds one request may take from start to the end of its body; every redirect hop,
    /// the one retry after a 5xx and the HTTP fallback each get their own.
    #[arg(
        long = "verify-timeout",
        visible_alias = "timeout",
        env = "LEADLOOM_VERIFY_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = EngineConfig::default().timeout.as_secs_f64()
    )]
    pub timeout: f64,

    /// Networks the SSRF guard lets checks reach anyway, e.g. `10.20.0.0/16` for an intranet
    /// (loopback, private, link-local, CGNAT, multicast … are refused otherwise). Repeat the
    /// flag or separate with commas.
    #[arg(
        long = "verify-allow-net",
        visible_alias = "allow-net",
        env = "LEADLOOM_VERIFY_ALLOW_NETS",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub allow_nets: Vec<ipnet::IpNet>,

    /// PEM files of root certificates to trust beside the operating system's store (a private
    /// CA). Repeat the flag or separate with commas.
    #[arg(
        long = "verify-extra-root-cert",
        env = "LEADLOOM_VERIFY_EXTRA_ROOT_CERTS",
        value_name = "PEM_FILE",
        value_delimiter = ','
    )]
    pub extra_root_certs: Vec<std::path::PathBuf>,
}

impl VerifyArgs {
    /// The engine's configuration (reads the extra root certificate files).
    pub fn engine_config(&self) -> anyhow::Result<EngineConfig> {
        let seconds = |value: f64, name: &str| {
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|d| !d.is_zero())
                .with_context(|| format!("{name} must be a positive number of seconds"))
        };
        let extra_root_certs_pem = self
            .extra_root_certs
            .iter()
            .map(|path| std::fs::read(path).with_context(|| format!("reading {}", path.display())))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(EngineConfig {
            concurrency: self.concurrency,
            per_host: self.per_host,
            connect_timeout: seconds(self.connect_timeout, "the connect timeout")?,
            timeout: seconds(self.timeout, "the timeout")?,
            allow_nets: self.allow_nets.clone(),
            extra_root_certs_pem,
            hosts: Vec::new(),
        })
    }
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
