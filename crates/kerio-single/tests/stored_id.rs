//! The mailbox ops given the Kerio user id stored at create (`user_id`): one read (a `Batch.run`
//! of the domain and the user) instead of two, so every mutating action stays at 4 exchanges
//! with the ownership check in; the fallback to the address lookup when the id is stale, and
//! that a stale id never acts on a mailbox another service owns. Against the emulator over real
//! HTTPS, through the bridge.

mod common;

use common::*;
use serde_json::{json, Value};

const LOGIN: &str = "Session.login";
const LOGOUT: &str = "Session.logout";
const DOMAINS: &str = "Domains.get";
const USERS: &str = "Users.get";
const SET: &str = "Users.set";
const REMOVE: &str = "Users.remove";
const BATCH: &str = "Batch.run";

/// The path by address: login, two reads, the mutation, logout.
const LOOKUP_SET: [&str; 5] = [LOGIN, DOMAINS, USERS, SET, LOGOUT];
/// The path by stored id: login, one read (domain + user), the mutation, logout.
const BY_ID_SET: [&str; 4] = [LOGIN, BATCH, SET, LOGOUT];

/// Runs `op` and checks that it succeeded with exactly the Kerio calls `expected`, counted both
/// in the transcript and by the emulator; returns the result.
fn ok_with_calls(emu: &Emu, op: &str, args: Value, expected: &[&str]) -> Value {
    emu.reset_stats();
    let response = emu.call(op, args);
    assert_eq!(response["ok"], true, "{op} failed: {response}");
    assert_eq!(methods(&response), expected, "{op}");
    assert_eq!(
        emu.total_calls(),
        expected.len() as u64,
        "{op}: emulator count"
    );
    response["result"].clone()
}

/// Runs `op`, checks it failed with `code` and left the emulator's state exactly as it was.
fn refused_without_change(emu: &Emu, op: &str, args: Value, code: &str) -> Value {
    let before = emu.state();
    let error = emu.refused(op, args, code);
    assert_eq!(emu.state(), before, "{op} changed the emulator state");
    error
}

/// The user record's quota value in MB (the emulator keeps the units it was given).
fn quota_value(emu: &Emu, email: &str) -> Value {
    emu.user(email).unwrap()["diskSizeLimit"]["limit"]["value"].clone()
}

#[test]
fn suspend_and_unsuspend_by_stored_id_take_four_exchanges() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    let by_address = json!({"address": "jdoe@example.com", "service_id": 42});
    let by_id = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": id});

    let result = ok_with_calls(&emu, "suspend", by_address.clone(), &LOOKUP_SET);
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "changed": true, "user_id": id})
    );
    ok_with_calls(&emu, "unsuspend", by_address, &LOOKUP_SET);

    let result = ok_with_calls(&emu, "suspend", by_id.clone(), &BY_ID_SET);
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "changed": true, "user_id": id})
    );
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], false);
    assert!(!emu.webmail_login("jdoe@example.com", HARD_PASSWORD));
    // Idempotent: suspending a suspended mailbox by id is success again, nothing written.
    let again = ok_with_calls(&emu, "suspend", by_id.clone(), &[LOGIN, BATCH, LOGOUT]);
    assert_eq!(again["changed"], false);
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], false);

    ok_with_calls(&emu, "unsuspend", by_id.clone(), &BY_ID_SET);
    ok_with_calls(&emu, "unsuspend", by_id, &[LOGIN, BATCH, LOGOUT]);
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
    assert!(emu.webmail_login("jdoe@example.com", HARD_PASSWORD));
}

#[test]
fn change_password_by_stored_id_reads_policy_and_user_in_one_exchange() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    let new_password = "N3w-Passw0rd & more";
    let args = json!({"address": "jdoe@example.com", "password": new_password, "givenname": "John",
                      "surname": "Doe", "service_id": 42, "user_id": id});
    let result = ok_with_calls(&emu, "change_password", args, &BY_ID_SET);
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "user_id": id})
    );
    assert!(emu.webmail_login("jdoe@example.com", new_password));
    assert!(!emu.webmail_login("jdoe@example.com", HARD_PASSWORD));

    // The domain's policy and the given names still apply, before anything is written.
    let weak = json!({"address": "jdoe@example.com", "password": "short", "givenname": "John",
                      "service_id": 42, "user_id": id});
    refused_without_change(&emu, "change_password", weak, "invalid_input");
    let personal = json!({"address": "jdoe@example.com", "password": "Johnny-1234", "givenname": "John",
                          "service_id": 42, "user_id": id});
    refused_without_change(&emu, "change_password", personal, "invalid_input");
    assert!(emu.webmail_login("jdoe@example.com", new_password));
}

#[test]
fn change_password_without_a_given_name_reads_kerios_full_name_with_the_user() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    // Kerio's full name is "John Doe": without `givenname` the rule uses it, read with the user.
    let personal = json!({"address": "jdoe@example.com", "password": "Johnny-1234", "service_id": 42,
                          "user_id": id});
    let error = refused_without_change(&emu, "change_password", personal, "invalid_input");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("parts of your name"),
        "{error}"
    );
    let good = json!({"address": "jdoe@example.com", "password": "Fine-Passw0rd", "service_id": 42,
                      "user_id": id});
    let result = ok_with_calls(&emu, "change_password", good, &BY_ID_SET);
    assert_eq!(result["user_id"], id);
    assert!(emu.webmail_login("jdoe@example.com", "Fine-Passw0rd"));
}

#[test]
fn change_package_by_stored_id_reads_usage_with_the_user() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 100)["id"].clone();
    emu.set_usage("jdoe@example.com", 50 * 1024 * 1024 + 512 * 1024);
    let package = |quota: u64| json!({"address": "jdoe@example.com", "quota_mb": quota, "service_id": 42, "user_id": id});

    let result = ok_with_calls(&emu, "change_package", package(60), &BY_ID_SET);
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "quota_mb": 60, "used_mb": 50.5, "user_id": id,
               "forward_to": [], "forwarding_dropped": [], "aliases": []})
    );
    assert_eq!(quota_value(&emu, "jdoe@example.com"), 60);

    // A downgrade below the live usage is still refused, with nothing written.
    let error = refused_without_change(&emu, "change_package", package(10), "quota_below_usage");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("10 MB") && message.contains("50.5 MB"),
        "{message}"
    );

    let mut allowed = package(10);
    allowed["allow_downgrade_below_usage"] = json!(true);
    ok_with_calls(&emu, "change_package", allowed, &BY_ID_SET);
    assert_eq!(quota_value(&emu, "jdoe@example.com"), 10);
    ok_with_calls(&emu, "change_package", package(0), &BY_ID_SET);
    assert_eq!(
        emu.user("jdoe@example.com").unwrap()["diskSizeLimit"]["isActive"],
        false
    );
    // An unchanged quota writes nothing.
    ok_with_calls(&emu, "change_package", package(0), &[LOGIN, BATCH, LOGOUT]);
}

#[test]
fn terminate_by_stored_id_reads_and_removes_in_modes_delete_and_keep() {
    let emu = Emu::start();
    let deleted = emu.create("gone@example.com", 1, 0)["id"].clone();
    let kept = emu.create("kept@example.com", 2, 0)["id"].clone();
    emu.set_usage("kept@example.com", 5 * 1024 * 1024);

    let args = json!({"address": "gone@example.com", "mode": "delete", "service_id": 1, "user_id": deleted});
    let by_id_remove = [LOGIN, BATCH, REMOVE, LOGOUT];
    let result = ok_with_calls(&emu, "terminate", args.clone(), &by_id_remove);
    assert_eq!(
        result,
        json!({"address": "gone@example.com", "removed": true, "note": null})
    );
    assert!(emu.user("gone@example.com").is_none());
    assert_eq!(emu.state()["keptMailboxes"], json!([]));
    // Idempotent: the id is stale now, the lookup finds nothing, which counts as terminated.
    let again = ok_with_calls(&emu, "terminate", args, &[LOGIN, BATCH, USERS, LOGOUT]);
    assert_eq!(again["removed"], false);
    assert_eq!(again["note"], "mailbox did not exist");

    let args =
        json!({"address": "kept@example.com", "mode": "keep", "service_id": 2, "user_id": kept});
    ok_with_calls(&emu, "terminate", args, &by_id_remove);
    assert!(emu.user("kept@example.com").is_none());
    assert_eq!(emu.state()["keptMailboxes"][0]["bytes"], 5 * 1024 * 1024);
}

#[test]
fn terminate_archive_looks_up_the_archive_and_the_mailbox_by_address() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    emu.create("archive@example.com", 1, 0);
    let args = json!({"address": "jdoe@example.com", "mode": "archive", "archive_mailbox": "archive@example.com",
                      "service_id": 42, "user_id": id});
    ok_with_calls(
        &emu,
        "terminate",
        args,
        &[LOGIN, DOMAINS, USERS, REMOVE, LOGOUT],
    );
    assert!(emu.user("jdoe@example.com").is_none());
}

#[test]
fn a_stale_id_falls_back_to_the_address_and_returns_the_fresh_id() {
    let emu = Emu::start();
    let stale = emu.create("jdoe@example.com", 42, 100)["id"].clone();
    // The mailbox is deleted in Kerio and made again for the same service: a new id.
    emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    let fresh = emu.create("jdoe@example.com", 42, 100)["id"].clone();
    assert_ne!(stale, fresh);
    let mailbox = |extra: Value| {
        let mut args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": stale});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        args
    };

    let result = ok_with_calls(
        &emu,
        "suspend",
        mailbox(json!({})),
        &[LOGIN, BATCH, USERS, SET, LOGOUT],
    );
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "changed": true, "user_id": fresh})
    );
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], false);
    let result = ok_with_calls(
        &emu,
        "unsuspend",
        mailbox(json!({})),
        &[LOGIN, BATCH, USERS, SET, LOGOUT],
    );
    assert_eq!(result["user_id"], fresh);
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);

    let password = mailbox(json!({"password": "N3w-Passw0rd", "givenname": "John"}));
    let result = ok_with_calls(
        &emu,
        "change_password",
        password,
        &[LOGIN, BATCH, USERS, SET, LOGOUT],
    );
    assert_eq!(result["user_id"], fresh);
    assert!(emu.webmail_login("jdoe@example.com", "N3w-Passw0rd"));

    let package = mailbox(json!({"quota_mb": 200}));
    let result = ok_with_calls(
        &emu,
        "change_package",
        package,
        &[LOGIN, BATCH, USERS, SET, LOGOUT],
    );
    assert_eq!(result["user_id"], fresh);
    assert_eq!(quota_value(&emu, "jdoe@example.com"), 200);

    let terminate = mailbox(json!({"mode": "delete"}));
    let result = ok_with_calls(
        &emu,
        "terminate",
        terminate,
        &[LOGIN, BATCH, USERS, REMOVE, LOGOUT],
    );
    assert_eq!(result["removed"], true);
    assert!(emu.user("jdoe@example.com").is_none());
}

#[test]
fn a_stale_id_never_acts_on_another_services_recreated_mailbox() {
    let emu = Emu::start();
    let stale = emu.create("jdoe@example.com", 42, 100)["id"].clone();
    emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    // Another WHMCS service orders the freed address: same address, new id, description #7.
    emu.create("jdoe@example.com", 7, 100);
    emu.set_usage("jdoe@example.com", 1024 * 1024);
    let of_service_42 = |extra: Value| {
        let mut args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": stale});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        args
    };

    for (op, extra) in [
        ("suspend", json!({})),
        (
            "change_password",
            json!({"password": "N3w-Passw0rd", "givenname": "John"}),
        ),
        ("change_package", json!({"quota_mb": 1})),
        (
            "change_package",
            json!({"quota_mb": 0, "allow_downgrade_below_usage": true}),
        ),
        ("terminate", json!({"mode": "delete"})),
        ("terminate", json!({"mode": "keep"})),
    ] {
        let error = refused_without_change(&emu, op, of_service_42(extra), "not_owned");
        assert_eq!(error["reason"], "other_service", "{op}");
        assert!(
            error["message"].as_str().unwrap().contains("#7"),
            "{op}: {error}"
        );
    }
    emu.ok(
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": 7}),
    );
    refused_without_change(&emu, "unsuspend", of_service_42(json!({})), "not_owned");

    let user = emu.user("jdoe@example.com").unwrap();
    assert_eq!(user["description"], "WHMCS service #7");
    assert_eq!(user["isEnabled"], false);
    assert_eq!(user["diskSizeLimit"]["limit"]["value"], 100);
}

#[test]
fn a_stale_id_of_a_vanished_mailbox_is_not_found_except_for_terminate() {
    let emu = Emu::start();
    let stale = emu.create("jdoe@example.com", 42, 0)["id"].clone();
    emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    let args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": stale});
    refused_without_change(&emu, "suspend", args.clone(), "not_found");
    refused_without_change(&emu, "unsuspend", args.clone(), "not_found");
    let mut package = args.clone();
    package["quota_mb"] = json!(10);
    refused_without_change(&emu, "change_package", package, "not_found");
    let mut password = args.clone();
    password["password"] = json!("N3w-Passw0rd");
    password["givenname"] = json!("John");
    refused_without_change(&emu, "change_password", password, "not_found");
    let result = emu.ok("terminate", args);
    assert_eq!(result["removed"], false);
}

#[test]
fn a_malformed_stored_id_is_refused_before_contacting_kerio() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    for (op, extra) in [
        ("suspend", json!({})),
        ("unsuspend", json!({})),
        ("terminate", json!({})),
        (
            "change_password",
            json!({"password": "N3w-Passw0rd", "givenname": "John"}),
        ),
        ("change_package", json!({"quota_mb": 10})),
    ] {
        for bad in [
            "42",
            "keriodb://domain/abc",
            "keriodb://user/a b",
            "keriodb://user/abc",
        ] {
            let mut args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": bad});
            args.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            emu.reset_stats();
            let response = emu.call(op, args);
            assert_eq!(
                response["error"]["code"], "invalid_input",
                "{op} {bad}: {response}"
            );
            assert!(response["error"]["hint"]
                .as_str()
                .unwrap()
                .contains("Kerio user ID"));
            assert_eq!(response["transcript"], json!([]), "{op} {bad}");
            assert_eq!(emu.total_calls(), 0, "{op} {bad}");
        }
    }
    // "" means not given, as for every optional value: the lookup path.
    let args = json!({"address": "jdoe@example.com", "service_id": 42, "user_id": ""});
    ok_with_calls(&emu, "suspend", args, &LOOKUP_SET);
}
