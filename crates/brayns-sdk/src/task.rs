//! Typed handles of async entrypoints.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use brayns_rpc::{Progress, RequestId, Response};

use crate::Result;
use futures_util::Stream;

/// A running async entrypoint (`snapshot`, `add-model`, `upload-model`,
/// `export-gbuffers`): follow its progress, cancel it, await its typed output.
///
/// Awaiting the task (or [`wait`](Task::wait)) gives the output. Dropping it unfinished
/// cancels it on the server, best effort.
pub struct Task<T> {
    inner: brayns_rpc::Task,
    decode: fn(Response) -> Result<T>,
}

impl<T> std::fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<T> Task<T> {
    /// Types a started task: `decode` turns its final reply into the output. Generated
    /// methods of async entrypoints return their tasks this way (see [`crate::seam`]).
    pub fn new(inner: brayns_rpc::Task, decode: fn(Response) -> Result<T>) -> Self {
        Self { inner, decode }
    }

    /// The id of the request, as sent on the wire; `cancel` takes the same type
    /// (`CancelParams { id: task.id() }`).
    pub fn id(&self) -> RequestId {
        *self.inner.id()
    }

    /// The next progress notification, or `None` once the task has ended, the connection is
    /// gone, or the task's timeout has elapsed (awaiting the task then gives the timeout).
    pub async fn next_progress(&mut self) -> Option<Progress> {
        self.inner.next_progress().await
    }

    /// Progress notifications as a stream; it ends when the task does, or at its timeout.
    pub fn progress(&mut self) -> impl Stream<Item = Progress> + Send + '_ {
        self.inner.progress()
    }

    /// Asks the server to cancel the task. The task then usually ends with
    /// [`Error::Cancelled`](crate::Error::Cancelled), but may still complete normally.
    pub async fn cancel(&self) -> Result<()> {
        Ok(self.inner.cancel().await?)
    }

    /// Waits for the output. Progress not yet read is discarded.
    pub async fn wait(self) -> Result<T> {
        (self.decode)(self.inner.wait().await?)
    }

    /// The untyped task.
    pub fn into_inner(self) -> brayns_rpc::Task {
        self.inner
    }
}

impl<T: Send + 'static> IntoFuture for Task<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}
