//! `cargo xtask fetch`: snapshot a live instance's schemas, or check a committed
//! snapshot against one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use brayns_rpc::{Connector, Tls};
use brayns_snapshot::{FetchEvent, Snapshot};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `cargo xtask fetch`.
#[derive(clap::Args)]
pub(crate) struct FetchArgs {
    /// The instance: `host:port`, `ws://host:port` or `wss://host:port`.
    #[arg(long)]
    uri: String,
    /// A PEM file of the CA (or self-signed certificate) to trust for `wss://`.
    #[arg(long, value_name = "PEM FILE")]
    ca: Option<PathBuf>,
    /// Where snapshots live; the snapshot goes to `<out>/<major.minor.patch>/`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Compare the instance with the committed snapshot instead of writing it, and
    /// exit non-zero on any difference.
    #[arg(long)]
    check: bool,
    /// How long to wait for the connection and websocket handshake, in seconds.
    #[arg(long, default_value_t = 10)]
    connect_timeout: u64,
    /// How long to wait for each answer, in seconds: an instance that never answers (or
    /// answers something that is not JSON-RPC, which the client skips) fails the fetch
    /// naming the request instead of hanging it.
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
}

pub(crate) fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| super::project_root().join("schemas"));
    let live = runtime.block_on(fetch_live(&args))?;
    if args.check {
        check(&live, &out)
    } else {
        let dir = out.join(live.version().to_string());
        live.write(&dir)
            .with_context(|| format!("cannot write the snapshot to {}", dir.display()))?;
        eprintln!(
            "wrote {} methods of Brayns {} to {}",
            live.methods().len(),
            live.version(),
            dir.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

async fn fetch_live(args: &FetchArgs) -> anyhow::Result<Snapshot> {
    let mut connector = Connector::new(&args.uri)
        .connect_timeout(Duration::from_secs(args.connect_timeout))
        .request_timeout(Some(Duration::from_secs(args.request_timeout)));
    if let Some(ca) = &args.ca {
        connector = connector.tls(Tls::CustomCaFile(ca.clone()));
    }
    let client = connector
        .connect()
        .await
        .with_context(|| format!("cannot connect to the Brayns instance at {}", args.uri))?;

    let bar = ProgressBar::new_spinner().with_message("fetching registry");
    let mut on_event = |event| match event {
        FetchEvent::Registry { methods } => {
            bar.set_length(methods as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} schemas {wide_msg}")
                    .expect("the template is valid"),
            );
        }
        FetchEvent::Schema { method } => {
            bar.set_message(method);
            bar.inc(1);
        }
        FetchEvent::NoLoaders => {
            bar.suspend(|| eprintln!("note: the instance has no get-loaders; no loaders.json"));
        }
        _ => {}
    };
    let snapshot = brayns_snapshot::fetch(&client, &mut on_event).await;
    bar.finish_and_clear();
    client.disconnect().await;
    snapshot.with_context(|| format!("cannot fetch the schemas of {}", args.uri))
}

/// Compares `live` with the committed snapshot of the same release (or, if there is
/// none, the newest committed one) and reports every difference.
fn check(live: &Snapshot, out: &Path) -> anyhow::Result<ExitCode> {
    let dir = committed_snapshot_dir(out, &live.version().to_string())?;
    let committed = Snapshot::load(&dir)
        .with_context(|| format!("cannot read the committed snapshot {}", dir.display()))?;
    let diff = brayns_snapshot::diff(&committed, live);
    print!("{diff}");
    if diff.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "the instance differs from the committed snapshot {}",
            dir.display()
        );
        Ok(ExitCode::FAILURE)
    }
}

fn committed_snapshot_dir(out: &Path, version: &str) -> anyhow::Result<PathBuf> {
    let exact = out.join(version);
    if exact.is_dir() {
        return Ok(exact);
    }
    let entries =
        std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))?;
    let newest = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let release = parse_release(&name)?;
            Some((release, name))
        })
        .max();
    match newest {
        Some((_, name)) => Ok(out.join(name)),
        None => anyhow::bail!("no snapshot in {} to check against", out.display()),
    }
}

fn parse_release(name: &str) -> Option<(u64, u64, u64)> {
    let mut parts = name.split('.').map(|part| part.parse::<u64>().ok());
    let release = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(release)
}
