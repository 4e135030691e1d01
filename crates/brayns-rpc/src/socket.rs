//! The client side of an upgraded websocket: reads whole messages, writes final masked frames.
//!
//! Written for memory and copies rather than generality. Each large incoming frame gets a
//! buffer of exactly its length that the payload is read straight into and that becomes the
//! message's [`Bytes`] (no second resident copy, nothing retained between frames); small
//! frames are cut from one reusable scratch buffer. Outgoing payloads are masked in place and
//! written from the caller's buffer (large ones) or packed with their neighbours into one write
//! (small ones), never copied again nor shifted after a partial write.
//!
//! Policy, per RFC 6455 and PROTOCOL.md: framing the client cannot trust (a fragmented message,
//! which Brayns never sends; a masked frame; reserved bits or opcodes; a frame over the message
//! limit) fails the connection, since the byte stream may be out of step. A text frame whose
//! payload is not UTF-8 is a bad message in a sound frame, like bad JSON: it is logged and
//! skipped, and the connection goes on (RFC 6455 §8.1 would fail the connection; for a
//! client of a single server that never sends one, losing every pending call over one bad
//! message is the worse outcome). Pings and pongs are ignored (Brayns never sends them, and
//! reads any the client would send as Close, so none is ever answered); a Close ends the
//! stream.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tracing::{debug, warn};

use crate::frame::{self, Header};

/// Scratch space for headers and small frames; larger frames get their own buffer.
const SCRATCH: usize = 64 << 10;

/// Payloads up to this size are copied into a shared write buffer, so a burst of small
/// requests goes out in one write; larger ones are written from their own buffer.
const PACK_LIMIT: usize = 16 << 10;

/// Queued outgoing bytes above which [`Socket::poll_ready`] writes before taking more.
const WRITE_HIGH: usize = 128 << 10;

/// A complete message from the server.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inbound {
    /// A text message, valid UTF-8.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// The server's Close, described for the log.
    Close(String),
}

/// A message for the server.
#[derive(Debug)]
pub(crate) struct Outbound {
    opcode: u8,
    payload: Vec<u8>,
}

impl Outbound {
    /// A text message; `json` must be UTF-8.
    pub(crate) fn text(json: Vec<u8>) -> Outbound {
        Outbound {
            opcode: frame::TEXT,
            payload: json,
        }
    }

    /// A binary message.
    pub(crate) fn binary(payload: Vec<u8>) -> Outbound {
        Outbound {
            opcode: frame::BINARY,
            payload,
        }
    }
}

/// A frame being read straight into its own buffer.
struct Large {
    header: Header,
    buffer: BytesMut,
    filled: usize,
}

/// Queued outgoing bytes.
enum Chunk {
    /// Small frames, headers included, back to back.
    Packed(Vec<u8>),
    /// One large frame: its header, then its (masked) payload.
    Large {
        header: [u8; frame::MAX_HEADER],
        header_len: usize,
        payload: Vec<u8>,
    },
}

impl Chunk {
    fn len(&self) -> usize {
        match self {
            Chunk::Packed(bytes) => bytes.len(),
            Chunk::Large {
                header_len,
                payload,
                ..
            } => header_len + payload.len(),
        }
    }
}

/// An upgraded websocket stream, client side.
pub(crate) struct Socket<S> {
    stream: S,
    max_message_size: usize,
    scratch: Vec<u8>,
    /// `scratch[start..end]` holds bytes read but not consumed yet.
    start: usize,
    end: usize,
    large: Option<Large>,
    /// The last large frame, kept to reuse its buffer once every other handle on it is gone:
    /// fresh pages for every big frame would cost more than the copy they save.
    recycled: Option<Bytes>,
    queue: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    written: usize,
    /// Bytes queued and not written yet.
    queued: usize,
    close_queued: bool,
}

impl<S> Socket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Wraps a stream whose upgrade is done; `read_ahead` is whatever was read past the
    /// handshake response.
    pub(crate) fn new(stream: S, read_ahead: &[u8], max_message_size: usize) -> Socket<S> {
        let mut scratch = vec![0u8; SCRATCH.max(read_ahead.len())];
        scratch[..read_ahead.len()].copy_from_slice(read_ahead);
        Socket {
            stream,
            max_message_size,
            scratch,
            start: 0,
            end: read_ahead.len(),
            large: None,
            recycled: None,
            queue: VecDeque::new(),
            written: 0,
            queued: 0,
            close_queued: false,
        }
    }

    /// The next message: `None` when the stream ends cleanly between frames.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Inbound>>> {
        loop {
            if let Some(large) = &mut self.large {
                while large.filled < large.buffer.len() {
                    let mut buf = ReadBuf::new(&mut large.buffer[large.filled..]);
                    ready!(Pin::new(&mut self.stream).poll_read(cx, &mut buf))?;
                    let read = buf.filled().len();
                    if read == 0 {
                        return Poll::Ready(Err(truncated()));
                    }
                    large.filled += read;
                }
                let Large { header, buffer, .. } = self.large.take().expect("checked above");
                let payload = buffer.freeze();
                self.recycled = Some(payload.clone());
                match message(header, payload)? {
                    Some(message) => return Poll::Ready(Ok(Some(message))),
                    None => continue,
                }
            }
            let available = &self.scratch[self.start..self.end];
            if let Some((header, size)) =
                frame::parse_header(available, self.max_message_size).map_err(invalid)?
            {
                let body = available.len() - size;
                if body >= header.len {
                    let at = self.start + size;
                    let payload = Bytes::copy_from_slice(&self.scratch[at..at + header.len]);
                    self.start = at + header.len;
                    match message(header, payload)? {
                        Some(message) => return Poll::Ready(Ok(Some(message))),
                        None => continue,
                    }
                }
                if size + header.len > self.scratch.len() {
                    // Its own buffer, of exactly its size: nothing of an earlier frame is kept.
                    let mut buffer = reusable(self.recycled.take(), header.len);
                    buffer[..body].copy_from_slice(&self.scratch[self.start + size..self.end]);
                    self.start = 0;
                    self.end = 0;
                    self.large = Some(Large {
                        header,
                        buffer,
                        filled: body,
                    });
                    continue;
                }
            }
            // Need more bytes: keep the partial frame at the front, then read behind it.
            if self.start > 0 {
                self.scratch.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let mut buf = ReadBuf::new(&mut self.scratch[self.end..]);
            ready!(Pin::new(&mut self.stream).poll_read(cx, &mut buf))?;
            let read = buf.filled().len();
            if read == 0 {
                return Poll::Ready(if self.end == 0 {
                    Ok(None)
                } else {
                    Err(truncated())
                });
            }
            self.end += read;
        }
    }

    /// Ready to take another message: below the write high-water mark, writing if needed.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.queued < WRITE_HIGH {
            return Poll::Ready(Ok(()));
        }
        match self.poll_write_queue(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending if self.queued < WRITE_HIGH => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Queues one final, masked frame; [`Socket::poll_flush`] writes it.
    pub(crate) fn queue(&mut self, message: Outbound) {
        let Outbound {
            opcode,
            mut payload,
        } = message;
        let mask = frame::mask_key();
        frame::apply_mask(&mut payload, mask);
        let (header, header_len) = frame::client_header(opcode, payload.len(), mask);
        self.queued += header_len + payload.len();
        if payload.len() > PACK_LIMIT {
            self.queue.push_back(Chunk::Large {
                header,
                header_len,
                payload,
            });
            return;
        }
        let packed = match self.queue.back_mut() {
            Some(Chunk::Packed(bytes)) if bytes.len() < WRITE_HIGH => bytes,
            _ => {
                self.queue.push_back(Chunk::Packed(Vec::new()));
                match self.queue.back_mut() {
                    Some(Chunk::Packed(bytes)) => bytes,
                    _ => unreachable!("just pushed"),
                }
            }
        };
        packed.extend_from_slice(&header[..header_len]);
        packed.extend_from_slice(&payload);
    }

    /// Writes everything queued and flushes the stream.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_queue(cx))?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    /// Bytes queued and not written yet: a writer making progress makes this shrink.
    pub(crate) fn unwritten(&self) -> usize {
        self.queued
    }

    /// Queues a Close (no status) once and flushes it with everything before it.
    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.close_queued {
            self.close_queued = true;
            self.queue(Outbound {
                opcode: frame::CLOSE,
                payload: Vec::new(),
            });
        }
        self.poll_flush(cx)
    }

    fn poll_write_queue(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(front) = self.queue.front() {
            let done = self.written;
            let wrote = match front {
                Chunk::Packed(bytes) => {
                    ready!(Pin::new(&mut self.stream).poll_write(cx, &bytes[done..]))?
                }
                Chunk::Large {
                    header,
                    header_len,
                    payload,
                } if done < *header_len => {
                    let slices = [
                        IoSlice::new(&header[done..*header_len]),
                        IoSlice::new(payload),
                    ];
                    ready!(Pin::new(&mut self.stream).poll_write_vectored(cx, &slices))?
                }
                Chunk::Large {
                    header_len,
                    payload,
                    ..
                } => ready!(
                    Pin::new(&mut self.stream).poll_write(cx, &payload[done - header_len..])
                )?,
            };
            if wrote == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the socket accepted no bytes",
                )));
            }
            self.written += wrote;
            self.queued -= wrote;
            if self.written == front.len() {
                if let Some(Chunk::Large { payload, .. }) = self.queue.pop_front() {
                    crate::spare::keep(payload);
                }
                self.written = 0;
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// A buffer of `len` bytes for a large frame: the last one's if the caller has dropped every
/// part of it and it is not more than twice too large (a small reply must not pin a huge
/// buffer), otherwise a fresh one. Either way no earlier frame stays resident beside it.
fn reusable(last: Option<Bytes>, len: usize) -> BytesMut {
    if let Some(Ok(mut buffer)) = last.map(Bytes::try_into_mut)
        && buffer.capacity() >= len
        && buffer.capacity() / 2 <= len
    {
        // Only the part past the previous frame's length is zeroed; the rest is overwritten.
        buffer.resize(len, 0);
        return buffer;
    }
    BytesMut::zeroed(len)
}

/// Turns a complete frame into a message; `None` for frames that are skipped.
fn message(header: Header, payload: Bytes) -> io::Result<Option<Inbound>> {
    match header.opcode {
        frame::TEXT | frame::BINARY if !header.fin => Err(invalid(
            "the server fragmented a message (Brayns never does; not supported)".to_owned(),
        )),
        frame::TEXT => match Utf8Bytes::try_from(payload) {
            Ok(text) => Ok(Some(Inbound::Text(text))),
            Err(_) => {
                warn!("skipping a text frame from the server that is not UTF-8");
                Ok(None)
            }
        },
        frame::BINARY => Ok(Some(Inbound::Binary(payload))),
        frame::CLOSE => Ok(Some(Inbound::Close(describe_close(&payload)))),
        frame::PING | frame::PONG => {
            debug!(opcode = header.opcode, "ignoring a control frame");
            Ok(None)
        }
        _ => Err(invalid(
            "the server sent a continuation frame with no message to continue".to_owned(),
        )),
    }
}

fn describe_close(payload: &[u8]) -> String {
    match payload {
        [high, low, reason @ ..] => format!(
            "the server sent Close ({} {})",
            u16::from_be_bytes([*high, *low]),
            String::from_utf8_lossy(reason)
        ),
        _ => "the server sent Close".to_owned(),
    }
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the connection ended in the middle of a frame",
    )
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

    use super::*;

    fn server_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut bytes = frame::tests::server_header(first, payload.len() as u64);
        bytes.extend_from_slice(payload);
        bytes
    }

    /// A reader that hands out at most one byte per read.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
    }

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.at < self.bytes.len() && buf.remaining() > 0 {
                buf.put_slice(&[self.bytes[self.at]]);
                self.at += 1;
            }
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len().min(1)))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    async fn next<S: AsyncRead + AsyncWrite + Unpin>(
        socket: &mut Socket<S>,
    ) -> io::Result<Option<Inbound>> {
        tokio::time::timeout(Duration::from_secs(10), poll_fn(|cx| socket.poll_next(cx)))
            .await
            .expect("bounded")
    }

    fn sample_stream() -> (Vec<u8>, Vec<Inbound>) {
        let big: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();
        let mut bytes = Vec::new();
        bytes.extend(server_frame(0x81, b"{\"id\":1}"));
        bytes.extend(server_frame(0x89, b"ping")); // ignored
        bytes.extend(server_frame(0x82, &[0u8; 126]));
        bytes.extend(server_frame(0x82, &big));
        bytes.extend(server_frame(0x81, &[b'x'; 65535]));
        bytes.extend(server_frame(0x8A, b"")); // ignored
        bytes.extend(server_frame(0x88, &[0x03, 0xe8, b'b', b'y', b'e']));
        let expected = vec![
            Inbound::Text(Utf8Bytes::from_static("{\"id\":1}")),
            Inbound::Binary(Bytes::from(vec![0u8; 126])),
            Inbound::Binary(Bytes::from(big)),
            Inbound::Text(Utf8Bytes::from("x".repeat(65535))),
            Inbound::Close("the server sent Close (1000 bye)".to_owned()),
        ];
        (bytes, expected)
    }

    #[tokio::test]
    async fn reads_messages_one_byte_at_a_time() {
        let (bytes, expected) = sample_stream();
        let mut socket = Socket::new(Trickle { bytes, at: 0 }, &[], usize::MAX);
        for message in expected {
            assert_eq!(next(&mut socket).await.unwrap(), Some(message));
        }
        assert!(next(&mut socket).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn reads_messages_split_anywhere_including_the_handshake_read_ahead() {
        let (bytes, expected) = sample_stream();
        for ahead in [0, 1, 5, 300, 70_100] {
            let (client, mut server) = duplex(1 << 20);
            let mut socket = Socket::new(client, &bytes[..ahead], usize::MAX);
            let rest = bytes[ahead..].to_vec();
            let writer = tokio::spawn(async move {
                for chunk in rest.chunks(1000) {
                    server.write_all(chunk).await.unwrap();
                }
                server
            });
            for message in &expected {
                assert_eq!(next(&mut socket).await.unwrap().as_ref(), Some(message));
            }
            drop(writer.await.unwrap());
            assert!(next(&mut socket).await.unwrap().is_none(), "clean end");
        }
    }

    #[tokio::test]
    async fn a_20_mib_frame_arrives_intact() {
        const SIZE: usize = 20 << 20;
        let (client, mut server) = duplex(1 << 20);
        let mut socket = Socket::new(client, &[], SIZE);
        let writer = tokio::spawn(async move {
            let payload: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
            server
                .write_all(&server_frame(0x82, &payload))
                .await
                .unwrap();
            server
        });
        let Some(Inbound::Binary(payload)) = next(&mut socket).await.unwrap() else {
            panic!("not binary");
        };
        assert_eq!(payload.len(), SIZE);
        assert!(
            payload
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 251) as u8)
        );
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn a_large_buffer_is_reused_only_once_the_caller_dropped_it() {
        const SIZE: usize = 1 << 20;
        let (client, mut server) = duplex(1 << 16);
        let mut socket = Socket::new(client, &[], SIZE);
        let writer = tokio::spawn(async move {
            for fill in 1..=4u8 {
                server
                    .write_all(&server_frame(0x82, &vec![fill; SIZE - usize::from(fill)]))
                    .await
                    .unwrap();
            }
            server
                .write_all(&server_frame(0x82, &[5; 70_000]))
                .await
                .unwrap();
            server
        });
        let mut binary = async || match next(&mut socket).await.unwrap() {
            Some(Inbound::Binary(payload)) => payload,
            other => panic!("{other:?}"),
        };
        let first = binary().await;
        let second = binary().await;
        assert_ne!(
            first.as_ptr(),
            second.as_ptr(),
            "the first frame is still held"
        );
        let at = second.as_ptr();
        drop(second);
        let third = binary().await;
        assert_eq!(third.as_ptr(), at, "the dropped buffer is reused");
        assert!(third.iter().all(|&b| b == 3));
        assert_eq!(third.len(), SIZE - 3);
        drop(third);
        drop(first);
        let fourth = binary().await;
        assert!(fourth.iter().all(|&b| b == 4));
        let small = binary().await;
        assert_eq!(small.len(), 70_000);
        assert_ne!(
            small.as_ptr(),
            fourth.as_ptr(),
            "a much smaller frame gets its own buffer"
        );
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn violations_fail_the_connection() {
        for (bytes, what) in [
            (server_frame(0x01, b"half"), "fragmented"),
            (server_frame(0x80, b"more"), "lone continuation"),
            (server_frame(0x82, &[0; 100]), "over the limit"),
            (vec![0x82, 0x85, 1, 2, 3, 4, 0], "masked"),
            (server_frame(0x82, &[0; 10])[..5].to_vec(), "truncated"),
        ] {
            let mut socket = Socket::new(Trickle { bytes, at: 0 }, &[], 64);
            assert!(next(&mut socket).await.is_err(), "{what}");
        }
    }

    #[tokio::test]
    async fn a_text_frame_that_is_not_utf8_is_skipped() {
        let mut bytes = server_frame(0x81, &[b'{', 0xff, 0xfe, b'}']);
        bytes.extend(server_frame(0x81, b"{\"id\":1}"));
        let mut socket = Socket::new(Trickle { bytes, at: 0 }, &[], 64);
        assert_eq!(
            next(&mut socket).await.unwrap(),
            Some(Inbound::Text(Utf8Bytes::from_static("{\"id\":1}")))
        );
    }

    /// What a server reads: (opcode, unmasked payload) per frame, checking each is final and
    /// masked.
    async fn read_client_frames(mut server: DuplexStream) -> Vec<(u8, Vec<u8>)> {
        let mut bytes = Vec::new();
        server.read_to_end(&mut bytes).await.unwrap();
        let mut frames = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            assert_eq!(bytes[at] & 0xf0, 0x80, "final, no reserved bits");
            assert_eq!(bytes[at + 1] & 0x80, 0x80, "masked");
            let mut cleared = bytes[at..(at + 10).min(bytes.len())].to_vec();
            cleared[1] &= 0x7f;
            let (header, size) = frame::parse_header(&cleared, usize::MAX).unwrap().unwrap();
            let mask: [u8; 4] = bytes[at + size..at + size + 4].try_into().unwrap();
            let start = at + size + 4;
            let mut payload = bytes[start..start + header.len].to_vec();
            frame::apply_mask(&mut payload, mask);
            frames.push((header.opcode, payload));
            at = start + header.len;
        }
        frames
    }

    #[tokio::test]
    async fn writes_final_masked_frames_in_order_through_small_writes() {
        let (client, server) = duplex(4096);
        let reader = tokio::spawn(read_client_frames(server));
        let mut socket = Socket::new(client, &[], usize::MAX);
        let sizes = [
            0usize,
            5,
            125,
            126,
            65535,
            65536,
            PACK_LIMIT,
            PACK_LIMIT + 1,
            3 << 20,
        ];
        let payloads: Vec<Vec<u8>> = sizes
            .iter()
            .map(|&len| (0..len).map(|i| (i % 249) as u8).collect())
            .collect();
        for (index, payload) in payloads.iter().enumerate() {
            poll_fn(|cx| socket.poll_ready(cx)).await.unwrap();
            socket.queue(if index % 2 == 0 {
                Outbound::binary(payload.clone())
            } else {
                Outbound::text(payload.clone())
            });
        }
        tokio::time::timeout(Duration::from_secs(10), poll_fn(|cx| socket.poll_close(cx)))
            .await
            .unwrap()
            .unwrap();
        drop(socket);
        let frames = reader.await.unwrap();
        assert_eq!(frames.len(), payloads.len() + 1);
        for (index, ((opcode, payload), expected)) in frames.iter().zip(&payloads).enumerate() {
            assert_eq!(*opcode, if index % 2 == 0 { 2 } else { 1 });
            assert!(
                payload == expected,
                "frame {index} of {} bytes",
                expected.len()
            );
        }
        assert_eq!(frames.last().unwrap(), &(frame::CLOSE, Vec::new()));
    }

    #[tokio::test]
    async fn a_writer_taking_one_byte_at_a_time_still_gets_everything() {
        let mut socket = Socket::new(
            Trickle {
                bytes: Vec::new(),
                at: 0,
            },
            &[],
            usize::MAX,
        );
        socket.queue(Outbound::text(b"small".to_vec()));
        socket.queue(Outbound::binary(vec![9; PACK_LIMIT + 10]));
        poll_fn(|cx| socket.poll_flush(cx)).await.unwrap();
        assert_eq!(socket.queued, 0);
        assert!(socket.queue.is_empty());
    }
}
