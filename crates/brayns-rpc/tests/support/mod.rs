//! A scripted websocket server on loopback, written for these tests (brayns-mock is a separate
//! crate and a full Brayns stand-in; here each test scripts exactly what the server does).

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Upper bound for any single test body: nothing may hang CI.
pub const TEST_LIMIT: Duration = Duration::from_secs(10);

/// Runs `body` with [`TEST_LIMIT`].
pub async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .expect("test exceeded its time limit")
}

/// Logs at DEBUG to the test output (shown for failing tests), once per process.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "brayns_rpc=debug".into()),
        )
        .with_test_writer()
        .try_init();
}

/// Kind of a websocket message the server received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Binary,
    Ping,
    Pong,
    Close,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub kind: Kind,
    /// The JSON text (the JSON part of a binary frame).
    pub text: String,
    pub json: Value,
    /// The payload of a binary frame.
    pub payload: Vec<u8>,
    /// The whole frame.
    pub raw: Vec<u8>,
}

impl Received {
    pub fn id(&self) -> Value {
        self.json.get("id").cloned().unwrap_or(Value::Null)
    }

    pub fn method(&self) -> &str {
        self.json["method"].as_str().unwrap_or_default()
    }

    pub fn params(&self) -> Option<&Value> {
        self.json.get("params")
    }
}

pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One accepted websocket connection, driven by a test script.
pub struct Conn {
    ws: WebSocketStream<Box<dyn Io>>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Conn {
    /// The next text or binary message; `None` once the client is gone (Close, EOF, error).
    /// Every message, control frames included, is recorded.
    pub async fn recv(&mut self) -> Option<Received> {
        loop {
            let message = match self.ws.next().await {
                Some(Ok(message)) => message,
                _ => return None,
            };
            let (kind, data) = match &message {
                Message::Text(text) => (Kind::Text, text.as_bytes().to_vec()),
                Message::Binary(data) => (Kind::Binary, data.to_vec()),
                Message::Ping(data) => (Kind::Ping, data.to_vec()),
                Message::Pong(data) => (Kind::Pong, data.to_vec()),
                Message::Close(_) => (Kind::Close, Vec::new()),
                Message::Frame(_) => continue,
            };
            self.log.lock().unwrap().push(Recorded {
                kind,
                data: data.clone(),
            });
            match kind {
                Kind::Text => {
                    let text = String::from_utf8(data.clone()).unwrap();
                    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
                    return Some(Received {
                        kind,
                        text,
                        json,
                        payload: Vec::new(),
                        raw: data,
                    });
                }
                Kind::Binary => {
                    let len = u32::from_le_bytes(data[..4].try_into().unwrap()) as usize;
                    let text = String::from_utf8(data[4..4 + len].to_vec()).unwrap();
                    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
                    return Some(Received {
                        kind,
                        text,
                        json,
                        payload: data[4 + len..].to_vec(),
                        raw: data,
                    });
                }
                // Like Brayns: any close/ping/pong ends the connection.
                Kind::Close | Kind::Ping | Kind::Pong => return None,
            }
        }
    }

    /// Receives `count` requests.
    pub async fn recv_many(&mut self, count: usize) -> Vec<Received> {
        let mut all = Vec::with_capacity(count);
        for _ in 0..count {
            all.push(self.recv().await.expect("client went away"));
        }
        all
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        let _ = self.ws.send(Message::Text(text.into().into())).await;
    }

    pub async fn send_binary(&mut self, frame: Vec<u8>) {
        let _ = self.ws.send(Message::Binary(frame.into())).await;
    }

    pub async fn reply(&mut self, id: &Value, result: Value) {
        self.send_text(json!({"id": id, "jsonrpc": "2.0", "result": result}).to_string())
            .await;
    }

    /// A binary reply: u32 LE JSON length, JSON, payload.
    pub async fn reply_binary(&mut self, id: &Value, result: Value, payload: &[u8]) {
        let text = json!({"id": id, "jsonrpc": "2.0", "result": result}).to_string();
        self.send_binary(binary_frame(&text, payload)).await;
    }

    pub async fn error(&mut self, id: &Value, code: i64, message: &str, data: Option<Value>) {
        let mut error = json!({"code": code, "message": message});
        if let Some(data) = data {
            error["data"] = data;
        }
        self.send_text(json!({"error": error, "id": id, "jsonrpc": "2.0"}).to_string())
            .await;
    }

    pub async fn progress(&mut self, id: &Value, method: &str, operation: &str, amount: f64) {
        self.send_text(
            json!({"jsonrpc": "2.0", "method": method,
                   "params": {"amount": amount, "id": id, "operation": operation}})
            .to_string(),
        )
        .await;
    }

    /// Answers every request with `{"method": ..., "params": ...}` until the client leaves.
    pub async fn echo(mut self) {
        while let Some(request) = self.recv().await {
            if request.json.get("id").is_some() {
                let result = json!({"method": request.method(), "params": request.params()});
                self.reply(&request.id(), result).await;
            }
        }
    }
}

/// Builds a binary frame: u32 LE JSON length, JSON, payload.
pub fn binary_frame(json: &str, payload: &[u8]) -> Vec<u8> {
    let mut frame = (json.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(json.as_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// A websocket server on 127.0.0.1 running a script per connection.
pub struct Server {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Server {
    /// Plain `ws://` server.
    pub async fn start<F, Fut>(script: F) -> Server
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Server::start_inner(None, script).await
    }

    /// `wss://` server presenting `cert_pem` with `key_pem`.
    pub async fn start_tls<F, Fut>(cert_pem: &str, key_pem: &str, script: F) -> Server
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Server::start_inner(Some(tls_acceptor(cert_pem, key_pem)), script).await
    }

    /// A server that accepts the first `count` TCP connections and ends them at once, before
    /// a single byte (of TLS or HTTP) is sent, like Brayns (Poco) with a full queue or while
    /// restarting; odd ones close (FIN), even ones are reset (RST). Later connections are
    /// served normally, with TLS when `tls` is `Some((cert_pem, key_pem))`.
    pub async fn start_closing_first<F, Fut>(
        count: usize,
        tls: Option<(&str, &str)>,
        script: F,
    ) -> Server
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let tls = tls.map(|(cert_pem, key_pem)| tls_acceptor(cert_pem, key_pem));
        Server::start_inner_closing(tls, count, script).await
    }

    async fn start_inner<F, Fut>(tls: Option<tokio_rustls::TlsAcceptor>, script: F) -> Server
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Server::start_inner_closing(tls, 0, script).await
    }

    async fn start_inner_closing<F, Fut>(
        tls: Option<tokio_rustls::TlsAcceptor>,
        close_first: usize,
        script: F,
    ) -> Server
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let accept = {
            let log = log.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let number = connections.fetch_add(1, Ordering::SeqCst) + 1;
                    if number <= close_first {
                        if number.is_multiple_of(2) {
                            let _ = tcp.set_zero_linger();
                        }
                        drop(tcp);
                        continue;
                    }
                    let (log, script, tls) = (log.clone(), script.clone(), tls.clone());
                    tokio::spawn(async move {
                        let io: Box<dyn Io> = match tls {
                            None => Box::new(tcp),
                            Some(acceptor) => match acceptor.accept(tcp).await {
                                Ok(stream) => Box::new(stream),
                                Err(_) => return,
                            },
                        };
                        let config = WebSocketConfig::default()
                            .max_message_size(Some(1 << 30))
                            .max_frame_size(Some(1 << 30));
                        let Ok(ws) =
                            tokio_tungstenite::accept_async_with_config(io, Some(config)).await
                        else {
                            return;
                        };
                        script(Conn { ws, log }).await;
                    });
                }
            })
        };
        Server {
            addr,
            log,
            connections,
            accept,
        }
    }

    /// `127.0.0.1:port`.
    pub fn uri(&self) -> String {
        self.addr.to_string()
    }

    /// Every message received so far, on all connections.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A TLS acceptor (ring provider) for a PEM certificate chain and key.
pub fn tls_acceptor(cert_pem: &str, key_pem: &str) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A port on 127.0.0.1, bound but not listening: connections are refused, and nothing else can
/// take it until [`listen`](ReservedPort::listen) (releasing it and binding it again later
/// would let anything on the machine take it meanwhile, and the test would hang). No
/// `SO_REUSEADDR`: on Linux another socket may share a bound, non-listening port only if both
/// set it.
pub struct ReservedPort {
    socket: tokio::net::TcpSocket,
    pub addr: SocketAddr,
}

impl ReservedPort {
    pub fn new() -> ReservedPort {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let addr = socket.local_addr().unwrap();
        ReservedPort { socket, addr }
    }

    /// Starts accepting connections on the port.
    pub fn listen(self) -> TcpListener {
        self.socket.listen(1024).unwrap()
    }
}

/// A TCP listener that accepts connections and never says a word; counts them.
pub async fn silent_listener() -> (SocketAddr, Arc<AtomicUsize>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let handle = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(tcp);
        }
    });
    (addr, count, handle)
}

/// A TCP listener answering every connection with a raw HTTP response; counts them.
pub async fn http_responder(
    response: &'static str,
) -> (SocketAddr, Arc<AtomicUsize>, JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let handle = tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = tcp.read(&mut buffer).await;
                let _ = tcp.write_all(response.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (addr, count, handle)
}
