//! Output to a reader that is gone (`brayns completions bash | head -1`): no panic.

mod common;

use std::process::{Command, Stdio};

use common::{command, describe, expect_code, run, wait};

/// `command` with a stdout whose reading end is already closed: every write fails with
/// a broken pipe, as when `head` has read what it wanted.
fn with_closed_stdout(command: &mut Command) -> &mut Command {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
}

#[test]
fn completions_into_a_closed_pipe_exit_0() {
    let child = with_closed_stdout(command().args(["completions", "bash"]))
        .spawn()
        .expect("brayns starts");
    let output = wait(child);
    expect_code(&output, 0);
    assert!(output.stderr.is_empty(), "{}", describe(&output));
}

#[test]
fn results_into_a_closed_pipe_exit_0() {
    let child = with_closed_stdout(command().args(["methods", "--offline"]))
        .spawn()
        .expect("brayns starts");
    expect_code(&wait(child), 0);
}

#[test]
fn the_mock_keeps_serving_when_its_stdout_is_closed() {
    let uri = common::unreachable_uri();
    let port = uri.rsplit(':').next().unwrap().to_owned();
    let child = with_closed_stdout(command().args(["mock", "--port", &port]))
        .spawn()
        .expect("brayns mock starts");
    let mut guard = common::ChildGuard(Some(child));
    let version = common::json(&run(&uri, &["version"]));
    assert_eq!(version["instance"]["major"], 3);
    common::interrupt(guard.0.as_ref().unwrap());
    let output = wait(guard.0.take().unwrap());
    expect_code(&output, 0);
}
