//! The read side of the client websocket: frames in, whole messages out.
//!
//! Written for memory and copies. A message too large for the scratch buffer, or sent in
//! fragments, is read straight into a buffer of its own that becomes the message's [`Bytes`]
//! (no second resident copy). That buffer grows with the bytes actually received, doubling
//! from [`FIRST_ROOM`] up to what the header announced: a header claiming 2 GiB costs nothing
//! until the bytes come, and an allocation that fails ends that connection with an error
//! instead of aborting the process. Small whole messages are cut from one reusable scratch
//! buffer.
//!
//! Policy, per RFC 6455 and PROTOCOL.md: framing the client cannot trust (a masked frame,
//! reserved bits or opcodes, a continuation with nothing to continue, a new message in the
//! middle of a fragmented one, an invalid Close) fails the connection, since the byte stream
//! may be out of step, and so does a message over the limit. Fragmented messages are
//! reassembled (Brayns never fragments, but any intermediary may), within the same limit as
//! whole ones. A text message that is not UTF-8 is a bad message in sound framing, like bad
//! JSON: it is logged at WARN and skipped, and the connection goes on (RFC 6455 §8.1 would fail
//! the connection; for a client of a single server that never sends one, losing every pending
//! call over one bad message is the worse outcome).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::Sleep;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tracing::{debug, warn};

use crate::close::{self, Close, INTERNAL_ERROR, TOO_BIG, Violation};
use crate::frame::{self, Header};

/// Scratch space for headers and small messages; larger ones get their own buffer.
const SCRATCH: usize = 64 << 10;

/// The most one read of a large message asks for. Asking for the whole rest of a 64 MiB
/// message emptied the socket's receive queue at every read, and the client then slept and
/// was woken for every few hundred KiB that arrived; reads of 64 KiB keep pace with the
/// sender with a third fewer wake-ups (measured with client and server on a core each:
/// 64 MiB replies 15 % faster, on par with the raw tungstenite floor, which reads in chunks).
const READ_CHUNK: usize = 64 << 10;

/// The first allocation for a message read into its own buffer; each later one doubles it.
pub(crate) const FIRST_ROOM: usize = 64 << 10;

/// How long the buffer of the last large message is kept for the next one. Reusing it saves
/// faulting in fresh pages for every large reply, but a client that has gone quiet must not
/// keep its largest reply's memory for ever: the same idle time as the write side's spare
/// buffers.
const RECYCLE_IDLE: Duration = crate::spare::IDLE_RELEASE;

/// A complete message from the server.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inbound {
    /// A text message, valid UTF-8.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// The server's Close.
    Close(Close),
}

/// Why reading stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The stream failed or ended in the middle of a frame.
    Io(io::Error),
    /// The server broke the protocol; the client answers with a Close carrying the code.
    Fail(Violation),
}

/// A data message being read outside the scratch buffer: a large frame, or fragments.
struct Assembly {
    /// Text or binary, from its first frame.
    opcode: u8,
    /// `payload[..filled]` is what was received; the rest is room, overwritten as bytes come.
    payload: Vec<u8>,
    filled: usize,
    /// What `filled` will be once the current frame is read.
    frame_end: usize,
    /// Whether the current frame is the message's last.
    fin: bool,
}

/// The last large message's buffer, and when it stops being kept.
struct Recycled {
    buffer: Bytes,
    expiry: Pin<Box<Sleep>>,
}

/// Reads messages from the stream of an upgraded websocket.
pub(crate) struct Reader {
    max_message_size: usize,
    scratch: Vec<u8>,
    /// `scratch[start..end]` holds bytes read but not consumed yet.
    start: usize,
    end: usize,
    assembly: Option<Assembly>,
    recycled: Option<Recycled>,
}

impl Reader {
    /// A reader whose stream starts with `read_ahead` (bytes read past the upgrade answer).
    pub(crate) fn new(read_ahead: &[u8], max_message_size: usize) -> Reader {
        let mut scratch = vec![0u8; SCRATCH.max(read_ahead.len())];
        scratch[..read_ahead.len()].copy_from_slice(read_ahead);
        Reader {
            max_message_size,
            scratch,
            start: 0,
            end: read_ahead.len(),
            assembly: None,
            recycled: None,
        }
    }

    /// The next message: `None` when the stream ends cleanly between messages.
    pub(crate) fn poll_next<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Inbound>, ReadError>> {
        self.poll_release(cx);
        loop {
            if let Some(assembly) = &mut self.assembly {
                while assembly.filled < assembly.frame_end {
                    let frame_end = assembly.frame_end;
                    grow(&mut assembly.payload, assembly.filled + 1, frame_end)?;
                    let stop = (assembly.filled + READ_CHUNK).min(assembly.payload.len());
                    let mut buf = ReadBuf::new(&mut assembly.payload[assembly.filled..stop]);
                    ready!(Pin::new(&mut *stream).poll_read(cx, &mut buf))
                        .map_err(ReadError::Io)?;
                    let read = buf.filled().len();
                    if read == 0 {
                        return Poll::Ready(Err(ReadError::Io(truncated())));
                    }
                    assembly.filled += read;
                }
                if assembly.fin {
                    let assembly = self.assembly.take().expect("matched above");
                    match self.complete(assembly) {
                        Some(message) => return Poll::Ready(Ok(Some(message))),
                        None => continue,
                    }
                }
            }
            match frame::parse_header(&self.scratch[self.start..self.end], self.max_message_size)
                .map_err(ReadError::Fail)?
            {
                Some((header, size)) if header.opcode & 0x08 != 0 => {
                    if let Some(payload) = self.take_whole(header, size) {
                        if let Some(message) = control(header, &payload)? {
                            return Poll::Ready(Ok(Some(message)));
                        }
                        continue;
                    }
                }
                Some((header, size)) => {
                    self.check_sequence(header)?;
                    let whole = header.fin && header.opcode != frame::CONTINUATION;
                    if whole && size + header.len <= self.scratch.len() {
                        if let Some(payload) = self.take_whole(header, size) {
                            if let Some(message) = data(header.opcode, Bytes::from(payload)) {
                                return Poll::Ready(Ok(Some(message)));
                            }
                            continue;
                        }
                    } else {
                        self.assemble(header, size)?;
                        continue;
                    }
                }
                None => {}
            }
            // Need more bytes: keep the partial frame at the front, then read behind it.
            if self.start > 0 {
                self.scratch.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let mut buf = ReadBuf::new(&mut self.scratch[self.end..]);
            ready!(Pin::new(&mut *stream).poll_read(cx, &mut buf)).map_err(ReadError::Io)?;
            let read = buf.filled().len();
            if read == 0 {
                return Poll::Ready(if self.end == 0 && self.assembly.is_none() {
                    Ok(None)
                } else {
                    Err(ReadError::Io(truncated()))
                });
            }
            self.end += read;
        }
    }

    /// The payload of the frame whose `size`-byte header starts the scratch bytes, if all of
    /// it is there; consumes the frame.
    fn take_whole(&mut self, header: Header, size: usize) -> Option<Vec<u8>> {
        let at = self.start + size;
        if self.end - at < header.len {
            return None;
        }
        self.start = at + header.len;
        Some(self.scratch[at..at + header.len].to_vec())
    }

    /// Fails the connection on data frames out of sequence: a continuation with no message
    /// to continue, or a new message before the fragmented one ended.
    fn check_sequence(&self, header: Header) -> Result<(), Violation> {
        match (header.opcode, &self.assembly) {
            (frame::CONTINUATION, None) => Err(Violation::protocol(
                "the server sent a continuation frame with no message to continue",
            )),
            (frame::CONTINUATION, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(Violation::protocol(
                "the server began a message before its fragmented one ended",
            )),
        }
    }

    /// Starts reading the data frame whose `size`-byte header starts the scratch bytes into
    /// the message's own buffer (a new one, or the fragments' so far), moving over the part
    /// of its payload already read.
    fn assemble(&mut self, header: Header, size: usize) -> Result<(), Violation> {
        let assembly = match &mut self.assembly {
            Some(assembly) => {
                let total = assembly.filled.saturating_add(header.len);
                if total > self.max_message_size {
                    return Err(Violation {
                        code: TOO_BIG,
                        reason: format!(
                            "the server sent a fragmented message of more than {total} bytes, \
                             over the {}-byte message limit",
                            self.max_message_size
                        ),
                    });
                }
                assembly.frame_end = total;
                assembly.fin = header.fin;
                assembly
            }
            None => {
                let payload = self.reusable(header.len);
                self.assembly.insert(Assembly {
                    opcode: header.opcode,
                    payload,
                    filled: 0,
                    frame_end: header.len,
                    fin: header.fin,
                })
            }
        };
        let at = self.start + size;
        let here = (self.end - at).min(header.len);
        grow(
            &mut assembly.payload,
            assembly.filled + here,
            assembly.frame_end,
        )?;
        assembly.payload[assembly.filled..assembly.filled + here]
            .copy_from_slice(&self.scratch[at..at + here]);
        assembly.filled += here;
        self.start = at + here;
        Ok(())
    }

    /// Turns a complete assembled message into its [`Inbound`], keeping a large buffer for
    /// the next message; `None` when the message is skipped.
    fn complete(&mut self, assembly: Assembly) -> Option<Inbound> {
        let Assembly {
            opcode,
            mut payload,
            filled,
            ..
        } = assembly;
        payload.truncate(filled);
        let payload = Bytes::from(payload);
        if payload.len() > SCRATCH {
            self.recycled = Some(Recycled {
                buffer: payload.clone(),
                expiry: Box::pin(tokio::time::sleep(RECYCLE_IDLE)),
            });
        }
        data(opcode, payload)
    }

    /// The buffer for a new message announcing `len` bytes in its first frame: the last large
    /// one's, if the caller has dropped every part of it and it is not more than twice too
    /// large (a small reply must not pin a huge buffer), otherwise an empty one. Its stale
    /// bytes are only room: each is overwritten before it is part of a message.
    fn reusable(&mut self, len: usize) -> Vec<u8> {
        let Some(recycled) = self.recycled.take() else {
            return Vec::new();
        };
        match recycled.buffer.try_into_mut() {
            Ok(buffer) if buffer.capacity() / 2 <= len => {
                let mut buffer = Vec::from(buffer);
                buffer.truncate(len);
                buffer
            }
            _ => Vec::new(),
        }
    }

    /// Lets go of the last large message's buffer once it has been kept, unused, for
    /// [`RECYCLE_IDLE`]; polled on every read, so the timer wakes the connection task.
    fn poll_release(&mut self, cx: &mut Context<'_>) {
        if let Some(recycled) = &mut self.recycled
            && recycled.expiry.as_mut().poll(cx).is_ready()
        {
            self.recycled = None;
        }
    }

    /// For the message being read, if any: bytes received and bytes allocated.
    #[cfg(test)]
    pub(crate) fn assembling(&self) -> Option<(usize, usize)> {
        self.assembly
            .as_ref()
            .map(|assembly| (assembly.filled, assembly.payload.capacity()))
    }

    /// Whether the last large message's buffer is still kept for reuse.
    #[cfg(test)]
    pub(crate) fn keeps_a_buffer(&self) -> bool {
        self.recycled.is_some()
    }
}

/// Makes `payload` at least `wanted` bytes long (at most `limit`), growing it by doubling so
/// the allocations follow the bytes received; an allocation failure is an error of this
/// connection, not an abort.
fn grow(payload: &mut Vec<u8>, wanted: usize, limit: usize) -> Result<(), Violation> {
    if payload.len() >= wanted {
        return Ok(());
    }
    let target = wanted
        .max(payload.len().saturating_mul(2))
        .max(FIRST_ROOM)
        .min(limit);
    payload
        .try_reserve_exact(target - payload.len())
        .map_err(|error| Violation {
            code: INTERNAL_ERROR,
            reason: format!("cannot hold a message of {target} bytes: {error}"),
        })?;
    payload.resize(target, 0);
    Ok(())
}

/// A complete data message; `None` for a text message that is skipped.
fn data(opcode: u8, payload: Bytes) -> Option<Inbound> {
    if opcode == frame::BINARY {
        return Some(Inbound::Binary(payload));
    }
    match Utf8Bytes::try_from(payload) {
        Ok(text) => Some(Inbound::Text(text)),
        Err(_) => {
            warn!("skipping a text message from the server that is not UTF-8");
            None
        }
    }
}

/// A control frame: a Close is a message (or a violation when invalid); pings and pongs are
/// skipped.
fn control(header: Header, payload: &[u8]) -> Result<Option<Inbound>, Violation> {
    match header.opcode {
        frame::CLOSE => close::parse(payload).map(|close| Some(Inbound::Close(close))),
        _ => {
            // Never answered: Brayns takes any ping or pong it receives as a Close and drops
            // the connection, so the client never sends one, not even the pong RFC 6455 §5.5.2
            // asks for (Brayns sends no pings anyway).
            debug!(opcode = header.opcode, "ignoring a ping or pong");
            Ok(None)
        }
    }
}

impl From<Violation> for ReadError {
    fn from(violation: Violation) -> ReadError {
        ReadError::Fail(violation)
    }
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the connection ended in the middle of a frame",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_grow_with_the_bytes_not_with_the_announced_length() {
        let announced = 2 << 30;
        let mut payload = Vec::new();
        grow(&mut payload, 1, announced).unwrap();
        assert_eq!(payload.len(), FIRST_ROOM);
        assert!(payload.capacity() < 2 * FIRST_ROOM);
        grow(&mut payload, FIRST_ROOM + 1, announced).unwrap();
        assert_eq!(payload.len(), 2 * FIRST_ROOM);
        // Never past what the header announced.
        grow(&mut payload, 2 * FIRST_ROOM + 1, 2 * FIRST_ROOM + 10).unwrap();
        assert_eq!(payload.len(), 2 * FIRST_ROOM + 10);
    }

    #[test]
    fn an_allocation_that_fails_is_an_error_not_an_abort() {
        let mut payload = vec![0u8; 16];
        let violation = grow(&mut payload, usize::MAX / 2, usize::MAX).unwrap_err();
        assert_eq!(violation.code, INTERNAL_ERROR);
        assert!(violation.reason.contains("cannot hold"), "{violation:?}");
    }
}
