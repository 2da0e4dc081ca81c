//! Every operation and every refusal against the emulator over real HTTPS with a pinned
//! certificate fingerprint, through the bridge (in-process).

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn test_connection_reports_version_role_and_presented_fingerprint() {
    let emu = Emu::start();
    let response = emu.call("test_connection", json!({}));
    assert_eq!(response["ok"], true, "{response}");
    let result = &response["result"];
    assert_eq!(result["product"], "Kerio Connect");
    assert_eq!(result["role"], "FullAdmin");
    assert_eq!(result["can_manage_users"], true);
    assert_eq!(result["tls_fingerprint"], emu.running.fingerprint_sha256());
    assert_eq!(
        methods(&response),
        ["Session.login", "Batch.run", "Session.logout"],
        "version, role and domains in one Batch.run"
    );
    assert_eq!(result["scope"], "all_domains");
    assert_eq!(result["domains"], json!(["example.com", "example.org"]));
    assert_eq!(result["unmanageable_domains"], json!([]));
    assert_eq!(result["webmail_csrf"], false);
    assert_eq!(
        response["transcript"][0]["request"]["params"]["password"],
        "********"
    );
}

#[test]
fn test_connection_gives_an_account_admin_its_own_domain_only() {
    let emu = Emu::start();
    emu.add_admin("domadmin", "D0main-Admin!", "AccountAdmin");
    let mut server = emu.server();
    server["username"] = json!("domadmin@example.com");
    server["password"] = json!("D0main-Admin!");
    let result = emu.call_with(
        server.clone(),
        "test_connection",
        json!({"allowed_domains": ["Example.com", "example.org"]}),
    )["result"]
        .clone();
    assert_eq!(result["role"], "AccountAdmin", "{result}");
    assert_eq!(result["scope"], "own_domain");
    assert_eq!(result["domains"], json!(["example.com"]));
    assert_eq!(result["unmanageable_domains"], json!(["example.org"]));
    // What the verdict promises holds: its own domain works, the other is refused by Kerio.
    let create = |domain: &str| json!({"localpart": "jdoe", "domain": domain, "password": "Good-Passw0rd!", "service_id": 42});
    let own = emu.call_with(server.clone(), "create_account", create("example.com"));
    assert_eq!(own["ok"], true, "{own}");
    let other = emu.call_with(server, "create_account", create("example.org"));
    assert_eq!(other["ok"], false, "{other}");
    assert!(emu.user("jdoe@example.org").is_none());
}

#[test]
fn test_connection_refuses_roles_that_cannot_manage_users() {
    let emu = Emu::start();
    emu.add_admin("auditor", "Audit0r-Pass!", "Auditor");
    let mut server = emu.server();
    server["username"] = json!("auditor@example.com");
    server["password"] = json!("Audit0r-Pass!");
    let response = emu.call_with(server.clone(), "test_connection", json!({}));
    assert_eq!(response["error"]["code"], "permission", "{response}");
    let hint = response["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("Full Admin") && hint.contains("Account Admin"),
        "{hint}"
    );
    emu.add_admin("plain", "Plain-Pass-1!", "UserRole");
    server["username"] = json!("plain@example.com");
    server["password"] = json!("Plain-Pass-1!");
    let response = emu.call_with(server, "test_connection", json!({}));
    assert_eq!(response["error"]["code"], "permission", "{response}");
    assert_no_secret(&response.to_string(), &["Audit0r-Pass!", "Plain-Pass-1!"]);
}

#[test]
fn wrong_admin_password_is_auth_failed_and_never_echoed() {
    let emu = Emu::start();
    let mut server = emu.server();
    server["password"] = json!("Wrong-Secret-77");
    let response = emu.call_with(server, "test_connection", json!({}));
    assert_eq!(response["error"]["code"], "auth_failed", "{response}");
    assert!(response["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("admin user name"));
    assert_no_secret(&response.to_string(), &["Wrong-Secret-77"]);
}

#[test]
fn wrong_fingerprint_names_the_presented_one() {
    let emu = Emu::start();
    let mut server = emu.server();
    server["tls_fingerprint"] = json!("00".repeat(32));
    let error = emu.call_with(server, "test_connection", json!({}))["error"].clone();
    assert_eq!(error["code"], "tls", "{error}");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains(&emu.running.fingerprint_sha256()),
        "{error}"
    );
}

#[test]
fn untrusted_self_signed_certificate_offers_its_fingerprint_to_pin() {
    let emu = Emu::start();
    let mut server = emu.server();
    server["tls_fingerprint"] = json!(null);
    let error = emu.call_with(server, "test_connection", json!({}))["error"].clone();
    assert_eq!(error["code"], "tls", "{error}");
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains(&emu.running.fingerprint_sha256()), "{hint}");
    assert!(hint.contains("tls_fingerprint"), "{hint}");
}

#[test]
fn ca_file_trust_works_too() {
    let emu = Emu::start();
    let mut server = emu.server();
    server["tls_fingerprint"] = json!(null);
    server["ca_file"] = json!(emu.running.cert_file());
    // The emulator's certificate names 127.0.0.1, so verification by CA succeeds.
    let response = emu.call_with(server, "test_connection", json!({}));
    assert_eq!(response["ok"], true, "{response}");
}

#[test]
fn refused_connection_points_at_host_port_firewall_and_remote_administration() {
    let emu = Emu::start();
    let free_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = emu.server();
    server["port"] = json!(free_port);
    let error = emu.call_with(server, "test_connection", json!({}))["error"].clone();
    assert_eq!(error["code"], "connection", "{error}");
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains("firewall") && hint.contains("Allow administration from remote host"),
        "{hint}"
    );
}

#[test]
fn server_info_lists_domains_policies_and_counts() {
    let emu = Emu::start();
    emu.add_domain(
        json!({"name": "limited.test", "userMaxCount": 5, "passwordComplexityEnabled": false}),
    );
    emu.create("jdoe@example.com", 1, 0);
    let result = emu.ok("server_info", json!({}));
    let names: Vec<&str> = result["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["example.com", "example.org", "limited.test"]);
    let limited = &result["domains"][2];
    assert_eq!(limited["password_policy"]["complexity"], false);
    assert_eq!(limited["users"]["limit"], 5);
    assert_eq!(result["domains"][0]["users"]["current"], 2); // the admin and jdoe
    assert_eq!(result["licence"]["current"], 2);
}

#[test]
fn password_rules_follow_the_domain_policy_read_from_kerio() {
    let emu = Emu::start();
    emu.add_domain(json!({"name": "simple.test", "passwordComplexityEnabled": false}));
    let ids = |domain: &str| -> Vec<String> {
        let result = emu.ok(
            "password_rules",
            json!({"domain": domain, "min_length": 10, "localpart": "jdoe"}),
        );
        result["password"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids("example.com"),
        [
            "min_length",
            "no_control_characters",
            "character_classes",
            "no_personal_data",
            "password_max_length",
            "password_ascii"
        ]
    );
    assert_eq!(
        ids("simple.test"),
        [
            "min_length",
            "no_control_characters",
            "password_max_length",
            "password_ascii"
        ]
    );
    let error = emu.refused(
        "password_rules",
        json!({"domain": "nowhere.test"}),
        "invalid_input",
    );
    assert!(error["message"].as_str().unwrap().contains("nowhere.test"));
}

#[test]
fn a_given_policy_replaces_the_kerio_read_and_is_reported() {
    let emu = Emu::start();
    let read = emu.call("password_rules", json!({"domain": "example.com"}));
    assert_eq!(read["result"]["policy"]["complexity"], true, "{read}");
    assert_eq!(methods(&read).len(), 3, "{read}");
    let given = emu.call(
        "password_rules",
        json!({"domain": "example.com", "localpart": "jdoe",
               "policy": {"complexity": false, "min_length": 5}}),
    );
    assert_eq!(given["ok"], true, "{given}");
    assert!(
        methods(&given).is_empty(),
        "a given policy needs no Kerio: {given}"
    );
    assert_eq!(given["result"]["policy"]["complexity"], false);
    assert_eq!(given["result"]["password"][0]["value"], 5);
    assert!(!given.to_string().contains("character_classes"), "{given}");
}

#[test]
fn check_password_reports_the_failures_of_the_given_mailbox_name() {
    let emu = Emu::start();
    let policy = json!({"complexity": true, "min_length": 0});
    let bad = emu.ok(
        "check_password",
        json!({"localpart": "..postmaster", "password": HARD_PASSWORD, "policy": policy}),
    );
    assert_eq!(
        bad["localpart_failures"].as_array().map(Vec::len),
        Some(1),
        "{bad}"
    );
    let good = emu.ok(
        "check_password",
        json!({"localpart": "jane.doe", "password": HARD_PASSWORD, "policy": policy}),
    );
    assert_eq!(good["localpart_failures"], json!([]), "{good}");
}

#[test]
fn check_password_lists_every_failed_rule() {
    let emu = Emu::start();
    let result = emu.ok(
        "check_password",
        json!({"domain": "example.com", "password": "john", "givenname": "John"}),
    );
    assert_eq!(result["ok"], false);
    let failures: Vec<&str> = result["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(failures.len(), 3, "{failures:?}");
    let result = emu.ok(
        "check_password",
        json!({"domain": "example.com", "password": HARD_PASSWORD}),
    );
    assert_eq!(result["ok"], true, "{result}");
}

#[test]
fn create_uses_the_minimum_calls_and_the_password_survives_unchanged() {
    let emu = Emu::start();
    let response = emu.call(
        "create_account",
        json!({"localpart": "JDoe", "domain": "Example.com", "password": HARD_PASSWORD, "givenname": "John",
               "surname": "Doe", "quota_mb": "2048", "service_id": "42", "allowed_domains": ["example.com"],
               "min_password_length": 8}),
    );
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(response["result"]["address"], "jdoe@example.com");
    assert_eq!(response["result"]["created"], true);
    assert_eq!(response["result"]["quota_mb"], 2048);
    assert_eq!(
        methods(&response),
        [
            "Session.login",
            "Domains.get",
            "Server.findEntityByEmail",
            "Users.create",
            "Session.logout"
        ]
    );
    assert_no_secret(&response.to_string(), &[HARD_PASSWORD]);
    let user = emu.user("jdoe@example.com").unwrap();
    assert_eq!(user["description"], "WHMCS service #42");
    assert_eq!(user["fullName"], "John Doe");
    assert_eq!(user["diskSizeLimit"]["limit"]["value"], 2048);
    assert!(emu.webmail_login("jdoe@example.com", HARD_PASSWORD));
    assert!(!emu.webmail_login("jdoe@example.com", "Aa1& #<>"));
}

#[test]
fn retried_create_succeeds_and_a_strangers_address_is_taken_without_change() {
    let emu = Emu::start();
    let first = emu.create("jdoe@example.com", 42, 100);
    let again = emu.create("jdoe@example.com", 42, 100);
    assert_eq!(again["created"], false);
    assert_eq!(again["id"], first["id"]);
    let before = emu.state();
    let error = emu.refused(
        "create_account",
        json!({"localpart": "jdoe", "domain": "example.com", "password": "Other-Passw0rd", "service_id": 43}),
        "already_taken",
    );
    assert!(
        !error["message"].as_str().unwrap().contains("#42"),
        "{error}"
    );
    assert!(
        error["admin_detail"].as_str().unwrap().contains("#42"),
        "{error}"
    );
    assert_eq!(emu.state(), before);
    // A mailbox made by hand in Kerio (no service id) is not taken over either.
    let error = emu.refused(
        "create_account",
        json!({"localpart": "admin", "domain": "example.com", "password": "Other-Passw0rd", "service_id": 1,
               "reserved_localparts": []}),
        "already_taken",
    );
    let detail = error["admin_detail"].as_str().unwrap();
    assert!(detail.contains("not created for this service"), "{detail}");
}

#[test]
fn create_refuses_bad_input_and_creates_nothing() {
    let emu = Emu::start();
    let users = emu.user_count();
    let base = json!({"localpart": "jdoe", "domain": "example.com", "password": "Good-Passw0rd", "service_id": 5});
    let cases = [
        (json!({"localpart": "postmaster"}), "reserved"),
        (json!({"localpart": "j..doe"}), "two dots"),
        (json!({"localpart": "j doe"}), "letters"),
        (json!({"localpart": "x".repeat(65)}), "64"),
        (
            json!({"domain": "example.org", "allowed_domains": ["example.com"]}),
            "example.com",
        ),
        (json!({"domain": "nowhere.test"}), "nowhere.test"),
        (json!({"password": "short"}), "At least 8 characters"),
        (json!({"password": "jdoe-Passw0rd"}), "mailbox name"),
        (json!({"min_password_length": 20}), "At least 20 characters"),
        (json!({"quota_mb": 2_000_000_000u64}), "maximum"),
    ];
    for (change, needle) in cases {
        let mut args = base.clone();
        for (key, value) in change.as_object().unwrap() {
            args[key] = value.clone();
        }
        let error = emu.refused("create_account", args, "invalid_input");
        let text = format!("{} {}", error["message"], error["hint"]);
        assert!(text.contains(needle), "{needle:?} not in {text}");
        assert!(!text.contains("Good-Passw0rd"));
    }
    let error = emu.refused(
        "create_account",
        json!({"localpart": "a", "domain": "example.com", "password": "x"}),
        "invalid_request",
    );
    assert!(error["message"].as_str().unwrap().contains("service_id"));
    assert_eq!(emu.user_count(), users);
}

#[test]
fn licence_and_domain_limits_are_clear_errors() {
    let emu = Emu::start_with(|config| config.license_users = Some(2));
    emu.create("one@example.com", 1, 0);
    let error = emu.refused(
        "create_account",
        json!({"localpart": "two", "domain": "example.com", "password": "Good-Passw0rd", "service_id": 2}),
        "licence_full",
    );
    assert!(
        error["message"].as_str().unwrap().contains("licen"),
        "{error}"
    );
    assert!(emu.user("two@example.com").is_none());
    // A suspended mailbox frees its seat.
    emu.ok(
        "suspend",
        json!({"address": "one@example.com", "service_id": 1}),
    );
    emu.create("two@example.com", 2, 0);
    emu.refused(
        "unsuspend",
        json!({"address": "one@example.com", "service_id": 1}),
        "licence_full",
    );

    let emu = Emu::start();
    emu.add_domain(json!({"name": "small.test", "userMaxCount": 1}));
    emu.create("alice@small.test", 1, 0);
    let error = emu.refused(
        "create_account",
        json!({"localpart": "bob", "domain": "small.test", "password": "Good-Passw0rd", "service_id": 2}),
        "licence_full",
    );
    assert!(
        error["message"].as_str().unwrap().contains("small.test"),
        "{error}"
    );
}

#[test]
fn suspend_and_unsuspend_are_idempotent_and_respect_the_owner() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let address = json!({"address": "JDoe@Example.com", "service_id": 42});
    assert_eq!(emu.ok("suspend", address.clone())["changed"], true);
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], false);
    assert_eq!(emu.ok("suspend", address.clone())["changed"], false);
    assert_eq!(emu.ok("unsuspend", address.clone())["changed"], true);
    assert_eq!(emu.ok("unsuspend", address)["changed"], false);
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
    let error = emu.refused(
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": 7}),
        "not_owned",
    );
    assert_eq!(error["reason"], "other_service");
    assert_eq!(emu.user("jdoe@example.com").unwrap()["isEnabled"], true);
    emu.refused(
        "suspend",
        json!({"address": "ghost@example.com", "service_id": 42}),
        "not_found",
    );
    emu.refused(
        "suspend",
        json!({"address": "not-an-address", "service_id": 42}),
        "invalid_input",
    );
}

#[test]
fn terminate_delete_removes_user_and_mailbox_and_is_idempotent() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let result = emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "mode": "delete", "service_id": 42}),
    );
    assert_eq!(result["removed"], true);
    assert!(emu.user("jdoe@example.com").is_none());
    assert_eq!(emu.state()["keptMailboxes"], json!([]));
    let again = emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "delete"}),
    );
    assert_eq!(
        again,
        json!({"address": "jdoe@example.com", "removed": false, "note": "mailbox did not exist"})
    );
}

#[test]
fn terminate_keep_leaves_the_mail_on_the_server() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    emu.set_usage("jdoe@example.com", 5 * 1024 * 1024);
    emu.ok(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "keep"}),
    );
    assert!(emu.user("jdoe@example.com").is_none());
    let kept = emu.state()["keptMailboxes"].clone();
    assert_eq!(kept[0]["loginName"], "jdoe", "{kept}");
    assert_eq!(kept[0]["bytes"], 5 * 1024 * 1024);
}

#[test]
fn terminate_archive_moves_the_mail_and_needs_an_existing_archive() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    emu.create("archive@example.org", 1, 0);
    emu.set_usage("jdoe@example.com", 3 * 1024 * 1024);
    let error = emu.refused(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "archive", "archive_mailbox": "missing@example.org"}),
        "not_found",
    );
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("missing@example.org"));
    assert!(emu.user("jdoe@example.com").is_some());
    emu.refused(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "archive"}),
        "invalid_input",
    );
    emu.refused(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "shred"}),
        "invalid_input",
    );
    emu.reset_stats();
    let response = emu.call(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 42, "mode": "archive", "archive_mailbox": "archive@example.org"}),
    );
    assert_eq!(response["result"]["removed"], true, "{response}");
    assert_eq!(emu.calls("Domains.get"), 1);
    assert!(emu.user("jdoe@example.com").is_none());
    let archive = emu.user("archive@example.org").unwrap();
    assert_eq!(archive["consumedSize"]["value"], 3, "{archive}");
    assert_eq!(
        response["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["method"] == "Users.remove")
            .count(),
        1
    );
}

#[test]
fn terminate_refuses_another_services_mailbox() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let error = emu.refused(
        "terminate",
        json!({"address": "jdoe@example.com", "service_id": 9}),
        "not_owned",
    );
    assert_eq!(error["reason"], "other_service");
    assert!(emu.user("jdoe@example.com").is_some());
}

#[test]
fn change_password_applies_the_rules_and_the_new_password_works() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let new_password = r#"N3w pass & <x> "q" 'r' \ % + #"#;
    let response = emu.call(
        "change_password",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": new_password}),
    );
    assert_eq!(response["ok"], true, "{response}");
    assert_no_secret(&response.to_string(), &[new_password, HARD_PASSWORD]);
    assert!(emu.webmail_login("jdoe@example.com", new_password));
    assert!(!emu.webmail_login("jdoe@example.com", HARD_PASSWORD));
    // Kerio's full name "John Doe" counts as personal data.
    let error = emu.refused(
        "change_password",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": "Johnny-1234"}),
        "invalid_input",
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("parts of your name"),
        "{error}"
    );
    emu.refused(
        "change_password",
        json!({"address": "nobody@example.com", "service_id": 42, "password": "Good-Passw0rd"}),
        "not_found",
    );
    assert!(emu.webmail_login("jdoe@example.com", new_password));
}

#[test]
fn change_package_refuses_a_downgrade_below_usage_with_both_numbers() {
    let emu = Emu::start();
    let id = emu.create("jdoe@example.com", 42, 100)["id"].clone();
    let used = 50 * 1024 * 1024 + 512 * 1024;
    emu.set_usage("jdoe@example.com", used);
    let used_mb = emu.reported_mb(used);
    let error = emu.refused(
        "change_package",
        json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": 10}),
        "quota_below_usage",
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("10 MB") && message.contains(&format!("{used_mb} MB")),
        "{message}"
    );
    assert_eq!(
        emu.user("jdoe@example.com").unwrap()["diskSizeLimit"]["limit"]["value"],
        100
    );
    let result = emu.ok(
        "change_package",
        json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": 60}),
    );
    assert_eq!(
        result,
        json!({"address": "jdoe@example.com", "quota_mb": 60, "used_mb": used_mb, "user_id": id,
               "forward_to": [], "forwarding_dropped": [], "aliases": []})
    );
    let result = emu.ok(
        "change_package",
        json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": "10", "allow_downgrade_below_usage": "on"}),
    );
    assert_eq!(result["quota_mb"], 10);
    emu.ok(
        "change_package",
        json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": 0}),
    );
    assert_eq!(
        emu.user("jdoe@example.com").unwrap()["diskSizeLimit"]["isActive"],
        false
    );
    emu.refused(
        "change_package",
        json!({"address": "jdoe@example.com", "service_id": 42}),
        "invalid_request",
    );
}

#[test]
fn account_info_reports_everything_the_client_area_shows() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 2048);
    let used = 13_107_200 + 300;
    emu.set_usage("jdoe@example.com", used);
    emu.webmail_login("jdoe@example.com", HARD_PASSWORD);
    let info = emu.ok(
        "account_info",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    assert_eq!(info["status"], "active");
    assert_eq!(info["quota_mb"], 2048);
    assert_eq!(info["used_mb"], emu.reported_mb(used));
    assert_eq!(info["used_bytes"], emu.reported_bytes(used));
    assert_eq!(info["full_name"], "John Doe");
    assert_eq!(info["description"], "WHMCS service #42");
    assert_eq!(info["last_login_protocol"], "HTTPS");
    assert!(info["last_login"].as_i64().unwrap() > 1_600_000_000);
    assert_eq!(info["aliases"], json!([]));
    emu.refused(
        "account_info",
        json!({"address": "ghost@example.com", "service_id": 42}),
        "not_found",
    );
}

#[test]
fn usage_reads_each_domain_once_and_reports_missing_addresses() {
    let emu = Emu::start();
    emu.add_domain(json!({"name": "third.test"}));
    emu.create("alice@example.com", 1, 100);
    emu.create("bob@example.org", 2, 0);
    emu.create("carol@example.org", 3, 50);
    emu.set_usage("bob@example.org", 1024 * 1024);
    emu.reset_stats();
    let response = emu.call(
        "usage",
        json!({"addresses": ["alice@example.com", "Bob@example.org", "ghost@example.org", "x@nodomain.test",
                             "carol@example.org", "bad address", "alice@example.com"]}),
    );
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(
        response["result"]["accounts"],
        json!([{"address": "alice@example.com", "used_mb": 0.0, "limit_mb": 100},
               {"address": "bob@example.org", "used_mb": 1.0, "limit_mb": 0},
               {"address": "carol@example.org", "used_mb": 0.0, "limit_mb": 50}])
    );
    assert_eq!(
        response["result"]["not_found"],
        json!(["ghost@example.org", "x@nodomain.test", "bad address"])
    );
    assert_eq!(emu.calls("Session.login"), 1);
    assert_eq!(emu.calls("Domains.get"), 1);
    assert_eq!(emu.calls("Users.get"), 2);
    let fields = &response["transcript"][2]["request"]["params"]["query"]["fields"];
    assert_eq!(
        fields,
        &json!(["loginName", "consumedSize", "diskSizeLimit"])
    );
}

#[test]
fn compact_usage_answers_whole_mb_position_by_position() {
    let emu = Emu::start();
    emu.create("alice@example.com", 1, 100);
    emu.create("bob@example.org", 2, 0);
    let alice_used = 3 * 1024 * 1024 / 2;
    let bob_used = 1024 * 1024 * 2 / 5;
    emu.set_usage("alice@example.com", alice_used);
    emu.set_usage("bob@example.org", bob_used);
    let result = emu.ok(
        "usage",
        json!({"addresses": ["Bob@example.org", "ghost@example.org", "bad address",
                             "alice@example.com", "bob@example.org"], "compact": true}),
    );
    // Whole MB, rounded half up, of what the server reported in its unit (1.5 MB -> 2 and
    // 0.4 MB -> 0 in bytes or KB; a server reporting whole MB says 1 and 0).
    let whole = |bytes| emu.reported_mb(bytes).round() as u64;
    let (alice, bob) = (whole(alice_used), whole(bob_used));
    assert_eq!(
        result,
        json!({"usage": [[bob, 0], null, null, [alice, 100], [bob, 0]]}),
        "duplicates keep their position"
    );
    let full = emu.ok(
        "usage",
        json!({"addresses": ["alice@example.com"], "compact": false}),
    );
    assert_eq!(
        full["accounts"],
        json!([{"address": "alice@example.com", "used_mb": emu.reported_mb(alice_used), "limit_mb": 100}])
    );
}

#[test]
fn streamed_usage_hands_over_the_compact_figures_as_lines_before_the_answer() {
    let emu = seeded(3, 40);
    let mut addresses: Vec<String> = (1..=3)
        .flat_map(|d| (1..=40).map(move |u| format!("user{u:05}@d{d:03}.example")))
        .collect();
    addresses.extend([
        "bad address".into(),
        "ghost@d001.example".into(),
        "USER00007@d002.example".into(),
    ]);
    let compact = emu.ok("usage", json!({"addresses": addresses, "compact": true}));

    let (answer, partials) = streamed_usage(&emu, &addresses);

    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(
        partials.len(),
        1,
        "121 figures fit one line, written before the answer: {partials:?}"
    );
    let mut streamed = vec![Value::Null; addresses.len()];
    for partial in &partials {
        for entry in partial["partial"]["usage"].as_array().unwrap() {
            let position = entry[0].as_u64().unwrap() as usize;
            assert!(streamed[position].is_null(), "each position once");
            streamed[position] = json!([entry[1], entry[2]]);
        }
    }
    assert_eq!(
        Value::Array(streamed),
        compact["usage"],
        "the same figures at the same positions"
    );
    assert_eq!(
        answer["result"],
        json!({"streamed": 121, "not_owned": 0}),
        "120 seeded + the upper-case duplicate"
    );
}

#[test]
fn streamed_usage_writes_a_line_per_two_thousand_figures_and_the_rest_before_the_answer() {
    let emu = seeded(3, 1000);
    let addresses: Vec<String> = (1..=3)
        .flat_map(|d| (1..=1000).map(move |u| format!("user{u:05}@d{d:03}.example")))
        .collect();

    let (answer, partials) = streamed_usage(&emu, &addresses);

    assert_eq!(
        answer["result"],
        json!({"streamed": 3000, "not_owned": 0}),
        "{answer}"
    );
    let sizes: Vec<usize> = partials
        .iter()
        .map(|line| line["partial"]["usage"].as_array().unwrap().len())
        .collect();
    // A line once 2,000 figures have gathered (after the page that reached them), then the rest.
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(sizes[0] >= 2000 && sizes[0] + sizes[1] == 3000, "{sizes:?}");
}

/// Runs a streamed `usage` of `addresses` through the binary (`kerio-single call`); returns its
/// answer (the last line) and the partial lines written before it.
fn streamed_usage(emu: &Emu, addresses: &[String]) -> (Value, Vec<Value>) {
    let request = json!({"v": 1, "op": "usage", "server": emu.server(),
                         "args": {"addresses": addresses, "stream": true}});
    let run = run_binary(&["call"], &[], request.to_string().as_bytes());
    let mut lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let answer = lines.pop().unwrap();
    (answer, lines)
}

/// An emulator on `domains` seeded domains of `users` users each (`kerio-emulator seed`).
fn seeded(domains: usize, users: usize) -> Emu {
    let dir = tempfile::tempdir().unwrap();
    kerio_emulator::seed(dir.path(), domains, users).unwrap();
    let running = kerio_emulator::start(kerio_emulator::Config::for_tests(dir.path())).unwrap();
    Emu {
        agent: agent_for(&running.cert_file()),
        running,
        dir,
    }
}

#[test]
fn usage_pages_through_large_domains() {
    let emu = seeded(1, 5_200);
    let domain = "d001.example";
    let last = format!("user05200@{domain}");
    emu.reset_stats();
    let result = emu.ok(
        "usage",
        json!({"addresses": [last.clone(), format!("user00001@{domain}")]}),
    );
    assert_eq!(result["accounts"].as_array().unwrap().len(), 2, "{result}");
    assert_eq!(emu.calls("Users.get"), 2, "two pages of 5000");
    // Stops early: an address on the first page costs that page only.
    emu.reset_stats();
    let first = emu.ok(
        "usage",
        json!({"addresses": [format!("user00001@{domain}"), format!("user00002@{domain}")]}),
    );
    assert_eq!(first["accounts"].as_array().unwrap().len(), 2, "{first}");
    assert_eq!(emu.calls("Users.get"), 1, "one page of 5000 was enough");
    let listed = emu.ok("list_accounts", json!({"domain": domain}));
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 5_200);
}

#[test]
fn list_accounts_shows_every_mailbox_with_its_service() {
    let emu = Emu::start();
    emu.create("alice@example.com", 11, 100);
    emu.create("bob@example.org", 12, 0);
    emu.ok(
        "suspend",
        json!({"address": "bob@example.org", "service_id": 12}),
    );
    let result = emu.ok("list_accounts", json!({}));
    assert_eq!(
        result["accounts"],
        json!([{"address": "admin@example.com", "status": "active", "quota_mb": 0, "used_mb": 0.0, "service_id": null},
               {"address": "alice@example.com", "status": "active", "quota_mb": 100, "used_mb": 0.0, "service_id": 11},
               {"address": "bob@example.org", "status": "suspended", "quota_mb": 0, "used_mb": 0.0, "service_id": 12}])
    );
    let only = emu.ok("list_accounts", json!({"domain": "example.org"}));
    assert_eq!(only["accounts"].as_array().unwrap().len(), 1);
    let compact = emu.ok("list_accounts", json!({"compact": true}));
    assert_eq!(
        compact,
        json!({"accounts": [["admin@example.com", 0, 0], ["alice@example.com", 0, 100],
                            ["bob@example.org", 1, 0]]})
    );
}

#[test]
fn usage_over_many_domains_reads_the_domain_list_whole_and_records_repeats_briefly() {
    // More pages than the widest parallel read keeps in detail (16 connections x 4 pages), so
    // some pages are past the first few of their connection whatever width the load gave.
    const DOMAINS: usize = kerio_api::MAX_CONNECTIONS_FAR * kerio_api::DETAILED_REPEATS + 6;
    let emu = seeded(DOMAINS, 2);
    let addresses: Vec<String> = (1..=DOMAINS)
        .map(|d| format!("user00002@d{d:03}.example"))
        .collect();
    let response = emu.call("usage", json!({"addresses": addresses, "compact": true}));
    assert_eq!(response["ok"], true, "{response}");
    let usage = response["result"]["usage"].as_array().unwrap();
    assert_eq!(usage.len(), DOMAINS);
    assert!(usage.iter().all(Value::is_array), "{usage:?}");
    let transcript = response["transcript"].as_array().unwrap();
    let domains_get = &transcript[1];
    assert_eq!(domains_get["method"], "Domains.get");
    assert!(
        domains_get["request"]["params"]["query"]
            .get("conditions")
            .is_none(),
        "more than 16 domains are read as one whole list: {domains_get}"
    );
    let pages: Vec<&Value> = transcript
        .iter()
        .filter(|exchange| exchange["method"] == "Users.get")
        .collect();
    assert_eq!(pages.len(), DOMAINS);
    assert_eq!(
        pages[0]["response"]["result"]["list"][0]["loginName"],
        "user00001"
    );
    // Which connection reads which page depends on timing, so count rather than pick a page:
    // however the reads were shared out, no connection records more than its first few in detail.
    let brief_note = json!(["… 2 more not recorded"]);
    let brief = pages
        .iter()
        .filter(|page| page["response"]["result"]["list"] == brief_note)
        .count();
    assert!(
        brief >= DOMAINS - kerio_api::MAX_CONNECTIONS_FAR * kerio_api::DETAILED_REPEATS,
        "pages past the first few of each connection keep only a note: {brief} of {DOMAINS} brief"
    );
}

#[test]
fn sso_on_a_server_whose_webmail_sign_in_needs_a_csrf_token_is_refused_clearly() {
    let emu = Emu::start_with(|config| config.webmail_csrf = true);
    emu.create("jdoe@example.com", 42, 0);
    let detected = emu.ok("test_connection", json!({}));
    assert_eq!(detected["webmail_csrf"], true, "{detected}");
    let error = emu.refused(
        "sso",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": HARD_PASSWORD}),
        "sso_protected",
    );
    let text = error.to_string();
    assert!(text.contains("jdoe@example.com"), "{text}");
    assert!(text.contains(&emu.running.webmail_url()), "{text}");
    assert_no_secret(&text, &[HARD_PASSWORD]);
    // Why a form from the engine cannot work: without the browser's token the post is refused.
    assert!(!emu.webmail_login("jdoe@example.com", HARD_PASSWORD));
}

#[test]
fn sso_page_logs_into_webmail_and_refuses_disabled_mailboxes_and_products() {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 0);
    let response = emu.call(
        "sso",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": HARD_PASSWORD}),
    );
    assert_eq!(response["ok"], true, "{response}");
    let action = format!("{}login/dologin", emu.running.webmail_url());
    assert_eq!(response["result"]["action"], action);
    let html = response["result"]["html"].as_str().unwrap();
    assert!(
        html.contains(r#"value="Aa1&amp; #&lt;&gt;&quot;&#39;\%+ zZ""#),
        "{html}"
    );
    assert!(!action.contains("Aa1"));
    let mut without_html = response.clone();
    without_html["result"]["html"] = json!(null);
    assert_no_secret(&without_html.to_string(), &[HARD_PASSWORD]);
    // What the browser would post: the unescaped field values.
    assert!(emu.webmail_login("jdoe@example.com", HARD_PASSWORD));

    let off = emu.call(
        "sso",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": HARD_PASSWORD, "sso_enabled": false}),
    );
    assert_eq!(off["error"]["code"], "sso_disabled");
    assert_eq!(off["transcript"], json!([]));
    emu.ok(
        "suspend",
        json!({"address": "jdoe@example.com", "service_id": 42}),
    );
    let error = emu.refused(
        "sso",
        json!({"address": "jdoe@example.com", "service_id": 42, "password": HARD_PASSWORD}),
        "mailbox_disabled",
    );
    assert_no_secret(&error.to_string(), &[HARD_PASSWORD]);
}
