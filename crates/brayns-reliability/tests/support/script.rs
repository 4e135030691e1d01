//! A websocket server on loopback whose every connection runs a test's script: it can answer,
//! stall, lie, send garbage or vanish, which a faithful stand-in (brayns-mock) never does.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// The byte stream under a connection (TCP or TLS over TCP).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A request as the server received it (text frame, or the JSON part of a binary frame).
#[derive(Debug, Clone)]
pub struct Request {
    /// The whole JSON envelope (`Value::Null` if it was not JSON).
    pub json: Value,
}

impl Request {
    /// The `id`, `Value::Null` when absent.
    pub fn id(&self) -> Value {
        self.json.get("id").cloned().unwrap_or(Value::Null)
    }

    /// The `method`, `""` when absent.
    pub fn method(&self) -> &str {
        self.json["method"].as_str().unwrap_or_default()
    }

    /// The `params`, `Value::Null` when absent.
    pub fn params(&self) -> Value {
        self.json.get("params").cloned().unwrap_or(Value::Null)
    }
}

/// One accepted websocket connection, driven by a script.
pub struct Peer {
    ws: WebSocketStream<Box<dyn Io>>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer").finish_non_exhaustive()
    }
}

impl Peer {
    /// The next request; `None` once the client is gone (Close, EOF, error, ping or pong,
    /// which Brayns also takes as a disconnect).
    pub async fn recv(&mut self) -> Option<Request> {
        loop {
            let json = match self.ws.next().await? {
                Ok(Message::Text(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
                Ok(Message::Binary(frame)) => {
                    let length = frame.get(..4).map(|header| {
                        u32::from_le_bytes([header[0], header[1], header[2], header[3]])
                    });
                    let text = length.and_then(|n| frame.get(4..4 + n as usize));
                    text.and_then(|text| serde_json::from_slice(text).ok())
                        .unwrap_or(Value::Null)
                }
                Ok(Message::Frame(_)) => continue,
                Ok(_) | Err(_) => return None,
            };
            return Some(Request { json });
        }
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: impl Into<String>) {
        let _ = self.ws.send(Message::Text(text.into().into())).await;
    }

    /// Sends a binary frame as is.
    pub async fn send_binary(&mut self, frame: Vec<u8>) {
        let _ = self.ws.send(Message::Binary(frame.into())).await;
    }

    /// Sends a final frame with any opcode and payload, even ones a well-behaved peer never
    /// sends (a text frame that is not UTF-8, a reserved opcode).
    pub async fn send_raw(&mut self, opcode: OpCode, payload: Vec<u8>) {
        let _ = self
            .ws
            .send(Message::Frame(Frame::message(payload, opcode, true)))
            .await;
    }

    /// Sends one message as fragments, as an intermediary may re-frame it: the first part
    /// under `opcode`, the others as continuation frames, the last one final.
    pub async fn send_fragments(&mut self, opcode: Data, parts: Vec<Vec<u8>>) {
        let count = parts.len();
        for (index, part) in parts.into_iter().enumerate() {
            let code = if index == 0 {
                OpCode::Data(opcode)
            } else {
                OpCode::Data(Data::Continue)
            };
            let frame = Frame::message(part, code, index + 1 == count);
            if self.ws.send(Message::Frame(frame)).await.is_err() {
                return;
            }
        }
    }

    /// Sends a text frame whose payload is not valid UTF-8.
    pub async fn send_invalid_utf8_text(&mut self, payload: Vec<u8>) {
        self.send_raw(OpCode::Data(Data::Text), payload).await;
    }

    /// Replies `result` to `id`.
    pub async fn reply(&mut self, id: &Value, result: Value) {
        self.send_text(json!({"id": id, "jsonrpc": "2.0", "result": result}).to_string())
            .await;
    }

    /// Sends a progress notification for `id`.
    pub async fn progress(&mut self, id: &Value, method: &str, amount: f64) {
        let message = json!({"jsonrpc": "2.0", "method": method,
                             "params": {"amount": amount, "id": id, "operation": "working"}});
        self.send_text(message.to_string()).await;
    }

    /// Answers every request that has an id with `{"method": ..., "params": ...}` until the
    /// client leaves: the answer carries what was asked, so callers can check it by content.
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

/// A websocket server on 127.0.0.1 running a script per connection; counts TCP accepts.
#[derive(Debug)]
pub struct ScriptServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl ScriptServer {
    /// A plain `ws://` server.
    pub async fn start<F, Fut>(script: F) -> ScriptServer
    where
        F: Fn(Peer) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        ScriptServer::start_inner(None, script).await
    }

    /// A plain server answering every request by echoing it ([`Peer::echo`]).
    pub async fn echo() -> ScriptServer {
        ScriptServer::start(Peer::echo).await
    }

    /// A `wss://` server presenting `cert_pem` (a chain) with `key_pem`.
    pub async fn start_tls<F, Fut>(cert_pem: &str, key_pem: &str, script: F) -> ScriptServer
    where
        F: Fn(Peer) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        ScriptServer::start_inner(Some(tls_acceptor(cert_pem, key_pem)), script).await
    }

    async fn start_inner<F, Fut>(tls: Option<tokio_rustls::TlsAcceptor>, script: F) -> ScriptServer
    where
        F: Fn(Peer) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback bind");
        let addr = listener.local_addr().expect("bound");
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let script = Arc::new(script);
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                // Like Brayns and the mock: small replies go out at once (no Nagle delay).
                let _ = tcp.set_nodelay(true);
                let (script, tls) = (script.clone(), tls.clone());
                tokio::spawn(async move {
                    let io: Box<dyn Io> = match tls {
                        None => Box::new(tcp),
                        Some(acceptor) => match acceptor.accept(tcp).await {
                            Ok(stream) => Box::new(stream),
                            Err(_) => return,
                        },
                    };
                    // Like Brayns: no practical size limit on what the client sends.
                    let config = WebSocketConfig::default()
                        .max_message_size(Some(1 << 30))
                        .max_frame_size(Some(1 << 30));
                    if let Ok(ws) =
                        tokio_tungstenite::accept_async_with_config(io, Some(config)).await
                    {
                        script(Peer { ws }).await;
                    }
                });
            }
        });
        ScriptServer {
            addr,
            accepted,
            accept,
        }
    }

    /// `127.0.0.1:port`.
    pub fn uri(&self) -> String {
        self.addr.to_string()
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many TCP connections were accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A TLS acceptor (ring provider) for a PEM certificate chain and key.
fn tls_acceptor(cert_pem: &str, key_pem: &str) -> tokio_rustls::TlsAcceptor {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the defaults")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("certificate matches key");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}
