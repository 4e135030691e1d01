//! `brayns completions SHELL`: the completion script, from the clap definition.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::output::write_stdout;

/// Prints the completion script for the shell asked for on stdout.
pub fn run(args: &CompletionsArgs) {
    let mut command = Cli::command();
    // Generated into memory first: `clap_complete::generate` panics when writing fails, and
    // a closed pipe (`brayns completions bash | head -1`) is no failure worth a panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "brayns", &mut script);
    write_stdout(&script);
}
