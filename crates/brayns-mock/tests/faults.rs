//! Fault injection knobs, the connection limit, and TLS.

mod common;

use std::time::{Duration, Instant};

use brayns_mock::{MalformedFrame, MockServer};
use common::{Incoming, TIMEOUT, connect, connect_raw};
use serde_json::json;

#[tokio::test]
async fn latency_delays_one_method() {
    let mock = MockServer::builder()
        .latency("get-version", Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    let started = Instant::now();
    client.call("get-version", None).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    mock.stop().await;
}

#[tokio::test]
async fn drop_after_messages_closes_without_close_frame() {
    let mock = MockServer::builder()
        .drop_after_messages(2)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    client.call("get-version", None).await;
    client.call("get-version", None).await;
    client.request("get-version", None).await;
    client.expect_closed().await;
    // Every connection gets the same budget.
    let mut again = connect(&mock.uri()).await;
    again.call("registry", None).await;
    mock.stop().await;
}

#[tokio::test]
async fn malformed_frames_replace_replies() {
    let mock = MockServer::builder()
        .malformed_frame("get-version", MalformedFrame::InvalidJson)
        .malformed_frame("registry", MalformedFrame::TruncatedBinaryHeader)
        .malformed_frame("get-scene", MalformedFrame::ReservedOpcode)
        .malformed_frame("get-loaders", MalformedFrame::InvalidUtf8)
        .start()
        .await
        .unwrap();
    let mut raw = connect_raw(&mock.uri()).await;
    let send = |method: &str| format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}"}}"#);
    raw.frame(0x81, send("get-version").as_bytes()).await;
    assert_eq!(raw.read().await.unwrap(), (0x81, b"{not json".to_vec()));
    raw.frame(0x81, send("registry").as_bytes()).await;
    assert_eq!(raw.read().await.unwrap(), (0x82, vec![0x10, 0, 0, 0, b'{']));
    raw.frame(0x81, send("get-scene").as_bytes()).await;
    assert_eq!(raw.read().await.unwrap().0, 0x83);
    raw.frame(0x81, send("get-loaders").as_bytes()).await;
    assert_eq!(
        raw.read().await.unwrap(),
        (0x81, vec![0xff, 0xfe, 0xfd, 0xfc])
    );
    // Other methods are unaffected.
    raw.frame(0x81, send("get-camera-type").as_bytes()).await;
    assert_eq!(raw.read_json().await["result"], "perspective");
    mock.stop().await;
}

#[tokio::test]
async fn refuse_connections_for_a_while() {
    let mock = MockServer::builder()
        .refuse_connections_for(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let refused = tokio::net::TcpStream::connect(mock.addr())
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut client = connect(&mock.uri()).await;
    client.call("get-version", None).await;
    mock.stop().await;
}

#[tokio::test]
async fn clients_beyond_max_clients_hang_in_the_handshake() {
    let mock = MockServer::builder().max_clients(1).start().await.unwrap();
    let first = connect(&mock.uri()).await;
    let stream = tokio::net::TcpStream::connect(mock.addr())
        .await
        .expect("TCP is accepted");
    let handshake = tokio_tungstenite::client_async(format!("ws://{}/", mock.uri()), stream);
    tokio::pin!(handshake);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut handshake)
            .await
            .is_err(),
        "the upgrade hangs"
    );
    drop(first);
    let (ws, _) = tokio::time::timeout(TIMEOUT, handshake)
        .await
        .expect("a freed slot serves it")
        .unwrap();
    drop(ws);
    mock.stop().await;
}

#[tokio::test]
async fn stop_closes_connections() {
    let mock = common::mock().await;
    let mut client = connect(&mock.uri()).await;
    client.call("get-version", None).await;
    mock.stop().await;
    client.expect_closed().await;
}

#[tokio::test]
async fn background_server_runs_on_its_own_runtime() {
    let handle =
        tokio::task::spawn_blocking(|| MockServer::builder().start_in_background().unwrap())
            .await
            .unwrap();
    let mut client = connect(&handle.uri()).await;
    assert_eq!(client.call("get-version", None).await["patch"], 1);
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
    client.expect_closed().await;
}

#[tokio::test]
async fn background_server_starts_and_stops_from_inside_a_runtime() {
    // What a user's #[tokio::test] does: no spawn_blocking around either call.
    let handle = MockServer::builder().start_in_background().unwrap();
    let mut client = connect(&handle.uri()).await;
    assert_eq!(client.call("get-version", None).await["patch"], 1);
    handle.stop();
    client.expect_closed().await;
}

#[tokio::test]
async fn tls_serves_wss_with_the_given_certificate() {
    let (cert_pem, key_pem, ca) = common::self_signed();
    let mock = MockServer::builder()
        .tls(cert_pem.clone(), key_pem)
        .start()
        .await
        .unwrap();
    let mut client = common::connect_tls(&mock.uri(), ca).await;
    assert_eq!(client.call("get-version", None).await["minor"], 10);
    let id = client
        .request(
            "snapshot",
            Some(json!({"image_settings": {"size": [64, 64]}})),
        )
        .await;
    assert!(matches!(client.response(id).await, Incoming::Binary(..)));

    // A bad key is a typed start error.
    let failure = MockServer::builder()
        .tls(cert_pem, "not a key")
        .start()
        .await
        .unwrap_err();
    assert!(
        failure
            .to_string()
            .starts_with("Cannot initialize server socket"),
        "{failure}"
    );
    mock.stop().await;
}
