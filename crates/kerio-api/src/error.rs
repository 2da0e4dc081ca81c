//! Errors of the client. Each `Display` is a sentence a hosting admin can act on; none contains
//! a password, token or cookie.

use serde_json::Value;
use std::fmt;

/// Kerio's code for "session expired / not logged in".
pub const SESSION_EXPIRED: i64 = -32001;

/// One failed item of a `*.create`, `*.set` or `*.remove` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// Index into the input list (for `Users.set`: into `userIds`).
    pub input_index: usize,
    /// Kerio's error code.
    pub code: i64,
    /// Kerio's message with `%1`… already filled in.
    pub message: String,
}

/// A TLS failure, with the fingerprint the server presented so the admin can pin it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsError {
    /// The server certificate's SHA-256 differs from the pinned one.
    FingerprintMismatch {
        /// The pinned fingerprint (normalised).
        expected: String,
        /// The fingerprint the server presented.
        presented: String,
    },
    /// The certificate is not trusted by the system roots / CA file.
    Untrusted {
        /// The fingerprint the server presented, if the handshake got that far.
        presented: Option<String>,
        /// Why it was rejected (expired, unknown issuer, wrong name…).
        detail: String,
    },
    /// Any other TLS failure (e.g. the port does not speak TLS).
    Other(String),
}

/// Everything that can go wrong talking to Kerio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Kerio answered with a JSON-RPC error.
    Kerio {
        /// The API method called.
        method: String,
        /// Kerio's error code.
        code: i64,
        /// Kerio's message, placeholders filled.
        message: String,
    },
    /// A create/set/remove call reported failed items.
    Items {
        /// The API method called.
        method: String,
        /// The failed items.
        errors: Vec<ItemError>,
    },
    /// The server answered with an HTTP status other than 200.
    Http {
        /// The API method called.
        method: String,
        /// The HTTP status.
        status: u16,
    },
    /// No answer in time; `phase` is `"connect"` or `"read"`.
    Timeout {
        /// `"connect"` or `"read"`.
        phase: &'static str,
    },
    /// Nothing listens on the address.
    ConnectionRefused {
        /// `host:port`.
        addr: String,
    },
    /// The host name does not resolve.
    Dns {
        /// The host name.
        host: String,
    },
    /// Other network failure (reset, unreachable, connection closed…).
    Network {
        /// What happened.
        detail: String,
    },
    /// TLS handshake failure.
    Tls(TlsError),
    /// The server's answer is not a JSON-RPC response.
    InvalidJson {
        /// The API method called.
        method: String,
        /// What is wrong with it (never the body itself).
        detail: String,
    },
    /// The client configuration is wrong (URL, CA file, fingerprint…).
    Config(String),
}

impl Error {
    /// True for Kerio's "session expired" (-32001).
    pub fn is_session_expired(&self) -> bool {
        self.kerio_code() == Some(SESSION_EXPIRED)
    }

    /// Kerio's error code: of a JSON-RPC error, or of the first failed item.
    pub fn kerio_code(&self) -> Option<i64> {
        match self {
            Error::Kerio { code, .. } => Some(*code),
            Error::Items { errors, .. } => errors.first().map(|item| item.code),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kerio {
                method,
                code,
                message,
            } => {
                write!(f, "Kerio refused {method}: {message} (Kerio error {code})")
            }
            Error::Items { method, errors } => {
                write!(f, "Kerio refused {method} for {} item(s): ", errors.len())?;
                let texts: Vec<String> = errors.iter().map(ItemError::to_string).collect();
                f.write_str(&texts.join("; "))
            }
            Error::Http { method, status } => write!(
                f,
                "the server answered {method} with HTTP status {status}; check that the URL points \
                 to the Kerio Connect administration port (usually 4040) and that Kerio is running"
            ),
            Error::Timeout { phase: "connect" } => f.write_str(
                "connecting to the Kerio server timed out; check the host name and port, and that \
                 a firewall allows this machine to reach the administration port (usually 4040)",
            ),
            Error::Timeout { phase } => write!(
                f,
                "the Kerio server did not answer in time ({phase} timeout); it may be overloaded, \
                 or raise the timeout"
            ),
            Error::ConnectionRefused { addr } => write!(
                f,
                "connection to {addr} was refused; check that Kerio Connect is running and that \
                 the port is its administration port (usually 4040)"
            ),
            Error::Dns { host } => write!(
                f,
                "the host name {host} could not be resolved; check the server's host name and \
                 this machine's DNS settings"
            ),
            Error::Network { detail } => write!(
                f,
                "network error talking to the Kerio server: {detail}; check connectivity, a proxy \
                 or firewall in between, and that remote administration is allowed for this machine"
            ),
            Error::Tls(tls) => tls.fmt(f),
            Error::InvalidJson { method, detail } => write!(
                f,
                "the server's answer to {method} is not a valid Kerio API response ({detail}); \
                 check that the URL ends in /admin/api/jsonrpc/ and points to Kerio Connect"
            ),
            Error::Config(detail) => write!(f, "invalid Kerio client settings: {detail}"),
        }
    }
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "item {}: {} (Kerio error {})",
            self.input_index, self.message, self.code
        )
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::FingerprintMismatch {
                expected,
                presented,
            } => write!(
                f,
                "the Kerio server's certificate fingerprint is {presented}, but {expected} is \
                 pinned; if the certificate was renewed on purpose, pin the new fingerprint, \
                 otherwise something is intercepting the connection"
            ),
            TlsError::Untrusted {
                presented: Some(presented),
                detail,
            } => write!(
                f,
                "the Kerio server's certificate is not trusted ({detail}); install a certificate \
                 from a trusted CA on Kerio, give the CA file, or pin its SHA-256 fingerprint \
                 {presented}"
            ),
            TlsError::Untrusted {
                presented: None,
                detail,
            } => write!(
                f,
                "the Kerio server's certificate is not trusted ({detail}); install a certificate \
                 from a trusted CA on Kerio, give the CA file, or pin its SHA-256 fingerprint"
            ),
            TlsError::Other(detail) => write!(
                f,
                "TLS connection to the Kerio server failed ({detail}); check that the port speaks \
                 HTTPS (Kerio's administration port is usually 4040)"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Fills Kerio's `%1`, `%2`, … placeholders from `positionalParameters` (1-based).
/// Placeholders without a matching parameter are left as they are.
pub fn fill_placeholders(message: &str, parameters: &[Value]) -> String {
    let mut filled = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(percent) = rest.find('%') {
        filled.push_str(&rest[..percent]);
        let after = &rest[percent + 1..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let parameter = after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|index| parameters.get(index));
        match parameter {
            Some(value) => filled.push_str(&parameter_text(value)),
            None => filled.push_str(&rest[percent..percent + 1 + digits]),
        }
        rest = &after[digits..];
    }
    filled.push_str(rest);
    filled
}

/// The text of one positional parameter (strings without quotes).
fn parameter_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The positional parameters of a Kerio error object (`messageParameters` either directly in
/// it, as in per-item errors, or under `data`, as in top-level JSON-RPC errors).
pub fn positional_parameters(error: &Value) -> &[Value] {
    let parameters = error
        .get("messageParameters")
        .or_else(|| error.pointer("/data/messageParameters"));
    parameters
        .and_then(|p| p.get("positionalParameters"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Kerio's message of an error object with placeholders filled.
pub fn error_message(error: &Value) -> String {
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    fill_placeholders(message, positional_parameters(error))
}

/// Parses a non-empty `errors` array of a create/set/remove result into [`Error::Items`].
pub fn item_errors(method: &str, result: &Value) -> Result<(), Error> {
    let errors = match result.get("errors").and_then(Value::as_array) {
        Some(errors) if !errors.is_empty() => errors,
        _ => return Ok(()),
    };
    let errors = errors
        .iter()
        .map(|error| ItemError {
            input_index: error
                .get("inputIndex")
                .and_then(Value::as_u64)
                .and_then(|index| usize::try_from(index).ok())
                .unwrap_or(0),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error_message(error),
        })
        .collect();
    Err(Error::Items {
        method: method.to_string(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_numbered_placeholders() {
        let params = [json!("jdoe"), json!(42)];
        assert_eq!(
            fill_placeholders("User %1 has %2 items, %1!", &params),
            "User jdoe has 42 items, jdoe!"
        );
    }

    #[test]
    fn keeps_unmatched_placeholders_and_plain_percent() {
        let params = [json!("a")];
        assert_eq!(
            fill_placeholders("%2 of %1 is 50% %", &params),
            "%2 of a is 50% %"
        );
        assert_eq!(fill_placeholders("%0 %", &params), "%0 %");
    }

    #[test]
    fn multi_digit_placeholders_are_not_confused_with_single_digits() {
        let params: Vec<Value> = (1..=11).map(|n| json!(format!("p{n}"))).collect();
        assert_eq!(fill_placeholders("%11 %1", &params), "p11 p1");
    }

    #[test]
    fn reads_parameters_from_top_level_and_item_errors() {
        let top = json!({"code": 1001, "message": "User %1 already exists.",
                         "data": {"messageParameters": {"positionalParameters": ["jdoe"], "plurality": 1}}});
        assert_eq!(error_message(&top), "User jdoe already exists.");
        let item = json!({"inputIndex": 0, "code": 1001, "message": "User %1 already exists.",
                          "messageParameters": {"positionalParameters": ["ann"], "plurality": 1}});
        assert_eq!(error_message(&item), "User ann already exists.");
    }

    #[test]
    fn non_empty_errors_array_is_an_error() {
        let result = json!({"errors": [{"inputIndex": 1, "code": 1001, "message": "User %1 already exists.",
                            "messageParameters": {"positionalParameters": ["jdoe"]}}], "result": []});
        let error = item_errors("Users.create", &result).unwrap_err();
        assert_eq!(
            error,
            Error::Items {
                method: "Users.create".into(),
                errors: vec![ItemError {
                    input_index: 1,
                    code: 1001,
                    message: "User jdoe already exists.".into()
                }]
            }
        );
        assert_eq!(error.kerio_code(), Some(1001));
        assert!(item_errors("Users.set", &json!({"errors": []})).is_ok());
        assert!(item_errors("Users.set", &json!({})).is_ok());
    }

    #[test]
    fn session_expired_is_recognised() {
        let expired = Error::Kerio {
            method: "Users.get".into(),
            code: -32001,
            message: "Session expired.".into(),
        };
        assert!(expired.is_session_expired());
        assert!(!Error::Timeout { phase: "read" }.is_session_expired());
    }

    #[test]
    fn every_display_tells_what_to_check() {
        let cases = [
            (Error::Timeout { phase: "connect" }, "firewall"),
            (Error::Timeout { phase: "read" }, "read timeout"),
            (
                Error::ConnectionRefused {
                    addr: "10.0.0.1:4040".into(),
                },
                "10.0.0.1:4040",
            ),
            (
                Error::Dns {
                    host: "mail.example.invalid".into(),
                },
                "mail.example.invalid",
            ),
            (
                Error::Http {
                    method: "Users.get".into(),
                    status: 502,
                },
                "HTTP status 502",
            ),
            (
                Error::InvalidJson {
                    method: "Users.get".into(),
                    detail: "expected value".into(),
                },
                "/admin/api/jsonrpc/",
            ),
            (
                Error::Tls(TlsError::FingerprintMismatch {
                    expected: "AA:BB".into(),
                    presented: "CC:DD".into(),
                }),
                "CC:DD",
            ),
            (
                Error::Tls(TlsError::Untrusted {
                    presented: Some("EE:FF".into()),
                    detail: "UnknownIssuer".into(),
                }),
                "EE:FF",
            ),
        ];
        for (error, needle) in cases {
            let text = error.to_string();
            assert!(text.contains(needle), "{text:?} lacks {needle:?}");
        }
    }
}
