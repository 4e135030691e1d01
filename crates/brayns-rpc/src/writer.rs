//! The write side of the client websocket: final masked frames out, without copying large
//! payloads.
//!
//! Outgoing payloads are masked in place and written from the caller's buffer (large ones) or
//! packed with their neighbours into one write (small ones), never copied again nor shifted
//! after a partial write.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::AsyncWrite;

use crate::close;
use crate::frame;

/// Payloads up to this size are copied into a shared write buffer, so a burst of small
/// requests goes out in one write; larger ones are written from their own buffer.
pub(crate) const PACK_LIMIT: usize = 16 << 10;

/// Queued outgoing bytes above which [`Writer::poll_ready`] writes before taking more.
const WRITE_HIGH: usize = 128 << 10;

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

/// Frames queued for the server, and how far their writing got.
#[derive(Default)]
pub(crate) struct Writer {
    queue: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    written: usize,
    /// Bytes queued and not written yet.
    queued: usize,
    close_queued: bool,
    keys: frame::MaskKeys,
}

impl Writer {
    /// Ready to take another message: below the write high-water mark, writing if needed.
    pub(crate) fn poll_ready<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        if self.queued < WRITE_HIGH {
            return Poll::Ready(Ok(()));
        }
        match self.poll_write_queue(stream, cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending if self.queued < WRITE_HIGH => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Queues one final, masked frame; [`Writer::poll_flush`] writes it. Nothing is queued
    /// after a Close, which ends what the client says.
    pub(crate) fn queue(&mut self, message: Outbound) -> io::Result<()> {
        if self.close_queued {
            return Ok(());
        }
        let Outbound {
            opcode,
            mut payload,
        } = message;
        let mask = self.keys.next()?;
        frame::apply_mask(&mut payload, mask);
        let (header, header_len) = frame::client_header(opcode, payload.len(), mask);
        self.queued += header_len + payload.len();
        if payload.len() > PACK_LIMIT {
            self.queue.push_back(Chunk::Large {
                header,
                header_len,
                payload,
            });
            return Ok(());
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
        Ok(())
    }

    /// Queues a Close with `code` (none: an empty one) behind everything queued, once.
    pub(crate) fn queue_close(&mut self, code: Option<u16>) -> io::Result<()> {
        if self.close_queued {
            return Ok(());
        }
        self.queue(Outbound {
            opcode: frame::CLOSE,
            payload: close::payload(code),
        })?;
        self.close_queued = true;
        Ok(())
    }

    /// Whether a Close is queued (sent, once flushed).
    pub(crate) fn close_queued(&self) -> bool {
        self.close_queued
    }

    /// Bytes queued and not written yet: a writer making progress makes this shrink.
    pub(crate) fn unwritten(&self) -> usize {
        self.queued
    }

    /// Writes everything queued and flushes the stream.
    pub(crate) fn poll_flush<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(self.poll_write_queue(stream, cx))?;
        Pin::new(stream).poll_flush(cx)
    }

    fn poll_write_queue<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut stream = Pin::new(stream);
        while let Some(front) = self.queue.front() {
            let done = self.written;
            let wrote = match front {
                Chunk::Packed(bytes) => ready!(stream.as_mut().poll_write(cx, &bytes[done..]))?,
                Chunk::Large {
                    header,
                    header_len,
                    payload,
                } if done < *header_len => {
                    let slices = [
                        IoSlice::new(&header[done..*header_len]),
                        IoSlice::new(payload),
                    ];
                    ready!(stream.as_mut().poll_write_vectored(cx, &slices))?
                }
                Chunk::Large {
                    header_len,
                    payload,
                    ..
                } => ready!(
                    stream
                        .as_mut()
                        .poll_write(cx, &payload[done - header_len..])
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

    /// Whether nothing is queued.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.queued == 0
    }
}
