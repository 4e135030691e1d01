//! A hostile or unusual server after the upgrade: fragments, Close frames and framing
//! violations, checked on the wire (what the client answers) and by the calls' outcomes.

mod support;

use std::time::Duration;

use brayns_rpc::{Connector, Request};
use serde_json::json;
use support::{RawServer, ScriptServer, bounded, switching_protocols};
use tokio_tungstenite::tungstenite::protocol::frame::coding::Data;

/// Replies to every request with `{"echo": method}`, cut into fragments of 7 bytes, as text
/// or, for `binary` calls, as a binary frame with a payload.
async fn fragmenting_echo(mut peer: support::Peer) {
    while let Some(request) = peer.recv().await {
        let reply =
            json!({"id": request.id(), "jsonrpc": "2.0", "result": {"echo": request.method()}})
                .to_string();
        let (opcode, message) = if request.method() == "binary" {
            let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
            (Data::Binary, support::binary_frame(&reply, &payload))
        } else {
            (Data::Text, reply.into_bytes())
        };
        let parts = message.chunks(7).map(<[u8]>::to_vec).collect();
        peer.send_fragments(opcode, parts).await;
    }
}

#[tokio::test]
async fn fragmented_replies_are_reassembled() {
    bounded(async {
        let server = ScriptServer::start(fragmenting_echo).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let text = client.call(Request::new("text")).await.unwrap();
        assert_eq!(
            text.decode::<serde_json::Value>().unwrap(),
            json!({"echo": "text"})
        );
        let binary = client.call(Request::new("binary")).await.unwrap();
        assert_eq!(
            binary.decode::<serde_json::Value>().unwrap(),
            json!({"echo": "binary"})
        );
        let payload = binary.into_binary();
        assert_eq!(payload.len(), 100_000);
        assert!(
            payload
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 251) as u8)
        );
        assert!(client.is_connected());
    })
    .await;
}

#[tokio::test]
async fn fragments_adding_up_past_the_message_limit_end_the_connection() {
    bounded(async {
        let server = ScriptServer::start(fragmenting_echo).await;
        // Every fragment fits the limit; the reassembled binary reply does not.
        let client = Connector::new(server.uri())
            .max_message_size(50_000)
            .connect()
            .await
            .unwrap();
        let error = client.call(Request::new("binary")).await.unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
    })
    .await;
}

/// A masked client frame read from `bytes`: (opcode, unmasked payload, frame length).
fn client_frame(bytes: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&first, &second) = (bytes.first()?, bytes.get(1)?);
    let len = usize::from(second & 0x7f);
    // Only Close frames are read here: their payloads are under 126 bytes.
    let mask: [u8; 4] = bytes.get(2..6)?.try_into().ok()?;
    let payload = bytes.get(6..6 + len)?;
    let unmasked = payload
        .iter()
        .enumerate()
        .map(|(i, byte)| byte ^ mask[i % 4])
        .collect();
    Some((first & 0x0f, unmasked, 6 + len))
}

/// Waits until the server has received a Close from the client; returns its payload.
async fn close_received(server: &RawServer) -> Vec<u8> {
    loop {
        if let Some(bytes) = server.received().first()
            && let Some(head) = bytes.windows(4).position(|window| window == b"\r\n\r\n")
        {
            let mut at = head + 4;
            while let Some((opcode, payload, len)) = client_frame(&bytes[at..]) {
                if opcode == 0x8 {
                    return payload;
                }
                at += len;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A server that upgrades, then at once sends `frames` and stays open.
async fn sending(frames: Vec<u8>) -> RawServer {
    RawServer::start(move |key| {
        let mut answer = format!("{}\r\n", switching_protocols(key)).into_bytes();
        answer.extend_from_slice(&frames);
        answer
    })
    .await
}

#[tokio::test]
async fn the_servers_close_is_echoed_with_its_code() {
    bounded(async {
        let server = sending(vec![0x88, 0x04, 0x03, 0xe9, b'g', b'o']).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        assert_eq!(close_received(&server).await, [0x03, 0xe9]);
        let error = client.call(Request::new("m")).await.unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn protocol_violations_are_answered_with_close_1002_before_the_connection_drops() {
    for (frames, what) in [
        (vec![0x83, 0x00], "reserved opcode"),
        (vec![0x81 | 0x40, 0x00], "reserved bit"),
        (vec![0x80, 0x01, b'x'], "continuation of nothing"),
        (
            vec![0x88, 0x02, 0x03, 0xee],
            "Close 1006, which no peer may send",
        ),
        (vec![0x88, 0x01, 0x03], "one-byte Close"),
    ] {
        bounded(async {
            let server = sending(frames).await;
            let client = Connector::new(server.uri()).connect().await.unwrap();
            assert_eq!(close_received(&server).await, [0x03, 0xea], "{what}");
            let error = client.call(Request::new("m")).await.unwrap_err();
            assert!(error.is_disconnected(), "{what}: {error:?}");
        })
        .await;
    }
}
