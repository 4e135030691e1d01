//! Outgoing requests: the builder and the envelope written around pre-serialized params.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// The id of a request sent by this client.
///
/// Ids come from one increasing `i64` counter per connection and are never reused, so a late
/// reply can never be mistaken for the answer to a newer request.
///
/// It is also the type of the ids a Brayns method takes (`cancel`'s), so it reads and writes
/// as the integer on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub(crate) i64);

impl RequestId {
    /// The integer sent on the wire.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Opening of the envelope when params are present; the params JSON follows it directly.
const PARAMS_PREFIX: &[u8] = b"{\"params\":";

/// A request to send: method, optional params, optional binary payload, optional timeout.
///
/// Params are serialized once, when they are set, into the buffer that becomes the frame: the
/// envelope is written around them (`{"params":...,"id":N,"jsonrpc":"2.0","method":"..."}`), so
/// large params are never copied or re-serialized. Without params the `params` key is omitted,
/// which is what Brayns requires for methods that take none.
#[derive(Clone)]
pub struct Request {
    method: Cow<'static, str>,
    /// Empty, or [`PARAMS_PREFIX`] followed by the params JSON.
    body: Vec<u8>,
    binary: Option<Bytes>,
    timeout: Option<Duration>,
}

impl Request {
    /// A request for `method`, without params.
    pub fn new(method: impl Into<Cow<'static, str>>) -> Request {
        Request {
            method: method.into(),
            body: Vec::new(),
            binary: None,
            timeout: None,
        }
    }

    /// Sets the params by serializing `params` (straight into the outgoing buffer).
    pub fn params<P: Serialize + ?Sized>(mut self, params: &P) -> Result<Request> {
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(PARAMS_PREFIX);
        serde_json::to_writer(&mut body, params).map_err(Error::Serialize)?;
        self.body = body;
        Ok(self)
    }

    /// Sets the params to the JSON array of `items`: the same bytes as
    /// [`params`](Self::params), but a large array (from about 1 MiB of JSON) is serialized
    /// in chunks on up to [`std::thread::available_parallelism`] threads, the calling thread
    /// included. Meant for the `add-*` methods' arrays of thousands to millions of primitives.
    pub fn params_array<T: Serialize + Sync>(mut self, items: &[T]) -> Result<Request> {
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(PARAMS_PREFIX);
        crate::array::write_array(&mut body, items).map_err(Error::Serialize)?;
        self.body = body;
        Ok(self)
    }

    /// Sets the params from a JSON value.
    pub fn params_value(mut self, params: Value) -> Request {
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(PARAMS_PREFIX);
        // Writing a `Value` into a `Vec` cannot fail: every map key is a string.
        if serde_json::to_writer(&mut body, &params).is_err() {
            body.truncate(PARAMS_PREFIX.len());
            body.extend_from_slice(b"null");
        }
        self.body = body;
        self
    }

    /// Sets the params from JSON text that is already serialized.
    // Boxed because that is what `RawValue::from_string` and `serde_json::value::to_raw_value`
    // hand out.
    #[allow(clippy::boxed_local)]
    pub fn params_raw(mut self, params: Box<RawValue>) -> Request {
        // Reuse the params' own buffer: shifting its bytes to make room for the prefix is
        // cheaper than a second buffer as large as the params (64 MiB of spheres, say).
        let json: Box<str> = params.into();
        let mut body = String::from(json).into_bytes();
        body.reserve(PARAMS_PREFIX.len() + 64);
        body.splice(0..0, PARAMS_PREFIX.iter().copied());
        self.body = body;
        self
    }

    /// Attaches a binary payload: the request then goes out as a binary frame
    /// (`u32` little-endian JSON length, the JSON, the payload), even if the payload is empty.
    pub fn binary(mut self, payload: impl Into<Bytes>) -> Request {
        self.binary = Some(payload.into());
        self
    }

    /// Overrides the client's default timeout for this request (for a [`Task`](crate::Task),
    /// the time allowed for the whole task).
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Whether params are set.
    pub fn has_params(&self) -> bool {
        !self.body.is_empty()
    }

    /// The binary payload, if any.
    pub fn binary_payload(&self) -> Option<&Bytes> {
        self.binary.as_ref()
    }

    /// The timeout set on this request, if any.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.timeout
    }

    pub(crate) fn method_cow(&self) -> &Cow<'static, str> {
        &self.method
    }

    /// The params JSON, for DEBUG traces.
    pub(crate) fn params_json(&self) -> Option<&[u8]> {
        self.body.get(PARAMS_PREFIX.len()..)
    }

    /// Turns the request into a frame. `id: None` makes a notification.
    ///
    /// Fails when the frame would exceed [`MAX_OUTGOING_FRAME`]: the server would drop the
    /// connection, failing every other pending call with it.
    pub(crate) fn encode(mut self, id: Option<RequestId>) -> Result<Encoded> {
        let mut json = std::mem::take(&mut self.body);
        if json.is_empty() {
            json.reserve(48 + self.method.len());
            json.push(b'{');
        } else {
            json.reserve(48 + self.method.len());
            json.push(b',');
        }
        if let Some(id) = id {
            json.extend_from_slice(b"\"id\":");
            write_integer(&mut json, id.0);
            json.push(b',');
        }
        json.extend_from_slice(b"\"jsonrpc\":\"2.0\",\"method\":");
        write_string(&mut json, &self.method);
        json.push(b'}');
        let frame_len = match &self.binary {
            None => json.len(),
            Some(payload) => 4 + json.len() + payload.len(),
        };
        check_frame_len(&self.method, frame_len)?;
        Ok(match self.binary.take() {
            None => Encoded::Text(json),
            Some(payload) => {
                let mut frame = crate::spare::take(frame_len);
                // Fits: the whole frame is below MAX_OUTGOING_FRAME < u32::MAX.
                let len = json.len() as u32;
                frame.extend_from_slice(&len.to_le_bytes());
                frame.extend_from_slice(&json);
                frame.extend_from_slice(&payload);
                let json_len = json.len();
                crate::spare::keep(json);
                Encoded::Binary { json_len, frame }
            }
        })
    }
}

/// The buffer of a request dropped unsent (or already encoded: then it is empty) goes back to
/// the spare buffers when it is large.
impl Drop for Request {
    fn drop(&mut self) {
        crate::spare::keep(std::mem::take(&mut self.body));
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field(
                "params",
                &self.params_json().map(|json| Truncated(json, 256)),
            )
            .field("binary", &self.binary.as_ref().map(Bytes::len))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Largest frame the server accepts: Poco's default maximum payload, `INT_MAX`
/// (PROTOCOL.md §2.1). A bigger frame makes Brayns drop the connection.
pub(crate) const MAX_OUTGOING_FRAME: usize = i32::MAX as usize;

fn check_frame_len(method: &str, len: usize) -> Result<()> {
    if len > MAX_OUTGOING_FRAME {
        return Err(Error::Protocol(format!(
            "{method}: a request of {len} bytes exceeds the server's frame limit of {MAX_OUTGOING_FRAME} bytes"
        )));
    }
    Ok(())
}

/// A request ready for the socket.
pub(crate) enum Encoded {
    /// A JSON text frame (valid UTF-8: serde_json output and ASCII around it).
    Text(Vec<u8>),
    /// A binary frame with its JSON part's length.
    Binary { json_len: usize, frame: Vec<u8> },
}

/// Shows at most `.1` bytes of JSON, for traces of possibly huge payloads.
pub(crate) struct Truncated<'a>(pub &'a [u8], pub usize);

impl fmt::Debug for Truncated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Truncated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Truncated(bytes, max) = *self;
        if bytes.len() <= max {
            f.write_str(&String::from_utf8_lossy(bytes))
        } else {
            write!(
                f,
                "{}... ({} bytes)",
                String::from_utf8_lossy(&bytes[..max]),
                bytes.len()
            )
        }
    }
}

/// Appends `value` in decimal: what `write!` does, without the formatting machinery, which
/// cost a small request about a third of its encoding instructions.
fn write_integer(json: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        json.push(b'-');
    }
    json.extend_from_slice(&digits[at..]);
}

/// Appends `text` as a JSON string, as serde_json writes it: as is between quotes when
/// nothing in it needs escaping (every method name), through serde_json otherwise.
fn write_string(json: &mut Vec<u8>, text: &str) {
    if text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        json.push(b'"');
        json.extend_from_slice(text.as_bytes());
        json.push(b'"');
    } else {
        // A string always serializes.
        let _ = serde_json::to_writer(json, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(encoded: Result<Encoded>) -> String {
        match encoded.unwrap() {
            Encoded::Text(json) => String::from_utf8(json).unwrap(),
            Encoded::Binary { .. } => panic!("expected text"),
        }
    }

    #[test]
    fn envelope_without_params_omits_the_key() {
        let json = text(Request::new("get-version").encode(Some(RequestId(7))));
        assert_eq!(json, r#"{"id":7,"jsonrpc":"2.0","method":"get-version"}"#);
    }

    #[test]
    fn envelope_wraps_serialized_params() {
        let request = Request::new("schema")
            .params(&serde_json::json!({"endpoint": "a\"b"}))
            .unwrap();
        let json = text(request.encode(Some(RequestId(1))));
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "schema", "params": {"endpoint": "a\"b"}})
        );
    }

    #[test]
    fn array_params_are_the_bytes_of_params() {
        let small: Vec<[f64; 4]> = (0..10)
            .map(|i| [f64::from(i) / 3.0, 1e300, 0.0, -1.0])
            .collect();
        // About 2.5 MiB: serialized on several threads where the machine has them.
        let large: Vec<[f64; 4]> = (0..60_000)
            .map(|i| [f64::from(i) / 7.0, -0.1, 1e-9 * f64::from(i), 3.0])
            .collect();
        for items in [&small[..0], &small[..], &large[..]] {
            let expected = text(Request::new("add-x").params(items).unwrap().encode(None));
            let actual = text(
                Request::new("add-x")
                    .params_array(items)
                    .unwrap()
                    .encode(None),
            );
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn ids_and_methods_are_written_as_serde_json_writes_them() {
        for id in [0, 1, 9, 10, 12_345, i64::MAX, -1, i64::MIN] {
            let mut json = Vec::new();
            write_integer(&mut json, id);
            assert_eq!(json, serde_json::to_vec(&id).unwrap(), "{id}");
        }
        for method in [
            "get-version",
            "",
            "a\"b",
            "back\\slash",
            "tab\t",
            "\u{1}",
            "\u{7f}",
            "é€",
        ] {
            let mut json = Vec::new();
            write_string(&mut json, method);
            assert_eq!(json, serde_json::to_vec(method).unwrap(), "{method:?}");
        }
    }

    #[test]
    fn notification_has_no_id() {
        let json = text(Request::new("m").params_value(Value::Null).encode(None));
        assert_eq!(json, r#"{"params":null,"jsonrpc":"2.0","method":"m"}"#);
    }

    #[test]
    fn binary_frame_layout() {
        let request = Request::new("upload-model")
            .params_raw(RawValue::from_string("{}".into()).unwrap())
            .binary(Bytes::from_static(b"payload"));
        let Ok(Encoded::Binary { json_len, frame }) = request.encode(Some(RequestId(3))) else {
            panic!("expected binary");
        };
        let declared = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(declared, json_len);
        let json: Value = serde_json::from_slice(&frame[4..4 + json_len]).unwrap();
        assert_eq!(json["method"], "upload-model");
        assert_eq!(&frame[4 + json_len..], b"payload");
    }

    #[test]
    fn frames_over_the_server_limit_are_refused() {
        assert!(check_frame_len("m", MAX_OUTGOING_FRAME).is_ok());
        let error = check_frame_len("upload-model", MAX_OUTGOING_FRAME + 1).unwrap_err();
        assert!(
            matches!(error, Error::Protocol(ref message) if message.starts_with("upload-model"))
        );
    }
}
