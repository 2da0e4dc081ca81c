//! Methods real servers answer that monitoring tools call (shapes captured from a live Kerio
//! Connect 10.0.8 by zabbix-kerio-connect), and the two that server refuses with -32602.

mod common;

use common::Emu;
use serde_json::json;

#[test]
fn statistics_get_has_the_captured_shape_and_the_emulators_storage() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    admin.create_user(&domain, "heavy", "H3avy-Passw0rd");
    emu.control(
        "POST",
        "usage",
        Some(json!({"email": "heavy@example.com", "bytes": 3 * 1024 * 1024 * 1024u64 + 5})),
    );
    let stats = &admin.ok("Statistics.get", json!({}))["statistics"];
    assert_eq!(
        stats["storage"]["occupied"],
        json!({"value": 3072, "units": "MegaBytes"})
    );
    assert_eq!(stats["storage"]["total"]["units"], "MegaBytes");
    assert!(stats["storage"]["percentage"].is_string());
    assert!(stats["uptime"]["days"].is_u64());
    assert!(stats["start"].is_i64());
    assert_eq!(stats["storedInQueue"]["count"], "0");
    assert!(stats["received"]["volume"]["units"].is_string());
    for (group, counter) in [
        ("smtpServer", "authenticationFailures"),
        ("imapServer", "totalIncomingConnections"),
        ("webServer", "totalIncomingConnections"),
        ("spam", "checked"),
        ("greylisting", "messagesDelayed"),
    ] {
        assert!(stats[group][counter].is_string(), "{group}.{counter}");
    }
}

#[test]
fn services_get_lists_the_fifteen_default_services() {
    let emu = Emu::start();
    let services = emu.admin().ok("Services.get", json!({}))["services"].clone();
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 15);
    let smtp = services.iter().find(|s| s["name"] == "SMTP").unwrap();
    assert_eq!(smtp["defaultPort"], 25);
    assert_eq!(smtp["isRunning"], true);
    assert!(smtp["id"]
        .as_str()
        .unwrap()
        .starts_with("keriodb://service/"));
    assert!(services.iter().any(|s| s["name"] == "Secure XMPP"));
}

#[test]
fn product_registration_full_status_shows_the_licence_to_an_auditor() {
    let emu = Emu::start_with(|config| config.license_users = Some(25));
    emu.add_admin("auditor", "Aud1tor-Pass!", "Auditor");
    let mut auditor = emu.client();
    auditor.login_ok("auditor", "Aud1tor-Pass!");
    let status = &auditor.ok("ProductRegistration.getFullStatus", json!({}))["status"];
    assert_eq!(status["users"], 25);
    assert_eq!(status["regType"], "rsProductRegistered");
    let expirations = status["expirations"].as_array().unwrap();
    assert_eq!(expirations[0]["type"], "License");
    assert_eq!(expirations[1]["type"], "Subscription");
    assert!(expirations[0]["date"].as_i64().unwrap() > 1_700_000_000);
    auditor.ok("Statistics.get", json!({}));
    auditor.ok("Services.get", json!({}));
}

#[test]
fn system_health_and_product_registration_get_are_invalid_params_whatever_is_sent() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    for method in ["SystemHealth.get", "ProductRegistration.get"] {
        for params in [
            json!({}),
            json!({"type": "HistogramOneHour"}),
            json!({"x": 1}),
        ] {
            let error = admin.err(method, params);
            assert_eq!(error["code"], -32602, "{method}");
            assert_eq!(error["message"], "Invalid params");
        }
    }
}

#[test]
fn access_policy_group_list_has_the_default_group() {
    let emu = Emu::start();
    let groups = emu.admin().ok("AccessPolicy.getGroupList", json!({}))["groups"].clone();
    assert_eq!(groups[0]["name"], "Default");
    assert_eq!(groups[0]["isDefault"], true);
    assert!(groups[0]["id"].is_string());
}

#[test]
fn monitoring_methods_need_a_session() {
    let emu = Emu::start();
    let mut anonymous = emu.client();
    for method in [
        "Statistics.get",
        "Services.get",
        "ProductRegistration.getFullStatus",
    ] {
        let error = anonymous.err(method, json!({}));
        assert_eq!(error["code"], -32001, "{method}");
        assert_eq!(
            error["data"]["messageParameters"]["positionalParameters"],
            json!(["Anonymous"])
        );
    }
}
