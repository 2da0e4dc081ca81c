//! The HTTP layer by raw socket (plain HTTP, so every byte is the test's own): chunked request
//! bodies, `Expect: 100-continue`, HTTP/1.0 with and without keep-alive, several requests on one
//! HTTP/1.1 connection, header names in any case, and the answers to bad requests.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Emu, ADMIN, ADMIN_PASSWORD};
use serde_json::{json, Value};

/// One answer read off the socket.
struct Answer {
    status: u16,
    /// Header lines as sent (name spelling kept).
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn plain_emulator() -> Emu {
    Emu::start_with(|config| config.plain = true)
}

fn connect(emu: &Emu) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(emu.admin_address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

fn send(socket: &mut BufReader<TcpStream>, bytes: &str) {
    socket.get_mut().write_all(bytes.as_bytes()).unwrap();
}

/// Reads one response (status line, headers, a `Content-Length` body).
fn read_answer(socket: &mut BufReader<TcpStream>) -> Answer {
    let mut line = String::new();
    socket.read_line(&mut line).unwrap();
    let status = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        socket.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut answer = Answer {
        status,
        headers,
        body: String::new(),
    };
    let length: usize = answer
        .header("Content-Length")
        .map(|l| l.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; length];
    socket.read_exact(&mut body).unwrap();
    answer.body = String::from_utf8(body).unwrap();
    answer
}

/// Whether the server has closed the connection (reads end of stream).
fn closed(socket: &mut BufReader<TcpStream>) -> bool {
    let mut rest = Vec::new();
    matches!(socket.read_to_end(&mut rest), Ok(0))
}

fn rpc(method: &str) -> String {
    json!({"jsonrpc": "2.0", "id": 7, "method": method}).to_string()
}

fn post(version: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "POST /admin/api/jsonrpc/ {version}\r\nHost: x\r\nContent-Type: application/json\r\n\
         {extra_headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_chunked_request_body_is_read_whole() {
    let emu = plain_emulator();
    let mut socket = connect(&emu);
    let body = rpc("Version.getApiVersion");
    let (first, second) = body.split_at(10);
    send(
        &mut socket,
        &format!(
            "POST /admin/api/jsonrpc/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
             {:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
            first.len(),
            second.len()
        ),
    );
    let answer = read_answer(&mut socket);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["result"]["apiVersion"], 1);
    assert_eq!(answer.json()["id"], 7);
}

#[test]
fn expect_100_continue_gets_an_interim_answer_before_the_body() {
    let emu = plain_emulator();
    let mut socket = connect(&emu);
    let body = rpc("Version.getApiVersion");
    send(
        &mut socket,
        &format!(
            "POST /admin/api/jsonrpc/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        ),
    );
    let interim = read_answer(&mut socket);
    assert_eq!(interim.status, 100);
    send(&mut socket, &body);
    let answer = read_answer(&mut socket);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["result"]["apiVersion"], 1);
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let emu = plain_emulator();
    let body = rpc("Version.getApiVersion");

    let mut socket = connect(&emu);
    send(&mut socket, &post("HTTP/1.0", "", &body));
    let answer = read_answer(&mut socket);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("Connection"), Some("close"));
    assert!(
        closed(&mut socket),
        "HTTP/1.0 without keep-alive must close"
    );

    let mut socket = connect(&emu);
    for _ in 0..2 {
        send(
            &mut socket,
            &post("HTTP/1.0", "Connection: keep-alive\r\n", &body),
        );
        let answer = read_answer(&mut socket);
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("Connection"), Some("keep-alive"));
        assert_eq!(answer.json()["result"]["apiVersion"], 1);
    }
}

#[test]
fn http_1_1_keeps_the_connection_for_several_requests_until_close() {
    let emu = plain_emulator();
    let mut socket = connect(&emu);
    let body = rpc("Version.getProductVersion");
    for _ in 0..3 {
        send(&mut socket, &post("HTTP/1.1", "", &body));
        let answer = read_answer(&mut socket);
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("Connection"), Some("keep-alive"));
    }
    // Two requests written at once (pipelined) are answered in order.
    let pipelined = format!(
        "{}{}",
        post("HTTP/1.1", "", &rpc("Version.getApiVersion")),
        post("HTTP/1.1", "connection: Close\r\n", &body)
    );
    send(&mut socket, &pipelined);
    assert_eq!(read_answer(&mut socket).json()["result"]["apiVersion"], 1);
    let last = read_answer(&mut socket);
    assert!(last.json()["result"]["productVersion"].is_object());
    assert_eq!(last.header("Connection"), Some("close"));
    assert!(closed(&mut socket));
}

#[test]
fn header_names_are_read_in_any_case_and_written_in_kerios_case() {
    let emu = plain_emulator();
    let mut socket = connect(&emu);
    let login = json!({"jsonrpc": "2.0", "id": 1, "method": "Session.login", "params": {
        "userName": ADMIN, "password": ADMIN_PASSWORD,
        "application": {"name": "t", "vendor": "t", "version": "1"}}})
    .to_string();
    send(
        &mut socket,
        &format!(
            "POST /admin/api/jsonrpc/ HTTP/1.1\r\nhOST: x\r\ncontent-LENGTH: {}\r\n\r\n{login}",
            login.len()
        ),
    );
    let answer = read_answer(&mut socket);
    let token = answer.json()["result"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let cookies: Vec<String> = answer
        .headers
        .iter()
        .filter(|(name, _)| name == "Set-Cookie")
        .map(|(_, value)| value.split(';').next().unwrap().to_string())
        .collect();
    assert_eq!(
        cookies.len(),
        2,
        "Set-Cookie spelled exactly: {:?}",
        answer.headers
    );
    assert!(answer.headers.iter().any(|(n, _)| n == "Content-Type"));

    let who = rpc("Session.whoAmI");
    send(
        &mut socket,
        &format!(
            "POST /admin/api/jsonrpc HTTP/1.1\r\nHOST: x\r\nCOOKIE: {}\r\nx-token: {token}\r\n\
             CONTENT-length: {}\r\n\r\n{who}",
            cookies.join("; "),
            who.len()
        ),
    );
    let answer = read_answer(&mut socket);
    assert_eq!(
        answer.json()["result"]["userDetails"]["loginName"],
        "admin",
        "{}",
        answer.body
    );
}

#[test]
fn bad_requests_get_a_clear_status() {
    let emu = plain_emulator();
    let mut socket = connect(&emu);
    send(
        &mut socket,
        "POST /admin/api/jsonrpc/ HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n",
    );
    let answer = read_answer(&mut socket);
    assert_eq!(answer.status, 413, "{}", answer.body);

    let mut socket = connect(&emu);
    send(&mut socket, "THIS IS NOT HTTP\r\n\r\n");
    assert_eq!(read_answer(&mut socket).status, 400);

    let mut socket = connect(&emu);
    let huge = "a".repeat(200 * 1024);
    send(
        &mut socket,
        &format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n"),
    );
    assert_eq!(read_answer(&mut socket).status, 431);

    let mut socket = connect(&emu);
    send(
        &mut socket,
        "GET /admin/api/jsonrpc/ HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let answer = read_answer(&mut socket);
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("Allow"), Some("POST"));
}
