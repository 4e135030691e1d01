//! Tasks: progress notifications, result, cancel (both outcomes), drop.

mod support;

use std::time::Duration;

use brayns_rpc::{Connector, Error, Progress, Request, ServerError};
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{Server, bounded};

fn snapshot() -> Request {
    Request::new("snapshot").params(&json!({})).unwrap()
}

#[tokio::test]
async fn progress_then_result() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let request = conn.recv().await.unwrap();
            let id = request.id();
            for step in 1..=3 {
                conn.progress(
                    &id,
                    "snapshot",
                    "Rendering snapshot ...",
                    f64::from(step) / 4.0,
                )
                .await;
            }
            conn.reply_binary(
                &id,
                json!({"color_buffer": {"offset": 0, "size": 3}}),
                b"PNG",
            )
            .await;
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let mut task = client.start_task(snapshot()).unwrap();
        assert_eq!(task.method(), "snapshot");
        let mut seen = Vec::new();
        while let Some(progress) = task.next_progress().await {
            seen.push(progress);
        }
        assert_eq!(
            seen,
            [0.25, 0.5, 0.75]
                .map(|amount| Progress {
                    operation: "Rendering snapshot ...".into(),
                    amount
                })
                .to_vec()
        );
        let response = task.await.unwrap();
        assert_eq!(response.binary().as_ref(), b"PNG");
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn progress_stream_and_wait() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let request = conn.recv().await.unwrap();
            let id = request.id();
            conn.progress(&id, "add-model", "Loading", 0.5).await;
            conn.progress(&id, "add-model", "Loading", 1.0).await;
            conn.reply(&id, json!([{"model_id": 0}])).await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let mut task = client
            .start_task(
                Request::new("add-model")
                    .params(&json!({"path": "a"}))
                    .unwrap(),
            )
            .unwrap();
        let amounts: Vec<f64> = task.progress().map(|p| p.amount).collect().await;
        assert_eq!(amounts, [0.5, 1.0]);
        let result: Value = task.wait().await.unwrap().decode().unwrap();
        assert_eq!(result, json!([{"model_id": 0}]));
    })
    .await;
}

#[tokio::test]
async fn progress_for_a_plain_call_or_unknown_id_is_skipped() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let request = conn.recv().await.unwrap();
            let id = request.id();
            conn.progress(&id, "snapshot", "ignored by call()", 0.1)
                .await;
            conn.progress(&json!(987_654), "snapshot", "nobody", 0.1)
                .await;
            conn.progress(&json!("a string id"), "snapshot", "nobody", 0.1)
                .await;
            conn.reply(&id, json!(1)).await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let value = client.request("snapshot", Some(json!({}))).await.unwrap();
        assert_eq!(value, json!(1));
    })
    .await;
}

/// The server side of a cancellable task, as Brayns does it: progress until a `cancel` for it
/// arrives, answer the cancel with `null`, then end the task according to `ending`.
async fn cancellable(mut conn: support::Conn, ending: &'static str) {
    let task = conn.recv().await.unwrap();
    let task_id = task.id();
    conn.progress(&task_id, task.method(), "Working", 0.1).await;
    let cancel = conn.recv().await.unwrap();
    assert_eq!(cancel.method(), "cancel");
    assert_eq!(cancel.params(), Some(&json!({"id": task_id})));
    match ending {
        "code20" => {
            conn.reply(&cancel.id(), Value::Null).await;
            conn.error(&task_id, 20, "Task has been cancelled", None)
                .await;
        }
        "completes" => {
            conn.reply(&cancel.id(), Value::Null).await;
            conn.reply(&task_id, json!("done anyway")).await;
        }
        "race" => {
            // The task finished before the cancel arrived.
            conn.reply(&task_id, json!("finished first")).await;
            conn.error(
                &cancel.id(),
                -32602,
                "No requests found with ID 140234.",
                None,
            )
            .await;
        }
        _ => unreachable!(),
    }
    conn.echo().await;
}

#[tokio::test]
async fn cancel_ending_with_code_20() {
    bounded(async {
        let server = Server::start(|conn| cancellable(conn, "code20")).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let mut task = client.start_task(snapshot()).unwrap();
        assert!(task.next_progress().await.is_some());
        task.cancel().await.unwrap();
        let error = task.await.unwrap_err();
        let Error::Cancelled(server_error) = error else {
            panic!("{error:?}")
        };
        assert_eq!(server_error.code, ServerError::TASK_CANCELLED);
        assert_eq!(client.pending_count(), 0);
        client.request("still-usable", None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn cancel_but_task_completes_normally() {
    bounded(async {
        let server = Server::start(|conn| cancellable(conn, "completes")).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let mut task = client.start_task(snapshot()).unwrap();
        assert!(task.next_progress().await.is_some());
        task.cancel().await.unwrap();
        let response = task.await.unwrap();
        assert_eq!(response.decode::<String>().unwrap(), "done anyway");
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn cancel_race_reports_error_but_task_resolves() {
    bounded(async {
        let server = Server::start(|conn| cancellable(conn, "race")).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let mut task = client.start_task(snapshot()).unwrap();
        assert!(task.next_progress().await.is_some());
        let error = task.cancel().await.unwrap_err();
        assert_eq!(
            error.server_error().unwrap().code,
            ServerError::INVALID_PARAMS
        );
        let response = task.await.unwrap();
        assert_eq!(response.decode::<String>().unwrap(), "finished first");
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn dropping_an_unfinished_task_cancels_it_and_frees_its_entry() {
    bounded(async {
        let (cancelled_tx, cancelled_rx) = tokio::sync::oneshot::channel::<Value>();
        let cancelled_tx = std::sync::Mutex::new(Some(cancelled_tx));
        let server = Server::start(move |mut conn| {
            let cancelled_tx = cancelled_tx.lock().unwrap().take();
            async move {
                let task = conn.recv().await.unwrap();
                let cancel = conn.recv().await.unwrap();
                assert_eq!(cancel.method(), "cancel");
                assert_ne!(cancel.id(), Value::Null, "cancel goes out with its own id");
                assert_eq!(cancel.params().unwrap()["id"], task.id());
                conn.reply(&cancel.id(), Value::Null).await;
                conn.error(&task.id(), 20, "Task has been cancelled", None)
                    .await;
                let _ = cancelled_tx.unwrap().send(task.id());
                conn.echo().await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let task = client.start_task(snapshot()).unwrap();
        let id = task.id().get();
        assert_eq!(client.pending_count(), 1);
        drop(task);
        assert_eq!(client.pending_count(), 0);
        assert_eq!(cancelled_rx.await.unwrap(), json!(id));
        // The late replies (cancel result and code 20) are dropped quietly.
        client.request("still-usable", None).await.unwrap();
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn dropping_a_finished_task_sends_nothing() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let task = conn.recv().await.unwrap();
            conn.reply(&task.id(), json!(null)).await;
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let task = client.start_task(snapshot()).unwrap();
        // Wait until the reply has been routed (the entry is gone), then drop unawaited.
        while client.pending_count() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(task);
        client.request("after", None).await.unwrap();
        let methods: Vec<String> = server
            .recorded()
            .iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.data).unwrap()["method"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(methods, ["snapshot", "after"]);
    })
    .await;
}

#[tokio::test]
async fn task_timeout_cancels_it() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let task = conn.recv().await.unwrap();
            let cancel = conn.recv().await.unwrap();
            assert_eq!(cancel.method(), "cancel");
            assert_eq!(cancel.params().unwrap()["id"], task.id());
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let task = client
            .start_task(snapshot().timeout(Duration::from_millis(50)))
            .unwrap();
        let error = task.await.unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        assert_eq!(client.pending_count(), 0);
        client.request("still-usable", None).await.unwrap();
        assert_eq!(server.recorded().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_task_timeout_ends_its_progress_on_a_silent_server() {
    bounded(async {
        // Reads everything, never answers and never reports progress.
        let server = Server::start(|mut conn| async move { while conn.recv().await.is_some() {} })
            .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let timeout = Duration::from_millis(200);
        let mut task = client.start_task(snapshot().timeout(timeout)).unwrap();
        // The documented loop ends at the deadline instead of waiting forever...
        let progress = tokio::time::timeout(Duration::from_secs(2), task.next_progress())
            .await
            .expect("progress ends at the task's deadline");
        assert_eq!(progress, None);
        // ...and keeps saying so; the stream form too.
        assert_eq!(task.next_progress().await, None);
        let rest: Vec<Progress> = tokio::time::timeout(Duration::from_secs(2), task.progress().collect())
            .await
            .expect("the progress stream ends at the deadline");
        assert!(rest.is_empty());
        // Then the task reports the timeout, and its entry is gone.
        let error = tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("the result is ready at the deadline")
            .unwrap_err();
        assert!(
            matches!(&error, Error::Timeout { method, after } if method == "snapshot" && *after == timeout),
            "{error:?}"
        );
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_task_timeout_ends_its_progress_even_while_progress_keeps_coming() {
    bounded(async {
        // Reports progress every few milliseconds, forever, and never answers.
        let server = Server::start(|mut conn| async move {
            let task = conn.recv().await.unwrap();
            loop {
                conn.progress(&task.id(), "snapshot", "Rendering", 0.5)
                    .await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await;
        for streamed in [false, true] {
            let client = Connector::new(server.uri()).connect().await.unwrap();
            let mut task = client
                .start_task(snapshot().timeout(Duration::from_millis(200)))
                .unwrap();
            let seen = tokio::time::timeout(Duration::from_secs(3), async {
                if streamed {
                    task.progress().count().await
                } else {
                    let mut seen = 0;
                    while task.next_progress().await.is_some() {
                        seen += 1;
                    }
                    seen
                }
            })
            .await
            .expect("progress ends at the task's deadline");
            assert!(seen > 0, "progress did arrive before the deadline");
            let error = task.await.unwrap_err();
            assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
            assert_eq!(client.pending_count(), 0);
        }
    })
    .await;
}
