//! Successful replies and progress notifications.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::error::{Error, Result};
use crate::request::{RequestId, Truncated};

/// A successful reply: the raw `result` JSON and the binary payload.
///
/// Both borrow from the received frame: the result is a range of the frame's JSON text and the
/// payload a [`Bytes`] slice of the frame, so large payloads are never copied.
#[derive(Clone)]
pub struct Response {
    pub(crate) method: Cow<'static, str>,
    pub(crate) id: RequestId,
    /// The whole JSON text of the reply.
    pub(crate) json: Utf8Bytes,
    /// Where `result` sits in `json`.
    pub(crate) result: Range<usize>,
    pub(crate) binary: Bytes,
}

impl Response {
    /// Deserializes the `result` (borrowing from the response where `T` allows it).
    pub fn decode<'de, T: Deserialize<'de>>(&'de self) -> Result<T> {
        serde_json::from_str(self.result_json()).map_err(|source| Error::Deserialize {
            method: self.method.clone(),
            source,
        })
    }

    /// The `result` as JSON text, exactly as received (`"null"` for methods without a result).
    pub fn result_json(&self) -> &str {
        &self.json.as_str()[self.result.clone()]
    }

    /// The binary payload; empty when the reply came as a text frame.
    pub fn binary(&self) -> &Bytes {
        &self.binary
    }

    /// Takes the binary payload (no copy).
    pub fn into_binary(self) -> Bytes {
        self.binary
    }

    /// Method of the request this answers.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Id of the request this answers.
    pub fn id(&self) -> RequestId {
        self.id
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("id", &self.id)
            .field("result", &Truncated(self.result_json().as_bytes(), 256))
            .field("binary", &self.binary.len())
            .finish()
    }
}

/// A progress notification of a running task (`params.{operation, amount}` on the wire).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Progress {
    /// What the server is doing, e.g. `Rendering snapshot ...`.
    pub operation: String,
    /// How far along, from 0 to 1.
    pub amount: f64,
}
