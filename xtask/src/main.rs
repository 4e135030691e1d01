//! `cargo xtask`: project automation, in the style of rust-analyzer's xtask.
//!
//! - `cargo xtask fetch`: snapshot a live instance's schemas into `schemas/`.
//! - `cargo xtask codegen`: turn snapshots into the SDK's generated bindings (and the
//!   mock's embedded snapshot, and the generator's fixtures).
//! - `cargo xtask package`: package and verify every publishable crate.
//! - `cargo xtask release`: the publishable SDK crate for one Brayns release, or all.

mod codegen;
mod fetch;
mod package;
mod release;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "brayns-rs project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the schema snapshot of a live Brayns instance.
    Fetch(fetch::FetchArgs),
    /// Generate the SDK bindings (and every other generated file) from schema snapshots.
    Codegen(codegen::CodegenArgs),
    /// Package and verify every publishable crate of the workspace.
    Package(package::PackageArgs),
    /// Build the publishable SDK crate for a Brayns release (or every release).
    Release(release::ReleaseArgs),
}

/// The workspace root, so the xtask works from any directory.
fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// `path` relative to the workspace root, for messages.
fn relative(path: &std::path::Path) -> String {
    let root = project_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The cargo that runs the xtask (`$CARGO`), so nested commands use the same toolchain.
fn cargo_command() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fetch(args) => fetch::run(args),
        Command::Codegen(args) => codegen::run(args),
        Command::Package(args) => package::run(args),
        Command::Release(args) => release::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, like anyhow's `{:#}`, but without repeating a cause
/// that the message above it already quotes (most of our errors say their source).
fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
    }
    message
}
