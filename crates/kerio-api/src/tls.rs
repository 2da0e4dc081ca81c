//! Building the rustls configuration for each trust mode, and recording the certificate the
//! server presented (even when it is rejected) so an admin can be shown the fingerprint to pin.

use crate::error::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How the client trusts the server certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// The operating system's CA store (falls back to the bundled Mozilla roots when it is empty).
    #[default]
    SystemRoots,
    /// Only CAs (or self-signed certificates) from this PEM file.
    CaFile(PathBuf),
    /// Exactly the certificate with this SHA-256 fingerprint (hex; colons and case ignored).
    Fingerprint(String),
    /// Any certificate. Only when explicitly asked for; never the default.
    Insecure,
}

/// The fingerprint of the last leaf certificate a server presented, shared with the verifier.
pub type PresentedFingerprint = Arc<Mutex<Option<String>>>;

/// The SHA-256 of a DER certificate as upper-case hex pairs joined by colons.
pub fn fingerprint_of(der: &[u8]) -> String {
    colon_hex(&Sha256::digest(der))
}

/// Normalises a user-supplied SHA-256 fingerprint: colons, spaces and case are ignored.
pub fn normalize_fingerprint(input: &str) -> Result<String, Error> {
    let hex_digits: String = input
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let bytes = hex::decode(&hex_digits)
        .ok()
        .filter(|bytes| bytes.len() == 32);
    bytes.map(|bytes| colon_hex(&bytes)).ok_or_else(|| {
        Error::Config(format!(
            "the TLS fingerprint must be a SHA-256 hash: 64 hex digits, colons optional \
             (got {} characters that are not that)",
            input.len()
        ))
    })
}

fn colon_hex(bytes: &[u8]) -> String {
    let pairs: Vec<String> = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    pairs.join(":")
}

/// Builds the rustls client configuration for `trust`; the verifier writes each presented leaf
/// certificate's fingerprint into `presented`.
pub fn client_config(
    trust: &Trust,
    presented: PresentedFingerprint,
) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let policy = match trust {
        Trust::SystemRoots => Policy::WebPki(webpki_verifier(system_roots(), &provider)?),
        Trust::CaFile(path) => Policy::WebPki(webpki_verifier(ca_file_roots(path)?, &provider)?),
        Trust::Fingerprint(fingerprint) => Policy::Pinned(normalize_fingerprint(fingerprint)?),
        Trust::Insecure => Policy::AcceptAny,
    };
    let verifier = RecordingVerifier {
        policy,
        presented,
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS set-up failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn webpki_verifier(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, Error> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Error::Config(format!("cannot use the trusted certificates: {e}")))
}

/// The OS CA store, or the bundled Mozilla roots when the OS store yields nothing.
fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

/// The certificates of a PEM file as trust anchors.
fn ca_file_roots(path: &Path) -> Result<RootCertStore, Error> {
    let unreadable = |e: std::io::Error| {
        Error::Config(format!(
            "cannot read the CA file {}: {e}; give the path of a PEM file with the CA \
             (or self-signed) certificate",
            path.display()
        ))
    };
    let file = File::open(path).map_err(unreadable)?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::Config(format!(
            "the CA file {} holds no usable PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(roots)
}

/// What the verifier accepts.
#[derive(Debug)]
enum Policy {
    WebPki(Arc<WebPkiServerVerifier>),
    Pinned(String),
    AcceptAny,
}

/// A verifier that records the presented leaf certificate's fingerprint, then applies `policy`.
/// Handshake signatures are always checked with the ring provider.
#[derive(Debug)]
struct RecordingVerifier {
    policy: Policy,
    presented: PresentedFingerprint,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = fingerprint_of(end_entity);
        *self.presented.lock().unwrap_or_else(|e| e.into_inner()) = Some(fingerprint.clone());
        match &self.policy {
            Policy::WebPki(verifier) => verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            Policy::Pinned(expected) if *expected == fingerprint => {
                Ok(ServerCertVerified::assertion())
            }
            Policy::Pinned(_) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
            Policy::AcceptAny => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPPER: &str = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";

    #[test]
    fn fingerprint_accepted_with_or_without_colons_in_any_case() {
        let bare = UPPER.replace(':', "").to_lowercase();
        assert_eq!(normalize_fingerprint(&bare).unwrap(), UPPER);
        assert_eq!(normalize_fingerprint(&UPPER.to_lowercase()).unwrap(), UPPER);
        assert_eq!(
            normalize_fingerprint(&format!("  {UPPER}\n")).unwrap(),
            UPPER
        );
    }

    #[test]
    fn wrong_fingerprints_are_config_errors() {
        for bad in [
            "",
            "AB:CD",
            &UPPER.replace('A', "G"),
            &format!("{UPPER}:00"),
        ] {
            let error = normalize_fingerprint(bad).unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{bad}");
            assert!(error.to_string().contains("64 hex digits"));
        }
    }

    #[test]
    fn fingerprint_of_is_sha256_upper_colon_hex() {
        // SHA-256 of the empty input.
        assert_eq!(
            fingerprint_of(b""),
            "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        );
    }

    #[test]
    fn missing_ca_file_is_a_config_error_naming_the_path() {
        let error = client_config(
            &Trust::CaFile(PathBuf::from("/nonexistent/kerio-ca.pem")),
            PresentedFingerprint::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::Config(text) if text.contains("/nonexistent/kerio-ca.pem"))
        );
    }

    #[test]
    fn ca_file_without_certificates_is_a_config_error() {
        let path =
            std::env::temp_dir().join(format!("kerio-api-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = client_config(
            &Trust::CaFile(path.clone()),
            PresentedFingerprint::default(),
        )
        .unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(&error, Error::Config(text) if text.contains("no usable PEM certificate"))
        );
    }
}
