//! Injected emulator faults and plain network failures, each mapped to its own Error variant.

mod common;

use common::{admin_client, control_post, emulator, pinned_config, Emulator};
use kerio_api::{Client, ClientConfig, Error, Secret};
use serde_json::json;
use std::time::Duration;

fn inject(emulator: &Emulator, method: &str, kind: &str, times: u32, delay_ms: u64) {
    let fault = json!({"method": method, "kind": kind, "times": times, "delay_ms": delay_ms});
    assert_eq!(control_post(&emulator.running, "faults", &fault), 200);
}

/// Injects one fault of `kind` into `Version.getApiVersion` and returns the error of that call.
fn api_version_error(kind: &str) -> Error {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    inject(&emulator, "Version.getApiVersion", kind, 1, 0);
    let error = client.api_version().unwrap_err();
    // The fault is used up: the client (and its session) still work afterwards.
    assert!(client.api_version().unwrap() > 0, "after {kind}");
    error
}

#[test]
fn http_500_and_502_are_http_errors() {
    for (kind, status) in [("http500", 500), ("http502", 502)] {
        let error = api_version_error(kind);
        assert_eq!(
            error,
            Error::Http {
                method: "Version.getApiVersion".into(),
                status
            }
        );
    }
}

#[test]
fn reset_is_a_network_error() {
    let error = api_version_error("reset");
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
}

#[test]
fn malformed_body_is_invalid_json() {
    let error = api_version_error("malformed");
    assert!(
        matches!(&error, Error::InvalidJson { method, .. } if method == "Version.getApiVersion"),
        "{error:?}"
    );
}

#[test]
fn delay_past_the_read_timeout_is_a_read_timeout() {
    let emulator = emulator();
    let mut config = pinned_config(&emulator.running);
    config.connect_timeout = Duration::from_millis(500);
    config.read_timeout = Duration::from_millis(300);
    let mut client = Client::new(config).unwrap();
    client
        .login(common::ADMIN, &Secret::new(common::ADMIN_PASSWORD))
        .unwrap();
    inject(&emulator, "Version.getApiVersion", "delay", 1, 1500);
    assert_eq!(
        client.api_version().unwrap_err(),
        Error::Timeout { phase: "read" }
    );
    let exchange = client.transcript().last().unwrap();
    assert!(exchange.response["clientError"]
        .as_str()
        .unwrap()
        .contains("read timeout"));
}

#[test]
fn delay_within_the_read_timeout_is_fine() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    inject(&emulator, "Version.getApiVersion", "delay", 1, 300);
    assert!(client.api_version().unwrap() > 0);
    assert!(client.transcript().last().unwrap().ms >= 300);
}

#[test]
fn expire_session_is_healed_by_one_relogin() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    inject(&emulator, "Session.whoAmI", "expire_session", 1, 0);
    assert_eq!(client.who_am_i().unwrap().login_name, "admin");
    let methods: Vec<_> = client
        .transcript()
        .iter()
        .map(|e| e.method.as_str())
        .collect();
    assert_eq!(
        methods,
        [
            "Session.login",
            "Session.whoAmI",
            "Session.login",
            "Session.whoAmI"
        ]
    );
}

#[test]
fn session_expiring_again_after_relogin_is_returned_not_looped() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    inject(&emulator, "Session.whoAmI", "expire_session", 5, 0);
    let error = client.who_am_i().unwrap_err();
    assert!(error.is_session_expired(), "{error:?}");
    assert_eq!(
        client.transcript().len(),
        4,
        "login, call, re-login, retry — and no more"
    );
}

#[test]
fn closed_port_is_connection_refused_with_the_address() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut client = Client::new(ClientConfig::new(kerio_api::admin_url(
        "127.0.0.1",
        port,
        true,
    )))
    .unwrap();
    let error = client
        .login(common::ADMIN, &Secret::new(common::ADMIN_PASSWORD))
        .unwrap_err();
    assert_eq!(
        error,
        Error::ConnectionRefused {
            addr: format!("127.0.0.1:{port}")
        }
    );
    assert!(error.to_string().contains("is running"), "{error}");
}

#[test]
fn unknown_host_is_a_dns_error() {
    let url = kerio_api::admin_url("kerio.nonexistent.invalid", 4040, true);
    let mut client = Client::new(ClientConfig::new(url)).unwrap();
    let error = client
        .login(common::ADMIN, &Secret::new(common::ADMIN_PASSWORD))
        .unwrap_err();
    assert_eq!(
        error,
        Error::Dns {
            host: "kerio.nonexistent.invalid".into()
        }
    );
}

#[test]
fn silent_port_is_a_connect_timeout() {
    // The kernel accepts the TCP connection into the backlog, but nobody answers the TLS hello.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = ClientConfig::new(kerio_api::admin_url("127.0.0.1", port, true));
    config.connect_timeout = Duration::from_millis(300);
    config.read_timeout = Duration::from_millis(300);
    let mut client = Client::new(config).unwrap();
    let started = std::time::Instant::now();
    let error = client
        .login(common::ADMIN, &Secret::new(common::ADMIN_PASSWORD))
        .unwrap_err();
    assert_eq!(error, Error::Timeout { phase: "connect" });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}
