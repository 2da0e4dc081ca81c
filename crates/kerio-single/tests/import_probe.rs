//! `import_probe` against a real Dovecot (scripts/dovecot.sh, started here: never skipped) seeded
//! by scripts/seed-imap.py, with the emulator as the Kerio that owns the target mailbox.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The source mailbox's user and password.
const SOURCE_USER: &str = "probe@old.test";
const SOURCE_PASSWORD: &str = "Src-Secret-7731!";

/// The running Dovecot's variables (scripts/dovecot.sh env) and the seeder's manifest.
struct Source {
    env: HashMap<String, String>,
    manifest: Value,
}

impl Source {
    fn port(&self, name: &str) -> u16 {
        self.env[name].parse().unwrap()
    }

    /// The SHA-256 fingerprint of Dovecot's self-signed certificate.
    fn fingerprint(&self) -> String {
        let pem = std::fs::read(&self.env["KS_IMAP_CERT"]).unwrap();
        let der = rustls_pemfile::certs(&mut pem.as_slice())
            .next()
            .unwrap()
            .unwrap();
        kerio_api::fingerprint_of(&der)
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Starts the private Dovecot (once per test run) and seeds the source mailbox.
fn source() -> &'static Source {
    static SOURCE: OnceLock<Source> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let started = Command::new(repo().join("scripts/dovecot.sh"))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            started.status.success(),
            "scripts/dovecot.sh start failed (run `make deps`): {}",
            String::from_utf8_lossy(&started.stderr)
        );
        let env: HashMap<String, String> = String::from_utf8_lossy(&started.stdout)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let seeded = Command::new("python3")
            .arg(repo().join("scripts/seed-imap.py"))
            .args(["--user", SOURCE_USER, "--password", SOURCE_PASSWORD])
            .args(["--messages", "80", "--seed", "19"])
            .envs(&env)
            .output()
            .unwrap();
        assert!(
            seeded.status.success(),
            "seed-imap.py failed: {}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let manifest = serde_json::from_slice(&seeded.stdout).unwrap();
        Source { env, manifest }
    })
}

/// The emulator with jdoe@example.com owned by service 42.
fn kerio() -> Emu {
    let emu = Emu::start();
    emu.create("jdoe@example.com", 42, 500);
    emu
}

/// `import_probe` args for the seeded source over `security` on `port`, private networks
/// allowed (the loopback Dovecot), the source's certificate trusted by fingerprint.
fn args(security: &str, port: u16) -> Value {
    let source = source();
    json!({"address": "jdoe@example.com", "service_id": 42,
           "source": {"host": "127.0.0.1", "port": port, "security": security,
                      "username": SOURCE_USER, "password": SOURCE_PASSWORD},
           "allowed_ports": [source.port("KS_IMAPS_PORT"), source.port("KS_IMAP_PORT")],
           "allow_private_networks": true,
           "source_fingerprint": source.fingerprint()})
}

fn tls_args() -> Value {
    args("tls", source().port("KS_IMAPS_PORT"))
}

/// Where each seeded folder must go in Kerio.
fn expected_maps_to() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("INBOX", "INBOX"),
        ("Gesendete Objekte", "Sent Items"),
        ("Trash", "Deleted Items"),
        ("Spam", "Junk E-mail"),
        ("Entwürfe", "Drafts"),
        ("Sent Messages", "Sent Items"),
        ("Papierkorb", "Deleted Items"),
        ("Projects", "Projects"),
        ("Projects/2024", "Projects/2024"),
        ("Projects/2024/Q1.report", "Projects/2024/Q1.report"),
        ("Archiv.2023", "Archiv.2023"),
        ("Über uns/Ärger & Co", "Über uns/Ärger & Co"),
    ])
}

/// Each folder's (messages, bytes) by name, from a manifest's or a result's `folders`.
fn sizes(folders: &Value) -> BTreeMap<String, (u64, u64)> {
    let figures = |f: &Value| {
        (
            f["messages"].as_u64().unwrap(),
            f["bytes"].as_u64().unwrap(),
        )
    };
    folders
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_string(), figures(f)))
        .collect()
}

/// Checks a probe result against the seeder's manifest.
fn assert_agrees_with_the_seeder(result: &Value) {
    let manifest = &source().manifest;
    let seeded = sizes(&manifest["folders"]);
    let probed = sizes(&result["folders"]);
    assert_eq!(probed, seeded, "{result}");
    assert_eq!(result["messages"], manifest["messages"]);
    assert_eq!(result["bytes"], manifest["bytes"]);
    assert_eq!(result["folders"][0]["name"], "INBOX");
    for folder in result["folders"].as_array().unwrap() {
        let name = folder["name"].as_str().unwrap();
        assert_eq!(folder["maps_to"], expected_maps_to()[name], "{name}");
    }
    let deleted: u64 = manifest["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["deleted"].as_u64().unwrap())
        .sum();
    assert!(deleted > 0, "the seed should mark some messages \\Deleted");
}

#[test]
fn probe_over_tls_and_starttls_agrees_with_what_the_seeder_wrote() {
    let emu = kerio();
    let over_tls = emu.ok("import_probe", tls_args());
    assert_agrees_with_the_seeder(&over_tls);
    let starttls = emu.ok(
        "import_probe",
        args("starttls", source().port("KS_IMAP_PORT")),
    );
    assert_agrees_with_the_seeder(&starttls);
    assert!(
        !over_tls.to_string().contains("\"Über uns\""),
        "a \\Noselect parent is no folder"
    );
}

#[test]
fn an_untrusted_certificate_names_its_fingerprint_then_is_accepted_with_it() {
    let emu = kerio();
    let mut untrusted = tls_args();
    untrusted["source_fingerprint"] = Value::Null;
    let error = emu.refused("import_probe", untrusted, "source_tls");
    let fingerprint = source().fingerprint();
    assert_eq!(error["fingerprint"], fingerprint.as_str(), "{error}");
    assert!(error["message"].as_str().unwrap().contains(&fingerprint));
    let mut other = tls_args();
    other["source_fingerprint"] = json!("00".repeat(32));
    let error = emu.refused("import_probe", other, "source_tls");
    assert_eq!(error["fingerprint"], fingerprint.as_str());
    let mut starttls = args("starttls", source().port("KS_IMAP_PORT"));
    starttls["source_fingerprint"] = Value::Null;
    emu.refused("import_probe", starttls, "source_tls");
    emu.ok("import_probe", tls_args());
}

#[test]
fn a_wrong_password_is_source_login_failed() {
    let emu = kerio();
    let mut wrong = tls_args();
    wrong["source"]["password"] = json!("Not-the-password-1");
    let error = emu.refused("import_probe", wrong, "source_login_failed");
    assert!(
        error["message"].as_str().unwrap().contains(SOURCE_USER),
        "{error}"
    );
    assert!(!error.to_string().contains("Not-the-password-1"));
}

/// A loopback listener on a port the request allows: it must never see a connection.
struct Tripwire(TcpListener);

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Tripwire(listener)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    fn assert_untouched(&self, case: &str) {
        match self.0.accept() {
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            other => panic!("{case}: the source was contacted: {other:?}"),
        }
    }
}

#[test]
fn bad_sources_are_clear_errors_and_nothing_is_connected() {
    let emu = kerio();
    let wire = Tripwire::new();
    let port = wire.port();
    let long_user = "u".repeat(2048);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "scheme",
            json!({"host": "imaps://127.0.0.1"}),
            "invalid_input",
        ),
        ("path", json!({"host": "127.0.0.1/inbox"}), "invalid_input"),
        (
            "userinfo",
            json!({"host": "jdoe@127.0.0.1"}),
            "invalid_input",
        ),
        (
            "port in host",
            json!({"host": format!("127.0.0.1:{port}")}),
            "invalid_input",
        ),
        ("localhost", json!({"host": "localhost"}), "source_refused"),
        ("127.1", json!({"host": "127.1"}), "invalid_input"),
        ("0x7f.1", json!({"host": "0x7f.1"}), "invalid_input"),
        ("[::1]", json!({"host": "[::1]"}), "source_refused"),
        (
            "mapped v4",
            json!({"host": "::ffff:127.0.0.1"}),
            "source_refused",
        ),
        ("loopback", json!({"host": "127.0.0.1"}), "source_refused"),
        ("port 0", json!({"port": 0}), "invalid_input"),
        ("port 25", json!({"port": 25}), "source_refused"),
        ("port 65536", json!({"port": 65536}), "invalid_input"),
        ("2 KB user", json!({"username": long_user}), "invalid_input"),
        ("empty password", json!({"password": ""}), "invalid_input"),
        ("plain", json!({"security": "plain"}), "source_refused"),
    ];
    for (case, change, code) in cases {
        let mut request = json!({"address": "jdoe@example.com", "service_id": 42,
            "source": {"host": "127.0.0.1", "port": port, "security": "tls",
                       "username": SOURCE_USER, "password": SOURCE_PASSWORD},
            "allowed_ports": [port, 25]});
        for (key, value) in change.as_object().unwrap() {
            request["source"][key] = value.clone();
        }
        // Only the host cases test the private-network rule; the others would be refused by it
        // (127.0.0.1) before their own rule is reached.
        request["allow_private_networks"] = json!(change.get("host").is_none());
        if case == "port 25" {
            request["allowed_ports"] = json!([port]);
        }
        let error = emu.refused("import_probe", request, code);
        for part in ["message", "hint"] {
            assert!(
                !error[part].as_str().unwrap_or("").is_empty(),
                "{case}: {error}"
            );
        }
        assert!(!error.to_string().contains(SOURCE_PASSWORD), "{case}");
        if ["scheme", "path", "userinfo", "port in host"].contains(&case) {
            let message = error["message"].as_str().unwrap();
            assert!(
                message.contains("scheme, user name, port or path"),
                "{case}: {message}"
            );
        }
        wire.assert_untouched(case);
    }
}

#[test]
fn another_services_mailbox_is_refused_before_the_source_is_contacted() {
    let emu = kerio();
    let wire = Tripwire::new();
    let request = json!({"address": "jdoe@example.com", "service_id": 43,
        "source": {"host": "127.0.0.1", "port": wire.port(), "security": "tls",
                   "username": SOURCE_USER, "password": SOURCE_PASSWORD},
        "allowed_ports": [wire.port()], "allow_private_networks": true});
    emu.refused("import_probe", request, "not_owned");
    wire.assert_untouched("not owned");
}

#[test]
fn the_source_password_never_leaves_the_engine() {
    let emu = kerio();
    let mut wrong = tls_args();
    wrong["source"]["password"] = json!("Wrong-Src-Pass-99");
    let mut untrusted = tls_args();
    untrusted["source_fingerprint"] = Value::Null;
    for (args, secret) in [
        (tls_args(), SOURCE_PASSWORD),
        (wrong, "Wrong-Src-Pass-99"),
        (untrusted, SOURCE_PASSWORD),
    ] {
        let request = json!({"v": 1, "op": "import_probe", "server": emu.server(), "args": args});
        let run = run_binary(&["call"], &[], request.to_string().as_bytes());
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        assert!(run.stdout.contains("\"ok\""), "{}", run.stdout);
        assert_no_secret(&run.stdout, &[secret, ADMIN_PASSWORD]);
        assert_no_secret(&run.stderr, &[secret, ADMIN_PASSWORD]);
    }
}

#[test]
fn plain_imap_works_only_when_allowed() {
    let emu = kerio();
    let mut plain = args("plain", source().port("KS_IMAP_PORT"));
    emu.refused("import_probe", plain.clone(), "source_refused");
    plain["allow_plain"] = json!("on");
    assert_agrees_with_the_seeder(&emu.ok("import_probe", plain));
}

#[test]
fn answers_injected_before_the_starttls_handshake_are_refused() {
    use std::io::{BufRead, BufReader, Write};
    let emu = kerio();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        writer
            .write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
            .unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        writer
            .write_all(b"K1 OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
            .unwrap();
        line
    });
    let mut request = args("starttls", port);
    request["allowed_ports"] = json!([port]);
    let error = emu.refused("import_probe", request, "source_unreachable");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("before the STARTTLS handshake"),
        "{message}"
    );
    assert_eq!(server.join().unwrap().trim_end(), "K1 STARTTLS");
}
