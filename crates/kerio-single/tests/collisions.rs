//! No address ends up on two accounts through kerioSingle: Kerio accepts duplicates silently
//! (a login equal to another user's alias, a group's or a mailing list's address), so
//! `create_account` asks `Server.findEntityByEmail` first and refuses such an address as
//! `already_taken`, naming what holds it, with nothing created. Against the emulator over HTTPS.

mod common;

use common::*;
use kerio_api::{Client, ClientConfig, Secret, Trust, User};
use serde_json::json;

/// A create of `local@example.com` for service 42.
fn create_args(local: &str) -> serde_json::Value {
    json!({"localpart": local, "domain": "example.com", "password": "Good-Passw0rd!", "service_id": 42})
}

/// Gives the user `email` the aliases `aliases`, as an admin would in Kerio.
fn set_aliases(emu: &Emu, email: &str, aliases: &[&str]) {
    let mut config = ClientConfig::new(emu.running.admin_url());
    config.trust = Trust::Fingerprint(emu.running.fingerprint_sha256());
    let mut client = Client::new(config).unwrap();
    client.login(ADMIN, &Secret::new(ADMIN_PASSWORD)).unwrap();
    let id = emu.user(email).unwrap()["id"].as_str().unwrap().to_string();
    let pattern = User {
        email_addresses: Some(aliases.iter().map(|a| a.to_string()).collect()),
        ..User::default()
    };
    client.users_set(&[id], &pattern).unwrap();
}

#[test]
fn an_address_held_by_another_users_alias_is_taken_and_names_the_holder() {
    let emu = Emu::start();
    emu.create("jsmith@example.com", 7, 0);
    set_aliases(&emu, "jsmith@example.com", &["office"]);
    let before = emu.state();
    let error = emu.refused("create_account", create_args("office"), "already_taken");
    assert_staff_only(&error, "the user \"jsmith\"");
    assert_eq!(emu.state(), before, "nothing created");
}

#[test]
fn an_address_held_by_an_alias_group_or_mailing_list_is_taken() {
    let emu = Emu::start();
    for (kind, name, phrase) in [
        ("EntityAlias", "deals", "the alias \"deals\""),
        ("EntityGroup", "staff", "the group \"staff\""),
        ("EntityMailingList", "board", "the mailing list \"board\""),
    ] {
        let holder = json!({"kind": kind, "domain": "example.com", "name": name});
        let (status, body) = emu.control("POST", "holders", Some(holder));
        assert_eq!(status, 200, "{body}");
        let before = emu.state();
        emu.reset_stats();
        let error = emu.refused("create_account", create_args(name), "already_taken");
        assert_staff_only(&error, phrase);
        assert_eq!(emu.state(), before);
        assert_eq!(emu.calls("Users.create"), 0);
        assert_eq!(
            emu.total_calls(),
            4,
            "login, Domains.get, findEntityByEmail, logout"
        );
    }
}

#[test]
fn a_free_address_costs_five_exchanges_and_a_retry_finds_its_own_mailbox() {
    let emu = Emu::start();
    emu.reset_stats();
    let first = emu.ok("create_account", create_args("jdoe"));
    assert_eq!(first["created"], true);
    assert_eq!(emu.total_calls(), 5);
    emu.reset_stats();
    let again = emu.ok("create_account", create_args("jdoe"));
    assert_eq!(again["created"], false);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(emu.calls("Users.get"), 1);
    assert_eq!(emu.total_calls(), 5);
    // Our own mailbox with an alias of its own is still a retry, not a collision.
    set_aliases(&emu, "jdoe@example.com", &["john"]);
    assert_eq!(
        emu.ok("create_account", create_args("jdoe"))["created"],
        false
    );
    emu.refused("create_account", create_args("john"), "already_taken");
}

/// The customer's text says only "not available"; who holds the address is in `admin_detail`.
fn assert_staff_only(error: &serde_json::Value, holder: &str) {
    let message = error["message"].as_str().unwrap_or("");
    assert!(message.ends_with("is not available."), "{error}");
    assert!(
        !error["hint"].as_str().unwrap_or("").contains('"'),
        "{error}"
    );
    let detail = error["admin_detail"].as_str().unwrap_or("");
    assert!(detail.contains(holder), "{error}");
}
