//! The one error type of the crate, and the JSON-RPC error object sent by the server.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a Brayns instance.
///
/// Server-side JSON-RPC errors ([`Error::Server`], [`Error::Cancelled`]) are kept apart from
/// transport failures so callers can match on what they can act upon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered the request with a JSON-RPC error object (any code but 20).
    #[error("server {0}")]
    Server(ServerError),

    /// The request was cancelled on the server: it ended with error code 20
    /// ([`ServerError::TASK_CANCELLED`]).
    #[error("cancelled by the server ({0})")]
    Cancelled(ServerError),

    /// The service could not be reached (refused, unreachable, connect or handshake timeout,
    /// or the connection closed or reset before the server sent a byte) after every allowed
    /// attempt.
    #[error("cannot connect to {uri} after {attempts} attempt(s): {source}")]
    Connect {
        /// The websocket URL that was tried.
        uri: String,
        /// How many attempts were made.
        attempts: u32,
        /// The failure of the last attempt (`TimedOut` for a connect/handshake timeout;
        /// `UnexpectedEof` or `ConnectionReset` for a connection ended before any answer).
        #[source]
        source: io::Error,
    },

    /// TLS failed: bad or untrusted certificate, hostname mismatch, unreadable CA, ... Never
    /// retried.
    #[error("TLS error with {uri}: {message}")]
    Tls {
        /// The websocket URL (or the CA source when loading certificates failed).
        uri: String,
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one (often a [`rustls::Error`]).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The peer does not speak the expected protocol: the websocket upgrade was refused (HTTP
    /// status), the answer was not HTTP or TLS where expected, ... Never retried.
    #[error("protocol error: {0}")]
    Protocol(String),

    /// The connection is closed: it dropped while the call was pending, or it was already closed
    /// when the call was made, or [`Client::disconnect`](crate::Client::disconnect) was called.
    #[error("disconnected: {reason}")]
    Disconnected {
        /// Why the connection ended.
        reason: Arc<str>,
    },

    /// No reply arrived in time. The pending entry is gone and the connection stays usable; a
    /// late reply is dropped.
    #[error("{method}: no reply after {after:?}")]
    Timeout {
        /// Method of the request that timed out.
        method: Cow<'static, str>,
        /// The timeout that elapsed.
        after: Duration,
    },

    /// The request parameters could not be serialized to JSON.
    #[error("cannot serialize params: {0}")]
    Serialize(#[source] serde_json::Error),

    /// The result could not be deserialized into the requested type.
    #[error("{method}: cannot deserialize result: {source}")]
    Deserialize {
        /// Method of the request whose result did not fit.
        method: Cow<'static, str>,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },

    /// The connector configuration is unusable (bad URI, scheme and TLS settings in conflict).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// The server error object, for [`Error::Server`] and [`Error::Cancelled`].
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Server(error) | Error::Cancelled(error) => Some(error),
            _ => None,
        }
    }

    /// The rustls error behind an [`Error::Tls`], if any: match it to tell an unknown issuer
    /// from a hostname mismatch or an expired certificate
    /// (`rustls::Error::InvalidCertificate(rustls::CertificateError::...)`).
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        let Error::Tls {
            source: Some(source),
            ..
        } = self
        else {
            return None;
        };
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
        while let Some(error) = current {
            if let Some(rustls) = error.downcast_ref::<rustls::Error>() {
                return Some(rustls);
            }
            if let Some(io) = error.downcast_ref::<io::Error>()
                && let Some(inner) = io.get_ref()
                && let Some(rustls) = inner.downcast_ref::<rustls::Error>()
            {
                return Some(rustls);
            }
            current = error.source();
        }
        None
    }

    /// Whether the error comes from the connection being gone.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. })
    }

    pub(crate) fn disconnected(reason: &Arc<str>) -> Error {
        Error::Disconnected {
            reason: reason.clone(),
        }
    }

    /// Builds the error for a JSON-RPC error reply: code 20 means cancelled.
    pub(crate) fn from_server(error: ServerError) -> Error {
        if error.code == ServerError::TASK_CANCELLED {
            Error::Cancelled(error)
        } else {
            Error::Server(error)
        }
    }
}

/// A JSON-RPC error object as sent by the server: `{"code", "message", "data"?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerError {
    /// The error code; see the associated constants for the ones Brayns uses.
    pub code: i64,
    /// Human-readable message. Do not parse it; match on [`code`](Self::code).
    pub message: String,
    /// Extra data, kept exactly as received (Brayns sends an array of strings for schema
    /// failures). `None` when the key is absent.
    #[serde(default)]
    pub data: Option<Value>,
}

impl ServerError {
    /// Invalid JSON, or a bad binary header (`-32700`).
    pub const PARSE_ERROR: i64 = -32700;
    /// Invalid envelope (`-32600`).
    pub const INVALID_REQUEST: i64 = -32600;
    /// Unknown method (`-32601`).
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid params, including failed cancels (`-32602`).
    pub const INVALID_PARAMS: i64 = -32602;
    /// Unexpected exception in the server (`-32603`).
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Generic domain error thrown by an entrypoint (`0`).
    pub const DOMAIN_ERROR: i64 = 0;
    /// The task was cancelled (`20`).
    pub const TASK_CANCELLED: i64 = 20;
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code, self.message)?;
        if let Some(data) = &self.data {
            write!(f, " {data}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}
