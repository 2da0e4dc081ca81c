//! Aliases and forwarding (issue 12) against the emulator over real HTTPS: every rule, the
//! ownership check, idempotency, exchange counts, and the CLI.

mod common;

use common::*;
use serde_json::{json, Value};

const MAILBOX: &str = "jane@example.com";

fn mailbox_args(extra: Value) -> Value {
    let mut args = json!({"address": MAILBOX, "service_id": 42});
    if let (Some(args), Value::Object(extra)) = (args.as_object_mut(), extra) {
        args.extend(extra);
    }
    args
}

fn with_mailbox() -> Emu {
    let emu = Emu::start();
    emu.create(MAILBOX, 42, 1024);
    emu
}

fn stored_id(emu: &Emu) -> String {
    emu.user(MAILBOX).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_alias_is_added_listed_and_removed_and_both_are_idempotent() {
    let emu = with_mailbox();
    let added = emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "Deals", "max_aliases": 2})),
    );
    assert_eq!(added["aliases"], json!(["deals@example.com"]));
    assert_eq!(added["changed"], true);
    let again = emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "deals@example.com", "max_aliases": 2})),
    );
    assert_eq!(again["changed"], false);
    assert_eq!(
        emu.ok("aliases", mailbox_args(json!({})))["aliases"],
        json!(["deals@example.com"])
    );
    let removed = emu.ok("remove_alias", mailbox_args(json!({"alias": "deals"})));
    assert_eq!(removed["aliases"], json!([]));
    assert_eq!(removed["changed"], true);
    let missing = emu.ok("remove_alias", mailbox_args(json!({"alias": "deals"})));
    assert_eq!(missing["changed"], false);
}

#[test]
fn with_the_stored_id_an_add_takes_five_exchanges_and_the_others_four() {
    let emu = with_mailbox();
    let id = stored_id(&emu);
    let response = emu.call(
        "add_alias",
        mailbox_args(json!({"alias": "office", "max_aliases": 3, "user_id": id})),
    );
    assert_eq!(
        methods(&response),
        [
            "Session.login",
            "Batch.run",
            "Server.findEntityByEmail",
            "Users.set",
            "Session.logout"
        ]
    );
    emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": ["x@example.net"]})),
    );
    // Turning forwarding off reads no holders; new targets do (see the loop test).
    for (op, extra) in [
        ("remove_alias", json!({"alias": "office"})),
        ("set_forwarding", json!({"to": []})),
    ] {
        let mut args = mailbox_args(extra);
        args["user_id"] = json!(id);
        let response = emu.call(op, args);
        assert_eq!(response["ok"], true, "{response}");
        assert_eq!(
            methods(&response),
            ["Session.login", "Batch.run", "Users.set", "Session.logout"],
            "{op}"
        );
    }
}

#[test]
fn alias_refusals_change_nothing_on_kerio() {
    let emu = with_mailbox();
    emu.create("bob@example.com", 7, 0);
    let list = json!({"kind": "EntityMailingList", "domain": "example.com", "name": "board"});
    assert_eq!(emu.control("POST", "holders", Some(list)).0, 200);
    let group = json!({"kind": "EntityGroup", "domain": "example.com", "name": "staff"});
    assert_eq!(emu.control("POST", "holders", Some(group)).0, 200);
    emu.ok(
        "add_alias",
        json!({"address": "bob@example.com", "service_id": 7, "alias": "bobs-alias", "max_aliases": 1}),
    );
    let before = emu.user(MAILBOX);
    for (alias, code, phrase) in [
        ("postmaster", "invalid_input", "cannot be used"),
        ("bob", "already_taken", "not available"),
        ("bobs-alias", "already_taken", "not available"),
        ("x@example.org", "invalid_input", "domain"),
        ("<b>x</b>", "invalid_input", "not a valid address"),
        ("a\r\nb", "invalid_input", "not a valid address"),
        ("", "invalid_input", "No alias"),
        ("board", "already_taken", "not available"),
        ("staff", "already_taken", "not available"),
    ] {
        let error = emu.refused(
            "add_alias",
            mailbox_args(json!({"alias": alias, "max_aliases": 5})),
            code,
        );
        assert!(
            error["message"].as_str().unwrap().contains(phrase)
                || error["hint"].as_str().unwrap().contains(phrase),
            "{alias:?}: {error}"
        );
        assert_eq!(emu.user(MAILBOX), before, "{alias:?} changed Kerio");
        if code == "already_taken" {
            assert_holder_for_staff_only(&error, alias);
        }
    }
    let huge = "a-".repeat(512 * 1024);
    let error = emu.refused(
        "add_alias",
        mailbox_args(json!({"alias": huge, "max_aliases": 5})),
        "invalid_input",
    );
    assert!(
        error.to_string().len() < 2000,
        "the error quotes at most a little"
    );
}

#[test]
fn the_alias_limit_is_checked_before_the_duplicate_check() {
    let emu = with_mailbox();
    emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "one", "max_aliases": 1})),
    );
    emu.reset_stats();
    let error = emu.refused(
        "add_alias",
        mailbox_args(json!({"alias": "two", "max_aliases": 1})),
        "limit_reached",
    );
    assert!(error["message"].as_str().unwrap().contains("allows 1"));
    assert_eq!(emu.calls("Server.findEntityByEmail"), 0);
    assert_eq!(emu.calls("Users.set"), 0);
}

#[test]
fn another_services_mailbox_is_never_touched() {
    let emu = with_mailbox();
    let before = emu.user(MAILBOX);
    for (op, extra) in [
        ("aliases", json!({})),
        ("add_alias", json!({"alias": "steal", "max_aliases": 5})),
        ("remove_alias", json!({"alias": "steal"})),
        ("set_forwarding", json!({"to": ["thief@example.net"]})),
    ] {
        let mut args = mailbox_args(extra);
        args["service_id"] = json!(99);
        emu.refused(op, args, "not_owned");
    }
    assert_eq!(emu.user(MAILBOX), before);
}

#[test]
fn forwarding_is_set_with_or_without_a_copy_and_turned_off() {
    let emu = with_mailbox();
    let set = emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": ["A@example.net", "b@example.net"], "keep_copy": false})),
    );
    assert_eq!(set["forward_to"], json!(["a@example.net", "b@example.net"]));
    assert_eq!(set["keep_copy"], false);
    assert_eq!(
        emu.user(MAILBOX).unwrap()["emailForwarding"],
        json!({"mode": "UForwardYes", "emailAddresses": ["a@example.net", "b@example.net"]})
    );
    assert_eq!(set["forward_to_before"], json!([]));
    let same = emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": ["a@example.net", "b@example.net"], "keep_copy": false})),
    );
    assert_eq!(same["changed"], false);
    assert_eq!(
        same["forward_to_before"],
        json!(["a@example.net", "b@example.net"])
    );
    emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": ["a@example.net"]})),
    );
    assert_eq!(
        emu.user(MAILBOX).unwrap()["emailForwarding"]["mode"],
        "UForwardDeliver"
    );
    let off = emu.ok("set_forwarding", mailbox_args(json!({"to": []})));
    assert_eq!(off["forward_to"], json!([]));
    assert_eq!(
        emu.user(MAILBOX).unwrap()["emailForwarding"],
        json!({"mode": "UForwardNone", "emailAddresses": []})
    );
}

#[test]
fn forwarding_refusals_change_nothing_on_kerio() {
    let emu = with_mailbox();
    emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "own", "max_aliases": 1})),
    );
    let before = emu.user(MAILBOX);
    for (to, code) in [
        (json!(["jane@example.com"]), "invalid_input"),
        (json!(["own@example.com"]), "invalid_input"),
        (json!(["a@x.net", "b@x.net", "c@x.net"]), "limit_reached"),
        (json!(["not-an-address"]), "invalid_input"),
        (json!(["a@x.net", "A@X.NET"]), "invalid_input"),
    ] {
        emu.refused(
            "set_forwarding",
            mailbox_args(json!({"to": to, "max_targets": 2})),
            code,
        );
        assert_eq!(emu.user(MAILBOX), before, "{to} changed Kerio");
    }
}

#[test]
fn forwarding_to_a_private_or_special_use_domain_is_refused() {
    let emu = with_mailbox();
    let before = emu.user(MAILBOX);
    for target in [
        "a@localhost",
        "a@127.0.0.1",
        "a@intranet",
        "a@printer.local",
        "a@app.localhost",
        "a@shop.test",
        "a@x.invalid",
        "a@[10.0.0.1]",
    ] {
        let error = emu.refused(
            "set_forwarding",
            mailbox_args(json!({"to": ["ok@example.net", target]})),
            "invalid_input",
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap_or("")
                .contains("cannot be used")
                || error["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("not valid"),
            "{target}: {error}"
        );
        assert_eq!(emu.user(MAILBOX), before, "{target} changed Kerio");
    }
}

#[test]
fn forwarding_to_a_mailbox_of_this_server_that_forwards_back_is_a_loop() {
    let emu = with_mailbox();
    emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "jane-alias", "max_aliases": 1})),
    );
    emu.create("bob@example.com", 7, 0);
    emu.create("carl@example.org", 8, 0);
    let forward = |address: &str, service: u64, to: &str| {
        emu.ok(
            "set_forwarding",
            json!({"address": address, "service_id": service, "to": [to]}),
        )
    };
    forward("bob@example.com", 7, "jane-alias@example.com");
    forward("carl@example.org", 8, MAILBOX);
    let before = emu.user(MAILBOX);
    for target in ["bob@example.com", "Carl@example.org"] {
        let error = emu.refused(
            "set_forwarding",
            mailbox_args(json!({"to": ["ok@example.net", target]})),
            "invalid_input",
        );
        let customer = format!("{} {}", error["message"], error["hint"]);
        assert!(customer.contains("loop"), "{error}");
        assert!(
            !customer.contains("bob") && !customer.contains("carl"),
            "{error}"
        );
        assert!(
            error["admin_detail"]
                .as_str()
                .unwrap_or("")
                .contains("forwards to"),
            "{error}"
        );
        assert_eq!(emu.user(MAILBOX), before, "{target} changed Kerio");
    }
    // Once the other mailbox forwards elsewhere, the same target is accepted.
    forward("bob@example.com", 7, "elsewhere@example.net");
    emu.reset_stats();
    let response = emu.call(
        "set_forwarding",
        mailbox_args(json!({"to": ["bob@example.com"]})),
    );
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(
        methods(&response),
        [
            "Session.login",
            "Domains.get",
            "Users.get",
            "Users.get",
            "Users.set",
            "Session.logout"
        ],
        "by address: the read (2), one Users.get for the target's holders, the write"
    );
    let response = emu.call(
        "set_forwarding",
        mailbox_args(json!({"to": ["x@example.net"], "user_id": stored_id(&emu)})),
    );
    assert_eq!(
        methods(&response),
        [
            "Session.login",
            "Batch.run",
            "Domains.get",
            "Users.set",
            "Session.logout"
        ],
        "a target outside the mailbox's domain costs one Domains.get"
    );
}

#[test]
fn suspend_keeps_aliases_and_forwarding_and_reports_the_state() {
    let emu = with_mailbox();
    emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "kept", "max_aliases": 1})),
    );
    emu.ok(
        "set_forwarding",
        mailbox_args(json!({"to": ["k@example.net"]})),
    );
    emu.ok("suspend", mailbox_args(json!({})));
    let state = emu.ok("aliases", mailbox_args(json!({})));
    assert_eq!(state["status"], "suspended");
    assert_eq!(state["aliases"], json!(["kept@example.com"]));
    assert_eq!(state["forward_to"], json!(["k@example.net"]));
}

#[test]
fn the_cli_adds_an_alias_and_sets_forwarding() {
    let emu = with_mailbox();
    let cli = |extra: &[&str]| {
        let mut args = vec!["account"];
        args.extend_from_slice(extra);
        run_binary(&args, &cli_env(&emu), b"")
    };
    let run = cli(&["aliases", MAILBOX, "--service", "42", "--add", "cli"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("cli@example.com"), "{}", run.stdout);
    let run = cli(&[
        "forward",
        MAILBOX,
        "--service",
        "42",
        "--to",
        "f@example.net",
        "--no-keep-copy",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("f@example.net (no copy kept)"),
        "{}",
        run.stdout
    );
    let run = cli(&["forward", MAILBOX, "--service", "42", "--to", MAILBOX]);
    assert_eq!(run.code, 2, "a loop is invalid input: {}", run.stderr);
    assert_no_secret(&format!("{}{}", run.stdout, run.stderr), &[ADMIN_PASSWORD]);
}

#[test]
fn the_cli_applies_repeated_alias_flags_in_order_and_stops_at_the_first_refusal() {
    let emu = with_mailbox();
    let cli = |extra: &[&str]| {
        let mut args = vec!["account", "aliases", MAILBOX, "--service", "42"];
        args.extend_from_slice(extra);
        run_binary(&args, &cli_env(&emu), b"")
    };
    let run = cli(&["--add", "one", "--add", "two", "--add", "three"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let aliases = || {
        let listed = emu.ok("aliases", mailbox_args(json!({})));
        let mut aliases: Vec<String> = serde_json::from_value(listed["aliases"].clone()).unwrap();
        aliases.sort();
        aliases
    };
    assert_eq!(
        aliases(),
        ["one@example.com", "three@example.com", "two@example.com"]
    );

    let run = cli(&["--remove", "one", "--remove", "two"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("three@example.com"), "{}", run.stdout);

    // "postmaster" is reserved: the change before it stays made, the one after it is not tried.
    let run = cli(&["--add", "four", "--add", "postmaster", "--add", "five"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(aliases(), ["four@example.com", "three@example.com"]);
}

#[test]
fn an_alias_is_an_address_that_create_account_then_refuses() {
    let emu = with_mailbox();
    emu.ok(
        "add_alias",
        mailbox_args(json!({"alias": "deals", "max_aliases": 5})),
    );
    let error = emu.refused(
        "create_account",
        json!({"localpart": "deals", "domain": "example.com", "password": "Good-Passw0rd!", "service_id": 43}),
        "already_taken",
    );
    assert!(
        !error["message"].as_str().unwrap().contains("jane"),
        "{error}"
    );
    assert!(
        error["admin_detail"].as_str().unwrap().contains("jane"),
        "{error}"
    );
}

#[test]
fn a_wrongly_typed_alias_is_an_invalid_request() {
    let emu = with_mailbox();
    let before = emu.state();
    emu.refused(
        "add_alias",
        mailbox_args(json!({"alias": ["two"], "max_aliases": 5})),
        "invalid_request",
    );
    assert_eq!(emu.state(), before);
}

/// The customer's text of an `already_taken` refusal never names who holds the address (user,
/// alias owner, group, list); the staff-only `admin_detail` does.
fn assert_holder_for_staff_only(error: &Value, alias: &str) {
    let holder = match alias {
        "bob" | "bobs-alias" => "the user \"bob\"",
        "board" => "the mailing list \"board\"",
        _ => "the group \"staff\"",
    };
    let customer = format!("{} {}", error["message"], error["hint"]);
    for named in ["bob", "board", "staff", "user", "group", "list"] {
        let shown = customer.replace(&format!("{alias}@"), "");
        assert!(
            !shown.contains(named),
            "{alias:?} names {named}: {customer}"
        );
    }
    let detail = error["admin_detail"].as_str().unwrap_or("");
    assert!(detail.contains(holder), "{alias:?}: {detail}");
}
