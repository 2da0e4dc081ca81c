//! The HTTP/1.x layer of both listeners, on hyper 1 (with hyper-util and tokio-rustls): hyper
//! parses requests (chunked bodies, `Expect: 100-continue`, HTTP/1.0, keep-alive, any header
//! case) and writes responses; this module turns them into the emulator's own [`Request`] and
//! [`Response`] and keeps the wire details Kerio clients rely on (`Connection: close` echoed and
//! honoured, `Content-Length` always, header names as `Set-Cookie`, never chunked answers).
//!
//! Why hyper: it is the most used and best kept HTTP implementation in Rust (the base of reqwest,
//! axum, tonic), its HTTP/1 parser is fuzzed, and it lets each connection be driven by hand, so
//! the simulated latency (connect, TLS handshake, each response) and the "drop without an
//! answer" fault stay a few lines here. tiny_http was the other candidate; it answers a dropped
//! request with 500 on its own (no silent reset) and cannot wait before the TLS handshake.
//! Handlers stay synchronous (they lock the store and may sleep for a `delay` fault), so each
//! runs on tokio's blocking pool.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

use crate::latency::Latency;

/// A connection that sends no complete request head for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest accepted request body.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Largest accepted header section (hyper answers 431 beyond it).
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// How long [`Server::stop`] waits for running handlers.
const STOP_GRACE: Duration = Duration::from_secs(2);

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

/// A request handler shared by all connections.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A listening server; stops on [`Server::stop`] or drop.
pub struct Server {
    local_addr: SocketAddr,
    runtime: Option<Runtime>,
}

/// What every connection of one listener shares.
struct Listener {
    latency: Latency,
    handler: Handler,
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
        let shared = Arc::new(Listener { latency, handler });
        let connection = Connection {
            tls: tls.map(TlsAcceptor::from),
            latency,
        };
        Server::spawn(
            listen,
            "kerio-emulator-http",
            connection,
            move |io, peer, secure| serve_http(io, peer, secure, shared.clone()),
        )
    }

    /// Binds `listen` and runs `serve` for every accepted connection, after its simulated
    /// connect and TLS handshake, each on its own task of a runtime with two worker threads named
    /// `thread_name` (the IMAP listener uses it too).
    pub fn spawn<F, Fut>(
        listen: SocketAddr,
        thread_name: &str,
        connection: Connection,
        serve: F,
    ) -> io::Result<Server>
    where
        F: Fn(Stream, SocketAddr, bool) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(thread_name)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(listen))?;
        let local_addr = listener.local_addr()?;
        runtime.spawn(accept_loop(listener, Arc::new(connection), Arc::new(serve)));
        Ok(Server {
            local_addr,
            runtime: Some(runtime),
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting and closes open connections (running handlers get [`STOP_GRACE`]).
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(STOP_GRACE);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `addr` with an unspecified IP (0.0.0.0, ::) replaced by loopback, for URLs.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// How a listener's connections start: TLS or not, and the simulated network distance.
pub(crate) struct Connection {
    /// The TLS acceptor; None serves plain TCP.
    pub tls: Option<TlsAcceptor>,
    /// The simulated round-trip time.
    pub latency: Latency,
}

/// What a connection's reader and writer must be.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An accepted connection, TLS or plain.
pub(crate) type Stream = Box<dyn Io>;

async fn accept_loop<F, Fut>(listener: TcpListener, connection: Arc<Connection>, serve: Arc<F>)
where
    F: Fn(Stream, SocketAddr, bool) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let (connection, serve) = (connection.clone(), serve.clone());
                tokio::spawn(async move {
                    if let Some((io, secure)) = open(stream, &connection).await {
                        serve(io, peer, secure).await;
                    }
                });
            }
            Err(error) => {
                eprintln!("kerio-emulator: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Waits `delay` of simulated network distance, and not at all without `--latency-ms`: a zero
/// `tokio::time::sleep` still waits for the runtime's next timer tick (up to ~1 ms), which cost
/// every connection and every answer on loopback. The wait is a thread sleep on the blocking pool,
/// not tokio's timer: the timer wheel rounds every deadline up to its next millisecond tick, and at
/// 2 ms that made each simulated round trip ~3-4 ms (make bench, bench/README.md).
pub(crate) async fn pay(delay: Duration) {
    if !delay.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(delay)).await;
    }
}

/// Waits the simulated connect (and TLS handshake), then hands out the stream; None when the
/// TLS handshake fails (wrong certificate trust, plain text), which just ends the connection.
async fn open(stream: TcpStream, connection: &Connection) -> Option<(Stream, bool)> {
    let _ = stream.set_nodelay(true);
    pay(connection.latency.connect()).await;
    match &connection.tls {
        Some(acceptor) => {
            pay(connection.latency.handshake()).await;
            let tls = acceptor.accept(stream).await.ok()?;
            Some((Box::new(tls), true))
        }
        None => Some((Box::new(stream), false)),
    }
}

async fn serve_http<S>(io: S, peer: SocketAddr, secure: bool, shared: Arc<Listener>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| answer(request, peer, secure, shared.clone()));
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES)
        .title_case_headers(true)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// The handler's reply was to drop the connection: returned as the service error, which makes
/// hyper close it without writing anything.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// Reads one request, runs the handler on the blocking pool, waits the simulated latency and
/// builds hyper's response.
async fn answer(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    secure: bool,
    shared: Arc<Listener>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let keep_alive = wants_keep_alive(&request);
    let reply = match read_request(request, peer, secure).await {
        Ok(request) => {
            let handler = shared.handler.clone();
            tokio::task::spawn_blocking(move || handler(&request))
                .await
                .unwrap_or_else(|_| Reply::Send(Response::text(500, "Internal Server Error")))
        }
        Err(response) => Reply::Send(response),
    };
    let Reply::Send(response) = reply else {
        return Err(Dropped);
    };
    pay(shared.latency.response()).await;
    Ok(to_hyper(response, keep_alive))
}

/// HTTP/1.1 keeps the connection unless the client says `close`; HTTP/1.0 closes it unless the
/// client says `keep-alive`.
fn wants_keep_alive<B>(request: &hyper::Request<B>) -> bool {
    let tokens = request
        .headers()
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect::<Vec<_>>();
    if request.version() == hyper::Version::HTTP_10 {
        tokens.iter().any(|t| t == "keep-alive")
    } else {
        !tokens.iter().any(|t| t == "close")
    }
}

/// The emulator's form of a request: lower-case header names, the whole body (at most
/// [`MAX_BODY`]: a larger one is answered 413, an unreadable one 400).
async fn read_request(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    secure: bool,
) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    // A declared Content-Length over the limit is refused before reading any of it.
    if body.size_hint().lower() > MAX_BODY as u64 {
        return Err(Response::text(413, "Request body too large"));
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err(Response::text(413, "Request body too large"))
        }
        Err(_) => return Err(Response::text(400, "The request body could not be read")),
    };
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| Response::text(400, "Header values must be visible ASCII"))?;
        headers.push((name.as_str().to_string(), value.trim().to_string()));
    }
    Ok(Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body,
        peer,
        secure,
    })
}

/// hyper's form of a response, with `Connection` saying what happens to the connection (hyper
/// closes it after a response that says `close`) and `Content-Length` from the full body.
fn to_hyper(response: Response, keep_alive: bool) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder = builder.header(
        hyper::header::CONNECTION,
        if keep_alive { "keep-alive" } else { "close" },
    );
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|error| {
            eprintln!("kerio-emulator: cannot build a response: {error}");
            let mut fallback =
                hyper::Response::new(Full::new(Bytes::from_static(b"Internal Server Error")));
            *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
}
