//! A bare websocket client for conformance tests: tokio-tungstenite over TCP (or TLS), with
//! timeouts so nothing can hang.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// One message from the server.
#[derive(Debug)]
pub enum Incoming {
    Text(Value),
    Binary(Value, Vec<u8>),
    /// The connection ended (EOF, reset or close).
    Closed,
}

impl Incoming {
    pub fn json(&self) -> &Value {
        match self {
            Incoming::Text(value) | Incoming::Binary(value, _) => value,
            Incoming::Closed => panic!("connection closed"),
        }
    }
}

pub struct Client<S> {
    pub ws: WebSocketStream<S>,
    next_id: i64,
}

pub async fn connect(uri: &str) -> Client<TcpStream> {
    let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(uri))
        .await
        .expect("connect in time")
        .expect("connect");
    handshake(uri, stream).await
}

pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(uri: &str, stream: S) -> Client<S> {
    let (ws, _) = tokio::time::timeout(
        TIMEOUT,
        tokio_tungstenite::client_async(format!("ws://{uri}/"), stream),
    )
    .await
    .expect("handshake in time")
    .expect("handshake");
    Client { ws, next_id: 0 }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.ws
            .send(Message::text(text.into()))
            .await
            .expect("send");
    }

    pub async fn send_json(&mut self, value: &Value) {
        self.send_text(value.to_string()).await;
    }

    /// Sends `[u32 LE json length][json][payload]` as one binary frame.
    pub async fn send_binary(&mut self, value: &Value, payload: &[u8]) {
        let json = value.to_string();
        let mut frame = (json.len() as u32).to_le_bytes().to_vec();
        frame.extend_from_slice(json.as_bytes());
        frame.extend_from_slice(payload);
        self.ws.send(Message::binary(frame)).await.expect("send");
    }

    pub async fn send_raw_binary(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::binary(bytes)).await.expect("send");
    }

    /// Sends a request with a fresh integer id and returns the id.
    pub async fn request(&mut self, method: &str, params: Option<Value>) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if let Some(params) = params {
            request["params"] = params;
        }
        self.send_json(&request).await;
        id
    }

    pub async fn recv(&mut self) -> Incoming {
        self.recv_within(TIMEOUT).await.expect("a message in time")
    }

    /// The next message, or `None` when nothing arrives within `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<Incoming> {
        loop {
            let next = tokio::time::timeout(wait, self.ws.next()).await.ok()?;
            return Some(match next {
                None | Some(Err(_)) => Incoming::Closed,
                Some(Ok(Message::Text(text))) => {
                    Incoming::Text(serde_json::from_str(&text).expect("server JSON"))
                }
                Some(Ok(Message::Binary(bytes))) => {
                    let size = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
                    let json = serde_json::from_slice(&bytes[4..4 + size]).expect("server JSON");
                    Incoming::Binary(json, bytes[4 + size..].to_vec())
                }
                Some(Ok(Message::Close(_))) => panic!("the server must never send a Close frame"),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    panic!("the server must never ping")
                }
                Some(Ok(Message::Frame(_))) => continue,
            });
        }
    }

    /// Waits for the final message (result or error) of `id`, skipping progress and others.
    pub async fn response(&mut self, id: i64) -> Incoming {
        loop {
            let message = self.recv().await;
            if let Incoming::Closed = message {
                return message;
            }
            if message.json().get("id") == Some(&json!(id)) {
                return message;
            }
        }
    }

    /// Calls and returns the result, panicking on an error reply.
    pub async fn call(&mut self, method: &str, params: Option<Value>) -> Value {
        let id = self.request(method, params).await;
        let reply = self.response(id).await;
        let reply = reply.json();
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    /// Calls and returns the error object, panicking on success.
    pub async fn call_error(&mut self, method: &str, params: Option<Value>) -> Value {
        let id = self.request(method, params).await;
        let reply = self.response(id).await;
        let reply = reply.json();
        assert!(
            reply.get("error").is_some(),
            "{method} should fail: {reply}"
        );
        reply["error"].clone()
    }

    /// Asserts that the server closes the connection (without a Close frame) soon.
    pub async fn expect_closed(&mut self) {
        match self.recv().await {
            Incoming::Closed => {}
            other => panic!("expected the connection to close, got {other:?}"),
        }
    }

    /// Asserts that nothing arrives for a short while.
    pub async fn expect_silence(&mut self) {
        if let Some(message) = self.recv_within(Duration::from_millis(150)).await {
            panic!("expected no message, got {message:?}");
        }
    }
}

/// A self-signed certificate for `localhost`: (certificate PEM, private key PEM, certificate DER
/// to trust).
pub fn self_signed() -> (String, String, rustls_pki_types::CertificateDer<'static>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("a self-signed certificate");
    (
        certified.cert.pem(),
        certified.signing_key.serialize_pem(),
        certified.cert.der().clone(),
    )
}

/// Connects over TLS to `uri` (host:port), trusting only `ca` and checking the name `localhost`,
/// then upgrades to a websocket.
pub async fn connect_tls(
    uri: &str,
    ca: rustls_pki_types::CertificateDer<'static>,
) -> Client<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).expect("a usable CA certificate");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::time::timeout(TIMEOUT, TcpStream::connect(uri))
        .await
        .expect("connect in time")
        .expect("connect");
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("a DNS name");
    let tls = tokio::time::timeout(TIMEOUT, connector.connect(name, tcp))
        .await
        .expect("TLS handshake in time")
        .expect("TLS handshake");
    handshake(uri, tls).await
}

/// Starts the default mock.
pub async fn mock() -> brayns_mock::MockServer {
    brayns_mock::MockServer::builder()
        .start()
        .await
        .expect("mock starts")
}

pub fn error(code: i64, message: &str) -> Value {
    json!({"code": code, "message": message})
}

/// A raw TCP websocket connection, for frames a websocket library refuses to send.
pub struct Raw {
    pub stream: TcpStream,
}

pub async fn connect_raw(uri: &str) -> Raw {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(uri).await.expect("connect");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {uri}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    while !response.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let n = tokio::time::timeout(TIMEOUT, stream.read(&mut byte))
            .await
            .expect("response in time")
            .unwrap();
        assert_eq!(n, 1, "connection closed during handshake");
        response.push(byte[0]);
    }
    let response = String::from_utf8(response).unwrap();
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
    assert!(
        response.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "{response}"
    );
    Raw { stream }
}

impl Raw {
    /// Writes one masked frame with this first header byte.
    pub async fn frame(&mut self, first: u8, payload: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut frame = vec![first];
        if payload.len() < 126 {
            frame.push(0x80 | payload.len() as u8);
        } else {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.unwrap();
    }

    /// Reads one unmasked server frame: (first header byte, payload); `None` on EOF.
    pub async fn read(&mut self) -> Option<(u8, Vec<u8>)> {
        use tokio::io::AsyncReadExt;
        let mut head = [0u8; 2];
        let read = tokio::time::timeout(TIMEOUT, self.stream.read_exact(&mut head))
            .await
            .expect("frame in time");
        if read.is_err() {
            return None;
        }
        assert_eq!(head[1] & 0x80, 0, "server frames are unmasked");
        let len = match head[1] & 0x7f {
            126 => self.stream.read_u16().await.ok()? as usize,
            127 => self.stream.read_u64().await.ok()? as usize,
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        self.stream.read_exact(&mut payload).await.ok()?;
        Some((head[0], payload))
    }

    pub async fn read_json(&mut self) -> Value {
        let (first, payload) = self.read().await.expect("a frame");
        assert_eq!(first, 0x81, "a final text frame");
        serde_json::from_slice(&payload).unwrap()
    }

    /// Asserts EOF (or reset) comes next, with no frame before it.
    pub async fn expect_eof(&mut self) {
        assert!(
            self.read().await.is_none(),
            "expected the server to drop the connection"
        );
    }
}

/// A one-triangle OBJ file (the mesh loader reads the file it is given), removed on drop.
pub fn obj_file() -> tempfile::TempPath {
    let file = tempfile::Builder::new()
        .suffix(".obj")
        .tempfile()
        .expect("temp file");
    std::fs::write(file.path(), TRIANGLE_OBJ).expect("write the mesh");
    file.into_temp_path()
}

/// A one-triangle mesh in OBJ: bounds (0, 0, 0) to (1, 2, 0).
pub const TRIANGLE_OBJ: &str = "v 0 0 0\nv 1 0 0\nv 0 2 0\nf 1 2 3\n";
