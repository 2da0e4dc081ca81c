//! The unit choice of reported sizes (`Config::size_units`, `--size-units`,
//! `KERIO_EMULATOR_SIZE_UNITS`): live servers report `{666175, MegaBytes}` and
//! `{556545, KiloBytes}`, so a client must accept any unit and rounding; the emulator can report
//! exact sizes (default) or always bytes, kilobytes or megabytes, rounded down.

mod common;

use common::Emu;
use kerio_emulator::state::SizeUnits;
use serde_json::{json, Value};

const USED: u64 = 3 * 1024 * 1024 + 5 * 1024 + 7;

/// consumedSize, diskSizeLimit.limit and the statistics storage of a user using [`USED`] bytes
/// with a 2 GB quota, under `units`.
fn reported(units: &str) -> (Value, Value, Value) {
    let emu = Emu::start_with(|config| config.size_units = SizeUnits::parse(units).unwrap());
    let mut admin = emu.admin();
    let domain = admin.domain_id("example.com");
    let id = admin.create_user(&domain, "sized", "S1zed-Passw0rd");
    admin.ok(
        "Users.set",
        json!({"userIds": [id], "pattern": {"diskSizeLimit": {"isActive": true,
               "limit": {"value": 2, "units": "GigaBytes"}}}}),
    );
    emu.control(
        "POST",
        "usage",
        Some(json!({"email": "sized@example.com", "bytes": USED})),
    );
    let user = admin.user(&domain, "sized");
    let stats = admin.ok("Users.getStatistics", json!({"userIds": [id], "query": {}}));
    (
        user["consumedSize"].clone(),
        user["diskSizeLimit"]["limit"].clone(),
        stats["list"][0]["occupiedSpace"]["storage"].clone(),
    )
}

fn size(value: u64, units: &str) -> Value {
    json!({"value": value, "units": units})
}

#[test]
fn exact_reports_the_largest_exact_unit_and_the_limit_as_set() {
    let (consumed, limit, storage) = reported("exact");
    assert_eq!(consumed, size(USED, "Bytes"));
    assert_eq!(limit, size(2, "GigaBytes"));
    assert_eq!(storage, consumed);
}

#[test]
fn megabytes_round_down_like_a_live_servers_statistics() {
    let (consumed, limit, storage) = reported("megabytes");
    assert_eq!(consumed, size(3, "MegaBytes"));
    assert_eq!(limit, size(2048, "MegaBytes"));
    assert_eq!(storage, consumed);
}

#[test]
fn kilobytes_and_bytes_are_fixed_units_too() {
    let (consumed, limit, _) = reported("kilobytes");
    assert_eq!(consumed, size(3 * 1024 + 5, "KiloBytes"));
    assert_eq!(limit, size(2 * 1024 * 1024, "KiloBytes"));
    let (consumed, limit, _) = reported("bytes");
    assert_eq!(consumed, size(USED, "Bytes"));
    assert_eq!(limit, size(2 << 30, "Bytes"));
}
