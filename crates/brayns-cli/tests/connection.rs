//! Connecting: retries while an instance is starting, the connect timeout, bad addresses.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::time::Duration;

use brayns_mock::MockServer;
use common::{command, describe, expect_code, run, stderr, wait};

#[test]
fn a_command_started_before_the_instance_listens_retries_until_it_does() {
    // As in `brayns mock & brayns version`: the command may try before the mock listens.
    let uri = common::unreachable_uri();
    let child = command()
        .args(["--uri", &uri, "version"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    std::thread::sleep(Duration::from_millis(800));
    let address: SocketAddr = uri.parse().unwrap();
    let _mock = common::mock_with(MockServer::builder().bind(address));
    let output = wait(child);
    let version = common::json(&output);
    assert_eq!(version["instance"]["major"], 3, "{}", describe(&output));
}

#[test]
fn connect_attempts_bounds_the_retries() {
    let uri = common::unreachable_uri();
    let once = run(&uri, &["--connect-attempts", "1", "version"]);
    expect_code(&once, 3);
    assert!(
        stderr(&once).contains("after 1 attempt(s)"),
        "{}",
        stderr(&once)
    );
    let default = run(&uri, &["version"]);
    expect_code(&default, 3);
    assert!(
        stderr(&default).contains("after 30 attempt(s)"),
        "{}",
        stderr(&default)
    );
    expect_code(&run(&uri, &["--connect-attempts", "0", "version"]), 2);
}

#[test]
fn an_instance_that_never_answers_the_handshake_times_out() {
    // A listener never accepting: the kernel completes TCP connections into its backlog,
    // and nobody answers the websocket upgrade, as with a Brayns instance whose every
    // client slot is taken.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = listener.local_addr().unwrap().to_string();
    let output = run(
        &uri,
        &["--timeout", "0.3", "--connect-attempts", "2", "version"],
    );
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains("no websocket handshake within 300ms"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("after 2 attempt(s)"),
        "{}",
        stderr(&output)
    );
    drop(listener);
}

#[test]
fn a_malformed_uri_is_a_usage_error() {
    for bad in ["http://localhost:5000", "localhost:notaport", "ws://:5000"] {
        let output = run(bad, &["version"]);
        expect_code(&output, 2);
        assert!(
            stderr(&output).starts_with("brayns: "),
            "{bad}: {}",
            describe(&output)
        );
    }
}
