//! The bridge: one JSON request in, one JSON response out (docs/bridge-protocol.md, v1); a
//! streaming `usage` writes its figures as lines before the response (the CLI's progress sink).
//!
//! The CLI's own commands use the same path ([`execute`] and [`response`]), so a refusal reads
//! the same wherever it shows up.
//!
//! Secrets: transcripts come from `kerio-api` already redacted. As a second line of defence the
//! whole response is scrubbed of the admin password and the mailbox password before it leaves:
//! every string containing one gets it replaced by `********`. The one exception is the `sso`
//! result's `html`, whose form must carry the mailbox password.

use crate::error::{Code, Error};
use crate::ops::{self, Context, Progress};
use crate::server::ServerSettings;
use kerio_api::{capped, Exchange, MASK, MAX_STRING_BYTES};
use serde_json::{json, Map, Value};

/// The protocol version this engine speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// Secrets shorter than this are only masked where a whole string equals them; masking every
/// occurrence of one or two characters would shred the response. (Such short passwords fail the
/// password rules before they are ever sent.)
const MIN_SUBSTRING_SECRET: usize = 4;

/// Most bytes of the answer line (without its newline) of every op but [`UNBOUNDED_OPS`]: what
/// PHP reads at most from the engine (modules/…/lib/Engine.php has the same figure).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The ops whose answers grow with the number of mailboxes on the server; the module reads them
/// within its cron's memory (bench/README.md), not under [`MAX_ANSWER_BYTES`].
pub const UNBOUNDED_OPS: &[&str] = &["list_accounts", "usage"];

/// The outcome of one operation: its result or error, and the API exchanges it made.
pub struct Outcome {
    /// The operation's JSON result, or why it failed.
    pub result: Result<Value, Error>,
    /// Every Kerio API exchange, in order.
    pub transcript: Vec<Exchange>,
}

/// Runs `op` with `args` against `server` (if any).
pub fn execute(
    op: &str,
    server: Option<&ServerSettings>,
    args: Value,
    progress: &mut dyn Progress,
) -> Outcome {
    let mut context = Context::new(server, progress);
    let result = ops::run(op, args, &mut context);
    Outcome {
        result,
        transcript: context.take_transcript(),
    }
}

/// Builds the response object for `outcome` and scrubs `secrets` from it (see module doc).
///
/// The result and the transcript are moved into the response, not copied: a usage result holds
/// thousands of accounts.
pub fn response(op: &str, outcome: Outcome, secrets: &[&str]) -> Value {
    let transcript: Vec<Value> = outcome.transcript.into_iter().map(exchange_json).collect();
    let mut response = Map::new();
    match outcome.result {
        Ok(result) => {
            response.insert("ok".into(), Value::Bool(true));
            response.insert("result".into(), result);
        }
        Err(error) => {
            response.insert("ok".into(), Value::Bool(false));
            response.insert("error".into(), json!(error));
        }
    }
    response.insert("transcript".into(), Value::Array(transcript));
    let mut response = Value::Object(response);
    let sso_html = (op == "sso")
        .then(|| response.pointer_mut("/result/html").map(Value::take))
        .flatten();
    scrub(&mut response, secrets);
    cap_strings(&mut response);
    if let (Some(html), Some(result)) = (sso_html, response.get_mut("result")) {
        result["html"] = html;
    }
    response
}

/// One transcript entry as JSON (moved, not copied).
fn exchange_json(exchange: Exchange) -> Value {
    let mut entry = Map::new();
    entry.insert("method".into(), Value::String(exchange.method));
    entry.insert("request".into(), exchange.request);
    entry.insert("response".into(), exchange.response);
    entry.insert("ms".into(), exchange.ms.into());
    Value::Object(entry)
}

/// Cuts every string of `value` (keys and values) longer than [`MAX_STRING_BYTES`], ending it in
/// `…`: nothing Kerio sends (a 50 MB description, a name) passes on longer. Only the `sso`
/// page, which the engine builds itself, is exempt (taken out before).
fn cap_strings(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(cut) = capped(text) {
                *text = cut;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(cap_strings),
        Value::Object(map) => {
            map.values_mut().for_each(cap_strings);
            if map.keys().any(|key| key.len() > MAX_STRING_BYTES) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(key, item)| (capped(&key).unwrap_or(key), item))
                    .collect();
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The answer line of `op` (with its newline), at most [`MAX_ANSWER_BYTES`] (but for
/// [`UNBOUNDED_OPS`]): a longer one is sent without its transcript, and if the result alone is
/// still too long it becomes a `protocol` error naming the size.
pub fn answer_line(op: &str, mut response: Value) -> String {
    let text = line_of(&response);
    if UNBOUNDED_OPS.contains(&op) || text.len() <= MAX_ANSWER_BYTES + 1 {
        return text;
    }
    let size = text.len() - 1;
    drop(text);
    response["transcript"] = Value::Array(Vec::new());
    let text = line_of(&response);
    if text.len() <= MAX_ANSWER_BYTES + 1 {
        return text;
    }
    let error = Error::new(
        Code::Protocol,
        format!("The answer to {op} would be {size} bytes, more than the {MAX_ANSWER_BYTES} a module action passes on: the Kerio server sent far more data than a mailbox holds."),
        "Look at the mailbox in Kerio Administration (e.g. thousands of aliases or forwarding targets) and correct it there; the operation itself may have run.",
    );
    line_of(&json!({"ok": false, "error": error, "transcript": []}))
}

/// `response` as one line of JSON text with its newline. serde_json writes straight into the
/// string (`Display` went through a formatter piece by piece: a tenth of a usage run's CPU time).
fn line_of(response: &Value) -> String {
    // A Value always serialises.
    let mut text = serde_json::to_string(response).unwrap_or_default();
    text.push('\n');
    text
}

/// Replaces every secret in every string of `value` (keys and values) by [`MASK`]. Only strings
/// that hold a secret are rewritten.
pub fn scrub(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(text) => {
            if let Some(masked) = masked(text, secrets) {
                *text = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub(item, secrets)),
        Value::Object(map) => {
            map.values_mut().for_each(|item| scrub(item, secrets));
            if map.keys().any(|key| masked(key, secrets).is_some()) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(key, item)| (masked(&key, secrets).unwrap_or(key), item))
                    .collect();
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` with every secret masked, or `None` when it holds none.
fn masked(text: &str, secrets: &[&str]) -> Option<String> {
    let mut masked: Option<String> = None;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let current = masked.as_deref().unwrap_or(text);
        if secret.chars().count() >= MIN_SUBSTRING_SECRET {
            if current.contains(secret) {
                masked = Some(current.replace(secret, MASK));
            }
        } else if current == *secret {
            masked = Some(MASK.to_string());
        }
    }
    masked
}

/// The secrets a raw request carries: the admin password, the mailbox password and an import
/// source's password.
fn request_secrets(request: &Value) -> Vec<String> {
    [
        "/server/password",
        "/args/password",
        "/args/source/password",
    ]
    .iter()
    .filter_map(|path| request.pointer(path))
    .map(|secret| match secret {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
    .collect()
}

/// Handles one bridge request text and returns the answer line ([`answer_line`]).
pub fn handle_line(text: &str, progress: &mut dyn Progress) -> String {
    let (op, response) = handle_request(text, progress);
    answer_line(&op, response)
}

/// Handles one bridge request text and returns the response object.
pub fn handle(text: &str, progress: &mut dyn Progress) -> Value {
    handle_request(text, progress).1
}

/// Handles one bridge request text: its op (empty when unreadable) and the response object.
fn handle_request(text: &str, progress: &mut dyn Progress) -> (String, Value) {
    let request: Value = match serde_json::from_str(text) {
        Ok(request) => request,
        Err(e) => {
            let error = Error::invalid_request(format!("The request is not valid JSON ({e})."));
            return (
                String::new(),
                json!({"ok": false, "error": error, "transcript": []}),
            );
        }
    };
    let secrets = request_secrets(&request);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let op = request
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let outcome = match parse_request(request) {
        Ok((server, args)) => execute(&op, server.as_ref(), args, progress),
        Err(error) => Outcome {
            result: Err(error),
            transcript: Vec::new(),
        },
    };
    let response = response(&op, outcome, &secrets);
    (op, response)
}

/// Checks the envelope (`v`, `op`) and splits off the server settings and the args.
fn parse_request(mut request: Value) -> Result<(Option<ServerSettings>, Value), Error> {
    if !request.is_object() {
        return Err(Error::invalid_request("The request must be a JSON object."));
    }
    match request.get("v").and_then(Value::as_u64) {
        Some(PROTOCOL_VERSION) => {}
        _ => {
            return Err(Error::invalid_request(format!(
                "The request needs \"v\": {PROTOCOL_VERSION} (the bridge protocol version this engine speaks)."
            )))
        }
    }
    if request.get("op").and_then(Value::as_str).is_none() {
        return Err(Error::invalid_request(format!(
            "The request needs \"op\", one of: {}.",
            ops::OPERATIONS.join(", ")
        )));
    }
    let server = match request.get_mut("server").map(Value::take) {
        None | Some(Value::Null) => None,
        Some(server) => Some(serde_json::from_value(server).map_err(|e| {
            let detail = crate::error::bounded(&e.to_string());
            Error::invalid_request(format!("The server settings are not valid: {detail}."))
        })?),
    };
    let args = request
        .get_mut("args")
        .map(Value::take)
        .unwrap_or(Value::Null);
    Ok((server, args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::NoProgress;

    fn handle_json(request: Value) -> Value {
        handle(&request.to_string(), &mut NoProgress)
    }

    #[test]
    fn invalid_json_is_an_invalid_request_response() {
        let response = handle("{not json", &mut NoProgress);
        assert_eq!(response["ok"], false);
        assert_eq!(response["error"]["code"], "invalid_request");
        assert_eq!(response["transcript"], json!([]));
    }

    #[test]
    fn wrong_version_and_unknown_op_are_refused() {
        let response = handle_json(json!({"v": 2, "op": "usage"}));
        assert_eq!(response["error"]["code"], "invalid_request");
        assert!(response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"v\": 1"));
        let response = handle_json(json!({"v": 1, "op": "explode", "server": null, "args": {}}));
        assert_eq!(response["error"]["code"], "invalid_request");
        assert!(response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("create_account"));
    }

    #[test]
    fn missing_args_are_named() {
        let response =
            handle_json(json!({"v": 1, "op": "check_password", "server": null, "args": {}}));
        assert_eq!(response["error"]["code"], "invalid_request");
        assert!(response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password"));
    }

    #[test]
    fn check_password_runs_without_a_server() {
        let response = handle_json(json!({"v": 1, "op": "check_password", "server": null,
            "args": {"password": "jdoe", "localpart": "jdoe", "min_length": 10}}));
        assert_eq!(response["ok"], true, "{response}");
        assert_eq!(response["result"]["ok"], false);
        let failures = response["result"]["failures"].as_array().unwrap();
        assert!(failures.contains(&json!("At least 10 characters")));
        // The rules name the local part, which equals the password: it is masked in the response.
        assert!(!response.to_string().contains("\"jdoe\""), "{response}");
    }

    #[test]
    fn php_empty_array_args_mean_no_args() {
        let response =
            handle_json(json!({"v": 1, "op": "password_rules", "server": null, "args": []}));
        assert_eq!(response["ok"], true, "{response}");
        let response =
            handle_json(json!({"v": 1, "op": "list_accounts", "server": null, "args": []}));
        assert!(
            response["error"]["message"]
                .as_str()
                .unwrap()
                .contains("server settings"),
            "{response}"
        );
    }

    #[test]
    fn ops_that_need_a_server_say_so() {
        let response = handle_json(
            json!({"v": 1, "op": "usage", "server": null, "args": {"addresses": ["a@b.com"]}}),
        );
        assert_eq!(response["error"]["code"], "invalid_request");
        assert!(response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("server"));
    }

    #[test]
    fn scrub_masks_secrets_in_keys_values_and_substrings() {
        let mut value =
            json!({"a": "xx Secret-1 yy", "Secret-1": ["Secret-1", 3, "ab"], "n": null});
        scrub(&mut value, &["Secret-1", "ab"]);
        assert_eq!(
            value,
            json!({"a": "xx ******** yy", "********": ["********", 3, "********"], "n": null})
        );
        let mut value = json!("about");
        scrub(&mut value, &["ab", ""]);
        assert_eq!(value, json!("about"));
    }

    #[test]
    fn strings_are_capped_but_the_sso_page_is_not() {
        let long = "d".repeat(5 * MAX_STRING_BYTES);
        let outcome = Outcome {
            result: Ok(json!({"description": long, "aliases": [long], "html": long})),
            transcript: Vec::new(),
        };
        let account = response("account_info", outcome, &[]);
        for text in [
            &account["result"]["description"],
            &account["result"]["aliases"][0],
        ] {
            let text = text.as_str().unwrap();
            assert!(
                text.len() <= MAX_STRING_BYTES && text.ends_with('…'),
                "{}",
                text.len()
            );
        }
        let outcome = Outcome {
            result: Ok(json!({"html": long})),
            transcript: Vec::new(),
        };
        assert_eq!(
            response("sso", outcome, &[])["result"]["html"],
            long.as_str()
        );
    }

    #[test]
    fn answers_past_one_mib_lose_the_transcript_then_become_an_error() {
        let aliases: Vec<String> = (0..3000).map(|n| format!("{n:0>500}")).collect();
        let big = json!({"ok": true, "result": {"aliases": aliases}, "transcript": []});
        let line = answer_line("aliases", big.clone());
        assert!(line.len() <= MAX_ANSWER_BYTES + 1, "{}", line.len());
        let answer: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(answer["error"]["code"], "protocol", "{answer}");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("aliases"));
        assert!(answer_line("usage", big.clone()).len() > MAX_ANSWER_BYTES);
        assert!(answer_line("list_accounts", big).len() > MAX_ANSWER_BYTES);
        let fits = json!({"ok": true, "result": {"a": 1},
            "transcript": [{"method": "Users.get", "response": "x".repeat(MAX_ANSWER_BYTES)}]});
        let answer: Value = serde_json::from_str(&answer_line("account_info", fits)).unwrap();
        assert_eq!(
            (answer["result"]["a"].clone(), answer["transcript"].clone()),
            (json!(1), json!([]))
        );
        let small = json!({"ok": true, "result": {"a": 1}, "transcript": []});
        assert_eq!(
            answer_line("account_info", small.clone()),
            format!("{small}\n")
        );
    }

    #[test]
    fn an_import_source_password_is_scrubbed_like_the_others() {
        let request = json!({"v": 1, "op": "import_probe", "server": null,
            "args": {"source": {"password": "Old-Src-Pass-1"}}});
        let secrets = request_secrets(&request);
        let outcome = Outcome {
            result: Ok(json!({"echo": "x Old-Src-Pass-1 y"})),
            transcript: Vec::new(),
        };
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let response = response("import_probe", outcome, &secrets);
        assert_eq!(response["result"]["echo"], "x ******** y");
    }

    #[test]
    fn sso_html_keeps_the_password_everything_else_is_scrubbed() {
        let outcome = Outcome {
            result: Ok(json!({"html": "<input value=\"Pass-word-1\">", "action": "x Pass-word-1"})),
            transcript: Vec::new(),
        };
        let response = response("sso", outcome, &["Pass-word-1"]);
        assert_eq!(response["result"]["html"], "<input value=\"Pass-word-1\">");
        assert_eq!(response["result"]["action"], "x ********");
    }
}
