//! Webmail login, fault injection, the control API, persistence across restarts, seeding
//! and the `kerio-emulator` binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{agent_for, Emu, ADMIN, ADMIN_PASSWORD};
use serde_json::{json, Value};

fn webmail_login(emu: &Emu, user: &str, password: &str) -> ureq::Response {
    let url = format!("{}login/dologin", emu.running.webmail_url());
    let form = [("kerio_username", user), ("kerio_password", password)];
    emu.agent.post(&url).send_form(&form).unwrap()
}

#[test]
fn webmail_form_login_sets_the_cookie_and_records_the_login() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.org");
    admin.create_user(&domain, "jdoe", "W3bmail-Pass&x");
    let failed = webmail_login(&emu, "jdoe@example.org", "wrong");
    assert_eq!(failed.status(), 302);
    assert_eq!(
        failed.header("location"),
        Some("/webmail/login/?reason=failure")
    );

    let ok = webmail_login(&emu, "jdoe@example.org", "W3bmail-Pass&x");
    assert_eq!(ok.status(), 302);
    assert_eq!(ok.header("location"), Some("/webmail/"));
    let cookie = ok.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.starts_with("SESSION_CONNECT_WEBMAIL=")
            && cookie.contains("HttpOnly")
            && cookie.contains("Secure")
    );
    let pair = cookie.split(';').next().unwrap();
    let page = emu
        .agent
        .get(&emu.running.webmail_url())
        .set("Cookie", pair)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("jdoe@example.org"), "{page}");
    let anonymous = emu
        .agent
        .get(&emu.running.webmail_url())
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(anonymous.contains("kerio_username"));

    let user = admin.user(&domain, "jdoe");
    assert_eq!(user["lastLoginInfo"]["protocol"], "HTTPS");
    assert!(user["lastLoginInfo"]["dateTime"].as_i64().unwrap() > 1_600_000_000);

    admin.ok(
        "Users.set",
        json!({"userIds": [user["id"]], "pattern": {"isEnabled": false}}),
    );
    let disabled = webmail_login(&emu, "jdoe@example.org", "W3bmail-Pass&x");
    assert_eq!(
        disabled.header("location"),
        Some("/webmail/login/?reason=failure")
    );
    let after = emu
        .agent
        .get(&emu.running.webmail_url())
        .set("Cookie", pair)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(!after.contains("jdoe@example.org"));
}

#[test]
fn http_faults_hit_the_given_method_the_given_number_of_times() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let (status, _) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Server.getVersion", "kind": "http500", "times": 2})),
    );
    assert_eq!(status, 200);
    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Session.whoAmI", "kind": "http502"})),
    );
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "Server.getVersion"}).to_string();
    assert_eq!(admin.raw(&body).unwrap().status, 500);
    assert_eq!(admin.raw(&body).unwrap().status, 500);
    assert_eq!(admin.raw(&body).unwrap().status, 200);
    let who = json!({"jsonrpc": "2.0", "id": 1, "method": "Session.whoAmI"}).to_string();
    assert_eq!(admin.raw(&who).unwrap().status, 502);
    assert_eq!(admin.raw(&who).unwrap().status, 200);
}

#[test]
fn reset_malformed_delay_and_expire_faults() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "*", "kind": "reset"})),
    );
    assert!(admin
        .raw(&json!({"jsonrpc": "2.0", "id": 1, "method": "Server.getVersion"}).to_string())
        .is_err());

    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Users.get", "kind": "malformed"})),
    );
    let raw = admin
        .raw(&json!({"jsonrpc": "2.0", "id": 1, "method": "Users.get", "params": {}}).to_string())
        .unwrap();
    assert_eq!(raw.status, 200);
    assert!(serde_json::from_str::<Value>(&raw.body).is_err());

    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Server.getVersion", "kind": "delay", "delay_ms": 700})),
    );
    let started = Instant::now();
    admin.ok("Server.getVersion", json!({}));
    assert!(started.elapsed() >= Duration::from_millis(700));

    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "Server.getVersion", "kind": "expire_session"})),
    );
    assert_eq!(admin.err("Server.getVersion", json!({}))["code"], -32001);
    assert_eq!(admin.err("Session.whoAmI", json!({}))["code"], -32001);
    admin.login_ok(ADMIN, ADMIN_PASSWORD);
    admin.ok("Session.whoAmI", json!({}));

    emu.control(
        "POST",
        "faults",
        Some(json!({"method": "*", "kind": "http500", "times": 5})),
    );
    let (_, listed) = emu.control("GET", "faults", None);
    assert_eq!(listed["faults"][0]["times"], 5);
    emu.control("DELETE", "faults", None);
    admin.ok("Session.whoAmI", json!({}));
    let (status, body) = emu.control(
        "POST",
        "faults",
        Some(json!({"method": "*", "kind": "explode"})),
    );
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("expire_session"));
}

#[test]
fn control_state_and_stats_never_show_secrets() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let (_, reset) = emu.control("POST", "stats/reset", Some(json!({})));
    assert_eq!(reset["total"], 0);
    admin.ok("Session.whoAmI", json!({}));
    admin.ok("Session.whoAmI", json!({}));
    admin.ok("Server.getVersion", json!({}));
    let (_, stats) = emu.control("GET", "stats", None);
    assert_eq!(stats["methods"]["Session.whoAmI"], 2);
    assert_eq!(stats["total"], 3);
    let (status, state) = emu.control("GET", "state", None);
    assert_eq!(status, 200);
    let text = state.to_string();
    assert!(!text.contains(ADMIN_PASSWORD));
    assert!(!text.contains(admin.token.as_ref().unwrap()));
    assert!(!text.contains("\"password\"") && !text.contains("salt") && !text.contains("hash"));
    assert_eq!(state["domains"].as_array().unwrap().len(), 2);
    assert_eq!(state["users"][0]["email"], "admin@example.com");
    let (status, _) = emu.control(
        "POST",
        "usage",
        Some(json!({"email": "ghost@example.com", "bytes": 1})),
    );
    assert_eq!(status, 404);
    let (status, _) = emu.control("POST", "domains", Some(json!({"name": "example.com"})));
    assert_eq!(status, 409);
    let (status, _) = emu.control("GET", "nothing", None);
    assert_eq!(status, 404);
}

#[test]
fn restart_keeps_domains_users_and_kept_mailboxes_but_not_sessions() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.org");
    admin.create_user(&domain, "stays", "St4ys-Around");
    let kept = admin.create_user(&domain, "kept", "K3pt-Mailbox");
    emu.control(
        "POST",
        "usage",
        Some(json!({"email": "kept@example.org", "bytes": 8192, "items": 3})),
    );
    admin.ok("Users.remove", json!({"requests": [{"userId": kept, "method": "UDeleteUser", "removeReferences": false, "targetUserId": "", "mode": "DSModeDelete"}]}));
    let fingerprint = emu.running.fingerprint_sha256();
    let Emu { running, dir, .. } = emu;
    running.stop();

    let emu = Emu::start_in(dir, |_| {});
    assert_eq!(emu.running.fingerprint_sha256(), fingerprint);
    admin.agent = emu.agent.clone();
    admin.url = emu.running.admin_url();
    assert_eq!(admin.err("Session.whoAmI", json!({}))["code"], -32001);
    let mut admin = emu.admin();
    assert_eq!(admin.domain_id("example.org"), domain);
    assert_eq!(admin.user(&domain, "stays")["loginName"], "stays");
    admin.create_user(&domain, "kept", "K3pt-Mailbox");
    assert_eq!(
        admin.user(&domain, "kept")["consumedSize"],
        json!({"value": 8, "units": "KiloBytes"})
    );
}

#[test]
fn plain_mode_serves_http_without_secure_cookies() {
    let emu = Emu::start_with(|c| c.plain = true);
    assert!(emu.running.admin_url().starts_with("http://127.0.0.1:"));
    let mut client = emu.client();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "Session.login", "params": {
        "userName": ADMIN, "password": ADMIN_PASSWORD, "application": {"name": "a", "vendor": "b", "version": "c"}}});
    let raw = client.raw(&body.to_string()).unwrap();
    assert!(raw.set_cookies.iter().all(|c| !c.contains("Secure")));
}

#[test]
fn seed_creates_many_mailboxes_quickly_and_they_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = kerio_emulator::seed(dir.path(), 10, 1000).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "seeding took {:?}",
        started.elapsed()
    );
    assert_eq!((report.domains_created, report.users_created), (10, 10_000));
    let again = kerio_emulator::seed(dir.path(), 10, 1000).unwrap();
    assert_eq!((again.domains_created, again.users_created), (0, 0));
    let emu = Emu::start_in(dir, |_| {});
    let mut admin = emu.admin();
    let domain = admin.domain_id("d003.example");
    let page = admin.users(
        &domain,
        json!({"fields": ["loginName", "consumedSize", "diskSizeLimit"], "limit": 10}),
    );
    assert_eq!(page["totalItems"], 1000);
    assert_eq!(page["list"][0]["loginName"], "user00001");
    let ok = webmail_login(
        &emu,
        "user00042@d003.example",
        kerio_emulator::SEED_PASSWORD,
    );
    assert_eq!(ok.header("location"), Some("/webmail/"));
}

#[test]
fn binary_serve_prints_the_ready_line_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kerio-emulator"))
        .args(["serve", "--state"])
        .arg(dir.path())
        .args([
            "--admin-listen",
            "127.0.0.1:0",
            "--client-listen",
            "127.0.0.1:0",
            "--admin",
            "root@acme.test:R00t-Pass:word",
            "--domain",
            "acme.test",
            "--domain",
            "other.test",
            "--license-users",
            "5",
            "--hostname",
            "mail.acme.test",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let fingerprint = ready["fingerprint_sha256"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 95);
    assert!(fingerprint
        .chars()
        .all(|c| c == ':' || c.is_ascii_digit() || c.is_ascii_uppercase()));
    let agent = agent_for(std::path::Path::new(ready["cert_file"].as_str().unwrap()));
    assert!(ready["webmail_url"]
        .as_str()
        .unwrap()
        .ends_with("/webmail/"));
    // The IMAP listener's default: implicit TLS on an ephemeral loopback port.
    let imaps = ready["imaps_url"].as_str().unwrap();
    assert!(
        imaps.starts_with("imaps://127.0.0.1:") && !imaps.ends_with(":0"),
        "{imaps}"
    );
    let mut client = common::Client {
        agent,
        url: ready["admin_url"].as_str().unwrap().to_string(),
        cookies: vec![],
        token: None,
    };
    client.login_ok("root", "R00t-Pass:word");
    let domains = client.ok(
        "Domains.get",
        json!({"query": {"fields": ["name", "isPrimary"]}}),
    );
    assert_eq!(
        domains["list"],
        json!([{"name": "acme.test", "isPrimary": true}, {"name": "other.test", "isPrimary": false}])
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "emulator did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains("R00t-Pass"), "{stderr}");
    assert!(!stderr.contains(client.token.as_ref().unwrap()), "{stderr}");
    assert!(stderr.contains("Session.login ok"));
}

/// Runs `serve` with loopback listeners and `extra` options that must stop it; returns stderr.
fn serve_refusing(extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kerio-emulator"))
        .args([
            "serve",
            "--state",
            "/tmp/unused",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args(["--client-listen", "127.0.0.1:0"])
        .args(extra)
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn binary_rejects_an_unknown_kerio_version() {
    let stderr = serve_refusing(&["--kerio-version", "8.0"]);
    assert!(stderr.contains("use one of 10.0.8, 9.2.8"), "{stderr}");
}

#[test]
fn binary_rejects_a_malformed_admin_option() {
    assert!(serve_refusing(&["--admin", "rootpass"]).contains("LOGIN@DOMAIN:PASSWORD"));
}

#[test]
fn a_new_hostname_regenerates_the_certificate_and_webmail_shares_the_lockout() {
    let emu = Emu::start_with(|c| c.lockout_failures = 2);
    let before = emu.running.fingerprint_sha256();
    webmail_login(&emu, "admin", "wrong");
    webmail_login(&emu, "admin", "wrong");
    let mut client = emu.client();
    let blocked = client.login(ADMIN, ADMIN_PASSWORD)["error"].clone();
    assert!(blocked["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many failed login attempts"));
    let Emu { running, dir, .. } = emu;
    running.stop();
    let emu = Emu::start_in(dir, |c| c.hostnames = vec!["mail.example.net".to_string()]);
    assert_ne!(emu.running.fingerprint_sha256(), before);
    let pem = std::fs::read_to_string(emu.running.cert_file()).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let mut admin = emu.admin();
    let domain = admin.ok("Session.getDomain", json!({}))["domain"].clone();
    assert_eq!(domain["name"], "example.com");
    assert_eq!(domain["passwordComplexityEnabled"], true);
    assert!(domain.get("aliasList").is_none());
}
