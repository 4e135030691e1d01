//! Tracing: INFO carries method, id and sizes; DEBUG adds payloads, truncated when large.

mod support;

use std::io;
use std::sync::{Arc, Mutex};

use brayns_rpc::{Connector, Request};
use serde_json::json;
use support::{Server, bounded};
use tracing::Level;

/// Collects formatted trace lines.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The subscriber is thread-scoped but tracing caches callsite interest process-wide: two
/// sessions installing subscribers at once can hide events from each other, so they take
/// turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs one text call with params and one binary call, capturing traces at `level`.
/// `#[tokio::test]` runs on one thread, so the thread-local subscriber sees the connection
/// task too.
async fn traced_session(level: Level) -> String {
    let _turn = ONE_AT_A_TIME.lock().await;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    bounded(async {
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                conn.reply_binary(&request.id(), json!({"ok": true}), &[0u8; 1234])
                    .await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let secret = "p".repeat(100_000);
        client
            .call(
                Request::new("set-thing")
                    .params(&json!({"a_marker": "visible-param", "big": secret}))
                    .unwrap(),
            )
            .await
            .unwrap();
        client
            .call(Request::new("upload-model").binary(vec![1u8; 77]))
            .await
            .unwrap();
    })
    .await;
    capture.text()
}

#[tokio::test(flavor = "current_thread")]
async fn info_traces_method_id_and_sizes_without_payloads() {
    let logs = traced_session(Level::INFO).await;
    let request = logs
        .lines()
        .find(|l| l.contains("request") && l.contains("method=set-thing"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(request.contains("id=1"), "{request}");
    assert!(request.contains("json="), "{request}");
    let reply = logs
        .lines()
        .find(|l| l.contains("reply") && l.contains("method=set-thing"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        reply.contains("id=1") && reply.contains("binary=1234"),
        "{reply}"
    );
    let upload = logs
        .lines()
        .find(|l| l.contains("request") && l.contains("method=upload-model"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        upload.contains("id=2") && upload.contains("binary=77"),
        "{upload}"
    );
    assert!(
        !logs.contains("visible-param"),
        "INFO must not carry payloads"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn debug_adds_truncated_payloads() {
    let logs = traced_session(Level::DEBUG).await;
    assert!(logs.contains("visible-param"), "{logs}");
    assert!(logs.contains(r#"{"ok":true}"#), "{logs}");
    // The 100 kB param is cut short.
    assert!(logs.len() < 20_000, "{} bytes of logs", logs.len());
    assert!(logs.contains("bytes)"), "{logs}");
}

/// A call that timed out gets its late reply (expected: DEBUG), and another call is answered
/// twice (the server or a proxy misbehaves: WARN).
#[tokio::test(flavor = "current_thread")]
async fn a_second_reply_to_an_answered_id_is_a_warning_a_late_reply_is_not() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let Some(late) = conn.recv().await else {
                return;
            };
            let Some(twice) = conn.recv().await else {
                return;
            };
            conn.reply(&twice.id(), json!("first")).await;
            conn.reply(&twice.id(), json!("second")).await;
            conn.reply(&late.id(), json!("late")).await;
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let late = client
            .call(Request::new("late").timeout(std::time::Duration::from_millis(50)))
            .await
            .unwrap_err();
        assert!(
            matches!(late, brayns_rpc::Error::Timeout { .. }),
            "{late:?}"
        );
        let twice = client.call(Request::new("twice")).await.unwrap();
        assert_eq!(twice.decode::<String>().unwrap(), "first");
        // Answered after the duplicate and the late reply: both were handled by then.
        client.call(Request::new("sync")).await.unwrap();
    })
    .await;
    let logs = capture.text();
    let second = logs
        .lines()
        .find(|line| line.contains("second reply"))
        .unwrap_or_else(|| panic!("no warning for the second reply: {logs}"));
    assert!(
        second.contains("WARN") && second.contains("id=2"),
        "{second}"
    );
    assert!(!logs.contains("id=1"), "the late reply is expected: {logs}");
}
