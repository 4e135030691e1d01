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
        "{} --uri {} snapshot -o {} --size 8x8",
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

#[test]
fn piped_stderr_gets_no_progress_bar() {
    let mock = slow_mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.png");
    let output = run(
        &mock.uri(),
        &["snapshot", "-o", file.to_str().unwrap(), "--size", "8x8"],
    );
    expect_code(&output, 0);
    assert_eq!(stderr(&output), "");
}
