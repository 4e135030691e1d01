//! Handles for long-running requests: progress, cancel, result.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::client::{CancelParams, Client};
use crate::error::{Error, Result};
use crate::request::{Request, RequestId};
use crate::response::{Progress, Response};

/// A request in flight whose progress can be followed, which can be cancelled, and which can be
/// awaited for its result (directly, via [`IntoFuture`], or with [`wait`](Task::wait)).
///
/// Dropping a task that has not finished removes its pending entry and sends a best-effort
/// `cancel` to the server (nothing is reported back).
#[must_use = "dropping a Task cancels it"]
pub struct Task {
    client: Client,
    id: RequestId,
    method: Cow<'static, str>,
    reply: oneshot::Receiver<Result<Response>>,
    progress: mpsc::UnboundedReceiver<Progress>,
    deadline: Option<(Instant, Duration)>,
    finished: bool,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("finished", &self.finished)
            .finish()
    }
}

impl Task {
    pub(crate) fn new(
        client: Client,
        id: RequestId,
        method: Cow<'static, str>,
        reply: oneshot::Receiver<Result<Response>>,
        progress: mpsc::UnboundedReceiver<Progress>,
        timeout: Option<Duration>,
    ) -> Task {
        Task {
            client,
            id,
            method,
            reply,
            progress,
            deadline: timeout.map(|after| (Instant::now() + after, after)),
            finished: false,
        }
    }

    /// The id of the request, as sent on the wire.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The method of the request.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The next progress notification, or `None` once the task has ended (its result is then
    /// ready for [`wait`](Task::wait)), the connection is gone, or the task's timeout has
    /// elapsed (then [`wait`](Task::wait) reports [`Error::Timeout`]).
    pub async fn next_progress(&mut self) -> Option<Progress> {
        let Some((deadline, _)) = self.deadline else {
            return self.progress.recv().await;
        };
        // Checked first: progress already queued must not carry the caller past the timeout.
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::timeout_at(deadline, self.progress.recv())
            .await
            .ok()
            .flatten()
    }

    /// Progress notifications as a stream; it ends when the task does, or at its timeout.
    pub fn progress(&mut self) -> impl Stream<Item = Progress> + Send + '_ {
        // The deadline is checked before each item, as in `next_progress`. Its timer is made
        // at the first poll, inside the runtime, so making the stream needs none.
        let deadline = self.deadline.map(|(deadline, _)| deadline);
        let mut expiry = None;
        futures_util::stream::poll_fn(move |cx| {
            if let Some(deadline) = deadline {
                let expiry =
                    expiry.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if expiry.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
            }
            self.progress.poll_recv(cx)
        })
    }

    /// Asks the server to cancel the task (`cancel {"id": <id>}`).
    ///
    /// `Ok` means the server accepted the cancel; the task then usually ends with
    /// [`Error::Cancelled`], but may still complete normally. An error (typically `-32602`
    /// "No requests found" when the task already finished) is returned here and does not affect
    /// the task, which still resolves on its own.
    pub async fn cancel(&self) -> Result<()> {
        let request = Request::new("cancel").params(&CancelParams { id: self.id })?;
        self.client.call(request).await.map(drop)
    }

    /// Waits for the result. Progress not yet read is discarded.
    ///
    /// On timeout the task is cancelled on the server (as when dropped).
    pub async fn wait(mut self) -> Result<Response> {
        let outcome = match self.deadline {
            Some((deadline, after)) => {
                match tokio::time::timeout_at(deadline, &mut self.reply).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        return Err(Error::Timeout {
                            method: self.method.clone(),
                            after,
                        });
                    }
                }
            }
            None => (&mut self.reply).await,
        };
        self.finished = true;
        match outcome {
            Ok(result) => result,
            Err(_) => Err(Error::Disconnected {
                reason: self
                    .client
                    .shared()
                    .closed_reason()
                    .unwrap_or_else(|| "the connection task ended".into()),
            }),
        }
    }
}

impl IntoFuture for Task {
    type Output = Result<Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Still registered means the server has not answered yet: cancel it there too.
        if self.client.shared().abandon(self.id.get()).is_some() {
            self.client.cancel_in_background(self.id);
        }
    }
}
