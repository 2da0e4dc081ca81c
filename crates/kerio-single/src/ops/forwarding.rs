//! Forwarding that would lead back: a target that is a mailbox of the same Kerio server whose own
//! forwarding already points at this mailbox (one level: A→B while B→A). Each would send every
//! message back and forth (and, with copies kept, fill both mailboxes).
//!
//! Kerio stores forwarding on the user (`emailForwarding {mode, emailAddresses}`), so the holders
//! of the targets are read with their forwarding: one `Users.get` per domain of this server that a
//! target is in (the mailbox's own domain is known from its read); targets in other domains cost
//! one `Domains.get` first, which also tells which of them are on this server at all.

use super::account::full_alias;
use crate::address::Address;
use crate::error::Error;
use crate::session::{DomainInfo, Kerio, Mailbox};
use kerio_api::{Combining, Comparator, SearchQuery, User};

/// Kerio forwarding mode: no forwarding.
const FORWARD_NONE: &str = "UForwardNone";
/// The user fields the check reads.
const FIELDS: &[&str] = &["id", "loginName", "emailAddresses", "emailForwarding"];

/// Refuses `targets` when one of them is a mailbox of this server that forwards to `own` (the
/// mailbox's address and aliases, full lower-case addresses). Nothing is asked of Kerio when
/// `targets` is empty.
pub fn require_none_forwards_back(
    kerio: &mut Kerio,
    mailbox: &Mailbox,
    own: &[String],
    targets: &[String],
) -> Result<(), Error> {
    let addresses: Vec<Address> = targets
        .iter()
        .filter_map(|t| Address::parse(t).ok())
        .collect();
    for domain in server_domains(kerio, &mailbox.domain, &addresses)? {
        let locals: Vec<&str> = addresses
            .iter()
            .filter(|address| address.domain() == domain.name)
            .map(Address::local)
            .collect();
        for user in holders(kerio, &domain, &locals)? {
            if user.id.as_deref() == Some(mailbox.id.as_str()) {
                continue;
            }
            if let Some(target) = forwards_back(&user, own) {
                return Err(loop_error(&user, &domain, &target));
            }
        }
    }
    Ok(())
}

/// The domains of this server that hold a target: the mailbox's own without asking, the others
/// with one `Domains.get` (none when every target is in the mailbox's domain).
fn server_domains(
    kerio: &mut Kerio,
    own: &DomainInfo,
    addresses: &[Address],
) -> Result<Vec<DomainInfo>, Error> {
    let mut domains = Vec::new();
    if addresses.iter().any(|a| a.domain() == own.name) {
        domains.push(own.clone());
    }
    let mut others: Vec<&str> = addresses
        .iter()
        .map(Address::domain)
        .filter(|name| *name != own.name)
        .collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        domains.extend(kerio.domains(&others)?);
    }
    Ok(domains)
}

/// The users of `domain` holding one of `locals` as login or alias, with their forwarding: one
/// `Users.get`.
fn holders(kerio: &mut Kerio, domain: &DomainInfo, locals: &[&str]) -> Result<Vec<User>, Error> {
    let query = locals
        .iter()
        .fold(SearchQuery::new().fields(FIELDS), |query, local| {
            query
                .condition("loginName", Comparator::Eq, *local)
                .condition("emailAddresses", Comparator::Eq, *local)
                .condition(
                    "emailAddresses",
                    Comparator::Eq,
                    format!("{local}@{}", domain.name),
                )
        })
        .combining(Combining::Or);
    Ok(kerio.client().users_get(&domain.id, &query)?.list)
}

/// The first of the user's forwarding targets that is one of `own`, when it forwards at all.
fn forwards_back(user: &User, own: &[String]) -> Option<String> {
    let forwarding = user.email_forwarding.as_ref()?;
    if forwarding.mode.is_empty() || forwarding.mode == FORWARD_NONE {
        return None;
    }
    forwarding
        .email_addresses
        .iter()
        .map(|target| target.trim().to_ascii_lowercase())
        .find(|target| own.contains(target))
}

/// The refusal: the customer learns that forwarding already set on the server would send the
/// mail back; only staff learn which mailbox (`admin_detail`).
fn loop_error(user: &User, domain: &DomainInfo, back_to: &str) -> Error {
    let holder = full_alias(user.login_name.as_deref().unwrap_or(""), &domain.name);
    Error::invalid_input(
        "Forwarding there would send the mail back to this mailbox: that address already forwards here (a loop).",
        "Remove that address from the forwarding addresses.",
    )
    .with_admin_detail(format!(
        "For staff: the mailbox {holder} forwards to {back_to}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerio_api::EmailForwarding;

    fn forwarding(mode: &str, to: &[&str]) -> User {
        User {
            email_forwarding: Some(EmailForwarding {
                mode: mode.to_string(),
                email_addresses: to.iter().map(|t| t.to_string()).collect(),
            }),
            ..User::default()
        }
    }

    #[test]
    fn only_active_forwarding_to_an_own_address_leads_back() {
        let own = vec![
            "jane@example.com".to_string(),
            "sales@example.com".to_string(),
        ];
        assert_eq!(
            forwards_back(
                &forwarding("UForwardDeliver", &["x@y.net", "Sales@Example.com"]),
                &own
            ),
            Some("sales@example.com".to_string())
        );
        assert!(forwards_back(&forwarding("UForwardYes", &["jane@example.com"]), &own).is_some());
        assert_eq!(
            forwards_back(&forwarding(FORWARD_NONE, &["jane@example.com"]), &own),
            None
        );
        assert_eq!(
            forwards_back(&forwarding("UForwardYes", &["x@y.net"]), &own),
            None
        );
        assert_eq!(forwards_back(&User::default(), &own), None);
    }
}
