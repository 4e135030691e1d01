//! Starts a local `braynsService`, connects to it once it listens, and stops it.
//!
//! ```sh
//! cargo run --example service                                   # braynsService from PATH
//! cargo build -p brayns-mock && \
//!   cargo run --example service -- --executable target/debug/brayns-mock
//! cargo run --example service -- --env LD_LIBRARY_PATH=/opt/brayns/lib --plugin braynsDTI
//! ```

use std::time::Duration;

use brayns_sdk::{Connector, LogLevel, Service, VersionPolicy};
use clap::Parser;

/// Starts braynsService on a free loopback port, connects, prints its version and log.
#[derive(Parser)]
struct Args {
    /// The program: braynsService, or brayns-mock (which takes the same command line).
    #[arg(long, default_value = "braynsService")]
    executable: String,
    /// Plugins to load (default: every built-in one).
    #[arg(long)]
    plugin: Vec<String>,
    /// Environment for the service, NAME=VALUE.
    #[arg(long)]
    env: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "brayns_service=info".into()),
        )
        .init();
    let args = Args::parse();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let uri = format!("127.0.0.1:{port}");
    let mut service = Service::new()
        .executable(&args.executable)
        .uri(&uri)
        .log_level(LogLevel::Info);
    if !args.plugin.is_empty() {
        service = service.plugins(args.plugin);
    }
    for pair in &args.env {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--env {pair}: expected NAME=VALUE"))?;
        service = service.env(name, value);
    }
    // Retries every 100 ms for up to a minute: loading plugins takes a while.
    let connector = Connector::new(&uri)
        .max_attempts(Some(600))
        .attempt_period(Duration::from_millis(100));
    let (process, brayns) = service
        .start_and_connect(connector, VersionPolicy::Warn)
        .await?;
    let version = brayns.get_version().await?;
    println!(
        "{} (pid {}) serves Brayns {}.{}.{} at {uri}.",
        args.executable,
        process.id(),
        version.major,
        version.minor,
        version.patch
    );
    println!("Its log so far ({} lines):", process.logs().len());
    for line in process.logs().iter().take(10) {
        println!("  {line}");
    }
    brayns.rpc().disconnect().await;
    let status = process.stop()?;
    println!("Stopped ({status}).");
    Ok(())
}
