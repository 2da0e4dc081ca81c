//! Kerio server settings (the bridge request's `server` object, the CLI's flags, environment and
//! config file) and their translation into a `kerio_api::ClientConfig`.

use crate::de;
use crate::error::{quote, Error};
use kerio_api::{ClientConfig, Secret, Trust};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Kerio Connect's administration port.
pub const DEFAULT_PORT: u16 = 4040;
/// Read timeout when none is given, in seconds.
pub const DEFAULT_TIMEOUT_S: u64 = 30;
/// Longest connect timeout; a longer read timeout does not make connecting wait longer.
const MAX_CONNECT_TIMEOUT_S: u64 = 10;
/// Longest read timeout accepted, in seconds (WHMCS's own requests give up well before).
pub const MAX_TIMEOUT_S: u64 = 300;

/// How to reach and log in to one Kerio Connect server.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerSettings {
    /// Host name or IP address.
    #[serde(default)]
    pub host: String,
    /// Administration port (default 4040).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub port: Option<u64>,
    /// HTTPS (default) or plain HTTP.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub secure: Option<bool>,
    /// Admin login, e.g. `admin@example.com`.
    #[serde(default)]
    pub username: String,
    /// Admin password (a JSON string, or digits as a number, like mailbox passwords).
    #[serde(default, deserialize_with = "de::secret")]
    pub password: Secret,
    /// SHA-256 fingerprint of the server certificate to pin (hex; colons and case ignored).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub tls_fingerprint: Option<String>,
    /// PEM file of the CA that signed the server certificate.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub ca_file: Option<String>,
    /// Read timeout in seconds (default 30).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub timeout_s: Option<u64>,
    /// Webmail base URL for SSO (default `https://HOST/webmail/`).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub webmail_url: Option<String>,
    /// Skip certificate verification (never the default; pinning is preferred).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub insecure: Option<bool>,
    /// Allow `secure: false` (plain HTTP, the admin password in clear) and an `http://`
    /// webmail URL. Off unless set: the module's Access Hash line `allow_plain_http = yes`, the
    /// CLI's `--plain` (meant for the emulator on loopback).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub allow_plain_http: Option<bool>,
}

impl ServerSettings {
    /// The administration port after defaults and range check.
    pub fn port(&self) -> Result<u16, Error> {
        let port = self.port.unwrap_or(u64::from(DEFAULT_PORT));
        u16::try_from(port)
            .ok()
            .filter(|port| *port > 0)
            .ok_or_else(|| {
                Error::invalid_input(
                    format!("The port {port} is not a TCP port."),
                    "Use Kerio's administration port, usually 4040.",
                )
            })
    }

    /// The webmail base URL (given, or `https://HOST/webmail/`), checked: `https` (`http` only
    /// with `allow_plain_http`), a host, no user name or password, no query or fragment, no
    /// control characters, spaces, quotes or angle brackets.
    pub fn webmail_url(&self) -> Result<String, Error> {
        match &self.webmail_url {
            Some(url) => checked_webmail_url(url.trim(), self.plain_http_allowed()),
            None => Ok(format!(
                "https://{}/webmail/",
                kerio_api::url_host(&self.host)
            )),
        }
    }

    /// Whether plain HTTP was explicitly allowed.
    fn plain_http_allowed(&self) -> bool {
        self.allow_plain_http == Some(true)
    }

    /// Refuses plain HTTP unless allowed, and always together with a pinned fingerprint or a CA
    /// file (they can only protect HTTPS).
    fn require_transport(&self) -> Result<bool, Error> {
        let secure = self.secure.unwrap_or(true);
        if secure {
            return Ok(true);
        }
        if self.tls_fingerprint.is_some() || self.ca_file.is_some() {
            return Err(Error::invalid_input(
                "Secure is unticked but a TLS fingerprint or CA file is set: plain HTTP would ignore them and send the admin password in clear.",
                "Tick Secure (Kerio's administration port 4040 speaks HTTPS only).",
            ));
        }
        if !self.plain_http_allowed() {
            return Err(Error::invalid_input(
                "Secure is unticked: plain HTTP would send the admin password in clear; nothing was sent.",
                "Tick Secure (Kerio's administration port 4040 speaks HTTPS only). Only for a test server: add the Access Hash line allow_plain_http = yes.",
            ));
        }
        Ok(false)
    }

    /// The read timeout after default and range check (1–[`MAX_TIMEOUT_S`] seconds).
    fn read_timeout_s(&self) -> Result<u64, Error> {
        let timeout = self.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S);
        if (1..=MAX_TIMEOUT_S).contains(&timeout) {
            return Ok(timeout);
        }
        Err(Error::invalid_input(
            format!("The timeout of {timeout} seconds is out of range."),
            format!("Use 1 to {MAX_TIMEOUT_S} seconds (default {DEFAULT_TIMEOUT_S})."),
        ))
    }

    /// Checks that the settings are complete and builds the client configuration.
    pub fn client_config(&self) -> Result<ClientConfig, Error> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(missing("host name", "host"));
        }
        require_host_syntax(host)?;
        if self.username.trim().is_empty() {
            return Err(missing("admin user name", "username"));
        }
        if self.password.is_empty() {
            return Err(missing("admin password", "password"));
        }
        let secure = self.require_transport()?;
        let read_timeout = self.read_timeout_s()?;
        let mut config = ClientConfig::new(kerio_api::admin_url(host, self.port()?, secure));
        config.trust = self.trust();
        config.read_timeout = Duration::from_secs(read_timeout);
        config.connect_timeout = Duration::from_secs(read_timeout.min(MAX_CONNECT_TIMEOUT_S));
        Ok(config)
    }

    /// How the server certificate is trusted: a pinned fingerprint wins over a CA file, which
    /// wins over the system roots; `insecure` only when nothing better is given.
    fn trust(&self) -> Trust {
        if let Some(fingerprint) = &self.tls_fingerprint {
            Trust::Fingerprint(fingerprint.trim().to_string())
        } else if let Some(ca_file) = &self.ca_file {
            Trust::CaFile(PathBuf::from(ca_file.trim()))
        } else if self.insecure == Some(true) {
            Trust::Insecure
        } else {
            Trust::SystemRoots
        }
    }
}

/// Longest host name (DNS allows 253 characters) or bracketed IPv6 address accepted.
const HOST_MAX_CHARS: usize = 253;

/// Refuses a host that cannot be a host name or IP address (too long, spaces, URL syntax).
fn require_host_syntax(host: &str) -> Result<(), Error> {
    let usable = |c: char| c.is_ascii_alphanumeric() || "-._:[]%".contains(c);
    if host.chars().count() <= HOST_MAX_CHARS && host.chars().all(usable) {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!("The Kerio host {} is not a host name or IP address.", quote(host)),
        "Set the server's host name (e.g. mail.example.com) or IP address, without https:// or a path.",
    ))
}

/// `url` if it is a usable webmail base URL (see [`ServerSettings::webmail_url`]).
fn checked_webmail_url(url: &str, allow_plain_http: bool) -> Result<String, Error> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let scheme_ok = scheme.eq_ignore_ascii_case("https")
        || (allow_plain_http && scheme.eq_ignore_ascii_case("http"));
    let authority = rest.split('/').next().unwrap_or("");
    // `user:password@` would put a credential into the page's form action (and this message).
    if authority.contains('@') {
        return Err(bad_webmail_url(
            "given (it contains a user name or password)",
        ));
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(':') {
                host
            } else {
                authority
            }
        });
    let forbidden = |c: char| c.is_control() || c.is_whitespace() || "?#\"'<>\\`".contains(c);
    if !scheme_ok || host.is_empty() || host == "[]" || url.contains(forbidden) {
        return Err(bad_webmail_url(&quote(url)));
    }
    Ok(url.to_string())
}

/// The error for an unusable webmail URL (`shown` quotes it, or says why it is not quoted).
fn bad_webmail_url(shown: &str) -> Error {
    Error::invalid_input(
        format!("The webmail URL {shown} is not usable."),
        "Set the Access Hash line webmail_url to the absolute https address of Kerio's webmail, without user name or password, query or fragment, e.g. webmail_url = https://mail.example.com/webmail/ (http only with allow_plain_http = yes).",
    )
}

/// The error for a missing required setting.
fn missing(what: &str, key: &str) -> Error {
    Error::invalid_input(
        format!("The Kerio server's {what} is not set."),
        format!("Set `{key}` in the server settings (WHMCS: Setup > Servers; CLI: flag, KERIO_* variable or --config file)."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: serde_json::Value) -> ServerSettings {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn defaults_port_https_and_timeouts() {
        let server = settings(
            json!({"host": "mail.example.com", "username": "admin@example.com", "password": "pw"}),
        );
        let config = server.client_config().unwrap();
        assert_eq!(
            config.url,
            "https://mail.example.com:4040/admin/api/jsonrpc/"
        );
        assert!(matches!(config.trust, Trust::SystemRoots));
        assert_eq!(config.read_timeout, Duration::from_secs(30));
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(
            server.webmail_url().unwrap(),
            "https://mail.example.com/webmail/"
        );
    }

    #[test]
    fn accepts_php_nulls_and_strings() {
        let server = settings(
            json!({"host": "::1", "port": "4041", "secure": "on", "username": "a", "password": "pw",
            "tls_fingerprint": null, "ca_file": "", "timeout_s": 5, "webmail_url": null}),
        );
        let config = server.client_config().unwrap();
        assert_eq!(config.url, "https://[::1]:4041/admin/api/jsonrpc/");
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(server.webmail_url().unwrap(), "https://[::1]/webmail/");
    }

    #[test]
    fn fingerprint_wins_over_ca_file_and_insecure() {
        let server = settings(json!({"host": "h", "username": "a", "password": "pw",
            "tls_fingerprint": " AB:CD ", "ca_file": "/ca.pem", "insecure": true}));
        assert!(matches!(server.trust(), Trust::Fingerprint(ref f) if f == "AB:CD"));
        let server =
            settings(json!({"host": "h", "username": "a", "password": "pw", "insecure": true}));
        assert!(matches!(server.trust(), Trust::Insecure));
    }

    fn base() -> serde_json::Value {
        json!({"host": "h", "username": "a", "password": "pw"})
    }

    fn with(extra: serde_json::Value) -> ServerSettings {
        let mut value = base();
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        settings(value)
    }

    #[test]
    fn plain_http_needs_allow_plain_http_and_never_goes_with_pinning() {
        for refused in [
            json!({"secure": false}),
            json!({"secure": "off"}),
            json!({"secure": false, "allow_plain_http": false}),
            json!({"secure": false, "allow_plain_http": true, "tls_fingerprint": "AB"}),
            json!({"secure": false, "allow_plain_http": "yes", "ca_file": "/ca.pem"}),
        ] {
            let error = with(refused.clone()).client_config().unwrap_err();
            assert_eq!(error.code, crate::error::Code::InvalidInput, "{refused}");
            assert!(error.hint.contains("Tick Secure"), "{refused}");
        }
        let config = with(json!({"secure": false, "allow_plain_http": "yes"}))
            .client_config()
            .unwrap();
        assert!(config.url.starts_with("http://"));
    }

    #[test]
    fn timeouts_and_ports_are_range_checked_without_panicking() {
        for bad in [
            json!(0),
            json!(301),
            json!(u64::MAX),
            json!("18446744073709551615"),
        ] {
            let error = with(json!({"timeout_s": bad})).client_config().unwrap_err();
            assert!(error.hint.contains("1 to 300"), "{bad}");
        }
        assert!(with(json!({"timeout_s": 300})).client_config().is_ok());
        for bad in [json!(0), json!(65536), json!(u64::MAX)] {
            assert!(with(json!({"port": bad})).client_config().is_err(), "{bad}");
        }
        for absurd in [json!(-1), json!(1e308), json!("1e308"), json!(-0.5)] {
            let parsed = serde_json::from_value::<ServerSettings>(json!({"timeout_s": absurd}));
            assert!(parsed.is_err(), "{absurd}");
        }
    }

    #[test]
    fn webmail_urls_are_parsed() {
        let url = |text: &str, plain: bool| {
            with(json!({"webmail_url": text, "allow_plain_http": plain})).webmail_url()
        };
        assert_eq!(
            url(" https://mail.example.com/webmail/ ", false).unwrap(),
            "https://mail.example.com/webmail/"
        );
        assert!(url("https://[::1]:8443/webmail", false).is_ok());
        assert!(url("http://127.0.0.1:8080/webmail/", true).is_ok());
        for bad in [
            "http://mail.example.com/webmail/",
            "mail.example.com/webmail/",
            "javascript:alert(1)",
            "https:///webmail/",
            "https://:443/webmail/",
            "https://x/webmail/?a=b",
            "https://x/webmail/#top",
            "https://x/\"onload=\"",
            "https://x/web\nmail/",
            "https://x/web\u{7f}mail/",
            "ftp://x/webmail/",
        ] {
            let error = url(bad, false).unwrap_err();
            assert!(error.hint.contains("webmail_url"), "{bad}");
            assert!(!error.message.contains('\n'), "{bad}");
        }
        let error = url("https://admin:S3cret-pass@mail.example.com/webmail/", false).unwrap_err();
        assert!(!error.message.contains("S3cret-pass"), "{}", error.message);
        let long = format!("https://x/{}", "a".repeat(1_000_000));
        let error = url(&format!("{long}?"), false).unwrap_err();
        assert!(error.message.len() < 200, "{}", error.message.len());
    }

    #[test]
    fn hosts_are_names_or_addresses() {
        for good in [
            "mail.example.com",
            "127.0.0.1",
            "::1",
            "[::1]",
            "fe80::1%eth0",
        ] {
            assert!(
                with(json!({"host": good})).client_config().is_ok(),
                "{good}"
            );
        }
        for bad in [
            "https://mail.example.com",
            "mail example.com",
            "a/b",
            &"h".repeat(254),
        ] {
            let error = with(json!({"host": bad})).client_config().unwrap_err();
            assert!(error.hint.contains("host name"), "{bad}");
        }
    }

    #[test]
    fn missing_settings_are_named() {
        let error = settings(json!({"host": "h", "username": "a"}))
            .client_config()
            .unwrap_err();
        assert!(error.message.contains("admin password"));
        assert!(error.hint.contains("`password`"));
        let error = settings(json!({"username": "a", "password": "pw"}))
            .client_config()
            .unwrap_err();
        assert!(error.message.contains("host name"));
        let error =
            settings(json!({"host": "h", "username": "a", "password": "pw", "port": 70000}))
                .client_config()
                .unwrap_err();
        assert!(error.message.contains("70000"));
    }

    #[test]
    fn digits_only_admin_password_is_read_and_never_quoted_in_an_error() {
        let server = settings(json!({"host": "h", "username": "a", "password": 12345678}));
        assert_eq!(server.password.expose(), "12345678");
        let error = serde_json::from_value::<ServerSettings>(json!({"password": [12345678]}))
            .unwrap_err()
            .to_string();
        assert!(!error.contains("12345678"), "{error}");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let server = settings(json!({"host": "h", "username": "a", "password": "Adm1n-Secret!"}));
        assert!(!format!("{server:?}").contains("Adm1n-Secret!"));
    }
}
