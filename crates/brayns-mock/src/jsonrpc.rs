//! JSON-RPC messages in Brayns' dialect: request parsing and validation in the server's order
//! (PROTOCOL §4 steps 0–6), and the compact reply, error and progress texts it sends.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use brayns_snapshot::Entrypoint;

use crate::snapshot::Snapshot;
use crate::validate::{ParamsRefusal, validate};
use crate::validate_raw::validate_request_text;

/// JSON-RPC and Brayns error codes.
pub mod codes {
    /// Invalid JSON or binary header.
    pub const PARSE_ERROR: i64 = -32700;
    /// Invalid envelope.
    pub const INVALID_REQUEST: i64 = -32600;
    /// Unknown method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid params.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Unexpected exception in an entrypoint.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Task cancelled.
    pub const TASK_CANCELLED: i64 = 20;
    /// Generic domain error.
    pub const DOMAIN_ERROR: i64 = 0;
}

/// An error reply.
#[derive(Debug, Clone)]
pub(crate) struct RpcError {
    pub(crate) code: i64,
    pub(crate) message: String,
    pub(crate) data: Option<Value>,
}

impl RpcError {
    pub(crate) fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub(crate) fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }
}

impl From<ParamsRefusal> for RpcError {
    fn from(refusal: ParamsRefusal) -> RpcError {
        RpcError {
            code: refusal.code,
            message: refusal.message,
            data: refusal.data,
        }
    }
}

/// A request that passed steps 0–6.
pub(crate) struct Request {
    /// `None` for a notification (absent or null id).
    pub(crate) id: Option<Value>,
    pub(crate) entrypoint: Arc<Entrypoint>,
    pub(crate) params: Params,
    pub(crate) binary: Bytes,
}

/// Validated params: parsed, or (large requests) JSON text parsed only if a handler needs it.
pub(crate) enum Params {
    Value(Value),
    Text(Box<RawValue>),
}

impl Params {
    /// The params as a value (parses large ones).
    pub(crate) fn to_value(&self) -> std::borrow::Cow<'_, Value> {
        match self {
            Params::Value(value) => std::borrow::Cow::Borrowed(value),
            Params::Text(raw) => {
                std::borrow::Cow::Owned(serde_json::from_str(raw.get()).unwrap_or(Value::Null))
            }
        }
    }

    /// One top-level field (cheap for both forms when params are small).
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        match self {
            Params::Value(value) => value.get(key).cloned(),
            Params::Text(_) => self.to_value().get(key).cloned(),
        }
    }
}

/// What the server makes of one incoming frame.
pub(crate) enum Parsed {
    Request(Request),
    /// An error to send now (`id` is `Value::Null` for steps 0–4).
    Error {
        id: Value,
        error: RpcError,
    },
    /// A post-parse failure of a notification: nothing is sent.
    Silent,
}

static ENVELOPE: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "additionalProperties": false,
        "properties": {
            "id": {"oneOf": [{"type": "null"}, {"type": "integer"}, {"type": "string"}], "title": "RequestId"},
            "jsonrpc": {"type": "string"},
            "method": {"type": "string"},
            "params": {}
        },
        "required": ["jsonrpc", "method"],
        "title": "RequestMessage",
        "type": "object"
    })
});

fn early(code: i64, message: impl Into<String>) -> Parsed {
    Parsed::Error {
        id: Value::Null,
        error: RpcError::new(code, message),
    }
}

/// Parses and validates one frame (`flags` is its first header byte).
pub(crate) fn parse(flags: u8, payload: Vec<u8>, snapshot: &Snapshot) -> Parsed {
    let (json, binary) = if flags & 0x02 != 0 {
        match split_binary(payload) {
            Ok(parts) => parts,
            Err(message) => return early(codes::PARSE_ERROR, format!("Invalid JSON: '{message}'")),
        }
    } else if flags & 0x01 != 0 {
        (payload, Bytes::new())
    } else {
        return early(codes::INVALID_REQUEST, "Expected text or binary request");
    };
    if json.len() >= LARGE_REQUEST
        && let Some(parsed) = parse_large(&json, &binary, snapshot)
    {
        return parsed;
    }
    let value: Value = match serde_json::from_slice(&json) {
        Ok(value) => value,
        Err(error) => return early(codes::PARSE_ERROR, format!("Invalid JSON: '{error}'")),
    };
    let problems = validate(&ENVELOPE, &value);
    if !problems.is_empty() {
        return envelope_error(problems);
    }
    let Value::Object(mut envelope) = value else {
        return early(codes::INVALID_REQUEST, "Invalid JSON-RPC request schema");
    };
    let params = envelope.remove("params").map(ParamsText::Value);
    finish(envelope, params, binary, snapshot)
}

/// Requests from this size on are validated while parsing, without a `Value` tree of params.
const LARGE_REQUEST: usize = 256 * 1024;

/// Params as they arrived: parsed (small requests) or still JSON text (large ones).
enum ParamsText<'a> {
    Value(Value),
    Text(&'a RawValue),
}

fn envelope_error(problems: Vec<String>) -> Parsed {
    Parsed::Error {
        id: Value::Null,
        error: RpcError::new(codes::INVALID_REQUEST, "Invalid JSON-RPC request schema")
            .with_data(json!(problems)),
    }
}

/// The fast path for large requests: the envelope is parsed with `params` left as raw text. Any
/// request it cannot handle (not an object, invalid JSON or UTF-8) takes the ordinary path, which
/// produces the exact errors.
fn parse_large(json: &[u8], binary: &Bytes, snapshot: &Snapshot) -> Option<Parsed> {
    let text = std::str::from_utf8(json).ok()?;
    let fields: HashMap<String, &RawValue> = serde_json::from_str(text).ok()?;
    let mut envelope = Map::new();
    let mut params = None;
    for (key, raw) in fields {
        if key == "params" {
            params = Some(raw);
            // Untyped in the envelope schema: a placeholder validates the same.
            envelope.insert(key, Value::Null);
        } else {
            envelope.insert(key, serde_json::from_str(raw.get()).ok()?);
        }
    }
    let problems = validate(&ENVELOPE, &Value::Object(envelope.clone()));
    if !problems.is_empty() {
        return Some(envelope_error(problems));
    }
    envelope.remove("params");
    Some(finish(
        envelope,
        params.map(ParamsText::Text),
        binary.clone(),
        snapshot,
    ))
}

/// Steps 3 to 6, once the envelope passed its schema.
fn finish(
    mut envelope: Map<String, Value>,
    params: Option<ParamsText<'_>>,
    binary: Bytes,
    snapshot: &Snapshot,
) -> Parsed {
    let version = envelope
        .get("jsonrpc")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if version != "2.0" {
        return early(
            codes::INVALID_REQUEST,
            format!("Unsupported JSON-RPC version: '{version}'"),
        );
    }
    let method = envelope
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if method.is_empty() {
        return early(codes::INVALID_REQUEST, "No methods provided in request");
    }
    let id = match envelope.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) if number.as_i64().is_none() => {
            return early(
                codes::INTERNAL_ERROR,
                format!("Request ID out of int64 range: {number}"),
            );
        }
        Some(id) => Some(id),
    };
    let reply_id = id.clone().unwrap_or(Value::Null);
    let fail = |error: RpcError| match id {
        Some(_) => Parsed::Error {
            id: reply_id.clone(),
            error,
        },
        None => Parsed::Silent,
    };
    let Some(entrypoint) = snapshot.entrypoint(&method) else {
        return fail(RpcError::new(
            codes::METHOD_NOT_FOUND,
            format!("Method '{method}' not found"),
        ));
    };
    let is_null = match &params {
        None => true,
        Some(ParamsText::Value(value)) => value.is_null(),
        Some(ParamsText::Text(raw)) => raw.get().trim() == "null",
    };
    match &entrypoint.params {
        None if !is_null => return fail(ParamsRefusal::takes_no_params().into()),
        None => {}
        Some(schema) => {
            let problems = match &params {
                None => validate(schema, &Value::Null),
                Some(ParamsText::Value(value)) => validate(schema, value),
                Some(ParamsText::Text(raw)) => match validate_request_text(schema, raw.get()) {
                    Ok(problems) => problems,
                    Err(error) => {
                        return early(codes::PARSE_ERROR, format!("Invalid JSON: '{error}'"));
                    }
                },
            };
            if !problems.is_empty() {
                return fail(ParamsRefusal::invalid(problems).into());
            }
        }
    }
    let params = match params {
        None => Params::Value(Value::Null),
        Some(ParamsText::Value(value)) => Params::Value(value),
        Some(ParamsText::Text(raw)) => Params::Text(raw.to_owned()),
    };
    Parsed::Request(Request {
        id,
        entrypoint: entrypoint.clone(),
        params,
        binary,
    })
}

/// Splits `[u32 LE N][N bytes JSON][payload]`, with the server's messages (typo included).
fn split_binary(payload: Vec<u8>) -> Result<(Vec<u8>, Bytes), String> {
    if payload.len() < 4 {
        return Err(
            "Invalid binary packet, expected at least 4 bytes for the JSON size.".to_owned(),
        );
    }
    let size = u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]) as usize;
    if size > payload.len() - 4 {
        return Err(format!("Invalid binary packet, JSON size too bi: {size}"));
    }
    let mut bytes = Bytes::from(payload);
    let json = bytes.split_to(4 + size);
    Ok((json[4..].to_vec(), bytes))
}

/// `{"id":..,"jsonrpc":"2.0","result":..}` with an already serialized result.
pub(crate) fn reply_text(id: &Value, result_json: &str) -> String {
    let id = id.to_string();
    let mut text = String::with_capacity(id.len() + result_json.len() + 34);
    text.push_str("{\"id\":");
    text.push_str(&id);
    text.push_str(",\"jsonrpc\":\"2.0\",\"result\":");
    text.push_str(result_json);
    text.push('}');
    text
}

/// `{"error":{"code":..[,"data":..],"message":..},"id":..,"jsonrpc":"2.0"}`: every object's keys
/// in alphabetical order, as the server's Poco `JSON::Object` (a sorted map) writes them.
pub(crate) fn error_text(id: &Value, error: &RpcError) -> String {
    let mut body = Map::new();
    body.insert("code".to_owned(), json!(error.code));
    if let Some(data) = &error.data {
        body.insert("data".to_owned(), data.clone());
    }
    body.insert("message".to_owned(), json!(error.message));
    json!({"error": body, "id": id, "jsonrpc": "2.0"}).to_string()
}

/// `{"jsonrpc":"2.0","method":..,"params":{"amount":..,"id":..,"operation":..}}`.
pub(crate) fn progress_text(method: &str, id: &Value, operation: &str, amount: f64) -> String {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": {"amount": amount, "id": id, "operation": operation}
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_text_is_compact_and_ordered() {
        assert_eq!(
            reply_text(&json!(1), "null"),
            r#"{"id":1,"jsonrpc":"2.0","result":null}"#
        );
        assert_eq!(
            error_text(
                &Value::Null,
                &RpcError::new(-32600, "x").with_data(json!(["a"]))
            ),
            r#"{"error":{"code":-32600,"data":["a"],"message":"x"},"id":null,"jsonrpc":"2.0"}"#
        );
        assert_eq!(
            error_text(&json!("a"), &RpcError::new(20, "Task has been cancelled")),
            r#"{"error":{"code":20,"message":"Task has been cancelled"},"id":"a","jsonrpc":"2.0"}"#
        );
        assert_eq!(
            progress_text("snapshot", &json!("a"), "op", 0.5),
            r#"{"jsonrpc":"2.0","method":"snapshot","params":{"amount":0.5,"id":"a","operation":"op"}}"#
        );
    }
}
