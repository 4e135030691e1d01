//! `cargo xtask codegen`: turn a schema snapshot into the SDK's generated bindings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::project_root;

/// Arguments of `cargo xtask codegen`.
#[derive(clap::Args)]
pub(crate) struct CodegenArgs {
    /// The snapshot folder (default: `schemas/<the brayns-sdk crate's version>`, the release
    /// the SDK targets).
    #[arg(long)]
    schemas: Option<PathBuf>,
    /// The output folder (default: `crates/brayns-sdk/src/generated`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write nothing; fail if the output folder is not what the snapshot generates.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: CodegenArgs) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let schemas = match args.schemas {
        Some(schemas) => schemas,
        None => root.join("schemas").join(sdk_release(&root)?),
    };
    let out = args
        .out
        .unwrap_or_else(|| root.join("crates/brayns-sdk/src/generated"));
    let options = brayns_codegen::Options::for_dirs(&schemas, &out);
    let files = brayns_codegen::generate(&schemas, &options)
        .with_context(|| format!("generating from {}", schemas.display()))?;
    if args.check {
        let stale = brayns_codegen::stale_files(&out, &files)?;
        if stale.is_empty() {
            println!("{} is up to date with {}", out.display(), schemas.display());
            return Ok(ExitCode::SUCCESS);
        }
        for path in &stale {
            eprintln!("stale: {}", path.display());
        }
        eprintln!("error: the generated bindings are stale: run `cargo xtask codegen` and commit");
        return Ok(ExitCode::FAILURE);
    }
    brayns_codegen::write(&out, &files)?;
    println!(
        "wrote {} files to {} from {}",
        files.len(),
        out.display(),
        schemas.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The Brayns release the SDK targets: its crate version without build metadata
/// (`3.10.1+sdk.2` targets `3.10.1`; the SDK checks the two agree in its tests).
fn sdk_release(root: &Path) -> anyhow::Result<String> {
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
