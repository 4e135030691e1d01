//! TLS settings and the rustls client configuration built from them.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{Error, Result};

/// Which certificate authorities to trust for `wss://`.
///
/// Hostnames are always checked against the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tls {
    /// Plain `ws://`, no TLS.
    #[default]
    None,
    /// TLS trusting the operating system's root certificates.
    SystemRoots,
    /// TLS trusting the CA certificate(s) in this PEM file (a self-signed server certificate
    /// works too).
    CustomCaFile(PathBuf),
    /// TLS trusting the CA certificate(s) in these PEM bytes.
    CustomCaPem(Vec<u8>),
}

impl Tls {
    /// Whether this setting uses TLS at all.
    pub fn is_enabled(&self) -> bool {
        !matches!(self, Tls::None)
    }
}

/// Builds the rustls configuration, with the `ring` provider chosen explicitly (never the
/// process-level default, which may be unset or different).
pub(crate) async fn client_config(tls: &Tls) -> Result<Option<Arc<rustls::ClientConfig>>> {
    let roots = match tls {
        Tls::None => return Ok(None),
        Tls::SystemRoots => system_roots()?,
        Tls::CustomCaFile(path) => {
            let pem = tokio::fs::read(path).await.map_err(|error| Error::Tls {
                uri: path.display().to_string(),
                message: format!("cannot read the CA file: {error}"),
                source: Some(Box::new(error)),
            })?;
            roots_from_pem(&pem, &path.display().to_string())?
        }
        Tls::CustomCaPem(pem) => roots_from_pem(pem, "CA PEM bytes")?,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| tls_error("rustls", "no usable protocol version", error))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

fn roots_from_pem(pem: &[u8], origin: &str) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        let certificate =
            certificate.map_err(|error| tls_error(origin, "invalid PEM certificate", error))?;
        roots
            .add(certificate)
            .map_err(|error| tls_error(origin, "unusable CA certificate", error))?;
    }
    if roots.is_empty() {
        return Err(Error::Tls {
            uri: origin.to_owned(),
            message: "no certificate found in the PEM data".to_owned(),
            source: None,
        });
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let detail = found
            .errors
            .first()
            .map(|error| format!(": {error}"))
            .unwrap_or_default();
        return Err(Error::Tls {
            uri: "system roots".to_owned(),
            message: format!("no usable system root certificate{detail}"),
            source: None,
        });
    }
    Ok(roots)
}

fn tls_error(
    origin: &str,
    message: &str,
    error: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Tls {
        uri: origin.to_owned(),
        message: format!("{message}: {error}"),
        source: Some(Box::new(error)),
    }
}
