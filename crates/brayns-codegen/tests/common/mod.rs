//! A tiny snapshot written by the test itself, so the tests read no file outside this crate.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

/// A one-method snapshot in a fresh folder under the test target dir.
pub fn snapshot(name: &str, schema: serde_json::Value) -> PathBuf {
    // Tests run in parallel and may ask for the same name: each call gets its own folder.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("snapshot-{name}-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("entrypoints")).unwrap();
    let write = |path: &str, value: serde_json::Value| {
        std::fs::write(
            dir.join(path),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
    };
    write(
        "version.json",
        json!({"major": 3, "minor": 10, "patch": 1, "revision": "x"}),
    );
    write("registry.json", json!(["do-it"]));
    write(
        "entrypoints/do-it.json",
        json!({"async": false, "deprecated": false, "description": "d", "plugin": "Core", "params": schema}),
    );
    dir
}
