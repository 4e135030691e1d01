//! `cargo xtask fetch`: owned by the fetch issue; not written yet.

use std::process::ExitCode;

/// Arguments of `cargo xtask fetch`.
#[derive(clap::Args)]
pub(crate) struct FetchArgs {}

pub(crate) fn run(_args: FetchArgs) -> anyhow::Result<ExitCode> {
    let _ = super::project_root();
    anyhow::bail!("`cargo xtask fetch` is not available yet")
}
