//! Brayns schema snapshots: what a live instance says about itself, as files.
//!
//! Every Brayns method describes itself: `registry` lists the method names and
//! `schema {"endpoint": M}` returns M's plugin, description, flags and JSON Schemas.
//! A [`Snapshot`] holds those answers (plus `get-version` and `get-loaders`) and
//! reads and writes them in the layout the SDK is generated from:
//!
//! ```text
//! <dir>/version.json            get-version
//! <dir>/registry.json           registry, sorted
//! <dir>/loaders.json            get-loaders (absent for instances without it)
//! <dir>/entrypoints/<M>.json    schema {"endpoint": M}, for every M of the registry
//! ```
//!
//! Files are JSON with the keys in the server's order, a 2-space indent and a trailing
//! newline, so a re-fetch of the same instance gives no diff. The answers are kept as the
//! server's own JSON text and re-indented token by token, never rebuilt from a map, so
//! the server's key order survives whatever `serde_json` features a build enables.
//!
//! A snapshot also reads its answers once, when it is built: [`Entrypoint`] says what a
//! method is (plugin, flags, params and result schemas), [`Loader`] what a loader reads,
//! [`Version`] which release answered. The generator, the mock and the SDK all read these
//! types, so the layout and the answers' shapes are understood in this crate alone.
//!
//! `fetch` (feature `fetch`, on by default) builds a snapshot from a live instance over a
//! `brayns_rpc::Client`; [`diff`] says which methods were added, removed or changed between
//! two snapshots. Without `fetch` the crate does not depend on the transport, which is how
//! the mock and the code generator read snapshot folders.

mod diff;
mod error;
#[cfg(feature = "fetch")]
mod fetch;
mod model;
mod snapshot;

pub use diff::{MethodChange, SchemaPart, SnapshotDiff, diff};
pub use error::SnapshotError;
#[cfg(feature = "fetch")]
pub use fetch::{FetchError, FetchEvent, fetch};
pub use model::{EngineObject, Entrypoint, Loader, ParseVersionError, Version};
pub use snapshot::{EmbeddedSnapshot, Snapshot, compact};
