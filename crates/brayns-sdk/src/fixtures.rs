//! The code generator's fixture outputs (`brayns-codegen/tests/fixtures/*/expected`),
//! compiled inside the SDK's unit tests: they must build against the same hand-written
//! layer as the real bindings, and their generated round-trip tests run here.
//!
//! Each fixture implements its methods on its own client type, so its method names cannot
//! clash with the real `Brayns` ones.

// The fixtures' methods and tables exist to be compiled, not called. They are public so
// that the lints of public items (`missing_docs`...) apply as they do to the real bindings.
#![allow(dead_code)]

use brayns_rpc::Client;

/// Client type of the `awkward` fixture (keywords, dashes, title collisions).
pub struct AwkwardClient {
    rpc: Client,
}

impl AwkwardClient {
    fn rpc(&self) -> &Client {
        &self.rpc
    }
}

/// Client type of the `older` fixture (a trimmed 3.0.0-like snapshot).
pub struct OlderClient {
    rpc: Client,
}

impl OlderClient {
    fn rpc(&self) -> &Client {
        &self.rpc
    }
}

#[rustfmt::skip]
#[path = "../../brayns-codegen/tests/fixtures/awkward/expected/mod.rs"]
pub mod awkward;

#[rustfmt::skip]
#[path = "../../brayns-codegen/tests/fixtures/older/expected/mod.rs"]
pub mod older;
