//! `brayns completions SHELL`: the completion script, from the clap definition.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// Prints the completion script for the shell asked for on stdout.
pub fn run(args: &CompletionsArgs) {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "brayns", &mut std::io::stdout());
}
