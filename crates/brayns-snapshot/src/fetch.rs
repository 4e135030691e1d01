//! Taking a snapshot of a live instance.

use std::collections::BTreeMap;

use brayns_rpc::{Client, Request, ServerError};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::value::RawValue;

use crate::{Snapshot, SnapshotError};

/// How many `schema` requests are kept in flight at once. The server runs one request
/// at a time, so this only hides round trips; more would not be faster.
const SCHEMA_REQUESTS_IN_FLIGHT: usize = 16;

/// Something that happened while fetching, for progress reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchEvent {
    /// The registry is known: this many schemas will be fetched.
    Registry {
        /// The number of registered methods.
        methods: usize,
    },
    /// One method's schema arrived.
    Schema {
        /// The method.
        method: String,
    },
    /// The instance has no `get-loaders` (Brayns before it existed): the snapshot has
    /// no loaders.
    NoLoaders,
}

/// A snapshot could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// A request failed: the instance refused it or the connection failed.
    #[error("request '{request}' failed: {source}")]
    Request {
        /// The request, e.g. `registry` or `schema {"endpoint":"get-scene"}`.
        request: String,
        /// Why.
        #[source]
        source: brayns_rpc::Error,
    },
    /// The answers do not make a snapshot: the instance answered something unexpected.
    #[error("unexpected answer: {0}")]
    Unexpected(#[from] SnapshotError),
}

/// Fetches a snapshot of the instance behind `client`: `get-version`, `registry`,
/// `schema` for every registered method (several in flight at once), and `get-loaders`
/// when the instance has it.
///
/// `on_event` is told about progress, e.g. to drive a progress bar.
pub async fn fetch(
    client: &Client,
    mut on_event: impl FnMut(FetchEvent),
) -> Result<Snapshot, FetchError> {
    let version = call(client, "get-version", None).await?;
    let registry = call(client, "registry", None).await?;
    let registry: Vec<String> = serde_json::from_str(registry.get()).map_err(|error| {
        SnapshotError::invalid(
            "registry",
            format!("expected an array of method names: {error}"),
        )
    })?;
    // Refused before any schema is asked for: a name like `../x` would become a path.
    for method in &registry {
        crate::snapshot::check_method_name(method)?;
    }
    let loaders = match call(client, "get-loaders", None).await {
        Ok(loaders) => Some(loaders),
        Err(FetchError::Request {
            source: brayns_rpc::Error::Server(error),
            ..
        }) if error.code == ServerError::METHOD_NOT_FOUND => {
            on_event(FetchEvent::NoLoaders);
            None
        }
        Err(error) => return Err(error),
    };

    on_event(FetchEvent::Registry {
        methods: registry.len(),
    });
    let mut schemas = BTreeMap::new();
    let mut answers = stream::iter(registry)
        .map(|method| async move {
            let params = serde_json::json!({ "endpoint": method });
            call(client, "schema", Some(params))
                .await
                .map(|schema| (method, schema))
        })
        .buffer_unordered(SCHEMA_REQUESTS_IN_FLIGHT);
    while let Some((method, schema)) = answers.try_next().await? {
        on_event(FetchEvent::Schema {
            method: method.clone(),
        });
        if schemas.insert(method.clone(), schema).is_some() {
            return Err(
                SnapshotError::invalid("registry", format!("lists '{method}' twice")).into(),
            );
        }
    }
    Ok(Snapshot::new(version, loaders, schemas)?)
}

/// Sends one request and returns its result as JSON text.
async fn call(
    client: &Client,
    method: &'static str,
    params: Option<serde_json::Value>,
) -> Result<Box<RawValue>, FetchError> {
    let request_name = || match &params {
        Some(params) => format!("{method} {params}"),
        None => method.to_owned(),
    };
    let mut request = Request::new(method);
    if let Some(params) = params.clone() {
        request = request.params_value(params);
    }
    let response = client
        .call(request)
        .await
        .map_err(|source| FetchError::Request {
            request: request_name(),
            source,
        })?;
    RawValue::from_string(response.result_json().to_owned())
        .map_err(|error| SnapshotError::json(request_name(), error).into())
}
