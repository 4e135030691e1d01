//! The server's public face: the builder, the running server handles and start-up (snapshot,
//! TLS configuration, binding).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, MalformedFrame};
use crate::connection::{Pending, accept_loop};
use crate::executor::{self, Hub};
use crate::handlers::State;
use crate::snapshot::{Snapshot, SnapshotError};
use crate::task_log::TaskLog;

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The snapshot directory could not be loaded.
    #[error("cannot load the snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
    /// The address could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The certificate or key is unusable ("Cannot initialize server socket" in Brayns).
    #[error("Cannot initialize server socket: {0}")]
    Tls(String),
    /// The background runtime could not be created.
    #[error("cannot start the background runtime: {0}")]
    Runtime(std::io::Error),
}

/// Configures and starts a [`MockServer`].
#[derive(Debug, Default)]
pub struct MockServerBuilder {
    snapshot: Option<Snapshot>,
    snapshot_dir: Option<PathBuf>,
    bind: Option<SocketAddr>,
    tls: Option<(Vec<u8>, Vec<u8>)>,
    config: Config,
}

impl MockServerBuilder {
    /// Serves the snapshot directory at `path` (layout of `schemas/3.10.1`), loaded at start.
    pub fn snapshot_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.snapshot_dir = Some(path.into());
        self.snapshot = None;
        self
    }

    /// Serves this snapshot (default: the embedded 3.10.1 one).
    pub fn snapshot(mut self, snapshot: Snapshot) -> Self {
        self.snapshot = Some(snapshot);
        self.snapshot_dir = None;
        self
    }

    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = Some(addr);
        self
    }

    /// Serves `wss://` with this PEM certificate (chain) and PEM private key.
    pub fn tls(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.tls = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// Delays every execution of `method` by `latency` (it holds the global queue, as a slow
    /// request does on the server).
    pub fn latency(mut self, method: impl Into<String>, latency: Duration) -> Self {
        self.config.latency.insert(method.into(), latency);
        self
    }

    /// Closes each connection abruptly (no Close frame) when the client sends its `n + 1`-th
    /// message: the first `n` messages are handled, the next one is not.
    pub fn drop_after_messages(mut self, n: u64) -> Self {
        self.config.drop_after_messages = Some(n);
        self
    }

    /// Replies to `method` with this malformed frame instead of the real reply.
    pub fn malformed_frame(mut self, method: impl Into<String>, frame: MalformedFrame) -> Self {
        self.config.malformed.insert(method.into(), frame);
        self
    }

    /// Refuses connections (TCP connection refused) for `duration` after start; the port is
    /// reserved meanwhile, so `addr()` is valid from the start.
    pub fn refuse_connections_for(mut self, duration: Duration) -> Self {
        self.config.refuse_for = Some(duration);
        self
    }

    /// Sends a filler payload of `size` bytes for `snapshot`, `render-image` and
    /// `export-gbuffers` binary replies instead of encoding a real image (benchmarks).
    pub fn binary_payload_size(mut self, size: usize) -> Self {
        self.config.binary_payload_size = Some(size);
        self
    }

    /// Serves at most `n` connections at once; further ones hang in the HTTP upgrade until a
    /// slot frees up, like Poco (default: unlimited).
    pub fn max_clients(mut self, n: usize) -> Self {
        self.config.max_clients = Some(n.max(1));
        self
    }

    /// Number of progress steps of async entrypoints (default 3).
    pub fn progress_steps(mut self, steps: u32) -> Self {
        self.config.progress_steps = steps.max(1);
        self
    }

    /// Simulated duration of one step of an async entrypoint; cancel and disconnection are
    /// polled between steps (default 2 ms).
    pub fn step_duration(mut self, duration: Duration) -> Self {
        self.config.step_duration = duration;
        self
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, StartError> {
        let snapshot = match (self.snapshot, self.snapshot_dir) {
            (_, Some(dir)) => Snapshot::from_dir(dir)?,
            (Some(snapshot), None) => snapshot,
            (None, None) => Snapshot::embedded(),
        };
        let tls = self
            .tls
            .map(|(cert, key)| tls_acceptor(&cert, &key))
            .transpose()?;
        let addr = self
            .bind
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let bind_error = |source| StartError::Bind { addr, source };
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(bind_error)?;
        socket.set_reuseaddr(true).map_err(bind_error)?;
        socket.bind(addr).map_err(bind_error)?;
        let local = socket.local_addr().map_err(bind_error)?;

        let config = self.config;
        let (hub, jobs) = Hub::new(snapshot.clone(), config.clone());
        let state = State::new(snapshot, config.binary_payload_size);
        let executor = tokio::spawn(executor::run(hub.clone(), jobs, state));
        // Listen now, so the address accepts connections as soon as `start` returns; with a
        // refusal window the socket stays bound but not listening until the window ends.
        let pending = match config.refuse_for {
            Some(duration) => Pending::Refusing(socket, duration),
            None => Pending::Listening(socket.listen(1024).map_err(bind_error)?),
        };
        let acceptor = tokio::spawn(accept_loop(hub.clone(), pending, tls));
        tracing::info!(addr = %local, "brayns-mock listening");
        Ok(MockServer {
            addr: local,
            hub,
            tasks: vec![executor, acceptor],
        })
    }

    /// Starts the server on its own thread with its own multi-thread runtime.
    ///
    /// Callable from sync code and from inside another tokio runtime alike.
    pub fn start_in_background(self) -> Result<BackgroundMockServer, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("brayns-mock")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        // `block_on` panics on a thread that is already inside a runtime (a `#[tokio::test]`,
        // say), so the short start-up (bind, spawn) runs on a helper thread that is not.
        let server = std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(self.start()))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?;
        Ok(BackgroundMockServer {
            server: Some(server),
            runtime: Some(runtime),
        })
    }
}

fn tls_acceptor(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsAcceptor, StartError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|error| StartError::Tls(format!("invalid certificate: {error}")))?;
    if certs.is_empty() {
        return Err(StartError::Tls("no certificate in the PEM data".to_owned()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|error| StartError::Tls(format!("invalid private key: {error}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| StartError::Tls(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|error| StartError::Tls(error.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A running mock instance. Dropping it stops it (abruptly); prefer [`MockServer::stop`].
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    hub: Arc<Hub>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl MockServer {
    /// A builder with the defaults: embedded 3.10.1 snapshot, `127.0.0.1:0`, no TLS, no faults.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"host:port"`, the form Brayns' `--uri` and clients use.
    pub fn uri(&self) -> String {
        self.addr.to_string()
    }

    /// What the executor did with each request.
    pub fn task_log(&self) -> TaskLog {
        self.hub.log.clone()
    }

    /// The snapshot it serves.
    pub fn snapshot(&self) -> &Snapshot {
        &self.hub.snapshot
    }

    /// Whether it stopped (after `quit` or [`MockServer::stop`]).
    pub fn is_stopped(&self) -> bool {
        *self.hub.shutdown.borrow()
    }

    /// Resolves once the server stopped, e.g. after a client sent `quit`.
    pub async fn stopped(&self) {
        let mut shutdown = self.hub.shutdown.subscribe();
        let _ = shutdown.wait_for(|stopped| *stopped).await;
    }

    /// Stops listening and closes every connection without a Close frame, like `quit`.
    pub async fn stop(mut self) {
        self.hub.shutdown.send_replace(true);
        for task in self.tasks.drain(..) {
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                tracing::warn!("a server task did not stop within 2 s");
            }
        }
        tracing::debug!("stopped");
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.hub.shutdown.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A [`MockServer`] running on its own runtime and threads ([`MockServerBuilder::start_in_background`]).
#[derive(Debug)]
pub struct BackgroundMockServer {
    server: Option<MockServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BackgroundMockServer {
    fn server(&self) -> &MockServer {
        self.server.as_ref().expect("present until dropped")
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server().addr()
    }

    /// `"host:port"`.
    pub fn uri(&self) -> String {
        self.server().uri()
    }

    /// What the executor did with each request.
    pub fn task_log(&self) -> TaskLog {
        self.server().task_log()
    }

    /// Stops the server and its runtime. Callable (and droppable) from sync or async code.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let (Some(server), Some(runtime)) = (self.server.take(), self.runtime.take()) else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            // Inside another runtime we may not block: signal, then let the runtime drop its
            // tasks (and so every socket) on its own threads.
            server.hub.shutdown.send_replace(true);
            drop(server);
            runtime.shutdown_background();
        } else {
            runtime.block_on(server.stop());
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Drop for BackgroundMockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
