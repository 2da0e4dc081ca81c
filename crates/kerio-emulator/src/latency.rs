//! Simulated network distance (`serve --latency-ms N`): the server waits one round-trip time
//! (RTT) wherever a client on a real network would wait one, so a client on loopback pays what
//! it would pay N ms away. No root and no `tc netem` needed; see docs/emulator.md.
//!
//! The three waits, each on the connection's own task (other connections are not slowed); the
//! HTTP layer sleeps for the durations these return:
//! - [`Latency::connect`], once per accepted connection before the first byte is read: the TCP
//!   three-way handshake (SYN → SYN-ACK) costs one RTT before the client can send anything.
//!   The kernel has already accepted, so the client sees this RTT in its first exchange rather
//!   than in `connect()`; the total is the same for every client that connects to talk.
//! - [`Latency::handshake`], once per TLS connection before the server reads the ClientHello:
//!   the TLS 1.3 (and resumed) handshake is one flight each way, one RTT.
//! - [`Latency::response`], before each response is written: the request travels half an RTT
//!   to the server and the response half an RTT back.

use std::time::Duration;

/// The simulated round-trip time of one listener; zero means loopback (no waits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    round_trip: Duration,
}

impl Latency {
    /// A client `round_trip_ms` milliseconds away (one full round trip).
    pub fn from_millis(round_trip_ms: u64) -> Latency {
        Latency {
            round_trip: Duration::from_millis(round_trip_ms),
        }
    }

    /// The TCP connect: one RTT, to wait before the first byte of a new connection is read.
    pub fn connect(self) -> Duration {
        self.round_trip
    }

    /// The TLS handshake: one RTT, to wait before the ClientHello is read.
    pub fn handshake(self) -> Duration {
        self.round_trip
    }

    /// One request/response: one RTT, to wait before the response is written.
    pub fn response(self) -> Duration {
        self.round_trip
    }
}
