//! A rogue server that presents the pinned certificate without holding its private key (it
//! signs the handshake with another key) is refused in TLS 1.3 and in TLS 1.2: pinning checks
//! the certificate's fingerprint *and* the handshake signature made with its key. The admin
//! password never reaches the rogue server.

use kerio_api::{fingerprint_of, Client, ClientConfig, Error, Secret, TlsError, Trust};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, ServerConnection, StreamOwned, SupportedProtocolVersion};
use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Always presents `key`: the pinned certificate with a signing key that is not its own.
#[derive(Debug)]
struct Impostor {
    key: Arc<CertifiedKey>,
}

impl ResolvesServerCert for Impostor {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.key.clone())
    }
}

/// The genuine certificate (whose fingerprint the client pins) and an impostor's signing key.
fn certificate_and_foreign_key() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let genuine_key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let certificate = params.self_signed(&genuine_key).unwrap();
    let foreign_key = rcgen::KeyPair::generate().unwrap();
    let foreign = PrivatePkcs8KeyDer::from(foreign_key.serialize_der());
    (certificate.der().clone(), PrivateKeyDer::Pkcs8(foreign))
}

/// Serves one connection with `version` only; returns the port and a handle that yields how
/// many bytes of application data (an HTTP request) arrived.
fn rogue_server(
    version: &'static SupportedProtocolVersion,
    certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (u16, thread::JoinHandle<usize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = provider.key_provider.load_private_key(key).unwrap();
    let impostor = Impostor {
        key: Arc::new(CertifiedKey::new(vec![certificate], signing_key)),
    };
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(impostor));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let connection = ServerConnection::new(Arc::new(config)).unwrap();
        let mut stream = StreamOwned::new(connection, socket);
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        received.len()
    });
    (port, handle)
}

/// Logs in to a rogue server speaking `version` with the genuine certificate pinned.
fn login_to_rogue(version: &'static SupportedProtocolVersion) -> (Result<(), Error>, usize) {
    let (certificate, foreign_key) = certificate_and_foreign_key();
    let pinned = fingerprint_of(&certificate);
    let (port, server) = rogue_server(version, certificate, foreign_key);
    let mut config = ClientConfig::new(format!("https://127.0.0.1:{port}/admin/api/jsonrpc/"));
    config.trust = Trust::Fingerprint(pinned);
    config.connect_timeout = Duration::from_secs(5);
    config.read_timeout = Duration::from_secs(5);
    let mut client = Client::new(config).unwrap();
    let outcome = client.login("admin@example.com", &Secret::new("Adm1n-Secret!"));
    drop(client);
    (outcome, server.join().unwrap())
}

/// Checks the login was refused as a TLS failure and no request reached the server.
fn assert_refused(outcome: Result<(), Error>, received: usize) {
    match outcome {
        Err(Error::Tls(TlsError::Other(detail))) => {
            assert!(detail.contains("private key"), "{detail}");
            assert!(!detail.contains("Adm1n-Secret!"), "{detail}");
        }
        other => panic!("the rogue server was not refused as TLS: {other:?}"),
    }
    assert_eq!(received, 0, "the rogue server received a request");
}

#[test]
fn tls13_handshake_signed_without_the_pinned_key_is_refused() {
    let (outcome, received) = login_to_rogue(&rustls::version::TLS13);
    assert_refused(outcome, received);
}

#[test]
fn tls12_handshake_signed_without_the_pinned_key_is_refused() {
    let (outcome, received) = login_to_rogue(&rustls::version::TLS12);
    assert_refused(outcome, received);
}
