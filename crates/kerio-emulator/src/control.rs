//! The test-control API under `/_emulator/` on the admin listener, for loopback clients only:
//! set mailbox usage, inject faults, read the state and call counts, add domains and admins.
//! It is the tests' view of the truth: sizes always exact and limits as stored, whatever
//! `--size-units` makes the Kerio API report.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::domains::domain_json;
use crate::faults::Fault;
use crate::http::{Request, Response};
use crate::policy;
use crate::state::{
    new_uuid, AddressHolder, Domain, PasswordHash, Role, SizeUnits, User, HOLDER_KINDS, ROLES,
};
use crate::users::user_json;
use crate::{lock, Emulator};

/// Path prefix of the control API.
pub const PREFIX: &str = "/_emulator/";

/// API calls per method since start (or the last reset).
#[derive(Default)]
pub struct Stats {
    calls: BTreeMap<String, u64>,
}

impl Stats {
    /// Counts one call of `method`.
    pub fn record(&mut self, method: &str) {
        *self.calls.entry(method.to_string()).or_default() += 1;
    }

    fn to_json(&self) -> Value {
        json!({"total": self.calls.values().sum::<u64>(), "methods": self.calls})
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({ "error": message }))
}

fn body(request: &Request) -> Result<Value, Response> {
    serde_json::from_slice(&request.body)
        .map_err(|e| error(400, &format!("the body must be a JSON object: {e}")))
}

/// Whether a request that changes state says its body is JSON: a browser cannot send
/// `application/json` across origins without a CORS preflight, which this API never grants,
/// so a form or `text/plain` post from a web page (CSRF) is refused.
fn declares_json(request: &Request) -> bool {
    request
        .header("content-type")
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Handles one request under [`PREFIX`]: loopback clients only, and POST/DELETE only with
/// `Content-Type: application/json`.
pub fn handle(emulator: &Emulator, request: &Request) -> Response {
    if !request.peer.ip().is_loopback() {
        return error(403, "the control API only answers loopback clients");
    }
    if matches!(request.method.as_str(), "POST" | "DELETE") && !declares_json(request) {
        return error(
            415,
            "send POST and DELETE to the control API with Content-Type: application/json",
        );
    }
    let route = &request.path[PREFIX.len()..];
    let outcome = match (request.method.as_str(), route) {
        ("POST", "usage") => body(request).and_then(|b| set_usage(emulator, &b)),
        ("POST", "faults") => body(request).and_then(|b| add_fault(emulator, &b)),
        ("GET", "faults") => Ok(Response::json(
            200,
            &json!({"faults": lock(&emulator.faults).list()}),
        )),
        ("DELETE", "faults") => {
            lock(&emulator.faults).clear();
            Ok(Response::json(200, &json!({"faults": []})))
        }
        ("GET", "state") => Ok(state(emulator)),
        ("GET", "mailbox") => mailbox(emulator, request),
        ("POST", "domains") => body(request).and_then(|b| add_domain(emulator, &b)),
        ("POST", "admins") => body(request).and_then(|b| add_admin(emulator, &b)),
        ("POST", "holders") => body(request).and_then(|b| add_holder(emulator, &b)),
        ("POST", "settings") => body(request).and_then(|b| change_settings(emulator, &b)),
        ("GET", "stats") => Ok(Response::json(200, &lock(&emulator.stats).to_json())),
        ("POST", "stats/reset") => {
            *lock(&emulator.stats) = Stats::default();
            Ok(Response::json(200, &Stats::default().to_json()))
        }
        _ => Err(error(404, "unknown control endpoint; see docs/emulator.md")),
    };
    outcome.unwrap_or_else(|response| response)
}

fn text_field<'v>(body: &'v Value, name: &str) -> Result<&'v str, Response> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| error(400, &format!("\"{name}\" must be a non-empty string")))
}

fn count_field(body: &Value, name: &str) -> Result<Option<u64>, Response> {
    match body.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| error(400, &format!("\"{name}\" must be a non-negative integer"))),
    }
}

fn set_usage(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let email = text_field(body, "email")?;
    let bytes = count_field(body, "bytes")?;
    let items = count_field(body, "items")?;
    let mut store = lock(&emulator.store);
    let mut user = store
        .find_address(email)
        .cloned()
        .ok_or_else(|| error(404, &format!("no user has the address {email}")))?;
    user.mailbox.bytes = bytes.unwrap_or(user.mailbox.bytes);
    user.mailbox.items = items.unwrap_or(user.mailbox.items);
    let json = user_json(&user, SizeUnits::Exact);
    store
        .update_user(user)
        .map_err(|e| error(500, &e.to_string()))?;
    Ok(Response::json(200, &json))
}

fn add_fault(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let fault = Fault::from_json(body).map_err(|e| error(400, &e))?;
    let json = fault.to_json();
    lock(&emulator.faults).add(fault);
    Ok(Response::json(200, &json))
}

fn state(emulator: &Emulator) -> Response {
    let store = lock(&emulator.store);
    let domains: Vec<Value> = store.domains.iter().map(domain_json).collect();
    let users: Vec<Value> = store
        .users()
        .iter()
        .map(|user| {
            let mut json = user_json(user, SizeUnits::Exact);
            if let Some(domain) = store.domain(&user.domain_id) {
                json["email"] = json!(format!("{}@{}", user.login_name, domain.name));
            }
            json
        })
        .collect();
    let kept: Vec<Value> = store
        .kept
        .iter()
        .map(|k| json!({"domainId": k.domain_id, "loginName": k.login_name, "bytes": k.mailbox.bytes, "items": k.mailbox.items}))
        .collect();
    Response::json(
        200,
        &json!({"domains": domains, "users": users, "keptMailboxes": kept, "holders": store.holders}),
    )
}

fn optional_bool(body: &Value, name: &str) -> Result<Option<bool>, Response> {
    match body.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_bool()
            .map(Some)
            .ok_or_else(|| error(400, &format!("\"{name}\" must be true or false"))),
    }
}

fn optional_u32(body: &Value, name: &str) -> Result<Option<u32>, Response> {
    count_field(body, name)?
        .map(|n| u32::try_from(n).map_err(|_| error(400, &format!("\"{name}\" is too large"))))
        .transpose()
}

fn add_domain(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let name = text_field(body, "name")?;
    policy::check_domain_name(name).map_err(|e| error(400, &e))?;
    let mut store = lock(&emulator.store);
    if store.domain_by_name(name).is_some() {
        return Err(error(409, &format!("domain {name} already exists")));
    }
    let mut domain = Domain::new(name, store.domains.is_empty());
    if let Some(enabled) = optional_bool(body, "passwordComplexityEnabled")? {
        domain.password_complexity_enabled = enabled;
    }
    if let Some(count) = optional_u32(body, "userMaxCount")? {
        domain.user_max_count = count;
    }
    if let Some(length) = optional_u32(body, "passwordMinimumLength")? {
        domain.password_minimum_length = length;
    }
    let json = domain_json(&domain);
    store
        .insert_domain(domain)
        .map_err(|e| error(500, &e.to_string()))?;
    Ok(Response::json(200, &json))
}

/// The role named by `name` in `body` (`default` when absent), one of [`ROLES`].
fn role_field<'v>(body: &'v Value, name: &str, default: &'v str) -> Result<&'v str, Response> {
    let role = match body.get(name) {
        None => default,
        Some(value) => value.as_str().unwrap_or(""),
    };
    if !ROLES.contains(&role) {
        return Err(error(
            400,
            &format!("\"{name}\" must be one of {}", ROLES.join(", ")),
        ));
    }
    Ok(role)
}

/// `POST admins {login, domain, password, role?, groupRole?, description?}`: adds a user with
/// `role` (default `FullAdmin`) and the admin rights `groupRole` its groups give (default
/// `UserRole`: none); `effectiveRole` is the higher of the two.
fn add_admin(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let login = text_field(body, "login")?;
    let domain_name = text_field(body, "domain")?;
    let password = text_field(body, "password")?;
    let role = role_field(body, "role", "FullAdmin")?;
    let group_role = role_field(body, "groupRole", "UserRole")?;
    let description = match body.get("description") {
        None => "",
        Some(value) => value
            .as_str()
            .ok_or_else(|| error(400, "\"description\" must be a string"))?,
    };
    policy::check_login_name(login).map_err(|e| error(400, &e.filled()))?;
    let mut store = lock(&emulator.store);
    let domain = store
        .domain_by_name(domain_name)
        .cloned()
        .ok_or_else(|| error(404, &format!("domain {domain_name} does not exist")))?;
    if store.user_by_login(&domain.id, login).is_some() {
        return Err(error(
            409,
            &format!("user {login}@{domain_name} already exists"),
        ));
    }
    let mut user = User::new(&domain, login, "");
    user.password = PasswordHash::new(password);
    user.role = Role::plain(role);
    user.group_role = Role::plain(group_role);
    user.description = description.to_string();
    let json = user_json(&user, SizeUnits::Exact);
    store
        .insert_user(user)
        .map_err(|e| error(500, &e.to_string()))?;
    Ok(Response::json(200, &json))
}

/// `POST holders {kind, domain, name, addresses?}`: adds an alias, group or mailing list that
/// receives mail for `name` and the extra local parts in `addresses`. No check against other
/// holders: Kerio allows duplicates (see `Server.findEntityByEmail`).
fn add_holder(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let kind = text_field(body, "kind")?;
    if !HOLDER_KINDS.contains(&kind) {
        return Err(error(
            400,
            &format!("\"kind\" must be one of {}", HOLDER_KINDS.join(", ")),
        ));
    }
    let domain_name = text_field(body, "domain")?;
    let name = text_field(body, "name")?;
    policy::check_login_name(name).map_err(|e| error(400, &e.filled()))?;
    let mut addresses = vec![name.to_string()];
    for extra in body
        .get("addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let extra = extra
            .as_str()
            .ok_or_else(|| error(400, "\"addresses\" must be an array of local parts"))?;
        policy::check_login_name(extra).map_err(|e| error(400, &e.filled()))?;
        addresses.push(extra.to_string());
    }
    let mut store = lock(&emulator.store);
    let domain = store
        .domain_by_name(domain_name)
        .cloned()
        .ok_or_else(|| error(404, &format!("domain {domain_name} does not exist")))?;
    let holder = AddressHolder {
        id: format!("keriodb://{kind}/{}/{}", domain.uuid(), new_uuid()),
        domain_id: domain.id,
        kind: kind.to_string(),
        name: name.to_string(),
        addresses,
    };
    let json = json!(holder);
    store
        .insert_holder(holder)
        .map_err(|e| error(500, &e.to_string()))?;
    Ok(Response::json(200, &json))
}

/// `POST settings {"webmailCsrf": bool}`: switches the webmail login's CSRF requirement.
fn change_settings(emulator: &Emulator, body: &Value) -> Result<Response, Response> {
    let csrf = optional_bool(body, "webmailCsrf")?
        .ok_or_else(|| error(400, "\"webmailCsrf\" (true or false) is the only setting"))?;
    emulator
        .webmail_csrf
        .store(csrf, std::sync::atomic::Ordering::Relaxed);
    Ok(Response::json(200, &json!({ "webmailCsrf": csrf })))
}

/// `GET mailbox?email=ADDRESS`: the user's folders (default ones created if missing) with each
/// message's UID, flags, internal date (Unix seconds and offset), size and Message-ID.
fn mailbox(emulator: &Emulator, request: &Request) -> Result<Response, Response> {
    let email = crate::webmail::form_field(&request.query, "email")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| error(400, "give the mailbox as ?email=ADDRESS"))?;
    let user_id = lock(&emulator.store)
        .find_address(&email)
        .map(|u| u.id.clone())
        .ok_or_else(|| error(404, &format!("no user has the address {email}")))?;
    let mut mail = lock(&emulator.mail);
    let storage = |e: std::io::Error| error(500, &e.to_string());
    mail.ensure_defaults(&user_id).map_err(storage)?;
    let mut folders = Vec::new();
    for folder in mail.folders(&user_id).map_err(storage)? {
        let messages: Vec<Value> = mail
            .messages(&user_id, &folder.name)
            .map_err(storage)?
            .into_iter()
            .map(|m| {
                json!({"uid": m.uid, "flags": m.flags, "internal_date": m.internal_date,
                    "tz_offset": m.tz_offset, "size": m.size, "message_id": m.message_id})
            })
            .collect();
        folders.push(
            json!({"name": folder.name, "uid_validity": folder.uid_validity,
            "uid_next": folder.uid_next, "messages": messages}),
        );
    }
    Ok(Response::json(
        200,
        &json!({"email": email, "folders": folders}),
    ))
}
