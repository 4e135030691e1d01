//! `quit`: the `null` reply reaches the client, and the connection stays open a moment after
//! it, so a client that checks for a closed connection before reading what it received (the
//! official Python client's `AsyncWebSocket`) still gets the reply; then it ends cleanly.
//!
//! Follows brayns/network/entrypoints/QuitEntrypoint.cpp (the server stops, then replies) and
//! brayns/network/socket/ServerSocket.cpp (connections end with no Close frame).

use std::time::Duration;

use brayns_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(5);

/// A masked client frame (the mask is all zero bytes, which leaves the payload as is).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x80 | opcode];
    match u16::try_from(payload.len()) {
        Ok(length) if length < 126 => bytes.push(0x80 | length as u8),
        Ok(length) => {
            bytes.push(0x80 | 126);
            bytes.extend_from_slice(&length.to_be_bytes());
        }
        Err(_) => panic!("test frames stay under 64 KiB"),
    }
    bytes.extend_from_slice(&[0, 0, 0, 0]);
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

/// Sends `quit` followed by `after` in the same write; once the reply arrived, checks that
/// nothing more arrives (no end either) for a moment, then sends its own Close when
/// `close_after`, and reads until the connection ends: everything that arrived and how it
/// ended.
async fn quit_then(after: &[u8], close_after: bool) -> (Vec<u8>, End) {
    let mock = MockServer::builder().start().await.expect("mock");
    let (mut stream, mut received) = upgrade(mock.addr()).await;
    let mut bytes = frame(0x1, br#"{"jsonrpc":"2.0","id":1,"method":"quit"}"#);
    bytes.extend_from_slice(after);
    stream.write_all(&bytes).await.expect("send");
    let mut buffer = [0u8; 65536];
    let mut quiet_checked = false;
    loop {
        if !quiet_checked && has_reply(&received) {
            quiet_checked = true;
            // Requests queued before quit ran still answer: read them first.
            let replies = after.len() / frame(0x1, REQUEST).len();
            while opcodes(&received).len() < 1 + replies {
                let n = stream.read(&mut buffer).await.expect("the other replies");
                assert!(n > 0, "the connection ended before the replies");
                received.extend_from_slice(&buffer[..n]);
            }
            // A timeout here can only come late, never early.
            let quiet = tokio::time::timeout(GRACE, stream.read(&mut buffer)).await;
            assert!(
                quiet.is_err(),
                "the connection ends right after the reply: {quiet:?}"
            );
            if close_after {
                stream
                    .write_all(&frame(0x8, &[0x03, 0xE8]))
                    .await
                    .expect("close");
            }
        }
        match tokio::time::timeout(TIMEOUT, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => return (received, End::Eof),
            Ok(Err(error)) => return (received, End::Error(error.kind())),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the connection stays open after quit"),
        }
    }
}

/// How long the client waits after the reply for anything else (a Python client polls its
/// queue within milliseconds).
const GRACE: Duration = Duration::from_millis(100);

const REQUEST: &[u8] = br#"{"jsonrpc":"2.0","id":3,"method":"get-scene"}"#;

const QUIT_REPLY: &[u8] = br#"{"id":1,"jsonrpc":"2.0","result":null}"#;

/// Whether the quit reply arrived as one text frame.
fn has_reply(received: &[u8]) -> bool {
    let wanted = [&[0x81, QUIT_REPLY.len() as u8][..], QUIT_REPLY].concat();
    received
        .windows(wanted.len())
        .any(|w| w == wanted.as_slice())
}

/// The opcodes of the complete server frames in `received` (unmasked, short or 16-bit
/// lengths).
fn opcodes(received: &[u8]) -> Vec<u8> {
    let mut opcodes = Vec::new();
    let mut at = 0;
    while at + 2 <= received.len() {
        let (length, header) = match received[at + 1] & 0x7F {
            126 if at + 4 <= received.len() => (
                usize::from(u16::from_be_bytes([received[at + 2], received[at + 3]])),
                4,
            ),
            126 => break,
            length => (usize::from(length), 2),
        };
        if at + header + length > received.len() {
            break;
        }
        opcodes.push(received[at] & 0x0F);
        at += header + length;
    }
    opcodes
}

#[tokio::test]
async fn the_connection_stays_open_after_the_reply_then_ends_cleanly() {
    for round in 0..5 {
        let (received, end) = quit_then(&[], false).await;
        assert!(has_reply(&received), "round {round}: no quit reply");
        assert_eq!(
            opcodes(&received),
            [0x1],
            "round {round}: the reply only, no Close"
        );
        assert_eq!(end, End::Eof, "round {round}: a clean end, not a reset");
    }
}

#[tokio::test]
async fn requests_sent_after_quit_neither_lose_the_reply_nor_reset_the_connection() {
    let requests = frame(0x1, REQUEST).repeat(100);
    for round in 0..5 {
        let (received, end) = quit_then(&requests, false).await;
        assert!(has_reply(&received), "round {round}: no quit reply");
        assert!(
            opcodes(&received).iter().all(|opcode| *opcode == 0x1),
            "round {round}: text frames only, no Close"
        );
        assert_eq!(end, End::Eof, "round {round}: a clean end, not a reset");
    }
}

#[tokio::test]
async fn the_connection_ends_cleanly_when_the_client_closes_after_the_reply() {
    for round in 0..5 {
        let (received, end) = quit_then(&[], true).await;
        assert!(has_reply(&received), "round {round}: no quit reply");
        assert_eq!(end, End::Eof, "round {round}: a clean end, not a reset");
    }
}
