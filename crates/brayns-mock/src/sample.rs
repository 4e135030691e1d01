//! Deterministic schema-valid values, to answer entrypoints and to feed tests.
//!
//! Choices, in order: the schema's `default` (for scalars and arrays), the first `enum` value,
//! the first non-null `oneOf` variant, `0` clamped into `[minimum, maximum]` for numbers
//! (`0.0` for `number`, `0` for `integer`), `false`, `""`, `null` for untyped schemas, arrays of
//! `max(minItems, 1)` items capped by `maxItems`, `{}` for maps and open objects, and every
//! declared property for closed objects. [`samples`] / [`samples_request`] add the other
//! choices: every enum value, every `oneOf` variant, both booleans.

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

/// Values valid as server *results* for `schema` that, between them, hold every value of
/// every `enum`, every `oneOf` variant (`null` ones included) and both booleans, wherever
/// they sit in the schema; the first is [`sample`]. For tests that must see more than the
/// first choice: a type that lost an enum value or a variant fails on some value here.
///
/// Few values, not every combination: the members of an object take their `i`-th choices
/// together (cycling through shorter lists), so there are as many values as the longest
/// list of choices of one member.
pub fn samples(schema: &Value) -> Vec<Value> {
    Sampler { request: false }.all(schema)
}

/// Like [`samples`], valid as *request* parameters (read-only properties left out); the
/// first is [`sample_request`].
pub fn samples_request(schema: &Value) -> Vec<Value> {
    Sampler { request: true }.all(schema)
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

    /// Every choice of `schema`, the one [`Self::sample`] makes first.
    fn all(&self, schema: &Value) -> Vec<Value> {
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            // The variant `sample` picks (the first non-null one) first, then the others.
            let first = variants
                .iter()
                .position(|variant| variant.get("type").and_then(Value::as_str) != Some("null"))
                .unwrap_or(0);
            let ordered = variants.get(first).into_iter().chain(
                variants
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != first)
                    .map(|(_, v)| v),
            );
            let values: Vec<Value> = ordered.flat_map(|variant| self.all(variant)).collect();
            return if values.is_empty() {
                vec![Value::Null]
            } else {
                values
            };
        }
        let kind = schema.get("type").and_then(Value::as_str);
        let choices = match kind {
            Some("boolean") => vec![Value::Bool(false), Value::Bool(true)],
            Some("string") => match schema.get("enum").and_then(Value::as_array) {
                Some(values) if !values.is_empty() => values.clone(),
                _ => vec![Value::String(String::new())],
            },
            Some("array") => self.arrays(schema),
            Some("object") => self.objects(schema),
            _ => vec![self.sample(schema)],
        };
        match schema.get("default") {
            // `sample`'s choice comes first; a default is one of the choices or beside them.
            Some(default) if kind != Some("object") && !default.is_null() => {
                let others = choices.into_iter().filter(|choice| choice != default);
                std::iter::once(default.clone()).chain(others).collect()
            }
            _ => choices,
        }
    }

    /// One array per choice of the items, each of [`Self::array`]'s length.
    fn arrays(&self, schema: &Value) -> Vec<Value> {
        let Some(items) = schema.get("items") else {
            return vec![Value::Array(Vec::new())];
        };
        let count = item_count(schema);
        self.all(items)
            .into_iter()
            .map(|item| Value::Array((0..count).map(|_| item.clone()).collect()))
            .collect()
    }

    /// The `i`-th object takes the `i`-th choice of each member (cycling).
    fn objects(&self, schema: &Value) -> Vec<Value> {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return vec![Value::Object(Map::new())];
        };
        let members: Vec<(&String, Vec<Value>)> = properties
            .iter()
            .filter(|(_, property)| !(self.request && is_read_only(property)))
            .map(|(key, property)| (key, self.all(property)))
            .collect();
        let count = members
            .iter()
            .map(|(_, choices)| choices.len())
            .max()
            .unwrap_or(1);
        (0..count)
            .map(|i| {
                members
                    .iter()
                    .map(|(key, choices)| ((*key).clone(), choices[i % choices.len()].clone()))
                    .collect::<Map<_, _>>()
                    .into()
            })
            .collect()
    }

    fn array(&self, schema: &Value) -> Value {
        let count = item_count(schema);
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

/// `max(minItems, 1)` capped by `maxItems`.
fn item_count(schema: &Value) -> u64 {
    let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
    let max = schema
        .get("maxItems")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    min.max(1).min(max)
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Two members with choices of different lengths, an enum inside an array inside a
    /// `oneOf` variant, a default that is not the first enum value, and a read-only member.
    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "shape": {"oneOf": [
                    {"type": "null"},
                    {"type": "object", "properties": {
                        "kinds": {"type": "array", "minItems": 2, "items":
                            {"type": "string", "enum": ["a", "b", "c"]}}
                    }},
                    {"type": "number", "minimum": 1}
                ]},
                "format": {"type": "string", "enum": ["png", "jpg"], "default": "jpg"},
                "flag": {"type": "boolean"},
                "id": {"type": "integer", "readOnly": true}
            }
        })
    }

    #[test]
    fn samples_hold_every_choice_and_start_with_sample() {
        let all = samples(&schema());
        assert_eq!(all[0], sample(&schema()));
        let shapes: Vec<&Value> = all.iter().map(|value| &value["shape"]).collect();
        for kind in ["a", "b", "c"] {
            assert!(
                shapes.contains(&&json!({"kinds": [kind, kind]})),
                "{kind} in {shapes:?}"
            );
        }
        assert!(shapes.contains(&&json!(null)) && shapes.contains(&&json!(1.0)));
        for (member, expected) in [
            ("format", json!("png")),
            ("format", json!("jpg")),
            ("flag", json!(true)),
            ("flag", json!(false)),
        ] {
            assert!(all.iter().any(|value| value[member] == expected));
        }
        // The longest list of one member's choices (5 shapes), not every combination.
        assert_eq!(all.len(), 5);
        assert_eq!(all[0]["format"], "jpg", "the default first");
        assert!(all.iter().all(|value| value.get("id").is_some()));
    }

    #[test]
    fn request_samples_leave_read_only_members_out() {
        let all = samples_request(&schema());
        assert_eq!(all[0], sample_request(&schema()));
        assert!(all.iter().all(|value| value.get("id").is_none()));
    }
}
