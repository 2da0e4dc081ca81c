//! Each fault kind of the emulator's fault injection becomes an actionable error (or, for a
//! single session expiry, a transparent re-login), and a failed call changes nothing.

mod common;

use common::*;
use serde_json::{json, Value};

/// Creates jdoe, injects `kind` on `Users.set`, and suspends; returns the response.
fn suspend_under_fault(emu: &Emu, kind: &str, times: u32) -> Value {
    emu.create("jdoe@example.com", 42, 0);
    emu.fault(json!({"method": "Users.set", "kind": kind, "times": times}));
    emu.call(
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    )
}

fn assert_error(response: &Value, code: &str, needle: &str) {
    assert_eq!(response["ok"], false, "{response}");
    assert_eq!(response["error"]["code"], code, "{response}");
    let text = format!(
        "{} {}",
        response["error"]["message"], response["error"]["hint"]
    );
    assert!(text.contains(needle), "{needle:?} not in {text}");
}

#[test]
fn http_500_is_a_protocol_error_naming_the_status() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "http500", 1);
    assert_error(&response, "protocol", "HTTP status 500");
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
}

#[test]
fn http_502_is_a_protocol_error_naming_the_status() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "http502", 1);
    assert_error(&response, "protocol", "HTTP status 502");
}

#[test]
fn connection_reset_is_a_connection_error() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "reset", 1);
    assert_error(&response, "connection", "firewall");
}

#[test]
fn malformed_json_is_a_protocol_error() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "malformed", 1);
    assert_error(&response, "protocol", "not a Kerio API response");
}

#[test]
fn slow_answer_beyond_the_timeout_is_a_timeout() {
    let emu = Emu::start();
    emu.fault(json!({"method": "Domains.get", "kind": "delay", "times": 1, "delay_ms": 2500}));
    let mut server = emu.server();
    server["timeout_s"] = json!(1);
    let response = emu.call_with(
        server,
        "account_info",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    assert_error(&response, "timeout", "raise the timeout");
}

#[test]
fn slow_answer_within_the_timeout_succeeds() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    emu.fault(json!({"method": "Domains.get", "kind": "delay", "times": 1, "delay_ms": 300}));
    let response = emu.call(
        "account_info",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    assert_eq!(response["ok"], true, "{response}");
}

#[test]
fn one_session_expiry_is_survived_by_logging_in_again() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "expire_session", 1);
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(response["result"]["changed"], true);
    let logins = methods(&response)
        .iter()
        .filter(|m| *m == "Session.login")
        .count();
    assert_eq!(logins, 2, "{:?}", methods(&response));
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], false);
}

#[test]
fn repeated_session_expiry_points_at_kerios_session_settings() {
    let emu = Emu::start();
    let response = suspend_under_fault(&emu, "expire_session", 5);
    assert_error(&response, "kerio", "Session security");
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
}

#[test]
fn a_failed_create_leaves_nothing_half_created_and_a_retry_works() {
    let emu = Emu::start();
    emu.fault(json!({"method": "Users.create", "kind": "http500", "times": 1}));
    let args = json!({"localpart": "jdoe", "domain": "example.com", "password": HARD_PASSWORD, "service_id": 42});
    let response = emu.call("create_account", args.clone());
    assert_error(&response, "protocol", "500");
    assert!(emu.user("jdoe@example.com").is_none());
    let retry = emu.ok("create_account", args);
    assert_eq!(retry["created"], true);
}
