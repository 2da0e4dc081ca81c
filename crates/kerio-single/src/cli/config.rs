//! Server settings for the CLI: flags and `KERIO_*` environment variables (via clap), then a
//! `--config` file of `key = value` lines filling whatever is still unset. The keys are the same
//! as in the WHMCS server's Access Hash: host, port, username, password, tls_fingerprint,
//! ca_file, timeout, webmail_url, allow_plain_http (plus secure = no for plain HTTP, which
//! needs allow_plain_http = yes).

use kerio_single::error::{quote, Error};
use kerio_single::server::ServerSettings;
use std::path::Path;

/// Keys a config file may use.
const KEYS: &[&str] = &[
    "host",
    "port",
    "username",
    "password",
    "tls_fingerprint",
    "ca_file",
    "timeout",
    "webmail_url",
    "secure",
    "allow_plain_http",
];

/// Reads `path` and fills every setting of `settings` that is still unset.
pub fn apply_file(settings: &mut ServerSettings, path: &Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input(
            format!("The config file {} cannot be read ({e}).", path.display()),
            "Check the path given to --config and its permissions.",
        )
    })?;
    apply_text(settings, &text, &path.display().to_string())
}

/// Applies config `text` (named `source` in errors) to the unset fields of `settings`.
pub fn apply_text(settings: &mut ServerSettings, text: &str, source: &str) -> Result<(), Error> {
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = split_line(line, index + 1, source)?;
        apply_key(settings, &key, value).map_err(|reason| {
            Error::invalid_input(
                format!("{source} line {}: {reason}", index + 1),
                "Correct the value in the config file.",
            )
        })?;
    }
    Ok(())
}

/// Splits `key = value`, checking the key.
fn split_line(line: &str, number: usize, source: &str) -> Result<(String, String), Error> {
    let bad = |what: String| {
        Error::invalid_input(
            format!("{source} line {number}: {what}"),
            format!("Write `key = value` lines with keys {}.", KEYS.join(", ")),
        )
    };
    let (key, value) = line
        .split_once('=')
        .ok_or_else(|| bad("not of the form `key = value`.".to_string()))?;
    let key = key.trim().to_ascii_lowercase();
    if !KEYS.contains(&key.as_str()) {
        return Err(bad(format!("unknown key \"{key}\".")));
    }
    Ok((key, value.trim().to_string()))
}

/// Sets one key unless already set by a flag or the environment.
fn apply_key(settings: &mut ServerSettings, key: &str, value: String) -> Result<(), String> {
    let fill = |slot: &mut Option<String>, value: String| {
        if slot.is_none() {
            *slot = Some(value);
        }
    };
    match key {
        "host" if settings.host.is_empty() => settings.host = value,
        "username" if settings.username.is_empty() => settings.username = value,
        "password" if settings.password.is_empty() => {
            settings.password = kerio_api::Secret::new(value)
        }
        "port" if settings.port.is_none() => settings.port = Some(number(&value, "port")?),
        "timeout" if settings.timeout_s.is_none() => {
            settings.timeout_s = Some(number(&value, "timeout")?)
        }
        "secure" if settings.secure.is_none() => settings.secure = Some(yes_no(key, &value)?),
        "allow_plain_http" if settings.allow_plain_http.is_none() => {
            settings.allow_plain_http = Some(yes_no(key, &value)?)
        }
        "tls_fingerprint" => fill(&mut settings.tls_fingerprint, value),
        "ca_file" => fill(&mut settings.ca_file, value),
        "webmail_url" => fill(&mut settings.webmail_url, value),
        _ => {}
    }
    Ok(())
}

/// A whole number setting.
fn number(value: &str, key: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{key} must be a whole number, not {}.", quote(value)))
}

/// The yes/no setting `key`.
fn yes_no(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "on" | "true" | "1" => Ok(true),
        "no" | "off" | "false" | "0" => Ok(false),
        _ => Err(format!("{key} must be yes or no, not {}.", quote(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_fills_only_unset_settings() {
        let mut settings = ServerSettings {
            host: "from-flag".into(),
            ..ServerSettings::default()
        };
        let text = "# comment\nhost = file-host\nusername = admin@example.com\npassword = p = w\nport = 4041\ntls_fingerprint = AB:CD\nsecure = no\n";
        apply_text(&mut settings, text, "test.conf").unwrap();
        assert_eq!(settings.host, "from-flag");
        assert_eq!(settings.username, "admin@example.com");
        assert_eq!(settings.password.expose(), "p = w");
        assert_eq!(settings.port, Some(4041));
        assert_eq!(settings.secure, Some(false));
        assert_eq!(settings.tls_fingerprint.as_deref(), Some("AB:CD"));
    }

    #[test]
    fn bad_lines_are_named_with_file_and_line() {
        let mut settings = ServerSettings::default();
        let error = apply_text(&mut settings, "host = h\nhots = x\n", "my.conf").unwrap_err();
        assert!(
            error.message.contains("my.conf line 2"),
            "{}",
            error.message
        );
        assert!(error.message.contains("hots"));
        let error = apply_text(&mut settings, "port = many", "my.conf").unwrap_err();
        assert!(error.message.contains("port must be a whole number"));
        assert!(apply_text(&mut settings, "just text", "my.conf").is_err());
    }
}
