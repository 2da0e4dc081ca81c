//! Users and Domains over the wire: SearchQuery semantics, create/set/remove with per-item
//! errors, password policy, licence and domain limits, kept mailboxes, statistics.

mod common;

use common::{Client, Emu};
use serde_json::{json, Value};

fn logins(result: &Value) -> Vec<String> {
    result["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["loginName"].as_str().unwrap().to_string())
        .collect()
}

fn with_people(emu: &Emu) -> (Client, String) {
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.org");
    let result = admin.create(&domain, vec![
        json!({"loginName": "anna", "fullName": "Anna Smith", "description": "WHMCS #1", "password": "Qwerty-123"}),
        json!({"loginName": "bob", "fullName": "Bob Jones", "description": "WHMCS #2", "password": "Qwerty-123"}),
        json!({"loginName": "carl.x", "fullName": "Carl Anders", "description": "other", "password": "Qwerty-123", "isEnabled": false}),
    ]);
    assert_eq!(result["errors"], json!([]));
    (admin, domain)
}

#[test]
fn users_get_projects_filters_orders_and_pages() {
    let emu = Emu::start();
    let (mut admin, domain) = with_people(&emu);
    let all = admin.users(&domain, json!({}));
    assert_eq!(all["totalItems"], 3);
    let user = &all["list"][0];
    for field in [
        "id",
        "domainId",
        "loginName",
        "fullName",
        "description",
        "isEnabled",
        "authType",
        "role",
        "emailAddresses",
        "itemLimit",
        "diskSizeLimit",
        "consumedItems",
        "consumedSize",
        "lastLoginInfo",
    ] {
        assert!(user.get(field).is_some(), "missing {field}");
    }
    assert!(user.get("password").is_none());
    assert!(user["id"].as_str().unwrap().starts_with(&format!(
        "keriodb://user/{}/",
        domain.trim_start_matches("keriodb://domain/")
    )));

    let projected = admin.users(&domain, json!({"fields": ["loginName"], "orderBy": [{"columnName": "loginName", "direction": "Desc"}]}));
    assert_eq!(projected["list"][0], json!({"loginName": "carl.x"}));

    // Fields read by conditions and ordering but not asked for are not returned.
    let narrowed = admin.users(
        &domain,
        json!({"fields": ["loginName"],
               "conditions": [{"fieldName": "isEnabled", "comparator": "Eq", "value": "true"}],
               "orderBy": [{"columnName": "fullName", "direction": "Desc"}]}),
    );
    assert_eq!(
        narrowed["list"],
        json!([{"loginName": "bob"}, {"loginName": "anna"}])
    );
    assert_eq!(narrowed["totalItems"], 2);

    let like = admin.users(
        &domain,
        json!({"conditions": [{"fieldName": "fullName", "comparator": "Like", "value": "%th"}]}),
    );
    assert_eq!(logins(&like), vec!["anna"]);

    let substring = admin.users(
        &domain,
        json!({"conditions": [{"fieldName": "fullName", "comparator": "Like", "value": "JON"}]}),
    );
    assert_eq!(logins(&substring), vec!["bob"]);

    let quick = admin.users(&domain, json!({"conditions": [{"fieldName": "QUICKSEARCH", "comparator": "Like", "value": "whmcs"}]}));
    assert_eq!(logins(&quick), vec!["anna", "bob"]);

    let either = admin.users(
        &domain,
        json!({"combining": "Or", "conditions": [
        {"fieldName": "loginName", "comparator": "Eq", "value": "ANNA"},
        {"fieldName": "isEnabled", "comparator": "Eq", "value": "false"}]}),
    );
    assert_eq!(logins(&either), vec!["anna", "carl.x"]);

    let both = admin.users(
        &domain,
        json!({"conditions": [
        {"fieldName": "loginName", "comparator": "NotEq", "value": "anna"},
        {"fieldName": "isEnabled", "comparator": "Eq", "value": "true"}]}),
    );
    assert_eq!(logins(&both), vec!["bob"]);

    let page = admin.users(&domain, json!({"start": 1, "limit": 1, "orderBy": [{"columnName": "loginName", "direction": "Asc"}]}));
    assert_eq!(page["totalItems"], 3);
    assert_eq!(logins(&page), vec!["bob"]);

    let unknown = admin.err("Users.get", json!({"domainId": domain, "query": {"conditions": [{"fieldName": "shoeSize", "comparator": "Eq", "value": "1"}]}}));
    assert_eq!(unknown["code"], -32602);
    assert_eq!(admin.err("Users.get", json!({"query": {}}))["code"], -32602);
    assert_eq!(
        admin.err(
            "Users.get",
            json!({"domainId": "keriodb://domain/nope", "query": {}})
        )["code"],
        1002
    );
}

#[test]
fn usage_orders_by_bytes_and_compares_numerically() {
    let emu = Emu::start();
    let (mut admin, domain) = with_people(&emu);
    for (email, bytes) in [
        ("anna@example.org", 3 * 1024 * 1024),
        ("bob@example.org", 10 * 1024),
        ("carl.x@example.org", 5_000),
    ] {
        let (status, body) = emu.control(
            "POST",
            "usage",
            Some(json!({"email": email, "bytes": bytes, "items": 7})),
        );
        assert_eq!(status, 200, "{body}");
    }
    let ordered = admin.users(&domain, json!({"fields": ["loginName", "consumedSize"], "orderBy": [{"columnName": "consumedSize", "direction": "Desc"}]}));
    assert_eq!(logins(&ordered), vec!["anna", "bob", "carl.x"]);
    assert_eq!(
        ordered["list"][0]["consumedSize"],
        json!({"value": 3, "units": "MegaBytes"})
    );
    assert_eq!(
        ordered["list"][1]["consumedSize"],
        json!({"value": 10, "units": "KiloBytes"})
    );
    assert_eq!(
        ordered["list"][2]["consumedSize"],
        json!({"value": 5000, "units": "Bytes"})
    );
    let big = admin.users(&domain, json!({"conditions": [{"fieldName": "consumedSize", "comparator": "GreaterThan", "value": "10240"}]}));
    assert_eq!(logins(&big), vec!["anna"]);
    assert_eq!(admin.user(&domain, "bob")["consumedItems"], 7);
}

#[test]
fn domains_get_and_count_info() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let result = admin.ok("Domains.get", json!({"query": {"conditions": [{"fieldName": "name", "comparator": "Eq", "value": "EXAMPLE.COM"}]}}));
    assert_eq!(result["totalItems"], 1);
    let domain = &result["list"][0];
    assert_eq!(domain["isPrimary"], true);
    assert_eq!(domain["passwordComplexityEnabled"], true);
    assert!(domain["id"]
        .as_str()
        .unwrap()
        .starts_with("keriodb://domain/"));
    let (_, limited) = emu.control(
        "POST",
        "domains",
        Some(json!({"name": "small.test", "userMaxCount": 2, "passwordComplexityEnabled": false})),
    );
    let id = limited["id"].as_str().unwrap().to_string();
    admin.create_user(&id, "one", "x");
    let info = admin.ok("Domains.getUserCountInfo", json!({"domainId": id}))["countInfo"].clone();
    assert_eq!(info["currentUsers"], 1);
    assert_eq!(
        info["allowedUsers"],
        json!({"isUnlimited": false, "allowedUsers": 2, "limit": 2, "limitType": "DomainLimit"})
    );
    let main_domain = admin.domain_id("example.com");
    let password =
        admin.ok("Domains.generatePassword", json!({"domainId": main_domain}))["password"].clone();
    assert!(password.as_str().unwrap().len() >= 8);
}

#[test]
fn create_reports_per_item_errors_and_creates_the_rest() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let result = admin.create(&domain, vec![
        json!({"loginName": "jdoe", "fullName": "John Doe", "password": "Str0ng-Pass"}),
        json!({"loginName": "JDOE", "password": "Str0ng-Pass"}),
        json!({"loginName": "bad name", "password": "Str0ng-Pass"}),
        json!({"loginName": ".dot", "password": "Str0ng-Pass"}),
        json!({"loginName": "weak", "password": "short"}),
        json!({"loginName": "mary", "fullName": "Mary Poppins", "password": "Poppins-123"}),
        json!({"loginName": "nopass"}),
        json!({"loginName": "ok2", "password": "An0ther-Pass", "diskSizeLimit": {"isActive": true, "limit": {"value": 2, "units": "GigaBytes"}}}),
    ]);
    let errors = result["errors"].as_array().unwrap();
    let failed: Vec<u64> = errors
        .iter()
        .map(|e| e["inputIndex"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(errors[0]["code"], 1001);
    assert_eq!(errors[0]["message"], "User %1 already exists.");
    assert_eq!(
        errors[0]["messageParameters"]["positionalParameters"],
        json!(["JDOE"])
    );
    assert!(errors[3]["messageParameters"]["positionalParameters"][0]
        .as_str()
        .unwrap()
        .contains("8 characters"));
    assert!(errors[4]["messageParameters"]["positionalParameters"][0]
        .as_str()
        .unwrap()
        .contains("full name"));
    let created: Vec<u64> = result["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["inputIndex"].as_u64().unwrap())
        .collect();
    assert_eq!(created, vec![0, 7]);
    let quota = admin.user(&domain, "ok2")["diskSizeLimit"].clone();
    assert_eq!(
        quota,
        json!({"isActive": true, "limit": {"value": 2, "units": "GigaBytes"}})
    );
    assert_eq!(
        admin.users(
            &domain,
            json!({"conditions": [{"fieldName": "loginName", "comparator": "Eq", "value": "weak"}]})
        )["totalItems"],
        0
    );
}

#[test]
fn licence_counts_only_enabled_users() {
    let emu = Emu::start_with(|c| c.license_users = Some(2));
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.org");
    admin.create_user(&domain, "u1", "Lic3nse-Pass");
    let over = admin.create(
        &domain,
        vec![json!({"loginName": "u2", "password": "Lic3nse-Pass"})],
    );
    assert_eq!(over["errors"][0]["code"], 1003);
    assert_eq!(
        over["errors"][0]["messageParameters"]["positionalParameters"],
        json!(["2"])
    );
    let disabled = admin.create(
        &domain,
        vec![json!({"loginName": "u3", "password": "Lic3nse-Pass", "isEnabled": false})],
    );
    assert_eq!(disabled["errors"], json!([]));
    let u3 = admin.user(&domain, "u3")["id"].clone();
    let enable = admin.ok(
        "Users.set",
        json!({"userIds": [u3], "pattern": {"isEnabled": true}}),
    );
    assert_eq!(enable["errors"][0]["code"], 1003);
    let u1 = admin.user(&domain, "u1")["id"].clone();
    admin.ok(
        "Users.set",
        json!({"userIds": [u1], "pattern": {"isEnabled": false}}),
    );
    let enable = admin.ok(
        "Users.set",
        json!({"userIds": [u3], "pattern": {"isEnabled": true}}),
    );
    assert_eq!(enable["errors"], json!([]));
}

#[test]
fn set_changes_only_given_fields_and_checks_passwords() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, "jdoe", "Str0ng-Pass");
    admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"fullName": "John Doe", "description": "WHMCS #9"}}),
    );
    let before = admin.user(&domain, "jdoe");
    let result = admin.ok(
        "Users.set",
        json!({"userIds": [id, "keriodb://user/x/y"], "pattern": {
        "diskSizeLimit": {"isActive": true, "limit": {"value": 500, "units": "MegaBytes"}}}}),
    );
    assert_eq!(result["errors"].as_array().unwrap().len(), 1);
    assert_eq!(result["errors"][0]["inputIndex"], 1);
    assert_eq!(result["errors"][0]["code"], 1002);
    let after = admin.user(&domain, "jdoe");
    assert_eq!(after["fullName"], before["fullName"]);
    assert_eq!(after["description"], "WHMCS #9");
    assert_eq!(
        after["diskSizeLimit"]["limit"],
        json!({"value": 500, "units": "MegaBytes"})
    );

    let incomplete = admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"diskSizeLimit": {"isActive": true}}}),
    );
    assert_eq!(incomplete["errors"][0]["code"], 1000);
    let weak = admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"password": "john-doe-1A"}}),
    );
    assert_eq!(weak["errors"][0]["code"], 1000);
    let fine = admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"password": "N3w-Secret!"}}),
    );
    assert_eq!(fine["errors"], json!([]));
    let mut user = emu.client();
    // A plain user cannot use the admin API, but the password change shows at the webmail login.
    assert_eq!(user.login("jdoe", "N3w-Secret!")["error"]["code"], -32001);
}

#[test]
fn removal_keeps_deletes_or_moves_the_mailbox() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let keep = admin.create_user(&domain, "keeper", "Keep3r-Pass");
    let gone = admin.create_user(&domain, "goner", "G0ner-Pass!");
    let moved = admin.create_user(&domain, "mover", "M0ver-Pass!");
    let archive = admin.create_user(&domain, "archive", "Arch1ve-Pass");
    for (email, bytes) in [
        ("keeper@example.com", 4096),
        ("goner@example.com", 2048),
        ("mover@example.com", 1024),
        ("archive@example.com", 1024),
    ] {
        emu.control(
            "POST",
            "usage",
            Some(json!({"email": email, "bytes": bytes, "items": 2})),
        );
    }
    let result = admin.ok("Users.remove", json!({"requests": [
        {"userId": keep, "method": "UDeleteUser", "removeReferences": false, "targetUserId": "", "mode": "DSModeDelete"},
        {"userId": gone, "method": "UDeleteFolder", "removeReferences": true, "targetUserId": "", "mode": "DSModeDelete"},
        {"userId": moved, "method": "UMoveFolder", "removeReferences": true, "targetUserId": archive, "mode": "DSModeDelete"},
        {"userId": archive, "method": "UMoveFolder", "removeReferences": true, "targetUserId": "", "mode": "DSModeDelete"},
        {"userId": "keriodb://user/none/none", "method": "UDeleteFolder", "removeReferences": true, "targetUserId": "", "mode": "DSModeDelete"},
    ]}));
    let failed: Vec<u64> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["inputIndex"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, vec![3, 4]);
    assert_eq!(
        admin.user(&domain, "archive")["consumedSize"],
        json!({"value": 2, "units": "KiloBytes"})
    );
    assert_eq!(admin.user(&domain, "archive")["consumedItems"], 4);

    admin.create_user(&domain, "KEEPER", "Keep3r-Pass");
    assert_eq!(
        admin.user(&domain, "keeper")["consumedSize"],
        json!({"value": 4, "units": "KiloBytes"})
    );
    admin.create_user(&domain, "goner", "G0ner-Pass!");
    assert_eq!(
        admin.user(&domain, "goner")["consumedSize"],
        json!({"value": 0, "units": "Bytes"})
    );
}

#[test]
fn find_entity_and_statistics() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, "taken", "T4ken-Pass!");
    let found = admin.ok("Server.findEntityByEmail", json!({"addresses": ["taken", "free", "TAKEN@example.com"], "updatedEntity": {"kind": "EntityUser"}, "domainId": domain}));
    let entities = found["entities"].as_array().unwrap();
    let flags: Vec<_> = entities.iter().map(|e| e["isPattern"].clone()).collect();
    assert_eq!(
        flags,
        [json!(false), json!(true), json!(false), json!(true)]
    );
    assert_eq!(entities[0]["collisionAddress"], "taken@example.com");
    assert_eq!(entities[0]["name"], "taken");
    emu.control(
        "POST",
        "usage",
        Some(json!({"email": "taken@example.com", "bytes": 1048576, "items": 12})),
    );
    let stats = admin.ok("Users.getStatistics", json!({"userIds": [id], "query": {}}));
    assert_eq!(stats["list"][0]["name"], "taken");
    assert_eq!(
        stats["list"][0]["occupiedSpace"],
        json!({"items": 12, "storage": {"value": 1, "units": "MegaBytes"}})
    );
}

#[test]
fn domain_user_limit_and_disabled_complexity() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let (status, domain) = emu.control(
        "POST",
        "domains",
        Some(json!({"name": "tiny.test", "userMaxCount": 1, "passwordComplexityEnabled": false})),
    );
    assert_eq!(status, 200);
    let id = domain["id"].as_str().unwrap().to_string();
    let unknown = admin.err("Users.get", json!({"domainId": id, "query": {"conditions": [{"fieldName": "loginNmae", "comparator": "Eq", "value": "x"}]}}));
    assert_eq!(unknown["code"], -32602);
    admin.create_user(&id, "first", "weak");
    let result = admin.create(
        &id,
        vec![
            json!({"loginName": "second", "password": "weak"}),
            json!({"loginName": "third", "password": "weak", "isEnabled": false}),
        ],
    );
    assert_eq!(result["errors"].as_array().unwrap().len(), 1);
    assert_eq!(result["errors"][0]["code"], 1003);
    assert_eq!(
        result["errors"][0]["messageParameters"]["positionalParameters"],
        json!(["tiny.test", "1"])
    );
    assert_eq!(result["result"][0]["inputIndex"], 1);
}
