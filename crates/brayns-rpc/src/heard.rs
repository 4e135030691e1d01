//! A stream that remembers whether the peer has sent anything.
//!
//! A connection that ends before the server's first byte says nothing about the protocol the
//! server speaks: it is what Brayns (Poco) does with a full queue or while restarting, so the
//! connector retries it. Once the server has sent bytes, a failed handshake is the server's
//! answer and is not retried. TLS reads happen inside rustls, hence this wrapper.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `S`, noting whether any byte was read from it.
#[derive(Debug)]
pub(crate) struct Heard<S> {
    stream: S,
    heard: bool,
}

impl<S> Heard<S> {
    pub(crate) fn new(stream: S) -> Heard<S> {
        Heard {
            stream,
            heard: false,
        }
    }

    /// Whether the peer has sent at least one byte.
    pub(crate) fn heard(&self) -> bool {
        self.heard
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Heard<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.heard = true;
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Heard<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Whether `error` means the peer ended the connection (closed or reset it), as opposed to
/// sending something wrong.
pub(crate) fn connection_ended(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::*;

    #[tokio::test]
    async fn notes_the_first_byte_read_and_passes_everything_through() {
        let (client, mut server) = duplex(64);
        let mut stream = Heard::new(client);
        stream.write_all(b"hello").await.unwrap();
        let mut buffer = [0u8; 5];
        server.read_exact(&mut buffer).await.unwrap();
        assert_eq!(&buffer, b"hello");
        assert!(!stream.heard(), "writing is not hearing");
        server.write_all(b"x").await.unwrap();
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.unwrap();
        assert!(stream.heard());
        drop(server);
        assert_eq!(stream.read(&mut byte).await.unwrap(), 0);
        assert!(stream.heard(), "an EOF later does not undo it");
    }
}
