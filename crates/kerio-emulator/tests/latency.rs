//! `--latency-ms` (Config::latency): an emulator started 50 ms away takes at least 50 ms to
//! answer each request (one on loopback takes about a millisecond), and a new TLS connection
//! (TCP connect + handshake) at least 100 ms. Lower bounds only, on the far emulator's own time:
//! nothing here fails because the machine is slow or its timing jitters, only when a wait is
//! missing. (Subtracting a loopback run's time flaked on a loaded machine: the two runs' own
//! work differs by a millisecond either way.)

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{tls_config_for, Emu};
use kerio_emulator::latency::Latency;
use rustls::pki_types::ServerName;
use serde_json::json;

const RTT_MS: u64 = 50;

fn emulator(latency_ms: u64) -> Emu {
    Emu::start_with(|config| config.latency = Latency::from_millis(latency_ms))
}

/// Time of TCP connect + full TLS handshake to the admin listener (the client reads until the
/// handshake is complete, so it waits for the server's flight).
fn connect_and_handshake(emu: &Emu) -> Duration {
    let address = emu.admin_address();
    let config: Arc<rustls::ClientConfig> = tls_config_for(&emu.running.cert_file());
    let started = Instant::now();
    let mut tcp = TcpStream::connect(address).unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = rustls::ClientConnection::new(config, name).unwrap();
    while tls.is_handshaking() {
        tls.complete_io(&mut tcp).unwrap();
    }
    started.elapsed()
}

/// Time of one request on a connection that is already open (kept alive by the agent).
fn warm_request(emu: &Emu) -> Duration {
    let mut client = emu.client();
    let params = json!({});
    client.ok("Version.getApiVersion", params.clone());
    let started = Instant::now();
    client.ok("Version.getApiVersion", params);
    started.elapsed()
}

/// Time of one webmail page on a connection that is already open.
fn warm_webmail_page(emu: &Emu) -> Duration {
    let url = emu.running.webmail_url();
    let fetch = || {
        let started = Instant::now();
        let status = match emu.agent.get(&url).call() {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(status, _)) => status,
            Err(error) => panic!("webmail request failed: {error}"),
        };
        assert!(status < 500, "webmail answered {status}");
        started.elapsed()
    };
    fetch();
    fetch()
}

/// How often the loopback side is measured; its fastest run counts, so a load spike there cannot
/// hide the wait. The distant side is measured once: every run of it includes the waits.
const SAMPLES: usize = 5;

/// The fastest of SAMPLES runs of `measure`.
fn fastest(emu: &Emu, measure: fn(&Emu) -> Duration) -> Duration {
    (0..SAMPLES).map(|_| measure(emu)).min().unwrap()
}

/// `measure` on an emulator RTT_MS away takes at least `round_trips` × RTT_MS longer than on
/// loopback.
fn assert_slower_by(round_trips: u64, what: &str, measure: fn(&Emu) -> Duration) {
    let near = emulator(0);
    let far = emulator(RTT_MS);
    let extra = measure(&far).saturating_sub(fastest(&near, measure));
    assert!(
        extra >= Duration::from_millis(round_trips * RTT_MS),
        "{what} was only {extra:?} slower at {RTT_MS} ms"
    );
}

#[test]
fn each_request_pays_one_round_trip() {
    assert_slower_by(1, "a kept-alive request", warm_request);
}

#[test]
fn webmail_requests_pay_one_round_trip_too() {
    assert_slower_by(1, "a kept-alive webmail request", warm_webmail_page);
}

#[test]
fn connect_and_tls_handshake_pay_two_round_trips() {
    assert_slower_by(2, "connect + handshake", connect_and_handshake);
}
