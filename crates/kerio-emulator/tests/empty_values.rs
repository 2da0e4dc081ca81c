//! Values as clients send them: a client that reads a whole user and writes it back sends
//! `emailAddresses: null`, `authType: ""`, `password: ""`, `itemSource: ""`,
//! `emailForwarding.mode: ""`, `outMessageLimit.units: ""`. Each means "leave it as it is";
//! a wrong non-empty value is still refused per item.

mod common;

use common::{Client, Emu};
use serde_json::json;

/// An emulator with one mailbox `login@example.com`; the admin client, domain id and user id.
fn with_user(login: &str, password: &str) -> (Emu, Client, String, String) {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, login, password);
    (emu, admin, domain, id)
}

#[test]
fn a_user_written_back_whole_with_empty_values_changes_only_what_was_edited() {
    let (emu, mut admin, domain, id) = with_user("roundtrip", "R0und-Trip-Pass");
    admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"emailAddresses": ["rt-alias"]}}),
    );
    let mut whole = admin.user(&domain, "roundtrip");
    let before = emu.control("GET", "state", None).1;
    whole["fullName"] = json!("Round Trip");
    whole["emailAddresses"] = json!(null);
    whole["authType"] = json!("");
    whole["password"] = json!("");
    whole["itemSource"] = json!("");
    whole["emailForwarding"]["mode"] = json!("");
    whole["outMessageLimit"]["limit"]["units"] = json!("");
    let result = admin.ok("Users.set", json!({"userIds": [id], "pattern": whole}));
    assert_eq!(result["errors"], json!([]), "{result}");

    let after = admin.user(&domain, "roundtrip");
    assert_eq!(after["fullName"], "Round Trip");
    assert_eq!(after["emailAddresses"], json!(["rt-alias"]));
    assert_eq!(after["authType"], "UInternalAuth");
    let mut changed = state_user(&before, &id);
    changed["fullName"] = json!("Round Trip");
    let now = state_user(&emu.control("GET", "state", None).1, &id);
    assert_eq!(now, changed, "only fullName may change");
    // The password was kept: the old one still logs in to webmail.
    assert!(webmail_accepts(
        &emu,
        "roundtrip@example.com",
        "R0und-Trip-Pass"
    ));
}

/// The user with `id` in a `GET /_emulator/state` answer.
fn state_user(state: &serde_json::Value, id: &str) -> serde_json::Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap()
        .clone()
}

fn webmail_accepts(emu: &Emu, user: &str, password: &str) -> bool {
    let url = format!("{}login/dologin", emu.running.webmail_url());
    let response = match emu
        .agent
        .post(&url)
        .send_form(&[("kerio_username", user), ("kerio_password", password)])
    {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{error}"),
    };
    response.header("location") == Some("/webmail/")
}

#[test]
fn wrong_non_empty_values_are_still_refused_per_item_and_change_nothing() {
    let (emu, mut admin, domain, id) = with_user("strict", "Str1ct-Passw0rd");
    for pattern in [
        json!({"authType": "UNoSuchAuth"}),
        json!({"emailAddresses": "not-a-list"}),
        json!({"password": "x"}),
    ] {
        let result = admin.ok("Users.set", json!({"userIds": [id], "pattern": pattern}));
        assert_eq!(
            result["errors"].as_array().unwrap().len(),
            1,
            "{pattern}: {result}"
        );
    }
    let created = admin.create(
        &domain,
        vec![json!({"loginName": "nopass", "password": ""})],
    );
    assert_eq!(created["errors"].as_array().unwrap().len(), 1, "{created}");
    assert!(webmail_accepts(
        &emu,
        "strict@example.com",
        "Str1ct-Passw0rd"
    ));
}
