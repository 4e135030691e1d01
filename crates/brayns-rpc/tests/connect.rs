//! Connecting: addresses, retry semantics, connect/handshake timeout, protocol errors.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use brayns_rpc::{Connector, Error, Tls};
use support::{ReservedPort, Server, bounded, http_responder, silent_listener};

#[tokio::test]
async fn accepts_host_port_and_ws_urls() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        for uri in [
            server.uri(),
            format!("ws://{}", server.addr),
            format!("ws://{}/some/path", server.addr),
            format!("localhost:{}", server.addr.port()),
        ] {
            let client = Connector::new(uri.clone()).connect().await.unwrap();
            assert!(client.uri().starts_with("ws://"), "{uri}");
            client.request("m", None).await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_configurations_are_rejected() {
    bounded(async {
        for (uri, tls) in [
            ("http://127.0.0.1:1", None),
            ("127.0.0.1", None),
            ("127.0.0.1:notaport", None),
            ("ws://127.0.0.1:1", Some(Tls::SystemRoots)),
            ("wss://127.0.0.1:1", Some(Tls::None)),
        ] {
            let mut connector = Connector::new(uri);
            if let Some(tls) = tls {
                connector = connector.tls(tls);
            }
            let error = connector.connect().await.unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{uri}: {error:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn refused_then_available_is_retried() {
    bounded(async {
        let port = ReservedPort::new();
        let addr = port.addr;
        // The service comes up 300 ms later on that port (kept for it meanwhile).
        let server = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let listener = port.listen();
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            use futures_util::{SinkExt, StreamExt};
            let message = ws.next().await.unwrap().unwrap();
            let request: serde_json::Value =
                serde_json::from_str(message.to_text().unwrap()).unwrap();
            let reply = serde_json::json!({"id": request["id"], "jsonrpc": "2.0", "result": "up"});
            ws.send(reply.to_string().into()).await.unwrap();
            // Keep the connection until the client is done.
            let _ = ws.next().await;
        });
        // `None`: retry forever (the test limit bounds it).
        let client = Connector::new(addr.to_string())
            .max_attempts(None)
            .attempt_period(Duration::from_millis(20))
            .connect()
            .await
            .unwrap();
        assert_eq!(client.request("m", None).await.unwrap(), "up");
        client.disconnect().await;
        server.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exhausted_attempts_report_unavailable() {
    bounded(async {
        let port = ReservedPort::new();
        let started = tokio::time::Instant::now();
        let error = Connector::new(port.addr.to_string())
            .max_attempts(Some(3))
            .attempt_period(Duration::from_millis(50))
            .connect()
            .await
            .unwrap_err();
        let Error::Connect {
            attempts, source, ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(*attempts, 3);
        assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        // Two pauses between three attempts.
        assert!(started.elapsed() >= Duration::from_millis(100));
    })
    .await;
}

#[tokio::test]
async fn default_is_a_single_attempt() {
    bounded(async {
        let port = ReservedPort::new();
        let error = Connector::new(port.addr.to_string())
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Connect { attempts: 1, .. }),
            "{error:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn silent_server_hits_the_handshake_timeout_and_is_retried() {
    bounded(async {
        // Accepts TCP but never answers the upgrade, like Brayns with every slot taken.
        let (addr, accepted, _listener) = silent_listener().await;
        let error = Connector::new(addr.to_string())
            .connect_timeout(Duration::from_millis(150))
            .max_attempts(Some(2))
            .attempt_period(Duration::from_millis(10))
            .connect()
            .await
            .unwrap_err();
        let Error::Connect {
            attempts, source, ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(*attempts, 2);
        assert_eq!(source.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    })
    .await;
}

#[tokio::test]
async fn http_error_on_upgrade_fails_at_once() {
    bounded(async {
        for response in [
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request",
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 37\r\n\r\nUnexpected websocket handshake failure",
        ] {
            let (addr, accepted, _listener) = http_responder(response).await;
            let error = Connector::new(addr.to_string())
                .max_attempts(Some(5))
                .attempt_period(Duration::from_millis(10))
                .connect()
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Protocol(_)), "{error:?}");
            assert_eq!(accepted.load(Ordering::SeqCst), 1, "protocol errors are not retried");
        }
    })
    .await;
}

#[tokio::test]
async fn plain_ws_to_a_tls_server_fails_at_once() {
    bounded(async {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let server = Server::start_tls(
            &certified.cert.pem(),
            &certified.signing_key.serialize_pem(),
            |conn| conn.echo(),
        )
        .await;
        let error = Connector::new(format!("ws://localhost:{}", server.addr.port()))
            .max_attempts(Some(5))
            .attempt_period(Duration::from_millis(10))
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Protocol(_)), "{error:?}");
        assert!(
            error.to_string().contains("is the server using TLS?"),
            "the answer was a TLS alert, not HTTP: {error}"
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}

/// How a connection that ended before the server said anything shows up.
fn ended_early(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        kind,
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
    )
}

#[tokio::test]
async fn connections_closed_before_any_answer_are_retried_as_unavailable() {
    bounded(async {
        // Like Brayns with a full queue, or restarting: TCP accepted, then closed or reset
        // before a byte of the upgrade response.
        const CLOSED: usize = 4;
        let server = Server::start_closing_first(CLOSED, None, |conn| conn.echo()).await;
        let client = Connector::new(server.uri())
            .max_attempts(Some(CLOSED as u32 + 1))
            .attempt_period(Duration::from_millis(10))
            .connect()
            .await
            .expect("the attempt after the closed ones gets in");
        assert_eq!(client.request("m", None).await.unwrap()["method"], "m");
        assert_eq!(server.connections(), CLOSED + 1);

        for (closed, attempts) in [(1, 1), (2, 2)] {
            let server = Server::start_closing_first(closed, None, |conn| conn.echo()).await;
            let error = Connector::new(server.uri())
                .max_attempts(Some(attempts))
                .attempt_period(Duration::from_millis(10))
                .connect()
                .await
                .unwrap_err();
            let Error::Connect {
                attempts: made,
                source,
                ..
            } = &error
            else {
                panic!("{error:?}")
            };
            assert_eq!(*made, attempts, "{error:?}");
            assert!(ended_early(source.kind()), "{error:?}");
            // A TLS server that closes silently looks the same: the error names both.
            assert!(
                error
                    .to_string()
                    .contains("or a TLS server reached with ws://?"),
                "{error}"
            );
            assert_eq!(server.connections(), closed);
        }
    })
    .await;
}
