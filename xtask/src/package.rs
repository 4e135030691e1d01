//! `cargo xtask package`: package and verify every publishable crate of the workspace.
//!
//! Publishable means not `publish = false`, read from `cargo metadata`, so a crate added
//! later is packaged without anyone editing a list. `cargo package` builds each tarball
//! on its own, with the workspace's unpublished crates taken from each other's tarballs.

use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use crate::{cargo_command, project_root};

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
    clear_stale_tarballs(&project_root().join("target"), &crates)?;
    let mut command = cargo_command();
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
    let output = cargo_command()
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

/// Removes what earlier packagings of `crates` left: their tarballs under
/// `<target>/package` and the overlay registry there, and their sources unpacked from those
/// tarballs in Cargo's cache of local registries (`$CARGO_HOME/registry/src/-<hash>/`), and
/// what was compiled from them. Our crates keep one version
/// (`0.1.0`) while their code changes, and Cargo reuses an unpacked `name-version` folder
/// without looking at its contents, so a verification could otherwise build against an
/// older tarball's sources.
pub(crate) fn clear_stale_tarballs(
    target: &std::path::Path,
    crates: &[String],
) -> anyhow::Result<()> {
    let ours = |name: &str| {
        crates.iter().any(|krate| {
            name.strip_prefix(krate.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
        })
    };
    // Cargo's overlay registry of the tarballs being verified keeps an index that grows
    // with every packaging, and an older entry of the same version wins: it goes whole.
    for overlay in ["tmp-registry", "tmp-crate"] {
        let path = target.join("package").join(overlay);
        if path.exists() {
            remove(&path)?;
        }
    }
    // Cargo takes a registry crate's build as fresh by its name and version alone, so a
    // verification would link what an earlier one compiled from older sources: our crates'
    // builds go too (the dependencies' stay, so this costs only our own crates).
    for profile in ["debug", "release"] {
        for (folder, prefix) in [(".fingerprint", ""), ("deps", "lib"), ("deps", "")] {
            let dir = target.join(profile).join(folder);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let built_from_ours = crates.iter().any(|krate| {
                    let stem = if folder == ".fingerprint" {
                        krate.clone()
                    } else {
                        format!("{prefix}{}", krate.replace('-', "_"))
                    };
                    name.strip_prefix(&stem)
                        .is_some_and(|rest| rest.starts_with('-'))
                });
                if built_from_ours {
                    remove(&entry.path())?;
                }
            }
        }
    }
    let mut folders = vec![target.join("package")];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".cargo"))
        });
    if let Some(sources) = cargo_home.map(|home| home.join("registry/src"))
        && let Ok(entries) = std::fs::read_dir(&sources)
    {
        // Local registries have no host name: their folders start with `-`.
        folders.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with('-'))
                }),
        );
    }
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !ours(name.trim_end_matches(".crate")) {
                continue;
            }
            remove(&path)?;
        }
    }
    Ok(())
}

/// Removes a file, or a folder with what it holds.
fn remove(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("removing {}", path.display()))
}
