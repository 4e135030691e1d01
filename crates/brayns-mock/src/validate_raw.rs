//! The same validation as [`crate::validate`], run while parsing JSON text, so large params
//! (tens of MiB) are checked without building a `serde_json::Value` tree. The schema is first
//! compiled into [`Rule`]s (no string lookups per value); nulls, enums and `oneOf` go through the
//! `Value` validator, so rules and wording are shared. Objects report their keys' problems in
//! sorted key order, as the server visits them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::validate::{Direction, PathElement, Validator, is_read_only, required_keys};

/// Validates the JSON text `json` as a request parameter against `schema`; `Err` when it is not
/// valid JSON.
pub(crate) fn validate_request_text(
    schema: &Value,
    json: &str,
) -> Result<Vec<String>, serde_json::Error> {
    let rule = Rule::compile(schema);
    let mut state = State {
        path: Vec::new(),
        errors: Vec::new(),
        present: Vec::new(),
    };
    let mut deserializer = serde_json::Deserializer::from_str(json);
    Check {
        rule: &rule,
        state: &mut state,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(state.errors)
}

/// One schema node, with what validation needs precomputed.
struct Rule<'s> {
    schema: &'s Value,
    /// `None`: no `type` (anything goes), or `oneOf` (checked on a buffered value).
    kind: Option<&'s str>,
    one_of: bool,
    has_enum: bool,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    items: Option<Box<Rule<'s>>>,
    shape: Shape,
    /// Declared properties sorted by name: (name, rule, read-only).
    properties: Vec<(&'s str, Rule<'s>, bool)>,
    /// Required, not read-only property names, sorted.
    required: Vec<&'s str>,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Any keys (object schema without `additionalProperties` nor `properties`).
    Open,
    /// `additionalProperties: <schema>` without `properties`: every value checked against `items`.
    Map,
    /// Declared properties; unknown keys are errors when `additionalProperties` is present.
    Properties { closed: bool },
}

impl<'s> Rule<'s> {
    fn compile(schema: &'s Value) -> Rule<'s> {
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let count = |key: &str| schema.get(key).and_then(Value::as_u64);
        let declared = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let shape = match (declared, additional) {
            (None, None) => Shape::Open,
            (None, Some(Value::Object(_))) => Shape::Map,
            (_, additional) => Shape::Properties {
                closed: additional.is_some(),
            },
        };
        let items = match shape {
            Shape::Map => additional.map(|items| Box::new(Rule::compile(items))),
            _ => schema
                .get("items")
                .map(|items| Box::new(Rule::compile(items))),
        };
        let mut properties: Vec<(&'s str, Rule<'s>, bool)> = declared
            .into_iter()
            .flatten()
            .map(|(name, property)| {
                (
                    name.as_str(),
                    Rule::compile(property),
                    is_read_only(property),
                )
            })
            .collect();
        properties.sort_by(|a, b| a.0.cmp(b.0));
        let required = required_keys(schema)
            .into_iter()
            .filter(|key| {
                !properties
                    .iter()
                    .any(|(name, _, read_only)| name == key && *read_only)
            })
            .collect();
        Rule {
            schema,
            kind: schema.get("type").and_then(Value::as_str),
            one_of: schema.get("oneOf").is_some(),
            has_enum: schema.get("enum").is_some(),
            minimum: number("minimum"),
            maximum: number("maximum"),
            min_items: count("minItems"),
            max_items: count("maxItems"),
            items,
            shape,
            properties,
            required,
        }
    }

    fn property(&self, name: &str) -> Option<&(&'s str, Rule<'s>, bool)> {
        self.properties
            .binary_search_by(|(key, _, _)| (*key).cmp(name))
            .ok()
            .map(|i| &self.properties[i])
    }
}

enum Segment<'s> {
    Key(Cow<'s, str>),
    Index(usize),
}

struct State<'s> {
    path: Vec<Segment<'s>>,
    errors: Vec<String>,
    /// Declared keys seen, for every object being visited (a stack, to reuse one allocation).
    present: Vec<&'s str>,
}

impl State<'_> {
    fn path_text(&self) -> String {
        let mut path = String::new();
        for segment in &self.path {
            match segment {
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
            }
        }
        path
    }

    fn add(&mut self, message: String) {
        let path = self.path_text();
        self.errors.push(if path.is_empty() {
            message
        } else {
            format!("{path}: {message}")
        });
    }

    /// Runs the `Value` validator on a (small) value at the current path.
    fn validate_value(&mut self, schema: &Value, value: &Value) {
        let mut validator = Validator::new(Direction::Request);
        validator.path = self
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => PathElement::Key(key.to_string()),
                Segment::Index(i) => PathElement::Index(*i),
            })
            .collect();
        validator.validate(schema, value);
        self.errors.append(&mut validator.errors);
    }
}

struct Check<'r, 's, 'st> {
    rule: &'r Rule<'s>,
    state: &'st mut State<'s>,
}

impl Check<'_, '_, '_> {
    fn type_error(&mut self, got: &str) {
        let expected = self.rule.kind.unwrap_or_default();
        self.state
            .add(format!("invalid type, expected {expected} got {got}"));
    }

    fn number(mut self, value: f64, got: &str, as_value: impl FnOnce() -> Value) {
        let rule = self.rule;
        if rule.one_of {
            self.state.validate_value(rule.schema, &as_value());
            return;
        }
        match rule.kind {
            None => return,
            Some("number") => {}
            Some("integer") if got == "integer" => {}
            Some(_) => return self.type_error(got),
        }
        if let Some(minimum) = rule.minimum
            && value < minimum
        {
            let message = format!(
                "value below minimum {} < {}",
                crate::format_number(value),
                crate::format_number(minimum)
            );
            self.state.add(message);
        }
        if let Some(maximum) = rule.maximum
            && value > maximum
        {
            let message = format!(
                "value above maximum {} > {}",
                crate::format_number(value),
                crate::format_number(maximum)
            );
            self.state.add(message);
        }
    }
}

impl<'de, 's> DeserializeSeed<'de> for Check<'_, 's, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 's> Visitor<'de> for Check<'_, 's, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.state.validate_value(self.rule.schema, &Value::Null);
        Ok(())
    }

    fn visit_bool<E>(mut self, value: bool) -> Result<(), E> {
        match self.rule.kind {
            _ if self.rule.one_of => self
                .state
                .validate_value(self.rule.schema, &Value::Bool(value)),
            None | Some("boolean") => {}
            Some(_) => self.type_error("boolean"),
        }
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        self.number(value as f64, "integer", || Value::from(value));
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        self.number(value as f64, "integer", || Value::from(value));
        Ok(())
    }

    fn visit_f64<E>(self, value: f64) -> Result<(), E> {
        self.number(value, "number", || Value::from(value));
        Ok(())
    }

    fn visit_str<E>(mut self, value: &str) -> Result<(), E> {
        let rule = self.rule;
        match rule.kind {
            _ if rule.one_of => self
                .state
                .validate_value(rule.schema, &Value::String(value.to_owned())),
            Some("string") if rule.has_enum => {
                let listed = rule.schema["enum"].as_array().is_none_or(|values| {
                    values.is_empty() || values.iter().any(|listed| listed.as_str() == Some(value))
                });
                if !listed {
                    self.state
                        .validate_value(rule.schema, &Value::String(value.to_owned()));
                }
            }
            None | Some("string") => {}
            Some(_) => self.type_error("string"),
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let rule = self.rule;
        if rule.one_of {
            let value: Value =
                de::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            self.state.validate_value(rule.schema, &value);
            return Ok(());
        }
        if rule.kind != Some("array") {
            if rule.kind.is_some() {
                self.type_error("array");
            }
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        let mut count = 0u64;
        loop {
            let more = match &rule.items {
                Some(items) => {
                    self.state.path.push(Segment::Index(count as usize));
                    let next = seq.next_element_seed(Check {
                        rule: items,
                        state: &mut *self.state,
                    });
                    self.state.path.pop();
                    next?.is_some()
                }
                None => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                break;
            }
            count += 1;
        }
        if let Some(min) = rule.min_items
            && count < min
        {
            self.state
                .add(format!("item count below minimum {count} < {min}"));
        }
        if let Some(max) = rule.max_items
            && count > max
        {
            self.state
                .add(format!("item count above maximum {count} > {max}"));
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let rule = self.rule;
        if rule.one_of {
            let value: Value =
                de::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
            self.state.validate_value(rule.schema, &value);
            return Ok(());
        }
        if rule.kind != Some("object") || rule.shape == Shape::Open {
            if rule.kind.is_some() && rule.kind != Some("object") {
                self.type_error("object");
            }
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        // Errors of each key, in input order; reordered by key afterwards.
        let first_error = self.state.errors.len();
        let mut segments: Vec<(String, usize)> = Vec::new();
        let present_base = self.state.present.len();
        // Undeclared keys that `required` nevertheless names (not in Brayns' schemas; kept exact).
        let mut others: Vec<String> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let start = self.state.errors.len();
            let (segment, child): (Option<Cow<'s, str>>, Option<&Rule<'s>>) = match rule.shape {
                Shape::Map => (Some(Cow::Owned(key.to_string())), rule.items.as_deref()),
                _ => match rule.property(&key) {
                    None => {
                        if rule.required.contains(&&*key) {
                            others.push(key.to_string());
                        }
                        if let Shape::Properties { closed: true } = rule.shape {
                            self.state.add(format!("unknown property '{key}'"));
                        }
                        (None, None)
                    }
                    Some((name, _, true)) => {
                        self.state.present.push(name);
                        self.state.add(format!("read only property '{key}'"));
                        (None, None)
                    }
                    Some((name, child, false)) => {
                        self.state.present.push(name);
                        (Some(Cow::Borrowed(*name)), Some(child))
                    }
                },
            };
            match (segment, child) {
                (Some(segment), Some(child)) => {
                    self.state.path.push(Segment::Key(segment));
                    let result = map.next_value_seed(Check {
                        rule: child,
                        state: &mut *self.state,
                    });
                    self.state.path.pop();
                    result?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.state.errors.len() > start {
                segments.push((key.into_owned(), self.state.errors.len() - start));
            }
        }
        reorder_by_key(&mut self.state.errors[first_error..], &segments);
        let missing: Vec<&str> = if rule.shape == Shape::Map {
            Vec::new()
        } else {
            rule.required
                .iter()
                .copied()
                .filter(|key| {
                    !self.state.present[present_base..].contains(key)
                        && !others.iter().any(|other| other == key)
                })
                .collect()
        };
        self.state.present.truncate(present_base);
        for key in missing {
            self.state.add(format!("missing required property '{key}'"));
        }
        Ok(())
    }
}

/// Object keys, borrowed from the input when they contain no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }
}

/// `errors` holds consecutive runs of `segments[i].1` errors for key `segments[i].0`, in input
/// order; puts the runs in key order (stable), as the server visits keys sorted.
fn reorder_by_key(errors: &mut [String], segments: &[(String, usize)]) {
    if segments.windows(2).all(|pair| pair[0].0 <= pair[1].0) {
        return;
    }
    let mut runs: Vec<(&str, Vec<String>)> = Vec::with_capacity(segments.len());
    let mut offset = 0;
    for (key, count) in segments {
        runs.push((key, errors[offset..offset + count].to_vec()));
        offset += count;
    }
    runs.sort_by(|a, b| a.0.cmp(b.0));
    let mut offset = 0;
    for (_, run) in runs {
        for error in run {
            errors[offset] = error;
            offset += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::validate_request_text;
    use crate::{Snapshot, sample_request, validate};

    fn snapshot() -> &'static Snapshot {
        static SNAPSHOT: std::sync::OnceLock<Snapshot> = std::sync::OnceLock::new();
        SNAPSHOT.get_or_init(Snapshot::embedded)
    }

    /// Every property name of the snapshot's params schemas, so random objects hit real keys.
    fn names(schema: &Value, out: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    out.extend(properties.keys().cloned());
                }
                map.values().for_each(|child| names(child, out));
            }
            Value::Array(items) => items.iter().for_each(|child| names(child, out)),
            _ => {}
        }
    }

    fn arbitrary_json(keys: Vec<String>) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..300).prop_map(Value::from),
            (-2.0f64..2.0).prop_map(Value::from),
            prop::sample::select(vec!["png", "jpg", "color", "x", ""]).prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            let keys = keys.clone();
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(keys), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Sampled params with one field replaced by a random value.
    fn mutated(schema: &Value, key: &str, replacement: Value) -> Value {
        let mut value = sample_request(schema);
        if let Some(object) = value.as_object_mut() {
            object.insert(key.to_owned(), replacement);
        }
        value
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn streaming_validation_matches_value_validation(
            method in any::<prop::sample::Index>(),
            key in any::<prop::sample::Index>(),
            value in arbitrary_json({
                let mut out = Vec::new();
                for entrypoint in snapshot().entrypoints() {
                    if let Some(schema) = &entrypoint.params { names(schema, &mut out); }
                }
                out.sort();
                out.dedup();
                out
            }),
        ) {
            let schemas: Vec<&Value> = snapshot().entrypoints().filter_map(|e| e.params.as_ref()).collect();
            let schema = schemas[method.index(schemas.len())];
            let mut keys = Vec::new();
            names(schema, &mut keys);
            let candidates = [
                value.clone(),
                keys.get(key.index(keys.len().max(1))).map(|k| mutated(schema, k, value.clone())).unwrap_or(json!({})),
                sample_request(schema),
            ];
            for candidate in candidates {
                let text = candidate.to_string();
                prop_assert_eq!(validate_request_text(schema, &text).unwrap(), validate(schema, &candidate), "{}", text);
            }
        }
    }

    #[test]
    fn object_errors_come_in_key_order() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "integer"}, "m": {"type": "integer"}}, "required": ["m"]});
        let text = r#"{"z": 1, "a": "x", "b": 2}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            validate_request_text(&schema, text).unwrap(),
            validate(&schema, &value)
        );
        assert_eq!(
            validate(&schema, &value),
            vec![
                "a: invalid type, expected integer got string",
                "unknown property 'b'",
                "unknown property 'z'",
                "missing required property 'm'"
            ]
        );
    }
}
