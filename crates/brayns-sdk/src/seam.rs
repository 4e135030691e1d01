//! The contract between the generated bindings and this crate: the one seam the generator
//! targets.
//!
//! A generated method builds a [`Request`](crate::rpc::Request), takes the connection from
//! [`Caller::rpc_client`], sends the request with [`Client::call`] (or starts it with
//! [`Client::start_task`], wrapped in [`Task::new`](crate::Task::new) with a decoder), and
//! decodes the [`Response`](crate::rpc::Response). Everything else it names is public API
//! too: [`Result`](crate::Result), [`WithBinary`](crate::WithBinary),
//! [`Bytes`](crate::Bytes), and the table types [`Version`](crate::Version),
//! [`MethodInfo`](crate::MethodInfo), [`LoaderInfo`](crate::LoaderInfo) and
//! [`EmbeddedSnapshot`](crate::EmbeddedSnapshot). So the SDK's private code can change
//! freely, and bindings generated for any release (or for a type of your own) compile
//! against this crate as a dependency.

use brayns_rpc::Client;

/// A type the generated methods can be implemented on: it hands them its connection.
///
/// [`Brayns`](crate::Brayns) implements it; so does any client type you generate bindings
/// for with `brayns-codegen` (its `Options::client_type`).
pub trait Caller {
    /// The connection requests go through.
    fn rpc_client(&self) -> &Client;
}

impl Caller for crate::Brayns {
    fn rpc_client(&self) -> &Client {
        self.rpc()
    }
}
