//! Requests above 256 KiB take the streaming path (validated while parsed): same answers.

mod common;

use common::{connect, error, mock};
use serde_json::{Value, json};

fn spheres(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| json!({"color": [1.0, 0.5, 0.25, 1.0], "geometry": {"center": [i as f64, 0.0, -1.0], "radius": 0.5}}))
            .collect(),
    )
}

#[tokio::test]
async fn large_geometry_requests_are_validated_and_bounded() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    // Over 1 MiB: parsed on the blocking pool too.
    let params = spheres(15000);
    assert!(params.to_string().len() > 1 << 20);
    let model = client.call("add-spheres", Some(params)).await;
    assert_eq!(
        model["bounds"],
        json!({"max": [14999.5, 0.5, -0.5], "min": [-0.5, -0.5, -1.5]})
    );

    let mut invalid = spheres(5000);
    invalid[4321]["geometry"]["radius"] = json!("big");
    invalid[17]["colour"] = json!(1);
    invalid[99]["color"] = json!([1.0]);
    let schema = mock
        .snapshot()
        .entrypoint("add-spheres")
        .unwrap()
        .params
        .clone()
        .unwrap();
    let expected = brayns_mock::validate(&schema, &invalid);
    assert_eq!(
        expected,
        vec![
            "[17]: unknown property 'colour'",
            "[99].color: item count below minimum 1 < 4",
            "[4321].geometry.radius: invalid type, expected number got string"
        ]
    );
    let reply = client.call_error("add-spheres", Some(invalid)).await;
    assert_eq!(
        reply,
        json!({"code": -32602, "message": "Invalid params schema", "data": expected})
    );
    mock.stop().await;
}

#[tokio::test]
async fn large_requests_get_the_same_errors() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client.call_error("get-version", Some(spheres(5000))).await,
        error(-32602, "This method takes no params")
    );
    let ids: Vec<u64> = (0..60_000).collect();
    assert_eq!(
        client
            .call_error("remove-model", Some(json!({"ids": ids})))
            .await,
        error(-32603, "No instance with id 0 was found")
    );

    // Invalid JSON and envelope problems in a large frame.
    let mut text =
        json!({"jsonrpc": "2.0", "id": 1, "method": "add-spheres", "params": spheres(5000)})
            .to_string();
    text.insert(text.len() - 2, ',');
    client.send_text(text).await;
    assert_eq!(client.recv().await.json()["error"]["code"], -32700);
    let text = json!({"jsonrpc": "2.0", "id": 1, "method": "add-spheres", "params": spheres(5000), "extra": 1}).to_string();
    client.send_text(text).await;
    assert_eq!(
        client.recv().await.json()["error"]["data"],
        json!(["unknown property 'extra'"])
    );
    let text =
        json!({"jsonrpc": "2.0", "method": "add-spheres", "params": spheres(5000)}).to_string();
    client.send_text(text).await;
    client.expect_silence().await;
    mock.stop().await;
}
