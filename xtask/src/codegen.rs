//! `cargo xtask codegen`: owned by the codegen issue; not written yet.

use std::process::ExitCode;

/// Arguments of `cargo xtask codegen`.
#[derive(clap::Args)]
pub(crate) struct CodegenArgs {}

pub(crate) fn run(_args: CodegenArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask codegen` is not available yet")
}
