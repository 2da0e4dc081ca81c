//! The import source as a customer gives it, checked before anything is contacted: host syntax,
//! port, security, credentials; then the host resolved once and every address it resolves to
//! checked against the private-network rule. The connection goes to those addresses only (no
//! second lookup).

use crate::de;
use crate::error::{quote, Code, Error};
use kerio_api::Secret;
use serde::Deserialize;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// The ports a source may use when the request names none: IMAPS and IMAP.
pub const DEFAULT_PORTS: &[u16] = &[993, 143];
/// Most bytes of a source user name.
pub const MAX_USERNAME_BYTES: usize = 255;
/// Most bytes of a source password.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Most bytes of a host name (RFC 1035).
const MAX_HOST_BYTES: usize = 253;

/// How the connection to the source is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS from the first byte (IMAPS, usually port 993).
    Tls,
    /// Plain IMAP upgraded with STARTTLS before login (usually port 143).
    Starttls,
    /// No encryption at all: only with `allow_plain`.
    Plain,
}

/// The `source` object of `import_probe`, as sent.
#[derive(Debug, Deserialize)]
pub struct SourceArgs {
    /// Host name or IP address (IPv6 in brackets or bare), nothing else.
    pub host: String,
    /// TCP port.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub port: Option<u64>,
    /// `tls`, `starttls` or `plain`.
    pub security: Security,
    /// The user name at the source.
    pub username: String,
    /// The password at the source (never echoed).
    #[serde(deserialize_with = "de::secret")]
    pub password: Secret,
}

/// The rules the module sets from the server's Access Hash, beside the source.
#[derive(Debug, Default, Deserialize)]
pub struct SourcePolicy {
    /// The ports a source may use (numbers, numeric strings or one comma-separated string);
    /// absent = [`DEFAULT_PORTS`].
    #[serde(default)]
    pub allowed_ports: Option<Value>,
    /// Whether loopback, private and other non-public addresses may be contacted.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub allow_private_networks: Option<bool>,
    /// Whether `security: plain` may be used.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub allow_plain: Option<bool>,
    /// The SHA-256 fingerprint of a source certificate the customer chose to trust.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub source_fingerprint: Option<String>,
}

/// A checked source: what to connect to and how.
#[derive(Debug)]
pub struct Source {
    /// The host as given (brackets removed), for TLS name checks and messages.
    pub host: String,
    /// The port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The pinned fingerprint (normalised), if any.
    pub fingerprint: Option<String>,
    /// Whether non-public addresses may be contacted.
    allow_private: bool,
}

impl Source {
    /// Checks `args` against `policy` without any network access.
    pub fn check(args: SourceArgs, policy: &SourcePolicy) -> Result<Source, Error> {
        let host = checked_host(&args.host)?;
        let port = checked_port(args.port, policy)?;
        if args.security == Security::Plain && policy.allow_plain != Some(true) {
            return Err(refused(
                "An unencrypted (plain) connection to the old mail server is not allowed here.",
                "Choose TLS (usually port 993) or STARTTLS (usually port 143).",
            ));
        }
        check_username(&args.username)?;
        check_password(&args.password)?;
        let fingerprint = match &policy.source_fingerprint {
            Some(given) => Some(kerio_api::normalize_fingerprint(given).map_err(|_| {
                Error::invalid_input(
                    "The trusted certificate fingerprint is not a SHA-256 fingerprint.",
                    "Give 64 hex digits (colons optional), as the source_tls error named them.",
                )
            })?),
            None => None,
        };
        let allow_private = policy.allow_private_networks == Some(true);
        if let Ok(ip) = host.parse::<IpAddr>() {
            check_address(ip, allow_private)?;
        }
        Ok(Source {
            host,
            port,
            security: args.security,
            username: args.username,
            password: args.password,
            fingerprint,
            allow_private,
        })
    }

    /// Resolves the host once and checks every address it resolves to.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, Error> {
        let addresses: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|_| {
                Error::new(
                    Code::SourceUnreachable,
                    format!("The host name {} of the old mail server was not found.", quote(&self.host)),
                    "Check the server name your old provider gives for IMAP (e.g. imap.example.com).",
                )
            })?
            .collect();
        if addresses.is_empty() {
            return Err(Error::new(
                Code::SourceUnreachable,
                format!("The host name {} has no address.", quote(&self.host)),
                "Check the server name your old provider gives for IMAP.",
            ));
        }
        for address in &addresses {
            check_address(address.ip(), self.allow_private)?;
        }
        Ok(addresses)
    }
}

/// A `source_refused` error.
fn refused(message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::new(Code::SourceRefused, message, hint)
}

/// The host without IPv6 brackets, or why it is not a bare host name or IP address.
fn checked_host(given: &str) -> Result<String, Error> {
    let bad = |why: &str| {
        Error::invalid_input(
            format!("The server {} is not a host name: {why}.", quote(given)),
            "Give only the server name (e.g. imap.example.com) or its IP address, without imap://, user name, port or path.",
        )
    };
    let host = given.trim();
    if host.is_empty() {
        return Err(bad("it is empty"));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<Ipv6Addr>()
            .map(|_| inner.to_string())
            .map_err(|_| bad("the part in brackets is not an IPv6 address"));
    }
    if host.parse::<IpAddr>().is_ok() {
        return Ok(host.to_string());
    }
    if host.contains("://") || host.contains(['/', '@', '?', '#', ':', '\\']) {
        return Err(bad("it holds a scheme, user name, port or path"));
    }
    check_host_name(host).map_err(bad)?;
    Ok(host.to_ascii_lowercase())
}

/// Whether `host` is a DNS name of letters, digits and hyphens whose last label is not numeric
/// (so `127.1` or `0x7f.1`, which some resolvers read as addresses, are refused).
fn check_host_name(host: &str) -> Result<(), &'static str> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.len() > MAX_HOST_BYTES {
        return Err("it is longer than 253 characters");
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return Err("only letters, digits, hyphens and dots are allowed (IDN names in xn-- form)");
    }
    let last = labels.last().copied().unwrap_or("");
    let numeric = last.chars().all(|c| c.is_ascii_digit())
        || (last.len() > 2 && last[..2].eq_ignore_ascii_case("0x"));
    if numeric {
        return Err("an IP address must be written as four decimal numbers (a.b.c.d)");
    }
    Ok(())
}

/// The port, checked for range and against the allowed ports.
fn checked_port(given: Option<u64>, policy: &SourcePolicy) -> Result<u16, Error> {
    let port = given
        .and_then(|port| u16::try_from(port).ok())
        .filter(|port| *port != 0)
        .ok_or_else(|| {
            Error::invalid_input(
                format!(
                    "The port {} is not a TCP port.",
                    given.map_or("(none)".to_string(), |p| p.to_string())
                ),
                "Give a port from 1 to 65535: usually 993 (TLS) or 143 (STARTTLS).",
            )
        })?;
    let allowed = allowed_ports(policy.allowed_ports.as_ref())?;
    if !allowed.contains(&port) {
        let list: Vec<String> = allowed.iter().map(u16::to_string).collect();
        return Err(refused(
            format!("Port {port} may not be used for the old mail server."),
            format!("Use one of these ports: {}.", list.join(", ")),
        ));
    }
    Ok(port)
}

/// The allowed ports of the policy: a JSON array of numbers or numeric strings, or one string of
/// comma- or space-separated numbers; absent or empty = [`DEFAULT_PORTS`].
fn allowed_ports(given: Option<&Value>) -> Result<Vec<u16>, Error> {
    let words: Vec<String> = match given {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => text
            .split([',', ' '])
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => text.trim().to_string(),
                other => other.to_string(),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
    };
    if words.is_empty() {
        return Ok(DEFAULT_PORTS.to_vec());
    }
    words
        .iter()
        .map(|word| {
            word.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                Error::invalid_request(format!(
                    "allowed_ports holds {}, which is not a port (1-65535); the module fills it from the Access Hash line import_ports.",
                    quote(word)
                ))
            })
        })
        .collect()
}

/// Refuses empty, overlong or control-character user names.
fn check_username(username: &str) -> Result<(), Error> {
    if username.trim().is_empty() || username.len() > MAX_USERNAME_BYTES {
        return Err(Error::invalid_input(
            format!("The user name for the old mail server must have 1 to {MAX_USERNAME_BYTES} characters."),
            "Give the user name your old provider gives for IMAP (often the full address).",
        ));
    }
    if username.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "The user name for the old mail server holds a line break or control character.",
            "Type the user name again without line breaks.",
        ));
    }
    Ok(())
}

/// Refuses empty, overlong or line-breaking passwords (never quoting them).
fn check_password(password: &Secret) -> Result<(), Error> {
    let text = password.expose();
    if text.is_empty() || text.len() > MAX_PASSWORD_BYTES {
        return Err(Error::invalid_input(
            format!("The password for the old mail server must have 1 to {MAX_PASSWORD_BYTES} characters."),
            "Give the password of the old mailbox.",
        ));
    }
    if text.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid_input(
            "The password for the old mail server holds a line break or NUL character.",
            "Type the password again without line breaks.",
        ));
    }
    Ok(())
}

/// Refuses a non-public address unless private networks are allowed.
fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), Error> {
    if allow_private || is_public(ip) {
        return Ok(());
    }
    Err(refused(
        "The old mail server's address is not a public Internet address (it is local, private or reserved).",
        "Give the public IMAP server name of your old provider.",
    ))
}

/// Whether `ip` is a public unicast address (not loopback, private, link-local, multicast,
/// unspecified, shared, documentation, benchmarking or reserved). IPv6 forms that embed an
/// IPv4 address (mapped, NAT64, 6to4) are judged by it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// [`is_public`] for IPv4.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224;
    !reserved
}

/// [`is_public`] for IPv6: only global unicast (2000::/3) outside the documentation, Teredo
/// and ORCHID ranges; IPv4-mapped, NAT64 and 6to4 addresses by their IPv4 part.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_public_v4(embedded_v4(segments[1], segments[2]));
    }
    let global_unicast = segments[0] & 0xe000 == 0x2000;
    let special = segments[0] == 0x2001 && (segments[1] < 0x0200 || segments[1] == 0x0db8);
    global_unicast && !special
}

/// The IPv4 address held by two IPv6 segments.
fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            let ip: IpAddr = private.parse().unwrap();
            assert!(!is_public(ip), "{private}");
        }
        for public in [
            "8.8.8.8",
            "93.184.216.34",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(is_public(ip), "{public}");
        }
    }

    #[test]
    fn hosts_are_names_or_addresses_only() {
        assert_eq!(
            checked_host("IMAP.Example.com").unwrap(),
            "imap.example.com"
        );
        assert_eq!(checked_host("[::1]").unwrap(), "::1");
        for bad in [
            "imaps://imap.example.com",
            "imap.example.com/inbox",
            "user@imap.example.com",
            "imap.example.com:993",
            "127.1",
            "0x7f.1",
            "",
            "exa mple.com",
            "[imap.example.com]",
        ] {
            let error = checked_host(bad).unwrap_err();
            assert_eq!(error.code, Code::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn allowed_ports_accept_the_module_spellings() {
        assert_eq!(allowed_ports(None).unwrap(), DEFAULT_PORTS);
        let given = serde_json::json!("993, 1993");
        assert_eq!(allowed_ports(Some(&given)).unwrap(), [993, 1993]);
        let given = serde_json::json!([993, "143"]);
        assert_eq!(allowed_ports(Some(&given)).unwrap(), [993, 143]);
        let given = serde_json::json!([70000]);
        assert!(allowed_ports(Some(&given)).is_err());
    }
}
