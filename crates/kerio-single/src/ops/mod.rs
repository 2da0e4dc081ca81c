//! The operations, as library functions, and the dispatcher that runs one by its bridge name.
//!
//! Each operation takes a [`Context`] (the server settings, the transcript being collected and a
//! progress sink) and its typed arguments, and returns a typed, serialisable result. Arguments
//! and results are described in docs/bridge-protocol.md.

pub mod account;
pub mod collisions;
pub mod forwarding;
pub mod info;
pub mod kept;
pub mod listing;
pub mod passwords;
pub mod selfservice;
pub mod stored_id;
pub mod target;

use crate::error::Error;
use crate::server::ServerSettings;
use crate::session::{with_session, Kerio};
use kerio_api::Exchange;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Receives progress of long listings (usage, list_accounts); the CLI draws it on a terminal.
pub trait Progress {
    /// `done` of `total` users of `domain` have been read.
    fn users_read(&mut self, domain: &str, done: u64, total: u64);

    /// Figures a streaming `usage` found on one page (`[position, [used, limit]]`, see
    /// [`listing::FoundUsage`]); only asked for with `stream`, ignored by default.
    fn usage_found(&mut self, _found: &[listing::FoundUsage]) {}
}

/// A progress sink that ignores everything (the bridge).
pub struct NoProgress;

impl Progress for NoProgress {
    fn users_read(&mut self, _domain: &str, _done: u64, _total: u64) {}
}

/// What one operation run works with.
pub struct Context<'a> {
    server: Option<&'a ServerSettings>,
    transcript: Vec<Exchange>,
    progress: &'a mut dyn Progress,
}

impl<'a> Context<'a> {
    /// A context for one operation; `server` is `None` for ops that can run without Kerio.
    pub fn new(server: Option<&'a ServerSettings>, progress: &'a mut dyn Progress) -> Self {
        Context {
            server,
            transcript: Vec::new(),
            progress,
        }
    }

    /// Whether server settings were given.
    pub fn has_server(&self) -> bool {
        self.server.is_some()
    }

    /// The server settings, or an `invalid_request` error naming what is missing.
    pub fn server(&self) -> Result<&'a ServerSettings, Error> {
        self.server.ok_or_else(|| {
            Error::invalid_request("This operation needs the Kerio server settings (`server`).")
        })
    }

    /// Runs `work` in one logged-in Kerio session (login … logout), recording the exchanges.
    pub fn session<T>(
        &mut self,
        work: impl FnOnce(&mut Kerio) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let server = self.server()?;
        with_session(server, &mut self.transcript, work)
    }

    /// As [`Context::session`], also handing the progress sink to `work`.
    pub fn session_with_progress<T>(
        &mut self,
        work: impl FnOnce(&mut Kerio, &mut dyn Progress) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let server = self.server()?;
        let progress = &mut *self.progress;
        with_session(server, &mut self.transcript, |kerio| work(kerio, progress))
    }

    /// Every API exchange made so far, handing them over.
    pub fn take_transcript(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.transcript)
    }
}

/// Every operation name the bridge accepts.
pub const OPERATIONS: &[&str] = &[
    "test_connection",
    "server_info",
    "password_rules",
    "check_password",
    "create_account",
    "suspend",
    "unsuspend",
    "terminate",
    "change_password",
    "change_package",
    "adopt",
    "account_info",
    "aliases",
    "add_alias",
    "remove_alias",
    "set_forwarding",
    "trim_aliases",
    "usage",
    "account_usage",
    "list_accounts",
    "sso",
    "purge_kept",
    "import_probe",
];

/// Runs the operation `op` with JSON `args`, returning its JSON result.
pub fn run(op: &str, args: Value, context: &mut Context) -> Result<Value, Error> {
    match op {
        "test_connection" => invoke(op, args, context, info::test_connection),
        "server_info" => invoke(op, args, context, |c, _: Empty| info::server_info(c)),
        "password_rules" => invoke(op, args, context, passwords::password_rules),
        "check_password" => invoke(op, args, context, passwords::check_password),
        "create_account" => invoke(op, args, context, account::create_account),
        "suspend" => invoke(op, args, context, |c, a| account::set_enabled(c, a, false)),
        "unsuspend" => invoke(op, args, context, |c, a| account::set_enabled(c, a, true)),
        "terminate" => invoke(op, args, context, account::terminate),
        "change_password" => invoke(op, args, context, account::change_password),
        "change_package" => invoke(op, args, context, account::change_package),
        "adopt" => invoke(op, args, context, account::adopt),
        "account_info" => invoke(op, args, context, account::account_info),
        "aliases" => invoke(op, args, context, selfservice::aliases),
        "add_alias" => invoke(op, args, context, selfservice::add_alias),
        "remove_alias" => invoke(op, args, context, selfservice::remove_alias),
        "set_forwarding" => invoke(op, args, context, selfservice::set_forwarding),
        "trim_aliases" => invoke(op, args, context, selfservice::trim_aliases),
        "usage" => invoke(op, args, context, listing::usage),
        "account_usage" => invoke(op, args, context, listing::account_usage),
        "list_accounts" => invoke(op, args, context, listing::list_accounts),
        "sso" => invoke(op, args, context, account::sso),
        "purge_kept" => invoke(op, args, context, kept::purge_kept),
        "import_probe" => invoke(op, args, context, crate::import::import_probe),
        unknown => Err(Error::invalid_request(format!(
            "Unknown op {}. Known ops: {}.",
            crate::error::quote(unknown),
            OPERATIONS.join(", ")
        ))),
    }
}

/// Arguments of operations that take none (any object is accepted).
#[derive(serde::Deserialize)]
struct Empty {}

/// Parses `args` for `op`, runs `operation` and encodes its result.
fn invoke<A, R>(
    op: &str,
    args: Value,
    context: &mut Context,
    operation: impl FnOnce(&mut Context, A) -> Result<R, Error>,
) -> Result<Value, Error>
where
    A: DeserializeOwned,
    R: Serialize,
{
    // PHP encodes an empty array as `[]`; it means "no arguments" just like `null` or `{}`.
    let no_args = args.is_null() || args.as_array().is_some_and(Vec::is_empty);
    let args = if no_args {
        Value::Object(Default::default())
    } else {
        args
    };
    let args: A = serde_json::from_value(args).map_err(|e| {
        let detail = crate::error::bounded(&e.to_string());
        Error::invalid_request(format!("The args of {op} are not valid: {detail}."))
    })?;
    let result = operation(context, args)?;
    serde_json::to_value(result).map_err(|e| {
        Error::invalid_request(format!("The result of {op} could not be encoded: {e}."))
    })
}
