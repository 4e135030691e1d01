//! Checks that a Rust type speaks a schema the way the server does: values the server
//! would send or accept decode into the type and encode back unchanged.
//!
//! The SDK's generated round-trip tests call these, one test per type, for every release;
//! use them as well for types of your own that mirror a Brayns schema. Values come from
//! [`sample`](crate::sample) / [`sample_request`](crate::sample_request) and are judged by
//! [`validate`](crate::validate), the server's own validation. Each check panics with the
//! value and the difference when it fails, as test assertions do.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Equal as JSON, with numbers compared by value (`1` is `1.0`) and `null` members
/// counted as absent (the SDK never sends `null` for an optional field).
fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            let present = |map: &serde_json::Map<String, Value>| {
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, _)| k.clone())
                    .collect::<Vec<_>>()
            };
            present(a) == present(b)
                && a.iter()
                    .filter(|(_, v)| !v.is_null())
                    .all(|(k, v)| same(v, &b[k]))
        }
        _ => expected == actual,
    }
}

/// Every member of `actual` is in `expected` with the same value (recursively).
fn contained(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|expected| contained(v, expected))),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| contained(a, b))
        }
        _ => same(expected, actual),
    }
}

/// The smallest valid request: `value` with every non-required property removed.
fn minimal(schema: &Value, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return value.clone();
            };
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            map.iter()
                .filter(|(k, _)| required.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), minimal(&properties[k], v)))
                .collect::<serde_json::Map<_, _>>()
                .into()
        }
        Value::Array(items) => match schema.get("items") {
            Some(item) => items
                .iter()
                .map(|v| minimal(item, v))
                .collect::<Vec<_>>()
                .into(),
            None => value.clone(),
        },
        _ => value.clone(),
    }
}

/// Every choice of a request, decoded into `T`, encodes back to the same JSON, which the
/// server's validation accepts: every enum value and every `oneOf` variant, at any depth
/// ([`samples_request`](crate::samples_request)), so a type that lost or renamed one fails.
/// The smallest valid request decodes too, and encodes to a subset of the full one
/// (defaults are the schema's).
///
/// One narrowing: a `oneOf` titled `RequestId` (`cancel`'s id: `null | integer | string`)
/// is sampled as an integer only. The server cancels only requests of the same connection,
/// whose ids a client issues itself, and a Rust client's are integers (the SDK's
/// `RequestId` is one); any other id is one the server would refuse.
pub fn params_round_trip<T: Serialize + DeserializeOwned>(schema: &Value) {
    let samples = crate::samples_request(&integer_request_ids(schema));
    for sample in &samples {
        assert_valid_params(schema, sample);
        let back = unchanged_through::<T>(sample);
        assert_valid_params(schema, &back);
    }

    // Against the first sample only: it holds the schema's defaults, which the members
    // left out of the smallest request must decode to.
    let sample = &samples[0];
    let small = minimal(schema, sample);
    let back = through::<T>(&small);
    assert!(
        contained(&back, sample),
        "defaults of {small} gave {back}, schema defaults {sample}"
    );
    assert_valid_params(schema, &back);
}

/// Every choice of a result (every enum value and every `oneOf` variant, at any depth:
/// [`samples`](crate::samples)), each valid as the server's reply, decodes into `T` and
/// encodes back to the same JSON, also with an unknown member added (a newer server's
/// field).
pub fn result_round_trip<T: Serialize + DeserializeOwned>(schema: &Value) {
    for sample in crate::samples(schema) {
        let errors = crate::validate_reply(schema, &sample);
        assert!(
            errors.is_empty(),
            "{sample} is not a valid result: {errors:?}"
        );
        unchanged_through::<T>(&sample);
        if let Value::Object(mut map) = sample {
            map.insert("field_from_a_newer_server".into(), Value::from(1));
            let extended = Value::Object(map);
            if let Err(error) = serde_json::from_value::<T>(extended.clone()) {
                panic!("an unknown field broke decoding of {extended}: {error}");
            }
        }
    }
}

/// `schema` with every `oneOf` titled `RequestId` narrowed to its integer variants.
fn integer_request_ids(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let request_id = map.get("title").and_then(Value::as_str) == Some("RequestId");
            map.iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("oneOf", Value::Array(variants)) if request_id => variants
                            .iter()
                            .filter(|v| v.get("type").and_then(Value::as_str) == Some("integer"))
                            .cloned()
                            .collect::<Vec<_>>()
                            .into(),
                        _ => integer_request_ids(value),
                    };
                    (key.clone(), value)
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        }
        Value::Array(items) => items
            .iter()
            .map(integer_request_ids)
            .collect::<Vec<_>>()
            .into(),
        _ => schema.clone(),
    }
}

/// `value` decoded into `T` and encoded back.
fn through<T: Serialize + DeserializeOwned>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("decoding {value}: {error}"));
    serde_json::to_value(&typed).unwrap_or_else(|error| panic!("encoding {value} back: {error}"))
}

/// `sample` decoded into `T` and encoded back, which must give the same JSON.
fn unchanged_through<T: Serialize + DeserializeOwned>(sample: &Value) -> Value {
    let back = through::<T>(sample);
    assert!(
        same(sample, &back),
        "round trip changed {sample} into {back}"
    );
    back
}

/// The server's validation accepts `value` as params.
fn assert_valid_params(schema: &Value, value: &Value) {
    let errors = crate::validate(schema, value);
    assert!(errors.is_empty(), "{value} is not valid params: {errors:?}");
}

/// `T::default()` is what decoding `{}` gives, and valid params.
pub fn default_is_empty_object<T>(schema: &Value)
where
    T: Default + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let decoded: T = serde_json::from_str("{}").expect("`{}` decodes");
    assert_eq!(T::default(), decoded);
    let value = serde_json::to_value(T::default()).expect("default encodes");
    assert_valid_params(schema, &value);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    use serde::Deserialize;

    /// A closed object with a required enum member, an optional one with a default, and
    /// cancel's id.
    fn settings_schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["format", "id"],
            "properties": {
                "format": {"type": "string", "enum": ["png", "jpg"]},
                "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
                "id": {"title": "RequestId", "oneOf": [
                    {"type": "null"}, {"type": "integer"}, {"type": "string"}
                ]}
            }
        })
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Format {
        Png,
        Jpg,
    }

    #[derive(Serialize, Deserialize)]
    struct Settings {
        format: Format,
        #[serde(default = "hundred")]
        quality: i64,
        id: i64,
    }

    fn hundred() -> i64 {
        100
    }

    /// [`Format`] without its second value.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum PngOnly {
        Png,
    }

    #[derive(Serialize, Deserialize)]
    struct PngOnlySettings {
        format: PngOnly,
        #[serde(default = "hundred")]
        quality: i64,
        id: i64,
    }

    #[test]
    fn a_type_with_every_enum_value_passes_with_integer_request_ids() {
        params_round_trip::<Settings>(&settings_schema());
    }

    #[test]
    #[should_panic(expected = "decoding {\"format\":\"jpg\"")]
    fn a_type_that_lost_an_enum_value_fails_the_params_round_trip() {
        params_round_trip::<PngOnlySettings>(&settings_schema());
    }

    /// A result that is a number or a string.
    fn number_or_string() -> Value {
        json!({"oneOf": [{"type": "number"}, {"type": "string"}]})
    }

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(f64),
        String(String),
    }

    #[test]
    fn a_type_with_every_variant_passes_the_result_round_trip() {
        result_round_trip::<NumberOrString>(&number_or_string());
    }

    #[test]
    #[should_panic(expected = "decoding \"\"")]
    fn a_type_that_lost_a_variant_fails_the_result_round_trip() {
        result_round_trip::<f64>(&number_or_string());
    }

    #[test]
    fn same_compares_numbers_by_value_and_ignores_null_members() {
        assert!(same(&json!({"a": 1, "b": null}), &json!({"a": 1.0})));
        assert!(!same(&json!({"a": 1}), &json!({"a": 2})));
        assert!(!same(&json!({"a": 1}), &json!({"a": 1, "b": 0})));
        assert!(!same(&json!([1, 2]), &json!([1])));
    }

    #[test]
    fn contained_accepts_a_subset_of_members_only() {
        let full = json!({"a": 1, "b": {"c": true, "d": "x"}});
        assert!(contained(&json!({"b": {"c": true}}), &full));
        assert!(!contained(&json!({"b": {"c": false}}), &full));
        assert!(!contained(&json!({"e": 1}), &full));
    }

    #[test]
    fn minimal_keeps_only_required_members_at_every_depth() {
        let schema = json!({
            "type": "object",
            "required": ["inner"],
            "properties": {
                "inner": {
                    "type": "array",
                    "items": {"type": "object", "required": ["x"], "properties": {"x": {}, "y": {}}}
                },
                "extra": {}
            }
        });
        let value = json!({"inner": [{"x": 1, "y": 2}], "extra": 3});
        assert_eq!(minimal(&schema, &value), json!({"inner": [{"x": 1}]}));
    }
}
