//! Printing results (JSON for scripts, text for people) and the log verbosity.

use std::io::{IsTerminal, Write};

use brayns_sdk::types::Bounds;
use clap::{ArgAction, Args, ValueEnum};
use serde::Serialize;
use serde_json::Value;

use crate::error::{CliError, Result};

/// How results and logs are printed.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Result format. Default: `json` when stdout is not a terminal (piped, redirected),
    /// `pretty` on a terminal.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,

    /// Log the transport on stderr: -v for requests and connections, -vv for every frame.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document per line, for scripts and `jq`.
    Json,
    /// Text for people: tables, indented JSON.
    Pretty,
}

impl OutputArgs {
    /// The format to use: the one asked for, else by whether stdout is a terminal.
    pub fn format(&self) -> Format {
        self.output.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                Format::Pretty
            } else {
                Format::Json
            }
        })
    }

    /// Sends the SDK's and transport's `tracing` events to stderr: warnings (a release
    /// mismatch) always, more with `-v`. `RUST_LOG`, when set, wins.
    pub fn init_logging(&self) {
        let level = match self.verbose {
            0 => "warn",
            1 => "warn,brayns_rpc=debug,brayns_sdk=debug,brayns_snapshot=debug",
            _ => "warn,brayns_rpc=trace,brayns_sdk=trace,brayns_snapshot=trace",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(self.verbose > 0)
            .init();
    }
}

/// Where a command prints its result.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: Format,
}

impl Printer {
    /// A printer in `format`.
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    /// Prints `json` as one line in JSON mode, or the text `pretty` makes of it otherwise.
    pub fn print(&self, json: &Value, pretty: impl FnOnce(&Value) -> String) {
        let text = match self.format {
            Format::Json => json.to_string(),
            Format::Pretty => pretty(json),
        };
        print_line(&text);
    }

    /// Prints `json`: compact in JSON mode, indented for people.
    pub fn print_json(&self, json: &Value) {
        self.print(json, indented);
    }
}

/// Writes `bytes` on stdout. A closed pipe (`brayns methods | head -1`) is not an error worth
/// reporting, and `print!` would panic on it: write errors are ignored.
pub fn write_stdout(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}

/// Writes `text` on stdout as one line (its own trailing newlines dropped), as
/// [`write_stdout`] does.
pub fn print_line(text: &str) {
    write_stdout(format!("{}\n", text.trim_end_matches('\n')).as_bytes());
}

/// `bounds` for people: `[min x, y, z] .. [max x, y, z]`.
pub fn bounds(bounds: &Bounds) -> String {
    format!("{:?} .. {:?}", bounds.min, bounds.max)
}

/// A typed result as JSON, for printing; `what` names it in the error.
pub fn to_json(value: &impl Serialize, what: &str) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|error| CliError::failure(format!("{what} as JSON: {error}")))
}

/// `value` as indented JSON.
pub fn indented(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Rows as a table: columns padded to their widest cell, two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index == last {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_owned()
    };
    let mut lines = vec![line(header.to_vec())];
    lines.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    lines.join("\n")
}
