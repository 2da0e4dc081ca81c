//! The `Server` and `Version` interfaces: version and product info, named constants, address
//! collision checks.

use serde_json::{json, Value};

use crate::domains::domain_param;
use crate::errors::{self, KerioError};
use crate::lock;
use crate::rpc::{Access, Call, Method};
use crate::state::{Domain, Store, BYTE_UNITS};

/// The value of `Version.getApiVersion`. [I]
const API_VERSION: u32 = 1;

/// The Server and Version methods.
pub const METHODS: &[Method] = &[
    Method {
        name: "Server.getVersion",
        access: Access::Read,
        handler: get_version,
    },
    Method {
        name: "Server.getProductInfo",
        access: Access::Read,
        handler: get_product_info,
    },
    Method {
        name: "Server.getNamedConstantList",
        access: Access::Session,
        handler: get_named_constant_list,
    },
    Method {
        name: "Server.findEntityByEmail",
        access: Access::Read,
        handler: find_entity_by_email,
    },
    Method {
        name: "Version.getApiVersion",
        access: Access::Public,
        handler: get_api_version,
    },
    Method {
        name: "Version.getProductVersion",
        access: Access::Public,
        handler: get_product_version,
    },
];

/// The version numbers of the modelled Kerio (`--kerio-version`).
fn version(call: &Call) -> (u32, u32, u32, u32) {
    call.emulator.settings.kerio_version.numbers()
}

fn get_version(call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = version(call);
    Ok(json!({
        "product": "Kerio Connect",
        "version": format!("{major}.{minor}.{revision}.{build}"),
        "major": major,
        "minor": minor,
        "revision": revision,
        "build": build,
    }))
}

fn get_product_info(call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = version(call);
    Ok(json!({"info": {
        "productName": "Kerio Connect",
        "version": format!("{major}.{minor}.{revision}"),
        "buildNumber": build.to_string(),
        "osName": "Linux (kerio-emulator)",
        "os": "Linux",
        "releaseType": "Final",
        "deployedType": "DeployedStandalone",
        "isDockerImage": false,
        "updateInfo": {"result": "NoUpdate", "description": "", "downloadUrl": "", "infoUrl": ""},
    }}))
}

/// `Server.getNamedConstantList`: one `kerio_web_<Unit>` constant per byte unit, in
/// `kerio::web::ByteUnits` order.
///
/// Names are verified (Kerio's PHP sample looks up `kerio_web_Bytes` … `kerio_web_PetaBytes`);
/// the values are strings because `NamedConstant.value` is a string in Kerio's IDL. That each
/// value is the unit's own name ("KiloBytes") is [I]: Kerio's sample `getSizeInBytes` compares a
/// size's `units` string with these values, which only works if they are equal. Only the byte
/// units are listed because no other constant is documented.
fn get_named_constant_list(_call: &mut Call) -> Result<Value, KerioError> {
    let constants: Vec<Value> = BYTE_UNITS
        .iter()
        .map(|unit| json!({"name": format!("kerio_web_{unit}"), "value": unit}))
        .collect();
    Ok(json!({ "constants": constants }))
}

fn get_api_version(_call: &mut Call) -> Result<Value, KerioError> {
    Ok(json!({ "apiVersion": API_VERSION }))
}

fn get_product_version(call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = version(call);
    Ok(json!({"productVersion": {
        "productName": "Kerio Connect",
        "major": major,
        "minor": minor,
        "revision": revision,
        "build": build,
        "order": 1,
        "releaseType": "Final",
        "displayNumber": format!("{major}.{minor}.{revision}"),
    }}))
}

/// The entity `Server.findEntityByEmail` checks for (`updatedEntity`): Kerio's `EntityDetail`,
/// "kind or id must be filled".
struct UpdatedEntity {
    kind: String,
    id: String,
}

fn updated_entity(call: &Call) -> Result<UpdatedEntity, KerioError> {
    let detail = call.object("updatedEntity")?;
    let text = |name: &str| {
        detail
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let entity = UpdatedEntity {
        kind: text("kind"),
        id: text("id"),
    };
    if entity.kind.is_empty() && entity.id.is_empty() {
        return Err(errors::invalid_params(
            "updatedEntity must name the entity's kind (e.g. EntityUser) or its id",
        ));
    }
    Ok(entity)
}

/// One holder of an address: a user (by login name or alias), an alias, a group or a list.
struct Holding {
    id: String,
    kind: String,
    name: String,
    /// A user whose login name is the address: it wins the collision. [I]
    by_login: bool,
}

/// Every holder of local part `local` in `domain`: users first (login, then alias), then the
/// aliases, groups and mailing lists, each in creation order.
fn holders_of(store: &Store, domain: &Domain, local: &str) -> Vec<Holding> {
    let full = format!("{local}@{}", domain.name);
    let users = store.users_in(&domain.id).filter_map(|user| {
        let by_login = user.has_login(local);
        let by_alias = user
            .email_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(local) || a.eq_ignore_ascii_case(&full));
        (by_login || by_alias).then(|| Holding {
            id: user.id.clone(),
            kind: "EntityUser".to_string(),
            name: user.login_name.clone(),
            by_login,
        })
    });
    let others = store
        .holders_in(&domain.id)
        .filter(|holder| holder.holds(local))
        .map(|holder| Holding {
            id: holder.id.clone(),
            kind: holder.kind.clone(),
            name: holder.name.clone(),
            by_login: false,
        });
    users.chain(others).collect()
}

/// The local part of `address` in `domain` (a bare local part is taken as is); None for an
/// address of another domain.
fn local_part<'a>(address: &'a str, domain: &Domain) -> Option<&'a str> {
    match address.rsplit_once('@') {
        Some((local, host)) if host.eq_ignore_ascii_case(&domain.name) => Some(local),
        Some(_) => None,
        None => Some(address),
    }
}

/// The entries for one address: every other holder, then the checked entity itself marked
/// `isPattern`; nothing when no other entity holds it. The winner is the user whose login
/// name is the address, else the oldest holder. [I]
fn collisions(holders: &[Holding], updated: &UpdatedEntity, local: &str, full: &str) -> Vec<Value> {
    let is_updated = |h: &Holding| !updated.id.is_empty() && h.id == updated.id;
    if holders.iter().all(is_updated) {
        return Vec::new();
    }
    let winner = holders.iter().position(|h| h.by_login).unwrap_or_default();
    let entry = |kind: &str, name: &str, win: bool, is_pattern: bool| json!({"kind": kind, "name": name, "collisionAddress": full, "win": win, "isPattern": is_pattern});
    let mut entries: Vec<Value> = holders
        .iter()
        .enumerate()
        .filter(|(_, h)| !is_updated(h))
        .map(|(position, h)| entry(&h.kind, &h.name, position == winner, false))
        .collect();
    let own = holders.iter().position(is_updated);
    let (kind, name) = match own {
        Some(position) => (
            holders[position].kind.as_str(),
            holders[position].name.as_str(),
        ),
        None if updated.kind.is_empty() => ("EntityUser", local),
        None => (updated.kind.as_str(), local),
    };
    entries.push(entry(kind, name, own == Some(winner), true));
    entries
}

/// `Server.findEntityByEmail`: for each address (a local part, or a full address in the
/// domain; other domains are skipped [I]) every user, alias, group and mailing list holding
/// it. Kerio documents that "creating duplicates is often allowed", so this is the only way
/// to see them; `updatedEntity` (kind or id) is the entity being checked, listed with
/// `isPattern: true` when something else holds the address, never as its own duplicate.
fn find_entity_by_email(call: &mut Call) -> Result<Value, KerioError> {
    let addresses = call.array("addresses")?.clone();
    let updated = updated_entity(call)?;
    let store = lock(&call.emulator.store);
    let domain = domain_param(call, &store)?;
    let mut entities = Vec::new();
    for address in &addresses {
        let address = address
            .as_str()
            .ok_or_else(|| errors::invalid_params("addresses must be an array of strings"))?;
        let Some(local) = local_part(address, &domain) else {
            continue;
        };
        let full = format!("{local}@{}", domain.name);
        let holders = holders_of(&store, &domain, local);
        entities.extend(collisions(&holders, &updated, local, &full));
    }
    Ok(json!({ "entities": entities }))
}
