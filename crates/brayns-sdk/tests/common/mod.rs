//! What the SDK's integration tests share: mocks serving edited copies of the SDK's
//! compiled-in snapshot.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use brayns_mock::MockServer;
use serde_json::Value;

/// Every test is bounded: nothing may hang CI.
pub const LIMIT: Duration = Duration::from_secs(10);

/// The SDK's compiled-in snapshot as files, with `edit` applied to each file's JSON; the
/// schema files of methods the edited registry no longer lists are left out.
pub fn snapshot_files(edit: impl Fn(&str, &mut Value)) -> brayns_mock::Snapshot {
    let files: Vec<(String, Value)> = brayns_sdk::compiled_snapshot()
        .files()
        .expect("the compiled-in snapshot has files")
        .into_iter()
        .map(|(path, text)| {
            let path = path.to_string_lossy().replace('\\', "/");
            let mut json: Value = serde_json::from_str(&text).expect("snapshot files are JSON");
            edit(&path, &mut json);
            (path, json)
        })
        .collect();
    let listed: Vec<String> = files
        .iter()
        .find(|(path, _)| path == "registry.json")
        .and_then(|(_, registry)| registry.as_array())
        .expect("a registry array")
        .iter()
        .filter_map(Value::as_str)
        .map(|method| format!("entrypoints/{method}.json"))
        .collect();
    let files = files
        .into_iter()
        .filter(|(path, _)| !path.starts_with("entrypoints/") || listed.contains(path))
        .map(|(path, json)| (path, json.to_string()));
    brayns_mock::Snapshot::from_files(files).expect("the edited snapshot loads")
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
