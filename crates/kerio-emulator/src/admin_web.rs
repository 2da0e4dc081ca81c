//! The administration's form login, as Connect 9.x/10.x do it: `GET /admin/login/` hands out a
//! CSRF token (hidden `kerio_csrf_token` field plus a `TOKEN_CONNECT_WEBADMIN` cookie of the same
//! value), `POST /admin/login/dologin` (fields `kerio_username`, `kerio_password`,
//! `kerio_csrf_token`) checks it and the credentials, opens an admin session and sets the same
//! two cookies `Session.login` sets; `GET /admin/` shows who is logged in. A session opened here
//! works for the JSON-RPC API with `X-Token` = the `TOKEN_CONNECT_WEBADMIN` value. Connect 9.2.8
//! (`--kerio-version 9.2.8`) has no CSRF token in this form.

use crate::http::{Request, Response};
use crate::rpc::{SESSION_COOKIE, TOKEN_COOKIE};
use crate::session::{check_credentials, session_cookie};
use crate::webmail::{csrf_matches, csrf_token, escape, form_field, login_form, page};
use crate::{lock, Emulator};

/// Whether `path` belongs to the administration web pages handled here.
pub fn handles(path: &str) -> bool {
    matches!(
        path,
        "/admin" | "/admin/" | "/admin/login" | "/admin/login/" | "/admin/login/dologin"
    )
}

/// Handles one request for a path [`handles`] accepts.
pub fn handle(emulator: &Emulator, request: &Request) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/admin" | "/admin/") => home(emulator, request),
        ("GET", "/admin/login" | "/admin/login/") => {
            login_page(emulator, request.query.contains("reason=failure"))
        }
        ("POST", "/admin/login/dologin") => do_login(emulator, request),
        _ => Response::text(405, "Method not allowed"),
    }
}

const TITLE: &str = "Kerio Connect Administration - Login";

fn login_page(emulator: &Emulator, failed: bool) -> Response {
    if !emulator.settings.kerio_version.admin_form_csrf() {
        return Response::html(200, login_form(TITLE, "/admin/login/dologin", "", failed));
    }
    let (field, cookie) = csrf_token(TOKEN_COOKIE, emulator.settings.plain);
    Response::html(
        200,
        login_form(TITLE, "/admin/login/dologin", &field, failed),
    )
    .with_header("Set-Cookie", &cookie)
}

fn failure(request: &Request, why: &str) -> Response {
    eprintln!(
        "kerio-emulator: {} admin form login failed: {why}",
        request.peer.ip()
    );
    Response::redirect("/admin/login/?reason=failure")
}

/// Checks token and credentials; a plain user (`UserRole`) may not log in here either.
fn do_login(emulator: &Emulator, request: &Request) -> Response {
    let body = String::from_utf8_lossy(&request.body);
    if emulator.settings.kerio_version.admin_form_csrf()
        && !csrf_matches(request, &body, TOKEN_COOKIE)
    {
        return failure(request, "missing or wrong CSRF token");
    }
    let username = form_field(&body, "kerio_username").unwrap_or_default();
    let password = form_field(&body, "kerio_password").unwrap_or_default();
    let user = match check_credentials(emulator, request.peer.ip(), &username, &password) {
        Ok(user) if user.effective_role().user_role != "UserRole" => user,
        Ok(_) => return failure(request, "no administrator rights"),
        Err(_) => return failure(request, "wrong credentials"),
    };
    let (sid, token) = lock(&emulator.sessions).open_admin(&user.id);
    let secure = !emulator.settings.plain;
    eprintln!("kerio-emulator: {} admin form login ok", request.peer.ip());
    Response::redirect("/admin/")
        .with_header(
            "Set-Cookie",
            &session_cookie(SESSION_COOKIE, &sid, true, secure),
        )
        .with_header(
            "Set-Cookie",
            &session_cookie(TOKEN_COOKIE, &token, false, secure),
        )
}

/// The logged-in admin's page, or the login form.
fn home(emulator: &Emulator, request: &Request) -> Response {
    let session = request
        .cookie(SESSION_COOKIE)
        .zip(request.cookie(TOKEN_COOKIE));
    let user_id = session.and_then(|(sid, token)| {
        lock(&emulator.sessions)
            .check_admin(&sid, &token, emulator.settings.session_idle)
            .map(|s| s.user_id)
    });
    let login = user_id.and_then(|id| {
        lock(&emulator.store)
            .user(&id)
            .map(|u| u.login_name.clone())
    });
    match login {
        Some(login) => Response::html(
            200,
            page(
                "Kerio Connect Administration",
                &format!(
                    "<h1>Kerio Connect Administration</h1>\n<p>Logged in as <span id=\"user\">{}</span></p>",
                    escape(&login)
                ),
            ),
        ),
        None => login_page(emulator, false),
    }
}
