//! Form logins: the webmail `dologin` with and without the CSRF requirement (the `webmail_csrf`
//! setting, switchable at run time), and the administration's `POST /admin/login/dologin`.

mod common;

use common::{Emu, ADMIN, ADMIN_PASSWORD};
use serde_json::json;

/// One answer: status, `Location`, the `name=value` pairs of its `Set-Cookie` headers, body.
struct Answer {
    status: u16,
    location: String,
    cookies: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of the hidden CSRF field of a login form.
    fn csrf_field(&self) -> Option<String> {
        let start = self.body.find("name=\"kerio_csrf_token\" value=\"")? + 31;
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_string())
    }
}

fn send(emu: &Emu, url: &str, cookie: &str, form: Option<&[(&str, &str)]>) -> Answer {
    let request = match form {
        Some(_) => emu.agent.post(url),
        None => emu.agent.get(url),
    };
    let request = if cookie.is_empty() {
        request
    } else {
        request.set("Cookie", cookie)
    };
    let outcome = match form {
        Some(fields) => request.send_form(fields),
        None => request.call(),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{error}"),
    };
    let cookies = response
        .all("set-cookie")
        .iter()
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Answer {
        status: response.status(),
        location: response.header("location").unwrap_or("").to_string(),
        cookies,
        body: response.into_string().unwrap_or_default(),
    }
}

fn webmail(emu: &Emu, path: &str) -> String {
    format!(
        "{}{path}",
        emu.running.webmail_url().trim_end_matches("/webmail/")
    )
}

fn admin_web(emu: &Emu, path: &str) -> String {
    emu.running.admin_url().replace("/admin/api/jsonrpc/", path)
}

fn mailbox(emu: &Emu) {
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    admin.create_user(&domain, "jdoe", "Jd0e-Passw0rd!");
}

const USER: [(&str, &str); 2] = [
    ("kerio_username", "jdoe@example.com"),
    ("kerio_password", "Jd0e-Passw0rd!"),
];

fn with_token<'a>(token: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = fields.to_vec();
    all.push(("kerio_csrf_token", token));
    all
}

#[test]
fn webmail_login_without_the_csrf_setting_needs_no_token() {
    let emu = Emu::start();
    mailbox(&emu);
    let page = send(&emu, &webmail(&emu, "/webmail/login/"), "", None);
    assert!(page.csrf_field().is_none());
    assert!(page.cookie("TOKEN_CONNECT_WEBMAIL").is_none());
    let done = send(
        &emu,
        &webmail(&emu, "/webmail/login/dologin"),
        "",
        Some(&USER),
    );
    assert_eq!((done.status, done.location.as_str()), (302, "/webmail/"));
    assert!(done.cookie("SESSION_CONNECT_WEBMAIL").is_some());
}

#[test]
fn webmail_login_with_the_csrf_setting_needs_the_pages_token() {
    let emu = Emu::start_with(|config| config.webmail_csrf = true);
    mailbox(&emu);
    let dologin = webmail(&emu, "/webmail/login/dologin");
    let without = send(&emu, &dologin, "", Some(&USER));
    assert_eq!(without.location, "/webmail/login/?reason=failure");
    assert!(without.cookie("SESSION_CONNECT_WEBMAIL").is_none());

    let page = send(&emu, &webmail(&emu, "/webmail/login/"), "", None);
    let token = page.csrf_field().expect("the login page carries the token");
    assert_eq!(page.cookie("TOKEN_CONNECT_WEBMAIL"), Some(token.as_str()));
    let cookie = format!("TOKEN_CONNECT_WEBMAIL={token}");
    let field_only = send(&emu, &dologin, "", Some(&with_token(&token, &USER)));
    assert_eq!(field_only.location, "/webmail/login/?reason=failure");
    let forged = send(
        &emu,
        &dologin,
        "TOKEN_CONNECT_WEBMAIL=forged",
        Some(&with_token(&token, &USER)),
    );
    assert_eq!(forged.location, "/webmail/login/?reason=failure");
    let done = send(&emu, &dologin, &cookie, Some(&with_token(&token, &USER)));
    assert_eq!((done.status, done.location.as_str()), (302, "/webmail/"));
    assert!(done.cookie("SESSION_CONNECT_WEBMAIL").is_some());
}

#[test]
fn the_control_api_switches_the_webmail_csrf_requirement() {
    let emu = Emu::start();
    mailbox(&emu);
    let dologin = webmail(&emu, "/webmail/login/dologin");
    let (status, body) = emu.control("POST", "settings", Some(json!({"webmailCsrf": true})));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        send(&emu, &dologin, "", Some(&USER)).location,
        "/webmail/login/?reason=failure"
    );
    emu.control("POST", "settings", Some(json!({"webmailCsrf": false})));
    assert_eq!(send(&emu, &dologin, "", Some(&USER)).location, "/webmail/");
    let (status, _) = emu.control("POST", "settings", Some(json!({"webmailCsrf": "yes"})));
    assert_eq!(status, 400);
}

#[test]
fn admin_form_login_sets_an_api_session_and_needs_the_token() {
    let emu = Emu::start();
    let dologin = admin_web(&emu, "/admin/login/dologin");
    let admin = [
        ("kerio_username", ADMIN),
        ("kerio_password", ADMIN_PASSWORD),
    ];
    let without = send(&emu, &dologin, "", Some(&admin));
    assert_eq!(without.location, "/admin/login/?reason=failure");

    let page = send(&emu, &admin_web(&emu, "/admin/login/"), "", None);
    let token = page
        .csrf_field()
        .expect("the admin login page carries the token");
    assert_eq!(page.cookie("TOKEN_CONNECT_WEBADMIN"), Some(token.as_str()));
    let cookie = format!("TOKEN_CONNECT_WEBADMIN={token}");
    let wrong = [
        ("kerio_username", ADMIN),
        ("kerio_password", "Wrong-Passw0rd"),
    ];
    let refused = send(&emu, &dologin, &cookie, Some(&with_token(&token, &wrong)));
    assert_eq!(refused.location, "/admin/login/?reason=failure");

    let done = send(&emu, &dologin, &cookie, Some(&with_token(&token, &admin)));
    assert_eq!((done.status, done.location.as_str()), (302, "/admin/"));
    let sid = done.cookie("SESSION_CONNECT_WEBADMIN").unwrap().to_string();
    let api_token = done.cookie("TOKEN_CONNECT_WEBADMIN").unwrap().to_string();
    assert_ne!(api_token, token, "the session gets a new token");

    let session = format!("SESSION_CONNECT_WEBADMIN={sid}; TOKEN_CONNECT_WEBADMIN={api_token}");
    let home = send(&emu, &admin_web(&emu, "/admin/"), &session, None);
    assert!(
        home.body
            .contains("Logged in as <span id=\"user\">admin</span>"),
        "{}",
        home.body
    );
    let mut client = emu.client();
    client.cookies = vec![("SESSION_CONNECT_WEBADMIN".to_string(), sid)];
    client.token = Some(api_token);
    assert_eq!(
        client.ok("Session.whoAmI", json!({}))["userDetails"]["loginName"],
        "admin"
    );
}

#[test]
fn a_plain_user_cannot_use_the_admin_form() {
    let emu = Emu::start();
    mailbox(&emu);
    let page = send(&emu, &admin_web(&emu, "/admin/login/"), "", None);
    let token = page.csrf_field().unwrap();
    let cookie = format!("TOKEN_CONNECT_WEBADMIN={token}");
    let answer = send(
        &emu,
        &admin_web(&emu, "/admin/login/dologin"),
        &cookie,
        Some(&with_token(&token, &USER)),
    );
    assert_eq!(answer.location, "/admin/login/?reason=failure");
    assert!(answer.cookie("SESSION_CONNECT_WEBADMIN").is_none());
}

#[test]
fn kerio_9_2_8_takes_the_admin_form_without_a_token_and_reports_its_version() {
    let emu = Emu::start_with(|config| {
        config.kerio_version = kerio_emulator::version::KerioVersion::V9_2_8;
    });
    let page = send(&emu, &admin_web(&emu, "/admin/login/"), "", None);
    assert!(page.csrf_field().is_none(), "{}", page.body);
    assert!(page.cookie("TOKEN_CONNECT_WEBADMIN").is_none());
    let admin = [
        ("kerio_username", ADMIN),
        ("kerio_password", ADMIN_PASSWORD),
    ];
    let dologin = admin_web(&emu, "/admin/login/dologin");
    let wrong = [
        ("kerio_username", ADMIN),
        ("kerio_password", "Wrong-Passw0rd"),
    ];
    let refused = send(&emu, &dologin, "", Some(&wrong));
    assert_eq!(refused.location, "/admin/login/?reason=failure");
    let done = send(&emu, &dologin, "", Some(&admin));
    assert_eq!((done.status, done.location.as_str()), (302, "/admin/"));
    assert!(done.cookie("SESSION_CONNECT_WEBADMIN").is_some());
    let version = emu.admin().ok("Server.getVersion", json!({}));
    assert_eq!(
        (&version["major"], &version["minor"]),
        (&json!(9), &json!(2))
    );
    assert!(
        version["version"].as_str().unwrap().starts_with("9.2.8."),
        "{version}"
    );
}

#[test]
fn kerio_versions_are_named_as_the_command_line_takes_them() {
    use kerio_emulator::version::KerioVersion;
    assert_eq!(KerioVersion::parse("9.2.8"), Ok(KerioVersion::V9_2_8));
    assert_eq!(
        KerioVersion::default(),
        KerioVersion::parse("10.0.8").unwrap()
    );
    let error = KerioVersion::parse("11").unwrap_err();
    assert!(error.contains("10.0.8, 9.2.8"), "{error}");
}
