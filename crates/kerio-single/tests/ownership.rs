//! The ownership rule, op by op and case by case: an administrator (by address and by id), a
//! hand-made mailbox without the mark, another service's mailbox reached by a copied id, a
//! mailbox outside the product's domains. Each refusal is `not_owned` with its reason and leaves
//! the emulator's state exactly as it was. `adopt` marks a hand-made mailbox, after which every
//! op works on it. Against the emulator over real HTTPS, through the bridge.

mod common;

use common::*;
use serde_json::{json, Value};

/// The service these tests act for.
const SERVICE: u64 = 42;

/// Every op that changes or reveals a mailbox, with the args it needs besides the mailbox.
fn mailbox_ops() -> Vec<(&'static str, Value)> {
    vec![
        ("suspend", json!({})),
        ("unsuspend", json!({})),
        ("terminate", json!({"mode": "delete"})),
        ("terminate", json!({"mode": "keep"})),
        (
            "change_password",
            json!({"password": "N3w-Passw0rd!", "givenname": "Jane"}),
        ),
        ("change_package", json!({"quota_mb": 500})),
        ("account_info", json!({})),
        ("sso", json!({"password": "N3w-Passw0rd!"})),
        ("aliases", json!({})),
        ("add_alias", json!({"alias": "extra", "max_aliases": 5})),
        ("remove_alias", json!({"alias": "extra"})),
        ("set_forwarding", json!({"to": ["elsewhere@example.net"]})),
    ]
}

/// `mailbox` (address, ids, domains) joined with the op's `extra` args.
fn args_of(mailbox: &Value, extra: &Value) -> Value {
    let mut args = mailbox.clone();
    args.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    args
}

/// Runs every mailbox op (and `adopt` when `adopt_too`) on `mailbox` and checks each is refused
/// as `not_owned` for `reason`, naming `account`, with the emulator's state unchanged.
fn refused_everywhere(emu: &Emu, mailbox: Value, reason: &str, account: &str, adopt_too: bool) {
    let mut ops = mailbox_ops();
    if adopt_too {
        ops.push(("adopt", json!({})));
    }
    for (op, extra) in ops {
        let before = emu.state();
        let response = emu.call(op, args_of(&mailbox, &extra));
        let error = &response["error"];
        assert_eq!(response["ok"], false, "{op} {mailbox}: {response}");
        assert_eq!(error["code"], "not_owned", "{op} {mailbox}: {response}");
        assert_eq!(error["reason"], reason, "{op} {mailbox}");
        assert_eq!(error["account"], account, "{op} {mailbox}");
        assert!(
            error["message"].as_str().unwrap().contains(account),
            "{op}: {error}"
        );
        assert_eq!(emu.state(), before, "{op} {mailbox} changed Kerio");
        let written = methods(&response)
            .into_iter()
            .filter(|m| ["Users.set", "Users.remove"].contains(&m.as_str()))
            .count();
        assert_eq!(written, 0, "{op}: {response}");
    }
}

/// The Kerio user id of `email`.
fn id_of(emu: &Emu, email: &str) -> Value {
    emu.user(email).unwrap()["id"].clone()
}

#[test]
fn an_administrator_is_refused_by_address_and_by_id() {
    let emu = Emu::start();
    emu.add_admin("boss", "Boss-Passw0rd!", "AccountAdmin");
    let admin_id = id_of(&emu, ADMIN);
    let by_address = json!({"address": ADMIN, "service_id": SERVICE});
    refused_everywhere(&emu, by_address, "admin_role", ADMIN, true);
    let boss = "boss@example.com";
    refused_everywhere(
        &emu,
        json!({"address": boss, "service_id": SERVICE}),
        "admin_role",
        boss,
        true,
    );
    // The admin's id stored on this service's own mailbox: the id is what is read and refused.
    emu.create("jdoe@example.com", SERVICE, 100);
    let by_id = json!({"address": "jdoe@example.com", "service_id": SERVICE, "user_id": admin_id});
    refused_everywhere(&emu, by_id, "admin_role", ADMIN, true);
    assert!(emu.webmail_login(ADMIN, ADMIN_PASSWORD));
}

#[test]
fn a_hand_made_mailbox_without_the_mark_is_refused_with_the_adopt_hint() {
    let emu = Emu::start();
    emu.add_admin("hand", "Hand-Passw0rd!", "UserRole");
    let account = "hand@example.com";
    let mailbox = json!({"address": account, "service_id": SERVICE});
    refused_everywhere(&emu, mailbox.clone(), "no_mark", account, false);
    let error = emu.refused("suspend", mailbox, "not_owned");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("Adopt existing mailbox"),
        "{error}"
    );
    let by_id = json!({"address": account, "service_id": SERVICE, "user_id": id_of(&emu, account)});
    refused_everywhere(&emu, by_id, "no_mark", account, false);
}

#[test]
fn another_services_mailbox_is_refused_by_address_and_by_copied_id() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", SERVICE, 100);
    let other = emu.create("other@example.com", 43, 100)["id"].clone();
    let by_address = json!({"address": "other@example.com", "service_id": SERVICE});
    refused_everywhere(&emu, by_address, "other_service", "other@example.com", true);
    let copied = json!({"address": "jdoe@example.com", "service_id": SERVICE, "user_id": other});
    refused_everywhere(&emu, copied, "other_service", "other@example.com", true);
    // A forged id of the right shape that names nobody falls back to the address, with the check.
    let forged_domain = id_of(&emu, "jdoe@example.com")
        .as_str()
        .unwrap()
        .rsplit_once('/')
        .unwrap()
        .0
        .to_string();
    let forged = json!({"address": "other@example.com", "service_id": SERVICE,
                        "user_id": format!("{forged_domain}/not-a-user")});
    refused_everywhere(&emu, forged, "other_service", "other@example.com", true);
}

#[test]
fn a_mailbox_outside_the_products_domains_is_refused() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.org", SERVICE, 100)["id"].clone();
    let mailbox = json!({"address": "jdoe@example.org", "service_id": SERVICE,
                         "allowed_domains": ["example.com"]});
    refused_everywhere(
        &emu,
        mailbox.clone(),
        "outside_domains",
        "jdoe@example.org",
        true,
    );
    let by_id = args_of(&mailbox, &json!({"user_id": id}));
    refused_everywhere(&emu, by_id, "outside_domains", "jdoe@example.org", true);
    // With the domain listed (or no list at all) the same mailbox is the service's.
    let listed = json!({"address": "jdoe@example.org", "service_id": SERVICE,
                        "allowed_domains": ["example.com", "Example.ORG"]});
    emu.ok("account_info", listed);
    emu.ok(
        "account_info",
        json!({"address": "jdoe@example.org", "service_id": SERVICE, "allowed_domains": null}),
    );
}

#[test]
fn a_stored_id_of_another_domain_is_refused() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", SERVICE, 100);
    let elsewhere = emu.create("jdoe@example.org", SERVICE, 100)["id"].clone();
    let before = emu.state();
    let error = emu.refused(
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": SERVICE, "user_id": elsewhere}),
        "invalid_input",
    );
    assert!(error["hint"].as_str().unwrap().contains("Kerio user ID"));
    assert_eq!(emu.state(), before);
}

#[test]
fn every_mailbox_op_needs_the_service_id() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", SERVICE, 100);
    let mut ops = mailbox_ops();
    ops.push(("adopt", json!({})));
    for (op, extra) in ops {
        let args = args_of(&json!({"address": "jdoe@example.com"}), &extra);
        let response = emu.call(op, args);
        assert_eq!(
            response["error"]["code"], "invalid_request",
            "{op}: {response}"
        );
        assert!(response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`service_id`"));
        assert_eq!(response["transcript"], json!([]), "{op}");
    }
}

#[test]
fn adopt_marks_a_hand_made_mailbox_once_and_then_every_op_works() {
    let emu = Emu::start();
    emu.add_admin("hand", "Hand-Passw0rd!", "UserRole");
    let account = "hand@example.com";
    let id = id_of(&emu, account);
    let mailbox = json!({"address": "Hand@Example.com", "service_id": SERVICE,
                         "allowed_domains": ["example.com"]});
    emu.reset_stats();
    let adopted = emu.ok("adopt", mailbox.clone());
    assert_eq!(
        adopted,
        json!({"address": account, "user_id": id, "adopted": true})
    );
    assert_eq!(emu.calls("Users.set"), 1);
    assert_eq!(
        emu.user(account).unwrap()["description"],
        "WHMCS service #42"
    );
    // Again: already this service's, nothing written; by id it costs login, read, logout.
    emu.reset_stats();
    let by_id = args_of(&mailbox, &json!({"user_id": id}));
    let again = emu.ok("adopt", by_id.clone());
    assert_eq!(again["adopted"], false);
    assert_eq!(emu.total_calls(), 3);
    // Another service cannot adopt it now.
    let error = emu.refused(
        "adopt",
        json!({"address": account, "service_id": 43}),
        "not_owned",
    );
    assert_eq!(error["reason"], "other_service");

    for (op, extra) in mailbox_ops() {
        if op == "terminate" {
            continue;
        }
        let response = emu.call(op, args_of(&by_id, &extra));
        assert_eq!(response["ok"], true, "{op}: {response}");
    }
    assert!(emu.webmail_login(account, "N3w-Passw0rd!"));
    emu.ok("terminate", args_of(&by_id, &json!({"mode": "delete"})));
    assert!(emu.user(account).is_none());
    emu.refused("adopt", mailbox, "not_found");
}

#[test]
fn create_over_an_unmarked_mailbox_is_taken_with_a_hint_to_adopt() {
    let emu = Emu::start();
    emu.add_admin("hand", "Hand-Passw0rd!", "UserRole");
    let before = emu.state();
    let error = emu.refused(
        "create_account",
        json!({"localpart": "hand", "domain": "example.com", "password": "Good-Passw0rd!",
               "service_id": SERVICE}),
        "already_taken",
    );
    // The adopt hint is for staff (admin_detail); the customer-safe hint never mentions it.
    assert!(
        error["admin_detail"].as_str().unwrap().contains("adopt"),
        "{error}"
    );
    assert!(
        !error["hint"].as_str().unwrap().contains("adopt"),
        "{error}"
    );
    assert_eq!(emu.state(), before);
    // An admin's address is taken too, without the adopt hint.
    emu.add_admin("chief", "Chief-Passw0rd!", "FullAdmin");
    let error = emu.refused(
        "create_account",
        json!({"localpart": "chief", "domain": "example.com", "password": "Good-Passw0rd!",
               "service_id": SERVICE}),
        "already_taken",
    );
    assert!(
        !error["admin_detail"].as_str().unwrap().contains("adopt"),
        "{error}"
    );
}

#[test]
fn the_cli_adopts_and_refuses_with_exit_3() {
    let emu = Emu::start();
    emu.add_admin("hand", "Hand-Passw0rd!", "UserRole");
    let env = cli_env(&emu);
    let run = run_binary(
        &["account", "suspend", "hand@example.com", "--service", "42"],
        &env,
        b"",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("Adopt"), "{}", run.stderr);
    let run = run_binary(
        &[
            "account",
            "adopt",
            "hand@example.com",
            "--service",
            "42",
            "--domain",
            "example.com",
        ],
        &env,
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Adopted hand@example.com"),
        "{}",
        run.stdout
    );
    let run = run_binary(
        &["account", "suspend", "hand@example.com", "--service", "42"],
        &env,
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = run_binary(
        &["account", "info", "admin@example.com", "--service", "42"],
        &env,
        b"",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = run_binary(&["account", "suspend", "hand@example.com"], &env, b"");
    assert_eq!(run.code, 2, "--service is required");
}
