//! `Batch.run`: several API calls in one exchange.
//!
//! Params `{"commandList":[{"method":"Users.get","params":{…}}, …]}` [V: reference §4.4, the
//! webadmin's own traffic]. The answer's shape is not documented anywhere we could read: the
//! emulator answers `{"list":[{"result":{…}} | {"error":{…}}, …]}`, one entry per command in
//! order, each command dispatched (session and role checks included) as if sent alone [I].
//! Nesting `Batch.run` inside a batch is refused.

use serde_json::{json, Value};

use crate::errors::{self, KerioError};
use crate::rpc::{self, Access, Call, Method};

/// The Batch method.
pub const METHODS: &[Method] = &[Method {
    name: "Batch.run",
    access: Access::Session,
    handler: run,
}];

/// Runs every command of `commandList` in order and lists their outcomes.
fn run(call: &mut Call) -> Result<Value, KerioError> {
    let commands = call.array("commandList")?.clone();
    let mut answers = Vec::with_capacity(commands.len());
    for command in &commands {
        let (method, params) = command_parts(command)?;
        let outcome = rpc::dispatch_nested(call, method, params);
        answers.push(match outcome {
            Ok(result) => json!({ "result": result }),
            Err(error) => json!({ "error": error.to_rpc_json() }),
        });
    }
    Ok(json!({ "list": answers }))
}

/// The method name and params object of one command.
fn command_parts(command: &Value) -> Result<(&str, serde_json::Map<String, Value>), KerioError> {
    let shape = "each commandList entry must be {method, params}";
    let method = command
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| errors::invalid_params(shape))?;
    if method == "Batch.run" {
        return Err(errors::invalid_params("Batch.run cannot be nested"));
    }
    let params = match command.get("params") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(params)) => params.clone(),
        Some(_) => return Err(errors::invalid_params(shape)),
    };
    Ok((method, params))
}
