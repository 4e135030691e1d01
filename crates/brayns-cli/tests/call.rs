//! `brayns call`: params from the argument, a file or stdin, checked locally with Brayns'
//! messages; unknown methods; server errors; binary payloads both ways; connection errors.

mod common;

use std::time::Duration;

use brayns_mock::{MockServer, TaskOutcome};
use common::{expect_code, json, mock, mock_with, run, run_with_stdin, stderr};
use serde_json::json;

const VIEW: &str = r#"{"position": [1, 2, 3], "target": [0, 0, 0], "up": [0, 1, 0]}"#;

#[test]
fn call_sends_params_from_the_argument_a_file_and_stdin() {
    let mock = mock();
    assert_eq!(
        json(&run(&mock.uri(), &["call", "set-camera-view", VIEW])),
        json!(null)
    );
    let view = json(&run(&mock.uri(), &["call", "get-camera-view"]));
    assert_eq!(view["position"], json!([1, 2, 3]));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("view.json");
    std::fs::write(&file, VIEW.replace("[1, 2, 3]", "[4, 5, 6]")).unwrap();
    let argument = format!("@{}", file.display());
    json(&run(&mock.uri(), &["call", "set-camera-view", &argument]));
    let view = json(&run(&mock.uri(), &["call", "get-camera-view"]));
    assert_eq!(view["position"], json!([4, 5, 6]));

    let stdin = VIEW.replace("[1, 2, 3]", "[7, 8, 9]");
    json(&run_with_stdin(
        &mock.uri(),
        &["call", "set-camera-view", "-"],
        &stdin,
    ));
    let view = json(&run(&mock.uri(), &["call", "get-camera-view"]));
    assert_eq!(view["position"], json!([7, 8, 9]));
}

#[test]
fn pretty_results_are_indented_json() {
    let mock = mock();
    let text = expect_code(
        &run(
            &mock.uri(),
            &["call", "get-camera-view", "--output", "pretty"],
        ),
        0,
    );
    assert!(text.starts_with("{\n  \""), "{text}");
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(parsed["position"].is_array());
}

#[test]
fn invalid_params_are_refused_locally_with_the_servers_messages() {
    let mock = mock();
    let bad = r#"{"position": [0, 0, "a"], "x": 1}"#;
    let local = run(&mock.uri(), &["call", "set-camera-view", bad]);
    expect_code(&local, 5);
    let local_text = stderr(&local);
    assert!(
        local_text.contains("error -32602: Invalid params schema"),
        "{local_text}"
    );
    assert!(local_text.contains("(not sent)"), "{local_text}");
    // Nothing reached the server.
    assert!(
        mock.task_log()
            .events()
            .iter()
            .all(|event| event.method != "set-camera-view"),
        "{:?}",
        mock.task_log().events()
    );
    // The server, asked the same, lists the same problems.
    let remote = run(
        &mock.uri(),
        &["call", "set-camera-view", bad, "--no-validate"],
    );
    expect_code(&remote, 4);
    let remote_text = stderr(&remote);
    assert!(
        remote_text.contains("server error -32602: Invalid params schema"),
        "{remote_text}"
    );
    let problems = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix("  - "))
            .map(str::to_owned)
            .collect()
    };
    let expected = [
        "position[2]: invalid type, expected number got string",
        "unknown property 'x'",
        "missing required property 'target'",
        "missing required property 'up'",
    ];
    assert_eq!(problems(&local_text), expected);
    assert_eq!(problems(&remote_text), expected);

    let no_params = run(&mock.uri(), &["call", "get-version", "{}"]);
    expect_code(&no_params, 5);
    assert!(
        stderr(&no_params).contains("This method takes no params"),
        "{}",
        stderr(&no_params)
    );
    let missing = run(&mock.uri(), &["call", "set-camera-view"]);
    expect_code(&missing, 5);
}

#[test]
fn an_unknown_method_names_the_close_ones() {
    let mock = mock();
    let output = run(&mock.uri(), &["call", "get-versoin"]);
    expect_code(&output, 5);
    let text = stderr(&output);
    assert!(
        text.starts_with("brayns: unknown method 'get-versoin'"),
        "{text}"
    );
    assert!(text.contains("did you mean get-version"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    // --no-validate sends it: the server's -32601.
    let sent = run(&mock.uri(), &["call", "get-versoin", "--no-validate"]);
    expect_code(&sent, 4);
    assert!(
        stderr(&sent).contains("server error -32601: Method 'get-versoin' not found"),
        "{}",
        stderr(&sent)
    );
}

#[test]
fn server_errors_exit_4_with_code_message_and_data() {
    let mock = mock();
    let output = run(&mock.uri(), &["call", "remove-model", r#"{"ids": [42]}"#]);
    expect_code(&output, 4);
    let text = stderr(&output);
    assert_eq!(
        text.lines().next(),
        Some("brayns: server error -32603: No instance with id 42 was found"),
        "{text}"
    );
    // The server's data (its schema problems) follows, one per line.
    let invalid = run(
        &mock.uri(),
        &["call", "remove-model", r#"{"ids": ["x"]}"#, "--no-validate"],
    );
    expect_code(&invalid, 4);
    let text = stderr(&invalid);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "brayns: server error -32602: Invalid params schema",
            "  - ids[0]: invalid type, expected integer got string",
        ],
        "{text}"
    );
}

#[test]
fn unparsable_params_are_a_usage_error() {
    let mock = mock();
    let output = run(&mock.uri(), &["call", "set-camera-view", "{not json"]);
    expect_code(&output, 2);
    assert!(stderr(&output).contains("not JSON"), "{}", stderr(&output));
    let missing_file = run(
        &mock.uri(),
        &["call", "set-camera-view", "@/nonexistent/params.json"],
    );
    expect_code(&missing_file, 1);
    assert!(
        stderr(&missing_file).contains("/nonexistent/params.json"),
        "{}",
        stderr(&missing_file)
    );
    // clap's own usage errors.
    expect_code(&run(&mock.uri(), &["call"]), 2);
    expect_code(&run(&mock.uri(), &["frobnicate"]), 2);
    expect_code(&run(&mock.uri(), &["--timeout", "soon", "version"]), 2);
}

#[test]
fn binary_replies_go_to_binary_out() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.png");
    let params = r#"{"image_settings": {"format": "png", "size": [80, 64]}}"#;
    let result = json(&run(
        &mock.uri(),
        &[
            "call",
            "snapshot",
            params,
            "--binary-out",
            file.to_str().unwrap(),
        ],
    ));
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(result["color_buffer"]["size"], bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 80);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 64);

    // Without --binary-out the payload is announced, not dumped on stdout.
    let announced = run(&mock.uri(), &["call", "snapshot", params]);
    let stdout = expect_code(&announced, 0);
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout).is_ok(),
        "{stdout}"
    );
    assert!(
        stderr(&announced).contains("--binary-out"),
        "{}",
        stderr(&announced)
    );

    // A reply without a payload writes nothing and says so.
    let none = dir.path().join("none.bin");
    let output = run(
        &mock.uri(),
        &[
            "call",
            "get-version",
            "--binary-out",
            none.to_str().unwrap(),
        ],
    );
    expect_code(&output, 1);
    assert!(!none.exists());
}

#[test]
fn binary_in_sends_a_files_bytes() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let mesh = dir.path().join("mesh.ply");
    std::fs::write(&mesh, common::PLY_MESH).unwrap();
    let params = r#"{"type": "ply", "loader_name": "mesh", "loader_properties": {}}"#;
    let models = json(&run(
        &mock.uri(),
        &[
            "call",
            "upload-model",
            params,
            "--binary-in",
            mesh.to_str().unwrap(),
        ],
    ));
    assert_eq!(models[0]["model_id"], 0);
    // The same call without the bytes is refused by the server: the payload made the difference.
    let refused = run(&mock.uri(), &["call", "upload-model", params]);
    expect_code(&refused, 4);
    assert!(
        stderr(&refused).contains("binary data"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn an_unreachable_instance_is_a_connection_error() {
    let uri = common::unreachable_uri();
    let output = run(&uri, &["call", "get-version"]);
    expect_code(&output, 3);
    let text = stderr(&output);
    assert!(text.starts_with("brayns: cannot connect to"), "{text}");
    assert!(text.contains(&uri), "{text}");
    expect_code(&run(&uri, &["version"]), 3);
}

#[test]
fn the_uri_comes_from_brayns_uri_when_not_given() {
    let mock = mock();
    let output = common::finish(
        common::command()
            .env("BRAYNS_URI", mock.uri())
            .args(["call", "get-version"]),
    );
    assert_eq!(json(&output)["major"], 3);
}

#[test]
fn a_reply_slower_than_the_timeout_is_a_connection_error() {
    let mock = mock_with(MockServer::builder().latency("get-scene", Duration::from_secs(5)));
    let output = run(&mock.uri(), &["--timeout", "0.3", "scene"]);
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains("get-scene: no reply after"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn async_calls_run_as_tasks_to_completion() {
    let mock = mock_with(MockServer::builder().progress_steps(5));
    json(&run(&mock.uri(), &["call", "snapshot", "{}"]));
    let outcomes: Vec<TaskOutcome> = mock
        .task_log()
        .events()
        .into_iter()
        .filter(|event| event.method == "snapshot")
        .map(|event| event.outcome)
        .collect();
    assert_eq!(outcomes, [TaskOutcome::Started, TaskOutcome::Completed]);
}
