//! `cargo xtask release`: the publishable SDK crate for a Brayns release.
//!
//! A release is the SDK's hand-written sources plus the bindings generated from
//! `schemas/<release>`, with the crate version set to the release. Each is staged in
//! `target/release-train/work/<release>`, a small workspace holding copies of the crates
//! the SDK needs (`brayns-rpc`, `brayns-snapshot`, and `brayns-mock` for its tests), and
//! then, by mode:
//! - `package` (the default): `cargo package`, which builds each tarball on its own
//!   (unpublished path dependencies are verified against each other's tarballs), and
//!   copies the SDK's to `target/release-train/brayns-sdk-<release>.crate`;
//! - `--check`: `cargo check` of the SDK's library and its generated tests (cheap; CI runs it
//!   for every release);
//! - `--test`: the SDK's unit tests and generated tests (every type's round trip, every
//!   method end to end against `brayns-mock` serving that release's snapshot).
//!
//! All releases share one target folder, so dependencies are built once for the train.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use brayns_codegen::{GeneratedFile, Version};

use crate::codegen::sdk_bindings;
use crate::{cargo_command, project_root, relative};

/// Arguments of `cargo xtask release`.
#[derive(clap::Args)]
pub(crate) struct ReleaseArgs {
    /// The Brayns release (`3.8.3`); a folder of `schemas/` must have its snapshot.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    release: Option<String>,
    /// Every release in `schemas/`, oldest first, one line each.
    #[arg(long)]
    all: bool,
    /// Only type-check the release's library and generated tests; package nothing.
    #[arg(long, conflicts_with = "test")]
    check: bool,
    /// Run the release's unit and generated tests instead of packaging.
    #[arg(long)]
    test: bool,
}

/// What to do with a staged release.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Package,
    Check,
    Test,
}

/// The crates a release's workspace holds besides the SDK.
const SUPPORT_CRATES: [&str; 3] = ["brayns-rpc", "brayns-snapshot", "brayns-mock"];

pub(crate) fn run(args: ReleaseArgs) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let mode = match (args.check, args.test) {
        (true, _) => Mode::Check,
        (_, true) => Mode::Test,
        _ => Mode::Package,
    };
    let releases = match args.release {
        Some(release) => vec![release.parse::<Version>().map_err(anyhow::Error::msg)?],
        None => committed_releases(&root)?,
    };
    let train = root.join("target/release-train");
    let mut failed = Vec::new();
    for release in &releases {
        let started = Instant::now();
        match release_one(&root, &train, *release, mode) {
            Ok(outcome) => println!(
                "{release}: {outcome} ({:.0} s)",
                started.elapsed().as_secs_f64()
            ),
            Err(error) => {
                println!("{release}: FAILED: {error:#}");
                failed.push(release.to_string());
            }
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} of {} releases failed: {}",
            failed.len(),
            releases.len(),
            failed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}

/// Every release with a snapshot in `schemas/`, oldest first.
pub(crate) fn committed_releases(root: &Path) -> anyhow::Result<Vec<Version>> {
    let schemas = root.join("schemas");
    let mut releases = Vec::new();
    for entry in
        std::fs::read_dir(&schemas).with_context(|| format!("reading {}", schemas.display()))?
    {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        match name.parse::<Version>() {
            Ok(release) => releases.push(release),
            Err(_) => bail!("schemas/{name} is not named after a release (major.minor.patch)"),
        }
    }
    releases.sort();
    Ok(releases)
}

/// Stages `release` and packages, checks or tests it; says what was done.
fn release_one(root: &Path, train: &Path, release: Version, mode: Mode) -> anyhow::Result<String> {
    let schemas = root.join("schemas").join(release.to_string());
    if !schemas.is_dir() {
        bail!("no snapshot: schemas/{release} does not exist");
    }
    let work = train.join("work").join(release.to_string());
    stage(root, &work, &schemas, release)?;
    let target = train.join("target");
    match mode {
        Mode::Check => {
            cargo(
                &work,
                &target,
                &["check", "-p", "brayns-sdk", "--lib", "--test", "bindings"],
            )?;
            Ok("generated and type-checked".to_owned())
        }
        Mode::Test => {
            cargo(
                &work,
                &target,
                &["test", "-p", "brayns-sdk", "--lib", "--test", "bindings"],
            )?;
            Ok("generated; unit and end-to-end tests passed".to_owned())
        }
        Mode::Package => {
            let names: Vec<String> = SUPPORT_CRATES
                .iter()
                .chain(&["brayns-sdk"])
                .map(|name| (*name).to_owned())
                .collect();
            crate::package::clear_stale_tarballs(&target, &names)?;
            let mut args = vec!["package", "--allow-dirty"];
            for name in SUPPORT_CRATES.iter().chain(&["brayns-sdk"]) {
                args.extend(["-p", name]);
            }
            cargo(&work, &target, &args)?;
            let name = format!("brayns-sdk-{release}.crate");
            let built = target.join("package").join(&name);
            let out = train.join(&name);
            std::fs::copy(&built, &out)
                .with_context(|| format!("copying {} to {}", built.display(), out.display()))?;
            Ok(format!("packaged and verified: {}", relative(&out)))
        }
    }
}

/// Writes the release's workspace into `work`, replacing what an earlier run left.
fn stage(root: &Path, work: &Path, schemas: &Path, release: Version) -> anyhow::Result<()> {
    if work.exists() {
        std::fs::remove_dir_all(work).with_context(|| format!("clearing {}", work.display()))?;
    }
    std::fs::create_dir_all(work)?;
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    std::fs::write(
        work.join("Cargo.toml"),
        workspace_manifest(&manifest, release)?,
    )?;
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock"))?;
    for name in SUPPORT_CRATES {
        copy_tree(&root.join("crates").join(name), &work.join(name))?;
    }

    // The SDK: its manifest and hand-written sources, the release-independent tests, and the
    // release's bindings. Examples and benches are written for the workspace's release and
    // stay out of the packages.
    let sdk = root.join("crates/brayns-sdk");
    let staged = work.join("brayns-sdk");
    copy_tree(&sdk.join("src"), &staged.join("src"))?;
    std::fs::remove_dir_all(staged.join("src/generated"))?;
    copy_tree(&sdk.join("tests/support"), &staged.join("tests/support"))?;
    std::fs::copy(
        sdk.join("tests/bindings.rs"),
        staged.join("tests/bindings.rs"),
    )?;
    std::fs::copy(sdk.join("README.md"), staged.join("README.md"))?;
    let sdk_manifest = std::fs::read_to_string(sdk.join("Cargo.toml"))?;
    std::fs::write(
        staged.join("Cargo.toml"),
        sdk_manifest_for(&sdk_manifest, release)?,
    )?;

    let generated = sdk_bindings(root, schemas)?;
    write_all(&staged.join("src/generated"), &generated.bindings)?;
    write_all(&staged.join("tests/generated"), &generated.tests)?;
    Ok(())
}

/// The root manifest, made the release workspace's: its members are the staged crates, its
/// paths point at them, and the SDK's version is the release.
fn workspace_manifest(manifest: &str, release: Version) -> anyhow::Result<String> {
    let mut out = String::with_capacity(manifest.len());
    let mut replaced_members = false;
    for line in manifest.lines() {
        if line.starts_with("members = ") {
            out.push_str("members = [\"brayns-rpc\", \"brayns-snapshot\", \"brayns-mock\", \"brayns-sdk\"]\n");
            replaced_members = true;
        } else if line.starts_with("brayns-codegen = ") {
            // Not staged: the release's bindings are generated already.
        } else if line.starts_with("brayns-sdk = ") {
            out.push_str(&format!(
                "brayns-sdk = {{ path = \"brayns-sdk\", version = \"{release}\" }}\n"
            ));
        } else {
            out.push_str(&line.replace("path = \"crates/", "path = \""));
            out.push('\n');
        }
    }
    if !replaced_members {
        bail!("the root Cargo.toml has no `members = ` line");
    }
    Ok(out)
}

/// The SDK's manifest for `release`: its version and description name the release, and
/// the targets that are not staged (benches, examples) are dropped.
fn sdk_manifest_for(manifest: &str, release: Version) -> anyhow::Result<String> {
    let mut out = String::with_capacity(manifest.len());
    let mut skipping = false;
    let mut versioned = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            skipping = line == "[[bench]]" || line == "[[example]]";
        }
        if skipping {
            continue;
        }
        if line.starts_with("version = ") {
            out.push_str(&format!("version = \"{release}\"\n"));
            versioned = true;
        } else if line.starts_with("description = ") {
            out.push_str(&format!(
                "description = \"Typed async Rust SDK for Brayns {release}, generated from its schemas\"\n"
            ));
        } else {
            out.push_str(line);
            out.push('\n');
        }
        if line == "[package]" {
            // Only what is staged is a target.
            out.push_str("autoexamples = false\nautobenches = false\n");
        }
    }
    if !versioned {
        bail!("crates/brayns-sdk/Cargo.toml has no `version = ` line");
    }
    Ok(out)
}

fn write_all(dir: &Path, files: &[GeneratedFile]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for file in files {
        std::fs::write(dir.join(&file.path), &file.contents)?;
    }
    Ok(())
}

/// Copies a folder, leaving out build output.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, name) = (entry.path(), entry.file_name());
        if name == "target" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &to.join(&name))?;
        } else {
            std::fs::copy(&source, to.join(&name))
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Runs cargo in `work` with the train's shared target folder; fails with its last lines.
fn cargo(work: &Path, target: &Path, args: &[&str]) -> anyhow::Result<()> {
    let output = cargo_command()
        .args(args)
        .arg("--quiet")
        .current_dir(work)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tail: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .rev()
        .take(30)
        .collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    bail!(
        "cargo {} failed ({}):\n{}",
        args.join(" "),
        output.status,
        tail.join("\n")
    )
}
