//! `cargo xtask codegen` and its `--check`, run as the real binary: the committed bindings
//! are what the SDK's snapshot generates, and a stale output fails with the house message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn xtask_codegen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn committed_bindings_are_up_to_date() {
    let output = xtask_codegen(&["--check"]);
    assert!(
        output.status.success(),
        "{}\nrun `cargo xtask codegen` and commit",
        text(&output.stderr)
    );
    // Every generated output of the workspace is checked: the SDK's bindings and tests,
    // the mock's embedded snapshot, the generator's fixtures.
    let stdout = text(&output.stdout);
    for output in [
        "crates/brayns-sdk/src/generated",
        "crates/brayns-sdk/tests/generated",
        "crates/brayns-mock/src/snapshot",
        "crates/brayns-codegen/fixtures/src/awkward",
        "crates/brayns-codegen/fixtures/tests/older",
    ] {
        assert!(
            stdout.contains(&format!("{output} is up to date")),
            "{stdout}"
        );
    }
}

#[test]
fn check_fails_on_stale_output_and_codegen_repairs_it() {
    let schemas = root().join("crates/brayns-codegen/fixtures/snapshots/awkward");
    let schemas = schemas.to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let out_arg = out.path().to_str().unwrap();
    let args = |check: bool| {
        let mut args = vec!["--schemas", schemas, "--out", out_arg];
        if check {
            args.push("--check");
        }
        args
    };

    let missing = xtask_codegen(&args(true));
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing.stderr));
    assert!(xtask_codegen(&args(false)).status.success());
    assert!(xtask_codegen(&args(true)).status.success());

    let types = out.path().join("types.rs");
    let mut edited = std::fs::read_to_string(&types).unwrap();
    edited.push_str("\n// a hand edit\n");
    std::fs::write(&types, edited).unwrap();
    let stale = xtask_codegen(&args(true));
    assert_eq!(stale.status.code(), Some(1));
    let stderr = text(&stale.stderr);
    assert!(
        stderr.contains(&format!("stale: {}", types.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("run `cargo xtask codegen` and commit"),
        "{stderr}"
    );

    assert!(xtask_codegen(&args(false)).status.success());
    assert!(xtask_codegen(&args(true)).status.success());
}

#[test]
fn codegen_refuses_an_output_folder_of_hand_written_sources() {
    let out = tempfile::tempdir().unwrap();
    let lib = out.path().join("lib.rs");
    std::fs::write(&lib, "pub fn keep() {}\n").unwrap();
    let schemas = root().join("crates/brayns-codegen/fixtures/snapshots/older");
    let output = xtask_codegen(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("refusing"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), "pub fn keep() {}\n");
}

/// What `cargo xtask package` packages: every member not marked `publish = false`.
#[test]
fn the_publishable_crates_are_the_ones_users_depend_on() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["package", "--list"])
        .output()
        .expect("xtask runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout).lines().collect::<Vec<_>>(),
        [
            "brayns-cli",
            "brayns-codegen",
            "brayns-mock",
            "brayns-rpc",
            "brayns-sdk",
            "brayns-snapshot"
        ]
    );
}
