//! The client listener: the webmail pages and the form login `POST /webmail/login/dologin`
//! (fields `kerio_username`, `kerio_password`) that sets `SESSION_CONNECT_WEBMAIL`; with the
//! `webmail_csrf` setting on, the form also needs the `kerio_csrf_token` its login page handed
//! out (double submit: the same value in the field and the `TOKEN_CONNECT_WEBMAIL` cookie).
//! The form helpers here (escaping, form fields, CSRF tokens) serve the admin form login too.

use std::sync::atomic::Ordering;

use crate::http::{Reply, Request, Response};
use crate::session::check_credentials;
use crate::state::{random_hex, unix_now, User};
use crate::{lock, Emulator};

/// Name of the webmail session cookie.
pub const WEBMAIL_COOKIE: &str = "SESSION_CONNECT_WEBMAIL";
/// Name of the webmail login form's CSRF cookie (when `webmail_csrf` is on). [I: by analogy
/// with the administration's `TOKEN_CONNECT_WEBADMIN`]
pub const WEBMAIL_CSRF_COOKIE: &str = "TOKEN_CONNECT_WEBMAIL";
/// Name of the hidden CSRF field of a login form. [V for the administration form of 10.0.9]
pub const CSRF_FIELD: &str = "kerio_csrf_token";

/// Handles one request on the client listener.
pub fn handle(emulator: &Emulator, request: &Request) -> Reply {
    let response = match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/webmail/") | ("GET", "/webmail") => home(emulator, request),
        ("GET", "/webmail/login/") | ("GET", "/webmail/login") => login_page(emulator, request),
        ("POST", "/webmail/login/dologin") => do_login(emulator, request),
        ("GET", "/webmail/logout") | ("POST", "/webmail/logout") => logout(emulator, request),
        _ => Response::text(404, "Not found"),
    };
    Reply::Send(response)
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A whole HTML page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}\n</body></html>\n",
        escape(title)
    )
}

/// A fresh CSRF token for a login form: the hidden field's HTML and the cookie to set.
pub fn csrf_token(cookie_name: &str, plain: bool) -> (String, String) {
    let token = random_hex(32);
    let field = format!("<input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{token}\">\n");
    let secure = if plain { "" } else { "; Secure" };
    let cookie = format!("{cookie_name}={token}; Path=/{secure}; HttpOnly");
    (field, cookie)
}

/// Whether a posted login form carries the CSRF token of its cookie (double submit).
pub fn csrf_matches(request: &Request, body: &str, cookie_name: &str) -> bool {
    match (request.cookie(cookie_name), form_field(body, CSRF_FIELD)) {
        (Some(cookie), Some(field)) => !cookie.is_empty() && cookie == field,
        _ => false,
    }
}

/// A login form posting to `action`, with `hidden` fields inside; the error line when `failed`.
pub fn login_form(title: &str, action: &str, hidden: &str, failed: bool) -> String {
    let notice = if failed {
        "<p id=\"login-error\">Login failed. Check your username and password.</p>\n"
    } else {
        ""
    };
    page(
        title,
        &format!(
            "<h1>{}</h1>\n{notice}<form method=\"post\" action=\"{action}\">\n{hidden}\
             <input name=\"kerio_username\" placeholder=\"Username\">\n\
             <input name=\"kerio_password\" type=\"password\" placeholder=\"Password\">\n\
             <button type=\"submit\">Log in</button>\n</form>",
            escape(title)
        ),
    )
}

fn webmail_csrf(emulator: &Emulator) -> bool {
    emulator.webmail_csrf.load(Ordering::Relaxed)
}

fn login_page(emulator: &Emulator, request: &Request) -> Response {
    let failed = request.query.contains("reason=failure");
    let title = "Kerio Connect Client - Login";
    if !webmail_csrf(emulator) {
        return Response::html(200, login_form(title, "/webmail/login/dologin", "", failed));
    }
    let (field, cookie) = csrf_token(WEBMAIL_CSRF_COOKIE, emulator.settings.plain);
    Response::html(
        200,
        login_form(title, "/webmail/login/dologin", &field, failed),
    )
    .with_header("Set-Cookie", &cookie)
}

/// The address of the user logged in with the request's webmail cookie.
fn logged_in_address(emulator: &Emulator, request: &Request) -> Option<String> {
    let sid = request.cookie(WEBMAIL_COOKIE)?;
    let user_id = lock(&emulator.sessions).webmail_user(&sid)?.clone();
    let store = lock(&emulator.store);
    let user = store.user(&user_id).filter(|u| u.is_enabled)?;
    let domain = store.domain(&user.domain_id)?;
    Some(format!("{}@{}", user.login_name, domain.name))
}

fn home(emulator: &Emulator, request: &Request) -> Response {
    match logged_in_address(emulator, request) {
        Some(address) => Response::html(
            200,
            page(
                "Kerio Connect Client",
                &format!(
                    "<h1>Kerio Connect Client</h1>\n<p>Logged in as <span id=\"user\">{}</span></p>\n<a href=\"/webmail/logout\">Log out</a>",
                    escape(&address)
                ),
            ),
        ),
        None => login_page(emulator, request),
    }
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// Decodes `application/x-www-form-urlencoded` text.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => match hex_pair(bytes[index + 1], bytes[index + 2]) {
                Some(byte) => {
                    out.push(byte);
                    index += 2;
                }
                None => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of form field `name` in an urlencoded body.
pub fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| form_decode(key) == name)
        .map(|(_, value)| form_decode(value))
}

fn do_login(emulator: &Emulator, request: &Request) -> Response {
    let body = String::from_utf8_lossy(&request.body);
    if webmail_csrf(emulator) && !csrf_matches(request, &body, WEBMAIL_CSRF_COOKIE) {
        eprintln!(
            "kerio-emulator: {} webmail login without its CSRF token",
            request.peer.ip()
        );
        return Response::redirect("/webmail/login/?reason=failure");
    }
    let username = form_field(&body, "kerio_username").unwrap_or_default();
    let password = form_field(&body, "kerio_password").unwrap_or_default();
    let user = match check_credentials(emulator, request.peer.ip(), &username, &password) {
        Ok(user) => user,
        Err(_) => {
            eprintln!("kerio-emulator: {} webmail login failed", request.peer.ip());
            return Response::redirect("/webmail/login/?reason=failure");
        }
    };
    let protocol = if request.secure { "HTTPS" } else { "HTTP" };
    record_login(emulator, &user.id, protocol, |user| user.web_logins += 1);
    let sid = lock(&emulator.sessions).open_webmail(&user.id);
    let secure = if emulator.settings.plain {
        ""
    } else {
        "; Secure"
    };
    eprintln!("kerio-emulator: {} webmail login ok", request.peer.ip());
    Response::redirect("/webmail/").with_header(
        "Set-Cookie",
        &format!("{WEBMAIL_COOKIE}={sid}; Path=/{secure}; HttpOnly"),
    )
}

/// Stores the time and protocol of a successful client login on the user, and counts it with
/// `count` (webmail here, IMAP in `imap::session`).
pub fn record_login(emulator: &Emulator, user_id: &str, protocol: &str, count: fn(&mut User)) {
    let mut store = lock(&emulator.store);
    let Some(mut user) = store.user(user_id).cloned() else {
        return;
    };
    user.last_login.date_time = unix_now();
    user.last_login.protocol = protocol.to_string();
    count(&mut user);
    if let Err(error) = store.update_user(user) {
        eprintln!("kerio-emulator: storage error: {error}");
    }
}

fn logout(emulator: &Emulator, request: &Request) -> Response {
    if let Some(sid) = request.cookie(WEBMAIL_COOKIE) {
        lock(&emulator.sessions).close_webmail(&sid);
    }
    Response::redirect("/webmail/login/").with_header(
        "Set-Cookie",
        &format!("{WEBMAIL_COOKIE}=; Path=/; Max-Age=0"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_fields() {
        let body = "kerio_username=jdoe%40example.com&kerio_password=a+b%26c%";
        assert_eq!(
            form_field(body, "kerio_username").as_deref(),
            Some("jdoe@example.com")
        );
        assert_eq!(
            form_field(body, "kerio_password").as_deref(),
            Some("a b&c%")
        );
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
