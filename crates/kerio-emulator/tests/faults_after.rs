//! Faults that carry out the call and then lose the answer (`reset_after`, `http500_after`):
//! for every mutating call the change is made on the emulator while the client sees a dropped
//! connection or an HTTP 500, as when a real server or a proxy fails after the write; and
//! `delay_after`, which computes the answer at once and sends it late.

mod common;

use common::{Client, Emu};
use serde_json::{json, Value};

const KINDS: [&str; 2] = ["reset_after", "http500_after"];

fn inject(emu: &Emu, method: &str, kind: &str) {
    let (status, body) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": method, "kind": kind})),
    );
    assert_eq!(status, 200, "{body}");
}

/// Sends one call whose answer must be lost the way `kind` says.
fn call_losing_answer(client: &mut Client, kind: &str, method: &str, params: Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    match (kind, client.raw(&body.to_string())) {
        ("reset_after", Err(_)) => {}
        ("http500_after", Ok(raw)) => {
            assert_eq!(raw.status, 500, "{}", raw.body);
            assert!(!raw.body.contains("result"), "{}", raw.body);
        }
        (_, Ok(raw)) => panic!("{kind} on {method}: got HTTP {} {}", raw.status, raw.body),
        (_, Err(error)) => panic!("{kind} on {method}: {error}"),
    }
}

fn state_user(emu: &Emu, email: &str) -> Option<Value> {
    let (_, state) = emu.control("GET", "state", None);
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .cloned()
}

#[test]
fn users_create_is_applied_before_the_answer_is_lost() {
    for kind in KINDS {
        let emu = Emu::start();
        let mut admin = emu.admin();
        let domain = admin.domain_id("example.com");
        inject(&emu, "Users.create", kind);
        let user = json!({"domainId": domain, "loginName": "lost", "password": "L0st-Answer!"});
        call_losing_answer(&mut admin, kind, "Users.create", json!({"users": [user]}));
        assert!(state_user(&emu, "lost@example.com").is_some(), "{kind}");
        // Only one call was hit: the retry is answered, and says the user exists.
        let again = admin.create(&domain, vec![user]);
        assert_eq!(again["errors"][0]["code"], 1001, "{kind}: {again}");
    }
}

#[test]
fn users_set_is_applied_before_the_answer_is_lost() {
    for kind in KINDS {
        let emu = Emu::start();
        let mut admin = emu.admin();
        let domain = admin.domain_id("example.com");
        let id = admin.create_user(&domain, "target", "T4rget-Pass!");
        inject(&emu, "Users.set", kind);
        let pattern = json!({"userIds": [id], "pattern": {"isEnabled": false}});
        call_losing_answer(&mut admin, kind, "Users.set", pattern);
        let user = state_user(&emu, "target@example.com").unwrap();
        assert_eq!(user["isEnabled"], false, "{kind}");
    }
}

#[test]
fn users_remove_is_applied_before_the_answer_is_lost() {
    for kind in KINDS {
        let emu = Emu::start();
        let mut admin = emu.admin();
        let domain = admin.domain_id("example.com");
        let id = admin.create_user(&domain, "gone", "G0ne-Pass!!");
        inject(&emu, "Users.remove", kind);
        let request = json!({"userId": id, "method": "UDeleteFolder", "removeReferences": true,
                             "targetUserId": ""});
        call_losing_answer(
            &mut admin,
            kind,
            "Users.remove",
            json!({"requests": [request]}),
        );
        assert!(state_user(&emu, "gone@example.com").is_none(), "{kind}");
        let again = admin.ok("Users.remove", json!({"requests": [request]}));
        assert_eq!(again["errors"].as_array().unwrap().len(), 1, "{kind}");
    }
}

#[test]
fn session_login_and_logout_are_applied_before_the_answer_is_lost() {
    for kind in KINDS {
        let emu = Emu::start();
        let mut admin = emu.admin();
        inject(&emu, "Session.logout", kind);
        call_losing_answer(&mut admin, kind, "Session.logout", json!({}));
        assert_eq!(
            admin.err("Session.whoAmI", json!({}))["code"],
            -32001,
            "{kind}"
        );

        inject(&emu, "Session.login", kind);
        let mut client = emu.client();
        let login = json!({"userName": common::ADMIN, "password": common::ADMIN_PASSWORD,
                           "application": {"name": "t", "vendor": "t", "version": "1"}});
        call_losing_answer(&mut client, kind, "Session.login", login);
        let (_, stats) = emu.control("GET", "stats", None);
        assert_eq!(stats["methods"]["Session.login"], 2, "{kind}");
    }
}

#[test]
fn a_wildcard_after_fault_hits_one_call_only() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    inject(&emu, "*", "http500_after");
    let user = json!({"domainId": domain, "loginName": "once", "password": "0nce-Pass!!"});
    call_losing_answer(
        &mut admin,
        "http500_after",
        "Users.create",
        json!({"users": [user]}),
    );
    admin.user(&domain, "once");
    let (_, faults) = emu.control("GET", "faults", None);
    assert_eq!(faults["faults"], json!([]));
}

/// The full name a read held by `kind` (`delay_after` or `delay`, 800 ms on `Users.get`) reports
/// when another admin renames the user 200 ms into that read; the read must take the 800 ms.
fn name_seen_by_a_slow_read(kind: &str) -> Value {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, "held", "He1d-Answer!");
    let (status, body) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Users.get", "kind": kind, "delay_ms": 800})),
    );
    assert_eq!(status, 200, "{body}");
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reader = emu.admin();
            let started = std::time::Instant::now();
            let name = reader.user(&domain, "held")["fullName"].clone();
            assert!(
                started.elapsed() >= std::time::Duration::from_millis(800),
                "{kind}: the answer came at once"
            );
            name
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        admin.ok(
            "Users.set",
            json!({"userIds": [id], "pattern": {"fullName": "Renamed"}}),
        );
        reader.join().expect("the reading thread")
    })
}

#[test]
fn delay_after_holds_the_answer_computed_before_a_concurrent_write() {
    assert_ne!(
        name_seen_by_a_slow_read("delay_after"),
        json!("Renamed"),
        "delay_after: the read was answered from the state before the rename"
    );
    assert_eq!(
        name_seen_by_a_slow_read("delay"),
        json!("Renamed"),
        "delay: the read waits first, so it already sees the rename"
    );
}

/// `hostile_after` carries out the call and makes its answer what a hostile server could send:
/// every description grows by `description_bytes` (its text kept) and every domain list gets the
/// `domain_names`; it runs out after `times` calls like every fault.
#[test]
fn hostile_after_sends_huge_descriptions_and_invalid_domain_names() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let com = admin.domain_id("example.com");
    let (status, body) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": "*", "kind": "hostile_after", "times": 2,
            "description_bytes": 2_000_000, "domain_names": ["<script>", "a..b"]})),
    );
    assert_eq!(status, 200, "{body}");
    let query = json!({"fields": ["id", "name", "description"]});
    let domains = admin.ok("Domains.get", json!({"query": query}));
    let names: Vec<&str> = domains["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(names.ends_with(&["<script>", "a..b"]), "{names:?}");
    let users = admin.users(&com, json!({"fields": ["loginName", "description"]}));
    let description = users["list"][0]["description"].as_str().unwrap();
    assert!(description.len() > 2_000_000 && description.contains("<script>"));
    let again = admin.users(&com, json!({"fields": ["loginName", "description"]}));
    assert!(
        again["list"][0]["description"].as_str().unwrap().len() < 1000,
        "ran out after 2"
    );
    let (status, body) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": "*", "kind": "hostile_after", "description_bytes": -1})),
    );
    assert_eq!(status, 400, "{body}");
}
