//! `purge_kept` against the emulator: the kept store of a terminated mailbox is deleted by
//! re-creating its user and removing it with its folder, and a mailbox that exists is never
//! touched.

mod common;

use common::*;
use serde_json::{json, Value};

/// Creates `oldie@example.com` for service 50 with 7 MB of mail and terminates it with `keep`.
fn kept_oldie(emu: &Emu) {
    emu.create("oldie@example.com", 50, 0);
    emu.set_usage("oldie@example.com", 7 * 1024 * 1024);
    emu.ok(
        "terminate",
        json!({"address": "oldie@example.com", "service_id": 50, "mode": "keep"}),
    );
    assert_eq!(kept(emu).len(), 1, "the store is kept");
}

fn kept(emu: &Emu) -> Vec<Value> {
    emu.state()["keptMailboxes"].as_array().unwrap().clone()
}

fn purge_args() -> Value {
    json!({"address": "Oldie@Example.com", "service_id": 50})
}

#[test]
fn purge_deletes_the_kept_store_and_frees_the_address_in_six_exchanges() {
    let emu = Emu::start();
    kept_oldie(&emu);
    let response = emu.call("purge_kept", purge_args());
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(
        response["result"],
        json!({"address": "oldie@example.com", "purged": true, "resumed": false})
    );
    let purge = "Session.login Domains.get Server.findEntityByEmail Users.create Users.remove Session.logout";
    assert_eq!(methods(&response).join(" "), purge);
    let create = &response["transcript"][3]["request"]["params"]["users"][0];
    assert_eq!(create["isEnabled"], false, "{create}");
    assert_eq!(create["password"], "********", "the password never shows");
    assert!(create["description"]
        .as_str()
        .unwrap()
        .contains("purge of kept mail (terminated service 50)"));
    let remove = &response["transcript"][4]["request"]["params"]["requests"][0];
    assert_eq!(remove["method"], "UDeleteFolder");
    assert_eq!(kept(&emu), Vec::<Value>::new(), "the kept store is gone");
    assert!(emu.user("oldie@example.com").is_none(), "no user left");

    emu.create("oldie@example.com", 51, 0);
    let newcomer = emu.user("oldie@example.com").unwrap();
    assert_eq!(
        newcomer["consumedSize"]["value"], 0,
        "the next customer's mailbox is empty: {newcomer}"
    );
}

#[test]
fn purge_never_deletes_a_mailbox_that_exists() {
    let emu = Emu::start();
    kept_oldie(&emu);
    emu.create("oldie@example.com", 51, 0);
    let before = emu.state();
    let error = emu.refused("purge_kept", purge_args(), "already_taken");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("Nothing was deleted"),
        "{error}"
    );
    assert_eq!(
        emu.state(),
        before,
        "the mailbox and its mail are untouched"
    );
    let mailbox = emu.user("oldie@example.com").unwrap();
    assert_eq!(mailbox["consumedSize"]["value"], 7, "{mailbox}");
}

#[test]
fn purge_refuses_an_address_held_by_an_alias_group_or_list() {
    let emu = Emu::start();
    kept_oldie(&emu);
    let holder = json!({"kind": "EntityMailingList", "domain": "example.com", "name": "oldie"});
    assert_eq!(emu.control("POST", "holders", Some(holder)).0, 200);
    let before = emu.state();
    let error = emu.refused("purge_kept", purge_args(), "already_taken");
    assert!(error["message"].as_str().unwrap().contains("mailing list"));
    assert_eq!(emu.state(), before, "nothing created or removed");
}

#[test]
fn an_interrupted_purge_is_finished_by_the_next_one() {
    let emu = Emu::start();
    kept_oldie(&emu);
    emu.fault(json!({"method": "Users.remove", "kind": "http500", "times": 1}));
    emu.refused("purge_kept", purge_args(), "protocol");
    assert!(
        emu.user("oldie@example.com").is_some(),
        "the purge user is left"
    );

    let result = emu.ok("purge_kept", purge_args());
    assert_eq!(result["resumed"], true, "{result}");
    assert!(emu.user("oldie@example.com").is_none());
    assert_eq!(kept(&emu), Vec::<Value>::new());
}

#[test]
fn a_purge_user_of_another_service_is_not_resumed() {
    let emu = Emu::start();
    kept_oldie(&emu);
    emu.fault(json!({"method": "Users.remove", "kind": "http500", "times": 1}));
    emu.refused("purge_kept", purge_args(), "protocol");
    let other = json!({"address": "oldie@example.com", "service_id": 77});
    emu.refused("purge_kept", other, "already_taken");
    assert!(emu.user("oldie@example.com").is_some());
}

#[test]
fn purge_needs_a_service_id_and_a_valid_address() {
    let emu = Emu::start();
    let before = emu.state();
    emu.refused(
        "purge_kept",
        json!({"address": "oldie@example.com"}),
        "invalid_request",
    );
    emu.refused(
        "purge_kept",
        json!({"address": "not an address", "service_id": 50}),
        "invalid_input",
    );
    assert_eq!(emu.state(), before);
}
