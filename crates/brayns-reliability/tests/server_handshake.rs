//! A hostile server answering the websocket upgrade: whatever it sends, `connect()` ends with a
//! clear typed error, never a panic or a hang, and nothing it sends is taken for an upgrade
//! that RFC 6455 §4.1 says must fail.

mod support;

use std::time::Duration;

use brayns_rpc::{Connector, Error};
use support::{RawServer, bounded, switching_protocols};

/// Connects to a server answering `answer(key)`; returns the error `connect()` gave.
async fn refused_with(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> Error {
    bounded(async {
        let server = RawServer::start(answer).await;
        let connector = Connector::new(server.uri()).connect_timeout(Duration::from_secs(5));
        match connector.connect().await {
            Ok(_) => panic!("the upgrade was accepted"),
            Err(error) => error,
        }
    })
    .await
}

fn protocol_message(error: Error) -> String {
    match error {
        Error::Protocol(message) => message,
        other => panic!("not a protocol error: {other:?}"),
    }
}

#[tokio::test]
async fn a_status_line_that_is_not_ascii_is_a_protocol_error() {
    for status in [
        "HTTP/1.\u{20ac} 404 Not Found",
        "HTTP/1.1 4\u{20ac} Not Found",
        "\u{20ac}\u{20ac}\u{20ac}",
    ] {
        let answer = format!("{status}\r\nContent-Length: 0\r\n\r\n");
        let message = protocol_message(refused_with(move |_| answer.clone().into_bytes()).await);
        assert!(message.contains("not HTTP"), "{status:?}: {message}");
    }
}

#[tokio::test]
async fn a_repeated_accept_header_is_refused_even_when_one_copy_is_right() {
    let message = protocol_message(
        refused_with(|key| {
            let head = switching_protocols(key);
            let accept = head
                .lines()
                .find(|line| line.starts_with("Sec-WebSocket-Accept"))
                .unwrap_or_default()
                .to_owned();
            format!("{head}Sec-WebSocket-Accept: d3Jvbmc=\r\n{accept}\r\n\r\n").into_bytes()
        })
        .await,
    );
    assert!(
        message.contains("repeats Sec-WebSocket-Accept"),
        "{message}"
    );
}

#[tokio::test]
async fn a_subprotocol_the_client_never_offered_is_refused() {
    let message = protocol_message(
        refused_with(|key| {
            format!(
                "{}Sec-WebSocket-Protocol: brayns\r\n\r\n",
                switching_protocols(key)
            )
            .into_bytes()
        })
        .await,
    );
    assert!(message.contains("subprotocol"), "{message}");
}

#[tokio::test]
async fn control_characters_in_the_address_are_refused_before_connecting() {
    bounded(async {
        let server =
            RawServer::start(|key| format!("{}\r\n", switching_protocols(key)).into_bytes()).await;
        for tail in ["x\r\nX-Injected: yes", "x\nX-Injected: yes", "a b", "\u{0}"] {
            let uri = format!("{}{tail}", server.uri());
            match Connector::new(uri.as_str()).connect().await {
                Err(Error::Config(message)) => {
                    assert!(message.contains("not allowed"), "{uri:?}: {message}")
                }
                Err(other) => panic!("{uri:?}: {other:?}"),
                Ok(_) => panic!("{uri:?}: connected"),
            }
        }
        assert!(
            server.received().is_empty(),
            "nothing reached the server: {:?}",
            server.received()
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_silent_after_the_upgrade_cannot_hold_connect_with() {
    use brayns_sdk::{Brayns, VersionPolicy};
    bounded(async {
        // Upgrades, then reads and never answers (the script keeps the connection open).
        let server =
            support::ScriptServer::start(
                |mut peer| async move { while peer.recv().await.is_some() {} },
            )
            .await;
        let connector = Connector::new(server.uri()).connect_timeout(Duration::from_millis(300));
        match Brayns::connect_with(connector, VersionPolicy::default()).await {
            Err(brayns_sdk::Error::Rpc(Error::Timeout { method, after })) => {
                assert_eq!(method, "get-version");
                assert_eq!(after, Duration::from_millis(300));
            }
            Err(other) => panic!("not a get-version timeout: {other:?}"),
            Ok(_) => panic!("connected to a server that never answered"),
        }
    })
    .await;
}
