//! The mailbox an operation acts on, found by stored id or by address and checked by the
//! ownership rule ([`crate::ownership`]) before anything reads it out or writes it.
//!
//! Exchanges of the read (besides login and logout):
//! - with a stored `user_id`: one `Batch.run` (`Domains.get` of the address's domain + `Users.get`
//!   of the id in the domain the id names); a stale id (no such user) costs one more
//!   `Users.get` by address in the domain already read;
//! - by address: `Domains.get` + `Users.get`.

use super::stored_id::{self, StoredId};
use crate::address::Address;
use crate::error::Error;
use crate::ownership::{self, Claim};
use crate::session::{Kerio, Mailbox};
use serde::Deserialize;

use crate::de;

/// The mailbox an operation acts on, as the bridge sends it: embedded (`#[serde(flatten)]`, same
/// wire keys) in the args of every operation that changes or reveals a mailbox. No args struct
/// denies unknown keys, so flattening changes no accepted input.
#[derive(Debug, Deserialize)]
pub struct MailboxRef {
    /// The mailbox address.
    pub address: String,
    /// The WHMCS service asking (required): only its own mailbox is touched.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub service_id: Option<u64>,
    /// The domains the product sells; absent, `null` or empty = no domain restriction.
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
    /// The Kerio user id stored at create: a shortcut to the account, checked like any other.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub user_id: Option<String>,
    /// The WHMCS installation asking (its id, kept in WHMCS's settings): another installation's
    /// mark is refused (`other_installation`).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub installation: Option<String>,
}

impl MailboxRef {
    /// The checked target of operation `op`: address, claim and stored id parsed.
    pub fn target(&self, op: &str) -> Result<Target, Error> {
        Ok(Target {
            address: Address::parse(&self.address)?,
            claim: Claim::new(
                op,
                self.service_id,
                self.allowed_domains.as_deref(),
                self.installation.as_deref(),
            )?,
            stored: stored_id::parse(self.user_id.as_deref())?,
        })
    }
}

/// A parsed [`MailboxRef`].
#[derive(Debug)]
pub struct Target {
    /// The mailbox address.
    pub address: Address,
    /// Who asks, and the domains the product sells.
    pub claim: Claim,
    /// The stored user id, when given.
    pub stored: Option<StoredId>,
}

impl Target {
    /// The account at the target with `fields` (plus id, login, role and description), not yet
    /// checked; `None` when it does not exist.
    pub fn find(&self, kerio: &mut Kerio, fields: &[&str]) -> Result<Option<Mailbox>, Error> {
        let mut fields = fields.to_vec();
        fields.extend(ownership::FIELDS);
        let Some(stored) = &self.stored else {
            return kerio.mailbox(&self.address, &fields);
        };
        let (domain, user) =
            kerio.domain_and_user(self.address.domain(), &stored.domain, &stored.user, &fields)?;
        let Some(domain) = domain else {
            return Ok(None);
        };
        if domain.id != stored.domain && user.is_some() {
            return Err(stored_id::other_domain(&self.address.to_string()));
        }
        match user {
            Some(user) => Ok(Some(Mailbox {
                domain,
                id: stored.user.clone(),
                user,
            })),
            None => kerio.mailbox_in(&domain, &self.address, &fields),
        }
    }

    /// The target's mailbox if it is this service's, `None` when it does not exist; any other
    /// account is refused (`not_owned`).
    pub fn locate(&self, kerio: &mut Kerio, fields: &[&str]) -> Result<Option<Mailbox>, Error> {
        let Some(mailbox) = self.find(kerio, fields)? else {
            return Ok(None);
        };
        self.check(&mailbox)?;
        Ok(Some(mailbox))
    }

    /// As [`Target::locate`], a missing mailbox being `not_found`. A mark written before
    /// installations were recorded is brought up to date when the op succeeds
    /// ([`Kerio::defer_mark`]).
    pub fn existing(&self, kerio: &mut Kerio, fields: &[&str]) -> Result<Mailbox, Error> {
        let mailbox = self
            .locate(kerio, fields)?
            .ok_or_else(|| Error::mailbox_not_found(&self.address.to_string()))?;
        self.defer_mark(kerio, &mailbox);
        Ok(mailbox)
    }

    /// Has `kerio` bring `mailbox`'s mark (this service's) up to date when the op succeeds.
    pub fn defer_mark(&self, kerio: &mut Kerio, mailbox: &Mailbox) {
        if let Some(description) = self.claim.mark_update(mailbox.description()) {
            kerio.defer_mark(&mailbox.id, description);
        }
    }

    /// Refuses `mailbox` unless it is this service's.
    pub fn check(&self, mailbox: &Mailbox) -> Result<(), Error> {
        self.claim
            .require(&account_of(mailbox), &mailbox.domain.name, &mailbox.user)
    }
}

/// The address of the account `mailbox` is (its login in its domain).
pub fn account_of(mailbox: &Mailbox) -> String {
    let login = mailbox.user.login_name.as_deref().unwrap_or("");
    format!("{}@{}", login.to_ascii_lowercase(), mailbox.domain.name)
}
