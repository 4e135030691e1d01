//! `--ca-file` and `--secure` against the mock serving `wss://` with a self-signed
//! certificate made here.

mod common;

use brayns_mock::MockServer;
use common::{expect_code, json, mock_with, run, stderr};

#[test]
fn ca_file_trusts_the_servers_certificate_and_secure_alone_does_not() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let mock = mock_with(MockServer::builder().tls(
        certified.cert.pem().into_bytes(),
        certified.signing_key.serialize_pem().into_bytes(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, certified.cert.pem()).unwrap();
    let uri = format!("localhost:{}", mock.addr().port());

    let trusted = run(&uri, &["--ca-file", ca.to_str().unwrap(), "version"]);
    assert_eq!(json(&trusted)["instance"]["major"], 3);

    // The system's roots do not know this certificate: a TLS error, a connection failure.
    let untrusted = run(&uri, &["--secure", "version"]);
    expect_code(&untrusted, 3);
    assert!(
        stderr(&untrusted).contains("TLS error"),
        "{}",
        stderr(&untrusted)
    );

    // Plain websocket to a TLS port: the upgrade gets no HTTP answer.
    expect_code(&run(&uri, &["version"]), 3);

    // An unreadable CA file is reported with its path.
    let missing = run(&uri, &["--ca-file", "/nonexistent/ca.pem", "version"]);
    expect_code(&missing, 3);
    assert!(
        stderr(&missing).contains("/nonexistent/ca.pem"),
        "{}",
        stderr(&missing)
    );
}
