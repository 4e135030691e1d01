//! The HTTP/1.1 websocket upgrade (RFC 6455 §4.1), client side.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::heard::connection_ended;

/// Limit on the response head, to bound memory on garbage input.
const MAX_HEAD: usize = 64 * 1024;

/// How an upgrade failed.
#[derive(Debug)]
pub(crate) enum UpgradeError {
    /// The connection ended (closed or reset) before the server sent a byte of its response:
    /// the server accepted it and dropped it, as Brayns (Poco) does with a full queue or while
    /// restarting. Worth retrying.
    Closed(io::Error),
    /// Reading or writing failed (TLS errors arrive here).
    Io(io::Error),
    /// The server answered with another status than 101: status line and whatever part of the
    /// body came with the head.
    Refused { status: String, body: String },
    /// The server answered something that is not a valid websocket upgrade.
    Invalid(String),
}

/// Sends the upgrade request for `url` (`ws://authority/path` or `wss://...`) and checks the
/// answer. Returns the bytes read past the response head: the start of the first frames.
pub(crate) async fn upgrade<S>(stream: &mut S, url: &str) -> Result<Vec<u8>, UpgradeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let rest = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"))
        .unwrap_or(url);
    let (authority, path) = match rest.find(['/', '?']) {
        Some(index) if rest[index..].starts_with('/') => (&rest[..index], rest[index..].to_owned()),
        Some(index) => (&rest[..index], format!("/{}", &rest[index..])),
        None => (rest, "/".to_owned()),
    };
    let key = generate_key();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    );
    // Nothing was read yet: a write failing because the peer is gone is a connection that
    // ended before any answer.
    let silent = |error: io::Error| {
        if connection_ended(&error) {
            UpgradeError::Closed(error)
        } else {
            UpgradeError::Io(error)
        }
    };
    stream.write_all(request.as_bytes()).await.map_err(silent)?;
    stream.flush().await.map_err(silent)?;

    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > MAX_HEAD {
            return Err(UpgradeError::Invalid(
                "the upgrade response head is too large".to_owned(),
            ));
        }
        let read = match stream.read_buf(&mut buffer).await {
            Ok(read) => read,
            Err(error) if buffer.is_empty() => return Err(silent(error)),
            Err(error) => return Err(UpgradeError::Io(error)),
        };
        if read == 0 {
            return Err(if buffer.is_empty() {
                UpgradeError::Closed(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection without answering the websocket upgrade",
                ))
            } else {
                UpgradeError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed in the middle of the websocket upgrade response",
                ))
            });
        }
    };
    let head = std::str::from_utf8(&buffer[..head_end])
        .map_err(|_| UpgradeError::Invalid("the upgrade response is not HTTP".to_owned()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or_default(), parts.next());
    if !version.starts_with("HTTP/1.") || code.is_none_or(|code| code.len() != 3) {
        return Err(UpgradeError::Invalid(format!(
            "the upgrade response is not HTTP: {:?}",
            status_line
        )));
    }
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    };
    let body = &buffer[head_end..];
    if code != Some("101") {
        let length = header("Content-Length")
            .and_then(|length| length.parse::<usize>().ok())
            .unwrap_or(body.len());
        return Err(UpgradeError::Refused {
            status: status_line["HTTP/1.1 ".len().min(status_line.len())..].to_owned(),
            body: String::from_utf8_lossy(&body[..length.min(body.len())])
                .trim()
                .to_owned(),
        });
    }
    if !header("Upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
        return Err(UpgradeError::Invalid(
            "the 101 response does not upgrade to websocket".to_owned(),
        ));
    }
    if !header("Connection").is_some_and(|value| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
    }) {
        return Err(UpgradeError::Invalid(
            "the 101 response lacks `Connection: upgrade`".to_owned(),
        ));
    }
    if header("Sec-WebSocket-Accept") != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(UpgradeError::Invalid(
            "the 101 response has a wrong Sec-WebSocket-Accept".to_owned(),
        ));
    }
    if header("Sec-WebSocket-Extensions").is_some() {
        return Err(UpgradeError::Invalid(
            "the server enabled an extension this client never offered".to_owned(),
        ));
    }
    Ok(body.to_vec())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, BufReader, duplex};

    use super::*;

    /// Runs an upgrade against a server answering `respond(key)`; returns the client's result
    /// and the request the server read.
    async fn exchange(
        url: &str,
        respond: impl FnOnce(&str) -> Vec<u8> + Send + 'static,
    ) -> (Result<Vec<u8>, UpgradeError>, String) {
        exchange_then(url, respond, false).await
    }

    /// Like [`exchange`]; with `close`, the server closes the stream once it has answered.
    async fn exchange_then(
        url: &str,
        respond: impl FnOnce(&str) -> Vec<u8> + Send + 'static,
        close: bool,
    ) -> (Result<Vec<u8>, UpgradeError>, String) {
        let (mut client, server) = duplex(1 << 16);
        let server = tokio::spawn(async move {
            let mut reader = BufReader::new(server);
            let mut request = String::new();
            loop {
                let before = request.len();
                reader.read_line(&mut request).await.unwrap();
                if &request[before..] == "\r\n" {
                    break;
                }
            }
            let key = request
                .lines()
                .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
                .unwrap()
                .to_owned();
            reader.get_mut().write_all(&respond(&key)).await.unwrap();
            let kept = (!close).then_some(reader);
            (request, kept)
        });
        let result =
            tokio::time::timeout(std::time::Duration::from_secs(5), upgrade(&mut client, url))
                .await
                .unwrap();
        let (request, _reader) = server.await.unwrap();
        (result, request)
    }

    fn accept(key: &str, extra: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
            derive_accept_key(key.as_bytes())
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn upgrades_and_keeps_the_bytes_read_past_the_head() {
        let (result, request) = exchange("ws://localhost:5000/path?q=1", |key| {
            let mut answer = accept(key, "");
            answer.extend_from_slice(&[0x81, 2, b'{', b'}']);
            answer
        })
        .await;
        // Whether the frame bytes came with the head depends on the duplex; both are fine.
        let ahead = result.unwrap();
        assert!(
            ahead.is_empty() || ahead == [0x81, 2, b'{', b'}'],
            "{ahead:?}"
        );
        assert!(
            request.starts_with("GET /path?q=1 HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("Host: localhost:5000\r\n"), "{request}");
        assert!(
            request.contains("Sec-WebSocket-Version: 13\r\n"),
            "{request}"
        );
        assert!(request.contains("Upgrade: websocket\r\n"), "{request}");
    }

    #[tokio::test]
    async fn refusals_and_bad_answers_are_told_apart() {
        let (result, _) = exchange("ws://h:1", |_| {
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request".to_vec()
        })
        .await;
        match result {
            Err(UpgradeError::Refused { status, body }) => {
                assert_eq!(status, "400 Bad Request");
                assert_eq!(body, "Bad Request");
            }
            other => panic!("{other:?}"),
        }
        let (result, _) = exchange("ws://h:1", |_| accept("another key", "")).await;
        assert!(
            matches!(result, Err(UpgradeError::Invalid(_))),
            "{result:?}"
        );
        let (result, _) = exchange("ws://h:1", |key| {
            accept(key, "Sec-WebSocket-Extensions: permessage-deflate\r\n")
        })
        .await;
        assert!(
            matches!(result, Err(UpgradeError::Invalid(_))),
            "{result:?}"
        );
        let (result, _) = exchange("ws://h:1", |_| {
            b"\x15\x03\x03\x00\x02\x02\x50\r\n\r\n".to_vec()
        })
        .await;
        assert!(
            matches!(result, Err(UpgradeError::Invalid(_))),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn an_end_before_any_byte_is_told_from_a_truncated_answer() {
        let (result, _) = exchange_then("ws://h:1", |_| Vec::new(), true).await;
        assert!(
            matches!(&result, Err(UpgradeError::Closed(error)) if error.kind() == io::ErrorKind::UnexpectedEof),
            "{result:?}"
        );
        let (result, _) = exchange_then("ws://h:1", |_| b"HTTP/1.1 10".to_vec(), true).await;
        assert!(matches!(result, Err(UpgradeError::Io(_))), "{result:?}");
        // A TLS alert (what a TLS server answers to plain HTTP), then the end: not HTTP.
        let alert = b"\x15\x03\x03\x00\x02\x02\x32".to_vec();
        let (result, _) = exchange_then("ws://h:1", move |_| alert, true).await;
        assert!(matches!(result, Err(UpgradeError::Io(_))), "{result:?}");
    }
}
