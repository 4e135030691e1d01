//! `cargo xtask codegen`: turn a schema snapshot into the SDK's generated bindings.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::project_root;

/// Arguments of `cargo xtask codegen`.
#[derive(clap::Args)]
pub(crate) struct CodegenArgs {
    /// The snapshot folder (default: `schemas/3.10.1`).
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
    let schemas = args
        .schemas
        .unwrap_or_else(|| root.join("schemas").join("3.10.1"));
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
