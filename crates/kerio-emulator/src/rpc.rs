//! The JSON-RPC 2.0 envelope of the admin API: parsing, fault injection, method lookup,
//! session check (cookie `SESSION_CONNECT_WEBADMIN` + `X-Token` header), role check, dispatch.

use serde_json::{json, Map, Value};

use crate::errors::{self, KerioError};
use crate::faults::{Fault, FaultKind};
use crate::http::{Reply, Request, Response};
use crate::query::SearchQuery;
use crate::state::role_rank;
use crate::{batch, domains, lock, monitoring, server, session, users, Emulator};

/// Name of the admin session cookie.
pub const SESSION_COOKIE: &str = "SESSION_CONNECT_WEBADMIN";
/// Name of the double-submit token cookie.
pub const TOKEN_COOKIE: &str = "TOKEN_CONNECT_WEBADMIN";

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No session needed.
    Public,
    /// Any logged-in administrator.
    Session,
    /// Auditor and above (read-only calls).
    Read,
    /// AccountAdmin and above (changes).
    Write,
}

/// One API method: name, access level, handler.
pub struct Method {
    /// `Interface.method`.
    pub name: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The implementation.
    pub handler: fn(&mut Call) -> Result<Value, KerioError>,
}

/// The logged-in administrator making a call.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User id.
    pub user_id: String,
    /// Id of the domain the caller's own account is in.
    pub domain_id: String,
    /// Role name.
    pub role: String,
    /// Session id (for logout).
    pub session_id: String,
}

impl Caller {
    /// Whether the caller's role is at least as strong as `role`.
    pub fn at_least(&self, role: &str) -> bool {
        role_rank(&self.role) >= role_rank(role)
    }

    /// Whether the caller may act on (read or, with the role for it, change) `domain_id`: an
    /// AccountAdmin only on the domain its own account is in, the others on every domain.
    pub fn covers(&self, domain_id: &str) -> bool {
        self.role != "AccountAdmin" || self.domain_id == domain_id
    }

    /// [`Caller::covers`] as a result (1004 outside the caller's domains).
    pub fn check_covers(&self, domain_id: &str) -> Result<(), KerioError> {
        if self.covers(domain_id) {
            Ok(())
        } else {
            Err(errors::insufficient_rights())
        }
    }
}

/// One API call being handled.
pub struct Call<'a> {
    /// The emulator.
    pub emulator: &'a Emulator,
    /// The HTTP request.
    pub request: &'a Request,
    /// Named parameters (empty object when absent).
    pub params: Map<String, Value>,
    /// The logged-in admin (None for public methods).
    pub caller: Option<Caller>,
    /// `Set-Cookie` values to send with the response.
    pub set_cookies: Vec<String>,
}

impl Call<'_> {
    /// The logged-in caller; only None for public methods.
    pub fn caller(&self) -> Result<&Caller, KerioError> {
        self.caller.as_ref().ok_or_else(errors::session_expired)
    }

    /// A required parameter.
    pub fn param(&self, name: &str) -> Result<&Value, KerioError> {
        self.params
            .get(name)
            .ok_or_else(|| errors::invalid_params(&format!("parameter '{name}' is required")))
    }

    /// A required string parameter.
    pub fn string(&self, name: &str) -> Result<&str, KerioError> {
        self.param(name)?
            .as_str()
            .ok_or_else(|| errors::invalid_params(&format!("parameter '{name}' must be a string")))
    }

    /// A required array parameter.
    pub fn array(&self, name: &str) -> Result<&Vec<Value>, KerioError> {
        self.param(name)?
            .as_array()
            .ok_or_else(|| errors::invalid_params(&format!("parameter '{name}' must be an array")))
    }

    /// A required object parameter.
    pub fn object(&self, name: &str) -> Result<&Map<String, Value>, KerioError> {
        self.param(name)?
            .as_object()
            .ok_or_else(|| errors::invalid_params(&format!("parameter '{name}' must be an object")))
    }

    /// The required `query` parameter as a SearchQuery (missing: 1000, as real servers answer).
    pub fn query(&self) -> Result<SearchQuery, KerioError> {
        SearchQuery::parse(self.params.get("query").ok_or_else(errors::missing_query)?)
    }
}

fn all_methods() -> impl Iterator<Item = &'static Method> {
    session::METHODS
        .iter()
        .chain(domains::METHODS)
        .chain(users::METHODS)
        .chain(server::METHODS)
        .chain(batch::METHODS)
        .chain(monitoring::METHODS)
}

fn find_method(name: &str) -> Option<&'static Method> {
    all_methods().find(|m| m.name == name)
}

/// A parsed request envelope.
struct Envelope {
    id: Value,
    method: String,
    params: Map<String, Value>,
}

fn parse_envelope(body: &[u8]) -> Result<Envelope, (Value, KerioError)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| (Value::Null, errors::parse_error(&e.to_string())))?;
    let Value::Object(object) = value else {
        return Err((
            Value::Null,
            errors::invalid_request("the request must be a JSON object"),
        ));
    };
    let id = object.get("id").cloned().unwrap_or(Value::Null);
    let invalid = |detail: &str| (id.clone(), errors::invalid_request(detail));
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(invalid("\"jsonrpc\" must be \"2.0\""));
    }
    let method = object
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("\"method\" must be a string like \"Users.get\""))?
        .to_string();
    let params = match object.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params.clone(),
        Some(_) => return Err(invalid("\"params\" must be an object of named parameters")),
    };
    Ok(Envelope { id, method, params })
}

fn rpc_response(id: &Value, outcome: Result<Value, KerioError>, cookies: &[String]) -> Response {
    let mut body = Map::new();
    body.insert("jsonrpc".to_string(), json!("2.0"));
    body.insert("id".to_string(), id.clone());
    // The result is moved in (json! would copy it: a Users.get page of thousands of users).
    match outcome {
        Ok(result) => body.insert("result".to_string(), result),
        Err(error) => body.insert("error".to_string(), error.to_rpc_json()),
    };
    // serde_json::to_vec writes straight into bytes; Display goes through a formatter per piece.
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = Response::new(200, "application/json-rpc; charset=UTF-8", bytes);
    for cookie in cookies {
        response = response.with_header("Set-Cookie", cookie);
    }
    response
}

fn log(request: &Request, method: &str, outcome: &Result<Value, KerioError>) {
    match outcome {
        Ok(_) => eprintln!("kerio-emulator: {} {method} ok", request.peer.ip()),
        Err(error) => eprintln!(
            "kerio-emulator: {} {method} error {}",
            request.peer.ip(),
            error.code
        ),
    }
}

/// Handles one POST to `/admin/api/jsonrpc/`.
pub fn handle(emulator: &Emulator, request: &Request) -> Reply {
    let envelope = match parse_envelope(&request.body) {
        Ok(envelope) => envelope,
        Err((id, error)) => {
            let outcome = Err(error);
            log(request, "-", &outcome);
            return Reply::Send(rpc_response(&id, outcome, &[]));
        }
    };
    lock(&emulator.stats).record(&envelope.method);
    let fault = lock(&emulator.faults).take(&envelope.method);
    if let Some(fault) = &fault {
        eprintln!(
            "kerio-emulator: {} {} fault {}",
            request.peer.ip(),
            envelope.method,
            fault.kind.name()
        );
        if let Some(reply) = fault_before(emulator, request, &envelope, fault) {
            return reply;
        }
    }
    let mut call = Call {
        emulator,
        request,
        params: envelope.params,
        caller: None,
        set_cookies: Vec::new(),
    };
    let mut outcome = dispatch(&mut call, &envelope.method);
    log(request, &envelope.method, &outcome);
    if let (Some(fault), Ok(answer)) = (&fault, &mut outcome) {
        if fault.kind == FaultKind::HostileAfter {
            fault.hostile.apply(answer);
        }
    }
    match fault.map(|f| (f.kind, f.delay_ms)) {
        Some((FaultKind::DelayAfter, delay_ms)) => {
            // The answer is fixed now; whatever others change meanwhile, this caller gets it late.
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            Reply::Send(rpc_response(&envelope.id, outcome, &call.set_cookies))
        }
        Some((FaultKind::ResetAfter, _)) => Reply::Drop,
        Some((FaultKind::Http500After, _)) => Reply::Send(internal_error()),
        _ => Reply::Send(rpc_response(&envelope.id, outcome, &call.set_cookies)),
    }
}

fn internal_error() -> Response {
    Response::text(500, "Internal Server Error")
}

/// Applies the part of an injected fault that comes before the call; returns the reply when
/// the fault replaces the call altogether.
fn fault_before(
    emulator: &Emulator,
    request: &Request,
    envelope: &Envelope,
    fault: &Fault,
) -> Option<Reply> {
    match fault.kind {
        FaultKind::Http500 => Some(Reply::Send(internal_error())),
        FaultKind::Http502 => Some(Reply::Send(Response::text(502, "Bad Gateway"))),
        FaultKind::Reset => Some(Reply::Drop),
        FaultKind::Malformed => Some(Reply::Send(Response::new(
            200,
            "application/json-rpc; charset=UTF-8",
            format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{{\"list\":[",
                envelope.id
            ),
        ))),
        FaultKind::Delay => {
            std::thread::sleep(std::time::Duration::from_millis(fault.delay_ms));
            None
        }
        FaultKind::ExpireSession => {
            if let Some(sid) = request.cookie(SESSION_COOKIE) {
                lock(&emulator.sessions).close_admin(&sid);
            }
            None
        }
        FaultKind::ResetAfter
        | FaultKind::Http500After
        | FaultKind::DelayAfter
        | FaultKind::HostileAfter => None,
    }
}

/// Runs one command of a `Batch.run` with its own `params`, checked like a call of its own.
pub fn dispatch_nested(
    call: &Call,
    name: &str,
    params: Map<String, Value>,
) -> Result<Value, KerioError> {
    let mut nested = Call {
        emulator: call.emulator,
        request: call.request,
        params,
        caller: None,
        set_cookies: Vec::new(),
    };
    dispatch(&mut nested, name)
}

fn dispatch(call: &mut Call, name: &str) -> Result<Value, KerioError> {
    let method = find_method(name).ok_or_else(|| errors::method_not_found(name))?;
    if method.access != Access::Public {
        let caller = authenticate(call.emulator, call.request)?;
        let allowed = match method.access {
            Access::Write => caller.at_least("AccountAdmin"),
            Access::Read => caller.at_least("Auditor"),
            Access::Session | Access::Public => true,
        };
        if !allowed {
            return Err(errors::insufficient_rights());
        }
        call.caller = Some(caller);
    }
    (method.handler)(call)
}

/// The session named by the cookie, if `X-Token` matches and it has not idled out. A call with
/// no session cookie or no token is anonymous.
fn authenticate(emulator: &Emulator, request: &Request) -> Result<Caller, KerioError> {
    let sid = request
        .cookie(SESSION_COOKIE)
        .ok_or_else(errors::anonymous)?;
    let token = request.header("x-token").ok_or_else(errors::anonymous)?;
    let session = lock(&emulator.sessions)
        .check_admin(&sid, token, emulator.settings.session_idle)
        .ok_or_else(errors::session_expired)?;
    let store = lock(&emulator.store);
    let user = store
        .user(&session.user_id)
        .filter(|u| u.is_enabled && u.effective_role().user_role != "UserRole")
        .ok_or_else(errors::session_expired)?;
    Ok(Caller {
        user_id: user.id.clone(),
        domain_id: user.domain_id.clone(),
        role: user.effective_role().user_role.clone(),
        session_id: sid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_are_unique() {
        let names: Vec<_> = all_methods().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names.len(), sorted.len());
    }

    #[test]
    fn envelope_rejects_string_params() {
        let result = parse_envelope(br#"{"jsonrpc":"2.0","id":1,"method":"X.y","params":"a"}"#);
        assert!(matches!(result, Err((_, e)) if e.code == -32600));
    }
}
