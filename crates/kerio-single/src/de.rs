//! Lenient deserialisers for bridge arguments.
//!
//! The PHP module forwards WHMCS values, which are often strings: `configoption` quotas arrive as
//! `"2048"`, yes/no settings as `"on"` or `""`, service ids as `"42"`. These helpers accept both
//! the JSON type and its usual WHMCS spelling, and reject anything else with a message naming the
//! accepted forms.

use crate::error::quote;
use kerio_api::Secret;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number given as a JSON number or a decimal string; `null` and `""` are `None`.
pub fn opt_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(number) => number.as_u64().map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "{} is not a whole number of 0 or more",
                quote(&number.to_string())
            ))
        }),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| {
            D::Error::custom(format!(
                "{} is not a whole number of 0 or more (at most {})",
                quote(&text),
                u64::MAX
            ))
        }),
        other => Err(D::Error::custom(format!(
            "{} is not a whole number of 0 or more",
            quote(&other.to_string())
        ))),
    }
}

/// A yes/no value: JSON `true`/`false`, or WHMCS spellings `on`, `yes`, `1`, `true` (yes) and
/// `""`, `off`, `no`, `0`, `false` (no); `null` is `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Bool(flag) => Ok(Some(flag)),
        Value::Number(number) if number.as_u64() == Some(1) => Ok(Some(true)),
        Value::Number(number) if number.as_u64() == Some(0) => Ok(Some(false)),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "1" | "true" => Ok(Some(true)),
            "" | "off" | "no" | "0" | "false" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!(
                "{} is not true/false (or on/off, yes/no, 1/0)",
                quote(&text)
            ))),
        },
        other => Err(D::Error::custom(format!(
            "{} is not true/false (or on/off, yes/no, 1/0)",
            quote(&other.to_string())
        ))),
    }
}

/// A password: a JSON string (or number, as some PHP code sends digits-only passwords).
/// Errors never quote the value.
pub fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(Secret::new(text)),
        Value::Number(number) => Ok(Secret::new(number.to_string())),
        _ => Err(D::Error::custom("the password must be a string")),
    }
}

/// A text that may be `null`; empty or blank text is `None` too.
pub fn opt_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.filter(|value| !value.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_u64")]
        number: Option<u64>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "opt_text")]
        text: Option<String>,
    }

    fn probe(value: serde_json::Value) -> Result<Probe, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn numbers_accept_json_numbers_and_decimal_strings() {
        assert_eq!(probe(json!({"number": 42})).unwrap().number, Some(42));
        assert_eq!(
            probe(json!({"number": " 2048 "})).unwrap().number,
            Some(2048)
        );
        assert_eq!(probe(json!({"number": ""})).unwrap().number, None);
        assert_eq!(probe(json!({})).unwrap().number, None);
        for bad in [json!(-1), json!(1.5), json!("ten"), json!([1])] {
            assert!(probe(json!({ "number": bad })).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_accept_whmcs_spellings() {
        assert_eq!(probe(json!({"flag": "on"})).unwrap().flag, Some(true));
        assert_eq!(probe(json!({"flag": ""})).unwrap().flag, Some(false));
        assert_eq!(probe(json!({"flag": false})).unwrap().flag, Some(false));
        assert_eq!(probe(json!({"flag": 1})).unwrap().flag, Some(true));
        let error = probe(json!({"flag": "maybe"})).unwrap_err().to_string();
        assert!(error.contains("on/off"), "{error}");
    }

    #[derive(Deserialize, Debug)]
    struct Password {
        #[serde(deserialize_with = "secret")]
        password: Secret,
    }

    #[test]
    fn passwords_accept_strings_and_numbers_and_never_echo() {
        let parsed: Password = serde_json::from_value(json!({"password": " a&b "})).unwrap();
        assert_eq!(parsed.password.expose(), " a&b ");
        let parsed: Password = serde_json::from_value(json!({"password": 12345678})).unwrap();
        assert_eq!(parsed.password.expose(), "12345678");
        let error = serde_json::from_value::<Password>(json!({"password": ["Hidden-9"]}))
            .unwrap_err()
            .to_string();
        assert!(!error.contains("Hidden-9"), "{error}");
    }

    #[test]
    fn blank_text_is_none() {
        assert_eq!(probe(json!({"text": "  "})).unwrap().text, None);
        assert_eq!(probe(json!({"text": null})).unwrap().text, None);
        assert_eq!(
            probe(json!({"text": "x"})).unwrap().text.as_deref(),
            Some("x")
        );
    }
}
