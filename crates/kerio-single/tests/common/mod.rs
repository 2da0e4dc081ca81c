//! Test helpers: an emulator in a temp dir (real HTTPS, pinned fingerprint), bridge requests run
//! in-process or through the real binary, the emulator's control API, and secret checks.

#![allow(dead_code)]

use kerio_emulator::{start, Config, Running};
use kerio_single::bridge;
use kerio_single::ops::NoProgress;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Admin login of `Config::for_tests`.
pub const ADMIN: &str = "admin@example.com";
/// Admin password of `Config::for_tests`.
pub const ADMIN_PASSWORD: &str = "Adm1n-Secret!";
/// A password with every character WHMCS's generator may produce that needs escaping somewhere.
pub const HARD_PASSWORD: &str = r#"Aa1& #<>"'\%+ zZ"#;

/// A running emulator with its state directory and an HTTPS agent trusting its certificate.
pub struct Emu {
    pub running: Running,
    pub dir: tempfile::TempDir,
    pub agent: ureq::Agent,
}

impl Emu {
    /// Starts with `Config::for_tests`.
    pub fn start() -> Emu {
        Emu::start_with(|_| {})
    }

    /// Starts with `Config::for_tests`, adjusted by `adjust`.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path());
        adjust(&mut config);
        let running = start(config).unwrap();
        let agent = agent_for(&running.cert_file());
        Emu {
            running,
            dir,
            agent,
        }
    }

    /// `bytes` of mail as this emulator reports them, in bytes: its size unit
    /// (`KERIO_EMULATOR_SIZE_UNITS`, as a real server's choice) may drop the part below the unit.
    pub fn reported_bytes(&self, bytes: u64) -> u64 {
        let shown = Config::for_tests(self.dir.path()).size_units.express(bytes);
        shown
            .to_bytes()
            .and_then(|b| u64::try_from(b).ok())
            .expect("a size in a known unit")
    }

    /// `bytes` of mail as the engine shows them after this emulator reported them: MB rounded to
    /// two decimals.
    pub fn reported_mb(&self, bytes: u64) -> f64 {
        (self.reported_bytes(bytes) as f64 / 1_048_576.0 * 100.0).round() / 100.0
    }

    /// The admin port.
    pub fn port(&self) -> u16 {
        let url = self.running.admin_url();
        let rest = url.rsplit_once(':').unwrap().1;
        rest.split('/').next().unwrap().parse().unwrap()
    }

    /// The bridge `server` object: pinned fingerprint, 5 s timeout.
    pub fn server(&self) -> Value {
        json!({"host": "127.0.0.1", "port": self.port(), "secure": true, "username": ADMIN,
               "password": ADMIN_PASSWORD, "tls_fingerprint": self.running.fingerprint_sha256(),
               "ca_file": null, "timeout_s": 5, "webmail_url": self.running.webmail_url()})
    }

    /// Runs `op` in-process through the bridge with the default server settings.
    pub fn call(&self, op: &str, args: Value) -> Value {
        self.call_with(self.server(), op, args)
    }

    /// Runs `op` in-process through the bridge with the given `server` object.
    pub fn call_with(&self, server: Value, op: &str, args: Value) -> Value {
        let request = json!({"v": 1, "op": op, "server": server, "args": args});
        let response = bridge::handle(&request.to_string(), &mut NoProgress);
        assert_no_secret(&response.to_string(), &[ADMIN_PASSWORD]);
        response
    }

    /// `call` that must succeed; returns the result.
    pub fn ok(&self, op: &str, args: Value) -> Value {
        let response = self.call(op, args);
        assert_eq!(response["ok"], true, "{op} failed: {response}");
        response["result"].clone()
    }

    /// `call` that must fail with `code`; returns the error object.
    pub fn refused(&self, op: &str, args: Value, code: &str) -> Value {
        let response = self.call(op, args);
        assert_eq!(response["ok"], false, "{op} should fail: {response}");
        assert_eq!(response["error"]["code"], code, "{response}");
        response["error"].clone()
    }

    /// Creates `address` for `service_id` with quota `quota_mb` and [`HARD_PASSWORD`].
    pub fn create(&self, address: &str, service_id: u64, quota_mb: u64) -> Value {
        let (local, domain) = address.split_once('@').unwrap();
        self.ok(
            "create_account",
            json!({"localpart": local, "domain": domain, "password": HARD_PASSWORD,
                   "givenname": "John", "surname": "Doe", "quota_mb": quota_mb, "service_id": service_id}),
        )
    }

    /// Sends a request to the control API; returns (status, body).
    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{}", self.running.control_url(), path);
        let request = self
            .agent
            .request(method, &url)
            .set("Content-Type", "application/json");
        let outcome = match body {
            Some(body) => request.send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match outcome {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("control request failed: {error}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Sets the mailbox usage of `email` to `bytes`.
    pub fn set_usage(&self, email: &str, bytes: u64) {
        let (status, body) = self.control(
            "POST",
            "usage",
            Some(json!({"email": email, "bytes": bytes})),
        );
        assert_eq!(status, 200, "{body}");
    }

    /// Injects a fault.
    pub fn fault(&self, fault: Value) {
        let (status, body) = self.control("POST", "faults", Some(fault));
        assert_eq!(status, 200, "{body}");
    }

    /// Adds a domain with extra settings.
    pub fn add_domain(&self, domain: Value) {
        let (status, body) = self.control("POST", "domains", Some(domain));
        assert_eq!(status, 200, "{body}");
    }

    /// Adds an admin in example.com with `role`.
    pub fn add_admin(&self, login: &str, password: &str, role: &str) {
        let body =
            json!({"login": login, "domain": "example.com", "password": password, "role": role});
        let (status, body) = self.control("POST", "admins", Some(body));
        assert_eq!(status, 200, "{body}");
    }

    /// The emulator's state (domains, users with `email`, kept mailboxes).
    pub fn state(&self) -> Value {
        self.control("GET", "state", None).1
    }

    /// The user record of `email` in the emulator's state, if any.
    pub fn user(&self, email: &str) -> Option<Value> {
        self.state()["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .cloned()
    }

    /// Number of users in the emulator.
    pub fn user_count(&self) -> usize {
        self.state()["users"].as_array().unwrap().len()
    }

    /// Resets the per-method call counters.
    pub fn reset_stats(&self) {
        self.control("POST", "stats/reset", Some(json!({})));
    }

    /// Calls of `method` since the last reset.
    pub fn calls(&self, method: &str) -> u64 {
        self.control("GET", "stats", None).1["methods"][method]
            .as_u64()
            .unwrap_or(0)
    }

    /// Kerio API calls of any method since the last reset.
    pub fn total_calls(&self) -> u64 {
        self.control("GET", "stats", None).1["total"]
            .as_u64()
            .unwrap_or(0)
    }

    /// Posts the webmail form login; true when the emulator accepted the credentials.
    pub fn webmail_login(&self, username: &str, password: &str) -> bool {
        let url = format!("{}login/dologin", self.running.webmail_url());
        let response = match self
            .agent
            .post(&url)
            .send_form(&[("kerio_username", username), ("kerio_password", password)])
        {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("webmail login failed: {error}"),
        };
        let location = response.header("Location").unwrap_or("").to_string();
        !location.contains("reason=failure") && response.header("Set-Cookie").is_some()
    }
}

/// An agent trusting only the PEM certificate in `cert_file`; no redirects followed.
pub fn agent_for(cert_file: &std::path::Path) -> ureq::Agent {
    let pem = std::fs::read(cert_file).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(tls))
        .timeout(Duration::from_secs(20))
        .redirects(0)
        .build()
}

/// Fails when `text` contains a secret or anything shaped like a session token (64 hex).
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "secret leaked into: {text}");
        let json_form = serde_json::to_string(secret).unwrap();
        let json_inner = &json_form[1..json_form.len() - 1];
        assert!(
            !text.contains(json_inner),
            "JSON-escaped secret leaked into: {text}"
        );
    }
    let hex_run = text
        .as_bytes()
        .split(|b| !b.is_ascii_hexdigit())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    assert!(hex_run < 64, "something token-like leaked into: {text}");
}

/// Output of one run of the real binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real `kerio-single` binary with `args`, `env` and `stdin`.
pub fn run_binary(args: &[&str], env: &[(&str, String)], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kerio-single"))
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `KERIO_*` environment for the CLI against `emu`.
pub fn cli_env(emu: &Emu) -> Vec<(&'static str, String)> {
    vec![
        ("KERIO_HOST", "127.0.0.1".to_string()),
        ("KERIO_PORT", emu.port().to_string()),
        ("KERIO_USER", ADMIN.to_string()),
        ("KERIO_PASSWORD", ADMIN_PASSWORD.to_string()),
        ("KERIO_FINGERPRINT", emu.running.fingerprint_sha256()),
        ("KERIO_WEBMAIL_URL", emu.running.webmail_url()),
    ]
}

/// The methods of a response's transcript, in order.
pub fn methods(response: &Value) -> Vec<String> {
    response["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap().to_string())
        .collect()
}
