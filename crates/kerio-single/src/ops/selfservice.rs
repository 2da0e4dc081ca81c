//! Customer self-service on the service's own mailbox: aliases (Kerio `emailAddresses`) and
//! forwarding (Kerio `emailForwarding`).
//!
//! Every rule is checked before anything is written, and every op first reads the mailbox through
//! the ownership rule ([`super::target`]), so only the service's own mailbox is ever changed.
//! Exchanges with a stored `user_id`: login, `Batch.run` (read + check), `Users.set` (only when
//! something changes), logout = at most 4; `add_alias` asks `Server.findEntityByEmail` before
//! writing, at most 5. By address the read is `Domains.get` + `Users.get` (one more).
//! `set_forwarding` to new targets also reads who holds them ([`super::forwarding`]): one
//! `Users.get` per domain of this server a target is in, plus one `Domains.get` when a target is
//! in another domain than the mailbox's.

use super::passwords;
use super::target::MailboxRef;
use super::Context;
use crate::address::Address;
use crate::de;
use crate::error::{quote, Code, Error};
use crate::rules;
use crate::session::{Kerio, Mailbox};
use kerio_api::{EmailForwarding, User};
use serde::{Deserialize, Serialize};

/// Kerio forwarding mode: no forwarding.
const FORWARD_NONE: &str = "UForwardNone";
/// Kerio forwarding mode: forward only (no copy kept).
const FORWARD_ONLY: &str = "UForwardYes";
/// Kerio forwarding mode: keep a copy and forward.
const FORWARD_KEEP_COPY: &str = "UForwardDeliver";
/// Most aliases or forwarding addresses a limit may allow.
pub const MAX_LIST_LIMIT: u64 = 1000;
/// Default number of forwarding addresses when the product sets none.
const DEFAULT_FORWARD_TARGETS: u64 = 5;
/// The user fields the self-service ops read.
const FIELDS: &[&str] = &[
    "loginName",
    "emailAddresses",
    "emailForwarding",
    "isEnabled",
];

/// Arguments of `aliases`, `add_alias` and `remove_alias`.
#[derive(Debug, Deserialize)]
pub struct AliasArgs {
    /// The service's mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// The alias: a local part, or a full address in the mailbox's domain (add/remove only).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub alias: Option<String>,
    /// The service's alias limit (add only; required there).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub max_aliases: Option<u64>,
    /// Reserved mailbox names replacing the default list.
    #[serde(default)]
    pub reserved_localparts: Option<Vec<String>>,
}

/// Arguments of `set_forwarding`.
#[derive(Debug, Deserialize)]
pub struct ForwardArgs {
    /// The service's mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// Target addresses; empty = forwarding off.
    #[serde(default)]
    pub to: Vec<String>,
    /// Keep a copy in the mailbox (default yes).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub keep_copy: Option<bool>,
    /// The product's limit of target addresses (default 5).
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub max_targets: Option<u64>,
}

/// Result of every self-service op: the mailbox's aliases and forwarding after it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SelfServiceResult {
    /// The mailbox address.
    pub address: String,
    /// Its aliases as full lower-case addresses.
    pub aliases: Vec<String>,
    /// Forwarding targets (empty = off).
    pub forward_to: Vec<String>,
    /// Whether a copy stays in the mailbox while forwarding.
    pub keep_copy: bool,
    /// `active` or `suspended` (Kerio does not forward for a suspended user).
    pub status: &'static str,
    /// Whether Kerio was changed.
    pub changed: bool,
    /// The Kerio user id.
    pub user_id: String,
    /// `set_forwarding` only: the targets before the op (empty = forwarding was off), for the
    /// activity log's "from … to …".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_to_before: Option<Vec<String>>,
}

/// `aliases`: the mailbox's aliases and forwarding, read only.
pub fn aliases(context: &mut Context, args: AliasArgs) -> Result<SelfServiceResult, Error> {
    let target = args.mailbox.target("aliases")?;
    let mailbox = context.session(|kerio| target.existing(kerio, FIELDS))?;
    Ok(describe(&target.address, mailbox, false))
}

/// `add_alias`: adds an alias in the mailbox's domain; success without change when it already is
/// the mailbox's.
pub fn add_alias(context: &mut Context, args: AliasArgs) -> Result<SelfServiceResult, Error> {
    let target = args.mailbox.target("add_alias")?;
    let limit = list_limit("max_aliases", args.max_aliases)?;
    let alias = alias_address(args.alias.as_deref(), &target.address)?;
    require_alias_name(&alias, &args.reserved_localparts)?;
    context.session(|kerio| {
        let mailbox = target.existing(kerio, FIELDS)?;
        let mut aliases = aliases_of(&mailbox);
        let wanted = alias.to_string();
        if wanted == target.address.to_string() || aliases.contains(&wanted) {
            return Ok(describe(&target.address, mailbox, false));
        }
        if aliases.len() as u64 >= limit {
            return Err(alias_limit_reached(aliases.len() as u64, limit));
        }
        require_free(kerio, &mailbox, &alias)?;
        aliases.push(wanted);
        write_aliases(kerio, &target.address, mailbox, aliases)
    })
}

/// `remove_alias`: removes an alias; success with `changed:false` when it is not there.
pub fn remove_alias(context: &mut Context, args: AliasArgs) -> Result<SelfServiceResult, Error> {
    let target = args.mailbox.target("remove_alias")?;
    let alias = alias_address(args.alias.as_deref(), &target.address)?.to_string();
    context.session(|kerio| {
        let mailbox = target.existing(kerio, FIELDS)?;
        let aliases = aliases_of(&mailbox);
        if !aliases.contains(&alias) {
            return Ok(describe(&target.address, mailbox, false));
        }
        let kept = aliases.into_iter().filter(|held| *held != alias).collect();
        write_aliases(kerio, &target.address, mailbox, kept)
    })
}

/// Result of `trim_aliases`: the mailbox after it and the aliases it removed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TrimResult {
    /// The mailbox's aliases and forwarding after the trim.
    #[serde(flatten)]
    pub mailbox: SelfServiceResult,
    /// The aliases removed, newest first.
    pub removed: Vec<String>,
}

/// `trim_aliases`: removes the aliases above `max_aliases`, newest first. Newest = last in Kerio's
/// `emailAddresses`: `add_alias` appends there and Kerio keeps the order it was given, so the
/// aliases kept are the oldest ones. Success with `changed:false` when within the limit.
pub fn trim_aliases(context: &mut Context, args: AliasArgs) -> Result<TrimResult, Error> {
    let target = args.mailbox.target("trim_aliases")?;
    let limit = list_limit("max_aliases", args.max_aliases)?;
    context.session(|kerio| {
        let mailbox = target.existing(kerio, FIELDS)?;
        let mut kept = aliases_of(&mailbox);
        let keep = usize::try_from(limit).unwrap_or(usize::MAX);
        if kept.len() <= keep {
            let mailbox = describe(&target.address, mailbox, false);
            return Ok(TrimResult {
                mailbox,
                removed: Vec::new(),
            });
        }
        let mut removed = kept.split_off(keep);
        removed.reverse();
        let mailbox = write_aliases(kerio, &target.address, mailbox, kept)?;
        Ok(TrimResult { mailbox, removed })
    })
}

/// How many forwarding targets a plan pays for: `None` (forwarding untouched) without `offered`,
/// 0 when it offers none, else `max_targets` (default 5, at most [`MAX_LIST_LIMIT`]).
pub(super) fn plan_forward_targets(
    offered: Option<bool>,
    max_targets: Option<u64>,
) -> Result<Option<u64>, Error> {
    match offered {
        None => Ok(None),
        Some(false) => Ok(Some(0)),
        Some(true) => list_limit(
            "max_forward_targets",
            Some(max_targets.unwrap_or(DEFAULT_FORWARD_TARGETS)),
        )
        .map(Some),
    }
}

/// The mailbox's forwarding cut to the first `keep` targets (off when none is left), and the
/// targets dropped; `None` when it already is within `keep`.
pub(super) fn forwarding_within(
    mailbox: &Mailbox,
    keep: u64,
) -> Option<(EmailForwarding, Vec<String>)> {
    let current = forwarding_of(mailbox);
    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    if current.email_addresses.len() <= keep {
        return None;
    }
    let mut kept = current.email_addresses;
    let dropped = kept.split_off(keep);
    let mode = if kept.is_empty() {
        FORWARD_NONE.to_string()
    } else {
        current.mode
    };
    Some((
        EmailForwarding {
            mode,
            email_addresses: kept,
        },
        dropped,
    ))
}

/// The mailbox's forwarding targets (empty = off).
pub(super) fn forward_targets_of(mailbox: &Mailbox) -> Vec<String> {
    forwarding_of(mailbox).email_addresses
}

/// `set_forwarding`: forwards to `to` (keeping a copy or not); an empty list turns forwarding off.
pub fn set_forwarding(
    context: &mut Context,
    args: ForwardArgs,
) -> Result<SelfServiceResult, Error> {
    let target = args.mailbox.target("set_forwarding")?;
    let limit = list_limit(
        "max_targets",
        Some(args.max_targets.unwrap_or(DEFAULT_FORWARD_TARGETS)),
    )?;
    let targets = forwarding_targets(&args.to, limit)?;
    let wanted = EmailForwarding {
        mode: forwarding_mode(&targets, args.keep_copy.unwrap_or(true)).to_string(),
        email_addresses: targets,
    };
    context.session(|kerio| {
        let mailbox = target.existing(kerio, FIELDS)?;
        let mut own = aliases_of(&mailbox);
        require_no_loop(&wanted.email_addresses, &target.address, &own)?;
        let before = forwarding_of(&mailbox).email_addresses;
        if forwarding_of(&mailbox) == wanted {
            return Ok(SelfServiceResult {
                forward_to_before: Some(before),
                ..describe(&target.address, mailbox, false)
            });
        }
        own.push(target.address.to_string());
        super::forwarding::require_none_forwards_back(
            kerio,
            &mailbox,
            &own,
            &wanted.email_addresses,
        )?;
        let pattern = User {
            email_forwarding: Some(wanted.clone()),
            ..User::default()
        };
        super::account::set_user(kerio, &mailbox.id, &pattern)?;
        let mut mailbox = mailbox;
        mailbox.user.email_forwarding = Some(wanted);
        Ok(SelfServiceResult {
            forward_to_before: Some(before),
            ..describe(&target.address, mailbox, true)
        })
    })
}

/// A limit argument as a number up to [`MAX_LIST_LIMIT`]; `None` is `invalid_request`.
fn list_limit(name: &str, value: Option<u64>) -> Result<u64, Error> {
    let value = value.ok_or_else(|| {
        Error::invalid_request(format!(
            "This op needs `{name}` (the service's limit, 0 = none)."
        ))
    })?;
    if value > MAX_LIST_LIMIT {
        return Err(Error::invalid_input(
            format!("A limit of {value} is larger than the supported {MAX_LIST_LIMIT}."),
            format!("Set `{name}` to at most {MAX_LIST_LIMIT}."),
        ));
    }
    Ok(value)
}

/// The alias as a full address: a bare local part gets the mailbox's domain; a full address must
/// be in that domain.
fn alias_address(alias: Option<&str>, mailbox: &Address) -> Result<Address, Error> {
    let alias = alias.map(str::trim).unwrap_or("");
    if alias.is_empty() {
        return Err(Error::invalid_input(
            "No alias was given.",
            "Enter the part before the @ of the alias, e.g. sales.",
        ));
    }
    let parsed = if alias.contains('@') {
        Address::parse(alias)
    } else {
        Address::from_parts(alias, mailbox.domain())
    }
    .map_err(|_| {
        Error::invalid_input(
            format!("The alias {} is not a valid address.", quote(alias)),
            "Use letters, digits, dots, hyphens and underscores before the @.",
        )
    })?;
    if parsed.domain() != mailbox.domain() {
        return Err(Error::invalid_input(
            format!(
                "The alias {} is not in the mailbox's domain {}.",
                quote(alias),
                mailbox.domain()
            ),
            format!("Aliases must end in @{}.", mailbox.domain()),
        ));
    }
    Ok(parsed)
}

/// The mailbox-name rules and reserved names apply to aliases too.
fn require_alias_name(alias: &Address, reserved: &Option<Vec<String>>) -> Result<(), Error> {
    let failures = rules::failures(
        &rules::localpart_rules(&passwords::reserved_names(reserved)),
        alias.local(),
    );
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!("The alias {} cannot be used.", quote(alias.local())),
        format!("{}.", failures.join("; ")),
    ))
}

/// Refuses an alias any other account, alias, group or mailing list on the server already uses
/// (Kerio may accept duplicates silently, so `Server.findEntityByEmail` is asked first).
fn require_free(kerio: &mut Kerio, mailbox: &Mailbox, alias: &Address) -> Result<(), Error> {
    let holders = kerio
        .client()
        .find_entity_by_email(&[alias.local().to_string()], &mailbox.domain.id)?;
    let holders: Vec<_> = holders
        .into_iter()
        .filter(|holder| !holder.is_pattern)
        .collect();
    if holders.is_empty() {
        return Ok(());
    }
    let mut error = Error::already_taken(
        &alias.to_string(),
        &super::collisions::holders_phrase(&holders),
    );
    error.hint = "Choose another alias.".to_string();
    Err(error)
}

/// Writes the alias list and reports the result.
fn write_aliases(
    kerio: &mut Kerio,
    address: &Address,
    mut mailbox: Mailbox,
    aliases: Vec<String>,
) -> Result<SelfServiceResult, Error> {
    let pattern = User {
        email_addresses: Some(aliases.clone()),
        ..User::default()
    };
    super::account::set_user(kerio, &mailbox.id, &pattern)?;
    mailbox.user.email_addresses = Some(aliases);
    Ok(describe(address, mailbox, true))
}

/// Checks the targets: each a valid address, no duplicates, at most `limit`.
fn forwarding_targets(given: &[String], limit: u64) -> Result<Vec<String>, Error> {
    let mut targets: Vec<String> = Vec::new();
    for text in given.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let address = Address::parse(text).map_err(|_| {
            Error::invalid_input(
                format!("The forwarding address {} is not valid.", quote(text)),
                "Enter full addresses like name@example.net, separated by commas.",
            )
        })?;
        if let Some(problem) = crate::address::forward_domain_problem(address.domain()) {
            return Err(Error::invalid_input(
                format!(
                    "The forwarding address {address} cannot be used: its domain is {problem}."
                ),
                "Forward to a full address in a public domain, e.g. name@example.net.",
            ));
        }
        let address = address.to_string();
        if targets.contains(&address) {
            return Err(Error::invalid_input(
                format!("The forwarding address {address} is listed twice."),
                "Enter each address once.",
            ));
        }
        targets.push(address);
    }
    if targets.len() as u64 > limit {
        return Err(limit_reached(format!(
            "{} forwarding addresses were given; this service allows {limit}.",
            targets.len()
        )));
    }
    Ok(targets)
}

/// Refuses forwarding to the mailbox itself or one of its aliases (a mail loop).
fn require_no_loop(targets: &[String], address: &Address, aliases: &[String]) -> Result<(), Error> {
    let own = address.to_string();
    match targets
        .iter()
        .find(|target| **target == own || aliases.contains(target))
    {
        None => Ok(()),
        Some(target) => Err(Error::invalid_input(
            format!("Forwarding to {target} would send the mail back to this mailbox (a loop)."),
            "Remove the mailbox's own address and its aliases from the forwarding addresses.",
        )),
    }
}

/// The Kerio mode for `targets`: none when empty, else with or without a kept copy.
fn forwarding_mode(targets: &[String], keep_copy: bool) -> &'static str {
    match (targets.is_empty(), keep_copy) {
        (true, _) => FORWARD_NONE,
        (false, true) => FORWARD_KEEP_COPY,
        (false, false) => FORWARD_ONLY,
    }
}

/// The `limit_reached` refusal of an alias add; a mailbox above its plan (after a downgrade) is
/// told how many to remove before one more fits.
fn alias_limit_reached(held: u64, limit: u64) -> Error {
    if held <= limit {
        return limit_reached(format!(
            "The mailbox already has {held} alias(es); this service allows {limit}."
        ));
    }
    Error::new(
        Code::LimitReached,
        format!("The mailbox has {held} aliases, but its plan allows {limit}."),
        format!(
            "Remove {} alias(es) before adding one, or upgrade the service for a higher limit.",
            held - limit + 1
        ),
    )
}

/// A `limit_reached` refusal.
fn limit_reached(message: String) -> Error {
    Error::new(
        Code::LimitReached,
        message,
        "Remove one first, or upgrade the service for a higher limit.",
    )
}

/// The mailbox's aliases as full lower-case addresses, in Kerio's order (oldest first).
pub(super) fn aliases_of(mailbox: &Mailbox) -> Vec<String> {
    mailbox
        .user
        .email_addresses
        .iter()
        .flatten()
        .map(|alias| super::account::full_alias(alias, &mailbox.domain.name))
        .collect()
}

/// The mailbox's forwarding, normalised (lower-case targets; none = `UForwardNone`, no targets).
fn forwarding_of(mailbox: &Mailbox) -> EmailForwarding {
    let current = mailbox.user.email_forwarding.clone().unwrap_or_default();
    let targets: Vec<String> = current
        .email_addresses
        .iter()
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    if current.mode.is_empty() || current.mode == FORWARD_NONE || targets.is_empty() {
        return EmailForwarding {
            mode: FORWARD_NONE.to_string(),
            email_addresses: Vec::new(),
        };
    }
    EmailForwarding {
        mode: current.mode,
        email_addresses: targets,
    }
}

/// The op's answer for `mailbox`.
fn describe(address: &Address, mailbox: Mailbox, changed: bool) -> SelfServiceResult {
    let forwarding = forwarding_of(&mailbox);
    SelfServiceResult {
        address: address.to_string(),
        aliases: aliases_of(&mailbox),
        keep_copy: forwarding.mode != FORWARD_ONLY,
        forward_to: forwarding.email_addresses,
        status: super::account::status(mailbox.user.is_enabled),
        changed,
        user_id: mailbox.id,
        forward_to_before: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox() -> Address {
        Address::parse("jane@example.com").expect("valid")
    }

    #[test]
    fn an_alias_is_a_local_part_or_an_address_in_the_mailbox_domain() {
        assert_eq!(
            alias_address(Some(" Sales "), &mailbox()).map(|a| a.to_string()),
            Ok("sales@example.com".to_string())
        );
        assert_eq!(
            alias_address(Some("sales@EXAMPLE.com"), &mailbox()).map(|a| a.to_string()),
            Ok("sales@example.com".to_string())
        );
        for bad in ["sales@example.org", "", "<b>x</b>", "a\r\nb", "x@"] {
            let error = alias_address(Some(bad), &mailbox()).expect_err(bad);
            assert_eq!(error.code, Code::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn reserved_alias_names_are_refused() {
        let alias = Address::parse("postmaster@example.com").expect("valid");
        assert_eq!(
            require_alias_name(&alias, &None).map_err(|e| e.code),
            Err(Code::InvalidInput)
        );
    }

    #[test]
    fn forwarding_targets_are_checked_before_anything_is_sent() {
        let to = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            forwarding_targets(&to(&["A@x.net", " ", "b@y.net"]), 5),
            Ok(to(&["a@x.net", "b@y.net"]))
        );
        assert_eq!(
            forwarding_targets(&to(&["a@x.net", "A@X.net"]), 5).map_err(|e| e.code),
            Err(Code::InvalidInput)
        );
        assert_eq!(
            forwarding_targets(&to(&["not an address"]), 5).map_err(|e| e.code),
            Err(Code::InvalidInput)
        );
        assert_eq!(
            forwarding_targets(&to(&["a@x.net", "b@x.net"]), 1).map_err(|e| e.code),
            Err(Code::LimitReached)
        );
    }

    #[test]
    fn forwarding_to_itself_or_an_own_alias_is_a_loop() {
        let aliases = vec!["sales@example.com".to_string()];
        for target in ["jane@example.com", "sales@example.com"] {
            assert!(require_no_loop(&[target.to_string()], &mailbox(), &aliases).is_err());
        }
        assert!(require_no_loop(&["x@y.net".to_string()], &mailbox(), &aliases).is_ok());
    }

    #[test]
    fn the_mode_follows_the_targets_and_the_copy_switch() {
        let some = vec!["x@y.net".to_string()];
        assert_eq!(forwarding_mode(&[], true), FORWARD_NONE);
        assert_eq!(forwarding_mode(&some, true), FORWARD_KEEP_COPY);
        assert_eq!(forwarding_mode(&some, false), FORWARD_ONLY);
    }

    #[test]
    fn limits_above_the_maximum_or_missing_are_refused() {
        assert_eq!(list_limit("max_aliases", Some(3)), Ok(3));
        assert_eq!(
            list_limit("max_aliases", None).map_err(|e| e.code),
            Err(Code::InvalidRequest)
        );
        assert_eq!(
            list_limit("max_aliases", Some(MAX_LIST_LIMIT + 1)).map_err(|e| e.code),
            Err(Code::InvalidInput)
        );
    }
}
