//! Operations on one mailbox: create, suspend/unsuspend, terminate, change password, change
//! package, account info and webmail SSO.

use super::collisions;
use super::passwords::{self, PasswordSubject, Policy};
use super::selfservice;
use super::target::{account_of, MailboxRef};
use super::Context;
use crate::address::Address;
use crate::de;
use crate::error::{quote, Code, Error};
use crate::ownership;
use crate::quota;
use crate::rules;
use crate::session::{DomainInfo, Kerio, Mailbox};
use crate::sso::{self, SsoPage};
use crate::translate::ALREADY_EXISTS;
use kerio_api::{RemovalMethod, RemovalMode, RemovalRequest, Secret, User, UserRight};
use serde::{Deserialize, Serialize};

/// Kerio's authentication type for users stored in Kerio itself.
const INTERNAL_AUTH: &str = "UInternalAuth";

/// Arguments of `create_account`.
#[derive(Debug, Deserialize)]
pub struct CreateArgs {
    /// Mailbox name.
    pub localpart: String,
    /// Mail domain.
    pub domain: String,
    /// Initial password.
    #[serde(deserialize_with = "de::secret")]
    pub password: Secret,
    /// First name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub givenname: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub surname: Option<String>,
    /// Quota in MB, 0 = unlimited.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub quota_mb: Option<u64>,
    /// The WHMCS service id, recorded in the user's description.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub service_id: Option<u64>,
    /// The domains the product sells; absent, `null` or empty = every domain on the server.
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
    /// The product's minimum password length.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub min_password_length: Option<u64>,
    /// Reserved mailbox names replacing the default list.
    #[serde(default)]
    pub reserved_localparts: Option<Vec<String>>,
    /// The WHMCS installation (its id), written into the mark beside the service id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub installation: Option<String>,
}

/// Result of `create_account`.
#[derive(Debug, Serialize)]
pub struct CreateResult {
    /// The new mailbox's address.
    pub address: String,
    /// Kerio user id.
    pub id: String,
    /// `false` when the mailbox already existed for the same service (a retried create).
    pub created: bool,
    /// The mailbox quota in MB (0 = unlimited).
    pub quota_mb: u64,
}

/// Result of `suspend` / `unsuspend`.
#[derive(Debug, Serialize)]
pub struct EnableResult {
    /// The mailbox address.
    pub address: String,
    /// `false` when the mailbox already was in the wanted state (nothing written).
    pub changed: bool,
    /// The Kerio user id of the mailbox (fresh when the stored one was stale or missing).
    pub user_id: String,
}

/// Arguments of `terminate`.
#[derive(Debug, Deserialize)]
pub struct TerminateArgs {
    /// The mailbox (mode archive looks it up by address, with the archive mailbox).
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// `delete` (default), `keep` or `archive`.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub mode: Option<String>,
    /// Receiver of the mail for mode `archive`.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub archive_mailbox: Option<String>,
}

/// Result of `terminate`.
#[derive(Debug, Serialize)]
pub struct TerminateResult {
    /// The mailbox address.
    pub address: String,
    /// Whether a mailbox was removed now.
    pub removed: bool,
    /// Why nothing was removed, when so.
    pub note: Option<String>,
}

/// Arguments of `change_password`.
#[derive(Debug, Deserialize)]
pub struct PasswordArgs {
    /// The mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// The new password.
    #[serde(deserialize_with = "de::secret")]
    pub password: Secret,
    /// First name (for the personal-data rule; else Kerio's full name is used).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub givenname: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub surname: Option<String>,
    /// The product's minimum password length.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub min_password_length: Option<u64>,
}

/// Result of `change_password`.
#[derive(Debug, Serialize)]
pub struct PasswordResult {
    /// The mailbox address.
    pub address: String,
    /// The Kerio user id of the mailbox (fresh when the stored one was stale or missing).
    pub user_id: String,
}

/// Arguments of `change_package`.
#[derive(Debug, Deserialize)]
pub struct PackageArgs {
    /// The mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// New quota in MB, 0 = unlimited.
    #[serde(deserialize_with = "de::opt_u64")]
    pub quota_mb: Option<u64>,
    /// Allow a quota below the live usage.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub allow_downgrade_below_usage: Option<bool>,
    /// Whether the new plan offers forwarding: `false` turns it off. Absent = forwarding untouched.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub forwarding: Option<bool>,
    /// The new plan's forwarding-target limit (with `forwarding` true; default 5): the first this
    /// many targets are kept, the rest dropped.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub max_forward_targets: Option<u64>,
}

/// Result of `change_package`.
#[derive(Debug, Serialize)]
pub struct PackageResult {
    /// The mailbox address.
    pub address: String,
    /// The quota now in force, MB.
    pub quota_mb: u64,
    /// Live usage, MB.
    pub used_mb: f64,
    /// The Kerio user id of the mailbox (fresh when the stored one was stale or missing).
    pub user_id: String,
    /// Forwarding targets after the change (empty = off).
    pub forward_to: Vec<String>,
    /// Forwarding targets the change removed because the new plan does not pay for them.
    pub forwarding_dropped: Vec<String>,
    /// The mailbox's aliases, kept even above the new plan's limit (the caller compares).
    pub aliases: Vec<String>,
}

/// User fields `change_package` reads.
const PACKAGE_FIELDS: &[&str] = &[
    "consumedSize",
    "diskSizeLimit",
    "emailForwarding",
    "emailAddresses",
];

/// Result of `account_info`.
#[derive(Debug, Serialize)]
pub struct InfoResult {
    /// The mailbox address.
    pub address: String,
    /// Its domain.
    pub domain: String,
    /// Display name.
    pub full_name: String,
    /// `active` or `suspended`.
    pub status: &'static str,
    /// Quota in MB (0 = unlimited).
    pub quota_mb: u64,
    /// Usage in MB.
    pub used_mb: f64,
    /// Usage in bytes.
    pub used_bytes: u128,
    /// Number of items.
    pub items: u64,
    /// Unix time of the last login, `null` when never.
    pub last_login: Option<i64>,
    /// Protocol of the last login.
    pub last_login_protocol: Option<String>,
    /// Additional addresses.
    pub aliases: Vec<String>,
    /// Kerio description (carries the WHMCS service id).
    pub description: String,
}

/// Arguments of `sso`.
#[derive(Debug, Deserialize)]
pub struct SsoArgs {
    /// The mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// The mailbox password (only ever placed in the form body).
    #[serde(deserialize_with = "de::secret")]
    pub password: Secret,
    /// Whether the product offers SSO (default yes).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub sso_enabled: Option<bool>,
}

/// Result of `adopt`.
#[derive(Debug, Serialize)]
pub struct AdoptResult {
    /// The mailbox address.
    pub address: String,
    /// The Kerio user id of the mailbox.
    pub user_id: String,
    /// `true` when the mark was written now, `false` when the mailbox already was this service's.
    pub adopted: bool,
}

/// `create_account`: a new mailbox, or success for a retried create of the same service.
///
/// Login, `Domains.get`, `Server.findEntityByEmail`, then `Users.create` when nothing holds the
/// address, or `Users.get` when a user of that login exists (a retry), logout: 5 exchanges.
pub fn create_account(context: &mut Context, args: CreateArgs) -> Result<CreateResult, Error> {
    let service_id = args.service_id.ok_or_else(|| {
        Error::invalid_request("create_account needs `service_id` (the WHMCS service id).")
    })?;
    let address = Address::from_parts(&args.localpart, &args.domain)?;
    require_allowed_name(&address, &args.reserved_localparts)?;
    require_allowed_domain(&address, args.allowed_domains.as_deref().unwrap_or(&[]))?;
    require_plain_name("first name", args.givenname.as_deref())?;
    require_plain_name("last name", args.surname.as_deref())?;
    let quota_mb = quota::validate_quota_mb(args.quota_mb.unwrap_or(0))?;
    let claim = ownership::Claim::new(
        "create_account",
        Some(service_id),
        None,
        args.installation.as_deref(),
    )?;
    context.session(|kerio| {
        let domain = kerio
            .domain(address.domain())?
            .ok_or_else(|| passwords::unknown_domain(address.domain()))?;
        let subject = PasswordSubject {
            localpart: Some(address.local()),
            domain: Some(address.domain()),
            givenname: args.givenname.as_deref(),
            surname: args.surname.as_deref(),
            product_min_length: args.min_password_length,
        };
        passwords::require_valid_password(&args.password, Policy::of(&domain), &subject)?;
        // No address may end up on two accounts: who holds it is asked first.
        let holders = collisions::holders(kerio, &domain, &[&address])?;
        if holders.is_empty() {
            let user = new_user(&domain.id, &address, &args, &claim, quota_mb);
            match kerio.client().users_create(&[user]) {
                Ok(created) => {
                    return Ok(CreateResult {
                        address: address.to_string(),
                        id: created_id(created)?,
                        created: true,
                        quota_mb,
                    })
                }
                // Taken between the check and the create: looked at below like any holder.
                Err(error) if error.kerio_code() == Some(ALREADY_EXISTS) => {}
                Err(error) => return Err(error.into()),
            }
        } else if !collisions::held_by_login(&holders, &address) {
            let holder = collisions::holders_phrase(&holders);
            return Err(Error::already_taken(&address.to_string(), &holder));
        }
        // A user of that login exists: this service's from an earlier try, or someone else's.
        let mut fields = vec!["diskSizeLimit"];
        fields.extend(ownership::FIELDS);
        match kerio.mailbox_in(&domain, &address, &fields)? {
            Some(existing) => retried_create(&address, existing, &claim),
            None => Err(Error::already_taken(
                &address.to_string(),
                &collisions::holders_phrase(&holders),
            )),
        }
    })
}

/// The id of the one user a successful `Users.create` reports. An answer without one is a
/// protocol error rather than an empty id: nothing is recorded in WHMCS, and the retry this
/// invites is safe (a retried create finds the mailbox by its service id; a repeated
/// `purge_kept` resumes with its own purge user).
pub(super) fn created_id(created: Vec<kerio_api::CreateResult>) -> Result<String, Error> {
    created
        .into_iter()
        .next()
        .map(|user| user.id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Error::new(
                Code::Protocol,
                "Kerio accepted Users.create but its answer names no new user.",
                "Run the create again (it is safe to retry); if this repeats, check the Kerio server's Error log.",
            )
        })
}

/// The answer for a mailbox that already exists: ours (a retry: the whole ownership rule holds)
/// or someone else's.
fn retried_create(
    address: &Address,
    existing: Mailbox,
    claim: &ownership::Claim,
) -> Result<CreateResult, Error> {
    if let Some(verdict) = claim.verdict(&existing.domain.name, &existing.user) {
        let mut error = Error::already_taken(
            &address.to_string(),
            &ownership::owner_phrase(existing.description()),
        );
        if verdict == ownership::Reason::NoMark {
            let held = error.admin_detail.take().unwrap_or_default();
            error = error.with_admin_detail(format!("{held} If this existing mailbox is the customer's, an admin can adopt it for the service (\"Adopt existing mailbox\"; CLI: kerio-single account adopt)."));
        }
        return Err(error);
    }
    Ok(CreateResult {
        address: address.to_string(),
        id: existing.id.clone(),
        created: false,
        quota_mb: quota::user_limit_mb(&existing.user),
    })
}

/// The Kerio user record for a new mailbox.
fn new_user(
    domain_id: &str,
    address: &Address,
    args: &CreateArgs,
    claim: &ownership::Claim,
    quota_mb: u64,
) -> User {
    User {
        domain_id: Some(domain_id.to_string()),
        login_name: Some(address.local().to_string()),
        full_name: full_name(args.givenname.as_deref(), args.surname.as_deref()),
        description: Some(ownership::description_for(
            claim.service_id,
            claim.installation.as_deref(),
        )),
        is_enabled: Some(true),
        auth_type: Some(INTERNAL_AUTH.to_string()),
        password: Some(args.password.clone()),
        // WHMCS keeps the password (for SSO and the client area); a change made in webmail
        // would silently break both, so customers change it through WHMCS.
        allow_password_change: Some(false),
        has_default_spam_rule: Some(true),
        role: Some(plain_role()),
        disk_size_limit: Some(quota::size_limit(quota_mb)),
        ..User::default()
    }
}

/// The rights of every user the engine creates: a plain user, no public or archive folders.
pub(super) fn plain_role() -> UserRight {
    UserRight {
        user_role: ownership::USER_ROLE.to_string(),
        public_folder_right: false,
        archive_folder_right: false,
    }
}

/// "Given Surname", or `None` when both are empty.
fn full_name(givenname: Option<&str>, surname: Option<&str>) -> Option<String> {
    let name = [givenname, surname]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Longest first or last name accepted for the Kerio full name. [I] Kerio documents no limit;
/// 64 characters per part keeps the joined name well inside what its admin UI shows.
const NAME_PART_MAX_CHARS: usize = 64;

/// Refuses a first or last name with markup (`<`, `>`), control characters or excessive length.
/// Kerio would store such text as given; it then ends up in address books and webmail headers,
/// so it is refused at order time where the customer can correct it.
fn require_plain_name(label: &str, name: Option<&str>) -> Result<(), Error> {
    let name = name.unwrap_or("");
    let markup = name.chars().any(|c| c == '<' || c == '>' || c.is_control());
    let too_long = name.chars().count() > NAME_PART_MAX_CHARS;
    if !markup && !too_long {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!("The {label} cannot be used."),
        format!(
            "Use at most {NAME_PART_MAX_CHARS} characters, without < or > and without tabs or line breaks."
        ),
    ))
}

/// Refuses reserved mailbox names.
pub(super) fn require_allowed_name(
    address: &Address,
    reserved: &Option<Vec<String>>,
) -> Result<(), Error> {
    let failures = rules::failures(
        &rules::localpart_rules(&passwords::reserved_names(reserved)),
        address.local(),
    );
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!(
            "The mailbox name {} cannot be used.",
            quote(address.local())
        ),
        format!("{}.", failures.join("; ")),
    ))
}

/// Refuses a domain the product does not sell.
fn require_allowed_domain(address: &Address, allowed: &[String]) -> Result<(), Error> {
    let allowed = ownership::allowed_domains_of(allowed)?;
    if allowed.is_empty() || allowed.iter().any(|name| name == address.domain()) {
        return Ok(());
    }
    Err(Error::invalid_input(
        format!(
            "The domain {} is not offered with this product.",
            address.domain()
        ),
        format!("Choose one of: {}.", allowed.join(", ")),
    ))
}

/// Applies `pattern` to one user with `Users.set`.
pub(crate) fn set_user(kerio: &mut Kerio, id: &str, pattern: &User) -> Result<(), Error> {
    kerio.set_user(id, pattern)
}

/// `suspend` (`enabled` false) and `unsuspend` (true); idempotent.
///
/// Reads the mailbox (checked by the ownership rule), then `Users.set` only if the state
/// differs: with a stored `user_id` login, `Batch.run`, `Users.set`, logout.
pub fn set_enabled(
    context: &mut Context,
    args: MailboxRef,
    enabled: bool,
) -> Result<EnableResult, Error> {
    let target = args.target(if enabled { "unsuspend" } else { "suspend" })?;
    let pattern = User {
        is_enabled: Some(enabled),
        ..User::default()
    };
    context.session(|kerio| {
        let mailbox = target.existing(kerio, &["isEnabled"])?;
        let changed = mailbox.user.is_enabled != Some(enabled);
        if changed {
            set_user(kerio, &mailbox.id, &pattern)?;
        }
        Ok(EnableResult {
            address: target.address.to_string(),
            changed,
            user_id: mailbox.id,
        })
    })
}

/// What terminate does with the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TerminateMode {
    /// Delete the user and the mailbox.
    Delete,
    /// Delete the user, keep the mailbox data on the server.
    Keep,
    /// Delete the user, move the mail into an archive mailbox.
    Archive,
}

impl TerminateMode {
    /// Parses the `mode` argument (default `delete`).
    fn parse(mode: Option<&str>) -> Result<TerminateMode, Error> {
        match mode.map(|m| m.trim().to_ascii_lowercase()).as_deref() {
            None | Some("delete") => Ok(TerminateMode::Delete),
            Some("keep") => Ok(TerminateMode::Keep),
            Some("archive") => Ok(TerminateMode::Archive),
            Some(other) => Err(Error::invalid_input(
                format!("{} is not a terminate mode.", quote(other)),
                "Use delete (remove the mailbox), keep (remove the user, keep the mail) or archive (move the mail to an archive mailbox).",
            )),
        }
    }

    /// Kerio's removal method for this mode.
    fn method(self) -> RemovalMethod {
        match self {
            TerminateMode::Delete => RemovalMethod::UDeleteFolder,
            TerminateMode::Keep => RemovalMethod::UDeleteUser,
            TerminateMode::Archive => RemovalMethod::UMoveFolder,
        }
    }
}

/// `terminate`: removes the mailbox by mode; a missing mailbox is success with a note.
///
/// Modes delete and keep: the mailbox is read (by stored id or address) and checked, then one
/// `Users.remove`. Mode archive looks the mailbox and the archive mailbox up by address together.
pub fn terminate(context: &mut Context, args: TerminateArgs) -> Result<TerminateResult, Error> {
    let target = args.mailbox.target("terminate")?;
    let address = &target.address;
    let mode = TerminateMode::parse(args.mode.as_deref())?;
    let archive = archive_address(mode, args.archive_mailbox.as_deref(), address)?;
    context.session(|kerio| {
        let (mailbox, target_id) = match &archive {
            None => (target.locate(kerio, &[])?, String::new()),
            Some(archive) => {
                let mut found = kerio
                    .mailboxes(&[address, archive], ownership::FIELDS)?
                    .into_iter();
                let (mailbox, receiver) = (found.next().flatten(), found.next().flatten());
                if let Some(mailbox) = &mailbox {
                    target.check(mailbox)?;
                }
                let receiver = receiver.ok_or_else(|| missing_archive(archive))?;
                (mailbox, receiver.id)
            }
        };
        let Some(mailbox) = mailbox else {
            return Ok(TerminateResult {
                address: address.to_string(),
                removed: false,
                note: Some("mailbox did not exist".to_string()),
            });
        };
        let request = removal_request(&mailbox.id, mode, target_id);
        kerio.client().users_remove(&[request])?;
        Ok(TerminateResult {
            address: address.to_string(),
            removed: true,
            note: None,
        })
    })
}

/// The `Users.remove` request for user `id` in `mode` (`target_id` only for archive).
fn removal_request(id: &str, mode: TerminateMode, target_id: String) -> RemovalRequest {
    RemovalRequest {
        user_id: id.to_string(),
        method: mode.method(),
        remove_references: true,
        target_user_id: target_id,
        mode: RemovalMode::DSModeDelete,
    }
}

/// The archive mailbox for mode `archive` (required, and not the mailbox itself).
fn archive_address(
    mode: TerminateMode,
    archive: Option<&str>,
    address: &Address,
) -> Result<Option<Address>, Error> {
    if mode != TerminateMode::Archive {
        return Ok(None);
    }
    let archive = archive.ok_or_else(|| {
        Error::invalid_input(
            "Terminate mode archive needs an archive mailbox.",
            "Set the archive mailbox address in the product's module settings, or choose mode delete or keep.",
        )
    })?;
    let archive = Address::parse(archive)?;
    if &archive == address {
        return Err(Error::invalid_input(
            format!("The archive mailbox {archive} is the mailbox being terminated."),
            "Choose a separate archive mailbox.",
        ));
    }
    Ok(Some(archive))
}

/// The error for an archive mailbox that does not exist.
fn missing_archive(archive: &Address) -> Error {
    Error::new(
        Code::NotFound,
        format!("The archive mailbox {archive} does not exist on the Kerio server; nothing was removed."),
        "Create the archive mailbox in Kerio, or correct it in the product's module settings.",
    )
}

/// `change_password`: the same rules as `check_password`, then `Users.set`.
///
/// The rules need the domain's password policy and, without `givenname`, Kerio's full name: both
/// come with the mailbox read (with a stored `user_id`: login, `Batch.run`, `Users.set`, logout).
pub fn change_password(context: &mut Context, args: PasswordArgs) -> Result<PasswordResult, Error> {
    let target = args.mailbox.target("change_password")?;
    let pattern = User {
        password: Some(args.password.clone()),
        ..User::default()
    };
    context.session(|kerio| {
        let mailbox = target.existing(kerio, &["fullName"])?;
        let kerio_name = mailbox.user.full_name.as_deref();
        require_valid_new_password(&args, &target.address, &mailbox.domain, kerio_name)?;
        set_user(kerio, &mailbox.id, &pattern)?;
        Ok(PasswordResult {
            address: target.address.to_string(),
            user_id: mailbox.id,
        })
    })
}

/// Checks the new password against `domain`'s policy; `kerio_name` (the user's full name in
/// Kerio) stands in for a missing `givenname`.
fn require_valid_new_password(
    args: &PasswordArgs,
    address: &Address,
    domain: &DomainInfo,
    kerio_name: Option<&str>,
) -> Result<(), Error> {
    let subject = PasswordSubject {
        localpart: Some(address.local()),
        domain: Some(address.domain()),
        givenname: args.givenname.as_deref().or(kerio_name),
        surname: args.surname.as_deref(),
        product_min_length: args.min_password_length,
    };
    passwords::require_valid_password(&args.password, Policy::of(domain), &subject)
}

/// `change_package`: new quota, refusing one below the live usage unless allowed; forwarding the
/// new plan does not pay for is turned off or cut to its first targets (the hosting-panel
/// convention: what exists stays, nothing beyond the plan goes on). Aliases are never removed.
///
/// Reads usage, quota, forwarding and aliases with the mailbox (with a stored `user_id`: login,
/// `Batch.run`, `Users.set`, logout); one `Users.set` only if the quota or forwarding changes.
/// A refused quota changes nothing, forwarding included.
pub fn change_package(context: &mut Context, args: PackageArgs) -> Result<PackageResult, Error> {
    let target = args.mailbox.target("change_package")?;
    let quota_mb = args.quota_mb.ok_or_else(|| {
        Error::invalid_request("change_package needs `quota_mb` (0 = unlimited).")
    })?;
    let quota_mb = quota::validate_quota_mb(quota_mb)?;
    let allow_below = args.allow_downgrade_below_usage.unwrap_or(false);
    let forward_keep =
        selfservice::plan_forward_targets(args.forwarding, args.max_forward_targets)?;
    let address = target.address.to_string();
    context.session(|kerio| {
        let mailbox = target.existing(kerio, PACKAGE_FIELDS)?;
        let used = mailbox.user.consumed_size.unwrap_or_default();
        quota::check_downgrade(&address, quota_mb, &used, allow_below)?;
        let mut pattern = User::default();
        if mailbox.user.disk_size_limit.as_ref().map(quota::limit_mb) != Some(quota_mb) {
            pattern.disk_size_limit = Some(quota::size_limit(quota_mb));
        }
        let trimmed = forward_keep.and_then(|keep| selfservice::forwarding_within(&mailbox, keep));
        let dropped = match trimmed {
            Some((forwarding, dropped)) => {
                pattern.email_forwarding = Some(forwarding);
                dropped
            }
            None => Vec::new(),
        };
        if pattern != User::default() {
            set_user(kerio, &mailbox.id, &pattern)?;
        }
        let forward_to = match &pattern.email_forwarding {
            Some(forwarding) => forwarding.email_addresses.clone(),
            None => selfservice::forward_targets_of(&mailbox),
        };
        Ok(PackageResult {
            address: address.clone(),
            quota_mb,
            used_mb: quota::used_mb(&used),
            forward_to,
            forwarding_dropped: dropped,
            aliases: selfservice::aliases_of(&mailbox),
            user_id: mailbox.id,
        })
    })
}

/// `adopt`: marks an existing, unmarked plain-user mailbox as this service's.
///
/// Only `adopt` ever writes the mark on an existing account. Admin roles, another service's
/// mailbox and domains the product does not sell are refused (`not_owned`); a mailbox already
/// marked for this service is success with nothing written.
pub fn adopt(context: &mut Context, args: MailboxRef) -> Result<AdoptResult, Error> {
    let target = args.target("adopt")?;
    context.session(|kerio| {
        let mailbox = target
            .find(kerio, &[])?
            .ok_or_else(|| Error::mailbox_not_found(&target.address.to_string()))?;
        let claim = &target.claim;
        let account = account_of(&mailbox);
        let adopted = claim.require_adoptable(&account, &mailbox.domain.name, &mailbox.user)?;
        if !adopted {
            target.defer_mark(kerio, &mailbox);
        } else {
            let description = ownership::adopted_description(
                mailbox.description(),
                claim.service_id,
                claim.installation.as_deref(),
            );
            let pattern = User {
                description: Some(description),
                ..User::default()
            };
            set_user(kerio, &mailbox.id, &pattern)?;
        }
        Ok(AdoptResult {
            address: account,
            user_id: mailbox.id,
            adopted,
        })
    })
}

/// User fields `account_info` reads.
const INFO_FIELDS: &[&str] = &[
    "fullName",
    "description",
    "isEnabled",
    "diskSizeLimit",
    "consumedSize",
    "consumedItems",
    "lastLoginInfo",
    "emailAddresses",
];

/// `account_info`: everything the client area and the admin tab show, for this service's
/// mailbox only (by stored id: login, `Batch.run`, logout).
pub fn account_info(context: &mut Context, args: MailboxRef) -> Result<InfoResult, Error> {
    let target = args.target("account_info")?;
    let mailbox = context.session(|kerio| target.existing(kerio, INFO_FIELDS))?;
    Ok(describe(&target.address, mailbox))
}

/// Builds the `account_info` result from a user record.
fn describe(address: &Address, mailbox: Mailbox) -> InfoResult {
    let user = mailbox.user;
    let quota_mb = quota::user_limit_mb(&user);
    let used = user.consumed_size.unwrap_or_default();
    let last_login = user.last_login_info.unwrap_or_default();
    let last_login_time = last_login.date_time.filter(|time| *time > 0);
    InfoResult {
        address: address.to_string(),
        domain: address.domain().to_string(),
        full_name: user.full_name.unwrap_or_default(),
        status: status(user.is_enabled),
        quota_mb,
        used_mb: quota::used_mb(&used),
        used_bytes: used.to_bytes(),
        items: user.consumed_items.unwrap_or(0),
        last_login: last_login_time,
        last_login_protocol: last_login_time.and(last_login.protocol),
        aliases: user
            .email_addresses
            .unwrap_or_default()
            .iter()
            .map(|alias| full_alias(alias, address.domain()))
            .collect(),
        description: user.description.unwrap_or_default(),
    }
}

/// `active` or `suspended` from Kerio's `isEnabled` (absent counts as enabled).
pub fn status(is_enabled: Option<bool>) -> &'static str {
    if is_enabled == Some(false) {
        "suspended"
    } else {
        "active"
    }
}

/// An alias as a full lower-case address (Kerio may list bare local parts).
pub(crate) fn full_alias(alias: &str, domain: &str) -> String {
    let alias = alias.trim().to_ascii_lowercase();
    if alias.contains('@') {
        alias
    } else {
        format!("{alias}@{domain}")
    }
}

/// `sso`: the webmail auto-login page, after checking SSO is on, the mailbox is active and the
/// server's webmail login page asks for no CSRF token (else `sso_protected`).
pub fn sso(context: &mut Context, args: SsoArgs) -> Result<SsoPage, Error> {
    if args.sso_enabled == Some(false) {
        return Err(Error::new(
            Code::SsoDisabled,
            "Webmail single sign-on is switched off for this product.",
            "Open webmail and log in with the mailbox address and password, or enable SSO in the product's module settings.",
        ));
    }
    let target = args.mailbox.target("sso")?;
    let address = &target.address;
    let server = context.server()?;
    let webmail_url = server.webmail_url()?;
    let (mailbox, csrf) = sso::alongside_webmail_csrf(server, Some(&webmail_url), || {
        context.session(|kerio| target.existing(kerio, &["isEnabled"]))
    })?;
    if mailbox.user.is_enabled == Some(false) {
        return Err(Error::new(
            Code::MailboxDisabled,
            format!("The mailbox {address} is suspended."),
            "Webmail is available again once the service is unsuspended.",
        ));
    }
    if csrf == Some(true) {
        return Err(sso::protected_error(&address.to_string(), &webmail_url));
    }
    sso::login_page(&webmail_url, &address.to_string(), args.password.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminate_modes_map_to_kerio_methods() {
        assert_eq!(
            TerminateMode::parse(None).unwrap().method(),
            RemovalMethod::UDeleteFolder
        );
        assert_eq!(
            TerminateMode::parse(Some("KEEP")).unwrap().method(),
            RemovalMethod::UDeleteUser
        );
        assert_eq!(
            TerminateMode::parse(Some("archive")).unwrap().method(),
            RemovalMethod::UMoveFolder
        );
        assert_eq!(
            TerminateMode::parse(Some("shred")).unwrap_err().code,
            Code::InvalidInput
        );
    }

    #[test]
    fn a_create_answer_without_a_user_id_is_a_protocol_error() {
        let created = |id: &str| kerio_api::CreateResult {
            input_index: 0,
            id: id.to_string(),
        };
        assert_eq!(
            created_id(vec![created("keriodb://user/1")]).unwrap(),
            "keriodb://user/1"
        );
        assert_eq!(created_id(vec![]).unwrap_err().code, Code::Protocol);
        assert_eq!(
            created_id(vec![created("")]).unwrap_err().code,
            Code::Protocol
        );
    }

    #[test]
    fn archive_mode_needs_a_separate_archive_mailbox() {
        let address = Address::parse("a@example.com").unwrap();
        assert!(archive_address(TerminateMode::Archive, None, &address).is_err());
        assert!(archive_address(TerminateMode::Archive, Some("A@example.com"), &address).is_err());
        let archive = archive_address(
            TerminateMode::Archive,
            Some("archive@example.com"),
            &address,
        )
        .unwrap();
        assert_eq!(archive.unwrap().to_string(), "archive@example.com");
        assert!(archive_address(TerminateMode::Delete, Some("x"), &address)
            .unwrap()
            .is_none());
    }

    #[test]
    fn names_with_markup_control_characters_or_excess_length_are_refused() {
        assert!(require_plain_name("first name", Some("O'Brien-Smith & Co")).is_ok());
        assert!(require_plain_name("first name", None).is_ok());
        for bad in ["<b>Jane</b>", "Jane\nDoe", "a>b", &"x".repeat(65)] {
            let error = require_plain_name("first name", Some(bad)).unwrap_err();
            assert_eq!(error.code, crate::error::Code::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn full_name_joins_non_empty_parts() {
        assert_eq!(
            full_name(Some("John"), Some(" Doe ")).as_deref(),
            Some("John Doe")
        );
        assert_eq!(full_name(None, Some("Doe")).as_deref(), Some("Doe"));
        assert_eq!(full_name(Some(" "), None), None);
    }

    #[test]
    fn allowed_domains_are_compared_case_insensitively() {
        let address = Address::parse("a@example.com").unwrap();
        assert!(require_allowed_domain(&address, &[]).is_ok());
        assert!(require_allowed_domain(&address, &["Example.COM".into()]).is_ok());
        let error = require_allowed_domain(&address, &["example.org".into()]).unwrap_err();
        assert!(error.hint.contains("example.org"));
    }

    #[test]
    fn reserved_names_are_refused_at_create() {
        let address = Address::parse("Abuse@example.com").unwrap();
        assert_eq!(
            require_allowed_name(&address, &None).unwrap_err().code,
            Code::InvalidInput
        );
        assert!(require_allowed_name(&address, &Some(vec![])).is_ok());
    }

    #[test]
    fn flattened_mailbox_keys_keep_the_lenient_php_spellings() {
        use serde_json::json;
        let package = |extra: serde_json::Value| {
            let mut args = json!({"address": "a@example.com", "quota_mb": "10", "unknown": [1]});
            args.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::from_value::<PackageArgs>(args).map(|args| args.mailbox)
        };
        for (given, wanted) in [
            (json!("42"), Some(42)),
            (json!(" 42 "), Some(42)),
            (json!(42), Some(42)),
            (json!(null), None),
            (json!(""), None),
        ] {
            let mailbox = package(json!({"service_id": given})).unwrap();
            assert_eq!(mailbox.service_id, wanted, "{given}");
        }
        for given in [json!(null), json!(""), json!("  ")] {
            let mailbox = package(json!({"user_id": given})).unwrap();
            assert_eq!(mailbox.user_id, None, "{given}");
        }
        let mailbox = package(json!({"user_id": "keriodb://user/1"})).unwrap();
        assert_eq!(mailbox.user_id.as_deref(), Some("keriodb://user/1"));
        for bad in [json!(-1), json!("ten"), json!(1.5)] {
            assert!(package(json!({"service_id": bad})).is_err(), "{bad}");
        }
        let missing = serde_json::from_value::<TerminateArgs>(json!({"mode": "keep"}));
        assert!(missing.unwrap_err().to_string().contains("`address`"));
    }

    #[test]
    fn aliases_become_full_addresses() {
        assert_eq!(full_alias("Info", "example.com"), "info@example.com");
        assert_eq!(full_alias("x@Other.org", "example.com"), "x@other.org");
    }
}
