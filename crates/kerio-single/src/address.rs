//! Mailbox addresses: parsing, validation and the case-insensitive canonical form.

use crate::error::{quote, Error};
use crate::rules;
use std::fmt;
use std::sync::OnceLock;

/// Longest domain name accepted (RFC 1035).
const DOMAIN_MAX_LENGTH: usize = 253;
/// Longest label of a domain name.
const LABEL_MAX_LENGTH: usize = 63;

/// A mailbox address `local@domain`, stored lower-case (Kerio compares both parts
/// case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    local: String,
    domain: String,
}

impl Address {
    /// Parses `local@domain`, checking the syntax of both parts (not the reserved names, so
    /// existing mailboxes with such names stay reachable).
    pub fn parse(text: &str) -> Result<Address, Error> {
        let text = text.trim();
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(Error::invalid_input(
                format!("{} is not a mailbox address.", quote(text)),
                "Give the full address, e.g. jdoe@example.com.",
            ));
        };
        check_localpart_syntax(local)?;
        Ok(Address {
            local: local.to_ascii_lowercase(),
            domain: parse_domain(domain)?,
        })
    }

    /// Builds an address from its parts, checking the syntax of both.
    pub fn from_parts(local: &str, domain: &str) -> Result<Address, Error> {
        Address::parse(&format!("{}@{}", local.trim(), domain.trim()))
    }

    /// The local part (mailbox name), lower-case.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The domain, lower-case.
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Fails with every syntax rule the local part breaks (the rules are built once per process:
/// a usage run parses every address it is asked about).
fn check_localpart_syntax(local: &str) -> Result<(), Error> {
    static SYNTAX_RULES: OnceLock<Vec<rules::Rule>> = OnceLock::new();
    let failed = rules::failures(
        SYNTAX_RULES.get_or_init(rules::localpart_syntax_rules),
        local,
    );
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!("The mailbox name {} is not valid.", quote(local)),
        format!("Mailbox names need: {}.", failed.join("; ")),
    ))
}

/// Validates a domain name (ASCII; internationalised names in their `xn--` form) and returns it
/// lower-case.
pub fn parse_domain(domain: &str) -> Result<String, Error> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || domain.len() > DOMAIN_MAX_LENGTH || !domain.split('.').all(valid_label)
    {
        return Err(Error::invalid_input(
            format!("{} is not a valid domain name.", quote(&domain)),
            "Use letters, digits and hyphens between dots, e.g. example.com; write internationalised names in their xn-- form.",
        ));
    }
    Ok(domain)
}

/// Special-use names (RFC 6761, RFC 6762 for `local`) that never reach a mailbox on the
/// internet: forwarding there loses the mail or points into the server's own network.
const SPECIAL_USE_SUFFIXES: &[&str] = &["local", "localhost", "test", "invalid"];

/// Why mail must not be forwarded to an address in `domain` (lower-case, as [`parse_domain`]
/// returns it), or `None` when it may: a single label or no dot (`localhost`, `intranet`), an IP
/// literal (`127.0.0.1`, `[10.0.0.1]`: the last label of a real domain is never all digits), or a
/// special-use name (`.local`, `.localhost`, `.test`, `.invalid`).
pub fn forward_domain_problem(domain: &str) -> Option<&'static str> {
    let domain = domain.trim_end_matches('.');
    let last = domain.rsplit('.').next().unwrap_or("");
    if domain.starts_with('[') || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) {
        return Some("an IP address, not a domain name");
    }
    if !domain.contains('.') {
        return Some("a name without a dot, which only a local network knows");
    }
    if SPECIAL_USE_SUFFIXES.contains(&last) {
        return Some("a special-use name (RFC 6761) that never reaches a mailbox on the internet");
    }
    None
}

/// Whether one dot-separated part of a domain name is valid.
fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= LABEL_MAX_LENGTH
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn parses_and_lower_cases() {
        let address = Address::parse("  J.Doe@Example.COM ").unwrap();
        assert_eq!(address.local(), "j.doe");
        assert_eq!(address.domain(), "example.com");
        assert_eq!(address.to_string(), "j.doe@example.com");
    }

    #[test]
    fn from_parts_equals_parse() {
        assert_eq!(
            Address::from_parts("JDoe", "example.com").unwrap(),
            Address::parse("jdoe@EXAMPLE.com").unwrap()
        );
    }

    #[test]
    fn refuses_missing_at_sign() {
        let error = Address::parse("jdoe").unwrap_err();
        assert_eq!(error.code, Code::InvalidInput);
        assert!(error.hint.contains("jdoe@example.com"));
    }

    #[test]
    fn refuses_bad_local_parts_with_the_broken_rule() {
        let error = Address::parse("j..doe@example.com").unwrap_err();
        assert_eq!(error.code, Code::InvalidInput);
        assert!(error.hint.contains("two dots"), "{}", error.hint);
        assert!(Address::parse("j doe@example.com").is_err());
        assert!(Address::parse("@example.com").is_err());
        assert!(Address::parse("a@b@example.com").is_err());
    }

    #[test]
    fn reserved_names_parse_as_existing_addresses() {
        assert!(Address::parse("postmaster@example.com").is_ok());
    }

    #[test]
    fn forwarding_domains_must_be_public_names() {
        for bad in [
            "localhost",
            "intranet",
            "127.0.0.1",
            "10.1.2.3",
            "[10.0.0.1]",
            "printer.local",
            "a.localhost",
            "shop.test",
            "x.invalid",
        ] {
            assert!(forward_domain_problem(bad).is_some(), "{bad}");
        }
        for good in [
            "example.net",
            "mail.example.co.uk",
            "xn--bcher-kva.example",
            "123.example.com",
        ] {
            assert_eq!(forward_domain_problem(good), None, "{good}");
        }
    }

    #[test]
    fn validates_domains() {
        assert_eq!(parse_domain("Example.ORG.").unwrap(), "example.org");
        assert_eq!(
            parse_domain("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
        for bad in [
            "",
            "exa mple.com",
            "-a.com",
            "a-.com",
            "a..com",
            "bücher.de",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
        assert!(parse_domain(&format!("{}.com", "a".repeat(64))).is_err());
    }
}
