//! PROTOCOL §2.1, §3.2, §4: frame handling and the validation order, with the server's exact
//! codes, messages, `data` strings and ids.

mod common;

use common::{connect, connect_raw, error, mock};
use serde_json::{Value, json};

async fn first_error(uri: &str, text: &str) -> Value {
    let mut client = connect(uri).await;
    client.send_text(text).await;
    client.recv().await.json().clone()
}

#[tokio::test]
async fn invalid_json_is_a_parse_error_with_null_id() {
    let mock = mock().await;
    let reply = first_error(&mock.uri(), "{not json").await;
    assert_eq!(reply["id"], Value::Null);
    assert_eq!(reply["jsonrpc"], "2.0");
    assert_eq!(reply["error"]["code"], -32700);
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid JSON: '") && message.ends_with('\''),
        "{message}"
    );
    assert!(
        reply["error"].get("data").is_none(),
        "no data key without data"
    );

    let reply = first_error(&mock.uri(), "").await;
    assert_eq!(reply["error"]["code"], -32700);
    mock.stop().await;
}

#[tokio::test]
async fn envelope_schema_errors_list_problems() {
    let mock = mock().await;
    let uri = mock.uri();
    let cases = [
        (
            r#"{"jsonrpc":"2.0","id":1}"#,
            json!(["missing required property 'method'"]),
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"registry","foo":1}"#,
            json!(["unknown property 'foo'"]),
        ),
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"registry"}"#,
            json!(["id: invalid oneOf, no schemas match input"]),
        ),
        (
            r#"{"jsonrpc":"2.0","id":true,"method":"registry"}"#,
            json!(["id: invalid oneOf, no schemas match input"]),
        ),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"registry"}]"#,
            json!(["invalid type, expected object got array"]),
        ),
        (
            r#"{"jsonrpc":2,"id":1,"method":"registry"}"#,
            json!(["jsonrpc: invalid type, expected string got integer"]),
        ),
        (
            r#"{"id":1}"#,
            json!([
                "missing required property 'jsonrpc'",
                "missing required property 'method'"
            ]),
        ),
    ];
    for (text, data) in cases {
        let reply = first_error(&uri, text).await;
        assert_eq!(
            reply,
            json!({"error": {"code": -32600, "message": "Invalid JSON-RPC request schema", "data": data}, "id": null, "jsonrpc": "2.0"}),
            "{text}"
        );
    }
    mock.stop().await;
}

#[tokio::test]
async fn version_and_empty_method_errors_have_null_id() {
    let mock = mock().await;
    let reply = first_error(
        &mock.uri(),
        r#"{"jsonrpc":"1.0","id":3,"method":"registry"}"#,
    )
    .await;
    assert_eq!(
        reply["error"],
        error(-32600, "Unsupported JSON-RPC version: '1.0'")
    );
    assert_eq!(reply["id"], Value::Null);
    let reply = first_error(&mock.uri(), r#"{"jsonrpc":"2.0","id":3,"method":""}"#).await;
    assert_eq!(
        reply["error"],
        error(-32600, "No methods provided in request")
    );
    assert_eq!(reply["id"], Value::Null);
    // Steps 0-4 answer even notifications.
    let reply = first_error(&mock.uri(), r#"{"jsonrpc":"2.0","method":""}"#).await;
    assert_eq!(
        reply["error"],
        error(-32600, "No methods provided in request")
    );
    mock.stop().await;
}

#[tokio::test]
async fn unknown_method_and_params_errors_carry_the_request_id() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let unknown = client.call_error("exit-later", None).await;
    assert_eq!(unknown, error(-32601, "Method 'exit-later' not found"));
    assert_eq!(
        client.call_error("Registry", None).await,
        error(-32601, "Method 'Registry' not found")
    );

    assert_eq!(
        client.call_error("get-version", Some(json!({}))).await,
        error(-32602, "This method takes no params")
    );
    assert_eq!(
        client.call_error("registry", Some(json!([]))).await,
        error(-32602, "This method takes no params")
    );
    // Absent or null params are fine for no-param methods.
    client.call("get-version", Some(Value::Null)).await;

    let invalid =
        |data: Value| json!({"code": -32602, "message": "Invalid params schema", "data": data});
    assert_eq!(
        client.call_error("snapshot", None).await,
        invalid(json!(["invalid type, expected object got null"]))
    );
    assert_eq!(
        client
            .call_error(
                "snapshot",
                Some(json!({"image_settings": {"size": [1.5, -1, 3]}, "foo": 1}))
            )
            .await,
        invalid(json!([
            "unknown property 'foo'",
            "image_settings.size[0]: invalid type, expected integer got number",
            "image_settings.size[1]: value below minimum -1 < 0",
            "image_settings.size: item count above maximum 3 > 2"
        ]))
    );
    assert_eq!(
        client
            .call_error("render-image", Some(json!({"jpeg_quality": 101})))
            .await,
        invalid(json!(["jpeg_quality: value above maximum 101 > 100"]))
    );
    assert_eq!(
        client
            .call_error(
                "export-gbuffers",
                Some(json!({"channels": ["color", "rgb"], "resolution": [1]}))
            )
            .await,
        invalid(json!([
            "channels[1]: invalid enum 'rgb' not in ['color', 'depth', 'albedo', 'normal']",
            "resolution: item count below minimum 1 < 2"
        ]))
    );
    assert_eq!(
        client
            .call_error("set-simulation-parameters", Some(json!({"dt": 1.0})))
            .await,
        invalid(json!(["read only property 'dt'"]))
    );
    assert_eq!(
        client.call_error("get-model", Some(json!({}))).await,
        invalid(json!(["missing required property 'id'"]))
    );
    assert_eq!(
        client.call_error("cancel", Some(json!({}))).await,
        invalid(json!(["missing required property 'id'"]))
    );
    assert_eq!(
        client.call_error("cancel", Some(json!({"id": 1.5}))).await,
        invalid(json!(["id: invalid oneOf, no schemas match input"]))
    );
    // A field set to null is checked against its default: allowed with one, refused without.
    client
        .call("render-image", Some(json!({"send": null, "format": "png"})))
        .await;
    assert_eq!(
        client
            .call_error("schema", Some(json!({"endpoint": null})))
            .await,
        invalid(json!(["endpoint: invalid type, expected string got null"]))
    );
    mock.stop().await;
}

#[tokio::test]
async fn notifications_get_nothing_after_parsing() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "method": "get-version"}))
        .await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "id": null, "method": "registry"}))
        .await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "method": "no-such-method"}))
        .await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "method": "get-model", "params": {}}))
        .await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "method": "snapshot", "params": {}}))
        .await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "method": "get-model", "params": {"id": 99}}))
        .await;
    client.expect_silence().await;
    // The notifications did execute.
    let log = mock.task_log();
    assert!(log.events().iter().any(|event| event.method == "snapshot"));
    mock.stop().await;
}

#[tokio::test]
async fn ids_echo_their_json_type() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    for id in [
        json!("abc"),
        json!(""),
        json!(-7),
        json!(9_007_199_254_740_993_i64),
    ] {
        client
            .send_json(&json!({"jsonrpc": "2.0", "id": id, "method": "get-version"}))
            .await;
        let reply = client.recv().await.json().clone();
        assert_eq!(reply["id"], id);
        assert_eq!(reply["result"]["major"], 3);
    }
    mock.stop().await;
}

#[tokio::test]
async fn ids_beyond_int64_are_internal_errors_with_null_id() {
    let mock = mock().await;
    let reply = first_error(
        &mock.uri(),
        r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"registry"}"#,
    )
    .await;
    assert_eq!(reply["id"], Value::Null);
    assert_eq!(reply["error"]["code"], -32603);
    mock.stop().await;
}

#[tokio::test]
async fn binary_requests_and_header_errors() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    // Any method may come as a binary frame; the payload is ignored.
    client
        .send_binary(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "get-version"}),
            b"ignored",
        )
        .await;
    assert_eq!(client.recv().await.json()["result"]["minor"], 10);

    client.send_raw_binary(vec![1, 0]).await;
    assert_eq!(
        client.recv().await.json(),
        &json!({"error": {"code": -32700, "message": "Invalid JSON: 'Invalid binary packet, expected at least 4 bytes for the JSON size.'"}, "id": null, "jsonrpc": "2.0"})
    );
    client.send_raw_binary(vec![100, 0, 0, 0, b'{', b'}']).await;
    assert_eq!(
        client.recv().await.json()["error"],
        error(
            -32700,
            "Invalid JSON: 'Invalid binary packet, JSON size too bi: 100'"
        )
    );
    mock.stop().await;
}

#[tokio::test]
async fn continuation_frames_are_rejected_and_control_frames_disconnect() {
    let mock = mock().await;
    let uri = mock.uri();
    let mut raw = connect_raw(&uri).await;
    raw.frame(0x80, br#"{"jsonrpc":"2.0","id":1,"method":"registry"}"#)
        .await;
    assert_eq!(
        raw.read_json().await,
        json!({"error": {"code": -32600, "message": "Expected text or binary request"}, "id": null, "jsonrpc": "2.0"})
    );
    // A non-final text frame is parsed alone.
    raw.frame(0x01, br#"{"jsonrpc":"2.0","id":1,"#).await;
    assert_eq!(raw.read_json().await["error"]["code"], -32700);
    // Unmasked frames are accepted too (Poco does not check).
    use tokio::io::AsyncWriteExt;
    let text = br#"{"jsonrpc":"2.0","id":2,"method":"get-version"}"#;
    let mut frame = vec![0x81, text.len() as u8];
    frame.extend_from_slice(text);
    raw.stream.write_all(&frame).await.unwrap();
    assert_eq!(raw.read_json().await["id"], 2);

    for opcode in [0x89u8, 0x8a, 0x88] {
        let mut raw = connect_raw(&uri).await;
        raw.frame(opcode, b"").await;
        raw.expect_eof().await;
    }
    // A ping through a websocket library ends the connection the same way.
    let mut client = connect(&uri).await;
    use futures_util::SinkExt;
    client
        .ws
        .send(tokio_tungstenite::tungstenite::Message::Ping(
            Default::default(),
        ))
        .await
        .unwrap();
    client.expect_closed().await;
    mock.stop().await;
}

/// The exact bytes of replies and errors: compact, every object's keys in alphabetical order as
/// the server's Poco JSON writes them (`code`, `data`, `message`; then `error`, `id`, `jsonrpc`).
#[tokio::test]
async fn replies_and_errors_are_compact_with_sorted_keys() {
    let mock = mock().await;
    let mut raw = connect_raw(&mock.uri()).await;
    let mut exchange = async |request: &str| {
        raw.frame(0x81, request.as_bytes()).await;
        let (first, payload) = raw.read().await.expect("a reply");
        assert_eq!(first, 0x81, "a final text frame");
        String::from_utf8(payload).unwrap()
    };
    assert_eq!(
        exchange(r#"{"jsonrpc":"2.0","id":1,"method":"get-model","params":{"x":1}}"#).await,
        r#"{"error":{"code":-32602,"data":["unknown property 'x'","missing required property 'id'"],"message":"Invalid params schema"},"id":1,"jsonrpc":"2.0"}"#
    );
    assert_eq!(
        exchange(r#"{"jsonrpc":"2.0","id":"a","method":"nope"}"#).await,
        r#"{"error":{"code":-32601,"message":"Method 'nope' not found"},"id":"a","jsonrpc":"2.0"}"#
    );
    assert_eq!(
        exchange(r#"{"jsonrpc":"2.0","id":2,"method":"get-camera-type"}"#).await,
        r#"{"id":2,"jsonrpc":"2.0","result":"perspective"}"#
    );
    mock.stop().await;
}

/// PROTOCOL §4 step 9b: the `renderer` and `camera` objects of snapshot and export-gbuffers go
/// through the engine factories (renderer first) before anything renders, so their errors come
/// with no progress before them.
#[tokio::test]
async fn engine_objects_are_checked_before_rendering() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    // The first message for the request is its error.
    let mut first_answer = async |method: &str, params: Value| {
        let id = client.request(method, Some(params)).await;
        let message = client.recv().await;
        let message = message.json();
        assert_eq!(message["id"], id, "no progress before the error: {message}");
        message["error"].clone()
    };
    let engine_error = |data: Value| json!({"code": -32602, "data": data, "message": "Invalid engine JSON schema"});
    assert_eq!(
        first_answer(
            "snapshot",
            json!({"camera": {"name": "perspective", "params": {"fovy": "wide"}}}),
        )
        .await,
        engine_error(json!(["fovy: invalid type, expected number got string"]))
    );
    assert_eq!(
        first_answer(
            "export-gbuffers",
            json!({"channels": ["color"], "camera": {"name": "orthographic", "params": {}}}),
        )
        .await,
        engine_error(json!(["missing required property 'height'"]))
    );
    // Without params a known type is validated against null.
    assert_eq!(
        first_answer("snapshot", json!({"renderer": {"name": "production"}})).await,
        engine_error(json!(["invalid type, expected object got null"]))
    );
    // An unknown name (camera settings are not camera types); the renderer comes first.
    assert_eq!(
        first_answer(
            "snapshot",
            json!({"camera": {"name": "view", "params": {}}})
        )
        .await,
        error(-32603, "Unknown type name view")
    );
    assert_eq!(
        first_answer(
            "export-gbuffers",
            json!({"channels": ["depth"], "camera": {"name": "fisheye"}, "renderer": {"name": "fancy"}}),
        )
        .await,
        error(-32603, "Unknown type name fancy")
    );
    // Valid objects, or none named (params unread), render; the instance's own camera and
    // renderer stay as they were.
    let valid = [
        json!({"camera": {"name": "orthographic", "params": {"height": 2.0}}, "renderer": {"name": "production", "params": {"samples_per_pixel": 2}}}),
        json!({"camera": {"name": "", "params": 5}, "renderer": {}}),
    ];
    for params in valid {
        let mut with_size = params.clone();
        with_size["image_settings"] = json!({"size": [64, 64]});
        let id = client.request("snapshot", Some(with_size)).await;
        let reply = client.response(id).await;
        assert!(reply.json().get("result").is_some(), "{params}: {reply:?}");
        let mut gbuffers = params;
        gbuffers["channels"] = json!(["color"]);
        gbuffers["resolution"] = json!([64, 64]);
        let id = client.request("export-gbuffers", Some(gbuffers)).await;
        assert!(client.response(id).await.json().get("result").is_some());
    }
    assert_eq!(client.call("get-camera-type", None).await, "perspective");
    assert_eq!(client.call("get-renderer-type", None).await, "interactive");
    mock.stop().await;
}
