//! Naming and password rules: login-name characters, domain names, and a domain's
//! complex-password policy (applied by Users.create, Users.set and Domains.generatePassword).

use crate::errors::{self, KerioError};
use crate::state::Domain;

/// Longest accepted login name. [I]
const MAX_LOGIN_LENGTH: usize = 64;
/// Minimum length of a complex password. [V: GFI password policy]
const COMPLEX_MIN_LENGTH: usize = 8;

/// Accepts `^[A-Za-z0-9._-]+$`, at most 64 characters, not starting or ending with a dot. [I]
pub fn check_login_name(login: &str) -> Result<(), KerioError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let valid = !login.is_empty()
        && login.len() <= MAX_LOGIN_LENGTH
        && login.chars().all(allowed)
        && !login.starts_with('.')
        && !login.ends_with('.');
    if valid {
        Ok(())
    } else {
        Err(errors::invalid_login_name(login))
    }
}

/// Accepts DNS names: labels of letters, digits and inner hyphens, at most 253 characters.
pub fn check_domain_name(name: &str) -> Result<(), String> {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.len() <= 253 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!(
            "invalid domain name {name:?}: use labels of letters, digits and hyphens separated by dots"
        ))
    }
}

/// The four character classes of the complexity rule.
fn class_count(password: &str) -> usize {
    let tests: [fn(char) -> bool; 4] = [
        |c| c.is_lowercase(),
        |c| c.is_uppercase(),
        |c| c.is_ascii_digit(),
        |c| !c.is_alphanumeric(),
    ];
    tests
        .iter()
        .filter(|test| password.chars().any(test))
        .count()
}

/// Why `password` violates `domain`'s policy for a user `login` with `full_name`, if it does.
/// With complexity enabled: at least max(8, passwordMinimumLength) characters, 3 of 4 classes
/// (lower, upper, digit, other), and it must not contain the login name, the domain name, or
/// any part of the full name longer than 2 characters (case-insensitive). Without complexity
/// only a non-empty password is required. [V rules: GFI password policy; I details]
pub fn password_problem(
    domain: &Domain,
    login: &str,
    full_name: &str,
    password: &str,
) -> Option<String> {
    if password.is_empty() {
        return Some("the password must not be empty.".to_string());
    }
    if !domain.password_complexity_enabled {
        return None;
    }
    let minimum = COMPLEX_MIN_LENGTH.max(domain.password_minimum_length as usize);
    if password.chars().count() < minimum {
        return Some(format!("use at least {minimum} characters."));
    }
    if class_count(password) < 3 {
        return Some(
            "use at least three of: lower-case letters, upper-case letters, digits, other characters."
                .to_string(),
        );
    }
    let lowered = password.to_lowercase();
    if !login.is_empty() && lowered.contains(&login.to_lowercase()) {
        return Some("the password must not contain the user name.".to_string());
    }
    if lowered.contains(&domain.name.to_lowercase()) {
        return Some("the password must not contain the domain name.".to_string());
    }
    let name_part = full_name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| part.chars().count() > 2)
        .find(|part| lowered.contains(&part.to_lowercase()));
    name_part.map(|_| "the password must not contain a part of the user's full name.".to_string())
}

/// [`password_problem`] as a Kerio error.
pub fn check_password(
    domain: &Domain,
    login: &str,
    full_name: &str,
    password: &str,
) -> Result<(), KerioError> {
    match password_problem(domain, login, full_name, password) {
        Some(reason) => Err(errors::password_policy(&reason)),
        None => Ok(()),
    }
}

/// A random password that satisfies `domain`'s policy for any user.
pub fn generate_password(domain: &Domain) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@_";
    let length = 14.max(domain.password_minimum_length as usize);
    loop {
        let random = crate::state::random_hex(length);
        let bytes = hex::decode(random).unwrap_or_default();
        let candidate: String = bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect();
        if class_count(&candidate) == 4 && password_problem(domain, "", "", &candidate).is_none() {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain() -> Domain {
        Domain::new("example.com", true)
    }

    #[test]
    fn login_names() {
        assert!(check_login_name("john.doe-1_x").is_ok());
        assert!(check_login_name(".john").is_err());
        assert!(check_login_name("john.").is_err());
        assert!(check_login_name("jo hn").is_err());
        assert!(check_login_name("jöhn").is_err());
        assert!(check_login_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn complexity_rules() {
        let d = domain();
        assert!(password_problem(&d, "jdoe", "John Doe", "Xy7#abcd").is_none());
        assert!(password_problem(&d, "jdoe", "John Doe", "Xy7#abc").is_some());
        assert!(password_problem(&d, "jdoe", "John Doe", "xyz7abc#").is_none());
        assert!(password_problem(&d, "jdoe", "John Doe", "xyzwabcd").is_some());
        assert!(password_problem(&d, "jdoe", "John Doe", "Jdoe#1234").is_some());
        assert!(password_problem(&d, "jdoe", "John Doe", "Ex#example.com1").is_some());
        assert!(password_problem(&d, "jdoe", "John Doe", "Xjohn#123").is_some());
        assert!(password_problem(&d, "jdoe", "Al Do", "Al#Do1234").is_none());
    }

    #[test]
    fn generated_passwords_pass() {
        let d = domain();
        for _ in 0..20 {
            assert!(password_problem(&d, "", "", &generate_password(&d)).is_none());
        }
    }
}
