//! Malformed messages from the server are logged and skipped; the connection keeps working.

mod support;

use brayns_rpc::{Connector, Error, Request};
use serde_json::{Value, json};
use support::{Server, binary_frame, bounded};

#[tokio::test]
async fn malformed_messages_are_skipped_and_pending_calls_still_resolve() {
    support::trace();
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let first = conn.recv().await.unwrap();
            let id = first.id();
            // Junk of every kind while `first` is pending.
            conn.send_text("this is not json").await;
            conn.send_text("").await;
            conn.send_text("[1, 2]").await;
            conn.send_text("42").await;
            conn.send_text(r#"{"jsonrpc":"2.0"}"#).await;
            conn.send_text(r#"{"jsonrpc":"2.0","method":"snapshot"}"#).await;
            conn.send_text(r#"{"jsonrpc":"2.0","method":"snapshot","params":{"amount":"x"}}"#).await;
            conn.send_text(r#"{"id":123456,"jsonrpc":"2.0","result":"unknown id"}"#).await;
            conn.send_text(r#"{"id":"a-string","jsonrpc":"2.0","result":"string id"}"#).await;
            conn.send_text(r#"{"id":1.5,"jsonrpc":"2.0","result":"float id"}"#).await;
            conn.send_text(r#"{"jsonrpc":"2.0","result":"no id"}"#).await;
            conn.send_text(
                r#"{"error":{"code":-32700,"message":"Invalid JSON: 'x'"},"id":null,"jsonrpc":"2.0"}"#,
            )
            .await;
            conn.send_text(r#"{"error":"not an object","id":null,"jsonrpc":"2.0"}"#).await;
            conn.send_binary(vec![1, 0]).await; // shorter than the header
            conn.send_binary(vec![]).await;
            conn.send_binary(vec![200, 0, 0, 0, b'{', b'}']).await; // JSON length too big
            conn.send_binary(binary_frame("{\"id\":", b"payload")).await; // truncated JSON
            conn.send_binary(binary_frame("\u{0}not json", b"")).await;
            let mut invalid_utf8 = 2u32.to_le_bytes().to_vec();
            invalid_utf8.extend_from_slice(&[0xff, 0xfe]);
            conn.send_binary(invalid_utf8).await;
            // Now the real answer.
            conn.reply(&id, json!("survived")).await;
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let value = client.request("first", None).await.unwrap();
        assert_eq!(value, json!("survived"));
        assert!(client.is_connected());
        assert_eq!(client.request("second", None).await.unwrap()["method"], "second");
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn null_id_errors_do_not_fail_pending_calls() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let request = conn.recv().await.unwrap();
            conn.error(
                &Value::Null,
                -32600,
                "Invalid JSON-RPC request schema",
                Some(json!(["x"])),
            )
            .await;
            conn.reply(&request.id(), json!("fine")).await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        assert_eq!(client.request("m", None).await.unwrap(), json!("fine"));
    })
    .await;
}

#[tokio::test]
async fn malformed_error_object_for_a_known_id_fails_that_call_only() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            // Three calls pending at once: the bad error goes to the middle one, so a client
            // that failed every pending call (or the oldest, or the newest) would be caught.
            let requests = conn.recv_many(3).await;
            let doomed = requests
                .iter()
                .find(|request| request.method() == "doomed")
                .expect("the doomed call was sent")
                .id();
            conn.send_text(
                json!({"error": {"message": "no code"}, "id": doomed, "jsonrpc": "2.0"})
                    .to_string(),
            )
            .await;
            // The others are answered only after it, each with its own method name.
            for request in &requests {
                if request.id() != doomed {
                    conn.reply(&request.id(), json!(request.method())).await;
                }
            }
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let call = |method: &'static str| {
            let client = client.clone();
            tokio::spawn(async move { client.request(method, None).await })
        };
        let (before, doomed, after) = (call("before"), call("doomed"), call("after"));
        let error = doomed.await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Protocol(_)), "{error:?}");
        assert_eq!(before.await.unwrap().unwrap(), json!("before"));
        assert_eq!(after.await.unwrap().unwrap(), json!("after"));
        assert!(client.is_connected());
        assert_eq!(client.pending_count(), 0);
        client.call(Request::new("next")).await.unwrap();
    })
    .await;
}
