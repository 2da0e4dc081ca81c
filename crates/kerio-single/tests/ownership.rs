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
        ("account_usage", json!({})),
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

/// Adds `login@example.com`, a plain user by its own role made a Full Admin by a Kerio group,
/// with `description`.
fn add_group_admin(emu: &Emu, login: &str, description: &str) {
    let body = json!({"login": login, "domain": "example.com", "password": "Grp-Passw0rd!",
        "role": "UserRole", "groupRole": "FullAdmin", "description": description});
    let (status, body) = emu.control("POST", "admins", Some(body));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn an_administrator_through_a_group_is_refused_even_when_marked() {
    let emu = Emu::start();
    // Marked for this very service: only the group role stands in the way.
    let grp = "grp@example.com";
    add_group_admin(&emu, "grp", &format!("WHMCS service #{SERVICE}"));
    let by_address = json!({"address": grp, "service_id": SERVICE});
    refused_everywhere(&emu, by_address.clone(), "admin_role", grp, true);
    let error = emu.refused(
        "change_password",
        args_of(&by_address, &json!({"password": "N3w-Passw0rd!"})),
        "not_owned",
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("group role") && message.contains("FullAdmin"),
        "{message}"
    );
    emu.create("jdoe@example.com", SERVICE, 100);
    let by_id =
        json!({"address": "jdoe@example.com", "service_id": SERVICE, "user_id": id_of(&emu, grp)});
    refused_everywhere(&emu, by_id, "admin_role", grp, true);
    // Unmarked, it cannot be adopted either.
    let loose = "loose@example.com";
    add_group_admin(&emu, "loose", "");
    let error = emu.refused(
        "adopt",
        json!({"address": loose, "service_id": SERVICE}),
        "not_owned",
    );
    assert_eq!(error["reason"], "admin_role", "{error}");
    assert_eq!(emu.user(loose).unwrap()["description"], "");
    // A retried create over it does not hand it to the service.
    let create = json!({"localpart": "grp", "domain": "example.com", "password": "An0ther-Passw0rd!", "service_id": SERVICE});
    let error = emu.refused("create_account", create, "already_taken");
    assert!(!error["message"].as_str().unwrap().is_empty());
}

#[test]
fn test_connection_reports_the_role_a_group_gives() {
    let emu = Emu::start();
    add_group_admin(&emu, "grp", "");
    let mut server = emu.server();
    server["username"] = json!("grp@example.com");
    server["password"] = json!("Grp-Passw0rd!");
    let response = emu.call_with(server, "test_connection", json!({}));
    assert_eq!(response["result"]["role"], "FullAdmin", "{response}");
    assert_eq!(response["result"]["scope"], "all_domains");
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

#[test]
fn account_usage_reads_only_the_services_own_mailbox() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", SERVICE, 100);
    emu.set_usage("jdoe@example.com", 3 * 1024 * 1024);
    let own = json!({"address": "jdoe@example.com", "service_id": SERVICE});
    let usage = emu.ok("account_usage", own);
    assert_eq!(usage["used_mb"], 3, "{usage}");
    assert_eq!(usage["limit_mb"], 100, "{usage}");
    assert_eq!(usage["address"], "jdoe@example.com");
    emu.set_usage(ADMIN, 9 * 1024 * 1024);
    emu.add_admin("hand", "Hand-Passw0rd!", "UserRole");
    add_group_admin(&emu, "grp", &format!("WHMCS service #{SERVICE}"));
    for (account, reason) in [
        (ADMIN, "admin_role"),
        ("grp@example.com", "admin_role"),
        ("hand@example.com", "no_mark"),
    ] {
        let response = emu.call(
            "account_usage",
            json!({"address": account, "service_id": SERVICE}),
        );
        assert_eq!(response["error"]["code"], "not_owned", "{response}");
        assert_eq!(response["error"]["reason"], reason, "{account}");
        assert!(response.get("result").is_none(), "{response}");
    }
    // By a copied id, the id's account is what is checked.
    let by_id = json!({"address": "jdoe@example.com", "service_id": SERVICE, "user_id": id_of(&emu, ADMIN)});
    let error = emu.refused("account_usage", by_id, "not_owned");
    assert_eq!(error["reason"], "admin_role");
}

#[test]
fn bulk_usage_reports_a_figure_only_where_the_account_carries_the_services_mark() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", SERVICE, 100);
    emu.create("other@example.com", 43, 200);
    emu.set_usage(ADMIN, 9 * 1024 * 1024);
    let addresses = json!([
        "jdoe@example.com",
        ADMIN,
        "other@example.com",
        "other@example.com"
    ]);
    let args = json!({"addresses": addresses, "compact": true, "service_ids": [SERVICE, SERVICE, SERVICE, 43]});
    let compact = emu.ok("usage", args);
    assert_eq!(
        compact["usage"],
        json!([[0, 100], null, null, [0, 200]]),
        "{compact}"
    );
    let full = emu.ok(
        "usage",
        json!({"addresses": addresses, "service_ids": [SERVICE, SERVICE, SERVICE, 43]}),
    );
    assert_eq!(
        full["not_owned"],
        json!([ADMIN, "other@example.com"]),
        "{full}"
    );
    assert_eq!(full["accounts"].as_array().unwrap().len(), 2, "{full}");
    // Without service ids (the CLI, the server admin's own view) every figure is reported.
    let all = emu.ok("usage", json!({"addresses": addresses, "compact": true}));
    assert_eq!(all["usage"][1], json!([9, 0]), "{all}");
    let error = emu.refused(
        "usage",
        json!({"addresses": addresses, "service_ids": [SERVICE]}),
        "invalid_request",
    );
    assert!(error["message"].as_str().unwrap().contains("service_ids"));
    // A mark of another installation is not reported to this one.
    assert_eq!(create_for(&emu, "inst@example.com", "alpha-1")["ok"], true);
    let asked = |installation: &str| {
        json!({"addresses": ["inst@example.com"], "compact": true, "service_ids": [SERVICE],
               "installation": installation})
    };
    assert_eq!(emu.ok("usage", asked("alpha-1"))["usage"], json!([[0, 0]]));
    assert_eq!(emu.ok("usage", asked("beta-2"))["usage"], json!([null]));
}

/// The mailbox of `SERVICE` created by installation `installation`.
fn create_for(emu: &Emu, address: &str, installation: &str) -> Value {
    let (local, domain) = address.split_once('@').unwrap();
    emu.call(
        "create_account",
        json!({"localpart": local, "domain": domain, "password": HARD_PASSWORD,
               "service_id": SERVICE, "installation": installation}),
    )
}

#[test]
fn another_installations_mailbox_is_refused_and_never_taken_by_a_retried_create() {
    let emu = Emu::start();
    let created = create_for(&emu, "jdoe@example.com", "alpha-1");
    assert_eq!(created["ok"], true, "{created}");
    let description = emu.user("jdoe@example.com").unwrap()["description"].clone();
    assert_eq!(
        description,
        format!("WHMCS service #{SERVICE} (installation alpha-1)")
    );
    // The same service id in another installation: a retried create does not take it.
    let before = emu.state();
    let retried = create_for(&emu, "jdoe@example.com", "beta-2");
    assert_eq!(retried["error"]["code"], "already_taken", "{retried}");
    assert_eq!(emu.state(), before);
    let theirs =
        json!({"address": "jdoe@example.com", "service_id": SERVICE, "installation": "beta-2"});
    refused_everywhere(&emu, theirs, "other_installation", "jdoe@example.com", true);
    let by_id = json!({"address": "jdoe@example.com", "service_id": SERVICE, "installation": "beta-2",
        "user_id": id_of(&emu, "jdoe@example.com")});
    refused_everywhere(&emu, by_id, "other_installation", "jdoe@example.com", true);
    // Its own installation acts on it; the same retried create there is success.
    let again = create_for(&emu, "jdoe@example.com", "alpha-1");
    assert_eq!(again["result"]["created"], false, "{again}");
    let ours =
        json!({"address": "jdoe@example.com", "service_id": SERVICE, "installation": "alpha-1"});
    emu.ok("suspend", ours);
    let bad = json!({"address": "jdoe@example.com", "service_id": SERVICE, "installation": "a b"});
    let error = emu.refused("suspend", bad, "invalid_request");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("`installation`"));
}

#[test]
fn a_mark_without_installation_is_accepted_and_completed_by_the_next_op() {
    let emu = Emu::start();
    emu.create("old@example.com", SERVICE, 100);
    emu.create("older@example.com", SERVICE, 100);
    let legacy = format!("WHMCS service #{SERVICE}");
    assert_eq!(
        emu.user("old@example.com").unwrap()["description"],
        legacy.as_str()
    );
    let completed = format!("WHMCS service #{SERVICE} (installation alpha-1)");
    let mailbox = |address: &str| json!({"address": address, "service_id": SERVICE, "installation": "alpha-1"});
    // An op that writes carries the completed mark in its own Users.set.
    let response = emu.call("suspend", mailbox("old@example.com"));
    assert_eq!(response["ok"], true, "{response}");
    let sets = methods(&response)
        .iter()
        .filter(|m| *m == "Users.set")
        .count();
    assert_eq!(sets, 1, "{response}");
    let user = emu.user("old@example.com").unwrap();
    assert_eq!(
        (user["description"].as_str(), &user["isEnabled"]),
        (Some(completed.as_str()), &json!(false))
    );
    // A read writes it with one more exchange, once: 4 exchanges, then 3.
    let response = emu.call("account_info", mailbox("older@example.com"));
    assert_eq!(
        methods(&response),
        [
            "Session.login",
            "Domains.get",
            "Users.get",
            "Users.set",
            "Session.logout"
        ]
        .map(String::from),
        "{response}"
    );
    assert_eq!(
        emu.user("older@example.com").unwrap()["description"],
        completed.as_str()
    );
    let response = emu.call("account_info", mailbox("older@example.com"));
    assert_eq!(methods(&response).len(), 4, "{response}");
    // A failed op writes nothing.
    emu.create("failing@example.com", SERVICE, 100);
    let before = emu.state();
    let response = emu.call(
        "change_password",
        json!({"address": "failing@example.com", "service_id": SERVICE,
        "installation": "alpha-1", "password": "short"}),
    );
    assert_eq!(response["ok"], false, "{response}");
    assert_eq!(emu.state(), before);
}
