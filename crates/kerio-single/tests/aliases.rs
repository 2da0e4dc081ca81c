//! `aliases` (issue 12, engine side): list, add, remove on this service's mailbox only, every
//! rule before anything is written, at most 5 exchanges by stored id. Against the emulator.

mod common;

use common::*;
use serde_json::{json, Value};

/// Args naming jdoe@example.com of service 42 by its stored id, plus `extra`.
fn args(id: &Value, extra: Value) -> Value {
    let mut args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": id});
    args.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    args
}

#[test]
fn aliases_are_added_listed_and_removed_idempotently() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    emu.reset_stats();
    let added = emu.ok(
        "aliases",
        args(
            &id,
            json!({"add": ["Sales", "info@example.com"], "max_aliases": 2}),
        ),
    );
    assert_eq!(
        added["aliases"],
        json!(["info@example.com", "sales@example.com"])
    );
    assert_eq!(added["changed"], true);
    assert_eq!(
        emu.total_calls(),
        5,
        "login, read, findEntityByEmail, set, logout"
    );
    assert_eq!(
        emu.user("jdoe@example.com").unwrap()["emailAddresses"],
        json!(["sales", "info"])
    );

    emu.reset_stats();
    let again = emu.ok(
        "aliases",
        args(&id, json!({"add": ["sales"], "max_aliases": 2})),
    );
    assert_eq!(again["changed"], false);
    assert_eq!(emu.total_calls(), 3, "nothing new: no check, no write");
    let listed = emu.ok("aliases", args(&id, json!({})));
    assert_eq!(
        listed["aliases"],
        json!(["info@example.com", "sales@example.com"])
    );
    let removed = emu.ok("aliases", args(&id, json!({"remove": ["info", "nothere"]})));
    assert_eq!(removed["aliases"], json!(["sales@example.com"]));
    let none = emu.ok("aliases", args(&id, json!({"remove": ["nothere"]})));
    assert_eq!(none["changed"], false);
    // The alias now blocks the same address for a new mailbox (findEntityByEmail at create).
    let error = emu.refused(
        "create_account",
        json!({"localpart": "sales", "domain": "example.com", "password": "Good-Passw0rd!", "service_id": 43}),
        "already_taken",
    );
    assert!(
        error["message"].as_str().unwrap().contains("jdoe"),
        "{error}"
    );
}

#[test]
fn alias_rules_refuse_before_anything_is_written() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    emu.create("other@example.com", 43, 0);
    let holder = json!({"kind": "EntityMailingList", "domain": "example.com", "name": "news"});
    assert_eq!(emu.control("POST", "holders", Some(holder)).0, 200);
    emu.ok("aliases", args(&id, json!({"add": ["one"]})));
    let megabyte = "x".repeat(1 << 20);
    for (extra, code) in [
        (json!({"add": ["abuse"]}), "invalid_input"),
        (json!({"add": ["postmaster@example.com"]}), "invalid_input"),
        (json!({"add": ["other"]}), "already_taken"),
        (json!({"add": ["news"]}), "already_taken"),
        (json!({"add": ["x@example.org"]}), "invalid_input"),
        (json!({"add": ["jdoe"]}), "invalid_input"),
        (json!({"add": ["<b>x</b>"]}), "invalid_input"),
        (json!({"add": ["a\r\nb"]}), "invalid_input"),
        (json!({"add": [megabyte]}), "invalid_input"),
        (
            json!({"add": ["two", "three"], "max_aliases": 2}),
            "limit_reached",
        ),
        (json!({"add": "two"}), "invalid_request"),
    ] {
        let before = emu.state();
        let response = emu.call("aliases", args(&id, extra.clone()));
        assert_eq!(response["error"]["code"], code, "{extra}: {response}");
        assert!(response["error"].to_string().len() < 400, "{extra}");
        assert_eq!(emu.state(), before, "{extra}");
    }
    // Another user's alias is taken too.
    let other_id = emu.user("other@example.com").unwrap()["id"].clone();
    let mut other = args(&other_id, json!({"add": ["one"]}));
    other["address"] = json!("other@example.com");
    other["service_id"] = json!(43);
    let error = emu.refused("aliases", other, "already_taken");
    assert!(
        error["message"].as_str().unwrap().contains("jdoe"),
        "{error}"
    );
}

#[test]
fn the_cli_lists_and_changes_aliases() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let env = cli_env(&emu);
    let run = run_binary(
        &[
            "account",
            "aliases",
            "jdoe@example.com",
            "--service",
            "42",
            "--add",
            "sales",
            "--add",
            "info",
        ],
        &env,
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Aliases of jdoe@example.com: info@example.com, sales@example.com\n"
    );
    let run = run_binary(
        &[
            "account",
            "aliases",
            "jdoe@example.com",
            "--service",
            "42",
            "--add",
            "x",
            "--max-aliases",
            "2",
        ],
        &env,
        b"",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
}
