//! Kerio's IMAP listener, driven by a third-party client: Python's standard `imaplib` over TLS
//! (trusting only the emulator's certificate), run as a small script per scenario that prints
//! JSON for the test to check.

mod common;

use std::process::Command;

use common::{Emu, ADMIN};
use kerio_emulator::state::SizeUnits;
use serde_json::{json, Value};

const PASSWORD: &str = "Imap-Passw0rd!";

/// What every script starts with: `connect()` opens an IMAPS connection to the emulator.
const PRELUDE: &str = r#"
import imaplib, json, os, ssl, time, base64
ctx = ssl.create_default_context(cafile=os.environ["CAFILE"])
def connect():
    return imaplib.IMAP4_SSL(os.environ["HOST"], int(os.environ["PORT"]), ssl_context=ctx)
def refused(call):
    try:
        call()
        return None
    except imaplib.IMAP4.error as e:
        return str(e)
def text(value):
    return value.decode() if isinstance(value, bytes) else value
out = {}
"#;

/// Runs `script` (after [`PRELUDE`]) against `emu`'s IMAP listener; returns its `out` as JSON.
fn python(emu: &Emu, script: &str) -> Value {
    let url = emu.running.imaps_url();
    let address = url.strip_prefix("imaps://").expect("an imaps:// URL");
    let (host, port) = address.rsplit_once(':').expect("host:port");
    let program = format!("{PRELUDE}\n{script}\nprint(json.dumps(out, default=lambda b: b.decode(errors=\"replace\")))\n");
    let output = Command::new("python3")
        .arg("-c")
        .arg(program)
        .env("CAFILE", emu.running.cert_file())
        .env("HOST", host)
        .env("PORT", port)
        .output()
        .expect("python3 runs (scripts/install-deps.sh installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("not JSON: {stdout}"))
}

/// Runs `script` logged in as `user` (connection `m`, `message(n, pad)` defined).
fn python_as(emu: &Emu, user: &str, script: &str) -> Value {
    let login = format!("m = connect()\nm.login(\"{user}\", \"{PASSWORD}\")\n");
    python(emu, &format!("{}{login}{script}", message_script()))
}

/// An emulator (exact sizes) with users jo (enabled), sus (disabled) and small (50 KB quota).
fn emulator_with_users(adjust: impl FnOnce(&mut kerio_emulator::Config)) -> Emu {
    let emu = Emu::start_with(|config| {
        config.size_units = SizeUnits::Exact;
        adjust(config);
    });
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let result = admin.create(
        &domain,
        vec![
            json!({"loginName": "jo", "password": PASSWORD}),
            json!({"loginName": "sus", "password": PASSWORD, "isEnabled": false}),
            json!({"loginName": "small", "password": PASSWORD,
                   "diskSizeLimit": {"isActive": true, "limit": {"value": 50, "units": "KiloBytes"}}}),
        ],
    );
    assert_eq!(result["errors"], json!([]), "{result}");
    emu
}

#[test]
fn the_ready_address_is_imaps_on_loopback() {
    let emu = Emu::start();
    let url = emu.running.imaps_url();
    assert!(url.starts_with("imaps://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "{url}");
}

#[test]
fn users_log_in_with_address_and_password_and_others_are_refused() {
    let emu = emulator_with_users(|_| {});
    let out = python(
        &emu,
        &format!(
            r#"
m = connect()
out["caps"] = list(m.capabilities)
out["login"] = m.login("jo@example.com", "{PASSWORD}")[0]
out["noop"] = m.noop()[0]
out["logout"] = m.logout()[0]
m = connect()
out["wrong"] = refused(lambda: m.login("jo@example.com", "nope"))
m = connect()
out["suspended"] = refused(lambda: m.login("sus@example.com", "{PASSWORD}"))
m = connect()
out["unknown"] = refused(lambda: m.login("nobody@example.com", "{PASSWORD}"))
m = connect()
out["plain"] = m.authenticate("PLAIN", lambda _: b"\0jo@example.com\0{PASSWORD}")[0]
m = connect()
out["plain_wrong"] = refused(lambda: m.authenticate("PLAIN", lambda _: b"\0jo@example.com\0nope"))
m = connect()
out["before_login"] = refused(lambda: m.select("INBOX"))
m.send(b"a8 AUTHENTICATE CRAM-MD5\r\n")
out["cram"] = text(m.readline())
"#
        ),
    );
    let caps: Vec<&str> = out["caps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for cap in ["IMAP4REV1", "AUTH=PLAIN", "NAMESPACE", "UIDPLUS"] {
        assert!(caps.contains(&cap), "{caps:?}");
    }
    assert_eq!(out["login"], "OK", "{out}");
    assert_eq!(out["noop"], "OK");
    assert_eq!(out["logout"], "BYE");
    assert_eq!(out["plain"], "OK", "{out}");
    for refused in ["wrong", "suspended", "unknown", "plain_wrong"] {
        let text = out[refused]
            .as_str()
            .unwrap_or_else(|| panic!("{refused} was let in: {out}"));
        assert!(text.contains("AUTHENTICATIONFAILED"), "{refused}: {text}");
        assert!(!text.contains(PASSWORD) && !text.contains("nope"), "{text}");
    }
    assert!(out["before_login"].as_str().is_some(), "{out}");
    let cram = out["cram"].as_str().unwrap();
    assert!(cram.starts_with("a8 NO Only AUTHENTICATE PLAIN"), "{cram}");
    // Both successful logins (LOGIN and PLAIN) are recorded as Kerio records client logins.
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let user = admin.user(&domain, "jo");
    assert_eq!(user["lastLoginInfo"]["protocol"], "IMAPS", "{user}");
    let stats = admin.ok(
        "Users.getStatistics",
        json!({"userIds": [user["id"]], "query": {}}),
    );
    assert_eq!(stats["list"][0]["secureImap"]["count"], 2, "{stats}");
}

#[test]
fn failed_imap_logins_block_the_address_for_every_login() {
    let emu = emulator_with_users(|config| config.lockout_failures = 3);
    let out = python(
        &emu,
        &format!(
            r#"
for i in range(3):
    m = connect()
    refused(lambda: m.login("jo@example.com", "wrong-" + str(i)))
m = connect()
out["right_after_block"] = refused(lambda: m.login("jo@example.com", "{PASSWORD}"))
"#
        ),
    );
    assert!(out["right_after_block"].as_str().is_some(), "{out}");
    // The block is shared: the admin API refuses the same address too.
    let mut client = emu.client();
    let response = client.login(ADMIN, common::ADMIN_PASSWORD);
    assert!(response.get("error").is_some(), "{response}");
}

#[test]
fn every_user_has_kerios_default_folders_and_can_create_more() {
    let emu = emulator_with_users(|_| {});
    let out = python_as(
        &emu,
        "jo@example.com",
        r#"
out["namespace"] = text(m.namespace()[1][0])
out["list"] = [text(x) for x in m.list()[1]]
out["create"] = m.create('"Projects/2024"')[0]
out["again"] = refused(lambda: m.create('"Projects/2024"')) or m.create('"Projects/2024"')[0]
out["after"] = [text(x) for x in m.list('""', '"Projects/*"')[1]]
out["top"] = [text(x) for x in m.list('""', '"%"')[1]]
out["select"] = [m.select('"Sent Items"')[0], m.response("UIDVALIDITY")[1][0] is not None]
out["examine"] = m.select("INBOX", readonly=True)[0]
out["expunge_read_only"] = m.expunge()[0]
out["root"] = text(m.list('""', '""')[1][0])
out["lsub"] = [text(x) for x in m.lsub()[1]]
out["status"] = text(m.status('"Drafts"', "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")[1][0])
out["missing"] = refused(lambda: m.select('"No Such"')) or m.select('"No Such"')[0]
"#,
    );
    let list = listed(&out["list"]);
    for (name, special) in [
        ("INBOX", "()"),
        ("Sent Items", "(\\Sent)"),
        ("Deleted Items", "(\\Trash)"),
        ("Drafts", "(\\Drafts)"),
        ("Junk E-Mail", "(\\Junk)"),
    ] {
        assert!(
            list.contains(&(special.to_string(), name.to_string())),
            "{name} {special} missing: {list:?}"
        );
    }
    assert_eq!(list.len(), 5, "{list:?}");
    assert_eq!(out["namespace"], "((\"\" \"/\")) NIL NIL", "{out}");
    assert_eq!(out["create"], "OK");
    assert_eq!(out["again"], "NO", "{out}");
    let after: Vec<String> = listed(&out["after"]).into_iter().map(|(_, n)| n).collect();
    assert_eq!(after, ["Projects/2024"]);
    let top: Vec<String> = listed(&out["top"]).into_iter().map(|(_, n)| n).collect();
    assert!(
        top.contains(&"Projects".to_string()) && top.len() == 6,
        "{top:?}"
    );
    assert_eq!(out["select"], json!(["OK", true]));
    assert_eq!(out["examine"], "OK");
    assert_eq!(out["expunge_read_only"], "NO", "{out}");
    assert_eq!(out["root"], "(\\Noselect) \"/\" \"\"");
    assert_eq!(listed(&out["lsub"]).len(), 7, "{out}");
    let status = out["status"].as_str().unwrap();
    assert!(
        status.contains("MESSAGES 0") && status.contains("UIDNEXT 1"),
        "{status}"
    );
    assert_eq!(out["missing"], "NO", "{out}");
}

/// LIST lines `(ATTRIBUTES) "/" NAME` as (attributes, unquoted name); the delimiter must be `/`.
fn listed(lines: &Value) -> Vec<(String, String)> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            let line = line.as_str().unwrap();
            let (attributes, name) = line.split_once(" \"/\" ").expect("delimiter /");
            (attributes.to_string(), name.trim_matches('"').to_string())
        })
        .collect()
}

/// The message a script appends, with a Message-ID per `n`.
fn message_script() -> &'static str {
    r#"
def message(n, pad=0):
    return ("From: a@example.net\r\nTo: jo@example.com\r\nMessage-ID: <m" + str(n) + "@example.net>\r\n"
            "Subject: test " + str(n) + "\r\n\r\nBody " + str(n) + "\r\n" + "x" * pad).encode()
"#
}

fn mailbox(emu: &Emu, email: &str) -> Value {
    let (status, body) = emu.control("GET", &format!("mailbox?email={email}"), None);
    assert_eq!(status, 200, "{body}");
    body
}

fn folder<'v>(listing: &'v Value, name: &str) -> &'v Value {
    listing["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no folder {name}: {listing}"))
}

#[test]
fn messages_are_appended_found_fetched_flagged_and_expunged() {
    let emu = emulator_with_users(|_| {});
    let out = python_as(
        &emu,
        "jo@example.com",
        r#"
date = imaplib.Time2Internaldate(time.mktime((2021, 3, 4, 5, 6, 7, 0, 0, -1)))
typ, data = m.append("INBOX", r"(\Seen \Flagged)", date, message(1))
out["append1"] = [typ, text(data[0])]
out["append2"] = m.append("INBOX", None, None, message(2, 1000))[0]
out["append_missing"] = m.append('"Nowhere"', None, None, message(3))[1][0].decode()
m.select("INBOX")
out["all"] = text(m.uid("SEARCH", None, "ALL")[1][0])
out["by_id"] = text(m.uid("SEARCH", None, "HEADER", "Message-ID", '"<m2@example.net>"')[1][0])
out["range"] = text(m.uid("SEARCH", None, "UID", "2:*")[1][0])
typ, data = m.uid("FETCH", "1", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] BODY.PEEK[])")
out["fetch_head"] = text(data[0][0])
out["fetch_fields"] = text(data[0][1])
out["fetch_body_equal"] = data[1][1] == message(1) if len(data) > 1 and isinstance(data[1], tuple) else None
out["store"] = [text(x) for x in m.uid("STORE", "1", "+FLAGS", r"(\Deleted)")[1]]
out["expunge"] = [text(x) for x in m.expunge()[1]]
out["left"] = text(m.uid("SEARCH", None, "ALL")[1][0])
"#,
    );
    assert_eq!(out["append1"][0], "OK", "{out}");
    assert!(
        out["append1"][1].as_str().unwrap().contains("APPENDUID"),
        "{out}"
    );
    assert_eq!(out["append2"], "OK");
    assert!(
        out["append_missing"]
            .as_str()
            .unwrap()
            .contains("TRYCREATE"),
        "{out}"
    );
    assert_eq!(out["all"], "1 2");
    assert_eq!(out["by_id"], "2");
    assert_eq!(out["range"], "2");
    let head = out["fetch_head"].as_str().unwrap();
    for part in [
        "UID 1",
        "\\Seen",
        "\\Flagged",
        "RFC822.SIZE",
        "04-Mar-2021 05:06:07",
    ] {
        assert!(head.contains(part), "{part} missing in {head}");
    }
    assert!(out["fetch_fields"]
        .as_str()
        .unwrap()
        .starts_with("Message-ID: <m1@example.net>"));
    assert_eq!(out["fetch_body_equal"], true, "{out}");
    assert!(
        out["store"][0].as_str().unwrap().contains("\\Deleted"),
        "{out}"
    );
    assert_eq!(out["expunge"], json!(["1"]));
    assert_eq!(out["left"], "2");
    let listing = mailbox(&emu, "jo@example.com");
    let inbox = folder(&listing, "INBOX");
    assert_eq!(inbox["messages"].as_array().unwrap().len(), 1, "{listing}");
    assert_eq!(inbox["messages"][0]["uid"], 2);
    assert_eq!(inbox["messages"][0]["message_id"], "<m2@example.net>");
    assert_eq!(inbox["uid_next"], 3);
}

#[test]
fn stored_messages_count_in_users_get_on_top_of_the_usage_override() {
    let emu = emulator_with_users(|_| {});
    let (status, body) = emu.control(
        "POST",
        "usage",
        Some(json!({"email": "jo@example.com", "bytes": 1000, "items": 4})),
    );
    assert_eq!(status, 200, "{body}");
    python_as(
        &emu,
        "jo@example.com",
        r#"
m.append("INBOX", None, None, message(1, 1))
m.append('"Drafts"', None, None, message(2, 1))
"#,
    );
    let listing = mailbox(&emu, "jo@example.com");
    let stored: u64 = listing["folders"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["messages"].as_array().unwrap())
        .map(|m| m["size"].as_u64().unwrap())
        .sum();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let user = admin.user(&domain, "jo");
    assert_eq!(user["consumedItems"], 6, "{user}");
    assert_eq!(user["consumedSize"]["units"], "Bytes", "{user}");
    assert_eq!(user["consumedSize"]["value"], 1000 + stored, "{user}");
}

#[test]
fn an_append_past_the_quota_is_refused_and_stores_nothing() {
    let emu = emulator_with_users(|_| {});
    let out = python_as(
        &emu,
        "small@example.com",
        r#"
out["fits"] = m.append("INBOX", None, None, message(1, 30000))[0]
typ, data = m.append("INBOX", None, None, message(2, 30000))
out["over"] = [typ, text(data[0])]
"#,
    );
    assert_eq!(out["fits"], "OK", "{out}");
    assert_eq!(out["over"][0], "NO", "{out}");
    assert!(
        out["over"][1].as_str().unwrap().contains("OVERQUOTA"),
        "{out}"
    );
    let listing = mailbox(&emu, "small@example.com");
    assert_eq!(
        folder(&listing, "INBOX")["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_control_listing_needs_a_known_address() {
    let emu = Emu::start();
    assert_eq!(emu.control("GET", "mailbox", None).0, 400);
    assert_eq!(
        emu.control("GET", "mailbox?email=no@example.com", None).0,
        404
    );
}

#[test]
fn latency_applies_to_imap_commands() {
    let emu = emulator_with_users(|config| {
        config.latency = kerio_emulator::latency::Latency::from_millis(150)
    });
    let out = python_as(
        &emu,
        "jo@example.com",
        r#"
start = time.monotonic()
m.noop()
out["noop_s"] = time.monotonic() - start
"#,
    );
    let seconds = out["noop_s"].as_f64().unwrap();
    assert!(seconds >= 0.15, "a NOOP took {seconds} s at 150 ms RTT");
}

#[test]
fn bad_commands_get_a_clear_answer_and_change_nothing() {
    let emu = emulator_with_users(|_| {});
    let out = python_as(
        &emu,
        "jo@example.com",
        r#"
out["unknown"] = refused(lambda: m.xatom("FROBNICATE"))
m.send(b"a1 SELECT\r\n")
out["garbage"] = text(m.readline())
m.send(b"(no tag\r\n")
out["untagged"] = text(m.readline())
m.send(b"a3 AUTHENTICATE PLAIN\r\n")
out["again"] = text(m.readline())
out["inbox"] = m.create("INBOX")[0]
m.send(b"a2 UID SEARCH ALL\r\n")
out["no_select"] = text(m.readline())
typ, data = m.append("INBOX", None, None, b"x" * (64 * 1024 * 1024 + 1))
out["too_big"] = [typ, text(data[0])]
out["after"] = m.noop()[0]
"#,
    );
    assert!(out["unknown"].as_str().unwrap().contains("BAD"), "{out}");
    let garbage = out["garbage"].as_str().unwrap();
    assert!(garbage.starts_with("a1 BAD "), "{garbage}");
    let untagged = out["untagged"].as_str().unwrap();
    assert!(
        untagged.starts_with("* BAD Command not understood"),
        "{untagged}"
    );
    let again = out["again"].as_str().unwrap();
    assert!(again.starts_with("a3 BAD Already logged in"), "{again}");
    assert_eq!(out["inbox"], "NO");
    let no_select = out["no_select"].as_str().unwrap();
    assert!(
        no_select.starts_with("a2 BAD Select a folder first"),
        "{no_select}"
    );
    assert_eq!(out["too_big"][0], "NO", "{out}");
    assert!(
        out["too_big"][1].as_str().unwrap().contains("TOOBIG"),
        "{out}"
    );
    assert_eq!(out["after"], "OK");
    let listing = mailbox(&emu, "jo@example.com");
    assert_eq!(listing["folders"].as_array().unwrap().len(), 5, "{listing}");
    assert_eq!(folder(&listing, "INBOX")["messages"], json!([]));
}

/// Removes `login` with `method` and creates it again; returns the new user's mailbox listing.
fn remove_and_recreate(emu: &Emu, login: &str, method: &str) -> Value {
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.user(&domain, login)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = admin.ok(
        "Users.remove",
        json!({"requests": [{"userId": id, "method": method}]}),
    );
    assert_eq!(removed["errors"], json!([]), "{removed}");
    admin.create_user(&domain, login, PASSWORD);
    mailbox(emu, &format!("{login}@example.com"))
}

#[test]
fn a_kept_mailbox_keeps_its_messages_and_a_deleted_one_loses_them() {
    let emu = emulator_with_users(|_| {});
    for user in ["jo@example.com", "small@example.com"] {
        python_as(&emu, user, r#"m.append("INBOX", None, None, message(1))"#);
    }
    let kept = remove_and_recreate(&emu, "jo", "UDeleteUser");
    let inbox = folder(&kept, "INBOX");
    assert_eq!(
        inbox["messages"][0]["message_id"], "<m1@example.net>",
        "{kept}"
    );
    let deleted = remove_and_recreate(&emu, "small", "UDeleteFolder");
    assert_eq!(
        folder(&deleted, "INBOX")["messages"],
        json!([]),
        "{deleted}"
    );
    // The deleted store is gone from the database too: only the kept message is left.
    let database = emu.dir.path().join(kerio_emulator::state::DATABASE_FILE);
    let rows: i64 = rusqlite::Connection::open(database)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM mail_messages", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn appends_from_parallel_connections_all_land_with_distinct_uids() {
    let emu = emulator_with_users(|_| {});
    let out = python_as(
        &emu,
        "jo@example.com",
        &format!(
            r#"
import threading
errors = []
def worker(first):
    c = connect()
    c.login("jo@example.com", "{PASSWORD}")
    for n in range(first, first + 40):
        typ, data = c.append("INBOX", None, None, message(n))
        if typ != "OK":
            errors.append(text(data[0]))
threads = [threading.Thread(target=worker, args=(i * 100,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
out["errors"] = errors
"#
        ),
    );
    assert_eq!(out["errors"], json!([]));
    let listing = mailbox(&emu, "jo@example.com");
    let uids: std::collections::BTreeSet<u64> = folder(&listing, "INBOX")["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["uid"].as_u64().unwrap())
        .collect();
    assert_eq!(uids, (1..=160).collect());
}
