//! The `Server` and `Version` interfaces: version and product info, named constants, address
//! collision checks.

use serde_json::{json, Value};

use crate::domains::domain_param;
use crate::errors::{self, KerioError};
use crate::lock;
use crate::rpc::{Access, Call, Method};
use crate::state::BYTE_UNITS;

/// The Kerio Connect version the emulator presents.
const VERSION: (u32, u32, u32, u32) = (10, 0, 8, 9228);
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

fn version_text() -> String {
    let (major, minor, revision, build) = VERSION;
    format!("{major}.{minor}.{revision}.{build}")
}

fn get_version(_call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = VERSION;
    Ok(json!({
        "product": "Kerio Connect",
        "version": version_text(),
        "major": major,
        "minor": minor,
        "revision": revision,
        "build": build,
    }))
}

fn get_product_info(_call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = VERSION;
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

fn get_product_version(_call: &mut Call) -> Result<Value, KerioError> {
    let (major, minor, revision, build) = VERSION;
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

/// Reports, for each address (local part or full address in the domain), the user whose login
/// name or alias collides with it; the user being updated (`updatedEntity.id`) is skipped.
fn find_entity_by_email(call: &mut Call) -> Result<Value, KerioError> {
    let addresses = call.array("addresses")?.clone();
    let updated_id = call
        .params
        .get("updatedEntity")
        .and_then(|e| e.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let store = lock(&call.emulator.store);
    let domain = domain_param(call, &store)?;
    let mut entities = Vec::new();
    for address in &addresses {
        let address = address
            .as_str()
            .ok_or_else(|| errors::invalid_params("addresses must be an array of strings"))?;
        let local = match address.rsplit_once('@') {
            Some((local, host)) if host.eq_ignore_ascii_case(&domain.name) => local,
            Some(_) => continue,
            None => address,
        };
        let full = format!("{local}@{}", domain.name);
        let collision = store.users_in(&domain.id).find(|u| {
            u.id != updated_id
                && (u.has_login(local)
                    || u.email_addresses
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(local) || a.eq_ignore_ascii_case(&full)))
        });
        if let Some(user) = collision {
            entities.push(json!({
                "kind": "EntityUser",
                "name": user.login_name,
                "collisionAddress": full,
                "win": false,
                "isPattern": false,
            }));
        }
    }
    Ok(json!({ "entities": entities }))
}
