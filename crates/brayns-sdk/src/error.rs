//! The SDK's one error type.
//!
//! It wraps [`brayns_rpc::Error`] rather than re-exporting it because the SDK has failures
//! of its own (a version refused by the [`VersionPolicy`], schema answers that make no
//! snapshot), and users should match one enum. The server's refusals are lifted to the top
//! ([`Error::Server`], [`Error::Cancelled`]) since they are what users match most.

use brayns_rpc::ServerError;
use brayns_snapshot::FetchError;

use crate::{Version, VersionPolicy};

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Brayns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a JSON-RPC error: invalid params (`-32602`, the
    /// validation messages in [`ServerError::data`]), an unknown method, a domain error...
    #[error("server {0}")]
    Server(ServerError),
    /// A task ended because it was cancelled (code 20).
    #[error("cancelled by the server ({0})")]
    Cancelled(ServerError),
    /// The transport failed: cannot connect, TLS, disconnected, timed out, a result
    /// that does not decode into its type... Never `Server` or `Cancelled`: those are
    /// the variants above.
    #[error(transparent)]
    Rpc(brayns_rpc::Error),
    /// The instance runs a release the [`VersionPolicy`] refuses; the connection was
    /// closed.
    #[error(
        "{uri} runs Brayns {actual}, but this SDK targets Brayns {expected} \
         and the version policy is {policy:?}"
    )]
    VersionMismatch {
        /// The instance's address.
        uri: String,
        /// The release this SDK was generated from ([`crate::BRAYNS_VERSION`]).
        expected: Version,
        /// The release the instance reported.
        actual: Version,
        /// The policy that refused it.
        policy: VersionPolicy,
    },
    /// A call that cannot be made as asked, found before anything is sent (an image file
    /// name whose extension names no format Brayns writes...).
    #[error("{0}")]
    Usage(String),
    /// A local file could not be read or written (a snapshot saved to disk...).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A program the SDK runs (`braynsService`, `ffmpeg`) could not be started: not found
    /// on `PATH` or at the path given, not executable...
    #[error("cannot run {}: {source}{}", program.display(), if source.kind() == std::io::ErrorKind::NotFound { " (not found: install it, put it on PATH or give its path)" } else { "" })]
    Spawn {
        /// The program, as given.
        program: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A program the SDK ran exited when it should not have (a service before it could be
    /// reached) or failed (an encoder); with its last log lines.
    #[error("{} exited with {status}; its last log lines:\n{}", program.display(), logs.join("\n"))]
    Exited {
        /// The program, as given.
        program: std::path::PathBuf,
        /// How it exited.
        status: std::process::ExitStatus,
        /// Its last lines of output, oldest first.
        logs: Vec<String>,
    },
    /// A job was stopped with its [`CancelToken`](crate::CancelToken) (a movie render...);
    /// what it finished stays done.
    #[error("cancelled")]
    Aborted,
    /// The instance's introspection answers (`registry`, `schema`...) do not make a schema
    /// snapshot, so [`verify_schemas`](crate::Brayns::verify_schemas) cannot compare them.
    #[error("the instance's schemas: {0}")]
    Schemas(Box<FetchError>),
}

impl Error {
    /// The server's error object, for [`Error::Server`] and [`Error::Cancelled`].
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Self::Server(error) | Self::Cancelled(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the connection is gone (dropped, closed or never there): a new connection
    /// is needed.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Rpc(error) if error.is_disconnected())
    }

    /// The transport error, for [`Error::Rpc`].
    pub fn rpc_error(&self) -> Option<&brayns_rpc::Error> {
        match self {
            Self::Rpc(error) => Some(error),
            _ => None,
        }
    }
}

impl From<brayns_rpc::Error> for Error {
    fn from(error: brayns_rpc::Error) -> Self {
        match error {
            brayns_rpc::Error::Server(error) => Self::Server(error),
            brayns_rpc::Error::Cancelled(error) => Self::Cancelled(error),
            other => Self::Rpc(other),
        }
    }
}

impl From<FetchError> for Error {
    /// A failed request is reported as any other request's failure; answers that make
    /// no snapshot as [`Error::Schemas`].
    fn from(error: FetchError) -> Self {
        match error {
            FetchError::Request { source, .. } => source.into(),
            other => Self::Schemas(Box::new(other)),
        }
    }
}
