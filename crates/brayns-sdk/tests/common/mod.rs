//! What the SDK's integration tests share: mocks serving edited copies of the SDK's
//! compiled-in snapshot.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use brayns_mock::MockServer;
use serde_json::Value;

/// A mock whose tasks take `steps` progress steps of `step` each, with a simulation of 100
/// frames (movies render simulation frames, which the server checks), and the SDK connected
/// to it.
pub async fn start(steps: u32, step: Duration) -> (MockServer, brayns_sdk::Brayns) {
    let mock = MockServer::builder()
        .progress_steps(steps)
        .step_duration(step)
        .simulation(99, 0.1)
        .start()
        .await
        .expect("the mock starts");
    let brayns = brayns_sdk::Brayns::connect(mock.uri())
        .await
        .expect("the SDK connects");
    (mock, brayns)
}

/// Every test is bounded: nothing may hang CI.
pub const LIMIT: Duration = Duration::from_secs(10);

/// The embedded 3.10.1 snapshot (the SDK's own) with `edit` applied to each file's JSON.
pub fn snapshot_files(edit: impl Fn(&str, &mut Value)) -> brayns_mock::Snapshot {
    brayns_mock::Snapshot::embedded()
        .edited(edit)
        .expect("the edited snapshot loads")
}

/// A mock reporting release `major.minor.patch`, with the schemas of the SDK's.
pub async fn mock_of_release(major: u64, minor: u64, patch: u64) -> MockServer {
    let snapshot = snapshot_files(|path, json| {
        if path == "version.json" {
            json["major"] = major.into();
            json["minor"] = minor.into();
            json["patch"] = patch.into();
        }
    });
    MockServer::builder()
        .snapshot(snapshot)
        .start()
        .await
        .expect("the mock starts")
}

/// The `brayns-mock` binary next to this test's, built first (once per test binary) so that
/// `cargo test -p brayns-sdk` alone finds it up to date.
pub fn mock_binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<Result<std::path::PathBuf, String>> =
        std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().map_err(|error| error.to_string())?;
            // target/<profile>/deps/<test> -> target/<profile>/brayns-mock
            let profile_dir = exe
                .parent()
                .and_then(std::path::Path::parent)
                .ok_or_else(|| format!("{} has no target directory", exe.display()))?;
            let binary = profile_dir.join(format!("brayns-mock{}", std::env::consts::EXE_SUFFIX));
            let target_dir = profile_dir
                .parent()
                .ok_or_else(|| format!("{} has no parent", profile_dir.display()))?;
            let mut command = std::process::Command::new(env!("CARGO"));
            command
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "brayns-mock",
                    "--bin",
                    "brayns-mock",
                ])
                .arg("--target-dir")
                .arg(target_dir)
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            if profile_dir
                .file_name()
                .is_some_and(|name| name == "release")
            {
                command.arg("--release");
            }
            let status = command
                .status()
                .map_err(|error| format!("cannot run cargo to build brayns-mock: {error}"))?;
            if !status.success() {
                return Err(format!("`cargo build -p brayns-mock` failed: {status}"));
            }
            if !binary.is_file() {
                return Err(format!(
                    "brayns-mock was built but {} is missing",
                    binary.display()
                ));
            }
            Ok(binary)
        })
        .clone()
        .unwrap_or_else(|message| panic!("the brayns-mock binary is needed: {message}"))
}

/// A loopback port free right now (the OS's choice), for a process that must be told one.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
