//! The session-keeping JSON-RPC client and its typed calls.

use crate::error::{error_message, item_errors, Error};
use crate::query::SearchQuery;
use crate::secret::Secret;
use crate::tls::{PresentedFingerprint, Trust};
use crate::transcript::{self, recorded, recorded_briefly, Exchange, DETAILED_REPEATS};
use crate::transport::{parse_json, Transport, TransportSettings};
use crate::types::{
    CreateResult, Domain, Entity, ListResult, ProductInfo, RemovalRequest, ServerVersion, User,
    UserCountInfo, UserDetails,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

mod pipeline;

pub use pipeline::{FollowUp, UsersAnswer, UsersRead};

/// The API application this client introduces itself as at `Session.login` (Kerio logs it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// Application name.
    pub name: String,
    /// Vendor name.
    pub vendor: String,
    /// Application version.
    pub version: String,
}

impl Default for Application {
    fn default() -> Self {
        Application {
            name: "kerioSingle".to_string(),
            vendor: "kerioSingle".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Everything needed to reach one Kerio server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Full endpoint, e.g. `https://host:4040/admin/api/jsonrpc/` (`http://` allowed for plain tests).
    pub url: String,
    /// Certificate trust; default [`Trust::SystemRoots`].
    pub trust: Trust,
    /// TCP connect timeout; default 10 s.
    pub connect_timeout: Duration,
    /// Timeout for each read (and write); default 30 s.
    pub read_timeout: Duration,
    /// What the client introduces itself as.
    pub application: Application,
}

impl ClientConfig {
    /// Defaults for `url`: system roots, 10 s connect and 30 s read timeout.
    pub fn new(url: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            trust: Trust::SystemRoots,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            application: Application::default(),
        }
    }
}

/// Most connections [`Client::users_get_pipelined`] reads over at once from a nearby server:
/// up to four companions in the same session. [I] Kerio's web administration
/// itself sends one session's requests over several connections; four keeps the load on the
/// server modest.
pub const MAX_CONNECTIONS: usize = 4;

/// Most connections [`Client::users_get_pipelined`] reads over at once from a distant server; see
/// [`Client::parallel_reads`].
pub const MAX_CONNECTIONS_FAR: usize = 16;

/// The admin credentials kept for one automatic re-login.
struct Credentials {
    user: String,
    password: Secret,
}

/// A Kerio Connect Administration API client: one session, one kept-alive connection pool, and
/// a transcript of every exchange.
pub struct Client {
    transport: Transport,
    application: Application,
    token: Option<Secret>,
    credentials: Option<Credentials>,
    transcript: Vec<Exchange>,
    /// Exchanges recorded so far per method (companions start from their client's counts), which
    /// decides between a detailed and a brief record ([`DETAILED_REPEATS`]).
    recorded_per_method: HashMap<String, usize>,
    next_id: u64,
    presented: PresentedFingerprint,
    /// Clients in this session over connections of their own (see [`Client::users_get_pipelined`]).
    companions: Vec<Client>,
    /// Logins so far; companions belong to the session of one login.
    logins: u64,
    /// The fastest answered exchange so far (ms): one round trip plus the server's work.
    fastest_exchange_ms: Option<u64>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("logged_in", &self.is_logged_in())
            .field("exchanges", &self.transcript.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client; no network traffic yet. Fails with [`Error::Config`] on a bad URL, CA
    /// file or fingerprint.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let presented = PresentedFingerprint::default();
        let user_agent = format!("kerioSingle/{}", env!("CARGO_PKG_VERSION"));
        let settings = TransportSettings {
            url: &config.url,
            trust: &config.trust,
            connect_timeout: config.connect_timeout,
            read_timeout: config.read_timeout,
            user_agent: &user_agent,
        };
        Ok(Client {
            transport: Transport::new(settings, presented.clone())?,
            application: config.application,
            token: None,
            credentials: None,
            transcript: Vec::new(),
            recorded_per_method: HashMap::new(),
            next_id: 1,
            presented,
            companions: Vec::new(),
            logins: 0,
            fastest_exchange_ms: None,
        })
    }

    /// Logs in (`Session.login`) and remembers the credentials for one automatic re-login when
    /// Kerio reports the session expired.
    pub fn login(&mut self, user: &str, password: &Secret) -> Result<(), Error> {
        self.forget_session();
        self.open_session(user, password)?;
        self.credentials = Some(Credentials {
            user: user.to_string(),
            password: password.clone(),
        });
        Ok(())
    }

    /// Logs out (`Session.logout`). The local session and credentials are forgotten even when
    /// Kerio reports an error (e.g. the session had already ended).
    ///
    /// `params` is sent as `{}`; Kerio's PHP library omits empty params, and a JSON-RPC server
    /// accepts both (inferred).
    pub fn logout(&mut self) -> Result<(), Error> {
        let outcome = self.call_once("Session.logout", &json!({}));
        self.forget_session();
        outcome.map(|_| ())
    }

    /// Whether a session token is held.
    pub fn is_logged_in(&self) -> bool {
        self.token.is_some()
    }

    /// Raw call: `params` object in, `result` object out. Kerio's `%1`… placeholders are filled
    /// in errors. On "session expired" (-32001) it logs in again once with the remembered
    /// credentials and retries the call once.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, Error> {
        self.again_if_expired(method, |client| client.call_once(method, &params))
    }

    /// Runs `exchange` once, and once more after logging in again when the answer was "session
    /// expired" (-32001) and the client may log in again for `method`.
    fn again_if_expired<T>(
        &mut self,
        method: &str,
        mut exchange: impl FnMut(&mut Client) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match exchange(self) {
            Err(error) if error.is_session_expired() && self.may_log_in_again(method) => {
                self.log_in_again()?;
                exchange(self)
            }
            outcome => outcome,
        }
    }

    /// Every exchange made so far, in order (secrets replaced by `********`).
    pub fn transcript(&self) -> &[Exchange] {
        &self.transcript
    }

    /// Takes the transcript, leaving it empty.
    pub fn take_transcript(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.transcript)
    }

    /// SHA-256 (upper-case hex, colon-separated) of the last leaf certificate the server
    /// presented, even when it was rejected; `None` before any TLS handshake.
    pub fn presented_fingerprint(&self) -> Option<String> {
        self.presented
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `Session.whoAmI`: the logged-in admin and its role.
    pub fn who_am_i(&mut self) -> Result<UserDetails, Error> {
        self.typed_call("Session.whoAmI", json!({}), Some(UserDetails::IN_WHO_AM_I))
    }

    /// The text of a web page of the server (e.g. the webmail login page), fetched with the
    /// session's certificate trust but none of its cookies or token; not a JSON-RPC exchange, so
    /// not in the transcript.
    pub fn fetch_page(&mut self, url: &str) -> Result<String, Error> {
        self.transport.get_page(url)
    }

    /// `Server.getVersion`.
    pub fn server_version(&mut self) -> Result<ServerVersion, Error> {
        self.typed_call("Server.getVersion", json!({}), None)
    }

    /// `Server.getProductInfo`.
    pub fn product_info(&mut self) -> Result<ProductInfo, Error> {
        self.typed_call("Server.getProductInfo", json!({}), Some("info"))
    }

    /// `Version.getApiVersion`.
    pub fn api_version(&mut self) -> Result<i64, Error> {
        self.typed_call("Version.getApiVersion", json!({}), Some("apiVersion"))
    }

    /// `Domains.get`.
    pub fn domains_get(&mut self, query: &SearchQuery) -> Result<ListResult<Domain>, Error> {
        self.typed_call("Domains.get", json!({ "query": query }), None)
    }

    /// `Domains.getUserCountInfo`: users counted against the domain / licence limit.
    pub fn domain_user_count(&mut self, domain_id: &str) -> Result<UserCountInfo, Error> {
        let params = json!({ "domainId": domain_id });
        self.typed_call("Domains.getUserCountInfo", params, Some("countInfo"))
    }

    /// `Users.get` in one domain.
    pub fn users_get(
        &mut self,
        domain_id: &str,
        query: &SearchQuery,
    ) -> Result<ListResult<User>, Error> {
        let params = json!({ "query": query, "domainId": domain_id });
        self.typed_call("Users.get", params, None)
    }

    /// How many reads [`Client::users_get_pipelined`] has in flight at once:
    /// [`READS_PER_MILLISECOND`] per millisecond of the fastest exchange so far, at least
    /// [`MAX_CONNECTIONS`] and at most [`MAX_CONNECTIONS_FAR`]. Each connection waits out one round
    /// trip per read, so the reads in flight needed to keep the server as busy as four nearby
    /// connections do grow with the distance: at 2 ms, 8 (100 domains read in ~13 round trips
    /// instead of 25); from 4 ms on, 16. [I] The server sees no more requests per second than
    /// from four connections nearby, as each waits out the distance.
    pub fn parallel_reads(&self) -> usize {
        parallel_reads_for(self.fastest_exchange_ms)
    }

    /// A client in this session (token and cookies) over a connection of its own; it never logs
    /// in or out itself.
    fn companion(&self) -> Client {
        Client {
            transport: self.transport.companion(),
            application: self.application.clone(),
            token: self.token.clone(),
            credentials: None,
            transcript: Vec::new(),
            recorded_per_method: self.recorded_per_method.clone(),
            next_id: self.next_id,
            presented: self.presented.clone(),
            companions: Vec::new(),
            logins: self.logins,
            fastest_exchange_ms: self.fastest_exchange_ms,
        }
    }

    /// `Users.create`; any failed item makes the whole call an [`Error::Items`].
    pub fn users_create(&mut self, users: &[User]) -> Result<Vec<CreateResult>, Error> {
        let method = "Users.create";
        let result = self.call(method, json!({ "users": users }))?;
        item_errors(method, &result)?;
        parse_field(method, result, Some("result"))
    }

    /// `Users.set`: applies the fields set in `pattern` to every user; any failed item makes the
    /// call an [`Error::Items`].
    pub fn users_set(&mut self, user_ids: &[String], pattern: &User) -> Result<(), Error> {
        let method = "Users.set";
        let result = self.call(method, json!({ "userIds": user_ids, "pattern": pattern }))?;
        item_errors(method, &result)
    }

    /// `Users.remove`; any failed item makes the call an [`Error::Items`].
    pub fn users_remove(&mut self, requests: &[RemovalRequest]) -> Result<(), Error> {
        let method = "Users.remove";
        let result = self.call(method, json!({ "requests": requests }))?;
        item_errors(method, &result)
    }

    /// `Batch.run`: the `(method, params)` commands in one exchange, their outcomes in the
    /// order asked. A server that does not know `Batch.run` (JSON-RPC "method not found") gets
    /// the commands one by one instead, so the answer is the same, only slower.
    ///
    /// The params shape is verified (reference §4.4); the answer's is not: an object whose one
    /// array member lists `{"result":…}` or `{"error":…}` per command [I].
    pub fn batch(
        &mut self,
        commands: &[(&str, Value)],
    ) -> Result<Vec<Result<Value, Error>>, Error> {
        let list: Vec<Value> = commands
            .iter()
            .map(|(method, params)| json!({ "method": method, "params": params }))
            .collect();
        match self.call(BATCH, json!({ "commandList": list })) {
            Ok(result) => batch_answers(commands, result),
            Err(error) if error.kerio_code() == Some(METHOD_NOT_FOUND) => Ok(commands
                .iter()
                .map(|(method, params)| self.call(method, params.clone()))
                .collect()),
            Err(error) => Err(error),
        }
    }

    /// `Server.findEntityByEmail`: who already uses these addresses (for a new user) in the
    /// domain. An empty list means they are free; entries with `is_pattern` are wildcards.
    ///
    /// `updatedEntity` is sent as `{kind: "EntityUser"}` only: Kerio's own sample checks a new
    /// user this way; sending an `id` is for checking an existing entity (inferred from the IDL).
    pub fn find_entity_by_email(
        &mut self,
        addresses: &[String],
        domain_id: &str,
    ) -> Result<Vec<Entity>, Error> {
        let params = json!({
            "addresses": addresses,
            "updatedEntity": { "kind": "EntityUser" },
            "domainId": domain_id,
        });
        self.typed_call("Server.findEntityByEmail", params, Some("entities"))
    }

    fn typed_call<T: DeserializeOwned>(
        &mut self,
        method: &str,
        params: Value,
        field: Option<&str>,
    ) -> Result<T, Error> {
        self.again_if_expired(method, |client| {
            let (id, body) = client.exchange(method, &params);
            typed_result(method, id, &body?, field)
        })
    }

    fn may_log_in_again(&self, method: &str) -> bool {
        self.credentials.is_some() && !method.starts_with("Session.log")
    }

    fn log_in_again(&mut self) -> Result<(), Error> {
        let Some(Credentials { user, password }) = self.credentials.take() else {
            return Ok(());
        };
        self.token = None;
        self.transport.clear_cookies();
        let outcome = self.open_session(&user, &password);
        self.credentials = Some(Credentials { user, password });
        outcome
    }

    fn open_session(&mut self, user: &str, password: &Secret) -> Result<(), Error> {
        let method = "Session.login";
        let params = json!({
            "userName": user,
            "password": password.expose(),
            "application": self.application,
        });
        let result = self.call_once(method, &params)?;
        let token = result
            .get("token")
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty());
        let token = token.ok_or_else(|| Error::InvalidJson {
            method: method.to_string(),
            detail: "the login result carries no token".to_string(),
        })?;
        self.token = Some(Secret::new(token));
        self.logins += 1;
        self.companions.clear();
        Ok(())
    }

    fn forget_session(&mut self) {
        self.token = None;
        self.credentials = None;
        self.companions.clear();
        self.transport.clear_cookies();
    }

    /// One request/response, recorded in the transcript; no retry.
    fn call_once(&mut self, method: &str, params: &Value) -> Result<Value, Error> {
        let (id, body) = self.exchange(method, params);
        rpc_result(method, id, parse_json(method, &body?)?)
    }

    /// Sends one request and returns its id and the answer's body, which is well-formed JSON
    /// (anything else is [`Error::InvalidJson`]). The exchange joins the transcript, recorded in
    /// detail or briefly (see [`Client::records_in_detail`]).
    fn exchange(&mut self, method: &str, params: &Value) -> (u64, Result<Vec<u8>, Error>) {
        let id = self.next_id;
        self.next_id += 1;
        let request = self.envelope(id, method, params);
        let started = Instant::now();
        let outcome = self
            .transport
            .post(method, &request.to_string(), self.token.as_ref());
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if outcome.is_ok() {
            self.fastest_exchange_ms = Some(
                self.fastest_exchange_ms
                    .map_or(ms, |fastest| fastest.min(ms)),
            );
        }
        let in_detail = self.records_in_detail(method);
        let (response, outcome) = match outcome {
            Ok(body) => {
                let parsed = if in_detail {
                    parse_json(method, &body).map(|value| recorded(&value))
                } else {
                    transcript::parse_briefly(&body).map_err(|error| invalid_json(method, &error))
                };
                match parsed {
                    Ok(response) => (response, Ok(body)),
                    Err(error) => (client_error(&error), Err(error)),
                }
            }
            Err(error) => (client_error(&error), Err(error)),
        };
        let request = if in_detail {
            recorded(&request)
        } else {
            recorded_briefly(&request)
        };
        self.transcript.push(Exchange {
            method: method.to_string(),
            request,
            response,
            ms,
        });
        (id, outcome)
    }

    /// Whether the next exchange of `method` is recorded in detail: the first
    /// [`DETAILED_REPEATS`] of each method are, later ones briefly.
    fn records_in_detail(&mut self, method: &str) -> bool {
        let count = self
            .recorded_per_method
            .entry(method.to_string())
            .or_default();
        *count += 1;
        *count <= DETAILED_REPEATS
    }

    fn envelope(&self, id: u64, method: &str, params: &Value) -> Value {
        let mut request = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if !params.is_null() {
            request["params"] = params.clone();
        }
        if let Some(token) = &self.token {
            request["token"] = Value::String(token.expose().to_string());
        }
        request
    }
}

/// Kerio's batch method.
const BATCH: &str = "Batch.run";
/// JSON-RPC's code for an unknown method.
const METHOD_NOT_FOUND: i64 = -32601;

/// Splits a `Batch.run` result into one outcome per command: the only array member of the
/// result, each entry a `result` object or an `error` (as [`Error::Kerio`] of that command).
fn batch_answers(
    commands: &[(&str, Value)],
    result: Value,
) -> Result<Vec<Result<Value, Error>>, Error> {
    let invalid = |detail: &str| Error::InvalidJson {
        method: BATCH.to_string(),
        detail: detail.to_string(),
    };
    let Value::Object(members) = result else {
        return Err(invalid("the result is not an object"));
    };
    let mut lists = members.into_iter().filter_map(|(_, value)| match value {
        Value::Array(list) => Some(list),
        _ => None,
    });
    let answers = match (lists.next(), lists.next()) {
        (Some(list), None) if list.len() == commands.len() => list,
        _ => return Err(invalid("the result does not list one answer per command")),
    };
    Ok(commands
        .iter()
        .zip(answers)
        .map(|((method, _), answer)| command_outcome(method, answer))
        .collect())
}

/// The outcome of one command of a batch.
fn command_outcome(method: &str, mut answer: Value) -> Result<Value, Error> {
    if let Some(error) = answer.get("error").filter(|error| !error.is_null()) {
        return Err(Error::Kerio {
            method: method.to_string(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error_message(error),
        });
    }
    match answer.get_mut("result").map(Value::take) {
        Some(result) if result.is_object() => Ok(result),
        _ => Err(Error::InvalidJson {
            method: method.to_string(),
            detail: "the batch answer has neither a result object nor an error".to_string(),
        }),
    }
}

/// Decodes the raw body of the answer to JSON-RPC request `id` of `method`: its `result` object,
/// or the error it carries ([`Error::Kerio`] for a JSON-RPC error, [`Error::InvalidJson`] for
/// anything that is not a well-formed answer). Pure, no I/O: the same two steps the client applies
/// to every answer it receives, exposed for the property tests (tests/prop_decoder.rs).
pub fn decode_response(method: &str, id: u64, body: &[u8]) -> Result<Value, Error> {
    rpc_result(method, id, parse_json(method, body)?)
}

/// The `result` of a JSON-RPC response, or its `error` as [`Error::Kerio`].
fn rpc_result(method: &str, id: u64, mut response: Value) -> Result<Value, Error> {
    let invalid = |detail: &str| Error::InvalidJson {
        method: method.to_string(),
        detail: detail.to_string(),
    };
    if let Some(error) = response.get("error").filter(|error| !error.is_null()) {
        return Err(Error::Kerio {
            method: method.to_string(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error_message(error),
        });
    }
    match response.get("id") {
        Some(answer_id) if answer_id.as_u64() != Some(id) => {
            return Err(invalid("the answer belongs to another request id"))
        }
        _ => {}
    }
    match response.get_mut("result").map(Value::take) {
        Some(result) if result.is_object() => Ok(result),
        _ => Err(invalid(
            "the answer has neither a result object nor an error",
        )),
    }
}

/// The transcript's record of an exchange that brought no JSON answer.
fn client_error(error: &Error) -> Value {
    json!({ "clientError": error.to_string() })
}

/// [`Error::InvalidJson`] of `method` for a body serde_json could not read.
fn invalid_json(method: &str, error: &serde_json::Error) -> Error {
    Error::InvalidJson {
        method: method.to_string(),
        detail: error.to_string(),
    }
}

/// The `result` (or its member `field`) of the answer `body` to request `id` of `method`, read
/// straight into `T`: a usage run reads 1,000 pages of users, and building each page as a
/// `serde_json::Value` first was a third of its CPU time. Only a plain success answer (no error,
/// this id, a result object) takes that path; anything else, and anything it cannot read, is
/// decoded by [`rpc_result`] and [`parse_field`] as before, so errors and their wording stay the same.
fn typed_result<T: DeserializeOwned>(
    method: &str,
    id: u64,
    body: &[u8],
    field: Option<&str>,
) -> Result<T, Error> {
    match read_success(id, body, field) {
        Some(value) => Ok(value),
        None => parse_field(
            method,
            rpc_result(method, id, parse_json(method, body)?)?,
            field,
        ),
    }
}

/// `T` from a success answer to request `id`, or `None` when the answer is anything else (an
/// error, another id, no result object, a `field` missing, keys written with escapes, a shape `T`
/// does not read).
fn read_success<T: DeserializeOwned>(id: u64, body: &[u8], field: Option<&str>) -> Option<T> {
    let members: HashMap<&str, &RawValue> = serde_json::from_slice(body).ok()?;
    if members
        .get("error")
        .is_some_and(|error| error.get() != "null")
    {
        return None;
    }
    if members
        .get("id")
        .is_some_and(|answer_id| answer_id.get() != id.to_string())
    {
        return None;
    }
    let result = members.get("result")?;
    if !result.get().starts_with('{') {
        return None;
    }
    let wanted = match field {
        Some(field) => {
            let result: HashMap<&str, &RawValue> = serde_json::from_str(result.get()).ok()?;
            *result.get(field)?
        }
        None => result,
    };
    serde_json::from_str(wanted.get()).ok()
}

/// Deserialises `result` (or its member `field`) into `T`, as the client does with every answer:
/// also for the results of a [`Client::batch`], which come as values. A missing `field` or a
/// shape `T` does not read is [`Error::InvalidJson`] of `method`.
pub fn parse_field<T: DeserializeOwned>(
    method: &str,
    mut result: Value,
    field: Option<&str>,
) -> Result<T, Error> {
    let value = match field {
        Some(field) => {
            result
                .get_mut(field)
                .map(Value::take)
                .ok_or_else(|| Error::InvalidJson {
                    method: method.to_string(),
                    detail: format!("the result has no {field:?}"),
                })?
        }
        None => result,
    };
    serde_json::from_value(value).map_err(|error| Error::InvalidJson {
        method: method.to_string(),
        detail: error.to_string(),
    })
}

/// Reads in flight per millisecond of the fastest exchange (see [`Client::parallel_reads`]).
pub const READS_PER_MILLISECOND: usize = 4;

/// The rule of [`Client::parallel_reads`] for a fastest exchange of `fastest_ms` (none yet: the
/// nearby width): [`READS_PER_MILLISECOND`] per millisecond, clamped to
/// [`MAX_CONNECTIONS`]..=[`MAX_CONNECTIONS_FAR`].
fn parallel_reads_for(fastest_ms: Option<u64>) -> usize {
    usize::try_from(fastest_ms.unwrap_or(0))
        .unwrap_or(usize::MAX)
        .saturating_mul(READS_PER_MILLISECOND)
        .clamp(MAX_CONNECTIONS, MAX_CONNECTIONS_FAR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_reads_are_four_per_millisecond_of_the_fastest_exchange_within_bounds() {
        for (fastest, width) in [
            (None, MAX_CONNECTIONS),
            (Some(0), MAX_CONNECTIONS),
            (Some(1), MAX_CONNECTIONS),
            (Some(2), 8),
            (Some(3), 12),
            (Some(4), MAX_CONNECTIONS_FAR),
            (Some(20), MAX_CONNECTIONS_FAR),
            (Some(u64::MAX), MAX_CONNECTIONS_FAR),
        ] {
            assert_eq!(parallel_reads_for(fastest), width, "{fastest:?}");
        }
    }

    #[test]
    fn json_rpc_error_becomes_kerio_error_with_filled_message() {
        let response = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": 1001, "message": "User %1 already exists.",
            "data": {"messageParameters": {"positionalParameters": ["jdoe"], "plurality": 1}}}});
        let error = rpc_result("Users.create", 4, response).unwrap_err();
        assert_eq!(
            error,
            Error::Kerio {
                method: "Users.create".into(),
                code: 1001,
                message: "User jdoe already exists.".into()
            }
        );
    }

    #[test]
    fn result_needs_matching_id_and_an_object() {
        assert_eq!(
            rpc_result("M", 2, json!({"id": 2, "result": {"a": 1}})).unwrap(),
            json!({"a": 1})
        );
        for bad in [
            json!({"id": 3, "result": {}}),
            json!({"id": 2}),
            json!({"id": 2, "result": 5}),
        ] {
            assert!(matches!(
                rpc_result("M", 2, bad),
                Err(Error::InvalidJson { .. })
            ));
        }
    }

    #[test]
    fn typed_results_read_straight_from_the_body_match_the_value_path() {
        let body =
            br#"{"jsonrpc":"2.0","id":5,"result":{"list":[{"loginName":"a"}],"totalItems":1}}"#;
        let fast: ListResult<User> = read_success(5, body, None).unwrap();
        let slow: ListResult<User> = parse_field(
            "Users.get",
            decode_response("Users.get", 5, body).unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast.list[0].login_name.as_deref(), Some("a"));
        let field = br#"{"id":2,"result":{"apiVersion":17}}"#;
        assert_eq!(read_success::<i64>(2, field, Some("apiVersion")), Some(17));
        // Escaped keys are not read on the fast path but still decoded.
        let escaped = br#"{"id":5,"\u0072esult":{"list":[],"totalItems":0}}"#;
        assert!(read_success::<ListResult<User>>(5, escaped, None).is_none());
        let decoded: ListResult<User> = typed_result("Users.get", 5, escaped, None).unwrap();
        assert_eq!(decoded.list.len(), 0);
    }

    #[test]
    fn typed_results_keep_errors_and_their_wording() {
        let refused = br#"{"id":5,"error":{"code":1000,"message":"Nope"},"result":{"list":[],"totalItems":0}}"#;
        let error = typed_result::<ListResult<User>>("Users.get", 5, refused, None).unwrap_err();
        assert!(
            matches!(error, Error::Kerio { code: 1000, .. }),
            "{error:?}"
        );
        for bad in [
            &br#"{"id":6,"result":{"list":[],"totalItems":0}}"#[..],
            br#"{"id":5,"result":[]}"#,
            br#"{"id":5,"result":{"list":"no"}}"#,
            br#"[1]"#,
            b"not json",
        ] {
            let fast = typed_result::<ListResult<User>>("Users.get", 5, bad, None);
            let slow = decode_response("Users.get", 5, bad)
                .and_then(|result| parse_field::<ListResult<User>>("Users.get", result, None));
            assert!(matches!(fast, Err(Error::InvalidJson { .. })), "{fast:?}");
            assert_eq!(fast, slow);
        }
    }

    #[test]
    fn parse_field_reports_missing_or_mistyped_fields() {
        let missing: Result<i64, Error> =
            parse_field("Version.getApiVersion", json!({}), Some("apiVersion"));
        assert!(
            matches!(missing, Err(Error::InvalidJson { detail, .. }) if detail.contains("apiVersion"))
        );
        let mistyped: Result<i64, Error> =
            parse_field("V", json!({"apiVersion": "x"}), Some("apiVersion"));
        assert!(matches!(mistyped, Err(Error::InvalidJson { .. })));
        let ok: i64 = parse_field("V", json!({"apiVersion": 17}), Some("apiVersion")).unwrap();
        assert_eq!(ok, 17);
    }

    #[test]
    fn batch_answers_are_split_per_command_in_order() {
        let commands = [("Domains.get", json!({})), ("Users.get", json!({}))];
        let answer = json!({"list": [{"result": {"list": []}},
            {"error": {"code": 1002, "message": "User %1 does not exist.",
              "data": {"messageParameters": {"positionalParameters": ["x"]}}}}]});
        let outcomes = batch_answers(&commands, answer).unwrap();
        assert_eq!(outcomes[0], Ok(json!({"list": []})));
        assert_eq!(outcomes[1].clone().unwrap_err().kerio_code(), Some(1002));
        for bad in [
            json!([]),
            json!({"list": [{"result": {}}]}),
            json!({"a": [], "b": []}),
        ] {
            assert!(matches!(
                batch_answers(&commands, bad),
                Err(Error::InvalidJson { .. })
            ));
        }
    }

    #[test]
    fn client_debug_shows_no_secret_and_config_defaults_are_safe() {
        let config = ClientConfig::new("https://mail.example.com:4040/admin/api/jsonrpc/");
        assert_eq!(config.trust, Trust::SystemRoots);
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.read_timeout, Duration::from_secs(30));
        assert_eq!(config.application.name, "kerioSingle");
        let mut client = Client::new(config).unwrap();
        client.token = Some(Secret::new("token-value-123"));
        let debug = format!("{client:?}");
        assert!(!debug.contains("token-value-123"), "{debug}");
        assert!(client.is_logged_in());
    }
}
