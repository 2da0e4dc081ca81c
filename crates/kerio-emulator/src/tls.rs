//! The emulator's TLS identity: a self-signed certificate generated on first start and kept in
//! the state directory (`cert.pem`, `key.pem`), like Kerio Connect's own default certificate.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};

use crate::state::io_error;

/// Certificate file name in the state directory.
pub const CERT_FILE: &str = "cert.pem";
/// Private key file name in the state directory (mode 0600).
pub const KEY_FILE: &str = "key.pem";
/// The host names the certificate was issued for, one per line.
const HOSTS_FILE: &str = "cert-hosts.txt";

/// The certificate file, its fingerprint and the rustls server configuration.
pub struct Identity {
    /// Path of `cert.pem`.
    pub cert_file: PathBuf,
    /// SHA-256 of the DER certificate, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Ready-to-use server configuration (ring provider).
    pub server_config: Arc<ServerConfig>,
}

/// SHA-256 fingerprint of a DER certificate, upper-case hex pairs separated by colons.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The subject alternative names: localhost, 127.0.0.1, ::1 and the extra host names.
fn wanted_hosts(hostnames: &[String]) -> Vec<String> {
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    for name in hostnames {
        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            hosts.push(name.to_string());
        }
    }
    hosts
}

/// Loads the certificate from `dir`, generating a new one when none exists or when a requested
/// host name is not covered by the existing one (which changes the fingerprint).
pub fn load_or_create(dir: &Path, hostnames: &[String]) -> io::Result<Identity> {
    let hosts = wanted_hosts(hostnames);
    let cert_file = dir.join(CERT_FILE);
    let key_file = dir.join(KEY_FILE);
    if !cert_file.exists() || !key_file.exists() || !covers(dir, &hosts) {
        generate(dir, &hosts)?;
    }
    let certs = read_certs(&cert_file)?;
    let key = read_key(&key_file)?;
    let leaf = certs
        .first()
        .ok_or_else(|| io_error(format!("{} holds no certificate", cert_file.display())))?;
    let fingerprint_sha256 = fingerprint(leaf.as_ref());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io_error)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(io_error)?;
    Ok(Identity {
        cert_file,
        fingerprint_sha256,
        server_config: Arc::new(server_config),
    })
}

fn covers(dir: &Path, hosts: &[String]) -> bool {
    let Ok(text) = fs::read_to_string(dir.join(HOSTS_FILE)) else {
        return false;
    };
    let existing: Vec<&str> = text.lines().collect();
    hosts
        .iter()
        .all(|h| existing.iter().any(|e| e.eq_ignore_ascii_case(h)))
}

fn generate(dir: &Path, hosts: &[String]) -> io::Result<()> {
    let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(io_error)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Kerio Connect emulator");
    let key_pair = rcgen::KeyPair::generate().map_err(io_error)?;
    let cert = params.self_signed(&key_pair).map_err(io_error)?;
    write_private(&dir.join(KEY_FILE), key_pair.serialize_pem().as_bytes())?;
    fs::write(dir.join(CERT_FILE), cert.pem())?;
    fs::write(dir.join(HOSTS_FILE), hosts.join("\n"))?;
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

fn read_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let mut reader = io::BufReader::new(fs::File::open(path)?);
    rustls_pemfile::certs(&mut reader).collect()
}

fn read_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    let mut reader = io::BufReader::new(fs::File::open(path)?);
    rustls_pemfile::private_key(&mut reader)?
        .ok_or_else(|| io_error(format!("{} holds no private key", path.display())))
}
