//! A hostile Kerio server (the emulator's `hostile_after` fault): a 50 MB description and domain
//! names that are no host names. The engine passes on no string longer than 1 KiB (cut with
//! `…`), in the result and in the transcript, its answer line stays small, and invalid domain
//! names are skipped and reported, never listed.

mod common;

use common::*;
use serde_json::{json, Value};

/// The largest string anywhere in `value` (keys and values), in bytes.
fn longest_string(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| key.len().max(longest_string(item)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Makes the next `times` answers of any method hostile.
fn hostile(emu: &Emu, times: u32) {
    emu.fault(
        json!({"method": "*", "kind": "hostile_after", "times": times,
        "description_bytes": 50 * 1024 * 1024, "domain_names": ["<script>", "a..b"]}),
    );
}

#[test]
fn a_fifty_megabyte_description_reaches_nobody_longer_than_one_kib() {
    let emu = Emu::start();
    let created = emu.create("jdoe@example.com", 42, 100);
    for user_id in [Value::Null, created["id"].clone()] {
        hostile(&emu, 100);
        let args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": user_id});
        let request = json!({"v": 1, "op": "account_info", "server": emu.server(), "args": args});
        let run = run_binary(&["call"], &[], request.to_string().as_bytes());
        let answer: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            answer["ok"],
            true,
            "{}",
            &run.stdout[..run.stdout.len().min(2000)]
        );
        let description = answer["result"]["description"].as_str().unwrap();
        assert!(
            description.starts_with("WHMCS service #42"),
            "the mark still reads"
        );
        assert!(
            description.len() <= 1024 && description.ends_with('…'),
            "{}",
            description.len()
        );
        assert!(
            longest_string(&answer) <= 1024,
            "{}",
            longest_string(&answer)
        );
        assert!(
            run.stdout.len() < 64 * 1024,
            "answer of {} bytes",
            run.stdout.len()
        );
    }
}

#[test]
fn domain_names_that_are_no_host_names_are_skipped_and_reported() {
    let emu = Emu::start();
    // Quoted as every engine text is: markup escaped (`\u{3c}`), so no page can render it.
    let skipped = json!(["\"\\u{3c}script\\u{3e}\"", "\"a..b\""]);
    hostile(&emu, 100);
    let connection = emu.ok("test_connection", json!({}));
    let domains = connection["domains"].as_array().unwrap();
    assert!(domains.contains(&json!("example.com")), "{connection}");
    assert!(!domains.iter().any(|d| d == "<script>" || d == "a..b"));
    assert_eq!(connection["skipped_domains"], skipped, "{connection}");
    let info = emu.ok("server_info", json!({}));
    let names: Vec<&str> = info["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"example.com") && !names.contains(&"<script>"));
    assert_eq!(info["skipped_domains"], skipped, "{info}");
    emu.control("DELETE", "faults", None);
    let honest = emu.ok("test_connection", json!({}));
    assert_eq!(honest["skipped_domains"], json!([]));
}
