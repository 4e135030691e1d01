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
    /// The certificate, key or CA location is unusable; the text Brayns gives when its socket
    /// cannot be made (`brayns/network/socket/ServerSocket.cpp`).
    #[error("Cannot initialize server socket: '{0}'")]
    Tls(String),
    /// A connection limit Brayns refuses: above an int, or 0 (Poco asserts it is positive).
    #[error("{0}")]
    MaxClients(String),
    /// A `--plugin` library Brayns could not load (`brayns/PluginManager.cpp`), or one loaded
    /// twice whose entrypoints are then registered twice.
    #[error("{0}")]
    Plugin(String),
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
    private_key_passphrase: Option<String>,
    ca_location: Option<PathBuf>,
    config: Config,
    /// Threads of [`MockServerBuilder::start_in_background`]'s runtime; 0 or 1: one thread.
    worker_threads: usize,
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

    /// Decrypts an encrypted PKCS#8 private key (`BEGIN ENCRYPTED PRIVATE KEY`, PBES2 with
    /// PBKDF2-HMAC-SHA256 and AES-CBC or 3DES, as `openssl pkcs8 -topk8` writes it) given to
    /// [`tls`](Self::tls). An unencrypted key ignores it, as OpenSSL does.
    pub fn private_key_passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.private_key_passphrase = Some(passphrase.into());
        self
    }

    /// A file or directory of additional CAs, as Brayns' `--ca-location`. The server never
    /// asks clients for a certificate (Brayns sets `VERIFY_NONE`), so it is only checked: a
    /// file must hold PEM certificates and a directory must exist, or the server does not
    /// start (Poco's `Context` fails the same way).
    pub fn ca_location(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_location = Some(path.into());
        self
    }

    /// Acts as an instance started with `--plugin` for each of `libraries` (names such as
    /// `braynsCircuitExplorer`): it serves Core's entrypoints and loaders plus those these
    /// plugins register, and `get-application-parameters` reports the list as given. Without
    /// it the mock serves every plugin of the snapshot and reports their library names.
    pub fn plugins<I, S>(mut self, libraries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.plugins = Some(libraries.into_iter().map(Into::into).collect());
        self
    }

    /// The viewport of a fresh instance (`--window-size`; default 800 x 600): what
    /// `get-application-parameters` reports and the size of images rendered without one.
    pub fn window_size(mut self, width: u32, height: u32) -> Self {
        self.config.window_size = [width, height];
        self
    }

    /// Starts with a simulation of frames 0 to `end_frame`, `dt` apart, as if a circuit with
    /// a report were loaded (the mock reads no report): `get-simulation-parameters` reports
    /// it, and `set-simulation-parameters` / `snapshot` accept those frames. `clear-models`
    /// and `clear-renderables` remove it, as they remove the circuit.
    pub fn simulation(mut self, end_frame: u64, dt: f64) -> Self {
        self.config.simulation = Some((end_frame, dt));
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
    /// slot frees up, like Poco (default: unlimited). As in Brayns, `n` must be from 1 to
    /// 2^31 - 1 or the server does not start (`ServerParamsFactory` in `ServerSocket.cpp`).
    pub fn max_clients(mut self, n: usize) -> Self {
        self.config.max_clients = Some(n);
        self
    }

    /// Most models the scene holds at once, lights and clipping geometries included (default
    /// 10 000; each costs a few KiB). A request that would go over it (`add-*`, `add-model`,
    /// `upload-model`, `instantiate-model`, `visualize-atlas-usecase`) gets -32603 and adds
    /// nothing.
    pub fn max_models(mut self, n: usize) -> Self {
        self.config.max_models = n;
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

    /// What to answer when a result the mock builds from its state (a model, a material, a
    /// color ramp, a parameter) is not valid against the entrypoint's `returns` schema.
    ///
    /// Off (the default): answer a [`sample`](crate::sample) of the schema instead, with a
    /// warning in the log, so a modified snapshot the handlers were not written for still
    /// gets valid answers. On: answer an internal error (-32603) naming the problems, so a
    /// mismatch between the mock's state and its snapshot cannot pass unnoticed; the mock's
    /// own tests and the SDK's generated tests turn it on.
    pub fn strict_results(mut self, strict: bool) -> Self {
        self.config.strict_results = strict;
        self
    }

    /// Threads of the runtime [`start_in_background`](Self::start_in_background) creates
    /// (default 1). One thread gives the lowest latency per request: the connection's reader,
    /// the global executor and the connection's writer hand each request over without waking
    /// another thread. More threads let many busy connections read and write in parallel.
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads;
        self
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, StartError> {
        let snapshot = match (self.snapshot, self.snapshot_dir) {
            (_, Some(dir)) => Snapshot::from_dir(dir)?,
            (Some(snapshot), None) => snapshot,
            (None, None) => Snapshot::embedded(),
        };
        let tls = match self.tls {
            Some((cert, key)) => {
                if let Some(path) = &self.ca_location {
                    check_ca_location(path)?;
                }
                let key = crate::tls::private_key(&key, self.private_key_passphrase.as_deref())
                    .map_err(StartError::Tls)?;
                Some(tls_acceptor(&cert, key)?)
            }
            None => None,
        };
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
        // Brayns makes its HTTP server's parameters once the socket is bound, then loads its
        // plugins (`ServerFactory` in `ServerSocket.cpp`, `brayns/Brayns.cpp`): the errors come
        // in that order.
        match self.config.max_clients {
            Some(n) if n > i32::MAX as usize => {
                return Err(StartError::MaxClients(
                    "Max client cannot be above 2**31".to_owned(),
                ));
            }
            // `TCPServerParams::setMaxThreads` asserts, and ServerSocket.cpp wraps the Poco
            // exception (the file path is Poco's source tree, shortened here).
            Some(0) => {
                return Err(StartError::MaxClients(
                    "Cannot initialize server socket: 'Assertion violation: count > 0 [in file \
                     \"Net/src/TCPServerParams.cpp\", line 44]'"
                        .to_owned(),
                ));
            }
            _ => {}
        }
        let snapshot = match &self.config.plugins {
            Some(libraries) => {
                crate::plugins::restrict(&snapshot, libraries).map_err(StartError::Plugin)?
            }
            None => snapshot,
        };

        let config = self.config;
        let (hub, jobs) = Hub::new(snapshot.clone(), config.clone());
        let state = State::new(snapshot, &config);
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

    /// Starts the server on its own thread with its own runtime ([`worker_threads`]
    /// threads, one by default).
    ///
    /// Callable from sync code and from inside another tokio runtime alike.
    ///
    /// [`worker_threads`]: Self::worker_threads
    pub fn start_in_background(self) -> Result<BackgroundMockServer, StartError> {
        let runtime = runtime(self.worker_threads).map_err(StartError::Runtime)?;
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        // The runtime is driven by this thread until the server stops: with one worker it is
        // the only thread the server runs on; with more it only waits for the stop.
        let thread = std::thread::Builder::new()
            .name("brayns-mock".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let server = match self.start().await {
                        Ok(server) => server,
                        Err(error) => {
                            let _ = started_tx.send(Err(error));
                            return;
                        }
                    };
                    let _ = started_tx.send(Ok((server.addr, server.hub.clone())));
                    server.stopped().await;
                    server.stop().await;
                });
                // Do not wait long for blocking parses still running.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(StartError::Runtime)?;
        match started_rx.recv() {
            Ok(Ok((addr, hub))) => Ok(BackgroundMockServer {
                addr,
                hub,
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            // The thread ended without a word: it panicked.
            Err(_) => match thread.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the server thread reports before it ends"),
            },
        }
    }
}

/// A current-thread runtime for `threads` of 0 or 1, a multi-thread one otherwise.
fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads).thread_name("brayns-mock");
        builder
    };
    builder.enable_all().build()
}

/// Poco's `Context` loads the CA location with `SSL_CTX_load_verify_locations` and fails when
/// nothing can be read from it.
fn check_ca_location(path: &std::path::Path) -> Result<(), StartError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let fail = || {
        StartError::Tls(format!(
            "SSL context exception: Cannot load CA file/directory at {}",
            path.display()
        ))
    };
    if path.is_dir() {
        return Ok(());
    }
    let pem = std::fs::read(path).map_err(|_| fail())?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| fail())?;
    if certificates.is_empty() {
        return Err(fail());
    }
    Ok(())
}

fn tls_acceptor(
    cert_pem: &[u8],
    key: rustls_pki_types::PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, StartError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|error| StartError::Tls(format!("invalid certificate: {error}")))?;
    if certs.is_empty() {
        return Err(StartError::Tls("no certificate in the PEM data".to_owned()));
    }
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

/// A [`MockServer`] running on its own runtime and thread
/// ([`MockServerBuilder::start_in_background`]). Dropping it stops it.
#[derive(Debug)]
pub struct BackgroundMockServer {
    addr: SocketAddr,
    hub: Arc<Hub>,
    /// The thread driving the server's runtime; it ends once the server stopped.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundMockServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"host:port"`.
    pub fn uri(&self) -> String {
        self.addr.to_string()
    }

    /// What the executor did with each request.
    pub fn task_log(&self) -> TaskLog {
        self.hub.log.clone()
    }

    /// Stops the server and its runtime. Callable (and droppable) from sync or async code.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.hub.shutdown.send_replace(true);
        if tokio::runtime::Handle::try_current().is_ok() {
            // Inside another runtime we may not block: the server's thread stops every task
            // (and so closes every socket) on its own, right after the signal.
            return;
        }
        if let Err(panic) = thread.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

impl Drop for BackgroundMockServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Signal only: a second panic from the join would abort.
            self.hub.shutdown.send_replace(true);
            return;
        }
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    /// `get-version` over a bare blocking socket: the upgrade, one masked text frame, the
    /// reply's unmasked text frame.
    fn get_version(addr: SocketAddr) -> String {
        let mut socket = TcpStream::connect(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        socket
            .write_all(
                b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            )
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            socket.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"));
        let request = br#"{"jsonrpc":"2.0","id":1,"method":"get-version"}"#;
        let mut frame = vec![0x81, 0x80 | request.len() as u8, 0, 0, 0, 0];
        frame.extend_from_slice(request);
        socket.write_all(&frame).unwrap();
        let mut header = [0u8; 2];
        socket.read_exact(&mut header).unwrap();
        assert_eq!(header[0], 0x81);
        let len = match header[1] {
            126 => {
                let mut len = [0u8; 2];
                socket.read_exact(&mut len).unwrap();
                usize::from(u16::from_be_bytes(len))
            }
            len => usize::from(len),
        };
        let mut reply = vec![0; len];
        socket.read_exact(&mut reply).unwrap();
        String::from_utf8(reply).unwrap()
    }

    #[test]
    fn background_servers_serve_on_one_thread_or_several() {
        for threads in [0, 1, 2] {
            let server = MockServer::builder()
                .worker_threads(threads)
                .start_in_background()
                .unwrap();
            let reply = get_version(server.addr());
            assert!(reply.contains(r#""id":1"#), "{threads} threads: {reply}");
            assert!(reply.contains(r#""patch":1"#), "{threads} threads: {reply}");
            // Outside a runtime `stop` joins the server's thread: it returns once stopped.
            server.stop();
        }
    }
}
