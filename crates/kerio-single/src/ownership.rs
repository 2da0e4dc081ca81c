//! The ownership rule: which Kerio accounts a WHMCS service may change or reveal.
//!
//! A Kerio account is **this service's mailbox** only when all hold:
//! - its role is a plain user (`UserRole`), never an administrator's: its own `role`, the
//!   `groupRole` its Kerio groups give and the `effectiveRole` in force are all `UserRole`;
//! - its description carries this service's mark, `WHMCS service #<id> (installation <id>)`
//!   (written by `create_account`, or by `adopt` on an existing mailbox); a mark of another
//!   WHMCS installation is not this service's even when the service ids are equal, and a mark
//!   written before installations were recorded (`WHMCS service #<id>` alone) is accepted and
//!   brought up to date by the next successful op on the mailbox;
//! - it is in one of the domains the product sells, when the product lists any.
//!
//! Every operation that changes or reveals a mailbox checks this rule here, on the account it is
//! about to touch, whether it found the account by address or by a stored Kerio user id. A
//! refusal is `not_owned` with a `reason` (`admin_role`, `no_mark`, `other_service`,
//! `other_installation`, `outside_domains`); nothing is written to Kerio.

use crate::address::parse_domain;
use crate::error::{quote, Error};
use kerio_api::User;

/// The marker before the service id in a Kerio user description.
const MARKER: &str = "WHMCS service #";
/// Kerio's role for an ordinary mailbox user.
pub const USER_ROLE: &str = "UserRole";
/// The user fields the rule reads.
pub const FIELDS: &[&str] = &["role", "groupRole", "effectiveRole", "description"];

/// What follows the service id when the mark names its WHMCS installation.
const INSTALLATION_MARKER: &str = " (installation ";
/// Longest installation id accepted.
const MAX_INSTALLATION_LENGTH: usize = 64;

/// The description written on a mailbox created for `service_id` of `installation`.
pub fn description_for(service_id: u64, installation: Option<&str>) -> String {
    match installation {
        Some(installation) => format!("{MARKER}{service_id}{INSTALLATION_MARKER}{installation})"),
        None => format!("{MARKER}{service_id}"),
    }
}

/// The description of an adopted mailbox: its own text kept, the mark appended.
pub fn adopted_description(existing: &str, service_id: u64, installation: Option<&str>) -> String {
    let existing = existing.trim();
    let mark = description_for(service_id, installation);
    if existing.is_empty() {
        mark
    } else {
        format!("{existing}; {mark}")
    }
}

/// A service mark read from a Kerio user description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The WHMCS service id.
    pub service_id: u64,
    /// The WHMCS installation, `None` for a mark written before installations were recorded.
    pub installation: Option<String>,
    /// Where the mark ends in the description (byte offset), for [`Mark::completed`].
    end: usize,
}

impl Mark {
    /// `description` (which holds this mark) with the mark naming `installation`.
    pub fn completed(&self, description: &str, installation: &str) -> String {
        let start = description[..self.end].rfind(MARKER).unwrap_or(0);
        let rest = &description[self.end..];
        format!(
            "{}{}{rest}",
            &description[..start],
            description_for(self.service_id, Some(installation))
        )
    }
}

/// The service mark in a Kerio user description, if any.
pub fn mark_of(description: &str) -> Option<Mark> {
    let start = description.find(MARKER)? + MARKER.len();
    let digits: String = description[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let service_id = digits.parse().ok()?;
    let after = start + digits.len();
    let installation = description[after..]
        .strip_prefix(INSTALLATION_MARKER)
        .and_then(|rest| rest.split_once(')'))
        .map(|(id, _)| id)
        .filter(|id| valid_installation(id));
    let end = installation.map_or(after, |id| after + INSTALLATION_MARKER.len() + id.len() + 1);
    Some(Mark {
        service_id,
        installation: installation.map(str::to_string),
        end,
    })
}

/// The WHMCS service id named in a Kerio user description, if any.
pub fn service_of(description: &str) -> Option<u64> {
    mark_of(description).map(|mark| mark.service_id)
}

/// Why `description` does not carry the mark of `service_id` of `installation` (`None`: any
/// installation's mark, by service id alone); `None` when it does.
pub fn mark_reason(
    description: &str,
    service_id: u64,
    installation: Option<&str>,
) -> Option<Reason> {
    match marked_service(description, installation) {
        Err(reason) => Some(reason),
        Ok(owner) if owner != service_id => Some(Reason::OtherService(owner)),
        Ok(_) => None,
    }
}

/// The service whose mark `description` carries, read once: `NoMark` without one,
/// `OtherInstallation` when the mark names another installation than `installation` (`None`:
/// any installation's mark counts).
pub fn marked_service(description: &str, installation: Option<&str>) -> Result<u64, Reason> {
    let mark = mark_of(description).ok_or(Reason::NoMark)?;
    match (installation, mark.installation.as_deref()) {
        (Some(ours), Some(theirs)) if ours != theirs => Err(Reason::OtherInstallation),
        _ => Ok(mark.service_id),
    }
}

/// Whether `id` has the shape of an installation id: 1 to 64 ASCII letters, digits, `-`, `_`.
fn valid_installation(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_INSTALLATION_LENGTH
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The `installation` argument checked: absent or blank = none given.
pub fn parse_installation(given: Option<&str>) -> Result<Option<String>, Error> {
    let Some(id) = given.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    if !valid_installation(id) {
        return Err(Error::invalid_request(format!(
            "`installation` must be 1 to {MAX_INSTALLATION_LENGTH} letters, digits, - or _ (the WHMCS installation id the module keeps in its settings)."
        )));
    }
    Ok(Some(id.to_string()))
}

/// A short phrase naming who owns a mailbox, for "already taken" messages.
pub fn owner_phrase(description: &str) -> String {
    match service_of(description) {
        Some(id) => format!("it belongs to WHMCS service #{id}"),
        None => "it exists in Kerio and was not created for this service".to_string(),
    }
}

/// Why an account is not this service's mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// It has an administrator role: which of `role`, `groupRole`, `effectiveRole`, and the
    /// role's name (`unknown` when Kerio did not report it).
    AdminRole(&'static str, String),
    /// Its description carries no service mark.
    NoMark,
    /// Its description carries another service's mark.
    OtherService(u64),
    /// Its description carries the mark of another WHMCS installation.
    OtherInstallation,
    /// Its domain is not one the product sells.
    OutsideDomains,
}

impl Reason {
    /// The wire name of the reason (`error.reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::AdminRole(..) => "admin_role",
            Reason::NoMark => "no_mark",
            Reason::OtherService(_) => "other_service",
            Reason::OtherInstallation => "other_installation",
            Reason::OutsideDomains => "outside_domains",
        }
    }
}

/// The WHMCS service asking to act on a mailbox, and the domains its product sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The WHMCS service id.
    pub service_id: u64,
    /// Lower-case domain names; empty = the product lists no domains (no restriction).
    pub allowed_domains: Vec<String>,
    /// The WHMCS installation asking; `None` (the CLI) matches marks by service id alone.
    pub installation: Option<String>,
}

impl Claim {
    /// The claim of `service_id` (required: `op` names the operation in the error) over the
    /// product's `allowed_domains` (null, empty or blank entries = no restriction).
    pub fn new(
        op: &str,
        service_id: Option<u64>,
        allowed_domains: Option<&[String]>,
        installation: Option<&str>,
    ) -> Result<Claim, Error> {
        let service_id = service_id.ok_or_else(|| {
            Error::invalid_request(format!(
                "{op} needs `service_id` (the WHMCS service id): only the service's own mailbox is touched."
            ))
        })?;
        Ok(Claim {
            service_id,
            allowed_domains: allowed_domains_of(allowed_domains.unwrap_or(&[]))?,
            installation: parse_installation(installation)?,
        })
    }

    /// Whether the product sells `domain` (always, when it lists no domains).
    pub fn sells(&self, domain: &str) -> bool {
        self.allowed_domains.is_empty() || self.allowed_domains.iter().any(|name| name == domain)
    }

    /// Why `user` (account `account` in `domain`) is not this service's mailbox; `None` when it
    /// is. The roles are checked first, then the domain, then the mark.
    pub fn verdict(&self, domain: &str, user: &User) -> Option<Reason> {
        if let Some(reason) = admin_role(user) {
            return Some(reason);
        }
        if !self.sells(domain) {
            return Some(Reason::OutsideDomains);
        }
        self.mark_verdict(user.description.as_deref().unwrap_or(""))
    }

    /// Why `description` does not carry this service's mark; `None` when it does. Another
    /// installation's mark is `OtherInstallation` whatever its service id.
    pub fn mark_verdict(&self, description: &str) -> Option<Reason> {
        mark_reason(description, self.service_id, self.installation.as_deref())
    }

    /// The description that brings `description` (this service's mark, already checked) up to
    /// date: the mark naming this installation; `None` when nothing is to change.
    pub fn mark_update(&self, description: &str) -> Option<String> {
        let installation = self.installation.as_deref()?;
        let mark = mark_of(description)?;
        mark.installation
            .is_none()
            .then(|| mark.completed(description, installation))
    }

    /// Refuses `user` unless it is this service's mailbox.
    pub fn require(&self, account: &str, domain: &str, user: &User) -> Result<(), Error> {
        match self.verdict(domain, user) {
            None => Ok(()),
            Some(reason) => Err(self.refusal(account, domain, &reason)),
        }
    }

    /// For `adopt`: `Ok(true)` when `user` must be marked now, `Ok(false)` when it already is
    /// this service's; every other reason is refused.
    pub fn require_adoptable(
        &self,
        account: &str,
        domain: &str,
        user: &User,
    ) -> Result<bool, Error> {
        match self.verdict(domain, user) {
            None => Ok(false),
            Some(Reason::NoMark) => Ok(true),
            Some(reason) => Err(self.refusal(account, domain, &reason)),
        }
    }

    /// The `not_owned` error for `account` and `reason`.
    fn refusal(&self, account: &str, domain: &str, reason: &Reason) -> Error {
        let shown = quote(account);
        let fix_fields = "Correct the service's username (and empty its Kerio user ID field) so that it names this service's own mailbox; nothing was changed.";
        let (message, hint) = match reason {
            Reason::AdminRole(field, role) => (
                format!("The Kerio account {shown} has the {} {role}: kerioSingle never changes or shows an administrator's account.", role_label(field)),
                fix_fields.to_string(),
            ),
            Reason::NoMark => (
                format!("The mailbox {shown} exists in Kerio but is not marked as WHMCS service #{}'s.", self.service_id),
                format!("If it really is this service's mailbox (e.g. imported by Server Sync), press \"Adopt existing mailbox\" (CLI: kerio-single account adopt); otherwise: {fix_fields}"),
            ),
            Reason::OtherService(owner) => (
                format!("The mailbox {shown} belongs to WHMCS service #{owner}, not #{}.", self.service_id),
                fix_fields.to_string(),
            ),
            Reason::OtherInstallation => (
                format!("The mailbox {shown} is marked for a service of another WHMCS installation using this Kerio server."),
                fix_fields.to_string(),
            ),
            Reason::OutsideDomains => (
                format!("The mailbox {shown} is in the domain {domain}, which this product does not sell ({}).", self.allowed_domains.join(", ")),
                format!("Add the domain to the product's Domains setting, or: {fix_fields}"),
            ),
        };
        Error::not_owned(account, reason.code(), message, hint)
    }
}

/// The first of `user`'s roles (own, through groups, in force) that is not `UserRole`; a role
/// Kerio did not report counts as not `UserRole` (`unknown`).
fn admin_role(user: &User) -> Option<Reason> {
    let roles = [
        ("role", &user.role),
        ("groupRole", &user.group_role),
        ("effectiveRole", &user.effective_role),
    ];
    roles.into_iter().find_map(|(field, right)| {
        let role = right.as_ref().map(|right| right.user_role.as_str());
        (role != Some(USER_ROLE))
            .then(|| Reason::AdminRole(field, role.unwrap_or("unknown").to_string()))
    })
}

/// How a refusal names the role field `field`.
fn role_label(field: &str) -> &'static str {
    match field {
        "groupRole" => "group role (groupRole: admin rights given through a Kerio group)",
        "effectiveRole" => "effective role (effectiveRole)",
        _ => "role (role)",
    }
}

/// The product's domain list, parsed and lower-cased; blank entries are skipped.
pub fn allowed_domains_of(names: &[String]) -> Result<Vec<String>, Error> {
    names
        .iter()
        .filter(|name| !name.trim().is_empty())
        .map(|name| parse_domain(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerio_api::UserRight;

    fn right(role: &str) -> Option<UserRight> {
        Some(UserRight {
            user_role: role.to_string(),
            public_folder_right: false,
            archive_folder_right: false,
        })
    }

    fn user(role: &str, description: &str) -> User {
        User {
            role: right(role),
            group_role: right(USER_ROLE),
            effective_role: right(role),
            description: Some(description.to_string()),
            ..User::default()
        }
    }

    fn claim(domains: &[&str]) -> Claim {
        let domains: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
        Claim::new("suspend", Some(42), Some(&domains), None).unwrap()
    }

    #[test]
    fn round_trips_the_service_id() {
        assert_eq!(description_for(42, None), "WHMCS service #42");
        assert_eq!(service_of(&description_for(42, None)), Some(42));
        assert_eq!(
            description_for(42, Some("ab12cd34ef")),
            "WHMCS service #42 (installation ab12cd34ef)"
        );
        let mark = mark_of("x; WHMCS service #42 (installation ab-1) y").unwrap();
        assert_eq!(
            (mark.service_id, mark.installation.as_deref()),
            (42, Some("ab-1"))
        );
        assert_eq!(
            service_of("Sales team; WHMCS service #7 (migrated)"),
            Some(7)
        );
        assert_eq!(service_of(&adopted_description("Sales", 7, None)), Some(7));
        assert_eq!(adopted_description(" ", 7, None), "WHMCS service #7");
        assert_eq!(
            adopted_description("Sales", 7, Some("i1")),
            "Sales; WHMCS service #7 (installation i1)"
        );
    }

    #[test]
    fn other_descriptions_name_no_service() {
        assert_eq!(service_of(""), None);
        assert_eq!(service_of("WHMCS service #"), None);
        assert_eq!(service_of("manual account"), None);
    }

    #[test]
    fn only_a_marked_plain_user_in_a_sold_domain_is_owned() {
        let any = claim(&[]);
        assert_eq!(
            any.verdict("example.com", &user("UserRole", "WHMCS service #42")),
            None
        );
        for role in ["FullAdmin", "AccountAdmin", "Auditor"] {
            let verdict = any.verdict("example.com", &user(role, "WHMCS service #42"));
            assert_eq!(
                verdict,
                Some(Reason::AdminRole("role", role.into())),
                "{role}"
            );
        }
        let through_group = User {
            group_role: right("FullAdmin"),
            effective_role: right("FullAdmin"),
            ..user("UserRole", "WHMCS service #42")
        };
        assert_eq!(
            any.verdict("example.com", &through_group),
            Some(Reason::AdminRole("groupRole", "FullAdmin".into()))
        );
        let only_effective = User {
            effective_role: right("Auditor"),
            ..user("UserRole", "WHMCS service #42")
        };
        assert_eq!(
            any.verdict("example.com", &only_effective),
            Some(Reason::AdminRole("effectiveRole", "Auditor".into()))
        );
        let unreported = User {
            group_role: None,
            ..user("UserRole", "WHMCS service #42")
        };
        assert_eq!(
            any.verdict("example.com", &unreported),
            Some(Reason::AdminRole("groupRole", "unknown".into()))
        );
        let no_role = User {
            role: None,
            ..user("UserRole", "WHMCS service #42")
        };
        assert!(matches!(
            any.verdict("example.com", &no_role),
            Some(Reason::AdminRole(..))
        ));
        assert_eq!(
            any.verdict("example.com", &user("UserRole", "boss")),
            Some(Reason::NoMark)
        );
        assert_eq!(
            any.verdict("example.com", &user("UserRole", "WHMCS service #43")),
            Some(Reason::OtherService(43))
        );
        let sold = claim(&["Example.com", " "]);
        assert_eq!(
            sold.verdict("example.com", &user("UserRole", "WHMCS service #42")),
            None
        );
        assert_eq!(
            sold.verdict("other.org", &user("UserRole", "WHMCS service #42")),
            Some(Reason::OutsideDomains)
        );
    }

    #[test]
    fn refusals_name_account_reason_and_what_to_do() {
        let error = claim(&[])
            .require("boss@example.com", "example.com", &user("UserRole", ""))
            .unwrap_err();
        assert_eq!(error.code, crate::error::Code::NotOwned);
        assert_eq!(error.reason, Some("no_mark"));
        assert_eq!(error.account.as_deref(), Some("boss@example.com"));
        assert!(error.message.contains("boss@example.com"));
        assert!(error.hint.contains("Adopt existing mailbox"));
        let admin = claim(&[])
            .require("admin@example.com", "example.com", &user("FullAdmin", ""))
            .unwrap_err();
        assert_eq!(admin.reason, Some("admin_role"));
        assert!(!admin.hint.contains("Adopt"));
        let through_group = User {
            group_role: right("AccountAdmin"),
            ..user("UserRole", "WHMCS service #42")
        };
        let group = claim(&[])
            .require("grp@example.com", "example.com", &through_group)
            .unwrap_err();
        assert!(
            group.message.contains("group role") && group.message.contains("AccountAdmin"),
            "{}",
            group.message
        );
    }

    #[test]
    fn adopt_marks_only_unmarked_plain_users() {
        let any = claim(&[]);
        let adopt = |u: &User| any.require_adoptable("a@example.com", "example.com", u);
        assert_eq!(adopt(&user("UserRole", "")), Ok(true));
        assert_eq!(adopt(&user("UserRole", "WHMCS service #42")), Ok(false));
        assert!(adopt(&user("UserRole", "WHMCS service #9")).is_err());
        assert!(adopt(&user("FullAdmin", "")).is_err());
    }

    #[test]
    fn a_claim_needs_a_service_id() {
        let error = Claim::new("suspend", None, None, None).unwrap_err();
        assert_eq!(error.code, crate::error::Code::InvalidRequest);
        assert!(error.message.contains("`service_id`"));
        assert!(Claim::new("suspend", Some(1), Some(&["bad domain!".into()]), None).is_err());
        for bad in ["a b", "x)", &"a".repeat(65), "ü"] {
            let error = Claim::new("suspend", Some(1), None, Some(bad)).unwrap_err();
            assert!(error.message.contains("`installation`"), "{bad}");
        }
        let blank = Claim::new("suspend", Some(1), None, Some(" ")).unwrap();
        assert_eq!(blank.installation, None);
    }

    #[test]
    fn another_installations_mark_is_not_this_services() {
        let ours = Claim::new("suspend", Some(42), None, Some("ours")).unwrap();
        let marked = |text: &str| user("UserRole", text);
        let verdict = |text: &str| ours.verdict("example.com", &marked(text));
        assert_eq!(verdict("WHMCS service #42 (installation ours)"), None);
        assert_eq!(
            verdict("WHMCS service #42 (installation theirs)"),
            Some(Reason::OtherInstallation)
        );
        assert_eq!(
            verdict("WHMCS service #9 (installation theirs)"),
            Some(Reason::OtherInstallation)
        );
        assert_eq!(
            verdict("WHMCS service #9 (installation ours)"),
            Some(Reason::OtherService(9))
        );
        // A mark from before installations were recorded: accepted, and brought up to date.
        assert_eq!(verdict("WHMCS service #42"), None);
        assert_eq!(
            ours.mark_update("Sales; WHMCS service #42 (migrated)")
                .as_deref(),
            Some("Sales; WHMCS service #42 (installation ours) (migrated)")
        );
        assert_eq!(
            ours.mark_update("WHMCS service #42 (installation ours)"),
            None
        );
        // Without an installation (the CLI) the service id decides.
        let cli = claim(&[]);
        assert_eq!(
            cli.verdict("example.com", &marked("WHMCS service #42 (installation x)")),
            None
        );
        assert_eq!(cli.mark_update("WHMCS service #42"), None);
        let error = ours
            .require(
                "a@example.com",
                "example.com",
                &marked("WHMCS service #42 (installation x)"),
            )
            .unwrap_err();
        assert_eq!(error.reason, Some("other_installation"));
        assert!(error.message.contains("another WHMCS installation"));
    }

    #[test]
    fn owner_phrase_distinguishes_services_from_manual_accounts() {
        assert!(owner_phrase("WHMCS service #9").contains("#9"));
        assert!(owner_phrase("").contains("not created for this service"));
    }
}
