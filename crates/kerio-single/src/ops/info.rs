//! Server-level operations: `test_connection` and `server_info`.

use super::Context;
use crate::error::{Code, Error};
use crate::ownership;
use crate::session::{AdminOverview, DomainInfo, Kerio};
use crate::sso;
use kerio_api::UserCountInfo;
use serde::{Deserialize, Serialize};

/// Kerio roles that manage the users of every domain.
const SERVER_WIDE_ROLES: &[&str] = &["FullAdmin", "BuiltInAdmin"];
/// Kerio roles that manage the users of the domain their own account is in ("Domain accounts"
/// rights; Kerio's manual, docs/emulator.md role table).
const OWN_DOMAIN_ROLES: &[&str] = &["AccountAdmin", "BuiltInDomainAdmin"];

/// Kerio's `limitType` of a licence (rather than a per-domain) user limit.
const LICENCE_LIMIT: &str = "LicenseLimit";
/// Kerio's `limitType` of a per-domain user limit.
const DOMAIN_LIMIT: &str = "DomainLimit";

/// Arguments of `test_connection`.
#[derive(Debug, Default, Deserialize)]
pub struct ConnectionArgs {
    /// The domains a product sells, to report those this admin cannot manage (optional).
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
}

/// Result of `test_connection`.
#[derive(Debug, Serialize)]
pub struct ConnectionResult {
    /// Product name, e.g. `Kerio Connect`.
    pub product: String,
    /// Version, e.g. `10.0.8.9228`.
    pub version: String,
    /// The admin's login.
    pub user: String,
    /// The admin's effective role.
    pub role: String,
    /// Whether the role may manage mailboxes (always true in a successful result).
    pub can_manage_users: bool,
    /// `all_domains` (Full Admin) or `own_domain` (Account Admin: only its own account's domain).
    pub scope: &'static str,
    /// The domains this admin can manage mailboxes in, sorted by name.
    pub domains: Vec<String>,
    /// Of the `allowed_domains` asked about, those this admin cannot manage.
    pub unmanageable_domains: Vec<String>,
    /// Domain names Kerio listed that are not host names, left out of `domains` (quoted).
    pub skipped_domains: Vec<String>,
    /// SHA-256 fingerprint of the certificate the server presented (`null` over plain HTTP).
    pub tls_fingerprint: Option<String>,
    /// Whether the webmail login page asks for a `kerio_csrf_token` (then SSO answers
    /// `sso_protected`); `null` when the page could not be read.
    pub webmail_csrf: Option<bool>,
}

/// `test_connection`: login, one `Batch.run` (version, the admin's role, the domains), logout;
/// and, alongside, whether the webmail sign-in needs a CSRF token (one GET of the webmail login
/// page). 3 exchanges (5 without `Batch.run`: the client then sends each command on its own).
///
/// The verdict is keyed on Kerio's role codes: Full Admin manages every domain, Account Admin
/// only the domain its own account is in; any other role is `permission`, naming the role
/// needed.
pub fn test_connection(
    context: &mut Context,
    args: ConnectionArgs,
) -> Result<ConnectionResult, Error> {
    let wanted = ownership::allowed_domains_of(args.allowed_domains.as_deref().unwrap_or(&[]))?;
    let server = context.server()?;
    let webmail_url = server.webmail_url().ok();
    let (result, webmail_csrf) =
        sso::alongside_webmail_csrf(server, webmail_url.as_deref(), || {
            context.session(|kerio| connection_result(kerio, wanted))
        })?;
    Ok(ConnectionResult {
        webmail_csrf,
        ..result
    })
}

/// What the admin session of `test_connection` finds (everything but the webmail check).
fn connection_result(kerio: &mut Kerio, wanted: Vec<String>) -> Result<ConnectionResult, Error> {
    let AdminOverview {
        version,
        me,
        domains,
    } = kerio.admin_overview()?;
    let role = me.effective_role.user_role.clone();
    let scope = scope_of(&role).ok_or_else(|| insufficient_role(&me.login_name, &role))?;
    let domains = manageable(domains?, scope, &me.domain_id);
    let unmanageable_domains = wanted
        .into_iter()
        .filter(|name| !domains.contains(name))
        .collect();
    Ok(ConnectionResult {
        product: version.product,
        version: version.version,
        user: me.login_name,
        role,
        can_manage_users: true,
        scope,
        domains,
        unmanageable_domains,
        skipped_domains: kerio.skipped_domains(),
        tls_fingerprint: kerio.client().presented_fingerprint(),
        webmail_csrf: None,
    })
}

/// The scope of a role that manages every domain.
const ALL_DOMAINS: &str = "all_domains";
/// The scope of a role bound to its own account's domain.
const OWN_DOMAIN: &str = "own_domain";

/// Which domains `role` manages mailboxes in; `None` when it manages none.
fn scope_of(role: &str) -> Option<&'static str> {
    if SERVER_WIDE_ROLES.contains(&role) {
        Some(ALL_DOMAINS)
    } else if OWN_DOMAIN_ROLES.contains(&role) {
        Some(OWN_DOMAIN)
    } else {
        None
    }
}

/// The names of the `domains` (as `Domains.get` listed them) an admin of `scope` whose own
/// account is in `own_domain_id` manages. Whether Kerio lists other domains to an Account Admin
/// is not documented (the emulator does not, [I]), so they are filtered here.
fn manageable(domains: Vec<DomainInfo>, scope: &str, own_domain_id: &str) -> Vec<String> {
    domains
        .into_iter()
        .filter(|domain| scope == ALL_DOMAINS || domain.id == own_domain_id)
        .map(|domain| domain.name)
        .collect()
}

/// The error for an admin whose role manages no mailboxes.
fn insufficient_role(login: &str, role: &str) -> Error {
    Error::new(
        Code::Permission,
        format!("The admin {login} has the Kerio role {role}, which cannot manage mailboxes."),
        "Give this admin the \"Full Admin\" role (every domain), or \"Account Admin\" for the domain its own account is in, in Kerio Administration > Accounts > Users > Edit > Rights.",
    )
}

/// Result of `server_info`.
#[derive(Debug, Serialize)]
pub struct ServerInfo {
    /// Kerio version.
    pub version: String,
    /// Every domain, sorted by name.
    pub domains: Vec<DomainSummary>,
    /// Licence use over all domains.
    pub licence: UserCounts,
    /// Domain names Kerio listed that are not host names, left out of `domains` (quoted).
    pub skipped_domains: Vec<String>,
}

/// One domain in `server_info`.
#[derive(Debug, Serialize)]
pub struct DomainSummary {
    /// Domain name.
    pub name: String,
    /// Kerio id.
    pub id: String,
    /// Password policy.
    pub password_policy: PasswordPolicy,
    /// Active users and the domain's limit.
    pub users: UserCounts,
}

/// A domain's password policy.
#[derive(Debug, Serialize)]
pub struct PasswordPolicy {
    /// Complex passwords required.
    pub complexity: bool,
    /// Minimum length (0 = none).
    pub min_length: usize,
}

/// A count of active users and the limit that applies (`null` = unlimited or unknown).
#[derive(Debug, Serialize)]
pub struct UserCounts {
    /// Active (enabled) users.
    pub current: i64,
    /// The limit.
    pub limit: Option<i64>,
}

/// `server_info`: version, domains with policy and user counts, licence use.
pub fn server_info(context: &mut Context) -> Result<ServerInfo, Error> {
    context.session(|kerio| {
        let version = kerio.client().server_version()?;
        let domains = kerio.all_domains()?;
        let mut summaries = Vec::with_capacity(domains.len());
        let mut licence = UserCounts {
            current: 0,
            limit: None,
        };
        for domain in domains {
            let counts = kerio.client().domain_user_count(&domain.id)?;
            licence.current = licence.current.saturating_add(counts.current_users);
            licence.limit = licence.limit.or(limit_of(&counts, LICENCE_LIMIT));
            summaries.push(summary(domain, &counts));
        }
        Ok(ServerInfo {
            version: version.version,
            domains: summaries,
            licence,
            skipped_domains: kerio.skipped_domains(),
        })
    })
}

/// The limit of `counts` when it is of `kind` and not unlimited.
fn limit_of(counts: &UserCountInfo, kind: &str) -> Option<i64> {
    let allowed = &counts.allowed_users;
    (!allowed.is_unlimited && allowed.limit_type == kind).then_some(allowed.limit)
}

/// One domain's entry in `server_info`.
fn summary(domain: DomainInfo, counts: &UserCountInfo) -> DomainSummary {
    DomainSummary {
        name: domain.name,
        id: domain.id,
        password_policy: PasswordPolicy {
            complexity: domain.complexity,
            min_length: domain.min_length,
        },
        users: UserCounts {
            current: counts.current_users,
            limit: limit_of(counts, DOMAIN_LIMIT),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_admin_manages_only_its_own_domain() {
        let domain = |id: &str, name: &str| DomainInfo {
            id: id.to_string(),
            name: name.to_string(),
            complexity: false,
            min_length: 0,
        };
        let listed = || vec![domain("d1", "a.test"), domain("d2", "b.test")];
        assert_eq!(manageable(listed(), OWN_DOMAIN, "d2"), ["b.test"]);
        assert_eq!(manageable(listed(), ALL_DOMAINS, ""), ["a.test", "b.test"]);
        assert_eq!(scope_of("AccountAdmin"), Some(OWN_DOMAIN));
        assert_eq!(scope_of("BuiltInAdmin"), Some(ALL_DOMAINS));
        assert_eq!(scope_of("Auditor"), None);
    }
}
