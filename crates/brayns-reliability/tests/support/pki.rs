//! Certificates made in the test with rcgen: a CA and a server certificate it signed.

use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A fresh certificate authority and one server certificate signed by it, all PEM.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The CA certificate, to trust on the client side.
    pub ca_pem: String,
    /// The server certificate.
    pub cert_pem: String,
    /// The server certificate's private key.
    pub key_pem: String,
}

impl Pki {
    /// A CA and a certificate for `server_names`, valid now.
    pub fn new(server_names: &[&str]) -> Pki {
        Pki::build(server_names, false)
    }

    /// A CA and a certificate for `server_names` that expired in 2001.
    pub fn expired(server_names: &[&str]) -> Pki {
        Pki::build(server_names, true)
    }

    fn build(server_names: &[&str], expired: bool) -> Pki {
        // Distinct CA names: a stranger CA with the same name would be found as the issuer and
        // fail on the signature instead of being unknown.
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("no names");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(
            DnType::CommonName,
            format!("brayns reliability test CA {}-{serial}", std::process::id()),
        );
        let ca_key = KeyPair::generate().expect("ring generates keys");
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-signed CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let names = server_names
            .iter()
            .map(|name| name.to_string())
            .collect::<Vec<_>>();
        let mut params = CertificateParams::new(names).expect("valid server names");
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().expect("ring generates keys");
        let cert = params.signed_by(&key, &issuer).expect("CA signs");
        Pki {
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}
