//! The role × method × domain table (docs/emulator.md, *Sessions and roles*): an Auditor reads
//! but gets 1000 on `Domains.get` as on a live 10.0.8; an AccountAdmin manages only the domain
//! its own account is in; a FullAdmin everything.

mod common;

use common::{Client, Emu};
use serde_json::{json, Value};

/// An emulator with an AccountAdmin `domadmin@example.org` and an Auditor in example.com, a
/// user in each domain; returns the domain ids (example.com, example.org) and user ids.
struct Setup {
    emu: Emu,
    com: String,
    org: String,
    com_user: String,
    org_user: String,
}

fn setup() -> Setup {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let com = admin.domain_id("example.com");
    let org = admin.domain_id("example.org");
    let com_user = admin.create_user(&com, "alice", "Al1ce-Passw0rd");
    let org_user = admin.create_user(&org, "bob", "B0b-Passw0rd!");
    for (login, domain, role) in [
        ("domadmin", "example.org", "AccountAdmin"),
        ("auditor", "example.com", "Auditor"),
    ] {
        let (status, body) = emu.control(
            "POST",
            "admins",
            Some(json!({"login": login, "domain": domain, "password": "R0le-Passw0rd!", "role": role})),
        );
        assert_eq!(status, 200, "{body}");
    }
    Setup {
        emu,
        com,
        org,
        com_user,
        org_user,
    }
}

fn logged_in(emu: &Emu, user: &str) -> Client {
    let mut client = emu.client();
    client.login_ok(user, "R0le-Passw0rd!");
    client
}

fn code(result: &Value) -> &Value {
    &result["errors"][0]["code"]
}

#[test]
fn an_auditor_reads_but_gets_1000_on_domains_get_and_1004_on_changes() {
    let s = setup();
    let mut auditor = logged_in(&s.emu, "auditor@example.com");
    let error = auditor.err("Domains.get", json!({"query": {}}));
    assert_eq!(error["code"], 1000);
    assert_eq!(error["message"], "internal database error");
    for domain in [&s.com, &s.org] {
        auditor.ok("Users.get", json!({"domainId": domain, "query": {}}));
        auditor.ok("Domains.getUserCountInfo", json!({"domainId": domain}));
    }
    auditor.ok(
        "Users.getStatistics",
        json!({"userIds": [s.com_user, s.org_user], "query": {}}),
    );
    for (method, params) in [
        (
            "Users.create",
            json!({"users": [{"domainId": s.com, "loginName": "x", "password": "Xx1!xxxxyy"}]}),
        ),
        (
            "Users.set",
            json!({"userIds": [s.com_user], "pattern": {"fullName": "x"}}),
        ),
        (
            "Users.remove",
            json!({"requests": [{"userId": s.com_user, "method": "UDeleteFolder"}]}),
        ),
    ] {
        assert_eq!(auditor.err(method, params)["code"], 1004, "{method}");
    }
}

#[test]
fn an_account_admin_sees_and_manages_only_its_own_domain() {
    let s = setup();
    let mut domadmin = logged_in(&s.emu, "domadmin@example.org");
    let domains = domadmin.ok("Domains.get", json!({"query": {"fields": ["name"]}}));
    assert_eq!(domains["list"], json!([{"name": "example.org"}]));
    assert_eq!(domains["totalItems"], 1);

    // Its own domain: everything works.
    domadmin.ok("Users.get", json!({"domainId": s.org, "query": {}}));
    let own = domadmin.create_user(&s.org, "carol", "C4rol-Passw0rd");
    domadmin.ok(
        "Users.set",
        json!({"userIds": [s.org_user], "pattern": {"fullName": "Bob"}}),
    );
    domadmin.ok(
        "Users.remove",
        json!({"requests": [{"userId": own, "method": "UDeleteFolder"}]}),
    );

    // Another domain: reads and changes are refused, nothing changes.
    for (method, params) in [
        ("Users.get", json!({"domainId": s.com, "query": {}})),
        ("Domains.getUserCountInfo", json!({"domainId": s.com})),
        ("Domains.generatePassword", json!({"domainId": s.com})),
        (
            "Server.findEntityByEmail",
            json!({"addresses": ["alice"], "updatedEntity": {"kind": "EntityUser"}, "domainId": s.com}),
        ),
        (
            "Users.getStatistics",
            json!({"userIds": [s.com_user], "query": {}}),
        ),
    ] {
        assert_eq!(domadmin.err(method, params)["code"], 1004, "{method}");
    }
    let (_, before) = s.emu.control("GET", "state", None);
    let created = domadmin.create(
        &s.com,
        vec![json!({"loginName": "intruder", "password": "Intrud3r-Pass"})],
    );
    assert_eq!(code(&created), 1004);
    let set = domadmin.ok(
        "Users.set",
        json!({"userIds": [s.com_user], "pattern": {"isEnabled": false}}),
    );
    assert_eq!(code(&set), 1004);
    let removed = domadmin.ok(
        "Users.remove",
        json!({"requests": [{"userId": s.com_user, "method": "UDeleteFolder"}]}),
    );
    assert_eq!(code(&removed), 1004);
    let (_, after) = s.emu.control("GET", "state", None);
    assert_eq!(
        before["users"], after["users"],
        "a refused change changed Kerio"
    );
}

#[test]
fn a_full_admin_acts_on_every_domain() {
    let s = setup();
    let mut admin = s.emu.admin();
    let domains = admin.ok("Domains.get", json!({"query": {}}));
    assert_eq!(domains["totalItems"], 2);
    admin.ok(
        "Users.set",
        json!({"userIds": [s.org_user, s.com_user], "pattern": {"fullName": "Renamed"}}),
    );
}

/// `POST /_emulator/admins` with `groupRole`: a user whose own role is `UserRole` but whose group
/// makes it a Full Admin reports `role` UserRole, `groupRole` and `effectiveRole` FullAdmin in
/// `Users.get`, logs in to the Administration API and `Session.whoAmI` reports the effective role.
#[test]
fn admin_rights_through_a_group_show_in_group_and_effective_role() {
    let emu = Emu::start();
    let admin_of_group = json!({"login": "grp", "domain": "example.com", "password": "R0le-Passw0rd!",
        "role": "UserRole", "groupRole": "FullAdmin", "description": "WHMCS service #42"});
    let (status, body) = emu.control("POST", "admins", Some(admin_of_group));
    assert_eq!(status, 200, "{body}");
    let mut admin = emu.admin();
    let com = admin.domain_id("example.com");
    let grp = admin.user(&com, "grp");
    assert_eq!(grp["role"]["userRole"], "UserRole", "{grp}");
    assert_eq!(grp["groupRole"]["userRole"], "FullAdmin", "{grp}");
    assert_eq!(grp["effectiveRole"]["userRole"], "FullAdmin", "{grp}");
    assert_eq!(grp["description"], "WHMCS service #42");
    let plain = admin.user(&com, "admin");
    assert_eq!(plain["groupRole"]["userRole"], "UserRole", "{plain}");
    assert_eq!(plain["effectiveRole"]["userRole"], "FullAdmin", "{plain}");
    let mut client = logged_in(&emu, "grp@example.com");
    let me = client.ok("Session.whoAmI", json!({}));
    assert_eq!(me["userDetails"]["effectiveRole"]["userRole"], "FullAdmin");
    // A lower group role does not lower the user's own.
    let (status, _) = emu.control(
        "POST",
        "admins",
        Some(
            json!({"login": "acc", "domain": "example.com", "password": "R0le-Passw0rd!",
            "role": "AccountAdmin", "groupRole": "Auditor"}),
        ),
    );
    assert_eq!(status, 200);
    assert_eq!(
        admin.user(&com, "acc")["effectiveRole"]["userRole"],
        "AccountAdmin"
    );
    let (status, body) = emu.control(
        "POST",
        "admins",
        Some(
            json!({"login": "bad", "domain": "example.com", "password": "R0le-Passw0rd!",
            "groupRole": "Owner"}),
        ),
    );
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("groupRole"),
        "{body}"
    );
}
