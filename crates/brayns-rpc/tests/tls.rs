//! TLS with certificates made by rcgen: custom CA trusted, untrusted, hostname mismatch, expired.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use brayns_rpc::{Connector, Error, Tls};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::CertificateError;
use support::{Server, bounded, http_responder};

/// A CA and a server certificate it signed.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn make_pki(server_names: &[&str], expired: bool) -> Pki {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("brayns-rpc test CA {serial}"));
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut params = CertificateParams::new(
        server_names
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

async fn tls_server(pki: &Pki) -> Server {
    Server::start_tls(&pki.cert_pem, &pki.key_pem, |conn| conn.echo()).await
}

fn connector(uri: String, ca_pem: &str) -> Connector {
    Connector::new(uri)
        .tls(Tls::CustomCaPem(ca_pem.as_bytes().to_vec()))
        .max_attempts(Some(5))
        .attempt_period(Duration::from_millis(10))
}

#[tokio::test]
async fn custom_ca_pem_is_trusted() {
    bounded(async {
        let pki = make_pki(&["localhost"], false);
        let server = tls_server(&pki).await;
        let client = connector(format!("localhost:{}", server.addr.port()), &pki.ca_pem)
            .connect()
            .await
            .unwrap();
        assert!(client.uri().starts_with("wss://localhost:"));
        assert_eq!(client.request("m", None).await.unwrap()["method"], "m");
        // An explicit wss:// URL works the same.
        let client = connector(
            format!("wss://localhost:{}/", server.addr.port()),
            &pki.ca_pem,
        )
        .connect()
        .await
        .unwrap();
        client.request("m", None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn custom_ca_file_is_trusted() {
    bounded(async {
        let pki = make_pki(&["localhost", "127.0.0.1"], false);
        let server = tls_server(&pki).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, &pki.ca_pem).unwrap();
        let client = Connector::new(format!("wss://localhost:{}", server.addr.port()))
            .tls(Tls::CustomCaFile(path))
            .connect()
            .await
            .unwrap();
        client.request("m", None).await.unwrap();

        let missing = Connector::new(format!("wss://localhost:{}", server.addr.port()))
            .tls(Tls::CustomCaFile(dir.path().join("missing.pem")))
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::Tls { .. }), "{missing:?}");
    })
    .await;
}

#[tokio::test]
async fn untrusted_certificate_is_rejected_without_retry() {
    bounded(async {
        let pki = make_pki(&["localhost"], false);
        let other = make_pki(&["localhost"], false);
        let server = tls_server(&pki).await;
        let error = connector(format!("localhost:{}", server.addr.port()), &other.ca_pem)
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error.rustls_error(),
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer
                ))
            ),
            "{error:?}"
        );
        assert_eq!(server.connections(), 1, "TLS errors are not retried");
    })
    .await;
}

#[tokio::test]
async fn hostname_mismatch_is_rejected() {
    bounded(async {
        let pki = make_pki(&["brayns.example.org"], false);
        let server = tls_server(&pki).await;
        let error = connector(format!("localhost:{}", server.addr.port()), &pki.ca_pem)
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error.rustls_error(),
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                ))
            ),
            "{error:?}"
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn expired_certificate_is_rejected() {
    bounded(async {
        let pki = make_pki(&["localhost"], true);
        let server = tls_server(&pki).await;
        let error = connector(format!("localhost:{}", server.addr.port()), &pki.ca_pem)
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error.rustls_error(),
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. }
                ))
            ),
            "{error:?}"
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn tls_to_a_plain_server_fails_at_once() {
    bounded(async {
        // A plain Brayns (Poco) answers the ClientHello, which is no HTTP request, with 400:
        // bytes that are not TLS.
        let pki = make_pki(&["localhost"], false);
        let (addr, accepted, _listener) =
            http_responder("HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request")
                .await;
        let error = connector(format!("wss://localhost:{}", addr.port()), &pki.ca_pem)
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Tls { .. }), "{error:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "not retried");
    })
    .await;
}

#[tokio::test]
async fn tls_to_a_server_that_closes_without_a_word_is_retried() {
    bounded(async {
        // tungstenite's server drops a connection whose request is not HTTP without answering.
        // No byte came back: nothing tells that server from one that is busy or restarting, so
        // the attempt counts as unavailable, and the final error says what it may mean.
        let pki = make_pki(&["localhost"], false);
        let server = Server::start(|conn| conn.echo()).await;
        let error = connector(
            format!("wss://localhost:{}", server.addr.port()),
            &pki.ca_pem,
        )
        .max_attempts(Some(2))
        .connect()
        .await
        .unwrap_err();
        assert!(
            matches!(error, Error::Connect { attempts: 2, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("not a TLS server?"), "{error}");
        assert_eq!(server.connections(), 2);
    })
    .await;
}

#[tokio::test]
async fn pem_without_certificates_is_a_tls_error() {
    bounded(async {
        let error = Connector::new("localhost:1")
            .tls(Tls::CustomCaPem(b"not a pem".to_vec()))
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn connections_closed_before_the_tls_handshake_are_retried_as_unavailable() {
    bounded(async {
        // A TLS server with a full queue, or restarting: it accepts TCP, then closes or resets
        // it before sending a byte of its handshake. No TLS was spoken, so nothing is wrong
        // with TLS: the service is unavailable, and the attempt is retried.
        let pki = make_pki(&["localhost"], false);
        let tls = Some((pki.cert_pem.as_str(), pki.key_pem.as_str()));
        let server = Server::start_closing_first(2, tls, |conn| conn.echo()).await;
        let client = connector(format!("localhost:{}", server.addr.port()), &pki.ca_pem)
            .connect()
            .await
            .expect("the third attempt gets in");
        assert_eq!(client.request("m", None).await.unwrap()["method"], "m");
        assert_eq!(server.connections(), 3);

        let server = Server::start_closing_first(1, tls, |conn| conn.echo()).await;
        let error = connector(format!("localhost:{}", server.addr.port()), &pki.ca_pem)
            .max_attempts(Some(1))
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Connect { attempts: 1, .. }),
            "{error:?}"
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}
