//! The background task that owns the websocket: it writes what callers queue and routes what
//! the server sends to the pending map.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::control::Stop;
use crate::error::Error;
use crate::incoming::{Incoming, WireId, classify, split_binary};
use crate::pending::{ProgressRoute, Shared, Slot};
use crate::request::Truncated;
use crate::response::Response;
use crate::socket::{Inbound, Outbound, Socket};

/// What callers ask of the connection task, in order.
pub(crate) enum Outgoing {
    /// A frame to write.
    Frame(Outbound),
    /// Close the connection; answered once every pending call has failed. Frames queued after
    /// it are dropped. It is also signalled through [`Control`](crate::control::Control), so
    /// the task notices it even while its writer is blocked and this channel is not read.
    Disconnect(oneshot::Sender<()>),
}

/// How many messages one wake-up writes before yielding, so a flood of requests cannot starve
/// the replies or the runtime.
const BUDGET: usize = 64;

/// How many replies one wake-up routes before yielding. Smaller than [`BUDGET`] so requests
/// and replies overlap: routing a whole window of pipelined replies before the callers could
/// answer them with new requests left the server idle while the client worked and the client
/// idle while the server did (with client and server on a core each, 64 calls in flight ran
/// at 0.6 of the raw floor with 64, at or above it with 32, 16 or 8).
const READ_BUDGET: usize = 16;

/// How long `disconnect()` lets the Close frame (and anything queued before it) drain, in all.
const CLOSE_GRACE: Duration = Duration::from_millis(250);

/// How long, after the last handle is dropped, the last frames may go without visible
/// progress. Progress shows only when the kernel's send buffer (up to 4 MiB) has drained
/// enough to wake the writer, which takes a while for a slow reader; nobody waits for a
/// dropped client, so this can be generous.
const ABANDON_GRACE: Duration = Duration::from_secs(2);

/// Why the driver loop ended.
enum Exit {
    /// The socket ended or failed.
    Lost(String),
    /// `disconnect()` was called. Carries its request when the driver read it from the
    /// channel (frames behind it are then not to be sent); otherwise it is still queued.
    Disconnect(Option<oneshot::Sender<()>>),
    /// Every client handle was dropped.
    Abandoned,
}

/// Spawns the connection task on the current runtime.
pub(crate) fn spawn<S>(
    ws: Socket<S>,
    shared: Arc<Shared>,
    uri: String,
) -> mpsc::UnboundedSender<Outgoing>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(run(ws, receiver, shared, uri));
    sender
}

async fn run<S>(
    mut ws: Socket<S>,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
    shared: Arc<Shared>,
    uri: String,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut unflushed = false;
    let exit = loop {
        match poll_fn(|cx| drive(cx, &mut ws, &mut outgoing, &shared, &mut unflushed)).await {
            Step::Exit(exit) => break exit,
            // Behind the tasks the replies woke (and on a current-thread runtime behind the
            // `block_on` future too), so their next requests go out in the next round.
            Step::Yield => tokio::task::yield_now().await,
        }
    };
    // `patience`: when the client ended the connection, the socket is still usable for
    // goodbyes; how long they may take depends on whether someone waits for them.
    let (reason, patience) = match &exit {
        // The server's Close, or a protocol violation, left the client's Close queued: it
        // goes out (promptly: the server is done) before the stream is dropped.
        Exit::Lost(reason) => (reason.clone(), ws.closing().then_some(Patience::Prompt)),
        Exit::Disconnect(_) => (
            "disconnected by the client".to_owned(),
            Some(Patience::Prompt),
        ),
        Exit::Abandoned => (
            "every client handle was dropped".to_owned(),
            Some(Patience::WhileWriting),
        ),
    };
    let reason: Arc<str> = reason.into();
    // Fail every waiter first: nothing below may delay them.
    let slots = shared.close(reason.clone());
    info!(%uri, %reason, failed = slots.len(), "connection closed");
    for slot in slots {
        let _ = slot.done.send(Err(Error::disconnected(&reason)));
    }
    outgoing.close();
    let (farewell, acks) = leftovers(&mut outgoing, exit);
    if let Some(patience) = patience {
        // Flush what callers queued (a last notification, say) and say goodbye, without
        // waiting for the server's answer (Brayns never sends one).
        // Frames behind a Close already queued are dropped by the socket.
        for frame in farewell {
            if ws.queue(frame).is_err() {
                break;
            }
        }
        say_goodbye(&mut ws, patience).await;
    }
    drop(ws);
    for ack in acks {
        let _ = ack.send(());
    }
}

/// How long the last frames and the Close may take to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Patience {
    /// [`CLOSE_GRACE`] in all: `disconnect()` is awaited and must return promptly.
    Prompt,
    /// As long as the server keeps reading, and [`ABANDON_GRACE`] without progress: nobody
    /// waits (every handle was dropped), and a last notification to a slow but live server
    /// must not be cut off halfway.
    WhileWriting,
}

/// Writes what is queued and a Close, within `patience`; a server that stopped reading never
/// holds the task up longer than [`CLOSE_GRACE`] or [`ABANDON_GRACE`].
async fn say_goodbye<S>(ws: &mut Socket<S>, patience: Patience)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if patience == Patience::Prompt {
        let _ = tokio::time::timeout(CLOSE_GRACE, poll_fn(|cx| ws.poll_close(cx))).await;
        return;
    }
    loop {
        let before = ws.unwritten();
        // Ends when the close is written (or fails), or as soon as some bytes went out, so
        // every stretch of progress earns a fresh grace.
        let step = poll_fn(|cx| match ws.poll_close(cx) {
            Poll::Ready(_) => Poll::Ready(true),
            Poll::Pending if ws.unwritten() < before => Poll::Ready(false),
            Poll::Pending => Poll::Pending,
        });
        match tokio::time::timeout(ABANDON_GRACE, step).await {
            Ok(false) => continue,
            Ok(true) | Err(_) => return,
        }
    }
}

/// Empties the closed channel: the frames queued before the first disconnect request (to
/// flush on a graceful close) and every disconnect request (to answer once closed).
fn leftovers(
    outgoing: &mut mpsc::UnboundedReceiver<Outgoing>,
    exit: Exit,
) -> (Vec<Outbound>, Vec<oneshot::Sender<()>>) {
    let mut acks = Vec::new();
    if let Exit::Disconnect(Some(ack)) = exit {
        acks.push(ack);
    }
    let mut frames = Vec::new();
    while let Ok(message) = outgoing.try_recv() {
        match message {
            Outgoing::Frame(frame) if acks.is_empty() => frames.push(frame),
            // Queued after a disconnect: its caller has been failed already.
            Outgoing::Frame(_) => {}
            Outgoing::Disconnect(ack) => acks.push(ack),
        }
    }
    (frames, acks)
}

/// What one round of [`drive`] ended with.
enum Step {
    /// The connection is over.
    Exit(Exit),
    /// A budget ran out: let the woken callers run, then drive again.
    Yield,
}

fn drive<S>(
    cx: &mut Context<'_>,
    ws: &mut Socket<S>,
    outgoing: &mut mpsc::UnboundedReceiver<Outgoing>,
    shared: &Shared,
    unflushed: &mut bool,
) -> Poll<Step>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // First, whatever the writer's state: a blocked writer must not hide a disconnect.
    match shared.control().poll_stop(cx) {
        Poll::Ready(Stop::Disconnect) => return exit(Exit::Disconnect(None)),
        Poll::Ready(Stop::Abandoned) => return exit(Exit::Abandoned),
        Poll::Pending => {}
    }

    let mut yielded = false;

    // Outgoing: queue as many frames as the sink takes, then flush once.
    let mut sent = 0;
    loop {
        if sent == BUDGET {
            yielded = true;
            break;
        }
        match ws.poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(error)) => return exit(Exit::Lost(write_failure(error))),
            Poll::Pending => break,
        }
        match outgoing.poll_recv(cx) {
            Poll::Ready(Some(Outgoing::Frame(message))) => {
                if let Err(error) = ws.queue(message) {
                    return exit(Exit::Lost(write_failure(error)));
                }
                *unflushed = true;
                sent += 1;
            }
            Poll::Ready(Some(Outgoing::Disconnect(ack))) => {
                return exit(Exit::Disconnect(Some(ack)));
            }
            Poll::Ready(None) => return exit(Exit::Abandoned),
            Poll::Pending => break,
        }
    }
    if *unflushed {
        match ws.poll_flush(cx) {
            Poll::Ready(Ok(())) => *unflushed = false,
            Poll::Ready(Err(error)) => return exit(Exit::Lost(write_failure(error))),
            Poll::Pending => {}
        }
    }

    // Incoming: route every complete message.
    let mut received = 0;
    loop {
        if received == READ_BUDGET {
            yielded = true;
            break;
        }
        match ws.poll_next(cx) {
            Poll::Ready(Ok(Some(message))) => {
                received += 1;
                if let Some(reason) = dispatch(message, shared) {
                    return exit(Exit::Lost(reason));
                }
            }
            Poll::Ready(Err(error)) => {
                return exit(Exit::Lost(format!("read failed: {error}")));
            }
            Poll::Ready(Ok(None)) => {
                return exit(Exit::Lost("the server closed the connection".to_owned()));
            }
            Poll::Pending => break,
        }
    }

    if yielded {
        return Poll::Ready(Step::Yield);
    }
    Poll::Pending
}

fn exit(exit: Exit) -> Poll<Step> {
    Poll::Ready(Step::Exit(exit))
}

fn write_failure(error: std::io::Error) -> String {
    format!("write failed: {error}")
}

/// Handles one incoming websocket message. Returns a reason when it ends the connection.
fn dispatch(message: Inbound, shared: &Shared) -> Option<String> {
    let parts = match message {
        Inbound::Text(json) => Ok((json, Bytes::new())),
        Inbound::Binary(frame) => split_binary(frame),
        Inbound::Close(close) => return Some(close.describe()),
    };
    let (json, binary) = match parts {
        Ok(parts) => parts,
        Err(error) => {
            warn!("skipping a malformed binary frame from the server: {error}");
            return None;
        }
    };
    match classify(json, binary) {
        Ok(incoming) => route(incoming, shared),
        Err((error, json)) => warn!(
            "skipping a malformed message from the server: {error}; message: {}",
            Truncated(json.as_bytes(), 512)
        ),
    }
    None
}

fn route(incoming: Incoming, shared: &Shared) {
    match incoming {
        Incoming::Reply {
            id,
            json,
            result,
            binary,
        } => {
            let Some((id, slot)) = take(shared, &id, "reply") else {
                return;
            };
            info!(
                method = %slot.method,
                id,
                json = json.len(),
                binary = binary.len(),
                "reply"
            );
            debug!(id, result = %Truncated(&json.as_bytes()[result.clone()], 1024), "reply payload");
            let response = Response {
                method: slot.method,
                id: crate::request::RequestId(id),
                json,
                result,
                binary,
            };
            let _ = slot.done.send(Ok(response));
        }
        Incoming::Error { id, error } => {
            if id == WireId::Null {
                // Only a malformed request earns an error with id null (PROTOCOL.md §4 steps
                // 0-4); this client never sends one, so it cannot belong to a pending call.
                match error {
                    Ok(error) => warn!(%error, "the server reported an error with id null"),
                    Err(malformed) => {
                        warn!("the server reported an error with id null: {malformed}")
                    }
                }
                return;
            }
            let Some((id, slot)) = take(shared, &id, "error") else {
                return;
            };
            let outcome = match error {
                Ok(error) => {
                    info!(method = %slot.method, id, code = error.code, "error reply");
                    debug!(id, %error, "error reply payload");
                    Error::from_server(error)
                }
                Err(malformed) => {
                    warn!(method = %slot.method, id, "{malformed}");
                    Error::Protocol(format!("{}: {malformed}", slot.method))
                }
            };
            let _ = slot.done.send(Err(outcome));
        }
        Incoming::Progress { id, progress } => {
            let WireId::Int(number) = id else {
                warn!(id = ?id, "skipping progress for an id this client never sends");
                return;
            };
            let progress = match progress {
                Ok(progress) => progress,
                Err(malformed) => {
                    warn!(id = number, "skipping progress: {malformed}");
                    return;
                }
            };
            debug!(id = number, operation = %progress.operation, amount = progress.amount, "progress");
            match shared.progress(number, progress) {
                ProgressRoute::Delivered => {}
                ProgressRoute::NotATask => {
                    debug!(
                        id = number,
                        "progress for a plain call, not a task: dropped"
                    );
                }
                ProgressRoute::Unknown => unknown(shared, number, "progress"),
            }
        }
    }
}

/// Removes the waiter for `id`, logging when there is none.
fn take(shared: &Shared, id: &WireId, what: &str) -> Option<(i64, Slot)> {
    match id {
        WireId::Int(number) => {
            let slot = shared.remove(*number);
            if slot.is_none() {
                unanswerable(shared, *number, what);
            }
            slot.map(|slot| (*number, slot))
        }
        other => {
            warn!(id = ?other, "skipping a {what} for an id this client never sends");
            None
        }
    }
}

/// A reply or error for an id nobody waits for: late (its caller gave up), a second answer
/// to the same id, or for an id this client never issued.
fn unanswerable(shared: &Shared, id: i64, what: &str) {
    if shared.answer_abandoned(id) {
        debug!(id, "dropping a late {what} for an abandoned request");
    } else if shared.was_issued(id) {
        // Each id is answered once: the server (or a proxy) misbehaves.
        warn!(id, "skipping a second {what} for an id already answered");
    } else {
        warn!(id, "skipping a {what} for an unknown id");
    }
}

/// Progress for an id that is no task in flight.
fn unknown(shared: &Shared, id: i64, what: &str) {
    if shared.was_issued(id) {
        // A task that timed out or was dropped: its progress may come until the server sees
        // the cancel.
        debug!(id, "dropping a late {what} for an abandoned request");
    } else {
        warn!(id, "skipping a {what} for an unknown id");
    }
}
