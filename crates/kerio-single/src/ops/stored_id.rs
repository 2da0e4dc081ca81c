//! The Kerio user id the module stored at create (`user_id`): a shortcut to find a mailbox,
//! never a proof that it is the service's.
//!
//! Kerio ids look like `keriodb://user/<domain-uuid>/<user-uuid>` and the domain's id is
//! `keriodb://domain/<domain-uuid>` (reference §1 and §4.1, example ids), so the user can be read
//! by its id without first looking its domain up. With the id, an operation reads the address's
//! domain (for its id and password policy) and the user in one `Batch.run` exchange
//! ([`crate::session::Kerio::domain_and_user`]) and applies the ownership rule to that user.

use crate::error::Error;

/// How every Kerio user id begins.
const USER_ID_PREFIX: &str = "keriodb://user/";
/// How every Kerio domain id begins.
const DOMAIN_ID_PREFIX: &str = "keriodb://domain/";
/// Longest stored id accepted (two UUIDs and the prefix need about 90 characters).
const MAX_USER_ID_LENGTH: usize = 200;

/// A stored user id of the right shape, with the id of the domain it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredId {
    /// The user id, `keriodb://user/<domain-uuid>/<user-uuid>`.
    pub user: String,
    /// The id of its domain, `keriodb://domain/<domain-uuid>`.
    pub domain: String,
}

/// The stored user id, checked for the shape of a Kerio user id; `None` when none was given.
pub fn parse(given: Option<&str>) -> Result<Option<StoredId>, Error> {
    let Some(id) = given else {
        return Ok(None);
    };
    shape_of(id).map(Some).ok_or_else(|| {
        Error::invalid_input(
            format!("The stored Kerio user ID is not a Kerio user id (they look like {USER_ID_PREFIX}<domain>/<user>); nothing was changed."),
            "Empty the service's \"Kerio user ID\" field: the module then finds the mailbox by its address and records its id again.",
        )
    })
}

/// The parts of a well-formed user id.
fn shape_of(id: &str) -> Option<StoredId> {
    if id.len() > MAX_USER_ID_LENGTH || !id.chars().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    let (domain, user) = id.strip_prefix(USER_ID_PREFIX)?.split_once('/')?;
    if domain.is_empty() || user.is_empty() || user.contains('/') {
        return None;
    }
    Some(StoredId {
        user: id.to_string(),
        domain: format!("{DOMAIN_ID_PREFIX}{domain}"),
    })
}

/// The error for a stored id that names an account of another domain than the address's.
pub fn other_domain(address: &str) -> Error {
    Error::invalid_input(
        format!("The stored Kerio user ID names an account outside the domain of {address}; nothing was changed."),
        "Empty the service's \"Kerio user ID\" field (or correct it): the module then finds the mailbox by its address.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn only_kerio_user_ids_are_accepted_and_name_their_domain() {
        assert_eq!(parse(None).unwrap(), None);
        let id = parse(Some("keriodb://user/2f4c/9a1b")).unwrap().unwrap();
        assert_eq!(id.user, "keriodb://user/2f4c/9a1b");
        assert_eq!(id.domain, "keriodb://domain/2f4c");
        for bad in [
            "keriodb://user/",
            "keriodb://user/2f4c",
            "keriodb://user/2f4c/",
            "keriodb://user//9a1b",
            "keriodb://user/a/b/c",
            "keriodb://domain/2f4c",
            "42",
            "keriodb://user/a b/c",
            &format!("keriodb://user/a/{}", "x".repeat(200)),
        ] {
            let error = parse(Some(bad)).unwrap_err();
            assert_eq!(error.code, Code::InvalidInput, "{bad}");
            assert!(error.hint.contains("Kerio user ID"), "{bad}");
        }
    }
}
