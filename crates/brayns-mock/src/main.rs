//! `brayns-mock`: serve a schema snapshot as a stand-in Brayns instance.
//!
//! It takes `braynsService`'s own command line (Brayns 3.10.1), so a tool that launches Brayns
//! can launch the mock instead:
//!
//! ```sh
//! brayns-mock --uri localhost:5000 --plugin braynsCircuitExplorer --log-level warn
//! ```
//! plus options of its own (`--api DIR`, `--host`/`--port`, `--latency`, ...; see `--help`).
//! Without `--uri` it listens on `--host`:`--port` (default `127.0.0.1:5000`).
//!
//! Once it listens it prints one line on stdout, `listening on ws://HOST:PORT` (`wss://` with
//! `--secure true`), so scripts and tests can start it with `--port 0` (or `--uri host:0`) and
//! read the port chosen. Logs go to stderr (`--log-level`, else `RUST_LOG`, default `info`).
//! It stops on `quit` and on Ctrl-C. A bad command line, or a start-up failure, prints Brayns'
//! `[critical][HH:MM:SS] Fatal error: '...'.` line (on stderr) and exits with status 1, as
//! `apps/BraynsService/main.cpp` does.

mod cli;

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use brayns_mock::{MalformedFrame, MockServer, Snapshot, StartError};
use tracing_subscriber::EnvFilter;

/// Everything the command line asks for.
struct Options {
    parsed: cli::Parsed,
    /// Where to listen: `--uri` as written, or the extensions' address.
    listen: Listen,
    latency: Vec<(String, Duration)>,
    malformed_frame: Vec<(String, MalformedFrame)>,
    worker_threads: usize,
}

enum Listen {
    Uri(String),
    Address(SocketAddr),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    // `CommandLine.cpp` looks at the first argument only for these two.
    match args.get(1).map(String::as_str) {
        Some("-v" | "--version") => {
            println!("{}", version_line(&args));
            return ExitCode::SUCCESS;
        }
        Some("-h" | "-?" | "--help") => {
            println!("{}", cli::help(&version_line(&args)));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    // A parse error is logged at the default level: the requested one is not known yet.
    let options = match cli::parse(&args).and_then(options) {
        Ok(options) => options,
        Err(message) => return fatal(&message),
    };
    let level = options.parsed.string("log-level").map(str::to_owned);
    init_logging(level.as_deref());
    let quiet = level.as_deref() == Some("off");
    tracing::info!("Command line parameters values:");
    for (name, value) in options.parsed.brayns_values() {
        // Brayns prints every value; a passphrase does not belong in a log, so only
        // whether one was given is shown.
        let value = if name == "private-key-passphrase" && !value.is_empty() {
            "<hidden>".to_owned()
        } else {
            value.to_string()
        };
        tracing::info!("'{name}' = '{value}'");
    }
    let mut runtime = if options.worker_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(options.worker_threads);
        builder
    };
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fatal(&format!("cannot start the runtime: {error}")),
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        // Brayns logs this at critical level, so `--log-level off` silences it.
        Err(_) if quiet => ExitCode::FAILURE,
        Err(message) => fatal(&message),
    }
}

/// `main.cpp`'s last resort: one critical line, in spdlog's pattern `[%l][%T] %v`, and status 1.
/// (Brayns writes it to stdout; the mock keeps stdout for its `listening on` line.)
fn fatal(message: &str) -> ExitCode {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (hours, minutes, seconds) = ((seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60);
    eprintln!("[critical][{hours:02}:{minutes:02}:{seconds:02}] Fatal error: '{message}'.");
    ExitCode::FAILURE
}

/// `--version`: Brayns' line for the version the snapshot served records (`--api DIR` anywhere
/// after it, else the embedded one), so a launcher checking the version sees what it will get.
fn version_line(args: &[String]) -> String {
    let dir = args
        .windows(2)
        .skip(1)
        .find(|pair| pair[0] == "--api")
        .map(|pair| PathBuf::from(&pair[1]));
    let snapshot = match dir {
        Some(dir) => Snapshot::from_dir(dir).unwrap_or_else(|_| Snapshot::embedded()),
        None => Snapshot::embedded(),
    };
    let inner = snapshot.snapshot();
    format!(
        "Brayns version {} ({}) Copyright (c) 2015-2024 EPFL/Blue Brain Project",
        inner.version(),
        inner.revision()
    )
}

fn init_logging(level: Option<&str>) {
    // spdlog's levels onto tracing's: tracing has no "critical", its errors are the closest.
    let filter = match level {
        Some("warn" | "warning") => EnvFilter::new("warn"),
        Some("critical") => EnvFilter::new("error"),
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // Colours only for a person: launchers capture the log as text.
    tracing_subscriber::fmt()
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Checks what the parser cannot (the mock's own value formats) and gathers the options.
fn options(parsed: cli::Parsed) -> Result<Options, String> {
    let listen = match parsed.string("uri").filter(|uri| !uri.is_empty()) {
        Some(uri) => {
            if let Some(other) = ["host", "port"].into_iter().find(|name| parsed.given(name)) {
                return Err(format!(
                    "Keyword argument 'uri' cannot be combined with '{other}'"
                ));
            }
            Listen::Uri(uri.to_owned())
        }
        None => {
            let host = parsed.string("host").unwrap_or("127.0.0.1");
            let ip: IpAddr = host
                .parse()
                .map_err(|_| format!("Invalid IP address for keyword argument 'host': '{host}'"))?;
            let port = parsed.integer("port").unwrap_or(5000);
            Listen::Address(SocketAddr::new(ip, port as u16))
        }
    };
    let latency = parsed
        .strings("latency")
        .iter()
        .map(|text| parse_latency(text))
        .collect::<Result<_, _>>()
        .map_err(|error| format!("Invalid value for keyword argument 'latency': {error}"))?;
    let malformed_frame = parsed
        .strings("malformed-frame")
        .iter()
        .map(|text| parse_malformed(text))
        .collect::<Result<_, _>>()
        .map_err(|error| {
            format!("Invalid value for keyword argument 'malformed-frame': {error}")
        })?;
    let worker_threads = parsed.integer("worker-threads").unwrap_or(1) as usize;
    Ok(Options {
        parsed,
        listen,
        latency,
        malformed_frame,
        worker_threads,
    })
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

/// Poco's display text for a failed `SocketAddress(uri)` or bind, as Brayns wraps it.
fn socket_error(text: impl std::fmt::Display) -> String {
    format!("Cannot initialize server socket: '{text}'")
}

/// `Poco::Net::SocketAddress(hostAndPort)` (Poco 1.12.5, the version Brayns 3.10.1 builds
/// with): `host:port` or `[v6]:port`; a port that is not a number up to 65535 is looked up as a
/// service name; a host that is not an IP address is resolved by `DNS::hostByName`, which asks
/// `getaddrinfo` with `AI_ADDRCONFIG`, and the first address it gives is the one used.
fn resolve(uri: &str) -> Result<SocketAddr, String> {
    let (host, rest) = match uri.strip_prefix('[') {
        Some(bracketed) => bracketed
            .split_once(']')
            .ok_or_else(|| socket_error("Invalid argument: Malformed IPv6 address"))?,
        None => uri.split_at(uri.find(':').unwrap_or(uri.len())),
    };
    let port = rest
        .strip_prefix(':')
        .ok_or_else(|| socket_error("Invalid argument: Missing port number"))?;
    let port = match port.parse::<u32>() {
        Ok(number) if number <= 0xFFFF && port.bytes().all(|b| b.is_ascii_digit()) => number as u16,
        _ => {
            service_port(port).ok_or_else(|| socket_error(format!("Service not found: {port}")))?
        }
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let not_found = || socket_error(format!("Host not found: {host}"));
    // The standard library asks getaddrinfo without AI_ADDRCONFIG, in the same order; the flag
    // then only removes IPv6 answers from a host with no IPv6 address but loopback.
    let ipv6 = ipv6_configured();
    (host, port)
        .to_socket_addrs()
        .map_err(|error| lookup_error(host, &error))?
        .find(|address| address.is_ipv4() || ipv6)
        .ok_or_else(not_found)
}

/// `DNS::aierror`'s exception for a failed lookup, told apart by the resolver's text (the
/// standard library keeps only that of getaddrinfo's error code).
fn lookup_error(host: &str, error: &std::io::Error) -> String {
    let text = error.to_string();
    socket_error(if text.contains("Temporary failure") {
        format!("DNS error: Temporary DNS error while resolving: {host}")
    } else if text.contains("Non-recoverable failure") {
        format!("DNS error: Non recoverable DNS error while resolving: {host}")
    } else if text.contains("No address associated") {
        format!("No address found: {host}")
    } else {
        format!("Host not found: {host}")
    })
}

/// Whether `AI_ADDRCONFIG` lets IPv6 answers through: the host has an IPv6 address other than
/// loopback. Linux lists them in `/proc/net/if_inet6` (absent without IPv6); elsewhere the
/// mock cannot tell and assumes so.
fn ipv6_configured() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let Ok(addresses) = std::fs::read_to_string("/proc/net/if_inet6") else {
        return false;
    };
    addresses.lines().any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|address| address != "00000000000000000000000000000001")
    })
}

/// `getservbyname(name, NULL)`: the port of the first service of any protocol named so (by
/// name or alias) in `/etc/services`.
fn service_port(name: &str) -> Option<u16> {
    if name.is_empty() {
        return None;
    }
    let services = std::fs::read_to_string("/etc/services").ok()?;
    services.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let service = fields.next()?;
        let (port, _protocol) = fields.next()?.split_once('/')?;
        let named = service == name || fields.any(|alias| alias == name);
        named.then(|| port.parse().ok())?
    })
}

async fn run(options: Options) -> Result<(), String> {
    let parsed = &options.parsed;
    if parsed.boolean("client") == Some(true) {
        return Err("Client mode (--client true) is not modelled by brayns-mock".to_owned());
    }
    let max_clients = parsed.integer("max-clients");
    let addr = match &options.listen {
        Listen::Uri(uri) => resolve(uri)?,
        Listen::Address(addr) => *addr,
    };
    let mut builder = MockServer::builder().bind(addr);
    if let Some(dir) = parsed.string("api") {
        builder = builder.snapshot_dir(dir);
    }
    if parsed.given("plugin") {
        builder = builder.plugins(parsed.strings("plugin"));
    }
    if let [width, height] = parsed.integers("window-size")[..] {
        builder = builder.window_size(width as u32, height as u32);
    }
    let secure = parsed.boolean("secure") == Some(true);
    if secure {
        // Brayns reads these only when secure; an empty path is "not given".
        let path = |name: &str| parsed.string(name).filter(|path| !path.is_empty());
        let certificate = match path("certificate-file") {
            Some(file) => read(file, "Error loading certificate from file")?,
            None => Vec::new(),
        };
        let key = match path("private-key-file") {
            Some(file) => read(file, "Error loading private key from file")?,
            None => return Err(socket_error("no private key file (--private-key-file)")),
        };
        builder = builder.tls(certificate, key);
        if let Some(passphrase) = parsed.string("private-key-passphrase") {
            builder = builder.private_key_passphrase(passphrase);
        }
        if let Some(location) = path("ca-location") {
            builder = builder.ca_location(location);
        }
    }
    if let Some(n) = max_clients {
        // Out of range values are refused by the builder, in Brayns' order.
        builder = builder.max_clients(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Some(n) = parsed.integer("max-models") {
        builder = builder.max_models(n as usize);
    }
    for (method, latency) in options.latency {
        builder = builder.latency(method, latency);
    }
    if let Some(n) = parsed.integer("drop-after-messages") {
        builder = builder.drop_after_messages(n as u64);
    }
    for (method, frame) in options.malformed_frame {
        builder = builder.malformed_frame(method, frame);
    }
    if let Some(ms) = parsed.integer("refuse-connections-for") {
        builder = builder.refuse_connections_for(Duration::from_millis(ms as u64));
    }
    if let Some(size) = parsed.integer("binary-payload-size") {
        builder = builder.binary_payload_size(size as usize);
    }
    if let Some(steps) = parsed.integer("progress-steps") {
        builder = builder.progress_steps(steps as u32);
    }
    if let Some(ms) = parsed.integer("step-duration") {
        builder = builder.step_duration(Duration::from_millis(ms as u64));
    }
    let server = builder.start().await.map_err(|error| match error {
        // Poco's text for a socket it could not bind.
        StartError::Bind { addr, source } => match source.kind() {
            std::io::ErrorKind::AddrInUse => {
                socket_error(format!("Net Exception: Address already in use: {addr}"))
            }
            _ => socket_error(format!("Net Exception: {source}: {addr}")),
        },
        other => other.to_string(),
    })?;
    let scheme = if secure { "wss" } else { "ws" };
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

/// A file Brayns hands to OpenSSL; Poco reports a file it cannot read with `what`.
fn read(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| socket_error(format!("{what} {path}: {error}")))
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
    fn uris_resolve_as_poco_resolves_them() {
        assert_eq!(
            resolve("127.0.0.1:8200"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 8200)))
        );
        assert_eq!(resolve("[::1]:80"), Ok("[::1]:80".parse().unwrap()));
        assert_eq!(
            resolve("localhost:0").map(|addr| addr.ip().is_loopback()),
            Ok(true)
        );
        if std::fs::read_to_string("/etc/services").is_ok_and(|text| text.contains("\nhttp\t")) {
            assert_eq!(resolve("127.0.0.1:http").map(|addr| addr.port()), Ok(80));
        }
        assert!(
            resolve("127.0.0.1")
                .unwrap_err()
                .contains("Missing port number")
        );
        assert!(
            resolve("[::1:80")
                .unwrap_err()
                .contains("Malformed IPv6 address")
        );
        assert!(
            resolve("127.0.0.1:65536")
                .unwrap_err()
                .contains("Service not found: 65536")
        );
    }
}
