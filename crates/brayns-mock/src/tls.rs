//! Reading the server's private key as Brayns does with `--private-key-file` and
//! `--private-key-passphrase` (`Poco::Crypto::EVPPKey` in `brayns/network/socket/ServerSocket.cpp`,
//! which hands both to OpenSSL's `PEM_read_PrivateKey`).

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

const ENCRYPTED_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";

/// The first private key of a PEM file. An encrypted PKCS#8 key is decrypted with `passphrase`;
/// a plain key ignores it, as OpenSSL only asks for a passphrase when the key needs one.
pub(crate) fn private_key(
    pem: &[u8],
    passphrase: Option<&str>,
) -> Result<PrivateKeyDer<'static>, String> {
    let text = String::from_utf8_lossy(pem);
    if let Some(start) = text.find(ENCRYPTED_BEGIN) {
        let end = text[start..]
            .find(ENCRYPTED_END)
            .map(|end| start + end + ENCRYPTED_END.len())
            .ok_or("invalid private key: unterminated ENCRYPTED PRIVATE KEY block")?;
        return decrypt(&text[start..end], passphrase);
    }
    // The legacy OpenSSL form (`Proc-Type: 4,ENCRYPTED` inside `BEGIN RSA PRIVATE KEY`) uses a
    // key derivation of its own that the mock does not implement: say so instead of failing
    // on the base64 of the encrypted bytes.
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(
            "invalid private key: legacy OpenSSL encrypted PEM is not supported by \
                    brayns-mock; convert it with `openssl pkcs8 -topk8 -v2 aes256`"
                .to_owned(),
        );
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|error| format!("invalid private key: {error}"))
}

fn decrypt(block: &str, passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let (_, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
        .map_err(|error| format!("invalid private key: {error}"))?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
        .map_err(|error| format!("invalid private key: {error}"))?;
    // Without a passphrase OpenSSL's callback answers an empty one, which fails to decrypt.
    let decrypted =
        encrypted
            .decrypt(passphrase.unwrap_or_default())
            .map_err(|error| match error {
                // A wrong key fails the padding check, or (rarely) passes it and yields bytes that
                // are not DER.
                pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed)
                | pkcs8::Error::Asn1(_) => {
                    "cannot decrypt the private key: wrong or missing passphrase".to_owned()
                }
                // PBES1, PBKDF2 with HMAC-SHA1 and the like: readable by OpenSSL, not by the mock.
                other => format!(
                    "cannot decrypt the private key: {other} (brayns-mock reads PBES2 with \
                 PBKDF2-HMAC-SHA256 or scrypt, and AES-CBC or 3DES)"
                ),
            })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        decrypted.as_bytes().to_vec(),
    )))
}
