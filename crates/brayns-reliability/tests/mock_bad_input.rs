//! Bad input to the mock server, generated: random frames and JSON envelopes get the real
//! server's error codes and ids (PROTOCOL §4, computed here by an independent oracle), and the
//! mock keeps answering valid requests on the same connection afterwards.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use brayns_mock::MockServer;
use brayns_mock::codes::{INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR};
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use support::{binary_frame, bounded};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// One mock for every case, on its own runtime: a crash in any case fails the later ones.
fn mock_uri() -> &'static str {
    static MOCK: OnceLock<(brayns_mock::BackgroundMockServer, String)> = OnceLock::new();
    let (_, uri) = MOCK.get_or_init(|| {
        let mock = MockServer::builder()
            .start_in_background()
            .expect("mock starts");
        let uri = mock.uri();
        (mock, uri)
    });
    uri
}

/// What the server must send back for one frame.
#[derive(Debug, PartialEq)]
enum Expected {
    /// Nothing (a valid notification, or an error after step 4 for a notification).
    Nothing,
    /// An error with this code and id.
    Error(i64, Value),
    /// A result for this id.
    Result(Value),
}

/// PROTOCOL §4 steps 1–6 for a parsed JSON document (the methods used here have no queue-time
/// failures): `get-version` and `registry` take no params, `schema` takes `{"endpoint": string}`.
fn oracle(document: &Value) -> Expected {
    let invalid = Expected::Error(INVALID_REQUEST, Value::Null);
    let Some(envelope) = document.as_object() else {
        return invalid;
    };
    let allowed = ["jsonrpc", "id", "method", "params"];
    if envelope.keys().any(|key| !allowed.contains(&key.as_str())) {
        return invalid;
    }
    let (Some(Value::String(version)), Some(Value::String(method))) =
        (envelope.get("jsonrpc"), envelope.get("method"))
    else {
        return invalid;
    };
    let id = envelope.get("id").cloned().unwrap_or(Value::Null);
    let id_is_valid = match &id {
        Value::Null | Value::String(_) => true,
        Value::Number(number) => number.is_i64(),
        _ => false,
    };
    if !id_is_valid || version != "2.0" || method.is_empty() {
        return invalid;
    }
    // From step 5 on, notifications get nothing back.
    let answer = |outcome: Expected| {
        if id.is_null() {
            Expected::Nothing
        } else {
            outcome
        }
    };
    let params = envelope.get("params").unwrap_or(&Value::Null);
    match method.as_str() {
        "get-version" | "registry" if params.is_null() => answer(Expected::Result(id.clone())),
        "get-version" | "registry" => answer(Expected::Error(INVALID_PARAMS, id.clone())),
        "schema" => {
            let Some(object) = params.as_object() else {
                return answer(Expected::Error(INVALID_PARAMS, id.clone()));
            };
            match object.get("endpoint") {
                Some(Value::String(endpoint)) if object.len() == 1 => {
                    if ["get-version", "registry", "schema"].contains(&endpoint.as_str()) {
                        answer(Expected::Result(id.clone()))
                    } else {
                        answer(Expected::Error(METHOD_NOT_FOUND, id.clone()))
                    }
                }
                _ => answer(Expected::Error(INVALID_PARAMS, id.clone())),
            }
        }
        _ => answer(Expected::Error(METHOD_NOT_FOUND, id.clone())),
    }
}

/// The same for raw bytes of a text frame, or of the JSON part of a binary frame.
fn oracle_bytes(json: &[u8]) -> Expected {
    match serde_json::from_slice::<Value>(json) {
        Ok(document) => oracle(&document),
        Err(_) => Expected::Error(PARSE_ERROR, Value::Null),
    }
}

/// The same for a whole binary frame: u32 LE length, JSON, payload.
fn oracle_binary(frame: &[u8]) -> Expected {
    let Some(header) = frame.get(..4) else {
        return Expected::Error(PARSE_ERROR, Value::Null);
    };
    let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    match frame.get(4..).and_then(|rest| rest.get(..length)) {
        Some(json) => oracle_bytes(json),
        None => Expected::Error(PARSE_ERROR, Value::Null),
    }
}

/// A frame the test sends.
#[derive(Debug, Clone)]
enum Input {
    /// A text frame with any bytes (UTF-8 or not).
    Text(Vec<u8>),
    /// A text frame with a generated envelope.
    Envelope(Value),
    /// A binary frame with any bytes.
    Binary(Vec<u8>),
    /// A binary frame carrying a generated envelope and a payload.
    BinaryEnvelope(Value, Vec<u8>),
    /// A binary frame whose header claims more JSON than it holds.
    OversizedHeader(u32, Vec<u8>),
    /// A continuation frame (opcode 0) with data.
    Continuation(Vec<u8>),
}

impl Input {
    fn expected(&self) -> Expected {
        match self {
            Input::Text(bytes) => oracle_bytes(bytes),
            Input::Envelope(envelope) | Input::BinaryEnvelope(envelope, _) => oracle(envelope),
            Input::Binary(frame) => oracle_binary(frame),
            Input::OversizedHeader(..) => Expected::Error(PARSE_ERROR, Value::Null),
            Input::Continuation(_) => Expected::Error(INVALID_REQUEST, Value::Null),
        }
    }

    fn message(&self) -> Message {
        let frame =
            |opcode, payload: Vec<u8>| Message::Frame(Frame::message(payload, opcode, true));
        match self {
            Input::Text(bytes) => frame(OpCode::Data(Data::Text), bytes.clone()),
            Input::Envelope(envelope) => Message::Text(envelope.to_string().into()),
            Input::Binary(bytes) => Message::Binary(bytes.clone().into()),
            Input::BinaryEnvelope(envelope, payload) => {
                Message::Binary(binary_frame(&envelope.to_string(), payload).into())
            }
            Input::OversizedHeader(excess, json) => {
                let mut bytes = (json.len() as u32 + excess).to_le_bytes().to_vec();
                bytes.extend_from_slice(json);
                Message::Binary(bytes.into())
            }
            Input::Continuation(bytes) => frame(OpCode::Data(Data::Continue), bytes.clone()),
        }
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,5}", inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Envelopes close to valid, so the generated cases reach every validation step.
fn envelope() -> impl Strategy<Value = Value> {
    let version = prop_oneof![6 => Just(json!("2.0")), 1 => Just(json!("1.0")), 1 => any_json()];
    let id = prop_oneof![
        4 => any::<i64>().prop_map(Value::from),
        2 => "[a-z0-9]{0,6}".prop_map(Value::String),
        1 => Just(Value::Null),
        1 => Just(json!(1.0)),
        1 => any_json(),
    ];
    let method = prop_oneof![
        3 => prop::sample::select(vec!["get-version", "registry", "schema", "", "no-such-method", "Get-Version"])
            .prop_map(Value::from),
        1 => any_json(),
    ];
    let params = prop_oneof![
        2 => Just(Value::Null),
        2 => prop::sample::select(vec!["get-version", "registry", "schema", "exit-later", ""])
            .prop_map(|endpoint| json!({"endpoint": endpoint})),
        1 => Just(json!({})),
        1 => Just(json!({"endpoint": "registry", "x": 1})),
        1 => any_json(),
    ];
    (
        prop::option::weighted(0.9, version),
        prop::option::weighted(0.8, id),
        prop::option::weighted(0.9, method),
        prop::option::weighted(0.5, params),
        prop::option::weighted(0.1, any_json()),
    )
        .prop_map(|(version, id, method, params, extra)| {
            let mut envelope = Map::new();
            for (key, value) in [
                ("jsonrpc", version),
                ("id", id),
                ("method", method),
                ("params", params),
                ("extra", extra),
            ] {
                if let Some(value) = value {
                    envelope.insert(key.to_owned(), value);
                }
            }
            Value::Object(envelope)
        })
}

fn input() -> impl Strategy<Value = Input> {
    let bytes = |max| prop::collection::vec(any::<u8>(), 0..max);
    prop_oneof![
        1 => bytes(48).prop_map(Input::Text),
        1 => any::<String>().prop_map(|text| Input::Text(text.into_bytes())),
        1 => any_json().prop_map(|value| Input::Text(value.to_string().into_bytes())),
        6 => envelope().prop_map(Input::Envelope),
        1 => bytes(48).prop_map(Input::Binary),
        2 => (envelope(), bytes(8)).prop_map(|(envelope, payload)| Input::BinaryEnvelope(envelope, payload)),
        1 => (1u32..u32::MAX / 2, bytes(16)).prop_map(|(excess, json)| Input::OversizedHeader(excess, json)),
        1 => bytes(16).prop_map(Input::Continuation),
    ]
}

type Ws = WebSocketStream<TcpStream>;

/// The next JSON message from the server (text, or the JSON part of a binary frame).
async fn next_json(ws: &mut Ws) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("the server answers")
        .expect("the server keeps the connection")
        .expect("a valid websocket message");
    match message {
        Message::Text(text) => serde_json::from_str(&text).expect("the server sends JSON"),
        Message::Binary(frame) => {
            let length = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
            serde_json::from_slice(&frame[4..4 + length]).expect("JSON part")
        }
        other => panic!("unexpected {other:?}"),
    }
}

async fn run_case(uri: &str, inputs: Vec<Input>) {
    let tcp = TcpStream::connect(uri).await.expect("the mock listens");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{uri}/"), tcp)
        .await
        .expect("the mock accepts connections");
    for (n, input) in inputs.iter().enumerate() {
        ws.send(input.message()).await.unwrap();
        // A valid request after each frame: everything the bad frame caused comes before it.
        let probe = format!("probe-{n}");
        ws.send(Message::Text(
            json!({"jsonrpc": "2.0", "id": probe, "method": "get-version"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        let mut seen = Vec::new();
        loop {
            let message = next_json(&mut ws).await;
            if message["id"] == probe {
                assert_eq!(
                    message["result"]["minor"], 10,
                    "the mock still answers: {message}"
                );
                break;
            }
            seen.push(message);
        }
        let expected = input.expected();
        match (&expected, seen.as_slice()) {
            (Expected::Nothing, []) => {}
            (Expected::Result(id), [reply]) => {
                assert_eq!(&reply["id"], id, "{input:?}: {reply}");
                assert!(reply.get("result").is_some(), "{input:?}: {reply}");
            }
            (Expected::Error(code, id), [reply]) => {
                assert_eq!(reply["error"]["code"], *code, "{input:?}: {reply}");
                assert_eq!(&reply["id"], id, "{input:?}: {reply}");
                assert!(reply["error"]["message"].is_string(), "{input:?}: {reply}");
            }
            _ => panic!("{input:?}: expected {expected:?}, got {seen:?}"),
        }
    }
    let _ = ws.close(None).await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_bad_frame_gets_the_real_error_and_the_mock_keeps_serving(
        inputs in prop::collection::vec(input(), 1..8),
    ) {
        // Started outside any runtime: the mock brings its own.
        let uri = mock_uri();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(bounded(run_case(uri, inputs)));
    }
}

#[test]
fn the_oracle_agrees_with_the_protocol_table() {
    // Spot checks of the oracle itself against PROTOCOL §4 / §12.
    let error = |code, id| Expected::Error(code, id);
    assert_eq!(oracle_bytes(b"{"), error(PARSE_ERROR, Value::Null));
    assert_eq!(oracle(&json!([])), error(INVALID_REQUEST, Value::Null));
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 1, "method": "get-version", "x": 1})),
        error(INVALID_REQUEST, Value::Null)
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "1.0", "id": 1, "method": "get-version"})),
        error(INVALID_REQUEST, Value::Null)
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 1, "method": ""})),
        error(INVALID_REQUEST, Value::Null)
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 1.5, "method": "registry"})),
        error(INVALID_REQUEST, Value::Null)
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 7, "method": "nope"})),
        error(METHOD_NOT_FOUND, json!(7))
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "method": "nope"})),
        Expected::Nothing
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": "a", "method": "registry", "params": {}})),
        error(INVALID_PARAMS, json!("a"))
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 2, "method": "schema"})),
        error(INVALID_PARAMS, json!(2))
    );
    assert_eq!(
        oracle(
            &json!({"jsonrpc": "2.0", "id": 2, "method": "schema", "params": {"endpoint": "x"}})
        ),
        error(METHOD_NOT_FOUND, json!(2))
    );
    assert_eq!(
        oracle(&json!({"jsonrpc": "2.0", "id": 3, "method": "get-version", "params": null})),
        Expected::Result(json!(3))
    );
    assert_eq!(oracle_binary(&[1, 0]), error(PARSE_ERROR, Value::Null));
    assert_eq!(
        oracle_binary(&[9, 0, 0, 0, b'{']),
        error(PARSE_ERROR, Value::Null)
    );
}
