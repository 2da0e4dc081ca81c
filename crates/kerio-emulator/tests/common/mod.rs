//! Test helpers: start an emulator in a temp dir and talk to it over real HTTPS with ureq,
//! trusting only the emulator's own certificate. Cookies and the token are handled by hand,
//! like a minimal Kerio API client.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kerio_emulator::{start, Config, Running};
use serde_json::{json, Value};

/// Admin login of `Config::for_tests`.
pub const ADMIN: &str = "admin@example.com";
/// Admin password of `Config::for_tests`.
pub const ADMIN_PASSWORD: &str = "Adm1n-Secret!";

/// A running emulator with its state directory.
pub struct Emu {
    pub running: Running,
    pub dir: tempfile::TempDir,
    pub agent: ureq::Agent,
}

/// A rustls client config trusting only the PEM certificate in `cert_file`.
pub fn tls_config_for(cert_file: &std::path::Path) -> Arc<rustls::ClientConfig> {
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
    Arc::new(tls)
}

/// An agent trusting only the PEM certificate in `cert_file` (plain HTTP works too).
pub fn agent_for(cert_file: &std::path::Path) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .tls_config(tls_config_for(cert_file))
        .timeout(Duration::from_secs(20))
        .redirects(0)
        .build()
}

impl Emu {
    /// Starts with `Config::for_tests`, adjusted by `adjust`.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, adjust)
    }

    /// Starts in an existing directory.
    pub fn start_in(dir: tempfile::TempDir, adjust: impl FnOnce(&mut Config)) -> Emu {
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

    /// Starts with the default test config.
    pub fn start() -> Emu {
        Self::start_with(|_| {})
    }

    /// A fresh client without a session.
    pub fn client(&self) -> Client {
        Client {
            agent: self.agent.clone(),
            url: self.running.admin_url(),
            cookies: Vec::new(),
            token: None,
        }
    }

    /// `host:port` of the admin listener, for raw-socket tests.
    pub fn admin_address(&self) -> String {
        let url = self.running.admin_url();
        let without_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        without_scheme.split('/').next().unwrap().to_string()
    }

    /// A client logged in as the test admin.
    pub fn admin(&self) -> Client {
        let mut client = self.client();
        client.login_ok(ADMIN, ADMIN_PASSWORD);
        client
    }

    /// POST JSON to a control endpoint; returns (status, body).
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

    /// Adds an admin with `role` in example.com via the control API.
    pub fn add_admin(&self, login: &str, password: &str, role: &str) {
        let (status, body) = self.control(
            "POST",
            "admins",
            Some(json!({"login": login, "domain": "example.com", "password": password, "role": role})),
        );
        assert_eq!(status, 200, "{body}");
    }
}

/// A minimal Kerio admin API client.
pub struct Client {
    pub agent: ureq::Agent,
    pub url: String,
    pub cookies: Vec<(String, String)>,
    pub token: Option<String>,
}

/// A raw HTTP exchange result.
pub struct Raw {
    pub status: u16,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends `body` as-is; returns status, Set-Cookie headers and body text.
    pub fn raw(&mut self, body: &str) -> Result<Raw, Box<ureq::Error>> {
        let mut request = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json-rpc; charset=UTF-8");
        if !self.cookies.is_empty() {
            request = request.set("Cookie", &self.cookie_header());
        }
        if let Some(token) = &self.token {
            request = request.set("X-Token", token);
        }
        let response = match request.send_string(body) {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => return Err(Box::new(error)),
        };
        let status = response.status();
        let set_cookies: Vec<String> = response
            .all("set-cookie")
            .iter()
            .map(|s| s.to_string())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        Ok(Raw {
            status,
            set_cookies,
            body: response.into_string().unwrap(),
        })
    }

    /// Calls `method`; returns the whole response envelope.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let raw = self.raw(&body.to_string()).unwrap();
        assert_eq!(
            raw.status, 200,
            "{method}: HTTP {} {}",
            raw.status, raw.body
        );
        serde_json::from_str(&raw.body).unwrap()
    }

    /// Calls `method` and returns `result`, failing the test on an error.
    pub fn ok(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Calls `method` expecting an error; returns the error object.
    pub fn err(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("result").is_none(),
            "{method} unexpectedly succeeded: {response}"
        );
        response["error"].clone()
    }

    /// Session.login; returns the response envelope and remembers the token on success.
    pub fn login(&mut self, user: &str, password: &str) -> Value {
        let response = self.call(
            "Session.login",
            json!({"userName": user, "password": password,
                   "application": {"name": "tests", "vendor": "kerioSingle", "version": "1"}}),
        );
        if let Some(token) = response["result"]["token"].as_str() {
            self.token = Some(token.to_string());
        }
        response
    }

    /// Session.login that must succeed.
    pub fn login_ok(&mut self, user: &str, password: &str) {
        let response = self.login(user, password);
        assert!(response.get("error").is_none(), "login failed: {response}");
    }

    /// The id of a domain by name.
    pub fn domain_id(&mut self, name: &str) -> String {
        let result = self.ok("Domains.get", json!({"query": {"fields": ["id", "name"]}}));
        result["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .map(|d| d["id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no domain {name}"))
    }

    /// Creates users (objects merged with domainId) and returns the whole create result.
    pub fn create(&mut self, domain_id: &str, users: Vec<Value>) -> Value {
        let users: Vec<Value> = users
            .into_iter()
            .map(|mut u| {
                u["domainId"] = json!(domain_id);
                u
            })
            .collect();
        self.ok("Users.create", json!({ "users": users }))
    }

    /// Creates one user that must succeed; returns its id.
    pub fn create_user(&mut self, domain_id: &str, login: &str, password: &str) -> String {
        let result = self.create(
            domain_id,
            vec![json!({"loginName": login, "password": password})],
        );
        assert_eq!(result["errors"], json!([]), "{result}");
        result["result"][0]["id"].as_str().unwrap().to_string()
    }

    /// Users.get with `query` in `domain_id`.
    pub fn users(&mut self, domain_id: &str, query: Value) -> Value {
        self.ok("Users.get", json!({"domainId": domain_id, "query": query}))
    }

    /// The user with `login` (all fields).
    pub fn user(&mut self, domain_id: &str, login: &str) -> Value {
        let result = self.users(
            domain_id,
            json!({"conditions": [{"fieldName": "loginName", "comparator": "Eq", "value": login}]}),
        );
        assert_eq!(result["totalItems"], 1, "{result}");
        result["list"][0].clone()
    }
}
