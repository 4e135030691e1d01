//! Deterministic schema-valid values, to answer entrypoints and to feed tests.
//!
//! Choices, in order: the schema's `default` (for scalars and arrays), the first `enum` value,
//! the first non-null `oneOf` variant, `0` clamped into `[minimum, maximum]` for numbers
//! (`0.0` for `number`, `0` for `integer`), `false`, `""`, `null` for untyped schemas, arrays of
//! `max(minItems, 1)` items capped by `maxItems`, `{}` for maps and open objects, and every
//! declared property for closed objects.

use serde_json::{Map, Value};

use crate::validate::is_read_only;

/// A deterministic value valid as a server *result* for `schema` (read-only properties
/// included), i.e. [`crate::validate_reply`] accepts it.
pub fn sample(schema: &Value) -> Value {
    Sampler { request: false }.sample(schema)
}

/// A deterministic value valid as a *request* parameter for `schema` (read-only properties
/// left out), i.e. [`crate::validate`] accepts it.
pub fn sample_request(schema: &Value) -> Value {
    Sampler { request: true }.sample(schema)
}

struct Sampler {
    request: bool,
}

impl Sampler {
    fn sample(&self, schema: &Value) -> Value {
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            let chosen = variants
                .iter()
                .find(|variant| variant.get("type").and_then(Value::as_str) != Some("null"))
                .or_else(|| variants.first());
            return chosen
                .map(|variant| self.sample(variant))
                .unwrap_or(Value::Null);
        }
        let kind = schema.get("type").and_then(Value::as_str);
        if let Some(default) = schema.get("default")
            && kind != Some("object")
            && !default.is_null()
        {
            return default.clone();
        }
        match kind {
            Some("boolean") => Value::Bool(false),
            Some("integer") => integer(schema),
            Some("number") => number(schema),
            Some("string") => match schema
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|v| v.first())
            {
                Some(first) => first.clone(),
                None => Value::String(String::new()),
            },
            Some("array") => self.array(schema),
            Some("object") => self.object(schema),
            _ => Value::Null,
        }
    }

    fn array(&self, schema: &Value) -> Value {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        let count = min.max(1).min(max);
        let Some(items) = schema.get("items") else {
            return Value::Array(Vec::new());
        };
        let item = self.sample(items);
        Value::Array((0..count).map(|_| item.clone()).collect())
    }

    fn object(&self, schema: &Value) -> Value {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return Value::Object(Map::new());
        };
        let mut object = Map::new();
        for (key, property) in properties {
            if self.request && is_read_only(property) {
                continue;
            }
            object.insert(key.clone(), self.sample(property));
        }
        Value::Object(object)
    }
}

fn integer(schema: &Value) -> Value {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    let value = clamp(0.0, min, max);
    let rounded = match (min, max) {
        (Some(min), _) if value.ceil() >= min && max.is_none_or(|max| value.ceil() <= max) => {
            value.ceil()
        }
        _ => value.floor(),
    };
    Value::from(rounded as i64)
}

fn number(schema: &Value) -> Value {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    Value::from(clamp(0.0, min, max))
}

fn clamp(value: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    let value = min.map_or(value, |min| value.max(min));
    max.map_or(value, |max| value.min(max))
}
