//! Property tests ("fuzzing" on the stable toolchain) of the bridge request parser: the text the
//! WHMCS module writes to `kerio-single call` goes through [`bridge::handle`].
//!
//! Inputs: arbitrary text, byte-level mutations of the seed requests in `fuzz/corpus/bridge/`,
//! and generated requests with every operation name and arbitrary arguments. Properties: no
//! panic; the answer is always a bridge response (`ok`, `transcript`, and on failure a stable
//! error code with a message); the admin and mailbox passwords of the request never come back.
//!
//! No network: every request that names a server is pointed at 127.0.0.1:1 (connection refused at
//! once) before it is handled. `PROPTEST_CASES` sets the number of cases; see docs/fuzzing.md.

use kerio_single::bridge;
use kerio_single::ops::{NoProgress, OPERATIONS};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The error codes of docs/bridge-protocol.md.
const ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_input",
    "not_found",
    "already_taken",
    "quota_below_usage",
    "licence_full",
    "auth_failed",
    "permission",
    "connection",
    "timeout",
    "tls",
    "protocol",
    "kerio",
    "mailbox_disabled",
    "sso_disabled",
    "sso_protected",
];

/// The seed requests of fuzz/corpus/bridge/, read once.
fn seed_requests() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/bridge");
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("seed corpus {} unreadable: {e}", dir.display()))
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
        seeds
    })
}

/// Points any server of a parsed request at a closed loopback port and drops file paths, so no
/// case leaves the machine or reads arbitrary files. Text that is not a JSON object is kept as is.
fn offline(text: &str) -> String {
    let Ok(mut request) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    if let Some(server) = request.get_mut("server").and_then(Value::as_object_mut) {
        server.insert("host".into(), json!("127.0.0.1"));
        server.insert("port".into(), json!(1));
        server.insert("timeout_s".into(), json!(1));
        server.remove("ca_file");
    }
    request.to_string()
}

/// Handles `text` and checks the answer is a well-formed bridge response.
fn handle_checked(text: &str) -> Value {
    let response = bridge::handle(&offline(text), &mut NoProgress);
    assert!(response["transcript"].is_array(), "{response}");
    match response["ok"].as_bool() {
        Some(true) => assert!(response.get("result").is_some(), "{response}"),
        Some(false) => {
            let code = response["error"]["code"].as_str().unwrap_or("");
            assert!(ERROR_CODES.contains(&code), "unknown code in {response}");
            let message = response["error"]["message"].as_str().unwrap_or("");
            assert!(!message.trim().is_empty(), "no message in {response}");
        }
        None => panic!("no ok flag in {response}"),
    }
    response
}

/// Every string (keys included) in `value`, except the SSO form which must carry the password.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => {
            for (key, item) in map {
                out.push(key.clone());
                if key != "html" {
                    strings(item, out);
                }
            }
        }
        _ => {}
    }
}

/// Arbitrary JSON biased towards argument names and values the operations read.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::from),
        "[a-z0-9._-]{0,12}@[a-z0-9.-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(argument_name(), inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn argument_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "localpart",
            "domain",
            "password",
            "givenname",
            "surname",
            "quota_mb",
            "service_id",
            "allowed_domains",
            "min_password_length",
            "min_length",
            "address",
            "addresses",
            "mode",
            "archive_mailbox",
            "allow_downgrade_below_usage",
            "sso_enabled",
        ])
        .prop_map(String::from),
        "[a-z_]{1,10}",
    ]
}

/// A password distinctive enough that finding it in the answer means it leaked.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9&#<>\"' %+|\\\\]{6,24}".prop_map(|tail| format!("Zq7{tail}"))
}

fn operation() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(OPERATIONS.to_vec()).prop_map(String::from),
        ".{0,16}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_gets_a_bridge_response(text in ".{0,256}") {
        handle_checked(&text);
    }

    #[test]
    fn arbitrary_bytes_read_lossily_get_a_bridge_response(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        handle_checked(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_seed_requests_get_a_bridge_response(
        seed in any::<prop::sample::Index>(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let seeds = seed_requests();
        let mut bytes = seeds[seed.index(seeds.len())].clone();
        for (at, byte, kind) in cuts {
            if bytes.is_empty() {
                break;
            }
            let at = at.index(bytes.len());
            match kind {
                0 => bytes[at] ^= byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at),
            }
        }
        handle_checked(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn generated_requests_never_echo_their_passwords(
        op in operation(),
        args in json_value(),
        admin_password in secret(),
        mailbox_password in secret(),
        with_server in any::<bool>(),
        version in prop_oneof![Just(json!(1)), json_value()],
    ) {
        let mut args = match args {
            Value::Object(map) => Value::Object(map),
            other => json!({ "value": other }),
        };
        args["password"] = json!(mailbox_password);
        let server = if with_server {
            json!({"host": "127.0.0.1", "username": "admin@example.com", "password": admin_password})
        } else {
            Value::Null
        };
        let request = json!({"v": version, "op": op, "server": server, "args": args});
        let response = handle_checked(&request.to_string());
        let mut texts = Vec::new();
        strings(&response, &mut texts);
        for text in texts {
            prop_assert!(!text.contains(&mailbox_password), "mailbox password in {}", response);
            prop_assert!(!text.contains(&admin_password), "admin password in {}", response);
        }
    }
}
