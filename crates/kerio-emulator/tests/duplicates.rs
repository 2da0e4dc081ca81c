//! `Server.findEntityByEmail` and duplicate addresses: Kerio documents that "creating duplicates
//! is often allowed but may cause unwanted effects", so the emulator accepts them and reports
//! every holder of an address; plus the control API's own protections and the JSON-RPC URL
//! without its trailing slash.

mod common;

use common::Emu;
use serde_json::{json, Value};

fn holder(emu: &Emu, kind: &str, name: &str, addresses: Value) -> Value {
    let (status, body) = emu.control(
        "POST",
        "holders",
        Some(json!({"kind": kind, "domain": "example.com", "name": name, "addresses": addresses})),
    );
    assert_eq!(status, 200, "{body}");
    body
}

fn find(admin: &mut common::Client, domain: &str, addresses: Value, updated: Value) -> Vec<Value> {
    let result = admin.ok(
        "Server.findEntityByEmail",
        json!({"addresses": addresses, "updatedEntity": updated, "domainId": domain}),
    );
    result["entities"].as_array().unwrap().clone()
}

/// (kind, name, win, isPattern) of each entity.
fn summary(entities: &[Value]) -> Vec<(String, String, bool, bool)> {
    entities
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["name"].as_str().unwrap().to_string(),
                e["win"].as_bool().unwrap(),
                e["isPattern"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn row(kind: &str, name: &str, win: bool, pattern: bool) -> (String, String, bool, bool) {
    (kind.to_string(), name.to_string(), win, pattern)
}

#[test]
fn every_holder_of_an_address_is_reported_with_the_checked_entity_as_pattern() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let owner = admin.create_user(&domain, "owner", "0wner-Pass!");
    admin.ok(
        "Users.set",
        json!({"userIds": [owner], "pattern": {"emailAddresses": ["sales"]}}),
    );
    holder(&emu, "EntityAlias", "sales", json!([]));
    holder(&emu, "EntityGroup", "team", json!(["sales"]));
    holder(&emu, "EntityMailingList", "news", json!(["sales"]));

    let new_user = json!({"kind": "EntityUser"});
    let entities = find(&mut admin, &domain, json!(["sales"]), new_user.clone());
    assert_eq!(
        summary(&entities),
        vec![
            row("EntityUser", "owner", true, false),
            row("EntityAlias", "sales", false, false),
            row("EntityGroup", "team", false, false),
            row("EntityMailingList", "news", false, false),
            row("EntityUser", "sales", false, true),
        ]
    );
    assert!(entities
        .iter()
        .all(|e| e["collisionAddress"] == "sales@example.com"));

    assert_eq!(
        find(&mut admin, &domain, json!(["free"]), new_user.clone()),
        vec![] as Vec<Value>
    );
    let elsewhere = find(&mut admin, &domain, json!(["sales@example.org"]), new_user);
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

#[test]
fn an_existing_entity_is_not_its_own_duplicate() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, "solo", "S0lo-Pass!");
    let itself = json!({"kind": "EntityUser", "id": id});
    assert!(find(&mut admin, &domain, json!(["solo"]), itself.clone()).is_empty());

    holder(&emu, "EntityAlias", "solo", json!([]));
    assert_eq!(
        summary(&find(
            &mut admin,
            &domain,
            json!(["SOLO@example.com"]),
            itself
        )),
        vec![
            row("EntityAlias", "solo", false, false),
            row("EntityUser", "solo", true, true),
        ]
    );
}

#[test]
fn an_updated_entity_without_kind_or_id_is_refused() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    for updated in [json!({}), json!({"kind": "", "id": ""})] {
        let error = admin.err(
            "Server.findEntityByEmail",
            json!({"addresses": ["x"], "updatedEntity": updated, "domainId": domain}),
        );
        assert_eq!(error["code"], -32602, "{error}");
    }
}

#[test]
fn duplicates_of_aliases_groups_and_lists_are_accepted_silently() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let first = admin.create_user(&domain, "first", "F1rst-Pass!");
    admin.ok(
        "Users.set",
        json!({"userIds": [first], "pattern": {"emailAddresses": ["shared"]}}),
    );
    holder(&emu, "EntityGroup", "crew", json!([]));
    // A login equal to another user's alias, and to a group's name: accepted, no error.
    admin.create_user(&domain, "shared", "Sh4red-Pass!");
    admin.create_user(&domain, "crew", "Cr3w-Pass!!");
    // An alias equal to another user's login: accepted too.
    let result = admin.ok(
        "Users.set",
        json!({"userIds": [first], "pattern": {"emailAddresses": ["shared", "crew"]}}),
    );
    assert_eq!(result["errors"], json!([]));
    let entities = find(
        &mut admin,
        &domain,
        json!(["shared", "crew"]),
        json!({"kind": "EntityUser"}),
    );
    assert_eq!(
        summary(&entities),
        vec![
            row("EntityUser", "first", false, false),
            row("EntityUser", "shared", true, false),
            row("EntityUser", "shared", false, true),
            row("EntityUser", "first", false, false),
            row("EntityUser", "crew", true, false),
            row("EntityGroup", "crew", false, false),
            row("EntityUser", "crew", false, true),
        ]
    );
    // Two users with the same login stay impossible (1001).
    let again = admin.create(
        &domain,
        vec![json!({"loginName": "SHARED", "password": "Sh4red-Pass!"})],
    );
    assert_eq!(again["errors"][0]["code"], 1001);
}

#[test]
fn holders_are_kept_across_a_restart_and_shown_in_the_state() {
    let emu = Emu::start();
    holder(&emu, "EntityMailingList", "list", json!(["announce"]));
    let Emu { running, dir, .. } = emu;
    running.stop();
    let emu = Emu::start_in(dir, |_| {});
    let (_, state) = emu.control("GET", "state", None);
    assert_eq!(state["holders"][0]["name"], "list");
    assert_eq!(
        state["holders"][0]["addresses"],
        json!(["list", "announce"])
    );
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let entities = find(
        &mut admin,
        &domain,
        json!(["announce"]),
        json!({"kind": "EntityUser"}),
    );
    assert_eq!(entities.len(), 2);
}

#[test]
fn control_holders_explain_bad_input() {
    let emu = Emu::start();
    for (body, status) in [
        (
            json!({"kind": "EntityResource", "domain": "example.com", "name": "x"}),
            400,
        ),
        (
            json!({"kind": "EntityAlias", "domain": "nowhere.test", "name": "x"}),
            404,
        ),
        (
            json!({"kind": "EntityAlias", "domain": "example.com", "name": "bad name"}),
            400,
        ),
        (
            json!({"kind": "EntityAlias", "domain": "example.com", "name": "x", "addresses": [1]}),
            400,
        ),
    ] {
        let (got, answer) = emu.control("POST", "holders", Some(body));
        assert_eq!(got, status, "{answer}");
    }
    let (_, state) = emu.control("GET", "state", None);
    assert_eq!(state["holders"], json!([]));
}

/// POSTs `body` to a control endpoint with `content_type` (None = no header).
fn control_with(emu: &Emu, method: &str, path: &str, content_type: Option<&str>) -> u16 {
    let url = format!("{}{path}", emu.running.control_url());
    let mut request = emu.agent.request(method, &url);
    if let Some(content_type) = content_type {
        request = request.set("Content-Type", content_type);
    }
    let body = r#"{"method":"*","kind":"http500"}"#;
    match request.send_string(body) {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(status, _)) => status,
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn control_changes_need_a_json_content_type() {
    let emu = Emu::start();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
    ] {
        assert_eq!(control_with(&emu, "POST", "faults", content_type), 415);
        assert_eq!(control_with(&emu, "DELETE", "faults", content_type), 415);
    }
    let (_, faults) = emu.control("GET", "faults", None);
    assert_eq!(faults["faults"], json!([]), "a refused POST added a fault");
    assert_eq!(
        control_with(
            &emu,
            "POST",
            "faults",
            Some("Application/JSON; charset=utf-8")
        ),
        200
    );
    assert_eq!(
        control_with(&emu, "DELETE", "faults", Some("application/json")),
        200
    );
}

#[test]
fn the_api_answers_without_the_trailing_slash() {
    let emu = Emu::start();
    let mut client = emu.client();
    client.url = client.url.trim_end_matches('/').to_string();
    assert!(client.url.ends_with("/admin/api/jsonrpc"));
    client.login_ok(common::ADMIN, common::ADMIN_PASSWORD);
    let domain = client.domain_id("example.com");
    assert!(domain.starts_with("keriodb://domain/"));
    client.url.push_str("//");
    let raw = client.raw("{}").unwrap();
    assert_eq!(raw.status, 404);
}

/// This machine's own address on its default route (no packet is sent).
fn own_non_loopback_ip() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.connect("192.0.2.1:9").unwrap();
    let ip = socket.local_addr().unwrap().ip();
    assert!(
        !ip.is_loopback() && !ip.is_unspecified(),
        "this test needs a non-loopback IPv4 address on the machine, found {ip}"
    );
    ip
}

#[test]
fn the_control_api_refuses_clients_that_are_not_on_loopback() {
    let emu = Emu::start_with(|config| {
        config.plain = true;
        config.admin_listen = "0.0.0.0:0".parse().unwrap();
    });
    let port = emu.admin_address().rsplit_once(':').unwrap().1.to_string();
    let remote = format!("http://{}:{port}", own_non_loopback_ip());
    let answer = emu
        .agent
        .post(&format!("{remote}/_emulator/faults"))
        .set("Content-Type", "application/json")
        .send_string(r#"{"method":"*","kind":"http500"}"#);
    assert!(
        matches!(answer, Err(ureq::Error::Status(403, _))),
        "{answer:?}"
    );
    let state = emu.agent.get(&format!("{remote}/_emulator/state")).call();
    assert!(
        matches!(state, Err(ureq::Error::Status(403, _))),
        "{state:?}"
    );
    let (_, faults) = emu.control("GET", "faults", None);
    assert_eq!(faults["faults"], json!([]));
    // The Kerio API itself answers remote clients.
    let api = emu
        .agent
        .post(&format!("{remote}/admin/api/jsonrpc"))
        .send_string(r#"{"jsonrpc":"2.0","id":1,"method":"Version.getApiVersion"}"#)
        .unwrap();
    assert_eq!(api.status(), 200);
}
