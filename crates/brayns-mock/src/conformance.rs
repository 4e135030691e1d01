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

/// A schema-valid request decodes into `T` and encodes back to the same JSON, which the
/// server's validation accepts; the smallest valid request decodes too, and encodes to
/// a subset of the full one (defaults are the schema's).
pub fn params_round_trip<T: Serialize + DeserializeOwned>(schema: &Value) {
    let sample = crate::sample_request(schema);
    let back = unchanged_through::<T>(&sample);
    assert_valid_params(schema, &back);

    let small = minimal(schema, &sample);
    let back = through::<T>(&small);
    assert!(
        contained(&back, &sample),
        "defaults of {small} gave {back}, schema defaults {sample}"
    );
    assert_valid_params(schema, &back);
}

/// A schema-valid result decodes into `T` and encodes back to the same JSON, also with
/// an unknown member added (a newer server's field).
pub fn result_round_trip<T: Serialize + DeserializeOwned>(schema: &Value) {
    let sample = crate::sample(schema);
    unchanged_through::<T>(&sample);
    if let Value::Object(mut map) = sample {
        map.insert("field_from_a_newer_server".into(), Value::from(1));
        let extended = Value::Object(map);
        if let Err(error) = serde_json::from_value::<T>(extended.clone()) {
            panic!("an unknown field broke decoding of {extended}: {error}");
        }
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
