//! Session handling over the wire: login, cookies, X-Token enforcement, logout, expiry,
//! lockout, roles, envelope errors.

mod common;

use common::{Emu, ADMIN, ADMIN_PASSWORD};
use serde_json::json;

#[test]
fn login_returns_a_64_hex_token_and_both_cookies() {
    let emu = Emu::start();
    let mut client = emu.client();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "Session.login", "params": {
        "userName": ADMIN, "password": ADMIN_PASSWORD,
        "application": {"name": "curl", "vendor": "x", "version": "1"}}});
    let raw = client.raw(&body.to_string()).unwrap();
    let response: serde_json::Value = serde_json::from_str(&raw.body).unwrap();
    let token = response["result"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    let session = raw
        .set_cookies
        .iter()
        .find(|c| c.starts_with("SESSION_CONNECT_WEBADMIN="))
        .unwrap();
    assert!(
        session.contains("Path=/") && session.contains("Secure") && session.contains("HttpOnly")
    );
    let token_cookie = raw
        .set_cookies
        .iter()
        .find(|c| c.starts_with("TOKEN_CONNECT_WEBADMIN="))
        .unwrap();
    assert!(token_cookie.starts_with(&format!("TOKEN_CONNECT_WEBADMIN={token}")));
    assert!(!token_cookie.contains("HttpOnly"));
    assert_eq!(response["id"], 1);
}

#[test]
fn calls_need_cookie_and_matching_x_token() {
    let emu = Emu::start();
    let mut client = emu.admin();
    assert_eq!(
        client.ok("Session.whoAmI", json!({}))["userDetails"]["loginName"],
        "admin"
    );

    let mut no_token = emu.client();
    no_token.cookies = client.cookies.clone();
    let error = no_token.err("Session.whoAmI", json!({}));
    assert_eq!(error["code"], -32001);
    assert_eq!(
        error["message"],
        "User %1 does not have administrator rights."
    );
    assert_eq!(
        error["data"]["messageParameters"]["positionalParameters"],
        json!(["Anonymous"])
    );

    let mut wrong_token = emu.client();
    wrong_token.cookies = client.cookies.clone();
    wrong_token.token = Some("0".repeat(64));
    let error = wrong_token.err("Users.get", json!({}));
    assert_eq!(error["code"], -32001);
    assert_eq!(error["message"], "Session expired.");

    let mut no_cookie = emu.client();
    no_cookie.token = client.token.clone();
    assert_eq!(
        no_cookie.err("Server.getVersion", json!({}))["code"],
        -32001
    );
}

#[test]
fn login_without_domain_uses_the_primary_domain_and_ignores_case() {
    let emu = Emu::start();
    let mut client = emu.client();
    client.login_ok("ADMIN", ADMIN_PASSWORD);
    let me = client.ok("Session.whoAmI", json!({}))["userDetails"].clone();
    assert_eq!(me["effectiveRole"]["userRole"], "FullAdmin");
    assert!(me["id"].as_str().unwrap().starts_with("keriodb://user/"));
    assert!(me["domainId"]
        .as_str()
        .unwrap()
        .starts_with("keriodb://domain/"));
    let mut other = emu.client();
    other.login_ok("Admin@Example.COM", ADMIN_PASSWORD);
}

#[test]
fn bad_credentials_fail_with_documented_error() {
    let emu = Emu::start();
    let mut client = emu.client();
    let error = client.login(ADMIN, "wrong")["error"].clone();
    assert_eq!(error["code"], 1000);
    assert_eq!(error["message"], "Incorrect user name or password.");
    assert!(client.login("nobody@example.com", ADMIN_PASSWORD)["error"].is_object());
    assert!(client.login("admin@nowhere.test", ADMIN_PASSWORD)["error"].is_object());
}

#[test]
fn logout_twice_fails_and_ends_the_session() {
    let emu = Emu::start();
    let mut client = emu.admin();
    let result = client.ok("Session.logout", json!({}));
    assert!(result["redirectUrl"].is_string());
    // The client keeps the old cookie/token (the emulator cleared the cookie; restore it).
    let mut stale = emu.admin();
    let saved = (stale.cookies.clone(), stale.token.clone());
    stale.ok("Session.logout", json!({}));
    stale.cookies = saved.0;
    stale.token = saved.1;
    assert_eq!(stale.err("Session.logout", json!({}))["code"], -32001);
    assert_eq!(stale.err("Session.whoAmI", json!({}))["code"], -32001);
}

#[test]
fn idle_sessions_expire() {
    let emu = Emu::start_with(|c| c.session_idle_secs = 1);
    let mut client = emu.admin();
    client.ok("Session.whoAmI", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(client.err("Session.whoAmI", json!({}))["code"], -32001);
}

#[test]
fn repeated_failures_block_the_address_even_for_the_right_password() {
    let emu = Emu::start_with(|c| c.lockout_failures = 3);
    let mut client = emu.client();
    for _ in 0..3 {
        assert_eq!(client.login(ADMIN, "nope")["error"]["code"], 1000);
    }
    let error = client.login(ADMIN, ADMIN_PASSWORD)["error"].clone();
    assert_eq!(error["code"], 1000);
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many failed login attempts"));
    assert_eq!(
        error["data"]["messageParameters"]["positionalParameters"][0],
        "127.0.0.1"
    );
}

#[test]
fn envelope_errors_have_json_rpc_codes() {
    let emu = Emu::start();
    let mut client = emu.admin();
    let parse: serde_json::Value =
        serde_json::from_str(&client.raw("{not json").unwrap().body).unwrap();
    assert_eq!(parse["error"]["code"], -32700);
    let invalid: serde_json::Value =
        serde_json::from_str(&client.raw(r#"{"jsonrpc":"2.0","id":3}"#).unwrap().body).unwrap();
    assert_eq!(invalid["error"]["code"], -32600);
    assert_eq!(invalid["id"], 3);
    let unknown = client.err("Users.frobnicate", json!({}));
    assert_eq!(unknown["code"], -32601);
    assert_eq!(unknown["message"], "Method not found");
    let mut fresh = emu.client();
    let bad_app = fresh.call(
        "Session.login",
        json!({"userName": ADMIN, "password": ADMIN_PASSWORD, "application": "tests"}),
    );
    assert_eq!(bad_app["error"]["code"], -32602);
    assert_eq!(bad_app["error"]["message"], "Invalid params");
    assert_eq!(
        bad_app["error"]["data"]["messageParameters"]["positionalParameters"],
        json!([])
    );
    let missing = fresh.call(
        "Session.login",
        json!({"userName": ADMIN, "password": ADMIN_PASSWORD}),
    );
    assert_eq!(missing["error"]["code"], -32602);
    // A get without its query: 1000, as real servers answer (not -32602).
    assert_eq!(
        client.err("Users.get", json!({"domainId": "x"}))["code"],
        1000
    );
    assert_eq!(client.err("Domains.get", json!({}))["code"], 1000);
    assert_eq!(
        client.err("Users.get", json!({"query": {}}))["code"],
        -32602
    );
}

#[test]
fn only_post_on_the_endpoint_and_404_elsewhere() {
    let emu = Emu::start();
    let url = emu.running.admin_url();
    match emu.agent.get(&url).call() {
        Err(ureq::Error::Status(405, _)) => {}
        other => panic!("expected 405, got {other:?}"),
    }
    let elsewhere = url.replace("/admin/api/jsonrpc/", "/admin/api/other/");
    match emu.agent.post(&elsewhere).send_string("{}") {
        Err(ureq::Error::Status(404, _)) => {}
        other => panic!("expected 404, got {other:?}"),
    }
}

#[test]
fn public_version_call_needs_no_session_but_server_calls_do() {
    let emu = Emu::start();
    let mut client = emu.client();
    assert_eq!(
        client.ok("Version.getApiVersion", json!({}))["apiVersion"],
        1
    );
    assert_eq!(client.err("Server.getVersion", json!({}))["code"], -32001);
    let mut admin = emu.admin();
    let version = admin.ok("Server.getVersion", json!({}));
    assert_eq!(version["product"], "Kerio Connect");
    assert_eq!(version["major"], 10);
    assert_eq!(version["version"], "10.0.8.9228");
    let info = admin.ok("Server.getProductInfo", json!({}))["info"].clone();
    assert_eq!(info["productName"], "Kerio Connect");
}

#[test]
fn roles_limit_what_admins_can_do() {
    let emu = Emu::start();
    emu.add_admin("auditor", "Aud1tor-Pass!", "Auditor");
    emu.add_admin("accounts", "Acc0unts-Pass!", "AccountAdmin");
    emu.add_admin("plainuser", "Pla1n-User-Pass!", "UserRole");

    let mut plain = emu.client();
    let error = plain.login("plainuser", "Pla1n-User-Pass!")["error"].clone();
    assert_eq!(error["code"], -32001);
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("administrator rights"));

    let domain = emu.admin().domain_id("example.com");
    let mut auditor = emu.client();
    auditor.login_ok("auditor@example.com", "Aud1tor-Pass!");
    assert!(
        auditor.users(&domain, json!({}))["totalItems"]
            .as_u64()
            .unwrap()
            >= 4
    );
    let denied = auditor.err(
        "Users.create",
        json!({"users": [{"domainId": domain, "loginName": "x", "password": "Xx1!xxxxyy"}]}),
    );
    assert_eq!(denied["code"], 1004);
    assert_eq!(
        denied["message"],
        "Insufficient rights to perform the requested operation."
    );

    let mut accounts = emu.client();
    accounts.login_ok("accounts", "Acc0unts-Pass!");
    let id = accounts.create_user(&domain, "newbie", "N3wbie-Pass!");
    accounts.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"isEnabled": false}}),
    );
    let admin_id = accounts.user(&domain, "admin")["id"].clone();
    let result = accounts.ok(
        "Users.set",
        json!({"userIds": [admin_id], "pattern": {"fullName": "Hacked"}}),
    );
    assert_eq!(result["errors"][0]["code"], 1004);
    let promoted = accounts.create(&domain, vec![json!({"loginName": "boss", "password": "B0ss-Pass!xy",
        "role": {"userRole": "FullAdmin", "publicFolderRight": false, "archiveFolderRight": false}})]);
    assert_eq!(promoted["errors"][0]["code"], 1004);
}

#[test]
fn disabled_admin_cannot_log_in_and_admins_cannot_disable_themselves() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let me = admin.user(&domain, "admin")["id"].clone();
    let result = admin.ok(
        "Users.set",
        json!({"userIds": [me], "pattern": {"isEnabled": false}}),
    );
    assert_eq!(result["errors"][0]["code"], 1004);
    emu.add_admin("second", "Sec0nd-Admin!", "FullAdmin");
    let second = admin.user(&domain, "second")["id"].clone();
    admin.ok(
        "Users.set",
        json!({"userIds": [second], "pattern": {"isEnabled": false}}),
    );
    let mut client = emu.client();
    assert_eq!(
        client.login("second", "Sec0nd-Admin!")["error"]["code"],
        1000
    );
}
