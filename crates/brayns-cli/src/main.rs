//! `brayns`: a command-line tool to talk to any Brayns instance.
//!
//! Built on `brayns-sdk` (connection, typed calls, tasks, schemas) and `brayns-mock` (the
//! stand-in instance of `brayns mock`, and the validator that checks params locally with
//! Brayns' own messages). `brayns --help` and the crate README describe the commands and
//! the exit codes.

mod cli;
mod commands;
mod connection;
mod error;
mod interrupt;
mod output;
mod params;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::commands::Context;
use crate::error::CliError;
use crate::interrupt::Interrupt;
use crate::output::Printer;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2, `--help` and `--version` with 0.
    let cli = Cli::parse();
    cli.output.init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return CliError::failure(format!("cannot start the async runtime: {error}")).report();
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => error.report(),
    }
}

/// Runs the command, or stops on Ctrl-C (which a running task handles itself first).
async fn run(cli: Cli) -> Result<u8, CliError> {
    let interrupt = Interrupt::listen();
    let context = Context {
        connection: &cli.connection,
        printer: Printer::new(cli.output.format()),
        interrupt: interrupt.clone(),
    };
    tokio::select! {
        outcome = commands::run(&cli.command, &context) => outcome,
        () = interrupt.stop_requested() => {
            Err(CliError::Interrupted("stopped by Ctrl-C".to_owned()))
        }
    }
}
