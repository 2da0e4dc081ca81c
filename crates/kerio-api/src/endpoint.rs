//! The API endpoint URL: building it from host/port and taking it apart for error messages.

use crate::error::Error;

/// The path of the Kerio Connect Administration API.
const ADMIN_API_PATH: &str = "/admin/api/jsonrpc/";

/// Builds the admin API URL, e.g. `https://mail.example.com:4040/admin/api/jsonrpc/`.
/// IPv6 addresses are put in brackets; `secure = false` gives `http://` (plain, for tests).
pub fn admin_url(host: &str, port: u16, secure: bool) -> String {
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{}:{port}{ADMIN_API_PATH}", url_host(host))
}

/// `host` as written in a URL: an IPv6 literal in brackets (`[::1]`), anything else trimmed.
pub fn url_host(host: &str) -> String {
    let host = host.trim();
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The parts of an endpoint URL the client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://` (true) or `http://` (false).
    pub secure: bool,
    /// Host name or address, IPv6 without brackets.
    pub host: String,
    /// `host:port` as written in the URL (IPv6 in brackets), with the default port filled in.
    pub addr: String,
}

impl Endpoint {
    /// Parses `http(s)://host[:port]/path`; anything else is a [`Error::Config`].
    pub fn parse(url: &str) -> Result<Endpoint, Error> {
        // A URL with `user:password@` is never echoed back: it would put a secret in the message.
        let shown = if url.contains('@') {
            "given".to_string()
        } else {
            format!("{url:?}")
        };
        let invalid = |why: &str| {
            Error::Config(format!(
                "the API URL {shown} {why}; it should look like https://HOST:4040/admin/api/jsonrpc/"
            ))
        };
        let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(invalid("does not start with https://"));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(invalid("must not contain a user name or password"));
        }
        let (host, port) =
            split_host_port(authority).ok_or_else(|| invalid("has no valid host"))?;
        let port = match port {
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| invalid("has an invalid port"))?,
            None if secure => 443,
            None => 80,
        };
        Ok(Endpoint {
            secure,
            host: host.to_string(),
            addr: format!("{}:{port}", url_host(host)),
        })
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; `None` when the host is empty or malformed.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid = !host.is_empty() && !host.contains(char::is_whitespace);
    valid.then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_admin_urls() {
        assert_eq!(
            admin_url("mail.example.com", 4040, true),
            "https://mail.example.com:4040/admin/api/jsonrpc/"
        );
        assert_eq!(
            admin_url("::1", 4040, true),
            "https://[::1]:4040/admin/api/jsonrpc/"
        );
        assert_eq!(
            admin_url("[::1]", 8080, false),
            "http://[::1]:8080/admin/api/jsonrpc/"
        );
    }

    #[test]
    fn parses_hosts_ports_and_defaults() {
        let endpoint = Endpoint::parse("https://mail.example.com:4040/admin/api/jsonrpc/").unwrap();
        assert_eq!(
            endpoint,
            Endpoint {
                secure: true,
                host: "mail.example.com".into(),
                addr: "mail.example.com:4040".into()
            }
        );
        let endpoint = Endpoint::parse("http://[::1]/x").unwrap();
        assert_eq!(
            endpoint,
            Endpoint {
                secure: false,
                host: "::1".into(),
                addr: "[::1]:80".into()
            }
        );
        assert_eq!(Endpoint::parse("https://h").unwrap().addr, "h:443");
    }

    #[test]
    fn rejects_bad_urls_with_a_hint() {
        for bad in [
            "ftp://h/",
            "mail.example.com",
            "https://:4040/",
            "https://h:99999/",
            "https://u:p@h/",
            "https://[::1/",
        ] {
            let error = Endpoint::parse(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("https://HOST:4040/admin/api/jsonrpc/"),
                "{bad}: {error}"
            );
        }
        let error = Endpoint::parse("https://admin:Pa55word@h/")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("Pa55word"), "{error}");
    }
}
