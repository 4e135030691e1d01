//! The client side of an upgraded websocket: a [`Reader`] and a [`Writer`] over one stream,
//! and what ties them together: the Close the client sends when the server's Close arrives
//! (its echo, RFC 6455 §5.5.1) or when the server breaks the protocol (§7.1.7: 1002, or the
//! code that fits). The connection task flushes that Close before dropping the stream.

use std::io;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) use crate::reader::Inbound;
use crate::reader::{ReadError, Reader};
pub(crate) use crate::writer::Outbound;
use crate::writer::Writer;

/// An upgraded websocket stream, client side.
pub(crate) struct Socket<S> {
    stream: S,
    reader: Reader,
    writer: Writer,
}

impl<S> Socket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Wraps a stream whose upgrade is done; `read_ahead` is whatever was read past the
    /// handshake response.
    pub(crate) fn new(stream: S, read_ahead: &[u8], max_message_size: usize) -> Socket<S> {
        Socket {
            stream,
            reader: Reader::new(read_ahead, max_message_size),
            writer: Writer::default(),
        }
    }

    /// The next message: `None` when the stream ends cleanly between messages. A Close from
    /// the server, or a protocol violation, queues the client's Close.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Inbound>>> {
        match ready!(self.reader.poll_next(&mut self.stream, cx)) {
            Ok(Some(Inbound::Close(close))) => {
                // Failing to queue the echo (no masking key) only costs the echo.
                let _ = self.writer.queue_close(close.code);
                Poll::Ready(Ok(Some(Inbound::Close(close))))
            }
            Ok(message) => Poll::Ready(Ok(message)),
            Err(ReadError::Io(error)) => Poll::Ready(Err(error)),
            Err(ReadError::Fail(violation)) => {
                let _ = self.writer.queue_close(Some(violation.code));
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    violation.reason,
                )))
            }
        }
    }

    /// Ready to take another message: below the write high-water mark, writing if needed.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_ready(&mut self.stream, cx)
    }

    /// Queues one final, masked frame; [`Socket::poll_flush`] writes it.
    pub(crate) fn queue(&mut self, message: Outbound) -> io::Result<()> {
        self.writer.queue(message)
    }

    /// Writes everything queued and flushes the stream.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_flush(&mut self.stream, cx)
    }

    /// Bytes queued and not written yet: a writer making progress makes this shrink.
    pub(crate) fn unwritten(&self) -> usize {
        self.writer.unwritten()
    }

    /// Whether the client's Close is queued already (an echo, or after a violation).
    pub(crate) fn closing(&self) -> bool {
        self.writer.close_queued()
    }

    /// Queues a Close (no status) once and flushes it with everything before it.
    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.queue_close(None)?;
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::time::Duration;

    use std::pin::Pin;

    use bytes::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadBuf, duplex};
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    use super::*;
    use crate::close::{Close, PROTOCOL_ERROR, TOO_BIG};
    use crate::frame;
    use crate::writer::PACK_LIMIT;

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
            Inbound::Close(Close {
                code: Some(1000),
                reason: "bye".to_owned(),
            }),
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
            (
                [server_frame(0x01, b"half"), server_frame(0x81, b"new")].concat(),
                "a new message inside a fragmented one",
            ),
            (server_frame(0x01, b"half"), "a fragment, then the end"),
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
            socket
                .queue(if index % 2 == 0 {
                    Outbound::binary(payload.clone())
                } else {
                    Outbound::text(payload.clone())
                })
                .unwrap();
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
        socket.queue(Outbound::text(b"small".to_vec())).unwrap();
        socket
            .queue(Outbound::binary(vec![9; PACK_LIMIT + 10]))
            .unwrap();
        poll_fn(|cx| socket.poll_flush(cx)).await.unwrap();
        assert!(socket.writer.is_empty());
    }

    #[tokio::test]
    async fn fragmented_messages_are_reassembled_around_control_frames() {
        let big: Vec<u8> = (0..150_000u32).map(|i| (i % 241) as u8).collect();
        let mut bytes = Vec::new();
        bytes.extend(server_frame(0x01, b"{\"i"));
        bytes.extend(server_frame(0x89, b"ping"));
        bytes.extend(server_frame(0x00, b"d\":"));
        bytes.extend(server_frame(0x80, b"1}"));
        bytes.extend(server_frame(0x02, &big[..70_000]));
        bytes.extend(server_frame(0x00, &big[70_000..70_001]));
        bytes.extend(server_frame(0x8A, b""));
        bytes.extend(server_frame(0x80, &big[70_001..]));
        bytes.extend(server_frame(0x82, b"whole"));
        let expected = [
            Inbound::Text(Utf8Bytes::from_static("{\"id\":1}")),
            Inbound::Binary(Bytes::from(big.clone())),
            Inbound::Binary(Bytes::from_static(b"whole")),
        ];
        let mut socket = Socket::new(
            Trickle {
                bytes: bytes.clone(),
                at: 0,
            },
            &[],
            big.len(),
        );
        for message in &expected {
            assert_eq!(next(&mut socket).await.unwrap().as_ref(), Some(message));
        }
        let (client, mut server) = duplex(1 << 20);
        server.write_all(&bytes).await.unwrap();
        drop(server);
        let mut socket = Socket::new(client, &[], big.len());
        for message in &expected {
            assert_eq!(next(&mut socket).await.unwrap().as_ref(), Some(message));
        }
        assert!(next(&mut socket).await.unwrap().is_none());
    }

    /// Runs `bytes` from the server into a socket with message limit `max`; returns the read
    /// error and the frames the client wrote back.
    async fn fails_with(bytes: Vec<u8>, max: usize) -> (io::Error, Vec<(u8, Vec<u8>)>) {
        let (client, mut server) = duplex(1 << 20);
        server.write_all(&bytes).await.unwrap();
        let mut socket = Socket::new(client, &[], max);
        let error = loop {
            match next(&mut socket).await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a clean end"),
                Err(error) => break error,
            }
        };
        poll_fn(|cx| socket.poll_flush(cx)).await.unwrap();
        drop(socket);
        (error, read_client_frames(server).await)
    }

    fn close_code(frames: &[(u8, Vec<u8>)]) -> Option<u16> {
        match frames {
            [(frame::CLOSE, payload)] => Some(u16::from_be_bytes([payload[0], payload[1]])),
            _ => None,
        }
    }

    #[tokio::test]
    async fn violations_are_answered_with_the_close_code_that_fits() {
        for (bytes, code, what) in [
            (
                server_frame(0x81 | 0x20, b"{}"),
                PROTOCOL_ERROR,
                "reserved bit",
            ),
            (vec![0x82, 0x81, 1, 2, 3, 4, 0], PROTOCOL_ERROR, "masked"),
            (server_frame(0x83, b""), PROTOCOL_ERROR, "reserved opcode"),
            (
                server_frame(0x80, b"x"),
                PROTOCOL_ERROR,
                "lone continuation",
            ),
            (
                [server_frame(0x02, b"a"), server_frame(0x82, b"b")].concat(),
                PROTOCOL_ERROR,
                "a new message inside a fragmented one",
            ),
            (server_frame(0x88, &[3]), PROTOCOL_ERROR, "one-byte close"),
            (
                server_frame(0x88, &[0x03, 0xed]),
                PROTOCOL_ERROR,
                "close 1005",
            ),
            (
                server_frame(0x88, &[0x03, 0xe8, 0xff]),
                crate::close::INVALID_DATA,
                "close reason not UTF-8",
            ),
            (
                server_frame(0x82, &[0; 65]),
                TOO_BIG,
                "frame over the limit",
            ),
            (
                [server_frame(0x02, &[0; 40]), server_frame(0x80, &[0; 40])].concat(),
                TOO_BIG,
                "fragments over the limit",
            ),
        ] {
            let (error, frames) = fails_with(bytes, 64).await;
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{what}");
            assert_eq!(close_code(&frames), Some(code), "{what}: {frames:?}");
        }
    }

    #[tokio::test]
    async fn a_close_is_echoed_with_its_code_and_nothing_follows_it() {
        let (client, mut server) = duplex(1 << 16);
        server
            .write_all(&server_frame(0x88, &[0x03, 0xe9, b'g', b'o']))
            .await
            .unwrap();
        let mut socket = Socket::new(client, &[], 64);
        assert_eq!(
            next(&mut socket).await.unwrap(),
            Some(Inbound::Close(Close {
                code: Some(1001),
                reason: "go".to_owned(),
            }))
        );
        assert!(socket.closing());
        socket.queue(Outbound::text(b"late".to_vec())).unwrap();
        poll_fn(|cx| socket.poll_close(cx)).await.unwrap();
        drop(socket);
        let frames = read_client_frames(server).await;
        assert_eq!(close_code(&frames), Some(1001), "{frames:?}");
    }

    #[tokio::test]
    async fn an_empty_close_is_echoed_empty() {
        let (client, mut server) = duplex(1 << 16);
        server.write_all(&server_frame(0x88, b"")).await.unwrap();
        let mut socket = Socket::new(client, &[], 64);
        let message = next(&mut socket).await.unwrap();
        assert!(matches!(
            message,
            Some(Inbound::Close(Close { code: None, .. }))
        ));
        poll_fn(|cx| socket.poll_flush(cx)).await.unwrap();
        drop(socket);
        assert_eq!(
            read_client_frames(server).await,
            [(frame::CLOSE, Vec::new())]
        );
    }

    #[tokio::test]
    async fn a_huge_announced_length_allocates_only_what_arrived() {
        const SENT: usize = 4 << 20;
        let (client, mut server) = duplex(1 << 16);
        let writer = tokio::spawn(async move {
            server
                .write_all(&frame::tests::server_header(0x82, (2 << 30) - 1))
                .await
                .unwrap();
            for _ in 0..SENT / 1000 {
                server.write_all(&[1; 1000]).await.unwrap();
            }
            server
        });
        let mut socket = Socket::new(client, &[], 2 << 30);
        let mut received = 0;
        while received < SENT / 1000 * 1000 {
            let poll = poll_fn(|cx| Poll::Ready(socket.poll_next(cx))).await;
            assert!(poll.is_pending(), "the frame is not complete");
            if let Some((filled, held)) = socket.reader.assembling() {
                // Doubling from the first room: at most twice what arrived.
                let bound = 2 * filled.max(crate::reader::FIRST_ROOM);
                assert!(held <= bound, "{held} bytes held for {filled} received");
                received = filled;
            }
            tokio::task::yield_now().await;
        }
        drop(writer.await.unwrap());
        assert_eq!(
            next(&mut socket).await.unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }

    #[tokio::test]
    async fn the_buffer_kept_for_reuse_is_released_once_idle() {
        let (client, mut server) = duplex(1 << 20);
        server
            .write_all(&server_frame(0x82, &[7; 100_000]))
            .await
            .unwrap();
        let mut socket = Socket::new(client, &[], usize::MAX);
        tokio::time::pause();
        let message = poll_fn(|cx| socket.poll_next(cx)).await.unwrap();
        drop(message);
        assert!(socket.reader.keeps_a_buffer());
        let idle = crate::spare::IDLE_RELEASE;
        tokio::time::advance(idle - Duration::from_secs(1)).await;
        let poll = poll_fn(|cx| Poll::Ready(socket.poll_next(cx))).await;
        assert!(poll.is_pending());
        assert!(socket.reader.keeps_a_buffer(), "released too early");
        tokio::time::advance(Duration::from_secs(2)).await;
        let poll = poll_fn(|cx| Poll::Ready(socket.poll_next(cx))).await;
        assert!(poll.is_pending());
        assert!(
            !socket.reader.keeps_a_buffer(),
            "still kept after {idle:?} idle"
        );
        drop(server);
    }

    /// Whatever a server sends: no panic, an end (messages, then a clean end or an error),
    /// and memory held for a message never more than twice what arrived of it.
    #[test]
    fn any_byte_stream_ends_cleanly_with_bounded_memory() {
        use proptest::prelude::*;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let frames = prop_oneof![
            // Plausible frames (any first byte, lengths around the encodings' boundaries)...
            (
                prop_oneof![
                    prop::sample::select(vec![0x00u8, 0x01, 0x02, 0x80, 0x81, 0x82, 0x88, 0x89]),
                    any::<u8>(),
                ],
                prop::sample::select(vec![
                    0u64,
                    1,
                    125,
                    126,
                    65535,
                    65536,
                    1 << 20,
                    1 << 30,
                    1 << 40
                ]),
                prop::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(first, len, body)| {
                    let mut bytes = frame::tests::server_header(first, len);
                    bytes.extend(body);
                    bytes
                }),
            // ...and pure noise.
            prop::collection::vec(any::<u8>(), 0..64),
        ];
        let stream = prop::collection::vec(frames, 0..12).prop_map(|parts| parts.concat());
        proptest!(|(bytes in stream, max in prop::sample::select(vec![0usize, 64, 70_000, 2 << 30]), ahead in 0usize..32)| {
            runtime.block_on(async {
                let ahead = ahead.min(bytes.len());
                let mut socket = Socket::new(
                    Trickle { bytes: bytes[ahead..].to_vec(), at: 0 },
                    &bytes[..ahead],
                    max,
                );
                loop {
                    let next = poll_fn(|cx| socket.poll_next(cx)).await;
                    if let Some((filled, held)) = socket.reader.assembling() {
                        let bound = 2 * filled.max(crate::reader::FIRST_ROOM);
                        prop_assert!(held <= bound, "{} held for {} received", held, filled);
                    }
                    match next {
                        Ok(Some(Inbound::Close(_))) | Ok(None) | Err(_) => break,
                        Ok(Some(_)) => {}
                    }
                }
                Ok(())
            })?;
        });
    }
}
