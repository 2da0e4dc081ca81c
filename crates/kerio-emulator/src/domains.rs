//! The `Domains` interface: get (SearchQuery), getUserCountInfo, generatePassword.

use serde_json::{json, Value};

use crate::errors::{self, KerioError};
use crate::lock;
use crate::policy;
use crate::rpc::{Access, Call, Method};
use crate::state::{Domain, Store};

/// The Domains methods.
pub const METHODS: &[Method] = &[
    Method {
        name: "Domains.get",
        access: Access::Read,
        handler: get,
    },
    Method {
        name: "Domains.getUserCountInfo",
        access: Access::Read,
        handler: get_user_count_info,
    },
    Method {
        name: "Domains.generatePassword",
        access: Access::Read,
        handler: generate_password,
    },
];

/// The full wire form of a domain (`userMaxCount` 0 = unlimited [I]).
pub fn domain_json(domain: &Domain) -> Value {
    json!({
        "id": domain.id,
        "name": domain.name,
        "description": domain.description,
        "isPrimary": domain.is_primary,
        "aliasList": domain.alias_list,
        "userMaxCount": domain.user_max_count,
        "passwordExpirationEnabled": false,
        "passwordExpirationDays": 0,
        "passwordHistoryCount": 0,
        "passwordComplexityEnabled": domain.password_complexity_enabled,
        "passwordMinimumLength": domain.password_minimum_length,
        "isDistributed": false,
        "isLdapManagementAllowed": false,
    })
}

/// `Domains.get`: every domain for a FullAdmin, its own for an AccountAdmin; an Auditor gets
/// the 1000 a live 10.0.8 gives it.
fn get(call: &mut Call) -> Result<Value, KerioError> {
    let caller = call.caller()?.clone();
    if caller.role == "Auditor" {
        return Err(errors::internal_database_error());
    }
    let query = call.query()?;
    let items = lock(&call.emulator.store)
        .domains
        .iter()
        .filter(|domain| caller.covers(&domain.id))
        .map(domain_json)
        .collect();
    let template = domain_json(&Domain::new("template.invalid", false));
    query.apply(items, &template, &["name", "description"])
}

/// The domain named by the `domainId` parameter, if the caller may act on it (1004 otherwise).
pub fn domain_param(call: &Call, store: &Store) -> Result<Domain, KerioError> {
    let id = call.string("domainId")?;
    let domain = store
        .domain(id)
        .cloned()
        .ok_or_else(|| errors::domain_not_found(id))?;
    call.caller()?.check_covers(&domain.id)?;
    Ok(domain)
}

/// How many more active users `domain` may have: the tighter of its own `userMaxCount` and the
/// server licence, as (limit, remaining, limit type); None = unlimited.
pub fn user_allowance(
    store: &Store,
    domain: &Domain,
    license: Option<u32>,
) -> Option<(u32, u32, &'static str)> {
    let in_domain = store.active_users_in(&domain.id) as u32;
    let domain_limit = (domain.user_max_count > 0).then(|| {
        (
            domain.user_max_count,
            domain.user_max_count.saturating_sub(in_domain),
            "DomainLimit",
        )
    });
    let license_limit = license.map(|limit| {
        let active = store.active_users() as u32;
        (limit, limit.saturating_sub(active), "LicenseLimit")
    });
    match (domain_limit, license_limit) {
        (Some(d), Some(l)) => Some(if l.1 < d.1 { l } else { d }),
        (d, l) => d.or(l),
    }
}

fn get_user_count_info(call: &mut Call) -> Result<Value, KerioError> {
    let store = lock(&call.emulator.store);
    let domain = domain_param(call, &store)?;
    let current = store.active_users_in(&domain.id);
    let allowed = match user_allowance(&store, &domain, call.emulator.settings.license_users) {
        None => {
            json!({"isUnlimited": true, "allowedUsers": 0, "limit": 0, "limitType": "DomainLimit"})
        }
        Some((limit, remaining, kind)) => json!({
            "isUnlimited": false,
            "allowedUsers": current as u32 + remaining,
            "limit": limit,
            "limitType": kind,
        }),
    };
    Ok(json!({"countInfo": {"currentUsers": current, "allowedUsers": allowed}}))
}

fn generate_password(call: &mut Call) -> Result<Value, KerioError> {
    let domain = domain_param(call, &lock(&call.emulator.store))?;
    Ok(json!({"password": policy::generate_password(&domain)}))
}
