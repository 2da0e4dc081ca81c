//! Hostile and careless inputs: plain HTTP variants, webmail URLs, absurd numbers and 1 MB
//! values. Each gets a clear error, never a panic; nothing reaches Kerio when the input is
//! refused before the connection; error messages quote at most 64 characters of the input.

mod common;

use common::*;
use serde_json::{json, Value};

/// Longest error object accepted when it quotes input: its fixed text (the unknown-op message
/// lists every op) plus at most 64 characters of the input and the ellipsis.
const MESSAGE_LIMIT: usize = 600;

/// `emu`'s server object with `extra` settings.
fn server_with(emu: &Emu, extra: Value) -> Value {
    let mut server = emu.server();
    server
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    server
}

/// Runs `op` with `server` and checks it is refused with `code` before any Kerio exchange.
fn refused_before_kerio(emu: &Emu, server: Value, op: &str, args: Value, code: &str) -> Value {
    emu.reset_stats();
    let before = emu.state();
    let response = emu.call_with(server.clone(), op, args);
    assert_eq!(response["error"]["code"], code, "{server}: {response}");
    assert_eq!(response["transcript"], json!([]), "{server}");
    assert_eq!(emu.total_calls(), 0, "{server}: Kerio was contacted");
    assert_eq!(emu.state(), before);
    let error = response["error"].clone();
    assert!(
        error.to_string().len() < MESSAGE_LIMIT,
        "unbounded error: {} chars",
        error.to_string().len()
    );
    error
}

#[test]
fn plain_http_is_refused_before_any_connection_unless_allowed() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let suspend = json!({"address": "jdoe@example.com", "service_id": 42});
    for extra in [
        json!({"secure": false, "tls_fingerprint": null}),
        json!({"secure": "off", "tls_fingerprint": null}),
        json!({"secure": 0, "tls_fingerprint": ""}),
        json!({"secure": false, "tls_fingerprint": null, "allow_plain_http": "no"}),
        json!({"secure": false, "allow_plain_http": true, "tls_fingerprint": "AB:CD"}),
        json!({"secure": false, "allow_plain_http": true, "tls_fingerprint": null, "ca_file": "/ca.pem"}),
    ] {
        let error = refused_before_kerio(
            &emu,
            server_with(&emu, extra),
            "suspend",
            suspend.clone(),
            "invalid_input",
        );
        assert!(
            error["hint"].as_str().unwrap().contains("Tick Secure"),
            "{error}"
        );
    }
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
}

#[test]
fn plain_http_works_against_a_plain_emulator_only_when_allowed() {
    let emu = Emu::start_with(|config| config.plain = true);
    let server = server_with(
        &emu,
        json!({"secure": false, "tls_fingerprint": null, "allow_plain_http": "yes"}),
    );
    let created = emu.call_with(
        server.clone(),
        "create_account",
        json!({"localpart": "jdoe", "domain": "example.com", "password": HARD_PASSWORD,
               "service_id": 42}),
    );
    assert_eq!(created["ok"], true, "{created}");
    let mut refused = server;
    refused["allow_plain_http"] = json!(null);
    refused_before_kerio(
        &emu,
        refused,
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": 42}),
        "invalid_input",
    );
}

#[test]
fn absurd_numbers_are_clear_errors_not_panics() {
    let emu = Emu::start();
    let info = json!({"address": "jdoe@example.com", "service_id": 42});
    for timeout in [
        json!(u64::MAX),
        json!("18446744073709551615"),
        json!(0),
        json!(301),
    ] {
        let error = refused_before_kerio(
            &emu,
            server_with(&emu, json!({"timeout_s": timeout})),
            "account_info",
            info.clone(),
            "invalid_input",
        );
        assert!(
            error["hint"].as_str().unwrap().contains("1 to 300"),
            "{error}"
        );
    }
    for port in [json!(0), json!(65536), json!(u64::MAX)] {
        refused_before_kerio(
            &emu,
            server_with(&emu, json!({"port": port})),
            "account_info",
            info.clone(),
            "invalid_input",
        );
    }
    for absurd in [
        json!(-1),
        json!(1e308),
        json!("1e308"),
        json!(-0.0),
        json!("99999999999999999999999"),
    ] {
        for key in ["timeout_s", "port"] {
            refused_before_kerio(
                &emu,
                server_with(&emu, json!({key: absurd.clone()})),
                "account_info",
                info.clone(),
                "invalid_request",
            );
        }
        for (op, key) in [
            ("suspend", "service_id"),
            ("change_package", "quota_mb"),
            ("create_account", "quota_mb"),
            ("create_account", "min_password_length"),
        ] {
            let mut args = json!({"address": "jdoe@example.com", "localpart": "jdoe",
                                  "domain": "example.com", "password": "Good-Passw0rd!",
                                  "service_id": 42, "quota_mb": 10});
            args[key] = absurd.clone();
            refused_before_kerio(&emu, emu.server(), op, args, "invalid_request");
        }
    }
    let huge_quota = json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": u64::MAX});
    refused_before_kerio(
        &emu,
        emu.server(),
        "change_package",
        huge_quota,
        "invalid_input",
    );
}

#[test]
fn a_timeout_of_two_to_the_64_through_the_binary_is_json_not_a_panic() {
    let emu = Emu::start();
    let request = json!({"v": 1, "op": "account_info",
        "server": server_with(&emu, json!({"timeout_s": u64::MAX})),
        "args": {"address": "jdoe@example.com", "service_id": 42}});
    let run = run_binary(&["call"], &[], request.to_string().as_bytes());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let response: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(response["error"]["code"], "invalid_input", "{response}");
}

#[test]
fn webmail_urls_are_parsed_and_named_by_their_access_hash_line() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let sso = json!({"address": "jdoe@example.com", "service_id": 42, "password": HARD_PASSWORD});
    let megabyte = "a".repeat(1 << 20);
    for url in [
        "http://mail.example.com/webmail/".to_string(),
        "mail.example.com/webmail/".to_string(),
        "javascript:alert(1)".to_string(),
        "https:///webmail/".to_string(),
        "https://admin:S3cret@mail.example.com/webmail/".to_string(),
        "https://mail.example.com/web\nmail/".to_string(),
        "https://mail.example.com/webmail/?next=evil".to_string(),
        format!("https://mail.example.com/{megabyte}?"),
    ] {
        let error = refused_before_kerio(
            &emu,
            server_with(&emu, json!({"webmail_url": url})),
            "sso",
            sso.clone(),
            "invalid_input",
        );
        assert!(
            error["hint"].as_str().unwrap().contains("webmail_url"),
            "{error}"
        );
        assert!(!error.to_string().contains("S3cret"), "{error}");
    }
    let allowed = server_with(
        &emu,
        json!({"webmail_url": "http://127.0.0.1:1/webmail/", "allow_plain_http": true}),
    );
    let response = emu.call_with(allowed, "sso", sso);
    assert_eq!(response["ok"], true, "{response}");
}

#[test]
fn one_megabyte_inputs_are_quoted_at_most_64_characters() {
    let emu = Emu::start();
    let megabyte = "x".repeat(1 << 20);
    let cases = [
        (
            "suspend",
            json!({"address": megabyte.clone(), "service_id": 42}),
        ),
        (
            "suspend",
            json!({"address": format!("{megabyte}@example.com"), "service_id": 42}),
        ),
        (
            "suspend",
            json!({"address": format!("jdoe@{megabyte}.com"), "service_id": 42}),
        ),
        (
            "suspend",
            json!({"address": "jdoe@example.com", "service_id": megabyte.clone()}),
        ),
        (
            "terminate",
            json!({"address": "jdoe@example.com", "service_id": 42, "mode": megabyte.clone()}),
        ),
        (
            "suspend",
            json!({"address": "jdoe@example.com", "service_id": 42, "user_id": megabyte.clone()}),
        ),
        (
            "create_account",
            json!({"localpart": megabyte.clone(), "domain": "example.com",
                   "password": "Good-Passw0rd!", "service_id": 42}),
        ),
        (
            "suspend",
            json!({"address": "jdoe@example.com", "service_id": 42,
                   "allowed_domains": [megabyte.clone()]}),
        ),
        (
            "suspend",
            json!({"address": "jdoe@example.com", "service_id": 42, "allowed_domains": megabyte.clone()}),
        ),
        (&*megabyte, json!({})),
    ];
    for (op, args) in cases {
        emu.reset_stats();
        let response = emu.call(op, args);
        let error = &response["error"];
        assert_eq!(response["ok"], false);
        let code = error["code"].as_str().unwrap();
        assert!(
            code == "invalid_input" || code == "invalid_request",
            "{code}"
        );
        let text = error.to_string();
        let start: String = text.chars().take(300).collect();
        assert!(text.len() < MESSAGE_LIMIT, "{} chars: {start}", text.len());
        assert!(!text.contains(&"x".repeat(65)), "{start}");
        assert_eq!(emu.total_calls(), 0);
    }
    let mut server = emu.server();
    server["host"] = json!(megabyte);
    let response = emu.call_with(
        server,
        "account_info",
        json!({"address": "a@example.com", "service_id": 1}),
    );
    assert!(
        response["error"].to_string().len() < MESSAGE_LIMIT,
        "host echoed"
    );
}
