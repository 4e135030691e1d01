//! The client handle: sends requests to the connection task and waits for their replies.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info};

use crate::connection::Outgoing;
use crate::error::{Error, Result};
use crate::pending::{PendingGuard, Shared, Slot};
use crate::request::{Encoded, Request, RequestId, Truncated};
use crate::response::{Progress, Response};
use crate::socket::Outbound;
use crate::task::Task;

/// A connection to a Brayns instance.
///
/// Cheap to clone and to share across tasks: every clone talks to the same background task,
/// which owns the socket. Any number of requests may be in flight at once; replies are routed
/// strictly by id. The connection closes when [`disconnect`](Client::disconnect) is called or
/// when the last clone (and the last [`Task`]) is dropped.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    outgoing: mpsc::UnboundedSender<Outgoing>,
    shared: Arc<Shared>,
    default_timeout: Option<Duration>,
    uri: String,
}

impl Drop for Inner {
    /// The last handle is gone: the connection task must stop, even if its writer is blocked
    /// by a peer that stopped reading (then it would never see the channel close).
    fn drop(&mut self) {
        self.shared.control().abandon();
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("uri", &self.inner.uri)
            .field("connected", &self.is_connected())
            .finish()
    }
}

/// A request registered in the pending map and queued: what its caller waits on.
struct InFlight<'a> {
    id: RequestId,
    method: Cow<'static, str>,
    timeout: Option<Duration>,
    reply: oneshot::Receiver<Result<Response>>,
    /// Removes the pending entry unless disarmed (a dropped or timed-out call).
    guard: PendingGuard<'a>,
}

impl Client {
    pub(crate) fn new(
        outgoing: mpsc::UnboundedSender<Outgoing>,
        shared: Arc<Shared>,
        default_timeout: Option<Duration>,
        uri: String,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                outgoing,
                shared,
                default_timeout,
                uri,
            }),
        }
    }

    /// Sends `method` with optional params and returns the `result` as a JSON value.
    ///
    /// `None` omits the `params` key, as Brayns requires for methods without params. A binary
    /// payload in the reply is dropped; use [`call`](Client::call) to get it.
    pub async fn request(
        &self,
        method: impl Into<Cow<'static, str>>,
        params: Option<Value>,
    ) -> Result<Value> {
        let mut request = Request::new(method);
        if let Some(params) = params {
            request = request.params_value(params);
        }
        self.call(request).await?.decode()
    }

    /// Sends `method` with typed params and deserializes the `result` into `R`.
    pub async fn request_typed<P, R>(
        &self,
        method: impl Into<Cow<'static, str>>,
        params: Option<&P>,
    ) -> Result<R>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let mut request = Request::new(method);
        if let Some(params) = params {
            request = request.params(params)?;
        }
        self.call(request).await?.decode()
    }

    /// Sends a request and waits for its reply: the one non-generic call path.
    ///
    /// Fails with [`Error::Server`] / [`Error::Cancelled`] for an error reply,
    /// [`Error::Timeout`] when the request's (or the default) timeout elapses, and
    /// [`Error::Disconnected`] when the connection is or goes down. Dropping the future
    /// forgets the request (its late reply is discarded).
    pub async fn call(&self, request: Request) -> Result<Response> {
        let InFlight {
            id,
            method,
            timeout,
            reply,
            guard,
        } = self.send_request(request, None)?;
        let outcome = match timeout {
            Some(after) => match tokio::time::timeout(after, reply).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    info!(%method, %id, ?after, "request timed out");
                    return Err(Error::Timeout { method, after });
                }
            },
            None => reply.await,
        };
        guard.disarm();
        outcome.unwrap_or_else(|_| Err(self.gone()))
    }

    /// Sends a notification: no id, so the server never answers (not even with an error).
    /// Returns once the frame is queued for sending.
    pub async fn notify(
        &self,
        method: impl Into<Cow<'static, str>>,
        params: Option<Value>,
    ) -> Result<()> {
        let mut request = Request::new(method);
        if let Some(params) = params {
            request = request.params_value(params);
        }
        self.send_notification(request)
    }

    /// Sends a prepared [`Request`] as a notification (no id, never answered).
    pub fn send_notification(&self, request: Request) -> Result<()> {
        if let Some(reason) = self.inner.shared.closed_reason() {
            return Err(Error::disconnected(&reason));
        }
        let message = self.encode(request, None)?;
        self.send(message)
    }

    /// Starts a request whose progress can be followed and which can be cancelled: meant for
    /// Brayns' async entrypoints (`snapshot`, `add-model`, `upload-model`, `export-gbuffers`).
    ///
    /// The request is sent before this returns. The request's timeout (or the default one)
    /// bounds the whole task.
    pub fn start_task(&self, request: Request) -> Result<Task> {
        let (progress_sender, progress) = mpsc::unbounded_channel();
        let InFlight {
            id,
            method,
            timeout,
            reply,
            guard,
        } = self.send_request(request, Some(progress_sender))?;
        // From here the task owns the entry: dropping it cancels and removes it.
        guard.disarm();
        Ok(Task::new(
            self.clone(),
            id,
            method,
            reply,
            progress,
            timeout,
        ))
    }

    /// Registers `request` in the pending map (routing progress to `progress`, for tasks) and
    /// queues it for sending: the one path every answered request takes.
    fn send_request(
        &self,
        request: Request,
        progress: Option<mpsc::UnboundedSender<Progress>>,
    ) -> Result<InFlight<'_>> {
        let shared = &*self.inner.shared;
        let timeout = request.timeout_value().or(self.inner.default_timeout);
        let method = request.method_cow().clone();
        let id = shared.next_id();
        let (done, reply) = oneshot::channel();
        let slot = Slot {
            method: method.clone(),
            done,
            progress,
        };
        let message = self.encode(request, Some(id))?;
        shared
            .insert(id, slot)
            .map_err(|reason| Error::disconnected(&reason))?;
        let guard = PendingGuard::new(shared, id);
        self.send(message)?;
        Ok(InFlight {
            id,
            method,
            timeout,
            reply,
            guard,
        })
    }

    /// Closes the connection: every pending call fails with [`Error::Disconnected`] and later
    /// calls fail fast. What was queued before is still written, then a Close frame, but
    /// never waiting for an answer (Brayns sends none) nor more than a short grace (250 ms),
    /// so this returns promptly even when the server has stopped reading.
    pub async fn disconnect(&self) {
        let (ack, done) = oneshot::channel();
        // In the channel, the request marks where the frames to flush end; the signal makes
        // the connection task notice it at once, even with its writer blocked.
        let queued = self.inner.outgoing.send(Outgoing::Disconnect(ack)).is_ok();
        self.inner.shared.control().disconnect();
        if queued {
            // An error only means the connection task is gone already.
            let _ = done.await;
        }
    }

    /// Whether the connection is still up (it may still drop at any moment).
    pub fn is_connected(&self) -> bool {
        self.inner.shared.is_connected()
    }

    /// The websocket URL this client is connected to.
    pub fn uri(&self) -> &str {
        &self.inner.uri
    }

    /// How many requests wait for a reply. For tests of the no-leak guarantees.
    #[doc(hidden)]
    pub fn pending_count(&self) -> usize {
        self.inner.shared.len()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// Best-effort `cancel` for a task being dropped: nobody waits for the reply.
    pub(crate) fn cancel_in_background(&self, target: RequestId) {
        if !self.is_connected() {
            return;
        }
        let request = match Request::new("cancel").params(&CancelParams { id: target }) {
            Ok(request) => request,
            Err(_) => return,
        };
        let id = self.inner.shared.next_id();
        // Nobody waits for its reply: when it comes, it is expected.
        self.inner.shared.expect_unwaited_reply(id.get());
        debug!(%target, "cancelling a dropped task");
        if let Ok(message) = self.encode(request, Some(id)) {
            let _ = self.send(message);
        }
    }

    fn encode(&self, request: Request, id: Option<RequestId>) -> Result<Outbound> {
        if tracing::enabled!(tracing::Level::DEBUG)
            && let Some(params) = request.params_json()
        {
            debug!(method = request.method(), id = id.map(RequestId::get), params = %Truncated(params, 1024), "request payload");
        }
        let method = request.method_cow().clone();
        match request.encode(id)? {
            Encoded::Text(json) => {
                info!(%method, id = id.map(RequestId::get), json = json.len(), "request");
                // serde_json writes UTF-8 and the envelope is ASCII, so this only checks.
                match std::str::from_utf8(&json) {
                    Ok(_) => Ok(Outbound::text(json)),
                    Err(_) => Err(Error::Protocol(format!(
                        "{method}: request JSON is not UTF-8"
                    ))),
                }
            }
            Encoded::Binary { json_len, frame } => {
                info!(%method, id = id.map(RequestId::get), json = json_len, binary = frame.len() - 4 - json_len, "request");
                Ok(Outbound::binary(frame))
            }
        }
    }

    fn send(&self, message: Outbound) -> Result<()> {
        self.inner
            .outgoing
            .send(Outgoing::Frame(message))
            .map_err(|_| self.gone())
    }

    fn gone(&self) -> Error {
        let reason = self
            .inner
            .shared
            .closed_reason()
            .unwrap_or_else(|| Arc::from("the connection task ended"));
        Error::disconnected(&reason)
    }
}

#[derive(Serialize)]
pub(crate) struct CancelParams {
    pub(crate) id: RequestId,
}
