//! The client type and the few non-generic helpers every generated method goes through.
//!
//! Keeping the request path here, once, is what keeps the SDK quick to compile: a
//! generated method only encodes its params and decodes its result; sending, waiting and
//! binary handling are shared code.

use brayns_rpc::{Client, Error, Request, Response, Result};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::Task;

/// A Brayns instance: every entrypoint of the snapshot as a typed method.
///
/// Methods of async entrypoints (`snapshot`, `add-model`...) return a [`Task`] at once;
/// the others are `async fn`s resolving to the result. Cloning is cheap (the connection is
/// shared).
#[derive(Debug, Clone)]
pub struct Brayns {
    rpc: Client,
}

impl Brayns {
    /// Wraps a connected JSON-RPC client.
    pub fn new(rpc: Client) -> Self {
        Self { rpc }
    }

    /// The underlying JSON-RPC client, for raw requests.
    pub fn rpc(&self) -> &Client {
        &self.rpc
    }

    /// Unwraps the JSON-RPC client.
    pub fn into_rpc(self) -> Client {
        self.rpc
    }
}

impl From<Client> for Brayns {
    fn from(rpc: Client) -> Self {
        Self::new(rpc)
    }
}

/// A result together with the binary payload of its reply (an encoded image, an EXR file).
#[derive(Debug, Clone, PartialEq)]
pub struct WithBinary<T> {
    /// The decoded `result`.
    pub result: T,
    /// The reply's binary payload; empty when the reply was a text frame.
    pub binary: Bytes,
}

/// Params as JSON text: the only generic step before [`call`].
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn encode_params<P: Serialize + ?Sized>(params: &P) -> Result<Box<RawValue>> {
    serde_json::value::to_raw_value(params).map_err(Error::Serialize)
}

fn request(method: &'static str, params: Option<Box<RawValue>>, binary: Option<Bytes>) -> Request {
    let mut request = Request::new(method);
    if let Some(params) = params {
        request = request.params_raw(params);
    }
    if let Some(binary) = binary {
        request = request.binary(binary);
    }
    request
}

/// Sends a request and waits for its reply.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) async fn call(
    rpc: &Client,
    method: &'static str,
    params: Option<Box<RawValue>>,
    binary: Option<Bytes>,
) -> Result<Response> {
    rpc.call(request(method, params, binary)).await
}

/// Starts an async entrypoint; `decode` turns its final reply into the typed output.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn start_task<T>(
    rpc: &Client,
    method: &'static str,
    params: Option<Box<RawValue>>,
    binary: Option<Bytes>,
    decode: fn(Response) -> Result<T>,
) -> Result<Task<T>> {
    Ok(Task::new(
        rpc.start_task(request(method, params, binary))?,
        decode,
    ))
}

/// The `result`, typed.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn decode<R: DeserializeOwned>(response: Response) -> Result<R> {
    response.decode()
}

/// For methods without a result: whatever the server sent (`null`) is dropped.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn decode_unit(_response: Response) -> Result<()> {
    Ok(())
}

/// For methods whose only output is the binary payload.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn decode_binary(response: Response) -> Result<Bytes> {
    Ok(response.into_binary())
}

/// The `result`, typed, with the binary payload.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn decode_with_binary<R: DeserializeOwned>(response: Response) -> Result<WithBinary<R>> {
    let result = response.decode()?;
    Ok(WithBinary {
        result,
        binary: response.into_binary(),
    })
}
