//! Ctrl-C (a real SIGINT) on a running task, and `brayns mock` in the foreground.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use brayns_mock::{MockServer, TaskOutcome};
use common::{ChildGuard, command, describe, interrupt, json, mock_with, run, stderr, wait};

/// Waits until `condition` holds, for at most ten seconds.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A mock whose tasks take 1000 steps of 20 ms: 20 s unless cancelled.
fn slow_mock() -> brayns_mock::BackgroundMockServer {
    mock_with(
        MockServer::builder()
            .progress_steps(1000)
            .step_duration(Duration::from_millis(20)),
    )
}

/// Runs `brayns --uri <mock> ARGS...`, sends it a SIGINT once the mock has started its
/// `method` task, and gives the command's output with the outcomes the mock logged for
/// `method`, in order.
fn interrupted(
    mock: &brayns_mock::BackgroundMockServer,
    args: &[&str],
    method: &str,
) -> (std::process::Output, Vec<TaskOutcome>) {
    let child = command()
        .arg("--uri")
        .arg(mock.uri())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    let mut guard = ChildGuard(Some(child));
    let log = mock.task_log();
    eventually(&format!("the {method} task to start"), || {
        log.events()
            .iter()
            .any(|event| event.method == method && event.outcome == TaskOutcome::Started)
    });
    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    let outcomes = log
        .events()
        .into_iter()
        .filter(|event| event.method == method)
        .map(|event| event.outcome)
        .collect();
    (output, outcomes)
}

#[test]
fn ctrl_c_cancels_the_task_on_the_server_and_exits_130() {
    let mock = slow_mock();
    let (output, outcomes) = interrupted(&mock, &["call", "snapshot", "{}"], "snapshot");
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(
        stderr(&output).contains("snapshot cancelled on the server"),
        "{}",
        describe(&output)
    );
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    // The server saw a `cancel` and ended the task with it (not a dropped connection):
    // `Cancelled` is logged only for a task ended by a `cancel` request; a dropped
    // connection would log `Aborted`.
    assert_eq!(outcomes, [TaskOutcome::Started, TaskOutcome::Cancelled]);
    // The instance is free again.
    assert_eq!(
        json(&run(&mock.uri(), &["call", "get-version"]))["major"],
        3
    );
}

#[test]
fn ctrl_c_cancels_a_snapshot_being_saved() {
    let mock = slow_mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.png");
    let (output, outcomes) = interrupted(
        &mock,
        &["snapshot", "-o", file.to_str().unwrap()],
        "snapshot",
    );
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(outcomes.contains(&TaskOutcome::Cancelled), "{outcomes:?}");
    assert!(
        !file.exists(),
        "nothing is written for a cancelled snapshot"
    );
}

#[test]
fn ctrl_c_cancels_a_load_and_leaves_no_model() {
    let data = common::DataFiles::new();
    let mock = slow_mock();
    let (output, outcomes) = interrupted(&mock, &["load", &data.path("mesh.ply")], "add-model");
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(
        stderr(&output).contains("add-model cancelled on the server"),
        "{}",
        describe(&output)
    );
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    assert_eq!(outcomes, [TaskOutcome::Started, TaskOutcome::Cancelled]);
    assert_eq!(
        json(&run(&mock.uri(), &["scene"]))["models"],
        serde_json::json!([])
    );
}

#[test]
fn brayns_mock_serves_in_the_foreground_until_ctrl_c() {
    let mut child = command()
        .args(["mock", "--port", "0", "--progress-steps", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns mock starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut guard = ChildGuard(Some(child));
    // Read in a thread, so a mock that never prints fails the test instead of hanging it.
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = lines
        .recv_timeout(Duration::from_secs(10))
        .expect("the listening line within 10 s");
    let uri = line
        .trim()
        .strip_prefix("listening on ws://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    let version = json(&run(&uri, &["version"]));
    assert_eq!(version["instance"]["minor"], 10);
    json(&run(&uri, &["call", "snapshot", "{}"]));

    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        stderr(&output).contains("Ctrl-C stops"),
        "{}",
        describe(&output)
    );
    // Stopped: nothing listens any more.
    common::expect_code(&run(&uri, &["version"]), 3);
}

#[test]
fn brayns_mock_reports_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = common::finish(
        command()
            .args(["mock", "--port", &port])
            .stdin(Stdio::null()),
    );
    common::expect_code(&output, 1);
    assert!(
        stderr(&output).contains("cannot bind"),
        "{}",
        describe(&output)
    );
}

#[test]
fn ctrl_c_stops_a_command_waiting_for_a_reply_at_once() {
    let mock = mock_with(MockServer::builder().latency("get-scene", Duration::from_secs(20)));
    let child = command()
        .args(["--uri", &mock.uri(), "scene"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    let mut guard = ChildGuard(Some(child));
    let log = mock.task_log();
    // The version check went through: the command is connected (and listening for Ctrl-C,
    // which starts before connecting) and now waits for get-scene.
    eventually("the version check", || {
        log.events()
            .iter()
            .any(|event| event.method == "get-version")
    });
    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(
        stderr(&output).contains("stopped by Ctrl-C"),
        "{}",
        describe(&output)
    );
    // Stopped before the reply: nothing printed.
    assert!(output.stdout.is_empty(), "{}", describe(&output));
}

/// A websocket server that reads requests and never answers any (not even `cancel`) but
/// `schema`, which says the method is async; gives its address and the methods received so
/// far.
fn silent_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = listener.local_addr().unwrap().to_string();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = received.clone();
    // Ends with the client's connection (the thread is not joined: the test may fail first).
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let Ok(mut socket) = tungstenite::accept(stream) else {
            return;
        };
        while let Ok(message) = socket.read() {
            if let Ok(text) = message.to_text()
                && let Ok(request) = serde_json::from_str::<serde_json::Value>(text)
                && let Some(method) = request["method"].as_str()
            {
                log.lock().unwrap().push(method.to_owned());
                if method == "schema" {
                    let reply = serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": request["id"],
                        "result": {"async": true, "deprecated": false, "plugin": "Test"},
                    });
                    let _ = socket.send(tungstenite::Message::text(reply.to_string()));
                }
            }
        }
    });
    (uri, received)
}

/// `brayns call snapshot` on the silent server, started once the request arrived.
fn snapshot_on_silent_server() -> (ChildGuard, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let (uri, received) = silent_server();
    let child = command()
        .args([
            "--uri",
            &uri,
            "--version-check",
            "off",
            "call",
            "snapshot",
            "{}",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    let guard = ChildGuard(Some(child));
    eventually("the snapshot request", || {
        received
            .lock()
            .unwrap()
            .iter()
            .any(|method| method == "snapshot")
    });
    (guard, received)
}

#[test]
fn a_cancel_the_server_never_answers_gives_up_after_the_grace() {
    let (mut guard, received) = snapshot_on_silent_server();
    let pressed = Instant::now();
    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(
        stderr(&output).contains("cancel sent, but the task did not end within 10s"),
        "{}",
        describe(&output)
    );
    assert!(received.lock().unwrap().contains(&"cancel".to_owned()));
    // The grace covers the unanswered cancel too: about 10 s, not the 30 s limit of `wait`.
    assert!(
        pressed.elapsed() < Duration::from_secs(20),
        "{:?}",
        pressed.elapsed()
    );
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let (mut guard, received) = snapshot_on_silent_server();
    interrupt(guard.0.as_ref().unwrap());
    eventually("the cancel request", || {
        received
            .lock()
            .unwrap()
            .iter()
            .any(|method| method == "cancel")
    });
    let second = Instant::now();
    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert!(
        stderr(&output).contains("stopped by Ctrl-C"),
        "{}",
        describe(&output)
    );
    // At once: well before the 10 s the first Ctrl-C waits for the task's end.
    assert!(
        second.elapsed() < Duration::from_secs(5),
        "{:?}",
        second.elapsed()
    );
}

#[test]
fn ctrl_c_cancels_an_async_method_the_tool_does_not_know() {
    // `render-movie` is not in the built-in schemas; the silent server's `schema` says it
    // is async, and never answers the request itself.
    let (uri, received) = silent_server();
    let child = command()
        .args(["--uri", &uri, "--version-check", "off"])
        .args(["call", "render-movie", "{}", "--no-validate"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    let mut guard = ChildGuard(Some(child));
    eventually("the render-movie request", || {
        received
            .lock()
            .unwrap()
            .iter()
            .any(|method| method == "render-movie")
    });
    interrupt(guard.0.as_ref().unwrap());
    // Followed as a task: the first Ctrl-C sends `cancel` for it.
    eventually("the cancel request", || {
        received
            .lock()
            .unwrap()
            .iter()
            .any(|method| method == "cancel")
    });
    interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    assert_eq!(
        *received.lock().unwrap(),
        ["schema", "render-movie", "cancel"]
    );
}
