//! The error catalogue: every Kerio error code and message the emulator can return, in one place.
//!
//! Kerio messages carry `%1`, `%2`… placeholders that clients fill from
//! `data.messageParameters.positionalParameters`. Codes marked [I] below are the emulator's
//! choice where no verified Kerio text exists (see docs/emulator.md).

use serde_json::{json, Value};

/// One Kerio error: a code, a message template with `%N` placeholders, and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerioError {
    /// Kerio / JSON-RPC error code.
    pub code: i64,
    /// Message template, placeholders `%1`.. filled by the client.
    pub message: &'static str,
    /// Values for the placeholders, in order.
    pub parameters: Vec<String>,
}

impl KerioError {
    fn new(code: i64, message: &'static str, parameters: &[&str]) -> Self {
        KerioError {
            code,
            message,
            parameters: parameters.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn message_parameters(&self) -> Value {
        json!({"positionalParameters": self.parameters, "plurality": 1})
    }

    /// The top-level JSON-RPC `error` object.
    pub fn to_rpc_json(&self) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "data": {"messageParameters": self.message_parameters()},
        })
    }

    /// A per-item entry of an `errors` array (create/set/remove results).
    pub fn to_item_json(&self, input_index: usize) -> Value {
        json!({
            "inputIndex": input_index,
            "code": self.code,
            "message": self.message,
            "messageParameters": self.message_parameters(),
        })
    }

    /// The message with placeholders filled, for logs and control responses.
    pub fn filled(&self) -> String {
        let mut text = self.message.to_string();
        for (index, value) in self.parameters.iter().enumerate().rev() {
            text = text.replace(&format!("%{}", index + 1), value);
        }
        text
    }
}

/// -32700: the request body is not JSON. [V code]
pub fn parse_error(detail: &str) -> KerioError {
    KerioError::new(-32700, "Parse error: %1", &[detail])
}

/// -32600: the body is JSON but not a JSON-RPC 2.0 request. [V code]
pub fn invalid_request(detail: &str) -> KerioError {
    KerioError::new(-32600, "Invalid request: %1", &[detail])
}

/// -32601: no such `Interface.method`. [V code; I text, JSON-RPC 2.0's, no Kerio capture]
/// The method name goes to the emulator's log only.
pub fn method_not_found(method: &str) -> KerioError {
    eprintln!("kerio-emulator: method not found: {method}");
    KerioError::new(-32601, "Method not found", &[])
}

/// -32602: a parameter is missing or has the wrong type. [V code and text "Invalid params",
/// without a placeholder: a live 10.0.8 answers it so] What is wrong goes to the emulator's log
/// only, as the real answer does not say.
pub fn invalid_params(detail: &str) -> KerioError {
    eprintln!("kerio-emulator: invalid params: {detail}");
    KerioError::new(-32602, "Invalid params", &[])
}

/// -32001: a session that is no longer valid (unknown cookie, wrong X-Token, idle expiry,
/// logged out, user disabled). [V]
pub fn session_expired() -> KerioError {
    KerioError::new(-32001, "Session expired.", &[])
}

/// -32001: a call that needs a session sent none at all (no session cookie or no X-Token).
/// [V text: a live 10.0.9 answers an anonymous call so]
pub fn anonymous() -> KerioError {
    no_admin_rights("Anonymous")
}

/// 1000: a get method without its `query` parameter. [V code per issue 11's captures; I text]
pub fn missing_query() -> KerioError {
    KerioError::new(1000, "The query is missing.", &[])
}

/// 1000: `Domains.get` by an Auditor. [V: a live 10.0.8 answers an Auditor so]
pub fn internal_database_error() -> KerioError {
    KerioError::new(1000, "internal database error", &[])
}

/// -32001 at login for a user whose role is `UserRole` (wording from a 10.0.9 capture). [I]
pub fn no_admin_rights(user: &str) -> KerioError {
    KerioError::new(
        -32001,
        "User %1 does not have administrator rights.",
        &[user],
    )
}

/// 1000 at login: wrong user name or password (also unknown and disabled users). [I]
pub fn login_failed() -> KerioError {
    KerioError::new(1000, "Incorrect user name or password.", &[])
}

/// 1000 at login: too many failed logins from this address, temporarily blocked. [I]
pub fn login_blocked(address: &str, seconds: u64) -> KerioError {
    KerioError::new(
        1000,
        "Too many failed login attempts from %1. Login is blocked for %2 seconds.",
        &[address, &seconds.to_string()],
    )
}

/// 1004: the caller's role does not allow the operation. [V text from Kerio Control IDL]
pub fn insufficient_rights() -> KerioError {
    KerioError::new(
        1004,
        "Insufficient rights to perform the requested operation.",
        &[],
    )
}

/// 1001: a user with this login name already exists in the domain. [I by analogy with Control]
pub fn user_exists(login: &str) -> KerioError {
    KerioError::new(1001, "User %1 already exists.", &[login])
}

/// 1002: the given user id does not exist. [I]
pub fn user_not_found(id: &str) -> KerioError {
    KerioError::new(1002, "User %1 does not exist.", &[id])
}

/// 1002: the given domain id does not exist. [I]
pub fn domain_not_found(id: &str) -> KerioError {
    KerioError::new(1002, "Domain %1 does not exist.", &[id])
}

/// 1000: the login name uses characters Kerio forbids. [I]
pub fn invalid_login_name(login: &str) -> KerioError {
    KerioError::new(
        1000,
        "Invalid user name \"%1\": use 1-64 letters, digits, '.', '-' or '_', not starting or ending with '.'.",
        &[login],
    )
}

/// 1000: the password violates the domain's password policy; %1 says which rule. [I]
pub fn password_policy(reason: &str) -> KerioError {
    KerioError::new(
        1000,
        "The password does not meet the password policy of the domain: %1",
        &[reason],
    )
}

/// 1003: creating/enabling the user would exceed the server licence. [I, code per a lab note]
pub fn license_exceeded(limit: u32) -> KerioError {
    KerioError::new(
        1003,
        "The number of active users exceeds the license limit of %1 users.",
        &[&limit.to_string()],
    )
}

/// 1003: creating/enabling the user would exceed the domain's `userMaxCount`. [I]
pub fn domain_limit_exceeded(domain: &str, limit: u32) -> KerioError {
    KerioError::new(
        1003,
        "The maximum number of users for domain %1 (%2) has been reached.",
        &[domain, &limit.to_string()],
    )
}

/// 1004: an admin tried to disable or delete their own account. [V rule, I text]
pub fn cannot_change_self() -> KerioError {
    KerioError::new(1004, "You cannot disable or delete your own account.", &[])
}

/// 1000: a field in a user pattern has an invalid value; %1 names the field and the fix. [I]
pub fn invalid_value(detail: &str) -> KerioError {
    KerioError::new(1000, "Invalid value: %1", &[detail])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_order() {
        let error = domain_limit_exceeded("example.com", 5);
        assert_eq!(
            error.filled(),
            "The maximum number of users for domain example.com (5) has been reached."
        );
    }

    #[test]
    fn rpc_json_always_has_message_parameters() {
        let value = session_expired().to_rpc_json();
        assert_eq!(value["code"], -32001);
        assert_eq!(
            value["data"]["messageParameters"]["positionalParameters"],
            json!([])
        );
    }
}
