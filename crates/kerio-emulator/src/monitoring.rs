//! The read-only methods monitoring tools call, in the shapes captured from a live Kerio Connect
//! 10.0.8 (zabbix-kerio-connect `docs/api_fields.md`): `Statistics.get`, `Services.get`,
//! `ProductRegistration.getFullStatus`, plus `AccessPolicy.getGroupList` (IDL shape) and the two
//! methods that real server refuses with -32602 whatever the parameters (`SystemHealth.get`,
//! `ProductRegistration.get`).
//!
//! Counters are zero except what the emulator knows: storage from the mailboxes, uptime from its
//! start, licence seats from `--license-users`.

use serde_json::{json, Value};

use crate::errors::{self, KerioError};
use crate::lock;
use crate::rpc::{Access, Call, Method};
use crate::state::{unix_now, ByteValue};

/// The monitoring methods.
pub const METHODS: &[Method] = &[
    Method {
        name: "Statistics.get",
        access: Access::Read,
        handler: get_statistics,
    },
    Method {
        name: "Services.get",
        access: Access::Read,
        handler: get_services,
    },
    Method {
        name: "ProductRegistration.getFullStatus",
        access: Access::Read,
        handler: get_full_status,
    },
    Method {
        name: "ProductRegistration.get",
        access: Access::Read,
        handler: always_invalid_params,
    },
    Method {
        name: "SystemHealth.get",
        access: Access::Read,
        handler: always_invalid_params,
    },
    Method {
        name: "AccessPolicy.getGroupList",
        access: Access::Read,
        handler: get_group_list,
    },
];

/// Size of the emulated message store: 1 TiB, in MegaBytes as captured. [I value]
const STORE_TOTAL_MB: u64 = 1024 * 1024;
/// Days until the emulated licence and subscription expire. [I]
const LICENCE_DAYS: i64 = 365;
/// The licence seats shown when no `--license-users` limit is set. [I]
const UNLIMITED_SEATS: u32 = 0;

/// The fifteen services of a default install, with their default ports. [V names]
const SERVICES: [(&str, u16); 15] = [
    ("SMTP", 25),
    ("Secure SMTP", 465),
    ("SMTP Submission", 587),
    ("POP3", 110),
    ("Secure POP3", 995),
    ("IMAP", 143),
    ("Secure IMAP", 993),
    ("NNTP", 119),
    ("Secure NNTP", 563),
    ("LDAP", 389),
    ("Secure LDAP", 636),
    ("HTTP", 80),
    ("Secure HTTP", 443),
    ("XMPP", 5222),
    ("Secure XMPP", 5223),
];

/// A message counter as captured: counts are strings, the volume a size.
fn traffic() -> Value {
    json!({"count": "0", "volume": {"value": 0, "units": "Bytes"}, "recipients": "0"})
}

/// Named string counters, all "0".
fn zeros(names: &[&str]) -> Value {
    Value::Object(
        names
            .iter()
            .map(|name| (name.to_string(), json!("0")))
            .collect(),
    )
}

fn megabytes(bytes: u64) -> Value {
    json!({"value": bytes / (1024 * 1024), "units": "MegaBytes"})
}

fn get_statistics(call: &mut Call) -> Result<Value, KerioError> {
    let occupied: u64 = lock(&call.emulator.store)
        .users()
        .iter()
        .map(|user| user.mailbox.bytes)
        .sum();
    let total = STORE_TOTAL_MB * 1024 * 1024;
    let percentage = occupied.saturating_mul(100) / total;
    let started = call.emulator.settings.started_at;
    let up = (unix_now() - started).max(0) / 60;
    let largest = ByteValue::exact(0);
    Ok(json!({"statistics": {
        "start": started,
        "uptime": {"days": up / 1440, "hours": up / 60 % 24, "minutes": up % 60},
        "storage": {"total": megabytes(total), "occupied": megabytes(occupied),
                    "percentage": percentage.to_string()},
        "received": traffic(),
        "storedInQueue": traffic(),
        "transmitted": traffic(),
        "deliveredToLocals": traffic(),
        "mx": traffic(),
        "relay": {"count": "0"},
        "failures": zeros(&["transientFailures", "permanentFailures"]),
        "deliveryStatus": zeros(&["success", "delay", "failure"]),
        "antivirus": zeros(&["checkedAttachments", "foundViruses", "prohibitedTypes"]),
        "spam": zeros(&["checked", "tagged", "rejected", "markedAsSpam", "markedAsNotSpam"]),
        "other": {"largest": {"value": largest.value, "units": largest.units}, "loops": "0"},
        "smtpServer": zeros(&["totalIncomingConnections", "lostConnections", "rejectedByBlacklist",
            "authenticationAttempts", "authenticationFailures", "rejectedRelays", "acceptedMessages"]),
        "smtpClient": zeros(&["connectionAttempts", "dnsFailures", "connectionFailures",
            "connectionLosses"]),
        "pop3Server": zeros(&["totalIncomingConnections", "authenticationFailures", "sentMessages"]),
        "pop3Client": zeros(&["connectionAttempts", "connectionFailures", "authenticationFailures",
            "totalDownloads"]),
        "imapServer": zeros(&["totalIncomingConnections", "authenticationFailures"]),
        "ldapServer": zeros(&["totalIncomingConnections", "authenticationFailures",
            "totalSearchRequests"]),
        "webServer": zeros(&["totalIncomingConnections"]),
        "xmppServer": zeros(&["totalIncomingConnections", "authenticationFailures"]),
        "dnsResolver": zeros(&["hostnameQueries", "cachedHostnameQueries", "mxQueries",
            "cachedMxQueries"]),
        "antibombing": zeros(&["rejectedConnections", "rejectedMessages", "rejectedHarvestAttacks"]),
        "greylisting": zeros(&["messagesAccepted", "messagesDelayed", "messagesSkipped"]),
    }}))
}

fn service_json(index: usize, name: &str, port: u16) -> Value {
    json!({
        "id": format!("keriodb://service/00000000-0000-4000-8000-{index:012}"),
        "name": name,
        "howToStart": "Automatic",
        "defaultPort": port,
        "isRunning": true,
        "listeners": [{"type": "AllAddresses", "address": "All addresses", "port": port}],
        "connectionLimit": {"isSet": false, "value": 0},
        "group": {"isUsed": false, "ipGroup": {"id": "", "name": ""}},
        "anonymousAccess": false,
    })
}

fn get_services(_call: &mut Call) -> Result<Value, KerioError> {
    let services: Vec<Value> = SERVICES
        .iter()
        .enumerate()
        .map(|(index, (name, port))| service_json(index + 1, name, *port))
        .collect();
    Ok(json!({ "services": services }))
}

fn expiration(kind: &str, date: i64) -> Value {
    json!({"type": kind, "isUnlimited": false, "remainingDays": LICENCE_DAYS, "date": date})
}

fn get_full_status(call: &mut Call) -> Result<Value, KerioError> {
    let seats = call
        .emulator
        .settings
        .license_users
        .unwrap_or(UNLIMITED_SEATS);
    let date = call.emulator.settings.started_at + LICENCE_DAYS * 86_400;
    Ok(json!({"status": {
        "regType": "rsProductRegistered",
        "Id": "KERIO-EMULATOR-LICENSE",
        "company": "kerio-emulator",
        "users": seats,
        "expirations": [expiration("License", date), expiration("Subscription", date)],
    }}))
}

/// `SystemHealth.get` and `ProductRegistration.get`: a live 10.0.8 answered -32602 to every
/// parameter variant tried.
fn always_invalid_params(_call: &mut Call) -> Result<Value, KerioError> {
    Err(errors::invalid_params(
        "refused with any parameters, as on a live 10.0.8",
    ))
}

fn get_group_list(_call: &mut Call) -> Result<Value, KerioError> {
    Ok(json!({"groups": [{
        "id": "keriodb://accesspolicygroup/00000000-0000-4000-8000-000000000001",
        "name": "Default",
        "isDefault": true,
    }]}))
}
