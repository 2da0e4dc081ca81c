//! Emulator state: domains, users, their mailboxes and kept (orphaned) mailboxes, held in memory
//! and written through to SQLite under the state directory; plus the in-memory admin and webmail
//! sessions and the failed-login tracker (these are not persisted, like on a restarted Kerio).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// File name of the SQLite database inside the state directory.
pub const DATABASE_FILE: &str = "kerio-emulator.sqlite";

/// Kerio's byte units, powers of 1024 (`Bytes` = 0 … `PetaBytes` = 5).
pub const BYTE_UNITS: [&str; 6] = [
    "Bytes",
    "KiloBytes",
    "MegaBytes",
    "GigaBytes",
    "TeraBytes",
    "PetaBytes",
];

/// Converts any error into an `io::Error` (the library's error type).
pub fn io_error(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(error.to_string())
}

/// `count` random bytes as lower-case hex.
pub fn random_hex(count: usize) -> String {
    let mut bytes = vec![0u8; count];
    // The OS random source failing is unrecoverable for an emulator that hands out tokens.
    getrandom::getrandom(&mut bytes).unwrap_or_else(|error| panic!("OS random source: {error}"));
    hex::encode(bytes)
}

/// A random UUID-shaped string (8-4-4-4-12 hex), as Kerio uses inside `keriodb://` ids.
pub fn new_uuid() -> String {
    let hex = random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A size as Kerio writes it: an integer value and a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteValue {
    /// Integer amount of `units`.
    pub value: u64,
    /// One of [`BYTE_UNITS`].
    pub units: String,
}

impl ByteValue {
    /// The exact number of bytes, or `None` for an unknown unit.
    pub fn to_bytes(&self) -> Option<u128> {
        let power = BYTE_UNITS.iter().position(|u| *u == self.units)?;
        Some(u128::from(self.value) * 1024u128.pow(power as u32))
    }

    /// The exact representation of `bytes` in the largest unit up to GigaBytes that divides it.
    pub fn exact(bytes: u64) -> ByteValue {
        let mut value = bytes;
        let mut power = 0;
        while power < 3 && value > 0 && value.is_multiple_of(1024) {
            value /= 1024;
            power += 1;
        }
        ByteValue {
            value,
            units: BYTE_UNITS[power].to_string(),
        }
    }
}

/// How the emulator expresses the sizes it reports (`consumedSize`, `diskSizeLimit`,
/// `Users.getStatistics` storage). Live servers were seen reporting `{666175, MegaBytes}` and
/// `{556545, KiloBytes}`: a unit chosen by the server per field, the value rounded to it, so a
/// client must accept any unit and any rounding. [V observation; I which unit a field uses]
/// The choice is the emulator's (`--size-units`, `KERIO_EMULATOR_SIZE_UNITS`) so that a client's
/// tests can run under each and depend on none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SizeUnits {
    /// The largest unit up to GigaBytes that represents the size exactly.
    #[default]
    Exact,
    /// Always the unit `BYTE_UNITS[n]`, the value rounded down (limits only when exact).
    Fixed(usize),
}

impl SizeUnits {
    /// The names accepted by [`SizeUnits::parse`].
    pub const CHOICES: [&'static str; 4] = ["exact", "bytes", "kilobytes", "megabytes"];

    /// Parses one of [`SizeUnits::CHOICES`].
    pub fn parse(name: &str) -> Result<SizeUnits, String> {
        match Self::CHOICES
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name.trim()))
        {
            Some(0) => Ok(SizeUnits::Exact),
            Some(n) => Ok(SizeUnits::Fixed(n - 1)),
            None => Err(format!(
                "unknown size units {name:?}: use one of {}",
                Self::CHOICES.join(", ")
            )),
        }
    }

    /// `bytes` as this choice reports a size used.
    pub fn express(self, bytes: u64) -> ByteValue {
        match self {
            SizeUnits::Exact => ByteValue::exact(bytes),
            SizeUnits::Fixed(power) => ByteValue {
                value: bytes >> (10 * power),
                units: BYTE_UNITS[power].to_string(),
            },
        }
    }

    /// A stored limit as this choice reports it: in the fixed unit when that is exact, else
    /// as stored.
    pub fn express_limit(self, limit: &ByteValue) -> ByteValue {
        let SizeUnits::Fixed(power) = self else {
            return limit.clone();
        };
        match limit.to_bytes().and_then(|b| u64::try_from(b).ok()) {
            Some(bytes) if bytes % (1u64 << (10 * power)) == 0 => self.express(bytes),
            _ => limit.clone(),
        }
    }
}

/// A quota: `isActive` false means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeLimit {
    /// Whether the limit applies.
    pub is_active: bool,
    /// The limit.
    pub limit: ByteValue,
}

/// A message-count limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLimit {
    /// Whether the limit applies.
    pub is_active: bool,
    /// Maximum number of items.
    pub limit: u64,
}

/// Kerio's `UserRight`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// `UserRole`, `Auditor`, `AccountAdmin` or `FullAdmin`.
    pub user_role: String,
    /// Right to manage public folders.
    pub public_folder_right: bool,
    /// Right to access the archive.
    pub archive_folder_right: bool,
}

/// The admin roles, weakest first; the position is the rank used for "higher rights" checks.
pub const ROLES: [&str; 4] = ["UserRole", "Auditor", "AccountAdmin", "FullAdmin"];

/// Rank of a role name in [`ROLES`] (unknown names rank lowest).
pub fn role_rank(role: &str) -> usize {
    ROLES.iter().position(|r| *r == role).unwrap_or(0)
}

impl Role {
    /// The role of an ordinary mailbox user (`UserRole`, no extra rights).
    pub fn user() -> Role {
        Role::plain("UserRole")
    }

    /// A role without public/archive folder rights.
    pub fn plain(user_role: &str) -> Role {
        Role {
            user_role: user_role.to_string(),
            public_folder_right: false,
            archive_folder_right: false,
        }
    }
}

/// What a mailbox holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// Bytes used.
    pub bytes: u64,
    /// Number of items.
    pub items: u64,
}

impl Mailbox {
    /// The contents of both mailboxes together (used by `UMoveFolder`).
    pub fn merged(self, other: Mailbox) -> Mailbox {
        Mailbox {
            bytes: self.bytes.saturating_add(other.bytes),
            items: self.items.saturating_add(other.items),
        }
    }
}

/// The last login of a user (`dateTime` 0 = never).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastLogin {
    /// Unix timestamp in seconds.
    pub date_time: i64,
    /// Protocol name, e.g. `HTTPS`.
    pub protocol: String,
}

/// A salted SHA-256 password hash; the plain password is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordHash {
    salt: String,
    hash: String,
}

impl PasswordHash {
    /// Hashes `password` with a fresh random salt.
    pub fn new(password: &str) -> PasswordHash {
        let salt = random_hex(16);
        let hash = Self::digest(&salt, password);
        PasswordHash { salt, hash }
    }

    /// Whether `password` is the hashed one.
    pub fn matches(&self, password: &str) -> bool {
        Self::digest(&self.salt, password) == self.hash
    }

    fn digest(salt: &str, password: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(salt.as_bytes());
        hasher.update(password.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// A mail domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// `keriodb://domain/<uuid>`.
    pub id: String,
    /// Domain name, lower case.
    pub name: String,
    /// The primary domain: its users may log in without `@domain`.
    pub is_primary: bool,
    /// Free text.
    pub description: String,
    /// Whether the complex-password rules apply.
    pub password_complexity_enabled: bool,
    /// Minimum password length (applies when complexity is enabled).
    pub password_minimum_length: u32,
    /// Maximum number of active users, 0 = unlimited.
    pub user_max_count: u32,
    /// Alias domain names.
    pub alias_list: Vec<String>,
}

impl Domain {
    /// A new domain with the emulator's defaults (complex passwords on, min. length 8, no limit).
    pub fn new(name: &str, is_primary: bool) -> Domain {
        Domain {
            id: format!("keriodb://domain/{}", new_uuid()),
            name: name.to_ascii_lowercase(),
            is_primary,
            description: String::new(),
            password_complexity_enabled: true,
            password_minimum_length: 8,
            user_max_count: 0,
            alias_list: Vec::new(),
        }
    }

    /// The uuid part of the id (used inside user ids).
    pub fn uuid(&self) -> &str {
        self.id.trim_start_matches("keriodb://domain/")
    }
}

/// A user account with its mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// `keriodb://user/<domain-uuid>/<uuid>`.
    pub id: String,
    /// Id of the user's domain.
    pub domain_id: String,
    /// Local part, unique case-insensitively in the domain.
    pub login_name: String,
    /// Full name.
    pub full_name: String,
    /// Free text (the module stores the WHMCS service id here).
    pub description: String,
    /// Disabled users cannot log in and do not count against licences.
    pub is_enabled: bool,
    /// `UInternalAuth` for local users.
    pub auth_type: String,
    /// Hashed password.
    pub password: PasswordHash,
    /// Stored reversibly (informational only).
    pub is_password_reversible: bool,
    /// Whether the user may change their own password.
    pub allow_password_change: bool,
    /// Whether the default spam rule was created.
    pub has_default_spam_rule: bool,
    /// Admin role.
    pub role: Role,
    /// The role given through the user's groups (Kerio's `groupRole`); `UserRole` when no group
    /// gives admin rights.
    #[serde(default = "Role::user")]
    pub group_role: Role,
    /// Additional addresses (aliases); the default address is not listed.
    pub email_addresses: Vec<String>,
    /// Forwarding: Kerio's `emailForwarding` (mode `UForwardNone`, `UForwardYes`, `UForwardDeliver`).
    #[serde(default = "Forwarding::none")]
    pub forwarding: Forwarding,
    /// Item-count limit.
    pub item_limit: ItemLimit,
    /// Mailbox quota.
    pub disk_size_limit: SizeLimit,
    /// Mailbox contents.
    pub mailbox: Mailbox,
    /// Last client login.
    pub last_login: LastLogin,
    /// Number of webmail logins over HTTP and HTTPS (for `Users.getStatistics`).
    pub web_logins: u64,
    /// Number of IMAP logins (for `Users.getStatistics`, `secureImap`).
    #[serde(default)]
    pub imap_logins: u64,
}

/// A user's `emailForwarding`. Kerio keeps mode and targets as given; a disabled user's mail is
/// not forwarded (reference: "Forwarding does not work while the account is deactivated"), which
/// the emulator does not model beyond storing the setting, since it delivers no mail. [I]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarding {
    /// `UForwardNone`, `UForwardYes` (forward only) or `UForwardDeliver` (keep a copy and forward).
    pub mode: String,
    /// Target addresses.
    pub addresses: Vec<String>,
}

impl Forwarding {
    /// Kerio's valid modes.
    pub const MODES: [&'static str; 3] = ["UForwardNone", "UForwardYes", "UForwardDeliver"];

    /// No forwarding (a new user's setting).
    pub fn none() -> Forwarding {
        Forwarding {
            mode: "UForwardNone".to_string(),
            addresses: Vec::new(),
        }
    }
}

impl User {
    /// A new enabled local user with no quota and an empty mailbox.
    pub fn new(domain: &Domain, login_name: &str, password: &str) -> User {
        User {
            id: format!("keriodb://user/{}/{}", domain.uuid(), new_uuid()),
            domain_id: domain.id.clone(),
            login_name: login_name.to_string(),
            full_name: String::new(),
            description: String::new(),
            is_enabled: true,
            auth_type: "UInternalAuth".to_string(),
            password: PasswordHash::new(password),
            is_password_reversible: false,
            allow_password_change: true,
            has_default_spam_rule: false,
            role: Role::user(),
            group_role: Role::user(),
            email_addresses: Vec::new(),
            forwarding: Forwarding::none(),
            item_limit: ItemLimit {
                is_active: false,
                limit: 0,
            },
            disk_size_limit: SizeLimit {
                is_active: false,
                limit: ByteValue {
                    value: 0,
                    units: "MegaBytes".to_string(),
                },
            },
            mailbox: Mailbox::default(),
            last_login: LastLogin::default(),
            web_logins: 0,
            imap_logins: 0,
        }
    }

    /// The role in force (Kerio's `effectiveRole`): the higher ranked of the user's own role and
    /// the one its groups give. [I] Kerio documents the field as derived; "the higher of the two"
    /// is how rights given through a group add to a user's own.
    pub fn effective_role(&self) -> &Role {
        if role_rank(&self.group_role.user_role) > role_rank(&self.role.user_role) {
            &self.group_role
        } else {
            &self.role
        }
    }

    /// Whether `login` (local part) names this user, ignoring case.
    pub fn has_login(&self, login: &str) -> bool {
        self.login_name.eq_ignore_ascii_case(login)
    }
}

/// Kinds of address holders other than users that [`AddressHolder`] can be (Kerio's `Entity`).
pub const HOLDER_KINDS: [&str; 3] = ["EntityAlias", "EntityGroup", "EntityMailingList"];

/// An alias, group or mailing list that holds addresses in a domain. The emulator has no API
/// for them (only the control API adds them); they exist so that `Server.findEntityByEmail`
/// can report every kind of holder Kerio reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressHolder {
    /// `keriodb://<kind>/<domain-uuid>/<uuid>`.
    pub id: String,
    /// Id of the holder's domain.
    pub domain_id: String,
    /// One of [`HOLDER_KINDS`].
    pub kind: String,
    /// Name (an alias's own address; a group's or list's name).
    pub name: String,
    /// Local parts it receives mail for.
    pub addresses: Vec<String>,
}

impl AddressHolder {
    /// Whether it receives mail for local part `local`, ignoring case.
    pub fn holds(&self, local: &str) -> bool {
        self.addresses.iter().any(|a| a.eq_ignore_ascii_case(local))
    }
}

/// A mailbox kept after `Users.remove` with `UDeleteUser`, re-attached on re-create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptMailbox {
    /// Domain the user was in.
    pub domain_id: String,
    /// Login name, lower case.
    pub login_name: String,
    /// What it holds.
    pub mailbox: Mailbox,
}

/// Domains, users and kept mailboxes, in memory and in SQLite.
///
/// Users are indexed by id and by domain, as Kerio's own store is: a request names a domain (or
/// a user id), and its cost must not grow with the number of users in other domains.
pub struct Store {
    conn: Connection,
    seq: i64,
    /// All domains, in creation order.
    pub domains: Vec<Domain>,
    /// All users, in creation order.
    users: Vec<User>,
    /// Position in `users` of each user id.
    user_positions: HashMap<String, usize>,
    /// Positions in `users` of each domain's users (by domain id), in creation order.
    domain_users: HashMap<String, Vec<usize>>,
    /// Mailboxes whose user was deleted with `UDeleteUser`.
    pub kept: Vec<KeptMailbox>,
    /// Aliases, groups and mailing lists, in creation order.
    pub holders: Vec<AddressHolder>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS domains (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kept_mailboxes (domain_id TEXT NOT NULL, login_name TEXT NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (domain_id, login_name));
CREATE TABLE IF NOT EXISTS holders (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
";

/// Writes a domain row: a new id is appended, a known one keeps its place and gets the new data.
const UPSERT_DOMAIN: &str = "INSERT INTO domains (id, seq, data) VALUES (?1, ?2, ?3)
    ON CONFLICT(id) DO UPDATE SET data = excluded.data";
/// Writes a user row, as [`UPSERT_DOMAIN`].
const UPSERT_USER: &str = "INSERT INTO users (id, seq, data) VALUES (?1, ?2, ?3)
    ON CONFLICT(id) DO UPDATE SET data = excluded.data";
/// Writes an address-holder row, as [`UPSERT_DOMAIN`].
const UPSERT_HOLDER: &str = "INSERT INTO holders (id, seq, data) VALUES (?1, ?2, ?3)
    ON CONFLICT(id) DO UPDATE SET data = excluded.data";

fn to_json<T: Serialize>(item: &T) -> io::Result<String> {
    serde_json::to_string(item).map_err(io_error)
}

fn load_table<T: for<'de> Deserialize<'de>>(conn: &Connection, sql: &str) -> io::Result<Vec<T>> {
    let mut statement = conn.prepare(sql).map_err(io_error)?;
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(io_error)?;
    let mut items = Vec::new();
    for row in rows {
        let text = row.map_err(io_error)?;
        items.push(serde_json::from_str(&text).map_err(io_error)?);
    }
    Ok(items)
}

impl Store {
    /// Opens (creating if needed) the database in `dir` and loads everything into memory.
    pub fn open(dir: &Path) -> io::Result<Store> {
        std::fs::create_dir_all(dir)?;
        let conn = Connection::open(dir.join(DATABASE_FILE)).map_err(io_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(io_error)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(io_error)?;
        conn.execute_batch(SCHEMA).map_err(io_error)?;
        let domains = load_table(&conn, "SELECT data FROM domains ORDER BY seq")?;
        let users = load_table(&conn, "SELECT data FROM users ORDER BY seq")?;
        let kept = load_table(&conn, "SELECT data FROM kept_mailboxes")?;
        let holders = load_table(&conn, "SELECT data FROM holders ORDER BY seq")?;
        let seq = conn
            .query_row(
                "SELECT MAX(COALESCE((SELECT MAX(seq) FROM domains), 0), COALESCE((SELECT MAX(seq) FROM users), 0),
                    COALESCE((SELECT MAX(seq) FROM holders), 0))",
                [],
                |row| row.get(0),
            )
            .map_err(io_error)?;
        let mut store = Store {
            conn,
            seq,
            domains,
            users,
            user_positions: HashMap::new(),
            domain_users: HashMap::new(),
            kept,
            holders,
        };
        store.reindex_users();
        Ok(store)
    }

    /// Rebuilds the user indexes from `users` (after loading, or after a deletion shifted the
    /// positions).
    fn reindex_users(&mut self) {
        self.user_positions.clear();
        self.domain_users.clear();
        for position in 0..self.users.len() {
            self.index_user(position);
        }
    }

    /// Adds the user at `position` in `users` to the indexes.
    fn index_user(&mut self, position: usize) {
        let user = &self.users[position];
        self.user_positions.insert(user.id.clone(), position);
        self.domain_users
            .entry(user.domain_id.clone())
            .or_default()
            .push(position);
    }

    /// Runs `work` inside one SQLite transaction (bulk seeding).
    pub fn in_transaction(
        &mut self,
        work: impl FnOnce(&mut Store) -> io::Result<()>,
    ) -> io::Result<()> {
        self.conn.execute_batch("BEGIN").map_err(io_error)?;
        match work(self) {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(io_error),
            Err(error) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    fn next_seq(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    fn write_domain(&mut self, domain: &Domain) -> io::Result<()> {
        self.write_row(UPSERT_DOMAIN, &domain.id, to_json(domain)?)
    }

    fn write_user(&mut self, user: &User) -> io::Result<()> {
        self.write_row(UPSERT_USER, &user.id, to_json(user)?)
    }

    /// Inserts or replaces one JSON row with `upsert` (a statement of `(id, seq, data)`); a new
    /// row gets the next sequence number, an existing one keeps its place.
    fn write_row(&mut self, upsert: &str, id: &str, data: String) -> io::Result<()> {
        let seq = self.next_seq();
        self.conn
            .prepare_cached(upsert)
            .and_then(|mut statement| statement.execute(params![id, seq, data]))
            .map_err(io_error)?;
        Ok(())
    }

    /// Adds a domain.
    pub fn insert_domain(&mut self, domain: Domain) -> io::Result<()> {
        self.write_domain(&domain)?;
        self.domains.push(domain);
        Ok(())
    }

    /// Adds a user.
    pub fn insert_user(&mut self, user: User) -> io::Result<()> {
        self.write_user(&user)?;
        self.users.push(user);
        self.index_user(self.users.len() - 1);
        Ok(())
    }

    /// Replaces the stored user with the same id (a user never changes its domain).
    pub fn update_user(&mut self, user: User) -> io::Result<()> {
        self.write_user(&user)?;
        if let Some(&position) = self.user_positions.get(&user.id) {
            self.users[position] = user;
        }
        Ok(())
    }

    /// Adds an alias, group or mailing list.
    pub fn insert_holder(&mut self, holder: AddressHolder) -> io::Result<()> {
        self.write_row(UPSERT_HOLDER, &holder.id, to_json(&holder)?)?;
        self.holders.push(holder);
        Ok(())
    }

    /// The aliases, groups and mailing lists of one domain.
    pub fn holders_in<'s>(
        &'s self,
        domain_id: &'s str,
    ) -> impl Iterator<Item = &'s AddressHolder> + 's {
        self.holders
            .iter()
            .filter(move |h| h.domain_id == domain_id)
    }

    /// Deletes a user (its mailbox goes unless kept with [`Store::keep_mailbox`]).
    pub fn delete_user(&mut self, id: &str) -> io::Result<()> {
        self.conn
            .execute("DELETE FROM users WHERE id = ?1", params![id])
            .map_err(io_error)?;
        if let Some(position) = self.user_positions.get(id).copied() {
            self.users.remove(position);
            self.reindex_users();
        }
        Ok(())
    }

    /// Keeps a deleted user's mailbox for a later re-create of the same login.
    pub fn keep_mailbox(&mut self, kept: KeptMailbox) -> io::Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO kept_mailboxes (domain_id, login_name, data) VALUES (?1, ?2, ?3)",
                params![kept.domain_id, kept.login_name, to_json(&kept)?],
            )
            .map_err(io_error)?;
        self.kept
            .retain(|k| !(k.domain_id == kept.domain_id && k.login_name == kept.login_name));
        self.kept.push(kept);
        Ok(())
    }

    /// Removes and returns the kept mailbox of `login` in `domain_id`, if any.
    pub fn take_kept_mailbox(
        &mut self,
        domain_id: &str,
        login: &str,
    ) -> io::Result<Option<Mailbox>> {
        let login = login.to_ascii_lowercase();
        let Some(position) = self
            .kept
            .iter()
            .position(|k| k.domain_id == domain_id && k.login_name == login)
        else {
            return Ok(None);
        };
        self.conn
            .execute(
                "DELETE FROM kept_mailboxes WHERE domain_id = ?1 AND login_name = ?2",
                params![domain_id, login],
            )
            .map_err(io_error)?;
        Ok(Some(self.kept.remove(position).mailbox))
    }

    /// Domain by id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    /// Domain by name, ignoring case.
    pub fn domain_by_name(&self, name: &str) -> Option<&Domain> {
        self.domains
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The primary domain (the first one created).
    pub fn primary_domain(&self) -> Option<&Domain> {
        self.domains.iter().find(|d| d.is_primary)
    }

    /// Every user, in creation order.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The users of one domain, in creation order.
    pub fn users_in<'s>(&'s self, domain_id: &str) -> impl Iterator<Item = &'s User> + 's {
        self.domain_users
            .get(domain_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&position| &self.users[position])
    }

    /// User by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.user_positions
            .get(id)
            .map(|&position| &self.users[position])
    }

    /// User by login name in a domain, ignoring case.
    pub fn user_by_login(&self, domain_id: &str, login: &str) -> Option<&User> {
        self.users_in(domain_id).find(|u| u.has_login(login))
    }

    /// Resolves `login` or `login@domain` (no domain = primary domain) to a user.
    pub fn find_login(&self, user_name: &str) -> Option<&User> {
        let (login, domain) = match user_name.rsplit_once('@') {
            Some((login, domain)) => (login, self.domain_by_name(domain)?),
            None => (user_name, self.primary_domain()?),
        };
        self.user_by_login(&domain.id, login)
    }

    /// Resolves a full e-mail address (`login@domain`) to a user.
    pub fn find_address(&self, address: &str) -> Option<&User> {
        let (login, domain) = address.rsplit_once('@')?;
        let domain = self.domain_by_name(domain)?;
        self.user_by_login(&domain.id, login)
    }

    /// Number of enabled users in the whole server (licence count).
    pub fn active_users(&self) -> usize {
        self.users.iter().filter(|u| u.is_enabled).count()
    }

    /// Number of enabled users in one domain.
    pub fn active_users_in(&self, domain_id: &str) -> usize {
        self.users_in(domain_id).filter(|u| u.is_enabled).count()
    }

    /// Adds the domain named `name` unless it exists; the first domain becomes primary.
    pub fn ensure_domain(&mut self, name: &str) -> io::Result<String> {
        if let Some(domain) = self.domain_by_name(name) {
            return Ok(domain.id.clone());
        }
        let domain = Domain::new(name, self.domains.is_empty());
        let id = domain.id.clone();
        self.insert_domain(domain)?;
        Ok(id)
    }
}

/// An admin API session (in memory only).
#[derive(Debug, Clone)]
pub struct AdminSession {
    /// CSRF token the client must send as `X-Token`.
    pub token: String,
    /// Id of the logged-in user.
    pub user_id: String,
    /// Last time the session was used.
    pub last_used: Instant,
}

/// Admin sessions by session id (cookie `SESSION_CONNECT_WEBADMIN`) and webmail sessions by
/// session id (cookie `SESSION_CONNECT_WEBMAIL`).
#[derive(Default)]
pub struct Sessions {
    admin: HashMap<String, AdminSession>,
    webmail: HashMap<String, String>,
}

impl Sessions {
    /// Opens an admin session for `user_id`; returns (session id, token).
    pub fn open_admin(&mut self, user_id: &str) -> (String, String) {
        let sid = random_hex(32);
        let token = random_hex(32);
        self.admin.insert(
            sid.clone(),
            AdminSession {
                token: token.clone(),
                user_id: user_id.to_string(),
                last_used: Instant::now(),
            },
        );
        (sid, token)
    }

    /// The session for `sid` if it exists, `token` matches and it was used within `idle`;
    /// refreshes its last use. An idle-expired session is dropped.
    pub fn check_admin(&mut self, sid: &str, token: &str, idle: Duration) -> Option<AdminSession> {
        let session = self.admin.get_mut(sid)?;
        if session.last_used.elapsed() > idle {
            self.admin.remove(sid);
            return None;
        }
        if session.token != token {
            return None;
        }
        session.last_used = Instant::now();
        Some(session.clone())
    }

    /// Ends an admin session; false if it did not exist.
    pub fn close_admin(&mut self, sid: &str) -> bool {
        self.admin.remove(sid).is_some()
    }

    /// Ends every session (admin and webmail) of a user, e.g. when it is disabled or deleted.
    pub fn close_all_of(&mut self, user_id: &str) {
        self.admin.retain(|_, s| s.user_id != user_id);
        self.webmail.retain(|_, u| u != user_id);
    }

    /// Opens a webmail session; returns its id.
    pub fn open_webmail(&mut self, user_id: &str) -> String {
        let sid = random_hex(32);
        self.webmail.insert(sid.clone(), user_id.to_string());
        sid
    }

    /// The user id of a webmail session.
    pub fn webmail_user(&self, sid: &str) -> Option<&String> {
        self.webmail.get(sid)
    }

    /// Ends a webmail session.
    pub fn close_webmail(&mut self, sid: &str) {
        self.webmail.remove(sid);
    }
}

/// How long an address stays blocked after too many failed logins.
pub const LOCKOUT_BLOCK: Duration = Duration::from_secs(60);
/// The window in which failed logins are counted.
pub const LOCKOUT_WINDOW: Duration = Duration::from_secs(60);

/// Failed logins per client address (admin API and webmail together), for brute-force blocking.
#[derive(Default)]
pub struct Lockout {
    failures: HashMap<IpAddr, Vec<Instant>>,
    blocked_until: HashMap<IpAddr, Instant>,
}

impl Lockout {
    /// Remaining block time for `ip`, if it is blocked now.
    pub fn blocked(&mut self, ip: IpAddr) -> Option<Duration> {
        let until = *self.blocked_until.get(&ip)?;
        let now = Instant::now();
        if now >= until {
            self.blocked_until.remove(&ip);
            return None;
        }
        Some(until - now)
    }

    /// Records a failed login; blocks `ip` once `threshold` failures fall within the window.
    pub fn record_failure(&mut self, ip: IpAddr, threshold: u32) {
        let now = Instant::now();
        let failures = self.failures.entry(ip).or_default();
        failures.retain(|t| now.duration_since(*t) < LOCKOUT_WINDOW);
        failures.push(now);
        if threshold > 0 && failures.len() >= threshold as usize {
            failures.clear();
            self.blocked_until.insert(ip, now + LOCKOUT_BLOCK);
        }
    }

    /// Forgets the failures of `ip` after a successful login.
    pub fn record_success(&mut self, ip: IpAddr) {
        self.failures.remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_units_round_down_and_keep_inexact_limits() {
        let megabytes = SizeUnits::parse("MegaBytes").unwrap();
        assert_eq!(megabytes.express(3 * 1024 * 1024 + 5).value, 3);
        assert_eq!(megabytes.express(5).units, "MegaBytes");
        let two_gib = ByteValue {
            value: 2,
            units: "GigaBytes".to_string(),
        };
        assert_eq!(megabytes.express_limit(&two_gib).value, 2048);
        let odd = ByteValue {
            value: 3,
            units: "KiloBytes".to_string(),
        };
        assert_eq!(megabytes.express_limit(&odd), odd);
        assert_eq!(
            SizeUnits::parse("exact").unwrap().express_limit(&two_gib),
            two_gib
        );
        assert!(SizeUnits::parse("furlongs")
            .unwrap_err()
            .contains("megabytes"));
    }

    #[test]
    fn exact_units_pick_the_largest_divisor() {
        assert_eq!(ByteValue::exact(10 * 1024 * 1024).units, "MegaBytes");
        assert_eq!(ByteValue::exact(10 * 1024 * 1024).value, 10);
        assert_eq!(ByteValue::exact(1025).units, "Bytes");
        assert_eq!(ByteValue::exact(0).units, "Bytes");
        assert_eq!(ByteValue::exact(5 << 40).units, "GigaBytes");
    }

    #[test]
    fn password_hash_checks_the_password() {
        let hash = PasswordHash::new("S3cret!x");
        assert!(hash.matches("S3cret!x"));
        assert!(!hash.matches("s3cret!x"));
    }

    fn logins<'a>(users: impl Iterator<Item = &'a User>) -> Vec<String> {
        users.map(|u| u.login_name.clone()).collect()
    }

    #[test]
    fn users_are_found_by_id_and_domain_after_deletion_and_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let first = store.ensure_domain("one.example").unwrap();
        let second = store.ensure_domain("two.example").unwrap();
        let domain_one = store.domain(&first).unwrap().clone();
        let domain_two = store.domain(&second).unwrap().clone();
        let mut ids = Vec::new();
        for (domain, login) in [(&domain_one, "a"), (&domain_two, "b"), (&domain_one, "c")] {
            let user = User::new(domain, login, "pw");
            ids.push(user.id.clone());
            store.insert_user(user).unwrap();
        }
        assert_eq!(logins(store.users_in(&first)), ["a", "c"]);
        assert_eq!(logins(store.users_in(&second)), ["b"]);
        assert!(store.users_in("keriodb://domain/none").next().is_none());

        store.delete_user(&ids[0]).unwrap();
        assert!(store.user(&ids[0]).is_none());
        assert_eq!(store.user(&ids[2]).unwrap().login_name, "c");
        assert_eq!(logins(store.users_in(&first)), ["c"]);
        assert_eq!(store.user_by_login(&first, "C").unwrap().id, ids[2]);
        let mut renamed = store.user(&ids[1]).unwrap().clone();
        renamed.login_name = "bee".to_string();
        store.update_user(renamed).unwrap();
        drop(store);

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(logins(store.users_in(&first)), ["c"]);
        assert_eq!(store.user(&ids[1]).unwrap().login_name, "bee");
        assert_eq!(logins(store.users().iter()), ["bee", "c"]);
    }

    #[test]
    fn lockout_blocks_after_threshold() {
        let mut lockout = Lockout::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        lockout.record_failure(ip, 3);
        lockout.record_failure(ip, 3);
        assert!(lockout.blocked(ip).is_none());
        lockout.record_failure(ip, 3);
        assert!(lockout.blocked(ip).is_some());
    }
}
