//! A schema-driven stand-in Brayns instance, for tests, examples and benchmarks.
//!
//! [`MockServer`] behaves like a Brayns 3.10.1 `braynsService` on the wire
//! (`../shared/PROTOCOL.md`): it serves a schema snapshot directory (by default the 3.10.1
//! snapshot embedded in this crate), validates requests in the server's order with its exact
//! codes, messages and `data` strings, runs one request at a time across all clients, sends
//! progress for async entrypoints and honours `cancel`, replies with binary frames carrying real
//! PNG/JPEG images, keeps a scene, camera and renderer state, and can inject faults.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = brayns_mock::MockServer::builder().start().await?;
//! println!("connect to ws://{}", mock.uri());
//! mock.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! Deliberate differences from the real server:
//! - `cancel` is handled the moment it arrives, even while a sync request runs (the server
//!   handles it at the next poll of an async task, or when the queue drains).
//! - Validation runs on the connection's task as frames arrive, so validation errors of
//!   different clients are not serialized with execution (the server validates on its main
//!   thread; the replies are the same).
//! - `Invalid JSON: '<text>'` carries serde_json's parser message, not Poco's.
//! - `No requests found with ID <N>.` prints a made-up connection handle (the server prints an
//!   address).
//! - Nothing is rendered or loaded: images are a gradient, loaders only check the loader name.

mod config;
mod connection;
mod executor;
mod handlers;
mod image;
mod jsonrpc;
mod sample;
mod server;
mod snapshot;
mod task_log;
mod validate;
mod wire;

pub use config::MalformedFrame;
pub use jsonrpc::codes;
pub use sample::{sample, sample_request};
pub use server::{BackgroundMockServer, MockServer, MockServerBuilder, StartError};
pub use snapshot::{Entrypoint, Snapshot, SnapshotError};
pub use task_log::{TaskEvent, TaskLog, TaskOutcome};
pub use validate::{format_number, validate, validate_reply};
