//! Every field of Kerio's `User` and `Domain` structures is answered (with Kerio's defaults for
//! what the emulator does not model), so a client asking for one never gets the item without it.

mod common;

use common::Emu;
use serde_json::json;

/// The fields Kerio's own sample `getDomains.php` asks `Domains.get` for.
const SAMPLE_DOMAIN_FIELDS: [&str; 15] = [
    "id",
    "name",
    "description",
    "aliasList",
    "userMaxCount",
    "outgoingMessageLimit",
    "isPrimary",
    "renameInfo",
    "forwardingOptions",
    "kerberosRealm",
    "winNtName",
    "ipAddressBind",
    "pamRealm",
    "keepForRecovery",
    "isDistributed",
];

#[test]
fn domains_get_answers_every_field_kerios_sample_asks_for() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let result = admin.ok(
        "Domains.get",
        json!({"query": {"fields": SAMPLE_DOMAIN_FIELDS}}),
    );
    for domain in result["list"].as_array().unwrap() {
        for field in SAMPLE_DOMAIN_FIELDS {
            assert!(domain.get(field).is_some(), "{field} missing in {domain}");
        }
        assert_eq!(domain["outgoingMessageLimit"]["isActive"], false);
        assert_eq!(domain["keepForRecovery"]["isEnabled"], false);
    }
}

#[test]
fn domain_quota_and_service_are_there_and_the_quota_counts_the_mailboxes() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    admin.create_user(&domain, "filled", "F1lled-Passw0rd");
    emu.control(
        "POST",
        "usage",
        Some(json!({"email": "filled@example.com", "bytes": 2048})),
    );
    let result = admin.ok(
        "Domains.get",
        json!({"query": {"fields": ["name", "domainQuota", "service", "domainFooter"],
               "conditions": [{"fieldName": "name", "comparator": "Eq", "value": "example.com"}]}}),
    );
    let listed = &result["list"][0];
    assert_eq!(
        listed["domainQuota"]["consumedSize"],
        json!({"value": 2, "units": "KiloBytes"})
    );
    assert_eq!(listed["domainQuota"]["diskSizeLimit"]["isActive"], false);
    assert_eq!(listed["service"]["isEnabled"], false);
    assert_eq!(listed["domainFooter"]["isUsed"], false);
}

#[test]
fn users_get_answers_the_newer_user_fields_with_defaults() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    admin.create_user(&domain, "fields", "F1elds-Passw0rd");
    let fields = [
        "loginName",
        "cleanOutItems",
        "accessPolicy",
        "homeServer",
        "migration",
    ];
    let result = admin.users(
        &domain,
        json!({"fields": fields, "conditions": [{"fieldName": "loginName", "comparator": "Eq", "value": "fields"}]}),
    );
    let user = &result["list"][0];
    for field in fields {
        assert!(user.get(field).is_some(), "{field} missing in {user}");
    }
    assert_eq!(user["cleanOutItems"]["isUsedDomain"], true);
    assert_eq!(user["migration"]["enabled"], false);
    let groups = admin.ok("AccessPolicy.getGroupList", json!({}));
    assert_eq!(user["accessPolicy"]["id"], groups["groups"][0]["id"]);
}
