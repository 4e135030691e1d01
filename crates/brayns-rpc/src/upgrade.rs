//! The HTTP/1.1 websocket upgrade (RFC 6455 §4.1), client side.
//!
//! The response head is parsed by `httparse`: the server is not trusted, and a maintained
//! parser of untrusted HTTP is safer than slicing strings by hand.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::heard::connection_ended;

/// Limit on the response head, to bound memory on garbage input.
const MAX_HEAD: usize = 64 * 1024;

/// Most header lines read in the response; an upgrade answer needs four.
const MAX_HEADERS: usize = 64;

/// How an upgrade failed.
#[derive(Debug)]
pub(crate) enum UpgradeError {
    /// The connection ended (closed or reset) before the server sent a byte of its response:
    /// the server accepted it and dropped it, as Brayns (Poco) does with a full queue or while
    /// restarting. Worth retrying.
    Closed(io::Error),
    /// Reading or writing failed (TLS errors arrive here).
    Io(io::Error),
    /// The server answered with another status than 101: status code and reason, and whatever
    /// part of the body came with the head.
    Refused { status: String, body: String },
    /// The server answered something that is not a valid websocket upgrade.
    Invalid(String),
}

/// The request line and headers of the upgrade of `url` (`ws://authority/path` or
/// `wss://...`), offering `key`.
fn request(url: &str, key: &str) -> Result<String, UpgradeError> {
    // The URL is written into the request verbatim: a CR, LF or any other control character
    // (or a space, which ends the request target) would let it add headers of its own.
    if let Some(bad) = url.chars().find(|c| c.is_ascii_control() || *c == ' ') {
        return Err(UpgradeError::Invalid(format!(
            "the URL {url:?} contains {bad:?}, which cannot appear in an HTTP request"
        )));
    }
    let rest = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"))
        .unwrap_or(url);
    let (authority, path) = match rest.find(['/', '?']) {
        Some(index) if rest[index..].starts_with('/') => (&rest[..index], rest[index..].to_owned()),
        Some(index) => (&rest[..index], format!("/{}", &rest[index..])),
        None => (rest, "/".to_owned()),
    };
    Ok(format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    ))
}

/// Sends the upgrade request for `url` (`ws://authority/path` or `wss://...`) and checks the
/// answer. Returns the bytes read past the response head: the start of the first frames.
pub(crate) async fn upgrade<S>(stream: &mut S, url: &str) -> Result<Vec<u8>, UpgradeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let key = generate_key();
    let request = request(url, &key)?;
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
    loop {
        // Parsed again after every read: the head is small, and garbage fails at its first
        // byte instead of waiting for a blank line that may never come.
        if let Some(head_end) = head_length(&buffer)? {
            return check(&buffer, head_end, &key);
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
    }
}

/// The length of the complete response head at the start of `bytes`, `None` while it is
/// incomplete; an error as soon as the bytes cannot be an HTTP/1.x response.
pub(crate) fn head_length(bytes: &[u8]) -> Result<Option<usize>, UpgradeError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match httparse::Response::new(&mut headers).parse(bytes) {
        Ok(httparse::Status::Complete(length)) => Ok(Some(length)),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(error) => Err(not_http(error)),
    }
}

fn not_http(error: httparse::Error) -> UpgradeError {
    UpgradeError::Invalid(match error {
        httparse::Error::TooManyHeaders => {
            format!("the upgrade response head is too large (over {MAX_HEADERS} header lines)")
        }
        error => format!("the upgrade response is not HTTP/1.x ({error})"),
    })
}

/// Checks the complete head `bytes[..head_end]` answers the upgrade offering `key`; returns
/// the bytes after it.
fn check(bytes: &[u8], head_end: usize, key: &str) -> Result<Vec<u8>, UpgradeError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    response.parse(&bytes[..head_end]).map_err(not_http)?;
    let found: Vec<(&str, &[u8])> = response
        .headers
        .iter()
        .map(|header| (header.name, header.value))
        .collect();
    let values = |name: &str| -> Vec<&[u8]> {
        found
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim_ascii())
            .collect()
    };
    let body = &bytes[head_end..];
    let code = response.code.unwrap_or_default();
    if code != 101 {
        // Only the part of the body that came with the head is shown: waiting for the rest
        // would let a server hold the connect.
        let length = match values("Content-Length").as_slice() {
            [length] => std::str::from_utf8(length)
                .ok()
                .and_then(|length| length.parse::<usize>().ok()),
            _ => None,
        }
        .unwrap_or(body.len());
        return Err(UpgradeError::Refused {
            status: format!("{code} {}", response.reason.unwrap_or_default())
                .trim_end()
                .to_owned(),
            body: String::from_utf8_lossy(&body[..length.min(body.len())])
                .trim()
                .to_owned(),
        });
    }
    if !values("Upgrade")
        .iter()
        .any(|value| value.eq_ignore_ascii_case(b"websocket"))
    {
        return Err(UpgradeError::Invalid(
            "the 101 response does not upgrade to websocket".to_owned(),
        ));
    }
    if !values("Connection").iter().any(|value| {
        value
            .split(|&byte| byte == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"upgrade"))
    }) {
        return Err(UpgradeError::Invalid(
            "the 101 response lacks `Connection: upgrade`".to_owned(),
        ));
    }
    // Exactly one copy: with two, which one the server meant is anyone's guess.
    let expected = derive_accept_key(key.as_bytes());
    match values("Sec-WebSocket-Accept").as_slice() {
        [accept] if *accept == expected.as_bytes() => {}
        [_] | [] => {
            return Err(UpgradeError::Invalid(
                "the 101 response has a wrong or no Sec-WebSocket-Accept".to_owned(),
            ));
        }
        _ => {
            return Err(UpgradeError::Invalid(
                "the 101 response repeats Sec-WebSocket-Accept".to_owned(),
            ));
        }
    }
    // RFC 6455 §4.1: a subprotocol or extension the client did not offer (it offers none)
    // fails the connection.
    if !values("Sec-WebSocket-Protocol").is_empty() {
        return Err(UpgradeError::Invalid(
            "the server selected a subprotocol this client never offered".to_owned(),
        ));
    }
    if !values("Sec-WebSocket-Extensions").is_empty() {
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
        // A TLS alert (what a TLS server answers to plain HTTP), then the end: not HTTP, seen
        // from its first byte.
        let alert = b"\x15\x03\x03\x00\x02\x02\x32".to_vec();
        let (result, _) = exchange_then("ws://h:1", move |_| alert, true).await;
        assert!(
            matches!(result, Err(UpgradeError::Invalid(_))),
            "{result:?}"
        );
    }

    fn invalid_reason(result: Result<Vec<u8>, UpgradeError>) -> String {
        match result {
            Err(UpgradeError::Invalid(reason)) => reason,
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_status_line_that_is_not_ascii_is_an_error_not_a_panic() {
        for status in [
            "HTTP/1.\u{20ac} 404 Not Found",
            "HTTP/1.1 4\u{20ac}4 Not Found",
            "HTTP/1.1 \u{20ac}",
            "\u{20ac}",
        ] {
            let answer = format!("{status}\r\nContent-Length: 0\r\n\r\n").into_bytes();
            let (result, _) = exchange("ws://h:1", move |_| answer).await;
            assert!(invalid_reason(result).contains("not HTTP"), "{status:?}");
        }
        // A reason phrase may hold any byte (obs-text): still a plain refusal.
        let (result, _) = exchange("ws://h:1", |_| {
            "HTTP/1.1 404 Nicht gef\u{fc}hrt\r\n\r\n"
                .as_bytes()
                .to_vec()
        })
        .await;
        assert!(
            matches!(&result, Err(UpgradeError::Refused { status, .. }) if status.starts_with("404")),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_repeated_accept_header_is_refused_even_when_one_copy_is_right() {
        for order in [0, 1] {
            let (result, _) = exchange("ws://h:1", move |key| {
                let wrong = "Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n";
                let mut answer = accept(key, if order == 0 { wrong } else { "" });
                if order == 1 {
                    // The wrong copy after the blank line would be body: put it in the head.
                    answer.truncate(answer.len() - 2);
                    answer.extend_from_slice(wrong.as_bytes());
                    answer.extend_from_slice(b"\r\n");
                }
                answer
            })
            .await;
            assert!(invalid_reason(result).contains("repeats"), "order {order}");
        }
        let (result, _) = exchange("ws://h:1", |key| {
            let right = format!(
                "Sec-WebSocket-Accept: {}\r\n",
                derive_accept_key(key.as_bytes())
            );
            accept(key, &right)
        })
        .await;
        assert!(invalid_reason(result).contains("repeats"));
    }

    #[tokio::test]
    async fn a_subprotocol_the_client_never_offered_is_refused() {
        let (result, _) = exchange("ws://h:1", |key| {
            accept(key, "Sec-WebSocket-Protocol: chat\r\n")
        })
        .await;
        assert!(invalid_reason(result).contains("subprotocol"));
    }

    #[tokio::test]
    async fn control_characters_in_the_url_never_reach_the_wire() {
        for url in [
            "ws://h:1/a\r\nX-Injected: yes",
            "ws://h:1/a b",
            "ws://h\n:1/",
        ] {
            assert!(
                invalid_reason(request(url, "k").map(String::into_bytes)).contains("contains"),
                "{url:?}"
            );
        }
    }

    #[test]
    fn head_length_waits_for_the_blank_line_and_fails_early_on_garbage() {
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nrest";
        assert_eq!(head_length(head).unwrap(), Some(head.len() - 4));
        for cut in 0..head.len() - 4 {
            assert_eq!(head_length(&head[..cut]).unwrap(), None, "cut {cut}");
        }
        assert!(head_length(b"\x15\x03").is_err());
        assert!(head_length(b"HTTP/2 200 OK\r\n").is_err());
    }

    #[tokio::test]
    async fn a_head_that_never_ends_is_cut_off_at_the_limit() {
        // Header lines for ever, or one header line that never ends.
        for filler in [&b"X-Padding: 0123456789\r\n"[..], b"0123456789"] {
            let (mut client, mut server) = duplex(1 << 16);
            let writer = tokio::spawn(async move {
                let mut chunk = b"HTTP/1.1 101 Switching Protocols\r\nX: ".to_vec();
                // Until the client hangs up.
                while server.write_all(&chunk).await.is_ok() {
                    chunk = filler.to_vec();
                }
            });
            let result = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                upgrade(&mut client, "ws://h:1"),
            )
            .await
            .expect("bounded by the head limits");
            let reason = invalid_reason(result);
            assert!(reason.contains("too large"), "{reason}");
            drop(client);
            writer.await.unwrap();
        }
    }

    proptest::proptest! {
        /// Whatever the server answers: no panic, a head length within the bytes, and the
        /// check of a complete head ends in a result.
        #[test]
        fn any_answer_is_parsed_or_refused_cleanly(
            prefix in proptest::sample::select(vec![
                "",
                "HTTP/1.1 ",
                "HTTP/1.1 404 ",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n",
                "HTTP/1.0 400 x\r\nContent-Length: ",
            ]),
            head in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            // Most answers end their head, so the checks past the parser run too.
            ended in proptest::prelude::any::<bool>(),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let mut answer = prefix.as_bytes().to_vec();
            answer.extend(head);
            if ended {
                answer.extend_from_slice(b"\r\n\r\n");
            }
            answer.extend(body);
            // Incomplete or refused answers only have to come back without a panic.
            if let Ok(Some(length)) = head_length(&answer) {
                proptest::prop_assert!(length <= answer.len());
                if let Ok(rest) = check(&answer, length, "dGhlIHNhbXBsZSBub25jZQ==") {
                    proptest::prop_assert_eq!(rest.as_slice(), &answer[length..]);
                }
            }
        }
    }
}
