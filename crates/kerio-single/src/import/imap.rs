//! A small blocking IMAP client for the import source, over TCP with rustls.
//!
//! The protocol is `imap-codec` 1.x (crates.io, MIT/Apache-2.0): a complete, sans-I/O IMAP4rev1
//! codec (with the STARTTLS extension) that encodes our commands and parses every server answer,
//! literals included; this module only moves bytes. Chosen over `imap` (3.x only as alpha
//! releases, its own TLS stack), `async-imap` (needs an async runtime: the engine is blocking,
//! like `kerio-api`) and `imap-next` (async flows built on the same codec); `imap-codec` 2.x
//! is still alpha. TLS is the `kerio-api` rustls set-up (system roots or a pinned SHA-256
//! fingerprint, the presented fingerprint recorded even when rejected).
//!
//! Nothing sent or received is recorded: the LOGIN command carries the source password.

use super::source::{Security, Source};
use crate::error::{Code, Error};
use imap_codec::decode::{Decoder, GreetingDecodeError, ResponseDecodeError};
use imap_codec::encode::{Encoder, Fragment};
use imap_codec::imap_types::command::{Command, CommandBody};
use imap_codec::imap_types::core::AString;
use imap_codec::imap_types::fetch::{MessageDataItem, MessageDataItemName};
use imap_codec::imap_types::flag::{Flag, FlagFetch};
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::{Data, GreetingKind, Response, Status};
use imap_codec::{CommandCodec, GreetingCodec, ResponseCodec};
use kerio_api::{PresentedFingerprint, Trust};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long a connection attempt to one address may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the source may stay silent while an answer is awaited.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Most bytes one server response may take (a LIST or FETCH line; no message bodies are read).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The byte stream: plain TCP (before STARTTLS or with `plain`) or TLS over it.
enum Transport {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.read(buf),
            Transport::Tls(stream) => stream.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.write(buf),
            Transport::Tls(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(stream) => stream.flush(),
            Transport::Tls(stream) => stream.flush(),
        }
    }
}

/// A folder as the source lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The name as sent (modified UTF-7), to address the folder again.
    raw: Vec<u8>,
    /// Whether it is the inbox.
    inbox: bool,
    /// The name decoded for people.
    pub name: String,
    /// Its attributes as listed (`\\Sent`, `\\Noselect`, ...).
    pub attributes: Vec<String>,
    /// The hierarchy delimiter (`None` = flat).
    pub delimiter: Option<char>,
}

impl Listed {
    /// Whether the folder can be opened (not `\\Noselect` / `\\NonExistent`).
    pub fn selectable(&self) -> bool {
        !self.attributes.iter().any(|attribute| {
            attribute.eq_ignore_ascii_case("\\noselect")
                || attribute.eq_ignore_ascii_case("\\nonexistent")
        })
    }
}

/// Messages and bytes of one folder, without those marked `\\Deleted`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Size {
    /// Messages.
    pub messages: u64,
    /// Bytes (RFC822.SIZE).
    pub bytes: u64,
}

/// One logged-in or logging-in connection to the source.
pub struct Connection {
    stream: Transport,
    buffer: Vec<u8>,
    next_tag: u32,
}

/// How a tagged command ended.
enum Completion {
    Ok,
    No(String),
    Bad(String),
}

impl Connection {
    /// Connects to the first of `addresses` that answers, sets up TLS as `source` says and
    /// reads the greeting.
    pub fn open(source: &Source, addresses: &[SocketAddr]) -> Result<Connection, Error> {
        let tcp = connect_any(source, addresses)?;
        let stream = match source.security {
            Security::Tls => Transport::Tls(Box::new(handshake(source, tcp)?)),
            Security::Starttls | Security::Plain => Transport::Plain(tcp),
        };
        let mut connection = Connection {
            stream,
            buffer: Vec::new(),
            next_tag: 1,
        };
        connection.greeting(source)?;
        if source.security == Security::Starttls {
            connection.starttls(source)?;
        }
        Ok(connection)
    }

    /// Logs in with the source's user name and password; a refusal is `source_login_failed`.
    pub fn login(&mut self, source: &Source) -> Result<(), Error> {
        let body = CommandBody::login(
            AString::try_from(source.username.as_str()).map_err(|_| unusable_username())?,
            AString::try_from(source.password.expose()).map_err(|_| unusable_password())?,
        )
        .map_err(|_| unusable_username())?;
        match self.run(body, |_| {})? {
            Completion::Ok => Ok(()),
            Completion::No(_) | Completion::Bad(_) => Err(Error::new(
                Code::SourceLoginFailed,
                format!(
                    "The old mail server refused the user name {} with this password.",
                    crate::error::quote(&source.username)
                ),
                "Check the user name (often the full address) and the password of the old mailbox; some providers need an app password for IMAP.",
            )),
        }
    }

    /// Every folder (LIST "" "*").
    pub fn list(&mut self) -> Result<Vec<Listed>, Error> {
        let body = CommandBody::list("", "*").map_err(|_| internal("LIST"))?;
        let mut folders = Vec::new();
        let done = self.run(body, |data| {
            if let Data::List {
                items,
                delimiter,
                mailbox,
            } = data
            {
                folders.push(listed(
                    items.iter().map(ToString::to_string).collect(),
                    delimiter.as_ref().map(|d| d.inner()),
                    mailbox,
                ));
            }
        })?;
        expect_ok(done, "LIST")?;
        Ok(folders)
    }

    /// Messages and bytes of `folder`: EXAMINE (read-only), then one `UID FETCH 1:*
    /// (RFC822.SIZE FLAGS)` sweep when it holds messages; `\\Deleted` ones are not counted.
    pub fn size_of(&mut self, folder: &Listed) -> Result<Size, Error> {
        let mailbox = if folder.inbox {
            Mailbox::Inbox
        } else {
            Mailbox::try_from(folder.raw.as_slice()).map_err(|_| internal("EXAMINE"))?
        };
        let mut exists = 0u32;
        let done = self.run(CommandBody::Examine { mailbox }, |data| {
            if let Data::Exists(count) = data {
                exists = *count;
            }
        })?;
        expect_ok(done, "EXAMINE")?;
        let mut size = Size::default();
        if exists == 0 {
            return Ok(size);
        }
        let items = vec![MessageDataItemName::Rfc822Size, MessageDataItemName::Flags];
        let body = CommandBody::fetch("1:*", items, true).map_err(|_| internal("FETCH"))?;
        let done = self.run(body, |data| {
            if let Data::Fetch { items, .. } = data {
                count_message(items.as_ref(), &mut size);
            }
        })?;
        expect_ok(done, "UID FETCH")?;
        Ok(size)
    }

    /// Says goodbye (errors ignored: the answer is already known).
    pub fn logout(mut self) {
        let _ = self.run(CommandBody::Logout, |_| {});
    }

    /// Reads the greeting: OK (or PREAUTH) goes on, BYE is `source_unreachable`.
    fn greeting(&mut self, source: &Source) -> Result<(), Error> {
        loop {
            match GreetingCodec::default().decode(&self.buffer) {
                Ok((rest, greeting)) => {
                    let used = self.buffer.len() - rest.len();
                    let kind = greeting.kind;
                    self.buffer.drain(..used);
                    return match kind {
                        GreetingKind::Ok | GreetingKind::PreAuth => Ok(()),
                        GreetingKind::Bye => {
                            Err(unreachable(source, "it closed the connection at once"))
                        }
                    };
                }
                Err(GreetingDecodeError::Incomplete) => self.fill()?,
                Err(_) => return Err(not_imap(source)),
            }
        }
    }

    /// Upgrades a plain connection with STARTTLS; nothing the server sent before the handshake
    /// may be left over (a man in the middle could inject answers there).
    fn starttls(&mut self, source: &Source) -> Result<(), Error> {
        let done = self.run(CommandBody::StartTLS, |_| {})?;
        if !matches!(done, Completion::Ok) {
            return Err(Error::new(
                Code::SourceTls,
                "The old mail server does not offer STARTTLS on this port.",
                "Choose TLS (usually port 993) instead.",
            ));
        }
        if !self.buffer.is_empty() {
            return Err(protocol("it sent data before the STARTTLS handshake"));
        }
        let stand_in = Transport::Plain(placeholder(&self.stream)?);
        let Transport::Plain(tcp) = std::mem::replace(&mut self.stream, stand_in) else {
            return Err(internal("STARTTLS"));
        };
        self.stream = Transport::Tls(Box::new(handshake(source, tcp)?));
        Ok(())
    }

    /// Sends `body` with a new tag and reads answers until its completion, handing every
    /// untagged data answer to `on_data`.
    fn run(
        &mut self,
        body: CommandBody<'_>,
        mut on_data: impl FnMut(&Data),
    ) -> Result<Completion, Error> {
        let tag = format!("K{}", self.next_tag);
        self.next_tag += 1;
        let command = Command::new(tag.as_str(), body).map_err(|_| internal("tag"))?;
        for fragment in CommandCodec::default().encode(&command) {
            match fragment {
                Fragment::Line { data } => self.send(&data)?,
                Fragment::Literal { data, mode } => {
                    if mode == imap_codec::imap_types::core::LiteralMode::Sync {
                        if let Some(done) = self.await_continuation(&tag, &mut on_data)? {
                            return Ok(done);
                        }
                    }
                    self.send(&data)?;
                }
            }
        }
        loop {
            if let Some(done) = self.next_answer(&tag, &mut on_data, false)? {
                return Ok(done);
            }
        }
    }

    /// Waits for the server's go-ahead for a literal; `Some` when the command ended instead.
    fn await_continuation(
        &mut self,
        tag: &str,
        on_data: &mut impl FnMut(&Data),
    ) -> Result<Option<Completion>, Error> {
        loop {
            match self.next_answer(tag, on_data, true)? {
                Some(Completion::Ok) => return Ok(None),
                Some(done) => return Ok(Some(done)),
                None => {}
            }
        }
    }

    /// Reads one answer: `Some` when it completes `tag` (or, with `continuation`, is the go-ahead
    /// for a literal, reported as `Ok`).
    fn next_answer(
        &mut self,
        tag: &str,
        on_data: &mut impl FnMut(&Data),
        continuation: bool,
    ) -> Result<Option<Completion>, Error> {
        loop {
            match ResponseCodec::default().decode(&self.buffer) {
                Ok((rest, response)) => {
                    let used = self.buffer.len() - rest.len();
                    let outcome = answer(response, tag, on_data, continuation);
                    self.buffer.drain(..used);
                    return outcome;
                }
                Err(ResponseDecodeError::Incomplete)
                | Err(ResponseDecodeError::LiteralFound { .. }) => self.fill()?,
                Err(ResponseDecodeError::Failed) => {
                    return Err(protocol("it sent an answer that is not IMAP"))
                }
            }
        }
    }

    /// Writes `data` and flushes.
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.stream
            .write_all(data)
            .and_then(|()| self.stream.flush())
            .map_err(|e| io_error(&e))
    }

    /// Reads more bytes into the buffer.
    fn fill(&mut self) -> Result<(), Error> {
        if self.buffer.len() > MAX_RESPONSE_BYTES {
            return Err(protocol("it sent one answer of more than 1 MB"));
        }
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).map_err(|e| io_error(&e))?;
        if read == 0 {
            return Err(Error::new(
                Code::SourceUnreachable,
                "The old mail server closed the connection.",
                "Try again later; if it keeps happening, check the server name and port with your old provider.",
            ));
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

/// What one decoded answer means for the command tagged `tag`.
fn answer(
    response: Response<'_>,
    tag: &str,
    on_data: &mut impl FnMut(&Data),
    continuation: bool,
) -> Result<Option<Completion>, Error> {
    match response {
        Response::Data(data) => {
            on_data(&data);
            Ok(None)
        }
        Response::CommandContinuationRequest(_) if continuation => Ok(Some(Completion::Ok)),
        Response::CommandContinuationRequest(_) => Ok(None),
        Response::Status(Status::Bye { .. }) => Err(Error::new(
            Code::SourceUnreachable,
            "The old mail server ended the session.",
            "Try again later.",
        )),
        Response::Status(status) if status.tag().map(|t| t.inner()) == Some(tag) => {
            let text = status.text().inner().to_string();
            Ok(Some(match status {
                Status::Ok { .. } => Completion::Ok,
                Status::No { .. } => Completion::No(text),
                _ => Completion::Bad(text),
            }))
        }
        Response::Status(_) => Ok(None),
    }
}

/// A [`Listed`] folder from a LIST answer.
fn listed(attributes: Vec<String>, delimiter: Option<char>, mailbox: &Mailbox) -> Listed {
    let (raw, inbox) = match mailbox {
        Mailbox::Inbox => (b"INBOX".to_vec(), true),
        Mailbox::Other(other) => (other.inner().as_ref().to_vec(), false),
    };
    let text = String::from_utf8_lossy(&raw).into_owned();
    let name = if inbox {
        "INBOX".to_string()
    } else {
        utf7_imap::decode_utf7_imap(text)
    };
    Listed {
        raw,
        inbox,
        name,
        attributes,
        delimiter,
    }
}

/// Adds one FETCH answer to `size` unless the message is `\\Deleted`.
fn count_message(items: &[MessageDataItem], size: &mut Size) {
    let deleted = items.iter().any(|item| {
        matches!(item, MessageDataItem::Flags(flags) if flags.iter().any(|f| matches!(f, FlagFetch::Flag(Flag::Deleted))))
    });
    let bytes = items.iter().find_map(|item| match item {
        MessageDataItem::Rfc822Size(bytes) => Some(u64::from(*bytes)),
        _ => None,
    });
    if let (false, Some(bytes)) = (deleted, bytes) {
        size.messages += 1;
        size.bytes += bytes;
    }
}

/// Connects to the first address that accepts, each with [`CONNECT_TIMEOUT`].
fn connect_any(source: &Source, addresses: &[SocketAddr]) -> Result<TcpStream, Error> {
    let mut last = None;
    for address in addresses {
        match TcpStream::connect_timeout(address, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(READ_TIMEOUT))
                    .map_err(|e| io_error(&e))?;
                stream
                    .set_write_timeout(Some(READ_TIMEOUT))
                    .map_err(|e| io_error(&e))?;
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(error) => last = Some(error),
        }
    }
    let why = last.map_or("it has no address".to_string(), |e| describe_io(&e));
    Err(unreachable(source, &why))
}

/// The TLS handshake over `tcp`, checked against the system roots or the pinned fingerprint.
fn handshake(
    source: &Source,
    mut tcp: TcpStream,
) -> Result<StreamOwned<ClientConnection, TcpStream>, Error> {
    let trust = source
        .fingerprint
        .clone()
        .map_or(Trust::SystemRoots, Trust::Fingerprint);
    let presented = PresentedFingerprint::default();
    let config = kerio_api::tls_client_config(&trust, presented.clone())
        .map_err(|_| internal("TLS set-up"))?;
    let name =
        ServerName::try_from(source.host.clone()).map_err(|_| internal("TLS server name"))?;
    let mut connection = ClientConnection::new(config, name).map_err(|_| internal("TLS"))?;
    while connection.is_handshaking() {
        if let Err(error) = connection.complete_io(&mut tcp) {
            let fingerprint = presented.lock().unwrap_or_else(|e| e.into_inner()).clone();
            return Err(tls_error(source, fingerprint, &error));
        }
    }
    Ok(StreamOwned::new(connection, tcp))
}

/// The `source_tls` error for a failed handshake; names the presented certificate's fingerprint
/// so the customer can choose to trust it.
fn tls_error(source: &Source, fingerprint: Option<String>, error: &io::Error) -> Error {
    match fingerprint {
        Some(fingerprint) => {
            let mut error = Error::new(
                Code::SourceTls,
                format!("The old mail server's certificate is not trusted (SHA-256 fingerprint {fingerprint})."),
                if source.fingerprint.is_some() {
                    "The certificate is not the one you chose to trust: it has changed. Trust it again only if your old provider confirms this fingerprint."
                } else {
                    "If your old provider uses its own certificate and confirms this fingerprint, choose to trust it and try again."
                },
            );
            error.fingerprint = Some(Box::new(fingerprint));
            error
        }
        None if error.kind() == io::ErrorKind::InvalidData => Error::new(
            Code::SourceTls,
            "The old mail server did not complete a TLS handshake.",
            "Check the port and the security: TLS is usually port 993, STARTTLS port 143.",
        ),
        None => unreachable(source, &describe_io(error)),
    }
}

/// A stand-in TCP stream while the real one is moved into TLS (a clone of the same socket).
fn placeholder(stream: &Transport) -> Result<TcpStream, Error> {
    match stream {
        Transport::Plain(tcp) => tcp.try_clone().map_err(|e| io_error(&e)),
        Transport::Tls(_) => Err(internal("STARTTLS")),
    }
}

/// A command that did not end OK (after login) is a protocol failure naming the command.
fn expect_ok(done: Completion, command: &str) -> Result<(), Error> {
    match done {
        Completion::Ok => Ok(()),
        Completion::No(text) | Completion::Bad(text) => Err(protocol(&format!(
            "it refused {command} ({})",
            crate::error::quote(&text)
        ))),
    }
}

/// `source_unreachable` for `source`, saying `why`.
fn unreachable(source: &Source, why: &str) -> Error {
    Error::new(
        Code::SourceUnreachable,
        format!(
            "The old mail server {} could not be reached on port {}: {why}.",
            crate::error::quote(&source.host),
            source.port
        ),
        "Check the server name and port your old provider gives for IMAP, and that it accepts connections from the Internet.",
    )
}

/// `source_unreachable` for a server that does not greet like IMAP.
fn not_imap(source: &Source) -> Error {
    unreachable(
        source,
        "it does not answer like an IMAP server (wrong port or security?)",
    )
}

/// A failure during the session: `source_unreachable` (time-outs, resets) or `source_tls`.
fn io_error(error: &io::Error) -> Error {
    if error.kind() == io::ErrorKind::InvalidData {
        return Error::new(
            Code::SourceTls,
            "The encrypted connection to the old mail server failed.",
            "Try again later.",
        );
    }
    Error::new(
        Code::SourceUnreachable,
        format!(
            "The connection to the old mail server failed: {}.",
            describe_io(error)
        ),
        "Try again later; if it keeps happening, check the server with your old provider.",
    )
}

/// A short reason for an I/O failure (never any data).
fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "the connection was refused".into(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "it did not answer in time".into(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            "the connection was reset".into()
        }
        _ => "the network failed".into(),
    }
}

/// A source that does not speak IMAP as expected.
fn protocol(why: &str) -> Error {
    Error::new(
        Code::SourceUnreachable,
        format!("The old mail server did not answer as an IMAP server should: {why}."),
        "Check the server name, port and security with your old provider.",
    )
}

/// A command the engine could not build (a bug, not the customer's input).
fn internal(what: &str) -> Error {
    Error::new(
        Code::Protocol,
        format!("The engine could not build the IMAP {what} command."),
        "Report this to the module's maintainers.",
    )
}

/// A user name IMAP cannot carry.
fn unusable_username() -> Error {
    Error::invalid_input(
        "The user name for the old mail server cannot be sent over IMAP.",
        "Give the user name without control characters.",
    )
}

/// A password IMAP cannot carry.
fn unusable_password() -> Error {
    Error::invalid_input(
        "The password for the old mail server cannot be sent over IMAP.",
        "Give the password without line breaks or NUL characters.",
    )
}
