//! JSON-RPC 2.0 over websocket, in the dialect of Brayns.
//!
//! A generic, method-agnostic client for the Brayns rendering service, following the wire
//! protocol of Brayns 3.10.1 exactly (framing, envelope, progress, cancel, disconnection).
//!
//! ```no_run
//! use brayns_rpc::{Connector, Request};
//!
//! # async fn example() -> brayns_rpc::Result<()> {
//! let client = Connector::new("localhost:5000").connect().await?;
//!
//! // No params: the `params` key is omitted, as Brayns requires.
//! let version = client.request("get-version", None).await?;
//! println!("Brayns {}.{}", version["major"], version["minor"]);
//!
//! // An async entrypoint: follow its progress, then take the binary reply (no copy).
//! let mut task = client.start_task(Request::new("snapshot").params(&serde_json::json!({}))?)?;
//! while let Some(progress) = task.next_progress().await {
//!     println!("{} {:.0}%", progress.operation, progress.amount * 100.0);
//! }
//! let image = task.await?.into_binary();
//! println!("{} bytes of PNG", image.len());
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! - **One task owns the socket.** [`Connector::connect`] spawns a background task that writes
//!   what callers queue (through a channel) and reads what the server sends. Callers register in
//!   a pending map keyed by id; the task routes each reply, error and progress there. So a
//!   [`Client`] is a cheap, cloneable handle, and any number of requests can be in flight over
//!   one connection. Replies arrive out of order (PROTOCOL.md §6.1) and are matched strictly by
//!   id. Ids come from an increasing `i64` counter and are never reused.
//! - **No copies of large payloads.** Params are serialized once, straight into the outgoing
//!   buffer, and the envelope is written around them. Replies are parsed borrowing from the
//!   frame: [`Response`] keeps the frame's JSON text and the range of `result`, and the binary
//!   payload is a [`bytes::Bytes`] slice of the received frame.
//! - **Binary frames** in both directions are `u32` little-endian JSON length, the JSON, then
//!   the payload. A request goes out binary when [`Request::binary`] is set; replies may be text
//!   or binary for any id.
//! - **Tasks.** [`Client::start_task`] returns a [`Task`]: progress notifications (routed by
//!   `params.id`, as they carry no top-level id) come through [`Task::next_progress`] or the
//!   [`Task::progress`] stream; [`Task::cancel`] sends `cancel {"id": ...}`; awaiting the task
//!   gives the result, [`Error::Cancelled`] (code 20) or the normal result when the server
//!   finished first. Dropping an unfinished task cancels it (best effort). The request's
//!   timeout bounds the whole task: progress ends at the deadline (even while the server keeps
//!   sending it), and awaiting the task then gives [`Error::Timeout`].
//! - **Websocket hygiene** (PROTOCOL.md "Pitfalls"): the client's own frame layer (only the
//!   upgrade's key helpers come from tungstenite) never sends pings or pongs and ignores any it
//!   receives (Brayns reads either as Close and never sends one), sends every message as one
//!   final masked frame, never negotiates permessage-deflate, accepts incoming messages up to
//!   2 GiB by default ([`Connector::max_message_size`], checked from the frame header, with
//!   memory allocated as the bytes arrive, never at the header's word), reassembles fragmented
//!   messages within that limit, fails the connection on framing it cannot trust (a masked or
//!   reserved frame, an invalid Close, fragments out of sequence) with a Close carrying 1002
//!   (1009 over the limit), echoes the server's Close, and does not wait for a close
//!   handshake on [`Client::disconnect`] (Brayns never answers one).
//! - **Memory.** A large incoming message is read straight into one buffer, grown as its
//!   bytes arrive, which becomes the reply's [`bytes::Bytes`]; that buffer is reused for the
//!   next large message only once every part of the previous reply is dropped, and released
//!   after 5 s without one, so peak memory is one copy of the payload per reply held. An
//!   allocation that fails ends the connection with an error, never the process. Outgoing payloads are masked in place and written without another
//!   copy. Buffers of 1 MiB and more that were written (or used by the parallel serialization
//!   of large arrays, [`Request::params_array`]) are kept for the next large request, whose
//!   serialization then writes into pages already mapped instead of faulting in fresh ones
//!   (half the encoding time of a 64 MiB `add-spheres` call). At most 8 buffers and 1 GiB are
//!   kept, a buffer only serves requests of at least a quarter of its size, and each is
//!   released 5 s after it was last used.
//!
//! # Error policy
//!
//! - Server errors are [`Error::Server`] with the [`ServerError`] intact (`code`, `message`,
//!   `data`); code 20 is [`Error::Cancelled`]. Key on codes, never on messages.
//! - **A malformed message from the server** (a text frame that is not UTF-8, bad JSON, not an
//!   object, a truncated binary header,
//!   a reply for an unknown id, a message that is neither reply, error nor progress) is logged at
//!   WARN and skipped; the connection keeps working. A well-formed reply whose error object is
//!   malformed fails its call with [`Error::Protocol`]. A late reply to a request that timed out
//!   or was dropped is expected and logged at DEBUG only; a second reply to an id already
//!   answered means the server or a proxy misbehaves, and is logged at WARN.
//! - **Errors with `id: null`** are only sent for requests the server could not parse
//!   (PROTOCOL.md §4 steps 0-4). This client only sends well-formed envelopes, so such an error
//!   cannot be attributed to any pending call: it is logged at WARN and **no pending call is
//!   failed** (unlike the Python client, which fails them all).
//! - **Disconnection**: when the socket ends (EOF, error, Close) or [`Client::disconnect`] is
//!   called, every pending call and task fails at once with [`Error::Disconnected`], later calls
//!   fail fast with it, and [`Client::is_connected`] turns false. There is no reconnection.
//!   `disconnect()` (and dropping the last [`Client`] and [`Task`]) is noticed at once even
//!   when the server has stopped reading and a large request is stuck half-written. What was
//!   queued before goes out with the Close frame: after `disconnect()`, which is awaited,
//!   within a short grace (250 ms) in all; after the last handle is dropped, for as long as
//!   the server keeps reading (so a last large notification to a slow server arrives whole),
//!   giving up after 2 s without visible progress. Progress shows when the kernel's send
//!   buffer (up to 4 MiB) drains, so a reader slower than about 1 MB/s may still be cut off.
//!   Then the socket is dropped. Calls queued behind a stuck
//!   request wait, bounded by their timeouts, until it is written or the connection ends.
//! - **Timeouts**: a per-request timeout ([`Request::timeout`]) or the default one
//!   ([`Connector::request_timeout`]) fails the call with [`Error::Timeout`]; its pending entry
//!   is removed and the connection stays usable. Dropping a call's future does the same.
//! - **Oversized requests**: a request frame above the server's limit (`INT_MAX` bytes) is
//!   refused with [`Error::Protocol`] before sending, as Brayns would drop the connection.
//! - **Connecting**: only "service unavailable" failures are retried, up to
//!   [`Connector::max_attempts`]: refused, unreachable, connect or handshake timeout, and a
//!   connection the server accepts but closes or resets before sending a single byte (of TLS or
//!   HTTP), which is what Brayns does with a full queue or while restarting. Once the server
//!   has answered, failures are final: TLS errors ([`Error::Tls`]) and protocol errors
//!   ([`Error::Protocol`], e.g. an HTTP error status on upgrade, or an answer that is not HTTP
//!   such as a TLS alert for `ws://` to a TLS server) fail at once. A TLS server that closes a
//!   plain request without an alert (OpenSSL does, so a TLS Brayns may) cannot be told from a
//!   busy one: it is retried, and the final error says "or a TLS server reached with ws://?".
//!
//! # TLS
//!
//! rustls with the `ring` provider, chosen explicitly for each configuration (the process-level
//! default provider is neither needed nor touched). Trust the system roots, or a custom CA given
//! as a file or PEM bytes ([`Tls`]). Hostnames are always verified.
//!
//! # Tracing
//!
//! INFO: connection events, and for each request and reply the method, id and sizes. DEBUG adds
//! the payloads (params, results, progress), truncated when large. WARN: skipped messages.

mod array;
mod client;
mod close;
mod connection;
mod connector;
mod control;
mod error;
mod frame;
mod heard;
mod incoming;
mod pending;
mod reader;
mod request;
mod response;
mod socket;
mod spare;
mod target;
mod task;
mod tls;
mod upgrade;
mod writer;

pub use bytes::Bytes;

pub use client::Client;
pub use connector::{Connector, DEFAULT_MAX_MESSAGE_SIZE};
pub use error::{Error, Result, ServerError};
pub use request::{Request, RequestId};
pub use response::{Progress, Response};
pub use task::Task;
pub use tls::Tls;

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_can_cross_threads() {
        send_sync::<Client>();
        send_sync::<Request>();
        send_sync::<Response>();
        send_sync::<Error>();
        send_sync::<Connector>();
        fn send<T: Send>() {}
        send::<Task>();
    }
}
