//! The client type and the few non-generic helpers every generated method goes through.
//!
//! Keeping the request path here, once, is what keeps the SDK quick to compile: a
//! generated method only encodes its params and decodes its result; sending, waiting and
//! binary handling are shared code.

use brayns_rpc::{Client, Connector, Request, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::{Result, Task, Version, VersionPolicy};

/// A Brayns instance: every entrypoint of the snapshot as a typed method.
///
/// Methods of async entrypoints (`snapshot`, `add-model`...) return a [`Task`] at once;
/// the others are `async fn`s resolving to the result. Cloning is cheap (the connection is
/// shared); the connection closes when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Brayns {
    rpc: Client,
}

impl Brayns {
    /// Connects to the instance at `uri` (`"host:port"`, `"ws://host:port"` or
    /// `"wss://host:port"`) with the default [`Connector`] settings, and checks its release
    /// with the default [`VersionPolicy`] (a different release is logged as a warning).
    pub async fn connect(uri: impl Into<String>) -> Result<Self> {
        Self::connect_with(Connector::new(uri), VersionPolicy::default()).await
    }

    /// Connects with `connector`'s settings (TLS, retries, timeouts...) and checks the
    /// instance's release with `policy`. When the policy refuses the release, the
    /// connection is closed and the error is [`Error::VersionMismatch`](crate::Error::VersionMismatch).
    /// The version check is part of connecting: a server that upgrades the connection and
    /// then never answers it fails it with a `get-version` timeout after the connector's
    /// [connect timeout](Connector::connect_timeout).
    pub async fn connect_with(connector: Connector, policy: VersionPolicy) -> Result<Self> {
        let brayns = Self::new(connector.connect().await?);
        // `check_version`, with the connect timeout on its request: a server that upgrades
        // and then stays silent must not hold `connect_with` for ever.
        let checked = match policy {
            VersionPolicy::Ignore => Ok(()),
            _ => {
                async {
                    let request =
                        Request::new("get-version").timeout(connector.connect_timeout_value());
                    let message: crate::types::VersionMessage =
                        brayns.rpc.call(request).await?.decode()?;
                    policy.check(brayns.rpc.uri(), Version::try_from(&message)?)
                }
                .await
            }
        };
        if let Err(error) = checked {
            brayns.rpc.disconnect().await;
            return Err(error);
        }
        Ok(brayns)
    }

    /// Wraps a connected JSON-RPC client, without checking the instance's release (see
    /// [`check_version`](Self::check_version)).
    pub fn new(rpc: Client) -> Self {
        Self { rpc }
    }

    /// Asks the instance for its release (`get-version`) and applies `policy` to it.
    /// Returns the release, or `None` for [`VersionPolicy::Ignore`], which asks nothing.
    pub async fn check_version(&self, policy: VersionPolicy) -> Result<Option<Version>> {
        if policy == VersionPolicy::Ignore {
            return Ok(None);
        }
        let actual = Version::try_from(&self.get_version().await?)?;
        policy.check(self.rpc.uri(), actual)?;
        Ok(Some(actual))
    }

    /// The underlying JSON-RPC client: the escape hatch for raw requests
    /// (`brayns.rpc().request("get-version", None)`), notifications and disconnecting.
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

/// A method's params, ready for its request: JSON text, or an array left for
/// [`Request::params_array`] to serialize (on several threads when it is large).
pub(crate) enum Params<'a> {
    /// Serialized by [`encode_params`].
    Json(Box<RawValue>),
    /// The items of an array param, from [`array_params`].
    Array(Box<dyn ArrayParams + Send + 'a>),
}

/// An array of serializable items, without its item type: keeps [`call`] and [`start_task`]
/// non-generic.
pub(crate) trait ArrayParams {
    /// Sets `self` as the params of `request`.
    fn set_on(&self, request: Request) -> brayns_rpc::Result<Request>;
}

/// The items of an array param (a slice cannot be a trait object itself).
struct Items<'a, T>(&'a [T]);

impl<T: Serialize + Sync> ArrayParams for Items<'_, T> {
    fn set_on(&self, request: Request) -> brayns_rpc::Result<Request> {
        request.params_array(self.0)
    }
}

/// Params as JSON text: the only generic step before [`call`].
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn encode_params<P: Serialize + ?Sized>(params: &P) -> Result<Params<'static>> {
    serde_json::value::to_raw_value(params)
        .map(Params::Json)
        .map_err(|error| brayns_rpc::Error::Serialize(error).into())
}

/// Array params (the `add-*` methods' primitives): serialized straight into the request,
/// large ones on several threads, instead of through an intermediate [`RawValue`].
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn array_params<T: Serialize + Sync>(items: &[T]) -> Params<'_> {
    Params::Array(Box::new(Items(items)))
}

fn request(
    method: &'static str,
    params: Option<Params<'_>>,
    binary: Option<Bytes>,
) -> Result<Request> {
    let mut request = Request::new(method);
    match params {
        None => {}
        Some(Params::Json(json)) => request = request.params_raw(json),
        Some(Params::Array(items)) => request = items.set_on(request)?,
    }
    if let Some(binary) = binary {
        request = request.binary(binary);
    }
    Ok(request)
}

/// Sends a request and waits for its reply.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) async fn call(
    rpc: &Client,
    method: &'static str,
    params: Option<Params<'_>>,
    binary: Option<Bytes>,
) -> Result<Response> {
    let request = request(method, params, binary)?;
    Ok(rpc.call(request).await?)
}

/// Starts an async entrypoint; `decode` turns its final reply into the typed output.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn start_task<T>(
    rpc: &Client,
    method: &'static str,
    params: Option<Params<'_>>,
    binary: Option<Bytes>,
    decode: fn(Response) -> Result<T>,
) -> Result<Task<T>> {
    Ok(Task::new(
        rpc.start_task(request(method, params, binary)?)?,
        decode,
    ))
}

/// The `result`, typed.
#[allow(dead_code)] // Generated code for another snapshot may not need every helper.
pub(crate) fn decode<R: DeserializeOwned>(response: Response) -> Result<R> {
    Ok(response.decode()?)
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
