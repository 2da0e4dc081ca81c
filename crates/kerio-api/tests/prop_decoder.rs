//! Property tests ("fuzzing" on the stable toolchain) of everything that reads what a Kerio
//! server sends: the JSON-RPC answer decoder ([`decode_response`]), the typed result structs,
//! Kerio's `%1` message placeholders and the transcript redaction.
//!
//! Inputs are arbitrary bytes, arbitrary JSON, and byte-level mutations of the seed answers in
//! `fuzz/corpus/decoder/`. The property everywhere: no panic, and an answer is either decoded or
//! refused with an error that names the method. `PROPTEST_CASES` sets the number of cases
//! (`make fuzz` runs millions); see docs/fuzzing.md.

use kerio_api::{
    decode_response, fill_placeholders, redact, Domain, Error, ListResult, ProductInfo,
    ServerVersion, User, UserCountInfo, UserDetails, MASK,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

const METHOD: &str = "Users.get";

/// The seed answers of fuzz/corpus/decoder/, read once.
fn seed_answers() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/decoder");
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("seed corpus {} unreadable: {e}", dir.display()))
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
        seeds
    })
}

/// One byte-level change to a seed.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Remove(at, len)),
        (any::<usize>(), 1usize..32).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let position = |at: usize| at % bytes.len();
    match *mutation {
        Mutation::Truncate(at) => bytes.truncate(position(at)),
        Mutation::Flip(at, bits) => {
            let at = position(at);
            bytes[at] ^= bits;
        }
        Mutation::Insert(at, byte) => bytes.insert(position(at), byte),
        Mutation::Remove(at, len) => {
            let start = position(at);
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Duplicate(at, len) => {
            let start = position(at);
            let end = (start + len).min(bytes.len());
            let copy = bytes[start..end].to_vec();
            bytes.splice(start..start, copy);
        }
    }
}

/// Arbitrary JSON, biased towards the keys and shapes Kerio answers use.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("result".to_string()),
        Just("error".to_string()),
        Just("id".to_string()),
        Just("code".to_string()),
        Just("message".to_string()),
        Just("list".to_string()),
        Just("errors".to_string()),
        Just("value".to_string()),
        Just("units".to_string()),
        Just("positionalParameters".to_string()),
        Just("messageParameters".to_string()),
        Just("password".to_string()),
        Just("token".to_string()),
        "[a-zA-Z]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::from),
        "%[0-9]{0,3}".prop_map(Value::from),
        prop_oneof![
            Just("Bytes"),
            Just("KiloBytes"),
            Just("GigaBytes"),
            Just("PetaBytes")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// An error must name the method (the module log and the admin rely on it).
fn assert_names_method(error: &Error) {
    let text = error.to_string();
    assert!(!text.is_empty());
    if !matches!(error, Error::Kerio { .. }) {
        assert!(text.contains(METHOD), "{text}");
    }
}

/// Every typed view the client takes of a `result` object: none may panic.
fn decode_typed(result: &Value) {
    let _ = serde_json::from_value::<ListResult<User>>(result.clone());
    let _ = serde_json::from_value::<ListResult<Domain>>(result.clone());
    let _ = serde_json::from_value::<UserCountInfo>(result.clone());
    let _ = serde_json::from_value::<UserDetails>(result.clone());
    let _ = serde_json::from_value::<ServerVersion>(result.clone());
    let _ = serde_json::from_value::<ProductInfo>(result.clone());
    if let Ok(list) = serde_json::from_value::<ListResult<User>>(result.clone()) {
        for user in list.list {
            if let Some(size) = user.consumed_size {
                let _ = (size.to_bytes(), size.to_mb_f64());
            }
            if let Some(limit) = user.disk_size_limit.map(|l| l.limit) {
                let _ = (limit.to_bytes(), limit.to_mb_f64());
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512), id in any::<u64>()) {
        if let Err(error) = decode_response(METHOD, id, &body) {
            assert_names_method(&error);
        }
    }

    #[test]
    fn mutated_seed_answers_decode_or_fail_cleanly(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
        id in 0u64..10,
    ) {
        let seeds = seed_answers();
        let mut body = seeds[seed.index(seeds.len())].clone();
        for change in &mutations {
            apply(&mut body, change);
        }
        match decode_response(METHOD, id, &body) {
            Ok(result) => {
                prop_assert!(result.is_object());
                decode_typed(&result);
            }
            Err(error) => assert_names_method(&error),
        }
    }

    #[test]
    fn arbitrary_json_answers_never_panic(answer in json_value(), id in 0u64..4) {
        let body = answer.to_string();
        match decode_response(METHOD, id, body.as_bytes()) {
            Ok(result) => {
                prop_assert!(result.is_object());
                decode_typed(&result);
            }
            Err(error) => assert_names_method(&error),
        }
        decode_typed(&answer);
    }

    #[test]
    fn a_well_formed_result_comes_back_unchanged(result in json_value(), id in any::<u64>()) {
        let object = match result {
            Value::Object(map) => Value::Object(map),
            other => json!({ "value": other }),
        };
        let body = json!({"jsonrpc": "2.0", "id": id, "result": object}).to_string();
        // Compared with a re-parse, not `object`: serde_json's float parsing may differ in the last bit.
        let expected: Value = serde_json::from_str(&object.to_string()).unwrap();
        prop_assert_eq!(decode_response(METHOD, id, body.as_bytes()).unwrap(), expected);
    }

    #[test]
    fn a_json_rpc_error_is_always_a_kerio_error(code in any::<i64>(), message in ".{0,40}", parameters in prop::collection::vec(json_value(), 0..4)) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": message,
            "data": {"messageParameters": {"positionalParameters": parameters}}}}).to_string();
        match decode_response(METHOD, 1, body.as_bytes()) {
            Err(Error::Kerio { code: decoded, .. }) => prop_assert_eq!(decoded, code),
            other => prop_assert!(false, "expected a Kerio error, got {:?}", other),
        }
    }

    #[test]
    fn placeholders_never_panic_and_plain_text_is_kept(message in ".{0,60}", parameters in prop::collection::vec(json_value(), 0..5)) {
        let filled = fill_placeholders(&message, &parameters);
        if !message.contains('%') {
            prop_assert_eq!(filled, message);
        }
    }

    #[test]
    fn redaction_hides_every_password_and_token(value in json_value()) {
        let redacted = redact(&value);
        assert_secret_keys_masked(&redacted);
    }
}

/// Walks `value` and checks every non-null `token`/`…password` value is the mask.
fn assert_secret_keys_masked(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let lower = key.to_ascii_lowercase();
                if (lower == "token" || lower.ends_with("password")) && !inner.is_null() {
                    assert_eq!(inner, &Value::String(MASK.to_string()), "key {key}");
                } else {
                    assert_secret_keys_masked(inner);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(assert_secret_keys_masked),
        _ => {}
    }
}
