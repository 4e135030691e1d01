//! A TCP server on loopback that answers the websocket upgrade with whatever bytes a test
//! makes: a status line that is not ASCII, duplicated or unoffered headers, frames no real
//! server sends. [`ScriptServer`](crate::ScriptServer) speaks through tungstenite, which
//! cannot send any of that.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Makes the server's answer from the `Sec-WebSocket-Key` of the request.
type Answer = dyn Fn(&str) -> Vec<u8> + Send + Sync;

/// A loopback server answering each upgrade request with bytes made by the test, then
/// keeping the connection open, reading and recording whatever the client sends, until the
/// client closes it or the server is dropped.
#[derive(Debug)]
pub struct RawServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    accept: JoinHandle<()>,
}

impl RawServer {
    /// Starts a server whose answer to a request with key `k` is `answer(k)`.
    pub async fn start(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback bind");
        let addr = listener.local_addr().expect("bound");
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let answer: Arc<Answer> = Arc::new(answer);
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (answer, log) = (answer.clone(), log.clone());
                tokio::spawn(serve(tcp, answer, log));
            }
        });
        RawServer {
            addr,
            received,
            accept,
        }
    }

    /// `ws://127.0.0.1:port/`.
    pub fn uri(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// Everything each connection received so far, request head included, in accept order.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// The head of a valid `101` answer to `key`, without the blank line that ends it, so a test
/// can add headers.
pub fn switching_protocols(key: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        derive_accept_key(key.as_bytes())
    )
}

async fn serve(mut tcp: TcpStream, answer: Arc<Answer>, log: Arc<Mutex<Vec<Vec<u8>>>>) {
    let index = {
        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
        log.push(Vec::new());
        log.len() - 1
    };
    let record = |bytes: &[u8]| {
        log.lock().unwrap_or_else(PoisonError::into_inner)[index].extend_from_slice(bytes);
    };
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => {
                head.extend_from_slice(&chunk[..read]);
                record(&chunk[..read]);
            }
        }
    }
    let text = String::from_utf8_lossy(&head);
    let key = text
        .lines()
        .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap_or_default();
    if tcp.write_all(&answer(key)).await.is_err() {
        return;
    }
    loop {
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => record(&chunk[..read]),
        }
    }
}
