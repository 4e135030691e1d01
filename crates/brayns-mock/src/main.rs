//! `brayns-mock`: serve a schema snapshot as a stand-in Brayns instance.
//!
//! ```sh
//! cargo run -p brayns-mock -- --api schemas/3.10.1 --port 5000
//! ```
//! Once it listens it prints one line on stdout, `listening on ws://HOST:PORT` (`wss://` with a
//! certificate), so scripts and tests can start it with `--port 0` and read the port chosen.
//! Logs go to stderr (`RUST_LOG`, default `info`). It stops on `quit` and on Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use brayns_mock::{MalformedFrame, MockServer};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// A schema-driven stand-in Brayns instance.
#[derive(Debug, Parser)]
#[command(name = "brayns-mock", version)]
struct Args {
    /// Snapshot directory (registry.json, version.json, loaders.json, entrypoints/).
    /// Default: the Brayns 3.10.1 snapshot embedded in the binary (schemas/3.10.1).
    #[arg(long, value_name = "DIR")]
    api: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0: any free port; the stdout line tells which).
    #[arg(long, default_value_t = 5000)]
    port: u16,
    /// PEM certificate (chain) for wss://; needs --private-key-file.
    #[arg(long, value_name = "FILE", requires = "private_key_file")]
    certificate_file: Option<PathBuf>,
    /// PEM private key for wss://; needs --certificate-file.
    #[arg(long, value_name = "FILE", requires = "certificate_file")]
    private_key_file: Option<PathBuf>,
    /// Connections served at once; more hang in the upgrade (default: unlimited).
    #[arg(long, value_name = "N")]
    max_clients: Option<usize>,
    /// Most models the scene holds at once; more are an error (-32603).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_models: usize,
    /// Extra latency of a method, as METHOD=MILLISECONDS (repeatable).
    #[arg(long, value_name = "METHOD=MS", value_parser = parse_latency)]
    latency: Vec<(String, Duration)>,
    /// Drop each connection when the client sends its (N+1)-th message.
    #[arg(long, value_name = "N")]
    drop_after_messages: Option<u64>,
    /// Reply to METHOD with a malformed frame: invalid-utf8, invalid-json, reserved-opcode or
    /// truncated-binary-header (repeatable).
    #[arg(long, value_name = "METHOD=KIND", value_parser = parse_malformed)]
    malformed_frame: Vec<(String, MalformedFrame)>,
    /// Refuse connections for this many milliseconds after start.
    #[arg(long, value_name = "MS")]
    refuse_connections_for: Option<u64>,
    /// Send a filler payload of this many bytes instead of encoding images (benchmarks).
    #[arg(long, value_name = "BYTES")]
    binary_payload_size: Option<usize>,
    /// Progress steps of async entrypoints.
    #[arg(long, default_value_t = 3)]
    progress_steps: u32,
    /// Duration of one simulated step of an async entrypoint, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2)]
    step_duration: u64,
    /// Runtime threads. 1 (the default) serves everything on one thread, the lowest latency per
    /// request (a request's reader, the global executor and its writer never wake another
    /// thread); more let many busy connections read and write in parallel.
    #[arg(long, value_name = "N", default_value_t = 1)]
    worker_threads: usize,
}

fn parse_latency(text: &str) -> Result<(String, Duration), String> {
    let (method, ms) = text.split_once('=').ok_or("expected METHOD=MILLISECONDS")?;
    let ms: u64 = ms
        .parse()
        .map_err(|error| format!("invalid milliseconds '{ms}': {error}"))?;
    Ok((method.to_owned(), Duration::from_millis(ms)))
}

fn parse_malformed(text: &str) -> Result<(String, MalformedFrame), String> {
    let (method, kind) = text.split_once('=').ok_or("expected METHOD=KIND")?;
    let kind = match kind {
        "invalid-utf8" => MalformedFrame::InvalidUtf8,
        "invalid-json" => MalformedFrame::InvalidJson,
        "reserved-opcode" => MalformedFrame::ReservedOpcode,
        "truncated-binary-header" => MalformedFrame::TruncatedBinaryHeader,
        other => return Err(format!("unknown malformed frame kind '{other}'")),
    };
    Ok((method.to_owned(), kind))
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut runtime = if args.worker_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(args.worker_threads);
        builder
    };
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut builder = MockServer::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .max_models(args.max_models)
        .progress_steps(args.progress_steps)
        .step_duration(Duration::from_millis(args.step_duration));
    if let Some(dir) = &args.api {
        builder = builder.snapshot_dir(dir);
    }
    if let (Some(cert), Some(key)) = (&args.certificate_file, &args.private_key_file) {
        builder = builder.tls(read(cert)?, read(key)?);
    }
    if let Some(n) = args.max_clients {
        builder = builder.max_clients(n);
    }
    for (method, latency) in args.latency {
        builder = builder.latency(method, latency);
    }
    if let Some(n) = args.drop_after_messages {
        builder = builder.drop_after_messages(n);
    }
    for (method, frame) in args.malformed_frame {
        builder = builder.malformed_frame(method, frame);
    }
    if let Some(ms) = args.refuse_connections_for {
        builder = builder.refuse_connections_for(Duration::from_millis(ms));
    }
    if let Some(size) = args.binary_payload_size {
        builder = builder.binary_payload_size(size);
    }
    let server = builder.start().await.map_err(|error| error.to_string())?;
    let scheme = if args.certificate_file.is_some() {
        "wss"
    } else {
        "ws"
    };
    tracing::info!(
        "serving {} methods on {scheme}://{}",
        server.snapshot().methods().len(),
        server.uri()
    );
    // The machine-readable line (stdout is line-buffered: it goes out now).
    println!("listening on {scheme}://{}", server.uri());
    tokio::select! {
        _ = server.stopped() => tracing::info!("quit received, exiting"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted, exiting"),
    }
    server.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_method_equals_milliseconds() {
        assert_eq!(
            parse_latency("get-version=250"),
            Ok(("get-version".to_owned(), Duration::from_millis(250)))
        );
        // Only the first '=' separates: method names never hold one, milliseconds cannot.
        assert!(
            parse_latency("a=b=1")
                .unwrap_err()
                .contains("invalid milliseconds 'b=1'")
        );
        assert_eq!(
            parse_latency("snapshot"),
            Err("expected METHOD=MILLISECONDS".to_owned())
        );
        assert!(parse_latency("snapshot=-1").is_err());
    }

    #[test]
    fn malformed_frames_are_method_equals_kind() {
        let kinds = [
            ("invalid-utf8", MalformedFrame::InvalidUtf8),
            ("invalid-json", MalformedFrame::InvalidJson),
            ("reserved-opcode", MalformedFrame::ReservedOpcode),
            (
                "truncated-binary-header",
                MalformedFrame::TruncatedBinaryHeader,
            ),
        ];
        for (name, kind) in kinds {
            assert_eq!(
                parse_malformed(&format!("registry={name}")),
                Ok(("registry".to_owned(), kind))
            );
        }
        assert_eq!(
            parse_malformed("registry=garbage"),
            Err("unknown malformed frame kind 'garbage'".to_owned())
        );
        assert_eq!(
            parse_malformed("registry"),
            Err("expected METHOD=KIND".to_owned())
        );
    }

    #[test]
    fn flags_parse_into_arguments() {
        let args = Args::try_parse_from([
            "brayns-mock",
            "--port",
            "0",
            "--latency",
            "a=1",
            "--latency",
            "b=2",
            "--malformed-frame",
            "c=invalid-json",
        ])
        .unwrap();
        assert_eq!(args.port, 0);
        assert_eq!(args.latency.len(), 2);
        assert_eq!(
            args.malformed_frame,
            [("c".to_owned(), MalformedFrame::InvalidJson)]
        );
        // A certificate needs its key, and a bad METHOD=MS is refused before starting.
        assert!(Args::try_parse_from(["brayns-mock", "--certificate-file", "c.pem"]).is_err());
        assert!(Args::try_parse_from(["brayns-mock", "--latency", "a=x"]).is_err());
    }
}
