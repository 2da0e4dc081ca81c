//! `aliases`: list, add and remove the additional addresses of this service's mailbox.
//!
//! Kerio keeps them in the user's `emailAddresses` (the primary `login@domain` is not listed;
//! reference §4.1). Every rule is checked before anything is written: an alias obeys the
//! mailbox-name rules and reserved names, is in the mailbox's domain, is not the mailbox's own
//! address, stays within the product's limit, and is held by nothing else on the server (Kerio
//! accepts duplicates silently, so `Server.findEntityByEmail` is asked before adding).
//!
//! Exchanges: login, the read (with the ownership check), `Server.findEntityByEmail` only when
//! something is added, `Users.set` only when the list changes, logout — at most 5 with a stored
//! `user_id`, 4 without an addition.

use super::account::{full_alias, require_allowed_name, set_user};
use super::collisions;
use super::target::MailboxRef;
use super::Context;
use crate::address::Address;
use crate::de;
use crate::error::{quote, Code, Error};
use kerio_api::User;
use serde::{Deserialize, Serialize};

/// Arguments of `aliases`.
#[derive(Debug, Deserialize)]
pub struct AliasArgs {
    /// The mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// Aliases to add: local parts, or full addresses in the mailbox's domain.
    #[serde(default)]
    pub add: Option<Vec<String>>,
    /// Aliases to remove (same forms).
    #[serde(default)]
    pub remove: Option<Vec<String>>,
    /// The most aliases the service may have (absent = no limit).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub max_aliases: Option<u64>,
    /// Reserved mailbox names replacing the default list.
    #[serde(default)]
    pub reserved_localparts: Option<Vec<String>>,
}

/// Result of `aliases`.
#[derive(Debug, Serialize)]
pub struct AliasResult {
    /// The mailbox address.
    pub address: String,
    /// Its aliases now, full lower-case addresses, sorted.
    pub aliases: Vec<String>,
    /// Whether the list was written.
    pub changed: bool,
    /// The Kerio user id of the mailbox.
    pub user_id: String,
}

/// `aliases`: the mailbox's aliases after adding `add` and removing `remove` (both optional).
pub fn aliases(context: &mut Context, args: AliasArgs) -> Result<AliasResult, Error> {
    let target = args.mailbox.target("aliases")?;
    let mailbox_address = &target.address;
    let adds = parse_aliases(args.add.as_deref(), mailbox_address)?;
    for alias in &adds {
        require_allowed_name(alias, &args.reserved_localparts)?;
    }
    let removes = parse_aliases(args.remove.as_deref(), mailbox_address)?;
    context.session(|kerio| {
        let mailbox = target.existing(kerio, &["emailAddresses"])?;
        let domain = &mailbox.domain;
        let current = mailbox.user.email_addresses.clone().unwrap_or_default();
        let is_listed = |alias: &Address, list: &[String]| {
            list.iter()
                .any(|entry| full_alias(entry, &domain.name) == alias.to_string())
        };
        let new: Vec<&Address> = adds.iter().filter(|a| !is_listed(a, &current)).collect();
        let mut kept: Vec<String> = current
            .iter()
            .filter(|entry| {
                !removes
                    .iter()
                    .any(|r| full_alias(entry, &domain.name) == r.to_string())
            })
            .cloned()
            .collect();
        require_within_limit(kept.len() + new.len(), args.max_aliases, &new)?;
        if !new.is_empty() {
            let holders = collisions::holders(kerio, domain, &new)?;
            let login = mailbox.user.login_name.as_deref().unwrap_or("");
            let others: Vec<_> = holders
                .into_iter()
                .filter(|h| !(h.kind == "EntityUser" && h.name.eq_ignore_ascii_case(login)))
                .collect();
            if !others.is_empty() {
                let taken = &others[0].collision_address;
                return Err(Error::already_taken(
                    taken,
                    &collisions::holders_phrase(&others),
                ));
            }
        }
        kept.extend(new.iter().map(|alias| alias.local().to_string()));
        let changed = kept != current;
        if changed {
            let pattern = User {
                email_addresses: Some(kept.clone()),
                ..User::default()
            };
            set_user(kerio, &mailbox.id, &pattern)?;
        }
        let mut aliases: Vec<String> = kept.iter().map(|a| full_alias(a, &domain.name)).collect();
        aliases.sort();
        Ok(AliasResult {
            address: mailbox_address.to_string(),
            aliases,
            changed,
            user_id: mailbox.id,
        })
    })
}

/// The aliases named in `given`, as addresses in the mailbox's domain, without repeats; a
/// malformed one, one of another domain, or the mailbox's own address is `invalid_input`.
fn parse_aliases(given: Option<&[String]>, mailbox: &Address) -> Result<Vec<Address>, Error> {
    let mut parsed: Vec<Address> = Vec::new();
    for text in given.unwrap_or(&[]) {
        let alias = if text.contains('@') {
            Address::parse(text)?
        } else {
            Address::from_parts(text, mailbox.domain())?
        };
        if alias.domain() != mailbox.domain() {
            return Err(Error::invalid_input(
                format!(
                    "The alias {} is not in the mailbox's domain {}.",
                    quote(text),
                    mailbox.domain()
                ),
                format!(
                    "Give the alias as a name in {} (e.g. sales).",
                    mailbox.domain()
                ),
            ));
        }
        if &alias == mailbox {
            return Err(Error::invalid_input(
                format!("{alias} is the mailbox's own address, not an alias."),
                "Choose another name for the alias.",
            ));
        }
        if !parsed.contains(&alias) {
            parsed.push(alias);
        }
    }
    Ok(parsed)
}

/// Refuses more than `limit` aliases in all when `adding` any.
fn require_within_limit(
    total: usize,
    limit: Option<u64>,
    adding: &[&Address],
) -> Result<(), Error> {
    let Some(limit) = limit else {
        return Ok(());
    };
    let total = u64::try_from(total).unwrap_or(u64::MAX);
    if adding.is_empty() || total <= limit {
        return Ok(());
    }
    Err(Error::new(
        Code::LimitReached,
        format!("This mailbox may have at most {limit} aliases; nothing was added."),
        "Remove an alias first, or upgrade the service to allow more aliases.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_names_in_the_mailboxs_domain() {
        let mailbox = Address::parse("jdoe@example.com").unwrap();
        let parsed = parse_aliases(
            Some(&[
                "Sales".into(),
                "sales@EXAMPLE.com".into(),
                "info@example.com".into(),
            ]),
            &mailbox,
        )
        .unwrap();
        let shown: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["sales@example.com", "info@example.com"]);
        for bad in [
            "x@example.org",
            "jdoe",
            "JDoe@example.com",
            "a b",
            "<b>",
            "a\r\nb",
        ] {
            let error = parse_aliases(Some(&[bad.to_string()]), &mailbox).unwrap_err();
            assert_eq!(error.code, Code::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn the_limit_only_stops_additions() {
        let alias = Address::parse("a@example.com").unwrap();
        assert!(require_within_limit(3, Some(3), &[&alias]).is_ok());
        let error = require_within_limit(4, Some(3), &[&alias]).unwrap_err();
        assert_eq!(error.code, Code::LimitReached);
        assert!(require_within_limit(4, Some(3), &[]).is_ok());
        assert!(require_within_limit(40, None, &[&alias]).is_ok());
    }
}
