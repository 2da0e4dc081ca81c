//! Kerio's IMAP listener (implicit TLS, `imaps://`): the connection loop here, the commands in
//! [`session`].
//!
//! Protocol library: `imap-codec` (with its `imap-types`), the IMAP parser and serialiser of
//! the duesee/imap-codec project, fuzzed and kept, used by `imap-next` and the Thunderbird
//! project's Rust work. Commands are decoded and responses encoded by it; nothing here parses
//! IMAP syntax by hand. Version 2.0 (alpha, pinned) because 1.0 has no NAMESPACE (RFC 2342),
//! which the listener must answer. The loop below only frames: it feeds the received bytes to
//! the decoder, answers a synchronising literal with a continuation request when the decoder
//! stops at one, and writes what the session returns.
//!
//! Simulated latency (`--latency-ms`) as on the HTTP listeners: one round trip for the TCP
//! connect, one for the TLS handshake, and one each time the server answers what it has read
//! (commands a client pipelines in one flight are answered after one round trip, as on a real
//! network), including a literal's continuation request.

mod messages;
mod session;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use imap_codec::decode::{AuthenticateDataDecodeError, CommandDecodeError, Decoder};
use imap_codec::imap_types::core::LiteralMode;
use imap_codec::{AuthenticateDataCodec, CommandCodec};
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;

use crate::http::{pay, Connection, Server, Stream};
use crate::latency::Latency;
use crate::Emulator;

use session::MAX_MESSAGE;

/// A connection that sends nothing for this long is closed (RFC 3501 asks for at least 30 min
/// of an authenticated client's silence; tests never wait that long).
const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Receive-buffer room a connection keeps after a large literal.
const RETAINED_BUFFER: usize = 1024 * 1024;
/// Largest command line (without literals) kept while waiting for its end.
const MAX_LINE: usize = 64 * 1024;

/// Binds `listen` and serves IMAP (over TLS unless `tls` is None) on background threads.
pub(crate) fn start(
    listen: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    latency: Latency,
    emulator: Arc<Emulator>,
) -> io::Result<Server> {
    let connection = Connection {
        tls: tls.map(TlsAcceptor::from),
        latency,
    };
    Server::spawn(
        listen,
        "kerio-emulator-imap",
        connection,
        move |io, peer, _| {
            let emulator = emulator.clone();
            async move {
                let _ = converse(io, peer, emulator, latency).await;
            }
        },
    )
}

/// What the framing loop must do after the decoder looked at the buffer.
enum Step {
    /// Answer, drop `consumed` bytes and go on decoding.
    Answered { consumed: usize, output: Vec<u8> },
    /// Wait for more bytes (after writing `output`, e.g. a continuation request).
    Wait { output: Vec<u8> },
}

async fn converse(
    mut io: Stream,
    peer: SocketAddr,
    emulator: Arc<Emulator>,
    latency: Latency,
) -> io::Result<()> {
    let mut session = session::Session::new(emulator, peer);
    io.write_all(&session.greeting()).await?;
    io.flush().await?;
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let mut output = Vec::new();
        loop {
            match step(&mut session, &buffer) {
                Step::Answered {
                    consumed,
                    output: more,
                } => {
                    buffer.drain(..consumed);
                    // A large message's room is given back once it is stored.
                    if buffer.capacity() > RETAINED_BUFFER && buffer.len() < RETAINED_BUFFER {
                        buffer.shrink_to(RETAINED_BUFFER);
                    }
                    output.extend(more);
                    if session.is_closed() {
                        break;
                    }
                }
                Step::Wait { output: more } => {
                    output.extend(more);
                    break;
                }
            }
        }
        if !output.is_empty() {
            pay(latency.response()).await;
            io.write_all(&output).await?;
            io.flush().await?;
        }
        if session.is_closed() {
            return io.shutdown().await;
        }
        let read = tokio::time::timeout(IDLE_TIMEOUT, io.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) | Err(_) => return Ok(()),
            Ok(Ok(count)) => buffer.extend_from_slice(&chunk[..count]),
            Ok(Err(error)) => return Err(error),
        }
    }
}

/// Decodes the next command (or AUTHENTICATE answer) in `buffer` and runs it.
fn step(session: &mut session::Session, buffer: &[u8]) -> Step {
    if buffer.is_empty() {
        return Step::Wait { output: Vec::new() };
    }
    if session.awaits_auth_data() {
        return match AuthenticateDataCodec::new().decode(buffer) {
            Ok((rest, data)) => Step::Answered {
                consumed: buffer.len() - rest.len(),
                output: session.auth_data(data),
            },
            Err(AuthenticateDataDecodeError::Incomplete) => Step::Wait { output: Vec::new() },
            Err(AuthenticateDataDecodeError::Failed) => Step::Answered {
                consumed: line_length(buffer).unwrap_or(buffer.len()),
                output: session.auth_data_invalid(),
            },
        };
    }
    match CommandCodec::new().decode(buffer) {
        Ok((rest, command)) => {
            let consumed = buffer.len() - rest.len();
            Step::Answered {
                consumed,
                output: session.handle(command),
            }
        }
        Err(CommandDecodeError::Incomplete) => incomplete(session, buffer),
        Err(CommandDecodeError::LiteralFound { tag, length, mode }) => {
            if length as usize > MAX_MESSAGE {
                return Step::Answered {
                    consumed: buffer.len(),
                    output: session.literal_too_big(&tag, length),
                };
            }
            match mode {
                LiteralMode::Sync => Step::Wait {
                    output: session::continuation(),
                },
                LiteralMode::NonSync => Step::Wait { output: Vec::new() },
            }
        }
        Err(CommandDecodeError::Failed) => Step::Answered {
            consumed: line_length(buffer).unwrap_or(buffer.len()),
            output: session.unparsable(buffer),
        },
    }
}

/// An incomplete command: wait, unless its line grew past [`MAX_LINE`] without ending.
fn incomplete(session: &mut session::Session, buffer: &[u8]) -> Step {
    if line_length(buffer).is_none() && buffer.len() > MAX_LINE {
        return Step::Answered {
            consumed: buffer.len(),
            output: session.unparsable(buffer),
        };
    }
    Step::Wait { output: Vec::new() }
}

/// Length of the first line including its LF.
fn line_length(buffer: &[u8]) -> Option<usize> {
    buffer.iter().position(|&b| b == b'\n').map(|p| p + 1)
}
