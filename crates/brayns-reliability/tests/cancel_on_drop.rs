//! Cancel-on-drop: dropping an unfinished task handle (the SDK's typed `Task` or brayns-rpc's
//! `Task`) cancels it on the server, best effort, and surfaces no error to anyone; the mock's
//! task log shows what the server did.

mod support;

use std::time::Duration;

use brayns_mock::{MockServer, TaskLog, TaskOutcome};
use brayns_rpc::{Connector, Request};
use brayns_sdk::Brayns;
use brayns_sdk::types::SnapshotParams;
use serde_json::{Value, json};
use support::bounded;

/// Waits until the log holds a final outcome for `id`, and returns its outcomes.
async fn settled(log: &TaskLog, id: &Value) -> Vec<TaskOutcome> {
    let done = |outcome: &TaskOutcome| !matches!(outcome, TaskOutcome::Started);
    log.wait_until(|events| {
        events
            .iter()
            .any(|event| &event.id == id && done(&event.outcome))
    })
    .await;
    log.outcomes_of(id)
}

fn small_snapshot() -> Request {
    Request::new("snapshot").params_value(json!({"image_settings": {"size": [64, 64]}}))
}

#[tokio::test]
async fn dropping_a_running_sdk_task_cancels_it_on_the_server() {
    bounded(async {
        let mock = MockServer::builder()
            .progress_steps(100)
            .step_duration(Duration::from_millis(20))
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri()).connect().await.unwrap();
        let brayns = Brayns::new(client.clone());
        let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
        task.next_progress().await.expect("it is running");
        let id = json!(task.id());
        drop(task);
        // Without the cancel it would run 100 × 20 ms more and end Completed.
        assert_eq!(
            settled(&mock.task_log(), &id).await,
            [TaskOutcome::Started, TaskOutcome::Cancelled]
        );
        // Nothing surfaced: the connection serves the next call, nothing is left pending.
        assert_eq!(brayns.get_version().await.unwrap().major, 3);
        assert!(client.is_connected());
        assert_eq!(client.pending_count(), 0);
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn dropping_a_queued_rpc_task_cancels_it_before_it_runs() {
    bounded(async {
        let mock = MockServer::builder()
            .latency("get-scene", Duration::from_millis(300))
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri()).connect().await.unwrap();
        // get-scene holds the server's one queue, so the snapshot waits behind it. Started as
        // a task (a plain request with a handle) because `start_task` queues the frame before
        // it returns: the blocker is surely written first, and its id is known. (A spawned
        // call on this single-threaded runtime would only go out after the snapshot.)
        let blocker = client.start_task(Request::new("get-scene")).unwrap();
        let task = client.start_task(small_snapshot()).unwrap();
        assert!(
            blocker.id() < task.id(),
            "the blocker is sent before the snapshot (ids are issued in sending order)"
        );
        let id = json!(task.id());
        drop(task);
        assert_eq!(
            settled(&mock.task_log(), &id).await,
            [TaskOutcome::Cancelled],
            "never started"
        );
        blocker.await.expect("the call ahead of it is unaffected");
        assert_eq!(
            client.request("get-version", None).await.unwrap()["minor"],
            10
        );
        assert_eq!(client.pending_count(), 0);
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn dropping_a_task_the_server_already_finished_is_harmless() {
    bounded(async {
        let mock = MockServer::builder()
            .progress_steps(1)
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri()).connect().await.unwrap();
        let task = client.start_task(small_snapshot()).unwrap();
        let id = json!(task.id());
        assert_eq!(
            settled(&mock.task_log(), &id).await,
            [TaskOutcome::Started, TaskOutcome::Completed]
        );
        // The reply may or may not have reached the handle yet; either way dropping it now
        // must not disturb anything (a late cancel gets -32602, which nobody sees).
        drop(task);
        assert_eq!(
            client.request("get-version", None).await.unwrap()["patch"],
            1
        );
        assert!(client.is_connected());
        assert_eq!(client.pending_count(), 0);
        mock.stop().await;
    })
    .await;
}

/// Where a task stood, in the server's log, at the moment its handle was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtDrop {
    /// Not started: queued behind others, or not even read by the server yet.
    Waiting,
    /// Started, not finished.
    Running,
    /// Finished (its reply may still have been on its way).
    Finished,
}

fn at_drop(outcomes: &[TaskOutcome]) -> AtDrop {
    match outcomes {
        [] => AtDrop::Waiting,
        [TaskOutcome::Started] => AtDrop::Running,
        _ => AtDrop::Finished,
    }
}

#[tokio::test]
async fn tasks_dropped_at_any_moment_end_cancelled_or_completed_and_nothing_leaks() {
    bounded(async {
        // Each snapshot takes at least 5 × 20 ms once started, and the server runs one
        // request at a time, so the twenty queue up behind each other.
        let mock = MockServer::builder()
            .progress_steps(5)
            .step_duration(Duration::from_millis(20))
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri()).connect().await.unwrap();
        let brayns = Brayns::new(client.clone());
        let log = mock.task_log();
        let mut ids = Vec::new();
        let droppers: Vec<_> = (0..20u64)
            .map(|n| {
                let task = brayns.snapshot(&SnapshotParams::default()).unwrap();
                let id = json!(task.id());
                ids.push(id.clone());
                let log = log.clone();
                // Drop moments in a scrambled order over 0-475 ms, so that some tasks are
                // dropped while queued, some while running, some after they finished.
                let delay = Duration::from_millis((n * 7) % 20 * 25);
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    // Read and drop with no await in between: nothing moves on this runtime.
                    let state = at_drop(&log.outcomes_of(&id));
                    drop(task);
                    (id, state)
                })
            })
            .collect();
        let mut waiting = 0;
        for dropper in droppers {
            let (id, state) = dropper.await.unwrap();
            let outcomes = settled(&log, &id).await;
            let fine = match state {
                // It needed 100 ms of steps still to finish: the cancel, sent at once on
                // the drop, reaches the server long before, so it cannot have completed.
                AtDrop::Waiting => matches!(
                    outcomes.as_slice(),
                    [TaskOutcome::Cancelled] | [TaskOutcome::Started, TaskOutcome::Cancelled]
                ),
                // It may have finished its last step while the cancel was on its way.
                AtDrop::Running => matches!(
                    outcomes.as_slice(),
                    [TaskOutcome::Started, TaskOutcome::Cancelled]
                        | [TaskOutcome::Started, TaskOutcome::Completed]
                ),
                // The drop came too late to change anything.
                AtDrop::Finished => outcomes == [TaskOutcome::Started, TaskOutcome::Completed],
            };
            assert!(fine, "{id}, {state:?} when dropped, then: {outcomes:?}");
            waiting += usize::from(state == AtDrop::Waiting);
        }
        // At most one task runs at any moment and few can finish by 475 ms, so most drops
        // find their task waiting: those are the ones that prove the cancel is sent.
        assert!(waiting > 0, "no task was dropped while it waited");
        assert_eq!(brayns.get_version().await.unwrap().minor, 10);
        assert_eq!(client.pending_count(), 0);
        mock.stop().await;
    })
    .await;
}
