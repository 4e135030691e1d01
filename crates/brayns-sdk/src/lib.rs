//! Typed async Rust SDK for Brayns, the Blue Brain rendering service.
//!
//! [`Brayns`] wraps a [`brayns_rpc::Client`] and has one method per entrypoint of the
//! Brayns release the SDK targets ([`SNAPSHOT_VERSION`]), generated from its schemas by
//! `cargo xtask codegen`: params and results are the types of [`types`], loaders' typed
//! properties are in [`loaders`], and [`METHODS`] lists every method for tooling.
//!
//! ```no_run
//! # async fn run() -> brayns_sdk::Result<()> {
//! let client = brayns_sdk::rpc::Connector::new("localhost:5000").connect().await?;
//! let brayns = brayns_sdk::Brayns::new(client);
//! let version = brayns.get_version().await?;
//! println!("Brayns {}.{}.{}", version.major, version.minor, version.patch);
//! # Ok(())
//! # }
//! ```

mod client;
#[cfg(test)]
pub mod fixtures;
#[rustfmt::skip]
mod generated;
mod task;

pub use brayns_rpc as rpc;
pub use brayns_rpc::{Bytes, Error, Progress, Result};
pub use client::{Brayns, WithBinary};
pub use generated::{METHODS, MethodInfo, SNAPSHOT_VERSION, SnapshotVersion, loaders, types};
pub use task::Task;
