//! Kerio Administration API data types (wire names in camelCase).
//!
//! Top-level records have every field optional and skipped when `None`, so one `User` struct
//! serves as the `Users.create` payload, the `Users.set` pattern (only the fields that are set
//! change) and the `Users.get` result (only the requested `fields` come back). Nested structs that
//! Kerio requires complete when sent (`SizeLimit`, `UserRight`, …) have mandatory fields.

use crate::secret::Secret;
use crate::units::{ByteValueWithUnits, ItemCountLimit, SizeLimit};
use serde::{Deserialize, Serialize};

/// Kerio's `UserRight`: the role of a user and two extra folder rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct UserRight {
    /// `UserRole`, `Auditor`, `AccountAdmin`, `FullAdmin`, or (whoAmI only) `BuiltInAdmin`.
    pub user_role: String,
    /// May manage public folders.
    pub public_folder_right: bool,
    /// May read the archive folder.
    pub archive_folder_right: bool,
}

/// Kerio's `LastLogin` (read-only): when and over which protocol the user last logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LastLogin {
    /// Unix timestamp; 0 or absent when the user never logged in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time: Option<i64>,
    /// The protocol of that login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// Kerio's `User` (a mailbox account). See the module doc for the "all optional" convention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// Read-only id, `keriodb://user/<domain-uuid>/<user-uuid>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The domain id; required for create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    /// The local part of the primary address; required for create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_name: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Free text; this project stores the WHMCS service id here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `false` = suspended (cannot log in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// `UInternalAuth` for local users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    /// Write-only password (never returned by Kerio, never printed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Store the password reversibly (needed for some authentication methods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_password_reversible: Option<bool>,
    /// May the user change the password himself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_password_change: Option<bool>,
    /// Create the default spam rule (honoured on creation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_default_spam_rule: Option<bool>,
    /// The user's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRight>,
    /// The role the user's groups give (read-only, derived by Kerio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_role: Option<UserRight>,
    /// The role in force, the higher of `role` and `group_role` (read-only, derived by Kerio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_role: Option<UserRight>,
    /// Additional addresses (aliases); the primary `login@domain` is not listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_addresses: Option<Vec<String>>,
    /// Where the user's mail is forwarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_forwarding: Option<EmailForwarding>,
    /// Maximum number of items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_limit: Option<ItemCountLimit>,
    /// Mailbox quota.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_limit: Option<SizeLimit>,
    /// Current number of items (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_items: Option<u64>,
    /// Current mailbox size (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_size: Option<ByteValueWithUnits>,
    /// Last login (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_info: Option<LastLogin>,
}

/// Kerio's `EmailForwarding`: `mode` is `UForwardNone`, `UForwardYes` (forward only) or
/// `UForwardDeliver` (keep a copy and forward).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct EmailForwarding {
    /// `UForwardNone`, `UForwardYes` or `UForwardDeliver`.
    pub mode: String,
    /// The target addresses.
    pub email_addresses: Vec<String>,
}

/// Kerio's `Domain` (the subset this project reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Domain {
    /// Read-only id, `keriodb://domain/<uuid>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The domain name, e.g. `example.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether it is the server's primary domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_primary: Option<bool>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether complex passwords are required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_complexity_enabled: Option<bool>,
    /// Minimum password length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_minimum_length: Option<u32>,
    /// Maximum number of users in the domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_max_count: Option<i64>,
    /// Alias domain names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_list: Option<Vec<String>>,
}

/// The result of every `*.get`: one page of items and the number of all matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResult<T> {
    /// The items of this page.
    pub list: Vec<T>,
    /// How many items match the query before `start`/`limit`.
    pub total_items: u64,
}

/// One created item of a `*.create` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResult {
    /// Index into the input list.
    pub input_index: usize,
    /// The id of the new item.
    pub id: String,
}

/// What `Users.remove` does with the user's mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalMethod {
    /// Delete the user, keep the mailbox folder (re-attached if the login is created again).
    UDeleteUser,
    /// Delete the user and the mailbox.
    UDeleteFolder,
    /// Delete the user and move the mailbox into `target_user_id`'s mailbox.
    UMoveFolder,
}

/// Directory-service delete mode of `Users.remove`; local users are deleted with `DSModeDelete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum RemovalMode {
    /// Deactivate instead of deleting (directory-service users).
    DSModeDeactivate,
    /// Delete.
    #[default]
    DSModeDelete,
}

/// One item of `Users.remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovalRequest {
    /// The user to remove.
    pub user_id: String,
    /// What happens to the mailbox.
    pub method: RemovalMethod,
    /// Also remove aliases, group memberships and rights that name the user.
    pub remove_references: bool,
    /// Receiver of the mailbox for `UMoveFolder`, else empty.
    pub target_user_id: String,
    /// Directory-service mode.
    pub mode: RemovalMode,
}

/// Kerio's `UserDetails` from `Session.whoAmI`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct UserDetails {
    /// User id (empty for the built-in admin).
    pub id: String,
    /// Domain id (empty for the built-in admin).
    pub domain_id: String,
    /// Login name.
    pub login_name: String,
    /// Display name.
    pub full_name: String,
    /// The role in force.
    pub effective_role: UserRight,
}

impl UserDetails {
    /// The member of `Session.whoAmI`'s result that holds the [`UserDetails`].
    pub const IN_WHO_AM_I: &'static str = "userDetails";
}

/// `Server.getVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerVersion {
    /// e.g. `Kerio Connect`.
    pub product: String,
    /// e.g. `10.0.8.9228`.
    pub version: String,
    /// Major version number.
    pub major: i64,
    /// Minor version number.
    pub minor: i64,
    /// Revision number.
    pub revision: i64,
    /// Build number.
    pub build: i64,
}

/// `Server.getProductInfo` (`info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductInfo {
    /// e.g. `Kerio Connect`.
    pub product_name: String,
    /// Version text.
    pub version: String,
    /// Build number text.
    pub build_number: String,
    /// Operating system description.
    pub os_name: String,
    /// `Windows`, `MacOs` or `Linux`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// `Alpha`, `Beta`, `Rc`, `Final` or `Patch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_type: Option<String>,
    /// `DeployedStandalone`, `DeployedCloud` or `DeployedKerioVA`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_type: Option<String>,
}

/// The user limit part of [`UserCountInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct AllowedUsers {
    /// No limit at all.
    pub is_unlimited: bool,
    /// How many users are allowed.
    pub allowed_users: i64,
    /// The limit in force.
    pub limit: i64,
    /// `DomainLimit` or `LicenseLimit`.
    pub limit_type: String,
}

/// `Domains.getUserCountInfo` (`countInfo`); disabled users are not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct UserCountInfo {
    /// Users counted now.
    pub current_users: i64,
    /// The limit.
    pub allowed_users: AllowedUsers,
}

/// One collision reported by `Server.findEntityByEmail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Entity {
    /// `EntityUser`, `EntityAlias`, `EntityGroup`, `EntityMailingList`, …
    pub kind: String,
    /// Name of the colliding entity.
    pub name: String,
    /// The address that collides.
    pub collision_address: String,
    /// Whether the colliding entity wins (takes precedence).
    pub win: bool,
    /// The entity being checked itself ("the pattern to check (self duplicity)", IDL), listed
    /// when something else holds the address; not a holder.
    pub is_pattern: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_pattern_serialises_only_the_fields_that_are_set() {
        let pattern = User {
            is_enabled: Some(false),
            ..User::default()
        };
        assert_eq!(
            serde_json::to_value(&pattern).unwrap(),
            json!({"isEnabled": false})
        );
    }

    #[test]
    fn user_debug_hides_the_password() {
        let user = User {
            login_name: Some("jdoe".into()),
            password: Some(Secret::new("Top-Secret-9")),
            ..User::default()
        };
        let debug = format!("{user:?}");
        assert!(!debug.contains("Top-Secret-9"), "{debug}");
        assert_eq!(
            serde_json::to_value(&user).unwrap()["password"],
            "Top-Secret-9"
        );
    }

    #[test]
    fn removal_request_uses_kerio_names() {
        let request = RemovalRequest {
            user_id: "keriodb://user/a/b".into(),
            method: RemovalMethod::UDeleteFolder,
            remove_references: true,
            target_user_id: String::new(),
            mode: RemovalMode::DSModeDelete,
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"userId": "keriodb://user/a/b", "method": "UDeleteFolder",
                   "removeReferences": true, "targetUserId": "", "mode": "DSModeDelete"})
        );
    }
}
