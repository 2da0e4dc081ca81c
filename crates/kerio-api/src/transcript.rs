//! The record of API exchanges, with secrets replaced by `********`.

use crate::secret::MASK;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// One API exchange as recorded for a transcript (secrets already replaced by "********").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    /// The JSON-RPC method, e.g. `Users.get`.
    pub method: String,
    /// The request body sent (redacted).
    pub request: Value,
    /// The response body received (redacted), or `{"clientError": "…"}` when there was none.
    pub response: Value,
    /// How long the exchange took, in milliseconds.
    pub ms: u64,
}

/// Whether a JSON key holds a secret: `token`, `password`, or any `…password` key
/// (e.g. `newPassword`), case-insensitive.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "token" || key.ends_with("password")
}

/// Longest array kept whole in a transcript; longer ones keep this many items and a note.
pub const MAX_RECORDED_ITEMS: usize = 20;

/// Longest string (bytes) passed on from Kerio: in a transcript, and (kerio-single) in every
/// answer. A hostile or broken server's 50 MB description must not reach PHP.
pub const MAX_STRING_BYTES: usize = 1024;

/// `text` cut to at most [`MAX_STRING_BYTES`] bytes at a character boundary, ending in `…`
/// when cut; `None` when it is short enough already.
pub fn capped(text: &str) -> Option<String> {
    if text.len() <= MAX_STRING_BYTES {
        return None;
    }
    const MORE: &str = "…";
    let mut end = MAX_STRING_BYTES - MORE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}{MORE}", &text[..end]))
}

/// `text` as a transcript keeps it (see [`capped`]).
fn kept_string(text: &str) -> Value {
    Value::String(capped(text).unwrap_or_else(|| text.to_string()))
}

/// What a transcript keeps of `value`: secrets replaced as by [`redact`], every string longer
/// than [`MAX_STRING_BYTES`] cut, and every array longer than [`MAX_RECORDED_ITEMS`] (at any
/// depth) cut to its first items plus a string saying how many were left out. Only the kept part is copied. A transcript is for the module log: a `Users.get`
/// page of hundreds of users, recorded whole for every page of a usage run, made the engine's
/// memory and the log grow with the number of mailboxes (and copying each page whole before
/// cutting it cost a tenth of a usage run's CPU time).
pub fn recorded(value: &Value) -> Value {
    masked_copy(value, MAX_RECORDED_ITEMS)
}

/// How many exchanges of one method a client records with [`recorded`]; later ones of the same
/// method are recorded with [`recorded_briefly`]. The module log shows only the first two of a
/// run of one method (and a summary row), so a usage run over 1,000 domains no longer carries
/// 1,000 pages of 20 users each to PHP (3.5 MB of its 4.6 MB answer at 100,000 mailboxes).
pub const DETAILED_REPEATS: usize = 4;

/// What a transcript keeps of a body repeated past [`DETAILED_REPEATS`]: secrets replaced and
/// every array reduced to a note saying how many items it had (the exchange itself, its method,
/// scalars and timing stay).
pub fn recorded_briefly(value: &Value) -> Value {
    masked_copy(value, 0)
}

/// A copy of `value` with the value of every secret key, at any depth, replaced by `********`
/// (and strings longer than [`MAX_STRING_BYTES`] cut).
pub fn redact(value: &Value) -> Value {
    masked_copy(value, usize::MAX)
}

/// A copy of `value` with secrets masked and arrays cut to `max_items` (plus a note when cut).
fn masked_copy(value: &Value, max_items: usize) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let copy = if is_secret_key(key) && !inner.is_null() {
                        Value::String(MASK.to_string())
                    } else {
                        masked_copy(inner, max_items)
                    };
                    (capped(key).unwrap_or_else(|| key.clone()), copy)
                })
                .collect(),
        ),
        Value::Array(items) => {
            let mut kept: Vec<Value> = items
                .iter()
                .take(max_items)
                .map(|item| masked_copy(item, max_items))
                .collect();
            if items.len() > max_items {
                kept.push(not_recorded(items.len() - max_items));
            }
            Value::Array(kept)
        }
        Value::String(text) => kept_string(text),
        other => other.clone(),
    }
}

/// The note standing for `count` array items left out of a transcript.
fn not_recorded(count: usize) -> Value {
    Value::String(format!("… {count} more not recorded"))
}

/// [`recorded_briefly`] of the JSON text `body`, read straight from it: array items are counted
/// and skipped, never built. A usage run records 1,000 pages of users briefly; building each page
/// as a value only to reduce it to a note cost more than the rest of the recording.
pub fn parse_briefly(body: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Brief>(body).map(|brief| brief.0)
}

/// A JSON value read as [`recorded_briefly`] keeps it.
struct Brief(Value);

impl<'de> Deserialize<'de> for Brief {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Brief, D::Error> {
        deserializer.deserialize_any(BriefVisitor).map(Brief)
    }
}

/// Builds the brief form of whatever JSON value comes.
struct BriefVisitor;

impl<'de> Visitor<'de> for BriefVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(kept_string(value))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(match capped(&value) {
            Some(cut) => Value::String(cut),
            None => Value::String(value),
        })
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut count = 0;
        while items.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        Ok(Value::Array(if count == 0 {
            Vec::new()
        } else {
            vec![not_recorded(count)]
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = members.next_key::<String>()? {
            let Brief(value) = members.next_value()?;
            let kept = if is_secret_key(&key) && !value.is_null() {
                Value::String(MASK.to_string())
            } else {
                value
            };
            map.insert(key, kept);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_strings_are_cut_to_one_kib_with_an_ellipsis() {
        let long = "é".repeat(3000);
        let cut = capped(&long).unwrap();
        assert!(
            cut.len() <= MAX_STRING_BYTES && cut.ends_with('…'),
            "{}",
            cut.len()
        );
        assert!(cut.len() > MAX_STRING_BYTES - 8);
        assert_eq!(capped("short"), None);
        assert_eq!(capped(&"x".repeat(MAX_STRING_BYTES)), None);
        let body = json!({"result": {"list": [{"description": long}]}});
        for kept in [
            recorded(&body),
            recorded_briefly(&body),
            redact(&body),
            parse_briefly(body.to_string().as_bytes()).unwrap(),
        ] {
            assert!(kept.to_string().len() < 2 * MAX_STRING_BYTES, "{kept}");
        }
        let detailed = recorded(&body);
        assert_eq!(detailed["result"]["list"][0]["description"], cut.as_str());
    }

    #[test]
    fn replaces_passwords_and_tokens_at_any_depth() {
        let request = json!({
            "jsonrpc": "2.0", "id": 3, "method": "Users.create", "token": "abc123",
            "params": {"users": [{"loginName": "jdoe", "password": "S3cret!pw",
                                   "nested": {"Token": "t", "newPassword": "n"}}]}
        });
        let redacted = redact(&request);
        assert_eq!(redacted["token"], MASK);
        assert_eq!(redacted["params"]["users"][0]["password"], MASK);
        assert_eq!(redacted["params"]["users"][0]["nested"]["Token"], MASK);
        assert_eq!(
            redacted["params"]["users"][0]["nested"]["newPassword"],
            MASK
        );
        assert_eq!(redacted["params"]["users"][0]["loginName"], "jdoe");
        let text = redacted.to_string();
        assert!(
            !text.contains("abc123") && !text.contains("S3cret!pw"),
            "{text}"
        );
    }

    #[test]
    fn records_long_arrays_abridged_at_any_depth_and_short_ones_whole() {
        let long: Vec<u32> = (0..25).collect();
        let value = json!({"result": {"list": long, "short": [1, 2]}});
        let abridged = recorded(&value);
        let list = abridged["result"]["list"].as_array().unwrap();
        assert_eq!(list.len(), MAX_RECORDED_ITEMS + 1);
        assert_eq!(list[0], 0);
        assert_eq!(list[MAX_RECORDED_ITEMS], "… 5 more not recorded");
        assert_eq!(abridged["result"]["short"], json!([1, 2]));
    }

    #[test]
    fn recorded_copies_mask_secrets_inside_kept_items_and_redact_keeps_every_item() {
        let users: Vec<Value> = (0..30)
            .map(|n| json!({"loginName": format!("u{n}"), "password": "S3cret!pw"}))
            .collect();
        let value = json!({"token": "abc123", "users": users});
        let kept = recorded(&value);
        assert_eq!(kept["token"], MASK);
        assert_eq!(
            kept["users"].as_array().unwrap().len(),
            MAX_RECORDED_ITEMS + 1
        );
        assert_eq!(kept["users"][19]["password"], MASK);
        assert!(!kept.to_string().contains("S3cret!pw"));
        let whole = redact(&value);
        assert_eq!(whole["users"].as_array().unwrap().len(), 30);
        assert!(!whole.to_string().contains("S3cret!pw"));
    }

    #[test]
    fn brief_records_keep_scalars_and_only_a_note_per_array() {
        let users: Vec<Value> = (0..3)
            .map(|n| json!({"loginName": format!("u{n}"), "password": "S3cret!pw"}))
            .collect();
        let value = json!({"token": "abc123", "result": {"list": users, "totalItems": 3}});
        let brief = recorded_briefly(&value);
        assert_eq!(brief["token"], MASK);
        assert_eq!(brief["result"]["totalItems"], 3);
        assert_eq!(brief["result"]["list"], json!(["… 3 more not recorded"]));
        assert!(!brief.to_string().contains("S3cret!pw"));
    }

    #[test]
    fn brief_parse_of_a_body_equals_the_brief_record_of_its_value() {
        let bodies = [
            r#"{"jsonrpc":"2.0","id":7,"result":{"list":[{"loginName":"a","password":"S3cret!pw"},{"loginName":"b"}],"totalItems":2}}"#,
            r#"{"token":"abc123","nested":{"newPassword":"n","Token":null,"ok":[[]],"empty":[],"n":-1.5e3,"big":18446744073709551615}}"#,
            r#"[1,{"password":"x"},[2,3]]"#,
            r#""text""#,
            "null",
        ];
        for body in bodies {
            let value: Value = serde_json::from_str(body).unwrap();
            assert_eq!(
                parse_briefly(body.as_bytes()).unwrap(),
                recorded_briefly(&value),
                "{body}"
            );
        }
        assert!(!parse_briefly(bodies[1].as_bytes())
            .unwrap()
            .to_string()
            .contains("abc123"));
        assert!(parse_briefly(b"{\"a\":").is_err());
    }

    #[test]
    fn leaves_other_values_and_nulls_alone() {
        let response =
            json!({"result": {"token": null, "list": [{"passwordComplexityEnabled": true}]}});
        assert_eq!(redact(&response), response);
    }
}
