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

/// The fields QUICKSEARCH looks in.
const QUICK_FIELDS: &[&str] = &["name", "description"];

/// A retention setting (`ActionAfterDays`) that is off. [I shape and days]
fn off_after_days(days: u32) -> Value {
    json!({"isEnabled": false, "days": days})
}

/// The full wire form of a domain: every field of Kerio's `Domain` structure (IDL via
/// igiant-connect), the ones the emulator does not model at Kerio's defaults for a new domain
/// (off, empty, unlimited) [I defaults]. `userMaxCount` 0 = unlimited [I].
pub fn domain_json(domain: &Domain) -> Value {
    domain_json_with(domain, DOMAIN_FIELDS)
}

/// The names of every field of [`domain_json`].
const DOMAIN_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "isPrimary",
    "aliasList",
    "userMaxCount",
    "passwordExpirationEnabled",
    "passwordExpirationDays",
    "passwordHistoryCount",
    "passwordComplexityEnabled",
    "passwordMinimumLength",
    "outgoingMessageLimit",
    "deletedItems",
    "junkEmail",
    "sentItems",
    "autoDelete",
    "keepForRecovery",
    "forwardingOptions",
    "service",
    "domainFooter",
    "kerberosRealm",
    "winNtName",
    "pamRealm",
    "ipAddressBind",
    "logo",
    "customClientLogo",
    "checkSpoofedSender",
    "renameInfo",
    "domainQuota",
    "isDistributed",
    "isDkimEnabled",
    "isLdapManagementAllowed",
    "isInstantMessagingEnabled",
    "useRemoteArchiveAddress",
    "remoteArchiveAddress",
    "archiveLocalMessages",
    "archiveIncomingMessages",
    "archiveOutgoingMessages",
    "archiveBeforeFilter",
];

/// The domain with only `fields` (unknown names are left out).
fn domain_json_with<S: AsRef<str>>(domain: &Domain, fields: &[S]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|field| {
                let field = field.as_ref();
                domain_field(domain, field).map(|value| (field.to_string(), value))
            })
            .collect(),
    )
}

/// One field of a domain's wire form, `None` for a name the `Domain` structure does not have.
fn domain_field(domain: &Domain, field: &str) -> Option<Value> {
    let unlimited = || json!({"isActive": false, "limit": {"value": 0, "units": "MegaBytes"}});
    Some(match field {
        "id" => json!(domain.id),
        "name" => json!(domain.name),
        "description" => json!(domain.description),
        "isPrimary" => json!(domain.is_primary),
        "aliasList" => json!(domain.alias_list),
        "userMaxCount" => json!(domain.user_max_count),
        "passwordExpirationEnabled" => json!(false),
        "passwordExpirationDays" | "passwordHistoryCount" => json!(0),
        "passwordComplexityEnabled" => json!(domain.password_complexity_enabled),
        "passwordMinimumLength" => json!(domain.password_minimum_length),
        "outgoingMessageLimit" => unlimited(),
        "deletedItems" | "junkEmail" | "sentItems" | "autoDelete" => off_after_days(30),
        "keepForRecovery" => off_after_days(14),
        "forwardingOptions" => json!({"isEnabled": false, "host": "", "port": 25, "how": "Online",
                                      "preventLoop": false}),
        "service" => {
            json!({"isEnabled": false, "serviceType": "WindowsActiveDirectory", "customMapFile": "",
                            "authentication": {"username": "", "isSecure": false},
                            "hostname": "", "backupHostname": "", "directoryName": "", "ldapSuffix": ""})
        }
        "domainFooter" => {
            json!({"isUsed": false, "text": "", "isHtml": false, "isUsedInDomain": false})
        }
        "kerberosRealm" | "winNtName" | "pamRealm" | "remoteArchiveAddress" => json!(""),
        "ipAddressBind" => json!({"enabled": false, "value": ""}),
        "logo" => json!({"isUsed": false, "url": ""}),
        "customClientLogo" => json!({"isEnabled": false, "url": "", "id": ""}),
        "renameInfo" => json!({"isRenamed": false, "oldName": "", "newName": ""}),
        "domainQuota" => {
            json!({"diskSizeLimit": unlimited(), "consumedSize": {"value": 0, "units": "Bytes"},
                                "notification": {"type": "NotifyOnce", "period": 24}, "warningLimit": 90,
                                "email": "", "blocks": false})
        }
        "isInstantMessagingEnabled" => json!(true),
        "checkSpoofedSender"
        | "isDistributed"
        | "isDkimEnabled"
        | "isLdapManagementAllowed"
        | "useRemoteArchiveAddress"
        | "archiveLocalMessages"
        | "archiveIncomingMessages"
        | "archiveOutgoingMessages"
        | "archiveBeforeFilter" => json!(false),
        _ => return None,
    })
}

/// A domain as `Domains.get` answers it, with `fields` only when the query names them (building
/// every field of 1,000 domains for a query that reads four cost ~60 ms a call): [`domain_json`]
/// with the mailboxes' total in `domainQuota.consumedSize`.
fn listed_domain(
    store: &Store,
    domain: &Domain,
    units: SizeUnits,
    fields: Option<&[String]>,
) -> Value {
    let mut json = match fields {
        Some(fields) => domain_json_with(domain, fields),
        None => domain_json(domain),
    };
    if let Some(quota) = json.get_mut("domainQuota") {
        let used: u64 = store.users_in(&domain.id).map(|u| u.mailbox.bytes).sum();
        let consumed = units.express(used);
        quota["consumedSize"] = json!({"value": consumed.value, "units": consumed.units});
    }
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
    let fields = query.fields_read(QUICK_FIELDS);
    let units = call.emulator.settings.size_units;
    let store = lock(&call.emulator.store);
    let items = store
        .domains
        .iter()
        .filter(|domain| caller.covers(&domain.id))
        .map(|domain| listed_domain(&store, domain, units, fields.as_deref()))
        .collect();
    drop(store);
    let template = domain_json(&Domain::new("template.invalid", false));
    query.apply(items, &template, QUICK_FIELDS)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_has_every_field_once_and_a_field_list_picks_the_same_values() {
        let domain = Domain::new("example.com", true);
        let full = domain_json(&domain);
        let object = full.as_object().unwrap();
        assert_eq!(object.len(), DOMAIN_FIELDS.len());
        assert_eq!(object.len(), 39, "Kerio's Domain structure has 39 fields");
        let wanted = [
            "name",
            "domainQuota",
            "passwordMinimumLength",
            "noSuchField",
        ];
        let picked = domain_json_with(&domain, &wanted);
        assert_eq!(picked.as_object().unwrap().len(), 3);
        for field in &wanted[..3] {
            assert_eq!(picked[field], full[field], "{field}");
        }
    }
}
