//! Binary frames in both directions: u32 little-endian JSON length, JSON, payload.

mod support;

use brayns_rpc::{Bytes, Connector, Request};
use serde_json::{Value, json};
use support::{Kind, Server, bounded};

#[tokio::test]
async fn binary_request_frame_layout_is_exact() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let payload = Bytes::from_static(b"\x00\x01model bytes\xff");
        let request = Request::new("upload-model")
            .params(&json!({"type": "raw"}))
            .unwrap()
            .binary(payload.clone());
        let response = client.call(request).await.unwrap();
        assert_eq!(
            response.decode::<Value>().unwrap(),
            json!({"method": "upload-model", "params": {"type": "raw"}})
        );

        let frames = server.recorded();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].kind, Kind::Binary);
        let raw = &frames[0].data;
        let json_len = u32::from_le_bytes(raw[..4].try_into().unwrap()) as usize;
        let envelope: Value = serde_json::from_slice(&raw[4..4 + json_len]).unwrap();
        assert_eq!(envelope["method"], "upload-model");
        assert_eq!(envelope["jsonrpc"], "2.0");
        assert!(envelope["id"].is_i64());
        assert_eq!(&raw[4 + json_len..], &payload[..]);
        assert_eq!(raw.len(), 4 + json_len + payload.len());
    })
    .await;
}

#[tokio::test]
async fn empty_payload_still_goes_out_binary() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        client
            .call(Request::new("m").binary(Bytes::new()))
            .await
            .unwrap();
        let frames = server.recorded();
        assert_eq!(frames[0].kind, Kind::Binary);
        let json_len = u32::from_le_bytes(frames[0].data[..4].try_into().unwrap()) as usize;
        assert_eq!(frames[0].data.len(), 4 + json_len);
    })
    .await;
}

#[tokio::test]
async fn binary_reply_exposes_result_and_payload() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                let id = request.id();
                match request.method() {
                    "snapshot" => {
                        let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
                        let size = payload.len();
                        conn.reply_binary(
                            &id,
                            json!({"color_buffer": {"offset": 0, "size": size}}),
                            &payload,
                        )
                        .await;
                    }
                    "export-gbuffers" => conn.reply_binary(&id, Value::Null, b"EXR").await,
                    _ => conn.reply(&id, json!("text")).await,
                }
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let response = client.call(Request::new("snapshot")).await.unwrap();
        let result: Value = response.decode().unwrap();
        assert_eq!(result["color_buffer"]["size"], 100_000);
        let expected: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        assert_eq!(response.binary().as_ref(), &expected[..]);
        assert_eq!(response.into_binary().len(), 100_000);

        // `result: null` with a payload, and a text reply on the same path.
        let response = client.call(Request::new("export-gbuffers")).await.unwrap();
        assert_eq!(response.result_json(), "null");
        assert_eq!(response.binary().as_ref(), b"EXR");
        let response = client.call(Request::new("other")).await.unwrap();
        assert_eq!(response.decode::<String>().unwrap(), "text");
        assert!(response.binary().is_empty());
    })
    .await;
}

#[tokio::test]
async fn binary_replies_above_tungstenite_defaults_are_accepted() {
    bounded(async {
        // 20 MiB: above tungstenite's default 16 MiB frame limit.
        const SIZE: usize = 20 << 20;
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                conn.reply_binary(&request.id(), Value::Null, &vec![7u8; SIZE])
                    .await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let response = client.call(Request::new("render-image")).await.unwrap();
        assert_eq!(response.binary().len(), SIZE);
        assert!(response.binary().iter().all(|&b| b == 7));
    })
    .await;
}

#[tokio::test]
async fn message_limit_is_configurable() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                conn.reply_binary(&request.id(), Value::Null, &vec![1u8; 64 << 10])
                    .await;
            }
        })
        .await;
        let client = Connector::new(server.uri())
            .max_message_size(16 << 10)
            .connect()
            .await
            .unwrap();
        // Over the limit, the client's frame layer refuses the frame from its header (before
        // allocating anything) and the connection ends.
        let error = client.call(Request::new("render-image")).await.unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
        assert!(!client.is_connected());
    })
    .await;
}

#[tokio::test]
async fn large_text_params_arrive_intact() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                let len = request.params().unwrap()["data"].as_str().unwrap().len();
                conn.reply(&request.id(), json!(len)).await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let data = "x".repeat(8 << 20);
        let len: usize = client
            .request_typed("big", Some(&json!({"data": data})))
            .await
            .unwrap();
        assert_eq!(len, 8 << 20);
    })
    .await;
}
