//! One HTTP POST of a JSON-RPC body over a kept-alive ureq agent, with the session cookies, and
//! the mapping of every transport failure to a distinct [`Error`].

use crate::cookies::CookieJar;
use crate::endpoint::Endpoint;
use crate::error::{Error, TlsError};
use crate::secret::Secret;
use crate::tls::{self, normalize_fingerprint, PresentedFingerprint, Trust};
use serde_json::Value;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest response body accepted (a `Users.get` of tens of thousands of users fits easily).
const MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// Largest web page read by [`Transport::get_page`] (a login page is a few kB).
const MAX_PAGE_BYTES: u64 = 1024 * 1024;

/// After this long without a request, kept-alive connections are dropped instead of reused.
///
/// ureq never retries a POST on a reused connection the server has meanwhile closed, so a
/// stale connection would turn into a spurious network error. Web servers commonly close idle
/// connections after 5 s or more; a burst of calls (login + a few calls) stays well within this.
const REUSE_WINDOW: Duration = Duration::from_secs(4);

/// The HTTP side of a [`crate::Client`]: one agent (so connections are kept alive), the URL and
/// the cookie jar.
#[derive(Debug)]
pub struct Transport {
    agent: ureq::Agent,
    agent_settings: AgentSettings,
    last_exchange: Option<Instant>,
    url: String,
    endpoint: Endpoint,
    cookies: CookieJar,
    pinned: Option<String>,
    presented: PresentedFingerprint,
}

/// The settings a [`Transport`] is built from.
pub struct TransportSettings<'a> {
    /// Full endpoint URL.
    pub url: &'a str,
    /// Certificate trust.
    pub trust: &'a Trust,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for each read and write.
    pub read_timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: &'a str,
}

impl Transport {
    /// Builds the agent; fails with [`Error::Config`] on a bad URL, CA file or fingerprint.
    pub fn new(
        settings: TransportSettings<'_>,
        presented: PresentedFingerprint,
    ) -> Result<Self, Error> {
        let endpoint = Endpoint::parse(settings.url)?;
        let pinned = match settings.trust {
            Trust::Fingerprint(fingerprint) => Some(normalize_fingerprint(fingerprint)?),
            _ => None,
        };
        let agent_settings = AgentSettings {
            tls_config: tls::client_config(settings.trust, presented.clone())?,
            connect_timeout: settings.connect_timeout,
            read_timeout: settings.read_timeout,
            user_agent: settings.user_agent.to_string(),
        };
        Ok(Transport {
            agent: agent_settings.build(),
            agent_settings,
            last_exchange: None,
            url: settings.url.to_string(),
            endpoint,
            cookies: CookieJar::default(),
            pinned,
            presented,
        })
    }

    /// POSTs `body` for `method` with the session cookies and, when given, the `X-Token` header;
    /// stores the cookies of the answer and returns its body (decoded by the caller, which may
    /// read it straight into typed values).
    pub fn post(
        &mut self,
        method: &str,
        body: &str,
        token: Option<&Secret>,
    ) -> Result<Vec<u8>, Error> {
        self.drop_idle_connections();
        let mut request = self
            .agent
            .post(&self.url)
            .timeout(self.agent_settings.exchange_deadline())
            .set("Content-Type", "application/json-rpc; charset=UTF-8")
            .set("Accept", "application/json-rpc");
        if let Some(token) = token {
            request = request.set("X-Token", token.expose());
        }
        if let Some(cookies) = self.cookies.header() {
            request = request.set("Cookie", &cookies);
        }
        let response = request
            .send_string(body)
            .map_err(|error| self.transport_error(method, error))?;
        for set_cookie in response.all("set-cookie") {
            self.cookies.store(set_cookie);
        }
        if response.status() != 200 {
            return Err(Error::Http {
                method: method.to_string(),
                status: response.status(),
            });
        }
        self.read_body(method, response)
    }

    /// GETs a web page (e.g. the webmail login page) with the same certificate trust but
    /// without the session cookies, and returns its text (at most [`MAX_PAGE_BYTES`]).
    pub fn get_page(&mut self, url: &str) -> Result<String, Error> {
        self.drop_idle_connections();
        let response = self
            .agent
            .get(url)
            .timeout(self.agent_settings.exchange_deadline())
            .call()
            .map_err(|error| self.transport_error("GET", error))?;
        let mut body = Vec::new();
        response
            .into_reader()
            .take(MAX_PAGE_BYTES)
            .read_to_end(&mut body)
            .map_err(|error| self.io_error(&error, "read"))?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// A transport to the same endpoint with the same session cookies, over connections of its
    /// own (for a [`crate::Client`] companion).
    pub fn companion(&self) -> Transport {
        Transport {
            agent: self.agent_settings.build(),
            agent_settings: self.agent_settings.clone(),
            last_exchange: None,
            url: self.url.clone(),
            endpoint: self.endpoint.clone(),
            cookies: self.cookies.clone(),
            pinned: self.pinned.clone(),
            presented: self.presented.clone(),
        }
    }

    /// Replaces the agent (and so its connection pool) when the last exchange is too long ago.
    fn drop_idle_connections(&mut self) {
        let idle = self
            .last_exchange
            .is_some_and(|last| last.elapsed() > REUSE_WINDOW);
        if idle {
            self.agent = self.agent_settings.build();
        }
        self.last_exchange = Some(Instant::now());
    }

    /// Forgets the session cookies.
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    fn read_body(&self, method: &str, response: ureq::Response) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        response
            .into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|error| self.io_error(&error, "read"))?;
        if body.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(Error::InvalidJson {
                method: method.to_string(),
                detail: format!("the answer is larger than {} MB", MAX_RESPONSE_BYTES >> 20),
            });
        }
        Ok(body)
    }

    fn transport_error(&self, method: &str, error: ureq::Error) -> Error {
        let transport = match error {
            ureq::Error::Status(status, _) => {
                return Error::Http {
                    method: method.to_string(),
                    status,
                }
            }
            ureq::Error::Transport(transport) => transport,
        };
        if transport.kind() == ureq::ErrorKind::Dns {
            return Error::Dns {
                host: self.endpoint.host.clone(),
            };
        }
        let (io_error, tls_error) = root_causes(&transport);
        if let Some(tls_error) = tls_error {
            return Error::Tls(self.tls_error(tls_error));
        }
        let phase = match transport.kind() {
            ureq::ErrorKind::ConnectionFailed => "connect",
            _ => "read",
        };
        match io_error {
            Some(io_error) => self.io_error(io_error, phase),
            None => Error::Network {
                detail: transport.to_string(),
            },
        }
    }

    fn io_error(&self, error: &io::Error, phase: &'static str) -> Error {
        if let Some(tls_error) = error.get_ref().and_then(|inner| inner.downcast_ref()) {
            return Error::Tls(self.tls_error(tls_error));
        }
        match error.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout { phase },
            io::ErrorKind::ConnectionRefused => Error::ConnectionRefused {
                addr: self.endpoint.addr.clone(),
            },
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => Error::Network {
                detail: format!("the connection to {} was reset", self.endpoint.addr),
            },
            io::ErrorKind::UnexpectedEof => Error::Network {
                detail: format!(
                    "{} closed the connection without an answer",
                    self.endpoint.addr
                ),
            },
            _ => Error::Network {
                detail: format!("{} ({})", error, self.endpoint.addr),
            },
        }
    }

    fn tls_error(&self, error: &rustls::Error) -> TlsError {
        let presented = self
            .presented
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match (error, &self.pinned) {
            // The pinned certificate, but the handshake was not signed with its key.
            (rustls::Error::InvalidCertificate(reason), Some(expected))
                if presented.as_deref() == Some(expected.as_str()) =>
            {
                TlsError::Other(format!(
                    "the server presented the pinned certificate but did not prove it holds its \
                     private key ({reason:?}): it is not the Kerio server, check the network path"
                ))
            }
            (rustls::Error::InvalidCertificate(_), Some(expected)) => {
                TlsError::FingerprintMismatch {
                    expected: expected.clone(),
                    presented: presented.unwrap_or_else(|| "unknown".to_string()),
                }
            }
            (rustls::Error::InvalidCertificate(reason), None) => TlsError::Untrusted {
                presented,
                detail: format!("{reason:?}"),
            },
            (other, _) => TlsError::Other(other.to_string()),
        }
    }
}

/// What an agent is built from (kept to build a fresh one after an idle gap).
#[derive(Debug, Clone)]
struct AgentSettings {
    tls_config: Arc<rustls::ClientConfig>,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
}

impl AgentSettings {
    /// The most one exchange may take: the connect plus the read timeout.
    ///
    /// ureq 2 clears a connection's socket timeouts when it returns it to the pool and does not
    /// set them again before reading the next response head, so on a reused connection the
    /// per-read timeout would not apply and a hung server would hang the caller. A per-request
    /// deadline is enforced on every read, pooled or not.
    fn exchange_deadline(&self) -> Duration {
        self.connect_timeout + self.read_timeout
    }

    fn build(&self) -> ureq::Agent {
        ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout_read(self.read_timeout)
            .timeout_write(self.read_timeout)
            .redirects(0)
            .user_agent(&self.user_agent)
            .tls_config(self.tls_config.clone())
            .build()
    }
}

/// The first `io::Error` and the `rustls::Error` (inside an `io::Error` or on its own) in the
/// source chain of a ureq transport error.
fn root_causes(transport: &ureq::Transport) -> (Option<&io::Error>, Option<&rustls::Error>) {
    let mut io_cause = None;
    let mut cause = std::error::Error::source(transport);
    while let Some(error) = cause {
        if let Some(tls_error) = error.downcast_ref::<rustls::Error>() {
            return (io_cause, Some(tls_error));
        }
        if let Some(io_error) = error.downcast_ref::<io::Error>() {
            io_cause = io_cause.or(Some(io_error));
            // `io::Error::source` skips the wrapped error itself, so look inside explicitly.
            let inner = io_error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            if inner.is_some() {
                return (io_cause, inner);
            }
        }
        cause = error.source();
    }
    (io_cause, None)
}

/// Parses a response body as JSON; anything else is [`Error::InvalidJson`] naming `method`.
pub(crate) fn parse_json(method: &str, body: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(body).map_err(|error| Error::InvalidJson {
        method: method.to_string(),
        detail: error.to_string(),
    })
}
