//! `cargo xtask fetch` against `brayns-mock`: every committed snapshot must be exactly what
//! fetching an instance of that release gives, so none can drift silently.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use brayns_mock::MockServer;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn committed_dir() -> PathBuf {
    root().join("schemas/3.10.1")
}

async fn xtask_fetch(args: &[&str]) -> Output {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("fetch")
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("xtask fetch finishes within a minute")
        .expect("xtask runs")
}

/// `cargo xtask fetch --check` of `mock` against the committed `schemas/`.
async fn check_against_committed(mock: &MockServer) -> Output {
    let schemas = root().join("schemas");
    xtask_fetch(&[
        "--check",
        "--uri",
        &mock.uri(),
        "--out",
        schemas.to_str().unwrap(),
    ])
    .await
}

/// Every file below `dir`: its path relative to `dir` and its bytes, sorted.
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

fn copy_snapshot(from: &Path, to: &Path) {
    for (relative, bytes) in files_below(from) {
        let path = to.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every release under `schemas/`, oldest first.
fn committed_releases() -> Vec<(brayns_snapshot::Version, PathBuf)> {
    let mut releases: Vec<_> = std::fs::read_dir(root().join("schemas"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            Some((name.parse().ok()?, path))
        })
        .collect();
    releases.sort();
    releases
}

#[tokio::test]
async fn fetching_each_release_reproduces_its_committed_snapshot() {
    let releases = committed_releases();
    assert_eq!(
        releases.len(),
        23,
        "every Brayns 3.x release, 3.0.0 to 3.10.1"
    );
    for (release, dir) in releases {
        let mock = MockServer::builder()
            .snapshot_dir(&dir)
            .start()
            .await
            .unwrap();
        let out = tempfile::tempdir().unwrap();
        let output =
            xtask_fetch(&["--uri", &mock.uri(), "--out", out.path().to_str().unwrap()]).await;
        assert!(
            output.status.success(),
            "{release}: {}",
            text(&output.stderr)
        );
        let mut fetched = files_below(&out.path().join(release.to_string()));
        let methods: Vec<String> =
            serde_json::from_slice(&std::fs::read(dir.join("registry.json")).unwrap()).unwrap();
        assert!(methods.iter().any(|method| method == "get-loaders"));
        if !dir.join("loaders.json").exists() {
            // The recordings of Brayns 3.0 to 3.4 lack the `get-loaders` answer, so the mock
            // serving them lists no loader; the rest must match byte for byte.
            let position = fetched
                .iter()
                .position(|(path, _)| path == Path::new("loaders.json"))
                .expect("fetch writes the get-loaders answer");
            assert_eq!(fetched.remove(position).1, b"[]\n", "{release}");
        }
        assert_eq!(
            fetched.len(),
            files_below(&dir).len(),
            "{release}: version, registry, loaders when recorded, one file per method"
        );
        assert_eq!(
            fetched.len() - methods.len(),
            2 + usize::from(dir.join("loaders.json").exists())
        );
        assert!(
            fetched == files_below(&dir),
            "schemas/{release} differs from a fresh fetch: run `cargo xtask fetch` against an \
             instance of that release and commit"
        );
        mock.stop().await;
    }
}

#[tokio::test]
async fn fetching_again_into_the_same_folder_changes_nothing() {
    let mock = MockServer::builder()
        .snapshot_dir(committed_dir())
        .start()
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (uri, out_arg) = (mock.uri(), out.path().to_str().unwrap().to_owned());
    let args = ["--uri", uri.as_str(), "--out", out_arg.as_str()];
    let output = xtask_fetch(&args).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let fetched = files_below(&out.path().join("3.10.1"));
    let output = xtask_fetch(&args).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(files_below(&out.path().join("3.10.1")) == fetched);
    mock.stop().await;
}

#[tokio::test]
async fn check_passes_when_the_instance_matches_the_committed_snapshot() {
    let mock = MockServer::builder()
        .snapshot_dir(committed_dir())
        .start()
        .await
        .unwrap();
    let output = check_against_committed(&mock).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("no differences"));
    mock.stop().await;
}

#[tokio::test]
async fn check_fails_and_names_the_method_whose_schema_changed() {
    let changed = tempfile::tempdir().unwrap();
    copy_snapshot(&committed_dir(), changed.path());
    let path = changed.path().join("entrypoints/set-camera-view.json");
    let mut schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    schema["params"]["properties"]["fov"] =
        serde_json::json!({"description": "Field of view", "type": "number"});
    std::fs::write(&path, serde_json::to_string_pretty(&schema).unwrap() + "\n").unwrap();

    let mock = MockServer::builder()
        .snapshot_dir(changed.path())
        .start()
        .await
        .unwrap();
    let output = check_against_committed(&mock).await;
    assert!(!output.status.success());
    let report = text(&output.stdout);
    assert!(
        report.contains("~ set-camera-view (params changed)"),
        "{report}"
    );
    assert_eq!(
        report.lines().count(),
        1,
        "only that method differs: {report}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn an_instance_without_get_loaders_gives_a_snapshot_without_loaders() {
    let older = tempfile::tempdir().unwrap();
    copy_snapshot(&committed_dir(), older.path());
    std::fs::remove_file(older.path().join("loaders.json")).unwrap();
    std::fs::remove_file(older.path().join("entrypoints/get-loaders.json")).unwrap();
    let registry = older.path().join("registry.json");
    let methods: Vec<String> = serde_json::from_slice(&std::fs::read(&registry).unwrap()).unwrap();
    let methods: Vec<String> = methods.into_iter().filter(|m| m != "get-loaders").collect();
    std::fs::write(
        &registry,
        serde_json::to_string_pretty(&methods).unwrap() + "\n",
    )
    .unwrap();

    let mock = MockServer::builder()
        .snapshot_dir(older.path())
        .start()
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = xtask_fetch(&["--uri", &mock.uri(), "--out", out.path().to_str().unwrap()]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("no get-loaders"));
    assert!(files_below(&out.path().join("3.10.1")) == files_below(older.path()));
    mock.stop().await;
}

#[tokio::test]
async fn an_unreachable_instance_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let out = tempfile::tempdir().unwrap();
    let output = xtask_fetch(&["--uri", &address, "--out", out.path().to_str().unwrap()]).await;
    assert!(!output.status.success());
    let error = text(&output.stderr);
    assert!(
        error.contains(&format!(
            "cannot connect to the Brayns instance at {address}"
        )),
        "{error}"
    );
    assert!(std::fs::read_dir(out.path()).unwrap().next().is_none());
}

/// The client skips a malformed message (it cannot know whose reply it was), so without a
/// request timeout the fetch would wait for that reply forever.
#[tokio::test]
async fn an_answer_that_is_not_json_rpc_fails_the_fetch_naming_the_request() {
    let mock = MockServer::builder()
        .malformed_frame("schema", brayns_mock::MalformedFrame::InvalidJson)
        .start()
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = xtask_fetch(&[
        "--uri",
        &mock.uri(),
        "--out",
        out.path().to_str().unwrap(),
        "--request-timeout",
        "1",
    ])
    .await;
    assert!(!output.status.success());
    let error = text(&output.stderr);
    assert!(error.contains("schema {\"endpoint\":"), "{error}");
    assert!(error.contains("no reply after 1s"), "{error}");
    assert_eq!(
        error.matches("no reply after").count(),
        1,
        "said once: {error}"
    );
    assert!(std::fs::read_dir(out.path()).unwrap().next().is_none());
    mock.stop().await;
}

#[tokio::test]
async fn fetching_over_tls_needs_the_instance_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let mock = MockServer::builder()
        .snapshot_dir(committed_dir())
        .tls(cert_pem.clone(), certified.signing_key.serialize_pem())
        .start()
        .await
        .unwrap();
    let uri = format!("localhost:{}", mock.addr().port());
    let work = tempfile::tempdir().unwrap();
    let ca = work.path().join("ca.pem");
    std::fs::write(&ca, cert_pem).unwrap();
    let out = work.path().join("schemas");

    // Trusting the instance's certificate: the same snapshot as over ws://.
    let output = xtask_fetch(&[
        "--uri",
        &uri,
        "--ca",
        ca.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(files_below(&out.join("3.10.1")) == files_below(&committed_dir()));

    // Trusting only the system roots: a TLS error, said as such.
    let output = xtask_fetch(&[
        "--uri",
        &format!("wss://{uri}"),
        "--out",
        work.path().join("untrusted").to_str().unwrap(),
    ])
    .await;
    assert!(!output.status.success());
    let error = text(&output.stderr);
    assert!(
        error.contains("cannot connect to the Brayns instance"),
        "{error}"
    );
    assert!(error.to_lowercase().contains("tls"), "{error}");
    assert!(!work.path().join("untrusted").exists());
    mock.stop().await;
}
