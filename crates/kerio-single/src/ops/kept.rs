//! `purge_kept`: deletes the mail store Kerio kept when a mailbox was terminated with mode
//! `keep` (`Users.remove` with `UDeleteUser`), so the address can go to a new customer.
//!
//! Kerio's administration API has no call that lists or deletes a kept store; Kerio re-attaches
//! it to the next user created with the same login in that domain (docs/emulator.md). The purge
//! therefore re-creates that user — a plain user, disabled, with a random password nobody
//! learns and a description marking it as a purge — and removes it together with its folder
//! (`UDeleteFolder`). It never deletes a mailbox that exists: when anything holds the address
//! (a user of that login, someone's alias, a group, a mailing list), nothing is done
//! (`already_taken`). The one exception is a purge user left behind by an interrupted purge of
//! the same service, recognised by its mark: it is removed with its folder.

use super::account;
use super::collisions;
use super::Context;
use crate::address::Address;
use crate::de;
use crate::error::{Code, Error};
use crate::session::{DomainInfo, Kerio};
use kerio_api::{RemovalMethod, RemovalMode, RemovalRequest, Secret, User};
use serde::{Deserialize, Serialize};
use std::io::Read;

/// Arguments of `purge_kept`.
#[derive(Debug, Deserialize)]
pub struct PurgeArgs {
    /// The address whose kept mail is deleted.
    pub address: String,
    /// The WHMCS service whose terminate kept the mail (written into the purge user's mark).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub service_id: Option<u64>,
}

/// Result of `purge_kept`.
#[derive(Debug, Serialize)]
pub struct PurgeResult {
    /// The address, lower-case; free on Kerio now.
    pub address: String,
    /// Always `true`: the purge user was created (taking the kept store, if any) and removed
    /// with its folder.
    pub purged: bool,
    /// `true` when a purge user of an earlier, interrupted purge was found and removed.
    pub resumed: bool,
}

/// Length of the purge user's random password (longer when the domain's policy asks for more).
const PASSWORD_LENGTH: usize = 32;
/// Longest password Kerio is asked to take (the engine's `password_max_length` rule).
const PASSWORD_MAX_LENGTH: usize = 128;
/// Characters of the purge user's password: every class Kerio's complexity rule counts.
const PASSWORD_ALPHABET: &[u8] =
    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?";

/// The description that marks a purge user of the kept mail of `service_id`. It deliberately
/// does not carry the ownership mark (`WHMCS service #N`): no service may act on it.
pub fn purge_mark(service_id: u64) -> String {
    format!("kerioSingle purge of kept mail (terminated service {service_id})")
}

/// `purge_kept`: re-creates the address's user (taking Kerio's kept store) and removes it with
/// its folder. Login, `Domains.get`, `Server.findEntityByEmail`, `Users.create`,
/// `Users.remove`, logout: 6 exchanges (one `Users.get` more to resume an interrupted purge).
pub fn purge_kept(context: &mut Context, args: PurgeArgs) -> Result<PurgeResult, Error> {
    let service_id = args.service_id.ok_or_else(|| {
        Error::invalid_request("purge_kept needs `service_id` (the terminated WHMCS service).")
    })?;
    let address = Address::parse(&args.address)?;
    let mark = purge_mark(service_id);
    context.session(|kerio| {
        let domain = kerio.domain(address.domain())?.ok_or_else(|| {
            Error::new(
                Code::NotFound,
                format!(
                    "The domain {} does not exist on the Kerio server; no kept mail can be there.",
                    address.domain()
                ),
                "Check the server the terminated service used.",
            )
        })?;
        let holders = collisions::holders(kerio, &domain, &[&address])?;
        let (user_id, resumed) = if holders.is_empty() {
            (create_purge_user(kerio, &domain, &address, &mark)?, false)
        } else {
            (
                leftover_purge_user(kerio, &domain, &address, &mark, &holders)?,
                true,
            )
        };
        kerio.client().users_remove(&[RemovalRequest {
            user_id,
            method: RemovalMethod::UDeleteFolder,
            remove_references: true,
            target_user_id: String::new(),
            mode: RemovalMode::DSModeDelete,
        }])?;
        Ok(PurgeResult {
            address: address.to_string(),
            purged: true,
            resumed,
        })
    })
}

/// Creates the disabled, marked purge user; Kerio gives it the kept store. A user of that login
/// created between the check and this call makes Kerio refuse, and nothing is removed.
fn create_purge_user(
    kerio: &mut Kerio,
    domain: &DomainInfo,
    address: &Address,
    mark: &str,
) -> Result<String, Error> {
    let length = PASSWORD_LENGTH.max(domain.min_length.min(PASSWORD_MAX_LENGTH));
    let user = User {
        domain_id: Some(domain.id.clone()),
        login_name: Some(address.local().to_string()),
        description: Some(mark.to_string()),
        is_enabled: Some(false),
        auth_type: Some("UInternalAuth".to_string()),
        password: Some(random_password(length, address)?),
        allow_password_change: Some(false),
        role: Some(account::plain_role()),
        ..User::default()
    };
    account::created_id(kerio.client().users_create(&[user])?)
}

/// The id of a purge user an interrupted purge left (only holder, that login, this purge's
/// mark); anything else holding the address refuses the purge.
fn leftover_purge_user(
    kerio: &mut Kerio,
    domain: &DomainInfo,
    address: &Address,
    mark: &str,
    holders: &[kerio_api::Entity],
) -> Result<String, Error> {
    let refusal = || in_use(address, &collisions::holders_phrase(holders));
    if holders.len() != 1 || !collisions::held_by_login(holders, address) {
        return Err(refusal());
    }
    match kerio.mailbox_in(domain, address, &["description"])? {
        Some(existing) if existing.description() == mark => Ok(existing.id),
        _ => Err(refusal()),
    }
}

/// The refusal when the address is in use: nothing is deleted.
fn in_use(address: &Address, holders: &str) -> Error {
    Error::new(
        Code::AlreadyTaken,
        format!("The kept mail of {address} was not purged: the address is in use ({holders}), and purging would delete that mailbox's mail. Nothing was deleted."),
        "A mailbox created with that name has been given the kept mail by Kerio. Release the address in WHMCS only when you know whose mailbox it is; the purge can run again once the address is free.",
    )
}

/// A random password of `length` characters from [`PASSWORD_ALPHABET`], without the first
/// character of the login and of the domain (either case), so it can never contain either
/// (Kerio's complexity rule), and with upper case, lower case, a digit and a symbol.
fn random_password(length: usize, address: &Address) -> Result<Secret, Error> {
    let banned = [address.local(), address.domain()]
        .map(|part| part.bytes().next().unwrap_or(b' ').to_ascii_lowercase());
    let alphabet: Vec<u8> = PASSWORD_ALPHABET
        .iter()
        .copied()
        .filter(|c| !banned.contains(&c.to_ascii_lowercase()))
        .collect();
    let mut bytes = vec![0u8; length];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut source| source.read_exact(&mut bytes))
        .map_err(|error| {
            Error::new(
                Code::InvalidRequest,
                format!("No random numbers for the purge user's password: {error}."),
                "The engine reads /dev/urandom; run it on a Linux system that provides it.",
            )
        })?;
    let mut password: String = bytes
        .iter()
        .map(|byte| char::from(alphabet[usize::from(*byte) % alphabet.len()]))
        .collect();
    // One of each class at the end, whatever the random part holds ('t'/'T', '7' and '!' are
    // never banned together: a login and a domain have one first character each).
    for class in [b"Tt7!".as_slice(), b"Qq8#".as_slice()] {
        let pick = class
            .iter()
            .filter(|c| !banned.contains(&c.to_ascii_lowercase()));
        password.extend(pick.map(|c| char::from(*c)));
    }
    Ok(Secret::new(password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ownership;

    #[test]
    fn the_purge_password_never_contains_the_login_or_the_domain() {
        for text in [
            "t@tq.example",
            "a@a.example",
            "q@7.example",
            "!x@example.com",
        ] {
            let Ok(address) = Address::parse(text) else {
                continue;
            };
            let password = random_password(PASSWORD_LENGTH, &address).unwrap();
            let lower = password.expose().to_ascii_lowercase();
            assert!(!lower.contains(address.local()), "{text}: {lower}");
            assert!(!lower.contains(address.domain()), "{text}");
            let has = |class: fn(&u8) -> bool| password.expose().bytes().any(|c| class(&c));
            let classes = [
                has(u8::is_ascii_uppercase),
                has(u8::is_ascii_lowercase),
                has(u8::is_ascii_digit),
                has(|c| !c.is_ascii_alphanumeric()),
            ];
            assert!(classes.iter().filter(|ok| **ok).count() >= 3, "{text}");
            assert!(password.expose().len() >= PASSWORD_LENGTH);
        }
    }

    #[test]
    fn two_purge_passwords_differ() {
        let address = Address::parse("oldie@example.com").unwrap();
        let first = random_password(PASSWORD_LENGTH, &address).unwrap();
        let second = random_password(PASSWORD_LENGTH, &address).unwrap();
        assert_ne!(first.expose(), second.expose());
    }

    #[test]
    fn the_purge_mark_is_no_ownership_mark() {
        assert_eq!(ownership::service_of(&purge_mark(50)), None);
        assert!(purge_mark(50).contains("50"));
    }
}
