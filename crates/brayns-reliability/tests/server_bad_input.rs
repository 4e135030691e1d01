//! Bad input from the server, generated: whatever garbage arrives between the real answers,
//! the client never panics, keeps the connection, and every pending call and task still gets
//! ITS OWN answer (checked by content).

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use brayns_rpc::{Connector, Request};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use support::{Peer, ScriptServer, binary_frame, bounded};

/// One frame the server sends that answers nothing legitimately.
#[derive(Debug, Clone)]
enum Junk {
    /// Any text (valid UTF-8, as a text frame must be).
    Text(String),
    /// Any bytes in a binary frame.
    Binary(Vec<u8>),
    /// A binary frame shorter than its 4-byte length header.
    TruncatedHeader(Vec<u8>),
    /// A binary frame whose header claims more JSON than the frame holds.
    OversizedHeader { excess: u32, body: Vec<u8> },
    /// A well-formed header around bytes that are not JSON.
    BinaryGarbage(Vec<u8>),
    /// JSON that is not an object.
    NotAnObject(Value),
    /// A reply, error or progress for an id nobody is waiting for.
    UnknownId { id: Value, kind: u8 },
    /// An error with `id: null` (the server's answer to a malformed request).
    NullIdError(i64),
    /// An object with a random mix of envelope keys and values.
    Envelope(Vec<(String, Value)>),
}

/// What the server sends, in order.
#[derive(Debug, Clone)]
enum Step {
    Junk(Junk),
    /// The correct answer to the n-th request received.
    Answer(usize),
    /// A second, wrong answer to the n-th request received (after its correct one).
    Duplicate(usize),
    /// A legitimate progress message for the task.
    TaskProgress,
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Ids no call of a fresh connection can have: the client's ids are small positive integers.
fn unknown_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        (1_000_000i64..i64::MAX).prop_map(Value::from),
        (i64::MIN..0i64).prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        Just(json!(1.5)),
        Just(json!([1])),
        Just(json!({"id": 1})),
    ]
}

fn junk() -> impl Strategy<Value = Junk> {
    let envelope_key = prop::sample::select(vec![
        "id", "jsonrpc", "method", "params", "result", "error", "x",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        any::<String>().prop_map(Junk::Text),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Junk::Binary),
        prop::collection::vec(any::<u8>(), 0..4).prop_map(Junk::TruncatedHeader),
        (
            1u32..u32::MAX / 2,
            prop::collection::vec(any::<u8>(), 0..32)
        )
            .prop_map(|(excess, body)| Junk::OversizedHeader { excess, body }),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(Junk::BinaryGarbage),
        json_value()
            .prop_filter("not an object", |value| !value.is_object())
            .prop_map(Junk::NotAnObject),
        (unknown_id(), 0u8..3).prop_map(|(id, kind)| Junk::UnknownId { id, kind }),
        any::<i64>().prop_map(Junk::NullIdError),
        prop::collection::vec((envelope_key, json_value()), 0..5).prop_map(Junk::Envelope),
    ]
}

impl Junk {
    async fn send(&self, peer: &mut Peer) {
        match self {
            Junk::Text(text) => peer.send_text(text.clone()).await,
            Junk::Binary(bytes) | Junk::TruncatedHeader(bytes) => {
                peer.send_binary(bytes.clone()).await
            }
            Junk::OversizedHeader { excess, body } => {
                let mut frame = (body.len() as u32 + excess).to_le_bytes().to_vec();
                frame.extend_from_slice(body);
                peer.send_binary(frame).await;
            }
            Junk::BinaryGarbage(bytes) => {
                let mut frame = (bytes.len() as u32).to_le_bytes().to_vec();
                frame.extend_from_slice(bytes);
                frame.extend_from_slice(b"payload");
                peer.send_binary(frame).await;
            }
            Junk::NotAnObject(value) => peer.send_text(value.to_string()).await,
            Junk::UnknownId { id, kind: 0 } => peer.reply(id, json!("not yours")).await,
            Junk::UnknownId { id, kind: 1 } => {
                let error = json!({"error": {"code": -32603, "message": "not yours"}, "id": id, "jsonrpc": "2.0"});
                peer.send_text(error.to_string()).await;
            }
            Junk::UnknownId { id, .. } => peer.progress(id, "snapshot", 0.25).await,
            Junk::NullIdError(code) => {
                let error = json!({"error": {"code": code, "message": "Invalid JSON: 'x'"}, "id": null, "jsonrpc": "2.0"});
                peer.send_text(error.to_string()).await;
            }
            Junk::Envelope(pairs) => {
                let object: serde_json::Map<String, Value> = pairs
                    .iter()
                    // An `id` key could name a real pending call: keep those ids unknown.
                    .map(|(key, value)| match (key.as_str(), value) {
                        ("id", Value::Number(n))
                            if n.as_i64().is_some_and(|n| (0..1_000_000).contains(&n)) =>
                        {
                            (
                                key.clone(),
                                json!(n.as_i64().unwrap_or_default() + 1_000_000),
                            )
                        }
                        _ => (key.clone(), value.clone()),
                    })
                    .collect();
                // Half of them go out as binary frames, like snapshot replies.
                if pairs.len() % 2 == 0 {
                    peer.send_text(Value::Object(object).to_string()).await;
                } else {
                    let text = Value::Object(object).to_string();
                    peer.send_binary(binary_frame(&text, b"\x00\x01")).await;
                }
            }
        }
    }
}

/// The server's script for one case: read every request, play the steps, then echo.
async fn play(mut peer: Peer, requests: usize, steps: Vec<Step>) {
    let mut received = Vec::with_capacity(requests);
    for _ in 0..requests {
        match peer.recv().await {
            Some(request) => received.push(request),
            None => return,
        }
    }
    let task = received
        .iter()
        .find(|request| request.method() == "snapshot")
        .map(|request| request.id());
    for step in steps {
        match step {
            Step::Junk(junk) => junk.send(&mut peer).await,
            Step::Answer(n) => {
                let request = &received[n];
                let result = json!({"method": request.method(), "params": request.params()});
                // Binary or text: the same method may answer either way.
                if n % 2 == 0 {
                    peer.reply(&request.id(), result).await;
                } else {
                    let text =
                        json!({"id": request.id(), "jsonrpc": "2.0", "result": result}).to_string();
                    peer.send_binary(binary_frame(&text, &[n as u8])).await;
                }
            }
            Step::Duplicate(n) => {
                peer.reply(&received[n].id(), json!("WRONG: a duplicate"))
                    .await
            }
            Step::TaskProgress => {
                if let Some(id) = &task {
                    peer.progress(id, "snapshot", 0.5).await;
                }
            }
        }
    }
    peer.echo().await;
}

/// Builds the server's order: junk, with each answer (and the task's progress, before the
/// task's answer) inserted at a generated place, and duplicates somewhere after their answer.
fn schedule(junk: Vec<Junk>, places: &[Index], duplicates: &[Option<Index>]) -> Vec<Step> {
    let mut steps: Vec<Step> = junk.into_iter().map(Step::Junk).collect();
    // Request 0 is the task: its progress goes first, then its answer somewhere after.
    steps.insert(places[0].index(steps.len() + 1), Step::TaskProgress);
    for (n, place) in places.iter().enumerate() {
        let floor = if n == 0 {
            steps
                .iter()
                .position(|step| matches!(step, Step::TaskProgress))
                .unwrap_or(0)
                + 1
        } else {
            0
        };
        let at = floor + place.index(steps.len() + 1 - floor);
        steps.insert(at, Step::Answer(n));
        if let Some(Some(after)) = duplicates.get(n) {
            let floor = at + 1;
            steps.insert(
                floor + after.index(steps.len() + 1 - floor),
                Step::Duplicate(n),
            );
        }
    }
    steps
}

async fn run_case(calls: usize, steps: Vec<Step>) {
    let plan = Arc::new(Mutex::new(Some(steps)));
    let server = ScriptServer::start(move |peer| {
        let steps = plan.lock().unwrap().take().unwrap_or_default();
        play(peer, calls + 1, steps)
    })
    .await;
    let client = Connector::new(server.uri()).connect().await.unwrap();
    let mut task = client
        .start_task(Request::new("snapshot").params_value(json!({"tag": "task"})))
        .unwrap();
    let pending: Vec<_> = (0..calls)
        .map(|tag| {
            let client = client.clone();
            tokio::spawn(async move { client.request("call", Some(json!({"tag": tag}))).await })
        })
        .collect();
    for (tag, call) in pending.into_iter().enumerate() {
        let answer = call.await.unwrap().expect("a legitimate call completes");
        assert_eq!(
            answer,
            json!({"method": "call", "params": {"tag": tag}}),
            "its own answer"
        );
    }
    let mut progress = Vec::new();
    while let Some(step) = task.next_progress().await {
        progress.push(step.amount);
    }
    assert_eq!(progress, [0.5], "only the task's own progress reaches it");
    let response = task.wait().await.expect("the task completes");
    assert_eq!(response.decode::<Value>().unwrap()["params"]["tag"], "task");
    assert!(
        client.is_connected(),
        "no single bad frame kills the connection"
    );
    assert_eq!(client.pending_count(), 0);
    let after = client.request("after", Some(json!([1, 2]))).await.unwrap();
    assert_eq!(after["params"], json!([1, 2]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn garbage_between_answers_never_costs_a_call(
        junk in prop::collection::vec(junk(), 0..16),
        places in prop::collection::vec(any::<Index>(), 1..8),
        duplicates in prop::collection::vec(prop::option::of(any::<Index>()), 8),
    ) {
        let calls = places.len() - 1;
        let steps = schedule(junk, &places, &duplicates);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(bounded(run_case(calls, steps)));
    }
}

#[tokio::test]
async fn websocket_protocol_violations_end_the_connection_cleanly() {
    // A reserved opcode breaks the websocket framing itself (RFC 6455 §5.2: the endpoint MUST
    // fail the connection; the byte stream can no longer be trusted). Brayns never sends one.
    // Guarantee: no panic, every pending call fails promptly with a disconnect error, later
    // calls fail fast. (A text frame that is not UTF-8 is only a bad message in a sound frame:
    // it is skipped, see the next tests.)
    for violation in 1..3u8 {
        bounded(async {
            let server = ScriptServer::start(move |mut peer| async move {
                let _ = peer.recv().await;
                match violation {
                    1 => {
                        use tokio_tungstenite::tungstenite::protocol::frame::coding::{
                            Data, OpCode,
                        };
                        peer.send_raw(OpCode::Data(Data::Reserved(3)), b"{}".to_vec())
                            .await;
                    }
                    _ => {
                        use tokio_tungstenite::tungstenite::protocol::frame::coding::{
                            Control, OpCode,
                        };
                        peer.send_raw(OpCode::Control(Control::Reserved(11)), Vec::new())
                            .await;
                    }
                }
                // Keep the socket open: the client must not wait for us.
                tokio::time::sleep(Duration::from_secs(30)).await;
            })
            .await;
            let client = Connector::new(server.uri()).connect().await.unwrap();
            let error = client.request("m", None).await.unwrap_err();
            assert!(error.is_disconnected(), "{violation}: {error:?}");
            assert!(!client.is_connected());
            assert!(
                client
                    .request("m", None)
                    .await
                    .unwrap_err()
                    .is_disconnected()
            );
        })
        .await;
    }
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_is_skipped_and_costs_no_call() {
    bounded(async {
        let server = ScriptServer::start(|mut peer| async move {
            while let Some(request) = peer.recv().await {
                // Garbage first, then the real answer: the garbage must cost nothing.
                peer.send_invalid_utf8_text(vec![b'{', 0xff, 0xfe, b'}'])
                    .await;
                peer.reply(&request.id(), json!(request.method())).await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        for method in ["first", "second"] {
            assert_eq!(client.request(method, None).await.unwrap(), method);
        }
        assert!(client.is_connected());
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn the_mocks_malformed_replies_cost_only_their_own_call() {
    use brayns_mock::{MalformedFrame, MockServer};
    bounded(async {
        // The malformed frame REPLACES the reply: a skipped frame leaves its call to its
        // timeout, and the connection keeps serving; a framing violation ends it.
        for (frame, survives) in [
            (MalformedFrame::InvalidJson, true),
            (MalformedFrame::TruncatedBinaryHeader, true),
            (MalformedFrame::InvalidUtf8, true),
            (MalformedFrame::ReservedOpcode, false),
        ] {
            let mock = MockServer::builder()
                .malformed_frame("get-version", frame)
                .start()
                .await
                .unwrap();
            let client = Connector::new(mock.uri()).connect().await.unwrap();
            let error = client
                .call(Request::new("get-version").timeout(Duration::from_millis(300)))
                .await
                .unwrap_err();
            if survives {
                assert!(
                    matches!(error, brayns_rpc::Error::Timeout { .. }),
                    "{frame:?}: {error:?}"
                );
                assert!(client.is_connected(), "{frame:?}");
                let camera = client.request("get-camera-type", None).await.unwrap();
                assert_eq!(camera, "perspective", "{frame:?}");
            } else {
                assert!(error.is_disconnected(), "{frame:?}: {error:?}");
                assert!(!client.is_connected(), "{frame:?}");
            }
            assert_eq!(client.pending_count(), 0);
            mock.stop().await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_server_dying_in_the_middle_of_a_frame_fails_the_call() {
    use tokio::io::AsyncWriteExt;
    bounded(async {
        // Accepts the upgrade, reads the request, then writes the header of a 1 MiB binary
        // frame and only 1,000 bytes of it before the process "dies".
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            use futures_util::StreamExt;
            let _request = ws.next().await;
            let tcp = ws.get_mut();
            let mut header = vec![0x82, 127];
            header.extend_from_slice(&(1u64 << 20).to_be_bytes());
            tcp.write_all(&header).await.unwrap();
            tcp.write_all(&[0u8; 1000]).await.unwrap();
            tcp.flush().await.unwrap();
        });
        let client = Connector::new(addr.to_string()).connect().await.unwrap();
        let error = client
            .request("snapshot", Some(json!({})))
            .await
            .unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
        assert!(!client.is_connected());
        server.await.unwrap();
    })
    .await;
}
