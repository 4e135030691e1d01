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
//!
//! The blocking facade has one more seam, [`Blocking`]: each method's blocking twin calls
//! the async method and waits on the facade's runtime.

use std::future::Future;

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

/// A type the generated blocking twins of the methods are implemented on
/// ([`crate::blocking::Brayns`]): it gives them the async client and waits for them.
pub trait Blocking {
    /// What an async entrypoint's twin returns.
    type Task<T>;

    /// The async client whose methods the twins call.
    fn asynchronous(&self) -> &crate::Brayns;

    /// Runs `future` to its end; fails instead of blocking when that is not possible
    /// (from inside an async runtime).
    fn block_on<F: Future>(&self, future: F) -> crate::Result<F::Output>;

    /// A started async task, made blocking.
    fn task<T>(&self, task: crate::Task<T>) -> Self::Task<T>;
}
