//! Reading, writing and comparing snapshots, on a fixture cut from the 3.10.1 snapshot
//! (five methods, every loader). The committed releases under `schemas/` are checked by
//! the workspace's xtask tests.

use std::path::{Path, PathBuf};

use brayns_snapshot::{SchemaPart, Snapshot, SnapshotError, diff};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture")
}

fn committed() -> Snapshot {
    Snapshot::load(committed_dir()).expect("the committed snapshot loads")
}

/// Every file under `dir`, relative path to bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_path_buf();
                files.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The snapshot's answers as a server sends them: compact JSON.
fn compact(path: &Path) -> String {
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    serde_json::to_string(&value).unwrap()
}

#[test]
fn loads_the_committed_snapshot() {
    let snapshot = committed();
    assert_eq!(snapshot.version(), brayns_snapshot::Version::new(3, 10, 1));
    assert_eq!(snapshot.version().to_string(), "3.10.1");
    assert_eq!(snapshot.revision(), "747afcdfc");
    assert_eq!(snapshot.methods().len(), 5);
    let version = snapshot.entrypoint("get-version").unwrap();
    assert_eq!(version.plugin, "Core");
    assert!(!version.is_async && !version.deprecated);
    assert!(version.params.is_none());
    assert_eq!(version.returns.as_ref().unwrap()["title"], "VersionMessage");
    assert!(snapshot.entrypoint("schema").unwrap().params.is_some());
    assert!(snapshot.entrypoint("exit-later").is_none());
    assert_eq!(snapshot.entrypoints().len(), 5);
    let loaders = snapshot.loaders().unwrap();
    assert_eq!(loaders.len(), 11);
    let names: Vec<&str> = loaders.iter().map(|loader| loader.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "loaders are sorted by name");
    let mesh = loaders.iter().find(|loader| loader.name == "mesh").unwrap();
    assert_eq!(mesh.plugin.as_deref(), Some("Core"));
    assert_eq!(mesh.binary, Some(true));
    assert!(mesh.extensions.iter().any(|extension| extension == "obj"));
}

#[test]
fn writing_reproduces_the_committed_files_byte_for_byte() {
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    assert_eq!(tree(out.path()), tree(&committed_dir()));
}

#[test]
fn compact_server_answers_are_written_in_the_reference_layout() {
    let dir = committed_dir();
    let registry = std::fs::read_to_string(dir.join("registry.json")).unwrap();
    let methods: Vec<String> = serde_json::from_str(&registry).unwrap();
    // The server lists methods in no particular order: the file sorts them.
    let mut shuffled = methods.clone();
    shuffled.reverse();
    let schemas: Vec<(String, String)> = methods
        .iter()
        .map(|method| {
            let path = dir.join("entrypoints").join(format!("{method}.json"));
            (method.clone(), compact(&path))
        })
        .collect();
    let snapshot = Snapshot::from_texts(
        &compact(&dir.join("version.json")),
        &serde_json::to_string(&shuffled).unwrap(),
        Some(&compact(&dir.join("loaders.json"))),
        schemas.iter().map(|(m, s)| (m.as_str(), s.as_str())),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    snapshot.write(out.path()).unwrap();
    assert_eq!(tree(out.path()), tree(&dir));
}

#[test]
fn writing_over_an_old_snapshot_removes_what_is_gone() {
    let out = tempfile::tempdir().unwrap();
    let stale = out.path().join("entrypoints/exit-later.json");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, "{}\n").unwrap();
    committed().write(out.path()).unwrap();
    assert!(!stale.exists());
    assert_eq!(tree(out.path()), tree(&committed_dir()));
}

#[test]
fn compact_text_keeps_the_key_order_and_drops_white_space() {
    let snapshot = committed();
    let compact = brayns_snapshot::compact(snapshot.version_json());
    assert_eq!(
        compact,
        r#"{"major":3,"minor":10,"patch":1,"revision":"747afcdfc"}"#
    );
}

#[test]
fn a_snapshot_without_loaders_has_no_loaders_file() {
    let dir = committed_dir();
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    std::fs::remove_file(out.path().join("loaders.json")).unwrap();
    let snapshot = Snapshot::load(out.path()).unwrap();
    assert!(snapshot.loaders().is_none());
    let files = snapshot.files().unwrap();
    assert!(
        files
            .iter()
            .all(|(path, _)| path != Path::new("loaders.json"))
    );
    assert_eq!(files.len() + 1, tree(&dir).len());
}

#[test]
fn a_method_without_a_schema_file_is_named_in_the_error() {
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    std::fs::remove_file(out.path().join("entrypoints/get-scene.json")).unwrap();
    let error = Snapshot::load(out.path()).unwrap_err();
    assert!(matches!(error, SnapshotError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("get-scene.json"), "{error}");
}

#[test]
fn a_schema_file_not_in_the_registry_is_named_in_the_error() {
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    std::fs::write(out.path().join("entrypoints/exit-later.json"), "{}\n").unwrap();
    let error = Snapshot::load(out.path()).unwrap_err();
    assert!(matches!(error, SnapshotError::Invalid { .. }), "{error:?}");
    assert!(error.to_string().contains("exit-later"), "{error}");
}

/// A registry is the server's word, and each name becomes a file name: none may lead
/// outside the snapshot folder, whether loading, building or (see xtask's tests) fetching.
#[test]
fn method_names_that_would_escape_the_folder_are_refused() {
    let inside = tempfile::tempdir().unwrap();
    let dir = inside.path().join("snapshot");
    committed().write(&dir).unwrap();
    // A file the escaping name would reach, so only the name check can stop it.
    std::fs::write(inside.path().join("escaped.json"), "{}\n").unwrap();
    for name in [
        "../escaped",
        "/etc/passwd",
        "..",
        ".hidden",
        "",
        "a\u{0}b",
        "a\\b",
        "a b",
    ] {
        let registry = serde_json::to_string(&[name]).unwrap();
        std::fs::write(dir.join("registry.json"), &registry).unwrap();
        let error = Snapshot::load(&dir).unwrap_err();
        assert!(
            matches!(error, SnapshotError::Invalid { .. }),
            "{name:?}: {error:?}"
        );
        assert!(error.to_string().contains("not a method name"), "{error}");

        let error = Snapshot::from_texts(
            r#"{"major":3,"minor":10,"patch":1,"revision":"x"}"#,
            &registry,
            None,
            [(name, "{}")],
        )
        .unwrap_err();
        assert!(error.to_string().contains("not a method name"), "{error}");
    }
}

#[test]
fn answers_of_the_wrong_shape_are_rejected() {
    let error = Snapshot::from_texts(
        r#"{"major":3,"minor":10,"patch":1,"revision":"x"}"#,
        r#"["registry"]"#,
        None,
        [("registry", "[1, 2]")],
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("schema of 'registry'"),
        "{error}"
    );

    let error = Snapshot::from_texts(r#"{"major":"three"}"#, "[]", None, []).unwrap_err();
    assert!(error.to_string().contains("get-version"), "{error}");

    let error = Snapshot::from_texts(
        r#"{"major":3,"minor":10,"patch":1,"revision":"x"}"#,
        r#"["registry", "registry"]"#,
        None,
        [("registry", "{}")],
    )
    .unwrap_err();
    assert!(error.to_string().contains("twice"), "{error}");
}

#[test]
fn identical_snapshots_have_no_differences() {
    let difference = diff(&committed(), &committed());
    assert!(difference.is_empty(), "{difference}");
    assert_eq!(difference.to_string(), "no differences (Brayns 3.10.1)\n");
}

#[test]
fn changed_added_and_removed_methods_are_reported() {
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    let entrypoints = out.path().join("entrypoints");

    // Change the result schema and the description of get-version.
    let path = entrypoints.join("get-version.json");
    let mut schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    schema["returns"]["properties"]["build"] = serde_json::json!({"type": "string"});
    schema["description"] = "Get the version".into();
    std::fs::write(&path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();
    // Remove quit, add exit-later.
    std::fs::rename(
        entrypoints.join("quit.json"),
        entrypoints.join("exit-later.json"),
    )
    .unwrap();
    let registry = out.path().join("registry.json");
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text.replace("\"quit\"", "\"exit-later\"")).unwrap();

    let difference = diff(&committed(), &Snapshot::load(out.path()).unwrap());
    assert!(!difference.is_empty());
    assert!(!difference.version_changed());
    assert_eq!(difference.added, ["exit-later"]);
    assert_eq!(difference.removed, ["quit"]);
    assert_eq!(difference.changed.len(), 1);
    assert_eq!(difference.changed[0].method, "get-version");
    assert_eq!(
        difference.changed[0].parts,
        [SchemaPart::Returns, SchemaPart::Description]
    );
    let report = difference.to_string();
    assert!(report.contains("+ exit-later (added)"), "{report}");
    assert!(report.contains("- quit (removed)"), "{report}");
    assert!(
        report.contains("~ get-version (result, description changed)"),
        "{report}"
    );
}

#[test]
fn a_different_release_or_loader_set_is_a_difference() {
    let out = tempfile::tempdir().unwrap();
    committed().write(out.path()).unwrap();
    std::fs::write(
        out.path().join("version.json"),
        r#"{"major":3,"minor":11,"patch":0,"revision":"abc"}"#,
    )
    .unwrap();
    std::fs::remove_file(out.path().join("loaders.json")).unwrap();
    let difference = diff(&committed(), &Snapshot::load(out.path()).unwrap());
    assert!(difference.version_changed());
    assert!(difference.loaders_changed);
    assert!(difference.schemas_changed());
    let report = difference.to_string();
    assert!(
        report.contains("version: expected 3.10.1, found 3.11.0"),
        "{report}"
    );
    assert!(report.contains("get-loaders"), "{report}");
}

#[test]
fn engine_types_are_the_setters_of_a_type_not_of_a_shared_setting() {
    use brayns_snapshot::EngineObject;
    let entrypoint = |method: &str, title: &str| {
        (
            method.to_owned(),
            format!(r#"{{"params":{{"title":"{title}","type":"object"}}}}"#),
        )
    };
    let schemas = [
        entrypoint("set-camera-perspective", "Perspective"),
        entrypoint("set-camera-view", "View"),
        entrypoint("set-camera-near-clip", "CameraNearClipMessage"),
        entrypoint("set-camera-region", "CameraRegionMessage"),
        entrypoint("set-camera-orthographic", "Orthographic"),
        entrypoint("set-renderer-production", "Production"),
    ];
    let registry: Vec<&str> = schemas.iter().map(|(method, _)| method.as_str()).collect();
    let snapshot = Snapshot::from_texts(
        r#"{"major":3,"minor":10,"patch":1,"revision":"x"}"#,
        &serde_json::to_string(&registry).unwrap(),
        None,
        schemas.iter().map(|(m, s)| (m.as_str(), s.as_str())),
    )
    .unwrap();
    let names = |kind| -> Vec<(String, String)> {
        snapshot
            .engine_types(kind)
            .into_iter()
            .map(|(name, setter)| (name.to_owned(), setter.method.clone()))
            .collect()
    };
    let pair = |name: &str, method: &str| (name.to_owned(), method.to_owned());
    assert_eq!(
        names(EngineObject::Camera),
        [
            pair("orthographic", "set-camera-orthographic"),
            pair("perspective", "set-camera-perspective")
        ]
    );
    assert_eq!(
        names(EngineObject::Renderer),
        [pair("production", "set-renderer-production")]
    );
}
