//! JSON Schema validation with Brayns 3.10.1's own rules and wording
//! (`brayns/json/JsonValidator.cpp`, `JsonError.cpp`).
//!
//! Rules, as the server applies them:
//! - A `null` value is validated against the schema's `default` (absent default: `null`).
//! - `oneOf` passes when any variant matches, else `invalid oneOf, no schemas match input`.
//! - A schema without `type` accepts anything. `number` accepts integers.
//! - Numbers: minimum then maximum, both reported. Arrays: items first, then the item count.
//! - Objects: every key of the value in sorted order (Poco keeps keys sorted): unknown keys and
//!   read-only keys are errors, known keys are validated; then missing required keys (sorted).
//!   `additionalProperties: <schema>` makes a map whose values are all validated; an object
//!   schema without `additionalProperties` accepts any key (the wire form of open objects).
//! - Each problem is `path: message`, keys joined by `.`, indices as `[i]`, no path at the root.
//!
//! Numbers in messages are printed as C++ `std::to_chars` / `fmt` print a double (shortest
//! round-trip form): integral values without a fraction (`-1`, `0`), `0.5`, `1e+20`, `1e-05`.

use brayns_snapshot::Entrypoint;
use serde_json::{Map, Value};

/// Validates `value` as a request parameter against `schema`, exactly as the server does.
///
/// Returns the problems in Brayns' wording and order (empty when valid), e.g.
/// `["image_settings.size[0]: invalid type, expected integer got number", "unknown property 'x'"]`.
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut validator = Validator {
        direction: Direction::Request,
        path: Vec::new(),
        errors: Vec::new(),
    };
    validator.validate(schema, value);
    validator.errors
}

/// Validates a server *result* against a `returns` schema.
///
/// Same rules and wording as [`validate`], except for the direction of `readOnly`: in a reply,
/// read-only properties are allowed (and required when listed in `required`), as a server sends them.
pub fn validate_reply(schema: &Value, value: &Value) -> Vec<String> {
    let mut validator = Validator {
        direction: Direction::Reply,
        path: Vec::new(),
        errors: Vec::new(),
    };
    validator.validate(schema, value);
    validator.errors
}

/// Why the server refuses a request's params before running it (PROTOCOL §4, step 6): the
/// JSON-RPC error it answers, with Brayns' code, message and `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsRefusal {
    /// The error code: always [`codes::INVALID_PARAMS`](crate::codes::INVALID_PARAMS).
    pub code: i64,
    /// `This method takes no params` or `Invalid params schema`.
    pub message: String,
    /// The problems, in Brayns' wording and order, for invalid params; `None` otherwise.
    pub data: Option<Value>,
}

impl ParamsRefusal {
    /// Params given to a method that takes none.
    pub(crate) fn takes_no_params() -> ParamsRefusal {
        ParamsRefusal {
            code: crate::codes::INVALID_PARAMS,
            message: "This method takes no params".to_owned(),
            data: None,
        }
    }

    /// Params its schema rejects, with the problems [`validate`] found.
    pub(crate) fn invalid(problems: Vec<String>) -> ParamsRefusal {
        ParamsRefusal {
            code: crate::codes::INVALID_PARAMS,
            message: "Invalid params schema".to_owned(),
            data: Some(Value::Array(
                problems.into_iter().map(Value::String).collect(),
            )),
        }
    }
}

impl std::fmt::Display for ParamsRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {}: {}", self.code, self.message)?;
        if let Some(data) = &self.data {
            write!(f, " {data}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParamsRefusal {}

/// Checks a request's params for `entrypoint` as the server does before running it, so a
/// client (the `brayns` command line, say) can refuse bad params without sending them and
/// give the very error Brayns would. `params` is `None` when the request has none; a JSON
/// `null` counts as none too. A method without a params schema takes none; one with a schema
/// validates the params (an absent value as `null`, i.e. as the schema's default) with
/// [`validate`].
pub fn check_params(entrypoint: &Entrypoint, params: Option<&Value>) -> Result<(), ParamsRefusal> {
    let params = params.unwrap_or(&Value::Null);
    match &entrypoint.params {
        None if params.is_null() => Ok(()),
        None => Err(ParamsRefusal::takes_no_params()),
        Some(schema) => {
            let problems = validate(schema, params);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(ParamsRefusal::invalid(problems))
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Direction {
    Request,
    Reply,
}

pub(crate) enum PathElement {
    Key(String),
    Index(usize),
}

/// The validation state: where we are in the value, and the problems found so far.
pub(crate) struct Validator {
    pub(crate) direction: Direction,
    pub(crate) path: Vec<PathElement>,
    pub(crate) errors: Vec<String>,
}

impl Validator {
    pub(crate) fn new(direction: Direction) -> Validator {
        Validator {
            direction,
            path: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, message: String) {
        let mut path = String::new();
        for element in &self.path {
            match element {
                PathElement::Index(i) => path.push_str(&format!("[{i}]")),
                PathElement::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
            }
        }
        if path.is_empty() {
            self.errors.push(message);
        } else {
            self.errors.push(format!("{path}: {message}"));
        }
    }

    pub(crate) fn validate(&mut self, schema: &Value, value: &Value) {
        if value.is_null() {
            let default = schema.get("default").unwrap_or(&Value::Null);
            self.dispatch(schema, default);
        } else {
            self.dispatch(schema, value);
        }
    }

    fn dispatch(&mut self, schema: &Value, value: &Value) {
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            let matches = variants.iter().any(|variant| {
                let mut probe = Validator {
                    direction: self.direction,
                    path: Vec::new(),
                    errors: Vec::new(),
                };
                probe.validate(variant, value);
                probe.errors.is_empty()
            });
            if !matches {
                self.add("invalid oneOf, no schemas match input".to_owned());
            }
            return;
        }
        let Some(required) = schema.get("type").and_then(Value::as_str) else {
            return;
        };
        let got = type_name(value);
        let type_ok = required == got || (required == "number" && got == "integer");
        if !type_ok {
            self.add(format!("invalid type, expected {required} got {got}"));
            return;
        }
        match required {
            "integer" | "number" => self.check_range(schema, value),
            "string" => self.check_enum(schema, value),
            "array" => self.check_array(schema, value),
            "object" => self.check_object(schema, value),
            _ => {}
        }
    }

    fn check_range(&mut self, schema: &Value, value: &Value) {
        let number = value.as_f64().unwrap_or_default();
        if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64)
            && number < minimum
        {
            self.add(format!(
                "value below minimum {} < {}",
                format_number(number),
                format_number(minimum)
            ));
        }
        if let Some(maximum) = schema.get("maximum").and_then(Value::as_f64)
            && number > maximum
        {
            self.add(format!(
                "value above maximum {} > {}",
                format_number(number),
                format_number(maximum)
            ));
        }
    }

    fn check_enum(&mut self, schema: &Value, value: &Value) {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        if values.is_empty() || values.contains(value) {
            return;
        }
        let text = value.as_str().unwrap_or_default();
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("'{}'", v.as_str().unwrap_or_default()))
            .collect();
        self.add(format!(
            "invalid enum '{text}' not in [{}]",
            list.join(", ")
        ));
    }

    fn check_array(&mut self, schema: &Value, value: &Value) {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.path.push(PathElement::Index(i));
                self.validate(item_schema, item);
                self.path.pop();
            }
        }
        let count = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            self.add(format!("item count below minimum {count} < {min}"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            self.add(format!("item count above maximum {count} > {max}"));
        }
    }

    fn check_object(&mut self, schema: &Value, value: &Value) {
        let Some(object) = value.as_object() else {
            return;
        };
        match schema.get("additionalProperties") {
            Some(items @ Value::Object(_)) if schema.get("properties").is_none() => {
                for key in sorted_keys(object) {
                    self.path.push(PathElement::Key(key.clone()));
                    self.validate(items, &object[key]);
                    self.path.pop();
                }
            }
            Some(_) => self.check_properties(schema, object),
            // An object schema without `additionalProperties` is open: any JSON object.
            None if schema.get("properties").is_none() => {}
            None => self.check_properties(schema, object),
        }
    }

    fn check_properties(&mut self, schema: &Value, object: &Map<String, Value>) {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let open = schema.get("additionalProperties").is_none();
        for key in sorted_keys(object) {
            let Some(property) = properties.get(key) else {
                if !open {
                    self.add(format!("unknown property '{key}'"));
                }
                continue;
            };
            if self.direction == Direction::Request && is_read_only(property) {
                self.add(format!("read only property '{key}'"));
                continue;
            }
            self.path.push(PathElement::Key(key.clone()));
            self.validate(property, &object[key]);
            self.path.pop();
        }
        let required = required_keys(schema);
        for key in required {
            let read_only = properties.get(key).is_some_and(is_read_only);
            if self.direction == Direction::Request && read_only {
                continue;
            }
            if !object.contains_key(key) {
                self.add(format!("missing required property '{key}'"));
            }
        }
    }
}

/// The keys in the order Poco iterates them (sorted).
fn sorted_keys(object: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = object.keys().collect();
    if !keys.is_sorted() {
        keys.sort_unstable();
    }
    keys
}

/// The `required` keys of an object schema, sorted as the server's `std::map` holds them.
pub(crate) fn required_keys(schema: &Value) -> Vec<&str> {
    let mut required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !required.is_sorted() {
        required.sort_unstable();
    }
    required
}

pub(crate) fn is_read_only(schema: &Value) -> bool {
    schema
        .get("readOnly")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The JSON type name Brayns reports for a value (`integer` for whole JSON numbers).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Prints a double the way `fmt::format("{}", double)` does: the shortest round-trip form,
/// fixed or scientific (`e+XX`), whichever is shorter.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".to_owned()
        } else if value > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    let fixed = format!("{value}");
    let scientific = {
        let raw = format!("{value:e}");
        match raw.split_once('e') {
            Some((mantissa, exponent)) => {
                let (sign, digits) = match exponent.strip_prefix('-') {
                    Some(digits) => ('-', digits),
                    None => ('+', exponent),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => raw,
        }
    };
    if scientific.len() < fixed.len() {
        scientific
    } else {
        fixed
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_print_like_fmt() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-1.0), "-1");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(100.0), "100");
        assert_eq!(format_number(1e20), "1e+20");
        assert_eq!(format_number(1e-5), "1e-05");
        assert_eq!(format_number(0.01), "0.01");
        assert_eq!(format_number(123456.0), "123456");
    }
}
