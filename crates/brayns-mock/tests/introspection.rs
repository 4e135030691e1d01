//! PROTOCOL §11: registry, schema, get-version and get-loaders come byte for byte from the
//! snapshot, and a different snapshot directory changes the answers.

mod common;

use std::path::{Path, PathBuf};

use brayns_mock::{MockServer, Snapshot};
use common::{TIMEOUT, connect, error};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/3.10.1")
}

/// Removes the whitespace outside strings: the compact form of the file, in file order.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

async fn raw_result(
    client: &mut common::Client<tokio::net::TcpStream>,
    method: &str,
    params: Option<Value>,
) -> String {
    let id = client.request(method, params).await;
    let message = tokio::time::timeout(TIMEOUT, client.ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Message::Text(text) = message else {
        panic!("a text reply")
    };
    let prefix = format!("{{\"id\":{id},\"jsonrpc\":\"2.0\",\"result\":");
    assert!(text.starts_with(&prefix) && text.ends_with('}'), "{text}");
    text[prefix.len()..text.len() - 1].to_owned()
}

#[tokio::test]
async fn introspection_is_byte_for_byte_the_snapshot() {
    let mock = common::mock().await;
    let mut client = connect(&mock.uri()).await;
    let dir = snapshot_dir();
    let file = |name: &str| minify(&std::fs::read_to_string(dir.join(name)).unwrap());
    assert_eq!(
        raw_result(&mut client, "registry", None).await,
        file("registry.json")
    );
    assert_eq!(
        raw_result(&mut client, "get-version", None).await,
        file("version.json")
    );
    assert_eq!(
        raw_result(&mut client, "get-loaders", None).await,
        file("loaders.json")
    );
    for method in [
        "snapshot",
        "cancel",
        "get-version",
        "add-model",
        "set-circuit-thickness",
    ] {
        let answer = raw_result(&mut client, "schema", Some(json!({"endpoint": method}))).await;
        assert_eq!(
            answer,
            file(&format!("entrypoints/{method}.json")),
            "{method}"
        );
    }
    assert_eq!(
        client
            .call_error("schema", Some(json!({"endpoint": "nope"})))
            .await,
        error(-32601, "Method 'nope' not found")
    );
    mock.stop().await;
}

#[tokio::test]
async fn every_registered_method_has_a_schema() {
    let snapshot = Snapshot::embedded();
    assert_eq!(snapshot.methods().len(), 90);
    let from_dir = Snapshot::from_dir(snapshot_dir()).unwrap();
    assert_eq!(from_dir.methods(), snapshot.methods());
    let mock = common::mock().await;
    let mut client = connect(&mock.uri()).await;
    let registry = client.call("registry", None).await;
    for method in registry.as_array().unwrap() {
        let schema = client
            .call("schema", Some(json!({"endpoint": method})))
            .await;
        assert_eq!(&schema["title"], method);
    }
    mock.stop().await;
}

#[tokio::test]
async fn an_edited_snapshot_serves_the_edits_and_drops_unlisted_schemas() {
    let snapshot = Snapshot::embedded()
        .edited(|path, json| match path {
            "version.json" => json["minor"] = 9.into(),
            "registry.json" => json
                .as_array_mut()
                .unwrap()
                .retain(|method| method != "get-scene"),
            "entrypoints/snapshot.json" => {
                json["params"]["properties"]["simulation_frame"]["maximum"] = 5.into()
            }
            _ => {}
        })
        .unwrap();
    assert!(
        snapshot.entrypoint("get-scene").is_none(),
        "its schema is left out"
    );
    let mock = MockServer::builder()
        .snapshot(snapshot)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    assert_eq!(client.call("get-version", None).await["minor"], 9);
    assert_eq!(
        client.call_error("get-scene", None).await,
        error(-32601, "Method 'get-scene' not found")
    );
    let schema = client
        .call("schema", Some(json!({"endpoint": "snapshot"})))
        .await;
    assert_eq!(
        schema["params"]["properties"]["simulation_frame"]["maximum"],
        5
    );
    mock.stop().await;
}

#[tokio::test]
async fn a_modified_snapshot_changes_the_answers() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir(dir.join("entrypoints")).unwrap();
    std::fs::write(
        dir.join("registry.json"),
        r#"["registry", "get-version", "echo-thing"]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("version.json"),
        r#"{"major": 9, "minor": 0, "patch": 0, "revision": "abc"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("loaders.json"), "[]").unwrap();
    for method in ["registry", "get-version"] {
        let original =
            std::fs::read_to_string(snapshot_dir().join(format!("entrypoints/{method}.json")))
                .unwrap();
        std::fs::write(dir.join(format!("entrypoints/{method}.json")), original).unwrap();
    }
    std::fs::write(
        dir.join("entrypoints/echo-thing.json"),
        r#"{"async": false, "deprecated": false, "description": "x", "plugin": "Test", "title": "echo-thing",
            "params": {"additionalProperties": false, "properties": {"n": {"type": "integer", "minimum": 2}}, "required": ["n"], "type": "object"},
            "returns": {"additionalProperties": false, "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "type": "object"}}"#,
    )
    .unwrap();
    let mock = MockServer::builder()
        .snapshot_dir(dir)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    // Brayns leaves the order unspecified (an unordered_map); a snapshot keeps it sorted.
    assert_eq!(
        client.call("registry", None).await,
        json!(["echo-thing", "get-version", "registry"])
    );
    assert_eq!(client.call("get-version", None).await["major"], 9);
    assert_eq!(
        client.call("echo-thing", Some(json!({"n": 3}))).await,
        json!({"ok": false})
    );
    assert_eq!(
        client.call_error("echo-thing", Some(json!({"n": 1}))).await,
        json!({"code": -32602, "message": "Invalid params schema", "data": ["n: value below minimum 1 < 2"]})
    );
    assert_eq!(
        client.call_error("get-scene", None).await,
        error(-32601, "Method 'get-scene' not found")
    );
    mock.stop().await;

    // A broken snapshot is a typed start error.
    std::fs::remove_file(dir.join("entrypoints/echo-thing.json")).unwrap();
    let failure = MockServer::builder()
        .snapshot_dir(dir)
        .start()
        .await
        .unwrap_err();
    assert!(failure.to_string().contains("echo-thing.json"), "{failure}");
}
