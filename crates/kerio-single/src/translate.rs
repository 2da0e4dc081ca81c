//! Turns every `kerio_api::Error` (Kerio refusals, transport and TLS failures) into an engine
//! [`Error`] with a stable code, a message and an actionable hint.
//!
//! Kerio's error codes are only partly documented (see the reference, section 6). Where the code
//! alone is ambiguous (1000 is used for many failures) the method and Kerio's message text decide;
//! the original text and code always stay in the message so nothing is lost.

use crate::error::{Code, Error};
use kerio_api::{Error as ApiError, TlsError, SESSION_EXPIRED};
/// Kerio: an item with this name already exists.
pub(crate) const ALREADY_EXISTS: i64 = 1001;
/// Kerio: the item does not exist.
pub(crate) const DOES_NOT_EXIST: i64 = 1002;
/// Kerio: licence or domain user count exceeded.
const LIMIT_EXCEEDED: i64 = 1003;
/// Kerio: insufficient rights.
const ACCESS_DENIED: i64 = 1004;

/// Where to grant the admin role in Kerio, shared by every permission hint.
const ROLE_HINT: &str = "Give the WHMCS admin user the \"Full Admin\" role (at least \"Account Admin\" for mailbox changes) in Kerio Administration > Accounts > Users > Edit > Rights, or use another admin.";

/// Where remote administration is allowed, shared by every connection hint.
const REMOTE_ADMIN_HINT: &str = "In Kerio Administration > Configuration > Administration Settings, tick \"Allow administration from remote host\" for this machine's address.";

/// Translates a client error.
pub fn translate(error: &ApiError) -> Error {
    match error {
        ApiError::Kerio {
            method,
            code,
            message,
        } => kerio_refusal(method, *code, message),
        ApiError::Items { method, errors } => match errors.first() {
            Some(first) => kerio_refusal(method, first.code, &first.message),
            None => kerio_refusal(method, 0, "unspecified error"),
        },
        ApiError::Http { method, status } => Error::new(
            Code::Protocol,
            format!("The server answered {method} with HTTP status {status}."),
            "Check that host and port point to the Kerio Connect administration port (usually 4040) and that Kerio is running; a proxy in between may also cause this.",
        ),
        ApiError::InvalidJson { method, detail } => Error::new(
            Code::Protocol,
            format!("The server's answer to {method} is not a Kerio API response ({detail})."),
            "Check that host and port point to Kerio Connect's administration port (usually 4040), not to another web server.",
        ),
        ApiError::Timeout { phase } => timeout(phase),
        ApiError::ConnectionRefused { addr } => Error::new(
            Code::Connection,
            format!("The connection to {addr} was refused."),
            format!("Check the host name and port (Kerio administration uses 4040), that Kerio Connect is running and that no firewall blocks the port. {REMOTE_ADMIN_HINT}"),
        ),
        ApiError::Dns { host } => Error::new(
            Code::Connection,
            format!("The host name {host} could not be resolved."),
            "Check the server's host name in the settings and this machine's DNS configuration.",
        ),
        ApiError::Network { detail } => Error::new(
            Code::Connection,
            format!("The network connection to the Kerio server failed ({detail})."),
            format!("Check connectivity and any firewall or proxy in between. {REMOTE_ADMIN_HINT}"),
        ),
        ApiError::Tls(tls) => tls_error(tls),
        ApiError::Config(detail) => Error::invalid_input(
            format!("The Kerio server settings are not usable: {detail}."),
            "Correct the server settings (host, port, TLS fingerprint, CA file) and try again.",
        ),
    }
}

/// Lets `?` translate a client error where an operation calls `kerio_api` directly.
impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        translate(&error)
    }
}

/// A Kerio JSON-RPC or item error of `method`.
fn kerio_refusal(method: &str, code: i64, message: &str) -> Error {
    let text = format!("Kerio refused {method}: {message} (Kerio error {code}).");
    let lower = message.to_lowercase();
    if method == "Session.login" {
        return login_refusal(code, text, &lower);
    }
    match code {
        SESSION_EXPIRED => Error::new(
            Code::Kerio,
            format!("Kerio ended the admin session again right after logging in ({method}, Kerio error {code})."),
            "Check Kerio's session settings in Configuration > Advanced Options > Kerio Connect Client > Session security (disable \"Force logout on IP address change\" or raise the session timeouts), and that no proxy or load balancer changes this machine's address between requests.",
        ),
        ACCESS_DENIED => Error::new(Code::Permission, text, ROLE_HINT),
        // Kerio's text may name the holder: staff only, the customer learns "not available".
        ALREADY_EXISTS => Error::new(
            Code::AlreadyTaken,
            "The address is not available.",
            "Choose another name.",
        )
        .with_admin_detail(format!(
            "For staff: {text} The address is already used by a user, alias, group or mailing list in Kerio."
        )),
        LIMIT_EXCEEDED => Error::new(
            Code::LicenceFull,
            text,
            "Raise the user limit of the domain (Kerio Administration > Domains > Edit) or the number of licensed users, or suspend/delete unused mailboxes; suspended (disabled) users do not count.",
        ),
        DOES_NOT_EXIST => Error::new(
            Code::NotFound,
            text,
            "The mailbox or domain was removed in Kerio meanwhile; refresh and try again.",
        ),
        _ if lower.contains("password") => Error::invalid_input(
            text,
            "Choose a password that meets the domain's password policy (see the password rules).",
        ),
        _ if lower.contains("user name") || lower.contains("invalid value") => {
            Error::invalid_input(text, "Correct the value Kerio names in the message.")
        }
        _ => Error::new(
            Code::Kerio,
            text,
            "Kerio gave this reason; check the Kerio server's Error and Warning logs for details.",
        ),
    }
}

/// A refusal of `Session.login`: bad credentials, lockout or a role that is no admin role.
fn login_refusal(code: i64, text: String, lower: &str) -> Error {
    if code == SESSION_EXPIRED || lower.contains("administrator rights") {
        return Error::new(Code::Permission, text, ROLE_HINT);
    }
    if lower.contains("blocked") || lower.contains("too many") {
        return Error::new(
            Code::AuthFailed,
            text,
            "Kerio blocked this machine after repeated failed logins. Wait until the block expires (or unlock it in Kerio Administration > Configuration > Advanced Options > Security Policy), then fix the admin password before retrying.",
        );
    }
    Error::new(
        Code::AuthFailed,
        text,
        "Check the admin user name (the full address, e.g. admin@example.com, unless the admin is in the primary domain) and password. Repeated failures make Kerio block this machine.",
    )
}

/// A connect or read timeout.
fn timeout(phase: &str) -> Error {
    if phase == "connect" {
        return Error::new(
            Code::Timeout,
            "Connecting to the Kerio server timed out.",
            format!("Check the host name and port (usually 4040) and that a firewall lets this machine reach it. {REMOTE_ADMIN_HINT}"),
        );
    }
    Error::new(
        Code::Timeout,
        format!("The Kerio server did not answer in time ({phase} timeout)."),
        "The server may be overloaded; try again later or raise the timeout setting.",
    )
}

/// A TLS failure; the hint carries the fingerprint the server presented so it can be pinned.
fn tls_error(error: &TlsError) -> Error {
    match error {
        TlsError::FingerprintMismatch {
            expected,
            presented,
        } => Error::new(
            Code::Tls,
            format!("The Kerio server presented a certificate with SHA-256 fingerprint {presented}, but {expected} is pinned."),
            format!("If the certificate was renewed on purpose, set the TLS fingerprint to {presented}; otherwise something is intercepting the connection."),
        ),
        TlsError::Untrusted {
            presented: Some(presented),
            detail,
        } => Error::new(
            Code::Tls,
            format!("The Kerio server's certificate is not trusted ({detail})."),
            format!("Kerio uses a self-signed certificate by default: pin its SHA-256 fingerprint {presented} (setting tls_fingerprint) after checking it in Kerio Administration > Configuration > SSL Certificates, or install a certificate from a trusted CA."),
        ),
        TlsError::Untrusted {
            presented: None,
            detail,
        } => Error::new(
            Code::Tls,
            format!("The Kerio server's certificate is not trusted ({detail})."),
            "Pin the certificate's SHA-256 fingerprint (setting tls_fingerprint), give the CA file (ca_file), or install a certificate from a trusted CA on Kerio.",
        ),
        TlsError::Other(detail) => Error::new(
            Code::Tls,
            format!("The TLS connection to the Kerio server failed ({detail})."),
            "Check that the port speaks HTTPS (Kerio's administration port is 4040); use plain HTTP only if Kerio is configured for it.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerio_api::ItemError;

    fn kerio(method: &str, code: i64, message: &str) -> ApiError {
        ApiError::Kerio {
            method: method.into(),
            code,
            message: message.into(),
        }
    }

    #[test]
    fn login_failures_are_auth_or_permission() {
        let wrong = translate(&kerio(
            "Session.login",
            1000,
            "Incorrect user name or password.",
        ));
        assert_eq!(wrong.code, Code::AuthFailed);
        assert!(wrong.hint.contains("admin user name"));
        let blocked = translate(&kerio(
            "Session.login",
            1000,
            "Too many failed login attempts from 1.2.3.4.",
        ));
        assert_eq!(blocked.code, Code::AuthFailed);
        assert!(blocked.hint.contains("blocked"));
        let no_admin = translate(&kerio(
            "Session.login",
            -32001,
            "User jdoe does not have administrator rights.",
        ));
        assert_eq!(no_admin.code, Code::Permission);
        assert!(no_admin.hint.contains("Full Admin"));
    }

    #[test]
    fn repeated_session_expiry_points_to_session_settings() {
        let error = translate(&kerio("Users.get", -32001, "Session expired."));
        assert!(error.hint.contains("Session security"), "{}", error.hint);
    }

    #[test]
    fn item_errors_map_by_code_and_text() {
        let items = |code, message: &str| ApiError::Items {
            method: "Users.create".into(),
            errors: vec![ItemError {
                input_index: 0,
                code,
                message: message.into(),
            }],
        };
        let taken = translate(&items(1001, "Address is used by the mailing list board."));
        assert_eq!(taken.code, Code::AlreadyTaken);
        assert!(!format!("{} {}", taken.message, taken.hint).contains("board"));
        assert!(taken.admin_detail.unwrap_or_default().contains("board"));
        assert_eq!(
            translate(&items(1003, "licence limit")).code,
            Code::LicenceFull
        );
        assert_eq!(
            translate(&items(1004, "Insufficient rights")).code,
            Code::Permission
        );
        assert_eq!(
            translate(&items(
                1000,
                "The password does not meet the password policy"
            ))
            .code,
            Code::InvalidInput
        );
        assert_eq!(
            translate(&items(1000, "internal database error")).code,
            Code::Kerio
        );
    }

    #[test]
    fn tls_hints_carry_the_presented_fingerprint() {
        let mismatch = translate(&ApiError::Tls(TlsError::FingerprintMismatch {
            expected: "AA:BB".into(),
            presented: "CC:DD".into(),
        }));
        assert_eq!(mismatch.code, Code::Tls);
        assert!(mismatch.hint.contains("CC:DD"));
        let untrusted = translate(&ApiError::Tls(TlsError::Untrusted {
            presented: Some("EE:FF".into()),
            detail: "UnknownIssuer".into(),
        }));
        assert!(untrusted.hint.contains("EE:FF"));
    }

    #[test]
    fn refused_connections_mention_remote_administration() {
        let error = translate(&ApiError::ConnectionRefused {
            addr: "127.0.0.1:4040".into(),
        });
        assert_eq!(error.code, Code::Connection);
        assert!(error.hint.contains("Allow administration from remote host"));
        assert!(error.hint.contains("firewall"));
    }
}
