//! TLS against the mock's `wss://` with certificates made here by rcgen: only a certificate
//! the client trusts, valid now and issued for the host it dialled, gets in; every rejection is
//! a TLS error (or, for plain websocket to a TLS port, a protocol error) and is never retried.
//! A counting proxy in front of the mock proves the single connection attempt.

mod support;

use std::time::Duration;

use brayns_mock::MockServer;
use brayns_rpc::{Connector, Error, Tls};
use rustls::CertificateError;
use support::{CountingProxy, Pki, bounded};

/// A TLS mock presenting `pki`'s certificate, behind a counting proxy.
async fn tls_mock(pki: &Pki) -> (MockServer, CountingProxy) {
    let mock = MockServer::builder()
        .tls(pki.cert_pem.clone(), pki.key_pem.clone())
        .start()
        .await
        .expect("the mock starts with TLS");
    let proxy = CountingProxy::start(mock.addr()).await;
    (mock, proxy)
}

/// A connector that would retry five times if the failure were retryable, and whose connect
/// timeout is far beyond the test's patience: a failure must come from the TLS check itself.
fn connector(uri: String, tls: Tls) -> Connector {
    Connector::new(uri)
        .tls(tls)
        .max_attempts(Some(5))
        .attempt_period(Duration::from_millis(50))
        .connect_timeout(Duration::from_secs(60))
}

/// Connects, expecting a prompt failure.
async fn refused(connector: Connector) -> Error {
    tokio::time::timeout(Duration::from_secs(5), connector.connect())
        .await
        .expect("fails at once, without waiting for a timeout")
        .expect_err("must not connect")
}

fn trust(pki: &Pki) -> Tls {
    Tls::CustomCaPem(pki.ca_pem.clone().into_bytes())
}

#[tokio::test]
async fn a_custom_ca_trusted_via_the_connector_gets_in() {
    bounded(async {
        let pki = Pki::new(&["localhost"]);
        let (mock, proxy) = tls_mock(&pki).await;
        let client = connector(format!("wss://localhost:{}", proxy.port()), trust(&pki))
            .connect()
            .await
            .expect("trusted CA, valid certificate, right name");
        assert!(client.uri().starts_with("wss://localhost:"));
        let brayns = brayns_sdk::Brayns::new(client.clone());
        assert_eq!(brayns.get_version().await.unwrap().minor, 10);
        // A binary reply (a PNG) over TLS, too.
        let snapshot = client
            .start_task(
                brayns_rpc::Request::new("snapshot")
                    .params_value(serde_json::json!({"image_settings": {"size": [64, 64]}})),
            )
            .unwrap()
            .await
            .unwrap();
        assert!(snapshot.binary().starts_with(b"\x89PNG"));
        assert_eq!(proxy.accepted(), 1);
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn untrusted_expired_and_misnamed_certificates_are_rejected_without_retry() {
    bounded(async {
        let stranger = Pki::new(&["localhost"]);
        let cases = [
            ("untrusted", Pki::new(&["localhost"]), Some(&stranger)),
            ("expired", Pki::expired(&["localhost"]), None),
            ("hostname mismatch", Pki::new(&["brayns.example.org"]), None),
        ];
        for (case, pki, trusted) in cases {
            let (mock, proxy) = tls_mock(&pki).await;
            let tls = trust(trusted.unwrap_or(&pki));
            let error = refused(connector(format!("wss://localhost:{}", proxy.port()), tls)).await;
            assert!(matches!(error, Error::Tls { .. }), "{case}: {error:?}");
            let expected = match error.rustls_error() {
                Some(rustls::Error::InvalidCertificate(reason)) => match case {
                    "untrusted" => matches!(reason, CertificateError::UnknownIssuer),
                    "expired" => matches!(
                        reason,
                        CertificateError::Expired | CertificateError::ExpiredContext { .. }
                    ),
                    _ => matches!(
                        reason,
                        CertificateError::NotValidForName
                            | CertificateError::NotValidForNameContext { .. }
                    ),
                },
                _ => false,
            };
            assert!(expected, "{case}: {error:?}");
            assert!(
                error
                    .to_string()
                    .starts_with("TLS error with wss://localhost:"),
                "{case}: {error}"
            );
            assert_eq!(proxy.accepted(), 1, "{case}: TLS errors are never retried");
            mock.stop().await;
        }
    })
    .await;
}

#[tokio::test]
async fn system_roots_do_not_trust_a_private_ca() {
    bounded(async {
        let pki = Pki::new(&["localhost"]);
        let (mock, proxy) = tls_mock(&pki).await;
        // wss:// without a TLS setting means the system roots.
        let error = refused(
            Connector::new(format!("wss://localhost:{}", proxy.port()))
                .max_attempts(Some(5))
                .attempt_period(Duration::from_millis(50)),
        )
        .await;
        assert!(matches!(error, Error::Tls { .. }), "{error:?}");
        // Where the system roots are found is up to the machine, so both outcomes are right,
        // and neither retries: with a CA bundle, the one handshake fails because the private
        // CA is not in it; without one (a bare container), `Tls::SystemRoots` fails before
        // any connection is made.
        match proxy.accepted() {
            1 => assert!(
                matches!(
                    error.rustls_error(),
                    Some(rustls::Error::InvalidCertificate(
                        CertificateError::UnknownIssuer
                    ))
                ),
                "{error:?}"
            ),
            0 => assert!(
                error
                    .to_string()
                    .contains("no usable system root certificate"),
                "{error}"
            ),
            attempts => panic!("{attempts} connections: TLS errors are never retried"),
        }
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn wss_to_a_plain_server_fails_with_a_clear_tls_error() {
    bounded(async {
        // The plain mock, like Brayns (Poco), answers a request line that is not HTTP (here a
        // TLS ClientHello) with 400 at once, so the client fails on the TLS layer, promptly.
        let pki = Pki::new(&["localhost"]);
        let mock = MockServer::builder().start().await.unwrap();
        let proxy = CountingProxy::start(mock.addr()).await;
        let error = refused(connector(
            format!("wss://localhost:{}", proxy.port()),
            trust(&pki),
        ))
        .await;
        assert!(matches!(error, Error::Tls { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("TLS error with wss://localhost:"),
            "{error}"
        );
        assert_eq!(proxy.accepted(), 1, "not retried");
        // The plain mock keeps serving plain clients.
        let client = Connector::new(mock.uri()).connect().await.unwrap();
        assert_eq!(
            client.request("get-version", None).await.unwrap()["minor"],
            10
        );
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn ws_to_a_tls_server_fails_with_a_clear_protocol_error() {
    bounded(async {
        let pki = Pki::new(&["localhost"]);
        let (mock, proxy) = tls_mock(&pki).await;
        let error = refused(connector(
            format!("ws://localhost:{}", proxy.port()),
            Tls::None,
        ))
        .await;
        assert!(matches!(error, Error::Protocol(_)), "{error:?}");
        assert_eq!(proxy.accepted(), 1, "not retried");
        // The TLS mock still serves clients that speak TLS.
        let client = connector(format!("localhost:{}", proxy.port()), trust(&pki))
            .connect()
            .await
            .unwrap();
        assert_eq!(
            client.request("get-version", None).await.unwrap()["patch"],
            1
        );
        mock.stop().await;
    })
    .await;
}
