//! The client type: connecting, checking the release, and the escape hatches.
//!
//! The methods themselves are generated (`generated/`), one per entrypoint, on top of the
//! [`seam`](crate::seam).

use std::time::Duration;

use brayns_rpc::{Client, Connector, Request};
use bytes::Bytes;

use crate::{Result, Version, VersionPolicy};

/// A Brayns instance: every entrypoint of the snapshot as a typed method.
///
/// Methods of async entrypoints (`snapshot`, `add-model`...) return a [`Task`](crate::Task) at once;
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
        // The connect timeout bounds the version check too: a server that upgrades and then
        // stays silent must not hold `connect_with` for ever.
        let checked = brayns
            .check_version_within(policy, Some(connector.connect_timeout_value()))
            .await;
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
        self.check_version_within(policy, None).await
    }

    /// [`check_version`](Self::check_version), its request bounded by `timeout` (`None`:
    /// the connector's request timeout). Decodes only the release numbers, so it reads the
    /// answer of every Brayns release whatever the bindings call its type.
    async fn check_version_within(
        &self,
        policy: VersionPolicy,
        timeout: Option<Duration>,
    ) -> Result<Option<Version>> {
        #[derive(serde::Deserialize)]
        struct Reported {
            major: i64,
            minor: i64,
            patch: i64,
        }
        if policy == VersionPolicy::Ignore {
            return Ok(None);
        }
        let mut request = Request::new("get-version");
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let reported: Reported = self.rpc.call(request).await?.decode()?;
        let actual = crate::version::reported(reported.major, reported.minor, reported.patch)?;
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
