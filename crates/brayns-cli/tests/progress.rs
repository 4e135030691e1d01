//! The progress bar of tasks: drawn on a terminal's stderr, absent when stderr is piped.

mod common;

use std::time::Duration;

use brayns_mock::MockServer;
use common::{expect_code, finish, mock_with, run, stderr};

fn slow_mock() -> brayns_mock::BackgroundMockServer {
    // Ten steps of 100 ms: long enough for the bar to be drawn several times.
    mock_with(
        MockServer::builder()
            .progress_steps(10)
            .step_duration(Duration::from_millis(100)),
    )
}

#[test]
fn a_task_shows_a_progress_bar_on_a_terminal() {
    let mock = slow_mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.png");
    let line = format!(
        "{} --uri {} snapshot -o {} --size 64x64",
        env!("CARGO_BIN_EXE_brayns"),
        mock.uri(),
        file.display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it printed.
    let output = finish(
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("BRAYNS_URI")
            .env_remove("RUST_LOG"),
    );
    let text = expect_code(&output, 0);
    assert!(text.contains("snapshot ["), "no bar drawn: {text:?}");
    assert!(text.contains('%'), "no percentage: {text:?}");
    assert!(text.contains("wrote "), "{text:?}");
    assert!(file.exists());
}

/// Runs `brayns --uri URI ARGS...` on a pseudo-terminal (`script`); gives what it printed.
fn on_a_terminal(uri: &str, args: &str) -> String {
    let line = format!("{} --uri {uri} {args}", env!("CARGO_BIN_EXE_brayns"));
    let output = finish(
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("BRAYNS_URI")
            .env_remove("RUST_LOG"),
    );
    expect_code(&output, 0)
}

#[test]
fn load_and_async_calls_show_a_progress_bar_on_a_terminal() {
    let mock = slow_mock();
    let data = common::DataFiles::new();
    let mesh = data.path("mesh.ply");
    let load = on_a_terminal(&mock.uri(), &format!("load {mesh}"));
    assert!(load.contains("add-model ["), "no bar drawn: {load:?}");
    assert!(load.contains('%'), "no percentage: {load:?}");
    assert!(
        load.contains(&format!("loaded {mesh} with mesh")),
        "{load:?}"
    );

    let call = on_a_terminal(&mock.uri(), "call snapshot {}");
    assert!(call.contains("snapshot ["), "no bar drawn: {call:?}");
    assert!(call.contains('%'), "no percentage: {call:?}");
    // A sync method has no bar.
    let sync = on_a_terminal(&mock.uri(), "call get-version");
    assert!(!sync.contains('%'), "{sync:?}");
    assert!(sync.contains("\"major\""), "{sync:?}");
}

#[test]
fn piped_stderr_gets_no_progress_bar() {
    let mock = slow_mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.png");
    let output = run(
        &mock.uri(),
        &["snapshot", "-o", file.to_str().unwrap(), "--size", "64x64"],
    );
    expect_code(&output, 0);
    assert_eq!(stderr(&output), "");
}
