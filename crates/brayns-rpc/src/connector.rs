//! Opening a connection: address, TLS, retries, timeouts and websocket limits.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tracing::{debug, info};

use crate::client::Client;
use crate::connection;
use crate::error::{Error, Result};
use crate::heard::{Heard, connection_ended};
use crate::pending::Shared;
use crate::socket::Socket;
use crate::target::{self, Scheme, Target};
use crate::tls::{self, Tls};
use crate::upgrade::{self, UpgradeError};

/// Default limit for one incoming message or frame: 2 GiB, above Brayns' own `INT_MAX` cap.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 2 << 30;

/// Builds a [`Client`]: where to connect, how, and how hard to try.
///
/// ```no_run
/// # async fn example() -> brayns_rpc::Result<()> {
/// use std::time::Duration;
/// use brayns_rpc::{Connector, Tls};
///
/// let client = Connector::new("localhost:5000")
///     .tls(Tls::CustomCaFile("ca.pem".into()))
///     .max_attempts(Some(10))
///     .attempt_period(Duration::from_millis(500))
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connector {
    uri: String,
    tls: Option<Tls>,
    max_attempts: Option<u32>,
    attempt_period: Duration,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    max_message_size: usize,
}

impl Connector {
    /// A connector for `uri`: `host:port`, `ws://host:port[/path]` or `wss://host:port[/path]`.
    ///
    /// Defaults: one attempt, 100 ms between attempts, a 10 s connect/handshake timeout, no
    /// request timeout, 2 GiB message limit; TLS off for `host:port` and `ws://`, system roots for
    /// `wss://`.
    pub fn new(uri: impl Into<String>) -> Connector {
        Connector {
            uri: uri.into(),
            tls: None,
            max_attempts: Some(1),
            attempt_period: Duration::from_millis(100),
            connect_timeout: Duration::from_secs(10),
            request_timeout: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }

    /// TLS settings. Anything but [`Tls::None`] turns `host:port` into `wss://`; conflicting
    /// with an explicit `ws://` (or `Tls::None` with `wss://`) is a configuration error.
    pub fn tls(mut self, tls: Tls) -> Connector {
        self.tls = Some(tls);
        self
    }

    /// How many times to try while the service is unavailable: the TCP connection fails
    /// (refused, unreachable, name not resolved), the server accepts it but closes or resets it
    /// before sending a single byte (Brayns with a full queue, or restarting), or the attempt
    /// exceeds the [connect timeout](Connector::connect_timeout). `None` tries forever;
    /// `Some(0)` counts as one attempt. TLS and protocol errors (the server answered, but not
    /// with a websocket upgrade) are never retried.
    pub fn max_attempts(mut self, max_attempts: Option<u32>) -> Connector {
        self.max_attempts = max_attempts;
        self
    }

    /// Pause between two attempts.
    pub fn attempt_period(mut self, period: Duration) -> Connector {
        self.attempt_period = period;
        self
    }

    /// Time allowed for one attempt: TCP connect, TLS and the websocket upgrade together. A
    /// Brayns instance with every client slot taken accepts TCP but never answers the upgrade.
    pub fn connect_timeout(mut self, timeout: Duration) -> Connector {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed for one attempt (see [`Connector::connect_timeout`]); code that
    /// talks to the server as part of connecting (a version check) bounds that by it too.
    pub fn connect_timeout_value(&self) -> Duration {
        self.connect_timeout
    }

    /// Default timeout of every request made through the client (`None`: wait forever). A
    /// [`Request::timeout`](crate::Request::timeout) overrides it.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Connector {
        self.request_timeout = timeout;
        self
    }

    /// Limit for one incoming websocket message and frame, in bytes.
    pub fn max_message_size(mut self, bytes: usize) -> Connector {
        self.max_message_size = bytes;
        self
    }

    /// Connects, retrying while the service is unavailable, and spawns the connection task on
    /// the current tokio runtime.
    pub async fn connect(&self) -> Result<Client> {
        let tls = self.effective_tls()?;
        let target = target::parse(&self.uri, tls.is_enabled())?;
        let tls_config = tls::client_config(&tls).await?;
        let tls_connector = tls_config.map(TlsConnector::from);
        let mut attempts = 0u32;
        loop {
            attempts = attempts.saturating_add(1);
            let attempt = self.attempt(&target, tls_connector.as_ref());
            let failure = match tokio::time::timeout(self.connect_timeout, attempt).await {
                Ok(Ok(client)) => {
                    info!(uri = %target.url, attempts, "connected");
                    return Ok(client);
                }
                Ok(Err(Failure::Fatal(error))) => return Err(error),
                Ok(Err(Failure::Unavailable(error))) => error,
                Err(_) => io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no websocket handshake within {:?}", self.connect_timeout),
                ),
            };
            if self.max_attempts.is_some_and(|max| attempts >= max) {
                return Err(Error::Connect {
                    uri: target.url.clone(),
                    attempts,
                    source: failure,
                });
            }
            info!(uri = %target.url, attempts, error = %failure, "service unavailable, retrying");
            tokio::time::sleep(self.attempt_period).await;
        }
    }

    /// Reconciles the TLS setting with the scheme written in the address.
    fn effective_tls(&self) -> Result<Tls> {
        let scheme = target::scheme_of(&self.uri)?;
        match (scheme, &self.tls) {
            (Scheme::Wss, None) => Ok(Tls::SystemRoots),
            (Scheme::Wss, Some(Tls::None)) => Err(Error::Config(format!(
                "{:?} asks for TLS but Tls::None was given",
                self.uri
            ))),
            (Scheme::Ws, Some(tls)) if tls.is_enabled() => Err(Error::Config(format!(
                "{:?} is plain ws:// but TLS settings were given (use wss://)",
                self.uri
            ))),
            (_, tls) => Ok(tls.clone().unwrap_or_default()),
        }
    }

    async fn attempt(
        &self,
        target: &Target,
        tls: Option<&TlsConnector>,
    ) -> Result<Client, Failure> {
        debug!(host = %target.host, port = target.port, "connecting");
        let tcp = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(Failure::Unavailable)?;
        // Requests are small and latency-bound: never wait to coalesce them.
        let _ = tcp.set_nodelay(true);
        match tls {
            None => self.upgrade(tcp, target).await,
            Some(connector) => {
                let name = rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(
                    |error| {
                        Failure::Fatal(Error::Config(format!(
                            "{:?} is not a valid TLS server name: {error}",
                            target.host
                        )))
                    },
                )?;
                let stream = match connector
                    .connect(name, Heard::new(tcp))
                    .into_fallible()
                    .await
                {
                    Ok(stream) => stream,
                    // The connection ended before the server sent a single byte: it never
                    // spoke TLS (nor anything else), so this is no evidence of a TLS or
                    // protocol mismatch. It is what a TLS Brayns (Poco) does with a full queue
                    // or while restarting (PROTOCOL.md §1.4): unavailable, retried like a
                    // refused connection. A plain server reached with wss:// answers the
                    // ClientHello with bytes (Poco: an HTTP 400) that rustls rejects, and any
                    // failure after the server's first byte is the TLS handshake failing:
                    // those are TLS errors, never retried.
                    Err((error, tcp)) if !tcp.heard() && connection_ended(&error) => {
                        return Err(Failure::Unavailable(io::Error::new(
                            error.kind(),
                            format!(
                                "the server ended the connection before its first TLS byte \
                                 (busy or restarting, or not a TLS server?): {error}"
                            ),
                        )));
                    }
                    Err((error, _)) => return Err(Failure::Fatal(tls_failure(&target.url, error))),
                };
                self.upgrade(stream, target).await
            }
        }
    }

    async fn upgrade<S>(&self, mut stream: S, target: &Target) -> Result<Client, Failure>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let read_ahead = match upgrade::upgrade(&mut stream, &target.url).await {
            Ok(read_ahead) => read_ahead,
            // Accepted, then dropped without a word: unavailable (see `UpgradeError::Closed`).
            // A TLS server reached with ws:// can look the same: OpenSSL (which Brayns uses,
            // through Poco) closes on a plain HTTP request without an alert. Nothing tells
            // the two apart, so it is retried, and the error names both causes.
            Err(UpgradeError::Closed(error)) => {
                let causes = if target.secure {
                    "busy or restarting?"
                } else {
                    "busy or restarting, or a TLS server reached with ws://?"
                };
                return Err(Failure::Unavailable(io::Error::new(
                    error.kind(),
                    format!("{error} ({causes})"),
                )));
            }
            Err(error) => return Err(Failure::Fatal(handshake_failure(&target.url, error))),
        };
        let socket = Socket::new(stream, &read_ahead, self.max_message_size);
        let shared = Arc::new(Shared::new());
        let outgoing = connection::spawn(socket, shared.clone(), target.url.clone());
        Ok(Client::new(
            outgoing,
            shared,
            self.request_timeout,
            target.url.clone(),
        ))
    }
}

/// How one attempt failed.
enum Failure {
    /// Worth retrying.
    Unavailable(io::Error),
    /// Retrying cannot help.
    Fatal(Error),
}

fn tls_failure(uri: &str, error: io::Error) -> Error {
    let message = match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls) => format!("handshake failed: {rustls}"),
        None => format!("handshake failed (is the server using TLS?): {error}"),
    };
    Error::Tls {
        uri: uri.to_owned(),
        message,
        source: Some(Box::new(error)),
    }
}

fn handshake_failure(uri: &str, error: UpgradeError) -> Error {
    match error {
        UpgradeError::Refused { status, body } => Error::Protocol(format!(
            "websocket upgrade to {uri} refused with HTTP {status}{}",
            if body.is_empty() {
                String::new()
            } else {
                format!(": {body}")
            }
        )),
        UpgradeError::Closed(error) | UpgradeError::Io(error) => {
            if let Some(rustls) = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return Error::Tls {
                    uri: uri.to_owned(),
                    message: rustls.to_string(),
                    source: Some(Box::new(error)),
                };
            }
            Error::Protocol(format!(
                "websocket handshake with {uri} failed (is the server using TLS?): {error}"
            ))
        }
        UpgradeError::Invalid(reason) => Error::Protocol(format!(
            "websocket handshake with {uri} failed (is the server using TLS?): {reason}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame;

    #[test]
    fn the_default_message_limit_admits_the_largest_frame_brayns_sends() {
        // PROTOCOL.md §2.2 and "Pitfalls" 2: one unfragmented frame of up to INT_MAX bytes
        // (2 GiB images); a smaller default would drop the connection on large snapshots.
        let brayns_limit = i32::MAX as usize;
        let limit = Connector::new("localhost:5000").max_message_size;
        assert!(limit >= 2 << 30, "at least 2 GiB, got {limit}");
        assert!(limit >= brayns_limit);
        // The frame layer lets the header of such a frame through with the default limit.
        let header = frame::tests::server_header(0x82, brayns_limit as u64);
        assert!(matches!(frame::parse_header(&header, limit), Ok(Some(_))));
    }
}
