//! The `brayns-mock` binary end to end: started on a free port (`--port 0`, the address read
//! from its stdout line), over ws and wss, with a schema directory and fault flags.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{TIMEOUT, connect, connect_raw};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The committed snapshot the binary serves with `--api`.
fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/3.10.1")
}

/// A running `brayns-mock`, killed when dropped.
struct Process {
    child: Child,
    /// `host:port` from the `listening on` line.
    uri: String,
    /// `ws` or `wss`.
    scheme: String,
}

/// Starts the binary with `args` plus `--port 0` and waits for its `listening on` line.
async fn start(args: &[&str]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_brayns-mock"))
        .args(args)
        .args(["--port", "0"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the brayns-mock binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(TIMEOUT, lines.next_line())
        .await
        .expect("a listening line in time")
        .expect("readable stdout")
        .expect("a line before stdout ends");
    let address = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let (scheme, uri) = address.split_once("://").expect("scheme://host:port");
    assert!(uri.starts_with("127.0.0.1:"), "{uri}");
    assert_ne!(uri, "127.0.0.1:0", "the bound port, not the requested one");
    Process {
        child,
        uri: uri.to_owned(),
        scheme: scheme.to_owned(),
    }
}

/// Runs the binary with `args` plus `--port 0` to its end: (success, stderr).
async fn run_to_end(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_brayns-mock"))
        .args(args)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TIMEOUT, output)
        .await
        .expect("the binary ends in time")
        .expect("the brayns-mock binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn serves_the_api_directory_over_ws_and_exits_on_quit() {
    // A copy of the snapshot with another version proves --api is read (not the embedded one).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("entrypoints")).unwrap();
    for name in ["registry.json", "loaders.json"] {
        std::fs::copy(schemas().join(name), dir.path().join(name)).unwrap();
    }
    for entry in std::fs::read_dir(schemas().join("entrypoints")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path()
                .join("entrypoints")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let mut version: Value =
        serde_json::from_str(&std::fs::read_to_string(schemas().join("version.json")).unwrap())
            .unwrap();
    version["patch"] = json!(77);
    std::fs::write(dir.path().join("version.json"), version.to_string()).unwrap();

    let mut process = start(&["--api", dir.path().to_str().unwrap()]).await;
    assert_eq!(process.scheme, "ws");
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await, version);
    assert_eq!(client.call("quit", None).await, Value::Null);
    let status = tokio::time::timeout(TIMEOUT, process.child.wait())
        .await
        .expect("the process exits after quit")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn serves_wss_with_certificate_files() {
    let (cert_pem, key_pem, ca) = common::self_signed();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let api = schemas();
    let process = start(&[
        "--api",
        api.to_str().unwrap(),
        "--certificate-file",
        cert.to_str().unwrap(),
        "--private-key-file",
        key.to_str().unwrap(),
    ])
    .await;
    assert_eq!(process.scheme, "wss");
    let mut client = common::connect_tls(&process.uri, ca).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(api.join("version.json")).unwrap()).unwrap();
    assert_eq!(client.call("get-version", None).await, expected);

    // A key file that is not a key: the binary fails to start, saying why.
    std::fs::write(&key, "not a key").unwrap();
    let (success, stderr) = run_to_end(&[
        "--certificate-file",
        cert.to_str().unwrap(),
        "--private-key-file",
        key.to_str().unwrap(),
    ])
    .await;
    assert!(!success);
    assert!(
        stderr.contains("Cannot initialize server socket"),
        "{stderr}"
    );
}

#[tokio::test]
async fn fault_flags_reach_the_server() {
    let process = start(&[
        "--malformed-frame",
        "get-loaders=invalid-json",
        "--latency",
        "registry=1",
        "--max-models",
        "1",
    ])
    .await;
    // --malformed-frame: get-loaders answers a text frame that is not JSON.
    let mut raw = connect_raw(&process.uri).await;
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "get-loaders"}).to_string();
    raw.frame(0x81, request.as_bytes()).await;
    assert_eq!(raw.read().await, Some((0x81, b"{not json".to_vec())));
    // --latency delays without changing the answer; --max-models bounds the scene.
    let mut client = connect(&process.uri).await;
    assert!(client.call("registry", None).await.is_array());
    let sphere = json!([{"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [0.0, 0.0, 0.0], "radius": 1.0}}]);
    client.call("add-spheres", Some(sphere.clone())).await;
    assert_eq!(
        client.call_error("add-spheres", Some(sphere)).await["code"],
        -32603
    );

    // --drop-after-messages 1: the second message ends the connection.
    let process = start(&["--drop-after-messages", "1"]).await;
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await["major"], 3);
    client.request("get-version", None).await;
    client.expect_closed().await;
}

#[tokio::test]
async fn bad_flags_stop_the_binary_with_a_message() {
    for (args, expected) in [
        (
            &["--latency", "registry=soon"][..],
            "invalid milliseconds 'soon'",
        ),
        (
            &["--malformed-frame", "registry=weird"][..],
            "unknown malformed frame kind 'weird'",
        ),
        (
            &["--api", "/nonexistent/brayns/api"][..],
            "cannot load the snapshot",
        ),
    ] {
        let (success, stderr) = run_to_end(args).await;
        assert!(!success, "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
