//! `leadloom`: the one binary. Parses the configuration and runs the chosen subcommand.

// Leptos views are deeply nested types; laying out their futures needs a higher limit.
#![recursion_limit = "512"]

use clap::Parser;
use server::config::{BenchCommand, Cli, Command, LeadsCommand, LogFormat, WorkspaceCommand};
use tracing_subscriber::{EnvFilter, fmt};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; a broken one should not be silently half-read.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        anyhow::bail!("reading .env: {e}");
    }
    let cli = Cli::parse();
    // Benchmarks keep stdout for their JSON line and log only what went wrong.
    let bench = matches!(cli.command, Command::Bench(_));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(if bench {
            "warn"
        } else {
            "info,sqlx=warn,sea_orm=warn"
        })
    });
    match (cli.log_format, bench) {
        (LogFormat::Json, false) => fmt().json().with_env_filter(filter).init(),
        (LogFormat::Text, false) => fmt().with_env_filter(filter).init(),
        (LogFormat::Json, true) => fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        (LogFormat::Text, true) => fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    match cli.command {
        Command::Serve(args) => server::serve::serve(args).await,
        Command::Worker(args) => server::serve::worker(args).await,
        Command::Migrate(args) => server::serve::migrate(args).await,
        Command::Import(args) => server::cli::import(args).await,
        Command::Leads(LeadsCommand::Export(args)) => server::cli::export(args).await,
        Command::Verify(args) => server::cli::verify_workspace(args).await,
        Command::SimulateGateway(args) => server::simulator::run(args).await,
        Command::CheckNumbers(args) => server::cli::check_numbers(args).await,
        Command::Workspace(WorkspaceCommand::Create(args)) => {
            server::cli::create_workspace(args).await
        }
        Command::VerifyUrl(args) => server::cli::verify_url(args).await,
        Command::Bench(BenchCommand::Dispatch(args)) => server::bench::dispatch(args).await,
    }
}
