//! PROTOCOL §6–§10: one request at a time across clients, progress before the reply, cancel
//! semantics and messages, disconnection and quit.

mod common;

use std::time::Duration;

use brayns_mock::{MockServer, TaskOutcome};
use common::{Incoming, TIMEOUT, connect, error};
use serde_json::{Value, json};

async fn slow_mock() -> MockServer {
    // Long enough steps that a cancel reliably lands while the task runs.
    MockServer::builder()
        .step_duration(Duration::from_millis(60))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn progress_comes_before_the_reply() {
    let mock = MockServer::builder()
        .progress_steps(4)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("x.png");
    let id = client
        .request(
            "snapshot",
            Some(json!({"file_path": path.to_str().unwrap()})),
        )
        .await;
    let mut amounts = Vec::new();
    loop {
        let message = client.recv().await;
        let json = message.json().clone();
        if json.get("id") == Some(&json!(id)) {
            assert_eq!(
                json["result"],
                json!({"color_buffer": {"offset": 0, "size": 0}})
            );
            break;
        }
        assert!(
            json.get("id").is_none(),
            "progress has no top-level id: {json}"
        );
        assert_eq!(json["jsonrpc"], "2.0");
        assert_eq!(json["method"], "snapshot");
        assert_eq!(json["params"]["id"], id);
        assert_eq!(json["params"]["operation"], "Rendering snapshot ...");
        amounts.push(json["params"]["amount"].as_f64().unwrap());
    }
    assert_eq!(amounts, vec![0.0, 0.25, 0.5, 0.75]);

    // add-model progress uses the loader's text; upload-model starts with "Model uploaded" at 0.5.
    let mesh = common::obj_file();
    let path = mesh.to_str().unwrap();
    let id = client
        .request(
            "add-model",
            Some(json!({"path": path, "loader_name": "mesh", "loader_properties": null})),
        )
        .await;
    let first = client.recv().await.json().clone();
    assert_eq!(first["method"], "add-model");
    assert_eq!(first["params"]["operation"], format!("Loading {path} ..."));
    assert!(client.response(id).await.json()["result"].is_array());

    client
        .send_binary(
            &json!({"jsonrpc": "2.0", "id": 77, "method": "upload-model", "params": {"type": "obj", "loader_name": "mesh", "loader_properties": null}}),
            common::TRIANGLE_OBJ.as_bytes(),
        )
        .await;
    let first = client.recv().await.json().clone();
    assert_eq!(
        first["params"],
        json!({"amount": 0.5, "id": 77, "operation": "Model uploaded"})
    );
    mock.stop().await;
}

#[tokio::test]
async fn one_request_at_a_time_across_clients() {
    let mock = MockServer::builder()
        .latency("get-scene", Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut a = connect(&mock.uri()).await;
    let mut b = connect(&mock.uri()).await;
    a.request("get-scene", None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    b.call("get-version", None).await;
    // b's request queued behind a's slow one.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "b ran while a's request was executing"
    );
    a.response(1).await;
    // Validation errors overtake queued work.
    a.request("get-scene", None).await;
    let id = a.request("no-such-method", None).await;
    let reply = a.recv().await;
    assert_eq!(reply.json()["id"], id, "the validation error comes first");
    mock.stop().await;
}

#[tokio::test]
async fn cancel_running_task_replies_first_then_code_20() {
    let mock = slow_mock().await;
    let mut client = connect(&mock.uri()).await;
    let target = client.request("snapshot", Some(json!({}))).await;
    // Wait until it runs (first progress).
    let progress = client.recv().await.json().clone();
    assert_eq!(progress["params"]["id"], target);
    let cancel = client.request("cancel", Some(json!({"id": target}))).await;
    let mut finals = Vec::new();
    while finals.len() < 2 {
        let message = client.recv().await.json().clone();
        if message.get("id").is_some() {
            finals.push(message);
        }
    }
    assert_eq!(
        finals[0],
        json!({"id": cancel, "jsonrpc": "2.0", "result": null})
    );
    assert_eq!(
        finals[1],
        json!({"error": {"code": 20, "message": "Task has been cancelled"}, "id": target, "jsonrpc": "2.0"})
    );
    let log = mock.task_log();
    assert_eq!(
        log.outcomes_of(&json!(target)),
        vec![TaskOutcome::Started, TaskOutcome::Cancelled]
    );

    // Cancelling it again: it is finished, so nothing is found.
    let problem = client
        .call_error("cancel", Some(json!({"id": target})))
        .await;
    assert_eq!(problem["code"], -32602);
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.starts_with("No requests found with ID ") && message.ends_with('.'),
        "{message}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn cancel_queued_task_and_failures() {
    let mock = MockServer::builder()
        .latency("get-scene", Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    let blocker = client.request("get-scene", None).await;
    let queued = client
        .request("export-gbuffers", Some(json!({"channels": ["color"]})))
        .await;
    let sync = client.request("get-version", None).await;
    client
        .send_json(&json!({"jsonrpc": "2.0", "id": "s", "method": "snapshot", "params": {}}))
        .await;

    assert_eq!(
        client.call("cancel", Some(json!({"id": queued}))).await,
        Value::Null
    );
    assert_eq!(
        client
            .call_error("cancel", Some(json!({"id": queued})))
            .await,
        error(-32602, &format!("Request {queued} already cancelled"))
    );
    assert_eq!(
        client.call("cancel", Some(json!({"id": "s"}))).await,
        Value::Null
    );
    assert_eq!(
        client.call_error("cancel", Some(json!({"id": "s"}))).await,
        error(-32602, "Request 's' already cancelled")
    );
    assert_eq!(
        client.call_error("cancel", Some(json!({"id": sync}))).await,
        error(-32602, "Method 'get-version' is not cancellable.")
    );
    assert_eq!(
        client.call_error("cancel", Some(json!({"id": null}))).await,
        error(-32602, "Empty task ID")
    );
    // Ids match by type and value: "2" is not 2.
    let by_type = client
        .call_error("cancel", Some(json!({"id": queued.to_string()})))
        .await;
    assert!(
        by_type["message"]
            .as_str()
            .unwrap()
            .starts_with("No requests found with ID ")
    );

    // Another client cannot cancel it.
    let mut other = connect(&mock.uri()).await;
    let foreign = other
        .call_error("cancel", Some(json!({"id": blocker})))
        .await;
    assert!(
        foreign["message"]
            .as_str()
            .unwrap()
            .starts_with("No requests found with ID ")
    );

    assert!(client.response(blocker).await.json()["result"].is_object());
    assert_eq!(
        client.response(queued).await.json()["error"],
        error(20, "Task has been cancelled")
    );
    assert_eq!(client.response(sync).await.json()["result"]["major"], 3);
    let reply = loop {
        let message = client.recv().await.json().clone();
        if message.get("id") == Some(&json!("s")) {
            break message;
        }
    };
    assert_eq!(reply["error"], error(20, "Task has been cancelled"));
    // The cancelled queued tasks never ran (no progress, no Started).
    assert_eq!(
        mock.task_log().outcomes_of(&json!(queued)),
        vec![TaskOutcome::Cancelled]
    );
    mock.stop().await;
}

#[tokio::test]
async fn disconnect_drops_queued_requests_and_aborts_downloads() {
    let mock = MockServer::builder()
        .step_duration(Duration::from_millis(40))
        .progress_steps(50)
        .latency("get-scene", Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut leaver = connect(&mock.uri()).await;
    leaver.request("snapshot", Some(json!({}))).await; // id 1, downloading
    leaver.request("get-version", None).await; // id 2, queued
    // Wait until the snapshot runs, then leave.
    let progress = leaver.recv().await.json().clone();
    assert_eq!(progress["method"], "snapshot");
    drop(leaver);
    let log = mock.task_log();
    tokio::time::timeout(
        TIMEOUT,
        log.wait_until(|events| events.iter().any(|e| e.outcome == TaskOutcome::Dropped)),
    )
    .await
    .expect("the queued request is dropped");
    let events = log.events();
    assert!(
        events
            .iter()
            .any(|e| e.method == "snapshot" && e.outcome == TaskOutcome::Aborted),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.method == "get-version" && e.outcome == TaskOutcome::Dropped),
        "{events:?}"
    );

    mock.stop().await;
}

#[tokio::test]
async fn add_model_keeps_running_when_its_client_leaves() {
    let mock = MockServer::builder()
        .step_duration(Duration::from_millis(40))
        .progress_steps(8)
        .start()
        .await
        .unwrap();
    let mut keeper = connect(&mock.uri()).await;
    let mut leaver = connect(&mock.uri()).await;
    let mesh = common::obj_file();
    let params =
        json!({"path": mesh.to_str().unwrap(), "loader_name": "mesh", "loader_properties": null});
    let id = leaver.request("add-model", Some(params)).await;
    leaver.recv().await;
    drop(leaver);
    let log = mock.task_log();
    let finished = |events: &[brayns_mock::TaskEvent]| {
        events
            .iter()
            .any(|e| e.method == "add-model" && e.outcome != TaskOutcome::Started)
    };
    tokio::time::timeout(TIMEOUT, log.wait_until(finished))
        .await
        .expect("add-model finishes");
    assert_eq!(
        log.outcomes_of(&json!(id)),
        vec![TaskOutcome::Started, TaskOutcome::Completed]
    );
    let scene = keeper.call("get-scene", None).await;
    assert_eq!(scene["models"].as_array().unwrap().len(), 1);
    mock.stop().await;
}

#[tokio::test]
async fn quit_replies_drains_then_closes_every_connection() {
    let mock = MockServer::builder()
        .latency("get-scene", Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let mut a = connect(&mock.uri()).await;
    let mut b = connect(&mock.uri()).await;
    let before = a.request("get-scene", None).await;
    let quit = a.request("quit", None).await;
    let after = a.request("get-scene", None).await;
    assert_eq!(a.recv().await.json()["id"], before);
    assert_eq!(
        a.recv().await.json(),
        &json!({"id": quit, "jsonrpc": "2.0", "result": null})
    );
    // The rest of the queue still executes.
    assert_eq!(a.recv().await.json()["id"], after);
    a.expect_closed().await;
    b.expect_closed().await;
    tokio::time::timeout(TIMEOUT, mock.stopped())
        .await
        .expect("stopped");
    assert!(mock.is_stopped());
    assert!(
        tokio::net::TcpStream::connect(mock.addr()).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn healthz_answers_ok_on_plain_http() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mock = common::mock().await;
    let mut stream = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("\r\n\r\nOk"), "{response}");
    // The websocket path is ignored.
    let mut client = common::handshake(
        &mock.uri(),
        tokio::net::TcpStream::connect(mock.addr()).await.unwrap(),
    )
    .await;
    client.call("registry", None).await;
    let _ = Incoming::Closed;
    mock.stop().await;
}
