//! The `Session` interface: login (cookies + token), logout, whoAmI, getDomain; brute-force
//! blocking of addresses with too many failed logins.

use serde_json::{json, Value};

use crate::domains::domain_json;
use crate::errors::{self, KerioError};
use crate::rpc::{Access, Call, Method, SESSION_COOKIE, TOKEN_COOKIE};
use crate::state::{User, LOCKOUT_BLOCK};
use crate::{lock, Emulator};

/// The Session methods.
pub const METHODS: &[Method] = &[
    Method {
        name: "Session.login",
        access: Access::Public,
        handler: login,
    },
    Method {
        name: "Session.logout",
        access: Access::Session,
        handler: logout,
    },
    Method {
        name: "Session.whoAmI",
        access: Access::Session,
        handler: who_am_i,
    },
    Method {
        name: "Session.getDomain",
        access: Access::Session,
        handler: get_domain,
    },
];

/// Checks `user_name`/`password` from `call`'s client address, with brute-force blocking.
/// Unknown users, wrong passwords and disabled users all count as failures.
pub fn check_credentials(
    emulator: &Emulator,
    peer: std::net::IpAddr,
    user_name: &str,
    password: &str,
) -> Result<User, KerioError> {
    let mut lockout = lock(&emulator.lockout);
    if let Some(remaining) = lockout.blocked(peer) {
        let seconds = remaining.as_secs().max(1).min(LOCKOUT_BLOCK.as_secs());
        return Err(errors::login_blocked(&peer.to_string(), seconds));
    }
    let user = lock(&emulator.store)
        .find_login(user_name)
        .filter(|u| u.is_enabled && u.password.matches(password))
        .cloned();
    match user {
        Some(user) => {
            lockout.record_success(peer);
            Ok(user)
        }
        None => {
            lockout.record_failure(peer, emulator.settings.lockout_failures);
            Err(errors::login_failed())
        }
    }
}

/// A session cookie as `Session.login` sets it (also used by the admin form login).
pub fn session_cookie(name: &str, value: &str, http_only: bool, secure: bool) -> String {
    let mut text = format!("{name}={value}; Path=/");
    if secure {
        text.push_str("; Secure");
    }
    if http_only {
        text.push_str("; HttpOnly");
    }
    text
}

fn check_application(call: &Call) -> Result<(), KerioError> {
    let application = call.object("application")?;
    for field in ["name", "vendor", "version"] {
        if !application.get(field).is_some_and(Value::is_string) {
            return Err(errors::invalid_params(&format!(
                "application.{field} must be a string (application = {{name, vendor, version}})"
            )));
        }
    }
    Ok(())
}

fn login(call: &mut Call) -> Result<Value, KerioError> {
    let user_name = call.string("userName")?.to_string();
    let password = call.string("password")?.to_string();
    check_application(call)?;
    let user = check_credentials(call.emulator, call.request.peer.ip(), &user_name, &password)?;
    if user.effective_role().user_role == "UserRole" {
        return Err(errors::no_admin_rights(&user_name));
    }
    let (sid, token) = lock(&call.emulator.sessions).open_admin(&user.id);
    let secure = !call.emulator.settings.plain;
    call.set_cookies
        .push(session_cookie(SESSION_COOKIE, &sid, true, secure));
    call.set_cookies
        .push(session_cookie(TOKEN_COOKIE, &token, false, secure));
    Ok(json!({ "token": token }))
}

fn logout(call: &mut Call) -> Result<Value, KerioError> {
    let sid = call.caller()?.session_id.clone();
    if !lock(&call.emulator.sessions).close_admin(&sid) {
        return Err(errors::session_expired());
    }
    let secure = !call.emulator.settings.plain;
    for name in [SESSION_COOKIE, TOKEN_COOKIE] {
        call.set_cookies.push(format!(
            "{}; Max-Age=0",
            session_cookie(name, "", name == SESSION_COOKIE, secure)
        ));
    }
    Ok(json!({ "redirectUrl": "/admin/login/" }))
}

fn caller_user(call: &Call) -> Result<User, KerioError> {
    let user_id = &call.caller()?.user_id;
    lock(&call.emulator.store)
        .user(user_id)
        .cloned()
        .ok_or_else(errors::session_expired)
}

fn who_am_i(call: &mut Call) -> Result<Value, KerioError> {
    let user = caller_user(call)?;
    let role = user.effective_role();
    Ok(json!({"userDetails": {
        "id": user.id,
        "domainId": user.domain_id,
        "loginName": user.login_name,
        "fullName": user.full_name,
        "effectiveRole": {
            "userRole": role.user_role,
            "publicFolderRight": role.public_folder_right,
            "archiveFolderRight": role.archive_folder_right,
        },
    }}))
}

fn get_domain(call: &mut Call) -> Result<Value, KerioError> {
    let user = caller_user(call)?;
    let store = lock(&call.emulator.store);
    let domain = store
        .domain(&user.domain_id)
        .ok_or_else(|| errors::domain_not_found(&user.domain_id))?;
    let full = domain_json(domain);
    let mut limited = serde_json::Map::new();
    for field in [
        "id",
        "name",
        "description",
        "passwordExpirationEnabled",
        "passwordExpirationDays",
        "passwordHistoryCount",
        "passwordComplexityEnabled",
        "passwordMinimumLength",
    ] {
        if let Some(value) = full.get(field) {
            limited.insert(field.to_string(), value.clone());
        }
    }
    Ok(json!({ "domain": limited }))
}
