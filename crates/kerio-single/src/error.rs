//! The engine's error model: a stable machine code, a sentence saying what happened and a hint
//! saying what to do. Every failure an operation can meet ends up here, so the WHMCS module and
//! the CLI never have to interpret Kerio or transport errors themselves.
//!
//! No constructor in this module ever receives a secret; callers pass only names, addresses and
//! numbers.

use serde::Serialize;
use std::fmt;

/// Stable error codes of the bridge protocol (`error.code`), see docs/bridge-protocol.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The bridge request itself is malformed (bad JSON shape, unknown op, missing arg).
    InvalidRequest,
    /// A value given by the customer or admin breaks a rule.
    InvalidInput,
    /// The mailbox does not exist.
    NotFound,
    /// The address belongs to another mailbox (not this WHMCS service).
    AlreadyTaken,
    /// The mailbox exists but is not this WHMCS service's (`reason` says why); nothing changed.
    NotOwned,
    /// Downgrade refused: the new quota is below the live usage.
    QuotaBelowUsage,
    /// The service's limit (aliases, forwarding addresses) would be exceeded; nothing changed.
    LimitReached,
    /// Kerio licence or domain user limit reached.
    LicenceFull,
    /// The admin user name or password was refused.
    AuthFailed,
    /// The admin's role is too low.
    Permission,
    /// DNS, refused, reset, unreachable.
    Connection,
    /// Connect or read timeout.
    Timeout,
    /// Certificate not trusted or fingerprint mismatch.
    Tls,
    /// HTTP status error or invalid JSON from the server.
    Protocol,
    /// Any other Kerio error.
    Kerio,
    /// SSO requested for a suspended mailbox.
    MailboxDisabled,
    /// SSO switched off for the product.
    SsoDisabled,
    /// The server's webmail sign-in needs a token bound to the browser, so SSO cannot sign in.
    SsoProtected,
    /// The import source (old mail server) could not be reached or stopped answering.
    SourceUnreachable,
    /// The import source refused the user name and password.
    SourceLoginFailed,
    /// The import source's certificate is not trusted (`fingerprint` names it) or TLS failed.
    SourceTls,
    /// The import source is not allowed: port, non-public address or plain connection.
    SourceRefused,
}

/// How a CLI run ended, mapped to the process exit status documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Everything worked (exit 0).
    Ok = 0,
    /// The command line or an input value was wrong (exit 2).
    Usage = 2,
    /// Kerio refused the operation for a business reason (exit 3).
    Refused = 3,
    /// Connection, TLS, authentication or permission failure (exit 4).
    Connection = 4,
}

impl Code {
    /// The CLI exit status class of this code.
    pub fn exit_kind(self) -> ExitKind {
        match self {
            Code::InvalidRequest | Code::InvalidInput => ExitKind::Usage,
            Code::NotFound
            | Code::AlreadyTaken
            | Code::NotOwned
            | Code::QuotaBelowUsage
            | Code::LimitReached
            | Code::LicenceFull
            | Code::Kerio
            | Code::MailboxDisabled
            | Code::SsoDisabled
            | Code::SsoProtected
            | Code::SourceRefused => ExitKind::Refused,
            Code::AuthFailed
            | Code::Permission
            | Code::Connection
            | Code::Timeout
            | Code::Tls
            | Code::Protocol
            | Code::SourceUnreachable
            | Code::SourceLoginFailed
            | Code::SourceTls => ExitKind::Connection,
        }
    }
}

/// An operation failure: `code` for programs, `message` and `hint` for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    /// Stable machine-readable code.
    pub code: Code,
    /// What happened, in one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// Why the mailbox is not this service's (`not_owned` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The Kerio account the refusal is about (`not_owned` only); a boxed `str` so that
    /// [`Error::fingerprint`] fits without making every `Result<_, Error>` larger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Box<str>>,
    /// What only staff may read (e.g. which account, group or list holds an address):
    /// `message` and `hint` stay fit for the customer, this goes to the module log and admin texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_detail: Option<String>,
    /// The SHA-256 fingerprint of the certificate an import source presented (`source_tls`);
    /// boxed so that every `Result<_, Error>` stays small.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Box<String>>,
}

impl Error {
    /// Builds an error from its three parts.
    pub fn new(code: Code, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            hint: hint.into(),
            reason: None,
            account: None,
            admin_detail: None,
            fingerprint: None,
        }
    }

    /// The mailbox `account` is not this service's, for `reason` (`not_owned`).
    pub fn not_owned(
        account: &str,
        reason: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error {
            reason: Some(reason),
            account: Some(account.into()),
            ..Error::new(Code::NotOwned, message, hint)
        }
    }

    /// A malformed bridge request (`invalid_request`).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::new(
            Code::InvalidRequest,
            message,
            "Check the request against docs/bridge-protocol.md (version 1).",
        )
    }

    /// A value that breaks a rule (`invalid_input`).
    pub fn invalid_input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::new(Code::InvalidInput, message, hint)
    }

    /// The mailbox `address` does not exist on the server.
    pub fn mailbox_not_found(address: &str) -> Self {
        Error::new(
            Code::NotFound,
            format!("The mailbox {address} does not exist on the Kerio server."),
            "Check the address; if the mailbox was deleted in Kerio, create it again or terminate the service.",
        )
    }

    /// The address is held by something that is not this WHMCS service's mailbox. The customer
    /// learns only that it is not available; who holds it (`holder`, e.g. "it is held by the
    /// user \"jdoe\"") is the [`Error::admin_detail`].
    pub fn already_taken(address: &str, holder: &str) -> Self {
        Error::new(
            Code::AlreadyTaken,
            format!("The address {address} is not available."),
            "Choose another name.",
        )
        .with_admin_detail(format!(
            "For staff: {holder}; resolve the conflict in the Kerio administration if the address should be this service's."
        ))
    }

    /// The same error with `detail` for staff only (see [`Error::admin_detail`]).
    pub fn with_admin_detail(mut self, detail: impl Into<String>) -> Self {
        self.admin_detail = Some(detail.into());
        self
    }
}

/// Most characters of customer input an error message quotes.
pub const QUOTE_MAX_CHARS: usize = 64;

/// Customer input as an error message quotes it: in double quotes, cut after
/// [`QUOTE_MAX_CHARS`] characters (then `…`), control characters and quotes escaped so the
/// message stays one line, and `<`, `>`, `&` written as `\u{3c}`, `\u{3e}`, `\u{26}` so markup
/// typed by a customer never reaches a page that prints the message raw (WHMCS's default theme
/// prints a custom function's error unescaped).
pub fn quote(input: &str) -> String {
    let shown: String = input
        .chars()
        .take(QUOTE_MAX_CHARS)
        .map(|c| markup_escape(c).unwrap_or_else(|| c.escape_debug().to_string()))
        .collect();
    let cut = if input.chars().count() > QUOTE_MAX_CHARS {
        "…"
    } else {
        ""
    };
    format!("\"{shown}{cut}\"")
}

/// A message from a parser that may embed input (serde), bounded the same way: every quoted
/// part cut after [`QUOTE_MAX_CHARS`] characters, the whole after four times that, one line.
pub fn bounded(detail: &str) -> String {
    let parts: Vec<String> = detail
        .split('"')
        .enumerate()
        .map(|(index, part)| {
            let limit = if index % 2 == 1 {
                QUOTE_MAX_CHARS
            } else {
                QUOTE_MAX_CHARS * 4
            };
            shortened(part, limit)
        })
        .collect();
    shortened(&parts.join("\""), QUOTE_MAX_CHARS * 4)
}

/// `<`, `>` or `&` as a `\u{3c}`-style escape, so markup in input never reaches a page that prints
/// a message raw; `None` for every other character.
fn markup_escape(c: char) -> Option<String> {
    matches!(c, '<' | '>' | '&').then(|| format!("\\u{{{:x}}}", u32::from(c)))
}

/// `text` cut after `limit` characters (then `…`), control characters as spaces, markup escaped.
fn shortened(text: &str, limit: usize) -> String {
    let mut shown: String = text
        .chars()
        .take(limit)
        .map(|c| {
            let plain = if c.is_control() { ' ' } else { c };
            markup_escape(c).unwrap_or_else(|| plain.to_string())
        })
        .collect();
    if text.chars().count() > limit {
        shown.push('…');
    }
    shown
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.message, self.hint)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_snake_case() {
        let text = serde_json::to_string(&Code::QuotaBelowUsage).unwrap();
        assert_eq!(text, "\"quota_below_usage\"");
        let text = serde_json::to_string(&Code::InvalidRequest).unwrap();
        assert_eq!(text, "\"invalid_request\"");
    }

    #[test]
    fn quotes_are_bounded_and_single_line() {
        assert_eq!(quote("jdoe"), "\"jdoe\"");
        let long = quote(&"x".repeat(1_000_000));
        assert_eq!(long.chars().count(), QUOTE_MAX_CHARS + 3);
        assert!(long.ends_with("…\""));
        assert_eq!(quote("a\nb\"c"), "\"a\\nb\\\"c\"");
        assert!(bounded(&"y".repeat(10_000)).chars().count() <= QUOTE_MAX_CHARS * 4 + 1);
        let serde = format!(
            "invalid type: string \"{}\", expected u64",
            "z".repeat(10_000)
        );
        let shown = bounded(&serde);
        assert!(shown.starts_with("invalid type: string \"zzz"), "{shown}");
        assert!(shown.ends_with("…\", expected u64"), "{shown}");
        assert!(!shown.contains(&"z".repeat(QUOTE_MAX_CHARS + 1)));
        assert!(!bounded("a\nb").contains('\n'));
    }

    #[test]
    fn quotes_never_carry_markup() {
        for input in [
            "<img src=x onerror=alert(1)>",
            "\"><script>alert(1)</script>",
            "a&lt;b",
        ] {
            let shown = quote(input);
            assert!(!shown.contains(['<', '>', '&']), "{shown}");
        }
        assert_eq!(quote("<b>&"), "\"\\u{3c}b\\u{3e}\\u{26}\"");
        assert!(!bounded("invalid type: string \"<script>\"").contains(['<', '>']));
        let unicode = "Ünïcødé-名前-".repeat(20);
        let shown = quote(&unicode);
        assert_eq!(shown.chars().count(), QUOTE_MAX_CHARS + 3);
        assert!(shown.starts_with("\"Ünïcødé-名前-"), "{shown}");
    }

    #[test]
    fn not_owned_names_reason_and_account_and_exits_3() {
        let error = Error::not_owned("a@example.com", "no_mark", "m", "h");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "not_owned");
        assert_eq!(json["reason"], "no_mark");
        assert_eq!(json["account"], "a@example.com");
        assert_eq!(Code::NotOwned.exit_kind() as i32, 3);
        let plain = serde_json::to_value(Error::invalid_request("x")).unwrap();
        assert!(plain.get("reason").is_none());
    }

    #[test]
    fn already_taken_tells_the_customer_nothing_about_the_holder() {
        let error = Error::already_taken("sales@example.com", "it is held by the group \"board\"");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json["message"],
            "The address sales@example.com is not available."
        );
        assert!(!json["hint"].as_str().unwrap_or("").contains("board"));
        assert!(json["admin_detail"]
            .as_str()
            .unwrap_or("")
            .contains("the group \"board\""));
        let plain = serde_json::to_value(Error::invalid_request("x")).unwrap();
        assert!(plain.get("admin_detail").is_none());
    }

    #[test]
    fn exit_kinds_separate_usage_refusal_and_connection() {
        assert_eq!(Code::InvalidInput.exit_kind(), ExitKind::Usage);
        assert_eq!(Code::AlreadyTaken.exit_kind(), ExitKind::Refused);
        assert_eq!(Code::Tls.exit_kind(), ExitKind::Connection);
        assert_eq!(ExitKind::Connection as i32, 4);
    }
}
