//! Wire details that socket-level Kerio clients rely on, checked with a raw TLS client that
//! writes its HTTP by hand the way Kerio's own PHP client library (kerio-api-php 1.4) does:
//! one request per connection with `Connection: close`, a body followed by CRLF (counted in
//! `Content-Length`), `Cookie:` with a leading space and a trailing `;`, then reading until the
//! server closes. That library finds cookies with `Set-Cookie:\s(\w*)=(\w*)` (case-sensitive,
//! word characters only), splits head from body at the first blank line, and fills `%1`, `%2`…
//! in error messages from `positionalParameters` in the order the placeholders occur.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{tls_config_for, Emu, ADMIN, ADMIN_PASSWORD};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};

/// One answered request: the status line and header lines, and the body.
struct Exchange {
    head: String,
    body: String,
}

impl Exchange {
    /// The values of every header spelled exactly `name` (no case folding).
    fn headers_spelled(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}: ");
        self.head
            .lines()
            .filter_map(|line| line.strip_prefix(prefix.as_str()))
            .collect()
    }

    /// The body as JSON.
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A session as such a client keeps it: the `Cookie` header it sends and the `X-Token`.
struct Session {
    cookie_header: String,
    token: String,
}

/// Sends one JSON-RPC POST on a fresh TLS connection and reads until the server closes it.
/// A server that keeps the connection open fails the read with a timeout.
fn exchange(emu: &Emu, session: Option<&Session>, body: &Value) -> Exchange {
    let address = emu
        .running
        .admin_url()
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let body = format!("{body}\r\n");
    let mut request = format!(
        "POST /admin/api/jsonrpc/ HTTP/1.1\r\nAccept: application/json-rpc\r\n\
         Content-Type: application/json-rpc; charset=UTF-8\r\n\
         User-Agent: raw-wire-test/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    if let Some(session) = session {
        request.push_str(&format!(
            "Cookie: {}\r\nX-Token: {}\r\n",
            session.cookie_header, session.token
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);

    let tcp = TcpStream::connect(&address).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let server_name = ServerName::try_from("127.0.0.1").unwrap();
    let connection =
        rustls::ClientConnection::new(tls_config_for(&emu.running.cert_file()), server_name)
            .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    tls.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer)
        .expect("the server must close the connection cleanly after a Connection: close request");
    let answer = String::from_utf8(answer).unwrap();
    let parts: Vec<&str> = answer.split("\r\n\r\n").collect();
    assert_eq!(
        parts.len(),
        2,
        "one blank line between head and body: {answer:?}"
    );
    Exchange {
        head: parts[0].to_string(),
        body: parts[1].to_string(),
    }
}

/// Logs in as the test admin and builds the session the way that library does.
fn login(emu: &Emu) -> (Exchange, Session) {
    let answer = exchange(
        emu,
        None,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "Session.login", "params": {
            "userName": ADMIN, "password": ADMIN_PASSWORD,
            "application": {"name": "wire test", "vendor": "kerioSingle", "version": "1.0"}}}),
    );
    let pairs: Vec<String> = answer
        .headers_spelled("Set-Cookie")
        .iter()
        .map(|cookie| cookie.split(';').next().unwrap().to_string())
        .collect();
    let session = Session {
        cookie_header: format!(" {};", pairs.join("; ")),
        token: answer.json()["result"]["token"]
            .as_str()
            .unwrap()
            .to_string(),
    };
    (answer, session)
}

/// The digits of each `%N` placeholder in `message`, in the order they occur.
fn placeholders(message: &str) -> Vec<u32> {
    let bytes = message.as_bytes();
    bytes
        .windows(2)
        .filter(|pair| pair[0] == b'%' && pair[1].is_ascii_digit())
        .map(|pair| u32::from(pair[1] - b'0'))
        .collect()
}

/// `messageParameters` fills every placeholder of `message`, and they occur as %1, %2, … in order.
fn assert_fillable(message: &Value, parameters: &Value) {
    let message = message.as_str().unwrap();
    let positional = parameters["positionalParameters"].as_array().unwrap();
    let found = placeholders(message);
    let expected: Vec<u32> = (1..=found.len() as u32).collect();
    assert_eq!(found, expected, "placeholders in order: {message}");
    assert_eq!(
        positional.len(),
        found.len(),
        "{message} with {positional:?}"
    );
}

#[test]
fn login_answer_suits_a_client_that_reads_until_close_and_matches_cookies_by_regex() {
    let emu = Emu::start();
    let (answer, session) = login(&emu);
    assert!(
        answer.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        answer.head
    );
    assert_eq!(answer.headers_spelled("Connection"), ["close"]);
    assert_eq!(
        answer.headers_spelled("Content-Length"),
        [answer.body.len().to_string()]
    );
    assert!(!answer
        .head
        .to_ascii_lowercase()
        .contains("transfer-encoding"));

    let cookies = answer.headers_spelled("Set-Cookie");
    for name in ["SESSION_CONNECT_WEBADMIN", "TOKEN_CONNECT_WEBADMIN"] {
        let cookie = cookies
            .iter()
            .find(|cookie| cookie.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} set with `Set-Cookie: `: {}", answer.head));
        let value = cookie[name.len() + 1..].split(';').next().unwrap();
        assert!(
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{name} value must be word characters only"
        );
    }
    assert_eq!(session.token.len(), 64);
}

#[test]
fn cookie_header_with_leading_space_and_trailing_semicolon_is_accepted() {
    let emu = Emu::start();
    let (_, session) = login(&emu);
    assert!(session.cookie_header.starts_with(' ') && session.cookie_header.ends_with(';'));
    let answer = exchange(
        &emu,
        Some(&session),
        &json!({"jsonrpc": "2.0", "id": 2, "token": session.token, "method": "Server.getVersion"}),
    );
    assert_eq!(
        answer.json()["result"]["product"],
        "Kerio Connect",
        "{}",
        answer.body
    );
    assert_eq!(answer.json()["id"], 2);
}

#[test]
fn every_error_carries_positional_parameters_for_its_placeholders() {
    let emu = Emu::start();
    let (_, session) = login(&emu);

    let unknown = exchange(
        &emu,
        Some(&session),
        &json!({"jsonrpc": "2.0", "id": 3, "method": "Users.noSuchMethod", "params": {"x": 1}}),
    )
    .json();
    assert_eq!(unknown["error"]["code"], -32601);
    assert_fillable(
        &unknown["error"]["message"],
        &unknown["error"]["data"]["messageParameters"],
    );
    assert_eq!(unknown["error"]["message"], "Method not found");

    let expired = exchange(
        &emu,
        None,
        &json!({"jsonrpc": "2.0", "id": 4, "method": "Server.getVersion"}),
    )
    .json();
    assert_eq!(expired["error"]["code"], -32001);
    assert_fillable(
        &expired["error"]["message"],
        &expired["error"]["data"]["messageParameters"],
    );

    let domains = exchange(
        &emu,
        Some(&session),
        &json!({"jsonrpc": "2.0", "id": 5, "method": "Domains.get",
                "params": {"query": {"fields": ["id", "name"]}}}),
    )
    .json();
    let domain_id = domains["result"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|domain| domain["name"] == "example.com")
        .unwrap()["id"]
        .clone();
    let create = json!({"jsonrpc": "2.0", "id": 6, "method": "Users.create", "params": {"users": [
        {"loginName": "wire", "password": "Tr0ub4dor-Horse", "domainId": domain_id}]}});
    let first = exchange(&emu, Some(&session), &create).json();
    assert_eq!(first["result"]["errors"], json!([]), "{first}");
    let duplicate = exchange(&emu, Some(&session), &create).json();
    let item = &duplicate["result"]["errors"][0];
    assert_eq!(item["code"], 1001, "{duplicate}");
    assert_fillable(&item["message"], &item["messageParameters"]);
    assert_eq!(
        item["messageParameters"]["positionalParameters"],
        json!(["wire"])
    );
}
