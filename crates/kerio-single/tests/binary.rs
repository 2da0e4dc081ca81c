//! The real `kerio-single` binary: the `call` bridge with JSON on stdin, and the admin CLI,
//! both against the emulator. Every stdout and stderr is checked for secrets.

mod common;

use common::*;
use serde_json::{json, Value};

/// Runs `kerio-single call` with `request`; checks exit 0 and no secret; returns the response.
fn bridge(request: &Value, secrets: &[&str]) -> Value {
    let run = run_binary(&["call"], &[], request.to_string().as_bytes());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_no_secret(&run.stderr, secrets);
    let response: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let mut without_sso_html = response.clone();
    if request["op"] == "sso" {
        without_sso_html["result"]["html"] = Value::Null;
    }
    assert_no_secret(&without_sso_html.to_string(), secrets);
    response
}

#[test]
fn bridge_runs_every_mailbox_operation_through_the_binary() {
    let emu = Emu::start();
    let server = emu.server();
    let request = |op: &str, args: Value| json!({"v": 1, "op": op, "server": server, "args": args});
    let secrets = [ADMIN_PASSWORD, HARD_PASSWORD];
    let created = bridge(
        &request(
            "create_account",
            json!({"localpart": "jdoe", "domain": "example.com", "password": HARD_PASSWORD,
            "givenname": "John", "surname": "Doe", "quota_mb": 100, "service_id": 42}),
        ),
        &secrets,
    );
    assert_eq!(created["result"]["created"], true, "{created}");
    let entry = &created["transcript"][3]; // login, Domains.get, findEntityByEmail, Users.create…
    assert_eq!(entry["method"], "Users.create");
    assert_eq!(
        entry["request"]["params"]["users"][0]["password"],
        "********"
    );
    assert!(entry["ms"].is_u64());

    let suspended = bridge(
        &request(
            "suspend",
            json!({"address": "jdoe@example.com", "service_id": 42}),
        ),
        &secrets,
    );
    assert_eq!(suspended["result"]["changed"], true);
    let info = bridge(
        &request(
            "account_info",
            json!({"address": "jdoe@example.com", "service_id": 42}),
        ),
        &secrets,
    );
    assert_eq!(info["result"]["status"], "suspended");
    bridge(
        &request(
            "unsuspend",
            json!({"address": "jdoe@example.com", "service_id": 42}),
        ),
        &secrets,
    );
    let new_password = "Zz9 &<>\"'\\%+#x";
    let changed = bridge(
        &request(
            "change_password",
            json!({"address": "jdoe@example.com", "service_id": 42, "password": new_password}),
        ),
        &[ADMIN_PASSWORD, new_password],
    );
    assert_eq!(changed["ok"], true, "{changed}");
    assert!(emu.webmail_login("jdoe@example.com", new_password));
    emu.set_usage("jdoe@example.com", 20 * 1024 * 1024);
    let refused = bridge(
        &request(
            "change_package",
            json!({"address": "jdoe@example.com", "service_id": 42, "quota_mb": 5}),
        ),
        &secrets,
    );
    assert_eq!(refused["error"]["code"], "quota_below_usage");
    let usage = bridge(
        &request(
            "usage",
            json!({"addresses": ["jdoe@example.com", "x@example.org"]}),
        ),
        &secrets,
    );
    assert_eq!(usage["result"]["accounts"][0]["used_mb"], 20.0);
    assert_eq!(usage["result"]["not_found"], json!(["x@example.org"]));
    let sso = bridge(
        &request(
            "sso",
            json!({"address": "jdoe@example.com", "service_id": 42, "password": new_password}),
        ),
        &[ADMIN_PASSWORD, new_password],
    );
    assert!(sso["result"]["html"]
        .as_str()
        .unwrap()
        .contains("kerio_password"));
    let terminated = bridge(
        &request(
            "terminate",
            json!({"address": "jdoe@example.com", "service_id": 42, "mode": "delete"}),
        ),
        &secrets,
    );
    assert_eq!(terminated["result"]["removed"], true);
}

#[test]
fn bridge_answers_bad_requests_with_exit_zero_and_fails_only_on_unreadable_stdin() {
    let run = run_binary(&["call"], &[], b"{\"v\":1,\"op\":");
    assert_eq!(run.code, 0);
    let response: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(response["error"]["code"], "invalid_request");

    let run = run_binary(&["call"], &[], b"\xff\xfe not utf-8");
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("could not read the JSON request"),
        "{}",
        run.stderr
    );
}

#[test]
fn bridge_business_and_connection_errors_still_exit_zero_without_secrets() {
    let emu = Emu::start();
    let mut server = emu.server();
    server["password"] = json!("Wrong-Admin-Pw-1");
    let response = bridge(
        &json!({"v": 1, "op": "create_account", "server": server,
                "args": {"localpart": "jdoe", "domain": "example.com", "password": HARD_PASSWORD, "service_id": 1}}),
        &["Wrong-Admin-Pw-1", HARD_PASSWORD],
    );
    assert_eq!(response["error"]["code"], "auth_failed");
}

#[test]
fn cli_session_creates_inspects_changes_and_terminates() {
    let emu = Emu::start();
    emu.create("archive@example.org", 1, 0);
    let env = cli_env(&emu);
    let secrets = [ADMIN_PASSWORD, HARD_PASSWORD];
    let cli = |args: &[&str], stdin: &str| {
        let run = run_binary(args, &env, stdin.as_bytes());
        assert_no_secret(&run.stdout, &secrets);
        assert_no_secret(&run.stderr, &secrets);
        run
    };
    let run = cli(&["test-connection"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&emu.running.fingerprint_sha256()));

    let stdin = format!("{HARD_PASSWORD}\n");
    let create = [
        "account",
        "create",
        "jdoe@example.com",
        "--service-id",
        "42",
        "--quota",
        "100",
        "--password-stdin",
    ];
    let run = cli(&create, &stdin);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "Created jdoe@example.com (quota 100 MB).\n");
    assert!(
        emu.webmail_login("jdoe@example.com", HARD_PASSWORD),
        "spaces and special characters survive --password-stdin"
    );
    let run = cli(&create, &stdin);
    assert!(
        run.stdout.contains("already exists for this service"),
        "{}",
        run.stdout
    );

    let run = cli(
        &["account", "info", "jdoe@example.com", "--service", "42"],
        "",
    );
    assert!(
        run.stdout.contains("WHMCS service #42") && run.stdout.contains("100 MB"),
        "{}",
        run.stdout
    );
    assert_eq!(
        cli(
            &["account", "suspend", "jdoe@example.com", "--service", "42"],
            ""
        )
        .stdout,
        "jdoe@example.com is now suspended.\n"
    );
    assert!(cli(
        &["account", "suspend", "jdoe@example.com", "--service", "42"],
        ""
    )
    .stdout
    .contains("already was suspended"));
    assert_eq!(
        cli(
            &[
                "account",
                "unsuspend",
                "jdoe@example.com",
                "--service",
                "42"
            ],
            ""
        )
        .code,
        0
    );

    let run = run_binary(
        &["account", "password", "jdoe@example.com", "--service", "42"],
        &[
            env.clone(),
            vec![("KERIO_MAILBOX_PASSWORD", "Fresh-Passw0rd!".to_string())],
        ]
        .concat(),
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_secret(
        &format!("{}{}", run.stdout, run.stderr),
        &["Fresh-Passw0rd!", ADMIN_PASSWORD],
    );
    assert!(emu.webmail_login("jdoe@example.com", "Fresh-Passw0rd!"));

    emu.set_usage("jdoe@example.com", 30 * 1024 * 1024);
    let run = cli(
        &[
            "account",
            "quota",
            "jdoe@example.com",
            "10",
            "--service",
            "42",
        ],
        "",
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("10 MB") && run.stderr.contains("30 MB"),
        "{}",
        run.stderr
    );
    let run = cli(
        &[
            "account",
            "quota",
            "jdoe@example.com",
            "50",
            "--service",
            "42",
        ],
        "",
    );
    assert_eq!(
        run.stdout,
        "Quota of jdoe@example.com is now 50 MB (used 30.0 MB).\n"
    );

    let run = cli(&["usage", "jdoe@example.com", "ghost@example.com"], "");
    assert!(
        run.stdout.contains("jdoe@example.com  30.0")
            && run.stdout.contains("not found: ghost@example.com"),
        "{}",
        run.stdout
    );
    let run = cli(&["usage", "--domain", "example.com", "--json"], "");
    let listed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listed["result"]["accounts"].as_array().unwrap().len(), 2);
    let run = cli(&["list"], "");
    assert!(
        run.stdout.starts_with("ADDRESS") && run.stdout.contains("archive@example.org"),
        "{}",
        run.stdout
    );

    let run = cli(
        &[
            "account",
            "terminate",
            "jdoe@example.com",
            "--service",
            "42",
            "--mode",
            "archive",
            "--archive-mailbox",
            "archive@example.org",
        ],
        "",
    );
    assert_eq!(
        run.stdout, "Removed jdoe@example.com (mode archive).\n",
        "{}",
        run.stderr
    );
    let run = cli(
        &[
            "account",
            "terminate",
            "jdoe@example.com",
            "--service",
            "42",
        ],
        "",
    );
    assert!(run.stdout.contains("mailbox did not exist"));
}

#[test]
fn cli_terminate_keep_says_the_address_now_carries_the_kept_mail() {
    let emu = Emu::start();
    emu.create("oldie@example.com", 50, 0);
    let args = [
        "account",
        "terminate",
        "oldie@example.com",
        "--service",
        "50",
        "--mode",
        "keep",
    ];
    let run = run_binary(&args, &cli_env(&emu), b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Removed oldie@example.com (mode keep).")
            && run.stdout.contains("the address now carries the kept mail")
            && run.stdout.contains("\"Purge kept mail now\""),
        "{}",
        run.stdout
    );
}

#[test]
fn cli_exit_codes_separate_usage_refusal_and_connection_problems() {
    let emu = Emu::start();
    let env = cli_env(&emu);
    assert_eq!(run_binary(&["account", "frobnicate"], &env, b"").code, 2);
    assert_eq!(
        run_binary(
            &["account", "info", "not-an-address", "--service", "42"],
            &env,
            b""
        )
        .code,
        2
    );
    assert_eq!(
        run_binary(
            &["account", "info", "ghost@example.com", "--service", "42"],
            &env,
            b""
        )
        .code,
        3
    );
    let wrong_pin = [env.clone(), vec![("KERIO_FINGERPRINT", "00".repeat(32))]].concat();
    let run = run_binary(&["test-connection"], &wrong_pin, b"");
    assert_eq!(run.code, 4);
    assert!(
        run.stderr.contains(&emu.running.fingerprint_sha256()),
        "{}",
        run.stderr
    );
    let no_password: Vec<_> = env
        .iter()
        .filter(|(k, _)| *k != "KERIO_PASSWORD")
        .cloned()
        .collect();
    let run = run_binary(&["test-connection"], &no_password, b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("admin password"), "{}", run.stderr);
    let run = run_binary(
        &["check-password", "--password-stdin", "--localpart", "jdoe"],
        &[],
        b"jdoe\n",
    );
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("At least 8 characters"));
    assert_no_secret(&run.stderr, &["jdoe"]);
}

#[test]
fn cli_reads_server_settings_from_a_config_file() {
    let emu = Emu::start();
    let config = emu.dir.path().join("kerio.conf");
    let text = format!(
        "# test server\nhost = 127.0.0.1\nport = {}\nusername = {ADMIN}\npassword = {ADMIN_PASSWORD}\ntls_fingerprint = {}\n",
        emu.port(),
        emu.running.fingerprint_sha256()
    );
    std::fs::write(&config, text).unwrap();
    let run = run_binary(
        &["--config", config.to_str().unwrap(), "server-info"],
        &[],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("example.org"), "{}", run.stdout);
    assert_no_secret(&run.stdout, &[ADMIN_PASSWORD]);
    std::fs::write(&config, "hots = x\n").unwrap();
    let run = run_binary(
        &["--config", config.to_str().unwrap(), "server-info"],
        &[],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("line 1") && run.stderr.contains("hots"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_lists_examples_and_exit_codes() {
    let run = run_binary(&["--help"], &[], b"");
    assert_eq!(run.code, 0);
    for needle in [
        "Examples:",
        "--password-stdin",
        "Exit codes:",
        "4  connection",
    ] {
        assert!(run.stdout.contains(needle), "{needle}");
    }
}
