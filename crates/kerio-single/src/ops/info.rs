//! Server-level operations: `test_connection` and `server_info`.

use super::Context;
use crate::error::{Code, Error};
use crate::session::DomainInfo;
use kerio_api::UserCountInfo;
use serde::Serialize;

/// Kerio roles that may create and change mailboxes.
const USER_MANAGING_ROLES: &[&str] = &[
    "FullAdmin",
    "AccountAdmin",
    "BuiltInAdmin",
    "BuiltInDomainAdmin",
];

/// Kerio's `limitType` of a licence (rather than a per-domain) user limit.
const LICENCE_LIMIT: &str = "LicenseLimit";
/// Kerio's `limitType` of a per-domain user limit.
const DOMAIN_LIMIT: &str = "DomainLimit";

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
    /// SHA-256 fingerprint of the certificate the server presented (`null` over plain HTTP).
    pub tls_fingerprint: Option<String>,
}

/// `test_connection`: login, version, role check, logout.
pub fn test_connection(context: &mut Context) -> Result<ConnectionResult, Error> {
    context.session(|kerio| {
        let client = kerio.client();
        let version = client.server_version()?;
        let me = client.who_am_i()?;
        let role = me.effective_role.user_role;
        if !USER_MANAGING_ROLES.contains(&role.as_str()) {
            return Err(Error::new(
                Code::Permission,
                format!("The admin {} has the Kerio role {role}, which cannot manage mailboxes.", me.login_name),
                "Give this admin the \"Full Admin\" role (at least \"Account Admin\") in Kerio Administration > Accounts > Users > Edit > Rights.",
            ));
        }
        Ok(ConnectionResult {
            product: version.product,
            version: version.version,
            user: me.login_name,
            role,
            can_manage_users: true,
            tls_fingerprint: client.presented_fingerprint(),
        })
    })
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
