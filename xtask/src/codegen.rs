//! `cargo xtask codegen`: turn schema snapshots into every generated file of the workspace.
//!
//! Four outputs, all committed, all checked by `--check`:
//! - the SDK's bindings (`crates/brayns-sdk/src/generated`) and their tests
//!   (`crates/brayns-sdk/tests/generated`), from `schemas/<the SDK's release>`;
//! - the mock's embedded snapshot (`crates/brayns-mock/src/snapshot/embedded.rs`), the same
//!   release;
//! - the generator's fixtures (`crates/brayns-codegen/fixtures`): each snapshot under
//!   `snapshots/` generates `src/<name>` and `tests/<name>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use brayns_codegen::{BlockingOptions, Feature, GeneratedFile, Options, TestOptions};

use crate::{project_root, relative};

/// Arguments of `cargo xtask codegen`.
#[derive(clap::Args)]
pub(crate) struct CodegenArgs {
    /// Generate only the SDK's bindings, from this snapshot folder instead of
    /// `schemas/<the brayns-sdk crate's version>` (needs `--out`).
    #[arg(long, requires = "out")]
    schemas: Option<PathBuf>,
    /// The SDK bindings' output folder, with `--schemas`.
    #[arg(long, requires = "schemas")]
    out: Option<PathBuf>,
    /// Write nothing; fail if any output is not what its snapshot generates.
    #[arg(long)]
    check: bool,
}

/// One output folder and the files that belong in it.
pub(crate) struct Output {
    pub(crate) dir: PathBuf,
    pub(crate) files: Vec<GeneratedFile>,
}

pub(crate) fn run(args: CodegenArgs) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let outputs = match (args.schemas, args.out) {
        (Some(schemas), Some(out)) => {
            let generated = sdk_bindings(&root, &schemas)?;
            vec![Output {
                dir: out,
                files: generated.bindings,
            }]
        }
        _ => workspace_outputs(&root)?,
    };
    if args.check {
        let mut stale = Vec::new();
        for output in &outputs {
            stale.extend(brayns_codegen::stale_files(&output.dir, &output.files)?);
        }
        if stale.is_empty() {
            for output in &outputs {
                println!("{} is up to date", relative(&output.dir));
            }
            return Ok(ExitCode::SUCCESS);
        }
        for path in &stale {
            eprintln!("stale: {}", path.display());
        }
        eprintln!("error: generated files are stale: run `cargo xtask codegen` and commit");
        return Ok(ExitCode::FAILURE);
    }
    for output in &outputs {
        brayns_codegen::write(&output.dir, &output.files)?;
        println!(
            "wrote {} files to {}",
            output.files.len(),
            relative(&output.dir)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Every generated output of the workspace.
fn workspace_outputs(root: &Path) -> anyhow::Result<Vec<Output>> {
    let release = sdk_release(root)?;
    let schemas = root.join("schemas").join(&release);
    let sdk = root.join("crates/brayns-sdk");
    let generated = sdk_bindings(root, &schemas)?;
    let mut outputs = vec![
        Output {
            dir: sdk.join("src/generated"),
            files: generated.bindings,
        },
        Output {
            dir: sdk.join("tests/generated"),
            files: generated.tests,
        },
    ];
    let embedded = brayns_codegen::generate_embedded(&schemas, "brayns_snapshot")
        .with_context(|| format!("embedding {}", schemas.display()))?;
    outputs.push(Output {
        dir: root.join("crates/brayns-mock/src/snapshot"),
        files: vec![embedded],
    });
    let fixtures = root.join("crates/brayns-codegen/fixtures");
    for (name, client) in [("awkward", "AwkwardClient"), ("older", "OlderClient")] {
        let options = Options {
            runtime: "::brayns_sdk".to_owned(),
            client_type: format!("crate::{client}"),
            features: Vec::new(),
            tests: Some(TestOptions {
                bindings: format!("brayns_codegen_fixtures::{name}"),
                snapshot: format!("brayns_codegen_fixtures::{name}_snapshot()"),
                calls: false,
            }),
            blocking: None,
        };
        let snapshot = fixtures.join("snapshots").join(name);
        let generated = brayns_codegen::generate(&snapshot, &options)
            .with_context(|| format!("generating from {}", snapshot.display()))?;
        outputs.push(Output {
            dir: fixtures.join("src").join(name),
            files: generated.bindings,
        });
        outputs.push(Output {
            dir: fixtures.join("tests").join(name),
            files: generated.tests,
        });
    }
    Ok(outputs)
}

/// The SDK's bindings and tests for the snapshot in `schemas`.
pub(crate) fn sdk_bindings(
    root: &Path,
    schemas: &Path,
) -> anyhow::Result<brayns_codegen::Generated> {
    let options = sdk_options(root)?;
    brayns_codegen::generate(schemas, &options)
        .with_context(|| format!("generating from {}", schemas.display()))
}

/// How the SDK's bindings are generated: methods on `crate::Brayns` and their blocking
/// twins on `crate::blocking::Brayns`, the hand-written features of
/// `crates/brayns-sdk/features.json`, round trips and end-to-end calls.
pub(crate) fn sdk_options(root: &Path) -> anyhow::Result<Options> {
    Ok(Options {
        runtime: "crate".to_owned(),
        client_type: "crate::Brayns".to_owned(),
        features: sdk_features(root)?,
        tests: Some(TestOptions {
            bindings: "brayns_sdk".to_owned(),
            snapshot: "brayns_sdk::compiled_snapshot()".to_owned(),
            calls: true,
        }),
        blocking: Some(BlockingOptions {
            client: "crate::blocking::Brayns".to_owned(),
            task: "crate::blocking::Task".to_owned(),
            feature: "blocking".to_owned(),
        }),
    })
}

/// `crates/brayns-sdk/features.json`: the hand-written features that need methods.
fn sdk_features(root: &Path) -> anyhow::Result<Vec<Feature>> {
    #[derive(serde::Deserialize)]
    struct File {
        features: Vec<Feature>,
    }
    let path = root.join("crates/brayns-sdk/features.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file: File =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(file.features)
}

/// The Brayns release the SDK targets: its crate version without build metadata
/// (`3.10.1+sdk.2` targets `3.10.1`; the SDK checks the two agree in its tests).
pub(crate) fn sdk_release(root: &Path) -> anyhow::Result<String> {
    let manifest_path = root.join("crates/brayns-sdk/Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.split('"').next())
        .with_context(|| format!("no `version = \"...\"` line in {}", manifest_path.display()))?;
    Ok(version.split('+').next().unwrap_or(version).to_owned())
}
