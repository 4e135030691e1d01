//! The websocket layer, written to behave like Brayns' Poco-based one rather than like a
//! conforming RFC 6455 server: each frame is a whole message (no reassembly), any opcode with the
//! 0x08 bit (close, ping, pong) ends the connection, frames up to `INT_MAX` bytes are accepted,
//! nothing but final text/binary frames is ever sent (no close, no ping), and `GET /healthz`
//! answers `200 Ok`.

use std::io;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Poco's maximum payload (`INT_MAX`); bigger frames end the connection.
pub(crate) const MAX_FRAME: u64 = i32::MAX as u64;

/// Limit on the HTTP upgrade request, to bound memory on garbage input.
const MAX_HANDSHAKE: usize = 64 * 1024;

/// What the HTTP part of a new connection turned out to be.
pub(crate) enum Handshake {
    /// A websocket upgrade that was accepted.
    Upgraded,
    /// Anything else (health check, bad upgrade): answered, the connection is over.
    Done,
}

/// Reads the HTTP request and answers it: `101` for a websocket upgrade on any path, `200 Ok` for
/// `/healthz`, `400` for anything else.
pub(crate) async fn handshake<S>(stream: &mut BufReader<S>) -> io::Result<Handshake>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !starts_like_http(stream).await? {
        // Poco rejects a request line that cannot be HTTP as soon as it reads it (method token
        // invalid or over 32 bytes) with a bare 400; waiting for a header end instead would
        // leave, say, a TLS ClientHello sent to a plain server hanging until its timeout.
        let writer = stream.get_mut();
        writer
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        writer.flush().await?;
        return Ok(Handshake::Done);
    }
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = stream.read_until(b'\n', &mut head).await?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed during handshake",
            ));
        }
        if head.len() > MAX_HANDSHAKE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "handshake too large",
            ));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    let header = |name: &str| {
        text.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let writer = stream.get_mut();
    if path == "/healthz" {
        writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOk").await?;
        writer.flush().await?;
        return Ok(Handshake::Done);
    }
    let upgrade = header("upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    let version_ok = header("sec-websocket-version").is_some_and(|value| value == "13");
    let key = header("sec-websocket-key");
    let problem = if method != "GET" || !upgrade {
        Some("No WebSocket handshake")
    } else if !version_ok {
        Some("Unsupported WebSocket version requested")
    } else if key.is_none() {
        Some("Missing Sec-WebSocket-Key in handshake request")
    } else {
        None
    };
    if let Some(message) = problem {
        let response = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
            message.len()
        );
        writer.write_all(response.as_bytes()).await?;
        writer.flush().await?;
        return Ok(Handshake::Done);
    }
    let accept = derive_accept_key(key.unwrap_or_default().as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    writer.write_all(response.as_bytes()).await?;
    writer.flush().await?;
    Ok(Handshake::Upgraded)
}

/// Poco's limit on the request method (`HTTPRequest::MAX_METHOD_LENGTH`).
const MAX_METHOD: usize = 32;

/// Whether the first bytes received can start an HTTP request line: an uppercase method token
/// of at most [`MAX_METHOD`] bytes, ended by a space (or not ended yet). Reads once at most.
async fn starts_like_http<S: AsyncRead + Unpin>(stream: &mut BufReader<S>) -> io::Result<bool> {
    let buffered = stream.fill_buf().await?;
    let method = buffered
        .iter()
        .take_while(|&&byte| byte != b' ')
        .take(MAX_METHOD + 1);
    let mut length = 0;
    for byte in method {
        if !byte.is_ascii_uppercase() {
            return Ok(false);
        }
        length += 1;
    }
    Ok(length <= MAX_METHOD)
}

/// One incoming frame: the raw first header byte (FIN, RSV, opcode) and the unmasked payload.
pub(crate) struct Frame {
    pub(crate) flags: u8,
    pub(crate) payload: Vec<u8>,
}

/// Reads one frame; `Ok(None)` when the peer closed the TCP connection.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Option<Frame>> {
    let mut head = [0u8; 2];
    match reader.read_exact(&mut head).await {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let masked = head[1] & 0x80 != 0;
    let length = match head[1] & 0x7f {
        126 => u64::from(reader.read_u16().await?),
        127 => reader.read_u64().await?,
        short => u64::from(short),
    };
    if length > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {length} bytes exceeds INT_MAX"),
        ));
    }
    let mut mask = [0u8; 4];
    if masked {
        reader.read_exact(&mut mask).await?;
    }
    // Read straight into reserved capacity: no zero-filling of large frames.
    let mut payload = Vec::with_capacity(initial_capacity(length));
    (&mut *reader)
        .take(length)
        .read_to_end(&mut payload)
        .await?;
    if payload.len() as u64 != length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed inside a frame",
        ));
    }
    if masked {
        unmask(&mut payload, mask);
    }
    Ok(Some(Frame {
        flags: head[0],
        payload,
    }))
}

/// Most bytes reserved for a frame before any of its payload arrived (small in unit tests, so
/// they exercise frames that outgrow it cheaply).
const MAX_RESERVE: u64 = if cfg!(test) { 1 << 10 } else { 64 << 20 };

/// What to reserve for a frame whose header announces `length` bytes: all of it up to
/// [`MAX_RESERVE`], so a lone header claiming `INT_MAX` bytes cannot make the mock allocate 2 GiB
/// (and abort where memory is short); bigger frames grow as their bytes arrive.
fn initial_capacity(length: u64) -> usize {
    usize::try_from(length.min(MAX_RESERVE)).unwrap_or(0)
}

fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().expect("chunks of 8")) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
}

/// A message for a connection's writer.
pub(crate) enum Outgoing {
    /// A text frame.
    Text(String),
    /// A binary frame `[u32 LE json length][json][payload]`, written without copying the payload.
    Binary { json: String, payload: Bytes },
    /// Bytes written as they are (fault injection: malformed frames).
    Raw(Vec<u8>),
    /// Flush what came before, then stop writing (quit and server stop).
    Finish,
}

/// The header of an unmasked final frame with `opcode` and `length` bytes of payload.
fn frame_header(opcode: u8, length: u64) -> ([u8; 10], usize) {
    let mut header = [0u8; 10];
    header[0] = 0x80 | opcode;
    if length < 126 {
        header[1] = length as u8;
        (header, 2)
    } else if length <= u64::from(u16::MAX) {
        header[1] = 126;
        header[2..4].copy_from_slice(&(length as u16).to_be_bytes());
        (header, 4)
    } else {
        header[1] = 127;
        header[2..10].copy_from_slice(&length.to_be_bytes());
        (header, 10)
    }
}

/// Writes one message (not flushed). Messages too big for one Poco frame are skipped, as the
/// server drops them ("Output packet size too big").
pub(crate) async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &Outgoing,
) -> io::Result<()> {
    match message {
        Outgoing::Text(text) => {
            let (header, size) = frame_header(0x1, text.len() as u64);
            writer.write_all(&header[..size]).await?;
            writer.write_all(text.as_bytes()).await
        }
        Outgoing::Binary { json, payload } => {
            let total = 4 + json.len() as u64 + payload.len() as u64;
            if total > MAX_FRAME {
                tracing::error!(size = total, "Output packet size too big");
                return Ok(());
            }
            let (header, size) = frame_header(0x2, total);
            writer.write_all(&header[..size]).await?;
            writer.write_all(&(json.len() as u32).to_le_bytes()).await?;
            writer.write_all(json.as_bytes()).await?;
            writer.write_all(payload).await
        }
        Outgoing::Raw(bytes) => writer.write_all(bytes).await,
        Outgoing::Finish => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_FRAME, MAX_RESERVE, initial_capacity, read_frame, unmask};

    #[test]
    fn a_frame_header_alone_reserves_a_bounded_buffer() {
        assert_eq!(initial_capacity(10), 10);
        assert_eq!(initial_capacity(MAX_RESERVE), MAX_RESERVE as usize);
        assert_eq!(initial_capacity(MAX_FRAME), MAX_RESERVE as usize);
    }

    #[tokio::test]
    async fn frames_above_the_reserve_are_read_whole() {
        let payload: Vec<u8> = (0..3 * MAX_RESERVE + 5).map(|i| (i % 253) as u8).collect();
        let mut frame = vec![0x82, 127];
        frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        frame.extend_from_slice(&payload);
        let read = read_frame(&mut frame.as_slice()).await.unwrap().unwrap();
        assert_eq!(read.flags, 0x82);
        assert_eq!(read.payload, payload);
        // A header announcing INT_MAX bytes, then the stream ends: an error, no 2 GiB buffer.
        let mut header = vec![0x82, 127];
        header.extend_from_slice(&MAX_FRAME.to_be_bytes());
        header.extend_from_slice(&payload);
        assert!(read_frame(&mut header.as_slice()).await.is_err());
    }

    #[test]
    fn unmask_round_trips_any_length() {
        let mask = [1, 2, 3, 4];
        for len in 0..40 {
            let original: Vec<u8> = (0..len as u8).collect();
            let mut data = original.clone();
            unmask(&mut data, mask);
            let expected: Vec<u8> = original
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(data, expected);
            unmask(&mut data, mask);
            assert_eq!(data, original);
        }
    }
}
