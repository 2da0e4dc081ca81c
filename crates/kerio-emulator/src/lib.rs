//! A faithful emulator of Kerio Connect 10 for tests and demos: the administration JSON-RPC API
//! (`/admin/api/jsonrpc/`, sessions, Domains, Users, Server, Version and the monitoring methods),
//! the administration and webmail form logins (`/admin/login/dologin`,
//! `/webmail/login/dologin`), Kerio's IMAP (`imap`, messages in [`mailstore`]) and a loopback-only test-control API (`/_emulator/*`).
//!
//! Layout (one obvious home per fidelity fix): [`state`] holds domains, users, mailboxes,
//! address holders and sessions (SQLite write-through); `rpc` is the JSON-RPC envelope, dispatch
//! and the role × domain check; `session`, `domains`, `users`, `server`, `monitoring` handle
//! Kerio interfaces; `query` is the SearchQuery engine; [`errors`] is the error catalogue;
//! `policy` holds the login-name and password rules; `webmail`, `admin_web`, `control` and
//! `faults` are the other surfaces; `http` is the HTTP layer (hyper); `tls` makes the
//! self-signed certificate. Behaviour that is an emulator choice rather than a verified Kerio
//! fact is marked [I] in docs/emulator.md.

#![warn(missing_docs)]

pub mod errors;
pub mod state;

mod admin_web;
mod batch;
mod control;
mod domains;
mod faults;
mod http;
mod imap;
pub mod latency;
pub mod mailstore;
mod monitoring;
mod policy;
mod query;
mod rpc;
mod server;
mod session;
mod tls;
mod users;
pub mod version;
mod webmail;

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use state::{Lockout, PasswordHash, Role, Sessions, SizeUnits, Store, User, ROLES};

/// An administrator account to create at start if missing (Debug hides the password).
#[derive(Clone, PartialEq, Eq)]
pub struct AdminSpec {
    /// Login name (local part).
    pub login: String,
    /// Domain name; created if missing.
    pub domain: String,
    /// Password (used only when the account is created).
    pub password: String,
    /// `FullAdmin` (default), `AccountAdmin`, `Auditor` or `UserRole`.
    pub role: String,
}

impl std::fmt::Debug for AdminSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSpec")
            .field("login", &self.login)
            .field("domain", &self.domain)
            .field("password", &"********")
            .field("role", &self.role)
            .finish()
    }
}

impl AdminSpec {
    /// Parses `LOGIN@DOMAIN:PASSWORD` (the password may contain `:`) as a FullAdmin.
    pub fn parse(text: &str) -> Result<AdminSpec, String> {
        let (address, password) = text
            .split_once(':')
            .ok_or("expected LOGIN@DOMAIN:PASSWORD (missing ':PASSWORD')")?;
        let (login, domain) = address
            .split_once('@')
            .ok_or("expected LOGIN@DOMAIN:PASSWORD (missing '@DOMAIN')")?;
        if login.is_empty() || domain.is_empty() || password.is_empty() {
            return Err("expected LOGIN@DOMAIN:PASSWORD with all three parts non-empty".into());
        }
        Ok(AdminSpec {
            login: login.to_string(),
            domain: domain.to_string(),
            password: password.to_string(),
            role: "FullAdmin".to_string(),
        })
    }
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory for the SQLite database and the certificate.
    pub state_dir: PathBuf,
    /// Address of the admin API (and `/_emulator/`); port 0 = ephemeral.
    pub admin_listen: SocketAddr,
    /// Address of the webmail (client) listener; port 0 = ephemeral.
    pub client_listen: SocketAddr,
    /// Address of the IMAP listener (implicit TLS unless `plain`); port 0 = ephemeral.
    pub imap_listen: SocketAddr,
    /// Administrators created when missing (existing accounts are left alone).
    pub admins: Vec<AdminSpec>,
    /// Domains created when missing; on an empty state the first one becomes primary.
    pub domains: Vec<String>,
    /// Serve plain HTTP instead of HTTPS.
    pub plain: bool,
    /// Licence limit on active (enabled) users, server-wide; None = unlimited.
    pub license_users: Option<u32>,
    /// Extra host names for the certificate.
    pub hostnames: Vec<String>,
    /// Idle time after which a session expires (default 1800 s).
    pub session_idle_secs: u64,
    /// Failed logins within a minute from one address that block it for a minute (default 10).
    pub lockout_failures: u32,
    /// Simulated network distance of both listeners (default none: loopback).
    pub latency: latency::Latency,
    /// How reported sizes are expressed (default exact; see [`state::SizeUnits`]).
    pub size_units: SizeUnits,
    /// Whether the webmail form login requires the CSRF token of its login page (default off).
    pub webmail_csrf: bool,
    /// The Kerio Connect version modelled (default the newest).
    pub kerio_version: version::KerioVersion,
}

impl Config {
    /// Loopback ephemeral ports, admin `admin@example.com` / `Adm1n-Secret!` (FullAdmin),
    /// domains example.com (primary) and example.org, TLS on, no licence limit.
    pub fn for_tests(state_dir: impl Into<PathBuf>) -> Config {
        let loopback: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        Config {
            state_dir: state_dir.into(),
            admin_listen: loopback,
            client_listen: loopback,
            imap_listen: loopback,
            admins: vec![AdminSpec {
                login: "admin".to_string(),
                domain: "example.com".to_string(),
                password: "Adm1n-Secret!".to_string(),
                role: "FullAdmin".to_string(),
            }],
            domains: vec!["example.com".to_string(), "example.org".to_string()],
            plain: false,
            license_users: None,
            hostnames: Vec::new(),
            session_idle_secs: 1800,
            lockout_failures: 10,
            latency: latency::Latency::default(),
            size_units: size_units_from_env(),
            webmail_csrf: false,
            kerio_version: version::KerioVersion::default(),
        }
    }
}

/// Environment variable that sets [`Config::size_units`] for [`Config::for_tests`] (and the
/// binary's `--size-units`), so a client's whole test suite can run under each unit choice.
pub const SIZE_UNITS_ENV: &str = "KERIO_EMULATOR_SIZE_UNITS";

/// The unit choice named by [`SIZE_UNITS_ENV`]; exact when unset. An unknown name stops the
/// test run at once rather than silently testing the default.
fn size_units_from_env() -> SizeUnits {
    match std::env::var(SIZE_UNITS_ENV) {
        Ok(name) => {
            SizeUnits::parse(&name).unwrap_or_else(|error| panic!("{SIZE_UNITS_ENV}: {error}"))
        }
        Err(_) => SizeUnits::Exact,
    }
}

/// Settings the request handlers need.
pub(crate) struct Settings {
    pub plain: bool,
    pub license_users: Option<u32>,
    pub session_idle: Duration,
    pub lockout_failures: u32,
    /// When the emulator started (Unix seconds), for `Statistics.get`.
    pub started_at: i64,
    /// How reported sizes are expressed.
    pub size_units: SizeUnits,
    /// The Kerio Connect version modelled.
    pub kerio_version: version::KerioVersion,
}

/// The shared state of one running emulator.
pub(crate) struct Emulator {
    pub settings: Settings,
    pub store: Mutex<Store>,
    pub sessions: Mutex<Sessions>,
    pub lockout: Mutex<Lockout>,
    pub faults: Mutex<faults::Faults>,
    /// Whether the webmail form login needs its CSRF token (switchable by the control API).
    pub webmail_csrf: AtomicBool,
    pub stats: Mutex<control::Stats>,
    /// The folders and messages of the mailboxes (IMAP).
    pub mail: Mutex<mailstore::MailStore>,
}

/// Locks a mutex, continuing with the data if another thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running emulator; stops on [`Running::stop`] or drop.
pub struct Running {
    admin: http::Server,
    client: http::Server,
    imap: http::Server,
    plain: bool,
    cert_file: PathBuf,
    fingerprint_sha256: String,
}

impl Running {
    fn base_url(&self, server: &http::Server) -> String {
        let scheme = if self.plain { "http" } else { "https" };
        format!("{scheme}://{}", http::reachable(server.local_addr()))
    }

    /// `https://127.0.0.1:P/admin/api/jsonrpc/` (http with `plain`).
    pub fn admin_url(&self) -> String {
        format!("{}/admin/api/jsonrpc/", self.base_url(&self.admin))
    }

    /// `https://127.0.0.1:Q/webmail/`.
    pub fn webmail_url(&self) -> String {
        format!("{}/webmail/", self.base_url(&self.client))
    }

    /// `https://127.0.0.1:P/_emulator/` (test control, loopback clients only).
    pub fn control_url(&self) -> String {
        format!("{}/_emulator/", self.base_url(&self.admin))
    }

    /// `imaps://127.0.0.1:R` (`imap://` with `plain`): Kerio's IMAP, implicit TLS.
    pub fn imaps_url(&self) -> String {
        let scheme = if self.plain { "imap" } else { "imaps" };
        format!("{scheme}://{}", http::reachable(self.imap.local_addr()))
    }

    /// The PEM certificate the listeners present.
    pub fn cert_file(&self) -> PathBuf {
        self.cert_file.clone()
    }

    /// SHA-256 fingerprint of the certificate, upper-case hex with colons.
    pub fn fingerprint_sha256(&self) -> String {
        self.fingerprint_sha256.clone()
    }

    /// Stops both listeners and closes open connections.
    pub fn stop(self) {}
}

impl Drop for Running {
    fn drop(&mut self) {
        self.admin.stop();
        self.client.stop();
        self.imap.stop();
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Creates the configured domains and admins that are missing; existing ones are left alone
/// (a password given again does not reset an existing admin).
fn bootstrap(store: &mut Store, config: &Config) -> io::Result<()> {
    for name in &config.domains {
        policy::check_domain_name(name).map_err(invalid_input)?;
        store.ensure_domain(name)?;
    }
    for admin in &config.admins {
        if !ROLES.contains(&admin.role.as_str()) {
            return Err(invalid_input(format!(
                "unknown role {:?} for admin {}@{}: use one of {}",
                admin.role,
                admin.login,
                admin.domain,
                ROLES.join(", ")
            )));
        }
        policy::check_domain_name(&admin.domain).map_err(invalid_input)?;
        policy::check_login_name(&admin.login)
            .map_err(|e| invalid_input(format!("admin {}: {}", admin.login, e.filled())))?;
        let domain_id = store.ensure_domain(&admin.domain)?;
        if store.user_by_login(&domain_id, &admin.login).is_some() {
            continue;
        }
        let Some(domain) = store.domain(&domain_id).cloned() else {
            continue;
        };
        let mut user = User::new(&domain, &admin.login, &admin.password);
        user.role = Role::plain(&admin.role);
        user.password = PasswordHash::new(&admin.password);
        store.insert_user(user)?;
    }
    Ok(())
}

/// Starts the emulator; returns once both listeners are bound.
pub fn start(config: Config) -> io::Result<Running> {
    let mut store = Store::open(&config.state_dir)?;
    bootstrap(&mut store, &config)?;
    let identity = tls::load_or_create(&config.state_dir, &config.hostnames)?;
    let emulator = Arc::new(Emulator {
        settings: Settings {
            plain: config.plain,
            license_users: config.license_users,
            session_idle: Duration::from_secs(config.session_idle_secs),
            lockout_failures: config.lockout_failures,
            started_at: state::unix_now(),
            size_units: config.size_units,
            kerio_version: config.kerio_version,
        },
        store: Mutex::new(store),
        sessions: Mutex::new(Sessions::default()),
        lockout: Mutex::new(Lockout::default()),
        faults: Mutex::new(faults::Faults::default()),
        webmail_csrf: AtomicBool::new(config.webmail_csrf),
        stats: Mutex::new(control::Stats::default()),
        mail: Mutex::new(mailstore::MailStore::open(
            &config.state_dir,
            state::DATABASE_FILE,
        )?),
    });
    let tls_config = (!config.plain).then(|| identity.server_config.clone());
    let admin_handler: http::Handler = {
        let emulator = emulator.clone();
        Arc::new(move |request| route_admin(&emulator, request))
    };
    let client_handler: http::Handler = {
        let emulator = emulator.clone();
        Arc::new(move |request| webmail::handle(&emulator, request))
    };
    let admin = http::Server::start(
        config.admin_listen,
        tls_config.clone(),
        config.latency,
        admin_handler,
    )?;
    let client = http::Server::start(
        config.client_listen,
        tls_config.clone(),
        config.latency,
        client_handler,
    )?;
    let imap = imap::start(config.imap_listen, tls_config, config.latency, emulator)?;
    Ok(Running {
        admin,
        client,
        imap,
        plain: config.plain,
        cert_file: identity.cert_file,
        fingerprint_sha256: identity.fingerprint_sha256,
    })
}

/// Routes the admin listener: the JSON-RPC endpoint (with or without the trailing slash, as
/// real servers answer both) and the test-control API.
fn route_admin(emulator: &Emulator, request: &http::Request) -> http::Reply {
    const ENDPOINT: &str = "/admin/api/jsonrpc";
    if request.path.strip_suffix('/').unwrap_or(&request.path) == ENDPOINT {
        if request.method != "POST" {
            return http::Reply::Send(
                http::Response::text(405, "Use POST for the JSON-RPC API")
                    .with_header("Allow", "POST"),
            );
        }
        return rpc::handle(emulator, request);
    }
    if request.path.starts_with(control::PREFIX) {
        return http::Reply::Send(control::handle(emulator, request));
    }
    if admin_web::handles(&request.path) {
        return http::Reply::Send(admin_web::handle(emulator, request));
    }
    http::Reply::Send(http::Response::text(404, "Not found"))
}

/// The password every seeded user gets (documented in docs/emulator.md).
pub const SEED_PASSWORD: &str = "Seed-Passw0rd!";

/// What [`seed`] created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Domains newly created.
    pub domains_created: usize,
    /// Users newly created.
    pub users_created: usize,
}

/// Bulk-creates domains `d001.example`… each with users `user00001`… (password
/// [`SEED_PASSWORD`], varied usage and quotas) in one transaction; existing ones are skipped.
/// Run it while no emulator is serving the same state directory.
pub fn seed(state_dir: &Path, domains: usize, users_per_domain: usize) -> io::Result<SeedReport> {
    let mut store = Store::open(state_dir)?;
    let mut report = SeedReport {
        domains_created: 0,
        users_created: 0,
    };
    let password = PasswordHash::new(SEED_PASSWORD);
    store.in_transaction(|store| {
        for d in 1..=domains {
            let name = format!("d{d:03}.example");
            if store.domain_by_name(&name).is_none() {
                report.domains_created += 1;
            }
            let domain_id = store.ensure_domain(&name)?;
            let Some(domain) = store.domain(&domain_id).cloned() else {
                continue;
            };
            let existing: std::collections::HashSet<String> = store
                .users_in(&domain_id)
                .map(|u| u.login_name.to_ascii_lowercase())
                .collect();
            for u in 1..=users_per_domain {
                let login = format!("user{u:05}");
                if existing.contains(&login) {
                    continue;
                }
                let mut user = User::new(&domain, &login, "");
                user.password = password.clone();
                users::seed_profile(&mut user, d * users_per_domain + u);
                // Marked as WHMCS services numbered in seed order (a mark from before
                // installations were recorded), as the bench's services are.
                user.description = format!("WHMCS service #{}", (d - 1) * users_per_domain + u);
                store.insert_user(user)?;
                report.users_created += 1;
            }
        }
        Ok(())
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_spec_parses_password_with_colons() {
        let spec = AdminSpec::parse("root@example.com:a:b").unwrap();
        assert_eq!(spec.login, "root");
        assert_eq!(spec.domain, "example.com");
        assert_eq!(spec.password, "a:b");
        assert!(AdminSpec::parse("root:pw").is_err());
        assert!(AdminSpec::parse("root@example.com").is_err());
    }

    #[test]
    fn debug_output_hides_admin_passwords() {
        let config = Config::for_tests("/tmp/x");
        let text = format!("{config:?}");
        assert!(text.contains("admin") && !text.contains("Adm1n-Secret!"));
    }
}
