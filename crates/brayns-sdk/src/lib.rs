//! Typed async Rust SDK for [Brayns](https://github.com/BlueBrain/Brayns), the Blue Brain
//! rendering service.
//!
//! [`Brayns`] has one method per entrypoint of the Brayns release this crate targets
//! ([`BRAYNS_VERSION`]), generated from that release's schemas by `cargo xtask codegen`:
//! params and results are the types of [`types`], loaders' typed properties are in
//! [`loaders`], and [`METHODS`] lists every method for tooling. Async entrypoints
//! (`snapshot`, `add-model`, `upload-model`, `export-gbuffers`) return a [`Task`] with
//! progress, cancel and a typed output; images come back as bytes ([`WithBinary`]).
//!
//! # Quick start
//!
//! ```
//! use brayns_sdk::Brayns;
//! use brayns_sdk::types::SnapshotParams;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let mock = brayns_mock::MockServer::builder().start().await?;
//! # let uri = mock.uri();
//! // `uri` is "host:port" of a running braynsService (or "ws://..." / "wss://...").
//! let brayns = Brayns::connect(uri).await?;
//!
//! let version = brayns.get_version().await?;
//! println!("Brayns {}.{}.{}", version.major, version.minor, version.patch);
//!
//! // Async entrypoints are tasks: follow the progress, then await the output.
//! let mut task = brayns.snapshot(&SnapshotParams::default())?;
//! while let Some(progress) = task.next_progress().await {
//!     println!("{}: {:.0}%", progress.operation, progress.amount * 100.0);
//! }
//! let image = task.await?;
//! println!("{} bytes of {:?}", image.binary.len(), image.result.color_buffer);
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Every method returns [`Result`] with one matchable [`Error`]: [`Error::Server`] for the
//! server's refusals (invalid params come with the validation messages in
//! [`ServerError::data`](rpc::ServerError::data)), [`Error::Cancelled`] for cancelled tasks,
//! [`Error::Rpc`] for the transport, [`Error::VersionMismatch`] when the
//! [`VersionPolicy`] refuses the instance.
//!
//! # Versions
//!
//! The crate version is the Brayns release the bindings were generated from: depend on it
//! with a tilde requirement, `brayns-sdk = "~3.10.1"`, to talk to Brayns 3.10. A plain
//! `"3.10.1"` is Cargo's caret requirement (`^3.10.1`, any 3.x from 3.10.1 on), so once a
//! 3.11 SDK is published `cargo update` would move you to bindings for another Brayns
//! release, whose types may differ incompatibly: a Brayns minor release is a breaking
//! release of this crate, even though the major number does not say so. On connect the instance's release is
//! checked with a [`VersionPolicy`] (by default a mismatch is logged as a warning), and
//! [`Brayns::verify_schemas`] says exactly which methods of a live instance differ from the
//! compiled-in schemas ([`compiled_snapshot`]).
//!
//! Fixes to the SDK alone, for the same Brayns release, carry SemVer build metadata:
//! `3.10.1+sdk.1`, `3.10.1+sdk.2`... That keeps the version equal to the Brayns release,
//! with these consequences:
//!
//! - SemVer ignores build metadata for ordering and compatibility: to Cargo
//!   `3.10.1+sdk.2` *is* `3.10.1`. A requirement `"3.10.1"` accepts it and `cargo update`
//!   never moves between two of them; a lockfile pins one by its checksum.
//! - crates.io refuses to publish a version that differs from a published one only by
//!   build metadata, so SDK-only fixes are published as git tags (`v3.10.1+sdk.1`; depend
//!   with `git = "...", tag = "v3.10.1+sdk.1"`), and reach crates.io with the next Brayns
//!   release.
//! - Pre-releases (`3.10.1-sdk.1`) were rejected: they sort *before* `3.10.1` and a plain
//!   `"3.10.1"` requirement never selects them. Bumping the patch (`3.10.2`) was rejected
//!   too: it would claim a Brayns release the bindings were not generated from, and clash
//!   with the real one.
//!
//! [`BRAYNS_VERSION`] always says which release the bindings target, whatever the build
//! metadata.
//!
//! # Every Brayns 3.x release
//!
//! One crate is released per Brayns release, from the same hand-written sources and the
//! bindings generated from that release's schemas (`cargo xtask release`). Hand-written
//! features that need a method some release lacks are compiled only into the releases that
//! have it; the section below, generated with the bindings, says what this release has.
#![doc = include_str!("generated/release.md")]
#![deny(missing_docs)]

// The README's quick start is compiled with the doctests, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod camera;
mod capture;
mod client;
pub mod color;
mod compat;
mod error;
#[rustfmt::skip]
mod generated;
mod loading;
pub mod math;
mod meta;
mod movie;
mod pool;
mod schemas;
pub mod seam;
mod service;
pub mod simulation;
mod task;
mod version;

pub use brayns_rpc as rpc;
pub use brayns_rpc::{Bytes, Connector, Progress};
pub use brayns_snapshot::{EmbeddedSnapshot, MethodChange, SchemaPart, Snapshot, SnapshotDiff};
pub use capture::{ImageFormat, Resolution};
pub use client::{Brayns, WithBinary};
crate::generated::feature_capture! {
    pub use capture::{Capture, SaveTask};
}
pub use error::{Error, Result};
pub use generated::{BRAYNS_REVISION, BRAYNS_VERSION, METHODS, loaders, types};
pub use meta::{LoaderInfo, MethodInfo};
pub use movie::{
    CancelToken, FrameEvent, FrameFiles, FrameProgress, Movie, MovieFrames, SimulationFrames,
};
crate::generated::feature_capture! {
    pub use movie::FrameRender;
    pub use pool::{FramePool, PoolEvent, PoolProgress, PoolReport};
}
pub use schemas::compiled_snapshot;
pub use service::{DEFAULT_LOG_CAPACITY, LogLevel, Service, ServiceProcess};
pub use task::Task;
pub use version::{Version, VersionPolicy};
