//! `Server.getNamedConstantList` (what Kerio's PHP client calls in `getConstants()`), over real
//! HTTPS against a started emulator.

mod common;

use common::Emu;
use serde_json::{json, Value};

/// The constants answered, as `(name, value)` pairs in answer order.
fn constants(result: &Value) -> Vec<(String, String)> {
    result["constants"]
        .as_array()
        .expect("constants is an array")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name is a string");
            let value = c["value"].as_str().expect("value is a string");
            (name.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn named_constants_list_the_byte_units_in_order() {
    let emu = Emu::start();
    let mut admin = emu.admin();
    let result = admin.ok("Server.getNamedConstantList", json!({}));
    let expected: Vec<(String, String)> = [
        "Bytes",
        "KiloBytes",
        "MegaBytes",
        "GigaBytes",
        "TeraBytes",
        "PetaBytes",
    ]
    .iter()
    .map(|unit| (format!("kerio_web_{unit}"), unit.to_string()))
    .collect();
    assert_eq!(constants(&result), expected, "{result}");
}

#[test]
fn named_constants_need_a_session_but_no_write_rights() {
    let emu = Emu::start();
    let mut anonymous = emu.client();
    let error = anonymous.err("Server.getNamedConstantList", json!({}));
    assert_eq!(error["code"], -32001, "{error}");

    emu.add_admin("auditor", "Aud1tor-Pass!", "Auditor");
    let mut auditor = emu.client();
    auditor.login_ok("auditor@example.com", "Aud1tor-Pass!");
    let result = auditor.ok("Server.getNamedConstantList", json!({}));
    assert_eq!(constants(&result).len(), 6, "{result}");

    let mut admin = emu.admin();
    admin.ok("Session.logout", json!({}));
    let error = admin.err("Server.getNamedConstantList", json!({}));
    assert_eq!(error["code"], -32001, "{error}");
}
