//! Requests and replies: routing by id, params shape, notifications, server errors.

mod support;

use std::time::Duration;

use brayns_rpc::{Connector, Error, Request, ServerError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::{Kind, Server, bounded};

#[tokio::test]
async fn replies_out_of_order_are_routed_by_id() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let requests = conn.recv_many(3).await;
            // Answer last first, each with its own method's name.
            for request in requests.iter().rev() {
                conn.reply(&request.id(), json!(request.method())).await;
            }
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let (a, b, c) = tokio::join!(
            client.request("a", None),
            client.request("b", None),
            client.request("c", None),
        );
        assert_eq!(
            (a.unwrap(), b.unwrap(), c.unwrap()),
            (json!("a"), json!("b"), json!("c"))
        );
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn many_pipelined_calls_shuffled_replies() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let mut requests = conn.recv_many(64).await;
            // A fixed permutation: evens descending, then odds ascending.
            requests.sort_by_key(|r| {
                let id = r.id().as_i64().unwrap();
                if id % 2 == 0 { (0, -id) } else { (1, id) }
            });
            for request in requests {
                let n = request.params().unwrap()["n"].clone();
                conn.reply(&request.id(), json!({"n": n})).await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let calls = (0..64).map(|n| {
            let client = client.clone();
            async move {
                let reply: Value = client
                    .request_typed("square", Some(&json!({"n": n})))
                    .await
                    .unwrap();
                assert_eq!(reply["n"], n, "reply routed to the wrong call");
            }
        });
        futures_util::future::join_all(calls).await;
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn ids_are_increasing_integers_never_reused() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        for _ in 0..5 {
            client.request("m", None).await.unwrap();
        }
        let ids: Vec<i64> = server
            .recorded()
            .iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.data).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids.len(), 5);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    })
    .await;
}

#[tokio::test]
async fn params_are_omitted_when_none_and_kept_when_empty() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        client.request("get-version", None).await.unwrap();
        client.request("snapshot", Some(json!({}))).await.unwrap();
        client
            .request_typed::<(), Value>("registry", None)
            .await
            .unwrap();
        let frames = server.recorded();
        let texts: Vec<Value> = frames
            .iter()
            .map(|f| serde_json::from_slice(&f.data).unwrap())
            .collect();
        assert!(texts[0].get("params").is_none(), "{}", texts[0]);
        assert_eq!(texts[0]["jsonrpc"], "2.0");
        assert_eq!(texts[0]["method"], "get-version");
        assert_eq!(texts[1]["params"], json!({}));
        assert!(texts[2].get("params").is_none(), "{}", texts[2]);
        // The envelope has exactly the keys Brayns accepts (unknown keys are rejected).
        for text in &texts {
            for key in text.as_object().unwrap().keys() {
                assert!(
                    ["jsonrpc", "id", "method", "params"].contains(&key.as_str()),
                    "{key}"
                );
            }
        }
    })
    .await;
}

#[derive(Serialize)]
struct Settings<'a> {
    name: &'a str,
    size: [u32; 2],
}

#[derive(Deserialize, Debug, PartialEq)]
struct Echoed {
    method: String,
    params: Value,
}

#[tokio::test]
async fn typed_request_round_trip_and_decode_error() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let echoed: Echoed = client
            .request_typed(
                "set-thing",
                Some(&Settings {
                    name: "x\"y",
                    size: [1, 2],
                }),
            )
            .await
            .unwrap();
        assert_eq!(echoed.method, "set-thing");
        assert_eq!(echoed.params, json!({"name": "x\"y", "size": [1, 2]}));

        let error = client
            .request_typed::<(), u32>("not-a-number", None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Deserialize { ref method, .. } if method == "not-a-number"),
            "{error}"
        );

        // The non-generic path exposes the raw result and borrows from it.
        let response = client
            .call(Request::new("raw").params_raw(serde_json::value::to_raw_value(&[1, 2]).unwrap()))
            .await
            .unwrap();
        assert_eq!(response.result_json(), r#"{"method":"raw","params":[1,2]}"#);
        #[derive(Deserialize)]
        struct Borrowed<'a> {
            method: &'a str,
        }
        assert_eq!(response.decode::<Borrowed<'_>>().unwrap().method, "raw");
        assert!(response.binary().is_empty());
    })
    .await;
}

/// Scientific users set values and read them back: every f64 must survive the trip through
/// the wire text exactly, which serde_json's default float parser does not guarantee (the
/// first value below came back 1 ULP off before `float_roundtrip` was enabled).
#[tokio::test]
async fn floats_decode_to_exactly_the_value_sent() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let sent = [
            -0.929_957_166_867_764_3,
            0.1 + 0.2,
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
            1.797_693_134_862_315_7e308,
            2.225_073_858_507_201e-308,
            123_456_789.123_456_79,
        ];
        #[derive(Deserialize)]
        struct Floats {
            params: Vec<f64>,
        }
        let echoed: Floats = client.request_typed("floats", Some(&sent)).await.unwrap();
        for (back, sent) in echoed.params.iter().zip(sent) {
            assert_eq!(
                back.to_bits(),
                sent.to_bits(),
                "{sent:e} came back as {back:e}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn notification_has_no_id_and_is_not_awaited() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        client
            .notify("set-animation-parameters", Some(json!({"frame": 3})))
            .await
            .unwrap();
        assert_eq!(client.pending_count(), 0);
        // The connection goes on; the echo server answered nothing for the notification.
        client.request("get-version", None).await.unwrap();
        let frames = server.recorded();
        let notification: Value = serde_json::from_slice(&frames[0].data).unwrap();
        assert_eq!(
            notification,
            json!({"jsonrpc": "2.0", "method": "set-animation-parameters", "params": {"frame": 3}})
        );
    })
    .await;
}

#[tokio::test]
async fn server_errors_keep_code_message_and_data() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                let id = request.id();
                match request.method() {
                    "bad-params" => {
                        conn.error(
                            &id,
                            ServerError::INVALID_PARAMS,
                            "Invalid params schema",
                            Some(json!(["size[0]: value below minimum 0 < 1"])),
                        )
                        .await
                    }
                    "domain" => {
                        conn.error(&id, 0, "The model does not have a color ramp", None)
                            .await
                    }
                    "cancelled" => conn.error(&id, 20, "Task has been cancelled", None).await,
                    _ => conn.error(&id, -32601, "Method 'x' not found", None).await,
                }
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();

        let error = client
            .request("bad-params", Some(json!({})))
            .await
            .unwrap_err();
        let Error::Server(server_error) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(server_error.code, ServerError::INVALID_PARAMS);
        assert_eq!(server_error.message, "Invalid params schema");
        assert_eq!(
            server_error.data,
            Some(json!(["size[0]: value below minimum 0 < 1"]))
        );

        let error = client.request("domain", None).await.unwrap_err();
        assert_eq!(
            error.server_error().unwrap().code,
            ServerError::DOMAIN_ERROR
        );
        assert_eq!(error.server_error().unwrap().data, None);

        let error = client.request("cancelled", None).await.unwrap_err();
        assert!(
            matches!(error, Error::Cancelled(ref e) if e.code == ServerError::TASK_CANCELLED),
            "{error:?}"
        );

        let error = client.request("unknown", None).await.unwrap_err();
        assert!(matches!(error, Error::Server(ref e) if e.code == ServerError::METHOD_NOT_FOUND));
        assert_eq!(client.pending_count(), 0);
        assert!(client.is_connected());
    })
    .await;
}

#[tokio::test]
async fn client_is_shared_across_spawned_tasks() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let reply = client.request(format!("m{i}"), None).await.unwrap();
                    assert_eq!(reply["method"], format!("m{i}"));
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        assert!(server.recorded().iter().all(|r| r.kind == Kind::Text));
    })
    .await;
}

#[tokio::test]
async fn default_request_timeout_applies_and_request_timeout_overrides() {
    bounded(async {
        // Answers after 300 ms.
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                tokio::time::sleep(Duration::from_millis(300)).await;
                conn.reply(&request.id(), Value::Null).await;
            }
        })
        .await;
        let client = Connector::new(server.uri())
            .request_timeout(Some(Duration::from_millis(50)))
            .connect()
            .await
            .unwrap();
        let error = client.request("slow", None).await.unwrap_err();
        assert!(
            matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(50))
        );
        let response = client
            .call(Request::new("slow").timeout(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(response.result_json(), "null");
    })
    .await;
}
