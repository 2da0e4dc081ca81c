//! Limits follow the plan on the way down (issue 17 item 3) against the emulator over real HTTPS:
//! `change_package` turns off or cuts the forwarding the new plan does not pay for and keeps the
//! aliases; `trim_aliases` removes the newest aliases above the plan; `add_alias` on a mailbox
//! above its plan says how many to remove. Exchange counts stay at 4.

mod common;

use common::*;
use serde_json::{json, Value};

const MAILBOX: &str = "jane@example.com";
const TARGETS: [&str; 3] = ["a@example.net", "b@example.net", "c@example.net"];

fn mailbox_args(extra: Value) -> Value {
    let mut args = json!({"address": MAILBOX, "service_id": 42});
    if let (Some(args), Value::Object(extra)) = (args.as_object_mut(), extra) {
        args.extend(extra);
    }
    args
}

/// A mailbox with the stored id, aliases `one`..`four` (added in that order) and forwarding to
/// three targets with a copy kept; returns the emulator and the Kerio user id.
fn with_a_bigger_plan() -> (Emu, String) {
    let emu = Emu::start();
    emu.create(MAILBOX, 42, 1024);
    for alias in ["one", "two", "three", "four"] {
        emu.ok(
            "add_alias",
            mailbox_args(json!({"alias": alias, "max_aliases": 5})),
        );
    }
    emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": TARGETS, "max_targets": 5})),
    );
    let id = emu.user(MAILBOX).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    (emu, id)
}

fn forwarding(emu: &Emu) -> Value {
    emu.user(MAILBOX).unwrap()["emailForwarding"].clone()
}

fn aliases(emu: &Emu) -> Value {
    emu.user(MAILBOX).unwrap()["emailAddresses"].clone()
}

#[test]
fn a_plan_without_forwarding_turns_it_off_keeps_the_aliases_in_four_exchanges() {
    let (emu, id) = with_a_bigger_plan();
    let response = emu.call(
        "change_package",
        mailbox_args(
            json!({"quota_mb": 512, "forwarding": false, "max_forward_targets": 0, "user_id": id}),
        ),
    );
    assert_eq!(
        methods(&response),
        ["Session.login", "Batch.run", "Users.set", "Session.logout"]
    );
    let result = &response["result"];
    assert_eq!(result["forward_to"], json!([]));
    assert_eq!(result["forwarding_dropped"], json!(TARGETS));
    assert_eq!(
        result["aliases"],
        json!([
            "one@example.com",
            "two@example.com",
            "three@example.com",
            "four@example.com"
        ])
    );
    assert_eq!(result["quota_mb"], 512);
    assert_eq!(
        forwarding(&emu),
        json!({"mode": "UForwardNone", "emailAddresses": []})
    );
    assert_eq!(
        aliases(&emu).as_array().map(Vec::len),
        Some(4),
        "aliases kept"
    );
}

#[test]
fn fewer_forwarding_targets_keep_the_first_ones_and_the_copy() {
    let (emu, _) = with_a_bigger_plan();
    let result = emu.ok(
        "change_package",
        mailbox_args(json!({"quota_mb": 1024, "forwarding": true, "max_forward_targets": 1})),
    );
    assert_eq!(result["forward_to"], json!(["a@example.net"]));
    assert_eq!(
        result["forwarding_dropped"],
        json!(["b@example.net", "c@example.net"])
    );
    assert_eq!(
        forwarding(&emu),
        json!({"mode": "UForwardDeliver", "emailAddresses": ["a@example.net"]})
    );
}

#[test]
fn within_the_plan_or_without_forwarding_args_nothing_is_written() {
    let (emu, id) = with_a_bigger_plan();
    for extra in [
        json!({"forwarding": true, "max_forward_targets": 3}),
        json!({}),
    ] {
        let before = emu.state();
        let mut args = mailbox_args(extra);
        args["quota_mb"] = json!(1024);
        args["user_id"] = json!(id);
        let response = emu.call("change_package", args);
        assert_eq!(
            methods(&response),
            ["Session.login", "Batch.run", "Session.logout"]
        );
        assert_eq!(response["result"]["forward_to"], json!(TARGETS));
        assert_eq!(response["result"]["forwarding_dropped"], json!([]));
        assert_eq!(emu.state(), before);
    }
}

#[test]
fn a_quota_refused_below_usage_changes_no_forwarding_either() {
    let (emu, _) = with_a_bigger_plan();
    emu.set_usage(MAILBOX, 800 * 1024 * 1024);
    let before = emu.state();
    emu.refused(
        "change_package",
        mailbox_args(json!({"quota_mb": 100, "forwarding": false})),
        "quota_below_usage",
    );
    assert_eq!(emu.state(), before);
}

#[test]
fn trim_aliases_removes_the_newest_first_in_four_exchanges_and_then_nothing() {
    let (emu, id) = with_a_bigger_plan();
    let response = emu.call(
        "trim_aliases",
        mailbox_args(json!({"max_aliases": 2, "user_id": id})),
    );
    assert_eq!(
        methods(&response),
        ["Session.login", "Batch.run", "Users.set", "Session.logout"]
    );
    assert_eq!(
        response["result"]["removed"],
        json!(["four@example.com", "three@example.com"])
    );
    assert_eq!(
        response["result"]["aliases"],
        json!(["one@example.com", "two@example.com"])
    );
    assert_eq!(response["result"]["changed"], true);
    assert_eq!(aliases(&emu), json!(["one@example.com", "two@example.com"]));

    let before = emu.state();
    let again = emu.ok("trim_aliases", mailbox_args(json!({"max_aliases": 2})));
    assert_eq!(again["removed"], json!([]));
    assert_eq!(again["changed"], false);
    assert_eq!(emu.state(), before);
}

#[test]
fn an_alias_add_above_the_plan_says_how_many_to_remove() {
    let (emu, _) = with_a_bigger_plan();
    let before = emu.state();
    let error = emu.refused(
        "add_alias",
        mailbox_args(json!({"alias": "five", "max_aliases": 2})),
        "limit_reached",
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("has 4 aliases, but its plan allows 2"),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("Remove 3 alias(es)"),
        "{error}"
    );
    assert_eq!(emu.state(), before);
}

#[test]
fn bad_plan_limits_are_refused_before_kerio() {
    let (emu, _) = with_a_bigger_plan();
    let before = emu.state();
    emu.reset_stats();
    for (op, extra, code) in [
        ("trim_aliases", json!({}), "invalid_request"),
        (
            "trim_aliases",
            json!({"max_aliases": 1001}),
            "invalid_input",
        ),
        (
            "trim_aliases",
            json!({"max_aliases": -1}),
            "invalid_request",
        ),
        (
            "change_package",
            json!({"quota_mb": 1024, "forwarding": true, "max_forward_targets": 1001}),
            "invalid_input",
        ),
        (
            "change_package",
            json!({"quota_mb": 1024, "forwarding": "maybe"}),
            "invalid_request",
        ),
        (
            "change_package",
            json!({"quota_mb": 1024, "forwarding": true, "max_forward_targets": "ten"}),
            "invalid_request",
        ),
    ] {
        emu.refused(op, mailbox_args(extra.clone()), code);
    }
    assert_eq!(emu.total_calls(), 0, "Kerio is not asked");
    assert_eq!(emu.state(), before);
}
