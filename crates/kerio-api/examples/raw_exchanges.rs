//! The "minimal client" of `make bench` (bench/README.md): replays a list of Kerio JSON-RPC calls
//! with nothing but ureq and rustls — no session logic, no typed decoding, no transcript — and
//! prints how long each replay took. The engine's overhead is its wall time minus this.
//!
//! Reads one JSON object on stdin:
//!
//! ```json
//! {"url": "https://127.0.0.1:4040/admin/api/jsonrpc/", "ca_file": "cert.pem",
//!  "user": "admin@example.com", "password": "…", "repeat": 30,
//!  "calls": [{"method": "Session.login", "params": {…}}, {"method": "Users.get", "params": {…}}, …]}
//! ```
//!
//! `Session.login` gets the real user and password; later calls carry the token (body and
//! `X-Token`) and the session cookie. Each replay opens a fresh connection, as one engine run does.
//! Prints `{"ms": [..per replay..]}`.
//!
//! Run: `cargo run --release -p kerio-api --example raw_exchanges < request.json`

use serde_json::{json, Value};
use std::error::Error;
use std::io::{BufReader, Read};
use std::sync::Arc;
use std::time::Instant;

type Outcome<T> = Result<T, Box<dyn Error>>;

fn main() -> Outcome<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let request: Value = serde_json::from_str(&input)?;
    let text = |key: &str| -> Outcome<String> {
        request[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("missing \"{key}\"").into())
    };
    let (url, user, password) = (text("url")?, text("user")?, text("password")?);
    let tls = tls_config(&text("ca_file")?)?;
    let calls = request["calls"].as_array().cloned().unwrap_or_default();
    let repeat = request["repeat"].as_u64().unwrap_or(1);
    let mut times = Vec::new();
    for _ in 0..repeat {
        let started = Instant::now();
        replay(&url, tls.clone(), &user, &password, &calls)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{}", json!({ "ms": times }));
    Ok(())
}

/// Trusts exactly the certificates of the PEM file.
fn tls_config(ca_file: &str) -> Outcome<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut BufReader::new(std::fs::File::open(ca_file)?)) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One session: every call in order over one fresh kept-alive agent.
fn replay(
    url: &str,
    tls: Arc<rustls::ClientConfig>,
    user: &str,
    password: &str,
    calls: &[Value],
) -> Outcome<()> {
    let agent = ureq::AgentBuilder::new().tls_config(tls).build();
    let mut token: Option<String> = None;
    let mut cookie: Option<String> = None;
    for (id, call) in calls.iter().enumerate() {
        let method = call["method"].as_str().unwrap_or_default();
        let mut params = call["params"].clone();
        if method == "Session.login" {
            params["userName"] = json!(user);
            params["password"] = json!(password);
        }
        let mut body = json!({"jsonrpc": "2.0", "id": id + 1, "method": method});
        if !params.is_null() {
            body["params"] = params;
        }
        let mut post = agent
            .post(url)
            .set("Content-Type", "application/json-rpc; charset=UTF-8");
        if let Some(token) = &token {
            body["token"] = json!(token);
            post = post.set("X-Token", token);
        }
        if let Some(cookie) = &cookie {
            post = post.set("Cookie", cookie);
        }
        let response = post.send_string(&body.to_string())?;
        let pairs: Vec<&str> = response
            .all("set-cookie")
            .into_iter()
            .filter_map(|set_cookie| set_cookie.split(';').next())
            .collect();
        if !pairs.is_empty() {
            cookie = Some(pairs.join("; "));
        }
        let answer: Value = serde_json::from_reader(response.into_reader())?;
        if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
            return Err(format!("{method}: {error}").into());
        }
        if let Some(new_token) = answer["result"]["token"].as_str() {
            token = Some(new_token.to_string());
        }
    }
    Ok(())
}
