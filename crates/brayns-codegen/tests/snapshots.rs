//! Whole-file snapshot tests: each fixture snapshot under `tests/fixtures/<name>/snapshot`
//! generates exactly the files under `tests/fixtures/<name>/expected`.
//!
//! Refresh the expectations with `UPDATE_EXPECT=1 cargo test -p brayns-codegen --test snapshots`
//! and review the diff. The expected trees are also compiled, and their round-trip tests
//! run, inside `brayns-sdk`'s unit tests (`src/fixtures.rs` there), so they must compile.

use std::path::{Path, PathBuf};

use brayns_codegen::{GeneratedFile, Options};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The options the SDK's fixture module expects: methods on `crate::fixtures::<Name>Client`.
fn options(client: &str) -> Options {
    Options {
        client_type: format!("crate::fixtures::{client}"),
        snapshot_from_out: Some("../snapshot".to_owned()),
        call_tests: false,
    }
}

fn check(name: &str, client: &str) {
    let dir = fixture_dir(name);
    let expected_dir = dir.join("expected");
    let files = brayns_codegen::generate(&dir.join("snapshot"), &options(client))
        .unwrap_or_else(|error| panic!("fixture {name}: {error}"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        brayns_codegen::write(&expected_dir, &files).expect("write expectations");
        return;
    }
    let stale = brayns_codegen::stale_files(&expected_dir, &files).expect("read expectations");
    if let Some(path) = stale.first() {
        let diff = first_difference(&files, &expected_dir, path);
        panic!(
            "fixture {name}: {} differs from the generator's output{diff}\n\
             rerun with UPDATE_EXPECT=1 and review the diff",
            path.display()
        );
    }
}

/// The first differing line of a stale file, for the failure message.
fn first_difference(files: &[GeneratedFile], dir: &Path, path: &Path) -> String {
    let Some(file) = files.iter().find(|file| dir.join(&file.path) == path) else {
        return " (no longer generated)".to_owned();
    };
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let line = old
        .lines()
        .zip(file.contents.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| old.lines().count().min(file.contents.lines().count()));
    format!(
        " at line {}:\n  expected: {:?}\n  generated: {:?}",
        line + 1,
        old.lines().nth(line).unwrap_or("<end of file>"),
        file.contents.lines().nth(line).unwrap_or("<end of file>")
    )
}

#[test]
fn awkward_names_and_title_collisions() {
    check("awkward", "AwkwardClient");
}

#[test]
fn older_release_without_deprecated_and_loader_plugins() {
    check("older", "OlderClient");
}

#[test]
fn generation_is_deterministic() {
    let dir = fixture_dir("awkward").join("snapshot");
    let first = brayns_codegen::generate(&dir, &options("AwkwardClient")).unwrap();
    let second = brayns_codegen::generate(&dir, &options("AwkwardClient")).unwrap();
    assert_eq!(first, second);
}
