//! Kerio server settings (the bridge request's `server` object, the CLI's flags, environment and
//! config file) and their translation into a `kerio_api::ClientConfig`.

use crate::de;
use crate::error::Error;
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

    /// The webmail base URL (given, or `https://HOST/webmail/`).
    pub fn webmail_url(&self) -> String {
        match &self.webmail_url {
            Some(url) => url.trim().to_string(),
            None => format!("https://{}/webmail/", kerio_api::url_host(&self.host)),
        }
    }

    /// Checks that the settings are complete and builds the client configuration.
    pub fn client_config(&self) -> Result<ClientConfig, Error> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(missing("host name", "host"));
        }
        if self.username.trim().is_empty() {
            return Err(missing("admin user name", "username"));
        }
        if self.password.is_empty() {
            return Err(missing("admin password", "password"));
        }
        let secure = self.secure.unwrap_or(true);
        let mut config = ClientConfig::new(kerio_api::admin_url(host, self.port()?, secure));
        config.trust = self.trust();
        let read_timeout = self.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S).max(1);
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
        assert_eq!(server.webmail_url(), "https://mail.example.com/webmail/");
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
        assert_eq!(server.webmail_url(), "https://[::1]/webmail/");
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
