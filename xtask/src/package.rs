//! `cargo xtask package`: package and verify every publishable crate of the workspace.
//!
//! Publishable means not `publish = false`, read from `cargo metadata`, so a crate added
//! later is packaged without anyone editing a list. `cargo package` builds each tarball
//! on its own, with the workspace's unpublished crates taken from each other's tarballs.

use std::process::{Command, ExitCode};

use anyhow::Context;
use serde_json::Value;

use crate::project_root;

/// Arguments of `cargo xtask package`.
#[derive(clap::Args)]
pub(crate) struct PackageArgs {
    /// Only print the publishable crates, one per line.
    #[arg(long)]
    list: bool,
}

pub(crate) fn run(args: PackageArgs) -> anyhow::Result<ExitCode> {
    let crates = publishable()?;
    if args.list {
        for name in &crates {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("packaging {}", crates.join(", "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(project_root())
        .args(["package", "--locked"]);
    for name in &crates {
        command.args(["-p", name]);
    }
    let status = command.status().context("running cargo package")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The workspace members without `publish = false`, sorted by name.
fn publishable() -> anyhow::Result<Vec<String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(project_root())
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .context("running cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata lists no packages")?;
    // `publish` is `null` when unrestricted and `[]` for `publish = false`.
    let mut names: Vec<String> = packages
        .iter()
        .filter(|package| package["publish"].is_null())
        .filter_map(|package| package["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}
