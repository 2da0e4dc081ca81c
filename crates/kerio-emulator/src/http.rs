//! A small HTTP/1.1 server: one thread per connection, keep-alive, `Content-Length` bodies,
//! over rustls (`ServerConnection` + `StreamOwned`) or plain TCP.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::Value;

use crate::latency::Latency;

/// A keep-alive connection idle this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest accepted request body.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Largest accepted header section.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One parsed HTTP request.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client address.
    pub peer: SocketAddr,
    /// Whether the connection is TLS.
    pub secure: bool,
}

impl Request {
    /// First header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Value of cookie `name` from the `Cookie` headers.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "cookie")
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }

    fn keep_alive(&self, version: &str) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if version == "HTTP/1.0" {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Extra headers (Content-Length is added when sending).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body of the given content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// A JSON response (`application/json`).
    pub fn json(status: u16, value: &Value) -> Response {
        Response::new(status, "application/json", value.to_string())
    }

    /// A plain-text response.
    pub fn text(status: u16, text: &str) -> Response {
        Response::new(status, "text/plain; charset=utf-8", text.to_string())
    }

    /// An HTML page.
    pub fn html(status: u16, page: String) -> Response {
        Response::new(status, "text/html; charset=utf-8", page)
    }

    /// A 302 redirect.
    pub fn redirect(location: &str) -> Response {
        Response::text(302, "Found").with_header("Location", location)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// What a handler wants done with a request.
pub enum Reply {
    /// Send this response.
    Send(Response),
    /// Drop the connection without answering (fault injection).
    Drop,
}

/// A request handler shared by all connection threads.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A listening server; stops on [`Server::stop`] or drop.
pub struct Server {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    connections: Arc<Mutex<HashMap<u64, TcpStream>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `listen` and serves `handler` on background threads (TLS unless `tls` is None),
    /// each connection behaving as if the client were `latency` away.
    pub fn start(
        listen: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
        latency: Latency,
        handler: Handler,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(listen)?;
        let local_addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(HashMap::new()));
        let acceptor = {
            let stopping = stopping.clone();
            let connections = connections.clone();
            std::thread::Builder::new()
                .name(format!("accept-{local_addr}"))
                .spawn(move || {
                    accept_loop(listener, tls, latency, handler, stopping, connections)
                })?
        };
        Ok(Server {
            local_addr,
            stopping,
            connections,
            acceptor: Some(acceptor),
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes open connections and waits for the accept thread.
    pub fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&reachable(self.local_addr), Duration::from_secs(1));
        let _ = acceptor.join();
        let connections = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for stream in connections.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `addr` with an unspecified IP (0.0.0.0, ::) replaced by loopback, for URLs and wake-ups.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    latency: Latency,
    handler: Handler,
    stopping: Arc<AtomicBool>,
    connections: Arc<Mutex<HashMap<u64, TcpStream>>>,
) {
    let next_id = AtomicU64::new(0);
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id, clone);
        }
        let tls = tls.clone();
        let handler = handler.clone();
        let stopping = stopping.clone();
        let connections = connections.clone();
        let spawned = std::thread::Builder::new()
            .name("http-connection".to_string())
            .spawn(move || {
                serve_connection(stream, tls, latency, &handler, &stopping);
                connections
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
            });
        if let Err(error) = spawned {
            eprintln!("kerio-emulator: cannot start a connection thread: {error}");
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    latency: Latency,
    handler: &Handler,
    stopping: &AtomicBool,
) {
    let Ok(peer) = stream.peer_addr() else { return };
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    latency.connect();
    match tls {
        Some(config) => {
            let Ok(connection) = ServerConnection::new(config) else {
                return;
            };
            latency.handshake();
            let mut tls_stream = StreamOwned::new(connection, stream);
            serve_requests(&mut tls_stream, peer, true, latency, handler, stopping);
            tls_stream.conn.send_close_notify();
            let _ = tls_stream.flush();
        }
        None => {
            let mut stream = stream;
            serve_requests(&mut stream, peer, false, latency, handler, stopping);
        }
    }
}

/// Why reading a request stopped.
enum ReadError {
    /// The connection ended or failed; nothing to answer.
    Closed,
    /// The request is malformed; answer with this status and text, then close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

fn serve_requests<S: Read + Write>(
    stream: &mut S,
    peer: SocketAddr,
    secure: bool,
    latency: Latency,
    handler: &Handler,
    stopping: &AtomicBool,
) {
    let mut reader = BufReader::new(stream);
    loop {
        let (request, version) = match read_request(&mut reader, peer, secure) {
            Ok(parsed) => parsed,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status, text)) => {
                latency.response();
                let _ = write_response(reader.get_mut(), &Response::text(status, text), false);
                return;
            }
        };
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let keep_alive = request.keep_alive(&version);
        let response = match handler(&request) {
            Reply::Send(response) => response,
            Reply::Drop => return,
        };
        latency.response();
        if write_response(reader.get_mut(), &response, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}

fn read_line<R: BufRead>(reader: &mut R, budget: &mut usize) -> Result<String, ReadError> {
    let mut line = Vec::new();
    let read = reader
        .by_ref()
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if read == 0 {
        return Err(ReadError::Closed);
    }
    if read > *budget {
        return Err(ReadError::Bad(431, "Request header too large"));
    }
    *budget -= read;
    let text = String::from_utf8(line).map_err(|_| ReadError::Bad(400, "Header is not UTF-8"))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

fn read_request<R: BufRead>(
    reader: &mut R,
    peer: SocketAddr,
    secure: bool,
) -> Result<(Request, String), ReadError> {
    let mut budget = MAX_HEADER_BYTES;
    let mut request_line = read_line(reader, &mut budget)?;
    while request_line.is_empty() {
        request_line = read_line(reader, &mut budget)?;
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "Malformed request line"));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadError::Bad(400, "Malformed header line"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
        peer,
        secure,
    };
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Bad(
            411,
            "Chunked bodies are not supported; send Content-Length",
        ));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| ReadError::Bad(400, "Invalid Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(ReadError::Bad(413, "Request body too large"));
    }
    request.body = vec![0; length];
    reader.read_exact(&mut request.body)?;
    Ok((request, version.to_string()))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Status",
    }
}

fn write_response<W: Write>(out: &mut W, response: &Response, keep_alive: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    out.write_all(&bytes)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<(Request, String), ReadError> {
        let mut reader = BufReader::new(raw.as_bytes());
        read_request(&mut reader, "127.0.0.1:1".parse().unwrap(), false)
    }

    #[test]
    fn parses_headers_cookies_and_body() {
        let (request, version) =
            parse("POST /a?x=1 HTTP/1.1\r\nCookie: A=1; B=two\r\nContent-Length: 3\r\n\r\nabc")
                .ok()
                .unwrap();
        assert_eq!(version, "HTTP/1.1");
        assert_eq!(request.path, "/a");
        assert_eq!(request.query, "x=1");
        assert_eq!(request.cookie("B").as_deref(), Some("two"));
        assert_eq!(request.body, b"abc");
    }

    #[test]
    fn rejects_chunked_bodies() {
        let result = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert!(matches!(result, Err(ReadError::Bad(411, _))));
    }
}
