//! The `Users` interface: get (SearchQuery), create, set (partial patterns), remove (keep,
//! delete or move the mailbox), getStatistics. Per-item failures go to `errors` with `inputIndex`.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::domains::{domain_param, user_allowance};
use crate::errors::{self, KerioError};
use crate::mailstore::kept_owner;
use crate::policy;
use crate::rpc::{Access, Call, Caller, Method};
use crate::state::{
    role_rank, ByteValue, Domain, Forwarding, ItemLimit, KeptMailbox, Mailbox, PasswordHash, Role,
    SizeLimit, SizeUnits, Store, User, BYTE_UNITS, ROLES,
};
use crate::{lock, Emulator};

/// The Users methods.
pub const METHODS: &[Method] = &[
    Method {
        name: "Users.get",
        access: Access::Read,
        handler: get,
    },
    Method {
        name: "Users.create",
        access: Access::Write,
        handler: create,
    },
    Method {
        name: "Users.set",
        access: Access::Write,
        handler: set,
    },
    Method {
        name: "Users.remove",
        access: Access::Write,
        handler: remove,
    },
    Method {
        name: "Users.getStatistics",
        access: Access::Read,
        handler: get_statistics,
    },
];

/// The id of the default access policy group (as `AccessPolicy.getGroupList` lists it).
pub const DEFAULT_ACCESS_POLICY_ID: &str =
    "keriodb://accesspolicygroup/00000000-0000-4000-8000-000000000001";

/// Fields QUICKSEARCH looks in.
const QUICK_FIELDS: &[&str] = &["loginName", "fullName", "description"];
/// Accepted `authType` values.
const AUTH_TYPES: &[&str] = &[
    "UInternalAuth",
    "UWindowsNTAuth",
    "UPamAuth",
    "UKerberosAuth",
    "UAppleAuth",
    "ULDAPAuth",
];

fn role_json(role: &Role) -> Value {
    json!({
        "userRole": role.user_role,
        "publicFolderRight": role.public_folder_right,
        "archiveFolderRight": role.archive_folder_right,
    })
}

fn size_limit_json(limit: &SizeLimit) -> Value {
    json!({"isActive": limit.is_active, "limit": {"value": limit.limit.value, "units": limit.limit.units}})
}

/// Every field of a user's wire form.
const USER_FIELDS: &[&str] = &[
    "id",
    "domainId",
    "companyContactId",
    "loginName",
    "fullName",
    "description",
    "isEnabled",
    "itemSource",
    "authType",
    "isPasswordReversible",
    "allowPasswordChange",
    "hasDefaultSpamRule",
    "role",
    "groupRole",
    "effectiveRole",
    "isWritableByMe",
    "emailAddresses",
    "emailForwarding",
    "userGroups",
    "itemLimit",
    "diskSizeLimit",
    "consumedItems",
    "consumedSize",
    "hasDomainRestriction",
    "outMessageLimit",
    "lastLoginInfo",
    "publishInGal",
    "cleanOutItems",
    "accessPolicy",
    "homeServer",
    "migration",
];

/// One field of a user's wire form; `None` for a name not in [`USER_FIELDS`]. `consumedSize`
/// and `diskSizeLimit` are expressed as `units` says.
fn user_field(user: &User, field: &str, units: SizeUnits) -> Option<Value> {
    Some(match field {
        "id" => json!(user.id),
        "domainId" => json!(user.domain_id),
        "companyContactId" => json!(""),
        "loginName" => json!(user.login_name),
        "fullName" => json!(user.full_name),
        "description" => json!(user.description),
        "isEnabled" => json!(user.is_enabled),
        "itemSource" => json!("DSInternalSource"),
        "authType" => json!(user.auth_type),
        "isPasswordReversible" => json!(user.is_password_reversible),
        "allowPasswordChange" => json!(user.allow_password_change),
        "hasDefaultSpamRule" => json!(user.has_default_spam_rule),
        "role" => role_json(&user.role),
        "groupRole" => role_json(&user.group_role),
        "effectiveRole" => role_json(user.effective_role()),
        "isWritableByMe" => json!(true),
        "emailAddresses" => json!(user.email_addresses),
        "emailForwarding" => {
            json!({"mode": user.forwarding.mode, "emailAddresses": user.forwarding.addresses})
        }
        "userGroups" => json!([]),
        "itemLimit" => {
            json!({"isActive": user.item_limit.is_active, "limit": user.item_limit.limit})
        }
        "diskSizeLimit" => size_limit_json(&SizeLimit {
            is_active: user.disk_size_limit.is_active,
            limit: units.express_limit(&user.disk_size_limit.limit),
        }),
        "consumedItems" => json!(user.mailbox.items),
        "consumedSize" => {
            let consumed = units.express(user.mailbox.bytes);
            json!({"value": consumed.value, "units": consumed.units})
        }
        "hasDomainRestriction" => json!(false),
        "outMessageLimit" => {
            json!({"isActive": false, "limit": {"value": 0, "units": "MegaBytes"}})
        }
        "lastLoginInfo" => {
            json!({"dateTime": user.last_login.date_time, "protocol": user.last_login.protocol})
        }
        "publishInGal" => json!(true),
        "cleanOutItems" => {
            let off = json!({"isEnabled": false, "days": 30});
            json!({"isUsedDomain": true, "deletedItems": off, "junkEmail": off,
                   "sentItems": off, "autoDelete": off})
        }
        "accessPolicy" => json!({"id": DEFAULT_ACCESS_POLICY_ID, "name": "Default"}),
        "homeServer" => json!({"id": "", "name": ""}),
        "migration" => json!({"enabled": false, "id": "", "name": ""}),
        _ => return None,
    })
}

/// The wire form of a user with only `fields` (unknown names are left out).
fn user_json_with<S: AsRef<str>>(user: &User, fields: &[S], units: SizeUnits) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|field| {
                let field = field.as_ref();
                user_field(user, field, units).map(|value| (field.to_string(), value))
            })
            .collect(),
    )
}

/// The full wire form of a user (never the password), sizes expressed as `units` says.
pub fn user_json(user: &User, units: SizeUnits) -> Value {
    user_json_with(user, USER_FIELDS, units)
}

/// `Users.get`: the users of one domain (found through the store's domain index), each built
/// with only the fields the query reads or returns.
fn get(call: &mut Call) -> Result<Value, KerioError> {
    let query = call.query()?;
    let fields = query.fields_read(QUICK_FIELDS);
    let units = call.emulator.settings.size_units;
    let store = lock(&call.emulator.store);
    let domain = domain_param(call, &store)?;
    let items = store
        .users_in(&domain.id)
        .map(|user| match &fields {
            Some(fields) => user_json_with(user, fields, units),
            None => user_json(user, units),
        })
        .collect();
    drop(store);
    query.apply(items, user_template(), QUICK_FIELDS)
}

/// A user with every field, for the query to check field names against.
fn user_template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        user_json(
            &User::new(&Domain::new("template.invalid", false), "template", ""),
            SizeUnits::Exact,
        )
    })
}

// ---------- pattern parsing (shared by create and set) ----------

fn invalid(detail: String) -> KerioError {
    errors::invalid_value(&detail)
}

fn as_bool(value: &Value, field: &str) -> Result<bool, KerioError> {
    value
        .as_bool()
        .ok_or_else(|| invalid(format!("{field} must be true or false.")))
}

fn as_text<'v>(value: &'v Value, field: &str) -> Result<&'v str, KerioError> {
    value
        .as_str()
        .ok_or_else(|| invalid(format!("{field} must be a string.")))
}

fn as_count(value: &Value, field: &str) -> Result<u64, KerioError> {
    value
        .as_u64()
        .ok_or_else(|| invalid(format!("{field} must be a non-negative integer.")))
}

fn member<'v>(
    object: &'v Map<String, Value>,
    name: &str,
    whole: &str,
) -> Result<&'v Value, KerioError> {
    object
        .get(name)
        .ok_or_else(|| invalid(format!("{whole} must be complete: '{name}' is missing.")))
}

fn as_struct<'v>(value: &'v Value, field: &str) -> Result<&'v Map<String, Value>, KerioError> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("{field} must be an object.")))
}

fn parse_role(value: &Value) -> Result<Role, KerioError> {
    let object = as_struct(value, "role")?;
    let user_role = as_text(member(object, "userRole", "role")?, "role.userRole")?;
    if !ROLES.contains(&user_role) {
        return Err(invalid(format!(
            "role.userRole must be one of {}.",
            ROLES.join(", ")
        )));
    }
    Ok(Role {
        user_role: user_role.to_string(),
        public_folder_right: as_bool(
            member(object, "publicFolderRight", "role")?,
            "role.publicFolderRight",
        )?,
        archive_folder_right: as_bool(
            member(object, "archiveFolderRight", "role")?,
            "role.archiveFolderRight",
        )?,
    })
}

fn parse_size_limit(value: &Value) -> Result<SizeLimit, KerioError> {
    let object = as_struct(value, "diskSizeLimit")?;
    let is_active = as_bool(
        member(object, "isActive", "diskSizeLimit")?,
        "diskSizeLimit.isActive",
    )?;
    let limit = as_struct(
        member(object, "limit", "diskSizeLimit")?,
        "diskSizeLimit.limit",
    )?;
    let amount = as_count(
        member(limit, "value", "diskSizeLimit.limit")?,
        "diskSizeLimit.limit.value",
    )?;
    let units = as_text(
        member(limit, "units", "diskSizeLimit.limit")?,
        "diskSizeLimit.limit.units",
    )?;
    if !BYTE_UNITS.contains(&units) {
        return Err(invalid(format!(
            "diskSizeLimit.limit.units must be one of {}.",
            BYTE_UNITS.join(", ")
        )));
    }
    Ok(SizeLimit {
        is_active,
        limit: ByteValue {
            value: amount,
            units: units.to_string(),
        },
    })
}

fn parse_item_limit(value: &Value) -> Result<ItemLimit, KerioError> {
    let object = as_struct(value, "itemLimit")?;
    Ok(ItemLimit {
        is_active: as_bool(
            member(object, "isActive", "itemLimit")?,
            "itemLimit.isActive",
        )?,
        limit: as_count(member(object, "limit", "itemLimit")?, "itemLimit.limit")?,
    })
}

fn parse_addresses(value: &Value) -> Result<Vec<String>, KerioError> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid("emailAddresses must be an array of strings.".to_string()))?;
    items
        .iter()
        .map(|item| as_text(item, "emailAddresses[]").map(str::to_string))
        .collect()
}

/// Whether a pattern member means "leave this field as it is": `null` for any field, an empty
/// `authType`, and an `emailForwarding` whose `mode` is empty, as clients that write back a whole
/// user object send them. [I]
fn unchanged(name: &str, value: &Value) -> bool {
    value.is_null()
        || (name == "authType" && value.as_str() == Some(""))
        || (name == "emailForwarding" && value.get("mode").and_then(Value::as_str) == Some(""))
}

/// `emailForwarding` `{mode, emailAddresses}`: mode one of Kerio's three; addresses kept as given
/// (Kerio does not check loops or duplicates here) [I].
fn parse_forwarding(value: &Value) -> Result<Forwarding, KerioError> {
    let object = as_struct(value, "emailForwarding")?;
    let mode = as_text(
        member(object, "mode", "emailForwarding")?,
        "emailForwarding.mode",
    )?;
    if !Forwarding::MODES.contains(&mode) {
        return Err(invalid(format!(
            "emailForwarding.mode must be one of {}.",
            Forwarding::MODES.join(", ")
        )));
    }
    let addresses = match object.get("emailAddresses") {
        Some(list) => parse_addresses(list)?,
        None => Vec::new(),
    };
    Ok(Forwarding {
        mode: mode.to_string(),
        addresses,
    })
}

/// Applies the writable fields present in `pattern` to `user` (password and loginName are
/// handled by the callers). Read-only and unknown members are ignored, and so are members
/// [`unchanged`] says to leave alone. [I]
fn apply_pattern(user: &mut User, pattern: &Map<String, Value>) -> Result<(), KerioError> {
    for (name, value) in pattern {
        if unchanged(name, value) {
            continue;
        }
        match name.as_str() {
            "fullName" => user.full_name = as_text(value, name)?.to_string(),
            "description" => user.description = as_text(value, name)?.to_string(),
            "isEnabled" => user.is_enabled = as_bool(value, name)?,
            "isPasswordReversible" => user.is_password_reversible = as_bool(value, name)?,
            "allowPasswordChange" => user.allow_password_change = as_bool(value, name)?,
            "hasDefaultSpamRule" => user.has_default_spam_rule = as_bool(value, name)?,
            "authType" => {
                let auth = as_text(value, name)?;
                if !AUTH_TYPES.contains(&auth) {
                    return Err(invalid(format!(
                        "authType must be one of {}.",
                        AUTH_TYPES.join(", ")
                    )));
                }
                user.auth_type = auth.to_string();
            }
            "role" => user.role = parse_role(value)?,
            "emailAddresses" => user.email_addresses = parse_addresses(value)?,
            "emailForwarding" => user.forwarding = parse_forwarding(value)?,
            "itemLimit" => user.item_limit = parse_item_limit(value)?,
            "diskSizeLimit" => user.disk_size_limit = parse_size_limit(value)?,
            _ => {}
        }
    }
    Ok(())
}

// ---------- rights and limits ----------

/// Non-FullAdmins may not touch accounts with a stronger role or grant a stronger role.
fn check_rights(caller: &Caller, target_role: &str) -> Result<(), KerioError> {
    if caller.at_least("FullAdmin") || role_rank(target_role) <= role_rank(&caller.role) {
        Ok(())
    } else {
        Err(errors::insufficient_rights())
    }
}

/// Fails when one more active user in `domain` would exceed its limit or the licence.
fn check_seat(store: &Store, domain: &Domain, license: Option<u32>) -> Result<(), KerioError> {
    match user_allowance(store, domain, license) {
        Some((limit, 0, "LicenseLimit")) => Err(errors::license_exceeded(limit)),
        Some((limit, 0, _)) => Err(errors::domain_limit_exceeded(&domain.name, limit)),
        _ => Ok(()),
    }
}

fn check_login_free(
    store: &Store,
    domain_id: &str,
    login: &str,
    except: &str,
) -> Result<(), KerioError> {
    match store.user_by_login(domain_id, login) {
        Some(other) if other.id != except => Err(errors::user_exists(login)),
        _ => Ok(()),
    }
}

/// The `password` of a pattern, unless it is absent, `null` or empty: a read-then-write client
/// sends `""` for "keep the password" (the field is write-only, so it reads back empty). [I]
fn given_password(pattern: &Map<String, Value>) -> Option<&Value> {
    pattern
        .get("password")
        .filter(|value| !value.is_null() && value.as_str() != Some(""))
}

fn set_password(user: &mut User, domain: &Domain, value: &Value) -> Result<(), KerioError> {
    let password = as_text(value, "password")?;
    policy::check_password(domain, &user.login_name, &user.full_name, password)?;
    user.password = PasswordHash::new(password);
    Ok(())
}

// ---------- create ----------

fn create_one(
    emulator: &Emulator,
    store: &mut Store,
    caller: &Caller,
    item: &Value,
) -> Result<String, KerioError> {
    let pattern = item
        .as_object()
        .ok_or_else(|| invalid("each user must be an object.".to_string()))?;
    let domain_id = pattern
        .get("domainId")
        .ok_or_else(|| invalid("domainId is required to create a user.".to_string()))?;
    let domain_id = as_text(domain_id, "domainId")?;
    let domain = store
        .domain(domain_id)
        .cloned()
        .ok_or_else(|| errors::domain_not_found(domain_id))?;
    caller.check_covers(&domain.id)?;
    let login = pattern
        .get("loginName")
        .ok_or_else(|| invalid("loginName is required to create a user.".to_string()))?;
    let login = as_text(login, "loginName")?;
    policy::check_login_name(login)?;
    check_login_free(store, &domain.id, login, "")?;
    let mut user = User::new(&domain, login, "");
    apply_pattern(&mut user, pattern)?;
    check_rights(caller, &user.role.user_role)?;
    match given_password(pattern) {
        Some(password) => set_password(&mut user, &domain, password)?,
        None if user.auth_type == "UInternalAuth" => {
            return Err(invalid(
                "password is required for a user with internal authentication.".to_string(),
            ))
        }
        None => {}
    }
    if user.is_enabled {
        check_seat(store, &domain, emulator.settings.license_users)?;
    }
    if let Some(mailbox) = store
        .take_kept_mailbox(&domain.id, login)
        .map_err(storage)?
    {
        user.mailbox = mailbox;
        lock(&emulator.mail)
            .transfer(&kept_owner(&domain.id, login), &user.id)
            .map_err(storage)?;
    }
    let id = user.id.clone();
    store.insert_user(user).map_err(storage)?;
    Ok(id)
}

fn storage(error: std::io::Error) -> KerioError {
    eprintln!("kerio-emulator: storage error: {error}");
    invalid(format!("internal database error ({error})."))
}

fn create(call: &mut Call) -> Result<Value, KerioError> {
    let caller = call.caller()?.clone();
    let items = call.array("users")?.clone();
    let mut store = lock(&call.emulator.store);
    let mut errors_out = Vec::new();
    let mut results = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match create_one(call.emulator, &mut store, &caller, item) {
            Ok(id) => results.push(json!({"inputIndex": index, "id": id})),
            Err(error) => errors_out.push(error.to_item_json(index)),
        }
    }
    Ok(json!({"errors": errors_out, "result": results}))
}

// ---------- set ----------

fn set_one(
    emulator: &Emulator,
    store: &mut Store,
    caller: &Caller,
    id: &Value,
    pattern: &Map<String, Value>,
) -> Result<(), KerioError> {
    let id = as_text(id, "userIds[]")?;
    let current = store
        .user(id)
        .cloned()
        .ok_or_else(|| errors::user_not_found(id))?;
    caller.check_covers(&current.domain_id)?;
    check_rights(caller, &current.role.user_role)?;
    let domain = store
        .domain(&current.domain_id)
        .cloned()
        .ok_or_else(|| errors::domain_not_found(&current.domain_id))?;
    let mut user = current.clone();
    apply_pattern(&mut user, pattern)?;
    check_rights(caller, &user.role.user_role)?;
    if let Some(login) = pattern.get("loginName").filter(|v| !v.is_null()) {
        let login = as_text(login, "loginName")?;
        policy::check_login_name(login)?;
        check_login_free(store, &domain.id, login, &user.id)?;
        user.login_name = login.to_string();
    }
    if let Some(password) = given_password(pattern) {
        set_password(&mut user, &domain, password)?;
    }
    if !user.is_enabled && user.id == caller.user_id {
        return Err(errors::cannot_change_self());
    }
    if user.is_enabled && !current.is_enabled {
        check_seat(store, &domain, emulator.settings.license_users)?;
    }
    if !user.is_enabled {
        lock(&emulator.sessions).close_all_of(&user.id);
    }
    store.update_user(user).map_err(storage)
}

fn set(call: &mut Call) -> Result<Value, KerioError> {
    let caller = call.caller()?.clone();
    let ids = call.array("userIds")?.clone();
    let pattern = call.object("pattern")?.clone();
    let mut store = lock(&call.emulator.store);
    let errors_out: Vec<Value> = ids
        .iter()
        .enumerate()
        .filter_map(|(index, id)| {
            set_one(call.emulator, &mut store, &caller, id, &pattern)
                .err()
                .map(|error| error.to_item_json(index))
        })
        .collect();
    Ok(json!({ "errors": errors_out }))
}

// ---------- remove ----------

fn remove_one(
    emulator: &Emulator,
    store: &mut Store,
    caller: &Caller,
    request: &Value,
) -> Result<(), KerioError> {
    let request = as_struct(request, "requests[]")?;
    let id = as_text(member(request, "userId", "a removal request")?, "userId")?;
    let method = as_text(member(request, "method", "a removal request")?, "method")?;
    if let Some(mode) = request.get("mode") {
        let mode = as_text(mode, "mode")?;
        if !["DSModeDeactivate", "DSModeDelete"].contains(&mode) {
            return Err(invalid(
                "mode must be DSModeDeactivate or DSModeDelete.".to_string(),
            ));
        }
    }
    let user = store
        .user(id)
        .cloned()
        .ok_or_else(|| errors::user_not_found(id))?;
    caller.check_covers(&user.domain_id)?;
    check_rights(caller, &user.role.user_role)?;
    if user.id == caller.user_id {
        return Err(errors::cannot_change_self());
    }
    match method {
        "UDeleteUser" => store
            .keep_mailbox(KeptMailbox {
                domain_id: user.domain_id.clone(),
                login_name: user.login_name.to_ascii_lowercase(),
                mailbox: user.mailbox,
            })
            .and_then(|()| {
                let owner = kept_owner(&user.domain_id, &user.login_name);
                let mut mail = lock(&emulator.mail);
                mail.remove_owner(&owner)?;
                mail.transfer(&user.id, &owner)
            })
            .map_err(storage)?,
        "UDeleteFolder" => lock(&emulator.mail)
            .remove_owner(&user.id)
            .map_err(storage)?,
        "UMoveFolder" => move_mailbox(store, &user, request)?,
        _ => {
            return Err(invalid(
                "method must be UDeleteUser, UDeleteFolder or UMoveFolder.".to_string(),
            ))
        }
    }
    lock(&emulator.sessions).close_all_of(&user.id);
    store.delete_user(&user.id).map_err(storage)
}

fn move_mailbox(
    store: &mut Store,
    user: &User,
    request: &Map<String, Value>,
) -> Result<(), KerioError> {
    let target_id = request
        .get("targetUserId")
        .and_then(Value::as_str)
        .unwrap_or("");
    if target_id.is_empty() || target_id == user.id {
        return Err(invalid(
            "UMoveFolder needs targetUserId naming another existing user.".to_string(),
        ));
    }
    let mut target = store
        .user(target_id)
        .cloned()
        .ok_or_else(|| errors::user_not_found(target_id))?;
    target.mailbox = target.mailbox.merged(user.mailbox);
    store.update_user(target).map_err(storage)
}

fn remove(call: &mut Call) -> Result<Value, KerioError> {
    let caller = call.caller()?.clone();
    let requests = call.array("requests")?.clone();
    let mut store = lock(&call.emulator.store);
    let errors_out: Vec<Value> = requests
        .iter()
        .enumerate()
        .filter_map(|(index, request)| {
            remove_one(call.emulator, &mut store, &caller, request)
                .err()
                .map(|error| error.to_item_json(index))
        })
        .collect();
    Ok(json!({ "errors": errors_out }))
}

// ---------- statistics ----------

fn login_stat(count: u64, date_time: i64) -> Value {
    json!({"count": count, "lastLogin": if count > 0 { date_time.to_string() } else { String::new() }})
}

fn statistics_json(user: &User, units: SizeUnits) -> Value {
    let storage = units.express(user.mailbox.bytes);
    let none = login_stat(0, 0);
    let web = login_stat(user.web_logins, user.last_login.date_time);
    let mut stats = json!({
        "name": user.login_name,
        "occupiedSpace": {"items": user.mailbox.items, "storage": {"value": storage.value, "units": storage.units}},
    });
    for protocol in [
        "pop3",
        "securePop3",
        "imap",
        "secureImap",
        "http",
        "ldap",
        "secureLdap",
        "nntp",
        "secureNntp",
        "activeSync",
        "secureActiveSync",
        "xmpp",
        "secureXmpp",
    ] {
        stats[protocol] = none.clone();
    }
    stats["secureHttp"] = web;
    stats["secureImap"] = login_stat(user.imap_logins, user.last_login.date_time);
    stats
}

fn get_statistics(call: &mut Call) -> Result<Value, KerioError> {
    let query = call.query()?;
    let ids = call.array("userIds")?.clone();
    let caller = call.caller()?;
    let store = lock(&call.emulator.store);
    let mut items = Vec::new();
    for id in &ids {
        let id = id
            .as_str()
            .ok_or_else(|| errors::invalid_params("userIds must be an array of user ids"))?;
        let user = store.user(id).ok_or_else(|| errors::user_not_found(id))?;
        caller.check_covers(&user.domain_id)?;
        items.push(statistics_json(user, call.emulator.settings.size_units));
    }
    drop(store);
    let template = statistics_json(
        &User::new(&Domain::new("template.invalid", false), "template", ""),
        SizeUnits::Exact,
    );
    let mut result = query.apply(items, &template, &[])?;
    if let Some(object) = result.as_object_mut() {
        object.remove("totalItems");
    }
    Ok(result)
}

// ---------- seeding ----------

/// Gives a seeded user varied, deterministic usage, quota and last login from its number `n`.
pub fn seed_profile(user: &mut User, n: usize) {
    const MIB: u64 = 1024 * 1024;
    let n = n as u64;
    user.full_name = format!("Seed User {n}");
    user.mailbox = Mailbox {
        bytes: (n * 7919 % 2000) * MIB + (n % 1024) * 1024,
        items: n * 31 % 20_000,
    };
    let quotas_mb = [0, 500, 1024, 2048, 10240];
    let quota = quotas_mb[(n % quotas_mb.len() as u64) as usize];
    user.disk_size_limit = SizeLimit {
        is_active: quota > 0,
        limit: ByteValue {
            value: quota,
            units: "MegaBytes".to_string(),
        },
    };
    if n.is_multiple_of(3) {
        user.last_login.date_time = 1_700_000_000 + (n as i64) * 60;
        user.last_login.protocol = "HTTPS".to_string();
    }
}
