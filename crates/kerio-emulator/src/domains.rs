//! The `Domains` interface: get (SearchQuery), getUserCountInfo, generatePassword.

use serde_json::{json, Value};

use crate::errors::{self, KerioError};
use crate::lock;
use crate::policy;
use crate::rpc::{Access, Call, Method};
use crate::state::{Domain, SizeUnits, Store};

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

/// A retention setting (`ActionAfterDays`) that is off. [I shape and days]
fn off_after_days(days: u32) -> Value {
    json!({"isEnabled": false, "days": days})
}

/// The full wire form of a domain: every field of Kerio's `Domain` structure (IDL via
/// igiant-connect), the ones the emulator does not model at Kerio's defaults for a new domain
/// (off, empty, unlimited) [I defaults]. `userMaxCount` 0 = unlimited [I].
pub fn domain_json(domain: &Domain) -> Value {
    let unlimited = json!({"isActive": false, "limit": {"value": 0, "units": "MegaBytes"}});
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
        "outgoingMessageLimit": unlimited,
        "deletedItems": off_after_days(30),
        "junkEmail": off_after_days(30),
        "sentItems": off_after_days(30),
        "autoDelete": off_after_days(30),
        "keepForRecovery": off_after_days(14),
        "forwardingOptions": {"isEnabled": false, "host": "", "port": 25, "how": "Online",
                              "preventLoop": false},
        "service": {"isEnabled": false, "serviceType": "WindowsActiveDirectory", "customMapFile": "",
                    "authentication": {"username": "", "isSecure": false},
                    "hostname": "", "backupHostname": "", "directoryName": "", "ldapSuffix": ""},
        "domainFooter": {"isUsed": false, "text": "", "isHtml": false, "isUsedInDomain": false},
        "kerberosRealm": "",
        "winNtName": "",
        "pamRealm": "",
        "ipAddressBind": {"enabled": false, "value": ""},
        "logo": {"isUsed": false, "url": ""},
        "customClientLogo": {"isEnabled": false, "url": "", "id": ""},
        "checkSpoofedSender": false,
        "renameInfo": {"isRenamed": false, "oldName": "", "newName": ""},
        "domainQuota": {"diskSizeLimit": unlimited, "consumedSize": {"value": 0, "units": "Bytes"},
                        "notification": {"type": "NotifyOnce", "period": 24}, "warningLimit": 90,
                        "email": "", "blocks": false},
        "isDistributed": false,
        "isDkimEnabled": false,
        "isLdapManagementAllowed": false,
        "isInstantMessagingEnabled": true,
        "useRemoteArchiveAddress": false,
        "remoteArchiveAddress": "",
        "archiveLocalMessages": false,
        "archiveIncomingMessages": false,
        "archiveOutgoingMessages": false,
        "archiveBeforeFilter": false,
    })
}

/// A domain as `Domains.get` answers it: [`domain_json`] with the mailboxes' total in
/// `domainQuota.consumedSize`.
fn listed_domain(store: &Store, domain: &Domain, units: SizeUnits) -> Value {
    let used: u64 = store.users_in(&domain.id).map(|u| u.mailbox.bytes).sum();
    let consumed = units.express(used);
    let mut json = domain_json(domain);
    json["domainQuota"]["consumedSize"] = json!({"value": consumed.value, "units": consumed.units});
    json
}

/// `Domains.get`: every domain for a FullAdmin, its own for an AccountAdmin; an Auditor gets
/// the 1000 a live 10.0.8 gives it.
fn get(call: &mut Call) -> Result<Value, KerioError> {
    let caller = call.caller()?.clone();
    if caller.role == "Auditor" {
        return Err(errors::internal_database_error());
    }
    let query = call.query()?;
    let units = call.emulator.settings.size_units;
    let store = lock(&call.emulator.store);
    let items = store
        .domains
        .iter()
        .filter(|domain| caller.covers(&domain.id))
        .map(|domain| listed_domain(&store, domain, units))
        .collect();
    drop(store);
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
