//! Classifies what the server sends: reply, error or progress (PROTOCOL.md §5), parsing
//! borrowed from the frame.

use std::ops::Range;

use bytes::Bytes;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::error::ServerError;
use crate::response::Progress;

/// The `id` of a server message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WireId {
    /// An integer: the only kind this client sends.
    Int(i64),
    /// `null`: errors raised before the server could read the id.
    Null,
    /// Anything else (a string, a float): cannot be one of ours.
    Other(String),
}

impl WireId {
    fn parse(raw: &RawValue) -> WireId {
        let text = raw.get();
        if text == "null" {
            WireId::Null
        } else if let Ok(id) = text.parse::<i64>() {
            WireId::Int(id)
        } else {
            WireId::Other(text.to_owned())
        }
    }
}

/// One classified server message.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// `result` present: a successful reply.
    Reply {
        id: WireId,
        json: Utf8Bytes,
        result: Range<usize>,
        binary: Bytes,
    },
    /// `error` present.
    Error {
        id: WireId,
        /// `Err` holds why the error object itself is malformed.
        error: Result<ServerError, String>,
    },
    /// No `id`, `params` present: a progress notification.
    Progress {
        id: WireId,
        /// `Err` holds why the params are not a progress object.
        progress: Result<Progress, String>,
    },
}

/// Top-level keys of a server message, borrowed from the frame. `Some(raw)` means the key is
/// present, even with a `null` value.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    error: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    params: Option<&'a RawValue>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
struct ProgressParams<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    operation: String,
    amount: f64,
}

/// Splits a binary frame into its JSON text and payload (`u32` LE length, JSON, payload).
pub(crate) fn split_binary(frame: Bytes) -> Result<(Utf8Bytes, Bytes), String> {
    let Some(header) = frame.get(..4) else {
        return Err(format!(
            "binary frame of {} bytes is shorter than its 4-byte header",
            frame.len()
        ));
    };
    let json_len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let available = frame.len() - 4;
    if json_len > available {
        return Err(format!(
            "binary frame declares {json_len} bytes of JSON but carries {available}"
        ));
    }
    let json = Utf8Bytes::try_from(frame.slice(4..4 + json_len))
        .map_err(|error| format!("JSON part of a binary frame is not UTF-8: {error}"))?;
    Ok((json, frame.slice(4 + json_len..)))
}

/// Classifies one message: `error` key, else `result` key, else no `id` and `params`.
///
/// On failure, returns why along with the message text (for the trace).
pub(crate) fn classify(json: Utf8Bytes, binary: Bytes) -> Result<Incoming, (String, Utf8Bytes)> {
    match classify_parts(&json) {
        Ok(Kind::Reply { id, result }) => Ok(Incoming::Reply {
            id,
            json,
            result,
            binary,
        }),
        Ok(Kind::Other(incoming)) => Ok(incoming),
        Err(error) => Err((error, json)),
    }
}

enum Kind {
    Reply { id: WireId, result: Range<usize> },
    Other(Incoming),
}

fn classify_parts(json: &Utf8Bytes) -> Result<Kind, String> {
    let text = json.as_str();
    // serde would read a JSON array as a struct too.
    if !text.trim_start().starts_with('{') {
        return Err("not a JSON object".to_owned());
    }
    let envelope: Envelope<'_> =
        serde_json::from_str(text).map_err(|error| format!("not a JSON-RPC object: {error}"))?;
    let id = envelope.id.map(WireId::parse);
    if let Some(error) = envelope.error {
        let error = serde_json::from_str::<ServerError>(error.get())
            .map_err(|e| format!("malformed error object {}: {e}", error.get()));
        return Ok(Kind::Other(Incoming::Error {
            id: id.unwrap_or(WireId::Null),
            error,
        }));
    }
    if let Some(result) = envelope.result {
        let Some(id) = id else {
            return Err("reply without id".to_owned());
        };
        let start = result.get().as_ptr() as usize - text.as_ptr() as usize;
        let result = start..start + result.get().len();
        return Ok(Kind::Reply { id, result });
    }
    match (id, envelope.params) {
        (None, Some(params)) => match serde_json::from_str::<ProgressParams<'_>>(params.get()) {
            Ok(progress) => Ok(Kind::Other(Incoming::Progress {
                id: WireId::parse(progress.id),
                progress: Ok(Progress {
                    operation: progress.operation,
                    amount: progress.amount,
                }),
            })),
            Err(error) => {
                // Still route it if the id is readable, so the trace names the task.
                #[derive(Deserialize)]
                struct IdOnly<'a> {
                    #[serde(borrow)]
                    id: &'a RawValue,
                }
                match serde_json::from_str::<IdOnly<'_>>(params.get()) {
                    Ok(only) => Ok(Kind::Other(Incoming::Progress {
                        id: WireId::parse(only.id),
                        progress: Err(format!("malformed progress params: {error}")),
                    })),
                    Err(_) => Err(format!("notification without a usable params.id: {error}")),
                }
            }
        },
        _ => Err("neither a reply, an error nor a progress notification".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_str(text: &str) -> Result<Incoming, String> {
        classify(Utf8Bytes::from(text), Bytes::new()).map_err(|(error, _)| error)
    }

    #[test]
    fn reply_result_borrows_exact_text() {
        let Ok(Incoming::Reply {
            id, json, result, ..
        }) = classify_str(r#"{"id":4,"jsonrpc":"2.0","result":{"a": [1, 2]}}"#)
        else {
            panic!("expected a reply");
        };
        assert_eq!(id, WireId::Int(4));
        assert_eq!(&json.as_str()[result], r#"{"a": [1, 2]}"#);
    }

    #[test]
    fn null_result_is_a_reply() {
        assert!(matches!(
            classify_str(r#"{"id":1,"jsonrpc":"2.0","result":null}"#),
            Ok(Incoming::Reply { .. })
        ));
    }

    #[test]
    fn error_with_null_id() {
        let Ok(Incoming::Error { id, error }) = classify_str(
            r#"{"error":{"code":-32700,"message":"Invalid JSON"},"id":null,"jsonrpc":"2.0"}"#,
        ) else {
            panic!("expected an error");
        };
        assert_eq!(id, WireId::Null);
        assert_eq!(error.unwrap().code, ServerError::PARSE_ERROR);
    }

    #[test]
    fn progress_routes_by_params_id() {
        let Ok(Incoming::Progress { id, progress }) = classify_str(
            r#"{"jsonrpc":"2.0","method":"snapshot","params":{"amount":0.5,"id":9,"operation":"x"}}"#,
        ) else {
            panic!("expected progress");
        };
        assert_eq!(id, WireId::Int(9));
        assert_eq!(progress.unwrap().amount, 0.5);
    }

    #[test]
    fn garbage_is_rejected() {
        for text in ["nope", "[1,2]", "42", r#"{"jsonrpc":"2.0"}"#, r#"{"id":3}"#] {
            assert!(classify_str(text).is_err(), "{text}");
        }
    }

    #[test]
    fn binary_split() {
        let mut frame = 2u32.to_le_bytes().to_vec();
        frame.extend_from_slice(b"{}xyz");
        let (json, payload) = split_binary(Bytes::from(frame)).unwrap();
        assert_eq!(json.as_str(), "{}");
        assert_eq!(&payload[..], b"xyz");
        assert!(split_binary(Bytes::from_static(b"\x01\x00")).is_err());
        assert!(split_binary(Bytes::from_static(b"\x09\x00\x00\x00{}")).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the server sends, classifying it returns a value or an error, never panics.
        #[test]
        fn arbitrary_frames_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok((json, binary)) = split_binary(Bytes::from(frame.clone())) {
                let _ = classify(json, binary);
            }
            if let Ok(text) = String::from_utf8(frame) {
                let _ = classify(Utf8Bytes::from(text), Bytes::new());
            }
        }

        /// Replies with any JSON result are recognised and their result text found exactly.
        #[test]
        fn result_range_is_exact(id in any::<i64>(), result in "[a-z0-9 ]{0,20}") {
            let result_json = serde_json::to_string(&result).unwrap();
            let text = format!(r#"{{"id":{id},"jsonrpc":"2.0","result":{result_json}}}"#);
            let Ok(Incoming::Reply { id: got, json, result: range, .. }) =
                classify(Utf8Bytes::from(text), Bytes::new())
            else {
                panic!("not a reply");
            };
            prop_assert_eq!(got, WireId::Int(id));
            prop_assert_eq!(&json.as_str()[range], result_json.as_str());
        }
    }
}
