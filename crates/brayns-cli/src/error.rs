//! What can go wrong, how it is printed, and the exit code a script sees for it.
//!
//! The codes are part of the command line's interface (documented in `--help` and the crate
//! README); the tests in `tests/` check each one.

use std::fmt;
use std::process::ExitCode;

use brayns_sdk::Error as SdkError;
use serde_json::Value;

/// The exit codes, one per kind of outcome.
pub mod code {
    /// Success.
    pub const OK: u8 = 0;
    /// A failure not listed below: a params or image file unreadable or unwritable, an
    /// answer that makes no sense.
    pub const FAILURE: u8 = 1;
    /// A bad command line (clap's own code): unknown option, bad value, malformed `--uri`,
    /// unparsable JSON, unknown image extension or `--loader`, no single loader for a file.
    pub const USAGE: u8 = 2;
    /// The instance could not be reached or was lost: refused, TLS, timeout, disconnected.
    /// An unreadable `--ca-file` counts: it is part of setting up the connection.
    pub const CONNECTION: u8 = 3;
    /// The server answered with an error (its code is printed).
    pub const SERVER: u8 = 4;
    /// Params or method refused locally, before anything was sent.
    pub const INVALID_PARAMS: u8 = 5;
    /// The instance runs a release `--version-check` refuses.
    pub const VERSION: u8 = 6;
    /// `brayns diff` found differences.
    pub const DIFFERENCES: u8 = 7;
    /// Interrupted by Ctrl-C (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

/// A failed command: one line for stderr, maybe the server's `data`, and an exit code.
#[derive(Debug)]
pub enum CliError {
    /// A bad argument found after clap parsed the command line.
    Usage(String),
    /// A method or params refused before sending, with Brayns' own error when there is one.
    Invalid {
        /// What is wrong.
        message: String,
        /// The problems, as the server would list them in its `data`.
        data: Option<Value>,
    },
    /// The SDK or transport failed.
    Sdk(SdkError),
    /// A local file could not be read or written.
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Anything else that stops the command (exit code 1): an answer that makes no sense,
    /// a mock that cannot start.
    Failure(String),
    /// Ctrl-C: what was done about it.
    Interrupted(String),
}

impl CliError {
    /// An I/O failure on `path`.
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_string(),
            source,
        }
    }

    /// Any other failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::Failure(message.into())
    }

    /// The exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => code::USAGE,
            Self::Invalid { .. } => code::INVALID_PARAMS,
            Self::Sdk(error) => sdk_code(error),
            Self::Io { .. } => code::FAILURE,
            Self::Failure(_) => code::FAILURE,
            Self::Interrupted(_) => code::INTERRUPTED,
        }
    }

    /// The server's `data`, printed under the error line.
    fn data(&self) -> Option<&Value> {
        match self {
            Self::Invalid { data, .. } => data.as_ref(),
            Self::Sdk(error) => error.server_error().and_then(|error| error.data.as_ref()),
            _ => None,
        }
    }

    /// Prints the error on stderr and gives the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("brayns: {self}");
        match self.data() {
            // Brayns lists schema problems as an array of strings: one per line.
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                for item in items.iter().filter_map(Value::as_str) {
                    eprintln!("  - {item}");
                }
            }
            Some(other) => eprintln!("  data: {other}"),
            None => {}
        }
        ExitCode::from(self.exit_code())
    }
}

/// The code for an SDK error: the server's refusals, the connection's failures, the version.
fn sdk_code(error: &SdkError) -> u8 {
    match error {
        SdkError::Server(_) | SdkError::Cancelled(_) => code::SERVER,
        SdkError::VersionMismatch { .. } => code::VERSION,
        SdkError::Usage(_) => code::USAGE,
        SdkError::Io { .. } => code::FAILURE,
        SdkError::Rpc(rpc) => match rpc {
            brayns_sdk::rpc::Error::Connect { .. }
            | brayns_sdk::rpc::Error::Tls { .. }
            | brayns_sdk::rpc::Error::Disconnected { .. }
            | brayns_sdk::rpc::Error::Timeout { .. }
            | brayns_sdk::rpc::Error::Protocol(_) => code::CONNECTION,
            brayns_sdk::rpc::Error::Config(_) => code::USAGE,
            _ => code::FAILURE,
        },
        _ => code::FAILURE,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) => write!(f, "usage: {message}"),
            Self::Invalid { message, .. } => write!(f, "{message} (not sent)"),
            // The server error's Display includes its data on the same line; here the data
            // gets lines of its own.
            Self::Sdk(error) => match error.server_error() {
                Some(server) => {
                    let cancelled = matches!(error, SdkError::Cancelled(_));
                    let what = if cancelled {
                        "cancelled by the server"
                    } else {
                        "server error"
                    };
                    write!(f, "{what} {}: {}", server.code, server.message)
                }
                None => write!(f, "{error}"),
            },
            Self::Io { path, source } => write!(f, "{path}: {source}"),
            Self::Failure(message) => f.write_str(message),
            Self::Interrupted(message) => write!(f, "interrupted: {message}"),
        }
    }
}

impl From<SdkError> for CliError {
    fn from(error: SdkError) -> Self {
        Self::Sdk(error)
    }
}

impl From<brayns_sdk::rpc::Error> for CliError {
    fn from(error: brayns_sdk::rpc::Error) -> Self {
        Self::Sdk(error.into())
    }
}

/// `Result` with a [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;
