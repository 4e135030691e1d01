//! The raw wire, read frame by frame like Brayns does (no reassembly): every frame the client
//! sends must be a single final text or binary frame (never ping, pong or a fragment), the
//! upgrade must not offer extensions (permessage-deflate), and the only other frame allowed is
//! the Close sent by `disconnect()`.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use brayns_rpc::{Connector, Request};
use serde_json::{Value, json};
use support::bounded;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// One frame as it crossed the wire.
#[derive(Debug, Clone)]
struct RawFrame {
    fin: bool,
    opcode: u8,
    masked: bool,
    payload: Vec<u8>,
}

/// What the raw server saw: the upgrade request headers and every frame.
#[derive(Debug, Default)]
struct WireLog {
    request_head: String,
    frames: Vec<RawFrame>,
}

async fn read_frame(tcp: &mut TcpStream) -> Option<RawFrame> {
    let mut head = [0u8; 2];
    tcp.read_exact(&mut head).await.ok()?;
    let fin = head[0] & 0x80 != 0;
    let opcode = head[0] & 0x0f;
    let masked = head[1] & 0x80 != 0;
    let len = match head[1] & 0x7f {
        126 => u64::from(tcp.read_u16().await.ok()?),
        127 => tcp.read_u64().await.ok()?,
        short => u64::from(short),
    };
    let mut mask = [0u8; 4];
    if masked {
        tcp.read_exact(&mut mask).await.ok()?;
    }
    let mut payload = vec![0u8; len as usize];
    tcp.read_exact(&mut payload).await.ok()?;
    if masked {
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
    }
    Some(RawFrame {
        fin,
        opcode,
        masked,
        payload,
    })
}

async fn write_text(tcp: &mut TcpStream, text: &str) {
    let mut frame = vec![0x81];
    match text.len() {
        len if len < 126 => frame.push(len as u8),
        len if len <= 0xffff => {
            frame.push(126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(text.as_bytes());
    let _ = tcp.write_all(&frame).await;
}

/// A Brayns-like raw server: answers every request with `null`, except `snapshot` (left
/// running), treats any frame with the 0x08 bit (close, ping, pong) as the end.
async fn raw_server() -> (SocketAddr, JoinHandle<WireLog>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut log = WireLog::default();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        log.request_head = String::from_utf8(head).unwrap();
        let key = log
            .request_head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| value.trim().to_owned())
            })
            .unwrap();
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        );
        tcp.write_all(response.as_bytes()).await.unwrap();
        while let Some(frame) = read_frame(&mut tcp).await {
            let opcode = frame.opcode;
            let json = match opcode {
                1 => serde_json::from_slice::<Value>(&frame.payload).ok(),
                2 => {
                    let len = u32::from_le_bytes(frame.payload[..4].try_into().unwrap()) as usize;
                    serde_json::from_slice::<Value>(&frame.payload[4..4 + len]).ok()
                }
                _ => None,
            };
            log.frames.push(frame);
            if opcode & 0x08 != 0 {
                break;
            }
            if let Some(request) = json
                && let Some(id) = request.get("id")
                && request["method"] != "snapshot"
            {
                write_text(
                    &mut tcp,
                    &json!({"id": id, "jsonrpc": "2.0", "result": null}).to_string(),
                )
                .await;
            }
        }
        log
    });
    (addr, handle)
}

#[tokio::test]
async fn every_frame_is_whole_text_or_binary_and_no_extension_is_offered() {
    bounded(async {
        let (addr, server) = raw_server().await;
        let client = Connector::new(addr.to_string()).connect().await.unwrap();
        client.request("get-version", None).await.unwrap();
        // A large binary request: still one frame.
        let payload = vec![9u8; 3 << 20];
        client
            .call(
                Request::new("upload-model")
                    .params(&json!({"type": "raw"}))
                    .unwrap()
                    .binary(payload),
            )
            .await
            .unwrap();
        // A large text request: still one frame.
        let big = "z".repeat(2 << 20);
        client
            .request("set-big", Some(json!({"data": big})))
            .await
            .unwrap();
        // Pipelined calls, a notification, idle time, a dropped task (cancel goes out).
        futures_util::future::join_all((0..16).map(|_| client.request("get-version", None))).await;
        client
            .notify("set-animation-parameters", Some(json!({"frame": 1})))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(
            client
                .start_task(Request::new("snapshot").params(&json!({})).unwrap())
                .unwrap(),
        );
        client.request("after-cancel", None).await.unwrap();
        client.disconnect().await;
        let log = server.await.unwrap();

        let head = log.request_head.to_ascii_lowercase();
        assert!(head.starts_with("get / http/1.1"), "{head}");
        assert!(!head.contains("sec-websocket-extensions"), "{head}");
        assert!(!head.contains("sec-websocket-protocol"), "{head}");

        let (close, data) = log.frames.split_last().unwrap();
        assert_eq!(
            close.opcode, 8,
            "the last frame is the Close of disconnect()"
        );
        for frame in data {
            assert!(frame.fin, "fragmented frame: {frame:?}");
            assert!(
                matches!(frame.opcode, 1 | 2),
                "opcode {} sent",
                frame.opcode
            );
            assert!(frame.masked, "client frames must be masked");
        }
        // 1 + 1 + 1 + 16 + notification + snapshot + cancel + after-cancel.
        assert_eq!(data.len(), 23);
        let binary: Vec<_> = data.iter().filter(|f| f.opcode == 2).collect();
        assert_eq!(binary.len(), 1);
        let json_len = u32::from_le_bytes(binary[0].payload[..4].try_into().unwrap()) as usize;
        assert_eq!(binary[0].payload.len(), 4 + json_len + (3 << 20));
        let cancel = data
            .iter()
            .filter_map(|f| serde_json::from_slice::<Value>(&f.payload).ok())
            .find(|v| v["method"] == "cancel")
            .expect("dropping the task sends a cancel");
        assert!(cancel["params"]["id"].is_i64());
    })
    .await;
}
