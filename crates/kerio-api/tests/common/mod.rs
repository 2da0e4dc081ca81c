//! Shared helpers of the integration tests: a private state directory per test, a running
//! emulator on loopback with ephemeral ports, clients that trust it, and the test-control API.
#![allow(dead_code)] // each test binary uses its own subset of the helpers

use kerio_api::{Client, ClientConfig, Secret, Trust};
use kerio_emulator::{Config, Running};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The admin that `Config::for_tests` creates.
pub const ADMIN: &str = "admin@example.com";
/// Its password.
pub const ADMIN_PASSWORD: &str = "Adm1n-Secret!";

/// A directory under the system temp dir, unique per test, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "kerio-api-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running emulator with its state directory (kept alive as long as the emulator).
pub struct Emulator {
    pub running: Running,
    pub dir: TempDir,
}

/// Starts an emulator with the test defaults.
pub fn emulator() -> Emulator {
    emulator_with(|_| {})
}

/// Starts an emulator with the test defaults changed by `adjust`.
pub fn emulator_with(adjust: impl FnOnce(&mut Config)) -> Emulator {
    let dir = TempDir::new();
    let running = start_in(dir.path(), adjust);
    Emulator { running, dir }
}

/// Starts an emulator on an existing state directory.
pub fn start_in(dir: &Path, adjust: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::for_tests(dir);
    adjust(&mut config);
    kerio_emulator::start(config).unwrap()
}

/// A client config for the emulator pinned to its certificate, with short test timeouts.
pub fn pinned_config(running: &Running) -> ClientConfig {
    let mut config = ClientConfig::new(running.admin_url());
    config.trust = Trust::Fingerprint(running.fingerprint_sha256());
    config.connect_timeout = Duration::from_secs(5);
    config.read_timeout = Duration::from_secs(10);
    config
}

/// A client pinned to the emulator's certificate, not logged in.
pub fn client(running: &Running) -> Client {
    Client::new(pinned_config(running)).unwrap()
}

/// A client logged in as the test admin.
pub fn admin_client(running: &Running) -> Client {
    let mut client = client(running);
    client.login(ADMIN, &Secret::new(ADMIN_PASSWORD)).unwrap();
    client
}

/// The id of a domain by name.
pub fn domain_id(client: &mut Client, name: &str) -> String {
    let domains = client.domains_get(&kerio_api::SearchQuery::all()).unwrap();
    domains
        .list
        .into_iter()
        .find(|d| d.name.as_deref() == Some(name))
        .and_then(|d| d.id)
        .unwrap_or_else(|| panic!("domain {name} not found"))
}

/// A new-user payload in `domain_id` with a password that meets the default policy.
pub fn new_user(domain_id: &str, login: &str, full_name: &str) -> kerio_api::User {
    kerio_api::User {
        domain_id: Some(domain_id.to_string()),
        login_name: Some(login.to_string()),
        full_name: Some(full_name.to_string()),
        password: Some(Secret::new("Mailbox-Pass-2024")),
        is_enabled: Some(true),
        auth_type: Some("UInternalAuth".to_string()),
        ..kerio_api::User::default()
    }
}

/// POSTs a JSON body to the emulator's test-control API (`/_emulator/<path>`), trusting its
/// certificate file, and returns the HTTP status.
pub fn control_post(running: &Running, path: &str, body: &serde_json::Value) -> u16 {
    let agent = ureq::AgentBuilder::new()
        .tls_config(ca_file_tls(&running.cert_file()))
        .build();
    let url = format!("{}{path}", running.control_url());
    let request = agent.post(&url).set("Content-Type", "application/json");
    match request.send_string(&body.to_string()) {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(status, response)) => {
            panic!(
                "control {path} answered {status}: {}",
                response.into_string().unwrap_or_default()
            )
        }
        Err(error) => panic!("control {path} failed: {error}"),
    }
}

/// How many times the emulator was asked `method` since it started (`GET /_emulator/stats`).
pub fn calls(running: &Running, method: &str) -> u64 {
    let agent = ureq::AgentBuilder::new()
        .tls_config(ca_file_tls(&running.cert_file()))
        .build();
    let url = format!("{}stats", running.control_url());
    let body = agent.get(&url).call().unwrap().into_string().unwrap();
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    stats["methods"][method].as_u64().unwrap_or(0)
}

/// A rustls config that trusts the certificates of a PEM file.
fn ca_file_tls(path: &Path) -> Arc<rustls::ClientConfig> {
    let pem = std::fs::read(path).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
