//! The session cookies Kerio sets (`SESSION_CONNECT_WEBADMIN`, `TOKEN_CONNECT_WEBADMIN`, …).
//!
//! Every cookie from every `Set-Cookie` header is kept and sent back; a later `Set-Cookie` with
//! the same name replaces the value, one with `Max-Age=0` (or an empty value) removes it.
//! Attributes such as `Path`, `Domain` and `Expires` are ignored: the client only ever talks to
//! one endpoint, and a session lasts minutes.

use std::fmt;

/// The cookies of one server session. `Debug` prints names only, never values.
#[derive(Default, Clone)]
pub struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl CookieJar {
    /// Applies one `Set-Cookie` header value; malformed headers are ignored.
    pub fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let value = value.trim().trim_matches('"');
        let expired = parts.any(|attribute| is_zero_max_age(attribute.trim()));
        self.cookies.retain(|(existing, _)| existing != name);
        if !expired && !value.is_empty() {
            self.cookies.push((name.to_string(), value.to_string()));
        }
    }

    /// The `Cookie` header value, or `None` when there is no cookie.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        Some(pairs.join("; "))
    }

    /// Forgets every cookie.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }
}

fn is_zero_max_age(attribute: &str) -> bool {
    attribute.split_once('=').is_some_and(|(key, value)| {
        key.trim().eq_ignore_ascii_case("max-age")
            && value.trim().parse::<i64>().is_ok_and(|age| age <= 0)
    })
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.cookies.iter().map(|(name, _)| name))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_cookie_and_updates_by_name() {
        let mut jar = CookieJar::default();
        assert_eq!(jar.header(), None);
        jar.store("SESSION_CONNECT_WEBADMIN=abc; Path=/; Secure; HttpOnly");
        jar.store("TOKEN_CONNECT_WEBADMIN=t1; Path=/");
        assert_eq!(
            jar.header().unwrap(),
            "SESSION_CONNECT_WEBADMIN=abc; TOKEN_CONNECT_WEBADMIN=t1"
        );
        jar.store("SESSION_CONNECT_WEBADMIN=def; Path=/");
        assert_eq!(
            jar.header().unwrap(),
            "TOKEN_CONNECT_WEBADMIN=t1; SESSION_CONNECT_WEBADMIN=def"
        );
    }

    #[test]
    fn max_age_zero_or_empty_value_removes_the_cookie() {
        let mut jar = CookieJar::default();
        jar.store("A=1");
        jar.store("B=2");
        jar.store("A=gone; Max-Age=0");
        jar.store("B=");
        assert_eq!(jar.header(), None);
    }

    #[test]
    fn ignores_malformed_headers_and_hides_values_in_debug() {
        let mut jar = CookieJar::default();
        jar.store("no-equals-sign");
        jar.store("=value-without-name");
        jar.store("S=secret-session-id");
        assert_eq!(jar.header().unwrap(), "S=secret-session-id");
        let debug = format!("{jar:?}");
        assert!(
            debug.contains('S') && !debug.contains("secret-session-id"),
            "{debug}"
        );
    }
}
