//! `quit` over a connection the client keeps writing to: the `null` reply must always arrive
//! before the connection ends.
//!
//! Follows brayns/network/entrypoints/QuitEntrypoint.cpp (the server stops, then replies) and
//! brayns/network/socket/ClientSocket.cpp (the reply is sent before the socket closes).

use std::time::Duration;

use brayns_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(5);

/// A masked client frame (the mask is all zero bytes, which leaves the payload as is).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut bytes = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    bytes.extend_from_slice(payload);
    bytes
}

/// Upgrades a raw TCP stream to a websocket and returns it with what followed the headers.
async fn upgrade(addr: std::net::SocketAddr) -> (TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(TIMEOUT, stream.read(&mut buffer))
            .await
            .expect("upgrade in time")
            .expect("read");
        assert!(n > 0, "closed during the upgrade");
        received.extend_from_slice(&buffer[..n]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(received.starts_with(b"HTTP/1.1 101"), "{received:?}");
            return (stream, received.split_off(end + 4));
        }
    }
}

/// How a connection ended.
#[derive(Debug, PartialEq)]
enum End {
    /// FIN: a clean end.
    Eof,
    /// An error such as a reset.
    Error(std::io::ErrorKind),
}

/// Sends `quit` followed by `after` in the same write, sends more once the server has stopped
/// (a client that is still talking), answers the server's Close frame with its own when
/// `answer_close`, then reads until the connection ends: everything that arrived and how it
/// ended.
async fn quit_then(after: &[u8], answer_close: bool) -> (Vec<u8>, End) {
    let mock = MockServer::builder().start().await.expect("mock");
    let (mut stream, mut received) = upgrade(mock.addr()).await;
    let mut bytes = frame(0x1, br#"{"jsonrpc":"2.0","id":1,"method":"quit"}"#);
    bytes.extend_from_slice(after);
    stream.write_all(&bytes).await.expect("send");
    tokio::time::timeout(TIMEOUT, mock.stopped())
        .await
        .expect("the mock stops");
    let _ = stream
        .write_all(&frame(0x1, br#"{"jsonrpc":"2.0","id":2,"method":"registry"}"#))
        .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut buffer = [0u8; 4096];
    let mut answered = false;
    loop {
        match tokio::time::timeout(TIMEOUT, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => return (received, End::Eof),
            Ok(Err(error)) => return (received, End::Error(error.kind())),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the connection stays open after quit"),
        }
        if answer_close && !answered && ends_with_close(&received) {
            answered = true;
            let _ = stream.write_all(&frame(0x8, &[0x03, 0xE8])).await;
        }
    }
}

const QUIT_REPLY: &[u8] = br#"{"id":1,"jsonrpc":"2.0","result":null}"#;

/// The server's Close frame with status 1000, unmasked.
const CLOSE: [u8; 4] = [0x88, 0x02, 0x03, 0xE8];

fn ends_with_close(received: &[u8]) -> bool {
    received.ends_with(&CLOSE)
}

/// The quit reply as a text frame, then the Close frame, and nothing else.
fn reply_then_close(received: &[u8]) -> bool {
    let mut expected = vec![0x81, QUIT_REPLY.len() as u8];
    expected.extend_from_slice(QUIT_REPLY);
    expected.extend_from_slice(&CLOSE);
    received == expected.as_slice()
}

#[tokio::test]
async fn quit_replies_then_closes_cleanly_and_waits_for_the_clients_close() {
    for round in 0..10 {
        let (received, end) = quit_then(&[], true).await;
        assert!(
            reply_then_close(&received),
            "round {round}: {:?}",
            String::from_utf8_lossy(&received)
        );
        assert_eq!(end, End::Eof, "round {round}");
    }
}

#[tokio::test]
async fn the_quit_reply_arrives_and_nothing_is_reset_when_the_client_keeps_sending() {
    let request = frame(0x1, br#"{"jsonrpc":"2.0","id":3,"method":"get-scene"}"#);
    for round in 0..10 {
        let (received, end) = quit_then(&request.repeat(200), false).await;
        // Requests read before quit ran still execute; then the Close ends the stream.
        let wanted = [&[0x81, QUIT_REPLY.len() as u8][..], QUIT_REPLY].concat();
        assert!(
            received.windows(wanted.len()).any(|w| w == wanted.as_slice()),
            "round {round}: no quit reply in {} bytes",
            received.len()
        );
        assert!(ends_with_close(&received), "round {round}: no Close frame");
        assert_eq!(end, End::Eof, "round {round}");
    }
}
